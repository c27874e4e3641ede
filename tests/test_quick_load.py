"""The quick path for record files (site_gen/load/quick.py) never disagrees with the precise path.

A record file with nothing to report is loaded in one pass from libyaml's nodes; any other file goes the
precise way, which says what is wrong at its line and column. For every record file the tests use and for
generated ones, good and broken, loading gives exactly what the precise path gives: the same record (every
value, of the same type, and every place in `locs`) and the same diagnostics, in the same order.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_gen.diagnostics import Diagnostic, PackedPlaces, Places, SourceLoc
from site_gen.load import load_backlog
from site_gen.load.quick import quick_record
from site_gen.load.records import (
    load_decision,
    load_decision_precisely,
    load_irritant,
    load_irritant_precisely,
    load_story,
    load_story_precisely,
)
from site_gen.model import Unreadable

from .conftest import REPO
from .test_bad_inputs import CORPUS, VALID_IRRITANT, VALID_STORY
from .test_rules import CASES, Case, _apply

Loader = Callable[[Path, Path, list[Diagnostic]], Any]
LOADERS: dict[str, tuple[Loader, Loader]] = {
    "irritant": (load_irritant, load_irritant_precisely),
    "decision": (load_decision, load_decision_precisely),
    "story": (load_story, load_story_precisely),
}
FOLDERS = {"irritant": "backlog/irritants", "decision": "backlog/decisions", "story": "backlog/stories"}


def _kind(rel: str) -> str:
    return next(kind for kind, folder in FOLDERS.items() if rel.startswith(folder + "/"))


def _same(quick: Any, precise: Any) -> None:
    """Equal, field by field and of the same types (an enum member equals its text), with the same places."""
    assert type(quick) is type(precise)
    if precise is None:
        return
    for field in dataclasses.fields(precise):
        mine, theirs = getattr(quick, field.name), getattr(precise, field.name)
        assert mine == theirs, field.name
        assert type(mine) is type(theirs), field.name
        if isinstance(theirs, tuple):
            assert [type(item) for item in mine] == [type(item) for item in theirs], field.name
    if hasattr(precise, "locs"):  # locs do not take part in ==
        assert list(quick.locs.items()) == list(precise.locs.items())
        assert type(quick.locs) is type(precise.locs)


def agree(path: Path, root: Path, kind: str) -> bool:
    """Loading the file gives what the precise path gives; True when the quick path took it."""
    load, load_precisely = LOADERS[kind]
    expected: list[Diagnostic] = []
    precise = load_precisely(path, root, expected)
    found: list[Diagnostic] = []
    _same(load(path, root, found), precise)
    assert found == expected
    quick = quick_record(path, root, kind)
    if quick is not None:
        assert expected == [], "the quick path took a file with something to report"
        _same(quick, precise)
    return quick is not None


def _record_files(root: Path) -> list[tuple[Path, str]]:
    return [(path, kind) for kind, folder in FOLDERS.items() for path in sorted((root / folder).iterdir())
            if path.suffix in (".yaml", ".yml", ".md")]


def test_every_record_of_the_repository_loads_as_the_precise_path_loads_it() -> None:
    assert all(agree(path, REPO, kind) for path, kind in _record_files(REPO))


def test_a_clean_record_takes_the_quick_path_and_a_broken_one_the_precise_path(example: Path) -> None:
    # the repository's own records are clean: each one is loaded quickly (else this work would be for nothing)
    clean = example / "backlog/irritants/helmet-rental.yaml"
    assert quick_record(clean, example, "irritant") is not None
    clean.write_text(clean.read_text("utf-8").replace("status:", "status: doing\nstatus:"), "utf-8")
    assert quick_record(clean, example, "irritant") is None
    assert not agree(clean, example, "irritant")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_broken_record_of_the_rules_cases_loads_as_the_precise_path_loads_it(case: Case, example: Path) -> None:
    path = _apply(case, example)
    if case.file.startswith("backlog/"):
        agree(path, example, _kind(case.file))


RECORD_CORPUS = [name for name, (rel, *_) in CORPUS.items() if rel.startswith("backlog/")]


@pytest.mark.parametrize("name", RECORD_CORPUS)
def test_each_broken_file_of_the_bad_inputs_loads_as_the_precise_path_loads_it(name: str, example: Path) -> None:
    rel, content, *_ = CORPUS[name]
    (example / rel).write_bytes(content)
    assert not agree(example / rel, example, _kind(rel))


TRICKY = {  # what the generated files below may not reach
    "a tag on the whole record": ("irritant", ("!custom\n" + VALID_IRRITANT).encode(), False),
    "a tag on a list": ("story", b"---\ntitle: x\ndate: 2026-01-01\nirritants: !x [helmet-rental]\n---\n", False),
    "a non-character in the body": ("story", VALID_STORY.replace("Body.", "Body \ufffe.").encode(), False),
    "a non-character in a value": ("irritant", VALID_IRRITANT.replace("unknown", "un\uffffknown").encode(), False),
    "a blank title in single quotes": ("irritant", VALID_IRRITANT.replace("title: Broken", "title: '  '").encode(),
                                       False),
    "a bell from a double-quoted escape": ("irritant", VALID_IRRITANT.replace("owner: Jonas Berg", 'owner: "Jo\\anas"')
                                           .encode(), False),
    "a replacement character, which is fine": ("story", VALID_STORY.replace("Body.", "Body \ufffd.").encode(), True),
    "a list in block style": ("story", VALID_STORY.replace("[helmet-rental]", "\n  - helmet-rental\n  - b").encode(),
                              True),
    "an alias of a value": ("irritant", VALID_IRRITANT.replace("cause: unknown", "cause: &c unknown\nsummary: *c")
                            .encode(), True),
}


@pytest.mark.parametrize("name", list(TRICKY))
def test_tricky_records_load_as_the_precise_path_loads_them(name: str, example: Path) -> None:
    kind, content, quick = TRICKY[name]
    path = example / FOLDERS[kind] / ("tricky.yaml" if kind == "irritant" else "tricky.md")
    path.write_bytes(content)
    assert agree(path, example, kind) is quick


def test_the_same_text_quoted_and_plain_is_converted_by_its_yaml_type(example: Path) -> None:
    # converted values are remembered by YAML type and text: "no" is an ID, no is a boolean
    path = example / "backlog/irritants/quoted.yaml"
    for team, expected in (('"no"', []), ("no", ["type"]), ('"no"', [])):
        path.write_text(VALID_IRRITANT.replace("team: billing", f"team: {team}"), "utf-8")
        found: list[Diagnostic] = []
        load_irritant(path, example, found)
        assert [d.rule for d in found] == expected
        agree(path, example, "irritant")


def test_too_many_values_are_reported_by_the_precise_path(example: Path) -> None:
    # a flat list is read in one pass, but the limit on values (alias bombs) still holds
    path = example / "backlog/irritants/long-list.yaml"
    path.write_text(VALID_IRRITANT + "feedback: [" + "x," * 200_000 + "x]\n", "utf-8")
    found: list[Diagnostic] = []
    assert load_irritant(path, example, found) == Unreadable(kind="irritant", id="long-list", loc=SourceLoc(
        "backlog/irritants/long-list.yaml"))   # it keeps its ID: what cites it is not a reference error
    assert [d.rule for d in found] == ["parse"] and "more than 200,000 values" in found[0].message
    assert not agree(path, example, "irritant")


def test_a_whole_backlog_loads_the_same_records_and_diagnostics_as_the_precise_path(example: Path) -> None:
    # a few broken files among clean ones, through load_backlog as check runs it
    for name in ("unknown field", "impossible date", "recursive alias"):
        rel, content, *_ = CORPUS[name]
        (example / rel.replace("broken", name.replace(" ", "-"))).write_bytes(content)
    backlog, diagnostics = load_backlog(example, workers=1)
    for path, kind in _record_files(example):
        agree(path, example, kind)
    assert backlog.irritants and diagnostics


# --- generated front matter, good and broken -------------------------------------------------------------------

VALUES = [
    # text, numbers and YAML 1.1 surprises
    "Plain words", '"Quoted: with a colon"', "'single quoted'", '""', '"  "', "''", "'   '", "|\n  \n", "yes", "no", "~", "null", "", "12",
    "0042", "12:30", "1.5", ".inf", "0x1f", "1_000", "-3", "true", '"a\\x07b"', '"tab\\tand\\nnewline"', "|\n  block\n  text",
    ">\n  folded\n  text", "Übergröße café", "\U0001f6b2 bike", '"\\uFFFE"', '"\\uFFFD ok"',
    # dates and times
    "2026-01-08", "2026-02-30", "0000-01-01", "2026-13-01", '"2026-01-08"', "2026-01-08 10:00:00", "2026-1-8",
    "next spring",
    # states and IDs
    "open", "done", "doing", "in-progress", "public", "internal", "plan", "act-now", "decline", "arbitration",
    "reviewed", "payment", "ops", "Bad_Id", "helmet-rental", "rule",
    # lists, mappings, tags, aliases
    "[helmet-rental, slow-unlock]", "[]", "[a, [b]]", "[Bad_Id]", "[helmet-rental, helmet-rental]",
    "\n  - helmet-rental\n  - slow-unlock", "\n  - {a: b}", "{a: b}", "\n  a: b", "!!str 12", "!!int 12",
    "!custom x", "!!binary aGk=", "!!timestamp 2026-01-08", "! 12", "!!seq [a]", "!!map {a: b}", "!!python/none ''",
    "&anchor Anchored", "*anchor", "&list [helmet-rental]", "*list", "*missing", "<<", "=",
    # syntax errors
    "[unclosed", '"unclosed', "a: b: c", "\tindented", "- item", "!x [helmet-rental]", "non\ufffecharacter",
    "replacement \ufffd character",
]
NAMES = ["id", "title", "summary", "public_title", "journey_stage", "team", "owner", "cause", "triage", "status",
         "opened", "target", "reviewed", "closed", "feedback", "visibility", "slug", "aliases", "date", "review_on",
         "kind", "change", "irritants", "steps_delta", "outcome", "outcome_date", "audience", "you_said", "we_did",
         "allow_personal_data", "titel", "<<", '"title"', "'date'", "? [a]\n", "2026-01-08", "true"]
GOOD = {
    "irritant": ["title: A pain", "journey_stage: payment", "team: ops", "triage: plan", "status: open",
                 "opened: 2026-01-08", "target: 2026-03-01", "feedback: [F-1, F-2]", "visibility: public",
                 "public_title: Shown", "owner: Someone"],
    "decision": ["title: A choice", "date: 2026-01-08", "owner: Someone", "review_on: 2026-06-01", "status: active",
                 "kind: arbitration", "irritants: [helmet-rental]", "steps_delta: 1", "change: rule"],
    "story": ["title: A story", "date: 2026-01-08", "irritants: [helmet-rental]", "audience: public",
              "you_said: Words", "we_did: &d Deeds", "aliases:\n  - old-slug"],
}
# optional lines a valid record may have, in the forms people write them
OPTIONAL = {
    "irritant": ["owner:", "cause: ~", "summary: |\n  Two lines\n  of text.", "feedback: []", "feedback:",
                 "feedback:\n  - F-1\n  - F-2", "aliases: [old-one, \"stories/x\"]", "target: \"2026-04-01\"",
                 "reviewed: 2026-02-01", "closed: null", "slug: a-slug", "decline_reason: 'quoted: text'",
                 "allow_personal_data: [\"+33 1 23 45 67 89\"]", "id: generated", "owner: &who Someone",
                 "cause: >\n  folded\n  text", "# a comment", "", "visibility: internal", "triage: act-now",
                 "status: done", "title: \"Text with \\u00e9 escape\""],
    "decision": ["outcome:", "steps_delta: -2", "steps_delta: 0x1", "metric: nps", "customer: Words",
                 "follows: other-decision", "irritants: []", "irritants:\n  - a\n  - b", "change:", "id: generated",
                 "what_happened: |\n  Lines.", "kind: debrief", "status: reviewed", "review_on: 2027-01-01"],
    "story": ["journey_stage: payment", "result:", "internal_notes: ~", "aliases: []", "slug: a-story",
              "allow_personal_data:", "irritants:\n  - helmet-rental\n  - slow-unlock", "audience: internal",
              "id: generated", "title: 'Single'", "result: *d", "irritants: ~"],
}
STEMS = ["generated", "generated", "generated", "helmet-rental", "Bad_Name", "two--hyphens"]


@st.composite
def record_files(draw: st.DrawFn) -> tuple[str, str, bytes]:
    """(kind, file name, bytes): mostly a valid record with a few lines changed, some of them broken."""
    kind = draw(st.sampled_from(sorted(GOOD)))
    lines = draw(st.permutations(GOOD[kind]))
    for _ in range(draw(st.integers(0, 3))):  # still valid: a line with a key already there replaces it
        line = draw(st.sampled_from(OPTIONAL[kind]))
        same = [index for index, given in enumerate(lines) if given.split(":")[0] == line.split(":")[0]]
        if same:
            lines[same[0]] = line
        else:
            lines.insert(draw(st.integers(0, len(lines))), line)
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):  # probably broken
        line = draw(st.one_of(
            st.builds(lambda name, value: f"{name}: {value}", st.sampled_from(NAMES), st.sampled_from(VALUES)),
            st.sampled_from(GOOD[kind]),  # a repeated key
            st.sampled_from(["# a comment", "", "  ", "id: generated", "id: other-name", "...", "%YAML 1.1"]),
            st.text(max_size=20).map(lambda text: text.replace("\x00", "")),
        ))
        at = draw(st.integers(0, len(lines)))
        if draw(st.booleans()) and lines:
            lines[min(at, len(lines) - 1)] = line
        else:
            lines.insert(at, line)
    front = "\n".join(lines) + "\n"
    if kind == "irritant":
        text = front
    else:
        text = "---\n" + front + "---\n\n" + draw(st.sampled_from(["Body.\n", "", "A \x07 bell.\n", "---\n", "\ufffe\n", "\ufffd\n"]))
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 19)) == 0:
        data = b"\xef\xbb\xbf" + data
    stem = draw(st.sampled_from(STEMS))
    return kind, stem + (".yaml" if kind == "irritant" else ".md"), data


def test_generated_records_load_as_the_precise_path_loads_them(tmp_path: Path) -> None:
    taken = {True: 0, False: 0}

    @settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(record_files())
    def loads_alike(record: tuple[str, str, bytes]) -> None:
        kind, name, data = record
        path = tmp_path / FOLDERS[kind] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        taken[agree(path, tmp_path, kind)] += 1
        path.unlink()

    loads_alike()
    assert taken[True] > 20 and taken[False] > 20, taken  # no use if every file went one way


def test_a_records_places_pickle_as_numbers_and_come_back_equal(example: Path) -> None:
    # a worker hands its records back pickled: 170,000 places per 15,000 records, as line and column numbers
    record = load_irritant(example / "backlog/irritants/helmet-rental.yaml", example, [])
    assert record is not None and len(record.locs) > 5
    data = pickle.dumps(record.locs, pickle.HIGHEST_PROTOCOL)
    assert b"SourceLoc" not in data
    back = pickle.loads(data)
    # read back packed: a place is made when a rule asks for it, equal to the one the loader made
    assert type(back) is PackedPlaces and list(back.items()) == list(record.locs.items())
    assert back == record.locs and record.locs == back and back.get("owner") == record.locs["owner"]
    assert "owner" in back and "ownr" not in back and back.get("ownr") is None and len(back) == len(record.locs)
    with pytest.raises(KeyError):
        back["ownr"]
    # pickled again as it was first: a record's content hash (the page cache's key) is the same either way
    assert pickle.dumps(back, pickle.HIGHEST_PROTOCOL) == data
    assert pickle.loads(pickle.dumps(record)).locs == record.locs
    # places in several files (none of the loaders makes these) pickle as a dict would
    mixed = Places(a=SourceLoc("a.yaml", 1, 2), b=SourceLoc("b.yaml", 3, 4))
    assert pickle.loads(pickle.dumps(mixed)) == mixed and pickle.loads(pickle.dumps(Places())) == {}
    place = SourceLoc("a.yaml", 3, 4)
    assert pickle.loads(pickle.dumps(place)) == place and copy.copy(place) == place
    with pytest.raises(dataclasses.FrozenInstanceError):
        place.line = 5  # type: ignore[misc]


def test_a_file_is_read_whole_only_when_it_is_a_regular_file_within_the_limit(tmp_path: Path) -> None:
    """incremental.read_regular, which the quick path and the cache read files with: the bytes of a regular file
    within the limit (or of any size without one), and None for a larger file, a link, a named pipe, a folder or
    a missing file."""
    import os

    from site_gen.incremental import read_regular

    limit = 64
    (tmp_path / "empty.yaml").write_bytes(b"")
    (tmp_path / "at-limit.yaml").write_bytes(b"a" * limit)
    (tmp_path / "over-limit.yaml").write_bytes(b"a" * (limit + 1))
    (tmp_path / "large.csv").write_bytes(b"b" * (3 << 20))
    (tmp_path / "link.yaml").symlink_to(tmp_path / "at-limit.yaml")
    (tmp_path / "folder.yaml").mkdir()
    os.mkfifo(tmp_path / "pipe.yaml")
    assert read_regular(tmp_path / "empty.yaml", limit) == b""
    assert read_regular(tmp_path / "at-limit.yaml", limit) == b"a" * limit
    assert read_regular(tmp_path / "over-limit.yaml", limit) is None
    assert read_regular(tmp_path / "over-limit.yaml") == b"a" * (limit + 1)
    assert read_regular(tmp_path / "large.csv") == b"b" * (3 << 20)
    for name in ("link.yaml", "folder.yaml", "pipe.yaml", "missing.yaml"):
        assert read_regular(tmp_path / name, limit) is None, name
        assert read_regular(tmp_path / name) is None, name
