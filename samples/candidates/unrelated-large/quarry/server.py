"""Development server with live reload.

The server serves the output directory, rebuilds when sources change and
pushes a notification to open browser tabs over Server-Sent Events. HTML
responses get a ``<script>`` tag injected just before ``</body>`` that loads
the reload client from ``/__quarry/livereload.js``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .builder import BuildError, SiteBuilder
from .config import Config
from .watcher import Change, PollingWatcher

__all__ = ["DevServer", "ReloadBroadcaster"]

log = logging.getLogger("quarry.serve")

EVENTS_PATH = "/__quarry/events"
CLIENT_PATH = "/__quarry/livereload.js"
KEEPALIVE_SECONDS = 15.0
_INJECT = f'<script src="{CLIENT_PATH}" defer></script>'


class ReloadBroadcaster:
    """Fan-out of reload messages to any number of waiting SSE handlers.

    Each message gets a sequence number; a handler remembers the last number
    it delivered and waits on a condition variable for a newer one. This means
    a slow client can never block the rebuild thread.
    """

    def __init__(self, history: int = 32):
        self._cond = threading.Condition()
        self._messages: list[tuple[int, dict]] = []
        self._seq = 0
        self._history = history
        self.closed = False

    @property
    def latest(self) -> int:
        with self._cond:
            return self._seq

    def publish(self, message: dict) -> None:
        with self._cond:
            self._seq += 1
            self._messages.append((self._seq, message))
            del self._messages[:-self._history]
            self._cond.notify_all()

    def wait(self, after: int, timeout: float) -> list[tuple[int, dict]]:
        with self._cond:
            self._cond.wait_for(lambda: self._seq > after or self.closed, timeout)
            return [(seq, msg) for seq, msg in self._messages if seq > after]

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


def _client_script() -> bytes:
    try:
        return resources.files("quarry").joinpath("assets/livereload.js").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError):
        log.warning("live reload client missing from the installation")
        return b"console.warn('quarry: live reload client not installed');"


class _Handler(SimpleHTTPRequestHandler):
    server_version = "quarry-dev"
    broadcaster: ReloadBroadcaster
    live_reload: bool = True

    def log_message(self, fmt: str, *args) -> None:  # route through logging
        log.debug("%s - %s", self.address_string(), fmt % args)

    def end_headers(self) -> None:
        # Never let the browser cache anything during development.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS_PATH and self.live_reload:
            self._stream_events()
        elif path == CLIENT_PATH and self.live_reload:
            self._send_bytes(_client_script(), "text/javascript; charset=utf-8")
        elif self.live_reload and self._is_html(path):
            self._send_html_with_client(path)
        else:
            super().do_GET()

    def _is_html(self, url_path: str) -> bool:
        fs_path = Path(self.translate_path(url_path))
        if fs_path.is_dir():
            fs_path = fs_path / "index.html"
        return fs_path.suffix == ".html" and fs_path.is_file()

    def _send_bytes(self, body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_html_with_client(self, url_path: str) -> None:
        if not url_path.endswith("/") and Path(self.translate_path(url_path)).is_dir():
            # Same redirect the stock handler does, so relative links work.
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", url_path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        fs_path = Path(self.translate_path(unquote(url_path)))
        if fs_path.is_dir():
            fs_path = fs_path / "index.html"
        html = fs_path.read_text(encoding="utf-8", errors="replace")
        marker = html.lower().rfind("</body>")
        html = html + _INJECT if marker < 0 else html[:marker] + _INJECT + html[marker:]
        self._send_bytes(html.encode("utf-8"), "text/html; charset=utf-8")

    def _stream_events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        last_event = self.headers.get("Last-Event-ID", "")
        seen = int(last_event) if last_event.isdigit() else self.broadcaster.latest
        try:
            self.wfile.write(b"retry: 1000\nevent: hello\ndata: {}\n\n")
            self.wfile.flush()
            while not self.broadcaster.closed:
                messages = self.broadcaster.wait(seen, KEEPALIVE_SECONDS)
                if not messages:
                    self.wfile.write(b": keepalive\n\n")
                for seq, message in messages:
                    payload = json.dumps(message)
                    self.wfile.write(f"id: {seq}\nevent: {message['type']}\ndata: {payload}\n\n".encode())
                    seen = seq
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # tab closed or navigated away


class DevServer:
    def __init__(self, config: Config, *, include_drafts: bool = True):
        self.config = config
        self.builder = SiteBuilder(config, include_drafts=include_drafts)
        self.broadcaster = ReloadBroadcaster()
        self._build_lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._watcher: PollingWatcher | None = None

    def rebuild(self, changes: list[Change] | None = None) -> None:
        with self._build_lock:
            if changes and self.config.source_file and any(
                    c.path == str(self.config.source_file) for c in changes):
                log.warning("configuration changed; restart `quarry serve` to apply it")
            try:
                report = self.builder.build()
            except BuildError as exc:
                log.error("%s", exc)
                self.broadcaster.publish({"type": "error", "message": str(exc)})
                return
            for error in report.errors:
                log.error("%s", error)
            log.info("rebuilt: %s", report.describe())
            if report.errors:
                self.broadcaster.publish({"type": "error", "message": "\n".join(report.errors)})
                return
            css_only = bool(changes) and all(c.is_stylesheet for c in changes)
            self.broadcaster.publish({
                "type": "css" if css_only else "reload",
                "changed": report.changed_outputs(),
                "at": time.time(),
            })

    def _watch_roots(self) -> list[Path]:
        roots = [self.config.content_path, self.config.template_path, self.config.static_path]
        if self.config.source_file:
            roots.append(self.config.source_file)
        return [root for root in roots if root.exists()]

    def serve_forever(self) -> None:
        self.rebuild()
        serve = self.config.serve
        handler = type("QuarryHandler", (_Handler,), {
            "broadcaster": self.broadcaster,
            "live_reload": serve.live_reload,
        })
        factory = partial(handler, directory=str(self.config.output_path))
        self._httpd = ThreadingHTTPServer((serve.host, serve.port), factory)
        self._httpd.daemon_threads = True
        if serve.live_reload:
            self._watcher = PollingWatcher(self._watch_roots(), self.rebuild,
                                           interval=serve.poll_interval,
                                           skip=[self.config.output_path])
            self._watcher.start()
        host, port = self._httpd.server_address[:2]
        log.info("serving %s at http://%s:%d/", self.config.output_path, host, port)
        try:
            self._httpd.serve_forever(poll_interval=0.25)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self.broadcaster.close()
        if self._watcher:
            self._watcher.stop()
            self._watcher = None
        if self._httpd:
            self._httpd.server_close()
            self._httpd = None
