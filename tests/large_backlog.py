"""A real team's backlog after two years: 75 irritants, most of them closed, a dozen open.

Deterministic (no randomness): the same repository every time, for the board's one-screen test.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

TODAY = date(2026, 11, 23)
STAGES = ("discover", "sign-up", "first-ride", "payment", "support", "cancel")
TEAMS = ("app", "ops", "support", "billing")
SEGMENTS = ("commuter", "tourist", "business")
OWNERS = ("Maya Okafor", "Jonas Berg", "Leila Haddad", "Tomás Lindqvist", "Priya Raman", "Aiko Tanaka")
OPEN = 13
TOTAL = 75

SITE = """organisation: Large Team
journey_stages: [discover, sign-up, first-ride, payment, support, cancel]
teams: [app, ops, support, billing]
segments: [commuter, tourist, business]
rules: {max_open: 15, review_every_days: 14}
"""


def write_large_backlog(root: Path, total: int = TOTAL, open_count: int = OPEN) -> Path:
    (root / "backlog" / "irritants").mkdir(parents=True)
    (root / "feedback").mkdir()
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    rows = ["id,date,source,customer,segment,journey_stage,kind,verbatim,irritant"]
    for n in range(total):
        key = f"irritant-{n:02d}"
        opened = TODAY - timedelta(days=20 + 9 * n)
        is_open = n < open_count
        triage = ("act-now", "plan")[n % 2] if is_open or n % 5 else "decline"
        lines = [f"title: Customers report problem number {n} with the service at {STAGES[n % 6]}",
                 f"journey_stage: {STAGES[n % 6]}", f"team: {TEAMS[n % 4]}", f"owner: {OWNERS[n % 6]}",
                 f"cause: Cause number {n}.", f"triage: {triage}", f"opened: {opened.isoformat()}"]
        if is_open:
            target = TODAY + timedelta(days=(n % 7) * 12 - 20)
            lines += [f"status: {('open', 'in-progress')[n % 3 == 0]}", f"target: {target.isoformat()}",
                      f"reviewed: {(TODAY - timedelta(days=n % 20)).isoformat()}"]
        else:
            closed = opened + timedelta(days=30 + n % 40)
            if triage == "decline":
                lines += ["status: declined", "decline_reason: Not something we do."]
            else:
                lines += ["status: done", f"target: {(opened + timedelta(days=60)).isoformat()}"]
            lines += [f"closed: {closed.isoformat()}"]
        (root / "backlog" / "irritants" / f"{key}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for r in range(3):
            day = TODAY - timedelta(days=1 + (n + r) % 60)
            rows.append(f"F-{n}-{r},{day.isoformat()},ticket,C-{n}-{r},{SEGMENTS[(n + r) % 3]},{STAGES[n % 6]},"
                        f"complaint,Problem {n} again,{key}")
    (root / "feedback" / "tickets.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root
