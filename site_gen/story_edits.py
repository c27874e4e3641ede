"""A story edited in its body only: the one change `serve` and a cached `check` handle without a full run.

A story's body takes part in two things only. The rule families that read a body (`BODY_FAMILIES`: placeholders,
public safety) judge each record alone, so what they said of the story before is replaced by what they say of it
now, and every other family's diagnostics stay as they were (tests/test_serve_incremental.py holds both against a
full check). And the order derived story addresses are numbered in, where the body breaks ties between stories
alike but for their bodies (`twinned`): an edit of one of those is left to the full path.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from .diagnostics import Diagnostic
from .load.records import load_story
from .model import Story
from .rules import placeholders, public_safety
from .rules.public_safety import CustomerReferences

BODY_FAMILIES = (placeholders, public_safety)   # the rule families that read a story's body, each record alone
_FRONT_MATTER = tuple(item.name for item in dataclasses.fields(Story) if item.name != "body")


def same_front_matter(before: Story, now: Story) -> bool:
    """Every field but the body is as before, places included."""
    return all(getattr(now, name) == getattr(before, name) for name in _FRONT_MATTER)


def body_findings(story: Story, references: CustomerReferences) -> set[Diagnostic]:
    """What the rule families that read a body say of this story."""
    return {*placeholders.check_record(story), *public_safety.check_record(story, references)}


def with_edited_bodies(diagnostics: Sequence[Diagnostic], edits: Iterable[tuple[Story, Story]],
                       references: CustomerReferences) -> list[Diagnostic]:
    """A check's diagnostics once these stories (before, now) have their new bodies: what the body-reading
    families said of each before, replaced by what they say of it now."""
    pairs = list(edits)
    gone = set().union(*(body_findings(before, references) for before, _ in pairs))
    come = set().union(*(body_findings(now, references) for _, now in pairs))
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
    from .facts.addresses import story_order  # (the full check's: a body edit's never needs the facts)
    alike: dict[tuple[object, ...], list[str]] = {}
    for story in stories:
        alike.setdefault(story_order(story)[:-1], []).append(story.id)
    return alike


def twinned(stories: Iterable[Story]) -> frozenset[str]:
    """The IDs of stories alike but for their bodies: their bodies order their derived addresses."""
    return frozenset(key for alike in alike_but_for_bodies(stories).values() if len(alike) > 1 for key in alike)


def reloaded_body_edit(before: Story, path: Path, root: Path) -> Story | None:
    """The story at path as saved now, when it loads without a problem and only its body can differ from
    `before`; None otherwise (the full path then)."""
    found: list[Diagnostic] = []
    now = load_story(path, root, found)
    return now if isinstance(now, Story) and not found and same_front_matter(before, now) else None
