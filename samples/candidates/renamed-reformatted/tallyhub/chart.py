"""Accounts and the registry that holds them.

Numbers are free-form strings; a sub-account is any account whose ``parent``
points at another one. Only one level of nesting is supported on purpose.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional


class Direction(enum.Enum):
  LEFT = "dr"
  RIGHT = "cr"

  @property
  def flip(self) -> "Direction":
    return Direction.RIGHT if self is Direction.LEFT else Direction.LEFT


class Kind(enum.Enum):
  ASSET = 1
  LIABILITY = 2
  EQUITY = 3
  INCOME = 4
  COST = 5

  @property
  def natural(self) -> Direction:
    return Direction.LEFT if self in (Kind.ASSET, Kind.COST) else Direction.RIGHT


@dataclass
class Account:
  num: str
  title: str
  ccy: str
  kind: Kind
  parent: Optional[str] = None
  closed: bool = False
  rollup: bool = False

  @property
  def is_rollup(self) -> bool:
    return self.rollup


class Registry:
  def __init__(self) -> None:
    self._by_num: Dict[str, Account] = {}

  def __iter__(self) -> Iterator[Account]:
    return iter(sorted(self._by_num.values(), key=lambda a: a.num))

  def add(self, num: str, title: str, ccy: str, kind: Kind, parent: Optional[str] = None,
      rollup: bool = False) -> Account:
    if num in self._by_num:
      raise ValueError(f"duplicate account {num}")
    if parent is not None and self.lookup(parent).parent is not None:
      raise ValueError("only one level of sub-accounts is supported")
    acc = Account(num, title, ccy, kind, parent, rollup=rollup)
    self._by_num[num] = acc
    return acc

  def lookup(self, num: str) -> Account:
    if num not in self._by_num:
      raise KeyError(f"no such account: {num}")
    return self._by_num[num]

  def subaccounts(self, num: str) -> List[Account]:
    return [a for a in self if a.parent == num]

  def ensure_open(self, num: str, ccy: str) -> Account:
    acc = self.lookup(num)
    if acc.closed or acc.rollup:
      raise ValueError(f"account {num} does not accept postings")
    if acc.ccy != ccy:
      raise ValueError(f"account {num} is kept in {acc.ccy}, not {ccy}")
    return acc
