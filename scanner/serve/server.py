"""Listening: the socket (bound before the server starts, so port 0 gives a free port whose
number is known) and a uvicorn server with its access log off (a query string could hold the
access token)."""

from __future__ import annotations

import socket

import uvicorn

from scanner.errors import InputError
from scanner.serve.app import ServeConfig, create_app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM)[0]  # fmt: skip
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(64)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
    sock.setblocking(False)
    return sock


def make_server(config: ServeConfig, *, tls_cert: str | None = None,
                tls_key: str | None = None) -> uvicorn.Server:  # fmt: skip
    settings = uvicorn.Config(create_app(config), log_level="warning", access_log=False,
                              server_header=False, ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                              lifespan="off")  # fmt: skip
    return uvicorn.Server(settings)


def address(sock: socket.socket, tls: bool) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}/"


__all__ = ["address", "bind", "make_server"]
