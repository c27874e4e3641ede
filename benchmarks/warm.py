"""Time warm builds on a synthetic repository: nothing changed, one story body edited, one story title edited,
one irritant's owner edited (shown on its own page, the board and its team's page, not on the stories and decisions
that name it). Each build is a `site-gen build` process of its own, as a person or CI runs it (a build in the
process of the one before shares its random hashing of strings, which hid pages rendered again in every new one).

    python benchmarks/warm.py --repo /dev/shm/warm-repo --out /dev/shm/warm-out --runs 3
Targets (issue 12 item 2): a no-change warm build in 1.0 s or less at 10,000 stories. Prints median and range, and
how many files each edit rewrote (a new inode).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Runs, compile_site_gen, load, run_command  # noqa: E402
from synthetic import build as make_repo  # noqa: E402


def inodes(out: Path) -> dict[str, int]:
    return {path.relative_to(out).as_posix(): path.stat().st_ino for path in out.rglob("*") if path.is_file()}


def timed(runs: Runs, command: list[str], out: Path, what: str) -> None:
    before = inodes(out)
    run = run_command(command, pss=False)
    if run.returncode not in (0, 1):   # 1: the synthetic backlog breaks some rules, as real ones do
        raise SystemExit(f"build: exit code {run.returncode}\n{run.stderr}")
    runs.add(run.seconds, cpu_seconds=run.cpu_seconds)
    after = inodes(out)
    rewritten = sum(after.get(name) != inode for name, inode in before.items()) + len(after.keys() - before.keys())
    print(f"  {what}: {run.seconds:.2f} s, {rewritten} files rewritten")


def _set_line(path: Path, name: str, value: str) -> None:
    path.write_text("\n".join(f"{name}: {value}" if line.startswith(f"{name}:") else line
                              for line in path.read_text("utf-8").split("\n")), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, default=Path("/dev/shm/warm-repo"))
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/warm-out"))
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compile_site_gen()
    if not (args.repo / "site.yaml").exists():
        make_repo(args.repo, irritants=2_000, decisions=1_000, stories=args.stories, feedback=200_000)
    command = [sys.executable, "-m", "site_gen", "build", str(args.repo), "--out", str(args.out), "--today",
               "2026-11-23", "--no-search"]
    print(f"before: {load()}")
    started = time.perf_counter()
    run_command(command + ["--no-cache"], pss=False, fresh=args.out)
    run_command(command, pss=False)   # fills the cache
    print(f"first builds (the second fills the cache): {time.perf_counter() - started:.1f} s")
    unchanged, edited = Runs("warm build, nothing changed"), Runs("warm build, one story body edited")
    retitled, reowned = Runs("warm build, one story title edited"), Runs("warm build, one irritant's owner edited")
    story = args.repo / "backlog/stories/story-7.md"
    irritant = args.repo / "backlog/irritants/irritant-7.yaml"
    for run in range(args.runs):
        time.sleep(3)   # as between a person's edits: files left alone are compared by their times alone
        timed(unchanged, command, args.out, "nothing changed")
        story.write_text(story.read_text("utf-8") + f"\nEdited in run {run}.\n", "utf-8")
        timed(edited, command, args.out, "story body")
        story.write_text(story.read_text("utf-8").replace("title: ", f"title: Run {run} ", 1), "utf-8")
        timed(retitled, command, args.out, "story title")
        _set_line(irritant, "owner", f"Owner of run {run}")
        timed(reowned, command, args.out, "irritant owner")
    print(f"after:  {load()}")
    for figure in (unchanged, edited, retitled, reowned):
        print(figure)


if __name__ == "__main__":
    main()
