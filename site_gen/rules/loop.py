"""Closing the loop: a fixed irritant gets its story and the customers behind a story are told (loop-open), a
fix that did not hold is noticed (recurrence), and the notify ledger is sound (notify-ledger).
The judgements live in the facts; these rules only word them."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, error, warning, with_severity
from ..facts import Facts
from ..facts.loop import FINAL
from ..load.ledger import LEDGER
from ..model import Backlog, Notification
from .references import _unknown

# what _fixes says at a done irritant's closed line, from its facts alone (a cached check takes them away when it
# reopens: site_gen.record_edits)
FIXES = frozenset({"loop-open", "recurrence"})


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    yield from _ledger(backlog)
    yield from _stories_told(backlog, facts)
    yield from _fixes(backlog, facts)


def _fixes(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    rules = backlog.config.rules
    for irritant in backlog.irritants.values():
        found = facts.irritants[irritant.id]
        if found.loop_open_days is not None:
            evidence = found.evidence
            yield with_severity(rules.loop_open, warning(
                irritant.at("closed"), "loop-open",
                f"irritant was done {found.loop_open_days} days ago and {evidence.size} linked feedback "
                f"row(s) from {evidence.people.words} stand behind it, but no story tells them what changed "
                f"(rules.story_within_days is {rules.story_within_days})",
                f"add a story in backlog/stories/ with irritants: [{irritant.id}]"))
        recurrence = found.recurrence
        if recurrence is not None:
            newest = ", ".join(f"{row.id} ({row.date})" for row in recurrence.newest)
            yield warning(
                irritant.at("closed"), "recurrence",
                f"complaints continue after the fix: {recurrence.complaints} linked complaint(s) since "
                f"{recurrence.since} ({recurrence.rate:.1f} a week, {recurrence.share:.0f} % of the "
                f"{recurrence.baseline:.1f} a week before closing; rules.recurrence_share is "
                f"{rules.recurrence_share:g} %); newest: {newest}",
                "look at the newest rows: reopen the irritant (status: in-progress, no closed date) or open a new one "
                "for what is still wrong, and check that its public story still tells the truth")


def _stories_told(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    rules = backlog.config.rules
    for story_id, loop in facts.loops.items():
        if loop.loop_open:
            story = backlog.stories[story_id]
            audience = loop.audience
            unknown = f", {len(audience.unknown)} of them with an unknown result" if audience.unknown else ""
            yield with_severity(rules.loop_open, warning(
                story.at("date"), "loop-open",
                f"story '{story_id}' was published {loop.days_published} days ago and "
                f"{audience.waiting} customer(s) who agreed to be contacted have not been told{unknown} "
                f"(rules.notify_within_days is {rules.notify_within_days})",
                f"run 'site-gen notify --story {story_id} --contacts FILE' with a contacts export kept "
                f"outside the repository, then add --send; or record how they were told in {LEDGER}"))


def _ledger(backlog: Backlog) -> Iterator[Diagnostic]:
    stories = backlog.stories.keys() | backlog.unreadable_ids("story")
    previous: Notification | None = None
    final: dict[tuple[str, str], Notification] = {}
    for line in backlog.notified:
        if line.story not in stories:
            yield _unknown(line.loc, line.story, "story", sorted(backlog.stories), "backlog/stories/")
        if previous is not None and line.date < previous.date:
            yield error(line.loc, "notify-ledger",
                        f"line dated {line.date} comes after a line dated {previous.date} (line {previous.loc.line})",
                        "the ledger is append-only, in date order: add new lines at the end and never edit, "
                        "reorder or remove earlier ones")
        key = (line.story, line.customer)
        if key in final:
            earlier = final[key]
            yield error(line.loc, "notify-ledger",
                        f"customer '{line.customer}' already has the result '{earlier.result}' for story "
                        f"'{line.story}' (line {earlier.loc.line})",
                        "a customer is told about a story once: remove this line if it was appended by hand")
        elif line.result in FINAL:
            final[key] = line
        previous = line
