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
from .fieldtypes import object_schema
from .model import Audience, DecisionKind, IrritantStatus, SiteConfig, Triage, Visibility

DRAFT = "http://json-schema.org/draft-07/schema#"
BASE_ID = "https://site-gen.example/schemas/"


def _when(field: str, value: str, then_required: list[str]) -> dict[str, Any]:
    return {"if": {"properties": {field: {"const": str(value)}}, "required": [field]},
            "then": {"required": then_required}}


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

    irritant = object_schema(IRRITANT_FIELDS, vocab)
    irritant["allOf"] = [
        _when("visibility", Visibility.PUBLIC, ["public_title"]),
        _when("triage", Triage.DECLINE, ["decline_reason"]),
        _when("status", IrritantStatus.DONE, ["closed"]),
        _when("status", IrritantStatus.DECLINED, ["closed"]),
    ]
    decision = object_schema(DECISION_FIELDS, vocab)
    decision["allOf"] = [
        _when("kind", DecisionKind.METRIC_RESPONSE, ["metric"]),
        _when("kind", DecisionKind.ARBITRATION, list(ARBITRATION_QUESTIONS)),
        _when("kind", DecisionKind.DEBRIEF, list(DEBRIEF_POINTS)),
    ]
    story = object_schema(STORY_FIELDS, vocab)
    story["properties"]["irritants"]["minItems"] = 1
    story["allOf"] = [_when("audience", Audience.PUBLIC, ["you_said", "we_did"])]
    row = object_schema(FEEDBACK_FIELDS, vocab)
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
