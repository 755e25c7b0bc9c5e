"""HMAC-SHA256 request signing (scheme ``AP1-HMAC-SHA256``).

A signed request carries three headers::

    X-AcmePay-Key:        the public key id, e.g. ``ak_live_3Jd9...``
    X-AcmePay-Timestamp:  unix seconds when the request was signed
    X-AcmePay-Signature:  ``AP1-HMAC-SHA256 <hex digest>``

The digest covers a canonical form of the request (see
:meth:`RequestSigner.canonical_request`) so that proxies which reorder
query parameters or re-encode them do not break verification.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urlsplit, parse_qsl

SCHEME = "AP1-HMAC-SHA256"
_EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

QueryParams = Union[Mapping[str, str], Sequence[Tuple[str, str]]]


@dataclass(frozen=True)
class SignedHeaders:
    key_id: str
    timestamp: int
    signature: str

    def as_dict(self) -> Dict[str, str]:
        return {
            "X-AcmePay-Key": self.key_id,
            "X-AcmePay-Timestamp": str(self.timestamp),
            "X-AcmePay-Signature": f"{SCHEME} {self.signature}",
        }


def _encode(value: str) -> str:
    # RFC 3986 unreserved characters stay as they are; everything else is
    # percent-encoded, including "/" inside query values.
    return quote(value, safe="-_.~")


def _canonical_query(params: Iterable[Tuple[str, str]]) -> str:
    encoded = sorted((_encode(k), _encode(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


class RequestSigner:
    """Signs outgoing requests with a secret key.

    >>> signer = RequestSigner("ak_test_123", "sk_test_abc", clock=lambda: 1700000000)
    >>> headers = signer.sign("GET", "/v2/invoices?limit=10")
    >>> headers.timestamp
    1700000000
    """

    def __init__(
        self,
        key_id: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key_id or not secret:
            raise ValueError("key_id and secret are both required")
        self._key_id = key_id
        self._secret = secret.encode("utf-8")
        self._clock = clock

    @staticmethod
    def canonical_request(
        method: str,
        url: str,
        timestamp: int,
        body: Optional[bytes] = None,
        extra_query: Optional[QueryParams] = None,
    ) -> str:
        """Return the exact string that gets signed.

        Lines are: upper-cased method, path, sorted and encoded query,
        timestamp, and the hex SHA-256 of the body (the hash of the empty
        string when there is no body).
        """
        parts = urlsplit(url)
        path = parts.path or "/"
        params = parse_qsl(parts.query, keep_blank_values=True)
        if extra_query:
            items = extra_query.items() if isinstance(extra_query, Mapping) else extra_query
            params.extend((str(k), str(v)) for k, v in items)
        body_hash = hashlib.sha256(body).hexdigest() if body else _EMPTY_BODY_SHA256
        return "\n".join(
            [method.upper(), path, _canonical_query(params), str(timestamp), body_hash]
        )

    def sign(
        self,
        method: str,
        url: str,
        body: Optional[bytes] = None,
        extra_query: Optional[QueryParams] = None,
    ) -> SignedHeaders:
        timestamp = int(self._clock())
        canonical = self.canonical_request(method, url, timestamp, body, extra_query)
        digest = hmac.new(self._secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
        return SignedHeaders(key_id=self._key_id, timestamp=timestamp, signature=digest)
