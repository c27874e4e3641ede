"""The wheel a user installs ships the default theme and works outside this repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO, copy_example


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    return next(folder.glob("site_gen-*.whl"))


def test_the_wheel_ships_the_default_theme(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for theme_file in ("site_gen/templates/public/base.html", "site_gen/templates/internal/dashboard.html",
                       "site_gen/templates/common/site.css", "site_gen/templates/public/search.js"):
        assert theme_file in names
    assert not any(name.startswith(("tests/", "backlog/", "feedback/")) for name in names)


def test_the_editable_install_finds_the_theme_in_the_checkout() -> None:
    """The README's first command installs with `pip install -e .`: the theme is the repository's templates/."""
    from site_gen.publish.render import package_templates

    assert package_templates() == REPO / "templates"


def test_the_installed_wheel_builds_a_backlog_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin/pip"), "install", "-q", str(wheel)], check=True, capture_output=True, timeout=600)
    team = copy_example(tmp_path / "team-backlog")
    completed = subprocess.run([str(venv / "bin/site-gen"), "build", "--today", "2026-11-23"], cwd=team,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert (team / "_site/public/stories/2026-02-cancel-your-plan-in-the-app-any-time/index.html").is_file()
    assert (team / "_site/internal/irritants/helmet-rental/index.html").is_file()
    assert "search: skipped" in completed.stderr  # installed without the [search] extra: the site still builds
    finder = subprocess.run([str(venv / "bin/python"), "-c", "from site_gen.publish.render import package_templates as p; "
                             "print(p())"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert finder.stdout.strip().endswith("site-packages/site_gen/templates")
