"""Acme Pay double-entry ledger and billing engine."""

from .accounts import Account, AccountType, ChartOfAccounts, Side, default_chart
from .journal import EntryLine, JournalEntry, Ledger, PostingError
from .money import CurrencyMismatchError, Money, MoneyError, RoundingPolicy, sum_money

__version__ = "3.18.0"

__all__ = [
    "Account",
    "AccountType",
    "ChartOfAccounts",
    "CurrencyMismatchError",
    "EntryLine",
    "JournalEntry",
    "Ledger",
    "Money",
    "MoneyError",
    "PostingError",
    "RoundingPolicy",
    "Side",
    "default_chart",
    "sum_money",
]
