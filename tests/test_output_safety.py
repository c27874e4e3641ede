"""A build never destroys what is not its own, and both sites change as one pair (issue 6, items 1 and 2).

Ownership: OUT/public and OUT/internal are replaced only when absent, empty, or marked as site-gen's output;
dangerous --out values are usage errors (exit 2, one line) that change no file anywhere.
The pair: a build killed at any point leaves both old or both new sites (after the next build's recovery).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import site_gen.write
from site_gen.build import build
from site_gen.cli import main
from site_gen.errors import OutputError
from site_gen.incremental import CACHE_DIR
from site_gen.write import FAULT_POINTS, MARKER, STAGING

from .conftest import REPO, TODAY, copy_example, edit

DAY = ["--today", "2026-11-23"]


def snapshot(top: Path, outputs: tuple[Path, ...] = ()) -> dict[str, str]:
    """Every file and symbolic link under top with a hash of its bytes (or its target), except under outputs
    and in the repository's build cache (.site-gen-cache/, which a build writes by design)."""
    skip = [output.resolve() for output in outputs] + [cache.resolve() for cache in top.rglob(CACHE_DIR)]
    found: dict[str, str] = {}
    for folder, subfolders, files in os.walk(top):  # does not follow links
        here = Path(folder)
        if any(here == s or s in here.parents for s in skip):
            subfolders[:] = []
            continue
        for name in files + [n for n in subfolders if (here / n).is_symlink()]:
            path = here / name
            key = path.relative_to(top).as_posix()
            if path.is_symlink():
                found[key] = "link to " + os.readlink(path)
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:   # a named pipe: reading it would wait for a writer
                found[key] = stat.filemode(path.lstat().st_mode)
    return found


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def repo_at(path: Path) -> Path:
    """The example backlog with a git folder and an uncommitted file: what `--out` must never delete."""
    copy_example(path)
    (path / ".git").mkdir()
    (path / ".git/config").write_text("[core]\n\tbare = false\n")
    (path / "notes-not-committed.md").write_text("draft\n")
    (path / "templates/public").mkdir(parents=True)
    (path / "templates/public/story.html").write_text('{% extends "default/story.html" %}\n')
    return path


# --- item 1: dangerous --out values --------------------------------------------------------------

def _repo_as_internal(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "internal")
    return work, ["internal", "--out", "."]


def _repo_named_public_out_parent(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "public")
    return work / "public", [".", "--out", ".."]


def _repo_through_a_symlink(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "internal")
    (work / "alias").symlink_to("internal")
    return work, ["alias", "--out", "."]


def _out_templates(work: Path) -> tuple[Path, list[str]]:
    return repo_at(work / "repo"), [".", "--out", "templates"]


def _out_backlog(work: Path) -> tuple[Path, list[str]]:
    return repo_at(work / "repo"), [".", "--out", "backlog"]


def _out_git(work: Path) -> tuple[Path, list[str]]:
    return repo_at(work / "repo"), [".", "--out", ".git"]


def _user_folder_public(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "repo")
    (work / "public").mkdir()
    (work / "public/index.html").write_text("<p>my own page</p>\n")
    return work, ["repo", "--out", "."]


def _out_root(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "repo")
    return work, ["repo", "--out", "/"]


def _out_home(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "repo")
    return work, ["repo", "--out", str(work.parent)]  # the test sets HOME to work's parent


def _public_is_a_link(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "repo")
    (work / "docs").mkdir()
    (work / "docs/report.txt").write_text("mine\n")
    (work / "site").mkdir()
    (work / "site/public").symlink_to("../docs")
    return work, ["repo", "--out", "site"]


def _internal_is_a_file(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "repo")
    (work / "site").mkdir()
    (work / "site/internal").write_text("not a folder\n")
    return work, ["repo", "--out", "site"]


def _foreign_staging_folder(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "repo")
    (work / "site/.site-gen-staging").mkdir(parents=True)
    (work / "site/.site-gen-staging/keep.txt").write_text("mine\n")
    return work, ["repo", "--out", "site"]


def _out_locale(work: Path) -> tuple[Path, list[str]]:
    return repo_at(work / "repo"), [".", "--out", "locale"]


def _out_cache(work: Path) -> tuple[Path, list[str]]:
    return repo_at(work / "repo"), [".", "--out", ".site-gen-cache"]


def _out_under_a_file(work: Path) -> tuple[Path, list[str]]:
    repo_at(work / "repo")
    return work, ["repo", "--out", "repo/site.yaml/_site"]


DANGEROUS = {
    "out-dot-with-the-repo-at-internal": (_repo_as_internal, 2, "the repository"),
    "out-parent-of-a-repo-named-public": (_repo_named_public_out_parent, 2, "the repository"),
    "repo-given-through-a-symlink": (_repo_through_a_symlink, 2, "the repository"),
    "out-templates": (_out_templates, 2, "templates folder"),
    "out-backlog": (_out_backlog, 2, "backlog folder"),
    "out-git": (_out_git, 2, ".git folder"),
    "out-locale": (_out_locale, 2, "locale folder"),   # the team's catalogues: read back at the next build
    "out-cache": (_out_cache, 2, ".site-gen-cache folder"),   # deleted at will, and the site with it
    "user-folder-public-with-a-file": (_user_folder_public, 2, "holds files site-gen did not write"),
    "out-root": (_out_root, 2, "the root folder"),
    "out-home": (_out_home, 2, "your home folder"),
    "out-public-is-a-link-to-a-user-folder": (_public_is_a_link, 2, "is a symbolic link"),
    "out-internal-is-a-regular-file": (_internal_is_a_file, 2, "is not a folder"),
    "foreign-folder-named-like-staging": (_foreign_staging_folder, 2, "holds files site-gen did not write"),
    "out-under-a-regular-file": (_out_under_a_file, 1, "Not a directory"),
}


@pytest.mark.parametrize("case", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_a_dangerous_out_is_refused_in_one_line_and_changes_no_file(case, tmp_path: Path, monkeypatch) -> None:
    layout, status, reason = case
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    cwd, args = layout(work)
    before = snapshot(tmp_path)
    monkeypatch.chdir(cwd)
    outcome = CliRunner().invoke(main, ["build", *args, *DAY], catch_exceptions=False)
    assert outcome.exit_code == status, outcome.output
    assert outcome.stderr.startswith("Error: ") and outcome.stderr.count("\n") == 1, outcome.stderr
    assert reason in outcome.stderr
    assert snapshot(tmp_path) == before


def _default_out(work: Path) -> tuple[Path, Path]:
    return repo_at(work / "repo"), work / "repo/_site"


def _empty_user_folder(work: Path) -> tuple[Path, Path]:
    (work / "public").mkdir()
    return repo_at(work / "repo"), work


def _out_is_the_repo(work: Path) -> tuple[Path, Path]:
    repo = repo_at(work / "repo")
    return repo, repo


SAFE = {"default-out": _default_out, "empty-folder-public": _empty_user_folder, "out-is-the-repository": _out_is_the_repo}


@pytest.mark.parametrize("layout", SAFE.values(), ids=SAFE.keys())
def test_a_safe_out_is_built_twice_and_nothing_outside_the_two_sites_changes(layout, tmp_path: Path) -> None:
    root, out = layout(tmp_path)
    outputs = (out / "public", out / "internal")
    before = snapshot(tmp_path, outputs)
    for _ in range(2):  # the second build replaces the first one's marked output
        build(root, out, TODAY, workers=1)
        assert snapshot(tmp_path, outputs) == before
        for audience in ("public", "internal"):
            marker = json.loads((out / audience / MARKER).read_text())
            assert marker["format"] == 1 and marker["tool"] == "site-gen"


def _fuzz_tree(top: Path) -> Path:
    """A home folder with a repository, its output, user folders, links up and sideways, a loop and a file."""
    home = top / "home"
    repo = home / "work/repo"  # the smallest backlog: site.yaml, empty record folders (a build takes 0.7 s)
    for folder in ("backlog/irritants", "feedback", ".git", "templates/public"):
        (repo / folder).mkdir(parents=True)
    (repo / "site.yaml").write_bytes((REPO / "site.yaml").read_bytes())
    (repo / ".git/config").write_text("[core]\n")
    (repo / "templates/public/story.html").write_text('{% extends "default/story.html" %}\n')
    (home / "work/public").mkdir()
    (home / "work/public/mine.txt").write_text("mine\n")
    (home / "work/internal").write_text("a file\n")
    (home / "work/docs").mkdir()
    (home / "work/docs/a.txt").write_text("a\n")
    (home / "work/link-up").symlink_to("..")
    (home / "work/link-repo").symlink_to("repo")
    (home / "work/repo/link-docs").symlink_to("../docs")
    (home / "work/loop").symlink_to("loop")
    build(repo, repo / "_site", TODAY, workers=1)
    return repo


SEGMENTS = [".", "..", "repo", "public", "internal", "templates", "backlog", "feedback", ".git", "_site", "new",
            "docs", "link-up", "link-repo", "link-docs", "loop", "site.yaml", "work", "home"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.sampled_from(["home", "home/work", "home/work/repo", "home/work/docs"]),
       parts=st.lists(st.sampled_from(SEGMENTS), max_size=4))
def test_fuzz_no_out_value_changes_a_file_outside_the_two_sites(tmp_path: Path, monkeypatch, start: str,
                                                                parts: list[str]) -> None:
    top = tmp_path.resolve()
    monkeypatch.setenv("HOME", str(top / "home"))
    repo = top / "home/work/repo"
    if not repo.exists():
        _fuzz_tree(top)
    out = top.joinpath(start, *parts)
    try:
        real = out.resolve()
    except (OSError, RuntimeError):
        real = None  # a symlink loop: site-gen must refuse it too
    if real is not None and not (real == top or top in real.parents):
        event("outside the tree")
        return  # not ours to write to
    before = snapshot(top)
    try:
        build(repo, out, TODAY, workers=1)
    except OutputError as exc:
        event(f"refused: {type(exc).__name__}")
        assert snapshot(top) == before  # refused or failed: nothing changed anywhere
        return
    event("built")
    outputs = (real / "public", real / "internal")
    assert snapshot(top, outputs) == {k: v for k, v in before.items()
                                      if not any((top / k).is_relative_to(o) for o in outputs)}
    assert (real / "public" / MARKER).is_file() and (real / "internal" / MARKER).is_file()


# --- item 2: both sites swap as one -----------------------------------------------------------------

OLD, NEW = "20% off", "25% off"


def pair(out: Path) -> tuple[str, str]:
    """Which version each site shows (the story title on the public home page and on the internal story page)."""
    def version(page: Path) -> str:
        text = page.read_text("utf-8")
        return NEW if NEW in text else OLD if OLD in text else "?"
    return version(out / "public/index.html"), version(out / "internal/stories/helmet-discount/index.html")


def stamps(out: Path) -> tuple[str, str]:
    return tuple(json.loads((out / audience / MARKER).read_text())["build"] for audience in ("public", "internal"))


def run_build(root: Path, out: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_gen", "build", str(root), "--out", str(out), *DAY],
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **env})


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    return built_example(tmp_path)


def built_example(tmp_path: Path) -> tuple[Path, Path]:
    """The example built once (OLD), then edited so that the next build is NEW on both sites."""
    root = copy_example(tmp_path / "repo")
    out = root / "_site"
    build(root, out, TODAY)
    assert pair(out) == (OLD, OLD)
    edit(root / "backlog/stories/helmet-discount.md", f"title: {OLD}", f"title: {NEW}")
    return root, out


EXPECTED_AFTER_KILL = {  # what a reader sees right after the kill, and once the next build has recovered
    "after-staging": ((OLD, OLD), (OLD, OLD)),
    "after-commit": ((OLD, OLD), (NEW, NEW)),
    "between-sites": ((NEW, OLD), (NEW, NEW)),  # the one window the journal closes on the next build
    "during-cleanup": ((NEW, NEW), (NEW, NEW)),
}


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_build_killed_at_each_point_leaves_a_consistent_pair_once_any_build_has_run(point: str, built) -> None:
    root, out = built
    old = tree(out)
    killed = run_build(root, out, SITE_GEN_FAULT=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    right_after, recovered = EXPECTED_AFTER_KILL[point]
    assert pair(out) == right_after
    if point == "after-staging":
        assert {name: data for name, data in tree(out).items() if not name.startswith(".")} == old
    if point == "during-cleanup":  # killed halfway through removing the old pair
        assert sorted(p.name for p in (out / ".site-gen-previous").iterdir()) == [MARKER, "public"]
    # any build finishes the swap first, even one the check refuses
    edit(root / "backlog/irritants/helmet-rental.yaml", "owner:", "ownr:")
    refused = run_build(root, out)
    assert refused.returncode == 1 and "Build refused" in refused.stderr
    assert pair(out) == recovered
    stamp_public, stamp_internal = stamps(out)
    assert stamp_public == stamp_internal
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]  # no staging, previous, journal or lock
    edit(root / "backlog/irritants/helmet-rental.yaml", "ownr:", "owner:")
    assert run_build(root, out).returncode == 0
    assert pair(out) == (NEW, NEW)


def test_a_file_put_into_a_site_a_killed_build_did_not_swap_yet_stops_the_recovery_and_is_kept(built) -> None:
    """Killed after its journal, a build leaves the old public site in place until the next build swaps the new one
    in; a CNAME put into it meanwhile is named (exit 2) and kept, not moved aside with the old site and deleted.
    Moved away, the next build finishes the swap."""
    root, out = built
    assert run_build(root, out, SITE_GEN_FAULT="after-commit").returncode == -signal.SIGKILL
    (out / "public" / "CNAME").write_text("backlog.example.org\n")
    refused = run_build(root, out)
    assert refused.returncode == 2, refused.stderr
    assert f"{out / 'public'} holds CNAME, which site-gen did not write" in refused.stderr
    assert (out / "public" / "CNAME").read_text() == "backlog.example.org\n" and pair(out) == (OLD, OLD)
    (out / "public" / "CNAME").unlink()
    assert run_build(root, out).returncode == 0
    assert pair(out) == (NEW, NEW)


def test_sigterm_removes_the_staging_folder_and_leaves_the_previous_pair(built) -> None:
    root, out = built
    old = tree(out)
    stopped = run_build(root, out, SITE_GEN_FAULT="after-staging:TERM")
    assert stopped.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in stopped.stderr
    assert tree(out) == old
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_a_second_build_stops_with_a_clear_message_while_one_is_writing(built) -> None:
    root, out = built
    with site_gen.write._locked(out):  # what a running build holds
        staging = out / ".site-gen-staging"
        staging.mkdir()
        (staging / "half-written.html").write_text("…")
        second = run_build(root, out)
        assert second.returncode == 1
        assert second.stderr == (f"Error: another site-gen build is writing to {out} (pid {os.getpid()}); "
                                 "wait for it to finish\n")
        assert (staging / "half-written.html").exists()  # the first build's work is left alone
        staging.joinpath("half-written.html").unlink()
        staging.rmdir()
    assert run_build(root, out).returncode == 0
    assert pair(out) == (NEW, NEW)


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES], ids=["no-space", "permission-denied"])
def test_a_write_error_is_one_line_exit_1_and_both_previous_sites_stay_whole(error: int, built, monkeypatch) -> None:
    """As root, chmod cannot provoke EACCES and ENOSPC needs a full disk: both are injected at the one function
    that writes a site's bytes, while the internal site is written — after the public site is complete."""
    root, out = built
    old = tree(out)
    real = site_gen.write._write_file

    def failing(path: str, data: bytes) -> None:
        if "internal" in os.path.relpath(path, out) and path.endswith(".html"):
            raise OSError(error, os.strerror(error), path)
        real(path, data)

    monkeypatch.setattr(site_gen.write, "_write_file", failing)
    outcome = CliRunner().invoke(main, ["build", str(root), "--out", str(out), *DAY], catch_exceptions=False)
    assert outcome.exit_code == 1
    assert outcome.stderr.count("\n") == 1 and os.strerror(error) in outcome.stderr, outcome.stderr
    assert "The previous sites are unchanged." in outcome.stderr
    assert tree(out) == old
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


@pytest.mark.parametrize("moved_aside", [False, True], ids=["internal-cannot-move-aside", "new-cannot-move-in"])
def test_a_site_that_cannot_be_moved_in_the_swap_leaves_both_previous_sites(moved_aside: bool, built,
                                                                             monkeypatch) -> None:
    """A read-only OUT/internal cannot be moved aside (a folder's rename rewrites its '..'). The public site was
    swapped already: customers read the new public site beside the old internal one ("the swap is half done")
    until someone fixed the folder and built again. Now the public site is swapped back."""
    root, out = built
    old = tree(out)
    real = site_gen.write._swap_one

    def failing(folder: Path, audience: str) -> None:
        if audience != "internal":
            return real(folder, audience)
        if moved_aside:
            os.rename(folder / audience, folder / ".site-gen-previous" / audience)
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(folder / audience))

    monkeypatch.setattr(site_gen.write, "_swap_one", failing)
    outcome = CliRunner().invoke(main, ["build", str(root), "--out", str(out), *DAY], catch_exceptions=False)
    assert outcome.exit_code == 1
    assert "Permission denied" in outcome.stderr and "The previous sites are unchanged." in outcome.stderr
    assert tree(out) == old
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]
    monkeypatch.undo()
    assert CliRunner().invoke(main, ["build", str(root), "--out", str(out), *DAY]).exit_code == 0
    assert pair(out) == (NEW, NEW)


def test_a_template_error_after_pages_were_staged_leaves_the_previous_sites_and_no_staging(built) -> None:
    """Pages go to the staging folder as they are rendered (the build keeps no site in memory): a template that
    fails on a page rendered late leaves OUT as it was, with nothing staged left behind."""
    root, out = built
    old = tree(out)
    theme = root / "templates" / "internal"
    theme.mkdir(parents=True)
    (theme / "decision.html").write_text('{% extends "default/decision.html" %}{% block content %}{{ 1 / 0 }}'
                                         "{% endblock %}", "utf-8")
    outcome = CliRunner().invoke(main, ["build", str(root), "--out", str(out), *DAY], catch_exceptions=False)
    assert outcome.exit_code == 1 and "ZeroDivisionError" in outcome.stderr, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert tree(out) == old
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]
    # the public site was staged before the internal one failed, and its search index started: stopped with it
    assert not _processes_on(out / STAGING), "Pagefind still indexes the removed staging folder"


def _processes_on(folder: Path) -> list[str]:
    """Command lines of running processes that name this folder."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and str(folder) in command:
            found.append(command)
    return found


def test_a_write_error_while_the_public_worker_streams_its_pages_leaves_the_previous_sites(built,
                                                                                           monkeypatch) -> None:
    """The public site rendered in a second process arrives through a pipe and is staged as it comes: a disk
    error there reaches the build as the same one-line error, not as a lost page."""
    import site_gen.sites
    root, out = built
    old = tree(out)
    real = site_gen.write._write_file

    def failing(path: str, data: bytes) -> None:
        if "public" in os.path.relpath(path, out) and path.endswith("index.html"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        real(path, data)

    monkeypatch.setattr(site_gen.sites, "PUBLIC_FORK_FROM", 1)
    monkeypatch.setattr(site_gen.write, "_write_file", failing)
    with pytest.raises(OutputError, match="The previous sites are unchanged"):
        build(root, out, TODAY, workers=2, search=False)
    assert tree(out) == old
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def _process_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "kill-TERM"])
def test_workers_exit_when_the_build_that_forked_them_is_killed(signum: int) -> None:
    script = ("import os, signal, sys, time\n"
              "from site_gen.parallel import fork_pool\n"
              "pool = fork_pool(2)\n"
              "futures = [pool.submit(time.sleep, 120) for _ in range(2)]\n"
              "time.sleep(1)\n"
              "print(' '.join(str(pid) for pid in pool._processes), flush=True)\n"
              f"os.kill(os.getpid(), {int(signum)})\n")
    # workers that outlive the parent hold the output pipe open: run() then never returns
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert process.returncode == -signum
    workers = [int(pid) for pid in process.stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(map(_process_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_process_alive, workers))


def test_an_out_through_a_missing_folder_and_back_is_the_folder_that_was_checked(tmp_path: Path) -> None:
    """Found by the fuzz above: 'home/../public/..' names tmp_path, but the OS cannot walk through a
    'public' that does not exist yet; the build writes where the checks looked, and leaves nothing behind."""
    repo = copy_example(tmp_path / "repo")
    (tmp_path / "home").mkdir()
    build(repo, tmp_path / "home" / ".." / "public" / "..", TODAY, workers=1)
    assert (tmp_path / "public" / MARKER).is_file() and (tmp_path / "internal" / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "internal", "public", "repo"]


@pytest.mark.parametrize("args", [
    ["build", "--out", ""],
    ["build", "--out", " "],
    ["schema", "--out", ""],
    ["notify", "--contacts", str(REPO / "tests/example-contacts.csv"), "--out", ""],
    ["import", str(REPO / "tests/example-contacts.csv"), "--map", "customer=id", "--stage", "payment", "--out", ""],
    ["import", str(REPO / "tests/example-contacts.csv"), "--map", "customer=id", "--contacts-out", ""],
], ids=["build", "build-blank", "schema", "notify", "import", "import-contacts"])
def test_an_empty_out_is_a_usage_error_not_the_current_folder(args: list[str], tmp_path: Path, monkeypatch) -> None:
    """`--out "$SITE_DIR"` with the variable unset: build wrote both sites beside site.yaml, schema wrote its six
    files there; now each command that writes refuses before reading anything."""
    root = copy_example(tmp_path / "repo")
    monkeypatch.chdir(root)
    before = snapshot(root)
    outcome = CliRunner().invoke(main, args, catch_exceptions=False)
    assert outcome.exit_code == 2, outcome.output
    assert "it is empty (an unset variable?); name where to write" in outcome.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("placed", ["public/CNAME", "internal/assets/team.css", "public/stories/mine/index.html"])
def test_a_file_put_into_a_marked_output_stops_the_build_and_is_kept(placed: str, built) -> None:
    """A CNAME dropped into _site/public for GitHub Pages, or a folder rsynced into one that holds another
    site-gen output's marker: the marker made the whole folder site-gen's, and the next build deleted the file.
    Now the marker lists the files the build wrote, and any other file is named and kept."""
    root, out = built
    (out / placed).parent.mkdir(parents=True, exist_ok=True)
    (out / placed).write_text("mine\n")
    before = snapshot(out)
    outcome = CliRunner().invoke(main, ["build", str(root), "--out", str(out), *DAY], catch_exceptions=False)
    assert outcome.exit_code == 2, outcome.output
    assert outcome.stderr == (f"Error: {out / placed.split('/')[0]} holds {placed.split('/', 1)[1]}, which "
                              "site-gen did not write; move it away (site-gen replaces the whole folder) or choose "
                              "another --out.\n")
    assert snapshot(out) == before
    (out / placed).unlink()
    assert run_build(root, out).returncode == 0
    assert pair(out) == (NEW, NEW)


def test_a_build_that_writes_nothing_leaves_a_file_put_into_its_output_and_does_not_list_the_sites(
        tmp_path: Path, monkeypatch) -> None:
    """The sites are listed against their markers before a build's first write, not before it knows it will
    write: a build that reuses its last run touches nothing (the CNAME stays), and skips listing 10,000 story
    folders twice over."""
    import site_gen.write as write_module
    root = copy_example(tmp_path / "repo")
    out = root / "_site"
    assert run_build(root, out).returncode == 0
    (out / "public" / "CNAME").write_text("backlog.example.org\n")
    before = snapshot(out)
    listed: list[Path] = []
    real = write_module._file_names
    monkeypatch.setattr(write_module, "_file_names", lambda folder: listed.append(folder) or real(folder))
    outcome = CliRunner().invoke(main, ["build", str(root), "--out", str(out), *DAY], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    assert "Nothing changed" in outcome.output + outcome.stderr
    assert snapshot(out) == before and listed == []


def test_a_site_folder_that_cannot_be_listed_stops_the_build_with_a_usage_error(built, monkeypatch) -> None:
    """A subfolder the build's user may not read (a deploy step's files, another user's): the marker's list cannot
    be checked, so the build stops with one line naming it, not a traceback, and replaces nothing."""
    root, out = built
    unreadable = out / "public" / "items"
    real = os.scandir

    def scandir(path=".", /):   # tests run as root, which reads every folder whatever its mode
        if isinstance(path, (str, os.PathLike)) and Path(path) == unreadable:   # (shutil.rmtree passes descriptors)
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)
    before = snapshot(out)
    monkeypatch.setattr(os, "scandir", scandir)
    outcome = CliRunner().invoke(main, ["build", str(root), "--out", str(out), *DAY])
    monkeypatch.undo()
    assert outcome.exit_code == 2, outcome.output
    assert outcome.stderr == (f"Error: cannot list {out / 'public'} (Permission denied: {unreadable}); site-gen "
                              "lists a site's files before replacing it. Make it readable, or move it away, or "
                              "choose another --out.\n")
    assert snapshot(out) == before


def test_a_file_put_into_a_site_while_the_build_renders_it_is_kept_and_stops_the_swap(built, monkeypatch) -> None:
    """The sites are listed against their markers just before the swap, after rendering and indexing: a CNAME
    put into _site/public while a build of 10,000 stories rendered was moved aside with the old site and deleted."""
    root, out = built
    real_fault = site_gen.write._fault

    def drop_a_file(point: str) -> None:   # the last named point before the swap
        if point == "after-staging":
            (out / "public" / "CNAME").write_text("backlog.example.org\n")
        real_fault(point)

    monkeypatch.setattr(site_gen.write, "_fault", drop_a_file)
    with pytest.raises(OutputError, match="holds CNAME, which site-gen did not write"):
        build(root, out, TODAY, workers=1)
    assert (out / "public" / "CNAME").read_text() == "backlog.example.org\n"
    assert pair(out) == (OLD, OLD) and not (out / STAGING).exists()


@pytest.mark.parametrize("name", ["../escaped.html", "stories/../../escaped/index.html", "/tmp/escaped.html"])
def test_a_page_name_leading_out_of_its_site_is_refused_before_any_folder_is_made(tmp_path: Path, name: str) -> None:
    """A page's name is made of slugs the rules check; should one still lead out of the site's folder, nothing is
    made outside it (and nothing inside either: the names are all checked first)."""
    site = tmp_path / "out" / "public"
    site.mkdir(parents=True)
    with pytest.raises(ValueError, match="outside the output folder"):
        site_gen.write._make_folders(site, ["stories/fine/index.html", name])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["out", "out/public"]


def test_a_build_returns_once_the_sites_it_swapped_out_are_gone(tmp_path: Path) -> None:
    """The old pair is removed while the build keeps its cache, and is gone before the build returns (and lets go
    of OUT's lock): a build never leaves its swapped-out sites behind for the next one."""
    out = tmp_path / "out"
    repo = copy_example(tmp_path / "repo")
    build(repo, out, TODAY, search=False)
    edit(repo / "backlog/stories/helmet-discount.md", "title: 20% off", "title: 25% off")
    build(repo, out, TODAY, search=False)
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]
    assert threading.active_count() == 1   # no cleanup left running
