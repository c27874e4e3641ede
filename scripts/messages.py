"""Extract every interface message from the templates and the code, and update the packaged catalogues.

    python scripts/messages.py          # add new messages to site_gen/locale/*.po, drop unused ones
    python scripts/messages.py --check  # exit 1 when a catalogue is out of date or lacks a translation

Messages are what templates pass to `_()`, `ngettext()` and `{% trans %}` (Jinja's own Babel extractor,
jinja2.ext.babel_extract) and what Python marks with `N_()`, `_()`, `gettext()` or `ngettext()`.
A new message arrives with an empty msgstr: write its French, German and Spanish, as a native speaker
would say it (tests/test_i18n.py fails, listing it, until every catalogue has it). English needs no
msgstr: an empty one shows the msgid. Locations are not written, so catalogues change only when the
words do (fewer merge conflicts).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
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
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    return catalog


def render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, no_location=True, omit_header=False, sort_output=True, ignore_obsolete=True,
             include_previous=False, width=120)
    return buffer.getvalue()


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
            out.append(message.id if isinstance(message.id, str) else message.id[0])
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
        data = render(catalog)
        old = path.read_bytes() if path.exists() else b""
        if check:
            if _stable(old) != _stable(data):
                print(f"{path.relative_to(REPO)} is out of date: run python scripts/messages.py", file=sys.stderr)
                status = 1
        elif _stable(old) != _stable(data):
            path.write_bytes(data)
            print(f"updated {path.relative_to(REPO)}")
        missing = untranslated(catalog) if language != "en" else []
        if missing:
            print(f"{path.relative_to(REPO)}: {len(missing)} message(s) to translate", file=sys.stderr)
            status = 1 if check else status
    print(f"{len(template)} messages", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
