"""Each rule of the spec: the example passes it; one edit breaks it, reported at the right file and line.

A case edits a copy of the example (as a pull request would) and names what a
reviewer must see: the rule id, the file, and the line the problem is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from site_gen.diagnostics import Severity
from site_gen.fieldtypes import Problem, parse_date

from .conftest import TODAY, edit, found, line_of, nested_parentheses, problems, run_check

IRR = "backlog/irritants"
DEC = "backlog/decisions"
STO = "backlog/stories"


@dataclass
class Case:
    name: str
    file: str
    old: str
    new: str
    rule: str
    at: str | int          # text on the offending line (after the edit), or a line number
    says: str = ""         # part of the message or hint the author needs
    severity: Severity = Severity.ERROR
    nth: int = 1           # which occurrence of `at` is the offending line


CASES = [
    # 1. types, allowed values, unknown fields, real dates
    Case("unknown field with a suggestion", f"{IRR}/helmet-rental.yaml", "owner:", "ownr:", "unknown-field", "ownr:",
         "did you mean 'owner'?"),
    Case("status outside the allowed values", f"{IRR}/unlock-fails-in-background.yaml", "status: in-progress",
         "status: doing", "value", "status: doing", "open, in-progress, done, declined"),
    Case("YAML 1.1 boolean where text is expected", f"{IRR}/unlock-fails-in-background.yaml", "team: app",
         "team: no", "type", "team: no", 'quote it: team: "no"'),
    Case("YAML 1.1 octal where text is expected", f"{IRR}/unlock-fails-in-background.yaml", "owner: Maya Okafor",
         "owner: 0042", "type", "owner: 0042", 'quote it: owner: "0042"'),
    Case("YAML 1.1 sexagesimal where text is expected", f"{IRR}/support-wait-evenings.yaml",
         "owner: Leila Haddad", "owner: 12:30", "type", "owner: 12:30", "quote it"),
    Case("impossible date", f"{IRR}/unlock-fails-in-background.yaml", "opened: 2026-10-06", "opened: 2026-02-30",
         "date", "opened: 2026-02-30", "February 2026 has 28 days"),
    Case("impossible date in a leap year", f"{IRR}/unlock-fails-in-background.yaml", "opened: 2026-10-06",
         "opened: 2028-02-30", "date", "opened: 2028-02-30", "February 2028 has 29 days"),
    Case("impossible date in the last month of the calendar", f"{IRR}/unlock-fails-in-background.yaml",
         "opened: 2026-10-06", "opened: 9999-12-32", "date", "opened: 9999-12-32", "December 9999 has 31 days"),
    Case("year zero", f"{IRR}/unlock-fails-in-background.yaml", "opened: 2026-10-06", "opened: 0000-01-01",
         "date", "opened: 0000-01-01", "years run from 0001 to 9999"),
    Case("a date that is not a date", f"{DEC}/no-cash-payments.md", "review_on: 2027-05-26", "review_on: next spring",
         "type", "review_on: next spring", "YYYY-MM-DD"),
    Case("a list field given one value", f"{STO}/helmet-discount.md", "irritants: [helmet-rental]",
         "irritants: helmet-rental", "type", "irritants: helmet-rental", "write it as a list: irritants: [helmet-rental]"),
    Case("duplicate key", f"{IRR}/support-wait-evenings.yaml", "reviewed: 2026-11-10",
         "reviewed: 2026-11-10\nvisibility: internal\nvisibility: public", "duplicate-key", "visibility: public",
         "appears twice"),
    Case("required field missing", f"{IRR}/day-pass-confusing.yaml", "title: Tourists cannot tell the day pass from pay-as-you-go\n",
         "", "required", "summary:", "has no 'title'"),
    Case("metric with an unknown field", "site.yaml", "threshold: 0.5", "treshold: 0.5", "unknown-field",
         "treshold: 0.5", "did you mean 'threshold'?"),
    # 2. IDs and references
    Case("id does not match the file name", f"{IRR}/helmet-rental.yaml", "title:", "id: helmets\ntitle:",
         "id-mismatch", "id: helmets", "set id: helmet-rental"),
    Case("dangling irritant reference with a suggestion", f"{STO}/helmet-discount.md", "irritants: [helmet-rental]",
         "irritants: [helmet-rentals]", "reference", "irritants: [helmet-rentals]", "did you mean 'helmet-rental'?"),
    Case("unknown journey stage", f"{IRR}/deposit-refund-slow.yaml", "journey_stage: payment",
         "journey_stage: paymnt", "reference", "journey_stage: paymnt", "did you mean 'payment'?"),
    Case("unknown metric", f"{DEC}/nps-dip-august.md", "metric: nps", "metric: csat", "reference", "metric: csat",
         "site.yaml metrics"),
    Case("a team not in site.yaml yet may be one to add there", f"{IRR}/deposit-refund-slow.yaml", "team: billing",
         "team: finance", "reference", "team: finance",
         "use one of: app, ops, support, billing; or, if it is a new team, add it to teams in site.yaml"),
    Case("a segment not in site.yaml yet may be one to add there", "feedback/interviews.yaml", "segment: tourist",
         "segment: student", "reference", "id: INT-2026-03-02",
         "or, if it is a new segment, add it to segments in site.yaml"),
    Case("evidence row that does not exist", f"{IRR}/cancel-needs-phone-call.yaml", "feedback: [",
         "feedback: [REV-0000-0000, ", "reference", "feedback: [REV-0000-0000", "does not exist in feedback/"),
    Case("feedback row pointing at a missing irritant", "feedback/interviews.yaml",
         "irritant: day-pass-confusing", "irritant: day-pass-confused", "reference", "id: INT-2026-03-02",
         "did you mean 'day-pass-confusing'?"),
    Case("evidence row listed twice", f"{IRR}/cancel-needs-phone-call.yaml", "feedback: [REV-1103-0001, REV-1227-0050]",
         "feedback: [REV-1103-0001, REV-1227-0050, REV-1103-0001]", "id-duplicate", "feedback: [",
         "'REV-1103-0001' is listed twice in feedback"),
    Case("irritant listed twice in a decision", f"{DEC}/cancel-in-app.md", "irritants: [cancel-needs-phone-call]",
         "irritants: [cancel-needs-phone-call, cancel-needs-phone-call]", "id-duplicate", "irritants: [",
         "listed twice in irritants"),
    Case("a list field given a number", f"{STO}/helmet-discount.md", "irritants: [helmet-rental]", "irritants: 12",
         "type", "irritants: 12", "'irritants' must be a list, got a number"),
    Case("feedback ID used twice", "feedback/interviews.yaml", "id: INT-2026-03-02", "id: INT-2026-03-01",
         "id-duplicate", "id: INT-2026-03-01", "already used", nth=2),
    # 4. dated and assigned
    Case("open irritant without owner", f"{IRR}/battery-range-wrong.yaml", "owner: Maya Okafor\n", "",
         "dated-assigned", 1, "has no 'owner'"),
    Case("open irritant without cause", f"{IRR}/battery-range-wrong.yaml",
         "cause: Range is computed from charge only, ignoring battery age and elevation.\n", "",
         "dated-assigned", 1, "has no 'cause'"),
    Case("open irritant without target", f"{IRR}/battery-range-wrong.yaml", "target: 2027-02-15\n", "",
         "dated-assigned", 1, "has no 'target'"),
    Case("open irritant with a blank owner", f"{IRR}/battery-range-wrong.yaml", "owner: Maya Okafor", 'owner: ""',
         "dated-assigned", 'owner: ""', "'owner' is blank"),
    Case("open irritant with a cause of spaces", f"{IRR}/battery-range-wrong.yaml",
         "cause: Range is computed from charge only, ignoring battery age and elevation.", 'cause: "  "',
         "dated-assigned", 'cause: "  "', "'cause' is blank"),
    Case("declined irritant with a blank reason", f"{IRR}/helmet-rental.yaml",
         "decline_reason: Hygiene, theft and inspection costs; the city's 2025 pilot lost 60% of helmets in three months.",
         "decline_reason: ''", "dated-assigned", "decline_reason: ''", "decline_reason"),
    Case("declined irritant without a reason", f"{IRR}/helmet-rental.yaml",
         "decline_reason: Hygiene, theft and inspection costs; the city's 2025 pilot lost 60% of helmets in three months.\n",
         "", "dated-assigned", "triage: decline", "decline_reason"),
    Case("done irritant without closed date", f"{IRR}/signup-id-check-loop.yaml", "closed: 2026-04-09\n", "",
         "dated-assigned", "status: done", "closed"),
    Case("target before opened", f"{IRR}/refund-status-unclear.yaml", "target: 2027-01-31", "target: 2026-10-31",
         "date-order", "target: 2026-10-31", "before opened"),
    Case("public irritant without public title", f"{IRR}/battery-range-wrong.yaml",
         "public_title: The battery range shown in the app is not reliable\n", "", "public-title",
         "visibility: public", "public_title"),
    Case("an owner line left empty is pointed at, not line 1 with 'add owner:'", f"{IRR}/deposit-refund-slow.yaml",
         "owner: Jonas Berg", "owner:", "dated-assigned", "owner:", "write the person responsible after 'owner:'"),
    Case("a target line left empty is pointed at", f"{IRR}/deposit-refund-slow.yaml", "target: 2027-01-31",
         "target:   # when?", "dated-assigned", "target:", "'target' is blank"),
    Case("an arbitration question left empty is pointed at", f"{DEC}/retry-unlock-before-new-features.md",
         "promise: Yes — \"a bike in 30 seconds\" is the promise on our home page; a failed unlock breaks it.",
         "promise:", "decision-questions", "promise:", "write the answer after 'promise:'"),
    Case("a public story's 'we_did' left empty is pointed at", f"{STO}/helmet-discount.md",
         "we_did: Show a ride receipt at a partner bike shop and get 20% off a helmet.", "we_did:", "story-public",
         "we_did:", "a public story needs a non-empty 'we_did'"),
    # 5. review cadence and overdue (warnings by default)
    Case("open irritant not reviewed for weeks", f"{IRR}/deposit-refund-slow.yaml", "reviewed: 2026-11-17",
         "reviewed: 2026-10-01", "unreviewed", "reviewed: 2026-10-01", "53 days ago", Severity.WARNING),
    Case("open irritant never reviewed says so, and the command that records a review",
         f"{IRR}/deposit-refund-slow.yaml", "reviewed: 2026-11-17\n", "", "unreviewed", "opened:",
         "has not been reviewed since it was opened", Severity.WARNING),
    Case("the command that records a review", f"{IRR}/deposit-refund-slow.yaml", "reviewed: 2026-11-17",
         "reviewed: 2026-10-01", "unreviewed", "reviewed: 2026-10-01", "site-gen reviewed deposit-refund-slow",
         Severity.WARNING),
    Case("open irritant past its target", f"{IRR}/unlock-fails-in-background.yaml", "target: 2026-12-15",
         "target: 2026-11-13", "overdue", "target: 2026-11-13", "owner: Maya Okafor", Severity.WARNING),
    # 6. metrics
    Case("a metric moved past its threshold with no decision", "site.yaml", "{period: 2026-10, value: 3.1}",
         "{period: 2026-10, value: 3.9}", "metric-decision", "threshold: 0.5", "metric-response"),
    Case("a month given twice in a metric's series", "site.yaml", "{period: 2026-10, value: 3.1}",
         "{period: 2026-09, value: 3.1}", "id-duplicate", "{period: 2026-09, value: 3.1}",
         "month 2026-09 is given twice in the series of metric 'churn'"),
    Case("metric with neither compute nor series", "site.yaml", ", compute: nps}", "}", "metric-definition",
         "id: nps", "either 'compute' or 'series'"),
    # 7. decisions and stories
    Case("active decision past its review date", f"{DEC}/no-cash-payments.md", "review_on: 2027-05-26",
         "review_on: 2026-11-01", "decision-review", "review_on: 2026-11-01", "owner: Jonas Berg", Severity.WARNING),
    Case("arbitration that skips a question", f"{DEC}/cancel-in-app.md",
         "promise: Yes — we promise \"no lock-in\"; a mandatory call was lock-in by another name.\n", "",
         "decision-questions", "kind: arbitration", "'promise'"),
    Case("arbitration with a blank answer", f"{DEC}/cancel-in-app.md",
         "promise: Yes — we promise \"no lock-in\"; a mandatory call was lock-in by another name.", 'promise: " "',
         "decision-questions", 'promise: " "', "'promise'"),
    Case("debrief without prevention", f"{DEC}/double-charge-incident.md",
         "prevention: Charges are now idempotent per ride ID, and a daily alert fires when one rider has two charges for one ride.\n",
         "", "decision-questions", "kind: debrief", "'prevention'"),
    Case("metric-response without a metric", f"{DEC}/churn-spike-august.md", "metric: churn\n", "",
         "decision-questions", "kind: metric-response", "needs a 'metric'"),
    Case("public story without we_did", f"{STO}/helmet-discount.md",
         "we_did: Show a ride receipt at a partner bike shop and get 20% off a helmet.\n", "", "story-public", 1,
         "'we_did'"),
    Case("story with no irritant", f"{STO}/helmet-discount.md", "irritants: [helmet-rental]", "irritants: []",
         "story-evidence", "irritants: []", "at least one irritant"),
    # 8. public output is safe
    Case("e-mail address in a public story", f"{STO}/helmet-discount.md", "You asked to rent",
         "Ana (ana.rider@example.com) asked to rent", "personal-data", "ana.rider@example.com", "e-mail address"),
    Case("phone number in a public story body", f"{STO}/helmet-discount.md", "A helmet of your own fits better too.",
         "Call Sam on +44 20 7946 0958 for details.", "personal-data", "+44 20 7946 0958", "phone number"),
    Case("phone number in another script's digits in a public story body", f"{STO}/helmet-discount.md",
         "A helmet of your own fits better too.", "Call Sam on ٠٧٩٤٦ ٠٩٥٨٠ for details.", "personal-data",
         "Call Sam", "phone number (٠٧٩٤٦ ٠٩٥٨٠)"),
    Case("customer reference in a public irritant", f"{IRR}/cash-at-stations.yaml",
         "public_title: Paying with cash at stations", "public_title: Paying with cash at stations (CUST-410233)",
         "personal-data", "public_title:", "customer reference (CUST-410233)"),
    Case("customer reference in a CRM link in a public story body", f"{STO}/helmet-discount.md",
         "A helmet of your own fits better too.", "See https://crm.example.org/customers/CUST-737397.",
         "personal-data", "crm.example.org", "customer reference (CUST-737397)"),
    Case("e-mail address written with a character reference", f"{STO}/helmet-discount.md", "You asked to rent",
         "Ana (ana&#64;example.com) asked to rent", "personal-data", "ana&#64;example.com",
         "e-mail address (ana@example.com)"),
    Case("raw HTML in a public story body", f"{STO}/helmet-discount.md", "A helmet of your own fits better too.",
         "A helmet of your own fits <em>better</em> too.", "raw-html", "<em>better", "shown to customers as text",
         Severity.WARNING),
    # text that breaks readers
    Case("control character in a story field", f"{STO}/helmet-discount.md",
         "you_said: You asked to rent a helmet together with the bike.", 'you_said: "You asked\\vto rent a helmet."',
         "control-character", "you_said:", "U+000B"),
    Case("blank title", f"{DEC}/no-cash-payments.md", "title: No cash payment at stations", 'title: " "', "required",
         'title: " "', "'title' is blank"),
    # parse-level problems in records
    Case("front matter not closed", f"{STO}/helmet-discount.md", "irritants: [helmet-rental]\n",
         "irritants: [helmet-rental]\n", "front-matter", 1, "never closed"),
    Case("malformed YAML", f"{IRR}/helmet-rental.yaml", "team: ops", "team: [ops", "parse", "team: [ops", "YAML syntax"),
]


def _apply(case: Case, root: Path) -> Path:
    path = root / case.file
    if case.name == "front matter not closed":
        text = path.read_text(encoding="utf-8")
        closing = text.index("\n---\n", 4)
        path.write_text(text[:closing] + "\n" + text[closing + 5:], encoding="utf-8")
    else:
        edit(path, case.old, case.new)
    return path


def test_the_example_passes_every_rule_but_its_deliberate_warnings(example: Path) -> None:
    result = run_check(example)
    assert problems(result) == []
    assert not result.failed()
    assert result.backlog.counts() == {"irritants": 14, "decisions": 8, "stories": 15, "feedback rows": 4006}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_breaking_a_rule_reports_it_at_the_right_line(case: Case, example: Path) -> None:
    path = _apply(case, example)
    line = case.at if isinstance(case.at, int) else line_of(path, case.at, case.nth)
    result = run_check(example)
    matching = [d for d in result.diagnostics if d.rule == case.rule and d.loc.path == case.file]
    assert matching, f"expected {case.rule} in {case.file}; got {found(result)}"
    assert line in [d.loc.line for d in matching], f"expected line {line}; got {found(result)}"
    diagnostic = next(d for d in matching if d.loc.line == line)
    assert case.says in diagnostic.message + " " + diagnostic.hint
    assert diagnostic.severity is case.severity
    assert diagnostic.hint, "every diagnostic says how to fix it"


def test_an_eleventh_open_irritant_breaks_the_short_rule(example: Path) -> None:
    source = (example / IRR / "refund-status-unclear.yaml").read_text(encoding="utf-8")
    for number in range(1, 5):  # the example has 7 open irritants
        (example / IRR / f"new-complaint-{number}.yaml").write_text(
            source.replace("opened: 2026-11-09", f"opened: 2026-11-2{number}"), encoding="utf-8")
    result = run_check(example)
    assert [d.loc.path for d in result.diagnostics if d.rule == "backlog-short"] == [f"{IRR}/new-complaint-4.yaml"]
    short = next(d for d in result.diagnostics if d.rule == "backlog-short")
    assert "11 irritants are open; the limit is 10" in short.message
    assert short.loc.line == line_of(example / IRR / "new-complaint-4.yaml", "status: open")


def test_ten_open_irritants_are_allowed(example: Path) -> None:
    source = (example / IRR / "refund-status-unclear.yaml").read_text(encoding="utf-8")
    for number in range(1, 4):
        (example / IRR / f"new-complaint-{number}.yaml").write_text(source, encoding="utf-8")
    assert [d for d in run_check(example).diagnostics if d.rule == "backlog-short"] == []


def test_max_open_comes_from_site_yaml(example: Path) -> None:
    edit(example / "site.yaml", "max_open: 10", "max_open: 6")
    result = run_check(example)
    # the newest open irritant is the one over the limit
    assert [d.loc.path for d in result.diagnostics if d.rule == "backlog-short"] == [f"{IRR}/refund-status-unclear.yaml"]


def test_severity_of_overdue_is_configurable(example: Path) -> None:
    edit(example / "site.yaml", "overdue: warning", "overdue: error")
    edit(example / IRR / "unlock-fails-in-background.yaml", "target: 2026-12-15", "target: 2026-11-13")
    result = run_check(example)
    overdue = [d for d in result.diagnostics if d.rule == "overdue"]
    assert [d.severity for d in overdue] == [Severity.ERROR]
    assert result.failed()


def test_declined_irritants_need_no_owner_or_target(example: Path) -> None:
    edit(example / IRR / "helmet-rental.yaml", "owner: Tomás Lindqvist\n", "")
    assert problems(run_check(example)) == []


def test_reviewed_and_superseded_decisions_are_not_due(example: Path) -> None:
    # nps-dip-august (reviewed) and double-charge-incident (superseded) have review dates in the past
    result = run_check(example)
    assert [d for d in result.diagnostics if d.rule == "decision-review"] == []


def test_a_metric_response_decision_answers_a_move(example: Path) -> None:
    edit(example / "site.yaml", "{period: 2026-10, value: 3.1}", "{period: 2026-10, value: 3.9}")
    (example / DEC / "october-churn.md").write_text(
        "---\ntitle: Call riders who left in October\ndate: 2026-11-02\nowner: Leila Haddad\n"
        "review_on: 2026-12-01\nstatus: active\nkind: metric-response\nmetric: churn\n---\n\nWhy they left.\n",
        encoding="utf-8")
    assert problems(run_check(example)) == []


def test_a_metric_counts_only_complete_months(example: Path) -> None:
    # November has not ended on 2026-11-23, so a November jump demands nothing yet
    edit(example / "site.yaml", "{period: 2026-10, value: 3.1}", "{period: 2026-10, value: 3.1}\n      - {period: 2026-11, value: 5.0}")
    assert problems(run_check(example)) == []
    assert any(d.rule == "metric-decision" for d in run_check(example, today=TODAY.replace(month=12)).diagnostics)


def test_a_duplicate_visibility_line_does_not_make_an_irritant_public(example: Path) -> None:
    edit(example / IRR / "support-wait-evenings.yaml", "reviewed: 2026-11-10",
         "reviewed: 2026-11-10\nvisibility: internal\nvisibility: public")
    result = run_check(example)
    assert result.backlog.irritants["support-wait-evenings"].visibility == "internal"


def test_misspelt_visibility_fails_closed(example: Path) -> None:
    edit(example / IRR / "cash-at-stations.yaml", "visibility: public", "visibility: Public")
    result = run_check(example)
    assert result.backlog.irritants["cash-at-stations"].visibility == "internal"
    assert ("value", f"{IRR}/cash-at-stations.yaml") in [(d.rule, d.loc.path) for d in result.diagnostics]


def test_every_problem_is_reported_in_one_run_sorted_by_file_and_line(example: Path) -> None:
    edit(example / IRR / "helmet-rental.yaml", "owner:", "ownr:")
    edit(example / IRR / "unlock-fails-in-background.yaml", "status: in-progress", "status: doing")
    edit(example / IRR / "unlock-fails-in-background.yaml", "team: app", "team: no")
    edit(example / STO / "helmet-discount.md", "irritants: [helmet-rental]", "irritants: [nope]")
    result = run_check(example)
    # the irritant without an owner cannot be read, so it no longer covers the segment risks it covered: those
    # warnings are right too, but the four mistakes are what this run must report, all of them
    assert [(d.loc.path, d.rule) for d in problems(result) if d.severity is Severity.ERROR] == [
        (f"{IRR}/helmet-rental.yaml", "unknown-field"),
        (f"{IRR}/unlock-fails-in-background.yaml", "type"),
        (f"{IRR}/unlock-fails-in-background.yaml", "value"),
        (f"{STO}/helmet-discount.md", "reference"),
    ]
    assert {d.rule for d in problems(result) if d.severity is not Severity.ERROR} <= {"risk-uncovered"}
    keys = [(d.loc.path, d.loc.line) for d in result.diagnostics]
    assert keys == sorted(keys)



def test_a_record_without_a_required_field_is_reported_once_and_still_exists(example: Path) -> None:
    """An irritant that cannot be built (no title) keeps its ID: the story and the feedback rows that name it
    are not reported as broken references, and the summary still counts it."""
    edit(example / IRR / "day-pass-confusing.yaml", "title: Tourists cannot tell the day pass from pay-as-you-go\n", "")
    result = run_check(example)
    assert [(d.rule, d.loc.path) for d in problems(result)] == [("required", f"{IRR}/day-pass-confusing.yaml")]
    assert "day-pass-confusing" not in result.backlog.irritants
    assert result.backlog.counts() == {"irritants": 14, "decisions": 8, "stories": 15, "feedback rows": 4006,
                                       "unreadable": 1}


def test_a_feedback_row_without_a_date_is_reported_once_and_its_id_still_resolves(example: Path) -> None:
    edit(example / "feedback/surveys-and-reviews.csv", "REV-1103-0001,2025-11-03,", "REV-1103-0001,,")
    result = run_check(example)
    row = line_of(example / "feedback/surveys-and-reviews.csv", "REV-1103-0001")
    assert found(result) == [("feedback/surveys-and-reviews.csv", row, "required")]
    assert "REV-1103-0001" not in {row.id for row in result.backlog.feedback}


def test_per_record_rules_wait_until_the_required_fields_are_valid(example: Path) -> None:
    """A status nobody can read leaves no status to judge: the record's other rules run once it is fixed."""
    irritant = example / IRR / "battery-range-wrong.yaml"
    edit(irritant, "owner: Maya Okafor\n", "")
    assert [d.rule for d in problems(run_check(example))] == ["dated-assigned"]
    status = next(line for line in irritant.read_text(encoding="utf-8").splitlines() if line.startswith("status:"))
    edit(irritant, status, "status: doing")
    assert [d.rule for d in problems(run_check(example))] == ["value"]


def test_each_wrong_cell_of_a_feedback_export_is_reported_at_its_row(example: Path) -> None:
    """A stage, team, segment or irritant nobody declared, and a repeated row ID: one error each, at its row."""
    export = example / "feedback/surveys-and-reviews.csv"
    rows = export.read_text("utf-8").splitlines()
    first = len(rows) + 1
    rows += ["NEW-1,2026-10-01,survey,CUST-1,commuter,ops,boarding,,,,,complaint,,",
             "NEW-2,2026-10-01,survey,CUST-2,commuter,marketing,payment,,,,,complaint,,",
             "NEW-3,2026-10-01,survey,CUST-3,student,ops,payment,,,,,complaint,,",
             "NEW-4,2026-10-01,survey,CUST-4,commuter,ops,payment,,,,,complaint,no-such-irritant,",
             "NEW-1,2026-10-02,survey,CUST-5,commuter,ops,payment,,,,,complaint,,"]
    export.write_text("\n".join(rows) + "\n", "utf-8")
    result = run_check(example)
    mine = [(d.loc.line, d.rule, d.message) for d in problems(result) if d.loc.path == "feedback/surveys-and-reviews.csv"]
    assert mine == [
        (first, "reference", "journey stage 'boarding' does not exist in site.yaml"),
        (first + 1, "reference", "team 'marketing' does not exist in site.yaml"),
        (first + 2, "reference", "segment 'student' does not exist in site.yaml"),
        (first + 3, "reference", "irritant 'no-such-irritant' does not exist in backlog/irritants/"),
        (first + 4, "id-duplicate", f"feedback ID 'NEW-1' is already used at feedback/surveys-and-reviews.csv:{first}:1"),
    ]


@pytest.mark.parametrize("target, rule", [("2026-13-01", "date"), ("31/12/2026", "type"), ("20261215", "type")])
def test_a_target_written_wrong_is_one_error_on_its_line_not_also_a_missing_target(target: str, rule: str,
                                                                                    example: Path) -> None:
    """'has no target — add target:' beside the line that has one leads the author to a second, duplicate key."""
    irritant = example / IRR / "unlock-fails-in-background.yaml"
    edit(irritant, "target: 2026-12-15", f"target: {target}")
    assert found(run_check(example)) == [(f"{IRR}/unlock-fails-in-background.yaml",
                                          line_of(irritant, "target:"), rule)]


@pytest.mark.parametrize("written, hint", [
    ("31/12/2026", "write dates as YYYY-MM-DD: 2026-12-31"),          # day first: 31 is no month
    ("12/31/2026", "write dates as YYYY-MM-DD: 2026-12-31"),          # month first, as in the US
    ("31.12.2026", "write dates as YYYY-MM-DD: 2026-12-31"),
    ("2026/12/31", "write dates as YYYY-MM-DD: 2026-12-31"),
    ("2026-1-5", "write dates as YYYY-MM-DD: 2026-01-05"),
    ("01/02/2026", "write dates as YYYY-MM-DD: 2026-02-01 if you meant 1 February, 2026-01-02 if you meant 2 January"),
    ("31/02/2026", "write dates as YYYY-MM-DD, e.g. 2026-10-31"),     # no such day either way: no guess
    ("next spring", "write dates as YYYY-MM-DD, e.g. 2026-10-31"),
])
def test_a_date_written_the_local_way_is_given_back_as_yyyy_mm_dd(written: str, hint: str) -> None:
    """A team's first dates are written as their calendar writes them; the hint says the very line to write."""
    with pytest.raises(Problem) as raised:
        parse_date(written)
    assert (raised.value.message, raised.value.hint) == (f"'{written}' is not a date", hint)


def test_an_irritant_too_broken_to_read_is_still_offered_for_a_reference_spelt_wrong(example: Path) -> None:
    """A story naming 'helmet-rentals' while helmet-rental.yaml has a syntax error: the suggestion is the file that
    is there, not the list of the irritants that happen to read (a newcomer fixes both at once)."""
    edit(example / IRR / "helmet-rental.yaml", "title:", "title: [never closed\nowner:")
    edit(example / STO / "helmet-discount.md", "irritants: [helmet-rental]", "irritants: [helmet-rentals]")
    [wrong] = [d for d in run_check(example).diagnostics if d.rule == "reference"]
    assert (wrong.loc.path, wrong.message, wrong.hint) == (
        f"{STO}/helmet-discount.md", "irritant 'helmet-rentals' does not exist in backlog/irritants/",
        "did you mean 'helmet-rental'?")


def test_no_message_or_hint_puts_an_aside_inside_another(example: Path) -> None:
    """A bracket inside a bracket makes a reader count them: "(22 day(s) ago; owner: Jonas Berg)" now reads as a
    sentence, and the raw-HTML hint's markdown example is no longer inside an aside."""
    edit(example / f"{DEC}/no-cash-payments.md", "review_on: 2027-05-26", "review_on: 2026-11-01")
    edit(example / f"{STO}/helmet-discount.md", "A helmet of your own fits better too.", "A <em>better</em> fit.")
    said = {d.rule: d for d in run_check(example).diagnostics}
    assert said["decision-review"].message == \
        "decision was due for review on 2026-11-01, 22 day(s) ago, and has no outcome; owner: Jonas Berg"
    assert said["raw-html"].hint.startswith("write markdown instead: *emphasis*, **bold**, [link](https://…). ")
    assert [(d.rule, nested_parentheses(d.message + " " + d.hint)) for d in said.values()
            if nested_parentheses(d.message + " " + d.hint)] == []
