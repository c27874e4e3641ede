"""The journey map's figures: per journey stage and per segment × stage, with the metrics' own definitions.

Every figure here is computed once, from scores.py's formulas: the journey map and the dashboard show the
same objects, so they cannot disagree. A stage's row covers the last complete month (the month a metric's
last change ends on) against the month before; the segment × stage matrix covers the last
`rules.risk_months` complete months, because one segment at one stage in one month is too few answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ..model import Direction, FeedbackKind, FeedbackRow, ScoreType
from ..tallies import WORTH, CellKey, Counts, Tally
from ..text import month_key
from .scores import MIN_ANSWERS, Score, score_of

CLUSTER_POINTS = 10.0      # a cell whose complaint share is this many points above its stage's is a cluster


class Level(StrEnum):
    """How a figure reads at a glance; the page words it and colours it (colour is never the only cue)."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    FEW = "few"            # too few answers to judge


# Bands for scores, on each score's own scale: (good from, poor below) for higher-is-better scores.
# CES on 1–7 is read by the direction of the metric computing it (the example: lower effort is better).
_BANDS_UP = {ScoreType.NPS: (30.0, 0.0), ScoreType.CSAT: (80.0, 60.0), ScoreType.CES: (5.0, 3.5)}
_BANDS_DOWN_CES = (3.0, 4.5)   # good at or below, poor above
COMPLAINT_BANDS = (30.0, 50.0)  # complaint share %: good at or below, poor above


@dataclass(frozen=True, slots=True)
class Figures:
    """One group's feedback over one period: volume, complaints and scores."""

    feedback: int
    complaints: int
    scores: tuple[Score, ...]

    @property
    def complaint_share(self) -> float | None:
        """Complaints as a % of the rows, rounded to 1 decimal; None without rows."""
        return round(100.0 * self.complaints / self.feedback, 1) if self.feedback else None

    def score(self, score_type: ScoreType) -> Score | None:
        return next((s for s in self.scores if s.score_type == score_type), None)


def figures_of(counts: Counts) -> Figures:
    """A group's figures from what its rows add up to."""
    return Figures(counts.feedback, counts.complaints,
                   tuple(score_of(kind, counted) for kind, counted in counts.tallies if counted.responses))


class MonthOf:
    """A row's month (YYYY-MM) when it falls in one of these months, else None; each date worked out once
    (a check reads a million rows: a formatted string per row is seconds)."""

    def __init__(self, months: Iterable[str]):
        self.wanted = set(months)
        self.known: dict[date, str | None] = {}

    def __call__(self, day: date) -> str | None:
        month = self.known.get(day, "")
        if month == "":
            key = month_key(day)
            month = self.known[day] = key if key in self.wanted else None
        return month


def cell_counts(rows: Iterable[FeedbackRow], months: Iterable[str]) -> dict[CellKey, Counts]:
    """The rows dated in these months, counted per month, journey stage and segment (one pass)."""
    month_of = MonthOf(months)
    found: dict[CellKey, list[int]] = {}
    tallies: dict[tuple[CellKey, ScoreType], list[int]] = {}
    complaint = FeedbackKind.COMPLAINT
    for row in rows:
        month = month_of(row.date)
        if month is None:
            continue
        key = (month, row.journey_stage, row.segment or "")
        counted = found.get(key)
        if counted is None:
            counted = found[key] = [0, 0]
        counted[0] += 1
        counted[1] += row.kind == complaint
        kind, value = row.score_type, row.score
        if kind is not None and value is not None and value in WORTH[kind]:
            tally_of = tallies.setdefault((key, kind), [0, 0])
            tally_of[0] += WORTH[kind][value]
            tally_of[1] += 1
    by_key: dict[CellKey, list[tuple[ScoreType, Tally]]] = defaultdict(list)
    for (key, kind), (total, responses) in sorted(tallies.items()):
        by_key[key].append((kind, Tally(total, responses)))
    return {key: Counts(rows_in, complaints, tuple(by_key[key])) for key, (rows_in, complaints) in found.items()}


def add_cells(*counted: Mapping[CellKey, Counts]) -> dict[CellKey, Counts]:
    total: dict[CellKey, Counts] = {}
    for cells in counted:
        for key, counts in cells.items():
            total[key] = total[key] + counts if key in total else counts
    return total


def figures_in(cells: Mapping[CellKey, Counts], month: str | None = None, stage: str | None = None,
               segment: str | None = None, months: Iterable[str] | None = None) -> Figures:
    """The figures of the cells that match: a month (or any of months), a stage, a segment; None matches any."""
    within = set(months) if months is not None else None
    total = Counts()
    for (at_month, at_stage, at_segment), counts in cells.items():
        if (month is None or at_month == month) and (within is None or at_month in within) \
                and (stage is None or at_stage == stage) and (segment is None or at_segment == segment):
            total += counts
    return figures_of(total)


@dataclass(frozen=True, slots=True)
class Trend:
    """A score's move from the previous period to the latest, and whether that is better for customers."""

    score_type: ScoreType | None   # None: the complaint share
    delta: float
    better: bool | None            # None: no change


@dataclass(frozen=True, slots=True)
class StageRow:
    """One journey stage (or all of them) in the latest complete month against the month before."""

    latest: Figures
    previous: Figures
    levels: Mapping[str, Level]    # score type value, or "complaints" -> level of the latest figure
    trends: Mapping[str, Trend]    # same keys; only where both months have enough answers
    open_irritants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cell:
    figures: Figures
    cluster: bool                  # complaint share well above the stage's, on enough rows


@dataclass(frozen=True, slots=True)
class JourneyFacts:
    latest: str                    # YYYY-MM: the last complete month
    previous: str
    stages: Mapping[str, StageRow]      # journey order
    total: StageRow                     # every stage: the same numbers as the dashboard's metrics
    window: tuple[str, ...]             # the matrix's months, oldest first
    matrix: Mapping[str, Mapping[str, Cell]]   # segment -> stage -> cell, site.yaml order
    stage_window: Mapping[str, Figures]        # stage over the matrix's window (the matrix's column totals)


def score_direction(score_type: ScoreType, directions: Mapping[ScoreType, Direction]) -> Direction:
    """Higher is better for NPS and CSAT; CES follows the metric computing it (lower effort is better by default)."""
    if score_type in directions:
        return directions[score_type]
    return Direction.DOWN if score_type == ScoreType.CES else Direction.UP


def level_of(score: Score | None, direction: Direction) -> Level:
    if score is None or score.too_few:
        return Level.FEW
    if score.score_type == ScoreType.CES and direction == Direction.DOWN:
        good, poor = _BANDS_DOWN_CES
        return Level.GOOD if score.value <= good else Level.POOR if score.value > poor else Level.FAIR
    good, poor = _BANDS_UP[score.score_type]
    if direction == Direction.DOWN:   # a team that says lower NPS/CSAT is better: bands do not apply
        return Level.FAIR
    return Level.GOOD if score.value >= good else Level.POOR if score.value < poor else Level.FAIR


def complaint_level(figures: Figures) -> Level:
    share = figures.complaint_share
    if share is None or figures.feedback < MIN_ANSWERS:
        return Level.FEW
    good, poor = COMPLAINT_BANDS
    return Level.GOOD if share <= good else Level.POOR if share > poor else Level.FAIR


def stage_row(latest: Figures, previous: Figures, directions: Mapping[ScoreType, Direction],
              open_irritants: tuple[str, ...] = ()) -> StageRow:
    levels: dict[str, Level] = {}
    trends: dict[str, Trend] = {}
    for score_type in ScoreType:
        direction = score_direction(score_type, directions)
        now, before = latest.score(score_type), previous.score(score_type)
        levels[score_type.value] = level_of(now, direction)
        if now and before and now.responses >= MIN_ANSWERS and before.responses >= MIN_ANSWERS:
            delta = round(now.value - before.value, 2)
            trends[score_type.value] = Trend(score_type, delta, None if delta == 0 else
                                             (delta > 0) == (direction == Direction.UP))
    levels["complaints"] = complaint_level(latest)
    share, share_before = latest.complaint_share, previous.complaint_share
    if share is not None and share_before is not None and min(latest.feedback, previous.feedback) >= MIN_ANSWERS:
        delta = round(share - share_before, 1)
        trends["complaints"] = Trend(None, delta, None if delta == 0 else delta < 0)
    return StageRow(latest, previous, levels, trends, open_irritants)


def previous_month(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def complete_months(today_month: str, count: int) -> tuple[str, ...]:
    """The last `count` complete months before today's month, oldest first."""
    months = [previous_month(today_month)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return tuple(reversed(months))


def journey_facts(cells: Mapping[CellKey, Counts], stages: tuple[str, ...], segments: tuple[str, ...],
                  today_month: str, window_months: int, directions: Mapping[ScoreType, Direction],
                  open_by_stage: Mapping[str, tuple[str, ...]]) -> JourneyFacts:
    """cells: cell_counts of the rows over (at least) the window's months, plus the Parquet rows' (by DuckDB)."""
    latest = previous_month(today_month)
    previous = previous_month(latest)
    window = complete_months(today_month, window_months)
    rows = {stage: stage_row(figures_in(cells, latest, stage), figures_in(cells, previous, stage), directions,
                             open_by_stage.get(stage, ()))
            for stage in stages}
    total = stage_row(figures_in(cells, latest), figures_in(cells, previous), directions,
                      tuple(key for stage in stages for key in open_by_stage.get(stage, ())))
    stage_window = {stage: figures_in(cells, stage=stage, months=window) for stage in stages}
    matrix = {}
    for segment in segments:
        cells_of = {}
        for stage in stages:
            figures = figures_in(cells, stage=stage, segment=segment, months=window)
            share, stage_share = figures.complaint_share, stage_window[stage].complaint_share
            cluster = (figures.feedback >= MIN_ANSWERS and share is not None and stage_share is not None
                       and share >= stage_share + CLUSTER_POINTS)
            cells_of[stage] = Cell(figures, cluster)
        matrix[segment] = cells_of
    return JourneyFacts(latest, previous, rows, total, window, matrix, stage_window)
