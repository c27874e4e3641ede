"""`site-gen serve`: a local preview that rebuilds on change and shows check errors in the browser."""

from __future__ import annotations

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from site_gen.cli import main
from site_gen.serve import Preview

from .conftest import CHROMIUM, CHROMIUM_ARGS, TODAY, copy_example, edit

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


# --- safe preview (issue 6, item 5) -----------------------------------------------------------------------------


def raw_request(port: int, request: bytes, until: bytes | None = None) -> bytes:
    """Send bytes as they are and read the answer until the server closes (or `until` has arrived)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if until and until in answer:
                break
    return answer


def get(port: int, path: str, host: str | None) -> bytes:
    header = f"Host: {host}\r\n" if host is not None else ""
    until = b"\r\n\r\n" if path == "/__reload" else None  # the event stream never ends by itself
    return raw_request(port, f"GET {path} HTTP/1.0\r\n{header}\r\n".encode("latin-1"), until)


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def port_of(preview: Preview) -> int:
    return preview.server.server_address[1]


def run_serve(*args: str, tmpdir: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_gen", "serve", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "TMPDIR": str(tmpdir)})


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "example.org", ""])
def test_a_non_loopback_host_is_a_usage_error(example: Path, tmp_path: Path, host: str) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    process = run_serve(str(example), "--host", host, "--port", "0", tmpdir=tmpdir, timeout=30)
    assert process.returncode == 2
    error = [line for line in process.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "not a loopback address" in error[0] and "--allow-remote" in error[0]
    assert "Traceback" not in process.stderr and list(tmpdir.iterdir()) == []


def test_a_busy_port_leaves_no_temporary_folder(example: Path, tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        process = run_serve(str(example), "--port", str(busy.getsockname()[1]), tmpdir=tmpdir)
    assert process.returncode == 2 and "cannot listen on 127.0.0.1:" in process.stderr
    assert list(tmpdir.iterdir()) == []


class Served:
    """`python -m site_gen serve` in its own process, its stderr in a file and its TMPDIR a folder of our own."""

    def __init__(self, root: Path, folder: Path, *args: str):
        self.tmpdir = folder / "tmp"
        self.tmpdir.mkdir()
        self.stderr_path = folder / "stderr.txt"
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "site_gen", "serve", str(root), "--port", "0", "--today", "2026-11-23", *args],
                stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, "TMPDIR": str(self.tmpdir)})
        wait_until(lambda: "Watching for changes" in self.stderr or self.process.poll() is not None, timeout=60)
        assert self.process.poll() is None, self.stderr
        self.port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", self.stderr).group(1))

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", errors="replace")

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        self.process.send_signal(signal_number)
        try:
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("served")
    server = Served(copy_example(folder / "repo"), folder)
    yield server
    server.stop()


PATHS = ["/internal/index.html", "/public/index.html", "/", "/__reload", "/nothing-here"]
GOOD_HOSTS = ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}", "[::1]:{port}"]
BAD_HOSTS = ["evil.example:{port}", "127.0.0.1:{other}", "localhost:{other}", "localhost", "127.0.0.1",
             "localhost.evil.example:{port}", "127.0.0.1.nip.io:{port}", "[::1]:{other}", "127.0.0.1:{port}@evil",
             "192.0.2.7:{port}", ""]


@pytest.mark.parametrize("host", GOOD_HOSTS)
def test_loopback_names_with_the_bound_port_are_served(served: Served, host: str) -> None:
    host = host.format(port=served.port)
    assert [status(get(served.port, path, host)) for path in PATHS] == [200, 200, 200, 200, 404]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_any_other_host_header_is_forbidden(served: Served, host: str) -> None:
    """DNS rebinding: a web page on evil.example whose name now resolves to 127.0.0.1 reads the internal site."""
    for path in PATHS:
        answer = get(served.port, path, host.format(port=served.port, other=served.port + 1))
        assert status(answer) == 403, path
        assert b"Dashboard" not in answer and b"data:" not in answer


def test_a_request_without_host_or_with_two_is_forbidden(served: Served) -> None:
    """Every browser sends Host, even over HTTP/1.0; a request without one cannot be told apart from a forged one."""
    port = served.port
    assert status(get(port, "/internal/index.html", None)) == 403
    two = f"GET /internal/index.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example:{port}\r\n\r\n"
    assert status(raw_request(port, two.encode())) == 403


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["TERM", "INT", "HUP"])
def test_a_stop_signal_removes_the_temporary_folder(example: Path, tmp_path: Path, signal_number: int) -> None:
    """Exit status 0: the stop was asked for and everything was cleaned up, as after Ctrl-C."""
    server = Served(example, tmp_path)
    [folder] = list(server.tmpdir.iterdir())
    assert folder.name.startswith("site-gen-preview-") and (folder / "internal/index.html").is_file()
    started = time.monotonic()
    assert server.stop(signal_number) == 0
    assert time.monotonic() - started < 5
    assert list(server.tmpdir.iterdir()) == []
    assert "Traceback" not in server.stderr


@pytest.fixture
def quick_preview(example: Path):
    server = Preview(example, port=0, today=TODAY, idle_timeout=0.5)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("sent", [b"", b"GET /internal/index.html HTTP/1.0\r\n"], ids=["nothing", "half a request"])
def test_an_idle_connection_is_closed(quick_preview: Preview, sent: bytes) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port_of(quick_preview)), timeout=10) as connection:
        connection.sendall(sent)
        assert connection.recv(65536) == b""  # the server hung up
    assert time.monotonic() - started < 5


def test_the_reload_stream_outlives_the_idle_timeout(quick_preview: Preview) -> None:
    port = port_of(quick_preview)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET /__reload HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        answer = b""
        while f"data: {quick_preview.version}\n\n".encode() not in answer:
            answer += connection.recv(65536)
        time.sleep(2)  # four idle timeouts
        quick_preview.rebuild()
        while f"data: {quick_preview.version}\n\n".encode() not in answer:
            answer += connection.recv(65536)


BAD_PATHS = ["/%00", "/public/%00.html", "/public/index.html%00", "/internal/%00/", "/%zz", "/%", "/public/%4",
             "/public/index.html%", "/%ff.html", "/public/%c3%28/", "/%ed%a0%80.html", "/public/%0a.html",
             "/public/\x7f.html", "/public/\xe9.html", "nothing", "/__reload%00"]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_a_broken_escape_in_a_path_is_a_bad_request(served: Served, path: str) -> None:
    answer = get(served.port, path, f"127.0.0.1:{served.port}")
    assert status(answer) == 400
    assert "Traceback" not in served.stderr


def test_a_very_long_file_name_is_not_found(served: Served) -> None:
    answer = get(served.port, "/public/" + "a" * 300 + ".html", f"127.0.0.1:{served.port}")
    assert status(answer) == 404
    assert "Traceback" not in served.stderr


def test_a_client_that_hangs_up_leaves_no_traceback(served: Served) -> None:
    request = f"GET /internal/index.html HTTP/1.0\r\nHost: 127.0.0.1:{served.port}\r\n".encode()
    for sent in (request, request + b"\r\n", f"GET /__reload HTTP/1.0\r\nHost: 127.0.0.1:{served.port}\r\n\r\n".encode()):
        for _ in range(3):
            connection = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            connection.sendall(sent)
            time.sleep(0.1)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not close
            connection.close()
    time.sleep(1)
    assert status(get(served.port, "/public/index.html", f"127.0.0.1:{served.port}")) == 200
    assert "Traceback" not in served.stderr and "Error" not in served.stderr


def test_allow_remote_warns_and_answers_to_the_address_it_was_given(example: Path, tmp_path: Path) -> None:
    server = Served(example, tmp_path, "--host", "0.0.0.0", "--allow-remote")
    try:
        [warning] = [line for line in server.stderr.splitlines() if line.startswith("warning:")]
        assert "anyone who can reach 0.0.0.0:" in warning and "internal site" in warning
        port = server.port
        for host in (f"0.0.0.0:{port}", f"192.0.2.7:{port}", f"{socket.gethostname()}:{port}", f"localhost:{port}"):
            assert status(get(port, "/internal/index.html", host)) == 200, host
        for host in (f"evil.example:{port}", f"192.0.2.7:{port + 1}", None):
            assert status(get(port, "/internal/index.html", host)) == 403, host
    finally:
        assert server.stop() == 0


def test_a_temporary_folder_that_cannot_be_made_is_one_clear_line(example: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """tempfile.tempdir (the documented override) points under a file: root cannot make a folder there either."""
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "file" / "tmp"))
    outcome = CliRunner().invoke(main, ["serve", str(example), "--port", "0"], catch_exceptions=False)
    assert outcome.exit_code == 1
    [line] = outcome.output.strip().splitlines()
    assert line.startswith("Error: cannot create the preview folder: [Errno 20] Not a directory:")
    assert line.endswith("Set TMPDIR to a writable folder.")


# --- answering during a rebuild, and the search index after the pages (issue 12, items 1 and 3) ------------------


class HeldPreview(Preview):
    """A preview whose rebuilds wait for `go` (a seam: a real rebuild of the example is too quick to catch)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.go = threading.Event()
        self.go.set()
        self.building = threading.Event()

    def build_sites(self) -> None:
        self.building.set()
        assert self.go.wait(timeout=30)
        super().build_sites()


def test_the_server_answers_with_the_previous_pages_while_a_rebuild_runs(example: Path) -> None:
    preview = HeldPreview(example, port=0, today=TODAY, search=False)
    preview.start()
    try:
        preview.go.clear()
        preview.building.clear()
        edit(example / STORY, "title: 20% off a helmet", "title: 30% off a helmet")
        threading.Thread(target=preview.rebuild, daemon=True).start()  # as the watcher does, without its delay
        assert preview.building.wait(timeout=20)
        for _ in range(3):
            started = time.monotonic()
            status, html = fetch(preview.url + "public/index.html")
            assert status == 200 and "20% off a helmet" in html and "30% off" not in html
            assert time.monotonic() - started < 2
        preview.go.set()
        wait_until(lambda: "30% off" in fetch(preview.url + "public/index.html")[1])
    finally:
        preview.go.set()
        preview.stop()


def test_a_client_that_hangs_up_mid_page_leaves_no_traceback(served: Served) -> None:
    """A page far larger than the socket buffers, so the client goes while the server is still writing it."""
    [folder] = list(served.tmpdir.iterdir())
    (folder / "public" / "huge.html").write_bytes(b"<p>" + b"x" * 64_000_000 + b"</p></body>")
    try:
        for path in ("/public/huge.html", "/public/huge.html?again"):
            connection = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            connection.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{served.port}\r\n\r\n".encode())
            assert connection.recv(1024).startswith(b"HTTP/1.0 200")
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not close
            connection.close()
        time.sleep(1)
        assert status(get(served.port, "/public/index.html", f"127.0.0.1:{served.port}")) == 200
        assert "Traceback" not in served.stderr and "Error" not in served.stderr
    finally:
        (folder / "public" / "huge.html").unlink()


class SlowIndexPreview(Preview):
    """A preview whose Pagefind starts 3 s late (a seam: indexing the example takes well under a second)."""

    def index_command(self, site: Path, out: Path) -> list[str]:
        return ["sh", "-c", 'sleep 3 && exec "$@"', "sh", *super().index_command(site, out)]


def test_with_search_a_page_update_is_served_before_the_index_is_rebuilt(example: Path) -> None:
    preview = SlowIndexPreview(example, port=0, today=TODAY, search=True)
    preview.start()
    try:
        wait_until(lambda: preview.indexed == preview.version)
        assert fetch(preview.url + "public/pagefind/pagefind.js")[0] == 200
        version = preview.version
        edit(example / STORY, "title: 20% off a helmet", "title: 30% off a helmet")
        threading.Thread(target=preview.rebuild, daemon=True).start()  # as the watcher does, without its delay
        wait_until(lambda: preview.version > version and "30% off" in fetch(preview.url + "public/index.html")[1])
        assert preview.indexed < preview.version  # the page did not wait for Pagefind (which starts 3 s late)
        assert fetch(preview.url + "public/pagefind/pagefind.js")[0] == 200  # the previous index meanwhile
        wait_until(lambda: preview.indexed == preview.version)
        assert fetch(preview.url + "public/pagefind/pagefind.js")[0] == 200
        assert [p.name for p in preview.out.iterdir() if p.name.startswith(".search-")] == [preview.index.name]
    finally:
        preview.stop()


class OverlappingIndexPreview(Preview):
    """A preview whose first Pagefind run makes its folder at once, then stalls for 3 s (a seam: two rebuilds in
    quick succession, the watcher's and another, start indexers that overlap)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands: list[list[str]] = []

    def index_command(self, site: Path, out: Path) -> list[str]:
        command = super().index_command(site, out)
        if not self.commands:
            command = ["sh", "-c", 'mkdir -p "$0" && sleep 3 && exec "$@"', str(out), *command]
        self.commands.append(command)
        return command


def test_when_a_newer_index_is_done_no_older_one_is_left_or_still_being_written(example: Path) -> None:
    preview = OverlappingIndexPreview(example, port=0, today=TODAY, search=False)
    preview.start()
    try:
        preview.search = True
        preview.index_later(preview.version)
        wait_until(lambda: any(p.name.startswith(".search-") for p in preview.out.iterdir()))  # the stalled one
        preview.index_later(preview.version)
        wait_until(lambda: preview.indexed == preview.version)
        assert len(preview.commands) == 2
        assert [p.name for p in preview.out.iterdir() if p.name.startswith(".search-")] == [preview.index.name]
        assert fetch(preview.url + "public/pagefind/pagefind.js")[0] == 200
        time.sleep(3.5)  # the stalled indexer was stopped: it writes no folder later either
        assert [p.name for p in preview.out.iterdir() if p.name.startswith(".search-")] == [preview.index.name]
    finally:
        preview.stop()
