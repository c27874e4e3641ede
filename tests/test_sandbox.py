"""A team's templates come in by pull request: they render in a sandbox, so no template can run a command,
read a file or reach the build's own objects — each known escape fails the build with the template's file
and line, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from site_gen.cli import main

from .conftest import copy_example

# Each payload would create the file MARK if it could run a command.
ESCAPES = {
    "lipsum.__globals__": "{{ lipsum.__globals__.os.popen('touch MARK; cat feedback/*.csv').read() }}",
    "attr filter": "{{ (lipsum|attr('__globals__'))['os'].popen('touch MARK').read() }}",
    "__mro__ and __subclasses__": "{{ ().__class__.__mro__[1].__subclasses__() }}",
    "__subclasses__ via __base__": "{{ ''.__class__.__base__.__subclasses__() }}",
    "_TemplateReference__context": "{{ self._TemplateReference__context }}",
    "cycler.__init__.__globals__": "{{ cycler.__init__.__globals__.os.popen('touch MARK').read() }}",
    "joiner.__init__.__globals__": "{{ joiner.__init__.__globals__.os.popen('touch MARK').read() }}",
    "namespace.__init__.__globals__": "{{ namespace.__init__.__globals__.os.popen('touch MARK').read() }}",
    "str.format reaching attributes": "{{ '{0.__class__.__init__.__globals__}'.format(cycler) }}",
    "range abuse": "{{ range(10**12)|length }}",
    "list mutation": "{% set shown = [] %}{{ shown.append(story) }}",
    "dict mutation": "{{ palette.update({'accent': 'red'}) }}",
}


def team_story_template(root: Path, payload: str) -> None:
    """templates/public/story.html with the payload on line 3."""
    (root / "templates/public").mkdir(parents=True, exist_ok=True)
    (root / "templates/public/story.html").write_text(
        '{% extends "default/story.html" %}\n{% block content %}\n' + payload + "\n{{ super() }}{% endblock %}\n",
        encoding="utf-8")


def build(root: Path, *options: str):
    return CliRunner().invoke(main, ["build", str(root), "--today", "2026-11-23", "--out", str(root / "_site"),
                                     *options])


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_sandbox_escape_in_a_team_template_fails_the_build_with_its_file_and_line(escape: str,
                                                                                    tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    mark = tmp_path / "ran-a-command"
    team_story_template(root, ESCAPES[escape].replace("MARK", str(mark)))
    outcome = build(root)
    assert outcome.exit_code == 1, outcome.output
    assert f"{root}/templates/public/story.html:3: template error" in outcome.output
    assert "sandbox" in outcome.output and "Traceback" not in outcome.output
    assert not (root / "_site").exists()
    assert not mark.exists()


def test_a_python_error_in_a_template_expression_is_a_template_error_on_either_renderer(tmp_path: Path) -> None:
    """The public site renders in a forked process by default and in this one with --only public."""
    root = copy_example(tmp_path / "repo")
    team_story_template(root, "{{ range(200000)|length }}")
    for options in ((), ("--only", "public")):
        outcome = build(root, *options)
        assert outcome.exit_code == 1 and "Traceback" not in outcome.output
        assert "templates/public/story.html:3: template error: OverflowError: Range too big" in outcome.output
    team_story_template(root, "{{ story.title / 0 }}")
    outcome = build(root, "--only", "public")
    assert outcome.exit_code == 1 and "Traceback" not in outcome.output
    assert "templates/public/story.html:3: template error: TypeError" in outcome.output
    assert not (root / "_site").exists()


@pytest.mark.parametrize("link, target", [("templates/public/story.html", "../../feedback/surveys-and-reviews.csv"),
                                          ("templates/common/site.css", "../../feedback/surveys-and-reviews.csv"),
                                          ("templates/public", "../feedback")])
def test_a_team_template_that_is_a_symbolic_link_fails_the_build(link: str, target: str, tmp_path: Path) -> None:
    """A link in templates/ would otherwise publish any file the build can read, feedback rows included."""
    root = copy_example(tmp_path / "repo")
    (root / "templates/public").mkdir(parents=True)
    (root / "templates/common").mkdir(parents=True)
    if link == "templates/public":
        (root / "templates/public").rmdir()
        (root / "feedback/story.html").write_text("{{ 'feedback' }}", encoding="utf-8")
    (root / link).symlink_to(target)
    outcome = build(root)
    assert outcome.exit_code == 1, outcome.output
    assert "is a symbolic link" in outcome.output and "Traceback" not in outcome.output
    assert not (root / "_site").exists()


def test_the_default_theme_and_a_team_theme_within_the_sandbox_still_build(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    team_story_template(root, "{% set ns = namespace(count=0) %}{% for s in site.stories %}{% set ns.count = "
                        "ns.count + 1 %}{% endfor %}<p class='count'>{{ ns.count }} stories, {{ range(3)|list }}</p>")
    outcome = build(root)
    assert outcome.exit_code == 0, outcome.output
    assert "stories, [0, 1, 2]</p>" in next((root / "_site/public/stories").glob("*/index.html")).read_text("utf-8")


CALLS = """{% macro shout(word, times=1) %}{{ word | upper }}{{ "!" * times }}{% endmacro %}
{% macro wrap(word) %}[{{ caller(word) }}]{% endmacro %}
{{ _("Skip to content") }} {{ _("100%% of <b>%(who)s</b>", who="<i>you</i>") }} {{ _("a %% b") }}
{{ ngettext("%(num)d day ago", "%(num)d days ago", 3) }} {{ ngettext("one %(x)s", "%(num)d %(x)s", 1, x="<&>") }}
{% for word in ["a", "<b>"] %}{{ shout(word, times=loop.index) }}{% call(inner) wrap(word) %}-{{ inner }}-{% endcall %}
{{ word.upper() }} {{ "x,y".split(",") | join("|") }} {{ day.isoformat() }} {{ _("Main") }}{% endfor %}
{% autoescape false %}{{ _("<%(x)s>", x="<&>") }} {{ _("%%") }} {{ shout("<q>") }}{% endautoescape %}
{{ pgettext("c", "Skip to content") }} {{ pgettext("c", "<%(x)s> 100%%", x="<&>") }} {{ npgettext("c", "%(num)d day", "%(num)d days", 2) }}
{{ npgettext("c", "%(num)d %(x)s", "%(num)d %(x)ss", 1, x="<&>") }}{% autoescape false %} {{ npgettext("c", "<%(x)s>", "<%(x)s>", 2, x="<&>") }}{% endautoescape %}
{% trans count=2 %}{{ count }} row{% pluralize %}{{ count }} rows{% endtrans %} {% trans %}Hello <i>{{ day }}</i>{% endtrans %}
"""


def test_the_sandbox_calls_interface_text_macros_and_methods_as_jinjas_own_sandbox_does() -> None:
    """Calls the sandbox makes directly (_, ngettext, pgettext, npgettext, macros, built-in methods) give exactly
    what Jinja's own sandbox and i18n extension give, escaping and `%%` included, in and out of autoescape."""
    from datetime import date

    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from site_gen.i18n import language
    from site_gen.publish.render import environment

    ours = environment("public")
    stock = ImmutableSandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                          lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    stock.install_gettext_translations(language().translations, newstyle=True)  # type: ignore[attr-defined]
    page = {"day": date(2026, 11, 23)}
    for _ in range(2):  # the second time from what the first remembered
        assert ours.from_string(CALLS).render(page) == stock.from_string(CALLS).render(page)
