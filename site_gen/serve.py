"""`site-gen serve`: preview both sites on 127.0.0.1, rebuilt and reloaded when a file changes.

Previews are built into a temporary folder (never over _site/). Pages get a
small reload script only here, on the way out of the server; built files never
carry it. When the check finds errors, every page shows them instead.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from markupsafe import escape

from .build import BuildRefused, build
from .diagnostics import Diagnostic

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
IGNORED_PARTS = {".git", ".venv", "node_modules", "_site", "__pycache__", ".pytest_cache", ".hypothesis"}


class Preview:
    """Builds into a temporary folder, serves it, and rebuilds when the repository changes."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, today: date | None = None):
        self.root = root.absolute()
        self.today = today
        self.out = Path(tempfile.mkdtemp(prefix="site-gen-preview-"))
        self.version = 0
        self.problems: list[Diagnostic] = []
        self.failure: str | None = None
        self._changed = threading.Condition()
        self.stopped = threading.Event()
        handler = functools.partial(_Handler, preview=self, directory=str(self.out))
        self.server = http.server.ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def rebuild(self) -> None:
        try:
            # one process: forking a process that runs server threads can deadlock
            build(self.root, self.out, self.today or date.today(), workers=1)
            self.problems, self.failure = [], None
        except BuildRefused as refused:
            self.problems, self.failure = refused.result.diagnostics, None
        except Exception as exc:  # a preview must survive anything a half-saved file can do
            self.problems, self.failure = [], f"{type(exc).__name__}: {exc}"
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.stopped.is_set(), timeout)
            return self.version

    def _watch(self) -> None:
        from watchfiles import watch

        def relevant(_change, path: str) -> bool:
            return not (IGNORED_PARTS & set(Path(path).relative_to(self.root).parts)) and not path.startswith(
                str(self.out))

        for _changes in watch(self.root, watch_filter=relevant, stop_event=self.stopped, debounce=200):
            self.rebuild()

    def start(self) -> None:
        self.rebuild()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._watch, daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
        with self._changed:
            self._changed.notify_all()
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.out, ignore_errors=True)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, preview: Preview, **kwargs):
        self.preview = preview
        super().__init__(*args, **kwargs)

    def log_message(self, *args) -> None:  # the terminal shows rebuilds, not every request
        pass

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
        file = Path(self.translate_path(path))
        if file.suffix == ".html" and file.is_file():
            html = file.read_bytes()
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
                version = self.preview.wait_for_change(seen, timeout=15)
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


def serve_forever(preview: Preview, announce) -> None:
    preview.start()
    announce(preview.url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
