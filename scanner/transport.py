"""A lean HTTP/1.1 transport for ``httpx``, on the standard library's ``http.client``.

``watch`` makes two requests per publication (the package's document and its tarball, both to
the registry, on a kept-alive connection). httpx's default transport runs each through
httpcore and h11 (state machines in Python); ``http.client`` parses the status line and
headers with the ``email`` parser and reads the body straight off the socket: a packument and
a tarball on a loopback connection cost 2.0-2.1 ms of the client thread's CPU through the
first and 1.7 ms through this one (load 12; the socket calls themselves, the kernel's part,
are about 0.35 ms of it).

Only the transport changes. The ``httpx.Client`` above it still builds each request (its
headers, timeouts) and decodes each answer (``Content-Encoding``); a proxy named in the
environment still gets httpx's own transport (the client mounts it for the URLs it covers);
and ``scanner.http.Http`` above the client still decides which credential goes where, follows
redirects by hand, retries, and caps the bodies. What this transport keeps from httpx's:

- TLS verified as httpx verifies it (``httpx.create_ssl_context()``: the same CA bundle, host
  name checked), over HTTPS only when the URL says HTTPS;
- the client's timeouts: ``connect`` for the connection, ``read`` for every read and write;
- failures raised as httpx's exceptions (``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``,
  ``ReadError``, ``RemoteProtocolError`` for a body cut off), so ``Http`` retries them as before;
- connections kept alive per origin (at most ``max_idle`` idle ones each), never shared by two
  requests at once; an idle connection the server closed meanwhile is dropped before use, and
  a GET whose reused connection fails before any answer is sent once more on a new one (as
  browsers do), never a POST.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator

import httpx

_PORTS = {"http": 80, "https": 443}
_CHUNK = 64 * 1024


class PooledTransport(httpx.BaseTransport):
    def __init__(self, ssl_context: ssl.SSLContext | None = None, max_idle: int = 8) -> None:
        self._ssl = ssl_context  # made at the first HTTPS connection (loading the CA bundle
        # costs some 0.1 s of CPU: a watch of plain-HTTP test servers never pays it)
        self.max_idle = max_idle
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in _PORTS:
            raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not http or https",
                                            request=request)  # fmt: skip
        origin = (url.scheme, url.host, url.port or _PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        while True:
            connection, reused = self._connection(origin, timeouts, request)
            try:
                connection.putrequest(request.method, url.raw_path.decode("ascii"),
                                      skip_host=True, skip_accept_encoding=True)  # fmt: skip
                for name, value in request.headers.raw:  # Host and Content-Length among them
                    connection.putheader(name.decode("latin-1"), value.decode("latin-1"))
                connection.endheaders(body or None)
                answer = connection.getresponse()
            except (http.client.InvalidURL, ValueError) as exc:  # refused before it was sent
                connection.close()
                if isinstance(exc, http.client.InvalidURL):
                    raise httpx.InvalidURL(str(exc)) from exc
                raise httpx.LocalProtocolError(str(exc), request=request) from exc  # a header
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                if (
                    reused
                    and request.method in ("GET", "HEAD")
                    and not isinstance(exc, TimeoutError)
                ):
                    continue  # the server dropped a kept-alive connection: once on a new one
                raise _failure(exc, request) from exc
            return httpx.Response(answer.status, headers=answer.getheaders(),
                                  stream=_Body(self, origin, connection, answer, request),
                                  extensions={"http_version": b"HTTP/1.1"})  # fmt: skip

    def _connection(self, origin: tuple[str, str, int], timeouts: dict[str, float | None],
                    request: httpx.Request) -> tuple[http.client.HTTPConnection, bool]:  # fmt: skip
        """An idle connection to ``origin`` still open, or a new one; and whether it was
        idle."""
        read = timeouts.get("read")
        with self._lock:
            idle = self._idle.get(origin, [])
            while idle:
                connection = idle.pop()
                if connection.sock is not None and not _readable(connection.sock):
                    connection.sock.settimeout(read)
                    return connection, True
                connection.close()  # closed by the server (or it sent what nobody asked for)
        scheme, host, port = origin
        connect = timeouts.get("connect")
        if scheme == "https":
            with self._lock:
                if self._ssl is None:
                    self._ssl = httpx.create_ssl_context()
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=connect, context=self._ssl)  # fmt: skip
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect)
        try:
            connection.connect()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
        except OSError as exc:  # refused, unreachable, TLS refused (ssl.SSLError is one)
            connection.close()
            raise httpx.ConnectError(str(exc), request=request) from exc
        if connection.sock is not None:
            connection.sock.settimeout(read)
        return connection, False

    def _release(self, origin: tuple[str, str, int], connection: http.client.HTTPConnection,
                 reusable: bool) -> None:  # fmt: skip
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if reusable and len(idle) < self.max_idle:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class _Body(httpx.SyncByteStream):
    """An answer's body, read off its connection; the connection goes back to the pool once
    the body was read to its end (and the server did not say it closes it)."""

    def __init__(self, transport: PooledTransport, origin: tuple[str, str, int],
                 connection: http.client.HTTPConnection, answer: http.client.HTTPResponse,
                 request: httpx.Request) -> None:  # fmt: skip
        self._transport = transport
        self._origin = origin
        self._connection: http.client.HTTPConnection | None = connection
        self._answer = answer
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._answer.read(_CHUNK)  # closes the answer at its end
                if not chunk and self._answer.length:  # the server closed before its end
                    raise http.client.IncompleteRead(b"", self._answer.length)
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise _failure(exc, self._request, reading=True) from exc
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        answer = self._answer
        done = answer.isclosed() and not answer.will_close  # read to its end, kept alive
        if not answer.isclosed():
            answer.close()
        self._transport._release(self._origin, connection, done)


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the server closed it (or talks out of
    turn); either way it is not used again."""
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _failure(exc: BaseException, request: httpx.Request, *, reading: bool = False) -> Exception:
    """httpx's exception for what ``http.client`` or the socket raised."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, http.client.IncompleteRead | http.client.RemoteDisconnected):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(message, request=request)
    if reading:
        return httpx.ReadError(message, request=request)
    return httpx.WriteError(message, request=request)
