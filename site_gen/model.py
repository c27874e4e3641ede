"""The validated backlog: immutable records that remember where they were written.

Every record has `.loc` (its file) and `.locs` (field name -> where that value
was written; list entries as 'name.N'), so any rule can point at the exact line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from .diagnostics import SourceLoc

if TYPE_CHECKING:
    from .load.assets import PublishedImage

_NO_LOCS: Mapping[str, SourceLoc] = MappingProxyType({})

OPEN_STATUSES = ("open", "in-progress")


class Located:
    """Mixin: where a field of this record was written, falling back to the record's file."""

    __slots__ = ()
    loc: SourceLoc
    locs: Mapping[str, SourceLoc]

    def at(self, name: str) -> SourceLoc:
        return self.locs.get(name, self.loc)


@dataclass(frozen=True, slots=True)
class Irritant(Located):
    id: str
    loc: SourceLoc
    title: str | None = None
    summary: str | None = None
    public_title: str | None = None
    journey_stage: str | None = None
    team: str | None = None
    owner: str | None = None
    cause: str | None = None
    triage: str | None = None
    decline_reason: str | None = None
    public_reason: str | None = None
    status: str | None = None
    opened: date | None = None
    target: date | None = None
    reviewed: date | None = None
    closed: date | None = None
    feedback: tuple[str, ...] = ()
    visibility: str = "internal"
    locs: Mapping[str, SourceLoc] = field(default_factory=lambda: _NO_LOCS, compare=False, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"


@dataclass(frozen=True, slots=True)
class Decision(Located):
    id: str
    loc: SourceLoc
    title: str | None = None
    date: date | None = None
    owner: str | None = None
    review_on: date | None = None
    status: str | None = None
    kind: str | None = None
    change: str | None = None
    metric: str | None = None
    irritants: tuple[str, ...] = ()
    steps_delta: int | None = None
    customer: str | None = None
    promise: str | None = None
    teams: str | None = None
    simplest: str | None = None
    what_happened: str | None = None
    customer_impact: str | None = None
    root_cause: str | None = None
    prevention: str | None = None
    body: str = ""
    body_line: int = 1
    locs: Mapping[str, SourceLoc] = field(default_factory=lambda: _NO_LOCS, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Story(Located):
    id: str
    loc: SourceLoc
    title: str | None = None
    date: date | None = None
    you_said: str | None = None
    we_did: str | None = None
    result: str | None = None
    irritants: tuple[str, ...] = ()
    journey_stage: str | None = None
    audience: str = "internal"
    internal_notes: str | None = None
    body: str = ""
    body_line: int = 1
    locs: Mapping[str, SourceLoc] = field(default_factory=lambda: _NO_LOCS, compare=False, repr=False)

    @property
    def is_public(self) -> bool:
        return self.audience == "public"


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """One piece of customer voice. Rows are many, so they keep one location each."""

    id: str
    loc: SourceLoc
    date: date | None = None
    source: str | None = None
    customer: str | None = None
    segment: str | None = None
    team: str | None = None
    journey_stage: str | None = None
    score_type: str | None = None
    score: int | None = None
    verbatim: str | None = None
    consent_public: bool = False
    kind: str | None = None
    irritant: str | None = None


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    period: str  # YYYY-MM
    value: float


@dataclass(frozen=True, slots=True)
class Metric(Located):
    id: str
    loc: SourceLoc
    name: str
    direction: str
    threshold: float
    unit: str = ""
    compute: str | None = None
    series: tuple[SeriesPoint, ...] = ()
    locs: Mapping[str, SourceLoc] = field(default_factory=lambda: _NO_LOCS, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Rules:
    max_open: int = 10
    review_every_days: int = 14
    overdue: str = "warning"
    unreviewed: str = "warning"
    review_due: str = "warning"


@dataclass(frozen=True, slots=True)
class PublicConfig:
    title: str = "You said, we did"
    base_url: str | None = None
    language: str = "en"
    accent: str = "#0a7d5a"
    logo: PublishedImage | None = None    # site.yaml gives a path; loading reads the image once


@dataclass(frozen=True, slots=True)
class InternalConfig:
    title: str = "Customer backlog"
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class SiteConfig(Located):
    loc: SourceLoc
    organisation: str = ""
    public: PublicConfig = PublicConfig()
    internal: InternalConfig = InternalConfig()
    journey_stages: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    rules: Rules = Rules()
    metrics: tuple[Metric, ...] = ()
    locs: Mapping[str, SourceLoc] = field(default_factory=lambda: _NO_LOCS, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Backlog:
    """Everything a team keeps in its repository, loaded. Records are sorted by ID."""

    config: SiteConfig
    irritants: Mapping[str, Irritant]
    decisions: Mapping[str, Decision]
    stories: Mapping[str, Story]
    feedback: tuple[FeedbackRow, ...]

    def counts(self) -> dict[str, int]:
        return {
            "irritants": len(self.irritants),
            "decisions": len(self.decisions),
            "stories": len(self.stories),
            "feedback rows": len(self.feedback),
        }
