"""What the facts ask DuckDB of the feedback rows it holds, and the answers an earlier run got.

Three questions per irritant (site_gen/load/parquet.py): its evidence (the rows naming it, and those it lists by
ID), its linked complaints per day around its closed date, and the newest of those (each asked of its evidence, so
by the row IDs it lists too); and one about every irritant's
evidence: its customers' newest word on being contacted (`consent`). Each answer depends on the question and the
rows alone. So a run that reads the same rows as of the same date (a cached check: the same
feedback files, site.yaml and "as of" date, and the same files held by DuckDB) takes the answers the last one got,
and asks DuckDB only the questions it lacks; with every answer at hand, the table of links the questions read is
never made (at 10,000 irritants and 200,000 rows, 0.5–0.9 s of a check after an edit the rules across records
read).
"""

from __future__ import annotations

import hashlib
import pickle
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from ..model import FeedbackRow
from .effect import NEWEST_NAMED

if TYPE_CHECKING:
    from ..load.parquet import ParquetFeedback, StoredEvidence

EvidenceQuestion = tuple[str, frozenset[str]]   # an irritant's ID and the row IDs it lists
# an irritant's ID, the row IDs it lists (its evidence is counted in the window), the first and last day asked about
WindowQuestion = tuple[str, frozenset[str], date, date]
ConsentQuestion = tuple[bytes, bytes]   # hashes of every irritant's links (listed) and of the loaded rows' customers
Consent = Mapping[str, tuple[date, bool]]   # customer -> the date of their newest contact_ok, what it says
_Answer = TypeVar("_Answer")


@dataclass(frozen=True)
class StoredAnswers:
    """DuckDB's answers, by question, and what they were asked of: the rows (the hash of the files they were read
    from, and which of those files DuckDB holds) as of a date."""

    asked_of: Hashable
    evidence: Mapping[EvidenceQuestion, StoredEvidence | None]
    days: Mapping[WindowQuestion, Counter[date]]
    newest: Mapping[WindowQuestion, tuple[FeedbackRow, ...]]
    consent: Mapping[ConsentQuestion, Consent] = field(default_factory=dict)


def ask(store: ParquetFeedback, listed: Mapping[str, frozenset[str]], effect_windows: Mapping[str, tuple[date, date]],
        recurrence_windows: Mapping[str, tuple[date, date]], as_of: date, feedback: bytes = b"",
        kept: StoredAnswers | None = None) -> StoredAnswers:
    """Each irritant's evidence (listed: irritant ID -> the row IDs it lists), its complaints per day within its
    effect window, and its newest complaints within its recurrence window: the kept answer where `kept` was asked
    of the same rows (feedback: the hash of the files they are read from; without it nothing is taken), DuckDB's
    otherwise. The answers are `kept` itself when it had them all; else this run's with kept ones to other
    questions (an irritant reopened, then done again: its windows' answers are still there), up to a bound."""
    asked_of = (feedback, as_of, store.held) if feedback else None
    if kept is None or asked_of is None or kept.asked_of != asked_of or len(kept.evidence) > 2 * len(listed) + _SPARE:
        kept = StoredAnswers(asked_of, {}, {}, {})
    store.link(listed)
    evidence = dict(kept.evidence)
    if any((irritant, ids) not in evidence for irritant, ids in listed.items()):
        # one query answers every irritant: asked for some, it would take as long
        found = store.evidence(listed, as_of)
        evidence.update(((irritant, ids), found.get(irritant)) for irritant, ids in listed.items())
    days = _answered(kept.days, listed, effect_windows, store.complaint_days, Counter)
    newest = _answered(kept.newest, listed, recurrence_windows,
                       lambda windows: store.newest_complaints(windows, NEWEST_NAMED), tuple)
    if len(evidence) == len(kept.evidence) and days is kept.days and newest is kept.newest:
        return kept
    return StoredAnswers(asked_of, evidence, days, newest, kept.consent)


def ask_consent(store: ParquetFeedback, answers: StoredAnswers, listed: Mapping[str, frozenset[str]],
            customers: Iterable[str], as_of: date) -> tuple[StoredAnswers, Consent]:
    """The newest contact_ok of every customer of the irritants' evidence in DuckDB and of `customers` (those of
    the loaded evidence rows): ParquetFeedback.consent, or its kept answer to the same question. With the
    answers, this one in place of any other (a run asks one)."""
    also = sorted(set(customers))
    # each irritant's row IDs in order: a set pickles in the order of its strings' hashes, which Python draws
    # anew in each process (PYTHONHASHSEED), and each check is a process of its own
    question = (_hash(sorted((irritant, sorted(ids)) for irritant, ids in listed.items())), _hash(also))
    if question in answers.consent:
        return answers, answers.consent[question]
    found = store.consent(as_of, also)
    return replace(answers, consent={question: found}), found


def _hash(value: object) -> bytes:
    return hashlib.blake2b(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), digest_size=20).digest()


_SPARE = 1_000   # answers to questions no longer asked, kept beyond twice as many as the irritants


def _answered(kept: Mapping[WindowQuestion, _Answer], listed: Mapping[str, frozenset[str]],
              windows: Mapping[str, tuple[date, date]],
              asked: Callable[[Mapping[str, tuple[date, date]]], Mapping[str, _Answer]],
              none: Callable[[], _Answer]) -> Mapping[WindowQuestion, _Answer]:
    """The kept answers with each window's added (`asked` of the windows without one, in one query); `kept`
    itself when it had them all."""
    missing = {irritant: window for irritant, window in windows.items()
               if (irritant, listed[irritant], *window) not in kept}
    if not missing:
        return kept
    found = asked(missing)
    return {**kept, **{(irritant, listed[irritant], *window): found.get(irritant, none())
                       for irritant, window in missing.items()}}
