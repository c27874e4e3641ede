"""The public site's search index: Pagefind over a rendered site, in shards the browser merges into one search.

Pagefind holds a whole index in memory until it has written it: 608 MiB for the 7,641 searchable pages of a
10,000-story site, more than the rest of the build together. A shard of at most SHARD_PAGES pages takes about
140 MiB, and shards are indexed one after the other, so the build's memory stays bounded whatever the backlog's
size. The first shard is the index at `pagefind/`; each further one is a whole Pagefind bundle at `pagefind/N/`,
listed in `pagefind/shards.json`, and the search page merges them (Pagefind's `mergeIndex`: one list, ranked
by score across the shards). A site with fewer searchable pages is indexed in one go, as Pagefind alone would.

A shard that has no word starting with the word searched answers with the pages of the longest word the search
starts with ("pay" for "payment"): Pagefind's fallback for a word no page has. Merged, the shards without the
word would bury the pages that have it under pages that do not. So each shard also indexes a vocabulary page
holding every word of the site: a shard falls back only when no page of the site has the word, as one whole
index does. shards.json names each vocabulary page's result (`hidden`), which the search page never shows (nor
one whose meta has `vocabulary`, should shards.json not load).

It runs as a process of its own, `python -m site_gen.search_index SITE INDEX [SHARD_PAGES]` (the build and serve
start it and stop it with its process group, Pagefind included): it needs nothing of site-gen's model, so its
memory is Pagefind's and a small interpreter's. Started by start(), it also stops itself, Pagefind with it, when
the process that started it is gone (a build killed outright, a closed terminal): else it would go on writing into
a staging folder the next build is removing. Its work (the shards' page trees) lives inside INDEX, so that
whoever discards an index it did not finish discards that work too.
"""

from __future__ import annotations

import gzip
import html
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
_UNSAID = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_LANGUAGE = re.compile(r"<html\b[^>]*\slang=[\"']?([^\"'\s>]+)", re.IGNORECASE)
VOCABULARY = "site-gen-vocabulary/index.html"   # in each shard's page tree: every word of the site
VOCABULARY_META = "site-gen"   # its result's `vocabulary` meta (search.js shows none that has one)
_FRAGMENT = b"pagefind_dcd"   # how a result's file (fragment/ID.pf_fragment, gzipped) starts: then its JSON
# Pagefind's code and its ready-made interfaces, which it writes into every bundle: the search page imports the
# first shard's pagefind.js, and mergeIndex reads only the other shards' data (entry, wasm, index, fragments)
_BUNDLE_CODE = ("pagefind.js", "pagefind-worker.js", "pagefind-highlight.js", "pagefind-ui.js", "pagefind-ui.css",
                "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-modular-ui.js",
                "pagefind-modular-ui.css")


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
    listed: dict[str, list[str]] = {"shards": []}
    if len(pages) <= size:
        _pagefind(site, out)
    else:
        vocabulary = _vocabulary_page(site, pages)
        listed["hidden"] = []
        # inside the index (Pagefind writes beside them and leaves them be): an index discarded unfinished takes
        # them with it, and they are on its file system, where hard links are
        out.mkdir(parents=True, exist_ok=True)
        trees = Path(tempfile.mkdtemp(prefix=".shards-", dir=out))
        try:
            for number, shard in enumerate(shards(pages, size)):
                tree, bundle = trees / str(number), out / str(number) if number else out
                _linked(site, shard, tree)
                (tree / VOCABULARY).parent.mkdir(parents=True)
                (tree / VOCABULARY).write_bytes(vocabulary)
                _pagefind(tree, bundle)
                shutil.rmtree(tree)
                listed["hidden"].append(_result_of(bundle, VOCABULARY))
                if number:
                    listed["shards"].append(f"{number}/")
                    _drop_code(bundle)
        finally:
            shutil.rmtree(trees, ignore_errors=True)
    (out / SHARDS_FILE).write_text(json.dumps(listed) + "\n", encoding="utf-8")


def _drop_code(bundle: Path) -> None:
    """A further shard without Pagefind's code (about 500 KB a shard): nothing loads it from there."""
    for name in _BUNDLE_CODE:
        (bundle / name).unlink(missing_ok=True)


def _vocabulary_page(site: Path, pages: list[str]) -> bytes:
    """A page holding every word of the pages, once, sorted (the same site, the same bytes), in the pages'
    language: Pagefind splits, folds and stems it as it does theirs. Words the page's menus and footers hold too:
    a word no page's searchable text has is then found on no page of any shard, where one whole index would give
    the pages of a shorter word it starts with."""
    words: set[str] = set()
    language: str | None = None
    for page in pages:
        text = (site / page).read_text("utf-8", "replace")
        if language is None:
            found = _LANGUAGE.search(text)
            language = f' lang="{html.escape(found[1])}"' if found else ""
        words.update(html.unescape(_TAG.sub(" ", _UNSAID.sub(" ", text))).split())
    said = html.escape(" ".join(sorted(words)))
    return (f'<!doctype html><html{language}><head><meta charset="utf-8"><title>-</title></head><body>'
            f'<main data-pagefind-body data-pagefind-meta="vocabulary:{VOCABULARY_META}">{said}</main></body></html>\n'
            ).encode()


def _result_of(bundle: Path, page: str) -> str:
    """The result ID Pagefind gave `page` in the index at `bundle` (the name of its fragment file)."""
    address = "/" + page.removesuffix("index.html")
    # the vocabulary holds every word: the largest file, found first
    for fragment in sorted((bundle / "fragment").iterdir(), key=lambda path: -path.stat().st_size):
        data = gzip.decompress(fragment.read_bytes())
        if data.startswith(_FRAGMENT) and json.loads(data[len(_FRAGMENT):]).get("url") == address:
            return fragment.name.removesuffix(".pf_fragment")
    raise UnknownPagefind(f"{bundle}: Pagefind wrote no result for {address} that site-gen can read (it reads "
                          "Pagefind 1's fragment/*.pf_fragment files); install Pagefind 1: pip install "
                          "'site-gen[search]'")


class UnknownPagefind(Exception):
    """Pagefind wrote an index site-gen cannot read the results of."""


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
    except UnknownPagefind as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    except OSError as exc:   # a full disk, a folder removed meanwhile: said in one line, as Pagefind would
        where = f" ({exc.filename})" if exc.filename else ""
        sys.stderr.write(f"{exc.strerror or exc}{where}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
