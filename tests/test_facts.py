"""The facts: one answer to each question, shared by `check` and both sites."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from site_gen.check import check_repository
from site_gen.diagnostics import SourceLoc
from site_gen.facts import scores
from site_gen.model import FeedbackRow, ScoreType, Source
from site_gen.sites import render_sites
from site_gen.views.internal import internal_view

from .conftest import REPO, TODAY, copy_example


def _plain(text: str) -> Markup:
    return Markup("")




@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dates(min_value=date(2025, 10, 1), max_value=date(2027, 12, 31)))
def test_check_and_the_dashboard_agree_on_what_is_late_for_any_day(day: date) -> None:
    result = check_repository(REPO, day)
    site = internal_view(result.backlog, result.facts, _plain)

    def flagged(rule: str) -> set[str]:
        return {d.loc.path for d in result.diagnostics if d.rule == rule}

    assert flagged("overdue") == {p.irritant.loc.path for p in site.overdue}
    assert flagged("unreviewed") == {p.irritant.loc.path for p in site.unreviewed}
    assert flagged("decision-review") == {p.decision.loc.path for p in site.decisions_due}


def test_the_example_has_something_late_to_agree_on() -> None:
    """Guards the property above: on a day well after the example, every kind of lateness exists."""
    result = check_repository(REPO, date(2027, 6, 1))
    site = internal_view(result.backlog, result.facts, _plain)
    assert site.overdue and site.unreviewed and site.decisions_due


def test_the_dashboard_lists_exactly_the_overdue_irritants_check_reports(tmp_path: Path) -> None:
    day = TODAY + timedelta(days=60)
    result = check_repository(REPO, day)
    dashboard = render_sites(result, REPO, only="internal", workers=1)["internal"]["index.html"].decode()
    overdue_section = dashboard.split("<h2>Overdue</h2>", 1)[1].split("<h2>", 1)[0]
    overdue = {d.loc.path.removeprefix("backlog/irritants/").removesuffix(".yaml")
               for d in result.diagnostics if d.rule == "overdue"}
    assert overdue
    for irritant_id in result.backlog.irritants:
        assert (f"irritants/{irritant_id}/index.html" in overdue_section) == (irritant_id in overdue)


def _one_month_of_scores(root: Path) -> None:
    """Feedback for one stage in one complete month: a monthly metric and the stage's score cover the same rows."""
    for path in (root / "feedback").iterdir():
        path.unlink()
    lines = ["id,date,source,customer,journey_stage,score_type,score,kind"]
    nps_scores = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5, 9]
    ces_scores = [1, 2, 7, 5, 3]
    csat_scores = [5, 4, 3, 1, 5, 2]
    for kind, values in (("nps", nps_scores), ("ces", ces_scores), ("csat", csat_scores)):
        for n, value in enumerate(values):
            lines.append(f"{kind}-{n},2026-10-{n + 1:02d},survey,C-{kind}-{n},payment,{kind},{value},complaint")
    (root / "feedback" / "october.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_journey_map_and_the_metrics_use_the_same_definitions(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _one_month_of_scores(root)
    facts = check_repository(root, TODAY).facts
    stage = {score.score_type: score for score in facts.stages["payment"].scores}
    metric = {m.compute: m.id for m in facts.backlog.config.metrics if m.compute}
    for score_type in ("nps", "ces"):  # the example's computed metrics
        (point,) = facts.metrics[metric[score_type]].series
        assert point.period == "2026-10"
        assert stage[score_type].value == point.value
    assert stage["nps"].value == round(100 * (5 - 4) / 11, 2)   # 5 promoters, 4 detractors of 11
    assert stage["csat"].value == 50.0                          # 3 of 6 answered 4 or 5
    assert stage["ces"].value == 3.6


def test_the_journey_map_shows_the_nps_index_not_a_mean_score(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _one_month_of_scores(root)
    result = check_repository(root, TODAY)
    journey = render_sites(result, root, only="internal", workers=1)["internal"]["journey/index.html"].decode()
    totals = journey.split('<h2 id="totals">', 1)[1]
    payment = totals.split('href="../stages/payment/index.html"', 1)[1].split("</tr>", 1)[0]
    assert ">NPS</abbr> +9 " in payment     # +9.09 on the −100…+100 scale
    assert ">CSAT</abbr> 50% " in payment
    assert ">CES</abbr> 3.60 " in payment


def test_nps_ces_and_csat_follow_their_published_definitions() -> None:
    assert scores.nps([10, 9, 8, 7, 6, 0]) == 0.0
    assert scores.nps([10, 10]) == 100.0
    assert scores.nps([0, 6]) == -100.0
    assert scores.csat([5, 4, 3, 2]) == 50.0
    assert scores.ces([1, 7]) == 4.0


def test_stage_effects_take_exactly_the_rows_in_each_window() -> None:
    """The windows are found by bisection over rows sorted by date: the same rows a scan of every row finds."""
    from site_gen.facts.effect import ScoreChange, StageEffect
    from site_gen.facts.scores import scores_of

    result = check_repository(REPO, TODAY)
    backlog = result.backlog
    assert result.facts.stage_effects  # the example has done irritants with effect windows
    for key, found in result.facts.stage_effects.items():
        effect = result.facts.irritants[key].effect
        assert effect is not None
        rows = [r for r in backlog.feedback if r.journey_stage == backlog.irritants[key].journey_stage]
        before = [r for r in rows if effect.start <= r.date < effect.closed]
        after = [r for r in rows if effect.closed <= r.date < effect.end]
        segments = [ScoreChange(s, scores_of(r for r in before if r.segment == s),
                                scores_of(r for r in after if r.segment == s)) for s in backlog.config.segments]
        stage = ScoreChange(backlog.irritants[key].journey_stage, scores_of(before), scores_of(after))
        assert found == StageEffect(stage, tuple(c for c in segments if c.before or c.after))


_SCALE = {scores.ScoreType.NPS: (0, 10), scores.ScoreType.CES: (1, 7), scores.ScoreType.CSAT: (1, 5)}


@st.composite
def _scored_rows(draw: st.DrawFn) -> list[FeedbackRow]:
    rows = []
    for number in range(draw(st.integers(0, 60))):
        kind = draw(st.sampled_from([None, *_SCALE]))
        low, high = _SCALE[kind] if kind else (0, 0)
        rows.append(FeedbackRow(id=f"FB-{number}", loc=SourceLoc("feedback/export.csv", number + 2),
                                date=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 60))),
                                source=Source.SURVEY, journey_stage="checkout",
                                segment=draw(st.sampled_from([None, "smb", "enterprise"])),
                                score_type=kind, score=draw(st.integers(low, high)) if kind else None))
    return sorted(rows, key=lambda row: row.date)


@settings(max_examples=200, deadline=None)
@given(_scored_rows(), st.integers(-5, 65), st.integers(0, 30))
def test_running_scores_of_a_window_are_the_scores_of_its_rows(rows: list[FeedbackRow], start: int,
                                                                days: int) -> None:
    """The irritant page's before/after scores come from running totals: the same numbers as scoring the rows."""
    first = date(2026, 1, 1) + timedelta(days=start)
    last = first + timedelta(days=days)
    running = scores.running_scores_by(rows, ("smb", "enterprise"))
    assert running[None].window(first, last) == scores.scores_of(r for r in rows if first <= r.date < last)
    for segment in ("smb", "enterprise"):
        assert running[segment].window(first, last) == scores.scores_of(
            r for r in rows if r.segment == segment and first <= r.date < last)


def test_a_negative_net_promoter_score_reads_with_a_minus_sign() -> None:
    """−33, as the charts write it: a hyphen reads as a dash, and screen readers say "dash 33"."""
    assert scores.Score(ScoreType.NPS, -33.4, 3).display == "\u221233"
    assert scores.Score(ScoreType.NPS, 12.0, 9).display == "+12"
    assert scores.Score(ScoreType.CSAT, 78.0, 9).display == "78%"
