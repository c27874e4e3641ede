"""A large site's search index is made in shards, so Pagefind's memory stays bounded, and the search page searches
them as one: the same results as one whole index."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Page

from site_gen import search_index
from site_gen.build import build
from site_gen.serve import Preview

from .conftest import AXE_TAGS, NODE_MODULES, TODAY, copy_example, edit

SHARD = 3   # pages per shard: the example's 21 searchable pages make 7 shards


BASE = "/changes/"   # the public site's place on its host, as base_url puts it in production


class _Host(http.server.ThreadingHTTPServer):
    """A host serving one public site at BASE. A test may swap the site (a deploy), have some addresses answer
    otherwise (`answers`: a path's start -> status and body), or have the shard list kept 10 minutes by browsers
    (`cached`), as GitHub Pages keeps every file."""

    def __init__(self, site: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Hosted)
        self.site = site
        self.answers: dict[str, tuple[int, bytes]] = {}
        self.cached = False
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}{BASE}"


class _Hosted(http.server.SimpleHTTPRequestHandler):
    server: _Host

    def translate_path(self, path: str) -> str:
        self.directory = str(self.server.site)
        return super().translate_path(path.replace(BASE, "/", 1) if path.startswith(BASE) else "/outside/")

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        answer = next((given for start, given in self.server.answers.items() if self.path.startswith(start)), None)
        if answer is None:
            return super().do_GET()
        status, body = answer
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None

    def end_headers(self) -> None:
        if self.server.cached and self.path.startswith(BASE + "pagefind/shards.json"):
            self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _searchable(site: Path) -> int:
    return sum(b"data-pagefind-body" in page.read_bytes() for page in site.rglob("*.html")
               if "pagefind" not in page.relative_to(site).parts)


def _indexed_copy(site: Path, copy: Path, size: int) -> Path:
    """A copy of the public site with an index of its own in shards of `size` pages."""
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("pagefind"))
    subprocess.run(search_index.command(copy, copy / "pagefind", size), check=True)
    return copy


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The example's public site with its own index (one piece), and a copy indexed in shards of SHARD pages,
    each on a host of its own."""
    root = copy_example(tmp_path_factory.mktemp("search-index") / "repo")
    out = root.parent / "out"
    build(root, out, TODAY, cache=False)
    sharded = _indexed_copy(out / "public", root.parent / "sharded", SHARD)
    hosts = {"whole": _Host(out / "public"), "sharded": _Host(sharded)}
    yield {"whole": out / "public", "sharded": sharded, "hosts": hosts,
           **{f"{name} url": host.url for name, host in hosts.items()}}
    for host in hosts.values():
        host.shutdown()


@pytest.fixture
def host(sites: dict[str, Any]) -> Iterator[_Host]:
    """The sharded site's host, put back as it was after the test."""
    served: _Host = sites["hosts"]["sharded"]
    yield served
    served.site, served.answers, served.cached = sites["sharded"], {}, False


def test_a_small_site_has_one_index_and_lists_no_shards(sites: dict[str, Path]) -> None:
    index = sites["whole"] / "pagefind"
    assert json.loads((index / "shards.json").read_text()) == {"shards": []}
    assert _pages_indexed(index) == _searchable(sites["whole"]) == 21


def test_the_same_site_is_indexed_in_the_same_bytes(sites: dict[str, Path], tmp_path: Path) -> None:
    """Rebuilds are byte-identical, the shards' vocabulary pages included."""
    again = _indexed_copy(sites["whole"], tmp_path / "again", SHARD)
    assert _files(again / "pagefind") == _files(sites["sharded"] / "pagefind")


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def _pages_indexed(bundle: Path) -> int:
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def test_a_large_site_is_indexed_in_shards_no_larger_than_asked_each_page_in_one(sites: dict[str, Path]) -> None:
    index = sites["sharded"] / "pagefind"
    listed = json.loads((index / "shards.json").read_text())
    assert listed["shards"] == [f"{number}/" for number in range(1, 7)]
    bundles = [index] + [index / shard for shard in listed["shards"]]
    counts = [_pages_indexed(bundle) - 1 for bundle in bundles]   # (and each its vocabulary page, hidden)
    assert max(counts) <= SHARD and sum(counts) == _searchable(sites["sharded"])
    assert [(bundle / f"fragment/{result}.pf_fragment").is_file()
            for bundle, result in zip(bundles, listed["hidden"], strict=True)] == [True] * 7
    # each shard lives inside the index; nothing of the work is left in it or beside the site
    assert sorted(path.name for path in index.iterdir() if path.is_dir()) == ["1", "2", "3", "4", "5", "6",
                                                                               "fragment", "index"]
    assert sorted(os.listdir(sites["sharded"].parent)) == ["out", "repo", "sharded"]


def test_a_further_shard_ships_its_index_data_and_none_of_pagefinds_code(sites: dict[str, Path]) -> None:
    """The search page imports the first shard's pagefind.js; the others are only merged into it."""
    index = sites["sharded"] / "pagefind"
    assert (index / "pagefind.js").is_file() and (index / "pagefind-worker.js").is_file()
    for shard in json.loads((index / "shards.json").read_text())["shards"]:
        shipped = {path.name for path in (index / shard).iterdir()}
        assert {"pagefind-entry.json", "index", "fragment"} <= shipped
        assert [name for name in shipped if name.endswith((".js", ".css"))] == []


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
    """Every page one whole index finds and no other, best first. A shard without the word itself added the pages
    with the longest word the query starts with (Pagefind's fallback when no page has the word: "pay" for
    "payment"), while another shard held the pages with the word."""
    found = {name: _results_seen(browser, sites[f"{name} url"], words) for name in ("whole", "sharded")}
    assert set(found["whole"]) == set(found["sharded"]) and found["sharded"][0] == found["whole"][0], found
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
    process = search_index.start(search_index.command(site, site / "pagefind", 1))
    deadline = time.monotonic() + 20
    while not [pid for pid in _pagefind_processes(site) if pid != process.pid]:   # Pagefind itself runs
        assert process.poll() is None and time.monotonic() < deadline, "Pagefind never started"
        time.sleep(0.01)
    search_index.kill(process)
    process.communicate()
    time.sleep(0.3)   # (the killed processes are reaped)
    assert _pagefind_processes(site) == []
    assert not (site / "pagefind/1").exists()
    # what it made is inside the index it did not finish, which its caller discards: nothing beside the site
    assert os.listdir(tmp_path) == ["site"]


def test_a_failing_pagefind_fails_the_indexer_with_its_message(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><body data-pagefind-body>hello</body></html>")
    (tmp_path / "blocked").write_text("a file where the index's folder would go")
    done = subprocess.run(search_index.command(site, tmp_path / "blocked", 1), capture_output=True, text=True)
    assert done.returncode != 0 and done.stderr.strip()
    assert "Traceback" not in done.stderr


def test_pages_are_chosen_by_their_searchable_mark_not_by_words_about_it(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text('<main data-pagefind-body><p>x</p></main>')
    (tmp_path / "b.html").write_text("<p>how to write &lt;main data-pagefind-body&gt; in a theme</p>")
    assert search_index.searchable_pages(tmp_path) == ["a/index.html"]
    (tmp_path / "a/index.html").write_text("<main><p>x</p></main>")   # none marked: Pagefind indexes every page
    assert search_index.searchable_pages(tmp_path) == ["a/index.html", "b.html"]


# --- what a reader sees when part of the index is missing, replaced or stale ----------------------------------

def _searched(page: Page, words: str) -> tuple[str, list[str]]:
    """What the search page says once it is done searching for the words, and the address of every result it
    shows, "More results" pressed until the end."""
    field = page.locator("#search-input")
    field.fill(words)
    field.press("Enter")   # at once, not after the typing pause
    page.wait_for_function("() => document.querySelector('#search [role=status]').textContent"
                           " !== document.getElementById('search').dataset.searching", timeout=20_000)
    more = page.locator("button.more")
    while more.is_visible():
        shown = page.locator("ol.results li").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('ol.results li').length > {shown}")
    links = page.locator("ol.results li h2 a").all()
    return _status(page), [link.get_attribute("href") or "" for link in links]


def _status(page: Page) -> str:
    return " ".join(page.locator("#search [role=status]").inner_text().split())   # (a no-break space: one)


def _search_page(browser: Browser, site: str) -> Page:
    page = browser.new_page()
    page.goto(site + "search/index.html")
    return page


def _addresses(pages: list[str]) -> set[str]:
    """Where the search page links each of these pages (a list page's items: at the page, with their #id)."""
    return {BASE + page.removesuffix("index.html") for page in pages}


def _pages_of(found: list[str]) -> set[str]:
    return {address.partition("#")[0] for address in found}


def _shard(sites: dict[str, Any], number: int) -> set[str]:
    return _addresses(search_index.shards(search_index.searchable_pages(sites["sharded"]), SHARD)[number])


@pytest.mark.parametrize("status", [404, 500])
def test_a_shard_that_does_not_load_is_left_out_and_the_others_are_still_searched(
        sites: dict[str, Any], host: _Host, browser: Browser, status: int) -> None:
    """A shard a host lost, or a list naming a shard an older deploy had: every search failed ("Search is not
    available here") while one shard was missing."""
    host.answers = {BASE + "pagefind/2/": (status, b"")}
    whole = _pages_of(_results_seen(browser, sites["whole url"], "ride"))
    lost = _shard(sites, 2)
    assert whole & lost and whole - lost
    said, found = _searched(_search_page(browser, host.url), "ride")
    assert whole - lost <= _pages_of(found) and not _pages_of(found) & lost, (said, found)


@pytest.mark.parametrize("answer", [(404, b""), (500, b""), (200, b"null"), (200, b"<!doctype html><p>Not found")],
                         ids=["missing", "failing", "null", "a-page"])
def test_without_a_list_of_shards_the_first_one_is_searched(
        sites: dict[str, Any], host: _Host, browser: Browser, answer: tuple[int, bytes]) -> None:
    """An index an older site-gen wrote has no shards.json; a host may fail it or answer with a page of its own."""
    host.answers = {BASE + "pagefind/shards.json": answer}
    first = _shard(sites, 0)
    wanted = _pages_of(_results_seen(browser, sites["whole url"], "ride")) & first
    assert wanted
    said, found = _searched(_search_page(browser, host.url), "ride")
    assert _pages_of(found) == wanted, (said, found)


def test_an_index_that_does_not_load_is_said_at_once_and_tried_again_by_the_next_search(
        sites: dict[str, Any], host: _Host, browser: Browser) -> None:
    """With shards, an index whose first piece did not load left the page saying "Searching…" for ever (one piece
    alone said at once that search is unavailable); and a phone that lost its connection once had no search
    until the page was loaded again."""
    host.answers = {BASE + "pagefind/pagefind-entry.json": (503, b"")}
    page = _search_page(browser, host.url)
    said, found = _searched(page, "ride")
    assert said == "Search is not available here. Browse below instead." and found == []
    host.answers = {}
    said, found = _searched(page, "kiosks")
    assert _pages_of(found) == _pages_of(_results_seen(browser, sites["whole url"], "kiosks")), said


REWORDED = "stories/2026-10-no-unlock-fee-when-a-bike-doesnt-unlock/"   # among "ride"'s results after the first ten


@pytest.fixture
def deployed(sites: dict[str, Any], tmp_path: Path) -> Path:
    """The site deployed anew, a story reworded: its result's text is in a file of another name."""
    site = tmp_path / "deployed"
    shutil.copytree(sites["whole"], site, ignore=shutil.ignore_patterns("pagefind"))
    edit(site / f"{REWORDED}index.html", "unlock</h1>", "unlock, ever</h1>")
    subprocess.run(search_index.command(site, site / "pagefind"), check=True)
    return site


def test_an_index_replaced_while_the_page_is_open_is_loaded_again(
        host: _Host, browser: Browser, deployed: Path) -> None:
    """A deploy (or serve's new index) while a reader searches: files the loaded index names are gone. The next
    search said "Search is not available here" until the page was loaded again."""
    page = _search_page(browser, host.url)
    assert BASE + REWORDED not in _searched(page, "helmet")[1]   # its text not loaded yet
    host.site = deployed
    said, found = _searched(page, "fee")
    assert BASE + REWORDED in found and found == _results_seen(browser, host.url, "fee"), said


def test_more_results_after_a_deploy_come_from_the_index_there_now(
        host: _Host, browser: Browser, deployed: Path) -> None:
    """The button did nothing (the next results' files were gone) and said nothing."""
    page = _search_page(browser, host.url)
    field = page.locator("#search-input")
    field.fill("ride")
    field.press("Enter")
    page.locator("button.more").wait_for(state="visible", timeout=15_000)
    first = [link.get_attribute("href") for link in page.locator("ol.results li h2 a").all()]
    assert BASE + REWORDED not in first
    host.site = deployed
    page.locator("button.more").click()
    page.wait_for_function(f"document.querySelectorAll('ol.results li').length > {len(first)}", timeout=15_000)
    found = [link.get_attribute("href") for link in page.locator("ol.results li h2 a").all()]
    assert BASE + REWORDED in found and found == _results_seen(browser, host.url, "ride")


def test_the_list_of_shards_is_asked_for_anew_not_kept_from_before_a_deploy(
        sites: dict[str, Any], host: _Host, browser: Browser, tmp_path: Path) -> None:
    """A host that lets browsers keep files 10 minutes (GitHub Pages) kept the list of shards of the site before
    a deploy: the shards it did not name went unsearched, while they held a share of every result."""
    before = _indexed_copy(sites["whole"], tmp_path / "before", 8)   # 3 shards
    host.site, host.cached = before, True
    page = _search_page(browser, host.url)
    assert _searched(page, "ride")[1]
    later = time.time() + 60   # (the host says a file changed by its time, to the second)
    os.utime(sites["sharded"] / "pagefind/shards.json", (later, later))
    host.site = sites["sharded"]   # 7 shards, the pages dealt anew
    page.goto(host.url + "search/index.html")
    said, found = _searched(page, "ride")
    assert _pages_of(_results_seen(browser, sites["whole url"], "ride")) <= _pages_of(found), said


def test_more_results_takes_the_reader_to_the_first_new_one_and_says_how_many_there_are(
        sites: dict[str, Any], browser: Browser) -> None:
    """The button the keyboard pressed disappears with the last results: focus fell back to the page's start.
    And the count said "10+ results" with all 14 shown."""
    page = _search_page(browser, sites["sharded url"])
    field = page.locator("#search-input")
    field.fill("ride")
    field.press("Enter")
    page.locator("ol.results li").first.wait_for(timeout=15_000)
    assert _status(page) == "10+ results for “ride”."
    more = page.locator("button.more")
    while more.is_visible():
        shown = page.locator("ol.results li").count()
        more.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.querySelectorAll('ol.results li').length > {shown}")
        focused = page.evaluate("document.activeElement.closest('ol.results > li') ? "
                                "[...document.querySelectorAll('ol.results > li')].indexOf("
                                "document.activeElement.closest('ol.results > li')) : -1")
        assert focused == shown and page.evaluate("document.activeElement.tagName") == "A"
    count = page.locator("ol.results li").count()
    assert count > 10 and _status(page) == f"{count} results for “ride”."


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_results_from_several_shards_pass_axe_on_a_phone(
        sites: dict[str, Any], browser: Browser, scheme: Literal["light", "dark"]) -> None:
    page = browser.new_page(color_scheme=scheme, viewport={"width": 320, "height": 640})
    page.goto(sites["sharded url"] + "search/index.html")
    field = page.locator("#search-input")
    field.fill("ride")
    field.press("Enter")
    page.locator("button.more").click()
    page.wait_for_function("document.querySelectorAll('ol.results li').length > 10")
    page.add_script_tag(content=(NODE_MODULES / "axe-core/axe.min.js").read_text("utf-8"))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    assert [(v["id"], v["impact"]) for v in result["violations"] if v["impact"] in ("serious", "critical")] == []


# --- the index a build or serve makes, and what a killed one leaves -------------------------------------------

def test_a_build_with_no_public_page_changed_keeps_the_sharded_index_and_its_marker_lists_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "SHARD_PAGES", SHARD)
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY)
    index = out / "public/pagefind"

    def indexed() -> dict[str, int]:
        return {path.relative_to(out / "public").as_posix(): path.stat().st_ino
                for path in index.rglob("*") if path.is_file()}

    first = indexed()
    assert json.loads((index / "shards.json").read_text())["shards"] == [f"{n}/" for n in range(1, 7)]
    edit(root / "backlog/irritants/battery-range-wrong.yaml", "owner: Maya Okafor", "owner: Ana Lima")  # internal
    report = build(root, out, TODAY)
    assert report.search_indexed and not report.reused and indexed() == first   # the same files, linked
    assert set(first) <= set(json.loads((out / "public/.site-gen-output").read_text())["files"])


_BUILD_IN_SHARDS_OF_ONE = ("import sys; from site_gen import search_index; search_index.SHARD_PAGES = 1; "
                           "from site_gen.start import main; main('site-gen')")


def test_a_build_killed_outright_while_indexing_leaves_no_indexer_writing_into_its_output(tmp_path: Path) -> None:
    """The indexer runs in a session of its own: a build killed outright (SIGKILL, its terminal closed) left it
    writing into OUT's staging folder for seconds, and a build run meanwhile failed ("An interrupted build's swap
    could not be finished") while the two removed and wrote the same folder."""
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    command = [sys.executable, "-c", _BUILD_IN_SHARDS_OF_ONE, "build", str(root), "--out", str(out),
               "--today", TODAY.isoformat(), "--no-cache"]
    killed = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_pagefind_processes(out)) < 2:   # the indexer, and Pagefind itself
        assert killed.poll() is None and time.monotonic() < deadline, "Pagefind never started"
        time.sleep(0.01)
    killed.kill()
    killed.wait()
    time.sleep(1)
    assert _pagefind_processes(out) == []
    subprocess.run(command, check=True, capture_output=True)
    assert sorted(os.listdir(out)) == ["internal", "public"]
    assert not list((out / "public/pagefind").glob(".*"))


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_serve_keeps_nothing_of_a_sharded_index_a_newer_one_replaced_unfinished(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild stops the indexer of the pages it made stale: the shards' page trees that indexer had made stayed
    in serve's folder until serve stopped, one set for each index replaced so."""
    monkeypatch.setattr(search_index, "SHARD_PAGES", 1)
    preview = Preview(example, port=0, today=TODAY, search=False)
    preview.start()
    try:
        assert preview.out is not None
        served = preview.out
        preview.search = True
        preview.index_later(preview.version)
        _until(lambda: bool(_pagefind_processes(served)), "Pagefind never started")
        preview.index_later(preview.version)   # as a rebuild does
        _until(lambda: preview.indexed == preview.version, "never indexed")
        assert preview.index is not None
        assert sorted(path.name for path in served.iterdir()) == sorted(["internal", "public", preview.index.name])
    finally:
        preview.stop()
