"""Keep the README's field tables and rules table true to the code.

    python scripts/docs.py            # regenerate the field tables between the markers in README.md
    python scripts/docs.py --check    # exit 1, naming each difference, when README.md is stale

The field tables are generated from the one field declaration (site_gen/model.py,
read through site_gen/fields.py) between `<!-- fields: KIND -->` and
`<!-- end fields -->`. The rules table is written by hand (it has example
messages), and checked: it lists exactly the rule ids in site_gen.diagnostics.RULES.
tests/test_docs.py runs the check.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from site_gen.diagnostics import RULES  # noqa: E402
from site_gen.fields import RECORD_FIELDS  # noqa: E402
from site_gen.fieldtypes import Field, Object, ObjectList  # noqa: E402

README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- fields: ([a-z-]+) -->\n)(.*?)(<!-- end fields -->)", re.S)
RULES_SECTION = "## The rules and what they say"
HOW_TO_FIX = "run `python scripts/docs.py` to regenerate the field tables"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(fields: Iterable[Field], prefix: str = "") -> Iterable[tuple[str, Field]]:
    """Every field with its path as people write it: public.title, metrics[].series[].period."""
    for field in fields:
        path = prefix + field.name
        yield path, field
        if isinstance(field.type, ObjectList):
            yield from _rows(field.type.fields, path + "[].")
        elif isinstance(field.type, Object):
            yield from _rows(field.type.fields, path + ".")


def field_table(fields: tuple[Field, ...]) -> str:
    lines = ["| Field | Required | Type | Meaning |", "|---|---|---|---|"]
    for path, field in _rows(fields):
        kind = field.type.explain()
        if field.default is not None:
            kind += f"; default `{field.default}`"
        lines.append(f"| `{path}` | {'yes' if field.required else ''} | {_cell(kind)} | {_cell(field.doc)} |")
    return "\n".join(lines) + "\n"


def render(text: str, contracts: Mapping[str, tuple[Field, ...]] = RECORD_FIELDS) -> str:
    """The README with every field table regenerated from the declaration."""
    def table(match: re.Match[str]) -> str:
        kind = match.group(2)
        if kind not in contracts:
            return match.group(0)
        return match.group(1) + field_table(contracts[kind]) + match.group(4)
    return BLOCK.sub(table, text)


def _names(block: str) -> list[str]:
    return [line.split("`")[1] for line in block.splitlines() if line.startswith("| `")]


def check_fields(text: str, contracts: Mapping[str, tuple[Field, ...]] = RECORD_FIELDS) -> list[str]:
    """What differs between the README's field tables and the declaration, one sentence each."""
    problems: list[str] = []
    blocks = {match.group(2): match.group(3) for match in BLOCK.finditer(text)}
    for kind, fields in contracts.items():
        if kind not in blocks:
            problems.append(f"README.md has no field table for {kind} (add '<!-- fields: {kind} -->' and "
                            "'<!-- end fields -->' lines, then " + HOW_TO_FIX + ")")
            continue
        declared = [path for path, _ in _rows(fields)]
        written = _names(blocks[kind])
        for name in declared:
            if name not in written:
                problems.append(f"{kind} field '{name}' is missing from README.md: {HOW_TO_FIX}")
        for name in written:
            if name not in declared:
                problems.append(f"README.md documents {kind} field '{name}', which is not declared: {HOW_TO_FIX}")
        if set(declared) == set(written) and blocks[kind] != field_table(fields):
            problems.append(f"README.md's {kind} field table is out of date: {HOW_TO_FIX}")
    return problems


def readme_rule_ids(text: str) -> list[str]:
    """The rule ids in the first column of the README's rules table."""
    section = text.split(RULES_SECTION, 1)[1].split("\n## ", 1)[0]
    ids: list[str] = []
    for line in section.splitlines():
        if line.startswith("| `"):
            ids += re.findall(r"`([a-z-]+)`", line.split("|")[1])
    return ids


def check_rules(text: str, rules: Mapping[str, str] = RULES) -> list[str]:
    written = readme_rule_ids(text)
    problems = [f"rule id '{rule}' ({rules[rule]}) is missing from README.md's rules table"
                for rule in rules if rule not in written]
    problems += [f"README.md's rules table lists '{rule}', which is not in site_gen.diagnostics.RULES"
                 for rule in written if rule not in rules]
    return problems


def check(text: str, contracts: Mapping[str, tuple[Field, ...]] = RECORD_FIELDS,
          rules: Mapping[str, str] = RULES) -> list[str]:
    return check_fields(text, contracts) + check_rules(text, rules)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    if "--check" in argv:
        problems = check(text)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    updated = render(text)
    if updated != text:
        README.write_text(updated, encoding="utf-8")
        print("README.md: field tables regenerated")
    problems = check_rules(updated)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
