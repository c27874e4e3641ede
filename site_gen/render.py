"""Jinja environments, one per audience, and rendering pages into {relative path: bytes}.

The public environment's loader cannot see internal templates, and every
environment uses StrictUndefined: a template that reaches for a field the
view does not carry fails the build instead of printing nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from .text import long_date, month_label

AUDIENCES = ("public", "internal")


def package_templates() -> Path:
    """The default theme: inside the wheel, or at the repository root in a source checkout."""
    inside = Path(__file__).resolve().parent / "templates"
    return inside if inside.is_dir() else Path(__file__).resolve().parent.parent / "templates"


def environment(audience: str, team_templates: Path | None = None) -> jinja2.Environment:
    """Team templates first (audience, then common), then the defaults; `default/…` reaches a shadowed default."""
    assert audience in AUDIENCES
    defaults = package_templates()
    default_loader = jinja2.FileSystemLoader([defaults / audience, defaults / "common"])
    loaders: list[jinja2.BaseLoader] = []
    if team_templates is not None and team_templates.is_dir() and team_templates.resolve() != defaults.resolve():
        loaders.append(jinja2.FileSystemLoader([team_templates / audience, team_templates / "common"]))
    loaders += [jinja2.PrefixLoader({"default": default_loader}), default_loader]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.filters["month_label"] = month_label
    return env


@dataclass(frozen=True)
class Page:
    path: str                  # relative, e.g. stories/2026-09-refunds/index.html
    template: str
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> str:
        """Relative prefix back to the site root, so pages work from disk and under any sub-path."""
        return "../" * self.path.count("/")


def render_pages(env: jinja2.Environment, pages: Iterable[Page], shared: dict[str, Any],
                 progress: Callable[[int], None] | None = None) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    cache: dict[str, jinja2.Template] = {}
    for page in pages:
        template = cache.get(page.template) or cache.setdefault(page.template, env.get_template(page.template))
        html = template.render(**shared, **page.context, root=page.root, page_path=page.path)
        out[page.path] = html.encode("utf-8")
        if progress:
            progress(1)
    return out


def theme_file(env: jinja2.Environment, name: str) -> bytes:
    """A static file of the theme (CSS, JS), taken as is: team themes can shadow it like a template."""
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    return source.encode("utf-8")


def not_found_page(env: jinja2.Environment, shared: dict[str, Any], base_url: str | None) -> bytes:
    """A host serves 404.html at whatever path was missing: links are absolute to the base URL's path
    and the stylesheet is inlined, so the page looks right wherever it appears."""
    root = urlsplit(base_url).path if base_url else "./"
    html = env.get_template("404.html").render(
        **{**shared, "inline_css": theme_file(env, "site.css").decode("utf-8")}, root=root, page_path="404.html")
    return html.encode("utf-8")
