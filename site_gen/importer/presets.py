"""What each export format holds, as data: which columns carry the ID, date, customer, score and verbatim.

A column is named by its alternatives (matched without regard to case, against every header row):
Qualtrics' current exporter writes `ResponseId`, its legacy one `ResponseID` in the second row. Question
columns differ from survey to survey: a preset names the fixed columns a tool always writes, and
`--map "question=field"` adds the survey's own (its NPS question, its free-text question).
Checked against the real exports described in ../shared/real-exports/README.md and each tool's
documentation of its export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..model import ScoreType, Source


class Layout(StrEnum):
    """How many header rows come before the responses, and what they hold."""

    ONE_ROW = "one-row"            # one row of column names (Typeform, Google Forms and Play, Alchemer, Zendesk)
    SURVEYMONKEY = "surveymonkey"  # names, then a row of sub-labels ('Response', 'Open-Ended Response', options)
    QUALTRICS = "qualtrics"        # names, labels, {"ImportId": …} (current); V1…V10 names, then labels (legacy)


# Text labels of the usual answer scales, as the tools write them when "choice text" is exported.
# The number each stands for is the scale's own, so NPS, CES and CSAT stay right.
SCALE_LABELS: dict[ScoreType, dict[str, int]] = {
    ScoreType.CSAT: {
        "very dissatisfied": 1, "extremely dissatisfied": 1, "dissatisfied": 2, "somewhat dissatisfied": 2,
        "neither satisfied nor dissatisfied": 3, "neutral": 3, "somewhat satisfied": 4, "satisfied": 4,
        "very satisfied": 5, "extremely satisfied": 5,
    },
    ScoreType.CES: {
        "strongly disagree": 1, "disagree": 2, "somewhat disagree": 3, "neither agree nor disagree": 4,
        "somewhat agree": 5, "agree": 6, "strongly agree": 7,
        "extremely difficult": 1, "very difficult": 2, "difficult": 3, "neither easy nor difficult": 4,
        "easy": 5, "very easy": 6, "extremely easy": 7,
    },
    ScoreType.NPS: {"not at all likely": 0, "extremely likely": 10},
}


@dataclass(frozen=True, slots=True)
class Skip:
    """Leave out the rows whose column holds one of these values (compared without regard to case)."""

    column: tuple[str, ...]
    values: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    tool: str
    source: Source
    layout: Layout
    date: tuple[str, ...]                        # the first present column is read
    id: tuple[str, ...] = ()                     # the source's own ID; none: a content hash
    id_required: bool = True                     # the ID column must exist (else it is used when present)
    id_pattern: str | None = None                # a regular expression whose group 1 is the ID inside the cell
    hash_columns: tuple[tuple[str, ...], ...] = ()  # what identifies a row without an ID (none: every cell)
    customer: tuple[str, ...] = ()
    contact_name: tuple[tuple[str, ...], ...] = ()  # joined into the customer's name, for --contacts-out only
    verbatim: tuple[tuple[str, ...], ...] = ()   # every present one, joined
    score: tuple[str, ...] = ()
    score_type: ScoreType | None = None
    score_labels: dict[str, int | None] = field(default_factory=dict)  # None: a label that carries no score
    skip: tuple[Skip, ...] = ()
    example: str = ""


PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset(
        "typeform", "Typeform responses CSV (Results > Responses > Download)", Source.SURVEY, Layout.ONE_ROW,
        date=("Submit Date (UTC)",), id=("#", "Token", "Response ID"),
        example='site-gen import responses.csv --preset typeform --stage sign-up '
                '--map "What could we do better?=verbatim"',
    ),
    Preset(
        "qualtrics", "Qualtrics data export, CSV (current 3 header rows, or legacy 2 rows)", Source.SURVEY,
        Layout.QUALTRICS,
        date=("RecordedDate", "EndDate", "Recorded Date", "End Date"), id=("ResponseId", "ResponseID", "Response ID"),
        customer=("RecipientEmail", "EmailAddress", "Recipient Email"),
        contact_name=(("RecipientFirstName", "Recipient First Name"), ("RecipientLastName", "Recipient Last Name"),
                      ("Name",)),
        skip=(Skip(("Status", "Response Type"), ("1", "Survey Preview", "2", "Survey Test", "8", "Spam"),
                   "a preview, test or spam response (Status)"),),
        example='site-gen import "Survey_November 27, 2023.csv" --preset qualtrics --stage first-ride '
                '--map CSAT=csat --map Q7=verbatim',
    ),
    Preset(
        "google-play", "Google Play Console reviews CSV (UTF-16 as downloaded, or UTF-8)", Source.REVIEW,
        Layout.ONE_ROW,
        date=("Review Submit Date and Time",), id=("Review Link",), id_required=False,
        id_pattern=r"reviewid=([A-Za-z0-9_:.-]+)",
        hash_columns=(("Package Name",), ("Device",), ("Reviewer Language",), ("Review Submit Millis Since Epoch",)),
        verbatim=(("Review Title",), ("Review Text",)), score=("Star Rating",), score_type=ScoreType.CSAT,
        example="site-gen import reviews_reviews_org.example_202611.csv --preset google-play --stage discover",
    ),
    Preset(
        "google-forms", "Google Forms responses (the linked Sheet downloaded as CSV or TSV)", Source.SURVEY,
        Layout.ONE_ROW, date=("Timestamp",), customer=("Email Address", "Email address"),
        example='site-gen import "Form Responses 1.tsv" --preset google-forms --stage support '
                '--map "How likely are you to recommend=nps" --map "What do you like least=verbatim"',
    ),
    Preset(
        "surveygizmo", "SurveyGizmo / Alchemer CSV export (Status Complete or Partial)", Source.SURVEY,
        Layout.ONE_ROW,
        date=("Date Submitted",), id=("Response ID",), id_required=False,
        customer=("Email Address", "Email"),
        skip=(Skip(("Status",), ("Partial", "Disqualified", "Deleted"), "a partial or disqualified response"),),
        example='site-gen import 20160115235816-SurveyExport.csv --preset surveygizmo --stage first-ride '
                '--map "Aspect #1=verbatim"',
    ),
    Preset(
        "surveymonkey", "SurveyMonkey CSV export (two header rows)", Source.SURVEY, Layout.SURVEYMONKEY,
        date=("End Date", "Start Date"), id=("Respondent ID",), customer=("Email Address",),
        contact_name=(("First Name",), ("Last Name",)),
        example='site-gen import Survey.csv --preset surveymonkey --stage payment '
                '--map "How likely is it that you would recommend=nps" --map "What should we change=verbatim"',
    ),
    Preset(
        "zendesk", "Zendesk Support ticket CSV export (Views > Export as CSV)", Source.TICKET, Layout.ONE_ROW,
        date=("Created at",), id=("Id",), customer=("Requester email",), contact_name=(("Requester",),),
        verbatim=(("Subject",),), score=("Satisfaction Score",), score_type=ScoreType.CSAT,
        # Zendesk's satisfaction is good or bad: on the CSAT scale, good counts as satisfied (5), bad as not (1)
        score_labels={"good": 5, "good, i'm satisfied": 5, "bad": 1, "bad, i'm unsatisfied": 1,
                      "offered": None, "unoffered": None},
        example="site-gen import tickets.csv --preset zendesk --stage support",
    ),
)}
