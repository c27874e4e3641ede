"""Where site-gen's default theme is: a module of its own, so the cache's stamp finds it without importing
the renderer (a check with nothing changed imports neither Jinja nor the loader)."""

from __future__ import annotations

from pathlib import Path


def package_templates() -> Path:
    """The default theme, the one place that finds it.

    The theme lives in the repository's top-level templates/ folder. A wheel ships it as
    site_gen/templates/ (pyproject.toml's force-include); an editable install (`pip install -e .`,
    the README's first command) runs the package from the checkout, next to that folder.
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "public" / "base.html").is_file():
            return candidate
    raise FileNotFoundError(f"site-gen's default theme is missing: neither {package / 'templates'} nor "
                            f"{package.parent / 'templates'} holds public/base.html; reinstall site-gen")
