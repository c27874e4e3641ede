"""facts ──rules──▶ diagnostics. Each family is a module with `check(backlog, facts)`.

Rule ids are stable: people grep for them and the README documents each one.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..facts import Facts
    from ..model import Backlog

# in the order they run; imported when the rules run, so that one family (a cached check judging an edited
# story's body with two of them) does not import every other with the facts they read
_FAMILY_NAMES = ("references", "backlog_rules", "metrics", "decisions", "stories", "public_safety", "addresses",
                 "loop", "placeholders", "language", "feedback")


def families() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in _FAMILY_NAMES)


def __getattr__(name: str) -> object:
    if name == "FAMILIES":
        return families()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_rules(backlog: Backlog, facts: Facts) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for family in families():
        found.extend(family.check(backlog, facts))
    return found
