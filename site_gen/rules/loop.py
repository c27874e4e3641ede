"""Closing the loop with the people who spoke: the notify ledger is sound, and customers are told in time."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, error, warning
from ..facts import Facts
from ..facts.loop import FINAL
from ..load.ledger import LEDGER
from ..model import Backlog, Notification
from .references import _unknown


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    yield from _ledger(backlog)
    within = backlog.config.rules.notify_within_days
    for story_id, loop in facts.loops.items():
        if loop.loop_open:
            story = backlog.stories[story_id]
            audience = loop.audience
            unknown = f", {len(audience.unknown)} of them with an unknown result" if audience.unknown else ""
            yield warning(story.at("date"), "loop-open",
                          f"story '{story_id}' was published {loop.days_published} days ago and "
                          f"{audience.waiting} customer(s) who agreed to be contacted have not been told{unknown} "
                          f"(rules.notify_within_days is {within})",
                          f"run 'site-gen notify --story {story_id} --contacts FILE' with a contacts export kept "
                          f"outside the repository, then add --send; or record how they were told in {LEDGER}")


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
