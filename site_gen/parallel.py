"""Worker processes for bulk work, forked so they share the loaded model without copying it."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def can_fork(workers: int | None) -> bool:
    """More than one worker was asked for and the platform can fork (not Windows)."""
    return (workers or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def fork_pool(size: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("fork"))
