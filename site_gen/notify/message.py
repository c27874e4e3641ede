"""One RFC 5322 message per customer: plain text and an HTML alternative, from a story's public words only."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

# Wording per language (the primary subtag of public.language). English only for now; a language
# without wording falls back to English, and the summary says so.
WORDING: dict[str, dict[str, str]] = {
    "en": {
        "subject": "You told us, we changed it: {title}",
        "hello": "Hello {name},",
        "hello_anonymous": "Hello,",
        "intro": "You took the time to tell us about something that got in your way. You were not the only one. "
                 "Here is what you told us:",
        "we_did": "Here is what we changed:",
        "result": "What it changed so far:",
        "read": "Read the whole story:",
        "thanks": "Thank you for telling us: it is how we know what to fix.",
        "why": "You receive this message because you agreed to be contacted about your feedback.",
    },
}
FALLBACK = "en"


def wording_language(language: str) -> str:
    """The language messages are written in: public.language if we have its wording, else English."""
    primary = language.split("-")[0].split("_")[0].lower()
    return primary if primary in WORDING else FALLBACK


@dataclass(frozen=True, slots=True)
class StoryWords:
    """What a message may say about a story: its public words and the address of its public page."""

    title: str
    you_said: str
    we_did: str
    result: str | None
    url: str


def subject_of(words: StoryWords, language: str) -> str:
    return " ".join(WORDING[wording_language(language)]["subject"].format(title=words.title).split())


def compose(words: StoryWords, to: Address, sender: Address, organisation: str, language: str,
            now: datetime, name: str | None = None) -> EmailMessage:
    """The message to one customer. now: its Date header (timezone-aware)."""
    lang = wording_language(language)
    w = WORDING[lang]
    hello = w["hello"].format(name=name) if name else w["hello_anonymous"]
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
    message["Subject"] = subject_of(words, language)
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
