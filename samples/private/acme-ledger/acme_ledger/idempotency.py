"""Idempotency keys for ledger-mutating API calls.

Clients send ``Idempotency-Key`` on every POST. The first request with a key
reserves it; a retry with the same key and the same request body gets the
stored response replayed; a retry with a *different* body is a client bug and
is rejected with 422 rather than silently doing something else.

Keys expire after 24 hours, matching what the public API docs promise.
"""

from __future__ import annotations

import enum
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional

DEFAULT_TTL_SECONDS = 24 * 60 * 60
# A request that reserved a key but never completed (process crashed, pod
# evicted) blocks retries until this lease runs out.
IN_FLIGHT_LEASE_SECONDS = 60


class KeyState(enum.Enum):
    IN_FLIGHT = "in_flight"
    COMPLETED = "completed"


class IdempotencyConflict(Exception):
    """Same key, different request body."""


class RequestInFlight(Exception):
    """Another request with this key is still being processed."""


@dataclass
class StoredResponse:
    status: int
    body: Mapping[str, Any]


@dataclass
class _Record:
    fingerprint: str
    state: KeyState
    created_at: float
    lease_until: float
    response: Optional[StoredResponse] = None


def fingerprint_request(method: str, path: str, body: Optional[Mapping[str, Any]]) -> str:
    """Stable hash of a request; key order in the JSON body does not matter."""
    canonical = json.dumps(body or {}, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\x00")
    digest.update(path.encode())
    digest.update(b"\x00")
    digest.update(canonical.encode())
    return digest.hexdigest()


class IdempotencyStore:
    """Thread-safe in-process store.

    Production uses the Redis-backed subclass in ``acme_ledger.infra``; this
    one is used in tests and by the single-node reconciliation worker.
    """

    def __init__(
        self,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._records: Dict[str, _Record] = {}
        self._lock = threading.Lock()

    def begin(self, scope: str, key: str, fingerprint: str) -> Optional[StoredResponse]:
        """Reserve ``key`` or return the response of an earlier identical request.

        Returns ``None`` when the caller should go ahead and process the
        request, then call :meth:`complete` or :meth:`release`.
        """
        if not key or len(key) > 255:
            raise ValueError("idempotency key must be 1-255 characters")
        record_key = f"{scope}:{key}"
        now = self._clock()
        with self._lock:
            self._evict_expired(now)
            record = self._records.get(record_key)
            if record is None:
                self._records[record_key] = _Record(
                    fingerprint, KeyState.IN_FLIGHT, now, now + IN_FLIGHT_LEASE_SECONDS
                )
                return None
            if record.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    f"key {key!r} was already used with a different request body"
                )
            if record.state is KeyState.COMPLETED:
                return record.response
            if record.lease_until > now:
                raise RequestInFlight(f"a request with key {key!r} is still in progress")
            # The previous holder's lease expired; take over.
            record.lease_until = now + IN_FLIGHT_LEASE_SECONDS
            return None

    def complete(self, scope: str, key: str, response: StoredResponse) -> None:
        with self._lock:
            record = self._records.get(f"{scope}:{key}")
            if record is None:
                raise KeyError(f"idempotency key {key!r} was never reserved")
            record.state = KeyState.COMPLETED
            record.response = response

    def release(self, scope: str, key: str) -> None:
        """Forget a reservation after a failure that is safe to retry."""
        with self._lock:
            record = self._records.get(f"{scope}:{key}")
            if record is not None and record.state is KeyState.IN_FLIGHT:
                del self._records[f"{scope}:{key}"]

    def _evict_expired(self, now: float) -> None:
        expired = [k for k, r in self._records.items() if now - r.created_at > self._ttl]
        for k in expired:
            del self._records[k]

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)
