"""Rule group: feedback as of the check's date — a row cannot be dated after the day the backlog is judged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..diagnostics import Diagnostic, warning
from ..facts import DatedLater, Facts
from ..model import Backlog

DATED_LATER_HINT = "a typo in the year? fix the date; if you are replaying a past day with --today, ignore this"


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    """One warning per feedback file, at its latest row: replaying a past day gives every file thousands of later
    rows, and one line per row would bury every other finding."""
    for later in facts.dated_later.values():
        yield warning(later.at, "feedback-dated-later", dated_later_message(later, facts.as_of), DATED_LATER_HINT)


def dated_later_message(later: DatedLater, as_of: date) -> str:
    if later.rows == 1:
        return f"this row is dated {later.latest}, after today ({as_of}): nobody has said it yet"
    return (f"{later.rows} rows of this file are dated after today ({as_of}); the latest is this one, "
            f"dated {later.latest}")
