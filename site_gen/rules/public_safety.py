"""Rule group 8: public fields carry no e-mail addresses, phone numbers or customer references."""

from __future__ import annotations

import re
from datetime import date
from typing import Iterator

from ..diagnostics import Diagnostic, SourceLoc, error
from ..model import Backlog

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# international numbers from 8 digits, national ones from 9 (so "2025-2026" is not a phone number)
PHONE = re.compile(r"(?<![\w.+])(?:\+\d(?:[ .()/-]{0,2}\d){7,14}|\d(?:[ .()/-]{0,2}\d){8,14})(?![\w])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/#-]*[A-Za-z0-9_]")
MIN_REFERENCE_LENGTH = 4  # shorter CRM references would match ordinary words and numbers


def find_personal_data(text: str, customer_refs: frozenset[str]) -> list[str]:
    """What in text looks like personal data, described for a person."""
    found = [f"an e-mail address ({m.group()})" for m in EMAIL.finditer(text)]
    for match in PHONE.finditer(text):
        if not ISO_DATE.fullmatch(match.group().strip()):
            found.append(f"a phone number ({match.group()})")
    for token in TOKEN.findall(text):
        if token in customer_refs:
            found.append(f"a customer reference ({token})")
    return found


def _public_texts(backlog: Backlog) -> Iterator[tuple[SourceLoc, str, str]]:
    for story in backlog.stories.values():
        if not story.is_public:
            continue
        for name in ("title", "you_said", "we_did", "result"):
            value = getattr(story, name)
            if value:
                yield story.at(name), name, value
        for offset, line in enumerate(story.body.split("\n")):
            if line.strip():
                yield SourceLoc(story.loc.path, story.body_line + offset, 1), "body", line
    for irritant in backlog.irritants.values():
        if not irritant.is_public:
            continue
        for name in ("public_title", "public_reason"):
            value = getattr(irritant, name)
            if value:
                yield irritant.at(name), name, value


def check(backlog: Backlog, today: date) -> Iterator[Diagnostic]:
    refs = frozenset(row.customer for row in backlog.feedback
                     if row.customer and len(row.customer) >= MIN_REFERENCE_LENGTH)
    for loc, name, text in _public_texts(backlog):
        for finding in find_personal_data(text, refs):
            yield error(loc, "personal-data", f"public field '{name}' contains {finding}",
                        "public text must not identify a customer: remove it or rephrase")
