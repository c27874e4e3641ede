"""Rule group 8: public text carries no e-mail addresses, phone numbers or customer references.

What is scanned is what customers read: the rendered text of every public field and
body, with character references decoded, markdown escapes removed and link targets
included — `ana&#64;example.com`, `ana\\@example.com` and a CRM link are as readable as
`ana@example.com`. HTML comments are never published (site_gen.markdown drops them), so
what they hold is not reported. A true false positive is allowed, visibly, by listing the
exact string in the record's `allow_personal_data`: every check then names it as a warning.
"""

from __future__ import annotations

import copy as copy_module
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Protocol
from urllib.parse import unquote

from ..diagnostics import Diagnostic, SourceLoc, error, warning
from ..markdown import raw_html, render_markdown, sub_comments
from ..model import Irritant, Story
from ..personal_data import find_contact_details

ALNUM_RUN = re.compile(r"[^\W_]+")  # what a customer reference must not touch on either side
MIN_REFERENCE_LENGTH = 4  # shorter CRM references would match ordinary words and numbers
# a reference, one a line: what precedes its first alphanumeric run, the run, the rest
_SHAPE = re.compile(r"^((?:[^\w\n]|_)*)([^\W_]+)(.*)$", re.M)
_FEW_TOKENS = 16
# characters markdown can remove or turn into something else inside a line; a body without any of
# them reads exactly as written (block markers at the start of a line only ever drop a prefix)
_MARKUP = "\\&<*_`[]~|!"
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: any ASCII punctuation


def _strip_lines(text: str) -> str:
    """Each line without the spaces at its ends. (A pattern for them rescanned a run of spaces inside a line from
    each of its spaces: one customer value holding 100,000 of them took minutes.)"""
    return "\n".join(line.strip() for line in text.split("\n"))


def _lower(text: str) -> str:
    """Lower case, one character for one, so positions in it are positions in text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # 'İ' lowers to two characters


class StoredCustomers(Protocol):
    """Customer values kept in DuckDB (site_gen/load/parquet.py), looked up there instead of read into Python."""

    def customer_shapes(self) -> Iterable[tuple[str, int, int]] | None:
        """(first alphanumeric run, its offset, length) of every value in lower case; None when a value is not
        plain printable ASCII (then only Python lowers and strips it as the loaded rows' values are)."""

    def known_customers(self, candidates: Iterable[str]) -> set[str]:
        """Those of these lower-case texts that are a customer value in lower case."""

    def customers(self) -> set[str]:
        """Every customer value."""

    def lowered_customers(self) -> frozenset[str]:
        """Every customer value in lower case (after customer_shapes gave shapes)."""


class CustomerReferences:
    """Every customer value from the feedback, found in text at any non-alphanumeric boundary, in any case.

    References are indexed by their first alphanumeric run ('CUST-737397' -> 'cust'), with the
    offsets and lengths seen for it; a text is compared only at the runs it shares with the index.
    Scanning costs one pass over the text, however many references there are. Values kept in DuckDB
    (`stored`) are indexed by their shapes alone and looked up there: a million rows' customers took
    1.9 s to read and index in Python.
    """

    _asked: list[str] | None = None   # offline(): what only DuckDB could say, not asked

    def __init__(self, references: Iterable[str], stored: StoredCustomers | None = None):
        values = set(references)
        stored_shapes = stored.customer_shapes() if stored is not None else None
        if stored is not None and stored_shapes is None:
            values |= stored.customers()
            stored = None
        self._stored = stored
        # ~100,000 references: lower-case, strip and take apart all of them joined, in a few passes in C
        joined = _strip_lines(_lower("\n".join(values)))
        self._known = frozenset(joined.split("\n")) if values else frozenset()  # (short ones are never looked up)
        by_token: dict[str, set[tuple[int, int]]] = {}
        shapes = {(token, len(before), len(before) + len(token) + len(after))
                  for before, token, after in _SHAPE.findall(joined)}
        for token, offset, length in shapes.union(stored_shapes or ()):
            if length >= MIN_REFERENCE_LENGTH:
                by_token.setdefault(token, set()).add((offset, length))
        self._shapes = {token: tuple(sorted(shapes)) for token, shapes in by_token.items()}
        self._tokens = frozenset(self._shapes)
        # few distinct first runs ('cust'): looking for each in a text is cheaper than splitting it into words
        self._few_tokens = tuple(self._tokens) if len(self._tokens) <= _FEW_TOKENS else None

    def frozen(self) -> CustomerReferences:
        """The same index with every reference read into Python, none left to look up in DuckDB: one that can be
        pickled, for the check cache to keep (a cached check judges an edited story's body with it)."""
        if self._stored is None:
            return self
        copy = copy_module.copy(self)
        copy._known = self._known | self._stored.lowered_customers()
        copy._stored = None
        return copy

    def offline(self) -> tuple[CustomerReferences, list[str]]:
        """This index for a forked process, which cannot ask DuckDB (site_gen.rules.records judges records in one):
        what only DuckDB could say is a customer reference is found to be none there, and added to the list
        returned, for its record to be judged again where DuckDB answers."""
        if self._stored is None:
            return self, []
        copy = copy_module.copy(self)
        copy._asked = []
        return copy, copy._asked

    @property
    def read_into_python(self) -> int:
        """How many distinct references are read into Python (those kept in DuckDB are not counted). Not __len__:
        an index of customers all kept in DuckDB has none, and must not read as false (an `or` once swapped it
        for the empty index, and a customer reference in a public story went unreported)."""
        return len(self._known)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, the reference in lower case) of every reference in text."""
        if not self._tokens:
            return []
        lowered = _lower(text)
        if self._few_tokens is not None:
            if not any(token in lowered for token in self._few_tokens):
                return []
        elif not self._tokens & set(ALNUM_RUN.findall(lowered)):
            return []
        candidates = []
        for run in ALNUM_RUN.finditer(lowered):
            shapes = self._shapes.get(run.group())
            if shapes is None:
                continue
            for offset, length in shapes:
                start = run.start() - offset
                end = start + length
                if start < 0 or end > len(lowered):
                    continue
                reference = lowered[start:end]
                # the start is a boundary: a run starts there, or the reference starts with punctuation
                if end < len(lowered) and lowered[end].isalnum() and reference[-1].isalnum():
                    continue
                candidates.append((start, end, reference))
        known = {reference for _, _, reference in candidates if reference in self._known}
        if self._stored is not None and len(known) < len(candidates):
            unknown = {reference for _, _, reference in candidates} - known
            if self._asked is not None:   # offline: this process cannot ask DuckDB
                self._asked.extend(unknown)
            else:
                known |= self._stored.known_customers(unknown)
        return [candidate for candidate in candidates if candidate[2] in known]


def find_personal_data(text: str, references: CustomerReferences) -> list[tuple[int, int, str, str]]:
    """What in readable text looks like personal data: (start, end, the text found, what it is)."""
    found = find_contact_details(text)
    found += [(start, end, text[start:end], "a customer reference") for start, end, _ in references.find(text)]
    return found


class _Readable(HTMLParser):
    """The text of rendered HTML as a reader gets it, with link targets and image texts."""

    BLOCKS = frozenset("p li ul ol h1 h2 h3 h4 h5 h6 pre blockquote table tr td th br hr div".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        for name, value in attrs:
            if value and name in ("href", "src", "title", "alt"):
                self.targets.append(unquote(value) if name in ("href", "src") else value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def readable_markdown(body: str) -> str:
    """A markdown body as customers read it: its rendered text, then its link targets, one a line."""
    if not any(mark in body for mark in _MARKUP):   # each looked for as fast as memchr: not a regular expression
        return body
    reader = _Readable()
    reader.feed(str(render_markdown(body)))
    reader.close()
    return "".join(reader.parts) + "\n" + "\n".join(reader.targets)


def readable_plain(text: str) -> str:
    """A plain public field as customers read it: markdown escapes removed, character references decoded."""
    if "\\" in text:
        text = _BACKSLASH_ESCAPE.sub(r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    return text


@dataclass(frozen=True, slots=True)
class _PublicText:
    name: str       # the field, or 'body'
    record: Story | Irritant
    source: str     # as written
    readable: str   # as read

    @property
    def loc(self) -> SourceLoc:
        """Where it is written: asked only of a text with something to report (placing the 38,600 texts of 11,700
        public records took 0.03 s)."""
        if isinstance(self.record, Story) and self.name == "body":
            return SourceLoc(self.record.loc.path, self.record.body_line, 1)
        return self.record.at(self.name)


def _public_texts(record: Story | Irritant) -> list[_PublicText]:
    names = ("title", "you_said", "we_did", "result") if isinstance(record, Story) else ("public_title",
                                                                                         "public_reason")
    texts = [_PublicText(name, record, value, readable_plain(value)) for name in names
             if (value := getattr(record, name))]
    if isinstance(record, Story) and record.body:
        texts.append(_PublicText("body", record, record.body, readable_markdown(record.body)))
    return texts


def _body_line(text: _PublicText, needle: str) -> SourceLoc:
    """The line of the body a customer reads needle on: as written, or once escapes are undone."""
    if text.name != "body":
        return text.loc
    wanted = needle.lower()
    body = sub_comments(text.source, lambda comment: "\n" * comment.count("\n"))  # never published
    for offset, line in enumerate(body.split("\n")):
        if wanted in line.lower() or wanted in unquote(readable_plain(line)).lower():
            return SourceLoc(text.loc.path, text.loc.line + offset, 1)
    return text.loc


def _allowed_spans(readable: str, allowed: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for exception in allowed:
        start = readable.find(exception) if exception else -1
        while start >= 0:
            spans.append((start, start + len(exception)))
            start = readable.find(exception, start + 1)
    return spans


def _check_record(record: Story | Irritant, texts: list[_PublicText],
                  references: CustomerReferences) -> Iterator[Diagnostic]:
    allowed = tuple(record.allow_personal_data)
    for text in texts:
        spans = _allowed_spans(text.readable, allowed)
        reported = set()
        for start, end, needle, what in sorted(find_personal_data(text.readable, references)):
            if any(low <= start and end <= high for low, high in spans) or (needle, what) in reported:
                continue
            reported.add((needle, what))
            yield error(_body_line(text, needle), "personal-data", f"public field '{text.name}' contains {what} "
                        f"({needle})", "public text must not identify a customer: remove it or rephrase; if it "
                        "identifies nobody, list it under allow_personal_data")
    for index, exception in enumerate(allowed):
        at = record.at(f"allow_personal_data.{index}")
        if any(exception and exception in text.readable for text in texts):
            yield warning(at, "personal-data-allowed", f"'{exception}' is published although it looks like "
                          "personal data: allow_personal_data lists it",
                          "reviewers: make sure it identifies no customer")
        else:
            yield warning(at, "personal-data-allowed-unused", f"allow_personal_data lists '{exception}', which no "
                          "public text of this record contains", "remove the stale exception")


def _raw_html(story: Story) -> Iterator[Diagnostic]:
    by_line: dict[int, list[str]] = {}
    for line, snippet in raw_html(story.body):
        by_line.setdefault(line, []).append(snippet)
    for line, snippets in sorted(by_line.items()):
        at = SourceLoc(story.loc.path, story.body_line + line, 1)
        unclosed = [s for s in snippets if s.startswith("<!--")]
        if unclosed:
            yield error(at, "html-comment-unclosed", "an HTML comment opened here is never closed, so customers "
                        f"read it as text ({unclosed[0][:40]})", "close it with '-->'")
        others = [s for s in snippets if not s.startswith("<!--")]
        if others:
            shown = " ".join(others)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            yield warning(at, "raw-html", f"raw HTML in a public body is shown to customers as text: {shown}",
                          "write markdown instead: *emphasis*, **bold**, [link](https://…). "
                          "HTML comments <!-- … --> are dropped")


def _comments_in_fields(record: Story | Irritant, texts: list[_PublicText]) -> Iterator[Diagnostic]:
    """A note hidden as <!-- … --> in a plain public field: only bodies are markdown, so customers would read it."""
    for text in texts:
        if text.name != "body" and "<!--" in text.source:
            note = text.source[text.source.index("<!--"):]
            note = note if len(note) <= 40 else note[:37] + "..."
            keep = "internal_notes" if isinstance(record, Story) else "summary"
            yield error(text.loc, "html-comment-field", f"public field '{text.name}' holds an HTML comment, and "
                        f"customers read it as text: only the body hides comments ({note})",
                        f"move the note to {keep}, which is never published")


NO_CUSTOMERS = CustomerReferences(())   # the index of no customer: what a record that is not published is judged with

# the last index made, with the values and the store it was made of (kept alive)
_MADE: list[tuple[frozenset[str], StoredCustomers | None, CustomerReferences]] = []


def customer_references(references: frozenset[str], stored: StoredCustomers | None = None) -> CustomerReferences:
    """The index of these values, made once for the same set and store (by identity): serve checks each edited
    body against the facts of its last full rebuild, whose 100,000 references take a second to index."""
    if not (_MADE and _MADE[0][0] is references and _MADE[0][1] is stored):
        _MADE[:] = [(references, stored, CustomerReferences(references, stored))]
    return _MADE[0][2]


def check_record(record: Story | Irritant, references: CustomerReferences) -> Iterator[Diagnostic]:
    """What this family says of one record: nothing of a record that is not published."""
    if not record.is_public:
        return
    texts = _public_texts(record)   # read once: a body with markup is rendered to be read
    yield from _check_record(record, texts, references)
    yield from _comments_in_fields(record, texts)
    if isinstance(record, Story) and "<" in record.body:  # no '<', no HTML: skip parsing
        yield from _raw_html(record)
