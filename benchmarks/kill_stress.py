"""Kill `site-gen build` at random times with SIGKILL; count how often both sites still form one pair.

    python benchmarks/kill_stress.py --runs 30

Each run gives one story a new title ("Kill stress run N"), starts a build of the example backlog, kills the
build process (the parent only, as `kill -9 PID` does) after a random delay between 0 and 1.3 times an
unkilled build's duration, and then reads OUT: which run each site shows (the title on the public home page and
on the internal story page), and whether the build ids in the two sites' .site-gen-output markers agree. It
reads once right after the kill and once after the recovery every build runs first (site_gen.write.Output);
it also counts worker processes still alive a second after the kill. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from site_gen.write import JOURNAL, MARKER, PREVIOUS, STAGING, Output  # noqa: E402

STORY = "backlog/stories/helmet-discount.md"
TITLE = re.compile(r"^title: .*$", re.MULTILINE)
SHOWN = re.compile(r"Kill stress run (\d+)\b")


def retitle(repo: Path, run: int) -> None:
    story = repo / STORY
    story.write_text(TITLE.sub(f"title: Kill stress run {run} helmet offer", story.read_text("utf-8"), count=1),
                     encoding="utf-8")


def build_command(repo: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "site_gen", "build", str(repo), "--out", str(out), "--today", "2026-11-23"]


def shown_run(page: Path) -> int | None:
    try:
        found = SHOWN.search(page.read_text("utf-8"))
    except FileNotFoundError:
        return None
    return int(found.group(1)) if found else None


def state(out: Path) -> tuple[int | None, int | None, bool]:
    """(run the public site shows, run the internal site shows, whether both markers carry the same build id)."""
    def stamp(audience: str) -> str | None:
        try:
            return json.loads((out / audience / MARKER).read_text())["build"]
        except (OSError, ValueError, KeyError):
            return None
    public = shown_run(out / "public/index.html")
    internal = shown_run(out / "internal/stories/helmet-discount/index.html")
    return public, internal, stamp("public") is not None and stamp("public") == stamp("internal")


def survivors(session: int) -> int:
    """Processes still alive (not zombies) in the killed build's session: its workers, or Pagefind."""
    alive = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            alive += 1
    return alive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    work = Path(tempfile.mkdtemp(prefix="site-gen-kill-stress-"))
    try:
        repo, out = work / "repo", work / "repo/_site"
        repo.mkdir()
        shutil.copy2(ROOT / "site.yaml", repo)
        for folder in ("backlog", "feedback"):
            shutil.copytree(ROOT / folder, repo / folder)
        retitle(repo, 0)
        durations = []
        for _ in range(3):  # on a shared machine one build's time says little: take the median of three
            started = time.perf_counter()
            subprocess.run(build_command(repo, out), env=env, check=True, capture_output=True)
            durations.append(time.perf_counter() - started)
        duration = sorted(durations)[1]
        print(f"an unkilled build takes {duration:.2f} s; killing {args.runs} builds at 0–{1.3 * duration:.2f} s")

        tally = {"old": 0, "new": 0, "mixed": 0}
        recovered = {"old": 0, "new": 0, "mixed": 0}
        left_alive = finished = in_write = 0
        last_whole = 0  # the run whose pair OUT held before this run's build
        for run in range(1, args.runs + 1):
            retitle(repo, run)
            delay = rng.uniform(0, 1.3 * duration)
            process = subprocess.Popen(build_command(repo, out), env=env, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)  # the parent only; a no-op when it has finished
            process.wait()
            finished += process.returncode == 0
            time.sleep(1)
            left_alive += survivors(process.pid)
            public, internal, same_id = state(out)
            in_write += any(os.path.lexists(out / name) for name in (STAGING, PREVIOUS, JOURNAL))
            verdict = ("new" if public == run else "old") if public == internal and same_id else "mixed"
            tally[verdict] += 1
            with Output(out, ("public", "internal"), {}):  # what any next build does first: finish or drop
                pass
            public_after, internal_after, same_after = state(out)
            after = ("new" if public_after == run else "old") if public_after == internal_after and same_after \
                else "mixed"
            recovered[after] += 1
            print(f"run {run:3}: killed at {delay:.2f} s (exit {process.returncode}): public shows run {public}, "
                  f"internal run {internal}, markers {'agree' if same_id else 'differ'} -> {verdict}; "
                  f"after recovery {after} (run {public_after})")
            if after != "mixed":
                last_whole = public_after
        leftovers = sorted(p.name for p in out.iterdir() if p.name not in ("public", "internal"))
        print(f"\nright after the kill:      {tally['old'] + tally['new']}/{args.runs} consistent pairs "
              f"({tally['old']} old, {tally['new']} new), {tally['mixed']} mixed")
        print(f"after the next recovery:   {recovered['old'] + recovered['new']}/{args.runs} consistent pairs "
              f"({recovered['old']} old, {recovered['new']} new), {recovered['mixed']} mixed; "
              f"last whole pair from run {last_whole}")
        print(f"builds that finished before their kill: {finished}; killed while writing (staging, previous or "
              f"journal left in OUT): {in_write}")
        print(f"worker processes alive 1 s after a kill: {left_alive}; "
              f"left in OUT at the end: {leftovers or 'nothing'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
