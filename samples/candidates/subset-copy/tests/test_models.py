import datetime as dt
from decimal import Decimal

from invoicer_lite.core.money import Money
from invoicer_lite.models import Bill, Customer, Item


def test_bill_totals_round_per_item():
    c = Customer("acme", "Acme Studio", "ap@acme.example", "EUR", Decimal("0.19"))
    bill = Bill("2024-0001", c, dt.date(2024, 5, 2), dt.date(2024, 5, 16), [
        Item("Workshop", Decimal("2.5"), Money.of("95", "EUR")),
        Item("Follow-up call", Decimal("0.75"), Money.of("95", "EUR")),
    ])
    assert bill.net == Money.of("308.75", "EUR")
    assert bill.vat == Money.of("58.66", "EUR")
    assert bill.gross == Money.of("367.41", "EUR")


def test_overdue():
    c = Customer("x", "X", "x@example.org")
    bill = Bill("2024-0002", c, dt.date(2024, 1, 1), dt.date(2024, 1, 15))
    assert bill.is_overdue(dt.date(2024, 1, 16))
    assert not bill.is_overdue(dt.date(2024, 1, 15))
