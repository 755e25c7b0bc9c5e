"""Journal entries and the general ledger.

Every entry must balance: the sum of its debits equals the sum of its
credits, in a single currency. The :class:`Ledger` refuses entries that
reference unknown or archived accounts, or that fall inside a closed period.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from .accounts import AccountKind, ChartOfAccounts
from .money import Money, total

__all__ = ["Side", "Posting", "JournalEntry", "Ledger", "UnbalancedEntry", "PeriodClosed",
           "TrialBalanceRow"]


class UnbalancedEntry(ValueError):
    pass


class PeriodClosed(ValueError):
    pass


class Side(enum.Enum):
    DEBIT = "dr"
    CREDIT = "cr"


@dataclass(frozen=True)
class Posting:
    account: str
    side: Side
    amount: Money

    def __post_init__(self) -> None:
        if self.amount.is_negative or not self.amount:
            raise ValueError(f"posting to {self.account} must be a positive amount, got {self.amount}")

    @classmethod
    def dr(cls, account: str, amount: Money) -> "Posting":
        return cls(account, Side.DEBIT, amount)

    @classmethod
    def cr(cls, account: str, amount: Money) -> "Posting":
        return cls(account, Side.CREDIT, amount)

    def signed(self) -> Money:
        """Debits positive, credits negative."""
        return self.amount if self.side is Side.DEBIT else -self.amount


@dataclass(frozen=True)
class JournalEntry:
    date: dt.date
    memo: str
    postings: tuple[Posting, ...]
    reference: str = ""
    number: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "postings", tuple(self.postings))
        if len(self.postings) < 2:
            raise UnbalancedEntry("an entry needs at least two postings")
        currencies = {p.amount.currency for p in self.postings}
        if len(currencies) != 1:
            raise UnbalancedEntry(f"mixed currencies in one entry: {sorted(currencies)}")
        debits, credits = self.totals()
        if debits != credits:
            raise UnbalancedEntry(f"debits {debits} != credits {credits} ({self.memo!r})")

    @property
    def currency(self) -> str:
        return self.postings[0].amount.currency

    def totals(self) -> tuple[Money, Money]:
        currency = self.postings[0].amount.currency
        debits = total((p.amount for p in self.postings if p.side is Side.DEBIT), currency)
        credits = total((p.amount for p in self.postings if p.side is Side.CREDIT), currency)
        return debits, credits

    def reversed(self, on: dt.date) -> "JournalEntry":
        flipped = tuple(
            Posting(p.account, Side.CREDIT if p.side is Side.DEBIT else Side.DEBIT, p.amount)
            for p in self.postings
        )
        label = f"#{self.number}" if self.number is not None else repr(self.memo)
        return JournalEntry(on, f"Reversal of {label}", flipped, reference=self.reference)


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    debit: Money
    credit: Money


@dataclass
class Ledger:
    chart: ChartOfAccounts
    currency: str = "EUR"
    entries: list[JournalEntry] = field(default_factory=list)
    closed_through: dt.date | None = None
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    def post(self, entry: JournalEntry) -> JournalEntry:
        if self.closed_through and entry.date <= self.closed_through:
            raise PeriodClosed(f"books are closed through {self.closed_through.isoformat()}")
        if entry.currency != self.currency:
            raise ValueError(f"ledger is kept in {self.currency}, entry is in {entry.currency}")
        for posting in entry.postings:
            account = self.chart.get(posting.account)
            if account.archived:
                raise ValueError(f"account {account.code} ({account.name}) is archived")
        numbered = JournalEntry(entry.date, entry.memo, entry.postings, entry.reference,
                                next(self._numbers))
        self.entries.append(numbered)
        return numbered

    def entry(self, number: int) -> JournalEntry:
        for entry in self.entries:
            if entry.number == number:
                return entry
        raise KeyError(f"no journal entry #{number}")

    def reverse(self, number: int, on: dt.date) -> JournalEntry:
        return self.post(self.entry(number).reversed(on))

    def close_period(self, through: dt.date) -> None:
        if self.closed_through and through < self.closed_through:
            raise PeriodClosed("cannot reopen a closed period")
        self.closed_through = through

    def _postings(self, as_of: dt.date | None) -> Iterable[Posting]:
        for entry in self.entries:
            if as_of is None or entry.date <= as_of:
                yield from entry.postings

    def balance(self, code: str, as_of: dt.date | None = None, *,
                include_children: bool = True) -> Money:
        """Balance in the account's normal direction (a bank account with
        more debits than credits is positive; so is a loan with more credits)."""
        account = self.chart.get(code)
        codes = {code}
        if include_children:
            codes |= {a.code for a in self.chart.descendants(code)}
        signed = total((p.signed() for p in self._postings(as_of) if p.account in codes),
                       self.currency)
        return signed if account.kind.debit_normal else -signed

    def trial_balance(self, as_of: dt.date | None = None) -> list[TrialBalanceRow]:
        sums: dict[str, Money] = defaultdict(lambda: Money.zero(self.currency))
        for posting in self._postings(as_of):
            sums[posting.account] += posting.signed()
        rows = []
        zero = Money.zero(self.currency)
        for code in sorted(sums):
            net = sums[code]
            if not net:
                continue
            name = self.chart.get(code).name
            rows.append(TrialBalanceRow(code, name, net if not net.is_negative else zero,
                                        -net if net.is_negative else zero))
        debit_total = total((r.debit for r in rows), self.currency)
        credit_total = total((r.credit for r in rows), self.currency)
        if debit_total != credit_total:  # would indicate a bug, not bad input
            raise AssertionError(f"trial balance out by {debit_total - credit_total}")
        return rows

    def net_income(self, start: dt.date, end: dt.date) -> Money:
        result = Money.zero(self.currency)
        for entry in self.entries:
            if not start <= entry.date <= end:
                continue
            for posting in entry.postings:
                kind = self.chart.get(posting.account).kind
                if kind in (AccountKind.INCOME, AccountKind.EXPENSE):
                    result -= posting.signed()
        return result
