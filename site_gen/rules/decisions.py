"""Rule group 7 (decisions): review dates kept, and each kind answers its questions."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, error, with_severity
from ..facts import Facts
from ..fields import ARBITRATION_QUESTIONS, DEBRIEF_POINTS
from ..model import Backlog, DecisionKind

_QUESTION_TEXT = {
    "customer": "what changes for the customer?",
    "promise": "does it keep our promise?",
    "teams": "what does it cost our teams?",
    "simplest": "is it the simplest, clearest option for the customer?",
    "what_happened": "what happened",
    "customer_impact": "the impact on customers",
    "root_cause": "the root cause",
    "prevention": "what prevents it from happening again",
}


_ANSWERS = {DecisionKind.ARBITRATION: ARBITRATION_QUESTIONS, DecisionKind.DEBRIEF: DEBRIEF_POINTS}


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    severity = backlog.config.rules.review_due
    for decision in backlog.decisions.values():
        days = facts.decisions[decision.id].days_overdue
        if days is not None:
            yield with_severity(severity, error(
                decision.at("review_on"), "decision-review",
                f"decision was due for review on {decision.review_on} ({days} day(s) ago; owner: "
                f"{decision.owner})",
                "review it: set status: reviewed (or superseded), or move review_on to a new date"))
        if decision.review_on < decision.date:
            yield error(decision.at("review_on"), "date-order",
                        f"review_on {decision.review_on} is before the decision's date {decision.date}",
                        "a decision is reviewed after it is made")
        if decision.kind == DecisionKind.METRIC_RESPONSE and decision.metric is None:
            yield error(decision.at("kind"), "decision-questions", "a metric-response decision needs a 'metric'",
                        "add 'metric:' with the id of the metric that moved")
        required = _ANSWERS.get(decision.kind, ())
        for name in required:
            if getattr(decision, name) is None:
                yield error(decision.at("kind"), "decision-questions",
                            f"{decision.kind} decision does not answer '{name}' ({_QUESTION_TEXT[name]})",
                            f"add '{name}:' to the front matter")
