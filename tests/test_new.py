"""`site-gen new`: a valid file to start from; TODO placeholders are check errors until filled."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.cli import main

from .conftest import TODAY, found, run_check

DAY = ["--today", TODAY.isoformat()]


def new(root: Path, *args: str, env: dict | None = None, repo: str = "--repo"):
    return CliRunner().invoke(main, ["new", *args, repo, str(root), *DAY], catch_exceptions=False, env=env)


def test_a_complete_irritant_from_flags_passes_check(example: Path) -> None:
    outcome = new(example, "irritant", "--title", "Deposit refund e-mail never arrives", "--stage", "payment",
                  "--team", "billing", "--owner", "Jonas Berg", "--cause", "The mail template fails on long names",
                  "--from-feedback", "SRV-1101-0002")
    assert outcome.exit_code == 0, outcome.output
    path = example / "backlog/irritants/deposit-refund-e-mail-never-arrives.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:2] == ["# yaml-language-server: $schema=../../schemas/irritant.schema.json",
                                     "title: Deposit refund e-mail never arrives"]
    assert f"opened: {TODAY.isoformat()}" in text and "feedback: [SRV-1101-0002]" in text
    assert "slug:" not in text  # internal: no public address
    assert [d for d in run_check(example).diagnostics if d.loc.path.endswith("never-arrives.yaml")] == []



@pytest.mark.parametrize("kind, args, written", [
    ("irritant", ("--stage", "payment", "--team", "billing"), "backlog/irritants/cash-at-kiosks.yaml"),
    ("decision", ("--kind", "debrief"), "backlog/decisions/cash-at-kiosks.md"),
    ("story", ("--irritant", "deposit-refund-slow"), "backlog/stories/cash-at-kiosks.md")])
def test_the_old_path_option_still_names_the_repository(example: Path, kind: str, args: tuple[str, ...],
                                                        written: str) -> None:
    """--repo is the name every command that takes an option for the folder uses; scripts written with new's
    first spelling, --path, keep working."""
    outcome = new(example, kind, "--title", "Cash at kiosks", *args, repo="--path")
    assert outcome.exit_code == 0, outcome.output
    assert (example / written).is_file()

def test_what_only_the_author_knows_is_a_todo_that_check_names(example: Path) -> None:
    assert new(example, "irritant", "--title", "Slow app start", "--stage", "discover", "--team", "app").exit_code == 0
    path = "backlog/irritants/slow-app-start.yaml"
    placeholders = [(d.loc.line, d.message) for d in run_check(example).diagnostics
                    if d.loc.path == path and d.rule == "placeholder"]
    assert placeholders == [
        (5, "'owner' still holds the placeholder 'TODO: the person responsible'"),
        (6, "'cause' still holds the placeholder 'TODO: the identified or probable cause'")]
    assert all(d.severity == "error" for d in run_check(example).diagnostics if d.rule == "placeholder")


def test_a_public_irritant_gets_its_slug_from_the_public_title_only(example: Path) -> None:
    outcome = new(example, "irritant", "--title", "Stripe webhook drops refunds for fleet accounts",
                  "--public-title", "Refunds sometimes never arrive", "--stage", "payment", "--team", "billing",
                  "--owner", "Jonas Berg", "--cause", "Webhook retries off")
    assert outcome.exit_code == 0, outcome.output
    text = (example / "backlog/irritants/stripe-webhook-drops-refunds-for-fleet-accounts.yaml").read_text("utf-8")
    assert "slug: refunds-sometimes-never-arrive\n" in text and "visibility: public" in text
    slug_line = next(line for line in text.splitlines() if line.startswith("slug:"))
    assert "stripe" not in slug_line and "fleet" not in slug_line
    assert [d for d in run_check(example).diagnostics if "stripe-webhook" in d.loc.path] == []


def test_filled_in_with_the_editor_the_files_pass_check(example: Path, tmp_path: Path) -> None:
    filler = tmp_path / "fill.py"
    filler.write_text("import re, sys\np = sys.argv[1]\ns = open(p).read()\n"
                      "s = re.sub(r'\"TODO: [^\"]*\"', 'Filled in', s)\ns = re.sub(r'TODO: .*', 'Filled in.', s)\n"
                      "open(p, 'w').write(s)\n", encoding="utf-8")
    env = {"EDITOR": f"{sys.executable} {filler}", "VISUAL": ""}
    assert new(example, "decision", "--title", "Refund deposits within three days", "--irritant",
               "deposit-refund-slow", "--edit", env=env).exit_code == 0
    assert new(example, "story", "--title", "Deposits come back in three days", "--irritant", "deposit-refund-slow",
               "--public", "--edit", env=env).exit_code == 0
    story = (example / "backlog/stories/deposits-come-back-in-three-days.md").read_text("utf-8")
    assert "slug: deposits-come-back-in-three-days" in story and "audience: public" in story
    new_files = ("refund-deposits-within-three-days.md", "deposits-come-back-in-three-days.md")
    assert [d for d in run_check(example).diagnostics if d.loc.path.endswith(new_files)] == []


def test_a_decision_asks_the_questions_of_its_kind_and_its_body_todos_are_reported(example: Path) -> None:
    assert new(example, "decision", "--title", "Pause night rides", "--kind", "debrief").exit_code == 0
    text = (example / "backlog/decisions/pause-night-rides.md").read_text("utf-8")
    for name in ("what_happened", "customer_impact", "root_cause", "prevention"):
        assert f'{name}: "TODO: ' in text
    body = [d for d in run_check(example).diagnostics
            if d.loc.path.endswith("pause-night-rides.md") and d.message.startswith("the body")]
    assert len(body) == 4


def test_supersedes_changes_only_the_old_decisions_status_line(example: Path) -> None:
    old = example / "backlog/decisions/no-cash-payments.md"
    before = old.read_bytes()
    outcome = new(example, "decision", "--title", "Accept cash at two kiosks", "--owner", "Leila Haddad",
                  "--supersedes", "no-cash-payments")
    assert outcome.exit_code == 0, outcome.output
    assert "supersedes: no-cash-payments" in (example / "backlog/decisions/accept-cash-at-two-kiosks.md").read_text()
    expected = before.replace(b"status: active\n", b"status: superseded\nsuperseded_by: accept-cash-at-two-kiosks\n")
    assert old.read_bytes() == expected
    assert [d.rule for d in run_check(example).diagnostics if d.loc.path.endswith("no-cash-payments.md")] == []


def test_refuses_to_overwrite_and_unknown_ids(example: Path) -> None:
    args = ["irritant", "--title", "Helmet rental", "--id", "helmet-rental", "--stage", "discover", "--team", "ops"]
    before = (example / "backlog/irritants/helmet-rental.yaml").read_bytes()
    outcome = new(example, *args)
    assert outcome.exit_code == 1 and "exists already" in outcome.stderr
    assert (example / "backlog/irritants/helmet-rental.yaml").read_bytes() == before
    outcome = new(example, "story", "--title", "Helmets", "--irritant", "helmet-rentals")
    assert outcome.exit_code == 2 and "did you mean 'helmet-rental'?" in outcome.stderr
    outcome = new(example, "irritant", "--title", "No stage given", "--team", "ops")
    assert outcome.exit_code == 2 and "--stage is required" in outcome.stderr


def test_an_id_given_by_hand_must_be_a_valid_id_never_a_path(example: Path) -> None:
    """`--id ../../notes` wrote notes.yaml beside site.yaml (any path could be reached); an ID check rejects
    (upper case, doubled hyphens, accents, a suffix) was written too, only for check to refuse it."""
    before = sorted(p.relative_to(example) for p in example.rglob("*"))
    for kind, given, suggested in (("irritant", "../../notes", "notes"), ("irritant", "Helmet-Rental", "helmet-rental"),
                                   ("decision", "a--b", "a-b"), ("story", "café.md", "cafe-md"), ("story", "", "story")):
        extra = ["--stage", "payment", "--team", "app"] if kind == "irritant" else []
        extra += ["--irritant", "helmet-rental"] if kind == "story" else []
        outcome = new(example, kind, "--title", "Helmets", "--id", given, *extra)
        assert outcome.exit_code == 2, outcome.output
        assert (f"Invalid value for '--id': '{given}' is not a valid {kind} ID: use lower-case letters, digits and "
                f"single hyphens, e.g. {suggested}") in " ".join(outcome.stderr.split())
    assert sorted(p.relative_to(example) for p in example.rglob("*")) == before


def test_a_team_or_stage_not_in_site_yaml_says_where_to_add_it(example: Path) -> None:
    """A new team's first irritant is often its own team's: the refusal says where the list is."""
    outcome = new(example, "irritant", "--title", "Slow refunds", "--stage", "payment", "--team", "finance")
    assert outcome.exit_code == 2
    assert ("'finance' is not one of app, ops, support, billing (site.yaml's teams: add it there first if it is a new "
            "one)") in " ".join(outcome.stderr.split())
    outcome = new(example, "irritant", "--title", "Slow refunds", "--stage", "paying", "--team", "billing")
    assert outcome.exit_code == 2 and "(site.yaml's journey_stages: add it there" in " ".join(outcome.stderr.split())


def test_placeholders_in_found_files_name_the_field(example: Path) -> None:
    path = example / "backlog/irritants/helmet-rental.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("owner: ", "owner: TODO ask Leila — was "), encoding="utf-8")
    assert [rule for (_, _, rule) in found(run_check(example)) if rule == "placeholder"] == ["placeholder"]


def test_a_placeholder_in_any_written_text_of_any_record_is_named(example: Path) -> None:
    """Every field an author writes text into (a string or a list of strings), of irritants, decisions and
    stories alike, is read for a placeholder: each alone holding one is named, at that field."""
    import dataclasses

    from site_gen.check import check_repository
    from site_gen.rules import placeholders

    backlog = check_repository(example, TODAY).backlog
    records = [next(iter(records.values())) for records in (backlog.irritants, backlog.decisions, backlog.stories)]
    for record in records:
        texts = [item for item in dataclasses.fields(record)
                 if item.name not in ("id", "loc", "locs", "body", "body_line") and "str" in str(item.type)]
        assert len(texts) >= 10
        for item in texts:
            planted = ("fine", "TODO: fill in") if str(item.type).startswith("tuple") else "TODO: fill in"
            named = [d.message for d in placeholders.check_record(dataclasses.replace(record, **{item.name: planted}))]
            assert named == [f"'{item.name}' still holds the placeholder 'TODO: fill in'"], (type(record), item.name)


def test_today_in_new_and_init_dates_what_they_write_and_says_so() -> None:
    """--today in new and init dates the files they write: "Check as if today were…" read as if it checked them."""
    for command in (["new", "irritant"], ["new", "decision"], ["new", "story"], ["init"]):
        help_text = " ".join(CliRunner().invoke(main, [*command, "--help"]).output.split())
        assert "--today [%Y-%m-%d] Date the " in help_text and "Check as if" not in help_text, command
