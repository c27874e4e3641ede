"""The only place that writes output: both sites swapped in as one, single files replaced atomically.

Ownership. site-gen replaces OUT/public and OUT/internal only when they are
absent, empty, or carry its marker file (`.site-gen-output`, JSON: format,
tool, build id, the names of the site's files; it is published with the public
site, so it holds nothing internal) and no file the marker does not name.
It refuses outright when the repository or its sources would be at or under
an output folder, when an output folder would land inside the
sources, and when OUT is `/` or the home folder (`UnsafeOutput`, a usage error).

The pair swap. Both sites are staged completely in OUT/.site-gen-staging
(public with its search index, then internal), then swapped in with two
folder renames each (old aside into OUT/.site-gen-previous, new in). Two
renames are not one step, so a journal (OUT/.site-gen-swap.json, written
atomically) marks the commit point: a process killed before it leaves both
old sites, one killed after it is rolled forward by the next build — any
build, even one the check refuses — before it does anything else. We chose
the journal over "both sites are symlinks into one versioned folder swapped
by one rename" because hosts and users copy `_site/public` with tools
(`cp -r`, artifact uploaders, rsync without -L) that copy a symlinked top
folder as a link or not at all. The price: a reader who looks in the
microseconds between the two renames of a killed build sees a new public
site beside the old internal one until the next build runs.

Concurrency. A lock (flock on OUT/.site-gen.lock, removed when the build
ends) stops a second build writing to the same OUT. Termination signals are
held while the journal and renames are written; SIGKILL cannot be, which is
what the journal is for. This protects against a killed or crashed process,
not a power cut (nothing is fsynced).

site-gen's own names in OUT. The lock and the journal are files with
site-gen's words in them ("site-gen build lock: pid N"; the journal's JSON with
"tool": "site-gen"), each written whole before it gets its name and never
written over another file; the staging and previous folders carry the marker.
What has one of those names and is not site-gen's (a user's file, a link, a
pipe, a folder) stops the build (UnsafeOutput) and is left as it is; recovery
moves and removes only site-gen's folders. A lock or journal an older
site-gen left is still recognised: its lock held the pid alone, its journal
is the same JSON, written first to OUT/.site-gen-swap.json.tmp.

Fault injection (tests and benchmarks/kill_stress.py only): when the
environment variable SITE_GEN_FAULT names one of FAULT_POINTS, the process
sends itself SIGKILL at that point (`POINT:TERM` sends SIGTERM instead).
"""

from __future__ import annotations

import errno
import filecmp
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputBusy, UnsafeOutput, WriteFailed
from .incremental import Kept, read_regular


@dataclass(frozen=True, slots=True)
class Staged:
    """A file written into the staging folder as it was rendered (SiteSpool): its bytes are not kept in memory."""

    sha256: bytes
    size: int


# a file's bytes, a file of the current output reused as it is (hard-linked), or a file already staged
Content = bytes | Kept | Staged

MARKER = ".site-gen-output"
FORMAT = 1
LOCK = ".site-gen.lock"
JOURNAL = ".site-gen-swap.json"
OLDER_JOURNAL_DRAFT = JOURNAL + ".tmp"   # where an older site-gen wrote its journal before naming it
STAGING = ".site-gen-staging"
PREVIOUS = ".site-gen-previous"
AUDIENCES = ("public", "internal")
FAULT_POINTS = ("after-staging", "after-commit", "between-sites", "during-cleanup")




def _safe_relative(name: str) -> str:
    """A site's file name, refused when it would lead out of the site's folder (checked as text: a site has
    20,000 names)."""
    if name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"refusing to write outside the output folder: {name}")
    return name


def _make_folders(folder: Path, names: Iterable[str]) -> None:
    """The folders these files go in, under folder (most exist once one level does: a page is index.html in a
    folder of its own, so a site has as many folders as pages)."""
    for sub in sorted({os.path.dirname(_safe_relative(name)) for name in names} - {""}):   # parents first
        path = os.path.join(folder, sub)
        try:
            os.mkdir(path)
        except FileExistsError:
            pass
        except FileNotFoundError:   # a parent no file sits in directly
            os.makedirs(path, exist_ok=True)


def _write_file(path: str, data: bytes) -> None:
    """Every byte of a site goes through here (tests inject disk errors at this seam)."""
    with open(path, "wb") as stream:
        stream.write(data)


def _fault(point: str) -> None:
    """Kill this process at a named point of the swap when SITE_GEN_FAULT asks for it (tests only)."""
    wanted, _, how = os.environ.get("SITE_GEN_FAULT", "").partition(":")
    if point and wanted == point:
        os.kill(os.getpid(), signal.SIGTERM if how == "TERM" else signal.SIGKILL)


def write_file(target: Path, data: bytes) -> None:
    """One file, via a temporary file beside it and os.replace: a reader sees the old bytes or the new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- ownership -------------------------------------------------------------------------------

def _marker_data(folder: Path) -> dict[str, object] | None:
    marker = folder / MARKER
    try:
        if marker.is_symlink() or not marker.is_file():
            return None
        data = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == "site-gen" else None


def _file_names(folder: Path) -> list[str]:
    """Every file and link under folder but the marker, relative to it, with '/' (links are not followed)."""
    return names_under(folder, MARKER)


def names_under(folder: Path, marker: str, with_folders: bool = False) -> list[str]:
    """Every file and link under folder but its top-level marker, relative to it, with '/' (links are not
    followed), and each real folder too `with_folders`: what an output folder holds, to compare with the list its
    marker keeps (the sites here, notify's outbox)."""
    # scandir's entry types, not os.walk's lstat of each subfolder: a 10,000-story site is 10,000 folders, and
    # each build lists its sites before replacing them (0.8 s with os.walk under load, 0.3 s so)
    names = []
    pending = [(str(folder), "")]
    while pending:
        here, prefix = pending.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                    if with_folders:
                        names.append(prefix + entry.name)
                elif prefix or entry.name != marker:
                    names.append(prefix + entry.name)
    return sorted(names)


def _foreign_file(folder: Path, marker: Mapping[str, object]) -> str | None:
    """A file in a marked folder that the build which marked it did not write: a CNAME put there for the host,
    or files beside a marker copied from another output. A marker without its list of files (an older site-gen's,
    or a staging folder's) vouches for the whole folder."""
    written = marker.get("files")
    if not isinstance(written, list):
        return None
    known = set(written)
    return next((name for name in _file_names(folder) if name not in known), None)


def _ours(path: Path, whole: bool = True) -> bool:
    """site-gen may replace path: it is absent, an empty folder, or a folder carrying site-gen's marker and only
    the files that marker lists (not `whole`: the marker alone, without listing the folder)."""
    if not os.path.lexists(path):
        return True
    if path.is_symlink() or not path.is_dir():
        return False
    try:
        marker = _marker_data(path)
        return (marker is not None and (not whole or _foreign_file(path, marker) is None)) or not any(path.iterdir())
    except OSError:
        return False


def _marked(path: Path) -> bool:
    """A folder (not a link) carrying site-gen's marker: what a build may read its unchanged files from."""
    return not path.is_symlink() and path.is_dir() and _marker_data(path) is not None


def _not_ours(path: Path, shown: Path) -> UnsafeOutput:
    if path.is_symlink():
        return UnsafeOutput(f"{shown} is a symbolic link; site-gen replaces only folders it created. "
                            "Remove the link or choose another --out.")
    if not path.is_dir():
        return UnsafeOutput(f"{shown} exists and is not a folder site-gen created. "
                            "Move it away or choose another --out.")
    marker = _marker_data(path)
    try:
        foreign = _foreign_file(path, marker) if marker is not None else None
    except OSError as exc:   # a subfolder this user may not read: its files cannot be told site-gen's
        return UnsafeOutput(f"cannot list {shown} ({exc.strerror or exc}: {exc.filename}); site-gen lists a site's "
                            "files before replacing it. Make it readable, or move it away, or choose another --out.")
    if foreign is not None:
        return UnsafeOutput(f"{shown} holds {foreign}, which site-gen did not write; move it away (site-gen replaces "
                            "the whole folder) or choose another --out.")
    return UnsafeOutput(f"{shown} holds files site-gen did not write (no {MARKER} marker). Move them away or choose "
                        "another --out (if it is the output of an older site-gen, delete it and build again).")


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise UnsafeOutput(f"cannot resolve {path}: {exc}. Choose another --out.") from None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output(out: Path, audiences: tuple[str, ...], sources: Mapping[str, Path], whole: bool = True) -> None:
    """Refuse (UnsafeOutput) an OUT whose OUT/<audience> site-gen may not replace; writes nothing.

    `sources` names the repository's folders ({"repository": root, "templates folder": …}): none may be at or
    under an output folder, and no output folder may be inside one of them except the repository root. Not
    `whole`: a marked OUT/<audience> is not listed for files its marker does not name (Output does that once,
    just before it swaps the sites in, so that a file put there while the build rendered is found too; a build
    that reuses its last run writes nothing, and 10,000 story folders take a tenth of a second or more to list).
    """
    real_out = _resolve(out)
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        home = None
    if real_out == Path(real_out.anchor) or real_out == home:
        what = "your home folder" if real_out == home else "the root folder"
        raise UnsafeOutput(f"refusing to build into {out}: it is {what}, and site-gen replaces {out / 'public'} and "
                           f"{out / 'internal'}. Choose a folder of its own, e.g. --out _site.")
    for audience in audiences:
        target, shown = real_out / audience, out / audience
        real_target = _resolve(target)
        for label, source in sources.items():
            real_source = _resolve(source)
            if _inside(real_source, real_target):
                raise UnsafeOutput(f"refusing to replace {shown}: the {label} ({real_source}) is at or under it. "
                                   "Choose another --out (the default is _site).")
            if label != "repository" and _inside(real_target, real_source):
                raise UnsafeOutput(f"refusing to write {shown}: it is inside the repository's {label} ({real_source}). "
                                   "Choose another --out (the default is _site).")
        if not _ours(target, whole):
            raise _not_ours(target, shown)


# --- lock, journal, recovery -------------------------------------------------------------------

def _not_site_gens(path: Path, what: str) -> UnsafeOutput:
    """What has one of site-gen's own names in OUT (`what`: its build lock, its swap journal) but is not site-gen's:
    named, and left as it is."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = stat.S_IFREG
    kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
            else "a file site-gen did not write" if stat.S_ISREG(mode) else "not a regular file")
    return UnsafeOutput(f"{path} is {kind}, not site-gen's {what} (site-gen uses that name in its output folder). "
                        "Move it away or choose another --out.")


def _create_whole(path: Path, data: bytes, hold: bool = False) -> int:
    """A new file at path holding `data` from the moment it has that name (flock'ed before, with `hold`), as an
    open descriptor. FileExistsError when anything has that name already: nothing is ever written over.

    Created under its name and then written, the lock of a build killed in between would be an empty file, which
    no later build could tell from a user's: so the file is written unnamed (O_TMPFILE) and then linked to its
    name, or, where the file system cannot, written under a temporary name first."""
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        if getattr(os, "O_TMPFILE", 0) and os.path.isdir("/proc/self/fd"):
            try:
                descriptor = os.open(path.parent, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                    raise
            else:
                return _named(descriptor, f"/proc/self/fd/{descriptor}", folder, path.name, data, hold)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
        try:
            return _named(descriptor, temporary, folder, path.name, data, hold)
        finally:
            with suppress(OSError):
                os.unlink(temporary)
    finally:
        os.close(folder)


def _named(descriptor: int, source: str, folder: int, name: str, data: bytes, hold: bool) -> int:
    """Write data to the new file open at descriptor (and flock it, with `hold`), then link it as `name` into the
    folder open at `folder`."""
    try:
        if hold:
            import fcntl
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.write(descriptor, data) != len(data):
            raise OSError(errno.EIO, "short write", name)
        # a folder descriptor makes os.link call linkat, which follows /proc/self/fd/N to the unnamed file
        os.link(source, name, dst_dir_fd=folder, follow_symlinks=True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


# what site-gen writes into its lock; an older site-gen's lock held the pid alone
_LOCK_TEXT = re.compile(rb"site-gen build lock: pid (\d+)\n|(\d+)\n")


def _lock_text(pid: int) -> bytes:
    return f"site-gen build lock: pid {pid}\n".encode()


def _lock_holder(text: bytes) -> str | None:
    """The pid a site-gen lock names; None when the text is no site-gen lock."""
    found = _LOCK_TEXT.fullmatch(text)
    return None if found is None else (found[1] or found[2]).decode()


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold OUT's lock, or raise OutputBusy naming the build that holds it (UnsafeOutput when a file of the lock's
    name is not one site-gen made).

    The lock file appears whole and held (_create_whole). It is removed on release, if it is still the one made
    here; a killed build's is removed by the next build before it makes its own (_remove_stale_lock).
    """
    try:
        import fcntl  # noqa: F401 (only to know whether there are advisory locks)
    except ImportError:  # Windows: no advisory locks through fcntl; builds are not serialised there
        yield
        return
    path = out / LOCK
    while True:
        try:
            descriptor = _create_whole(path, _lock_text(os.getpid()), hold=True)
            break
        except FileExistsError:
            _remove_stale_lock(path)
    try:
        yield
    finally:
        with suppress(OSError):
            if os.path.samestat(os.fstat(descriptor), os.lstat(path)):   # not a file put in its place meanwhile
                os.unlink(path)
        os.close(descriptor)


def _remove_stale_lock(path: Path) -> None:
    """Remove the lock a killed build left at path, or return when it has gone meanwhile; raise OutputBusy while a
    build holds it, and UnsafeOutput when what has the lock's name is not a lock site-gen made (left as it is)."""
    import fcntl
    try:
        seen = os.lstat(path)
        if not stat.S_ISREG(seen.st_mode):
            raise _not_site_gens(path, "build lock")
        # O_NONBLOCK: should a named pipe be put there after the lstat, the open returns at once
        descriptor = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.samestat(os.fstat(descriptor), seen):
            return   # replaced since: look again
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(os.pread(descriptor, 64, 0)) or "?"
            raise OutputBusy(f"another site-gen build is writing to {path.parent} (pid {holder}); "
                             "wait for it to finish") from None
        if _lock_holder(os.pread(descriptor, 64, 0)) is None:
            raise _not_site_gens(path, "build lock")
        with suppress(FileNotFoundError):
            # still the file just locked: no other build can be using it (a build removes only a lock it holds)
            if os.path.samestat(os.lstat(path), seen):
                os.unlink(path)
    finally:
        os.close(descriptor)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGTERM, SIGINT and SIGHUP for the few renames that must not be split (delivered right after)."""
    held = {signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", signal.SIGTERM)}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _make_ours(folder: Path, marker: bytes) -> None:
    os.mkdir(folder)
    _write_file(os.path.join(folder, MARKER), marker)


def _swap_one(out: Path, audience: str) -> None:
    """Move OUT/<audience> aside and the staged one in; idempotent, so recovery can run it again."""
    new, current, old = out / STAGING / audience, out / audience, out / PREVIOUS / audience
    if not os.path.lexists(new):
        return  # already swapped
    if os.path.lexists(current):
        if not os.path.lexists(old.parent):
            _make_ours(old.parent, _marker(""))
        os.rename(current, old)
    os.rename(new, current)


def _swap_back(out: Path, audiences: list[str]) -> None:
    """Undo a swap an error stopped (a folder that cannot be moved), last site first: each back as it was before
    the journal, which goes last. Killed halfway, the journal is still there and the next build swaps forward."""
    for audience in reversed(audiences):
        new, current, old = out / STAGING / audience, out / audience, out / PREVIOUS / audience
        if not os.path.lexists(new) and os.path.lexists(current):   # swapped: the new site goes back to staging
            os.rename(current, new)
        if os.path.lexists(old) and not os.path.lexists(current):
            os.rename(old, current)
    (out / JOURNAL).unlink()


def _remove_ours(folder: Path, fault: str = "") -> None:
    """Remove a staging or previous folder, its marker last: a removal cut short is still recognisably ours.
    Anything else of that name (a link, a user's folder put there while a build ran) is left as it is."""
    if not os.path.lexists(folder) or not _ours(folder, whole=False):
        return
    for child in sorted(folder.iterdir()):
        if child.name == MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
        _fault(fault)
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def _remove_quietly(folder: Path, fault: str = "") -> None:
    try:
        _remove_ours(folder, fault)
    except OSError:
        pass  # the next build removes what is left


def _remove_leftovers(out: Path) -> None:
    for name in (STAGING, PREVIOUS):
        folder = out / name
        if not _ours(folder):
            raise _not_ours(folder, folder)
        _remove_ours(folder)


def recover(out: Path) -> None:
    """Finish a swap a killed build had committed to, then remove what killed builds left (caller holds the lock).
    Only site-gen's folders are moved or removed: anything else stops the recovery, with nothing touched."""
    journal = out / JOURNAL
    sites = _journal_sites(journal)
    if sites is not None:
        _check_swappable(out, sites)
        with _signals_held():
            for audience in sites:
                _swap_one(out, audience)
            journal.unlink()
    if _committed_sites(read_regular(out / OLDER_JOURNAL_DRAFT, 4096)) is not None:
        (out / OLDER_JOURNAL_DRAFT).unlink()   # an older site-gen's draft journal: never committed
    _remove_leftovers(out)


def _committed_sites(text: bytes | None) -> list[str] | None:
    """The sites a swap journal commits to; None when the text is not a journal site-gen wrote."""
    try:
        fields = json.loads(text) if text is not None else None
    except ValueError:
        return None
    sites = fields.get("sites") if isinstance(fields, dict) and fields.get("tool") == "site-gen" else None
    if not isinstance(sites, list) or not all(isinstance(site, str) and site in AUDIENCES for site in sites):
        return None
    return sites if 0 < len(sites) == len(set(sites)) else None


def _journal_sites(journal: Path) -> list[str] | None:
    """The sites a killed build's journal commits to; None without a journal; UnsafeOutput (nothing touched) when
    the file of that name is not a journal site-gen wrote (a link, a pipe, a folder, other words)."""
    if not os.path.lexists(journal):
        return None
    sites = _committed_sites(read_regular(journal, 4096))
    if sites is None:
        raise _not_site_gens(journal, "swap journal")
    return sites


def _check_swappable(out: Path, sites: list[str]) -> None:
    """Before recovery swaps: the staging and previous folders are site-gen's, each staged site a marked folder, and
    each site it moves aside site-gen's too (a file put into it since the kill would go with it)."""
    for name in (STAGING, PREVIOUS):
        if not _ours(out / name):
            raise _not_ours(out / name, out / name)
    for audience in sites:
        staged, current = out / STAGING / audience, out / audience
        if not os.path.lexists(staged):
            continue   # swapped already
        if not _marked(staged):
            raise _not_ours(staged, staged)
        if not _ours(current):
            raise _not_ours(current, current)


def _write_journal(out: Path, audiences: list[str]) -> None:
    """The commit point: the journal appears whole under its name (_create_whole), over nothing."""
    text = json.dumps({"format": FORMAT, "tool": "site-gen", "sites": audiences}).encode()
    try:
        os.close(_create_whole(out / JOURNAL, text))
    except FileExistsError:
        raise _not_site_gens(out / JOURNAL, "swap journal") from None


# --- the build's output ----------------------------------------------------------------------

def _marker(build_id: str, files: list[str] | None = None) -> bytes:
    """The marker; with `files`, the names of every file of the site, so that the next build can tell one it did
    not write (the public site's names are public anyway: every file of it is published)."""
    fields: dict[str, object] = {"format": FORMAT, "tool": "site-gen", "build": build_id}
    if files is not None:
        fields["files"] = files
    return (json.dumps(fields) + "\n").encode()


def sha256_of(data: Content) -> bytes:
    return data.sha256 if isinstance(data, Kept | Staged) else hashlib.sha256(data).digest()


def build_id(sites: Mapping[str, Mapping[str, Content]]) -> str:
    """Names the pair a build writes into both markers: a digest of the public site's files (else the internal's).

    Only public content goes into it, since the public marker is published; two builds with the same public
    site get the same id, and then an old internal site beside it is still a consistent pair.
    """
    site = sites.get("public", sites.get("internal", {}))
    return _build_id({name: sha256_of(data) for name, data in site.items()})


def _build_id(hashes: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(hashes):
        digest.update(name.encode() + b"\0" + hashes[name])
    return digest.hexdigest()[:16]


def marker_for(hashes: Mapping[str, bytes], folder: Path, written: Iterable[str]) -> bytes:
    """The marker for a site `folder` whose files `written` were just replaced in place (serve's fast path) when
    the public site's files have these SHA-256s: the folder's list of files kept, so that the next build still
    tells a file put in beside them (a marker without the list would vouch for the whole folder)."""
    current = _marker_data(folder)
    listed = current.get("files") if current is not None else None
    files = sorted({*listed, *written}) if isinstance(listed, list) else None
    return _marker(_build_id(hashes), files)


def _same_file(current: str, data: bytes) -> bool:
    """The current output file is a plain file holding exactly these bytes."""
    try:
        status = os.lstat(current)
        if not stat.S_ISREG(status.st_mode) or status.st_size != len(data):
            return False
        with open(current, "rb") as stream:
            return stream.read(len(data) + 1) == data
    except OSError:
        return False


def _same_files(current: str, staged: str, size: int) -> bool:
    """The current output file is a plain file with the staged file's bytes."""
    try:
        status = os.lstat(current)
        return stat.S_ISREG(status.st_mode) and status.st_size == size and filecmp.cmp(current, staged, shallow=False)
    except OSError:
        return False


def _link_over(existing: str, target: str) -> bool:
    """Replace the staged target by a hard link of the current output's file; False (target kept) if impossible."""
    temporary = target + ".site-gen-link"
    try:
        os.link(existing, temporary, follow_symlinks=False)
        os.replace(temporary, target)
    except OSError:
        with suppress(OSError):
            os.unlink(temporary)
        return False
    return True


def _stage(folder: Path, files: Mapping[str, Content], marker: bytes, current: Path | None = None) -> list[str]:
    """Write a site into folder; a file whose bytes equal the current output's is staged as a hard link of it.

    A linked file keeps its inode and modification time through the swap, so rsync and Pages deploys skip it.
    The folder may hold files a SiteSpool wrote already (Staged): only its marker is written again then.
    Returns the names of the files written anew (not linked).
    """
    if os.path.isdir(folder):
        _write_file(os.path.join(folder, MARKER), marker)
    else:
        _make_ours(folder, marker)
    names = sorted(files)
    _make_folders(folder, names)
    written: list[str] = []
    for name in names:
        target, data = os.path.join(folder, name), files[name]
        if isinstance(data, Staged):
            if current is None or name == MARKER or not _same_files(os.path.join(current, name), target, data.size) \
                    or not _link_over(os.path.join(current, name), target):
                written.append(name)
            continue
        if isinstance(data, Kept):  # the caller checked it is still the file it recorded
            if current is None:
                raise OSError(f"cannot reuse {name}: no current output")
            try:
                os.link(os.path.join(current, name), target, follow_symlinks=False)
            except OSError:
                shutil.copy2(os.path.join(current, name), target, follow_symlinks=False)
            continue
        if current is not None and name != MARKER:
            existing = os.path.join(current, name)
            if _same_file(existing, data):
                try:
                    os.link(existing, target, follow_symlinks=False)
                    continue
                except OSError:
                    pass  # another file system, or links not allowed: write the bytes
        _write_file(target, data)
        written.append(name)
    return written


def _recorded(folder: Path, files: Mapping[str, Content]) -> dict[str, Kept]:
    """Each staged file's SHA-256 and stat (a rename keeps both): what a later build checks before reusing it."""
    out: dict[str, Kept] = {}
    for name, data in files.items():
        status = os.lstat(os.path.join(folder, name))
        out[name] = Kept(sha256_of(data), (status.st_ino, status.st_size, status.st_mtime_ns))
    return out


def keep_folder(current: Path, staged: Path) -> bool:
    """Stage a folder of the current output (the search index) unchanged, as hard links; False if it is absent."""
    if not current.is_dir() or current.is_symlink():
        return False
    try:
        shutil.copytree(current, staged, symlinks=True, copy_function=os.link)
    except (OSError, shutil.Error):
        shutil.rmtree(staged, ignore_errors=True)
        return False
    return True


def _write_error(exc: OSError, out: Path, what: str) -> WriteFailed:
    where = f" ({exc.filename})" if exc.filename else ""
    return WriteFailed(f"cannot write the sites to {out}: {exc.strerror or exc}{where}. {what}")


class SiteSpool(dict[str, Content]):
    """One site's files, each written into the staging folder as soon as it is set (`spool[path] = data`; bytes
    put in otherwise are written by Output.write, as without a spool): the mapping keeps a staged file's hash
    and size, not its bytes. The two sites of 10,000 stories are 225 MB,
    a quarter of a build's memory when they were all held until the write. Output.spool makes one."""

    def __init__(self, folder: Path, shown: Path) -> None:
        super().__init__()
        self.folder = folder
        self.shown = shown   # OUT as the user wrote it, for the error
        self._folders: set[str] = {""}

    def __setitem__(self, path: str, data: Content) -> None:
        if isinstance(data, bytes):
            parent = os.path.dirname(_safe_relative(path))
            try:
                if parent not in self._folders:
                    os.makedirs(self.folder / parent, exist_ok=True)
                    self._folders.add(parent)
                _write_file(os.path.join(self.folder, path), data)
            except OSError as exc:
                raise _write_error(exc, self.shown, "The previous sites are unchanged.") from None
            data = Staged(hashlib.sha256(data).digest(), len(data))
        super().__setitem__(path, data)


class Output:
    """OUT, claimed for one build: checked on creation, locked and recovered while in use, then written once.

        with Output(out, ("public", "internal"), sources) as output:   # UnsafeOutput, OutputBusy
            ...check and render...
            output.write(sites, finish)                               # WriteFailed
    """

    def __init__(self, out: Path, audiences: tuple[str, ...], sources: Mapping[str, Path]):
        self.shown = out
        self.audiences = audiences
        self.sources = sources
        check_output(out, audiences, sources, whole=False)
        # the very folder check_output judged: "a/../public/.." is resolved once, not re-read by the OS
        # component by component while writing (where a missing "public" would fail half-way)
        self.out = _resolve(out)
        self._held = ExitStack()
        self._claimed = False
        self.changed: dict[str, list[str]] = {}   # audience -> files written anew by write(); the rest are links
        self.files: dict[str, dict[str, Kept]] = {}  # audience -> every file written, with its hash and stat
        self._spooled = False
        self._staged: set[str] = set()   # audiences staged whole before write() (stage())
        self._written = False
        self._created: list[Path] = []   # folders this build made for OUT, deepest first
        self._cleanup: threading.Thread | None = None   # removing the sites swapped out (write)

    def __enter__(self) -> Output:
        if self.out.is_dir():  # else nothing to recover yet: OUT is created when there is something to write
            try:
                self._claim()
            except BaseException:
                self._held.close()  # `with` calls __exit__ only once __enter__ has returned
                raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._cleanup is not None:
                self._cleanup.join()   # under the lock: the next build finds no half-removed folder being removed
            if self._spooled and not os.path.lexists(self.out / JOURNAL):
                _remove_quietly(self.out / STAGING)   # a build that stopped before its write: pages spooled for nothing
        finally:
            self._held.close()
            self._claimed = False
        if not self._written:   # nothing written: the folders made for OUT go too, as if the build never started
            for folder in self._created:
                try:
                    os.rmdir(folder)
                except OSError:
                    break

    def spool(self, audience: str) -> SiteSpool:
        """A mapping that writes the site's files into the staging folder as they are rendered (write() then
        stages only what is not there yet); until write(), the previous sites stay as they are."""
        if not self._claimed:
            self._claim()
        staging = self.out / STAGING
        try:
            if not os.path.lexists(staging):
                _make_ours(staging, _marker(""))
            self._spooled = True
            _make_ours(staging / audience, _marker(""))
        except OSError as exc:
            raise _write_error(exc, self.shown, "The previous sites are unchanged.") from None
        return SiteSpool(staging / audience, self.shown)

    def _claim(self) -> None:
        missing = self.out
        while not os.path.lexists(missing) and missing.parent != missing:
            self._created.append(missing)
            missing = missing.parent
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _write_error(exc, self.shown, "Nothing was written.") from None
        try:
            self._held.enter_context(_locked(self.out))
        except OSError as exc:
            raise _write_error(exc, self.shown, "Nothing was written.") from None
        self._claimed = True
        try:
            recover(self.out)
        except OSError as exc:
            raise _write_error(exc, self.shown, "An interrupted build's swap could not be finished; fix this "
                                                "and build again.") from None
        check_output(self.shown, self.audiences, self.sources, whole=False)  # again, now nobody else is writing

    def _judge_whole(self, audiences: Iterable[str]) -> None:
        """Just before the swap, under the lock: each site folder holds only what its marker lists (a CNAME put
        there for the host, even while this build rendered, would go with the folder), and nothing has taken the
        names the swap is about to use (recovery removed what site-gen had left under them)."""
        for audience in audiences:
            target = self.out / audience
            if not _ours(target):
                raise _not_ours(target, self.shown / audience)
        if os.path.lexists(self.out / PREVIOUS):   # the old sites would be moved into it
            raise _not_ours(self.out / PREVIOUS, self.shown / PREVIOUS)
        if os.path.lexists(self.out / JOURNAL):
            raise _not_site_gens(self.out / JOURNAL, "swap journal")

    @property
    def staging(self) -> Path:
        return self.out / STAGING

    def stage(self, audience: str, files: Mapping[str, Content]) -> list[str]:
        """Stage one whole site now, before the others are rendered (the search indexer can start on the public
        one); write() then only swaps it. Returns the names of its files written anew, as write() records them."""
        if not self._claimed:
            self._claim()
        staging = self.out / STAGING
        try:
            if not os.path.lexists(staging):
                _make_ours(staging, _marker(""))
            self._spooled = True   # removed by __exit__ should the build stop before its write
            changed = self._stage_site(audience, files, _marker(build_id({audience: files})))
        except OSError as exc:
            raise _write_error(exc, self.shown, "The previous sites are unchanged.") from None
        self._staged.add(audience)
        return changed

    def _stage_site(self, audience: str, files: Mapping[str, Content], marker: bytes) -> list[str]:
        """Stage one site (unchanged files as links of OUT's) and record what was written: its new files' names."""
        current = self.out / audience
        # current is only read from here (its unchanged files hard-linked); write() lists it before the swap
        changed = _stage(self.out / STAGING / audience, files, marker, current if _marked(current) else None)
        self.changed[audience] = changed
        self.files[audience] = _recorded(self.out / STAGING / audience, files)
        return changed

    def write(self, sites: Mapping[str, Mapping[str, Content]],
              finish: Callable[[Path, list[str]], None] | None = None) -> None:
        """Stage every site (public first; `finish` runs on the staged public site with the names of the files
        written anew: the search indexer), then swap. Files whose bytes did not change are hard links of the
        current output's (self.changed names the others, per audience).

        An error leaves the previous sites whole: before the journal is written nothing was swapped, after it
        what was is swapped back. If this process dies after the journal, the next build finishes the swap.
        """
        if not self._claimed:
            self._claim()
        out, staging = self.out, self.out / STAGING
        pair = build_id(sites)
        marker = _marker(pair)
        try:
            if self._spooled:
                _write_file(str(staging / MARKER), marker)
            else:
                _make_ours(staging, marker)
            for audience, files in sites.items():
                # a site stage() staged already: its marker names this same pair (the public site's id)
                changed = (self.changed[audience] if audience in self._staged
                           else self._stage_site(audience, files, marker))
                if audience == "public" and finish is not None:
                    finish(staging / audience, changed)
            for audience in sites:   # complete now, search index included: the marker lists what it holds
                _write_file(str(staging / audience / MARKER), _marker(pair, _file_names(staging / audience)))
            _fault("after-staging")
            self._judge_whole(sites)
        except BaseException as exc:  # SIGTERM too (the CLI turns it into SystemExit): remove what we staged
            _remove_quietly(staging)
            if isinstance(exc, OSError):
                raise _write_error(exc, self.shown, "The previous sites are unchanged.") from None
            raise
        committed = False
        try:
            with _signals_held():
                _write_journal(out, list(sites))
                committed = True
                _fault("after-commit")
                for number, audience in enumerate(sites):
                    _swap_one(out, audience)
                    if number == 0 and len(sites) > 1:
                        _fault("between-sites")
                (out / JOURNAL).unlink()
        except UnsafeOutput:   # a file of the journal's name put there since _judge_whole: nothing swapped
            _remove_quietly(staging)
            raise
        except OSError as exc:
            if committed and os.path.lexists(out / JOURNAL):
                try:   # one site swapped and the other not is no pair: put the first back
                    with _signals_held():
                        _swap_back(out, list(sites))
                except OSError:
                    raise _write_error(exc, self.shown, "The swap is half done; fix this and build again: "
                                                        "the next build finishes it first.") from None
            _remove_quietly(out / PREVIOUS)
            _remove_quietly(staging)
            raise _write_error(exc, self.shown, "The previous sites are unchanged.") from None
        self._written = True
        # the sites swapped out are removed while the build keeps its cache (22,000 files: 0.5 s); what a killed
        # cleanup leaves, the next build removes
        self._cleanup = threading.Thread(target=_remove_swapped_out, args=(out,), name="site-gen cleanup")
        self._cleanup.start()


def _remove_swapped_out(out: Path) -> None:
    _remove_quietly(out / PREVIOUS, "during-cleanup")
    _remove_quietly(out / STAGING)


def write_sites(out: Path, sites: Mapping[str, Mapping[str, Content]],
                finish: Callable[[Path, list[str]], None] | None = None) -> None:
    """Replace OUT/<audience> for each site as one pair (benchmarks and one-off scripts; build() uses Output)."""
    with Output(out, tuple(sites), {}) as output:
        output.write(sites, finish)
