"""The internal site read as the team lead reads it before the weekly meeting: the most urgent first, and every date
with how late or how soon it is, so nobody counts days on their fingers (an employee's walk-through, 1 March 2027,
when every open irritant is weeks past its review and most are past their target)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from site_gen.build import render_sites
from site_gen.check import check_repository

from .conftest import copy_example, edit

LATE = date(2027, 3, 1)


@pytest.fixture(scope="module")
def late(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The example's internal site as of 2027-03-01: path -> HTML. The ride-sharing decision's review moved to
    2026-12-01, so the older decision is the longer overdue (90 days against 76)."""
    root = copy_example(tmp_path_factory.mktemp("reading") / "repo")
    edit(root / "backlog/decisions/retry-unlock-before-new-features.md", "review_on: 2027-01-12",
         "review_on: 2026-12-01")
    pages = render_sites(check_repository(root, LATE), root, "internal")["internal"]
    return {path: bytes(data).decode("utf-8") for path, data in pages.items() if path.endswith(".html")}


def section(html: str, anchor: str) -> str:
    return html.split(f'<section id="{anchor}">', 1)[1].split("</section>", 1)[0]


def linked(html: str, kind: str) -> list[str]:
    """The IDs of the irritants or decisions a piece of a page links to, in reading order, each once."""
    return list(dict.fromkeys(re.findall(rf'{kind}/([a-z0-9-]+)/index.html', html)))


def text(html: str) -> str:
    """A page's words as read: tags dropped (a span inside a sentence leaves no space), white space folded."""
    inline = re.sub(r"</?span[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).replace("\u00a0", " ").split())


def test_the_dashboards_lists_put_the_most_urgent_first(late: dict[str, str]) -> None:
    dashboard = late["index.html"]
    # 76, 45, 29, 29, 14 and 1 days late: the file order put the one a day late above the one 76 days late
    assert linked(section(dashboard, "overdue"), "irritants") == [
        "unlock-fails-in-background", "support-wait-evenings", "deposit-refund-slow", "refund-status-unclear",
        "battery-range-wrong", "day-pass-confusing"]
    # reviewed on 2026-11-10, the others a week later: the longest wait first, then the earliest target
    assert linked(section(dashboard, "unreviewed"), "irritants") == [
        "support-wait-evenings", "unlock-fails-in-background", "deposit-refund-slow", "refund-status-unclear",
        "battery-range-wrong", "day-pass-confusing", "no-bikes-at-station-morning"]
    # due for 90 days, then 76: the newest decision was first
    assert linked(section(dashboard, "decisions-due"), "decisions") == [
        "retry-unlock-before-new-features", "november-metrics-review"]


def test_the_dashboards_dates_say_how_late_and_how_long_ago(late: dict[str, str]) -> None:
    overdue = text(section(late["index.html"], "overdue"))
    assert "Bluetooth unlock times out when the app is backgrounded overdue not reviewed Maya Okafor In progress " \
           "2026-12-15 (76 days late) 2026-11-17 (104 days ago)" in overdue
    assert "2027-02-28 (1 day late)" in overdue
    unreviewed = text(section(late["index.html"], "unreviewed"))
    assert "2027-03-31 2026-11-17 (104 days ago)" in unreviewed     # not late: a month to go says nothing
    due = text(section(late["index.html"], "decisions-due"))
    assert "due 2026-12-01 (90 days ago), Maya Okafor" in due
    assert "due 2026-12-15 (76 days ago), Maya Okafor" in due


def test_an_irritants_page_says_how_late_its_target_is_and_when_it_was_last_reviewed(late: dict[str, str]) -> None:
    page = text(late["irritants/unlock-fails-in-background/index.html"])
    assert "Target 2026-12-15 (76 days late)" in page
    assert "Last reviewed 2026-11-17 (104 days ago)" in page
    assert "review 2026-12-01 (90 days ago)" in page     # its decisions, with how long their review has waited
    on_time = text(late["irritants/no-bikes-at-station-morning/index.html"])
    assert "Target 2027-03-31 (in 30 days)" in on_time
    done = text(late["irritants/seat-clamp-stuck/index.html"])      # closed: its dates are history, not a clock
    assert not re.search(r"(Target|Last reviewed) \S+ \(", done)


def test_a_decision_says_how_long_its_review_has_waited_or_how_soon_it_comes(late: dict[str, str]) -> None:
    assert "Review on 2026-12-15 (76 days ago)" in text(late["decisions/november-metrics-review/index.html"])
    assert "Review on 2027-06-16 (in 107 days)" in text(late["decisions/no-helmet-rental/index.html"])
    reviewed = text(late["decisions/cancel-in-app/index.html"])       # reviewed: no clock on a past date
    assert re.search(r"Review on \d{4}-\d\d-\d\d Status", reviewed)
    log = text(late["decisions/index.html"])
    assert "2026-12-01 (90 days ago) due" in log and "2027-06-16 (in 107 days)" in log
