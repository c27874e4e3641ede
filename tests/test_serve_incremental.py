"""`site-gen serve` after a save (issue 12, item 1): a story body edit re-renders only the pages that show it,
writes only the files whose bytes changed, in place; every other edit takes the full path. After any sequence of
edits the served sites are byte for byte what a cold build writes, and the public one leaks nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from site_gen import live as live_module
from site_gen.build import build
from site_gen.check import check_repository
from site_gen.diagnostics import Diagnostic
from site_gen.errors import UnsafeOutput
from site_gen.facts import derive_facts
from site_gen.fields import ARBITRATION_QUESTIONS, DEBRIEF_POINTS
from site_gen.live import TARGETS, Holders, Substitution, checked, render_some, replacements
from site_gen.load.records import load_story
from site_gen.model import Decision, Irritant, Story
from site_gen.record_edits import OWN
from site_gen.rules import FAMILIES
from site_gen.rules.records import judge_records
from site_gen.serve import Preview

from .canary import CANARY, add_journey_stage, write_canary_repo
from .conftest import TODAY, WEEKEND_TRIAL_TITLE, add_weekend_fare_decisions, copy_example, edit

STORY = "backlog/stories/helmet-discount.md"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def served(preview: Preview) -> dict[str, bytes]:
    assert preview.out is not None
    return {f"{site}/{name}": data for site in ("public", "internal") for name, data in
            tree(preview.out / site).items()}


def cold(root: Path, out: Path) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    build(root, out, TODAY, cache=False, search=False)
    return {f"{site}/{name}": data for site in ("public", "internal") for name, data in tree(out / site).items()}


def started(root: Path, out: Path) -> Preview:
    """A preview built into `out`, not listening for changes (the test says what changed, as the watcher would)."""
    preview = Preview(root, port=0, today=TODAY, search=False)
    preview.server.server_close()
    out.mkdir()
    preview.out = out
    preview.rebuild()
    assert not (preview.problems or preview.failure)
    return preview


def saved(preview: Preview, changed: set[Path]) -> None:
    """Rebuild for these saved files, as the watcher does."""
    preview.rebuild(changed)


def inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_a_body_edit_rewrites_only_the_files_that_show_it_in_place(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    preview = started(root, tmp_path / "served")
    assert preview.live is not None
    before = inodes(preview.out)
    edit(root / STORY, "\n\n", "\n\nA new paragraph about helmets.\n\n")
    saved(preview, {root / STORY})
    assert preview.live is not None and not (preview.problems or preview.failure)
    assert "A new paragraph about helmets." in (preview.out / "internal/stories/helmet-discount/index.html").read_text()
    after = inodes(preview.out)
    rewritten = {name for name, inode in after.items() if before.get(name) != inode}
    assert "internal/stories/helmet-discount/index.html" in rewritten
    assert 0 < len(rewritten) < len(after) // 4, sorted(rewritten)   # in place: every other file kept its inode
    assert served(preview) == cold(root, tmp_path / "cold")


def test_a_file_put_beside_a_served_site_after_a_body_edit_stops_the_next_build_and_is_kept(tmp_path: Path) -> None:
    """A body edit rewrites the marker in place: it keeps the list of the site's files, so a CNAME put into the
    served public site is still one the next build did not write (the edit's marker vouched for the whole folder,
    and the build deleted the CNAME with it)."""
    root = copy_example(tmp_path / "repo")
    preview = started(root, tmp_path / "served")
    edit(root / STORY, "\n\n", "\n\nA new paragraph about helmets.\n\n")
    saved(preview, {root / STORY})
    assert preview.live is not None and not (preview.problems or preview.failure) and not preview.live.full_path
    cname = preview.out / "public" / "CNAME"
    cname.write_text("backlog.example.org\n")
    with pytest.raises(UnsafeOutput, match="holds CNAME, which site-gen did not write"):
        build(root, preview.out, TODAY, cache=False, search=False)
    assert cname.read_text() == "backlog.example.org\n"


def test_a_you_said_edit_rewrites_only_the_files_that_show_it_in_place(tmp_path: Path) -> None:
    """A story's words in its front matter show on its own page and on every list and feed that names it: those
    files, and only those, are written again, without the full path."""
    root = copy_example(tmp_path / "repo")
    preview = started(root, tmp_path / "served")
    assert preview.out is not None
    before = inodes(preview.out)
    edit(root / STORY, "you_said: You asked to rent a helmet", "you_said: You asked us twice to rent a helmet")
    assert preview.update_sites({root / STORY}), preview.live and preview.live.full_path   # the fast path
    after = inodes(preview.out)
    rewritten = {name for name, inode in after.items() if before.get(name) != inode}
    assert {"public/stories/2026-06-20-off-a-helmet-at-partner-bike-shops/index.html", "public/index.html",
            "public/feed.xml", "public/feed.json", "internal/stories/helmet-discount/index.html"} <= rewritten
    assert all("You asked us twice to rent a helmet" in (preview.out / name).read_text("utf-8")
               for name in rewritten if name.endswith((".html", ".xml", ".json")) and "/redirect" not in name), \
        sorted(rewritten)
    assert 0 < len(rewritten) < len(after) // 4, sorted(rewritten)   # in place: every other file kept its inode
    assert served(preview) == cold(root, tmp_path / "cold")


def test_a_you_said_edit_renders_again_only_the_pages_that_read_it(tmp_path: Path, monkeypatch) -> None:
    """Each page notes which story words it read, of which objects: after a you_said edit only the pages that read
    that story's you_said are rendered again (not the lists that show only its title, nor the board that holds
    the irritant it closes), and each shows the new words."""
    root = copy_example(tmp_path / "repo")
    preview = started(root, tmp_path / "served")
    assert preview.out is not None and preview.live is not None
    site_of = {id(state.env): site for site, state in preview.live.sites.items()}
    rendered: set[str] = set()

    def noted(env, pages, shared):  # noqa: ANN001, ANN202 - live.render_some's own
        pages = list(pages)
        rendered.update(f"{site_of[id(env)]}/{page.path}" for page in pages)
        return render_some(env, pages, shared)
    monkeypatch.setattr(live_module, "render_some", noted)
    edit(root / STORY, "you_said: You asked to rent a helmet", "you_said: You asked us twice to rent a helmet")
    assert preview.update_sites({root / STORY}), preview.live.full_path
    assert {"internal/stories/helmet-discount/index.html", "public/index.html"} <= rendered
    assert "internal/stories/index.html" not in rendered and not any("/board/" in path for path in rendered)
    assert all("You asked us twice to rent a helmet" in (preview.out / path).read_text("utf-8")
               for path in rendered), sorted(rendered)
    assert served(preview) == cold(root, tmp_path / "cold")


def test_an_internal_notes_edit_changes_no_public_file(tmp_path: Path) -> None:
    root = write_canary_repo(tmp_path / "repo")
    preview = started(root, tmp_path / "served")
    assert preview.out is not None and preview.live is not None
    public = tree(preview.out / "public")
    story = root / f"backlog/stories/{CANARY}publicstory.md"
    edit(story, "internal_notes: \"", f"internal_notes: \"{CANARY} more notes, ")
    assert preview.update_sites({story}), preview.live.full_path
    assert tree(preview.out / "public") == public
    assert f"{CANARY} more notes" in (preview.out / f"internal/stories/{CANARY}publicstory/index.html").read_text()
    assert served(preview) == cold(root, tmp_path / "cold")


def test_a_title_edit_of_a_story_with_its_own_slug_takes_the_fast_path_and_renames_its_redirects(
        tmp_path: Path) -> None:
    """The page an alias sends readers on from is named by the story's title: it is written again too."""
    root = write_canary_repo(tmp_path / "repo")
    two = root / f"backlog/stories/{CANARY}publicstorytwo.md"
    edit(two, "story title public", "second story title public")   # no other story shares its date and title
    preview = started(root, tmp_path / "served")
    assert preview.out is not None and preview.live is not None
    edit(two, "title: \"", "title: \"Renamed ")
    assert preview.update_sites({two}), preview.live.full_path
    assert "Renamed" in (preview.out / "public/stories/publicmark-story-two-old-address/index.html").read_text()
    assert served(preview) == cold(root, tmp_path / "cold")


@pytest.mark.parametrize(("old", "new", "why"), [
    ("date: 2026-06-20", "date: 2026-06-21", "not a story edit of its words alone"),
    ("irritants: [helmet-rental]", "irritants: [helmet-rental, battery-range-wrong]", "not a story edit of its words alone"),
    ("slug: 2026-06-20-off-a-helmet-at-partner-bike-shops\n", "", "not a story edit of its words alone"),
])
def test_a_front_matter_edit_of_anything_but_its_words_takes_the_full_path(tmp_path: Path, old: str, new: str,
                                                                           why: str) -> None:
    root = copy_example(tmp_path / "repo")
    preview = started(root, tmp_path / "served")
    edit(root / STORY, old, new)
    assert not preview.update_sites({root / STORY})   # nothing written
    assert preview.live is not None and preview.live.full_path == why
    saved(preview, {root / STORY})
    assert served(preview) == cold(root, tmp_path / "cold")


def test_a_title_edit_that_moves_a_derived_address_takes_the_full_path(tmp_path: Path) -> None:
    """A published story without a slug of its own lives at the address its title derives: a new title moves it."""
    root = copy_example(tmp_path / "repo")
    edit(root / STORY, "slug: 2026-06-20-off-a-helmet-at-partner-bike-shops\n", "")
    preview = started(root, tmp_path / "served")
    edit(root / STORY, "title: 20% off a helmet", "title: 30% off a helmet")
    assert not preview.update_sites({root / STORY}) and preview.live is not None
    assert preview.live.full_path == "addresses"
    saved(preview, {root / STORY})
    assert served(preview) == cold(root, tmp_path / "cold")


def test_a_body_edit_that_reorders_derived_addresses_takes_the_full_path(tmp_path: Path) -> None:
    """Two stories alike but for their bodies: the body decides which gets the numbered derived address."""
    root = copy_example(tmp_path / "repo")
    text = (root / STORY).read_text("utf-8")
    twin = root / "backlog/stories/helmet-twin.md"
    twin.write_text("\n".join(line for line in text.splitlines() if not line.startswith("slug:")) + "\n", "utf-8")
    (root / STORY).write_text(twin.read_text("utf-8").replace("\n\n", "\n\nA first paragraph.\n\n", 1), "utf-8")
    preview = started(root, tmp_path / "served")
    edit(root / STORY, "A first paragraph.", "Zzz, a last paragraph.")
    assert not preview.update_sites({root / STORY}) and preview.live is not None
    assert preview.live.full_path == "addresses"
    saved(preview, {root / STORY})
    assert served(preview) == cold(root, tmp_path / "cold")


def test_a_body_edit_that_brings_a_check_error_shows_the_error_page(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    preview = started(root, tmp_path / "served")
    edit(root / STORY, "\n\n", "\n\nTODO: say what changed\n\n")
    saved(preview, {root / STORY})
    assert any(d.rule == "placeholder" for d in preview.problems)
    edit(root / STORY, "TODO: say what changed", "Said what changed.")
    saved(preview, {root / STORY})
    assert not preview.problems and served(preview) == cold(root, tmp_path / "cold")


def _apply(root: Path, step: int, change: str) -> set[Path]:
    """One edit, and the paths it touched (as the watcher reports them)."""
    stories = root / "backlog/stories"
    names = sorted(stories.glob("*.md"))
    path = names[step % len(names)]
    if change == "body":
        path.write_text(path.read_text("utf-8") + f"\nEdited in step {step}.\n", "utf-8")
    elif change in WORDS:
        opens, words = WORDS[change]
        path.write_text(path.read_text("utf-8").replace(f"{change}: {opens}", f"{change}: {opens}"
                                                        f"{words.format(step=step)}", 1), "utf-8")
    elif change == "front-matter":
        path.write_text(path.read_text("utf-8").replace("title: ", f"title: Step {step} ", 1), "utf-8")
    elif change == "add":
        added = stories / f"added-{step}.md"
        added.write_text(path.read_text("utf-8").replace("slug: ", f"slug: added{step}-", 1), "utf-8")
        return {added}
    elif change == "delete" and len(names) > 1:
        path.unlink()
    elif change == "flip-story":  # public -> internal: what was published must go (canary records stay internal)
        path.write_text(path.read_text("utf-8").replace("audience: public", "audience: internal"), "utf-8")
    elif change == "stage":  # a new journey stage: the follow page and the stage list name it, with its feed
        return {add_journey_stage(root, step)}
    return {path}


# an edit of a story's words in its front matter, each field's (a canary in its internal notes): the fast path
WORDS = {   # field -> what its value starts with, and what an edit puts there
    "title": ('"', "Step {step} "), "you_said": ('"', "Step {step} "), "we_did": ('"', "Step {step} "),
    "result": ('"', "Step {step} "), "internal_notes": ('"', CANARY + " step {step} "),
    "allow_personal_data": ("[", '"step{step}@example.org", '),
}
EDITS = st.lists(st.sampled_from(["body", "body", "front-matter", "add", "delete", "flip-story", "stage", *WORDS]),
                 min_size=1, max_size=5)


def word_editable(root: Path) -> Path:
    """The canary repository, each story with its own allow_personal_data, and no two sharing their date and title
    (a front-matter word edit of such twins takes the full path: their words order their derived addresses)."""
    for number, path in enumerate(sorted((root / "backlog/stories").glob("*.md"))):
        text = path.read_text("utf-8").replace("title: \"", f"title: \"{number} ", 1)
        path.write_text(text.replace("internal_notes: ", 'allow_personal_data: ["nobody@example.org"]\n'
                                     "internal_notes: ", 1), "utf-8")
    return root


@settings(max_examples=5, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
@example(edits=["stage", "body"])
@example(edits=[*WORDS, "flip-story", "title", "you_said"])
def test_served_sites_after_random_edits_equal_cold_builds_and_leak_nothing(tmp_path_factory, edits) -> None:
    base = tmp_path_factory.mktemp("serve")
    root = word_editable(write_canary_repo(base / "repo"))
    preview = started(root, base / "served")
    for step, change in enumerate(edits):
        live, clean = preview.live, not (preview.problems or preview.failure)
        saved(preview, _apply(root, step, change))
        if change in WORDS and clean:   # taken, not left to the full path (which makes a new Live)
            assert live is not None and preview.live is live, live and live.full_path
        try:
            expected = cold(root, base / "cold")
        except Exception:  # noqa: BLE001 - an edit may make the backlog invalid: then serve shows the error page
            assert preview.problems or preview.failure
            continue
        assert not (preview.problems or preview.failure)
        assert served(preview) == expected, change
        for name, data in tree(preview.out / "public").items():
            assert CANARY not in name and CANARY.encode() not in data, name
    assert not any(name.startswith(".tmp-") for _, _, files in os.walk(preview.out) for name in files)


# --- the parts of a body edit: the holder index, and the check of the edited body alone ---------------------

BODIES = st.lists(st.sampled_from([
    "Plain words about helmets.", "TODO: say what changed", "  TODO", "Write to jane.doe@example.com for more.",
    "Customer CUST-737397 asked for it.", "Call +44 20 7946 0958 today.", "Some <b>bold</b> HTML.",
    "<!-- a comment never closed", "<!-- a closed comment -->", "*emphasis* and [a link](https://example.com)",
    "A line with cust-512317 in lower case.", ""]), min_size=1, max_size=4).map("\n\n".join)


CLEAN_BODIES = ["Plain words about helmets.", "*emphasis* and [a link](https://example.com)", "Some <b>bold</b> HTML.",
                "", "A list:\n\n- one\n- two"]


def _edited(root: Path, path: Path, body: str, title: str | None = None) -> Story:
    """Give the story at path this body (its front matter kept, but for its title when given); returns the record
    as loaded now."""
    text = path.read_text("utf-8")
    front = text[:text.index("\n---\n", 4) + len("\n---\n")]
    if title is not None:
        front = re.sub(r"\ntitle: .*\n", f"\ntitle: {title}\n", front, count=1)
    path.write_text(f"{front}\n{body}\n", "utf-8")
    found: list[Diagnostic] = []
    story = load_story(path, root, found)
    assert isinstance(story, Story) and not found
    return story


@settings(max_examples=15, deadline=None, phases=(Phase.explicit, Phase.generate), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, name=st.sampled_from(["helmet-discount.md", "refund-status-draft.md"]))
def test_the_check_of_an_edited_body_alone_says_what_a_full_check_says(tmp_path_factory, body, name) -> None:
    """live.checked runs only the rule families that read a body, on the edited story, before and after: what it
    returns is, diagnostic for diagnostic, what a full check of the edited repository says (a public and an
    internal story; placeholders, personal data, customer references, raw HTML, unclosed comments)."""
    root = copy_example(tmp_path_factory.mktemp("check") / "repo")
    before = check_repository(root, TODAY)
    path = root / "backlog/stories" / name
    now = _edited(root, path, body)
    assert checked(before, {now.id: now}) == check_repository(root, TODAY).diagnostics


def test_what_families_find_across_records_does_not_change_whatever_the_records_own_fields_say(tmp_path: Path) -> None:
    """What live.checked and a cached check rely on (site_gen.record_edits): every family's findings across
    records are the same, from facts derived again, when every record's own fields are replaced by values the
    record rules object to (and they do) — keeping what kept_addresses asks of a story's edit: its title, and
    whether it is published."""
    result = check_repository(copy_example(tmp_path / "repo"), TODAY)
    nasty = "TODO: fill in\n\nMail jane.doe@example.com or CUST-737397.\n\n<b>bold</b> <!-- never closed"
    allowed = ("jane.doe@example.com", "nobody@example.org")

    def reworded(story: Story) -> Story:
        # a blank we_did is an error of a public story, and leaves it published as a non-empty one did
        said = {name: words for name, words in (("you_said", nasty), ("we_did", " ")) if getattr(story, name)}
        return dataclasses.replace(story, body=nasty, result=nasty, internal_notes=nasty, allow_personal_data=allowed,
                                   **said)

    def reassigned(irritant: Irritant) -> Irritant:
        return dataclasses.replace(irritant, title=nasty, summary=nasty, owner=None, cause=nasty, decline_reason=None,
                                   public_reason=nasty, allow_personal_data=allowed,
                                   reviewed=irritant.opened - dt.timedelta(days=1), target=TODAY - dt.timedelta(days=3))

    def rethought(decision: Decision) -> Decision:
        answers = dict.fromkeys((*ARBITRATION_QUESTIONS, *DEBRIEF_POINTS))   # unanswered, whatever the kind
        return dataclasses.replace(decision, title=nasty, owner=nasty, body=nasty, outcome_note=nasty,
                                   review_on=decision.date - dt.timedelta(days=1), **answers)

    assert set(OWN) == {Story, Irritant, Decision}
    edited = dataclasses.replace(result.backlog,
                                 stories={key: reworded(story) for key, story in result.backlog.stories.items()},
                                 irritants={key: reassigned(i) for key, i in result.backlog.irritants.items()},
                                 decisions={key: rethought(d) for key, d in result.backlog.decisions.items()})
    facts = derive_facts(edited, TODAY)
    for family in FAMILIES:
        assert list(family.check(edited, facts)) == list(family.check(result.backlog, result.facts)), family
    assert set(judge_records(edited, facts)[0]) != set(judge_records(result.backlog, result.facts)[0])


def _edges(holders: Holders) -> tuple[set[int], set[tuple[int, int]]]:
    """The objects an index knows and which holds which, by id."""
    ids = {id(holders.objects[node]) for node in holders.node.values()}
    assert ids == set(holders.node)
    return ids, {(id(holders.objects[child]), id(holders.objects[parent]))
                 for child, parents in holders.parents.items() for parent in parents}


@settings(max_examples=5, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 14), st.sampled_from(CLEAN_BODIES), st.booleans()), min_size=1,
                      max_size=4))
@example(edits=[(0, CLEAN_BODIES[0], True), (12, CLEAN_BODIES[1], True), (0, CLEAN_BODIES[2], False)])
def test_the_holder_index_walks_what_a_full_walk_walks_and_stays_as_made_afresh(tmp_path_factory, edits) -> None:
    """A substitution through the holder index gives the same values as one that looks inside everything (the
    same objects where nothing was replaced, equal copies elsewhere), and after each story edit (its body, and
    perhaps its title: every example story has a slug of its own or is internal) the index kept up to date knows
    the same objects, held by the same, as one made afresh from the served sites."""
    base = tmp_path_factory.mktemp("holders")
    root = copy_example(base / "repo")
    preview = started(root, base / "served")
    names = sorted((root / "backlog/stories").glob("*.md"))
    for step, (number, body, retitled) in enumerate(edits):
        live = preview.live
        assert live is not None
        path = names[number % len(names)]
        now = _edited(root, path, f"Step {step}.\n\n{body}",   # the body starts on the same line
                      f"{path.stem} retitled in step {step}" if retitled else None)
        replaced = replacements(live, {now.id: now})
        walked, indexed = Substitution(replaced, TARGETS), Substitution(replaced, TARGETS, live.index())
        for value in live.roots():
            full, quick = walked(value), indexed(value)
            assert (full is value) == (quick is value) and full == quick
        assert preview.update_sites({path}), live.full_path
        assert preview.live is live and live.holders is not None
        assert _edges(live.holders) == _edges(Holders(live.roots(), TARGETS))
    assert served(preview) == cold(root, base / "cold")


def test_a_retitled_decision_shows_its_new_title_on_the_decision_that_follows_it_up(tmp_path: Path) -> None:
    """serve's rebuild of a decision edit (the full path, its pages' record kept in memory) renders again the page
    of the decision that names the edited one by title."""
    root = copy_example(tmp_path / "repo")
    trial, _ = add_weekend_fare_decisions(root)
    preview = started(root, tmp_path / "served")
    edit(trial, f"title: {WEEKEND_TRIAL_TITLE}", "title: Lower weekend fares, a three-month trial")
    saved(preview, {trial})
    assert not (preview.problems or preview.failure)
    following = (preview.out / "internal/decisions/weekend-pass/index.html").read_text(encoding="utf-8")
    assert '<dt>Follows up</dt><dd><a href="../../decisions/weekend-fares-trial/index.html">Lower weekend fares, ' \
        "a three-month trial</a>" in following
    assert served(preview) == cold(root, tmp_path / "cold")
