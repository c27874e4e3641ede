"""Who is behind an irritant: the feedback rows linked either way (a row's `irritant`, an irritant's `feedback`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from .model import Backlog, FeedbackRow


def rows_by_irritant(backlog: Backlog) -> Mapping[str, tuple[FeedbackRow, ...]]:
    """Irritant ID -> its evidence rows (the union of both link directions), in file order."""
    by_id = {row.id: row for row in backlog.feedback}
    linked: dict[str, dict[str, FeedbackRow]] = defaultdict(dict)
    for row in backlog.feedback:
        if row.irritant in backlog.irritants:
            linked[row.irritant][row.id] = row
    for irritant in backlog.irritants.values():
        for row_id in irritant.feedback:
            if row_id in by_id:
                linked[irritant.id][row_id] = by_id[row_id]
    return {irritant_id: tuple(rows.values()) for irritant_id, rows in linked.items()}


def distinct_customers(rows) -> int:
    return len({row.customer for row in rows if row.customer})
