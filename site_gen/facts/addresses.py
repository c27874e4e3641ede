"""Where each public record lives on the public site: its slug, its old addresses, and which records publish.

A public story lives at `stories/<slug>/`, a public item (a public irritant) at `items/<slug>/`. The slug is
written once in the record (`slug:`), so editing a title never moves a page. A record without one keeps the
address site-gen always derived for it — the story's month and public title, the item's public title — so
adopting slugs breaks no link; check warns and names the line to add. Rules and the public view both read
these addresses, so `check` judges exactly the addresses the build writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from ..model import Backlog, Irritant, Story
from ..text import month_key, slugify

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 100
STORIES = "stories"
ITEMS = "items"
# What the public site writes at its top level besides stories/ and items/: an alias there would shadow a page.
RESERVED = frozenset({"index.html", "404.html", "page", "archive", "months", "stages", "working-on", "wont-do",
                      "search", "follow", "assets", "pagefind", "feed.xml", "feed.json", "sitemap.xml", "robots.txt"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class Address:
    """A public record's place on the public site."""

    kind: str                    # stories or items: the folder it lives in
    slug: str                    # the written slug, else the one derived from public text
    written: bool                # the slug comes from the record's `slug:` field
    aliases: tuple[str, ...]     # its old addresses as site paths, e.g. stories/2026-02-old-title

    @property
    def path(self) -> str:
        """stories/<slug>/: the folder of its page."""
        return f"{self.kind}/{self.slug}/"

    @property
    def first(self) -> str:
        """The record's first address (its first alias, else its address): feed ids are built on it."""
        return self.aliases[0] if self.aliases else f"{self.kind}/{self.slug}"


def is_published_story(story: Story) -> bool:
    """A story the public site shows: audience public, with a title and both halves of the loop."""
    return story.is_public and bool(story.title and story.you_said and story.we_did)


def is_published_irritant(irritant: Irritant) -> bool:
    """An irritant the public site shows as an item: visibility public, with a public title."""
    return irritant.is_public and bool(irritant.public_title)


def valid_slug(slug: str | None) -> bool:
    return slug is not None and len(slug) <= SLUG_MAX and SLUG_RE.match(slug) is not None


def alias_path(kind: str, alias: str) -> str | None:
    """An alias as a site path without slashes at either end, or None when it cannot be an address.

    A bare slug is an old slug of the same kind (`2026-02-old` -> `stories/2026-02-old`); anything with a
    slash is a path inside the public site (`stories/2026-02-old/`, `old/page.html`).
    """
    text = alias.strip()
    bare = "/" not in text and not text.endswith(".html")
    text = text.lstrip("/").removesuffix("index.html").strip("/")
    if not text:
        return None
    if bare:
        return f"{kind}/{text}" if valid_slug(text) else None
    segments = text.split("/")
    if any(not _SEGMENT.match(segment) or segment in (".", "..") for segment in segments):
        return None
    return text


def redirect_file(path: str) -> str:
    """The file a redirect from an alias path is written to."""
    return path if path.endswith(".html") else f"{path}/index.html"


def story_order(s: Story) -> tuple[date, str, str, str, str]:
    """The order derived story addresses are numbered in: the only fact a story's body takes part in (as the last
    tie-breaker; serve's body edits check it)."""
    return (s.date, s.title, s.you_said or "", s.we_did or "", s.body)


def derived_base(story: Story) -> str:
    """The address site-gen derives for a story before numbering: its month and title."""
    return f"{month_key(story.date)}-{slugify(story.title, 'story')}"


def derived_story_slugs(stories: Iterable[Story]) -> dict[str, str]:
    """Story ID -> the address site-gen derived before slugs: month and public title, numbered when they repeat.

    Ordered oldest first on public text only, as it always was, so today's addresses do not move.
    """
    ordered = sorted(stories, key=story_order)
    return dict(zip((s.id for s in ordered), _numbered([derived_base(s) for s in ordered]), strict=True))


def derived_item_slugs(irritants: Iterable[Irritant]) -> dict[str, str]:
    """Irritant ID -> the anchor its public title gave it on the working-on and won't-do pages."""
    ordered = list(irritants)
    return dict(zip((i.id for i in ordered), _numbered([slugify(i.public_title or "", "item") for i in ordered]),
                    strict=True))


def _numbered(bases: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for base in bases:
        count = seen.get(base, 0) + 1
        seen[base] = count
        out.append(base if count == 1 else f"{base}-{count}")
    return out


def _free(slug: str, taken: set[str]) -> str:
    """A derived slug that a written one already holds moves aside, numbered."""
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


@dataclass(frozen=True, slots=True)
class Addresses:
    stories: Mapping[str, Address]     # story ID -> address, published stories only
    irritants: Mapping[str, Address]   # irritant ID -> address, published irritants only
    derived: Mapping[tuple[str, str], str]  # (kind, ID) -> the derived slug, for the missing-slug hint


def public_addresses(backlog: Backlog) -> Addresses:
    """Every published record's address: its written slug when valid, else today's derived one."""
    stories = [s for s in backlog.stories.values() if is_published_story(s)]
    irritants = [i for i in backlog.irritants.values() if is_published_irritant(i)]
    all_records: list[Story | Irritant] = [*backlog.stories.values(), *backlog.irritants.values()]
    written = {record.slug for record in all_records if record.slug is not None and valid_slug(record.slug)}
    derived: dict[tuple[str, str], str] = {}
    result: dict[str, dict[str, Address]] = {STORIES: {}, ITEMS: {}}
    kinds: tuple[tuple[str, list[Story] | list[Irritant], dict[str, str]], ...] = (
        (STORIES, stories, derived_story_slugs(stories)), (ITEMS, irritants, derived_item_slugs(irritants)))
    for kind, records, slugs in kinds:
        taken = set(written)
        for record in records:
            derived[(kind, record.id)] = slugs[record.id]
            if valid_slug(record.slug):
                slug, is_written = record.slug or "", True
            else:
                slug, is_written = _free(slugs[record.id], taken), False
                taken.add(slug)
            aliases = tuple(dict.fromkeys(path for path in (alias_path(kind, a) for a in record.aliases) if path))
            result[kind][record.id] = Address(kind, slug, is_written, aliases)
    return Addresses(result[STORIES], result[ITEMS], derived)


def late_public(irritant: Irritant, as_of: date) -> bool:
    """Still open once its target month has passed: the public site says "later than planned".

    Customers see the target month, not the day, so the judgement is by month.
    """
    return irritant.is_open and irritant.target is not None and month_key(irritant.target) < month_key(as_of)
