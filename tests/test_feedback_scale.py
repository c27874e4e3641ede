"""Feedback at scale: the fast column-wise CSV reader gives exactly what the precise reader gives, and
hands over to it whenever a row needs a located diagnostic."""

from __future__ import annotations

import csv
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from site_gen.check import check_repository
from site_gen.diagnostics import Diagnostic
from site_gen.digest import recent_digests, weekly_digest
from site_gen.facts import Facts, meeting
from site_gen.load import feedback as feedback_loader
from site_gen.load import parquet
from site_gen.load.columns import fast_rows
from site_gen.model import FeedbackRow
from site_gen.notify.contacts import Contact, parse_contacts
from site_gen.notify.plan import plan, select_stories
from site_gen.views.internal import _risk_views
from tests.conftest import copy_example

HEADER = "id,date,source,customer,segment,team,journey_stage,score_type,score,verbatim,consent_public,kind,irritant"


def _export(rows: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    lines = [HEADER]
    for number in range(rows):
        score_type = rng.choice(["nps", "ces", "csat", ""])
        score = {"nps": rng.randrange(11), "ces": rng.randrange(1, 8), "csat": rng.randrange(1, 6), "": ""}[score_type]
        verbatim = rng.choice(["", "Seat would not go down", '"Two lines,\nquoted"', "Brakes felt weak"])
        lines.append(f"FB-{number},2026-{rng.randrange(1, 13):02d}-0{rng.randrange(1, 10)},"
                     f"{rng.choice(['survey', 'ticket'])},{rng.choice(['', 'CUST-1', 'CUST-2'])},"
                     f"{rng.choice(['', 'commuter'])},,{rng.choice(['payment', 'support'])},{score_type},{score},"
                     f"{verbatim},{rng.choice(['', 'true', 'false'])},{rng.choice(['', 'complaint', 'praise'])},")
    return "\n".join(lines) + "\n"


def _precise(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], list[Diagnostic]]:
    with monkeypatch.context() as patched:
        patched.setattr(feedback_loader, "fast_rows", lambda *args: None)
        diagnostics: list[Diagnostic] = []
        return feedback_loader._load_csv(text, "feedback/x.csv", diagnostics), diagnostics


def test_the_fast_reader_builds_exactly_the_rows_and_lines_of_the_precise_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _export(3_000)
    header = HEADER.split(",")
    fast = fast_rows(text, "feedback/x.csv", header)
    precise, problems = _precise(text, monkeypatch)
    assert problems == []
    assert fast is not None and len(fast) == 3_000
    assert fast == precise
    # rows after a quoted two-line verbatim start one line further down: locations are compared too
    assert [row.loc for row in fast] == [row.loc for row in precise]  # type: ignore[attr-defined]
    assert len({row.loc.line for row in fast}) == 3_000
    assert all(row.consent_public in (True, False) for row in fast)   # an empty cell is the default, not None


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_character_python_also_splits_lines_at_stays_inside_its_cell(separator: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """CSV ends rows at line breaks only: a line separator inside a verbatim is text, on the fast path too."""
    rows = _export(200).splitlines()
    rows[50] = f'FB-sep,2026-01-01,survey,,,,payment,,,"Menu{separator}froze",,complaint,'
    text = "\n".join(rows) + "\n"
    fast = fast_rows(text, "feedback/x.csv", HEADER.split(","))
    precise, problems = _precise(text, monkeypatch)
    assert problems == [] and fast is not None
    assert fast == precise and [row.loc for row in fast] == [row.loc for row in precise]  # type: ignore[attr-defined]
    assert [row.verbatim for row in fast if row.id == "FB-sep"] == [f"Menu{separator}froze"]


@pytest.mark.parametrize("bad_row, expected", [
    ("FB-x,2026-13-01,survey,,,,payment,,,,,,", "feedback/x.csv:6:6"),          # impossible date, its column
    ("FB-x,2026-01-01,survey,,,,payment,nps,11,,,,", "feedback/x.csv:6:1"),     # score out of range
    ("FB-x,2026-01-01,survey,,,,payment,nps,,,,,", "feedback/x.csv:6:1"),       # a score type without a score
    ("FB x,2026-01-01,survey,,,,payment,,,,,,", "feedback/x.csv:6:1"),          # not a feedback ID
    ("FB-x,2026-01-01,survey,,,,payment,,,bad \x07 bell,,,", "feedback/x.csv:6:"),  # a control character
    ("FB-x,2026-01-01,survey,,,,payment,,", "feedback/x.csv:6:1"),              # too few cells
    (",2026-01-01,survey,,,,payment,,,,,,", "feedback/x.csv:6:1"),              # no ID
])
def test_a_row_that_needs_a_word_is_reported_at_its_line_as_before(bad_row: str, expected: str) -> None:
    text = _export(2, seed=1).replace('"Two lines,\nquoted"', "one line") + 'FB-q,2026-01-01,survey,,,,payment,,,"a\nb",,,\n'
    text += bad_row + "\n"
    assert fast_rows(text, "feedback/x.csv", HEADER.split(",")) is None
    diagnostics: list[Diagnostic] = []
    feedback_loader._load_csv(text, "feedback/x.csv", diagnostics)
    assert diagnostics and str(diagnostics[0].loc).startswith(expected), diagnostics


# --- Parquet batches through DuckDB --------------------------------------------------------------------

def _synthetic(root: Path, rows: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from synthetic import build
    build(root, 40, 10, 20, rows, seed=3)


def _without_customer_every(path: Path, step: int) -> None:
    """Blank the customer of every step-th row: the anonymous responses of a survey."""
    with path.open(newline="", encoding="utf-8") as file:
        table = list(csv.DictReader(file))
    for row in table[::step]:
        row["customer"] = ""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def _as_parquet(csv_path: Path, out: Path, where: str = "") -> None:
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}', header=true, all_varchar=true) {where}) "
               f"TO '{out}' (FORMAT parquet)")


def test_parquet_rows_give_the_same_figures_as_the_same_rows_in_csv(tmp_path: Path) -> None:
    """One metric definition, two paths: the facts derived from a CSV batch and from the same rows in Parquet
    (half in each of two files, to cross a file boundary) agree on every figure."""
    as_csv, as_parquet = tmp_path / "csv", tmp_path / "parquet"
    _synthetic(as_csv, 6_000)
    _without_customer_every(as_csv / "feedback/export.csv", 7)   # anonymous responses count on both paths
    shutil.copytree(as_csv, as_parquet)
    export = as_parquet / "feedback/export.csv"
    _as_parquet(export, as_parquet / "feedback/2026-10.parquet", "WHERE CAST(split_part(id, '-', 2) AS INT) < 3000")
    _as_parquet(export, as_parquet / "feedback/2026-11.parquet", "WHERE CAST(split_part(id, '-', 2) AS INT) >= 3000")
    export.unlink()
    today = date(2026, 11, 23)
    by_csv, by_parquet = check_repository(as_csv, today, 1), check_repository(as_parquet, today, 1)
    assert by_parquet.errors == 0 and by_parquet.backlog.feedback == ()
    assert by_parquet.backlog.counts() == by_csv.backlog.counts()
    one, other = by_csv.facts, by_parquet.facts
    assert {key: facts.series for key, facts in other.metrics.items()} == \
        {key: facts.series for key, facts in one.metrics.items()}
    assert [m.series for m in one.metrics.values()][0]   # the metric has figures to compare
    assert other.stages == one.stages and other.segments == one.segments
    assert other.customer_references == one.customer_references
    for key, facts in one.irritants.items():
        stored = other.irritants[key].evidence
        assert (stored.size, stored.customers, stored.anonymous, stored.segments, stored.sources) == \
            (facts.evidence.size, facts.evidence.customers, facts.evidence.anonymous, facts.evidence.segments,
             facts.evidence.sources), key
    assert sum(facts.evidence.size for facts in one.irritants.values()) > 100
    assert sum(facts.evidence.anonymous for facts in one.irritants.values()) > 0   # rows without a customer too


def test_a_bad_parquet_row_is_reported_with_its_file_and_row_number(tmp_path: Path) -> None:
    _synthetic(tmp_path, 50)
    export = tmp_path / "feedback/export.csv"
    lines = export.read_text().splitlines()
    header = lines[0].split(",")
    bad = lines[3].split(",")
    bad[header.index("score_type")], bad[header.index("score")] = "nps", "12"
    bad[header.index("journey_stage")] = "checkout"
    lines[3] = ",".join(bad)
    (tmp_path / "bad.csv").write_text("\n".join([lines[0], *lines[1:5], lines[1]]) + "\n")  # row 5 repeats row 1
    _as_parquet(tmp_path / "bad.csv", tmp_path / "feedback/bad.parquet")
    result = check_repository(tmp_path, date(2026, 11, 23), 1)
    found = {(str(d.loc), d.rule) for d in result.diagnostics if d.loc.path == "feedback/bad.parquet"}
    assert ("feedback/bad.parquet:3:1", "value") in found         # nps 12: off the scale
    assert ("feedback/bad.parquet:3:1", "reference") in found     # a journey stage site.yaml does not list
    assert ("feedback/bad.parquet:5:1", "id-duplicate") in found  # the same ID as its row 1
    assert ("feedback/bad.parquet:1:1", "id-duplicate") in found  # and as the CSV's row with that ID
    row = lines[1].split(",")[0]
    assert any(d.rule == "id-duplicate" and f"'{row}' is already used at feedback/export.csv:2:1" in d.message
               for d in result.diagnostics)


def test_without_duckdb_a_parquet_batch_is_a_located_error_that_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB is installed here (the test extra): its absence is simulated at the one seam that asks for it."""
    _synthetic(tmp_path, 20)
    _as_parquet(tmp_path / "feedback/export.csv", tmp_path / "feedback/more.parquet", "WHERE false")
    monkeypatch.setattr(parquet, "available", lambda: False)
    result = check_repository(tmp_path, date(2026, 11, 23), 1)
    [problem] = [d for d in result.diagnostics if d.loc.path == "feedback/more.parquet"]
    assert problem.rule == "parse" and "pip install 'site-gen[duckdb]'" in problem.hint
    assert result.failed()


def test_the_internal_site_counts_parquet_evidence_and_quotes_its_newest_verbatims(tmp_path: Path) -> None:
    _synthetic(tmp_path, 400)
    export = tmp_path / "feedback/export.csv"
    _as_parquet(export, tmp_path / "feedback/all.parquet")
    export.unlink()
    subprocess.run([sys.executable, "-m", "site_gen", "build", str(tmp_path), "--today", "2026-11-23", "--only",
                    "internal", "--out", str(tmp_path / "out")], check=True, capture_output=True)
    result = check_repository(tmp_path, date(2026, 11, 23), 1)
    key, facts = max(result.facts.irritants.items(), key=lambda item: item[1].evidence.size)
    assert facts.evidence.rows == () and facts.evidence.size > 1
    [page] = (tmp_path / "out/internal").glob(f"**/{key}/index.html") or (tmp_path / "out/internal").glob(f"**/{key}.html")
    html = page.read_text()
    assert f"{facts.evidence.size}\u00a0feedback rows from {facts.evidence.customers}\u00a0distinct customers" in html
    newest = duckdb.sql(f"SELECT id FROM '{tmp_path}/feedback/all.parquet' WHERE irritant = '{key}' "
                        "ORDER BY date DESC, id DESC LIMIT 1").fetchall()
    assert newest[0][0] in html


# --- every fact from Parquet, as from CSV: the example's own feedback in both forms ----------------------------

def _example_in_parquet(target: Path) -> Path:
    """The example backlog with its CSV and JSONL batches rewritten as two Parquet files (the same rows, split by
    ID so that a file boundary is crossed); interviews.yaml stays loaded, so loaded and stored rows add up too."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from site_gen.fields import FEEDBACK_FIELDS

    root = copy_example(target)
    loaded = check_repository(root, date(2026, 11, 23), 1).backlog.feedback
    moved = ("feedback/surveys-and-reviews.csv", "feedback/helpdesk-export.jsonl")
    rows = sorted((row for row in loaded if row.loc.path in moved), key=lambda row: row.id)
    names = [field.name for field in FEEDBACK_FIELDS if field.name != "loc"]
    for part, chosen in enumerate((rows[::2], rows[1::2])):
        columns = {name: [getattr(row, name) for row in chosen] for name in names}
        for name in ("source", "score_type", "kind"):
            columns[name] = [None if value is None else str(value) for value in columns[name]]
        pq.write_table(pa.table(columns), root / f"feedback/part-{part}.parquet")
    for path in moved:
        (root / path).unlink()
    return root


def _new_unlinked(facts: Facts, since: date) -> tuple[list[tuple[str, int, int, tuple[str, ...]]], int]:
    """The agenda's new unlinked feedback, by stage (with sample IDs), and how many rows are at no stage of site.yaml."""
    found = meeting.unlinked_since(facts, since, 2)
    return [(s.stage, s.rows, s.complaints, _ids(s.newest)) for s in found.stages], found.off_journey


def _ids(rows: Iterable[FeedbackRow]) -> tuple[str, ...]:
    return tuple(row.id for row in rows)


def _inbox(facts: Facts) -> object:
    inbox = facts.themes
    return ([(kind, [(t.journey_stage, t.wording, t.ids, t.customers, t.segments, t.team, t.recent, t.before,
                      _ids(t.samples), t.command) for t in themes]) for kind, themes in inbox.themes.items()],
            inbox.ungrouped, inbox.without_verbatim, inbox.smallest_open, [t.key for t in inbox.bigger])


def _digests(facts: Facts) -> object:
    backlog = facts.backlog
    digests = recent_digests(backlog.feedback, backlog.config.journey_stages, facts.as_of,
                             stored=backlog.stored_feedback)
    week = weekly_digest(backlog.feedback, backlog.config.journey_stages, date(2026, 11, 9), backlog.stored_feedback)
    return [(d.monday, d.stages, d.movers, _ids(d.complaints), _ids(d.praise), d.total, d.total_before)
            for d in [*digests, week]]


def _effects(facts: Facts) -> object:
    return {key: (f.effect, f.recurrence and (f.recurrence.since, f.recurrence.days, f.recurrence.complaints,
                                              _ids(f.recurrence.newest), f.recurrence.rate, f.recurrence.share),
                  f.loop_open_days, f.evidence.size, f.evidence.customers)
            for key, f in facts.irritants.items()}


def test_the_example_gives_the_same_inbox_effects_risks_digests_and_audiences_from_parquet(tmp_path: Path) -> None:
    """One definition per fact: the example's feedback loaded from CSV and JSONL, and the same rows kept in
    Parquet (read by DuckDB, never all loaded), give the same facts everywhere a row counts: inbox themes and
    the unlinked list, before/after effects and recurrences, risk signals and the rows they name, the journey
    map, digests, the agenda's inbox and voices, and who notify writes to."""
    today = date(2026, 11, 23)
    by_csv = check_repository(copy_example(tmp_path / "csv"), today, 1)
    by_parquet = check_repository(_example_in_parquet(tmp_path / "parquet"), today, 1)
    assert by_parquet.backlog.stored_feedback is not None and by_parquet.errors == 0
    assert len(by_parquet.backlog.feedback) < 100 < by_parquet.backlog.stored_feedback.rows()
    one, other = by_csv.facts, by_parquet.facts

    assert _inbox(other) == _inbox(one)
    assert one.themes.complaints and one.themes.bigger            # the example's big themes are there to compare
    assert other.unlinked_total == one.unlinked_total > len(one.unlinked)   # the newest are listed, all counted
    assert _ids(other.unlinked) == _ids(one.unlinked)
    assert _effects(other) == _effects(one)
    assert any(f.recurrence for f in one.irritants.values()) and any(f.effect for f in one.irritants.values())
    assert other.stage_effects == one.stage_effects and one.stage_effects
    assert other.risks == one.risks and any(r.rows for r in one.risks)
    assert [(view.signal, _ids(view.rows)) for view in _risk_views(other.risks, other.backlog, {})] == \
        [(view.signal, _ids(view.rows)) for view in _risk_views(one.risks, one.backlog, {})]
    assert other.journey == one.journey
    assert _digests(other) == _digests(one)
    since = date(2026, 11, 1)
    assert _new_unlinked(other, since) == _new_unlinked(one, since)
    assert _ids(meeting.fresh_voices(other, since)) == _ids(meeting.fresh_voices(one, since))
    assert other.loops == one.loops and any(loop.audience.to_tell for loop in one.loops.values())
    assert other.stories == one.stories
    contacts = parse_contacts((Path(__file__).parent / "example-contacts.csv").read_text()).by_customer
    assert _recipients(other, contacts) == _recipients(one, contacts) and _recipients(one, contacts)


def test_the_agenda_counts_the_new_rows_of_its_window_in_parquet_as_in_csv(tmp_path: Path) -> None:
    """A replayed meeting's window ends on its day: rows kept in Parquet dated after it are not new yet."""
    replayed, since = date(2026, 11, 15), date(2026, 11, 8)
    by_csv = check_repository(copy_example(tmp_path / "csv"), replayed, 1).facts
    by_parquet = check_repository(_example_in_parquet(tmp_path / "parquet"), replayed, 1).facts
    expected = sum(since < row.date <= replayed for row in by_csv.backlog.feedback)
    assert meeting.new_rows(by_parquet, since) == meeting.new_rows(by_csv, since) == expected > 0


def test_the_agenda_says_apart_new_parquet_rows_at_no_journey_stage_of_site_yaml(tmp_path: Path) -> None:
    """A Parquet batch's new unlinked rows: one names a stage site.yaml does not list, one names none. No stage line
    counts them, so the agenda must not call every new row linked: it counts the first among the off-journey rows
    and the second among the rows it could not read, as for CSV rows (tests/test_ritual.py)."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from site_gen.agenda import build_agenda, render_markdown

    root = _example_in_parquet(tmp_path / "parquet")
    day = date(2026, 12, 18)
    pq.write_table(pa.table({"id": ["PQ-1", "PQ-2"], "date": [day, day], "source": ["survey", "survey"],
                             "journey_stage": ["paymnet", None], "kind": ["complaint", "complaint"],
                             "verbatim": ["Charged twice", "The map is blank"]}), root / "feedback/late.parquet")
    agenda = build_agenda(check_repository(root, date(2026, 12, 20), 1).facts)
    section = render_markdown(agenda).split("## 5. New feedback no irritant covers\n")[1].split("\n## 6.")[0]
    assert "1\u00a0feedback row could not be read" in section and "every new row is linked" not in section
    assert "1\u00a0new unlinked row names a journey stage that site.yaml does not list" in section
    assert (agenda.new_rows, agenda.inbox.items, agenda.off_journey, agenda.unread_rows) == (1, (), 1, 1)


def _recipients(facts: Facts, contacts: dict[str, Contact]) -> list[tuple[str, str, int]]:
    """notify's recipients of every published story, as `site-gen notify` plans them."""
    stories = select_stories(facts.backlog, facts, None, None)
    return [(p.story.id, r.contact.customer, p.no_address) for p in plan(facts.backlog, facts, stories, contacts)
            for r in p.recipients]


def test_commands_that_read_rows_find_them_in_parquet_as_in_csv(tmp_path: Path) -> None:
    """`site-gen feedback` searches Parquet rows with the same test as CSV rows; a theme's command may cite a
    Parquet row; `import` does not add again a row whose ID a Parquet batch holds."""
    as_csv, as_parquet = copy_example(tmp_path / "csv"), _example_in_parquet(tmp_path / "parquet")

    def site_gen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "site_gen", *args], cwd=root, capture_output=True, text=True,
                              env={**os.environ, "SITE_GEN_CUSTOMER_KEY": "k" * 32})

    for args, shown in ((("feedback", "seat", "--format", "json", "--limit", "7"), 2 + 7 * 11),
                        (("feedback", "brakes", "hill", "--stage", "first-ride", "--unlinked", "--limit", "5"), 6)):
        by_csv, by_parquet = site_gen(as_csv, *args), site_gen(as_parquet, *args)
        assert (by_parquet.stdout, by_parquet.stderr) == (by_csv.stdout, by_csv.stderr)
        assert len(by_csv.stdout.splitlines()) == shown   # as many rows as --limit: the newest of many
    outcome = site_gen(as_parquet, "new", "irritant", "--title", "Seat will not go down", "--stage", "first-ride",
                       "--team", "ops", "--owner", "Jonas Berg", "--from-feedback", "SRV-1101-0002",
                       "--repo", str(as_parquet), "--today", "2026-11-23")
    assert outcome.returncode == 0, outcome.stderr
    export = tmp_path / "export.csv"
    export.write_text("Ref,When,Comment\nA-1,2026-11-19,Seen before\nA-2,2026-11-20,Seen before too\n")
    imported = ("import", str(export), "--repo", str(as_parquet), "--map", "Ref=id", "--map", "When=date",
                "--map", "Comment=verbatim", "--stage", "payment", "--source", "chat", "--out", "feedback/new.csv")
    assert site_gen(as_parquet, *imported).returncode == 0
    _as_parquet(as_parquet / "feedback/new.csv", as_parquet / "feedback/imported.parquet")   # moved to the store
    (as_parquet / "feedback/new.csv").unlink()
    export.write_text(export.read_text() + "A-3,2026-11-21,Not seen\n")
    outcome = site_gen(as_parquet, *imported)
    assert outcome.returncode == 0, outcome.stderr
    assert [line.split(",")[0] for line in (as_parquet / "feedback/new.csv").read_text().splitlines()[1:]] == \
        ["import:A-3"]
