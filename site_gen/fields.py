"""The field contract people write by hand, declared once.

These declarations drive validation (types, allowed values, unknown fields),
the JSON Schemas editors use for autocompletion, and the README's tables.
Which fields may be published is NOT decided here: that is views/public.py's
allow-list, on purpose, so adding a field here can never publish it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
FEEDBACK_ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
URL_PATTERN = r"^https?://[^\s\"'<>]+$"

ID_RE = re.compile(ID_PATTERN)
FEEDBACK_ID_RE = re.compile(FEEDBACK_ID_PATTERN)


@dataclass(frozen=True)
class Field:
    name: str
    # text, markdown, id, feedback-id, date, period, integer, number, boolean, enum, url, color,
    # list, object, object-list
    type: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    item: str = ""                      # for lists: id, feedback-id, text
    fields: tuple[Field, ...] = ()    # for object and object-list
    default: object = None


JOURNEY_STAGE_DOC = "Journey stage, one of site.yaml's journey_stages."
TEAM_DOC = "Team, one of site.yaml's teams."

TRIAGE = ("act-now", "plan", "decline")
IRRITANT_STATUS = ("open", "in-progress", "done", "declined")
VISIBILITY = ("internal", "public")
DECISION_STATUS = ("active", "reviewed", "superseded")
DECISION_KIND = ("arbitration", "metric-response", "decline", "debrief")
DECISION_CHANGE = ("priority", "rule", "resources", "friction")
AUDIENCE = ("internal", "public")
SOURCES = ("survey", "ticket", "chat", "call", "review", "social", "interview", "field")
SCORE_TYPES = ("nps", "ces", "csat")
SCORE_RANGE = {"nps": (0, 10), "ces": (1, 7), "csat": (1, 5)}
FEEDBACK_KIND = ("complaint", "praise", "suggestion")
SEVERITIES = ("warning", "error")
COMPUTE = ("nps", "ces", "csat")
DIRECTIONS = ("up", "down")

_ID = Field("id", "id", "The record's ID; if given it must equal the file name without extension.")

_ALLOW_PERSONAL_DATA = Field(
    "allow_personal_data", "list",
    "Exact strings of public text that look like personal data but are not (e.g. your own phone number); "
    "never published; check names each one as a warning.", item="text")

IRRITANT_FIELDS: tuple[Field, ...] = (
    _ID,
    Field("title", "text", "Internal wording of the pain point.", required=True),
    Field("summary", "markdown", "What customers experience, in a few sentences (internal)."),
    Field("public_title", "text", "Customer-facing wording; required when visibility is public."),
    Field("journey_stage", "id", JOURNEY_STAGE_DOC, required=True),
    Field("team", "id", TEAM_DOC, required=True),
    Field("owner", "text", "The person responsible (internal)."),
    Field("cause", "text", "The identified or probable cause (internal)."),
    Field("triage", "enum", "act-now: fix it now; plan: schedule it with a date; decline: we won't, and say why.",
          required=True, choices=TRIAGE),
    Field("decline_reason", "text", "Why we decline (internal); required when triage is decline."),
    Field("public_reason", "text", "Customer-facing reason for a decline; published only when visibility is public."),
    Field("status", "enum", "Where the irritant stands.", required=True, choices=IRRITANT_STATUS),
    Field("opened", "date", "When the team decided to act on it (YYYY-MM-DD).", required=True),
    Field("target", "date", "Target resolution date; required unless declined; not before opened."),
    Field("reviewed", "date", "Last review at the team meeting."),
    Field("closed", "date", "When it was done or declined; required once closed."),
    Field("feedback", "list", "IDs of the feedback rows that are the evidence.", item="feedback-id"),
    Field("visibility", "enum", "internal (default) or public.", choices=VISIBILITY, default="internal"),
    _ALLOW_PERSONAL_DATA,
)

DECISION_FIELDS: tuple[Field, ...] = (
    _ID,
    Field("title", "text", "What was decided, in one line.", required=True),
    Field("date", "date", "When it was decided.", required=True),
    Field("owner", "text", "Who is accountable for the decision (internal).", required=True),
    Field("review_on", "date", "When the team looks at it again. Every decision has one.", required=True),
    Field("status", "enum", "active, reviewed or superseded.", required=True, choices=DECISION_STATUS),
    Field("kind", "enum", "arbitration, metric-response (needs metric), decline or debrief.",
          required=True, choices=DECISION_KIND),
    Field("change", "enum", "What the decision changes.", choices=DECISION_CHANGE),
    Field("metric", "id", "For metric-response decisions: the metric id from site.yaml."),
    Field("irritants", "list", "IDs of the irritants this decision is about.", item="id"),
    Field("steps_delta", "integer", "Process steps added (+) or removed (-)."),
    Field("customer", "text", "Arbitration: what changes for the customer?"),
    Field("promise", "text", "Arbitration: does it keep our promise?"),
    Field("teams", "text", "Arbitration: what does it cost our teams?"),
    Field("simplest", "text",
          "Arbitration: is it the simplest, clearest option for the customer at comparable effort?"),
    Field("what_happened", "text", "Debrief: what happened."),
    Field("customer_impact", "text", "Debrief: the impact on customers."),
    Field("root_cause", "text", "Debrief: the root cause."),
    Field("prevention", "text", "Debrief: what prevents it from happening again."),
)

ARBITRATION_QUESTIONS = ("customer", "promise", "teams", "simplest")
DEBRIEF_POINTS = ("what_happened", "customer_impact", "root_cause", "prevention")

STORY_FIELDS: tuple[Field, ...] = (
    _ID,
    Field("title", "text", "Headline of the story.", required=True),
    Field("date", "date", "Publication date.", required=True),
    Field("you_said", "text", "What customers told us, in their terms, with no personal data."),
    Field("we_did", "text", "What changed."),
    Field("result", "text", "The measured effect, if known."),
    Field("irritants", "list", "IDs of the irritants this story closes (at least one).", item="id", required=True),
    Field("journey_stage", "id", "Journey stage; defaults to its irritants'."),
    Field("audience", "enum", "public or internal (default).", choices=AUDIENCE, default="internal"),
    Field("internal_notes", "text", "Notes for employees only."),
    _ALLOW_PERSONAL_DATA,
)

FEEDBACK_FIELDS: tuple[Field, ...] = (
    Field("id", "feedback-id", "Row ID from the export (letters, digits, _ . : -); unique across all feedback.",
          required=True),
    Field("date", "date", "When the customer said it.", required=True),
    Field("source", "enum", "Where it came from.", required=True, choices=SOURCES),
    Field("customer", "text", "Opaque CRM reference (internal, never published)."),
    Field("segment", "id", "Customer segment, one of site.yaml's segments."),
    Field("team", "id", TEAM_DOC),
    Field("journey_stage", "id", JOURNEY_STAGE_DOC, required=True),
    Field("score_type", "enum", "nps (0-10), ces (1-7) or csat (1-5); together with score.", choices=SCORE_TYPES),
    Field("score", "integer", "The score: nps 0-10, ces 1-7, csat 1-5."),
    Field("verbatim", "text", "The customer's words (internal unless consent_public is true)."),
    Field("consent_public", "boolean", "The customer agreed that the verbatim may be published."),
    Field("kind", "enum", "complaint, praise or suggestion.", choices=FEEDBACK_KIND),
    Field("irritant", "id", "The irritant this row is evidence for."),
)

METRIC_FIELDS: tuple[Field, ...] = (
    Field("id", "id", "Metric ID, referenced by metric-response decisions.", required=True),
    Field("name", "text", "Display name.", required=True),
    Field("direction", "enum", "up: higher is better; down: lower is better.", required=True, choices=DIRECTIONS),
    Field("threshold", "number", "Absolute change between the last two complete periods that demands a decision.",
          required=True, minimum=0),
    Field("unit", "text", "Unit shown after values, e.g. %."),
    Field("compute", "enum", "Compute by month from feedback scores.", choices=COMPUTE),
    Field("series", "object-list", "Values from elsewhere, by month.", fields=(
        Field("period", "period", "Month, YYYY-MM.", required=True),
        Field("value", "number", "The value for that month.", required=True),
    )),
)

SITE_FIELDS: tuple[Field, ...] = (
    Field("organisation", "text", "Your organisation's name.", required=True),
    Field("public", "object", "The public site.", fields=(
        Field("title", "text", "Site title.", default="You said, we did"),
        Field("base_url", "url", "Where the public site is hosted, ending with /."),
        Field("language", "text", "Language tag, e.g. en.", default="en"),
        Field("accent", "color", "Accent colour, #rrggbb.", default="#0a7d5a"),
        Field("logo", "text", "Path of a logo image inside the repository, or null."),
    )),
    Field("internal", "object", "The internal site.", fields=(
        Field("title", "text", "Site title.", default="Customer backlog"),
        Field("base_url", "url", "Where the internal site is hosted, ending with /."),
    )),
    Field("journey_stages", "list", "Journey stages, in journey order.", item="id", required=True),
    Field("teams", "list", "Teams that own irritants.", item="id", required=True),
    Field("segments", "list", "Customer segments.", item="id"),
    Field("rules", "object", "Backlog rules.", fields=(
        Field("max_open", "integer", "Most open irritants (open + in-progress) allowed.", minimum=1, default=10),
        Field("review_every_days", "integer", "Open irritants are reviewed at least this often.", minimum=1,
              default=14),
        Field("overdue", "enum", "Severity of an open irritant past its target.", choices=SEVERITIES,
              default="warning"),
        Field("unreviewed", "enum", "Severity of an open irritant not reviewed in time.", choices=SEVERITIES,
              default="warning"),
        Field("review_due", "enum", "Severity of an active decision past its review_on date.", choices=SEVERITIES,
              default="warning"),
    )),
    Field("metrics", "object-list", "At most three customer metrics.", fields=METRIC_FIELDS),
)
