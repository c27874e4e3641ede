"""Reading an export as the tools write it: encodings and BOMs, delimiters, CRLF, several header rows.

Pure: bytes in, a table out. Problems that make the whole file unusable raise ImportFailed.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass

from .errors import ImportFailed
from .presets import Layout

_DELIMITERS = (",", "\t", ";")
_QUALTRICS_LEGACY_NAME = re.compile(r"^V\d+$")
_GENERIC_SUBLABELS = frozenset(("", "response", "open-ended response"))


@dataclass(frozen=True, slots=True)
class Column:
    index: int                 # 0-based
    names: tuple[str, ...]     # what it can be called: the name, then labels from other header rows

    @property
    def shown(self) -> str:
        return self.names[0] if self.names and self.names[0] else f"#{self.index + 1}"


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[int, list[str]], ...]  # (row number as a spreadsheet shows it, cells)
    encoding: str
    delimiter: str
    layout: str                 # what was detected, for the report


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with: a BOM decides, else UTF-8, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    for bom, name, codec in ((codecs.BOM_UTF16_LE, "UTF-16LE with BOM", "utf-16-le"),
                             (codecs.BOM_UTF16_BE, "UTF-16BE with BOM", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), name
            except UnicodeDecodeError as exc:
                raise ImportFailed(f"the file starts with a {name} mark but is not UTF-16: {exc}") from None
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        try:
            return data.decode("utf-16-le"), "UTF-16LE"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252 (not UTF-8)"


def sniff_delimiter(first_line: str, suffix: str) -> str:
    """Tab for .tsv; otherwise the delimiter found most often outside quotes in the header line."""
    if suffix.lower() == ".tsv":
        return "\t"
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(data: bytes, suffix: str, layout: Layout) -> Table:
    text, encoding = decode(data)
    if "\x00" in text:
        raise ImportFailed("the file holds NUL characters: it is not a text export (a spreadsheet's .xlsx?); "
                           "export it as CSV")
    if not text.strip():
        raise ImportFailed("the file is empty")
    delimiter = sniff_delimiter(text.split("\n", 1)[0], suffix)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            records.append((number, cells))
    except csv.Error as exc:
        raise ImportFailed(f"row {len(records) + 1} cannot be read: {exc}") from None
    header = records[0][1]
    found = _detect_header_rows(layout, records)
    rows = tuple((number, cells) for number, cells in records[found.count:] if any(c.strip() for c in cells))
    return Table(_columns(layout, header, [cells for _, cells in records[1:found.count]]), rows, encoding,
                 {",": "comma", "\t": "tab", ";": "semicolon"}[delimiter], found.description)


@dataclass(frozen=True, slots=True)
class _HeaderRows:
    count: int
    description: str


def _detect_header_rows(layout: Layout, records: list[tuple[int, list[str]]]) -> _HeaderRows:
    if layout is Layout.SURVEYMONKEY:
        if len(records) < 2:
            raise ImportFailed("a SurveyMonkey export has two header rows; this file has one")
        return _HeaderRows(2, "SurveyMonkey, 2 header rows")
    if layout is Layout.QUALTRICS:
        names = [name.strip() for name in records[0][1]]
        if names and all(_QUALTRICS_LEGACY_NAME.match(name) for name in names[:10]) and len(records) >= 2:
            return _HeaderRows(2, "Qualtrics legacy, 2 header rows (V1…V10, then labels)")
        if len(records) >= 3 and _import_ids(records[2][1]):
            return _HeaderRows(3, "Qualtrics, 3 header rows (names, labels, ImportId)")
        if len(records) >= 2 and records[1][1] and records[1][1][0].strip() in ("ResponseID", "ResponseId"):
            return _HeaderRows(2, "Qualtrics, 2 header rows (names, labels)")
        return _HeaderRows(1, "Qualtrics, 1 header row")
    return _HeaderRows(1, "1 header row")


def _import_ids(cells: list[str]) -> bool:
    """Qualtrics' third header row: {"ImportId": …} in JSON, or in Python-dict quotes (2016 exports)."""
    first = next((cell.strip() for cell in cells if cell.strip()), "")
    if not first.startswith("{") or "ImportId" not in first:
        return False
    try:
        json.loads(first.replace("'", '"'))
    except ValueError:
        return "ImportId" in first
    return True


def _columns(layout: Layout, header: list[str], labels: list[list[str]]) -> tuple[Column, ...]:
    columns = []
    carried = ""
    for index, name in enumerate(header):
        name = name.strip()
        row_labels = [row[index].strip() for row in labels[:1] if index < len(row)]
        label = row_labels[0] if row_labels else ""
        names: list[str] = []
        if layout is Layout.SURVEYMONKEY:
            # a question with several answer columns names the first only: carry it over the blanks
            carried = name or carried
            if label.lower() not in _GENERIC_SUBLABELS:
                names.append(f"{carried} - {label}")
            if name:
                names.append(name)
        elif layout is Layout.QUALTRICS and _QUALTRICS_LEGACY_NAME.match(name) and label:
            names += [label, name]   # legacy: the metadata's real names are in the second row
        else:
            names.append(name)
            if label:
                names.append(label)
        columns.append(Column(index, tuple(dict.fromkeys(n for n in names if n)) or ("",)))
    return tuple(columns)
