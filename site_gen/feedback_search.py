"""`site-gen feedback WORDS…`: find the feedback rows to cite, by the words customers used."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .diagnostics import escape_text
from .model import FeedbackRow

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
    found = []
    for row in rows:
        if query.stage and row.journey_stage != query.stage:
            continue
        if query.unlinked_only and (row.id in linked or row.irritant):
            continue
        haystack = _folded(" ".join(filter(None, (row.verbatim, row.id, row.segment, row.kind, row.source))))
        if all(word in haystack for word in words):
            found.append(row)
    return sorted(found, key=lambda row: (row.date, row.id), reverse=True)


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
