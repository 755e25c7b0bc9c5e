"""Git's smart HTTP protocol on 127.0.0.1 for tests: ``git http-backend`` run as a CGI for the
bare repositories below one folder (``ROOT/OWNER/REPO.git``), with a log of what each request
asked and how many bytes it was answered with. Standard library only.
"""

from __future__ import annotations

import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

__all__ = ["GitHTTPServer"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._cgi(b"")

    def do_POST(self) -> None:
        self._cgi(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _cgi(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "HTTP_GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True,
                              check=False)  # fmt: skip
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.server.log.append({"method": self.command, "path": parts.path,
                                "authorization": self.headers.get("Authorization"),
                                "bytes": len(payload)})  # fmt: skip

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: ``GitHTTPServer.requests`` has the log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class GitHTTPServer:
    """Serve ``root``'s bare repositories at ``url``/OWNER/REPO.git."""

    def __init__(self, root: Path) -> None:
        self._server = _Server(root)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._server.log

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
