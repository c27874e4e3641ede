"""Markdown to HTML: CommonMark with tables, raw HTML off, only safe link schemes."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_url(url: str) -> bool:
    """Relative URLs and http(s)/mailto only: no javascript:, data:, vbscript:, file: and friends.

    Browsers ignore tabs, newlines and leading spaces inside a scheme ("java\\tscript:"),
    so those are removed before looking at it.
    """
    compact = _INVISIBLE.sub("", url)
    match = _SCHEME.match(compact)
    if match is None:
        return True  # relative, or protocol-relative (which is http(s))
    return match.group(1).lower() in SAFE_SCHEMES


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(["table", "strikethrough"])
    parser.validateLink = is_safe_url  # type: ignore[method-assign]
    return parser


def render_markdown(text: str) -> Markup:
    """Markdown source to safe HTML, ready for a template."""
    return Markup(_parser().render(text or ""))
