"""The paper cuts of a team's first week: the words people use, scheduled stories, honest counts, finding feedback."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.check import check_repository
from site_gen.cli import main
from site_gen.sites import render_sites

from .conftest import TODAY, edit, run_check

IRR = "backlog/irritants"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def status_hint(example: Path, written: str) -> str:
    edit(example / IRR / "helmet-rental.yaml", "status: declined", f"status: {written}")
    [problem] = [d for d in run_check(example).diagnostics if d.rule == "value"]
    return problem.hint


def test_doing_means_in_progress_not_done(example: Path) -> None:
    assert status_hint(example, "doing") == "did you mean 'in-progress'?"


def test_the_words_people_use_for_each_state(example: Path) -> None:
    path = example / IRR / "helmet-rental.yaml"
    original = path.read_text("utf-8")
    expected = {"wip": "in-progress", '"in progress"': "in-progress", "fixed": "done", "resolved": "done",
                "closed": "done", "wontfix": "declined", "rejected": "declined", "dnoe": "done"}
    for written, meant in expected.items():
        path.write_text(original, encoding="utf-8")
        assert status_hint(example, written) == f"did you mean '{meant}'?", written


# --- scheduled stories ----------------------------------------------------------------------------

STORY = "backlog/stories/deposit-back-faster.md"


def public_pages(example: Path, today: date, future: bool = False) -> dict[str, bytes]:
    result = check_repository(example, today)
    return render_sites(result, example, "public", future=future)["public"]


def test_a_story_dated_in_the_future_waits_for_its_date(example: Path) -> None:
    edit(example / STORY, "date: ", "date: 2026-12-01\nold_date: ")
    edit(example / STORY, "\nold_date: ", "\n# was: ")
    result = check_repository(example, TODAY)
    assert result.facts.stories["deposit-back-faster"].scheduled
    assert result.errors == 0
    title = result.backlog.stories["deposit-back-faster"].title.encode()
    before = public_pages(example, TODAY)
    assert not any(title in page for page in before.values())
    assert not any(path.startswith("stories/2026-12-") for path in before)
    on_the_day = public_pages(example, date(2026, 12, 1))
    assert title in on_the_day["index.html"] and title in on_the_day["feed.xml"]
    preview = public_pages(example, TODAY, future=True)
    assert title in preview["index.html"]


def test_build_future_flag_previews_scheduled_stories(example: Path, tmp_path: Path) -> None:
    edit(example / STORY, "date: ", "date: 2027-01-05\n# was: ")
    title = check_repository(example, TODAY).backlog.stories["deposit-back-faster"].title
    out = tmp_path / "out"
    assert invoke("build", str(example), "--out", str(out), "--today", "2026-11-23", "--only", "public").exit_code == 0
    assert title not in (out / "public/index.html").read_text("utf-8")
    assert invoke("build", str(example), "--out", str(out), "--today", "2026-11-23", "--only", "public",
                  "--future").exit_code == 0
    assert title in (out / "public/index.html").read_text("utf-8")


# --- counts ---------------------------------------------------------------------------------------

def test_the_summary_says_how_many_records_are_unreadable(example: Path) -> None:
    edit(example / IRR / "day-pass-confusing.yaml", "title: Tourists cannot tell the day pass from pay-as-you-go\n", "")
    outcome = invoke("check", str(example), "--today", "2026-11-23")
    assert outcome.exit_code == 1
    assert outcome.stderr.splitlines()[-1] == \
        "1 error(s), 2 warning(s) in 14 irritants (1 unreadable), 8 decisions, 15 stories, 4,006 feedback rows, " \
        "as of 2026-11-23."


# --- feedback search ------------------------------------------------------------------------------

def test_feedback_lists_matching_rows_to_cite(example: Path) -> None:
    outcome = invoke("feedback", "no", "bikes", "CENTRAL", "--repo", str(example), "--stage", "discover")
    assert outcome.exit_code == 0
    header, *rows = outcome.stdout.splitlines()
    assert header.split() == ["ID", "DATE", "STAGE", "SCORE", "VERBATIM"]
    assert rows and all(" discover " in row and "central" in row.lower() for row in rows)
    assert any(row.startswith("SRV-1101-0002 ") and "nps 6" in row for row in rows)
    assert outcome.stderr == f"{len(rows)} matching row(s).\n"


def test_feedback_json_and_unlinked(example: Path) -> None:
    everything = json.loads(invoke("feedback", "refund", "--repo", str(example), "--format", "json",
                                   "--limit", "5000").stdout)
    unlinked = json.loads(invoke("feedback", "refund", "--repo", str(example), "--format", "json", "--unlinked",
                                 "--limit", "5000").stdout)
    assert {"id", "date", "journey_stage", "score", "verbatim"} <= set(everything[0])
    assert 0 < len(unlinked) < len(everything)
    assert all(row["irritant"] is None for row in unlinked)
    assert [row["date"] for row in everything] == sorted((row["date"] for row in everything), reverse=True)
    outcome = invoke("feedback", "x", "--repo", str(example), "--stage", "checkout")
    assert outcome.exit_code == 2 and "'checkout' is not one of" in outcome.stderr



def test_feedback_still_takes_the_repository_as_path(example: Path) -> None:
    """--repo is the one name now; --path, feedback's first spelling, stays for the scripts that use it."""
    assert invoke("feedback", "refund", "--path", str(example), "--format", "json").stdout == \
        invoke("feedback", "refund", "--repo", str(example), "--format", "json").stdout != "[]\n"

class _RunningText(HTMLParser):
    """The words a reader reads: text outside <code>, <pre>, scripts, styles and attributes."""

    SKIPPED = {"code", "pre", "script", "style", "kbd", "samp"}

    def __init__(self) -> None:
        super().__init__()
        self.inside: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.inside and self.inside[-1] == tag:
            self.inside.pop()

    def handle_data(self, data: str) -> None:
        if not self.inside:
            self.text.append(data)


def test_internal_pages_word_settings_and_fields_for_a_person_not_as_identifiers(example: Path) -> None:
    """A sentence says "the months compared" or "its next review date", never rules.risk_months or review_on;
    the key a reader must change may stay beside it in <code>."""
    edit(example / "backlog" / "decisions" / "november-metrics-review.md", "review_on: 2026-12-15",
         "review_on: 2026-11-20")    # a metric-response decision due: the agenda asks what to do with it
    result = check_repository(example, TODAY)
    pages = render_sites(result, example, "internal")["internal"]
    identifier = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\brules\.[a-z_]+")
    found: dict[str, list[str]] = {}
    for path, body in pages.items():
        if path.endswith(".html") and isinstance(body, bytes):
            reader = _RunningText()
            reader.feed(body.decode("utf-8"))
            if hits := identifier.findall(" ".join(reader.text)):
                found[path] = hits
    assert "Keep it" in pages["agenda/index.html"].decode() and "journey/index.html" in pages
    assert found == {}


# --- commands that go on with what loaded say what they leave out -----------------------------------------

@pytest.mark.parametrize(("command", "what"), [
    (("agenda", "--date", "2026-11-25", "{repo}"), "agenda"),
    (("digest", "{repo}", "--week", "2025-11-03"), "digest"),
    (("feedback", "bikes", "--repo", "{repo}"), "results"),
])
def test_a_feedback_file_that_does_not_read_is_named_by_commands_that_go_on_without_it(
        example: Path, command: tuple[str, ...], what: str) -> None:
    """An export broken by a bad merge drops out of the meeting, the digest or a search: each says so on stderr,
    naming the file, and still does its work with what loaded."""
    clean = invoke(*(part.format(repo=example) for part in command))
    assert clean.exit_code == 0 and "left out of the" not in clean.stderr
    batch = example / "feedback/interviews.yaml"
    batch.write_text(batch.read_text("utf-8") + "- {id: [unclosed\n", "utf-8")
    outcome = invoke(*(part.format(repo=example) for part in command))
    assert outcome.exit_code == 0 and outcome.stdout
    assert (f"feedback/interviews.yaml: 1 error(s) — the rows that could not be read are left out of the {what}; "
            "run site-gen check to see them") in outcome.stderr
