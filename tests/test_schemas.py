"""JSON Schemas for editors: committed, current, draft-07, and in agreement with `check`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from site_gen.cli import main
from site_gen.load.records import load_site_config
from site_gen.schemas import render_schemas

from .conftest import REPO, copy_example, edit, run_check

SCHEMAS = REPO / "schemas"


def _plain(value):
    """YAML dates as the strings an editor's YAML server sees."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_committed_schemas_are_current() -> None:
    config = load_site_config(REPO / "site.yaml", REPO, [])
    expected = render_schemas(config)
    committed = {p.name: p.read_bytes() for p in SCHEMAS.glob("*.json")}
    assert committed == expected, "schemas/ is stale: run `site-gen schema --out schemas/`"


@pytest.mark.parametrize("name", sorted(p.name for p in SCHEMAS.glob("*.json")))
def test_schemas_use_draft_07(name: str) -> None:
    schema = _schema(name)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_example_records_validate_against_their_schemas() -> None:
    checks = [("site.schema.json", [REPO / "site.yaml"], lambda p: yaml.safe_load(p.read_text("utf-8"))),
              ("irritant.schema.json", sorted((REPO / "backlog/irritants").glob("*.yaml")),
               lambda p: yaml.safe_load(p.read_text("utf-8"))),
              ("decision.schema.json", sorted((REPO / "backlog/decisions").glob("*.md")), _front_matter),
              ("story.schema.json", sorted((REPO / "backlog/stories").glob("*.md")), _front_matter),
              ("feedback-batch.schema.json", sorted((REPO / "feedback").glob("*.yaml")),
               lambda p: yaml.safe_load(p.read_text("utf-8")))]
    for name, paths, read in checks:
        validator = jsonschema.Draft7Validator(_schema(name))
        assert paths
        for path in paths:
            errors = [e.message for e in validator.iter_errors(_plain(read(path)))]
            assert errors == [], f"{path.name}: {errors}"


@pytest.mark.parametrize("change, fragment", [
    ({"ownr": "x"}, "Additional properties"),
    ({"status": "doing"}, "is not one of"),
    ({"journey_stage": "paymnt"}, "is not one of"),
    ({"visibility": "public", "public_title": None}, "public_title"),
])
def test_schemas_reject_what_check_rejects(change: dict, fragment: str) -> None:
    irritant = _plain(yaml.safe_load((REPO / "backlog/irritants/deposit-refund-slow.yaml").read_text("utf-8")))
    irritant.update(change)
    irritant = {k: v for k, v in irritant.items() if v is not None}
    messages = " ".join(e.message for e in jsonschema.Draft7Validator(_schema("irritant.schema.json")).iter_errors(irritant))
    assert fragment in messages


def test_example_files_point_editors_at_their_schema() -> None:
    for folder, schema in [("backlog/irritants", "irritant"), ("backlog/decisions", "decision"),
                           ("backlog/stories", "story")]:
        for path in (REPO / folder).iterdir():
            assert f"# yaml-language-server: $schema=../../schemas/{schema}.schema.json" in path.read_text("utf-8")
    assert (REPO / "site.yaml").read_text("utf-8").startswith("# yaml-language-server: $schema=schemas/site.schema.json")


def _irritant_errors(change: dict) -> list[str]:
    """What the irritant schema says of the example's open irritant with a change (None: the line `field:` empty)."""
    irritant = _plain(yaml.safe_load((REPO / "backlog/irritants/deposit-refund-slow.yaml").read_text("utf-8")))
    irritant.update(change)
    return [e.message for e in jsonschema.Draft7Validator(_schema("irritant.schema.json")).iter_errors(irritant)]


@pytest.mark.parametrize("change", [
    {"owner": None}, {"owner": ""}, {"cause": "  "}, {"target": None},      # dated-assigned
    {"title": ""}, {"visibility": "public", "public_title": None},           # required, public-title
    {"triage": "decline", "status": "declined", "closed": "2026-11-20", "decline_reason": ""},
])
def test_schemas_reject_empty_and_blank_values_check_rejects(change: dict) -> None:
    """An editor that accepts `owner:` or `owner: ""` sends the author to CI to learn the irritant is unassigned."""
    assert _irritant_errors(change), change


def test_schemas_ask_for_owner_cause_and_target_unless_declined() -> None:
    open_irritant = _plain(yaml.safe_load((REPO / "backlog/irritants/deposit-refund-slow.yaml").read_text("utf-8")))
    messages = _irritant_errors({name: None for name in ("owner", "cause", "target")})
    assert len(messages) == 3, messages
    bare = {k: v for k, v in open_irritant.items() if k not in ("owner", "cause", "target")}
    errors = list(jsonschema.Draft7Validator(_schema("irritant.schema.json")).iter_errors(bare))
    assert sorted(e.message for e in errors) == [f"'{name}' is a required property" for name in ("cause", "owner", "target")]
    declined = dict(bare, triage="decline", status="declined", decline_reason="Not ours.", closed="2026-11-20")
    assert list(jsonschema.Draft7Validator(_schema("irritant.schema.json")).iter_errors(declined)) == []


def test_schemas_reject_a_public_story_with_a_blank_half() -> None:
    story = _plain(_front_matter(REPO / "backlog/stories/helmet-discount.md"))
    assert story["audience"] == "public"
    validator = jsonschema.Draft7Validator(_schema("story.schema.json"))
    assert list(validator.iter_errors(story)) == []
    assert list(validator.iter_errors(dict(story, you_said=""))) and list(validator.iter_errors(dict(story, we_did=None)))


# --- check warns when the schemas kept in schemas/ no longer match site.yaml (schemas-stale) ------------------

def _check_with_schemas(tmp_path: Path) -> tuple[Path, Callable[[], list[str]]]:
    """The example with its schemas written as a team writes them; and its check's schemas-stale lines."""
    root = copy_example(tmp_path / "repo")
    written = CliRunner().invoke(main, ["schema", str(root), "--out", str(root / "schemas")], catch_exceptions=False)
    assert written.exit_code == 0, written.output

    def stale() -> list[str]:
        return [d.as_text() for d in run_check(root).diagnostics if d.rule == "schemas-stale"]
    return root, stale


def test_check_warns_once_at_the_stale_schema_when_site_yaml_gains_a_team(tmp_path: Path) -> None:
    root, stale = _check_with_schemas(tmp_path)
    assert stale() == []
    edit(root / "site.yaml", "teams: [app, ops, support, billing]", "teams: [app, ops, support, billing, finance]")
    assert stale() == ["schemas/irritant.schema.json:1:1: warning[schemas-stale] the JSON Schema in schemas/ is out "
                       "of date with site.yaml (team 'finance' is not in it) — run: site-gen schema --out schemas/"]
    CliRunner().invoke(main, ["schema", str(root), "--out", str(root / "schemas")], catch_exceptions=False)
    assert stale() == []


def test_check_names_a_choice_the_schema_offers_that_site_yaml_no_longer_has(tmp_path: Path) -> None:
    root, stale = _check_with_schemas(tmp_path)
    path = root / "schemas" / "irritant.schema.json"
    schema = json.loads(path.read_text("utf-8"))
    schema["properties"]["team"]["enum"].append("marketing")   # a team since removed from site.yaml
    path.write_text(json.dumps(schema), "utf-8")
    assert stale() == ["schemas/irritant.schema.json:1:1: warning[schemas-stale] the JSON Schema in schemas/ is out "
                       "of date with site.yaml (team 'marketing' is no longer in site.yaml) — run: site-gen schema "
                       "--out schemas/"]


def test_a_schema_reformatted_by_an_editor_is_not_stale(tmp_path: Path) -> None:
    root, stale = _check_with_schemas(tmp_path)
    for path in (root / "schemas").iterdir():
        path.write_text(json.dumps(json.loads(path.read_text("utf-8")), indent=4, sort_keys=True), "utf-8")
    assert stale() == []


def test_a_missing_or_unreadable_schema_among_the_others_is_stale(tmp_path: Path) -> None:
    root, stale = _check_with_schemas(tmp_path)
    (root / "schemas" / "story.schema.json").unlink()
    assert stale() == ["schemas/story.schema.json:1:1: warning[schemas-stale] the JSON Schema in schemas/ is out "
                       "of date (story.schema.json is missing) — run: site-gen schema --out schemas/"]
    CliRunner().invoke(main, ["schema", str(root), "--out", str(root / "schemas")], catch_exceptions=False)
    (root / "schemas" / "decision.schema.json").write_text("{ not json", "utf-8")
    assert stale() == ["schemas/decision.schema.json:1:1: warning[schemas-stale] the JSON Schema in schemas/ is out "
                       "of date — run: site-gen schema --out schemas/"]


def test_no_schemas_folder_or_none_of_site_gens_schemas_in_it_is_no_warning(tmp_path: Path) -> None:
    root, stale = _check_with_schemas(tmp_path)
    edit(root / "site.yaml", "teams: [app, ops, support, billing]", "teams: [app, ops, support, billing, finance]")
    for path in (root / "schemas").iterdir():
        path.unlink()
    (root / "schemas" / "our-own.schema.json").write_text("{}", "utf-8")   # the folder holds other schemas
    assert stale() == []
    shutil.rmtree(root / "schemas")
    assert stale() == []


def test_a_broken_site_yaml_is_reported_without_a_stale_schema_warning(tmp_path: Path) -> None:
    """The schemas are judged against site.yaml's lists once it loads: `site-gen schema` would write them wrong."""
    root, stale = _check_with_schemas(tmp_path)
    edit(root / "site.yaml", "teams: [app, ops, support, billing]", "teams: app")
    assert any(d.loc.path == "site.yaml" for d in run_check(root).diagnostics)
    assert stale() == []


# --- `site-gen schema --out` replaces only site-gen's own schemas ---------------------------------------------

def test_schema_out_never_replaces_a_file_it_did_not_write_and_writes_readable_files(tmp_path: Path) -> None:
    """A team's own site.schema.json, or a link of that name, was replaced; now nothing is written. Its own
    schemas, even reformatted or with a merge conflict in them, are replaced, readable by all like any file."""
    folder = tmp_path / "editor"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    for name, planted in (("site.schema.json", lambda p: p.write_text('{"title": "our own"}\n')),
                          ("story.schema.json", lambda p: p.symlink_to("notes.txt"))):
        planted(folder / name)
        before = {p.name: p.read_bytes() for p in folder.iterdir()}
        outcome = CliRunner().invoke(main, ["schema", str(REPO), "--out", str(folder)], catch_exceptions=False)
        assert outcome.exit_code == 2
        assert f"{folder / name} is not a schema site-gen wrote; nothing was written" in outcome.stderr
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
        (folder / name).unlink()
    assert CliRunner().invoke(main, ["schema", str(REPO), "--out", str(folder)]).exit_code == 0
    assert all((folder / name).stat().st_mode & 0o777 == 0o644 for name in render_schemas())
    conflicted = (folder / "irritant.schema.json").read_text("utf-8").replace('"type"', '<<<<<<< ours\n"type"', 1)
    (folder / "irritant.schema.json").write_text(conflicted, "utf-8")
    assert CliRunner().invoke(main, ["schema", str(REPO), "--out", str(folder)]).exit_code == 0
    assert (folder / "irritant.schema.json").read_bytes() == render_schemas(
        load_site_config(REPO / "site.yaml", REPO, []))["irritant.schema.json"]


def test_schema_out_that_cannot_be_written_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    outcome = CliRunner().invoke(main, ["schema", str(REPO), "--out", str(tmp_path / "a-file/schemas")],
                                 catch_exceptions=False)
    assert outcome.exit_code == 1
    assert outcome.stderr == f"Error: cannot write the schemas into {tmp_path / 'a-file/schemas'}: Not a directory\n"
