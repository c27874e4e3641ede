"""Work an earlier run did, reused when its inputs hash the same: the cache behind build, check and serve.

A `Memo` holds, keyed by content hashes:

- `files`: what loading each record or feedback file gave (its records and its diagnostics), by the hash of
  the file's bytes — a changed file is always reloaded, an unchanged one never is (kept on disk in 16 shards
  by path, so a run that changed one file rewrites one shard);
- `staged-KEY.parquet`: a large CSV export's table as DuckDB read and checked it (site_gen.load.csvstore), by the
  hash of the export's bytes and of how it was read (site.yaml's lists among them), signed like the rest;
- `markdown`: rendered HTML by the hash of the markdown;
- `pages`: for each output page, the hash of its own inputs (the team's theme and catalogues, its template, its
  context) and the shared attributes of the site it read while rendering (`site.stories`, `site.title` …: recorded by
  `Tracked`, checked by hashing those attributes of the new site). This answers "which records and facts did
  this page use": its context names its records and facts, and the recorded attributes name the site-wide
  ones. The page's bytes are not kept: the current output file is, and it is reused (hard-linked into the
  staging folder) only while its inode, size and modification time are those the build recorded;
- `themes`: the inbox's theme groups, by the hash of the rows grouped (facts.themes.groups_key);
- `answers`: what the last full check asked DuckDB of the feedback rows it holds (facts/stored.py), by the hash
  of the feedback files, site.yaml and the "as of" date (as `judged`);
- `judged`: what the record rules said of each record file, by the hash of its bytes, under the settings they
  read (the "as of" date, site.yaml, the feedback: site_gen.rules.records), so a full check judges again only
  the records whose files changed; `customers`: the customer index those rules judged published words with;
- `runs`: per hash of every input (files, theme, git HEAD, "as of", options), the diagnostics and the output
  files of that run: a build with nothing changed reuses all of it without loading anything. The last `build`
  and the last `check` each keep their run (`RunEntry.command`): a check with nothing changed prints the
  diagnostics it stored, loading nothing. A run is kept only when its inputs still hash, once it is over, as
  they did when it began (`Hashed.still`): one saved while it ran was read as saved. A file the run took from
  `files` by the hash it had when it began (`DiskMemo.taken`) is only listed then: the run never read it.

`serve` keeps one Memo in memory between rebuilds; `build` and `check` keep it in `.site-gen-cache/` at the
repository root, one file per part (`runs`, `pages`, `markdown`, `files-NN`, `blob-…`). Each file is signed
(HMAC-SHA256) with a key kept outside the repository (`~/.cache/site-gen/cache-key`), so a cache someone
committed, copied or truncated fails the signature and is ignored before anything in it is read; one written by
another site-gen version, another Python, other site-gen code, or before the duckdb extra was installed or
removed, is ignored too. A cache that cannot be read or written only makes the run slower.

Two fast paths sit on top of this cache: a cached check of records edited in their own fields alone
(site_gen.record_edits, from check.py) and serve's re-render of an edited story body (site_gen.live). This
module imports only the standard library at its top (and site_gen.pickling, which does too), so the loader, the
renderer and write.py can all use it.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import hashlib
import hmac
import importlib.util
import io
import operator
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .pickling import quick_pickle  # (standard library only, like this module)

if TYPE_CHECKING:
    from .record_edits import IrritantStates, StoryPlaces

CACHE_DIR = ".site-gen-cache"
FORMAT = 1
MAGIC = b"site-gen cache\n"
KEY_ENV = "SITE_GEN_CACHE_KEY_DIR"   # tests point the key elsewhere than the home folder
INPUT_FOLDERS = ("backlog", "feedback", "locale", "templates", "schemas")   # schemas: check compares them
Digest = bytes
StatKey = tuple[int, int, int]      # inode, size, modification time (ns) of an output file
InputStat = tuple[int, int, int, int]   # inode, size, modification and change times (ns) of an input file
SETTLED_NS = 3_000_000_000   # a file changed this long before a run started cannot change unseen in that tick


def digest(data: bytes) -> Digest:
    return hashlib.blake2b(data, digest_size=20).digest()


def value_digest(value: object) -> Digest | None:
    """A hash of a value's content (its pickle), or None when it cannot be pickled (then nothing is reused)."""
    try:
        return digest(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None


class _Pickler(pickle.Pickler):
    """Pickles one value, with every dataclass object inside it written as the hash of its own content."""

    def __init__(self, stream: io.BytesIO, hasher: ContentHasher, root: object):
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.hasher = hasher
        self.root = root

    def reducer_override(self, obj: Any) -> Any:  # noqa: ANN401 - any value
        # not called for plain str, int, list, dict …: only a dataclass object is written as its hash
        if (obj is self.root or type(obj) in self.hasher.inline or not hasattr(type(obj), "__dataclass_fields__")
                or isinstance(obj, type)):
            return NotImplemented
        hashed = self.hasher.object_digest(obj)
        return NotImplemented if hashed is None else (_hashed, (hashed,))


def _hashed(value: Digest) -> Digest:
    """What a hashed object is pickled as (these pickles are hashed, never loaded)."""
    return value


class ContentHasher:
    """Hashes values by content, like value_digest, but hashes each record, view or fact object (a dataclass)
    once however many values hold it: a nested one is pickled as the hash of its own content (a Merkle hash),
    except the small values in `inline`, pickled in place.

    One hasher serves one rendering of a site, whose objects do not change meanwhile: the 7,000 page contexts
    and site attributes of a 2,000-story site share most of their objects, and pickling each again for every
    page was most of an incremental rebuild. The hashes differ from value_digest's; both are only compared
    with hashes made the same way.
    """

    def __init__(self, records: Mapping[int, tuple[object, Digest]] | None = None) -> None:
        """records: objects whose hash is known already, by id (`record_hashes`)."""
        from .diagnostics import SourceLoc
        from .model import FeedbackRow
        # small values that many objects hold are pickled in place: hashing each of them apart (a pickle and a
        # digest per location, per feedback row) took three times as long as the rest of a view at 2,000 stories
        self.inline: frozenset[type] = frozenset({SourceLoc, FeedbackRow})
        self._known: dict[int, tuple[object, Digest | None]] = dict(records or {})   # id -> (the object, kept
        # alive; its hash)
        self._busy: set[int] = set()                                # objects being hashed (a cycle)
        self._fields: dict[type, tuple[str, ...]] = {}              # each dataclass's field names

    def __call__(self, value: object) -> Digest | None:
        try:
            if hasattr(type(value), "__dataclass_fields__") and type(value) not in self.inline:
                return self.object_digest(value)
            return digest(self._dumps(self._ordered(value)))
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError, _Unhashable):
            return None

    def object_digest(self, obj: object) -> Digest | None:
        known = self._known.get(id(obj))
        if known is not None:
            if known[1] is None:
                raise _Unhashable
            return known[1]
        if id(obj) in self._busy:
            return None   # inside its own hash (a cycle): pickled in place, as pickle does
        self._busy.add(id(obj))
        try:
            hashed = digest(self._dumps(self._state(obj)))
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError, _Unhashable):
            self._known[id(obj)] = (obj, None)
            raise _Unhashable from None
        finally:
            self._busy.discard(id(obj))
        self._known[id(obj)] = (obj, hashed)
        return hashed

    def _dumps(self, value: object) -> bytes:
        stream = io.BytesIO()
        _Pickler(stream, self, value).dump(value)
        return stream.getvalue()

    def _state(self, obj: object) -> tuple[object, ...]:
        """What a dataclass object's hash is made of: its class and its fields, each set in sorted order. Pickle
        writes a set in the order the process's string hashing gives (random per process: PYTHONHASHSEED), so an
        irritant page holding its evidence's customers got a new key in every build, and all 2,000 irritant pages
        of a 10,000-story site were rendered again after any edit. Fields only: not what a cached_property kept."""
        kind = type(obj)
        if hasattr(kind, "content_state"):   # an object that says what of it is content (i18n.Language)
            return kind.__module__, kind.__qualname__, self._ordered(obj.content_state())  # type: ignore[attr-defined]
        names = self._fields.get(kind)
        if names is None:
            names = self._fields[kind] = tuple(item.name for item in dataclasses.fields(kind))  # type: ignore[arg-type]
        return kind.__module__, kind.__qualname__, tuple(self._ordered(getattr(obj, name)) for name in names)

    def _ordered(self, value: object) -> object:
        """A set as a sorted tuple (by content hash when its items do not sort), inside lists, tuples and dicts too
        (a dataclass object inside is hashed on its own: `_state`). The value itself when it holds no set."""
        if isinstance(value, (set, frozenset)):
            try:
                items = sorted(value)
            except TypeError:
                items = sorted(value, key=lambda item: self(item) or b"")
            return (_SET, tuple(items))
        if type(value) is dict:
            ordered = {key: self._ordered(item) for key, item in value.items()}
            return ordered if any(map(operator.is_not, ordered.values(), value.values())) else value
        if isinstance(value, (list, tuple)) and type(value) in (list, tuple):   # (not a named tuple)
            listed = [self._ordered(item) for item in value]
            return type(value)(listed) if any(map(operator.is_not, listed, value)) else value
        return value


_SET = "set, sorted"   # what marks a set written in sorted order (ContentHasher._ordered)


def record_hashes(records: Iterable[Any], files: Mapping[str, tuple[Digest, Any]]) -> dict[int, tuple[object, Digest]]:
    """Each record's hash for ContentHasher, made of its file's path and the hash of its bytes: loading made the
    record of those alone (the memo keeps it by them on that ground), and hashing the fields of 13,000 records
    took 0.5 s of every page rendering after an edit. Only for the very object loading that file gave."""
    found: dict[int, tuple[object, Digest]] = {}
    for record in records:
        path = record.loc.path
        entry = files.get(path)
        if entry is not None and isinstance(entry[1], tuple) and entry[1] and entry[1][0] is record:
            found[id(record)] = (record, digest(b"record\0" + path.encode() + b"\0" + entry[0]))
    return found


class _Unhashable(Exception):
    """A value holds something pickle cannot write: it has no hash, and nothing that holds it is reused."""


@quick_pickle   # a build's run keeps one per output file: 23,000 at 10,000 stories, unpickled by every build
@dataclass(frozen=True, slots=True)
class Kept:
    """An output file reused from the current output: its SHA-256 and the stat it must still have."""

    sha256: bytes
    stat: StatKey


@dataclass(frozen=True, slots=True)
class PageEntry:
    key: Digest                               # its template, its context and the shared values it took whole
    used: tuple[tuple[str, Digest], ...]      # the site's attributes it read, with their hashes then
    file: Kept


@dataclass(frozen=True, slots=True)
class RunEntry:
    diagnostics: tuple[Any, ...]
    counts: Mapping[str, int]
    files: Mapping[str, Mapping[str, Kept]]   # audience -> path -> file
    searched: bool
    command: str = "build"                    # "build" or "check": each keeps its last run
    unreadable: Mapping[str, int] = field(default_factory=dict)   # unreadable records per kind (check says them)
    # check's, for the next check to take an own edit from here (site_gen.check, record_edits): the basis
    # (settings, HEAD) and each input file's hash, the key of the customer index kept, the published stories'
    # addresses and what they could meet, and what rules across records read of the irritants' statuses
    basis: Digest = b""
    # (build's too, so that the next build reads only the input files whose stat changed: input_run)
    inputs: Mapping[str, Digest] = field(default_factory=dict)
    settled: Mapping[str, InputStat] = field(default_factory=dict)   # (input_files)
    customers: Digest = b""
    places: Packed[StoryPlaces | None] | None = None   # what an edit of a published story could meet
    states: Packed[IrritantStates | None] | None = None   # what rules across records read of each irritant's status


Value = TypeVar("Value")


@dataclass(frozen=True, slots=True)
class Packed(Generic[Value]):
    """A value kept pickled inside a part of the cache, unpickled only by the run that uses it. Check's story places
    and irritant states are classes of site_gen.record_edits, which imports the loader, the rules and markdown:
    unpickled with the `runs` part, a build or a check with nothing changed imported all of them (0.1 s) to
    read none."""

    data: bytes

    @classmethod
    def of(cls, value: Value) -> Packed[Value]:
        return cls(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def value(self) -> Value:
        found: Value = pickle.loads(self.data)   # from a part whose signature was checked (load_part)
        return found


def keep_run(runs: dict[Digest, RunEntry], run: Digest, entry: RunEntry) -> dict[Digest, RunEntry]:
    """The runs to keep: this one, and the last run of each other command (build's does not evict check's)."""
    return {**{key: kept for key, kept in runs.items() if kept.command != entry.command}, run: entry}


@dataclass
class Memo:
    files: dict[str, tuple[Digest, Any]] = field(default_factory=dict)
    markdown: dict[Digest, str] = field(default_factory=dict)
    pages: dict[str, dict[str, PageEntry]] = field(default_factory=dict)
    runs: dict[Digest, RunEntry] = field(default_factory=dict)
    histories: dict[str, Any] = field(default_factory=dict)   # git histories by HEAD commit
    extra: tuple[str, ...] = ()                                # inputs outside the usual folders (the logo)
    pending: dict[str, Any] = field(default_factory=dict)      # this run's PageReuse per audience, until written
    live: dict[str, Any] | None = None   # serve only: the last rendering's sites in memory (site_gen.live)
    customers: dict[Digest, Any] = field(default_factory=dict)  # check's customer index, by its feedback's hash
    judged: dict[Digest, Any] = field(default_factory=dict)   # check's record findings, by their settings' hash
    themes: dict[Digest, Any] = field(default_factory=dict)   # the inbox's theme groups, by their rows' hash
    answers: dict[Digest, Any] = field(default_factory=dict)  # check's answers from DuckDB, by the feedback's hash

    # the same interface as DiskMemo: serve keeps a Memo in memory, build and check a DiskMemo
    def part(self, name: str) -> Memo:
        return self

    def file(self, path: str, hashed: Digest) -> tuple[bool, Any]:
        known = self.files.get(path)
        return (True, known[1]) if known is not None and known[0] == hashed else (False, None)

    def save(self, *names: str) -> None:
        pass

    def read(self, name: str) -> bool:
        return True

    def stored_file(self, path: str) -> tuple[Digest, Any] | None:
        return self.files.get(path)

    def update_files(self, entries: Mapping[str, tuple[Digest, Any]]) -> None:
        self.files.update(entries)


# --- the stamp: which site-gen wrote a cache -------------------------------------------------------

@functools.cache
def _code_stamp() -> Digest:
    """site-gen's own code and default theme, by name, size and modification time (an editable install changes).

    Once per process: the code a process runs is what it imported, and a cached check that loads and saves the
    cache's parts walked the package 22 times (0.1 s at 10,000 of each record kind)."""
    package = Path(__file__).resolve().parent
    from .default_theme import package_templates
    parts = []
    for folder in (package, package_templates()):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html", ".css", ".js", ".xml", ".po", ".mo", ".json") and path.is_file():
                status = path.stat()
                parts.append(f"{path}\0{status.st_size}\0{status.st_mtime_ns}")
    return digest("\n".join(parts).encode())


def stamp() -> tuple[object, ...]:
    from . import __version__
    return (FORMAT, __version__, sys.version, sys.implementation.cache_tag, _code_stamp(), duckdb_installed())


def duckdb_installed() -> bool:
    """Whether the duckdb extra is installed (site_gen.load.parquet.available asks here). Part of the stamp: the
    same files check differently with it — a Parquet batch is an error without it ("needs DuckDB"), rows whose
    customers public safety knows with it — and installing it, as that error says, changes no file. Not kept
    once per process: `serve` runs on while the extra is installed."""
    return importlib.util.find_spec("duckdb") is not None


# --- the store ------------------------------------------------------------------------------------

def _key_folder() -> Path:
    given = os.environ.get(KEY_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "site-gen"


def _signing_key() -> bytes | None:
    """This user's key for signing caches, made on first use; None when it cannot be kept (no cache then)."""
    path = _key_folder() / "cache-key"
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        data = path.read_bytes()
        return data if len(data) == 32 else None
    except OSError:
        return None
    key = os.urandom(32)
    with os.fdopen(fd, "wb") as stream:
        stream.write(key)
    return key


def load_part(root: Path, name: str) -> Any | None:
    """One part of root's cache (`runs`, `pages`, `files-NN`, `blob-<hash>`); None when absent or not to be trusted."""
    try:
        with open(root / CACHE_DIR / f"{name}.pickle", "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    key = _signing_key()  # only now: a build refused before it saves anything makes no key either
    if key is None:
        return None
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 32:
        return None
    signature, body = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    if not hmac.compare_digest(signature, hmac.new(key, body, hashlib.sha256).digest()):
        return None  # truncated, edited, or signed by someone else: never unpickled
    try:
        written_by, value = pickle.loads(body)
    except Exception:  # noqa: BLE001 - signed by us yet unreadable (a class that changed): start afresh
        return None
    return value if written_by == stamp() else None


def save_part(root: Path, name: str, value: object) -> bool:
    """Write one part of the cache atomically (a reader sees the old file or the new one); False if it could not."""
    key = _signing_key()
    if key is None:
        return False
    try:
        folder = _made_folder(root)
        body = pickle.dumps((stamp(), value), protocol=pickle.HIGHEST_PROTOCOL)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(MAGIC + hmac.new(key, body, hashlib.sha256).digest() + body)
            os.replace(temporary, folder / f"{name}.pickle")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return False
    return True


def _own_folder(root: Path) -> Path:
    """The cache folder, to write or delete in; OSError when it is a symbolic link: it leads to a folder site-gen
    did not make (the repository, a shared folder), where the '*' .gitignore would hide its files from git and
    the collection would delete those named like the cache's parts."""
    folder = root / CACHE_DIR
    if folder.is_symlink():
        raise OSError(errno.ELOOP, "a symbolic link is not site-gen's cache folder", str(folder))
    return folder


def _made_folder(root: Path) -> Path:
    """The cache folder, made with the .gitignore that keeps it out of commits (OSError when it cannot be)."""
    folder = _own_folder(root)
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not os.path.lexists(ignore):   # O_EXCL: a link there (a checkout's, dangling) is not followed to make its target
        with os.fdopen(os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644), "w",
                       encoding="utf-8") as stream:
            stream.write("# site-gen's cache of earlier runs: never commit it\n*\n")
    return folder


_STAGED = "staged-"   # a large CSV export's staged table: staged-KEY.parquet, and its signature staged-KEY.pickle
_FILE_SHARDS = tuple(f"files-{number:02d}" for number in range(16))


def _shard_of(path: str) -> str:
    """The shard of the parsed files that keeps a file's entry: by a hash of its path, so shards stay even."""
    return _FILE_SHARDS[digest(path.encode())[0] % len(_FILE_SHARDS)]


class DiskMemo:
    """A Memo read part by part from root's `.site-gen-cache/` (a no-change build reads only `runs`), and saved
    the same way. Large files' parsed rows live in blobs named by the hash of the file, written once."""

    BLOB_FROM = 1 << 20   # files from 1 MiB (feedback exports) get a blob of their own

    def __init__(self, root: Path):
        self.root = root
        self.memo = Memo()
        # the hashes this run's input files had when it began (input_files): a file held in the cache with its
        # hash is not read again to load it (30,000 record files: half a second)
        self.hashed: Mapping[str, Digest] = {}
        # the files this process took from the cache by those hashes, without reading them: a file saved since
        # cannot have changed what the run made of them (Hashed.still need not look at them again)
        self.taken: set[str] = set()
        self._loaded: set[str] = set()
        self._files_read: dict[str, dict[str, Digest]] | None = None   # per shard, the file hashes it held
        self._shard_by_path: dict[str, str] = {}   # the shard each file read was in (not hashed again to save)
        self._shards: dict[str, dict[str, tuple[Digest, Any]]] = {}    # shards read one by one (stored_file)
        self._staged: set[str] = set()   # the staged tables this run read or wrote: the others are collected

    def part(self, name: str) -> Memo:
        if name not in self._loaded:
            self._loaded.add(name)
            if name == "files":
                self._load_files()
            else:
                value = load_part(self.root, name)
                if name == "runs" and isinstance(value, tuple) and len(value) == 2:
                    value, self.memo.extra = value   # (the inputs the runs read beside the folders: _stored)
                if isinstance(value, dict):
                    setattr(self.memo, name, value)
        return self.memo

    def read(self, name: str) -> bool:
        """Whether this run read the part (it holds the cache's value, not an empty one to save over it)."""
        return name in self._loaded

    def unread_on_disk(self, name: str) -> bool:
        """The part is in the cache folder and this run has not read it (so cannot have found it unreadable)."""
        return name not in self._loaded and (self.root / CACHE_DIR / f"{name}.pickle").is_file()

    def _stored(self, name: str) -> object:
        """A part as it is kept: the runs with the inputs they read beside the usual folders (the logo), which the
        next run hashes before it can look its run up — left behind, no later process hashed the logo."""
        value = getattr(self.memo, name)
        return (value, self.memo.extra) if name == "runs" else value

    def _load_files(self) -> None:
        files: dict[str, tuple[Digest, Any]] = {}
        read: dict[str, dict[str, Digest]] = {}
        for shard in _FILE_SHARDS:
            # a shard stored_file read already (a cached check that found an edit it could not judge alone)
            value = self._shards[shard] if shard in self._shards else load_part(self.root, shard)
            if isinstance(value, dict):
                files.update(value)
                read[shard] = _hashes(value)
                self._shard_by_path.update(dict.fromkeys(value, shard))
        self.memo.files = files
        self._files_read = read

    def save(self, *names: str) -> None:
        for name in names:
            if name == "files":
                self._save_files()
            else:
                save_part(self.root, name, self._stored(name))
        if "files" in names:
            self._collect()

    def _save_files(self) -> None:
        """Only the shards whose files changed: one edited story rewrites a sixteenth of the parsed files."""
        shards: dict[str, dict[str, tuple[Digest, Any]]] = {shard: {} for shard in _FILE_SHARDS}
        known = self._shard_by_path
        for path, entry in self.memo.files.items():
            shards[known.get(path) or _shard_of(path)][path] = entry
        read = self._files_read
        for shard, entries in shards.items():
            if read is not None and read.get(shard, {}) == _hashes(entries):
                continue   # the same files with the same bytes (another "as of" date): the shard on disk holds them
            save_part(self.root, shard, {path: (hashed, self._blob(hashed, payload, _size(payload)))
                                         for path, (hashed, payload) in entries.items()})

    def _blob(self, hashed: Digest, payload: Any, size: int) -> Any:
        if size < self.BLOB_FROM:
            return payload
        name = _blob_name(hashed, repr(stamp()).encode())
        if not (self.root / CACHE_DIR / f"{name}.pickle").exists():
            save_part(self.root, name, _as_columns(payload))
        return Blob(name)

    def _collect(self) -> None:
        written_by = repr(stamp()).encode()   # once: the stamp walks site-gen's own files
        wanted = {f"{_blob_name(hashed, written_by)}.pickle" for hashed, payload in self.memo.files.values()
                  if isinstance(payload, Blob) or _size(payload) >= self.BLOB_FROM}   # (those _blob keeps apart)
        wanted |= {f"{_STAGED}{key}{suffix}" for key in self._staged for suffix in (".pickle", ".parquet")}
        try:
            folder = _own_folder(self.root)
            for path in [*folder.glob("blob-*.pickle"), *folder.glob(_STAGED + "*")]:
                if path.name not in wanted:
                    path.unlink(missing_ok=True)
            (folder / "files.pickle").unlink(missing_ok=True)   # one part before it was sharded
        except OSError:
            pass

    def staged(self, key: str) -> Path | None:
        """The table a large CSV export was staged into by an earlier run under this key (site_gen.load.csvstore:
        the export's bytes and how they were read), as Parquet (200,000 rows: 0.28 s of CPU against 0.57 s); None
        when there is none, or when its bytes are not those this user's site-gen signed."""
        self._staged.add(key)
        path = self.root / CACHE_DIR / f"{_STAGED}{key}.parquet"
        signed = load_part(self.root, _STAGED + key)
        key_bytes = _signing_key()
        data = read_regular(path)
        if not isinstance(signed, bytes) or key_bytes is None or data is None:
            return None
        return path if hmac.compare_digest(signed, hmac.new(key_bytes, data, hashlib.sha256).digest()) else None

    def keep_staged(self, key: str, write: Callable[[Path], None]) -> None:
        """Keep a staged table under this key: `write` writes it as Parquet at the path it is given; its bytes are
        signed like every part of the cache. A table that cannot be kept only makes the next run slower."""
        self._staged.add(key)
        key_bytes = _signing_key()
        if key_bytes is None:
            return
        try:
            folder = _made_folder(self.root)
        except OSError:
            return
        temporary = folder / f".tmp-{_STAGED}{key}-{os.getpid()}.parquet"
        try:
            write(temporary)
            data = read_regular(temporary)
            if data is None or not save_part(self.root, _STAGED + key,
                                             hmac.new(key_bytes, data, hashlib.sha256).digest()):
                return
            os.replace(temporary, folder / f"{_STAGED}{key}.parquet")
        except Exception:  # noqa: BLE001 - DuckDB could not write it (a full disk): the next run stages again
            return
        finally:
            temporary.unlink(missing_ok=True)

    def stored_file(self, path: str) -> tuple[Digest, Any] | None:
        """What the cache holds for a file (the hash of its bytes then, what loading them gave), reading only the
        shard that keeps it; None for a file kept in a blob of its own (a feedback export)."""
        if "files" in self._loaded:
            known = self.memo.files.get(path)
        else:
            known = self._shard(_shard_of(path)).get(path)
        return None if known is None or isinstance(known[1], Blob) else known

    def _shard(self, name: str) -> dict[str, tuple[Digest, Any]]:
        """One shard of the parsed files, read once (the parts are not all read)."""
        if name not in self._shards:
            kept = load_part(self.root, name)
            self._shards[name] = dict(kept) if isinstance(kept, dict) else {}
        return self._shards[name]

    def update_files(self, entries: Mapping[str, tuple[Digest, Any]]) -> None:
        """Keep these files' entries, writing only the shards that keep them (small records, no blobs)."""
        if "files" in self._loaded:
            self.memo.files.update(entries)
            self.save("files")
            return
        for path, entry in entries.items():
            self._shard(_shard_of(path))[path] = entry
        for shard in sorted({_shard_of(path) for path in entries}):
            save_part(self.root, shard, self._shards[shard])

    def file(self, path: str, hashed: Digest) -> tuple[bool, Any]:
        """(True, what loading the file gave) when the cache has it for these bytes."""
        known = self.part("files").files.get(path)
        if known is None or known[0] != hashed:
            return False, None
        payload = known[1]
        if isinstance(payload, Blob):
            payload = _from_columns(load_part(self.root, payload.name))
            if payload is None:
                self._files_read = None   # write the part (and the blob) again, even if no file changed
                return False, None
            self.memo.files[path] = (hashed, payload)
        return True, payload


def _as_columns(payload: Any) -> Any:
    """A feedback export's (rows, diagnostics), its rows as columns when they are all rows (not unreadable)."""
    from .load.columns import RowColumns
    from .model import FeedbackRow
    rows, found = payload
    if isinstance(rows, list) and all(type(row) is FeedbackRow for row in rows):
        return RowColumns(rows), found
    return payload


def _from_columns(payload: Any) -> Any:
    from .load.columns import RowColumns
    if isinstance(payload, tuple) and len(payload) == 2 and isinstance(payload[0], RowColumns):
        return payload[0].rows, payload[1]
    return payload


def _blob_name(hashed: Digest, written_by: bytes) -> str:
    """A blob is named by its file's hash and by the site-gen that wrote it: after an upgrade the blob of an
    unchanged file is written again (one written by the old site-gen would be ignored on every run, never replaced)."""
    return "blob-" + digest(hashed + written_by).hex()


@dataclass(frozen=True, slots=True)
class Blob:
    name: str


def _hashes(files: Mapping[str, tuple[Digest, Any]]) -> dict[str, Digest]:
    return {path: entry[0] for path, entry in files.items()}


def _size(payload: Any) -> int:
    """About how large a file's parsed payload is: the number of its records (rows), times a row's usual size."""
    records = payload[0] if isinstance(payload, tuple) and payload else ()
    return len(records) * 200 if isinstance(records, list | tuple) else 0


# --- inputs ---------------------------------------------------------------------------------------

def read_regular(path: Path, limit: int | None = None) -> bytes | None:
    """A regular file's bytes, not following a symbolic link; None for anything else (a folder, a pipe), or for a
    file larger than `limit` bytes (never read whole then; the loader decides what to say). Plain system calls:
    a buffered read of limit + 1 bytes allocated that buffer for every file (30,000 record files: 1.2 s of CPU,
    where this takes 0.2 s)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or (limit is not None and status.st_size > limit):
            return None
        return _read_upto(descriptor, status.st_size, limit)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _walk(folder: Path) -> Iterator[Path]:
    return (Path(name) for name in _walk_names(str(folder)))


def _walk_names(folder: str, above: frozenset[tuple[int, int]] = frozenset()) -> Iterator[str]:
    """_walk with plain strings: the same files in the same order. A link to a folder is walked as the folder,
    never into a folder it is already inside (`above`), so it cannot loop, and is named too: the loaders do not
    follow it (a warning), so a folder replaced by a link to the same files is a change."""
    try:
        status = os.stat(folder)
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    here = (status.st_dev, status.st_ino)
    if here in above:
        return
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if entry.is_symlink():
                yield entry.path
            yield from _walk_names(entry.path, above | {here})
        else:
            yield entry.path


def _followed(path: str | Path) -> bytes:
    """The hash of the bytes a link leads to, when it leads to a regular file (a loader may read through it)."""
    try:
        if stat.S_ISREG(os.stat(path).st_mode):
            with open(path, "rb") as stream:
                return digest(stream.read())
    except OSError:
        pass
    return b""


def _read_upto(descriptor: int, size: int, limit: int | None) -> bytes | None:
    """An open file's bytes (`size`: what fstat said), None once more than `limit` are read."""
    chunks = [os.read(descriptor, size + 1)]   # one read for a regular file, unless it grows meanwhile
    read = len(chunks[0])
    while chunks[-1] and (limit is None or read <= limit):
        chunks.append(os.read(descriptor, 1 << 20 if limit is None else limit + 1 - read))
        read += len(chunks[-1])
    return None if limit is not None and read > limit else b"".join(chunks)


def _read_all(descriptor: int, size: int) -> bytes:
    return _read_upto(descriptor, size, None) or b""   # (never None without a limit)


def input_digest(root: Path, extra: Iterable[str], *settings: object,
                 folders: tuple[str, ...] = INPUT_FOLDERS) -> Digest:
    """Every input of a run: site.yaml, the backlog (with the ledger), the feedback (CSV and Parquet), the team's
    catalogues and templates (`folders`: check leaves out the templates it never reads), the files named in
    `extra` (the logo), git's HEAD, and the settings ("as of", options). A link or a special file is named
    with what it is, so changing it changes the digest too."""
    return input_run(root, extra, *settings, folders=folders)[0]


def input_run(root: Path, extra: Iterable[str], *settings: object, folders: tuple[str, ...] = INPUT_FOLDERS,
              since: RunEntry | None = None) -> tuple[Digest, Hashed]:
    """input_digest, and the input files as hashed (`Hashed.still` says, once the run is over, whether they still
    hash so). A file settled in the run `since` (the last build) and with the same stat is not read again: a build
    with nothing changed read and hashed every input file (13,000 at 10,000 stories: a third of its time)."""
    settled: dict[str, InputStat] = {}
    inputs = input_files(root, extra, folders, since, settled)
    return run_digest(input_basis(root, extra, *settings, folders=folders), inputs), Hashed(inputs, settled)


def input_basis(root: Path, extra: Iterable[str], *settings: object,
                folders: tuple[str, ...] = INPUT_FOLDERS) -> Digest:
    """What a run depends on besides its files' bytes: the settings, which folders and extra files it reads, and
    git's HEAD. Two runs with the same basis differ only in the files whose hashes differ."""
    return digest(repr((settings, folders, sorted(set(extra)), git_head(root))).encode())


def run_digest(basis: Digest, files: Mapping[str, Digest]) -> Digest:
    hasher = hashlib.blake2b(basis, digest_size=20)
    for path, hashed in files.items():
        hasher.update(b"\0" + path.encode() + b"\0" + hashed)
    return hasher.digest()


@dataclass(frozen=True, slots=True)
class Hashed:
    """A run's input files as it hashed them when it began, and the stats of those settled then (input_files)."""

    inputs: Mapping[str, Digest]
    settled: Mapping[str, InputStat]

    def still(self, root: Path, extra: Iterable[str], folders: tuple[str, ...] = INPUT_FOLDERS,
              unread: Container[str] = frozenset()) -> bool:
        """Every input file still hashes so, none added or removed. A run hashes its inputs, then reads them: one
        saved meanwhile (an editor, a `git checkout`) was read from other bytes than those hashed, and what the
        run made of them must not be kept under the hashes (the file saved back as it was would reuse it).
        Settled files are compared by their stat alone: 30,000 files take a tenth of a second. The files in
        `unread` are not looked at, only listed: the run never read them, and took what it made of them from the
        cache by the hashes they had (DiskMemo.taken; a cached check after a structural edit: 30,000 of them)."""
        return input_files(root, extra, folders, self, unread=unread) == self.inputs


def input_files(root: Path, extra: Iterable[str], folders: tuple[str, ...] = INPUT_FOLDERS,
                since: RunEntry | Hashed | None = None, stats: dict[str, InputStat] | None = None,
                unread: Container[str] = frozenset()) -> dict[str, Digest]:
    """Each input file, relative to root, with the hash of its bytes; a link or a special file hashes what it is.

    A regular file whose inode, size and modification and change times are as a run `since` recorded them
    (`RunEntry.settled`) has the hash it had then without being read, as git trusts its index: the change time
    cannot be set back, and only a file left alone since well before the run that recorded it is recorded (a
    file written in the same clock tick as it was read might keep its times). `stats` receives this run's. A file
    named in `unread` and listed still has the hash `since` gave it (Hashed.still)."""
    started = time.time_ns()
    settled, hashed = (since.settled, since.inputs) if since is not None else ({}, {})
    base = str(root) + os.sep
    paths = [str(root / "site.yaml"), *(str(root / name) for name in sorted(set(extra)))]
    linked = {str(root / name) for name in extra if _folder_link_on_the_way(root, name)}
    for folder in folders:
        paths.extend(_walk_names(str(root / folder)))
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
    files: dict[str, Digest] = {}
    for path in paths:   # read_regular's checks, without its objects: 30,000 files take a tenth of a second
        name = path[len(base):].replace(os.sep, "/") if path.startswith(base) else path
        if path in linked:   # refused by the loader whatever it leads to: the same bytes there are no clean run
            files[name] = _not_a_file(b"through a link")
            continue
        if name in unread and name in hashed:
            files[name] = hashed[name]
            continue
        known = settled.get(name)
        if known is not None:
            try:
                status = os.lstat(path)
            except OSError:
                status = None
            if status is not None and (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns) == known:
                files[name] = hashed[name]
                if stats is not None:
                    stats[name] = known
                continue
        try:
            descriptor = os.open(path, flags)
        except OSError:
            descriptor = -1
        if descriptor >= 0:
            try:
                status = os.fstat(descriptor)
                if stat.S_ISREG(status.st_mode):
                    files[name] = digest(_read_all(descriptor, status.st_size))
                    if stats is not None and max(status.st_mtime_ns, status.st_ctime_ns) < started - SETTLED_NS:
                        stats[name] = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
                    continue
            finally:
                os.close(descriptor)
        try:
            status = os.lstat(path)
            special = f"special {status.st_mode} {status.st_size} {status.st_mtime_ns}".encode()
            if stat.S_ISLNK(status.st_mode):
                special += b" " + os.readlink(path).encode() + b" " + _followed(path)
        except OSError:
            special = b"absent"
        files[name] = _not_a_file(special)
    return files


def _not_a_file(what: bytes) -> Digest:
    """What a link or a special file is, hashed apart (personalised): no regular file's bytes can hash the same."""
    return hashlib.blake2b(what, digest_size=20, person=b"not a file").digest()


def _folder_link_on_the_way(root: Path, name: str) -> bool:
    """A folder between root and the file `name` is a symbolic link (the logo is read without following one)."""
    folder = root
    for part in Path(name).parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return True
    return False


def git_head(root: Path) -> str:
    """The checked-out commit (the pages' history comes from git), read from .git without running git."""
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text("utf-8").strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        try:
            return ref + " " + (git / ref).read_text("utf-8").strip()
        except OSError:
            packed = (git / "packed-refs").read_text("utf-8")
            return ref + " " + next((line.split()[0] for line in packed.splitlines() if line.endswith(" " + ref)), "")
    except OSError:
        return "no git"


def current_stat(path: Path | str) -> StatKey | None:
    try:
        status = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def still_there(folder: Path, kept: Kept, name: str) -> bool:
    """The current output file is still the one a build recorded (nobody rewrote it since)."""
    return current_stat(folder / name) == kept.stat


# --- pages ----------------------------------------------------------------------------------------

class Tracked:
    """The site as templates see it, noting which of its attributes a page reads.

    Anything that looks at the site as a whole (printing it, iterating it) is noted as "*": the page then
    depends on the whole site.
    """

    __slots__ = ("_site", "_used")

    def __init__(self, site: object):
        object.__setattr__(self, "_site", site)
        object.__setattr__(self, "_used", set())

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._site, name)
        if type(value) is tuple:   # a list of the site's (its stories …): a page that takes only its length
            return _Sized(value, name, self._used)   # depends on nothing else of it (name#len)
        self._used.add(name)
        return value

    def _whole(self) -> object:
        self._used.add("*")
        return self._site

    def __str__(self) -> str:
        return str(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())

    def __iter__(self) -> Iterator[Any]:
        whole: Any = self._whole()
        return iter(whole)

    def __len__(self) -> int:
        return len(self._whole())  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        return self._whole() == other

    def __hash__(self) -> int:
        return hash(self._whole())



class _Sized:
    """A tuple of the site as a template sees it: its length and truth are noted as `name#len`, any other use
    (iterating, indexing, printing, comparing) as `name`. It behaves as the tuple does."""

    __slots__ = ("_items", "_name", "_used")

    def __init__(self, items: tuple[Any, ...], name: str, used: set[str]):
        self._items, self._name, self._used = items, name, used

    def _whole(self) -> tuple[Any, ...]:
        self._used.add(self._name)
        return self._items

    def __len__(self) -> int:
        self._used.add(self._name + LENGTH)
        return len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        return iter(self._whole())

    def __reversed__(self) -> Iterator[Any]:
        return iter(self._whole()[::-1])

    def __getitem__(self, key: Any) -> Any:  # noqa: ANN401 - an item or a slice of the tuple
        return self._whole()[key]

    def __contains__(self, item: object) -> bool:
        return item in self._whole()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._whole(), name)

    def __eq__(self, other: object) -> bool:
        return self._whole() == (other._whole() if isinstance(other, _Sized) else other)

    def __hash__(self) -> int:
        return hash(self._whole())

    def __add__(self, other: Any) -> Any:  # noqa: ANN401
        return self._whole() + (other._whole() if isinstance(other, _Sized) else other)

    def __str__(self) -> str:
        return str(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())


LENGTH = "#len"   # a used name with this suffix: only the length of the site's attribute was taken


class SiteDigests:
    """Hashes of the site's attributes, each computed once per build, on first need."""

    def __init__(self, site: object, hasher: ContentHasher | None = None):
        self.site = site
        self.hasher = hasher or ContentHasher()
        self._known: dict[str, Digest | None] = {}

    def __call__(self, name: str) -> Digest | None:
        if name not in self._known:
            if name.endswith(LENGTH):
                value: object = len(getattr(self.site, name.removesuffix(LENGTH), ()))
            else:
                value = self.site if name == "*" else getattr(self.site, name, None)
            self._known[name] = self.hasher(value)
        return self._known[name]

    def unchanged(self, used: Iterable[tuple[str, Digest]]) -> bool:
        return all(self(name) == then for name, then in used)


def theme_digest(root: Path) -> Digest:
    """The team's templates and catalogues (locale/*.po), which every page is rendered with (the default theme and
    the packaged catalogues are part of the stamp)."""
    hasher = hashlib.blake2b(digest_size=20)
    for folder in ("templates", "locale"):
        for path in _walk(root / folder):
            data = read_regular(path)
            hasher.update(str(path).encode() + b"\0" + (digest(data) if data is not None else b"special") + b"\0")
    return hasher.digest()


@dataclass
class PageReuse:
    """One site's pages of an earlier run, for render_pages: a page whose inputs hash the same is not rendered."""

    current: Path | None                   # the current output folder of this site, whose files are reused
    theme: Digest
    before: Mapping[str, PageEntry]
    rendered: dict[str, tuple[Digest, tuple[tuple[str, Digest], ...]]] = field(default_factory=dict)
    kept: dict[str, PageEntry] = field(default_factory=dict)
    body_reads: dict[str, frozenset[int]] = field(default_factory=dict)   # page -> ids of objects whose body
    # it read, for pages rendered in this process (serve's story edits: site_gen.live); never stored on disk
    word_reads: dict[str, Mapping[str, frozenset[int]]] | None = None   # likewise, each of a story's other words
    # (render.WORDS) it read -> of which objects, when serve asks (None: not noted)
    records: Mapping[int, tuple[object, Digest]] = field(default_factory=dict)   # (record_hashes)

    def key(self, base: Digest | None, template: str, path: str, context: object,
            hasher: ContentHasher) -> Digest | None:
        if base is None:
            return None
        hashed = hasher(context)
        return None if hashed is None else digest(b"\0".join((self.theme, base, template.encode(), path.encode(),
                                                                 hashed)))

    def reusable(self, path: str, key: Digest | None, digests: SiteDigests) -> Kept | None:
        entry = self.before.get(path)
        if key is None or entry is None or entry.key != key or self.current is None:
            return None
        if not digests.unchanged(entry.used) or not still_there(self.current, entry.file, path):
            return None
        self.kept[path] = entry
        return entry.file

    def remember(self, path: str, key: Digest | None, used: Iterable[str], digests: SiteDigests) -> None:
        pairs = [(name, digests(name)) for name in sorted(used)]
        if key is not None and all(hashed is not None for _, hashed in pairs):
            self.rendered[path] = (key, tuple((name, hashed) for name, hashed in pairs if hashed is not None))

    def take_in(self, other: PageReuse) -> None:
        """What another process rendered and reused of the same site (a share of its pages: build)."""
        self.rendered.update(other.rendered)
        self.kept.update(other.kept)

    def entries(self, files: Mapping[str, Kept]) -> dict[str, PageEntry]:
        """This run's entries, once the written pages have their hashes and stats."""
        out = dict(self.kept)
        for path, (key, used) in self.rendered.items():
            if path in files:
                out[path] = PageEntry(key, used, files[path])
        return out


def take_used(tracked: Tracked) -> set[str]:
    """The names read since the last call, and start afresh (a function, not a method: `site.X` is the site's)."""
    used: set[str] = object.__getattribute__(tracked, "_used")
    names = set(used)
    used.clear()
    return names
