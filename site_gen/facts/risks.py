"""Early risk signals, direction-aware: only a move that is worse for customers is a risk.

Per journey stage and per segment, the last `rules.risk_months` complete months are compared with as many
months before them: a score that got worse (NPS, CSAT falling; CES rising, or by the direction of the metric
computing it) or a complaint share that rose. A metric whose last complete change went most of the way to its
threshold in its bad direction is a risk too. An improvement is never a risk.

Each signal has a severity, the feedback rows behind it and the open irritants that cover it. A stage's
signal: the open irritants of that stage, or whose evidence includes rows behind it. A segment's signal (its
rows come from every stage): the open irritants whose evidence is at least a tenth of the rows it names (the
segment's rows of the recent window that pull the score down, or its complaints), so coverage names what
explains part of the fall, not every irritant with a customer in the segment. A metric's: the irritants its
decisions name, or whose evidence includes its rows. A high signal no irritant covers is the check warning
`risk-uncovered`. Each signal also names every irritant that would cover it were it open (`coverable_by`): a cached
check covers it again from those when an irritant's status is all that changed (site_gen.record_edits).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from ..model import Direction, FeedbackKind, FeedbackRow, Metric, ScoreType
from ..tallies import Behind, CellKey, Counts
from .journey import (
    Figures,
    MonthOf,
    cell_counts,
    complete_months,
    figures_in,
    score_direction,
)
from .scores import MIN_ANSWERS, Change, Score

if TYPE_CHECKING:
    from ..load.parquet import ParquetFeedback

NEAR_THRESHOLD = 0.7       # a bad move of 70 % of a metric's threshold is worth a look before it demands a decision
HIGH_NEAR_THRESHOLD = 0.9
MIN_COMPLAINTS = 10        # complaints in the recent window before a rising share counts
COMPLAINT_POINTS = 10.0    # a rise of this many percentage points of complaint share is material
# a fall this large is material, when no metric computing the score gives its threshold
MATERIAL = {ScoreType.NPS: 10.0, ScoreType.CSAT: 5.0, ScoreType.CES: 0.3}
HIGH_FROM = 30             # answers in each window before a fall can be high: fewer is medium at most
ROWS_KEPT = 50             # rows named per signal, newest first
SEGMENT_COVER = 0.1        # an irritant covers a segment's signal when its evidence is this share of the rows named


class RiskKind(StrEnum):
    SCORE_WORSENING = "score-worsening"     # falling for NPS and CSAT, rising for CES: worse for customers
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
    score_type: ScoreType | None = None   # the score that got worse (score-worsening)
    before: float = 0.0                # score or complaint share % in the earlier window; the metric's previous value
    recent: float = 0.0                # ... in the recent window (the value after); the metric's latest value
    direction: Direction = Direction.UP   # the good way for the value: UP, higher is better (NPS, CSAT); DOWN, lower
    responses: tuple[int, int] = (0, 0)   # a score's answers in the earlier and the recent window
    months: tuple[str, ...] = ()       # the recent window (YYYY-MM, oldest first); a metric: its latest month
    baseline: tuple[str, ...] = ()     # the earlier window; a metric: its previous month
    threshold: float = 0.0             # the metric's threshold
    rows: tuple[str, ...] = ()         # feedback row IDs behind it, newest first (at most ROWS_KEPT)
    row_count: int = 0                 # all of them
    covered_by: tuple[str, ...] = ()   # open irritant IDs that cover it
    coverable_by: tuple[str, ...] = ()   # the irritant IDs, open or not, that would cover it open

    @property
    def subject(self) -> str:
        return self.stage or self.segment or self.metric or ""

    @property
    def delta(self) -> float:
        return round(self.recent - self.before, 2)

    @property
    def covered(self) -> bool:
        return bool(self.covered_by)

    @property
    def higher_is_worse(self) -> bool:
        return self.direction == Direction.DOWN

    @property
    def scores(self) -> tuple[Score, Score] | None:
        """A score-worsening signal's two scores, earlier and recent, to be written as the journey map writes them."""
        if self.score_type is None:
            return None
        return (Score(self.score_type, self.before, self.responses[0]),
                Score(self.score_type, self.recent, self.responses[1]))


@dataclass(frozen=True, slots=True)
class CoverCandidate:
    """What coverage needs to know of an irritant: it covers the signals it matches while it is open."""

    id: str
    stage: str
    rows: frozenset[str]
    metrics: tuple[str, ...] = ()      # metrics whose decisions name it
    is_open: bool = True


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


# the newest rows behind a signal, as (date, ID), newest first, at most ROWS_KEPT; and how many there are
RowsBehind = Callable[[Behind], tuple[tuple[tuple[date, str], ...], int]]


def _newest(rows: Iterable[FeedbackRow]) -> tuple[tuple[date, str], ...]:
    return tuple(sorted(((r.date, r.id) for r in rows), reverse=True))


def _group_signals(behind: RowsBehind, group: Behind, before: Figures, recent: Figures,
                   directions: Mapping[ScoreType, Direction], material: Mapping[ScoreType, float],
                   baseline: tuple[str, ...]) -> list[RiskSignal]:
    stage = group.name if group.column == "journey_stage" else None
    segment = group.name if group.column == "segment" else None
    months = group.months
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
        rows, count = behind(replace(group, score_type=now.score_type, direction=direction))
        found.append(RiskSignal(RiskKind.SCORE_WORSENING, severity, score_type=now.score_type, before=then.value,
                                recent=now.value, direction=direction, responses=(then.responses, now.responses),
                                months=months, baseline=baseline,
                                rows=tuple(key for _, key in rows), row_count=count, stage=stage, segment=segment))
    share, share_before = recent.complaint_share, before.complaint_share
    if share is not None and share_before is not None and recent.complaints >= MIN_COMPLAINTS \
            and before.feedback >= MIN_ANSWERS:
        severity = _severity(round(share - share_before, 6), COMPLAINT_POINTS)
        if severity == RiskLevel.HIGH and min(recent.feedback, before.feedback) < HIGH_FROM:
            severity = RiskLevel.MEDIUM
        if severity is not None:
            rows, count = behind(group)
            found.append(RiskSignal(RiskKind.COMPLAINTS_RISING, severity, before=share_before, recent=share,
                                    direction=Direction.DOWN, months=months, baseline=baseline,
                                    rows=tuple(key for _, key in rows), row_count=count, stage=stage, segment=segment))
    return found


def risk_signals(feedback: Sequence[FeedbackRow], stages: tuple[str, ...], segments: tuple[str, ...],
                 metrics: tuple[Metric, ...], changes: Mapping[str, tuple[Change | None, bool]],
                 today_month: str, risk_months: int,
                 irritants: Iterable[CoverCandidate] = (), *, cells: Mapping[CellKey, Counts] | None = None,
                 stored: ParquetFeedback | None = None) -> tuple[RiskSignal, ...]:
    """changes: metric ID -> (last complete change, whether it already crossed the threshold: then the
    metric-decision rule speaks, not a risk signal). cells: cell_counts of feedback and the Parquet rows over
    (at least) the 2 × risk_months complete months, when the caller has them; stored: the Parquet rows, asked
    for the rows behind each signal and for the irritants those rows are evidence of."""
    both = complete_months(today_month, 2 * risk_months)
    baseline, months = both[:risk_months], both[risk_months:]
    if cells is None:
        cells = cell_counts(feedback, both)
    recent = MonthOf(months)
    grouped: dict[tuple[str, str], list[FeedbackRow]] = defaultdict(list)
    for row in feedback:
        if recent(row.date) is not None:
            grouped[("journey_stage", row.journey_stage)].append(row)
            if row.segment:
                grouped[("segment", row.segment)].append(row)

    def behind(group: Behind) -> tuple[tuple[tuple[date, str], ...], int]:
        found = [row for row in grouped[(group.column, group.name)] if group.matches(row)]
        newest, count = _newest(found)[:ROWS_KEPT], len(found)
        if stored is not None:
            more, more_count = stored.rows_behind(group, ROWS_KEPT)
            newest, count = tuple(sorted(newest + more, reverse=True)[:ROWS_KEPT]), count + more_count
        return newest, count

    directions = {m.compute: m.direction for m in metrics if m.compute is not None}
    material = dict(MATERIAL) | {m.compute: m.threshold for m in metrics if m.compute is not None and m.threshold > 0}

    signals: list[RiskSignal] = []
    for column, names in (("journey_stage", stages), ("segment", segments)):
        for name in names:
            stage, segment = (name, None) if column == "journey_stage" else (None, name)
            signals += _group_signals(behind, Behind(column, name, months),
                                      figures_in(cells, stage=stage, segment=segment, months=baseline),
                                      figures_in(cells, stage=stage, segment=segment, months=months),
                                      directions, material, baseline)
    for metric in metrics:
        change, alarm = changes.get(metric.id, (None, False))
        if change is None or alarm or metric.threshold <= 0:
            continue
        bad = change.delta if metric.direction == Direction.DOWN else -change.delta
        if bad >= NEAR_THRESHOLD * metric.threshold:
            severity = RiskLevel.HIGH if bad >= HIGH_NEAR_THRESHOLD * metric.threshold else RiskLevel.MEDIUM
            signals.append(RiskSignal(RiskKind.METRIC_NEAR_THRESHOLD, severity, metric=metric.id,
                                      before=change.previous.value, recent=change.latest.value,
                                      direction=metric.direction,
                                      months=(change.latest.period,), baseline=(change.previous.period,),
                                      threshold=metric.threshold))
    # the Parquet rows a signal names count as evidence of the irritants that link them, as loaded rows do
    links = stored.irritants_of({key for signal in signals for key in signal.rows}) if stored is not None else {}
    order = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}
    covered = _with_cover(signals, tuple(irritants), links)
    return tuple(sorted(covered, key=lambda s: order[s.severity]))   # stable: stages, segments, metrics


def _with_cover(signals: Sequence[RiskSignal], irritants: tuple[CoverCandidate, ...],
                links: Mapping[str, frozenset[str]]) -> list[RiskSignal]:
    """The signals, each with the irritants that would cover it open, in the irritants' order, and the open ones
    among them. Each row a signal names is looked up once, not once per irritant (10,000 irritants)."""
    named = {key for signal in signals for key in signal.rows}
    behind: dict[str, set[str]] = defaultdict(set)   # row ID -> the irritants it is evidence of
    for irritant in irritants:
        for key in irritant.rows & named:
            behind[key].add(irritant.id)
    for key, linking in links.items():
        behind[key].update(linking)
    place = {irritant.id: number for number, irritant in enumerate(irritants)}
    of_stage: dict[str, set[str]] = defaultdict(set)
    of_metric: dict[str, set[str]] = defaultdict(set)
    for irritant in irritants:
        of_stage[irritant.stage].add(irritant.id)
        for metric in irritant.metrics:
            of_metric[metric].add(irritant.id)
    is_open = {irritant.id for irritant in irritants if irritant.is_open}
    found = []
    for signal in signals:
        # how many of the rows the signal names are each irritant's evidence
        evidence = Counter(key for row in signal.rows for key in behind.get(row, ()) if key in place)
        if signal.segment is not None:
            by = {key for key, count in evidence.items() if count >= SEGMENT_COVER * len(signal.rows)}
        else:
            by = set(evidence)
            by |= of_stage[signal.stage] if signal.stage is not None else set()
            by |= of_metric[signal.metric] if signal.metric is not None else set()
        coverable = tuple(sorted(by, key=place.__getitem__))
        covered = tuple(key for key in coverable if key in is_open)
        found.append(replace(signal, covered_by=covered, coverable_by=coverable) if coverable else signal)
    return found


def worst_first(rows: Iterable[FeedbackRow]) -> tuple[FeedbackRow, ...]:
    """The rows behind a signal as a reader should meet them: complaints first, then the other rows that pulled the
    score down, and last the praise whose score still counts against it (a CSAT 3 saying "Thanks!"); newest first
    within each."""
    order = {FeedbackKind.COMPLAINT: 0, FeedbackKind.PRAISE: 2}
    return tuple(sorted(sorted(rows, key=lambda r: (r.date, r.id), reverse=True),
                        key=lambda r: order.get(r.kind, 1) if r.kind is not None else 1))
