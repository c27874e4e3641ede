"""Inputs that once gave a traceback, a hang or a misleading screen: each now gives one clear message.

Every test drives the command line (CliRunner, or `python -m site_gen` in a subprocess when the fault
is in the process's own streams, blocks, or needs another user's files) and asserts the message, the
exit code, and that no traceback reaches the user.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.cli import main
from site_gen.fields import IRRITANT_FIELDS

from .conftest import beyond_example_warnings, copy_example, edit

TODAY = ["--today", "2026-11-23"]


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def run_module(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_gen", *args], capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


# --- folders that cannot be read --------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["backlog/irritants", "feedback/2025"])
def test_an_unreadable_folder_is_a_located_parse_error(folder: str, example: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, and chmod does not stop root: the PermissionError the kernel would raise for
    another user is injected where site-gen lists a folder (os.scandir, and os.listdir for good measure)."""
    (example / "feedback/2025").mkdir()
    (example / "feedback/2025/old.jsonl").write_text("", encoding="utf-8")
    denied = str(example / folder)

    def guarded(real):
        def listing(path=".", *args):
            if os.fspath(path) == denied:
                raise PermissionError(13, "Permission denied", denied)
            return real(path, *args)
        return listing

    monkeypatch.setattr(os, "scandir", guarded(os.scandir))
    monkeypatch.setattr(os, "listdir", guarded(os.listdir))
    outcome = invoke("check", str(example), *TODAY)
    monkeypatch.undo()
    assert outcome.exit_code == 1
    assert "Traceback" not in outcome.output
    assert (f"{folder}/:1:1: error[parse] cannot read folder: Permission denied; its files were not checked"
            " — give this user read and execute permission on the folder") in outcome.stdout.splitlines()


# --- files that are not regular files -------------------------------------------------------------------

def test_a_named_pipe_or_socket_in_the_backlog_is_skipped_without_being_opened(example: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Opening a FIFO for reading blocks until a writer comes: before, `check` hung here forever.
    os.mkfifo(example / "backlog/irritants/pipe.yaml")
    os.mkfifo(example / "feedback/pipe.jsonl")
    monkeypatch.chdir(example)  # a socket's path must be short: bind it relative to the repository
    listener = socket.socket(socket.AF_UNIX)
    listener.bind("backlog/stories/socket.md")
    try:
        process = run_module("check", str(example), *TODAY, timeout=30)
    finally:
        listener.close()
    assert process.returncode == 1, process.stderr
    assert b"Traceback" not in process.stderr
    assert beyond_example_warnings(process.stdout.decode().splitlines()) == [
        "backlog/irritants/pipe.yaml:1:1: error[parse] not a regular file (a named pipe); skipped without reading it"
        " — keep only ordinary text files under backlog/ and feedback/",
        "backlog/stories/socket.md:1:1: error[parse] not a regular file (a socket); skipped without reading it"
        " — keep only ordinary text files under backlog/ and feedback/",
        "feedback/pipe.jsonl:1:1: error[parse] not a regular file (a named pipe); skipped without reading it"
        " — keep only ordinary text files under backlog/ and feedback/",
    ]


# --- "today" and SOURCE_DATE_EPOCH ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9000-12-31x", "9001-01-01", "9999-12-31"])
def test_a_today_outside_the_supported_range_is_a_usage_error(command: str, day: str, example: Path,
                                                               tmp_path: Path) -> None:
    outcome = invoke(command, str(example), "--today", day, *(["--out", str(tmp_path / "out")]
                                                               if command == "build" else []))
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output
    if day.endswith("x"):
        assert "'9000-12-31x' is not a date — write dates as YYYY-MM-DD, e.g. 2026-10-31" in outcome.stderr
    else:
        assert (f"Invalid value for '--today': {day} is outside the dates site-gen handles "
                "(1900-01-01 to 9000-12-31)") in outcome.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("day, says", [
    ("2026-02-30", "2026-02-30 is not a real date — February 2026 has 28 days"),
    ("31/12/2026", "'31/12/2026' is not a date — write dates as YYYY-MM-DD: 2026-12-31"),
    ("", "'' is not a date — write dates as YYYY-MM-DD, e.g. 2026-10-31"),
])
def test_a_today_that_is_not_a_date_says_why_as_check_does_in_a_file(day: str, says: str, example: Path) -> None:
    """Click said "'2026-02-30' does not match the format '%Y-%m-%d'", which it does: the day is what is wrong."""
    outcome = invoke("check", str(example), "--today", day)
    assert outcome.exit_code == 2
    assert f"Invalid value for '--today': {says}" in outcome.stderr


@pytest.mark.parametrize("day", ["1900-01-01", "9000-12-31"])
def test_the_ends_of_the_supported_range_build(day: str, example: Path, tmp_path: Path) -> None:
    outcome = invoke("build", str(example), "--today", day, "--out", str(tmp_path / "out"))
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "out/internal/index.html").is_file()


@pytest.mark.parametrize("epoch, why", [
    ("99999999999999999999", "is outside the dates site-gen handles (1900-01-01 to 9000-12-31)"),
    ("253402300800", "is outside the dates site-gen handles (1900-01-01 to 9000-12-31)"),  # 10000-01-01
    ("abc", "must be a whole number of seconds since 1970-01-01 UTC"),
    ("1.5e9", "must be a whole number of seconds since 1970-01-01 UTC"),
])
def test_an_unusable_source_date_epoch_names_the_variable(epoch: str, why: str, example: Path,
                                                          tmp_path: Path) -> None:
    outcome = invoke("build", str(example), "--out", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": epoch})
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output
    assert f"SOURCE_DATE_EPOCH={epoch!r} {why}" in outcome.stderr
    assert not (tmp_path / "out").exists()


def test_a_valid_source_date_epoch_sets_today(example: Path, tmp_path: Path) -> None:
    outcome = invoke("build", str(example), "--out", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": "1795392000"})
    assert outcome.exit_code == 0, outcome.output
    assert "23 November 2026" in (tmp_path / "out/internal/index.html").read_text("utf-8")


# --- JSONL rows ------------------------------------------------------------------------------------------------

ROW = '{"id": "X-1", "date": "2026-01-01", "source": "chat", "journey_stage": "payment"'


@pytest.mark.parametrize("line, expected", [
    (ROW + ', "score_type": "nps", "score": ' + "7" * 5000 + "}",
     "feedback/extra.jsonl:2:113: error[parse] a number with 5,000 digits; Python reads at most 4,300"
     " — each line holds one JSON object of text, dates and small numbers"),
    (ROW + ', "source": "email"}',
     "feedback/extra.jsonl:2:83: error[duplicate-key] field 'source' appears twice in this object"
     " — keep one of them; JSON readers would otherwise silently use the last"),
    (ROW + ', "verbatim": {"a": 1, "a": 2}}',
     "feedback/extra.jsonl:2:104: error[duplicate-key] field 'a' appears twice in this object"
     " — keep one of them; JSON readers would otherwise silently use the last"),
])
def test_a_jsonl_row_json_cannot_hold_safely_is_a_located_error(line: str, expected: str, example: Path) -> None:
    (example / "feedback/extra.jsonl").write_text(ROW + "}\n" + line + "\n", encoding="utf-8")
    outcome = invoke("check", str(example), *TODAY)
    assert outcome.exit_code == 1
    assert "Traceback" not in outcome.output
    assert beyond_example_warnings(outcome.stdout.splitlines()) == [expected]


# --- terminals that cannot show every character ---------------------------------------------------------

@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_output_falls_back_to_replacement_characters(encoding: str, example: Path) -> None:
    edit(example / "backlog/irritants/helmet-rental.yaml", "owner:", "ownr:")
    process = run_module("check", str(example), *TODAY, env={"PYTHONIOENCODING": encoding})
    assert process.returncode == 1
    assert b"Traceback" not in process.stderr
    line = process.stdout.decode("utf-8").splitlines()[0]  # ascii and latin-1 replacements are valid UTF-8
    assert line in [
        # Python replaces what the terminal cannot show with '?'; click writes UTF-8 to a terminal that says ascii
        "backlog/irritants/helmet-rental.yaml:7:1: error[unknown-field] unknown field 'ownr' in irritant"
        f" {dash} did you mean 'owner'?" for dash in ("?", "—")]
    assert "1 error(s), 2 warning(s)" in process.stderr.decode()   # the example's deliberate warnings


# --- git refusing the checkout ------------------------------------------------------------------------------

def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
                   check=True, capture_output=True)


def test_git_refusing_a_checkout_of_another_user_is_said_once(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "example")
    for folder, dirs, files in os.walk(root):  # git (>= 2.35.2) refuses a repository another user owns
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.chown(name, 12345, 12345)
    home = tmp_path / "home"
    home.mkdir()
    process = run_module("build", str(root), "--out", str(tmp_path / "out"),
                         env={"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "XDG_CONFIG_HOME": str(home)})
    assert process.returncode == 0, process.stderr
    stderr = process.stderr.decode()
    assert "Traceback" not in stderr
    warning = (f"warning: git refuses to read {root} because another user owns it (\"dubious ownership\"), "
               "so the internal site shows no change history. If you trust "
               f"this checkout: git config --global --add safe.directory {root}")
    assert stderr.splitlines().count(warning) == 1, stderr
    assert "No git history" in (tmp_path / "out/internal/irritants/helmet-rental/index.html").read_text("utf-8")


# --- control characters cannot repaint the terminal ---------------------------------------------------------

def _crafted(example: Path) -> None:
    source = example / "backlog/irritants/helmet-rental.yaml"
    # a file name with an ESC sequence and a bidi isolate, and a key with ESC, RLO and a C1 CSI in it
    source.with_name("helmet\x1b[2K\u2066.yaml").write_bytes(source.read_bytes())
    edit(source, "owner:", '"ownr\\e[2K\\e[1A\\u202e\\x9b":')


KNOWN = "known fields: " + ", ".join(field.name for field in IRRITANT_FIELDS)


def test_control_characters_in_text_output_are_escaped(example: Path) -> None:
    _crafted(example)
    outcome = invoke("check", str(example), *TODAY)
    assert outcome.exit_code == 1
    assert beyond_example_warnings(outcome.stdout.splitlines()) == [
        "backlog/irritants/helmet\\x1b[2K\\u2066.yaml:1:1: error[id-format] file name 'helmet\\x1b[2K\\u2066.yaml' "
        "is not a valid irritant ID — rename the file using lower-case letters, digits and hyphens, "
        "e.g. slow-unlock.yaml",
        "backlog/irritants/helmet-rental.yaml:7:1: error[unknown-field] unknown field "
        f"'ownr\\x1b[2K\\x1b[1A\\u202e\\x9b' in irritant — {KNOWN}",
        # the copy also claims the original's public address; the other file's name is escaped in the message too
        "backlog/irritants/helmet-rental.yaml:16:7: error[slug-duplicate] slug 'renting-a-helmet-at-the-station' is "
        "already the address of backlog/irritants/helmet\\x1b[2K\\u2066.yaml:16:7 — every public story and item "
        "needs its own slug: choose another one",
    ]


def test_every_character_the_text_output_escapes_is_one_python_calls_unprintable() -> None:
    """escape_text leaves a printable text as it is without running its expression: that is exact only if no
    character the expression escapes is printable. Every code point is tried."""
    from site_gen.diagnostics import _UNSAFE, escape_text

    escaped = [chr(code) for code in range(0x110000) if _UNSAFE.match(chr(code))]
    assert len(escaped) > 60 and not any(char.isprintable() for char in escaped)
    assert escape_text("plain — text") == "plain — text"
    assert escape_text("a\u2066b\x1b") == "a\\u2066b\\x1b"   # the shortcut does not skip a non-printable text


def test_control_characters_in_github_and_json_output_are_escaped(example: Path) -> None:
    _crafted(example)
    github = invoke("check", str(example), *TODAY, "--format", "github").stdout
    assert "file=backlog/irritants/helmet\\x1b[2K\\u2066.yaml" in github
    assert "unknown field 'ownr\\x1b[2K\\x1b[1A\\u202e\\x9b' in irritant" in github
    raw = invoke("check", str(example), *TODAY, "--format", "json").stdout
    messages = [d["message"] for d in json.loads(raw)["diagnostics"]]
    assert "unknown field 'ownr\x1b[2K\x1b[1A\u202e\x9b' in irritant" in messages  # the exact text, for tools
    for output in (github, raw):
        assert not any(char in output for char in "\x1b\x9b\u202e\u2066"), output


def test_a_scored_row_in_the_last_month_there_is_does_not_break_the_metrics(example: Path, tmp_path: Path) -> None:
    """December 9999 has no next month: a scored row dated then once ended check and build in a traceback
    (facts/scores.py, the last day of a metric's period)."""
    export = example / "feedback/surveys-and-reviews.csv"
    with export.open("a", encoding="utf-8") as out:
        out.write("SRV-FAR-1,9999-12-31,survey,CUST-1,commuter,ops,payment,nps,7,Far away,,complaint,,\n")
    checked = invoke("check", str(example), *TODAY)
    built = invoke("build", str(example), *TODAY, "--out", str(tmp_path / "out"))
    assert checked.exit_code == 0 and built.exit_code == 0, checked.output + built.output
    assert (tmp_path / "out/internal/index.html").is_file()


def test_output_to_a_full_disk_is_one_line_not_a_traceback(example: Path) -> None:
    """`site-gen check > report.txt` on a full disk: the system's refusal in one line, and a failing exit code."""
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "site_gen", "check", str(example), "--today", "2026-11-23"],
                             stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1] == "Error: No space left on device"
