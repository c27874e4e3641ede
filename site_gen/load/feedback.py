"""Feedback batches: CSV and JSONL exports (fast, for volume) and small hand-written YAML lists."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from ..diagnostics import Diagnostic, SourceLoc, error
from ..fields import FEEDBACK_FIELDS, SCORE_RANGE
from ..model import FeedbackRow, Unreadable
from .columns import fast_rows
from .convert import RowConverter, convert_mapping, report_unreadable, unknown_columns
from .source import FEEDBACK_LIMIT, read_source, relative
from .yamlsafe import Sequence, parse_yaml

FIELDS_BY_NAME = {f.name: f for f in FEEDBACK_FIELDS}
ESSENTIAL = tuple(f.name for f in FEEDBACK_FIELDS if f.essential and f.name != "id")
Loaded = FeedbackRow | Unreadable   # a row lacking a required field is kept as a stub: its ID still exists
SUFFIXES = (".csv", ".jsonl", ".yaml", ".yml")


def load_feedback_file(path: Path, root: Path, diagnostics: list[Diagnostic]) -> list[Loaded]:
    rel = relative(path, root)
    text = read_source(path, root, FEEDBACK_LIMIT, diagnostics)
    if text is None:
        return []
    if path.suffix == ".csv":
        return _load_csv(text, rel, diagnostics)
    if path.suffix == ".jsonl":
        return _load_jsonl(text, rel, diagnostics)
    return _load_yaml(text, rel, diagnostics)


def _row(values: dict[str, Any], loc: SourceLoc, diagnostics: list[Diagnostic],
         given: Iterable[str] = ()) -> Loaded | None:
    """given: the fields the row wrote, valid or not (a bad score is reported once, not twice)."""
    if "id" not in values:
        return None
    score_type, score = values.get("score_type"), values.get("score")
    if ({"score", "score_type"} & set(given)) - set(values):
        pass  # a score or score type was written but is invalid: already reported
    elif (score_type is None) != (score is None):
        diagnostics.append(error(loc, "required", "feedback row has a score_type without a score, or the reverse",
                                 "give both score_type and score, or neither"))
    elif score_type is not None and score is not None:
        low, high = SCORE_RANGE[score_type]
        if not low <= score <= high:
            diagnostics.append(error(loc, "value", f"a {score_type} score runs from {low} to {high}, got {score}",
                                     "check the export's score column"))
    for name in ESSENTIAL:
        if name not in values:
            return Unreadable(kind="feedback row", id=values["id"], loc=loc)
    return FeedbackRow(loc=loc, **values)


def _load_csv(text: str, rel: str, diagnostics: list[Diagnostic]) -> list[Loaded]:
    # lines end at '\n' only: splitlines() would also end them at \v, \f and U+2028 inside a cell
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Loaded] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        diagnostics.append(error(SourceLoc(rel, 1, 1), "parse", f"CSV header cannot be read: {exc}",
                                 "the first line names the columns: id,date,source,…"))
        return rows
    if header is None:
        diagnostics.append(error(SourceLoc(rel, 1, 1), "required", "feedback file is empty",
                                 "start with a header line: id,date,source,journey_stage,…"))
        return rows
    header = [name.strip() for name in header]
    usable = not unknown_columns(header, FIELDS_BY_NAME, "in feedback", f"known columns: {', '.join(FIELDS_BY_NAME)}",
                                 rel, diagnostics)
    for name in (f.name for f in FEEDBACK_FIELDS if f.required):
        if name not in header:
            usable = False
            diagnostics.append(error(SourceLoc(rel, 1, 1), "required", f"feedback file has no '{name}' column",
                                     f"add a '{name}' column to the header"))
    if len(set(header)) != len(header):
        usable = False
        diagnostics.append(error(SourceLoc(rel, 1, 1), "duplicate-key", "a column name appears twice in the header",
                                 "keep one column per field"))
    if not usable:
        return rows
    del reader   # its StringIO holds the text four bytes a character: let it go while the fast path runs
    clean = fast_rows(text, rel, header)
    if clean is not None:
        return cast("list[Loaded]", clean)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)   # the header, read above
    width = len(header)
    convert = RowConverter(FEEDBACK_FIELDS, from_text=True)
    line = 1
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not cells:
                continue
            loc = SourceLoc(rel, start, 1)
            if len(cells) != width:
                diagnostics.append(error(loc, "parse", f"row has {len(cells)} cells, the header has {width}",
                                         "quote cells that contain commas: \"like, this\""))
                continue
            values = convert(dict(zip(header, cells, strict=True)), loc, diagnostics,
                             _csv_columns(text, start, header))
            row = _row(values, loc, diagnostics, {name for name, cell in zip(header, cells, strict=True) if cell})
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        diagnostics.append(error(SourceLoc(rel, line + 1, 1), "parse", f"CSV cannot be read: {exc}",
                                 "close the quote opened on this line"))
    return rows


def _csv_columns(text: str, line_number: int, header: list[str]) -> Callable[[str], int]:
    """Where each cell of a CSV row starts, found by rescanning its line (only when a cell is wrong)."""
    def column_of(field: str) -> int:
        line = text.split("\n", line_number)[line_number - 1]
        starts, quoted = [1], False
        for offset, char in enumerate(line):
            if char == '"':
                quoted = not quoted
            elif char == "," and not quoted:
                starts.append(offset + 2)
        index = header.index(field)
        return starts[index] if index < len(starts) else 1
    return column_of


def _json_columns(line: str) -> Callable[[str], int]:
    def column_of(field: str) -> int:
        found = line.find(json.dumps(field))
        return found + 1 if found >= 0 else 1
    return column_of


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """As in YAML, a key written twice is an error: json.loads would silently keep the last."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return document


_decode = json.JSONDecoder(object_pairs_hook=_unique_keys).decode


def _second_key_column(line: str, key: str) -> int:
    found = list(re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", line))
    return found[1].start() + 1 if len(found) > 1 else 1


def _unreadable_number(line: str, loc: SourceLoc, exc: ValueError) -> Diagnostic:
    limit = sys.get_int_max_str_digits()
    digits = re.search(rf"\d{{{limit + 1},}}", line) if limit else None
    if digits is None:
        return error(loc, "parse", f"invalid JSON: {exc}", "each line holds one JSON object")
    return error(SourceLoc(loc.path, loc.line, digits.start() + 1), "parse",
                 f"a number with {len(digits.group()):,} digits; Python reads at most {limit:,}",
                 "each line holds one JSON object of text, dates and small numbers")


def _load_jsonl(text: str, rel: str, diagnostics: list[Diagnostic]) -> list[Loaded]:
    rows: list[Loaded] = []
    convert = RowConverter(FEEDBACK_FIELDS, from_text=False)
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        loc = SourceLoc(rel, number, 1)
        try:
            document = _decode(line)
        except json.JSONDecodeError as exc:
            diagnostics.append(error(SourceLoc(rel, number, exc.colno), "parse", f"invalid JSON: {exc.msg}",
                                     "each line holds one JSON object"))
            continue
        except _DuplicateKey as exc:
            diagnostics.append(error(SourceLoc(rel, number, _second_key_column(line, exc.key)), "duplicate-key",
                                     f"field '{exc.key}' appears twice in this object",
                                     "keep one of them; JSON readers would otherwise silently use the last"))
            continue
        except ValueError as exc:  # an integer longer than Python converts (sys.get_int_max_str_digits)
            diagnostics.append(_unreadable_number(line, SourceLoc(rel, number, 1), exc))
            continue
        except RecursionError:
            diagnostics.append(error(loc, "parse", "JSON is nested too deeply", "each line holds one flat JSON object"))
            continue
        if not isinstance(document, dict):
            diagnostics.append(error(loc, "type", "each line must be a JSON object",
                                     'e.g. {"id": "T-1", "date": "2026-10-01", "source": "ticket", …}'))
            continue
        values = convert(document, loc, diagnostics, _json_columns(line))
        row = _row(values, loc, diagnostics, {key for key, value in document.items() if value not in (None, "")})
        if row is not None:
            rows.append(row)
    return rows


def _load_yaml(text: str, rel: str, diagnostics: list[Diagnostic]) -> list[Loaded]:
    node, problems = parse_yaml(report_unreadable(text, rel, 1, diagnostics), rel)
    diagnostics.extend(problems)
    if node is None:
        if not problems:
            diagnostics.append(error(SourceLoc(rel), "required", "feedback file is empty",
                                     "write a list of rows, each starting with '- id: …'"))
        return []
    if not isinstance(node, Sequence):
        diagnostics.append(error(node.loc, "type", "a YAML feedback batch must be a list of rows",
                                 "start each row with '- id: …'"))
        return []
    rows: list[Loaded] = []
    for item in node.items:
        if item is None:
            continue
        converted = convert_mapping(item, FEEDBACK_FIELDS, "feedback row", item.loc, diagnostics)
        row = _row(converted.values, item.loc, diagnostics, item.entries if hasattr(item, "entries") else ())
        if row is not None:
            rows.append(row)
    return rows
