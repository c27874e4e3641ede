"""Did the fix work? Linked complaints, and the journey stage's scores, before and after an irritant closed.

Both sides are compared over equal windows of whole weeks: `rules.effect_weeks`
each side, shortened to the whole weeks that have passed since closing, so a
fix closed three weeks ago is judged on three weeks either side, never on an
unfinished week. The same numbers feed the irritant page, the dashboard's
"Did it work?" section and the `recurrence` rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ..model import FeedbackRow, Rules
from ..tallies import is_complaint
from .scores import RunningScores, Score

# A change smaller than this, either way, is "the same rate": a handful of rows is noise.
SAME_RATE_PERCENT = 20.0
NEWEST_NAMED = 3


class Trend(StrEnum):
    """The verdict on a fix, which the pages word ("Did it work?"): complaints down, the same, up, or no judgement."""

    DOWN = "down"
    SAME = "same"
    UP = "up"
    NO_BASELINE = "no-baseline"    # no linked complaint in the weeks before closing
    TOO_EARLY = "too-early"        # closed less than a week ago


def complaint_days(rows: Iterable[FeedbackRow]) -> Counter[date]:
    """Day -> linked complaints that day: all effect_of and recurrence_of count (Parquet: the same, by DuckDB)."""
    return Counter(row.date for row in rows if is_complaint(row))


@dataclass(frozen=True, slots=True)
class WeekCount:
    start: date            # first day of the week
    complaints: int
    after: bool            # on or after the closed date


@dataclass(frozen=True, slots=True)
class Effect:
    """Linked complaints in equal windows either side of an irritant's closed date."""

    closed: date
    weeks: int                         # whole weeks on each side; 0 when closed less than a week ago
    before: int                        # linked complaints in [closed - weeks, closed)
    after: int                         # linked complaints in [closed, closed + weeks)
    weekly: tuple[int, ...]            # linked complaints per week, oldest first: the before weeks, then the after

    @property
    def by_week(self) -> tuple[WeekCount, ...]:
        """Each week's count with its dates, oldest first: made when a page shows them (a check judges 6,000 fixes
        and reads none)."""
        return tuple(WeekCount(self.start + timedelta(weeks=k), count, k >= self.weeks)
                     for k, count in enumerate(self.weekly))

    @property
    def start(self) -> date:
        return self.closed - timedelta(weeks=self.weeks)

    @property
    def end(self) -> date:
        """The first day after the after-window."""
        return self.closed + timedelta(weeks=self.weeks)

    @property
    def rate_before(self) -> float:
        """Linked complaints per week before closing."""
        return self.before / self.weeks if self.weeks else 0.0

    @property
    def rate_after(self) -> float:
        return self.after / self.weeks if self.weeks else 0.0

    @property
    def change_percent(self) -> float | None:
        """How the weekly rate moved, in percent of the rate before; None without a rate before."""
        if not self.weeks or not self.before:
            return None
        return 100.0 * (self.after - self.before) / self.before

    @property
    def trend(self) -> Trend:
        change = self.change_percent
        if not self.weeks:
            return Trend.TOO_EARLY
        if change is None:
            return Trend.NO_BASELINE
        if change <= -SAME_RATE_PERCENT:
            return Trend.DOWN
        if change >= SAME_RATE_PERCENT:
            return Trend.UP
        return Trend.SAME

    @property
    def change_rounded(self) -> int | None:
        """The change in whole percent, as the verdict states it (down 92, up 38); None without a rate before."""
        change = self.change_percent
        return None if change is None else round(abs(change))


@dataclass(frozen=True, slots=True)
class Recurrence:
    """Linked complaints that kept coming after the grace period, against the weekly rate before closing."""

    since: date                        # first day counted: after the grace period, within the last effect_weeks
    days: int                          # days counted, up to as_of
    complaints: int                    # the complaints counted
    newest: tuple[FeedbackRow, ...]    # the newest NEWEST_NAMED of them, newest first
    rate: float                        # per week
    baseline: float                    # per week in the effect window before closing
    share: float                       # rate as a percentage of the baseline


def effect_of(closed: date, complaints: Mapping[date, int], as_of: date, effect_weeks: int) -> Effect:
    """Linked complaints per week either side of closed, over min(effect_weeks, whole weeks since) weeks.

    complaints: complaint_days of the evidence (loaded rows, plus Parquet rows counted the same way by DuckDB)."""
    weeks = max(0, min(effect_weeks, (as_of - closed).days // 7))
    counts: dict[int, int] = defaultdict(int)
    for day, count in complaints.items():
        offset = (day - closed).days
        if -7 * weeks <= offset < 7 * weeks:
            counts[offset // 7] += count
    weekly = tuple(counts.get(k, 0) for k in range(-weeks, weeks))
    return Effect(closed, weeks, sum(weekly[:weeks]), sum(weekly[weeks:]), weekly)


def newest_complaints(rows: Iterable[FeedbackRow], since: date, until: date,
                      count: int = NEWEST_NAMED) -> tuple[FeedbackRow, ...]:
    """The newest linked complaints dated since..until (both included), newest first (then by ID)."""
    return tuple(sorted((row for row in rows if is_complaint(row) and since <= row.date <= until),
                        key=lambda row: (row.date, row.id), reverse=True)[:count])


def recurrence_since(closed: date, as_of: date, rules: Rules) -> date:
    """The first day a recurrence counts: after the grace period, and within the last effect_weeks."""
    return max(closed + timedelta(days=rules.recurrence_grace_days + 1),
               as_of - timedelta(weeks=rules.effect_weeks) + timedelta(days=1))


def recurrence_window(closed: date, as_of: date, rules: Rules) -> tuple[date, int] | None:
    """The days a recurrence counts complaints over: the first, and how many up to as_of; None before there is a
    week of them to judge."""
    since = recurrence_since(closed, as_of, rules)
    days = (as_of - since).days + 1
    return (since, days) if days >= 7 else None


def recurrence_of(effect: Effect, complaints: Mapping[date, int], as_of: date, rules: Rules,
                  newest: Callable[[date], tuple[FeedbackRow, ...]]) -> Recurrence | None:
    """Complaints still above rules.recurrence_share % of the rate before, once the grace period is over.

    Counted from the end of the grace period (but no further back than rules.effect_weeks) up to as_of,
    so a fix that held for a while and then broke again is noticed too. Needs a week to judge and a rate
    before closing to compare with. newest(since): the newest complaints it names (see newest_complaints).
    """
    window = recurrence_window(effect.closed, as_of, rules)
    if window is None or not effect.before:
        return None
    since, days = window
    late = sum(count for day, count in complaints.items() if since <= day <= as_of)
    rate = late / (days / 7)
    share = 100.0 * rate / effect.rate_before
    if not late or share <= rules.recurrence_share:
        return None
    return Recurrence(since, days, late, newest(since), rate, effect.rate_before, share)


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """One group's scores (a journey stage, or a segment within it) in the windows before and after."""

    group: str
    before: tuple[Score, ...]
    after: tuple[Score, ...]


@dataclass(frozen=True, slots=True)
class StageEffect:
    """The irritant's journey stage, scored over the same windows as its complaints."""

    stage: ScoreChange
    segments: tuple[ScoreChange, ...]      # in site.yaml order, only segments with scores


def _date(row: FeedbackRow) -> date:
    return row.date


def stage_effect(effect: Effect, stage: str, stage_scores: Mapping[str | None, RunningScores],
                 segments: tuple[str, ...]) -> StageEffect:
    """stage_scores: running_scores_by(the stage's rows sorted by date, segments). Each window costs a few
    bisections, not a scan of its rows for every done irritant (minutes at 2,000 irritants and 200,000 rows)."""
    def change(group: str, scores: RunningScores | None) -> ScoreChange:
        if scores is None:
            return ScoreChange(group, (), ())
        return ScoreChange(group, scores.window(effect.start, effect.closed), scores.window(effect.closed, effect.end))

    changes = [found for segment in segments
               for found in (change(segment, stage_scores.get(segment)),) if found.before or found.after]
    return StageEffect(change(stage, stage_scores.get(None)), tuple(changes))


def rows_by_stage(feedback: Iterable[FeedbackRow]) -> Mapping[str, tuple[FeedbackRow, ...]]:
    """Journey stage -> its rows, sorted by date."""
    grouped: dict[str, list[FeedbackRow]] = defaultdict(list)
    for row in feedback:
        grouped[row.journey_stage].append(row)
    return {stage: tuple(sorted(rows, key=_date)) for stage, rows in grouped.items()}
