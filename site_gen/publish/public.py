"""The customers' site, rendered from a PublicSite only.

Every list is paginated so that no page grows with the history: the home page shows the newest stories and
numbered pages follow it (page/2/ …); the archive, each month, each journey stage, the working-on list and the
won't-do list likewise. With 10,000 stories no page is much larger than a few dozen kilobytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import groupby
from typing import Any, TypeVar

import jinja2

from ..i18n import Language
from ..incremental import Kept, PageReuse
from ..text import month_label
from ..views.public import PublicIrritant, PublicMonth, PublicSite, PublicStage, PublicStory
from .colors import accent_palette, favicon
from .feeds import atom_feed, bodies_read, item_feed, json_feed, robots, sitemap, stage_feed, stories_closing
from .render import Made, Page, not_found_page, render_pages, theme_file

HOME_STORIES = 20      # story cards per page of the stream, a month, a stage
LIST_ITEMS = 30        # items per page of working on / won't do
ARCHIVE_TITLES = 250   # titles per page of the archive
STAGE_PREVIEW = 5      # items of a stage shown on the stage's first page, with a link to the rest
ASSETS = ("site.css", "search.js", "copy.js")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a page sits in a numbered series: page 1 is `base`index.html, page n is `base`page/n/index.html."""
    base: str      # folder of the first page, relative to the site root: "" or "stages/payment/"
    number: int
    count: int

    def path(self, number: int) -> str:
        return f"{self.base}index.html" if number == 1 else f"{self.base}page/{number}/index.html"

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None

    @property
    def shown(self) -> list[int | None]:
        """The page numbers to link: the first, the last, two either side of this one; None is a gap."""
        wanted = sorted({1, self.count, *range(max(1, self.number - 2), min(self.count, self.number + 2) + 1)})
        out: list[int | None] = []
        for number in wanted:
            if out and out[-1] is not None and number - out[-1] > 1:
                out.append(None)
            out.append(number)
        return out


@dataclass(frozen=True, slots=True)
class StageGroup:
    """Consecutive items of one journey stage on a page (stage None: items without one)."""
    stage: PublicStage | None
    items: tuple[PublicIrritant, ...]
    continued: bool   # the group began on an earlier page


@dataclass(frozen=True, slots=True)
class ArchiveYear:
    year: int
    months: tuple[tuple[PublicMonth, bool], ...]   # (the month with this page's stories, continued from before)


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """At least one chunk, so an empty list still has its (empty) first page."""
    return [items[start:start + size] for start in range(0, len(items), size)] or [items[:0]]


def paged(base: str, template: str, items: Sequence[T], size: int,
          context: Callable[[Sequence[T], Pager], dict[str, Any]]) -> list[Page]:
    parts = chunks(items, size)
    out = []
    for number, part in enumerate(parts, start=1):
        pager = Pager(base, number, len(parts))
        path = pager.path(number)
        out.append(Page(path, template, {**context(part, pager), "pager": pager,
                                         "canonical": path.removesuffix("index.html")}))
    return out


def by_month(stories: Iterable[PublicStory]) -> list[PublicMonth]:
    """Newest-first stories grouped by month, as PublicMonths holding only the given stories."""
    return [PublicMonth(key, month_label(key), tuple(group)) for key, group in groupby(stories, lambda s: s.month)]


def _previous(items: Sequence[T], pager: Pager, size: int) -> T | None:
    """The entry just before this page's first one: it tells whether a group continues from the page before."""
    return items[(pager.number - 1) * size - 1] if pager.number > 1 else None


def by_stage(items: Sequence[PublicIrritant], before: PublicIrritant | None) -> list[StageGroup]:
    """Group consecutive items by stage; `before` (the last item of the page before) tells a continued group."""
    last: PublicStage | None | tuple[()] = before.stage if before else ()
    out: list[StageGroup] = []
    for stage, group in groupby(items, lambda i: i.stage):
        out.append(StageGroup(stage, tuple(group), continued=not out and stage == last))
    return out


def by_year(stories: Sequence[PublicStory], before: PublicStory | None) -> list[ArchiveYear]:
    years: list[ArchiveYear] = []
    for year, in_year in groupby(by_month(stories), lambda m: int(m.key[:4])):
        months = tuple((month, before is not None and not years and index == 0 and before.month == month.key)
                       for index, month in enumerate(in_year))
        years.append(ArchiveYear(year, months))
    return years


def declined_order(stages: Sequence[PublicStage]) -> Callable[[PublicIrritant], tuple[Any, ...]]:
    """Won't do: by journey stage, then newest decision first, then title."""
    position = {stage.slug: index for index, stage in enumerate(stages)}

    def key(item: PublicIrritant) -> tuple[Any, ...]:
        stage = position.get(item.stage.slug, len(position)) if item.stage else len(position)
        return (stage, -(item.decided or date.min).toordinal(), item.title)
    return key


def pages(site: PublicSite) -> list[Page]:
    declined = sorted(site.declined, key=declined_order(site.stages))
    stage_stories = {stage.slug: [s for s in site.stories if s.stage == stage] for stage in site.stages}
    stage_items = {stage.slug: [i for i in site.working_on if i.stage == stage] for stage in site.stages}
    stage_declined = {stage.slug: sum(i.stage == stage for i in declined) for stage in site.stages}
    counts = {slug: (len(stage_stories[slug]), len(stage_items[slug])) for slug in stage_stories}

    out = paged("", "home.html", site.stories, HOME_STORIES,
                lambda part, pager: {"months": by_month(part), "more": pager.number < pager.count})
    out += paged("archive/", "archive.html", site.stories, ARCHIVE_TITLES,
                 lambda part, pager: {"years": by_year(part, _previous(site.stories, pager, ARCHIVE_TITLES))})
    out += [Page("stages/index.html", "stages.html", {"counts": counts, "canonical": "stages/"})]
    working_at = _where(site.working_on, LIST_ITEMS, "working-on/")
    declined_at = _where(declined, LIST_ITEMS, "wont-do/")
    out += paged("working-on/", "working_on.html", site.working_on, LIST_ITEMS,
                 lambda part, pager: {"groups": by_stage(part, _previous(site.working_on, pager, LIST_ITEMS))})
    out += paged("wont-do/", "wont_do.html", declined, LIST_ITEMS,
                 lambda part, pager: {"groups": by_stage(part, _previous(declined, pager, LIST_ITEMS))})
    out.append(Page("search/index.html", "search.html", {"canonical": "search/"}))
    out.append(Page("follow/index.html", "follow.html", {"canonical": "follow/"}))
    out += [Page(f"stories/{story.slug}/index.html", "story.html",
                 {"story": story, "canonical": f"stories/{story.slug}/"}) for story in site.stories]
    for month in site.months:
        out += paged(f"months/{month.key}/", "month.html", month.stories, HOME_STORIES,
                     lambda part, pager, month=month: {"month": month, "stories": part})  # type: ignore[misc]
    for stage in site.stages:
        items = stage_items[stage.slug]
        out += paged(f"stages/{stage.slug}/", "stage.html", stage_stories[stage.slug], HOME_STORIES,
                     lambda part, pager, stage=stage, items=items: {  # type: ignore[misc]
                         "stage": stage, "stories": part, "working_on": items[:STAGE_PREVIEW],
                         "working_on_count": len(items), "working_on_at": working_at.get(stage.slug),
                         "declined_count": stage_declined[stage.slug], "declined_at": declined_at.get(stage.slug)})
    out += [Page(f"items/{item.slug}/index.html", "item.html", {"item": item, "canonical": f"items/{item.slug}/"})
            for item in site.items]
    return out


def _where(items: Sequence[PublicIrritant], size: int, base: str) -> dict[str, str]:
    """stage slug -> the address (relative to the root) of the list page where that stage's group begins."""
    out: dict[str, str] = {}
    for index, item in enumerate(items):
        if item.stage and item.stage.slug not in out:
            pager = Pager(base, index // size + 1, 0)
            out[item.stage.slug] = f"{pager.path(pager.number)}#stage-{item.stage.slug}"
    return out


def redirect_pages(site: PublicSite) -> list[Page]:
    """An old address (an alias) gets a small page that sends readers on, as Hugo's alias pages do."""
    return [Page(redirect.path, "redirect.html", {"redirect": redirect, "canonical": redirect.target})
            for redirect in site.redirects]


def render(site: PublicSite, env: jinja2.Environment, logo: bytes | None = None,
           progress: Callable[[int], None] | None = None, words: Language | None = None,
           reuse: PageReuse | None = None, out: dict[str, bytes | Kept] | None = None) -> dict[str, bytes | Kept]:
    """words: the site's language, for the feeds (the templates have theirs from env). The public site's files are
    set into `out` when given (it only ever assigns items: see parallel.PipeFiles)."""
    shared = shared_values(site)
    site_pages = pages(site)
    feeds = [Made(name, context, make) for name, _, context, make in feed_files(site, words)]
    # pages win over redirects; the feeds are made, or reused, as the pages are
    files = render_pages(env, [*redirect_pages(site), *site_pages, *feeds], shared, progress, reuse, out)
    for name, data in extras(site, env, shared, logo, words, [page.path for page in site_pages],
                             feeds=False).items():
        files[name] = data
    return files


def shared_values(site: PublicSite) -> dict[str, Any]:
    """What every public page's template sees besides its own context."""
    return {"site": site, "palette": accent_palette(site.accent), "inline_css": None}


def extras(site: PublicSite, env: jinja2.Environment, shared: dict[str, Any], logo: bytes | None,
           words: Language | None, page_paths: list[str], feeds: bool = True) -> dict[str, bytes]:
    """The files beside the pages: the theme's assets, the 404 page, the logo, the feeds (but for the items' and
    stages': `feeds`), the sitemap."""
    return {name: data for name, _, make in extra_files(site, env, shared, logo, words, page_paths, feeds)
            if (data := make()) is not None}


FeedFile = tuple[str, Callable[[bool], Iterable[object]], tuple[object, ...], Callable[[Any], bytes]]
# an item's or a stage's feed: its name, the objects whose bodies it shows (or, given True, any of whose fields:
# `Recipe`), what it reads besides the site, and how to make it from the site (render reuses it as a page:
# render.Made)


def feed_files(site: PublicSite, words: Language | None) -> list[FeedFile]:
    """Each item's and each journey stage's feed."""
    closing = stories_closing(site)
    files: list[FeedFile] = []
    for item in site.items:
        stories = tuple(closing.get(item.slug, ()))
        files.append((f"items/{item.slug}/feed.xml", partial(bodies_read, stories), (item, stories, words),
                      partial(_item_feed, item=item, words=words, closing={item.slug: list(stories)})))
    for stage in site.stages:
        files.append((f"stages/{stage.slug}/feed.xml",
                      partial(lambda stage, whole: bodies_read((s for s in site.stories if s.stage == stage), whole),
                              stage),
                      (stage, words), partial(_stage_feed, stage=stage, words=words)))
    return files


def _item_feed(site: PublicSite, item: PublicIrritant, words: Language | None,
               closing: dict[str, list[PublicStory]]) -> bytes:
    return item_feed(site, item, words, closing)


def _stage_feed(site: PublicSite, stage: PublicStage, words: Language | None) -> bytes:
    return stage_feed(site, stage, words)


Recipe = tuple[str, Callable[[bool], Iterable[object] | None], Callable[[], bytes | None]]
# a file's name, the objects whose `body` it shows, or given True any of whose fields (asked only when needed;
# None: not known, e.g. a template's), and how to make it (None: no such file)


def extra_files(site: PublicSite, env: jinja2.Environment, shared: dict[str, Any], logo: bytes | None,
                words: Language | None, page_paths: list[str], feeds: bool = True) -> list[Recipe]:
    """Each file beside the pages, with the objects whose bodies (or any of whose fields) it shows (serve makes
    again, after a story edit, only those that show what was edited) and how to make it; the items' and stages'
    feeds too, unless render makes them (`feeds`)."""

    def none(_whole: bool) -> tuple[()]:
        return ()

    def unknown(_whole: bool) -> None:
        return None

    recipes: list[Recipe] = [(f"assets/{name}", none, partial(theme_file, env, name)) for name in ASSETS]
    recipes += [("assets/favicon.svg", none, partial(favicon, site.accent)),
                ("404.html", unknown, partial(not_found_page, env, {**shared, "canonical": None}, site.base_url))]
    if logo is not None and site.logo:
        recipes.append((site.logo, none, lambda: logo))
    recipes += [("feed.xml", partial(bodies_read, site.stories), partial(atom_feed, site)),
                ("feed.json", partial(bodies_read, site.stories), partial(json_feed, site))]
    if feeds:
        recipes += [(name, bodies, partial(make, site)) for name, bodies, _, make in feed_files(site, words)]
    recipes += [("sitemap.xml", none, partial(sitemap, site, page_paths)), ("robots.txt", none, partial(robots, site))]
    return recipes
