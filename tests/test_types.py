"""The code type-checks: mypy --strict (configured in pyproject.toml) finds nothing.

Every module listed here is clean under --strict; the command-line and build modules (cli, build, check, the
package's __init__ and errors) are being reworked and join the list, as the whole package, when they are clean.
Modules outside the list are still read for their types (--follow-imports=silent), but not reported on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import REPO

CLEAN = (  # paths under site_gen/
    "__main__.py", "charts.py", "collector.py", "colors.py", "dates.py", "diagnostics.py", "facts/__init__.py",
    "facts/evidence.py", "facts/risks.py", "facts/scores.py", "feeds.py", "fields.py", "fieldtypes.py", "history.py",
    "load/__init__.py", "load/assets.py", "load/convert.py", "load/feedback.py", "load/frontmatter.py",
    "load/records.py", "load/source.py", "load/yamlsafe.py", "markdown.py", "model.py", "parallel.py",
    "publish/__init__.py", "publish/internal.py", "publish/public.py", "render.py", "rules/__init__.py",
    "rules/backlog_rules.py", "rules/decisions.py", "rules/metrics.py", "rules/public_safety.py",
    "rules/references.py", "rules/stories.py", "schemas.py", "serve.py", "text.py", "views/__init__.py",
    "views/internal.py", "views/public.py", "write.py",
)


def test_mypy_strict_finds_nothing(tmp_path: Path) -> None:
    paths = [f"site_gen/{name}" for name in CLEAN]
    completed = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                                "--cache-dir", str(tmp_path / "mypy-cache"), *paths],
                               cwd=REPO, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr

