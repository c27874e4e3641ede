"""Shared fixtures: a private copy of the repository's own example content, and a check runner."""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from site_gen.check import CheckResult, check_repository
from site_gen.diagnostics import Diagnostic

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"   # axe-core, vnu (npm install)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EXAMPLE_PARTS = ("site.yaml", "backlog", "feedback")
TODAY = date(2026, 11, 23)
CHROMIUM = "/usr/bin/chromium"
# the machine's network is closed: without these Chromium keeps trying to phone home
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright, one per test module (Playwright is imported only here)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def copy_example(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for part in EXAMPLE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A writable copy of the example backlog."""
    return copy_example(tmp_path / "repo")


def run_check(root: Path, today: date = TODAY) -> CheckResult:
    return check_repository(root, today)


# The example keeps two warnings on purpose (README, "site-gen check"): a fix without a story, and a fix that
# did not hold. tests/test_loop.py asserts them; other tests look past them at what they break.
# build and agenda add eleven theme-not-in-backlog warnings that check never reports (tests/test_inbox_themes.py).
EXAMPLE_WARNINGS = frozenset({("backlog/irritants/seat-clamp-stuck.yaml", "loop-open"),
                              ("backlog/irritants/signup-id-check-loop.yaml", "recurrence")})


def problems(result: CheckResult) -> list[Diagnostic]:
    """Every diagnostic except the example's deliberate warnings."""
    return [d for d in result.diagnostics if (d.loc.path, d.rule) not in EXAMPLE_WARNINGS]


def found(result: CheckResult) -> list[tuple[str, int, str]]:
    """(file, line, rule) of every diagnostic but the example's deliberate warnings: what a reviewer clicks on."""
    return [(d.loc.path, d.loc.line, d.rule) for d in problems(result)]


def beyond_example_warnings(lines: list[str]) -> list[str]:
    """Printed diagnostics (text format) except the example's deliberate warnings."""
    return [line for line in lines
            if not any(line.startswith(f"{path}:") and f"warning[{rule}]" in line for path, rule in EXAMPLE_WARNINGS)]


def found_all(result: CheckResult) -> list[tuple[str, int, str]]:
    """(file, line, rule) of every diagnostic, the example's deliberate warnings included."""
    return [(d.loc.path, d.loc.line, d.rule) for d in result.diagnostics]


def line_of(path: Path, text: str, nth: int = 1) -> int:
    """The 1-based line of the nth occurrence of text in the file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if text in line:
            nth -= 1
            if nth == 0:
                return number
    raise AssertionError(f"{text!r} not in {path}")


def as_parquet(csv: Path) -> None:
    """The export as a Parquet batch in its place, which only DuckDB reads."""
    import duckdb
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv}', header=true, all_varchar=true)) "
               f"TO '{csv.with_suffix('.parquet')}' (FORMAT parquet)")
    csv.unlink()


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def as_seen(html: str) -> str:
    """A page's HTML as the eye reads it: without what only a screen reader reads (.sr-only: the comma a middle dot
    or a pill's box stands for, between a line's parts)."""
    return re.sub(r'<span class="sr-only"[^>]*>[^<]*</span>', "", html)


def nested_parentheses(text: str) -> list[str]:
    """Each bracketed aside that holds another, as a reader meets it: "(5 day(s) ago; owner: …)", or a command with
    brackets of its own: "(e.g. `export K=$(python …)`)". A %(name)s placeholder is no aside."""
    text = re.sub(r"%\(\w+\)", "", text)
    text = re.sub(r"`[^`]*`", lambda code: "()" if "(" in code.group() else "", text)   # its brackets, once
    found: list[str] = []
    opened: list[int] = []
    for at, char in enumerate(text):
        if char == "(":
            opened.append(at)
        elif char == ")" and opened:
            opened.pop()
            if opened:   # an aside closed inside another: show the outer one up to here
                found.append(text[opened[0]:at + 1] + "…")
    return found


WEEKEND_TRIAL_TITLE = "Try lower weekend fares for three months"


def add_weekend_fare_decisions(root: Path) -> tuple[Path, Path]:
    """Two decisions, the second following up the first, that name no irritant and no metric: what one's page shows
    of the other is all that ties the two pages (an irritant's or a metric's decisions tie every page naming it)."""
    questions = ("customer: Cheaper weekend rides.\npromise: Yes.\nteams: A fare change in the app.\n"
                 "simplest: Yes, one price.\n")
    trial, follow_up = root / "backlog/decisions/weekend-fares-trial.md", root / "backlog/decisions/weekend-pass.md"
    trial.write_text(f"---\ntitle: {WEEKEND_TRIAL_TITLE}\ndate: 2026-06-01\nowner: Lea Martin\n"
                     "review_on: 2026-09-01\nstatus: reviewed\noutcome: did-not-work\noutcome_date: 2026-09-01\n"
                     f"kind: arbitration\n{questions}---\n\nWeekend rides did not grow.\n", encoding="utf-8")
    follow_up.write_text("---\ntitle: Sell a weekend pass instead of lower fares\ndate: 2026-09-10\n"
                         "owner: Lea Martin\nreview_on: 2027-03-01\nstatus: active\nfollows: weekend-fares-trial\n"
                         f"kind: arbitration\n{questions}---\n\nOne price for the whole weekend.\n", encoding="utf-8")
    return trial, follow_up


def script(name: str) -> ModuleType:
    """One of scripts/*.py, imported as a module (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"{name}_script", REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
