"""Customer scores, defined once: NPS, CES and CSAT, and a metric's monthly series.

The dashboard's metrics, the journey map and every later view use these
definitions, so the same label always means the same number.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..model import FeedbackRow, Metric, ScoreType, SeriesPoint
from ..text import month_key


def nps(scores: list[int]) -> float:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), from −100 to +100."""
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100.0 * (promoters - detractors) / len(scores)


def ces(scores: list[int]) -> float:
    """Customer Effort Score: the mean of 1–7 answers."""
    return sum(scores) / len(scores)


def csat(scores: list[int]) -> float:
    """Customer satisfaction: % of 4–5 answers on a 1–5 scale."""
    return 100.0 * sum(score >= 4 for score in scores) / len(scores)


FORMULAS: dict[ScoreType, Callable[[list[int]], float]] = {ScoreType.NPS: nps, ScoreType.CES: ces, ScoreType.CSAT: csat}


@dataclass(frozen=True, slots=True)
class Score:
    """One score type over a set of feedback rows, by its standard definition."""

    score_type: ScoreType
    value: float       # rounded to 2 decimals
    responses: int

    @property
    def display(self) -> str:
        """NPS +12, CES 4.91, CSAT 78%: how the number reads next to its name."""
        if self.score_type == ScoreType.NPS:
            return f"{self.value:+.0f}"
        if self.score_type == ScoreType.CSAT:
            return f"{self.value:.0f}%"
        return f"{self.value:.2f}"


def score(score_type: ScoreType, scores: list[int]) -> Score:
    return Score(score_type, round(FORMULAS[score_type](scores), 2), len(scores))


def scores_of(rows: Iterable[FeedbackRow]) -> tuple[Score, ...]:
    """Every score type present in rows, in a stable order."""
    by_type: dict[ScoreType, list[int]] = defaultdict(list)
    for row in rows:
        if row.score_type is not None and row.score is not None:
            by_type[row.score_type].append(row.score)
    return tuple(score(kind, values) for kind, values in sorted(by_type.items()))


def _tallied(score_type: ScoreType, score: int) -> tuple[int, int]:
    """What one answer adds to the running totals its score type's formula needs (see RunningScores)."""
    if score_type == ScoreType.NPS:
        return int(score >= 9), int(score <= 6)
    if score_type == ScoreType.CSAT:
        return int(score >= 4), 0
    return score, 0


def _from_totals(score_type: ScoreType, first: int, second: int, responses: int) -> float:
    """The formula of FORMULAS[score_type] on running totals: the same arithmetic, so the same float."""
    if score_type == ScoreType.NPS:
        return 100.0 * (first - second) / responses
    if score_type == ScoreType.CSAT:
        return 100.0 * first / responses
    return first / responses


class RunningScores:
    """The scores of any date window [start, end) over rows given once, sorted by date.

    Running totals per score type (promoters and detractors, or the sum, or satisfied answers): a window
    costs two bisections per score type instead of a pass over its rows, and gives exactly what
    scores_of gives for the rows in the window.
    """

    __slots__ = ("_dates", "_first", "_second")

    def __init__(self, rows: Iterable[FeedbackRow]):
        self._dates: dict[ScoreType, list[date]] = {}
        self._first: dict[ScoreType, array[int]] = {}
        self._second: dict[ScoreType, array[int]] = {}
        for row in rows:
            kind, value = row.score_type, row.score
            if kind is None or value is None:
                continue
            if kind not in self._dates:
                self._dates[kind], self._first[kind], self._second[kind] = [], array("q", [0]), array("q", [0])
            first, second = _tallied(kind, value)
            dates, firsts, seconds = self._dates[kind], self._first[kind], self._second[kind]
            dates.append(row.date)
            firsts.append(firsts[-1] + first)
            seconds.append(seconds[-1] + second)

    def window(self, start: date, end: date) -> tuple[Score, ...]:
        """scores_of(rows dated start <= date < end)."""
        found = []
        for kind in sorted(self._dates):
            dates = self._dates[kind]
            low = bisect_left(dates, start)
            high = bisect_left(dates, end, lo=low)
            if high > low:
                first = self._first[kind][high] - self._first[kind][low]
                second = self._second[kind][high] - self._second[kind][low]
                found.append(Score(kind, round(_from_totals(kind, first, second, high - low), 2), high - low))
        return tuple(found)


def running_scores_by(rows: Sequence[FeedbackRow], segments: Iterable[str]) -> dict[str | None, RunningScores]:
    """Rows sorted by date -> RunningScores of all of them (key None) and of each segment's."""
    of_segment: dict[str | None, list[FeedbackRow]] = {segment: [] for segment in segments}
    for row in rows:
        if row.segment in of_segment:
            of_segment[row.segment].append(row)
    return {None: RunningScores(rows), **{segment: RunningScores(listed) for segment, listed in of_segment.items()}}


def scores_by_month(feedback: Iterable[FeedbackRow], score_type: ScoreType) -> dict[str, list[int]]:
    months: dict[str, list[int]] = defaultdict(list)
    for row in feedback:
        if row.score_type == score_type and row.score is not None:
            months[month_key(row.date)].append(row.score)
    return months


def metric_series(metric: Metric, feedback: Iterable[FeedbackRow]) -> tuple[SeriesPoint, ...]:
    """The metric's value per month, oldest first."""
    if metric.compute is None:
        return tuple(sorted(metric.series, key=lambda point: point.period))
    formula = FORMULAS[metric.compute]
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


def period_end(period: str) -> date:
    """The last day of a YYYY-MM month."""
    year, month = (int(part) for part in period.split("-"))
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def stale_days(series: tuple[SeriesPoint, ...], today: date, allowed: int) -> int | None:
    """Days since the month of the last data point ended, when more than allowed; None when fresh or empty."""
    if not series:
        return None
    days = (today - period_end(series[-1].period)).days
    return days if days > allowed else None
