"""A list field (an irritant's `feedback`, a story's `irritants`, site.yaml's `teams`…) as check reads it.

Each entry counts once: a repeat is an error at its place, as the JSON Schemas' `uniqueItems` has the editor
say, and nothing counts it twice meanwhile. A list written wrong (as text, or with an entry check refuses) is
one error where it is written, not one more from every rule that reads the list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from site_gen.fields import RECORD_FIELDS
from site_gen.fieldtypes import Field, List, Object
from site_gen.load.records import load_site_config
from site_gen.schemas import build_schemas

from .conftest import REPO, edit, problems, run_check

# the example file each kind of record is written in here, and its JSON Schema
WRITTEN_IN = {"site": "site.yaml", "irritant": "backlog/irritants/cancel-needs-phone-call.yaml",
              "decision": "backlog/decisions/cancel-in-app.md", "story": "backlog/stories/helmet-discount.md"}
SCHEMA_OF = {"site": "site.schema.json", "irritant": "irritant.schema.json", "decision": "decision.schema.json",
             "story": "story.schema.json", "feedback": "feedback-row.schema.json"}
SAMPLE = "old-address"   # an entry of a list the example file does not write (an alias, an allowed string)


def _list_fields(fields: tuple[Field, ...], prefix: str = "") -> Iterator[str]:
    """The path of every list-of-values field, those of nested mappings included ('public.x', 'metrics.x')."""
    for field in fields:
        if isinstance(field.type, List):
            yield prefix + field.name
        elif isinstance(field.type, Object):
            yield from _list_fields(field.type.fields, f"{prefix}{field.name}.")


LIST_FIELDS = [(kind, path) for kind, fields in RECORD_FIELDS.items() for path in _list_fields(fields)]


def _unique_arrays(schema: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """The path of every property the schema asks to hold each entry once (uniqueItems)."""
    for name, prop in schema.get("properties", {}).items():
        if prop.get("uniqueItems"):
            yield prefix + name
        if isinstance(prop.get("items"), dict):
            yield from _unique_arrays(prop["items"], f"{prefix}{name}.")
        yield from _unique_arrays(prop, f"{prefix}{name}.")


def _write_list(root: Path, kind: str, name: str, value: str) -> tuple[str, int, int]:
    """Write `name: value` in the example's file of this kind, in place of the field's line or as a new one;
    the file, and the line and column of the value."""
    assert "." not in name, f"{name} is a list inside a mapping: teach _write_list to write it"
    rel = WRITTEN_IN[kind]
    lines = (root / rel).read_text("utf-8").split("\n")
    at = next((number for number, line in enumerate(lines) if line.startswith(f"{name}:")), None)
    if at is None:   # a new line at the end of the YAML, or of the front matter
        at = lines.index("---", 1) if rel.endswith(".md") else len(lines) - 1
        lines.insert(at, "")
    lines[at] = f"{name}: {value}"
    (root / rel).write_text("\n".join(lines), "utf-8")
    return rel, at + 1, len(f"{name}: ") + 1


def _entries(kind: str, name: str) -> list[str]:
    """What the example writes in this list (a file of its kind), or one sample entry."""
    for line in (REPO / WRITTEN_IN[kind]).read_text("utf-8").split("\n"):
        if line.startswith(f"{name}:"):
            return [str(entry) for entry in yaml.safe_load(line)[name]]
    return [SAMPLE]


@pytest.mark.parametrize("kind, name", LIST_FIELDS, ids=[f"{kind}.{path}" for kind, path in LIST_FIELDS])
def test_an_entry_listed_twice_is_an_error_at_the_second_one(kind: str, name: str, example: Path) -> None:
    entries = _entries(kind, name)
    written = ", ".join(entries)
    rel, line, col = _write_list(example, kind, name, f"[{written}, {entries[0]}]")
    result = run_check(example)
    repeats = [d for d in result.diagnostics if d.rule == "id-duplicate"]
    assert [f"{d.loc}: {d.severity}[{d.rule}]" for d in repeats] == [
        f"{rel}:{line}:{col + len(f'[{written}, ')}: error[id-duplicate]"]
    assert repeats[0].message == f"'{entries[0]}' is listed twice in {name}"
    assert repeats[0].hint == "remove the second one"


def test_the_schemas_refuse_a_repeat_in_exactly_the_lists_check_refuses_it_in() -> None:
    """An editor that underlines what CI passes, or passes what CI fails, sends its author the wrong way."""
    config = load_site_config(REPO / "site.yaml", REPO, [])
    for schemas in (build_schemas(), build_schemas(config)):
        unique = {(kind, path) for kind, name in SCHEMA_OF.items() for path in _unique_arrays(schemas[name])}
        assert unique == set(LIST_FIELDS)
    committed = {(kind, path) for kind, name in SCHEMA_OF.items()
                 for path in _unique_arrays(json.loads((REPO / "schemas" / name).read_text("utf-8")))}
    assert committed == set(LIST_FIELDS)
    assert {kind for kind, _ in LIST_FIELDS} == set(WRITTEN_IN)   # each is written by the test above


@pytest.mark.parametrize("kind, name", LIST_FIELDS, ids=[f"{kind}.{path}" for kind, path in LIST_FIELDS])
@pytest.mark.parametrize("shape", ["as text", "with its entry refused"])
def test_a_list_written_wrong_is_one_error(kind: str, name: str, shape: str, example: Path) -> None:
    """`irritants: helmet-rental` was a type error and "a story needs at least one irritant"; `segments:
    commuter` a type error and one "segment does not exist" per feedback row (4,006)."""
    first = _entries(kind, name)[0]
    value = first if shape == "as text" else f"[[{first}]]"
    rel, line, col = _write_list(example, kind, name, value)
    found = [(f"{d.loc}", d.rule, d.hint) for d in problems(run_check(example))]
    if shape == "as text":
        assert found == [(f"{rel}:{line}:{col}", "type", f"write it as a list: {name}: [{first}]")]
    else:
        assert found == [(f"{rel}:{line}:{col + 1}", "type", f"write {name}: [a, b]")]


def test_a_vocabulary_with_an_entry_refused_is_one_error(example: Path) -> None:
    """'Tourist' is not an ID: the feedback rows of tourists are not also reported, one by one."""
    edit(example / "site.yaml", "segments: [commuter, tourist, business]", "segments: [commuter, Tourist, business]")
    assert [(f"{d.loc}", d.rule, d.hint) for d in problems(run_check(example))] == [
        ("site.yaml:15:22", "id-format", "write it as 'tourist': IDs use lower-case letters, digits and single "
                                         "hyphens, e.g. slow-unlock")]


def test_an_irritant_listed_twice_still_counts_once(example: Path) -> None:
    """While the repeat is reported, every figure is what the list says without it: one row of evidence, one
    decision and one story on the irritant's page."""
    irritant = "cancel-needs-phone-call"
    before = run_check(example).facts.irritants[irritant]
    edit(example / WRITTEN_IN["irritant"], "feedback: [REV-1103-0001, REV-1227-0050]",
         "feedback: [REV-1103-0001, REV-1227-0050, REV-1103-0001]")
    edit(example / WRITTEN_IN["decision"], f"irritants: [{irritant}]", f"irritants: [{irritant}, {irritant}]")
    edit(example / "backlog/stories/pause-for-winter.md", f"irritants: [{irritant}]",
         f"irritants: [{irritant}, {irritant}]")
    result = run_check(example)
    assert [d.rule for d in problems(result)] == ["id-duplicate"] * 3
    after = result.facts.irritants[irritant]
    assert (after.evidence.size, after.evidence.customers, after.decisions, after.stories) == (
        before.evidence.size, before.evidence.customers, before.decisions, before.stories)
    assert result.backlog.irritants[irritant].feedback == ("REV-1103-0001", "REV-1227-0050")
