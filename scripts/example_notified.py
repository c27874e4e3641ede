"""Regenerate the example's notify ledger (backlog/notified.csv) and its test contacts (tests/example-contacts.csv).

Run from the repository root after scripts/example_feedback.py:  python scripts/example_notified.py

The contacts are fictional (example.org) and live under tests/ only: a real team keeps its CRM export
outside the repository. Every story published more than rules.notify_within_days before TODAY was told:
customers with an address by e-mail (one address refused for good), the few without one by phone; each
on a date after both the story and their newest feedback about it, as weekly notify runs would.
Stories published since are not told yet: `site-gen notify --since 2026-10-01` lists them.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from site_gen.facts import derive_facts  # noqa: E402
from site_gen.load import load_backlog  # noqa: E402

TODAY = date(2026, 11, 23)   # the example's "today" (tests/conftest.py)
NAMES = ["Alex", "Sam", "Noor", "Jo", "Priya", "Tom", "Lena", "Omar", "Mia", "Ravi", "Ines", "Ben"]


def _hash(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def main() -> None:
    backlog, problems = load_backlog(ROOT, workers=1)
    backlog = dataclasses.replace(backlog, notified=())
    facts = derive_facts(backlog, TODAY)
    within = backlog.config.rules.notify_within_days
    contactable = sorted({c for loop in facts.loops.values() for c in loop.audience.to_tell})
    # one customer in twelve agreed but has no e-mail address in the CRM: told by phone
    no_address = {c for c in contactable if _hash(c)[0] < 22}
    refused = next(c for c in contactable if c not in no_address and _hash("refused" + c)[0] < 8)
    with open(ROOT / "tests" / "example-contacts.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["customer", "email", "name", "language", "city"])
        for customer in contactable:
            if customer in no_address:
                continue
            digest = _hash(customer)
            name = f"{NAMES[digest[1] % len(NAMES)]} {chr(65 + digest[2] % 26)}." if digest[3] % 3 else ""
            writer.writerow([customer, f"rider-{digest.hex()[:8]}@example.org", name, "en" if digest[4] % 2 else "",
                             "Kestrel"])

    newest: dict[tuple[str, str], date] = {}
    for irritant_id, irritant in facts.irritants.items():
        for row in irritant.evidence.rows:
            if row.customer:
                key = (irritant_id, row.customer)
                newest[key] = max(newest.get(key, row.date), row.date)
    lines = []
    for story_id, loop in facts.loops.items():
        story = backlog.stories[story_id]
        if not loop.published or (TODAY - story.date).days <= within:
            continue
        for customer in loop.audience.to_tell:
            latest = max(newest.get((i, customer), story.date) for i in story.irritants)
            told = min(max(story.date, latest) + timedelta(days=3 + _hash(story_id + customer)[0] % 4),
                       TODAY - timedelta(days=1))
            if customer in no_address:
                lines.append((told, story_id, customer, "phone", "sent"))
            else:
                lines.append((told, story_id, customer, "email", "attempt"))
                lines.append((told, story_id, customer, "email", "failed" if customer == refused else "sent"))
    lines.sort(key=lambda line: (line[0], line[1], line[2], line[4] != "attempt"))
    with open(ROOT / "backlog" / "notified.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["story", "customer", "date", "channel", "result"])
        for told, story_id, customer, channel, result in lines:
            writer.writerow([story_id, customer, told.isoformat(), channel, result])
    print(f"{len(lines)} ledger lines, {len(contactable) - len(no_address)} contacts")


if __name__ == "__main__":
    main()
