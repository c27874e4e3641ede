"""The customers' site, rendered from a PublicSite only."""

from __future__ import annotations

from collections.abc import Callable

import jinja2

from ..colors import accent_palette, favicon
from ..feeds import atom_feed, item_feed, json_feed, robots, sitemap, stage_feed
from ..render import Page, not_found_page, render_pages, theme_file
from ..views.public import PublicSite

HOME_STORIES = 20
ASSETS = ("site.css", "search.js")


def pages(site: PublicSite) -> list[Page]:
    home_months, shown = [], 0
    for month in site.months:
        if shown >= HOME_STORIES:
            break
        home_months.append(month)
        shown += len(month.stories)
    counts = {stage.slug: (sum(s.stage == stage for s in site.stories),
                           sum(i.stage == stage for i in site.working_on)) for stage in site.stages}
    out = [
        Page("index.html", "home.html", {"months": home_months, "more": shown < len(site.stories), "canonical": ""}),
        Page("archive/index.html", "archive.html", {"canonical": "archive/"}),
        Page("stages/index.html", "stages.html", {"counts": counts, "canonical": "stages/"}),
        Page("working-on/index.html", "working_on.html", {"canonical": "working-on/"}),
        Page("wont-do/index.html", "wont_do.html", {"canonical": "wont-do/"}),
        Page("search/index.html", "search.html", {"canonical": "search/"}),
    ]
    out += [Page(f"stories/{story.slug}/index.html", "story.html",
                 {"story": story, "canonical": f"stories/{story.slug}/"}) for story in site.stories]
    out += [Page(f"months/{month.key}/index.html", "month.html", {"month": month, "canonical": f"months/{month.key}/"})
            for month in site.months]
    out += [Page(f"stages/{stage.slug}/index.html", "stage.html", {
        "stage": stage, "stories": [s for s in site.stories if s.stage == stage],
        "working_on": [i for i in site.working_on if i.stage == stage], "canonical": f"stages/{stage.slug}/"})
        for stage in site.stages]
    out += [Page(f"items/{item.slug}/index.html", "item.html", {"item": item, "canonical": f"items/{item.slug}/"})
            for item in site.items]
    return out


def redirect_pages(site: PublicSite) -> list[Page]:
    """An old address (an alias) gets a small page that sends readers on, as Hugo's alias pages do."""
    return [Page(redirect.path, "redirect.html", {"redirect": redirect, "canonical": redirect.target})
            for redirect in site.redirects]


def render(site: PublicSite, env: jinja2.Environment, logo: bytes | None = None,
           progress: Callable[[int], None] | None = None) -> dict[str, bytes]:
    shared = {"site": site, "palette": accent_palette(site.accent), "inline_css": None}
    site_pages = pages(site)
    files = render_pages(env, [*redirect_pages(site), *site_pages], shared, progress)  # pages win
    for name in ASSETS:
        files[f"assets/{name}"] = theme_file(env, name)
    files["assets/favicon.svg"] = favicon(site.accent)
    files["404.html"] = not_found_page(env, {**shared, "canonical": None}, site.base_url)
    if logo is not None and site.logo:
        files[site.logo] = logo
    files["feed.xml"] = atom_feed(site)
    files["feed.json"] = json_feed(site)
    for item in site.items:
        files[f"items/{item.slug}/feed.xml"] = item_feed(site, item)
    for stage in site.stages:
        files[f"stages/{stage.slug}/feed.xml"] = stage_feed(site, stage)
    map_xml = sitemap(site, [page.path for page in site_pages])
    if map_xml is not None:
        files["sitemap.xml"] = map_xml
    files["robots.txt"] = robots(site)
    return files
