"""The ONLY gate from the model to anything public.

Public objects declare exactly the fields the spec allows to publish. A field
nobody listed here is absent from the public site, not hidden: templates,
feeds, sitemap and search index receive only a PublicSite.

Allowed, per the spec:
  public story    — title, date, you_said, we_did, result, journey stage, body,
                    and the count of distinct customers behind its irritants
  public irritant — public_title, journey stage, status, target month, and for a
                    decline its public_reason
Everything else (owners, causes, IDs, team names, feedback, internal notes,
internal titles, customers, verbatims) stays out. Visibility fails closed:
only the exact values `audience: public` / `visibility: public` publish.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from markupsafe import Markup

from ..facts import Facts
from ..model import Backlog, Irritant
from ..text import humanize, month_key, month_label, slugify

RenderMarkdown = Callable[[str], Markup]


@dataclass(frozen=True, slots=True)
class PublicStage:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class PublicStory:
    slug: str            # permalink, made from the date and public title only
    title: str
    date: date
    you_said: str
    we_did: str
    result: str | None
    stage: PublicStage | None
    body: Markup
    customers: int       # distinct customers behind its irritants: a count, never who

    @property
    def month(self) -> str:
        return month_key(self.date)


@dataclass(frozen=True, slots=True)
class PublicIrritant:
    anchor: str          # made from the public title only
    title: str           # the irritant's public_title
    stage: PublicStage | None
    status: str
    target_month: str | None   # "January 2027": a month, not the internal target date
    public_reason: str | None  # declines only


@dataclass(frozen=True, slots=True)
class PublicMonth:
    key: str             # 2026-09
    label: str           # September 2026
    stories: tuple[PublicStory, ...]


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


def _stage(stage_id: str | None, stages: Mapping[str, PublicStage]) -> PublicStage | None:
    return stages.get(stage_id) if stage_id else None


def _unique_slugs(bases: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for base in bases:
        count = seen.get(base, 0) + 1
        seen[base] = count
        out.append(base if count == 1 else f"{base}-{count}")
    return out


def public_view(backlog: Backlog, facts: Facts, render_markdown: RenderMarkdown,
                logo_name: str | None = None, future: bool = False) -> PublicSite:
    """Build the public site's data from the allow-listed fields of public records.

    A story dated after the build's today is scheduled (facts): left out until its date, unless `future`
    (a preview).
    """
    config = backlog.config
    stages = {stage: PublicStage(slugify(stage), humanize(stage)) for stage in config.journey_stages}

    public = [s for s in backlog.stories.values()
              if s.is_public and s.title and s.you_said and s.we_did
              and (future or not facts.stories[s.id].scheduled)]
    # oldest first to number colliding slugs stably; ties broken on public text only
    public.sort(key=lambda s: (s.date, s.title, s.you_said, s.we_did, s.body))
    slugs = _unique_slugs([f"{month_key(s.date)}-{slugify(s.title, 'story')}" for s in public])
    stories = []
    for story, slug in zip(public, slugs, strict=True):
        story_facts = facts.stories[story.id]
        stories.append(PublicStory(
            slug=slug, title=story.title, date=story.date, you_said=story.you_said, we_did=story.we_did,
            result=story.result, stage=_stage(story_facts.journey_stage, stages),
            body=render_markdown(story.body), customers=story_facts.customers))
    stories.sort(key=lambda s: (s.date, s.slug), reverse=True)

    months: dict[str, list[PublicStory]] = {}
    for story in stories:
        months.setdefault(story.month, []).append(story)

    position = {stage.slug: index for index, stage in enumerate(stages.values())}

    def journey_order(irritant: PublicIrritant) -> tuple:
        return (position.get(irritant.stage.slug, len(position)) if irritant.stage else len(position), irritant.title)

    irritants = [i for i in backlog.irritants.values() if i.is_public and i.public_title]
    working_on = _unique_anchors([_public_irritant(i, stages, with_reason=False) for i in irritants
                                  if facts.irritants[i.id].is_open])
    declined = _unique_anchors([_public_irritant(i, stages, with_reason=True) for i in irritants
                                if facts.irritants[i.id].declined])

    return PublicSite(
        organisation=config.organisation, title=config.public.title, base_url=config.public.base_url,
        language=config.public.language, accent=config.public.accent, logo=logo_name,
        stages=tuple(stages.values()), stories=tuple(stories),
        months=tuple(PublicMonth(key, month_label(key), tuple(items)) for key, items in months.items()),
        working_on=tuple(sorted(working_on, key=journey_order)),
        declined=tuple(sorted(declined, key=journey_order)),
        updated=stories[0].date if stories else None)


def _unique_anchors(items: list[PublicIrritant]) -> list[PublicIrritant]:
    """Two items with the same public title still get their own anchor on the page."""
    anchors = _unique_slugs([item.anchor for item in items])
    return [replace(item, anchor=anchor) for item, anchor in zip(items, anchors, strict=True)]


def _public_irritant(irritant: Irritant, stages: Mapping[str, PublicStage], with_reason: bool) -> PublicIrritant:
    target = irritant.target
    return PublicIrritant(
        anchor=slugify(irritant.public_title or "", "item"), title=irritant.public_title or "",
        stage=_stage(irritant.journey_stage, stages), status=irritant.status,
        target_month=month_label(month_key(target)) if target and not with_reason else None,
        public_reason=irritant.public_reason if with_reason else None)
