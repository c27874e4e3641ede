"""Markdown to HTML: CommonMark with tables, only safe link schemes, raw HTML shown as text, comments dropped.

Authors write `<!-- internal note -->` expecting it hidden, as GitHub and Hugo hide it,
so HTML comments render as nothing. Any other raw HTML is never passed through: it is
escaped and shown as text, exactly as with raw HTML switched off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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


_SHORT_COMMENT = re.compile(r"<!---?>")
_COMMENT_UNIT = re.compile(r"[^-]|-[^-]|--[^>]")   # what COMMENT repeats between '<!--' and '-->'


def comment_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each match of COMMENT in text, as COMMENT.finditer finds them, in linear time.

    COMMENT.sub scanned to the end of the text from every '<!--' that no '-->' closes: a story body of 50,000 of
    them took minutes to build. Between '<!--' and '-->' at most one unit fits at each place, so the scan from
    an opening is one path that ends at '-->' (a comment) or at the end of the text (none); a scan that meets a
    place a failed one passed through fails too, and stops there.
    """
    spans: list[tuple[int, int]] = []
    failed: set[int] = set()
    start = text.find("<!--")
    while start >= 0:
        short = _SHORT_COMMENT.match(text, start)
        end = short.end() if short else _comment_end(text, start + 4, failed)
        if end is None:
            start = text.find("<!--", start + 1)
        else:
            spans.append((start, end))
            start = text.find("<!--", end)
    return spans


def _comment_end(text: str, at: int, failed: set[int]) -> int | None:
    passed = []
    for unit in _COMMENT_UNIT.finditer(text, at):
        if unit.start() != at or at in failed:
            break
        passed.append(at)
        at = unit.end()
    if at not in failed and text.startswith("-->", at):
        return at + 3
    failed.update(passed)
    failed.add(at)
    return None


def sub_comments(text: str, replace: Callable[[str], str] = lambda comment: "") -> str:
    """text with each HTML comment replaced by replace(comment): nothing, unless told otherwise."""
    parts, done = [], 0
    for start, end in comment_spans(text):
        parts += [text[done:start], replace(text[start:end])]
        done = end
    return "".join(parts) + text[done:] if parts else text


def _without_comments(text: str) -> str:
    return sub_comments(text)


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
            content = sub_comments(token.content, lambda comment: "\n" * comment.count("\n"))
            for offset, source_line in enumerate(content.split("\n")):
                if "<" in source_line:  # text after a comment is not HTML
                    found.append((line + offset, source_line.strip()))
                    break
        elif token.type == "inline" and token.children:
            at = line
            closed_after, head_after = _closings(token.children)
            for index, child in enumerate(token.children):
                if child.type == "html_inline" and not COMMENT.fullmatch(child.content):
                    found.append((at, child.content))
                elif child.type == "text" and "<!--" in child.content:
                    opened = child.content[child.content.index("<!--"):]
                    # closed, it was escaped on purpose (\<!-- … -->) to be shown
                    if not closed_after[index] and "-->" not in opened + head_after[index]:
                        found.append((at, opened.strip()))
                if child.type in ("softbreak", "hardbreak"):
                    at += 1
                at += child.content.count("\n")
    return found


def _closings(children: Sequence[Token]) -> tuple[list[bool], list[str]]:
    """For each child: whether '-->' is in the text of the children after it, and that text's first two characters
    (a '-->' may start in this child). One pass from the end: joining the rest for each child was quadratic."""
    closed, heads = [False] * len(children), [""] * len(children)
    found, head = False, ""
    for index in range(len(children) - 1, -1, -1):
        closed[index], heads[index] = found, head
        content = children[index].content
        found = found or "-->" in content + head
        head = (content + head)[:2]
    return closed, heads
