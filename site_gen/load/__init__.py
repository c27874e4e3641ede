"""files ──load──▶ records: read a team's repository into one Backlog plus every problem found."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..collector import paused_collector
from ..diagnostics import Diagnostic, SourceLoc, error, warning
from ..model import Backlog, Decision, Irritant, Story
from .feedback import SUFFIXES as FEEDBACK_SUFFIXES
from .feedback import load_feedback_file
from .records import load_decision, load_irritant, load_site_config, load_story
from .source import list_files, relative

IRRITANTS_DIR = "backlog/irritants"
DECISIONS_DIR = "backlog/decisions"
STORIES_DIR = "backlog/stories"
FEEDBACK_DIR = "feedback"


class NotABacklog(Exception):
    """The path holds no site.yaml: a usage error, not a rule violation."""


PARALLEL_FROM = 2_000  # record files; below this a second process costs more than it saves


def load_backlog(root: Path, workers: int | None = None) -> tuple[Backlog, list[Diagnostic]]:
    """Load everything under root. Problems are returned, not raised, so one run reports them all.

    With more than one worker (default: the machine's cores), a large repository's
    records load in a second process while this one reads the feedback exports.
    """
    root = root.absolute()
    if not (root / "site.yaml").is_file():
        raise NotABacklog(f"no site.yaml in {root}")
    with paused_collector():  # a third of the load time at 200,000 feedback rows otherwise
        return _load(root, workers if workers is not None else (os.cpu_count() or 1))


def _load(root: Path, workers: int) -> tuple[Backlog, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    config = load_site_config(root / "site.yaml", root, diagnostics)
    paths = _record_paths(root)
    feedback_paths = list_files(root / FEEDBACK_DIR, FEEDBACK_SUFFIXES, recursive=True)

    pool = None
    if workers > 1 and sum(map(len, paths)) >= PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods():
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        records_job = pool.submit(_load_records, root, paths)
    try:
        feedback = []
        feedback_diagnostics: list[Diagnostic] = []
        for path in feedback_paths:
            feedback.extend(load_feedback_file(path, root, feedback_diagnostics))
        irritants, decisions, stories, record_diagnostics = (
            records_job.result() if pool is not None else _load_records(root, paths))
    finally:
        if pool is not None:
            pool.shutdown()
    diagnostics += record_diagnostics + feedback_diagnostics

    backlog = Backlog(
        config=config,
        irritants=dict(sorted(irritants.items())),
        decisions=dict(sorted(decisions.items())),
        stories=dict(sorted(stories.items())),
        feedback=tuple(feedback),
    )
    return backlog, diagnostics


def _record_paths(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    return (list_files(root / IRRITANTS_DIR, (".yaml", ".yml", ".md", ".json")),
            list_files(root / DECISIONS_DIR, (".md",)),
            list_files(root / STORIES_DIR, (".md",)))


def _load_records(root: Path, paths: tuple[list[Path], list[Path], list[Path]]):
    """Irritants, decisions and stories by ID, and the problems found; picklable for a worker process."""
    irritant_paths, decision_paths, story_paths = paths
    diagnostics: list[Diagnostic] = []
    irritants: dict[str, Irritant] = {}
    for path in irritant_paths:
        if path.suffix in (".md", ".json"):
            diagnostics.append(warning(SourceLoc(relative(path, root)), "parse",
                                       "this file is ignored: irritants are .yaml files",
                                       f"rename it to {path.stem}.yaml if it is an irritant"))
            continue
        record = load_irritant(path, root, diagnostics)
        if record is not None:
            _keep_unique(irritants, record, "irritant", diagnostics)
    decisions: dict[str, Decision] = {}
    for path in decision_paths:
        record = load_decision(path, root, diagnostics)
        if record is not None:
            _keep_unique(decisions, record, "decision", diagnostics)
    stories: dict[str, Story] = {}
    for path in story_paths:
        record = load_story(path, root, diagnostics)
        if record is not None:
            _keep_unique(stories, record, "story", diagnostics)
    return irritants, decisions, stories, diagnostics


def _keep_unique(records: dict, record, what: str, diagnostics: list[Diagnostic]) -> None:
    # two files can share a stem only as slow.yaml and slow.yml
    if record.id in records:
        diagnostics.append(error(record.loc, "id-duplicate",
                                 f"{what} ID '{record.id}' is already used by {records[record.id].loc.path}",
                                 "give each file its own name"))
        return
    records[record.id] = record
