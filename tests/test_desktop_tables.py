"""The internal site on a laptop and a desktop screen, in English, French and German, in real
headless Chromium (Playwright): a phone's cards are tests/test_phone_layout.py's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from site_gen.build import build

from .conftest import copy_example, edit

AS_OF = date(2026, 12, 20)   # App's list holds an overdue irritant and two closed ones
LANGUAGES = ("en", "fr", "de")

# Each table of the page: whether it is wider than its box, and each cell whose text (not an irritant's title,
# which takes the width left) runs on more than one line, with its column's name. A date's distance ("(76 days
# late)") has a line of its own under the date: the date and the distance must each hold one line.
CELLS_ON_TWO_LINES = """() => [...document.querySelectorAll('main table.irritants')].map(table => {
    const box = table.closest('.table-scroll');
    const linesOf = nodes => new Set(nodes.flatMap(node => {
        const text = document.createRange();
        text.selectNodeContents(node);
        return [...text.getClientRects()];
    }).filter(r => r.width > 0).map(r => Math.round(r.bottom))).size;
    const lines = cell => {
        const outside = [], walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) if (!walker.currentNode.parentElement.closest('.distance')) outside.push(walker.currentNode);
        return Math.max(linesOf(outside), ...[...cell.querySelectorAll('.distance')].map(d => linesOf([d])));
    };
    const names = [...table.tHead.rows[0].cells].map(th => th.textContent.trim());
    const cells = [...table.tHead.rows[0].cells, ...[...table.tBodies[0].rows].flatMap(row => [...row.cells].slice(1))];
    return {table: table.scrollWidth, box: box.clientWidth, names,
            wrapped: cells.filter(cell => lines(cell) > 1).map(cell => [names[cell.cellIndex], cell.innerText])};
})"""


@pytest.fixture(scope="module")
def internal_in(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example's internal site in each language, as of a day App's list has closed irritants."""
    sites = {}
    for language in LANGUAGES:
        root = copy_example(tmp_path_factory.mktemp(language) / "repo")
        edit(root / "site.yaml", "  base_url: https://intranet.example.org/backlog/\n",
             f"  base_url: https://intranet.example.org/backlog/\n  language: {language}\n")
        build(root, root.parent / "out", AS_OF)
        sites[language] = root.parent / "out" / "internal"
    return sites


@pytest.mark.parametrize("width", [1024, 1280])
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_irritant_list_keeps_each_owner_status_and_date_on_one_line_without_scrolling_sideways(
        internal_in: dict[str, Path], browser: Browser, language: str, width: int) -> None:
    """Once a Closed column came, App's list at 1280 px read "Maya" / "Okafor", "Not" / "started" and "Last" /
    "reviewed", one word a line: each cell but the irritant's title now holds one line, and the table still fits
    its box (nothing to scroll sideways to) — a team's list, a stage's, the dashboard's and the archive's."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    found = {}
    try:
        for path in ("teams/app/index.html", "stages/payment/index.html", "index.html", "board/archive/index.html"):
            page.goto((internal_in[language] / path).as_uri())
            found[path] = page.evaluate(CELLS_ON_TWO_LINES)
    finally:
        page.close()
    assert all(found.values()), found
    assert len(found["teams/app/index.html"][0]["names"]) == 6, found   # the Closed column is there
    for path, tables in found.items():
        for table in tables:
            assert table["table"] <= table["box"], (path, table)
            assert not table["wrapped"], (path, table)


def test_a_french_page_quotes_a_verbatim_in_guillemets_with_their_narrow_spaces(
        internal_in: dict[str, Path], browser: Browser) -> None:
    """The unlinked inbox's themes and the dashboard quote customers with <q>: Chromium's French quotes were
    «Brakes felt weak on the hill», glued; French writes « Brakes felt weak on the hill », a narrow no-break space
    inside each guillemet. English keeps its curly quotes."""
    quotes = {}
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        for language in ("en", "fr"):
            page.goto((internal_in[language] / "feedback" / "index.html").as_uri())
            quotes[language] = page.evaluate("""() => { const q = document.querySelector('main q');
                return [getComputedStyle(q, '::before').content, getComputedStyle(q, '::after').content,
                        getComputedStyle(q).quotes]; }""")
    finally:
        page.close()
    assert quotes["fr"][0] == "open-quote" and quotes["fr"][2].startswith('"«\u202f" "\u202f»"'), quotes
    assert "«" not in quotes["en"][2], quotes
