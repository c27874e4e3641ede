"""Feedback at scale: `check` and `build` over 1,000,000 CSV rows and over 10,000,000 rows in Parquet.

    python benchmarks/feedback_scale.py                       # both, 3 runs each, repositories under /dev/shm
    python benchmarks/feedback_scale.py --csv-rows 200000 --parquet-rows 0 --runs 5

Each figure is the median and range (min-max) of several runs of the real command in a fresh process, as
wall time and as CPU time of the process tree (user + system: on a shared machine the wall time also
measures the neighbours).
Memory is the peak PSS of the whole process tree (the command and any worker it forks: a page shared
by a fork counts once, where summed RSS counts it in every process), sampled every 50 ms
(benchmarks/measure.py). Every run is cold (--no-cache): a run with a cache and nothing changed reads
nothing. Targets (issue 11 item 6, issue 12 item 4): check at 1M rows <= 5 s and
<= 1 GiB; check and build at 1M rows < 10 s and < 1.5 GiB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Runs, compile_site_gen, run_command  # noqa: E402
from synthetic import STAGES, build  # noqa: E402

TODAY = "2026-11-23"


def report(label: str, command: list[str], runs: int, out: Path | None = None) -> None:
    """Several runs of command; `out`: the build's output folder, removed before each (every run a first build)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    figures = Runs(label)
    for _ in range(runs):
        figures.add_run(run_command(command, env=env, fresh=out))
    print(figures, flush=True)


def parquet_repo(root: Path, rows: int) -> None:
    """A small backlog whose feedback is `rows` rows in 10 Parquet files, written by DuckDB in seconds."""
    import duckdb

    build(root, 2_000, 1_000, 2_000, 0)
    (root / "feedback/export.csv").unlink()
    stages = "[" + ", ".join(f"'{s}'" for s in STAGES) + "]"
    per_file = rows // 10
    for part in range(10):
        duckdb.sql(f"""
            COPY (SELECT 'PQ-' || ({part} * {per_file} + i) AS id,
                         DATE '2025-11-01' + CAST(floor(random() * 380) AS INTEGER) AS date,
                         (['survey', 'ticket', 'chat', 'review'])[1 + CAST(floor(random() * 4) AS INTEGER)] AS source,
                         'CUST-' || lpad(CAST(CAST(floor(random() * 1000000) AS INTEGER) AS VARCHAR), 6, '0')
                             AS customer,
                         (['commuter', 'tourist', 'business'])[1 + CAST(floor(random() * 3) AS INTEGER)] AS segment,
                         {stages}[1 + CAST(floor(random() * {len(STAGES)}) AS INTEGER)] AS journey_stage,
                         'nps' AS score_type, CAST(floor(random() * 11) AS INTEGER) AS score,
                         'Seat would not go down at the station' AS verbatim,
                         (['complaint', 'praise', 'suggestion'])[1 + CAST(floor(random() * 3) AS INTEGER)] AS kind,
                         CASE WHEN random() < 0.2 THEN 'irritant-' || CAST(floor(random() * 2000) AS INTEGER) END
                             AS irritant
                  FROM range({per_file}) t(i))
            TO '{root}/feedback/part-{part:02d}.parquet' (FORMAT parquet)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--parquet-rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stories", type=int, default=1_000,
                        help="stories beside the CSV rows (with a fifth as many irritants, a tenth as many decisions): "
                             "a team's backlog, so the figures measure the feedback; benchmarks/build.py measures "
                             "10,000 stories' pages")
    parser.add_argument("--keep", type=Path, default=None, help="reuse (or create) the repositories in this folder")
    args = parser.parse_args()
    compile_site_gen()
    base = args.keep or Path(tempfile.mkdtemp(prefix="feedback-scale-", dir="/dev/shm" if Path("/dev/shm").is_dir()
                                              else None))
    site_gen = [sys.executable, "-m", "site_gen"]
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} cores", flush=True)
    if args.csv_rows:
        repo = base / f"csv-{args.csv_rows}-{args.stories}"
        if not (repo / "site.yaml").exists():
            build(repo, args.stories // 5, args.stories // 10, args.stories, args.csv_rows)
        print(f"  {args.stories // 5:,} irritants, {args.stories // 10:,} decisions, {args.stories:,} stories, "
              f"{args.csv_rows:,} CSV rows; every run cold (--no-cache), the build with its search index", flush=True)
        report(f"check, {args.csv_rows:,} CSV rows",
               [*site_gen, "check", str(repo), "--today", TODAY, "--no-cache"], args.runs)
        report(f"build, {args.csv_rows:,} CSV rows",
               [*site_gen, "build", str(repo), "--today", TODAY, "--no-cache", "--out", str(base / "out")], args.runs,
               base / "out")
    if args.parquet_rows:
        repo = base / f"parquet-{args.parquet_rows}"
        if not (repo / "site.yaml").exists():
            started = time.perf_counter()
            parquet_repo(repo, args.parquet_rows)
            print(f"  wrote {args.parquet_rows:,} Parquet rows in {time.perf_counter() - started:.1f} s", flush=True)
        report(f"check, {args.parquet_rows:,} Parquet rows",
               [*site_gen, "check", str(repo), "--today", TODAY, "--no-cache"], args.runs)
        report(f"build, {args.parquet_rows:,} Parquet rows",
               [*site_gen, "build", str(repo), "--today", TODAY, "--no-cache", "--out", str(base / "out-parquet")],
               args.runs, base / "out-parquet")
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
