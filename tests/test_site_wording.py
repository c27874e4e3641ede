"""The internal site writes one thing one way: segment and score names, signed numbers, months and days, small
samples, as the heat strip and the charts write them (a screenshot review's paper cuts)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from site_gen.build import render_sites
from site_gen.check import check_repository
from site_gen.digest import digest_body, weekly_digest
from site_gen.i18n import language

from .conftest import copy_example

TODAY = date(2026, 11, 26)
MINUS = "\u2212"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The example's internal site as of 2026-11-26: path -> HTML."""
    root = copy_example(tmp_path_factory.mktemp("wording") / "repo")
    pages = render_sites(check_repository(root, TODAY), root, "internal")["internal"]
    return {path: bytes(data).decode("utf-8") for path, data in pages.items() if path.endswith(".html")}


def text(html: str) -> str:
    """A page's words, tags dropped, white space folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


SEGMENTS = ("commuter", "tourist", "business")


def test_sample_verbatims_name_segments_and_scores_as_the_heat_strip_does(site: dict[str, str]) -> None:
    words = text(site["irritants/day-pass-confusing/index.html"])
    assert re.search(r"· (Commuter|Tourist|Business)\b", words)
    assert not re.search(r"· (commuter|tourist|business)\b", words)
    assert re.search(r"· (NPS|CES|CSAT) \d+", words)
    assert not re.search(r"· (nps|ces|csat) \d+", words)


def test_the_before_after_table_names_segments_as_the_matrix_does(site: dict[str, str]) -> None:
    html = site["irritants/double-charge-after-failed-ride/index.html"]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert {"Commuter", "Tourist", "Business"} & set(rows)
    assert not set(SEGMENTS) & set(rows)


def test_the_agenda_quotes_name_segments_as_the_site_does(site: dict[str, str]) -> None:
    words = text(site["agenda/index.html"])
    assert re.search(r"· (Commuter|Tourist|Business) ·", words)
    assert not re.search(r"· (commuter|tourist|business) ·", words)


def test_the_digest_names_segments_and_scores_and_writes_a_minus_sign(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    result = check_repository(root, TODAY)
    backlog = result.backlog
    assert backlog is not None
    body = digest_body(weekly_digest(backlog.feedback, backlog.config.journey_stages, date(2026, 11, 16)),
                       language())
    quoted = [line for line in body.splitlines() if line.startswith("> —")]
    assert quoted and all(re.search(r", (Commuter|Tourist|Business), (NPS|CES|CSAT) \d+ \(", line)
                          for line in quoted if re.search(r"\d+ \(", line)), quoted
    assert "Satisfaction" not in body and "commuter" not in body
    assert f"({MINUS}3 on the week before)" in body
    assert not re.search(r"\(-\d", body)


def test_the_dashboard_writes_a_fall_with_a_minus_sign(site: dict[str, str]) -> None:
    words = text(site["index.html"])
    assert f"last change {MINUS}0.2%" in words
    assert "last change -" not in words
