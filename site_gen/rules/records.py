"""The rules that judge each record alone: placeholders, public safety, the stories' own rules, an irritant's
dated-and-assigned and on-time rules, and a decision's own rules.

What they say of a record comes from that record and the check's settings alone — its "as of" date, site.yaml's
rules and the customer index made of the feedback — never from another record. So a check with a cache takes
what an earlier check said of a record whose file is unchanged, under the same settings (`Judged`): a story
retitled among 30,000 records is the only one judged again. A cached check of records edited in their own
fields (site_gen.record_edits) and serve's edited story bodies use the same `record_findings`. And because they
need nothing else, a large check judges its records in a forked worker while it derives the facts (`judging`),
and that worker runs the families that read the records alone too (site_gen.rules.records_alone).
What the families say across records (the length of the backlog, references, addresses, links between
decisions …) is each family's `check` (site_gen.rules.across_records).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, Diagnostics
from ..model import Backlog, Decision, Irritant, Rules, Story
from ..parallel import Pool, can_fork, fork_pool, shared
from . import backlog_rules, decisions, placeholders, public_safety, stories
from .public_safety import NO_CUSTOMERS, CustomerReferences

if TYPE_CHECKING:
    from ..facts import Facts
    from ..facts.addresses import Addresses

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
    """What the record rules say of every record, judged in this process (`judging`)."""
    with judging(backlog, facts.as_of, facts.loaded_customers, loaded, earlier, settings) as judgement:
        return judgement.result()


# records to judge from which a worker judges them: fewer are judged in this process, where they cost about what a
# fork costs (2,600 records: the same time either way; 13,000: 0.4 s less), and the worker's copies of the pages it
# reads (126 MB at 30,000 records) are not worth it
FORK_FROM = 10_000


@contextmanager
def judging(backlog: Backlog, as_of: date, customers: frozenset[str], loaded: Mapping[str, bytes] | None = None,
            earlier: Judged | None = None, settings: bytes = b"", workers: int = 1,
            alone: bool = False) -> Iterator[Judgement]:
    """What the record rules say of every record, and, given the hash of each loaded file (`loaded`), the Judged
    to keep: `Judgement.result()`. A record whose file hashes as it did when `earlier` judged it, under the same
    settings, is not judged again: its findings are taken from there. customers: the loaded rows' (Facts).

    From FORK_FROM records to judge and with more than one worker, a worker process judges them meanwhile: check
    derives the facts and runs the rules across records in this one (10,000 of each record kind: 0.7 s in the
    worker beside 1.4 s here). Asked to (`alone`), that worker then runs the families that read the records alone
    (site_gen.rules.records_alone, 0.2 s), else this process does, while DuckDB gathers the evidence
    (`Judgement.meanwhile`): their findings are `Judgement.records_alone()`. The worker is stopped on leaving the
    block."""
    kept: dict[str, list[Diagnostic]] = {}
    same: Mapping[str, bytes] = {}
    if earlier is not None and earlier.settings == settings and loaded is not None:
        kept, same = earlier.by_file(), earlier.files
    found: list[Diagnostic] = []
    fresh: list[Judgeable] = []
    judged: dict[str, bytes] = {}
    for record in _records(backlog):
        path = record.loc.path
        hashed = loaded.get(path) if loaded is not None else None
        if hashed is not None and same.get(path) == hashed:
            found.extend(kept.get(path, ()))
        else:
            fresh.append(record)
        if hashed is not None:
            judged[path] = hashed
    references = NO_CUSTOMERS   # the customer index (100,000 values) is made only when a public record is judged
    if any(not isinstance(record, Decision) and record.is_public for record in fresh):
        references = public_safety.customer_references(customers, backlog.stored_feedback)
    judgement = Judgement(found, fresh, references, as_of, backlog.config.rules,
                          Judged(settings, judged, Diagnostics()) if loaded is not None else None,
                          backlog if alone else None)
    if len(fresh) >= FORK_FROM and can_fork(workers):
        judgement.start()
    try:
        yield judgement
    finally:
        judgement.stop()


class Judgement:
    """The record rules' findings: those kept from an earlier check, and those of the records judged now, in a
    worker process meanwhile (`start`) or in this one when asked (`result`)."""

    def __init__(self, kept: list[Diagnostic], fresh: list[Judgeable], references: CustomerReferences,
                 as_of: date, rules: Rules, judged: Judged | None, backlog: Backlog | None = None) -> None:
        self._kept, self._fresh, self._references, self._as_of, self._rules = kept, fresh, references, as_of, rules
        self._judged = judged   # its findings filled in by result()
        self._worker: tuple[Pool, Future[tuple[Diagnostics, list[int], Diagnostics]]] | None = None
        self._backlog = backlog   # whose families that read the records alone are run too (judging's `alone`)
        self._alone: list[Diagnostic] | None = None   # what they found, in the worker or here
        self.addresses: Addresses | None = None       # the public addresses they made here (not in the worker)

    def start(self) -> None:
        """Judge the fresh records in a worker process, forked now: it shares them without a copy. A forked
        process cannot ask DuckDB, so it names the records whose text holds what only DuckDB can say is a customer
        reference, and this process judges those again. The worker then runs the families that read the records
        alone, if asked to."""
        pool = fork_pool(1, (self._fresh, *self._references.offline(), self._as_of, self._rules, self._backlog))
        job = pool.submit(_judge_shared)
        # the worker goes as soon as it has answered: the pages of the records it read are copies until it does
        job.add_done_callback(lambda _job: pool.shutdown(wait=False))
        self._worker = (pool, job)

    @property
    def meanwhile(self) -> Callable[[], None] | None:
        """What this process has to do while DuckDB gathers the evidence (derive_facts): run the families that
        read the records alone, unless the worker does or they were not asked for."""
        return self._run_alone if self._backlog is not None and self._worker is None else None

    def _run_alone(self) -> None:
        from ..facts.addresses import public_addresses
        from . import records_alone
        assert self._backlog is not None
        self.addresses = public_addresses(self._backlog)
        self._alone = records_alone(self._backlog, self.addresses)

    def records_alone(self) -> list[Diagnostic]:
        """What the families that read the records alone found: in the worker (after result()), else here — now,
        should the worker have died."""
        if self._alone is None:
            self._run_alone()
        assert self._alone is not None
        return self._alone

    def result(self) -> tuple[list[Diagnostic], Judged | None]:
        found = list(self._kept)
        left: Iterable[int] = range(len(self._fresh))
        if self._worker is not None:
            try:
                done, left, alone = self._worker[1].result()
                found.extend(done)
                self._alone = list(alone) if self._backlog is not None else None
            except Exception:  # noqa: BLE001 - the worker died (out of memory?): every record is judged here
                pass
            self.stop()
        for index in left:
            found.extend(record_findings(self._fresh[index], self._references, self._as_of, self._rules))
        judged = self._judged
        return found, None if judged is None else replace(judged, findings=Diagnostics(found))

    def stop(self) -> None:
        """The worker, if any, is killed should it still judge (the check failed: nobody will read its findings)."""
        if self._worker is not None:
            pool, job = self._worker
            self._worker = None
            if not job.done():
                pool.kill()


def _judge_shared() -> tuple[Diagnostics, list[int], Diagnostics]:
    """In the worker Judgement.start forks: the findings of the records it shares, but for those that asked
    DuckDB about a customer reference, named by their index instead; then, given the backlog, what the families
    that read the records alone find."""
    from . import records_alone
    records, references, asked, as_of, rules, backlog = shared()
    found: list[Diagnostic] = []
    left: list[int] = []
    for index, record in enumerate(records):
        findings = record_findings(record, references, as_of, rules)
        if asked:
            left.append(index)
            asked.clear()
        else:
            found.extend(findings)
    return Diagnostics(found), left, Diagnostics(records_alone(backlog) if backlog is not None else ())


def _records(backlog: Backlog) -> Iterator[Judgeable]:
    yield from backlog.irritants.values()
    yield from backlog.decisions.values()
    yield from backlog.stories.values()
