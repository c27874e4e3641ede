"""A team's templates/ shadows the default theme file by file, and can extend what it shadows."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner

from site_gen.build import build
from site_gen.check import check_repository
from site_gen.cli import main
from site_gen.errors import BuildRefused, ThemeError
from site_gen.publish.render import environment
from site_gen.sites import render_sites

from .conftest import TODAY


def test_a_team_template_shadows_the_default_and_can_extend_it(example: Path) -> None:
    (example / "templates/public").mkdir(parents=True)
    (example / "templates/public/story.html").write_text(
        '{% extends "default/story.html" %}{% block content %}<p class="team-banner">Team banner</p>'
        "{{ super() }}{% endblock %}", encoding="utf-8")
    site = render_sites(check_repository(example, TODAY), example, only="public")["public"]
    story = site["stories/2026-02-cancel-your-plan-in-the-app-any-time/index.html"].decode()
    assert '<p class="team-banner">Team banner</p>' in story
    assert "You can now cancel in the app in two taps" in story  # the default's content, via super()
    assert "team-banner" not in site["index.html"].decode()       # other pages keep the default


def test_a_team_stylesheet_replaces_the_default(example: Path) -> None:
    (example / "templates/common").mkdir(parents=True)
    (example / "templates/common/site.css").write_text("body { color: rebeccapurple; }\n", encoding="utf-8")
    sites = render_sites(check_repository(example, TODAY), example)
    assert sites["public"]["assets/site.css"] == b"body { color: rebeccapurple; }\n"
    assert sites["internal"]["assets/site.css"] == b"body { color: rebeccapurple; }\n"


def test_public_templates_cannot_see_internal_ones(example: Path) -> None:
    public = environment("public", example / "templates")
    with pytest.raises(jinja2.TemplateNotFound):
        public.get_template("dashboard.html")
    with pytest.raises(jinja2.TemplateNotFound):
        public.get_template("default/irritant.html")


def test_a_template_reaching_for_an_internal_field_fails_the_build(example: Path) -> None:
    (example / "templates/public").mkdir(parents=True)
    (example / "templates/public/story.html").write_text(
        '{% extends "default/story.html" %}{% block content %}{{ story.owner }}{% endblock %}', encoding="utf-8")
    with pytest.raises(ThemeError, match=r"templates/public/story.html:1: template error: .*owner"):
        build(example, example / "_site", TODAY)
    assert not (example / "_site").exists()
    outcome = CliRunner().invoke(main, ["build", str(example), "--today", "2026-11-23", "--out", str(example / "o")])
    assert outcome.exit_code == 1 and "Traceback" not in outcome.output
    assert "story.html:1: template error" in outcome.output


def test_build_still_refuses_errors_with_a_custom_theme(example: Path) -> None:
    (example / "templates/public").mkdir(parents=True)
    (example / "backlog/irritants/helmet-rental.yaml").write_text("title: [", encoding="utf-8")
    with pytest.raises(BuildRefused):
        build(example, example / "_site", TODAY)
