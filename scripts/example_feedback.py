"""Regenerate the example's feedback exports (feedback/*.csv, *.jsonl) deterministically.

The example organisation, Kestrel Cycle Share, is fictional; so are its customers.
Run from the repository root:  python scripts/example_feedback.py
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from datetime import date, timedelta
from pathlib import Path

START, END = date(2025, 11, 1), date(2026, 11, 22)
STAGES = ["discover", "sign-up", "first-ride", "payment", "support", "cancel"]
TEAM_OF_STAGE = {"discover": "ops", "sign-up": "app", "first-ride": "app", "payment": "billing",
                 "support": "support", "cancel": "support"}
SEGMENTS = ["commuter", "tourist", "business"]

# Phrases customers actually use, per stage and kind; combined into varied verbatims.
VOICE = {
    "discover": {
        "complaint": ["No bikes at Central again this morning", "The map said 4 bikes, there were none",
                      "Harbour station empty at 8am, third time this week", "I can't tell which pass to buy",
                      "Day pass vs pay-as-you-go is really confusing",
                      "Station near North Gate is always full when I arrive"],
        "praise": ["Stations are everywhere in the old town", "Easy to find a bike near the hotel",
                   "Love the new station at the ferry terminal"],
        "suggestion": ["Could you show how many docks are free?", "Please add a station at the university",
                       "A weekly pass for visitors would be great"],
    },
    "sign-up": {
        "complaint": ["The ID check kept restarting", "Took me 20 minutes to sign up at the station",
                      "SMS code never arrived", "Logged out again after the update, had to re-verify at the dock",
                      "Selfie step failed five times"],
        "praise": ["Signed up in two minutes", "Sign-up was painless", "Nice that I could use my company account"],
        "suggestion": ["Let me sign up with my email instead of SMS", "Allow adding a second card at sign-up"],
    },
    "first-ride": {
        "complaint": ["Unlock failed when I switched to maps", "Bike stayed locked but I was charged the unlock fee",
                      "Battery said 20 km and died after 8", "Unlock spinner forever, missed my train",
                      "Seat would not go down", "Brakes felt weak on the hill"],
        "praise": ["Bikes are smooth and the motor is great on hills", "Unlocking is instant now",
                   "First ride was a joy", "Perfect for getting to work"],
        "suggestion": ["A phone holder on the handlebar please", "Show range in minutes, not km",
                       "Let me reserve a bike for 10 minutes"],
    },
    "payment": {
        "complaint": ["I was charged twice for one ride", "Deposit still not back after 12 days",
                      "Why is there a fee when the bike didn't unlock?", "Receipt does not show VAT for my company",
                      "I want to pay cash", "Charged after I ended the ride"],
        "praise": ["Refund came the same day, thank you", "Monthly plan is good value", "Receipts are clear"],
        "suggestion": ["Let me pay with a voucher", "Monthly invoice for business accounts",
                       "Warn me before the deposit is taken"],
    },
    "support": {
        "complaint": ["Waited 35 minutes in chat", "Nobody answers in the evening", "I had to explain three times",
                      "No idea if my refund was approved", "Chat closed while I was typing"],
        "praise": ["Agent sorted it in five minutes", "Very friendly support", "Quick answer on chat, thanks"],
        "suggestion": ["Show me the status of my refund in the app", "Call-back instead of waiting on hold"],
    },
    "cancel": {
        "complaint": ["I had to call to cancel", "Cancelling took three emails", "Still billed after I cancelled"],
        "praise": ["Cancelled in the app in seconds, will be back in spring", "Easy to pause my plan"],
        "suggestion": ["Let me pause instead of cancel for the winter", "Tell me when my plan ends"],
    },
}
TAILS = {
    "complaint": ["", "", "Please fix this.", "Really annoying.", "Not the first time.",
                  "Happened on my way to work.", "We are only here for a week."],
    "praise": ["", "", "Thanks!", "Keep it up.", "Will recommend to friends."],
    "suggestion": ["", "", "Thanks.", "Would use it more then.", "Just an idea."],
}


def _score(rng: random.Random, score_type: str, kind: str, month_dip: float) -> int:
    mood = {"complaint": -1.0, "praise": 1.0, "suggestion": 0.2}[kind] - month_dip
    if score_type == "nps":
        return max(0, min(10, round(rng.gauss(7.6 + 2.0 * mood, 1.4))))
    if score_type == "ces":  # effort: lower is better
        return max(1, min(7, round(rng.gauss(3.2 - 1.3 * mood, 0.9))))
    return max(1, min(5, round(rng.gauss(3.6 + 1.0 * mood, 0.7))))


def _dip(day: date) -> float:
    # the August 2026 double-charge incident shows in every score
    return 0.8 if date(2026, 8, 1) <= day <= date(2026, 9, 10) else 0.0


# What happened after each fix, by irritant: its closed date, and the share of its complaints still heard
# afterwards. Most fixes worked. The sign-up ID check loop (closed 2026-04-09) is absent on purpose: the fix
# did not hold, its complaints keep their full rate, and `site-gen check` reports it (rule recurrence).
FIXES = {
    "cancel-needs-phone-call": (date(2026, 2, 26), 0.10),
    "logged-out-after-update": (date(2026, 7, 24), 0.10),
    "double-charge-after-failed-ride": (date(2026, 8, 28), 0.0),   # the story says: none since 28 August
    "seat-clamp-stuck": (date(2026, 9, 30), 0.10),
}
# Incidents: from start to end, this share of a stage's complaints are about the incident.
INCIDENTS = [(date(2026, 8, 3), date(2026, 8, 27), "payment", "I was charged twice for one ride", 0.5)]


def _linked_irritant(verbatim: str) -> str:
    return next((irritant for phrase, irritant in LINKS.items() if phrase in verbatim), "")


def _after_fixes(rows: list[dict], rng: random.Random) -> None:
    """Complaints follow the incidents and stop after the fixes (FIXES, INCIDENTS).

    Uses its own random stream, so every other row stays as it was generated; only complaint wording changes:
    a fixed complaint heard after its fix becomes another complaint of the same stage that no irritant links to.
    """
    for row in rows:
        if row["kind"] != "complaint":
            continue
        day = date.fromisoformat(row["date"])
        tail = row["verbatim"].split(". ", 1)[1] if ". " in row["verbatim"] else ""
        for start, end, stage, phrase, share in INCIDENTS:
            if row["journey_stage"] == stage and start <= day <= end and rng.random() < share:
                row["verbatim"] = phrase + (". " + tail if tail else "")
        fix = FIXES.get(_linked_irritant(row["verbatim"]))
        if fix is not None and day >= fix[0] and rng.random() >= fix[1]:
            others = [p for p in VOICE[row["journey_stage"]]["complaint"] if not _linked_irritant(p)]
            row["verbatim"] = rng.choice(others) + (". " + tail if tail else "")


def rows(rng: random.Random) -> list[dict]:
    out = []
    days = (END - START).days + 1
    counters = {"SRV": 0, "TCK": 14000, "REV": 0, "SOC": 0}
    customers = [f"CUST-{rng.randrange(100000, 999999)}" for _ in range(900)]
    for _ in range(4000):
        day = START + timedelta(days=rng.randrange(days))
        stage = rng.choices(STAGES, weights=[14, 12, 26, 22, 18, 8])[0]
        segment = rng.choices(SEGMENTS, weights=[6, 3, 2])[0]
        source = rng.choices(["survey", "ticket", "chat", "call", "review", "social", "field"],
                             weights=[50, 18, 12, 5, 8, 5, 2])[0]
        # people who answer a survey are happier on average than people who open a ticket
        weights = [30, 50, 20] if source == "survey" else [55, 28, 17]
        kind = rng.choices(["complaint", "praise", "suggestion"], weights=weights)[0]
        tail = rng.choice(TAILS[kind])
        verbatim = rng.choice(VOICE[stage][kind]) + (". " + tail if tail else "")
        row = {"date": day.isoformat(), "source": source, "segment": segment, "team": TEAM_OF_STAGE[stage],
               "journey_stage": stage, "kind": kind, "verbatim": verbatim,
               "customer": rng.choice(customers) if source not in ("social", "field") else ""}
        if source == "survey":
            row["score_type"] = rng.choices(["nps", "ces"], weights=[3, 1])[0]
        elif source in ("ticket", "chat") and rng.random() < 0.6:
            row["score_type"] = "csat"
        elif source == "review":
            row["score_type"] = "csat"
        if "score_type" in row:
            row["score"] = _score(rng, row["score_type"], kind, _dip(day))
        row["consent_public"] = "true" if kind == "praise" and rng.random() < 0.3 else ""
        out.append(row)
    _after_fixes(out, random.Random(20260828))
    out.sort(key=lambda r: (r["date"], r["source"], r["verbatim"]))
    for row in out:
        prefix = {"survey": "SRV", "review": "REV", "social": "SOC"}.get(row["source"], "TCK")
        counters[prefix] += 1
        if prefix == "TCK":
            row["id"] = f"TCK-{counters['TCK']}"
        else:
            row["id"] = f"{prefix}-{row['date'][5:7]}{row['date'][8:10]}-{counters[prefix]:04d}"
    return out


LINKS = {  # evidence links written in the export by support agents: phrase -> irritant
    "Unlock failed when I switched": "unlock-fails-in-background",
    "Unlock spinner forever": "unlock-fails-in-background",
    "Bike stayed locked but I was charged": "unlock-fails-in-background",
    "charged twice": "double-charge-after-failed-ride",
    "Deposit still not back": "deposit-refund-slow",
    "ID check kept restarting": "signup-id-check-loop",
    "Selfie step failed": "signup-id-check-loop",
    "No bikes at Central": "no-bikes-at-station-morning",
    "Harbour station empty": "no-bikes-at-station-morning",
    "Waited 35 minutes in chat": "support-wait-evenings",
    "Nobody answers in the evening": "support-wait-evenings",
    "I had to call to cancel": "cancel-needs-phone-call",
    "Day pass vs pay-as-you-go": "day-pass-confusing",
    "I want to pay cash": "cash-at-stations",
    "Logged out again after the update": "logged-out-after-update",
    "Battery said 20 km": "battery-range-wrong",
    "No idea if my refund was approved": "refund-status-unclear",
    "Seat would not go down": "seat-clamp-stuck",
}

COLUMNS = ["id", "date", "source", "customer", "segment", "team", "journey_stage", "score_type", "score",
           "verbatim", "consent_public", "kind", "irritant", "contact_ok"]


def contact_ok(customer: str, row_id: str) -> str:
    """The row's answer to "may we contact you about this?": "true", "false" or "" (not asked).

    Chosen from hashes of the customer and the row ID, not from the random stream, so no other value changes:
    half the rows ask; about a third of customers agree; one answer in ten differs from that customer's usual
    one (people change their minds, and their newest answer counts).
    """
    if not customer:
        return ""
    asked = hashlib.sha256(f"{customer}|{row_id}".encode()).digest()
    if asked[0] % 2:
        return ""
    agrees = hashlib.sha256(customer.encode()).digest()[0] < 90
    if asked[1] < 26:
        agrees = not agrees
    return "true" if agrees else "false"


def main() -> None:
    rng = random.Random(20261123)
    all_rows = rows(rng)
    for row in all_rows:
        row["irritant"] = _linked_irritant(row["verbatim"])
        row["contact_ok"] = contact_ok(row["customer"], row["id"])
    surveys = [r for r in all_rows if r["source"] in ("survey", "review", "social", "field")]
    helpdesk = [r for r in all_rows if r["source"] in ("ticket", "chat", "call")]
    folder = Path("feedback")
    folder.mkdir(exist_ok=True)
    with open(folder / "surveys-and-reviews.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in surveys:
            writer.writerow({key: row.get(key, "") for key in COLUMNS})
    with open(folder / "helpdesk-export.jsonl", "w", encoding="utf-8") as handle:
        for row in helpdesk:
            document = {key: row[key] for key in COLUMNS if row.get(key) not in (None, "")}
            if "score" in document:
                document["score"] = int(document["score"])
            if "consent_public" in document:
                document["consent_public"] = True
            if "contact_ok" in document:
                document["contact_ok"] = document["contact_ok"] == "true"
            handle.write(json.dumps(document, ensure_ascii=False) + "\n")
    print(f"{len(surveys)} survey/review rows, {len(helpdesk)} helpdesk rows")


if __name__ == "__main__":
    main()
