"""JSON Schemas (draft-07 keywords only, which editors understand) from the field contract."""

from __future__ import annotations

import json
from typing import Any

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
