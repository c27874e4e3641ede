"""Both example sites in real headless Chromium (Debian's, driven by Playwright), looked at as a user would.

Also: axe-core for accessibility, the Nu HTML Checker for markup, feedparser for the feeds.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import threading
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import pytest
from playwright.sync_api import Browser, Locator, Page

from site_gen.build import build

from .conftest import AXE_TAGS, NODE_MODULES, TODAY, copy_example
from .fixtures.customer_corpus import write_corpus_repo
from .xss import write_xss_repo

FOLLOW = "follow/index.html"   # the page of the public site's feeds


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("browser") / "repo")
    out = root.parent / "out"
    build(root, out, TODAY)
    return out


def _serve(folder: Path):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def http_base(built: Path):
    """Each site hosted under the sub-path of its base_url, as in production: /changes/ and /backlog/."""
    www = built.parent / "www"
    www.mkdir()
    (www / "changes").symlink_to(built / "public")
    (www / "backlog").symlink_to(built / "internal")
    server = _serve(www)
    base = f"http://127.0.0.1:{server.server_port}/"
    yield {"public": base + "changes/", "internal": base + "backlog/"}
    server.shutdown()


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "pagefind" not in p.parts)


def _open(browser: Browser, url: str, problems: list[str], scheme: str = "light") -> Page:
    page = browser.new_page(color_scheme=scheme)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # a request aborted by our own next navigation is not a failure; HTTP errors are caught below
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url)
    return page


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_every_page_loads_without_console_errors(audience: str, built: Path, http_base: dict, browser: Browser) -> None:
    pages = _pages(built / audience)
    assert len(pages) > 25
    problems: list[str] = []
    page = _open(browser, http_base[audience] + "index.html", problems)
    for name in pages:
        page.goto(http_base[audience] + name, wait_until="load")
        assert page.locator("h1").count() >= 1, name
        assert problems == [], f"{audience}/{name}: {problems}"
    page.close()


def test_short_links_are_thumb_sized_on_a_phone(http_base: dict, browser: Browser) -> None:
    """The archive's month links ("Jun"), the browse list, the footer's link to the feeds and each feed's link and
    copy button: 24 x 24 px or more at 320 px
    (WCAG 2.5.8's size, not its spacing exception: these are what a thumb taps)."""
    page = browser.new_page(viewport={"width": 320, "height": 700})
    small = []
    for name, selector in (("archive/index.html", "nav.jump dd a"), ("search/index.html", "ul.browse a"),
                           ("index.html", "footer.site .feeds a"), (FOLLOW, ".feed-address a"),
                           (FOLLOW, ".feed-address button")):
        page.goto(http_base["public"] + name)
        boxes = [link.bounding_box() for link in page.locator(selector).all()]
        assert boxes, f"{name}: no {selector}"
        small += [(name, selector, box["width"], box["height"]) for box in boxes
                  if box and (box["width"] < 24 or box["height"] < 24)]
    page.close()
    assert small == []


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


@pytest.mark.parametrize("audience", ["public", "internal"])
def test_no_broken_internal_link(audience: str, built: Path) -> None:
    site = built / audience
    checked = 0
    for name in _pages(site):
        parser = _Links()
        parser.feed((site / name).read_text("utf-8"))
        for link in parser.links:
            if urlsplit(link).scheme or link.startswith(("#", "mailto:")):
                continue
            target = urlsplit(urljoin(f"http://site/{name}", link)).path.lstrip("/")
            target = unquote(target) + ("index.html" if target.endswith("/") or not target else "")
            if name == "404.html":
                continue  # its links are absolute to the host's base path
            assert (site / target).is_file(), f"{audience}/{name} links to missing {link}"
            checked += 1
    assert checked > 100


def test_search_opened_from_disk_says_at_once_that_it_is_not_available(built: Path, browser: Browser) -> None:
    """Browsers load no module from file://: the page says so before anyone types, and offers no search box."""
    problems: list[str] = []
    page = _open(browser, (built / "public/search/index.html").as_uri(), problems)
    page.wait_for_load_state("load")
    assert page.get_by_role("status").inner_text() == "Search is not available here. Browse below instead."
    assert not page.locator("#search-input").is_visible()
    assert page.get_by_role("link", name="Every change, by year and month").is_visible()
    page.close()
    assert problems == []


def test_reading_from_disk_works_without_a_server(built: Path, browser: Browser) -> None:
    problems: list[str] = []
    page = _open(browser, (built / "public/index.html").as_uri(), problems)
    page.get_by_role("link", name="Cancel your plan in the app, any time").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Cancel your plan in the app, any time"
    assert page.url.startswith("file://") and page.url.endswith("/index.html")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")  # CSS loaded
    page.get_by_role("link", name="Working on").click()
    assert "No bikes at stations near train stations" in page.content()
    page.close()
    assert problems == []


def test_an_old_address_leads_to_the_renamed_story_from_disk_and_under_a_sub_path(tmp_path: Path,
                                                                                 browser: Browser) -> None:
    """Issue 8: a slug changed with the old one as alias; the old link a customer kept still arrives."""
    root = copy_example(tmp_path / "repo")
    story = root / "backlog/stories/cancel-in-the-app.md"
    story.write_text(story.read_text("utf-8").replace(
        "slug: 2026-02-cancel-your-plan-in-the-app-any-time",
        "slug: cancel-in-the-app\naliases: [2026-02-cancel-your-plan-in-the-app-any-time]"), "utf-8")
    build(root, tmp_path / "out", TODAY, only="public")
    www = tmp_path / "www"
    www.mkdir()
    (www / "changes").symlink_to(tmp_path / "out/public")
    server = _serve(www)
    old = "stories/2026-02-cancel-your-plan-in-the-app-any-time/index.html"
    try:
        for url in ((tmp_path / "out/public" / old).as_uri(), f"http://127.0.0.1:{server.server_port}/changes/{old}"):
            problems: list[str] = []
            page = _open(browser, url, problems)
            page.wait_for_url("**/stories/cancel-in-the-app/index.html", wait_until="load")
            assert page.locator("h1").inner_text() == "Cancel your plan in the app, any time"
            page.close()
            assert problems == [], url
    finally:
        server.shutdown()


def test_the_site_reads_fine_without_javascript(built: Path, http_base: dict, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(http_base["public"] + "stories/2026-02-cancel-your-plan-in-the-app-any-time/index.html")
    assert "You can now cancel in the app in two taps" in page.inner_text("main")
    page.goto(http_base["public"] + "search/index.html")
    assert "browse every month" in page.inner_text("main")
    context.close()


def _search(page: Page, words: str) -> list[tuple[str, str, str]]:
    """(title, meta line, href) of each result the site's search shows for the words."""
    page.locator("#search-input").fill(words)
    page.locator("ol.results li").first.wait_for(timeout=15_000)
    return [(item.locator("h2").inner_text(), "\n".join(_seen_parts(item.locator(".meta"))),
             item.locator("h2 a").get_attribute("href") or "") for item in page.locator("ol.results li").all()]


def _seen_parts(line: Locator) -> list[str]:
    """The parts of a meta line a sighted reader sees apart, set off by the line's gap."""
    return [" ".join(text.split()) for text in line.locator(":scope > :not(.sr-only)").all_inner_texts()]


def _shown(line: Locator) -> str:
    """What the eye reads of an element: its text without what only a screen reader reads (.sr-only)."""
    text = line.evaluate("e => { const c = e.cloneNode(true); c.querySelectorAll('.sr-only').forEach(n => n.remove());"
                         " return c.textContent; }")
    return " ".join(text.split())


def _heard(line: Locator) -> str:
    """What a screen reader reads of an element, from Chromium's accessibility tree: its text, and the names of
    what is named by its content (a link, a cell, a heading, a time) in place of what they hold, in order
    (innerText would also give the gaps a sighted reader sees)."""
    words = []
    named_at = None   # the indent of a named row whose name says its contents: they are not read again
    for line_text in line.aria_snapshot().splitlines():
        indent = len(line_text) - len(line_text.lstrip())
        if named_at is not None and indent > named_at:
            continue
        named_at = None
        row = line_text.strip().removeprefix("- ")
        if row.startswith("'") and row.endswith(("'", "':")):
            row = row[1:row.rindex("'")] + row[row.rindex("'") + 1:]  # YAML quotes a row holding a colon
        named = re.fullmatch(r'(?:link|time|strong|emphasis|heading|cell|rowheader|columnheader|button) "(.*)"'
                             r'(?: \[.*\])?(:?)', row)
        value = re.fullmatch(r"[a-z]+: (.+)", row)
        if named:
            words.append(named.group(1))
            named_at = indent if named.group(2) else None
        elif value:
            words.append(json.loads(value.group(1)) if value.group(1).startswith('"') else value.group(1))
    return re.sub(r" ,", ",", " ".join(" ".join(words).split()))


def _heard_parts(line: Locator) -> list[str]:
    return [part.strip() for part in _heard(line).split(",")]


# (page, its first meta line): a story card, a story's and an item's own line, an item card
META_LINES = [("index.html", ".cards .meta"), ("stories/2026-11-deposits-released-the-same-day-for-most-cards/"
              "index.html", "article .meta"), ("items/paying-with-cash-at-stations/index.html", "article > .meta"),
              ("items/getting-your-deposit-back-takes-too-long/index.html", "article > .meta"),
              ("working-on/index.html", ".cards .meta"), ("wont-do/index.html", ".cards .meta")]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
@pytest.mark.parametrize(("name", "selector"), META_LINES, ids=[name.split("/")[-2] if "/" in name else name
                                                                  for name, _ in META_LINES])
def test_a_meta_lines_parts_are_heard_as_phrases_of_their_own(name: str, selector: str, javascript: bool,
                                                                http_base: dict[str, str], browser: Browser) -> None:
    """A screen reader read a card's "12 November 2026", "Payment" and "60 customers told us", which the eye sees
    apart, as one phrase: "12 November 2026 Payment 60 customers told us"; an item's page "Done Journey stage:
    Payment". Between two parts it now reads a comma, hidden from sight: what is heard, cut at its commas, is
    the parts seen, one by one."""
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(http_base["public"] + name)
    line = page.locator(selector).first
    seen, heard = _seen_parts(line), _heard_parts(line)
    context.close()
    assert len(seen) > 1 and heard == seen, (heard, seen)


def test_the_archives_month_links_are_named_by_the_whole_month(http_base: dict[str, str], browser: Browser) -> None:
    """The archive's jump links show "Nov", the rest of the month hidden after it: Chromium named them "Nov ember
    2026", a hidden span being a box of its own. Each is named by its month, whole."""
    page = browser.new_page()
    page.goto(http_base["public"] + "archive/index.html")
    links = page.locator("nav.jump dd a")
    heard, shown = [_heard(link) for link in links.all()], [_shown(link) for link in links.all()]
    page.close()
    assert heard[:2] == ["November 2026", "October 2026"] and len(heard) > 5, heard
    assert all(re.fullmatch(r"[A-Z][a-z]+ 2026", name) and name.startswith(short)
               for name, short in zip(heard, shown, strict=True))


def test_a_search_results_type_date_and_stage_are_heard_apart(http_base: dict[str, str], browser: Browser) -> None:
    """search.js writes a result's meta line: "Story", its date and its stage were heard as one phrase."""
    problems: list[str] = []
    page = _open(browser, http_base["public"] + "search/index.html?q=kiosks", problems)
    page.locator("ol.results li").first.wait_for(timeout=15_000)
    lines = page.locator("ol.results li .meta").all()
    heard = [(_heard_parts(line), _seen_parts(line)) for line in lines]
    page.close()
    assert heard and all(len(seen) > 1 and parts == seen for parts, seen in heard), heard
    assert ["Story", "2 June 2026", "Payment"] in [parts for parts, _ in heard], heard
    assert problems == []


def test_search_finds_a_story_by_a_word_from_its_body(http_base: dict, browser: Browser) -> None:
    problems: list[str] = []
    page = _open(browser, http_base["public"] + "search/index.html", problems)
    results = _search(page, "kiosks")  # from the vouchers story's body
    story = [r for r in results if r[0] == "Pay without a card: vouchers at partner kiosks"]
    assert story and story[0][1].split("\n")[:2] == ["Story", "2 June 2026"], results  # type and date shown
    page.get_by_role("link", name="Pay without a card: vouchers at partner kiosks").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Pay without a card: vouchers at partner kiosks"
    page.close()
    assert problems == []


def test_search_finds_a_wont_do_item_and_leads_to_it(http_base: dict, browser: Browser) -> None:
    problems: list[str] = []
    page = _open(browser, http_base["public"] + "search/index.html?q=helmet", problems)
    page.locator("ol.results li").first.wait_for(timeout=15_000)
    results = [(item.locator("h2").inner_text(), "\n".join(_seen_parts(item.locator(".meta"))))
               for item in page.locator("ol.results li").all()]
    # the result shows the item's words, not its page's status line run together ("First rideDecided on …")
    excerpts = page.locator("ol.results li .excerpt").all_inner_texts()
    assert excerpts and not [text for text in excerpts if "Decided on" in text or "Won’t do" in text], excerpts
    # one result per item, its own page: the won't-do list itself is not indexed twice
    assert [meta for title, meta in results if title == "Renting a helmet at the station"] and all(
        meta.startswith("Won’t do") for title, meta in results if title == "Renting a helmet at the station"), results
    page.get_by_role("link", name="Renting a helmet at the station").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path.rstrip("/").endswith("/items/renting-a-helmet-at-the-station") or \
        urlsplit(page.url).path.endswith("/items/renting-a-helmet-at-the-station/index.html"), page.url
    assert page.locator("h1").inner_text() == "Renting a helmet at the station"
    page.close()
    assert problems == []


def test_a_browse_link_that_wraps_on_a_phone_keeps_its_lines_flush_left(http_base: dict, browser: Browser) -> None:
    """On a 320 px phone "Every change, by year and month" wraps under the search box; its second line, "month",
    sat centred under the first, a stray word in the middle of the page. Both lines now start at the same place."""
    page = browser.new_page(viewport={"width": 320, "height": 800})
    page.goto(http_base["public"] + "search/index.html")
    starts = page.locator("ul.browse a").first.evaluate("""link => {
        const range = document.createRange(); range.selectNodeContents(link);
        const lines = new Map();
        for (const box of range.getClientRects()) {
            const top = Math.round(box.top);
            lines.set(top, Math.min(lines.get(top) ?? Infinity, box.left));
        }
        return [...lines.values()];
    }""")
    page.close()
    assert len(starts) > 1, "the link wraps on a 320 px phone, or this test shows nothing"
    assert max(starts) - min(starts) < 1, starts


def test_an_items_search_result_reads_as_sentences_not_its_story_cards_run_together(
        http_base: dict, browser: Browser) -> None:
    """A done item's page shows the stories that fixed it as cards; its result read "20 September 2026Payment53
    customers told us. You said You told us …": each card's date, stage and count and its "You said" label ran
    into the text. The excerpt now holds the stories' own words only, the way a story's own result reads."""
    problems: list[str] = []
    page = _open(browser, http_base["public"] + "search/index.html?q=charged", problems)
    page.locator("ol.results li").first.wait_for(timeout=15_000)
    excerpts = {item.locator("h2").inner_text(): item.locator(".excerpt").inner_text()
                for item in page.locator("ol.results li").all()}
    page.close()
    item = excerpts.get("Some rides were charged twice", "")
    assert "charged" in item, excerpts
    assert not re.search(r"\d[A-Z]|customers told us|You said You|We did Each", item), item
    assert problems == []


@pytest.fixture(scope="module")
def late_internal(tmp_path_factory) -> Path:
    """The example's internal site built late (20 December), when irritants are overdue and unreviewed, a metric is
    stale and a decision's review is due."""
    root = copy_example(tmp_path_factory.mktemp("late") / "repo")
    build(root, root.parent / "out", date(2026, 12, 20))
    return root.parent / "out" / "internal"


def test_the_internal_lists_pills_and_meta_lines_are_heard_apart(late_internal: Path, browser: Browser) -> None:
    """The dashboard's risk signals were heard "high NPS worsening — First ride", an irritant's title and its flag
    "…after 18:00 not reviewed", a stale metric "stale No data for …", an unlinked theme's line "74 rows First ride
    rows by segment: …": a pill's box or the line's gap was all that parted them. Each is now its own phrase."""
    site = late_internal
    page = browser.new_page()
    page.goto((site / "index.html").as_uri())
    risk = _heard_parts(page.locator("ol.risks li").first)
    flagged = [_heard(cell) for cell in page.locator("td:has(.pill)").all()]
    stale = _heard(page.locator("p:has(> .pill)").first)
    page.goto((site / "board/index.html").as_uri())
    cards = [_heard(card) for card in page.locator(".card:has(.pill)").all()]
    page.goto((site / "feedback/index.html").as_uri())
    theme = _heard(page.locator("p.meta").first)
    page.close()
    assert risk[0] in ("high", "medium", "low"), risk
    flags = r"\w, (overdue|not reviewed|recurring|no story)"
    assert len(flagged) > 3 and all(re.search(flags + "$", cell) for cell in flagged), flagged
    assert re.fullmatch(r"stale, No data for \d+ days .*", stale), stale
    assert cards and all(re.search(flags, card) for card in cards), cards
    assert re.search(r"\d rows, [^,]+, rows by segment: .+, (Steady|Rising|Falling|Trend)", theme), theme


def _dotted_lines(page: Page) -> list[Locator]:
    """Each element of the page's content showing a middle dot between its parts ("Maya Okafor · target
    2026-12-15"), the dot its own text or in a span of its own."""
    page.evaluate("""() => {
        const walk = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
        for (let node = walk.nextNode(); node; node = walk.nextNode()) {
          if (!node.data.includes('\u00b7')) continue;
          let line = node.parentElement;
          if (line.textContent.trim() === '\u00b7') line = line.parentElement;
          line.setAttribute('data-dotted', ''); } }""")
    return [line for line in page.locator("[data-dotted]").all() if line.is_visible()]


def _pause_before(heard: str, words: str) -> bool:
    """Whether each time the words are heard, whole, they start a phrase: the line's start or after punctuation a
    screen reader pauses at (a middle dot is none: NVDA's symbols.dic drops it below the "most" level)."""
    starts = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(words)}(?!\w)", heard)]
    return bool(starts) and all(not heard[:at].strip() or heard[:at].rstrip()[-1] in ",:;.!?(" for at in starts)


# (page, why it is there): the internal pages whose lines show parts apart by a middle dot, a pill's box or a gap
INTERNAL_LINES = ["index.html", "agenda/index.html", "board/index.html", "board/owner/maya-okafor/index.html",
                  "teams/index.html", "teams/billing/index.html", "stages/payment/index.html", "decisions/index.html",
                  "decisions/nps-dip-august/index.html", "decisions/november-metrics-review/index.html",
                  "stories/index.html", "stories/double-charges-refunded/index.html", "feedback/index.html",
                  "irritants/double-charge-after-failed-ride/index.html",
                  "irritants/seat-clamp-stuck/index.html", "irritants/unlock-fails-in-background/index.html"]


@pytest.mark.parametrize("name", INTERNAL_LINES, ids=[n.removesuffix("/index.html") for n in INTERNAL_LINES])
def test_the_internal_sites_middle_dots_and_pills_are_heard_as_pauses(name: str, late_internal: Path,
                                                                      browser: Browser) -> None:
    """A middle dot parts a line for the eye ("Maya Okafor · target 2026-12-15", "TCK-15098 · 2026-08-23 · Chat",
    "3 open irritants · 5 stories"), but a screen reader at its usual punctuation level drops it without a pause:
    the parts ran on as one phrase. And a pill read straight after the words before it ("Survey 27 Support ticket
    12", an agenda item's "5 days late not reviewed for 33 days", a decision's "(5 days ago) due"). Each dot is now
    heard as a comma, and each pill starts a phrase of its own."""
    page = browser.new_page()
    page.goto((late_internal / name).as_uri())
    dotted = [(_heard_parts(line), [part.strip() for part in _shown(line).split("\u00b7")])
              for line in _dotted_lines(page)]
    pills = [(_heard(pill.locator("xpath=ancestor::*[self::p or self::li or self::td or self::dd or self::summary"
                                  " or self::h1 or self::h3 or self::div][1]")), _shown(pill))
             for pill in page.locator(".pill").all() if pill.is_visible()]   # not one folded away
    assert dotted or pills
    page.close()
    assert [(heard, seen) for heard, seen in dotted if heard[-len(seen):] != seen] == []
    assert [(heard, pill) for heard, pill in pills if not _pause_before(heard, pill)] == []


def _title_and_line(item: Locator) -> list[str]:
    """A list item's link, then the parts of the muted line after it, as the eye sees them apart."""
    return [item.locator("a").inner_text(), *_shown(item.locator(".muted")).split(" \u00b7 ")]


def test_an_irritants_pills_and_lists_are_heard_one_by_one(late_internal: Path, browser: Browser) -> None:
    """An irritant's page read "Customers by segment: Commuter 29 (55%) Tourist 19 (36%) Business 7 (13%)",
    "Sources: Survey 27 Support ticket 12 Phone call 8 …", a decision's or a story's title straight into the line
    after it ("…double-charge incident Debrief 2026-08-29 Jonas Berg …", "…charged twice Public 2026-09-20") and
    "loop open Done 81 days ago". Each pill, title and part is now its own phrase."""
    page = browser.new_page()
    page.goto((late_internal / "irritants/double-charge-after-failed-ride/index.html").as_uri())
    segments = page.locator("p", has_text="Customers by segment:")
    sources = page.locator("p", has_text="Sources:")
    heard = {"segments": _heard(segments), "sources": _heard(sources)}
    shown = {"segments": "Customers by segment: " + ", ".join(segments.locator(".pill").all_inner_texts()),
             "sources": "Sources: " + ", ".join(sources.locator(".pill").all_inner_texts())}
    decisions = [(_heard_parts(item), _title_and_line(item))
                 for item in page.locator("h2:text-is('Decisions') + ul > li").all()]
    stories = [(_heard(item), ", ".join(_title_and_line(item)))
               for item in page.locator("h2:text-is('Stories') + ul > li").all()]
    page.goto((late_internal / "irritants/seat-clamp-stuck/index.html").as_uri())
    loop = _heard(page.locator("p:has(> .pill)", has_text="loop open"))
    page.close()
    assert heard == shown and len(shown["sources"].split(", ")) > 3, heard
    assert len(decisions) == 3 and all(parts == seen for parts, seen in decisions), decisions
    assert ["Debrief of the August double-charge incident", "Debrief", "2026-08-29", "Jonas Berg",
            "review 2026-11-01"] in [parts for parts, _ in decisions], decisions
    assert len(stories) == 2 and all(heard == seen for heard, seen in stories), stories
    assert re.fullmatch(r"loop open, Done \d+ days ago; no story .*", loop), loop


def test_an_agenda_items_reasons_are_heard_one_by_one(late_internal: Path, browser: Browser) -> None:
    """Why an irritant is on the agenda, in pills: "5 days late" and "not reviewed for 33 days (every 14)" were
    heard as one phrase, "5 days late not reviewed for 33 days"."""
    page = browser.new_page()
    page.goto((late_internal / "agenda/index.html").as_uri())
    items = page.locator("#a-irritants ~ ol.items > li:has(.pill)").all()
    reasons = [(_heard(item), [" ".join(pill.split()) for pill in item.locator(".pill").all_inner_texts()])
               for item in items]
    page.close()
    assert reasons and any(len(pills) > 1 for _, pills in reasons), reasons
    assert [(heard, pills) for heard, pills in reasons if ": " + ", ".join(pills) not in heard] == []
    assert "target 2026-12-15: 5 days late, not reviewed for 33 days (every 14)" in reasons[0][0], reasons


def test_a_stages_figures_are_heard_one_by_one(late_internal: Path, browser: Browser) -> None:
    """A stage's card read its NPS as "+0 fair n=9 ▼ −33 worse", its complaints "45% fair 17/38 ▲ +0 pts worse",
    and the all-time table its scores as "CES 2.90 (n=59) CSAT 41% (n=182) NPS +12 (n=217)": value, level, answers
    and trend, or one score and the next, apart on the tinted line or the table's lines only."""
    page = browser.new_page()
    page.goto((late_internal / "journey/index.html").as_uri())
    figures = [(_heard_parts(dd), _seen_parts(dd)) for dd in page.locator(".heat dd").all()]
    scores = [(_heard_parts(cell), _seen_parts(cell)) for cell in page.locator("#totals + div td:has(.score)").all()]
    page.close()
    assert any(len(seen) == 4 for _, seen in figures), figures
    assert [(heard, seen) for heard, seen in figures if heard != seen] == []
    assert scores and all(len(seen) == 3 and heard == seen for heard, seen in scores), scores


def test_a_sites_name_and_its_organisation_are_heard_apart(late_internal: Path, http_base: dict,
                                                           browser: Browser) -> None:
    """The header's link home, the site's name above its organisation's, was named "Customer backlog Kestrel Cycle
    Share · internal" (the dot dropped) and "You said, we did Kestrel Cycle Share"."""
    page = browser.new_page()
    page.goto((late_internal / "index.html").as_uri())
    internal = _heard(page.locator("a.brand"))
    page.goto(http_base["public"] + "index.html")
    public = _heard(page.locator("a.brand"))
    page.close()
    assert (internal, public) == ("Customer backlog, Kestrel Cycle Share, internal",
                                  "You said, we did, Kestrel Cycle Share")


def test_an_agenda_voices_line_is_heard_part_by_part(http_base: dict, browser: Browser) -> None:
    """Under each customer's words, its stage, segment, source, date and ID, apart by middle dots the screen reader
    dropped: "First ride Commuter Survey 2026-11-20 SRV-…" ran on."""
    page = browser.new_page()
    page.goto(http_base["internal"] + "agenda/index.html")
    lines = page.locator("#a-voices ~ blockquote p.muted").all()
    heard = [(_heard_parts(line), [part.strip() for part in _shown(line).split("\u00b7")]) for line in lines]
    page.close()
    assert heard and all(len(seen) > 3 and parts == seen for parts, seen in heard), heard


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The acceptance corpus: 78 real-like stories, long links, right-to-left and CJK titles, same-titled declines."""
    root = write_corpus_repo(tmp_path_factory.mktemp("corpus") / "repo")
    out = root.parent / "out"
    build(root, out, TODAY, workers=1)
    return out


SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("which", ["example", "corpus"])
def test_no_page_of_either_site_scrolls_sideways_on_a_320px_phone(which: str, request: pytest.FixtureRequest,
                                                                   browser: Browser) -> None:
    """Measured for the page as a whole: a wide table may scroll inside its own box, the page may not."""
    out: Path = request.getfixturevalue("built" if which == "example" else "corpus")
    server = _serve(out)
    base = f"http://127.0.0.1:{server.server_port}/"
    page = browser.new_page(viewport={"width": 320, "height": 640})
    wide, checked = [], 0
    try:
        for audience in ("public", "internal"):
            for name in _pages(out / audience):
                page.goto(base + f"{audience}/{name}", wait_until="load")
                overflow = page.evaluate(SIDEWAYS)
                checked += 1
                if overflow > 0:
                    wide.append(f"{audience}/{name} by {overflow}px")
    finally:
        page.close()
        server.shutdown()
    assert wide == []
    assert checked > (80 if which == "example" else 300)


def test_the_corpus_reads_as_its_words_say(corpus: Path, browser: Browser) -> None:
    """Cards side by side align; right-to-left text is isolated; a wide table scrolls in its own box."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    story = next(p for p in (corpus / "public/stories").iterdir() if "new-library-opening-hours" == p.name[8:])
    page.goto((story / "index.html").as_uri())
    tops = page.evaluate("[...document.querySelectorAll('article .cards > .card')].map(c => c.getBoundingClientRect().top)")
    assert len(tops) == 2 and tops[0] == tops[1], tops  # "We did" sits level with "You said"
    page.set_viewport_size({"width": 320, "height": 640})
    box = page.evaluate("(() => { const b = document.querySelector('.prose .table-scroll'); "
                        "return [b.scrollWidth > b.clientWidth, b.tabIndex]; })()")
    assert box == [True, 0]  # the table scrolls inside a box a keyboard can reach
    page.goto((corpus / "public/archive/index.html").as_uri())
    arabic = page.locator("ul.titles a", has_text="تحسين ترجمة").first
    assert arabic.get_attribute("dir") == "auto"
    page.close()


def test_xss_corpus_runs_nothing_on_either_site(tmp_path: Path, browser: Browser) -> None:
    root = write_xss_repo(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, workers=1)  # other tests' server threads are running: no fork here
    server = _serve(out)
    base = f"http://127.0.0.1:{server.server_port}/"
    dialogs: list[str] = []
    try:
        for audience in ("public", "internal"):
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
            page.add_init_script("window.__ran = []; window.alert = (m) => { window.__ran.push(String(m)); };")
            for name in _pages(out / audience):
                page.goto(base + f"{audience}/{name}", wait_until="load")
                # fire what a reader's mouse, keyboard or a broken image would fire, on every element
                page.evaluate("""document.querySelectorAll('*').forEach(el => ['mouseover', 'mouseenter',
                    'focus', 'load', 'error', 'animationstart'].forEach(t => el.dispatchEvent(new Event(t))))""")
                ran = page.evaluate("window.__ran")
                scripts = page.evaluate("[...document.scripts].map(s => s.src || s.textContent.slice(0, 40))")
                assert ran == [], f"{audience}/{name} ran {ran}"
                assert all(s.endswith(("pagefind-ui.js", "search.js", "copy.js", "board.js")) for s in scripts), f"{audience}/{name}: {scripts}"
            page.close()
    finally:
        server.shutdown()
    assert dialogs == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(scheme: str, built: Path, http_base: dict,
                                                     browser: Browser) -> None:
    axe = (NODE_MODULES / "axe-core/axe.min.js").read_text("utf-8")
    failures = []
    page = browser.new_page(color_scheme=scheme)
    assert FOLLOW in _pages(built / "public")
    for audience in ("public", "internal"):
        for name in _pages(built / audience):
            page.goto(http_base[audience] + name, wait_until="load")
            page.add_script_tag(content=axe)
            result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            for violation in result["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"][:3]]
                    failures.append(f"{audience}/{name}: {violation['id']} ({violation['impact']}) {targets}")
    page.close()
    assert failures == []


def test_nu_html_checker_reports_no_error(built: Path) -> None:
    files = [str(p) for p in sorted(built.rglob("*.html")) if "pagefind" not in p.parts]
    assert str(built / "public" / FOLLOW) in files
    completed = subprocess.run(
        ["java", "-jar", str(NODE_MODULES / "vnu-jar/build/dist/vnu.jar"), "--errors-only", "--format", "json",
         *files], capture_output=True, text=True, timeout=600)
    messages = json.loads(completed.stderr or "{}").get("messages", [])
    assert [f"{m.get('url', '').rsplit('/changes/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
            for m in messages] == []
    assert len(files) > 60


def test_feeds_parse_and_carry_every_public_story(built: Path) -> None:
    stories = sorted(p.name for p in (built / "public/stories").iterdir())

    atom = feedparser.parse((built / "public/feed.xml").read_bytes(),
                            response_headers={"content-type": "application/atom+xml"})
    assert atom.version == "atom10" and not atom.bozo, atom.get("bozo_exception")
    assert sorted(re.search(r"stories/([^/]+)/$", e.link).group(1) for e in atom.entries) == stories
    assert all(entry.title and entry.summary and entry.content for entry in atom.entries)

    # feedparser 6.0 reads no JSON Feed: check the JSON Feed 1.1 spec's requirements directly
    feed = json.loads((built / "public/feed.json").read_text("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and isinstance(feed["title"], str)
    assert feed["home_page_url"] == "https://example.org/changes/"
    assert feed["feed_url"] == "https://example.org/changes/feed.json"
    ids = [item["id"] for item in feed["items"]]
    assert len(set(ids)) == len(ids) and all(isinstance(i, str) for i in ids)
    for item in feed["items"]:
        assert item.get("content_html") or item.get("content_text")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", item["date_published"])  # RFC 3339
    assert sorted(re.search(r"stories/([^/]+)/$", i["url"]).group(1) for i in feed["items"]) == stories


@pytest.fixture(scope="module")
def built_in_french(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("browser-fr") / "repo")
    site = root / "site.yaml"
    text = site.read_text("utf-8")
    assert "  language: en\n" in text and "internal:\n" in text
    site.write_text(text.replace("  language: en\n", "  language: fr\n")
                    .replace("internal:\n", "internal:\n  language: fr\n"), "utf-8")
    out = root.parent / "out"
    build(root, out, TODAY)
    return out


def test_the_french_site_loads_reads_and_searches_in_french(built_in_french: Path, browser: Browser) -> None:
    """Every public page and the internal dashboard in French: no console error, no serious axe violation, nothing
    wider than a 320 px phone (French words are longer), and search results typed and dated in French."""
    axe = (NODE_MODULES / "axe-core/axe.min.js").read_text("utf-8")
    www = built_in_french.parent / "www"  # hosted under the base_url's sub-paths, as in production
    www.mkdir()
    (www / "changes").symlink_to(built_in_french / "public")
    (www / "backlog").symlink_to(built_in_french / "internal")
    server = _serve(www)
    base = f"http://127.0.0.1:{server.server_port}/"
    problems: list[str] = []
    failures: list[str] = []
    try:
        page = _open(browser, base + "changes/index.html", problems)
        page.set_viewport_size({"width": 320, "height": 640})
        names = [f"changes/{name}" for name in _pages(built_in_french / "public")] + ["backlog/index.html"]
        for name in names:
            page.goto(base + name, wait_until="load")
            assert page.evaluate("document.documentElement.lang") == "fr", name
            if page.evaluate(SIDEWAYS) > 0:
                failures.append(f"{name}: scrolls sideways")
            page.add_script_tag(content=axe)
            result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            failures += [f"{name}: {v['id']} ({v['impact']})" for v in result["violations"]
                         if v["impact"] in ("serious", "critical")]
        page.goto(base + "changes/search/index.html", wait_until="load")
        results = _search(page, "kiosks")
        story = [r for r in results if r[0] == "Pay without a card: vouchers at partner kiosks"]
        assert story and story[0][1].split("\n")[:2] == ["Récit", "2 juin 2026"], results
        assert _heard_parts(page.locator("ol.results .meta").first)[:2] == ["Récit", "2 juin 2026"]
        page.goto(base + "changes/items/paying-with-cash-at-stations/index.html", wait_until="load")
        heard = _heard_parts(page.locator("article > .meta"))
        assert heard == _seen_parts(page.locator("article > .meta")) and len(heard) == 3, heard
        page.close()
    finally:
        server.shutdown()
    assert problems == [] and failures == [] and len(names) > 40
def test_chart_labels_are_at_least_12px_on_a_375px_phone(built: Path, browser: Browser) -> None:
    """The dashboard's metric charts and an irritant's before/after chart scale with the screen; every label,
    measured as rendered, stays readable."""
    page = browser.new_page(viewport={"width": 375, "height": 800})
    sizes: list[float] = []
    try:
        for name in ("index.html", "irritants/cancel-needs-phone-call/index.html"):
            page.goto((built / "internal" / name).as_uri())
            # the drawing shown (a line chart is drawn for a phone and for a desktop, one is display: none)
            sizes += page.evaluate("""() => [...document.querySelectorAll('svg.chart')]
                                   .filter(svg => svg.getClientRects().length).flatMap(svg => {
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
            })""")
            assert page.evaluate(SIDEWAYS) == 0
    finally:
        page.close()
    assert len(sizes) > 20
    assert min(sizes) >= 12


def test_a_charts_threshold_word_never_covers_its_line_and_a_legend_explains_the_marks(built: Path,
                                                                                     browser: Browser) -> None:
    """The words "decision line" sit where the series is not (or are left to the legend); under each chart a legend
    says what the dashed line, D1 and the month marked * mean, as its description does for screen readers."""
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        page.goto((built / "internal" / "index.html").as_uri())
        charts = page.evaluate("""() => [...document.querySelectorAll('figure.line-chart')].map(figure => {
            const svg = figure.querySelector('svg'), word = svg.querySelector('text.threshold');
            const hits = [];
            if (word) {
                const box = word.getBBox();
                for (const path of svg.querySelectorAll('path.line')) {
                    for (let at = 0; at <= path.getTotalLength(); at += 1) {
                        const p = path.getPointAtLength(at);
                        if (p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height)
                            hits.push([p.x, p.y]);
                    }
                }
                for (const dot of svg.querySelectorAll('circle')) {
                    const x = dot.cx.baseVal.value, y = dot.cy.baseVal.value;
                    if (x >= box.x - 3 && x <= box.x + box.width + 3 && y >= box.y - 3 && y <= box.y + box.height + 3)
                        hits.push([x, y]);
                }
            }
            const legend = figure.querySelector('figcaption');
            return {word: !!word, hits, legend: legend ? legend.innerText : '',
                    visible: legend ? legend.getBoundingClientRect().height > 0 : false,
                    desc: svg.querySelector('desc').textContent,
                    marks: [...svg.querySelectorAll('text.decision')].map(t => t.textContent),
                    starred: [...svg.querySelectorAll('text.x')].some(t => t.textContent.endsWith('*'))};
        })""")
    finally:
        page.close()
    assert len(charts) == 3 and any(chart["word"] for chart in charts)
    for chart in charts:
        assert chart["hits"] == [], chart
        assert chart["visible"] and "Decision line: " in chart["legend"] and "demands a decision" in chart["legend"]
        for mark in chart["marks"]:           # D1 is explained under the chart and in the description
            assert f"{mark} Decision: " in chart["legend"].replace("\n", " ") and f"{mark}: " in chart["desc"]
        if chart["starred"]:
            assert "month not complete yet" in chart["legend"] and "month not complete yet (*)" in chart["desc"]
    assert any(chart["marks"] for chart in charts) and any(chart["starred"] for chart in charts)


def test_the_inbox_is_scannable_on_a_phone_with_the_biggest_themes_and_their_commands_in_view(
        built: Path, browser: Browser) -> None:
    """At 375 px the unlinked inbox shows its first themes whole (the three biggest complaint themes with their
    `site-gen new irritant --from-feedback …` commands unfolded), folds the smaller ones to one line each and the
    row table behind a tap — a page a thumb can scan, not 47,000 px of scrolling; a link to a folded theme opens it."""
    page = browser.new_page(viewport={"width": 375, "height": 800})
    try:
        inbox = (built / "internal" / "feedback" / "index.html").as_uri()
        page.goto(inbox)
        height = page.evaluate("document.documentElement.scrollHeight")
        biggest = page.evaluate("""() => [...document.querySelectorAll('#complaints .theme')].slice(0, 3).map(t => [
            t.querySelector('h3').innerText, t.querySelector('pre.command').checkVisibility()])""")
        folded = page.evaluate("[...document.querySelectorAll('.theme.folded [id]')].map(t => t.id)")
        rows_shown = page.evaluate("document.querySelector('#rows ~ details table').checkVisibility()")
        page.goto(f"{inbox}#{folded[0]}")
        opened = page.evaluate(f"document.getElementById('{folded[0]}').closest('details').open")
    finally:
        page.close()
    assert [wording for wording, _ in biggest] == ["Brakes felt weak on the hill", "Chat closed while I was typing",
                                                   "Charged after I ended the ride"]
    assert all(visible for _, visible in biggest)
    assert len(folded) > 20 and not rows_shown
    assert height < 16000, height
    assert opened


def test_a_journey_stage_page_leads_to_its_own_feed(built: Path, http_base: dict[str, str], browser: Browser) -> None:
    """A customer who cares about one step (payment, say) can follow it: the stage page announces its own Atom feed
    to feed readers, and its visible link leads a person to that stage on the follow page (not to raw XML), where
    the feed's link arrives at a feed of that stage, not the whole site's."""
    stages = sorted(p.parent.name for p in (built / "public/stages").glob("*/feed.xml"))
    assert len(stages) >= 5
    problems: list[str] = []
    page = _open(browser, http_base["public"] + "stages/index.html", problems)
    try:
        for slug in stages:
            page.goto(http_base["public"] + f"stages/{slug}/index.html", wait_until="load")
            announced = page.evaluate("""() => [...document.querySelectorAll('link[rel=alternate]')]
                .filter(l => l.type === 'application/atom+xml').map(l => l.href)""")
            own = http_base["public"] + f"stages/{slug}/feed.xml"
            assert own in announced, (slug, announced)
            assert page.locator("main a[href*='feed.']").count() == 0, slug   # nothing raw for a person
            page.get_by_role("link", name="Follow this journey stage").click()
            page.wait_for_url(f"**/follow/index.html#stage-{slug}")
            card = page.locator(f"#stage-{slug}")
            assert card.evaluate("c => { const box = c.getBoundingClientRect(); "
                                 "return box.top >= 0 && box.bottom <= innerHeight; }"), slug   # in view, whole
            assert card.locator("code").inner_text() == f"https://example.org/changes/stages/{slug}/feed.xml"
            link = card.get_by_role("link", name="Open the feed")
            assert link.evaluate("a => a.href") == own
            feed = page.request.get(own)
            assert feed.ok and f"<id>https://example.org/changes/stages/{slug}/</id>" in feed.text(), slug
    finally:
        page.close()
    assert problems == []



def test_a_feed_address_is_text_to_select_and_copy_without_javascript(http_base: dict[str, str],
                                                                     browser: Browser) -> None:
    """JavaScript off: the follow page still shows each feed's whole address as text; one tap on it selects all of
    it, the device's Copy puts exactly the address on the clipboard, no button shows that could not work, and the
    feed's link still works."""
    context = browser.new_context(java_script_enabled=False, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(http_base["public"] + FOLLOW)
        page.evaluate("navigator.clipboard.writeText('something else')")   # Playwright's, not the page's script
        card = page.locator("#stage-payment")
        address = card.locator("code")
        assert address.inner_text() == "https://example.org/changes/stages/payment/feed.xml"
        address.click()
        assert page.evaluate("getSelection().toString()") == "https://example.org/changes/stages/payment/feed.xml"
        page.keyboard.press("Control+C")
        assert page.evaluate("navigator.clipboard.readText()") == "https://example.org/changes/stages/payment/feed.xml"
        assert not card.get_by_role("button").is_visible()
        href = card.get_by_role("link", name="Open the feed").evaluate("a => a.href")
        assert href == http_base["public"] + "stages/payment/feed.xml" and page.request.get(href).ok
    finally:
        context.close()


def test_the_copy_button_copies_the_feed_address_and_says_so(http_base: dict[str, str], browser: Browser) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(http_base["public"] + FOLLOW, wait_until="load")
        buttons = page.get_by_role("button", name="Copy address")
        assert buttons.count() == len(page.locator("code").all()) == 8   # every feed has one
        card = page.locator("#stage-payment")
        card.get_by_role("button", name="Copy address").click()
        assert page.evaluate("navigator.clipboard.readText()") == "https://example.org/changes/stages/payment/feed.xml"
        assert card.get_by_role("status").inner_text() == "Address copied."
        assert card.get_by_role("button").get_attribute("aria-describedby") == "stage-payment-name"  # which feed
        page.locator("#all").get_by_role("button", name="Copy address").click()
        assert page.evaluate("navigator.clipboard.readText()") == "https://example.org/changes/feed.xml"
        assert card.get_by_role("status").inner_text() == ""   # one message: where the reader just copied
    finally:
        context.close()


def test_without_a_base_url_the_follow_page_shows_the_address_it_was_opened_from(tmp_path: Path,
                                                                                browser: Browser) -> None:
    """A site tried out without public.base_url, opened from disk: the address shown is the feed's own (the link's),
    made whole where the page is read, and the link works."""
    root = copy_example(tmp_path / "repo")
    site = root / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("  base_url: https://example.org/changes/\n", ""), "utf-8")
    build(root, tmp_path / "out", TODAY, only="public", search=False, workers=1)
    problems: list[str] = []
    page = _open(browser, (tmp_path / "out/public" / FOLLOW).as_uri(), problems)
    page.wait_for_load_state("load")
    feeds = [(code.inner_text(), link.evaluate("a => a.href")) for code, link in
             zip(page.locator(".feed-address code").all(), page.locator(".feed-address a").all(), strict=True)]
    page.close()
    assert len(feeds) == 8 and all(shown == href for shown, href in feeds), feeds
    assert (tmp_path / "out/public/stages/payment/feed.xml").as_uri() in dict(feeds)
    assert problems == []
    # without JavaScript nothing makes it whole: no "../feed.xml" is offered to copy, the links remain
    context = browser.new_context(java_script_enabled=False)
    try:
        still = context.new_page()
        still.goto((tmp_path / "out/public" / FOLLOW).as_uri())
        assert not [code for code in still.locator(".feed-address code").all() if code.is_visible()]
        assert still.get_by_role("link", name="Open the feed").count() == 8
    finally:
        context.close()


def test_without_javascript_the_search_page_says_so_where_the_search_box_would_be(http_base: dict[str, str],
                                                                                  browser: Browser) -> None:
    """A phone with JavaScript off: the reason there is no search box comes first, under the page's heading, not
    after the list of links under "Or browse" (which, read first, answered a question nobody had asked)."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(http_base["public"] + "search/index.html")
        heading = page.get_by_role("heading", name="Search", exact=True).bounding_box()
        notice = page.locator("main p", has_text="Search needs JavaScript.").bounding_box()
        browse = page.get_by_role("heading", name="Or browse").bounding_box()
    finally:
        context.close()
    assert heading and notice and browse
    assert heading["y"] < notice["y"] < browse["y"], (heading, notice, browse)
    assert notice["y"] - (heading["y"] + heading["height"]) < 80  # right under the heading, not after a gap


# a story, an item and a list: what a customer prints to keep or to show someone
PRINTED = ("stories/2026-02-cancel-your-plan-in-the-app-any-time/index.html",
           "items/some-rides-were-charged-twice/index.html", "index.html")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_printed_page_reads_dark_on_white_whatever_the_screens_colour_scheme(
        scheme: str, http_base: dict[str, str], browser: Browser) -> None:
    """A phone in dark mode printed a story with the screen's dark colours on white paper: the site's name near
    white, the "You said, we did" label, the date and the footer light grey, the two cards black boxes around black
    text. Paper now gets the light colours in either scheme: axe finds no text below AA contrast in print."""
    axe = (NODE_MODULES / "axe-core/axe.min.js").read_text("utf-8")
    page = browser.new_page(color_scheme=scheme)
    failures = []
    try:
        for name in PRINTED:
            page.goto(http_base["public"] + name, wait_until="load")
            page.emulate_media(media="print", color_scheme=scheme)
            page.add_script_tag(content=axe)
            result = page.evaluate("axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})")
            failures += [f"{name}: {node['target']} {node['any'][0]['message'][:90]}"
                         for violation in result["violations"] for node in violation["nodes"]]
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)", name
    finally:
        page.close()
    assert failures == []


# every date shown in the page's main part: the lines it spans, and how far the page scrolls sideways
DATES_AND_OVERFLOW = """() => ({
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    broken: [...document.querySelectorAll('main time')].filter(time => time.offsetParent).map(time => {
        const range = document.createRange(); range.selectNodeContents(time);
        return [time.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
    }).filter(([text, lines]) => lines > 1).map(([text]) => text),
})"""


@pytest.mark.parametrize("width", [320, 360])
def test_with_its_text_at_200_percent_no_public_page_scrolls_sideways_on_a_small_phone(
        width: int, built: Path, http_base: dict[str, str], browser: Browser) -> None:
    """A reader who sets a phone's text to 200 % (WCAG 1.4.4): on a 320 or 360 px screen a card's date ("18 November
    2026", kept on one line) was wider than the card and pushed every story list 40 px sideways, and the archive's
    dates by 16 px. A date now reads whole on its own line and wraps between its words only when even that line is
    too narrow; at the usual text size every date still reads on one line."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    wide, broken = {}, {}
    try:
        for name in _pages(built / "public"):
            if name == "404.html":
                continue   # its links and stylesheet are absolute to the host's base path
            page.goto(http_base["public"] + name, wait_until="load")
            if found := page.evaluate(DATES_AND_OVERFLOW)["broken"]:
                broken[name] = found
            page.evaluate("document.documentElement.style.fontSize = '200%'")   # what a browser's text size does
            if sideways := page.evaluate(DATES_AND_OVERFLOW)["sideways"]:
                wide[name] = sideways
    finally:
        page.close()
    assert broken == {}
    assert wide == {}
