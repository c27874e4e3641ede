"""`build` = check + views + render + write. Refuses to publish when the check finds errors."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

import jinja2

from .check import CheckResult, check_repository
from .history import data_date, file_histories
from .markdown import render_markdown
from .publish import internal as internal_site
from .publish import public as public_site
from .render import environment
from .views.internal import internal_view
from .views.public import public_view
from .write import write_tree

LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".webp"}


class ThemeError(Exception):
    """A template failed to render: a mistake in a team's templates/, reported with its file and line."""


def _template_error(exc: Exception) -> ThemeError:
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:  # Jinja maps render errors back to the template's own file and line
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".css", ".js")):
            filename, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    where = f"{filename}:{line}: " if filename else ""
    return ThemeError(f"{where}template error: {exc} — fix the template (StrictUndefined: public templates only see "
                      "public fields)")


class BuildRefused(Exception):
    """The check found errors: nothing was written."""

    def __init__(self, result: CheckResult):
        super().__init__(f"{result.errors} error(s): fix them before publishing")
        self.result = result


@dataclass(frozen=True)
class BuildReport:
    check: CheckResult
    written: dict[str, int]          # audience -> number of files
    search_indexed: bool


Progress = Callable[[str, int], Callable[[int], None]]


def _logo(root: Path, logo: str | None) -> tuple[str | None, bytes | None]:
    """The logo's published name and bytes; its name inside the site says nothing about the repository."""
    if not logo:
        return None, None
    path = (root / logo).resolve()
    if path.suffix.lower() not in LOGO_TYPES or not path.is_file() or not path.is_relative_to(root.resolve()):
        return None, None
    return f"assets/logo{path.suffix.lower()}", path.read_bytes()


def build_date(root: Path) -> date:
    """'Today' for a build: SOURCE_DATE_EPOCH, else the last commit's date, else the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return data_date(root) or date.today()


def render_sites(result: CheckResult, root: Path, today: date, only: str | None = None,
                 progress: Progress | None = None) -> dict[str, dict[str, bytes]]:
    """Both sites in memory, {audience: {path: bytes}}: testable without a disk."""
    backlog = result.backlog
    templates = root / "templates"
    sites: dict[str, dict[str, bytes]] = {}
    if only in (None, "public"):
        logo_name, logo = _logo(root, backlog.config.public.logo)
        view = public_view(backlog, render_markdown, logo_name)
        ticker = progress("public", len(view.stories) + len(view.months) + len(view.stages) + 6) if progress else None
        sites["public"] = public_site.render(view, environment("public", templates), logo, ticker)
    if only in (None, "internal"):
        view = internal_view(backlog, today, render_markdown, file_histories(root))
        count = len(view.irritants) + len(view.decisions) + len(view.stories) + len(view.stages) + len(view.teams) + 7
        ticker = progress("internal", count) if progress else None
        sites["internal"] = internal_site.render(view, environment("internal", templates), ticker)
    return sites


def index_search(folder: Path) -> bool:
    """Run Pagefind over the public site, if it is installed; the site reads fine without it."""
    try:
        import pagefind  # noqa: F401
    except ImportError:
        return False
    completed = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(folder), "--silent"],
                               capture_output=True, text=True, timeout=600)
    if completed.returncode != 0:
        raise RuntimeError(f"Pagefind failed: {completed.stderr.strip() or completed.stdout.strip()}")
    return True


def build(root: Path, out: Path, today: date, only: str | None = None,
          progress: Progress | None = None) -> BuildReport:
    """Check, render both sites into memory, then swap each output folder in atomically."""
    result = check_repository(root, today)
    if result.errors:
        raise BuildRefused(result)
    try:
        sites = render_sites(result, root.absolute(), today, only, progress)
    except jinja2.TemplateError as exc:
        raise _template_error(exc) from exc
    searched = False
    for audience, files in sites.items():
        finish = None
        if audience == "public":
            def finish(staging: Path) -> None:
                nonlocal searched
                searched = index_search(staging)
        write_tree(out / audience, files, finish)
    return BuildReport(result, {audience: len(files) for audience, files in sites.items()}, searched)
