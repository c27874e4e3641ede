"""Closing the loop: a fixed irritant gets its story (loop-open), and a fix that did not hold is noticed
(recurrence). The judgements live in the facts; these rules only word them."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, warning, with_severity
from ..facts import Facts
from ..model import Backlog


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    rules = backlog.config.rules
    for irritant in backlog.irritants.values():
        found = facts.irritants[irritant.id]
        if found.loop_open_days is not None:
            evidence = found.evidence
            yield with_severity(rules.loop_open, warning(
                irritant.at("closed"), "loop-open",
                f"irritant was done {found.loop_open_days} days ago and {len(evidence.rows)} linked feedback "
                f"row(s) from {evidence.customers} customer(s) stand behind it, but no story tells them what changed "
                f"(rules.story_within_days is {rules.story_within_days})",
                f"add a story in backlog/stories/ with irritants: [{irritant.id}]"))
        recurrence = found.recurrence
        if recurrence is not None:
            newest = ", ".join(f"{row.id} ({row.date})" for row in recurrence.newest)
            yield warning(
                irritant.at("closed"), "recurrence",
                f"complaints continue after the fix: {len(recurrence.rows)} linked complaint(s) since "
                f"{recurrence.since} ({recurrence.rate:.1f} a week, {recurrence.share:.0f} % of the "
                f"{recurrence.baseline:.1f} a week before closing; rules.recurrence_share is "
                f"{rules.recurrence_share:g} %); newest: {newest}",
                "look at the newest rows: reopen the irritant (status: in-progress, no closed date) or open a new one "
                "for what is still wrong, and check that its public story still tells the truth")
