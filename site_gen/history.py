"""A record's change history, from `git log` of its file, when the repository is a git checkout.

Without git (not a checkout, or git is missing) there is no history and the pages say so. When git is
there but refuses the checkout ("dubious ownership": another user owns it), that is logged as a warning
naming the fix, which the command line prints once: silently dropping every irritant's history would
look like a backlog nobody ever changed.
"""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from .dates import RANGE, in_range

log = logging.getLogger(__name__)

_SAFE_DIRECTORY = re.compile(r"safe\.directory\s+(\S.*?)\s*$", re.M)


@dataclass(frozen=True, slots=True)
class FileChange:
    """One commit that touched a record's file."""

    commit: str
    date: str
    author: str
    subject: str


def _git(root: Path, args: list[str], timeout: float) -> str | None:
    """git's output, or None when there is no usable git checkout at root."""
    try:
        completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=timeout,
                                   encoding="utf-8", errors="replace")  # author names are not always UTF-8
    except (OSError, subprocess.SubprocessError):
        return None  # git is missing, or hangs
    if completed.returncode != 0:
        if "dubious ownership" in completed.stderr:
            log.warning(_refusal(root, completed.stderr))
        return None  # most often: not a git checkout
    return completed.stdout


def _refusal(root: Path, stderr: str) -> str:
    suggested = _SAFE_DIRECTORY.search(stderr)  # git names the folder to trust: the top of the checkout
    folder = suggested.group(1).strip("'\"") if suggested else str(root.absolute())
    return (f"git refuses to read {folder} because another user owns it (\"dubious ownership\"), so the internal "
            "site shows no change history. If you trust this checkout: "
            f"git config --global --add safe.directory {shlex.quote(folder)}")


def file_histories(root: Path, folder: str = "backlog") -> dict[str, tuple[FileChange, ...]]:
    """Repo-relative path -> its commits, newest first. One git process for the whole folder."""
    output = _git(root, ["-c", "core.quotepath=off", "log", "--relative", "--date=short", "--name-only",
                         "--format=%x1e%h%x1f%ad%x1f%an%x1f%s", "--", folder], timeout=120)
    if output is None:
        return {}
    changes: dict[str, list[FileChange]] = defaultdict(list)
    for entry in output.split("\x1e"):
        header, _, names = entry.strip("\n").partition("\n")
        parts = header.split("\x1f")
        if len(parts) != 4:
            continue
        change = FileChange(*parts)
        for name in names.split("\n"):
            if name.strip():  # --relative: paths are relative to root, like SourceLoc.path
                changes[name.strip()].append(change)
    return {path: tuple(items) for path, items in changes.items()}


def data_date(root: Path) -> date | None:
    """The date of the last commit, shown beside "as of" so a reader knows how fresh the data is."""
    output = (_git(root, ["log", "-1", "--format=%ct"], timeout=30) or "").strip()
    if not output.isdigit() or len(output) > 15:
        return None
    try:
        day = datetime.fromtimestamp(int(output), tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        day = None
    if day is None or not in_range(day):
        log.warning(f"the last commit's date ({output} seconds since 1970) is outside the dates site-gen handles "
                    f"({RANGE}); it is not shown")
        return None
    return day
