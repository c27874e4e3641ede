"""The validated backlog: immutable records that remember where they were written.

Each record field is declared once, here, with its contract (`declare`): its
type, its meaning and whether it is required. Validation, the JSON Schemas and
the README's field tables are derived from these declarations (`fields.py`).
Which fields may be published is NOT decided here: that is views/public.py's
allow-list, on purpose, so adding a field here can never publish it.

Every record has `.loc` (its file) and `.locs` (field name -> where that value
was written; list entries as 'name.N'; 'name!' when its list was refused), so any rule can point at the
exact line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .audience import Audience as Audience  # the records' (site_gen/audience.py: no model to name a site)
from .diagnostics import Severity, SourceLoc, empty_place, refused_place
from .fieldtypes import (
    Boolean,
    Color,
    Date,
    Enum,
    ExportText,
    FeedbackId,
    FolderUrl,
    Id,
    Integer,
    List,
    Markdown,
    Number,
    Object,
    ObjectList,
    Period,
    Text,
    Url,
    declare,
)
from .i18n import Locales
from .pickling import quick_pickle

if TYPE_CHECKING:
    from .load.assets import PublishedImage
    from .load.parquet import ParquetFeedback

_NO_LOCS: Mapping[str, SourceLoc] = MappingProxyType({})


# --- states ---------------------------------------------------------------------------------

class Triage(StrEnum):
    ACT_NOW = "act-now"
    PLAN = "plan"
    DECLINE = "decline"


class IrritantStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    DECLINED = "declined"


class Visibility(StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"


class DecisionStatus(StrEnum):
    ACTIVE = "active"
    REVIEWED = "reviewed"
    SUPERSEDED = "superseded"


class DecisionOutcome(StrEnum):
    """What the review found: did the decision do what it was meant to?"""

    WORKED = "worked"
    PARTLY = "partly"
    DID_NOT_WORK = "did-not-work"
    TOO_EARLY = "too-early"


class DecisionKind(StrEnum):
    ARBITRATION = "arbitration"
    METRIC_RESPONSE = "metric-response"
    DECLINE = "decline"
    DEBRIEF = "debrief"


class DecisionChange(StrEnum):
    PRIORITY = "priority"
    RULE = "rule"
    RESOURCES = "resources"
    FRICTION = "friction"


class Source(StrEnum):
    SURVEY = "survey"
    TICKET = "ticket"
    CHAT = "chat"
    CALL = "call"
    REVIEW = "review"
    SOCIAL = "social"
    INTERVIEW = "interview"
    FIELD = "field"


class ScoreType(StrEnum):
    NPS = "nps"
    CES = "ces"
    CSAT = "csat"


class FeedbackKind(StrEnum):
    COMPLAINT = "complaint"
    PRAISE = "praise"
    SUGGESTION = "suggestion"


class NotifyResult(StrEnum):
    """A notify ledger line: an attempt is written before sending, its result after."""

    ATTEMPT = "attempt"      # about to send; alone as a customer's last line, the result is unknown
    SENT = "sent"            # final: the customer was told
    FAILED = "failed"        # final: the address was refused for good (SMTP 5xx)
    DEFERRED = "deferred"    # not final: refused for now (SMTP 4xx); the next run tries again


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


OPEN_STATUSES = (IrritantStatus.OPEN, IrritantStatus.IN_PROGRESS)
CLOSED_STATUSES = (IrritantStatus.DONE, IrritantStatus.DECLINED)

JOURNEY_STAGE_DOC = "Journey stage, one of site.yaml's journey_stages."
TEAM_DOC = "Team, one of site.yaml's teams."
ID_DOC = "The record's ID; if given it must equal the file name without extension."


class Located:
    """Mixin: where a field of this record was written, falling back to the record's file."""

    __slots__ = ()
    loc: SourceLoc
    locs: Mapping[str, SourceLoc]

    def at(self, name: str) -> SourceLoc:
        return self.written_at(name) or self.loc

    def written_at(self, name: str) -> SourceLoc | None:
        """Where the field is written, its value or only its name (`reviewed:` left empty); None when it is not."""
        return self.locs.get(name) or self.locs.get(empty_place(name))

    def written_empty(self, name: str) -> bool:
        """`owner:` with nothing after it: the field's line is there, its value is not."""
        return empty_place(name) in self.locs

    def refused(self, name: str) -> bool:
        """The list written for this field was refused, whole or in part (text where a list goes, an entry that
        is not a valid ID…), and reported where it is written: a rule must not judge what is left of it as the
        list meant (a story's `irritants: slow-unlock` is one error, not also "needs at least one irritant")."""
        return refused_place(name) in self.locs


def _locs() -> Mapping[str, SourceLoc]:
    return field(default_factory=lambda: _NO_LOCS, compare=False, repr=False)


SLUG_DOC = ("The public address, written once: lower-case letters, digits and hyphens (stories/SLUG/ or "
            "items/SLUG/). Public; never change it without listing the old one in aliases.")
ALIASES_DOC = ("Old public addresses (slugs or site paths, e.g. stories/2026-02-old-title) that keep working "
               "as redirects to this record's page.")
ALLOW_PERSONAL_DATA_DOC = ("Exact strings of public text that look like personal data but are not (e.g. your own "
                           "phone number); never published; check names each one as a warning.")



# --- records --------------------------------------------------------------------------------

@quick_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Irritant(Located):
    id: str = declare(Id(), ID_DOC, from_file_name=True)
    loc: SourceLoc
    title: str = declare(Text(), "Internal wording of the pain point.", required=True)
    summary: str | None = declare(Markdown(), "What customers experience, in a few sentences (internal).")
    public_title: str | None = declare(Text(), "Customer-facing wording; required when visibility is public.")
    journey_stage: str = declare(Id(), JOURNEY_STAGE_DOC, required=True)
    team: str = declare(Id(), TEAM_DOC, required=True)
    owner: str | None = declare(Text(), "The person responsible (internal).")
    cause: str | None = declare(Text(), "The identified or probable cause (internal).")
    triage: Triage = declare(
        Enum(Triage), "act-now: fix it now; plan: schedule it with a date; decline: we won't, and say why.",
        required=True)
    decline_reason: str | None = declare(Text(), "Why we decline (internal); required when triage is decline.")
    public_reason: str | None = declare(
        Text(), "Customer-facing reason for a decline; published only when visibility is public.")
    status: IrritantStatus = declare(Enum(IrritantStatus), "Where the irritant stands.", required=True)
    opened: dt.date = declare(Date(), "When the team decided to act on it (YYYY-MM-DD).", required=True)
    target: dt.date | None = declare(Date(), "Target resolution date; required unless declined; not before opened.")
    reviewed: dt.date | None = declare(Date(), "Last review at the team meeting.")
    closed: dt.date | None = declare(Date(), "When it was done or declined; required once closed.")
    feedback: tuple[str, ...] = declare(List(FeedbackId()), "IDs of the feedback rows that are the evidence.",
                                        default=())
    visibility: Visibility = declare(Enum(Visibility), "internal (default) or public.", default=Visibility.INTERNAL)
    slug: str | None = declare(Text(), SLUG_DOC)
    aliases: tuple[str, ...] = declare(List(Text()), ALIASES_DOC, default=())
    allow_personal_data: tuple[str, ...] = declare(List(Text()), ALLOW_PERSONAL_DATA_DOC, default=())
    locs: Mapping[str, SourceLoc] = _locs()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


@quick_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Decision(Located):
    id: str = declare(Id(), ID_DOC, from_file_name=True)
    loc: SourceLoc
    title: str = declare(Text(), "What was decided, in one line.", required=True)
    date: dt.date = declare(Date(), "When it was decided.", required=True)
    owner: str = declare(Text(), "Who is accountable for the decision (internal).", required=True)
    review_on: dt.date = declare(Date(), "When the team looks at it again. Every decision has one.", required=True)
    status: DecisionStatus = declare(Enum(DecisionStatus), "active, reviewed or superseded.", required=True)
    kind: DecisionKind = declare(Enum(DecisionKind),
                                 "arbitration, metric-response (needs metric), decline or debrief.", required=True)
    change: DecisionChange | None = declare(Enum(DecisionChange), "What the decision changes.")
    metric: str | None = declare(Id(), "For metric-response decisions: the metric id from site.yaml.")
    irritants: tuple[str, ...] = declare(List(Id()), "IDs of the irritants this decision is about.", default=())
    steps_delta: int | None = declare(Integer(), "Process steps added (+) or removed (-).")
    customer: str | None = declare(Text(), "Arbitration: what changes for the customer?")
    promise: str | None = declare(Text(), "Arbitration: does it keep our promise?")
    teams: str | None = declare(Text(), "Arbitration: what does it cost our teams?")
    simplest: str | None = declare(
        Text(), "Arbitration: is it the simplest, clearest option for the customer at comparable effort?")
    what_happened: str | None = declare(Text(), "Debrief: what happened.")
    customer_impact: str | None = declare(Text(), "Debrief: the impact on customers.")
    root_cause: str | None = declare(Text(), "Debrief: the root cause.")
    prevention: str | None = declare(Text(), "Debrief: what prevents it from happening again.")
    outcome: DecisionOutcome | None = declare(
        Enum(DecisionOutcome),
        "What the review found: worked, partly, did-not-work (needs a decision that follows it) or too-early "
        "(needs a new review_on after outcome_date). Until it has one, a decision past review_on is due.")
    outcome_note: str | None = declare(Text(), "What the review found, in a sentence (internal).")
    outcome_date: dt.date | None = declare(Date(), "When the outcome was recorded; required with outcome.")
    follows: str | None = declare(Id(), "ID of an earlier decision that did not work and that this one follows up.")
    supersedes: str | None = declare(Id(), "ID of the decision this one replaces; that one says superseded_by.")
    superseded_by: str | None = declare(
        Id(), "ID of the decision that replaces this one (with status: superseded); that one says supersedes.")
    body: str = ""
    body_line: int = 1
    locs: Mapping[str, SourceLoc] = _locs()


@quick_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Story(Located):
    id: str = declare(Id(), ID_DOC, from_file_name=True)
    loc: SourceLoc
    title: str = declare(Text(), "Headline of the story.", required=True)
    date: dt.date = declare(Date(), "Publication date.", required=True)
    you_said: str | None = declare(Text(), "What customers told us, in their terms, with no personal data.")
    we_did: str | None = declare(Text(), "What changed.")
    result: str | None = declare(Text(), "The measured effect, if known.")
    irritants: tuple[str, ...] = declare(List(Id()), "IDs of the irritants this story closes (at least one).",
                                         required=True, default=())
    journey_stage: str | None = declare(Id(), "Journey stage; defaults to its irritants'.")
    audience: Audience = declare(Enum(Audience), "public or internal (default).", default=Audience.INTERNAL)
    slug: str | None = declare(Text(), SLUG_DOC)
    aliases: tuple[str, ...] = declare(List(Text()), ALIASES_DOC, default=())
    internal_notes: str | None = declare(Text(), "Notes for employees only.")
    allow_personal_data: tuple[str, ...] = declare(List(Text()), ALLOW_PERSONAL_DATA_DOC, default=())
    body: str = ""
    body_line: int = 1
    locs: Mapping[str, SourceLoc] = _locs()

    @property
    def is_public(self) -> bool:
        return self.audience == Audience.PUBLIC


@quick_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackRow:
    """One piece of customer voice. Rows are many, so they keep one location each."""

    id: str = declare(FeedbackId(),
                      "Row ID from the export (letters, digits, _ . : -); unique across all feedback.", required=True)
    loc: SourceLoc
    date: dt.date = declare(Date(), "When the customer said it.", required=True)
    source: Source = declare(Enum(Source), "Where it came from.", required=True)
    customer: str | None = declare(ExportText(), "Opaque CRM reference (internal, never published).")
    segment: str | None = declare(Id(), "Customer segment, one of site.yaml's segments.")
    team: str | None = declare(Id(), TEAM_DOC)
    journey_stage: str = declare(Id(), JOURNEY_STAGE_DOC, required=True)
    score_type: ScoreType | None = declare(Enum(ScoreType),
                                           "nps (0-10), ces (1-7) or csat (1-5); together with score.")
    score: int | None = declare(Integer(), "The score: nps 0-10, ces 1-7, csat 1-5.")
    verbatim: str | None = declare(ExportText(), "The customer's words (internal unless consent_public is true).")
    consent_public: bool = declare(Boolean(), "The customer agreed that the verbatim may be published.",
                                   default=False)
    kind: FeedbackKind | None = declare(Enum(FeedbackKind), "complaint, praise or suggestion.")
    irritant: str | None = declare(Id(), "The irritant this row is evidence for.")
    contact_ok: bool | None = declare(
        Boolean(), "The customer agreed to be contacted about this feedback (internal). Not given counts as false; "
        "a customer's newest row that gives it decides (a row dated after today is no answer yet).")


@quick_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One line of the notify ledger, backlog/notified.csv: who was told about which story, how, with what result.

    Append-only: `site-gen notify --send` adds an attempt line before each message and its result after.
    """

    loc: SourceLoc
    story: str = declare(Id(), "The story the customer was told about.", required=True)
    customer: str = declare(Text(), "The customer's opaque CRM reference, as in the feedback.", required=True)
    date: dt.date = declare(Date(), "When (lines are appended in date order).", required=True)
    channel: str = declare(Id(), "How: email (written by site-gen notify --send), or e.g. phone, crm, letter.",
                           required=True)
    result: NotifyResult = declare(
        Enum(NotifyResult), "attempt (before sending), then sent, failed (refused for good) or deferred "
        "(refused for now: tried again). A customer whose last line is an attempt has an unknown result.",
        required=True)


@quick_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Unreadable:
    """A record file (or feedback row) too broken to build: a required field is missing or invalid.

    It keeps its place in the backlog so that references to its ID do not cascade
    into false `reference` errors; its problems are already reported.
    """

    kind: str          # irritant, decision, story or feedback row
    id: str
    loc: SourceLoc


# --- site.yaml ------------------------------------------------------------------------------

@quick_pickle
@dataclass(frozen=True, slots=True)
class SeriesPoint:
    period: str = declare(Period(), "Month, YYYY-MM.", required=True)
    value: float = declare(Number(), "The value for that month.", required=True)


@quick_pickle
@dataclass(frozen=True, slots=True, kw_only=True)
class Metric(Located):
    id: str = declare(Id(), "Metric ID, referenced by metric-response decisions.", required=True, default="")
    loc: SourceLoc
    name: str = declare(Text(), "Display name.", required=True, default="")
    direction: Direction = declare(Enum(Direction), "up: higher is better; down: lower is better.",
                                   required=True, default=Direction.UP)
    threshold: float = declare(
        Number(minimum=0), "Absolute change between the last two complete periods that demands a decision.",
        required=True, default=0.0)
    unit: str = declare(Text(), "Unit shown after values, e.g. %.", default="")
    compute: ScoreType | None = declare(Enum(ScoreType), "Compute by month from feedback scores.")
    series: tuple[SeriesPoint, ...] = declare(ObjectList(SeriesPoint), "Values from elsewhere, by month.",
                                              default=())
    locs: Mapping[str, SourceLoc] = _locs()


@dataclass(frozen=True, slots=True, kw_only=True)
class Rules:
    max_open: int = declare(Integer(minimum=1), "Most open irritants (open + in-progress) allowed.", default=10)
    review_every_days: int = declare(Integer(minimum=1), "Open irritants are reviewed at least this often.",
                                     default=14)
    overdue: Severity = declare(Enum(Severity), "Severity of an open irritant past its target.",
                                default=Severity.WARNING)
    unreviewed: Severity = declare(Enum(Severity), "Severity of an open irritant not reviewed in time.",
                                   default=Severity.WARNING)
    review_due: Severity = declare(Enum(Severity), "Severity of a decision past its review_on date without an "
                                   "outcome.", default=Severity.WARNING)
    story_within_days: int = declare(
        Integer(minimum=0), "A done irritant with linked feedback gets a story within this many days of closing.",
        default=30)
    loop_open: Severity = declare(Enum(Severity), "Severity of a done irritant still without a story (loop-open).",
                                  default=Severity.WARNING)
    notify_within_days: int = declare(
        Integer(minimum=1), "Customers who agreed to be contacted are told about a public story within this many "
        "days of its date (rule loop-open).", default=30)
    effect_weeks: int = declare(
        Integer(minimum=1), "Weeks compared on each side of an irritant's closed date to tell whether the fix worked.",
        default=8)
    recurrence_grace_days: int = declare(
        Integer(minimum=0), "Days after closing before linked complaints count as a recurrence.", default=14)
    recurrence_share: float = declare(
        Number(minimum=0, maximum=100), "Linked complaints after the grace period above this percentage of the "
        "weekly rate before closing are a recurrence.", default=50.0)
    risk_months: int = declare(
        Integer(minimum=1), "Risk signals compare the last this many complete months with as many months before "
        "(scores and complaint share, per journey stage and per segment).", default=3)
    metric_stale_days: int = declare(
        Integer(minimum=1), "A metric whose last data point's month ended more than this many days ago is stale "
        "(rule metric-stale).", default=45)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicConfig:
    title: str = declare(Text(), "Site title.", default="You said, we did")
    base_url: str | None = declare(FolderUrl(), "Where the public site is hosted, ending with / (added when left "
                                                "out).")
    language: str = declare(Text(), "Language of the public site and of the messages `notify` writes: a language "
                            "tag whose catalogue is packaged (en, fr, de, es) or in the repository's locale/ folder; "
                            "fr-CA uses fr's catalogue with Canadian dates.", default="en")
    accent: str = declare(Color(), "Accent colour, #rrggbb.", default="#0a7d5a")
    # site.yaml gives a path; loading reads the image once, and the build publishes those bytes
    logo: PublishedImage | None = declare(Text(), "Path of a logo image inside the repository, or null.")
    feedback_url: str | None = declare(Url(), "Where a customer can tell you something (a form or contact page); "
                                       "shown as \"Tell us what to fix\" on every public page.")


@dataclass(frozen=True, slots=True, kw_only=True)
class InternalConfig:
    title: str = declare(Text(), "Site title.", default="Customer backlog")
    base_url: str | None = declare(FolderUrl(), "Where the internal site is hosted, ending with / (added when "
                                                "left out).")
    language: str = declare(Text(), "Language of the internal site, like public.language.", default="en")


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig(Located):
    loc: SourceLoc
    organisation: str = declare(Text(), "Your organisation's name.", required=True, default="")
    public: PublicConfig = declare(Object(PublicConfig), "The public site.", default=PublicConfig())
    internal: InternalConfig = declare(Object(InternalConfig), "The internal site.", default=InternalConfig())
    journey_stages: tuple[str, ...] = declare(List(Id()), "Journey stages, in journey order.", required=True,
                                              default=())
    teams: tuple[str, ...] = declare(List(Id()), "Teams that own irritants.", required=True, default=())
    segments: tuple[str, ...] = declare(List(Id()), "Customer segments.", default=())
    rules: Rules = declare(Object(Rules), "Backlog rules.", default=Rules())
    metrics: tuple[Metric, ...] = declare(ObjectList(Metric), "At most three customer metrics.", default=())
    locs: Mapping[str, SourceLoc] = _locs()
    # the files it names inside the repository (the logo), loaded or not: inputs of a check and a build beside
    # the usual folders, whose next run must notice one added or mended (site_gen.incremental's `extra`)
    named_files: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Backlog:
    """Everything a team keeps in its repository, loaded. Records are sorted by ID.

    `unreadable` holds what could not be built (its problems are reported): its
    IDs still count as known, so nothing that names them is reported missing.
    """

    config: SiteConfig
    irritants: Mapping[str, Irritant]
    decisions: Mapping[str, Decision]
    stories: Mapping[str, Story]
    feedback: tuple[FeedbackRow, ...]
    unreadable: tuple[Unreadable, ...] = ()
    notified: tuple[Notification, ...] = ()    # the notify ledger, in file order (never feedback)
    locales: Locales = Locales()               # the team's own catalogues (locale/*.po) beside the packaged ones
    # feedback/*.parquet: rows kept in DuckDB, never loaded as objects (the duckdb extra); None without any
    stored_feedback: ParquetFeedback | None = field(default=None, compare=False)
    # schemas/*.json as parsed JSON (None for a file that does not read), which check compares with what site.yaml
    # makes; None without a schemas/ folder
    editor_schemas: Mapping[str, Any] | None = None

    def unreadable_ids(self, kind: str) -> frozenset[str]:
        """IDs of the unreadable records of a kind: they exist, but could not be built."""
        return frozenset(stub.id for stub in self.unreadable if stub.kind == kind)

    def unreadable_counts(self) -> dict[str, int]:
        """Unreadable records per kind, keyed like counts(): {'irritants': 1}; kinds with none left out."""
        plural = {"irritant": "irritants", "decision": "decisions", "story": "stories",
                  "feedback row": "feedback rows"}
        found: dict[str, int] = {}
        for stub in self.unreadable:
            key = plural.get(stub.kind, stub.kind)
            found[key] = found.get(key, 0) + 1
        return found

    def counts(self) -> dict[str, int]:
        unreadable = {kind: sum(stub.kind == kind for stub in self.unreadable)
                      for kind in ("irritant", "decision", "story", "feedback row")}
        counts = {
            "irritants": len(self.irritants) + unreadable["irritant"],
            "decisions": len(self.decisions) + unreadable["decision"],
            "stories": len(self.stories) + unreadable["story"],
            "feedback rows": len(self.feedback) + unreadable["feedback row"]
            + (self.stored_feedback.rows() if self.stored_feedback is not None else 0),
        }
        if self.unreadable:
            counts["unreadable"] = len(self.unreadable)
        return counts
