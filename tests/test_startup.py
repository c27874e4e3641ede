"""Start-up and worker processes: `--help` imports no loader, a small build forks nothing, workers share by fork."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import site_gen.sites as sites_module
from site_gen import parallel
from site_gen.build import build
from site_gen.cli import SITES, main
from site_gen.model import Audience
from site_gen.sites import render_sites

from .conftest import REPO, TODAY, copy_example, run_check, script

HEAVY = ("site_gen.model", "site_gen.load", "site_gen.check", "site_gen.build", "jinja2", "markdown_it", "yaml")


# what a build renders with, and what loads the backlog: a build or a check that finds nothing changed needs neither
RENDERER = ("site_gen.sites", "site_gen.views", "site_gen.publish", "site_gen.live", "jinja2", "markdown_it")
LOADER = ("site_gen.model", "site_gen.load", "site_gen.record_edits", "yaml", "babel")


def imported(*args: str) -> set[str]:
    return imported_and_said(*args)[0]


def imported_and_said(*args: str) -> tuple[set[str], str]:
    """The modules a site-gen command imported, and what it wrote on stderr besides."""
    completed = subprocess.run([sys.executable, "-X", "importtime", "-m", "site_gen", *args], capture_output=True,
                               text=True, timeout=120, check=True)
    lines = completed.stderr.splitlines()
    modules = {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}
    return modules, "\n".join(line for line in lines if not line.startswith("import time:"))


def _site_gen(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "site_gen", *args], capture_output=True, timeout=120, check=True)


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_neither_the_loader_nor_the_renderer(flag: str) -> None:
    """The model, the loader, YAML, Jinja and markdown are imported by the commands that use them, not at start;
    --help and --version not even Click (importing it alone takes ~100 ms on a slow machine)."""
    modules = imported(flag)
    assert "site_gen.start" in modules  # the measurement itself works
    assert sorted({*HEAVY, "click", "site_gen.cli", "typing"} & modules) == []


def test_a_command_s_help_still_comes_from_click_without_the_loader() -> None:
    modules = imported("check", "--help")
    assert "click" in modules and sorted(set(HEAVY) & modules) == []


def started(args: list[str], columns: int) -> str:
    return subprocess.run([sys.executable, "-m", "site_gen", *args], capture_output=True, text=True, timeout=60,
                          check=True, env={**os.environ, "COLUMNS": str(columns)}).stdout


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"]])
@pytest.mark.parametrize("columns", [80, 132, 60])
def test_the_quick_answers_are_exactly_what_click_prints(args: list[str], columns: int) -> None:
    """At 80 columns and wider from the text Click wrote; narrower, Click itself wraps it."""
    assert started(args, columns) == script("help_text").click_prints(args, "python -m site_gen", columns)


def test_the_quick_help_is_fresh() -> None:
    """After changing a command: `python scripts/help_text.py` writes site_gen/help_text.py again."""
    help_text = script("help_text")
    assert help_text.TARGET.read_text("utf-8") == help_text.module_text()


def test_every_command_still_shows_its_full_help() -> None:
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        # Click wraps at hyphens too (".site-gen-" ending one line, "cache/" the next): join both the same way
        help_text = " ".join((command.help or "").replace("\b", "").split()).replace("- ", "-")
        assert help_text and help_text in " ".join(result.output.split()).replace("- ", "-"), name


def test_a_build_with_nothing_changed_imports_neither_the_renderer_nor_the_loader(tmp_path: Path) -> None:
    """Issue 12: a build with nothing changed at 10,000 stories in 1.0 s. Importing Jinja, markdown, the views and
    the loader took 0.4 s of it; deciding that nothing changed needs the cache and OUT's lock. With a check's run in
    the same cache, as `site-gen check && site-gen build` leaves it (its story places are record_edits' classes)."""
    root = copy_example(tmp_path / "repo")
    build_args = ["build", str(root), "--out", str(tmp_path / "out"), "--today", "2026-11-23", "--no-search"]
    _site_gen("check", str(root), "--today", "2026-11-23")
    _site_gen(*build_args)
    modules, said = imported_and_said(*build_args)
    assert "Nothing changed since the last build" in said and "site_gen.build" in modules
    assert sorted({*RENDERER, *LOADER} & modules) == []


def test_a_check_with_nothing_changed_imports_neither_the_renderer_nor_the_loader(tmp_path: Path) -> None:
    """A check whose inputs all hash as in the last check prints its diagnostics from the cache: it loads nothing,
    so it imports no loader, no YAML, no markdown (public safety's) and no Jinja — a build's run in the cache too."""
    root = copy_example(tmp_path / "repo")
    check_args = ["check", str(root), "--today", "2026-11-23"]
    _site_gen(*check_args)
    _site_gen("build", str(root), "--out", str(tmp_path / "out"), "--today", "2026-11-23", "--no-search")
    modules, said = imported_and_said(*check_args)
    assert "0 error(s)," in said and "site_gen.check" in modules
    assert sorted({*RENDERER, *LOADER} & modules) == []


def test_the_site_choices_are_the_audiences() -> None:
    assert sorted(SITES) == sorted(audience.value for audience in Audience)


def test_a_small_build_forks_no_worker(tmp_path: Path) -> None:
    """The example (87 pages) renders faster in one process than a fork costs: nothing is forked."""
    root = copy_example(tmp_path / "repo")
    before = parallel.forked()
    report = build(root, tmp_path / "out", TODAY, workers=2)
    assert report.written["public"] > 10
    assert parallel.forked() == before


class Unpicklable:
    name = "the model"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a worker must get this by fork, not by pickle")


def _payload_name() -> str:
    payload: Unpicklable = parallel.shared()
    return payload.name


def test_a_worker_reads_what_its_parent_shared_without_a_copy() -> None:
    with parallel.fork_pool(1, Unpicklable()) as pool:
        assert pool.submit(_payload_name).result(timeout=60) == "the model"
    assert gc.get_freeze_count() == 0  # frozen for the fork only
    assert parallel.shared() is None  # the parent lets go of it


def test_sites_rendered_by_workers_are_the_sites_one_process_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(REPO)
    alone = render_sites(result, REPO, workers=1)
    monkeypatch.setattr(sites_module, "MARKDOWN_FORK_FROM", 1)
    monkeypatch.setattr(sites_module, "PUBLIC_FORK_FROM", 1)
    before = parallel.forked()
    together = render_sites(result, REPO, workers=2)
    assert parallel.forked() == before + 3  # two markdown workers and the public renderer
    assert together == alone


def test_an_internal_site_rendered_half_by_a_second_process_is_the_site_one_process_renders(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With the public site rendered here (a small one), the second core renders every other internal page."""
    result = run_check(REPO)
    alone = render_sites(result, REPO, workers=1)
    monkeypatch.setattr(sites_module, "INTERNAL_SPLIT_FROM", 1)
    before = parallel.forked()
    together = render_sites(result, REPO, workers=2)
    assert parallel.forked() == before + 1  # the internal share; the public site (87 pages) renders here
    assert together == alone and len(together["internal"]) > 100
