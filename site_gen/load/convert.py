"""Turn located YAML nodes (or flat feedback rows) into typed values, per the field contract.

A value that fails its check is left out, with a diagnostic that says what was
wrong and how to fix it; the record is still built so later rules can run.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from ..diagnostics import Diagnostic, SourceLoc, error
from ..fields import COLOR_PATTERN, DATE_PATTERN, FEEDBACK_ID_RE, ID_RE, PERIOD_PATTERN, URL_PATTERN, Field
from .yamlsafe import Mapping, Node, Scalar, Sequence

_DATE_RE = re.compile(DATE_PATTERN)
_PERIOD_RE = re.compile(PERIOD_PATTERN)
_COLOR_RE = re.compile(COLOR_PATTERN)
_URL_RE = re.compile(URL_PATTERN)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_TEXT_TYPES = {"text", "markdown", "id", "feedback-id", "enum", "url", "color", "period"}
# Characters that break readers: C0 controls other than tab and newline (CR is a line break, which XML
# and JSON carry), lone surrogates that JSON and YAML escapes can produce, and the two non-characters
# XML forbids. One of them makes feed.xml not well-formed, and feed readers drop the whole feed.
UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
UNREADABLE_HINT = "delete it; it often comes from pasting from a word processor"
_NOT_BLANK = ("title", "public_title")  # optional, but shown as headings when given


class Problem(Exception):
    def __init__(self, rule: str, message: str, hint: str = "", keep: Any = None):
        super().__init__(message)
        self.rule, self.message, self.hint = rule, message, hint
        # a value reported but still recorded, so rules do not also report it as missing
        self.keep = keep


def describe_character(char: str) -> str:
    return f"U+{ord(char):04X}"


def _kind(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "the lone surrogate"
    return "the control character" if char < " " else "the non-character"


def unreadable_problem(name: str, value: str, match: re.Match, keep: bool = False) -> Problem:
    """A Problem naming the first character of value that breaks readers, and where it is."""
    offset = match.start()
    line = value.count("\n", 0, offset)
    column = offset - (value.rfind("\n", 0, offset) + 1) + 1
    where = f"column {column} of its line {line + 1}" if line else f"character {column}"
    char = match.group()
    return Problem("control-character", f"'{name}' contains {_kind(char)} {describe_character(char)} at {where} "
                   "of the value", UNREADABLE_HINT, value if keep else None)


MAX_UNREADABLE_REPORTS = 20  # per file: a pasted document can hold hundreds


def report_unreadable(text: str, path: str, first_line: int, diagnostics: list[Diagnostic]) -> str:
    """Report each character of a file's text that breaks readers at its line and column; return the text
    with them blanked, so that the YAML parser (which refuses them, naming only a position) still reads
    the rest and every other problem is reported in the same run."""
    if UNREADABLE.search(text) is None:
        return text
    for count, match in enumerate(UNREADABLE.finditer(text)):
        if count == MAX_UNREADABLE_REPORTS:
            break
        line = first_line + text.count("\n", 0, match.start())
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        diagnostics.append(error(SourceLoc(path, line, column), "control-character",
                                 f"{_kind(match.group())} {describe_character(match.group())} at column {column}",
                                 UNREADABLE_HINT))
    return UNREADABLE.sub(" ", text)


def _blank_problem(field: Field) -> Problem:
    return Problem("required", f"'{field.name}' is blank", f"write the {field.name} ({field.doc})")


def parse_date(text: str) -> date:
    """An ISO date, or a Problem naming why it is not one (2026-02-30 is not a date)."""
    text = text.strip()
    if not _DATE_RE.match(text):
        raise Problem("type", f"'{text}' is not a date", "write dates as YYYY-MM-DD, e.g. 2026-10-31")
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            last = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
            hint = f"{_MONTHS[month - 1]} {year} has {last} days"
        else:
            hint = "months run from 01 to 12"
        raise Problem("date", f"{text} is not a real date", hint) from None


def _yaml_scalar_value(node: Scalar) -> Any:
    """The value YAML 1.1 gives a scalar; we keep the text and decide per field."""
    tag, text = node.tag, node.text
    if tag == "str":
        return text
    if tag == "null":
        return None
    if tag == "bool":
        return text.lower() in ("yes", "true", "on", "y")
    if tag == "int":
        return _yaml_int(text)
    if tag == "float":
        try:
            return float(text.replace("_", "").replace(".inf", "inf").replace(".nan", "nan").replace(".Inf", "inf"))
        except ValueError:  # YAML 1.1 sexagesimal floats (1:30.5): left as text, reported as not a number
            return text
    if tag == "timestamp":
        if _DATE_RE.match(text):
            return parse_date(text)
        return _Timestamp(text)
    return text


class _Timestamp(str):
    """A YAML timestamp with a time part: not a date, reported as such."""


def _yaml_int(text: str) -> int:
    cleaned = text.replace("_", "")
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned.lstrip("+-")
    try:
        if digits.startswith("0b"):
            return sign * int(digits[2:], 2)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        if ":" in digits:  # YAML 1.1 sexagesimal: 12:30 is 750
            value = 0
            for part in digits.split(":"):
                value = value * 60 + int(part)
            return sign * value
        if digits.startswith("0") and len(digits) > 1:  # YAML 1.1 octal: 0042 is 34
            return sign * int(digits, 8)
        return sign * int(digits)
    except ValueError:
        return 0


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean (yes/no/on/off/true/false are booleans in YAML)"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, _Timestamp):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, (list, tuple, Sequence)):
        return "a list"
    if isinstance(value, (dict, Mapping)):
        return "a mapping"
    if value is None:
        return "empty"
    return "text"


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def coerce(field: Field, value: Any, raw: str, from_text: bool) -> Any:
    """Check one scalar value against its field; return the typed value or raise Problem.

    from_text: the value came from a CSV cell, where everything is text.
    """
    name, kind = field.name, field.type
    if kind == "text" and value.__class__ is str:
        # the fast path of every feedback cell: one search in C
        bad = UNREADABLE.search(value)
        if bad is not None:
            raise unreadable_problem(name, value, bad, keep=True)
        if (field.required or name in _NOT_BLANK) and (not value or value.isspace()):
            raise _blank_problem(field)
        return value
    if kind in _TEXT_TYPES:
        if not isinstance(value, str) or isinstance(value, _Timestamp):
            if isinstance(value, (bool, int, float, date, _Timestamp)):
                raise Problem("type", f"'{name}' must be text, but YAML reads {raw} as {_describe(value)}",
                              f'quote it: {name}: "{raw}"')
            raise Problem("type", f"'{name}' must be text, got {_describe(value)}", f'write it as {name}: "…"')
        bad = UNREADABLE.search(value)
        if bad is not None:
            raise unreadable_problem(name, value, bad, keep=kind in ("text", "markdown"))
        if kind in ("text", "markdown") and field.required and (not value or value.isspace()):
            raise _blank_problem(field)
        return _check_text(field, value)
    if kind == "date":
        if isinstance(value, date):
            return value
        if isinstance(value, _Timestamp):
            raise Problem("type", f"'{name}' must be a date without a time, got {raw!r}",
                          "write dates as YYYY-MM-DD")
        if isinstance(value, str):
            return parse_date(value)
        raise Problem("type", f"'{name}' must be a date, got {_describe(value)}", "write dates as YYYY-MM-DD")
    if kind in ("integer", "number"):
        if from_text and isinstance(value, str):
            try:
                value = int(value) if kind == "integer" else float(value)
            except ValueError:
                whole = "whole " if kind == "integer" else ""
                raise Problem("type", f"'{name}' must be a {whole}number, got {value!r}",
                              "write digits only, e.g. 7") from None
        ok = isinstance(value, int) if kind == "integer" else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            raise Problem("type", f"'{name}' must be a {'whole ' if kind == 'integer' else ''}number, "
                          f"got {_describe(value)}",
                          f"write it without quotes, e.g. {name}: 7")
        if not math.isfinite(value):
            raise Problem("value", f"'{name}' must be a finite number, got {raw!r}", "write an ordinary number")
        if field.minimum is not None and value < field.minimum:
            raise Problem("value", f"'{name}' must be at least {field.minimum:g}, got {value}",
                          f"use a value of {field.minimum:g} or more")
        if field.maximum is not None and value > field.maximum:
            raise Problem("value", f"'{name}' must be at most {field.maximum:g}, got {value}",
                          f"use a value of {field.maximum:g} or less")
        return value
    if kind == "boolean":
        if from_text and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                return lowered == "true"
        if isinstance(value, bool):
            return value
        raise Problem("type", f"'{name}' must be true or false, got {raw!r}", f"write {name}: true or {name}: false")
    raise AssertionError(f"field type {kind} is not a scalar")  # pragma: no cover - contract bug


def _check_text(field: Field, value: str) -> str:
    name, kind = field.name, field.type
    if kind == "enum":
        if value not in field.choices:
            suggestion = did_you_mean(value, field.choices)
            raise Problem("value", f"'{name}' must be one of {', '.join(field.choices)} (got {value!r})",
                          suggestion or f"use one of: {', '.join(field.choices)}")
    elif kind == "id":
        if not ID_RE.match(value):
            raise Problem("id-format", f"'{name}' {value!r} is not a valid ID",
                          "IDs use lower-case letters, digits and single hyphens, e.g. slow-unlock")
    elif kind == "feedback-id":
        if not FEEDBACK_ID_RE.match(value):
            raise Problem("id-format", f"'{name}' {value!r} is not a valid feedback ID",
                          "feedback IDs use letters, digits, _ . : and -")
    elif kind == "period":
        if not _PERIOD_RE.match(value):
            raise Problem("type", f"'{name}' must be a month as YYYY-MM, got {value!r}", 'e.g. period: "2026-10"')
    elif kind == "color":
        if not _COLOR_RE.match(value):
            raise Problem("value", f"'{name}' must be a colour as #rrggbb, got {value!r}", 'e.g. accent: "#0a7d5a"')
    elif kind == "url":
        if not _URL_RE.match(value):
            raise Problem("value", f"'{name}' must be an http(s) URL, got {value!r}",
                          "e.g. https://example.org/changes/")
    return value


class Converted:
    """The typed values of one mapping, with where each one was written."""

    __slots__ = ("values", "locs")

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.locs: dict[str, SourceLoc] = {}


def convert_mapping(node: Node | None, fields: tuple[Field, ...], what: str, at: SourceLoc,
                    diagnostics: list[Diagnostic]) -> Converted:
    """Convert a YAML mapping node; every problem is appended to diagnostics."""
    out = Converted()
    if not isinstance(node, Mapping):
        if node is None:
            diagnostics.append(error(at, "required", f"{what} is empty",
                                     f"write its fields, starting with {_required_names(fields)}"))
        else:
            diagnostics.append(error(node.loc, "type", f"{what} must be a mapping of fields, got {_describe(node)}",
                                     "write one 'field: value' per line"))
        return out
    by_name = {f.name: f for f in fields}
    for key, (key_loc, value_node) in node.entries.items():
        field = by_name.get(key)
        if field is None:
            suggestion = did_you_mean(key, by_name)
            diagnostics.append(error(key_loc, "unknown-field", f"unknown field '{key}' in {what}",
                                     suggestion or f"known fields: {', '.join(by_name)}"))
            continue
        if value_node is None:
            continue  # already reported by the YAML walker (bad tag, too deep)
        loc = value_node.loc if isinstance(value_node, Scalar) else key_loc
        try:
            value = _convert_node(field, value_node, what, diagnostics)
        except Problem as problem:
            diagnostics.append(error(value_node.loc, problem.rule, problem.message, problem.hint))
            if problem.keep is None:
                continue
            value = problem.keep
        if value is None:
            continue
        out.values[key] = value
        out.locs[key] = loc
    for field in fields:
        if field.required and field.name not in out.values and field.name not in node.entries:
            diagnostics.append(error(node.loc, "required", f"{what} has no '{field.name}'",
                                     f"add '{field.name}:' ({field.doc})"))
        elif field.required and field.name in node.entries and field.name not in out.values:
            key_loc, value_node = node.entries[field.name]
            if isinstance(value_node, Scalar) and value_node.tag == "null":
                diagnostics.append(error(key_loc, "required", f"'{field.name}' is empty in {what}",
                                         f"give it a value ({field.doc})"))
    return out


def _required_names(fields: tuple[Field, ...]) -> str:
    return ", ".join(f.name for f in fields if f.required)


def _convert_node(field: Field, node: Node, what: str, diagnostics: list[Diagnostic]) -> Any:
    if field.type == "object":
        if isinstance(node, Scalar) and node.tag == "null":
            return None
        return convert_mapping(node, field.fields, f"'{field.name}'", node.loc, diagnostics)
    if field.type in ("list", "object-list"):
        if isinstance(node, Scalar) and node.tag == "null":
            return ()
        if not isinstance(node, Sequence):
            example = "[a, b]" if field.type == "list" else "a list of mappings"
            raise Problem("type", f"'{field.name}' must be a list, got {_describe(node)}",
                          f"write {field.name}: {example}")
        items = []
        for item in node.items:
            if item is None:
                continue
            if field.type == "object-list":
                items.append(convert_mapping(item, field.fields, f"an entry of '{field.name}'", item.loc, diagnostics))
                continue
            item_field = Field(field.name, field.item, field.doc)
            try:
                if not isinstance(item, Scalar):
                    raise Problem("type", f"each entry of '{field.name}' must be a single value, got {_describe(item)}",
                                  f"write {field.name}: [a, b]")
                items.append((coerce(item_field, _yaml_scalar_value(item), item.text, False), item.loc))
            except Problem as problem:
                diagnostics.append(error(item.loc, problem.rule, problem.message, problem.hint))
                if problem.keep is not None:
                    items.append((problem.keep, item.loc))
        return tuple(items)
    if not isinstance(node, Scalar):
        raise Problem("type", f"'{field.name}' must be a single value, got {_describe(node)}",
                      f"write {field.name}: value")
    value = _yaml_scalar_value(node)
    if value is None:
        return None
    return coerce(field, value, node.text, False)


_MISS = object()
_UNIQUE_TYPES = ("text", "markdown", "feedback-id")  # values rarely repeat: nothing to remember


class RowConverter:
    """Converts flat feedback rows (CSV records or JSON objects) against the field contract.

    Exports repeat the same dates, stages, sources and scores hundreds of thousands
    of times, so each distinct cell is converted once and remembered.
    """

    def __init__(self, fields: tuple[Field, ...], from_text: bool, what: str = "feedback row"):
        self.fields = {f.name: f for f in fields}
        self.required = tuple(f for f in fields if f.required)
        self.from_text = from_text
        self.what = what
        self.caches: dict[str, dict[str, Any] | None] = {
            f.name: (None if f.type in _UNIQUE_TYPES else {}) for f in fields}

    def __call__(self, row: dict[str, Any], loc: SourceLoc, diagnostics: list[Diagnostic],
                 column_of: Callable[[str], int] | None = None) -> dict[str, Any]:
        """column_of(field) finds the column of a bad value; it only runs when there is one."""
        values: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or value == "":
                continue
            field = self.fields.get(key)
            if field is None:
                suggestion = did_you_mean(key, self.fields)
                diagnostics.append(error(loc, "unknown-field", f"unknown field '{key}' in {self.what}",
                                         suggestion or f"known fields: {', '.join(self.fields)}"))
                continue
            cache = self.caches[key]
            if cache is not None and value.__class__ is str:
                converted = cache.get(value, _MISS)
                if converted is not _MISS:
                    values[key] = converted
                    continue
            try:
                converted = coerce(field, value, str(value), self.from_text)
            except Problem as problem:
                at = SourceLoc(loc.path, loc.line, column_of(key)) if column_of else loc
                diagnostics.append(error(at, problem.rule, f"{self.what}: {problem.message}", problem.hint))
                if problem.keep is not None:
                    values[key] = problem.keep
                continue
            if cache is not None and value.__class__ is str:
                cache[value] = converted
            values[key] = converted
        for field in self.required:
            if field.name not in values and not row.get(field.name):
                diagnostics.append(error(loc, "required", f"{self.what} has no '{field.name}'",
                                         f"add a {field.name} ({field.doc})"))
        return values
