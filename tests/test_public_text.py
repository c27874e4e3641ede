"""The text customers read: no personal data in any readable form, nothing that breaks a feed, no comments.

Each case edits a copy of the example as a pull request would. Customers in the
example's feedback include CUST-737397 and CUST-512317.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from site_gen.build import build
from site_gen.diagnostics import Diagnostic, Severity
from site_gen.errors import BuildRefused
from site_gen.load import csvstore
from site_gen.rules.public_safety import CustomerReferences

from .conftest import REPO, TODAY, edit, found, line_of, problems, run_check

STORY = "backlog/stories/helmet-discount.md"
BODY_LINE = "A helmet of your own fits better too."
YOU_SAID = "You asked to rent a helmet together with the bike."


def _only(root: Path, rule: str) -> list[Diagnostic]:
    return [d for d in run_check(root).diagnostics if d.rule == rule]


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text("utf-8", errors="replace")
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".pf_fragment")}


def _story_page(site: Path, title_words: str) -> str:
    pages = [text for path, text in _files(site).items()
             if path.startswith("stories/") and path.count("/") == 2 and title_words in text]
    assert len(pages) == 1, f"one story page shows {title_words!r}"
    return pages[0]


# --- 6. personal data, as customers read it ------------------------------------------------

PERSONAL_DATA = [
    # (case, old text, new text, text on the offending line, what is reported)
    ("a CRM link in the body", BODY_LINE, f"{BODY_LINE} See https://crm.example.org/customers/CUST-737397",
     "crm.example.org", "a customer reference (CUST-737397)"),
    ("a CRM link behind link text", BODY_LINE, f"{BODY_LINE} See [your ticket](https://crm.example.org/c/CUST-737397).",
     "your ticket", "a customer reference (CUST-737397)"),
    ("a reference after a hash sign", YOU_SAID, "A rider (#CUST-512317) asked to rent a helmet.",
     "#CUST-512317", "a customer reference (CUST-512317)"),
    ("a reference in lower case", BODY_LINE, f"{BODY_LINE} Thanks, cust-737397!", "cust-737397",
     "a customer reference (cust-737397)"),
    ("an e-mail address with an encoded @ in the body", BODY_LINE, f"{BODY_LINE} Write to ana&#64;example.com.",
     "ana&#64;example.com", "an e-mail address (ana@example.com)"),
    ("an e-mail address with an escaped @ in the body", BODY_LINE, f"{BODY_LINE} Write to ana\\@example.com.",
     "ana\\@example.com", "an e-mail address (ana@example.com)"),
    ("an e-mail address with an escaped @ in a field", YOU_SAID, "Write to ana\\@example.com, you said.",
     "ana\\@example.com", "an e-mail address (ana@example.com)"),
    ("a reference with an encoded hyphen in the body", BODY_LINE, f"{BODY_LINE} Ticket CUST&#45;737397.",
     "CUST&#45;737397", "a customer reference (CUST-737397)"),
    ("a reference with an encoded hyphen in a field", YOU_SAID, "Ticket CUST&#45;737397 asked for a helmet.",
     "CUST&#45;737397", "a customer reference (CUST-737397)"),
    ("a tel: link", BODY_LINE, f"{BODY_LINE} [Call Sam](tel:+442079460958).", "Call Sam",
     "a phone number (+442079460958)"),
]


@pytest.mark.parametrize("case", PERSONAL_DATA, ids=[c[0] for c in PERSONAL_DATA])
def test_personal_data_in_any_readable_form_is_an_error_on_its_line(example: Path, case: tuple) -> None:
    _, old, new, on_line, says = case
    edit(example / STORY, old, new)
    errors = _only(example, "personal-data")
    assert [(d.loc.path, d.loc.line) for d in errors] == [(STORY, line_of(example / STORY, on_line))], \
        [d.as_text() for d in errors]
    assert says in errors[0].message
    with pytest.raises(BuildRefused):
        build(example, example / "_site", TODAY)


def test_the_date_path_of_a_web_address_is_not_a_phone_number(example: Path) -> None:
    edit(example / STORY, BODY_LINE, f"{BODY_LINE} As the news said: https://example.org/news/2009/02/11/340 and "
         "[in March](https://example.org/news/2009/03/11/341).")
    edit(example / STORY, YOU_SAID, "You read https://example.org/news/2009/02/11/340 and asked for helmets.")
    assert problems(run_check(example)) == []


def test_a_phone_number_next_to_a_web_address_is_still_found(example: Path) -> None:
    edit(example / STORY, BODY_LINE, f"{BODY_LINE} See https://example.org/help or call +44 20 7946 0958.")
    assert [d.message for d in _only(example, "personal-data")] == [
        "public field 'body' contains a phone number (+44 20 7946 0958)"]


def test_an_allowed_string_is_published_and_named_as_a_warning_in_every_check(example: Path) -> None:
    edit(example / STORY, BODY_LINE, f"{BODY_LINE} Our partner shops answer on 0800 555 0199.")
    assert [d.message for d in _only(example, "personal-data")] == [
        "public field 'body' contains a phone number (0800 555 0199)"]
    edit(example / STORY, "audience: public", 'audience: public\nallow_personal_data: ["0800 555 0199"]')
    result = run_check(example)
    assert found(result) == [(STORY, line_of(example / STORY, "allow_personal_data"), "personal-data-allowed")]
    allowed = problems(result)[0]
    assert allowed.severity is Severity.WARNING
    assert "'0800 555 0199'" in allowed.message
    build(example, example / "_site", TODAY)
    assert "0800 555 0199" in _story_page(example / "_site/public", "20% off a helmet")


def test_an_allowed_string_excuses_only_itself(example: Path) -> None:
    edit(example / STORY, BODY_LINE, f"{BODY_LINE} Shops: 0800 555 0199. Sam: +44 20 7946 0958.")
    edit(example / STORY, "audience: public", "audience: public\nallow_personal_data:\n  - 0800 555 0199")
    assert [d.message for d in _only(example, "personal-data")] == [
        "public field 'body' contains a phone number (+44 20 7946 0958)"]


def test_an_allowed_string_no_public_text_holds_is_a_stale_exception(example: Path) -> None:
    edit(example / "backlog/irritants/cash-at-stations.yaml", "visibility: public",
         "visibility: public\nallow_personal_data: [staleexceptioncanary 0800 000 0000]")
    result = run_check(example)
    stale = [d for d in result.diagnostics if d.rule == "personal-data-allowed-unused"]
    assert [(d.loc.line, d.severity) for d in stale] == [
        (line_of(example / "backlog/irritants/cash-at-stations.yaml", "allow_personal_data"), Severity.WARNING)]
    assert "staleexceptioncanary 0800 000 0000" in stale[0].message
    # the exception is for reviewers, never for customers
    build(example, example / "_site", TODAY)
    assert not [path for path, text in _files(example / "_site/public").items() if "staleexceptioncanary" in text]
    assert "allow_personal_data" not in (REPO / "site_gen/views/public.py").read_text("utf-8")


def test_a_customer_reference_is_found_when_every_customer_is_kept_in_duckdb(
        example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index of references then holds no value read into Python (its len() is 0: they are looked up in
    DuckDB), and still finds them: a story naming a customer of a large export was published unreported when an
    index of no loaded value was taken for no index at all."""
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, "0")   # the CSV export kept in DuckDB, as a large one is
    for loaded in ("feedback/helpdesk-export.jsonl", "feedback/interviews.yaml"):   # the feedback read by Python
        (example / loaded).unlink()
    edit(example / STORY, BODY_LINE, f"{BODY_LINE} Thanks, cust-951685!")   # a customer of that export alone
    result = run_check(example)
    assert result.backlog.stored_feedback is not None and not result.facts.loaded_customers
    assert [d.message for d in result.diagnostics if d.rule == "personal-data"] == [
        "public field 'body' contains a customer reference (cust-951685)"]
    with pytest.raises(BuildRefused):
        build(example, example / "_site", TODAY)


def test_customer_references_are_found_quickly_among_a_hundred_thousand() -> None:
    references = CustomerReferences([f"CUST-{n:06d}" for n in range(0, 200_000, 2)] + ["A.1024", "(X)-77"])
    assert references.read_into_python == 100_002
    text = ("Riders in CUST-000010's group (cust-000012) and https://crm/CUST-000014/x wrote; CUST-000013 did not; "
            "XCUST-000016, CUST-0000181 and CUST-000018b are other words; A.1024 and (x)-77 are references. ") * 3
    started = time.perf_counter()
    for _ in range(1_000):
        hits = references.find(text)
    elapsed = time.perf_counter() - started
    assert sorted({text[start:end] for start, end, _ in hits}) == [
        "(x)-77", "A.1024", "CUST-000010", "CUST-000014", "cust-000012"]
    assert elapsed < 5, f"1,000 texts took {elapsed:.1f} s"  # a giant alternation regex takes minutes


def test_a_body_made_to_stall_the_address_finder_is_checked_in_seconds(example: Path) -> None:
    """The e-mail pattern rescanned a run of letters from each of them when no address followed: 200,000 letters
    before a lone '@' in a public body took minutes to check. Addresses are still found, whatever precedes them."""
    edit(example / STORY, BODY_LINE, f"{BODY_LINE}\n\n" + "a" * 200_000 + " @ and " + "b." * 100_000 +
         "\n\nWrite to ana.rider@example.com.")
    started = time.perf_counter()
    result = run_check(example)
    assert time.perf_counter() - started < 15
    assert [(d.rule, d.message) for d in problems(result)] == [
        ("personal-data", "public field 'body' contains an e-mail address (ana.rider@example.com)")]


def test_a_customer_value_made_to_stall_the_reference_index_is_checked_in_seconds(example: Path) -> None:
    """Customer values are trimmed before they are looked for in public text: the pattern that trimmed them
    rescanned a run of spaces inside a value from each of its spaces (100,000 of them: a minute)."""
    with (example / "feedback/surveys-and-reviews.csv").open("a", encoding="utf-8") as export:
        export.write("SRV-X-1,2026-11-01,survey,CUST" + " " * 100_000 + "999,commuter,,payment,,,,,,,\n")
    started = time.perf_counter()
    result = run_check(example)
    assert time.perf_counter() - started < 15
    assert problems(result) == []


# --- 7. text that breaks readers -------------------------------------------------------------

def test_a_control_character_in_you_said_is_a_located_error_and_nothing_is_built(example: Path) -> None:
    edit(example / STORY, "You asked to rent", "You asked\x0b to rent")
    assert [(d.loc.path, d.loc.line, d.loc.col, d.rule) for d in problems(run_check(example))] == [
        (STORY, line_of(example / STORY, "you_said:"), 20, "control-character")]
    diagnostic = problems(run_check(example))[0]
    assert "U+000B" in diagnostic.message and "column 20" in diagnostic.message
    assert diagnostic.hint == "delete it; it often comes from pasting from a word processor"
    with pytest.raises(BuildRefused):
        build(example, example / "_site", TODAY)
    assert not (example / "_site").exists()


UNREADABLE = [
    # (case, file, old, new, text on the offending line, character)
    ("an escape in a quoted story field", STORY, YOU_SAID, '"You asked\\v to rent a helmet."', "you_said:", "U+000B"),
    ("in a story body", STORY, BODY_LINE, "A helmet\x0c of your own.", "A helmet", "U+000C"),
    ("an escape in an irritant", "backlog/irritants/helmet-rental.yaml", "owner: Tomás Lindqvist",
     'owner: "Tom\\x1bás"', "owner:", "U+001B"),
    ("an escape in site.yaml", "site.yaml", "organisation: Kestrel Cycle Share",
     'organisation: "Kestrel\\0 Cycle Share"', "organisation:", "U+0000"),
    ("a CSV cell", "feedback/surveys-and-reviews.csv", "Unlock failed", "Unlock\x0b failed", "Unlock\x0b failed",
     "U+000B"),
    ("a JSON escape", "feedback/helpdesk-export.jsonl", "Let me reserve", "Let me\\u000b reserve",
     "Let me\\u000b", "U+000B"),
    ("a lone surrogate from a JSON escape", "feedback/helpdesk-export.jsonl", "Let me reserve",
     "Let me\\ud800 reserve", "Let me\\ud800", "U+D800"),
    ("a YAML feedback row", "feedback/interviews.yaml", "id: INT-2026-03-02", "id: INT-2026-03-02\n  verbatim: a\x07b",
     "verbatim: a", "U+0007"),
    # what HTML alone refuses (the Nu validator's "Forbidden code point"), in what people write by hand
    ("a C1 control pasted into a story body", STORY, BODY_LINE, "A helmet\x85 of your own.", "A helmet", "U+0085"),
    ("a C1 control escaped in a story field", STORY, YOU_SAID, '"You asked\\x92 to rent a helmet."', "you_said:",
     "U+0092"),
    ("DEL in an irritant's public title", "backlog/irritants/cash-at-stations.yaml",
     "public_title: Paying with cash at stations", "public_title: Paying\x7f with cash", "public_title:", "U+007F"),
    ("a non-character in a decision body", "backlog/decisions/no-cash-payments.md", "## Decision",
     "## Decision\ufdd0", "## Decision", "U+FDD0"),
    ("a plane's non-character escaped in site.yaml", "site.yaml", "organisation: Kestrel Cycle Share",
     'organisation: "Kestrel\\U0001FFFE Cycle Share"', "organisation:", "U+1FFFE"),
    ("a C1 control in a hand-written feedback row", "feedback/interviews.yaml", "id: INT-2026-03-02",
     "id: INT-2026-03-02\n  verbatim: a\x9bb", "verbatim: a", "U+009B"),
]


@pytest.mark.parametrize("case", UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_characters_that_break_readers_are_located_errors_wherever_they_are(example: Path, case: tuple) -> None:
    _, file, old, new, on_line, character = case
    edit(example / file, old, new)
    errors = [d for d in run_check(example).diagnostics if d.rule == "control-character"]
    assert [(d.loc.path, d.loc.line) for d in errors] == [(file, line_of(example / file, on_line))], \
        [d.as_text() for d in errors]
    assert character in errors[0].message
    assert errors[0].severity is Severity.ERROR


def test_a_c1_control_pasted_into_a_public_story_body_names_its_line_column_and_code_point(example: Path) -> None:
    edit(example / STORY, BODY_LINE, "A helmet\x85 of your own fits better too.")
    line = line_of(example / STORY, "A helmet")
    column = (example / STORY).read_text("utf-8").split("\n")[line - 1].index("\x85") + 1
    assert [d.as_text() for d in problems(run_check(example))] == [
        f"{STORY}:{line}:{column}: error[control-character] the control character U+0085 at column {column} — delete "
        "it; it often comes from pasting from a word processor"]
    with pytest.raises(BuildRefused):
        build(example, example / "_site", TODAY)


def test_a_c1_control_in_a_team_catalogue_is_a_located_error(example: Path) -> None:
    (example / "locale").mkdir()
    (example / "locale/en.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                         'msgid "Stories"\nmsgstr "Our\x92 stories"\n', "utf-8")
    errors = [d for d in run_check(example).diagnostics if d.rule == "control-character"]
    assert [(d.loc.path, d.loc.line, d.loc.col) for d in errors] == [("locale/en.po", 6, 12)]
    assert "U+0092" in errors[0].message


EXPORTED = ("Unlock failed when I didn\x92t switch to maps", "Deposit still not back\x85 after 13 days.")


@pytest.mark.parametrize("threshold", ["off", "0"], ids=["loaded-by-python", "kept-in-duckdb"])
def test_c1_controls_in_feedback_exports_pass_and_the_pages_showing_them_drop_them(
        example: Path, monkeypatch: pytest.MonkeyPatch, threshold: str) -> None:
    """An export nobody edits by hand (a verbatim's U+0092: Windows-1252 read as Latin-1): no error to block the
    build over a row the team cannot fix; the pages showing it leave the character out, and are valid HTML."""
    monkeypatch.setenv(csvstore.THRESHOLD_VARIABLE, threshold)
    # the newest row of each export, which its irritant's page quotes
    edit(example / "feedback/surveys-and-reviews.csv", "nps,6,Unlock failed when I switched to maps,,",
         f"nps,6,{EXPORTED[0]},,")
    jsonl = example / "feedback/helpdesk-export.jsonl"
    *rows, newest = jsonl.read_text("utf-8").rstrip("\n").split("\n")
    assert '"id": "TCK-15484"' in newest
    said = json.dumps(EXPORTED[1])   # written as a JSON escape, \u0085, as exporters write it
    jsonl.write_text("\n".join([*rows, newest.replace('"Deposit still not back after 12 days. Please fix this."', said)])
                     + "\n", "utf-8")
    result = run_check(example)
    assert problems(result) == []
    assert (result.backlog.stored_feedback is not None) == (threshold == "0")
    build(example, example / "_site", TODAY)
    shown = {said: [path for path in sorted((example / "_site").rglob("*.html"))
                    if said.replace("\x92", "").replace("\x85", "") in path.read_text("utf-8")] for said in EXPORTED}
    assert all(shown.values()), shown   # each verbatim is on a page (its irritant's), without its control character
    written = {path: path.read_bytes() for path in (example / "_site").rglob("*")   # (Pagefind's are compressed)
               if path.is_file() and path.suffix in {".html", ".xml", ".json", ".txt", ".md", ".csv", ".ics"}}
    assert [path for path, data in written.items() if b"\xc2\x92" in data or b"\xc2\x85" in data] == []
    pages = sorted({str(path) for paths in shown.values() for path in paths})
    completed = subprocess.run(["java", "-jar", str(REPO / "node_modules/vnu-jar/build/dist/vnu.jar"), "--errors-only",
                                "--format", "json", *pages], capture_output=True, text=True, timeout=600)
    assert json.loads(completed.stderr or "{}").get("messages", []) == []


@pytest.mark.parametrize("file, old, new", [
    (STORY, "title: 20% off a helmet at partner bike shops", 'title: "  "'),
    (STORY, "you_said: You asked to rent a helmet together with the bike.", 'you_said: " "'),
    ("backlog/irritants/cash-at-stations.yaml", "public_title: Paying with cash at stations", "public_title: ' '"),
    ("backlog/irritants/helmet-rental.yaml", "title: ", 'title: "\t"\ncause: '),
], ids=["story title", "public story you_said", "public title", "irritant title"])
def test_titles_and_required_text_that_are_blank_are_errors(example: Path, file: str, old: str, new: str) -> None:
    edit(example / file, old, new)
    result = run_check(example)
    key = new.split(":")[0]
    assert (file, line_of(example / file, f"{key}:"), "required" if key != "you_said" else "story-public") in \
        found(result), [d.as_text() for d in result.diagnostics]
    assert result.failed()


TRICKY = {
    "title": "Helmets & locks <together> 🚲 at last",
    "you_said": "You asked\tfor helmets — שלום, مرحبا — with ]]> and <b> in your words.",
    "body": "Tabs\tstay, emoji 🚲 stay, RTL שלום stays, & stays, <i> stays as text, ]]> stays.",
}


def test_every_kind_of_allowed_tricky_text_builds_feeds_that_parse(example: Path) -> None:
    edit(example / STORY, "title: 20% off a helmet at partner bike shops", f"title: {json.dumps(TRICKY['title'], ensure_ascii=False)}")
    edit(example / STORY, f"you_said: {YOU_SAID}", f"you_said: {json.dumps(TRICKY['you_said'], ensure_ascii=False)}")
    edit(example / STORY, BODY_LINE, TRICKY["body"])
    result = run_check(example)
    assert [d for d in result.diagnostics if d.severity is Severity.ERROR] == []
    build(example, example / "_site", TODAY)
    public = example / "_site/public"
    atom = ET.parse(public / "feed.xml").getroot()
    titles = [t.text for t in atom.iter("{http://www.w3.org/2005/Atom}title")]
    assert TRICKY["title"] in titles
    contents = "".join(c.text or "" for c in atom.iter("{http://www.w3.org/2005/Atom}content"))
    assert "you said:</strong> you asked\tfor helmets" in contents.lower() and "]]&gt; stays" in contents
    assert ET.parse(public / "sitemap.xml").getroot().tag.endswith("urlset")
    feed = json.loads((public / "feed.json").read_text("utf-8"))
    assert TRICKY["title"] in [item["title"] for item in feed["items"]]


# --- 8. comments and raw HTML in bodies ----------------------------------------------------

def test_an_html_comment_in_a_public_body_is_published_nowhere(example: Path) -> None:
    edit(example / STORY, BODY_LINE, f"{BODY_LINE}\n\n<!-- owner: Maya, CUST-737397 -->\n\nInline <!-- note to "
         "Maya --> too, and `<!-- kept as code -->`.")
    # a comment is never published, so the customer reference inside it is not personal data
    assert problems(run_check(example)) == []
    build(example, example / "_site", TODAY)
    site = example / "_site"
    page = _story_page(site / "public", "20% off a helmet")
    assert "Inline  too" in page and "&lt;!-- kept as code --&gt;" in page
    feeds = (site / "public/feed.xml").read_text("utf-8") + (site / "public/feed.json").read_text("utf-8")
    assert "Inline  too" in feeds
    for name, text in {**_files(site / "public"), **_files(site / "internal")}.items():
        assert "owner: Maya" not in text and "note to" not in text, name
    assert "Inline  too" in _story_page(site / "internal", "20% off a helmet")


def test_raw_html_in_a_public_body_is_a_warning_on_its_line_and_shown_as_text(example: Path) -> None:
    edit(example / STORY, BODY_LINE, f"{BODY_LINE}\n\nSome <b>bold</b> words.")
    result = run_check(example)
    assert found(result) == [(STORY, line_of(example / STORY, "<b>bold"), "raw-html")]
    assert problems(result)[0].severity is Severity.WARNING
    assert "<b> </b>" in problems(result)[0].message
    build(example, example / "_site", TODAY)
    assert "Some &lt;b&gt;bold&lt;/b&gt; words." in _story_page(example / "_site/public", "20% off a helmet")


def test_raw_html_in_an_internal_body_is_not_reported(example: Path) -> None:
    edit(example / STORY, "audience: public", "audience: internal")
    edit(example / STORY, BODY_LINE, f"{BODY_LINE}\n\nSome <b>bold</b> words.")
    assert _only(example, "raw-html") == []


def test_a_comment_that_is_never_closed_is_an_error_not_a_leak(example: Path) -> None:
    edit(example / STORY, BODY_LINE, f"{BODY_LINE}\n\nText <!-- owner: Maya, do not publish")
    assert found(run_check(example)) == [(STORY, line_of(example / STORY, "<!-- owner"), "html-comment-unclosed")]


@pytest.mark.parametrize("file, old, new, keep", [
    (STORY, YOU_SAID, "You asked to rent a helmet. <!-- Maya asks billing first -->", "internal_notes"),
    ("backlog/irritants/helmet-rental.yaml", "public_title: Renting a helmet at the station",
     "public_title: Renting a helmet <!-- Maya asks billing first -->", "summary"),
])
def test_a_comment_in_a_public_field_is_an_error_not_a_leak(example: Path, file: str, old: str, new: str,
                                                             keep: str) -> None:
    """Only a body is markdown: a note hidden as in the body was published as text, with no word from check."""
    edit(example / file, old, new)
    assert found(run_check(example)) == [(file, line_of(example / file, "<!-- Maya"), "html-comment-field")]
    comment = _only(example, "html-comment-field")[0]
    assert "customers read it as text" in comment.message and keep in comment.hint
    with pytest.raises(BuildRefused):
        build(example, example / "_site", TODAY)


def test_a_body_of_unclosed_comments_is_checked_in_seconds_not_minutes(example: Path) -> None:
    """Each '<!--' that no '-->' closes was scanned to the end of the body by the comment pattern, once for every
    '<!--': 20,000 of them (80 KB) took about a minute to check, 50,000 several minutes to build — a pull request
    could stall CI. Now it takes the time of reading them."""
    edit(example / STORY, BODY_LINE, f"{BODY_LINE}\n\nText " + "<!--" * 20_000 + "\n\n" + "<!--" * 20_000)
    started = time.perf_counter()
    result = run_check(example)
    assert time.perf_counter() - started < 15
    assert [d.rule for d in problems(result)] == ["html-comment-unclosed", "html-comment-unclosed"]


@pytest.mark.parametrize("seed", range(4))
def test_comments_are_found_where_the_commonmark_pattern_finds_them(seed: int) -> None:
    """comment_spans is COMMENT.finditer without its quadratic worst case: the same comments, everywhere."""
    import random
    import re

    from site_gen.markdown import COMMENT, comment_spans
    pieces = ["<!--", "-->", "-", "--", ">", "<", "!", "a", " ", "\n", "--->", "<!-->", "<!--->"]
    draw = random.Random(seed)
    for _ in range(20_000):
        text = "".join(draw.choice(pieces) for _ in range(draw.randint(0, 14)))
        expected: list[tuple[int, int]] = [match.span() for match in re.finditer(COMMENT, text)]
        assert comment_spans(text) == expected, text


@pytest.mark.parametrize("before", ["a", "é\n", "<p>word</p>\n"])
def test_a_page_drops_exactly_the_characters_html_refuses_whatever_the_text_around_them(before: str) -> None:
    """The renderer's quick paths (printable text, ASCII text) drop exactly what UNPUBLISHABLE names, after short,
    accented and rendered text: every code point that is one, and those around each."""
    from site_gen.fieldtypes import UNPUBLISHABLE
    from site_gen.publish.render import displayable
    codes = [*range(0x3000), *range(0xD700, 0x10000),
             *(plane << 16 | low for plane in range(1, 17) for low in (*range(0x40), *range(0xFFC0, 0x10000)))]
    assert sum(UNPUBLISHABLE.match(chr(code)) is not None for code in codes) == 2176   # every one of them
    wrong = [hex(code) for code in codes
             if (displayable(before + chr(code)) == before) != (UNPUBLISHABLE.match(chr(code)) is not None)]
    assert wrong == []
