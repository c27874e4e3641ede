"""The public site's lists, addresses for sharing and reading direction, as a customer meets them."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from site_gen.build import build
from site_gen.check import check_repository
from site_gen.facts.addresses import ITEMS, RESERVED, STORIES
from site_gen.publish.public import HOME_STORIES, Pager
from site_gen.sites import render_sites

from .conftest import TODAY, copy_example, edit
from .fixtures.customer_corpus import write_corpus_repo

BASE = "https://www.northfield.gov.uk/you-said-we-did/"   # the corpus's public.base_url


@pytest.fixture(scope="module")
def corpus_files(tmp_path_factory) -> dict[str, bytes]:
    """Every file of the corpus's public site (pages, feeds, sitemap), by its path."""
    root = write_corpus_repo(tmp_path_factory.mktemp("corpus"))
    result = check_repository(root, TODAY)
    assert result.diagnostics == [], [d.as_text() for d in result.diagnostics]
    return {name: bytes(data) for name, data in render_sites(result, root, only="public")["public"].items()}


@pytest.fixture(scope="module")
def corpus(corpus_files: dict[str, bytes]) -> dict[str, str]:
    return {name: data.decode("utf-8") for name, data in corpus_files.items() if name.endswith(".html")}


def _story_titles(html: str) -> list[str]:
    return re.findall(r'<h3 dir="auto"><a href="[^"]*stories/[^"]+">([^<]+)</a>', html)


def test_the_home_page_shows_the_newest_stories_then_numbered_pages(corpus: dict[str, str]) -> None:
    home = corpus["index.html"]
    assert len(_story_titles(home)) == HOME_STORIES  # never the whole history
    pages = sorted(int(m) for m in re.findall(r"^page/(\d+)/index.html$", "\n".join(corpus), re.M))
    assert pages == [2, 3, 4]  # 78 stories, 20 a page
    assert 'href="page/2/index.html" aria-label="Page 2"' in home and 'rel="next" href="page/2/index.html"' in home
    second = corpus["page/2/index.html"]
    assert 'rel="prev" href="../../index.html"' in second and len(_story_titles(second)) == HOME_STORIES
    assert not set(_story_titles(home)) & set(_story_titles(second))


def test_the_main_menu_marks_the_section_a_page_is_in(corpus: dict[str, str]) -> None:
    """A journey stage's page is in "By journey stage", a month's in "Archive": the menu says where you are."""
    def current(page: str) -> list[tuple[str, str]]:
        menu = page[page.index('<nav class="main"'):]
        menu = menu[:menu.index("</nav>")]
        return re.findall(r'<a href="[^"]*" aria-current="(page|true)">([^<]+)</a>', menu)

    stage = next(name for name in corpus if re.fullmatch(r"stages/[^/]+/index\.html", name))
    month = next(name for name in corpus if re.fullmatch(r"months/\d{4}-\d{2}/index\.html", name))
    assert current(corpus[stage]) == [("true", "By journey stage")]
    assert current(corpus[month]) == [("true", "Archive")]
    assert current(corpus["stages/index.html"]) == [("page", "By journey stage")]
    assert current(corpus["index.html"]) == [("page", "Latest")]
    assert current(corpus["follow/index.html"]) == [("page", "Follow")]
    story = next(name for name in corpus if name.startswith("stories/"))
    assert current(corpus[story]) == []   # a story is in no one list of the menu


def test_a_story_or_item_names_its_journey_stage_as_one(corpus: dict[str, str]) -> None:
    """A stage called "Cancel" beside a "Done" pill read as a button: the link says it is a journey stage."""
    pages = [html for name, html in corpus.items() if re.match(r"(stories|items)/[^/]+/index\.html$", name)]
    metas = [meta for html in pages for meta in re.findall(r'<p class="meta"[^>]*>(.*?)</p>', html, re.S)
             if 'href="../../stages/' in meta]
    assert len(metas) > 20
    assert all(re.search(r'<span>Journey stage: <a href="\.\./\.\./stages/[^"]+">[^<]+</a></span>', meta)
               for meta in metas), metas[:3]


def test_the_archive_groups_years_and_months_with_the_titles_under_them(corpus: dict[str, str]) -> None:
    archive = corpus["archive/index.html"]
    years = re.findall(r'<h2 id="y-(\d{4})">', archive)
    assert years == sorted(years, reverse=True) and len(years) == 8
    section_2022 = archive[archive.index('id="y-2022"'):archive.index('id="y-2021"')]
    assert "June 2022</a></h3>" in section_2022 and ">New library opening hours</a>" in section_2022


def test_wont_do_is_dated_grouped_by_stage_newest_first(corpus: dict[str, str]) -> None:
    page = corpus["wont-do/index.html"]
    group = page[page.index('id="stage-use-the-service"'):page.index('id="stage-pay"')]
    dates = re.findall(r'Decided <time datetime="(\d{4}-\d{2}-\d{2})"', group)
    assert dates == sorted(dates, reverse=True) and {"2008-03-12", "2015-09-30", "2023-01-18"} <= set(dates)
    assert group.count(">Library food policy</a></h3>") == 3  # the same title, told apart by its date


def test_no_public_page_of_a_large_site_grows_with_its_history(tmp_path: Path) -> None:
    """2,000 stories: every list is paginated, so the largest page stays far under 200 KB."""
    root = copy_example(tmp_path / "repo")
    for number in range(2_000):
        (root / f"backlog/stories/bulk-{number}.md").write_text(
            f"---\ntitle: Bulk change number {number}\ndate: 2026-0{1 + number % 9}-1{number % 10}\n"
            "audience: public\nirritants: [cash-at-stations]\nyou_said: Something was slow for a long time.\n"
            "we_did: We made it faster for everyone.\n---\n\nBody.\n", encoding="utf-8")
    result = check_repository(root, TODAY)
    public = render_sites(result, root, only="public")["public"]
    name, size = max(((n, len(d)) for n, d in public.items() if n.endswith(".html")), key=lambda item: item[1])
    assert size < 100_000, f"{name} is {size:,} bytes"


def test_pager_shows_first_last_and_neighbours() -> None:
    assert Pager("", 7, 500).shown == [1, None, 5, 6, 7, 8, 9, None, 500]
    assert Pager("", 1, 3).shown == [1, 2, 3]
    assert Pager("stages/pay/", 3, 3).path(3) == "stages/pay/page/3/index.html"


def test_every_public_page_can_be_shared_and_a_customer_can_write_back(corpus: dict[str, str]) -> None:
    for name, html in corpus.items():
        if name == "404.html":
            continue
        assert '<meta property="og:title"' in html and '<meta name="twitter:card" content="summary">' in html, name
        address = BASE + name.removesuffix("index.html")
        assert f'<link rel="canonical" href="{address}">' in html and f'content="{address}"' in html, name
        assert 'href="https://www.northfield.gov.uk/contact/tell-us">Tell us what to fix</a>' in html, name
    story = corpus["stories/2022-06-new-library-opening-hours/index.html"]
    assert '<meta property="og:description" content="You said: Opening hours were different' in story
    assert '<meta property="og:type" content="article">' in story
    assert "<title>New library opening hours — You said, we did — Northfield City Council</title>" in story
    assert "<title>You said, we did — Northfield City Council</title>" in corpus["index.html"]


def test_without_a_base_url_there_is_no_absolute_address_and_without_feedback_url_no_link(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "  base_url: https://example.org/changes/\n", "")
    out = tmp_path / "out"
    build(root, out, TODAY, workers=1)
    home = (out / "public/index.html").read_text("utf-8")
    assert 'og:title' in home and "og:url" not in home and "canonical" not in home and "og:image" not in home
    assert "Tell us what to fix" not in home


def test_an_organisation_named_in_the_site_title_is_not_repeated(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", 'title: "You said, we did"', 'title: "Kestrel Cycle Share: you said, we did"')
    public = render_sites(check_repository(root, TODAY), root, only="public")["public"]
    assert "<title>Kestrel Cycle Share: you said, we did</title>" in public["index.html"].decode()
    assert "<title>Archive — Kestrel Cycle Share: you said, we did</title>" in public["archive/index.html"].decode()


@pytest.mark.parametrize(("language", "direction"), [("ar", ' dir="rtl"'), ("he", ' dir="rtl"'), ("en", "")])
def test_a_right_to_left_language_turns_the_whole_page(language: str, direction: str, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "  language: en", f"  language: {language}")
    public = render_sites(check_repository(root, TODAY), root, only="public")["public"]
    assert f'<html lang="{language}"{direction}>' in public["index.html"].decode()


def test_an_item_page_tells_what_changed_from_the_public_stories_that_closed_it(tmp_path: Path) -> None:
    """A customer who follows a done item lands on what was done: each public story that closed it with its date,
    how many customers told us, what they said and what we did — public fields of public stories only."""
    root = copy_example(tmp_path / "repo")
    site = render_sites(check_repository(root, TODAY), root, "public")["public"]
    page = site["items/you-had-to-call-us-to-cancel-your-subscription/index.html"].decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    for said in ("Pause your plan for the winter", "5 March 2026", "15 customers told us",
                 "Many of you only cancel because you don't ride in winter.",
                 "You can now cancel in the app in two taps, day or night. No call needed."):
        assert said.replace("'", "&#39;") in text or said in text, said
    assert text.index("Pause your plan for the winter") < text.index("Cancel your plan in the app")   # newest first


def test_an_item_page_says_its_status_once_above_what_was_done(tmp_path: Path) -> None:
    """A done item read "DONE" above its title and a "Done" pill below it. Its status is said once, by the pill
    every item shows beside its journey stage; an open or declined item keeps the link to its list above its title
    (a place, not a status)."""
    root = copy_example(tmp_path / "repo")
    site = render_sites(check_repository(root, TODAY), root, "public")["public"]
    heads = {name: re.search(r'<article class="item".*?<p class="meta".*?</p>', data.decode(), re.S)[0]
             for name, data in site.items() if re.fullmatch(r"items/[^/]+/index\.html", name)}
    statuses = {}
    for name, head in heads.items():
        pill = re.findall(r'<span class="pill[^"]*">([^<]+)</span>', head)
        above = [unescape(re.sub(r"<[^>]+>", "", label)).strip()
                 for label in re.findall(r'<p class="label"[^>]*>(.*?)</p>', head, re.S)]
        assert len(pill) == 1 and pill[0].lower() not in (text.lower() for text in above), (name, above, pill)
        statuses[pill[0]] = head
    assert {"Done", "In progress", "Planned", "Won’t do"} <= set(statuses), set(statuses)
    assert '<p class="label" data-pagefind-ignore><a href="../../working-on/index.html">' in statuses["In progress"]
    assert '<p class="label" data-pagefind-ignore><a href="../../wont-do/index.html">' in statuses["Won’t do"]


# --- following the site's changes ------------------------------------------------------------

def _root(name: str) -> str:
    """The relative way back to the site root from a page (404.html's links are absolute to the base path)."""
    return "/you-said-we-did/" if name == "404.html" else "../" * name.count("/")


def _feeds_shown(page: str) -> list[tuple[str, str]]:
    """(the address shown as text, the link to the feed) of each feed on a page, as a customer would copy them."""
    return [(unescape(re.sub(r"<[^>]+>", "", code)), link) for code, link in re.findall(
        r'<code translate="no" dir="ltr">(.*?)</code>.*?<a href="([^"]+)" type="application/[a-z+]+"', page, re.S)]


def test_the_follow_page_shows_every_feed_of_the_site_with_its_whole_address_to_copy(
        corpus_files: dict[str, bytes]) -> None:
    """A customer who taps a feed link met raw XML. The follow page names every feed the site publishes (all
    changes, as Atom and as JSON, and each journey stage's), each with its whole address as text to copy into a
    feed reader and a link to the feed; an item's own feed is on that item's page."""
    page = corpus_files["follow/index.html"].decode("utf-8")
    feeds = sorted(name for name in corpus_files
                   if name.endswith(("feed.xml", "feed.json")) and not name.startswith(f"{ITEMS}/"))
    assert len(feeds) == 8   # feed.xml, feed.json and the six journey stages'
    assert sorted(_feeds_shown(page)) == sorted((BASE + name, "../" + name) for name in feeds)
    for stage in ("find-out", "apply", "use-the-service", "pay", "get-help", "complain"):
        anchor = page.index(f'id="stage-{stage}"')   # the stage page's link lands on its own feed
        assert _feeds_shown(page[anchor:])[0][1] == f"../stages/{stage}/feed.xml"
    assert "<h1>Follow our changes</h1>" in page and "any feed reader" in page
    assert f"<loc>{BASE}follow/</loc>" in corpus_files["sitemap.xml"].decode("utf-8")


def test_every_page_leads_people_to_the_follow_page_and_feed_readers_to_the_feeds(corpus: dict[str, str]) -> None:
    """The footer sends a person to the follow page, no longer to raw XML; the page heads still announce the feeds
    to feed readers and browsers, as before."""
    for name, page in corpus.items():
        root = _root(name)
        footer = page[page.index('<footer class="site">'):]
        assert f'<a href="{root}follow/index.html">Follow our changes</a>' in footer, name
        assert "feed.xml" not in footer and "feed.json" not in footer, name
        head = page[:page.index("</head>")]
        assert (f'<link rel="alternate" type="application/atom+xml" title="You said, we did (Atom)" '
                f'href="{root}feed.xml">') in head, name
        assert (f'<link rel="alternate" type="application/feed+json" title="You said, we did (JSON Feed)" '
                f'href="{root}feed.json">') in head, name


def test_a_journey_stage_page_leads_people_to_its_own_feed_on_the_follow_page(corpus: dict[str, str]) -> None:
    stage_pages = [name for name in corpus if re.fullmatch(r"stages/[^/]+/(page/\d+/)?index\.html", name)]
    assert len(stage_pages) > 6   # numbered pages too
    for name in stage_pages:
        slug, page, root = name.split("/")[1], corpus[name], _root(name)
        main = page[page.index("<main"):page.index("</main>")]
        assert f'<a href="{root}follow/index.html#stage-{slug}">Follow this journey stage</a>' in main, name
        assert "feed.xml" not in main, name   # no raw XML for a person
        assert re.search(rf'<link rel="alternate" type="application/atom\+xml" title="[^"]+ \(Atom\)" '
                         rf'href="{root}stages/{slug}/feed.xml">', page), name


def test_an_item_page_shows_its_own_feed_address_and_what_a_feed_is(corpus: dict[str, str]) -> None:
    name = next(name for name in corpus if re.fullmatch(r"items/[^/]+/index\.html", name))
    page = corpus[name]
    assert _feeds_shown(page) == [(BASE + name.removesuffix("index.html") + "feed.xml", "../../items/"
                                   + name.split("/")[1] + "/feed.xml")]
    assert '<a href="../../follow/index.html">What is a feed?</a>' in page


def test_no_alias_can_take_the_place_of_a_page_the_site_writes(corpus_files: dict[str, bytes]) -> None:
    """An alias there would be dropped without a word (the page wins): the check refuses it instead."""
    tops = {name.split("/", 1)[0] for name in corpus_files} - {STORIES, ITEMS}
    assert {"follow", "page", "stages"} <= tops
    assert tops - RESERVED == set()


def test_a_base_url_written_without_its_final_slash_still_gives_whole_addresses(tmp_path: Path) -> None:
    """`base_url: https://example.org/changes` (no final /): the follow page's addresses to copy, the feeds and the
    sitemap read https://example.org/changes/feed.xml, never …/changesfeed.xml; the internal digest feed too."""
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "base_url: https://example.org/changes/", "base_url: https://example.org/changes")
    edit(root / "site.yaml", "base_url: https://intranet.example.org/backlog/",
         "base_url: https://intranet.example.org/backlog")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    follow = (out / "public/follow/index.html").read_text(encoding="utf-8").replace("<wbr>", "")  # break points
    assert "https://example.org/changes/feed.xml" in follow
    for name in ("public/follow/index.html", "public/feed.xml", "public/feed.json", "public/sitemap.xml",
                 "internal/digest/feed.xml"):
        text = (out / name).read_text(encoding="utf-8")
        assert "example.org/changesfeed" not in text and "/changes" + "stories" not in text, name
        assert "backlogdigest" not in text, name
