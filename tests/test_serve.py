"""`site-gen serve`: a local preview that rebuilds on change and shows check errors in the browser."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from site_gen.serve import Preview

from .conftest import TODAY, edit
from .test_browser import CHROMIUM, CHROMIUM_ARGS

STORY = "backlog/stories/helmet-discount.md"


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the preview to rebuild")


@pytest.fixture
def preview(example: Path):
    server = Preview(example, port=0, today=TODAY)
    server.start()
    yield server
    server.stop()


def test_preview_serves_both_sites_on_localhost_only(preview: Preview) -> None:
    assert preview.url.startswith("http://127.0.0.1:")
    status, html = fetch(preview.url + "public/index.html")
    assert status == 200 and "Cancel your plan in the app, any time" in html
    assert "EventSource" in html  # the reload script, added by the server only
    status, html = fetch(preview.url + "internal/index.html")
    assert status == 200 and "Dashboard" in html
    assert "EventSource" not in (preview.out / "public/index.html").read_text("utf-8")


def test_a_saved_change_is_rebuilt(preview: Preview, example: Path) -> None:
    version = preview.version
    edit(example / STORY, "title: 20% off a helmet", "title: 30% off a helmet")
    wait_until(lambda: preview.version > version and "30% off" in fetch(preview.url + "public/index.html")[1])


def test_check_errors_show_in_the_browser_until_fixed(preview: Preview, example: Path) -> None:
    version = preview.version
    edit(example / STORY, "irritants: [helmet-rental]", "irritants: [helmet-rentals]")
    wait_until(lambda: preview.version > version)
    status, html = fetch(preview.url + "public/index.html")
    assert status == 500
    assert "backlog/stories/helmet-discount.md:6:13" in html and "did you mean &#39;helmet-rental&#39;?" in html
    version = preview.version
    edit(example / STORY, "irritants: [helmet-rentals]", "irritants: [helmet-rental]")
    wait_until(lambda: preview.version > version)
    assert fetch(preview.url + "public/index.html")[0] == 200


def test_the_open_page_reloads_itself(preview: Preview, example: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(preview.url + "public/index.html")
        time.sleep(0.5)  # let the page subscribe to reloads
        edit(example / STORY, "title: 20% off a helmet", "title: Half price on helmets")
        page.get_by_text("Half price on helmets").first.wait_for(timeout=20_000)
        browser.close()
