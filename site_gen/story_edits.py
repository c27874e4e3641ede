"""A story edited in its words only: the one change `serve` and a cached `check` handle without a full run.

A story's words — its body, and the title, you_said, we_did, result, internal_notes and allow_personal_data of its
front matter (`WORDS`) — take part in two things only. The rule families that read them (`WORD_FAMILIES`:
placeholders, public safety, the stories' own rules) judge each record alone, so what they said of the story
before is replaced by what they say of it now, and every other family's diagnostics stay as they were
(tests/test_check_cache.py and tests/test_serve_incremental.py hold both against a full check). And the public
addresses of published stories (site_gen.facts.addresses): their derived slugs come from the title, and are
numbered in an order the other words break ties in. So a words edit keeps the full check's diagnostics only
while the story is published before and after with the same title and no other published story shares its date
and title (`twinned`), or is published neither before nor after; any other edit is left to the full path.
`serve` takes body edits alone: a body is shown on the story's own page, a title on every list.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from .diagnostics import Diagnostic
from .load.records import load_story
from .model import Story
from .rules import placeholders, public_safety, stories
from .rules.public_safety import CustomerReferences

WORD_FAMILIES = (placeholders, public_safety, stories)   # the rule families that read a story's words, each alone
BODY = ("body",)
WORDS = ("title", "you_said", "we_did", "result", "internal_notes", "allow_personal_data", *BODY)


def same_but_for(before: Story, now: Story, words: tuple[str, ...]) -> bool:
    """Every field but these words is as before, places included."""
    return all(getattr(now, item.name) == getattr(before, item.name)
               for item in dataclasses.fields(Story) if item.name not in words)


def word_findings(story: Story, references: CustomerReferences) -> set[Diagnostic]:
    """What the rule families that read a story's words say of this story."""
    return {*placeholders.check_record(story), *public_safety.check_record(story, references),
            *stories.check_record(story)}


def with_edited_words(diagnostics: Sequence[Diagnostic], edits: Iterable[tuple[Story, Story]],
                      references: CustomerReferences) -> list[Diagnostic]:
    """A check's diagnostics once these stories (before, now) have their new words: what the word-reading
    families said of each before, replaced by what they say of it now."""
    pairs = list(edits)
    gone = set().union(*(word_findings(before, references) for before, _ in pairs))
    come = set().union(*(word_findings(now, references) for _, now in pairs))
    if gone == come:
        return list(diagnostics)
    # the diagnostics are sorted and distinct (sorted_diagnostics): only the edited files' change, so the new
    # ones are put in their places rather than 30,000 sorted again
    paths = {story.loc.path for pair in pairs for story in pair}
    kept = [found for found in diagnostics if found.loc.path not in paths or found not in gone]
    there = {found for found in kept if found.loc.path in paths}
    for found in sorted(come - there, key=Diagnostic.sort_key):
        bisect.insort(kept, found, key=Diagnostic.sort_key)
    return kept


def alike_but_for_bodies(stories: Iterable[Story]) -> dict[tuple[object, ...], list[str]]:
    """Story IDs by their order key without the body: stories in one list are ordered by their bodies."""
    from .facts.addresses import story_order  # (the full check's: a words edit never needs the facts)
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


def keeps_addresses(before: Story, now: Story, twins: frozenset[str]) -> bool:
    """A words edit (same_but_for WORDS) that leaves every public address and its derived slug as it was:
    of a story published neither before nor after, or published both times under the same title and without a
    twin (`twinned`)."""
    from .facts.addresses import is_published_story
    published = is_published_story(before), is_published_story(now)
    if published == (False, False):
        return True
    return published == (True, True) and before.title == now.title and before.id not in twins


def reloaded_edit(before: Story, path: Path, root: Path, words: tuple[str, ...] = BODY) -> Story | None:
    """The story at path as saved now, when it loads without a problem and only these words can differ from
    `before`; None otherwise (the full path then)."""
    found: list[Diagnostic] = []
    now = load_story(path, root, found)
    return now if isinstance(now, Story) and not found and same_but_for(before, now, words) else None
