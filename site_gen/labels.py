"""Plain words for every enum value either site shows, written once, and a score as it reads: the pages'
filters (site_gen.publish.render), the public view's status words (site_gen.views.public), the agenda and the digest
all read them here. The few words a customer reads differently from the team are here too (CUSTOMER_LABELS).
No Jinja: a view imports this, never the renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from babel.numbers import format_decimal

from .i18n import N_, Gettext
from .model import ScoreType
from .text import humanize

if TYPE_CHECKING:
    from .facts.scores import Score
    from .i18n import Language

# Plain words for every enum value either site shows: the ONE place they are written.
# tests/test_labels.py checks that every value of every StrEnum in site_gen.model has one here.
LABELS: dict[str, str] = {
    # irritant triage
    "act-now": N_("Fix now"), "plan": N_("Planned"), "decline": N_("Won’t do"),
    # irritant status (the team's words; a customer's, where they differ, are in CUSTOMER_LABELS)
    "open": N_("Not started"), "in-progress": N_("In progress"), "done": N_("Done"), "declined": N_("Won’t do"),
    # visibility and audience
    "internal": N_("Internal only"), "public": N_("Public"),
    # decision status, kind and change
    "active": N_("Active"), "reviewed": N_("Reviewed"), "superseded": N_("Superseded"),
    "arbitration": N_("Arbitration"), "metric-response": N_("Response to a metric"), "debrief": N_("Debrief"),
    "priority": N_("Priority"), "rule": N_("Rule"), "resources": N_("Resources"), "friction": N_("Friction"),
    # feedback source, score type and kind
    "survey": N_("Survey"), "ticket": N_("Support ticket"), "chat": N_("Chat"), "call": N_("Phone call"),
    "review": N_("Review"),
    "social": N_("Social media"), "interview": N_("Interview"), "field": N_("In person"),
    "nps": N_("NPS"), "ces": N_("Customer effort"), "csat": N_("Satisfaction"),
    "complaint": N_("Complaint"), "praise": N_("Praise"), "suggestion": N_("Suggestion"),
    # decision outcome; notify ledger result
    "worked": N_("Worked"), "partly": N_("Partly worked"), "did-not-work": N_("Did not work"),
    "too-early": N_("Too early to tell"),
    "attempt": N_("Sending"), "sent": N_("Told"), "failed": N_("Address refused"), "deferred": N_("Try again later"),
    # metric direction; rule severity
    "up": N_("Higher is better"), "down": N_("Lower is better"),
    "warning": N_("Warning"), "error": N_("Error"),
}

# Where a customer reads another word than the team: the public site's (its label filter and status words) first.
# An open irritant is "Not started" to the team, beside triage "Planned", so the two never read alike; to a
# customer "not started" would sound like neglect, and "Planned", with its target month, is the promise.
CUSTOMER_LABELS: dict[str, str] = {
    "open": N_("Planned"),
}


def label(value: object, gettext: Gettext = str, *, customer: bool = False) -> str:
    """Plain words for an enum value (act-now -> Fix now), in the site's language, as the team reads it or, with
    `customer`, as a customer does (open -> Planned, not Not started); any other identifier, e.g. a journey stage
    (the team's own words), humanized."""
    text = str(value)
    words = (CUSTOMER_LABELS.get(text) if customer else None) or LABELS.get(text)
    return gettext(words) if words else humanize(text)


def score_text(score: Score, words: Language) -> str:
    """A score as it reads next to its name, in the language's digits: NPS +12 or −33 (a minus sign, as the
    charts write it), CES 4.91 (4,91), CSAT 78% (78 % in French): a share is a percentage like any other."""
    if score.score_type == ScoreType.NPS:
        return score.display    # a whole number from −100 to +100: no digit grouping to localise
    if score.score_type == ScoreType.CSAT:
        return words.percent(score.value)
    return format_decimal(score.value, format="0.00", locale=words.locale)
