"""One "today" for every command, printed; one tree of errors, printed in one place."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen import errors
from site_gen.asof import resolve_as_of
from site_gen.cli import main

from .conftest import copy_example, edit


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "site_gen", *args], capture_output=True, text=True,
                          env=full_env, timeout=300)


def _commit(root: Path, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "example"]):
        subprocess.run(["git", *command], cwd=root, env=env, check=True)


def test_today_is_the_option_then_source_date_epoch_then_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert resolve_as_of(None).day == date.today()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795996800")  # 2026-11-30
    assert resolve_as_of(None).day == date(2026, 11, 30)
    assert resolve_as_of(date(2026, 1, 2)).day == date(2026, 1, 2)


def test_check_prints_the_date_it_judged_and_the_last_commit_beside_it(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _commit(root, "2026-11-20T12:00:00Z")
    outcome = _run("check", str(root), "--today", "2026-11-23")
    assert "as of 2026-11-23 (last commit 2026-11-20)." in outcome.stderr
    outcome = _run("check", str(root), env={"SOURCE_DATE_EPOCH": "1795132800"})  # 2026-11-20 00:00 UTC
    assert outcome.stderr.rstrip().endswith("as of 2026-11-20.")  # the same day: not repeated


def test_build_and_check_judge_the_same_day_when_nothing_fixes_it(tmp_path: Path) -> None:
    """Without --today or SOURCE_DATE_EPOCH both use the clock: an old commit no longer freezes the dashboard."""
    root = copy_example(tmp_path / "repo")
    edit(root / "backlog/irritants/deposit-refund-slow.yaml", "reviewed: 2026-11-17", "reviewed: 2026-10-01")
    _commit(root, "2026-10-02T12:00:00Z")
    check = _run("check", str(root))
    build = _run("build", str(root), "--out", str(tmp_path / "out"))
    today = date.today().isoformat()
    assert f"as of {today} (last commit 2026-10-02)" in check.stderr
    assert f"Built as of {today} (last commit 2026-10-02)." in build.stderr
    assert "warning[unreviewed]" in check.stdout and "warning[unreviewed]" in build.stdout  # one stream
    dashboard = (tmp_path / "out/internal/index.html").read_text("utf-8")
    assert "Deposit refunds" in dashboard.split("<h2>Not reviewed recently</h2>", 1)[1].split("<h2>", 1)[0]


def test_json_and_the_job_summary_carry_the_date(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    summary = tmp_path / "summary.md"
    outcome = _run("check", str(root), "--today", "2026-11-23", "--format", "json")
    assert json.loads(outcome.stdout)["summary"]["as_of"] == "2026-11-23"
    _run("check", str(root), "--today", "2026-11-23", "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert "as of 2026-11-23" in summary.read_text("utf-8")


@pytest.mark.parametrize("kind, code", [
    (errors.NotABacklog("/x"), 2), (errors.UnusableDate("bad"), 2), (errors.NotLoopback("bad"), 2),
    (errors.UnsafeOutput("bad"), 2), (errors.BuildRefused([], 3), 1), (errors.ThemeError("bad"), 1),
    (errors.BuildError("bad"), 1), (errors.OutputBusy("bad"), 1), (errors.WriteFailed("bad"), 1),
])
def test_every_failure_is_a_site_gen_error_with_its_exit_code(kind: errors.SiteGenError, code: int) -> None:
    assert isinstance(kind, errors.SiteGenError) and kind.exit_code == code


def test_a_refused_build_prints_its_diagnostics_where_check_does(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    edit(root / "backlog/irritants/helmet-rental.yaml", "owner:", "ownr:")
    outcome = CliRunner().invoke(main, ["build", str(root), "--today", "2026-11-23", "--out", str(tmp_path / "o")],
                                 catch_exceptions=False)
    assert outcome.exit_code == 1
    assert "error[unknown-field]" in outcome.stdout and "error[unknown-field]" not in outcome.stderr
    assert outcome.stderr == "Error: Build refused: 1 error(s). Nothing was written; fix them and build again.\n"
    assert not (tmp_path / "o" / "public").exists()


@pytest.mark.parametrize("command", ["check", "build", "serve"])
def test_no_site_yaml_is_the_same_usage_error_for_every_command(command: str, tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, [command, str(tmp_path)], catch_exceptions=False)
    assert outcome.exit_code == 2
    assert f"no site.yaml in {tmp_path}. Run site-gen in the folder that holds site.yaml" in outcome.stderr
    assert "Traceback" not in outcome.stderr



def test_a_decision_dated_after_the_replayed_day_answers_nothing_that_day() -> None:
    """Replaying 2026-06-01: May's NPS drop had no answer yet (the example's metric response is dated 2026-09-03),
    so check reports it, and the double-charge irritant lists no decision that day; as of the decision's own day it
    answers both. Before, it answered them in June, and check passed a day on which the team had decided nothing."""
    from site_gen.check import check_repository

    from .conftest import REPO

    june = check_repository(REPO, date(2026, 6, 1))
    assert [d.rule for d in june.diagnostics if d.rule == "metric-decision"] == ["metric-decision"]
    assert "nps-dip-august" not in june.facts.irritants["double-charge-after-failed-ride"].decisions
    september = check_repository(REPO, date(2026, 9, 3))
    assert "nps-dip-august" in september.facts.irritants["double-charge-after-failed-ride"].decisions
    assert september.facts.metrics["nps"].decisions[:1] == ("nps-dip-august",)
