"""Permanent public addresses (issue 8): a shared link keeps working when a title or a slug changes.

A public story lives at stories/<slug>/, a public item at items/<slug>/; an alias writes a redirect page; a
feed entry's id is a tag: URI on the record's first address, so feed readers never see an entry twice.
"""

from __future__ import annotations

import logging
import os
import subprocess
from datetime import date
from pathlib import Path

import feedparser

from site_gen.build import build
from site_gen.history import status_histories

from .conftest import TODAY, edit, found, line_of, problems, run_check

CANCEL_STORY = "backlog/stories/cancel-in-the-app.md"
CANCEL_URL = "stories/2026-02-cancel-your-plan-in-the-app-any-time/index.html"
CANCEL_ID = "tag:example.org,2026-02-26:stories/2026-02-cancel-your-plan-in-the-app-any-time"
UNLOCK_ITEM = "backlog/irritants/unlock-fails-in-background.yaml"
UNLOCK_SLUG = "unlocking-a-bike-sometimes-fails-if-you-switch-apps-while-it-unlocks"


def _public(root: Path, today: date = TODAY) -> Path:
    build(root, root / "_site", today, only="public")
    return root / "_site/public"


def _entry_ids(feed: Path) -> dict[str, str]:
    """Entry title -> id, as a feed reader sees them."""
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {entry.title: entry.id for entry in parsed.entries}


def _git(root: Path, *args: str, day: str = "2026-11-01") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ana", "GIT_AUTHOR_EMAIL": "ana@example.org",
           "GIT_COMMITTER_NAME": "Ana", "GIT_COMMITTER_EMAIL": "ana@example.org",
           "GIT_AUTHOR_DATE": f"{day}T10:00:00Z", "GIT_COMMITTER_DATE": f"{day}T10:00:00Z"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


# --- a title change, a slug change -------------------------------------------------------

def test_editing_a_title_moves_no_page_and_changes_no_feed_id(example: Path) -> None:
    before = _public(example)
    ids = _entry_ids(before / "feed.xml")
    assert ids["Cancel your plan in the app, any time"] == CANCEL_ID
    edit(example / CANCEL_STORY, "title: Cancel your plan in the app, any time",
         "title: Cancel your plan in the app, whenever you like")
    after = _public(example)
    page = (after / CANCEL_URL).read_text("utf-8")
    assert "whenever you like" in page  # the old URL serves the story, new title and all
    new_ids = _entry_ids(after / "feed.xml")
    assert new_ids["Cancel your plan in the app, whenever you like"] == CANCEL_ID
    assert sorted(new_ids.values()) == sorted(ids.values())


def test_a_new_slug_with_the_old_one_as_alias_redirects_and_keeps_feed_ids(example: Path) -> None:
    ids = _entry_ids(_public(example) / "feed.xml")
    edit(example / CANCEL_STORY, "slug: 2026-02-cancel-your-plan-in-the-app-any-time",
         "slug: cancel-in-the-app\naliases: [2026-02-cancel-your-plan-in-the-app-any-time]")
    assert found(run_check(example)) == []
    site = _public(example)
    assert (site / "stories/cancel-in-the-app/index.html").exists()
    redirect = (site / CANCEL_URL).read_text("utf-8")
    target = "../../stories/cancel-in-the-app/index.html"  # relative: works from disk and under a sub-path
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in redirect
    assert f'<a href="{target}">' in redirect
    assert '<link rel="canonical" href="https://example.org/changes/stories/cancel-in-the-app/">' in redirect
    assert _entry_ids(site / "feed.xml") == ids  # the first address is still the alias: same tag: id
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    assert "stories/cancel-in-the-app/" in sitemap and "2026-02-cancel-your-plan" not in sitemap


def test_a_redirect_page_is_dark_from_its_first_paint_in_dark_mode_and_styled_as_the_site(example: Path) -> None:
    """An alias's page was unstyled: in dark mode it showed white for an instant before the new address. It declares
    both colour schemes (the browser paints a dark canvas at once) and loads the site's stylesheet by a relative
    address, so its fallback link reads in the site's colours from disk and under a sub-path."""
    edit(example / CANCEL_STORY, "slug: 2026-02-cancel-your-plan-in-the-app-any-time",
         "slug: cancel-in-the-app\naliases: [2026-02-cancel-your-plan-in-the-app-any-time]")
    site = _public(example)
    redirect = (site / CANCEL_URL).read_text("utf-8")
    assert '<meta name="color-scheme" content="light dark">' in redirect
    assert '<link rel="stylesheet" href="../../assets/site.css">' in redirect
    assert (site / CANCEL_URL).parent.joinpath("../../assets/site.css").resolve().is_file()
    assert "--accent-dark: " in redirect   # the link's colour in dark mode, as on every other page


def test_an_item_renamed_with_an_alias_keeps_its_page_feed_and_list_links(example: Path) -> None:
    path = example / UNLOCK_ITEM
    edit(path, f"slug: {UNLOCK_SLUG}", f"slug: unlock-fails\naliases: [{UNLOCK_SLUG}]")
    site = _public(example)
    assert "url=../../items/unlock-fails/index.html" in (site / f"items/{UNLOCK_SLUG}/index.html").read_text("utf-8")
    assert 'href="../items/unlock-fails/index.html"' in (site / "working-on/index.html").read_text("utf-8")
    assert (site / "items/unlock-fails/feed.xml").exists()


# --- check: slugs and aliases ------------------------------------------------------------

def test_a_public_record_without_a_slug_keeps_its_address_and_is_told_the_line_to_add(example: Path) -> None:
    path = example / CANCEL_STORY
    edit(path, "slug: 2026-02-cancel-your-plan-in-the-app-any-time\n", "")
    result = run_check(example)
    assert found(result) == [(CANCEL_STORY, line_of(path, "title:"), "slug-missing")]
    (missing,) = [d for d in result.diagnostics if d.rule == "slug-missing"]
    assert "add the line 'slug: 2026-02-cancel-your-plan-in-the-app-any-time'" in missing.hint
    assert result.errors == 0
    assert (_public(example) / CANCEL_URL).exists()  # today's address, unchanged


def test_a_non_latin_title_without_a_slug_is_asked_for_one(example: Path) -> None:
    path = example / CANCEL_STORY
    edit(path, "slug: 2026-02-cancel-your-plan-in-the-app-any-time\n", "")
    edit(path, "title: Cancel your plan in the app, any time", "title: ألغِ اشتراكك من التطبيق")
    [warning] = problems(run_check(example))
    assert warning.rule == "slug-missing"
    assert "'slug: 2026-02-story'" in warning.hint and "no Latin letters" in warning.hint


def test_a_slug_that_is_not_lower_case_ascii_is_an_error_asking_to_write_one(example: Path) -> None:
    path = example / CANCEL_STORY
    edit(path, "slug: 2026-02-cancel-your-plan-in-the-app-any-time", "slug: Annulez-à-tout-moment")
    result = run_check(example)
    assert found(result) == [(CANCEL_STORY, line_of(path, "slug:"), "slug-format")]
    assert "slug: annulez-a-tout-moment" in problems(result)[0].hint
    edit(path, "slug: Annulez-à-tout-moment", "slug: 取消订阅")
    [problem] = problems(run_check(example))
    assert problem.rule == "slug-format" and "write one" in problem.hint


def test_two_records_with_one_slug_are_a_located_error(example: Path) -> None:
    other = example / "backlog/stories/pause-for-winter.md"
    edit(other, "slug: 2026-03-pause-your-plan-for-the-winter", "slug: 2026-02-cancel-your-plan-in-the-app-any-time")
    result = run_check(example)
    assert found(result) == [("backlog/stories/pause-for-winter.md", line_of(other, "slug:"), "slug-duplicate")]
    assert f"{CANCEL_STORY}:{line_of(example / CANCEL_STORY, 'slug:')}" in problems(result)[0].message
    # stories and items share one namespace of slugs too
    item = example / UNLOCK_ITEM
    edit(other, "slug: 2026-02-cancel-your-plan-in-the-app-any-time", f"slug: {UNLOCK_SLUG}")
    assert found(run_check(example)) == [(UNLOCK_ITEM, line_of(item, "slug:"), "slug-duplicate")]


def test_an_alias_that_collides_is_a_located_error(example: Path) -> None:
    other = example / "backlog/stories/pause-for-winter.md"
    # another story's current address
    edit(other, "slug: 2026-03-pause-your-plan-for-the-winter",
         "slug: 2026-03-pause-your-plan-for-the-winter\naliases: [2026-02-cancel-your-plan-in-the-app-any-time]")
    result = run_check(example)
    assert found(result) == [("backlog/stories/pause-for-winter.md", line_of(other, "aliases:"), "alias-collision")]
    assert CANCEL_STORY in problems(result)[0].message
    # another record's alias
    edit(example / CANCEL_STORY, "slug: 2026-02-cancel-your-plan-in-the-app-any-time",
         "slug: cancel-in-the-app\naliases: [2026-02-cancel-your-plan-in-the-app-any-time]")
    assert ("backlog/stories/pause-for-winter.md", line_of(other, "aliases:"), "alias-collision") in found(
        run_check(example))
    # one of the site's own pages
    edit(other, "aliases: [2026-02-cancel-your-plan-in-the-app-any-time]", "aliases: [archive/]")
    [problem] = problems(run_check(example))
    assert problem.rule == "alias-collision" and "archive" in problem.message
    edit(other, "aliases: [archive/]", "aliases: [page/2/]")   # the home's second page, once it has 21 stories
    [problem] = problems(run_check(example))
    assert problem.rule == "alias-collision" and "page" in problem.message
    edit(other, "aliases: [page/2/]", "aliases: [follow/]")   # the page that lists the site's feeds
    [problem] = problems(run_check(example))
    assert problem.rule == "alias-collision" and "follow" in problem.message
    edit(other, "aliases: [follow/]", "aliases: [../outside]")
    assert [d.rule for d in problems(run_check(example))] == ["alias-format"]


# --- item pages ---------------------------------------------------------------------------

def test_item_page_shows_each_public_status_change_from_git(example: Path) -> None:
    path = example / UNLOCK_ITEM
    edit(path, "status: in-progress", "status: open")
    _git(example, "init", "-q")
    _git(example, "add", ".")
    _git(example, "commit", "-qm", "Backlog as of spring", day="2026-03-10")
    edit(path, "status: open", "status: in-progress")
    edit(path, "reviewed:", "# a comment the history ignores\nreviewed:")
    _git(example, "commit", "-qam", "Start the unlock fix", day="2026-09-02")
    edit(example / "backlog/irritants/helmet-rental.yaml", "reviewed:", "# not a status change\nreviewed:")
    _git(example, "commit", "-qam", "Unrelated edit", day="2026-10-01")
    history = status_histories(example)
    assert [(c.date.isoformat(), c.status) for c in history.changes[UNLOCK_ITEM]] == [
        ("2026-03-10", "open"), ("2026-09-02", "in-progress")]
    page = (_public(example) / f"items/{UNLOCK_SLUG}/index.html").read_text("utf-8")
    assert '<time datetime="2026-03-10">10 March 2026</time>: Planned' in page
    assert '<time datetime="2026-09-02">2 September 2026</time>: In progress' in page
    for internal in ("Ana", "ana@example.org", "Start the unlock fix", "Backlog as of spring"):
        assert internal not in page
    assert "Expected by December 2026" in page and "later than planned" not in page
    assert "stories/2026-10-no-unlock-fee-when-a-bike-doesnt-unlock/index.html" in page  # the story that closes it


def test_an_item_committed_after_it_closed_shows_the_day_it_closed_and_keeps_its_feed_id(example: Path) -> None:
    """A backlog moved into git on 1 November: the cancel item closed on 26 February (the day its story tells the
    fix), the helmet request was declined on 16 June. Their pages, search and feeds say so, not "Done on
    1 November"; the feed entry keeps the id it was first published with."""
    _git(example, "init", "-q")
    _git(example, "add", ".")
    _git(example, "commit", "-qm", "Backlog moved into git", day="2026-11-01")
    site = _public(example)
    done = (site / "items/you-had-to-call-us-to-cancel-your-subscription/index.html").read_text("utf-8")
    assert '<li><time datetime="2026-02-26">26 February 2026</time>: Done</li>' in done
    assert "2026-11-01" not in done and 'data-pagefind-meta="date:26 February 2026"' in done
    declined = (site / "items/renting-a-helmet-at-the-station/index.html").read_text("utf-8")
    assert 'Decided on <time datetime="2026-06-16">' in declined and '<time datetime="2026-06-16">16 June 2026</time>: ' \
        in declined and "2026-11-01" not in declined
    stage = feedparser.parse((site / "stages/cancel/feed.xml").read_bytes())
    [entry] = [e for e in stage.entries if e.title == "You had to call us to cancel your subscription: Done"]
    assert entry.summary == "Done on 26 February 2026." and entry.updated.startswith("2026-02-26")
    assert entry.id == "tag:example.org,2026-11-01:items/you-had-to-call-us-to-cancel-your-subscription/done"


def test_a_status_change_while_the_item_was_internal_is_not_public(example: Path) -> None:
    path = example / UNLOCK_ITEM
    edit(path, "status: in-progress", "status: open")
    edit(path, "visibility: public", "visibility: internal")
    _git(example, "init", "-q")
    _git(example, "add", ".")
    _git(example, "commit", "-qm", "one", day="2026-03-10")
    edit(path, "status: open", "status: in-progress")
    _git(example, "commit", "-qam", "two", day="2026-05-01")
    edit(path, "visibility: internal", "visibility: public")
    _git(example, "commit", "-qam", "three", day="2026-07-01")
    assert [(c.date.isoformat(), c.status) for c in status_histories(example).changes[UNLOCK_ITEM]] == [
        ("2026-07-01", "in-progress")]


def test_a_shallow_clone_falls_back_to_the_closed_date_with_a_warning(example: Path, tmp_path: Path,
                                                                      caplog) -> None:
    _git(example, "init", "-q")
    _git(example, "add", ".")
    _git(example, "commit", "-qm", "one", day="2026-03-10")
    edit(example / "backlog/irritants/helmet-rental.yaml", "reviewed:", "# edited\nreviewed:")
    _git(example, "commit", "-qam", "two", day="2026-07-01")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{example}", str(clone)], check=True)
    with caplog.at_level(logging.WARNING, logger="site_gen"):
        site = _public(clone)
    assert any("shallow" in r.getMessage() and "fetch-depth: 0" in r.getMessage() for r in caplog.records)
    declined = (site / "items/renting-a-helmet-at-the-station/index.html").read_text("utf-8")
    assert '<time datetime="2026-06-16">16 June 2026</time>: Won’t do' in declined  # its closed date
    assert "Decided on" in declined
    working = (site / f"items/{UNLOCK_SLUG}/index.html").read_text("utf-8")
    assert '<ol class="item-history">' not in working  # no date is known for an open item


def test_an_item_past_its_target_month_says_later_than_planned(example: Path) -> None:
    site = _public(example, date(2027, 1, 5))  # the unlock fix was expected by December 2026
    page = (site / f"items/{UNLOCK_SLUG}/index.html").read_text("utf-8")
    assert "Expected by December 2026 — <span class=\"late\">later than planned</span>" in page
    still_on_time = (site / "items/no-bikes-at-stations-near-train-stations-in-the-morning/index.html")
    assert "later than planned" not in still_on_time.read_text("utf-8")
    assert "later than planned" not in (_public(example, date(2026, 12, 31)) / f"items/{UNLOCK_SLUG}/index.html"
                                        ).read_text("utf-8")  # the target month has not passed yet


def test_every_public_item_has_a_page_linked_from_its_list_or_story(example: Path) -> None:
    site = _public(example)
    items = sorted(p.parent.name for p in (site / "items").glob("*/index.html"))
    assert len(items) == 9  # the example's public irritants: working on, done and declined
    linked = "\n".join((site / page).read_text("utf-8") for page in ("working-on/index.html", "wont-do/index.html"))
    linked += "\n".join(p.read_text("utf-8") for p in (site / "stories").glob("*/index.html"))
    for slug in items:
        assert f"items/{slug}/index.html" in linked, slug
    done = (site / "items/you-had-to-call-us-to-cancel-your-subscription/index.html").read_text("utf-8")
    assert "Done" in done and f"../../{CANCEL_URL}" in done


# --- feeds --------------------------------------------------------------------------------

def test_item_and_stage_feeds_parse_and_follow_exactly_their_subject(example: Path) -> None:
    _git(example, "init", "-q")
    _git(example, "add", ".")
    _git(example, "commit", "-qm", "one", day="2026-03-10")
    site = _public(example)
    item = feedparser.parse((site / "items/you-had-to-call-us-to-cancel-your-subscription/feed.xml").read_bytes())
    assert not item.bozo
    assert item.feed.title.startswith("You had to call us to cancel your subscription")
    ids = {entry.title: entry.id for entry in item.entries}
    assert ids["Cancel your plan in the app, any time"] == CANCEL_ID  # the same id as in the site's feed
    assert ids["You had to call us to cancel your subscription: Done"] == (
        "tag:example.org,2026-03-10:items/you-had-to-call-us-to-cancel-your-subscription/done")
    assert "Sign-up no longer sends you back to the start" not in ids  # another item's story
    stage = feedparser.parse((site / "stages/cancel/feed.xml").read_bytes())
    assert not stage.bozo and "Cancel your plan in the app, any time" in [e.title for e in stage.entries]
    assert all(e.tags[0].term == "cancel" for e in stage.entries)
    assert '<link rel="alternate" type="application/atom+xml"' in (
        site / "items/you-had-to-call-us-to-cancel-your-subscription/index.html").read_text("utf-8")


def test_without_a_base_url_feed_ids_use_a_reserved_invalid_host(example: Path) -> None:
    edit(example / "site.yaml", "base_url: https://example.org/changes/", "base_url: null")
    ids = _entry_ids(_public(example) / "feed.xml")
    assert ids["Cancel your plan in the app, any time"] == (
        "tag:kestrel-cycle-share.invalid,2026-02-26:stories/2026-02-cancel-your-plan-in-the-app-any-time")
