"""The employees' view: everything, arranged for the questions people ask.

Who owns what, by when, why, and the evidence — in two clicks from the dashboard.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from markupsafe import Markup

from ..evidence import distinct_customers, rows_by_irritant, story_journey_stage
from ..fields import IRRITANT_STATUS, TRIAGE
from ..history import FileChange
from ..metrics import Change, crosses_threshold, last_complete_change, metric_series
from ..model import Backlog, Decision, FeedbackRow, Irritant, Metric, SeriesPoint, Story
from ..text import humanize

RenderMarkdown = Callable[[str], Markup]
SAMPLE_VERBATIMS = 8
UNLINKED_SHOWN = 300


@dataclass(frozen=True)
class IrritantPage:
    irritant: Irritant
    summary: Markup
    evidence_rows: int
    customers: int
    segments: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    verbatims: tuple[FeedbackRow, ...]
    decisions: tuple[Decision, ...]
    stories: tuple[Story, ...]
    history: tuple[FileChange, ...]
    age_days: int | None
    overdue: bool
    unreviewed: bool


@dataclass(frozen=True)
class DecisionPage:
    decision: Decision
    body: Markup
    due: bool


@dataclass(frozen=True)
class StoryPage:
    story: Story
    body: Markup
    stage: str | None


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    series: tuple[SeriesPoint, ...]
    change: Change | None
    alarm: bool
    decisions: tuple[Decision, ...]


@dataclass(frozen=True)
class StageView:
    id: str
    name: str
    feedback: int
    complaints: int
    scores: tuple[tuple[str, float, int], ...]   # (score type, mean, responses)
    irritants: tuple[IrritantPage, ...]
    stories: tuple[StoryPage, ...]


@dataclass(frozen=True)
class TeamView:
    id: str
    name: str
    irritants: tuple[IrritantPage, ...]
    stories: tuple[StoryPage, ...]


@dataclass(frozen=True)
class RiskSignal:
    title: str
    detail: str
    link: str | None = None


@dataclass(frozen=True)
class InternalSite:
    backlog: Backlog
    today: date
    irritants: tuple[IrritantPage, ...]
    board: tuple[tuple[str, tuple[tuple[str, tuple[IrritantPage, ...]], ...]], ...]  # triage -> status -> pages
    decisions: tuple[DecisionPage, ...]
    stories: tuple[StoryPage, ...]
    metrics: tuple[MetricView, ...]
    stages: tuple[StageView, ...]
    teams: tuple[TeamView, ...]
    unlinked: tuple[FeedbackRow, ...]
    unlinked_total: int
    open_count: int
    risks: tuple[RiskSignal, ...] = field(default=())

    @property
    def config(self):
        return self.backlog.config

    @property
    def overdue(self) -> tuple[IrritantPage, ...]:
        return tuple(p for p in self.irritants if p.overdue)

    @property
    def unreviewed(self) -> tuple[IrritantPage, ...]:
        return tuple(p for p in self.irritants if p.unreviewed)

    @property
    def decisions_due(self) -> tuple[DecisionPage, ...]:
        return tuple(d for d in self.decisions if d.due)


def internal_view(backlog: Backlog, today: date, render_markdown: RenderMarkdown,
                  history: Mapping[str, tuple[FileChange, ...]] | None = None) -> InternalSite:
    history = history or {}
    rules = backlog.config.rules
    evidence = rows_by_irritant(backlog)
    decisions_of: dict[str, list[Decision]] = defaultdict(list)
    for decision in backlog.decisions.values():
        for irritant_id in decision.irritants:
            decisions_of[irritant_id].append(decision)
    stories_of: dict[str, list[Story]] = defaultdict(list)
    for story in backlog.stories.values():
        for irritant_id in story.irritants:
            stories_of[irritant_id].append(story)

    pages = []
    for irritant in backlog.irritants.values():
        rows = evidence.get(irritant.id, ())
        last_review = irritant.reviewed or irritant.opened
        pages.append(IrritantPage(
            irritant=irritant, summary=render_markdown(irritant.summary or ""),
            evidence_rows=len(rows), customers=distinct_customers(rows),
            segments=tuple(Counter(r.segment for r in rows if r.segment).most_common()),
            sources=tuple(Counter(r.source for r in rows if r.source).most_common()),
            verbatims=tuple(sorted((r for r in rows if r.verbatim), key=lambda r: (r.date or date.min, r.id),
                                   reverse=True)[:SAMPLE_VERBATIMS]),
            decisions=tuple(sorted(decisions_of[irritant.id], key=lambda d: (d.date or date.min, d.id))),
            stories=tuple(sorted(stories_of[irritant.id], key=lambda s: (s.date or date.min, s.id))),
            history=history.get(irritant.loc.path, ()),
            age_days=(today - irritant.opened).days if irritant.opened else None,
            overdue=irritant.is_open and irritant.target is not None and irritant.target < today,
            unreviewed=irritant.is_open and last_review is not None
            and (today - last_review).days > rules.review_every_days))
    by_id = {p.irritant.id: p for p in pages}

    board = tuple(
        (triage, tuple((status, tuple(p for p in pages if p.irritant.triage == triage and p.irritant.status == status))
                       for status in IRRITANT_STATUS))
        for triage in TRIAGE)

    decisions = tuple(DecisionPage(d, render_markdown(d.body),
                                   due=d.status == "active" and d.review_on is not None and d.review_on < today)
                      for d in sorted(backlog.decisions.values(), key=lambda d: (d.date or date.min, d.id),
                                      reverse=True))
    story_pages = tuple(StoryPage(s, render_markdown(s.body), story_journey_stage(s, backlog))
                        for s in sorted(backlog.stories.values(), key=lambda s: (s.date or date.min, s.id),
                                        reverse=True))

    metrics = []
    for metric in backlog.config.metrics:
        series = metric_series(metric, backlog.feedback)
        change = last_complete_change(series, today)
        metrics.append(MetricView(
            metric, series, change, alarm=change is not None and crosses_threshold(metric, change),
            decisions=tuple(d for d in sorted(backlog.decisions.values(), key=lambda d: (d.date or date.min, d.id),
                                              reverse=True) if d.metric == metric.id)))

    linked = {row.id for rows in evidence.values() for row in rows}
    unlinked = sorted((r for r in backlog.feedback if r.id not in linked),
                      key=lambda r: (r.date or date.min, r.id), reverse=True)

    stages = tuple(_stage_view(stage, backlog, pages, story_pages) for stage in backlog.config.journey_stages)
    teams = tuple(TeamView(team, humanize(team), tuple(p for p in pages if p.irritant.team == team),
                           tuple(s for s in story_pages
                                 if any(by_id[i].irritant.team == team for i in s.story.irritants if i in by_id)))
                  for team in backlog.config.teams)

    return InternalSite(
        backlog=backlog, today=today, irritants=tuple(pages), board=board, decisions=decisions,
        stories=story_pages, metrics=tuple(metrics), stages=stages, teams=teams,
        unlinked=tuple(unlinked[:UNLINKED_SHOWN]), unlinked_total=len(unlinked),
        open_count=sum(p.irritant.is_open for p in pages),
        risks=tuple(_risk_signals(backlog, today, metrics)))


def _stage_view(stage: str, backlog: Backlog, pages, story_pages) -> StageView:
    rows = [r for r in backlog.feedback if r.journey_stage == stage]
    scores: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.score_type and row.score is not None:
            scores[row.score_type].append(row.score)
    return StageView(
        id=stage, name=humanize(stage), feedback=len(rows), complaints=sum(r.kind == "complaint" for r in rows),
        scores=tuple((kind, round(sum(values) / len(values), 2), len(values))
                     for kind, values in sorted(scores.items())),
        irritants=tuple(p for p in pages if p.irritant.journey_stage == stage),
        stories=tuple(s for s in story_pages if s.stage == stage))


def _risk_signals(backlog: Backlog, today: date, metrics: list[MetricView]) -> list[RiskSignal]:
    """Early warnings: complaints rising at a stage, metrics close to their threshold."""
    signals = []
    recent_start = today - timedelta(days=30)
    before_start = today - timedelta(days=120)
    recent: Counter[str] = Counter()
    before: Counter[str] = Counter()
    for row in backlog.feedback:
        if row.kind != "complaint" or row.date is None or row.journey_stage is None or row.date > today:
            continue
        if row.date >= recent_start:
            recent[row.journey_stage] += 1
        elif row.date >= before_start:
            before[row.journey_stage] += 1
    for stage in backlog.config.journey_stages:
        monthly_before = before[stage] / 3
        if recent[stage] >= 10 and recent[stage] >= 1.5 * max(monthly_before, 1):
            signals.append(RiskSignal(
                f"Complaints rising at {humanize(stage)}",
                f"{recent[stage]} complaints in the last 30 days against {monthly_before:.0f} a month before.",
                f"stages/{stage}/index.html"))
    for view in metrics:
        if view.change and not view.alarm and abs(view.change.delta) >= 0.7 * view.metric.threshold > 0:
            signals.append(RiskSignal(
                f"{view.metric.name} close to its threshold",
                f"moved {view.change.delta:+g}{view.metric.unit} in {view.change.latest.period}; "
                f"a move of {view.metric.threshold:g}{view.metric.unit} demands a decision."))
    return signals

