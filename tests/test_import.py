"""`site-gen import`: each preset's sample (same layout as the real exports, invented content) becomes exact feedback
rows that pass `site-gen check`; importing again adds nothing, an overlapping export adds only its new rows; addresses
never land under the repository."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from site_gen.cli import main
from site_gen.importer.customers import KEY_VARIABLE, customer_reference
from site_gen.notify.contacts import parse_contacts

from .conftest import copy_example, nested_parentheses

SAMPLES = Path(__file__).parent / "fixtures" / "imports"
KEY = "test-key-0123456789abcdef0123456789"
SITE = """organisation: Kestrel Test
public: {base_url: https://example.org/changes/, language: en}
journey_stages: [discover, sign-up, first-ride, payment, support]
teams: [app, support]
segments: [commuter, tourist]
"""
ADDRESS = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
HEADER = "id,date,source,customer,segment,team,journey_stage,score_type,score,verbatim,consent_public,kind,irritant," \
         "contact_ok"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "feedback").mkdir(parents=True)
    (root / ".git").mkdir()   # where the repository ends, as in a real clone
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    return root


def run(repo: Path, *args: str, key: str | None = KEY) -> Result:
    env = {KEY_VARIABLE: key} if key is not None else {KEY_VARIABLE: ""}
    return CliRunner().invoke(main, ["import", "--repo", str(repo), *args], env=env, catch_exceptions=False)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def checked(repo: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(repo), "--today", "2026-11-20"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "No problems in" in result.output or "\n0 error(s)" in result.output


def no_address_under(repo: Path) -> None:
    for path in repo.rglob("*"):
        if path.is_file():
            assert not ADDRESS.search(path.read_bytes()), path


def ref(address: str) -> str:
    return customer_reference(address, KEY.encode())


def test_typeform_duplicate_other_columns_joined_and_address_replaced(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "typeform.csv"), "--preset", "typeform", "--stage", "sign-up",
                 "--map", "What could we do better=verbatim", "--map", "Other=verbatim")
    assert result.exit_code == 0, result.output
    assert rows(repo / "feedback" / "typeform.csv") == [
        {**dict.fromkeys(HEADER.split(","), ""), "id": "typeform:a1b2c3d4e5f60718293a4b5c6d7e8f90",
         "date": "2026-10-02", "source": "survey", "journey_stage": "sign-up",
         "verbatim": "The seat post slips, write to me at [email]"},
        {**dict.fromkeys(HEADER.split(","), ""), "id": "typeform:b2c3d4e5f60718293a4b5c6d7e8f90a1",
         "date": "2026-10-03", "source": "survey", "journey_stage": "sign-up", "verbatim": "A poster at the station"},
    ]
    assert "Read 3 row(s)" in result.output and "added: 2" in result.output
    assert "row 4: no verbatim and no score" in result.output
    assert "placeholders inserted: 1 [email]" in result.output
    checked(repo)
    no_address_under(repo)


def test_a_preset_without_a_question_mapped_says_to_map_one(repo: Path) -> None:
    """A preset knows its tool's columns, not the survey's questions: 'added: 0' alone leaves the author stuck."""
    result = run(repo, str(SAMPLES / "typeform.csv"), "--preset", "typeform", "--stage", "sign-up")
    assert result.exit_code == 1, result.output
    assert "added: 0" in result.stderr and "row 2, 3, 4: no verbatim and no score" in result.stderr
    assert 'hint: nothing was read as a verbatim or a score — name the question columns with --map' in result.stderr
    mapped = run(repo, str(SAMPLES / "typeform.csv"), "--preset", "typeform", "--stage", "sign-up",
                 "--map", "What could we do better=verbatim")
    assert "added: 1" in mapped.output and "hint: nothing was read" not in mapped.output


def test_an_import_that_skips_every_row_fails_and_leaves_the_batch_file_as_it_was(repo: Path) -> None:
    """'0 added, 3 skipped' is a failed import a CI script must notice (exit 1), with the report still on stderr."""
    batch = repo / "feedback" / "typeform.csv"
    before = b"id,date,source,journey_stage,verbatim\r\nT-1,2026-09-01,survey,sign-up,Hi"   # CRLF, no final newline
    batch.write_bytes(before)
    result = run(repo, str(SAMPLES / "typeform.csv"), "--preset", "typeform", "--stage", "sign-up")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Read 3 row(s)" in result.stderr and "skipped: 3" in result.stderr
    assert "  hint: nothing was read as a verbatim or a score" in result.stderr
    assert result.stderr.rstrip().endswith("Error: nothing was imported: all 3 row(s) were skipped (listed above); "
                                           "nothing was written to feedback/typeform.csv")
    assert batch.read_bytes() == before
    assert sorted(p.name for p in (repo / "feedback").iterdir()) == ["typeform.csv"]   # no temporary file left


def test_an_import_that_adds_some_rows_and_skips_others_succeeds(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "typeform.csv"), "--preset", "typeform", "--stage", "sign-up",
                 "--map", "What could we do better=verbatim", "--kind", "complaint")
    assert result.exit_code == 0, result.output
    assert "added: 1" in result.stderr and "row 3, 4: no verbatim and no score" in result.stderr
    assert "Error" not in result.stderr and "hint:" not in result.stderr


def test_rows_added_without_a_kind_end_the_report_with_a_hint_and_a_command_for_this_file(repo: Path) -> None:
    """Rows without a kind are 'Not classified': complaint themes and their missing-irritant warning never see them."""
    export = str(SAMPLES / "zendesk.csv")
    result = run(repo, export, "--preset", "zendesk", "--stage", "support")
    assert result.exit_code == 0, result.output
    last = result.stderr.rstrip().splitlines()[-1]
    assert last.startswith("  hint: none of the 3 row(s) added has a kind, so they are 'Not classified': complaint "
                           "themes and the warning about a complaint theme missing from the backlog leave them out. "
                           "--kind complaint (or suggestion, praise) gives every row of the file that kind; "
                           '--map "COLUMN=kind" reads it from a column holding complaint, suggestion or praise. '
                           "To classify these, delete feedback/zendesk.csv and import again, e.g. ")
    assert last.endswith(f"site-gen import {export} --preset zendesk --stage support --repo {repo} --kind complaint")
    again = run(repo, str(SAMPLES / "zendesk-next.csv"), "--preset", "zendesk", "--stage", "support")
    assert "remove the 1 row(s) just added to feedback/zendesk.csv and import again" in again.stderr
    classified = run(repo, str(SAMPLES / "typeform.csv"), "--preset", "typeform", "--stage", "sign-up",
                     "--map", "What could we do better=verbatim", "--kind", "praise")
    assert classified.exit_code == 0 and "hint:" not in classified.stderr


def test_qualtrics_three_header_rows_labels_scores_and_preview_left_out(repo: Path, tmp_path: Path) -> None:
    contacts = tmp_path / "outside" / "contacts.csv"
    result = run(repo, str(SAMPLES / "qualtrics.csv"), "--preset", "qualtrics", "--stage", "first-ride",
                 "--map", "CSAT=csat", "--map", "What should we improve?=verbatim", "--contacts-out", str(contacts))
    assert result.exit_code == 0, result.output
    assert "3 header rows" in result.output
    assert [(r["id"], r["date"], r["customer"], r["score_type"], r["score"], r["verbatim"])
            for r in rows(repo / "feedback" / "qualtrics.csv")] == [
        ("qualtrics:R_1aBcDeFgHiJkLmN", "2026-10-05", ref("jonas.meyer@example.org"), "csat", "1",
         "Brakes felt weak. Call me on [phone]"),
        ("qualtrics:R_2bCdEfGhIjKlMnO", "2026-10-06", "", "csat", "4", ""),
    ]
    assert "row 6: a preview, test or spam response (Status)" in result.output
    assert "placeholders inserted: 1 [phone]" in result.output
    book = parse_contacts(contacts.read_text(encoding="utf-8"))
    assert {c.customer: (c.email, c.name) for c in book.by_customer.values()} == {
        ref("jonas.meyer@example.org"): ("jonas.meyer@example.org", "Jonas Meyer")}
    checked(repo)
    no_address_under(repo)


def test_qualtrics_legacy_two_header_rows_with_bom(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "qualtrics-legacy.csv"), "--preset", "qualtrics", "--stage", "first-ride",
                 "--map", "How easy was it to unlock a bike?=ces", "--map", "Q2=verbatim")
    assert result.exit_code == 0, result.output
    assert "UTF-8 with BOM" in result.output and "Qualtrics legacy, 2 header rows" in result.output
    assert [(r["id"], r["date"], r["score_type"], r["score"], r["verbatim"])
            for r in rows(repo / "feedback" / "qualtrics.csv")] == [
        ("qualtrics:R_4dEfGhIjKlMnOpQ", "2026-09-30", "ces", "7", "Unlocking was instant"),
        ("qualtrics:R_5eFgHiJkLmNoPqR", "2026-09-30", "ces", "2", ""),
    ]
    checked(repo)


def test_google_play_utf16_then_an_overlapping_utf8_export_adds_only_the_new_review(repo: Path) -> None:
    first = run(repo, str(SAMPLES / "google-play-utf16.csv"), "--preset", "google-play", "--stage", "discover")
    assert first.exit_code == 0, first.output
    assert "UTF-16LE with BOM" in first.output
    imported = rows(repo / "feedback" / "google-play.csv")
    assert [(r["id"], r["date"], r["source"], r["score_type"], r["score"], r["verbatim"]) for r in imported] == [
        ("google-play:gp:AOqpTOExampleReviewIdOne", "2026-10-08", "review", "csat", "2",
         "Slow unlock\n\nTakes a minute to unlock, every time"),
        (imported[1]["id"], "2026-10-09", "review", "csat", "5", "Super App 😀"),
        ("google-play:gp:AOqpTOExampleReviewIdThree", "2026-10-10", "review", "csat", "1", ""),
    ]
    assert re.fullmatch(r"google-play:h[0-9a-f]{16}", imported[1]["id"])   # no review link: a content hash
    again = run(repo, str(SAMPLES / "google-play-utf16.csv"), "--preset", "google-play", "--stage", "discover")
    assert "added: 0" in again.output and "already present: 3" in again.output
    overlap = run(repo, str(SAMPLES / "google-play-utf8.csv"), "--preset", "google-play", "--stage", "discover")
    assert "added: 1" in overlap.output and "already present: 1" in overlap.output
    assert [r["id"] for r in rows(repo / "feedback" / "google-play.csv")][3:] == [
        "google-play:gp:AOqpTOExampleReviewIdFour"]
    checked(repo)


def test_google_forms_tsv_us_dates_crlf_no_final_newline(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "google-forms.tsv"), "--preset", "google-forms", "--stage", "support",
                 "--map", "How likely are you to recommend=nps", "--map", "What do you like least=verbatim",
                 "--map", "Anything else=verbatim")
    assert result.exit_code == 0, result.output
    assert "tab-separated" in result.output and "dates read as month/day/year" in result.output
    assert [(r["date"], r["score_type"], r["score"], r["verbatim"])
            for r in rows(repo / "feedback" / "google-forms.csv")] == [
        ("2026-10-02", "nps", "9", "Nothing really"),
        ("2026-10-13", "nps", "3", "The app logs me out\n\nemail me: [email]"),
    ]
    assert all(re.fullmatch(r"google-forms:h[0-9a-f]{16}", r["id"]) for r in rows(repo / "feedback" /
                                                                                 "google-forms.csv"))
    assert "row 4: no verbatim and no score" in result.output
    again = run(repo, str(SAMPLES / "google-forms.tsv"), "--preset", "google-forms", "--stage", "support",
                "--map", "How likely are you to recommend=nps", "--map", "What do you like least=verbatim",
                "--map", "Anything else=verbatim")
    assert "added: 0" in again.output and "already present: 2" in again.output
    assert again.exit_code == 0, again.output   # the same export again: its rows are there, row 4 still has nothing
    checked(repo)


def test_surveygizmo_partial_responses_are_left_out(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "surveygizmo.csv"), "--preset", "surveygizmo", "--stage", "first-ride",
                 "--map", "Aspect #=verbatim", "--kind", "complaint")
    assert result.exit_code == 0, result.output
    assert [(r["date"], r["kind"], r["verbatim"]) for r in rows(repo / "feedback" / "surveygizmo.csv")] == [
        ("2026-10-01", "complaint", "Docks are full downtown\n\nHelmet smells"),
        ("2026-10-02", "complaint", "Price went up"),
    ]
    assert "row 3: a partial or disqualified response" in result.output
    checked(repo)


def test_surveymonkey_two_header_rows_and_email_address_as_reference(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "surveymonkey.csv"), "--preset", "surveymonkey", "--stage", "payment",
                 "--map", "How likely is it=nps", "--map", "What should we change?=verbatim")
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["date"], r["customer"], r["score"], r["verbatim"])
            for r in rows(repo / "feedback" / "surveymonkey.csv")] == [
        ("surveymonkey:114000000001", "2026-10-03", ref("ana.silva@example.com"), "10", "Nothing, it is great"),
        ("surveymonkey:114000000002", "2026-10-04", "", "4", "More bikes at Harbour please"),
    ]
    checked(repo)
    no_address_under(repo)


def test_zendesk_requester_email_satisfaction_and_overlap(repo: Path, tmp_path: Path) -> None:
    contacts = tmp_path / "crm" / "contacts.csv"
    result = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support",
                 "--contacts-out", str(contacts))
    assert result.exit_code == 0, result.output
    maria = ref("maria.rossi@example.it")
    assert [(r["id"], r["date"], r["source"], r["customer"], r["score_type"], r["score"], r["verbatim"])
            for r in rows(repo / "feedback" / "zendesk.csv")] == [
        ("zendesk:4101", "2026-10-05", "ticket", maria, "csat", "1", "Charged twice for one ride"),
        ("zendesk:4102", "2026-10-06", "ticket", ref("tom@example.co.uk"), "csat", "5",
         "Dock at Central would not release the bike, call [phone]"),
        ("zendesk:4103", "2026-10-07", "ticket", maria, "", "", "Refund still missing"),  # same customer, any case
    ]
    assert "contacts: 2 new pair(s)" in result.output
    overlap = run(repo, str(SAMPLES / "zendesk-next.csv"), "--preset", "zendesk", "--stage", "support",
                  "--contacts-out", str(contacts))
    assert "added: 1" in overlap.output and "already present: 2" in overlap.output
    assert "contacts: 1 new pair(s)" in overlap.output
    assert [r["id"] for r in rows(repo / "feedback" / "zendesk.csv")] == [
        "zendesk:4101", "zendesk:4102", "zendesk:4103", "zendesk:4104"]
    book = parse_contacts(contacts.read_text(encoding="utf-8"))
    assert sorted(c.name or "" for c in book.by_customer.values()) == ["Li Wei", "Maria Rossi", "Tom Baker"]
    assert oct(contacts.stat().st_mode & 0o777) == "0o600"
    checked(repo)
    no_address_under(repo)


def test_rows_already_in_any_feedback_file_are_not_added_again(repo: Path) -> None:
    (repo / "feedback" / "older.csv").write_text("id,date,source,journey_stage\nzendesk:4101,2026-10-05,ticket,"
                                                 "support\n", encoding="utf-8")
    result = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support")
    assert "added: 2" in result.output and "already present: 1" in result.output
    checked(repo)


def test_appending_keeps_the_existing_header_and_rows(repo: Path) -> None:
    existing = "id,date,source,journey_stage,verbatim,score_type,score,customer\r\nT-1,2026-09-01,ticket,support,Hi,,,"
    (repo / "feedback" / "zendesk.csv").write_bytes(existing.encode())
    result = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support")
    assert result.exit_code == 0, result.output
    written = (repo / "feedback" / "zendesk.csv").read_bytes().decode()
    assert written.startswith(existing + "\r\n")
    assert written.split("\r\n")[1:3] == ["T-1,2026-09-01,ticket,support,Hi,,,",
                                          f"zendesk:4101,2026-10-05,ticket,support,Charged twice for one ride,csat,1,"
                                          f"{ref('maria.rossi@example.it')}"]
    assert not list((repo / "feedback").glob(".*tmp"))   # the temporary file was renamed into place
    checked(repo)


def test_appending_refuses_a_file_without_a_needed_column(repo: Path) -> None:
    (repo / "feedback" / "zendesk.csv").write_text("id,date,source,journey_stage\nT-1,2026-09-01,ticket,support\n",
                                                   encoding="utf-8")
    result = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support")
    assert result.exit_code == 1
    assert "has no column 'customer', 'score_type', 'score', 'verbatim'" in result.output
    assert (repo / "feedback" / "zendesk.csv").read_text() == "id,date,source,journey_stage\nT-1,2026-09-01,ticket," \
                                                             "support\n"


def test_unreadable_rows_are_skipped_by_number_or_refuse_the_import_with_strict(repo: Path) -> None:
    strict = run(repo, str(SAMPLES / "zendesk-broken.csv"), "--preset", "zendesk", "--stage", "support", "--strict")
    assert strict.exit_code == 1
    assert "--strict: 1 row(s) cannot be read, nothing was written: row 3: date 'last tuesday' in column " \
           "'Created at' is not a date" in strict.output
    assert list((repo / "feedback").iterdir()) == []
    lenient = run(repo, str(SAMPLES / "zendesk-broken.csv"), "--preset", "zendesk", "--stage", "support")
    assert lenient.exit_code == 0
    assert "added: 1" in lenient.output and "row 3: date 'last tuesday'" in lenient.output
    checked(repo)


def test_the_keyed_reference_is_stable_and_depends_on_the_key(tmp_path: Path) -> None:
    assert customer_reference("Ana@Example.com ", b"k" * 32) == customer_reference("ana@example.com", b"k" * 32)
    assert customer_reference("ana@example.com", b"k" * 32) != customer_reference("ana@example.com", b"j" * 32)
    assert re.fullmatch(r"cust-[0-9a-f]{20}", customer_reference("ana@example.com", b"k" * 32))


def test_two_imports_with_different_keys_give_different_references(tmp_path: Path) -> None:
    found = []
    for number, key in enumerate((KEY, KEY + "-other")):
        root = tmp_path / f"repo{number}"
        (root / "feedback").mkdir(parents=True)
        (root / "site.yaml").write_text(SITE, encoding="utf-8")
        assert run(root, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support",
                   key=key).exit_code == 0
        found.append(rows(root / "feedback" / "zendesk.csv")[0]["customer"])
    assert found[0] == customer_reference("maria.rossi@example.it", KEY.encode()) != found[1]


def test_no_key_is_a_clear_error_and_nothing_is_written(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support", key=None)
    assert result.exit_code == 2
    assert f"set the environment variable {KEY_VARIABLE}" in result.output and "--key-file" in result.output
    assert nested_parentheses(result.output) == []   # the command to copy is no longer inside an aside
    assert list((repo / "feedback").iterdir()) == []


def test_the_key_file_must_be_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    (repo / "key").write_text("x" * 40)
    inside = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support",
                 "--key-file", str(repo / "key"), key=None)
    assert inside.exit_code == 2 and "inside the repository" in inside.output
    (tmp_path / "key").write_text(KEY + "\n")
    outside = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support",
                  "--key-file", str(tmp_path / "key"), key=None)
    assert outside.exit_code == 0, outside.output
    assert rows(repo / "feedback" / "zendesk.csv")[0]["customer"] == ref("maria.rossi@example.it")


def test_contacts_out_inside_the_repository_is_refused(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support",
                 "--contacts-out", str(repo / "backlog" / "contacts.csv"))
    assert result.exit_code == 2 and "inside the repository" in result.output
    assert list((repo / "feedback").iterdir()) == [] and not (repo / "backlog").exists()


def test_contacts_out_is_what_notify_reads(repo: Path, tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.csv"
    run(repo, str(SAMPLES / "surveymonkey.csv"), "--preset", "surveymonkey", "--stage", "payment",
        "--map", "What should we change?=verbatim", "--contacts-out", str(contacts))
    book = parse_contacts(contacts.read_text(encoding="utf-8"))
    assert book.problems == ()
    assert {k: (c.email, c.name) for k, c in book.by_customer.items()} == {
        ref("ana.silva@example.com"): ("ana.silva@example.com", "Ana Silva")}


@pytest.mark.parametrize(("args", "expected"), [
    (["--preset", "zendsk"], "unknown preset 'zendsk'; did you mean 'zendesk'? presets: google-forms, google-play, "
                             "qualtrics, surveygizmo, surveymonkey, typeform, zendesk"),
    (["--preset", "zendesk", "--map", "Subject=verbatm"], "unknown field 'verbatm'; did you mean 'verbatim'?"),
    (["--preset", "zendesk", "--stage", "checkout"], "--stage 'checkout' is not allowed"),
    (["--preset", "zendesk"], "every feedback row needs a journey stage: give --stage"),
    ([], "give --preset NAME"),
])
def test_usage_errors_name_what_to_do(repo: Path, args: list[str], expected: str) -> None:
    result = run(repo, str(SAMPLES / "zendesk.csv"), *args)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_a_preset_on_the_wrong_file_names_the_missing_column(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "typeform.csv"), "--preset", "zendesk", "--stage", "support")
    assert result.exit_code == 1
    assert "the zendesk preset needs a column 'Created at' for the date, and this file has none" in result.output


def test_a_map_to_a_missing_column_suggests_one(repo: Path) -> None:
    result = run(repo, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support",
                 "--map", "Subjekt=verbatim")
    assert result.exit_code == 1
    assert "the file has no column 'Subjekt' — did you mean 'Subject'?" in result.output


def test_the_generic_mapping_without_a_preset(repo: Path) -> None:
    export = repo.parent / "export.csv"
    export.write_text("Ref;When;Comment;Stage\nA-1;13/10/2026;Great app;payment\nA-2;01/11/2026;;support\n",
                      encoding="cp1252")
    result = run(repo, str(export), "--map", "Ref=id", "--map", "When=date", "--map", "Comment=verbatim",
                 "--map", "Stage=journey_stage", "--source", "chat")
    assert result.exit_code == 0, result.output
    assert "semicolon-separated" in result.output and "dates read as day/month/year" in result.output
    assert [(r["id"], r["date"], r["source"], r["journey_stage"], r["verbatim"])
            for r in rows(repo / "feedback" / "import.csv")] == [("import:A-1", "2026-10-13", "chat", "payment",
                                                                  "Great app")]
    assert "row 3: no verbatim and no score" in result.output
    checked(repo)


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["import", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "--preset zendesk" in result.output


def test_help_lists_every_field_a_column_can_be_read_into() -> None:
    """--map's help is where a user looks for the fields: consent_public was read but not listed."""
    from site_gen.importer.mapping import TARGETS

    listed = " ".join(CliRunner().invoke(main, ["import", "--help"]).output.split())
    fields = listed.split("Read a column into a field (", 1)[1].split(")", 1)[0]
    assert fields.split(", ") == list(TARGETS)


def test_importing_into_the_example_repository_passes_check(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    result = run(root, str(SAMPLES / "zendesk.csv"), "--preset", "zendesk", "--stage", "support")
    assert "added: 3" in result.output
    checked(root)
    assert os.path.getsize(root / "feedback" / "zendesk.csv") > 0


def test_an_export_of_only_previews_and_tests_imports_nothing_and_is_no_failure(repo: Path, tmp_path: Path) -> None:
    """A week whose responses are all the survey tool's previews, tests or spam: the preset leaves each out on
    purpose, so a scheduled import adds nothing and exits 0; rows skipped for want of a mapping still fail it."""
    lines = (SAMPLES / "qualtrics.csv").read_text(encoding="utf-8").splitlines()
    previews = tmp_path / "previews.csv"
    previews.write_text("\n".join(lines[:3] + [line for line in lines[3:] if ",Survey Preview," in line]) + "\n",
                        encoding="utf-8")
    result = run(repo, str(previews), "--preset", "qualtrics", "--stage", "first-ride",
                 "--map", "CSAT=csat", "--map", "What should we improve?=verbatim")
    assert result.exit_code == 0, result.output
    assert "added: 0" in result.stderr and "a preview, test or spam response (Status)" in result.stderr
    assert not (repo / "feedback" / "previews.csv").exists()
    unmapped = run(repo, str(SAMPLES / "qualtrics.csv"), "--preset", "qualtrics", "--stage", "first-ride")
    assert unmapped.exit_code == 1 and "nothing was imported" in unmapped.stderr
