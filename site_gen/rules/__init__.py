"""facts ──rules──▶ diagnostics.

Each record is judged alone by the record rules (site_gen.rules.records: placeholders, public safety, the
stories', and an irritant's and a decision's own rules), then each family here says what it finds across
records, with `check(backlog, facts)`. A family whose findings come from the records alone — no fact that needs
the feedback, no question to DuckDB — says the same with `check_records(backlog)`: a large check runs those in
the record rules' worker process while this one derives the facts (`records_alone`). Rule ids are stable: people
grep for them and the README documents each one.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..facts import Facts
    from ..facts.addresses import Addresses
    from ..model import Backlog

# in the order they run; imported when the rules run, so that a cached check judging an edited record imports
# the record rules alone, not every other family with the facts they read
_FAMILY_NAMES = ("references", "backlog_rules", "metrics", "decisions", "addresses", "loop", "language",
                 "feedback")
# those of them that read the records alone (10,000 of each record kind: 0.2 s of the 0.4 the families take)
_RECORDS_ALONE = ("addresses",)


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


def across_records(backlog: Backlog, facts: Facts, including_records_alone: bool = True) -> list[Diagnostic]:
    """What each family finds across records; but for the families that read the records alone when they run
    elsewhere (records_alone: check runs them in the record rules' worker, or while DuckDB works)."""
    found: list[Diagnostic] = []
    for name, family in zip(_FAMILY_NAMES, families(), strict=True):
        if including_records_alone or name not in _RECORDS_ALONE:
            found.extend(family.check(backlog, facts))
    return found


def records_alone(backlog: Backlog, addresses: Addresses | None = None) -> list[Diagnostic]:
    """What the families that read the records alone find, without the facts (what across_records leaves out
    when they run elsewhere); `addresses`: the backlog's public addresses, when the caller made them already."""
    found: list[Diagnostic] = []
    for name in _RECORDS_ALONE:
        found.extend(importlib.import_module(f"{__name__}.{name}").check_records(backlog, addresses))
    return found
