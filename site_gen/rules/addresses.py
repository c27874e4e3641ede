"""Permanent public addresses: slugs are valid and unique, aliases collide with nothing, public records carry a slug.

A shared or e-mailed link must keep working: a page's address comes from `slug:`, written once, and an old
address listed in `aliases:` becomes a redirect page. Two records cannot own one address.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, SourceLoc, error, warning
from ..facts import Facts
from ..facts.addresses import (
    ITEMS,
    RESERVED,
    SLUG_MAX,
    STORIES,
    Address,
    Addresses,
    alias_path,
    public_addresses,
    redirect_file,
    valid_slug,
)
from ..model import Backlog, Irritant, Story
from ..text import slugify

_SLUG_HINT = "use lower-case ASCII letters, digits and single hyphens"


def _records(backlog: Backlog) -> Iterator[tuple[str, Story | Irritant]]:
    yield from ((STORIES, story) for story in backlog.stories.values())
    yield from ((ITEMS, irritant) for irritant in backlog.irritants.values())


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    return _judged(backlog, facts.addresses)


def check_records(backlog: Backlog, addresses: Addresses | None = None) -> Iterator[Diagnostic]:
    """The same findings from the records alone: the addresses are the facts' own, made of the records (a large
    check runs this in the record rules' worker: site_gen.rules.records_alone), or given, made already."""
    return _judged(backlog, public_addresses(backlog) if addresses is None else addresses)


def _judged(backlog: Backlog, addresses: Addresses) -> Iterator[Diagnostic]:
    slugs: dict[str, SourceLoc] = {}
    for _kind, record in _records(backlog):
        if record.slug is None:
            continue
        where = record.at("slug")
        if not valid_slug(record.slug):
            suggestion = slugify(record.slug, "")
            example = (f"e.g. slug: {suggestion}" if suggestion and suggestion != record.slug
                       else "write one that says what it is about in Latin letters, e.g. slug: cancel-in-the-app")
            too_long = f" (at most {SLUG_MAX} characters)" if len(record.slug) > SLUG_MAX else ""
            yield error(where, "slug-format", f"slug {record.slug!r} is not a valid address{too_long}",
                        f"{_SLUG_HINT}; {example}")
            continue
        first = slugs.setdefault(record.slug, where)
        if first != where:
            yield error(where, "slug-duplicate", f"slug '{record.slug}' is already the address of {first}",
                        "every public story and item needs its own slug: choose another one")

    # every address a page is written at: records' pages, then the aliases, in file order
    owners: dict[str, SourceLoc] = {}
    for address_of, records in ((addresses.stories, backlog.stories), (addresses.irritants, backlog.irritants)):
        for key, address in address_of.items():
            owners.setdefault(address.path.rstrip("/"), records[key].at("slug"))
    for kind, record in _records(backlog):
        for number, alias in enumerate(record.aliases):
            where = record.at(f"aliases.{number}")
            path = alias_path(kind, alias)
            if path is None:
                yield error(where, "alias-format", f"alias {alias!r} is not an address on the public site",
                            "write an old slug (e.g. 2026-02-old-title) or a site path "
                            f"(e.g. {kind}/2026-02-old-title/); {_SLUG_HINT}")
                continue
            top = path.split("/", 1)[0]
            if top in RESERVED or redirect_file(path) in RESERVED:
                yield error(where, "alias-collision", f"alias '{alias}' would replace the site's own page {top}",
                            f"an alias names an old address of this record, under {kind}/")
                continue
            owner = owners.setdefault(path, where)
            if owner.path == where.path and owner != where:
                yield error(where, "alias-collision", f"alias '{alias}' is this record's own address or listed twice",
                            "an alias names an old address of this record: remove it")
            elif owner != where:
                yield error(where, "alias-collision", f"alias '{alias}' is already the address of {owner}",
                            "an address belongs to one record: remove the alias or choose another slug")

    for kind, ids in ((STORIES, addresses.stories), (ITEMS, addresses.irritants)):
        for key, address in ids.items():
            public: Story | Irritant = backlog.stories[key] if kind == STORIES else backlog.irritants[key]
            if address.written or public.slug is not None:  # an invalid slug is reported as such
                continue
            yield slug_missing(kind, public, address)


def slug_missing(kind: str, public: Story | Irritant, address: Address) -> Diagnostic:
    """A published record without a slug lives at an address derived from its title: say which line keeps it
    (a cached check moves a retitled story's warning with it: site_gen.record_edits)."""
    title = "title" if kind == STORIES else "public_title"
    what = "public story" if kind == STORIES else "public item"
    extra = (" (its title has no Latin letters: you may write a slug that says what it is about instead)"
             if not slugify(getattr(public, title) or "", "") else "")
    return warning(public.at(title), "slug-missing",
                   f"{what} has no slug: its address {address.path} comes from its {title} and breaks "
                   "when that is edited",
                   f"add the line 'slug: {address.slug}' to keep today's address{extra}")
