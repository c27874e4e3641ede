"""Extract every interface message from the templates and the code, and update the packaged catalogues.

    python scripts/messages.py          # add new messages to site_gen/locale/*.po, drop unused ones
    python scripts/messages.py --check  # exit 1 when a catalogue is out of date or lacks a translation

Messages are what templates pass to `_()`, `ngettext()` and `{% trans %}` (Jinja's own Babel extractor,
jinja2.ext.babel_extract) and what Python marks with `N_()`, `_()`, `gettext()` or `ngettext()`.
A new message arrives with an empty msgstr: write its French, German and Spanish, as a native speaker
would say it (tests/test_i18n.py fails, listing it, until every catalogue has it). English needs no
msgstr: an empty one shows the msgid. Locations are not written, so catalogues change only when the
words do (fewer merge conflicts).

A count and the word it counts never break across lines ("10" at the end of one, "irritants" on the next, on a
phone): between a number placeholder (`%(num)d`, `%(count)s`, `%(days)s` …, the search page's `{n}`) or a
written number and the word after it, the script writes a no-break space (U+00A0), in every catalogue — English
too, as an msgstr that is its msgid with that space — unless the word is one the number does not count ("3 of
10", "%(count)s pour X": NOT_COUNTED). `--check` names each count that has lost it. French's narrow no-break
spaces before ; : ? ! and inside « » are the translators' and stay as they are.
"""

from __future__ import annotations

import copy
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "site_gen" / "locale"
LANGUAGES = ("en", "fr", "de", "es")
JINJA = "jinja2.ext:babel_extract"
# The classic gettext plural rules: CLDR's newer ones add a form for millions (fr, es) that no sentence here needs
PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "fr": "nplurals=2; plural=(n > 1);",
                "de": "nplurals=2; plural=(n != 1);", "es": "nplurals=2; plural=(n != 1);"}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true",
                 "newstyle_gettext": "true"}


NO_BREAK = "\u00a0"
# A count and the word after it: a %-placeholder that holds a count (any %d; these names as %s), the search page's
# {n} (its script fills it in: "12 results"), or a written number with no sign or digit group before it (not −1,
# 18:00, 2026-11-18, A4), then one breaking space, then a word
COUNT = re.compile(r"(%\((?:\w+)\)d|%\((?:count|max|days|n|total)\)s|\{n\}|(?<![\w+\u2212.,:/%-])\d+)( )"
                   r"(?=([^\W\d_][\w’'-]*))")
# Words a count is followed by without counting them: prepositions, conjunctions, verbs, pronouns
NOT_COUNTED = {
    "en": frozenset({"of", "for", "in", "are", "is", "we", "we’re", "being", "before", "the", "a", "and", "or", "to"}),
    "fr": frozenset({"sur", "pour", "en", "au", "que", "à", "ou", "et", "de", "sont", "est"}),
    "de": frozenset({"von", "für", "in", "davor", "stehen", "und", "oder", "bis", "zu", "ist", "sind"}),
    "es": frozenset({"de", "para", "en", "que", "a", "o", "y", "están", "son", "es"}),
}


def sources() -> list[tuple[str, Path]]:
    """(method, file) for every template and Python module of the package."""
    found = [("python", path) for path in sorted((REPO / "site_gen").rglob("*.py"))]
    found += [(JINJA, path) for path in sorted((REPO / "templates").rglob("*.html"))]
    return found


def extract() -> Catalog:
    """Every message of the templates and the code, as a catalogue template (no translations)."""
    template = Catalog(project="site-gen", fuzzy=False)
    for method, path in sources():
        options = JINJA_OPTIONS if method == JINJA else {}
        for lineno, message, comments, context in extract_from_file(method, str(path), options=options,
                                                                   strip_comment_tags=True):
            template.add(message, None, [(str(path.relative_to(REPO)), lineno)], auto_comments=comments,
                         context=context)
    return template


def updated(language: str, template: Catalog) -> Catalog:
    path = LOCALE / f"{language}.po"
    if path.exists():
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project="site-gen", fuzzy=False)
    headers = [(k, v) for k, v in catalog.mime_headers if k.lower() != "plural-forms"]
    catalog.mime_headers = [*headers, ("Plural-Forms", PLURAL_FORMS.get(language, catalog.plural_forms))]
    catalog.header_comment = (f"# {language}: site-gen's interface text. Update with `python scripts/messages.py`;\n"
                              "# translate the empty msgstr lines as a native speaker would say them.")
    # a copy for each language: update() adds a new message as the template's own object, so the no-break space
    # English's pass writes into its msgstr (keep_counts_together) reached the next catalogue as a translation —
    # English on the French page, and --check saw nothing to translate
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    return catalog


def render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, no_location=True, omit_header=False, sort_output=True, ignore_obsolete=True,
             include_previous=False, width=120)
    return buffer.getvalue()


def _counted(match: re.Match[str], language: str) -> bool:
    return match[3].lower() not in NOT_COUNTED.get(language, frozenset())


def loose_counts(catalog: Catalog, language: str) -> list[tuple[str, str]]:
    """(msgid, "10 irritants") for each count a page could show on one line and its word on the next: what a
    catalogue says (English: its msgid where it has no msgstr) with a breaking space after a count."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        for text in _shown(message, language):
            out += [(_first(message.id), match[1] + " " + match[3]) for match in COUNT.finditer(text)
                    if _counted(match, language)]
    return out


def keep_counts_together(catalog: Catalog, language: str) -> None:
    """A no-break space after each count where the word after it is what it counts (loose_counts)."""
    def together(text: str) -> str:
        return COUNT.sub(lambda match: match[1] + (NO_BREAK if _counted(match, language) else " "), text)

    for message in catalog:
        if not message.id:
            continue
        shown = _shown(message, language)
        fixed = tuple(together(text) for text in shown)
        if fixed != shown:
            message.string = fixed[0] if isinstance(message.id, str) else fixed


def _shown(message: Message, language: str) -> tuple[str, ...]:
    """The text a page shows for a message: its msgstr (each plural form), or in English its msgid when the
    msgstr is empty."""
    strings = (message.string,) if isinstance(message.string, str | None) else tuple(message.string)
    if language == "en" and not any(strings):
        return (message.id,) if isinstance(message.id, str) else tuple(message.id)
    return tuple(text or "" for text in strings)


def _first(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def untranslated(catalog: Catalog) -> list[str]:
    """The msgids a catalogue has no translation for (every plural form counts), or only a fuzzy one: compiled
    catalogues leave fuzzy entries out, so the page shows the English (Babel marks a translation fuzzy when its
    message turns into plural forms)."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str | None) else list(message.string)
        if not all(strings) or message.fuzzy:
            out.append(_first(message.id))
    return out


def _stable(data: bytes) -> bytes:
    """The catalogue without its dates, which write_po refreshes on every run."""
    dated = (b'"POT-Creation-Date', b'"PO-Revision')
    return b"\n".join(line for line in data.split(b"\n") if not line.startswith(dated))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    template = extract()
    LOCALE.mkdir(exist_ok=True)
    status = 0
    for language in LANGUAGES:
        path = LOCALE / f"{language}.po"
        catalog = updated(language, template)
        loose = loose_counts(catalog, language)
        keep_counts_together(catalog, language)
        data = render(catalog)
        old = path.read_bytes() if path.exists() else b""
        if check:
            if _stable(old) != _stable(data):
                print(f"{path.relative_to(REPO)} is out of date: run python scripts/messages.py", file=sys.stderr)
                status = 1
        elif _stable(old) != _stable(data):
            path.write_bytes(data)
            print(f"updated {path.relative_to(REPO)}")
        if check:
            for msgid, count in loose:
                print(f"{path.relative_to(REPO)}: '{count}' may break across lines in {msgid!r}: write a no-break "
                      "space (U+00A0) between a count and its word, or run python scripts/messages.py", file=sys.stderr)
            status = 1 if loose else status
        missing = untranslated(catalog) if language != "en" else []
        if missing:
            print(f"{path.relative_to(REPO)}: {len(missing)} message(s) to translate", file=sys.stderr)
            status = 1 if check else status
    print(f"{len(template)} messages", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
