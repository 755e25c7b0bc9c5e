"""Verification of webhook deliveries.

Acme Pay signs every webhook with the endpoint's signing secret. The
``AcmePay-Signature`` header looks like::

    t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

During secret rotation a delivery can carry several ``v1`` entries, one per
active secret; a match on any of them is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Tuple

from .errors import SignatureVerificationError

DEFAULT_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    data: Dict[str, Any] = field(default_factory=dict)
    livemode: bool = False


def _parse_header(header: str) -> Tuple[int, List[str]]:
    timestamp = -1
    signatures: List[str] = []
    for part in header.split(","):
        key, sep, value = part.partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureVerificationError("Malformed timestamp in signature header", header=header)
        elif key == "v1":
            signatures.append(value)
    if timestamp < 0 or not signatures:
        raise SignatureVerificationError("Signature header is missing t= or v1=", header=header)
    return timestamp, signatures


def verify_signature(
    payload: bytes,
    header: str,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    clock: Callable[[], float] = time.time,
) -> None:
    """Check that ``payload`` was signed by Acme Pay with ``secret``.

    Raises :class:`SignatureVerificationError` on any mismatch, on a malformed
    header, or when the signature is older (or newer) than ``tolerance``
    seconds. Pass ``tolerance=0`` to skip the freshness check, e.g. when
    replaying stored deliveries in tests.

    ``payload`` must be the raw request body exactly as received. Django's
    ``request.body`` and Flask's ``request.get_data()`` are fine;
    ``request.json`` re-serialised is not.
    """
    timestamp, signatures = _parse_header(header)
    signed = str(timestamp).encode("ascii") + b"." + payload
    expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()

    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureVerificationError("No signature matches the expected value", header=header)

    if tolerance > 0 and abs(clock() - timestamp) > tolerance:
        raise SignatureVerificationError("Signature timestamp outside the tolerance window", header=header)


def construct_event(payload: bytes, header: str, secret: str, **kwargs: Any) -> WebhookEvent:
    """Verify ``payload`` and decode it into a :class:`WebhookEvent`."""
    verify_signature(payload, header, secret, **kwargs)
    try:
        raw = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureVerificationError(f"Webhook body is not valid JSON: {exc}") from exc
    return WebhookEvent(
        id=raw["id"],
        type=raw["type"],
        created=int(raw.get("created", 0)),
        data=raw.get("data", {}),
        livemode=bool(raw.get("livemode", False)),
    )
