"""Wait strategies for a retry loop, with the interface of tenacity's ``wait_*`` classes.

A strategy is called with the retry state (anything with an ``attempt_number``, counting from 1)
and answers how many seconds to sleep before the next attempt. Strategies add up with ``+``.
"""

from __future__ import annotations

import random
import sys
from datetime import timedelta
from typing import Protocol

#: The longest wait any strategy hands out unless told otherwise.
MAX_WAIT = sys.maxsize / 2


class _State(Protocol):
    attempt_number: int


def _seconds(amount: float | timedelta) -> float:
    if isinstance(amount, timedelta):
        return amount.total_seconds()
    return float(amount)


class wait_base:
    """Base of all strategies: subclasses answer ``delay(attempt)``."""

    def delay(self, attempt: int) -> float:
        raise NotImplementedError

    def __call__(self, retry_state: _State) -> float:
        return self.delay(retry_state.attempt_number)

    def __add__(self, other: wait_base) -> wait_combine:
        return wait_combine(self, other)

    def __radd__(self, other: object) -> wait_base:
        # sum() starts from 0: adding a strategy to 0 is the strategy itself
        if other == 0:
            return self
        return wait_combine(other, self)  # type: ignore[arg-type]


class wait_fixed(wait_base):
    """The same pause before every attempt."""

    def __init__(self, wait: float | timedelta) -> None:
        self.wait_fixed = _seconds(wait)

    def delay(self, attempt: int) -> float:
        return self.wait_fixed


class wait_none(wait_fixed):
    """No pause at all."""

    def __init__(self) -> None:
        super().__init__(0)


class wait_random(wait_base):
    """A pause drawn uniformly between ``min`` and ``max`` seconds."""

    def __init__(self, min: float | timedelta = 0, max: float | timedelta = 1) -> None:
        self.wait_random_min, self.wait_random_max = _seconds(min), _seconds(max)

    def delay(self, attempt: int) -> float:
        low, high = self.wait_random_min, self.wait_random_max
        return low + random.random() * (high - low)


class wait_combine(wait_base):
    """The sum of what every given strategy asks for."""

    def __init__(self, *strategies: wait_base) -> None:
        self.wait_funcs = strategies

    def __call__(self, retry_state: _State) -> float:
        return float(sum(strategy(retry_state) for strategy in self.wait_funcs))


class wait_chain(wait_base):
    """Strategy 1 before the first attempt's retry, strategy 2 before the next, and so on;
    once the list runs out the last one is used for ever."""

    def __init__(self, *strategies: wait_base) -> None:
        self.strategies = strategies

    def __call__(self, retry_state: _State) -> float:
        position = max(1, min(retry_state.attempt_number, len(self.strategies)))
        return self.strategies[position - 1](retry_state)


def _bounded(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


class wait_incrementing(wait_base):
    """``start``, then ``increment`` more after each attempt, never above ``max`` (nor
    below zero)."""

    def __init__(
        self,
        start: float | timedelta = 0,
        increment: float | timedelta = 100,
        max: float | timedelta = MAX_WAIT,
    ) -> None:
        self.start, self.increment, self.max = _seconds(start), _seconds(increment), _seconds(max)

    def delay(self, attempt: int) -> float:
        return _bounded(self.start + self.increment * (attempt - 1), 0, self.max)


def _growth(base: float, retries: int) -> float:
    """``base ** retries``, or infinity when that does not fit in a float."""
    try:
        return float(base**retries)
    except OverflowError:
        return float("inf")


class wait_exponential(wait_base):
    """``multiplier * exp_base ** n`` seconds, n being the number of retries so far, kept
    between ``min`` and ``max``. No jitter: see :class:`wait_random_exponential`."""

    def __init__(
        self,
        multiplier: float = 1,
        max: float | timedelta = MAX_WAIT,
        exp_base: float = 2,
        min: float | timedelta = 0,
    ) -> None:
        self.multiplier, self.exp_base = multiplier, exp_base
        self.min, self.max = _seconds(min), _seconds(max)

    def ceiling(self, attempt: int) -> float:
        raw = self.multiplier * _growth(self.exp_base, attempt - 1)
        return _bounded(raw, self.min, self.max)

    def delay(self, attempt: int) -> float:
        return self.ceiling(attempt)


class wait_random_exponential(wait_exponential):
    """"Full jitter": a pause drawn uniformly from 0 up to what :class:`wait_exponential`
    would wait."""

    def delay(self, attempt: int) -> float:
        return random.uniform(0, self.ceiling(attempt))


class wait_exponential_jitter(wait_base):
    """``min(initial * exp_base ** n + uniform(0, jitter), max)``, n being the retry count."""

    def __init__(
        self, initial: float = 1, max: float = MAX_WAIT, exp_base: float = 2, jitter: float = 1
    ) -> None:
        self.initial, self.max, self.exp_base, self.jitter = initial, max, exp_base, jitter

    def delay(self, attempt: int) -> float:
        grown = self.initial * _growth(self.exp_base, attempt - 1)
        return _bounded(grown + random.uniform(0, self.jitter), 0, self.max)
