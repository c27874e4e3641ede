"""Atom, JSON Feed and sitemap for the public site. They accept only a PublicSite.

Built with an XML library and json, not templates, so escaping is not a matter
of care. Dates come from the data, so rebuilds are byte-identical.
"""

from __future__ import annotations

import json
from datetime import date
from xml.etree import ElementTree as ET

from .text import slugify
from .views.public import PublicSite, PublicStory

ATOM = "http://www.w3.org/2005/Atom"
# Feeds carry every public story; the newest ones in full. Older entries keep their summary and
# link, so a feed of 10,000 stories stays a few megabytes instead of forty.
FULL_CONTENT_ENTRIES = 50


def story_path(story: PublicStory) -> str:
    return f"stories/{story.slug}/"


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


def atom_feed(site: PublicSite) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", site.language)
    ET.SubElement(feed, f"{{{ATOM}}}id").text = _id(site, "")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{site.title} — {site.organisation}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _timestamp(site.updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = site.organisation
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=_absolute(site, "") or "./")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml",
                  href=_absolute(site, "feed.xml"))
    for number, story in enumerate(site.stories):
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = _id(site, story_path(story))
        ET.SubElement(entry, f"{{{ATOM}}}title").text = story.title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _timestamp(story.date)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _timestamp(story.date)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                      href=_absolute(site, story_path(story)))
        if story.stage:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=story.stage.slug, label=story.stage.name)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = story.we_did
        ET.SubElement(entry, f"{{{ATOM}}}content", type="html").text = _content(story, number < FULL_CONTENT_ENTRIES)
    ET.indent(feed)
    return _xml(feed)


def json_feed(site: PublicSite) -> bytes:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{site.title} — {site.organisation}",
        "language": site.language,
        "authors": [{"name": site.organisation}],
        "items": [
            {
                "id": _id(site, story_path(story)),
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
    body: bytes = ET.tostring(root, encoding="utf-8")  # typed Any: tostring returns str for encoding="unicode"
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def robots(site: PublicSite) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if site.base_url:
        lines.append(f"Sitemap: {site.base_url}sitemap.xml")
    return ("\n".join(lines) + "\n").encode()
