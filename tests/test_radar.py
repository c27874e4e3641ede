"""Journey map and risk radar, charts people read, and the metric-stale rule (issue 11 items 3–5)."""

from __future__ import annotations

import html
import itertools
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from site_gen.agenda import _risk_item
from site_gen.check import check_repository
from site_gen.diagnostics import SourceLoc
from site_gen.facts import RiskKind, RiskLevel
from site_gen.facts.risks import CoverCandidate, risk_signals, worst_first
from site_gen.facts.scores import Change
from site_gen.i18n import language
from site_gen.labels import score_text
from site_gen.model import Direction, FeedbackKind, FeedbackRow, Metric, ScoreType, SeriesPoint, Source
from site_gen.publish.charts import (
    PHONE_FONT,
    effect_chart,
    line_chart,
    nice_ticks,
    short_month_label,
    text_width,
    whole_ticks,
)
from site_gen.sites import render_sites
from site_gen.views.internal import RISKS_SHOWN, _risk_views

from .conftest import REPO, TODAY, copy_example, line_of

SVG = "{http://www.w3.org/2000/svg}"


# --- charts ------------------------------------------------------------------------------------------------


def _is_round(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < 1e-9


def _one_two_five(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(abs(mantissa - m) < 1e-9 for m in (1, 2, 5))


@pytest.mark.parametrize(("low", "high", "expected"), [
    (-25.8, 35.7, (-40, -20, 0, 20, 40)),
    (4.12, 4.91, (4.0, 4.2, 4.4, 4.6, 4.8, 5.0)),
    (0, 35.7, (0, 10, 20, 30, 40)),
    (-25.8, -3.0, (-30, -20, -10, 0)),
])
def test_ticks_are_round_values_a_1_2_5_step_apart(low: float, high: float, expected: tuple[float, ...]) -> None:
    ticks = nice_ticks(low, high, 4)
    assert ticks == pytest.approx(expected)
    step = ticks[1] - ticks[0]
    assert _one_two_five(step) and all(_is_round(t, step) for t in ticks)
    assert ticks[0] <= low and ticks[-1] >= high


def test_one_value_still_gets_round_ticks_around_it() -> None:
    ticks = nice_ticks(4.91, 4.91, 4)
    assert ticks[0] < 4.91 < ticks[-1] and all(_is_round(t, 0.5) for t in ticks)


def _chart(today: date = date(2026, 11, 23), **options: object) -> ET.Element:
    points = (SeriesPoint("2026-08", 35.7), SeriesPoint("2026-09", 4.91), SeriesPoint("2026-10", -25.8),
              SeriesPoint("2026-11", -3.0))
    figure = ET.fromstring(str(line_chart(points, "Net Promoter Score", today=today, chart_id="nps",
                                          **options)))  # type: ignore[arg-type]  # parses as XML: a stray & or < raises
    return figure.find(f"{SVG}svg")


def test_the_chart_is_xml_with_a_title_and_a_description_a_screen_reader_reads() -> None:
    svg = _chart()
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "nps-title nps-desc"
    assert svg.find(f"{SVG}title").text == "Net Promoter Score"
    desc = svg.find(f"{SVG}desc").text
    assert "From 35.7 (Aug 2026) to -3 (Nov 2026)" in desc and "lowest -25.8, highest 35.7" in desc
    assert "<script" not in ET.tostring(svg, encoding="unicode")


def test_the_y_axis_is_labelled_with_round_ticks_not_data_values() -> None:
    labels = [t.text for t in _chart().iter(f"{SVG}text") if t.get("class") == "y"]
    assert labels == ["−40", "−20", "0", "20", "40"]


def test_a_metric_with_a_unit_says_it_on_its_scale() -> None:
    """Churn in %: the dashboard's chart ticks read 2.5%, 3% … as its threshold and values do, not bare numbers;
    NPS, which has no unit, keeps bare ones."""
    result = check_repository(REPO, TODAY)
    dashboard = render_sites(result, REPO, only="internal", workers=1)["internal"]["index.html"].decode()
    for chart_id, in_percent in (("metric-churn-chart", True), ("metric-nps-chart", False)):
        svg = dashboard[dashboard.index(f'aria-labelledby="{chart_id}-title'):]
        labels = re.findall(r'class="y">([^<]*)</text>', svg[:svg.index("</svg>")])
        assert labels and all(label.endswith("%") == in_percent for label in labels), (chart_id, labels)


def test_months_read_as_month_and_year_and_another_language_can_name_them() -> None:
    months = [t.text for t in _chart().iter(f"{SVG}text") if t.get("class") == "x"]
    assert months[-1] == "Nov 2026*" and all(re.fullmatch(r"[A-Z][a-z]{2} 2026\*?", m) for m in months)
    french = {"2026-08": "août 2026", "2026-09": "sept. 2026", "2026-10": "oct. 2026", "2026-11": "nov. 2026"}
    months = [t.text for t in _chart(month_label=french.__getitem__).iter(f"{SVG}text") if t.get("class") == "x"]
    assert months[-1] == "nov. 2026*"


def test_the_current_month_is_drawn_as_incomplete_and_said_so() -> None:
    svg = _chart()
    hollow = [c for c in svg.iter(f"{SVG}circle") if c.get("class") == "incomplete"]
    assert len(hollow) == 1 and "month not complete yet" in hollow[0].find(f"{SVG}title").text
    assert any(p.get("class") == "line incomplete" for p in svg.iter(f"{SVG}path"))
    assert "Nov 2026: month not complete yet" in svg.find(f"{SVG}desc").text
    complete = _chart(today=date(2026, 12, 1))   # in December, November is complete like the others
    assert not [c for c in complete.iter(f"{SVG}circle") if c.get("class") == "incomplete"]
    assert not [p for p in complete.iter(f"{SVG}path") if p.get("class") == "line incomplete"]


def test_the_threshold_and_decisions_are_marked_on_the_line() -> None:
    svg = _chart(threshold=-35.8, decisions=(("2026-09", "Fix the unlock flow"),))
    classes = [e.get("class") for e in svg.iter()]
    assert "threshold" in classes and "decision" in classes
    marker = next(t for t in svg.iter(f"{SVG}text") if t.get("class") == "decision")
    assert marker.text == "D1"
    desc = svg.find(f"{SVG}desc").text
    assert "Decision line: -35.8, a move of 10 the bad way from Oct 2026 (-25.8)." in desc   # Nov is not complete
    assert "D1: Fix the unlock flow (Sep 2026)" in desc
    figure = ET.fromstring(str(line_chart((SeriesPoint("2026-09", 1.0), SeriesPoint("2026-11", 2.0)), "NPS",
                                          today=date(2026, 11, 23), threshold=-35.8,
                                          decisions=(("2026-09", "Fix the unlock flow"),))))
    legend = ["".join(item.itertext()) for item in figure.iter("li")]
    assert legend == [" Decision line: -35.8, a move of 36.8 the bad way from Sep 2026 (1): a month that reaches it "
                      "demands a decision.",
                      "D1 Decision: Fix the unlock flow (Sep 2026)",
                      "Nov 2026* month not complete yet: a hollow dot on a dashed line"]


def _chart_steps(css: str) -> dict[str, list[tuple[float, str, float]]]:
    """site.css's steps for each drawing: (the screen's width from which it holds in px, display, font units)."""
    rules = [(0.0, block) for block in re.findall(r"^(svg\.chart\.(?:narrow|wide) \{[^}]*\})", css, re.M)]
    rules += [(float(rem) * 16, block) for rem, block in re.findall(r"@media \(min-width: ([\d.]+)rem\) \{(.*)\}", css)]
    steps: dict[str, list[tuple[float, str, float]]] = {}
    for name in ("narrow", "wide"):
        display, font = "block", 0.0
        for start, block in sorted(rules, key=lambda rule: rule[0]):
            rule = re.search(rf"svg\.chart\.{name} \{{([^}}]*)\}}", block)
            if rule:
                display = (re.findall(r"display: (\w+)", rule.group(1)) or [display])[0]
                font = float((re.findall(r"font-size: ([\d.]+)px", rule.group(1)) or [font])[0])
                steps.setdefault(name, []).append((start, display, font))
    return steps


def _card(screen: float) -> float:
    """A chart's card's content width on a screen (measured in Chromium): the screen less the page's padding (2 ×
    1rem), the card's (2 × 1.1rem) and its border (2 × 1 px), the page being at most 64rem wide."""
    return min(screen, 1024) - 69.2


def test_a_charts_labels_render_at_12_to_18px_at_every_width_site_css_gives_its_card() -> None:
    """A drawing scales with its card, and its labels with it (one drawing 955 px wide made 13 units 39 px): by the
    screen's width site.css shows the narrow or the wide drawing and gives their labels fewer units as the card
    grows. From a 320 px phone to the widest page, whichever drawing shows, at each end of each of its steps,
    renders its labels at 12 to 18 px; the browser tests measure some widths in Chromium."""
    css = (REPO / "templates/common/site.css").read_text(encoding="utf-8")
    steps = _chart_steps(css)
    drawings = {svg.get("class", "").split()[-1]: float(svg.get("viewBox").split()[2])
                for svg in ET.fromstring(str(line_chart((SeriesPoint("2026-10", 1.0),), "NPS"))).iter(f"{SVG}svg")}
    assert set(drawings) == set(steps) == {"narrow", "wide"}, (drawings, steps)
    bounds = sorted({start for changes in steps.values() for start, _, _ in changes} | {320.0, 1024.0})
    shown = 0.0
    for low, high in itertools.pairwise(b for b in bounds if 320 <= b <= 1024):
        showing = [(name, [font for start, display, font in steps[name] if start <= low][-1]) for name in steps
                   if [display for start, display, _ in steps[name] if start <= low][-1] != "none"]
        assert len(showing) == 1, (low, showing)    # one drawing at every width
        name, font = showing[0]
        rendered = (font * _card(low) / drawings[name], font * _card(high) / drawings[name])
        assert 12 <= rendered[0] and rendered[1] <= 18, (low, high, name, font, rendered)
        shown += high - low
    assert shown == 1024 - 320


# a label's box as a browser draws it: the font's ascent above the baseline and its descent below (DejaVu Sans,
# 0.93 and 0.24 em, rounded up), in the largest font units site.css gives the chart's text
ASCENT, DESCENT = 0.95, 0.25


def _label_box(text: ET.Element, font: float, *, bold: bool = True) -> tuple[float, float, float, float]:
    x, baseline = float(text.get("x")), float(text.get("y"))
    width = text_width(text.text, font, bold=bold)
    start = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor", "start")]
    return start, baseline - ASCENT * font, start + width, baseline + DESCENT * font


def _dot_box(dot: ET.Element) -> tuple[float, float, float, float]:
    reach = float(dot.get("r")) + 1   # the hollow dot's 2-unit stroke reaches 1 unit past its radius
    x, y = float(dot.get("cx")), float(dot.get("cy"))
    return x - reach, y - reach, x + reach, y + reach


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("values", [
    (10, 12, 9, 14, 11, 13, 12, 15, 14, 16, 20),   # the unfinished month the highest: its dot on the top line
    (10, 20, 14),                                  # few months: wide slots
    (20, 19.5, 19, 18.5, 19, 20, 19.7, 19.9, 20, 19.8, 19.6, 19.9, 20, 19.8, 19.9, 20, 19.7, 19.9, 20, 19.8,
     19.9, 20, 19.9, 20),                          # two years near the top: the label spans several dots
], ids=["last-highest", "three-months", "two-years-at-the-top"])
def test_a_decision_in_the_unfinished_month_keeps_its_label_clear_of_every_dot(values: tuple[float, ...]) -> None:
    """A decision this month: its "D1" ends at the month's line, above the drawing, and was drawn over the hollow
    dot when that month was the highest. Its box (as wide as the estimate that errs wide, as tall as the font)
    touches no dot, in every drawing of the chart, for the other decisions' marks as well."""
    # monthly, the last one November 2026: the month not complete yet
    months = [f"{(2026 * 12 + 10 - n) // 12}-{(2026 * 12 + 10 - n) % 12 + 1:02d}" for n in reversed(range(len(values)))]
    points = tuple(SeriesPoint(month, value) for month, value in zip(months, values, strict=True))
    figure = ET.fromstring(str(line_chart(points, "NPS", today=date(2026, 11, 23), threshold=min(values) - 2,
                                          decisions=((months[len(months) // 2], "Earlier fix"), (months[-1], "Late fix")))))
    drawings = list(figure.iter(f"{SVG}svg"))
    assert drawings
    for svg in drawings:
        marks = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "decision"]
        dots = list(svg.iter(f"{SVG}circle"))
        assert [t.text for t in marks] == ["D1", "D2"] and dots[-1].get("class") == "incomplete"
        width = float(svg.get("viewBox").split()[2])
        for mark in marks:
            box = _label_box(mark, PHONE_FONT)
            assert 0 <= box[0] and box[2] <= width and box[1] >= 0, (mark.text, box)   # inside the drawing
            touched = [(dot.get("cx"), dot.get("cy")) for dot in dots if _overlap(box, _dot_box(dot))]
            assert not touched, (mark.text, box, touched)

def _months(count: int) -> list[str]:
    """`count` months, the last one November 2026."""
    return [f"{(2026 * 12 + 10 - n) // 12}-{(2026 * 12 + 10 - n) % 12 + 1:02d}" for n in reversed(range(count))]


FRENCH_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


@pytest.mark.parametrize("count", [1, 2, 3, 7, 12, 13, 24, 36])
@pytest.mark.parametrize("french", [False, True], ids=["en", "fr"])
def test_month_labels_keep_apart_inside_the_drawing_and_name_the_first_and_last_month(count: int, french: bool) -> None:
    """A chart labelled every n-th month counted back from the last, so 24 months lost their first month's label.
    In either drawing the month labels, as wide as the estimate that errs wide at the most units site.css gives
    them, keep half an em apart, lie inside the drawing, and name the first and the last month (and in between
    every n-th month back from the last, the same n throughout but next to the first)."""
    months = _months(count)
    label = (lambda period: f"{FRENCH_MONTHS[int(period[5:]) - 1]} {period[:4]}") if french else short_month_label
    figure = ET.fromstring(str(line_chart(tuple(SeriesPoint(m, 10 + n % 5 * 3.3) for n, m in enumerate(months)),
                                          "NPS", today=date(2026, 11, 23), month_label=label)))
    for svg in figure.iter(f"{SVG}svg"):
        width = float(svg.get("viewBox").split()[2])
        texts = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "x"]
        boxes = [_label_box(t, PHONE_FONT, bold=False) for t in texts]
        assert [t.text for t in texts][0] == label(months[0]) + ("*" if count == 1 else "")
        assert [t.text for t in texts][-1] == label(months[-1]) + "*", [t.text for t in texts]
        assert all(0 <= box[0] and box[2] <= width for box in boxes), boxes
        assert all(a[2] + PHONE_FONT / 2 <= b[0] + 0.1 for a, b in itertools.pairwise(boxes)), boxes
        said = [label(m) for m in months]
        steps = {said.index((b.text or "").rstrip("*")) - said.index((a.text or "").rstrip("*"))
                 for a, b in itertools.pairwise(texts[1:])}
        assert len(steps) <= 1, steps


def test_the_wide_drawing_labels_as_many_months_as_fit_at_its_narrowest() -> None:
    """The wide drawing labelled every third month of 13; at its narrowest (a 568 px figure, its labels 16 units,
    12.3 px) every second one fits: Nov 2025, Jan 2026 … Nov 2026. The phone's, 320 units wide, fits every sixth."""
    months = _months(13)
    figure = ET.fromstring(str(line_chart(tuple(SeriesPoint(m, 10 + n % 5 * 3.3) for n, m in enumerate(months)),
                                          "NPS", today=date(2026, 11, 23))))
    narrow, wide = ([t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "x"] for svg in figure.iter(f"{SVG}svg"))
    assert wide == [short_month_label(m) + ("*" if m == months[-1] else "") for m in months[::2]], wide
    assert narrow == ["Nov 2025", "May 2026", "Nov 2026*"], narrow


# --- risk signals ---------------------------------------------------------------------------------------


def _scores_by_month(root: Path, nps_by_month: dict[str, int], *, stage: str = "cancel", segment: str = "tourist",
                     kind: str = "praise", rows: int = 40) -> None:
    """Only these rows of feedback: `rows` NPS answers a month, all the same score, at one stage and segment."""
    for path in (root / "feedback").iterdir():
        path.unlink()
    lines = ["id,date,source,customer,segment,journey_stage,score_type,score,kind"]
    for month, value in nps_by_month.items():
        for n in range(rows):
            lines.append(f"R-{month}-{n},{month}-{n % 28 + 1:02d},survey,C-{n},{segment},{stage},nps,{value},{kind}")
    (root / "feedback" / "scores.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


FALLING = {"2026-05": 10, "2026-06": 10, "2026-07": 10, "2026-08": 0, "2026-09": 0, "2026-10": 0}
RISING = {month: 10 - value for month, value in FALLING.items()}


def test_a_falling_stage_and_segment_score_is_a_high_risk_nobody_covers(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _scores_by_month(root, FALLING)
    result = check_repository(root, TODAY)
    falling = {(s.stage, s.segment): s for s in result.facts.risks if s.kind == RiskKind.SCORE_WORSENING}
    assert set(falling) == {("cancel", None), (None, "tourist")}
    stage = falling[("cancel", None)]
    assert (stage.severity, stage.score_type, stage.before, stage.recent) == (RiskLevel.HIGH, "nps", 100, -100)
    assert stage.months == ("2026-08", "2026-09", "2026-10") and stage.baseline == ("2026-05", "2026-06", "2026-07")
    assert stage.row_count == 120 and stage.rows[0] == "R-2026-10-27"   # the detractors behind it, newest first
    assert not stage.covered_by
    warnings = [(d.loc.path, d.loc.line, d.message) for d in result.diagnostics if d.rule == "risk-uncovered"]
    site = root / "site.yaml"
    assert [(path, line) for path, line, _ in warnings] == [("site.yaml", line_of(site, "journey_stages:")),
                                                            ("site.yaml", line_of(site, "segments:"))]
    stage_warning = next(d for d in result.diagnostics if d.rule == "risk-uncovered" and "cancel" in d.message)
    text = site.read_text(encoding="utf-8").split("\n")[stage_warning.loc.line - 1]
    assert text[stage_warning.loc.col - 1:].startswith("cancel")   # the column points at the stage itself


def test_an_irritant_that_does_not_load_leaves_no_risk_it_covered_reported_as_uncovered(tmp_path: Path) -> None:
    """A typo in the irritant covering the example's payment risk: the pull request shows the typo, not warnings
    about risks nobody covers that vanish once it is fixed."""
    root = copy_example(tmp_path / "repo")
    irritant = root / "backlog/irritants/deposit-refund-slow.yaml"
    assert "payment" in [s.stage for s in check_repository(root, TODAY).facts.risks if s.covered_by]
    irritant.write_text(irritant.read_text(encoding="utf-8").replace("team: billing", "team: no", 1), encoding="utf-8")
    result = check_repository(root, TODAY)
    assert [(d.loc.path, d.rule) for d in result.diagnostics if d.severity.name == "ERROR"] == [
        ("backlog/irritants/deposit-refund-slow.yaml", "type")]
    assert not [d for d in result.diagnostics if d.rule == "risk-uncovered"]


def test_an_improvement_is_never_a_risk(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _scores_by_month(root, RISING)
    result = check_repository(root, TODAY)
    assert result.facts.risks == ()
    assert not [d for d in result.diagnostics if d.rule == "risk-uncovered"]


def test_a_rising_complaint_share_is_a_risk_and_a_falling_one_is_not(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _scores_by_month(root, dict.fromkeys(FALLING, 8))   # passives: the score does not move
    path = root / "feedback" / "scores.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    recent = [line.replace(",praise", ",complaint") if line.startswith(("R-2026-08", "R-2026-09", "R-2026-1"))
              else line for line in lines]
    path.write_text("\n".join(recent), encoding="utf-8")
    (rising,) = check_repository(root, TODAY).facts.risks[:1]
    assert (rising.kind, rising.stage, rising.before, rising.recent) == (RiskKind.COMPLAINTS_RISING, "cancel", 0, 100)
    assert rising.severity == RiskLevel.HIGH
    earlier = [line.replace(",praise", ",complaint") if line.startswith(("R-2026-05", "R-2026-06", "R-2026-07"))
               else line for line in lines]
    path.write_text("\n".join(earlier), encoding="utf-8")
    assert check_repository(root, TODAY).facts.risks == ()


def test_an_open_irritant_of_the_stage_covers_its_risk(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _scores_by_month(root, FALLING, stage="payment", segment="business")
    result = check_repository(root, TODAY)
    stage = next(s for s in result.facts.risks if s.stage == "payment")
    assert stage.covered_by == ("deposit-refund-slow",)     # the example's open payment irritant
    assert [d.message for d in result.diagnostics if d.rule == "risk-uncovered"] == [
        "high risk at segment 'business': NPS fell from +100 to \u2212100 (2026-08–2026-10 against 2026-05–2026-07), "
        "and no open irritant covers it"]


def _answer(key: str, month: str, day: int, score: int, kind: str = "complaint", stage: str = "payment") -> FeedbackRow:
    return FeedbackRow(id=key, loc=SourceLoc("feedback/scores.csv", 2), date=date.fromisoformat(f"{month}-{day:02d}"),
                       source=Source.SURVEY, customer=f"C-{key}", segment="business", journey_stage=stage,
                       score_type=ScoreType.NPS, score=score, kind=FeedbackKind(kind), verbatim=key)


def test_a_segment_risk_is_covered_by_the_irritants_behind_a_tenth_of_its_rows_not_by_any_in_the_segment() -> None:
    """A segment's fall comes from every stage: an irritant covers it when its evidence is at least a tenth of the
    rows the signal names (the segment's detractors of the recent window), not merely because it has customers in
    the segment (earlier rows, or a handful). The stage's signal keeps its rule: an irritant of the stage."""
    rows = [_answer(f"{month}-{n}", month, n % 28 + 1, score, "praise" if score else "complaint")
            for month, score in FALLING.items() for n in range(40)]
    recent = sorted((r for r in rows if r.score == 0), key=lambda r: (r.date, r.id), reverse=True)
    irritants = (CoverCandidate("behind-ten", "payment", frozenset(r.id for r in recent[:10])),
                 CoverCandidate("behind-two", "payment", frozenset(r.id for r in recent[:2])),
                 CoverCandidate("earlier-rows", "support", frozenset(r.id for r in rows if r.score == 10)))
    signals = risk_signals(rows, ("payment", "support"), ("business",), (), {}, "2026-11", 3, irritants)
    by_subject = {s.subject: s for s in signals}
    assert len(by_subject["business"].rows) == 50
    assert by_subject["business"].covered_by == ("behind-ten",)
    assert by_subject["payment"].covered_by == ("behind-ten", "behind-two")


def test_the_rows_shown_under_a_risk_are_the_complaints_before_the_praise_whose_score_counts_against_it() -> None:
    """A CSAT 3 saying "Agent sorted it in five minutes. Thanks!" counts against CSAT, but it is not what a reader
    should meet first under "CSAT worsening — Support"."""
    result = check_repository(REPO, TODAY)
    views = _risk_views(result.facts.risks, result.backlog, {})
    support = next(v for v in views if v.signal.stage == "support" and v.signal.score_type == ScoreType.CSAT)
    named = {row.id: row for row in result.backlog.feedback if row.id in support.signal.rows}
    assert any(row.kind == FeedbackKind.PRAISE for row in named.values())   # the example has one among them
    assert all(row.kind == FeedbackKind.COMPLAINT for row in support.rows)
    rank = {FeedbackKind.COMPLAINT: 0, FeedbackKind.PRAISE: 2}
    for view in views:
        ranks = [rank.get(row.kind, 1) for row in view.rows]
        assert ranks == sorted(ranks)
    assert [r.id for r in worst_first([_answer("old", "2026-08", 1, 0), _answer("praise", "2026-10", 9, 3, "praise"),
                                       _answer("new", "2026-10", 2, 0), _answer("idea", "2026-10", 3, 1, "suggestion")])
            ] == ["new", "old", "idea", "praise"]


def _metric(direction: Direction) -> Metric:
    return Metric(id="churn", loc=SourceLoc("site.yaml", 20), name="Churn", direction=direction, threshold=0.5,
                  series=(SeriesPoint("2026-09", 3.0),))


@pytest.mark.parametrize(("direction", "delta", "risk"), [
    (Direction.DOWN, +0.4, True), (Direction.DOWN, -0.4, False), (Direction.UP, -0.4, True),
    (Direction.UP, +0.4, False), (Direction.DOWN, +0.2, False)])
def test_a_metric_is_a_risk_only_when_it_moves_towards_its_threshold_the_bad_way(
        direction: Direction, delta: float, risk: bool) -> None:
    change = Change(SeriesPoint("2026-09", 3.0), SeriesPoint("2026-10", 3.0 + delta))
    signals = risk_signals((), (), (), (_metric(direction),), {"churn": (change, False)}, "2026-11", 3)
    assert bool(signals) == risk
    if risk:
        assert signals[0].kind == RiskKind.METRIC_NEAR_THRESHOLD and signals[0].severity == RiskLevel.MEDIUM


def test_the_example_raises_no_uncovered_high_risk() -> None:
    """Its high risks (first ride, payment, support, segments) all have open irritants working on them."""
    result = check_repository(REPO, TODAY)
    assert any(s.severity == RiskLevel.HIGH for s in result.facts.risks)
    assert all(s.covered for s in result.facts.risks if s.severity == RiskLevel.HIGH)


def _risk_text(page: str) -> str:
    """The risk lists as a reader sees them (those listed, and those folded below them on the journey map): tags
    dropped, one signal's heading and values a line each."""
    lists = re.findall(r'<ol class="risks"[^>]*>(.*?)</ol>', page, flags=re.S)
    assert lists, "no risk list"
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(lists)))


THIN = "\u2009"   # Babel's interval format puts thin spaces around the dash: Aug – Oct 2026


def test_a_risk_is_worded_by_what_happens_to_customers_with_its_values_in_their_natural_direction() -> None:
    """CES is lower-is-better: its rise is a risk, said "worsening" with the values as they are (3.08 → 3.53), never
    "falling" beside two rising numbers; NPS and CSAT say the other way."""
    result = check_repository(REPO, TODAY)
    ces = next(s for s in result.facts.risks if s.stage == "sign-up" and s.score_type == ScoreType.CES)
    assert (ces.kind, ces.direction, ces.higher_is_worse, ces.before, ces.recent) == (
        RiskKind.SCORE_WORSENING, Direction.DOWN, True, 3.08, 3.53)
    nps = next(s for s in result.facts.risks if s.segment == "business" and s.score_type == ScoreType.NPS)
    assert (nps.direction, nps.higher_is_worse) == (Direction.UP, False)
    journey = render_sites(result, REPO, only="internal", workers=1)["internal"]["journey/index.html"].decode()
    text = _risk_text(journey)
    assert "falling" not in text
    assert f"CES worsening — Sign up\n3.08 → 3.53 (lower is better): Aug{THIN}–{THIN}Oct 2026 against " \
           f"May{THIN}–{THIN}Jul 2026." in text
    assert "NPS worsening — business segment\n+21 → \u221211 (higher is better)" in text


def test_a_segments_risk_names_it_as_a_sentence_does_on_the_agenda() -> None:
    """"NPS worsening at the business segment", not "at the Business segment"; German capitalises the noun."""
    result = check_repository(REPO, TODAY)
    nps = next(s for s in result.facts.risks if s.segment == "business" and s.score_type == ScoreType.NPS)
    title = _risk_item(nps, {}, {}).title
    assert title.say(language("en")).startswith("NPS worsening at the business segment (")
    assert title.say(language("fr")).startswith("NPS se dégrade dans le segment business (")
    assert title.say(language("de")).startswith("NPS verschlechtert sich im Segment Business (")


def test_a_risks_values_are_written_as_the_heat_strip_writes_the_same_score() -> None:
    """NPS signed and whole with a minus sign, CSAT and complaint share as percentages, CES to two decimals: the
    journey map's own formatting (render.score_text, Language.percent), never raw floats."""
    result = check_repository(REPO, TODAY)
    journey = render_sites(result, REPO, only="internal", workers=1)["internal"]["journey/index.html"].decode()
    text = _risk_text(journey)
    words = language()
    for signal in result.facts.risks:
        if signal.scores is not None:
            before, after = (score_text(score, words) for score in signal.scores)
        else:
            before, after = words.percent(signal.before), words.percent(signal.recent)
        assert f"{before} → {after} (" in text
    assert "CSAT worsening — Support\n51% → 24%" in text
    assert "Complaint share rising — Cancel\n37% → 46% (lower is better)" in text
    # every pair of values reads +21, −11, 48% or 3.08: no 35.63, no 2.4, no hyphen for a minus
    pairs = re.findall(r"\n(\S+) → (\S+) \(", text)
    assert len(pairs) == len(result.facts.risks)
    assert all(re.fullmatch(r"[+\u2212]\d+|\d+%|\d\.\d\d", value) for pair in pairs for value in pair), pairs


def test_each_risk_names_the_windows_it_compares_as_the_charts_write_months() -> None:
    """A 3-month window can worsen while the last month improved (the heat strip's ▲ beside it): the signal says
    which months it compares, in another language too."""
    assert language().month_range("2026-08", "2026-10") == f"Aug{THIN}–{THIN}Oct 2026"
    assert language().month_range("2025-11", "2026-01") == f"Nov 2025{THIN}–{THIN}Jan 2026"
    assert language().month_range("2026-10", "2026-10") == "Oct 2026"
    assert language("fr").month_range("2026-08", "2026-10") == "août–oct. 2026"
    result = check_repository(REPO, TODAY)
    dashboard = render_sites(result, REPO, only="internal", workers=1)["internal"]["index.html"].decode()
    text = _risk_text(dashboard)
    assert text.count(f": Aug{THIN}–{THIN}Oct 2026 against May{THIN}–{THIN}Jul 2026.") == text.count(" worsening — ") \
        + text.count("Complaint share rising")


def test_the_dashboard_lists_the_most_severe_risks_and_links_to_every_one_on_the_journey_map() -> None:
    """22 signals on the dashboard were 6,400 px on a phone, pushing "Did it work?" and the metrics out of sight."""
    result = check_repository(REPO, TODAY)
    internal = render_sites(result, REPO, only="internal", workers=1)["internal"]
    dashboard, journey = internal["index.html"].decode(), internal["journey/index.html"].decode()
    risks = result.facts.risks
    listed = re.findall(r'<li class="risk (\w+)">', _section(dashboard, '<section id="risks"', "</section>"))
    assert listed == [str(s.severity) for s in risks[:RISKS_SHOWN]] == ["high"] * RISKS_SHOWN
    more = len(risks) - RISKS_SHOWN
    assert more > 0 and f'<a href="journey/index.html#risks">… and {more}\u00a0more risk signals on the journey map</a>' \
        in dashboard
    assert len(re.findall(r'<li class="risk (\w+)">', journey)) == len(risks)
    assert dashboard.index('id="risks-h"') < dashboard.index("Did it work?")


# --- the journey map and the dashboard agree -----------------------------------------------------------------


def _section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_journey_map_and_the_dashboard_agree_on_every_number() -> None:
    result = check_repository(REPO, TODAY)
    internal = render_sites(result, REPO, only="internal", workers=1)["internal"]
    journey, dashboard = internal["journey/index.html"].decode(), internal["index.html"].decode()
    # the same strip, figure for figure (links are relative to each page, so compare without them)
    strip = [re.sub(r'href="[^"]*"', "", _section(page, '<ol class="strip">', "</ol>\n"))
             for page in (journey, dashboard)]
    assert strip[0] == strip[1] and "All stages" in strip[0]
    numbers = re.findall(r"[+−-]?\d+(?:\.\d+)?%?", re.sub(r"<[^>]+>", " ", strip[0]))
    assert len(numbers) > 100
    # every risk the dashboard lists is on the journey map, worded and numbered the same
    dashboard_risks = re.findall(r'<li class="risk .*?</li>', _section(dashboard, '<ol class="risks">', "</ol>"), re.S)
    journey_risks = _section(journey, '<ol class="risks">', "</ol>")
    assert dashboard_risks and all(re.sub(r'href="[^"]*"', "", risk) in re.sub(r'href="[^"]*"', "", journey_risks)
                                   for risk in dashboard_risks)
    # and the strip's "All stages" are the dashboard's metrics for the same month
    facts = result.facts
    total = facts.journey.total.latest
    for metric in result.backlog.config.metrics:
        if metric.compute is not None:
            (point,) = [p for p in facts.metrics[metric.id].series if p.period == facts.journey.latest]
            assert total.score(metric.compute).value == point.value
    nps = total.score(ScoreType.NPS)
    assert f"<b>{nps.display}</b>" in _section(strip[1], "All stages", "</li>")
    # the metric's values table writes NPS in whole points, as the strip does (22 and +22, not 21.74)
    october = facts.metrics['nps'].series[-2].value
    assert f"<td>October 2026</td><td data-label=\"Value\">{october:.0f}</td>" in dashboard \
        and nps.display == f"{october:+.0f}"


# --- metric-stale ------------------------------------------------------------------------------------------------


def _stale(root: Path, today: str) -> list[str]:
    run = subprocess.run([sys.executable, "-m", "site_gen", "check", str(root), "--today", today],
                         capture_output=True, text=True, check=False)
    return [line for line in run.stdout.splitlines() + run.stderr.splitlines() if "[metric-stale]" in line]


def test_a_metric_nobody_feeds_is_stale_after_metric_stale_days(tmp_path: Path) -> None:
    """Monthly churn's last point is 2026-10, which ended on 31 October: 45 days later is the last fresh day."""
    root = copy_example(tmp_path / "repo")
    assert _stale(root, "2026-12-15") == []
    (line,) = [line for line in _stale(root, "2026-12-16") if "Monthly churn" in line]
    assert line.startswith(f"site.yaml:{line_of(root / 'site.yaml', '- id: churn')}:")
    assert "warning[metric-stale] Monthly churn has no data after 2026-10: that month ended 46 days ago " \
           "(rules.metric_stale_days is 45)" in line


def test_metric_stale_days_is_a_setting(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    site = root / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("  max_open: 10\n", "  max_open: 10\n"
                                                             "  metric_stale_days: 20\n"), encoding="utf-8")
    stale = [d for d in check_repository(root, TODAY).diagnostics if d.rule == "metric-stale"]
    assert [d.message.split(" has")[0] for d in stale] == ["Monthly churn"]    # 23 days after 31 October
    assert [d for d in check_repository(root, date(2026, 11, 20)).diagnostics if d.rule == "metric-stale"] == []


def test_the_complaints_per_week_axis_counts_in_even_whole_steps_from_zero() -> None:
    """Complaints are counted: 0, 2, 4, 6 for a highest week of 5, never 0, 2, 5 (uneven) or 2.5."""
    facts = check_repository(REPO, TODAY).facts
    effects = [f.effect for f in facts.irritants.values() if f.effect is not None and f.effect.weeks]
    assert effects
    for effect in effects:
        for svg in ET.fromstring(str(effect_chart(effect))).iter(f"{SVG}svg"):   # a phone's drawing, a desktop's
            labels = [int(t.text or "") for t in svg.iter(f"{SVG}text")
                      if t.get("text-anchor") == "end" and (t.text or "").isdigit()]
            steps = {b - a for a, b in zip(labels, labels[1:], strict=False)}
            assert labels[0] == 0 and len(steps) == 1 and steps.pop() >= 1
            assert labels[-1] >= max(week.complaints for week in effect.by_week)
    assert whole_ticks(5) == (0, 2, 4, 6) and whole_ticks(3) == (0, 1, 2, 3) and whole_ticks(0) == (0, 1)
