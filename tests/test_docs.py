"""The README tells the truth about fields and rules (in the style of sqlite-utils' test_docs.py).

The field tables are generated from the one field declaration (the model) by
scripts/docs.py; the rules table is written by hand and must list exactly the
rule ids the code can emit. A field declared once reaches validation, the JSON
Schemas and the README check.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from site_gen.diagnostics import RULES

from .conftest import REPO, edit, problems, run_check, script

README = (REPO / "README.md").read_text(encoding="utf-8")


docs = script("docs")


def test_readme_field_tables_are_generated_from_the_declaration() -> None:
    assert docs.check_fields(README) == []


def test_the_readme_documents_every_record_kind() -> None:
    for kind in ("site", "irritant", "decision", "story", "feedback"):
        assert f"<!-- fields: {kind} -->" in README


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
