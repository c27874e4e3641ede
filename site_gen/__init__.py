"""site-gen: the customer backlog as code.

The command line (`site-gen`) is a thin layer over this library; a Python
program may call the same four steps:

    from datetime import date
    from pathlib import Path
    import site_gen

    backlog, problems = site_gen.load_backlog(Path("."))          # records + located problems
    facts = site_gen.derive_facts(backlog, date(2026, 11, 26))    # what the backlog means that day
    result = site_gen.check_repository(Path("."), date(2026, 11, 26))  # load + facts + rules
    report = site_gen.build(Path("."), Path("_site"), date(2026, 11, 26))

Failures a user can act on are `site_gen.SiteGenError`s (see `site_gen.errors`);
rule violations are `Diagnostic`s in `result.diagnostics`, never exceptions.
Names are imported on first use, so `import site_gen` stays cheap.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # not typing's: importing typing is a third of `site-gen --version` (site_gen/start.py)

__version__ = "0.1.0"

_API = {
    "load_backlog": "site_gen.load",
    "derive_facts": "site_gen.facts",
    "Facts": "site_gen.facts",
    "check_repository": "site_gen.check",
    "CheckResult": "site_gen.check",
    "build": "site_gen.build",
    "render_sites": "site_gen.sites",
    "BuildReport": "site_gen.build",
    "resolve_as_of": "site_gen.asof",
    "Diagnostic": "site_gen.diagnostics",
    "SiteGenError": "site_gen.errors",
}
__all__ = ["__version__", "load_backlog", "derive_facts", "Facts", "check_repository", "CheckResult", "build",
           "render_sites", "BuildReport", "resolve_as_of", "Diagnostic", "SiteGenError"]

if TYPE_CHECKING:
    from typing import Any

    from .asof import resolve_as_of
    from .build import BuildReport, build
    from .check import CheckResult, check_repository
    from .diagnostics import Diagnostic
    from .errors import SiteGenError
    from .facts import Facts, derive_facts
    from .load import load_backlog
    from .sites import render_sites


def __getattr__(name: str) -> Any:
    """The library's names, imported when first asked for (PEP 562)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'site_gen' has no attribute {name!r}")
    return getattr(import_module(module), name)
