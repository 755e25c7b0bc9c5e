"""Polite HTTP for the crawler, on one ``httpx.Client`` that the CLI builds and hands down.

- Bounded retries with exponential backoff on 5xx answers, timeouts and dropped connections
  (including a body cut off half way).
- Primary rate limits: an answer of 403 or 429 with ``x-ratelimit-remaining: 0`` waits until
  ``x-ratelimit-reset``; secondary limits wait ``retry-after`` seconds. Both then retry.
- Code search is paced on the client side, never more than ``code_search_per_minute`` requests
  in any 60 s, since GitHub allows only 10.
- Conditional requests: answers with an ``ETag`` are kept (in the scan database when there is
  one) and revalidated with ``If-None-Match``; a 304 reuses the kept body and costs no budget.
- Credentials are bound to one origin (``Credential``): a header such as ``Authorization`` is
  sent only to a URL whose scheme, host and port all equal the API URL's, checked again on every
  redirect hop (the tarball's 302 to a download host gets none), and only over HTTPS, or plain
  HTTP to a loopback host (the test servers). A token with a plain-HTTP API URL elsewhere is a
  ``ConfigError`` before anything is sent.
- A redirect from ``https`` to ``http`` is refused (``FetchError``): nothing is requested from
  the ``http`` URL, with or without the token.
- Hostile answers are one ``FetchError`` each, never a crash: a JSON body larger than
  ``Policy.max_json_bytes`` (64 MiB) is cut off, JSON that is not JSON or nests too deeply is
  refused, and a body that cannot be decoded (a corrupt gzip) is refused.
- The token is never printed, logged or written: ``redact`` removes it from any message.
"""

from __future__ import annotations

import base64
import ipaddress
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from scanner.errors import ConfigError, LeaktraceError
from scanner.redaction import hide_userinfo

#: Failures that the same request would meet again: an unsupported scheme, a malformed URL, a
#: body that cannot be decoded.
_NOT_RETRYABLE = (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.DecodingError)
_REDIRECTS = (301, 302, 303, 307, 308)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(LeaktraceError):
    """A request failed for good (after its retries), or was refused."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(hide_userinfo(message))  # the URL asked for may carry a password
        self.status = status


class ResponseCache(Protocol):
    """Where ETags and bodies are kept between runs (the scan database)."""

    def get(self, url: str) -> tuple[str, bytes] | None: ...

    def put(self, url: str, etag: str, body: bytes) -> None: ...


class MemoryCache:
    def __init__(self) -> None:
        self._data: dict[str, tuple[str, bytes]] = {}

    def get(self, url: str) -> tuple[str, bytes] | None:
        return self._data.get(url)

    def put(self, url: str, etag: str, body: bytes) -> None:
        self._data[url] = (etag, body)


@dataclass
class Stats:
    """What the crawler did on the network, for the summary line and the tests."""

    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


@dataclass(frozen=True)
class Policy:
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_wait: float = 3600.0  # the longest a rate limit may make us wait, once
    code_search_per_minute: int = 9
    code_search_window: float = 60.0
    max_json_bytes: int = 64 * 1024 * 1024  # an API answer larger than this is refused


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


Origin = tuple[str, str, int]
"""(scheme, host, port) of a URL, the port filled in from the scheme when it is implicit."""


def origin(url: str | httpx.URL) -> Origin | None:
    """The origin of ``url``, or None for a URL that cannot be parsed or has no host."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    scheme = parsed.scheme.lower()
    port = parsed.port or _DEFAULT_PORTS.get(scheme)
    if not parsed.host or port is None:
        return None
    return scheme, parsed.host.lower(), port


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Credential:
    """One secret header, bound to the origin it belongs to (any credential, not only GitHub's).

    It goes with a request only when the request's scheme, host and port all equal its origin's,
    and the origin is HTTPS or a loopback host; ``for_origin`` refuses any other origin up front.
    """

    origin: Origin
    header: str
    value: str
    secret: str

    @classmethod
    def for_origin(cls, url: str, header: str, value: str, secret: str, *,
                   setting: str) -> Credential:  # fmt: skip
        """A credential for ``url``'s origin; a ``ConfigError`` naming ``setting`` when that
        origin would carry it in clear (plain HTTP to a host that is not loopback)."""
        bound = origin(url)
        if bound is None or bound[0] not in ("https", "http"):
            raise ConfigError(setting, f"{url!r} is not an http(s) URL")
        if bound[0] != "https" and not is_loopback(bound[1]):
            raise ConfigError(setting, f"{url} is plain HTTP; the token is only ever sent "
                                       "over HTTPS (or to a loopback host)")  # fmt: skip
        return cls(bound, header, value, secret)

    @classmethod
    def bearer(cls, token: str, api_url: str, *, setting: str = "--api-url") -> Credential:
        return cls.for_origin(api_url, "Authorization", f"Bearer {token}", token, setting=setting)

    def allows(self, url: str | httpx.URL) -> bool:
        """Whether this credential may travel with a request to ``url``."""
        return origin(url) == self.origin


class Http:
    """GET with retries, rate limits, ETags and safe redirects."""

    def __init__(self, client: httpx.Client, *, token: str | None = None,
                 api_url: str | None = None, cache: ResponseCache | None = None,
                 policy: Policy | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.client = client
        self._token = token
        self.credentials: list[Credential] = []
        if token and api_url:
            self.credentials.append(Credential.bearer(token, api_url))
        self.cache = cache or MemoryCache()
        self.policy = policy or Policy()
        self.stats = Stats()
        self._sleep = sleep
        self._clock = clock
        self._search_times: deque[float] = deque()
        self._lock = threading.Lock()

    # -- the token ---------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` without the token, any credential's secret, or a URL's userinfo."""
        for credential in self.credentials:
            text = redact(text, credential.secret)
        return hide_userinfo(redact(text, self._token))

    def git_header(self, url: str) -> str | None:
        """The header that lets git fetch ``url`` with the token, or None: only over HTTPS, and
        only to the API's own host and port (``api.HOST`` is the API of ``HOST``; GitHub
        Enterprise serves both on one host)."""
        target = origin(url)
        if not self._token or target is None or target[0] != "https":
            return None
        for credential in self.credentials:
            scheme, host, port = credential.origin
            if credential.header != "Authorization" or scheme != "https" or port != target[2]:
                continue
            if target[1] == host or f"api.{target[1]}" == host:
                basic = base64.b64encode(f"x-access-token:{self._token}".encode()).decode()
                return f"Authorization: Basic {basic}"
        return None

    def _headers_for(self, url: str | httpx.URL,
                     extra: dict[str, str] | None) -> dict[str, str]:  # fmt: skip
        """The headers of a request to ``url``: a credential's only when its origin is
        ``url``'s. Given an ``httpx.URL``, the very object that is then requested (one parse,
        so the origin checked is the origin the request goes to)."""
        headers = {"Accept": "application/vnd.github+json", "User-Agent": "leaktrace"}
        bound = {credential.header.lower() for credential in self.credentials}
        headers |= {k: v for k, v in (extra or {}).items() if k.lower() not in bound}
        for credential in self.credentials:
            if credential.allows(url):
                headers[credential.header] = credential.value
        return headers

    def _redirect(self, url: str, response: httpx.Response) -> str:
        """Where a redirect answer points; a downgrade from https to http is refused."""
        try:
            target = urljoin(url, response.headers.get("location", url))
        except ValueError as exc:
            raise FetchError(self.redact(f"{url}: redirect to a malformed URL; refused")) from exc
        if urlsplit(url).scheme.lower() == "https" and urlsplit(target).scheme.lower() != "https":
            raise FetchError(self.redact(f"{url}: redirect from https to {target} refused "
                                         "(a downgrade travels in clear)"))  # fmt: skip
        return target

    # -- pacing ------------------------------------------------------------------------------

    def _pace_code_search(self) -> None:
        policy = self.policy
        with self._lock:
            while True:
                now = self._clock()
                while (
                    self._search_times and now - self._search_times[0] >= policy.code_search_window
                ):
                    self._search_times.popleft()
                if len(self._search_times) < policy.code_search_per_minute:
                    self._search_times.append(now)
                    return
                wait = policy.code_search_window - (now - self._search_times[0]) + 0.05
                self._wait(wait)

    def _wait(self, seconds: float) -> None:
        seconds = max(0.0, min(seconds, self.policy.max_wait))
        self.stats.waited_seconds += seconds
        self._sleep(seconds)

    def _rate_limit_delay(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying a rate-limited answer, or None if it is not one."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                return float(retry_after)
            except ValueError:
                return 60.0
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset")
            try:
                return max(0.0, float(reset) - self._clock()) + 0.5 if reset else 60.0
            except ValueError:
                return 60.0
        if response.status_code == 429:
            return 60.0
        body = response.text.lower()
        if "secondary rate limit" in body or "abuse" in body:
            return 60.0
        return None

    # -- requests ----------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        kind: str = "api",
        headers: dict[str, str] | None = None,
        conditional: bool = True,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """GET ``url`` (redirects followed safely), retrying what deserves a retry.

        ``kind`` labels the request in the stats; ``code_search`` requests are paced. A body
        larger than ``max_bytes`` (default ``Policy.max_json_bytes``) is refused.
        """  # fmt: skip
        full = str(httpx.URL(url, params=params)) if params else url
        cap = self.policy.max_json_bytes if max_bytes is None else max_bytes
        cached = self.cache.get(full) if conditional else None
        attempt = 0
        while True:
            if kind == "code_search":
                self._pace_code_search()
            extra = dict(headers or {})
            if cached:
                extra["If-None-Match"] = cached[0]
            try:
                response, body = self._get_following(full, extra, kind, cap)
            except _NOT_RETRYABLE as exc:
                raise FetchError(self.redact(f"{full}: cannot be fetched ({exc})")) from exc
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                attempt = self._retry(attempt, full, type(exc).__name__)
                continue
            if response.status_code == 304 and cached:
                self.stats.not_modified += 1
                return _with_body(response, cached[1], 200)
            response = _with_body(response, body)
            again = self._again(response, attempt, full)
            if again is not None:
                attempt = again
                continue
            if response.status_code >= 400:
                message = self._message(response)  # often none: then no trailing space
                status = " ".join(filter(None, (f"HTTP {response.status_code}", message)))
                raise FetchError(f"{self.redact(full)}: {status}", response.status_code)
            etag = response.headers.get("etag")
            if etag and conditional:
                self.cache.put(full, etag, response.content)
            return response

    def _again(self, response: httpx.Response, attempt: int, url: str) -> int | None:
        """For a rate-limited answer (waited out) or a 5xx (backed off), the attempts so far,
        to try again; None for an answer that is final. Raises when no attempt is left."""
        delay = self._rate_limit_delay(response)
        if delay is not None:
            attempt += 1
            if attempt > self.policy.max_retries + 3:
                raise FetchError(f"{self.redact(url)}: still rate limited", 429)
            self.stats.rate_limit_waits += 1
            self._wait(delay)
            return attempt
        if response.status_code >= 500:
            return self._retry(attempt, url, f"HTTP {response.status_code}",
                               response.status_code)  # fmt: skip
        return None

    def _message(self, response: httpx.Response) -> str:
        try:
            return self.redact(str(response.json().get("message", "")))
        except (ValueError, AttributeError, RecursionError):
            return ""

    def _retry(self, attempt: int, url: str, what: str, status: int | None = None) -> int:
        """Count a failed attempt and wait (backoff) before the next, or raise if none is left."""
        attempt += 1
        if attempt > self.policy.max_retries:
            raise FetchError(self.redact(f"{url}: {what} after {attempt} attempts"), status)
        self.stats.retries += 1
        self._wait(self._backoff(attempt))
        return attempt

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)

    def _get_following(self, url: str, extra: dict[str, str], kind: str,
                       max_bytes: int) -> tuple[httpx.Response, bytes]:  # fmt: skip
        """The final answer and its body (at most ``max_bytes``), redirects followed by hand:
        each hop gets only the credentials its own origin allows, and no downgrade."""
        for _ in range(5):
            self.stats.requests += 1
            self.stats.count(kind)
            target = httpx.URL(url)  # parsed once: for the credentials' check and the request
            with self.client.stream("GET", target, headers=self._headers_for(target, extra),
                                    follow_redirects=False) as response:  # fmt: skip
                if response.status_code in _REDIRECTS:
                    url = self._redirect(url, response)
                    extra = {k: v for k, v in extra.items() if k.lower() != "if-none-match"}
                    continue
                # A body cut off half way raises here, inside the caller's retry loop.
                return response, self._read_capped(response, url, max_bytes)
        raise FetchError(f"{self.redact(url)}: too many redirects")

    def _read_capped(self, response: httpx.Response, url: str, max_bytes: int) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"{self.redact(url)}: answer larger than {max_bytes:,} bytes; "
                                 "refused")  # fmt: skip
            chunks.append(chunk)
        return b"".join(chunks)

    def download(self, url: str, max_bytes: int, *, kind: str = "download") -> bytes:
        """A file's bytes, streamed and cut off (as an error) past ``max_bytes``; redirects are
        followed like ``get``'s (credentials stay with their origin, no downgrade); retried
        like ``get``."""
        attempt = 0
        while True:
            try:
                response, body = self._get_following(url, {}, kind, max_bytes)
            except _NOT_RETRYABLE as exc:
                raise FetchError(self.redact(f"{url}: cannot be fetched ({exc})")) from exc
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                attempt = self._retry(attempt, url, type(exc).__name__)
                continue
            status = response.status_code
            if status >= 500:
                attempt = self._retry(attempt, url, f"HTTP {status}", status)
                continue
            if status >= 300:
                raise FetchError(f"{self.redact(url)}: HTTP {status}", status)
            return body

    def post(self, url: str, content: bytes, *, headers: dict[str, str] | None = None,
             kind: str = "post", max_bytes: int | None = None,
             retry: bool = True) -> httpx.Response:  # fmt: skip
        """POST ``content`` to ``url``. Credentials go as for ``get`` (only to their origin);
        no redirect is followed (a POST is never replayed at another address). With ``retry``,
        rate limits, 5xx answers and transport failures are retried as for ``get`` and an
        answer of 400 or more is a ``FetchError``; without, one attempt, and any answer is
        returned (the caller keeps its own schedule: the webhook outbox)."""
        cap = self.policy.max_json_bytes if max_bytes is None else max_bytes
        attempt = 0
        while True:
            self.stats.requests += 1
            self.stats.count(kind)
            try:
                with self.client.stream("POST", url, content=content,
                                        headers=self._headers_for(url, headers),
                                        follow_redirects=False) as response:  # fmt: skip
                    body = self._read_capped(response, url, cap)
            except _NOT_RETRYABLE as exc:
                raise FetchError(self.redact(f"{url}: cannot be posted to ({exc})")) from exc
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if not retry:
                    raise FetchError(self.redact(f"{url}: {type(exc).__name__}")) from exc
                attempt = self._retry(attempt, url, type(exc).__name__)
                continue
            response = _with_body(response, body)
            if not retry:
                return response
            again = self._again(response, attempt, url)
            if again is not None:
                attempt = again
                continue
            if response.status_code >= 300:
                raise FetchError(f"{self.redact(url)}: HTTP {response.status_code}",
                                 response.status_code)  # fmt: skip
            return response

    def get_json(self, url: str, *, params: dict[str, Any] | None = None, kind: str = "api",
                 max_bytes: int | None = None) -> Any:  # fmt: skip
        """The JSON of an answer; not JSON, nested too deeply or too large: ``FetchError``.
        What the JSON holds is the caller's to check (``scanner.sources.answers``)."""
        return self._json(self.get(url, params=params, kind=kind, max_bytes=max_bytes), url)

    def _json(self, response: httpx.Response, url: str) -> Any:
        try:
            return response.json()
        except RecursionError as exc:
            raise FetchError(f"{self.redact(url)}: answer nests too deeply; refused") from exc
        except ValueError as exc:
            raise FetchError(f"{self.redact(url)}: answer is not JSON") from exc

    def paginate(self, url: str, *, params: dict[str, Any] | None = None,
                 kind: str = "api") -> Iterator[tuple[str, Any]]:  # fmt: skip
        """(page URL, page JSON) of every page of a paginated list, following
        ``Link: <...>; rel="next"``; the caller checks each page's shape."""
        next_url: str | None = url
        next_params = params
        while next_url:
            response = self.get(next_url, params=next_params, kind=kind)
            yield next_url, self._json(response, next_url)
            try:
                next_url = response.links.get("next", {}).get("url")
            except (ValueError, AttributeError):
                next_url = None
            next_params = None


def _with_body(response: httpx.Response, body: bytes, status: int | None = None) -> httpx.Response:
    """A read answer with ``body`` (already decoded: no content-encoding, its own length)."""
    dropped = ("content-length", "content-encoding", "transfer-encoding")
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped]
    return httpx.Response(status or response.status_code, headers=kept, content=body,
                          request=response.request)  # fmt: skip
