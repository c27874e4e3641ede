"""The weekly meeting's agenda: the same six sections every week, short enough for 15–20 minutes.

(a) the empty chair: fresh customer voice first; (b) irritants to review, each with the question to decide;
(c) metrics and risk signals that need a decision; (d) decisions whose review date has come; (e) new unlinked
feedback by journey stage; (f) stories ready to publish and customers waiting to be told.

Every judgement (what is overdue, which voices, what is ready) comes from the facts (site_gen/facts/);
this module only selects, caps ("and N more") and words them. Links are paths from the internal site's
root, so the internal page, the printable HTML and the markdown for a chat all point at the same pages.

The wording follows `internal.language`: a constant sentence is a catalogue message marked `N_()` here and
translated where it is shown; a sentence with values is a `Phrase` (its message and named values), said in
the page's or the markdown's language with Babel's digits and dates. The page and the markdown share the
messages, so one translation serves both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar, Union

from .facts import WEEK, Facts, IrritantFacts, RiskKind, RiskLevel, RiskSignal, Theme, meeting
from .facts.evidence import People
from .facts.meeting import StageInbox
from .facts.scores import Score, metric_digits
from .i18n import N_, Language, language
from .labels import label, score_text
from .model import Decision, DecisionKind, FeedbackRow, Irritant, Metric, Story
from .text import one_line

T = TypeVar("T")

VOICES = 3
IRRITANTS = 8
SIGNALS = 4
DECISIONS = 4
STAGES = 6
STORIES = 4
THEMES = 3

# Catalogue messages, translated where they are shown (the page: _(question); the markdown: words.gettext)
ARBITRATION_QUESTIONS = (N_("What changed for the customer?"), N_("Did it keep our promise?"),
                         N_("What did it cost our teams?"),
                         N_("Was it the simplest, clearest option for the customer?"))
DEBRIEF_POINTS = (N_("What happened?"), N_("What was the impact on customers?"), N_("What was the root cause?"),
                  N_("Is the prevention in place, and did it work?"))
OUTCOME_QUESTIONS = (N_("Did it work?"), N_("Keep it (and set its next review date), change it, or supersede it?"))
OVERDUE_QUESTION = N_("Extend the target (to when?), decline, escalate, or close?")
UNREVIEWED_QUESTION = N_("Still on track? Confirm or extend the target, decline, escalate, or close.")
THIS_WEEK_QUESTION = N_("Will it land this week? Close it, or extend the target.")
ALARM_QUESTION = N_("Which metric-response decision do we take, and who owns it?")
NEAR_QUESTION = N_("Act before it crosses, or watch one more month?")
UNCOVERED_QUESTION = N_("Is an irritant behind it? Open one, or link the rows.")
COVERED_QUESTION = N_("Is the irritant covering it moving fast enough?")
SEVERITY = {RiskLevel.HIGH: N_("high"), RiskLevel.MEDIUM: N_("medium"), RiskLevel.LOW: N_("low")}
# where each section's whole list is, as its link says it: on paper, or in a screen reader's list of links, a bare
# "see all" names no page
SEE_ALL, ALL_STORIES = N_("see all"), N_("see all stories")
ON_THE_DASHBOARD, ON_THE_JOURNEY_MAP = N_("see all on the dashboard"), N_("see all on the journey map")
IN_THE_DECISION_LOG = N_("see all in the decision log")
IN_THE_UNLINKED_FEEDBACK = N_("see all in the unlinked feedback")
UNLINKED_ROWS = "feedback/index.html#rows"   # the unlinked feedback page's list of every row, whatever its stage


@dataclass(frozen=True, slots=True)
class Signed:
    """A change, written with its sign (+1.5, -2) in the language's digits, with its metric's unit (Measure)."""

    value: float
    unit: str = ""
    digits: int | None = None   # the metric's decimals (metric_digits: NPS in whole points)


@dataclass(frozen=True, slots=True)
class Measure:
    """A metric's value with its unit: 0.5% (0,5 % in French) for a unit of %, else the number and the unit."""

    value: float
    unit: str = ""
    digits: int | None = None   # the metric's decimals (metric_digits: NPS in whole points)


@dataclass(frozen=True, slots=True)
class Percent:
    """A share in percent, whole: 44% (44 % in French), as the sites write it (Language.percent)."""

    value: float


@dataclass(frozen=True, slots=True)
class Months:
    """A window of months (YYYY-MM), written as the charts write months: Aug – Oct 2026 (Language.month_range)."""

    first: str
    last: str


@dataclass(frozen=True, slots=True)
class Named:
    """A journey stage, segment or feedback source (its ID), worded as the sites word it everywhere: the `label`
    filter's words, translated where the catalogue has them, else humanized (first-ride -> First ride); a segment
    inside a sentence as a sentence writes it ("at the commuter segment": Language.in_sentence)."""

    key: str
    in_sentence: bool = False


@dataclass(frozen=True, slots=True)
class Clauses:
    """Titles that may hold a comma, one after another, as the language separates clauses: "A; B" ("A ; B" with a
    narrow no-break space in French: Language.clauses)."""

    parts: tuple[str, ...]


Value = Union[str, int, float, date, Signed, Measure, Percent, Score, Months, Named, Clauses, "Phrase"]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Agenda wording with values, said in a language where it is shown (the page, the markdown).

    `message` is a catalogue message marked where the phrase is made (`N_()`, or `Phrase.ngettext` for one
    counted by its value `num`); its values fill its named placeholders: a float in the language's digits, a
    date as the language writes it, a nested Phrase said too; text (names, IDs, ISO dates and months) as it is.
    str() says it in English, so a team's own agenda template written before still shows it.
    """

    message: str
    values: tuple[tuple[str, Value], ...] = ()
    plural: str = ""

    @classmethod
    def of(cls, message: str, **values: Value) -> Phrase:
        return cls(message, tuple(values.items()))

    @classmethod
    def ngettext(cls, singular: str, plural: str, num: int, **values: Value) -> Phrase:
        """A counted phrase (named like gettext's function, so the catalogue extractor finds both forms)."""
        return cls(singular, (("num", num), *values.items()), plural)

    def say(self, words: Language | None = None) -> str:
        words = words or language()
        if not self.values:
            return words.gettext(self.message)
        named = {key: _said(value, words) for key, value in self.values}
        if self.plural:
            return words.ngettext(self.message, self.plural, int(named["num"])) % named
        return words.gettext(self.message) % named

    def __str__(self) -> str:
        return self.say()


def _said(value: Value, words: Language) -> str | int:
    if isinstance(value, Phrase):
        return value.say(words)
    if isinstance(value, Signed):
        return words.signed(value.value, value.unit, value.digits)
    if isinstance(value, Measure):
        return words.measure(value.value, value.unit, value.digits)
    if isinstance(value, Percent):
        return words.percent(value.value)
    if isinstance(value, Score):
        return score_text(value, words)
    if isinstance(value, Months):
        return words.month_range(value.first, value.last)
    if isinstance(value, Clauses):
        return words.clauses(value.parts)
    if isinstance(value, Named):
        named = label(value.key, words.gettext)
        return words.in_sentence(named) if value.in_sentence else named
    if isinstance(value, float):
        return words.number(value)
    if isinstance(value, date):
        return words.long_date(value)
    return value


@dataclass(frozen=True, slots=True)
class Capped(Generic[T]):
    """The first items of a section and how many more there are, with where the full list is and its link's
    words (a catalogue message)."""

    items: tuple[T, ...]
    more: int = 0
    more_link: str = ""
    more_where: str = SEE_ALL

    @classmethod
    def of(cls, items: Sequence[T], cap: int, more_link: str = "", more_where: str = SEE_ALL) -> Capped[T]:
        return cls(tuple(items[:cap]), max(0, len(items) - cap), more_link, more_where)


@dataclass(frozen=True, slots=True)
class Voice:
    row: FeedbackRow
    link: str


@dataclass(frozen=True, slots=True)
class IrritantItem:
    irritant: Irritant
    facts: IrritantFacts
    reasons: tuple[Phrase, ...]
    question: str          # a catalogue message
    link: str


@dataclass(frozen=True, slots=True)
class Signal:
    title: Phrase
    detail: Phrase
    question: str          # a catalogue message
    link: str


@dataclass(frozen=True, slots=True)
class DecisionItem:
    decision: Decision
    days_overdue: int
    questions: tuple[str, ...]   # catalogue messages
    link: str


@dataclass(frozen=True, slots=True)
class InboxItem:
    inbox: StageInbox      # its stage worded where it is shown, as the sites word it (the label filter)
    link: str


@dataclass(frozen=True, slots=True)
class ThemeItem:
    """A complaint theme of the unlinked feedback bigger than the smallest open irritant (theme-not-in-backlog)."""

    theme: Theme
    link: str


@dataclass(frozen=True, slots=True)
class StoryItem:
    story: Story
    why: Phrase
    link: str


@dataclass(frozen=True, slots=True)
class WaitingItem:
    """A published story whose customers who agreed to be contacted have not all been told (site-gen notify)."""

    story: Story
    customers: int
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
    new_rows: int                # every row of the window, linked or not: none at all is no "every row is linked"
    # new unlinked rows at a journey stage site.yaml does not list, and rows that could not be read (any date): in
    # no stage's line, so said apart, else "every new row is linked" would not be true
    off_journey: int
    unread_rows: int
    stories: Capped[StoryItem]
    customers_waiting: tuple[tuple[str, int], ...] | None   # None: the notify facts are not there yet
    themes: Capped[ThemeItem] = Capped(())       # bigger than smallest_open, yet in no irritant
    smallest_open: tuple[Irritant, People] | None = None   # the open irritant with the least evidence, its people
    waiting: Capped[WaitingItem] = Capped(())    # the stories behind customers_waiting, the most waiting first

    @property
    def unlinked_rows(self) -> str:
        """Where the rows of off_journey are listed: every unlinked row, whatever its stage."""
        return UNLINKED_ROWS

    @property
    def title(self) -> Phrase:
        return Phrase.of(N_("Weekly customer meeting — %(date)s"), date=self.on)


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
        digits = metric_digits(metric)
        signals.append(Signal(
            Phrase.of(N_("%(metric)s moved past its threshold"), metric=metric.name),
            Phrase.of(N_("%(delta)s from %(previous)s to %(latest)s; a move of %(threshold)s demands a decision"),
                      delta=Signed(change.delta, metric.unit, digits), previous=_month(change.previous.period),
                      latest=_month(change.latest.period),
                      threshold=Measure(float(metric.threshold), metric.unit, digits)),
            ALARM_QUESTION, f"index.html#metric-{key}"))
    titles = {key: irritant.title or key for key, irritant in backlog.irritants.items()}
    signals += [_risk_item(risk, metric_names, titles) for risk in facts.risks if risk.severity != RiskLevel.LOW]

    decisions = [_decision_item(backlog.decisions[key], facts.decisions[key].days_overdue or 0)
                 for key in meeting.decisions_due(facts)]

    unlinked = meeting.unlinked_since(facts, since)
    inbox = [InboxItem(stage, f"stages/{stage.stage}/index.html") for stage in unlinked.stages]

    smallest = facts.themes.smallest_open
    themes = [ThemeItem(theme, f"feedback/index.html#theme-{theme.key}") for theme in facts.themes.bigger]

    stories = [StoryItem(backlog.stories[key],
                         Phrase.of(N_("goes out on %(date)s"), date=backlog.stories[key].date.isoformat()),
                         f"stories/{key}/index.html") for key in meeting.stories_scheduled(facts)]
    stories += [StoryItem(backlog.stories[key], Phrase(N_("internal, and its irritants are done: tell customers?")),
                          f"stories/{key}/index.html") for key in meeting.stories_ready(facts)]

    customers_waiting = meeting.customers_waiting(facts)
    waiting = sorted((WaitingItem(backlog.stories[key], customers, f"stories/{key}/index.html")
                      for key, customers in customers_waiting or ()),
                     key=lambda item: (-item.customers, item.story.id))

    return Agenda(
        organisation=backlog.config.organisation, on=facts.as_of, since=since,
        voices=Capped.of(voices, VOICES),
        irritants=Capped.of(irritants, IRRITANTS, "index.html#open", ON_THE_DASHBOARD),
        # every risk signal is listed there
        signals=Capped.of(signals, SIGNALS, "journey/index.html#risks", ON_THE_JOURNEY_MAP),
        decisions=Capped.of(decisions, DECISIONS, "decisions/index.html", IN_THE_DECISION_LOG),
        inbox=Capped.of(inbox, STAGES, "feedback/index.html", IN_THE_UNLINKED_FEEDBACK),
        unlinked_total=sum(item.inbox.rows for item in inbox),
        new_rows=meeting.new_rows(facts, since),
        off_journey=unlinked.off_journey, unread_rows=meeting.unread_rows(facts),
        stories=Capped.of(stories, STORIES, "stories/index.html", ALL_STORIES),
        customers_waiting=customers_waiting,
        themes=Capped.of(themes, THEMES, "feedback/index.html#complaints", IN_THE_UNLINKED_FEEDBACK),
        smallest_open=(backlog.irritants[smallest[0]], facts.irritants[smallest[0]].evidence.people)
        if smallest else None,
        waiting=Capped.of(waiting, STORIES, "stories/index.html", ALL_STORIES))


def _irritant_item(irritant: Irritant, facts: IrritantFacts, cadence: int) -> IrritantItem:
    reasons = []
    if facts.days_late is not None:
        reasons.append(Phrase.ngettext("%(num)d day late", "%(num)d days late", facts.days_late))
    if facts.unreviewed:
        reasons.append(Phrase.ngettext("not reviewed for %(num)d day (every %(every)d)",
                                       "not reviewed for %(num)d days (every %(every)d)", facts.days_since_review,
                                       every=cadence))
    if facts.target_this_week and facts.days_to_target is not None:
        reasons.append(Phrase(N_("target today")) if facts.days_to_target == 0 else
                       Phrase.ngettext("target in %(num)d day", "target in %(num)d days", facts.days_to_target))
    if facts.overdue:
        question = OVERDUE_QUESTION
    elif facts.unreviewed:
        question = UNREVIEWED_QUESTION
    else:
        question = THIS_WEEK_QUESTION
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
    for char in one_line(text):
        out.append("\\" + char if char in "\\`*_[]<>#|" else char)
    return "".join(out)


def render_markdown(agenda: Agenda, base_url: str | None = None, words: Language | None = None) -> str:
    """The agenda as markdown in words' language (English when none); links are absolute under base_url (the
    internal site), else relative paths."""
    base = base_url or ""
    w = words or language()
    _, ngettext = w.gettext, w.ngettext

    def link(text: str, path: str) -> str:
        return f"[{_md(text)}]({base}{path})"

    def more(section: Capped[T], singular: str, plural: str) -> list[str]:
        if not section.more:
            return []
        where = f" — {link(_(section.more_where), section.more_link)}" if section.more_link else ""
        return [f"- {ngettext(singular, plural, section.more) % {'num': section.more}}{where}"]

    lines = [f"# {_md(agenda.title.say(w))}", "",
             f"{_md(agenda.organisation)} · "
             f"{_('since the last meeting on %(date)s') % {'date': agenda.since.isoformat()}} · "
             f"{_('15–20 minutes')}", ""]

    lines += [f"## {_('1. The empty chair — customers speak first')}", ""]
    for voice in agenda.voices.items:
        row = voice.row
        # the stage, segment and source as the page and the rest of the site word them (the label filter)
        who = " · ".join([*(label(x, _) for x in (row.journey_stage, row.segment, row.source) if x),
                          row.date.isoformat()])
        lines += [f"> “{_md(row.verbatim or '')}”", f"> — {link(who, voice.link)}", ""]
    if not agenda.voices.items:
        lines += [_("No new verbatims since the last meeting. Who will call a customer this week?"), ""]

    lines += [f"## {_('2. Irritants to review')}", ""]
    for item in agenda.irritants.items:
        owner = _md(item.irritant.owner or _("no owner"))
        target = (_("target %(date)s") % {"date": item.irritant.target.isoformat()} if item.irritant.target
                  else _("no target"))
        due = _("%(name)s:") % {"name": f"{owner}, {target}"}   # French puts a space before the colon
        lines.append(f"- **{link(item.irritant.title, item.link)}** — {due} "
                     f"{w.clauses(reason.say(w) for reason in item.reasons)}. *{_(item.question)}*")
    lines += more(agenda.irritants, "… and %(num)d more irritant", "… and %(num)d more irritants")
    if not agenda.irritants.items:
        lines.append(_("Nothing overdue, unreviewed or due this week."))
    lines.append("")

    lines += [f"## {_('3. Metrics and risk signals')}", ""]
    for signal in agenda.signals.items:
        lines.append(f"- **{link(signal.title.say(w), signal.link)}** — {_md(signal.detail.say(w))}. "
                     f"*{_(signal.question)}*")
    lines += more(agenda.signals, "… and %(num)d more signal", "… and %(num)d more signals")
    if not agenda.signals.items:
        lines.append(_("No metric past its threshold without a decision, no risk signal."))
    lines.append("")

    lines += [f"## {_('4. Decisions to review')}", ""]
    for decision in agenda.decisions.items:
        d = decision.decision
        due = ngettext("review was due %(date)s (%(num)d day ago)", "review was due %(date)s (%(num)d days ago)",
                       decision.days_overdue) % {"date": d.review_on.isoformat(), "num": decision.days_overdue}
        lines.append(f"- **{link(d.title, decision.link)}** — {_md(d.owner)}, {due}")
        lines += [f"  - {_(question)}" for question in decision.questions]
    lines += more(agenda.decisions, "… and %(num)d more decision", "… and %(num)d more decisions")
    if not agenda.decisions.items:
        lines.append(_("No decision due for review."))
    lines.append("")

    lines += [f"## {_('5. New feedback no irritant covers')}", ""]
    if agenda.unread_rows:   # first: what follows, down to "no new feedback", is of the rows that were read
        unread = ngettext("%(num)d feedback row could not be read and is left out of what follows: <code>site-gen "
                          "check</code> says why.", "%(num)d feedback rows could not be read and are left out of what "
                          "follows: <code>site-gen check</code> says why.", agenda.unread_rows)
        lines += [unread.replace("<code>", "`").replace("</code>", "`") % {"num": agenda.unread_rows}, ""]
    if agenda.themes.items and agenda.smallest_open:
        irritant, behind = agenda.smallest_open
        lines += [f"**{_('A bigger problem than one you are working on is not in the backlog.')}** " +
                  _("These complaint themes have more people than %(irritant)s (%(customers)s), the open "
                    "irritant with the least evidence:") % {
                      "irritant": link(irritant.title, f"irritants/{irritant.id}/index.html"),
                      "customers": w.people(behind.customers, behind.anonymous)}, ""]
        question = _("Open it as an irritant, link it to one, or decline it?")
        for flagged in agenda.themes.items:
            theme = flagged.theme
            said = w.people(theme.customers, theme.anonymous)
            lines.append(f"- {link('“' + theme.wording + '”', flagged.link)} — {said}, "
                         f"{_md(label(theme.journey_stage, _))}. *{question}*")
        lines += more(agenda.themes, "… and %(num)d more theme", "… and %(num)d more themes")
        lines.append("")
    if agenda.inbox.items:
        lines.append(ngettext("%(num)d new row since %(date)s, by journey stage:",
                              "%(num)d new rows since %(date)s, by journey stage:", agenda.unlinked_total) % {
            "num": agenda.unlinked_total, "date": agenda.since.isoformat()})
        lines.append("")
    for entry in agenda.inbox.items:
        sample = f" — “{_md(entry.inbox.newest[0].verbatim or '')}”" if entry.inbox.newest else ""
        complaints = ngettext("%(num)d complaint", "%(num)d complaints", entry.inbox.complaints) % {
            "num": entry.inbox.complaints}
        stage = _("%(name)s:") % {"name": link(label(entry.inbox.stage, _), entry.link)}
        lines.append(f"- {stage} {entry.inbox.rows} ({complaints}){sample}")
    lines += more(agenda.inbox, "… and %(num)d more stage", "… and %(num)d more stages")
    if agenda.off_journey:   # in no stage's line above: their stage is not one of site.yaml's
        if agenda.inbox.items:
            lines.append("")
        lines.append(ngettext("%(num)d new unlinked row names a journey stage that site.yaml does not list",
                              "%(num)d new unlinked rows name a journey stage that site.yaml does not list",
                              agenda.off_journey) % {"num": agenda.off_journey}
                     + f" — {link(_(IN_THE_UNLINKED_FEEDBACK), UNLINKED_ROWS)}")
    elif not agenda.inbox.items:
        lines.append(_("None: every new row is linked to an irritant.") if agenda.new_rows else
                     _("No new feedback since %(date)s.") % {"date": agenda.since.isoformat()})
    lines.append("")

    lines += [f"## {_('6. Closing the loop')}", ""]
    for story in agenda.stories.items:
        lines.append(f"- {link(story.story.title, story.link)} — {_md(story.why.say(w))}")
    lines += more(agenda.stories, "… and %(num)d more story", "… and %(num)d more stories")
    if not agenda.stories.items:
        lines.append(_("No story scheduled or ready to publish."))
    if agenda.customers_waiting:
        waiting = sum(n for _story, n in agenda.customers_waiting)
        told = ngettext("%(num)d customer is waiting to be told (<code>site-gen notify</code>)",
                        "%(num)d customers are waiting to be told (<code>site-gen notify</code>)", waiting)
        told = told.replace('<code>', '').replace('</code>', '') % {'num': waiting}
        lines.append(f"- {_('%(name)s:') % {'name': told}}")
        for waits in agenda.waiting.items:   # which stories: each is one notify run
            customers = ngettext("%(num)d customer", "%(num)d customers", waits.customers) % {"num": waits.customers}
            lines.append(f"  - {link(waits.story.title, waits.link)} — {customers}")
        lines += ["  " + line for line in more(agenda.waiting, "… and %(num)d more story",
                                               "… and %(num)d more stories")]
    lines.append("")
    return "\n".join(lines)


def _month(key: str) -> Months:
    """One month (YYYY-MM) as the charts write it: Oct 2026."""
    return Months(key, key)


def _risk_item(risk: RiskSignal, metrics: dict[str, Metric], titles: Mapping[str, str]) -> Signal:
    """A risk signal as an agenda line: what got worse, over which months, and which irritants (by title) cover it."""
    covering = Clauses(tuple(titles.get(key, key) for key in risk.covered_by))
    # counted, and naming no gender: what it covers is a metric, a score or a complaint share, and a language whose
    # participle agrees ("cubierto", "pris en charge") would read wrong for one of them
    cover = (Phrase.ngettext("covered by %(irritants)s", "covered by %(irritants)s", len(risk.covered_by),
                             irritants=covering) if risk.covered_by
             else Phrase(N_("not covered by any irritant")))
    severity = Phrase(SEVERITY[risk.severity])
    if risk.kind == RiskKind.METRIC_NEAR_THRESHOLD:
        metric = metrics[risk.subject]
        digits = metric_digits(metric)
        return Signal(
            Phrase.of(N_("%(metric)s close to its threshold (%(severity)s)"), metric=metric.name, severity=severity),
            Phrase.of(N_("moved %(delta)s from %(previous)s to %(latest)s, the bad way; "
                         "%(threshold)s demands a decision; %(cover)s"), delta=Signed(risk.delta, metric.unit, digits),
                      previous=_month(risk.baseline[0]), latest=_month(risk.months[0]),
                      threshold=Measure(float(risk.threshold), metric.unit, digits), cover=cover),
            NEAR_QUESTION, f"index.html#metric-{risk.subject}")
    window = Phrase.of(N_("%(months)s against %(baseline)s"), months=Months(risk.months[0], risk.months[-1]),
                       baseline=Months(risk.baseline[0], risk.baseline[-1]))
    where: dict[str, Value] = {"stage": Named(risk.subject)} if risk.stage else \
        {"segment": Named(risk.subject, in_sentence=True)}
    # the values as the journey map writes them, in their natural order, with the way that is better for customers
    values: tuple[Value, Value] = risk.scores or (Percent(float(risk.before)), Percent(float(risk.recent)))
    detail = Phrase.of(N_("%(before)s → %(after)s (lower is better), %(window)s; %(cover)s") if risk.higher_is_worse
                       else N_("%(before)s → %(after)s (higher is better), %(window)s; %(cover)s"),
                       before=values[0], after=values[1], window=window, cover=cover)
    if risk.kind == RiskKind.SCORE_WORSENING:
        title = (Phrase.of(N_("%(score)s worsening at %(stage)s (%(severity)s)"), **where, severity=severity,
                           score=str(risk.score_type).upper()) if risk.stage else
                 Phrase.of(N_("%(score)s worsening at the %(segment)s segment (%(severity)s)"), **where,
                           severity=severity, score=str(risk.score_type).upper()))
    else:
        title = (Phrase.of(N_("Complaint share rising at %(stage)s (%(severity)s)"), **where, severity=severity)
                 if risk.stage else
                 Phrase.of(N_("Complaint share rising at the %(segment)s segment (%(severity)s)"), **where,
                           severity=severity))
    return Signal(title, detail, COVERED_QUESTION if risk.covered_by else UNCOVERED_QUESTION,
                  "journey/index.html#risks")
