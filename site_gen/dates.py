"""The dates a run can take as "today": within a range where every date computation has room.

Views and rules count back a year of months and forward by review periods from "today"; Python's dates
end at 0001-01-01 and 9999-12-31. Rather than guard each computation, "today" is refused at the edge
when it is outside 1900-01-01 to 9000-12-31 — a usage error, since no real backlog lives there.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from .errors import UnusableDate

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 12, 31)
RANGE = f"{FIRST_DAY} to {LAST_DAY}"

_SECONDS = re.compile(r"-?\d+")



def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def epoch_day(value: str, name: str) -> date:
    """The UTC date of a count of seconds since 1970 given in an environment variable, e.g. SOURCE_DATE_EPOCH."""
    shown = f"{name}={value!r}"
    if not _SECONDS.fullmatch(value):
        raise UnusableDate(f"{shown} must be a whole number of seconds since 1970-01-01 UTC, as `date +%s` prints "
                           "(unset it to use today's date)")
    day = None
    if len(value) <= 15:  # int() of thousands of digits is itself refused; 15 digits is 30 million years
        try:
            day = datetime.fromtimestamp(int(value), tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            day = None
    if day is None or not in_range(day):
        raise UnusableDate(f"{shown} is outside the dates site-gen handles ({RANGE})")
    return day
