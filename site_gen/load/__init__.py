"""files ──load──▶ records: read a team's repository into one Backlog plus every problem found."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..collector import paused_collector
from ..diagnostics import Diagnostic, SourceLoc, error, warning
from ..errors import NotABacklog
from ..incremental import DiskMemo, digest, read_regular
from ..model import Backlog, Decision, FeedbackRow, Irritant, SiteConfig, Story, Unreadable
from ..parallel import can_fork, fork_pool
from .editor_schemas import load_editor_schemas
from .feedback import SUFFIXES as FEEDBACK_SUFFIXES
from .feedback import Loaded, load_feedback_file
from .ledger import load_ledger
from .locales import load_locales
from .records import load_decision, load_irritant, load_site_config, load_story
from .source import file_names, list_files, relative

if TYPE_CHECKING:
    from ..incremental import Memo
    from .csvstore import CsvTables
    from .parquet import ParquetFeedback

IRRITANTS_DIR = "backlog/irritants"
DECISIONS_DIR = "backlog/decisions"
STORIES_DIR = "backlog/stories"
FEEDBACK_DIR = "feedback"




PARALLEL_FROM = 2_000  # record files; below this a second process costs more than it saves
CHUNK = 250             # record files per unit of work shared between the two processes
LOADERS = {"irritant": load_irritant, "decision": load_decision, "story": load_story}
Record = Irritant | Decision | Story | Unreadable
Job = tuple[str, str]   # a record file to load: its kind and its path relative to the repository
Chunk = tuple[list[tuple[str, Record]], list[Diagnostic], dict[str, tuple[bytes, Any]]]  # (kind, record) pairs,
# the problems found, and what the memo is to remember of these files
_Built = TypeVar("_Built", Irritant, Decision, Story)


def load_backlog(root: Path, workers: int | None = None,
                 memo: Memo | DiskMemo | None = None) -> tuple[Backlog, list[Diagnostic]]:
    """Load everything under root. Problems are returned, not raised, so one run reports them all.

    With more than one worker (default: the machine's cores), a large repository's
    records are shared with a second process while this one reads the feedback exports.
    With a memo (site_gen.incremental), a file whose bytes hash as in an earlier run is not parsed again:
    its records and its diagnostics come from the memo, exactly as they were; the memo then holds this run's.
    """
    root = root.absolute()
    if not (root / "site.yaml").is_file():
        raise NotABacklog(root)
    with paused_collector():  # a third of the load time at 200,000 feedback rows otherwise
        return _load(root, workers if workers is not None else (os.cpu_count() or 1), memo)


Parsed = dict[str, tuple[bytes, Any]]  # relative path -> (hash of its bytes, what loading it gave)


def _remembered(root: Path, rel: str, memo: Memo | DiskMemo | None, parsed: Parsed,
                load: Callable[[list[Diagnostic]], Any]) -> tuple[Any, Sequence[Diagnostic]]:
    """What loading one file (rel, in root) gives: its result and its diagnostics (not to be changed: the memo's),
    from the memo when its bytes are unchanged."""
    if memo is None:
        found: list[Diagnostic] = []
        return load(found), found
    known = memo.hashed.get(rel) if isinstance(memo, DiskMemo) else None
    if known is not None and isinstance(memo, DiskMemo):
        hit, payload = memo.file(rel, known)
        if hit:
            parsed[rel] = (known, payload)
            memo.taken.add(rel)
            return payload[0], payload[1]
    data = read_regular(root / rel)
    if data is None:  # a link or a special file: the loader says what is wrong with it, every time
        found = []
        return load(found), found
    hashed = digest(data)
    hit, payload = memo.file(rel, hashed)
    if not hit:
        found = []
        payload = (load(found), found)
    parsed[rel] = (hashed, payload)
    return payload[0], payload[1]


def _load(root: Path, workers: int, memo: Memo | DiskMemo | None = None) -> tuple[Backlog, list[Diagnostic]]:
    # here, not above: loading one record (a cached check judging an edited story) needs none of DuckDB's modules
    from . import csvstore, parquet

    diagnostics: list[Diagnostic] = []
    config = load_site_config(root / "site.yaml", root, diagnostics)
    jobs = _record_jobs(root, diagnostics)
    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    feedback_paths = list_files(root / FEEDBACK_DIR, FEEDBACK_SUFFIXES + (".parquet",), root, diagnostics,
                                recursive=True)
    parquet_paths = [path for path in feedback_paths if path.suffix == ".parquet"]
    feedback_paths = [path for path in feedback_paths if path.suffix != ".parquet"]
    # large CSV exports go to DuckDB, when the extra is there and each holds nothing to report (csvstore)
    large = set(csvstore.large(feedback_paths, parquet.available()))
    exports = [path for path in feedback_paths if path in large]
    staged: CsvTables | None = None
    kept = memo if isinstance(memo, DiskMemo) else None   # the tables staged from large exports, between runs
    parsed: Parsed = {}
    by_file: dict[Path, list[Loaded]] = {}

    def feedback_file(path: Path) -> list[Loaded]:
        rows, found = _remembered(root, relative(path, root), memo, parsed,
                                  lambda found: load_feedback_file(path, root, found))
        diagnostics.extend(found)
        return cast("list[Loaded]", rows)

    def read_feedback(staging: Future[tuple[CsvTables | None, list[Path]]] | None = None) -> None:
        nonlocal staged
        staged, left = staging.result() if staging is not None else csvstore.stage(exports, root, config, kept)
        for path in feedback_paths:
            if path not in large or path in left:
                by_file[path] = feedback_file(path)

    loaded: list[Chunk] = [([], [], {}) for _ in chunks]
    # DuckDB reads the large exports in a thread, letting go of the GIL, while this one takes the records from the
    # cache (a probe: a 200,000-row read beside 0.4 s of Python took 0.54 s, one after the other 0.98 s). Never
    # beside a fork: a child forked while DuckDB's threads run could inherit a lock one holds. A check with the
    # hashes of its inputs starts it first, as it reads the cache's parsed files (30,000 records: 0.3 s), and lets
    # it finish before a fork (then, a cache that does not hold most files: it seldom forks).
    staging: Future[tuple[CsvTables | None, list[Path]]] | None = None
    with ThreadPoolExecutor(1) as thread:
        if exports and isinstance(memo, DiskMemo) and memo.hashed:
            staging = thread.submit(csvstore.stage, exports, root, config, kept)
        if memo is not None:
            memo.part("files")  # read once, before any worker forks
        forked = can_fork(workers) and _to_parse(jobs, memo) >= PARALLEL_FROM
        if not forked:
            if staging is None and exports:
                staging = thread.submit(csvstore.stage, exports, root, config, kept)
            loaded = [_load_chunk(root, chunk, memo) for chunk in chunks]
            read_feedback(staging)
    if forked:   # (the thread has ended: DuckDB is idle)
        global _forked_memo
        _forked_memo = memo  # the worker inherits it through fork: never pickled across
        with fork_pool(1) as pool:
            futures = [pool.submit(_load_forked, root, chunk) for chunk in chunks]
            read_feedback(staging)
            # then share the rest: this process takes every chunk the worker has not started, from the end
            for index in reversed(range(len(chunks))):
                if futures[index].cancel():
                    loaded[index] = _load_chunk(root, chunks[index], memo)
            for index, future in enumerate(futures):
                if not future.cancelled():
                    loaded[index] = future.result()
        _forked_memo = None

    records: dict[str, dict[str, Record]] = {kind: {} for kind in LOADERS}
    for chunk_records, chunk_diagnostics, chunk_parsed in loaded:
        diagnostics += chunk_diagnostics
        parsed.update(chunk_parsed)
        for kind, record in chunk_records:
            _keep_unique(records[kind], record, kind, diagnostics)

    def built(kind: str, cls: type[_Built]) -> dict[str, _Built]:
        return {key: record for key, record in sorted(records[kind].items()) if isinstance(record, cls)}

    store = _stored_feedback(parquet_paths, root, config, diagnostics, staged)
    if store is not None and store.csv is not None:   # a repeated ID or a missing irritant: words from Python
        back = store.csv.conflicts((row.id for rows in by_file.values() for row in rows), records["irritant"])
        if back:
            store.without_csv(back)
            by_file.update((Path(path), feedback_file(Path(path))) for path in back)
    elif staged is not None:   # the Parquet batches cannot be read: every CSV export the Python way
        by_file.update((path, feedback_file(path)) for path in staged.paths)
        staged.db.close()
    if store is not None and store.empty:
        store.close()
        store = None
    feedback = [row for path in feedback_paths if path in by_file for row in by_file[path]]
    unreadable = [record for kind in LOADERS for record in records[kind].values() if isinstance(record, Unreadable)]
    unreadable += [row for row in feedback if isinstance(row, Unreadable)]
    backlog = Backlog(
        config=config,
        irritants=built("irritant", Irritant),
        decisions=built("decision", Decision),
        stories=built("story", Story),
        # with nothing unreadable every row is a FeedbackRow: no second pass over 200,000 rows to say so
        feedback=(tuple(row for row in feedback if isinstance(row, FeedbackRow)) if unreadable
                  else tuple(cast("list[FeedbackRow]", feedback))),
        unreadable=tuple(unreadable),
        notified=load_ledger(root, diagnostics),
        locales=load_locales(root, diagnostics),
        editor_schemas=load_editor_schemas(root),
        stored_feedback=store,
    )
    if backlog.stored_feedback is not None:
        backlog.stored_feedback.check_ids({row.id: row.loc for row in backlog.feedback},
                                          backlog.irritants.keys() | backlog.unreadable_ids("irritant"), diagnostics)
    if memo is not None:
        memo.part("files").files = parsed  # this run's files only: a deleted file leaves the memo too
    return backlog, diagnostics


def _stored_feedback(paths: list[Path], root: Path, config: SiteConfig, diagnostics: list[Diagnostic],
                     csv: CsvTables | None = None) -> ParquetFeedback | None:
    """feedback/*.parquet behind DuckDB, checked, with the CSV exports DuckDB took (csv); without the duckdb
    extra each Parquet file is a located error."""
    from . import parquet
    if not paths:
        return parquet.ParquetFeedback(paths, root, csv) if csv is not None else None
    if not parquet.available():
        parquet.missing_extra(paths, root, diagnostics)
        return None
    try:
        store = parquet.ParquetFeedback(paths, root, csv)
    except Exception as exc:  # duckdb.Error: a file that is not Parquet, or unreadable; say which and why
        diagnostics.append(error(SourceLoc(relative(paths[0], root)), "parse",
                                 f"Parquet feedback cannot be read: {str(exc).splitlines()[0]}",
                                 "export the batch again as Parquet with the feedback columns"))
        return None
    store.validate(config, diagnostics)
    return store


def _to_parse(jobs: list[Job], memo: Memo | DiskMemo | None) -> int:
    """How many record files this run parses: with a cache that knows each input's hash, those it does not hold
    under that hash. A file the cache holds is a lookup, which a second process would only pickle back to this one
    (30,000 cached records: a second of CPU on each side for nothing)."""
    if not isinstance(memo, DiskMemo) or not memo.hashed:
        return len(jobs)
    files = memo.part("files").files
    unknown = 0
    for _, rel in jobs:
        hashed = memo.hashed.get(rel)
        known = files.get(rel)
        unknown += hashed is None or known is None or known[0] != hashed
    return unknown


def _record_jobs(root: Path, diagnostics: list[Diagnostic]) -> list[Job]:
    """Every record file with its kind, in a stable order."""
    def listed(folder: str, suffixes: tuple[str, ...]) -> list[str]:
        return [f"{folder}/{name}" for name in file_names(root / folder, suffixes, root, diagnostics)]

    jobs = [("irritant" if rel.endswith((".yaml", ".yml")) else "ignored", rel)
            for rel in listed(IRRITANTS_DIR, (".yaml", ".yml", ".md", ".json"))]
    jobs += [("decision", rel) for rel in listed(DECISIONS_DIR, (".md",))]
    jobs += [("story", rel) for rel in listed(STORIES_DIR, (".md",))]
    return jobs


_forked_memo: Memo | DiskMemo | None = None


def _load_forked(root: Path, jobs: list[Job]) -> Chunk:
    return _load_chunk(root, jobs, _forked_memo)


def _load_chunk(root: Path, jobs: list[Job], memo: Memo | DiskMemo | None = None) -> Chunk:
    """Records of some files and the problems found; picklable, so a worker process can run it."""
    diagnostics: list[Diagnostic] = []
    records: list[tuple[str, Record]] = []
    parsed: Parsed = {}
    for kind, rel in jobs:
        if kind == "ignored":
            diagnostics.append(warning(SourceLoc(rel), "parse", "this file is ignored: irritants are .yaml files",
                                       f"rename it to {Path(rel).stem}.yaml if it is an irritant"))
            continue
        loader = LOADERS[kind]
        record, found = _remembered(root, rel, memo, parsed,
                                    lambda found, loader=loader, rel=rel: loader(root / rel, root, found))  # type: ignore[misc]
        diagnostics.extend(found)
        if record is not None:
            records.append((kind, record))
    return records, diagnostics, parsed


def _keep_unique(records: dict[str, Record], record: Record, what: str, diagnostics: list[Diagnostic]) -> None:
    # two files can share a stem only as slow.yaml and slow.yml
    if record.id in records:
        diagnostics.append(error(record.loc, "id-duplicate",
                                 f"{what} ID '{record.id}' is already used by {records[record.id].loc.path}",
                                 "give each file its own name"))
        return
    records[record.id] = record
