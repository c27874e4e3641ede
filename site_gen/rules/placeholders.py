"""A placeholder `site-gen new` wrote for the author to fill in is an error until it is replaced."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic, SourceLoc, error
from ..facts import Facts
from ..model import Backlog, Decision, Irritant, Story

MARKER = "TODO"
# `TODO`, `TODO: who owns it`: a marker at the start of a value or of a body line, in capitals as written
_PLACEHOLDER = re.compile(rf"^\s*{MARKER}\b")


def is_placeholder(text: str) -> bool:
    return _PLACEHOLDER.match(text) is not None


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    records: list[Irritant | Decision | Story] = [*backlog.irritants.values(), *backlog.decisions.values(),
                                                 *backlog.stories.values()]
    for record in records:
        for field in dataclasses.fields(record):
            if field.name in ("id", "loc", "locs", "body", "body_line"):
                continue
            value = getattr(record, field.name)
            values = value if isinstance(value, tuple) else (value,)
            for index, item in enumerate(values):
                if isinstance(item, str) and is_placeholder(item):
                    where = record.locs.get(f"{field.name}.{index}") if isinstance(value, tuple) else None
                    yield _found(where or record.at(field.name), field.name, item)
        if isinstance(record, (Decision, Story)):
            for offset, line in enumerate(record.body.split("\n")):
                if is_placeholder(line):
                    yield _found(SourceLoc(record.loc.path, record.body_line + offset, 1), "the body", line)


def _found(loc: SourceLoc, name: str, text: str) -> Diagnostic:
    label = name if name == "the body" else f"'{name}'"
    shown = text.strip()
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return error(loc, "placeholder", f"{label} still holds the placeholder {shown!r}",
                 f"replace the {MARKER} with the real content (site-gen new left it for you to fill in)")
