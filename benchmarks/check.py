"""Time `site-gen check` on a synthetic repository and report peak memory.

    python benchmarks/check.py                 # 2,000 irritants, 1,000 decisions, 10,000 stories, 200,000 rows
    python benchmarks/check.py --each 10000    # 10,000 of each record kind
Targets (issue 2): under 4 s and under 500 MiB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import build  # noqa: E402

from site_gen.check import check_repository  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--each", type=int, default=0, help="this many irritants, decisions and stories")
    parser.add_argument("--feedback", type=int, default=200_000)
    parser.add_argument("--repo", type=Path, default=Path("benchmarks/out/check-repo"))
    parser.add_argument("--workers", type=int, default=None, help="processes for loading (default: cores)")
    parser.add_argument("--runs", type=int, default=3, help="report the best and worst of this many runs")
    args = parser.parse_args()
    sizes = (args.each, args.each, args.each) if args.each else (2_000, 1_000, 10_000)
    if not (args.repo / "site.yaml").exists() or args.each:
        build(args.repo, *sizes, args.feedback)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = check_repository(args.repo, date(2026, 11, 23), args.workers)
        times.append(time.perf_counter() - started)
        del result
    result = check_repository(args.repo, date(2026, 11, 23), args.workers)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    counts = ", ".join(f"{n:,} {kind}" for kind, n in result.backlog.counts().items())
    print(f"check: {counts}")
    print(f"  best {min(times):.2f} s, worst {max(times):.2f} s of {args.runs}; peak RSS {peak:.0f} MiB "
          f"(worker process {worker_peak:.0f} MiB); {result.errors:,} errors, {result.warnings:,} warnings")


if __name__ == "__main__":
    main()
