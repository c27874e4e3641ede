"""Reading files people edit by hand: size, symlinks, file types, encoding, NUL bytes, BOMs and CRLF.

Each problem becomes a diagnostic with the line where it is, never an exception.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ..diagnostics import Diagnostic, SourceLoc, error, warning

RECORD_LIMIT = 1 << 20          # 1 MiB: an irritant, decision or story is a page of text
FEEDBACK_LIMIT = 256 << 20      # 256 MiB: a year of exports fits in a few batches

BOM = "\ufeff"


def relative(path: Path, root: Path) -> str:
    """The path as diagnostics show it: relative to the repository, with forward slashes."""
    # string slicing, not Path.relative_to: this runs for every one of thousands of files
    full, base = str(path), str(root)
    if full.startswith(base + os.sep):
        return full[len(base) + 1:].replace(os.sep, "/")
    return path.as_posix()


def read_source(path: Path, root: Path, limit: int, diagnostics: list[Diagnostic],
                allow_bom: bool = True) -> str | None:
    """The file's text with newlines normalised, or None after appending why it cannot be read."""
    rel = relative(path, root)
    at = SourceLoc(rel, 1, 1)
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            diagnostics.append(error(at, "symlink", "symbolic link points to a file that does not exist",
                                     "replace the link with the file itself"))
            return None
        if not target.is_relative_to(root.resolve()):
            diagnostics.append(error(at, "symlink", "symbolic link points outside the repository",
                                     "copy the file into the repository instead of linking to it"))
            return None
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            diagnostics.append(_not_a_file(at, status.st_mode))
            return None
        size = status.st_size
        if size > limit:
            diagnostics.append(error(at, "parse", f"file is {size / (1 << 20):.1f} MiB; the limit for this kind of "
                                     f"file is {limit / (1 << 20):.0f} MiB",
                                     "split it into smaller files" if limit > RECORD_LIMIT
                                     else "a record is a page of text; move bulk data to feedback/"))
            return None
        data = _read_regular(path, at, diagnostics)
        if data is None:
            return None
    except OSError as exc:
        diagnostics.append(error(at, "parse", f"cannot read file: {exc.strerror or exc}",
                                 "check the file's permissions"))
        return None
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        col = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        diagnostics.append(error(SourceLoc(rel, line, col), "parse", "file contains a NUL byte (binary data?)",
                                 "save it as plain UTF-8 text"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diagnostics.append(error(SourceLoc(rel, line, col), "parse",
                                 f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                                 "save it as UTF-8 (in Excel: 'CSV UTF-8'; in editors: 'Save with encoding UTF-8')"))
        return None
    if text.startswith(BOM):
        if not allow_bom:
            diagnostics.append(error(at, "front-matter", "file starts with a byte-order mark (BOM)",
                                     "save it as UTF-8 without BOM so the front matter starts with '---'"))
            return None
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


_KINDS = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFDIR: "a folder"}


def _not_a_file(at: SourceLoc, mode: int) -> Diagnostic:
    # opening a named pipe blocks until something writes to it, and opening a device can act on it
    kind = _KINDS.get(stat.S_IFMT(mode), "an unknown kind of file")
    return error(at, "parse", f"not a regular file ({kind}); skipped without reading it",
                 "keep only ordinary text files under backlog/ and feedback/")


def _read_regular(path: Path, at: SourceLoc, diagnostics: list[Diagnostic]) -> bytes | None:
    """The file's bytes, if it is still a regular file once open (it may have been swapped since stat)."""
    # O_NONBLOCK: should a named pipe appear between stat and open, opening it returns at once instead of waiting
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            diagnostics.append(_not_a_file(at, mode))
            return None
        return handle.read()


def list_files(folder: Path, suffixes: tuple[str, ...], root: Path, diagnostics: list[Diagnostic],
               recursive: bool = False) -> list[Path]:
    """Files with one of the suffixes, sorted by name so every run sees the same order.

    A folder that cannot be listed is a located error, not a silent gap: its files would go unchecked. So is a
    file where the folder should be; and a file or folder a person meant to be read but site-gen skips (an
    upper-case suffix, a folder where only files are read) is a warning that says so.
    """
    # not Path(entry.path): that parses the whole path again
    return sorted(current / name for current, name in _listed(folder, suffixes, root, diagnostics, recursive))


def file_names(folder: Path, suffixes: tuple[str, ...], root: Path, diagnostics: list[Diagnostic]) -> list[str]:
    """The names of the files directly in folder that list_files lists, in its order, with its diagnostics: a
    loader that takes most files from the cache makes a path only for those it reads (30,000 paths made for
    nothing were 0.07 s of a cached check)."""
    return sorted(name for _, name in _listed(folder, suffixes, root, diagnostics, False))


def _listed(folder: Path, suffixes: tuple[str, ...], root: Path, diagnostics: list[Diagnostic],
            recursive: bool) -> Iterator[tuple[Path, str]]:
    """Each file list_files lists, as its folder and its name, in no order."""
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except FileNotFoundError:
            continue  # an optional folder that is not there
        except NotADirectoryError:
            diagnostics.append(error(SourceLoc(relative(current, root)), "parse",
                                     "this is a file where site-gen reads a folder; nothing in it was checked",
                                     f"move it aside and make {relative(current, root)}/ a folder of files"))
            continue
        except OSError as exc:
            diagnostics.append(error(SourceLoc(relative(current, root) + "/"), "parse",
                                     f"cannot read folder: {exc.strerror or exc}; its files were not checked",
                                     "give this user read and execute permission on the folder"))
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            if recursive and _is_real_dir(entry):
                pending.append(current / entry.name)
            elif entry.name.endswith(suffixes):
                yield current, entry.name
            else:
                _skipped(current, entry, suffixes, root, diagnostics)


def _skipped(folder: Path, entry: os.DirEntry[str], suffixes: tuple[str, ...], root: Path,
             diagnostics: list[Diagnostic]) -> None:
    """A warning for what looks meant to be read but is not: 'Export.CSV' (suffixes are read in lower case), a
    folder where only the files directly inside are read. Anything else (a README, notes) is left alone."""
    where = relative(folder / entry.name, root)
    suffix = next((s for s in suffixes if entry.name.lower().endswith(s)), None)
    if suffix is not None:
        diagnostics.append(warning(SourceLoc(where), "parse", f"this file is ignored: site-gen reads {suffix} "
                                   "files, in lower case", f"rename it to {entry.name[:-len(suffix)]}{suffix}"))
    elif _is_real_dir(entry):
        diagnostics.append(warning(SourceLoc(where + "/"), "parse",
                                   f"this folder is ignored: site-gen reads the files directly in "
                                   f"{relative(folder, root)}/", f"move its files up into {relative(folder, root)}/, "
                                   "or start the folder's name with '.' to keep it aside"))
    elif entry.is_symlink() and os.path.isdir(entry.path):
        # never followed: a link could lead out of the repository, or back into a folder already read
        diagnostics.append(warning(SourceLoc(where), "symlink", "this link to a folder is not followed; nothing "
                                   "behind it was read", f"copy the files it leads to into {relative(folder, root)}/"))


def _is_real_dir(entry: os.DirEntry[str]) -> bool:
    # like os.walk: a link to a folder is not followed, so a link cannot make the walk loop
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False
