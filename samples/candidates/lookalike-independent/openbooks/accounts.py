"""Chart of accounts."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Iterator

__all__ = ["Account", "AccountKind", "ChartOfAccounts", "UnknownAccount"]

_CODE_RE = re.compile(r"^\d{3,6}(?:\.\d{1,4})?$")


class AccountKind(enum.Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        """Assets and expenses grow with debits; the others grow with credits."""
        return self in (AccountKind.ASSET, AccountKind.EXPENSE)

    @property
    def on_balance_sheet(self) -> bool:
        return self in (AccountKind.ASSET, AccountKind.LIABILITY, AccountKind.EQUITY)


class UnknownAccount(KeyError):
    def __str__(self) -> str:
        return f"no account with code {self.args[0]!r}"


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    kind: AccountKind
    currency: str = "EUR"
    parent: str | None = None
    archived: bool = False

    def __post_init__(self) -> None:
        if not _CODE_RE.match(self.code):
            raise ValueError(f"account code {self.code!r} must be 3-6 digits, optionally .sub")
        if not self.name.strip():
            raise ValueError("account name must not be blank")


@dataclass
class ChartOfAccounts:
    """Accounts keyed by code, with an optional parent/child hierarchy."""

    accounts: dict[str, Account] = field(default_factory=dict)

    def add(self, account: Account) -> Account:
        if account.code in self.accounts:
            raise ValueError(f"duplicate account code {account.code}")
        if account.parent is not None:
            parent = self.get(account.parent)
            if parent.kind is not account.kind:
                raise ValueError(
                    f"{account.code} is {account.kind.value} but parent {parent.code} "
                    f"is {parent.kind.value}"
                )
        self.accounts[account.code] = account
        return account

    def get(self, code: str) -> Account:
        try:
            return self.accounts[code]
        except KeyError:
            raise UnknownAccount(code) from None

    def __contains__(self, code: object) -> bool:
        return code in self.accounts

    def __iter__(self) -> Iterator[Account]:
        return iter(sorted(self.accounts.values(), key=lambda a: a.code))

    def children(self, code: str) -> list[Account]:
        return [a for a in self if a.parent == code]

    def descendants(self, code: str) -> list[Account]:
        found: list[Account] = []
        stack = [code]
        while stack:
            for child in self.children(stack.pop()):
                found.append(child)
                stack.append(child.code)
        return found

    def archive(self, code: str) -> None:
        account = self.get(code)
        self.accounts[code] = Account(account.code, account.name, account.kind,
                                      account.currency, account.parent, archived=True)

    @classmethod
    def small_business(cls, currency: str = "EUR") -> "ChartOfAccounts":
        """A minimal starting chart suitable for a sole trader."""
        chart = cls()
        for code, name, kind in [
            ("1000", "Bank", AccountKind.ASSET),
            ("1100", "Accounts receivable", AccountKind.ASSET),
            ("2000", "Accounts payable", AccountKind.LIABILITY),
            ("2200", "VAT payable", AccountKind.LIABILITY),
            ("3000", "Owner's capital", AccountKind.EQUITY),
            ("4000", "Sales", AccountKind.INCOME),
            ("4900", "Other income", AccountKind.INCOME),
            ("6000", "Office costs", AccountKind.EXPENSE),
            ("6100", "Software subscriptions", AccountKind.EXPENSE),
            ("6900", "Bank charges", AccountKind.EXPENSE),
        ]:
            chart.add(Account(code, name, kind, currency))
        return chart
