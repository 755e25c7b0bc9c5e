"""``scanner.transport.PooledTransport`` (watch's registry fetches) answers as httpx's own
transport does, through ``Http``: the same bodies (chunked, gzip-encoded), the same failures
retried (a body cut off, a timeout), connections kept alive and a dropped one replaced without
a retry. A real HTTP/1.1 server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

import scanner.transport
from scanner.http import FetchError, Http, Policy
from scanner.transport import PooledTransport

DOC = json.dumps({"name": "x", "versions": {f"1.0.{i}": {} for i in range(50)}}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, *headers: tuple[str, str], status: int = 200) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name == "Transfer-Encoding" for name, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.hits[path] = hits = self.server.hits.get(path, 0) + 1
        if path == "/doc":
            self._send(DOC, ("Content-Type", "application/json"))
        elif path == "/gzip":
            self._send(gzip.compress(DOC), ("Content-Encoding", "gzip"))
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(DOC), 700):
                piece = DOC[start : start + 700]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/bye":  # answers, then drops the connection without saying so
            self._send(DOC)
            self.close_connection = True
        elif path == "/cut" and hits == 1:  # the first answer is cut off half way
            self.send_response(200)
            self.send_header("Content-Length", str(len(DOC)))
            self.end_headers()
            self.wfile.write(DOC[:100])
            self.close_connection = True
        elif path == "/cut":
            self._send(DOC)
        elif path == "/slow":
            time.sleep(1.0)
            self._send(DOC)
        elif path == "/redirect":
            self._send(b"", ("Location", "/doc"), status=302)
        else:
            self._send(b'{"message": "no"}', status=404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.hits: dict[str, int] = {}


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def _http(pooled: bool, timeout: float = 5.0) -> Http:
    transport = PooledTransport() if pooled else None
    client = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport)
    return Http(client, policy=Policy(max_retries=2), sleep=lambda _: None)


def _url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


@pytest.mark.parametrize("pooled", [False, True], ids=["httpx", "pooled"])
def test_the_same_answers_as_httpx(server, pooled):
    http = _http(pooled)
    for path in ("/doc", "/gzip", "/chunked", "/redirect"):
        assert http.get_json(_url(server, path)) == json.loads(DOC), path
    assert http.download(_url(server, "/chunked"), 10**6) == DOC
    with pytest.raises(FetchError, match="HTTP 404") as failed:
        http.get(_url(server, "/missing"))
    assert failed.value.status == 404
    with pytest.raises(FetchError, match="larger than 100 bytes"):
        http.download(_url(server, "/doc"), 100)
    assert http.stats.retries == 0


@pytest.mark.parametrize("pooled", [False, True], ids=["httpx", "pooled"])
def test_a_body_cut_off_is_retried_and_a_timeout_fails(server, pooled):
    http = _http(pooled, timeout=0.3)
    assert http.download(_url(server, "/cut"), 10**6) == DOC
    assert http.stats.retries == 1 and server.hits["/cut"] == 2
    with pytest.raises(FetchError, match="Timeout after 3 attempts"):
        http.get(_url(server, "/slow"))
    with pytest.raises(FetchError, match="Connect"):  # nobody listens there
        _http(pooled).get("http://127.0.0.1:9/doc")


def test_connections_are_kept_alive_and_a_dropped_one_replaced(server, monkeypatch):
    http = _http(pooled=True)
    for _ in range(20):
        http.get_json(_url(server, "/doc"))
        http.download(_url(server, "/gzip"), 10**6)
    assert server.connections == 1
    http.get(_url(server, "/bye"))  # the server drops it: seen before it is used again
    http.get(_url(server, "/doc"))
    assert server.connections == 2
    # dropped after that check (the race): the GET is sent once more on a new connection
    monkeypatch.setattr(scanner.transport, "_readable", lambda sock: False)
    http.get(_url(server, "/bye"))
    assert http.get_json(_url(server, "/doc")) == json.loads(DOC)
    assert server.connections == 3 and http.stats.retries == 0


def test_only_http_and_https():
    request = httpx.Request("GET", "ftp://127.0.0.1/x")
    with pytest.raises(httpx.UnsupportedProtocol):
        PooledTransport().handle_request(request)


@pytest.mark.parametrize("pooled", [False, True], ids=["httpx", "pooled"])
def test_a_header_with_a_line_break_is_refused_before_it_is_sent(server, pooled):
    client = httpx.Client(transport=PooledTransport() if pooled else None)
    with pytest.raises(httpx.LocalProtocolError):
        client.get(_url(server, "/doc"), headers={"If-None-Match": "a\r\nX-Injected: 1"})
    assert server.hits == {}
