"""files ──load──▶ records: read a team's repository into one Backlog plus every problem found."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar, cast

from ..collector import paused_collector
from ..diagnostics import Diagnostic, SourceLoc, error, warning
from ..errors import NotABacklog
from ..model import Backlog, Decision, FeedbackRow, Irritant, SiteConfig, Story, Unreadable
from ..parallel import can_fork, fork_pool
from . import parquet
from .feedback import SUFFIXES as FEEDBACK_SUFFIXES
from .feedback import Loaded, load_feedback_file
from .ledger import load_ledger
from .locales import load_locales
from .parquet import ParquetFeedback
from .records import load_decision, load_irritant, load_site_config, load_story
from .source import list_files, relative

IRRITANTS_DIR = "backlog/irritants"
DECISIONS_DIR = "backlog/decisions"
STORIES_DIR = "backlog/stories"
FEEDBACK_DIR = "feedback"




PARALLEL_FROM = 2_000  # record files; below this a second process costs more than it saves
CHUNK = 250             # record files per unit of work shared between the two processes
LOADERS = {"irritant": load_irritant, "decision": load_decision, "story": load_story}
Record = Irritant | Decision | Story | Unreadable
Chunk = tuple[list[tuple[str, Record]], list[Diagnostic]]  # (kind, record) pairs and the problems found
_Built = TypeVar("_Built", Irritant, Decision, Story)


def load_backlog(root: Path, workers: int | None = None) -> tuple[Backlog, list[Diagnostic]]:
    """Load everything under root. Problems are returned, not raised, so one run reports them all.

    With more than one worker (default: the machine's cores), a large repository's
    records are shared with a second process while this one reads the feedback exports.
    """
    root = root.absolute()
    if not (root / "site.yaml").is_file():
        raise NotABacklog(root)
    with paused_collector():  # a third of the load time at 200,000 feedback rows otherwise
        return _load(root, workers if workers is not None else (os.cpu_count() or 1))


def _load(root: Path, workers: int) -> tuple[Backlog, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    config = load_site_config(root / "site.yaml", root, diagnostics)
    jobs = _record_jobs(root, diagnostics)
    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    feedback_paths = list_files(root / FEEDBACK_DIR, FEEDBACK_SUFFIXES + (".parquet",), root, diagnostics,
                                recursive=True)
    parquet_paths = [path for path in feedback_paths if path.suffix == ".parquet"]
    feedback_paths = [path for path in feedback_paths if path.suffix != ".parquet"]

    feedback: list[Loaded] = []
    loaded: list[Chunk] = [([], []) for _ in chunks]
    if can_fork(workers) and len(jobs) >= PARALLEL_FROM:
        with fork_pool(1) as pool:
            futures = [pool.submit(_load_chunk, root, chunk) for chunk in chunks]
            for path in feedback_paths:
                feedback.extend(load_feedback_file(path, root, diagnostics))
            # then share the rest: this process takes every chunk the worker has not started, from the end
            for index in reversed(range(len(chunks))):
                if futures[index].cancel():
                    loaded[index] = _load_chunk(root, chunks[index])
            for index, future in enumerate(futures):
                if not future.cancelled():
                    loaded[index] = future.result()
    else:
        for path in feedback_paths:
            feedback.extend(load_feedback_file(path, root, diagnostics))
        loaded = [_load_chunk(root, chunk) for chunk in chunks]

    records: dict[str, dict[str, Record]] = {kind: {} for kind in LOADERS}
    for chunk_records, chunk_diagnostics in loaded:
        diagnostics += chunk_diagnostics
        for kind, record in chunk_records:
            _keep_unique(records[kind], record, kind, diagnostics)

    def built(kind: str, cls: type[_Built]) -> dict[str, _Built]:
        return {key: record for key, record in sorted(records[kind].items()) if isinstance(record, cls)}

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
        stored_feedback=_stored_feedback(parquet_paths, root, config, diagnostics),
    )
    if backlog.stored_feedback is not None:
        backlog.stored_feedback.check_ids({row.id: row.loc for row in backlog.feedback},
                                          backlog.irritants.keys() | backlog.unreadable_ids("irritant"), diagnostics)
    return backlog, diagnostics


def _stored_feedback(paths: list[Path], root: Path, config: SiteConfig,
                     diagnostics: list[Diagnostic]) -> ParquetFeedback | None:
    """feedback/*.parquet behind DuckDB, checked; without the duckdb extra each file is a located error."""
    if not paths:
        return None
    if not parquet.available():
        parquet.missing_extra(paths, root, diagnostics)
        return None
    try:
        store = parquet.ParquetFeedback(paths, root)
    except Exception as exc:  # duckdb.Error: a file that is not Parquet, or unreadable; say which and why
        diagnostics.append(error(SourceLoc(relative(paths[0], root)), "parse",
                                 f"Parquet feedback cannot be read: {str(exc).splitlines()[0]}",
                                 "export the batch again as Parquet with the feedback columns"))
        return None
    store.validate(config, diagnostics)
    return store


def _record_jobs(root: Path, diagnostics: list[Diagnostic]) -> list[tuple[str, Path]]:
    """Every record file with its kind, in a stable order."""
    jobs = [("irritant" if path.suffix in (".yaml", ".yml") else "ignored", path)
            for path in list_files(root / IRRITANTS_DIR, (".yaml", ".yml", ".md", ".json"), root, diagnostics)]
    jobs += [("decision", path) for path in list_files(root / DECISIONS_DIR, (".md",), root, diagnostics)]
    jobs += [("story", path) for path in list_files(root / STORIES_DIR, (".md",), root, diagnostics)]
    return jobs


def _load_chunk(root: Path, jobs: list[tuple[str, Path]]) -> Chunk:
    """Records of some files and the problems found; picklable, so a worker process can run it."""
    diagnostics: list[Diagnostic] = []
    records: list[tuple[str, Record]] = []
    for kind, path in jobs:
        if kind == "ignored":
            diagnostics.append(warning(SourceLoc(relative(path, root)), "parse",
                                       "this file is ignored: irritants are .yaml files",
                                       f"rename it to {path.stem}.yaml if it is an irritant"))
            continue
        record = LOADERS[kind](path, root, diagnostics)
        if record is not None:
            records.append((kind, record))
    return records, diagnostics


def _keep_unique(records: dict[str, Record], record: Record, what: str, diagnostics: list[Diagnostic]) -> None:
    # two files can share a stem only as slow.yaml and slow.yml
    if record.id in records:
        diagnostics.append(error(record.loc, "id-duplicate",
                                 f"{what} ID '{record.id}' is already used by {records[record.id].loc.path}",
                                 "give each file its own name"))
        return
    records[record.id] = record
