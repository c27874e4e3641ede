"""A record edited in its own fields only: the one change a cached `check` (and, for a story's body, `serve`)
handles without a full run.

Own fields are those that only the record rules (site_gen.rules.records), judging each record alone, read:

- a story's words (`OWN[Story]`): its body, and the title, you_said, we_did, result, internal_notes and
  allow_personal_data of its front matter. Placeholders, public safety and the stories' own rules read them,
  and so do the public addresses of published stories (site_gen.facts.addresses): derived slugs come from the
  title, numbered in an order the other words break ties in. So a story's edit keeps the other stories'
  addresses only while the story is published neither before nor after, or both times: under the same title with
  no other published story sharing its date and title (`StoryPlaces.twins`), or under a new title with no other
  published story deriving its old or new base address (`kept_addresses`) — and, without a slug of its own,
  moving to its new derived address, where no other address is, from an address no other story had been moved
  aside from or past (`StoryPlaces`): the addresses family's slug-missing warning then moves with it;
- an irritant's own fields (`OWN[Irritant]`): title, summary, owner, cause, decline_reason, public_reason,
  reviewed, target and allow_personal_data, and its status, closed date and triage. Placeholders, public safety and
  the dated-and-assigned and on-time rules read them, the last two through its schedule (facts.schedule_of, made
  from the irritant alone). Evidence, links and public addresses read none of them. Of a status, three families
  across records read whether it is open, done or declined (`kept_states`): the length of the backlog
  (backlog-short, at every open irritant's status beyond rules.max_open) and the high risks no open irritant covers
  (risk-uncovered) are made again from what the last check kept of each irritant (`IrritantStates`: every open
  one's opened date and status line; each high risk's warning and every irritant that would cover it open); a fix
  reopened loses what the loop rules said at its closed line (loop-open, recurrence), and one marked done has
  nothing said of it until those rules can follow it up (facts.followed_up) — from then on its evidence and its
  complaints in DuckDB are the full check's. Its lines may move (a closed date added or removed), while every
  finding of the last check in its file is made again or stays on a line that did not move, and no finding in
  another file names it (rules.addresses names where a slug is);
- a decision's own fields (`OWN[Decision]`): its title, owner, body, the answers to its kind's questions,
  outcome_note and review_on. Placeholders and the decisions' own rules read them, the latter through its review
  (facts.decision_review, made from the decision alone); what follows a decision up and the links between
  decisions read none of them.

What the record rules said of each edited record before is replaced by what they say of it now, and what the
families find across records stays as it was but for that warning and those an irritant's status changes
(tests/test_check_cache.py and tests/test_serve_incremental.py hold both against a full check). Any other edit
takes the full path. `serve` takes a story's edits alone (site_gen.live), but for a retitled story without a slug:
there a new address is a page that comes and goes.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic
from .fields import ARBITRATION_QUESTIONS, DEBRIEF_POINTS
from .load.records import load_decision, load_irritant, load_story
from .model import Backlog, Decision, Irritant, Rules, Story
from .rules.public_safety import CustomerReferences
from .rules.records import record_findings

if TYPE_CHECKING:
    from .facts import Facts
    from .facts.addresses import Addresses
    from .rules.backlog_rules import OpenIrritants

BODY = ("body",)
OWN: dict[type[Story] | type[Irritant] | type[Decision], tuple[str, ...]] = {
    Story: ("title", "you_said", "we_did", "result", "internal_notes", "allow_personal_data", *BODY),
    # its status, closed date and triage, which rules across records read (`kept_states`), and the places of its
    # fields, which an added or removed line moves (`_in_place`)
    Irritant: ("title", "summary", "owner", "cause", "decline_reason", "public_reason", "reviewed", "target",
               "allow_personal_data", "status", "closed", "triage", "locs"),
    Decision: ("title", "owner", *ARBITRATION_QUESTIONS, *DEBRIEF_POINTS, "outcome_note", "review_on", *BODY),
}
Edited = Story | Irritant | Decision   # an own edit is judged by the record rules (site_gen.rules.records)


def same_but_for(before: Edited, now: Edited, own: tuple[str, ...]) -> bool:
    """Of one kind, and every field but these is as before, places included."""
    return type(now) is type(before) and all(getattr(now, item.name) == getattr(before, item.name)
                                             for item in dataclasses.fields(before) if item.name not in own)


def with_edited(diagnostics: Sequence[Diagnostic], edits: Iterable[tuple[Edited, Edited]],
                references: CustomerReferences, as_of: date, rules: Rules,
                moved: KeptPlaces | None = None, states: KeptStates | None = None) -> list[Diagnostic]:
    """A check's diagnostics once these records (before, now) have their new own fields: what the families that
    read them said of each before, replaced by what they say of it now (and the slug-missing warnings of the
    stories they moved: `moved`; what the families across records say once irritants' statuses changed:
    `states`)."""
    pairs = list(edits)
    gone = set().union(*(record_findings(before, references, as_of, rules) for before, _ in pairs))
    come = set().union(*(record_findings(now, references, as_of, rules) for _, now in pairs))
    for across in (moved, states):
        if across is not None:
            gone |= across.gone
            come |= across.come
    if gone == come:
        return list(diagnostics)
    # the diagnostics are sorted and distinct (sorted_diagnostics): only the edited files' change, and those the
    # families across records say anew (at other irritants' status, in site.yaml), so the new ones are put in their
    # places rather than 30,000 sorted again
    paths = {record.loc.path for pair in pairs for record in pair} | {found.loc.path for found in gone | come}
    kept = [found for found in diagnostics if found.loc.path not in paths or found not in gone]
    there = {found for found in kept if found.loc.path in paths}
    new = sorted(come - there, key=Diagnostic.sort_key)
    if len(new) > _INSERTED:
        return list(heapq.merge(kept, new, key=Diagnostic.sort_key))
    for found in new:
        bisect.insort(kept, found, key=Diagnostic.sort_key)
    return kept


_INSERTED = 100   # more new findings than this (backlog-short's count changed on 4,000 open irritants): merged


def alike_but_for_bodies(stories: Iterable[Story]) -> dict[tuple[object, ...], list[str]]:
    """Story IDs by their order key without the body: stories in one list are ordered by their bodies."""
    from .facts.addresses import story_order  # (the full check's: an own edit never needs the facts)
    alike: dict[tuple[object, ...], list[str]] = {}
    for story in stories:
        alike.setdefault(story_order(story)[:-1], []).append(story.id)
    return alike


@dataclass(frozen=True, slots=True)
class StoryPlaces:
    """What an edit of a published story could meet: the published stories that share their date and title with
    another (their other words order their derived addresses), how many derive each base address, the address of
    every one, the slugs records write, and the old addresses their aliases name. A check keeps it for the next
    one."""

    twins: frozenset[str]       # published story IDs sharing their date and title with another
    bases: Mapping[str, int]    # derived base address (facts.addresses.derived_base) -> published stories deriving it
    slugs: Mapping[str, str]    # published story ID -> the slug of its address (written or derived)
    written: frozenset[str]     # every valid slug a story or an irritant writes
    aliases: frozenset[str]     # every alias, as a site path (stories/2026-02-old-title)


def story_places(stories: Iterable[Story], irritants: Iterable[Irritant], addresses: Addresses) -> StoryPlaces:
    from .facts.addresses import ITEMS, STORIES, alias_path, derived_base, is_published_story, valid_slug
    listed = list(stories)
    published = [story for story in listed if is_published_story(story)]
    alike: dict[tuple[object, ...], list[str]] = {}
    for story in published:
        alike.setdefault((story.date, story.title), []).append(story.id)
    records: list[tuple[str, Story | Irritant]] = [*((STORIES, story) for story in listed),
                                                   *((ITEMS, irritant) for irritant in irritants)]
    return StoryPlaces(frozenset(key for ids in alike.values() if len(ids) > 1 for key in ids),
                       dict(Counter(derived_base(story) for story in published)),
                       {key: address.slug for key, address in addresses.stories.items()},
                       frozenset(record.slug for _, record in records if record.slug and valid_slug(record.slug)),
                       frozenset(path for kind, record in records for alias in record.aliases
                                 if (path := alias_path(kind, alias)) is not None))


@dataclass(frozen=True, slots=True)
class KeptPlaces:
    """The published stories' places once own edits are made, and the slug-missing warnings they move."""

    places: StoryPlaces | None
    gone: frozenset[Diagnostic] = frozenset()
    come: frozenset[Diagnostic] = frozenset()


def kept_addresses(edits: Iterable[tuple[Edited, Edited]], places: StoryPlaces | None) -> KeptPlaces | None:
    """The published stories' places once these own edits are made, when they move no address but the edited
    stories' own; None otherwise (and for any edit of a published story without the last check's places).
    Irritants' and decisions' own fields take no part in addresses. A story's do unless it is published neither
    before nor after, or both times: under the same title, without a twin (then its other words order its derived
    slug); or under a new title with a slug of its own and no other published story deriving its old or new base
    (then only its own derived slug moves, which nothing shows while it has a slug); or under a new title without a
    slug (`_moved`)."""
    from .facts.addresses import derived_base, is_published_story, valid_slug
    gone: set[Diagnostic] = set()
    come: set[Diagnostic] = set()
    for before, now in edits:
        if not isinstance(before, Story) or not isinstance(now, Story):
            continue
        published = is_published_story(before), is_published_story(now)
        if published == (False, False):
            continue
        if published != (True, True) or places is None:
            return None
        if before.title == now.title:
            if before.id in places.twins:
                return None
            continue
        old, new = derived_base(before), derived_base(now)
        if places.bases.get(old) != 1 or (new != old and new in places.bases):
            return None
        if not valid_slug(before.slug) and (places := _moved(before, now, old, new, places, gone, come)) is None:
            return None
        bases = {base: count for base, count in places.bases.items() if base != old}
        places = dataclasses.replace(places, bases={**bases, new: 1})
    return KeptPlaces(places, frozenset(gone), frozenset(come))


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


@dataclass(frozen=True, slots=True)
class IrritantStates:
    """What the families across records read of whether each irritant is open, done or declined: kept by a check
    for the next one to judge an irritant's status edit alone (`kept_states`)."""

    open: OpenIrritants   # open irritant ID -> opened, where its status is written: the backlog's length
    # each high risk signal's risk-uncovered warning, and the irritants that would cover it open (none while an
    # irritant does not load: the rule says nothing then)
    risks: tuple[tuple[Diagnostic, frozenset[str]], ...]


def irritant_states(backlog: Backlog, facts: Facts) -> IrritantStates:
    from .rules.backlog_rules import open_irritants
    from .rules.metrics import high_risks
    risks = tuple((warned, frozenset(signal.coverable_by)) for warned, signal in high_risks(backlog, facts))
    return IrritantStates(open_irritants(backlog, facts), risks)


@dataclass(frozen=True, slots=True)
class KeptStates:
    """The irritants' states once own edits are made, and what the families across records say differently."""

    states: IrritantStates | None
    gone: frozenset[Diagnostic] = frozenset()
    come: frozenset[Diagnostic] = frozenset()


def kept_states(edits: Iterable[tuple[Edited, Edited]], states: IrritantStates | None,
                diagnostics: Sequence[Diagnostic], references: CustomerReferences, as_of: date,
                rules: Rules) -> KeptStates | None:
    """The irritants' states once these own edits are made, with what the families across records say
    differently of them: the length of the backlog (backlog-short, at each open irritant's status) and the high
    risks no open irritant covers (risk-uncovered) made again from the states; a fix reopened (or declined) loses
    what the loop rules said at its closed line (loop-open, recurrence). None (the full check) without the last
    check's states, for a fix the loop rules follow up now (`followed_up`: its evidence and its complaints in DuckDB
    are the full check's), or for an irritant whose lines moved under a finding the full check would move
    (`_in_place`). The record rules say the rest, of the irritant alone (site_gen.rules.records)."""
    irritants = [(before, now) for before, now in edits if isinstance(before, Irritant) and isinstance(now, Irritant)]
    if not irritants:
        return KeptStates(states)
    if states is None:
        return None
    from .facts import followed_up
    from .rules.backlog_rules import backlog_short
    from .rules.loop import FIXES
    paths = {before.loc.path for before, _ in irritants}
    there: dict[str, list[Diagnostic]] = {}   # the last check's findings in each edited irritant's file
    for found in diagnostics:
        if found.loc.path in paths:
            there.setdefault(found.loc.path, []).append(found)
    open_now = dict(states.open)
    fixes: set[Diagnostic] = set()
    for before, now in irritants:
        open_now.pop(before.id, None)
        if now.is_open:   # (its status line may have moved)
            open_now[now.id] = (now.opened, now.at("status"))
        if (before.status, before.closed) != (now.status, now.closed):
            if followed_up(now, as_of, rules):
                return None
            fixes.update(found for found in there.get(before.loc.path, ()) if found.rule in FIXES)
    short = set(backlog_short(states.open, rules.max_open))
    remade = short | fixes
    moved = {before.loc.path for before, now in irritants if before.locs != now.locs}
    if moved and (_named_elsewhere(moved, diagnostics) or not all(
            _in_place(before, now, there.get(before.loc.path, ()), remade, references, as_of, rules)
            for before, now in irritants if before.loc.path in moved)):
        return None
    short_now = set(backlog_short(open_now, rules.max_open))
    risks, risks_now = (_uncovered(states.risks, open_ids) for open_ids in (states.open, open_now))
    gone = (short - short_now) | fixes | (risks - risks_now)
    return KeptStates(IrritantStates(open_now, states.risks), frozenset(gone),
                      frozenset((short_now - short) | (risks_now - risks)))


def _uncovered(risks: Iterable[tuple[Diagnostic, frozenset[str]]], open_ids: Mapping[str, object]) -> set[Diagnostic]:
    """The warnings of the high risks that none of these open irritants covers."""
    return {warned for warned, cover in risks if not any(key in open_ids for key in cover)}


def _named_elsewhere(paths: set[str], diagnostics: Sequence[Diagnostic]) -> bool:
    """A finding in another file names one of these files (where a slug or an alias is: "already the address of
    backlog/irritants/x.yaml:19:7", rules.addresses), which moves with its lines."""
    return any(path in found.message for found in diagnostics for path in paths if found.loc.path != path)


def _in_place(before: Irritant, now: Irritant, there: Iterable[Diagnostic], remade: set[Diagnostic],
              references: CustomerReferences, as_of: date, rules: Rules) -> bool:
    """An irritant whose lines moved: every finding the last check made in its file is made again (by the record
    rules, or by `kept_states`) or is at a field that did not move."""
    unmoved = {before.loc} | {place for name, place in before.locs.items() if now.locs.get(name) == place}
    judged = record_findings(before, references, as_of, rules)
    return all(found.loc in unmoved or found in judged or found in remade for found in there)


def reloaded_edit(before: Edited, path: Path, root: Path, own: tuple[str, ...] = BODY,
                  hashed: bytes | None = None) -> Edited | None:
    """The record at path as saved now, when it loads without a problem and only these fields can differ from
    `before`; None otherwise (the full path then). With `hashed`, the hash its bytes had when the run began: None
    too when the file no longer has them (saved again meanwhile: what was loaded is not what was hashed)."""
    found: list[Diagnostic] = []
    load = load_story if isinstance(before, Story) else load_irritant if isinstance(before, Irritant) else load_decision
    now = load(path, root, found)
    if not isinstance(now, (Story, Irritant, Decision)) or found or not same_but_for(before, now, own):
        return None
    if hashed is not None:
        from .incremental import digest, read_regular
        data = read_regular(path)
        if data is None or digest(data) != hashed:
            return None
    return now
