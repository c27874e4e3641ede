"""Build a synthetic backlog repository of a given size, for benchmarks.

    python benchmarks/synthetic.py OUT --irritants 2000 --decisions 1000 --stories 10000 --feedback 200000
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

STAGES = ["discover", "sign-up", "first-ride", "payment", "support", "cancel"]
TEAMS = ["app", "ops", "support", "billing"]
SEGMENTS = ["commuter", "tourist", "business"]
WORDS = ("bike dock unlock ride station payment refund app support rider morning train battery map pass "
         "receipt charge deposit helmet evening chat wait plan pause cancel city route hill van team fix").split()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _paragraphs(rng: random.Random, words: int) -> str:
    out, left = [], words
    while left > 0:
        n = min(left, 60)
        out.append(" ".join(_sentence(rng, 12) for _ in range(max(1, n // 12))))
        left -= n
    return "\n\n".join(out)


def build(out: Path, irritants: int, decisions: int, stories: int, feedback: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("backlog/irritants", "backlog/decisions", "backlog/stories", "feedback"):
        (out / folder).mkdir(parents=True)
    (out / "site.yaml").write_text(
        "organisation: Synthetic Bikes\n"
        f"journey_stages: [{', '.join(STAGES)}]\nteams: [{', '.join(TEAMS)}]\nsegments: [{', '.join(SEGMENTS)}]\n"
        f"rules: {{max_open: {irritants}, review_every_days: 14}}\n"
        "metrics:\n  - {id: nps, name: NPS, direction: up, threshold: 100, compute: nps}\n"
        "  - {id: effort, name: Effort, direction: down, threshold: 10, compute: ces}\n",
        encoding="utf-8")
    start = date(2025, 11, 1)
    for number in range(irritants):
        opened = start + timedelta(days=rng.randrange(300))
        status = rng.choice(["open", "in-progress", "done", "done", "done"])
        closed = f"closed: {opened + timedelta(days=20)}\n" if status == "done" else ""
        (out / f"backlog/irritants/irritant-{number}.yaml").write_text(
            f"title: Irritant {number} {_sentence(rng, 6)}\npublic_title: {_sentence(rng, 8)}\n"
            f"summary: |\n  {_sentence(rng, 30)}\njourney_stage: {rng.choice(STAGES)}\nteam: {rng.choice(TEAMS)}\n"
            f"owner: Owner {number % 50}\ncause: {_sentence(rng, 10)}\ntriage: plan\nstatus: {status}\n"
            f"opened: {opened}\ntarget: {opened + timedelta(days=60)}\nreviewed: {opened + timedelta(days=7)}\n"
            f"{closed}visibility: {rng.choice(['public', 'internal'])}\n", encoding="utf-8")
    for number in range(decisions):
        day = start + timedelta(days=rng.randrange(300))
        (out / f"backlog/decisions/decision-{number}.md").write_text(
            f"---\ntitle: Decision {number}\ndate: {day}\nowner: Owner {number % 50}\n"
            f"review_on: {day + timedelta(days=90)}\nstatus: reviewed\nkind: decline\nchange: rule\n"
            f"irritants: [irritant-{rng.randrange(irritants)}]\n---\n\n{_paragraphs(rng, 150)}\n", encoding="utf-8")
    for number in range(stories):
        day = start + timedelta(days=rng.randrange(380))
        (out / f"backlog/stories/story-{number}.md").write_text(
            f"---\ntitle: Story {number} {_sentence(rng, 5)}\ndate: {day}\n"
            f"audience: {rng.choice(['public', 'public', 'internal'])}\n"
            f"irritants: [irritant-{rng.randrange(irritants)}]\nyou_said: {_sentence(rng, 14)}\n"
            f"we_did: {_sentence(rng, 14)}\nresult: {_sentence(rng, 8)}\ninternal_notes: {_sentence(rng, 8)}\n"
            f"---\n\n{_paragraphs(rng, 300)}\n", encoding="utf-8")
    columns = ["id", "date", "source", "customer", "segment", "team", "journey_stage", "score_type", "score",
               "verbatim", "kind", "irritant"]
    with open(out / "feedback/export.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for number in range(feedback):
            score_type = rng.choice(["nps", "ces", "csat", ""])
            score = {"nps": rng.randrange(11), "ces": rng.randrange(1, 8), "csat": rng.randrange(1, 6), "": ""}
            writer.writerow([f"FB-{number}", start + timedelta(days=rng.randrange(380)),
                             rng.choice(["survey", "ticket", "chat", "review"]), f"CUST-{rng.randrange(10**6):06d}",
                             rng.choice(SEGMENTS), rng.choice(TEAMS), rng.choice(STAGES), score_type,
                             score[score_type], _sentence(rng, 14), rng.choice(["complaint", "praise", "suggestion"]),
                             f"irritant-{rng.randrange(irritants)}" if rng.random() < 0.2 else ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--irritants", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--stories", type=int, default=10000)
    parser.add_argument("--feedback", type=int, default=200000)
    args = parser.parse_args()
    build(args.out, args.irritants, args.decisions, args.stories, args.feedback)


if __name__ == "__main__":
    main()
