"""JSON Schemas (draft-07 keywords only, which editors understand) from the field contract."""

from __future__ import annotations

import json
from typing import Any

from .fields import (
    ARBITRATION_QUESTIONS,
    COLOR_PATTERN,
    DATE_PATTERN,
    DEBRIEF_POINTS,
    DECISION_FIELDS,
    FEEDBACK_FIELDS,
    FEEDBACK_ID_PATTERN,
    ID_PATTERN,
    IRRITANT_FIELDS,
    PERIOD_PATTERN,
    SCORE_RANGE,
    SITE_FIELDS,
    STORY_FIELDS,
    URL_PATTERN,
    Field,
)
from .model import SiteConfig

DRAFT = "http://json-schema.org/draft-07/schema#"
BASE_ID = "https://site-gen.example/schemas/"


def _scalar(field: Field, vocab: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    kind = field.type
    if kind in ("text", "markdown"):
        return {"type": "string"}
    if kind == "id":
        known = vocab.get(field.name)
        return {"type": "string", "enum": list(known)} if known else {"type": "string", "pattern": ID_PATTERN}
    if kind == "feedback-id":
        return {"type": "string", "pattern": FEEDBACK_ID_PATTERN}
    if kind == "date":
        # YAML editors see an unquoted date as a string; the pattern still guides them
        return {"type": "string", "pattern": DATE_PATTERN}
    if kind == "period":
        return {"type": "string", "pattern": PERIOD_PATTERN}
    if kind == "color":
        return {"type": "string", "pattern": COLOR_PATTERN}
    if kind == "url":
        return {"type": "string", "pattern": URL_PATTERN}
    if kind == "enum":
        return {"type": "string", "enum": list(field.choices)}
    if kind == "integer":
        schema: dict[str, Any] = {"type": "integer"}
    elif kind == "number":
        schema = {"type": "number"}
    elif kind == "boolean":
        return {"type": "boolean"}
    else:  # pragma: no cover - contract bug
        raise AssertionError(kind)
    if field.minimum is not None:
        schema["minimum"] = field.minimum
    if field.maximum is not None:
        schema["maximum"] = field.maximum
    return schema


def _field_schema(field: Field, vocab: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    if field.type == "object":
        schema = _object(field.fields, vocab)
    elif field.type == "object-list":
        schema = {"type": "array", "items": _object(field.fields, vocab)}
    elif field.type == "list":
        if field.item == "text":
            item: dict[str, Any] = {"type": "string"}
        else:
            item = _scalar(Field(field.item, field.item, ""), {})
        schema = {"type": "array", "items": item, "uniqueItems": True}
    else:
        schema = _scalar(field, vocab)
        if not field.required:
            # `logo: null` or an empty `target:` reads as absent, as check treats it
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = schema["enum"] + [None]
    schema["description"] = field.doc
    if field.default is not None:
        schema["default"] = field.default
    return schema


def _object(fields: tuple[Field, ...], vocab: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _field_schema(f, vocab) for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema


def _when(field: str, value: str, then_required: list[str]) -> dict[str, Any]:
    return {"if": {"properties": {field: {"const": value}}, "required": [field]},
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

    irritant = _object(IRRITANT_FIELDS, vocab)
    irritant["allOf"] = [
        _when("visibility", "public", ["public_title"]),
        _when("triage", "decline", ["decline_reason"]),
        _when("status", "done", ["closed"]),
        _when("status", "declined", ["closed"]),
    ]
    decision = _object(DECISION_FIELDS, vocab)
    decision["allOf"] = [
        _when("kind", "metric-response", ["metric"]),
        _when("kind", "arbitration", list(ARBITRATION_QUESTIONS)),
        _when("kind", "debrief", list(DEBRIEF_POINTS)),
    ]
    story = _object(STORY_FIELDS, vocab)
    story["properties"]["irritants"]["minItems"] = 1
    story["allOf"] = [_when("audience", "public", ["you_said", "we_did"])]
    row = _object(FEEDBACK_FIELDS, vocab)
    row["allOf"] = [
        {"if": {"properties": {"score_type": {"const": kind}}, "required": ["score_type"]},
         "then": {"required": ["score"], "properties": {"score": {"minimum": low, "maximum": high}}}}
        for kind, (low, high) in SCORE_RANGE.items()
    ]
    return {
        "site.schema.json": document("site.schema.json", "site-gen site.yaml", _object(SITE_FIELDS, vocab)),
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
