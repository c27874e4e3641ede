"""Large feedback CSV exports read by DuckDB (site_gen/load/csvstore.py): the same facts, diagnostics and sites as
the Python path, and the Python path (with its exact file:line:column) for any file with something to report.

SITE_GEN_DUCKDB_CSV_FROM is the size threshold: "0" routes even the example's small export through DuckDB,
"off" never does (as without the duckdb extra)."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from site_gen.check import CheckResult, check_repository
from site_gen.cli import main
from site_gen.facts import meeting
from site_gen.incremental import CACHE_DIR
from site_gen.load import csvstore
from site_gen.notify.contacts import parse_contacts
from site_gen.views.internal import _risk_views
from tests.conftest import copy_example
from tests.test_feedback_scale import _digests, _effects, _ids, _inbox, _new_unlinked, _recipients, _synthetic

TODAY = date(2026, 11, 23)


def _check(root: Path, threshold: str, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    with monkeypatch.context() as patched:
        patched.setenv(csvstore.THRESHOLD_VARIABLE, threshold)
        return check_repository(root, TODAY, 1)


def _same_facts(one: CheckResult, other: CheckResult) -> None:
    """Every fact a row counts in, as test_feedback_scale compares the Parquet path."""
    assert other.diagnostics == one.diagnostics
    assert other.backlog.counts() == one.backlog.counts()
    a, b = one.facts, other.facts
    assert {key: f.series for key, f in b.metrics.items()} == {key: f.series for key, f in a.metrics.items()}
    assert b.stages == a.stages and b.segments == a.segments
    assert _inbox(b) == _inbox(a)
    assert b.unlinked_total == a.unlinked_total and _ids(b.unlinked) == _ids(a.unlinked)
    assert _effects(b) == _effects(a) and b.stage_effects == a.stage_effects
    assert b.risks == a.risks and b.journey == a.journey and b.cells == a.cells
    assert [(v.signal, _ids(v.rows)) for v in _risk_views(b.risks, b.backlog, {})] == \
        [(v.signal, _ids(v.rows)) for v in _risk_views(a.risks, a.backlog, {})]
    assert _digests(b) == _digests(a)
    since = date(2026, 11, 1)
    assert _new_unlinked(b, since) == _new_unlinked(a, since)
    assert _ids(meeting.fresh_voices(b, since)) == _ids(meeting.fresh_voices(a, since))
    assert b.loops == a.loops and b.stories == a.stories and b.customer_references == a.customer_references


def _same_tree(one: Path, other: Path) -> None:
    compared = filecmp.dircmp(one, other)
    pending = [compared]
    while pending:
        current = pending.pop()
        assert not current.left_only and not current.right_only, (current.left, current.left_only, current.right_only)
        _, mismatch, errors = filecmp.cmpfiles(current.left, current.right, current.common_files, shallow=False)
        assert not mismatch and not errors, (current.left, mismatch, errors)
        pending.extend(current.subdirs.values())


def test_the_example_gives_the_same_facts_diagnostics_and_sites_when_duckdb_reads_its_csv(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's CSV export (quoted cells with commas among its 2,590 rows) read by DuckDB, its JSONL and
    YAML batches by Python: every fact, every diagnostic and every byte of both built sites as when Python reads
    all three."""
    root = copy_example(tmp_path / "repo")
    by_python, by_duckdb = _check(root, "off", monkeypatch), _check(root, "0", monkeypatch)
    assert by_python.backlog.stored_feedback is None
    store = by_duckdb.backlog.stored_feedback
    assert store is not None and store.rows() == 2_590 and len(by_duckdb.backlog.feedback) == 1_416
    assert by_python.diagnostics and by_python.facts.themes.bigger   # warnings and big themes to compare
    _same_facts(by_python, by_duckdb)
    contacts = parse_contacts((Path(__file__).parent / "example-contacts.csv").read_text()).by_customer
    assert _recipients(by_duckdb.facts, contacts) == _recipients(by_python.facts, contacts)

    def build(threshold: str, out: Path) -> None:
        done = subprocess.run([sys.executable, "-m", "site_gen", "build", str(root), "--out", str(out), "--today",
                               TODAY.isoformat(), "--no-search", "--no-cache"], capture_output=True, text=True,
                              env={**os.environ, csvstore.THRESHOLD_VARIABLE: threshold})
        assert done.returncode == 0, done.stderr
    build("off", tmp_path / "by-python")
    build("0", tmp_path / "by-duckdb")
    _same_tree(tmp_path / "by-python", tmp_path / "by-duckdb")


def test_a_generated_export_gives_the_same_facts_and_diagnostics_through_both_paths(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A synthetic export of 6,000 rows (every stage, segment, score type; a fifth linked to irritants)."""
    _synthetic(tmp_path, 6_000)
    by_python, by_duckdb = _check(tmp_path, "off", monkeypatch), _check(tmp_path, "0", monkeypatch)
    assert by_duckdb.backlog.feedback == () and by_duckdb.backlog.stored_feedback is not None
    assert len(by_python.backlog.feedback) == by_duckdb.backlog.stored_feedback.rows() == 6_000
    _same_facts(by_python, by_duckdb)


def test_the_threshold_keeps_a_small_export_in_python_and_can_be_turned_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _synthetic(tmp_path, 300)
    export = tmp_path / "feedback/export.csv"
    assert export.stat().st_size < csvstore.DUCKDB_CSV_FROM
    assert _check(tmp_path, "", monkeypatch).backlog.stored_feedback is None   # the default threshold
    assert _check(tmp_path, str(export.stat().st_size), monkeypatch).backlog.stored_feedback is not None
    assert _check(tmp_path, "off", monkeypatch).backlog.stored_feedback is None


def _replace_line(number: int, line: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.split("\n")
        lines[number - 1] = line
        return "\n".join(lines)
    return edit


_ROW = "FB-new,2026-10-01,survey,CUST-1,commuter,ops,payment,nps,7,Seat would not go down,complaint,"


def _row_with(written: str, instead: str) -> Callable[[str], str]:
    """The export with its fifth line the sample row, one of its cells (or a part) written otherwise."""
    return _replace_line(5, _ROW.replace(written, instead))


@pytest.mark.parametrize("edit", [
    pytest.param(_row_with("2026-10-01", "2026-02-30"), id="not a real date"),
    pytest.param(_row_with("2026-10-01", " 2026-10-01"), id="a date Python strips"),
    pytest.param(lambda text: _with_column(text, "consent_public", ["true", " false"]), id="a boolean Python strips"),
    pytest.param(_row_with("2026-10-01", "0000-10-01"), id="year zero"),
    pytest.param(_row_with("2026-10-01", "10000-10-01"), id="a five-digit year"),
    pytest.param(_row_with("2026-10-01", "2026/10/01"), id="a date DuckDB reads with slashes"),
    pytest.param(_row_with("nps,7", "nps,11"), id="score off its scale"),
    pytest.param(_row_with("nps,7", "ces,+3"), id="a score Python reads with its sign"),
    pytest.param(_row_with("nps,7", "nps,"), id="score type without score"),
    pytest.param(_row_with("payment", "paymnet"), id="unknown journey stage"),
    pytest.param(_row_with("commuter", "student"), id="unknown segment"),
    pytest.param(_row_with(",ops,", ",Ops,"), id="not an ID"),
    pytest.param(_row_with("survey", "Survey"), id="unknown source"),
    pytest.param(_replace_line(5, _ROW + "irritant-999"), id="an irritant that does not exist"),
    pytest.param(_row_with("FB-new", "FB-2"), id="a repeated ID"),
    pytest.param(_row_with("FB-new", "FB new"), id="not a feedback ID"),
    pytest.param(_row_with("FB-new", ""), id="no ID"),
    pytest.param(_row_with("Seat would", "Seat\x07would"), id="a control character"),
    pytest.param(_row_with("Seat would not go down", '"Seat, would" '), id="a space after a quote"),
    pytest.param(_row_with("Seat would not go down", ' "Seat, would"'),
                 id="a space before a quote"),
    pytest.param(_row_with("Seat would not go down", '"Seat\nwould"'), id="a cell over two lines"),
    pytest.param(_row_with("Seat would not go down", '"Seat"x'), id="text after a closing quote"),
    pytest.param(_row_with("Seat would not go down", '"Seat'), id="a quote never closed"),
    pytest.param(_replace_line(5, ""), id="a blank line"),
    pytest.param(_replace_line(5, _ROW + ",extra"), id="a row with a cell too many"),
    pytest.param(_replace_line(5, "FB-new,2026-10-01"), id="a row with too few cells"),
    pytest.param(lambda text: text.replace("\n", "\r\n"), id="CRLF line ends"),
    pytest.param(lambda text: text.replace("journey_stage", "journey_stag", 1), id="an unknown column"),
    pytest.param(lambda text: text.replace(",kind,", ",verbatim,", 1), id="a column named twice"),
    pytest.param(lambda text: text.replace("irritant\n", "irritant,consent_public\n", 1), id="a column without cells"),
    pytest.param(lambda text: text.encode("utf-8").replace(b"Morning", b"Morn\xe9ng", 1).decode("latin-1"),
                 id="not UTF-8"),
    # dates DuckDB reads (or writes back) its own way: ten characters read and written back as they are, or Python
    pytest.param(_row_with("2026-10-01", "2023-02-29"), id="a leap day in a common year"),
    pytest.param(_row_with("2026-10-01", "1900-02-29"), id="a leap day in a century year"),
    pytest.param(_row_with("2026-10-01", "-001-10-01"), id="a year BC in ten characters"),
    pytest.param(_row_with("2026-10-01", "0001-10-01 (BC)"), id="a year BC as DuckDB writes it"),
    pytest.param(_row_with("2026-10-01", "infinity"), id="infinity"),
    pytest.param(_row_with("2026-10-01", "-infinity"), id="minus infinity"),
    pytest.param(_row_with("2026-10-01", "infinity  "), id="infinity in ten characters"),
    pytest.param(_row_with("2026-10-01", "epoch     "), id="epoch in ten characters"),
    pytest.param(_row_with("2026-10-01", "2026 10 01"), id="a date DuckDB reads with spaces"),
    pytest.param(_row_with("2026-10-01", "2026-10-1 "), id="a one-digit day in ten characters"),
    pytest.param(_row_with("2026-10-01", " 2026-10-1"), id="a one-digit day after a space"),
    pytest.param(_row_with("2026-10-01", "26-10-01  "), id="a two-digit year in ten characters"),
    pytest.param(_row_with("2026-10-01", "20261001  "), id="a date without dashes"),
    pytest.param(_row_with("2026-10-01", "2026-10-01T"), id="a date with a time mark"),
    pytest.param(_row_with("2026-10-01", "\uff12\uff10\uff12\uff16-\uff11\uff10-\uff10\uff11"),
                 id="a date in fullwidth digits"),
    pytest.param(_row_with("2026-10-01", "\u0662\u0660\u0662\u0666-\u0661\u0660-\u0660\u0661"),
                 id="a date in Arabic-Indic digits"),
    pytest.param(_row_with("2026-10-01", "2026-10-0\uff11"), id="a fullwidth digit in a date"),
    pytest.param(_row_with("2026-10-01", "2026\u201010-01"), id="a date with a Unicode hyphen"),
    pytest.param(_row_with("2026-10-01", "2026-10-01\u00a0"),
                 id="a date Python strips of a no-break space"),
    pytest.param(_row_with("2026-10-01", '"2026-10-01\n"'), id="a date with a line break"),
    # journey stages, teams and segments that site.yaml lists (all IDs): only the listed text, as written
    pytest.param(_row_with(",ops,", ",OPS,"), id="a listed team in capitals"),
    pytest.param(_row_with(",ops,", ",ops ,"), id="a listed team and a space"),
    pytest.param(_row_with(",ops,", ", ops,"), id="a space and a listed team"),
    pytest.param(_row_with(",ops,", ",   ,"), id="a team of spaces"),
    pytest.param(_row_with(",ops,", ",ops\u00a0,"), id="a listed team and a no-break space"),
    pytest.param(_row_with(",ops,", ",\uff4f\uff50\uff53,"), id="a listed team in fullwidth"),
    pytest.param(_row_with(",ops,", ',"ops\n",'), id="a listed team and a line break"),
    pytest.param(_row_with("payment", "pay\u00adment"), id="a journey stage with a soft hyphen"),
    pytest.param(_row_with("payment", "payment\u200b"),
                 id="a journey stage and a zero-width space"),
    pytest.param(_row_with("payment", "Payment"), id="a listed journey stage capitalised"),
    pytest.param(_row_with("commuter", "commuter\t"), id="a listed segment and a tab"),
    pytest.param(_row_with("commuter", "COMMUTER"), id="a listed segment in capitals"),
])
def test_an_export_with_anything_to_report_is_read_by_python_with_the_same_diagnostics(
        edit: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever Python would report about a large export (or accept only after reading it its own way), DuckDB
    leaves the file to Python: the diagnostics are exactly those of the Python path, each at its file:line:column."""
    _synthetic(tmp_path, 300)
    export = tmp_path / "feedback/export.csv"
    export.write_bytes(_encoded(edit(export.read_text("utf-8"))))
    _left_to_python(tmp_path, monkeypatch)


def _left_to_python(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_python, by_duckdb = _check(root, "off", monkeypatch), _check(root, "0", monkeypatch)
    assert by_duckdb.backlog.stored_feedback is None, "DuckDB took an export Python reads differently"
    assert by_duckdb.diagnostics == by_python.diagnostics
    assert by_duckdb.backlog.feedback == by_python.backlog.feedback
    assert [row.loc for row in by_duckdb.backlog.feedback] == [row.loc for row in by_python.backlog.feedback]


def _encoded(text: str) -> bytes:
    """The edited export's bytes: text the "not UTF-8" edit decoded as Latin-1 goes back byte for byte."""
    return text.encode("latin-1") if "\xe9" in text else text.encode("utf-8")


def _with_column(text: str, name: str, cells: list[str]) -> str:
    header, *rows = text.rstrip("\n").split("\n")
    return "\n".join([f"{header},{name}", *(f"{row},{cells[n % len(cells)]}" for n, row in enumerate(rows))]) + "\n"


@pytest.mark.parametrize("edit", [
    pytest.param(lambda text: "\ufeff" + text, id="a byte-order mark"),
    pytest.param(lambda text: text.rstrip("\n"), id="no line break at the end"),
    pytest.param(_row_with("Seat would not go down", '"Seat, ""would"" not"'),
                 id="quoted cells with commas and quotes"),
    pytest.param(_row_with("Seat would not go down", "  spaced  "), id="spaces kept"),
    pytest.param(lambda text: _with_column(text, "consent_public", ["TRUE", "False", "", "true"]),
                 id="booleans in capitals"),
    pytest.param(_row_with("2026-10-01", "2024-02-29"), id="a leap day"),
    pytest.param(_row_with("2026-10-01", "2000-02-29"), id="a leap day in a leap century"),
    pytest.param(_row_with("2026-10-01", "0001-01-01"), id="the first day of year 1"),
    pytest.param(_row_with("2026-10-01", "0999-12-31"), id="a three-digit year"),
    pytest.param(_row_with("2026-10-01", "1582-10-10"), id="a day the Julian calendar skipped"),
    pytest.param(_row_with("2026-10-01", "9999-12-31"), id="the last day of year 9999"),
])
def test_an_export_python_reads_the_same_way_is_taken_by_duckdb(edit: Callable[[str], str], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _synthetic(tmp_path, 300)
    export = tmp_path / "feedback/export.csv"
    export.write_text(edit(export.read_text("utf-8")), "utf-8")
    _taken_alike(tmp_path, monkeypatch)


def _taken_alike(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_python, by_duckdb = _check(root, "off", monkeypatch), _check(root, "0", monkeypatch)
    assert by_duckdb.backlog.stored_feedback is not None and by_duckdb.backlog.feedback == ()
    assert len(by_python.backlog.feedback) == by_duckdb.backlog.stored_feedback.rows() == 300
    _same_facts(by_python, by_duckdb)


_TEAMS = "teams: [app, ops, support, billing]"
_SEGMENTS = "segments: [commuter, tourist, business]"
_STAGES = "journey_stages: [discover, sign-up, first-ride, payment, support, cancel]"


def _site(listed: str, instead: str) -> Callable[[str], str]:
    """site.yaml (as benchmarks/synthetic.py writes it) with one of its lists written otherwise."""
    def edit(text: str) -> str:
        assert listed in text
        return text.replace(listed, instead, 1)
    return edit


def _blank_segments(text: str) -> str:
    header, *rows = text.split("\n")
    at = header.split(",").index("segment")
    return "\n".join([header, *(",".join(c if n != at else "" for n, c in enumerate(row.split(","))) if row else row
                                 for row in rows)])


def _same(text: str) -> str:
    return text


@pytest.mark.parametrize(("site", "edit"), [
    pytest.param(_site(_TEAMS, "teams: []"), _row_with(",ops,", ",Ops,"),
                 id="a team that is not an ID when site.yaml lists none"),
    pytest.param(_site(_TEAMS, "teams: []"), _row_with(",ops,", ",ops ,"),
                 id="a team and a space when site.yaml lists none"),
    pytest.param(_site(_SEGMENTS, ""), _same, id="segments when site.yaml has none"),
    pytest.param(_site(_SEGMENTS, "segments: []"), _same, id="segments when site.yaml lists none"),
    pytest.param(_site(_SEGMENTS, "segments: [commuter, tourist]"), _same, id="a segment site.yaml does not list"),
    pytest.param(_site(_SEGMENTS, "segments: [commuter, tourist, business, Student Riders]"),
                 _row_with("commuter", "Student Riders"),
                 id="a segment site.yaml lists that is not an ID"),
    pytest.param(_site(_TEAMS, "teams: [app, ops, support, billing, 'night shift']"),
                 _row_with(",ops,", ",night shift,"), id="a team site.yaml lists that is not an ID"),
    pytest.param(_site(_TEAMS, "teams: [app, ops, support, billing, 'ops ']"),
                 _row_with(",ops,", ",ops ,"), id="a team and a space that site.yaml lists"),
    pytest.param(_site(_TEAMS, "teams: [app, ops, support, billing, 1234]"),
                 _row_with(",ops,", ",1234,"), id="a team site.yaml lists as a number"),
    pytest.param(_site(_TEAMS, 'teams: [app, ops, support, billing, "ops\\n"]'),
                 _row_with(",ops,", ',"ops\n",'),
                 id="a team with a line break that site.yaml lists"),
    pytest.param(_site(_STAGES, "journey_stages: [discover, sign-up, first-ride, Payment, support, cancel]"), _same,
                 id="a journey stage site.yaml lists capitalised"),
])
def test_an_export_with_anything_to_report_under_site_yamls_lists_is_read_by_python(
        site: Callable[[str], str], edit: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A journey stage, team or segment is taken by DuckDB only as Python takes it under site.yaml's lists: none
    listed (any ID for a stage or team, no segment at all), or values listed that are not IDs."""
    _synthetic(tmp_path, 300)
    config, export = tmp_path / "site.yaml", tmp_path / "feedback/export.csv"
    config.write_text(site(config.read_text("utf-8")), "utf-8")
    export.write_text(edit(export.read_text("utf-8")), "utf-8")
    _left_to_python(tmp_path, monkeypatch)


@pytest.mark.parametrize(("site", "edit"), [
    pytest.param(_site(_TEAMS, "teams: []"), _same, id="any team that is an ID when site.yaml lists none"),
    pytest.param(_site(_SEGMENTS, ""), _blank_segments, id="no segment when site.yaml has none"),
    pytest.param(_site(_SEGMENTS, "segments: []"), _blank_segments, id="no segment when site.yaml lists none"),
    pytest.param(_site(_TEAMS, 'teams: [app, ops, support, billing, "1234"]'),
                 _row_with(",ops,", ",1234,"), id="a team of digits site.yaml lists"),
    pytest.param(_site(_TEAMS, 'teams: [app, ops, support, billing, "ops\\n"]'), _same,
                 id="listed teams, one of them with a line break"),
])
def test_an_export_python_reads_the_same_way_under_site_yamls_lists_is_taken_by_duckdb(
        site: Callable[[str], str], edit: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _synthetic(tmp_path, 300)
    config, export = tmp_path / "site.yaml", tmp_path / "feedback/export.csv"
    config.write_text(site(config.read_text("utf-8")), "utf-8")
    export.write_text(edit(export.read_text("utf-8")), "utf-8")
    _taken_alike(tmp_path, monkeypatch)


def test_commands_that_read_rows_find_them_when_duckdb_reads_the_csv(tmp_path: Path) -> None:
    """`site-gen feedback` streams the rows DuckDB holds through a cursor of its own: the same answers."""
    root = copy_example(tmp_path / "repo")

    def site_gen(threshold: str, *args: str) -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-m", "site_gen", *args], cwd=root, capture_output=True, text=True,
                              env={**os.environ, csvstore.THRESHOLD_VARIABLE: threshold})
        return done.stdout, done.stderr

    for args in (("feedback", "seat", "--format", "json", "--limit", "7"),
                 ("feedback", "brakes", "hill", "--stage", "first-ride", "--unlinked", "--limit", "5")):
        by_python = site_gen("off", *args)
        assert by_python[0]
        assert site_gen("0", *args) == by_python


@pytest.mark.parametrize("customer", ["CUST-990001", "Zoë-Rider-7"], ids=["plain-ascii", "not-ascii"])
def test_a_customer_reference_in_public_text_is_found_as_surely_when_duckdb_holds_the_rows(
        customer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule 8 looks the references of the rows DuckDB holds up in DuckDB (plain ASCII ones, by their shapes) or,
    for any other value, reads them into Python: either way a public story quoting one, in another case, is the
    same error as when Python reads the rows."""
    root = copy_example(tmp_path / "repo")
    export = root / "feedback/surveys-and-reviews.csv"
    export.write_text(export.read_text("utf-8") + f"SRV-TEST-0001,2026-11-02,survey,{customer},commuter,ops,"
                      "discover,,,The dock was full,,complaint,,\n", "utf-8")
    story = root / "backlog/stories/cancel-in-the-app.md"
    quoted = customer.swapcase()
    story.write_text(story.read_text("utf-8").replace("No call needed.", f"Thanks to ({quoted}), no call needed."),
                     "utf-8")
    by_python, by_duckdb = _check(root, "off", monkeypatch), _check(root, "0", monkeypatch)
    assert by_duckdb.backlog.stored_feedback is not None
    found = [d for d in by_duckdb.diagnostics if d.rule == "personal-data"]
    assert [d.message.lower() for d in found] == [
        f"public field 'we_did' contains a customer reference ({customer.lower()})"]
    assert by_duckdb.diagnostics == by_python.diagnostics


def test_themes_grouped_in_a_worker_from_duckdbs_columns_are_those_python_groups_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows DuckDB holds reach the themes worker as Arrow columns (StoredSaid), grouped there by three of
    those columns; this process makes only the rows of the themes it gets back: the same inbox as when Python
    reads and groups all."""
    import site_gen.facts as facts_module
    from site_gen.load.parquet import StoredSaid
    from site_gen.parallel import forked

    root = copy_example(tmp_path / "repo")
    _only_the_csv_export(root)
    by_python = _check(root, "off", monkeypatch)
    monkeypatch.setattr(facts_module, "THEMES_FORK_FROM", 1)   # the example's inbox is small: fork anyway
    by_duckdb = _check(root, "0", monkeypatch)
    said = by_duckdb.facts._inbox
    assert isinstance(said, StoredSaid) and said._rows is None
    before = forked()
    by_duckdb.facts.start_themes(2)
    assert forked() == before + 1
    assert by_python.facts.themes.complaints and _inbox(by_duckdb.facts) == _inbox(by_python.facts)
    assert said._rows is None   # this process made only the themes' rows


def test_an_inbox_in_duckdb_that_holds_no_theme_builds_an_empty_inbox(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every unlinked row says something different (as in the million-row benchmark): the worker finds no theme,
    and there are no rows to take."""
    import site_gen.facts as facts_module

    root = copy_example(tmp_path / "repo")
    export = root / "feedback/surveys-and-reviews.csv"
    lines = export.read_text("utf-8").splitlines(keepends=True)
    export.write_text(lines[0] + "".join(f"SRV-ONCE-{n},2026-11-02,survey,,commuter,ops,discover,,,Words {word},,"
                                         "complaint,,\n" for n, word in enumerate(("alpha", "bravo", "charlie"))),
                      "utf-8")
    _only_the_csv_export(root)
    monkeypatch.setattr(facts_module, "THEMES_FORK_FROM", 1)
    result = _check(root, "0", monkeypatch)
    result.facts.start_themes(2)
    inbox = result.facts.themes
    assert result.backlog.stored_feedback is not None and result.backlog.feedback == ()
    assert all(not themes for themes in inbox.themes.values()) and inbox.ungrouped == 3


def _only_the_csv_export(root: Path) -> None:
    """Leave the example's CSV export alone in feedback/: DuckDB then holds every row (the others go by Python)."""
    for other in (root / "feedback").iterdir():
        if other.name != "surveys-and-reviews.csv":
            other.unlink()


# --- a large export's table kept between runs (.site-gen-cache/staged-KEY.parquet) ---------------------------

def _cached_check(root: Path, *options: str) -> tuple[int, str, str]:
    """`site-gen check` as a person runs it, keeping .site-gen-cache/ (or not, with --no-cache)."""
    result = CliRunner().invoke(main, ["check", str(root), "--today", TODAY.isoformat(), *options],
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _cold_check(root: Path) -> tuple[int, str, str]:
    return _cached_check(root, "--no-cache")


def _kept_tables(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR).glob("staged-*.parquet"))


def _count_taken_again(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each export's table read back from the cache gave (the real function, watched)."""
    taken: list[bool] = []
    real = csvstore._taken_again

    def watched(*args: Any) -> bool:
        taken.append(real(*args))
        return taken[-1]
    monkeypatch.setattr(csvstore, "_taken_again", watched)
    return taken


def _add_interview(root: Path, number: int) -> None:
    """A change to another feedback file: the check loads again, the CSV export is as it was."""
    with (root / "feedback/interviews.yaml").open("a", encoding="utf-8") as batch:
        batch.write(f"- {{id: INT-EXTRA-{number}, date: 2026-11-02, source: interview, journey_stage: payment, "
                    f"verbatim: Paying twice is confusing}}\n")


def test_a_cached_check_reads_a_large_exports_table_back_and_says_what_a_cold_check_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_example(tmp_path / "repo")
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, "0")
    taken = _count_taken_again(monkeypatch)
    assert _cached_check(root) == _cold_check(root)   # reads the export, keeps its table
    assert len(_kept_tables(root)) == 1 and taken == [False]
    _add_interview(root, 1)
    assert _cached_check(root) == _cold_check(root)
    assert taken == [False, True]                      # the export's table came back from the cache
    # an edited export is read again, and its old table is no longer kept
    before = _kept_tables(root)
    text = (root / "feedback/surveys-and-reviews.csv").read_text("utf-8")
    (root / "feedback/surveys-and-reviews.csv").write_text(text.replace(",commuter,", ",tourist,", 1), "utf-8")
    assert _cached_check(root) == _cold_check(root)
    assert taken == [False, True, False] and len(_kept_tables(root)) == 1 and _kept_tables(root) != before


def test_a_kept_table_is_read_again_under_site_yamls_new_lists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the export's cells may hold comes from site.yaml: a segment no longer listed is reported at its line,
    never accepted from a table kept under the old lists."""
    root = copy_example(tmp_path / "repo")
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, "0")
    taken = _count_taken_again(monkeypatch)
    _cached_check(root)
    site = (root / "site.yaml").read_text("utf-8")
    (root / "site.yaml").write_text(site.replace("segments: [commuter, tourist, business]",
                                                 "segments: [commuter, business]"), "utf-8")
    code, out, _ = _cached_check(root)
    assert (code, out) == _cold_check(root)[:2] and code == 1
    assert "surveys-and-reviews.csv:" in out and "tourist" in out and taken == [False, False]


def test_a_kept_table_that_was_tampered_with_is_never_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table kept by this user's site-gen is signed like the rest of the cache: one replaced by another valid
    Parquet file (rows someone changed) is ignored, and the export read again."""
    import duckdb

    root = copy_example(tmp_path / "repo")
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, "0")
    taken = _count_taken_again(monkeypatch)
    _cached_check(root)
    [kept] = _kept_tables(root)
    forged = tmp_path / "forged.parquet"
    duckdb.sql(f"COPY (SELECT * REPLACE ('cancel' AS journey_stage) FROM read_parquet('{kept}')) TO '{forged}' "
               "(FORMAT parquet)")
    kept.write_bytes(forged.read_bytes())
    _add_interview(root, 2)
    assert _cached_check(root) == _cold_check(root) and taken == [False, False]


def test_an_export_saved_while_duckdb_reads_it_leaves_no_table_under_the_bytes_it_had(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The export's bytes are read and hashed (the table's key), then DuckDB reads the file again: saved in between,
    the table of the new bytes was kept under the old bytes' key, and once the export was as it had been, every
    cached check and build read that table back — rows the file does not hold (found by the adversarial cache
    pass). Seam: the quoting of the export's path, which runs between the two reads, saves the export once."""
    root = copy_example(tmp_path / "repo")
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, "0")
    export = root / "feedback/surveys-and-reviews.csv"
    text = export.read_text("utf-8")
    real = csvstore._quote

    def quoted_then_saved(value: str) -> str:
        if value == str(export):
            monkeypatch.setattr(csvstore, "_quote", real)
            export.write_text(text.replace(",commuter,", ",tourist,"), "utf-8")
        return real(value)
    monkeypatch.setattr(csvstore, "_quote", quoted_then_saved)
    _cached_check(root)
    export.write_text(text, "utf-8")        # as it was when its bytes were read
    _add_interview(root, 3)                 # (another change: the check loads)
    assert _cached_check(root, "--format", "json") == _cached_check(root, "--no-cache", "--format", "json")


def test_the_facts_do_the_callers_work_while_duckdb_gathers_the_evidence(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB lets go of the GIL while it answers: check runs the families that read the records alone (the
    addresses) in this thread while the evidence queries run in another. The evidence waits here until the
    caller's work has started, which would never happen were they asked one after the other."""
    import threading

    from site_gen.facts import derive_facts
    from site_gen.load.parquet import ParquetFeedback

    root = copy_example(tmp_path / "repo")
    result = _check(root, "0", monkeypatch)
    started = threading.Event()
    gather = ParquetFeedback.evidence

    def after_the_callers_work(store: ParquetFeedback, *args: Any) -> Any:
        assert started.wait(timeout=60), "the evidence was asked before the caller's work, in its thread"
        return gather(store, *args)

    monkeypatch.setattr(ParquetFeedback, "evidence", after_the_callers_work)
    facts = derive_facts(result.backlog, TODAY, meanwhile=started.set)
    assert facts.irritants == result.facts.irritants and facts.decisions == result.facts.decisions
    assert any(found.evidence.stored_rows for found in facts.irritants.values())
