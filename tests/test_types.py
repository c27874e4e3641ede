"""The code type-checks: mypy --strict over the whole package (configured in pyproject.toml) finds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import REPO


def test_mypy_strict_finds_nothing_in_the_package(tmp_path: Path) -> None:
    completed = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
                               cwd=REPO, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no issues found in" in completed.stdout and " source files" in completed.stdout


def test_mypy_would_catch_an_unannotated_function(tmp_path: Path) -> None:
    """Guards the test above: the configuration really is strict."""
    module = tmp_path / "loose.py"
    module.write_text("def untyped(x):\n    return x\n", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c"),
                                str(module)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1 and "no-untyped-def" in completed.stdout
