"""The internal site's long commands and wide tables on a 375 px phone, in real headless Chromium (Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from site_gen.build import build

from .conftest import TODAY, copy_example

PHONE = {"width": 375, "height": 800}


@pytest.fixture(scope="module")
def internal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("phone") / "repo")
    build(root, root.parent / "out", TODAY)
    return root.parent / "out" / "internal"


def test_a_long_command_says_it_scrolls_ends_on_a_whole_line_and_one_tap_selects_all_of_it(
        internal: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE, has_touch=True)
    try:
        page.goto((internal / "feedback" / "index.html").as_uri())
        box = page.locator("#complaints .theme pre.command").first
        found = box.evaluate("""pre => {
            const style = getComputedStyle(pre), line = parseFloat(style.lineHeight);
            const inner = pre.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
            const hint = pre.parentElement.querySelector('.command-hint');
            return {scrolls: pre.scrollHeight > pre.clientHeight + 1, lines: inner / line,
                    shaded: style.backgroundAttachment.includes('local') && style.backgroundAttachment.includes('scroll'),
                    hint: hint ? hint.innerText : ''};
        }""")
        box.locator("code").tap()
        selected = page.evaluate("window.getSelection().toString()")
        command = box.inner_text()
    finally:
        page.close()
    assert found["scrolls"]
    assert abs(found["lines"] - round(found["lines"])) < 0.05, found   # no line cut in half at the bottom
    assert found["shaded"] and "scroll" in found["hint"].lower(), found
    assert selected.strip() == command.strip() and "--from-feedback" in selected


def test_the_journey_tables_fit_a_375px_phone_with_every_stage_in_view(internal: Path, browser: Browser) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto((internal / "journey" / "index.html").as_uri())
        tables = page.evaluate("""() => ['matrix', 'totals'].map(id => {
            const table = document.getElementById(id).nextElementSibling.nextElementSibling.querySelector('table')
                || document.getElementById(id).nextElementSibling.querySelector('table');
            const box = table.parentElement;
            return {id, wider: box.scrollWidth > box.clientWidth + 1,
                    clipped: [...table.querySelectorAll('th, td')].filter(c => c.scrollWidth > c.clientWidth + 1)
                              .map(c => c.innerText),
                    rows: table.rows.length, headers: table.querySelectorAll('th[scope]').length};
        })""")
        stages = page.evaluate("[...document.querySelectorAll('#strip ~ ol.strip h3')].length")
    finally:
        page.close()
    for table in tables:
        assert not table["wider"], table      # nothing to scroll sideways to: every stage and column in view
        assert not table["clipped"], table
        assert table["headers"] >= table["rows"]   # row and column headers kept for screen readers
    assert stages >= 6
