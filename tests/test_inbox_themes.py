"""Themes in the unlinked inbox (issue 11 item 2): what customers keep saying that no irritant covers yet.

Unlinked feedback is grouped into themes of similar wording, per kind and journey stage, ranked by distinct
customers; each theme has its facts, samples and the `site-gen new irritant` command that opens it. A complaint
theme bigger than the smallest open irritant is flagged on the dashboard and the agenda, and reported by build and
agenda (rule theme-not-in-backlog) — never by check, which must stay fast.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import shlex
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.agenda import build_agenda, render_markdown
from site_gen.check import check_repository
from site_gen.diagnostics import SourceLoc
from site_gen.facts.evidence import People, people
from site_gen.facts.themes import (
    COMMAND_IDS,
    MIN_ROWS,
    Inbox,
    Verbatim,
    cluster_rows,
    has_words,
    inbox_themes,
    theme_groups,
)
from site_gen.i18n import language
from site_gen.load.parquet import StoredSaid
from site_gen.model import Audience, FeedbackKind, FeedbackRow, Source
from site_gen.rules.themes import theme_warnings
from site_gen.sites import render_sites
from site_gen.verbatims import Said, says_something

from .conftest import REPO, TODAY, as_seen, copy_example, edit

STAGES = ("discover", "first-ride", "support")
TOP_THREE = ["Brakes felt weak on the hill", "Chat closed while I was typing", "Charged after I ended the ride"]
BIGGER = "A bigger problem than one you are working on is not in the backlog"


def row(number: int, verbatim: str, kind: str = "complaint", stage: str = "first-ride", day: date = date(2026, 10, 1),
        customer: str | None = None) -> FeedbackRow:
    return FeedbackRow(id=f"FB-{number}", loc=SourceLoc("feedback/export.csv", number + 2), date=day,
                       source=Source.SURVEY, customer=customer or f"CUST-{number}", segment="commuter",
                       journey_stage=stage, verbatim=verbatim, kind=FeedbackKind(kind))


def shape(inbox: Inbox) -> list[tuple[str | None, str, str, tuple[str, ...]]]:
    return [(theme.kind, theme.journey_stage, theme.wording, theme.ids)
            for themes in inbox.themes.values() for theme in themes]


def example_inbox() -> Inbox:
    return check_repository(REPO, TODAY).facts.themes


def test_the_examples_biggest_complaint_themes_come_first_each_one_problem_whole() -> None:
    result = check_repository(REPO, TODAY)
    complaints = result.facts.themes.complaints
    assert [theme.wording for theme in complaints[:3]] == TOP_THREE
    assert [len(theme.rows) for theme in complaints[:3]] == [74, 69, 67]
    for theme in complaints[:3]:
        # every row of the theme says it, and every unlinked complaint that says it is in the theme
        saying = {r.id for r in result.facts.unlinked_loaded if r.kind == FeedbackKind.COMPLAINT
                  and (r.verbatim or "").startswith(theme.wording)}
        assert set(theme.ids) == saying
        assert theme.customers == len({r.customer for r in theme.rows if r.customer})
    assert [t.people.count for t in complaints] == sorted((t.people.count for t in complaints), reverse=True)


def test_the_seat_theme_of_the_issue_is_found_once_its_rows_are_unlinked(example: Path) -> None:
    """The issue was filed when the seat complaints were linked to no irritant: unlink them again, and they are a
    top theme — the most rows (75), second by distinct customers (65 against the brakes' 68)."""
    csv = example / "feedback/surveys-and-reviews.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",seat-clamp-stuck,", ",,"), encoding="utf-8")
    jsonl = example / "feedback/helpdesk-export.jsonl"
    jsonl.write_text(jsonl.read_text(encoding="utf-8").replace(', "irritant": "seat-clamp-stuck"', ""),
                     encoding="utf-8")
    complaints = check_repository(example, TODAY).facts.themes.complaints
    assert [(t.wording, len(t.rows), t.customers) for t in complaints[:2]] == [
        ("Brakes felt weak on the hill", 74, 68), ("Seat would not go down", 75, 65)]


def test_similar_wordings_join_and_different_problems_stay_apart() -> None:
    rows = [row(1, "Seat would not go down"), row(2, "Seat would not go down. Please fix this."),
            row(3, "SEAT would NOT go down!!"), row(4, "Seat would not go down. Really annoying."),
            row(5, "Brakes felt weak on the hill. Please fix this."), row(6, "Brakes felt weak on the hill"),
            row(7, "Brakes felt weak on the hill. Really annoying.")]
    clusters = sorted(sorted(r.id for r in members) for members in cluster_rows(rows))
    assert clusters == [["FB-1", "FB-2", "FB-3", "FB-4"], ["FB-5", "FB-6", "FB-7"]]
    inbox = inbox_themes(rows, STAGES, TODAY, {})
    assert [t.wording for t in inbox.complaints] == ["Seat would not go down", "Brakes felt weak on the hill"]


def test_a_theme_never_mixes_kinds_or_stages_and_praise_has_its_own_section() -> None:
    rows = [row(1, "The app is great"), row(2, "The app is great", kind="praise"),
            row(3, "The app is great", kind="praise"), row(4, "The app is great"),
            row(5, "The app is great", stage="support"), row(6, "The app is great", stage="support"),
            row(7, "Add a phone holder", kind="suggestion"), row(8, "Add a phone holder please", kind="suggestion")]
    inbox = inbox_themes(rows, STAGES, TODAY, {})
    assert [(t.journey_stage, t.ids) for t in inbox.complaints] == [("first-ride", ("FB-4", "FB-1")),
                                                                   ("support", ("FB-6", "FB-5"))]
    assert [t.ids for t in inbox.praise] == [("FB-3", "FB-2")]
    assert [t.ids for t in inbox.suggestions] == [("FB-8", "FB-7")]
    for themes in inbox.themes.values():
        for theme in themes:
            assert len({r.kind for r in theme.rows}) == 1 and len({r.journey_stage for r in theme.rows}) == 1


def test_the_same_rows_in_any_order_give_the_same_themes_in_the_same_order() -> None:
    unlinked = list(check_repository(REPO, TODAY).facts.unlinked)
    expected = shape(inbox_themes(unlinked, STAGES, TODAY, {}))
    for seed in range(3):
        shuffled = unlinked[:]
        random.Random(seed).shuffle(shuffled)
        assert shape(inbox_themes(shuffled, STAGES, TODAY, {})) == expected


def test_the_same_themes_under_any_hash_seed() -> None:
    program = ("import json; from pathlib import Path; from datetime import date; "
               "from site_gen.check import check_repository; "
               f"i = check_repository(Path({str(REPO)!r}), date(2026, 11, 23)).facts.themes; "
               "print(json.dumps([(t.kind, t.wording, t.ids, t.command) for ts in i.themes.values() for t in ts]))")
    outputs = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1 and json.loads(outputs.pop())


def test_a_theme_counts_customers_segments_and_its_trend_over_complete_months() -> None:
    rows = [row(1, "Seat would not go down", day=date(2026, 11, 20), customer="C1"),   # this month: not counted
            row(2, "Seat would not go down", day=date(2026, 10, 31), customer="C1"),
            row(3, "Seat would not go down", day=date(2026, 8, 1), customer="C2"),
            row(4, "Seat would not go down", day=date(2026, 7, 31), customer="C3"),
            row(5, "Seat would not go down", day=date(2026, 5, 1), customer="C3"),
            row(6, "Seat would not go down", day=date(2026, 4, 30), customer="C4")]   # before both windows
    [theme] = inbox_themes(rows, STAGES, TODAY, {}).complaints
    assert (theme.customers, len(theme.rows)) == (4, 6)
    assert (theme.recent, theme.before) == (2, 2)
    assert (theme.recent_months, theme.before_months) == (("2026-08", "2026-10"), ("2026-05", "2026-07"))
    assert theme.segments == (("commuter", 6),)
    assert theme.ids[0] == "FB-1"   # newest first


def test_a_complaint_theme_is_flagged_when_bigger_than_the_smallest_open_irritant_with_evidence() -> None:
    rows = [row(n, "Seat would not go down") for n in range(5)] + \
           [row(n, "Brakes felt weak on the hill") for n in range(5, 8)] + \
           [row(n, "Love the bikes", kind="praise") for n in range(8, 20)]
    inbox = inbox_themes(rows, STAGES, TODAY, {"big": 10, "small": 4, "no-evidence-yet": 0})
    assert inbox.smallest_open == ("small", 4)
    assert [t.wording for t in inbox.bigger] == ["Seat would not go down"]   # praise is no problem
    assert inbox_themes(rows, STAGES, TODAY, {"no-evidence-yet": 0}).bigger == ()


def test_an_anonymous_surveys_responses_each_count_once_and_rank_and_flag_its_theme() -> None:
    """An anonymous survey's rows have no customer reference: counted as 0 customers, its themes tied at the bottom
    and never outweighed an irritant. Each response counts once, as it cannot be matched to another."""
    anonymous = [replace(row(n, "Dock at the harbour is always full"), customer=None) for n in range(5)]
    known = [row(n, "Brakes felt weak on the hill", customer=f"C{n % 2}") for n in range(5, 9)]   # 2 customers
    inbox = inbox_themes(anonymous + known, STAGES, TODAY, {"small": 3})
    assert [(t.wording, t.people) for t in inbox.complaints] == [
        ("Dock at the harbour is always full", People(customers=0, anonymous=5)),
        ("Brakes felt weak on the hill", People(customers=2, anonymous=0))]
    assert [t.wording for t in inbox.bigger] == ["Dock at the harbour is always full"]   # 5 people > 3
    mixed = people([*anonymous[:2], *known])
    assert (mixed, mixed.count, mixed.words) == (People(2, 2), 4, "2 customer(s) and 2 anonymous response(s)")


def test_the_inbox_page_says_how_many_responses_of_an_anonymous_import(example: Path) -> None:
    (example / "feedback" / "anonymous-survey.csv").write_text(
        "id,date,source,journey_stage,kind,verbatim\n" + "".join(
            f"anon-{n},2026-11-0{n % 9 + 1},survey,payment,complaint,The receipt never arrives by mail\n"
            for n in range(50)), encoding="utf-8")   # more people than the 45 behind the smallest open irritant
    result = check_repository(example, TODAY)
    site = render_sites(result, example, only=Audience.INTERNAL)["internal"]
    inbox = site["feedback/index.html"].decode()
    assert ('<strong>50\u00a0anonymous responses</strong><span aria-hidden="true"> · </span>50\u00a0rows'
            in as_seen(inbox))
    assert not re.search(r"\b0[ \u00a0]customers", inbox)
    assert "“The receipt never arrives by mail” (Payment): 50 anonymous response(s) in 50 unlinked row(s)" in \
        "".join(d.message for d in theme_warnings(result.facts))



def _irritant_of_anonymous_responses(root: Path, count: int) -> None:
    """An open irritant whose evidence is an anonymous survey's rows only: fewer people than any other open one."""
    (root / "feedback" / "night-survey.csv").write_text("id,date,source,journey_stage,kind,verbatim\n" + "".join(
        f"night-{n},2026-11-0{n % 9 + 1},survey,support,complaint,Nobody answers the chat at night\n"
        for n in range(count)), encoding="utf-8")
    (root / "backlog" / "irritants" / "night-chat.yaml").write_text(
        "title: Night chat unanswered\njourney_stage: support\nteam: support\nowner: Jonas Berg\n"
        "cause: No night shift\ntriage: plan\nstatus: open\nopened: 2026-11-20\ntarget: 2026-12-21\n"
        f"feedback: [{', '.join(f'night-{n}' for n in range(count))}]\n", encoding="utf-8")


def test_an_irritant_of_anonymous_responses_names_them_in_a_sentence(example: Path) -> None:
    """"from 33 anonymous responses", not "from 33 responses, anonymous", wherever the people are counted."""
    _irritant_of_anonymous_responses(example, 33)
    site = render_sites(check_repository(example, TODAY), example, only=Audience.INTERNAL)["internal"]
    irritant = site["irritants/night-chat/index.html"].decode()
    assert "33\u00a0feedback rows from 33\u00a0anonymous responses." in irritant
    dashboard = " ".join(site["index.html"].decode().split())
    assert "have more people than Night chat unanswered (33 anonymous responses), the open irritant" in dashboard
    assert [page for page, body in site.items() if b"responses, anonymous" in body] == []
    edit(example / "site.yaml", "internal:\n", "internal:\n  language: de\n")
    site = render_sites(check_repository(example, TODAY), example, only=Audience.INTERNAL)["internal"]
    # German puts "von" before a dative ("anonymen Antworten"): the people go in brackets, in the nominative
    assert "33\u00a0Rückmeldungen (33\u00a0anonyme Antworten)." in site["irritants/night-chat/index.html"].decode()

def test_people_are_said_in_each_language() -> None:
    assert language("en").people(12, 21) == "12\u00a0customers and 21\u00a0anonymous responses"
    assert language("en").people(0, 1) == "1\u00a0anonymous response"
    assert language("en").people(3, 0) == "3\u00a0customers"
    assert language("fr").people(12, 21) == "12\u00a0clients et 21\u00a0réponses anonymes"
    assert language("de").people(0, 33) == "33\u00a0anonyme Antworten"
    assert language("es").people(1, 1) == "1\u00a0cliente y 1\u00a0respuesta anónima"
    # a theme folded to one line says the total alone: the theme unfolded says which are anonymous
    assert language("en").people_count(88, 0) == "88\u00a0customers"
    assert language("en").people_count(88, 4) == "92\u00a0people"
    assert language("en").people_count(0, 1) == "1\u00a0person"
    assert language("fr").people_count(88, 4) == "92\u00a0personnes"


def test_check_never_groups_the_inbox_and_never_reports_the_rule(example: Path) -> None:
    result = check_repository(example, TODAY)
    assert "themes" not in vars(result.facts)   # a lazy fact: only build and agenda ask for it
    assert not [d for d in result.diagnostics if d.rule == "theme-not-in-backlog"]
    checked = subprocess.run([sys.executable, "-m", "site_gen", "check", "--today", "2026-11-23"], cwd=example,
                             capture_output=True, text=True, check=False)
    assert "theme-not-in-backlog" not in checked.stdout + checked.stderr


def test_build_and_agenda_report_each_theme_bigger_than_a_backlog_item(example: Path, tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "site_gen", "build", "--today", "2026-11-23", "--out",
                            str(tmp_path / "out")], cwd=example, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    warned = [line for line in built.stdout.splitlines() if "warning[theme-not-in-backlog]" in line]
    assert len(warned) == len(example_inbox().bigger) == 11
    assert "complaint theme “Brakes felt weak on the hill” (First ride): 68 customer(s) and 3 anonymous response(s) " \
           "in 74 unlinked row(s), more than the 43 customer(s) and 2 anonymous response(s) behind open irritant " \
           "'day-pass-confusing'" in warned[0] + "".join(warned)
    agenda = subprocess.run([sys.executable, "-m", "site_gen", "agenda", "--date", "2026-11-23"], cwd=example,
                            capture_output=True, text=True, check=False)
    assert agenda.returncode == 0
    assert sorted(line for line in agenda.stderr.splitlines() if "theme-not-in-backlog" in line) == sorted(warned)
    assert "theme-not-in-backlog" not in agenda.stdout   # the agenda itself stays clean markdown


def test_the_dashboard_the_agenda_and_the_inbox_name_the_theme_and_the_irritant() -> None:
    result = check_repository(REPO, TODAY)
    site = render_sites(result, REPO, only=Audience.INTERNAL)["internal"]
    dashboard = site["index.html"].decode()
    assert BIGGER in dashboard
    assert "Tourists cannot tell the day pass from pay-as-you-go (43\u00a0customers and 2\u00a0anonymous responses)" in dashboard
    assert "<q>Brakes felt weak on the hill</q></a> — 68\u00a0customers and 3\u00a0anonymous responses, First ride" in dashboard
    inbox = site["feedback/index.html"].decode()
    assert inbox.index("<h2 id=\"complaints-heading\">") < inbox.index("<h2 id=\"suggestions-heading\">") \
        < inbox.index("<h2 id=\"praise-heading\">") < inbox.index("<h2 id=\"rows\">")
    top = result.facts.themes.complaints[0]
    # the segment split counts rows, which the customers in bold beside it do not: it says so
    assert sum(count for _, count in top.segments) == len(top.rows) > top.customers
    assert inbox.count("rows by segment: ") >= len(result.facts.themes.complaints)
    commands = re.findall(r'<pre class="command" tabindex="0"><code>(.*?)</code></pre>', inbox, flags=re.S)
    assert html.unescape(re.sub(r"<[^>]+>", "", commands[0])) == top.command   # what a person copies
    praise = inbox[inbox.index("<h2 id=\"praise-heading\">"):inbox.index("<h2 id=\"rows\">")]
    assert result.facts.themes.praise and "Open it as an irritant" not in praise   # praise is not a problem to open
    assert inbox.count("<details open>") == len(result.facts.themes.bigger)   # only the themes that need acting on
    agenda = render_markdown(build_agenda(result.facts))
    assert f"**{BIGGER}.**" in agenda
    assert "[Tourists cannot tell the day pass from pay-as-you-go](irritants/day-pass-confusing/index.html) " \
           "(43\u00a0customers and 2\u00a0anonymous responses)" in agenda
    assert "“Brakes felt weak on the hill”" in agenda


def test_the_command_opens_the_theme_as_an_irritant_with_its_rows_as_evidence(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    theme = check_repository(root, TODAY).facts.themes.complaints[0]
    argv = shlex.split(theme.command)   # as a POSIX shell reads it
    assert argv[:3] == ["site-gen", "new", "irritant"]
    done = subprocess.run([sys.executable, "-m", "site_gen", *argv[1:], "--today", "2026-11-23"], cwd=root,
                          capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    irritant = yaml.safe_load((root / "backlog/irritants/brakes-felt-weak-on-the-hill.yaml").read_text("utf-8"))
    assert (irritant["title"], irritant["journey_stage"], irritant["team"]) == (TOP_THREE[0], "first-ride", "app")
    assert tuple(irritant["feedback"]) == theme.ids
    after = check_repository(root, TODAY).facts
    assert TOP_THREE[0] not in [t.wording for t in after.themes.complaints]
    assert after.irritants["brakes-felt-weak-on-the-hill"].evidence.customers == theme.customers


def test_a_very_large_theme_links_its_newest_rows_in_a_command_a_shell_accepts() -> None:
    start = date(2025, 1, 1)
    rows = [row(n, "Seat would not go down", day=start + timedelta(days=n % 600)) for n in range(COMMAND_IDS + 700)]
    [theme] = inbox_themes(rows, STAGES, TODAY, {}).complaints
    assert len(theme.rows) == COMMAND_IDS + 700
    assert theme.command_ids == theme.ids[:COMMAND_IDS]
    assert len(theme.command.encode()) < 128 * 1024   # Linux's limit on one argument (MAX_ARG_STRLEN)


def test_one_said_once_is_no_theme_and_rows_without_words_are_counted() -> None:
    rows = [row(1, "Seat would not go down"), row(2, "Brakes felt weak on the hill"), row(3, "   ")]
    inbox = inbox_themes(rows, STAGES, TODAY, {})
    assert (shape(inbox), inbox.ungrouped, inbox.without_verbatim) == ([], 2, 1)


def test_verbatims_of_signs_and_emoji_alone_make_no_theme_and_do_not_stop_the_inbox() -> None:
    """App-store reviews are often a thumb or a row of '!!!': said twice, they once made a theme with no wording
    to show, and agenda and build stopped with a traceback (found importing real Google Play reviews)."""
    rows = [row(1, "\U0001f44d", "praise"), row(2, "\U0001f44d", "praise"), row(3, "!!!"), row(4, "!!!"),
            row(5, "Brakes felt weak on the hill"), row(6, "Brakes felt weak on the hill!")]
    inbox = inbox_themes(rows, STAGES, TODAY, {})
    assert shape(inbox) == [("complaint", "first-ride", "Brakes felt weak on the hill", ("FB-6", "FB-5"))]
    assert (inbox.ungrouped, inbox.without_verbatim) == (4, 0)


def test_the_inbox_page_says_when_a_theme_is_only_in_its_command_in_part(example: Path) -> None:
    """A theme of more rows than its command links says so on the page (and the rest stay in the inbox)."""
    csv = example / "feedback/surveys-and-reviews.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    extra = [f"XTRA-{n},2026-10-{n % 28 + 1:02d},survey,CUST-X{n},commuter,app,first-ride,,,"
             f"Brakes felt weak on the hill,,complaint,," for n in range(COMMAND_IDS)]
    csv.write_text("\n".join(lines + extra) + "\n", encoding="utf-8")
    result = check_repository(example, TODAY)
    html = render_sites(result, example, only=Audience.INTERNAL)["internal"]["feedback/index.html"].decode()
    assert f"The command links the newest {COMMAND_IDS} of its {COMMAND_IDS + 74}\u00a0rows" in html


def test_a_folded_theme_bigger_than_an_open_irritant_says_so_in_its_one_line_summary() -> None:
    """Beyond the first few, a theme is one line until tapped: a theme with more people than an open irritant
    carries the flag in that line, where a reader scanning the page sees it, not only behind the tap."""
    result = check_repository(REPO, TODAY)
    inbox = render_sites(result, REPO, only=Audience.INTERNAL)["internal"]["feedback/index.html"].decode()
    complaints = inbox[inbox.index('<h2 id="complaints-heading">'):inbox.index('<h2 id="suggestions-heading">')]
    summaries = re.findall(r'<li class="card theme folded"><details><summary>(.*?)</summary>', complaints, re.S)
    bigger = {theme.wording.replace("'", "&#39;") for theme in result.facts.themes.bigger}
    flagged = [summary for summary in summaries if re.search(r"<q>(.*?)</q>", summary).group(1) in bigger]
    assert flagged, "the example has bigger themes among the folded ones"
    assert all("More people than an open irritant" in summary for summary in flagged)
    assert not any("More people than an open irritant" in summary for summary in summaries
                   if summary not in flagged)


def test_themes_grouped_in_a_worker_process_are_those_grouped_in_the_build_itself(monkeypatch) -> None:
    """A large inbox is grouped in a worker process while the build renders the public site (start_themes): the
    same themes, rows and counts as when the build groups them itself."""
    import site_gen.facts as facts_module
    from site_gen.parallel import forked

    here = example_inbox()
    monkeypatch.setattr(facts_module, "THEMES_FORK_FROM", 1)   # the example's inbox is small: fork anyway
    facts = check_repository(REPO, TODAY).facts
    before = forked()
    facts.start_themes(2)
    assert forked() == before + 1
    there = facts.themes
    assert shape(there) == shape(here) and there.complaints[0].wording == TOP_THREE[0]
    assert (there.ungrouped, there.without_verbatim, there.smallest_open) == \
        (here.ungrouped, here.without_verbatim, here.smallest_open)


def test_a_build_that_stops_stops_the_worker_grouping_its_themes(monkeypatch) -> None:
    """A refused or failed build does not wait for (nor leave behind) the themes a worker still groups."""
    import site_gen.facts as facts_module

    monkeypatch.setattr(facts_module, "THEMES_FORK_FROM", 1)
    facts = check_repository(REPO, TODAY).facts
    facts.start_themes(2)
    [(pool, _)] = facts._background
    workers = [worker.pid for worker in pool._processes.values()]
    facts.stop_background()
    deadline = time.monotonic() + 10
    while not all(_dead(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and all(_dead(pid) for pid in workers)
    assert facts._background == []
    assert shape(facts.themes) == shape(example_inbox())   # grouped here instead, the same themes


def _dead(pid: int) -> bool:
    """The process is gone, or a zombie waiting to be reaped by whichever thread of its parent gets there first."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def test_a_theme_whose_months_before_were_cut_from_a_very_large_inbox_has_no_trend(monkeypatch, tmp_path) -> None:
    """Only the newest THEMED_ROWS unlinked rows are grouped: when they do not reach back to the start of the three
    months before the last three, a theme's rows there were not counted, and "rising" would be a guess."""
    import site_gen.facts as facts_module

    whole = example_inbox()
    assert {theme.trend for theme in whole.complaints} - {"unknown"}
    assert all(theme.grouped_from is None for theme in whole.complaints)
    monkeypatch.setattr(facts_module, "THEMED_ROWS", 600)   # the example's newest 600 reach back to the summer
    facts = check_repository(REPO, TODAY).facts
    cut = facts.themes
    oldest = min(row.date for theme in cut.complaints for row in theme.rows)
    assert cut.complaints and {theme.trend for theme in cut.complaints} == {"unknown"}
    assert {theme.grouped_from for theme in cut.complaints} == {facts._inbox[-1].date + timedelta(days=1)}
    assert oldest > date(2026, 5, 1)     # the months before the last three (May-Jul 2026) are partly missing
    sites = render_sites(check_repository(REPO, TODAY), REPO, Audience.INTERNAL)
    inbox_page = sites["internal"]["feedback/index.html"].decode()
    assert "Trend unknown: only the newest rows, from " in inbox_page and "Rising:" not in inbox_page


@given(st.one_of(st.none(), st.text()))
def test_a_verbatim_says_something_when_anything_is_left_once_its_spaces_are_stripped(text: str | None) -> None:
    """says_something asks str.isspace() (no copy of the text, 200,000 times a build): a verbatim has words
    exactly when stripping it leaves something, whatever spaces it holds (no-break, em, ideographic, line
    separators…)."""
    assert says_something(text) == bool(text and text.strip())


def test_every_character_is_a_space_to_strip_exactly_when_isspace_says_so() -> None:
    """Why says_something may ask str.isspace(): it calls a character a space exactly when str.strip() removes it."""
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if (not c.strip()) != c.isspace()] == []


_WORDS = ["brakes", "felt", "weak", "on", "the", "hill", "seat", "would", "not", "go", "down", "HILL", "café", "don't"]
_NO_WORDS = [None, "", " ", "\u00a0", "\u2003", " \u2003\n\t", "\u3000", "\x85", "\u2028"]
_SAID = [*_NO_WORDS, "!!!", "\u200b", "Brakes felt weak on the hill", "brakes felt WEAK on the hill!",
         "Seat would not go down", "Seat would not go down. Please fix this."]
_ROWS = st.lists(st.tuples(st.one_of(st.sampled_from(_SAID), st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join),
                                     st.text(max_size=10)),
                           st.sampled_from([None, "complaint", "praise", "suggestion"]),
                           st.sampled_from(["discover", "payment"]), st.booleans()), max_size=40)


def _loaded_or_said(n: int, text: str | None, kind: str | None, stage: str, loaded: bool) -> Verbatim:
    if loaded:
        return FeedbackRow(id=f"FB-{n}", loc=SourceLoc("feedback/export.csv", n + 2), date=date(2026, 10, 1),
                           source=Source.SURVEY, journey_stage=stage, verbatim=text,
                           kind=FeedbackKind(kind) if kind else None)
    return Said(date(2026, 10, 1), f"FB-{n}", kind, stage, text)   # type: ignore[arg-type] # None: no words


def _stored(said: list[tuple[str | None, str | None, str, bool]]) -> StoredSaid:
    """These rows as DuckDB hands them to grouping: Arrow columns in a StoredSaid, no row made yet."""
    import pyarrow as pa  # type: ignore[import-untyped]

    types = {"date": pa.date32(), "id": pa.string(), "kind": pa.string(), "journey_stage": pa.string(),
             "verbatim": pa.string()}
    values = {"date": [date(2026, 10, 1)] * len(said), "id": [f"FB-{n}" for n in range(len(said))],
              "kind": [kind for _, kind, _, _ in said], "journey_stage": [stage for _, _, stage, _ in said],
              "verbatim": [text for text, _, _, _ in said]}
    return StoredSaid(pa.table({name: pa.array(values[name], types[name]) for name in Said._fields}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ROWS)
def test_themes_grouped_by_columns_are_those_of_the_rows_themselves(
        said: list[tuple[str | None, str | None, str, bool]]) -> None:
    """theme_groups reads three columns by position: the same groups, in the same order, as clustering the rows
    with words themselves and finding each by its place (as theme_groups did before it read columns), for loaded
    rows and Said rows mixed, rows without words (None, '', no-break and other spaces), repeated verbatims and no
    kind; and the same from DuckDB's Arrow columns, before and after its rows are made."""
    rows = [_loaded_or_said(n, *values) for n, values in enumerate(said)]
    place = {id(row): at for at, row in enumerate(rows)}
    expected = [[place[id(row)] for row in members] for members in cluster_rows([r for r in rows if has_words(r)])
                if len(members) >= MIN_ROWS]
    assert theme_groups(rows) == expected
    stored = _stored(said)
    assert theme_groups(stored) == expected and stored._rows is None
    assert len(list(stored)) == len(rows) and stored._rows is not None   # its rows made: read from them
    assert theme_groups(stored) == expected

