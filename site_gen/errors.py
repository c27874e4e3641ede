"""One tree of failures a user can act on. The command line prints each in one place and exits with its code.

    SiteGenError                exit 1   a failure with a message that says what to do
    ├── UsageError              exit 2   the command was asked for something it cannot do
    │   ├── NotABacklog                  no site.yaml where the backlog should be
    │   ├── UnusableDate                 a "today" outside what site-gen handles (--today, SOURCE_DATE_EPOCH)
    │   ├── NotLoopback                  `serve --host` other machines reach, without --allow-remote
    │   ├── UnsafeOutput                 an --out that is not site-gen's to replace (an OutputError too)
    │   └── ImportUsage                  `import` asked for an unknown preset or field, or has no key
    ├── ImportFailed                     `import` cannot use the file or the repository (importer/errors.py)
    │   └── NothingImported              every row read was skipped: nothing added, nothing written
    ├── BuildRefused                     the check found errors: carries them; nothing was written
    ├── BuildError                       the build could not finish (the search indexer failed); nothing was written
    │   └── ThemeError                   a template failed, with its file and line
    └── OutputError                      the sites could not be written; the previous pair is whole
        ├── OutputBusy                   another build holds OUT's lock
        └── WriteFailed                  the disk refused a write

Rule violations are not exceptions: they are diagnostics (`diagnostics.py`), all reported in one run.

Not in this tree yet: the failures of `new` (NewError), `init` (StarterError), `notify` (NotifyError),
`digest --post` (PostError) and `reviewed` (ReviewRefused) are plain exceptions that each command turns
into a Click error itself (exit 1, or 2 where it is a usage error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import Diagnostic


class SiteGenError(Exception):
    """A failure the user can act on: the message says what went wrong and how to fix it."""

    exit_code = 1


class UsageError(SiteGenError):
    exit_code = 2


class NotABacklog(UsageError):
    """The path holds no site.yaml."""

    def __init__(self, root: object):
        super().__init__(f"no site.yaml in {root}. Run site-gen in the folder that holds site.yaml, "
                         "or pass that folder.")


class UnusableDate(UsageError):
    """A "today" site-gen cannot use."""


class NotLoopback(UsageError):
    """A non-loopback address to listen on, without allow_remote."""


class BuildRefused(SiteGenError):
    """The check found errors: nothing was written."""

    def __init__(self, diagnostics: Sequence[Diagnostic], errors: int):
        super().__init__(f"Build refused: {errors} error(s). Nothing was written; fix them and build again.")
        self.diagnostics = list(diagnostics)
        self.errors = errors


class BuildError(SiteGenError):
    """A build failed for a reason the user can act on; nothing was written."""


class ThemeError(BuildError):
    """A template failed to render: a mistake in a team's templates/, reported with its file and line."""


class OutputError(SiteGenError):
    """The sites could not be written; the message says where and what to do."""


class UnsafeOutput(OutputError, UsageError):
    """--out would replace or write into something site-gen did not create: nothing was touched."""

    exit_code = 2


class OutputBusy(OutputError):
    """Another build holds OUT's lock."""


class WriteFailed(OutputError):
    """The disk refused a write (no space, permission denied, a file where a folder should be)."""
