"""Retry with exponential backoff and full jitter.

Used around calls to the bank gateway and the tax-rates service. Only
retry operations that are idempotent (or carry an idempotency key) - the
decorator cannot know that for you.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from typing import Callable, Optional, Tuple, Type, TypeVar

from acme_pay_sdk import RateLimitError, ServerError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., object])

DEFAULT_RETRYABLE: Tuple[Type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    ServerError,
    RateLimitError,
)


class RetryBudgetExceeded(Exception):
    def __init__(self, attempts: int, last_error: BaseException) -> None:
        super().__init__(f"gave up after {attempts} attempts: {last_error!r}")
        self.attempts = attempts
        self.last_error = last_error


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter delay before retry number ``attempt`` (1-based)."""
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    return rng.uniform(0, ceiling)


def retry(
    *,
    attempts: int = 5,
    base_delay: float = 0.2,
    max_delay: float = 10.0,
    deadline: Optional[float] = None,
    retry_on: Tuple[Type[BaseException], ...] = DEFAULT_RETRYABLE,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: Optional[random.Random] = None,
) -> Callable[[F], F]:
    """Decorator: retry the wrapped call on ``retry_on`` exceptions.

    ``deadline`` bounds the total time spent including sleeps, so that a
    caller with its own timeout is not kept waiting past it. A
    ``RateLimitError`` with ``retry_after`` overrides the computed delay.
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")
    rand = rng or random.Random()

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            started = clock()
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except retry_on as exc:
                    if attempt == attempts:
                        raise RetryBudgetExceeded(attempt, exc) from exc
                    delay = backoff_delay(attempt, base_delay, max_delay, rand)
                    retry_after = getattr(exc, "retry_after", None)
                    if retry_after is not None:
                        delay = min(max(delay, float(retry_after)), max_delay)
                    if deadline is not None and clock() - started + delay > deadline:
                        raise RetryBudgetExceeded(attempt, exc) from exc
                    log.warning(
                        "%s failed (attempt %d/%d): %s; retrying in %.2fs",
                        func.__qualname__, attempt, attempts, exc, delay,
                    )
                    sleep(delay)
            raise AssertionError("unreachable")

        return wrapper  # type: ignore[return-value]

    return decorate
