from __future__ import annotations
import datetime as dtm
import itertools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Tuple
from .chart import Kind, Registry, Direction
from .amount import Amount, total_of

class BookingRejected(Exception):
  pass

class LockedPeriod(BookingRejected):
  pass

@dataclass(frozen=True)
class Leg:
  acct: str
  direction: Direction
  value: Amount
  note: str = ''

  @classmethod
  def dr(cls, acct: str, value: Amount, note: str='') -> 'Leg':
    return cls(acct, Direction.LEFT, value, note)

  @classmethod
  def cr(cls, acct: str, value: Amount, note: str='') -> 'Leg':
    return cls(acct, Direction.RIGHT, value, note)

  def oriented(self, natural: Direction) -> Amount:
    return self.value if self.direction is natural else -self.value

@dataclass(frozen=True)
class Voucher:
  ref: str
  booked_for: dtm.date
  narrative: str
  legs: Tuple[Leg, ...]
  undoes: Optional[str] = None
  extras: Mapping[str, str] = field(default_factory=dict)

  @classmethod
  def compose(cls, booked_for: dtm.date, narrative: str,
      legs: Iterable[Leg], *, ref: Optional[str]=None,
      undoes: Optional[str]=None, **extras: str) -> 'Voucher':
    return cls(ref=ref or f'je_{uuid.uuid4().hex}',
      booked_for=booked_for, narrative=narrative,
      legs=tuple(legs), undoes=undoes, extras=dict(extras))

  def denominations(self) -> List[str]:
    return sorted({leg.value.ccy for leg in self.legs})

  def sides_total(self, ccy: str) -> Tuple[Amount, Amount]:
    dr_sum = total_of((x.value for x in self.legs
      if x.direction is Direction.LEFT and x.value.ccy == ccy), ccy)
    cr_sum = total_of((x.value for x in self.legs
      if x.direction is Direction.RIGHT and x.value.ccy == ccy), ccy)
    return (dr_sum, cr_sum)

@dataclass(frozen=True)
class Record:
  seq_no: int
  ref: str
  booked_for: dtm.date
  leg: Leg

class Book:

  def __init__(self, registry: Registry) -> None:
    self.registry = registry
    self._vouchers: Dict[str, Voucher] = {}
    self._records: Dict[str, List[Record]] = defaultdict(list)
    self._undone_by: Dict[str, str] = {}
    self._counter = itertools.count(1)
    self.frozen_until: Optional[dtm.date] = None

  def check(self, voucher: Voucher) -> None:
    if len(voucher.legs) < 2:
      raise BookingRejected(f'{voucher.ref}: an entry needs at least two lines')
    if voucher.ref in self._vouchers:
      raise BookingRejected(f'{voucher.ref}: already posted')
    if self.frozen_until is not None and voucher.booked_for <= self.frozen_until:
      raise LockedPeriod(
        f'{voucher.ref}: {voucher.booked_for} falls in a closed period (closed through {self.frozen_until})')
    for pos, leg in enumerate(voucher.legs):
      if leg.value.below_zero() or leg.value.nil():
        raise BookingRejected(f'{voucher.ref} line {pos}: amount must be positive')
      if leg.value != leg.value.to_cents():
        raise BookingRejected(f'{voucher.ref} line {pos}: {leg.value!r} has sub-minor-unit precision')
      try:
        self.registry.ensure_open(leg.acct, leg.value.ccy)
      except Exception as err:
        raise BookingRejected(f'{voucher.ref} line {pos}: {err}') from err
    for ccy in voucher.denominations():
      dr_sum, cr_sum = voucher.sides_total(ccy)
      if dr_sum != cr_sum:
        raise BookingRejected(f'{voucher.ref}: unbalanced in {ccy} (debits {dr_sum}, credits {cr_sum})')

  def commit(self, voucher: Voucher) -> Voucher:
    self.check(voucher)
    if voucher.undoes is not None:
      if voucher.undoes not in self._vouchers:
        raise BookingRejected(f'{voucher.ref}: reverses unknown entry {voucher.undoes}')
      if voucher.undoes in self._undone_by:
        raise BookingRejected(
          f'{voucher.ref}: {voucher.undoes} was already reversed by {self._undone_by[voucher.undoes]}')
      self._undone_by[voucher.undoes] = voucher.ref
    self._vouchers[voucher.ref] = voucher
    for leg in voucher.legs:
      rec = Record(next(self._counter), voucher.ref, voucher.booked_for, leg)
      self._records[leg.acct].append(rec)
    return voucher

  def undo(self, ref: str, booked_for: dtm.date, why: str) -> Voucher:
    source = self.fetch(ref)
    flipped = [Leg(x.acct, x.direction.flip, x.value, f'reversal: {x.note}'.strip()) for x in source.legs]
    counter_voucher = Voucher.compose(booked_for, f'Reversal of {ref}: {why}', flipped, undoes=ref, why=why)
    return self.commit(counter_voucher)

  def freeze(self, until: dtm.date) -> None:
    if self.frozen_until is not None and until < self.frozen_until:
      raise BookingRejected('periods cannot be re-opened by moving the close date backwards')
    self.frozen_until = until

  def fetch(self, ref: str) -> Voucher:
    try:
      return self._vouchers[ref]
    except KeyError:
      raise BookingRejected(f'unknown entry {ref}') from None

  def balance_of(self, acct: str, cutoff: Optional[dtm.date]=None) -> Amount:
    acc = self.registry.lookup(acct)
    scope = [acct] + [cc.num for cc in self.registry.subaccounts(acct)]
    running = Amount.empty(acc.ccy)
    for num in scope:
      for rec in self._records.get(num, ()):
        if cutoff is not None and rec.booked_for > cutoff:
          continue
        running = running + rec.leg.oriented(acc.kind.natural)
    return running

  def trial(self, cutoff: Optional[dtm.date]=None) -> Dict[str, Tuple[Amount, Amount]]:
    out: Dict[str, Tuple[Amount, Amount]] = {}
    for acc in self.registry:
      if acc.is_rollup:
        continue
      b = self.balance_of(acc.num, cutoff)
      empty = Amount.empty(acc.ccy)
      if acc.kind.natural is Direction.LEFT:
        out[acc.num] = (b, empty) if not b.below_zero() else (empty, -b)
      else:
        out[acc.num] = (empty, b) if not b.below_zero() else (-b, empty)
    return out

  def in_balance(self, cutoff: Optional[dtm.date]=None) -> bool:
    by_ccy: Dict[str, List[Amount]] = defaultdict(lambda: [])
    for num, (dr, cr) in self.trial(cutoff).items():
      by_ccy[dr.ccy].append(dr - cr)
    return all((total_of(diffs, cc).nil() for cc, diffs in by_ccy.items()))

  def net_result(self, since: dtm.date, upto: dtm.date, ccy: str) -> Amount:
    profit = Amount.empty(ccy)
    for acc in self.registry:
      if acc.ccy != ccy:
        continue
      if acc.kind not in (Kind.INCOME, Kind.COST):
        continue
      for rec in self._records.get(acc.num, ()):
        if since <= rec.booked_for <= upto:
          delta = rec.leg.oriented(Direction.RIGHT)
          profit = profit + delta
    return profit
