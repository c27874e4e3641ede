"""Time the themes of the unlinked inbox (site_gen/facts/themes.py) at 200,000 feedback rows.

    python benchmarks/themes.py [--rows 200000]

Three inboxes of the same size: the synthetic repository's rows (benchmarks/synthetic.py: 14 random words of
32 each, so every row is a wording of its own and no theme exists), rows of a 5,000-word vocabulary (every row
different, most with a few rare words: the worst case for the candidate index), and rows in the example's voice
(scripts/example_feedback.py's phrases and tails, a random detail added to half of them: large themes, many
wordings). Reports the median of three runs of the grouping alone (the rows are made once), and the themes found.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from example_feedback import STAGES, TAILS, VOICE  # noqa: E402
from synthetic import SEGMENTS, WORDS  # noqa: E402

from site_gen.diagnostics import SourceLoc  # noqa: E402
from site_gen.facts.themes import Inbox, inbox_themes  # noqa: E402
from site_gen.model import FeedbackKind, FeedbackRow, Source  # noqa: E402

AS_OF = date(2026, 11, 23)
DETAILS = ["this morning", "again today", "at Central", "near the harbour", "on line 4", "twice this week",
           "with my kids", "at 8:15", "in the rain", "since Monday"]


def _row(number: int, rng: random.Random, stage: str, kind: str, verbatim: str) -> FeedbackRow:
    return FeedbackRow(id=f"FB-{number}", loc=SourceLoc("feedback/export.csv", number + 2),
                       date=date(2025, 11, 1) + timedelta(days=rng.randrange(380)), source=Source.SURVEY,
                       customer=f"CUST-{rng.randrange(10**6):06d}", segment=rng.choice(SEGMENTS),
                       journey_stage=stage, verbatim=verbatim, kind=FeedbackKind(kind))


def random_rows(count: int, seed: int = 1) -> list[FeedbackRow]:
    rng = random.Random(seed)
    return [_row(n, rng, rng.choice(STAGES), rng.choice(["complaint", "praise", "suggestion"]),
                 " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + ".") for n in range(count)]


def vocabulary_rows(count: int, seed: int = 1) -> list[FeedbackRow]:
    """Every row different, in a vocabulary of 5,000 words used as people use words (Zipf's law): the candidate
    index works hardest, since most rows hold a few rare words."""
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(5000)]
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(vocabulary))]
    texts = rng.choices(vocabulary, weights, k=count * 12)
    return [_row(n, rng, rng.choice(STAGES), rng.choice(["complaint", "praise", "suggestion"]),
                 " ".join(texts[n * 12:n * 12 + rng.randrange(6, 13)]).capitalize() + ".") for n in range(count)]


def voice_rows(count: int, seed: int = 1) -> list[FeedbackRow]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        stage, kind = rng.choice(STAGES), rng.choice(["complaint", "praise", "suggestion"])
        text = rng.choice(VOICE[stage][kind])
        if rng.random() < 0.5:
            text = f"{text} {rng.choice(DETAILS)}"
        tail = rng.choice(TAILS[kind])
        out.append(_row(n, rng, stage, kind, text + (". " + tail if tail else "")))
    return out


def timed(rows: list[FeedbackRow]) -> tuple[float, float, Inbox]:
    """Median wall-clock and CPU seconds of three runs (the machine is shared: CPU time is the steadier one)."""
    wall, cpu = [], []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        inbox = inbox_themes(rows, STAGES, AS_OF, {"smallest": 40})
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), inbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    for name, make in (("synthetic (random words)", random_rows), ("Zipf vocabulary", vocabulary_rows),
                       ("example voice", voice_rows)):
        rows = make(args.rows)
        seconds, cpu, inbox = timed(rows)
        themes = sum(len(found) for found in inbox.themes.values())
        largest = max((t for found in inbox.themes.values() for t in found), key=lambda t: len(t.rows), default=None)
        print(f"{name}: {args.rows:,} rows grouped in {seconds:.2f} s ({cpu:.2f} s CPU; median of 3); {themes} themes, "
              f"{inbox.ungrouped:,} rows said once" + (f"; largest {len(largest.rows):,} rows: {largest.wording!r}"
                                                       if largest else ""))


if __name__ == "__main__":
    main()
