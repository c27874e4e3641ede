"""`site-gen serve`: preview both sites on 127.0.0.1, rebuilt and reloaded when a file changes.

Previews are built into a temporary folder (never over _site/). Pages get a
small reload script only here, on the way out of the server; built files never
carry it. When the check finds errors, every page shows them instead.

The internal site is in there and there is no login, so the server listens on a
loopback address unless told otherwise, and answers only requests whose Host
header names it (a page on another site cannot read it through DNS rebinding).
"""

from __future__ import annotations

import functools
import gc
import http.server
import importlib.util
import ipaddress
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from types import FrameType

from markupsafe import escape

from . import search_index
from .build import build
from .diagnostics import Diagnostic
from .errors import BuildRefused, NotLoopback, SiteGenError
from .incremental import Memo
from .live import Live, take_live, update

RELOAD_SCRIPT = b"""<script>
(function () {
  var source = new EventSource("/__reload");
  var seen = null;
  source.onmessage = function (event) {
    if (seen !== null && event.data !== seen) { location.reload(); }
    seen = event.data;
  };
})();
</script>
"""
IGNORED_PARTS = {".git", ".venv", "node_modules", "_site", "__pycache__", ".pytest_cache", ".hypothesis",
                 ".site-gen-cache"}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
IDLE_TIMEOUT = 20.0  # seconds a connection may sit without sending or taking a byte
RELOAD_EVERY = 15.0  # seconds between two messages on the live-reload stream
WATCH_STEP = 20      # ms without another change before the watcher reports a save (its default, 50, is a fifth of
                     # a quarter-second page update; an editor's save is over in a millisecond or two)




def is_loopback(host: str) -> bool:
    """Whether host (a name or an address, IPv6 with or without brackets) is this machine only."""
    name = host.strip().removeprefix("[").removesuffix("]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _ip_literal(name: str) -> bool:
    """An IPv4 address, or an IPv6 one in brackets as it appears in a Host header."""
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
        family = 6
    else:
        family = 4
    try:
        return ipaddress.ip_address(name).version == family
    except ValueError:
        return False


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    @property
    def host(self) -> str:
        """The address bound; an IP socket's is text (bytes are for Unix sockets, never used here)."""
        host = self.server_address[0]
        assert isinstance(host, str), host
        return host

    def server_bind(self) -> None:
        # HTTPServer.server_bind also asks DNS for the host's full name, which nothing here uses
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.host, self.server_address[1]

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the browser went away or stayed silent: nothing to report
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class Preview:
    """Builds into a temporary folder, serves it, and rebuilds when the repository changes."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, today: date | None = None, *,
                 allow_remote: bool = False, idle_timeout: float = IDLE_TIMEOUT, search: bool = True):
        if not (allow_remote or is_loopback(host)):
            raise NotLoopback(f"--host {host} is not a loopback address, and the preview serves the internal site "
                              "without a login. Keep the default 127.0.0.1, or add --allow-remote if everyone who "
                              f"can reach {host} may read it.")
        self.root = root.absolute()
        self.today = today
        self.search = search
        self.memo = Memo()   # parsed files, markdown and pages of the last rebuild: a save re-does only what changed
        self.live: Live | None = None   # the last rebuild's sites in memory: a story edit re-renders only its pages
        self.idle_timeout = idle_timeout
        self.out: Path | None = None  # made by start(), once the port is ours
        self.version = 0
        self.problems: list[Diagnostic] = []
        self.failure: str | None = None
        self._changed = threading.Condition()
        self._building = threading.Lock()
        self.index: Path | None = None            # the newest finished search index, served as /public/pagefind/
        self.indexed = 0                          # the version the index was made from (0: none yet)
        self._indexing = threading.Lock()         # guards _indexer and _generation
        self._indexer: subprocess.Popen[str] | None = None
        self._generation = 0
        self._serving: threading.Thread | None = None
        self.stopped = threading.Event()
        bind = host.strip().removeprefix("[").removesuffix("]")
        server_class = _Server6 if ":" in bind else _Server
        self.server = server_class((bind, port), functools.partial(_Handler, preview=self))
        self.port = self.server.server_address[1]
        self._names = {*LOOPBACK_NAMES, f"[{bind}]" if ":" in bind else bind.lower()} - {""}
        self._any_address = allow_remote  # an address cannot be rebound the way a name can
        if allow_remote:
            self._names.add(socket.gethostname().lower())

    @property
    def url(self) -> str:
        host = self.server.host
        if ipaddress.ip_address(host).is_unspecified:
            host = "127.0.0.1" if self.server.address_family == socket.AF_INET else "::1"
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"

    def accepts_host(self, value: str) -> bool:
        """Whether a Host header names this server: a loopback name, or the host it was started with, and its port."""
        value = value.strip().lower()
        name, colon, port = value.rpartition(":") if not value.endswith("]") else (value, "", "")
        if not colon:
            name, port = value, "80"
        if port != str(self.port):
            return False
        return name in self._names or (self._any_address and _ip_literal(name))

    def build_sites(self) -> None:
        """Rebuild both sites into the served folder (a seam: tests slow it down)."""
        assert self.out is not None
        # one process: forking a process that runs server threads can deadlock. No search index here: it is
        # made in the background once the new pages are served (index_later)
        build(self.root, self.out, self.today or date.today(), workers=1, search=False, memo=self.memo)

    def update_sites(self, changed: Collection[Path]) -> bool:
        """Apply an edit of stories' words (their bodies, titles, you_said …) to the served pages in place
        (site_gen.live); False when the edit needs the full path (anything else changed, or there is no rendering of
        the last rebuild to update)."""
        assert self.out is not None
        if self.live is None or self.problems or self.failure:
            return False
        return update(self.root, self.out, self.live, changed)

    def rebuild(self, changed: Collection[Path] | None = None) -> None:
        """Bring the served sites up to date; `changed`: the files saved since the last rebuild (the watcher's),
        None when unknown (everything is checked).

        A story edit of its words is checked (the rules that read them, on that story) and its pages written in
        place; words that bring an error (a placeholder, personal data) take the full path, which shows the
        errors."""
        self._stop_indexing()  # a page update never waits for an index it is about to make stale
        with self._building:  # stop() waits for a build under way before it removes the folder
            if self.stopped.is_set() or self.out is None:
                return
            updated = self._refresh(changed)
        version = self._announce()
        if not updated:
            with self._building:   # the holder index of the new pages, for the next story edit (site_gen.live)
                if self.live is not None and not self.stopped.is_set():
                    self.live.index()
                    # the sites kept live stay as they are until the next full rebuild: the collector leaves them
                    # out of its passes (a full pass over them takes a second at 10,000 stories)
                    gc.freeze()
        if self.search and not (self.problems or self.failure):
            self.index_later(version)

    def _refresh(self, changed: Collection[Path] | None) -> bool:
        """Update the served folder (the caller holds _building); True when a story edit was applied in place."""
        try:
            try:
                updated = changed is not None and self.update_sites(changed)
            except BaseException:
                self.live = None   # written in part: only a full rebuild knows the pages again
                raise
            if not updated:
                self.live = None
                gc.unfreeze()   # what the last rebuild kept is garbage now: the collector may look at it again
                self.build_sites()
                self.live = take_live(self.memo)
            self.problems, self.failure = [], None
            return updated
        except BuildRefused as refused:
            self.problems, self.failure = refused.diagnostics, None
        except SiteGenError as exc:
            self.problems, self.failure = [], str(exc)
        except Exception as exc:  # a preview must survive anything a half-saved file can do
            self.problems, self.failure = [], f"{type(exc).__name__}: {exc}"
        return False

    def _announce(self) -> int:
        """A new version is served: open pages reload."""
        with self._changed:
            self.version += 1
            self._changed.notify_all()
            return self.version

    # --- the search index, made after the pages are served ------------------------------------------------

    def index_command(self, site: Path, out: Path) -> list[str]:
        """Pagefind over the served public site, writing its index into `out` (a seam: tests slow it down)."""
        return search_index.command(site, out)

    def index_later(self, version: int) -> None:
        """Index the public site of `version` in a background thread; a later rebuild stops it (its index
        would be stale) and starts its own. Until it is done the previous index is served."""
        if self.out is None or importlib.util.find_spec("pagefind") is None:
            return
        with self._indexing:
            if version != self.version:
                return   # a later rebuild was served meanwhile: it indexes its own pages (a later one wins)
            self._generation += 1
            generation = self._generation
        threading.Thread(target=self._index, args=(version, generation), daemon=True).start()

    def _index(self, version: int, generation: int) -> None:
        assert self.out is not None
        made = self.out / f".search-{generation}"
        with self._indexing:
            if generation != self._generation or self.stopped.is_set():
                return
            superseded = self._indexer   # started by an earlier rebuild's thread, its pages now stale
            if superseded is not None:
                search_index.kill(superseded)
            process = self._indexer = search_index.start(self.index_command(self.out / "public", made))
        if superseded is not None:
            superseded.wait()   # it writes nothing more into the folder swept below
        process.communicate()   # (its errors are not shown: the pages are served, the previous index with them)
        finished = process.returncode == 0
        with self._indexing:
            if self._indexer is process:
                self._indexer = None
            current = finished and generation == self._generation and not self.stopped.is_set()
            if current:
                self.index = made
        if not current:
            shutil.rmtree(made, ignore_errors=True)   # stopped, failed or superseded: never served
            return
        for older in self.out.glob(".search-*"):   # the replaced index, and any an earlier thread left behind
            if int(older.name.rpartition("-")[2]) < generation:
                shutil.rmtree(older, ignore_errors=True)
        with self._indexing:  # `indexed` says the work is over: the replaced indexes are gone too
            if self.index == made:
                self.indexed = version

    def _stop_indexing(self) -> subprocess.Popen[str] | None:
        with self._indexing:
            self._generation += 1
            if self._indexer is not None:
                search_index.kill(self._indexer)
            return self._indexer

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.stopped.is_set(), timeout)
            return self.version

    def _watch(self) -> None:
        from watchfiles import Change, watch

        def relevant(_change: Change, path: str) -> bool:
            return not (IGNORED_PARTS & set(Path(path).relative_to(self.root).parts)) and not path.startswith(
                str(self.out))

        for changes in watch(self.root, watch_filter=relevant, stop_event=self.stopped, debounce=200, step=WATCH_STEP):
            self.rebuild({Path(path) for _change, path in changes})

    def start(self) -> None:
        self.out = Path(tempfile.mkdtemp(prefix="site-gen-preview-"))
        self.rebuild()
        self._serving = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._serving.start()
        threading.Thread(target=self._watch, daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
        indexer = self._stop_indexing()
        if indexer is not None:
            indexer.wait()  # killed: gone before its folder is removed
        with self._changed:
            self._changed.notify_all()
        if self._serving:  # shutdown() waits for serve_forever, forever if it never ran
            self.server.shutdown()
        self.server.server_close()
        with self._building:
            if self.out:
                shutil.rmtree(self.out, ignore_errors=True)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, request: socket.socket, client_address: object, server: socketserver.BaseServer, *,
                 preview: Preview):
        self.preview = preview
        super().__init__(request, client_address, server, directory=str(preview.out))

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.preview.idle_timeout)  # before the request is read

    def translate_path(self, path: str) -> str:
        """/public/pagefind/… is the newest finished search index, kept outside the swapped site folders."""
        file = super().translate_path(path)
        index, site = self.preview.index, os.path.join(str(self.preview.out), "public", "pagefind")
        if index is not None and (file == site or file.startswith(site + os.sep)):
            return str(index) + file[len(site):]
        return file

    def log_message(self, format: str, *args: object) -> None:  # the terminal shows rebuilds, not every request
        pass

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or not self.preview.accepts_host(hosts[0]):
            self.send_error(403, "Host not allowed", f"Open the preview at {self.preview.url} - it answers only "
                            "to the address it listens on, so that no other web site can read it")
            return False
        if not _plain_path(self.path):
            self.send_error(400, "Bad path", "The path has a control character or a broken %-escape")
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        path = self.path.split("?", 1)[0]
        if path == "/__reload":
            return self._events()
        if self.preview.problems or self.preview.failure:
            if path.endswith((".html", "/")):
                return self._send(500, _error_page(self.preview))
        if path == "/":
            return self._send(200, _INDEX)
        if path.endswith("/"):
            path += "index.html"
        file = self.translate_path(path)
        if file.endswith(".html") and os.path.isfile(file):  # os.path: a name too long is False, not an error
            html = Path(file).read_bytes()
            return self._send(200, html.replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1))
        return super().do_GET()

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            while not self.preview.stopped.is_set():
                version = self.preview.wait_for_change(seen, timeout=RELOAD_EVERY)
                self.wfile.write(f"data: {version}\n\n".encode())
                self.wfile.flush()
                seen = version
        except (BrokenPipeError, ConnectionResetError):
            pass


_INDEX = (b"<!doctype html><html lang=en><meta charset=utf-8><title>site-gen preview</title>"
          b"<body><h1>site-gen preview</h1><ul><li><a href=/public/index.html>Public site</a>"
          b"<li><a href=/internal/index.html>Internal site</a></ul>" + RELOAD_SCRIPT + b"</body></html>")


def _error_page(preview: Preview) -> bytes:
    if preview.failure:
        items = f"<li>{escape(preview.failure)}</li>"
    else:
        items = "".join(f"<li><code>{escape(d.loc)}</code> <strong>{escape(d.severity.value)}[{escape(d.rule)}]"
                        f"</strong> {escape(d.message)}{' — ' + str(escape(d.hint)) if d.hint else ''}</li>"
                        for d in preview.problems)
    html = ("<!doctype html><html lang=en><meta charset=utf-8><title>Check failed — site-gen preview</title>"
            "<body style='font-family:system-ui;margin:2rem;max-width:60rem'>"
            "<h1>The backlog has errors</h1><p>Nothing was rebuilt. Fix these and save; this page reloads by itself."
            f"</p><ul>{items}</ul>")
    return html.encode() + RELOAD_SCRIPT + b"</body></html>"


_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _plain_path(target: str) -> bool:
    """Whether a request's path is printable ASCII whose %-escapes decode to UTF-8 text without control characters."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or not all("!" <= char <= "~" for char in path) or _BROKEN_ESCAPE.search(path):
        return False
    try:
        text = urllib.parse.unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(char < " " or char == "\x7f" for char in text)


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def serve_forever(preview: Preview, announce: Callable[[str], object]) -> None:
    """Serve until Ctrl-C, SIGTERM or SIGHUP (a closed terminal); then remove the temporary folder."""

    def stop(_signal_number: int, _frame: FrameType | None) -> None:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_DFL)  # a second signal stops at once, without cleaning up
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        preview.start()
        announce(preview.url)
        while True:
            # short sleeps: a stop signal the kernel hands to another thread (watchfiles' own) does not
            # interrupt this one, and Python runs the handler only when the main thread wakes
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
