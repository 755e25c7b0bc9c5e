"""Sales invoices with per-rate tax and payment tracking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .journal import JournalEntry, Posting
from .money import Money, total

__all__ = ["Invoice", "InvoiceLine", "Payment", "TaxRounding"]

HUNDRED = Decimal(100)


class TaxRounding:
    """Where tax is rounded. Some jurisdictions require rounding per line,
    others per rate on the invoice total; the results can differ by a cent."""

    PER_LINE = "per_line"
    PER_RATE = "per_rate"


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Money
    tax_rate: Decimal = Decimal("0")  # percent, e.g. Decimal("21")
    discount: Decimal = Decimal("0")  # percent off the line

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantity", Decimal(self.quantity))
        object.__setattr__(self, "tax_rate", Decimal(self.tax_rate))
        object.__setattr__(self, "discount", Decimal(self.discount))
        if self.quantity <= 0:
            raise ValueError(f"quantity must be positive on {self.description!r}")
        if not Decimal(0) <= self.tax_rate <= HUNDRED:
            raise ValueError(f"tax rate out of range on {self.description!r}")
        if not Decimal(0) <= self.discount <= HUNDRED:
            raise ValueError(f"discount out of range on {self.description!r}")

    @property
    def net(self) -> Money:
        gross = self.unit_price.amount * self.quantity
        return Money(gross * (HUNDRED - self.discount) / HUNDRED, self.unit_price.currency)

    @property
    def tax(self) -> Money:
        return Money(self.net.amount * self.tax_rate / HUNDRED, self.unit_price.currency)


@dataclass(frozen=True)
class Payment:
    date: dt.date
    amount: Money
    reference: str = ""


@dataclass
class Invoice:
    number: str
    customer: str
    issued: dt.date
    currency: str = "EUR"
    payment_terms_days: int = 30
    lines: list[InvoiceLine] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    tax_rounding: str = TaxRounding.PER_LINE

    def add_line(self, description: str, quantity: Decimal | int | str, unit_price: Money,
                 tax_rate: Decimal | str = "0", discount: Decimal | str = "0") -> InvoiceLine:
        if unit_price.currency != self.currency:
            raise ValueError(f"invoice {self.number} is in {self.currency}, line is in {unit_price.currency}")
        line = InvoiceLine(description, Decimal(quantity), unit_price, Decimal(tax_rate), Decimal(discount))
        self.lines.append(line)
        return line

    @property
    def due(self) -> dt.date:
        return self.issued + dt.timedelta(days=self.payment_terms_days)

    @property
    def subtotal(self) -> Money:
        return total((line.net for line in self.lines), self.currency)

    def tax_by_rate(self) -> dict[Decimal, Money]:
        """Tax per rate, as printed in the VAT summary of the invoice."""
        rates = sorted({line.tax_rate for line in self.lines})
        summary: dict[Decimal, Money] = {}
        for rate in rates:
            lines = [line for line in self.lines if line.tax_rate == rate]
            if self.tax_rounding == TaxRounding.PER_LINE:
                summary[rate] = total((line.tax for line in lines), self.currency)
            else:
                base = total((line.net for line in lines), self.currency)
                summary[rate] = Money(base.amount * rate / HUNDRED, self.currency)
        return summary

    @property
    def tax(self) -> Money:
        return total(self.tax_by_rate().values(), self.currency)

    @property
    def total(self) -> Money:
        return self.subtotal + self.tax

    @property
    def paid(self) -> Money:
        return total((p.amount for p in self.payments), self.currency)

    @property
    def outstanding(self) -> Money:
        return self.total - self.paid

    def is_overdue(self, today: dt.date) -> bool:
        return today > self.due and self.outstanding.amount > 0

    def to_entry(self, receivable: str = "1100", revenue: str = "4000",
                 tax_payable: str = "2200") -> JournalEntry:
        """The entry that books this invoice: Dr receivables, Cr sales and VAT."""
        if not self.lines:
            raise ValueError(f"invoice {self.number} has no lines")
        postings = [Posting.dr(receivable, self.total), Posting.cr(revenue, self.subtotal)]
        if self.tax:
            postings.append(Posting.cr(tax_payable, self.tax))
        return JournalEntry(self.issued, f"Invoice {self.number} to {self.customer}",
                            tuple(postings), reference=self.number)

    def record_payment(self, payment: Payment, bank: str = "1000",
                       receivable: str = "1100") -> JournalEntry:
        if payment.amount.currency != self.currency:
            raise ValueError("payment currency does not match invoice")
        if payment.amount > self.outstanding:
            raise ValueError(
                f"payment {payment.amount} exceeds outstanding {self.outstanding} on {self.number}"
            )
        self.payments.append(payment)
        return JournalEntry(payment.date, f"Payment for invoice {self.number}",
                            (Posting.dr(bank, payment.amount), Posting.cr(receivable, payment.amount)),
                            reference=payment.reference or self.number)
