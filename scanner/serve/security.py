"""What keeps the review workspace to its reviewer.

- **Bind**: loopback by default; any other address is refused unless an access token is given
  (``check_bind``).
- **Access token**: when set, every request needs it: an ``Authorization: Bearer`` header, or
  the cookie the browser gets by opening ``/?token=...`` once (HttpOnly, SameSite=Strict; the
  token is then dropped from the address by a redirect). Compared in constant time; never
  logged (the server's access log is off, and our own lines name no query string).
- **Host**: on loopback, only ``127.0.0.1``, ``localhost`` and ``[::1]`` are served, so a web
  page that rebinds its own name to 127.0.0.1 reads nothing.
- **CSRF**: every POST carries the server's CSRF token (a hidden form field, random per server
  start) and, when the browser sends one, an ``Origin`` equal to the page's own; else 403.
- **Headers**: the same Content-Security-Policy rules as the HTML report (no inline script or
  style at all here: only the server's own static files), no referrer beyond this origin (a
  link to GitHub carries no address of this server), no framing, no caching, no sniffing.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from scanner.errors import InputError
from scanner.http import is_loopback  # the rule the token's origin check uses

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "leaktrace_token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond loopback without an access token."""
    if not is_loopback(host) and not token:
        raise InputError(
            f"--host {host}: not a loopback address; anyone who can reach it could read the "
            "evidence and record decisions. Give an access token (--token-file FILE or "
            "LEAKTRACE_SERVE_TOKEN), or bind 127.0.0.1"
        )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _plain(send: Send, status: int, text: str,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:  # fmt: skip
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *HEADERS,
                            *(extra or [])]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: host check, access token, security headers on every response."""

    def __init__(self, app: ASGIApp, *, token: str | None, loopback: bool) -> None:
        self.app = app
        self.token = token
        self.loopback = loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        name = urlsplit(f"//{host}").hostname or ""
        if self.loopback and name not in LOOPBACK_NAMES:
            await _plain(send, 421, "this workspace answers to 127.0.0.1 and localhost only")
            return
        if self.token is not None and not await self._authorized(scope, send):
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *HEADERS]
            await send(message)

        await self.app(scope, receive, secured)

    async def _authorized(self, scope: Scope, send: Send) -> bool:
        """Whether the request carries the token; a GET with ``?token=`` sets the cookie and
        redirects to the same address without it."""
        assert self.token is not None
        bearer = (_header(scope, b"authorization") or "").removeprefix("Bearer ").strip()
        cookie = SimpleCookie(_header(scope, b"cookie") or "").get(COOKIE)
        if same(bearer or None, self.token) or same(cookie.value if cookie else None, self.token):
            return True
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        given = next((value for key, value in query if key == "token"), None)
        if scope["method"] == "GET" and same(given, self.token):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            await _plain(send, 303, "signed in", [
                (b"location", location.encode("latin-1", errors="replace")),
                (b"set-cookie", f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                 .encode()),
            ])  # fmt: skip
            return False
        await _plain(send, 401, "an access token is needed: open the address with ?token=... "
                                "once, or send 'Authorization: Bearer ...'")  # fmt: skip
        return False


def origin_ok(origin: str | None, host: str | None) -> bool:
    """A POST's ``Origin``, when the browser sends one, must be this server's own."""
    if origin is None:
        return True
    return urlsplit(origin).netloc == (host or "")


__all__ = ["CSP", "Guard", "check_bind", "is_loopback", "new_csrf_token", "origin_ok", "same"]
