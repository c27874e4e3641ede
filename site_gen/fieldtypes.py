"""The vocabulary of the field contract: field types, and `declare`, which puts a field's contract on the model.

Record fields are declared once, on the model's dataclasses (`model.py`):

    title: str = declare(Text(), "Internal wording of the pain point.", required=True)

`contract_of(Irritant)` reads those declarations back as `Field`s, in declaration
order; validation (`load/convert.py`), the JSON Schemas (`schemas.py`) and the
README's field tables (`scripts/docs.py`) all read them. Each field type is a small
object that knows how to coerce a value (raising `Problem` with what is wrong and
how to fix it), how to describe itself in JSON Schema and how to explain itself
in the README.

This module imports nothing from the rest of site_gen but the wording helpers (`text.py`, which import
nothing), so the model can use it.
"""

from __future__ import annotations

import calendar
import dataclasses
import difflib
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from .text import MONTHS

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
FEEDBACK_ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
URL_PATTERN = r"^https?://[^\s\"'<>]+$"


def _whole(pattern: str) -> re.Pattern[str]:
    """The pattern (written for JSON Schema and DuckDB too) as Python reads a whole value: Python's $ also
    matches before a final line break, so 'ops' followed by one would pass as an ID."""
    return re.compile(pattern.removesuffix("$") + r"\Z")


ID_RE = _whole(ID_PATTERN)
FEEDBACK_ID_RE = _whole(FEEDBACK_ID_PATTERN)
_DATE_RE = _whole(DATE_PATTERN)
_PERIOD_RE = _whole(PERIOD_PATTERN)
_COLOR_RE = _whole(COLOR_PATTERN)
_URL_RE = _whole(URL_PATTERN)

Vocabulary = Mapping[str, tuple[str, ...]]   # field name -> the values site.yaml allows (journey stages, teams…)
Schema = dict[str, Any]


class Problem(Exception):
    """A value that breaks its field's contract: the rule it breaks, what is wrong, how to fix it."""

    def __init__(self, rule: str, message: str, hint: str = "", keep: Any = None):
        super().__init__(message)
        self.rule, self.message, self.hint = rule, message, hint
        # a value reported but still recorded, so rules do not also report it as missing
        self.keep = keep


# Characters that break readers: C0 controls other than tab and newline (CR is a line break, which XML
# and JSON carry), lone surrogates that JSON and YAML escapes can produce, and the two non-characters
# XML forbids. One of them makes feed.xml not well-formed, and feed readers drop the whole feed.
UNREADABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Those, and what HTML makes a parse error (the Nu validator's "Forbidden code point"): DEL, the C1 controls
# U+0080-U+009F (Windows-1252 text read as Latin-1 is full of them: U+0092 for an apostrophe) and every other
# non-character (U+FDD0-U+FDEF, the last two of each plane). A hand-written record holding one is an error; a
# feedback export keeps its words as exported (ExportText), and the pages drop these characters when they show
# them (publish/render.py).
_BMP_UNPUBLISHABLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
_ASTRAL_NONCHARACTERS = "".join(chr(plane << 16 | last) for plane in range(1, 17) for last in (0xFFFE, 0xFFFF))
# one range for the astral ones, then the exact character looked back at: listed one by one in the class, the
# 32 made every character of every record file cost 32 comparisons (a search 5 times slower: 73 µs a record)
UNPUBLISHABLE = re.compile(f"[{_BMP_UNPUBLISHABLE}\U0001fffe-\U0010ffff]"
                           f"(?<=[{_BMP_UNPUBLISHABLE}{_ASTRAL_NONCHARACTERS}])")
UNREADABLE_HINT = "delete it; it often comes from pasting from a word processor"


def describe_character(char: str) -> str:
    return f"U+{ord(char):04X}"


def unreadable_kind(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        return "the lone surrogate"
    return "the control character" if char <= "\x9f" else "the non-character"


def unreadable_problem(name: str, value: str, match: re.Match[str], keep: bool = False) -> Problem:
    """A Problem naming the first character of value that breaks readers, and where it is."""
    offset = match.start()
    line = value.count("\n", 0, offset)
    column = offset - (value.rfind("\n", 0, offset) + 1) + 1
    where = f"column {column} of its line {line + 1}" if line else f"character {column}"
    char = match.group()
    return Problem("control-character", f"'{name}' contains {unreadable_kind(char)} {describe_character(char)} "
                   f"at {where} of the value", UNREADABLE_HINT, value if keep else None)


class Timestamp(str):
    """A YAML timestamp with a time part: not a date, reported as such."""


def parse_date(text: str) -> date:
    """An ISO date, or a Problem naming why it is not one (2026-02-30 is not a date)."""
    text = text.strip()
    if not _DATE_RE.match(text):
        raise Problem("type", f"'{text}' is not a date", f"write dates as YYYY-MM-DD{_as_iso(text)}")
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        if year < 1:
            hint = "years run from 0001 to 9999"
        elif 1 <= month <= 12:
            hint = f"{MONTHS[month - 1]} {year} has {calendar.monthrange(year, month)[1]} days"
        else:
            hint = "months run from 01 to 12"
        raise Problem("date", f"{text} is not a real date", hint) from None


_EXAMPLE = ", e.g. 2026-10-31"
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})")


def _as_iso(text: str) -> str:
    """The end of the hint: this date as YYYY-MM-DD (31/12/2026 is 2026-12-31; 01/02/2026 is either 1 February or
    2 January, so both are named), or an example."""
    year_first = _YEAR_MONTH_DAY.fullmatch(text)
    if year_first is not None:
        year, _, month, day = year_first.groups()
        written = _written(int(year), int(month), int(day))
        return f": {written}" if written else _EXAMPLE
    slashed = _DAY_MONTH_YEAR.fullmatch(text)
    if slashed is None:
        return _EXAMPLE
    first, _, second, year_text = slashed.groups()
    year = int(year_text)
    day_first, month_first = _written(year, int(second), int(first)), _written(year, int(first), int(second))
    if day_first and month_first and day_first != month_first:
        return (f": {day_first} if you meant {_spoken(day_first)}, {month_first} if you meant "
                f"{_spoken(month_first)}")
    return f": {day_first or month_first}" if day_first or month_first else _EXAMPLE


def _written(year: int, month: int, day: int) -> str:
    """YYYY-MM-DD of a real date, else ''."""
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def _spoken(iso: str) -> str:
    written = date.fromisoformat(iso)
    return f"{written.day} {MONTHS[written.month - 1]}"


def describe(value: object) -> str:
    """What a value is, in the words of a person who wrote YAML or JSON."""
    if isinstance(value, bool):
        return "a boolean (yes/no/on/off/true/false are booleans in YAML)"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, Timestamp):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return "text"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """The closest spelling; else the one choice that starts with the word (people shorten long IDs:
    'unlock-fail' for unlock-fails-in-background, too far apart for spelling alone)."""
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close and len(word) >= 3:
        close = [choice for choice in choices if choice.startswith(word)]
    return f"did you mean '{close[0]}'?" if len(close) == 1 else ""


# The words people use for a state, before spelling: `doing` is one letter from `done`, but means in-progress.
# A word counts only where its state is one of the field's choices (`closed` means nothing for a decision).
COMMON_WORDS: Mapping[str, str] = {
    "doing": "in-progress", "wip": "in-progress", "in progress": "in-progress", "started": "in-progress",
    "ongoing": "in-progress", "working": "in-progress", "active": "in-progress",
    "fixed": "done", "resolved": "done", "closed": "done", "complete": "done", "completed": "done",
    "finished": "done", "shipped": "done",
    "wontfix": "declined", "won't fix": "declined", "wont fix": "declined", "rejected": "declined",
    "refused": "declined", "dropped": "declined",
    "todo": "open", "new": "open", "to do": "open", "backlog": "open",
}


def meant(word: str, choices: Iterable[str]) -> str:
    """'did you mean …?' from the words people use for a state first, then from spelling."""
    choices = list(choices)
    spoken = COMMON_WORDS.get(re.sub(r"[\s_-]+", " ", word.strip().lower()))
    if spoken in choices:
        return f"did you mean '{spoken}'?"
    return did_you_mean(word, choices)


def as_id(value: str) -> str:
    """How an ID people wrote as a name is written ('App' -> 'app', 'first ride' -> 'first-ride'); "" when
    nothing of it is a letter or a digit. A team, a stage or an irritant is named in site.yaml and file names so."""
    return "-".join(re.findall(r"[a-z0-9]+", value.lower()))


# --- field types ----------------------------------------------------------------------------

class FieldType:
    """How one kind of value is written, checked, described in JSON Schema and explained in the README."""

    __slots__ = ()
    scalar = True        # one value (as opposed to a list or a mapping of fields)
    repeats = True       # exports repeat its values, so a converted cell is worth remembering

    def coerce(self, name: str, value: object, raw: str, from_text: bool) -> Any:
        """The typed value of a scalar, or a Problem. from_text: the value came from a CSV cell."""
        raise NotImplementedError

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        raise NotImplementedError

    def explain(self) -> str:
        """A few words for the README's field tables."""
        raise NotImplementedError


class Textual(FieldType):
    """A value written as text, with the checks of its type (an ID's format, an enum's choices…)."""

    __slots__ = ()
    words = "text"
    refused: ClassVar[re.Pattern[str]] = UNPUBLISHABLE   # the characters a value must not hold

    def coerce(self, name: str, value: object, raw: str, from_text: bool) -> Any:
        if not isinstance(value, str) or isinstance(value, Timestamp):
            if isinstance(value, (bool, int, float, date, Timestamp)):
                raise Problem("type", f"'{name}' must be text, but YAML reads {raw} as {describe(value)}",
                              f'quote it: {name}: "{raw}"')
            raise Problem("type", f"'{name}' must be text, got {describe(value)}", f'write it as {name}: "…"')
        bad = self.refused.search(value)
        if bad is not None:
            raise unreadable_problem(name, value, bad, keep=isinstance(self, Text))
        return self.check(name, value)

    def check(self, name: str, value: str) -> Any:
        """The checks of this type, once the value is known to be text."""
        return value

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "string"}

    def explain(self) -> str:
        return self.words


class Text(Textual):
    __slots__ = ()
    repeats = False

    def coerce(self, name: str, value: object, raw: str, from_text: bool) -> Any:
        if value.__class__ is str:  # the common case (every feedback cell), first: one search in C
            bad = self.refused.search(value)
            if bad is not None:
                raise unreadable_problem(name, value, bad, keep=True)
            return value
        return super().coerce(name, value, raw, from_text)


class ExportText(Text):
    """Text of a feedback export, which nobody edits by hand: what breaks XML and feeds is an error as in any text,
    but a character HTML alone refuses (a C1 control of mojibake) is kept, and dropped where a page shows it."""

    __slots__ = ()
    refused: ClassVar[re.Pattern[str]] = UNREADABLE


class Markdown(Text):
    __slots__ = ()
    words = "markdown"


class Id(Textual):
    __slots__ = ()
    words = "ID"

    def check(self, name: str, value: str) -> Any:
        if not ID_RE.match(value):
            written = as_id(value)
            raise Problem("id-format", f"'{name}' {value!r} is not a valid ID",
                          (f"write it as '{written}': " if written else "")
                          + "IDs use lower-case letters, digits and single hyphens, e.g. slow-unlock")
        return value

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        known = vocab.get(name)
        return {"type": "string", "enum": list(known)} if known else {"type": "string", "pattern": ID_PATTERN}


class FeedbackId(Textual):
    __slots__ = ()
    repeats = False
    words = "feedback ID"

    def check(self, name: str, value: str) -> Any:
        if not FEEDBACK_ID_RE.match(value):
            raise Problem("id-format", f"'{name}' {value!r} is not a valid feedback ID",
                          "feedback IDs use letters, digits, _ . : and -")
        return value

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "string", "pattern": FEEDBACK_ID_PATTERN}


class Period(Textual):
    __slots__ = ()
    words = "month, YYYY-MM"

    def check(self, name: str, value: str) -> Any:
        if not _PERIOD_RE.match(value):
            raise Problem("type", f"'{name}' must be a month as YYYY-MM, got {value!r}", 'e.g. period: "2026-10"')
        return value

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "string", "pattern": PERIOD_PATTERN}


class Color(Textual):
    __slots__ = ()
    words = "colour, #rrggbb"

    def check(self, name: str, value: str) -> Any:
        if not _COLOR_RE.match(value):
            raise Problem("value", f"'{name}' must be a colour as #rrggbb, got {value!r}", 'e.g. accent: "#0a7d5a"')
        return value

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "string", "pattern": COLOR_PATTERN}


class Url(Textual):
    __slots__ = ()
    words = "http(s) URL"

    def check(self, name: str, value: str) -> Any:
        if not _URL_RE.match(value):
            raise Problem("value", f"'{name}' must be an http(s) URL, got {value!r}",
                          "e.g. https://example.org/changes/")
        return value

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "string", "pattern": URL_PATTERN}


class FolderUrl(Url):
    """Where a site is hosted: every page, feed and sitemap address is this plus a path, so it ends with / (added
    when written without: https://example.org/changes would have made https://example.org/changesfeed.xml)."""

    __slots__ = ()

    def check(self, name: str, value: str) -> Any:
        checked = super().check(name, value)
        return checked if checked.endswith("/") else checked + "/"


class Enum(Textual):
    """One of a StrEnum's values; the loader hands on the enum member, which compares equal to its text."""

    __slots__ = ("states", "choices")

    def __init__(self, states: type[StrEnum]):
        self.states = states
        self.choices: tuple[str, ...] = tuple(member.value for member in states)

    def check(self, name: str, value: str) -> Any:
        if value not in self.choices:
            suggestion = meant(value, self.choices)
            raise Problem("value", f"'{name}' must be one of {', '.join(self.choices)} (got {value!r})",
                          suggestion or f"use one of: {', '.join(self.choices)}")
        return self.states(value)

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "string", "enum": list(self.choices)}

    def explain(self) -> str:
        return ", ".join(f"`{choice}`" for choice in self.choices)


class Date(FieldType):
    __slots__ = ()

    def coerce(self, name: str, value: object, raw: str, from_text: bool) -> Any:
        if isinstance(value, date):
            return value
        if isinstance(value, Timestamp):
            raise Problem("type", f"'{name}' must be a date without a time, got {raw!r}",
                          "write dates as YYYY-MM-DD")
        if isinstance(value, str):
            return parse_date(value)
        raise Problem("type", f"'{name}' must be a date, got {describe(value)}", "write dates as YYYY-MM-DD")

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        # YAML editors see an unquoted date as a string; the pattern still guides them
        return {"type": "string", "pattern": DATE_PATTERN}

    def explain(self) -> str:
        return "date, YYYY-MM-DD"


class Number(FieldType):
    __slots__ = ("minimum", "maximum")
    whole = False

    def __init__(self, minimum: float | None = None, maximum: float | None = None):
        self.minimum, self.maximum = minimum, maximum

    def coerce(self, name: str, value: object, raw: str, from_text: bool) -> Any:
        whole = "whole " if self.whole else ""
        if from_text and isinstance(value, str):
            try:
                value = int(value) if self.whole else float(value)
            except ValueError:
                raise Problem("type", f"'{name}' must be a {whole}number, got {value!r}",
                              "write digits only, e.g. 7") from None
        ok = isinstance(value, int) if self.whole else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            raise Problem("type", f"'{name}' must be a {whole}number, got {describe(value)}",
                          f"write it without quotes, e.g. {name}: 7")
        assert isinstance(value, (int, float))
        if not math.isfinite(value):
            raise Problem("value", f"'{name}' must be a finite number, got {raw!r}", "write an ordinary number")
        if self.minimum is not None and value < self.minimum:
            raise Problem("value", f"'{name}' must be at least {self.minimum:g}, got {value}",
                          f"use a value of {self.minimum:g} or more")
        if self.maximum is not None and value > self.maximum:
            raise Problem("value", f"'{name}' must be at most {self.maximum:g}, got {value}",
                          f"use a value of {self.maximum:g} or less")
        return value

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        schema: Schema = {"type": "integer" if self.whole else "number"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema

    def explain(self) -> str:
        words = "whole number" if self.whole else "number"
        if self.minimum is not None:
            words += f", at least {self.minimum:g}"
        return words


class Integer(Number):
    __slots__ = ()
    whole = True


class Boolean(FieldType):
    __slots__ = ()

    def coerce(self, name: str, value: object, raw: str, from_text: bool) -> Any:
        if from_text and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                return lowered == "true"
        if isinstance(value, bool):
            return value
        raise Problem("type", f"'{name}' must be true or false, got {raw!r}", f"write {name}: true or {name}: false")

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "boolean"}

    def explain(self) -> str:
        return "true or false"


class List(FieldType):
    """A list of scalars, e.g. IDs; each entry remembers its own place ('name.N')."""

    __slots__ = ("item",)
    scalar = False

    def __init__(self, item: FieldType):
        self.item = item

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "array", "items": self.item.schema(name, {}), "uniqueItems": True}

    def explain(self) -> str:
        return f"list of {self.item.explain()}s"


class Object(FieldType):
    """A mapping of fields, declared by a model dataclass."""

    __slots__ = ("model",)
    scalar = False

    def __init__(self, model: type):
        self.model = model

    @property
    def fields(self) -> tuple[Field, ...]:
        return contract_of(self.model)

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return object_schema(self.fields, vocab)

    def explain(self) -> str:
        return "mapping: " + ", ".join(f"`{f.name}`" for f in self.fields)


class ObjectList(Object):
    """A list of mappings of fields."""

    __slots__ = ()

    def schema(self, name: str, vocab: Vocabulary) -> Schema:
        return {"type": "array", "items": object_schema(self.fields, vocab)}

    def explain(self) -> str:
        return "list of mappings: " + ", ".join(f"`{f.name}`" for f in self.fields)


# --- declarations ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, slots=True)
class Field:
    """One field of the contract, as people write it."""

    name: str
    type: FieldType
    doc: str
    required: bool = False
    default: object = None        # the documented default: what leaving the field out means
    essential: bool = False       # required, and the record cannot be built without it

    def schema(self, vocab: Vocabulary) -> Schema:
        schema = self.type.schema(self.name, vocab)
        if self.type.scalar and not self.required:
            # `logo: null` or an empty `target:` reads as absent, as check treats it
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = schema["enum"] + [None]
        schema["description"] = self.doc
        if self.default is not None:
            schema["default"] = self.default
        return schema


_CONTRACT = "site_gen.contract"
_MISSING: Any = dataclasses.MISSING


def declare(type: FieldType, doc: str, *, required: bool = False, default: Any = _MISSING,
            from_file_name: bool = False) -> Any:
    """A model dataclass field that carries its contract.

    Without a default, an optional field defaults to None, and a required one is
    essential: the record cannot be built without it. A required field with a
    default (site.yaml's) falls back to it when a broken file leaves it out.
    from_file_name: optional in the file, always given by the loader (a record's ID).
    An optional field's default is documented (README, JSON Schema) when it is a
    word or a number; empty values and objects are what leaving the field out means.
    """
    if default is _MISSING and not required and not from_file_name:
        default = None
    documented = None
    if not required and isinstance(default, (str, int, float)) and not isinstance(default, bool) and default != "":
        documented = default
    spec = Field("", type, doc, required, documented, essential=required and default is _MISSING)
    return dataclasses.field(default=default, metadata={_CONTRACT: spec})


_contracts: dict[type, tuple[Field, ...]] = {}


def contract_of(model: type) -> tuple[Field, ...]:
    """The declared fields of a model dataclass, in declaration order (other attributes, like loc, are not fields)."""
    found = _contracts.get(model)
    if found is None:
        found = tuple(dataclasses.replace(f.metadata[_CONTRACT], name=f.name)
                      for f in dataclasses.fields(model) if _CONTRACT in f.metadata)
        _contracts[model] = found
    return found


def object_schema(fields: tuple[Field, ...], vocab: Vocabulary) -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": {f.name: f.schema(vocab) for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema
