"""Rule groups 3-5: the backlog is short, dated and assigned, reviewed and on time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, SourceLoc, error, with_severity
from ..model import CLOSED_STATUSES, Backlog, Irritant, IrritantStatus, Rules, Triage
from ..text import blank

if TYPE_CHECKING:   # a cached check judging one edited irritant imports this family, not the facts
    from ..facts import Facts, Schedule


# open irritant ID -> when it was opened and where its status is written: all the backlog's length reads of it
OpenIrritants = Mapping[str, tuple[date, SourceLoc]]


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    return backlog_short(open_irritants(backlog, facts), backlog.config.rules.max_open)


def open_irritants(backlog: Backlog, facts: Facts) -> dict[str, tuple[date, SourceLoc]]:
    return {key: (irritant.opened, irritant.at("status"))
            for key in facts.open_irritants for irritant in (backlog.irritants[key],)}


def backlog_short(open_now: OpenIrritants, max_open: int) -> Iterator[Diagnostic]:
    """More open irritants than rules.max_open (a cached check says it again once an irritant's status changes:
    site_gen.record_edits)."""
    if len(open_now) > max_open:
        # reported on the newest ones: they are the ones that made the list too long
        for key in sorted(open_now, key=lambda key: (open_now[key][0], key))[max_open:]:
            yield error(open_now[key][1], "backlog-short",
                        f"{len(open_now)} irritants are open; the limit is {max_open}",
                        "decide: close, decline or merge an open irritant before opening another "
                        "(or raise rules.max_open in site.yaml)")


def check_record(irritant: Irritant, schedule: Schedule, rules: Rules) -> Iterator[Diagnostic]:
    """What this family says of one irritant, from the irritant and its schedule alone (the length of the backlog
    aside)."""
    yield from _dated_and_assigned(irritant, schedule)
    yield from _on_time(irritant, schedule, rules)


def _dated_and_assigned(irritant: Irritant, facts: Schedule) -> Iterator[Diagnostic]:
    if not facts.declined:
        for name, why in (("owner", "the person responsible"), ("cause", "the identified or probable cause"),
                          ("target", "the target resolution date, YYYY-MM-DD")):
            value = getattr(irritant, name)
            if value is None and name in irritant.locs:
                continue  # written, but not valid: that is reported where it is written
            if value is None and not irritant.written_empty(name):
                yield error(irritant.loc, "dated-assigned", f"irritant has no '{name}'",
                            f"add '{name}:' ({why}); the backlog is only useful dated and assigned")
            elif value is None or blank(value):   # `owner:` and `owner: ""` alike
                yield error(irritant.at(name), "dated-assigned", f"'{name}' is blank",
                            f"write {why} after '{name}:'; the backlog is only useful dated and assigned")
    if irritant.triage == Triage.DECLINE and (irritant.decline_reason is None or blank(irritant.decline_reason)):
        yield error(irritant.at("decline_reason" if irritant.decline_reason is not None else "triage"),
                    "dated-assigned", "a declined irritant needs a 'decline_reason'",
                    "add 'decline_reason:' saying why we don't handle it")
    if irritant.status == IrritantStatus.DECLINED and irritant.triage != Triage.DECLINE:
        yield error(irritant.at("status"), "dated-assigned", f"status is declined but triage is '{irritant.triage}'",
                    "set triage: decline (with a decline_reason), or change the status")
    if irritant.status in CLOSED_STATUSES and irritant.closed is None:
        yield error(irritant.at("status"), "dated-assigned", f"irritant is {irritant.status} but has no 'closed' date",
                    "add 'closed: YYYY-MM-DD'")
    if irritant.closed is not None and irritant.is_open:
        yield error(irritant.at("closed"), "dated-assigned", f"irritant has a 'closed' date but is {irritant.status}",
                    "remove 'closed', or set the status to done or declined")
    for name in ("target", "closed", "reviewed"):
        value = getattr(irritant, name)
        if value is not None and value < irritant.opened:
            yield error(irritant.at(name), "date-order", f"{name} {value} is before opened {irritant.opened}",
                        f"a {name} date cannot come before the irritant was opened")
    if irritant.is_public and irritant.public_title is None:
        yield error(irritant.at("visibility"), "public-title", "a public irritant needs a 'public_title'",
                    "add 'public_title:' in the customer's words, or set visibility: internal")


def _on_time(irritant: Irritant, facts: Schedule, rules: Rules) -> Iterator[Diagnostic]:
    if facts.days_late is not None:
        yield with_severity(rules.overdue, error(
            irritant.at("target"), "overdue",
            f"open irritant is {facts.days_late} day(s) past its target {irritant.target} "
            f"(owner: {irritant.owner or 'nobody'})",
            "fix it, or decide at the next meeting: set a new target or decline it"))
    if facts.unreviewed:
        # an irritant never reviewed counts from the day it was opened: say so, not "last reviewed"
        since = "was last reviewed" if irritant.reviewed else "has not been reviewed since it was opened"
        yield with_severity(rules.unreviewed, error(
            irritant.at("reviewed" if irritant.reviewed else "opened"), "unreviewed",
            f"open irritant {since} {facts.days_since_review} days ago "
            f"(rules.review_every_days is {rules.review_every_days})",
            f"review it at the team meeting, then record it with: site-gen reviewed {irritant.id} "
            "(it sets 'reviewed:' to the day)"))
