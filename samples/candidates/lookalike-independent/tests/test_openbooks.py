import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openbooks import (  # noqa: E402
    ChartOfAccounts, CurrencyMismatch, Invoice, JournalEntry, Ledger, Money, Payment, Posting,
    TaxRounding, UnbalancedEntry, match_payments, read_statement,
)
from openbooks.bankimport import parse_amount  # noqa: E402
from openbooks.journal import PeriodClosed  # noqa: E402


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def test_money_rounds_to_minor_units():
    assert eur("1.005").amount == Decimal("1.00")  # half-even
    assert Money(Decimal("1234.5"), "JPY").amount == Decimal("1234")


def test_money_rejects_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(0.1, "EUR")
    with pytest.raises(CurrencyMismatch):
        eur("1") + Money(Decimal("1"), "USD")


def test_allocate_never_loses_cents():
    parts = eur("100.00").allocate([1, 1, 1])
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(p.amount for p in parts) == Decimal("100.00")


def test_unbalanced_entry_is_rejected():
    with pytest.raises(UnbalancedEntry):
        JournalEntry(dt.date(2024, 1, 1), "typo",
                     (Posting.dr("6000", eur("10")), Posting.cr("1000", eur("9.99"))))


def test_ledger_balances_and_trial_balance():
    ledger = Ledger(ChartOfAccounts.small_business())
    ledger.post(JournalEntry(dt.date(2024, 1, 2), "Capital",
                             (Posting.dr("1000", eur("5000")), Posting.cr("3000", eur("5000")))))
    ledger.post(JournalEntry(dt.date(2024, 1, 5), "Laptop stand",
                             (Posting.dr("6000", eur("49.90")), Posting.cr("1000", eur("49.90")))))
    assert ledger.balance("1000") == eur("4950.10")
    assert ledger.balance("3000") == eur("5000")
    rows = ledger.trial_balance()
    assert sum(r.debit.amount for r in rows) == sum(r.credit.amount for r in rows)
    assert ledger.net_income(dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == eur("-49.90")


def test_closed_period_blocks_posting():
    ledger = Ledger(ChartOfAccounts.small_business())
    ledger.close_period(dt.date(2023, 12, 31))
    with pytest.raises(PeriodClosed):
        ledger.post(JournalEntry(dt.date(2023, 12, 31), "late",
                                 (Posting.dr("6000", eur("1")), Posting.cr("1000", eur("1")))))


def test_reversal_zeroes_accounts():
    ledger = Ledger(ChartOfAccounts.small_business())
    first = ledger.post(JournalEntry(dt.date(2024, 2, 1), "Oops",
                                     (Posting.dr("6100", eur("12")), Posting.cr("1000", eur("12")))))
    ledger.reverse(first.number, dt.date(2024, 2, 2))
    assert not ledger.balance("6100")


def make_invoice(rounding=TaxRounding.PER_LINE) -> Invoice:
    invoice = Invoice("INV-2024-007", "Acme GmbH", dt.date(2024, 3, 1), tax_rounding=rounding)
    for item in ("Sticker A", "Sticker B", "Sticker C"):
        invoice.add_line(item, "1", eur("0.25"), tax_rate="19")
    invoice.add_line("E-book", "1", eur("9.99"), tax_rate="7")
    return invoice


def test_invoice_tax_rounding_modes_can_differ():
    per_line = make_invoice(TaxRounding.PER_LINE)
    per_rate = make_invoice(TaxRounding.PER_RATE)
    assert per_line.subtotal == per_rate.subtotal == eur("10.74")
    # 3 x round(0.0475) = 0.15, but round(0.75 * 19%) = round(0.1425) = 0.14
    assert per_line.tax_by_rate()[Decimal("19")] == eur("0.15")
    assert per_rate.tax_by_rate()[Decimal("19")] == eur("0.14")
    assert per_line.total == eur("11.59")
    assert per_rate.total == eur("11.58")


def test_invoice_entry_and_payment_post_cleanly():
    ledger = Ledger(ChartOfAccounts.small_business())
    invoice = make_invoice()
    ledger.post(invoice.to_entry())
    ledger.post(invoice.record_payment(Payment(dt.date(2024, 3, 20), invoice.total)))
    assert not ledger.balance("1100")
    assert ledger.balance("2200") == invoice.tax
    assert not invoice.is_overdue(dt.date(2024, 6, 1))


@pytest.mark.parametrize("raw, expected", [
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("(12.00)", "-12.00"),
    ("-3,5", "-3.5"), ("€ 99", "99"), ("15.00-", "-15.00"),
])
def test_parse_amount(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


def test_read_statement_and_match():
    csv_text = (
        "Buchungstag;Betrag;Verwendungszweck;Name\n"
        "18.03.2024;11,59;Rechnung INV-2024-007;ACME GMBH\n"
        "19.03.2024;-4,99;Kontofuehrung;Bank\n"
    )
    lines = read_statement(csv_text, "EUR")
    assert [line.amount for line in lines] == [eur("11.59"), eur("-4.99")]
    matches = match_payments(lines, [make_invoice()])
    assert len(matches) == 1 and matches[0].confidence == 1.0
