"""files ──load──▶ records: read a team's repository into one Backlog plus every problem found."""

from __future__ import annotations

from pathlib import Path

from ..collector import paused_collector
from ..diagnostics import Diagnostic, SourceLoc, error, warning
from ..model import Backlog
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


def load_backlog(root: Path) -> tuple[Backlog, list[Diagnostic]]:
    """Load everything under root. Problems are returned, not raised, so one run reports them all."""
    root = root.absolute()
    if not (root / "site.yaml").is_file():
        raise NotABacklog(f"no site.yaml in {root}")
    with paused_collector():  # a third of the load time at 200,000 feedback rows otherwise
        return _load(root)


def _load(root: Path) -> tuple[Backlog, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    config = load_site_config(root / "site.yaml", root, diagnostics)

    irritants = {}
    for path in list_files(root / IRRITANTS_DIR, (".yaml", ".yml", ".md", ".json")):
        if path.suffix in (".md", ".json"):
            diagnostics.append(warning(SourceLoc(relative(path, root)), "parse",
                                       "this file is ignored: irritants are .yaml files",
                                       f"rename it to {path.stem}.yaml if it is an irritant"))
            continue
        record = load_irritant(path, root, diagnostics)
        if record is not None:
            _keep_unique(irritants, record, "irritant", diagnostics)

    decisions = {}
    for path in list_files(root / DECISIONS_DIR, (".md",)):
        record = load_decision(path, root, diagnostics)
        if record is not None:
            _keep_unique(decisions, record, "decision", diagnostics)

    stories = {}
    for path in list_files(root / STORIES_DIR, (".md",)):
        record = load_story(path, root, diagnostics)
        if record is not None:
            _keep_unique(stories, record, "story", diagnostics)

    feedback = []
    for path in list_files(root / FEEDBACK_DIR, FEEDBACK_SUFFIXES, recursive=True):
        feedback.extend(load_feedback_file(path, root, diagnostics))

    backlog = Backlog(
        config=config,
        irritants=dict(sorted(irritants.items())),
        decisions=dict(sorted(decisions.items())),
        stories=dict(sorted(stories.items())),
        feedback=tuple(feedback),
    )
    return backlog, diagnostics


def _keep_unique(records: dict, record, what: str, diagnostics: list[Diagnostic]) -> None:
    # two files can share a stem only as slow.yaml and slow.yml
    if record.id in records:
        diagnostics.append(error(record.loc, "id-duplicate",
                                 f"{what} ID '{record.id}' is already used by {records[record.id].loc.path}",
                                 "give each file its own name"))
        return
    records[record.id] = record
