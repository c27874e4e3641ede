"""Rule group 8: public fields carry no e-mail addresses, phone numbers or customer references."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..diagnostics import Diagnostic, SourceLoc, error
from ..facts import Facts
from ..model import Backlog

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# international numbers from 8 digits, national ones from 9 (so "2025-2026" is not a phone number)
PHONE = re.compile(r"(?<![\w.+])(?:\+\d(?:[ .()/-]{0,2}\d){7,14}|\d(?:[ .()/-]{0,2}\d){8,14})(?![\w])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ANY_DIGIT = re.compile(r"\d")
# characters that cannot be part of a CRM reference; translate() and split() run in C, which
# matters when every public story body is scanned
_SEPARATORS = str.maketrans({c: " " for c in "()[]{}<>,;!?\"'`*|\\"})
_SEPARATORS_AND_STOPS = str.maketrans({c: " " for c in "()[]{}<>,;!?\"'`*|\\.:"})
MIN_REFERENCE_LENGTH = 4  # shorter CRM references would match ordinary words and numbers


def find_personal_data(text: str, customer_refs: frozenset[str], any_dotted: bool = True) -> list[tuple[str, str]]:
    """What in text looks like personal data: (the text found, what it is)."""
    found = []
    if "@" in text:
        found += [(m.group(), "an e-mail address") for m in EMAIL.finditer(text)]
    if ANY_DIGIT.search(text):
        found += [(m.group(), "a phone number") for m in PHONE.finditer(text)
                  if not ISO_DATE.fullmatch(m.group().strip())]
    references = customer_refs.intersection(text.translate(_SEPARATORS_AND_STOPS).split())
    if any_dotted:  # references that hold '.' or ':' themselves ("C.1024") need words split at spaces only
        references |= customer_refs.intersection(text.translate(_SEPARATORS).split())
    found += [(reference, "a customer reference") for reference in sorted(references)]
    return found


def _public_texts(backlog: Backlog) -> Iterator[tuple[SourceLoc, str, str]]:
    for story in backlog.stories.values():
        if not story.is_public:
            continue
        for name in ("title", "you_said", "we_did", "result"):
            value = getattr(story, name)
            if value:
                yield story.at(name), name, value
        if story.body:
            yield SourceLoc(story.loc.path, story.body_line, 1), "body", story.body
    for irritant in backlog.irritants.values():
        if not irritant.is_public:
            continue
        for name in ("public_title", "public_reason"):
            value = getattr(irritant, name)
            if value:
                yield irritant.at(name), name, value


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    refs = frozenset(row.customer for row in backlog.feedback
                     if row.customer and len(row.customer) >= MIN_REFERENCE_LENGTH)
    any_dotted = any("." in ref or ":" in ref for ref in refs)
    for loc, name, text in _public_texts(backlog):
        for needle, what in find_personal_data(text, refs, any_dotted):
            at = loc
            if name == "body":  # point at the line of the body that holds it
                at = SourceLoc(loc.path, loc.line + text.count("\n", 0, text.find(needle)), 1)
            yield error(at, "personal-data", f"public field '{name}' contains {what} ({needle})",
                        "public text must not identify a customer: remove it or rephrase")
