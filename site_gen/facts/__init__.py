"""What the backlog means as of a date, derived once: rules and views read these facts.

`derive_facts(backlog, as_of)` is a pure function. Every judgement a rule and a
page both need — is this irritant overdue, is this decision due, how did this
metric move, how do customers score this journey stage — is answered here and
nowhere else, so `check` and the dashboard cannot disagree.

Facts are keyed by record ID, and each record's facts come from a small
function of that record and what links to it (its evidence rows, the decisions
and stories that name it): one changed file only changes the facts of the
records it touches. Facts about the whole feedback (journey stages, segments,
the unlinked inbox) are computed on first use, so `check` does not pay for
what only the sites show.

Feedback kept in DuckDB (site_gen/load/parquet.py) is asked for aggregates, not
read row by row. From THEMES_FORK_FROM inbox rows, `build` groups the inbox's
themes in a forked worker (site_gen.parallel, `Facts.start_themes`) while it
renders; the themes are the same either way.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cached_property
from itertools import islice
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

from ..model import (
    Backlog,
    Decision,
    DecisionKind,
    DecisionOutcome,
    DecisionStatus,
    FeedbackKind,
    FeedbackRow,
    Irritant,
    IrritantStatus,
    Metric,
    Rules,
    ScoreType,
    SeriesPoint,
    Story,
    Triage,
)
from ..parallel import Pool, can_fork, fork_pool, shared
from ..tallies import CellKey, Counts, Tally
from ..text import month_key
from .addresses import Addresses, late_public, public_addresses
from .dated_later import DatedLater, dated_later
from .effect import (
    NEWEST_NAMED,
    Effect,
    Recurrence,
    StageEffect,
    Trend,
    complaint_days,
    effect_of,
    newest_complaints,
    recurrence_of,
    recurrence_since,
    recurrence_window,
    rows_by_stage,
    stage_effect,
)
from .evidence import NO_EVIDENCE, Evidence, SegmentReach, rows_by_irritant
from .friction import FrictionLedger, adds_unexplained_steps, friction_ledger
from .journey import JourneyFacts, add_cells, cell_counts, complete_months, journey_facts
from .loop import NotifyAudience, StoryLoop, audience_of, contact_consent, ledger_states, story_loop
from .risks import CoverCandidate, RiskKind, RiskLevel, RiskSignal, risk_signals
from .scores import (
    Change,
    RunningScores,
    Score,
    crosses_threshold,
    last_complete_change,
    metric_series,
    running_scores_by,
    score_of,
    stale_days,
    tally,
)
from .stored import Consent, StoredAnswers, ask, ask_consent
from .themes import THEMED_ROWS, Inbox, Theme, Verbatim, groups_key, has_words, inbox_themes, theme_groups

if TYPE_CHECKING:
    from ..load.parquet import ParquetFeedback, StoredEvidence

WEEK = 7  # days between two weekly meetings
THEMES_FORK_FROM = 50_000   # inbox rows with words; below this a worker process costs more than it saves
UNLINKED_READ = 1_000   # unlinked rows listed, newest first (the inbox page shows 300; unlinked_total counts all)

_Dated = TypeVar("_Dated", Decision, Story)

__all__ = ["Addresses", "Facts", "IrritantFacts", "Schedule", "DecisionFacts", "DecisionReview", "StoryFacts",
           "MetricFacts", "GroupFacts", "Evidence", "SegmentReach", "Score", "Change", "RiskSignal", "RiskKind",
           "RiskLevel", "JourneyFacts", "NotifyAudience", "StoryLoop", "Effect", "Recurrence", "StageEffect", "Trend",
           "FrictionLedger", "Inbox", "Theme", "DatedLater", "decision_review", "derive_facts", "schedule_of"]


@dataclass(frozen=True, slots=True)
class Schedule:
    """What an irritant's own status and dates mean as of a date: made from the irritant alone, so an irritant
    edited in its own fields is judged again from it without the rest of the backlog (site_gen.record_edits)."""

    is_open: bool                  # open or in progress: counts against rules.max_open
    declined: bool                 # triaged or closed as declined
    last_review: date              # reviewed, else opened
    days_since_review: int
    unreviewed: bool               # open and not reviewed within rules.review_every_days
    days_late: int | None          # open and past its target: how many days
    age_days: int                  # days it has been open: to as_of, or to `closed` once closed
    days_to_target: int | None     # open with a target on or after as_of: days left (0 = today)
    target_this_week: bool         # open and its target falls within the next 7 days (before next week's meeting)

    @property
    def overdue(self) -> bool:
        return self.days_late is not None

    @property
    def lateness(self) -> int:
        """Days past target (negative: days left); the board sorts by it, most late (earliest target) first. No target
        sorts last."""
        if self.days_late is not None:
            return self.days_late
        if self.days_to_target is not None:
            return -self.days_to_target
        return -(10 ** 6)


def schedule_of(irritant: Irritant, as_of: date, rules: Rules) -> Schedule:
    is_open = irritant.is_open
    last_review = irritant.reviewed or irritant.opened
    since_review = (as_of - last_review).days
    late = (as_of - irritant.target).days if irritant.target is not None else None
    # a closed irritant stopped ageing the day it closed ("6525 days old" for an item done years ago)
    ended = irritant.closed if not is_open and irritant.closed is not None else as_of
    return Schedule(
        is_open=is_open,
        declined=irritant.status == IrritantStatus.DECLINED or irritant.triage == Triage.DECLINE,
        last_review=last_review,
        days_since_review=since_review,
        unreviewed=is_open and since_review > rules.review_every_days,
        days_late=late if is_open and late is not None and late > 0 else None,
        age_days=max(0, (ended - irritant.opened).days),
        days_to_target=-late if is_open and late is not None and late <= 0 else None,
        target_this_week=is_open and late is not None and -WEEK < late <= 0)


_SCHEDULE = tuple(item.name for item in fields(Schedule))


@dataclass(frozen=True, slots=True)
class IrritantFacts(Schedule):
    """Its schedule, then what its evidence, decisions and stories say."""

    evidence: Evidence
    decisions: tuple[str, ...]     # IDs, oldest first
    stories: tuple[str, ...]       # IDs, oldest first
    late_public: bool = False      # open after its target month: the public site says "later than planned"
    effect: Effect | None = None   # done with a closed date: linked complaints before and after
    recurrence: Recurrence | None = None   # done, and complaints keep coming after the grace period
    loop_open_days: int | None = None      # done with evidence, no story, closed longer than story_within_days

    @property
    def loop_open(self) -> bool:
        return self.loop_open_days is not None

    def reach(self, segment: str) -> SegmentReach | None:
        """How many of its customers are of this segment; None when none is."""
        return next((found for found in self.evidence.segments if found.segment == segment), None)


@dataclass(frozen=True, slots=True)
class DecisionReview:
    """When a decision is due and what it asks of customers: made from the decision alone (site_gen.record_edits)."""

    days_overdue: int | None       # past review_on with no outcome (or too-early), not superseded: how many days
    adds_unexplained_steps: bool = False   # adds customer steps without an arbitration that says why

    @property
    def due(self) -> bool:
        return self.days_overdue is not None


@dataclass(frozen=True, slots=True)
class DecisionFacts(DecisionReview):
    followed_by: tuple[str, ...] = ()   # IDs of decisions that name this one in `follows`


@dataclass(frozen=True, slots=True)
class StoryFacts:
    journey_stage: str | None      # its own, else its irritants' when they agree on one
    customers: int                 # distinct customers behind its irritants
    scheduled: bool = False        # dated after as_of: held back from the public site until its date


@dataclass(frozen=True, slots=True)
class MetricFacts:
    series: tuple[SeriesPoint, ...]
    change: Change | None          # between the last two complete months
    alarm: bool                    # that change crosses the threshold
    answered: bool                 # a metric-response decision dated in or after the later month
    decisions: tuple[str, ...]     # IDs of decisions about this metric, newest first
    stale_days: int | None = None  # its last data point's month ended more than rules.metric_stale_days ago


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """Feedback about one journey stage or one segment."""

    feedback: int
    complaints: int
    scores: tuple[Score, ...]


@dataclass(frozen=True)
class Kept:
    """What earlier runs worked out that the facts take instead of working it out again (site_gen.incremental
    keeps it), each only where it still holds."""

    # where the inbox's theme groups are kept, by the hash of the rows they group (groups_key): build's cache,
    # read when the themes are asked for (check never asks); this run's are kept there in their place
    themes: Callable[[], dict[bytes, list[list[int]]]] | None = None
    # DuckDB's answers of an earlier run (facts/stored.py), taken when asked of the same rows: those of the feedback
    # files and site.yaml that hash as `feedback` (without it, none is taken)
    answers: StoredAnswers | None = None
    feedback: bytes = b""


NOTHING_KEPT = Kept()


@dataclass(frozen=True)
class Facts:
    as_of: date
    backlog: Backlog
    irritants: Mapping[str, IrritantFacts]
    decisions: Mapping[str, DecisionFacts]
    loaded_customers: frozenset[str]   # every customer value of the loaded rows (not of those in DuckDB)
    # the themes being grouped in a worker process (start_themes): its future, until `themes` takes it
    _background: list[tuple[Pool, Future[list[list[int]]]]] = field(default_factory=list, compare=False, repr=False)
    # what earlier runs worked out, taken where it still holds (the theme groups: this run's are kept there)
    kept: Kept = field(default_factory=lambda: NOTHING_KEPT, compare=False, repr=False)
    # DuckDB's answers about the rows it holds, as this run took them (a cached check keeps them for the next)
    answers: StoredAnswers | None = field(default=None, compare=False, repr=False)
    # customer -> the date of their newest contact_ok in DuckDB and what it says (stored.ask_consent)
    stored_consent: Consent | None = field(default=None, compare=False, repr=False)

    @cached_property
    def stories(self) -> Mapping[str, StoryFacts]:
        """Story ID -> its journey stage and the customers behind it: asked by the sites and notify, never by a
        rule, so check does not pay for them (10,000 stories: a quarter of a second)."""
        backlog = self.backlog
        customers_of: dict[str, frozenset[str]] = {}   # once per irritant, not once per story naming it
        for story in backlog.stories.values():
            for irritant_id in story.irritants:
                if irritant_id not in customers_of and irritant_id in self.irritants:
                    customers_of[irritant_id] = self.irritants[irritant_id].evidence.customer_references
        return {story.id: story_facts(story, backlog.irritants, customers_of, self.as_of)
                for story in backlog.stories.values()}

    @cached_property
    def customer_references(self) -> frozenset[str]:
        """Every customer value in the feedback, loaded or in DuckDB (the public-safety rule looks the latter up
        in DuckDB instead: a million rows' values take seconds to read)."""
        store = self.backlog.stored_feedback
        return self.loaded_customers | store.customers() if store is not None else self.loaded_customers

    @cached_property
    def dated_later(self) -> Mapping[str, DatedLater]:
        """Feedback file -> its rows dated after as_of (a typo in the year, or a past day replayed), by path."""
        return dated_later(self.backlog.feedback, self.backlog.stored_feedback, self.as_of)

    @cached_property
    def metrics(self) -> Mapping[str, MetricFacts]:
        """Metric ID -> its series, last change and alarm: asked once the facts are made, so a build starts
        grouping the inbox's themes before it (a million rows: the metric's monthly scan is 0.4 s)."""
        return {metric.id: metric_facts(metric, self.backlog, self.as_of) for metric in self.backlog.config.metrics}

    @property
    def open_irritants(self) -> tuple[str, ...]:
        return tuple(key for key, facts in self.irritants.items() if facts.is_open)

    @cached_property
    def addresses(self) -> Addresses:
        """Where each published story and item lives on the public site (slugs, derived slugs, aliases)."""
        return public_addresses(self.backlog)

    def keep_addresses(self, addresses: Addresses) -> None:
        """The addresses public_addresses made of this backlog elsewhere (the address rules, run beside the facts:
        site_gen.rules.records), kept as `addresses` rather than made again (0.2 s at 10,000 stories)."""
        self.__dict__.setdefault("addresses", addresses)   # where cached_property keeps its value

    @cached_property
    def stages(self) -> Mapping[str, GroupFacts]:
        """Journey stage -> its feedback volume, complaints and scores, in journey order."""
        return _groups(self.backlog, "journey_stage", self.backlog.config.journey_stages, self.as_of)

    @cached_property
    def segments(self) -> Mapping[str, GroupFacts]:
        return _groups(self.backlog, "segment", self.backlog.config.segments, self.as_of)

    @cached_property
    def stage_effects(self) -> Mapping[str, StageEffect]:
        """Done irritant ID -> its journey stage's scores (and segments) over its effect windows."""
        by_stage = rows_by_stage(self.backlog.feedback)
        segments = self.backlog.config.segments
        running: dict[str, Mapping[str | None, RunningScores]] = {}
        store = self.backlog.stored_feedback
        judged = {self.backlog.irritants[key].journey_stage for key, facts in self.irritants.items()
                  if facts.effect is not None and facts.effect.weeks}
        stored = store.day_tallies(judged) if store is not None else {}   # Parquet rows: each day's tallies

        def scores_of_stage(stage: str) -> Mapping[str | None, RunningScores]:
            if stage not in running:
                running[stage] = running_scores_by(by_stage.get(stage, ()), segments, stored.get(stage, ()))
            return running[stage]
        return {key: stage_effect(facts.effect, irritant.journey_stage, scores_of_stage(irritant.journey_stage),
                                  segments)
                for key, facts in self.irritants.items()
                if facts.effect is not None and facts.effect.weeks
                for irritant in (self.backlog.irritants[key],)}

    @property
    def fixes(self) -> tuple[str, ...]:
        """Done irritants with a closed date on or before as_of, most recently closed first."""
        closed = [(self.backlog.irritants[key].closed, key) for key, facts in self.irritants.items()
                  if facts.effect is not None]
        return tuple(key for _, key in sorted(closed, reverse=True))

    @cached_property
    def friction(self) -> FrictionLedger:
        """Net customer steps removed by decisions, per journey stage and month."""
        config = self.backlog.config
        return friction_ledger(self.backlog.decisions.values(), self.backlog.irritants, config.journey_stages)

    @cached_property
    def risks(self) -> tuple[RiskSignal, ...]:
        """Direction-aware risk signals, most severe first, each with the open irritants that cover it (and those that
        would, were they open)."""
        config = self.backlog.config
        changes = {key: (facts.change, facts.alarm) for key, facts in self.metrics.items()}
        metrics_of: dict[str, list[str]] = defaultdict(list)
        for decision in self.backlog.decisions.values():
            if decision.metric:
                for irritant_id in decision.irritants:
                    metrics_of[irritant_id].append(decision.metric)
        irritants = [CoverCandidate(key, self.backlog.irritants[key].journey_stage,
                                    frozenset(row.id for row in facts.evidence.rows), tuple(metrics_of[key]),
                                    facts.is_open)
                     for key, facts in self.irritants.items()]
        return risk_signals(self.backlog.feedback, config.journey_stages, config.segments, config.metrics, changes,
                            month_key(self.as_of), config.rules.risk_months, irritants, cells=self.cells,
                            stored=self.backlog.stored_feedback)

    @cached_property
    def cells(self) -> Mapping[CellKey, Counts]:
        """(month, journey stage, segment) -> rows, complaints and score tallies over the complete months the
        journey map and the risk signals read: loaded rows counted here, Parquet rows by DuckDB, added up."""
        months = complete_months(month_key(self.as_of), max(2, 2 * self.backlog.config.rules.risk_months))
        store = self.backlog.stored_feedback
        stored = store.cells(months, self.as_of) if store is not None else {}
        return add_cells(cell_counts(self.backlog.feedback, months), stored)

    @cached_property
    def journey(self) -> JourneyFacts:
        """The journey map: each stage's last complete month against the one before, and segment × stage."""
        config = self.backlog.config
        open_by_stage: dict[str, list[str]] = defaultdict(list)
        for key in self.open_irritants:
            open_by_stage[self.backlog.irritants[key].journey_stage].append(key)
        directions = {m.compute: m.direction for m in config.metrics if m.compute is not None}
        return journey_facts(self.cells, config.journey_stages, config.segments, month_key(self.as_of),
                             config.rules.risk_months, directions,
                             {stage: tuple(keys) for stage, keys in open_by_stage.items()})

    @cached_property
    def loops(self) -> Mapping[str, StoryLoop]:
        """Public story ID -> who it is to be told to, who was told (the ledger), and whether the loop is open."""
        backlog = self.backlog
        states = ledger_states(backlog.notified)
        within = backlog.config.rules.notify_within_days
        # the newest contact_ok of each customer as of as_of, over every row of theirs (CSV and Parquet)
        consent = contact_consent(backlog.feedback, self.as_of, self.stored_consent)
        consenting = frozenset(customer for customer, ok in consent.items() if ok)
        loops = {}
        for story in backlog.stories.values():
            if not story.is_public:
                continue
            customers = frozenset().union(*(self.irritants[irritant_id].evidence.customer_references
                                            for irritant_id in story.irritants if irritant_id in self.irritants))
            audience = audience_of(customers, consenting, states.get(story.id, {}))
            loops[story.id] = story_loop(story.date, story.is_public, audience, self.as_of, within)
        return loops

    @cached_property
    def unlinked_loaded(self) -> tuple[FeedbackRow, ...]:
        """Loaded (CSV, JSONL, YAML) feedback no irritant links to, newest first (a linked row dated after as_of
        counts in no evidence yet, but is linked all the same: Evidence.later)."""
        linked = {row.id for facts in self.irritants.values() for row in facts.evidence.rows}
        linked.update(*(facts.evidence.later for facts in self.irritants.values() if facts.evidence.later))
        return tuple(sorted((row for row in self.backlog.feedback if row.id not in linked),
                            key=lambda row: (row.date, row.id), reverse=True))

    @cached_property
    def _unlinked_later(self) -> int:
        """How many loaded unlinked rows are dated after as_of: newest first, they lead unlinked_loaded. The
        lists of the newest rows leave them out (a 2999 typo would top the inbox for good), and so do the counts
        (nobody has said them yet)."""
        return bisect_left(self.unlinked_loaded, -self.as_of.toordinal(), key=lambda row: -row.date.toordinal())

    @cached_property
    def unlinked(self) -> tuple[FeedbackRow, ...]:
        """Feedback no irritant links to, newest first: the inbox nobody reads elsewhere. The newest UNLINKED_READ
        dated on or before as_of, loaded or in Parquet (unlinked_total counts them all)."""
        store = self.backlog.stored_feedback
        stored = store.unlinked_rows(UNLINKED_READ, self.as_of) if store is not None else ()
        later = self._unlinked_later
        return _newest_first((*self.unlinked_loaded[later:later + UNLINKED_READ], *stored))[:UNLINKED_READ]

    @cached_property
    def unlinked_total(self) -> int:
        """How many rows dated on or before as_of no irritant links to, loaded or in Parquet."""
        store = self.backlog.stored_feedback
        loaded = len(self.unlinked_loaded) - self._unlinked_later
        return loaded + (store.unlinked_counts(self.as_of)[0] if store is not None else 0)

    @cached_property
    def _inbox(self) -> Sequence[Verbatim]:
        """The newest THEMED_ROWS unlinked rows with words dated on or before as_of (loaded and in DuckDB alike,
        newest first; DuckDB reads no more of them)."""
        with_words: Sequence[Verbatim] = tuple(row for row in islice(self.unlinked_loaded, self._unlinked_later, None)
                                               if has_words(row))
        store = self.backlog.stored_feedback
        if store is not None:
            # newest first, as DuckDB sorts them; Said rows when read
            said = store.unlinked_said(THEMED_ROWS, self.as_of)
            with_words = said if not with_words else tuple(sorted(
                (*with_words, *said), key=lambda row: (row.date, row.id), reverse=True))
        return with_words if len(with_words) <= THEMED_ROWS else with_words[:THEMED_ROWS]

    @property
    def _without_words(self) -> int:
        """How many unlinked rows dated on or before as_of have no words (the themes count them apart)."""
        store = self.backlog.stored_feedback
        loaded = sum(not has_words(row) for row in islice(self.unlinked_loaded, self._unlinked_later, None))
        return loaded + (store.unlinked_counts(self.as_of)[1] if store is not None else 0)

    def start_themes(self, workers: int) -> None:
        """Group the inbox's rows into themes in a worker process while this one goes on (build renders the
        public site and the rest of the internal view meanwhile; `themes` then waits for it). Only for an inbox
        large enough to pay for the fork: at a million rows, grouping 200,000 takes 2.3 s."""
        rows = self._inbox
        if "themes" in self.__dict__ or self._background or len(rows) < THEMES_FORK_FROM or not can_fork(workers) \
                or self._kept_groups is not None:
            return
        pool = fork_pool(1, rows)
        job = pool.submit(_theme_groups_shared)
        job.add_done_callback(lambda _job: pool.shutdown(wait=False))
        self._background.append((pool, job))

    def stop_background(self) -> None:
        """Stop the themes still being grouped in a worker (the build failed: nobody will read them)."""
        while self._background:
            pool, _ = self._background.pop()
            pool.kill()

    @cached_property
    def _inbox_key(self) -> bytes:
        return groups_key(self._inbox)

    @property
    def _kept_groups(self) -> list[list[int]] | None:
        """The inbox's theme groups as an earlier run kept them, if it grouped the same rows."""
        return self.kept.themes().get(self._inbox_key) if self.kept.themes is not None else None

    @cached_property
    def themes(self) -> Inbox:
        """The unlinked feedback as ranked themes, and those bigger than an open irritant's evidence.

        Only the sites and the agenda ask (rule theme-not-in-backlog runs in build and agenda): check never does.
        """
        open_evidence = {key: facts.evidence.people.count for key, facts in self.irritants.items() if facts.is_open}
        rows = self._inbox
        without = self._without_words   # counted by DuckDB while the worker, if any, still groups
        groups = self._kept_groups
        if self._background:
            try:
                groups = self._background.pop()[1].result()
            except Exception:   # noqa: BLE001 - the worker died (out of memory?): group the rows here instead
                groups = None
        if groups is None:
            groups = theme_groups(rows)
        if self.kept.themes is not None:
            kept = self.kept.themes()
            kept.clear()   # this run's groups only
            kept[self._inbox_key] = groups
        store = self.backlog.stored_feedback
        # cut to the newest THEMED_ROWS: the oldest day may have lost some rows, the next ones are whole
        grouped_from = rows[-1].date + timedelta(days=1) if len(rows) == THEMED_ROWS else None
        inbox = inbox_themes(rows, self.backlog.config.journey_stages, self.as_of, open_evidence,
                             without_verbatim=without, whole=store.rows_by_id if store is not None else None,
                             groups=groups, grouped_from=grouped_from)
        # grouped, the inbox's rows are not read again: let them go before the sites render (200,000 rows read
        # from DuckDB: 126 MB of a 10,000-story build's peak)
        del self.__dict__["_inbox"]
        return inbox


def _theme_groups_shared() -> list[list[int]]:
    """In the worker start_themes forks: the themes of the rows it shares."""
    return theme_groups(shared())


def loaded_customers(backlog: Backlog) -> frozenset[str]:
    """Every customer value of the loaded rows (not of those in DuckDB)."""
    return frozenset(map(attrgetter("customer"), backlog.feedback)) - {None, ""}   # in C: a million rows


def derive_facts(backlog: Backlog, as_of: date, customers: frozenset[str] | None = None,
                 meanwhile: Callable[[], object] | None = None, kept: Kept = NOTHING_KEPT) -> Facts:
    """Everything the backlog means on as_of; pure, and each fact computed once (customers: loaded_customers, when
    the caller has them already; kept: what an earlier run worked out, Kept).

    DuckDB gathers the evidence in Parquet in a thread of its own, meanwhile this one links the loaded rows and
    the records (DuckDB lets go of the GIL as it works), and does `meanwhile`: work of the caller's that needs no
    facts (check runs the families that read the records alone there, 0.2 s of the 0.35 the queries take at
    10,000 irritants and 200,000 rows)."""
    rules = backlog.config.rules
    store = backlog.stored_feedback
    listed = {irritant.id: frozenset(irritant.feedback) for irritant in backlog.irritants.values()}
    with ThreadPoolExecutor(1) as pool:   # (its thread starts at the first submit)
        asked = pool.submit(_stored_answers, store, backlog, listed, as_of, kept) if store is not None else None
        if meanwhile is not None:
            meanwhile()
        evidence = rows_by_irritant(backlog, as_of)
        decisions_of: dict[str, list[Decision]] = defaultdict(list)
        for decision in _oldest_first(_taken(backlog.decisions.values(), as_of)):
            for irritant_id in decision.irritants:
                decisions_of[irritant_id].append(decision)
        stories_of: dict[str, list[Story]] = defaultdict(list)
        for story in _oldest_first(backlog.stories.values()):
            for irritant_id in story.irritants:
                stories_of[irritant_id].append(story)
        followed_by: dict[str, list[str]] = defaultdict(list)
        for decision in backlog.decisions.values():
            if decision.follows is not None:
                followed_by[decision.follows].append(decision.id)
        decisions = {decision.id: decision_facts(decision, as_of, tuple(sorted(followed_by[decision.id])))
                     for decision in backlog.decisions.values()}
        answers = asked.result() if asked is not None else None
    irritants = {irritant.id: irritant_facts(irritant, as_of, rules,
                                             _with_stored(Evidence.of(*evidence[irritant.id])
                                                          if irritant.id in evidence else NO_EVIDENCE,
                                                          answers.evidence[irritant.id, listed[irritant.id]]
                                                          if answers is not None else None),
                                             decisions_of[irritant.id], stories_of[irritant.id],
                                             *_answered_windows(answers, irritant, listed[irritant.id], as_of, rules))
                 for irritant in backlog.irritants.values()}
    said = None
    if store is not None and answers is not None:   # (the loop rules and every site read it)
        answers, said = ask_consent(store, answers, listed, (row.customer for facts in irritants.values()
                                                         for row in facts.evidence.rows if row.customer), as_of)
    return Facts(as_of, backlog, irritants, decisions, loaded_customers(backlog) if customers is None else customers,
                 kept=kept, answers=answers, stored_consent=said)


def _stored_answers(store: ParquetFeedback, backlog: Backlog, listed: Mapping[str, frozenset[str]], as_of: date,
                    kept: Kept) -> StoredAnswers:
    """The irritants' evidence in Parquet, and the done ones' linked complaints per day, from effect_weeks before
    closing up to as_of, with the few a recurrence names (facts/stored.py)."""
    rules = backlog.config.rules
    judged = [i for i in backlog.irritants.values() if _judged(i, as_of) and i.closed]
    return ask(store, listed,
               {i.id: (i.closed - timedelta(weeks=rules.effect_weeks), as_of) for i in judged if i.closed},
               {i.id: (recurrence_since(i.closed, as_of, rules), as_of) for i in judged if i.closed},
               as_of, kept.feedback, kept.answers)


def _answered_windows(answers: StoredAnswers | None, irritant: Irritant, listed: frozenset[str], as_of: date,
                      rules: Rules) -> tuple[Counter[date] | None, tuple[FeedbackRow, ...]]:
    """A judged irritant's stored complaints per day around its closed date, and its newest (facts/stored.py),
    among its evidence: the rows naming it and those it lists (`listed`)."""
    if answers is None or not _judged(irritant, as_of) or irritant.closed is None:
        return None, ()
    closed = irritant.closed
    return (answers.days[irritant.id, listed, closed - timedelta(weeks=rules.effect_weeks), as_of],
            answers.newest[irritant.id, listed, recurrence_since(closed, as_of, rules), as_of])


def _judged(irritant: Irritant, as_of: date) -> bool:
    """Done and closed on or before as_of: its effect is measured."""
    return irritant.status == IrritantStatus.DONE and irritant.closed is not None and irritant.closed <= as_of


def followed_up(irritant: Irritant, as_of: date, rules: Rules) -> bool:
    """Judged, and closed long enough ago for the loop rules to follow the fix up: its story is late, or a week of
    complaints after the grace period counts (a recurrence). Before that they say nothing of it, whatever its
    evidence (a cached check judges such a closing alone: site_gen.record_edits)."""
    return _judged(irritant, as_of) and irritant.closed is not None and (
        _story_late(irritant.closed, as_of, rules) is not None or
        recurrence_window(irritant.closed, as_of, rules) is not None)


def _story_late(closed: date, as_of: date, rules: Rules) -> int | None:
    """The days since closing, once more than a story is given (rules.story_within_days)."""
    since_closed = (as_of - closed).days
    return since_closed if since_closed > rules.story_within_days else None


def irritant_facts(irritant: Irritant, as_of: date, rules: Rules, evidence: Evidence,
                   decisions: list[Decision], stories: list[Story],
                   stored_days: Mapping[date, int] | None = None,
                   stored_newest: tuple[FeedbackRow, ...] = ()) -> IrritantFacts:
    """stored_days: its linked complaints per day in Parquet (DuckDB), around its closed date; stored_newest:
    the newest NEWEST_NAMED of them since recurrence_since, which a recurrence names."""
    effect = recurrence = loop_open = None
    if _judged(irritant, as_of) and irritant.closed is not None:
        days = complaint_days(evidence.rows)
        days.update(stored_days or {})

        def newest(since: date) -> tuple[FeedbackRow, ...]:
            return _newest_first((*newest_complaints(evidence.rows, since, as_of), *stored_newest))[:NEWEST_NAMED]

        effect = effect_of(irritant.closed, days, as_of, rules.effect_weeks)
        recurrence = recurrence_of(effect, days, as_of, rules, newest)
        if evidence.size and not stories:
            loop_open = _story_late(irritant.closed, as_of, rules)
    dated = schedule_of(irritant, as_of, rules)
    return IrritantFacts(
        **{name: getattr(dated, name) for name in _SCHEDULE},
        evidence=evidence,
        decisions=tuple(d.id for d in decisions),
        stories=tuple(s.id for s in stories),
        late_public=late_public(irritant, as_of),
        effect=effect, recurrence=recurrence, loop_open_days=loop_open)


def decision_review(decision: Decision, as_of: date) -> DecisionReview:
    """A decision stays due past review_on until its review records an outcome that settles it.

    `too-early` does not settle it: it comes with a new review_on, and is due again once that passes.
    A superseded decision is never due: the decision that replaced it carries the review.
    """
    overdue = None
    settled = decision.outcome is not None and decision.outcome != DecisionOutcome.TOO_EARLY
    if decision.status != DecisionStatus.SUPERSEDED and not settled and decision.review_on < as_of:
        overdue = (as_of - decision.review_on).days
    return DecisionReview(overdue, adds_unexplained_steps(decision))


def decision_facts(decision: Decision, as_of: date, followed_by: tuple[str, ...] = ()) -> DecisionFacts:
    review = decision_review(decision, as_of)
    return DecisionFacts(review.days_overdue, review.adds_unexplained_steps, followed_by)


def story_facts(story: Story, irritants: Mapping[str, Irritant],
                customers_of: Mapping[str, frozenset[str]], as_of: date | None = None) -> StoryFacts:
    """customers_of: irritant ID -> the customers of its evidence, loaded rows and Parquet rows alike."""
    stage = story.journey_stage
    if not stage:
        stages = {irritants[i].journey_stage for i in story.irritants if i in irritants}
        stage = stages.pop() if len(stages) == 1 else None
    customers = frozenset().union(*(customers_of.get(irritant_id, frozenset()) for irritant_id in story.irritants))
    # scheduled publishing, as static-site generators treat future dates: the daily build publishes it on the day
    return StoryFacts(stage, len(customers), scheduled=as_of is not None and story.date > as_of)


def _with_stored(evidence: Evidence, stored: StoredEvidence | None) -> Evidence:
    return evidence if stored is None else evidence.with_stored(stored)


def metric_facts(metric: Metric, backlog: Backlog, as_of: date) -> MetricFacts:
    store = backlog.stored_feedback
    monthly = (store.tallies_by_month(metric.compute, as_of) if store is not None and metric.compute is not None
               else None)
    series = metric_series(metric, backlog.feedback, as_of, monthly)
    change = last_complete_change(series, as_of)
    alarm = change is not None and crosses_threshold(metric, change)
    about = [d for d in _taken(backlog.decisions.values(), as_of) if d.metric == metric.id]
    answered = change is not None and any(
        d.kind == DecisionKind.METRIC_RESPONSE and month_key(d.date) >= change.latest.period
        for d in about)
    return MetricFacts(series, change, alarm, answered,
                       tuple(d.id for d in reversed(_oldest_first(about))),
                       stale_days(series, as_of, backlog.config.rules.metric_stale_days))


def _groups(backlog: Backlog, attribute: str, keys: tuple[str, ...], as_of: date) -> Mapping[str, GroupFacts]:
    """Per stage or segment, its rows dated on or before as_of (a later one is nobody's word yet: rule
    feedback-dated-later): loaded rows counted here, Parquet rows by DuckDB, added up as tallies."""
    rows_of: dict[str, list[FeedbackRow]] = {key: [] for key in keys}
    for row in backlog.feedback:
        key = getattr(row, attribute)
        if key in rows_of and row.date <= as_of:
            rows_of[key].append(row)
    stored = backlog.stored_feedback.groups(attribute, as_of) if backlog.stored_feedback is not None else {}
    groups = {}
    for key, rows in rows_of.items():
        tallies: dict[ScoreType, Tally] = defaultdict(Tally)
        for row in rows:
            if row.score_type is not None and row.score is not None:
                tallies[row.score_type] += tally(row.score_type, (row.score,))
        more = stored.get(key)
        for score_type, counted in more.tallies if more is not None else ():
            tallies[score_type] += counted
        groups[key] = GroupFacts(len(rows) + (more.feedback if more else 0),
                                 sum(r.kind == FeedbackKind.COMPLAINT for r in rows) + (more.complaints if more else 0),
                                 tuple(score_of(kind, counted) for kind, counted in sorted(tallies.items())
                                       if counted.responses))
    return groups


def _newest_first(rows: Iterable[FeedbackRow]) -> tuple[FeedbackRow, ...]:
    return tuple(sorted(rows, key=lambda row: (row.date, row.id), reverse=True))


def _taken(decisions: Iterable[Decision], as_of: date) -> list[Decision]:
    """The decisions taken by as_of: one dated later (a past day replayed with --today) answers no metric's move and
    is no irritant's decision yet; the decision log still lists it, under its own date."""
    return [decision for decision in decisions if decision.date <= as_of]


def _oldest_first(records: Iterable[_Dated]) -> list[_Dated]:
    return sorted(records, key=lambda record: (record.date, record.id))
