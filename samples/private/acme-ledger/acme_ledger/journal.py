"""Journal entries and the general ledger.

A :class:`JournalEntry` is the only way money moves. Posting enforces the
double-entry invariants:

1. an entry has at least two lines;
2. every line amount is strictly positive (the side says which way it goes);
3. for each currency, total debits equal total credits;
4. every account exists, is open, is not a control account, and is
   denominated in the line's currency;
5. the effective date is after the last closed period.

Posted entries are immutable. Mistakes are corrected by posting a reversal,
never by editing history - the auditors check for this.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from .accounts import AccountType, ChartOfAccounts, Side
from .money import Money, sum_money


class PostingError(Exception):
    """The entry violates a ledger invariant and was not posted."""


class PeriodClosedError(PostingError):
    pass


@dataclass(frozen=True)
class EntryLine:
    account_code: str
    side: Side
    amount: Money
    memo: str = ""

    @classmethod
    def debit(cls, account_code: str, amount: Money, memo: str = "") -> "EntryLine":
        return cls(account_code, Side.DEBIT, amount, memo)

    @classmethod
    def credit(cls, account_code: str, amount: Money, memo: str = "") -> "EntryLine":
        return cls(account_code, Side.CREDIT, amount, memo)

    def signed_for(self, normal_side: Side) -> Money:
        """Amount with a sign relative to an account's normal balance."""
        return self.amount if self.side is normal_side else -self.amount


@dataclass(frozen=True)
class JournalEntry:
    entry_id: str
    effective_date: dt.date
    description: str
    lines: Tuple[EntryLine, ...]
    reverses: Optional[str] = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        effective_date: dt.date,
        description: str,
        lines: Iterable[EntryLine],
        *,
        entry_id: Optional[str] = None,
        reverses: Optional[str] = None,
        **metadata: str,
    ) -> "JournalEntry":
        return cls(
            entry_id=entry_id or f"je_{uuid.uuid4().hex}",
            effective_date=effective_date,
            description=description,
            lines=tuple(lines),
            reverses=reverses,
            metadata=dict(metadata),
        )

    def currencies(self) -> List[str]:
        return sorted({line.amount.currency for line in self.lines})

    def totals(self, currency: str) -> Tuple[Money, Money]:
        debits = sum_money(
            (l.amount for l in self.lines if l.side is Side.DEBIT and l.amount.currency == currency),
            currency,
        )
        credits = sum_money(
            (l.amount for l in self.lines if l.side is Side.CREDIT and l.amount.currency == currency),
            currency,
        )
        return debits, credits


@dataclass(frozen=True)
class Posting:
    """One line of a posted entry, as stored against an account."""

    sequence: int
    entry_id: str
    effective_date: dt.date
    line: EntryLine


class Ledger:
    """The general ledger for one legal entity.

    This in-memory implementation backs the unit tests and the nightly
    replay job; production wraps the same invariants around Postgres with
    a serialisable transaction per entry.
    """

    def __init__(self, chart: ChartOfAccounts) -> None:
        self.chart = chart
        self._entries: Dict[str, JournalEntry] = {}
        self._postings: Dict[str, List[Posting]] = defaultdict(list)
        self._reversed_by: Dict[str, str] = {}
        self._sequence = itertools.count(1)
        self.closed_through: Optional[dt.date] = None

    # -- posting -----------------------------------------------------------

    def validate(self, entry: JournalEntry) -> None:
        if len(entry.lines) < 2:
            raise PostingError(f"{entry.entry_id}: an entry needs at least two lines")
        if entry.entry_id in self._entries:
            raise PostingError(f"{entry.entry_id}: already posted")
        if self.closed_through is not None and entry.effective_date <= self.closed_through:
            raise PeriodClosedError(
                f"{entry.entry_id}: {entry.effective_date} falls in a closed period "
                f"(closed through {self.closed_through})"
            )

        for index, line in enumerate(entry.lines):
            if line.amount.is_negative() or line.amount.is_zero():
                raise PostingError(f"{entry.entry_id} line {index}: amount must be positive")
            if line.amount != line.amount.rounded():
                raise PostingError(
                    f"{entry.entry_id} line {index}: {line.amount!r} has sub-minor-unit precision"
                )
            try:
                self.chart.assert_postable(line.account_code, line.amount.currency)
            except Exception as exc:
                raise PostingError(f"{entry.entry_id} line {index}: {exc}") from exc

        for currency in entry.currencies():
            debits, credits = entry.totals(currency)
            if debits != credits:
                raise PostingError(
                    f"{entry.entry_id}: unbalanced in {currency} "
                    f"(debits {debits}, credits {credits})"
                )

    def post(self, entry: JournalEntry) -> JournalEntry:
        self.validate(entry)
        if entry.reverses is not None:
            if entry.reverses not in self._entries:
                raise PostingError(f"{entry.entry_id}: reverses unknown entry {entry.reverses}")
            if entry.reverses in self._reversed_by:
                raise PostingError(
                    f"{entry.entry_id}: {entry.reverses} was already reversed by "
                    f"{self._reversed_by[entry.reverses]}"
                )
            self._reversed_by[entry.reverses] = entry.entry_id

        self._entries[entry.entry_id] = entry
        for line in entry.lines:
            posting = Posting(next(self._sequence), entry.entry_id, entry.effective_date, line)
            self._postings[line.account_code].append(posting)
        return entry

    def reverse(self, entry_id: str, effective_date: dt.date, reason: str) -> JournalEntry:
        """Post a mirror image of ``entry_id`` dated ``effective_date``."""
        original = self.get(entry_id)
        mirrored = [
            EntryLine(l.account_code, l.side.opposite, l.amount, f"reversal: {l.memo}".strip())
            for l in original.lines
        ]
        reversal = JournalEntry.build(
            effective_date,
            f"Reversal of {entry_id}: {reason}",
            mirrored,
            reverses=entry_id,
            reason=reason,
        )
        return self.post(reversal)

    def close_period(self, through: dt.date) -> None:
        if self.closed_through is not None and through < self.closed_through:
            raise PostingError("periods cannot be re-opened by moving the close date backwards")
        self.closed_through = through

    # -- queries -----------------------------------------------------------

    def get(self, entry_id: str) -> JournalEntry:
        try:
            return self._entries[entry_id]
        except KeyError:
            raise PostingError(f"unknown entry {entry_id}") from None

    def balance(self, account_code: str, as_of: Optional[dt.date] = None) -> Money:
        """Balance in the account's normal direction, including sub-accounts."""
        account = self.chart.get(account_code)
        codes = [account_code] + [c.code for c in self.chart.children(account_code)]
        total = Money.zero(account.currency)
        for code in codes:
            for posting in self._postings.get(code, ()):
                if as_of is not None and posting.effective_date > as_of:
                    continue
                total = total + posting.line.signed_for(account.type.normal_side)
        return total

    def trial_balance(self, as_of: Optional[dt.date] = None) -> Dict[str, Tuple[Money, Money]]:
        """Debit and credit column per postable account, keyed by code."""
        result: Dict[str, Tuple[Money, Money]] = {}
        for account in self.chart:
            if account.is_control_account:
                continue
            bal = self.balance(account.code, as_of)
            zero = Money.zero(account.currency)
            if account.type.normal_side is Side.DEBIT:
                result[account.code] = (bal, zero) if not bal.is_negative() else (zero, -bal)
            else:
                result[account.code] = (zero, bal) if not bal.is_negative() else (-bal, zero)
        return result

    def is_balanced(self, as_of: Optional[dt.date] = None) -> bool:
        per_currency: Dict[str, List[Money]] = defaultdict(lambda: [])
        for code, (debit, credit) in self.trial_balance(as_of).items():
            per_currency[debit.currency].append(debit - credit)
        return all(sum_money(v, c).is_zero() for c, v in per_currency.items())

    def income_statement(self, start: dt.date, end: dt.date, currency: str) -> Money:
        """Net income between ``start`` and ``end`` inclusive."""
        net = Money.zero(currency)
        for account in self.chart:
            if account.currency != currency:
                continue
            if account.type not in (AccountType.REVENUE, AccountType.EXPENSE):
                continue
            for posting in self._postings.get(account.code, ()):
                if start <= posting.effective_date <= end:
                    signed = posting.line.signed_for(Side.CREDIT)
                    net = net + signed
        return net
