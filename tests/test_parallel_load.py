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
