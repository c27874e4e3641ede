"""site-gen's own names at the top of OUT — its build lock (.site-gen.lock), its swap journal (.site-gen-swap.json),
its staging and previous folders — are used only for what site-gen made there. Anything else under those names
stops the build with one line naming it (exit 2), and no file anywhere changes; what a killed site-gen left,
this one's or an older one's, is still recovered.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

import site_gen.write
from site_gen.build import build
from site_gen.errors import UnsafeOutput
from site_gen.write import JOURNAL, LOCK, PREVIOUS, STAGING

from .conftest import TODAY
from .test_output_safety import NEW, OLD, built_example, pair, run_build, snapshot

JOURNAL_TEXT = json.dumps({"format": 1, "tool": "site-gen", "sites": ["public", "internal"]})


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    return built_example(tmp_path)


def _notes(path: Path, docs: Path) -> None:
    path.write_text("my notes\n")


def _link_to_notes(path: Path, docs: Path) -> None:
    path.symlink_to(docs / "notes.txt")


def _pipe(path: Path, docs: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path, docs: Path) -> None:
    path.mkdir()
    (path / "kept.txt").write_text("mine\n")


def _link_to_a_journal(path: Path, docs: Path) -> None:
    (docs / "journal.json").write_text(JOURNAL_TEXT)
    path.symlink_to(docs / "journal.json")


def _journal_naming_a_user_folder(path: Path, docs: Path) -> None:
    path.write_text(json.dumps({"format": 1, "tool": "site-gen", "sites": ["public", "../docs"]}))


NOT_SITE_GENS = {  # name in OUT, what is there, what the error calls it
    "lock-a-file-of-notes": (LOCK, _notes, "a file site-gen did not write"),
    "lock-a-link-to-a-user-file": (LOCK, _link_to_notes, "a symbolic link"),
    "lock-a-named-pipe": (LOCK, _pipe, "not a regular file"),
    "lock-a-folder": (LOCK, _folder, "a folder"),
    "journal-a-file-of-notes": (JOURNAL, _notes, "a file site-gen did not write"),
    "journal-a-named-pipe": (JOURNAL, _pipe, "not a regular file"),
    "journal-a-folder": (JOURNAL, _folder, "a folder"),
    "journal-a-link-to-a-journal": (JOURNAL, _link_to_a_journal, "a symbolic link"),
    "journal-naming-a-folder-outside-the-sites": (JOURNAL, _journal_naming_a_user_folder,
                                                  "a file site-gen did not write"),
}


@pytest.mark.parametrize("case", NOT_SITE_GENS.values(), ids=NOT_SITE_GENS.keys())
def test_a_file_under_a_name_site_gen_uses_in_out_stops_the_build_and_is_kept(
        case: tuple[str, Callable[[Path, Path], None], str], built, tmp_path: Path) -> None:
    """Before: a file of notes called .site-gen.lock was overwritten with a pid and deleted (exit 0), a named pipe
    of that name deleted, a pipe called .site-gen-swap.json hung the build for ever, and a journal site-gen did not
    write was acted on or refused with exit 1."""
    name, make, kind = case
    root, out = built
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("mine\n")
    make(out / name, docs)
    before = snapshot(tmp_path)
    refused = run_build(root, out, timeout=60)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == (f"Error: {out / name} is {kind}, not site-gen's "
                              f"{'build lock' if name == LOCK else 'swap journal'} (site-gen uses that name in its "
                              "output folder). Move it away or choose another --out.\n")
    assert snapshot(tmp_path) == before
    os.rename(out / name, tmp_path / "moved-away")
    assert run_build(root, out).returncode == 0
    assert pair(out) == (NEW, NEW) and sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_a_lock_an_older_site_gen_left_when_it_was_killed_is_recovered(built) -> None:
    """Before this version the lock held the build's pid alone."""
    root, out = built
    (out / LOCK).write_text("4242\n")
    assert run_build(root, out).returncode == 0
    assert pair(out) == (NEW, NEW) and sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_a_build_waits_for_an_older_site_gen_that_holds_the_lock(built) -> None:
    import fcntl
    root, out = built
    with open(out / LOCK, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242\n")
        held.flush()
        second = run_build(root, out)
    assert second.returncode == 1
    assert second.stderr == f"Error: another site-gen build is writing to {out} (pid 4242); wait for it to finish\n"
    assert pair(out) == (OLD, OLD)


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "a-temporary-file"])
def test_the_lock_has_site_gens_words_from_the_moment_it_has_its_name(unnamed: bool, tmp_path: Path,
                                                                      monkeypatch) -> None:
    """Created under its name and then written, the lock of a build killed in between would be an empty file that
    no later build could tell from a user's; so it is written first and then given its name (through O_TMPFILE,
    else a temporary file), and no other build ever sees it empty."""
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    named: list[bytes] = []
    real = os.link

    def link(source: str, target: str, *args: object, **kwargs: object) -> None:
        if Path(target).name == LOCK:
            named.append(Path(source).read_bytes())
        real(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    text = f"site-gen build lock: pid {os.getpid()}\n"
    with site_gen.write._locked(tmp_path):
        assert (tmp_path / LOCK).read_text() == text and os.listdir(tmp_path) == [LOCK]
    assert named == [text.encode()] and os.listdir(tmp_path) == []


def test_an_older_site_gens_journal_draft_is_removed_and_a_users_file_of_that_name_kept(built) -> None:
    """An older site-gen wrote its journal to .site-gen-swap.json.tmp before naming it, and every build deleted
    whatever had that name."""
    root, out = built
    draft = out / (JOURNAL + ".tmp")
    draft.write_text(JOURNAL_TEXT)
    assert run_build(root, out).returncode == 0
    assert not draft.exists()
    draft.write_text("my notes\n")
    assert run_build(root, out).returncode == 0
    assert draft.read_text() == "my notes\n" and pair(out) == (NEW, NEW)


def _killed_after_commit(root: Path, out: Path) -> None:
    killed = run_build(root, out, SITE_GEN_FAULT="after-commit")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (out / JOURNAL).is_file() and (out / STAGING / "public").is_dir()


def _previous_a_link_to_a_user_folder(root: Path, out: Path, docs: Path) -> Path:
    _killed_after_commit(root, out)
    (out / PREVIOUS).symlink_to(docs)
    return out / PREVIOUS


def _previous_a_user_folder(root: Path, out: Path, docs: Path) -> Path:
    _killed_after_commit(root, out)
    (out / PREVIOUS).mkdir()
    (out / PREVIOUS / "kept.txt").write_text("mine\n")
    return out / PREVIOUS


def _staged_site_a_link_to_a_user_folder(root: Path, out: Path, docs: Path) -> Path:
    _killed_after_commit(root, out)
    os.rename(out / STAGING / "public", docs.parent / "staged-public")
    (out / STAGING / "public").symlink_to(docs)
    return out / STAGING / "public"


def _journal_beside_a_user_folder_named_staging(root: Path, out: Path, docs: Path) -> Path:
    (out / JOURNAL).write_text(JOURNAL_TEXT)
    (out / STAGING / "public").mkdir(parents=True)
    (out / STAGING / "public" / "index.html").write_text("<p>my own page</p>\n")
    return out / STAGING


RECOVERY_TAMPERED = {
    "previous-a-link-to-a-user-folder": (_previous_a_link_to_a_user_folder, "is a symbolic link"),
    "previous-a-user-folder": (_previous_a_user_folder, "holds files site-gen did not write"),
    "staged-site-a-link-to-a-user-folder": (_staged_site_a_link_to_a_user_folder, "is a symbolic link"),
    "journal-beside-a-user-folder-named-staging": (_journal_beside_a_user_folder_named_staging,
                                                   "holds files site-gen did not write"),
}


@pytest.mark.parametrize("case", RECOVERY_TAMPERED.values(), ids=RECOVERY_TAMPERED.keys())
def test_recovery_moves_only_site_gens_folders(case: tuple[Callable[[Path, Path, Path], Path], str], built,
                                               tmp_path: Path) -> None:
    """Before: the recovery of a journal moved the old public site into a user's folder a link named
    .site-gen-previous led to (outside OUT), moved a user's folder in as OUT/public, and deleted the old site."""
    layout, reason = case
    root, out = built
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("mine\n")
    shown = layout(root, out, docs)
    lock = (out / LOCK).relative_to(tmp_path).as_posix()   # the killed build's: the next build removes it
    before = {name: digest for name, digest in snapshot(tmp_path).items() if name != lock}
    refused = run_build(root, out)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith(f"Error: {shown} {reason}") and refused.stderr.count("\n") == 1
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", [PREVIOUS, JOURNAL])
def test_a_name_site_gen_uses_taken_while_a_build_renders_is_kept_and_stops_the_swap(name: str, built, tmp_path: Path,
                                                                                     monkeypatch) -> None:
    """Before: a link named .site-gen-previous made while a build rendered led the old public site into the user's
    folder and the cleanup then deleted everything in that folder; a file named .site-gen-swap.json was
    overwritten by the journal and deleted."""
    root, out = built
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("mine\n")
    real_fault = site_gen.write._fault

    def take_the_name(point: str) -> None:   # the last named point before the swap
        if point == "after-staging":
            if name == PREVIOUS:
                (out / PREVIOUS).symlink_to(docs)
            else:
                (out / JOURNAL).write_text("my notes\n")
        real_fault(point)

    monkeypatch.setattr(site_gen.write, "_fault", take_the_name)
    with pytest.raises(UnsafeOutput, match=f"{out / name} is a"):
        build(root, out, TODAY, workers=1)
    assert (docs / "notes.txt").read_text() == "mine\n" and sorted(p.name for p in docs.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in out.iterdir()) == sorted([name, "internal", "public"])
    if name == JOURNAL:
        assert (out / JOURNAL).read_text() == "my notes\n"
    assert pair(out) == (OLD, OLD)


def test_a_file_put_in_place_of_the_lock_while_a_build_runs_is_kept(built, monkeypatch) -> None:
    """The build removes the lock it made when it ends, not whatever has its name by then."""
    root, out = built
    real_fault = site_gen.write._fault

    def replace_the_lock(point: str) -> None:
        if point == "after-staging":
            (out / LOCK).unlink()
            (out / LOCK).write_text("my notes\n")
        real_fault(point)

    monkeypatch.setattr(site_gen.write, "_fault", replace_the_lock)
    build(root, out, TODAY, workers=1)
    assert (out / LOCK).read_text() == "my notes\n" and pair(out) == (NEW, NEW)
