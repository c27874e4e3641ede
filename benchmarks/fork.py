"""When does rendering the public site in a forked worker pay? Times render_sites with and without the fork.

    python benchmarks/fork.py                      # 50 to 3,000 stories, 5 paired runs each
The crossover sets site_gen/sites.py's PUBLIC_FORK_FROM (public pages).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Runs, load  # noqa: E402
from synthetic import build as make_repo  # noqa: E402

import site_gen.sites as sites_module  # noqa: E402
from site_gen.check import check_repository  # noqa: E402
from site_gen.collector import paused_collector  # noqa: E402
from site_gen.history import status_histories  # noqa: E402
from site_gen.publish import public as public_site  # noqa: E402
from site_gen.views.public import public_view  # noqa: E402

TODAY = __import__("datetime").date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, nargs="+", default=[50, 200, 500, 1_000, 3_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=Path("benchmarks/out/fork"))
    args = parser.parse_args()
    print(load())
    for stories in args.stories:
        root = args.folder / f"stories-{stories}"
        if not (root / "site.yaml").exists():
            make_repo(root, irritants=stories // 5 + 1, decisions=stories // 10 + 1, stories=stories,
                      feedback=stories * 20)
        result = check_repository(root, TODAY)
        markdown = sites_module.render_markdown_once(sites_module._markdown_sources(result, None), 1)
        view = public_view(result.backlog, result.facts, markdown, None, status_histories(root), False)
        pages = len(public_site.pages(view))
        alone, forked = Runs(f"{stories:>6,} stories, {pages:>6,} public pages: one process"), Runs("forked")
        for _ in range(args.runs):  # paired and interleaved: the machine's load hits both alike
            for runs, threshold in ((alone, 10**9), (forked, 0)):
                sites_module.PUBLIC_FORK_FROM = threshold
                started = time.perf_counter()
                with paused_collector():
                    sites_module.render_sites(result, root.absolute(), workers=2)
                runs.add(time.perf_counter() - started)
        print(f"{alone}; {forked}; forked/alone {forked.median / alone.median:.2f}")
    print(load())


if __name__ == "__main__":
    main()
