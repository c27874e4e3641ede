"""Early risk signals: complaints rising at a journey stage, a metric close to its threshold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ..model import FeedbackKind, FeedbackRow, Metric
from .scores import Change

RECENT_DAYS = 30
BEFORE_DAYS = 120          # the 90 days before the recent window, as a monthly rate
RISING_FROM = 10           # complaints in the recent window before a rise counts
RISING_FACTOR = 1.5
NEAR_THRESHOLD = 0.7       # a move of 70 % of the threshold is worth a look before it demands a decision


@dataclass(frozen=True, slots=True)
class RiskSignal:
    kind: str                  # "complaints-rising" or "metric-near-threshold"
    subject: str               # the journey stage or the metric ID
    recent: float = 0          # complaints in the last 30 days, or the metric's last change
    before: float = 0          # complaints a month before, or the metric's threshold
    period: str = ""           # the month of the metric's last change


def risk_signals(feedback: tuple[FeedbackRow, ...], stages: tuple[str, ...], metrics: tuple[Metric, ...],
                 changes: Mapping[str, tuple[Change | None, bool]], as_of: date) -> tuple[RiskSignal, ...]:
    """changes: metric ID -> (last complete change, whether it already crossed the threshold)."""
    signals = []
    recent_start = as_of - timedelta(days=RECENT_DAYS)
    before_start = as_of - timedelta(days=BEFORE_DAYS)
    recent: Counter[str] = Counter()
    before: Counter[str] = Counter()
    for row in feedback:
        if row.kind != FeedbackKind.COMPLAINT or row.date > as_of:
            continue
        if row.date >= recent_start:
            recent[row.journey_stage] += 1
        elif row.date >= before_start:
            before[row.journey_stage] += 1
    for stage in stages:
        monthly_before = before[stage] / 3
        if recent[stage] >= RISING_FROM and recent[stage] >= RISING_FACTOR * max(monthly_before, 1):
            signals.append(RiskSignal("complaints-rising", stage, recent[stage], monthly_before))
    for metric in metrics:
        change, alarm = changes.get(metric.id, (None, False))
        if change and not alarm and abs(change.delta) >= NEAR_THRESHOLD * metric.threshold > 0:
            signals.append(RiskSignal("metric-near-threshold", metric.id, change.delta, metric.threshold,
                                      change.latest.period))
    return tuple(signals)
