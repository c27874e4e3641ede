"""The command line as a pull-request author and a CI job see it: output formats and exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from site_gen.cli import main

from .conftest import edit

TODAY = ["--today", "2026-11-23"]


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def break_two_rules(root: Path) -> None:
    edit(root / "backlog/irritants/helmet-rental.yaml", "owner:", "ownr:")
    edit(root / "backlog/irritants/deposit-refund-slow.yaml", "reviewed: 2026-11-17", "reviewed: 2026-10-01")


def test_the_example_exits_0_with_its_two_deliberate_warnings(example: Path) -> None:
    outcome = invoke("check", str(example), *TODAY)
    assert outcome.exit_code == 0
    assert deliberate(outcome.stdout.splitlines()) == outcome.stdout.splitlines()
    assert len(outcome.stdout.splitlines()) == 2
    assert "0 error(s), 2 warning(s) in 14 irritants, 8 decisions, 15 stories, 4,006 feedback rows, as of 2026-11-23." \
        in outcome.stderr


def test_a_backlog_without_problems_says_so(example: Path) -> None:
    """Tell the seat clamp's customers (a story), and close the sign-up loop only now: nothing left to say."""
    (example / "backlog/stories/seat-lowers-again.md").write_text(
        "---\ntitle: Seats go down again\ndate: 2026-10-02\nirritants: [seat-clamp-stuck]\n---\n", encoding="utf-8")
    edit(example / "backlog/irritants/signup-id-check-loop.yaml", "closed: 2026-04-09", "closed: 2026-11-20")
    outcome = invoke("check", str(example), *TODAY)
    assert (outcome.exit_code, outcome.stdout) == (0, "")
    assert "No problems in 14 irritants, 8 decisions, 16 stories, 4,006 feedback rows, as of 2026-11-23." \
        in outcome.stderr


def deliberate(lines: list[str]) -> list[str]:
    """The example's two deliberate warnings (README): the seat clamp's loop is open, the sign-up loop recurs."""
    return [line for line in lines if line.startswith(("backlog/irritants/seat-clamp-stuck.yaml:13:9: warning[loop-open]",
                                                       "backlog/irritants/signup-id-check-loop.yaml:14:9: "
                                                       "warning[recurrence]"))]


def test_text_format_names_file_line_rule_and_fix(example: Path) -> None:
    break_two_rules(example)
    outcome = invoke("check", str(example), *TODAY)
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert len(deliberate(lines)) == 2
    assert [line for line in lines if line not in deliberate(lines)] == [
        "backlog/irritants/deposit-refund-slow.yaml:13:11: warning[unreviewed] open irritant was last reviewed "
        "53 days ago (rules.review_every_days is 14) — review it at the team meeting, then record it with: "
        "site-gen reviewed deposit-refund-slow (it sets 'reviewed:' to the day)",
        "backlog/irritants/helmet-rental.yaml:7:1: error[unknown-field] unknown field 'ownr' in irritant"
        " — did you mean 'owner'?",
    ]
    assert "1 error(s), 3 warning(s)" in outcome.stderr


def test_warnings_alone_exit_0_and_fail_under_strict(example: Path) -> None:
    edit(example / "backlog/irritants/deposit-refund-slow.yaml", "reviewed: 2026-11-17", "reviewed: 2026-10-01")
    assert invoke("check", str(example), *TODAY).exit_code == 0
    assert invoke("check", str(example), *TODAY, "--strict").exit_code == 1


def test_github_format_annotates_the_pull_request_and_writes_a_summary(example: Path, tmp_path: Path) -> None:
    break_two_rules(example)
    summary = tmp_path / "summary.md"
    outcome = invoke("check", str(example), *TODAY, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert lines[1] == ("::error file=backlog/irritants/helmet-rental.yaml,line=7,col=1,title=unknown-field::"
                        "unknown field 'ownr' in irritant — did you mean 'owner'?")
    assert lines[0].startswith("::warning file=backlog/irritants/deposit-refund-slow.yaml,line=13,col=11,"
                               "title=unreviewed::")
    table = summary.read_text(encoding="utf-8")
    assert "**1 error(s), 3 warning(s)** in 14 irritants, 8 decisions, 15 stories, 4,006 feedback rows" in table
    assert "| error | `backlog/irritants/helmet-rental.yaml` | 7 | `unknown-field` |" in table


def test_github_format_escapes_what_would_break_a_workflow_command(example: Path) -> None:
    # a newline or '%' in a message must not end the command or inject another one
    edit(example / "backlog/irritants/helmet-rental.yaml", "owner:", '"own%er\\n::error file=x::injected":')
    outcome = invoke("check", str(example), *TODAY, "--format", "github")
    lines = outcome.stdout.splitlines()
    assert len(lines) == 3      # and the example's two deliberate warnings
    assert lines[0].startswith("::error file=backlog/irritants/helmet-rental.yaml,line=7,col=1,title=unknown-field::")
    assert "own%25er%0A::error file=x::injected" in lines[0]


def test_json_format_is_machine_readable(example: Path) -> None:
    break_two_rules(example)
    outcome = invoke("check", str(example), *TODAY, "--format", "json")
    assert outcome.exit_code == 1
    document = json.loads(outcome.stdout)
    assert document["summary"] == {"errors": 1, "warnings": 3, "as_of": "2026-11-23", "checked": {
        "irritants": 14, "decisions": 8, "stories": 15, "feedback rows": 4006}}
    assert document["diagnostics"][1] == {
        "path": "backlog/irritants/helmet-rental.yaml", "line": 7, "col": 1, "rule": "unknown-field",
        "severity": "error", "message": "unknown field 'ownr' in irritant", "hint": "did you mean 'owner'?"}


@pytest.mark.parametrize("args", [
    ["check", "--format", "xml"],
    ["check", "--today", "tomorrow"],
    ["check", "--no-such-flag"],
])
def test_usage_errors_exit_2(args: list[str], example: Path) -> None:
    outcome = CliRunner().invoke(main, args + [str(example)])
    assert outcome.exit_code == 2
    assert "Traceback" not in outcome.output


def test_a_folder_without_site_yaml_is_a_usage_error(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert outcome.exit_code == 2
    assert "no site.yaml" in outcome.output


def test_every_command_has_help_with_an_example() -> None:
    for command in main.commands:
        outcome = invoke(command, "--help")
        assert outcome.exit_code == 0
        assert "Example" in outcome.stdout and "site-gen " + command in outcome.stdout


def test_schema_command_writes_the_committed_schemas(tmp_path: Path) -> None:
    from .conftest import REPO
    outcome = invoke("schema", str(REPO), "--out", str(tmp_path / "schemas"))
    assert outcome.exit_code == 0
    written = {p.name: p.read_bytes() for p in (tmp_path / "schemas").iterdir()}
    assert written == {p.name: p.read_bytes() for p in (REPO / "schemas").iterdir()}


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


def test_the_repository_has_one_name_when_it_is_an_option() -> None:
    """Positional PATH where a command takes nothing else positional; else --repo (import, reviewed, new, feedback),
    never a second spelling to remember — new's and feedback's first one, --path, is only an alias."""
    named = {name: param.opts for name, command in _commands(main) for param in command.params
             if param.name == "path" and isinstance(param, click.Option)}
    assert sorted(named) == ["feedback", "import", "new decision", "new irritant", "new story", "reviewed"]
    assert {name: opts[0] for name, opts in named.items()} == dict.fromkeys(named, "--repo")
    for name in ("feedback", "new decision", "new irritant", "new story"):
        assert named[name] == ["--repo", "--path"]
        shown = " ".join(invoke(*name.split(), "--help").stdout.split())
        assert "--repo, --path DIRECTORY The backlog repository: the folder that holds site.yaml. " \
               "Write --repo: --path is its old name, still accepted." in shown
