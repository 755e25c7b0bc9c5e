"""Polite HTTP for the crawler, on one ``httpx.Client`` that the CLI builds and hands down.

- Bounded retries with exponential backoff on 5xx answers, timeouts and dropped connections
  (including a body cut off half way).
- Primary rate limits: an answer of 403 or 429 with ``x-ratelimit-remaining: 0`` waits until
  ``x-ratelimit-reset``; secondary limits wait ``retry-after`` seconds. Both then retry.
- Code search is paced on the client side, never more than ``code_search_per_minute`` requests
  in any 60 s, since GitHub allows only 10.
- Conditional requests: answers with an ``ETag`` are kept (in the scan database when there is
  one) and revalidated with ``If-None-Match``; a 304 reuses the kept body and costs no budget.
- Redirects are followed by hand: the ``Authorization`` header goes only to the API's own host,
  never to another (the tarball's 302 to a download host).
- The token is never printed, logged or written: ``redact`` removes it from any message.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from scanner.errors import LeaktraceError

#: Failures that the same request would meet again: an unsupported scheme, a malformed URL.
_NOT_RETRYABLE = (httpx.UnsupportedProtocol, httpx.InvalidURL)


class FetchError(LeaktraceError):
    """A request failed for good (after its retries), or was refused."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
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


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


class Http:
    """GET with retries, rate limits, ETags and safe redirects."""

    def __init__(self, client: httpx.Client, *, token: str | None = None,
                 api_url: str | None = None, cache: ResponseCache | None = None,
                 policy: Policy | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.client = client
        self._token = token
        self.api_host = urlsplit(api_url).netloc if api_url else None
        self.cache = cache or MemoryCache()
        self.policy = policy or Policy()
        self.stats = Stats()
        self._sleep = sleep
        self._clock = clock
        self._search_times: deque[float] = deque()
        self._lock = threading.Lock()

    # -- the token ---------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        return redact(text, self._token)

    def git_header(self, url: str) -> str | None:
        """The header that lets git fetch ``url`` with the token, or None: only over HTTPS, and
        only on the API's own host (``api.HOST`` is the API of ``HOST``; GitHub Enterprise
        serves both on one host)."""
        parts = urlsplit(url)
        if not self._token or not self.api_host or parts.scheme != "https":
            return None
        if parts.netloc != self.api_host and f"api.{parts.netloc}" != self.api_host:
            return None
        basic = base64.b64encode(f"x-access-token:{self._token}".encode()).decode()
        return f"Authorization: Basic {basic}"

    def _headers_for(self, url: str, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "User-Agent": "leaktrace"}
        if self._token and self.api_host and urlsplit(url).netloc == self.api_host:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers | (extra or {})

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
    ) -> httpx.Response:
        """GET ``url`` (redirects followed safely), retrying what deserves a retry.

        ``kind`` labels the request in the stats; ``code_search`` requests are paced.
        """  # fmt: skip
        full = str(httpx.URL(url, params=params)) if params else url
        cached = self.cache.get(full) if conditional else None
        attempt = 0
        while True:
            if kind == "code_search":
                self._pace_code_search()
            extra = dict(headers or {})
            if cached:
                extra["If-None-Match"] = cached[0]
            try:
                response = self._get_following(full, extra, kind)
            except _NOT_RETRYABLE as exc:
                raise FetchError(self.redact(f"{full}: cannot be fetched ({exc})")) from exc
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                attempt = self._retry(attempt, full, type(exc).__name__)
                continue
            if response.status_code == 304 and cached:
                self.stats.not_modified += 1
                kept = {k: v for k, v in response.headers.items()
                        if k.lower() not in ("content-length", "content-encoding")}  # fmt: skip
                return httpx.Response(200, headers=kept, content=cached[1],
                                      request=response.request)  # fmt: skip
            delay = self._rate_limit_delay(response)
            if delay is not None:
                attempt += 1
                if attempt > self.policy.max_retries + 3:
                    raise FetchError(f"{self.redact(full)}: still rate limited", 429)
                self.stats.rate_limit_waits += 1
                self._wait(delay)
                continue
            if response.status_code >= 500:
                attempt = self._retry(attempt, full, f"HTTP {response.status_code}",
                                      response.status_code)  # fmt: skip
                continue
            if response.status_code >= 400:
                message = self._message(response)
                raise FetchError(f"{self.redact(full)}: HTTP {response.status_code} {message}",
                                 response.status_code)  # fmt: skip
            etag = response.headers.get("etag")
            if etag and conditional:
                self.cache.put(full, etag, response.content)
            return response

    def _message(self, response: httpx.Response) -> str:
        try:
            return self.redact(str(response.json().get("message", "")))
        except (ValueError, AttributeError):
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

    def _get_following(self, url: str, extra: dict[str, str], kind: str) -> httpx.Response:
        for _ in range(5):
            self.stats.requests += 1
            self.stats.count(kind)
            response = self.client.get(url, headers=self._headers_for(url, extra),
                                       follow_redirects=False)  # fmt: skip
            response.read()  # a body cut off half way raises here, inside the retry loop
            if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                extra = {k: v for k, v in extra.items() if k.lower() != "if-none-match"}
                continue
            return response
        raise FetchError(f"{self.redact(url)}: too many redirects")

    def download(self, url: str, max_bytes: int, *, kind: str = "download") -> bytes:
        """A file's bytes, streamed and cut off (as an error) past ``max_bytes``; redirects are
        followed without the Authorization header leaving the API host; retried like ``get``."""
        attempt = 0
        while True:
            try:
                return self._download_once(url, max_bytes, kind)
            except _NOT_RETRYABLE as exc:
                raise FetchError(self.redact(f"{url}: cannot be fetched ({exc})")) from exc
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                attempt = self._retry(attempt, url, type(exc).__name__)
            except FetchError as exc:
                if exc.status is None or exc.status < 500:
                    raise
                attempt = self._retry(attempt, url, f"HTTP {exc.status}", exc.status)

    def _download_once(self, url: str, max_bytes: int, kind: str) -> bytes:
        for _ in range(5):
            self.stats.requests += 1
            self.stats.count(kind)
            with self.client.stream("GET", url, headers=self._headers_for(url, None),
                                    follow_redirects=False) as response:  # fmt: skip
                if response.status_code in (301, 302, 303, 307, 308):
                    url = urljoin(url, response.headers.get("location", url))
                    continue
                if response.status_code >= 400:
                    raise FetchError(f"{self.redact(url)}: HTTP {response.status_code}",
                                     response.status_code)  # fmt: skip
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"{self.redact(url)}: larger than {max_bytes:,} bytes; "
                                         "refused")  # fmt: skip
                    chunks.append(chunk)
                return b"".join(chunks)
        raise FetchError(f"{self.redact(url)}: too many redirects")

    def get_json(self, url: str, *, params: dict[str, Any] | None = None,
                 kind: str = "api") -> Any:  # fmt: skip
        response = self.get(url, params=params, kind=kind)
        try:
            return response.json()
        except ValueError as exc:
            raise FetchError(f"{self.redact(url)}: answer is not JSON") from exc

    def paginate(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        kind: str = "api",
        items_key: str | None = None,
    ) -> Iterator[Any]:
        """Every item of a paginated list, following ``Link: <...>; rel="next"``."""
        next_url: str | None = url
        next_params = params
        while next_url:
            response = self.get(next_url, params=next_params, kind=kind)
            try:
                page = response.json()
            except ValueError as exc:
                raise FetchError(f"{self.redact(next_url)}: answer is not JSON") from exc
            yield from (page.get(items_key, []) if items_key else page)
            next_url = response.links.get("next", {}).get("url")
            next_params = None
