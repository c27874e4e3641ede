"""The code stays lint-clean (ruff, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_ruff_finds_nothing() -> None:
    completed = subprocess.run([sys.executable, "-m", "ruff", "check", "site_gen", "tests", "benchmarks", "scripts"],
                               cwd=REPO, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr
