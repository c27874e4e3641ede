"""A theme larger than a backlog item (theme-not-in-backlog): a complaint theme of the unlinked feedback with more
distinct customers than the open irritant with the least evidence — a bigger problem than one the team is working
on is not in the backlog.

Reported by `build` and `agenda`, never by `check`: grouping the inbox into themes reads every unlinked verbatim,
and check must stay fast. So this module is not one of rules.FAMILIES; the judgement lives in facts/themes.py.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, warning
from ..facts import Facts
from ..text import humanize

RULE = "theme-not-in-backlog"


def theme_warnings(facts: Facts) -> list[Diagnostic]:
    """One warning per complaint theme bigger than the smallest open irritant, at the theme's newest row."""
    inbox = facts.themes
    if inbox.smallest_open is None:
        return []
    irritant = inbox.smallest_open[0]
    behind = facts.irritants[irritant].evidence.people.words
    return [warning(
        theme.rows[0].loc, RULE,
        f"complaint theme “{theme.wording}” ({humanize(theme.journey_stage)}): {theme.people.words} in "
        f"{len(theme.rows)} unlinked row(s), more than the {behind} behind open irritant '{irritant}' — a "
        "bigger problem than one you are working on is not in the backlog",
        f"open it as an irritant ({theme.command_prefix} --from-feedback … with its row IDs: the internal site's "
        "Unlinked feedback page has the whole command), link its rows to an irritant that covers it, or decline it")
        for theme in inbox.bigger]
