"""What looks like an e-mail address or a phone number in free text: one set of detectors for the whole tool.

The public-safety rule (rules/public_safety.py) reports them in public text; `site-gen import` replaces them in
verbatims with a placeholder before a row reaches the repository.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# parts no longer than an address may have (RFC 5321: 64 before the @, 63 a label): unbounded, a long run of
# letters before a lone '@' was rescanned from each of its letters, and 40 KB of them took seconds to check
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,126}\.[A-Za-z]{2,63}")
# international numbers from 8 digits, national ones from 9 (so "2025-2026" is not a phone number)
PHONE = re.compile(r"(?<![\w.+])(?:\+\d(?:[ \u00a0\u202f.()/-]{0,2}\d){7,14}|\d(?:[ \u00a0\u202f.()/-]{0,2}\d){8,14})"
                   r"(?![\w])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ANY_DIGIT = re.compile(r"\d")   # any script's digits, as PHONE's \d
# web addresses: their paths hold dates and IDs (/news/2009/02/11/340), not phone numbers; a tel: link
# has no '//' and is still scanned
URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)\S+")

EMAIL_ADDRESS = "an e-mail address"
PHONE_NUMBER = "a phone number"


def find_contact_details(text: str) -> list[tuple[int, int, str, str]]:
    """E-mail addresses and phone numbers in text: (start, end, the text found, what it is), in text order."""
    found = []
    if "@" in text:
        found += [(m.start(), m.end(), m.group(), EMAIL_ADDRESS) for m in EMAIL.finditer(text)]
    if has_digit(text):
        phones = URL.sub(lambda m: " " * len(m.group()), text) if "://" in text or "www." in text else text
        found += [(m.start(), m.end(), text[m.start():m.end()], PHONE_NUMBER) for m in PHONE.finditer(phones)
                  if not ISO_DATE.fullmatch(m.group().strip())]
    return sorted(found)


def has_digit(text: str) -> bool:
    """ANY_DIGIT.search(text), faster: `in` looks for each ASCII digit as fast as memchr, where the expression
    tests character by character (a 1.9 KB story body: 0.8 µs instead of 17)."""
    if any(digit in text for digit in "0123456789"):
        return True
    return not text.isascii() and ANY_DIGIT.search(text) is not None   # a digit of another script: ٣, ３


def is_email(text: str) -> bool:
    """The whole text (spaces around it aside) is one e-mail address."""
    return EMAIL.fullmatch(text.strip()) is not None


def redact(text: str, placeholder: Callable[[str], str]) -> tuple[str, dict[str, int]]:
    """text with every e-mail address and phone number replaced by placeholder(what), and how many of each."""
    counts: dict[str, int] = {}
    parts, end = [], 0
    for start, stop, _found, what in find_contact_details(text):
        if start < end:
            continue  # a phone number inside an e-mail address (ana.0612345678@…): replaced with the address
        parts += [text[end:start], placeholder(what)]
        counts[what] = counts.get(what, 0) + 1
        end = stop
    if not counts:
        return text, counts
    return "".join(parts) + text[end:], counts
