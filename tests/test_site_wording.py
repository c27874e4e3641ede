"""The internal site writes one thing one way: segment and score names, signed numbers, months and days, small
samples, as the heat strip and the charts write them (a screenshot review's paper cuts)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest

from site_gen.agenda import build_agenda, render_markdown
from site_gen.check import check_repository
from site_gen.digest import digest_body, weekly_digest
from site_gen.i18n import language
from site_gen.sites import render_sites

from .conftest import as_seen, copy_example

TODAY = date(2026, 11, 26)
MINUS = "\u2212"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The example's internal site as of 2026-11-26: path -> HTML."""
    root = copy_example(tmp_path_factory.mktemp("wording") / "repo")
    pages = render_sites(check_repository(root, TODAY), root, "internal")["internal"]
    return {path: bytes(data).decode("utf-8") for path, data in pages.items() if path.endswith(".html")}


def text(html: str) -> str:
    """A page's words as seen: what only a screen reader reads (.sr-only: the pause a middle dot stands for) and
    tags dropped, white space folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", as_seen(html)).split())


SEGMENTS = ("commuter", "tourist", "business")


def test_sample_verbatims_name_segments_and_scores_as_the_heat_strip_does(site: dict[str, str]) -> None:
    words = text(site["irritants/day-pass-confusing/index.html"])
    assert re.search(r"· (Commuter|Tourist|Business)\b", words)
    assert not re.search(r"· (commuter|tourist|business)\b", words)
    assert re.search(r"· (NPS|CES|CSAT) \d+", words)
    assert not re.search(r"· (nps|ces|csat) \d+", words)


def test_the_before_after_table_names_segments_as_the_matrix_does(site: dict[str, str]) -> None:
    html = site["irritants/double-charge-after-failed-ride/index.html"]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert {"Commuter", "Tourist", "Business"} & set(rows)
    assert not set(SEGMENTS) & set(rows)


def test_the_agenda_quotes_name_segments_as_the_site_does(site: dict[str, str]) -> None:
    words = text(site["agenda/index.html"])
    assert re.search(r"· (Commuter|Tourist|Business) ·", words)
    assert not re.search(r"· (commuter|tourist|business) ·", words)


def test_the_digest_names_segments_and_scores_and_writes_a_minus_sign(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    result = check_repository(root, TODAY)
    backlog = result.backlog
    assert backlog is not None
    body = digest_body(weekly_digest(backlog.feedback, backlog.config.journey_stages, date(2026, 11, 16)),
                       language())
    quoted = [line for line in body.splitlines() if line.startswith("> —")]
    assert quoted and all(re.search(r", (Commuter|Tourist|Business), (NPS|CES|CSAT) \d+ \(", line)
                          for line in quoted if re.search(r"\d+ \(", line)), quoted
    assert "Satisfaction" not in body and "commuter" not in body
    assert f"({MINUS}3 on the week before)" in body
    assert not re.search(r"\(-\d", body)


def test_the_dashboard_writes_a_fall_with_a_minus_sign(site: dict[str, str]) -> None:
    words = text(site["index.html"])
    assert f"last change {MINUS}0.2%" in words
    assert "last change -" not in words


BARE_MONTH = re.compile(r"(?<![\d-])\d{4}-\d{2}(?![\d-])")   # 2026-09, not a day (2026-09-03) nor an ID


@pytest.mark.parametrize("path", ["index.html", "journey/index.html", "agenda/index.html"])
def test_months_are_written_as_the_charts_write_them(site: dict[str, str], path: str) -> None:
    words = text(site[path])
    assert not BARE_MONTH.findall(words)
    assert not re.search(r"\b20\d\d–[A-Z]", words)     # May 2026–July 2026: a window reads Aug – Oct 2026


def test_the_dashboard_names_the_months_of_the_last_change(site: dict[str, str]) -> None:
    assert "(Sept 2026 → Oct 2026)" in text(site["index.html"])


def test_the_matrix_names_its_window_as_the_risk_list_does(site: dict[str, str]) -> None:
    window = text(language().month_range("2026-08", "2026-10"))    # Aug – Oct 2026
    assert re.search(f"Complaint share over {re.escape(window)} ?\\.", text(site["journey/index.html"]))


def test_a_metric_near_its_threshold_on_the_agenda_names_its_months_as_the_charts_do() -> None:
    from site_gen.agenda import _risk_item
    from site_gen.diagnostics import SourceLoc
    from site_gen.facts import RiskKind, RiskLevel, RiskSignal
    from site_gen.model import Direction, Metric
    metric = Metric(loc=SourceLoc("site.yaml"), id="churn", name="Monthly churn", direction=Direction.DOWN,
                    threshold=0.5, unit="%")
    risk = RiskSignal(RiskKind.METRIC_NEAR_THRESHOLD, RiskLevel.HIGH, metric="churn", before=3.0, recent=3.4,
                      direction=Direction.DOWN, months=("2026-10",), baseline=("2026-09",), threshold=0.5)
    said = _risk_item(risk, {"churn": metric}, {}).detail.say(language())
    assert said.startswith("moved +0.4% from Sept 2026 to Oct 2026, the bad way"), said


def test_the_effect_chart_writes_its_days_unambiguously(site: dict[str, str]) -> None:
    chart = site["irritants/double-charge-after-failed-ride/index.html"].split('<svg class="chart effect')[1]
    days = re.findall(r'<text x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]+)</text>', chart.split("</svg>")[0])
    assert days and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2,3}", day) for day in days
                        if day not in ("before", "after")), days


def heat_lines(html: str, level: str) -> list[str]:
    return [text(line) for line in re.findall(rf'<div class="heat {level}">(.*?)</div>', html, re.S)]


@pytest.mark.parametrize("path", ["index.html", "journey/index.html"])
def test_a_heat_strip_figure_with_too_few_answers_shows_no_number(site: dict[str, str], path: str) -> None:
    few = heat_lines(site[path], "few")
    assert few, "the example has stages with too few answers in a month"
    for line in few:
        assert re.fullmatch(r"(NPS|CES|CSAT|Complaints) too few answers \(n=\d\)( \d+/\d+)?", line), line


def test_the_before_after_table_treats_too_few_answers_as_the_heat_strip_does(site: dict[str, str]) -> None:
    from site_gen.facts.scores import MIN_ANSWERS
    pages = [html for path, html in site.items() if path.startswith("irritants/") and "Everyone" in html]
    cells = [text(cell) for html in pages for cell in re.findall(r"<td>(.*?)</td>", html.split("Everyone")[1])]
    scored = [part.strip() for cell in cells for part in cell.split(";") if "n=" in part]
    assert scored
    for part in scored:
        answers = int(re.search(r"n=(\d+)", part).group(1))   # type: ignore[union-attr]
        if answers < MIN_ANSWERS:
            assert re.fullmatch(r"(NPS|CES|CSAT) too few answers \(n=\d+\)", part), part
        else:
            assert re.fullmatch(r"(NPS|CES|CSAT) \S+ \(n=\d+\)", part), part
    assert any("too few answers" in part for part in scored)


def test_the_agendas_more_signals_link_to_the_journey_maps_risk_list(site: dict[str, str]) -> None:
    [more] = re.findall(r'<li class="more">… and \d+\u00a0more signals — <a href="([^"]+)">', site["agenda/index.html"])
    assert more.endswith("journey/index.html#risks")
    assert 'id="risks"' in site["journey/index.html"]


def rename_stage(root: Path, old: str, new: str) -> None:
    """The example with journey stage `old` called `new` in site.yaml and in every record that names it."""
    config = root / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(f"payment, {old}, cancel", f"payment, {new}, cancel"),
                      encoding="utf-8")
    for path in [*root.rglob("*.yaml"), *root.rglob("*.md")]:
        source = path.read_text(encoding="utf-8")
        path.write_text(re.sub(rf"^(\s*-?\s*journey_stage:) {old}$", rf"\1 {new}", source, flags=re.M),
                        encoding="utf-8")
    for path in root.rglob("*.jsonl"):
        path.write_text(path.read_text(encoding="utf-8").replace(f'"journey_stage": "{old}"',
                                                                 f'"journey_stage": "{new}"'), encoding="utf-8")
    for path in root.rglob("*.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        if "journey_stage" in rows[0]:
            column = rows[0].index("journey_stage")
            for row in rows[1:]:
                row[column] = new if row[column] == old else row[column]
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            path.write_text(out.getvalue(), encoding="utf-8")


@pytest.mark.parametrize(("code", "said"), [("en", "Phone call"), ("fr", "Appel téléphonique")])
def test_a_stage_reads_the_same_on_the_digest_agenda_journey_map_board_and_stage_page(
        tmp_path: Path, code: str, said: str) -> None:
    """A stage whose ID is also a word the site has in its catalogue (`call`: Phone call, Appel téléphonique)
    is worded by the label filter everywhere, in the site's language: the weekly digest and the agenda (their
    pages and the markdown they post) as the journey map, the dashboard's risks, the board and its own page."""
    root = copy_example(tmp_path / "repo")
    rename_stage(root, "support", "call")
    config = root / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "internal:\n  title: Customer backlog\n", f"internal:\n  title: Customer backlog\n  language: {code}\n"),
        encoding="utf-8")
    result = check_repository(root, TODAY)
    assert result.backlog is not None and result.facts is not None
    assert "call" in result.backlog.config.journey_stages
    pages = {path: text(bytes(data).decode("utf-8"))
             for path, data in render_sites(result, root, "internal")["internal"].items() if path.endswith(".html")}
    words = language(code)
    week = weekly_digest(result.backlog.feedback, result.backlog.config.journey_stages, date(2026, 11, 16))
    markdown = {"digest": digest_body(week, words),
                "agenda": render_markdown(build_agenda(result.facts, date(2026, 11, 12)), words=words)}
    digest_page = "digest/2026-W47/index.html"   # Monday 16 to Sunday 22 November 2026
    shown = {"journey map": pages["journey/index.html"], "stage page": pages["stages/call/index.html"],
             "board": pages["board/stage/call/index.html"], "agenda page": pages["agenda/index.html"],
             "digest page": pages[digest_page], **markdown}
    # the markdown's quotes name a segment as the page does (Commuter), not by its ID (commuter)
    assert re.search(r"· (Commuter|Tourist|Business) ·", markdown["agenda"])
    assert not re.search(r"· (commuter|tourist|business) ·", markdown["agenda"])
    for where, words_there in shown.items():
        assert said in words_there, where
        assert not re.search(r"\bCall\b(?!-)", words_there), (where, re.findall(r".{30}\bCall\b.{30}", words_there))


def test_the_friction_ledger_explains_its_sign_and_steps_delta_as_the_spec_defines_it(site: dict[str, str]) -> None:
    """The ledger counts steps removed (+1: one step fewer for the customer); steps_delta is steps added (+) or
    removed (−). The page said "A negative number means steps were added" next to "steps_delta (−1: one step
    removed)", two opposite signs without a word on why."""
    journey = text(site["journey/index.html"])
    friction = journey[journey.index("Friction: steps removed from the journey"):]
    assert f"+1 is one step removed, {MINUS}1 one step added" in friction
    assert f"opposite sign, in steps_delta : {MINUS}1 removes a step, +1 adds one." in friction   # <code> gone
    assert "A negative number means steps were added" not in friction


def metric_card(html: str, metric: str) -> str:
    card = html[html.index(f'<h3 id="metric-{metric}"'):]
    return text(card[:card.index("</section>")])


def test_nps_is_written_in_whole_points_and_ces_to_two_decimals_on_the_dashboard(site: dict[str, str]) -> None:
    """NPS is an index from −100 to +100: its values, its threshold and its last change in whole points, as the
    journey map writes a stage's NPS ("Threshold: 11.74" and "last change +8.78" read as a precision it does not
    have); CES, a mean of 1–7, keeps two decimals (2.40, not 2.4)."""
    nps, ces = metric_card(site["index.html"], "nps"), metric_card(site["index.html"], "effort")
    assert "Decision line: 12, a move of 10 the bad way" in nps and "last change +9 " in nps, nps
    assert not re.findall(r"\d[.,]\d", nps), re.findall(r"\S*\d[.,]\d\S*", nps)
    assert "Decision line: 3.59, a move of 0.30 the bad way" in ces and "last change +0.06 " in ces, ces
    assert "2.40" in ces


def test_a_metric_card_says_its_threshold_is_a_move_and_its_chart_line_the_level_that_move_reaches(
        site: dict[str, str]) -> None:
    """The card read "a move of 10" beside the chart's "Threshold: 12": two numbers under one name. The threshold is
    the move (site.yaml), the dashed line the level it reaches from the last complete month, said as such, in the
    chart's description and its legend."""
    nps = metric_card(site["index.html"], "nps")
    assert "threshold: a move of 10 either way between complete months demands a decision" in nps, nps
    said = "Decision line: 12, a move of 10 the bad way from Oct 2026 (22)"
    assert f"{said}." in nps and f"{said}: a month that reaches it demands a decision." in nps, nps
    assert "Threshold:" not in nps


def test_a_decision_dated_after_the_replayed_day_is_not_on_its_metrics_chart(tmp_path: Path) -> None:
    """Replaying 2026-06-01, the NPS chart marked "D1", the decision of 2026-09-03 nobody had taken yet; the
    decision log keeps it under its own date (it is a record in the repository), and from September on it is D1."""
    root = copy_example(tmp_path / "repo")
    decided = "Refund every double charge proactively and e-mail affected riders"
    for day, marked in ((date(2026, 6, 1), False), (date(2026, 9, 3), True)):
        pages = render_sites(check_repository(root, day), root, "internal")["internal"]
        nps = metric_card(bytes(pages["index.html"]).decode("utf-8"), "nps")
        assert (decided in nps, "D1" in nps) == (marked, marked), (day, nps)
        assert decided in bytes(pages["decisions/index.html"]).decode("utf-8")


def test_a_falling_score_in_the_risk_list_says_which_way_is_better(site: dict[str, str]) -> None:
    """"+36 → +2 (lower is worse)" read oddly: a fall reads with the way that is better, "(higher is better)",
    and a rising CES or complaint share with "(lower is better)"."""
    for path in ("index.html", "journey/index.html", "agenda/index.html"):
        page = text(site[path])
        assert "is worse)" not in page, path
    journey = text(site["journey/index.html"])
    assert re.search(r"NPS worsening — \S+( \S+)? \+\d+ → [+−]?\d+ \(higher is better\)", journey), journey
    assert re.search(r"CES worsening — [^.]*? \d\.\d\d → \d\.\d\d \(lower is better\)", journey)


def test_the_open_irritants_say_they_are_listed_by_target_date_as_they_are(site: dict[str, str]) -> None:
    """The dashboard's open irritants and the board's columns run from the earliest target (the most overdue) to
    the latest, but said "Latest first.", which reads as "newest first" — and French, German and Spanish said
    exactly that ("Les plus récents d’abord", "Neueste zuerst", "Los más recientes primero")."""
    dashboard = site["index.html"]
    listed = dashboard[dashboard.index('<section id="open">'):dashboard.index('<section id="overdue">')]
    assert "Earliest target first." in text(listed) and "Latest first" not in text(listed)
    targets = re.findall(r"\d{4}-\d{2}-\d{2}", listed)
    assert len(targets) > 3 and targets == sorted(targets), targets
    board = text(site["board/index.html"])
    assert "By triage, then status; earliest target first." in board and "latest first" not in board


def test_a_decisions_process_steps_say_in_words_how_many_were_removed_or_added(site: dict[str, str]) -> None:
    """A decision's page wrote steps_delta as it is stored, "Process steps -3" and "+0", while the journey map's
    friction ledger writes the same change as +3 (steps removed): one decision, two opposite signs."""
    removed = text(site["decisions/cancel-in-app/index.html"])
    assert "Process steps 3 steps removed" in removed, removed
    unchanged = text(site["decisions/retry-unlock-before-new-features/index.html"])
    assert "Process steps none added or removed" in unchanged, unchanged
    for page in (removed, unchanged):
        assert not re.search(r"Process steps [+−-]?\d+ (?!steps? )", page)
