"""Who to tell about which story, from the facts, the ledger and a contacts export: pure, nothing sent or written."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address

from ..facts import Facts, NotifyAudience
from ..model import Backlog, Story
from ..text import slugify
from ..views.public import story_address
from .contacts import Contact
from .message import StoryWords, compose, subject_of


class NotifyError(Exception):
    """notify cannot run as asked: a usage error, with what to do."""


@dataclass(frozen=True, slots=True)
class Recipient:
    story: str          # story ID
    contact: Contact
    retry: bool         # their last ledger line was an attempt without result (--retry-unknown)

    @property
    def customer(self) -> str:
        return self.contact.customer


@dataclass(frozen=True, slots=True)
class StoryPlan:
    story: Story
    words: StoryWords
    audience: NotifyAudience
    recipients: tuple[Recipient, ...]    # agreed to be contacted, not told yet, and in the contacts file
    no_address: int                      # agreed, not told yet, but not in the contacts file (or no file)

    @property
    def counted(self) -> str:
        """One line for the summary: counts only, never who."""
        a = self.audience
        parts = [f"{a.customers} customer(s) behind it", f"{len(a.told)} told"]
        if a.failed:
            parts.append(f"{len(a.failed)} refused for good")
        if a.unknown:
            retried = sum(r.retry for r in self.recipients)
            parts.append(f"{len(a.unknown)} unknown (attempted, no result{'; retried' if retried else ''})")
        parts.append(f"{len(self.recipients)} to tell now")
        if self.no_address:
            parts.append(f"{self.no_address} agreed but have no address in the contacts")
        parts.append(f"{a.not_contactable} did not agree to be contacted")
        return f"{self.story.id} ({self.story.date}): " + ", ".join(parts)


def select_stories(backlog: Backlog, facts: Facts, story_id: str | None, since: date | None) -> list[Story]:
    """The published public stories to tell, oldest first: one (--story), those since a date, or all."""
    if story_id is not None:
        story = backlog.stories.get(story_id)
        if story is None:
            known = ", ".join(sorted(backlog.stories)[:12])
            raise NotifyError(f"there is no story '{story_id}' in backlog/stories/ (stories: {known})")
        loop = facts.loops.get(story_id)
        if loop is None or not loop.published:
            raise NotifyError(f"story '{story_id}' is not published: it needs audience: public and a date "
                              f"on or before {facts.as_of}")
        chosen = [story]
    else:
        chosen = [backlog.stories[key] for key, loop in facts.loops.items()
                  if loop.published and (since is None or backlog.stories[key].date >= since)]
    return sorted(chosen, key=lambda story: (story.date, story.id))


def plan(backlog: Backlog, facts: Facts, stories: list[Story], contacts: Mapping[str, Contact],
         retry_unknown: bool = False) -> list[StoryPlan]:
    plans = []
    for story in stories:
        url = story_address(facts, story.id)
        if url is None:
            raise NotifyError("site.yaml has no public.base_url: messages link to the story's public page, "
                              "so set it to where the public site is hosted")
        audience = facts.loops[story.id].audience
        candidates = [(customer, False) for customer in audience.to_tell]
        if retry_unknown:
            candidates += [(customer, True) for customer in audience.unknown]
        recipients = tuple(Recipient(story.id, contacts[customer], retry)
                           for customer, retry in sorted(candidates) if customer in contacts)
        words = StoryWords(story.title, story.you_said or "", story.we_did or "", story.result, url)
        plans.append(StoryPlan(story, words, audience, recipients, len(candidates) - len(recipients)))
    return plans


def default_sender(backlog: Backlog) -> Address:
    """Organisation <noreply@public host>: what the .eml files say when SITE_GEN_SMTP_FROM is not set."""
    host = re.sub(r"^https?://([^/:]+).*$", r"\1", backlog.config.public.base_url or "") or "localhost"
    return Address(display_name=backlog.config.organisation, addr_spec=f"noreply@{host}")


@dataclass(frozen=True, slots=True)
class Outgoing:
    recipient: Recipient
    file: str              # path in the output folder
    message: bytes         # RFC 5322, CRLF line ends


def messages(backlog: Backlog, plans: list[StoryPlan], sender: Address, now: datetime) -> list[Outgoing]:
    """Every message, in the order they are sent: stories oldest first, customers sorted."""
    from email import policy

    out = []
    for story_plan in plans:
        names: dict[str, int] = {}
        for recipient in story_plan.recipients:
            contact = recipient.contact
            base = slugify(contact.customer, "customer")
            names[base] = names.get(base, 0) + 1
            stem = base if names[base] == 1 else f"{base}-{names[base]}"
            message = compose(story_plan.words, contact.address(), sender, backlog.config.organisation,
                              language_for(backlog, contact), now, contact.name, backlog.locales)
            out.append(Outgoing(recipient, f"messages/{story_plan.story.id}/{stem}.eml",
                                message.as_bytes(policy=policy.SMTP)))
    return out


def language_for(backlog: Backlog, contact: Contact) -> str:
    """A message's language: the contact's own when a catalogue has it, else the public site's."""
    if contact.language and backlog.locales.catalogue_for(contact.language):
        return contact.language
    return backlog.config.public.language


CSV_COLUMNS = ("story", "customer", "email", "name", "language", "subject", "title", "you_said", "we_did",
               "result", "link", "message_file")


def _cell(value: str) -> str:
    # a spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection): names come from a CRM
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def mail_merge_csv(backlog: Backlog, plans: list[StoryPlan], outgoing: list[Outgoing]) -> bytes:
    """One line per message, for a CRM or mail-merge import."""
    files = {(o.recipient.story, o.recipient.customer): o.file for o in outgoing}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for story_plan in plans:
        words = story_plan.words
        for recipient in story_plan.recipients:
            contact = recipient.contact
            writer.writerow([_cell(value) for value in (
                story_plan.story.id, contact.customer, contact.email, contact.name or "",
                language_for(backlog, contact), subject_of(words, language_for(backlog, contact), backlog.locales),
                words.title, words.you_said,
                words.we_did, words.result or "", words.url,
                files.get((recipient.story, contact.customer), ""))])
    return buffer.getvalue().encode("utf-8")
