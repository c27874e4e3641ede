"""The importer's failures: the whole import is refused and nothing is written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SiteGenError, UsageError

if TYPE_CHECKING:
    from . import ImportReport


class ImportFailed(SiteGenError):
    """The file or the repository cannot be used as asked: the message says where and what to do (exit 1)."""


class NothingImported(ImportFailed):
    """Every row read was skipped and none was there already: an import that added nothing, which a CI script must
    notice (exit 1). Carries the report, so the command still says which rows were skipped and why."""

    def __init__(self, report: ImportReport):
        super().__init__(f"nothing was imported: all {len(report.skipped)} row(s) were skipped (listed above); "
                         f"nothing was written to {report.out}")
        self.report = report


class ImportUsage(UsageError):
    """An option asks for something the importer cannot do (unknown preset or field, no key; exit 2)."""
