"""Plain data objects shared by the store, the renderer and the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import List, Optional

from .core.money import Money, RoundingPolicy, sum_money


@dataclass
class Customer:
    handle: str
    display_name: str
    email: str
    currency: str = "EUR"
    vat_rate: Decimal = Decimal("0.19")
    id: Optional[int] = None


@dataclass
class Item:
    text: str
    hours: Decimal
    rate: Money

    @property
    def net(self) -> Money:
        return (self.rate * self.hours).rounded(RoundingPolicy.CUSTOMER)


@dataclass
class Bill:
    number: str
    customer: Customer
    issued: dt.date
    due: dt.date
    items: List[Item] = field(default_factory=list)
    paid_on: Optional[dt.date] = None
    id: Optional[int] = None

    @property
    def net(self) -> Money:
        return sum_money((i.net for i in self.items), self.customer.currency)

    @property
    def vat(self) -> Money:
        return (self.net * self.customer.vat_rate).rounded(RoundingPolicy.CUSTOMER)

    @property
    def gross(self) -> Money:
        return self.net + self.vat

    def is_overdue(self, today: Optional[dt.date] = None) -> bool:
        return self.paid_on is None and (today or dt.date.today()) > self.due
