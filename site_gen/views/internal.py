"""The employees' view: everything, arranged for the questions people ask.

Who owns what, by when, why, and the evidence — in two clicks from the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from ..digest import Digest, digest_body, recent_digests
from ..facts import (
    DecisionFacts,
    Facts,
    FrictionLedger,
    GroupFacts,
    IrritantFacts,
    MetricFacts,
    RiskSignal,
    StageEffect,
)
from ..history import FileChange
from ..model import Backlog, Decision, FeedbackRow, Irritant, IrritantStatus, Metric, SiteConfig, Story, Triage
from ..text import humanize

RenderMarkdown = Callable[[str], Markup]
SAMPLE_VERBATIMS = 8
UNLINKED_SHOWN = 300
FIXES_SHOWN = 6          # the dashboard's "Did it work?": the most recently closed fixes


@dataclass(frozen=True)
class IrritantPage:
    irritant: Irritant
    facts: IrritantFacts
    summary: Markup
    verbatims: tuple[FeedbackRow, ...]
    decisions: tuple[Decision, ...]
    stories: tuple[Story, ...]
    history: tuple[FileChange, ...]
    stage_effect: StageEffect | None = None    # its journey stage's scores over the effect windows


@dataclass(frozen=True)
class DecisionPage:
    decision: Decision
    facts: DecisionFacts
    body: Markup


@dataclass(frozen=True)
class StoryPage:
    story: Story
    body: Markup
    stage: str | None


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    facts: MetricFacts
    decisions: tuple[Decision, ...]     # newest first


@dataclass(frozen=True)
class StageView:
    id: str
    name: str
    facts: GroupFacts
    irritants: tuple[IrritantPage, ...]
    stories: tuple[StoryPage, ...]


@dataclass(frozen=True)
class TeamView:
    id: str
    name: str
    irritants: tuple[IrritantPage, ...]
    stories: tuple[StoryPage, ...]


@dataclass(frozen=True)
class DigestPage:
    digest: Digest
    html: Markup         # the same markdown `site-gen digest` posts to the team chat, below its headline


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
    risks: tuple[RiskView, ...] = field(default=())
    fixes: tuple[IrritantPage, ...] = field(default=())     # most recently closed done irritants first
    friction: FrictionLedger | None = None
    digests: tuple[DigestPage, ...] = field(default=())   # newest week first

    @property
    def config(self) -> SiteConfig:
        return self.backlog.config

    @property
    def overdue(self) -> tuple[IrritantPage, ...]:
        return tuple(p for p in self.irritants if p.facts.overdue)

    @property
    def unreviewed(self) -> tuple[IrritantPage, ...]:
        return tuple(p for p in self.irritants if p.facts.unreviewed)

    @property
    def decisions_due(self) -> tuple[DecisionPage, ...]:
        return tuple(d for d in self.decisions if d.facts.due)


def internal_view(backlog: Backlog, facts: Facts, render_markdown: RenderMarkdown,
                  history: Mapping[str, tuple[FileChange, ...]] | None = None) -> InternalSite:
    history = history or {}
    pages = []
    for irritant in backlog.irritants.values():
        found = facts.irritants[irritant.id]
        rows = found.evidence.rows
        pages.append(IrritantPage(
            irritant=irritant, facts=found, summary=render_markdown(irritant.summary or ""),
            verbatims=tuple(sorted((r for r in rows if r.verbatim), key=lambda r: (r.date, r.id),
                                   reverse=True)[:SAMPLE_VERBATIMS]),
            decisions=tuple(backlog.decisions[key] for key in found.decisions),
            stories=tuple(backlog.stories[key] for key in found.stories),
            history=history.get(irritant.loc.path, ()),
            stage_effect=facts.stage_effects.get(irritant.id)))
    by_id = {p.irritant.id: p for p in pages}

    board = tuple(
        (triage, tuple((status, tuple(p for p in pages if p.irritant.triage == triage and p.irritant.status == status))
                       for status in IrritantStatus))
        for triage in Triage)

    decisions = tuple(DecisionPage(d, facts.decisions[d.id], render_markdown(d.body))
                      for d in sorted(backlog.decisions.values(), key=lambda d: (d.date, d.id),
                                      reverse=True))
    story_pages = tuple(StoryPage(s, render_markdown(s.body), facts.stories[s.id].journey_stage)
                        for s in sorted(backlog.stories.values(), key=lambda s: (s.date, s.id),
                                        reverse=True))

    metrics = tuple(MetricView(metric, facts.metrics[metric.id],
                               tuple(backlog.decisions[key] for key in facts.metrics[metric.id].decisions))
                    for metric in backlog.config.metrics)

    stages = tuple(StageView(stage, humanize(stage), group,
                             tuple(p for p in pages if p.irritant.journey_stage == stage),
                             tuple(s for s in story_pages if s.stage == stage))
                   for stage, group in facts.stages.items())
    teams = tuple(TeamView(team, humanize(team), tuple(p for p in pages if p.irritant.team == team),
                           tuple(s for s in story_pages
                                 if any(by_id[i].irritant.team == team for i in s.story.irritants if i in by_id)))
                  for team in backlog.config.teams)

    return InternalSite(
        backlog=backlog, today=facts.as_of, irritants=tuple(pages), board=board, decisions=decisions,
        stories=story_pages, metrics=metrics, stages=stages, teams=teams,
        unlinked=facts.unlinked[:UNLINKED_SHOWN], unlinked_total=len(facts.unlinked),
        open_count=len(facts.open_irritants),
        risks=tuple(_risk_view(signal, backlog) for signal in facts.risks),
        fixes=tuple(by_id[key] for key in facts.fixes[:FIXES_SHOWN]),
        friction=facts.friction,
        digests=tuple(DigestPage(d, render_markdown(digest_body(d)))
                      for d in recent_digests(backlog.feedback, backlog.config.journey_stages, facts.as_of)))


@dataclass(frozen=True)
class RiskView:
    title: str
    detail: str
    link: str | None = None


def _risk_view(signal: RiskSignal, backlog: Backlog) -> RiskView:
    if signal.kind == "complaints-rising":
        return RiskView(f"Complaints rising at {humanize(signal.subject)}",
                        f"{signal.recent:.0f} complaints in the last 30 days against {signal.before:.0f} a month "
                        "before.", f"stages/{signal.subject}/index.html")
    metric = next(m for m in backlog.config.metrics if m.id == signal.subject)
    return RiskView(f"{metric.name} close to its threshold",
                    f"moved {signal.recent:+g}{metric.unit} in {signal.period}; "
                    f"a move of {signal.before:g}{metric.unit} demands a decision.")
