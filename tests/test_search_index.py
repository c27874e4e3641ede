"""A large site's search index is made in shards, so Pagefind's memory stays bounded, and the search page searches
them as one: the same results as one whole index."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from site_gen import search_index
from site_gen.build import build

from .conftest import TODAY, copy_example

SHARD = 3   # pages per shard: the example's 21 searchable pages make 7 shards


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _searchable(site: Path) -> int:
    return sum(b"data-pagefind-body" in page.read_bytes() for page in site.rglob("*.html")
               if "pagefind" not in page.relative_to(site).parts)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path | str]]:
    """The example's public site with its own index (one piece), and a copy indexed in shards of SHARD pages,
    each served over HTTP."""
    root = copy_example(tmp_path_factory.mktemp("search-index") / "repo")
    out = root.parent / "out"
    build(root, out, TODAY, cache=False)
    sharded = root.parent / "sharded"
    shutil.copytree(out / "public", sharded, ignore=shutil.ignore_patterns("pagefind"))
    subprocess.run([*search_index.command(sharded, sharded / "pagefind"), str(SHARD)], check=True)
    servers = {name: http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
        for name, folder in (("whole", out / "public"), ("sharded", sharded))}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"whole": out / "public", "sharded": sharded,
           **{f"{name} url": f"http://127.0.0.1:{server.server_port}/" for name, server in servers.items()}}
    for server in servers.values():
        server.shutdown()


def test_a_small_site_has_one_index_and_lists_no_shards(sites: dict[str, Path]) -> None:
    index = sites["whole"] / "pagefind"
    assert json.loads((index / "shards.json").read_text()) == {"shards": []}
    assert _pages_indexed(index) == _searchable(sites["whole"]) == 21


def _pages_indexed(bundle: Path) -> int:
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def test_a_large_site_is_indexed_in_shards_no_larger_than_asked_each_page_in_one(sites: dict[str, Path]) -> None:
    index = sites["sharded"] / "pagefind"
    listed = json.loads((index / "shards.json").read_text())["shards"]
    assert listed == [f"{number}/" for number in range(1, 7)]
    counts = [_pages_indexed(index)] + [_pages_indexed(index / shard) for shard in listed]
    assert max(counts) <= SHARD and sum(counts) == _searchable(sites["sharded"])
    # each shard lives inside the index; nothing of the work is left beside the site
    assert not [name for name in os.listdir(sites["sharded"].parent) if name.startswith(".pagefind-shards-")]


def _all_results(page: Page, words: str) -> list[str]:
    """The address of every result the search page shows for the words, "Show more" pressed until the end."""
    page.locator("#search-input").fill(words)
    page.locator("ol.results li").first.wait_for(timeout=15_000)
    more = page.locator("button.more")
    while more.is_visible():
        shown = page.locator("ol.results li").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('ol.results li').length > {shown}")
    return [link.get_attribute("href") or "" for link in page.locator("ol.results li h2 a").all()]


def _results_seen(browser: Browser, site: str, words: str) -> list[str]:
    """Every result's address, from a page that loads without an error or a missing file."""
    problems: list[str] = []
    page = browser.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(site + "search/index.html")
    found = _all_results(page, words)
    page.close()
    assert problems == [], (site, problems)
    return found


@pytest.mark.parametrize("words", ["ride", "payment", "kiosks"])
def test_the_search_page_searches_every_shard_and_finds_what_one_whole_index_finds(
        sites: dict[str, str], browser: Browser, words: str) -> None:
    """Every page one whole index finds, best first. A shard without the word itself may add a page with a shorter
    word the query starts with (Pagefind's fallback: "pay" for "payment"), never one without."""
    found = {name: _results_seen(browser, sites[f"{name} url"], words) for name in ("whole", "sharded")}
    assert set(found["whole"]) <= set(found["sharded"]) and found["sharded"][0] == found["whole"][0], found
    assert len(set(found["sharded"])) == len(found["sharded"])


def test_more_results_than_a_shard_holds_come_from_several_shards(sites: dict[str, str], browser: Browser) -> None:
    assert len(_results_seen(browser, sites["sharded url"], "ride")) > SHARD


def _pagefind_processes(site: Path) -> list[int]:
    """Processes whose command line names the site: the indexer and the Pagefind it runs."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(site).encode() in part for part in line) and any(b"pagefind" in part for part in line):
            found.append(int(pid))
    return found


def test_stopping_the_indexer_stops_the_pagefind_it_runs(tmp_path: Path) -> None:
    """A build that fails, or a serve rebuild that supersedes the index, kills the indexer: the Pagefind it runs
    goes too, at once, and writes nothing more."""
    site = tmp_path / "site"
    site.mkdir()
    words = [f"w{number:05d}" for number in range(40_000)]
    for page in ("a", "b"):   # two shards of one page each, seconds of Pagefind's work apiece
        (site / f"{page}.html").write_text("<main data-pagefind-body>" + " ".join(words * 40) + "</main>")
    process = search_index.start([*search_index.command(site, site / "pagefind"), "1"])
    deadline = time.monotonic() + 20
    while not [pid for pid in _pagefind_processes(site) if pid != process.pid]:   # Pagefind itself runs
        assert process.poll() is None and time.monotonic() < deadline, "Pagefind never started"
        time.sleep(0.01)
    search_index.kill(process)
    process.communicate()
    time.sleep(0.3)   # (the killed processes are reaped)
    assert _pagefind_processes(site) == []
    assert not (site / "pagefind/1").exists()


def test_a_failing_pagefind_fails_the_indexer_with_its_message(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body data-pagefind-body>hello</body></html>")
    (tmp_path / "blocked").write_text("a file where the index's folder would go")
    done = subprocess.run([*search_index.command(site, tmp_path / "blocked"), "1"], capture_output=True, text=True)
    assert done.returncode != 0 and done.stderr.strip()
    assert "Traceback" not in done.stderr


def test_pages_are_chosen_by_their_searchable_mark_not_by_words_about_it(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text('<main data-pagefind-body><p>x</p></main>')
    (tmp_path / "b.html").write_text("<p>how to write &lt;main data-pagefind-body&gt; in a theme</p>")
    assert search_index.searchable_pages(tmp_path) == ["a/index.html"]
    (tmp_path / "a/index.html").write_text("<main><p>x</p></main>")   # none marked: Pagefind indexes every page
    assert search_index.searchable_pages(tmp_path) == ["a/index.html", "b.html"]
