"""Currency-aware monetary amounts.

Every amount that enters the ledger is a :class:`Money`. The rules here are
the ones Finance signed off on in FIN-212:

* Amounts are ``Decimal``; constructing Money from a ``float`` is an error.
* Rounding to the currency's minor unit happens only at well-defined points
  (invoice line totals, tax, settlement) - never implicitly on arithmetic.
* Internal allocations use banker's rounding; customer-facing totals use
  half-up because that is what our terms of service promise.
* Splitting an amount never loses or invents a cent (largest remainder).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, List, Sequence, Union

# ISO 4217 minor units for the currencies we are licensed to settle in.
# Adding a currency here is not enough: Treasury must also set up the
# nostro account and the settlement calendar.
MINOR_UNITS = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CZK": 2, "DKK": 2,
    "EUR": 2, "GBP": 2, "HKD": 2, "MXN": 2, "NOK": 2, "NZD": 2,
    "PLN": 2, "SEK": 2, "SGD": 2, "USD": 2,
    "JPY": 0, "KRW": 0, "ISK": 0,
    "BHD": 3, "KWD": 3, "JOD": 3,
}

# Cash rounding increments for currencies where the smallest coin in
# circulation is larger than the minor unit. Only used when a merchant
# explicitly enables cash rounding on point-of-sale invoices.
CASH_INCREMENTS = {
    "CHF": Decimal("0.05"),
    "CAD": Decimal("0.05"),
    "DKK": Decimal("0.50"),
    "SEK": Decimal("1"),
}

Numeric = Union[int, str, Decimal]


class MoneyError(ValueError):
    """Raised for invalid monetary values or operations."""


class CurrencyMismatchError(MoneyError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} and {right} amounts")
        self.left = left
        self.right = right


class RoundingPolicy(enum.Enum):
    """How to round to the currency's minor unit."""

    BANKERS = ROUND_HALF_EVEN
    CUSTOMER = ROUND_HALF_UP
    TRUNCATE = ROUND_DOWN


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise MoneyError(f"unsupported currency {currency!r}") from None


def _to_decimal(value: Numeric) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"refusing to build Money from {type(value).__name__} {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(value)
        except (InvalidOperation, TypeError):
            raise MoneyError(f"not a valid amount: {value!r}") from None
    if not result.is_finite():
        raise MoneyError(f"amount must be finite, got {value!r}")
    return result


@dataclass(frozen=True, order=False)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _to_decimal(self.amount))
        code = self.currency.upper() if isinstance(self.currency, str) else self.currency
        minor_units(code)
        object.__setattr__(self, "currency", code)

    # -- construction ------------------------------------------------------

    @classmethod
    def of(cls, amount: Numeric, currency: str) -> "Money":
        return cls(_to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        """Build from an integer count of minor units (cents, pence, yen)."""
        if not isinstance(minor, int) or isinstance(minor, bool):
            raise MoneyError(f"minor units must be an int, got {minor!r}")
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    # -- conversion --------------------------------------------------------

    def to_minor(self, policy: RoundingPolicy = RoundingPolicy.BANKERS) -> int:
        return int(self.rounded(policy).amount.scaleb(minor_units(self.currency)))

    def rounded(self, policy: RoundingPolicy = RoundingPolicy.BANKERS) -> "Money":
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=policy.value), self.currency)

    def cash_rounded(self) -> "Money":
        """Round to the smallest coin, for point-of-sale invoices only."""
        increment = CASH_INCREMENTS.get(self.currency)
        if increment is None:
            return self.rounded(RoundingPolicy.CUSTOMER)
        units = (self.amount / increment).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return Money(units * increment, self.currency).rounded(RoundingPolicy.CUSTOMER)

    # -- arithmetic --------------------------------------------------------

    def _check(self, other: object) -> "Money":
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(self.currency, other.currency)
        return other

    def __add__(self, other: "Money") -> "Money":
        return Money(self.amount + self._check(other).amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.amount - self._check(other).amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __abs__(self) -> "Money":
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Numeric) -> "Money":
        if isinstance(factor, Money):
            raise TypeError("cannot multiply Money by Money")
        return Money(self.amount * _to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, divisor: Numeric) -> "Money":
        d = _to_decimal(divisor)
        if d == 0:
            raise ZeroDivisionError("division of Money by zero")
        return Money(self.amount / d, self.currency)

    # -- comparison --------------------------------------------------------

    def __lt__(self, other: "Money") -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: "Money") -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: "Money") -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: "Money") -> bool:
        return self.amount >= self._check(other).amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    # -- allocation --------------------------------------------------------

    def allocate(self, ratios: Sequence[Numeric]) -> List["Money"]:
        """Split into parts proportional to ``ratios`` without losing cents.

        Each share is truncated to the minor unit, then the leftover minor
        units are handed out one at a time to the shares with the largest
        truncated remainder (ties go to the earlier share).
        """
        weights = [_to_decimal(r) for r in ratios]
        if not weights:
            raise MoneyError("allocate() needs at least one ratio")
        if any(w < 0 for w in weights):
            raise MoneyError("allocation ratios must be non-negative")
        total_weight = sum(weights, Decimal(0))
        if total_weight == 0:
            raise MoneyError("allocation ratios sum to zero")

        total_minor = self.to_minor()
        sign = -1 if total_minor < 0 else 1
        remaining = abs(total_minor)
        exact = [Decimal(abs(total_minor)) * w / total_weight for w in weights]
        shares = [int(x) for x in exact]
        remaining -= sum(shares)

        order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - shares[i]), i))
        for i in order[:remaining]:
            shares[i] += 1

        return [Money.from_minor(sign * s, self.currency) for s in shares]

    def split(self, parts: int) -> List["Money"]:
        if parts < 1:
            raise MoneyError("split() needs at least one part")
        return self.allocate([1] * parts)

    def __str__(self) -> str:
        return f"{self.rounded().amount:,} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"


def sum_money(amounts: Iterable[Money], currency: str) -> Money:
    """Sum ``amounts``; returns zero in ``currency`` for an empty iterable."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total
