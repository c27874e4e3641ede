"""Customer metrics by month: computed from feedback scores or given as a series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .model import FeedbackRow, Metric, SeriesPoint
from .text import month_key


def _nps(scores: list[int]) -> float:
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100.0 * (promoters - detractors) / len(scores)


def _ces(scores: list[int]) -> float:
    return sum(scores) / len(scores)


def _csat(scores: list[int]) -> float:
    return 100.0 * sum(score >= 4 for score in scores) / len(scores)


_FORMULAS = {"nps": _nps, "ces": _ces, "csat": _csat}


def scores_by_month(feedback: Iterable[FeedbackRow], score_type: str) -> dict[str, list[int]]:
    months: dict[str, list[int]] = defaultdict(list)
    for row in feedback:
        if row.score_type == score_type and row.score is not None and row.date is not None:
            months[month_key(row.date)].append(row.score)
    return months


def metric_series(metric: Metric, feedback: Iterable[FeedbackRow]) -> tuple[SeriesPoint, ...]:
    """The metric's value per month, oldest first."""
    if metric.compute is None:
        return tuple(sorted(metric.series, key=lambda point: point.period))
    formula = _FORMULAS[metric.compute]
    months = scores_by_month(feedback, metric.compute)
    return tuple(SeriesPoint(period, round(formula(scores), 2)) for period, scores in sorted(months.items()))


@dataclass(frozen=True, slots=True)
class Change:
    previous: SeriesPoint
    latest: SeriesPoint

    @property
    def delta(self) -> float:
        return round(self.latest.value - self.previous.value, 6)


def last_complete_change(series: tuple[SeriesPoint, ...], today: date) -> Change | None:
    """The change between the last two complete months: a month counts once it has ended."""
    complete = [point for point in series if point.period < month_key(today)]
    if len(complete) < 2:
        return None
    return Change(complete[-2], complete[-1])


def crosses_threshold(metric: Metric, change: Change) -> bool:
    """A move of at least the threshold either way demands a decision: gains need explaining too."""
    return abs(change.delta) >= metric.threshold
