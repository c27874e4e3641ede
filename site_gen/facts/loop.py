"""Closing the loop: who a public story is to be told to, and who was told already (the notify ledger).

Pure functions of the feedback, the evidence links and the ledger. `check` (rule loop-open) and
`site-gen notify` both read `audience_of`, so the warning and the messages cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from ..model import FeedbackRow, Notification, NotifyResult

FINAL = (NotifyResult.SENT, NotifyResult.FAILED)


@dataclass(frozen=True, slots=True)
class NotifyAudience:
    """The customers behind one public story's irritants, sorted into what the ledger and their consent say.

    Only the customers who agreed to be contacted are listed; the others are a count.
    """

    customers: int                 # distinct customers behind its irritants
    told: tuple[str, ...]          # the ledger has a sent line
    failed: tuple[str, ...]        # the ledger has a failed line: their address was refused for good
    unknown: tuple[str, ...]       # agreed, and their last line is an attempt without result (a crash mid-send)
    to_tell: tuple[str, ...]       # agreed (newest contact_ok is true), and not told, failed or unknown
    not_contactable: int           # not told, and no row of theirs says contact_ok true as their newest word

    @property
    def waiting(self) -> int:
        """Customers who agreed to be contacted and have not been told (unknown results included)."""
        return len(self.to_tell) + len(self.unknown)


@dataclass(frozen=True, slots=True)
class StoryLoop:
    audience: NotifyAudience
    published: bool                # public, and dated on or before as_of
    days_published: int            # since its date
    loop_open: bool                # published more than rules.notify_within_days ago and someone still waits


def ledger_states(notified: Iterable[Notification]) -> dict[tuple[str, str], NotifyResult]:
    """(story, customer) -> its state: the first final result (sent, failed), else its last line."""
    states: dict[tuple[str, str], NotifyResult] = {}
    for line in notified:
        key = (line.story, line.customer)
        if states.get(key) not in FINAL:
            states[key] = line.result
    return states


def contact_consent(feedback: Iterable[FeedbackRow],
                    stored: Mapping[str, tuple[date, bool]] | None = None) -> dict[str, bool]:
    """Customer -> whether they may be contacted: their newest row that gives contact_ok decides.

    Two rows of the same day that disagree read as false: when in doubt, we do not write to people.
    stored: customer -> (date, contact_ok) of their newest rows in Parquet, by the same rule (DuckDB).
    """
    newest: dict[str, tuple[date, bool]] = dict(stored or {})
    for row in feedback:
        if row.customer is None or row.contact_ok is None:
            continue
        seen = newest.get(row.customer)
        if seen is None or row.date > seen[0]:
            newest[row.customer] = (row.date, row.contact_ok)
        elif row.date == seen[0] and not row.contact_ok:
            newest[row.customer] = (row.date, False)
    return {customer: ok for customer, (_, ok) in newest.items()}


def audience_of(story_id: str, customers: Iterable[str], consent: Mapping[str, bool],
                states: Mapping[tuple[str, str], NotifyResult]) -> NotifyAudience:
    """Sort a story's customers by what the ledger says and whether they agreed to be contacted."""
    distinct = sorted(set(customers))
    told, failed, unknown, to_tell = [], [], [], []
    not_contactable = 0
    for customer in distinct:
        state = states.get((story_id, customer))
        if state == NotifyResult.SENT:
            told.append(customer)
        elif state == NotifyResult.FAILED:
            failed.append(customer)
        elif not consent.get(customer, False):
            not_contactable += 1
        elif state == NotifyResult.ATTEMPT:
            unknown.append(customer)
        else:
            to_tell.append(customer)
    return NotifyAudience(len(distinct), tuple(told), tuple(failed), tuple(unknown), tuple(to_tell),
                          not_contactable)


def story_loop(story_date: date, is_public: bool, audience: NotifyAudience, as_of: date,
               notify_within_days: int) -> StoryLoop:
    days = (as_of - story_date).days
    published = is_public and days >= 0
    return StoryLoop(audience, published, days,
                     loop_open=published and days > notify_within_days and audience.waiting > 0)
