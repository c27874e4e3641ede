"""`site-gen feedback WORDS…`: find the feedback rows to cite, by the words customers used."""

from __future__ import annotations

import heapq
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

from .diagnostics import escape_text
from .model import FeedbackRow

if TYPE_CHECKING:
    from .load.parquet import ParquetFeedback

VERBATIM_WIDTH = 90


@dataclass(frozen=True, slots=True)
class Query:
    words: tuple[str, ...]               # every word must appear (in the verbatim, ID, segment or kind)
    stage: str | None = None
    unlinked_only: bool = False


def _folded(text: str) -> str:
    """Case- and accent-insensitive: 'Déjà' finds 'deja'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def search(rows: Iterable[FeedbackRow], query: Query, linked: frozenset[str]) -> list[FeedbackRow]:
    """Matching rows, newest first. `linked`: IDs of rows some irritant already cites."""
    words = [_folded(word) for word in query.words if word.strip()]
    return sorted((row for row in rows if _matches(row, query, words, linked)), key=_newness, reverse=True)


def search_all(rows: Iterable[FeedbackRow], stored: ParquetFeedback | None, query: Query, linked: frozenset[str],
               limit: int) -> tuple[int, list[FeedbackRow]]:
    """How many rows match, loaded or in Parquet, and the newest `limit` of them. The Parquet rows stream
    through the same test in batches (never all in memory), so a word matches there as it does in a CSV row."""
    words = [_folded(word) for word in query.words if word.strip()]
    more = stored.scan("journey_stage = ?" if query.stage else "true", *([query.stage] if query.stage else [])) \
        if stored is not None else ()
    count = 0
    newest: list[tuple[tuple[object, str], int, FeedbackRow]] = []   # a heap of the newest `limit`
    for row in chain(rows, more):
        if _matches(row, query, words, linked):
            count += 1
            entry = (_newness(row), count, row)
            if len(newest) < limit:
                heapq.heappush(newest, entry)
            elif entry[0] > newest[0][0]:
                heapq.heapreplace(newest, entry)
    return count, [row for _, _, row in sorted(newest, key=lambda entry: entry[0], reverse=True)]


def _newness(row: FeedbackRow) -> tuple[object, str]:
    return row.date, row.id


def _matches(row: FeedbackRow, query: Query, words: list[str], linked: frozenset[str]) -> bool:
    if query.stage and row.journey_stage != query.stage:
        return False
    if query.unlinked_only and (row.id in linked or row.irritant):
        return False
    haystack = _folded(" ".join(filter(None, (row.verbatim, row.id, row.segment, row.kind, row.source))))
    return all(word in haystack for word in words)


def _score(row: FeedbackRow) -> str:
    return f"{row.score_type} {row.score}" if row.score_type and row.score is not None else "-"


def as_table(rows: Sequence[FeedbackRow], width: int = VERBATIM_WIDTH) -> str:
    """Aligned columns for a terminal: ID, date, stage, score, verbatim (shortened), escaped."""
    if not rows:
        return ""
    table = [("ID", "DATE", "STAGE", "SCORE", "VERBATIM")]
    for row in rows:
        verbatim = " ".join((row.verbatim or "").split())
        if len(verbatim) > width:
            verbatim = verbatim[:width - 1] + "…"
        table.append((row.id, row.date.isoformat(), row.journey_stage, _score(row), verbatim))
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:4])) + "  " + line[4] for line in table]
    return "".join(escape_text(line.rstrip()) + "\n" for line in lines)


def as_json(rows: Sequence[FeedbackRow]) -> str:
    return json.dumps([{"id": row.id, "date": row.date.isoformat(), "journey_stage": row.journey_stage,
                        "score_type": row.score_type, "score": row.score, "kind": row.kind,
                        "segment": row.segment, "irritant": row.irritant, "verbatim": row.verbatim}
                       for row in rows], indent=2, ensure_ascii=False) + "\n"
