"""Fixed-point amounts tagged with a currency code."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Iterable

# Exponent per currency; anything not listed is assumed to use cents.
_EXPONENTS = {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}


@dataclass(frozen=True)
class Amount:
  value: Decimal
  ccy: str

  def __post_init__(self):
    if isinstance(self.value, float):
      raise TypeError("use Decimal or str for amounts, not float")
    object.__setattr__(self, "value", Decimal(self.value))

  @classmethod
  def empty(cls, ccy: str) -> "Amount":
    return cls(Decimal(0), ccy)

  def _same(self, other: "Amount") -> Decimal:
    if other.ccy != self.ccy:
      raise ValueError(f"{self.ccy} vs {other.ccy}")
    return other.value

  def __add__(self, other: "Amount") -> "Amount":
    return Amount(self.value + self._same(other), self.ccy)

  def __sub__(self, other: "Amount") -> "Amount":
    return Amount(self.value - self._same(other), self.ccy)

  def __neg__(self) -> "Amount":
    return Amount(-self.value, self.ccy)

  def below_zero(self) -> bool:
    return self.value < 0

  def nil(self) -> bool:
    return self.value == 0

  def to_cents(self) -> "Amount":
    step = Decimal(1).scaleb(-_EXPONENTS.get(self.ccy, 2))
    return Amount(self.value.quantize(step, rounding=ROUND_HALF_EVEN), self.ccy)

  def __str__(self) -> str:
    return f"{self.to_cents().value} {self.ccy}"


def total_of(amounts: Iterable[Amount], ccy: str) -> Amount:
  out = Amount.empty(ccy)
  for a in amounts:
    out = out + a
  return out
