"""Time a full `site-gen build` on a synthetic repository; report pages per second and peak memory.

    python benchmarks/build.py     # 10,000 stories, 2,000 irritants, 1,000 decisions, 200,000 feedback rows
Target (issue 3): under 15 s and under 1 GiB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import build as make_repo  # noqa: E402

from site_gen.build import build, render_sites  # noqa: E402
from site_gen.check import check_repository  # noqa: E402
from site_gen.write import write_sites  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, default=Path("benchmarks/out/build-repo"))
    parser.add_argument("--search", action="store_true", help="include the Pagefind index (off: it is a separate tool)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (on /dev/shm: leave the disk out)")
    parser.add_argument("--workers", type=int, default=None, help="processes for rendering (default: cores, up to 4)")
    args = parser.parse_args()
    if not (args.repo / "site.yaml").exists():
        make_repo(args.repo, irritants=2_000, decisions=1_000, stories=10_000, feedback=200_000)
    out = args.out or args.repo.parent / "build-out"
    shutil.rmtree(out, ignore_errors=True)
    if not args.search:
        import site_gen.build as build_module
        build_module.index_search = lambda folder: False
    today = date(2026, 11, 23)
    # the phases, one by one (disk speed on shared machines varies a lot: writing is reported apart)
    started = time.perf_counter()
    result = check_repository(args.repo, today)
    checked = time.perf_counter()
    sites = render_sites(result, args.repo.absolute(), workers=args.workers)
    rendered = time.perf_counter()
    write_sites(out, sites)
    written = time.perf_counter()
    print(f"phases: check {checked - started:.1f} s, render {rendered - checked:.1f} s "
          f"({sum(map(len, sites.values())):,} files in memory), write {written - rendered:.1f} s")
    del sites
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    report = build(args.repo, out, today, workers=args.workers, cache=False)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = sum(1 for p in out.rglob("*.html"))
    largest = max((p for p in (out / "public").rglob("*.html") if "pagefind" not in p.parts),
                  key=lambda p: p.stat().st_size)
    print(f"largest public page: {largest.relative_to(out / 'public')} ({largest.stat().st_size / 1024:,.0f} KB); "
          "the target is about 200 KB")
    print(f"full build: {', '.join(f'{n:,} {k}' for k, n in report.counts.items())}")
    print(f"  {elapsed:.1f} s, {pages:,} pages ({pages / elapsed:,.0f} pages/s), peak RSS {peak:.0f} MiB, "
          f"files: {report.written}, search index: {'yes' if report.search_indexed else 'no'}")


if __name__ == "__main__":
    main()
