"""The languages both sites and the notify messages are written in.

Interface text is English in the templates and the code (`{{ _("…") }}`, `N_("…")`) and is translated
by gettext catalogues: the packaged ones (site_gen/locale/<language>.po: en, fr, de, es), each of which a
team can extend or override with its own `locale/<language>.po` at the repository's root (its entries win;
a language only the team has becomes available too). Catalogues are compiled in memory at build time with
Babel, so the .po files are the only source. Dates, month names and numbers are formatted by Babel (CLDR)
for the language's locale.

A team's catalogues are read without following symbolic links, like its templates, and a broken one
is a located error (rule `locale`), never a traceback.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

PACKAGED = Path(__file__).resolve().parent / "locale"
TEAM_FOLDER = "locale"          # a team's catalogues: locale/<language>.po at the repository's root
DEFAULT = "en"
# Languages that write every noun with a capital, a name inside a sentence too: "im Segment Commuter"
CAPITALISED_NOUNS = frozenset({"de", "lb"})

MsgId = str | tuple[str, str]            # a message, or a (singular, plural) pair
MsgStr = str | tuple[str, ...]           # its translation, or one per plural form


def N_(message: str) -> str:  # noqa: N802  # gettext's name for "mark for extraction, translate later"
    """Marks text for the catalogues where it is written; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class TeamCatalogue:
    """A team's locale/<language>.po, read at load time: its translated entries, nothing else."""

    language: str
    path: str                                   # relative to the repository, e.g. locale/fr.po
    messages: tuple[tuple[MsgId, MsgStr, str | None], ...]   # (msgid, msgstr, msgctxt)
    plural_forms: str | None                    # its Plural-Forms header, for a language Babel does not know


@dataclass(frozen=True, slots=True)
class Locales:
    """The catalogues a repository can use: the packaged ones and the team's own."""

    team: tuple[TeamCatalogue, ...] = ()

    @property
    def available(self) -> tuple[str, ...]:
        return tuple(sorted(set(packaged_languages()) | {catalogue.language for catalogue in self.team}))

    def catalogue_for(self, tag: str) -> str | None:
        """The catalogue a language tag uses: itself (fr, pt-BR), else its primary subtag (fr-CA -> fr)."""
        available = self.available
        wanted = normal(tag)
        if wanted in available:
            return wanted
        primary = wanted.split("-")[0]
        return primary if primary in available else None


def normal(tag: str) -> str:
    """pt_BR, PT-br -> pt-br: catalogue names are compared this way."""
    return tag.strip().replace("_", "-").lower()


@cache
def packaged_languages() -> tuple[str, ...]:
    return tuple(sorted(normal(path.stem) for path in PACKAGED.glob("*.po")))


def packaged_catalog(language: str) -> Catalog:
    """A packaged catalogue as Babel reads it (scripts/messages.py and the tests use it too)."""
    with open(PACKAGED / f"{language}.po", "rb") as handle:
        return read_po(handle, locale=_babel_tag(language))


@cache
def translations(language: str, locales: Locales = Locales()) -> gettext.GNUTranslations:  # noqa: B008
    """The compiled catalogue of a language: the packaged one, then the team's entries over it."""
    team = next((c for c in locales.team if c.language == language), None)
    if language in packaged_languages():
        catalog = packaged_catalog(language)
    else:
        catalog = Catalog(locale=_babel_tag(language) if _known(language) else None)
    if team is not None:
        if team.plural_forms and language not in packaged_languages():
            catalog.mime_headers = [*catalog.mime_headers, ("Plural-Forms", team.plural_forms)]
        for msgid, msgstr, context in team.messages:
            catalog.delete(msgid, context=context)  # add() would keep the packaged msgstr of one it already has
            catalog.add(msgid, msgstr, context=context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _babel_tag(language: str) -> str:
    return language.replace("-", "_")


def _known(language: str) -> bool:
    try:
        Locale.parse(_babel_tag(language))
    except (UnknownLocaleError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Language:
    """One interface language: its gettext and Babel's formats for its locale.

    `tag` is what site.yaml says (the pages' lang attribute); `catalogue` the catalogue it uses.
    """

    tag: str
    catalogue: str
    translations: gettext.GNUTranslations
    locale: Locale

    def content_state(self) -> tuple[str, str]:
        """What a page key hashes of a language (incremental.ContentHasher): its tag and catalogue. Its translations
        come from the team's catalogues, which the theme's hash holds, and the packaged ones, which the cache's
        stamp holds; their plural function pickles not, so a page whose context held the language was never
        reused."""
        return self.tag, self.catalogue

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def people(self, customers: int, anonymous: int) -> str:
        """Who is behind a theme or an irritant (facts/evidence.py People): "12 customers", "33 anonymous
        responses", "12 customers and 21 anonymous responses" — an anonymous response is no customer, said so, in
        words that read inside a sentence ("from 33 anonymous responses.") as in a list ("— 33 anonymous
        responses, Payment")."""
        known = self.ngettext("%(num)d customer", "%(num)d customers", customers) % {"num": customers}
        unknown = self.ngettext("%(num)d anonymous response", "%(num)d anonymous responses",
                                anonymous) % {"num": anonymous}
        if not anonymous:
            return known
        if not customers:
            return unknown
        return self.gettext("%(customers)s and %(anonymous)s") % {"customers": known, "anonymous": unknown}

    def people_count(self, customers: int, anonymous: int) -> str:
        """Who is behind a theme in a few words, for a line folded to one line at 375 px: "88 customers", or, once
        anonymous responses count too, "92 people" (the theme itself says which: Language.people)."""
        if not anonymous:
            return self.ngettext("%(num)d customer", "%(num)d customers", customers) % {"num": customers}
        total = customers + anonymous
        return self.ngettext("%(num)d person", "%(num)d people", total) % {"num": total}

    def clauses(self, parts: Iterable[str]) -> str:
        """Parts of a sentence one after another, or titles that may hold a comma: "5 days late; not reviewed for
        33 days", "5 jours de retard ; non revu…" (clause_break)."""
        return clause_break(self.gettext).join(parts)

    def in_sentence(self, name: str) -> str:
        """A label that has a capital only because a label starts a line (a segment, humanized: Commuter) as it
        reads inside a sentence: "most commuter customers first"; German keeps it, as it does for every noun."""
        if self.locale.language in CAPITALISED_NOUNS:
            return name
        return name[:1].lower() + name[1:]

    def long_date(self, day: date) -> str:
        """3 September 2026, 3 septembre 2026, 3. September 2026, 3 de septiembre de 2026."""
        return format_date(day, "long", locale=self.locale)

    def month_label(self, key: str) -> str:
        """2026-09 -> September 2026, Septembre 2026, September 2026, Septiembre de 2026 (a heading: capitalised)."""
        text = self.month_text(key)
        return text[:1].upper() + text[1:]

    def month_text(self, key: str) -> str:
        """2026-09 as running text writes it: September 2026, septembre 2026, septiembre de 2026."""
        year, month = key.split("-")
        return format_skeleton("yMMMM", date(int(year), int(month), 1), locale=self.locale)

    def month_split(self, key: str) -> tuple[str, str]:
        """2026-09 -> ("Sep", "tember 2026"): a short name to show and the rest for screen readers."""
        label = self.month_label(key)
        year, month = key.split("-")
        short = format_date(date(int(year), int(month), 1), "LLL", locale=Locale(self.locale.language)).rstrip(".")
        if label.lower().startswith(short.lower()):
            return label[:len(short)], label[len(short):]
        return short[:1].upper() + short[1:], f" ({label})"

    def short_month(self, key: str) -> str:
        """2026-10 -> Oct 2026, oct. 2026, Okt. 2026, oct 2026: a chart's month label."""
        year, month = key.split("-")
        return format_skeleton("yMMM", date(int(year), int(month), 1), locale=self.locale)

    def month_range(self, first: str, last: str) -> str:
        """2026-08 to 2026-10 as a chart writes months: Aug – Oct 2026 (thin spaces), août–oct. 2026, Aug.–Okt. 2026,
        ago–oct 2026; the year once when both months share it (Babel's interval format for the locale); one month:
        Oct 2026."""
        if first == last:
            return self.short_month(first)
        start, end = (date(int(key[:4]), int(key[5:7]), 1) for key in (first, last))
        return format_interval(start, end, "yMMM", locale=self.locale)

    def day_range(self, first: date, last: date) -> str:
        """16–22 November 2026, 16 au 22 novembre 2026, 16. bis 22. November 2026, 16 al 22 de noviembre de 2026.

        The month and year are written once when both days share them; the joining words are the catalogue's.
        """
        if (first.year, first.month) == (last.year, last.month):
            return self.gettext(N_("%(first_day)s–%(last)s")) % {
                "first_day": format_date(first, "d", locale=self.locale), "last": self.long_date(last)}
        start = (format_skeleton("MMMMd", first, locale=self.locale) if first.year == last.year
                 else self.long_date(first))
        return self.gettext(N_("%(first)s–%(last)s")) % {"first": start, "last": self.long_date(last)}

    def number(self, value: int | float, digits: int | None = None) -> str:
        """1,234 · 1 234 · 1.234: grouped as the locale groups digits; −25.83 with a minus sign, as the charts
        write it (not a hyphen). digits: exactly that many decimals (12 for 11.74 with 0, 2.40 with 2)."""
        if digits is None:
            return _minus(format_decimal(value, locale=self.locale))
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return _minus(format_decimal(round(value, digits) + 0.0, format=pattern, locale=self.locale))

    def signed(self, value: int | float, unit: str | None = None, digits: int | None = None) -> str:
        """A change, its sign always written: +8.78, −3, −0.2% (with a unit: as `measure` writes it), 0 for none;
        digits: rounded to that many decimals first (+9 for 8.78 with 0; 0.3 with 0 is 0, no sign).
        The one way both sites, the agenda and the digest write a change."""
        if digits is not None:
            value = round(value, digits) + 0.0
        text = self.number(abs(value), digits) if unit is None else self.measure(abs(value), unit, digits)
        return ("+" if value > 0 else MINUS if value < 0 else "") + text

    def percent(self, value: float, digits: int = 0) -> str:
        """A share given in percent (44.4), rounded to `digits`: 44% in English, 44 % in French, German and
        Spanish. The one way both sites write a percentage: Babel's pattern for the locale, with French's narrow
        no-break space before % (as the catalogues write it) where CLDR gives a wider one."""
        text = _minus(format_percent(Decimal(str(round(value, digits))) / 100, locale=self.locale,
                                     decimal_quantization=False))
        return text.replace("\u00a0%", "\u202f%") if self.locale.language == "fr" else text

    def measure(self, value: float, unit: str, digits: int | None = None) -> str:
        """A metric's value with its unit: a unit of "%" makes it a percentage (to two decimals at most), any
        other unit follows the number as site.yaml writes it (3.1 min). digits: the metric's decimals
        (facts.scores.metric_digits: NPS in whole points), when it has a fixed number."""
        if unit.strip() == "%":
            return self.percent(value, 2 if digits is None else digits)
        return self.number(value, digits) + unit


MINUS = "\u2212"   # the minus sign the charts, scores and changes are written with


def _minus(text: str) -> str:
    """Babel's hyphen-minus (CLDR's minus sign for en, fr, de, es) as a minus sign: −0.2, not -0.2."""
    return MINUS + text[1:] if text.startswith("-") else text


def language(tag: str = DEFAULT, locales: Locales = Locales()) -> Language:  # noqa: B008
    """The Language for a tag site.yaml gives; a tag without a catalogue (check reports it) falls back to English."""
    catalogue = locales.catalogue_for(tag) or DEFAULT
    return Language(tag, catalogue, translations(catalogue, locales), _locale(tag, catalogue))


@cache
def _locale(tag: str, catalogue: str) -> Locale:
    # Plain "en" writes dates day first (3 September 2026), as the sites always have; en-US writes September 3.
    for candidate in (("en_GB",) if normal(tag) == "en" else ()) + (_babel_tag(tag), _babel_tag(catalogue)):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en_GB")


Gettext = Callable[[str], str]

# Between two clauses of a sentence, or two titles that may hold a comma of their own: a catalogue message, so
# French puts its narrow no-break space before ";" (CLDR's list patterns join with commas and "and" only)
CLAUSES = N_("%(clause)s; %(next)s")


def clause_break(gettext: Gettext) -> str:
    """What a language writes between two clauses: "; " in English, "\u202f; " in French (the catalogue's)."""
    return gettext(CLAUSES) % {"clause": "", "next": ""}
