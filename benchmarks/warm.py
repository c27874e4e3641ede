"""Time warm builds on a synthetic repository: nothing changed, one story body edited, one irritant's owner edited
(shown on its own page, the board and its team's page, not on the stories and decisions that name it).

    python benchmarks/warm.py --repo /dev/shm/warm-repo --out /dev/shm/warm-out --runs 3
Targets (issue 12 item 2): a no-change warm build in 1.0 s or less at 10,000 stories. Prints median and range.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import build as make_repo  # noqa: E402

from site_gen.build import build  # noqa: E402


def figure(name: str, times: list[float]) -> None:
    print(f"{name}: median {statistics.median(times):.2f} s, range {min(times):.2f}-{max(times):.2f} s "
          f"({len(times)} runs); load {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, default=Path("/dev/shm/warm-repo"))
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/warm-out"))
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.repo / "site.yaml").exists():
        make_repo(args.repo, irritants=2_000, decisions=1_000, stories=args.stories, feedback=200_000)
    shutil.rmtree(args.out, ignore_errors=True)
    today = date(2026, 11, 23)
    started = time.perf_counter()
    build(args.repo, args.out, today, search=False)
    print(f"first build (fills the cache): {time.perf_counter() - started:.1f} s")
    unchanged, edited, reowned = [], [], []
    story = args.repo / "backlog/stories/story-7.md"
    irritant = args.repo / "backlog/irritants/irritant-7.yaml"
    for run in range(args.runs):
        started = time.perf_counter()
        report = build(args.repo, args.out, today, search=False)
        unchanged.append(time.perf_counter() - started)
        assert report.reused, "a build with nothing changed should reuse the last run"
        story.write_text(story.read_text("utf-8") + f"\nEdited in run {run}.\n", "utf-8")
        started = time.perf_counter()
        report = build(args.repo, args.out, today, search=False)
        edited.append(time.perf_counter() - started)
        print(f"  edit run {run}: files rewritten {report.changed}")
        lines = irritant.read_text("utf-8").split("\n")
        irritant.write_text("\n".join(f"owner: Owner of run {run}" if line.startswith("owner:") else line
                                      for line in lines), "utf-8")
        started = time.perf_counter()
        report = build(args.repo, args.out, today, search=False)
        reowned.append(time.perf_counter() - started)
        print(f"  owner run {run}: files rewritten {report.changed}")
    figure("warm build, nothing changed", unchanged)
    figure("warm build, one story body edited", edited)
    figure("warm build, one irritant's owner edited", reowned)


if __name__ == "__main__":
    main()
