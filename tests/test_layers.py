"""The arrows of the README's architecture: files → load → records → facts → rules and views.

A module imports from below it only. The loader (site_gen/load/) and the facts share the definitions of
what rows count as and add up to (site_gen/tallies.py, verbatims.py): both import them, and the loader
imports nothing from the facts, the rules or the views.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

ABOVE_THE_LOADER = ("site_gen.facts", "site_gen.rules", "site_gen.views")


def _imported(path: Path) -> set[str]:
    """Every site_gen module the file imports, at its top or inside a function, as an absolute name."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("site_gen")}


def test_no_module_of_the_loader_imports_from_the_facts_or_above() -> None:
    """Lazy imports inside functions included: parquet.py imported the facts' definitions in five of them."""
    wrong = {f"{path.relative_to(REPO)}: {name}" for path in sorted((REPO / "site_gen/load").glob("*.py"))
             for name in _imported(path) if name.startswith(ABOVE_THE_LOADER)}
    assert wrong == set()


def test_importing_every_module_of_the_loader_imports_no_facts() -> None:
    probe = ("import importlib, pkgutil, sys, site_gen.load as load; "
             "[importlib.import_module(f'site_gen.load.{m.name}') for m in pkgutil.iter_modules(load.__path__)]; "
             f"print(sorted(m for m in sys.modules if m.startswith({ABOVE_THE_LOADER!r})))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
