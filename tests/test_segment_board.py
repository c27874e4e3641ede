"""The board's segment filter: "which of our open irritants hurt commuters most?"

An irritant counts for a segment by its distinct customers of that segment: the segment's page keeps the open
irritants with at least one, orders each column by how many, most first, and says so on each card.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from site_gen.build import build
from site_gen.check import check_repository
from site_gen.facts import IrritantFacts
from site_gen.i18n import language
from site_gen.sites import render_sites

from .conftest import browser  # noqa: F401 - the Chromium fixture

TODAY = date(2026, 11, 23)
SITE = """organisation: Segments
journey_stages: [discover, first-ride]
teams: [app, ops]
segments: [commuter, tourist, business]
rules: {max_open: 10, review_every_days: 14}
"""
HEADER = "id,date,source,customer,segment,journey_stage,kind,verbatim,irritant"
# (irritant, customer, segment): a customer met twice counts once; a row without a customer or without a segment
# counts for no segment, though a customer without a segment is one of the irritant's customers
ROWS = (
    ("unlock-timeout", "C-1", "commuter"), ("unlock-timeout", "C-1", "commuter"), ("unlock-timeout", "C-2", "commuter"),
    ("unlock-timeout", "C-3", "tourist"), ("unlock-timeout", "C-4", ""), ("unlock-timeout", "", "commuter"),
    ("empty-stations", "C-5", "commuter"), ("empty-stations", "C-6", "commuter"), ("empty-stations", "C-7", "commuter"),
    ("empty-stations", "C-5", "tourist"),   # a customer whose rows name two segments counts for both
    ("day-pass", "C-8", "tourist"), ("day-pass", "C-9", "business"), ("day-pass", "", "commuter"),
    ("helmet-rental", "C-10", "commuter"),   # done: not on the board
)


def _irritant(title: str, stage: str, status: str, target: date) -> str:
    closed = f"\nclosed: {(TODAY - timedelta(days=3)).isoformat()}" if status == "done" else ""
    return (f"title: {title}\njourney_stage: {stage}\nteam: app\nowner: Maya Okafor\ncause: A cause.\n"
            f"triage: act-now\nstatus: {status}\nopened: 2026-10-01\ntarget: {target.isoformat()}\n"
            f"reviewed: {(TODAY - timedelta(days=2)).isoformat()}{closed}\n")


def write_backlog(root: Path) -> Path:
    """Three open irritants in one column, latest first: unlock-timeout (due in 5 days), empty-stations (in 40),
    day-pass (in 60); empty-stations has the most commuters, day-pass none."""
    irritants = root / "backlog" / "irritants"
    irritants.mkdir(parents=True)
    (root / "feedback").mkdir()
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    for key, title, stage, status, days in (
            ("unlock-timeout", "Unlock times out", "first-ride", "in-progress", 5),
            ("empty-stations", "Empty stations at rush hour", "discover", "in-progress", 40),
            ("day-pass", "Day pass is confusing", "discover", "in-progress", 60),
            ("helmet-rental", "No helmets to rent", "first-ride", "done", -10)):
        (irritants / f"{key}.yaml").write_text(_irritant(title, stage, status, TODAY + timedelta(days=days)),
                                               encoding="utf-8")
    lines = [HEADER] + [f"F-{n:02d},2026-11-{n % 20 + 1:02d},ticket,{customer},{segment},first-ride,complaint,"
                        f"It failed again,{irritant}" for n, (irritant, customer, segment) in enumerate(ROWS)]
    (root / "feedback" / "tickets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _half_in_parquet(root: Path) -> None:
    """Every other row moved to a Parquet batch (DuckDB counts those): C-1's two rows end up one in each."""
    export = root / "feedback" / "tickets.csv"
    lines = export.read_text(encoding="utf-8").splitlines()
    export.write_text("\n".join([lines[0], *lines[1::2]]) + "\n", encoding="utf-8")
    stored = root / "stored.csv"
    stored.write_text("\n".join([lines[0], *lines[2::2]]) + "\n", encoding="utf-8")
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{stored}', header=true, all_varchar=true)) "
               f"TO '{root / 'feedback' / 'stored.parquet'}' (FORMAT parquet)")
    stored.unlink()


def _by_segment(facts: IrritantFacts) -> list[tuple[str, int, int]]:
    """(segment, its distinct customers, all the irritant's) per segment, as the facts order them."""
    return [(reach.segment, reach.customers, reach.of) for reach in facts.evidence.segments]


@pytest.mark.parametrize("stored", [False, True], ids=["csv", "half-in-parquet"])
def test_an_irritant_counts_each_segment_by_its_distinct_customers(tmp_path: Path, stored: bool) -> None:
    root = write_backlog(tmp_path / "repo")
    if stored:
        _half_in_parquet(root)
    result = check_repository(root, TODAY)
    assert result.errors == 0, result.diagnostics
    assert (result.backlog.stored_feedback is not None) == stored
    facts = result.facts.irritants
    assert facts["unlock-timeout"].evidence.customers == 4
    assert _by_segment(facts["unlock-timeout"]) == [("commuter", 2, 4), ("tourist", 1, 4)]
    assert _by_segment(facts["empty-stations"]) == [("commuter", 3, 3), ("tourist", 1, 3)]
    assert _by_segment(facts["day-pass"]) == [("business", 1, 2), ("tourist", 1, 2)]
    reach = facts["unlock-timeout"].reach("commuter")
    assert reach is not None and reach.share == 50.0
    assert facts["day-pass"].reach("commuter") is None   # its only commuter row names no customer


def _main(html: str) -> str:
    return html.split('<main id="content"', 1)[1].split("</main>", 1)[0]


def _cards(html: str) -> list[tuple[str, str]]:
    """(irritant ID, its segment line or "") of each card, in page order."""
    return [(key, re.sub(r"\s+", " ", reach or "").strip())
            for key, reach in re.findall(r'<div class="card"[^>]*>\s*<a href="[^"]*irritants/([a-z-]+)/index.html"'
                                         r'.*?(?:<p class="reach">(.*?)</p>)?\s*</div>', _main(html), re.S)]


def test_a_segment_board_keeps_the_irritants_of_its_customers_most_first(tmp_path: Path) -> None:
    root = write_backlog(tmp_path / "repo")
    pages = render_sites(check_repository(root, TODAY), root, only="internal", workers=1)["internal"]
    board = pages["board/index.html"].decode()
    commuter = pages["board/segment/commuter/index.html"].decode()
    # the whole board: latest first, no segment counts
    assert _cards(board) == [("unlock-timeout", ""), ("empty-stations", ""), ("day-pass", "")]
    # commuters: most commuters first; day-pass has none (its commuter row has no customer) and is not shown
    assert _cards(commuter) == [("empty-stations", "Commuter: 3 of 3 customers (100%)"),
                                ("unlock-timeout", "Commuter: 2 of 4 customers (50%)")]
    # inside the sentence the segment is written as a sentence writes it; the cards' lines start with it
    assert "; 2 for the commuter segment. By triage, then status; most commuter customers first." in \
        " ".join(_main(commuter).split())
    assert _cards(pages["board/segment/business/index.html"].decode()) == [
        ("day-pass", "Business: 1 of 2 customers (50%)")]
    # each segment's option says how many open irritants it has, on every board page
    for html in (board, commuter):
        options = re.findall(r'board/segment/([a-z]+)/index.html"[^>]*>\w+ <span class="muted">(\d+)</span>', html)
        assert options == [("commuter", "2"), ("tourist", "3"), ("business", "1")]


def test_choosing_a_segment_in_chromium_shows_its_page(tmp_path: Path, browser) -> None:  # noqa: F811
    """With JavaScript, the segment link leads to the segment's page (its order and counts), not an in-place
    filter of the whole board; an address kept from the in-place filter leads there too."""
    root = write_backlog(tmp_path / "repo")
    build(root, tmp_path / "out", TODAY)
    board = tmp_path / "out" / "internal" / "board" / "index.html"
    errors: list[str] = []
    for width, scheme in ((320, "light"), (1280, "dark")):
        page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(board.as_uri())
        assert page.locator(".board-page .card:visible").count() == 3
        page.click("nav.filters a[href$='segment/commuter/index.html']")
        page.wait_for_url("**/board/segment/commuter/index.html", timeout=5_000)
        cards = page.locator(".board-page .card:visible")
        assert cards.locator("a").all_inner_texts() == ["Empty stations at rush hour", "Unlock times out"]
        assert cards.locator(".reach").all_inner_texts() == ["Commuter: 3 of 3\u00a0customers (100%)",
                                                             "Commuter: 2 of 4\u00a0customers (50%)"]
        assert page.locator("nav.filters a[aria-current=page]").inner_text() == "Commuter 2"
        page.close()
    page = browser.new_page()
    page.goto(board.as_uri() + "#segment:business")
    page.wait_for_url("**/board/segment/business/index.html", timeout=5_000)
    assert page.locator(".board-page .card a").all_inner_texts() == ["Day pass is confusing"]
    page.close()
    assert errors == []


def test_a_segment_inside_a_sentence_keeps_its_capital_only_where_the_language_does() -> None:
    assert [language(tag).in_sentence("Commuter") for tag in ("en", "fr", "es", "de", "de-CH")] == \
        ["commuter", "commuter", "commuter", "Commuter", "Commuter"]
    assert language("en").in_sentence("Fleet accounts") == "fleet accounts"
