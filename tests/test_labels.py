"""Plain words for every enum value, written in one place (labels.LABELS) and used by both sites."""

from __future__ import annotations

import enum
from pathlib import Path

import pytest

from site_gen import model
from site_gen.build import build
from site_gen.i18n import language
from site_gen.labels import CUSTOMER_LABELS, LABELS, label
from site_gen.publish.render import is_rtl

from .conftest import TODAY, copy_example

ENUMS = [value for value in vars(model).values()
         if isinstance(value, type) and issubclass(value, enum.StrEnum) and value is not enum.StrEnum]


@pytest.mark.parametrize("kind", ENUMS, ids=lambda kind: kind.__name__)
def test_every_enum_value_has_plain_words(kind: type[enum.StrEnum]) -> None:
    missing = [member.value for member in kind if member.value not in LABELS]
    assert missing == [], f"{kind.__name__}: add a label for {missing} in site_gen/labels.py"


def test_labels_read_as_words_and_stages_are_humanized() -> None:
    assert label(model.Triage.ACT_NOW) == "Fix now"
    assert label("in-progress") == "In progress"
    assert label("first-ride") == "First ride"  # a journey stage: not an enum, humanized


def test_right_to_left_languages() -> None:
    assert [lang for lang in ("ar", "he", "fa", "ur", "ar-EG", "en", "fr", "zh-Hant") if is_rtl(lang)] == [
        "ar", "he", "fa", "ur", "ar-EG"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both sites of the example, built once for the module."""
    tmp = tmp_path_factory.mktemp("labels")
    build(copy_example(tmp / "repo"), tmp / "out", TODAY, workers=1)
    return tmp / "out"


def test_no_raw_enum_value_is_shown_on_either_site(out: Path) -> None:
    board = (out / "internal/board/index.html").read_text("utf-8")
    assert ">Fix now</h2>" in board and ">act-now<" not in board
    assert "<h3>In progress <span" in board and "<h3>in-progress" not in board
    irritant = (out / "internal/irritants/cash-at-stations/index.html").read_text("utf-8")
    assert "<dd>Won’t do</dd>" in irritant and ">first-ride<" not in irritant and "<dd>declined</dd>" not in irritant
    working = (out / "public/working-on/index.html").read_text("utf-8")
    assert ">In progress</span>" in working and ">in-progress<" not in working


# The example's battery-range-wrong: triage plan, status open, public.
OPEN_ITEM = "the-battery-range-shown-in-the-app-is-not-reliable"


def test_an_open_irritant_is_not_started_to_the_team_and_planned_to_its_customers(out: Path) -> None:
    """Triage `plan` and status `open` both read "Planned": an irritant's page said "Triage: Planned / Status:
    Planned" and the board had a "Planned" column under its "Planned" heading. To the team an open irritant is
    "Not started"; to a customer it stays "Planned", the promise beside its target month."""
    irritant = (out / "internal/irritants/battery-range-wrong/index.html").read_text("utf-8")
    assert "<dt>Triage</dt><dd>Planned</dd>\n  <dt>Status</dt><dd>Not started</dd>" in irritant
    board = (out / "internal/board/index.html").read_text("utf-8")
    assert '<section aria-label="Planned — Not started"><h3>Not started <span' in board
    assert "<h3>Planned" not in board and ">Planned</h2>" in board
    for listing in ("index.html", "teams/app/index.html", "stages/first-ride/index.html"):  # dashboard, team, stage
        page = (out / "internal" / listing).read_text("utf-8")
        assert '<td data-label="Status">Not started</td>' in page and 'data-label="Status">Planned' not in page

    item = (out / f"public/items/{OPEN_ITEM}/index.html").read_text("utf-8")
    assert '<span class="pill ">Planned</span>' in item        # the pill
    assert ": Planned, expected by February 2027." in item      # the page's description
    # its history of changes (and its feed) says "Planned" too: tests/test_addresses.py, which gives it a git history
    working = (out / "public/working-on/index.html").read_text("utf-8")
    assert working.count('<span class="pill ">Planned</span>') == 2   # battery range and morning bikes
    public = [path for path in (out / "public").rglob("*") if path.is_file() and path.suffix in (".html", ".xml",
                                                                                                 ".json")]
    assert [path.name for path in public if "Not started" in path.read_text("utf-8")] == []


@pytest.mark.parametrize(("tag", "team", "customers"), [
    ("en", "Not started", "Planned"), ("fr", "Pas commencé", "Prévu"), ("de", "Nicht begonnen", "Geplant"),
    ("es", "Sin empezar", "Previsto")])
def test_an_open_irritant_reads_in_each_language(tag: str, team: str, customers: str) -> None:
    words = language(tag)
    assert label("open", words.gettext) == team
    assert label("open", words.gettext, customer=True) == customers
    assert label("plan", words.gettext) == label("plan", words.gettext, customer=True) == customers


def test_a_customer_word_replaces_a_label_the_team_reads() -> None:
    """CUSTOMER_LABELS only words differently what LABELS already words: a value no site shows needs no customer
    word, and one worded alike would be the same word written twice."""
    assert set(CUSTOMER_LABELS) <= set(LABELS)
    assert [value for value, words in CUSTOMER_LABELS.items() if LABELS[value] == words] == []
    assert label("in-progress", customer=True) == label("in-progress") == "In progress"
    assert label("first-ride", customer=True) == "First ride"


def test_the_views_import_no_renderer() -> None:
    """files → records → facts → views → render: a view (and the agenda and digest it uses) reads the labels from
    site_gen.labels, never from the renderer, so the views load without Jinja."""
    import subprocess
    import sys

    probe = ("import sys, site_gen.views.internal, site_gen.views.public; "
             "print(sorted(m for m in ('site_gen.publish.render', 'jinja2') if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
