"""`site-gen build`: two sites, nothing internal in the public one, deterministic, atomic, no stale files."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

import site_gen.write
from site_gen.build import build
from site_gen.check import check_repository
from site_gen.cli import main
from site_gen.errors import BuildRefused
from site_gen.sites import SearchIndexing, render_sites

from .canary import CANARY, OPENED_ON, PUBLIC, STARTED_ON, write_canary_history, write_canary_repo
from .conftest import (
    REPO,
    TODAY,
    WEEKEND_TRIAL_TITLE,
    add_weekend_fare_decisions,
    as_seen,
    copy_example,
    edit,
    found,
    problems,
)

ATOM = "{http://www.w3.org/2005/Atom}"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def readable(data: bytes) -> str:
    """Bytes as a person or a crawler would read them: Pagefind's gzip fragments unpacked."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("example"))
    out = root / "_site"
    build(root, out, TODAY)
    return out


@pytest.fixture(scope="module")
def canary_site(tmp_path_factory) -> Path:
    root = write_canary_history(write_canary_repo(tmp_path_factory.mktemp("canary")))
    result = check_repository(root, TODAY)
    assert result.diagnostics == [], [d.as_text() for d in result.diagnostics]
    out = root / "_site"
    build(root, out, TODAY)
    return out


# --- the audience boundary -------------------------------------------------------------

def test_no_canary_reaches_any_public_file_or_file_name(canary_site: Path) -> None:
    public = tree(canary_site / "public")
    assert any(name.startswith("pagefind/") for name in public), "the search index is part of what is checked"
    for name, data in public.items():
        assert CANARY not in name.lower(), name
        assert CANARY not in readable(data).lower(), f"internal text leaked into public/{name}"


def test_public_strings_do_appear_so_an_empty_site_cannot_pass(canary_site: Path) -> None:
    public = {name: readable(data) for name, data in tree(canary_site / "public").items()}
    everything = "\n".join(public.values())
    for marker in ("story title public", "you said", "we did", "result", "body paragraph", "open public title",
                   "declined public reason", "site title"):
        assert f"{PUBLIC} {marker}" in everything, marker
    assert f"{PUBLIC} story title public" in public["feed.xml"]
    assert f"{PUBLIC} story title public" in public["feed.json"]
    fragments = "\n".join(text for name, text in public.items() if name.startswith("pagefind/fragment/"))
    assert f"{PUBLIC} body paragraph" in fragments, "stories are in the search index"


def test_the_public_facts_added_on_purpose_do_appear(canary_site: Path) -> None:
    """Issue 8's allow-list: slugs and aliases, status-change dates, a decline's date, story-item links."""
    public = {name: readable(data) for name, data in tree(canary_site / "public").items()}
    for address in ("stories/publicmark-story/index.html", "stories/publicmark-story-two/index.html",
                    "items/publicmark-open-item/index.html", "items/publicmark-declined-item/index.html",
                    "items/publicmark-open-item/feed.xml", "stages/payment/feed.xml",
                    "stories/publicmark-story-old-address/index.html",     # aliases: redirect pages
                    "items/publicmark-open-old-address/index.html"):
        assert address in public, address
    item = public["items/publicmark-open-item/index.html"]
    for day in (OPENED_ON, STARTED_ON):  # the dates of its public status changes, from git
        assert f'datetime="{day}"' in item, day
    assert "stories/publicmark-story-two/index.html" in item  # the public story that closes it...
    assert "items/publicmark-open-item/index.html" in public["stories/publicmark-story-two/index.html"]  # ...and back
    assert 'datetime="2026-03-01"' in public["items/publicmark-declined-item/index.html"]  # the decline's date
    assert f"tag:example.org,{STARTED_ON}:items/publicmark-open-old-address/in-progress" in public[
        "items/publicmark-open-item/feed.xml"]


def test_the_follow_page_names_the_journey_stages_and_nothing_internal(canary_site: Path) -> None:
    """The page of the site's feeds shows the journey stages (public) and their feeds' addresses; the canary check
    above reads it like every public file, and the teams (internal, a canary here) are not on it."""
    page = readable((canary_site / "public/follow/index.html").read_bytes()).replace("<wbr>", "")
    for stage in ("payment", "support"):
        assert f'id="stage-{stage}"' in page and f"https://example.org/changes/stages/{stage}/feed.xml" in page
    assert ">Payment</h3>" in page and ">Support</h3>" in page
    assert CANARY not in page.lower() and ">Other</h3>" not in page   # site.yaml's teams: [canary, other]


def test_the_internal_site_shows_what_the_public_one_must_not(canary_site: Path) -> None:
    internal = "\n".join(readable(d) for d in tree(canary_site / "internal").values())
    for field in ("owner", "cause", "internalnotes", "summary", "declinereason", "whathappened", "verbatim"):
        assert f"{CANARY}{field}" in internal, field


def test_a_public_story_of_an_internal_irritant_shows_only_a_customer_count(canary_site: Path) -> None:
    page = (canary_site / "public/stories/publicmark-story/index.html").read_text("utf-8")
    assert "2\u00a0customers told us" in page  # the internal irritant's rows, linked both ways


def test_visibility_fails_closed_even_if_the_view_is_asked_directly(tmp_path: Path) -> None:
    root = write_canary_repo(tmp_path)
    path = root / f"backlog/irritants/{CANARY}publicirritant.yaml"
    edit(path, "visibility: public", "visibility: Public")
    story = root / f"backlog/stories/{CANARY}publicstorytwo.md"
    edit(story, "audience: public", "audience: pubic")
    result = check_repository(root, TODAY)
    assert result.errors  # a build would refuse; the view must still not publish them
    public = render_sites(result, root, only="public")["public"]
    text = "\n".join(data.decode() for data in public.values())
    assert "open public title" not in text
    assert "publicmark-story-two" not in "\n".join(public)
    assert "publicmark-open-item" not in "\n".join(public) and "publicmark-open-old-address" not in "\n".join(public)


# --- what the public site holds --------------------------------------------------------

def test_public_site_has_every_page_a_customer_expects(example_site: Path) -> None:
    public = tree(example_site / "public")
    for name in ("index.html", "archive/index.html", "stages/index.html", "working-on/index.html",
                 "wont-do/index.html", "search/index.html", "404.html", "feed.xml", "feed.json", "sitemap.xml",
                 "robots.txt", "assets/site.css", "pagefind/pagefind-ui.js"):
        assert name in public, name
    stories = [n for n in public if n.startswith("stories/")]
    assert len(stories) == 12  # the example's public stories
    assert "stages/first-ride/index.html" in public and "months/2026-09/index.html" in public


def test_stream_is_newest_first_and_grouped_by_month(example_site: Path) -> None:
    home = (example_site / "public/index.html").read_text("utf-8")
    months = ["November 2026", "October 2026", "September 2026", "July 2026", "June 2026", "April 2026",
              "March 2026", "February 2026"]
    positions = [home.index(f">{m}</h2>") for m in months]
    assert positions == sorted(positions)


def test_working_on_and_wont_do_show_public_fields_only(example_site: Path) -> None:
    working = (example_site / "public/working-on/index.html").read_text("utf-8")
    assert "No bikes at stations near train stations in the morning" in working
    assert "Expected by March 2027" in working
    assert "Tomás" not in working and "Rebalancing vans" not in working  # owner and cause
    assert "Chat wait above 20 minutes" not in working  # an internal irritant
    wont = (example_site / "public/wont-do/index.html").read_text("utf-8")
    assert "Cash machines at stations were broken into" in wont
    assert "eleven times a card ride" not in wont  # the internal decline_reason


def test_feeds_are_valid_and_carry_every_public_story(example_site: Path) -> None:
    atom = ET.parse(example_site / "public/feed.xml").getroot()
    entries = atom.findall(f"{ATOM}entry")
    assert len(entries) == 12
    assert atom.find(f"{ATOM}updated").text == "2026-11-18T00:00:00Z"  # the newest story, not the clock
    # permanent ids (RFC 4151 tag URIs on the host of base_url, the date and the first address), not URLs
    assert all(e.find(f"{ATOM}id").text.startswith("tag:example.org,2026-") for e in entries)
    assert "tag:example.org,2026-02-26:stories/2026-02-cancel-your-plan-in-the-app-any-time" in [
        e.find(f"{ATOM}id").text for e in entries]
    feed = json.loads((example_site / "public/feed.json").read_text("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["title"] for i in feed["items"]] == [e.find(f"{ATOM}title").text for e in entries]


def test_sitemap_lists_pages_under_the_base_url(example_site: Path) -> None:
    urls = [loc.text for loc in ET.parse(example_site / "public/sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/changes/" in urls
    assert all(u.startswith("https://example.org/changes/") and not u.endswith("index.html") for u in urls)
    assert "Sitemap: https://example.org/changes/sitemap.xml" in (example_site / "public/robots.txt").read_text()


def test_links_are_relative_so_pages_work_from_disk_and_under_a_sub_path(example_site: Path) -> None:
    for name, data in tree(example_site / "public").items():
        if name.endswith(".html") and name != "404.html":
            html = data.decode()
            assert 'href="/' not in html and 'src="/' not in html, name


def test_internal_site_has_dashboard_board_and_a_page_per_record(example_site: Path) -> None:
    internal = tree(example_site / "internal")
    assert len([n for n in internal if n.startswith("irritants/")]) == 14
    assert len([n for n in internal if n.startswith("decisions/") and n != "decisions/index.html"]) == 8
    assert len([n for n in internal if n.startswith("stories/") and n != "stories/index.html"]) == 15
    page = internal["irritants/unlock-fails-in-background/index.html"].decode()
    for expected in ("Maya Okafor", "Android suspends our BLE session", "2026-12-15", "Sample verbatims",
                     "Fix unlock reliability before shipping", "No unlock fee when a bike doesn"):
        assert expected in page, expected
    decision = internal["decisions/retry-unlock-before-new-features/index.html"].decode()
    assert "Does it keep our promise?" in decision and "a bike in 30 seconds" in decision
    dashboard = internal["index.html"].decode()
    assert "7 / 10" in dashboard and "<svg" in dashboard


def test_irritant_pages_show_git_history_in_a_checkout(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ana", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "Ana", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": "2026-11-01T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-01T10:00:00Z"}
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "Add the Kestrel backlog"]):
        subprocess.run(["git", *command], cwd=root, env=env, check=True)
    build(root, root / "_site", TODAY, only="internal")
    page = (root / "_site/internal/irritants/helmet-rental/index.html").read_text("utf-8")
    assert "2026-11-01" in page and "Add the Kestrel backlog" in page and "Ana" in page


# --- reliability -----------------------------------------------------------------------

def test_build_refuses_on_check_errors_and_writes_nothing(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    edit(root / "backlog/irritants/helmet-rental.yaml", "owner:", "ownr:")
    with pytest.raises(BuildRefused):
        build(root, root / "_site", TODAY)
    assert not (root / "_site").exists()
    outcome = CliRunner().invoke(main, ["build", str(root), "--out", str(root / "_site"), "--today", "2026-11-23"])
    assert outcome.exit_code == 1
    assert "backlog/irritants/helmet-rental.yaml:7:1: error[unknown-field]" in outcome.output
    assert "Nothing was written" in outcome.output


def test_a_failed_build_leaves_the_previous_output_untouched(tmp_path: Path, monkeypatch) -> None:
    root = copy_example(tmp_path / "repo")
    out = root / "_site"
    build(root, out, TODAY)
    before = tree(out)
    edit(root / "backlog/stories/helmet-discount.md", "title: 20% off", "title: 25% off")

    calls = {"n": 0}
    real = site_gen.write._write_file

    def failing_write(path: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 5:  # while staging: unchanged files are hard links, only changed ones are written
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(site_gen.write, "_write_file", failing_write)
    with pytest.raises(site_gen.write.WriteFailed, match="No space left on device. The previous sites are unchanged"):
        build(root, out, TODAY)
    monkeypatch.undo()
    assert tree(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]  # no staging folder left behind


def test_a_killed_build_leaves_the_previous_output_untouched(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    out = root / "_site"
    build(root, out, TODAY)
    before = tree(out)
    edit(root / "backlog/stories/helmet-discount.md", "title: 20% off", "title: 25% off")
    # SIGKILL the build while it writes its staging folder: the swap never happened
    script = ("import os, signal, site_gen.write as w\n"
              "real = w._write_file\n"
              "def kill(path, data):\n"
              "    real(path, data)\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n"
              "w._write_file = kill\n"
              "from site_gen.cli import main\n"
              f"main(['build', {str(root)!r}, '--out', {str(out)!r}, '--today', '2026-11-23'])\n")
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert process.returncode == -9
    # the published folders are exactly as before; only a hidden staging folder is left over
    assert {name: data for name, data in tree(out).items() if not name.startswith(".")} == before
    build(root, out, TODAY)  # the next build cleans up and publishes
    assert "25% off" in (out / "public/index.html").read_text("utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_rebuilding_after_a_story_turns_internal_removes_every_trace(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    out = root / "_site"
    build(root, out, TODAY)
    assert (out / "public/stories/2026-06-20-off-a-helmet-at-partner-bike-shops/index.html").exists()
    edit(root / "backlog/stories/helmet-discount.md", "audience: public", "audience: internal")
    edit(root / "backlog/irritants/helmet-rental.yaml", "visibility: public", "visibility: internal")
    build(root, out, TODAY)
    public = tree(out / "public")
    assert not any("helmet" in name for name in public)
    for name, data in public.items():
        text = readable(data)
        assert "20% off a helmet" not in text and "Renting a helmet" not in text, name


def _build_in_subprocess(root: Path, out: Path, env_extra: dict[str, str]) -> None:
    env = {**os.environ, **env_extra}
    subprocess.run([sys.executable, "-m", "site_gen", "build", str(root), "--out", str(out)], env=env, check=True,
                   capture_output=True, timeout=300)


def test_two_builds_are_byte_identical_whatever_the_environment(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    # file listing order must not matter either: the second copy is written in reverse order
    other = tmp_path / "repo2"
    for path in sorted(root.rglob("*"), reverse=True):
        target = other / path.relative_to(root)
        if path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    _build_in_subprocess(root, tmp_path / "a", {"PYTHONHASHSEED": "1", "TZ": "Pacific/Kiritimati",
                                                "LC_ALL": "C", "SOURCE_DATE_EPOCH": "1795392000"})
    _build_in_subprocess(other, tmp_path / "b", {"PYTHONHASHSEED": "2", "TZ": "America/Adak",
                                                 "LC_ALL": "C.UTF-8", "SOURCE_DATE_EPOCH": "1795392000"})
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_without_source_date_epoch_or_git_today_is_still_reported_on_the_internal_site_only(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    build(root, root / "_site", date(2026, 11, 23))
    assert "23 November 2026" in (root / "_site/internal/index.html").read_text("utf-8")
    assert "23 November 2026" not in "\n".join(readable(d) for d in tree(root / "_site/public").values())


def test_the_main_command_builds_the_repository_example(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, ["build", str(REPO), "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    assert "public: " in outcome.stderr and "internal: " in outcome.stderr
    assert (tmp_path / "out/public/index.html").is_file() and (tmp_path / "out/internal/index.html").is_file()


def test_the_logo_from_site_yaml_is_published_under_a_neutral_name(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    (root / "brand").mkdir()
    (root / "brand/kestrel-internal-v2.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', "utf-8")
    edit(root / "site.yaml", "logo: null", "logo: brand/kestrel-internal-v2.svg")
    build(root, root / "_site", TODAY)
    assert (root / "_site/public/assets/logo.svg").read_text("utf-8") == '<svg xmlns="http://www.w3.org/2000/svg"/>'
    assert '<img src="assets/logo.svg" alt="">' in (root / "_site/public/index.html").read_text("utf-8")


@pytest.mark.parametrize("logo, says", [("brand/missing.svg", "not a file inside the repository"),
                                        ("../outside.svg", "not a file inside the repository"),
                                        ("site.yaml", "not an image file")])
def test_a_logo_that_cannot_be_published_is_a_check_error(logo: str, says: str, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    (tmp_path / "outside.svg").write_text("<svg/>", "utf-8")
    edit(root / "site.yaml", "logo: null", f"logo: {logo}")
    result = check_repository(root, TODAY)
    assert found(result) == [("site.yaml", 9, "reference")]
    assert says in problems(result)[0].message


def _run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run a command with a pseudo-terminal as its stderr, as a person at a terminal would."""
    import pty
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    captured = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        captured += chunk
    process.wait(timeout=300)
    os.close(leader)
    return captured.decode("utf-8", errors="replace")


def test_a_progress_bar_on_a_terminal_and_quiet_output_in_ci(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    command = [sys.executable, "-m", "site_gen", "build", str(root), "--out", str(tmp_path / "out"),
               "--today", "2026-11-23"]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    on_terminal = _run_in_terminal(command, env)
    assert "internal" in on_terminal and "100%" in on_terminal
    in_ci = _run_in_terminal(command, {**env, "CI": "true"})
    assert "100%" not in in_ci and "[#" not in in_ci
    assert "public: " in in_ci and "internal: " in in_ci


def test_the_search_index_is_made_while_the_internal_site_renders_and_stopped_if_the_build_fails(
        tmp_path: Path) -> None:
    """Pagefind indexes the staged public site in a process of its own, started before the internal site renders;
    a build that fails meanwhile stops it, and it writes nothing more."""
    root = copy_example(tmp_path / "repo")
    report = build(root, tmp_path / "out", TODAY, cache=False)
    assert report.search_indexed
    index = tmp_path / "out/public/pagefind"
    assert (index / "pagefind-entry.json").is_file() and any((index / "fragment").iterdir())
    site = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(tmp_path / "out/public"), str(site)], check=True)
    subprocess.run(["rm", "-r", str(site / "pagefind")], check=True)
    indexing = SearchIndexing(site)
    indexing.stop()
    assert indexing.process is not None and indexing.process.poll() is not None
    assert not (site / "pagefind").exists()
    assert SearchIndexing(site).wait() and (site / "pagefind/pagefind-entry.json").is_file()


@pytest.mark.parametrize(("page", "section"), [("irritants/unlock-fails-in-background/index.html", "Board"),
                                               ("board/team/app/index.html", "Board"),
                                               ("decisions/cancel-in-app/index.html", "Decisions"),
                                               ("teams/app/index.html", "Teams")])
def test_the_internal_menu_marks_the_section_a_page_is_in(example_site: Path, page: str, section: str) -> None:
    """An irritant's page is one of the board's: the menu says so, as it does for a decision or a team."""
    html = (example_site / "internal" / page).read_text(encoding="utf-8")
    menu = html[html.index('<nav class="main"'):]
    assert re.findall(r'aria-current="(?:page|true)">([^<]+)</a>', menu[:menu.index("</nav>")]) == [section]


@pytest.mark.parametrize("section", ["teams", "stages"])
def test_a_teams_and_a_stages_irritants_list_the_open_ones_first(example_site: Path, section: str) -> None:
    """App's page listed Battery range, Day pass, two Done irritants, then the Bluetooth unlock being fixed now:
    a team's (or a stage's) open work comes first, the soonest due first, then what it closed."""
    pages = sorted((example_site / "internal" / section).glob("*/index.html"))
    assert pages
    closed_seen_somewhere = False
    for page in pages:
        html = page.read_text(encoding="utf-8")
        rows = re.findall(r'data-label="Status">([^<]*)</td>\s*<td data-label="Target">(?:<[^>]*>)?([^<]*)<', html)
        is_open = [status in ("Not started", "In progress") for status, _ in rows]
        assert is_open == sorted(is_open, reverse=True), (page, rows)
        targets = [target for (_, target), o in zip(rows, is_open, strict=True) if o]
        assert targets == sorted(targets), (page, rows)
        closed_seen_somewhere |= not all(is_open) and any(is_open)
    assert closed_seen_somewhere   # the example has a team with both, or the test proves nothing


def _irritant_rows(html: str) -> dict[str, dict[str, str]]:
    """An internal irritant table's rows: irritant ID -> each cell's text by its column's name (data-label)."""
    rows = {}
    for row in re.findall(r"<tr><td>(.*?)</tr>", html, re.S):
        key = re.search(r'href="\.\./\.\./(?:\.\./)?irritants/([^/]+)/index.html"', row)[1]
        rows[key] = {label: re.sub(r"<[^>]+>", "", text).strip()
                     for label, text in re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row, re.S)}
    return rows


def test_a_teams_done_and_declined_irritants_say_when_they_closed_as_the_archive_does(example_site: Path) -> None:
    """App's page showed "App logs riders out after each update" Done with its target and last review but not the
    day it closed: a team's closed irritants (done or declined) now say it, the same date as the archive's, and
    its open ones leave it blank."""
    internal = example_site / "internal"
    archive = _irritant_rows((internal / "board/archive/index.html").read_text(encoding="utf-8"))
    statuses = set()
    for team in sorted((internal / "teams").glob("*/index.html")):
        html = team.read_text(encoding="utf-8")
        for key, cells in _irritant_rows(html).items():
            if key in archive:
                assert cells.get("Closed") == archive[key]["Closed"], (team, key, cells)
                statuses.add(cells["Status"])
            else:
                assert not cells.get("Closed"), (team, key, cells)
    assert {"Done", "Won’t do"} <= statuses, statuses   # both kinds of closing were on a team's page
    app = re.sub(r"<[^>]+>", " ", (internal / "teams/app/index.html").read_text(encoding="utf-8"))
    assert re.search(r"App logs riders out after each update\s+Priya Raman\s+Done\s+2026-07-31\s+2026-07-24\s", app)


def test_a_decision_and_a_story_name_their_irritants_metric_and_team_as_their_own_pages_do(
        example_site: Path) -> None:
    """A decision read "Metric: effort", "Irritants: unlock-fails-in-background, deposit-refund-slow", and an
    irritant "Team: app" where the board says App: each link reads as the heading of the page it opens."""
    internal = example_site / "internal"

    def heading(path: Path) -> str:
        return re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", path.read_text(encoding="utf-8"), re.S)[1]) \
            .split("  ")[0].strip()

    checked = 0
    for section, target in (("decisions", "irritants"), ("stories", "irritants"), ("irritants", "teams")):
        for page in sorted((internal / section).glob("*/index.html")):
            html = page.read_text(encoding="utf-8")
            for slug, text in re.findall(rf'<dd>.*?href="\.\./\.\./{target}/([^/]+)/index.html">([^<]+)</a>', html):
                assert heading(internal / target / slug / "index.html").startswith(text.strip()), (page, slug, text)
                checked += 1
    assert checked > 20
    decision = (internal / "decisions" / "november-metrics-review" / "index.html").read_text(encoding="utf-8")
    metric = re.search(r"<dt>Metric</dt><dd>(.*?)</dd>", decision)[1]
    assert "Customer effort score" in metric, metric


def test_an_irritants_decisions_say_who_owns_them_and_which_are_due_for_review(tmp_path: Path) -> None:
    """On 2026-12-20 the Bluetooth unlock's page listed "Keep effort and NPS actions…" with its review date
    only: it did not say the review was due, nor whose it is, as the decision log does."""
    root = copy_example(tmp_path / "repo")
    build(root, tmp_path / "out", date(2026, 12, 20))
    internal = tmp_path / "out" / "internal"
    html = (internal / "irritants" / "unlock-fails-in-background" / "index.html").read_text(encoding="utf-8")
    decisions = re.search(r"<h2>Decisions</h2>(.*?)<h2>", html, re.S)[1]
    items = re.findall(r'<li><a href="\.\./\.\./decisions/([^/]+)/index.html">.*?</li>', decisions, re.S)
    assert len(items) >= 2
    seen_due = False
    for slug in items:
        item = re.search(rf'<li><a href="\.\./\.\./decisions/{slug}/index.html">.*?</li>', decisions, re.S)[0]
        page = (internal / "decisions" / slug / "index.html").read_text(encoding="utf-8")
        owner = re.search(r"<dt>Owner</dt><dd>([^<]+)</dd>", page)[1]
        assert owner in item, (slug, item)
        due = "review due" in page
        assert ("review due" in item) == due, (slug, item)
        seen_due |= due
    assert seen_due


DECISION_LINKS = ("Follows up", "Followed up by", "Supersedes", "Superseded by")


def test_a_decision_names_the_decisions_it_links_to_by_title_with_their_date_and_status(tmp_path: Path) -> None:
    """A decision read "Supersedes: double-charge-incident", "Follows up: retry-unlock-before-new-features": each
    linked decision reads as the heading of its page, its date and status beside it in small text, and its ID is
    only in the link's address."""
    root = copy_example(tmp_path / "repo")
    add_weekend_fare_decisions(root)
    out = tmp_path / "out"
    build(root, out, TODAY, cache=False, search=False)
    decisions = out / "internal" / "decisions"
    seen = set()
    for page in sorted(decisions.glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        for name, value in re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", html):
            if name not in DECISION_LINKS:
                continue
            seen.add(name)
            links = re.findall(r'<a href="\.\./\.\./decisions/([^/]+)/index.html">([^<]+)</a>', value)
            assert links, (page, name, value)
            for slug, text in links:
                target = (decisions / slug / "index.html").read_text(encoding="utf-8")
                assert text == re.search(r"<h1>([^<]+)", target)[1].strip(), (page, name, text)
                assert slug not in re.sub(r'href="[^"]*"', "", value), (page, name, value)   # only in the address
    assert seen == set(DECISION_LINKS)
    superseding = (decisions / "nps-dip-august" / "index.html").read_text(encoding="utf-8")
    said = re.search(r"<dt>Supersedes</dt><dd>(.*?)</dd>", superseding)[1]
    assert re.sub(r"<[^>]+>", "", as_seen(said)) == ("Debrief of the August double-charge incident "
                                                     "2026-08-29 · Superseded")
    assert re.search(r'<a [^>]+>[^<]+</a> <small class="muted nowrap">2026-08-29<span aria-hidden="true"> · </span>'
                     r'Superseded</small>', as_seen(said)), said
    following = (decisions / "weekend-pass" / "index.html").read_text(encoding="utf-8")
    said = re.search(r"<dt>Follows up</dt><dd>(.*?)</dd>", following)[1]
    assert re.sub(r"<[^>]+>", "", as_seen(said)) == f"{WEEKEND_TRIAL_TITLE} 2026-06-01 · Reviewed"
