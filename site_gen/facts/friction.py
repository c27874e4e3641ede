"""The friction ledger: steps decisions added to or removed from the customer's journey, by stage and month.

The method says fix friction by removing steps, not by adding checks; this
makes "one less step" countable. A decision's stage is its irritants' journey
stage (a decision about irritants of two stages counts for each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..model import Decision, DecisionKind, Irritant
from ..text import month_key

NO_STAGE = ""   # decisions that name no irritant


def adds_unexplained_steps(decision: Decision) -> bool:
    """Adds steps for the customer (steps_delta > 0) without an arbitration whose `customer` answer says why."""
    if decision.steps_delta is None or decision.steps_delta <= 0:
        return False
    return decision.kind != DecisionKind.ARBITRATION or not (decision.customer or "").strip()


@dataclass(frozen=True, slots=True)
class FrictionRow:
    stage: str                         # NO_STAGE for decisions that name no irritant
    removed: tuple[int, ...]           # net steps removed per month of FrictionLedger.months (minus: added)
    total: int


@dataclass(frozen=True, slots=True)
class FrictionLedger:
    months: tuple[str, ...]            # YYYY-MM, oldest first: months with a decision that changed steps
    rows: tuple[FrictionRow, ...]      # journey order; only stages with a change

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


def friction_ledger(decisions: Iterable[Decision], irritants: Mapping[str, Irritant],
                    journey_stages: tuple[str, ...]) -> FrictionLedger:
    removed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for decision in decisions:
        if not decision.steps_delta:
            continue
        stages = {irritants[i].journey_stage for i in decision.irritants if i in irritants} or {NO_STAGE}
        for stage in stages:
            removed[stage][month_key(decision.date)] -= decision.steps_delta
    months = tuple(sorted({month for by_month in removed.values() for month in by_month}))
    order = [stage for stage in journey_stages if stage in removed]
    order += sorted(stage for stage in removed if stage not in order)
    rows = tuple(FrictionRow(stage, tuple(removed[stage].get(month, 0) for month in months),
                             sum(removed[stage].values())) for stage in order)
    return FrictionLedger(months, rows)
