"""A record's change history, from `git log` of its file, when the repository is a git checkout."""

from __future__ import annotations

import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FileChange:
    """One commit that touched a record's file."""

    commit: str
    date: str
    author: str
    subject: str


def file_histories(root: Path, folder: str = "backlog") -> dict[str, tuple[FileChange, ...]]:
    """Repo-relative path -> its commits, newest first. One git process for the whole folder."""
    try:
        output = subprocess.run(
            ["git", "-c", "core.quotepath=off", "-C", str(root), "log", "--relative", "--date=short", "--name-only",
             "--format=%x1e%h%x1f%ad%x1f%an%x1f%s", "--", folder],
            capture_output=True, text=True, timeout=120, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}  # not a git checkout, or git is missing: the pages say so
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
    """The date of the last commit: builds are reproducible without reading the wall clock."""
    try:
        output = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct"],
                                capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return datetime.fromtimestamp(int(output), tz=UTC).date() if output.isdigit() else None
