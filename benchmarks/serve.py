"""Time `site-gen serve` from a saved story edit to the page that shows it (issue 12, item 1).

    python benchmarks/serve.py                       # 10,000 stories, 2,000 irritants, 1,000 decisions, 200,000 rows
    python benchmarks/serve.py --stories 2000 --edits 5

Builds a synthetic repository under /dev/shm (benchmarks/synthetic.py; kept between runs of the same size), starts
`python -m site_gen serve` on it as a subprocess, without and with the search index, waits for the first build,
then edits one story's body (or, with --edit, a word field of its front matter) N times (a new word each time) and
polls that story's served internal page until the word appears. Prints the first build's time and the median and
range of edit-to-served, with the CPU time serve spent on each edit and the machine's load.
Each --edit takes serve's fast path (site_gen/live.py: only the pages and feeds that show the story are rendered
again): body, you_said, and title, for which the story is given a slug of its own first (without one, a new title
moves its derived address, and serve takes the full path).
Target at 10,000 stories: edit-to-served 0.25 s or less (median).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import compile_site_gen, load  # noqa: E402
from synthetic import build as make_repo  # noqa: E402

TODAY = "2026-11-23"
POLL_EVERY = 0.01  # seconds between two requests for the edited page


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError):
        return ""


class Served:
    """`site-gen serve REPO` in a process of its own, with its stderr in a file."""

    def __init__(self, repo: Path, *args: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="serve-bench-", dir="/dev/shm"))
        self.stderr_path = self.folder / "stderr.txt"
        started = time.perf_counter()
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "site_gen", "serve", str(repo), "--port", "0", "--today", TODAY, *args],
                stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, "TMPDIR": str(self.folder)})
        while "Watching for changes" not in self.stderr:  # printed once the first build is served
            if self.process.poll() is not None:
                raise SystemExit(f"serve stopped:\n{self.stderr}")
            time.sleep(0.05)
        self.first_build = time.perf_counter() - started
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.stderr)
        assert found is not None, self.stderr
        self.url = found.group(0)

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", errors="replace")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for path in sorted(self.folder.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
            self.folder.rmdir()


def edit_to_served(served: Served, story: Path, page: str, word: str, timeout: float = 120.0,
                   field: str = "body") -> float:
    """Append a paragraph with `word` to the story's body (or put it first in its title); seconds until the served
    page shows it."""
    text = story.read_text("utf-8")
    started = time.perf_counter()
    story.write_text(text + f"\nEdited: {word}.\n" if field == "body" else
                     text.replace(f"\n{field}: ", f"\n{field}: {word} ", 1), "utf-8")
    while time.perf_counter() - started < timeout:
        if word in fetch(served.url + page):
            return time.perf_counter() - started
        time.sleep(POLL_EVERY)
    raise SystemExit(f"{word} never appeared on {page}:\n{served.stderr}")


def spread(times: list[float]) -> str:
    return (f"median {statistics.median(times):.2f} s, range {min(times):.2f}-{max(times):.2f} s "
            f"({len(times)} edits)")


def with_slug(text: str, story_id: str) -> str:
    """The story with a slug of its own: a new title then moves no address (the fast path takes it)."""
    return text.replace("\ntitle: ", f"\nslug: {story_id}-own-slug\ntitle: ", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--irritants", type=int, default=2_000)
    parser.add_argument("--decisions", type=int, default=1_000)
    parser.add_argument("--feedback", type=int, default=200_000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--repo", type=Path, default=None, help="default: /dev/shm/serve-bench-repo-<stories>")
    parser.add_argument("--search", choices=["off", "on", "both"], default="both")
    parser.add_argument("--edit", choices=["body", "you_said", "title"], default="body",
                        help="what is edited: the body, you_said or the title (given a slug of its own first); each "
                             "takes serve's fast path, re-rendering only the pages and feeds that show the story")
    args = parser.parse_args()
    compile_site_gen()
    repo = args.repo or Path(f"/dev/shm/serve-bench-repo-{args.stories}")
    if not (repo / "site.yaml").exists():
        make_repo(repo, irritants=args.irritants, decisions=args.decisions, stories=args.stories,
                  feedback=args.feedback)
    story_id = "story-7"
    story = repo / f"backlog/stories/{story_id}.md"
    page = f"internal/stories/{story_id}/index.html"
    original = story.read_text("utf-8")
    if args.edit == "title":
        story.write_text(with_slug(original, story_id), "utf-8")
    modes = {"off": [["--no-search"]], "on": [["--search"]], "both": [["--no-search"], ["--search"]]}[args.search]
    print(f"{args.stories} stories, {args.irritants} irritants, {args.decisions} decisions, {args.feedback} rows; "
          f"{load()}")
    try:
        for flags in modes:
            served = Served(repo, *flags)
            try:
                times, cpu = [], []
                for number in range(args.edits):
                    time.sleep(1.0)  # past the watcher's debounce, and the previous edit's search index
                    used = cpu_seconds(served.process.pid)
                    times.append(edit_to_served(served, story, page, f"zebra{os.getpid()}x{number}{flags[0][2:]}",
                                                field=args.edit))
                    cpu.append(cpu_seconds(served.process.pid) - used)
                print(f"serve {flags[0]}, {args.edit} edited: first build {served.first_build:.1f} s; "
                      f"edit-to-served {spread(times)}; CPU per edit {', '.join(f'{c:.2f}' for c in cpu)} s; "
                      f"{load()}")
                assert "Traceback" not in served.stderr, served.stderr
            finally:
                served.stop()
    finally:
        story.write_text(original, "utf-8")


if __name__ == "__main__":
    main()
