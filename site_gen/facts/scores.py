"""Customer scores, defined once: NPS, CES and CSAT, and a metric's monthly series.

The dashboard's metrics, the journey map and every later view use these
definitions, so the same label always means the same number. What one answer
is worth (WORTH) and a tally of answers are in site_gen/tallies.py, beside the
SQL that the DuckDB store counts stored rows with.
"""

from __future__ import annotations

import calendar
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ..model import FeedbackRow, Metric, ScoreType, SeriesPoint
from ..tallies import WORTH, Tally
from ..text import month_key


def tally(score_type: ScoreType, scores: Iterable[int]) -> Tally:
    """An answer off the scale (already a check error) is worth nothing and not counted, in SQL as here."""
    worth = WORTH[score_type]
    values = [worth[score] for score in scores if score in worth]
    return Tally(sum(values), len(values))


def nps(scores: list[int]) -> float:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), from −100 to +100."""
    return tally(ScoreType.NPS, scores).value


def ces(scores: list[int]) -> float:
    """Customer Effort Score: the mean of 1–7 answers."""
    return tally(ScoreType.CES, scores).value


def csat(scores: list[int]) -> float:
    """Customer satisfaction: % of 4–5 answers on a 1–5 scale."""
    return tally(ScoreType.CSAT, scores).value


MIN_ANSWERS = 5            # fewer scores than this in a group are shown, but not coloured or compared


@dataclass(frozen=True, slots=True)
class Score:
    """One score type over a set of feedback rows, by its standard definition."""

    score_type: ScoreType
    value: float       # rounded to 2 decimals
    responses: int

    @property
    def too_few(self) -> bool:
        """Fewer answers than MIN_ANSWERS: the sites say "too few answers (n=2)" and show no value, which would
        read as a real one (NPS +0 from one answer)."""
        return self.responses < MIN_ANSWERS

    @property
    def display(self) -> str:
        """NPS +12 or −33 (a minus sign, as the charts write it, not a hyphen), CES 4.91, CSAT 78%: how the number
        reads next to its name."""
        if self.score_type == ScoreType.NPS:
            return f"{self.value:+.0f}".replace("-", "\u2212")
        if self.score_type == ScoreType.CSAT:
            return f"{self.value:.0f}%"
        return f"{self.value:.2f}"


def score(score_type: ScoreType, scores: list[int]) -> Score:
    return score_of(score_type, tally(score_type, scores))


def score_of(score_type: ScoreType, counted: Tally) -> Score:
    return Score(score_type, round(counted.value, 2), counted.responses)


def scores_of(rows: Iterable[FeedbackRow]) -> tuple[Score, ...]:
    """Every score type present in rows, in a stable order."""
    by_type: dict[ScoreType, list[int]] = defaultdict(list)
    for row in rows:
        if row.score_type is not None and row.score is not None:
            by_type[row.score_type].append(row.score)
    return tuple(score(kind, values) for kind, values in sorted(by_type.items()))


class RunningScores:
    """The scores of any date window [start, end) over answers given once, sorted by date.

    Running totals of the tallies per score type: a window costs two bisections per score type instead of a
    pass over its rows, and gives exactly what scores_of gives for the rows in the window (the same worths,
    the same division). An entry is (day, score type, sum of worths, answers): one row's, or the sum of a
    day's rows in Parquet, counted by DuckDB.
    """

    __slots__ = ("_dates", "_totals", "_responses")

    def __init__(self, days: Iterable[tuple[date, ScoreType, int, int]]):
        self._dates: dict[ScoreType, list[date]] = {}
        self._totals: dict[ScoreType, array[int]] = {}
        self._responses: dict[ScoreType, array[int]] = {}
        for day, kind, total, responses in days:
            if kind not in self._dates:
                self._dates[kind], self._totals[kind], self._responses[kind] = [], array("q", [0]), array("q", [0])
            totals, counts = self._totals[kind], self._responses[kind]
            self._dates[kind].append(day)
            totals.append(totals[-1] + total)
            counts.append(counts[-1] + responses)

    def window(self, start: date, end: date) -> tuple[Score, ...]:
        """scores_of(rows dated start <= date < end)."""
        found = []
        for kind in sorted(self._dates):
            dates = self._dates[kind]
            low = bisect_left(dates, start)
            high = bisect_left(dates, end, lo=low)
            counted = Tally(self._totals[kind][high] - self._totals[kind][low],
                            self._responses[kind][high] - self._responses[kind][low])
            if counted.responses:
                found.append(score_of(kind, counted))
        return tuple(found)


DayTally = tuple[date, ScoreType, int, int]


def running_scores_by(rows: Sequence[FeedbackRow], segments: Iterable[str],
                      stored: Iterable[tuple[str | None, date, ScoreType, int, int]] = ()
                      ) -> dict[str | None, RunningScores]:
    """Rows -> RunningScores of all of them (key None) and of each segment's.

    stored: (segment, day, score type, sum of worths, answers) of the same rows' kin in Parquet, by DuckDB."""
    of_segment: dict[str | None, list[DayTally]] = {segment: [] for segment in segments}
    every: list[DayTally] = []
    for row in rows:
        kind, value = row.score_type, row.score
        worth = WORTH[kind].get(value) if kind is not None and value is not None else None
        if worth is None or kind is None:   # no answer, or one off its scale (a check error): not counted
            continue
        answer = (row.date, kind, worth, 1)
        every.append(answer)
        if row.segment in of_segment:
            of_segment[row.segment].append(answer)
    for segment, day, kind, total, responses in stored:
        every.append((day, kind, total, responses))
        if segment in of_segment:
            of_segment[segment].append((day, kind, total, responses))
    return {None: RunningScores(sorted(every, key=_day)),
            **{segment: RunningScores(sorted(listed, key=_day)) for segment, listed in of_segment.items()}}


def _day(entry: DayTally) -> date:
    return entry[0]


def scores_by_month(feedback: Iterable[FeedbackRow], score_type: ScoreType, as_of: date) -> dict[str, list[int]]:
    """Month -> the scores of this type given by as_of (a row dated later is no answer yet: rule
    feedback-dated-later)."""
    months: dict[str, list[int]] = defaultdict(list)
    for row in feedback:
        if row.score_type == score_type and row.score is not None and row.date <= as_of:
            months[month_key(row.date)].append(row.score)
    return months


def metric_series(metric: Metric, feedback: Iterable[FeedbackRow], as_of: date,
                  stored: Mapping[str, Tally] | None = None) -> tuple[SeriesPoint, ...]:
    """The metric's value per month, oldest first. Computed from feedback, of the answers given by as_of: its
    chart has no month after as_of's. stored: month -> tally of the rows kept in Parquet, by as_of too."""
    if metric.compute is None:
        return tuple(sorted(metric.series, key=lambda point: point.period))
    by_month = scores_by_month(feedback, metric.compute, as_of)
    months = {month: tally(metric.compute, scores) for month, scores in by_month.items()}
    for month, counted in (stored or {}).items():
        months[month] = months.get(month, Tally()) + counted
    return tuple(SeriesPoint(period, round(counted.value, 2)) for period, counted in sorted(months.items())
                 if counted.responses)


def metric_digits(metric: Metric) -> int | None:
    """The decimals a metric's values, threshold and changes are written with: NPS, an index from −100 to +100, in
    whole points (as a stage's NPS reads: +12), CES, a mean of 1–7, to two (2.40); None: as the data gives them."""
    return {ScoreType.NPS: 0, ScoreType.CES: 2}.get(metric.compute) if metric.compute is not None else None


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
    return date(year, month, calendar.monthrange(year, month)[1])   # (December 9999 has no next month)


def last_point(series: tuple[SeriesPoint, ...], today: date) -> SeriesPoint | None:
    """The series' last point of a month begun by today. A later month's point (a written series' month to come)
    is no data yet: as the last, it would keep the metric fresh for good. A metric computed from feedback has no
    such point: its rows dated after today (rule feedback-dated-later) count in no month (metric_series)."""
    month = month_key(today)
    return next((point for point in reversed(series) if point.period <= month), None)


def stale_days(series: tuple[SeriesPoint, ...], today: date, allowed: int) -> int | None:
    """Days since the month of the last data point (last_point) ended, when more than allowed; None when fresh or
    empty."""
    last = last_point(series, today)
    if last is None:
        return None
    days = (today - period_end(last.period)).days
    return days if days > allowed else None
