"""The README tells the truth about fields and rules (in the style of sqlite-utils' test_docs.py).

The field tables are generated from the one field declaration (the model) by
scripts/docs.py; the rules table is written by hand and must list exactly the
rule ids the code can emit. A field declared once reaches validation, the JSON
Schemas and the README check.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from site_gen.diagnostics import RULES
from site_gen.fields import RECORD_FIELDS

from .conftest import REPO, beyond_example_warnings, edit, problems, run_check, script

README = (REPO / "README.md").read_text(encoding="utf-8")


docs = script("docs")


def test_readme_field_tables_are_generated_from_the_declaration() -> None:
    assert docs.check_fields(README) == []


def test_the_readme_documents_every_record_kind() -> None:
    for kind in RECORD_FIELDS:   # site.yaml, each record kind, feedback rows and the notify ledger
        assert README.count(f"<!-- fields: {kind} -->") == 1, kind


def test_readme_rules_table_lists_exactly_the_registered_rule_ids() -> None:
    assert docs.check_rules(README) == []
    assert sorted(docs.readme_rule_ids(README)) == sorted(RULES)


def test_the_rules_check_names_a_rule_missing_from_the_readme() -> None:
    problems = docs.check_rules(README, {**RULES, "brand-new-rule": "checks something new"})
    assert problems == ["rule id 'brand-new-rule' (checks something new) is missing from README.md's rules table"]


def _rule_ids_in_code() -> dict[str, str]:
    """rule id -> a file that emits it: the literal rule of every error(), warning() and Problem() call,
    or a module's `RULE = "…"` constant that its calls pass on."""
    emitted: dict[str, str] = {}
    for path in sorted((REPO / "site_gen").rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for node in module.body:
            if (isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["RULE"]
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                emitted.setdefault(node.value.value, str(path.relative_to(REPO)))
        for node in ast.walk(module):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            position = {"error": 1, "warning": 1, "Problem": 0}.get(name)
            if position is None or len(node.args) <= position:
                continue
            rule = node.args[position]
            if isinstance(rule, ast.Constant) and isinstance(rule.value, str):
                emitted.setdefault(rule.value, str(path.relative_to(REPO)))
    return emitted


def test_every_rule_id_the_code_emits_is_registered() -> None:
    emitted = _rule_ids_in_code()
    assert len(emitted) > 20, "the scan finds the rule ids"
    assert {rule: path for rule, path in emitted.items() if rule not in RULES} == {}


def test_every_registered_rule_id_is_emitted_somewhere() -> None:
    assert sorted(set(RULES) - set(_rule_ids_in_code())) == []


def test_the_docs_script_passes_its_own_check() -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "docs.py"), "--check"],
                          capture_output=True, text=True, cwd=REPO)
    assert (done.returncode, done.stderr) == (0, "")


THROWAWAY = textwrap.dedent("""
    import json, sys
    from dataclasses import dataclass
    from datetime import date
    from pathlib import Path

    import site_gen.model as model
    from site_gen.fieldtypes import Text, declare

    # the one edit: a copy of the Irritant declaration with one more field
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Irritant(model.Irritant):
        effort: str | None = declare(Text(), "How big the fix is, in the team's words.")

    model.Irritant = Irritant

    from site_gen.check import check_repository
    from site_gen.schemas import build_schemas
    sys.path.insert(0, sys.argv[2])
    import docs

    repo = Path(sys.argv[1])
    result = check_repository(repo, date(2026, 11, 23))
    irritant = result.backlog.irritants["helmet-rental"]
    schema = build_schemas()["irritant.schema.json"]
    print(json.dumps({
        "diagnostics": [d.as_text() for d in result.diagnostics],
        "value": irritant.effort,
        "schema": schema["properties"].get("effort"),
        "readme": docs.check_fields(Path(sys.argv[3]).read_text(encoding="utf-8")),
    }))
""")


def test_a_field_declared_once_is_validated_in_the_schema_and_missing_from_the_readme(example: Path) -> None:
    """One declaration drives everything: the loader accepts the field, the schema offers it, the docs check asks
    for it. The edit happens in a fresh interpreter, before anything derives from the declaration."""
    edit(example / "backlog/irritants/helmet-rental.yaml", "owner:", "effort: two sprints\nowner:")
    without = run_check(example)
    assert [(d.rule, d.message) for d in problems(without)] == [
        ("unknown-field", "unknown field 'effort' in irritant")]

    done = subprocess.run([sys.executable, "-c", THROWAWAY, str(example), str(REPO / "scripts"),
                           str(REPO / "README.md")], capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout)
    assert [line for line in seen["diagnostics"] if "[loop-open]" not in line and "[recurrence]" not in line] == []
    assert seen["value"] == "two sprints"
    assert seen["schema"] == {"type": ["string", "null"], "description": "How big the fix is, in the team's words."}
    assert seen["readme"] == [
        "irritant field 'effort' is missing from README.md: run `python scripts/docs.py` to regenerate the field "
        "tables"]


def test_the_irritant_the_readme_adds_by_pull_request_passes_check(example: Path) -> None:
    """The first file a new team copies: it must pass as written (it drew slug-missing and unreviewed warnings)."""
    section = README.split("## Adding an irritant by pull request", 1)[1]
    block = textwrap.dedent(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    (example / "backlog/irritants/slow-deposit-refund.yaml").write_text(block, encoding="utf-8")
    mine = [str(d) for d in run_check(example).diagnostics if d.loc.path.endswith("slow-deposit-refund.yaml")]
    assert mine == []


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under group, with its words as typed after site-gen: ("new", "irritant")."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _commands_table(text: str) -> dict[str, str]:
    """The README's Commands table: each command's row, by the command's name (check, new, import…)."""
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return {match.group(1): line for line in section.splitlines()
            if (match := re.match(r"\| `site-gen ([a-z]+)", line))}


def test_the_readme_commands_table_names_every_command_and_option_of_site_gen_help() -> None:
    """What --help offers, the Commands table shows on the command's row: an option found only in --help (init
    --no-git, feedback --limit, serve --port, new irritant --owner…) was undocumented."""
    from site_gen.cli import main

    rows = _commands_table(README)
    missing: list[str] = []
    for words, command in _commands(main):
        row = rows.get(words[0], "")
        if " ".join(words[1:]) not in row:
            missing.append(f"site-gen {' '.join(words)}")
        for parameter in command.params:
            spellings = [name for name in getattr(parameter, "opts", []) + getattr(parameter, "secondary_opts", [])
                         if isinstance(parameter, click.Option) and name.startswith("--") and name != "--help"]
            if spellings and not any(re.search(rf"{re.escape(name)}(?![\w-])", row) for name in spellings):
                missing.append(f"site-gen {' '.join(words)} {' / '.join(spellings)}")
    assert missing == []


def _rules_table_rows(text: str) -> list[tuple[str, str]]:
    """(rule id cell, example message cell) of each row of the README's rules table."""
    section = text.split(docs.RULES_SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [re.split(r"(?<!\\)\|", line)[1:-1] for line in section.splitlines() if line.startswith("| `")]
    return [(cells[0], cells[-1]) for cells in rows]


def test_each_rule_id_is_documented_once_with_an_example_that_says_how_to_fix_it() -> None:
    """A rule's row says what triggers it and, in its example message, the fix the author reads after the dash."""
    ids = docs.readme_rule_ids(README)
    assert sorted(rule for rule in set(ids) if ids.count(rule) > 1) == []
    without_fix = [rule for rule, example in _rules_table_rows(README) if " — " not in example]
    assert without_fix == []


def _readme_console(command: str) -> list[list[str]]:
    """The output lines the README shows under each `$ command` of its console blocks (comments after # cut)."""
    shown: list[list[str]] = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        lines = block.splitlines()
        for at, line in enumerate(lines):
            if line.startswith("$ ") and line[2:].split("#", 1)[0].strip() == command:
                output = []
                for after in lines[at + 1:]:
                    if after.startswith("$ ") or not after.strip():
                        break
                    output.append(after)
                shown.append(output)
    return shown


def _printed(root: Path, *arguments: str) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "site_gen", *arguments], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    return (done.stdout + done.stderr).splitlines()


def test_the_readme_shows_what_check_prints_on_the_example_and_after_a_careless_edit(example: Path) -> None:
    """The README's first two outputs, word for word: the example's two warnings, then a careless edit's two errors
    (its summary drew '14 irritants' where check counts the broken file as unreadable)."""
    clean, careless = _readme_console("site-gen check --today 2026-11-23")
    assert _printed(example, "check", "--today", "2026-11-23", "--no-cache") == clean

    helmet = example / "backlog/irritants/helmet-rental.yaml"
    edit(helmet, "team: ops", "team: no")
    edit(helmet, "owner:", "ownr:")
    printed = beyond_example_warnings(_printed(example, "check", "--today", "2026-11-23", "--no-cache"))
    assert printed == careless


def _in_order(printed: list[str], shown: list[str]) -> list[str]:
    """The lines the README shows (an elided '…' aside) that the command did not print, in that order."""
    missing, at = [], 0
    for line in shown:
        if line == "…":
            continue
        if line in printed[at:]:
            at = printed.index(line, at) + 1
        else:
            missing.append(line)
    return missing


README_OUTPUTS = [
    ("site-gen agenda --date 2026-11-25", ("agenda", "--date", "2026-11-25")),
    ("site-gen digest --week 2026-11-16", ("digest", "--week", "2026-11-16")),
    ("site-gen feedback no bikes central --stage discover", ("feedback", "no", "bikes", "central", "--stage",
                                                             "discover")),
]


def test_the_readme_shows_what_agenda_digest_and_feedback_print_on_the_example(example: Path) -> None:
    for command, arguments in README_OUTPUTS:
        [shown] = _readme_console(command)
        assert shown and _in_order(_printed(example, *arguments), shown) == [], command


def test_the_readme_shows_what_notify_prints_on_the_example(example: Path, tmp_path: Path) -> None:
    """Its counts come from the committed ledger and contacts: they drew '59 told' after the ledger was regenerated."""
    command = "site-gen notify --since 2026-10-01 --contacts ~/crm-contacts.csv --out ~/notify"
    [shown] = _readme_console(command)
    home = tmp_path / "home"
    home.mkdir()
    printed = _printed(example, "notify", "--since", "2026-10-01", "--contacts", str(REPO / "tests/example-contacts.csv"),
                       "--out", str(home / "notify"))
    assert _in_order([line.replace(str(home), "/home/ana") for line in printed], shown) == []


def test_the_readme_shows_what_reviewed_prints_on_the_example(example: Path) -> None:
    """The meeting's three commands, in the README's order, each naming the file and the fields it changed."""
    for command in ("site-gen reviewed support-wait-evenings unlock-fails-in-background --on 2026-11-25",
                    "site-gen reviewed day-pass-confusing --status done",
                    "site-gen reviewed unlock-fails-in-background --target 2027-01-31"):
        [shown] = _readme_console(command)
        assert _printed(example, *command.split()[1:]) == shown, command
