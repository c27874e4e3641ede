"""Small wording helpers shared by both sites."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

# Not calendar.month_name: that follows the process locale (LC_TIME) once anything calls locale.setlocale,
# and the sites are written in English whatever the machine's locale, byte for byte.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def blank(value: object) -> bool:
    """Written, but saying nothing: `owner: ""` or `promise: "  "` (a rule asking for a value then asks again)."""
    return isinstance(value, str) and not value.strip()


# whitespace that may break a line; a no-break space (French's before ; : ? !, a thousands separator) is not one
_BREAKING_SPACES = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def one_line(text: str) -> str:
    """Text on one line, each run of spaces and line breaks one space; its no-break spaces kept (str.split()
    would make "retard\u202f;" "retard ;", a line that may begin with ";")."""
    return _BREAKING_SPACES.sub(" ", text).strip()


_NOT_IN_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "page") -> str:
    """ASCII, lower-case, hyphenated: safe in any file system and URL."""
    without_apostrophes = text.replace("’", "").replace("'", "")  # doesn't -> doesnt, not doesn-t
    ascii_text = without_apostrophes if without_apostrophes.isascii() else unicodedata.normalize(
        "NFKD", without_apostrophes).encode("ascii", "ignore").decode("ascii")   # (ASCII is its own NFKD form)
    slug = _NOT_IN_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or fallback


def humanize(identifier: str) -> str:
    """first-ride -> First ride."""
    words = identifier.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@functools.lru_cache(maxsize=8192)
def month_key(day: date) -> str:
    """2026-09-14 -> 2026-09. Cached: facts ask it for every feedback row, and rows share a few hundred days."""
    return f"{day.year:04d}-{day.month:02d}"


def month_label(key: str) -> str:
    """2026-09 -> September 2026."""
    year, month = key.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"

