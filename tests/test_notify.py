"""`site-gen notify`: who is told about which story, the .eml files and CSV, and delivery through a real
SMTP server (aiosmtpd, STARTTLS with a self-signed certificate made by openssl) that resumes after a failure."""

from __future__ import annotations

import asyncio
import csv
import email
import errno
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from datetime import date
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from site_gen.build import build
from site_gen.check import check_repository
from site_gen.cli import main
from site_gen.facts import NotifyAudience, derive_facts
from site_gen.load import csvstore, load_backlog
from site_gen.views.public import story_address

from .conftest import REPO, copy_example, found

TODAY = date(2026, 11, 23)
STORY = "no-double-charges"

SITE = """organisation: Kestrel Test
public: {base_url: https://example.org/changes/, language: en}
journey_stages: [payment]
teams: [billing]
"""
IRRITANT = """title: Charged twice
journey_stage: payment
team: billing
owner: Ana
cause: retry
triage: act-now
status: done
opened: 2026-08-01
target: 2026-09-01
closed: 2026-09-15
"""
STORY_MD = """---
title: A ride is charged once
date: 2026-10-01
audience: public
you_said: I was charged twice for one ride.
we_did: We now check for a second charge before taking it.
result: No duplicate charge since October.
irritants: [double-charge]
slug: 2026-10-a-ride-is-charged-once
---
We fixed it.
"""
# ann: agreed, and her newest row without a value does not change that; bob: agreed, then said no;
# cat: never asked; dan: said no, then yes; eve: agreed, already told; fay: agreed, no address;
# gus: two answers the same day that disagree (no wins); hal: agreed, last ledger line an attempt (unknown);
# ivy, jay: agreed. A row without customer counts nobody.
FEEDBACK = """id,date,source,customer,journey_stage,kind,irritant,contact_ok
F01,2026-09-01,ticket,C-ann,payment,complaint,double-charge,true
F02,2026-09-02,ticket,C-bob,payment,complaint,double-charge,true
F03,2026-09-03,ticket,C-bob,payment,complaint,,false
F04,2026-09-04,ticket,C-cat,payment,complaint,double-charge,
F05,2026-09-05,ticket,C-dan,payment,complaint,double-charge,false
F06,2026-09-06,ticket,C-dan,payment,praise,,true
F07,2026-09-07,ticket,C-eve,payment,complaint,double-charge,true
F08,2026-09-08,ticket,C-fay,payment,complaint,double-charge,true
F09,2026-09-09,ticket,C-ann,payment,complaint,double-charge,
F10,2026-09-09,ticket,C-gus,payment,complaint,double-charge,true
F11,2026-09-09,ticket,C-gus,payment,complaint,,false
F12,2026-09-10,ticket,,payment,complaint,double-charge,true
F13,2026-09-11,ticket,C-hal,payment,complaint,double-charge,true
F14,2026-09-12,ticket,C-ivy,payment,complaint,double-charge,true
F15,2026-09-12,ticket,C-jay,payment,complaint,double-charge,true
"""
LEDGER = """story,customer,date,channel,result
no-double-charges,C-eve,2026-10-02,email,attempt
no-double-charges,C-eve,2026-10-02,email,sent
no-double-charges,C-hal,2026-10-02,email,attempt
"""
CONTACTS = """customer,email,name,language,crm_segment
C-ann,ann@example.org,Ann Archer,en,gold
C-bob,bob@example.org,,,gold
C-dan,dan@example.org,Dan Day,,
C-eve,eve@example.org,,,
C-hal,hal@example.org,,,
C-ivy,ivy@example.org,=HYPERLINK("x"),,
C-jay,jay@example.org,Jay,,
"""
TO_TELL = {"ann@example.org", "dan@example.org", "ivy@example.org", "jay@example.org"}
AUDIENCE = NotifyAudience(customers=10, told=("C-eve",), failed=(), unknown=("C-hal",),
                          to_tell=("C-ann", "C-dan", "C-fay", "C-ivy", "C-jay"), not_contactable=3)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "backlog/irritants").mkdir(parents=True)
    (root / "backlog/stories").mkdir()
    (root / "feedback").mkdir()
    (root / "site.yaml").write_text(SITE)
    (root / "backlog/irritants/double-charge.yaml").write_text(IRRITANT)
    (root / f"backlog/stories/{STORY}.md").write_text(STORY_MD)
    (root / "feedback/tickets.csv").write_text(FEEDBACK)
    (root / "backlog/notified.csv").write_text(LEDGER)
    return root


@pytest.fixture
def contacts(tmp_path: Path) -> Path:
    path = tmp_path / "crm" / "contacts.csv"
    path.parent.mkdir()
    path.write_text(CONTACTS)
    return path


def notify(root: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["notify", str(root), "--today", "2026-11-23", *args],
                              catch_exceptions=False, env=env)


def read_eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[return-value]


# --- who is told -------------------------------------------------------------------------------

def test_audience_is_the_customers_behind_the_story_sorted_by_ledger_and_newest_consent(repo: Path) -> None:
    result = check_repository(repo, TODAY)
    assert result.diagnostics == [] or all(d.rule == "loop-open" for d in result.diagnostics)
    assert result.facts.loops[STORY].audience == AUDIENCE


def test_dry_run_writes_one_eml_per_customer_with_an_address_and_a_csv_and_sends_nothing(
        repo: Path, contacts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = notify(repo, "--contacts", str(contacts), "--out", str(out))
    assert outcome.exit_code == 0, outcome.output
    emls = sorted(out.glob("messages/*/*.eml"))
    assert {str(read_eml(p)["To"].addresses[0].addr_spec) for p in emls} == TO_TELL
    assert ("no-double-charges (2026-10-01): 10 customer(s) behind it, 1 told, 1 unknown (attempted, no result), "
            "4 to tell now, 1 agreed but have no address in the contacts, 3 did not agree to be contacted"
            in outcome.stderr)
    assert "nothing was sent" in outcome.stderr
    assert (repo / "backlog/notified.csv").read_text() == LEDGER
    rows = list(csv.DictReader((out / "notify.csv").open(encoding="utf-8")))
    assert {row["email"] for row in rows} == TO_TELL
    assert {row["customer"] for row in rows} == {"C-ann", "C-dan", "C-ivy", "C-jay"}
    # a name that a spreadsheet would run as a formula is defused
    assert next(row for row in rows if row["customer"] == "C-ivy")["name"] == "'=HYPERLINK(\"x\")"
    assert all(row["link"] == "https://example.org/changes/stories/2026-10-a-ride-is-charged-once/" for row in rows)
    assert oct((out / "notify.csv").stat().st_mode & 0o777) == "0o600"


def test_the_message_is_rfc_5322_with_plain_and_html_parts_and_the_story_link(
        repo: Path, contacts: Path, tmp_path: Path) -> None:
    notify(repo, "--contacts", str(contacts), "--out", str(tmp_path / "out"))
    message = read_eml(tmp_path / "out/messages/no-double-charges/c-ann.eml")
    assert str(message["To"]) == "Ann Archer <ann@example.org>"
    assert str(message["From"]) == "Kestrel Test <noreply@example.org>"
    assert str(message["Subject"]) == "You told us, we changed it: A ride is charged once"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.org>")
    assert message["Date"].datetime is not None
    assert message["Content-Language"] == "en"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = story_address(derive_facts(load_backlog(repo, 1)[0], TODAY), STORY)
    assert link == "https://example.org/changes/stories/2026-10-a-ride-is-charged-once/"
    for part in (plain, html):
        assert "Ann Archer" in part
        assert "I was charged twice for one ride." in part
        assert "We now check for a second charge before taking it." in part
        assert "No duplicate charge since October." in part
    assert link in plain
    assert f'<a href="{link}">A ride is charged once</a>' in html
    raw = (tmp_path / "out/messages/no-double-charges/c-ann.eml").read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_a_french_subject_keeps_its_no_break_space_encoded_as_rfc_2047(
        repo: Path, contacts: Path, tmp_path: Path) -> None:
    """The French subject read "nous l’avons changé : …", a plain space before the colon (the mail client could
    break the line there): the subject was put on one line with str.split(), which takes a no-break space for a
    space. The header carries it now, in RFC 2047 encoded words (the raw header is ASCII), and the mail-merge CSV
    says the same subject."""
    (repo / "site.yaml").write_text(SITE.replace("language: en", "language: fr"))
    notify(repo, "--contacts", str(contacts), "--out", str(tmp_path / "out"))
    path = tmp_path / "out/messages/no-double-charges/c-dan.eml"     # Dan gave no language: the site's
    subject = "Vous nous l’avez dit, nous l’avons changé\u00a0: A ride is charged once"
    assert str(read_eml(path)["Subject"]) == subject
    raw = path.read_bytes().split(b"\r\n\r\n")[0]
    assert raw.isascii() and b"=?utf-8?" in raw
    with open(tmp_path / "out/notify.csv", encoding="utf-8", newline="") as handle:
        assert {row["subject"] for row in csv.DictReader(handle) if row["customer"] == "C-dan"} == {subject}


def test_retry_unknown_adds_the_customer_whose_result_is_unknown(repo: Path, contacts: Path, tmp_path: Path) -> None:
    notify(repo, "--contacts", str(contacts), "--out", str(tmp_path / "out"), "--retry-unknown")
    emls = tmp_path.glob("out/messages/*/*.eml")
    assert {str(read_eml(p)["To"].addresses[0].addr_spec) for p in emls} == TO_TELL | {"hal@example.org"}


def test_without_contacts_only_counts(repo: Path) -> None:
    outcome = notify(repo)
    assert outcome.exit_code == 0
    assert "0 to tell now, 5 agreed but have no address" in outcome.stderr
    assert "C-" not in outcome.stderr


# ann agreed, and a row of hers dated 2999 says no; bob said no, and a row of his dated 2999 says yes. Nobody has
# said either yet on 2026-11-23 (rule feedback-dated-later): as the newest answers they would decide for good.
DATED_LATER = """F16,2999-01-01,ticket,C-ann,payment,complaint,double-charge,false
F17,2999-01-01,ticket,C-bob,payment,complaint,double-charge,true
"""


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
def test_an_answer_dated_after_today_does_not_change_who_is_told(
        repo: Path, contacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: str) -> None:
    """Whether Python loads the export or DuckDB keeps it (a large CSV export, as Parquet batches)."""
    with (repo / "feedback/tickets.csv").open("a", encoding="utf-8") as export:
        export.write(DATED_LATER)
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, threshold)
    result = check_repository(repo, TODAY)
    assert (result.backlog.stored_feedback is not None) == (threshold == "0")
    assert [d.rule for d in result.diagnostics if d.rule != "loop-open"] == ["feedback-dated-later"]
    assert result.facts.loops[STORY].audience == AUDIENCE
    outcome = notify(repo, "--contacts", str(contacts), "--out", str(tmp_path / "out"))
    assert outcome.exit_code == 0, outcome.output
    emls = (tmp_path / "out").glob("messages/*/*.eml")
    assert {str(read_eml(p)["To"].addresses[0].addr_spec) for p in emls} == TO_TELL
    assert "4 to tell now, 1 agreed but have no address in the contacts, 3 did not agree" in outcome.stderr


def test_a_contacts_file_inside_the_repository_is_refused(repo: Path) -> None:
    (repo / "contacts.csv").write_text(CONTACTS)
    outcome = notify(repo, "--contacts", str(repo / "contacts.csv"))
    assert outcome.exit_code == 2
    assert "is inside the repository" in outcome.stderr and "never committed" in outcome.stderr


def test_a_contacts_file_in_the_enclosing_git_repository_is_refused(tmp_path: Path) -> None:
    """The backlog may be a folder of a larger repository: anything under its .git top counts as inside."""
    (tmp_path / ".git").mkdir()
    root = tmp_path / "team" / "backlog-repo"
    root.parent.mkdir()
    (tmp_path / "team" / "contacts.csv").write_text(CONTACTS)
    copy_example(root)
    outcome = notify(root, "--contacts", str(tmp_path / "team" / "contacts.csv"))
    assert outcome.exit_code == 2 and "is inside the repository" in outcome.stderr


def test_output_inside_the_repository_is_refused(repo: Path, contacts: Path) -> None:
    outcome = notify(repo, "--contacts", str(contacts), "--out", str(repo / "mail"))
    assert outcome.exit_code == 2 and "inside the repository" in outcome.stderr
    assert not (repo / "mail").exists()


def test_story_and_since_select_published_public_stories(repo: Path, contacts: Path) -> None:
    assert "no-double-charges" in notify(repo, "--since", "2026-10-01").stderr
    assert "No published public story matches." in notify(repo, "--since", "2026-10-02").stderr
    outcome = notify(repo, "--story", "nope")
    assert outcome.exit_code == 2 and "there is no story 'nope'" in outcome.stderr
    assert notify(repo, "--story", STORY, "--since", "2026-10-01").exit_code == 2


def test_notify_refuses_while_check_finds_errors(repo: Path) -> None:
    (repo / "backlog/notified.csv").write_text(LEDGER + "unknown-story,C-ann,2026-10-03,email,sent\n")
    outcome = notify(repo)
    assert outcome.exit_code == 1
    assert "backlog/notified.csv:5:1: error[reference] story 'unknown-story' does not exist" in outcome.stdout


# --- the ledger, checked -----------------------------------------------------------------------

@pytest.mark.parametrize(("lines", "expected"), [
    ("no-double-charges,C-ann,2026-10-01,email,sent\n", [(5, "notify-ledger", "comes after a line dated 2026-10-02")]),
    ("no-double-charges,C-eve,2026-10-03,email,sent\n", [(5, "notify-ledger", "already has the result 'sent'")]),
    ("no-double-charges,C-ann,2026-10-03,email,done\n", [(5, "value", "'result'")]),
    ("no-double-charges,C-ann,2026-10-32,email,sent\n", [(5, "date", "not a real date")]),
    ("no-double-charges,C-ann,2026-10-03,email\n", [(5, "parse", "4 cells, the header has 5")]),
    ("nope,C-ann,2026-10-03,email,sent\n", [(5, "reference", "story 'nope' does not exist")]),
])
def test_ledger_problems_are_located(repo: Path, lines: str, expected: list) -> None:
    (repo / "backlog/notified.csv").write_text(LEDGER + lines)
    result = check_repository(repo, TODAY)
    problems = [(d.loc.line, d.rule, d.message) for d in result.diagnostics
                if d.loc.path == "backlog/notified.csv"]
    assert [(line, rule) for line, rule, _ in problems] == [(line, rule) for line, rule, _ in expected]
    for (_, _, message), (_, _, words) in zip(problems, expected, strict=True):
        assert words in message


def test_an_unknown_ledger_column_is_reported_with_a_suggestion(repo: Path) -> None:
    (repo / "backlog/notified.csv").write_text(LEDGER.replace("channel", "chanel", 1))
    result = check_repository(repo, TODAY)
    messages = [d.as_text() for d in result.diagnostics]
    assert any("backlog/notified.csv:1:21: error[unknown-field] unknown column 'chanel'" in m
               and "did you mean 'channel'" in m for m in messages)


def test_the_ledger_is_never_read_as_feedback(repo: Path) -> None:
    (repo / "backlog/notified.csv").write_text(LEDGER + "no-double-charges,C-only-in-ledger,2026-10-03,phone,sent\n")
    backlog, _ = load_backlog(repo, 1)
    assert len(backlog.feedback) == 15
    assert "C-only-in-ledger" not in check_repository(repo, TODAY).facts.customer_references
    assert [line.customer for line in backlog.notified] == ["C-eve", "C-eve", "C-hal", "C-only-in-ledger"]


# --- loop-open (the notify half) ---------------------------------------------------------------

def test_loop_open_warns_once_the_window_has_passed(repo: Path) -> None:
    inside = check_repository(repo, date(2026, 10, 31))
    assert [d for d in inside.diagnostics if d.rule == "loop-open"] == []
    late = check_repository(repo, TODAY)
    assert found(late) == [("backlog/stories/no-double-charges.md", 3, "loop-open")]
    assert late.diagnostics[0].message == (
        "story 'no-double-charges' was published 53 days ago and 6 customer(s) who agreed to be contacted have not "
        "been told, 1 of them with an unknown result (rules.notify_within_days is 30)")


def test_loop_open_closes_when_everyone_who_agreed_is_in_the_ledger(repo: Path) -> None:
    told = "".join(f"no-double-charges,{c},2026-10-05,phone,sent\n"
                   for c in ("C-ann", "C-dan", "C-fay", "C-hal", "C-ivy", "C-jay"))
    (repo / "backlog/notified.csv").write_text(LEDGER + told)
    assert check_repository(repo, TODAY).diagnostics == []


def test_example_loop_open_only_where_nobody_was_told(example: Path) -> None:
    def stories_not_told() -> set[str]:  # the other half of loop-open (a done irritant without a story) aside
        return {d.loc.path for d in check_repository(example, TODAY).diagnostics
                if d.rule == "loop-open" and d.loc.path.startswith("backlog/stories/")}

    assert stories_not_told() == set()
    (example / "backlog/notified.csv").unlink()
    stories = stories_not_told()
    backlog, _ = load_backlog(example, 1)
    old = {f"backlog/stories/{s.id}.md" for s in backlog.stories.values()
           if s.is_public and (TODAY - s.date).days > 30 and s.id != "helmet-discount"}   # no customer behind it
    assert stories == old


# --- delivery through a real SMTP server -------------------------------------------------------

class Inbox:
    """An aiosmtpd handler that keeps what it receives; can refuse the Nth recipient or hang on the Nth message."""

    def __init__(self, refuse_rcpt: int | None = None, hang_on_data: int | None = None):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse_rcpt, self.hang_on_data = refuse_rcpt, hang_on_data
        self.rcpts = self.datas = 0
        self.hanging = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.rcpts == self.refuse_rcpt:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        if self.datas == self.hang_on_data:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            self.hanging.set()
            await asyncio.sleep(30)   # the client is killed meanwhile: it never hears "250"
        else:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        return [rcpt for _, rcpts, _ in self.received for rcpt in rcpts]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return folder / "cert.pem", folder / "key.pem"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, inbox: Inbox, certificate: tuple[Path, Path] | None):
        context = None
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, certificate))
        self.port = _free_port()
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port, tls_context=context,
                                     require_starttls=context is not None, ready_timeout=10)

    def env(self, certificate: tuple[Path, Path], rate: str = "6000") -> dict[str, str]:
        return {"SITE_GEN_SMTP_HOST": "127.0.0.1", "SITE_GEN_SMTP_PORT": str(self.port),
                "SITE_GEN_SMTP_FROM": "Kestrel Test <loop@example.org>", "SITE_GEN_SMTP_RATE": rate,
                "SITE_GEN_SMTP_CAFILE": str(certificate[0])}

    def __enter__(self) -> Server:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def ledger_lines(repo: Path) -> list[str]:
    return (repo / "backlog/notified.csv").read_text().splitlines()[4:]


def test_send_delivers_each_message_once_over_starttls_and_records_it(
        repo: Path, contacts: Path, certificate: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with Server(inbox, certificate) as server:
        outcome = notify(repo, "--contacts", str(contacts), "--send", env=server.env(certificate))
        assert outcome.exit_code == 0, outcome.output
        assert sorted(inbox.recipients()) == sorted(TO_TELL)
        for mail_from, _, content in inbox.received:
            assert mail_from == "loop@example.org"
            message = email.message_from_bytes(content, policy=policy.default)
            assert str(message["Subject"]) == "You told us, we changed it: A ride is charged once"
            assert "https://example.org/changes/stories/2026-10-a-ride-is-charged-once/" in \
                message.get_body(("plain",)).get_content()
            assert 'href="https://example.org/changes/stories/2026-10-a-ride-is-charged-once/"' in \
                message.get_body(("html",)).get_content()
        assert ledger_lines(repo) == [f"no-double-charges,{c},2026-11-23,email,{result}"
                                      for c in ("C-ann", "C-dan", "C-ivy", "C-jay") for result in ("attempt", "sent")]
        assert "Sent 4, failed 0, deferred 0; 8 line(s) appended" in outcome.stderr

        again = notify(repo, "--contacts", str(contacts), "--send", env=server.env(certificate))
        assert again.exit_code == 0
        assert len(inbox.received) == 4
        assert "Sent 0" in again.stderr
    assert check_repository(repo, TODAY).diagnostics[0].message.startswith(
        "story 'no-double-charges' was published 53 days ago and 2 customer(s)")   # fay (no address) and hal


def test_a_refused_recipient_is_recorded_failed_and_the_rest_are_sent(
        repo: Path, contacts: Path, certificate: tuple[Path, Path]) -> None:
    inbox = Inbox(refuse_rcpt=3)     # ivy
    with Server(inbox, certificate) as server:
        outcome = notify(repo, "--contacts", str(contacts), "--send", env=server.env(certificate))
        assert outcome.exit_code == 1
        assert "failed: no-double-charges / C-ivy: 550 5.1.1 mailbox unavailable" in outcome.stderr
        assert sorted(inbox.recipients()) == sorted(TO_TELL - {"ivy@example.org"})
        assert "no-double-charges,C-ivy,2026-11-23,email,failed" in ledger_lines(repo)
        again = notify(repo, "--contacts", str(contacts), "--send", env=server.env(certificate))
        assert again.exit_code == 0 and len(inbox.received) == 3   # a failure is final: nobody is written twice
    assert [d.rule for d in check_repository(repo, TODAY).diagnostics] == ["loop-open"]


def test_an_interrupted_run_resumes_without_sending_twice(
        repo: Path, contacts: Path, certificate: tuple[Path, Path]) -> None:
    """The sending process is killed (SIGKILL) while the server holds the 2nd message: a real crash."""
    inbox = Inbox(hang_on_data=2)
    with Server(inbox, certificate) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "site_gen", "notify", str(repo), "--today", "2026-11-23",
             "--contacts", str(contacts), "--send"],
            env={**_environment(), **server.env(certificate)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert inbox.hanging.wait(60), process.communicate(timeout=5)
        finally:
            process.kill()
            process.wait()
        assert ledger_lines(repo) == ["no-double-charges,C-ann,2026-11-23,email,attempt",
                                      "no-double-charges,C-ann,2026-11-23,email,sent",
                                      "no-double-charges,C-dan,2026-11-23,email,attempt"]
        assert inbox.recipients() == ["ann@example.org", "dan@example.org"]

        resumed = notify(repo, "--contacts", str(contacts), "--send", env=server.env(certificate))
        assert resumed.exit_code == 0, resumed.output
        assert inbox.recipients()[2:] == ["ivy@example.org", "jay@example.org"]
        assert "2 unknown (attempted, no result)" in resumed.stderr

        retried = notify(repo, "--contacts", str(contacts), "--send", "--retry-unknown", env=server.env(certificate))
        assert retried.exit_code == 0
        assert inbox.recipients()[4:] == ["dan@example.org", "hal@example.org"]
        assert notify(repo, "--contacts", str(contacts), "--send", "--retry-unknown",
                      env=server.env(certificate)).exit_code == 0
        assert len(inbox.received) == 6
    result = check_repository(repo, TODAY)
    assert [d.rule for d in result.diagnostics] == ["loop-open"]      # fay alone: no address


def _environment() -> dict[str, str]:
    import os
    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_a_server_without_starttls_is_refused_before_any_address_leaves(
        repo: Path, contacts: Path, certificate: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with Server(inbox, None) as server:
        outcome = notify(repo, "--contacts", str(contacts), "--send", env=server.env(certificate))
    assert outcome.exit_code == 2
    assert "does not offer STARTTLS" in outcome.stderr
    assert inbox.received == [] and ledger_lines(repo) == []


def test_an_untrusted_certificate_is_refused(repo: Path, contacts: Path, certificate: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with Server(inbox, certificate) as server:
        env = {**server.env(certificate), "SITE_GEN_SMTP_CAFILE": ""}   # the system store does not know it
        outcome = notify(repo, "--contacts", str(contacts), "--send", env=env)
    assert outcome.exit_code == 2 and "CERTIFICATE_VERIFY_FAILED" in outcome.stderr
    assert inbox.received == [] and ledger_lines(repo) == []


def test_send_is_rate_limited(repo: Path, contacts: Path, certificate: tuple[Path, Path]) -> None:
    inbox = Inbox()
    with Server(inbox, certificate) as server:
        started = time.monotonic()
        assert notify(repo, "--contacts", str(contacts), "--send", env=server.env(certificate, rate="120")
                      ).exit_code == 0
        elapsed = time.monotonic() - started
    assert len(inbox.received) == 4 and elapsed >= 1.5     # 4 messages, one every half second


def test_send_needs_its_settings_from_the_environment(repo: Path, contacts: Path) -> None:
    outcome = notify(repo, "--contacts", str(contacts), "--send", env={"SITE_GEN_SMTP_HOST": ""})
    assert outcome.exit_code == 2 and "SITE_GEN_SMTP_HOST" in outcome.stderr
    assert notify(repo, "--send").exit_code == 2


# --- never in either site ----------------------------------------------------------------------

def test_nothing_of_notify_reaches_either_site(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    root = copy_example(tmp_path / "repo")
    contacts = tmp_path / "contacts.csv"
    shutil.copy(REPO / "tests/example-contacts.csv", contacts)
    inbox = Inbox()
    with Server(inbox, certificate) as server:
        outcome = notify(root, "--since", "2026-10-01", "--contacts", str(contacts), "--out", str(tmp_path / "mail"),
                         "--send", env=server.env(certificate))
        assert outcome.exit_code == 0, outcome.output
    assert len(inbox.received) == len(list((tmp_path / "mail").glob("messages/*/*.eml"))) > 0
    build(root, tmp_path / "site", TODAY, workers=1)
    secrets = {row["email"] for row in csv.DictReader(contacts.open())}
    backlog, _ = load_backlog(root, 1)
    secrets |= {line.customer for line in backlog.notified} | {"notified.csv"}
    for path in (tmp_path / "site").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            leaked = [secret for secret in secrets if secret.encode() in data]
            assert leaked == [], path


def test_a_file_put_into_a_previous_notify_output_stops_the_next_run_and_is_kept(
        repo: Path, contacts: Path, tmp_path: Path) -> None:
    """The outbox's marker made the whole folder notify's, and the next run deleted a note a person had saved
    beside the messages; the marker now lists what notify wrote, and anything else is named and kept."""
    out = tmp_path / "out"
    assert notify(repo, "--contacts", str(contacts), "--out", str(out)).exit_code == 0
    (out / "messages" / "sent-by-hand.txt").write_text("ann: phoned instead\n")
    outcome = notify(repo, "--contacts", str(contacts), "--out", str(out))
    assert outcome.exit_code == 2, outcome.output
    assert f"--out {out} holds messages/sent-by-hand.txt, which site-gen notify did not write" in outcome.stderr
    assert (out / "messages" / "sent-by-hand.txt").read_text() == "ann: phoned instead\n"
    (out / "messages" / "sent-by-hand.txt").unlink()
    again = notify(repo, "--contacts", str(contacts), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert len(list(out.glob("messages/*/*.eml"))) == len(TO_TELL)   # the run wrote its messages again


def _notes_named_like_the_marker(out: Path, elsewhere: Path) -> None:
    (out / ".site-gen-notify").write_text("to do: call ann\n")


def _link_to_a_notify_marker(out: Path, elsewhere: Path) -> None:
    (elsewhere / ".site-gen-notify").write_text("site-gen notify output: customer addresses, do not commit\n")
    (out / ".site-gen-notify").symlink_to(elsewhere / ".site-gen-notify")


@pytest.mark.parametrize("make", [_notes_named_like_the_marker, _link_to_a_notify_marker],
                         ids=["a-users-file-named-like-the-marker", "a-link-to-a-notify-marker"])
def test_a_folder_whose_marker_notify_did_not_write_is_refused_and_kept(make, repo: Path, contacts: Path,
                                                                        tmp_path: Path) -> None:
    """Any file named .site-gen-notify (or a link to an outbox's marker) made the folder notify's: a one-line one
    vouched for every file beside it, and the run deleted them all. The marker must be notify's words, in a file."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "draft.txt").write_text("Dear Ann, …\n")
    make(out, elsewhere)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    outcome = notify(repo, "--contacts", str(contacts), "--out", str(out))
    assert outcome.exit_code == 2, outcome.output
    assert f"--out {out} is not empty and was not written by site-gen notify" in outcome.stderr
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert (out / ".site-gen-notify").is_symlink() == (make is _link_to_a_notify_marker)


def test_an_out_that_is_a_link_to_nowhere_is_refused_in_one_line(repo: Path, contacts: Path, tmp_path: Path) -> None:
    """It was taken for absent, and making the folder raised FileExistsError as a traceback."""
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "nowhere")
    outcome = notify(repo, "--contacts", str(contacts), "--out", str(out))
    assert outcome.exit_code == 2, outcome.output
    assert outcome.stderr.endswith(f"Error: --out {out} is not a folder\n")
    assert out.is_symlink() and not (tmp_path / "nowhere").exists()


def test_an_out_that_cannot_be_written_is_one_line_not_a_traceback(repo: Path, contacts: Path, tmp_path: Path,
                                                                   monkeypatch) -> None:
    """A read-only mount (tests run as root, whom permissions do not stop: the error is injected where the
    folder is made)."""
    out = tmp_path / "out"
    real = Path.mkdir

    def read_only(self: Path, *args, **kwargs) -> None:
        if self == out:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    outcome = notify(repo, "--contacts", str(contacts), "--out", str(out))
    assert outcome.exit_code == 1, outcome.output
    assert outcome.stderr.endswith(f"Error: cannot write the messages into {out}: Read-only file system ({out})\n")
