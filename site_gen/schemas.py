"""JSON Schemas (draft-07 keywords only, which editors understand) from the field contract."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, SourceLoc, warning
from .errors import SiteGenError, UsageError
from .fields import (
    ARBITRATION_QUESTIONS,
    DEBRIEF_POINTS,
    DECISION_FIELDS,
    FEEDBACK_FIELDS,
    IRRITANT_FIELDS,
    SCORE_RANGE,
    SITE_FIELDS,
    STORY_FIELDS,
)
from .fieldtypes import Field, Text, object_schema
from .load.convert import NOT_BLANK
from .load.editor_schemas import SCHEMA_LIMIT, SCHEMAS_DIR
from .model import Audience, DecisionKind, IrritantStatus, SiteConfig, Triage, Visibility

DRAFT = "http://json-schema.org/draft-07/schema#"
BASE_ID = "https://site-gen.example/schemas/"


def _when(field: str, value: str, then_required: list[str]) -> dict[str, Any]:
    return {"if": {"properties": {field: {"const": str(value)}}, "required": [field]}, "then": _filled(then_required)}


def _filled(names: list[str]) -> dict[str, Any]:
    """The fields are written with a value, as check asks: `owner:` (null) or `owner: ""` is not an owner.
    Every field asked for this way is text (or a date, which editors read as text)."""
    return {"required": names, "properties": {name: {"type": "string", "pattern": NOT_BLANK_PATTERN}
                                              for name in names}}


NOT_BLANK_PATTERN = r"\S"   # a pattern applies to text only: dates and lists pass it


def _not_blank(schema: dict[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Text fields check refuses blank (required ones, and titles) refuse it in the editor too."""
    for field in fields:
        if (field.required or field.name in NOT_BLANK) and isinstance(field.type, Text):
            schema["properties"][field.name]["pattern"] = NOT_BLANK_PATTERN
    return schema


def build_schemas(config: SiteConfig | None = None) -> dict[str, dict[str, Any]]:
    """File name -> schema. With a site.yaml, stages, teams and segments become enums editors can complete."""
    vocab: dict[str, tuple[str, ...]] = {}
    if config is not None:
        vocab = {"journey_stage": config.journey_stages, "team": config.teams, "segment": config.segments}
        vocab = {k: v for k, v in vocab.items() if v}
        if config.metrics:
            vocab["metric"] = tuple(m.id for m in config.metrics)

    def document(name: str, title: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"$schema": DRAFT, "$id": BASE_ID + name, "title": title, **body}

    irritant = _not_blank(object_schema(IRRITANT_FIELDS, vocab), IRRITANT_FIELDS)
    declined = {"anyOf": [{"properties": {"status": {"const": str(IrritantStatus.DECLINED)}}, "required": ["status"]},
                          {"properties": {"triage": {"const": str(Triage.DECLINE)}}, "required": ["triage"]}]}
    irritant["allOf"] = [
        _when("visibility", Visibility.PUBLIC, ["public_title"]),
        _when("triage", Triage.DECLINE, ["decline_reason"]),
        _when("status", IrritantStatus.DONE, ["closed"]),
        _when("status", IrritantStatus.DECLINED, ["closed"]),
        {"if": declined, "else": _filled(["owner", "cause", "target"])},   # dated and assigned unless declined
    ]
    decision = _not_blank(object_schema(DECISION_FIELDS, vocab), DECISION_FIELDS)
    decision["allOf"] = [
        _when("kind", DecisionKind.METRIC_RESPONSE, ["metric"]),
        _when("kind", DecisionKind.ARBITRATION, list(ARBITRATION_QUESTIONS)),
        _when("kind", DecisionKind.DEBRIEF, list(DEBRIEF_POINTS)),
    ]
    story = _not_blank(object_schema(STORY_FIELDS, vocab), STORY_FIELDS)
    story["properties"]["irritants"]["minItems"] = 1
    story["allOf"] = [_when("audience", Audience.PUBLIC, ["you_said", "we_did"])]
    row = _not_blank(object_schema(FEEDBACK_FIELDS, vocab), FEEDBACK_FIELDS)
    row["allOf"] = [
        {"if": {"properties": {"score_type": {"const": str(kind)}}, "required": ["score_type"]},
         "then": {"required": ["score"], "properties": {"score": {"minimum": low, "maximum": high}}}}
        for kind, (low, high) in SCORE_RANGE.items()
    ]
    return {
        "site.schema.json": document("site.schema.json", "site-gen site.yaml", object_schema(SITE_FIELDS, vocab)),
        "irritant.schema.json": document("irritant.schema.json", "site-gen irritant", irritant),
        "decision.schema.json": document("decision.schema.json", "site-gen decision front matter", decision),
        "story.schema.json": document("story.schema.json", "site-gen story front matter", story),
        "feedback-row.schema.json": document("feedback-row.schema.json", "site-gen feedback row", row),
        "feedback-batch.schema.json": document("feedback-batch.schema.json", "site-gen YAML feedback batch",
                                               {"type": "array", "items": row}),
    }


def render_schemas(config: SiteConfig | None = None) -> dict[str, bytes]:
    return {name: (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode()
            for name, schema in build_schemas(config).items()}


_CHOICES = {"journey_stage": "journey stage", "team": "team", "segment": "segment", "metric": "metric"}


def stale_schemas(written: Mapping[str, Any] | None, config: SiteConfig) -> list[Diagnostic]:
    """One warning when the repository keeps site-gen's schemas in schemas/ (`written`: Backlog.editor_schemas) and
    one of them is not what `site-gen schema` writes now: the editor would flag a team, stage or segment check
    accepts. Compared as parsed JSON, so a file reformatted by an editor is not stale. No schemas/ folder, or none
    of site-gen's files in it: nothing (a team may not use editor schemas)."""
    if written is None:
        return []
    expected = {name: json.loads(text) for name, text in render_schemas(config).items()}
    kept = {name: written[name] for name in expected if name in written}
    if not kept:
        return []
    for name, schema in expected.items():
        if name in kept and kept[name] == schema:
            continue
        choice = _new_choice(schema, kept[name]) if isinstance(kept.get(name), dict) else ""
        why = f" with site.yaml ({choice})" if choice else "" if name in kept else f" ({name} is missing)"
        return [warning(SourceLoc(f"{SCHEMAS_DIR}/{name}"), "schemas-stale",
                        f"the JSON Schema in schemas/ is out of date{why}", "run: site-gen schema --out schemas/")]
    return []


def write_schemas(folder: Path, schemas: dict[str, bytes]) -> None:
    """Write the schemas into folder, replacing only schemas site-gen wrote: a file of the same name that is
    not one (the team's own, a link) stops it before anything is written."""
    from .files import replace_file
    from .incremental import read_regular
    for name in sorted(schemas):
        target = folder / name
        # its own $id marks site-gen's schema, even reformatted or left with a merge conflict's markers
        if os.path.lexists(target) and (BASE_ID + name).encode() not in (read_regular(target, SCHEMA_LIMIT) or b""):
            raise UsageError(f"{target} is not a schema site-gen wrote; nothing was written. Move it away, or "
                             "choose another --out")
    try:
        for name, data in sorted(schemas.items()):
            target = folder / name
            replace_file(target, data, target.stat().st_mode & 0o777 if target.exists() else 0o644)
    except OSError as exc:
        raise SiteGenError(f"cannot write the schemas into {folder}: {exc.strerror or exc}") from None


def _new_choice(expected: Any, written: Any) -> str:
    """'team 'finance' is not in it', or '' when the difference is not one of site.yaml's lists."""
    now, then = _choices(expected), _choices(written)
    for field, word in _CHOICES.items():
        added = [value for value in now.get(field, []) if value not in then.get(field, [])]
        if added:
            return f"{word} '{added[0]}' is not in it"
        removed = [value for value in then.get(field, []) if value not in now.get(field, [])]
        if removed:
            return f"{word} '{removed[0]}' is no longer in site.yaml"
    return ""


def _choices(schema: Any, found: dict[str, list[Any]] | None = None) -> dict[str, list[Any]]:
    """The values each of site.yaml's lists offers anywhere in a schema (`"team": {"enum": [...]}`)."""
    found = {} if found is None else found
    if isinstance(schema, dict):
        properties = schema.get("properties")
        for field in _CHOICES:
            choice = properties.get(field) if isinstance(properties, dict) else None
            if isinstance(choice, dict) and isinstance(choice.get("enum"), list):
                found.setdefault(field, []).extend(v for v in choice["enum"] if v not in found[field])
        for value in schema.values():
            _choices(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _choices(value, found)
    return found
