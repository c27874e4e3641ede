"""Large feedback CSV exports read by DuckDB's CSV reader and kept with the Parquet batches (the `duckdb` extra).

Read row by row in Python, a million-row export costs tens of seconds and gigabytes: every cell becomes
an object, every row a FeedbackRow. DuckDB reads the same file in C++ in about a second, and its rows
then stay in DuckDB exactly like Parquet rows (site_gen/load/parquet.py): the facts ask for aggregates,
and only the few rows a page shows become FeedbackRow objects.

This path reports nothing, so every diagnostic keeps today's words and its file:line:column. DuckDB
takes a file only when nothing in it needs a word with the user and each row is read as the Python
path reads it:
- the file: a regular file (not a link) within the size limit, valid UTF-8 (a BOM is fine), lines that
  end in \\n only, no NUL byte, a header on one line of known columns, each once, with every required one;
- its rows: each on one line (the row count is the line count; no blank line, no line break inside a
  quoted cell), and every line with a quote written as strict CSV quotes it (DuckDB would forgive a space
  around a quoted cell, Python's reader does not);
- its values: each one the Python converters (site_gen/load/columns.py) accept as written and convert
  to the same value, by the field's type (IDs, dates, scores in their type's range, booleans, enums,
  journey stages, teams and segments of site.yaml, text without a control character);
- across files (`conflicts`, once the records are loaded): no ID met twice in any batch, no row naming
  an irritant that does not exist.
Anything else, and the file goes to the Python path as before, which says what is wrong and where.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..fields import FEEDBACK_FIELDS, SCORE_RANGE
from ..fieldtypes import (
    FEEDBACK_ID_PATTERN,
    ID_PATTERN,
    ID_RE,
    Boolean,
    Date,
    Enum,
    FeedbackId,
    Id,
    Integer,
    Text,
)
from ..incremental import digest
from ..model import SiteConfig
from .source import BOM, FEEDBACK_LIMIT, relative

# From this size a CSV export is read by DuckDB when the extra is installed. Measured on the benchmark's export
# (65 bytes a row; the example's run 137), reading alone, CPU: 20,000 rows (3.2 MiB) 0.27 s by DuckDB, 0.35 s
# by Python; 80,000 rows (12.7 MiB) 0.62 s against 1.53 s; 200,000 rows 1.0 s against 4.8 s; and every
# Python row costs again in the facts and rules. Below a few MiB the two are even and the Python path, which
# has no start-up cost and no second reader to trust, keeps the file. SITE_GEN_DUCKDB_CSV_FROM (bytes, or
# "off") overrides it.
DUCKDB_CSV_FROM = 8 << 20
THRESHOLD_VARIABLE = "SITE_GEN_DUCKDB_CSV_FROM"

_FIELDS = {f.name: f for f in FEEDBACK_FIELDS}
# the characters the Python path reports in a text cell (fieldtypes.UNREADABLE; a lone surrogate cannot be
# in valid UTF-8), in RE2's syntax
_UNREADABLE_RE2 = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
# a line of strict CSV: cells unquoted without a quote, or quoted with doubled quotes inside
_CELL = r'(?:[^",]*|"(?:[^"]|"")*")'
_STRICT_LINE = f"{_CELL}(?:,{_CELL})*"


def threshold() -> int | None:
    """The size from which a CSV export is read by DuckDB, or None when it never is."""
    given = os.environ.get(THRESHOLD_VARIABLE, "").strip()
    if given.lower() == "off":
        return None
    return int(given) if given.isdigit() else DUCKDB_CSV_FROM


def large(paths: Sequence[Path], available: bool) -> list[Path]:
    """The CSV exports that DuckDB is to read: regular files from the threshold (links go the Python way)."""
    start = threshold()
    if not available or start is None:
        return []
    chosen = []
    for path in paths:
        if path.suffix != ".csv":
            continue
        try:
            status = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(status.st_mode) and start <= status.st_size <= FEEDBACK_LIMIT:
            chosen.append(path)
    return chosen


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _one_of(column: str, allowed: Iterable[str]) -> str:
    listed = ", ".join(map(_quote, allowed))
    return f"{column} IN ({listed})" if listed else "false"


def _accepted(name: str, config: SiteConfig) -> str | None:
    """SQL true for a non-empty cell of this column that the Python path accepts and reads as its cast gives
    it (None for a type this path does not know: a file with that column goes the Python way)."""
    kind = _FIELDS[name].type
    if isinstance(kind, FeedbackId):
        return f"regexp_full_match({name}, {_quote(FEEDBACK_ID_PATTERN.strip('^$'))})"
    if isinstance(kind, Id):
        # rules/references.py: a segment is always one of site.yaml's (none listed: none accepted); a journey stage
        # or a team is one of them when site.yaml lists any
        known = config.segments if name == "segment" else {
            "journey_stage": config.journey_stages, "team": config.teams}.get(name) or None
        pattern = f"regexp_full_match({name}, {_quote(ID_PATTERN.strip('^$'))})"
        if known is None:
            return pattern
        # one of listed IDs is an ID: no regular expression per cell then (a million rows: 0.2 s of CPU)
        listed = _one_of(name, known)
        return listed if all(map(ID_RE.match, known)) else f"{pattern} AND {listed}"
    if isinstance(kind, Enum):
        return _one_of(name, kind.choices)
    if isinstance(kind, Text):
        return f"NOT regexp_matches({name}, {_quote(_UNREADABLE_RE2)})"
    if isinstance(kind, Date):
        # parse_date's pattern, a real date, year 0001 on: ten characters that DuckDB reads as a date and writes
        # back as they are (it writes 0001-01-01 (BC), 10000-01-01, infinity otherwise); no regular expression
        return f"length({name}) = 10 AND CAST(TRY_CAST({name} AS DATE) AS VARCHAR) = {name}"
    if isinstance(kind, Integer):
        return f"regexp_full_match({name}, '-?[0-9]{{1,9}}')"
    if isinstance(kind, Boolean):   # ASCII letters only: Python's str.lower and DuckDB's agree on them
        return f"regexp_full_match({name}, '[A-Za-z]{{4,5}}') AND lower({name}) IN ('true', 'false')"
    return None


_CASTS = {Date: "DATE", Integer: "INTEGER", Boolean: "BOOLEAN"}


def _typed(name: str, present: bool) -> str:
    """The column typed as the feedback view has it (site_gen/load/parquet.py); TRY_CAST, as a row that would
    not cast is not taken anyway."""
    cast = _CASTS.get(type(_FIELDS[name].type), "VARCHAR")
    if not present:
        return f"NULL::{cast} AS {name}"
    if cast == "BOOLEAN":
        return f"lower({name}) = 'true' AS {name}"
    return f"TRY_CAST({name} AS {cast}) AS {name}" if cast != "VARCHAR" else name


@dataclass
class CsvTables:
    """The CSV exports DuckDB took, one table each, in a connection the feedback store then uses."""

    db: Any
    root: Path
    tables: dict[str, str] = field(default_factory=dict)        # str(path) -> its table
    columns: dict[str, set[str]] = field(default_factory=dict)  # str(path) -> the columns its header gives

    @property
    def paths(self) -> list[Path]:
        return [Path(path) for path in self.tables]

    def files(self) -> dict[str, str]:
        return {path: relative(Path(path), self.root) for path in self.tables}

    def select(self) -> str | None:
        """Every taken file's rows with the feedback view's columns, or None when no file was taken."""
        if not self.tables:
            return None
        # a row's place: its file, and its line (row N of the table is on line N + 2, after the header); the
        # typed columns' text as raw_… for the checks of Parquet rows (csvstore took only rows that pass them)
        raw = ", ".join(f"CAST({f.name} AS VARCHAR) AS raw_{f.name}" for f in FEEDBACK_FIELDS
                        if type(f.type) in _CASTS)
        return " UNION ALL ".join(f"SELECT {_quote(path)} AS filename, rowid + 2 AS row_number, * EXCLUDE (ok), {raw} "
                                  f"FROM {table}"
                                  for path, table in self.tables.items())

    def took(self, path: Path, table: str, header: list[str]) -> None:
        """Keep `table` as the rows of the export at path, whose header gives these columns."""
        self.tables[str(path)] = table
        self.columns[str(path)] = set(header)

    def drop(self, paths: Iterable[str]) -> None:
        for path in paths:
            self.db.execute(f"DROP TABLE IF EXISTS {self.tables.pop(path)}")
            del self.columns[path]

    def conflicts(self, loaded_ids: Iterable[str], irritants: Iterable[str]) -> set[str]:
        """The taken files (str paths) with a row whose ID is met twice among every batch (these, the
        Parquet batches through the store's view `feedback`, and the loaded rows), or that names an irritant
        that does not exist: the Python path reports those, with the row that was first."""
        import pyarrow as pa  # type: ignore[import-untyped]

        if not self.tables:
            return set()
        self.db.register("loaded_ids", pa.table({"id": pa.array(list(loaded_ids), pa.string())}))
        self.db.register("irritant_ids", pa.table({"id": pa.array(list(irritants), pa.string())}))
        taken = self.select()
        found = {str(path) for (path,) in self.db.execute(
            f"WITH taken AS ({taken}), every_id AS (SELECT id FROM feedback WHERE id IS NOT NULL "
            "UNION ALL SELECT id FROM loaded_ids), twice AS (SELECT id FROM every_id GROUP BY id HAVING count(*) > 1) "
            "SELECT DISTINCT filename FROM taken WHERE id IN (SELECT id FROM twice) "
            "OR (irritant IS NOT NULL AND irritant NOT IN (SELECT id FROM irritant_ids))").fetchall()}
        self.db.unregister("loaded_ids")
        self.db.unregister("irritant_ids")
        return found


class KeptTables(Protocol):
    """Where a table staged from an export is kept between runs, by a key (site_gen.incremental.DiskMemo)."""

    def staged(self, key: str) -> Path | None: ...

    def keep_staged(self, key: str, write: Callable[[Path], None]) -> None: ...


def stage(paths: Sequence[Path], root: Path, config: SiteConfig,
          kept: KeptTables | None = None) -> tuple[CsvTables | None, list[Path]]:
    """(DuckDB's tables of the files it takes, the files left to the Python path), in the given order. With
    `kept`, an export staged by an earlier run from the same bytes, read the same way, is not read again: its
    table comes back from Parquet (200,000 rows: 0.15 s, where reading and checking the CSV takes 0.5 s)."""
    if not paths:
        return None, []
    import duckdb

    tables = CsvTables(duckdb.connect(), root)
    tables.db.execute("SET enable_progress_bar = false")   # library code prints nothing
    left = []
    for number, path in enumerate(paths):
        if not _take(tables, path, f"csv_batch_{number}", config, kept):
            left.append(path)
    return tables, left


def _take(tables: CsvTables, path: Path, table: str, config: SiteConfig, kept: KeptTables | None = None) -> bool:
    """Read one export into `table` when nothing in it needs the Python path's diagnostics."""
    try:
        before = _stat_key(path)
        data = path.read_bytes()   # its shape is checked here in C-speed passes; DuckDB reads the file again
    except OSError:
        return False
    read_from = digest(data) if kept is not None else b""
    if data.startswith(BOM.encode()):
        data = data[len(BOM.encode()):]
    if b"\r" in data or b"\x00" in data or data.startswith(b"\n"):
        return False
    end = data.find(b"\n")
    try:
        first = (data if end < 0 else data[:end]).decode("utf-8")
    except UnicodeDecodeError:
        return False
    header = [name.strip() for name in first.split(",")]
    if '"' in first or len(set(header)) != len(header) or any(name not in _FIELDS for name in header):
        return False
    if any(f.required and f.name not in header for f in FEEDBACK_FIELDS) or any(
            f.essential and f.name not in header for f in FEEDBACK_FIELDS):
        return False
    conditions = []
    for name in header:
        accepted = _accepted(name, config)
        if accepted is None:
            return False
        conditions.append(f"({name} IS NOT NULL AND {accepted})" if _FIELDS[name].required
                          else f"({name} IS NULL OR ({accepted}))")
    if "score_type" in header or "score" in header:   # a score type goes with a score in its range, or neither
        score_type = "score_type" if "score_type" in header else "NULL"
        score = "score" if "score" in header else "NULL"
        conditions.append(f"(({score_type} IS NULL) = ({score} IS NULL))")
        conditions += [f"({score_type} IS DISTINCT FROM '{kind.value}' OR TRY_CAST({score} AS INTEGER) "
                       f"BETWEEN {low} AND {high})" for kind, (low, high) in SCORE_RANGE.items()]
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    quoted = data.find(b'"', end) >= 0 if end >= 0 else False
    del data
    source = _quote(str(path))
    columns = "{" + ", ".join(f"{_quote(name)}: 'VARCHAR'" for name in header) + "}"
    db = tables.db
    typed = ", ".join(_typed(f.name, f.name in header) for f in FEEDBACK_FIELDS)
    # the bytes, and how this site-gen and site.yaml read them (the columns, their types and what they accept)
    key = digest(read_from + "\n".join((typed, *conditions, columns)).encode()).hex() if kept is not None else ""
    if kept is not None and _taken_again(tables, kept.staged(key), path, table, header):
        return True
    try:
        # one pass: each row typed as the view has it, and whether every cell of it is one Python reads alike
        db.execute(f"CREATE TABLE {table} AS SELECT {typed}, coalesce({' AND '.join(conditions)}, false) AS ok "
                   f"FROM read_csv({source}, delim=',', quote='\"', escape='\"', header=true, auto_detect=false, "
                   f"strict_mode=true, null_padding=false, new_line='\\n', encoding='utf-8', columns={columns})")
        rows, wrong = db.execute(f"SELECT count(*), count(*) FILTER (WHERE NOT ok) FROM {table}").fetchone()
        # a bad value, or a blank line or a row over several lines (the line numbers would be wrong)
        clean = not wrong and rows + 1 == lines
        if clean and quoted:
            clean = not db.execute(
                f"SELECT count(*) FROM read_csv({source}, delim='\x01', quote='', escape='', header=true, "
                "auto_detect=false, strict_mode=false, new_line='\\n', encoding='utf-8', "
                f"columns={{'line': 'VARCHAR'}}) WHERE contains(line, '\"') AND NOT regexp_full_match(line, "
                f"{_quote(_STRICT_LINE)})").fetchone()[0]
    except Exception:   # duckdb.Error: anything DuckDB cannot read the strict way, the Python path words
        clean = False
    if not clean:
        db.execute(f"DROP TABLE IF EXISTS {table}")
        return False
    tables.took(path, table, header)
    if kept is not None and _unchanged(path, before):
        kept.keep_staged(key, lambda where: db.execute(f"COPY {table} TO {_quote(str(where))} (FORMAT parquet)"))
    return True


def _stat_key(path: Path) -> tuple[int, int, int, int]:
    status = os.stat(path)
    return status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def _unchanged(path: Path, before: tuple[int, int, int, int]) -> bool:
    """The export was not saved since its bytes were read (a save sets its change time): DuckDB's table is of the
    bytes the key was made of. Else it is not kept under that key, which the bytes read before would find again."""
    try:
        return _stat_key(path) == before
    except OSError:
        return False


def _taken_again(tables: CsvTables, staged: Path | None, path: Path, table: str, header: list[str]) -> bool:
    """The export's table read back from where an earlier run kept it (its rows in their order, so each keeps
    its row ID, which is its line); False when none was kept or it cannot be read."""
    if staged is None:
        return False
    try:
        tables.db.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({_quote(str(staged))})")
    except Exception:   # duckdb.Error: the export is read again
        tables.db.execute(f"DROP TABLE IF EXISTS {table}")
        return False
    tables.took(path, table, header)
    return True
