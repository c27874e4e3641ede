"""The `site-gen` command's entry point: `--help` and `--version` answered before anything is imported.

Importing Click alone takes longer than the 50 ms a start-up may cost on a slow machine, so the two answers
that need no command are printed from text Click wrote (site_gen/help_text.py, made by scripts/help_text.py
and checked against Click's own output by the tests). Everything else, and any terminal narrower than the
80 columns that text was made for, goes to Click.
"""

from __future__ import annotations

import os
import sys

from . import __version__

_WIDTH = 80  # the columns help_text.py was written for; Click wraps the same text at any width from there up


def main(program: str | None = None) -> None:
    arguments = sys.argv[1:]
    if len(arguments) == 1 and _answered(arguments[0], program or os.path.basename(sys.argv[0])):
        return
    from . import cli

    cli.OWN_PROCESS = True   # (never so under Click's test runner, which runs commands inside the tests' process)
    cli.main(prog_name=program)


def _answered(argument: str, program: str) -> bool:
    if argument == "--version":
        _print(f"site-gen, version {__version__}\n")   # Click's version_option, with its prog_name
        return True
    if argument in ("--help", "-h") and _wide_enough():
        from .help_text import HELP

        _print(HELP.format(program=program))
        return True
    return False


def _wide_enough() -> bool:
    """Whether Click would wrap at 80 columns: the COLUMNS variable, else the terminal, else 80 (a pipe)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns) >= _WIDTH
    try:
        found = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return True
    return found == 0 or found >= _WIDTH


def _print(text: str) -> None:
    stream = sys.stdout
    try:
        stream.reconfigure(errors="replace")  # type: ignore[union-attr]  # as the Click path does
    except (AttributeError, ValueError, OSError):
        pass
    stream.write(text)
    stream.flush()
