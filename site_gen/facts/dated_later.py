"""Feedback dated after the "as of" date: nobody can have said it yet on the day the backlog is judged.

A row dated 2999-01-01, or 2062-11-03 for 2026-11-03, is a typo in an export or a hand-written row. A team
replaying a past day (`--today 2026-01-01`) has thousands of such rows, all real. So the facts keep one summary per
feedback file, not one entry per row: how many of its rows are dated later, and where the latest of them is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..diagnostics import SourceLoc
from ..model import FeedbackRow

if TYPE_CHECKING:
    from ..load.parquet import ParquetFeedback


@dataclass(frozen=True, slots=True)
class DatedLater:
    """The rows of one feedback file dated after the "as of" date."""

    rows: int
    latest: date
    at: SourceLoc      # the first row (by line) of the latest date


def dated_later(loaded: Iterable[FeedbackRow], stored: ParquetFeedback | None,
                as_of: date) -> Mapping[str, DatedLater]:
    """Feedback file (path relative to the repository) -> its rows dated after as_of; files with none are absent.
    Loaded rows are looked at here, rows kept in DuckDB counted there: only their count and latest come back."""
    by_file: dict[str, list[FeedbackRow]] = {}
    for row in loaded:
        if row.date > as_of:   # few rows, or (replaying a past day) many: grouped, then summed up per file
            by_file.setdefault(row.loc.path, []).append(row)
    found = {path: DatedLater(len(rows), latest.date, latest.loc)
             for path, rows in by_file.items() for latest in (min(rows, key=_latest_first),)}
    for path, (count, day, at) in (stored.dated_after(as_of) if stored is not None else {}).items():
        found[path] = DatedLater(count, day, at)   # a file's rows are loaded or stored, never both
    return dict(sorted(found.items()))


def _latest_first(row: FeedbackRow) -> tuple[int, int]:
    """The latest date first, and of rows of that date the first line (as the DuckDB query orders them)."""
    return -row.date.toordinal(), row.loc.line
