"""Feedback dated after today (rule feedback-dated-later): a typo in the year is named, once per file, at its latest
row, whether Python loaded the file or DuckDB keeps it (a large CSV export); a past day replayed with --today gets
one warning per file, not one per row; a cached check says what a full one says on each day."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from markupsafe import Markup

from site_gen.check import CheckResult, check_repository
from site_gen.cli import main
from site_gen.diagnostics import Severity
from site_gen.load import csvstore
from site_gen.model import Audience, FeedbackRow
from site_gen.sites import render_sites
from site_gen.views.internal import SAMPLE_VERBATIMS, internal_view

from .conftest import TODAY, copy_example, edit
from .test_feedback_scale import _ids, _inbox

CSV = "feedback/surveys-and-reviews.csv"
JSONL = "feedback/helpdesk-export.jsonl"
YAML = "feedback/interviews.yaml"
RULE = "feedback-dated-later"


def _check(root: Path, monkeypatch: pytest.MonkeyPatch, threshold: str, today: date = TODAY) -> CheckResult:
    """threshold "off": every export is loaded by Python; "0": the CSV export goes to DuckDB (tests/test_big_csv.py)."""
    with monkeypatch.context() as patched:
        patched.setenv(csvstore.THRESHOLD_VARIABLE, threshold)
        return check_repository(root, today, 1)


def _dated_later(result: CheckResult) -> list[str]:
    return [d.as_text() for d in result.diagnostics if d.rule == RULE]


def _redate(root: Path, path: str, line: int, day: str) -> None:
    """Give the row on this line of a CSV or JSONL export another date."""
    lines = (root / path).read_text(encoding="utf-8").split("\n")
    old = lines[line - 1]
    written = old.split(",")[1] if path.endswith(".csv") else old.split('"date": "')[1][:10]
    assert len(written) == 10 and written.startswith("202"), old
    lines[line - 1] = old.replace(written, day, 1)
    (root / path).write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
def test_the_example_as_of_today_has_no_row_dated_later(example: Path, monkeypatch: pytest.MonkeyPatch,
                                                        threshold: str) -> None:
    assert _dated_later(_check(example, monkeypatch, threshold)) == []


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
def test_rows_of_a_csv_export_dated_in_the_future_are_one_warning_at_the_latest(
        example: Path, monkeypatch: pytest.MonkeyPatch, threshold: str) -> None:
    _redate(example, CSV, 10, "2062-11-03")    # a typo for 2026
    _redate(example, CSV, 40, "2999-01-01")
    _redate(example, CSV, 55, "2999-01-01")    # as late, further down: the first line of the latest date is named
    _redate(example, CSV, 70, TODAY.isoformat())   # today itself is no later than today
    result = _check(example, monkeypatch, threshold)
    assert (result.backlog.stored_feedback is not None) == (threshold == "0")
    assert _dated_later(result) == [
        f"{CSV}:40:1: warning[{RULE}] 3 rows of this file are dated after today (2026-11-23); the latest is this one, "
        "dated 2999-01-01 — a typo in the year? fix the date; if you are replaying a past day with --today, ignore "
        "this"]
    assert not result.failed()   # a warning: check passes unless --strict


def test_the_duckdb_path_counts_in_duckdb_and_says_what_the_python_path_says(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _redate(example, CSV, 1_200, "2999-01-01")
    by_python, by_duckdb = _check(example, monkeypatch, "off"), _check(example, monkeypatch, "0")
    store = by_duckdb.backlog.stored_feedback
    assert store is not None and not any(row.loc.path == CSV for row in by_duckdb.backlog.feedback)
    assert by_duckdb.facts.dated_later == by_python.facts.dated_later
    assert [d for d in by_duckdb.diagnostics if d.rule == RULE] == [d for d in by_python.diagnostics if d.rule == RULE]
    assert by_duckdb.facts.dated_later[CSV].rows == 1


def test_a_jsonl_row_and_a_hand_written_yaml_row_dated_later_each_warn_in_their_file(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _redate(example, JSONL, 7, "2062-11-03")
    edit(example / YAML, "date: 2026-11-04", "date: 2062-11-04")
    found = [(d.loc.path, d.loc.line, d.severity, d.message) for d in _check(example, monkeypatch, "off").diagnostics
             if d.rule == RULE]
    yaml_line = next(number for number, line in enumerate((example / YAML).read_text().split("\n"), start=1)
                     if "2062-11-04" in line)
    assert [(path, line) for path, line, _, _ in found] == [(JSONL, 7), (YAML, yaml_line - 1)]
    assert {severity for _, _, severity, _ in found} == {Severity.WARNING}
    assert found[0][3] == "this row is dated 2062-11-03, after today (2026-11-23): nobody has said it yet"


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
def test_a_past_day_replayed_gets_one_warning_per_file_not_one_per_row(
        example: Path, monkeypatch: pytest.MonkeyPatch, threshold: str) -> None:
    result = _check(example, monkeypatch, threshold, date(2026, 6, 1))
    later = [d for d in result.diagnostics if d.rule == RULE]
    assert sorted(d.loc.path for d in later) == [JSONL, YAML, CSV]
    csv = result.facts.dated_later[CSV]
    rows = [line for line in (example / CSV).read_text().split("\n")[1:] if line]
    assert csv.rows == sum(line.split(",")[1] > "2026-06-01" for line in rows) > 1_000
    assert csv.latest == max(date.fromisoformat(line.split(",")[1]) for line in rows)


def test_a_cached_check_says_what_a_full_check_says_on_each_day(example: Path) -> None:
    _redate(example, CSV, 40, "2999-01-01")

    def check(*options: str, today: str) -> tuple[int, str]:
        ran = CliRunner().invoke(main, ["check", str(example), "--today", today, *options], catch_exceptions=False)
        return ran.exit_code, ran.stdout

    for today in ("2026-11-23", "2026-06-01", "3000-01-01", "2026-06-01"):
        full = check("--no-cache", today=today)
        assert check(today=today) == full   # the cache's run of another day is never this day's
        assert (f"warning[{RULE}]" in full[1]) == (today != "3000-01-01")


# --- the lists of the newest rows leave them out --------------------------------------------------------------

def _no_markdown(text: str) -> Markup:
    return Markup("")


def _quoted(result: CheckResult) -> dict[str, tuple[FeedbackRow, ...]]:
    """Irritant ID -> the verbatims its page quotes, newest first."""
    return {page.irritant.id: page.verbatims
            for page in internal_view(result.backlog, result.facts, _no_markdown).irritants}


def _themed(result: CheckResult) -> list[FeedbackRow]:
    return [row for themes in result.facts.themes.themes.values() for theme in themes for row in theme.rows]


def _newest_listed(result: CheckResult) -> object:
    """Every list of the newest rows: the inbox's rows and themes, and each irritant page's quotes."""
    return _ids(result.facts.unlinked), _inbox(result.facts), {key: _ids(rows) for key, rows in
                                                                _quoted(result).items()}


def test_rows_dated_later_top_no_list_of_the_newest_rows_in_either_path(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An irritant's quoted verbatim, a themed inbox row and a listed inbox row, each redated 2999: as the newest
    they would lead their lists for good. Whether Python loads the export or DuckDB keeps it, the lists are those
    of the rows said by today, and alike; nor do the unlinked rows' count (the quoted row, linked to its irritant,
    stays linked: it is no unlinked row either)."""
    before = _check(example, monkeypatch, "off")
    irritant, quoted = next((key, row) for key, rows in _quoted(before).items() for row in rows if row.loc.path == CSV)
    themed = next(row for row in _themed(before) if row.loc.path == CSV)
    listed = next(row for row in before.facts.unlinked if row.loc.path == CSV and row.id != themed.id)
    later = {quoted.id, themed.id, listed.id}
    for row in (quoted, themed, listed):
        _redate(example, CSV, row.loc.line, "2999-01-01")
    by_python, by_duckdb = _check(example, monkeypatch, "off"), _check(example, monkeypatch, "0")
    assert by_duckdb.backlog.stored_feedback is not None and by_python.backlog.stored_feedback is None
    for result in (by_python, by_duckdb):
        assert result.facts.dated_later[CSV].rows == 3
        listed_rows = [*result.facts.unlinked, *_themed(result), *(r for rows in _quoted(result).values() for r in rows)]
        assert listed_rows and all(row.date <= TODAY for row in listed_rows)
        assert later.isdisjoint(row.id for row in listed_rows)
        assert result.facts.unlinked_total == before.facts.unlinked_total - 2
    assert _newest_listed(by_duckdb) == _newest_listed(by_python)
    # DuckDB's own choice of the few newest, before the page adds the loaded rows to them
    store = by_duckdb.backlog.stored_feedback
    assert quoted.id not in _ids(store.verbatims(irritant, SAMPLE_VERBATIMS, TODAY))


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
def test_a_score_dated_later_does_not_keep_a_metric_fresh(example: Path, monkeypatch: pytest.MonkeyPatch,
                                                          threshold: str) -> None:
    """The NPS metric is computed from feedback; a 2999 NPS row is its last point, but no data yet (rule
    metric-stale: a metric nobody feeds cannot trigger a decision)."""
    day = date(2027, 1, 20)   # 51 days after November 2026 ended, the example's last month

    def stale() -> list[str]:
        return [d.message for d in _check(example, monkeypatch, threshold, day).diagnostics if d.rule == "metric-stale"]
    before = stale()
    assert "Net Promoter Score has no data after 2026-11: that month ended 51 days ago " \
           "(rules.metric_stale_days is 45)" in before
    line = next(number for number, text in enumerate((example / CSV).read_text().split("\n"), start=1)
                if ",nps," in text)
    _redate(example, CSV, line, "2999-01-01")
    assert stale() == before


# --- the counts are those of the rows said by the "as of" date -------------------------------------------------

REPLAYED = date(2026, 6, 1)   # a past day replayed: five months of the example's rows are dated after it


def _csv_rows(root: Path, change: Callable[[list[list[str]]], list[list[str]]]) -> None:
    """Rewrite the CSV export's rows (its header kept)."""
    with (root / CSV).open(encoding="utf-8", newline="") as read:
        header, *rows = list(csv.reader(read))
    with (root / CSV).open("w", encoding="utf-8", newline="") as written:
        csv.writer(written, lineterminator="\n").writerows([header, *change(rows)])


def _some_unlinked_without_words(rows: list[list[str]]) -> list[list[str]]:
    """Every seventh row that names no irritant loses its verbatim (the example's unlinked rows all have words)."""
    verbatim, irritant = 9, 12   # the export's columns
    return [[*row[:verbatim], "", *row[verbatim + 1:]] if not row[irritant] and n % 7 == 0 else row
            for n, row in enumerate(rows)]


def _without_rows_dated_after(root: Path, day: date) -> None:
    """The example as it stood on day: every feedback row dated after it removed from the CSV, JSONL and YAML
    batches (an irritant's `feedback` list may name a removed row: a reference error, no count)."""
    _csv_rows(root, lambda rows: [row for row in rows if date.fromisoformat(row[1]) <= day])
    lines = (root / JSONL).read_text(encoding="utf-8").splitlines()
    (root / JSONL).write_text("".join(f"{line}\n" for line in lines
                                      if date.fromisoformat(json.loads(line)["date"]) <= day), encoding="utf-8")
    kept = [row for row in yaml.safe_load((root / YAML).read_text(encoding="utf-8")) if row["date"] <= day]
    (root / YAML).write_text(yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _counts(result: CheckResult) -> dict[str, object]:
    """Every figure a row counts in, by the fact that shows it (rows compared by count: the trimmed files' rows
    sit on other lines)."""
    facts = result.facts
    return {
        "evidence": {key: (f.evidence.size, f.evidence.people, f.evidence.segments, f.evidence.sources,
                           f.evidence.customer_references) for key, f in facts.irritants.items()},
        "stages": dict(facts.stages), "segments": dict(facts.segments),
        "stories": {key: story.customers for key, story in facts.stories.items()},
        "audiences": dict(facts.loops),   # whom notify tells: the story's customers who agreed by that day
        "metrics": {key: metric.series for key, metric in facts.metrics.items()},
        "inbox": (facts.unlinked_total, facts.themes.without_verbatim),   # unlinked rows, those without words
    }


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, object]]:
    """(the example as is, or without its rows dated after REPLAYED; the path) -> its counts as of REPLAYED."""
    found = {}
    for kind in ("replayed", "trimmed"):
        root = copy_example(tmp_path_factory.mktemp(kind) / "repo")
        _csv_rows(root, _some_unlinked_without_words)
        if kind == "trimmed":
            _without_rows_dated_after(root, REPLAYED)
        for threshold in ("off", "0"):
            with pytest.MonkeyPatch.context() as patched:
                result = _check(root, patched, threshold, REPLAYED)
            assert (result.backlog.stored_feedback is not None) == (threshold == "0")
            assert bool(result.facts.dated_later) == (kind == "replayed")
            found[(kind, threshold)] = _counts(result)
            assert result.facts.themes.without_verbatim > 0
    return found


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
@pytest.mark.parametrize("count", ["evidence", "stages", "segments", "stories", "audiences", "metrics", "inbox"])
def test_a_past_day_replayed_counts_only_the_rows_said_by_that_day(
        replayed: dict[tuple[str, str], dict[str, object]], count: str, threshold: str) -> None:
    """--today 2026-06-01 on the example: an irritant's rows, customers, segments and sources, each journey stage's
    and segment's volume, complaints and scores, a story's customers (and whom notify tells) and a computed
    metric's months, the inbox's count of unlinked rows (and of those without words) are what they are once the
    rows dated after that day are deleted — not the customers and scores of the five months since. Whether Python loads the CSV export or DuckDB keeps it, the figures are
    alike."""
    assert replayed[("replayed", threshold)][count] == replayed[("trimmed", threshold)][count]
    assert replayed[("replayed", threshold)][count] == replayed[("replayed", "off")][count]


def test_a_replayed_metric_has_no_month_after_the_day(replayed: dict[tuple[str, str], dict[str, object]]) -> None:
    """The chart of the NPS computed from feedback ends in June 2026, the month of the day replayed."""
    for threshold in ("off", "0"):
        series = replayed[("replayed", threshold)]["metrics"]
        assert isinstance(series, dict)
        computed = series["nps"]
        assert computed and computed[-1].period == "2026-06" and computed[0].period == "2025-11"


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
def test_the_public_story_page_counts_no_customer_whose_only_row_is_dated_later(
        example: Path, monkeypatch: pytest.MonkeyPatch, threshold: str) -> None:
    """"15 customers told us", public: a customer whose only row behind the story is a 2999 typo has told us
    nothing yet, and the page says 14."""
    before = _check(example, monkeypatch, "off")
    story, irritant, row = _told_only_once(before)
    shown = before.facts.stories[story].customers
    page = f"{before.facts.addresses.stories[story].path}index.html"
    assert f"{shown} customers told us" in _public(before, example)[page]
    _redate(example, CSV, row.loc.line, "2999-01-01")
    after = _check(example, monkeypatch, threshold)
    assert (after.backlog.stored_feedback is not None) == (threshold == "0")
    assert after.facts.stories[story].customers == shown - 1
    assert row.customer not in after.facts.irritants[irritant].evidence.customer_references
    assert after.facts.irritants[irritant].evidence.size == before.facts.irritants[irritant].evidence.size - 1
    text = _public(after, example)[page]
    assert f"{shown - 1} customers told us" in text and f"{shown} customers told us" not in text


def _told_only_once(result: CheckResult) -> tuple[str, str, FeedbackRow]:
    """A public story with customers, one of its irritants, and a CSV row of that irritant whose customer has no
    other row behind the story."""
    facts = result.facts
    for story_id in facts.addresses.stories:
        irritants = [key for key in result.backlog.stories[story_id].irritants if key in facts.irritants]
        behind = [(key, row) for key in irritants for row in facts.irritants[key].evidence.rows]
        customers = Counter(row.customer for _, row in behind)
        for key, row in behind:
            if row.customer and customers[row.customer] == 1 and row.loc.path == CSV:
                return story_id, key, row
    raise AssertionError("no public story has a customer with a single CSV row")


def _public(result: CheckResult, root: Path) -> dict[str, str]:
    return {name: re.sub(r"\s+", " ", data.decode()) for name, data in
            render_sites(result, root, Audience.PUBLIC)["public"].items() if name.endswith(".html")}
