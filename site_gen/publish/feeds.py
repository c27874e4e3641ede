"""Atom, JSON Feed and sitemap for the public site. They accept only a PublicSite.

Built with an XML library and json, not templates, so escaping is not a matter
of care. Dates come from the data, so rebuilds are byte-identical.

An entry's id is a `tag:` URI (RFC 4151) that never changes when a title or a
slug does: `tag:HOST,DATE:ADDRESS`, HOST the host of `public.base_url`, DATE
the story's publication date (for an item's status change, the day git first recorded the
change), ADDRESS the record's first address (its first alias, else its slug),
e.g. `tag:example.org,2026-02-26:stories/2026-02-cancel-your-plan-in-the-app-any-time`.
Without a base_url, HOST is the organisation's name as a slug under the
reserved `.invalid` domain (`northwind-bikes.invalid`), stable as long as the
organisation keeps its name.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import islice
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from ..i18n import Language, language
from ..text import slugify
from ..views.public import PublicIrritant, PublicSite, PublicStage, PublicStatusChange, PublicStory

ATOM = "http://www.w3.org/2005/Atom"
# Feeds carry every public story; the newest ones in full. Older entries keep their summary and
# link, so a feed of 10,000 stories stays a few megabytes instead of forty.
FULL_CONTENT_ENTRIES = 50


def bodies_read(stories: Iterable[PublicStory], whole: bool = False) -> tuple[PublicStory, ...]:
    """The stories of a feed (in its order) whose bodies it shows: the first FULL_CONTENT_ENTRIES (an entry after
    them shows no body); `whole`: every story it shows anything of (its title, we_did: every one). serve makes a
    feed again after a story edit only when it shows what was edited."""
    return tuple(stories) if whole else tuple(islice(stories, FULL_CONTENT_ENTRIES))


def story_path(story: PublicStory) -> str:
    return f"stories/{story.slug}/"


def item_path(item: PublicIrritant) -> str:
    return f"items/{item.slug}/"


def tag_authority(site: PublicSite) -> str:
    """The host of public.base_url, else '<organisation>.invalid' (a domain reserved never to exist)."""
    return _authority(site.base_url, site.organisation)


@functools.lru_cache(maxsize=4)
def _authority(base_url: str | None, organisation: str) -> str:
    """(asked for every entry of a feed: 10,000 stories' feeds, 0.05 s of serve's edit of a story's words)"""
    host = urlsplit(base_url).hostname if base_url else None
    return host or f"{slugify(organisation, 'site')}.invalid"


def tag_id(site: PublicSite, day: date, address: str) -> str:
    return f"tag:{tag_authority(site)},{day.isoformat()}:{address}"


def story_id(site: PublicSite, story: PublicStory) -> str:
    return tag_id(site, story.date, story.first_address or f"stories/{story.slug}")


def change_id(site: PublicSite, item: PublicIrritant, change: PublicStatusChange) -> str:
    address = item.first_address or f"items/{item.slug}"
    return tag_id(site, change.recorded or change.date, f"{address}/{change.status}")


def _absolute(site: PublicSite, path: str) -> str:
    return (site.base_url or "") + path


def _id(site: PublicSite, path: str) -> str:
    if site.base_url:
        return site.base_url + path
    return f"urn:site-gen:{slugify(site.organisation, 'site')}:{path.strip('/') or 'feed'}"


def _timestamp(day: date | None) -> str:
    return f"{(day or date(1970, 1, 1)).isoformat()}T00:00:00Z"


def _content(story: PublicStory, full: bool) -> str:
    result = f"<p><strong>Result:</strong> {_escape(story.result)}</p>" if story.result else ""
    return (f"<p><strong>You said:</strong> {_escape(story.you_said)}</p>"
            f"<p><strong>We did:</strong> {_escape(story.we_did)}</p>{result}{story.body if full else ''}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@dataclass(frozen=True, slots=True)
class _Entry:
    id: str
    title: str
    day: date
    path: str
    summary: str
    content: str
    stage: PublicStage | None


def _story_entries(site: PublicSite, stories: Iterable[PublicStory]) -> list[_Entry]:
    return [_Entry(story_id(site, story), story.title, story.date, story_path(story), story.we_did,
                   _content(story, number < FULL_CONTENT_ENTRIES), story.stage)
            for number, story in enumerate(stories)]


def _change_entries(site: PublicSite, item: PublicIrritant, words: Language) -> list[_Entry]:
    entries = []
    for change in item.changes:
        status, day = words.gettext(change.label), words.long_date(change.date)
        entries.append(_Entry(
            change_id(site, item, change), f"{item.title}: {status}", change.date, item_path(item),
            words.gettext("%(status)s on %(date)s.") % {"status": status, "date": day},
            "<p>" + words.gettext("%(title)s: <strong>%(status)s</strong> on %(date)s.")
            % {"title": _escape(item.title), "status": _escape(status), "date": _escape(day)} + "</p>", item.stage))
    return entries


def _atom(site: PublicSite, feed_id: str, title: str, path: str, alternate: str, entries: list[_Entry],
          updated: date | None) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", site.language)
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _timestamp(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = site.organisation
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                  href=_absolute(site, alternate) or "./")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=_absolute(site, path))
    for item in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = item.id
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item.title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _timestamp(item.day)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _timestamp(item.day)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=_absolute(site, item.path))
        if item.stage:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=item.stage.slug, label=item.stage.name)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = item.summary
        ET.SubElement(entry, f"{{{ATOM}}}content", type="html").text = item.content
    ET.indent(feed)
    return _xml(feed)


def atom_feed(site: PublicSite) -> bytes:
    return _atom(site, _id(site, ""), f"{site.title} — {site.organisation}", "feed.xml", "",
                 _story_entries(site, site.stories), site.updated)


def _newest_first(entries: list[_Entry]) -> list[_Entry]:
    return sorted(entries, key=lambda entry: (entry.day, entry.id), reverse=True)


def stories_closing(site: PublicSite) -> dict[str, list[PublicStory]]:
    """Item slug -> the stories that close it, in the site's order: one pass for every item's feed."""
    closing: dict[str, list[PublicStory]] = defaultdict(list)
    for story in site.stories:
        for slug in dict.fromkeys(link.slug for link in story.closes):
            closing[slug].append(story)
    return closing


def item_feed(site: PublicSite, item: PublicIrritant, words: Language | None = None,
              closing: Mapping[str, list[PublicStory]] | None = None) -> bytes:
    """One item's feed: each public change of its status, and the stories that close it.

    closing: stories_closing(site), when the caller writes many items' feeds."""
    stories = list((closing if closing is not None else stories_closing(site)).get(item.slug, ()))
    entries = _newest_first(_change_entries(site, item, words or language()) + _story_entries(site, stories))
    return _atom(site, _id(site, f"{item.first_address or 'items/' + item.slug}/"),
                 f"{item.title} — {site.organisation}", f"{item_path(item)}feed.xml", item_path(item), entries,
                 entries[0].day if entries else site.updated)


def stage_feed(site: PublicSite, stage: PublicStage, words: Language | None = None) -> bytes:
    """One journey stage's feed: its stories and the status changes of its items."""
    entries = _story_entries(site, [story for story in site.stories if story.stage == stage])
    for item in site.items:
        if item.stage == stage:
            entries += _change_entries(site, item, words or language())
    entries = _newest_first(entries)
    return _atom(site, _id(site, f"stages/{stage.slug}/"), f"{stage.name} — {site.title} — {site.organisation}",
                 f"stages/{stage.slug}/feed.xml", f"stages/{stage.slug}/", entries,
                 entries[0].day if entries else site.updated)


def json_feed(site: PublicSite) -> bytes:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{site.title} — {site.organisation}",
        "language": site.language,
        "authors": [{"name": site.organisation}],
        "items": [
            {
                "id": story_id(site, story),
                "url": _absolute(site, story_path(story)),
                "title": story.title,
                "summary": story.we_did,
                "content_html": _content(story, number < FULL_CONTENT_ENTRIES),
                "date_published": _timestamp(story.date),
                **({"tags": [story.stage.name]} if story.stage else {}),
            }
            for number, story in enumerate(site.stories)
        ],
    }
    if site.base_url:
        document["home_page_url"] = site.base_url
        document["feed_url"] = site.base_url + "feed.json"
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sitemap(site: PublicSite, paths: list[str]) -> bytes | None:
    """sitemap.xml needs absolute URLs: without public.base_url there is none."""
    if not site.base_url:
        return None
    namespace = "http://www.sitemaps.org/schemas/sitemap/0.9"
    ET.register_namespace("", namespace)
    urlset = ET.Element(f"{{{namespace}}}urlset")
    for path in sorted(paths):
        url = ET.SubElement(urlset, f"{{{namespace}}}url")
        ET.SubElement(url, f"{{{namespace}}}loc").text = site.base_url + path.removesuffix("index.html")
    ET.indent(urlset)
    return _xml(urlset)


def _xml(root: ET.Element) -> bytes:
    # serialized to text, then encoded once: encoding="utf-8" sends each of a feed's thousands of small writes
    # through a codec; xmlcharrefreplace is what that writer does with what UTF-8 cannot encode
    body = ET.tostring(root, encoding="unicode").encode("utf-8", "xmlcharrefreplace")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def robots(site: PublicSite) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if site.base_url:
        lines.append(f"Sitemap: {site.base_url}sitemap.xml")
    return ("\n".join(lines) + "\n").encode()
