"""One "today" for every command: --today, else SOURCE_DATE_EPOCH, else the wall clock.

Overdue, unreviewed and due are judgements as of a date, so `check`, `build`
and `serve` resolve that date the same way and print it. Builds are
byte-identical for the same inputs and the same "as of" date: tests and
reproducible pipelines fix it with --today or SOURCE_DATE_EPOCH; a scheduled
build that should reflect the calendar passes neither.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .dates import epoch_day
from .history import data_date


@dataclass(frozen=True, slots=True)
class AsOf:
    day: date
    source: str                  # "--today", "SOURCE_DATE_EPOCH" or "the clock"
    last_commit: date | None     # the data's freshness, shown beside the date when it differs

    def __str__(self) -> str:
        shown = f"as of {self.day.isoformat()}"
        if self.last_commit is not None and self.last_commit != self.day:
            shown += f" (last commit {self.last_commit.isoformat()})"
        return shown


def resolve_as_of(today: date | None, root: Path | None = None) -> AsOf:
    """The date every judgement is made on. Raises UnusableDate for a malformed SOURCE_DATE_EPOCH."""
    last_commit = data_date(root) if root is not None else None
    if today is not None:
        return AsOf(today, "--today", last_commit)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return AsOf(epoch_day(epoch, "SOURCE_DATE_EPOCH"), "SOURCE_DATE_EPOCH", last_commit)
    return AsOf(date.today(), "the clock", last_commit)
