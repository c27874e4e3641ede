"""An adversarial review of the cached check's own-fields path (site_gen.record_edits, site_gen.check._own_edits):
after each edit below, `site-gen check` with its cache prints exactly what a check without the cache prints —
the edits that found a divergence, and those that a mutation of the code went through unnoticed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import edit
from .test_check_cache import UNLOCK, _full_checks, check

HELMET = "backlog/irritants/helmet-rental.yaml"


def _same_as_cold(root: Path, monkeypatch, full: bool | None = None) -> str:
    """The cached check prints what the cold check prints, in each format, with its exit code; `full`: whether the
    cached check ran the full check (counted through the seam of test_check_cache). What it printed as JSON."""
    ran = _full_checks(monkeypatch)
    cached = check(root, "--format", "json")
    assert cached == check(root, "--no-cache", "--format", "json")
    if full is not None:
        assert (len(ran) == 2) is full, ran
    for output_format in ("text", "github"):   # nothing changed since: the cached run's diagnostics, printed
        assert check(root, "--format", output_format) == check(root, "--no-cache", "--format", output_format)
    return cached[1]


@pytest.mark.parametrize("edited", ["helmet-rental.yml", "helmet-rental.yaml"])
def test_an_irritant_written_as_both_yaml_and_yml_is_checked_in_full(example: Path, monkeypatch, edited: str) -> None:
    """slow.yaml and slow.yml share one ID: the loader keeps the first and reports the second (id-duplicate), whose
    fields no rule judges. Judging the edited .yml alone added a placeholder error the full check never says."""
    shutil.copy(example / HELMET, example / "backlog/irritants/helmet-rental.yml")
    check(example)
    edit(example / "backlog/irritants" / edited, "owner: ", "owner: TODO ")
    printed = _same_as_cold(example, monkeypatch, full=True if edited.endswith(".yml") else None)
    assert '"rule": "id-duplicate"' in printed
    assert ('"rule": "placeholder"' in printed) is (edited == "helmet-rental.yaml")   # the kept one's alone


def test_a_loader_problem_mended_by_deleting_an_unknown_field_is_checked_in_full(example: Path, monkeypatch) -> None:
    """A misspelt field on the last line: the loader reports it, and the record is the same without it. Once it is
    deleted, the loader's old warning must go too: the file's problems before are not the own families' to redo."""
    path = example / UNLOCK
    path.write_text(path.read_text("utf-8") + "ownr: nobody\n", "utf-8")
    assert "ownr" in check(example)[1]
    path.write_text(path.read_text("utf-8").replace("ownr: nobody\n", ""), "utf-8")
    assert "ownr" not in _same_as_cold(example, monkeypatch, full=True)


def test_a_loader_problem_added_on_the_last_line_is_checked_in_full(example: Path, monkeypatch) -> None:
    """The reverse: a misspelt field added below every other leaves the record and its places as they were, but the
    loader now says something of the file."""
    check(example)
    path = example / UNLOCK
    path.write_text(path.read_text("utf-8") + "ownr: nobody\n", "utf-8")
    assert "ownr" in _same_as_cold(example, monkeypatch, full=True)


@pytest.mark.parametrize(("field", "before", "after"), [
    ("visibility", "visibility: public", "visibility: internal"),
    ("public_title", "public_title: Unlocking a bike sometimes fails",
     "public_title: TODO Unlocking a bike sometimes fails"),
    ("slug", "slug: unlocking-a-bike", "slug: Unlocking-a-bike"),
    ("journey_stage", "journey_stage: first-ride", "journey_stage: payment"),
])
def test_an_irritants_field_that_is_not_its_own_is_checked_in_full(
        example: Path, monkeypatch, field: str, before: str, after: str) -> None:
    """What is not in OWN[Irritant] (its public face, its address, its journey stage) is read by families that judge
    the whole backlog: an edit of it, in place on its line, is a full check."""
    check(example)
    edit(example / UNLOCK, before, after)
    _same_as_cold(example, monkeypatch, full=True)


STORY = "backlog/stories/helmet-discount.md"


def _saved_during_the_check(monkeypatch, root: Path, text: str) -> None:
    """Seam: the story is saved again (as `text`) right after the run hashed its inputs, once — as an editor that
    saves while a check runs would, at a moment a test cannot otherwise hit."""
    import site_gen.incremental as incremental
    real = incremental.input_files

    def hashed_then_saved(*args, **options):   # noqa: ANN002, ANN003, ANN202 - input_files's own
        found = real(*args, **options)
        (root / STORY).write_text(text, "utf-8")
        monkeypatch.setattr(incremental, "input_files", real)
        return found
    monkeypatch.setattr(incremental, "input_files", hashed_then_saved)


@pytest.mark.parametrize("path", ["judged alone", "full"])
def test_a_file_saved_while_a_check_runs_leaves_no_diagnostics_under_the_hash_it_had(
        example: Path, monkeypatch, path: str) -> None:
    """A check hashes its inputs, then loads them: a story saved in between was loaded from other bytes than those
    hashed. The check's diagnostics were kept under the hash (and the judged-alone edit's record too), so saving
    the story back as it was hashed printed the other version's diagnostics (no placeholder)."""
    check(example)
    if path == "full":   # a second changed file that is not an own edit: the full check
        edit(example / "backlog/notified.csv", "\n", "\n\n")
    story = example / STORY
    calm = story.read_text("utf-8")
    placeholder = calm.replace("title: 20% off", "title: TODO 20% off")
    story.write_text(placeholder, "utf-8")
    _saved_during_the_check(monkeypatch, example, calm)
    check(example)                              # hashed with the placeholder, loaded without
    story.write_text(placeholder, "utf-8")      # saved back as it was hashed
    assert '"rule": "placeholder"' in _same_as_cold(example, monkeypatch)
    story.write_text(calm, "utf-8")
    assert '"rule": "placeholder"' not in _same_as_cold(example, monkeypatch)


def test_an_own_field_that_grows_a_line_moves_the_places_below_it_and_is_checked_in_full(
        example: Path, monkeypatch) -> None:
    """A summary written as a block, one line longer: every field below it moves down a line, and so do the
    findings of whole-backlog families there (a feedback row that does not exist, at `feedback.0`)."""
    edit(example / UNLOCK, "feedback: [SRV-1107-0035", "feedback: [SRV-0000-0000")
    assert '"line": 17' in check(example, "--format", "json")[1]
    edit(example / UNLOCK, "  unlock fee anyway.", "  unlock fee anyway.\n  Worse in the rain.")
    printed = _same_as_cold(example, monkeypatch, full=True)
    assert '"line": 18' in printed and '"line": 17' not in printed


def test_a_story_made_public_but_not_published_is_checked_in_full(example: Path, monkeypatch) -> None:
    """Its audience is not its own: made public without both halves, it is published neither before nor after, yet
    its words are now public text, judged against the customers of the feedback."""
    draft = example / "backlog/stories/refund-status-draft.md"
    edit(draft, "you_said: Riders can't see", "you_said: Thanks cust-512317, riders can't see")
    assert "personal-data" not in check(example)[1]
    edit(draft, "audience: internal", "audience: public")
    assert '"rule": "personal-data"' in _same_as_cold(example, monkeypatch, full=True)


def test_what_whole_backlog_families_say_of_an_edited_record_stays(example: Path, monkeypatch) -> None:
    """Judged alone, an irritant keeps what the families that do not read its own fields said of it (a feedback row
    that does not exist), beside what its own families say now (a placeholder owner)."""
    edit(example / UNLOCK, "feedback: [SRV-1107-0035", "feedback: [SRV-0000-0000")
    check(example)
    edit(example / UNLOCK, "owner: Maya Okafor", "owner: TODO who")
    printed = _same_as_cold(example, monkeypatch, full=False)
    assert "SRV-0000-0000" in printed and '"rule": "placeholder"' in printed
