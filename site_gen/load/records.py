"""Irritants (YAML), decisions and stories (markdown with front matter), and site.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Places, SourceLoc, error, refused_place
from ..fields import DECISION_FIELDS, ID_RE, IRRITANT_FIELDS, SITE_FIELDS, STORY_FIELDS
from ..fieldtypes import Field
from ..model import (
    Decision,
    Direction,
    InternalConfig,
    Irritant,
    Metric,
    PublicConfig,
    Rules,
    SeriesPoint,
    SiteConfig,
    Story,
    Unreadable,
)
from .assets import load_image, repository_parts
from .convert import Converted, convert_mapping, report_unreadable
from .frontmatter import split_front_matter
from .quick import quick_record
from .source import RECORD_LIMIT, read_source, relative
from .yamlsafe import Mapping as YamlMapping
from .yamlsafe import parse_yaml


def _flatten(converted: Converted) -> tuple[dict[str, Any], dict[str, SourceLoc]]:
    """Lists come back as (value, loc) pairs: keep the values, remember each entry's place as 'name.N'."""
    values: dict[str, Any] = {}
    locs = dict(converted.locs)
    for name, value in converted.values.items():
        if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            values[name] = tuple(v for v, _ in value)
            for index, (_, loc) in enumerate(value):
                locs[f"{name}.{index}"] = loc
        else:
            values[name] = value
    return values, locs


def _record_id(path: Path, rel: str, values: dict[str, Any], locs: dict[str, SourceLoc], what: str,
               diagnostics: list[Diagnostic]) -> str:
    stem = path.stem
    if not ID_RE.match(stem):
        diagnostics.append(error(SourceLoc(rel), "id-format", f"file name '{path.name}' is not a valid {what} ID",
                                 "rename the file using lower-case letters, digits and hyphens, e.g. slow-unlock"
                                 + path.suffix))
    given = values.pop("id", None)
    if given is not None and given != stem:
        diagnostics.append(error(locs["id"], "id-mismatch", f"id '{given}' does not match the file name '{path.name}'",
                                 f"set id: {stem}, or rename the file to {given}{path.suffix}"))
    return stem


def _unparsed(path: Path, rel: str, what: str) -> Unreadable:
    """A record file that does not read or parse (its problem is reported): it still holds its ID, so what
    refers to it is not reported too — one YAML mistake in an irritant is one error, not one per feedback row."""
    return Unreadable(kind=what, id=path.stem, loc=SourceLoc(rel))


def _buildable(fields: tuple[Field, ...], values: dict[str, Any]) -> bool:
    """Every essential field has a valid value (the ones missing or invalid are already reported)."""
    return all(f.name in values for f in fields if f.essential)


def load_irritant(path: Path, root: Path, diagnostics: list[Diagnostic]) -> Irritant | Unreadable | None:
    """An irritant file's record; the quick path when the file has nothing to report, else the precise one."""
    quick = quick_record(path, root, "irritant")
    return quick if isinstance(quick, Irritant) else load_irritant_precisely(path, root, diagnostics)


def load_irritant_precisely(path: Path, root: Path, diagnostics: list[Diagnostic]) -> Irritant | Unreadable | None:
    """An irritant file's record and every problem it has, each at its line and column."""
    rel = relative(path, root)
    text = read_source(path, root, RECORD_LIMIT, diagnostics)
    if text is None:
        return _unparsed(path, rel, "irritant")
    node, problems = parse_yaml(report_unreadable(text, rel, 1, diagnostics), rel)
    diagnostics.extend(problems)
    if node is None and problems:
        return _unparsed(path, rel, "irritant")
    converted = convert_mapping(node, IRRITANT_FIELDS, "irritant", SourceLoc(rel), diagnostics)
    values, locs = _flatten(converted)
    record_id = _record_id(path, rel, values, locs, "irritant", diagnostics)
    if not _buildable(IRRITANT_FIELDS, values):
        return Unreadable(kind="irritant", id=record_id, loc=SourceLoc(rel))
    return Irritant(id=record_id, loc=SourceLoc(rel), locs=Places(locs), **values)


def _load_markdown(path: Path, root: Path, fields: tuple[Field, ...], what: str,
                   diagnostics: list[Diagnostic]) -> dict[str, Any] | Unreadable | None:
    rel = relative(path, root)
    text = read_source(path, root, RECORD_LIMIT, diagnostics, allow_bom=False)
    if text is None:
        return _unparsed(path, rel, what)
    split = split_front_matter(text, rel, diagnostics)
    if split is None:
        return _unparsed(path, rel, what)
    report_unreadable(split.body, rel, split.body_line, diagnostics)
    node, problems = parse_yaml(report_unreadable(split.front_matter, rel, 2, diagnostics), rel, line_offset=1)
    diagnostics.extend(problems)
    if node is None and problems:
        return _unparsed(path, rel, what)
    converted = convert_mapping(node, fields, what, SourceLoc(rel), diagnostics)
    values, locs = _flatten(converted)
    record_id = _record_id(path, rel, values, locs, what, diagnostics)
    if not _buildable(fields, values):
        return Unreadable(kind=what, id=record_id, loc=SourceLoc(rel))
    return dict(id=record_id, loc=SourceLoc(rel), locs=Places(locs), body=split.body,
                body_line=split.body_line, **values)


def load_decision(path: Path, root: Path, diagnostics: list[Diagnostic]) -> Decision | Unreadable | None:
    """A decision file's record; the quick path when the file has nothing to report, else the precise one."""
    quick = quick_record(path, root, "decision")
    return quick if isinstance(quick, Decision) else load_decision_precisely(path, root, diagnostics)


def load_decision_precisely(path: Path, root: Path, diagnostics: list[Diagnostic]) -> Decision | Unreadable | None:
    fields = _load_markdown(path, root, DECISION_FIELDS, "decision", diagnostics)
    return fields if fields is None or isinstance(fields, Unreadable) else Decision(**fields)


def load_story(path: Path, root: Path, diagnostics: list[Diagnostic]) -> Story | Unreadable | None:
    """A story file's record; the quick path when the file has nothing to report, else the precise one."""
    quick = quick_record(path, root, "story")
    return quick if isinstance(quick, Story) else load_story_precisely(path, root, diagnostics)


def load_story_precisely(path: Path, root: Path, diagnostics: list[Diagnostic]) -> Story | Unreadable | None:
    fields = _load_markdown(path, root, STORY_FIELDS, "story", diagnostics)
    return fields if fields is None or isinstance(fields, Unreadable) else Story(**fields)


def load_site_config(path: Path, root: Path, diagnostics: list[Diagnostic]) -> SiteConfig:
    """site.yaml; when it is broken, defaults stand in so the records can still be checked."""
    rel = relative(path, root)
    at = SourceLoc(rel)
    text = read_source(path, root, RECORD_LIMIT, diagnostics)
    if text is None:
        return _unread_site_config(at)
    node, problems = parse_yaml(report_unreadable(text, rel, 1, diagnostics), rel)
    diagnostics.extend(problems)
    if node is None and problems:
        return _unread_site_config(at)
    converted = convert_mapping(node, SITE_FIELDS, "site.yaml", at, diagnostics)
    if not isinstance(node, YamlMapping):   # empty, a list, a word: reported above as not fields
        return _unread_site_config(at)
    values, locs = _flatten(converted)
    public, internal, rules = (_section(values.pop(name, None), name, locs) for name in ("public", "internal", "rules"))
    logo = public.pop("logo", None)  # site.yaml gives a path
    named: tuple[str, ...] = ()
    if logo:  # read once, here: the build publishes these bytes
        public["logo"] = load_image(logo, locs.get("public.logo", at), root, diagnostics)
        named = ("/".join(repository_parts(logo) or ()),)
    metrics = tuple(_metric(m, at, diagnostics) for m in values.pop("metrics", ()))
    return SiteConfig(loc=at, locs=locs, metrics=metrics, public=PublicConfig(**public),
                      internal=InternalConfig(**internal), rules=Rules(**rules), named_files=tuple(filter(None, named)),
                      **values)


def _unread_site_config(at: SourceLoc) -> SiteConfig:
    """Defaults for a site.yaml that does not read, its lists marked refused: the records' stages, teams, segments
    and metrics cannot be judged against lists nobody could read (one missing ']' is one error, not one more per
    feedback row)."""
    unread = Places({refused_place(name): at for name in ("journey_stages", "teams", "segments", "metrics")})
    return SiteConfig(loc=at, locs=unread)


def _section(converted: Converted | None, name: str, locs: dict[str, SourceLoc]) -> dict[str, Any]:
    """The values of a site.yaml section (none when it is absent); its places go into locs as 'name.key'."""
    if converted is None:
        return {}
    values, section_locs = _flatten(converted)
    locs.update({f"{name}.{key}": loc for key, loc in section_locs.items()})
    return values


def _metric(converted: Converted, at: SourceLoc, diagnostics: list[Diagnostic]) -> Metric:
    values, locs = _flatten(converted)
    series = _series(values.pop("series", ()), values.get("id", ""), diagnostics)
    first = min(locs.values(), default=at)
    metric_loc = SourceLoc(first.path, first.line, first.col)
    return Metric(
        id=values.get("id", ""), loc=metric_loc, name=values.get("name", values.get("id", "")),
        direction=values.get("direction", Direction.UP), threshold=float(values.get("threshold", 0)),
        unit=values.get("unit", ""), compute=values.get("compute"), series=series,
        locs=locs)


def _series(points: tuple[Converted, ...], metric: str, diagnostics: list[Diagnostic]) -> tuple[SeriesPoint, ...]:
    """A metric's points, one per month: a month given twice is an error at the second, which is left out
    (the chart and the change that demands a decision would otherwise compare a month with itself)."""
    kept: dict[str, SeriesPoint] = {}
    for point in points:
        if "period" not in point.values or "value" not in point.values:
            continue
        period = point.values["period"]
        if period in kept:
            diagnostics.append(error(point.locs["period"], "id-duplicate",
                                     f"month {period} is given twice in the series of metric '{metric}'",
                                     "keep one value per month: remove this point or correct its period"))
            continue
        kept[period] = SeriesPoint(period, float(point.values["value"]))
    return tuple(kept.values())
