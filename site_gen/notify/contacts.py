"""The contacts export: customer reference -> e-mail address (and optional name, language), kept outside the repo.

A CRM export has many columns; only `customer` (or `reference`), `email`, `name` and `language` are read.
Parsing is pure: the text in, contacts and located problems out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

REFERENCE_COLUMNS = ("customer", "reference")
# one @, no spaces, quotes, angle brackets or control characters, a dot in the domain: what a CRM holds
_EMAIL = re.compile(r"^[^@\s\"<>(),;:\\\[\]\x00-\x1f\x7f]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ContactsError(Exception):
    """The contacts file cannot be used at all (no header, no customer or email column)."""


@dataclass(frozen=True, slots=True)
class Contact:
    customer: str
    email: str
    name: str | None
    language: str | None
    line: int

    def address(self) -> Address:
        return Address(display_name=self.name or "", addr_spec=self.email)


@dataclass(frozen=True, slots=True)
class Contacts:
    by_customer: dict[str, Contact]
    problems: tuple[str, ...]      # "line 7: …", for the summary; never an address


def parse_contacts(text: str) -> Contacts:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ContactsError(f"its header cannot be read: {exc}") from None
    reference = next((name for name in REFERENCE_COLUMNS if name in header), None)
    if reference is None or "email" not in header:
        raise ContactsError("it needs a 'customer' (or 'reference') column and an 'email' column in its first line")
    reader.fieldnames = header
    by_customer: dict[str, Contact] = {}
    problems: list[str] = []
    try:
        for row in reader:
            line = reader.line_num
            customer = (row.get(reference) or "").strip()
            email = (row.get("email") or "").strip()
            if not customer:
                continue
            if not email:
                problems.append(f"line {line}: no e-mail address")
                continue
            if not _valid(email):
                problems.append(f"line {line}: the e-mail address is not valid")
                continue
            if customer in by_customer:
                problems.append(f"line {line}: the customer already has an address on line "
                                f"{by_customer[customer].line}; the first is used")
                continue
            name = _clean(row.get("name"))
            language = _clean(row.get("language"))
            by_customer[customer] = Contact(customer, email, name, language, line)
    except csv.Error as exc:
        raise ContactsError(f"line {reader.line_num}: {exc}") from None
    return Contacts(by_customer, tuple(problems))


def _clean(value: str | None) -> str | None:
    """A display name or language: control characters (header injection) removed, spaces collapsed."""
    if value is None:
        return None
    cleaned = " ".join(_CONTROL.sub(" ", value).split())
    return cleaned or None


def _valid(email: str) -> bool:
    if not _EMAIL.match(email):
        return False
    try:
        Address(addr_spec=email)
    except (HeaderParseError, ValueError, IndexError):
        return False
    return True
