"""What every benchmark needs: several runs with median and range, a process tree's peak PSS, the machine's load.

    from measure import Runs, run_command, load
    runs = Runs("build")
    for _ in range(3):
        result = run_command([sys.executable, "-m", "site_gen", "build", ...])
        runs.add(result.seconds, result.peak_pss_mib)
    print(runs)                      # build: 8.41 s (8.12–9.03, 3 runs); tree PSS 571 MiB (560–590)

PSS (proportional set size) splits each shared page between the processes that map it, so the sum over a
process and its children is what the tree really costs, where RSS counts a page shared by a fork twice.
It is read from /proc/PID/smaps_rollup (Linux); elsewhere the PSS figures are absent.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def load() -> str:
    """The machine's load, as `uptime` says it: quote it with every figure (shared machines vary a lot)."""
    try:
        one, five, fifteen = (PROC / "loadavg").read_text().split()[:3]
    except OSError:
        return "load unknown"
    return f"load average {one}, {five}, {fifteen} on {os.cpu_count()} cores"


def compile_site_gen() -> None:
    """Compile site_gen's modules to bytecode, as `pip install` does, before timing it: where
    PYTHONDONTWRITEBYTECODE is set (this machine sets it) every measured run would otherwise compile ~40
    modules again, 0.16 s that no installed site-gen spends."""
    import compileall

    import site_gen
    compileall.compile_dir(Path(site_gen.__file__).parent, quiet=1)


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = list((PROC / str(pid) / "task").glob("*/children"))
    except OSError:
        return []  # the process ended meanwhile
    for task in tasks:
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:
            pass  # the thread ended meanwhile
    return found


def tree(pid: int) -> list[int]:
    """The process and all its descendants, now."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def pss_kib(pid: int) -> int:
    """One process's PSS in KiB, 0 when it is gone or unreadable."""
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_mib(pid: int) -> float:
    return sum(pss_kib(each) for each in tree(pid)) / 1024


class PeakPss:
    """Samples a process tree's total PSS every `interval` seconds in a thread; `peak` is the largest sum seen.

    Sample from another process than the one measured (run_command does): a sampler thread inside a busy
    Python process gets the GIL too rarely to see short peaks.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak = 0.0
        self.processes = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            pids = tree(self.pid)
            self.processes = max(self.processes, len(pids))
            self.peak = max(self.peak, sum(pss_kib(pid) for pid in pids) / 1024)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakPss:
        if (PROC / "self" / "smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float     # user + system time of the whole tree: steadier than wall time on a busy machine
    peak_pss_mib: float    # 0 where /proc has no smaps_rollup, or not sampled
    processes: int          # the most processes seen in the tree at once (1: it never forked)
    returncode: int
    stderr: str


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None,
                pss: bool = True, fresh: Path | None = None) -> Run:
    """Run a command to its end; its wall time, CPU time and (unless pss=False) its process tree's peak PSS.

    The peak PSS comes from a second run of the same command: reading smaps_rollup walks a process's page
    tables (about 30 ms a sample for a 1 GB build, in the kernel, holding its memory map's lock), so the
    sampler took 2.8 s of CPU from an 11 s build on two cores. The timed run is never sampled.
    `fresh`: an output folder removed before each run, so that each is a first build (a build whose pages all
    come out as the folder already holds them keeps its search index instead of running Pagefind again)."""
    timed = _run(argv, env, cwd, sampled=False, fresh=fresh)
    if not pss or timed.returncode != 0:
        return timed
    sampled = _run(argv, env, cwd, sampled=True, fresh=fresh)
    return Run(timed.seconds, timed.cpu_seconds, sampled.peak_pss_mib, max(timed.processes, sampled.processes),
               sampled.returncode, timed.stderr)


def _run(argv: Sequence[str], env: dict[str, str] | None, cwd: Path | None, sampled: bool,
         fresh: Path | None = None) -> Run:
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    cpu = _cpu()
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sampler = PeakPss(process.pid)
    if sampled:
        sampler.__enter__()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.__exit__(None, None, None)
    return Run(seconds, _cpu() - cpu, sampler.peak, sampler.processes, process.returncode, stderr)


@dataclass
class Runs:
    """Figures of several runs of one thing: printed as median (min–max, n runs)."""

    name: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    pss: list[float] = field(default_factory=list)

    def add(self, seconds: float, pss_mib: float = 0.0, cpu_seconds: float = 0.0) -> None:
        self.seconds.append(seconds)
        if pss_mib:
            self.pss.append(pss_mib)
        if cpu_seconds:
            self.cpu.append(cpu_seconds)

    def add_run(self, run: Run) -> None:
        if run.returncode != 0:
            raise SystemExit(f"{self.name}: exit code {run.returncode}\n{run.stderr}")
        self.add(run.seconds, run.peak_pss_mib, run.cpu_seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def __str__(self) -> str:
        text = f"{self.name}: {spread(self.seconds, 's')}"
        if self.cpu:
            text += f"; CPU {spread(self.cpu, 's')}"
        if self.pss:
            text += f"; tree PSS {spread(self.pss, 'MiB', 0)}"
        return text


def spread(values: Sequence[float], unit: str, digits: int = 2) -> str:
    """'8.41 s (8.12–9.03, 3 runs)': the median first, then the range."""
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f} {unit} (1 run)"
    return f"{median:,.{digits}f} {unit} ({min(values):,.{digits}f}–{max(values):,.{digits}f}, {len(values)} runs)"
