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


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The day a record's status became a value, while the record was public. Nothing else of the commit."""

    date: date
    status: str


@dataclass(frozen=True, slots=True)
class StatusHistory:
    """Repo-relative path -> its public status changes, oldest first.

    `complete` is False when there is no full history to read (not a checkout, or a shallow clone):
    pages then fall back to the `closed` date.
    """

    changes: dict[str, tuple[StatusChange, ...]]
    complete: bool


_STATUS_LINE = re.compile(r"^([+-])(status|visibility):[ \t]*[\"']?([A-Za-z-]*)")
NO_STATUS_HISTORY = StatusHistory({}, complete=False)


def status_histories(root: Path, folder: str = "backlog/irritants") -> StatusHistory:
    """When each irritant's `status:` line changed while it was public, from one `git log` over the folder.

    Only the date and the new value of the status line are read: never the author, the message or other
    lines. A change counts from the day the record is public (`visibility: public`): the day it became
    public, its status then is its first public change. A shallow clone has no full history: that is
    logged as a warning (the publish workflow needs `fetch-depth: 0`) and nothing is returned.
    """
    shallow = (_git(root, ["rev-parse", "--is-shallow-repository"], timeout=30) or "").strip()
    if shallow != "false":
        if shallow == "true":
            log.warning("this checkout is shallow, so the public item pages show only the date each item was "
                        "closed, not the date of each status change: check out the full history (in GitHub "
                        "Actions: actions/checkout with fetch-depth: 0)")
        return NO_STATUS_HISTORY
    output = _git(root, ["-c", "core.quotepath=off", "log", "--reverse", "--relative", "--no-renames", "--no-color",
                         "--no-ext-diff", "-p", "--unified=0", "--format=%x1e%cs", "-G", "^(status|visibility):",
                         "--", folder], timeout=120)
    if output is None:
        return NO_STATUS_HISTORY
    state: dict[str, dict[str, str]] = defaultdict(dict)   # path -> {status, visibility} as of the commit
    changes: dict[str, list[StatusChange]] = defaultdict(list)
    for entry in output.split("\x1e")[1:]:
        header, _, patch = entry.partition("\n")
        try:
            day = date.fromisoformat(header.strip())
        except ValueError:
            continue
        path = None
        touched: dict[str, dict[str, str]] = defaultdict(dict)
        for line in patch.split("\n"):
            if line.startswith("+++ "):
                name = line[4:]
                path = name[2:] if name.startswith("b/") else None  # /dev/null: the file was deleted
                continue
            if path is None or line.startswith("--- "):
                continue
            found = _STATUS_LINE.match(line)
            if found and found.group(1) == "+":
                touched[path][found.group(2)] = found.group(3)
            elif found:
                touched[path].setdefault(found.group(2), "")  # removed without a replacement
        for name, fields in touched.items():
            before = dict(state[name])
            state[name].update(fields)
            now = state[name]
            if now.get("visibility") != "public" or not now.get("status"):
                continue
            became_public = before.get("visibility") != "public"
            if became_public or now["status"] != before.get("status"):
                changes[name].append(StatusChange(day, now["status"]))
    return StatusHistory({path: tuple(items) for path, items in changes.items()}, complete=True)
