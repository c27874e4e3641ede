"""What feedback rows count as and add up to, defined once for both ways they are counted.

The facts (site_gen/facts/) count the rows loaded as objects, in Python; the DuckDB store
(site_gen/load/parquet.py) counts the rows it keeps (Parquet batches, large CSV exports) in SQL. Each
definition both need is here, in its Python form and its SQL form side by side, so that the two paths give
the same figures: a complaint, what one score answer is worth, what a group of rows adds up to, and the rows
a risk signal stands on.

It imports the model alone: the loader sits below the facts, and imports this, never the facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Direction, FeedbackKind, FeedbackRow, ScoreType


def is_complaint(row: FeedbackRow) -> bool:
    """A linked row counts as a complaint unless it is marked praise or suggestion."""
    return row.kind is None or row.kind == FeedbackKind.COMPLAINT


# is_complaint as SQL, for the rows DuckDB counts
COMPLAINT_SQL = f"(kind IS NULL OR kind = '{FeedbackKind.COMPLAINT.value}')"

# Each score type is stated once, as what one answer is worth: the score is the mean worth of the answers.
# NPS: a promoter (9-10) is worth +100, a detractor (0-6) -100, a passive 0, so the mean is % promoters
# minus % detractors. CES: an answer is worth itself (the mean of 1-7 answers). CSAT: a 4-5 answer on the
# 1-5 scale is worth 100, so the mean is the % satisfied. The Python path sums these worths over rows;
# the DuckDB path sums the SQL expression `worth_sql` builds from the same table, so both reach the same
# integer sum and count, and the same division gives the same figure.
WORTH: dict[ScoreType, dict[int, int]] = {
    ScoreType.NPS: {score: 100 if score >= 9 else -100 if score <= 6 else 0 for score in range(0, 11)},
    ScoreType.CES: {score: score for score in range(1, 8)},
    ScoreType.CSAT: {score: 100 if score >= 4 else 0 for score in range(1, 6)},
}


def worth_sql(score_type: ScoreType, column: str = "score") -> str:
    """The worth of one answer as a SQL expression over an integer score column (the table above, as CASE)."""
    cases = " ".join(f"WHEN {score} THEN {worth}" for score, worth in WORTH[score_type].items())
    return f"(CASE {column} {cases} END)"


def any_worth_sql(column: str = "score", type_column: str = "score_type") -> str:
    """The worth of one answer of whichever score type the row gives (NULL without one, or off its scale)."""
    cases = " ".join(f"WHEN '{kind.value}' THEN {worth_sql(kind, column)}" for kind in WORTH)
    return f"(CASE {type_column} {cases} END)"


@dataclass(frozen=True, slots=True)
class Tally:
    """The sum of worths and the number of answers: what any set of rows contributes to a score; tallies add."""

    total: int = 0
    responses: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.total + other.total, self.responses + other.responses)

    @property
    def value(self) -> float:
        return self.total / self.responses if self.responses else 0.0


@dataclass(frozen=True, slots=True)
class Counts:
    """What a set of rows adds to a group's figures: rows, complaints and a tally per score type. Counts add up,
    so the rows loaded from CSV and those DuckDB counts in Parquet give one group's figures together."""

    feedback: int = 0
    complaints: int = 0
    tallies: tuple[tuple[ScoreType, Tally], ...] = ()   # sorted by score type

    def __add__(self, other: Counts) -> Counts:
        merged = dict(self.tallies)
        for kind, counted in other.tallies:
            merged[kind] = merged.get(kind, Tally()) + counted
        return Counts(self.feedback + other.feedback, self.complaints + other.complaints,
                      tuple(sorted(merged.items())))


# Journey map and risk signals add up cells: (month YYYY-MM, journey stage, segment or "") -> Counts.
CellKey = tuple[str, str, str]


def counts_against(score_type: ScoreType, score: int, direction: Direction) -> bool:
    """An answer that pulls the score the bad way: an NPS detractor, an unsatisfied CSAT, a hard CES."""
    if score_type == ScoreType.NPS:
        return score <= 6 if direction == Direction.UP else score >= 9
    if score_type == ScoreType.CSAT:
        return score <= 3 if direction == Direction.UP else score >= 4
    return score >= 5 if direction == Direction.DOWN else score <= 3


@dataclass(frozen=True, slots=True)
class Behind:
    """The rows a signal stands on: the recent window's rows of one stage or segment that pull the bad way —
    answers that count against the score (score_type given), or complaints (score_type None)."""

    column: str                        # journey_stage or segment
    name: str
    months: tuple[str, ...]
    score_type: ScoreType | None = None
    direction: Direction = Direction.UP

    def matches(self, row: FeedbackRow) -> bool:
        if self.score_type is None:
            return row.kind == FeedbackKind.COMPLAINT
        return row.score_type == self.score_type and row.score is not None \
            and counts_against(self.score_type, row.score, self.direction)
