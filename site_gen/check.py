"""`check` = load + rules. `build` reuses exactly this, then renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .diagnostics import Diagnostic, Severity, sorted_diagnostics
from .load import load_backlog
from .model import Backlog
from .rules import run_rules


@dataclass(frozen=True)
class CheckResult:
    backlog: Backlog
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def check_repository(root: Path, today: date, workers: int | None = None) -> CheckResult:
    """Every problem in the repository, sorted by file and line. Raises NotABacklog without site.yaml."""
    backlog, diagnostics = load_backlog(root, workers)
    diagnostics.extend(run_rules(backlog, today))
    return CheckResult(backlog, sorted_diagnostics(diagnostics))
