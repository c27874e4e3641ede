"""A corpus of broken files: each gets a clear diagnostic with its file and line, never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.cli import main
from site_gen.load.yamlsafe import parse_yaml

from .conftest import found, problems, run_check

IRRITANT = "backlog/irritants/broken.yaml"
STORY = "backlog/stories/broken.md"

VALID_IRRITANT = (
    "title: Broken\njourney_stage: payment\nteam: billing\nowner: Jonas Berg\ncause: unknown\n"
    "triage: plan\nstatus: done\nopened: 2026-01-01\ntarget: 2026-02-01\nclosed: 2026-01-20\n"
)
VALID_STORY = (
    "---\ntitle: Broken\ndate: 2026-01-01\nirritants: [helmet-rental]\n---\n\nBody.\n"
)

# name -> (file, bytes, rule, line, words the author needs to see)
CORPUS = {
    "malformed YAML": (IRRITANT, b"title: [unclosed\nteam: app\n", "parse", 1, "opened with '[' on line 1"),
    "tab indentation": (IRRITANT, b"title: x\n\tteam: app\n", "parse", 2, "YAML syntax error"),
    "top level is a list": (IRRITANT, b"- title: x\n", "type", 1, "must be a mapping"),
    "wrong type": (IRRITANT, VALID_IRRITANT.replace("title: Broken", "title: [a, b]").encode(), "type", 1,
                   "must be a single value"),
    "unknown field": (IRRITANT, (VALID_IRRITANT + "ownr: x\n").encode(), "unknown-field", 11, "did you mean"),
    "duplicate keys": (IRRITANT, (VALID_IRRITANT + "title: Again\n").encode(), "duplicate-key", 11,
                       "first on line 1"),
    "impossible date": (IRRITANT, VALID_IRRITANT.replace("2026-01-20", "2026-13-40").encode(), "date", 10,
                        "months run from 01 to 12"),
    "python tag": (IRRITANT, b"title: !!python/object/apply:os.system ['echo pwned']\n", "parse", 1,
                   "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"),
    "custom tag": (IRRITANT, b"title: !secret x\n", "parse", 1, "is not allowed"),
    "binary tag": (IRRITANT, b"title: !!binary aGVsbG8=\n", "parse", 1, "is not allowed"),
    "merge key": (IRRITANT, b"base: &b {title: x}\n<<: *b\n", "parse", 2, "merge keys"),
    "alias bomb": (IRRITANT, (
        b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        b"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"), "parse", None, "alias bomb"),
    "recursive alias": (IRRITANT, b"title: &a [*a]\n", "parse", 1, "refers to itself"),
    "deep flow nesting": (IRRITANT, b"title: " + b"[" * 50_000 + b"]" * 50_000 + b"\n", "parse", 1,
                          "nested more than"),
    "deep block nesting": (IRRITANT, b"title:\n" + b"- " * 50_000 + b"x\n", "parse", 2, "nested more than"),
    "moderately deep nesting": (IRRITANT, b"title: " + b"[" * 200 + b"]" * 200 + b"\n", "parse", 1,
                                "nested more than 64"),
    "empty file": (IRRITANT, b"", "required", 1, "irritant is empty"),
    "only a comment": (IRRITANT, b"# nothing yet\n", "required", 1, "irritant is empty"),
    "invalid UTF-8": (IRRITANT, b"title: ok\nowner: Jos\xe9\n", "parse", 2, "not valid UTF-8"),
    "NUL byte": (IRRITANT, b"title: ok\nteam: a\x00pp\n", "parse", 2, "NUL byte"),
    "two documents": (IRRITANT, b"title: a\n---\ntitle: b\n", "parse", 2, "YAML syntax error"),
    "front matter after a blank line": (STORY, b"\n" + VALID_STORY.encode(), "front-matter", 1, "line 1"),
    "front matter with a BOM": (STORY, b"\xef\xbb\xbf" + VALID_STORY.encode(), "front-matter", 1,
                                "byte-order mark"),
    "front matter never closed": (STORY, b"---\ntitle: x\n\nBody.\n", "front-matter", 1, "never closed"),
    "markdown without front matter": (STORY, b"# Just a story\n", "front-matter", 1, "does not start"),
    "bad YAML in front matter": (STORY, b"---\ntitle: x\ndate: [\n---\nBody\n", "parse", 3, "YAML syntax error"),
    "CSV with a bad column": ("feedback/extra.csv", b"id,date,sorce,journey_stage\nX-1,2026-01-01,survey,payment\n",
                              "unknown-field", 1, "did you mean 'source'?"),
    "CSV with a bad row": ("feedback/extra.csv",
                           b"id,date,source,journey_stage\nX-1,2026-01-01,survey,payment\nX-2,2026-01-01,survey\n",
                           "parse", 3, "row has 3 cells, the header has 4"),
    "CSV with a bad score": ("feedback/extra.csv",
                             b"id,date,source,journey_stage,score_type,score\nX-1,2026-01-01,survey,payment,nps,11\n",
                             "value", 2, "runs from 0 to 10"),
    "CSV with an unclosed quote": ("feedback/extra.csv",
                                   b'id,date,source,journey_stage,verbatim\nX-1,2026-01-01,survey,payment,"oops\n',
                                   "parse", 2, "CSV"),
    "JSONL with a broken line": ("feedback/extra.jsonl",
                                 b'{"id": "X-1", "date": "2026-01-01", "source": "chat", "journey_stage": "payment"}\n{"id": \n',
                                 "parse", 2, "invalid JSON"),
    "JSONL with a wrong type": ("feedback/extra.jsonl",
                                b'{"id": "X-1", "date": "2026-01-01", "source": "chat", "journey_stage": "payment", "score_type": "csat", "score": "5"}\n',
                                "type", 1, "whole number"),
    "JSONL with an impossible date": ("feedback/extra.jsonl",
                                      b'{"id": "X-1", "date": "2026-02-29", "source": "chat", "journey_stage": "payment"}\n',
                                      "date", 1, "February 2026 has 28 days"),
    "JSONL with year zero": ("feedback/extra.jsonl",
                             b'{"id": "X-1", "date": "0000-02-29", "source": "chat", "journey_stage": "payment"}\n',
                             "date", 1, "years run from 0001 to 9999"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_broken_file_gets_a_located_diagnostic(name: str, example: Path) -> None:
    rel, content, rule, line, words = CORPUS[name]
    path = example / rel
    path.write_bytes(content)
    result = run_check(example)
    mine = [d for d in result.diagnostics if d.loc.path == rel and d.rule == rule]
    assert mine, f"expected {rule} in {rel}, got {found(result)}"
    if line is not None:
        assert line in [d.loc.line for d in mine], found(result)
    assert any(words in d.message + " " + d.hint for d in mine), [d.as_text() for d in mine]
    assert all(d.hint for d in mine)
    assert result.failed()


@pytest.mark.parametrize("name", list(CORPUS))
def test_broken_file_never_shows_a_traceback(name: str, example: Path) -> None:
    rel, content, *_ = CORPUS[name]
    (example / rel).write_bytes(content)
    outcome = CliRunner().invoke(main, ["check", str(example), "--today", "2026-11-23"], catch_exceptions=False)
    assert outcome.exit_code == 1
    assert "Traceback" not in outcome.output
    assert rel in outcome.output


@pytest.mark.parametrize("rel, content", [
    ("backlog/irritants/unlock-fails-in-background.yaml", None),   # a line indented by mistake
    ("backlog/irritants/unlock-fails-in-background.yaml", b"title: ok\nowner: Jos\xe9\n"),
    ("backlog/decisions/double-charge-incident.md", b"---\ntitle: x\n\nBody.\n"),
])
def test_a_file_that_does_not_parse_is_one_error_not_one_per_reference(rel: str, content: bytes | None,
                                                                         example: Path) -> None:
    """README: a file too broken to read still counts (1 unreadable); what cites its ID is not a reference error."""
    path = example / rel
    path.write_bytes(content if content is not None else path.read_bytes().replace(b"\nteam:", b"\n  team:"))
    result = run_check(example)
    assert [(path, rule) for path, _, rule in found(result) if rule != "risk-uncovered"] == [
        (rel, "front-matter" if rel.endswith(".md") else "parse")], found(result)
    kind = "irritants" if "irritants" in rel else "decisions"
    assert result.backlog.unreadable_counts() == {kind: 1}


@pytest.mark.parametrize("broken", [
    "teams: [app, ops, support, billing\n",   # a list never closed: the commonest slip
    "",                                        # emptied by mistake
    "- organisation: Kestrel\n",              # a list, not fields
])
def test_a_site_yaml_that_does_not_read_is_one_error_not_one_per_record_naming_its_lists(broken: str,
                                                                                         example: Path) -> None:
    """Its stages, teams, segments and metrics are unknown, not empty: judged against nothing, the example's
    4,006 feedback rows and its metric decisions gave 4,009 reference errors, the one that matters last."""
    site = example / "site.yaml"
    text = site.read_text("utf-8")
    site.write_text(text.replace("teams: [app, ops, support, billing]\n", broken) if broken.startswith("teams")
                    else broken, "utf-8")
    result = run_check(example)
    assert [(path, rule) for path, _, rule in found(result)] == [
        ("site.yaml", "parse" if broken.startswith("teams") else "required" if not broken else "type")]


def test_what_a_person_meant_to_be_read_but_site_gen_skips_is_named(example: Path) -> None:
    """A file where a record folder should be, a folder of records where only files are read, an export saved
    as 'Export.CSV', a link to a folder of exports: each was skipped in silence (a repository whose backlog/stories
    was a file checked 0 stories with no word about it). Notes and READMEs beside the records stay unremarked."""
    import shutil
    shutil.rmtree(example / "backlog/stories")
    (example / "backlog/stories").write_text("moved\n")
    (example / "backlog/notified.csv").unlink()   # it names stories: its references are not what this is about
    (example / "backlog/irritants/2026").mkdir()
    (example / "backlog/irritants/2026/old-one.yaml").write_text("title: x\n")
    (example / "feedback/Export.CSV").write_text("id,date,source,journey_stage\n")
    (example / "feedback/notes.txt").write_text("where the exports come from\n")
    (example / "backlog/decisions/.archive").mkdir()
    (example / "feedback/shared").symlink_to(example / "backlog/decisions")   # a link is never followed
    assert [(d.as_text()) for d in problems(run_check(example)) if d.rule in ("parse", "symlink")] == [
        "backlog/irritants/2026/:1:1: warning[parse] this folder is ignored: site-gen reads the files directly in "
        "backlog/irritants/ — move its files up into backlog/irritants/, or start the folder's name with '.' to keep "
        "it aside",
        "backlog/stories:1:1: error[parse] this is a file where site-gen reads a folder; nothing in it was checked "
        "— move it aside and make backlog/stories/ a folder of files",
        "feedback/Export.CSV:1:1: warning[parse] this file is ignored: site-gen reads .csv files, in lower case — "
        "rename it to Export.csv",
        "feedback/shared:1:1: warning[symlink] this link to a folder is not followed; nothing behind it was read — "
        "copy the files it leads to into feedback/"]


def test_the_c_loader_is_guarded_against_deep_nesting_in_a_separate_process(example: Path) -> None:
    # Without the guard, libyaml's composer overflows the C stack and kills the process outright.
    (example / IRRITANT).write_bytes(b"title: " + b"[" * 60_000 + b"\n")
    process = subprocess.run([sys.executable, "-m", "site_gen", "check", str(example), "--today", "2026-11-23"],
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 1, process.stderr
    assert f"{IRRITANT}:1:1007: error[parse] YAML is nested more than" in process.stdout  # the 1,000th '['


def test_crlf_files_are_read_like_lf_files(example: Path) -> None:
    for path in [example / "backlog/irritants/helmet-rental.yaml", example / "backlog/stories/helmet-discount.md",
                 example / "feedback/interviews.yaml"]:
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert problems(run_check(example)) == []


def test_a_bom_in_a_csv_export_is_accepted(example: Path) -> None:
    # Excel's "CSV UTF-8" starts with a BOM; the header must still read 'id'
    path = example / "feedback/surveys-and-reviews.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert problems(run_check(example)) == []


def test_a_50_mb_file_is_refused_with_its_size(example: Path) -> None:
    path = example / IRRITANT
    with open(path, "wb") as handle:
        handle.write(b"title: x\nsummary: |\n")
        line = b"  " + b"a" * 1000 + b"\n"
        for _ in range(51 * 1024):
            handle.write(line)
    size = path.stat().st_size
    assert size > 50_000_000
    result = run_check(example)
    mine = [d for d in result.diagnostics if d.loc.path == IRRITANT]
    assert [(d.rule, d.loc.line) for d in mine] == [("parse", 1)]
    assert f"file is {size / 2**20:.1f} MiB; the limit for this kind of file is 1 MiB" in mine[0].message


def test_a_symlink_pointing_outside_the_repository_is_refused(example: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("title: from outside\n", encoding="utf-8")
    os.symlink(secret, example / IRRITANT)
    result = run_check(example)
    assert [(d.loc.path, d.loc.line, d.rule) for d in problems(result)] == [(IRRITANT, 1, "symlink")]
    assert "outside the repository" in result.diagnostics[0].message


def test_a_symlink_inside_the_repository_is_followed(example: Path) -> None:
    (example / "shared").mkdir()
    target = example / "shared/helmet-rental.yaml"
    (example / "backlog/irritants/helmet-rental.yaml").rename(target)
    os.symlink(target, example / "backlog/irritants/helmet-rental.yaml")
    assert problems(run_check(example)) == []


def test_a_dangling_symlink_is_reported(example: Path) -> None:
    os.symlink(example / "nowhere.yaml", example / IRRITANT)
    assert [(d.loc.path, d.rule) for d in problems(run_check(example))] == [(IRRITANT, "symlink")]


def test_the_same_id_as_yaml_and_yml_is_a_duplicate(example: Path) -> None:
    source = example / "backlog/irritants/helmet-rental.yaml"
    (example / "backlog/irritants/helmet-rental.yml").write_bytes(source.read_bytes())
    result = run_check(example)
    assert ("backlog/irritants/helmet-rental.yml", 1, "id-duplicate") in found(result)


def test_a_file_name_that_is_not_an_id(example: Path) -> None:
    source = example / "backlog/irritants/helmet-rental.yaml"
    source.rename(example / "backlog/irritants/Helmet Rental.yaml")
    result = run_check(example)
    assert ("backlog/irritants/Helmet Rental.yaml", 1, "id-format") in found(result)


def test_a_bad_feedback_cell_is_pointed_at_by_column(example: Path) -> None:
    (example / "feedback/extra.csv").write_text(
        "id,date,source,journey_stage,verbatim,score_type,score\n"
        'X-1,2026-01-01,survey,payment,"slow, really slow",nps,eleven\n', encoding="utf-8")
    (example / "feedback/extra.jsonl").write_text(
        '{"id": "X-2", "date": "2026-02-30", "source": "chat", "journey_stage": "payment"}\n', encoding="utf-8")
    result = run_check(example)
    assert found(result) == [("feedback/extra.csv", 2, "type"), ("feedback/extra.jsonl", 1, "date")]
    assert [d.loc.col for d in problems(result)] == [55, 15]  # the 'eleven' cell; the "date" key


# --- parse errors point where the mistake is ---------------------------------------------------------------

FRONT = "---\ntitle: Broken\ndate: 2026-01-01\n"  # a story's front matter: YAML line 1 is file line 2

WHERE = {
    "quoted string never closed": (
        IRRITANT, 'title: x\nteam: app\nsummary: "never closed\n\nmore words\n\nowner: x\ncause: y\ntriage: plan\n',
        '3:10: error[parse] YAML syntax error: a quoted string opened on line 3 is never closed '
        '(found the end of the file on line 9)'),
    "single-quoted string never closed": (
        IRRITANT, "title: 'never closed\nteam: app\n",
        "1:8: error[parse] YAML syntax error: a quoted string opened on line 1 is never closed "
        "(found the end of the file on line 2)"),
    "list never closed": (
        IRRITANT, "title: x\nteam: app\nsegments: [commuter, tourist\nowner: x\ncause: y\n",
        "3:11: error[parse] YAML syntax error: a list opened with '[' on line 3 is never closed "
        "(expected ',' or ']' before line 4, column 6)"),
    "list never closed at the end": (
        IRRITANT, "title: x\nteam: app\nsegments: [commuter,\n  tourist\n",
        "3:11: error[parse] YAML syntax error: a list opened with '[' on line 3 is never closed "
        "(found the end of the file on line 4)"),
    "mapping never closed": (
        IRRITANT, "title: x\nextra: {a: 1, b: 2\nteam: app\n",
        "2:8: error[parse] YAML syntax error: a mapping opened with '{' on line 2 is never closed "
        "(expected ',' or '}' before line 3, column 5)"),
    "empty list never closed": (
        IRRITANT, "title: x\nsegments: [\n",
        "2:11: error[parse] YAML syntax error: a list opened with '[' on line 2 is never closed "
        "(found the end of the file on line 2)"),
    "front matter: quoted string never closed": (
        STORY, FRONT + 'summary: "never closed\nirritants: [helmet-rental]\n---\n\nBody.\n',
        "4:10: error[parse] YAML syntax error: a quoted string opened on line 4 is never closed "
        "(found the end of the front matter on line 6)"),
    "front matter: list never closed": (
        STORY, FRONT + "irritants: [helmet-rental\n---\n\nBody.\n",
        "4:12: error[parse] YAML syntax error: a list opened with '[' on line 4 is never closed "
        "(found the end of the front matter on line 5)"),
    "front matter: empty list never closed": (
        STORY, "---\ntitle: x\ndate: [\n---\nBody\n",
        "3:7: error[parse] YAML syntax error: a list opened with '[' on line 3 is never closed "
        "(found the end of the front matter on line 4)"),
    "deep flow nesting below line 1": (
        IRRITANT, "title: x\nteam: app\nsummary: " + "[" * 1500 + "]" * 1500 + "\n",
        "3:1009: error[parse] YAML is nested more than 1000 levels deep"),
    "deep block nesting below line 1": (
        IRRITANT, "title: x\nteam: app\nsegments:\n" + "- " * 50_000 + "x\n",
        "4:2001: error[parse] YAML is nested more than 1000 levels deep"),
    "front matter: deep block nesting": (
        STORY, FRONT + "irritants:\n" + "- " * 50_000 + "x\n---\n\nBody.\n",
        "5:2001: error[parse] YAML is nested more than 1000 levels deep"),
    "nesting beyond 64 levels on its own line": (
        IRRITANT, "title: x\nteam: app\n" + "".join("  " * i + "a:\n" for i in range(70)) + "  " * 70 + "b\n",
        "68:131: error[parse] YAML is nested more than 64 levels deep"),
}


@pytest.mark.parametrize("name", list(WHERE))
def test_a_parse_error_points_at_the_line_of_the_mistake(name: str, example: Path) -> None:
    rel, content, expected = WHERE[name]
    (example / rel).write_text(content, encoding="utf-8")
    outcome = CliRunner().invoke(main, ["check", str(example), "--today", "2026-11-23"], catch_exceptions=False)
    assert outcome.exit_code == 1
    mine = [line for line in outcome.stdout.splitlines() if line.startswith(rel + ":")]
    assert len(mine) == 1, outcome.stdout
    assert mine[0].startswith(f"{rel}:{expected}"), mine[0]


# what a newcomer gets wrong most, said in their words with the fix, not libyaml's ("mapping values are not allowed
# in this context", "found character that cannot start any token")
IN_THEIR_WORDS = {
    "tab before a field": ("title: x\n\towner: Sam\n", 2, 1, "a tab where YAML expects spaces",
                           "replace the tab with spaces"),
    "tab in a block of text": ("summary: |\n\tCustomers wait.\n", 2, 1, "a tab where YAML expects spaces",
                               "replace the tab with spaces"),
    "tab before a list entry": ("feedback:\n\t- T-1\n", 2, 1, "a tab where YAML expects spaces",
                                "replace the tab with spaces"),
    "': ' in a value": ("title: x\ncause: The bank batch runs weekly: every Monday\n", 2, 34,
                        "the value of 'cause' holds ': ', which YAML reads as the start of another field",
                        'put the value in double quotes: cause: "The bank batch runs weekly: every Monday"'),
    "': ' and quotes in a value": ('owner: Sam "the boss": lead  # ask him\n', 1, 22,
                                   "the value of 'owner' holds ': '",
                                   'put the value in double quotes: owner: "Sam \\"the boss\\": lead"'),
}


@pytest.mark.parametrize("name", list(IN_THEIR_WORDS))
def test_a_tab_or_a_colon_in_a_value_is_explained_with_its_fix(name: str) -> None:
    text, line, col, message, hint = IN_THEIR_WORDS[name]
    for offset in (0, 1):   # a record file, and a story's front matter (its YAML starts on line 2)
        _, [problem] = parse_yaml(text, "backlog/x", offset)
        assert (problem.loc.line, problem.loc.col, problem.rule) == (line + offset, col, "parse")
        assert problem.message.startswith(f"YAML syntax error: {message}"), problem.message
        assert problem.hint.startswith(hint), problem.hint


def test_a_colon_in_a_value_after_a_long_run_of_spaces_is_explained_in_linear_time() -> None:
    """The pattern that reads the key and value back for the hint rescanned a run of spaces in the value from each
    of its spaces: 100,000 of them before the ': ' took a minute, so one line could stall a pull request's check."""
    import time
    started = time.perf_counter()
    _, [problem] = parse_yaml("cause: a" + " " * 100_000 + "b: c   # why\n", "backlog/x")
    assert time.perf_counter() - started < 10
    assert problem.hint == 'put the value in double quotes: cause: "a' + " " * 100_000 + 'b: c"'


@pytest.mark.parametrize("field, value", [("id", "X-3\n"), ("journey_stage", "payment\n"), ("team", "ops\n")])
def test_an_id_that_ends_in_a_line_break_is_not_an_id(field: str, value: str, example: Path) -> None:
    """Python's $ also matches before a final line break: an ID pattern must hold to the end of the value."""
    row = {"id": "X-3", "date": "2026-02-03", "source": "chat", "journey_stage": "payment", "team": "ops", field: value}
    (example / "feedback/extra.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = run_check(example)
    assert [(path, line) for path, line, _ in found(result) if path == "feedback/extra.jsonl"] == [
        ("feedback/extra.jsonl", 1)], [str(d) for d in problems(result)]


def test_an_id_written_as_a_name_is_told_how_to_write_it(example: Path) -> None:
    """'team: App' or 'journey_stage: First Ride': the hint gives the ID as site.yaml writes it."""
    irritant = example / "backlog/irritants/helmet-rental.yaml"
    text = irritant.read_text("utf-8")
    text = re.sub(r"(?m)^team: .*$", "team: App", text)
    irritant.write_text(re.sub(r"(?m)^journey_stage: .*$", "journey_stage: First Ride", text), "utf-8")
    hints = {d.message.split("'")[1]: d.hint for d in run_check(example).diagnostics
             if d.rule == "id-format" and d.loc.path.endswith("helmet-rental.yaml")}
    assert hints["team"].startswith("write it as 'app': ")
    assert hints["journey_stage"].startswith("write it as 'first-ride': ")
