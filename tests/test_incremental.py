"""Warm builds (issue 12 item 2): the cache in .site-gen-cache/ saves work, never changes a byte, and is never
trusted when it is not our own; unchanged output files keep their inode and modification time."""

from __future__ import annotations

import os
import pickle
import re
import shutil
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

import site_gen.incremental as incremental
from site_gen.build import build
from site_gen.check import check_repository
from site_gen.incremental import CACHE_DIR, MAGIC, DiskMemo, load_part, save_part

from .canary import CANARY, add_journey_stage, write_canary_repo
from .conftest import TODAY, WEEKEND_TRIAL_TITLE, add_weekend_fare_decisions, as_parquet, as_seen, copy_example, edit
from .test_check_cache import LOGO, saved_once_hashed

STORY = "backlog/stories/helmet-discount.md"
STORY_PAGE = "stories/helmet-discount/index.html"          # internal site
UNTOUCHED = "stories/cancel-in-the-app/index.html"          # internal site, a story nothing here edits


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def cold(root: Path, out: Path) -> dict[str, bytes]:
    """What a build without any cache writes."""
    shutil.rmtree(out, ignore_errors=True)
    build(root, out, TODAY, cache=False, search=False)
    return tree(out)


def test_a_build_with_nothing_changed_keeps_every_file_and_loads_nothing(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    first = build(root, out, TODAY, search=False)
    assert not first.reused
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    second = build(root, out, TODAY, search=False)
    assert second.reused and second.changed == {"public": 0, "internal": 0}
    assert second.diagnostics == first.diagnostics and second.counts == first.counts
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    markers = {p for p in after if p.name == ".site-gen-output"}   # rewritten, with the same bytes
    assert {p: v for p, v in after.items() if p not in markers} == {p: v for p, v in before.items() if p not in markers}
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_build_with_nothing_changed_reads_no_settled_input_and_an_edit_keeping_size_and_time_is_noticed(
        tmp_path: Path, monkeypatch) -> None:
    """A build compares its input files with the last build's by inode, size and modification and change times
    before it reads them, as check does (reading and hashing 13,000 files was a third of a no-change build at 10,000
    stories); a change time cannot be set back. Seams: every file counts as settled at once (a real run trusts only
    files left alone for seconds), and the reader of input files counts what it reads."""
    monkeypatch.setattr(incremental, "SETTLED_NS", -10**12)
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    reads: list[int] = []
    real_read = incremental._read_all
    monkeypatch.setattr(incremental, "_read_all", lambda descriptor, size: reads.append(size) or real_read(
        descriptor, size))
    assert build(root, out, TODAY, search=False).reused
    assert reads == []                               # nothing changed: no input read
    path = root / STORY
    before = path.stat()
    path.write_text(path.read_text("utf-8").replace("title: 20% off", "title: 25% off"), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    report = build(root, out, TODAY, search=False)
    assert not report.reused and b"25% off" in (out / "internal" / STORY_PAGE).read_bytes()
    assert tree(out) == cold(root, tmp_path / "cold")


def test_one_story_edited_rewrites_only_the_pages_that_show_it(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    untouched, edited = out / "internal" / UNTOUCHED, out / "internal" / STORY_PAGE
    untouched_before, edited_before = untouched.stat(), edited.stat()
    edit(root / STORY, "title: 20% off", "title: 25% off")
    report = build(root, out, TODAY, search=False)
    assert not report.reused
    assert (untouched.stat().st_ino, untouched.stat().st_mtime_ns) == (untouched_before.st_ino,
                                                                      untouched_before.st_mtime_ns)
    assert edited.stat().st_ino != edited_before.st_ino and b"25% off" in edited.read_bytes()
    assert 0 < report.changed["internal"] < report.written["internal"] // 4
    assert tree(out) == cold(root, tmp_path / "cold")


def test_the_follow_page_is_rendered_again_for_a_new_journey_stage_not_for_a_story(tmp_path: Path) -> None:
    """The page of the site's feeds shows the journey stages and the site's settings only: a story edit keeps its
    file as it was; a new stage in site.yaml adds that stage's feed to it, as a cold build does."""
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    follow = out / "public/follow/index.html"
    before = follow.stat()
    edit(root / STORY, "title: 20% off", "title: 25% off")
    assert build(root, out, TODAY, search=False).changed["public"] > 0
    assert (follow.stat().st_ino, follow.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    add_journey_stage(root, 1)
    build(root, out, TODAY, search=False)
    assert "https://example.org/<wbr>changes/<wbr>stages/<wbr>added-stage-1/<wbr>feed.xml" in follow.read_text("utf-8")
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_truncated_or_edited_cache_is_ignored_and_rebuilt(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    for part in (root / CACHE_DIR).glob("*.pickle"):
        data = part.read_bytes()
        part.write_bytes(data[: len(data) // 2])
    edit(root / STORY, "title: 20% off", "title: 25% off")
    report = build(root, out, TODAY, search=False)
    assert not report.reused
    assert tree(out) == cold(root, tmp_path / "cold")
    assert load_part(root, "runs") is not None  # rebuilt


def test_a_cache_from_another_version_is_ignored(tmp_path: Path, monkeypatch) -> None:
    root = copy_example(tmp_path / "repo")
    real = incremental.stamp()
    monkeypatch.setattr(incremental, "stamp", lambda: ("another site-gen", *real[1:]))
    assert save_part(root, "runs", {"anything": 1})
    monkeypatch.undo()
    assert load_part(root, "runs") is None


def test_a_foreign_cache_is_never_unpickled(tmp_path: Path) -> None:
    """A cache file someone committed or copied is not signed with this user's key: it is not even unpickled."""
    root = copy_example(tmp_path / "repo")
    planted = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self):  # noqa: ANN204 - pickle's protocol
            return (Path.touch, (planted,))

    (root / CACHE_DIR).mkdir()
    body = pickle.dumps((incremental.stamp(), Trap()))
    (root / CACHE_DIR / "runs.pickle").write_bytes(MAGIC + b"\0" * 32 + body)
    assert load_part(root, "runs") is None
    build(root, tmp_path / "out", TODAY, search=False)
    assert not planted.exists()


def test_check_with_a_cache_reports_exactly_the_same_diagnostics(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    edit(root / STORY, "title: 20% off", "title: 20% off\nownr: nobody")    # a located problem in a cached file
    plain = check_repository(root, TODAY, 1).diagnostics
    memo = DiskMemo(root)
    check_repository(root, TODAY, 1, memo)
    memo.save("files")
    warm = check_repository(root, TODAY, 1, DiskMemo(root))
    assert warm.diagnostics == plain and any(d.rule == "unknown-field" for d in plain)
    edit(root / STORY, "ownr: nobody", "ownr: somebody")    # a changed file is always read again
    assert [d.message for d in check_repository(root, TODAY, 1, DiskMemo(root)).diagnostics] == \
        [d.message for d in check_repository(root, TODAY, 1).diagnostics]


EDITS = st.lists(st.sampled_from(["add", "edit", "delete", "rename", "flip-story", "flip-irritant", "stage", "none",
                                  "catalogue", "logo"]), min_size=1, max_size=4)


def _apply(root: Path, step: int, change: str) -> None:
    stories = root / "backlog/stories"
    names = sorted(stories.glob("*.md"))
    if change == "add" or not names:
        source = (names or sorted(stories.glob("*.md")))[0] if names else None
        text = source.read_text("utf-8") if source else ""
        (stories / f"added-{step}.md").write_text(text.replace("slug: ", f"slug: added{step}-", 1), "utf-8")
    elif change == "edit":
        path = names[step % len(names)]
        path.write_text(path.read_text("utf-8") + f"\nEdited in step {step}.\n", "utf-8")
    elif change == "delete" and len(names) > 1:
        names[-1].unlink()
    elif change == "rename":
        names[0].rename(stories / f"renamed-{step}.md")
    elif change == "flip-story":  # public -> internal: what was published must go (canary records stay internal)
        path = names[step % len(names)]
        path.write_text(path.read_text("utf-8").replace("audience: public", "audience: internal"), "utf-8")
    elif change == "stage":  # a new journey stage: the follow page and the stage list name it, with its feed
        add_journey_stage(root, step)
    elif change in ("catalogue", "logo"):
        _theme_edit(root, step, change)
    elif change == "flip-irritant":
        for irritant in sorted((root / "backlog/irritants").glob("*.yaml")):
            text = irritant.read_text("utf-8")
            if "visibility: public" in text:
                irritant.write_text(text.replace("visibility: public", "visibility: internal"), "utf-8")
                break


def _theme_edit(root: Path, step: int, change: str) -> None:
    """What every page shows besides the records: the team's catalogue of the public language (made French), or
    the logo (named in site.yaml once), each written anew."""
    site = (root / "site.yaml").read_text("utf-8")
    if change == "catalogue":
        (root / "site.yaml").write_text(site.replace("language: en", "language: fr", 1), "utf-8")
        (root / "locale").mkdir(exist_ok=True)
        (root / "locale/fr.po").write_text(TEAM_CATALOGUE.format(f"Aller au contenu ({step})"), "utf-8")
    else:
        if "logo:" not in site:   # (the canary's public settings are one flow mapping)
            (root / "site.yaml").write_text(site.replace('accent: "#0a7d5a"', 'accent: "#0a7d5a", logo: assets/logo.svg',
                                                         1), "utf-8")
        (root / "assets").mkdir(exist_ok=True)
        (root / "assets/logo.svg").write_text(LOGO.replace('width="10"', f'width="{step + 1}"'), "utf-8")


@settings(max_examples=4, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
@example(edits=["stage", "edit"])
@example(edits=["logo", "catalogue", "logo", "catalogue"])
def test_warm_builds_after_random_edits_equal_cold_builds_and_leak_nothing(tmp_path_factory, edits) -> None:
    base = tmp_path_factory.mktemp("warm")
    root = write_canary_repo(base / "repo")
    out = base / "out"
    build(root, out, TODAY, search=False)
    for step, change in enumerate(edits):
        _apply(root, step, change)
        try:
            build(root, out, TODAY, search=False)
        except Exception as exc:  # noqa: BLE001 - an edit may make the backlog invalid: then cold refuses too
            try:
                cold(root, base / "cold")
            except type(exc):
                continue
            raise
        assert tree(out) == cold(root, base / "cold")
        for name, data in tree(out / "public").items():
            assert CANARY not in name and CANARY.encode() not in data, name
    assert os.path.isdir(root / CACHE_DIR)


def test_a_public_site_rendered_in_a_second_process_reuses_its_unchanged_pages_too(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    """Large sites render the public pages in a forked worker: what each page used comes back with its pages."""
    import site_gen.sites
    monkeypatch.setattr(site_gen.sites, "PUBLIC_FORK_FROM", 1)
    from site_gen.incremental import Memo
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    memo = Memo()
    build(root, out, TODAY, search=False, workers=2, memo=memo)
    pages = {p.relative_to(out / "public").as_posix() for p in (out / "public").rglob("*.html")}
    assert len(pages) > 30 and pages - {"404.html"} <= set(memo.pages["public"])   # each page came back with what it used
    edit(root / STORY, "title: 20% off", "title: 25% off")
    report = build(root, out, TODAY, search=False, workers=2, memo=memo)
    assert not report.reused
    assert 0 < report.changed["public"] < report.written["public"] // 4
    assert tree(out) == cold(root, tmp_path / "cold")


def test_internal_pages_rendered_in_a_second_process_are_reused_when_unchanged_too(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """Half the internal pages render in a forked worker when the public site renders here: what each of them
    used comes back with its pages, so the next build renders only what an edit touched, on either side.
    (serve's in-memory memo never splits: its pages' body reads stay in its own process.)"""
    import site_gen.sites
    monkeypatch.setattr(site_gen.sites, "INTERNAL_SPLIT_FROM", 1)
    alone = copy_example(tmp_path / "alone")
    build(alone, tmp_path / "alone-out", TODAY, search=False, workers=1)
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False, workers=2)   # with the repository's cache, as the command does
    remembered = DiskMemo(root).part("pages").pages["internal"]
    assert len(remembered) > 100 and remembered.keys() == DiskMemo(alone).part("pages").pages["internal"].keys()
    edit(root / STORY, "title: 20% off", "title: 25% off")
    report = build(root, out, TODAY, search=False, workers=2)
    assert not report.reused
    assert 0 < report.changed["internal"] < report.written["internal"] // 4
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_retitled_decision_renders_again_the_pages_of_the_decisions_that_link_to_it(tmp_path: Path) -> None:
    """A decision's page names the decision it follows up by title: retitling that one renders the page again (the
    linked decision is part of the page's context), while a page that links to neither is kept."""
    root = copy_example(tmp_path / "repo")
    trial, _ = add_weekend_fare_decisions(root)
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    following, untouched = out / "internal/decisions/weekend-pass/index.html", \
        out / "internal/decisions/cancel-in-app/index.html"
    assert WEEKEND_TRIAL_TITLE in following.read_text(encoding="utf-8")
    untouched_before = untouched.stat()
    edit(trial, f"title: {WEEKEND_TRIAL_TITLE}", "title: Lower weekend fares, a three-month trial")
    report = build(root, out, TODAY, search=False)
    assert not report.reused
    assert re.search(r"<dt>Follows up</dt><dd><a [^>]*>Lower weekend fares, a three-month trial</a>",
                     following.read_text(encoding="utf-8"))
    assert (untouched.stat().st_ino, untouched.stat().st_mtime_ns) == (untouched_before.st_ino,
                                                                      untouched_before.st_mtime_ns)
    assert tree(out) == cold(root, tmp_path / "cold")


def rendered_pages(monkeypatch) -> list[str]:
    """The pages each build from now on renders, not reuses, in order (PageReuse remembers just those)."""
    from site_gen.incremental import PageReuse
    rendered: list[str] = []
    remember = PageReuse.remember
    monkeypatch.setattr(PageReuse, "remember", lambda self, path, *rest: (rendered.append(path),
                                                                          remember(self, path, *rest))[1])
    return rendered


def test_a_build_in_a_new_process_reuses_the_pages_an_edit_does_not_touch(tmp_path: Path, monkeypatch) -> None:
    """Each build is a process of its own, with its own random order of sets (PYTHONHASHSEED): a page holding one
    (an irritant's evidence and its customers) must get the same key in every process, or every such page is
    rendered again after any edit. The first build here runs in another process, with another order."""
    import subprocess
    import sys
    root = copy_example(tmp_path / "repo")
    as_parquet(root / "feedback/surveys-and-reviews.csv")   # asked of DuckDB: each irritant's customers, a set
    out = tmp_path / "out"
    command = [sys.executable, "-m", "site_gen", "build", str(root), "--out", str(out), "--today", TODAY.isoformat(),
               "--no-search"]
    for seed in ("1", "2"):   # the second finds nothing changed, whatever its order
        done = subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    rendered = rendered_pages(monkeypatch)
    edit(root / STORY, "title: 20% off", "title: 25% off")   # shown on its page, the lists and its irritant's page
    build(root, out, TODAY, search=False, workers=1)
    irritant_pages = {path for path in rendered if path.startswith("irritants/")}
    assert STORY_PAGE in rendered and irritant_pages == {"irritants/helmet-rental/index.html"}
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_warm_build_renders_only_the_markdown_that_changed(tmp_path: Path, monkeypatch) -> None:
    """Markdown is most of a large build's work: what an earlier build rendered is kept in the cache on disk, by
    the hash of the text, and the next build (a process of its own) renders only the edited body."""
    import site_gen.sites
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False, workers=1)   # the cache is .site-gen-cache/, read anew by each build
    rendered: list[str] = []
    real = site_gen.sites.render_markdown
    monkeypatch.setattr(site_gen.sites, "render_markdown", lambda text: rendered.append(text) or real(text))
    with open(root / STORY, "a", encoding="utf-8") as story:
        story.write("\nOne more line.\n")
    build(root, out, TODAY, search=False, workers=1)
    assert len(rendered) == 1 and rendered[0].endswith("One more line.\n")
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_set_hashes_alike_in_every_process() -> None:
    """What a page key is made of, with sets whose order differs between processes."""
    import subprocess
    import sys
    program = ("from site_gen.facts.evidence import Evidence; from site_gen.incremental import ContentHasher; "
               "print(ContentHasher()({'evidence': Evidence.of((), frozenset(f'CUST-{n}' for n in range(40))), "
               "'segments': {'commuter': {'a', 'b', 'c', 'd', 'e'}}}).hex())")
    hashes = {subprocess.run([sys.executable, "-c", program], env={**os.environ, "PYTHONHASHSEED": seed},
                             capture_output=True, text=True, check=True).stdout for seed in ("1", "2", "3")}
    assert len(hashes) == 1 and len(hashes.pop()) > 10


def test_an_irritant_edited_where_no_story_or_decision_page_shows_renders_none_of_them_again(tmp_path: Path,
                                                                                          monkeypatch) -> None:
    """A story's and a decision's page name their irritants by title: a new owner of one, which neither page shows,
    renders neither again (each page holds the titles it shows, not the whole irritant index); a new title renders
    both."""
    from site_gen.incremental import Memo
    rendered = rendered_pages(monkeypatch)
    root = copy_example(tmp_path / "repo")
    out, memo = tmp_path / "out", Memo()
    build(root, out, TODAY, search=False, workers=1, memo=memo)
    irritant = root / "backlog/irritants/helmet-rental.yaml"
    pages = {STORY_PAGE, "decisions/no-helmet-rental/index.html"}
    rendered.clear()
    edit(irritant, "owner: Tomás Lindqvist", "owner: Ana Duarte")
    build(root, out, TODAY, search=False, workers=1, memo=memo)
    assert "irritants/helmet-rental/index.html" in rendered and not pages & set(rendered)
    rendered.clear()
    edit(irritant, "title: Helmet rental at every station", "title: Helmets to rent at each station")
    build(root, out, TODAY, search=False, workers=1, memo=memo)
    assert pages <= set(rendered)
    for page in pages:
        assert "Helmets to rent at each station" in (out / "internal" / page).read_text(encoding="utf-8")
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_due_decisions_body_edited_renders_again_only_the_pages_of_its_irritants(tmp_path: Path, monkeypatch) -> None:
    """An irritant's page marks its decisions due for review: a due decision's body renders again the pages of
    the irritants it names (their pages hold their decisions), not every irritant page with a decision; the mark
    stays."""
    from datetime import date

    from site_gen.incremental import Memo
    rendered = rendered_pages(monkeypatch)
    root = copy_example(tmp_path / "repo")
    out, memo, due_day = tmp_path / "out", Memo(), date(2026, 12, 20)   # the November metrics review is due
    build(root, out, due_day, search=False, workers=1, memo=memo)
    rendered.clear()
    edit(root / "backlog/decisions/november-metrics-review.md", "Next look at the December meeting.",
         "Next look at the December meeting, with the refund figures.")
    build(root, out, due_day, search=False, workers=1, memo=memo)
    assert "decisions/november-metrics-review/index.html" in rendered
    named = {"irritants/deposit-refund-slow/index.html", "irritants/unlock-fails-in-background/index.html"}
    assert {path for path in rendered if path.startswith("irritants/")} <= named
    assert "no-helmet-rental" in (out / "internal/irritants/helmet-rental/index.html").read_text(encoding="utf-8")
    page = (out / "internal/irritants/deposit-refund-slow/index.html").read_text(encoding="utf-8")
    assert re.search(r"Keep effort and NPS actions as planned after the November review</a> "
                     r"<span class=\"pill bad\">review due</span>", as_seen(page))


def test_a_file_saved_while_a_build_runs_leaves_no_run_under_the_hashes_it_had(tmp_path: Path, monkeypatch) -> None:
    """A build hashes its inputs, then reads them: site.yaml saved in between was read as saved, and that build
    was kept under the hashes of the inputs as they were. Saved back as it was, the next build reused it and
    left the other organisation's name on every page (found by the adversarial cache pass)."""
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    edit(root / STORY, "title: 20% off", "title: 25% off")
    saved_once_hashed(monkeypatch, incremental, root / "site.yaml", "organisation: Kestrel Cycle Share",
                      "organisation: Kestrel Cycles")
    build(root, out, TODAY, search=False)
    edit(root / "site.yaml", "organisation: Kestrel Cycles", "organisation: Kestrel Cycle Share")  # back as hashed
    build(root, out, TODAY, search=False)
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_replaced_logo_is_published_by_the_next_build(tmp_path: Path) -> None:
    """The logo is an input beside the usual folders (the runs keep its path); that path was kept in memory only,
    so a later build process never hashed the logo: "Nothing changed since the last build", and the public site
    kept the old logo (found by the adversarial cache pass)."""
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "logo: null", "logo: assets/logo.svg")
    (root / "assets").mkdir()
    (root / "assets/logo.svg").write_text(LOGO, "utf-8")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    (root / "assets/logo.svg").write_text(LOGO.replace("<rect", '<circle r="5"'), "utf-8")
    assert not build(root, out, TODAY, search=False).reused
    assert tree(out) == cold(root, tmp_path / "cold")


TEAM_CATALOGUE = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Skip to content"\nmsgstr "{}"\n'


def test_a_team_catalogue_added_or_edited_renders_every_page_again(tmp_path: Path) -> None:
    """Every page's interface text comes from the language's catalogue, the team's locale/fr.po over the packaged
    one: pages were kept whenever their records were unchanged, still saying the old words (found by the
    adversarial cache pass)."""
    root = copy_example(tmp_path / "repo")
    edit(root / "site.yaml", "language: en", "language: fr")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    (root / "locale").mkdir()
    for words in ("Aller au contenu tout de suite", "Aller vite au contenu"):
        (root / "locale/fr.po").write_text(TEAM_CATALOGUE.format(words), "utf-8")
        build(root, out, TODAY, search=False)
        assert words.encode() in (out / "public/archive/index.html").read_bytes()
        assert tree(out) == cold(root, tmp_path / "cold")


def test_a_cache_folder_that_is_a_link_writes_and_deletes_nothing_where_it_leads(tmp_path: Path) -> None:
    """.site-gen-cache replaced by a link to a folder of the user's (or committed as one by a hostile checkout):
    the build wrote its '*' .gitignore there, hiding the folder's files from git, and deleted the files named like
    the cache's blobs and staged tables (staged-notes.txt). Now a linked cache folder is not written in."""
    root = copy_example(tmp_path / "repo")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    mine = {"staged-notes.txt": b"mine\n", "blob-draft.pickle": b"mine too\n", "report.md": b"# mine\n"}
    for name, data in mine.items():
        (theirs / name).write_bytes(data)
    (root / CACHE_DIR).symlink_to(theirs)
    out = tmp_path / "out"
    build(root, out, TODAY, search=False)
    edit(root / STORY, "title: 20% off", "title: 25% off")
    build(root, out, TODAY, search=False)
    assert tree(theirs) == mine
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_gitignore_link_in_the_cache_folder_is_not_followed_to_make_its_target(tmp_path: Path) -> None:
    """A checkout that commits .site-gen-cache/ with a .gitignore linking to a file not there yet: the build found no
    .gitignore (the link led nowhere) and wrote one through the link, making the file where it led."""
    root = copy_example(tmp_path / "repo")
    (root / CACHE_DIR).mkdir()
    target = tmp_path / "made-through-the-link"
    (root / CACHE_DIR / ".gitignore").symlink_to(target)
    build(root, tmp_path / "out", TODAY, search=False)
    assert not os.path.lexists(target)
    assert (root / CACHE_DIR / ".gitignore").is_symlink()


def test_a_warm_build_draws_only_the_charts_of_the_irritant_pages_it_renders_again(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    """A done irritant's before/after chart is drawn when its page renders, not for every page a build reuses."""
    import site_gen.publish.charts as charts
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False, workers=1)
    rendered = rendered_pages(monkeypatch)
    drawn: list[str] = []
    real = charts._drawn_twice
    monkeypatch.setattr(charts, "_drawn_twice", lambda kind, *rest: (drawn.append(kind), real(kind, *rest))[1])
    edit(root / "backlog/irritants/cancel-needs-phone-call.yaml", "owner: ", "owner: Mo ")   # a done irritant
    build(root, out, TODAY, search=False, workers=1)
    assert "irritants/cancel-needs-phone-call/index.html" in rendered
    assert drawn.count("effect") == 1   # its chart: the other done irritants' pages are reused, undrawn
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_page_holding_the_sites_language_is_reused_when_unchanged(tmp_path: Path, monkeypatch) -> None:
    """The agenda's context holds the site's language (for what Python words on it): its key must be made of the
    language's name, as its translations cannot be hashed, or the page is rendered in every build."""
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False, workers=1)
    rendered = rendered_pages(monkeypatch)
    with open(root / STORY, "a", encoding="utf-8") as story:
        story.write("\nOne more line.\n")   # shown on the story's pages alone
    build(root, out, TODAY, search=False, workers=1)
    assert STORY_PAGE in rendered and "agenda/index.html" not in rendered
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_warm_build_takes_the_inboxs_themes_from_the_cache_until_the_inbox_changes(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    """Grouping the unlinked feedback into themes is the largest single step of a build after an edit (200,000
    rows: 1.9 s): the groups are kept by the hash of the rows grouped, and grouped again only when they change."""
    import site_gen.facts
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False, workers=1)
    grouped: list[int] = []
    real = site_gen.facts.theme_groups
    monkeypatch.setattr(site_gen.facts, "theme_groups", lambda rows: (grouped.append(len(rows)), real(rows))[1])
    edit(root / STORY, "title: 20% off", "title: 25% off")
    build(root, out, TODAY, search=False, workers=1)
    assert grouped == []
    assert tree(out) == cold(root, tmp_path / "cold")   # (a build without the cache groups them)
    grouped.clear()
    with open(root / "feedback/surveys-and-reviews.csv", "a", encoding="utf-8") as export:
        export.write("SRV-NEW-0001,2026-11-20,survey,CUST-1,commuter,ops,discover,nps,3,"
                     "No bikes at Central again this morning,,complaint,,\n")
    build(root, out, TODAY, search=False, workers=1)
    assert grouped == [2992]   # one more row in the inbox
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_warm_build_hashes_each_record_by_its_files_hash_not_its_fields(tmp_path: Path, monkeypatch) -> None:
    """A record is what loading its file's bytes made (the cache keeps it by them): its pages' keys take the file's
    hash instead of pickling its fields again (13,000 records: 0.5 s of each site's rendering after an edit)."""
    from site_gen.incremental import ContentHasher
    from site_gen.model import Decision, Irritant, Story
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False, workers=1)
    hashed: list[type] = []
    real = ContentHasher._state
    monkeypatch.setattr(ContentHasher, "_state", lambda self, obj: (hashed.append(type(obj)), real(self, obj))[1])
    rendered = rendered_pages(monkeypatch)
    edit(root / STORY, "title: 20% off", "title: 25% off")
    build(root, out, TODAY, search=False, workers=1)
    assert hashed and not {Story, Irritant, Decision} & set(hashed)
    assert STORY_PAGE in rendered and UNTOUCHED not in rendered
    assert tree(out) == cold(root, tmp_path / "cold")


def test_a_warm_build_makes_again_only_the_feeds_of_the_items_an_edited_story_closes(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """An item's feed holds its status changes and the stories that close it: a story's new title makes again the
    feed of the item it closes, and every other item's feed is the current file (1,000 items: about a second of
    every build after an edit)."""
    import site_gen.publish.public as public
    root = copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    build(root, out, TODAY, search=False, workers=1)
    made: list[str] = []
    real = public.item_feed
    monkeypatch.setattr(public, "item_feed", lambda site, item, *rest: (made.append(item.slug),
                                                                        real(site, item, *rest))[1])
    edit(root / STORY, "title: 20% off", "title: 25% off")   # closes helmet-rental
    build(root, out, TODAY, search=False, workers=1)
    assert made == ["renting-a-helmet-at-the-station"]
    assert tree(out) == cold(root, tmp_path / "cold")
    made.clear()
    edit(root / "backlog/irritants/cancel-needs-phone-call.yaml", "owner: ", "owner: Mo ")   # internal only
    build(root, out, TODAY, search=False, workers=1)
    assert made == []
    assert tree(out) == cold(root, tmp_path / "cold2")
