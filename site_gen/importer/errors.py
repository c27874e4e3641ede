"""The importer's failures: the whole import is refused and nothing is written."""

from __future__ import annotations

from ..errors import SiteGenError, UsageError


class ImportFailed(SiteGenError):
    """The file or the repository cannot be used as asked: the message says where and what to do (exit 1)."""


class ImportUsage(UsageError):
    """An option asks for something the importer cannot do (unknown preset or field, no key; exit 2)."""
