"""Every user-editable field holds an attack; no page, feed or search result can run any of it."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from markupsafe import escape

from site_gen.build import build
from site_gen.check import check_repository
from site_gen.markdown import is_safe_url, render_markdown

from .conftest import TODAY
from .xss import PAYLOADS, active_content, write_xss_repo

OUR_SCRIPTS = ("pagefind/pagefind-ui.js", "assets/search.js", "assets/copy.js", "assets/board.js")


@pytest.fixture(scope="module")
def attacked_site(tmp_path_factory) -> Path:
    root = write_xss_repo(tmp_path_factory.mktemp("xss"))
    result = check_repository(root, TODAY)
    assert result.errors == 0, [d.as_text() for d in result.diagnostics]
    build(root, root / "_site", TODAY)
    return root / "_site"


def test_no_page_of_either_site_carries_active_content(attacked_site: Path) -> None:
    pages = sorted(attacked_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        assert active_content(page.read_text("utf-8"), OUR_SCRIPTS) == [], page


def test_the_payloads_are_shown_as_text(attacked_site: Path) -> None:
    everything = "\n".join(p.read_text("utf-8") for p in attacked_site.rglob("*.html"))
    for payload in PAYLOADS:
        assert str(escape(payload)) in everything, payload  # shown, escaped, not dropped


def test_feed_content_is_safe_html(attacked_site: Path) -> None:
    atom = ET.parse(attacked_site / "public/feed.xml").getroot()
    for content in atom.iter("{http://www.w3.org/2005/Atom}content"):
        assert active_content(content.text or "") == []
    for item in json.loads((attacked_site / "public/feed.json").read_text("utf-8"))["items"]:
        assert active_content(item["content_html"]) == []


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "data:text/html,<script>", "vbscript:msgbox", "file:///etc/passwd",
    "\x01javascript:alert(1)",
])
def test_unsafe_link_schemes_are_refused(url: str) -> None:
    assert not is_safe_url(url)
    assert active_content(render_markdown(f"[x](<{url}>)")) == []
    assert active_content(render_markdown(f"[x]: <{url}>\n\n[x]")) == []


@pytest.mark.parametrize("url", ["https://example.org/a?b=c", "http://x.y", "mailto:team@example.org", "../relative",
                                 "#anchor", "/absolute/path"])
def test_safe_links_are_kept(url: str) -> None:
    assert is_safe_url(url)
    assert f'href="{url}"' in render_markdown(f"[x]({url})")
