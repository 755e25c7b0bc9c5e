from decimal import Decimal

import pytest

from acme_ledger.money import (
    CurrencyMismatchError,
    Money,
    MoneyError,
    RoundingPolicy,
    sum_money,
)


def usd(value: str) -> Money:
    return Money.of(value, "USD")


class TestConstruction:
    def test_rejects_float(self):
        with pytest.raises(MoneyError):
            Money.of(0.1, "USD")

    def test_rejects_unknown_currency(self):
        with pytest.raises(MoneyError):
            Money.of("1", "XTS")

    def test_normalises_currency_code(self):
        assert Money.of("1", "eur").currency == "EUR"

    def test_from_minor_respects_exponent(self):
        assert Money.from_minor(1999, "USD") == usd("19.99")
        assert Money.from_minor(1999, "JPY") == Money.of("1999", "JPY")
        assert Money.from_minor(1999, "KWD") == Money.of("1.999", "KWD")

    def test_rejects_nan(self):
        with pytest.raises(MoneyError):
            Money.of("NaN", "USD")


class TestRounding:
    def test_bankers_rounding_is_default(self):
        assert usd("0.125").rounded() == usd("0.12")
        assert usd("0.135").rounded() == usd("0.14")

    def test_customer_rounding_is_half_up(self):
        assert usd("0.125").rounded(RoundingPolicy.CUSTOMER) == usd("0.13")

    def test_to_minor(self):
        assert usd("10.005").to_minor(RoundingPolicy.CUSTOMER) == 1001
        assert Money.of("150.4", "JPY").to_minor() == 150

    @pytest.mark.parametrize(
        "amount, expected",
        [("1.02", "1.00"), ("1.03", "1.05"), ("1.075", "1.10"), ("-1.03", "-1.05")],
    )
    def test_chf_cash_rounding(self, amount, expected):
        assert Money.of(amount, "CHF").cash_rounded() == Money.of(expected, "CHF")


class TestArithmetic:
    def test_add_and_subtract(self):
        assert usd("1.10") + usd("2.20") == usd("3.30")
        assert usd("1.10") - usd("2.20") == usd("-1.10")

    def test_currency_mismatch(self):
        with pytest.raises(CurrencyMismatchError):
            usd("1") + Money.of("1", "EUR")

    def test_multiply_by_decimal(self):
        assert usd("10") * Decimal("0.0725") == usd("0.725")
        assert 3 * usd("1.5") == usd("4.5")

    def test_no_money_times_money(self):
        with pytest.raises(TypeError):
            usd("1") * usd("2")

    def test_sum_money_empty(self):
        assert sum_money([], "GBP") == Money.zero("GBP")


class TestAllocation:
    def test_split_hands_out_leftover_cents_first(self):
        parts = usd("100").split(3)
        assert parts == [usd("33.34"), usd("33.33"), usd("33.33")]
        assert sum_money(parts, "USD") == usd("100")

    def test_allocate_by_ratio(self):
        parts = usd("0.05").allocate([3, 7])
        # 1.5c and 3.5c: equal remainders, so the tie goes to the first share.
        assert parts == [usd("0.02"), usd("0.03")]

    def test_allocate_negative_amount(self):
        parts = usd("-10").split(3)
        assert sum_money(parts, "USD") == usd("-10")
        assert all(p.is_negative() for p in parts)

    def test_allocate_rejects_zero_weights(self):
        with pytest.raises(MoneyError):
            usd("1").allocate([0, 0])
