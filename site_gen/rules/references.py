"""Rule group 2: IDs are unique, every reference resolves, vocabulary comes from site.yaml."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import attrgetter

from ..diagnostics import Diagnostic, SourceLoc, error
from ..facts import Facts
from ..fieldtypes import did_you_mean
from ..model import Backlog


def _unknown(loc: SourceLoc, value: str, what: str, known: Sequence[str], where: str,
             listed_as: str | None = None) -> Diagnostic:
    """listed_as: the site.yaml list this kind of ID comes from, which a new one can be added to."""
    hint = did_you_mean(value, known)
    if not hint:
        choices = f"use one of: {', '.join(known)}" if 0 < len(known) <= 12 else f"check the ID in {where}"
        if listed_as:
            added = f"if it is a new {what}, add it to {listed_as} in site.yaml"
            choices = f"{choices}; or, {added}" if known else added
        hint = choices
    return error(loc, "reference", f"{what} '{value}' does not exist in {where}", hint)


# a team, journey stage or segment is the team's own word: one not in site.yaml yet may be one to add there
_SITE_LISTS = {"journey stage": "journey_stages", "team": "teams", "segment": "segments"}


def _not_in_site(loc: SourceLoc, value: str, what: str, known: Sequence[str]) -> Diagnostic:
    return _unknown(loc, value, what, known, "site.yaml", _SITE_LISTS[what])


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    config = backlog.config
    stages, teams, segments = set(config.journey_stages), set(config.teams), set(config.segments)
    # a vocabulary site.yaml gives is judged against once it was read whole: a list refused there (`segments:
    # commuter`) is one error, not one more per feedback row that names a segment
    judge_stages = bool(stages) and not config.refused("journey_stages")
    judge_teams = bool(teams) and not config.refused("teams")
    judge_segments = not config.refused("segments")
    metric_ids = {m.id for m in config.metrics}
    judge_metrics = not config.refused("metrics")
    # records too broken to build still exist: naming them is not a broken reference
    irritant_ids = backlog.irritants.keys() | backlog.unreadable_ids("irritant")
    unreadable_rows = backlog.unreadable_ids("feedback row")
    decision_ids = backlog.decisions.keys() | backlog.unreadable_ids("decision")

    feedback = backlog.feedback
    feedback_ids = set(map(attrgetter("id"), feedback))   # each column is read in C; a row is looked at only
    if len(feedback_ids) < len(feedback):                 # when something in its column is wrong
        first_at: dict[str, SourceLoc] = {}
        for row in feedback:
            first = first_at.setdefault(row.id, row.loc)
            if first is not row.loc:
                yield error(row.loc, "id-duplicate", f"feedback ID '{row.id}' is already used at {first}",
                            "feedback IDs are unique across all batches; drop the repeated row")
    irritant_choices = sorted(irritant_ids)
    columns = [("journey_stage", stages, "journey stage", config.journey_stages, judge_stages),
               ("team", teams, "team", config.teams, judge_teams),
               ("segment", segments, "segment", config.segments, judge_segments),
               ("irritant", irritant_ids, "irritant", irritant_choices, True)]
    for name, known, what, choices, checked in columns:
        value_of = attrgetter(name)
        unknown = set(map(value_of, feedback)) - known - {None} if checked else set()
        for row in (row for row in feedback if value_of(row) in unknown) if unknown else ():
            yield (_unknown(row.loc, value_of(row), what, choices, "backlog/irritants/") if name == "irritant"
                   else _not_in_site(row.loc, value_of(row), what, choices))

    listed = {row_id for irritant in backlog.irritants.values() for row_id in irritant.feedback}
    stored = backlog.stored_feedback.known_ids(listed - feedback_ids) if backlog.stored_feedback else set()
    for irritant in backlog.irritants.values():
        if irritant.journey_stage not in stages and judge_stages:
            yield _not_in_site(irritant.at("journey_stage"), irritant.journey_stage, "journey stage",
                               config.journey_stages)
        if irritant.team not in teams and judge_teams:
            yield _not_in_site(irritant.at("team"), irritant.team, "team", config.teams)
        for index, row_id in enumerate(irritant.feedback):
            if row_id not in feedback_ids and row_id not in unreadable_rows and row_id not in stored:
                yield error(irritant.at(f"feedback.{index}"), "reference",
                            f"feedback row '{row_id}' does not exist in feedback/",
                            "check the row ID in the export, or remove it from the list")

    for decision in backlog.decisions.values():
        for index, irritant_id in enumerate(decision.irritants):
            if irritant_id not in irritant_ids:
                yield _unknown(decision.at(f"irritants.{index}"), irritant_id, "irritant", irritant_choices,
                               "backlog/irritants/")
        for name in ("follows", "supersedes", "superseded_by"):
            linked = getattr(decision, name)
            if linked is not None and linked not in decision_ids:
                yield _unknown(decision.at(name), linked, "decision", sorted(backlog.decisions),
                               "backlog/decisions/")
        if decision.metric is not None and decision.metric not in metric_ids and judge_metrics:
            yield _unknown(decision.at("metric"), decision.metric, "metric", sorted(metric_ids), "site.yaml metrics",
                           "metrics")

    for story in backlog.stories.values():
        for index, irritant_id in enumerate(story.irritants):
            if irritant_id not in irritant_ids:
                yield _unknown(story.at(f"irritants.{index}"), irritant_id, "irritant", irritant_choices,
                               "backlog/irritants/")
        if story.journey_stage is not None and story.journey_stage not in stages and judge_stages:
            yield _not_in_site(story.at("journey_stage"), story.journey_stage, "journey stage",
                               config.journey_stages)
