"""Any language: both sites and the notify messages are written in the language site.yaml picks."""

from __future__ import annotations

import html
import importlib.util
import io
import os
import re
from datetime import UTC, date, datetime
from email.headerregistry import Address
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from site_gen.build import build
from site_gen.cli import main
from site_gen.i18n import Language, Locales, packaged_catalog
from site_gen.i18n import language as language_of
from site_gen.model import Audience, SeriesPoint
from site_gen.notify.message import StoryWords, compose
from site_gen.publish.charts import line_chart
from site_gen.sites import render_sites

from .conftest import REPO, TODAY, copy_example, edit, found, line_of, run_check

TRANSLATED = ("fr", "de", "es")


@cache
def messages_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("messages_script", REPO / "scripts" / "messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _msgid(message: object) -> str:
    value = message.id  # type: ignore[attr-defined]
    return value if isinstance(value, str) else value[0]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_the_templates_and_code_is_translated(language: str) -> None:
    """A template or code change that adds text without its translations fails here, listing the msgids:
    run `python scripts/messages.py`, then write the new msgstr lines."""
    script = messages_script()
    extracted = script.extract()
    catalog = packaged_catalog(language)
    translated = {_msgid(m) for m in catalog if m.id and _msgid(m) not in script.untranslated(catalog)}
    missing = sorted(_msgid(m) for m in extracted if m.id and _msgid(m) not in translated)
    assert missing == [], f"site_gen/locale/{language}.po lacks: {missing}"


def test_a_fuzzy_translation_counts_as_missing() -> None:
    """Babel marks a translation fuzzy when its message becomes plural; the build leaves fuzzy entries out, so
    the check of the catalogues must not take them as translated."""
    from babel.messages.pofile import read_po
    po = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
          '#, fuzzy\nmsgid "%(count)s decision due"\nmsgid_plural "%(count)s decisions due"\n'
          'msgstr[0] "%(count)s décisions à réexaminer"\nmsgstr[1] "%(count)s décisions à réexaminer"\n\n'
          'msgid "Praise"\nmsgstr "Compliment"\n')
    catalog = read_po(io.StringIO(po), locale="fr")
    assert messages_script().untranslated(catalog) == ["%(count)s decision due"]


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_no_count_breaks_from_the_word_it_counts(language: str) -> None:
    """On a phone, "10" ended one line and "irritants" began the next: every count a catalogue writes before the
    word it counts has a no-break space after it ("%(num)d\u00a0irritants", "15–20\u00a0minutes"), English too
    (an msgstr that is its msgid with that space); "3 of 10", "%(count)s pour %(name)s" keep a plain one."""
    catalog = packaged_catalog(language)
    assert messages_script().loose_counts(catalog, language) == []
    shown = {_msgid(m): m.string for m in catalog if m.id}
    assert shown["%(num)d open irritant"][1] == {"en": "%(num)d\u00a0open irritants", "fr": "%(num)d\u00a0irritants ouverts",
                                                 "de": "%(num)d\u00a0offene Ärgernisse",
                                                 "es": "%(num)d\u00a0molestias abiertas"}[language]
    assert " %(count)s " in shown["%(num)d open of %(allowed)s; %(count)s for %(name)s."][1]


@pytest.mark.parametrize(("language", "results"), [("en", "{n}\u00a0results for"), ("fr", "{n}\u00a0résultats pour"),
                                                   ("de", "{n}\u00a0Treffer für"), ("es", "{n}\u00a0resultados para")])
def test_the_searchs_count_of_results_keeps_its_word(language: str, results: str) -> None:
    """The search page's status ("12 results for “helmet”.", its script puts the count for {n}) could end a phone's
    line with "12" and begin the next with "results": the rule knew %-placeholders and written numbers only."""
    shown = {_msgid(m): m.string for m in packaged_catalog(language) if m.id}
    assert shown["{n} results for “{query}”."].startswith(results)
    script = messages_script()
    from babel.messages.pofile import read_po
    loose = read_po(io.StringIO('msgid "{n} results for “{query}”."\nmsgstr ""\n'), locale="en")
    assert [count for _, count in script.loose_counts(loose, "en")] == ["{n} results"]


def test_a_new_count_without_its_no_break_space_is_named_and_given_one() -> None:
    """`scripts/messages.py --check` names a new entry whose count could end a line ("12 clients" written with a
    plain space, in French or in an English msgid), and `scripts/messages.py` writes the no-break space in:
    a word the count does not count ("sur", "of") keeps its plain space, so does text that is no count."""
    from babel.messages.pofile import read_po
    header = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
              '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n')
    entries = ('msgid "%(num)d customer"\nmsgid_plural "%(num)d customers"\nmsgstr[0] "%(num)d client"\n'
               'msgstr[1] "%(num)d clients"\n\nmsgid "%(count)s of %(num)d rows"\nmsgstr "%(count)s sur %(num)d lignes"\n\n'
               'msgid "Opens at 18:00 on 2026-11-18, A4 pages"\nmsgstr "Ouvre à 18:00 le 2026-11-18, pages A4"\n')
    script = messages_script()
    french = read_po(io.StringIO(header + entries), locale="fr")
    assert script.loose_counts(french, "fr") == [("%(num)d customer", "%(num)d client"),
                                                 ("%(num)d customer", "%(num)d clients"),
                                                 ("%(count)s of %(num)d rows", "%(num)d lignes")]
    script.keep_counts_together(french, "fr")
    assert [m.string for m in french if m.id] == [("%(num)d\u00a0client", "%(num)d\u00a0clients"),
                                                  "%(count)s sur %(num)d\u00a0lignes",
                                                  "Ouvre à 18:00 le 2026-11-18, pages A4"]
    english = read_po(io.StringIO(header + re.sub(r'msgstr(\[\d\])? "[^"]*"', r'msgstr\1 ""', entries)), locale="en")
    assert [count for _, count in script.loose_counts(english, "en")] == ["%(num)d customer", "%(num)d customers",
                                                                          "%(num)d rows"]
    script.keep_counts_together(english, "en")
    assert [m.string for m in english if m.id] == [("%(num)d\u00a0customer", "%(num)d\u00a0customers"),
                                                   "%(count)s of %(num)d\u00a0rows", ""]


def test_a_new_count_stays_to_translate_in_every_language_after_englishs_no_break_space() -> None:
    """A new counted message came out of `scripts/messages.py` with its English, no-break space and all, as the
    French, German and Spanish msgstr: English's pass wrote that space into the message object Babel had shared
    with the next catalogue, so the pages showed English and --check found nothing to translate."""
    from babel.messages.catalog import Catalog
    script = messages_script()
    template = Catalog(project="site-gen", fuzzy=False)
    template.add(("%(num)d new widget", "%(num)d new widgets"))
    template.add("%(num)d widget to translate")
    english = script.updated("en", template)
    script.keep_counts_together(english, "en")
    assert english.get("%(num)d widget to translate").string == "%(num)d\u00a0widget to translate"
    for language in TRANSLATED:
        catalog = script.updated(language, template)
        assert {"%(num)d new widget", "%(num)d widget to translate"} <= set(script.untranslated(catalog)), language


def _set_languages(root: Path, language: str) -> None:
    edit(root / "site.yaml", "  language: en\n", f"  language: {language}\n")
    edit(root / "site.yaml", "internal:\n", f"internal:\n  language: {language}\n")


def _visible(page: str) -> str:
    """The text a reader meets: text nodes and the attributes read aloud or shown (aria-label, alt, title)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    said = " ".join(re.findall(r'\b(?:aria-label|alt|title|placeholder)="([^"]*)"', page))
    text = re.sub(r"<[^>]+>", "\n", page)
    return html.unescape(text + "\n" + said)


def _own_lines(text: str) -> set[str]:
    """Each line of the backlog's files as a reader would see it: without `key:`, quotes, `#` or `-` marks."""
    out = set()
    for line in text.split("\n"):
        line = re.sub(r"^[\s#>*-]*(?:[a-z_]+:\s*)?", "", line).strip().strip("\"'")
        out.add(line)
    return out


def _english_left(language: str, pages: dict[str, str], own_words: str = "") -> list[tuple[str, str]]:
    """(page, English interface text) wherever a msgid whose translation differs is still shown.

    A plain msgid must not be a whole line of text; a msgid with placeholders or markup must not leave any of
    its literal pieces of 12 characters or more. The backlog's own words (`own_words`: its files' text) stay
    as written: an English msgid that is also the team's own text (public.title "You said, we did", a
    "## Decision" heading in a decision's body) is not looked for.
    """
    catalog = packaged_catalog(language)
    own = _own_lines(own_words)
    whole, pieces = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for english in ids:
            if english in strings or english in own:
                continue  # the same word in both languages (NPS, Chat, Total), or the team's own
            if re.search(r"%\(|<|\{", english):
                pieces |= {p.strip() for p in re.split(r"%\(\w+\)[sd]|<[^>]+>|\{\w+\}", english)
                           if len(p.strip()) >= 12 and not any(p.strip() in string for string in strings)}
            else:
                whole.add(english)
    left = []
    for name, page in pages.items():
        text = _visible(page)
        lines = {line.strip() for line in text.split("\n")}
        left += [(name, english) for english in sorted(whole & lines)]
        left += [(name, piece) for piece in sorted(pieces) if piece in text]
    return left


MONTH = {"fr": "Novembre 2026", "de": "November 2026", "es": "Noviembre de 2026"}
DAY = {"fr": "18 novembre 2026", "de": "18. November 2026", "es": "18 de noviembre de 2026"}
TITLE = {"fr": "Réunion hebdomadaire sur les clients — 25 novembre 2026",
         "de": "Wöchentliche Kundenrunde — 25. November 2026",
         "es": "Reunión semanal sobre los clientes — 25 de noviembre de 2026"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_example_builds_in_each_language_with_no_english_interface_text_left(tmp_path: Path,
                                                                                language: str) -> None:
    root = copy_example(tmp_path / "repo")
    _set_languages(root, language)
    build(root, tmp_path / "out", TODAY, workers=1)
    pages = {str(path.relative_to(tmp_path / "out")): path.read_text(encoding="utf-8")
             for path in sorted((tmp_path / "out").rglob("*.html")) if "pagefind" not in path.parts}
    assert len(pages) > 100
    own_words = "\n".join(path.read_text(encoding="utf-8") for path in sorted(root.rglob("*"))
                          if path.is_file() and path.suffix in (".yaml", ".md", ".csv"))
    assert _english_left(language, pages, own_words) == []
    for name, page in pages.items():
        assert f'<html lang="{language}"' in page, name
    home = _visible(pages["public/index.html"])
    assert MONTH[language] in home and DAY[language] in home
    assert "November 2026" not in home or language == "de"  # the English month heading


def test_the_digest_charts_and_verdicts_follow_the_internal_language(tmp_path: Path) -> None:
    """What Python draws or writes for the internal site — the weekly digest (page and feed), the metric
    charts, "Did it work?" — is in internal.language, with Babel's month names and digits."""
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "internal:\n", "internal:\n  language: de\n")
    site = render_sites(run_check(root), root, only="internal", workers=1)["internal"]
    week = site["digest/2026-W47/index.html"].decode()
    assert "Stimme der Kunden, Woche vom 16. bis 22. November 2026" in week
    assert "<strong>Nach Etappe</strong>" in week and "<strong>Was geärgert hat</strong>" in week
    feed = site["digest/feed.xml"].decode()
    assert "<title>Stimme der Kunden, Woche vom 16. bis 22. November 2026</title>" in feed
    dashboard = site["index.html"].decode()
    chart = dashboard[dashboard.index('<svg class="chart line-chart'):]
    chart = chart[:chart.index("</figure>")]
    assert ">Nov. 2026*</text>" in chart and "Entscheidungslinie: 12, eine Veränderung um 10 in die falsche Richtung" in chart
    assert "Von 24 (Nov. 2025) auf 15 (Nov. 2026)" in chart   # Babel's month names; NPS in whole points
    effort = dashboard[dashboard.index('aria-labelledby="metric-effort-chart-title'):]
    assert "Von 2,62 (Nov. 2025) auf 2,40 (Nov. 2026)" in effort   # CES: a decimal comma, two decimals
    assert "Entscheidungslinie: 3,59, eine Veränderung um 0,30 in die falsche Richtung" in effort
    assert "In den 8\u00a0Wochen nach der Behebung 100\u00a0% weniger Beschwerden" in dashboard
    irritant = site["irritants/double-charge-after-failed-ride/index.html"].decode()
    assert "<title id=\"effect-title\">Verknüpfte Beschwerden pro Woche, vor und nach der Behebung</title>" in irritant
    assert ">abgeschlossen am 2026-08-28</text>" in irritant and "(2,4 pro Woche)" in irritant


def test_site_gen_digest_writes_the_chat_message_in_the_internal_language(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "internal:\n", "internal:\n  language: fr\n")
    outcome = CliRunner().invoke(main, ["digest", str(root), "--week", "2026-11-16"], catch_exceptions=False)
    assert outcome.exit_code == 0
    assert outcome.stdout.startswith("**La voix des clients, semaine du 16 au 22 novembre 2026** — Kestrel")
    assert "**Par étape du parcours**" in outcome.stdout and "complaint" not in outcome.stdout
    # a quote's score as the sites label it ("NPS 2", "CSAT 2", as the heat strip), never the raw field value "csat 2"
    assert ", CSAT 2 (" in outcome.stdout and not re.search(r", (nps|ces|csat) \d", outcome.stdout)


def test_the_check_finds_english_left_on_a_page() -> None:
    """The test above can fail: an English label on a French page is found."""
    page = '<html lang="fr"><body><a href="#content">Skip to content</a><p>Tous les changements</p></body></html>'
    assert _english_left("fr", {"index.html": page}) == [("index.html", "Skip to content")]


def test_an_unknown_language_is_an_error_at_its_line_listing_the_available_ones(example: Path) -> None:
    edit(example / "site.yaml", "  language: en\n", "  language: it\n")
    result = run_check(example)
    line = line_of(example / "site.yaml", "language: it")
    assert ("site.yaml", line, "language-unknown") in found(result)
    problem = next(d for d in result.diagnostics if d.rule == "language-unknown")
    assert "available: de, en, es, fr" in problem.hint


def test_a_regional_tag_uses_its_language_catalogue(example: Path) -> None:
    edit(example / "site.yaml", "  language: en\n", "  language: fr-CA\n")
    assert [f for f in found(run_check(example)) if f[2] == "language-unknown"] == []


def test_a_team_catalogue_overrides_one_message_and_adds_a_language(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    _set_languages(root, "fr")
    (root / "locale").mkdir()
    (root / "locale" / "fr.po").write_text('msgid "Skip to content"\nmsgstr "Passer au contenu"\n', encoding="utf-8")
    build(root, tmp_path / "out", TODAY, workers=1)
    home = (tmp_path / "out" / "public" / "index.html").read_text(encoding="utf-8")
    assert "Passer au contenu" in home and "Aller au contenu" not in home
    assert "Ce sur quoi nous travaillons" in (tmp_path / "out/public/working-on/index.html").read_text("utf-8")

    (root / "locale" / "it.po").write_text('msgid "Skip to content"\nmsgstr "Vai al contenuto"\n', encoding="utf-8")
    edit(root / "site.yaml", "  language: fr\n", "  language: it\n")
    build(root, tmp_path / "out", TODAY, workers=1)
    home = (tmp_path / "out" / "public" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="it"' in home and "Vai al contenuto" in home
    assert "Novembre 2026" in home  # Babel knows Italian months, though the catalogue has one entry


def test_a_team_catalogue_overrides_a_message_of_one_context_alone(tmp_path: Path) -> None:
    """An entry with a msgctxt replaces that use of the word only: the heading over every praise theme, not each
    row's kind "Praise" (its catalogue entries were read without their context, and replaced the rows' word)."""
    root = copy_example(tmp_path / "repo")
    _set_languages(root, "fr")
    (root / "locale").mkdir()
    (root / "locale" / "fr.po").write_text('msgctxt "heading over every praise theme"\nmsgid "Praise"\n'
                                           'msgstr "Éloges"\n', encoding="utf-8")
    inbox = render_sites(run_check(root, date(2026, 12, 20)), root, workers=1)["internal"]["feedback/index.html"]
    page = inbox.decode()
    assert '<h2 id="praise-heading">Éloges</h2>' in page
    kinds = set(re.findall(r'<td data-label="[^"]*">([^<]*)</td><td class="text">', page))
    assert "Compliment" in kinds and "Éloges" not in kinds


def test_a_broken_team_catalogue_is_a_located_error(example: Path) -> None:
    (example / "locale").mkdir()
    (example / "locale" / "fr.po").write_text('msgid "Skip to content"\nmsgstr "Passer\n\nmsgid "x"\n',
                                              encoding="utf-8")
    rules = [(path, rule) for path, line, rule in found(run_check(example))]
    assert ("locale/fr.po", "locale") in rules


def test_a_team_catalogue_behind_a_symbolic_link_is_refused(example: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.po"
    outside.write_text('msgid "Skip to content"\nmsgstr "Passer au contenu"\n', encoding="utf-8")
    (example / "locale").mkdir()
    os.symlink(outside, example / "locale" / "fr.po")
    assert ("locale/fr.po", 1, "locale") in found(run_check(example))


WORDS = StoryWords("Un trajet ne peut plus être facturé deux fois", "J’ai été facturé deux fois.",
                   "Chaque trajet est facturé une seule fois.", None, "https://example.org/changes/stories/x/")


def test_a_notify_message_is_written_in_french() -> None:
    message = compose(WORDS, Address("Camille", addr_spec="camille@example.org"),
                      Address("Kestrel", addr_spec="noreply@example.org"), "Kestrel Cycle Share", "fr",
                      datetime(2026, 11, 26, tzinfo=UTC), "Camille", Locales())
    assert message["Subject"] == "Vous nous l’avez dit, nous l’avons changé\u00a0: Un trajet ne peut plus être facturé deux fois"
    assert message["Content-Language"] == "fr"
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert plain.startswith("Bonjour Camille,")
    assert "Voici ce que nous avons changé\u00a0:" in plain
    assert "Here is" not in plain


# --- the weekly agenda: its page and the markdown of `site-gen agenda` ----------------------------

def _fragments(text: str) -> set[str]:
    """The phrases a reader meets: runs of two words or more between punctuation, markup and link targets."""
    text = re.sub(r"\]\([^)]*\)", "]", text)   # a markdown link's target is an address, not words
    parts = re.split(r"[\[\]()*_>#|—–·:;,.?!“”\"‘’«»„…/\n]+|\s-\s|^\s*-\s", text, flags=re.M)
    return {" ".join(part.split()) for part in parts if len(re.findall(r"[A-Za-z]{2,}", part)) >= 2}


def _english_kept(english: str, translated: str, language: str, own_words: str) -> list[str]:
    """The phrases of the English agenda still shown, word for word, in its translation.

    Independent of the catalogue, so English that is no catalogue entry at all (a sentence built in Python) is
    found: a phrase is allowed only when it is the team's own (its files' text, IDs read as words) or the
    translation itself says it (a msgstr that contains it: "NPS", "site-gen notify").
    """
    own = " ".join(own_words.replace("-", " ").replace("_", " ").lower().split())
    said = " ".join(str(part) for message in packaged_catalog(language) if message.id
                    for part in (message.string if isinstance(message.string, tuple) else (message.string,)))
    return sorted(phrase for phrase in _fragments(english) & _fragments(translated)
                  if " ".join(phrase.replace("-", " ").lower().split()) not in own and phrase not in said)


def _agenda_outputs(root: Path) -> tuple[str, str, str]:
    """The agenda as `site-gen agenda` prints it (markdown, html) and as the internal site's page."""
    printed = [CliRunner().invoke(main, ["agenda", str(root), "--date", "2026-11-25", *extra],
                                  catch_exceptions=False) for extra in ((), ("--format", "html"))]
    assert all(outcome.exit_code == 0 for outcome in printed)
    site = render_sites(run_check(root, date(2026, 11, 25)), root, only="internal", workers=1)["internal"]
    return printed[0].stdout, _visible(printed[1].stdout), _visible(site["agenda/index.html"].decode())


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_agenda_page_and_markdown_leave_no_english_in_each_language(tmp_path: Path, language: str) -> None:
    """Every section has items (an irritant late, one unreviewed, one due this week; a decision due; a story
    going out; risk signals; themes; new feedback), worded in internal.language on the page and in the markdown."""
    root = copy_example(tmp_path / "repo")
    irritants = root / "backlog" / "irritants"
    edit(irritants / "unlock-fails-in-background.yaml", "target: 2026-12-15", "target: 2026-11-20")
    edit(irritants / "battery-range-wrong.yaml", "target: 2027-02-15", "target: 2026-11-28")
    edit(root / "backlog" / "decisions" / "november-metrics-review.md", "review_on: 2026-12-15", "review_on: 2026-11-20")
    edit(root / "backlog" / "stories" / "price-screen-test.md", "date: 2026-11-20", "date: 2026-11-27")
    english = _agenda_outputs(root)
    own_words = "\n".join(path.read_text(encoding="utf-8") for path in sorted(root.rglob("*"))
                          if path.is_file() and path.suffix in (".yaml", ".md", ".csv"))
    edit(root / "site.yaml", "internal:\n", f"internal:\n  language: {language}\n")
    translated = _agenda_outputs(root)
    for name, before, after in zip(("markdown", "html", "page"), english, translated, strict=True):
        assert _english_kept(before, after, language, own_words) == [], name
    markdown, _, page = translated
    assert _english_left(language, {"agenda.md": markdown, "agenda/index.html": page}, own_words) == []
    assert markdown.startswith(f"# {TITLE[language]}\n")


PERCENT = re.compile(r"\d([ \u00a0\u202f]?)%")


def test_a_percentage_is_written_one_way_in_each_language(tmp_path: Path) -> None:
    """Shares (complaint share, CSAT, "Did it work?", a recurrence, a metric in %) are written by one formatter:
    44% in English, 44 % with a narrow no-break space in French, Babel's no-break space in German."""
    spaces = {}
    for language in ("en", "fr", "de"):
        root = copy_example(tmp_path / language)
        _set_languages(root, language)
        site = render_sites(run_check(root), root, only="internal", workers=1)["internal"]
        # the team's own words ("20% off a helmet", "from 71% to 94%") are written as the team wrote them
        found = [m.group(1) for name in ("index.html", "journey/index.html", "stages/payment/index.html",
                                         "irritants/signup-id-check-loop/index.html")
                 for m in PERCENT.finditer(_visible(site[name].decode()).replace("20% off", "")
                                           .replace("71% to 94%", ""))]
        assert len(found) > 20, language
        spaces[language] = set(found)
    assert spaces == {"en": {""}, "fr": {"\u202f"}, "de": {"\u00a0"}}


def _board_ledes(tmp_path: Path, language: str, max_open: int = 10) -> dict[str, str]:
    """Each board page's lede (all, one per team, owner, stage and segment) as its reader sees it, its no-break
    spaces kept; max_open: the example's limit (rules.max_open) in its place."""
    root = copy_example(tmp_path / f"{language}-{max_open}")
    edit(root / "site.yaml", "  max_open: 10\n", f"  max_open: {max_open}\n")
    if language != "en":
        _set_languages(root, language)
    site = render_sites(run_check(root), root, only="internal", workers=1)["internal"]
    return {name: re.sub(r"[ \n]+", " ", _visible(re.search(r'<p class="lede">(.*?)</p>', data.decode(), re.S)[1])).strip()
            for name, data in site.items() if re.fullmatch(r"board/(?:\w+/[\w-]+/)?index\.html", name)}


def test_the_boards_lede_is_punctuated_as_each_language_writes_it(tmp_path: Path) -> None:
    """A filtered board read "7 ouverts sur 10 autorisés; 3 pour App.": the ";" was the template's, glued on in
    every language. The lede's counts are one message per case, so French puts its narrow no-break space before
    ";", and English reads exactly as before."""
    english = _board_ledes(tmp_path, "en")
    assert english["board/index.html"] == ("7\u00a0open of 10\u00a0allowed. By triage, then status; earliest target first. "
                                           "Done and declined")
    assert english["board/team/app/index.html"] == ("7\u00a0open of 10\u00a0allowed; 3 for App. By triage, then status; "
                                                    "earliest target first. Done and declined")
    assert english["board/segment/commuter/index.html"] == (
        "7\u00a0open of 10\u00a0allowed; 7 for the commuter segment. By triage, then status; most commuter customers first. "
        "Done and declined")
    french = _board_ledes(tmp_path, "fr")
    assert len(french) == len(english) > 10
    assert french["board/team/app/index.html"].startswith("7\u00a0ouverts sur 10\u00a0autorisés\u202f; 3 pour App. ")
    assert french["board/segment/commuter/index.html"].startswith(
        "7\u00a0ouverts sur 10\u00a0autorisés\u202f; 7 pour le segment commuter. ")   # the team's own word
    for name, lede in french.items():
        assert lede.count(";") == lede.count("\u202f;") > 0, (name, lede)   # its "par statut ;" too


@pytest.mark.parametrize(("language", "one", "ten"), [
    ("en", "7\u00a0open of 1\u00a0allowed.", "7\u00a0open of 10\u00a0allowed."),
    ("fr", "7\u00a0ouverts sur 1\u00a0autorisé.", "7\u00a0ouverts sur 10\u00a0autorisés."),
    ("de", "Offen: 7 von höchstens 1.", "Offen: 7 von höchstens 10."),
    ("es", "7\u00a0abiertas de 1\u00a0permitida.", "7\u00a0abiertas de 10\u00a0permitidas.")])
def test_the_boards_limit_agrees_with_its_own_count(tmp_path: Path, language: str, one: str, ten: str) -> None:
    """With a limit of 1 (rules.max_open) the French board read "7 ouverts sur 1 autorisés" and the Spanish
    "7 abiertas de 1 permitidas": the sentence's plural followed the open count alone. The limit is a count of its
    own now, so "autorisé" agrees with 1 and "ouverts" with 7, on every board page."""
    for max_open, lede in ((1, one), (10, ten)):
        ledes = _board_ledes(tmp_path, language, max_open)
        assert ledes["board/index.html"].startswith(lede + " "), ledes["board/index.html"]
        assert all(text.startswith(lede[:-1]) for text in ledes.values()), ledes


def test_french_never_breaks_a_line_before_its_high_punctuation() -> None:
    """Ten French messages had a plain space before ";" or ":" ("Étape du parcours : Paiement" on every public item,
    "(plus haut, c’est mieux) : …" in the risk list): a line could begin with the mark. Each has a no-break space
    (narrow before ; ? !, as the catalogue writes them) — markup, addresses and placeholders aside."""
    glued = []
    for message in list(packaged_catalog("fr"))[1:]:   # after the catalogue's header
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            prose = re.sub(r"<[^>]+>|https?://\S+|%\(\w+\)[sd]", "X", text or "")
            glued += [(message.id, prose) for _ in re.finditer(r"(?<![\u202f\u00a0])[;:?!]", prose)]
    assert glued == []


def test_the_boards_filter_names_are_punctuated_as_each_language_writes_them(tmp_path: Path) -> None:
    """"Équipe:", "Responsable:", "Étape:": the board's filter names took the template's colon in every language."""
    names = {}
    for language in ("en", "fr"):
        root = copy_example(tmp_path / language)
        if language != "en":
            _set_languages(root, language)
        board = render_sites(run_check(root), root, only="internal", workers=1)["internal"]["board/index.html"]
        names[language] = re.findall(r'<span class="filter-group"><span class="muted">([^<]*)</span>', board.decode())
    assert names == {"en": ["Team:", "Owner:", "Stage:", "Segment:"],
                     "fr": ["Équipe\u00a0:", "Responsable\u00a0:", "Étape\u00a0:", "Segment\u00a0:"]}


def test_the_french_agenda_puts_a_space_before_the_colon_after_a_target(example: Path) -> None:
    """"échéance 2027-01-15 :" as French writes it, in the markdown for the chat and in the printable page; the
    English agenda reads as before ("target 2027-01-15:")."""
    def agenda(*options: str) -> str:
        result = CliRunner().invoke(main, ["agenda", str(example), "--date", "2026-11-25", *options],
                                    catch_exceptions=False)
        assert result.exit_code == 0
        return result.stdout

    assert "Leila Haddad, target 2027-01-15: not reviewed" in agenda()
    edit(example / "site.yaml", "internal:\n", "internal:\n  language: fr\n")
    assert "Leila Haddad, échéance 2027-01-15\u00a0: " in agenda()
    page = agenda("--format", "html")
    assert re.search(r"Leila Haddad, échéance <span[^>]*>2027-01-15</span>\u00a0:", page), page


# --- French punctuation on the internal site: a no-break space before ; : ? ! -----------------------------------

def _glued_marks(text: str, own: str) -> list[str]:
    """Each ; : ? ! of the visible text with no no-break space before it (a line could begin with it), with the few
    characters before it on its line — but the team's own words, written as the team wrote them (`own`, its files'
    text, spaces made single), addresses, commands to copy and times (18:00)."""
    text = re.sub(r"\S+://\S+", " ", text)
    found = []
    for mark in re.finditer(r"(?<![\u202f\u00a0])[;:?!]", text):
        before = re.search(r"[^\n]{0,12}$", text[:mark.start()])
        said = " ".join((before.group() if before else "").split()) + mark.group()
        if not re.match(r"\d", text[mark.end():mark.end() + 1]) and (len(said) < 2 or said not in own):
            found.append(said)
    return found


def _french_own_words(root: Path) -> str:
    return " ".join(" ".join(path.read_text(encoding="utf-8").split()) for path in sorted(root.rglob("*"))
                    if path.is_file() and path.suffix in (".yaml", ".md", ".csv"))


def test_every_french_internal_page_puts_a_no_break_space_before_the_high_punctuation_it_writes(
        tmp_path: Path) -> None:
    """"En hausse: 12 sur les 3 derniers mois" on the unlinked inbox, "2 irritants ouverts:" on the dashboard,
    "CES 2,62 (n=7); CSAT …" on an irritant's page: a ";" or ":" the template or the code glued on, in every
    language. Each page of the French internal site (the agenda's markdown too) now writes what French writes, a
    no-break space before ; : ? ! — the team's own English words (titles, verbatims) stay as they were written."""
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "internal:\n", "internal:\n  language: fr\n")
    own = _french_own_words(root)
    site = render_sites(run_check(root, date(2026, 12, 20)), root, only=Audience.INTERNAL, workers=1)["internal"]
    glued = {}
    for name, data in site.items():
        if name.endswith(".html"):
            page = re.sub(r"<(pre|code)\b.*?</\1>", " ", data.decode(), flags=re.S)   # a command is copied as is
            if found := _glued_marks(_visible(page), own):
                glued[name] = found
    for day in ("2026-11-25", "2026-12-20"):
        printed = CliRunner().invoke(main, ["agenda", str(root), "--date", day], catch_exceptions=False).stdout
        if found := _glued_marks(re.sub(r"\]\([^)]*\)", "]", printed), own):
            glued[f"agenda {day}"] = found
    assert len(site) > 100
    assert glued == {}


def test_the_agenda_separates_its_clauses_as_each_language_punctuates_them(example: Path) -> None:
    """An irritant's reasons ("5 jours de retard; non revu depuis 33 jours") and the irritants covering a risk were
    joined with "; " in code, glued on in French: the catalogue's separator now puts French's narrow no-break space
    before the semicolon, in the markdown and on the page; a stage's new rows take the colon's; English reads as
    before."""
    def agenda(day: str, *options: str) -> str:
        outcome = CliRunner().invoke(main, ["agenda", str(example), "--date", day, *options], catch_exceptions=False)
        assert outcome.exit_code == 0
        return outcome.stdout

    covered = "Battery range shown in the app is optimistic{}; Bluetooth unlock times out when the app is backgrounded"
    assert "5\u00a0days late; not reviewed for 33\u00a0days (every 14)." in agenda("2026-12-20")
    assert f"covered by {covered.format('')}." in agenda("2026-11-25")
    assert "[Payment](https://intranet.example.org/backlog/stages/payment/index.html): 10 (" in agenda("2026-11-25")
    edit(example / "site.yaml", "internal:\n", "internal:\n  language: fr\n")
    assert "5\u00a0jours de retard\u202f; non revu depuis 33\u00a0jours (tous les 14)." in agenda("2026-12-20")
    french = agenda("2026-11-25")
    assert f"irritants qui s’en occupent\u00a0: {covered.format(chr(0x202f))}." in french
    assert "[Payment](https://intranet.example.org/backlog/stages/payment/index.html)\u00a0: 10 (" in french
    page = agenda("2026-11-25", "--format", "html")
    assert f"irritants qui s’en occupent\u00a0: {covered.format(chr(0x202f))}." in page
    assert re.search(r">Payment</a>\u00a0: 10 \(", page), page


def test_a_charts_decisions_are_told_apart_as_french_punctuates_them() -> None:
    """A metric chart's description, read aloud, named its decisions "D1 : … (oct. 2026); D2 : …", the semicolon
    glued on in every language: French now reads a narrow no-break space before it, English as before."""
    points = (SeriesPoint("2026-09", 3.0), SeriesPoint("2026-10", 3.5), SeriesPoint("2026-11", 3.1))
    decisions = (("2026-10", "Pause win-back e-mails"), ("2026-11", "Restart them"))

    def description(words: Language) -> str:
        chart = str(line_chart(points, "Churn", decisions=decisions, gettext=words.gettext,
                               month_label=words.short_month, number=words.number))
        said = re.search(r"<desc[^>]*>(.*?)</desc>", chart, re.S)
        assert said, chart
        return html.unescape(said[1])

    assert "D1: Pause win-back e-mails (Oct 2026); D2: Restart them (Nov 2026)." in description(language_of("en"))
    assert "D1\u00a0: Pause win-back e-mails (oct. 2026)\u202f; D2\u00a0: Restart them (nov. 2026)." in description(
        language_of("fr"))


def test_the_dashboard_and_the_heat_strip_count_and_write_figures_as_each_language_does(tmp_path: Path) -> None:
    """The French dashboard read "1 décisions à réexaminer" and its heat strip "▼ −2.33 mieux", a decimal point in
    a French page (the trend was formatted by Python, not Babel); the count now picks the plural form, the figures
    the language's digits, and English reads as before."""
    def dashboard(language: str) -> tuple[str, list[str]]:
        root = copy_example(tmp_path / language)
        edit(root / "site.yaml", "internal:\n", f"internal:\n  language: {language}\n")
        site = render_sites(run_check(root, date(2026, 12, 20)), root, only=Audience.INTERNAL, workers=1)["internal"]
        page = site["index.html"].decode()
        return page, re.findall(r'<span class="nowrap">([▲▼=] [^<]*)</span>', site["journey/index.html"].decode())

    english, english_trends = dashboard("en")
    assert "<b>1</b>decision due for review" in english and "<b>7</b>not reviewed in 14\u00a0days" in english
    assert "▼ −2.33" in english_trends and "= +0.00" in english_trends and "▼ −36\u00a0pts" in english_trends
    french, french_trends = dashboard("fr")
    assert "<b>1</b>décision à réexaminer" in french and "<b>7</b>non revus depuis 14\u00a0jours" in french
    assert "▼ −2,33" in french_trends and "= +0,00" in french_trends and "▼ −36\u00a0pts" in french_trends
    # a change of one point is one point ("+1 pts" before), and French counts none as one too ("+0 pt")
    assert "▲ +1\u00a0pt" in english_trends and "▲ +0\u00a0pts" in english_trends
    assert "▲ +1\u00a0pt" in french_trends and "▲ +0\u00a0pt" in french_trends
    assert not [trend for trend in french_trends if re.search(r"\d\.\d", trend)], french_trends


# --- a count and the words beside it agree: number, gender and a heading over many -------------------------------

def _sites(tmp_path: Path, language: str, today: date) -> dict[str, dict[str, str]]:
    """Both sites of the example, in one language on both, as of `today`: {site: {page: its visible text}}."""
    root = copy_example(tmp_path / f"{language}-{today}")
    _set_languages(root, language)
    built = render_sites(run_check(root, today), root, workers=1)
    return {name: {page: data.decode() for page, data in site.items() if page.endswith(".html")}
            for name, site in built.items()}


STAT = re.compile(r'href="#overdue"><b>(\d+)</b>([^<]*)</a>')
PILL = re.compile(r'<span class="pill bad">([^<]*)</span>')


@pytest.mark.parametrize(("language", "one", "many"), [("en", "overdue", "overdue"), ("fr", "en retard", "en retard"),
                                                        ("de", "überfällig", "überfällig"),
                                                        ("es", "vencida", "vencidas")])
def test_the_dashboards_overdue_figure_agrees_with_its_count(tmp_path: Path, language: str, one: str,
                                                              many: str) -> None:
    """The Spanish dashboard read "6 vencida" as of 2027-03-01: the figure shared the msgid "overdue" with the pill
    on one irritant's row. The figure is a plural message of its own (a message context tells it apart), so Spanish
    writes "vencidas" — a "molestia", feminine — beside 6 and "vencida" beside 1, while the pill on each
    overdue irritant keeps its singular."""
    for today, count, said in ((date(2026, 12, 20), 1, one), (date(2027, 3, 1), 6, many)):
        dashboard = _sites(tmp_path, language, today)["internal"]["index.html"]
        [(number, words)] = STAT.findall(dashboard)
        assert int(number) == count
        assert words == said
        if language != "en":
            assert one in PILL.findall(dashboard[dashboard.index('<section id="overdue">'):])


PRAISE_HEADING = {"en": "Praise", "fr": "Compliments", "de": "Lob", "es": "Elogios"}
PRAISE_ROW = {"en": "Praise", "fr": "Compliment", "de": "Lob", "es": "Elogio"}
NOT_IN_A_THEME = {
    "en": "Not in a theme: 2\u00a0rows said only once or with no words to group by (such as “👍”), "
          "0\u00a0rows without a verbatim.",
    "fr": "Hors thème\u00a0: 2\u00a0remontées isolées ou sans mots à regrouper (comme «\u00a0👍\u00a0»), "
          "0\u00a0remontée sans verbatim.",
    "de": "Ohne Thema: 2\u00a0nur einmal genannte Rückmeldungen oder solche ohne Wörter zum Gruppieren (wie „👍“), "
          "0\u00a0Rückmeldungen ohne Wortlaut.",
    "es": "Fuera de un tema: 2\u00a0comentarios dichos una sola vez o sin palabras que agrupar (como «👍»), "
          "0\u00a0comentarios sin texto literal.",
}
ONE_MORE = {"en": "and 1\u00a0more", "fr": "et 1\u00a0autre", "de": "und 1\u00a0weitere", "es": "y 1\u00a0más"}


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_unlinked_feedback_and_the_risk_rows_count_as_each_language_does(tmp_path: Path, language: str) -> None:
    """The unlinked-feedback page headed its praise themes "Compliment (18)" in French and "Elogio (18)" in
    Spanish — the singular label of one row, beside "Réclamations (5)"; it now heads them in the plural (German's
    "Lob" is both) while each row keeps its singular kind. Its note on the rows in no theme read
    "0 remontées sans verbatim" (French counts 0 in the singular): each count is a plural message now. A risk
    signal's rows read "et 1 autres": "et 1 autre"."""
    internal = _sites(tmp_path, language, date(2026, 12, 20))["internal"]
    inbox = internal["feedback/index.html"]
    assert f'<a href="#praise">{PRAISE_HEADING[language]}</a> <span class="muted">(18)</span>' in inbox
    assert f'<h2 id="praise-heading">{PRAISE_HEADING[language]}</h2>' in inbox
    kinds = set(re.findall(r'<td data-label="[^"]*">([^<]*)</td><td class="text">', inbox))
    assert PRAISE_ROW[language] in kinds and PRAISE_HEADING[language] not in kinds - {PRAISE_ROW[language]}
    assert NOT_IN_A_THEME[language] in html.unescape(inbox)
    more = re.findall(r'<p class="muted">([^<]*\d[^<]*)</p></details>', internal["journey/index.html"])
    assert ONE_MORE[language] in more and len(more) > 3, more


def test_spanish_words_an_irritant_in_the_feminine_and_french_elides_nothing_before_a_month(tmp_path: Path) -> None:
    """The Spanish site calls an irritant "molestia", feminine, yet an irritant's page read "abierto durante 30
    días" and "Resuelto hace 81 días", and a segment's board "primero los que afectan…": each agrees with
    "molestia" now. The French story page linked "Les autres changements de octobre 2026" (French writes
    "d’octobre"): "en octobre 2026" needs no elision before any month."""
    spanish = _sites(tmp_path, "es", date(2026, 12, 20))["internal"]
    closed = _visible(spanish["irritants/double-charge-after-failed-ride/index.html"])
    assert re.search(r"\(abierta durante \d+\u00a0días\)", closed) and "abierto" not in closed
    assert "Resuelta hace 81\u00a0días; ninguna historia" in _visible(spanish["irritants/seat-clamp-stuck/index.html"])
    assert "primero las que afectan a más clientes del segmento commuter." in _visible(
        spanish["board/segment/commuter/index.html"])
    public = _sites(tmp_path, "fr", date(2026, 12, 20))["public"]
    assert "Les autres changements en octobre 2026" in public[
        "stories/2026-10-no-unlock-fee-when-a-bike-doesnt-unlock/index.html"]
    assert "Les autres changements en avril 2026" in public[
        "stories/2026-04-sign-up-no-longer-sends-you-back-to-the-start/index.html"]
    assert not [page for page in public.values() if re.search(r"\bde (?:avril|août|octobre)\b", _visible(page))]


COVERED = ("Battery range shown in the app is optimistic{}; Bluetooth unlock times out when the app is backgrounded",
           "Deposit refunds take up to 14 days")
COVER_WORDS = {"es": ("molestias que se ocupan de ello: ", "molestia que se ocupa de ello: ", ""),
               "fr": ("irritants qui s’en occupent\u00a0: ", "irritant qui s’en occupe\u00a0: ", "\u202f")}


@pytest.mark.parametrize("language", ["es", "fr"])
def test_the_irritants_covering_a_risk_are_named_in_words_that_fit_every_risk(example: Path, language: str) -> None:
    """The Spanish agenda said a risk was "cubierto por" its irritants, and French "pris en charge par", a
    masculine singular participle, whatever it qualified: a metric, a score or a complaint share ("la proporción de
    quejas", "la part des réclamations"), covered by one irritant or two. The agenda and the journey map now name
    the irritants counted and without a gender: "molestias que se ocupan de ello", "irritant qui s’en occupe"."""
    edit(example / "site.yaml", "internal:\n", f"internal:\n  language: {language}\n")
    outcome = CliRunner().invoke(main, ["agenda", str(example), "--date", "2026-11-25"], catch_exceptions=False)
    assert outcome.exit_code == 0
    two, one, gap = COVER_WORDS[language]
    assert f"; {two}{COVERED[0].format(gap)}." in outcome.stdout
    assert f"; {one}{COVERED[1]}." in outcome.stdout
    journey = _visible(render_sites(run_check(example, date(2026, 11, 25)), example, only="internal",
                                    workers=1)["internal"]["journey/index.html"].decode())
    assert one[:1].upper() + one[1:].rstrip() in journey
    said = outcome.stdout + journey
    assert not re.search(r"(?i)cubiert|no lo cubre|pris en charge|ne le prend", said), said


@pytest.mark.parametrize(("language", "no_irritant", "no_decision"), [("en", "None.", "None."),
                                                                       ("fr", "Aucun.", "Aucune."),
                                                                       ("de", "Keines.", "Keine."),
                                                                       ("es", "Ninguna.", "Ninguna.")])
def test_an_empty_list_says_none_in_the_gender_of_what_it_lists(example: Path, language: str, no_irritant: str,
                                                                 no_decision: str) -> None:
    """The French dashboard read "Décisions à réexaminer — Aucun." and the Spanish "Vencidas — Ninguno.": one
    "None." for every empty list, masculine. Each list says it of its own kind now (an irritant, a decision, a
    story), so "Aucune." under the decisions and "Ninguna." under a "molestia"'s list."""
    edit(example / "site.yaml", "internal:\n", f"internal:\n  language: {language}\n")
    dashboard = render_sites(run_check(example, date(2026, 11, 25)), example, only="internal",
                             workers=1)["internal"]["index.html"].decode()
    overdue = dashboard[dashboard.index('<section id="overdue">'):]
    decisions = dashboard[dashboard.index('<section id="decisions-due">'):]
    assert re.search(r'<p class="muted">([^<]*)</p>', overdue)[1] == no_irritant     # type: ignore[index]
    assert re.search(r'<p class="muted">([^<]*)</p>', decisions)[1] == no_decision   # type: ignore[index]
