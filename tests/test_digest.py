"""`site-gen digest`: the week's praise and complaints for a team chat, posted to a local webhook server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen.cli import main
from site_gen.diagnostics import SourceLoc
from site_gen.digest import as_markdown, last_complete_week, weekly_digest
from site_gen.load import load_backlog
from site_gen.model import FeedbackKind, FeedbackRow, ScoreType, Source

from .conftest import REPO

WEEK = "2026-11-16"   # Monday to Sunday 22 November 2026


def digest(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["digest", str(REPO), *args], catch_exceptions=False, env=env)


def test_a_week_runs_monday_to_sunday_and_defaults_to_the_last_complete_one() -> None:
    assert last_complete_week(date(2026, 11, 23)) == date(2026, 11, 16)   # a Monday: last week
    assert last_complete_week(date(2026, 11, 22)) == date(2026, 11, 9)    # a Sunday: this week is not over


def test_counts_by_stage_agree_with_the_feedback_of_that_week() -> None:
    backlog, _ = load_backlog(REPO)
    week = weekly_digest(backlog.feedback, backlog.config.journey_stages, date(2026, 11, 19))
    rows = [r for r in backlog.feedback if date(2026, 11, 16) <= r.date <= date(2026, 11, 22)]
    assert week.monday == date(2026, 11, 16) and week.total == len(rows) > 0
    assert sum(s.complaints for s in week.stages) == sum(r.kind == "complaint" for r in rows)
    assert [s.stage for s in week.stages] == [s for s in backlog.config.journey_stages
                                              if any(r.journey_stage == s for r in rows)
                                              or any(r.journey_stage == s for r in backlog.feedback
                                                     if date(2026, 11, 9) <= r.date <= date(2026, 11, 15))]
    assert all(r in rows and r.kind == "complaint" and r.verbatim for r in week.complaints)
    assert len({r.journey_stage for r in week.complaints}) == len(week.complaints)  # variety first
    movers = [abs(m.change) for m in week.movers]
    assert movers == sorted(movers, reverse=True) and 0 not in movers


def test_the_digest_counts_suggestions_beside_complaints_and_praise() -> None:
    """The week's total is split into every kind it holds: a suggestion is counted, not left out of the sum."""
    backlog, _ = load_backlog(REPO)
    rows = [r for r in backlog.feedback if date(2026, 11, 16) <= r.date <= date(2026, 11, 22)]
    suggestions = sum(r.kind == "suggestion" for r in rows)
    complaints, praise = sum(r.kind == "complaint" for r in rows), sum(r.kind == "praise" for r in rows)
    assert suggestions > 0
    text = digest("--week", WEEK).stdout
    assert (f"{len(rows)}\u00a0pieces of feedback (" in text
            and f"): {complaints}\u00a0complaints, {suggestions}\u00a0suggestions, {praise}\u00a0praise.\n" in text), text
    week = weekly_digest(backlog.feedback, backlog.config.journey_stages, date(2026, 11, 16))
    stage = next(s for s in week.stages if s.suggestions)
    line = next(line for line in text.splitlines() if line.startswith(f"- {stage.stage.replace('-', ' ').capitalize()}:"))
    assert f"{stage.suggestions}\u00a0suggestion" in line, line


def test_the_markdown_reads_in_a_chat() -> None:
    outcome = digest("--week", WEEK)
    assert outcome.exit_code == 0
    text = outcome.stdout
    assert text.startswith("**Customer voice, week of 16–22 November 2026** — Kestrel Cycle Share\n")
    for heading in ("**By journey stage**", "**Biggest movers**", "**What hurt**", "**What pleased**"):
        assert heading in text
    assert "|" not in text  # no tables: chats do not show them


def test_customer_words_cannot_ping_or_link_in_the_chat() -> None:
    backlog, _ = load_backlog(REPO)
    row = next(r for r in backlog.feedback if r.kind == "complaint" and r.verbatim)
    from dataclasses import replace
    loud = replace(row, verbatim="<!channel> see <https://evil.example|here> & cry", score_type=None, score=None)
    text = as_markdown(weekly_digest([loud], [], row.date), "Org")
    assert "&lt;!channel&gt; see &lt;https://evil.example|here&gt; &amp; cry" in text
    assert "<!channel>" not in text


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/services/T000/B000/secret"
    server.shutdown()
    server.server_close()


def test_post_sends_slack_json_to_the_url_in_the_environment(webhook: str) -> None:
    outcome = digest("--week", WEEK, "--post", env={"SITE_GEN_WEBHOOK_URL": webhook})
    assert outcome.exit_code == 0, outcome.output
    assert "secret" not in outcome.output  # the URL is a secret: never printed
    [(path, content_type, body)] = _Hook.received
    assert path == "/services/T000/B000/secret" and content_type.startswith("application/json")
    assert json.loads(body) == {"text": digest("--week", WEEK).stdout}


def test_post_without_the_variable_is_a_usage_error_and_a_refusing_hook_an_error(webhook: str) -> None:
    outcome = digest("--post", env={"SITE_GEN_WEBHOOK_URL": ""})
    assert outcome.exit_code == 2 and "SITE_GEN_WEBHOOK_URL" in outcome.stderr
    outcome = digest("--post", env={"SITE_GEN_WEBHOOK_URL": "http://127.0.0.1:9/nothing-listens"})
    assert outcome.exit_code == 1 and "digest not posted" in outcome.stderr
    assert "--post" in digest("--help").stdout and "--url" not in digest("--help").stdout


def test_the_internal_site_has_a_page_per_week_and_an_atom_feed(example: Path) -> None:
    import xml.etree.ElementTree as ET

    from site_gen.check import check_repository
    from site_gen.sites import render_sites

    result = check_repository(example, date(2026, 11, 23))
    sites = render_sites(result, example)
    week = sites["internal"]["digest/2026-W47/index.html"].decode()
    assert "week of 16–22 November 2026" in week and "What hurt" in week
    assert "digest/index.html" in sites["internal"]
    assert "digest/2026-W48/index.html" not in sites["internal"]  # that week is not over on the 23rd
    feed = ET.fromstring(sites["internal"]["digest/feed.xml"])
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert entries[0].find("{http://www.w3.org/2005/Atom}title").text == "Customer voice, week of 16–22 November 2026"
    assert not any(path.startswith("digest") for path in sites["public"])  # verbatims stay internal


@st.composite
def _two_weeks(draw: st.DrawFn) -> list[FeedbackRow]:
    kinds = [None, *FeedbackKind]
    return [FeedbackRow(id=f"FB-{number}", loc=SourceLoc("feedback/export.csv", number + 2),
                        date=date(2026, 11, 9) + timedelta(days=draw(st.integers(0, 13))), source=Source.SURVEY,
                        journey_stage=draw(st.sampled_from(["discover", "ride", "pay", "elsewhere"])),
                        kind=draw(st.sampled_from(kinds)), verbatim=draw(st.sampled_from([None, "", "slow", "great"])),
                        score_type=ScoreType.CSAT, score=draw(st.integers(1, 5)))
            for number in range(draw(st.integers(0, 40)))]


@settings(max_examples=150, deadline=None)
@given(_two_weeks())
def test_a_digest_counts_and_quotes_by_the_plain_definitions(rows: list[FeedbackRow]) -> None:
    """Each stage's praise, complaints and total, this week and the week before, are its rows of that kind; the
    quotes are the harshest complaints and warmest praise, one per stage before a second from the same stage."""
    week = weekly_digest(rows, ("discover", "ride", "pay"), date(2026, 11, 16))
    now = [r for r in rows if r.date >= date(2026, 11, 16)]
    before = [r for r in rows if r.date < date(2026, 11, 16)]

    def count(listed: list[FeedbackRow], stage: str, kind: FeedbackKind | None = None) -> int:
        return sum(r.journey_stage == stage and (kind is None or r.kind == kind) for r in listed)
    praise, complaint, suggestion = FeedbackKind.PRAISE, FeedbackKind.COMPLAINT, FeedbackKind.SUGGESTION
    assert {s.stage: (s.praise, s.complaints, s.suggestions, s.total, s.praise_before, s.complaints_before,
                      s.suggestions_before) for s in week.stages} == {
        stage: (count(now, stage, praise), count(now, stage, complaint), count(now, stage, suggestion),
                count(now, stage), count(before, stage, praise), count(before, stage, complaint),
                count(before, stage, suggestion))
        for stage in ("discover", "ride", "pay", "elsewhere") if count(now, stage) or count(before, stage)}
    for quoted, kind, wanted, worst_first in ((week.complaints, complaint, 3, True), (week.praise, praise, 2, False)):
        ranked = sorted((r for r in now if r.kind == kind and r.verbatim and r.verbatim.strip()),
                        key=lambda r: ((r.score - 1) / 4 * (1 if worst_first else -1), -len(r.verbatim or ""), r.id))
        firsts = [r for i, r in enumerate(ranked) if r.journey_stage not in {o.journey_stage for o in ranked[:i]}]
        assert list(quoted) == (firsts + [r for r in ranked if r not in firsts])[:wanted]
