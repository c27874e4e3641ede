"""Feedback at scale: the fast column-wise CSV reader gives exactly what the precise reader gives, and
hands over to it whenever a row needs a located diagnostic."""

from __future__ import annotations

import random

import pytest

from site_gen.diagnostics import Diagnostic
from site_gen.load import feedback as feedback_loader
from site_gen.load.columns import fast_rows

HEADER = "id,date,source,customer,segment,team,journey_stage,score_type,score,verbatim,consent_public,kind,irritant"


def _export(rows: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    lines = [HEADER]
    for number in range(rows):
        score_type = rng.choice(["nps", "ces", "csat", ""])
        score = {"nps": rng.randrange(11), "ces": rng.randrange(1, 8), "csat": rng.randrange(1, 6), "": ""}[score_type]
        verbatim = rng.choice(["", "Seat would not go down", '"Two lines,\nquoted"', "Brakes felt weak"])
        lines.append(f"FB-{number},2026-{rng.randrange(1, 13):02d}-0{rng.randrange(1, 10)},"
                     f"{rng.choice(['survey', 'ticket'])},{rng.choice(['', 'CUST-1', 'CUST-2'])},"
                     f"{rng.choice(['', 'commuter'])},,{rng.choice(['payment', 'support'])},{score_type},{score},"
                     f"{verbatim},{rng.choice(['', 'true', 'false'])},{rng.choice(['', 'complaint', 'praise'])},")
    return "\n".join(lines) + "\n"


def _precise(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], list[Diagnostic]]:
    with monkeypatch.context() as patched:
        patched.setattr(feedback_loader, "fast_rows", lambda *args: None)
        diagnostics: list[Diagnostic] = []
        return feedback_loader._load_csv(text, "feedback/x.csv", diagnostics), diagnostics


def test_the_fast_reader_builds_exactly_the_rows_and_lines_of_the_precise_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _export(3_000)
    header = HEADER.split(",")
    fast = fast_rows(text, "feedback/x.csv", header)
    precise, problems = _precise(text, monkeypatch)
    assert problems == []
    assert fast is not None and len(fast) == 3_000
    assert fast == precise
    # rows after a quoted two-line verbatim start one line further down: locations are compared too
    assert [row.loc for row in fast] == [row.loc for row in precise]  # type: ignore[attr-defined]
    assert len({row.loc.line for row in fast}) == 3_000
    assert all(row.consent_public in (True, False) for row in fast)   # an empty cell is the default, not None


@pytest.mark.parametrize("bad_row, expected", [
    ("FB-x,2026-13-01,survey,,,,payment,,,,,,", "feedback/x.csv:6:6"),          # impossible date, its column
    ("FB-x,2026-01-01,survey,,,,payment,nps,11,,,,", "feedback/x.csv:6:1"),     # score out of range
    ("FB-x,2026-01-01,survey,,,,payment,nps,,,,,", "feedback/x.csv:6:1"),       # a score type without a score
    ("FB x,2026-01-01,survey,,,,payment,,,,,,", "feedback/x.csv:6:1"),          # not a feedback ID
    ("FB-x,2026-01-01,survey,,,,payment,,,bad \x07 bell,,,", "feedback/x.csv:6:"),  # a control character
    ("FB-x,2026-01-01,survey,,,,payment,,", "feedback/x.csv:6:1"),              # too few cells
    (",2026-01-01,survey,,,,payment,,,,,,", "feedback/x.csv:6:1"),              # no ID
])
def test_a_row_that_needs_a_word_is_reported_at_its_line_as_before(bad_row: str, expected: str) -> None:
    text = _export(2, seed=1).replace('"Two lines,\nquoted"', "one line") + 'FB-q,2026-01-01,survey,,,,payment,,,"a\nb",,,\n'
    text += bad_row + "\n"
    assert fast_rows(text, "feedback/x.csv", HEADER.split(",")) is None
    diagnostics: list[Diagnostic] = []
    feedback_loader._load_csv(text, "feedback/x.csv", diagnostics)
    assert diagnostics and str(diagnostics[0].loc).startswith(expected), diagnostics
