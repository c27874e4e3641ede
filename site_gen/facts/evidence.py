"""Who is behind an irritant: the feedback rows linked either way (a row's `irritant`, an irritant's `feedback`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

from ..model import Backlog, FeedbackRow

if TYPE_CHECKING:
    from ..load.parquet import StoredEvidence


@dataclass(frozen=True, slots=True)
class Evidence:
    """The feedback behind one irritant."""

    rows: tuple[FeedbackRow, ...]              # file order
    customers: int                             # distinct customer references
    segments: tuple[tuple[str, int], ...]      # most common first
    sources: tuple[tuple[str, int], ...]
    stored_rows: int = 0                       # more rows in Parquet batches (feedback/*.parquet), not loaded
    stored_customers: frozenset[str] = frozenset()   # the customers of those rows

    @property
    def size(self) -> int:
        """How many feedback rows back the irritant, loaded or stored."""
        return len(self.rows) + self.stored_rows

    def with_stored(self, stored: StoredEvidence) -> Evidence:
        """This evidence plus the irritant's rows in Parquet, counted by DuckDB (same definitions)."""
        customers = {row.customer for row in self.rows if row.customer} | stored.customers
        return Evidence(self.rows, len(customers), _merged(self.segments, stored.segments),
                        _merged(self.sources, stored.sources), self.stored_rows + stored.rows,
                        self.stored_customers | stored.customers)

    @property
    def customer_references(self) -> frozenset[str]:
        """Every distinct customer behind the irritant, loaded or stored."""
        return frozenset(row.customer for row in self.rows if row.customer) | self.stored_customers

    @classmethod
    def of(cls, rows: tuple[FeedbackRow, ...]) -> Evidence:
        return cls(rows, distinct_customers(rows),
                   tuple(Counter(r.segment for r in rows if r.segment).most_common()),
                   tuple(Counter(r.source for r in rows if r.source).most_common()))


NO_EVIDENCE = Evidence((), 0, (), ())


def _merged(*counted: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    """Counts added up, most common first (ties in first-seen order, as Counter.most_common keeps them)."""
    total: Counter[str] = Counter()
    for pairs in counted:
        for name, count in pairs:
            total[name] += count
    return tuple(total.most_common())


def rows_by_irritant(backlog: Backlog) -> Mapping[str, tuple[FeedbackRow, ...]]:
    """Irritant ID -> its evidence rows (the union of both link directions), in file order."""
    feedback = backlog.feedback
    by_id = dict(zip(map(attrgetter("id"), feedback), feedback, strict=True))  # in C: a million rows
    linked: dict[str, dict[str, FeedbackRow]] = defaultdict(dict)
    for row in filter(attrgetter("irritant"), feedback):   # the rows that name an irritant, found in C
        irritant_id = row.irritant
        if irritant_id is not None and irritant_id in backlog.irritants:
            linked[irritant_id][row.id] = row
    for irritant in backlog.irritants.values():
        for row_id in irritant.feedback:
            if row_id in by_id:
                linked[irritant.id][row_id] = by_id[row_id]
    return {irritant_id: tuple(rows.values()) for irritant_id, rows in linked.items()}


def distinct_customers(rows: Iterable[FeedbackRow]) -> int:
    return len({row.customer for row in rows if row.customer})
