"""One RFC 5322 message per customer: plain text and an HTML alternative, from a story's public words only."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..i18n import N_, Locales
from ..i18n import language as i18n_language
from ..text import one_line

# The message's words: English msgids, written in the site's language (public.language) or the
# contact's own (the contacts file's language column) from the same catalogues as the sites.
WORDING: dict[str, str] = {
    "subject": N_("You told us, we changed it: %(title)s"),
    "hello": N_("Hello %(name)s,"),
    "hello_anonymous": N_("Hello,"),
    "intro": N_("You took the time to tell us about something that got in your way. You were not the only one. "
                "Here is what you told us:"),
    "we_did": N_("Here is what we changed:"),
    "result": N_("What it changed so far:"),
    "read": N_("Read the whole story:"),
    "thanks": N_("Thank you for telling us: it is how we know what to fix."),
    "why": N_("You receive this message because you agreed to be contacted about your feedback."),
}
FALLBACK = "en"


@dataclass(frozen=True, slots=True)
class StoryWords:
    """What a message may say about a story: its public words and the address of its public page."""

    title: str
    you_said: str
    we_did: str
    result: str | None
    url: str


def subject_of(words: StoryWords, language: str, locales: Locales = Locales()) -> str:  # noqa: B008
    """The subject on one line, its no-break spaces kept (French's before ":"): the email package writes the
    header as RFC 2047 encoded words, which carry them."""
    return one_line(i18n_language(language, locales).gettext(WORDING["subject"]) % {"title": words.title})


def compose(words: StoryWords, to: Address, sender: Address, organisation: str, language: str,
            now: datetime, name: str | None = None, locales: Locales = Locales()) -> EmailMessage:  # noqa: B008
    """The message to one customer, in `language` (a tag with a catalogue). now: its Date header (timezone-aware)."""
    lang = language if locales.catalogue_for(language) else FALLBACK
    chosen = i18n_language(lang, locales)
    w = {key: chosen.gettext(text) for key, text in WORDING.items()}
    hello = w["hello"] % {"name": name} if name else w["hello_anonymous"]
    result = [w["result"], "", _indent(words.result), ""] if words.result else []
    plain = "\n".join([
        hello, "",
        w["intro"], "", _indent(words.you_said), "",
        w["we_did"], "", _indent(words.we_did), "",
        *result,
        w["read"], words.url, "",
        w["thanks"], "", organisation, "",
        "-- ", w["why"], ""])
    e = html.escape
    result_html = (f"<p>{e(w['result'])}</p>\n<blockquote>{_paragraphs(words.result)}</blockquote>\n"
                   if words.result else "")
    body = (f"<!DOCTYPE html>\n<html lang=\"{e(lang)}\">\n<head><meta charset=\"utf-8\">"
            f"<title>{e(words.title)}</title></head>\n<body>\n"
            f"<p>{e(hello)}</p>\n"
            f"<p>{e(w['intro'])}</p>\n<blockquote>{_paragraphs(words.you_said)}</blockquote>\n"
            f"<p>{e(w['we_did'])}</p>\n<blockquote>{_paragraphs(words.we_did)}</blockquote>\n"
            f"{result_html}"
            f"<p>{e(w['read'])} <a href=\"{e(words.url)}\">{e(words.title)}</a></p>\n"
            f"<p>{e(w['thanks'])}</p>\n<p>{e(organisation)}</p>\n"
            f"<p><small>{e(w['why'])}</small></p>\n</body>\n</html>\n")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject_of(words, lang, locales)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    # a notification, not a conversation: out-of-office replies should not answer it (RFC 3834)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain)
    message.add_alternative(body, subtype="html")
    # after the parts are made: add_alternative moves Content-* headers into the first part
    message["Content-Language"] = lang
    return message


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line.strip() else "" for line in text.strip().split("\n"))


def _paragraphs(text: str) -> str:
    return "<br>\n".join(html.escape(line) for line in text.strip().split("\n"))
