"""The employees' view: everything, arranged for the questions people ask.

Who owns what, by when, why, and the evidence — in two clicks from the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from markupsafe import Markup

from ..agenda import Agenda, build_agenda
from ..digest import Digest, recent_digests
from ..facts import (
    DecisionFacts,
    Facts,
    FrictionLedger,
    GroupFacts,
    Inbox,
    IrritantFacts,
    JourneyFacts,
    MetricFacts,
    RiskKind,
    RiskSignal,
    StageEffect,
)
from ..facts.risks import worst_first
from ..facts.scores import metric_digits
from ..history import FileChange
from ..model import (
    OPEN_STATUSES,
    Backlog,
    Decision,
    FeedbackRow,
    Irritant,
    Metric,
    SiteConfig,
    Story,
    Triage,
)
from ..text import humanize, month_key, slugify

RenderMarkdown = Callable[[str], Markup]
SAMPLE_VERBATIMS = 8
UNLINKED_SHOWN = 300
THEMES_SHOWN = 40        # per section of the inbox page; the rest are counted
THEMES_OPEN = 5          # of those, shown whole; the others fold to one line each (a phone scrolls less)
FIXES_SHOWN = 6          # the dashboard's "Did it work?": the most recently closed fixes
RISK_ROWS_SHOWN = 5      # feedback rows shown under a risk signal (the count says how many stand behind it)
RISKS_SHOWN = 5          # the dashboard's risk signals, the most severe; the journey map: as many, or every high one


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
    # the IDs of its decisions due for review: the page's own, not the site's list of due decisions, which holds
    # their bodies (one due decision's body edited would render every irritant page with a decision again)
    decisions_due: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DecisionPage:
    decision: Decision
    facts: DecisionFacts
    body: Markup
    # the decisions it links to (follows, supersedes, superseded_by, and those that follow it up), by ID: the page
    # names them by title, so they are part of its context and a retitled one renders it again (site_gen.incremental)
    linked: Mapping[str, Decision] = field(default_factory=dict)
    # the titles of the irritants it names and its metric's name: the page's own, so that it depends on them alone,
    # not on the whole irritant index or every metric's decisions (an irritant's owner edited would render it again)
    irritant_titles: Mapping[str, str] = field(default_factory=dict)
    metric_name: str | None = None


@dataclass(frozen=True)
class StoryPage:
    story: Story
    body: Markup
    stage: str | None
    irritant_titles: Mapping[str, str] = field(default_factory=dict)   # of the irritants it closes, as a decision's


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    facts: MetricFacts
    decisions: tuple[Decision, ...]     # newest first

    @property
    def digits(self) -> int | None:
        """The decimals its values, threshold and changes are written with (NPS: whole points)."""
        return metric_digits(self.metric)


@dataclass(frozen=True)
class StageView:
    id: str
    name: str              # humanized; the pages word a stage by its id with the label filter, as agenda and digest do
    facts: GroupFacts
    irritants: tuple[IrritantPage, ...]
    stories: tuple[StoryPage, ...]


@dataclass(frozen=True)
class TeamView:
    id: str
    name: str
    irritants: tuple[IrritantPage, ...]
    stories: tuple[StoryPage, ...]


Board = tuple[tuple[str, tuple[tuple[str, tuple[IrritantPage, ...]], ...]], ...]

FILTER_DIMENSIONS = (("team", "Team"), ("owner", "Owner"), ("stage", "Journey stage"), ("segment", "Segment"))


@dataclass(frozen=True)
class BoardFilter:
    """One value to filter the board by: a page of its own (works without JavaScript)."""

    dimension: str      # team, owner, stage or segment
    value: str
    slug: str
    label: str
    count: int

    @property
    def key(self) -> str:
        return f"{self.dimension}:{self.slug}"

    @property
    def in_place(self) -> bool:
        """Whether a script may apply it by hiding cards: a segment also orders the cards and counts its customers
        on each, which only its own page shows (board.js leaves its link a link)."""
        return self.dimension != "segment"

    def matches(self, page: IrritantPage) -> bool:
        return self.value in _values(page, self.dimension)

    def kept(self, open_pages: list[IrritantPage]) -> list[IrritantPage]:
        """The open irritants it keeps, in the board's order; for a segment, those with most of its customers
        first (earliest target first among equals): "which of our open irritants hurt commuters most?"."""
        pages = [page for page in open_pages if self.matches(page)]
        if self.dimension == "segment":
            pages.sort(key=lambda page: -_segment_customers(page, self.value))
        return pages


@dataclass(frozen=True)
class BoardPage:
    path: str
    filter: BoardFilter
    board: Board


@dataclass(frozen=True)
class DigestPage:
    digest: Digest       # worded at render time in internal.language, as `site-gen digest` posts it (publish.internal)


@dataclass(frozen=True)
class InternalSite:
    backlog: Backlog
    today: date
    irritants: tuple[IrritantPage, ...]
    board: Board                              # open irritants: triage -> open status -> pages, by target
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
    agenda: Agenda | None = None
    open_irritants: tuple[IrritantPage, ...] = ()          # earliest target first
    board_filters: tuple[BoardFilter, ...] = ()
    boards: tuple[BoardPage, ...] = ()                      # one page per filter value
    filter_keys: Mapping[str, str] = field(default_factory=dict)   # irritant ID -> its filters' keys, for scripts
    archive: tuple[tuple[str, tuple[IrritantPage, ...]], ...] = ()   # closed month (newest first) -> pages
    journey: JourneyFacts | None = None
    irritant_by_id: Mapping[str, IrritantPage] = field(default_factory=dict)
    inbox: Inbox | None = None                 # the unlinked feedback as themes (facts/themes.py)
    smallest_open: IrritantPage | None = None  # the open irritant with the least evidence, that themes are held to

    @property
    def config(self) -> SiteConfig:
        return self.backlog.config

    # the dashboard's lists, most urgent first, as the agenda takes them (site_gen.facts.meeting): a reader scans
    # the top of a list, so the item 76 days late must not sit under the one a day late
    @property
    def overdue(self) -> tuple[IrritantPage, ...]:
        """Open irritants past their target, the most days late first."""
        return tuple(p for p in self.open_irritants if p.facts.overdue)

    @property
    def unreviewed(self) -> tuple[IrritantPage, ...]:
        """Open irritants not reviewed within the cadence, the longest unreviewed first (then earliest target)."""
        return tuple(sorted((p for p in self.open_irritants if p.facts.unreviewed),
                            key=lambda p: -p.facts.days_since_review))

    @property
    def decisions_due(self) -> tuple[DecisionPage, ...]:
        """Decisions past their review date, the longest overdue first (then newest)."""
        return tuple(sorted((d for d in self.decisions if d.facts.due), key=lambda d: -(d.facts.days_overdue or 0)))


def internal_view(backlog: Backlog, facts: Facts, render_markdown: RenderMarkdown,
                  history: Mapping[str, tuple[FileChange, ...]] | None = None) -> InternalSite:
    history = history or {}
    pages = []
    for irritant in backlog.irritants.values():
        found = facts.irritants[irritant.id]
        rows = found.evidence.rows
        if found.evidence.stored_rows and backlog.stored_feedback is not None:   # the few newest, read by DuckDB
            rows = rows + backlog.stored_feedback.verbatims(irritant.id, SAMPLE_VERBATIMS, facts.as_of)
        pages.append(IrritantPage(
            irritant=irritant, facts=found, summary=render_markdown(irritant.summary or ""),
            # the newest said by as_of: a row dated later (a 2999 typo) would be quoted first for good
            verbatims=tuple(sorted((r for r in rows if r.verbatim and r.date <= facts.as_of),
                                   key=lambda r: (r.date, r.id), reverse=True)[:SAMPLE_VERBATIMS]),
            decisions=tuple(backlog.decisions[key] for key in found.decisions),
            stories=tuple(backlog.stories[key] for key in found.stories),
            history=history.get(irritant.loc.path, ()),
            stage_effect=facts.stage_effects.get(irritant.id),
            decisions_due=frozenset(key for key in found.decisions if facts.decisions[key].due)))
    by_id = {p.irritant.id: p for p in pages}

    open_pages = sorted((p for p in pages if p.facts.is_open), key=lambda p: (-p.facts.lateness, p.irritant.id))
    board = _board(open_pages)
    filters = _filters(open_pages, backlog)
    keys: dict[str, list[str]] = {}
    for f in filter(attrgetter("in_place"), filters):   # the keys board.js filters the cards by
        for page in open_pages:
            if f.matches(page):
                keys.setdefault(page.irritant.id, []).append(f.key)
    boards = tuple(BoardPage(f"board/{f.dimension}/{f.slug}/index.html", f, _board(f.kept(open_pages)))
                   for f in filters)
    closed = sorted((p for p in pages if not p.facts.is_open),
                    key=lambda p: (p.irritant.closed or p.irritant.opened, p.irritant.id), reverse=True)
    archive: dict[str, list[IrritantPage]] = {}
    for page in closed:
        archive.setdefault(month_key(page.irritant.closed or page.irritant.opened), []).append(page)

    metric_names = {metric.id: metric.name for metric in backlog.config.metrics}
    decisions = tuple(DecisionPage(d, facts.decisions[d.id], render_markdown(d.body),
                                   _linked(d, facts.decisions[d.id], backlog.decisions),
                                   _irritant_titles(d.irritants, backlog), metric_names.get(d.metric or ""))
                      for d in sorted(backlog.decisions.values(), key=lambda d: (d.date, d.id),
                                      reverse=True))
    story_pages = tuple(story_page(s, backlog, facts, render_markdown)
                        for s in sorted(backlog.stories.values(), key=lambda s: (s.date, s.id),
                                        reverse=True))

    metrics = tuple(MetricView(metric, facts.metrics[metric.id],
                               tuple(backlog.decisions[key] for key in facts.metrics[metric.id].decisions))
                    for metric in backlog.config.metrics)

    # a stage's or a team's list: its open work first, as the board orders it, then what it closed, newest first
    listed = open_pages + closed
    stages = tuple(StageView(stage, humanize(stage), group,
                             tuple(p for p in listed if p.irritant.journey_stage == stage),
                             tuple(s for s in story_pages if s.stage == stage))
                   for stage, group in facts.stages.items())
    teams = tuple(TeamView(team, humanize(team), tuple(p for p in listed if p.irritant.team == team),
                           tuple(s for s in story_pages
                                 if any(by_id[i].irritant.team == team for i in s.story.irritants if i in by_id)))
                  for team in backlog.config.teams)

    return InternalSite(
        backlog=backlog, today=facts.as_of, irritants=tuple(pages), board=board, decisions=decisions,
        open_irritants=tuple(open_pages), board_filters=filters, boards=boards,
        filter_keys={key: " ".join(values) for key, values in keys.items()},
        archive=tuple((month, tuple(items)) for month, items in archive.items()),
        stories=story_pages, metrics=metrics, stages=stages, teams=teams,
        unlinked=facts.unlinked[:UNLINKED_SHOWN], unlinked_total=facts.unlinked_total,
        open_count=len(facts.open_irritants),
        risks=_risk_views(facts.risks, backlog, by_id),
        journey=facts.journey, irritant_by_id=by_id,
        fixes=tuple(by_id[key] for key in facts.fixes[:FIXES_SHOWN]),
        friction=facts.friction,
        digests=tuple(DigestPage(d) for d in recent_digests(backlog.feedback, backlog.config.journey_stages,
                                                             facts.as_of, stored=backlog.stored_feedback)),
        agenda=build_agenda(facts),
        inbox=facts.themes,
        smallest_open=by_id[facts.themes.smallest_open[0]] if facts.themes.smallest_open else None)


def story_page(story: Story, backlog: Backlog, facts: Facts, render_markdown: RenderMarkdown) -> StoryPage:
    """A story's page (serve's fast path makes an edited story's again with it: site_gen.live)."""
    return StoryPage(story, render_markdown(story.body), facts.stories[story.id].journey_stage,
                     _irritant_titles(story.irritants, backlog))


def _linked(decision: Decision, found: DecisionFacts, decisions: Mapping[str, Decision]) -> dict[str, Decision]:
    """The decisions a decision's page links to, by ID (an unknown one, a reference error, is left out)."""
    ids = (decision.follows, decision.supersedes, decision.superseded_by, *found.followed_by)
    return {key: decisions[key] for key in ids if key is not None and key in decisions}


def _irritant_titles(ids: Iterable[str], backlog: Backlog) -> dict[str, str]:
    """The titles of the named irritants that exist (an unknown one, a reference error, reads as its ID)."""
    return {key: backlog.irritants[key].title or key for key in ids if key in backlog.irritants}


def _board(open_pages: list[IrritantPage]) -> Board:
    """Triage groups that hold open irritants, a column per open status; pages keep their order (earliest target
    first)."""
    groups = []
    for triage in Triage:
        in_group = [p for p in open_pages if p.irritant.triage == triage]
        if in_group:
            groups.append((str(triage), tuple((str(status), tuple(p for p in in_group if p.irritant.status == status))
                                              for status in OPEN_STATUSES)))
    return tuple(groups)


def _values(page: IrritantPage, dimension: str) -> tuple[str, ...]:
    irritant = page.irritant
    if dimension == "team":
        return (irritant.team,)
    if dimension == "owner":
        return (irritant.owner,) if irritant.owner else ()
    if dimension == "stage":
        return (irritant.journey_stage,)
    return tuple(reach.segment for reach in page.facts.evidence.segments)   # those of its customers


def _segment_customers(page: IrritantPage, segment: str) -> int:
    reach = page.facts.reach(segment)
    return reach.customers if reach is not None else 0


def _filters(open_pages: list[IrritantPage], backlog: Backlog) -> tuple[BoardFilter, ...]:
    config = backlog.config
    found = []
    for dimension, _ in FILTER_DIMENSIONS:
        counts: dict[str, int] = {}
        for page in open_pages:
            for value in _values(page, dimension):
                counts[value] = counts.get(value, 0) + 1
        order = {"team": config.teams, "stage": config.journey_stages, "segment": config.segments}.get(dimension)
        values = [v for v in order if v in counts] if order else sorted(counts, key=str.casefold)
        slugs: set[str] = set()
        for value in values:
            slug = base = slugify(value, dimension)
            number = 1
            while slug in slugs:  # two owners whose names differ only in accents or punctuation
                number += 1
                slug = f"{base}-{number}"
            slugs.add(slug)
            found.append(BoardFilter(dimension, value, slug, value if dimension == "owner" else humanize(value),
                                     counts[value]))
    return tuple(found)


@dataclass(frozen=True)
class RiskView:
    """A risk signal with what the page needs to word it: names, its feedback rows, the irritants covering it."""

    signal: RiskSignal
    name: str                              # the metric's name, or the stage or segment humanized (the pages
                                           # word those by ID with the label filter, as agenda and digest do)
    unit: str                              # the metric's unit; % for a complaint share
    rows: tuple[FeedbackRow, ...]          # complaints first, then newest (worst_first), at most RISK_ROWS_SHOWN
    irritants: tuple[IrritantPage, ...]    # open irritants that cover it
    link: str | None = None                # the stage's page
    digits: int | None = None              # the metric's decimals (metric_digits: NPS in whole points)


def _risk_views(signals: tuple[RiskSignal, ...], backlog: Backlog,
                pages: Mapping[str, IrritantPage]) -> tuple[RiskView, ...]:
    wanted = {row_id for signal in signals for row_id in signal.rows}   # all named: the complaints come first
    rows = {row.id: row for row in backlog.feedback if row.id in wanted}
    if backlog.stored_feedback is not None:   # the few shown, read by DuckDB
        rows |= backlog.stored_feedback.rows_by_id(wanted - rows.keys())
    metrics = {m.id: m for m in backlog.config.metrics}
    views = []
    for signal in signals:
        digits = None
        if signal.metric is not None:
            name, unit = metrics[signal.metric].name, metrics[signal.metric].unit
            digits = metric_digits(metrics[signal.metric])
        else:
            name, unit = humanize(signal.subject), "%" if signal.kind == RiskKind.COMPLAINTS_RISING else ""
        views.append(RiskView(signal, name, unit, worst_first(rows[key] for key in signal.rows)[:RISK_ROWS_SHOWN],
                              tuple(pages[key] for key in signal.covered_by if key in pages),
                              f"stages/{signal.stage}/index.html" if signal.stage else None, digits))
    return tuple(views)
