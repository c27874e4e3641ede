"""A build's memory: what the parent freed is not shared with (and copied for) its workers, and grouping the inbox
into themes holds each word once.

The fork tests run in a fresh interpreter, whose heap holds nothing but what the test puts there (pytest's own
heap would blur a difference of 50 MB). They read the resident size from /proc (Linux, as CI).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
from datetime import date, timedelta

from site_gen.facts.themes import cluster_rows
from site_gen.verbatims import Said

from .conftest import REPO

RESIDENT = """
import gc, os
from site_gen.parallel import fork_pool
gc.disable()   # as during a build (collector.paused_collector): a full collection would empty the spare lists
def resident_mb():
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
"""


def _freed_before_fork(garbage: str) -> float:
    """MB by which the resident size shrank from before fork_pool to after it (its workers are forked then)."""
    script = RESIDENT + textwrap.dedent(garbage) + textwrap.dedent("""
        before = resident_mb()
        with fork_pool(1) as pool:
            after = resident_mb()
            assert pool.submit(int, "7").result() == 7
        print(before - after)
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    return float(done.stdout)


def test_blocks_freed_in_mallocs_heap_go_back_before_a_fork() -> None:
    """100 MB of 2 KB strings, freed below one still in use: glibc keeps them in its heap unless trimmed."""
    freed = _freed_before_fork("""
        blocks = [bytes(2000) + i.to_bytes(4, "little") for i in range(50_000)]
        top = bytes(2000) + b"still in use"
        del blocks
        """)
    assert freed > 80, freed


def test_spare_tuples_do_not_keep_freed_arenas() -> None:
    """100 MB of tuples freed, the 2,000 CPython keeps for reuse spread among them: each would keep its arena
    (1 MiB) alive; emptying the spare lists before the fork gives the arenas back."""
    freed = _freed_before_fork("""
        items = [(i, i, i, i, i, i, i) for i in range(1_000_000)]
        for at in range(0, len(items), len(items) // 2_000):
            items[at] = None   # these go to the spare list first, and stay there
        del items
        """)
    assert freed > 60, freed


def test_grouping_holds_each_word_once() -> None:
    """20,000 different verbatims of 30 words from a vocabulary of 200: grouping them must not keep a string for
    every word of every verbatim (600,000 strings, 33 MB) but one for each word of the vocabulary."""
    vocabulary = [f"word{number:03d}" for number in range(200)]
    rows = [Said(date(2026, 1, 1) + timedelta(days=n % 300), f"row-{n}", "complaint", "payment",
                 " ".join(vocabulary[(n * step + 7 * step * step) % 200] for step in range(1, 31)) + f" number{n}")
            for n in range(20_000)]
    tracemalloc.start()
    try:
        clusters = cluster_rows(rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(map(len, clusters)) == len(rows)
    assert peak < 32 * 2**20, peak / 2**20   # 24 MB with each word once, 48 with a string for each
