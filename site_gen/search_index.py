"""The public site's search index: Pagefind over a rendered site, in shards the browser merges into one search.

Pagefind holds a whole index in memory until it has written it: 608 MiB for the 7,641 searchable pages of a
10,000-story site, more than the rest of the build together. A shard of at most SHARD_PAGES pages takes about
140 MiB, and shards are indexed one after the other, so the build's memory stays bounded whatever the backlog's
size. The first shard is the index at `pagefind/`; each further one is a whole Pagefind bundle at `pagefind/N/`,
listed in `pagefind/shards.json`, and the search page merges them (Pagefind's `mergeIndex`: one list, ranked
by score across the shards). A site with fewer searchable pages is indexed in one go, as Pagefind alone would.

It runs as a process of its own, `python -m site_gen.search_index SITE INDEX [SHARD_PAGES]` (the build and serve
start it and stop it with its process group, Pagefind included): it needs nothing of site-gen's model, so its
memory is Pagefind's and a small interpreter's. Started by start(), it also stops itself, Pagefind with it, when
the process that started it is gone (a build killed outright, a closed terminal): else it would go on writing into
a staging folder the next build is removing. Its work (the shards' page trees) lives inside INDEX, so that
whoever discards an index it did not finish discards that work too.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SHARD_PAGES = 2000
SHARDS_FILE = "shards.json"
PARENT = "SITE_GEN_INDEXER_PARENT"   # set by start(): the process whose end ends the indexer
# the attribute in a tag: a story's text saying "data-pagefind-body" is escaped (&lt;), so never matches
_SEARCHABLE = re.compile(rb"<[a-zA-Z][^<>]*\sdata-pagefind-body[\s=/>]")


def command(site: Path, out: Path, size: int | None = None) -> list[str]:
    """This module's command line: the search index of `site`, written into `out`, in shards of at most `size`
    pages (SHARD_PAGES, as it is when called: tests make it small)."""
    return [sys.executable, "-m", "site_gen.search_index", str(site), str(out), str(size or SHARD_PAGES)]


def start(indexer: list[str]) -> subprocess.Popen[str]:
    """Start an indexer in a process group of its own: kill() ends the Pagefind it runs with it, and it ends
    itself should this process end first."""
    return subprocess.Popen(indexer, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, PARENT: str(os.getpid())})


def kill(process: subprocess.Popen[str]) -> None:
    """Kill an indexer start() started and the Pagefind it runs, if it still runs."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:   # it ended meanwhile
            pass


def pagefind_command(site: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(index), "--silent"]


def searchable_pages(site: Path) -> list[str]:
    """The site's pages Pagefind indexes, sorted: those marked data-pagefind-body, or every page when none is
    (Pagefind's own rule)."""
    pages, marked = [], []
    for folder, subfolders, files in os.walk(site):
        subfolders.sort()
        for name in sorted(files):
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                page = os.path.relpath(path, site)
                pages.append(page)
                with open(path, "rb") as file:
                    if _SEARCHABLE.search(file.read()):
                        marked.append(page)
    return sorted(marked or pages)


def shards(pages: list[str], size: int = SHARD_PAGES) -> list[list[str]]:
    """The pages dealt out in turn into as few shards as hold at most `size` each: shards of a like mix (stories
    and items alike), so their scores compare when the browser ranks them together."""
    count = max(1, math.ceil(len(pages) / size))
    return [pages[number::count] for number in range(count)]


def _linked(site: Path, pages: list[str], tree: Path) -> None:
    """The shard's pages at their own addresses in a folder of their own (hard links: no bytes copied), so that
    Pagefind run over it gives each result the address it has on the site."""
    for page in pages:
        target = tree / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / page, target)
        except OSError:   # a file system without hard links
            shutil.copyfile(site / page, target)


def index(site: Path, out: Path, size: int = SHARD_PAGES) -> None:
    """Write the search index of `site` into `out`; subprocess.CalledProcessError if Pagefind fails."""
    pages = searchable_pages(site)
    names: list[str] = []
    if len(pages) <= size:
        _pagefind(site, out)
    else:
        # inside the index (Pagefind writes beside them and leaves them be): an index discarded unfinished takes
        # them with it, and they are on its file system, where hard links are
        out.mkdir(parents=True, exist_ok=True)
        trees = Path(tempfile.mkdtemp(prefix=".shards-", dir=out))
        try:
            for number, shard in enumerate(shards(pages, size)):
                tree = trees / str(number)
                _linked(site, shard, tree)
                _pagefind(tree, out / str(number) if number else out)
                shutil.rmtree(tree)
                if number:
                    names.append(f"{number}/")
        finally:
            shutil.rmtree(trees, ignore_errors=True)
    (out / SHARDS_FILE).write_text(json.dumps({"shards": names}) + "\n", encoding="utf-8")


def _pagefind(site: Path, out: Path) -> None:
    subprocess.run(pagefind_command(site, out), check=True, capture_output=True)


def _end_with(parent: int) -> None:
    """Kill this process group, Pagefind included, once `parent` is gone: a process killed outright cannot stop
    the indexer it started, and nothing else would (it runs in a session of its own, away from the terminal's)."""
    while os.getppid() == parent:
        time.sleep(0.1)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def main(arguments: list[str]) -> int:
    site, out = Path(arguments[0]), Path(arguments[1])
    size = int(arguments[2]) if len(arguments) > 2 else SHARD_PAGES
    parent = os.environ.get(PARENT)
    if parent and os.getpgrp() == os.getpid():   # started by start(): the process group is the indexer's own
        threading.Thread(target=_end_with, args=(int(parent),), daemon=True).start()
    try:
        index(site, out, size)
    except subprocess.CalledProcessError as failed:
        sys.stderr.write((failed.stderr or failed.stdout or b"").decode("utf-8", "replace"))
        return failed.returncode or 1
    except OSError as exc:   # a full disk, a folder removed meanwhile: said in one line, as Pagefind would
        where = f" ({exc.filename})" if exc.filename else ""
        sys.stderr.write(f"{exc.strerror or exc}{where}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
