"""Feedback batches as Parquet, checked and aggregated by DuckDB queries (the optional `duckdb` extra).

Past a million rows, feedback belongs in a columnar store exported from a warehouse, not in git.
A `feedback/*.parquet` file has the CSV batches' columns; the large CSV exports DuckDB reads
(site_gen/load/csvstore.py) are kept here beside them. Their rows are not turned into Python objects
in bulk: `check` validates them with SQL (located by file and row number), the facts, the agenda and
the digest ask for aggregates (evidence per irritant, scores by month, per stage and segment, weekly
counts), and only the few rows a page quotes become FeedbackRows.

The aggregates are the facts' own types and definitions, in site_gen/tallies.py and verbatims.py: the
same formulas as the Python path, which the facts import from there too. So this module, below the facts,
imports nothing from them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from ..diagnostics import Diagnostic, SourceLoc, error
from ..fields import FEEDBACK_FIELDS, SCORE_RANGE
from ..fieldtypes import FEEDBACK_ID_PATTERN, did_you_mean
from ..incremental import duckdb_installed
from ..model import FeedbackKind, FeedbackRow, ScoreType, SiteConfig, Source
from ..tallies import COMPLAINT_SQL, WORTH, Behind, CellKey, Counts, Tally, any_worth_sql, counts_against, worth_sql
from ..verbatims import HAS_WORDS_SQL, WHITESPACE_SQL, Said
from .columns import _make_row as make_row
from .source import relative

if TYPE_CHECKING:
    from .csvstore import CsvTables

INSTALL_HINT = "pip install 'site-gen[duckdb]' to read Parquet feedback (or export this batch as CSV)"
REPORTS_PER_CHECK = 20   # rows reported per kind of problem: a broken export can hold millions
_TYPES = {"date": "DATE", "score": "INTEGER", "consent_public": "BOOLEAN", "contact_ok": "BOOLEAN"}
_COLUMNS = tuple(f.name for f in FEEDBACK_FIELDS)


def available() -> bool:
    return duckdb_installed()   # (the cache's stamp asks too: a cache written without DuckDB is not taken)


def missing_extra(paths: Sequence[Path], root: Path, diagnostics: list[Diagnostic]) -> None:
    for path in paths:
        diagnostics.append(error(SourceLoc(relative(path, root)), "parse",
                                 "this Parquet feedback batch needs DuckDB, which is not installed", INSTALL_HINT))


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _by(as_of: date) -> str:
    """Rows dated on or before as_of: the lists of the newest rows leave out those dated later (a 2999 typo would
    top them for good; site_gen/facts/dated_later.py)."""
    return f"date <= DATE '{as_of.isoformat()}'"


def _counts_by(as_of: date) -> str:
    """Rows that count as of as_of: none dated after it, nobody's word yet (site_gen/facts/dated_later.py). A row
    without a date (a check error) counts as it did."""
    return f"(date IS NULL OR date <= DATE '{as_of.isoformat()}')"


@dataclass(frozen=True, slots=True)
class _Counted:
    """Rows of one month, journey stage and segment: their volume, complaints, and per score type present its
    rows and their tally (a type's rows may have no answer that counts: tallies_by_month still lists the month)."""

    feedback: int
    complaints: int
    typed: tuple[tuple[ScoreType, int, Tally], ...]

    def counts(self) -> Counts:
        return Counts(self.feedback, self.complaints,
                      tuple(sorted((kind, tallied) for kind, _, tallied in self.typed if tallied.responses)))


@dataclass(frozen=True)   # not slots: unpickled (a cached check's kept answers) in C, not by a __setstate__ each
class StoredEvidence:
    """An irritant's evidence rows kept in Parquet."""

    rows: int
    customers: frozenset[str]
    anonymous: int                                     # rows without a customer reference (facts/evidence.py People)
    segments: tuple[tuple[str, frozenset[str]], ...]   # each segment's distinct customers (facts/evidence.py)
    sources: tuple[tuple[str, int], ...]
    stages: tuple[tuple[str, int], ...]


# A row's columns in FeedbackRow's field order, but its place, `loc`, which comes from the file and row number
_FIELDS = [field.name for field in dataclasses.fields(FeedbackRow)]
_ROW_COLUMNS = [name for name in _FIELDS if name != "loc"]
_LOC_AT = _FIELDS.index("loc")
_ENUMS = [(_ROW_COLUMNS.index(name), {member.value: member for member in enum})
          for name, enum in (("source", Source), ("score_type", ScoreType), ("kind", FeedbackKind))]
_CONSENT_AT = _ROW_COLUMNS.index("consent_public")
_SHARED_AT = tuple(_ROW_COLUMNS.index(name) for name in ("date", "customer", "segment", "team", "journey_stage"))
# a row read back as a FeedbackRow has what the model requires (check reports any row without them)
# a customer value DuckDB lowers exactly as Python does: printable ASCII, no spaces at its ends (RE2)
_PLAIN_ASCII = "[!-~]([ -~]*[!-~])?"
# what the queries over an irritant's evidence read of its rows (said: whether it has a verbatim)
_EVIDENCE_COLUMNS = ("filename", "row_number", "id", "date", "source", "journey_stage", "segment", "customer", "kind",
                     "verbatim IS NOT NULL AS said")
_WHOLE = "id IS NOT NULL AND date IS NOT NULL AND source IS NOT NULL AND journey_stage IS NOT NULL"


class StoredSaid(Sequence[Said]):
    """The newest unlinked rows with words as DuckDB gives them, in Arrow columns: Said rows once read.

    At a million rows, making Python tuples of 200,000 rows took 0.6 s more than the query, on the path every
    build waits on. The themes worker (Facts.start_themes) groups three of these columns it shares by the fork,
    making no row (200,000 rows: 3.1 -> 2.7 s of CPU); this process reads only the rows of the themes it gets back
    (`take`)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._rows: list[Said] | None = None

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def _all(self) -> list[Said]:
        if self._rows is None:
            self._rows = _said_rows(self._table)
        return self._rows

    def __iter__(self) -> Iterator[Said]:
        return iter(self._all())

    @overload
    def __getitem__(self, at: int) -> Said: ...
    @overload
    def __getitem__(self, at: slice) -> Sequence[Said]: ...

    def __getitem__(self, at: int | slice) -> Said | Sequence[Said]:
        if isinstance(at, slice) or self._rows is not None:
            return self._all()[at]
        return self.take([range(len(self))[at]])[0]

    def columns(self, *names: str) -> list[list[Any]]:
        """These columns' values, in row order (grouping reads three of the five, and makes no row of them)."""
        if self._rows is not None:
            return [[getattr(row, name) for row in self._rows] for name in names]
        return [self._table.column(name).to_pylist() for name in names]

    def take(self, positions: Sequence[int]) -> list[Said]:
        """The rows at these positions, in this order, without making the others."""
        if self._rows is not None or not positions:   # Arrow cannot type an empty list of positions
            return [self._all()[at] for at in positions]
        return _said_rows(self._table.take(positions))


def _said_rows(table: Any) -> list[Said]:
    """An Arrow table's rows as Said, a column at a time (pyarrow makes each column's Python values in C)."""
    return list(map(Said._make, zip(*(column.to_pylist() for column in table.columns), strict=True)))


class ParquetFeedback:
    """A folder's Parquet batches behind one DuckDB view, `feedback`, with typed columns and each row's place.

    csv: the large CSV exports DuckDB read (site_gen/load/csvstore.py), whose rows join the same view."""

    def __init__(self, paths: Sequence[Path], root: Path, csv: CsvTables | None = None):
        import duckdb

        self.paths = tuple(paths)
        self.files = {str(path): relative(path, root) for path in paths}
        self.db: Any = csv.db if csv is not None else duckdb.connect()
        self.db.execute("SET enable_progress_bar = false")   # library code prints nothing
        self.columns: dict[str, set[str]] = {}
        for path in paths:
            described = self.db.execute(f"DESCRIBE SELECT * FROM read_parquet({_quote(str(path))})").fetchall()
            self.columns[str(path)] = {str(name) for name, *_ in described}
        present = set().union(*self.columns.values()) if self.columns else set()
        select = []
        for name in _COLUMNS:
            if name not in present:
                select.append(f"NULL AS {name}, NULL AS raw_{name}" if name in _TYPES else f"NULL AS {name}")
            elif name in _TYPES:
                select.append(f"TRY_CAST({name} AS {_TYPES[name]}) AS {name}, {name} AS raw_{name}")
            else:
                select.append(f"NULLIF(CAST({name} AS VARCHAR), '') AS {name}")
        listed = ", ".join(_quote(str(path)) for path in paths)
        self.parquet = (f"SELECT filename, file_row_number + 1 AS row_number, {', '.join(select)} FROM "
                        f"read_parquet([{listed}], filename=true, file_row_number=true, union_by_name=true)"
                        if paths else None)
        self.present = present
        self.csv = csv
        # (limit, as of) -> irritant -> its newest verbatims
        self._verbatims: dict[tuple[int, date], dict[str, tuple[FeedbackRow, ...]]] = {}
        self._customer_refs: bool | None = None   # customer_refs made: whether its values are all plain ASCII
        self._unlinked_counts: dict[date, tuple[int, int]] = {}   # as of a date, after evidence()
        self._listed: dict[str, frozenset[str]] = {}   # irritant -> the row IDs it lists (link)
        self._linked = False   # the table `evidence` is made of them (_evidence)
        # as of a date: (month, journey stage, segment) -> its rows that count
        self._counts: dict[date, dict[tuple[str | None, str | None, str | None], _Counted]] = {}
        self.view()

    def view(self) -> None:
        """(Re)create the view `feedback` over the Parquet batches and the CSV exports DuckDB holds."""
        self._customer_refs = None
        self._counts = {}
        parts = [self.parquet] if self.parquet is not None else []
        if self.csv is not None:
            self.files.update(self.csv.files())
            self.present |= set().union(*self.csv.columns.values()) if self.csv.columns else set()
            taken = self.csv.select()
            if taken is not None:
                parts.append(taken)
        self.db.execute("CREATE OR REPLACE VIEW feedback AS "
                        + (" UNION ALL BY NAME ".join(f"({part})" for part in parts) if parts else
                           "SELECT NULL::VARCHAR AS filename, NULL::BIGINT AS row_number WHERE false"))

    def without_csv(self, paths: Iterable[str]) -> None:
        """Give these CSV exports back to the Python path: their rows leave the view."""
        assert self.csv is not None
        dropped = set(paths)
        self.csv.drop(dropped)
        self.files = {path: rel for path, rel in self.files.items() if path not in dropped}
        self.present = set().union(*self.columns.values()) if self.columns else set()
        self.view()

    @property
    def held(self) -> tuple[str, ...]:
        """The files whose rows it holds, relative to the repository (a CSV export given back to the Python path
        is not one of them)."""
        return tuple(sorted(self.files.values()))

    @property
    def empty(self) -> bool:
        """Neither a Parquet batch nor a CSV export DuckDB took: the Python path has every row."""
        return not self.paths and (self.csv is None or not self.csv.tables)

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.db.execute(sql, list(params)).fetchall()]

    # --- check --------------------------------------------------------------------------------

    def validate(self, config: SiteConfig, diagnostics: list[Diagnostic]) -> None:
        """Required columns, types, allowed values, score ranges and ID format, each bad row by file and row
        (the CSV exports DuckDB took have nothing to report: csvstore took only those)."""
        if not self.paths:
            return
        known = set(_COLUMNS)
        usable = True
        for path, columns in self.columns.items():
            at = SourceLoc(self.files[path], 1, 1)
            for name in sorted(columns - known):
                diagnostics.append(error(at, "unknown-field", f"unknown column '{name}' in feedback",
                                         did_you_mean(name, known) or f"known columns: {', '.join(_COLUMNS)}"))
            for field in FEEDBACK_FIELDS:
                if field.required and field.name not in columns:
                    usable = False
                    diagnostics.append(error(at, "required", f"feedback file has no '{field.name}' column",
                                             f"add a '{field.name}' column to the export"))
        if not usable:
            return
        enums = {"source": [s.value for s in Source], "kind": [k.value for k in FeedbackKind],
                 "score_type": [t.value for t in ScoreType]}
        vocab = {"journey_stage": list(config.journey_stages), "team": list(config.teams),
                 "segment": list(config.segments)}
        # (the column a message shows, the condition of a bad row, rule, message, hint); {v} is the row's value
        checks: list[tuple[str, str, str, str, str]] = [
            ("id", "id IS NULL", "required", "feedback row has no 'id'", "give every row its ID from the export"),
            ("id", f"NOT regexp_full_match(id, {_quote(FEEDBACK_ID_PATTERN.strip('^$'))})", "id-format",
             "'id' {v} is not a valid feedback ID", "feedback IDs use letters, digits, _ . : and -"),
            ("raw_date", "raw_date IS NULL", "required", "feedback row has no 'date'", "add the date"),
            ("raw_date", "date IS NULL AND raw_date IS NOT NULL", "date", "feedback row: 'date' {v} is not a date",
             "write dates as YYYY-MM-DD"),
            ("id", "journey_stage IS NULL", "required", "feedback row has no 'journey_stage'", "add the journey stage"),
            ("id", "source IS NULL", "required", "feedback row has no 'source'", "add where it came from"),
            ("id", "(score_type IS NULL) != (raw_score IS NULL)", "required",
             "feedback row has a score_type without a score, or the reverse",
             "give both score_type and score, or neither"),
            ("raw_score", "raw_score IS NOT NULL AND score IS NULL", "type",
             "feedback row: 'score' {v} is not a whole number", "check the export's score column"),
            ("score", " OR ".join(f"(score_type = {_quote(kind.value)} AND score NOT BETWEEN {low} AND {high})"
                                  for kind, (low, high) in SCORE_RANGE.items()), "value",
             "feedback row: score {v} is off its type's scale ("
             + ", ".join(f"{kind.value} {low}-{high}" for kind, (low, high) in SCORE_RANGE.items()) + ")",
             "check the export's score column"),
        ]
        for name in ("consent_public", "contact_ok"):
            checks.append((f"raw_{name}", f"raw_{name} IS NOT NULL AND {name} IS NULL", "type",
                           f"feedback row: '{name}' {{v}} is not true or false", "write true or false"))
        for name, allowed in [*enums.items(), *vocab.items()]:
            if name not in self.present or not allowed:
                continue
            rule = "value" if name in enums else "reference"
            checks.append((name, f"{name} IS NOT NULL AND {name} NOT IN ({', '.join(map(_quote, allowed))})", rule,
                           f"feedback row: {name.replace('_', ' ')} {{v}} is not one of: {', '.join(allowed)}",
                           "use the names site.yaml lists" if name in vocab else f"use one of: {', '.join(allowed)}"))
        for shown, condition, rule, message, hint in checks:
            found = self._rows(f"SELECT filename, row_number, {shown} FROM feedback WHERE {condition} "
                               f"ORDER BY filename, row_number LIMIT {REPORTS_PER_CHECK}")
            for filename, row_number, value in found:
                diagnostics.append(error(SourceLoc(self.files[filename], int(row_number), 1), rule,
                                         message.replace("{v}", repr(str(value))), hint))

    def check_ids(self, csv_ids: dict[str, SourceLoc], irritants: Iterable[str],
                  diagnostics: list[Diagnostic]) -> None:
        """Feedback IDs are unique across every batch, CSV and Parquet; a row's irritant exists. (The CSV
        exports DuckDB took hold neither: csvstore.CsvTables.conflicts gave any such file back to Python.)"""
        import pyarrow as pa  # type: ignore[import-untyped]

        if not self.paths:
            return

        self.db.register("csv_ids", pa.table({"id": list(csv_ids)}))
        self.db.register("irritant_ids", pa.table({"id": list(irritants)}))
        # a hash count first: only the rows of a repeated ID are then ordered, not ten million
        repeated = self._rows(
            "WITH twice AS (SELECT id FROM feedback WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1) "
            "SELECT filename, row_number, id, first FROM (SELECT filename, row_number, id, "
            "first_value(filename || ':' || row_number) OVER (PARTITION BY id ORDER BY filename, row_number) AS first, "
            "row_number() OVER (PARTITION BY id ORDER BY filename, row_number) AS nth FROM feedback "
            "WHERE id IN (SELECT id FROM twice)) WHERE nth > 1 "
            f"ORDER BY filename, row_number LIMIT {REPORTS_PER_CHECK}")
        for filename, row_number, row_id, first in repeated:
            diagnostics.append(error(SourceLoc(self.files[filename], int(row_number)), "id-duplicate",
                                     f"feedback ID '{row_id}' is already used at {self._place(first)}",
                                     "feedback IDs are unique across all batches; drop the repeated row"))
        in_csv = self._rows("SELECT filename, row_number, f.id FROM feedback f JOIN csv_ids USING (id) "
                            f"ORDER BY filename, row_number LIMIT {REPORTS_PER_CHECK}")
        for filename, row_number, row_id in in_csv:
            diagnostics.append(error(SourceLoc(self.files[filename], int(row_number)), "id-duplicate",
                                     f"feedback ID '{row_id}' is already used at {csv_ids[row_id]}",
                                     "feedback IDs are unique across all batches; drop the repeated row"))
        if "irritant" in self.present:
            dangling = self._rows("SELECT filename, row_number, irritant FROM feedback WHERE irritant IS NOT NULL "
                                  "AND irritant NOT IN (SELECT id FROM irritant_ids) ORDER BY filename, row_number "
                                  f"LIMIT {REPORTS_PER_CHECK}")
            for filename, row_number, irritant in dangling:
                diagnostics.append(error(SourceLoc(self.files[filename], int(row_number)), "reference",
                                         f"irritant '{irritant}' does not exist in backlog/irritants/",
                                         "check the ID in backlog/irritants/"))
        self.db.unregister("csv_ids")
        self.db.unregister("irritant_ids")

    def _place(self, first: str) -> str:
        filename, _, row_number = first.rpartition(":")
        return f"{self.files.get(filename, filename)}:{row_number}:1"

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these row IDs are in the Parquet batches (irritants list their evidence by ID)."""
        import pyarrow as pa

        wanted = list(set(ids))
        if not wanted:
            return set()
        self.db.register("wanted", pa.table({"id": wanted}))
        found = {str(row[0]) for row in self._rows("SELECT DISTINCT id FROM feedback JOIN wanted USING (id)")}
        self.db.unregister("wanted")
        return found

    # --- facts ---------------------------------------------------------------------------------

    def rows(self) -> int:
        return int(self._rows("SELECT count(*) FROM feedback")[0][0])

    def customers(self) -> set[str]:
        return {str(row[0]) for row in self._rows("SELECT DISTINCT customer FROM feedback WHERE customer IS NOT NULL")}

    def dated_after(self, day: date) -> dict[str, tuple[int, date, SourceLoc]]:
        """File (relative path) -> how many of its rows are dated after day, the latest date, and the place of the
        first row (by row number) of that date: counted by DuckDB, no row read (site_gen/facts/dated_later.py)."""
        later = f"(SELECT filename, row_number, date FROM feedback WHERE {_WHOLE} AND date > ?)"
        found = self._rows(f"SELECT filename, count(*), max(date), arg_min(row_number, (-epoch(date), row_number)) "
                           f"FROM {later} GROUP BY filename", day)
        return {self.files[filename]: (int(rows), latest, SourceLoc(self.files[filename], int(row_number)))
                for filename, rows, latest, row_number in found}

    # --- customer references in public text (site_gen/rules/public_safety.py) ----------------------

    def customer_shapes(self) -> list[tuple[str, int, int]] | None:
        """(first alphanumeric run, its offset, length) of every customer value in lower case, as the public-safety
        index takes values apart; None unless every value is printable ASCII without spaces at its ends, the
        only text DuckDB lowers exactly as Python does."""
        if self._customer_refs is None:
            self.db.execute("CREATE OR REPLACE TEMP TABLE customer_refs AS SELECT DISTINCT lower(customer) AS ref "
                            "FROM feedback WHERE customer IS NOT NULL")
            plain = self._rows(f"SELECT coalesce(bool_and(regexp_full_match(ref, {_quote(_PLAIN_ASCII)})), true) "
                               "FROM customer_refs")[0][0]
            self._customer_refs = bool(plain)
        if not self._customer_refs:
            return None
        return [(str(token), int(offset), int(length)) for token, offset, length in self._rows(
            "SELECT DISTINCT regexp_extract(ref, '^[^a-z0-9]*([a-z0-9]+)', 1), "
            "length(regexp_extract(ref, '^[^a-z0-9]*')), length(ref) FROM customer_refs "
            "WHERE regexp_matches(ref, '[a-z0-9]')")]

    def lowered_customers(self) -> frozenset[str]:
        """Every customer value in lower case (after customer_shapes gave shapes: lowered by DuckDB as by Python)."""
        return frozenset(self.db.sql("SELECT ref FROM customer_refs").to_arrow_table().column(0).to_pylist())

    def known_customers(self, candidates: Iterable[str]) -> set[str]:
        """Those of these lower-case texts that are a customer value in lower case (after customer_shapes)."""
        import pyarrow as pa

        wanted = sorted(set(candidates))
        if not wanted:
            return set()
        self.db.register("candidates", pa.table({"ref": wanted}))
        found = {str(row[0]) for row in self._rows("SELECT ref FROM customer_refs WHERE ref IN "
                                                   "(SELECT ref FROM candidates)")}
        self.db.unregister("candidates")
        return found

    def _counted(self, as_of: date) -> dict[tuple[str | None, str | None, str | None], _Counted]:
        """(month YYYY-MM, journey stage, segment) -> its rows dated by as_of, complaints, and per score type its
        rows, sum of worths and answers: every row counted once, in the one scan that cells, groups and
        tallies_by_month add up (at a million rows four scans per stage and segment and one per metric took 0.8 s;
        this one 0.35 s). A row dated after as_of is left out by the scan itself, as the Python path leaves it."""
        if as_of not in self._counts:
            typed = ", ".join(f"count(*) FILTER (WHERE score_type = '{kind.value}'), "
                              f"sum({worth_sql(kind)}) FILTER (WHERE score_type = '{kind.value}'), "
                              f"count({worth_sql(kind)}) FILTER (WHERE score_type = '{kind.value}')" for kind in WORTH)
            counts = self._counts[as_of] = {}
            for month, stage, segment, rows, complaints, *figures in self._rows(
                    f"SELECT strftime(date, '%Y-%m'), journey_stage, segment, count(*), "
                    f"count(*) FILTER (WHERE kind = '{FeedbackKind.COMPLAINT.value}'), {typed} FROM feedback "
                    f"WHERE {_counts_by(as_of)} GROUP BY ALL"):
                counts[(month, stage, segment)] = _Counted(int(rows), int(complaints), tuple(
                    (kind, int(figures[3 * n]), Tally(int(figures[3 * n + 1] or 0), int(figures[3 * n + 2])))
                    for n, kind in enumerate(WORTH) if figures[3 * n]))
        return self._counts[as_of]

    def tallies_by_month(self, score_type: ScoreType, as_of: date) -> dict[str, Tally]:
        """Month (YYYY-MM) -> the tally of its answers of this score type given by as_of, by the shared
        definition."""
        found: dict[str, Tally] = {}
        for (month, _, _), counted in self._counted(as_of).items():
            for kind, _, tallied in counted.typed:
                if kind == score_type and month is not None:
                    found[month] = found.get(month, Tally()) + tallied
        return found

    def groups(self, column: str, as_of: date) -> dict[str, Counts]:
        """Journey stage or segment -> the volume, complaints and score tallies of its rows dated by as_of."""
        assert column in ("journey_stage", "segment")
        found: dict[str, Counts] = {}
        for (_, stage, segment), counted in self._counted(as_of).items():
            key = stage if column == "journey_stage" else segment
            if key is not None:
                found[key] = found.get(key, Counts()) + counted.counts()
        return found

    def link(self, listed: Mapping[str, Collection[str]]) -> None:
        """Irritant ID -> the row IDs it lists: the table `evidence` is made of these links when a question
        first needs it (a cached check that has every answer it asks from an earlier run needs none)."""
        self._listed = {irritant: frozenset(ids) for irritant, ids in listed.items()}
        self._linked = False
        self._verbatims = {}
        self._unlinked_counts = {}

    @property
    def _evidence(self) -> str:
        """The table `evidence`, made from the links (`link`) by the first question that reads it: each
        irritant's rows in Parquet, those naming it in `irritant` and those it lists by ID. It keeps rows dated
        after as_of too: they are linked (no inbox row), but counted nowhere (site_gen/facts/evidence.py
        rows_by_irritant)."""
        if not self._linked:
            self._make_evidence()
        return "evidence"

    @property
    def _unlinked(self) -> str:
        """The rows no irritant links to."""
        return f"(SELECT * FROM feedback ANTI JOIN (SELECT DISTINCT id FROM {self._evidence}) USING (id))"

    def _make_evidence(self) -> None:
        import pyarrow as pa

        listed = self._listed
        pairs = [(irritant, row_id) for irritant, ids in listed.items() for row_id in ids]
        self.db.register("listed", pa.table({"irritant_id": [p[0] for p in pairs], "id": [p[1] for p in pairs]}))
        self.db.register("irritants", pa.table({"irritant_id": list(listed)}))
        # a row naming an irritant that exists, plus the rows an irritant lists that do not name it: each pair
        # once (the loaded rows link the same way: site_gen/facts/evidence.py rows_by_irritant)
        # only the columns the queries over evidence read (not the verbatims: whether there is one), and a row's
        # place to read it whole (a million rows: 0.38 s with every column, 0.15 s with these)
        columns = ", ".join(_EVIDENCE_COLUMNS)
        self.db.execute(f"CREATE OR REPLACE TEMP TABLE evidence AS SELECT irritant AS irritant_id, {columns} "
                        "FROM feedback WHERE irritant IN (SELECT irritant_id FROM irritants) UNION ALL "
                        f"SELECT l.irritant_id, {', '.join(f'f.{name}' for name in _EVIDENCE_COLUMNS)} "
                        "FROM (SELECT DISTINCT * FROM listed) l JOIN feedback f USING (id) "
                        "WHERE f.irritant IS DISTINCT FROM l.irritant_id")
        self.db.unregister("listed")
        self.db.unregister("irritants")
        self._linked = True

    def evidence(self, listed: Mapping[str, Collection[str]], as_of: date) -> dict[str, StoredEvidence]:
        """Irritant ID -> its rows in Parquet dated by as_of: those naming it in `irritant`, and those it lists by
        ID (`link`)."""
        self.link(listed)
        counted = f"(SELECT * FROM {self._evidence} WHERE {_counts_by(as_of)})"
        found: dict[str, dict[str, Any]] = {}
        for irritant, rows, customers, anonymous in self._rows(
                "SELECT irritant_id, count(*), list(DISTINCT customer) FILTER (WHERE customer IS NOT NULL), "
                f"count(*) FILTER (WHERE customer IS NULL) FROM {counted} GROUP BY irritant_id"):
            found[str(irritant)] = {"rows": int(rows), "customers": frozenset(map(str, customers or ())),
                                    "anonymous": int(anonymous), "segment": [], "source": [], "journey_stage": []}
        # a segment's customers, not its rows: added to the loaded rows' customers, each counts once
        for irritant, segment, customers in self._rows(
                f"SELECT irritant_id, segment, list(DISTINCT customer) FROM {counted} WHERE segment IS NOT NULL "
                "AND customer IS NOT NULL GROUP BY irritant_id, segment ORDER BY irritant_id, segment"):
            found[str(irritant)]["segment"].append((str(segment), frozenset(map(str, customers))))
        for column in ("source", "journey_stage"):
            for irritant, value, count, _ in self._rows(
                    # ties in the order first met, as Counter.most_common on the loaded rows
                    f"SELECT irritant_id, {column}, count(*) AS n, min({{'f': filename, 'n': row_number}})"
                    f" AS first FROM {counted} WHERE {column} IS NOT NULL GROUP BY irritant_id, {column} "
                    "ORDER BY irritant_id, n DESC, first"):
                found[str(irritant)][column].append((str(value), int(count)))
        return {key: StoredEvidence(v["rows"], v["customers"], v["anonymous"], tuple(v["segment"]),
                                    tuple(v["source"]),
                                    tuple(v["journey_stage"])) for key, v in found.items()}

    def verbatims(self, irritant: str, limit: int, as_of: date) -> tuple[FeedbackRow, ...]:
        """An irritant's newest evidence rows with words dated on or before as_of, as rows: only the few a page
        shows are read.

        Call after evidence() (derive_facts does), which gathers each irritant's rows. Every irritant's are read
        in one query the first time: the internal site asks for each of its irritants in turn, and a query per
        irritant took 0.08 s each (2,000 irritants over a million rows: 150 s of a build)."""
        if (limit, as_of) not in self._verbatims:
            # each irritant's newest places by a top-n aggregate, then those rows: a window over every evidence
            # row carried all its columns through the sort (200,000 rows: 0.44 s, where this takes 0.08 s)
            chosen = self._rows(f"SELECT irritant_id, unnest(max_by({{'f': filename, 'n': row_number}}, "
                                f"{{'d': date, 'i': id}}, ?), recursive := true) FROM {self._evidence} "
                                f"WHERE {_WHOLE} AND {_by(as_of)} AND said GROUP BY irritant_id", limit)
            self._verbatims[(limit, as_of)] = {
                key: tuple(sorted(listed, key=lambda row: (row.date, row.id), reverse=True))
                for key, listed in sorted(self._rows_of_irritants(chosen).items())}
        return self._verbatims[(limit, as_of)].get(irritant, ())

    def _feedback_rows(self, table: str, where: str, order: str, limit: int | None,
                       *params: Any) -> tuple[FeedbackRow, ...]:
        """The few rows a fact needs, as FeedbackRow objects (never all of them: the query says which).

        Their places first, then the rows at those places: DuckDB reads every column of every row it joins or
        filters before it drops the others (200 rows by ID from a million: 0.24 s), where a CSV export's table
        gives the rows at some row IDs in 0.02 s."""
        return self._rows_at(self.db.execute(
            f"SELECT filename, row_number FROM {table} WHERE {_WHOLE} AND ({where}) "
            f"ORDER BY {order}" + (" LIMIT ?" if limit is not None else ""),
            [*params, *([limit] if limit is not None else [])]).fetchall())

    def _rows_of_irritants(self, chosen: Iterable[tuple[Any, Any, Any]]) -> dict[str, list[FeedbackRow]]:
        """Irritant ID -> the rows at these (irritant ID, file, row number) places, in their order."""
        chosen = list(chosen)
        found: dict[str, list[FeedbackRow]] = {}
        for (irritant, _, _), row in zip(chosen, self._rows_at((f, n) for _, f, n in chosen), strict=True):
            found.setdefault(str(irritant), []).append(row)
        return found

    def _rows_at(self, found: Iterable[tuple[Any, Any]]) -> tuple[FeedbackRow, ...]:
        """The rows at these places (file, row number), in this order: a CSV export's by row ID (_feedback_rows)."""
        places = [(str(filename), int(number)) for filename, number in found]
        numbers: dict[str, list[int]] = {}
        for filename, number in places:
            numbers.setdefault(filename, []).append(number)
        seen: dict[Any, Any] = {}
        read: dict[tuple[str, int], FeedbackRow] = {}
        columns = ", ".join(_ROW_COLUMNS)
        for filename, wanted in numbers.items():
            taken = self.csv.tables.get(filename) if self.csv is not None else None
            if taken is not None:   # row N of the table is on line N + 2 (csvstore.CsvTables.select)
                result = self.db.execute(f"SELECT rowid + 2, {columns} FROM {taken} WHERE rowid = ANY(?)",
                                         [[number - 2 for number in wanted]])
            else:
                result = self.db.execute(f"SELECT row_number, {columns} FROM feedback WHERE filename = ? AND "
                                         "row_number = ANY(?)", [filename, wanted])
            while chunk := result.fetchmany(10_000):   # never every row's tuple at once beside its object
                for number, *values in chunk:
                    read[(filename, int(number))] = self._row(filename, number, values, seen)
        return tuple(read[place] for place in places)

    def _row(self, filename: str, row_number: int, values: Sequence[Any],
             seen: dict[Any, Any] | None = None) -> FeedbackRow:
        """A row as the loaders build it (their slot constructor: themes read 200,000 of them). With `seen`, a
        date, stage, segment, team or customer already read is that same object again, as the CSV reader
        shares them: DuckDB gives each row its own (200,000 rows took 220 MB, most of it copies)."""
        given = list(values)
        if seen is not None:
            for at in _SHARED_AT:
                given[at] = seen.setdefault(given[at], given[at])
        for at, members in _ENUMS:
            given[at] = members[given[at]] if given[at] else None
        given[_CONSENT_AT] = bool(given[_CONSENT_AT])
        given.insert(_LOC_AT, SourceLoc(self.files[filename], int(row_number)))
        row: FeedbackRow = make_row(*given)
        return row

    def scan(self, where: str, *params: Any, batch: int = 10_000) -> Iterator[FeedbackRow]:
        """Every row that passes `where`, as FeedbackRow objects a batch at a time (a search reads them all,
        but never holds them all)."""
        cursor = self.db.cursor()
        try:
            cursor.execute(f"SELECT filename, row_number, {', '.join(_ROW_COLUMNS)} FROM feedback "
                           f"WHERE {_WHOLE} AND ({where})", list(params))
            while chunk := cursor.fetchmany(batch):
                yield from (self._row(filename, row_number, values) for filename, row_number, *values in chunk)
        finally:
            cursor.close()

    def rows_by_id(self, ids: Iterable[str]) -> dict[str, FeedbackRow]:
        """These rows, by ID (a risk signal's newest few, an agenda's quotes)."""
        import pyarrow as pa

        wanted = sorted(set(ids))
        if not wanted:
            return {}
        self.db.register("wanted", pa.table({"wanted_id": wanted}))
        rows = self._feedback_rows("feedback", "id IN (SELECT wanted_id FROM wanted)", "filename, row_number", None)
        self.db.unregister("wanted")
        return {row.id: row for row in rows}

    # --- effects: linked complaints around a closed date (site_gen/facts/effect.py) -----------------

    def complaint_days(self, windows: Mapping[str, tuple[date, date]]) -> dict[str, Counter[date]]:
        """Irritant ID -> day -> its linked complaints that day, within [start, end] of its window."""
        import pyarrow as pa

        if not windows:
            return {}
        keys = sorted(windows)
        self.db.register("windows", pa.table({"irritant_id": keys, "start": [windows[k][0] for k in keys],
                                              "end": [windows[k][1] for k in keys]}))
        found: dict[str, Counter[date]] = {}
        for irritant, day, count in self._rows(
                f"SELECT e.irritant_id, e.date, count(*) FROM {self._evidence} e JOIN windows w USING (irritant_id) "
                f"WHERE {COMPLAINT_SQL} AND e.date BETWEEN w.start AND w.end GROUP BY ALL"):
            found.setdefault(str(irritant), Counter())[day] = int(count)
        self.db.unregister("windows")
        return found

    def newest_complaints(self, windows: Mapping[str, tuple[date, date]],
                          count: int) -> dict[str, tuple[FeedbackRow, ...]]:
        """Irritant ID -> its newest `count` linked complaints dated within [start, end], newest first: the few
        a recurrence names, for every irritant in one query."""
        import pyarrow as pa

        if not windows:
            return {}
        keys = sorted(windows)
        self.db.register("windows", pa.table({"irritant_id": keys, "start": [windows[k][0] for k in keys],
                                              "end": [windows[k][1] for k in keys]}))
        chosen = self._rows(
            "SELECT irritant_id, filename, row_number FROM (SELECT e.*, row_number() "
            f"OVER (PARTITION BY e.irritant_id ORDER BY e.date DESC, e.id DESC) AS nth FROM {self._evidence} e "
            f"JOIN windows w USING (irritant_id) WHERE {COMPLAINT_SQL} AND {_WHOLE} "
            "AND e.date BETWEEN w.start AND w.end) WHERE nth <= ? ORDER BY irritant_id, date DESC, id DESC", count)
        self.db.unregister("windows")
        return {key: tuple(listed) for key, listed in self._rows_of_irritants(chosen).items()}

    def day_tallies(self, stages: Iterable[str]) -> dict[str, list[tuple[str | None, date, ScoreType, int, int]]]:
        """Journey stage -> (segment, day, score type, sum of worths, answers): its scores over any window."""
        wanted = sorted(set(stages))
        if not wanted:
            return {}
        worth = any_worth_sql()
        found: dict[str, list[tuple[str | None, date, ScoreType, int, int]]] = {stage: [] for stage in wanted}
        for stage, segment, day, kind, total, count in self._rows(
                f"SELECT journey_stage, segment, date, score_type, sum({worth}), count({worth}) FROM feedback "
                f"WHERE journey_stage IN ({', '.join(map(_quote, wanted))}) AND date IS NOT NULL "
                f"AND score_type IS NOT NULL GROUP BY ALL HAVING count({worth}) > 0 ORDER BY date"):
            found[str(stage)].append((segment, day, ScoreType(kind), int(total), int(count)))
        return found

    # --- journey map and risk signals (site_gen/facts/journey.py, risks.py) ------------------------

    def cells(self, months: Iterable[str], as_of: date) -> dict[CellKey, Counts]:
        """(month, journey stage, segment or "") -> rows, complaints and tallies, over these months (of rows dated
        by as_of: the scan groups and tallies_by_month add up, made once)."""
        wanted = set(months)
        return {(month, stage, segment or ""): counted.counts() for (month, stage, segment), counted
                in self._counted(as_of).items() if month in wanted and stage is not None}

    def rows_behind(self, group: Behind, limit: int) -> tuple[tuple[tuple[date, str], ...], int]:
        """The recent rows a risk signal stands on (Behind.matches, as SQL): newest (date, ID) first, and how many."""
        assert group.column in ("journey_stage", "segment")
        if group.score_type is None:
            condition = f"kind = '{FeedbackKind.COMPLAINT.value}'"
        else:
            low, high = SCORE_RANGE[group.score_type]
            bad = [score for score in range(low, high + 1) if counts_against(group.score_type, score, group.direction)]
            condition = f"score_type = '{group.score_type.value}' AND score IN ({', '.join(map(str, bad)) or 'NULL'})"
        where = (f"{group.column} = ? AND strftime(date, '%Y-%m') IN ({', '.join(map(_quote, group.months))}) "
                 f"AND id IS NOT NULL AND {condition}")
        count = int(self._rows(f"SELECT count(*) FROM feedback WHERE {where}", group.name)[0][0])
        newest = self._rows(f"SELECT date, id FROM feedback WHERE {where} ORDER BY date DESC, id DESC LIMIT ?",
                            group.name, limit)
        return tuple((day, str(key)) for day, key in newest), count

    def irritants_of(self, ids: Iterable[str]) -> dict[str, frozenset[str]]:
        """Row ID -> the irritants these Parquet rows are evidence of (after link): the one a row names, if it
        exists, and those listing it. Asked of the rows themselves, not of the table `evidence`: a check that took
        every other answer from an earlier run (site_gen/facts/stored.py) does not make that table for this one."""
        import pyarrow as pa

        wanted = sorted(set(ids))
        if not wanted:
            return {}
        self.db.register("wanted", pa.table({"wanted_id": wanted}))
        found: dict[str, set[str]] = {}
        for key, named in self._rows("SELECT DISTINCT id, irritant FROM feedback WHERE id IN "
                                     "(SELECT wanted_id FROM wanted)"):
            found.setdefault(str(key), set()).update([str(named)] if named is not None and named in self._listed
                                                     else [])
        self.db.unregister("wanted")
        for irritant, listed in self._listed.items():
            for key in listed.intersection(found):
                found[key].add(irritant)
        return {key: frozenset(irritants) for key, irritants in found.items() if irritants}

    # --- the unlinked inbox (site_gen/facts/themes.py, meeting.py) --------------------------------

    def unlinked_counts(self, as_of: date) -> tuple[int, int]:
        """(rows no irritant links to dated by as_of, those of them without words), after evidence(): one scan for
        both."""
        if as_of not in self._unlinked_counts:
            without_words = f"NOT coalesce({HAS_WORDS_SQL}, false)"
            total, without = self._rows(f"SELECT count(*), count(*) FILTER (WHERE {without_words}) "
                                        f"FROM {self._unlinked} WHERE {_counts_by(as_of)}")[0]
            self._unlinked_counts[as_of] = (int(total), int(without))
        return self._unlinked_counts[as_of]

    def unlinked_said(self, limit: int, as_of: date) -> StoredSaid:
        """What grouping reads of the newest unlinked rows with words dated on or before as_of, newest first
        (themes read the rows of a theme whole afterwards, by ID). The IDs are sorted first, without the other
        columns (as unlinked_rows)."""
        return StoredSaid(self.db.sql(
            "SELECT f.date, f.id, f.kind, f.journey_stage, f.verbatim FROM feedback f JOIN (SELECT id "
            f"FROM {self._unlinked} WHERE {_WHOLE} AND {_by(as_of)} AND {HAS_WORDS_SQL} ORDER BY date DESC, id DESC "
            f"LIMIT {int(limit)}) USING (id) ORDER BY f.date DESC, f.id DESC").to_arrow_table())

    def unlinked_rows(self, limit: int, as_of: date) -> tuple[FeedbackRow, ...]:
        """The newest unlinked rows dated on or before as_of, newest first."""
        # the newest IDs first, sorted without their other columns, then those rows: at 10,000,000 rows a sort
        # that carries every column took 2 GB more and half as long again
        newest = (f"(SELECT f.* FROM feedback f JOIN (SELECT id FROM {self._unlinked} WHERE {_WHOLE} "
                  f"AND {_by(as_of)} ORDER BY date DESC, id DESC LIMIT {int(limit)}) USING (id))")
        return self._feedback_rows(newest, "true", "date DESC, id DESC", None)

    def unreadable_rows(self) -> int:
        """How many rows are not read back as a FeedbackRow (no id, date, source or journey stage: check reports
        each), so in no count."""
        return int(self._rows(f"SELECT count(*) FROM feedback WHERE NOT ({_WHOLE})")[0][0])

    def unlinked_by_stage(self, since: date, until: date,
                          samples: int) -> dict[str, tuple[int, int, tuple[FeedbackRow, ...]]]:
        """Stage -> unlinked rows dated after since up to until: rows, complaints, the newest with a verbatim."""
        found: dict[str, tuple[int, int, tuple[FeedbackRow, ...]]] = {
            str(stage): (int(rows), int(complaints), ()) for stage, rows, complaints in self._rows(
            f"SELECT journey_stage, count(*), count(*) FILTER (WHERE kind = '{FeedbackKind.COMPLAINT.value}') "
            f"FROM {self._unlinked} WHERE date > ? AND date <= ? AND journey_stage IS NOT NULL GROUP BY ALL",
            since, until)}
        for stage in found:
            rows, complaints, _ = found[stage]
            found[stage] = (rows, complaints, self._feedback_rows(
                self._unlinked, "journey_stage = ? AND date > ? AND date <= ? AND verbatim IS NOT NULL",
                f"coalesce(kind = '{FeedbackKind.COMPLAINT.value}', false) DESC, date DESC, id DESC",  # sample_order
                samples, stage, since, until))
        return found

    def voices(self, since: date, until: date, per_group: int) -> tuple[FeedbackRow, ...]:
        """Rows with a verbatim dated after since up to until, each wording once (its first row), the first
        per_group of each journey stage and segment in the agenda's order of preference: every row that
        site_gen/facts/meeting.py fresh_voices can choose."""
        order = f"CASE kind WHEN '{FeedbackKind.COMPLAINT.value}' THEN 0 WHEN '{FeedbackKind.SUGGESTION.value}' " \
                f"THEN 1 WHEN '{FeedbackKind.PRAISE.value}' THEN 3 ELSE 2 END, date DESC, id"
        wording = f"lower(trim(regexp_replace(verbatim, '{WHITESPACE_SQL}+', ' ', 'g')))"
        return self._feedback_rows(
            f"(SELECT *, row_number() OVER (PARTITION BY journey_stage, segment ORDER BY {order}) AS nth FROM "
            f"(SELECT * FROM feedback WHERE verbatim IS NOT NULL AND date > ? AND date <= ? AND {_WHOLE} "
            f"QUALIFY row_number() OVER (PARTITION BY {wording} ORDER BY {order}) = 1))",
            "nth <= ?", order, None, since, until, per_group)

    # --- digests (site_gen/digest.py) and the notify audience (site_gen/facts/loop.py) ---------------

    def week_counts(self, last: date) -> dict[date, Counter[tuple[str, FeedbackKind | None]]]:
        """Monday -> (journey stage, kind) -> rows, for the weeks that start on or before last."""
        found: dict[date, Counter[tuple[str, FeedbackKind | None]]] = {}
        for monday, stage, kind, count in self._rows(
                "SELECT CAST(date_trunc('week', date) AS DATE) AS monday, journey_stage, kind, count(*) FROM feedback "
                "WHERE date IS NOT NULL AND journey_stage IS NOT NULL AND monday <= ? GROUP BY ALL", last):
            found.setdefault(monday, Counter())[(str(stage), FeedbackKind(kind) if kind else None)] = int(count)
        return found

    def quotable(self, mondays: Iterable[date], kind: FeedbackKind, per_stage: int, worst_first: bool,
                 harshness: str, length: int) -> dict[date, list[FeedbackRow]]:
        """Monday -> that week's rows of one kind with words, the strongest per_stage of each journey stage, by
        the digest's order (harshness: its SQL; length: the quote length that ranks longer quotes first)."""
        wanted = sorted(set(mondays))
        if not wanted:
            return {}
        # the order as one comparable value: a top-n aggregate per week and stage, not a sort of every row; the
        # places of the rows it picks, then those rows (by ID, DuckDB read every row's ID: 0.05 s of 0.2)
        order = f"{{'h': {'' if worst_first else '-'}{harshness}, 'l': -least(length(verbatim), {length}), 'i': id}}"
        listed = ", ".join(f"DATE '{monday.isoformat()}'" for monday in wanted)
        places = [(place["f"], place["n"]) for (chosen,) in self._rows(
            f"SELECT arg_min({{'f': filename, 'n': row_number}}, {order}, ?) FROM feedback WHERE kind = ? AND "
            f"{_WHOLE} AND date >= ? AND date < ? AND CAST(date_trunc('week', date) AS DATE) IN ({listed}) AND "
            f"{HAS_WORDS_SQL} GROUP BY date_trunc('week', date), journey_stage",
            per_stage, kind.value, wanted[0], wanted[-1] + timedelta(days=7)) for place in chosen]
        found: dict[date, list[FeedbackRow]] = {}
        for row in sorted(self._rows_at(places), key=lambda row: (row.date, row.id)):
            found.setdefault(week_monday(row.date), []).append(row)
        return found

    def consent(self, as_of: date, also: Iterable[str] = ()) -> dict[str, tuple[date, bool]]:
        """Customer -> (the date of their newest row dated on or before as_of that gives contact_ok, what it
        says), for the customers of evidence rows (after evidence()) and those in `also` (of the loaded evidence
        rows): two rows of that day that disagree say false, the rule of site_gen/facts/loop.py contact_consent.
        Only customers whose rows give contact_ok by as_of are listed."""
        import pyarrow as pa

        if "contact_ok" not in self.present:
            return {}
        self.db.register("also", pa.table({"customer": pa.array(sorted(set(also)), pa.string())}))
        found = {str(customer): (day, bool(ok)) for customer, day, ok in self._rows(
            "SELECT customer, date, bool_and(contact_ok) FROM (SELECT customer, date, contact_ok, "
            "max(date) OVER (PARTITION BY customer) AS newest FROM feedback WHERE contact_ok IS NOT NULL "
            f"AND date <= ? AND customer IN (SELECT customer FROM {self._evidence} UNION SELECT customer FROM also)) "
            "WHERE date = newest GROUP BY ALL", as_of)}
        self.db.unregister("also")
        return found
