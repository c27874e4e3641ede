"""A placeholder `site-gen new` wrote for the author to fill in is an error until it is replaced."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from operator import attrgetter

from ..diagnostics import Diagnostic, SourceLoc, error
from ..model import Decision, Irritant, Story

MARKER = "TODO"
# `TODO`, `TODO: who owns it`: a marker at the start of a value or of a body line, in capitals as written
_PLACEHOLDER = re.compile(rf"^\s*{MARKER}\b")


def is_placeholder(text: str) -> bool:
    return _PLACEHOLDER.match(text) is not None


def check_record(record: Irritant | Decision | Story) -> Iterator[Diagnostic]:
    """The placeholders left in one record."""
    # one substring test over the repr of its texts first (made in C): 30,000 records, a handful with a marker
    if MARKER in repr(_TEXTS[type(record)](record)):
        yield from _in_fields(record)
    if isinstance(record, (Decision, Story)) and MARKER in record.body:
        for offset, line in enumerate(record.body.split("\n")):
            if is_placeholder(line):
                yield _found(SourceLoc(record.loc.path, record.body_line + offset, 1), "the body", line)


def _in_fields(record: Irritant | Decision | Story) -> Iterator[Diagnostic]:
    for name in _WRITTEN_FIELDS[type(record)]:
        value = getattr(record, name)
        if isinstance(value, str):
            if MARKER in value and is_placeholder(value):  # the substring test first: 30,000 records
                yield _found(record.at(name), name, value)
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, str) and MARKER in item and is_placeholder(item):
                    yield _found(record.locs.get(f"{name}.{index}") or record.at(name), name, item)


def _written(kind: type) -> tuple[str, ...]:
    """The fields of a record kind an author writes a value into (the body is read line by line)."""
    return tuple(field.name for field in dataclasses.fields(kind)
                 if field.name not in ("id", "loc", "locs", "body", "body_line"))


_WRITTEN_FIELDS = {kind: _written(kind) for kind in (Irritant, Decision, Story)}
# the written fields that hold text (str, or a list of str): a placeholder can stand in these only
_TEXTS = {kind: attrgetter(*(field.name for field in dataclasses.fields(kind)
                             if field.name in _WRITTEN_FIELDS[kind] and "str" in str(field.type)))
          for kind in (Irritant, Decision, Story)}


def _found(loc: SourceLoc, name: str, text: str) -> Diagnostic:
    label = name if name == "the body" else f"'{name}'"
    shown = text.strip()
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return error(loc, "placeholder", f"{label} still holds the placeholder {shown!r}",
                 f"replace the {MARKER} with the real content (site-gen new left it for you to fill in)")
