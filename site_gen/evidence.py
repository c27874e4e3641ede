"""Who is behind an irritant: the feedback rows linked either way (a row's `irritant`, an irritant's `feedback`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from .model import Backlog, FeedbackRow, Story


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


def story_journey_stage(story: Story, backlog: Backlog) -> str | None:
    """A story's own stage, else its irritants' stage when they agree on one."""
    if story.journey_stage:
        return story.journey_stage
    stages = {backlog.irritants[i].journey_stage for i in story.irritants if i in backlog.irritants}
    stages.discard(None)
    return stages.pop() if len(stages) == 1 else None
