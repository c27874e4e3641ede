"""Plain words for every enum value, written in one place (labels.LABELS) and used by both sites."""

from __future__ import annotations

import enum
from pathlib import Path

import pytest

from site_gen import model
from site_gen.build import build
from site_gen.labels import LABELS, label
from site_gen.render import is_rtl

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


def test_no_raw_enum_value_is_shown_on_either_site(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, workers=1)
    board = (out / "internal/board/index.html").read_text("utf-8")
    assert ">Fix now</h2>" in board and ">act-now<" not in board
    assert "<h3>In progress <span" in board and "<h3>in-progress" not in board
    irritant = (out / "internal/irritants/cash-at-stations/index.html").read_text("utf-8")
    assert "<dd>Won’t do</dd>" in irritant and ">first-ride<" not in irritant and "<dd>declined</dd>" not in irritant
    working = (out / "public/working-on/index.html").read_text("utf-8")
    assert ">In progress</span>" in working and ">in-progress<" not in working


def test_the_views_import_no_renderer() -> None:
    """files → records → facts → views → render: a view (and the agenda and digest it uses) reads the labels from
    site_gen.labels, never from the renderer, so the views load without Jinja."""
    import subprocess
    import sys

    probe = ("import sys, site_gen.views.internal, site_gen.views.public; "
             "print(sorted(m for m in ('site_gen.render', 'jinja2') if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
