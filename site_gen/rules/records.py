"""The rules that judge each record alone: placeholders, public safety, the stories' own rules, an irritant's
dated-and-assigned and on-time rules, and a decision's own rules.

What they say of a record comes from that record and the check's settings alone — its "as of" date, site.yaml's
rules and the customer index made of the feedback — never from another record. So a check with a cache takes
what an earlier check said of a record whose file is unchanged, under the same settings (`Judged`): a story
retitled among 30,000 records is the only one judged again. A cached check of records edited in their own
fields (site_gen.record_edits) and serve's edited story bodies use the same `record_findings`. What the families
say across records (the length of the backlog, references, addresses, links between decisions …) is each
family's `check` (site_gen.rules.across_records).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Diagnostics
from ..model import Backlog, Decision, Irritant, Rules, Story
from . import backlog_rules, decisions, placeholders, public_safety, stories
from .public_safety import NO_CUSTOMERS, CustomerReferences

if TYPE_CHECKING:
    from ..facts import Facts

Judgeable = Story | Irritant | Decision


def record_findings(record: Judgeable, references: CustomerReferences, as_of: date, rules: Rules) -> set[Diagnostic]:
    """What the families that judge a record alone say of this record."""
    found = set(placeholders.check_record(record))
    if isinstance(record, Story):
        return found | {*public_safety.check_record(record, references), *stories.check_record(record)}
    from ..facts import decision_review, schedule_of
    if isinstance(record, Irritant):
        return found | {*public_safety.check_record(record, references),
                        *backlog_rules.check_record(record, schedule_of(record, as_of, rules), rules)}
    return found | set(decisions.check_record(record, decision_review(record, as_of), rules))


@dataclass(frozen=True)
class Judged:
    """What a check's record rules said of each record, kept for the next check: the hash of each record file's
    bytes as judged, their findings, and the settings they were judged under (a key of the "as of" date,
    site.yaml and the feedback: site_gen.check)."""

    settings: bytes
    files: Mapping[str, bytes]    # record file -> the hash of the bytes it was loaded from
    findings: Diagnostics         # every finding of those records

    def by_file(self) -> dict[str, list[Diagnostic]]:
        grouped: dict[str, list[Diagnostic]] = {}
        for found in self.findings:
            grouped.setdefault(found.loc.path, []).append(found)
        return grouped


def judge_records(backlog: Backlog, facts: Facts, loaded: Mapping[str, bytes] | None = None,
                  earlier: Judged | None = None, settings: bytes = b"") -> tuple[list[Diagnostic], Judged | None]:
    """What the record rules say of every record, and, given the hash of each loaded file (`loaded`), the Judged
    to keep. A record whose file hashes as it did when `earlier` judged it, under the same settings, is not
    judged again: its findings are taken from there."""
    kept: dict[str, list[Diagnostic]] = {}
    same: Mapping[str, bytes] = {}
    if earlier is not None and earlier.settings == settings and loaded is not None:
        kept, same = earlier.by_file(), earlier.files
    references: CustomerReferences | None = None   # made only when a public record is judged: 100,000 values
    rules = backlog.config.rules
    found: list[Diagnostic] = []
    judged: dict[str, bytes] = {}
    for record in _records(backlog):
        path = record.loc.path
        hashed = loaded.get(path) if loaded is not None else None
        if hashed is not None and same.get(path) == hashed:
            found.extend(kept.get(path, ()))
        else:
            if references is None and not isinstance(record, Decision) and record.is_public:
                references = public_safety.customer_references(facts.loaded_customers, backlog.stored_feedback)
            found.extend(record_findings(record, NO_CUSTOMERS if references is None else references, facts.as_of,
                                         rules))
        if hashed is not None:
            judged[path] = hashed
    return found, Judged(settings, judged, Diagnostics(found)) if loaded is not None else None


def _records(backlog: Backlog) -> Iterator[Judgeable]:
    yield from backlog.irritants.values()
    yield from backlog.decisions.values()
    yield from backlog.stories.values()
