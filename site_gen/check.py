"""`check` = load + facts + rules. `build` reuses exactly this, then renders from the same facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from .collector import paused_collector
from .diagnostics import Diagnostic, Severity, sorted_diagnostics
from .facts import Facts, derive_facts
from .load import load_backlog
from .model import Backlog
from .rules import run_rules

if TYPE_CHECKING:
    from .incremental import DiskMemo, Memo


@dataclass(frozen=True)
class CheckResult:
    backlog: Backlog
    facts: Facts
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def check_repository(root: Path, today: date, workers: int | None = None,
                     memo: Memo | DiskMemo | None = None) -> CheckResult:
    """Every problem in the repository, sorted by file and line. Raises NotABacklog without site.yaml.

    With a memo, files unchanged since an earlier run are not parsed again (site_gen.incremental).
    """
    backlog, diagnostics = load_backlog(root, workers, memo)
    with paused_collector():  # facts and rules walk a million loaded rows: no cycles to find among them
        facts = derive_facts(backlog, today)
        diagnostics.extend(run_rules(backlog, facts))
    return CheckResult(backlog, facts, sorted_diagnostics(diagnostics))
