"""Invoice generation for subscription billing.

An invoice covers one billing period ``[period_start, period_end)``. Plan
changes in the middle of a period are prorated by calendar day: the customer
is credited for the unused part of the old plan and charged for the rest of
the period on the new plan. We prorate on days rather than seconds because
that is what the invoice PDF can explain to a human.

The resulting :class:`Invoice` knows how to book itself into the ledger
(accounts receivable against revenue and tax payable).
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import List, Optional, Sequence

from .journal import EntryLine, JournalEntry
from .money import Money, MoneyError, RoundingPolicy, sum_money
from .tax import TaxableLine, TaxBreakdown, calculate_tax

AR_INVOICES = "1100.02"
SUBSCRIPTION_REVENUE = "4000"
SALES_TAX_PAYABLE = "2200"


class InvoiceError(Exception):
    pass


class InvoiceStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


@dataclass(frozen=True)
class PlanPeriod:
    """A plan that was active for part (or all) of a billing period."""

    plan_code: str
    unit_price: Money
    quantity: int
    active_from: dt.date
    active_until: Optional[dt.date] = None  # exclusive; None = until period end


@dataclass(frozen=True)
class InvoiceLine:
    line_id: str
    description: str
    amount: Money
    category: str = "saas"
    period_start: Optional[dt.date] = None
    period_end: Optional[dt.date] = None


@dataclass
class Invoice:
    number: str
    customer_id: str
    currency: str
    issued_on: dt.date
    due_on: dt.date
    lines: List[InvoiceLine] = field(default_factory=list)
    tax: Optional[TaxBreakdown] = None
    status: InvoiceStatus = InvoiceStatus.DRAFT

    @property
    def subtotal(self) -> Money:
        return sum_money((l.amount for l in self.lines), self.currency)

    @property
    def tax_total(self) -> Money:
        return self.tax.total if self.tax else Money.zero(self.currency)

    @property
    def total(self) -> Money:
        return (self.subtotal + self.tax_total).rounded(RoundingPolicy.CUSTOMER)

    def finalize(self) -> None:
        if self.status is not InvoiceStatus.DRAFT:
            raise InvoiceError(f"{self.number} is {self.status.value}, only drafts can be finalized")
        if self.total.is_negative():
            raise InvoiceError(f"{self.number} has a negative total; issue a credit note instead")
        self.status = InvoiceStatus.OPEN

    def to_journal_entry(self) -> JournalEntry:
        """Book the invoice: debit receivables, credit revenue and tax payable."""
        if self.status is InvoiceStatus.DRAFT:
            raise InvoiceError("draft invoices are not booked")
        revenue = self.subtotal.rounded(RoundingPolicy.CUSTOMER)
        lines = [EntryLine.debit(AR_INVOICES, self.total, f"invoice {self.number}")]
        if not revenue.is_zero():
            lines.append(EntryLine.credit(SUBSCRIPTION_REVENUE, revenue, f"invoice {self.number}"))
        if not self.tax_total.is_zero():
            lines.append(EntryLine.credit(SALES_TAX_PAYABLE, self.tax_total, f"tax on {self.number}"))
        return JournalEntry.build(
            self.issued_on,
            f"Invoice {self.number} for {self.customer_id}",
            lines,
            invoice_number=self.number,
            customer_id=self.customer_id,
        )


def prorate(
    full_amount: Money,
    period_start: dt.date,
    period_end: dt.date,
    active_from: dt.date,
    active_until: Optional[dt.date] = None,
) -> Money:
    """Share of ``full_amount`` for the days in ``[active_from, active_until)``.

    Both ranges are half-open. The result is *not* rounded; rounding happens
    once per invoice line so that a credit and a charge on the same day
    cancel exactly.
    """
    if period_end <= period_start:
        raise InvoiceError("billing period must be at least one day long")
    active_until = active_until or period_end
    start = max(period_start, active_from)
    end = min(period_end, active_until)
    if end <= start:
        return Money.zero(full_amount.currency)
    period_days = (period_end - period_start).days
    active_days = (end - start).days
    return full_amount * (Decimal(active_days) / Decimal(period_days))


class InvoiceNumberSequence:
    """Gap-free, per-year invoice numbers: ``INV-2024-000042``.

    Several tax authorities (FR, IT, PT) require gap-free numbering, which is
    why this is a locked counter and not a UUID.
    """

    def __init__(self, prefix: str = "INV", start_at: int = 1) -> None:
        self._prefix = prefix
        self._counters: dict = {}
        self._start_at = start_at
        self._lock = threading.Lock()

    def next(self, year: int) -> str:
        with self._lock:
            value = self._counters.get(year, self._start_at)
            self._counters[year] = value + 1
        return f"{self._prefix}-{year}-{value:06d}"


class InvoiceBuilder:
    def __init__(
        self,
        numbers: InvoiceNumberSequence,
        *,
        payment_terms_days: int = 30,
    ) -> None:
        self._numbers = numbers
        self._terms = dt.timedelta(days=payment_terms_days)

    def build(
        self,
        customer_id: str,
        region: str,
        period_start: dt.date,
        period_end: dt.date,
        plans: Sequence[PlanPeriod],
        *,
        issued_on: Optional[dt.date] = None,
        discount_percent: Decimal = Decimal(0),
        customer_vat_id: Optional[str] = None,
        tax_exempt: bool = False,
    ) -> Invoice:
        if not plans:
            raise InvoiceError(f"customer {customer_id} has no plans in the period")
        currency = plans[0].unit_price.currency
        if any(p.unit_price.currency != currency for p in plans):
            raise MoneyError("all plans on one invoice must share a currency")
        if not Decimal(0) <= discount_percent <= Decimal(100):
            raise InvoiceError(f"discount {discount_percent}% is out of range")

        issued_on = issued_on or period_start
        invoice = Invoice(
            number=self._numbers.next(issued_on.year),
            customer_id=customer_id,
            currency=currency,
            issued_on=issued_on,
            due_on=issued_on + self._terms,
        )

        counter = itertools.count(1)
        for plan in sorted(plans, key=lambda p: p.active_from):
            full = plan.unit_price * plan.quantity
            share = prorate(full, period_start, period_end, plan.active_from, plan.active_until)
            if share.is_zero():
                continue
            partial = plan.active_from > period_start or (
                plan.active_until is not None and plan.active_until < period_end
            )
            label = f"{plan.plan_code} x{plan.quantity}"
            if partial:
                until = plan.active_until or period_end
                label += f" (prorated {max(plan.active_from, period_start)} - {until - dt.timedelta(days=1)})"
            invoice.lines.append(
                InvoiceLine(
                    line_id=f"{invoice.number}-{next(counter)}",
                    description=label,
                    amount=share.rounded(RoundingPolicy.CUSTOMER),
                    period_start=max(plan.active_from, period_start),
                    period_end=min(plan.active_until or period_end, period_end),
                )
            )

        if discount_percent:
            discount = (invoice.subtotal * discount_percent / 100).rounded(RoundingPolicy.CUSTOMER)
            invoice.lines.append(
                InvoiceLine(
                    line_id=f"{invoice.number}-{next(counter)}",
                    description=f"Discount {format(discount_percent.normalize(), 'f')}%",
                    amount=-discount,
                    category="discount",
                )
            )

        taxable = [TaxableLine(l.line_id, l.amount, l.category) for l in invoice.lines]
        invoice.tax = calculate_tax(
            taxable, region, customer_vat_id=customer_vat_id, tax_exempt=tax_exempt
        )
        return invoice
