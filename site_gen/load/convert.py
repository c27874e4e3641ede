"""Turn located YAML nodes (or flat feedback rows) into typed values, per the field contract.

A value that fails its check is left out, with a diagnostic that says what was
wrong and how to fix it; the record is still built so later rules can run
(unless a required field is missing: then the loader keeps a stub, see model.Unreadable).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..diagnostics import Diagnostic, SourceLoc, empty_place, error, refused_place
from ..fieldtypes import (
    DATE_PATTERN,
    UNPUBLISHABLE,
    UNREADABLE_HINT,
    Field,
    List,
    Object,
    ObjectList,
    Problem,
    Text,
    Timestamp,
    describe,
    describe_character,
    did_you_mean,
    parse_date,
    unreadable_kind,
)
from .yamlsafe import Mapping, Node, Scalar, Sequence

__all__ = ["Problem", "parse_date", "did_you_mean", "coerce", "convert_mapping", "Converted", "RowConverter",
           "scalar_value"]

_DATE_RE = re.compile(DATE_PATTERN)


def _yaml_scalar_value(node: Scalar) -> Any:
    """The value YAML 1.1 gives a scalar; we keep the text and decide per field."""
    return scalar_value(node.tag, node.text)


def scalar_value(tag: str, text: str) -> Any:
    """The value YAML 1.1 gives a scalar of this resolved type (str, int, float, bool, null, timestamp)."""
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
        return Timestamp(text)
    return text


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
    if isinstance(value, Sequence):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Scalar):   # what YAML reads it as: `irritants: 12` is a number, not text
        try:
            return describe(_yaml_scalar_value(value))
        except Problem:   # YAML's date pattern with no such day (2026-02-30): the text it is
            return describe(value.text)
    return describe(value)


NOT_BLANK = ("title", "public_title")  # optional, but shown as headings when given


def coerce(field: Field, value: Any, raw: str, from_text: bool) -> Any:
    """Check one scalar value against its field; return the typed value or raise Problem.

    from_text: the value came from a CSV cell, where everything is text. The
    checks themselves belong to the field's type (site_gen/fieldtypes.py).
    """
    converted = field.type.coerce(field.name, value, raw, from_text)
    if (field.required or field.name in NOT_BLANK) and isinstance(field.type, Text) and (
            not converted or converted.isspace()):
        raise Problem("required", f"'{field.name}' is blank", f"write the {field.name} ({field.doc})")
    return converted


def unknown_columns(header: list[str], known: Iterable[str], what: str, listed: str, rel: str,
                    diagnostics: list[Diagnostic]) -> bool:
    """Report each header cell of a CSV that is not a known column, at its column; True when there was one.

    `what` ends the message ("in feedback"), `listed` is the hint when no known name is close.
    """
    known = list(known)
    found = False
    col = 1
    for name in header:
        if name not in known:
            found = True
            diagnostics.append(error(SourceLoc(rel, 1, col), "unknown-field", f"unknown column '{name}' {what}",
                                     did_you_mean(name, known) or listed))
        col += len(name) + 1
    return found


MAX_UNREADABLE_REPORTS = 20  # per file: a pasted document can hold hundreds


def report_unreadable(text: str, path: str, first_line: int, diagnostics: list[Diagnostic]) -> str:
    """Report each character of a file's text that breaks readers at its line and column; return the text
    with them blanked, so that the YAML parser (which refuses them, naming only a position) still reads
    the rest and every other problem is reported in the same run."""
    if UNPUBLISHABLE.search(text) is None:
        return text
    for count, match in enumerate(UNPUBLISHABLE.finditer(text)):
        if count == MAX_UNREADABLE_REPORTS:
            break
        line = first_line + text.count("\n", 0, match.start())
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        diagnostics.append(error(SourceLoc(path, line, column), "control-character",
                                 f"{unreadable_kind(match.group())} {describe_character(match.group())} "
                                 f"at column {column}", UNREADABLE_HINT))
    return UNPUBLISHABLE.sub(" ", text)


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
            if isinstance(field.type, List):
                value, whole = _entries(field, value_node, diagnostics)
                if not whole:
                    out.locs[refused_place(key)] = loc
            else:
                value = _convert_node(field, value_node, diagnostics)
        except Problem as problem:
            diagnostics.append(error(value_node.loc, problem.rule, problem.message, problem.hint))
            if problem.keep is None:
                # the value is left out, its place kept: a rule asking for the field then knows it was written
                # (a 'target: 31/12/2026' is one error, not also "has no 'target'"), and points at that line
                out.locs[key] = loc
                if not field.type.scalar:   # a list left out reads as empty: say it was refused, not empty
                    out.locs[refused_place(key)] = loc
                continue
            value = problem.keep
        if value is None:
            if isinstance(value_node, Scalar) and value_node.tag == "null":
                out.locs[empty_place(key)] = loc   # `owner:`: a rule asking for it points at this line
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


def _convert_node(field: Field, node: Node, diagnostics: list[Diagnostic]) -> Any:
    kind = field.type
    if isinstance(kind, Object) and not isinstance(kind, ObjectList):
        if isinstance(node, Scalar) and node.tag == "null":
            return None
        return convert_mapping(node, kind.fields, f"'{field.name}'", node.loc, diagnostics)
    if isinstance(kind, ObjectList):
        return tuple(convert_mapping(item, kind.fields, f"an entry of '{field.name}'", item.loc, diagnostics)
                     for item in _sequence(field, node).items if item is not None)
    if not isinstance(node, Scalar):
        raise Problem("type", f"'{field.name}' must be a single value, got {_describe(node)}",
                      f"write {field.name}: value")
    value = _yaml_scalar_value(node)
    if value is None:
        return None
    return coerce(field, value, node.text, False)


def _sequence(field: Field, node: Node) -> Sequence:
    """The node of a list field as a sequence (an empty value is an empty list), or a Problem saying how to write it."""
    if isinstance(node, Sequence):
        return node
    if isinstance(node, Scalar) and node.tag == "null":
        return Sequence(node.loc)
    if isinstance(field.type, ObjectList):
        hint = f"write {field.name}: a list of mappings"
    elif isinstance(node, Scalar):   # the one entry it holds, in brackets
        hint = f"write it as a list: {field.name}: [{node.text}]"
    else:
        hint = f"write {field.name}: [a, b]"
    raise Problem("type", f"'{field.name}' must be a list, got {_describe(node)}", hint)


def _entries(field: Field, node: Node, diagnostics: list[Diagnostic]) -> tuple[tuple[tuple[Any, SourceLoc], ...], bool]:
    """A list field's entries, each typed value once, with its place; and whether every entry was read. An entry
    refused is reported at its place and left out, and so is a repeat (which loses nothing of the list)."""
    assert isinstance(field.type, List)
    item_type = field.type.item
    entries: list[tuple[Any, SourceLoc]] = []
    whole = True
    for item in _sequence(field, node).items:
        if item is None:
            continue
        try:
            if not isinstance(item, Scalar):
                raise Problem("type", f"each entry of '{field.name}' must be a single value, got {_describe(item)}",
                              f"write {field.name}: [a, b]")
            entries.append((item_type.coerce(field.name, _yaml_scalar_value(item), item.text, False), item.loc))
        except Problem as problem:
            diagnostics.append(error(item.loc, problem.rule, problem.message, problem.hint))
            if problem.keep is None:
                whole = False
            else:
                entries.append((problem.keep, item.loc))
    return _once_each(field.name, entries, diagnostics), whole


def _once_each(name: str, entries: list[tuple[Any, SourceLoc]],
               diagnostics: list[Diagnostic]) -> tuple[tuple[Any, SourceLoc], ...]:
    """The entries with each value once: a repeat is an error at its place, as the JSON Schemas' uniqueItems
    is in the editor, and is left out, so that nothing counts it twice (a row of evidence, a decision on an
    irritant's page)."""
    times: dict[Any, int] = {}
    kept: list[tuple[Any, SourceLoc]] = []
    for value, loc in entries:
        times[value] = times.get(value, 0) + 1
        if times[value] == 1:
            kept.append((value, loc))
        elif times[value] == 2:
            diagnostics.append(error(loc, "id-duplicate", f"'{value}' is listed twice in {name}",
                                     "remove the second one"))
        else:
            diagnostics.append(error(loc, "id-duplicate", f"'{value}' is listed {times[value]} times in {name}",
                                     "remove this one"))
    return tuple(kept)


_MISS = object()


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
            f.name: ({} if f.type.repeats else None) for f in fields}

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
