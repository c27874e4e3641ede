"""The two sites, by whom they are for. Apart from the records (site_gen.model, which imports the field types and
Babel) so that naming a site costs nothing: a build with nothing changed imports no model at all."""

from __future__ import annotations

from enum import StrEnum


class Audience(StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"
