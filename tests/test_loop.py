"""Closing the loop and proving the fix worked: loop-open, recurrence, before/after evidence, decision outcomes,
decision links and the friction ledger."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from site_gen.check import CheckResult
from site_gen.diagnostics import Severity
from site_gen.facts.effect import Trend
from site_gen.sites import render_sites

from .conftest import EXAMPLE_WARNINGS, REPO, TODAY, edit, found, found_all, line_of, run_check

IRR, DEC = "backlog/irritants", "backlog/decisions"
CLOSED = date(2026, 9, 1)


# --- the example tells the truth ---------------------------------------------------------

def test_the_example_warns_exactly_where_the_data_says() -> None:
    """The seat clamp fix has no story (loop-open); the sign-up loop fix did not hold (recurrence); nothing else."""
    result = run_check(REPO)
    assert {(path, rule) for path, _, rule in found_all(result)} == EXAMPLE_WARNINGS
    assert found_all(result) == [
        (f"{IRR}/seat-clamp-stuck.yaml", line_of(REPO / IRR / "seat-clamp-stuck.yaml", "closed:"), "loop-open"),
        (f"{IRR}/signup-id-check-loop.yaml", line_of(REPO / IRR / "signup-id-check-loop.yaml", "closed:"),
         "recurrence"),
    ]
    assert {d.severity for d in result.diagnostics} == {Severity.WARNING}
    recurrence = result.diagnostics[1]
    assert "newest: TCK-15481 (2026-11-21), TCK-15458 (2026-11-16), SRV-1112-1940 (2026-11-12)" in recurrence.message


def test_most_example_fixes_visibly_work_and_the_sign_up_loop_does_not() -> None:
    facts = run_check(REPO).facts
    effects = {key: facts.irritants[key].effect for key in facts.fixes}
    verdicts = {key: (e.trend, e.change_rounded, e.weeks) for key, e in effects.items() if e is not None}
    assert verdicts == {
        "seat-clamp-stuck": (Trend.DOWN, 92, 7),
        "double-charge-after-failed-ride": (Trend.DOWN, 100, 8),
        "logged-out-after-update": (Trend.DOWN, 67, 8),
        "signup-id-check-loop": (Trend.SAME, 6, 8),
        "cancel-needs-phone-call": (Trend.DOWN, 100, 8),
    }


# --- before and after, on a small fixture ----------------------------------------------------

SITE = """organisation: Test
journey_stages: [sign-up, payment]
teams: [app]
segments: [commuter, tourist]
"""
IRRITANT = f"""title: Charged twice
journey_stage: payment
team: app
owner: Ana
cause: A retry
triage: act-now
status: done
opened: 2026-06-01
target: 2026-09-30
closed: {CLOSED}
"""
HEADER = "id,date,source,customer,segment,journey_stage,score_type,score,kind,irritant\n"


def _row(n: int, day: date, kind: str = "complaint", irritant: str = "charged-twice", segment: str = "commuter",
         nps: int | None = None, stage: str = "payment") -> str:
    score = f"nps,{nps}" if nps is not None else ","
    return f"R{n},{day},survey,C{n},{segment},{stage},{score},{kind},{irritant}\n"


def _repo(tmp_path: Path, rows: list[str], site: str = SITE, irritant: str = IRRITANT,
          story: bool = False) -> Path:
    root = tmp_path / "repo"
    for folder in ("backlog/irritants", "backlog/decisions", "backlog/stories", "feedback"):
        (root / folder).mkdir(parents=True)
    (root / "site.yaml").write_text(site, encoding="utf-8")
    (root / IRR / "charged-twice.yaml").write_text(irritant, encoding="utf-8")
    (root / "feedback/rows.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    if story:
        (root / "backlog/stories/fixed.md").write_text(
            "---\ntitle: Fixed\ndate: 2026-09-05\nirritants: [charged-twice]\n---\n", encoding="utf-8")
    return root


def _fixture_rows() -> list[str]:
    """Before closing: 8 complaints in 4 weeks (2 a week) and a praise; after: 2 complaints; a row of another
    irritant and an unlinked one that must not count."""
    rows = [_row(n, CLOSED - timedelta(days=1 + 3 * n), nps=3) for n in range(8)]   # 1..22 days before
    rows += [_row(20, CLOSED - timedelta(days=5), kind="praise", nps=10)]
    rows += [_row(21, CLOSED - timedelta(days=40))]                                   # outside the window
    rows += [_row(30, CLOSED, nps=9, segment="tourist"), _row(31, CLOSED + timedelta(days=20), nps=10)]
    rows += [_row(40, CLOSED + timedelta(days=2), irritant="", nps=0),                # unlinked: stage score only
             _row(41, CLOSED + timedelta(days=3), irritant="", stage="sign-up", nps=0)]
    return rows


def test_before_and_after_count_linked_complaints_in_equal_whole_week_windows(tmp_path: Path) -> None:
    """Closed 4 weeks and 2 days ago, with effect_weeks 8: the windows shrink to 4 whole weeks each side."""
    root = _repo(tmp_path, _fixture_rows(), site=SITE + "rules: {effect_weeks: 8}\n")
    effect = run_check(root, CLOSED + timedelta(days=30)).facts.irritants["charged-twice"].effect
    assert effect is not None
    assert (effect.weeks, effect.before, effect.after) == (4, 8, 2)
    assert [w.complaints for w in effect.by_week] == [1, 2, 2, 3, 1, 0, 1, 0]
    assert effect.by_week[4].start == CLOSED and effect.by_week[4].after
    assert (effect.rate_before, effect.rate_after) == (2.0, 0.5)
    assert (effect.trend, effect.change_rounded) == (Trend.DOWN, 75)


def test_the_stage_and_its_segments_are_scored_over_the_same_windows(tmp_path: Path) -> None:
    result = run_check(_repo(tmp_path, _fixture_rows()), CLOSED + timedelta(days=30))
    change = result.facts.stage_effects["charged-twice"]
    assert change.stage.group == "payment"
    # before: eight 3s and a 10 -> 1 promoter, 8 detractors of 9; after: 9, 10 and an unlinked 0 of the same stage
    assert [(s.score_type, s.value, s.responses) for s in change.stage.before] == [("nps", -77.78, 9)]
    assert [(s.score_type, s.value, s.responses) for s in change.stage.after] == [("nps", 33.33, 3)]
    assert [(c.group, [s.value for s in c.before], [s.value for s in c.after]) for c in change.segments] == [
        ("commuter", [-77.78], [0.0]), ("tourist", [], [100.0])]


@pytest.mark.parametrize("after, verdict", [
    (8, (Trend.SAME, 0)),
    (11, (Trend.UP, 38)),
    (0, (Trend.DOWN, 100)),
])
def test_the_verdict_says_whether_complaints_stopped(tmp_path: Path, after: int, verdict: tuple[Trend, int]) -> None:
    rows = [_row(n, CLOSED - timedelta(days=1 + 3 * n)) for n in range(8)]
    rows += [_row(100 + n, CLOSED + timedelta(days=2 * n)) for n in range(after)]
    effect = run_check(_repo(tmp_path, rows), CLOSED + timedelta(days=28)).facts.irritants["charged-twice"].effect
    assert effect is not None and (effect.trend, effect.change_rounded) == verdict


def test_a_fix_closed_less_than_a_week_ago_is_too_early_to_judge(tmp_path: Path) -> None:
    result = run_check(_repo(tmp_path, _fixture_rows()), CLOSED + timedelta(days=6))
    effect = result.facts.irritants["charged-twice"].effect
    assert effect is not None and effect.weeks == 0
    assert effect.trend == Trend.TOO_EARLY
    assert result.facts.irritants["charged-twice"].recurrence is None


# --- recurrence ------------------------------------------------------------------------------

def _recurring_rows(late: int) -> list[str]:
    """2 complaints a week for 8 weeks before closing, then `late` complaints spread over the last 8 weeks."""
    rows = [_row(n, CLOSED - timedelta(days=1 + 3 * n)) for n in range(16)]
    today = CLOSED + timedelta(days=100)
    rows += [_row(100 + n, today - timedelta(days=3 * n)) for n in range(late)]
    return rows


def test_recurrence_names_the_newest_rows_when_complaints_stay_above_the_share(tmp_path: Path) -> None:
    """Counted from 2026-10-16 (the last 8 weeks; the grace period ended earlier): 9 complaints is 1.1 a week: 56 % of the 2 a week before, above the default 50 %."""
    result = run_check(_repo(tmp_path, _recurring_rows(9), story=True), CLOSED + timedelta(days=100))
    assert found(result) == [(f"{IRR}/charged-twice.yaml", 10, "recurrence")]
    message = result.diagnostics[0].message
    assert "9 linked complaint(s) since 2026-10-16" in message and "56 % of the 2.0 a week" in message
    assert message.endswith("newest: R100 (2026-12-10), R101 (2026-12-07), R102 (2026-12-04)")
    assert result.diagnostics[0].severity is Severity.WARNING


def test_no_recurrence_at_or_below_the_share(tmp_path: Path) -> None:
    """8 complaints in 8 weeks is exactly 50 % of the rate before: not above it."""
    assert run_check(_repo(tmp_path, _recurring_rows(8), story=True), CLOSED + timedelta(days=100)).diagnostics == []


def test_recurrence_share_comes_from_site_yaml(tmp_path: Path) -> None:
    root = _repo(tmp_path, _recurring_rows(8), story=True, site=SITE + "rules: {recurrence_share: 40}\n")
    assert [d.rule for d in run_check(root, CLOSED + timedelta(days=100)).diagnostics] == ["recurrence"]


def test_complaints_within_the_grace_period_are_not_a_recurrence(tmp_path: Path) -> None:
    """Ten complaints in the 14 days after closing (stragglers) and then none: no warning, today or later."""
    rows = [_row(n, CLOSED - timedelta(days=1 + 3 * n)) for n in range(16)]
    rows += [_row(100 + n, CLOSED + timedelta(days=n)) for n in range(10)]
    root = _repo(tmp_path, rows, story=True)
    for day in (CLOSED + timedelta(days=21), CLOSED + timedelta(days=60)):
        assert run_check(root, day).diagnostics == []
    longer = _repo(tmp_path / "b", rows, story=True, site=SITE + "rules: {recurrence_grace_days: 5}\n")
    assert [d.rule for d in run_check(longer, CLOSED + timedelta(days=21)).diagnostics] == ["recurrence"]


# --- loop-open -------------------------------------------------------------------------------

def test_loop_open_warns_when_a_done_irritant_with_feedback_has_no_story_after_the_delay(tmp_path: Path) -> None:
    root = _repo(tmp_path, _fixture_rows())
    assert run_check(root, CLOSED + timedelta(days=30)).diagnostics == []     # within story_within_days (30)
    late = run_check(root, CLOSED + timedelta(days=31))
    assert found(late) == [(f"{IRR}/charged-twice.yaml", 10, "loop-open")]
    assert "done 31 days ago and 12 linked feedback row(s) from 12 customer(s)" in late.diagnostics[0].message
    assert late.diagnostics[0].hint == "add a story in backlog/stories/ with irritants: [charged-twice]"


def test_a_story_closes_the_loop(tmp_path: Path) -> None:
    assert run_check(_repo(tmp_path, _fixture_rows(), story=True), CLOSED + timedelta(days=31)).diagnostics == []


def test_a_done_irritant_nobody_complained_about_needs_no_story(tmp_path: Path) -> None:
    rows = [_row(1, CLOSED, irritant="")]
    assert run_check(_repo(tmp_path, rows), CLOSED + timedelta(days=90)).diagnostics == []


def test_loop_open_delay_and_severity_come_from_site_yaml(tmp_path: Path) -> None:
    root = _repo(tmp_path, _fixture_rows(), site=SITE + "rules: {story_within_days: 10, loop_open: error}\n")
    result = run_check(root, CLOSED + timedelta(days=20))   # (the day of the last row: none is dated later)
    assert [(d.rule, d.severity) for d in result.diagnostics] == [("loop-open", Severity.ERROR)]


# --- decision outcomes and links --------------------------------------------------------------

def _rules(result: CheckResult, path: str) -> list[str]:
    return [d.rule for d in result.diagnostics if d.loc.path == path]


def test_a_reviewed_decision_without_an_outcome_is_still_due(example: Path) -> None:
    path = f"{DEC}/cancel-in-app.md"
    assert _rules(run_check(example), path) == []
    edit(example / path, "outcome: worked\n", "")
    edit(example / path, "outcome_date: 2026-05-20\n", "")
    edit(example / path, "outcome_note: Calls to cancel fell from about 40 a week to 3; the app flow takes under "
                         "a minute.\n", "")
    result = run_check(example)
    assert found(result)[0] == (path, line_of(example / path, "review_on:"), "decision-review")
    assert "and has no outcome" in result.diagnostics[0].message


def test_an_outcome_needs_its_date(example: Path) -> None:
    path = f"{DEC}/cancel-in-app.md"
    edit(example / path, "outcome_date: 2026-05-20\n", "")
    assert found(run_check(example))[:1] == [(path, line_of(example / path, "outcome:"), "decision-outcome")]


def test_an_outcome_date_needs_an_outcome(example: Path) -> None:
    path = f"{DEC}/cancel-in-app.md"
    edit(example / path, "outcome: worked\n", "")
    result = run_check(example)
    assert (path, line_of(example / path, "outcome_date:"), "decision-outcome") in found(result)


def test_too_early_needs_a_later_review_date_and_is_due_again_then(example: Path) -> None:
    path = f"{DEC}/cancel-in-app.md"
    edit(example / path, "outcome: worked", "outcome: too-early")
    result = run_check(example)
    assert (path, line_of(example / path, "review_on:"), "decision-outcome") in found(result)
    edit(example / path, "review_on: 2026-05-20", "review_on: 2026-12-01")
    assert _rules(run_check(example), path) == []
    later = run_check(example, date(2026, 12, 2))
    due = [d for d in later.diagnostics if d.loc.path == path]
    assert [d.rule for d in due] == ["decision-review"]
    assert "its last outcome, on 2026-05-20, was too-early" in due[0].message


def test_did_not_work_needs_a_follow_up_decision_that_names_it(example: Path) -> None:
    path = f"{DEC}/cancel-in-app.md"
    edit(example / path, "outcome: worked", "outcome: did-not-work")
    result = run_check(example)
    assert found(result)[:1] == [(path, line_of(example / path, "outcome:"), "decision-outcome")]
    assert "follows: cancel-in-app" in result.diagnostics[0].hint
    follow_up = example / DEC / "retry-unlock-before-new-features.md"
    edit(follow_up, "kind: arbitration\n", "kind: arbitration\nfollows: cancel-in-app\n")
    assert _rules(run_check(example), path) == []


def test_follows_must_name_a_decision(example: Path) -> None:
    path = f"{DEC}/retry-unlock-before-new-features.md"
    edit(example / path, "kind: arbitration\n", "kind: arbitration\nfollows: cancel-in-ap\n")
    result = run_check(example)
    references = [d for d in result.diagnostics if d.rule == "reference"]
    assert [(d.loc.path, d.loc.line) for d in references] == [(path, line_of(example / path, "follows:"))]
    assert "did you mean 'cancel-in-app'?" in references[0].hint


OLD, NEW = f"{DEC}/double-charge-incident.md", f"{DEC}/nps-dip-august.md"


def test_supersedes_and_superseded_by_agree_on_the_example(example: Path) -> None:
    assert _rules(run_check(example), OLD) == _rules(run_check(example), NEW) == []


def test_a_superseded_decision_says_by_which(example: Path) -> None:
    edit(example / OLD, "superseded_by: nps-dip-august\n", "")
    result = run_check(example)
    assert found(result)[:1] == [(OLD, line_of(example / OLD, "status:"), "decision-links")]
    assert result.diagnostics[0].hint == "add superseded_by: nps-dip-august"


def test_superseded_by_needs_status_superseded(example: Path) -> None:
    edit(example / OLD, "status: superseded", "status: active")
    result = run_check(example)
    assert (OLD, line_of(example / OLD, "status:"), "decision-links") in found(result)


def test_the_new_decision_says_what_it_supersedes(example: Path) -> None:
    edit(example / NEW, "supersedes: double-charge-incident\n", "")
    result = run_check(example)
    assert [(d.loc.path, d.rule) for d in result.diagnostics if d.rule == "decision-links"] == [(NEW, "decision-links")]
    assert "says it is superseded by this one, but this one does not say so" in result.diagnostics[0].message


def test_supersedes_without_superseded_by_is_reported_on_the_old_decision(example: Path) -> None:
    edit(example / OLD, "status: superseded\nsuperseded_by: nps-dip-august\n", "status: active\n")
    result = run_check(example)
    links = [d for d in result.diagnostics if d.rule == "decision-links"]
    assert [(d.loc.path, d.loc.line) for d in links] == [(OLD, line_of(example / OLD, "status:"))]
    assert "decision 'nps-dip-august' supersedes this one, but this one says status: active" in links[0].message


def test_a_decision_cannot_supersede_itself(example: Path) -> None:
    edit(example / NEW, "supersedes: double-charge-incident", "supersedes: nps-dip-august")
    assert (NEW, line_of(example / NEW, "supersedes:"), "decision-links") in found(run_check(example))


def test_a_loop_of_follow_ups_is_reported_at_each_decision_in_it(example: Path) -> None:
    """Two decisions each following the other up: each page would name the other as both before and after it."""
    first, second = f"{DEC}/cancel-in-app.md", f"{DEC}/retry-unlock-before-new-features.md"
    edit(example / second, "kind: arbitration\n", "kind: arbitration\nfollows: cancel-in-app\n")
    assert _rules(run_check(example), first) == []   # a follow-up alone is fine
    edit(example / first, "\ntitle:", "\nfollows: retry-unlock-before-new-features\ntitle:")
    result = run_check(example)
    loops = [d for d in result.diagnostics if d.rule == "decision-links"]
    assert sorted((d.loc.path, d.loc.line) for d in loops) == sorted(
        [(first, line_of(example / first, "follows:")), (second, line_of(example / second, "follows:"))])
    assert all("'follows' makes a loop: " in d.message and "remove 'follows' from the earlier one" in d.hint
               for d in loops)
    assert "cancel-in-app → retry-unlock-before-new-features → cancel-in-app" in loops[0].message or \
        "retry-unlock-before-new-features → cancel-in-app → retry-unlock-before-new-features" in loops[0].message


def test_a_loop_of_replacements_is_reported(example: Path) -> None:
    """The example's old decision superseded by the new one, and the new one by the old: neither is in force."""
    edit(example / OLD, "superseded_by: nps-dip-august\n", "superseded_by: nps-dip-august\nsupersedes: nps-dip-august\n")
    edit(example / NEW, "supersedes: double-charge-incident\n",
         "supersedes: double-charge-incident\nsuperseded_by: double-charge-incident\n")
    found_loops = [d for d in run_check(example).diagnostics
                   if d.rule == "decision-links" and "'supersedes' makes a loop" in d.message]
    assert sorted(d.loc.path for d in found_loops) == sorted([OLD, NEW])


# --- friction --------------------------------------------------------------------------------

def test_adding_customer_steps_outside_an_arbitration_warns(example: Path) -> None:
    path = example / OLD
    edit(path, "steps_delta: 0 ", "steps_delta: 2 ")
    result = run_check(example)
    assert found(result)[0] == (OLD, line_of(path, "steps_delta:"), "friction")
    assert result.diagnostics[0].severity is Severity.WARNING
    assert "adds 2 step(s) to the customer's journey, and it is a debrief decision" in result.diagnostics[0].message


def test_an_arbitration_that_says_what_the_customer_gets_may_add_steps(example: Path) -> None:
    path = f"{DEC}/retry-unlock-before-new-features.md"
    edit(example / path, "steps_delta: 0", "steps_delta: 1")
    assert _rules(run_check(example), path) == []
    customer = next(line for line in (example / path).read_text(encoding="utf-8").splitlines()
                    if line.startswith("customer:"))
    edit(example / path, customer + "\n", "")
    assert "friction" in _rules(run_check(example), path)


def test_the_friction_ledger_counts_steps_removed_per_stage_and_month() -> None:
    ledger = run_check(REPO).facts.friction
    assert ledger.months == ("2026-01", "2026-09")
    assert [(row.stage, row.removed, row.total) for row in ledger.rows] == [
        ("payment", (0, 1), 1), ("cancel", (3, 0), 3)]
    assert ledger.total == 4


# --- the internal site shows it ----------------------------------------------------------------

@pytest.fixture(scope="module")
def internal() -> dict[str, bytes]:
    return render_sites(run_check(REPO), REPO, only="internal", workers=1)["internal"]


def test_the_irritant_page_shows_the_chart_with_the_close_date_and_the_verdict(internal: dict[str, bytes]) -> None:
    page = internal["irritants/double-charge-after-failed-ride/index.html"].decode()
    assert "Complaints down 100% in the 8\u00a0weeks after the fix." in page
    assert '<svg class="chart effect narrow"' in page and 'aria-labelledby="effect-title effect-desc"' in page
    assert "closed 2026-08-28</text>" in page
    assert "<desc id=\"effect-desc\">Linked complaints per week, 8\u00a0weeks before and after the irritant was closed " \
           "on 2026-08-28: 19 before (2.4 a week), 0 after (0.0 a week).</desc>" in page
    assert '<td><span class="nowrap">2026-08-28</span></td><td>0</td><td>after</td>' in page   # the data table
    assert "<script" not in page
    recurring = internal["irritants/signup-id-check-loop/index.html"].decode()
    assert "Complaints continue at the same rate." in recurring and ">recurring</span>" in recurring
    assert "Did it work?" not in internal["irritants/battery-range-wrong/index.html"].decode()


def test_the_friction_table_reads_as_words_and_adds_up_each_month(internal: dict[str, bytes]) -> None:
    journey = internal["journey/index.html"].decode()
    table = journey[journey.index("Friction: steps removed"):]
    assert '<th scope="col">January 2026</th><th scope="col">September 2026</th>' in table
    assert '>Payment</a>' in table and '>Cancel</a>' in table   # stage labels, not their IDs
    assert "<th scope=\"row\">All stages</th><td>+3</td><td>+1</td><td><strong>+4</strong></td>" in table


def test_the_dashboard_lists_recent_fixes_with_their_verdicts(internal: dict[str, bytes]) -> None:
    dashboard = internal["index.html"].decode()
    section = dashboard[dashboard.index("<h2>Did it work?</h2>"):dashboard.index("<h2>Metrics</h2>")]
    linked = re.findall(r'href="irritants/([a-z-]+)/index.html#did-it-work"', section)
    assert linked == ["seat-clamp-stuck", "double-charge-after-failed-ride", "logged-out-after-update",
                      "signup-id-check-loop", "cancel-needs-phone-call"]          # most recently closed first
    assert "Complaints continue at the same rate" in section and "no story" in section


def test_the_journey_map_shows_the_friction_ledger(internal: dict[str, bytes]) -> None:
    journey = internal["journey/index.html"].decode()
    assert "Friction: steps removed from the journey" in journey
    assert '<a href="../stages/cancel/index.html">Cancel</a></th><td>+3</td><td>—</td><td><strong>+3</strong>' \
        in journey


def test_check_and_the_dashboard_agree_on_what_recurs() -> None:
    result = run_check(REPO, TODAY)
    flagged = {d.loc.path for d in result.diagnostics if d.rule == "recurrence"}
    assert flagged == {result.backlog.irritants[key].loc.path for key, facts in result.facts.irritants.items()
                       if facts.recurrence is not None}
