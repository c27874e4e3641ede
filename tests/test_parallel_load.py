"""Large repositories load in two processes; the result must be exactly what one process gives."""

from __future__ import annotations

import sys
from pathlib import Path

from site_gen.load import PARALLEL_FROM, load_backlog

from .conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from synthetic import build as make_repo  # noqa: E402


def test_two_processes_load_exactly_what_one_does(tmp_path: Path) -> None:
    root = tmp_path / "big"
    make_repo(root, irritants=300, decisions=300, stories=1_500, feedback=2_000)
    # problems spread across chunks, and the same ID twice (x.yaml and x.yml)
    (root / "backlog/irritants/irritant-7.yml").write_bytes((root / "backlog/irritants/irritant-7.yaml").read_bytes())
    (root / "backlog/stories/story-1400.md").write_text("no front matter\n", encoding="utf-8")
    (root / "backlog/decisions/decision-3.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    assert sum(1 for _ in root.glob("backlog/*/*")) >= PARALLEL_FROM

    one, one_problems = load_backlog(root, workers=1)
    two, two_problems = load_backlog(root, workers=2)
    assert list(two.irritants) == list(one.irritants) and two.irritants == one.irritants
    assert two.decisions == one.decisions and two.stories == one.stories
    assert two.feedback == one.feedback
    assert [s.locs for s in two.stories.values()] == [s.locs for s in one.stories.values()]
    assert sorted(d.as_text() for d in two_problems) == sorted(d.as_text() for d in one_problems)
    assert {d.rule for d in one_problems} >= {"id-duplicate", "front-matter", "parse"}


def test_a_cached_check_parses_in_a_second_process_only_what_the_cache_does_not_hold(tmp_path: Path) -> None:
    """A record the cache holds is a lookup: a worker would only pickle back what the check already holds. So a
    second process loads when many files must be parsed (the first run, many edits), never for cache hits."""
    from datetime import date

    from site_gen.check import check_cached
    from site_gen.incremental import DiskMemo
    from site_gen.parallel import forked

    root = tmp_path / "big"
    make_repo(root, irritants=300, decisions=300, stories=1_500, feedback=2_000)
    today = date(2026, 11, 23)
    before = forked()
    first = check_cached(root, today, DiskMemo(root), workers=2)
    assert forked() > before   # 2,100 files to parse: two processes
    story = root / "backlog/stories/story-7.md"
    story.write_text(story.read_text("utf-8").replace("audience: ", "audience: internal\n#", 1), "utf-8")
    before = forked()
    edited = check_cached(root, today, DiskMemo(root), workers=2)   # a full check: the audience changed
    assert forked() == before   # one file to parse, 2,099 held: one process
    assert not edited.reused and edited.diagnostics == check_cached(root, today, None, workers=1).diagnostics
    assert edited.diagnostics != first.diagnostics
