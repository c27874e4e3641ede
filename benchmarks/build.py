"""Time `site-gen build` on a synthetic repository, side by side with Hugo on as many pages.

    python benchmarks/build.py                  # 10,000 stories, 2,000 irritants, 1,000 decisions, 200,000 rows
    python benchmarks/build.py --stories 30000 --runs 5
    python benchmarks/build.py --phases         # also check / render / write apart, in this process

Each run is a fresh `site-gen build` process (cold); with `hugo` on the PATH, every run of site-gen is paired
with a cold Hugo build of a minimal site with the same number of HTML pages (benchmarks/hugo_site.py), so the
machine's load weighs on both alike. Printed: the median and range of wall time, CPU time and the process
tree's peak PSS (benchmarks/measure.py), pages per second, the ratios to Hugo, and the largest public page.
Output goes to /dev/shm when it exists, so the disk's speed stays out of the figures.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hugo_site  # noqa: E402
from measure import Runs, compile_site_gen, load, run_command  # noqa: E402
from synthetic import build as make_repo  # noqa: E402

TODAY = date(2026, 11, 23)
LARGEST_PUBLIC_PAGE = 200 * 1024  # issue 8: no public page much larger than this, whatever the backlog's size


def site_gen_command(repo: Path, out: Path, search: bool) -> list[str]:
    """A cold build: no cache (benchmarks/warm.py measures warm ones)."""
    return [sys.executable, "-m", "site_gen", "build", str(repo), "--out", str(out), "--today", TODAY.isoformat(),
            "--no-cache", "--search" if search else "--no-search"]


def html_pages(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.html") if "pagefind" not in p.parts]


def phases(repo: Path, out: Path) -> None:
    from site_gen.check import check_repository
    from site_gen.collector import paused_collector
    from site_gen.sites import render_sites
    from site_gen.write import write_sites

    with paused_collector():
        started = time.perf_counter()
        result = check_repository(repo, TODAY)
        checked = time.perf_counter()
        sites = render_sites(result, repo.absolute())
        rendered = time.perf_counter()
        write_sites(out, sites)
        written = time.perf_counter()
    print(f"phases: check {checked - started:.1f} s, render {rendered - checked:.1f} s "
          f"({sum(map(len, sites.values())):,} files in memory), write {written - rendered:.1f} s")
    shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10_000,
                        help="with a fifth as many irritants, a tenth as many decisions, 20 feedback rows each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, default=None, help="default: benchmarks/out/build-STORIES")
    parser.add_argument("--out", type=Path, default=None, help="default: /dev/shm/site-gen-bench (tmpfs)")
    parser.add_argument("--search", action="store_true", help="include the Pagefind index (off: it is a separate tool)")
    parser.add_argument("--no-hugo", action="store_true", help="leave Hugo out even when it is on the PATH")
    parser.add_argument("--phases", action="store_true", help="also time check, render and write apart")
    args = parser.parse_args()
    compile_site_gen()
    repo = args.repo or Path(f"benchmarks/out/build-{args.stories}")
    if not (repo / "site.yaml").exists():
        make_repo(repo, irritants=args.stories // 5, decisions=args.stories // 10, stories=args.stories,
                  feedback=args.stories * 20)
    out = args.out or (Path("/dev/shm/site-gen-bench") if Path("/dev/shm").is_dir() else repo.parent / "build-out")
    hugo = None if args.no_hugo else shutil.which("hugo")
    print(f"before: {load()}")
    if args.phases:
        phases(repo, out / "phases")

    ours = Runs("site-gen build")
    theirs = Runs("hugo")
    pages = hugo_pages = 0
    processes = 1
    for _ in range(args.runs):
        run = run_command(site_gen_command(repo, out / "site-gen", args.search), fresh=out / "site-gen")
        ours.add_run(run)
        processes = max(processes, run.processes)
        pages = len(html_pages(out / "site-gen"))
        if hugo is not None:
            site = repo.parent / f"hugo-{pages}"
            if not (site / "config.toml").exists():
                hugo_site.build(site, pages - 2)  # Hugo adds a home page and the section's list
            theirs.add_run(run_command([hugo, "--source", str(site), "--destination", str(out / "hugo"), "--quiet",
                                        "--cacheDir", str(out / "hugo-cache")], fresh=out / "hugo"))
            hugo_pages = len(html_pages(out / "hugo"))
            shutil.rmtree(out / "hugo-cache", ignore_errors=True)
    print(f"after:  {load()}")

    public = out / "site-gen" / "public"
    largest = max(html_pages(public), key=lambda p: p.stat().st_size)
    size = largest.stat().st_size
    print(f"repository: {args.stories:,} stories, {args.stories // 5:,} irritants, {args.stories // 10:,} decisions, "
          f"{args.stories * 20:,} feedback rows; search index: {'yes' if args.search else 'no'}")
    print(f"{ours}; {pages:,} pages, {pages / ours.median:,.0f} pages/s; at most {processes} processes at once")
    print(f"largest public page: {largest.relative_to(public)} ({size / 1024:,.0f} KB)"
          + ("" if size <= LARGEST_PUBLIC_PAGE else " — over the 200 KB target"))
    if theirs.seconds:
        print(f"{theirs}; {hugo_pages:,} pages, {hugo_pages / theirs.median:,.0f} pages/s")
        ratio = (pages / ours.median) / (hugo_pages / theirs.median)
        print(f"site-gen / Hugo: {ratio:.2f}x Hugo's pages/s; cold build {ours.median / theirs.median:.2f}x "
              "Hugo's time" + (f"; tree PSS {max(ours.pss) / max(theirs.pss):.2f}x" if ours.pss and theirs.pss
                               else ""))
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
