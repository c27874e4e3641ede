"""The notify ledger, backlog/notified.csv: who was told about which story. Read here, never as feedback."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..diagnostics import Diagnostic, SourceLoc, error
from ..fields import NOTIFIED_FIELDS
from ..model import Notification
from .convert import RowConverter, unknown_columns
from .source import FEEDBACK_LIMIT, read_source, relative

LEDGER = "backlog/notified.csv"
COLUMNS = tuple(f.name for f in NOTIFIED_FIELDS)
WHAT = "notify ledger line"


def load_ledger(root: Path, diagnostics: list[Diagnostic]) -> tuple[Notification, ...]:
    """The ledger's lines in file order; an absent ledger is an empty one. Problems are appended, located."""
    path = root / LEDGER
    if not path.exists() and not path.is_symlink():
        return ()
    text = read_source(path, root, FEEDBACK_LIMIT, diagnostics)
    if text is None:
        return ()
    return parse_ledger(text, relative(path, root), diagnostics)


def parse_ledger(text: str, rel: str, diagnostics: list[Diagnostic]) -> tuple[Notification, ...]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        diagnostics.append(error(SourceLoc(rel, 1, 1), "parse", f"CSV header cannot be read: {exc}",
                                 f"the first line names the columns: {','.join(COLUMNS)}"))
        return ()
    if header is None:
        return ()
    header = [name.strip() for name in header]
    usable = not unknown_columns(header, COLUMNS, "in the ledger", f"the columns are {','.join(COLUMNS)}", rel,
                                 diagnostics)
    for name in COLUMNS:
        if name not in header:
            usable = False
            diagnostics.append(error(SourceLoc(rel, 1, 1), "required", f"the ledger has no '{name}' column",
                                     f"the first line names the columns: {','.join(COLUMNS)}"))
    if not usable:
        return ()
    convert = RowConverter(NOTIFIED_FIELDS, from_text=True, what=WHAT)
    lines: list[Notification] = []
    line = 1
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not cells:
                continue
            loc = SourceLoc(rel, start, 1)
            if len(cells) != len(header):
                diagnostics.append(error(loc, "parse", f"line has {len(cells)} cells, the header has {len(header)}",
                                         "each line is story,customer,date,channel,result"))
                continue
            starts = _cell_starts(text.split("\n", start)[start - 1])

            def column_of(name: str, starts: list[int] = starts) -> int:
                index = header.index(name)
                return starts[index] if index < len(starts) else 1
            values = convert(dict(zip(header, cells, strict=True)), loc, diagnostics, column_of)
            if all(name in values for name in COLUMNS):
                lines.append(Notification(loc=loc, **values))
    except csv.Error as exc:
        diagnostics.append(error(SourceLoc(rel, line + 1, 1), "parse", f"CSV cannot be read: {exc}",
                                 "close the quote opened on this line"))
    return tuple(lines)


def _cell_starts(line: str) -> list[int]:
    starts, quoted = [1], False
    for offset, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            starts.append(offset + 2)
    return starts


def ledger_line(entry: Notification) -> str:
    """One CSV line to append, as the loader reads it back."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        [entry.story, entry.customer, entry.date.isoformat(), entry.channel, entry.result.value])
    return buffer.getvalue()


HEADER = ",".join(COLUMNS) + "\n"
