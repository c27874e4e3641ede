"""facts ──rules──▶ diagnostics.

Each record is judged alone by the record rules (site_gen.rules.records: placeholders, public safety, the
stories', and an irritant's and a decision's own rules), then each family here says what it finds across
records, with `check(backlog, facts)`. Rule ids are stable: people grep for them and the README documents each
one.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..facts import Facts
    from ..model import Backlog

# in the order they run; imported when the rules run, so that a cached check judging an edited record imports
# the record rules alone, not every other family with the facts they read
_FAMILY_NAMES = ("references", "backlog_rules", "metrics", "decisions", "addresses", "loop", "language",
                 "feedback")


def families() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in _FAMILY_NAMES)


def __getattr__(name: str) -> object:
    if name == "FAMILIES":
        return families()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_rules(backlog: Backlog, facts: Facts) -> list[Diagnostic]:
    """Every record judged alone, then what each family finds across records."""
    from .records import judge_records
    found, _ = judge_records(backlog, facts)
    return found + across_records(backlog, facts)


def across_records(backlog: Backlog, facts: Facts) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for family in families():
        found.extend(family.check(backlog, facts))
    return found
