"""Time `site-gen check` on a synthetic repository: median and range of several runs, the process tree's peak PSS.

    python benchmarks/check.py                 # 2,000 irritants, 1,000 decisions, 10,000 stories, 200,000 rows
    python benchmarks/check.py --each 10000    # 10,000 of each record kind
    python benchmarks/check.py --each 10000 --repo /dev/shm/check-10k --cached   # also with .site-gen-cache/
Targets (issue 2): under 4 s and under 500 MiB on a 2-core machine. With --cached (issue 12 item 4): cold
(--no-cache), cached with nothing changed, cached with one record changed (a story's body; its you_said; an
irritant's review date; a decision's owner; a published story's title, which moves its derived address; an
irritant's status, which rules across records read: a fix closed in May reopened and done again, an irritant in
progress marked done this week and reopened); at 10,000 of each + 200,000 rows a cached check in 2 s or less, a
cold one in 3.5 s or less.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Runs, compile_site_gen, load, run_command  # noqa: E402
from synthetic import build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--each", type=int, default=0, help="this many irritants, decisions and stories")
    parser.add_argument("--feedback", type=int, default=200_000)
    parser.add_argument("--repo", type=Path, default=None, help="default: benchmarks/out/check-SIZES")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cached", action="store_true", help="also time checks reusing .site-gen-cache/")
    args = parser.parse_args()
    compile_site_gen()
    sizes = (args.each, args.each, args.each) if args.each else (2_000, 1_000, 10_000)
    repo = args.repo or Path(f"benchmarks/out/check-{'-'.join(map(str, sizes))}-{args.feedback}")
    if not (repo / "site.yaml").exists():
        build(repo, *sizes, args.feedback)
    print(f"before: {load()}")
    command = [sys.executable, "-m", "site_gen", "check", str(repo), "--today", "2026-11-23"]
    runs = Runs("check, cold (--no-cache)")
    for _ in range(args.runs):
        _timed(runs, command + ["--no-cache"])
    figures = [runs]
    if args.cached:
        unchanged, edited = Runs("check, cached, nothing changed"), Runs("check, cached, one story body edited")
        reworded = Runs("check, cached, one story's you_said edited (its words: judged alone)")
        reviewed = Runs("check, cached, one irritant's reviewed date edited (its own field: judged alone)")
        reowned = Runs("check, cached, one decision's owner edited (its own field: judged alone)")
        retitled = Runs("check, cached, one published story's title edited (its derived address moves with it)")
        # an irritant's status: what the rules across records read (the backlog's length, risks, the loop rules)
        reopened = Runs("check, cached, one irritant's status edited, done -> in-progress (its closed date of May "
                        "left in: judged alone)")
        redone = Runs("check, cached, one irritant's status edited, in-progress -> done (closed in May: the loop "
                      "rules follow it up, a full check)")
        closed = Runs("check, cached, one irritant marked done with a closed date 3 days before (its closed line "
                      "added: judged alone)")
        unclosed = Runs("check, cached, that irritant reopened (in-progress, its closed line removed: judged alone)")
        relinked = Runs("check, cached, one story's irritants edited, one added or taken off (a link the rules across "
                        "records read: a full check, taking what DuckDB answered the last one)")
        _timed(Runs("fills the cache"), command, pss=False)
        story = repo / "backlog/stories/story-7.md"
        for run in range(args.runs):   # each timed once: a second run would find the cache the first one left
            time.sleep(3)   # as between a person's edits: files left alone are compared by their times alone
            _timed(unchanged, command, pss=False)
            story.write_text(story.read_text("utf-8") + f"\nEdited in run {run}.\n", "utf-8")
            _timed(edited, command, pss=False)
            story.write_text(story.read_text("utf-8").replace("you_said: ", f"you_said: Run {run} ", 1), "utf-8")
            _timed(reworded, command, pss=False)
            _edit_line(repo / "backlog/irritants/irritant-7.yaml", "reviewed", f"2026-11-{10 + run:02d}")
            _timed(reviewed, command, pss=False)
            _edit_line(repo / "backlog/decisions/decision-7.md", "owner", f"Owner of run {run}")
            _timed(reowned, command, pss=False)
        fixed = repo / "backlog/irritants/irritant-7.yaml"   # done, closed on 2026-05-28
        meeting = _in_progress(repo, fixed)
        for run in range(args.runs):
            story.write_text(story.read_text("utf-8").replace("title: ", f"title: Run {run} ", 1), "utf-8")
            _timed(retitled, command, pss=False)
            _edit_line(fixed, "status", "in-progress")
            _timed(reopened, command, pss=False)
            _edit_line(fixed, "status", "done")
            _timed(redone, command, pss=False)
            # as the weekly meeting writes it: the closed date below the status
            _edit_text(meeting, "status: in-progress\n", "status: done\nclosed: 2026-11-20\n")
            _timed(closed, command, pss=False)
            _edit_text(meeting, "status: done\nclosed: 2026-11-20\n", "status: in-progress\n")
            _timed(unclosed, command, pss=False)
            linked, unlinked = "irritants: [irritant-8, ", "irritants: ["
            _edit_text(story, *((unlinked, linked) if run % 2 == 0 else (linked, unlinked)))
            _timed(relinked, command, pss=False)
        figures += [unchanged, edited, reworded, reviewed, reowned, retitled, reopened, redone, closed, unclosed,
                    relinked]
    print(f"after:  {load()}")
    print(f"repository: {sizes[0]:,} irritants, {sizes[1]:,} decisions, {sizes[2]:,} stories, "
          f"{args.feedback:,} feedback rows")
    for figure in figures:
        print(figure)


def _edit_line(path: Path, field: str, value: str) -> None:
    """Set a front-matter field's value (the line `field: …`), or add it at the end of the front matter."""
    lines = path.read_text("utf-8").split("\n")
    at = next((n for n, line in enumerate(lines) if line.startswith(f"{field}:")), None)
    if at is None:   # the closing --- of a markdown file's front matter, else the end of a YAML file
        at = lines.index("---", 1) if lines[0] == "---" else len(lines) - 1
        lines.insert(at, "")
    lines[at] = f"{field}: {value}"
    path.write_text("\n".join(lines), "utf-8")


def _in_progress(repo: Path, but: Path) -> Path:
    """The first irritant in progress of the synthetic repository, but that one."""
    return next(path for number in range(1_000_000) for path in (repo / f"backlog/irritants/irritant-{number}.yaml",)
                if path != but and "\nstatus: in-progress\n" in path.read_text("utf-8"))


def _edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    if old not in text:
        raise SystemExit(f"{path}: no {old!r}")
    path.write_text(text.replace(old, new, 1), "utf-8")


def _timed(runs: Runs, command: list[str], pss: bool = True) -> None:
    run = run_command(command, pss=pss)
    if run.returncode not in (0, 1):  # 1: the synthetic backlog breaks some rules, as real ones do
        raise SystemExit(f"check: exit code {run.returncode}\n{run.stderr}")
    runs.add(run.seconds, run.peak_pss_mib, run.cpu_seconds)

if __name__ == "__main__":
    main()
