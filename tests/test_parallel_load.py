"""Large repositories load in two processes; the result must be exactly what one process gives."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from site_gen.check import CheckResult, check_repository
from site_gen.diagnostics import Diagnostic
from site_gen.facts.addresses import Addresses
from site_gen.load import PARALLEL_FROM, load_backlog
from site_gen.model import Backlog

from .conftest import REPO, copy_example

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import build as make_repo  # noqa: E402

LATE = date(2026, 12, 20)   # the example's irritants overdue and its decisions due: the record rules find much


def test_two_processes_load_exactly_what_one_does(tmp_path: Path) -> None:
    root = tmp_path / "big"
    make_repo(root, irritants=300, decisions=300, stories=1_500, feedback=2_000)
    # problems spread across chunks, and the same ID twice (x.yaml and x.yml)
    (root / "backlog/irritants/irritant-7.yml").write_bytes((root / "backlog/irritants/irritant-7.yaml").read_bytes())
    (root / "backlog/stories/story-1400.md").write_text("no front matter\n", encoding="utf-8")
    (root / "backlog/decisions/decision-3.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    assert sum(1 for _ in root.glob("backlog/*/*")) >= PARALLEL_FROM

    one, one_problems = load_backlog(root, workers=1)
    two, two_problems = load_backlog(root, workers=2)
    assert list(two.irritants) == list(one.irritants) and two.irritants == one.irritants
    assert two.decisions == one.decisions and two.stories == one.stories
    assert two.feedback == one.feedback
    assert [s.locs for s in two.stories.values()] == [s.locs for s in one.stories.values()]
    assert sorted(d.as_text() for d in two_problems) == sorted(d.as_text() for d in one_problems)
    assert {d.rule for d in one_problems} >= {"id-duplicate", "front-matter", "parse"}


def test_a_cached_check_parses_in_a_second_process_only_what_the_cache_does_not_hold(tmp_path: Path) -> None:
    """A record the cache holds is a lookup: a worker would only pickle back what the check already holds. So a
    second process loads when many files must be parsed (the first run, many edits), never for cache hits."""
    from site_gen.check import check_cached
    from site_gen.incremental import DiskMemo
    from site_gen.parallel import forked

    root = tmp_path / "big"
    make_repo(root, irritants=300, decisions=300, stories=1_500, feedback=2_000)
    today = date(2026, 11, 23)
    before = forked()
    first = check_cached(root, today, DiskMemo(root), workers=2)
    assert forked() > before   # 2,100 files to parse: two processes
    story = root / "backlog/stories/story-7.md"
    story.write_text(story.read_text("utf-8").replace("audience: ", "audience: internal\n#", 1), "utf-8")
    before = forked()
    edited = check_cached(root, today, DiskMemo(root), workers=2)   # a full check: the audience changed
    assert forked() == before   # one file to parse, 2,099 held: one process
    assert not edited.reused and edited.diagnostics == check_cached(root, today, None, workers=1).diagnostics
    assert edited.diagnostics != first.diagnostics


def _judged_in_a_worker(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CheckResult, CheckResult]:
    """The example judged in this process alone, then with its record rules judged in a worker process (the example
    has fewer records than make a worker pay: forked anyway)."""
    from site_gen.parallel import forked
    from site_gen.rules import records

    alone = check_repository(root, LATE, workers=1)
    monkeypatch.setattr(records, "FORK_FROM", 1)
    before = forked()
    shared = check_repository(root, LATE, workers=2)
    assert forked() == before + 1   # the judge (the example's 37 record files are parsed in this process)
    return alone, shared


def test_records_judged_in_a_worker_process_are_judged_exactly_as_in_this_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From FORK_FROM records to judge, the record rules run in a forked worker while this process derives the
    facts: the same diagnostics, the same Judged kept for the next check."""
    root = copy_example(tmp_path / "repo")
    story = root / "backlog/stories/cancel-in-the-app.md"   # public: placeholders, personal data, raw HTML
    story.write_text(story.read_text("utf-8") + "\nTODO: say more.\n\nWrite to ana@example.com <b>now</b>.\n", "utf-8")
    alone, shared = _judged_in_a_worker(root, monkeypatch)
    assert {"placeholder", "personal-data", "raw-html", "overdue", "decision-review"} <= {
        d.rule for d in shared.diagnostics}
    assert shared.diagnostics == alone.diagnostics


@pytest.mark.parametrize("customer", ["CUST-990001", "Zoë-Rider-7"], ids=["plain-ascii", "not-ascii"])
def test_a_customer_reference_only_duckdb_knows_is_found_by_records_judged_in_a_worker(
        customer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked worker cannot ask DuckDB whether a text quotes a customer of the rows it holds: the worker names
    that story, and this process judges it again."""
    from site_gen.load import csvstore

    root = copy_example(tmp_path / "repo")
    export = root / "feedback/surveys-and-reviews.csv"
    export.write_text(export.read_text("utf-8") + f"SRV-TEST-0001,2026-11-02,survey,{customer},commuter,ops,"
                      "discover,,,The dock was full,,complaint,,\n", "utf-8")
    story = root / "backlog/stories/cancel-in-the-app.md"
    story.write_text(story.read_text("utf-8").replace("No call needed.", f"Thanks to ({customer}), no call needed."),
                     "utf-8")
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, "0")   # the rows in DuckDB
    alone, shared = _judged_in_a_worker(root, monkeypatch)
    assert shared.backlog.stored_feedback is not None
    assert [d.message for d in shared.diagnostics if d.rule == "personal-data"] == [
        f"public field 'we_did' contains a customer reference ({customer})"]
    assert shared.diagnostics == alone.diagnostics


def _dies() -> None:
    os._exit(1)


def _with_clashing_addresses(root: Path) -> Path:
    """The example with what the address rules report: an alias that is another story's address, and a slug twice."""
    stories = root / "backlog/stories"
    cancel = stories / "cancel-in-the-app.md"
    cancel.write_text(cancel.read_text("utf-8").replace(
        "slug: ", "aliases: [stories/2026-03-pause-your-plan-for-the-winter]\nslug: ", 1), "utf-8")
    helmet = stories / "helmet-discount.md"
    helmet.write_text(helmet.read_text("utf-8").replace(
        "slug: 2026-06-20-off-a-helmet-at-partner-bike-shops", "slug: 2026-09-a-ride-can-no-longer-be-charged-twice"),
        "utf-8")
    return root


def test_records_are_judged_in_this_process_when_the_worker_dies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its findings and those of the families that read the records alone, which it was to find too."""
    from site_gen.rules import records

    root = _with_clashing_addresses(copy_example(tmp_path / "repo"))
    monkeypatch.setattr(records, "_judge_shared", _dies)   # out of memory, say
    alone, shared = _judged_in_a_worker(root, monkeypatch)
    assert shared.diagnostics == alone.diagnostics
    assert {"overdue", "alias-collision", "slug-duplicate"} <= {d.rule for d in shared.diagnostics}


def test_the_families_that_read_the_records_alone_run_in_the_record_rules_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker that judges each record then runs the families that need no facts (the addresses: 0.2 s at
    10,000 stories and 10,000 irritants), while this process derives the facts: the same diagnostics. Without a
    worker, they run here while DuckDB gathers the evidence."""
    from site_gen.rules import addresses

    checked_in = tmp_path / "checked-in"
    judge_addresses = addresses.check_records

    def noting_where(backlog: Backlog, made: Addresses | None = None) -> Iterator[Diagnostic]:
        with checked_in.open("a", encoding="utf-8") as noted:
            noted.write(f"{os.getpid()}\n")
        return judge_addresses(backlog, made)

    monkeypatch.setattr(addresses, "check_records", noting_where)
    root = _with_clashing_addresses(copy_example(tmp_path / "repo"))
    alone, shared = _judged_in_a_worker(root, monkeypatch)
    first, second = checked_in.read_text("utf-8").split()   # once per check: here, then in the worker
    assert first == str(os.getpid()) != second
    assert shared.diagnostics == alone.diagnostics
    assert {"alias-collision", "slug-duplicate"} <= {d.rule for d in shared.diagnostics}
