"""Worker processes for bulk work, forked so they share the loaded model without copying it.

What a worker needs is handed over by the fork itself, never pickled: `fork_pool(size, payload)` forks its
workers at once with `payload` in place, and a worker reads it with `shared()`. Before the fork, gc.freeze()
moves every object into a generation no collection visits, so a collection in a worker never writes to the
parent's objects and their pages stay shared copy-on-write (only what a worker writes is copied). And the
memory the parent holds but no longer uses is given back first (release_free_memory), so the workers do not
share it — nor does the parent copy it page by page when it allocates there again after the fork.

A worker never outlives the build that forked it: killed with SIGKILL or SIGTERM, the parent takes its
workers with it (PR_SET_PDEATHSIG on Linux, a watchdog thread elsewhere), so no 70 MB process is left
waiting on a queue nobody will fill, holding the terminal's output open.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, BinaryIO

PR_SET_PDEATHSIG = 1

_payload: list[Any] = [None]   # set while a pool forks; in a worker, what its parent shared
_forked: list[int] = [0]       # workers forked by this process so far: tests read it through forked()


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


class Pool(ProcessPoolExecutor):
    def kill(self) -> None:
        """Stop the workers now, whatever they are doing: the work they do is no longer wanted, and an exiting
        Python would otherwise wait for it to finish."""
        for process in list((self._processes or {}).values()):  # (the executor's own table of its workers)
            process.kill()
        self.shutdown(wait=False, cancel_futures=True)


def _glibc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library: musl has none)."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_trim: list[Callable[[int], int] | None] = []


def release_free_memory() -> None:
    """Give the memory this process freed back to the system (10,000 stories, at the public renderer's fork:
    RSS 476 -> 363 MB, in 0.02 s); call it with every object frozen (gc.freeze), as fork_pool does.

    Two things hold freed memory. CPython keeps up to 2,000 spare tuples of each length for reuse; spread over
    the heap, they keep whole 1 MiB arenas of otherwise free objects alive (85 of 188 after the internal view).
    A full collection empties those spare lists, and costs nothing while every object is frozen (it has none
    to look at). And glibc's malloc keeps the blocks freed in its heap (after the internal view: 90 MB of 145
    free); malloc_trim(0) returns their pages. Not trimmed before the fork, they are shared with the worker,
    and each page the parent reuses afterwards is copied for it: they count twice in the tree's memory.
    """
    gc.collect()
    if not _trim:
        _trim.append(_glibc_trim() if sys.platform.startswith("linux") else None)
    if _trim[0] is not None:
        _trim[0](0)


def fork_pool(size: int, payload: Any = None) -> Pool:
    """`size` workers, forked now, each seeing `payload` through shared() without a copy."""
    pool = Pool(size, mp_context=multiprocessing.get_context("fork"),
                 initializer=_die_with_parent, initargs=(os.getpid(),))
    _payload[0] = payload
    gc.freeze()
    try:
        release_free_memory()
        pool.submit(int)  # a fork pool starts all its workers at the first submit: fork them while frozen
    finally:
        gc.unfreeze()  # this process's own collections (after the build) free the model as usual
        _payload[0] = None  # the workers have it; two pools may be alive at once (themes, public pages)
    _forked[0] += size
    return pool


def shared() -> Any:
    """In a worker: the payload its pool was forked with."""
    return _payload[0]


def forked() -> int:
    """How many workers this process has forked: a small build must fork none (tests/test_startup.py)."""
    return _forked[0]


_HEADER = struct.Struct("<II")  # path length, content length


class PipeFiles(dict[str, Any]):
    """In a worker: files {path: bytes} that go to the parent through a pipe as they are set, and are not kept.
    Anything else set (a reused output file's small record, incremental.Kept) is kept in `others`, for the result.

    A site handed back as one result would be pickled whole (a second copy in the worker), then unpickled
    (two more in the parent) — 100 MB of pages cost 400. Streamed, each page exists once, in the parent.
    Only item assignment streams: `files[path] = data`.
    """

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self.stream = stream
        self.others: dict[str, Any] = {}

    def __setitem__(self, path: str, data: Any) -> None:
        if not isinstance(data, bytes):
            self.others[path] = data
            return
        name = path.encode("utf-8")
        self.stream.write(_HEADER.pack(len(name), len(data)) + name)
        self.stream.write(data)


class PipeReceiver:
    """In the parent: a thread that collects what a worker's PipeFiles sends, until the worker closes its end."""

    def __init__(self, files: dict[str, Any] | None = None) -> None:
        self.read_end, self.write_end = os.pipe()
        self.files: dict[str, Any] = {} if files is None else files   # a write.SiteSpool stages them as they come
        self.failed: BaseException | None = None
        self._thread = threading.Thread(target=self._receive, daemon=True)

    def start(self) -> None:
        """Call after the fork: the parent's copy of the write end is closed, so the worker's close ends it."""
        os.close(self.write_end)
        self._thread.start()

    def _receive(self) -> None:
        with open(self.read_end, "rb", buffering=1 << 20) as stream:
            while header := stream.read(_HEADER.size):
                name_length, length = _HEADER.unpack(header)
                name = stream.read(name_length).decode("utf-8")
                data = stream.read(length)
                if self.failed is None:
                    try:
                        self.files[name] = data
                    except Exception as exc:  # noqa: BLE001 - raised by result(), in the thread that asks
                        self.failed = exc     # (the rest is read and dropped, so the worker is not blocked)

    def result(self) -> dict[str, Any]:
        self._thread.join()
        if self.failed is not None:
            raise self.failed
        return self.files


def pipe_files(write_end: int) -> PipeFiles:
    return PipeFiles(open(write_end, "wb", buffering=1 << 20))  # noqa: SIM115  # the worker closes it when done
