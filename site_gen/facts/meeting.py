"""What the weekly meeting looks at, as of a date: judgements the agenda shows and never recomputes.

"Since the last meeting" is the window after `since` up to and including `as_of` (the agenda's --since
defaults to seven days before its --date): a row dated on the day of the last meeting was already seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..model import Audience, FeedbackKind, FeedbackRow, IrritantStatus
from . import WEEK, Facts

# The empty chair prefers what customers struggle with; praise still takes a seat when nothing else is fresh.
_KIND_ORDER = {FeedbackKind.COMPLAINT: 0, FeedbackKind.SUGGESTION: 1, None: 2, FeedbackKind.PRAISE: 3}


def in_window(day: date, since: date, as_of: date) -> bool:
    return since < day <= as_of


def fresh_voices(facts: Facts, since: date, count: int = 3) -> tuple[FeedbackRow, ...]:
    """count verbatims from the window, chosen for variety: each pick adds a journey stage and a segment not
    yet heard when one is available; ties go to complaints, then the newest, then the ID. Deterministic."""
    seen_texts: set[str] = set()
    candidates: list[FeedbackRow] = []
    rows = [r for r in facts.backlog.feedback if r.verbatim and in_window(r.date, since, facts.as_of)]
    store = facts.backlog.stored_feedback
    if store is not None:   # each wording's first row, the first `count` per stage and segment: all it can choose
        rows += store.voices(since, facts.as_of, count)
    for row in sorted(rows, key=lambda r: (_KIND_ORDER.get(r.kind, 2), -r.date.toordinal(), r.id)):
        text = " ".join((row.verbatim or "").lower().split())
        if text not in seen_texts:  # exports repeat the same words; one seat per voice
            seen_texts.add(text)
            candidates.append(row)
    chosen: list[FeedbackRow] = []
    stages: set[str] = set()
    segments: set[str | None] = set()
    while candidates and len(chosen) < count:
        # candidates are in preference order, so max() keeps the first of equals
        best = max(candidates, key=lambda r: (r.journey_stage not in stages) + (r.segment not in segments))
        chosen.append(best)
        candidates.remove(best)
        stages.add(best.journey_stage)
        segments.add(best.segment)
    return tuple(chosen)


def new_rows(facts: Facts, since: date) -> int:
    """How many feedback rows the window holds, linked or not, loaded or in Parquet: the agenda says "no new
    feedback" only when there is none, and "every new row is linked" only when there is some."""
    loaded = sum(in_window(row.date, since, facts.as_of) for row in facts.backlog.feedback)
    store = facts.backlog.stored_feedback
    if store is None:
        return loaded
    # DuckDB counts the rows dated after each day by file, reading none: those after since, less those after as_of
    after = [sum(rows for rows, _latest, _loc in store.dated_after(day).values()) for day in (since, facts.as_of)]
    return loaded + after[0] - after[1]


@dataclass(frozen=True, slots=True)
class StageInbox:
    """New feedback at one journey stage that no irritant links to yet."""

    stage: str
    rows: int
    complaints: int
    newest: tuple[FeedbackRow, ...]   # with a verbatim: complaints first (the stage's count is of those), newest first


def sample_order(row: FeedbackRow) -> tuple[bool, date, str]:
    """Sorted by this, reversed: a stage's sample verbatims, complaints first, then the newest. The agenda says
    "Payment: 4 (2 complaints) — “…”", so the words quoted are a complaint whenever the stage has one."""
    return (row.kind == FeedbackKind.COMPLAINT, row.date, row.id)


@dataclass(frozen=True, slots=True)
class NewUnlinked:
    """The window's feedback that no irritant links to yet: by journey stage, and how many rows name a stage
    site.yaml does not list (a `reference` error, which the agenda still runs with): no stage counts those, so the
    agenda says them apart rather than "every new row is linked"."""

    stages: tuple[StageInbox, ...]
    off_journey: int


def unlinked_since(facts: Facts, since: date, samples: int = 1) -> NewUnlinked:
    """The unlinked feedback of the window by journey stage, in journey order; stages with none are left out.
    Each stage's samples come in sample_order."""
    window = [row for row in facts.unlinked_loaded if in_window(row.date, since, facts.as_of)]
    store = facts.backlog.stored_feedback
    stored = store.unlinked_by_stage(since, facts.as_of, samples) if store is not None else {}
    journey = facts.backlog.config.journey_stages
    inboxes = []
    for stage in journey:
        rows = [row for row in window if row.journey_stage == stage]   # newest first
        more, more_complaints, more_newest = stored.get(stage, (0, 0, ()))
        if rows or more:
            newest = sorted((*(r for r in rows if r.verbatim), *more_newest), key=sample_order, reverse=True)
            inboxes.append(StageInbox(stage, len(rows) + more,
                                      sum(r.kind == FeedbackKind.COMPLAINT for r in rows) + more_complaints,
                                      tuple(newest[:samples])))
    known = set(journey)
    off_journey = sum(row.journey_stage not in known for row in window) + \
        sum(rows for stage, (rows, _complaints, _newest) in stored.items() if stage not in known)
    return NewUnlinked(tuple(inboxes), off_journey)


def unread_rows(facts: Facts) -> int:
    """How many feedback rows could not be read (a required field missing or invalid: check reports each): they
    count in no figure, and their date may be unknown, so the agenda says how many it leaves out."""
    loaded = sum(stub.kind == "feedback row" for stub in facts.backlog.unreadable)
    store = facts.backlog.stored_feedback
    return loaded + (store.unreadable_rows() if store is not None else 0)


def irritants_to_review(facts: Facts) -> tuple[str, ...]:
    """Open irritants the meeting must decide about: overdue (latest first), then not reviewed within the
    cadence (longest first; of equal waits, the earliest target first, no target last), then due this week
    (soonest first). Then by ID. Each ID once."""
    found = facts.irritants
    overdue = sorted((k for k, f in found.items() if f.overdue), key=lambda k: (-(found[k].days_late or 0), k))
    # irritants reviewed at the same meeting wait equally long: the one whose target comes first is the most urgent
    unreviewed = sorted((k for k, f in found.items() if f.unreviewed and not f.overdue),
                        key=lambda k: (-found[k].days_since_review, -found[k].lateness, k))
    this_week = sorted((k for k, f in found.items() if f.target_this_week and not f.unreviewed),
                       key=lambda k: (found[k].days_to_target or 0, k))
    return tuple(overdue + unreviewed + this_week)


def metrics_without_decision(facts: Facts) -> tuple[str, ...]:
    """Metric IDs whose last complete change crossed the threshold with no metric-response decision yet."""
    return tuple(key for key, metric in facts.metrics.items() if metric.alarm and not metric.answered)


def decisions_due(facts: Facts) -> tuple[str, ...]:
    """Decisions whose review date has passed, longest overdue first."""
    due = [(f.days_overdue or 0, key) for key, f in facts.decisions.items() if f.due]
    return tuple(key for _, key in sorted(due, key=lambda pair: (-pair[0], pair[1])))


def stories_scheduled(facts: Facts) -> tuple[str, ...]:
    """Stories dated after as_of and within the coming week: they go out before the next meeting."""
    until = facts.as_of + timedelta(days=WEEK)
    return tuple(s.id for s in sorted(facts.backlog.stories.values(), key=lambda s: (s.date, s.id))
                 if facts.as_of < s.date <= until)


def stories_ready(facts: Facts) -> tuple[str, ...]:
    """Internal stories whose irritants are all done: the loop is closed inside, ready to be told to customers
    (set audience: public) — or kept internal on purpose."""
    irritants = facts.backlog.irritants
    return tuple(s.id for s in sorted(facts.backlog.stories.values(), key=lambda s: (s.date, s.id))
                 if s.audience == Audience.INTERNAL and s.irritants
                 and all(i in irritants and irritants[i].status == IrritantStatus.DONE for i in s.irritants))


def customers_waiting(facts: Facts) -> tuple[tuple[str, int], ...] | None:
    """(story ID, customers waiting) for each published story whose contact_ok customers are not yet in
    backlog/notified.csv; None when nobody waits, so the agenda leaves the line out."""
    waiting = tuple((key, loop.audience.waiting) for key, loop in facts.loops.items()
                    if loop.published and loop.audience.waiting)
    return waiting or None
