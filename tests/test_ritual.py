"""The weekly ritual: the agenda, `reviewed`, and a board that works for a real backlog."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from site_gen.agenda import Agenda, build_agenda, render_markdown
from site_gen.build import build
from site_gen.check import check_repository
from site_gen.facts import RiskLevel

from .conftest import REPO, TODAY, copy_example, edit
from .large_backlog import write_large_backlog

MEETING = date(2026, 11, 25)


def site_gen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "site_gen", *args], cwd=cwd, capture_output=True, text=True,
                          check=False)


@pytest.fixture
def meeting_repo(tmp_path: Path) -> Path:
    """The example, changed so that on 2026-11-25 every kind of agenda item exists exactly once or twice."""
    root = copy_example(tmp_path / "repo")
    irritants = root / "backlog" / "irritants"
    edit(irritants / "unlock-fails-in-background.yaml", "target: 2026-12-15", "target: 2026-11-20")   # 5 days late
    edit(irritants / "battery-range-wrong.yaml", "target: 2027-02-15", "target: 2026-11-28")         # in 3 days
    # support-wait-evenings was reviewed on 2026-11-10: 15 days on the 25th, over the 14-day cadence
    edit(root / "backlog" / "decisions" / "november-metrics-review.md", "review_on: 2026-12-15", "review_on: 2026-11-20")
    edit(root / "backlog" / "stories" / "price-screen-test.md", "date: 2026-11-20", "date: 2026-11-27")
    return root


def test_the_agenda_lists_exactly_what_is_overdue_unreviewed_due_this_week_and_due_for_review(meeting_repo):
    facts = check_repository(meeting_repo, MEETING).facts
    agenda = build_agenda(facts)
    assert [(i.irritant.id, tuple(map(str, i.reasons))) for i in agenda.irritants.items] == [
        ("unlock-fails-in-background", ("5\u00a0days late",)),
        ("support-wait-evenings", ("not reviewed for 15\u00a0days (every 14)",)),
        ("battery-range-wrong", ("target in 3\u00a0days",)),
    ]
    assert agenda.irritants.items[0].question.startswith("Extend the target")
    assert [(d.decision.id, d.days_overdue) for d in agenda.decisions.items] == [("november-metrics-review", 5)]
    assert [s.story.id for s in agenda.stories.items] == ["price-screen-test"]
    assert agenda.since == date(2026, 11, 18)
    # the public stories whose customers agreed to be contacted and are not in backlog/notified.csv yet
    assert agenda.customers_waiting == tuple((key, loop.audience.waiting) for key, loop in facts.loops.items()
                                             if loop.published and loop.audience.waiting)
    assert agenda.customers_waiting


def test_irritants_waiting_equally_long_for_review_come_earliest_target_first_no_target_last(example):
    """Five open irritants were all reviewed on 2026-11-17: on 2026-12-20 they wait equally long, and the one
    due first is the one to talk about first (the ID order put a March target before a January one)."""
    edit(example / "backlog/irritants/battery-range-wrong.yaml", "\ntarget: 2027-02-15", "")
    facts = check_repository(example, date(2026, 12, 20)).facts
    unreviewed = [item.irritant.id for item in build_agenda(facts).irritants.items
                  if item.facts.days_since_review == 33 and not item.facts.overdue]
    assert unreviewed == ["deposit-refund-slow", "refund-status-unclear",   # both 2027-01-31, then by ID
                          "day-pass-confusing", "no-bikes-at-station-morning", "battery-range-wrong"]


def test_the_empty_chair_gets_three_fresh_voices_from_different_stages_and_segments(meeting_repo):
    agenda = build_agenda(check_repository(meeting_repo, MEETING).facts)
    voices = [v.row for v in agenda.voices.items]
    assert len(voices) == 3
    assert all(date(2026, 11, 18) < row.date <= MEETING for row in voices)
    assert len({row.journey_stage for row in voices}) == 3
    assert len({row.segment for row in voices}) == 3
    assert voices == [v.row for v in build_agenda(check_repository(meeting_repo, MEETING).facts).voices.items]


def test_new_unlinked_feedback_is_counted_by_stage_within_the_window(meeting_repo):
    facts = check_repository(meeting_repo, MEETING).facts
    agenda = build_agenda(facts, since=date(2026, 11, 21))
    expected = {}
    for row in facts.unlinked:
        if date(2026, 11, 21) < row.date <= MEETING:
            expected[row.journey_stage] = expected.get(row.journey_stage, 0) + 1
    assert {item.inbox.stage: item.inbox.rows for item in agenda.inbox.items} == expected
    assert agenda.unlinked_total == sum(expected.values()) > 0


def test_the_inbox_says_no_new_feedback_when_none_came_and_every_row_linked_only_when_some_did(example):
    """The example's last row is dated 2026-11-22: a week later nothing at all came in, which is not "every new row
    is linked"; a row that came in linked to an irritant is."""
    for_week = build_agenda(check_repository(example, date(2026, 12, 20)).facts)
    assert (for_week.new_rows, for_week.inbox.items) == (0, ())
    said = _inbox_lines(for_week)
    assert "No new feedback since 2026-12-13." in said and "None: every new row is linked to an irritant." not in said
    page = site_gen("agenda", str(example), "--date", "2026-12-20", "--format", "html").stdout
    assert 'No new feedback since <span class="nowrap">2026-12-13</span>.' in page
    assert "every new row is linked" not in page
    with (example / "feedback/surveys-and-reviews.csv").open("a", encoding="utf-8") as batch:
        batch.write("SRV-1201-0001,2026-12-01,survey,CUST-737397,commuter,app,first-ride,,,The app froze again,,"
                    "complaint,unlock-fails-in-background,\n")
    linked = build_agenda(check_repository(example, date(2026, 12, 5)).facts)
    assert (linked.new_rows, linked.inbox.items) == (1, ())
    said = _inbox_lines(linked)
    assert "None: every new row is linked to an irritant." in said and "No new feedback" not in "\n".join(said)


def test_new_rows_without_a_journey_stage_of_site_yaml_are_said_not_called_linked(example):
    """Two rows came in after the last meeting, linked to no irritant: one names a stage site.yaml does not list
    (a typo), one names none (it cannot be read). No stage line counts either, and the agenda said "None: every new
    row is linked to an irritant." Now it says how many are left out, and links to where the unlinked rows are."""
    with (example / "feedback/surveys-and-reviews.csv").open("a", encoding="utf-8") as batch:
        batch.write("SRV-1218-0001,2026-12-18,survey,CUST-1,commuter,billing,paymnet,,,Charged twice,,complaint,,\n"
                    "SRV-1218-0002,2026-12-18,survey,CUST-2,commuter,app,,,,The map is blank,,complaint,,\n")
    link = "https://intranet.example.org/backlog/feedback/index.html#rows"
    said = site_gen("agenda", str(example), "--date", "2026-12-20").stdout
    section = said.split("## 5. New feedback no irritant covers\n")[1].split("\n## 6.")[0]
    assert "1\u00a0feedback row could not be read and is left out of what follows: `site-gen check` says why." in section
    assert (f"1\u00a0new unlinked row names a journey stage that site.yaml does not list — "
            f"[see all in the unlinked feedback]({link})") in section
    assert "every new row is linked" not in section and "No new feedback" not in section
    page = site_gen("agenda", str(example), "--date", "2026-12-20", "--format", "html").stdout
    assert (f'1\u00a0new unlinked row names a journey stage that site.yaml does not list — <a href="{link}">see all '
            "in the unlinked feedback</a>") in page
    assert "could not be read and is left out of what follows: <code>site-gen check</code> says why." in page
    assert "every new row is linked" not in page and "No new feedback" not in page
    agenda = build_agenda(check_repository(example, date(2026, 12, 20)).facts)
    assert (agenda.new_rows, agenda.inbox.items, agenda.off_journey, agenda.unread_rows) == (1, (), 1, 1)

    # beside the rows of a journey stage: counted apart from the stages' count, which is theirs only
    with (example / "feedback/surveys-and-reviews.csv").open("a", encoding="utf-8") as batch:
        batch.write("SRV-1219-0001,2026-12-19,survey,CUST-3,commuter,billing,payment,,,Charged three times,,"
                    "complaint,,\n")
    lines = _inbox_lines(build_agenda(check_repository(example, date(2026, 12, 20)).facts))
    at = lines.index("1\u00a0new row since 2026-12-13, by journey stage:")
    assert lines[at + 2].startswith("- [Payment](stages/payment/index.html): 1 (1\u00a0complaint)")
    assert lines[at + 4].startswith("1\u00a0new unlinked row names a journey stage that site.yaml does not list — ")


def _inbox_lines(agenda: Agenda) -> list[str]:
    """The lines of the markdown agenda's section 5."""
    section = render_markdown(agenda).split("## 5. New feedback no irritant covers\n")[1].split("\n## 6.")[0]
    return section.splitlines()


def test_the_sample_quoted_for_a_stage_with_complaints_is_a_complaint(meeting_repo):
    """The line reads "Payment: 4 (2 complaints) — “…”": the words quoted are one of those complaints, not a thank-you
    that happens to be newer; a stage without complaints still shows its newest words."""
    facts = check_repository(meeting_repo, MEETING).facts
    kinds = {row.id: row.kind for row in facts.backlog.feedback}
    agenda = build_agenda(facts)
    quoted = [(item.inbox.complaints, kinds[item.inbox.newest[0].id]) for item in agenda.inbox.items
              if item.inbox.newest]
    assert any(complaints for complaints, _ in quoted) and any(not complaints for complaints, _ in quoted)
    assert all(kind == "complaint" for complaints, kind in quoted if complaints), quoted
    payment = next(item.inbox for item in agenda.inbox.items if item.inbox.stage == "payment")
    assert payment.complaints and payment.newest[0].kind == "complaint"


def test_agenda_command_prints_markdown_with_links_to_the_internal_site(meeting_repo):
    result = site_gen("agenda", str(meeting_repo), "--date", "2026-11-25")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("# Weekly customer meeting — 25 November 2026\n")
    assert ("[Bluetooth unlock times out when the app is backgrounded]"
            "(https://intranet.example.org/backlog/irritants/unlock-fails-in-background/index.html)") in text
    assert "Maya Okafor, target 2026-11-20: 5\u00a0days late" in text
    for section in ("The empty chair", "Irritants to review", "Metrics and risk signals", "Decisions to review",
                    "New feedback no irritant covers", "Closing the loop"):
        assert f". {section}" in text
    assert "  - Did it work?" in text       # a metric-response decision due for review
    html = site_gen("agenda", str(meeting_repo), "--date", "2026-11-25", "--format", "html").stdout
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert 'href="https://intranet.example.org/backlog/irritants/unlock-fails-in-background/index.html"' in html


def test_agenda_refuses_a_last_meeting_after_this_one(meeting_repo):
    """--since after --date printed an agenda "since the last meeting on" a later day, every section empty."""
    result = site_gen("agenda", str(meeting_repo), "--date", "2026-11-25", "--since", "2026-12-02")
    assert result.returncode == 2 and result.stdout == ""
    assert ("Invalid value for '--since': the last meeting, 2026-12-02, comes after this one, 2026-11-25: give the "
            "date of the meeting before") in " ".join(result.stderr.split())


def test_agenda_with_relative_links_ends_stderr_with_a_hint_to_set_the_internal_base_url(meeting_repo):
    """init writes internal.base_url: null; the links pasted into a chat are then dead, and the team is told why."""
    edit(meeting_repo / "site.yaml", "base_url: https://intranet.example.org/backlog/", "base_url: null")
    for output_format in ("markdown", "html"):
        result = site_gen("agenda", str(meeting_repo), "--date", "2026-11-25", "--format", output_format)
        assert result.returncode == 0, result.stderr
        assert "irritants/unlock-fails-in-background/index.html" in result.stdout
        assert "intranet.example.org" not in result.stdout and "hint:" not in result.stdout   # stdout is pasted
        last = result.stderr.splitlines()[-1]
        assert last.startswith("hint: ") and "relative" in last
        assert "set internal.base_url in site.yaml to where the internal site is hosted" in last
        assert sum(line.startswith("hint:") for line in result.stderr.splitlines()) == 1


def test_agenda_with_absolute_links_gives_no_base_url_hint(meeting_repo):
    result = site_gen("agenda", str(meeting_repo), "--date", "2026-11-25")
    assert result.returncode == 0, result.stderr
    assert "internal.base_url" not in result.stderr


def test_agenda_says_which_irritant_it_left_out_because_it_does_not_load(meeting_repo):
    """A typo in an overdue irritant must not quietly take it off the meeting's agenda."""
    edit(meeting_repo / "backlog/irritants/unlock-fails-in-background.yaml", "\nteam: app", "\n  team: app")
    result = site_gen("agenda", str(meeting_repo), "--date", "2026-11-25")
    assert result.returncode == 0, result.stderr
    assert "Bluetooth unlock times out" not in result.stdout
    assert ("backlog/irritants/unlock-fails-in-background.yaml: this irritant has errors and is left out of the "
            "agenda — run site-gen check to see them") in result.stderr.splitlines()


def test_each_section_is_capped_with_and_n_more(tmp_path):
    root = write_large_backlog(tmp_path / "repo", open_count=13)
    day = date(2027, 3, 1)   # everything open is late and unreviewed by then
    agenda = build_agenda(check_repository(root, day).facts)
    assert len(agenda.irritants.items) == 8 and agenda.irritants.more == 5
    assert "- … and 5\u00a0more irritants — [see all on the dashboard](index.html#open)" in render_markdown(agenda)


# --- reviewed -------------------------------------------------------------------------------------

def _changed_lines(before: bytes, after: bytes) -> list[tuple[str, str]]:
    import difflib

    diff = difflib.ndiff(before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True))
    return [(line[0], line[2:]) for line in diff if line[0] in "+-"]


def test_reviewed_changes_only_the_intended_lines_and_keeps_comments_quotes_and_order(example):
    path = example / "backlog" / "irritants" / "support-wait-evenings.yaml"
    text = path.read_text()
    text = text.replace("reviewed: 2026-11-10", "reviewed: '2026-11-10'   # at the ops sync")
    text = text.replace("target: 2027-01-15", 'target: "2027-01-15"')
    path.write_text(text)
    before = path.read_bytes()
    result = site_gen("reviewed", "support-wait-evenings", "--on", "2026-11-25", "--target", "2027-02-01",
                      "--status", "open", cwd=example)
    assert result.returncode == 0, result.stderr
    assert sorted(_changed_lines(before, path.read_bytes())) == sorted([
        ("-", "status: in-progress\n"), ("+", "status: open\n"),
        ("-", 'target: "2027-01-15"\n'), ("+", 'target: "2027-02-01"\n'),
        ("-", "reviewed: '2026-11-10'   # at the ops sync\n"), ("+", "reviewed: '2026-11-25'   # at the ops sync\n"),
    ])
    assert len(path.read_bytes().splitlines()) == len(before.splitlines())
    assert not check_repository(example, MEETING).errors


def test_reviewed_adds_the_line_after_opened_when_absent_and_closes_with_closed(example):
    path = example / "backlog" / "irritants" / "day-pass-confusing.yaml"
    path.write_text(path.read_text().replace("reviewed: 2026-11-17\n", ""))
    before = path.read_bytes()
    result = site_gen("reviewed", "day-pass-confusing", "--on", "2026-11-25", "--status", "done", cwd=example)
    assert result.returncode == 0, result.stderr
    after = path.read_text()
    assert "opened: 2026-11-02\nreviewed: 2026-11-25\nclosed: 2026-11-25\ntarget: 2027-02-28\n" in after
    assert sorted(_changed_lines(before, path.read_bytes())) == sorted([
        ("-", "status: open\n"), ("+", "status: done\n"), ("+", "reviewed: 2026-11-25\n"),
        ("+", "closed: 2026-11-25\n")])
    assert not check_repository(example, MEETING).errors


@pytest.mark.parametrize("empty, filled", [
    ("reviewed:", "reviewed: 2026-11-25"),
    ("reviewed:   # the next meeting", "reviewed: 2026-11-25   # the next meeting"),
    ("reviewed: ~", "reviewed: 2026-11-25")])
def test_reviewed_fills_a_reviewed_line_left_empty(example, empty, filled):
    """`reviewed:` with nothing after it is the line to fill: adding a second one made a duplicate key, and the
    command refused its own change."""
    path = example / "backlog" / "irritants" / "refund-status-unclear.yaml"
    path.write_text(path.read_text().replace("reviewed: 2026-11-17", empty))
    before = path.read_bytes()
    result = site_gen("reviewed", "refund-status-unclear", "--on", "2026-11-25", cwd=example)
    assert result.returncode == 0, result.stderr
    assert _changed_lines(before, path.read_bytes()) == [("-", empty + "\n"), ("+", filled + "\n")]
    assert not check_repository(example, MEETING).errors


def test_reviewed_keeps_crlf_line_ends(example):
    path = example / "backlog" / "irritants" / "refund-status-unclear.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    assert site_gen("reviewed", "refund-status-unclear", "--on", "2026-11-25", cwd=example).returncode == 0
    assert path.read_bytes() == before.replace(b"reviewed: 2026-11-17\r\n", b"reviewed: 2026-11-25\r\n")


def test_reviewed_writes_through_a_symbolic_link_and_keeps_it(example):
    """An irritant kept as a link to a file elsewhere in the repository (the loader reads through it): the link
    was replaced by a copy carrying the new date, and the file it led to kept the old one."""
    path = example / "backlog" / "irritants" / "refund-status-unclear.yaml"
    shared = example / "shared" / "refund-status-unclear.yaml"
    shared.parent.mkdir()
    path.rename(shared)
    path.symlink_to("../../shared/refund-status-unclear.yaml")
    before = shared.read_bytes()
    assert site_gen("reviewed", "refund-status-unclear", "--on", "2026-11-25", cwd=example).returncode == 0
    assert path.is_symlink() and path.resolve() == shared.resolve()
    assert shared.read_bytes() == before.replace(b"reviewed: 2026-11-17\n", b"reviewed: 2026-11-25\n")


def test_reviewed_refuses_unknown_ids_with_did_you_mean_and_writes_nothing(example):
    files = {p: p.read_bytes() for p in (example / "backlog").rglob("*.*")}
    result = site_gen("reviewed", "support-wait-evenings", "unlock-fails-in-backgrund", cwd=example)
    assert result.returncode == 2
    assert "no irritant 'unlock-fails-in-backgrund' — did you mean 'unlock-fails-in-background'?" in result.stderr
    assert {p: p.read_bytes() for p in (example / "backlog").rglob("*.*")} == files


def test_reviewed_suggests_the_irritant_a_shortened_id_starts(example):
    result = site_gen("reviewed", "unlock-fail", cwd=example)
    assert result.returncode == 2
    assert "no irritant 'unlock-fail' — did you mean 'unlock-fails-in-background'?" in result.stderr


def test_reviewed_refuses_a_change_check_would_reject(example):
    path = example / "backlog" / "irritants" / "day-pass-confusing.yaml"
    before = path.read_bytes()
    result = site_gen("reviewed", "day-pass-confusing", "--target", "2026-01-01", "--on", "2026-11-25", cwd=example)
    assert result.returncode == 1
    assert "date-order" in result.stderr and "Nothing was written" in result.stderr
    assert path.read_bytes() == before


# --- the board ------------------------------------------------------------------------------------

def test_a_closed_irritant_stops_ageing_the_day_it_closed():
    facts = check_repository(Path(__file__).resolve().parent.parent, date(2044, 1, 1)).facts
    assert facts.irritants["cancel-needs-phone-call"].age_days == (date(2026, 2, 26) - date(2026, 1, 12)).days
    assert facts.irritants["battery-range-wrong"].age_days == (date(2044, 1, 1) - date(2026, 10, 27)).days


@pytest.fixture(scope="module")
def large_site(tmp_path_factory) -> Path:
    root = write_large_backlog(tmp_path_factory.mktemp("large") / "repo")
    build(root, root.parent / "out", date(2026, 11, 23))
    return root.parent / "out" / "internal"


def test_the_board_shows_open_irritants_only_and_the_archive_the_closed_ones_by_month(large_site):
    board = (large_site / "board" / "index.html").read_text()
    linked = set(re.findall(r'irritants/(irritant-\d+)/index.html', board))
    assert linked == {f"irritant-{n:02d}" for n in range(13)}
    assert '— declined"' not in board and '— done"' not in board   # no closed columns
    archive = (large_site / "board" / "archive" / "index.html").read_text()
    assert set(re.findall(r'irritants/(irritant-\d+)/index.html', archive)) == {f"irritant-{n:02d}"
                                                                              for n in range(13, 75)}
    months = re.findall(r'<h2 id="m-(\d{4}-\d{2})">', archive)
    assert months == sorted(months, reverse=True)
    # when each late one was due, not only how late it is
    late = re.findall(r'target <span class="nowrap">(\d{4}-\d{2}-\d{2})</span> <span class="distance">'
                      r'\(<span class="late">\d+\u00a0days? late</span>\)', board)
    assert late and len(late) == board.count('class="late"')


def test_board_filters_are_pages_that_work_without_javascript(large_site):
    team = (large_site / "board" / "team" / "app" / "index.html").read_text()
    assert set(re.findall(r'irritants/(irritant-\d+)/index.html', team)) == {"irritant-00", "irritant-04",
                                                                              "irritant-08", "irritant-12"}
    assert (large_site / "board" / "owner" / "tomas-lindqvist" / "index.html").is_file()
    assert (large_site / "board" / "stage" / "first-ride" / "index.html").is_file()
    assert (large_site / "board" / "segment" / "tourist" / "index.html").is_file()


def test_the_dashboard_lists_the_open_irritants_and_its_counters_link_to_their_lists(large_site):
    dashboard = (large_site / "index.html").read_text()
    for anchor in ("open", "overdue", "unreviewed", "decisions-due"):
        assert f'href="#{anchor}"' in dashboard and f'<section id="{anchor}">' in dashboard
    open_list = dashboard.split('<section id="open">', 1)[1].split("</section>", 1)[0]
    assert len(re.findall(r"irritants/irritant-\d+/index.html", open_list)) == 13
    assert '<td data-label="Owner">Leila Haddad</td><td data-label="Status">Not started</td>' in open_list


# --- in Chromium: one screen for the board, two A4 pages for the agenda ------------------------------

def test_the_board_of_75_irritants_fits_one_screen_and_filters_in_place_with_javascript(large_site, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto((large_site / "board" / "index.html").as_uri())
    bottom = page.evaluate("document.querySelector('.board-page').getBoundingClientRect().bottom")
    assert bottom <= 1.5 * 800, f"the open board is {bottom:.0f}px tall"
    page.click("nav.filters a[data-filter='team:app']")
    assert page.evaluate("document.querySelectorAll('.board-page .card:not([hidden])').length") == 4
    assert page.evaluate("location.hash") == "#team:app"
    page.close()


def test_the_agenda_prints_on_two_a4_pages(meeting_repo, tmp_path, browser):  # noqa: F811
    out = tmp_path / "out"
    build(meeting_repo, out, MEETING)
    page = browser.new_page()
    page.goto((out / "internal" / "agenda" / "index.html").as_uri())
    assert page.locator("nav.main a[aria-current=page]").inner_text() == "Agenda"
    pdf = page.pdf(format="A4")
    page.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 2


def test_a_risk_on_the_agenda_names_the_irritants_that_cover_it_by_title() -> None:
    facts = check_repository(REPO, TODAY).facts
    covered = [risk for risk in facts.risks if risk.covered_by and risk.severity != RiskLevel.LOW]
    assert covered
    agenda = render_markdown(build_agenda(facts))
    for key in covered[0].covered_by:
        title = facts.backlog.irritants[key].title
        assert title and title in agenda
    assert f"covered by {covered[0].covered_by[0]}" not in agenda   # an ID is for machines
