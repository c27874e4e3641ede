"""The ONLY gate from the model to anything public.

Public objects declare exactly the fields the spec allows to publish. A field
nobody listed here is absent from the public site, not hidden: templates,
feeds, sitemap and search index receive only a PublicSite.

Allowed, per the spec:
  public story    — title, date, you_said, we_did, result, journey stage, body,
                    the count of distinct customers behind its irritants, its slug
                    and aliases (its public addresses, old ones included), and the
                    public items it closes
  public irritant — public_title, journey stage, status, target month, for a
                    decline its public_reason and the date it was decided (its
                    `closed`), its slug and aliases, the dates of its public status
                    changes (from git: the date and the new status, nothing else of
                    the commit; without full history, `closed` of a closed item),
                    whether it is later than planned (open after its target month),
                    and the public stories that close it
A link between a story and an item is published only when both are public.
Everything else (owners, causes, IDs, team names, feedback, internal notes,
internal titles, customers, verbatims) stays out. Visibility fails closed:
only the exact values `audience: public` / `visibility: public` publish.

One place copies allowed fields of a story without this module: `site-gen
notify` (site_gen/notify/plan.py, `plan`) takes its title, you_said, we_did and
result. serve's fast path (site_gen/live.py, `replacements`) makes an edited
story's PublicStory and redirects again with `public_story` and `redirects_to`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from ..facts import Facts, IrritantFacts
from ..facts.addresses import Address, redirect_file
from ..history import NO_STATUS_HISTORY, StatusHistory
from ..labels import label
from ..model import Backlog, Irritant, IrritantStatus, Story
from ..text import humanize, month_key, month_label, slugify

RenderMarkdown = Callable[[str], Markup]

# The status of an item in a customer's words: the status pill's (a declined item's Changes said "Not planned"
# under a "Won't do" pill; an open one reads "Planned", where the team reads "Not started"). English msgids: the
# pages and feeds translate them (`_(item.status_label)`).
STATUS_WORDS = {status: label(status, customer=True) for status in IrritantStatus}


@dataclass(frozen=True, slots=True)
class PublicStage:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class PublicLink:
    """A link between a public story and a public item: the other side's address and title only."""

    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class PublicStory:
    slug: str            # its address, stories/<slug>/: the written slug, else derived from date and title
    title: str
    date: date
    you_said: str
    we_did: str
    result: str | None
    stage: PublicStage | None
    body: Markup
    customers: int       # distinct customers behind its irritants: a count, never who
    first_address: str = ""              # stories/<first alias or slug>: feed ids are built on it
    closes: tuple[PublicLink, ...] = ()  # the public items it closes

    @property
    def month(self) -> str:
        return month_key(self.date)


@dataclass(frozen=True, slots=True)
class PublicStatusChange:
    date: date
    status: str
    label: str           # the status in plain words
    # the day git first showed it (feed ids are built on it, so they stay put); None: the same as `date`
    recorded: datetime.date | None = None


@dataclass(frozen=True, slots=True)
class PublicIrritant:
    anchor: str          # its id on the list pages: its slug
    title: str           # the irritant's public_title
    stage: PublicStage | None
    status: str
    target_month: str | None   # "2027-01": a month, not the internal target date (pages word it: January 2027)
    public_reason: str | None  # declines only
    slug: str = ""             # its address, items/<slug>/
    first_address: str = ""    # items/<first alias or slug>: feed ids are built on it
    status_label: str = ""     # the status in plain words
    late: bool = False         # still open after its target month
    decided: date | None = None                     # a decline: the day it was decided (its closed date)
    changes: tuple[PublicStatusChange, ...] = ()    # public status changes, oldest first
    stories: tuple[PublicStory, ...] = ()           # the public stories that close it, oldest first

    @property
    def path(self) -> str:
        """items/<slug>/: the folder of its page, relative to the site root."""
        return f"items/{self.slug}/"

    @property
    def updated(self) -> date | None:
        """The day of its last public change."""
        return self.changes[-1].date if self.changes else self.decided


@dataclass(frozen=True, slots=True)
class PublicMonth:
    key: str             # 2026-09
    label: str           # September 2026
    stories: tuple[PublicStory, ...]


@dataclass(frozen=True, slots=True)
class PublicRedirect:
    """An old address (an alias) that sends readers to a page's current one."""

    path: str            # the file written, e.g. stories/2026-02-old-title/index.html
    target: str          # the page it points to, e.g. stories/2026-02-new-title/
    title: str


@dataclass(frozen=True, slots=True)
class PublicSite:
    organisation: str
    title: str
    base_url: str | None
    language: str
    accent: str
    logo: str | None                 # path inside the published site, e.g. assets/logo.svg
    stages: tuple[PublicStage, ...]
    stories: tuple[PublicStory, ...]  # newest first
    months: tuple[PublicMonth, ...]   # newest first
    working_on: tuple[PublicIrritant, ...]
    declined: tuple[PublicIrritant, ...]
    updated: date | None             # the newest story's date: rebuilds are identical
    items: tuple[PublicIrritant, ...] = ()          # every public item, each with its page: by slug
    redirects: tuple[PublicRedirect, ...] = ()
    feedback_url: str | None = None  # where a customer can tell the organisation something


def _stage(stage_id: str | None, stages: Mapping[str, PublicStage]) -> PublicStage | None:
    return stages.get(stage_id) if stage_id else None


def story_address(facts: Facts, story_id: str) -> str | None:
    """The absolute URL of a story's public page (what a message to a customer links to).

    None when the story is not on the public site or site.yaml has no public.base_url.
    """
    base = facts.backlog.config.public.base_url
    address = facts.addresses.stories.get(story_id)
    if base is None or address is None:
        return None
    return base + address.path


def public_view(backlog: Backlog, facts: Facts, render_markdown: RenderMarkdown,
                logo_name: str | None = None, history: StatusHistory = NO_STATUS_HISTORY,
                future: bool = False) -> PublicSite:
    """Build the public site's data from the allow-listed fields of public records.

    A story dated after the build's today is scheduled (facts): left out until its date, unless `future`
    (a preview).
    """
    config = backlog.config
    stages = journey_stages(backlog)
    addresses = facts.addresses
    story_of = {key: backlog.stories[key] for key in addresses.stories if future or not facts.stories[key].scheduled}
    irritant_of = {key: backlog.irritants[key] for key in addresses.irritants}

    stories = [public_story(story, backlog, facts, stages, render_markdown) for story in story_of.values()]
    stories.sort(key=lambda s: (s.date, s.slug), reverse=True)

    months: dict[str, list[PublicStory]] = {}
    for told in stories:
        months.setdefault(told.month, []).append(told)

    position = {stage.slug: index for index, stage in enumerate(stages.values())}

    def journey_order(irritant: PublicIrritant) -> tuple[int, str, str]:
        return (position.get(irritant.stage.slug, len(position)) if irritant.stage else len(position),
                irritant.title, irritant.slug)

    closing: dict[str, list[PublicStory]] = {}
    for told in sorted(stories, key=lambda s: (s.date, s.slug)):
        for link in told.closes:
            closing.setdefault(link.slug, []).append(told)
    items = []
    for key, irritant in irritant_of.items():
        address = addresses.irritants[key]
        items.append(_public_irritant(irritant, address, stages, facts.irritants[key], history,
                                      tuple(closing.get(address.slug, ()))))
    working_on = [item for key, item in zip(irritant_of, items, strict=True) if facts.irritants[key].is_open]
    declined = [item for key, item in zip(irritant_of, items, strict=True) if facts.irritants[key].declined]

    redirects = [redirect for address, title in [*((addresses.stories[k], s.title) for k, s in story_of.items()),
                                                 *((addresses.irritants[k], i.public_title or "")
                                                   for k, i in irritant_of.items())]
                 for redirect in redirects_to(address, title)]

    return PublicSite(
        organisation=config.organisation, title=config.public.title, base_url=config.public.base_url,
        language=config.public.language, accent=config.public.accent, logo=logo_name,
        stages=tuple(stages.values()), stories=tuple(stories),
        months=tuple(PublicMonth(key, month_label(key), tuple(items)) for key, items in months.items()),
        working_on=tuple(sorted(working_on, key=journey_order)),
        declined=tuple(sorted(declined, key=journey_order)),
        updated=stories[0].date if stories else None, feedback_url=config.public.feedback_url,
        items=tuple(sorted(items, key=lambda item: item.slug)),
        redirects=tuple(sorted(redirects, key=lambda r: r.path)))


def journey_stages(backlog: Backlog) -> dict[str, PublicStage]:
    """Each journey stage's public name and address, by its ID."""
    return {stage: PublicStage(slugify(stage), humanize(stage)) for stage in backlog.config.journey_stages}


def public_story(story: Story, backlog: Backlog, facts: Facts, stages: Mapping[str, PublicStage],
                 render_markdown: RenderMarkdown) -> PublicStory:
    """A published story as the public site shows it (facts.addresses has its address): its allow-listed fields,
    and the public items it closes. serve's fast path makes an edited story's again with it (site_gen.live)."""
    addresses = facts.addresses
    story_facts = facts.stories[story.id]
    address = addresses.stories[story.id]
    closes = {PublicLink(addresses.irritants[key].slug, backlog.irritants[key].public_title or "")
              for key in story.irritants if key in addresses.irritants}
    return PublicStory(
        slug=address.slug, title=story.title, date=story.date, you_said=story.you_said or "",
        we_did=story.we_did or "", result=story.result, stage=_stage(story_facts.journey_stage, stages),
        body=render_markdown(story.body), customers=story_facts.customers, first_address=address.first,
        closes=tuple(sorted(closes, key=lambda link: (link.title, link.slug))))


def redirects_to(address: Address, title: str) -> list[PublicRedirect]:
    """The pages that send a record's old addresses (its aliases) on to its page, named by its public title."""
    return [PublicRedirect(redirect_file(alias), address.path, title) for alias in address.aliases]


def _public_irritant(irritant: Irritant, address: Address, stages: Mapping[str, PublicStage], found: IrritantFacts,
                     history: StatusHistory, stories: tuple[PublicStory, ...]) -> PublicIrritant:
    target = irritant.target
    declined = found.declined
    closed = irritant.closed if irritant.status in (IrritantStatus.DONE, IrritantStatus.DECLINED) else None
    if history.complete:
        changes = tuple(PublicStatusChange(change.date, change.status, _words(change.status))
                        for change in history.changes.get(irritant.loc.path, ()) if change.status in _STATUSES)
        changes = _dated_by_closed(changes, irritant.status, closed)
    else:  # no full history: the one public date there is, the day it was closed
        changes = (PublicStatusChange(closed, irritant.status, _words(irritant.status)),) if closed else ()
    return PublicIrritant(
        anchor=address.slug, title=irritant.public_title or "",
        stage=_stage(irritant.journey_stage, stages), status=irritant.status,
        target_month=month_key(target) if target and not declined else None,
        public_reason=irritant.public_reason if declined else None,
        slug=address.slug, first_address=address.first, status_label=_words(irritant.status),
        late=found.late_public, decided=closed if irritant.status == IrritantStatus.DECLINED else None,
        changes=changes, stories=stories)


_STATUSES = frozenset(status.value for status in IrritantStatus)


def _dated_by_closed(changes: tuple[PublicStatusChange, ...], status: str,
                     closed: date | None) -> tuple[PublicStatusChange, ...]:
    """The change that closed an item shows its `closed` day when git saw it later.

    A backlog moved into the repository, or an item made public after it was closed, reaches git long after
    the team closed it: its page said "Done" on the day of that commit, months after the stories that tell the
    fix and after "Decided on" (its closed day). Never before the change it follows.
    """
    if not changes or closed is None or changes[-1].status != status or closed >= changes[-1].date:
        return changes
    last = changes[-1]
    day = max(closed, changes[-2].date) if len(changes) > 1 else closed
    return (*changes[:-1], PublicStatusChange(day, last.status, last.label, recorded=last.date))


def _words(status: str) -> str:
    return STATUS_WORDS[IrritantStatus(status)] if status in _STATUSES else status
