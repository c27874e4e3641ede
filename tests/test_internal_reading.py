"""The internal site read as the team lead reads it before the weekly meeting: the most urgent first, and every date
with how late or how soon it is, so nobody counts days on their fingers (an employee's walk-through, 1 March 2027,
when every open irritant is weeks past its review and most are past their target)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from site_gen.agenda import build_agenda, render_markdown
from site_gen.build import build
from site_gen.check import check_repository
from site_gen.facts import meeting
from site_gen.sites import render_sites

from .conftest import as_seen, copy_example, edit

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
    """A page's words as seen: what only a screen reader reads (.sr-only: the pause between a list's pills) and
    tags dropped (a span inside a sentence leaves no space), white space folded."""
    inline = re.sub(r"</?span[^>]*>", "", as_seen(html))
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


# --- the agenda, on screen and on paper --------------------------------------------------------------------------

AGENDA_DAY = date(2026, 12, 20)   # two more risk signals and eight more themes than the agenda shows


@pytest.fixture(scope="module")
def agenda_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("agenda") / "repo")


def test_each_see_all_link_of_the_agenda_names_the_page_it_opens(agenda_repo: Path) -> None:
    """On the printed handout, or in a screen reader's list of links, three links all read "see all": each now says
    where the whole list is, on the page and in the markdown for the chat."""
    result = check_repository(agenda_repo, AGENDA_DAY)
    page = render_sites(result, agenda_repo, "internal")["internal"]["agenda/index.html"].decode("utf-8")
    more = dict(re.findall(r'<li class="more">[^<]* — <a href="([^"]+)">([^<]+)</a>', page))
    assert more == {"../journey/index.html#risks": "see all on the journey map",
                    "../feedback/index.html#complaints": "see all in the unlinked feedback"}
    markdown = render_markdown(build_agenda(result.facts))
    assert "— [see all on the journey map](journey/index.html#risks)" in markdown
    assert "[see all]" not in markdown


def test_closing_the_loop_names_each_story_whose_customers_wait_to_be_told(agenda_repo: Path) -> None:
    """"72 customers are waiting to be told" named no story, and `site-gen notify` runs per story: each story is
    now listed with its customers, the most waiting first, linked to its page."""
    result = check_repository(agenda_repo, AGENDA_DAY)
    waiting = sorted(meeting.customers_waiting(result.facts) or (), key=lambda pair: (-pair[1], pair[0]))
    assert len(waiting) > 1
    page = render_sites(result, agenda_repo, "internal")["internal"]["agenda/index.html"].decode("utf-8")
    loop = page.split('id="a-loop"', 1)[1].split("</section>", 1)[0]
    listed = re.findall(r'<a href="\.\./stories/([a-z0-9-]+)/index.html">[^<]+</a> — (\d+)\u00a0customers', loop)
    assert listed == [(key, str(customers)) for key, customers in waiting]
    assert f"{sum(n for _, n in waiting)} customers are waiting to be told" in text(loop)
    markdown = render_markdown(build_agenda(result.facts)).split("## 6.", 1)[1]
    title = result.facts.backlog.stories[waiting[0][0]].title
    assert f"  - [{title}](stories/{waiting[0][0]}/index.html) — {waiting[0][1]}\u00a0customers" in markdown


def test_the_printed_agenda_writes_a_decisions_questions_no_larger_than_the_decision(
        agenda_repo: Path, tmp_path: Path, browser: Browser) -> None:
    """On the A4 handout the agenda is set in 9.5pt, yet a decision's questions ("Did it work?") and the stories
    whose customers wait were 15px against 12.7px: a sub-list printed larger than the item it belongs to."""
    build(agenda_repo, tmp_path / "out", AGENDA_DAY)
    page = browser.new_page()
    page.goto((tmp_path / "out/internal/agenda/index.html").as_uri())
    page.emulate_media(media="print")
    sizes = page.evaluate("""() => [...document.querySelectorAll('.agenda .questions')].map(list => [
        parseFloat(getComputedStyle(list.closest('.items > li')).fontSize),
        parseFloat(getComputedStyle(list).fontSize)])""")
    page.close()
    assert len(sizes) >= 2     # the decision's questions, the stories waiting
    assert all(inner <= item for item, inner in sizes), sizes
