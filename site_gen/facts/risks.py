"""Early risk signals, direction-aware: only a move that is worse for customers is a risk.

Per journey stage and per segment, the last `rules.risk_months` complete months are compared with as many
months before them: a score that fell (NPS, CSAT; CES by the direction of the metric computing it) or a
complaint share that rose. A metric whose last complete change went most of the way to its threshold in
its bad direction is a risk too. An improvement is never a risk.

Each signal has a severity, the feedback rows behind it and the open irritants that cover it: an open
irritant of the same stage (or whose evidence comes mostly from the same segment), or one whose evidence
includes those rows. A high signal no irritant covers is the check warning `risk-uncovered`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from ..model import Direction, FeedbackKind, FeedbackRow, Metric, ScoreType
from ..text import month_key
from .journey import MIN_ANSWERS, Figures, complete_months, figures_of, score_direction
from .scores import Change

NEAR_THRESHOLD = 0.7       # a bad move of 70 % of a metric's threshold is worth a look before it demands a decision
HIGH_NEAR_THRESHOLD = 0.9
MIN_COMPLAINTS = 10        # complaints in the recent window before a rising share counts
COMPLAINT_POINTS = 10.0    # a rise of this many percentage points of complaint share is material
# a fall this large is material, when no metric computing the score gives its threshold
MATERIAL = {ScoreType.NPS: 10.0, ScoreType.CSAT: 5.0, ScoreType.CES: 0.3}
HIGH_FROM = 30             # answers in each window before a fall can be high: fewer is medium at most
ROWS_KEPT = 50             # rows named per signal, newest first


class RiskKind(StrEnum):
    SCORE_FALLING = "score-falling"
    COMPLAINTS_RISING = "complaints-rising"
    METRIC_NEAR_THRESHOLD = "metric-near-threshold"


class RiskLevel(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class RiskSignal:
    kind: RiskKind
    severity: RiskLevel
    stage: str | None = None           # the journey stage it is about, or
    segment: str | None = None         # the segment it is about, or
    metric: str | None = None          # the metric ID it is about
    score_type: ScoreType | None = None   # the score that fell (score-falling)
    before: float = 0.0                # score or complaint share % in the earlier window; the metric's previous value
    recent: float = 0.0                # ... in the recent window; the metric's latest value
    months: tuple[str, ...] = ()       # the recent window (YYYY-MM, oldest first); a metric: its latest month
    baseline: tuple[str, ...] = ()     # the earlier window; a metric: its previous month
    threshold: float = 0.0             # the metric's threshold
    rows: tuple[str, ...] = ()         # feedback row IDs behind it, newest first (at most ROWS_KEPT)
    row_count: int = 0                 # all of them
    covered_by: tuple[str, ...] = ()   # open irritant IDs that cover it

    @property
    def subject(self) -> str:
        return self.stage or self.segment or self.metric or ""

    @property
    def delta(self) -> float:
        return round(self.recent - self.before, 2)

    @property
    def covered(self) -> bool:
        return bool(self.covered_by)


@dataclass(frozen=True, slots=True)
class OpenIrritant:
    """What coverage needs to know of an open irritant."""

    id: str
    stage: str
    segment: str | None                # the segment most of its evidence comes from
    rows: frozenset[str]
    metrics: tuple[str, ...] = ()      # metrics whose decisions name it


def _severity(bad: float, material: float, near: float = 0.5) -> RiskLevel | None:
    if material <= 0 or bad <= 0:
        return None
    if bad >= 2 * material:
        return RiskLevel.HIGH
    if bad >= material:
        return RiskLevel.MEDIUM
    if bad >= near * material:
        return RiskLevel.LOW
    return None


def counts_against(score_type: ScoreType, score: int, direction: Direction) -> bool:
    """An answer that pulls the score the bad way: an NPS detractor, an unsatisfied CSAT, a hard CES."""
    if score_type == ScoreType.NPS:
        return score <= 6 if direction == Direction.UP else score >= 9
    if score_type == ScoreType.CSAT:
        return score <= 3 if direction == Direction.UP else score >= 4
    return score >= 5 if direction == Direction.DOWN else score <= 3


def _newest(rows: Iterable[FeedbackRow]) -> tuple[str, ...]:
    return tuple(r.id for r in sorted(rows, key=lambda r: (r.date, r.id), reverse=True))


def _group_signals(recent_rows: list[FeedbackRow], before: Figures, recent: Figures,
                   directions: Mapping[ScoreType, Direction], material: Mapping[ScoreType, float],
                   stage: str | None, segment: str | None, months: tuple[str, ...],
                   baseline: tuple[str, ...]) -> list[RiskSignal]:
    found = []
    for now in recent.scores:
        then = before.score(now.score_type)
        if then is None or min(now.responses, then.responses) < MIN_ANSWERS:
            continue
        direction = score_direction(now.score_type, directions)
        bad = then.value - now.value if direction == Direction.UP else now.value - then.value
        severity = _severity(round(bad, 6), material[now.score_type])
        if severity is None:
            continue
        if severity == RiskLevel.HIGH and min(now.responses, then.responses) < HIGH_FROM:
            severity = RiskLevel.MEDIUM
        rows = _newest(r for r in recent_rows if r.score_type == now.score_type and r.score is not None
                       and counts_against(now.score_type, r.score, direction))
        found.append(RiskSignal(RiskKind.SCORE_FALLING, severity, score_type=now.score_type, before=then.value,
                                recent=now.value, months=months, baseline=baseline, rows=rows[:ROWS_KEPT],
                                row_count=len(rows), stage=stage, segment=segment))
    share, share_before = recent.complaint_share, before.complaint_share
    if share is not None and share_before is not None and recent.complaints >= MIN_COMPLAINTS \
            and before.feedback >= MIN_ANSWERS:
        severity = _severity(round(share - share_before, 6), COMPLAINT_POINTS)
        if severity == RiskLevel.HIGH and min(recent.feedback, before.feedback) < HIGH_FROM:
            severity = RiskLevel.MEDIUM
        if severity is not None:
            rows = _newest(r for r in recent_rows if r.kind == FeedbackKind.COMPLAINT)
            found.append(RiskSignal(RiskKind.COMPLAINTS_RISING, severity, before=share_before, recent=share,
                                    months=months, baseline=baseline, rows=rows[:ROWS_KEPT], row_count=len(rows),
                                    stage=stage, segment=segment))
    return found


def risk_signals(feedback: Iterable[FeedbackRow], stages: tuple[str, ...], segments: tuple[str, ...],
                 metrics: tuple[Metric, ...], changes: Mapping[str, tuple[Change | None, bool]],
                 today_month: str, risk_months: int,
                 open_irritants: Iterable[OpenIrritant] = ()) -> tuple[RiskSignal, ...]:
    """changes: metric ID -> (last complete change, whether it already crossed the threshold: then the
    metric-decision rule speaks, not a risk signal)."""
    both = complete_months(today_month, 2 * risk_months)
    baseline, months = both[:risk_months], both[risk_months:]
    window_of = {month: "recent" for month in months} | {month: "before" for month in baseline}
    grouped: dict[tuple[str, str, str], list[FeedbackRow]] = defaultdict(list)
    for row in feedback:
        window = window_of.get(month_key(row.date))
        if window is None:
            continue
        grouped[("stage", row.journey_stage, window)].append(row)
        if row.segment:
            grouped[("segment", row.segment, window)].append(row)
    directions = {m.compute: m.direction for m in metrics if m.compute is not None}
    material = dict(MATERIAL) | {m.compute: m.threshold for m in metrics if m.compute is not None and m.threshold > 0}

    signals: list[RiskSignal] = []
    for dimension, names in (("stage", stages), ("segment", segments)):
        for name in names:
            recent_rows = grouped[(dimension, name, "recent")]
            signals += _group_signals(recent_rows, figures_of(grouped[(dimension, name, "before")]),
                                      figures_of(recent_rows), directions, material,
                                      name if dimension == "stage" else None, name if dimension == "segment" else None,
                                      months, baseline)
    for metric in metrics:
        change, alarm = changes.get(metric.id, (None, False))
        if change is None or alarm or metric.threshold <= 0:
            continue
        bad = change.delta if metric.direction == Direction.DOWN else -change.delta
        if bad >= NEAR_THRESHOLD * metric.threshold:
            severity = RiskLevel.HIGH if bad >= HIGH_NEAR_THRESHOLD * metric.threshold else RiskLevel.MEDIUM
            signals.append(RiskSignal(RiskKind.METRIC_NEAR_THRESHOLD, severity, metric=metric.id,
                                      before=change.previous.value, recent=change.latest.value,
                                      months=(change.latest.period,), baseline=(change.previous.period,),
                                      threshold=metric.threshold))
    irritants = tuple(open_irritants)
    order = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}
    covered = [_with_cover(signal, irritants) for signal in signals]
    return tuple(sorted(covered, key=lambda s: order[s.severity]))   # stable: stages, segments, metrics


def _with_cover(signal: RiskSignal, irritants: tuple[OpenIrritant, ...]) -> RiskSignal:
    rows = set(signal.rows)
    by = tuple(i.id for i in irritants
               if (signal.stage is not None and i.stage == signal.stage)
               or (signal.segment is not None and signal.segment == i.segment)
               or (signal.metric is not None and signal.metric in i.metrics)
               or not rows.isdisjoint(i.rows))
    return replace(signal, covered_by=by) if by else signal
