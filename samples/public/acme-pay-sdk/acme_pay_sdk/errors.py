"""Exception types raised by the SDK.

Every error carries the HTTP status (when there was a response) and the
``request_id`` that Acme Pay support needs to trace a call. Please include it
in bug reports.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional


class AcmePayError(Exception):
    """Base class for all errors raised by this package."""

    def __init__(
        self,
        message: str,
        *,
        http_status: Optional[int] = None,
        code: Optional[str] = None,
        request_id: Optional[str] = None,
        body: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.request_id = request_id
        self.body = dict(body or {})

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"(code={self.code})")
        if self.request_id:
            parts.append(f"[request_id={self.request_id}]")
        return " ".join(parts)


class AuthenticationError(AcmePayError):
    """The API key is missing, revoked, or the request signature is wrong."""


class InvalidRequestError(AcmePayError):
    """The request was understood but rejected (HTTP 400/404/409/422)."""

    def __init__(self, message: str, *, param: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.param = param


class RateLimitError(AcmePayError):
    """Too many requests. ``retry_after`` is in seconds when the API sent it."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(AcmePayError):
    """Acme Pay had a problem. These are safe to retry with the same idempotency key."""


class SignatureVerificationError(AcmePayError):
    """A webhook payload did not carry a valid signature."""

    def __init__(self, message: str, *, header: Optional[str] = None) -> None:
        super().__init__(message)
        self.header = header


def error_from_response(
    status: int,
    body: Optional[Mapping[str, Any]],
    headers: Optional[Mapping[str, str]] = None,
) -> AcmePayError:
    """Map an error response from the API onto the matching exception type.

    The API returns ``{"error": {"type": ..., "message": ..., "param": ...}}``
    but proxies in front of it occasionally answer with an empty body, so
    every field is optional here.
    """
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    error = dict((body or {}).get("error") or {})
    message = error.get("message") or f"Acme Pay API returned HTTP {status}"
    common = {
        "http_status": status,
        "code": error.get("code"),
        "request_id": headers.get("x-request-id"),
        "body": body,
    }

    if status in (401, 403):
        return AuthenticationError(message, **common)
    if status == 429:
        retry_after: Optional[float] = None
        raw = headers.get("retry-after")
        if raw:
            try:
                retry_after = float(raw)
            except ValueError:
                retry_after = None
        return RateLimitError(message, retry_after=retry_after, **common)
    if 400 <= status < 500:
        return InvalidRequestError(message, param=error.get("param"), **common)
    return ServerError(message, **common)
