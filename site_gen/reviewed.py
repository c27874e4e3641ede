"""`site-gen reviewed`: record the meeting's reviews in the irritant files, changing only those lines.

The loader keeps where every value was written (record.locs), so an edit replaces the value's characters
on its line and nothing else: comments, order, quoting style and the rest of the file stay byte for byte.
A field that is absent gets a line of its own (`reviewed:` after `opened:`, `target:` after `opened:` too,
`closed:` after `reviewed:`) at the indentation of the file's fields. Block-style files only: a field written
in a flow mapping on one line (`{title: …, reviewed: …}`) is replaced in place, but a missing one cannot be
added there, and the edit is refused with a hint.

Pure functions: `plan_reviews` returns the new texts; the CLI writes them (atomically) after they pass the
loader and the record rules in memory.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .diagnostics import Diagnostic, Severity
from .fieldtypes import did_you_mean
from .files import replace_file
from .load.records import load_irritant
from .model import Backlog, Irritant, IrritantStatus, Unreadable
from .rules.public_safety import NO_CUSTOMERS
from .rules.records import record_findings


class ReviewRefused(Exception):
    """The request cannot be applied as asked; nothing was written. exit_code 2: a usage mistake."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True, slots=True)
class FileEdit:
    path: str          # relative to the repository
    before: str
    after: str
    changed: tuple[str, ...]   # field names written, in the order they were applied


_QUOTED = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')""")


def _value_span(line: str, col: int) -> tuple[int, int]:
    """Where the scalar starting at col (0-based) ends: a quoted string to its closing quote; a plain one
    before ' #' (a comment), or before ',', '}' or ']' in a flow mapping, without trailing spaces."""
    if line[col:col + 1] in ("'", '"'):
        match = _QUOTED.match(line, col)
        return col, match.end() if match else len(line)
    end = len(line)
    comment = line.find(" #", col)
    if comment >= 0:
        end = comment
    flow = "{" in line[:col] or "[" in line[:col]
    if flow:
        stops = [i for i in (line.find(",", col, end), line.find("}", col, end), line.find("]", col, end)) if i >= 0]
        end = min(stops, default=end)
    return col, len(line[:end].rstrip())


def _write_value(line: str, col: int, value: str) -> str:
    start, end = _value_span(line, col)
    old = line[start:end]
    quote = old[:1] if old[:1] in ("'", '"') else ""
    space = " " if line[:start].endswith(":") else ""   # `reviewed:` had no value, nor the space before one
    return f"{line[:start]}{space}{quote}{value}{quote}{line[end:]}"


def set_field(text: str, irritant: Irritant, name: str, value: str, after: Sequence[str]) -> str:
    """text with the field's value replaced on its line, or a new `name: value` line after the first of
    `after` that the file has (else at the end of the file)."""
    lines = text.split("\n")
    loc = irritant.written_at(name)   # `reviewed:` left empty is its line
    if loc is not None and loc.line is not None and loc.col is not None:
        index = loc.line - 1
        lines[index] = _write_value(lines[index], loc.col - 1, value)
        return "\n".join(lines)
    for anchor in after:
        at = irritant.locs.get(anchor)
        if at is None or at.line is None:
            continue
        line = lines[at.line - 1]
        key = re.match(r"(\s*)([A-Za-z_]+)\s*:", line)
        if key is None or key.group(2) != anchor:
            raise ReviewRefused(f"{irritant.loc.path}:{at.line}: '{anchor}' is not on a line of its own, so "
                                f"'{name}:' cannot be added next to it", 1)
        lines.insert(at.line, f"{key.group(1)}{name}: {value}")
        return "\n".join(lines)
    if lines and lines[-1] == "":
        lines.insert(len(lines) - 1, f"{name}: {value}")
    else:
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def resolve(backlog: Backlog, ids: Sequence[str]) -> list[Irritant]:
    """The irritants named, or ReviewRefused naming every unknown ID with its closest match."""
    unknown = []
    broken = backlog.unreadable_ids("irritant")
    for key in ids:
        if key in broken:
            unknown.append(f"irritant '{key}' has errors that stop it loading (run site-gen check)")
        elif key not in backlog.irritants:
            suggestion = did_you_mean(key, backlog.irritants)
            unknown.append(f"no irritant '{key}'" + (f" — {suggestion}" if suggestion else ""))
    if unknown:
        raise ReviewRefused("; ".join(unknown) + ("" if unknown[-1].endswith("?") else ".") + " Nothing was written.")
    return [backlog.irritants[key] for key in dict.fromkeys(ids)]


def plan_reviews(backlog: Backlog, texts: Mapping[str, str], ids: Sequence[str], on: date,
                 status: IrritantStatus | None = None, target: date | None = None) -> list[FileEdit]:
    """The edits that record a review on `on` (and optionally a new status or target) for each irritant.

    texts: the current text of each irritant's file (by relative path), as the CLI read it. Closing one
    (status done or declined) also writes `closed:` with the review date when it has none, since check
    requires it.
    """
    edits = []
    for irritant in resolve(backlog, ids):
        text = texts[irritant.loc.path]
        changed = ["reviewed"]
        text = set_field(text, irritant, "reviewed", on.isoformat(), ("opened",))
        irritant = _relocated(irritant, text)
        if target is not None:
            text = set_field(text, irritant, "target", target.isoformat(), ("opened",))
            irritant = _relocated(irritant, text)
            changed.append("target")
        if status is not None:
            text = set_field(text, irritant, "status", str(status), ("triage",))
            irritant = _relocated(irritant, text)
            changed.append("status")
            if status in (IrritantStatus.DONE, IrritantStatus.DECLINED) and irritant.closed is None:
                text = set_field(text, irritant, "closed", on.isoformat(), ("reviewed", "opened"))
                changed.append("closed")
        edits.append(FileEdit(irritant.loc.path, texts[irritant.loc.path], text, tuple(changed)))
    return edits


def _relocated(irritant: Irritant, text: str) -> Irritant:
    """The irritant as loaded from text: after a line was added, the fields below it moved down."""
    loaded = _load_text(irritant.loc.path, text, [])
    if not isinstance(loaded, Irritant):
        raise ReviewRefused(f"{irritant.loc.path}: the edited file no longer loads; nothing was written", 1)
    return loaded


def _load_text(rel: str, text: str, diagnostics: list[Diagnostic]) -> Irritant | Unreadable | None:
    """Load text exactly as check would load the file at rel: the same loader, from a private folder."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        loaded = load_irritant(path, root, diagnostics)
    return loaded


def _errors(backlog: Backlog, rel: str, text: str, on: date) -> list[Diagnostic]:
    """The errors check reports on one irritant file with this text: the loader's, and the record rules' (what
    check says of the irritant alone: site_gen.rules.records)."""
    found: list[Diagnostic] = []
    loaded = _load_text(rel, text, found)
    if isinstance(loaded, Irritant):
        found.extend(record_findings(loaded, NO_CUSTOMERS, on, backlog.config.rules))
    return [d for d in found if d.severity is Severity.ERROR]


def new_errors(backlog: Backlog, edit: FileEdit, on: date) -> list[Diagnostic]:
    """Errors check would report on the edited file that it does not report on the file as it is."""
    before = {(d.rule, d.message) for d in _errors(backlog, edit.path, edit.before, on)}
    return [d for d in _errors(backlog, edit.path, edit.after, on) if (d.rule, d.message) not in before]


# --- the edges: reading and writing the files -------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Shape:
    """What read_source normalises away and a rewrite must put back: a BOM and CRLF line ends."""

    bom: bool
    crlf: bool


def read_texts(root: Path, irritants: Sequence[Irritant]) -> tuple[dict[str, str], dict[str, _Shape]]:
    """Each file's text as the loader saw it (LF line ends, no BOM), and how to write it back the same way."""
    texts, shapes = {}, {}
    for irritant in irritants:
        raw = (root / irritant.loc.path).read_bytes().decode("utf-8")
        bom = raw.startswith("\ufeff")
        raw = raw[1:] if bom else raw
        shapes[irritant.loc.path] = _Shape(bom, "\r\n" in raw)
        texts[irritant.loc.path] = raw.replace("\r\n", "\n")
    return texts, shapes


def write_edits(root: Path, edits: Sequence[FileEdit], shapes: dict[str, _Shape]) -> None:
    """Each file replaced atomically (a temporary file in the same folder, then a rename), keeping its mode."""
    for edit in edits:
        target = root / edit.path
        shape = shapes[edit.path]
        text = edit.after.replace("\n", "\r\n") if shape.crlf else edit.after
        data = (("\ufeff" if shape.bom else "") + text).encode("utf-8")
        replace_file(target, data, os.stat(target).st_mode & 0o7777)
