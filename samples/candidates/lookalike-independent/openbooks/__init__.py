"""openbooks: small double-entry bookkeeping for freelancers and tiny companies."""

from .accounts import Account, AccountKind, ChartOfAccounts
from .bankimport import Match, StatementLine, match_payments, read_statement
from .invoice import Invoice, InvoiceLine, Payment, TaxRounding
from .journal import JournalEntry, Ledger, Posting, Side, UnbalancedEntry
from .money import CurrencyMismatch, Money

__version__ = "0.3.0"

__all__ = [
    "Account", "AccountKind", "ChartOfAccounts", "CurrencyMismatch", "Invoice", "InvoiceLine",
    "JournalEntry", "Ledger", "Match", "Money", "Payment", "Posting", "Side", "StatementLine",
    "TaxRounding", "UnbalancedEntry", "match_payments", "read_statement",
]
