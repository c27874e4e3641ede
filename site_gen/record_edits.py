"""A record edited in its own fields only: the one change a cached `check` (and, for a story's body, `serve`)
handles without a full run.

Own fields are those that only the record rules (site_gen.rules.records), judging each record alone, read:

- a story's words (`OWN[Story]`): its body, and the title, you_said, we_did, result, internal_notes and
  allow_personal_data of its front matter. Placeholders, public safety and the stories' own rules read them,
  and so do the public addresses of published stories (site_gen.facts.addresses): derived slugs come from the
  title, numbered in an order the other words break ties in. So a story's edit keeps the other stories'
  addresses only while the story is published neither before nor after, or both times: under the same title with
  no other published story sharing its date and title (`twinned`), or under a new title with no other published
  story deriving its old or new base address (`kept_addresses`) — and, without a slug of its own, moving to its
  new derived address, where no other address is, from an address no other story had been moved aside from or past
  (`StoryPlaces`): the addresses family's slug-missing warning then moves with it, the one finding across records an
  own edit changes;
- an irritant's own fields (`OWN[Irritant]`): title, summary, owner, cause, decline_reason, public_reason,
  reviewed, target and allow_personal_data, and its status between open and in-progress (`still_open`).
  Placeholders, public safety and the dated-and-assigned and on-time rules read them, the last two through its
  schedule (facts.schedule_of, made from the irritant alone). The length of the backlog, evidence, links, risks
  and public addresses read none of them (of a status, only whether it is open, done or declined);
- a decision's own fields (`OWN[Decision]`): its title, owner, body, the answers to its kind's questions,
  outcome_note and review_on. Placeholders and the decisions' own rules read them, the latter through its review
  (facts.decision_review, made from the decision alone); what follows a decision up and the links between
  decisions read none of them.

What the record rules said of each edited record before is replaced by what they say of it now, and what the
families find across records stays as it was but for that warning (tests/test_check_cache.py and
tests/test_serve_incremental.py hold both against a full check). Any other edit takes the full path. `serve` takes
story body edits alone: a body shows on the story's own page, a title on every list.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic
from .fields import ARBITRATION_QUESTIONS, DEBRIEF_POINTS
from .load.records import load_decision, load_irritant, load_story
from .model import Decision, Irritant, Rules, Story
from .rules.public_safety import CustomerReferences
from .rules.records import record_findings

if TYPE_CHECKING:
    from .facts.addresses import Addresses

BODY = ("body",)
OWN: dict[type[Story] | type[Irritant] | type[Decision], tuple[str, ...]] = {
    Story: ("title", "you_said", "we_did", "result", "internal_notes", "allow_personal_data", *BODY),
    Irritant: ("title", "summary", "owner", "cause", "decline_reason", "public_reason", "reviewed", "target",
               "allow_personal_data", "status"),   # status: while it stays open (`still_open`)
    Decision: ("title", "owner", *ARBITRATION_QUESTIONS, *DEBRIEF_POINTS, "outcome_note", "review_on", *BODY),
}
Edited = Story | Irritant | Decision   # an own edit is judged by the record rules (site_gen.rules.records)


def same_but_for(before: Edited, now: Edited, own: tuple[str, ...]) -> bool:
    """Of one kind, and every field but these is as before, places included."""
    return type(now) is type(before) and all(getattr(now, item.name) == getattr(before, item.name)
                                             for item in dataclasses.fields(before) if item.name not in own)


def with_edited(diagnostics: Sequence[Diagnostic], edits: Iterable[tuple[Edited, Edited]],
                references: CustomerReferences, as_of: date, rules: Rules,
                moved: KeptPlaces | None = None) -> list[Diagnostic]:
    """A check's diagnostics once these records (before, now) have their new own fields: what the families that
    read them said of each before, replaced by what they say of it now (and the slug-missing warnings of the
    stories they moved: `moved`)."""
    pairs = list(edits)
    gone = set().union(*(record_findings(before, references, as_of, rules) for before, _ in pairs))
    come = set().union(*(record_findings(now, references, as_of, rules) for _, now in pairs))
    if moved is not None:
        gone |= moved.gone
        come |= moved.come
    if gone == come:
        return list(diagnostics)
    # the diagnostics are sorted and distinct (sorted_diagnostics): only the edited files' change, so the new
    # ones are put in their places rather than 30,000 sorted again
    paths = {record.loc.path for pair in pairs for record in pair}
    kept = [found for found in diagnostics if found.loc.path not in paths or found not in gone]
    there = {found for found in kept if found.loc.path in paths}
    for found in sorted(come - there, key=Diagnostic.sort_key):
        bisect.insort(kept, found, key=Diagnostic.sort_key)
    return kept


def alike_but_for_bodies(stories: Iterable[Story]) -> dict[tuple[object, ...], list[str]]:
    """Story IDs by their order key without the body: stories in one list are ordered by their bodies."""
    from .facts.addresses import story_order  # (the full check's: an own edit never needs the facts)
    alike: dict[tuple[object, ...], list[str]] = {}
    for story in stories:
        alike.setdefault(story_order(story)[:-1], []).append(story.id)
    return alike


def twinned(stories: Iterable[Story]) -> frozenset[str]:
    """The IDs of published stories that share their date and title with another: their other words order their
    derived addresses."""
    from .facts.addresses import is_published_story
    alike: dict[tuple[object, ...], list[str]] = {}
    for story in stories:
        if is_published_story(story):
            alike.setdefault((story.date, story.title), []).append(story.id)
    return frozenset(key for ids in alike.values() if len(ids) > 1 for key in ids)


def published_bases(stories: Iterable[Story]) -> dict[str, int]:
    """How many published stories derive each base address (facts.addresses.derived_base)."""
    from .facts.addresses import derived_base, is_published_story
    return dict(Counter(derived_base(story) for story in stories if is_published_story(story)))


@dataclass(frozen=True, slots=True)
class StoryPlaces:
    """What a published story's derived address could meet if it moved: the address of every published story, the
    slugs records write, and the old addresses their aliases name. A check keeps it for the next one."""

    slugs: Mapping[str, str]    # published story ID -> the slug of its address (written or derived)
    written: frozenset[str]     # every valid slug a story or an irritant writes
    aliases: frozenset[str]     # every alias, as a site path (stories/2026-02-old-title)


def story_places(stories: Iterable[Story], irritants: Iterable[Irritant], addresses: Addresses) -> StoryPlaces:
    from .facts.addresses import ITEMS, STORIES, alias_path, valid_slug
    records: list[tuple[str, Story | Irritant]] = [*((STORIES, story) for story in stories),
                                                   *((ITEMS, irritant) for irritant in irritants)]
    return StoryPlaces({key: address.slug for key, address in addresses.stories.items()},
                       frozenset(record.slug for _, record in records if record.slug and valid_slug(record.slug)),
                       frozenset(path for kind, record in records for alias in record.aliases
                                 if (path := alias_path(kind, alias)) is not None))


@dataclass(frozen=True, slots=True)
class KeptPlaces:
    """The published stories' bases and places once own edits are made, and the slug-missing warnings they move."""

    bases: dict[str, int]
    places: StoryPlaces | None
    gone: frozenset[Diagnostic] = frozenset()
    come: frozenset[Diagnostic] = frozenset()


def kept_addresses(edits: Iterable[tuple[Edited, Edited]], twins: frozenset[str],
                   bases: Mapping[str, int], places: StoryPlaces | None) -> KeptPlaces | None:
    """The published stories' bases and places once these own edits are made, when they move no address but the
    edited stories' own; None otherwise. Irritants' and decisions' own fields take no part in addresses. A story's
    do unless it is published neither before nor after, or both times: under the same title, without a twin
    (`twinned`: then its other words order its derived slug); or under a new title with a slug of its own and no
    other published story deriving its old or new base (then only its own derived slug moves, which nothing shows
    while it has a slug); or under a new title without a slug (`_moved`)."""
    from .facts.addresses import derived_base, is_published_story, valid_slug
    now_bases = dict(bases)
    gone: set[Diagnostic] = set()
    come: set[Diagnostic] = set()
    for before, now in edits:
        if not isinstance(before, Story) or not isinstance(now, Story):
            continue
        published = is_published_story(before), is_published_story(now)
        if published == (False, False):
            continue
        if published != (True, True):
            return None
        if before.title == now.title:
            if before.id in twins:
                return None
            continue
        old, new = derived_base(before), derived_base(now)
        if now_bases.get(old) != 1 or (new != old and new in now_bases):
            return None
        if not valid_slug(before.slug):
            if places is None or (places := _moved(before, now, old, new, places, gone, come)) is None:
                return None
        del now_bases[old]
        now_bases[new] = 1
    return KeptPlaces(now_bases, places, frozenset(gone), frozenset(come))


def _moved(before: Story, now: Story, old: str, new: str, places: StoryPlaces, gone: set[Diagnostic],
           come: set[Diagnostic]) -> StoryPlaces | None:
    """A published story without a slug, retitled, the only one deriving its old base and its new one: it moves from
    its old derived address to its new one, and its slug-missing warning with it, when no other address is there
    or moves (the places after the move; None otherwise). Its address is its base, unnumbered, unless a slug or an
    earlier story held it (then it was moved aside, to base-2 …); a story moved aside from or past the address it
    leaves could come back (`_passed`), and an alias naming either address collides (site_gen.facts.addresses,
    rules.addresses)."""
    from .facts.addresses import STORIES, Address
    from .rules.addresses import slug_missing
    if places.slugs.get(before.id) != old or new in places.written or f"{STORIES}/{old}" in places.aliases or \
            f"{STORIES}/{new}" in places.aliases:
        return None
    if any(slug == new or _passed(old, slug) for key, slug in places.slugs.items() if key != before.id):
        return None
    if before.slug is None:   # (an invalid slug is reported as such, and its record warned of nothing else)
        gone.add(slug_missing(STORIES, before, Address(STORIES, old, False, ())))
        come.add(slug_missing(STORIES, now, Address(STORIES, new, False, ())))
    return dataclasses.replace(places, slugs={**places.slugs, before.id: new})


def _passed(old: str, slug: str) -> bool:
    """A story at `slug` may have been moved aside from `old` or past it, and would take it once free: its derived
    slug was taken, and it tried derived-2, derived-3 … in turn up to `slug` (facts.addresses._free). E.g. a story
    deriving x, which a slug holds, moved past x-2, which another story held, to x-3."""
    derived, _, number = slug.rpartition("-")
    if not derived or not number.isdigit():
        return False
    if derived == old:
        return True
    left, _, tried = old.rpartition("-")
    return left == derived and tried.isdigit() and 2 <= int(tried) < int(number)


def still_open(before: Edited, now: Edited) -> bool:
    """An irritant's status is its own while it stays open (open, in-progress): the facts read only whether it is
    open (the length of the backlog, its schedule, risks), done or declined; the record rules read which."""
    return not isinstance(before, Irritant) or not isinstance(now, Irritant) or before.status == now.status or (
        before.is_open and now.is_open)


def reloaded_edit(before: Edited, path: Path, root: Path, own: tuple[str, ...] = BODY,
                  hashed: bytes | None = None) -> Edited | None:
    """The record at path as saved now, when it loads without a problem and only these fields can differ from
    `before`; None otherwise (the full path then). With `hashed`, the hash its bytes had when the run began: None
    too when the file no longer has them (saved again meanwhile: what was loaded is not what was hashed)."""
    found: list[Diagnostic] = []
    load = load_story if isinstance(before, Story) else load_irritant if isinstance(before, Irritant) else load_decision
    now = load(path, root, found)
    if not isinstance(now, (Story, Irritant, Decision)) or found or not same_but_for(before, now, own) or \
            not still_open(before, now):
        return None
    if hashed is not None:
        from .incremental import digest, read_regular
        data = read_regular(path)
        if data is None or digest(data) != hashed:
            return None
    return now
