"""Currency-aware decimal amounts.

``Money`` never uses binary floating point. Amounts are ``Decimal`` values
quantized to the currency's minor unit (two places for EUR, zero for JPY,
three for KWD) using banker's rounding unless the caller asks otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Iterable, Sequence

__all__ = ["CurrencyMismatch", "Money", "minor_units", "total"]

# ISO 4217 exponents for currencies that differ from the usual two places.
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0,
              "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3, "JOD": 3}


class CurrencyMismatch(ValueError):
    """Raised when combining amounts in different currencies."""


def minor_units(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


@dataclass(frozen=True, order=False)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"currency must be a 3-letter ISO code, got {self.currency!r}")
        if isinstance(self.amount, float):
            # Floats carry binary noise (0.1 -> 0.1000000000000000055...).
            raise TypeError("use a str or Decimal amount, not float")
        try:
            value = Decimal(self.amount)
        except (InvalidOperation, TypeError):
            raise ValueError(f"invalid amount {self.amount!r}") from None
        if not value.is_finite():
            raise ValueError("amount must be finite")
        object.__setattr__(self, "amount", value.quantize(_quantum(self.currency), ROUND_HALF_EVEN))

    # -- construction ------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(Decimal(0), currency)

    @classmethod
    def parse(cls, text: str, default_currency: str | None = None) -> "Money":
        """Parse ``"EUR 1,234.50"``, ``"1234.50 EUR"`` or ``"12.00"`` (with a default)."""
        parts = text.replace(",", "").split()
        currency = default_currency
        number = None
        for part in parts:
            if part.isalpha():
                currency = part.upper()
            else:
                number = part
        if number is None or currency is None:
            raise ValueError(f"cannot parse money from {text!r}")
        return cls(Decimal(number), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> "Money":
        return cls(Decimal(units).scaleb(-minor_units(currency)), currency)

    # -- arithmetic --------------------------------------------------------
    def _check(self, other: "Money") -> None:
        if not isinstance(other, Money):
            raise TypeError(f"expected Money, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __abs__(self) -> "Money":
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> "Money":
        if isinstance(factor, (float, Money)):
            raise TypeError("multiply Money by an int or Decimal")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: "Money") -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: "Money") -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def to_minor(self) -> int:
        return int(self.amount.scaleb(minor_units(self.currency)))

    def allocate(self, ratios: Sequence[int | Decimal]) -> list["Money"]:
        """Split into parts proportional to ``ratios`` without losing a cent.

        Leftover minor units go to the parts with the largest fractional
        remainders, so ``Money("100.00", "EUR").allocate([1, 1, 1])`` gives
        33.34 + 33.33 + 33.33.
        """
        if not ratios or any(Decimal(r) < 0 for r in ratios):
            raise ValueError("ratios must be non-empty and non-negative")
        total_ratio = sum(Decimal(r) for r in ratios)
        if total_ratio == 0:
            raise ValueError("ratios must not all be zero")
        units = self.to_minor()
        exact = [Decimal(units) * Decimal(r) / total_ratio for r in ratios]
        floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
        remainder = units - sum(floors)
        order = sorted(range(len(exact)), key=lambda i: exact[i] - floors[i], reverse=True)
        for i in order[:remainder]:
            floors[i] += 1
        return [Money.from_minor(u, self.currency) for u in floors]

    def __str__(self) -> str:
        return f"{self.amount:,} {self.currency}"


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum ``amounts``; an empty iterable yields zero in ``currency``."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
