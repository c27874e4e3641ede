"""Rule group 7 (stories): every story traces back to irritants; public ones say both halves."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, error
from ..model import Story


def check_record(story: Story) -> Iterator[Diagnostic]:
    """What this family says of one story: it reads nothing else."""
    if "irritants" in story.locs and not story.irritants and not story.refused("irritants"):
        yield error(story.at("irritants"), "story-evidence", "a story needs at least one irritant",
                    "list the irritant IDs it closes: every story traces back to what customers said")
    if story.is_public:
        for name in ("you_said", "we_did"):
            value = getattr(story, name)
            if value is None or not value.strip():
                yield error(story.at(name), "story-public", f"a public story needs a non-empty '{name}'",
                            f"add '{name}:' in the customer's terms, or set audience: internal")
