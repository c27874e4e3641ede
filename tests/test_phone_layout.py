"""The internal site's long commands and wide tables on a 375 px phone, in real headless Chromium (Playwright)."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from site_gen.build import build

from .conftest import TODAY, copy_example

PHONE = {"width": 375, "height": 800}
SMALLEST = {"width": 320, "height": 800}


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


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE], ids=["320", "375"])
def test_a_command_wraps_between_its_words_and_after_its_commas_only(
        internal: Path, browser: Browser, viewport: dict[str, int]) -> None:
    """On a phone "--stage" read as "-" / "-stage" and an ID as "SRV-" / "1121-1989": a word with a hyphen (an
    option, a stage, an ID) now stays on one line, the command breaks at its spaces and after its list's commas,
    and the text a person copies is still the command, one space between its words and none in its list of IDs."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / "feedback" / "index.html").as_uri())
        found = page.evaluate("""() => [...document.querySelectorAll('pre.command code')].map(code => ({
            text: code.textContent,
            broken: [...code.querySelectorAll('.nowrap')].filter(w => w.getClientRects().length > 1)
                .map(w => w.textContent),
            lines: new Set([...code.querySelectorAll('.nowrap')].map(w => Math.round(w.getBoundingClientRect().top))).size,
        }))""")
    finally:
        page.close()
    assert found and all(not command["broken"] for command in found), found
    assert any(command["lines"] > 3 for command in found)   # long commands do wrap
    for command in found:
        assert command["text"].startswith("site-gen new irritant --title ") and "  " not in command["text"]
        ids = command["text"].split("--from-feedback ")[1]
        assert " " not in ids.strip() and ",," not in ids, ids


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

# every shown chart's text, as rendered: its CSS font size times the scale of its SVG (drawn width / viewBox width);
# a line chart is drawn for a phone and for a desktop, and the screen shows one
VISIBLE_CHARTS = "[...document.querySelectorAll('svg.chart')].filter(svg => svg.getClientRects().length)"
CHART_TEXT = """() => """ + VISIBLE_CHARTS + """.flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(t => ({
        chart: svg.classList.contains('effect') ? 'chart effect' : 'chart line-chart', text: t.textContent,
        px: parseFloat(getComputedStyle(t).fontSize) * scale, height: t.getBoundingClientRect().height}));
})"""


def chart_text(internal: Path, browser: Browser, viewport: dict[str, int]) -> list[dict[str, object]]:
    """The text of the dashboard's metric charts and of an irritant's before/after chart."""
    page = browser.new_page(viewport=viewport)
    try:
        found, legend = [], []
        for path in ("index.html", "irritants/double-charge-after-failed-ride/index.html"):
            page.goto((internal / path).as_uri())
            found += page.evaluate(CHART_TEXT)
            legend += page.evaluate("""() => [...document.querySelectorAll('.chart-legend li')]
                                       .map(li => parseFloat(getComputedStyle(li).fontSize))""")
    finally:
        page.close()
    return found + [{"chart": "legend", "text": "", "px": px, "height": px} for px in legend]


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE, {"width": 1280, "height": 900}], ids=["320", "375", "1280"])
def test_every_chart_label_renders_at_12px_or_more_from_a_320px_phone_to_a_desktop(
        internal: Path, browser: Browser, viewport: dict[str, int]) -> None:
    """Axis ticks, month and day labels, the threshold and decision marks and the legend: 12 px or more on the
    smallest phone (an SVG scaled down with its viewBox shrank them to 10 px there), and not oversized on a large
    screen."""
    found = chart_text(internal, browser, viewport)
    charts = {str(item["chart"]) for item in found}
    assert {"chart line-chart", "chart effect", "legend"} <= charts, charts
    small = [item for item in found if float(str(item["px"])) < 12]
    assert not small, small
    assert all(float(str(item["px"])) <= 18 for item in found), max(float(str(item["px"])) for item in found)
    # the glyphs' boxes agree: a line of text is taller than its font size
    assert all(float(str(item["height"])) >= 12 for item in found if item["text"])


def test_the_journey_tables_fit_a_320px_phone_and_stay_tables(internal: Path, browser: Browser) -> None:
    """The segment x stage matrix, the all-time table and the friction ledger: no sideways scrolling on the
    smallest phone, no cell cut, every row and column header still a header for screen readers."""
    page = browser.new_page(viewport=SMALLEST)
    try:
        page.goto((internal / "journey" / "index.html").as_uri())
        tables = page.evaluate("""() => [...document.querySelectorAll('main .table-scroll > table')].map(table => {
            const box = table.parentElement;
            return {scroll: box.scrollWidth, width: box.clientWidth,
                    clipped: [...table.querySelectorAll('th, td')].filter(c => c.scrollWidth > c.clientWidth + 1)
                              .map(c => c.innerText),
                    columns: table.querySelectorAll('thead th[scope=col]').length,
                    cells: table.rows[0].cells.length,
                    rowHeaders: table.querySelectorAll('tbody th[scope=row]').length,
                    rows: table.tBodies[0].rows.length,
                    fontSize: Math.min(...[...table.querySelectorAll('th, td')]
                                       .map(c => parseFloat(getComputedStyle(c).fontSize)))};
        })""")
    finally:
        page.close()
    assert len(tables) == 3
    for table in tables:
        assert table["scroll"] <= table["width"] + 1, table   # nothing to scroll sideways to
        assert not table["clipped"], table
        assert table["columns"] == table["cells"] and table["rowHeaders"] == table["rows"], table
        assert table["fontSize"] >= 12, table


# The dashboard's "Did it work?" and "Open irritants" tables, cell by cell: each cell's text not cut in its box
# (scrollWidth <= clientWidth), its box inside the screen, and nothing to scroll sideways, neither the table's box
# nor the page. The cells named are those an employee reads on a phone.
DASHBOARD_TABLE = """([heading, columns]) => {
    const h2 = [...document.querySelectorAll('main h2')].find(h => h.textContent.trim() === heading);
    const table = h2.closest('section') && h2.closest('section').querySelector('table')
        || h2.nextElementSibling.querySelector('table');
    const box = table.closest('.table-scroll'), width = document.documentElement.clientWidth;
    const cells = [...table.tBodies[0].rows].flatMap(row => columns.map(n => row.cells[n]))
        .filter(c => c.textContent.trim());   // an empty cell (an open irritant's Closed) is not drawn on a phone
    return {
        page: document.documentElement.scrollWidth, width, box: [box.scrollWidth, box.clientWidth],
        bad: cells.filter(c => {
            const r = c.getBoundingClientRect();
            return c.scrollWidth > c.clientWidth + 1 || r.left < -0.5 || r.right > width + 0.5 || r.width < 1;
        }).map(c => c.innerText),
        texts: cells.map(c => c.innerText),
        headers: [...table.querySelectorAll('thead th[scope=col]')].map(th => th.textContent.trim()),
    };
}"""


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE], ids=["320", "375"])
@pytest.mark.parametrize(("heading", "columns", "headers"), [
    ("Did it work?", [0, 1, 2], ["Fix", "Closed", "Verdict"]),
    ("Open irritants", [0, 1, 2, 3, 4], ["Irritant", "Owner", "Status", "Target", "Days late"]),
], ids=["did-it-work", "open-irritants"])
def test_the_dashboard_tables_show_every_cell_whole_on_a_phone_and_stay_tables(
        internal: Path, browser: Browser, viewport: dict[str, int], heading: str, columns: list[int],
        headers: list[str]) -> None:
    """At 375 px "Did it work?" was 372 px in a 343 px box (the verdict read "Complain… / down 92 …", at 320 px
    one letter a line) and "Open irritants" 544 px, its Target and Days late off the screen: on a phone each
    row reads whole, without sideways scrolling, and the HTML is still one table with its column headers."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / "index.html").as_uri())
        found = page.evaluate(DASHBOARD_TABLE, [heading, columns])
    finally:
        page.close()
    assert found["page"] <= found["width"], found          # the page does not scroll sideways
    assert found["box"][0] <= found["box"][1] + 1, found    # nor the table's box
    assert not found["bad"], found
    assert found["headers"] == headers, found
    texts = found["texts"]
    if heading == "Did it work?":
        assert any("%" in text and "down" in text for text in texts), texts   # the verdict with its figure
    else:
        assert any("In progress" in text for text in texts) and any("2026-" in text for text in texts), texts


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE], ids=["320", "375"])
def test_a_teams_irritants_read_whole_on_a_phone(internal: Path, browser: Browser, viewport: dict[str, int]) -> None:
    """A team's (and a stage's) irritant list, the same columns with "Closed" and "Last reviewed": stacked as well."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / "teams" / "app" / "index.html").as_uri())
        found = page.evaluate(DASHBOARD_TABLE, ["Irritants", [0, 1, 2, 3, 4, 5]])
    finally:
        page.close()
    assert found["page"] <= found["width"] and found["box"][0] <= found["box"][1] + 1, found
    assert not found["bad"], found
    assert found["headers"] == ["Irritant", "Owner", "Status", "Target", "Closed", "Last reviewed"], found


# Every table a selector finds, its details opened: each cell that holds text not cut in its box, inside the
# screen, and neither the tables' boxes nor the page scrolling sideways.
TABLES_OPENED = """(selector) => {
    const tables = [...document.querySelectorAll(selector)];
    tables.forEach(table => { const details = table.closest('details'); if (details) details.open = true; });
    const width = document.documentElement.clientWidth;
    const cells = tables.flatMap(table => [...table.tBodies[0].rows].flatMap(row => [...row.cells]))
        .filter(c => c.innerText.trim());
    return {
        tables: tables.length, cells: cells.length, page: document.documentElement.scrollWidth, width,
        boxes: tables.map(t => t.closest('.table-scroll')).filter(b => b.scrollWidth > b.clientWidth + 1).length,
        bad: cells.filter(c => {
            const r = c.getBoundingClientRect();
            return c.scrollWidth > c.clientWidth + 1 || r.left < -0.5 || r.right > width + 0.5 || r.width < 1;
        }).map(c => c.innerText),
        headers: tables.map(t => [...t.querySelectorAll('thead th[scope=col]')].map(th => th.textContent.trim())),
    };
}"""


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE], ids=["320", "375"])
@pytest.mark.parametrize(("path", "selector", "headers"), [
    ("feedback/index.html", "details.rows table", ["ID", "Date", "Stage", "Source", "Kind", "Verbatim"]),
    ("index.html", "section details table", ["Month", "Value", "Decisions"]),
    ("decisions/index.html", "main table", ["Decision", "Kind", "Date", "Owner", "Review on", "Status"]),
], ids=["inbox-rows", "metric-values", "decision-log"])
def test_the_inbox_rows_and_a_metrics_values_read_whole_on_a_phone(
        internal: Path, browser: Browser, viewport: dict[str, int], path: str, selector: str,
        headers: list[str]) -> None:
    """At 375 px the inbox's 300 rows were 799 px wide in a 343 px box, every verbatim off the screen, and a
    metric's values 359 px in 306, its decisions cut; the decision log's owner, review date, "due" and status
    were off the screen: on a phone each row reads whole, and stays a table row."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / path).as_uri())
        found = page.evaluate(TABLES_OPENED, selector)
    finally:
        page.close()
    assert found["tables"] >= 1 and found["cells"] >= 3 * found["tables"], found
    assert found["page"] <= found["width"] and found["boxes"] == 0, found
    assert not found["bad"], found
    assert all(names == headers for names in found["headers"]), found


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE, {"width": 1280, "height": 900}], ids=["320", "375", "1280"])
def test_a_cluster_of_dissatisfaction_keeps_its_figures_clear_of_its_bar(
        internal: Path, browser: Browser, viewport: dict[str, int]) -> None:
    """A segment × stage cell that stands out is marked by a 4 px bar at its start; on a phone its compact
    padding was 3.2 px, so "▲ 56%" and "n=41" touched the bar: the text starts 2 px or more past it."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / "journey" / "index.html").as_uri())
        gaps = page.evaluate("""() => [...document.querySelectorAll('table.matrix td.cluster')].map(cell => {
            const text = document.createRange();
            text.selectNodeContents(cell);
            return text.getBoundingClientRect().left - cell.getBoundingClientRect().left - 4;
        })""")
    finally:
        page.close()
    assert gaps and min(gaps) >= 2, gaps


def test_the_dashboard_tables_stacked_on_a_phone_are_still_tables_to_a_screen_reader(
        internal: Path, browser: Browser) -> None:
    """Chromium's accessibility tree at 320 px: the two tables with their column headers and rows, and a cell
    named by its value alone (the column name drawn beside it on a phone is not read a second time)."""
    page = browser.new_page(viewport=SMALLEST)
    try:
        page.goto((internal / "index.html").as_uri())
        nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    finally:
        page.close()
    shown = [node for node in nodes if not node.get("ignored")]
    roles = [node["role"]["value"] for node in shown]
    headers = {node.get("name", {}).get("value") for node in shown if node["role"]["value"] == "columnheader"}
    cells = {node.get("name", {}).get("value") for node in shown if node["role"]["value"] == "cell"}
    assert roles.count("table") >= 2
    assert {"Fix", "Closed", "Verdict", "Irritant", "Owner", "Status", "Target", "Days late"} <= headers, headers
    assert "2026-09-30" in cells and "In progress" in cells, cells
    assert not any(str(name).startswith(("Closed", "Owner", "Status", "Target")) for name in cells), cells


@pytest.mark.parametrize("width", [320, 500, 640, 1280])
def test_every_chart_label_lies_inside_its_chart_clear_of_the_others(
        internal: Path, browser: Browser, width: int) -> None:
    """At 320 px the y axis's "−40" lost its minus sign (2.7 px past the left edge), a decision's "D1" on the
    unfinished last month ran past the right edge, and a before/after chart's last day ("28 May") touched it:
    every label's box lies inside its SVG's, on the dashboard and on every irritant page with a chart, in the
    drawing a phone shows and in the one a desktop shows. And no two labels' boxes overlap: a before/after chart's
    "10" touched "closed 2026-08-28", and a first month centred under its dot would touch the lowest tick's label
    above it."""
    pages = ["index.html"] + sorted(str(path.relative_to(internal)) for path in internal.glob("irritants/*/index.html")
                                    if 'class="chart effect"' in path.read_text(encoding="utf-8"))
    page = browser.new_page(viewport={"width": width, "height": 900})
    outside, touching, count = [], [], 0
    try:
        for path in pages:
            page.goto((internal / path).as_uri())
            charts = page.evaluate("""() => """ + VISIBLE_CHARTS + """.map(svg => {
                const box = svg.getBoundingClientRect();
                return [...svg.querySelectorAll('text')].map(t => {
                    const r = t.getBoundingClientRect();
                    return {text: t.textContent, left: r.left - box.left, right: box.right - r.right,
                            top: r.top - box.top, bottom: box.bottom - r.bottom, box: [r.left, r.top, r.right, r.bottom]};
                });
            })""")
            for found in charts:
                count += len(found)
                outside += [(path, item) for item in found
                            if min(item["left"], item["right"], item["top"], item["bottom"]) < 0.5]
                touching += [(path, a["text"], b["text"]) for a, b in itertools.combinations(found, 2)
                             if min(a["box"][2], b["box"][2]) - max(a["box"][0], b["box"][0]) > 0.5
                             and min(a["box"][3], b["box"][3]) - max(a["box"][1], b["box"][1]) > 0.5]
    finally:
        page.close()
    assert len(pages) >= 3 and count > 50, (pages, count)
    assert not outside, "\n".join(f"{path}: {item}" for path, item in outside)
    assert not touching, touching


def test_the_journey_map_lists_every_high_risk_and_folds_the_less_severe_ones(internal: Path, browser: Browser) -> None:
    """25 risk signals took 7 phone screens before the segment × stage matrix: every high one (and at least the
    dashboard's few) is listed, the others fold under one line, numbered on from the list above."""
    from site_gen.views.internal import RISKS_SHOWN

    page = browser.new_page(viewport=PHONE)
    try:
        page.goto((internal / "journey" / "index.html").as_uri())
        found = page.evaluate("""() => {
            const lists = [...document.querySelectorAll('#risks ~ ol.risks, #risks ~ details.more-risks ol.risks')];
            return lists.map(ol => ({start: ol.start, folded: !!ol.closest('details'),
                                     severities: [...ol.children].map(li => li.classList[1])}));
        }""")
    finally:
        page.close()
    assert len(found) == 2 and not found[0]["folded"] and found[1]["folded"], found
    shown, folded = found[0]["severities"], found[1]["severities"]
    assert "high" not in folded and len(shown) >= RISKS_SHOWN, found
    assert found[1]["start"] == len(shown) + 1


# screen widths from the smallest phone to a desktop, and either side of each of site.css's steps for a chart: its
# drawing's labels change units at 368, 496 and 832 px, and the drawing is the wide one from 640 px
SCREENS = [320, 367, 368, 416, 495, 496, 500, 639, 640, 800, 831, 832, 1280]


@pytest.mark.parametrize("width", SCREENS)
def test_a_chart_fills_its_card_and_its_text_stays_12_to_18px_at_every_width(
        internal: Path, browser: Browser, width: int) -> None:
    """From 416 to 639 px a metric's chart stayed 416 px wide in a card up to 570 px wide (a gap on its right on a
    small tablet or a phone on its side), and at 1280 px it had been 416 px in a 955 px card; an irritant's
    before/after chart stayed 480 px wide in a 992 px page. At every width the one drawing shown spans its card's
    content box, within 2 px, its labels render at 12 to 18 px (a drawing scaled to its card scales its labels:
    one drawing at 955 px made them 39 px), and the page does not scroll sideways."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    found = []
    try:
        for path in ("index.html", "irritants/double-charge-after-failed-ride/index.html"):
            page.goto((internal / path).as_uri())
            found += page.evaluate("""() => [...new Set([...document.querySelectorAll('svg.chart')]
                                                 .map(svg => svg.closest('figure')))].map(figure => {
                const box = figure.parentElement, style = getComputedStyle(box);
                const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
                const shown = [...figure.querySelectorAll('svg')].filter(svg => svg.getClientRects().length);
                const sizes = shown.flatMap(svg => {
                    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                    return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
                });
                return {chart: figure.className, shown: shown.length, inner, sizes,
                        widths: shown.map(svg => svg.getBoundingClientRect().width),
                        page: document.documentElement.scrollWidth, screen: document.documentElement.clientWidth};
            })""")
    finally:
        page.close()
    assert len(found) >= 4 and any("effect" in chart["chart"] for chart in found), found
    for chart in found:
        assert chart["shown"] == 1, chart          # one drawing, one title and description for a screen reader
        assert abs(chart["widths"][0] - chart["inner"]) <= 2, chart
        assert chart["sizes"] and 12 <= min(chart["sizes"]) and max(chart["sizes"]) <= 18, chart
        assert chart["page"] <= chart["screen"], chart


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE], ids=["320", "375"])
def test_the_all_time_scores_read_one_score_a_line_on_a_phone(
        internal: Path, browser: Browser, viewport: dict[str, int]) -> None:
    """The journey map's "All time" table squeezed its Scores column to a word's width: at 375 px "CES / 2.90 /
    (n=59)" took three lines, at 320 px two. On a phone each score (its name, value and number of answers) reads
    on one line, inside the screen, the page does not scroll sideways, and the table keeps its headers."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / "journey" / "index.html").as_uri())
        found = page.evaluate("""() => {
            const table = document.querySelector('#totals + .table-scroll table'), width = document.documentElement.clientWidth;
            const scores = [...table.querySelectorAll('tbody .score')].map(score => {
                const r = score.getBoundingClientRect(), font = parseFloat(getComputedStyle(score).fontSize);
                return {text: score.innerText, lines: r.height / (1.6 * font), left: r.left, right: width - r.right,
                        cut: score.scrollWidth > score.clientWidth + 1};
            });
            return {scores, page: document.documentElement.scrollWidth, width,
                    box: [table.parentElement.scrollWidth, table.parentElement.clientWidth],
                    rowHeaders: table.querySelectorAll('tbody th[scope=row]').length, rows: table.tBodies[0].rows.length,
                    columns: [...table.querySelectorAll('thead th[scope=col]')].map(th => th.textContent.trim())};
        }""")
    finally:
        page.close()
    scores = found["scores"]
    assert len(scores) >= 3 * found["rows"] and all("n=" in score["text"] for score in scores), scores
    assert found["page"] <= found["width"] and found["box"][0] <= found["box"][1] + 1, found
    bad = [s for s in scores if s["lines"] > 1.3 or s["left"] < -0.5 or s["right"] < -0.5 or s["cut"]]
    assert not bad, bad
    assert found["rowHeaders"] == found["rows"] and "Scores" in found["columns"], found


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE, {"width": 800, "height": 900}, {"width": 1280, "height": 900}],
                         ids=["320", "375", "800", "1280"])
@pytest.mark.parametrize("path", ["journey/index.html", "index.html"], ids=["journey", "dashboard"])
def test_the_stage_cards_leave_no_blank_holes_and_keep_the_journeys_order(
        internal: Path, browser: Browser, viewport: dict[str, int], path: str) -> None:
    """The stage cards sat in a grid (two columns at 375 px, six at 1280 px) stretched to the tallest of their
    row: "Sign up" was 577 px tall around 336 px of figures, and "All stages" sat alone on its row. Every row of
    cards now spans the strip, no card ends more than a line above its row's tallest one, the cards read in the
    journey's order, and the page does not scroll sideways."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / path).as_uri())
        found = page.evaluate("""() => {
            const strip = document.querySelector('ol.strip'), box = strip.getBoundingClientRect();
            const cards = [...strip.children].map(card => {
                const r = card.getBoundingClientRect(), style = getComputedStyle(card);
                const content = Math.max(...[...card.children].map(c => c.getBoundingClientRect().bottom))
                                + parseFloat(style.paddingBottom) + parseFloat(style.borderBottomWidth);
                return {name: card.querySelector('h3').innerText, top: r.top, bottom: r.bottom, left: r.left,
                        right: r.right, content};
            });
            return {cards, left: box.left, right: box.right, page: document.documentElement.scrollWidth,
                    width: document.documentElement.clientWidth};
        }""")
    finally:
        page.close()
    cards = found["cards"]
    assert len(cards) >= 7 and found["page"] <= found["width"], found
    rows: dict[int, list[dict[str, float]]] = {}
    for card in cards:
        rows.setdefault(round(card["top"]), []).append(card)
    for row in rows.values():
        assert abs(row[0]["left"] - found["left"]) <= 2 and abs(row[-1]["right"] - found["right"]) <= 2, row
        lowest = max(card["bottom"] for card in row)
        holes = [(card["name"], lowest - card["content"]) for card in row if lowest - card["content"] > 24]
        assert not holes, holes
    order = [(round(card["top"]), card["left"]) for card in cards]
    assert order == sorted(order), order   # left to right, then top to bottom: Discover first, All stages last


# every ISO date shown as text (not in a command, a hidden box or a closed <details>): the lines it spans
BROKEN_DATES = r"""() => {
    const broken = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement.closest('pre, [hidden], details:not([open]) > :not(summary)')) continue;
        for (const found of node.data.matchAll(/\d{4}-\d{2}-\d{2}/g)) {
            const range = document.createRange();
            range.setStart(node, found.index);
            range.setEnd(node, found.index + found[0].length);
            const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top)));
            if (lines.size > 1) broken.push(found[0] + ' in "' + node.parentElement.textContent.trim().slice(0, 70) + '"');
        }
    }
    return broken;
}"""


@pytest.fixture(scope="module")
def internal_late(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example a month on: an overdue irritant, every open one unreviewed, a decision due — the agenda is full."""
    root = copy_example(tmp_path_factory.mktemp("late") / "repo")
    build(root, root.parent / "out", date(2026, 12, 20))
    return root.parent / "out" / "internal"


@pytest.mark.parametrize("viewport", [SMALLEST, {"width": 1280, "height": 800}], ids=["320", "1280"])
def test_no_date_breaks_at_its_hyphens_on_any_internal_page(
        internal_late: Path, browser: Browser, viewport: dict[str, int]) -> None:
    """"target 2027-01-" / "31" on the agenda, even at 1280 px, "2027-03-" / "31" on a board card and "before
    2026-04-" / "09" under an irritant's "Did it work?" chart on a phone: a date reads whole on one line."""
    page = browser.new_page(viewport=viewport)
    broken = {}
    try:
        pages = sorted(internal_late.rglob("*.html"))
        weeks = [path for path in pages if path.parent.parent.name == "digest"]
        for path in pages:
            if path in weeks[:-1]:   # some 50 weeks of one template: the newest stands for them
                continue
            page.goto(path.as_uri())
            if found := page.evaluate(BROKEN_DATES):
                broken[path.relative_to(internal_late).as_posix()] = found
    finally:
        page.close()
    assert not broken, broken


@pytest.mark.parametrize("viewport", [SMALLEST, PHONE], ids=["320", "375"])
def test_the_archive_reads_each_closed_irritant_whole_on_a_phone(
        internal: Path, browser: Browser, viewport: dict[str, int]) -> None:
    """"Done and declined" scrolled sideways at 375 px, its Closed and Open for columns off the screen: each month's
    table now stacks into cards as the dashboard's do, every row's closing date in view inside its box."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto((internal / "board" / "archive" / "index.html").as_uri())
        found = page.evaluate("""() => [...document.querySelectorAll('main .table-scroll')].map(box => {
            const table = box.querySelector('table'), outer = box.getBoundingClientRect();
            const closed = [...table.querySelectorAll('thead th')].findIndex(th => th.textContent.trim() === 'Closed');
            return {scroll: box.scrollWidth, width: box.clientWidth, closed,
                    rows: [...table.tBodies[0].rows].map(row => {
                        const cell = row.cells[closed], r = cell.getBoundingClientRect();
                        return {text: cell.innerText, shown: r.width > 1 && r.left >= outer.left - 0.5
                                && r.right <= Math.min(outer.right, document.documentElement.clientWidth) + 0.5};
                    })};
        })""")
    finally:
        page.close()
    assert len(found) >= 3, found
    for box in found:
        assert box["closed"] >= 0 and box["scroll"] <= box["width"] + 1, box   # nothing to scroll sideways to
        assert box["rows"] and all(row["shown"] for row in box["rows"]), box
        assert all(re.search(r"\b2026-\d\d-\d\d\b", str(row["text"])) for row in box["rows"]), box
