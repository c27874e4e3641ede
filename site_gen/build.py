"""`build` = check + views + render + write, or nothing at all when no input changed since the last build.

This module decides which, and imports only what deciding it and reporting it need: the cache (site_gen.incremental)
and OUT's lock (site_gen.write). A build with nothing changed is over before anything else is imported; one that
renders goes on in site_gen.sites (the check, the views, Jinja, markdown, the search index, the write). Refuses to
publish when the check finds errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .audience import Audience
from .collector import paused_collector
from .diagnostics import Diagnostic
from .incremental import CACHE_DIR, DiskMemo, Memo, RunEntry, current_stat, input_run
from .write import Output


@dataclass(frozen=True)
class BuildReport:
    diagnostics: list[Diagnostic]    # the check's (all warnings: a build with errors is refused)
    counts: dict[str, int]           # records of each kind
    written: dict[str, int]          # audience -> number of files
    search_indexed: bool
    changed: dict[str, int] = field(default_factory=dict)   # audience -> files whose bytes changed
    reused: bool = False             # nothing changed since the cached run: nothing was loaded or rendered


Progress = Callable[[str, int], Callable[[int], None]]


def build(root: Path, out: Path, today: date, only: Audience | None = None,
          progress: Progress | None = None, workers: int | None = None, future: bool = False,
          search: bool = True, memo: Memo | DiskMemo | None = None, cache: bool = True) -> BuildReport:
    """Check, render both sites into memory, then swap both output folders in as one pair.

    Raises write.UnsafeOutput before anything else when OUT/public or OUT/internal is not site-gen's to replace.
    With `cache` (the default) the work of the previous build is reused from the repository's .site-gen-cache/
    (`memo`: one kept in memory instead, as serve does); the sites are byte for byte those of a cold build.
    """
    if memo is None and cache:
        memo = DiskMemo(root.absolute())
    with paused_collector():
        return _build(root, out, today, only, progress, workers, future, search, memo)


def _build(root: Path, out: Path, today: date, only: Audience | None, progress: Progress | None,
           workers: int | None, future: bool = False, search: bool = True,
           memo: Memo | DiskMemo | None = None) -> BuildReport:
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    root = root.absolute()
    # the folders site-gen reads (its cache too): an output inside one would be read back, or wiped with it
    # ("locale": i18n.TEAM_FOLDER, the team's catalogues; i18n imports Babel, which deciding needs not)
    sources = {"repository": root, **{f"{name} folder": root / name
                                      for name in ("templates", "backlog", "feedback", "locale", ".git", CACHE_DIR)}}
    audiences = (only,) if only else (Audience.PUBLIC, Audience.INTERNAL)
    # locks OUT and finishes a killed build's swap first, so even a refused build leaves a consistent pair
    with Output(out, audiences, sources) as output:
        run = hashed = None
        if memo is not None:
            runs = memo.part("runs")
            last = next((entry for entry in runs.runs.values() if entry.command == "build"), None)
            run, hashed = input_run(root, runs.extra, today.isoformat(), str(only), future, search, since=last)
            reused = _reuse_run(output, runs.runs.get(run), search)
            if reused is not None:
                return reused
        from .sites import check_and_publish  # the renderer: imported only now that something must be rendered
        return check_and_publish(root, today, output, only, progress, workers, future, search, memo, run, hashed)


def _reuse_run(output: Output, run: RunEntry | None, search: bool) -> BuildReport | None:
    """Nothing changed since the cached run and its output files are still in place, untouched: then the output
    is already what this build would write, and it is left exactly as it is (no staging, no swap)."""
    if run is None or set(run.files) != set(output.audiences):
        return None
    for audience, files in run.files.items():
        folder = os.path.join(output.out, audience)
        if not all(current_stat(os.path.join(folder, name)) == kept.stat for name, kept in files.items()):
            return None
    if search and run.searched and not (output.out / "public" / "pagefind").is_dir():
        return None
    return BuildReport(list(run.diagnostics), dict(run.counts), {a: len(f) for a, f in run.files.items()},
                       run.searched, {audience: 0 for audience in run.files}, reused=True)
