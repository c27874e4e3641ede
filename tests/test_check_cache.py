"""A check with a cache (issue 12 item 4): when no input changed since the last check, its diagnostics are printed
again exactly, without loading anything; any change to any input is noticed; a corrupt cache is ignored."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import site_gen.incremental
from site_gen.build import build
from site_gen.cli import main
from site_gen.incremental import CACHE_DIR, INPUT_FOLDERS, input_digest
from site_gen.load.csvstore import THRESHOLD_VARIABLE

from .conftest import TODAY, as_parquet, copy_example, edit

STORY = "backlog/stories/helmet-discount.md"


def parsed_files(root: Path) -> dict[str, tuple[int, int]]:
    """The cache's shards of parsed files, each with its inode and modification time."""
    return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in sorted((root / CACHE_DIR).glob("files-*.pickle"))}


def forget_parsed_files(root: Path) -> None:
    for path in (root / CACHE_DIR).glob("files-*.pickle"):
        path.unlink()


def check(root: Path, *options: str, today: str = "2026-11-23") -> tuple[int, str, str]:
    """`site-gen check` as a CI job runs it: exit code, standard output, standard error."""
    result = CliRunner().invoke(main, ["check", str(root), "--today", today, *options], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_a_check_with_nothing_changed_prints_exactly_a_cold_checks_output_and_loads_nothing(
        example: Path, output_format: str) -> None:
    cold = check(example, "--no-cache", "--format", output_format)
    assert not (example / CACHE_DIR).exists()     # --no-cache neither reads nor writes a cache
    assert check(example, "--format", output_format) == cold   # fills the cache
    assert parsed_files(example)
    forget_parsed_files(example)     # a check that loaded anything would write them again
    assert check(example, "--format", output_format) == cold
    assert not parsed_files(example)


def _edit_record(root: Path) -> None:
    edit(root / STORY, "title: 20% off", "title: 20% off\nownr: nobody")


def _add_record(root: Path) -> None:
    shutil.copy(root / STORY, root / "backlog/stories/helmet-discount-again.md")


def _delete_record(root: Path) -> None:
    (root / STORY).unlink()


def _edit_feedback_row(root: Path) -> None:
    edit(root / "feedback/surveys-and-reviews.csv", "SRV-1101-0002,2025-11-01,", "SRV-1101-0002,2025-13-01,")


def _delete_feedback_row(root: Path) -> None:
    path = root / "feedback/surveys-and-reviews.csv"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), "utf-8")


def _edit_site_yaml(root: Path) -> None:
    edit(root / "site.yaml", "review_every_days: 14", "review_every_days: 3")


def _edit_ledger(root: Path) -> None:
    with open(root / "backlog/notified.csv", "a", encoding="utf-8") as ledger:
        ledger.write("no-such-story,CUST-647490,2026-11-22,email,sent\n")


def _add_catalogue(root: Path) -> None:
    (root / "locale").mkdir()
    (root / "locale/fr.po").write_text('msgid "Skip to content"\nmsgstr "Passer\n\nmsgid "x"\n', encoding="utf-8")


CHANGES: dict[str, Callable[[Path], None]] = {
    "a record edited": _edit_record, "a record added": _add_record, "a record deleted": _delete_record,
    "a feedback row edited": _edit_feedback_row, "a feedback row deleted": _delete_feedback_row,
    "site.yaml edited": _edit_site_yaml, "the ledger edited": _edit_ledger, "a catalogue added": _add_catalogue,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_changed_input_is_noticed(example: Path, change: str) -> None:
    before = check(example, "--format", "json")     # fills the cache
    CHANGES[change](example)
    after = check(example, "--format", "json")
    assert after != before
    assert after == check(example, "--no-cache", "--format", "json")
    assert check(example, "--format", "json") == after   # and that run is the one cached now


def test_another_as_of_date_is_a_new_check(example: Path) -> None:
    check(example)
    later = check(example, "--format", "json", today="2027-06-01")
    assert later == check(example, "--no-cache", "--format", "json", today="2027-06-01")
    assert later != check(example, "--no-cache", "--format", "json")


def test_a_corrupt_cache_is_ignored(example: Path) -> None:
    cold = check(example, "--no-cache")
    check(example)
    for part in (example / CACHE_DIR).glob("*.pickle"):
        data = part.read_bytes()
        part.write_bytes(data[: len(data) // 2])
    assert check(example) == cold
    _edit_record(example)
    assert check(example) == check(example, "--no-cache")


def test_build_and_check_each_keep_their_last_run(example: Path, tmp_path: Path) -> None:
    """One run store for both commands: a check does not make the next build start afresh, nor the reverse."""
    out = tmp_path / "out"
    build(example, out, TODAY, search=False)
    check(example)
    assert build(example, out, TODAY, search=False).reused
    forget_parsed_files(example)
    check(example)
    assert not parsed_files(example)   # the check before the build is still the cached one: nothing loaded


def test_a_team_catalogue_is_an_input_of_build_and_check(example: Path) -> None:
    """The sites' interface text comes from locale/*.po: a changed catalogue is a changed input."""
    before = input_digest(example, (), "settings")
    _add_catalogue(example)
    assert "locale" in INPUT_FOLDERS
    assert input_digest(example, (), "settings") != before


def test_an_edited_schema_in_schemas_is_noticed_by_a_cached_check_and_build(example: Path) -> None:
    """check compares schemas/ with site.yaml (schemas-stale): a cached check after a schema is edited reports what
    a check without the cache reports, and so does a cached build (its digest covers the folder)."""
    written = CliRunner().invoke(main, ["schema", str(example), "--out", str(example / "schemas")])
    assert written.exit_code == 0, written.output
    clean = check(example, "--format", "json")      # fills the cache
    assert "schemas-stale" not in clean[1]
    before = input_digest(example, (), "settings")
    edit(example / "schemas/irritant.schema.json", '"billing"', '"accounts"')
    stale = check(example, "--format", "json")
    assert stale == check(example, "--no-cache", "--format", "json")
    assert "team 'billing' is not in it" in stale[1]
    assert input_digest(example, (), "settings") != before
    CliRunner().invoke(main, ["schema", str(example), "--out", str(example / "schemas")])
    assert check(example, "--format", "json") == clean


def test_after_an_upgrade_a_large_feedback_file_is_parsed_once_again_then_reused(example: Path, monkeypatch) -> None:
    """Large files' rows are kept in a blob of their own; one written by an older site-gen is not trusted, and a
    new one replaces it (else every later run would parse the file again). Seam: the feedback loader, replaced to
    prove it is not called."""
    import site_gen.incremental as incremental
    import site_gen.load as load
    monkeypatch.setattr(incremental.DiskMemo, "BLOB_FROM", 1)    # every feedback file gets a blob
    check(example)
    real = incremental.stamp()
    monkeypatch.setattr(incremental, "stamp", lambda: ("a newer site-gen", *real[1:]))
    _edit_record(example)
    upgraded = check(example)      # the old cache is ignored: everything is parsed again
    _delete_record(example)
    cold = check(example, "--no-cache")
    monkeypatch.setattr(load, "load_feedback_file", lambda *args: pytest.fail("the feedback was parsed again"))
    assert check(example) == cold != upgraded


def test_a_check_on_another_day_does_not_rewrite_the_parsed_files(example: Path) -> None:
    """No file changed: the parsed files on disk are already this run's (only the run itself is new)."""
    check(example)
    before = parsed_files(example)
    later = check(example, today="2027-06-01")
    assert parsed_files(example) == before
    assert later == check(example, "--no-cache", today="2027-06-01")
    _edit_record(example)
    assert check(example, today="2027-06-01") == check(example, "--no-cache", today="2027-06-01")
    assert parsed_files(example) != before


def test_one_edited_record_rewrites_only_the_shard_of_parsed_files_that_holds_it(example: Path) -> None:
    """At 30,000 records, writing every parsed file again after one edit took longer than the check itself."""
    check(example)
    before = parsed_files(example)
    assert len(before) > 1
    _edit_record(example)
    assert check(example) == check(example, "--no-cache")
    after = parsed_files(example)
    assert after.keys() == before.keys()
    assert len([name for name in before if after[name] != before[name]]) == 1


# --- a story edited in its body only: the last check's diagnostics, with that body judged again ---------------

INTERNAL_STORY = "backlog/stories/refund-status-draft.md"
BODIES = {
    "plain words": "We asked the partner shops again, and they all said yes.",
    "a placeholder": "TODO: say what we did",
    "an e-mail address": "Write to jane.doe@example.com for the code.",
    "a customer reference": "Thanks to cust-512317 for telling us.",
    "raw HTML": "It is <b>20%</b> off. <!-- never closed",
    "lines and paragraphs": "First line.\nSecond line, *emphasised*.\n\n- a list\n- with [a link](https://example.com)",
}


def _set_body(root: Path, story: str, body: str) -> None:
    path = root / story
    text = path.read_text("utf-8")
    front, _, _ = text.partition("\n---\n")
    path.write_text(f"{front}\n---\n\n{body}\n", "utf-8")


def _no_full_check(monkeypatch) -> None:
    """Seam: the full check, replaced to prove a body edit does not run it."""
    import site_gen.check
    monkeypatch.setattr(site_gen.check, "check_repository", lambda *args: pytest.fail("a full check ran"))


@pytest.mark.parametrize("body", list(BODIES))
@pytest.mark.parametrize("story", [STORY, INTERNAL_STORY])
def test_a_story_body_edit_is_judged_alone_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, story: str, body: str) -> None:
    check(example, "--format", "json")     # fills the cache
    _set_body(example, story, BODIES[body])
    cold = check(example, "--no-cache", "--format", "json")
    with monkeypatch.context() as patched:
        _no_full_check(patched)
        assert check(example, "--format", "json") == cold
    _set_body(example, story, "Back to calm words.")    # and the next edit starts from that run
    cold = check(example, "--no-cache", "--format", "json")
    with monkeypatch.context() as patched:
        _no_full_check(patched)
        assert check(example, "--format", "json") == cold
    assert check(example, "--format", "json") == cold     # nothing changed since: the same again


def test_the_customer_references_judged_come_from_the_feedback_as_it_is(example: Path) -> None:
    """A customer reference is one only while a feedback row names it: the kept index follows the feedback."""
    check(example)
    _set_body(example, STORY, "Thanks to cust-512317 for telling us.")
    assert "personal-data" in check(example)[1]
    for path in (example / "feedback").iterdir():
        path.write_text(path.read_text("utf-8").replace("CUST-512317", "CUST-000001"), "utf-8")
    assert "personal-data" not in check(example)[1]     # the feedback changed: a full check, a new index
    _set_body(example, STORY, "Thanks to cust-000001 for telling us.")
    assert "personal-data" in check(example)[1]
    assert check(example) == check(example, "--no-cache")


def test_an_unchanged_storys_words_become_a_customer_reference_when_the_feedback_names_one(example: Path) -> None:
    """What the record rules said of a story is kept for the customer index it was judged against: new feedback
    naming a customer its body mentions makes a full check judge that story again."""
    _set_body(example, STORY, "Thanks to cust-000001 for telling us.")
    assert "personal-data" not in check(example)[1]
    for path in (example / "feedback").iterdir():
        path.write_text(path.read_text("utf-8").replace("CUST-512317", "CUST-000001"), "utf-8")
    cached = check(example)
    assert "personal-data" in cached[1]
    assert cached == check(example, "--no-cache")


def test_a_body_edit_of_a_story_alike_another_but_for_its_body_is_checked_in_full(example: Path) -> None:
    """Their bodies order their derived addresses, which the slug-missing warnings name: a full check."""
    story = example / STORY
    story.write_text("".join(line for line in story.read_text("utf-8").splitlines(keepends=True)
                             if not line.startswith("slug:")), "utf-8")
    shutil.copy(story, example / "backlog/stories/helmet-discount-twin.md")
    _set_body(example, "backlog/stories/helmet-discount-twin.md", "Zebra crossings.")
    check(example)
    _set_body(example, STORY, "zzz: now it sorts after its twin.")
    after = check(example, "--format", "json")
    assert after == check(example, "--no-cache", "--format", "json")
    assert "slug-missing" in after[1]


def test_a_body_edit_after_a_build_parsed_another_version_of_the_story_is_checked_in_full(
        example: Path, tmp_path: Path) -> None:
    """The cache's parsed story is the build's, not the checked one's: it is not compared with."""
    _set_body(example, STORY, "It is <b>20%</b> off.")
    assert "raw-html" in check(example)[1]
    _set_body(example, STORY, "First.")
    build(example, tmp_path / "out", TODAY, search=False)
    _set_body(example, STORY, "Second.")
    after = check(example, "--format", "json")
    assert after == check(example, "--no-cache", "--format", "json")
    assert "raw-html" not in after[1]


def test_edits_in_front_matter_and_body_together_are_checked_in_full(example: Path) -> None:
    check(example)
    _set_body(example, STORY, "TODO: later")
    edit(example / INTERNAL_STORY, "audience: internal", "audience: public")
    assert check(example, "--format", "json") == check(example, "--no-cache", "--format", "json")


# --- a story edited in its words: the last check's diagnostics, with that story judged again ---------------------

HELMET_SAID = "you_said: You asked to rent a helmet together with the bike."
WORD_EDITS = {
    "an internal story's title": (INTERNAL_STORY, 'title: "Draft: refund status in the app"',
                                  'title: "TODO: a better title"'),
    "an internal story's you_said": (INTERNAL_STORY, "you_said: Riders can't see whether their refund was approved.",
                                     "you_said: Riders like jane.doe@example.com cannot see it."),
    "a public story's you_said": (STORY, HELMET_SAID, "you_said: Thanks to cust-512317 for asking."),
    "a public story's we_did, left blank": (STORY, "we_did: Show a ride receipt at a partner bike shop and get 20% off "
                                            "a helmet.", 'we_did: " "'),
    "a public story's you_said, as a placeholder": (STORY, HELMET_SAID, "you_said: TODO in their words"),
}


def _full_checks(monkeypatch) -> list[object]:
    """Seam: the full check, counted."""
    import site_gen.check
    ran: list[object] = []
    real = site_gen.check.check_repository
    monkeypatch.setattr(site_gen.check, "check_repository",
                        lambda *args, **options: ran.append(args) or real(*args, **options))
    return ran


def _judged(monkeypatch) -> list[str]:
    """Seam: the records the record rules judge, by file."""
    import site_gen.rules.records
    judged: list[str] = []
    real = site_gen.rules.records.record_findings
    monkeypatch.setattr(site_gen.rules.records, "record_findings",
                        lambda record, *args: judged.append(record.loc.path) or real(record, *args))
    return judged


@pytest.mark.parametrize("change", list(WORD_EDITS))
def test_a_story_edited_in_its_words_is_judged_alone_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, change: str) -> None:
    """A title, you_said or we_did edit that keeps every public address: the last check's diagnostics with the
    story's words judged again — the same output as a check without the cache, and no full check."""
    story, before, after = WORD_EDITS[change]
    code, _, _ = _judged_alone(example, monkeypatch, story, before, after)
    assert code == 1 or change == "an internal story's you_said"   # each but that one brings an error


def _judged_alone(example: Path, monkeypatch, path: str, before: str, after: str) -> tuple[int, str, str]:
    """Edit path (before -> after) after a check, then back: after each edit the cached check prints what a check
    without the cache prints, and runs no full check. What it printed after the first edit."""
    check(example, "--format", "json")
    printed = []
    for old, new in ((before, after), (after, before)):   # and the next edit starts from that run
        edit(example / path, old, new)
        cold = check(example, "--no-cache", "--format", "json")
        with monkeypatch.context() as patched:
            _no_full_check(patched)
            assert check(example, "--format", "json") == cold
        printed.append(cold)
    return printed[0]


def test_a_published_storys_new_title_is_judged_alone_while_it_has_a_slug(example: Path, monkeypatch) -> None:
    """Its address is its slug; its derived one moves, which nothing shows while no other story derives it."""
    _judged_alone(example, monkeypatch, STORY, "title: 20% off a helmet", "title: TODO 25% off a helmet")


def test_a_new_title_that_another_story_derives_its_address_from_is_checked_in_full(
        example: Path, monkeypatch) -> None:
    """Two published stories of a month with one title derive one base address, numbered in date order: the
    story without a slug, dated later, moves to the second number, which its slug-missing warning names."""
    story = example / STORY
    story.write_text("".join(line for line in story.read_text("utf-8").splitlines(keepends=True)
                             if not line.startswith("slug:")), "utf-8")
    assert "slug: 2026-06-20-off-a-helmet-at-partner-bike-shops'" in check(example)[1]
    edit(example / "backlog/stories/vouchers-at-kiosks.md", 'title: "Pay without a card: vouchers at partner kiosks"',
         "title: 20% off a helmet at partner bike shops")
    ran = _full_checks(monkeypatch)
    cached = check(example)
    assert cached == check(example, "--no-cache")
    assert len(ran) == 2 and "slug: 2026-06-20-off-a-helmet-at-partner-bike-shops-2'" in cached[1]


UNLOCK = "backlog/irritants/unlock-fails-in-background.yaml"
OWN_EDITS = {
    "reviewed, weeks ago": ("reviewed: 2026-11-17", "reviewed: 2026-10-20", "unreviewed"),
    "target, passed": ("target: 2026-12-15", "target: 2026-11-01", "overdue"),
    "target, before opened": ("target: 2026-12-15", "target: 2026-10-01", "date-order"),
    "owner, a placeholder": ("owner: Maya Okafor", "owner: TODO who owns it", "placeholder"),
    "public_reason, an e-mail address": ("triage: act-now", "triage: act-now\npublic_reason: Ask maya@example.com",
                                         "personal-data"),
    "title, reworded": ("title: Bluetooth unlock times out", "title: The unlock times out", None),
}


@pytest.mark.parametrize("change", list(OWN_EDITS))
def test_an_irritant_edited_in_its_own_fields_is_judged_alone_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, change: str) -> None:
    """The weekly meeting's edits (reviewed, target, owner, cause, wording): the last check's diagnostics with the
    irritant judged again — the same output as a check without the cache, and no full check."""
    before, after, rule = OWN_EDITS[change]
    if "public_reason" in change:   # a line added: the places below it move, which is a full check; then the edit
        edit(example / UNLOCK, before, "triage: act-now\npublic_reason: Ask us in the app")
        before = "triage: act-now\npublic_reason: Ask us in the app"
    _, printed, _ = _judged_alone(example, monkeypatch, UNLOCK, before, after)
    assert rule is None or f'"rule": "{rule}"' in printed


RETRY = "backlog/decisions/retry-unlock-before-new-features.md"
DECISION_EDITS = {
    "review_on, passed": ("review_on: 2027-01-12", "review_on: 2026-11-02", "decision-review"),
    "review_on, before its date": ("review_on: 2027-01-12", "review_on: 2026-10-01", "date-order"),
    "owner, a placeholder": ("owner: Maya Okafor", "owner: TODO who decides", "placeholder"),
    "an answer emptied": ("teams: The app team delays", "teams_later: The app team delays", None),
    "the body": ("## Context", "## Context, rewritten", None),
}


@pytest.mark.parametrize("change", list(DECISION_EDITS))
def test_a_decision_edited_in_its_own_fields_is_judged_alone_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, change: str) -> None:
    """Its owner, review date, answers and body: the last check's diagnostics with the decision judged again."""
    before, after, rule = DECISION_EDITS[change]
    if change == "an answer emptied":   # an unknown field is a problem for the loader: a full check each way
        check(example)
        edit(example / RETRY, before, after)
        assert check(example, "--format", "json") == check(example, "--no-cache", "--format", "json")
        return
    _, printed, _ = _judged_alone(example, monkeypatch, RETRY, before, after)
    assert rule is None or f'"rule": "{rule}"' in printed


def test_a_decision_that_did_not_work_is_followed_up_in_a_full_check(example: Path, monkeypatch) -> None:
    """Its outcome is not its own: what follows it up is another decision's `follows`."""
    check(example)
    edit(example / "backlog/decisions/cancel-in-app.md", "outcome: worked", "outcome: did-not-work")
    ran = _full_checks(monkeypatch)
    cached = check(example, "--format", "json")
    assert cached == check(example, "--no-cache", "--format", "json")
    assert len(ran) == 2 and "no decision follows it up" in cached[1]


@pytest.mark.parametrize("max_open", ["10", "2"])
def test_an_irritant_moved_between_open_and_in_progress_is_judged_alone_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, max_open: str) -> None:
    """Open either way: the length of the backlog (over its limit or not), its schedule and its risks read only
    that; the record rules read which status it is."""
    edit(example / "site.yaml", "max_open: 10", f"max_open: {max_open}")
    printed = _judged_alone(example, monkeypatch, UNLOCK, "status: in-progress", "status: open")
    assert ("backlog-short" in printed[1]) == (max_open == "2")


CLOSINGS = {   # the weekly meeting's: done (this week, or without its date yet), declined
    "done": ("status: in-progress", "status: done\nclosed: 2026-11-20"),
    "done, the closed date left out": ("status: in-progress", "status: done"),
    "declined": ("triage: act-now\nstatus: in-progress",
                 "triage: decline\ndecline_reason: Android gives us no way round it\nstatus: declined\n"
                 "closed: 2026-11-21"),
}


@pytest.mark.parametrize("change", list(CLOSINGS))
def test_an_irritant_closed_and_reopened_is_judged_alone_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, change: str) -> None:
    """Closed, then reopened, with more irritants open than rules.max_open: one fewer is open (every backlog-short
    error says so) and the high risks only it covered are uncovered (the commuter and business segments'), then back
    — each judged alone, the same output as a check without the cache."""
    edit(example / "site.yaml", "max_open: 10", "max_open: 2")
    _, printed, _ = _judged_alone(example, monkeypatch, UNLOCK, *CLOSINGS[change])
    assert "6 irritants are open" in printed and "7 irritants are open" not in printed
    assert "segment 'commuter'" in printed and "segment 'business'" in printed


def test_an_irritant_closed_beside_one_that_does_not_load_is_judged_alone_and_uncovers_no_risk(
        example: Path, monkeypatch) -> None:
    """While an irritant does not load, risk-uncovered says nothing (it may be the one that covers a risk): closing
    the irritant that alone covered the commuter and business segments' risks leaves it silent, judged alone too."""
    edit(example / "backlog/irritants/helmet-rental.yaml", "opened: 2026-", "opened: someday-")
    _, printed, _ = _judged_alone(example, monkeypatch, UNLOCK, *CLOSINGS["done"])
    assert "is not a date" in printed and "risk-uncovered" not in printed


FOLLOWED_UP = {"loop-open": "backlog/irritants/seat-clamp-stuck.yaml",
               "recurrence": "backlog/irritants/signup-id-check-loop.yaml"}


@pytest.mark.parametrize("rule", list(FOLLOWED_UP))
def test_a_fix_reopened_is_judged_alone_and_closed_again_on_its_date_is_checked_in_full(
        example: Path, monkeypatch, rule: str) -> None:
    """The loop rules follow a fix up at its closed line (no story yet; complaints that kept coming). Reopened — in
    progress, its closed date removed — they say nothing more of it: judged alone. Closed again on its old date,
    what they say needs its evidence and its complaints stored in DuckDB: the full check."""
    path = example / FOLLOWED_UP[rule]
    done = path.read_text("utf-8")
    check(example)
    path.write_text(re.sub(r"^closed:.*\n", "", done.replace("status: done", "status: in-progress"), flags=re.M),
                    "utf-8")
    ran = _full_checks(monkeypatch)
    reopened = check(example, "--format", "json")
    assert reopened == check(example, "--no-cache", "--format", "json")
    assert len(ran) == 1 and f'"rule": "{rule}"' not in reopened[1]
    path.write_text(done, "utf-8")
    closed = check(example, "--format", "json")
    assert closed == check(example, "--no-cache", "--format", "json")
    assert len(ran) == 3 and f'"rule": "{rule}"' in closed[1]


@pytest.mark.parametrize(("closed", "full"), [("2026-11-03", False), ("2026-11-02", True)])
def test_a_fix_is_judged_alone_until_the_loop_rules_can_follow_it_up(
        example: Path, monkeypatch, closed: str, full: bool) -> None:
    """Closed 20 days before the "as of" date, a fix has no recurrence to count yet (a week after the 14 days' grace)
    nor a late story (30 days): the loop rules say nothing of it whatever its evidence, and it is judged alone.
    A day earlier, the full check."""
    check(example)
    edit(example / UNLOCK, "status: in-progress", f"status: done\nclosed: {closed}")
    ran = _full_checks(monkeypatch)
    assert check(example, "--format", "json") == check(example, "--no-cache", "--format", "json")
    assert (len(ran) == 2) is full


def _evidence_made(monkeypatch) -> list[object]:
    """Seam: DuckDB's table of every irritant's linked rows, counted each time one is made (the questions about the
    exports read it)."""
    from site_gen.load.parquet import ParquetFeedback
    made: list[object] = []
    real = ParquetFeedback._make_evidence
    monkeypatch.setattr(ParquetFeedback, "_make_evidence", lambda store: made.append(store) or real(store))
    return made


@pytest.mark.parametrize("rule", list(FOLLOWED_UP))
def test_a_full_check_takes_what_duckdb_answered_the_last_check_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, rule: str) -> None:
    """With the export in DuckDB (as one of 8 MiB or more is), a fix reopened then closed again on its date is a full
    check. What it asks of the export — each irritant's evidence, the fix's complaints around its closed date and the
    newest of them, the customers' word on being contacted — the last full check asked of the same rows: it takes
    those answers, asks DuckDB nothing, and prints what a check without the cache prints."""
    monkeypatch.setenv(THRESHOLD_VARIABLE, "0")
    path = example / FOLLOWED_UP[rule]
    done = path.read_text("utf-8")
    check(example)
    path.write_text(re.sub(r"^closed:.*\n", "", done.replace("status: done", "status: in-progress"), flags=re.M),
                    "utf-8")
    check(example)
    path.write_text(done, "utf-8")
    ran, made = _full_checks(monkeypatch), _evidence_made(monkeypatch)
    closed = check(example, "--format", "json")
    assert len(ran) == 1 and not made and f'"rule": "{rule}"' in closed[1]
    assert closed == check(example, "--no-cache", "--format", "json")
    assert len(made) == 1   # (a check without the cache asks)


@pytest.mark.parametrize("change", ["a linked complaint's date", "an irritant's evidence list", "another day"])
def test_a_full_check_asks_duckdb_again_what_it_cannot_take_from_the_last_and_says_what_a_cold_check_says(
        example: Path, monkeypatch, change: str) -> None:
    """An export edited (new rows, new answers: none is taken), an irritant listing a row more (its question is
    new), another "as of" date: DuckDB is asked again, and the cached check prints what a check without it prints."""
    monkeypatch.setenv(THRESHOLD_VARIABLE, "0")
    path = example / FOLLOWED_UP["recurrence"]
    check(example)
    if change == "a linked complaint's date":
        export = example / "feedback/surveys-and-reviews.csv"
        rows = export.read_text("utf-8").split("\n")
        at = next(n for n, row in enumerate(rows) if ",complaint,signup-id-check-loop," in row)
        rows[at] = re.sub(r"^([^,]*),2\d{3}-\d\d-\d\d,", r"\1,2026-11-21,", rows[at])
        export.write_text("\n".join(rows), "utf-8")
    elif change == "an irritant's evidence list":
        path.write_text(path.read_text("utf-8") + "feedback: [SRV-1101-0001]\n", "utf-8")
    today = "2026-11-24" if change == "another day" else "2026-11-23"
    made = _evidence_made(monkeypatch)
    cached = check(example, "--format", "json", today=today)
    assert len(made) == 1
    assert cached == check(example, "--no-cache", "--format", "json", today=today)


def test_what_duckdb_answered_of_other_rows_is_not_taken(example: Path, monkeypatch) -> None:
    """A row naming an irritant that is deleted gives its export back to the Python path (it says what is wrong
    there), while another export stays in DuckDB: the same files, hashed alike, but DuckDB no longer holds the same
    rows, and what it answered of them before is not taken."""
    from dataclasses import replace
    from datetime import date

    from site_gen.facts import Kept, derive_facts
    from site_gen.load import load_backlog

    monkeypatch.setenv(THRESHOLD_VARIABLE, "0")
    export = example / "feedback/surveys-and-reviews.csv"
    header, *rows = export.read_text("utf-8").rstrip("\n").split("\n")
    # two irritants' rows in an export of their own: one of them will be deleted
    named = [row["irritant"] for row in csv.DictReader([header, *rows])]
    deleted, kept_one = sorted({name for name in named if name})[:2]
    later = [row for row, name in zip(rows, named, strict=True) if name in (deleted, kept_one)]
    export.write_text("\n".join([header, *(row for row in rows if row not in later)]) + "\n", "utf-8")
    (example / "feedback/surveys-later.csv").write_text("\n".join([header, *later]) + "\n", "utf-8")
    day, inputs = date(2026, 11, 23), b"the feedback files' hashes"
    before, _ = load_backlog(example)
    assert before.stored_feedback is not None and len(before.stored_feedback.held) == 2
    answers = derive_facts(before, day, kept=Kept(feedback=inputs)).answers
    (example / f"backlog/irritants/{deleted}.yaml").unlink()
    after, _ = load_backlog(example)
    assert after.stored_feedback is not None and after.stored_feedback.held == ("feedback/surveys-and-reviews.csv",)
    cold = derive_facts(after, day).irritants
    assert derive_facts(after, day, kept=Kept(answers=answers, feedback=inputs)).irritants == cold
    # (taken, those answers would count the later rows twice: in DuckDB's answers and as loaded rows)
    stale = replace(answers, asked_of=(inputs, day, after.stored_feedback.held))
    assert derive_facts(after, day, kept=Kept(answers=stale, feedback=inputs)).irritants != cold


def test_complaints_a_fix_comes_to_list_after_its_closing_are_counted_by_a_full_check_that_takes_duckdbs_answers(
        example: Path, monkeypatch) -> None:
    """A fix that did not hold is given the export's newest complaints that name no irritant of theirs (feedback:
    [...]): they are its evidence now, so its recurrence counts them — the cached full check too, which takes what
    DuckDB answered the last check only where the fix listed the same rows (its complaints per day and its newest
    are asked of its evidence)."""
    monkeypatch.setenv(THRESHOLD_VARIABLE, "0")
    path = example / FOLLOWED_UP["recurrence"]
    before = check(example, "--format", "json")
    with open(example / "feedback/surveys-and-reviews.csv", encoding="utf-8", newline="") as export:
        newest = [row["id"] for row in csv.DictReader(export) if row["kind"] == "complaint"
                  and row["irritant"] != path.stem and row["date"] >= "2026-10-01"]
    path.write_text(path.read_text("utf-8") + f"feedback: [{', '.join(newest[-10:])}]\n", "utf-8")
    cached = check(example, "--format", "json")
    assert cached == check(example, "--no-cache", "--format", "json")
    said = [re.search(r"complaints continue after the fix: (\d+) linked", out[1]) for out in (before, cached)]
    assert said[0] and said[1] and int(said[1][1]) == int(said[0][1]) + 10


# `site-gen check` in a process of its own that says on standard error each time DuckDB's table of links is made
CHECK_SAYING_WHAT_IT_ASKS = """
import sys
from site_gen.load.parquet import ParquetFeedback
from site_gen.cli import main
real = ParquetFeedback._make_evidence
ParquetFeedback._make_evidence = lambda store: print("table of links made", file=sys.stderr) or real(store)
main(sys.argv[1:])
"""


def test_a_check_in_a_process_of_its_own_takes_what_duckdb_answered_the_last_one_in_another(example: Path) -> None:
    """Each check is a process of its own, and Python draws how it hashes strings anew in each (PYTHONHASHSEED):
    a fix reopened then closed again on its date still takes every answer the first check got from DuckDB — the
    customers' word on being contacted too, asked of irritants that list several rows — and makes no table."""
    def check_alone(seed: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", CHECK_SAYING_WHAT_IT_ASKS, "check", str(example), "--today",
                               "2026-11-23", "--format", "json"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONHASHSEED": str(seed), THRESHOLD_VARIABLE: "0"})
    path = example / FOLLOWED_UP["recurrence"]
    done = path.read_text("utf-8")
    assert "table of links made" in check_alone(1).stderr
    path.write_text(re.sub(r"^closed:.*\n", "", done.replace("status: done", "status: in-progress"), flags=re.M),
                    "utf-8")
    check_alone(2)
    path.write_text(done, "utf-8")
    closed = check_alone(3)
    assert closed.stderr == "" and '"rule": "recurrence"' in closed.stdout
    for seed, linked in ((4, "[helmet-rental, cash-at-stations]"), (5, "[helmet-rental]")):
        # a story's irritants edited: a full check again (3 processes in a row might hash alike by chance; not 3)
        story = example / STORY
        story.write_text(re.sub(r"^irritants:.*$", f"irritants: {linked}", story.read_text("utf-8"), count=1,
                                flags=re.M), "utf-8")
        assert check_alone(seed).stderr == ""


def test_status_edits_one_after_another_are_each_judged_alone_and_say_what_a_cold_check_says(
        example: Path, monkeypatch) -> None:
    """Each edit is judged from the states the edit before it left: a fix closed, an irritant declined (the high
    payment risks it alone covered are uncovered), a fix reopened, the first one reopened."""
    edit(example / "site.yaml", "max_open: 10", "max_open: 3")
    check(example)
    for path, before, after in (
            (UNLOCK, "status: in-progress", "status: done\nclosed: 2026-11-20"),
            ("backlog/irritants/deposit-refund-slow.yaml", "triage: plan\nstatus: in-progress",
             "triage: decline\ndecline_reason: The bank sets the delay\nstatus: declined\nclosed: 2026-11-21"),
            ("backlog/irritants/seat-clamp-stuck.yaml", "status: done", "status: open"),
            (UNLOCK, "status: done\nclosed: 2026-11-20", "status: in-progress")):
        edit(example / path, before, after)
        cold = check(example, "--no-cache", "--format", "json")
        with monkeypatch.context() as patched:
            _no_full_check(patched)
            assert check(example, "--format", "json") == cold, path
    assert "journey stage 'payment'" in cold[1] and "7 irritants are open" in cold[1]   # 7 - 2 + 2


LOGGED_OUT = "backlog/irritants/logged-out-after-update.yaml"


def test_irritants_reopened_and_closed_in_one_edit_at_the_backlogs_limit_are_judged_alone(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exactly rules.max_open irritants open (7): one closed and another reopened in the same edit leave 7 open, and
    the backlog is not too long (both statuses count, not only one); a third reopened makes 8, and backlog-short
    names the newest. Each judged alone, the same output as a check without the cache."""
    edit(example / "site.yaml", "max_open: 10", "max_open: 7")
    check(example)
    for edits in (
            [(UNLOCK, "status: in-progress", "status: done\nclosed: 2026-11-20"),
             (LOGGED_OUT, "status: done", "status: in-progress"), (LOGGED_OUT, "closed: 2026-07-24\n", "")],
            [("backlog/irritants/seat-clamp-stuck.yaml", "status: done", "status: open")]):
        for path, before, after in edits:
            edit(example / path, before, after)
        cold = check(example, "--no-cache", "--format", "json")
        with monkeypatch.context() as patched:
            _no_full_check(patched)
            assert check(example, "--format", "json") == cold
        assert ("backlog-short" in cold[1]) is (len(edits) == 1)
    assert "8 irritants are open" in cold[1] and "refund-status-unclear.yaml" in cold[1]


def test_backlog_short_names_the_newest_by_id_when_two_opened_on_one_day_and_one_has_its_status_line_moved(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the limit by one, backlog-short names the newest irritant: by opened date, then by ID. A comment added
    above an open irritant's status moves its line, and the cached check keeps that irritant's state anew; opened on
    the same day as the newest, it is still ordered by its ID (battery-range-wrong before refund-status-unclear),
    not by when the cache took it again: judged alone, the same output as a check without the cache."""
    battery = "backlog/irritants/battery-range-wrong.yaml"
    edit(example / "site.yaml", "max_open: 10", "max_open: 6")
    edit(example / battery, "opened: 2026-10-27", "opened: 2026-11-09")   # refund-status-unclear's day
    check(example)
    noted = "# agreed at the meeting of 17 November\nstatus: open"
    for before, after in (("status: open", noted), (noted, "status: open")):
        edit(example / battery, before, after)
        cold = check(example, "--no-cache", "--format", "json")
        with monkeypatch.context() as patched:
            _no_full_check(patched)
            assert check(example, "--format", "json") == cold
        short = [found for found in json.loads(cold[1])["diagnostics"] if found["rule"] == "backlog-short"]
        assert [found["path"] for found in short] == ["backlog/irritants/refund-status-unclear.yaml"]


def test_an_irritant_whose_address_another_file_names_is_checked_in_full_once_its_lines_move(
        example: Path, monkeypatch) -> None:
    """A story's alias naming the irritant's public address: the story's error says where the irritant's slug is
    (file, line). A closed date added above it moves that line, and the story's error with it."""
    address = "items/unlocking-a-bike-sometimes-fails-if-you-switch-apps-while-it-unlocks"
    edit(example / STORY, "slug: ", f"aliases: [{address}]\nslug: ")
    assert "unlock-fails-in-background.yaml:19:7" in check(example)[1]
    edit(example / UNLOCK, "status: in-progress", "status: done\nclosed: 2026-11-20")
    ran = _full_checks(monkeypatch)
    cached = check(example)
    assert cached == check(example, "--no-cache")
    assert len(ran) == 2 and "unlock-fails-in-background.yaml:20:7" in cached[1]


def test_a_full_check_judges_again_only_the_records_whose_files_changed(example: Path, monkeypatch) -> None:
    """The record rules read a record and the check's settings alone (site_gen.rules.records): after an edit that
    needs a full check, what they said of every other record is taken from the last check."""
    check(example)
    edit(example / UNLOCK, "status: in-progress", "status: done\nclosed: 2026-10-01")   # (followed up: a full check)
    ran, judged = _full_checks(monkeypatch), _judged(monkeypatch)
    cached = check(example, "--format", "json")
    assert len(ran) == 1 and judged == [UNLOCK]
    assert cached == check(example, "--no-cache", "--format", "json")
    assert len(judged) > 10   # the check without the cache judged every record


@pytest.mark.parametrize("before", ["a build", "a check"])
def test_a_build_after_an_edit_judges_again_only_the_records_whose_files_changed(
        example: Path, tmp_path: Path, monkeypatch, before: str) -> None:
    """A build runs the same full check: what the record rules said of every record file unchanged since the last
    build or check (as of the same day, under the same site.yaml and feedback) is taken from it, with what DuckDB
    answered; the edited story alone is judged again, and the sites are those of a cold build."""
    monkeypatch.setenv(THRESHOLD_VARIABLE, "0")
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    if before == "a build":
        build(example, warm, TODAY, search=False)
    else:
        check(example, today=TODAY.isoformat())
    _set_body(example, STORY, "Thanks to everyone who wrote in.")
    judged = _judged(monkeypatch)
    build(example, warm, TODAY, search=False)
    assert judged == [STORY]
    build(example, cold, TODAY, search=False, cache=False)
    assert len(judged) > 10   # the cold build judged every record
    assert {path.relative_to(warm): path.read_bytes() for path in warm.rglob("*") if path.is_file()} == {
        path.relative_to(cold): path.read_bytes() for path in cold.rglob("*") if path.is_file()}


def test_record_findings_kept_from_another_day_are_not_taken(example: Path, monkeypatch) -> None:
    """A record's findings depend on the "as of" date (unreviewed, overdue, due): a check on another day judges
    every record again, and says what a check without the cache says."""
    check(example)
    judged = _judged(monkeypatch)
    later = check(example, "--format", "json", today="2027-06-01")
    assert len(judged) == len(set(judged)) > 10
    assert later == check(example, "--no-cache", "--format", "json", today="2027-06-01")


def _without_slug(story: Path) -> None:
    story.write_text("".join(line for line in story.read_text("utf-8").splitlines(keepends=True)
                             if not line.startswith("slug:")), "utf-8")


def test_a_published_story_without_a_slug_retitled_is_judged_alone_and_its_warning_names_its_new_address(
        example: Path, monkeypatch) -> None:
    """Its address comes from its title: retitled, it moves, and so does the slug-missing warning naming it, while
    no other story derives, holds or was moved aside from either address and no alias names them."""
    _without_slug(example / STORY)
    assert "slug: 2026-06-20-off-a-helmet-at-partner-bike-shops'" in check(example)[1]
    printed = _judged_alone(example, monkeypatch, STORY, "title: 20% off a helmet", "title: 25% off a helmet")
    assert "slug: 2026-06-25-off-a-helmet-at-partner-bike-shops'" in printed[1]
    assert "2026-06-20-off-a-helmet" not in printed[1]


HELMET_TITLE = "title: 20% off a helmet at partner bike shops"
VOUCHERS = "backlog/stories/vouchers-at-kiosks.md"
VOUCHERS_TITLE = 'title: "Pay without a card: vouchers at partner kiosks"'


def _titled(root: Path, story: str, title: str) -> None:
    """The story without a slug, under this title."""
    path = root / "backlog/stories" / f"{story}.md"
    _without_slug(path)
    path.write_text(re.sub(r"^title:.*$", lambda _: f"title: {title}", path.read_text("utf-8"), count=1,
                           flags=re.M), "utf-8")


def _numbered_away(root: Path) -> str:
    """Two November stories titled "Faster refunds" derive 2026-11-faster-refunds and its -2; a third, "Faster
    refunds 2", read first, holds that -2 and moves the second of the two aside, to -2-2. Retitled, it leaves -2."""
    _titled(root, "range-shown-as-estimate", "Faster refunds")
    _titled(root, "morning-vans-pilot", "Faster refunds")
    _titled(root, "deposit-back-faster", "Faster refunds 2")
    return "backlog/stories/deposit-back-faster.md"


def _moved_aside_past(root: Path) -> str:
    """A November story titled "Faster refunds" derives 2026-11-faster-refunds, which an internal story writes as
    its slug: it is moved aside, past the -2 that "Faster refunds 2" (read first) holds, to -3. Retitled, "Faster
    refunds 2" leaves -2, and the story moved aside comes back to it."""
    edit(root / "backlog/stories/evening-chat-agent.md", "audience: internal",
         "audience: internal\nslug: 2026-11-faster-refunds")
    _titled(root, "range-shown-as-estimate", "Faster refunds")
    _titled(root, "deposit-back-faster", "Faster refunds 2")
    return "backlog/stories/deposit-back-faster.md"


RETITLES: dict[str, tuple[Callable[[Path], str], str, str, str]] = {
    # what the repository is made of, the story edited (before -> after), and a warning the full check gives
    "its new title another story derives its address from": (
        lambda root: STORY, HELMET_TITLE, VOUCHERS_TITLE,
        "slug: 2026-06-pay-without-a-card-vouchers-at-partner-kiosks-2'"),
    "its new address an internal story writes as its slug": (   # (slugs are written once, published or not)
        lambda root: edit(root / "backlog/stories/evening-chat-agent.md", "audience: internal",
                          "audience: internal\nslug: 2026-06-helmets-for-all") or STORY,
        HELMET_TITLE, "title: Helmets for all", "slug: 2026-06-helmets-for-all-2'"),
    "its new address an alias names": (
        lambda root: edit(root / VOUCHERS, VOUCHERS_TITLE, f"{VOUCHERS_TITLE}\naliases: [2026-06-helmets-for-all]")
        or STORY, HELMET_TITLE, "title: Helmets for all", "slug: 2026-06-helmets-for-all'"),
    "its old address another story was numbered away from": (
        _numbered_away, "title: Faster refunds 2", "title: Deposits back the same day",
        "slug: 2026-11-faster-refunds-2'"),
    "its old address another story was moved aside past": (
        _moved_aside_past, "title: Faster refunds 2", "title: Deposits back the same day",
        "slug: 2026-11-faster-refunds-2'"),
}


@pytest.mark.parametrize("change", list(RETITLES))
def test_a_story_retitled_that_moves_or_meets_another_public_address_is_checked_in_full(
        example: Path, monkeypatch, change: str) -> None:
    """Without a slug, a published story's address comes from its title, numbered and moved aside when another
    holds it, and the slug-missing warning names it. When its new address is another's, written or derived or an
    alias, or the one it leaves had moved another story aside, the full check says what follows."""
    _without_slug(example / STORY)
    setup, before, after, warned = RETITLES[change]
    path = setup(example)
    check(example)
    edit(example / path, before, after)
    ran = _full_checks(monkeypatch)
    cached = check(example, "--format", "json")
    assert cached == check(example, "--no-cache", "--format", "json")
    assert len(ran) == 2, change    # the cached check ran the full check, as the check without a cache did
    assert warned in cached[1]


def test_a_full_check_with_a_cache_makes_the_public_addresses_once(example: Path, monkeypatch) -> None:
    """The address rules make them beside the facts; the places the next check keeps are made of the same ones."""
    import site_gen.facts
    import site_gen.facts.addresses
    import site_gen.rules.addresses
    check(example)
    made: list[object] = []
    real = site_gen.facts.addresses.public_addresses
    counted = lambda backlog: made.append(backlog) or real(backlog)   # noqa: E731
    for module in (site_gen.facts.addresses, site_gen.facts, site_gen.rules.addresses):
        monkeypatch.setattr(module, "public_addresses", counted)
    edit(example / UNLOCK, "status: in-progress", "status: done\nclosed: 2026-10-01")   # a full check
    ran = _full_checks(monkeypatch)
    cached = check(example, "--format", "json")
    assert len(ran) == 1 and len(made) == 1
    assert cached == check(example, "--no-cache", "--format", "json")


def test_a_published_storys_you_said_emptied_is_checked_in_full(example: Path, monkeypatch) -> None:
    """No longer published, it leaves the public site, and its address with it."""
    _without_slug(example / STORY)
    check(example)
    edit(example / STORY, HELMET_SAID, 'you_said: ""')
    ran = _full_checks(monkeypatch)
    cached = check(example, "--format", "json")
    assert cached == check(example, "--no-cache", "--format", "json")
    assert len(ran) == 2 and "2026-06-20-off-a-helmet" not in cached[1]


def test_an_unchanged_file_is_not_read_again_and_an_edit_that_keeps_size_and_time_is_noticed(
        example: Path, monkeypatch) -> None:
    """Files are compared by inode, size and modification and change times before their bytes are hashed, as git
    does; a change time cannot be set back. Seams: every file counts as settled at once (a real run trusts only
    files left alone for seconds), and the reader of input files counts what it reads."""
    import site_gen.incremental as incremental
    monkeypatch.setattr(incremental, "SETTLED_NS", -10**12)
    check(example)
    reads: list[int] = []
    real_read = incremental._read_all
    monkeypatch.setattr(incremental, "_read_all", lambda descriptor, size: reads.append(size) or real_read(
        descriptor, size))
    check(example)
    assert reads == []                               # nothing changed: nothing read
    path = example / STORY
    before = path.stat()
    path.write_text(path.read_text("utf-8").replace("20% off a helmet", "25% off a helmet"), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert check(example, "--format", "json") == check(example, "--no-cache", "--format", "json")
    assert len(reads) == 1                           # that file alone was read again


EDIT_BODIES = ["Plain words.", "TODO: say what changed", "Write to jane.doe@example.com.", "Thanks cust-512317.",
               "Some <b>bold</b> HTML.", "<!-- never closed", "A list:\n\n- one\n- two", ""]
CHECK_EDITS = st.lists(st.one_of(
    st.tuples(st.just("body"), st.integers(0, 30), st.sampled_from(EDIT_BODIES)),
    # a new title: unique, or one stories of a month share (their derived addresses are numbered), or one that
    # derives what another's numbering gives ("… 2"); and a slug removed, so that titles make addresses
    st.tuples(st.just("title"), st.integers(0, 30), st.sampled_from(["", "Faster refunds", "Faster refunds 2"])),
    st.tuples(st.just("unslug"), st.integers(0, 30), st.just("")),
    st.tuples(st.just("you_said"), st.integers(0, 30), st.sampled_from(EDIT_BODIES)),
    st.tuples(st.just("reviewed"), st.integers(0, 30), st.sampled_from(["2026-01-05", "2026-11-20", "TODO"])),
    st.tuples(st.just("flip"), st.integers(0, 30), st.just("")),
    st.tuples(st.just("add"), st.integers(0, 30), st.sampled_from(EDIT_BODIES)),
    st.tuples(st.just("delete"), st.integers(0, 30), st.just("")),
    st.tuples(st.just("feedback"), st.integers(0, 30), st.just("")),
    # what the record rules' kept findings must not outlive: a status (read across records too: judged alone from
    # the irritants' states the last check kept), a decision's outcome (read across decisions), site.yaml's rules,
    # the ledger, an .yml twin (one ID) and the "as of" date
    st.tuples(st.just("status"), st.integers(0, 30),
              st.sampled_from(["done\nclosed: 2026-11-20", "open", "in-progress", "done", "declined"])),
    st.tuples(st.just("outcome"), st.integers(0, 30), st.sampled_from(["did-not-work", "worked", "too-early"])),
    st.tuples(st.just("rules"), st.integers(0, 30), st.sampled_from(["3", "14", "400"])),
    st.tuples(st.just("ledger"), st.integers(0, 30), st.sampled_from(["helmet-discount", "no-such-story"])),
    st.tuples(st.just("twin"), st.integers(0, 30), st.just("")),
    st.tuples(st.just("day"), st.integers(0, 30), st.sampled_from(["2026-11-23", "2027-03-01", "2026-06-01"]))),
    min_size=1, max_size=4)


def _apply_edit(root: Path, step: int, change: str, index: int, body: str) -> None:
    stories = sorted((root / "backlog/stories").glob("*.md"))
    path = stories[index % len(stories)]
    if change == "body":
        _set_body(root, path.relative_to(root).as_posix(), body)
    elif change == "title":
        text = path.read_text("utf-8")
        path.write_text(text.replace("title: ", f"title: Step {step} ", 1) if not body else
                        re.sub(r"^title:.*$", lambda _: f"title: {body}", text, count=1, flags=re.M), "utf-8")
    elif change == "unslug":
        _without_slug(path)
    elif change == "you_said":    # one line, written as a YAML double-quoted string (JSON's is one)
        text = path.read_text("utf-8")
        said = f"you_said: {json.dumps(body)}"
        path.write_text(re.sub(r"^you_said:.*$", lambda _: said, text, count=1, flags=re.M) if "\nyou_said:" in text
                        else text.replace("\ntitle:", f"\n{said}\ntitle:", 1), "utf-8")
    elif change == "reviewed":    # an irritant's review date: set, moved, or made unreadable
        irritants = sorted((root / "backlog/irritants").glob("*.yaml"))
        path = irritants[index % len(irritants)]
        text = path.read_text("utf-8")
        path.write_text(re.sub(r"^reviewed:.*$", f"reviewed: {body}", text, count=1, flags=re.M)
                        if "\nreviewed:" in text else text + f"reviewed: {body}\n", "utf-8")
    elif change == "flip":
        text = path.read_text("utf-8")
        flipped = text.replace("audience: public", "audience: internal") if "audience: public" in text else \
            text.replace("audience: internal", "audience: public")
        path.write_text(flipped, "utf-8")
    elif change == "add":
        added = path.with_name(f"added-{step}.md")
        shutil.copy(path, added)
        _set_body(root, added.relative_to(root).as_posix(), body)
    elif change == "delete" and len(stories) > 1:
        path.unlink()
    elif change == "feedback":
        feedback = root / "feedback/surveys-and-reviews.csv"
        feedback.write_text(feedback.read_text("utf-8").replace("CUST-512317", f"CUST-9{step:05d}", 1), "utf-8")
    elif change in BACKLOG_EDITS:
        BACKLOG_EDITS[change](root, index, body)


def _set_line(path: Path, name: str, value: str, before: str) -> None:
    """`name: value` in place of its line, or added above the line starting with `before`."""
    text = path.read_text("utf-8")
    line = f"{name}: {value}"
    path.write_text(re.sub(rf"^{name}:.*$", lambda _: line, text, count=1, flags=re.M) if f"\n{name}:" in text
                    else text.replace(f"\n{before}", f"\n{line}\n{before}", 1), "utf-8")


def _nth(root: Path, folder: str, pattern: str, index: int) -> Path:
    found = sorted((root / folder).glob(pattern))
    return found[index % len(found)]


def _set_status(root: Path, index: int, status: str) -> None:
    path = _nth(root, "backlog/irritants", "*.yaml", index)
    path.write_text(re.sub(r"^closed:.*\n", "", path.read_text("utf-8"), flags=re.M), "utf-8")
    _set_line(path, "status", status, "opened:")


def _set_outcome(root: Path, index: int, outcome: str) -> None:
    _set_line(_nth(root, "backlog/decisions", "*.md", index), "outcome", outcome, "kind:")


def _set_review_every(root: Path, index: int, days: str) -> None:
    _set_line(root / "site.yaml", "  review_every_days", days, "  max_open:")


def _notify(root: Path, index: int, story: str) -> None:
    with open(root / "backlog/notified.csv", "a", encoding="utf-8") as ledger:
        ledger.write(f"{story},CUST-{index:06d},2026-11-22,email,sent\n")


def _twin(root: Path, index: int, _: str) -> None:
    """An irritant's .yml twin (the loader keeps the .yaml's record: id-duplicate), or the twin removed."""
    path = _nth(root, "backlog/irritants", "*.yaml", index).with_suffix(".yml")
    if path.exists():
        path.unlink()
    else:
        shutil.copy(path.with_suffix(".yaml"), path)


BACKLOG_EDITS: dict[str, Callable[[Path, int, str], None]] = {
    "status": _set_status, "outcome": _set_outcome, "rules": _set_review_every, "ledger": _notify, "twin": _twin}


@settings(max_examples=6, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.parametrize("reader", ["Python", "DuckDB"])
@given(edits=CHECK_EDITS)
def test_a_cached_check_after_random_edits_says_what_a_cold_check_says(tmp_path_factory, reader, edits) -> None:
    """Body edits, words edits, titles (moving derived addresses), slugs removed, irritants' review dates and
    statuses, decisions' outcomes, visibility flips, added and deleted stories, .yml twins, feedback, site.yaml and
    ledger edits, and the "as of" date moved, one after another: after each, the cached check prints what a check
    without the cache prints — with the survey export read by Python, and by DuckDB (as one of 8 MiB or more is:
    what a full check asked DuckDB is taken by the next, facts/stored.py)."""
    root = copy_example(tmp_path_factory.mktemp("check") / "repo")
    edit(root / "site.yaml", "max_open: 10", "max_open: 5")   # 7 open: backlog-short counts them after each status
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(THRESHOLD_VARIABLE, "0" if reader == "DuckDB" else "off")
        check(root)
        today = "2026-11-23"
        for step, (change, index, body) in enumerate(edits):
            if change == "day":
                today = body
            _apply_edit(root, step, change, index, body)
            assert check(root, "--format", "json", today=today) == check(root, "--no-cache", "--format", "json",
                                                                         today=today), (step, change)


# published stories of June (helmet-discount, vouchers-at-kiosks) and of November 2026
SHARING_MONTHS = ["helmet-discount", "vouchers-at-kiosks", "deposit-back-faster", "morning-vans-pilot",
                  "range-shown-as-estimate"]
RETITLE_POOL = ["Faster refunds", "Faster refunds 2", "Faster refunds 2 2", "Step", "",
                '"Pay without a card: vouchers at partner kiosks"', "20% off a helmet at partner bike shops"]


@settings(max_examples=8, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(st.tuples(st.sampled_from(SHARING_MONTHS), st.sampled_from(RETITLE_POOL)), min_size=1,
                      max_size=4))
def test_stories_without_slugs_retitled_one_after_another_say_what_a_cold_check_says(
        tmp_path_factory, titles) -> None:
    """Every story without a slug: addresses come from titles, shared in a month and numbered, or numbered into
    another's ("… 2"), or moved aside, from a slug an internal story writes and past the addresses others hold.
    After each retitle, judged alone or in full, the cached check prints what a check without the cache prints."""
    root = copy_example(tmp_path_factory.mktemp("retitles") / "repo")
    for story in (root / "backlog/stories").glob("*.md"):
        _without_slug(story)
    edit(root / "backlog/stories/evening-chat-agent.md", "audience: internal",
         "audience: internal\nslug: 2026-11-faster-refunds")
    check(root)
    for step, (story, title) in enumerate(titles):
        path = root / "backlog/stories" / f"{story}.md"
        line = f"title: {title or f'Step {step}'}"
        path.write_text(re.sub(r"^title:.*$", lambda _, line=line: line, path.read_text("utf-8"), count=1,
                               flags=re.M), "utf-8")
        assert check(root, "--format", "json") == check(root, "--no-cache", "--format", "json"), (step, title)


@pytest.mark.parametrize("then", ["nothing edited", "another record edited"])
def test_a_check_once_duckdb_is_installed_says_what_a_cold_check_says(
        example: Path, monkeypatch: pytest.MonkeyPatch, then: str) -> None:
    """Without DuckDB a Parquet batch is an error ("needs DuckDB, which is not installed") and its customers are
    unknown to public safety. Once the team runs the pip install the error names, no file has changed: the cache
    written without DuckDB must neither print that error again nor keep what the record rules said of a story
    naming one of the batch's customers."""
    as_parquet(example / "feedback/surveys-and-reviews.csv")
    _set_body(example, STORY, "Thanks to cust-951685 for telling us.")   # a customer of that batch alone
    with monkeypatch.context() as without:
        without.setitem(sys.modules, "duckdb", None)   # what importlib finds when DuckDB is not installed
        missing = check(example)
    assert "needs DuckDB" in missing[1] and "personal-data" not in missing[1]
    if then == "another record edited":
        edit(example / UNLOCK, "status: in-progress", "status: done\nclosed: 2026-11-20")
    cached = check(example)
    assert "needs DuckDB" not in cached[1] and "cust-951685" in cached[1]
    assert cached == check(example, "--no-cache")


def test_a_lost_customer_index_is_made_again_by_the_next_full_check(example: Path, monkeypatch) -> None:
    check(example)
    (example / CACHE_DIR / "customers.pickle").unlink()
    _set_body(example, STORY, "Thanks to cust-512317 for telling us.")
    assert check(example) == check(example, "--no-cache")     # without the index: a full check
    assert (example / CACHE_DIR / "customers.pickle").exists()
    _set_body(example, STORY, "Thanks to cust-737397 as well.")
    cold = check(example, "--no-cache")
    with monkeypatch.context() as patched:
        _no_full_check(patched)
        assert check(example) == cold
    assert "cust-737397" in cold[1]


def test_a_full_check_with_the_feedback_unchanged_does_not_read_the_customer_index_again(
        example: Path, monkeypatch) -> None:
    """The last check kept the index under the feedback's hashes: a full check with the same feedback does not read
    it only to find it there (2.5 MB at 200,000 rows). One unreadable since is found by the next edit judged alone,
    which then runs the full check that makes it again."""
    import site_gen.incremental as incremental
    check(example)
    edit(example / STORY, "audience: public", "audience: internal")   # an edit the full check takes
    read: list[str] = []
    real = incremental.load_part
    monkeypatch.setattr(incremental, "load_part", lambda root, name: read.append(name) or real(root, name))
    assert check(example) == check(example, "--no-cache")
    assert "customers" not in read and "files-00" in read
    (example / CACHE_DIR / "customers.pickle").write_bytes(b"truncated")
    edit(example / STORY, "audience: internal", "audience: public")   # a full check again: the index is not read
    assert check(example) == check(example, "--no-cache")
    _set_body(example, STORY, "Thanks to cust-512317 for telling us.")   # judged alone: it needs the index
    assert check(example) == check(example, "--no-cache")
    _set_body(example, STORY, "Thanks to cust-737397 as well.")
    cold = check(example, "--no-cache")
    with monkeypatch.context() as patched:
        _no_full_check(patched)   # the index was made again
        assert check(example) == cold
    assert "cust-737397" in cold[1]


def _link_stories_folder(root: Path) -> Path:
    shutil.move(root / "backlog/stories", root / "stories-src")
    (root / "backlog/stories").symlink_to("../stories-src")
    return root / "stories-src/helmet-discount.md"


def _link_one_story(root: Path) -> Path:
    (root / "drafts").mkdir()
    shutil.move(root / STORY, root / "drafts/helmet-discount.md")
    (root / STORY).symlink_to("../../drafts/helmet-discount.md")
    return root / "drafts/helmet-discount.md"


def _link_site_yaml(root: Path) -> Path:
    (root / "conf").mkdir()
    shutil.move(root / "site.yaml", root / "conf/site.yaml")
    (root / "site.yaml").symlink_to("conf/site.yaml")
    return root / "conf/site.yaml"


@pytest.mark.parametrize("link", [_link_stories_folder, _link_one_story, _link_site_yaml])
def test_a_file_read_through_a_link_inside_the_repository_is_an_input_too(example: Path, link) -> None:
    """The loaders read through a link that stays inside the repository: editing what it leads to changes the
    check's output, so the cache must not print the last check's (found by an adversarial review)."""
    target = link(example)
    before = check(example, "--format", "json")
    assert before == check(example, "--no-cache", "--format", "json")
    if target.name == "site.yaml":
        edit(target, "max_open: 10", "max_open: 1")
    else:
        target.write_text(target.read_text("utf-8") + "\nTODO: later\n", "utf-8")
    after = check(example, "--format", "json")
    assert after == check(example, "--no-cache", "--format", "json")
    assert after != before


def test_findings_alike_but_for_severity_or_hint_come_in_one_order_whatever_the_run() -> None:
    """Diagnostics are sorted from a set, whose order changes with each run's string hashes: the sort itself must
    decide every tie, or a check's output (and a cached check's, which inserts new findings in place) could differ
    from run to run."""
    import random

    from site_gen.diagnostics import SourceLoc, error, sorted_diagnostics, warning

    at = SourceLoc("backlog/stories/a.md", 3, 1)
    alike = [make(at, "personal-data", "same message", f"hint {n:02d}") for n in range(20) for make in (error,
                                                                                                    warning)]
    orders = set()
    for seed in range(5):
        shuffled = alike[:]
        random.Random(seed).shuffle(shuffled)
        orders.add(tuple(sorted_diagnostics(shuffled)))
    assert len(orders) == 1
    [order] = orders
    assert [(d.severity.value, d.hint) for d in order] == sorted((d.severity.value, d.hint) for d in alike)


def saved_once_hashed(monkeypatch, module: ModuleType, path: Path, old: str, new: str) -> None:
    """Seam: `path` is saved (old -> new) right after the run hashed its inputs (`module.input_files`), once — as
    an editor or a `git checkout` that saves while a check or a build runs would, at a moment a test cannot
    otherwise hit."""
    real = module.input_files

    def hashed_then_saved(*args, **options):   # noqa: ANN002, ANN003, ANN202 - input_files's own
        monkeypatch.setattr(module, "input_files", real)
        found = real(*args, **options)
        edit(path, old, new)
        return found
    monkeypatch.setattr(module, "input_files", hashed_then_saved)


SAVED_MEANWHILE = {   # inputs a check reads without the cache of parsed files, each saved while a check runs
    "site.yaml": ("site.yaml", "max_open: 10", "max_open: 1"),
    "the ledger": ("backlog/notified.csv", "cancel-in-the-app,CUST-882425", "no-such-story,CUST-882425"),
    "a catalogue": ("locale/fr.po", 'msgstr "Passer\n\nmsgid "x"\n', 'msgstr "Passer"\n'),   # mended
}


@pytest.mark.parametrize("saved", list(SAVED_MEANWHILE))
def test_an_input_read_outside_the_cache_saved_while_a_check_runs_leaves_no_diagnostics_under_its_hash(
        example: Path, monkeypatch, saved: str) -> None:
    """A check hashes its inputs, then reads them; site.yaml (or the ledger, a catalogue …) saved in between was
    read as saved. Its diagnostics were kept under the hashes of the inputs as they were, so saving it back as it
    was printed those of the other version (found by the adversarial cache pass)."""
    _add_catalogue(example)
    check(example)
    path, old, new = SAVED_MEANWHILE[saved]
    edit(example / STORY, "audience: public", "audience: internal")   # a change, so that the check loads
    saved_once_hashed(monkeypatch, site_gen.incremental, example / path, old, new)
    meanwhile = check(example, "--format", "json")
    assert meanwhile == check(example, "--no-cache", "--format", "json")   # (read as saved)
    edit(example / path, new, old)     # saved back as it was hashed
    assert check(example, "--format", "json") == check(example, "--no-cache", "--format", "json") != meanwhile


def test_a_record_taken_from_the_cache_and_saved_while_a_full_check_runs_leaves_that_check_kept(
        example: Path, monkeypatch) -> None:
    """A full check takes each record file it holds from the cache by the hash the file had when the check began,
    never reading it: one saved meanwhile does not change what the check says, and its run is kept under the
    hashes it began with (it used to be dropped: the file saved back as it was meant a full check again, and
    every record file was looked at twice). Saved back, the kept run is printed; as saved, it is checked."""
    check(example)
    edit(example / STORY, "audience: public", "audience: internal")   # an edit the full check takes
    old, new = "irritants: [refund-status-unclear]", "irritants: [no-such-irritant]"
    saved_once_hashed(monkeypatch, site_gen.incremental, example / INTERNAL_STORY, old, new)
    meanwhile = check(example, "--format", "json")
    edit(example / INTERNAL_STORY, new, old)   # saved back as it was hashed
    cold = check(example, "--no-cache", "--format", "json")
    assert meanwhile == cold
    with monkeypatch.context() as patched:
        _no_full_check(patched)   # the run was kept: nothing is loaded
        assert check(example, "--format", "json") == cold
    edit(example / INTERNAL_STORY, old, new)
    saved = check(example, "--format", "json")
    assert saved == check(example, "--no-cache", "--format", "json") != cold


def test_a_check_run_as_its_own_process_prints_all_it_found_and_exits_with_its_code(example: Path) -> None:
    """The command leaves without freeing what it loaded once its output is written (site_gen.cli
    _leave_checked): everything is still printed, in every format, cached or not, with the exit code."""
    edit(example / UNLOCK, "reviewed: 2026-11-17", "reviewed: 2026-13-40")   # an error: exit code 1
    for options in [("--no-cache",), (), (), ("--format", "json"), ("--format", "github")]:
        run = subprocess.run([sys.executable, "-m", "site_gen", "check", str(example), "--today", "2026-11-23",
                              *options], capture_output=True, text=True, timeout=120)
        assert (run.returncode, run.stdout, run.stderr) == check(example, *options)
        assert run.returncode == 1 and run.stdout


def test_site_yaml_saved_while_an_own_edit_is_judged_leaves_no_diagnostics_under_its_hash(
        example: Path, monkeypatch) -> None:
    """An irritant's review date is judged alone with site.yaml's rules, read after the inputs were hashed: rules
    saved meanwhile (unreviewed: error) are not those of the site.yaml hashed."""
    check(example)
    edit(example / UNLOCK, "reviewed: 2026-11-17", "reviewed: 2026-10-20")
    saved_once_hashed(monkeypatch, site_gen.incremental, example / "site.yaml", "unreviewed: warning",
                      "unreviewed: error")
    check(example)
    edit(example / "site.yaml", "unreviewed: error", "unreviewed: warning")
    cached = check(example, "--format", "json")
    assert cached == check(example, "--no-cache", "--format", "json")
    assert '"rule": "unreviewed",\n      "severity": "warning"' in cached[1]


LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


@pytest.mark.parametrize("logo", ["missing", "not a safe image"])
def test_a_logo_that_did_not_load_is_an_input_too(example: Path, logo: str) -> None:
    """The logo site.yaml names is an input of check and build; one that did not load was left out of them, so
    adding the missing file (or mending a broken one) kept printing its error from the cache (found by the
    adversarial cache pass)."""
    edit(example / "site.yaml", "logo: null", "logo: assets/logo.svg")
    (example / "assets").mkdir()
    if logo != "missing":
        (example / "assets/logo.svg").write_text(LOGO.replace("<rect", "<script>alert(1)</script><rect"), "utf-8")
    broken = check(example, "--format", "json")
    assert '"path": "site.yaml"' in broken[1] or '"path": "assets/logo.svg"' in broken[1]
    (example / "assets/logo.svg").write_text(LOGO, "utf-8")
    assert check(example, "--format", "json") == check(example, "--no-cache", "--format", "json") != broken


def _folder_moved_out_and_linked(folder: Path, away: Path) -> None:
    """The folder moved out of the repository and a link left in its place: every file keeps its bytes, inode and
    times, so only the link tells the two apart."""
    folder.rename(away)
    folder.symlink_to(away)


def _settled_at_once(monkeypatch) -> None:
    """Seam: every file counts as settled at once (a real run trusts a file's stat alone once it was left alone for
    seconds: the next morning's check is such a run)."""
    import site_gen.incremental as incremental
    monkeypatch.setattr(incremental, "SETTLED_NS", -10**12)


def test_a_logos_folder_replaced_by_a_link_to_the_same_files_is_refused_by_the_cached_check_too(
        example: Path, tmp_path: Path, monkeypatch) -> None:
    """The logo is read without following a link on its way: a cold check refuses assets/ as a link. The cache took
    the logo's stat through the link, found it as before and printed the clean run it kept (0 errors), and the
    build kept publishing (the adversarial pass's known leftover)."""
    _settled_at_once(monkeypatch)
    edit(example / "site.yaml", "logo: null", "logo: assets/logo.svg")
    (example / "assets").mkdir()
    (example / "assets/logo.svg").write_text(LOGO, "utf-8")
    check(example)   # the first check learns that the logo is an input; the next one keeps it with the run
    clean = check(example, "--format", "json")
    _folder_moved_out_and_linked(example / "assets", tmp_path / "shared-assets")
    assert check(example, "--format", "json") == check(example, "--no-cache", "--format", "json") != clean


def test_a_record_folder_replaced_by_a_link_to_the_same_files_says_what_a_cold_check_says(
        example: Path, tmp_path: Path, monkeypatch) -> None:
    """A folder inside backlog/irritants/ is ignored, and so is a link to one, each with its own warning and hint; the
    cache walked the link as the folder, found the same files and printed the folder's warning for the link."""
    _settled_at_once(monkeypatch)
    (example / "backlog/irritants/later").mkdir()
    (example / "backlog/irritants/helmet-rental.yaml").rename(example / "backlog/irritants/later/helmet-rental.yaml")
    check(example)
    _folder_moved_out_and_linked(example / "backlog/irritants/later", tmp_path / "later")
    cached = check(example)
    assert cached == check(example, "--no-cache")
    assert "warning[symlink]" in cached[1]
