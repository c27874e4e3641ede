"""Replacing one file of the team's repository in place: a temporary file beside it, then a rename.

A crash leaves the old file or the new one, never half of either. Used by the commands that edit files a
person also edits (`reviewed`, `import`); the sites are written by write.py, which swaps whole folders.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes, mode: int) -> None:
    """Write data to path atomically with the given permission bits; raises OSError, leaving path as it was.

    A symbolic link stays: the file it leads to is replaced, as an editor saves through it (the loader reads a
    record through a link inside the repository, and the commands that call this refuse one leading out)."""
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
