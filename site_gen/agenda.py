"""The weekly meeting's agenda: the same six sections every week, short enough for 15–20 minutes.

(a) the empty chair: fresh customer voice first; (b) irritants to review, each with the question to decide;
(c) metrics and risk signals that need a decision; (d) decisions whose review date has come; (e) new unlinked
feedback by journey stage; (f) stories ready to publish and customers waiting to be told.

Every judgement (what is overdue, which voices, what is ready) comes from the facts (site_gen/facts/);
this module only selects, caps ("and N more") and words them. Links are paths from the internal site's
root, so the internal page, the printable HTML and the markdown for a chat all point at the same pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

from .facts import WEEK, Facts, IrritantFacts, RiskKind, RiskLevel, RiskSignal, Theme, meeting
from .facts.meeting import StageInbox
from .model import Decision, DecisionKind, FeedbackRow, Irritant, Metric, Story
from .text import humanize, long_date

T = TypeVar("T")

VOICES = 3
IRRITANTS = 8
SIGNALS = 4
DECISIONS = 4
STAGES = 6
STORIES = 4
THEMES = 3

ARBITRATION_QUESTIONS = ("What changed for the customer?", "Did it keep our promise?",
                         "What did it cost our teams?", "Was it the simplest, clearest option for the customer?")
DEBRIEF_POINTS = ("What happened?", "What was the impact on customers?", "What was the root cause?",
                  "Is the prevention in place, and did it work?")
OUTCOME_QUESTIONS = ("Did it work?", "Keep it (with a new review_on), change it, or supersede it?")


@dataclass(frozen=True, slots=True)
class Capped(Generic[T]):
    """The first items of a section and how many more there are, with where the full list is."""

    items: tuple[T, ...]
    more: int = 0
    more_link: str = ""

    @classmethod
    def of(cls, items: Sequence[T], cap: int, more_link: str = "") -> Capped[T]:
        return cls(tuple(items[:cap]), max(0, len(items) - cap), more_link)


@dataclass(frozen=True, slots=True)
class Voice:
    row: FeedbackRow
    link: str


@dataclass(frozen=True, slots=True)
class IrritantItem:
    irritant: Irritant
    facts: IrritantFacts
    reasons: tuple[str, ...]
    question: str
    link: str


@dataclass(frozen=True, slots=True)
class Signal:
    title: str
    detail: str
    question: str
    link: str


@dataclass(frozen=True, slots=True)
class DecisionItem:
    decision: Decision
    days_overdue: int
    questions: tuple[str, ...]
    link: str


@dataclass(frozen=True, slots=True)
class InboxItem:
    inbox: StageInbox
    name: str
    link: str


@dataclass(frozen=True, slots=True)
class ThemeItem:
    """A complaint theme of the unlinked feedback bigger than the smallest open irritant (theme-not-in-backlog)."""

    theme: Theme
    link: str


@dataclass(frozen=True, slots=True)
class StoryItem:
    story: Story
    why: str
    link: str


@dataclass(frozen=True)
class Agenda:
    organisation: str
    on: date
    since: date
    voices: Capped[Voice]
    irritants: Capped[IrritantItem]
    signals: Capped[Signal]
    decisions: Capped[DecisionItem]
    inbox: Capped[InboxItem]
    unlinked_total: int
    stories: Capped[StoryItem]
    customers_waiting: tuple[tuple[str, int], ...] | None   # None: the notify facts are not there yet
    themes: Capped[ThemeItem] = Capped(())       # bigger than smallest_open, yet in no irritant
    smallest_open: tuple[Irritant, int] | None = None   # the open irritant with the least evidence, its customers

    @property
    def title(self) -> str:
        return f"Weekly customer meeting — {long_date(self.on)}"


def default_since(on: date) -> date:
    return on - timedelta(days=WEEK)


def build_agenda(facts: Facts, since: date | None = None) -> Agenda:
    """The agenda of the meeting held on facts.as_of; since: the last meeting (default a week before)."""
    backlog = facts.backlog
    since = since if since is not None else default_since(facts.as_of)

    voices = [Voice(row, f"irritants/{row.irritant}/index.html" if row.irritant in backlog.irritants
                    else f"stages/{row.journey_stage}/index.html")
              for row in meeting.fresh_voices(facts, since, VOICES)]

    irritants = [_irritant_item(backlog.irritants[key], facts.irritants[key], backlog.config.rules.review_every_days)
                 for key in meeting.irritants_to_review(facts)]

    signals = []
    metric_names = {m.id: m for m in backlog.config.metrics}
    for key in meeting.metrics_without_decision(facts):
        metric, change = metric_names[key], facts.metrics[key].change
        assert change is not None  # an alarm is a change that crossed the threshold
        signals.append(Signal(f"{metric.name} moved past its threshold",
                              f"{change.delta:+g}{metric.unit} from {change.previous.period} to "
                              f"{change.latest.period}; a move of {metric.threshold:g}{metric.unit} demands a "
                              "decision", "Which metric-response decision do we take, and who owns it?",
                              f"index.html#metric-{key}"))
    signals += [_risk_item(risk, metric_names) for risk in facts.risks if risk.severity != RiskLevel.LOW]

    decisions = [_decision_item(backlog.decisions[key], facts.decisions[key].days_overdue or 0)
                 for key in meeting.decisions_due(facts)]

    inbox = [InboxItem(stage, humanize(stage.stage), f"stages/{stage.stage}/index.html")
             for stage in meeting.unlinked_since(facts, since)]

    smallest = facts.themes.smallest_open
    themes = [ThemeItem(theme, f"feedback/index.html#theme-{theme.key}") for theme in facts.themes.bigger]

    stories = [StoryItem(backlog.stories[key], f"goes out on {backlog.stories[key].date.isoformat()}",
                         f"stories/{key}/index.html") for key in meeting.stories_scheduled(facts)]
    stories += [StoryItem(backlog.stories[key], "internal, and its irritants are done: tell customers?",
                          f"stories/{key}/index.html") for key in meeting.stories_ready(facts)]

    return Agenda(
        organisation=backlog.config.organisation, on=facts.as_of, since=since,
        voices=Capped.of(voices, VOICES),
        irritants=Capped.of(irritants, IRRITANTS, "index.html#open"),
        signals=Capped.of(signals, SIGNALS, "index.html"),
        decisions=Capped.of(decisions, DECISIONS, "decisions/index.html"),
        inbox=Capped.of(inbox, STAGES, "feedback/index.html"),
        unlinked_total=sum(item.inbox.rows for item in inbox),
        stories=Capped.of(stories, STORIES, "stories/index.html"),
        customers_waiting=meeting.customers_waiting(facts),
        themes=Capped.of(themes, THEMES, "feedback/index.html#complaints"),
        smallest_open=(backlog.irritants[smallest[0]], smallest[1]) if smallest else None)


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _irritant_item(irritant: Irritant, facts: IrritantFacts, cadence: int) -> IrritantItem:
    reasons = []
    if facts.days_late is not None:
        reasons.append(f"{_days(facts.days_late)} late")
    if facts.unreviewed:
        reasons.append(f"not reviewed for {facts.days_since_review} days (every {cadence})")
    if facts.target_this_week and facts.days_to_target is not None:
        reasons.append("target today" if facts.days_to_target == 0 else f"target in {_days(facts.days_to_target)}")
    if facts.overdue:
        question = "Extend the target (to when?), decline, escalate, or close?"
    elif facts.unreviewed:
        question = "Still on track? Confirm or extend the target, decline, escalate, or close."
    else:
        question = "Will it land this week? Close it, or extend the target."
    return IrritantItem(irritant, facts, tuple(reasons), question, f"irritants/{irritant.id}/index.html")


def _decision_item(decision: Decision, days_overdue: int) -> DecisionItem:
    questions: tuple[str, ...]
    if decision.kind == DecisionKind.ARBITRATION:
        questions = ARBITRATION_QUESTIONS
    elif decision.kind == DecisionKind.DEBRIEF:
        questions = DEBRIEF_POINTS
    else:
        questions = OUTCOME_QUESTIONS
    return DecisionItem(decision, days_overdue, questions, f"decisions/{decision.id}/index.html")


# --- markdown, for a chat or a pull request ----------------------------------------------------

def _md(text: str) -> str:
    """Text from the backlog, safe inside markdown: no accidental links, emphasis or HTML."""
    out = []
    for char in " ".join(text.split()):
        out.append("\\" + char if char in "\\`*_[]<>#|" else char)
    return "".join(out)


def render_markdown(agenda: Agenda, base_url: str | None = None) -> str:
    """The agenda as markdown; links are absolute under base_url (the internal site), else relative paths."""
    base = base_url or ""

    def link(text: str, path: str) -> str:
        return f"[{_md(text)}]({base}{path})"

    def more(section: Capped[T], noun: str) -> list[str]:
        if not section.more:
            return []
        where = f" — {link('see all', section.more_link)}" if section.more_link else ""
        return [f"- … and {section.more} more {noun}{where}"]

    lines = [f"# {_md(agenda.title)}", "",
             f"{_md(agenda.organisation)} · since the last meeting on {agenda.since.isoformat()} · "
             "15–20 minutes", ""]

    lines += ["## 1. The empty chair — customers speak first", ""]
    for voice in agenda.voices.items:
        row = voice.row
        who = " · ".join(x for x in (humanize(row.journey_stage), row.segment or "", row.source,
                                     row.date.isoformat()) if x)
        lines += [f"> “{_md(row.verbatim or '')}”", f"> — {link(who, voice.link)}", ""]
    if not agenda.voices.items:
        lines += ["No new verbatims since the last meeting. Who will call a customer this week?", ""]

    lines += ["## 2. Irritants to review", ""]
    for item in agenda.irritants.items:
        owner = _md(item.irritant.owner or "no owner")
        target = item.irritant.target.isoformat() if item.irritant.target else "no target"
        lines.append(f"- **{link(item.irritant.title, item.link)}** — {owner}, target {target}: "
                     f"{'; '.join(item.reasons)}. *{item.question}*")
    lines += more(agenda.irritants, "irritants")
    if not agenda.irritants.items:
        lines.append("Nothing overdue, unreviewed or due this week.")
    lines.append("")

    lines += ["## 3. Metrics and risk signals", ""]
    for signal in agenda.signals.items:
        lines.append(f"- **{link(signal.title, signal.link)}** — {_md(signal.detail)}. *{signal.question}*")
    lines += more(agenda.signals, "signals")
    if not agenda.signals.items:
        lines.append("No metric past its threshold without a decision, no risk signal.")
    lines.append("")

    lines += ["## 4. Decisions to review", ""]
    for decision in agenda.decisions.items:
        d = decision.decision
        lines.append(f"- **{link(d.title, decision.link)}** — {_md(d.owner)}, review was due "
                     f"{d.review_on.isoformat()} ({_days(decision.days_overdue)} ago)")
        lines += [f"  - {question}" for question in decision.questions]
    lines += more(agenda.decisions, "decisions")
    if not agenda.decisions.items:
        lines.append("No decision due for review.")
    lines.append("")

    lines += ["## 5. New feedback no irritant covers", ""]
    if agenda.themes.items and agenda.smallest_open:
        irritant, customers = agenda.smallest_open
        lines += ["**A bigger problem than one you are working on is not in the backlog.** These complaint themes "
                  f"have more customers than {link(irritant.title, f'irritants/{irritant.id}/index.html')} "
                  f"({customers} customers), the open irritant with the least evidence:", ""]
        for flagged in agenda.themes.items:
            theme = flagged.theme
            lines.append(f"- {link('“' + theme.wording + '”', flagged.link)} — {theme.customers} customers, "
                         f"{_md(humanize(theme.journey_stage))}. *Open it as an irritant, link it to one, or decline "
                         "it?*")
        lines += more(agenda.themes, "themes")
        lines.append("")
    if agenda.inbox.items:
        lines.append(f"{agenda.unlinked_total} new rows since {agenda.since.isoformat()}, by journey stage:")
        lines.append("")
    for entry in agenda.inbox.items:
        sample = f" — “{_md(entry.inbox.newest[0].verbatim or '')}”" if entry.inbox.newest else ""
        lines.append(f"- {link(entry.name, entry.link)}: {entry.inbox.rows} "
                     f"({entry.inbox.complaints} complaint{'s' if entry.inbox.complaints != 1 else ''}){sample}")
    lines += more(agenda.inbox, "stages")
    if not agenda.inbox.items:
        lines.append("None: every new row is linked to an irritant.")
    lines.append("")

    lines += ["## 6. Closing the loop", ""]
    for story in agenda.stories.items:
        lines.append(f"- {link(story.story.title, story.link)} — {_md(story.why)}")
    lines += more(agenda.stories, "stories")
    if not agenda.stories.items:
        lines.append("No story scheduled or ready to publish.")
    if agenda.customers_waiting:
        waiting = sum(n for _, n in agenda.customers_waiting)
        lines.append(f"- {waiting} customers are waiting to be told (site-gen notify)")
    lines.append("")
    return "\n".join(lines)


def _risk_item(risk: RiskSignal, metrics: dict[str, Metric]) -> Signal:
    """A risk signal as an agenda line: what got worse, over which months, and who covers it."""
    cover = (f"covered by {', '.join(risk.covered_by)}" if risk.covered_by else "not covered by any irritant")
    if risk.kind == RiskKind.METRIC_NEAR_THRESHOLD:
        metric = metrics[risk.subject]
        return Signal(f"{metric.name} close to its threshold ({risk.severity})",
                      f"moved {risk.delta:+g}{metric.unit} from {risk.baseline[0]} to {risk.months[0]}, the bad "
                      f"way; {risk.threshold:g}{metric.unit} demands a decision; {cover}",
                      "Act before it crosses, or watch one more month?", f"index.html#metric-{risk.subject}")
    where = humanize(risk.subject) if risk.stage else f"the {risk.subject} segment"
    window = f"{risk.months[0]}–{risk.months[-1]} against {risk.baseline[0]}–{risk.baseline[-1]}"
    if risk.kind == RiskKind.SCORE_FALLING:
        title = f"{str(risk.score_type).upper()} falling at {where} ({risk.severity})"
        detail = f"{risk.before:g} → {risk.recent:g}, {window}; {cover}"
    else:
        title = f"Complaint share rising at {where} ({risk.severity})"
        detail = f"{risk.before:g}% → {risk.recent:g}%, {window}; {cover}"
    return Signal(title, detail, "Is an irritant behind it? Open one, or link the rows." if not risk.covered_by
                  else "Is the irritant covering it moving fast enough?", "journey/index.html#risks")
