"""Markdown to HTML: CommonMark with tables, only safe link schemes, raw HTML shown as text, comments dropped.

Authors write `<!-- internal note -->` expecting it hidden, as GitHub and Hugo hide it,
so HTML comments render as nothing. Any other raw HTML is never passed through: it is
escaped and shown as text, exactly as with raw HTML switched off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
# an HTML comment as CommonMark (and markdown-it) reads it
COMMENT = re.compile(r"<!---?>|<!--(?:[^-]|-[^-]|--[^>])*-->")


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


def _configured(html: bool) -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": html, "typographer": False}).enable(["table", "strikethrough"])
    parser.validateLink = is_safe_url  # type: ignore[method-assign]  # the hook markdown-it calls; meant to be replaced
    return parser


@lru_cache(maxsize=1)
def _escaping_parser() -> MarkdownIt:
    """Raw HTML off: what an HTML block that is not a comment renders as (escaped text)."""
    return _configured(html=False)


def _without_comments(text: str) -> str:
    return COMMENT.sub("", text)


def _html_block(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    rest = _without_comments(tokens[idx].content)
    return _escaping_parser().render(rest) if rest.strip() else ""


def _html_inline(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    content = tokens[idx].content
    return "" if COMMENT.fullmatch(content) else escapeHtml(content)


def _table_open(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                env: EnvType) -> str:
    # a wide table scrolls inside its own box (focusable, so a keyboard can scroll it), never the whole page
    table: str = renderer.renderToken(tokens, idx, options, env)
    return '<div class="table-scroll" tabindex="0" role="region" aria-label="Table">' + table


def _table_close(renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                 env: EnvType) -> str:
    table: str = renderer.renderToken(tokens, idx, options, env)
    return table + "</div>\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # HTML parsing is on only so that comments are recognised where CommonMark says they are
    # (never inside code); the two renderer rules below decide what reaches the page.
    parser = _configured(html=True)
    parser.add_render_rule("html_block", _html_block)
    parser.add_render_rule("html_inline", _html_inline)
    parser.add_render_rule("table_open", _table_open)
    parser.add_render_rule("table_close", _table_close)
    return parser


def render_markdown(text: str) -> Markup:
    """Markdown source to safe HTML, ready for a template."""
    return Markup(_parser().render(text or ""))


def raw_html(text: str) -> list[tuple[int, str]]:
    """Raw HTML in markdown that is shown as text (comments excepted): (0-based line in text, the HTML).

    An HTML comment that is never closed is listed too, starting with '<!--': it is shown as text.
    """
    found: list[tuple[int, str]] = []
    line = 0
    for token in _parser().parse(text or ""):
        if token.map:
            line = token.map[0]
        if token.type == "html_block":
            # keep the comments' line breaks so the line of what is left is right
            content = COMMENT.sub(lambda m: "\n" * m.group().count("\n"), token.content)
            for offset, source_line in enumerate(content.split("\n")):
                if "<" in source_line:  # text after a comment is not HTML
                    found.append((line + offset, source_line.strip()))
                    break
        elif token.type == "inline" and token.children:
            at = line
            for index, child in enumerate(token.children):
                if child.type == "html_inline" and not COMMENT.fullmatch(child.content):
                    found.append((at, child.content))
                elif child.type == "text" and "<!--" in child.content:
                    opened = child.content[child.content.index("<!--"):]
                    rest = opened + "".join(c.content for c in token.children[index + 1:])
                    if "-->" not in rest:  # closed, it was escaped on purpose (\<!-- … -->) to be shown
                        found.append((at, opened.strip()))
                if child.type in ("softbreak", "hardbreak"):
                    at += 1
                at += child.content.count("\n")
    return found
