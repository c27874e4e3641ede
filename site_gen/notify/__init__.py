"""`site-gen notify`: tell the customers whose feedback led to a change (plan.py), write the messages
(message.py), and deliver them through SMTP recording each in the ledger (send.py).

This module holds the few file-system edges: where the repository ends (contacts and output must stay
outside it), reading the contacts export, writing the output folder.
"""

from __future__ import annotations

import os
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path, PurePosixPath

from ..errors import SiteGenError
from .contacts import Contacts, ContactsError, parse_contacts
from .plan import NotifyError

__all__ = ["NotifyError", "repository_top", "read_contacts", "write_output", "sender_address", "MARKER"]

MARKER = ".site-gen-notify"
_MARKER_TEXT = "site-gen notify output: customer addresses, do not commit\n"


def repository_top(root: Path) -> Path:
    """The folder the repository starts at: the nearest ancestor holding .git, else the backlog folder."""
    root = root.resolve()
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(repository_top(root))


def read_contacts(path: Path, root: Path) -> Contacts:
    """The contacts export; refused when it lies inside the repository, where git could commit addresses."""
    if _inside(path, root):
        raise NotifyError(f"the contacts file {path} is inside the repository ({repository_top(root)}): keep "
                          "customer addresses outside it, e.g. in your home folder, so they are never committed")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotifyError(f"cannot read the contacts file {path}: {exc}") from None
    try:
        return parse_contacts(text)
    except ContactsError as exc:
        raise NotifyError(f"the contacts file {path} cannot be used: {exc}") from None


def write_output(out: Path, root: Path, files: dict[str, bytes]) -> None:
    """Write the messages and the CSV into out, readable by their owner only (they hold addresses).

    out must lie outside the repository, and be absent, empty or a previous notify output (which is replaced).
    A folder that cannot be read or written (read-only, another user's) is one line (SiteGenError), not a traceback.
    """
    if _inside(out, root):
        raise NotifyError(f"--out {out} is inside the repository: the messages hold customer addresses; "
                          "write them outside it")
    try:
        _clear(out)
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        # the marker lists what this run writes: a file put beside them later is named, never deleted (_foreign)
        marker = "".join(f"{name}\n" for name in [_MARKER_TEXT.rstrip("\n"), *sorted(files)]).encode()
        for name, data in sorted({MARKER: marker, **files}.items()):
            target = out / name
            for folder in reversed(target.relative_to(out).parents[:-1]):
                (out / folder).mkdir(mode=0o700, exist_ok=True)
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise SiteGenError(f"cannot write the messages into {out}: {exc.strerror or exc}{where}") from None


def _clear(out: Path) -> None:
    """Empty a previous notify output; NotifyError, nothing removed, when out is anything else."""
    if not os.path.lexists(out):   # lexists: a link to nowhere is not "absent" (mkdir would fail on it)
        return
    if not out.is_dir() or out.is_symlink():
        raise NotifyError(f"--out {out} is not a folder")
    entries = list(out.iterdir())
    listed = _listed(out)
    if entries and listed is None:
        raise NotifyError(f"--out {out} is not empty and was not written by site-gen notify: "
                          "choose a new folder")
    foreign = _foreign(out, listed) if listed else None
    if foreign is not None:
        raise NotifyError(f"--out {out} holds {foreign}, which site-gen notify did not write: move it away "
                          "(notify replaces the whole folder) or choose a new folder")
    for entry in sorted(entries, reverse=True):
        _remove(entry)


def _listed(out: Path) -> list[str] | None:
    """What the marker of a notify output lists ([] for an older site-gen's marker of one line, which vouches for
    the whole folder); None when out holds no marker notify wrote: no file of that name, a link (to whatever
    marker), a pipe, or a file whose first line is not notify's."""
    from ..incremental import read_regular
    text = read_regular(out / MARKER)
    lines = text.decode("utf-8", "replace").splitlines() if text is not None else []
    return lines[1:] if lines[:1] == [_MARKER_TEXT.rstrip("\n")] else None


def _foreign(out: Path, listed: list[str]) -> str | None:
    """A file or folder in a notify output that its marker does not list."""
    from ..write import names_under
    known = {*listed, *(str(parent) for name in listed for parent in PurePosixPath(name).parents)}
    return next((name for name in names_under(out, MARKER, with_folders=True) if name not in known), None)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        for child in entry.iterdir():
            _remove(child)
        entry.rmdir()
    else:
        entry.unlink()


def sender_address(configured: str | None, fallback: Address) -> Address:
    """SITE_GEN_SMTP_FROM ('Name <address>' or an address), else the fallback."""
    if not configured:
        return fallback
    name, address = parseaddr(configured)
    try:
        if "@" not in address:
            raise ValueError(address)
        return Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError):
        raise NotifyError(f"SITE_GEN_SMTP_FROM is not an e-mail address: {configured!r}") from None
