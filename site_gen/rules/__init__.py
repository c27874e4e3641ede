"""facts ──rules──▶ diagnostics. Each family is a module with `check(backlog, facts)`.

Rule ids are stable: people grep for them and the README documents each one.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..facts import Facts
from ..model import Backlog
from . import (
    addresses,
    backlog_rules,
    decisions,
    language,
    loop,
    metrics,
    placeholders,
    public_safety,
    references,
    stories,
)

FAMILIES = (references, backlog_rules, metrics, decisions, stories, public_safety, addresses, loop, placeholders,
            language)


def run_rules(backlog: Backlog, facts: Facts) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for family in FAMILIES:
        found.extend(family.check(backlog, facts))
    return found
