"""`site-gen init`: a new team repository that check and build accept at once, as a new user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import REPO


def site_gen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([sys.executable, "-m", "site_gen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_init_then_check_then_build_pass(tmp_path: Path) -> None:
    team = tmp_path / "team"
    created = site_gen("init", str(team), cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    checked = site_gen("check", cwd=team)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No problems in 1 irritant, 1 decision, 1 story, 4 feedback rows, as of" in checked.stderr
    built = site_gen("build", cwd=team)
    assert built.returncode == 0, built.stderr
    assert (team / "_site/public/index.html").is_file() and (team / "_site/internal/digest/feed.xml").is_file()
    for part in ("site.yaml", "backlog/irritants", "backlog/decisions", "backlog/stories", "feedback/example.csv",
                 ".github/workflows/check.yml", ".github/workflows/publish.yml", ".pre-commit-config.yaml",
                 ".vscode/settings.json", "README.md", "schemas/irritant.schema.json", ".git"):
        assert (team / part).exists(), part
    assert "# The backlog rules" in (team / "site.yaml").read_text("utf-8")  # explained by comments


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    refused = site_gen("init", str(tmp_path), cwd=tmp_path)
    assert refused.returncode == 1 and "is not empty" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_writes_into_a_fresh_clone_that_holds_only_git(tmp_path: Path) -> None:
    """Teams create the repository on their forge and clone it: the clone holds .git and nothing else."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "init", "--quiet", str(clone)], check=True)
    created = site_gen("init", str(clone), cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert (clone / "site.yaml").is_file() and (clone / ".git/HEAD").is_file()


def test_the_next_step_is_a_line_to_paste_as_it_is(tmp_path: Path) -> None:
    """Initialising the current folder needs no 'cd .'; a folder with a space needs quotes to be pasted."""
    here = tmp_path / "here"
    here.mkdir()
    assert site_gen("init", cwd=here).stderr.splitlines()[-1] == "  site-gen check && site-gen build"
    spaced = site_gen("init", "our backlog", cwd=tmp_path)
    assert spaced.stderr.splitlines()[-1] == "  cd 'our backlog' && site-gen check && site-gen build"


def test_a_new_teams_dashboard_says_how_to_add_metrics_under_its_metrics_heading(tmp_path: Path) -> None:
    """init writes metrics: [] — the dashboard showed a 'Metrics' heading with nothing under it."""
    from datetime import date

    from site_gen.check import check_repository
    from site_gen.model import Audience
    from site_gen.sites import render_sites
    from site_gen.starter import create_repository

    today = date(2026, 11, 23)
    create_repository(tmp_path / "team", "Acme", today, git=False)
    sites = render_sites(check_repository(tmp_path / "team", today), tmp_path / "team", Audience.INTERNAL)
    dashboard = sites["internal"]["index.html"].decode()
    after = dashboard.split("<h2>Metrics</h2>", 1)[1].split("<h2>", 1)[0]
    assert "No metrics yet: add up to three to metrics in site.yaml." in after


def test_the_organisation_is_named_from_the_folder_word_by_word(tmp_path: Path) -> None:
    """Without --organisation the folder names it: 'its-our_backlog' reads "Its Our Backlog", and an apostrophe
    leaves the letter after it alone ("it's" -> "It's", where str.title() wrote "It'S")."""
    from datetime import date

    from site_gen.starter import create_repository
    for folder, name in (("its-our_backlog", "Its Our Backlog"), ("it's backlog", "It's Backlog")):
        create_repository(tmp_path / folder, None, date(2026, 11, 23), git=False)
        assert f'organisation: "{name}"' in (tmp_path / folder / "site.yaml").read_text("utf-8")
