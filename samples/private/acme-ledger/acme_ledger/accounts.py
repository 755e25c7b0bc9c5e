"""Chart of accounts.

Account codes follow the scheme agreed with the external auditors:
``NNNN`` for a top-level account and ``NNNN.NN`` for a sub-account, where the
first digit gives the account class (1 assets, 2 liabilities, 3 equity,
4 revenue, 5-7 expenses). Sub-accounts must share the class and currency of
their parent.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional

from .money import minor_units

_CODE_RE = re.compile(r"^(?P<root>[1-7]\d{3})(?:\.(?P<sub>\d{2}))?$")


class Side(enum.Enum):
    DEBIT = "debit"
    CREDIT = "credit"

    @property
    def opposite(self) -> "Side":
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT


class AccountType(enum.Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"

    @property
    def normal_side(self) -> Side:
        """The side on which a positive balance is recorded."""
        if self in (AccountType.ASSET, AccountType.EXPENSE):
            return Side.DEBIT
        return Side.CREDIT

    @classmethod
    def for_code(cls, code: str) -> "AccountType":
        first = code[0]
        if first == "1":
            return cls.ASSET
        if first == "2":
            return cls.LIABILITY
        if first == "3":
            return cls.EQUITY
        if first == "4":
            return cls.REVENUE
        return cls.EXPENSE


class AccountError(Exception):
    pass


class UnknownAccountError(AccountError, KeyError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no account with code {code!r}")
        self.code = code


@dataclass
class Account:
    code: str
    name: str
    currency: str
    type: AccountType
    parent_code: Optional[str] = None
    closed: bool = False
    tags: Dict[str, str] = field(default_factory=dict)

    @property
    def is_control_account(self) -> bool:
        """Control accounts only receive postings through their sub-accounts."""
        return self.tags.get("control") == "true"


class ChartOfAccounts:
    """In-memory registry of accounts, loaded at startup from the config DB."""

    def __init__(self) -> None:
        self._accounts: Dict[str, Account] = {}

    def __contains__(self, code: str) -> bool:
        return code in self._accounts

    def __iter__(self) -> Iterator[Account]:
        return iter(sorted(self._accounts.values(), key=lambda a: a.code))

    def __len__(self) -> int:
        return len(self._accounts)

    def open(
        self,
        code: str,
        name: str,
        currency: str,
        *,
        control: bool = False,
        **tags: str,
    ) -> Account:
        match = _CODE_RE.match(code)
        if not match:
            raise AccountError(f"malformed account code {code!r}")
        if code in self._accounts:
            raise AccountError(f"account {code} already exists")
        minor_units(currency)  # validates the currency

        parent_code = match.group("root") if match.group("sub") else None
        account_type = AccountType.for_code(code)
        if parent_code is not None:
            parent = self.get(parent_code)
            if parent.currency != currency:
                raise AccountError(
                    f"sub-account {code} is {currency} but parent {parent_code} is {parent.currency}"
                )
            if parent.closed:
                raise AccountError(f"cannot open {code} under closed account {parent_code}")

        if control:
            tags["control"] = "true"
        account = Account(code, name, currency, account_type, parent_code, tags=dict(tags))
        self._accounts[code] = account
        return account

    def get(self, code: str) -> Account:
        try:
            return self._accounts[code]
        except KeyError:
            raise UnknownAccountError(code) from None

    def children(self, code: str) -> List[Account]:
        return [a for a in self if a.parent_code == code]

    def close(self, code: str) -> None:
        """Close an account. Open sub-accounts must be closed first."""
        account = self.get(code)
        still_open = [c.code for c in self.children(code) if not c.closed]
        if still_open:
            raise AccountError(f"cannot close {code}; open sub-accounts: {', '.join(still_open)}")
        account.closed = True

    def assert_postable(self, code: str, currency: str) -> Account:
        account = self.get(code)
        if account.closed:
            raise AccountError(f"account {code} is closed")
        if account.is_control_account:
            raise AccountError(f"account {code} is a control account; post to a sub-account")
        if account.currency != currency:
            raise AccountError(f"account {code} is {account.currency}, posting is {currency}")
        return account


def default_chart(currency: str = "USD") -> ChartOfAccounts:
    """The minimal chart every new merchant ledger starts with."""
    chart = ChartOfAccounts()
    chart.open("1000", "Cash at bank", currency)
    chart.open("1100", "Accounts receivable", currency, control=True)
    chart.open("1100.01", "Accounts receivable - cards", currency)
    chart.open("1100.02", "Accounts receivable - invoices", currency)
    chart.open("1200", "Funds in transit", currency)
    chart.open("2100", "Merchant payables", currency)
    chart.open("2200", "Sales tax payable", currency)
    chart.open("2300", "Deferred revenue", currency)
    chart.open("3000", "Retained earnings", currency)
    chart.open("4000", "Subscription revenue", currency)
    chart.open("4100", "Processing fee revenue", currency)
    chart.open("5000", "Interchange and scheme fees", currency)
    chart.open("5100", "Refunds and chargebacks", currency)
    return chart
