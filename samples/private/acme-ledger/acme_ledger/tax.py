"""Sales tax / VAT calculation by region.

Rates are loaded from the tax-rates service in production; the table below
is the fallback snapshot shipped with the package and is what the tests use.
Tax engine vendors were evaluated in 2023 (see ADR-0031) and rejected for
latency reasons, so keep this module boring and well tested.

Rounding scope differs by jurisdiction:

* ``LINE``: round tax on each invoice line, then add (US states).
* ``INVOICE``: add the unrounded tax of all lines per rate, round once
  (EU VAT directive art. 91 practice, UK HMRC guidance).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .money import Money, RoundingPolicy, sum_money


class RoundingScope(enum.Enum):
    LINE = "line"
    INVOICE = "invoice"


class TaxError(Exception):
    pass


@dataclass(frozen=True)
class TaxComponent:
    name: str
    rate: Decimal
    exempt_categories: frozenset = frozenset()


@dataclass(frozen=True)
class Jurisdiction:
    region: str
    components: Tuple[TaxComponent, ...]
    scope: RoundingScope
    reverse_charge_b2b: bool = False


@dataclass(frozen=True)
class TaxableLine:
    line_id: str
    amount: Money
    category: str = "saas"


@dataclass
class TaxBreakdown:
    region: str
    currency: str
    per_component: Dict[str, Money] = field(default_factory=dict)
    per_line: Dict[str, Money] = field(default_factory=dict)
    reverse_charged: bool = False
    notes: List[str] = field(default_factory=list)

    @property
    def total(self) -> Money:
        return sum_money(self.per_component.values(), self.currency)


def _c(name: str, rate: str, *exempt: str) -> TaxComponent:
    return TaxComponent(name, Decimal(rate), frozenset(exempt))


_RATES: Dict[str, Jurisdiction] = {
    # United States - state level only; local add-ons come from the live service.
    "US-CA": Jurisdiction("US-CA", (_c("CA sales tax", "0.0725", "saas", "training"),), RoundingScope.LINE),
    "US-NY": Jurisdiction("US-NY", (_c("NY sales tax", "0.04", "training"),), RoundingScope.LINE),
    "US-TX": Jurisdiction("US-TX", (_c("TX sales tax", "0.0625"),), RoundingScope.LINE),
    "US-WA": Jurisdiction("US-WA", (_c("WA sales tax", "0.065"),), RoundingScope.LINE),
    "US-OR": Jurisdiction("US-OR", (), RoundingScope.LINE),
    # Canada
    "CA-ON": Jurisdiction("CA-ON", (_c("HST", "0.13"),), RoundingScope.INVOICE),
    "CA-QC": Jurisdiction("CA-QC", (_c("GST", "0.05"), _c("QST", "0.09975")), RoundingScope.INVOICE),
    "CA-AB": Jurisdiction("CA-AB", (_c("GST", "0.05"),), RoundingScope.INVOICE),
    # Europe
    "GB": Jurisdiction("GB", (_c("VAT", "0.20", "training"),), RoundingScope.INVOICE),
    "DE": Jurisdiction("DE", (_c("USt", "0.19"),), RoundingScope.INVOICE, reverse_charge_b2b=True),
    "FR": Jurisdiction("FR", (_c("TVA", "0.20"),), RoundingScope.INVOICE, reverse_charge_b2b=True),
    "NL": Jurisdiction("NL", (_c("BTW", "0.21"),), RoundingScope.INVOICE, reverse_charge_b2b=True),
    "IE": Jurisdiction("IE", (_c("VAT", "0.23"),), RoundingScope.INVOICE, reverse_charge_b2b=True),
}

# Our EU establishment; supplies to customers here are never reverse charged.
SELLER_EU_COUNTRY = "IE"


def jurisdiction_for(region: str) -> Jurisdiction:
    try:
        return _RATES[region.upper()]
    except KeyError:
        raise TaxError(f"no tax configuration for region {region!r}") from None


def calculate_tax(
    lines: Sequence[TaxableLine],
    region: str,
    *,
    customer_vat_id: Optional[str] = None,
    tax_exempt: bool = False,
) -> TaxBreakdown:
    """Compute tax for ``lines`` sold to a customer in ``region``.

    ``customer_vat_id`` is assumed to have been validated against VIES
    already; we only look at whether it is present.
    """
    if not lines:
        raise TaxError("cannot calculate tax for an empty invoice")
    currency = lines[0].amount.currency
    if any(l.amount.currency != currency for l in lines):
        raise TaxError("all taxable lines must share one currency")

    jurisdiction = jurisdiction_for(region)
    breakdown = TaxBreakdown(region=jurisdiction.region, currency=currency)

    if tax_exempt:
        breakdown.notes.append("Customer holds a tax exemption certificate.")
        return breakdown

    if (
        jurisdiction.reverse_charge_b2b
        and customer_vat_id
        and jurisdiction.region != SELLER_EU_COUNTRY
    ):
        breakdown.reverse_charged = True
        breakdown.notes.append(
            "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)."
        )
        return breakdown

    for component in jurisdiction.components:
        taxable = [l for l in lines if l.category not in component.exempt_categories]
        if not taxable:
            continue
        if jurisdiction.scope is RoundingScope.LINE:
            line_taxes = [
                (l.line_id, (l.amount * component.rate).rounded(RoundingPolicy.CUSTOMER))
                for l in taxable
            ]
            total = sum_money((t for _, t in line_taxes), currency)
        else:
            raw = sum_money((l.amount * component.rate for l in taxable), currency)
            total = raw.rounded(RoundingPolicy.CUSTOMER)
            line_taxes = _spread(total, taxable)

        breakdown.per_component[component.name] = total
        for line_id, tax in line_taxes:
            previous = breakdown.per_line.get(line_id, Money.zero(currency))
            breakdown.per_line[line_id] = previous + tax

    return breakdown


def _spread(total: Money, lines: Sequence[TaxableLine]) -> List[Tuple[str, Money]]:
    """Distribute an invoice-level tax back onto lines for reporting."""
    if total.is_zero():
        return [(l.line_id, Money.zero(total.currency)) for l in lines]
    # Discount lines reduce the taxable base but are reported with zero tax
    # of their own; the reduction shows up on the lines they discount.
    weights = [max(l.amount.amount, Decimal(0)) for l in lines]
    if sum(weights) == 0:
        return [(l.line_id, share) for l, share in zip(lines, total.split(len(lines)))]
    return [(l.line_id, share) for l, share in zip(lines, total.allocate(weights))]


def effective_rate(region: str, category: str = "saas") -> Decimal:
    """Combined headline rate for a category, e.g. for quoting on a pricing page."""
    jurisdiction = jurisdiction_for(region)
    return sum(
        (c.rate for c in jurisdiction.components if category not in c.exempt_categories),
        Decimal(0),
    )
