"""Rule group 7 (decisions): review dates kept until an outcome is recorded, each kind answers its questions,
outcomes are complete, links between decisions agree, and added customer steps are argued."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, error, warning, with_severity
from ..fields import ARBITRATION_QUESTIONS, DEBRIEF_POINTS
from ..model import Backlog, Decision, DecisionKind, DecisionOutcome, DecisionStatus, Rules
from ..text import blank

if TYPE_CHECKING:   # a cached check judging one edited decision imports this family, not the facts
    from ..facts import DecisionReview, Facts

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
    yield from _follow_ups(backlog, facts)
    yield from _links(backlog)


def check_record(decision: Decision, review: DecisionReview, rules: Rules) -> Iterator[Diagnostic]:
    """What this family says of one decision from the decision and its review alone (what follows it up, and
    the links between decisions, aside)."""
    days = review.days_overdue
    if days is not None:
        earlier = (f"; its last outcome, on {decision.outcome_date}, was too-early"
                   if decision.outcome == DecisionOutcome.TOO_EARLY else ", and has no outcome")
        yield with_severity(rules.review_due, error(
            decision.at("review_on"), "decision-review",
            f"decision was due for review on {decision.review_on}, {days} day(s) ago{earlier}; owner: "
            f"{decision.owner}",
            "review it and record what it did: outcome: worked, partly, did-not-work or too-early, with "
            "outcome_date (and status: reviewed); or move review_on to a new date"))
    if decision.review_on < decision.date:
        yield error(decision.at("review_on"), "date-order",
                    f"review_on {decision.review_on} is before the decision's date {decision.date}",
                    "a decision is reviewed after it is made")
    if decision.kind == DecisionKind.METRIC_RESPONSE and decision.metric is None:
        yield error(decision.at("kind"), "decision-questions", "a metric-response decision needs a 'metric'",
                    "add 'metric:' with the id of the metric that moved")
    required = _ANSWERS.get(decision.kind, ())
    for name in required:
        answer = getattr(decision, name)
        if answer is None or blank(answer):   # `promise: ""` answers nothing either
            written = answer is not None or decision.written_empty(name)
            yield error(decision.at(name if written else "kind"), "decision-questions",
                        f"{decision.kind} decision does not answer '{name}' ({_QUESTION_TEXT[name]})",
                        f"write the answer after '{name}:'" if written else f"add '{name}:' to the front matter")
    yield from _outcome(decision)
    if review.adds_unexplained_steps:
        yield _friction(decision)


def _outcome(decision: Decision) -> Iterator[Diagnostic]:
    outcome = decision.outcome
    if outcome is None:
        for name in ("outcome_date", "outcome_note"):
            if getattr(decision, name) is not None:
                yield error(decision.at(name), "decision-outcome", f"'{name}' is given but there is no 'outcome'",
                            "add outcome: worked, partly, did-not-work or too-early")
        return
    if decision.outcome_date is None:
        yield error(decision.at("outcome"), "decision-outcome", f"outcome '{outcome}' has no 'outcome_date'",
                    "add 'outcome_date: YYYY-MM-DD', the day the team reviewed it")
    elif decision.outcome_date < decision.date:
        yield error(decision.at("outcome_date"), "date-order",
                    f"outcome_date {decision.outcome_date} is before the decision's date {decision.date}",
                    "an outcome is recorded after the decision is made")
    if outcome == DecisionOutcome.TOO_EARLY and decision.outcome_date is not None \
            and decision.review_on <= decision.outcome_date:
        yield error(decision.at("review_on"), "decision-outcome",
                    f"outcome is too-early but review_on {decision.review_on} is not after outcome_date "
                    f"{decision.outcome_date}",
                    "set review_on to the day the team will look again")


def _follow_ups(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    """A decision that did not work is followed up by another naming it in `follows`."""
    for decision in backlog.decisions.values():
        if decision.outcome == DecisionOutcome.DID_NOT_WORK and not facts.decisions[decision.id].followed_by:
            yield error(decision.at("outcome"), "decision-outcome",
                        "outcome is did-not-work but no decision follows it up",
                        f"add a decision saying what the team does instead, with follows: {decision.id}")


def _friction(decision: Decision) -> Diagnostic:
    steps = decision.steps_delta
    why = ("its 'customer' answer is empty" if decision.kind == DecisionKind.ARBITRATION
           else f"it is a {decision.kind} decision, not an arbitration")
    return warning(decision.at("steps_delta"), "friction",
                   f"decision adds {steps} step(s) to the customer's journey, and {why}",
                   "remove steps rather than add checks; if the step is worth it, record the trade-off as "
                   "kind: arbitration and say in 'customer:' what the customer gets for it")


def _links(backlog: Backlog) -> Iterator[Diagnostic]:
    """follows, supersedes and superseded_by: no self-links, and the two sides of a replacement agree."""
    decisions = backlog.decisions
    for decision in decisions.values():
        for name in ("follows", "supersedes", "superseded_by"):
            if getattr(decision, name) == decision.id:
                yield error(decision.at(name), "decision-links", f"a decision cannot name itself in '{name}'",
                            "name another decision's ID")
    yield from _loops(decisions, "follows", "a follow-up comes after the decision it follows: remove 'follows' from "
                      "the earlier one")
    yield from _loops(decisions, "supersedes", "a decision replaces an older one: remove 'supersedes' (and the other "
                      "side's 'superseded_by') from the older one")
    replaced_by: dict[str, str] = {}
    for new in decisions.values():
        old = decisions.get(new.supersedes or "")
        if old is None or old is new:
            continue
        replaced_by.setdefault(old.id, new.id)
        if old.superseded_by == new.id or (old.superseded_by is None and old.status == DecisionStatus.SUPERSEDED):
            continue   # agrees, or reported below as a superseded decision that does not say by what
        says = f"superseded_by: {old.superseded_by}" if old.superseded_by else f"status: {old.status}"
        yield error(old.at("superseded_by" if old.superseded_by else "status"), "decision-links",
                    f"decision '{new.id}' supersedes this one, but this one says {says}",
                    f"set superseded_by: {new.id} and status: superseded here, or correct 'supersedes' in {new.id}")
    for old in decisions.values():
        new_decision = decisions.get(old.superseded_by or "")
        if new_decision is not None and new_decision is not old:
            if new_decision.supersedes != old.id:
                says = (f"says supersedes: {new_decision.supersedes}" if new_decision.supersedes
                        else "does not say so")
                yield error(new_decision.at("supersedes"), "decision-links",
                            f"decision '{old.id}' says it is superseded by this one, but this one {says}",
                            f"add supersedes: {old.id}")
            if old.status != DecisionStatus.SUPERSEDED:
                yield error(old.at("status"), "decision-links",
                            f"superseded_by names '{old.superseded_by}' but status is {old.status}",
                            "set status: superseded")
        elif old.superseded_by is None and old.status == DecisionStatus.SUPERSEDED:
            by = replaced_by.get(old.id)
            yield error(old.at("status"), "decision-links",
                        "status is superseded but 'superseded_by' does not say which decision replaces it",
                        f"add superseded_by: {by}" if by else
                        "add superseded_by: with the ID of the decision that replaces it (and supersedes: on that one)")


def _loops(decisions: Mapping[str, Decision], name: str, hint: str) -> Iterator[Diagnostic]:
    """A chain of `follows` or `supersedes` that comes back to where it started (a -> b -> a): each link names one
    decision, so one walk per chain finds it (a loop of one is a self-link, reported above). Reported at each
    decision of the loop, whose pages would otherwise say each follows the other."""
    walked: dict[str, bool] = {}   # decision ID -> still on the current walk
    for start in decisions:
        path: list[str] = []
        key = start
        while key in decisions and key not in walked:
            walked[key] = True
            path.append(key)
            key = getattr(decisions[key], name) or ""
        loop = path[path.index(key):] if walked.get(key) and key in path else []
        for member in path:
            walked[member] = False
        if len(loop) < 2:
            continue
        shown = " → ".join((*loop, loop[0]))
        for member in loop:
            yield error(decisions[member].at(name), "decision-links", f"'{name}' makes a loop: {shown}", hint)
