"""`check` = load + facts + rules. `build` reuses exactly this, then renders from the same facts.

`check_cached` is the command's entry: with a cache, a check whose inputs all hash as in the last cached check
returns that check's diagnostics without loading anything (site_gen.incremental, the run store build uses too);
with stories, irritants and decisions edited in their own fields alone (site_gen.record_edits), that check's
diagnostics with those records judged again; else a full check that parses, and judges with the record rules
(site_gen.rules.records), only the files that changed.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Diagnostics, Severity

if TYPE_CHECKING:   # imported when a check runs: a check with nothing changed never needs them
    from .facts import Facts
    from .incremental import Digest, DiskMemo, Hashed, Memo, RunEntry
    from .model import Backlog
    from .record_edits import KeptPlaces, KeptStates
    from .rules.records import Judged

CHECK_FOLDERS = ("backlog", "feedback", "locale", "schemas")   # check's inputs besides site.yaml and the logo: no
# templates; the editors' schemas, which check compares with site.yaml (schemas-stale)


class _Tally:
    """Errors and warnings among a check's diagnostics, and whether they fail it."""

    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


@dataclass(frozen=True)
class CheckResult(_Tally):
    backlog: Backlog
    facts: Facts
    diagnostics: list[Diagnostic]
    judged: Judged | None = None   # what the record rules said of each record file, for the next check


def check_repository(root: Path, today: date, workers: int | None = None,
                     memo: Memo | DiskMemo | None = None,
                     derived: Callable[[Facts], None] | None = None, settings: Digest | None = None) -> CheckResult:
    """Every problem in the repository, sorted by file and line. Raises NotABacklog without site.yaml.

    With a memo, files unchanged since an earlier run are not parsed again (site_gen.incremental); with the hash
    of the settings the record rules read too (check_cached), a record whose file is unchanged since the memo's
    last check under those settings is not judged again (site_gen.rules.records).
    `derived` is called with the facts before the rules run (build starts grouping the inbox's themes there).
    """
    from .collector import paused_collector
    from .diagnostics import sorted_diagnostics
    from .facts import Kept, derive_facts, loaded_customers
    from .load import load_backlog
    from .rules import across_records
    from .rules.records import judging
    from .schemas import stale_schemas

    backlog, diagnostics = load_backlog(root, workers, memo)
    loaded = earlier = None
    if memo is not None and settings is not None:
        loaded = {path: hashed for path, (hashed, _) in memo.part("files").files.items()}   # this run's files
        earlier = memo.part("judged").judged.get(settings)
    with paused_collector():  # facts and rules walk a million loaded rows: no cycles to find among them
        customers = loaded_customers(backlog)
        # the record rules, judged in a worker process meanwhile when there are many records to judge; and the
        # families that read the records alone, in that worker too, else here while DuckDB gathers the evidence
        with judging(backlog, today, customers, loaded, earlier, settings or b"",
                     workers if workers is not None else (os.cpu_count() or 1), alone=True) as judgement:
            facts = derive_facts(backlog, today, customers, judgement.meanwhile, Kept(
                (lambda: memo.part("themes").themes) if memo is not None else None,
                memo.part("answers").answers.get(settings) if memo is not None and settings is not None else None,
                settings or b""))
            if derived is not None:
                derived(facts)
            diagnostics += across_records(backlog, facts, including_records_alone=False)
            found, judged = judgement.result()
            diagnostics += judgement.records_alone()
            if judgement.addresses is not None:
                facts.keep_addresses(judgement.addresses)   # (the next check's StoryPlaces are made of them)
        diagnostics += found
    if not any(d.severity is Severity.ERROR and d.loc.path == "site.yaml" for d in diagnostics):
        # (site.yaml's lists are judged once it loads)
        diagnostics.extend(stale_schemas(backlog.editor_schemas, backlog.config))
    return CheckResult(backlog, facts, sorted_diagnostics(diagnostics), judged)


@dataclass(frozen=True)
class CheckReport(_Tally):
    """What the `check` command prints: the diagnostics and what was checked, from a fresh check or a cached one."""

    diagnostics: list[Diagnostic]
    counts: Mapping[str, int]
    unreadable: Mapping[str, int] = field(default_factory=dict)   # unreadable records per kind
    reused: bool = False    # every input hashed as in the cached check: nothing was loaded
    # the check that ran, if one did: its backlog and facts, for the command to leave without freeing them
    checked: CheckResult | None = field(default=None, compare=False, repr=False)


def check_cached(root: Path, today: date, memo: Memo | DiskMemo | None = None,
                 workers: int | None = None) -> CheckReport:
    """check_repository, reusing the cache: the last check's diagnostics when no input changed (site.yaml, the
    backlog and ledger, the feedback, the catalogues, the logo, git's HEAD, the "as of" date); the last check's
    with the edited records judged again when records edited in their own fields are all that changed
    (`_own_edits`); else a check that parses only the files that changed, and takes what the record rules said
    of every other record file from the last full check under the same settings (the "as of" date, site.yaml and
    the feedback: `_feedback_inputs`). Without a memo, a plain check."""
    from .errors import NotABacklog
    from .incremental import (
        DiskMemo,
        Hashed,
        InputStat,
        Packed,
        RunEntry,
        input_basis,
        input_files,
        keep_run,
        run_digest,
    )

    root = root.absolute()
    if memo is None:
        return _report(check_repository(root, today, workers))
    if not (root / "site.yaml").is_file():
        raise NotABacklog(root)
    runs = memo.part("runs")
    basis = input_basis(root, runs.extra, "check", today.isoformat(), folders=CHECK_FOLDERS)
    last = next((entry for entry in runs.runs.values() if entry.command == "check" and entry.basis == basis), None)
    settled: dict[str, InputStat] = {}
    inputs = input_files(root, runs.extra, CHECK_FOLDERS, last, settled)
    if isinstance(memo, DiskMemo):
        memo.hashed = inputs
    run = run_digest(basis, inputs)
    kept = runs.runs.get(run)
    if kept is not None and kept.command == "check":
        return CheckReport(list(kept.diagnostics), dict(kept.counts), dict(kept.unreadable), reused=True)
    edited = _own_edits(root, today, memo, last, Hashed(inputs, settled)) if last is not None else None
    if edited is not None and last is not None:
        report, kept_places, kept_states = edited
        entry = dataclasses.replace(last, diagnostics=Diagnostics(report.diagnostics), inputs=inputs,
                                    settled=settled, places=Packed.of(kept_places.places),
                                    states=Packed.of(kept_states.states))
    else:
        from .record_edits import irritant_states, story_places
        settings = run_digest(b"judged " + today.isoformat().encode(), _feedback_inputs(inputs))
        result = check_repository(root, today, workers, memo, settings=settings)
        report = _report(result)
        if _saved_meanwhile(root, memo, Hashed(inputs, settled), runs.extra):
            memo.save("files")   # each file's entry is by the bytes it was loaded from; the run is not kept
            return report
        memo.part("judged").judged = {settings: result.judged}
        answers = memo.part("answers")
        saved_answers = result.facts.answers is not answers.answers.get(settings)   # (asked DuckDB something)
        if saved_answers:
            answers.answers = {settings: result.facts.answers}
        runs.extra = result.backlog.config.named_files
        customers = _keep_customers(memo, result, inputs, last)
        entry = RunEntry(Diagnostics(report.diagnostics), dict(report.counts), {}, False, "check",
                         dict(report.unreadable), basis, inputs, settled, customers,
                         Packed.of(story_places(result.backlog.stories.values(), result.backlog.irritants.values(),
                                                result.facts.addresses)),
                         Packed.of(irritant_states(result.backlog, result.facts)))
    runs.runs = keep_run(runs.runs, run, entry)
    if edited is not None:
        memo.save("runs")   # (the edited stories' shards are saved)
    else:
        memo.save("files", "judged", "runs", *(("answers",) if saved_answers else ()))
    return report


_MOST_EDITS = 20   # more edited records than this: the full check (each reads a shard of the cache)


def _own_edits(root: Path, today: date, memo: Memo | DiskMemo, last: RunEntry,
               hashed: Hashed) -> tuple[CheckReport, KeptPlaces, KeptStates] | None:
    """The last check's report with the edited records judged again, when the only files that changed since are
    records edited in their own fields alone, moving no public address but a retitled story's own, and no fix the
    loop rules follow up, each read and loaded without a problem then and now (site_gen.record_edits); and the
    published stories' places and the irritants' states then. None otherwise: the full check."""
    from .incremental import input_files
    from .load import DECISIONS_DIR, IRRITANTS_DIR, STORIES_DIR
    from .load.records import load_site_config
    from .model import Decision, Irritant, Story
    from .record_edits import OWN, Edited, kept_addresses, kept_states, reloaded_edit, with_edited
    from .rules.public_safety import NO_CUSTOMERS, CustomerReferences

    inputs = hashed.inputs
    then = last.inputs
    changed = sorted({path for path, now in inputs.items() if then.get(path) != now} | (then.keys() - inputs))
    folders = tuple(folder + "/" for folder in (STORIES_DIR, IRRITANTS_DIR, DECISIONS_DIR))
    if not changed or len(changed) > _MOST_EDITS or not all(
            path in inputs and path in last.inputs and path.startswith(folders) for path in changed):
        return None
    edits: list[tuple[Edited, Edited]] = []
    kept: dict[str, tuple[bytes, Any]] = {}
    for path in changed:
        stored = memo.stored_file(path)
        if stored is None or stored[0] != last.inputs[path]:
            return None   # the cache holds another version of the file (a build since): not the one checked
        before, found_before = stored[1]
        if not isinstance(before, (Story, Irritant, Decision)) or found_before or _id_shared(path, inputs):
            return None
        now = reloaded_edit(before, root / path, root, OWN[type(before)], inputs[path])
        if now is None:
            return None
        edits.append((before, now))
        kept[path] = (inputs[path], (now, []))
    places = kept_addresses(edits, last.places.value() if last.places is not None else None)
    if places is None:
        return None
    references = NO_CUSTOMERS   # judges no record that is not published
    # (a visibility or an audience is not an own field: the same now as before)
    if any(not isinstance(before, Decision) and before.is_public for before, _ in edits):
        index = memo.part("customers").customers.get(last.customers)
        if not isinstance(index, CustomerReferences):
            return None
        references = index
    rules = load_site_config(root / "site.yaml", root, []).rules   # unchanged since the last check …
    if input_files(root, (), (), hashed)["site.yaml"] != inputs["site.yaml"]:
        return None   # … unless saved since the run hashed it: these are not the rules of the inputs hashed
    states = kept_states(edits, last.states.value() if last.states is not None else None, last.diagnostics, references,
                         today, rules)
    if states is None:
        return None
    report = CheckReport(with_edited(last.diagnostics, edits, references, today, rules, places, states),
                         dict(last.counts), dict(last.unreadable))
    memo.update_files(kept)
    return report, places, states


def _saved_meanwhile(root: Path, memo: Memo | DiskMemo, hashed: Hashed, extra: tuple[str, ...]) -> bool:
    """A file loaded from other bytes than it had when the run hashed its inputs (an editor saved it during the
    check), or an input that no longer hashes so (site.yaml, the ledger, a catalogue, an export DuckDB read: read
    without the memo): this check's diagnostics are not those of the inputs as hashed, and must not be kept under
    their hash (the file saved back as it was would print them). A file taken from the cache by its hash is
    not looked at again: the check made of it what it made of those bytes, whatever it holds now."""
    from .incremental import DiskMemo
    files = memo.part("files").files   # this run's files (load_backlog), by the hash of the bytes loaded
    return any(files[path][0] != before for path, before in hashed.inputs.items() if path in files) or \
        not hashed.still(root, extra, CHECK_FOLDERS, memo.taken if isinstance(memo, DiskMemo) else ())


def _id_shared(path: str, inputs: Mapping[str, bytes]) -> bool:
    """An irritant written as both slow.yaml and slow.yml: one ID, and the loader keeps the first file's record
    alone (id-duplicate), so the other is never judged and neither can be judged alone."""
    from .load import IRRITANTS_DIR
    stem, _, suffix = path.rpartition(".")
    return path.startswith(IRRITANTS_DIR + "/") and any(
        f"{stem}.{other}" in inputs for other in ("yaml", "yml") if other != suffix)


def _keep_customers(memo: Memo | DiskMemo, result: CheckResult, inputs: Mapping[str, bytes],
                    last: RunEntry | None) -> bytes:
    """Keep the check's customer index in the cache, for a later check to judge an edited story's words with; its
    key: the feedback's hashes (and site.yaml's). Saved when the cache does not hold it yet. Not read to find out
    when the last check kept it under this key and this run has not read it: 2.5 MB at 200,000 rows, 0.04 s (should
    it be unreadable, the next edit judged alone finds it so, and its full check makes it again)."""
    from .incremental import DiskMemo, run_digest
    from .rules.public_safety import customer_references

    key = run_digest(b"customers", _feedback_inputs(inputs))
    if isinstance(memo, DiskMemo) and last is not None and last.customers == key and memo.unread_on_disk("customers"):
        return key
    customers = memo.part("customers")
    if key not in customers.customers:
        references = customer_references(result.facts.loaded_customers, result.backlog.stored_feedback)
        customers.customers = {key: references.frozen()}
        memo.save("customers")
    return key


def _feedback_inputs(inputs: Mapping[str, bytes]) -> dict[str, bytes]:
    """The hashes of the files the customer index is made of: the feedback, and site.yaml, which says how to read
    it (and the rules)."""
    return {path: hashed for path, hashed in inputs.items() if path == "site.yaml" or path.startswith("feedback/")}


def _report(result: CheckResult) -> CheckReport:
    return CheckReport(result.diagnostics, result.backlog.counts(), result.backlog.unreadable_counts(),
                       checked=result)
