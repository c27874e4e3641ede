"""What a customer said: whether a verbatim has words, in Python and as DuckDB's SQL, and the few columns of a
stored row the inbox's themes group (`Said`).

The facts (site_gen/facts/themes.py, meeting.py) read the rows loaded as objects; the DuckDB store
(site_gen/load/parquet.py) reads the rows it keeps with these same definitions. It imports nothing from
site_gen: the loader sits below the facts, and imports this, never the facts.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple, TypeGuard


def says_something(verbatim: str | None) -> TypeGuard[str]:
    """A verbatim with a character that is not whitespace."""
    return not (not verbatim or verbatim.isspace())


# what str.isspace() reads as whitespace, as a regular expression class for DuckDB (RE2)
_SPACES = ("\\t\\n\\x{0B}\\f\\r \\x{1C}-\\x{1F}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
           "\\x{202F}\\x{205F}\\x{3000}")
WHITESPACE_SQL = f"[{_SPACES}]"
# says_something as SQL over a verbatim column: a character that is not whitespace
HAS_WORDS_SQL = f"regexp_matches(verbatim, '[^{_SPACES}]')"


class Said(NamedTuple):
    """What grouping reads of an unlinked row kept in DuckDB: when, which, and what was said where. Only the rows
    of a theme are then read whole (themes_rows): most rows of a large inbox are said once and stay in no theme,
    and reading 200,000 rows whole took 3.2 s where these five columns take 0.4 s. Its kind is the value as
    DuckDB gives it ('complaint'), which groups and compares as the FeedbackKind member does."""

    date: date
    id: str
    kind: str | None
    journey_stage: str
    verbatim: str
