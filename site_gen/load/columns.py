"""The fast path for clean feedback exports: read a CSV in big chunks and convert it a column at a time.

A million-row export is mostly repeated values (dates, sources, stages, scores) and a few
columns of unique text (IDs, customers, verbatims). Converting each distinct value once per
column and checking a unique-text column in one pass in C replaces millions of per-cell
Python calls; rows are then built with a constructor that sets the slots directly.

This path reports nothing: the moment a cell, a row's shape or a score needs a word with
the user, it gives up (returns None) and the precise row-by-row reader reruns the file, so
every diagnostic keeps its exact file:line:column. Clean data never pays for that.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Callable, Iterator
from itertools import islice, repeat
from operator import attrgetter
from typing import Any

from ..diagnostics import SourceLoc
from ..fields import FEEDBACK_FIELDS, SCORE_RANGE
from ..fieldtypes import FEEDBACK_ID_RE, FeedbackId, Field, FieldType, Problem, Text, Textual
from ..model import FeedbackRow
from .convert import coerce

_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # str.splitlines ends lines there too
CHUNK_ROWS = 50_000   # rows converted at a time: bounds the memory held by raw cells


class _Precise(Exception):
    """Something in the file needs the precise reader's diagnostics."""


def _slot_constructor(cls: type[Any]) -> Callable[..., Any]:
    """A positional constructor for a frozen slots dataclass that sets each slot directly.

    A frozen dataclass's __init__ goes through object.__setattr__ once per field; at a million rows
    that is most of the load. The result is the same object (same class, same fields, equal and
    equally hashed); a class with a __post_init__ keeps its own __init__.
    """
    names = [f.name for f in dataclasses.fields(cls)]
    if hasattr(cls, "__post_init__"):
        return lambda *values: cls(**dict(zip(names, values, strict=True)))
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    namespace.update({f"_set_{name}": cls.__dict__[name].__set__ for name in names})
    body = "".join(f"    _set_{name}(row, {name})\n" for name in names)
    exec(f"def make({', '.join(names)}):\n    row = _new(_cls)\n{body}    return row\n", namespace)  # noqa: S102
    made: Callable[..., Any] = namespace["make"]
    return made


_make_row = _slot_constructor(FeedbackRow)
_make_loc = _slot_constructor(SourceLoc)
_ROW_FIELDS = [f for f in dataclasses.fields(FeedbackRow)]
_ROW_NAMES = tuple(f.name for f in _ROW_FIELDS)
_DEFAULTS = {f.name: f.default for f in _ROW_FIELDS if f.default is not dataclasses.MISSING}
_CONTRACT = {f.name: f for f in FEEDBACK_FIELDS}
_ESSENTIAL = tuple(f.name for f in FEEDBACK_FIELDS if f.essential)


class _Column:
    """Converts one column of cells, remembering each distinct value of a column whose values repeat."""

    def __init__(self, field: Field):
        self.field = field
        kind: FieldType = field.type
        self.required = field.required
        self.default = _DEFAULTS.get(field.name)   # what an empty cell means: the field left out
        self.cache: dict[str, Any] | None = {"": self.default} if kind.repeats else None
        # a unique-text column is checked in one pass: no character that breaks readers, then the type's own check
        self.plain_text = isinstance(kind, Text) and not field.required
        self.check: Callable[[str, str], Any] | None = None
        if isinstance(kind, Textual) and not isinstance(kind, Text) and type(kind).check is not Textual.check:
            self.check = kind.check

    def __call__(self, cells: tuple[str, ...]) -> list[Any] | tuple[str | None, ...]:
        if self.cache is not None:
            cache = self.cache
            if self.required and "" in cells:
                raise _Precise
            try:
                return list(map(cache.__getitem__, cells))
            except KeyError:   # values not met before: converted once each
                pass
            for value in set(cells).difference(cache):
                try:
                    cache[value] = coerce(self.field, value, value, True)
                except Problem as exc:
                    raise _Precise from exc
            return list(map(cache.__getitem__, cells))
        if isinstance(self.field.type, Textual) and (self.plain_text or self.check is not None):
            if self.field.type.refused.search("\n".join(cells)) is not None:   # a newline is not one of them
                raise _Precise
            if self.required and "" in cells:
                raise _Precise
            if isinstance(self.field.type, FeedbackId):   # its check is this pattern: matched in C
                if not all(map(FEEDBACK_ID_RE.match, cells)):
                    raise _Precise
            elif self.check is not None:
                name, check = self.field.name, self.check
                try:
                    for value in cells:
                        check(name, value)
                except Problem as exc:
                    raise _Precise from exc
            default = self.default
            return tuple(value or default for value in cells) if "" in cells else cells
        converted: list[Any] = []
        for value in cells:
            if not value:
                converted.append(self.default)
                continue
            try:
                converted.append(coerce(self.field, value, value, True))
            except Problem as exc:
                raise _Precise from exc
        return converted


def fast_rows(text: str, rel: str, header: list[str]) -> list[FeedbackRow] | None:
    """Every row of a CSV whose header is already checked, or None when some row needs a located diagnostic."""
    if any(name not in header for name in _ESSENTIAL):
        return None
    if "\r" in text:   # read_source makes every line end with \n; the precise path takes anything else
        return None
    # the C splitter when no other character would also end a line for it (a form feed, U+2028, ...)
    lines = iter(text.splitlines(keepends=True)) if _OTHER_BREAKS.search(text) is None else _lines(text)
    reader = csv.reader(lines, strict=True)
    converters = [_Column(_CONTRACT[name]) for name in header]
    rows: list[FeedbackRow] = []
    try:
        next(reader)
        for starts, chunk in _chunks(reader, len(header)):
            columns = dict(zip(header, (convert(cells) for convert, cells in
                                        zip(converters, zip(*chunk, strict=True), strict=True)), strict=True))
            del chunk
            _check_scores(columns.get("score_type"), columns.get("score"))
            locs = list(map(_make_loc, repeat(rel), starts, repeat(1)))
            values = [locs if f.name == "loc" else columns[f.name] if f.name in columns
                      else repeat(_DEFAULTS.get(f.name)) for f in _ROW_FIELDS]
            rows.extend(map(_make_row, *values))
    except (_Precise, csv.Error):
        return None
    return rows


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their \n, as io.StringIO(text, newline="") gives them for text without \r,
    without StringIO's copy of the whole text at four bytes a character."""
    start, end = 0, len(text)
    find = text.find
    while start < end:
        stop = find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start:stop + 1]
        start = stop + 1


def _chunks(reader: Any, width: int) -> Iterator[tuple[list[int] | range, list[list[str]]]]:
    """Rows in chunks with the line each starts on; a blank line or a row of the wrong width needs the precise path."""
    line = reader.line_num
    while True:
        chunk = list(islice(reader, CHUNK_ROWS))   # in C: the reader is asked for line numbers per chunk, not per row
        if not chunk:
            return
        if set(map(len, chunk)) != {width}:
            raise _Precise
        if reader.line_num - line == len(chunk):   # one line a row, as almost every export
            starts: list[int] | range = range(line + 1, line + 1 + len(chunk))
        else:   # a quoted cell holds line breaks: the row spans one line more for each
            starts, start = [], line + 1
            for cells in chunk:
                starts.append(start)
                start += 1 + sum(cell.count("\n") for cell in cells)
        line = reader.line_num
        yield starts, chunk


def _check_scores(types: list[Any] | tuple[Any, ...] | None, scores: list[Any] | tuple[Any, ...] | None) -> None:
    """A score type goes with a score in its range, or neither is given."""
    if types is None and scores is None:
        return
    nothing = repeat(None)
    pairs = set(zip(types if types is not None else nothing, scores if scores is not None else nothing, strict=False))
    for score_type, score in pairs:
        if (score_type is None) != (score is None):
            raise _Precise
        if score_type is not None:
            low, high = SCORE_RANGE[score_type]
            if not low <= score <= high:
                raise _Precise


class RowColumns:
    """A feedback file's rows, pickled a column at a time (the cache keeps a large export's rows this way).

    Row by row, pickle calls a function per row and per location going and coming back; as columns it
    writes each column's values in one pass (a repeated date or source once, by reference) and the rows
    are built again with the fast path's constructor: a third of the time at 200,000 rows.
    """

    __slots__ = ("rows",)

    def __init__(self, rows: list[FeedbackRow]):
        self.rows = rows

    def __reduce__(self) -> tuple[Callable[..., RowColumns], tuple[Any, ...]]:
        rows = self.rows
        locs = [row.loc for row in rows]
        columns = tuple(tuple(map(attrgetter(name), rows)) for name in _ROW_NAMES if name != "loc")
        where = tuple(tuple(map(attrgetter(name), locs)) for name in ("path", "line", "col"))
        return _rows_from_columns, (columns, where)


def _rows_from_columns(columns: tuple[tuple[Any, ...], ...], where: tuple[tuple[Any, ...], ...]) -> RowColumns:
    values: list[Any] = list(columns)
    values.insert(_ROW_NAMES.index("loc"), list(map(_make_loc, *where)))
    return RowColumns(list(map(_make_row, *values)))
