"""The only place that writes output: whole trees swapped in atomically, single files replaced atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path


def _safe_relative(name: str) -> Path:
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"refusing to write outside the output folder: {name}")
    return relative


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)


def write_files(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write each file via a temporary file and os.replace, leaving other files in folder alone."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        target = folder / _safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def write_tree(target: Path, files: Mapping[str, bytes], finish: Callable[[Path], None] | None = None) -> None:
    """Replace the folder target with exactly these files, or leave it untouched if anything fails.

    The tree is written to a staging folder beside target, then swapped in with
    renames. os.replace cannot replace a non-empty folder, so the old one is
    moved aside first and removed only after the new one is in place.
    `finish` runs on the complete staging folder before the swap (the search indexer).
    """
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.staging-*"):  # from a build that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in target.parent.glob(f".{target.name}.previous-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-"))
    try:
        names = sorted(files)
        for folder in sorted({os.path.dirname(_safe_relative(name)) for name in names} - {""}):
            os.makedirs(staging / folder, exist_ok=True)
        for name in names:
            _write_file(os.path.join(staging, name), files[name])
        if finish is not None:
            finish(staging)
        os.chmod(staging, 0o755)
        previous = None
        if target.exists():
            previous = target.parent / f".{target.name}.previous-{os.getpid()}"
            os.replace(target, previous)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
