"""Who is behind an irritant: the feedback rows linked either way (a row's `irritant`, an irritant's `feedback`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING

from ..model import Backlog, FeedbackRow

if TYPE_CHECKING:
    from ..load.parquet import StoredEvidence


@dataclass(frozen=True, slots=True)
class SegmentReach:
    """How many of an irritant's distinct customers are of one segment: "12 commuters of 40 customers"."""

    segment: str
    customers: int      # distinct customers of the segment behind the irritant, at least 1
    of: int             # all its distinct customers, those of other segments and of none included

    @property
    def share(self) -> float:
        """Its customers as a % of all the irritant's (the `percent` filter's unit, as complaint shares)."""
        return 100.0 * self.customers / self.of


@dataclass(frozen=True, slots=True)
class People:
    """The people behind a theme or an irritant: its distinct customer references, plus each response without one.
    An anonymous response cannot be matched to any other, so it counts once: an anonymous survey's 33 responses are
    33 people, not 0. What ranks themes and compares them with open irritants; the public site's count of customers
    behind a story stays distinct references only (SPEC: "the count of distinct customers")."""

    customers: int      # distinct customer references
    anonymous: int      # rows without a customer reference

    @property
    def count(self) -> int:
        return self.customers + self.anonymous

    @property
    def words(self) -> str:
        """As a rule's message says it (English, as every diagnostic); the sites say it in their language
        (i18n.Language.people)."""
        if not self.anonymous:
            return f"{self.customers} customer(s)"
        if not self.customers:
            return f"{self.anonymous} anonymous response(s)"
        return f"{self.customers} customer(s) and {self.anonymous} anonymous response(s)"


def people(rows: Iterable[FeedbackRow]) -> People:
    """The one count of the people behind rows (facts, pages and rules all ask this)."""
    customers: set[str] = set()
    anonymous = 0
    for row in rows:
        if row.customer:
            customers.add(row.customer)
        else:
            anonymous += 1
    return People(len(customers), anonymous)


@dataclass(frozen=True, slots=True)
class Evidence:
    """The feedback behind one irritant."""

    rows: tuple[FeedbackRow, ...]              # file order, dated on or before the "as of" date
    customers: int                             # distinct customer references
    segments: tuple[SegmentReach, ...]         # segment_reach: most customers first, segments with none left out
    sources: tuple[tuple[str, int], ...]
    stored_rows: int = 0                       # more rows in Parquet batches (feedback/*.parquet), not loaded
    stored_customers: frozenset[str] = frozenset()   # the customers of those rows
    anonymous: int = 0                         # rows without a customer reference, loaded or stored
    # loaded rows linked to it but dated after the "as of" date: not yet said, so counted nowhere, yet no inbox row
    later: frozenset[str] = frozenset()

    @property
    def people(self) -> People:
        """Who is behind the irritant: its distinct customers and its anonymous responses."""
        return People(self.customers, self.anonymous)

    @property
    def size(self) -> int:
        """How many feedback rows back the irritant, loaded or stored."""
        return len(self.rows) + self.stored_rows

    def with_stored(self, stored: StoredEvidence) -> Evidence:
        """This evidence plus the irritant's rows in Parquet, counted by DuckDB (same definitions)."""
        customers = {row.customer for row in self.rows if row.customer} | stored.customers
        of_segment = customers_by_segment(self.rows)
        for segment, found in stored.segments:
            of_segment[segment] = of_segment.get(segment, frozenset()) | found
        return Evidence(self.rows, len(customers), segment_reach(of_segment, len(customers)),
                        _merged(self.sources, stored.sources), self.stored_rows + stored.rows,
                        self.stored_customers | stored.customers, self.anonymous + stored.anonymous, self.later)

    @property
    def customer_references(self) -> frozenset[str]:
        """Every distinct customer behind the irritant, loaded or stored."""
        return frozenset(row.customer for row in self.rows if row.customer) | self.stored_customers

    @classmethod
    def of(cls, rows: tuple[FeedbackRow, ...], later: frozenset[str] = frozenset()) -> Evidence:
        behind = people(rows)
        return cls(rows, behind.customers, segment_reach(customers_by_segment(rows), behind.customers),
                   tuple(Counter(r.source for r in rows if r.source).most_common()), anonymous=behind.anonymous,
                   later=later)


NO_EVIDENCE = Evidence((), 0, (), ())


def _merged(*counted: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    """Counts added up, most common first (ties in first-seen order, as Counter.most_common keeps them)."""
    total: Counter[str] = Counter()
    for pairs in counted:
        for name, count in pairs:
            total[name] += count
    return tuple(total.most_common())


def customers_by_segment(rows: Iterable[FeedbackRow]) -> dict[str, frozenset[str]]:
    """Segment -> the distinct customers of its rows. A row without a segment, or without a customer reference,
    counts for no segment; a customer whose rows name two segments counts for both."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.segment and row.customer:
            found[row.segment].add(row.customer)
    return {segment: frozenset(customers) for segment, customers in found.items()}


def segment_reach(customers_of: Mapping[str, frozenset[str]], customers: int) -> tuple[SegmentReach, ...]:
    """Each segment's share of an irritant's `customers` distinct customers, most customers first (ties by
    name): what the board's segment filter counts and orders by, and the irritant page lists."""
    reach = [SegmentReach(segment, len(found), customers) for segment, found in customers_of.items() if found]
    return tuple(sorted(reach, key=lambda r: (-r.customers, r.segment)))


def rows_by_irritant(backlog: Backlog, as_of: date) -> Mapping[str, tuple[tuple[FeedbackRow, ...], frozenset[str]]]:
    """Irritant ID -> its evidence rows (the union of both link directions) dated on or before as_of, in file
    order, and the IDs of those dated after it. A later row (a 2999 typo, or a past day replayed with --today) is
    nobody's word yet: it adds no customer, segment or source to the irritant, nor to the stories that tell of it
    (rule feedback-dated-later); still linked, it is no inbox row either. Sorted out here, in the one pass that
    links the rows: no other pass over them."""
    feedback = backlog.feedback
    by_id = dict(zip(map(attrgetter("id"), feedback), feedback, strict=True))  # in C: a million rows
    linked: dict[str, dict[str, FeedbackRow]] = defaultdict(dict)
    later: dict[str, dict[str, FeedbackRow]] = defaultdict(dict)
    for row in filter(attrgetter("irritant"), feedback):   # the rows that name an irritant, found in C
        irritant_id = row.irritant
        if irritant_id is not None and irritant_id in backlog.irritants:
            (linked if row.date <= as_of else later)[irritant_id][row.id] = row
    for irritant in backlog.irritants.values():
        for row_id in irritant.feedback:
            if row_id in by_id:
                row = by_id[row_id]
                (linked if row.date <= as_of else later)[irritant.id][row_id] = row
    return {irritant_id: (tuple(linked[irritant_id].values()) if irritant_id in linked else (),
                          frozenset(later[irritant_id]) if irritant_id in later else frozenset())
            for irritant_id in linked.keys() | later.keys()}
