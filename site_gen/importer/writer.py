"""Appending rows to a CSV without ever losing what was there: the whole new file is written beside it, then
renamed over it (a crash leaves the old file or the new one, never half of either)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from ..files import replace_file
from .errors import ImportFailed


def append_csv(path: Path, default_header: Sequence[str], rows: Sequence[dict[str, str]],
               private: bool = False) -> None:
    """Add rows to path under its own header (default_header for a new file); private files are 0600."""
    existing = b""
    header = list(default_header)
    newline = "\n"
    if path.exists():
        try:
            existing = path.read_bytes()
            text = existing.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFailed(f"cannot read {path} to append to it: {exc}") from None
        first = next(csv.reader(io.StringIO(text, newline="")), None)
        if first:
            header = [name.strip() for name in first]
            newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
        missing = sorted({key for row in rows for key, value in row.items() if value} - set(header),
                         key=list(default_header).index)
        if first and missing:
            raise ImportFailed(f"{path} has no column {', '.join(repr(m) for m in missing)} for the imported rows; "
                               f"add {'it' if len(missing) == 1 else 'them'} to its header, or import into a new "
                               "file with --out")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    if not existing.strip():
        existing = b""
        writer.writerow(header)
    elif not existing.endswith(b"\n"):
        buffer.write(newline)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    _replace(path, existing + buffer.getvalue().encode("utf-8"), private)


def _replace(path: Path, data: bytes, private: bool) -> None:
    mode = 0o600 if private else (path.stat().st_mode & 0o777 if path.exists() else 0o644)
    try:
        replace_file(path, data, mode)
    except OSError as exc:
        raise ImportFailed(f"cannot write {path}: {exc.strerror or exc}; it is unchanged") from None
