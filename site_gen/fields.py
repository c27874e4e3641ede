"""The field contract people write by hand, as read from its one declaration: the model (`model.py`).

These tuples drive validation (types, allowed values, unknown fields), the JSON
Schemas editors use for autocompletion, and the README's field tables
(`scripts/docs.py`; a test fails when they disagree). To add a field, declare
it on the model's dataclass with `declare(...)`: it appears in all three.
Which fields may be published is NOT decided here: that is views/public.py's
allow-list, on purpose, so adding a field can never publish it.
"""

from __future__ import annotations

from .fieldtypes import (
    COLOR_PATTERN,
    DATE_PATTERN,
    FEEDBACK_ID_PATTERN,
    FEEDBACK_ID_RE,
    ID_PATTERN,
    ID_RE,
    PERIOD_PATTERN,
    URL_PATTERN,
    Field,
    contract_of,
)
from .model import (
    Decision,
    FeedbackRow,
    Irritant,
    Metric,
    Notification,
    ScoreType,
    SiteConfig,
    Story,
)

__all__ = ["Field", "ID_PATTERN", "FEEDBACK_ID_PATTERN", "PERIOD_PATTERN", "DATE_PATTERN", "COLOR_PATTERN",
           "URL_PATTERN", "ID_RE", "FEEDBACK_ID_RE", "IRRITANT_FIELDS", "DECISION_FIELDS", "STORY_FIELDS",
           "FEEDBACK_FIELDS", "METRIC_FIELDS", "SITE_FIELDS", "RECORD_FIELDS", "ARBITRATION_QUESTIONS",
           "DEBRIEF_POINTS", "SCORE_RANGE", "NOTIFIED_FIELDS"]

IRRITANT_FIELDS: tuple[Field, ...] = contract_of(Irritant)
DECISION_FIELDS: tuple[Field, ...] = contract_of(Decision)
STORY_FIELDS: tuple[Field, ...] = contract_of(Story)
FEEDBACK_FIELDS: tuple[Field, ...] = contract_of(FeedbackRow)
METRIC_FIELDS: tuple[Field, ...] = contract_of(Metric)
SITE_FIELDS: tuple[Field, ...] = contract_of(SiteConfig)
NOTIFIED_FIELDS: tuple[Field, ...] = contract_of(Notification)

# what people write, by the README's name for it: the docs check and the README tables follow this order
RECORD_FIELDS: dict[str, tuple[Field, ...]] = {
    "site": SITE_FIELDS,
    "irritant": IRRITANT_FIELDS,
    "decision": DECISION_FIELDS,
    "story": STORY_FIELDS,
    "feedback": FEEDBACK_FIELDS,
    "notified": NOTIFIED_FIELDS,
}

SCORE_RANGE = {ScoreType.NPS: (0, 10), ScoreType.CES: (1, 7), ScoreType.CSAT: (1, 5)}
ARBITRATION_QUESTIONS = ("customer", "promise", "teams", "simplest")
DEBRIEF_POINTS = ("what_happened", "customer_impact", "root_cause", "prevention")
