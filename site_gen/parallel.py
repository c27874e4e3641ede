"""Worker processes for bulk work, forked so they share the loaded model without copying it.

A worker never outlives the build that forked it: killed with SIGKILL or SIGTERM, the parent takes its
workers with it (PR_SET_PDEATHSIG on Linux, a watchdog thread elsewhere), so no 70 MB process is left
waiting on a queue nobody will fill, holding the terminal's output open.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1


def can_fork(workers: int | None) -> bool:
    """More than one worker was asked for and the platform can fork (not Windows)."""
    return (workers or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Pool initializer: exit when the parent dies; leave SIGTERM and Ctrl-C to the parent, which shuts us down."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    armed = False
    if sys.platform.startswith("linux"):
        try:
            armed = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def fork_pool(size: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(size, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))
