"""Pausing Python's cyclic garbage collector around bulk work.

Loading and rendering allocate millions of small acyclic objects (records,
strings); the collector would rescan the whole growing heap again and again,
which costs more than the work itself on large backlogs. Reference counting
still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collector() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
