"""`check` = load + facts + rules. `build` reuses exactly this, then renders from the same facts.

`check_cached` is the command's entry: with a cache, a check whose inputs all hash as in the last cached check
returns that check's diagnostics without loading anything (site_gen.incremental, the run store build uses too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, Severity

if TYPE_CHECKING:   # imported when a check runs: a check with nothing changed never needs them
    from .facts import Facts
    from .incremental import DiskMemo, Memo
    from .model import Backlog

CHECK_FOLDERS = ("backlog", "feedback", "locale")   # check's inputs besides site.yaml and the logo: no templates


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


def check_repository(root: Path, today: date, workers: int | None = None,
                     memo: Memo | DiskMemo | None = None,
                     derived: Callable[[Facts], None] | None = None) -> CheckResult:
    """Every problem in the repository, sorted by file and line. Raises NotABacklog without site.yaml.

    With a memo, files unchanged since an earlier run are not parsed again (site_gen.incremental).
    `derived` is called with the facts before the rules run (build starts grouping the inbox's themes there).
    """
    from .collector import paused_collector
    from .diagnostics import sorted_diagnostics
    from .facts import derive_facts
    from .load import load_backlog
    from .rules import run_rules

    backlog, diagnostics = load_backlog(root, workers, memo)
    with paused_collector():  # facts and rules walk a million loaded rows: no cycles to find among them
        facts = derive_facts(backlog, today)
        if derived is not None:
            derived(facts)
        diagnostics.extend(run_rules(backlog, facts))
    return CheckResult(backlog, facts, sorted_diagnostics(diagnostics))


@dataclass(frozen=True)
class CheckReport(_Tally):
    """What the `check` command prints: the diagnostics and what was checked, from a fresh check or a cached one."""

    diagnostics: list[Diagnostic]
    counts: Mapping[str, int]
    unreadable: Mapping[str, int] = field(default_factory=dict)   # unreadable records per kind
    reused: bool = False    # every input hashed as in the cached check: nothing was loaded


def check_cached(root: Path, today: date, memo: Memo | DiskMemo | None = None,
                 workers: int | None = None) -> CheckReport:
    """check_repository, reusing the cache: the last check's diagnostics when no input changed (site.yaml, the
    backlog and ledger, the feedback, the catalogues, the logo, git's HEAD, the "as of" date), else a check that
    parses only the files that changed. Without a memo, a plain check."""
    from .errors import NotABacklog
    from .incremental import RunEntry, input_digest, keep_run

    root = root.absolute()
    if memo is None:
        return _report(check_repository(root, today, workers))
    if not (root / "site.yaml").is_file():
        raise NotABacklog(root)
    runs = memo.part("runs")
    run = input_digest(root, runs.extra, "check", today.isoformat(), folders=CHECK_FOLDERS)
    kept = runs.runs.get(run)
    if kept is not None and kept.command == "check":
        return CheckReport(list(kept.diagnostics), dict(kept.counts), dict(kept.unreadable), reused=True)
    result = check_repository(root, today, workers, memo)
    report = _report(result)
    logo = result.backlog.config.public.logo
    runs.extra = (logo.source,) if logo is not None else ()
    runs.runs = keep_run(runs.runs, run, RunEntry(tuple(report.diagnostics), dict(report.counts), {}, False,
                                                  "check", dict(report.unreadable)))
    memo.save("files", "runs")
    return report


def _report(result: CheckResult) -> CheckReport:
    return CheckReport(result.diagnostics, result.backlog.counts(), result.backlog.unreadable_counts())
