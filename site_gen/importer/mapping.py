"""The generic mapping: which columns feed which feedback field, and one export row made into a feedback row.

A preset gives the columns its tool always writes; `--map "column=field"` adds or replaces any. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, SourceLoc
from ..fields import FEEDBACK_FIELDS, SCORE_RANGE
from ..load.convert import RowConverter
from ..model import ScoreType
from ..personal_data import EMAIL_ADDRESS, PHONE_NUMBER, find_contact_details, is_email, redact
from .errors import ImportFailed, ImportUsage
from .presets import SCALE_LABELS, Preset
from .reader import Column, Table

# what --map can fill: the feedback fields a column can carry, a score with its scale, a name for the contacts
SCORES = tuple(kind.value for kind in ScoreType)
TARGETS = ("id", "date", "customer", "name", "segment", "team", "journey_stage", "kind", "source", "verbatim",
           *SCORES, "contact_ok", "consent_public")
REPEATABLE = frozenset(("verbatim", "name"))   # several columns are joined
PLACEHOLDERS = {EMAIL_ADDRESS: "[email]", PHONE_NUMBER: "[phone]"}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T].*)?$")
_LEADING_NUMBER = re.compile(r"^(-?\d{1,2})(?:\.0+)?(?:\s*[-–:=)]\s*.*|\s*)$")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")
_TRUE, _FALSE = frozenset(("yes", "true", "1", "y", "oui", "ja", "sí")), frozenset(("no", "false", "0", "n", "non",
                                                                                   "nein"))


@dataclass(frozen=True, slots=True)
class Mapping:
    """Each target with its columns, in the order their cells are joined."""

    columns: dict[str, tuple[Column, ...]]
    score_type: ScoreType | None
    score_labels: dict[str, int | None]
    id_pattern: re.Pattern[str] | None
    hash_columns: tuple[Column, ...]   # when the row has no ID of its own; empty: every cell


def parse_map(specs: Sequence[str]) -> list[tuple[str, str]]:
    """--map "column=field" options as (column, field) pairs; a field that does not exist is a usage error."""
    pairs = []
    for spec in specs:
        column, equals, target = spec.rpartition("=")
        target = target.strip()
        if not equals or not column.strip():
            raise ImportUsage(f"--map {spec!r} is not column=field, e.g. --map \"Comment=verbatim\"")
        if target.startswith("score:"):
            target = target[len("score:"):]
        if target not in TARGETS:
            close = difflib.get_close_matches(target, TARGETS, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ImportUsage(f"--map {spec!r}: unknown field '{target}'; {hint}fields: {', '.join(TARGETS)} "
                              "(nps, ces and csat are a score on that scale)")
        pairs.append((column.strip(), target))
    return pairs


def find_column(columns: Sequence[Column], wanted: str) -> list[Column]:
    """Columns called wanted: '#N' is the Nth column; else every exact name (any case), else a unique prefix."""
    if re.fullmatch(r"#\d+", wanted) and not any(wanted in c.names for c in columns):
        number = int(wanted[1:])
        return [columns[number - 1]] if 1 <= number <= len(columns) else []
    folded = wanted.casefold()
    exact = [c for c in columns if any(name.casefold() == folded for name in c.names)]
    if exact:
        return exact
    return [c for c in columns if any(name.casefold().startswith(folded) for name in c.names)]


def first_present(columns: Sequence[Column], alternatives: tuple[str, ...]) -> Column | None:
    for name in alternatives:
        found = [c for c in columns if any(n.casefold() == name.casefold() for n in c.names)]
        if found:
            return found[0]
    return None


def build_mapping(table: Table, preset: Preset | None, pairs: list[tuple[str, str]]) -> Mapping:
    """Columns for every target: the preset's first, then --map's, which replace them."""
    columns: dict[str, tuple[Column, ...]] = {}
    score_type = preset.score_type if preset else None
    if preset is not None:
        needed = [("date", preset.date)] + ([("id", preset.id)] if preset.id and preset.id_required else [])
        for target, alternatives in needed:
            if first_present(table.columns, alternatives) is None and target not in dict(pairs).values():
                raise ImportFailed(f"the {preset.name} preset needs a column {_either(alternatives)} for the "
                                   f"{target}, and this file has none; its first columns: {_some(table.columns)}")
        singles = {"date": preset.date, "id": preset.id, "customer": preset.customer, "score": preset.score}
        for target, alternatives in singles.items():
            column = first_present(table.columns, alternatives) if alternatives else None
            if column is not None:
                columns[target] = (column,)
        for target, groups in (("verbatim", preset.verbatim), ("name", preset.contact_name)):
            present = tuple(c for group in groups if (c := first_present(table.columns, group)) is not None)
            if present:
                columns[target] = present
    given: dict[str, list[Column]] = {}
    for wanted, target in pairs:
        found = find_column(table.columns, wanted)
        if not found:
            close = difflib.get_close_matches(wanted, [n for c in table.columns for n in c.names], n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else f"; columns: {_some(table.columns)}"
            raise ImportFailed(f"--map \"{wanted}={target}\": the file has no column '{wanted}'{hint}")
        if len(found) > 1 and target not in REPEATABLE:
            numbers = ", ".join(f"#{c.index + 1} ({c.shown})" for c in found[:6])
            raise ImportFailed(f"--map \"{wanted}={target}\": {len(found)} columns match: {numbers}; name one by "
                               f"its number, e.g. --map \"#{found[0].index + 1}={target}\"")
        if target in SCORES:
            if score_type is not None and "score" in given and score_type.value != target:
                raise ImportUsage("--map gives two scores; a feedback row has one score (give nps, ces or csat once)")
            score_type = ScoreType(target)
            target = "score"
        given.setdefault(target, []).extend(found)
    for target, chosen in given.items():
        if target not in REPEATABLE and len(chosen) > 1:
            raise ImportUsage(f"--map gives '{target}' twice; a feedback row has one {target}")
        columns[target] = tuple(dict.fromkeys(chosen))
    if "date" not in columns:
        raise ImportUsage("no date column: give one with --map \"column=date\" (or use a --preset)")
    labels: dict[str, int | None] = dict(SCALE_LABELS.get(score_type, {})) if score_type else {}
    if preset is not None and score_type == preset.score_type:
        labels.update(preset.score_labels)
    hashed = tuple(c for group in (preset.hash_columns if preset else ())
                   if (c := first_present(table.columns, group)) is not None)
    return Mapping(columns, score_type, labels,
                   re.compile(preset.id_pattern) if preset and preset.id_pattern else None, hashed)


def _either(alternatives: tuple[str, ...]) -> str:
    return " or ".join(f"'{name}'" for name in alternatives)


def _some(columns: Sequence[Column]) -> str:
    shown = ", ".join(f"'{c.shown}'" for c in columns[:8])
    return shown + (f" … ({len(columns)} in all)" if len(columns) > 8 else "")


# --- dates -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DateOrder:
    """How a file writes slashed dates: Google Sheets and SurveyMonkey follow the account's locale."""

    day_first: bool
    decided: bool       # some date in the file settles it (a day above 12)


def date_order(cells: Sequence[str]) -> DateOrder:
    """Month first (the US tools' default) unless a date in the file can only be day first."""
    month_first = day_first = False
    for cell in cells:
        found = _SLASHED.match(cell.strip())
        if found:
            first, second = int(found.group(1)), int(found.group(2))
            day_first |= first > 12
            month_first |= second > 12
    if day_first and month_first:
        raise ImportFailed("the dates mix day/month/year and month/day/year: the file cannot be read reliably")
    return DateOrder(day_first, day_first or month_first)


def parse_date(cell: str, order: DateOrder) -> dt.date | None:
    text = cell.strip()
    try:
        found = _ISO.match(text)
        if found:
            return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        found = _SLASHED.match(text)
        if found:
            first, second, year = (int(part) for part in found.groups())
            return dt.date(year, second, first) if order.day_first else dt.date(year, first, second)
    except ValueError:
        return None
    return None


# --- one row -----------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Converted:
    """A row ready to write (values as text, in feedback columns), its customer's address, what was replaced."""

    values: dict[str, str]
    email: str | None = None
    name: str | None = None
    placeholders: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Defaults:
    prefix: str                # of every ID: the preset's name, or 'import'
    source: str
    journey_stage: str | None
    kind: str | None
    stages: tuple[str, ...]
    segments: tuple[str, ...]
    teams: tuple[str, ...]


class RowError(Exception):
    """The row cannot be read: the message says which cell and why."""


NO_ANSWER = "no verbatim and no score"   # a row with nothing a customer said; the CLI hints at --map


class Left(Exception):
    """The row is left out on purpose (a partial response, nothing to import): the message says why."""


def cell(cells: list[str], columns: tuple[Column, ...] | None, joined: str = "\n\n") -> str:
    if not columns:
        return ""
    parts = [cells[c.index].strip() for c in columns if c.index < len(cells) and cells[c.index].strip()]
    return joined.join(dict.fromkeys(parts))


def row_id(cells: list[str], mapping: Mapping, prefix: str) -> str:
    """The source's own ID, prefixed, else a hash of what identifies the row; unusable characters become '-'."""
    own = cell(cells, mapping.columns.get("id"))
    if own and mapping.id_pattern is not None:
        found = mapping.id_pattern.search(own)
        own = found.group(1) if found else ""
    if own:
        clean = _ID_UNSAFE.sub("-", own).strip("-")
        if not clean:
            raise RowError(f"the ID {own!r} has no letter or digit")
        return f"{prefix}:{clean}"
    if mapping.columns.get("id") and mapping.id_pattern is None:
        raise RowError(f"no ID in column '{mapping.columns['id'][0].shown}'")
    identity = [cells[c.index] if c.index < len(cells) else "" for c in mapping.hash_columns] or cells
    digest = hashlib.sha256("\x1f".join(value.strip() for value in identity).encode("utf-8")).hexdigest()
    return f"{prefix}:h{digest[:16]}"


def score_of(text: str, score_type: ScoreType, labels: dict[str, int | None]) -> int | None:
    folded = " ".join(text.casefold().split())
    if folded in labels:
        return labels[folded]
    found = _LEADING_NUMBER.match(folded)
    if found is None:
        known = ", ".join(f"'{label}'" for label in list(labels)[:7])
        raise RowError(f"score {text!r} is neither a number nor a {score_type} label" + (f" ({known} …)" if known
                                                                                         else ""))
    value = int(found.group(1))
    low, high = SCORE_RANGE[score_type]
    if not low <= value <= high:
        raise RowError(f"score {value} is outside the {score_type} scale ({low}-{high})")
    return value


def _boolean(text: str, target: str) -> str:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return "true"
    if folded in _FALSE:
        return "false"
    raise RowError(f"{target} {text!r} is not yes or no")


_CONVERT = RowConverter(FEEDBACK_FIELDS, from_text=True)


def convert_row(cells: list[str], mapping: Mapping, defaults: Defaults, order: DateOrder,
                reference: Callable[[str], str]) -> Converted:
    """One export row as a feedback row (raises RowError or Left). reference(address) makes a customer reference."""
    columns = mapping.columns
    values: dict[str, str] = {"id": row_id(cells, mapping, defaults.prefix)}
    date_text = cell(cells, columns["date"])
    if not date_text:
        raise RowError(f"no date in column '{columns['date'][0].shown}'")
    day = parse_date(date_text, order)
    if day is None:
        raise RowError(f"date {date_text!r} in column '{columns['date'][0].shown}' is not a date")
    values["date"] = day.isoformat()
    values["source"] = cell(cells, columns.get("source")) or defaults.source
    stage = cell(cells, columns.get("journey_stage")) or defaults.journey_stage
    if not stage:
        raise RowError("no journey stage (give --stage)")
    for target, value, known in (("journey_stage", stage, defaults.stages),
                                 ("segment", cell(cells, columns.get("segment")), defaults.segments),
                                 ("team", cell(cells, columns.get("team")), defaults.teams)):
        if value and known and value not in known:
            raise RowError(f"{target.replace('_', ' ')} {value!r} is not one of site.yaml's: {', '.join(known)}")
        if value:
            values[target] = value
    kind = cell(cells, columns.get("kind")).lower() or defaults.kind
    if kind:
        values["kind"] = kind
    for target in ("contact_ok", "consent_public"):
        text = cell(cells, columns.get(target))
        if text:
            values[target] = _boolean(text, target)
    converted = Converted(values)
    score_text = cell(cells, columns.get("score"), " ")
    if score_text and mapping.score_type is not None:
        score = score_of(score_text, mapping.score_type, mapping.score_labels)
        if score is not None:
            values["score_type"], values["score"] = mapping.score_type.value, str(score)
    verbatim = cell(cells, columns.get("verbatim"))
    if verbatim:
        values["verbatim"], converted.placeholders = redact(verbatim, PLACEHOLDERS.__getitem__)
    customer = cell(cells, columns.get("customer"), " ")
    if customer:
        if is_email(customer):
            converted.email = customer.strip()
            converted.name = cell(cells, columns.get("name"), " ") or None
            values["customer"] = reference(customer)
        elif find_contact_details(customer):
            values["customer"] = reference(customer)   # a phone number or an address among words: never kept
        else:
            values["customer"] = customer
    if "verbatim" not in values and "score" not in values:
        raise Left(NO_ANSWER)
    problems: list[Diagnostic] = []
    _CONVERT(values, SourceLoc("-"), problems)
    if problems:
        raise RowError(problems[0].message.removeprefix("feedback row: "))
    return converted
