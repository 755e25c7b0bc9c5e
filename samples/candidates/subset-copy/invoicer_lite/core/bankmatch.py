"""Bank statement reconciliation.

Matches lines from a bank statement (camt.053 / BAI2, already parsed) against
open ledger items - typically receivables and expected payouts. Banks are
messy: amounts arrive net of wire fees, value dates drift by a few business
days, and the remittance text is truncated to 140 characters by half the
correspondent banks. So matching runs in passes, strictest first:

1. *Reference pass* - an invoice number or payout id appears in the
   remittance text and the amount is within tolerance.
2. *Scored pass* - every remaining pair inside the date window is scored on
   amount closeness, date distance and reference token overlap, and pairs are
   accepted greedily from the best score down.
3. *Grouped pass* - one bank line that pays several open items at once
   (customers love to pay three invoices with one wire). Bounded subset
   search over items of the same counterparty.

Anything still unmatched goes to the ops queue for a human.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .money import Money

_REFERENCE_RE = re.compile(r"\b(INV-\d{4}-\d{6}|PO-[A-Z0-9]{8}|STL-\d{8}-\d{4})\b", re.IGNORECASE)
_TOKEN_RE = re.compile(r"[a-z0-9]{3,}")
_NOISE_TOKENS = frozenset({"payment", "invoice", "ref", "reference", "transfer", "sepa", "wire", "ltd", "inc", "gmbh"})


@dataclass(frozen=True)
class StatementLine:
    line_id: str
    booked_on: dt.date
    amount: Money
    remittance: str = ""
    counterparty: str = ""


@dataclass(frozen=True)
class OpenItem:
    item_id: str
    expected_on: dt.date
    amount: Money
    reference: str = ""
    counterparty: str = ""


@dataclass(frozen=True)
class Match:
    statement_line_ids: Tuple[str, ...]
    item_ids: Tuple[str, ...]
    score: float
    method: str
    difference: Money


@dataclass(frozen=True)
class MatchingConfig:
    date_window_days: int = 5
    absolute_tolerance: Decimal = Decimal("25.00")
    relative_tolerance: Decimal = Decimal("0.005")
    min_score: float = 0.62
    max_group_size: int = 4
    amount_weight: float = 0.5
    date_weight: float = 0.2
    reference_weight: float = 0.3


@dataclass
class ReconciliationResult:
    matches: List[Match] = field(default_factory=list)
    unmatched_lines: List[StatementLine] = field(default_factory=list)
    unmatched_items: List[OpenItem] = field(default_factory=list)

    def summary(self) -> Dict[str, int]:
        by_method: Dict[str, int] = {}
        for m in self.matches:
            by_method[m.method] = by_method.get(m.method, 0) + 1
        by_method["unmatched_lines"] = len(self.unmatched_lines)
        by_method["unmatched_items"] = len(self.unmatched_items)
        return by_method


def extract_references(text: str) -> Set[str]:
    return {m.upper() for m in _REFERENCE_RE.findall(text or "")}


def _tokens(text: str) -> Set[str]:
    return {t for t in _TOKEN_RE.findall((text or "").lower()) if t not in _NOISE_TOKENS}


def _jaccard(a: Set[str], b: Set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class ReconciliationEngine:
    def __init__(self, config: Optional[MatchingConfig] = None) -> None:
        self.config = config or MatchingConfig()

    # -- scoring -----------------------------------------------------------

    def tolerance_for(self, amount: Money) -> Decimal:
        """Allowed absolute difference: the larger of the fixed and relative caps."""
        relative = abs(amount.amount) * self.config.relative_tolerance
        return max(self.config.absolute_tolerance, relative)

    def amount_score(self, line: StatementLine, item: OpenItem) -> float:
        if line.amount.currency != item.amount.currency:
            return 0.0
        diff = abs(line.amount.amount - item.amount.amount)
        if diff == 0:
            return 1.0
        tolerance = self.tolerance_for(item.amount)
        if diff > tolerance:
            return 0.0
        # Linear decay, but never below 0.5 inside tolerance: a fee-deducted
        # wire is still a much better candidate than a wrong amount.
        return 1.0 - 0.5 * float(diff / tolerance)

    def date_score(self, line: StatementLine, item: OpenItem) -> float:
        distance = abs((line.booked_on - item.expected_on).days)
        window = self.config.date_window_days
        if distance > window:
            return 0.0
        return 1.0 - distance / (window + 1)

    def reference_score(self, line: StatementLine, item: OpenItem) -> float:
        if item.reference and item.reference.upper() in extract_references(line.remittance):
            return 1.0
        text_overlap = _jaccard(_tokens(line.remittance), _tokens(item.reference))
        party_overlap = _jaccard(_tokens(line.counterparty), _tokens(item.counterparty))
        return max(text_overlap, 0.8 * party_overlap)

    def score(self, line: StatementLine, item: OpenItem) -> float:
        amount = self.amount_score(line, item)
        date = self.date_score(line, item)
        if amount == 0.0 or date == 0.0:
            return 0.0
        c = self.config
        return (
            c.amount_weight * amount
            + c.date_weight * date
            + c.reference_weight * self.reference_score(line, item)
        )

    # -- passes ------------------------------------------------------------

    def reconcile(
        self, lines: Sequence[StatementLine], items: Sequence[OpenItem]
    ) -> ReconciliationResult:
        result = ReconciliationResult()
        open_lines: Dict[str, StatementLine] = {l.line_id: l for l in lines}
        open_items: Dict[str, OpenItem] = {i.item_id: i for i in items}

        self._reference_pass(open_lines, open_items, result)
        self._scored_pass(open_lines, open_items, result)
        self._grouped_pass(open_lines, open_items, result)

        result.unmatched_lines = sorted(open_lines.values(), key=lambda l: (l.booked_on, l.line_id))
        result.unmatched_items = sorted(open_items.values(), key=lambda i: (i.expected_on, i.item_id))
        return result

    def _accept(
        self,
        result: ReconciliationResult,
        open_lines: Dict[str, StatementLine],
        open_items: Dict[str, OpenItem],
        line_ids: Sequence[str],
        item_ids: Sequence[str],
        score: float,
        method: str,
    ) -> None:
        paid = sum((open_lines[i].amount.amount for i in line_ids), Decimal(0))
        owed = sum((open_items[i].amount.amount for i in item_ids), Decimal(0))
        currency = open_lines[line_ids[0]].amount.currency
        result.matches.append(
            Match(tuple(line_ids), tuple(item_ids), round(score, 4), method, Money(paid - owed, currency))
        )
        for i in line_ids:
            del open_lines[i]
        for i in item_ids:
            del open_items[i]

    def _reference_pass(self, open_lines, open_items, result) -> None:
        by_reference: Dict[str, List[OpenItem]] = {}
        for item in open_items.values():
            if item.reference:
                by_reference.setdefault(item.reference.upper(), []).append(item)

        for line in list(open_lines.values()):
            for ref in sorted(extract_references(line.remittance)):
                candidates = [
                    i for i in by_reference.get(ref, [])
                    if i.item_id in open_items and self.amount_score(line, i) > 0
                ]
                if len(candidates) == 1:
                    item = candidates[0]
                    self._accept(result, open_lines, open_items, [line.line_id], [item.item_id], 1.0, "reference")
                    break

    def _scored_pass(self, open_lines, open_items, result) -> None:
        scored: List[Tuple[float, str, str]] = []
        for line in open_lines.values():
            for item in open_items.values():
                s = self.score(line, item)
                if s >= self.config.min_score:
                    scored.append((s, line.line_id, item.item_id))

        # Highest score first; ids as tie-breakers keep runs deterministic.
        scored.sort(key=lambda t: (-t[0], t[1], t[2]))
        for s, line_id, item_id in scored:
            if line_id in open_lines and item_id in open_items:
                self._accept(result, open_lines, open_items, [line_id], [item_id], s, "scored")

    def _grouped_pass(self, open_lines, open_items, result) -> None:
        for line in sorted(open_lines.values(), key=lambda l: l.line_id):
            pool = [
                i for i in open_items.values()
                if i.amount.currency == line.amount.currency
                and self.date_score(line, i) > 0
                and (not line.counterparty or _jaccard(_tokens(line.counterparty), _tokens(i.counterparty)) > 0)
            ]
            # Subset search is exponential; the pool cap keeps the worst case
            # at C(12, 4) = 495 combinations per line.
            pool = sorted(pool, key=lambda i: (i.expected_on, i.item_id))[:12]
            group = self._find_group(line, pool)
            if group:
                self._accept(
                    result, open_lines, open_items,
                    [line.line_id], [i.item_id for i in group], 0.9, "grouped",
                )

    def _find_group(self, line: StatementLine, pool: Sequence[OpenItem]) -> Optional[Tuple[OpenItem, ...]]:
        tolerance = self.tolerance_for(line.amount)
        best: Optional[Tuple[Decimal, Tuple[OpenItem, ...]]] = None
        for size in range(2, min(self.config.max_group_size, len(pool)) + 1):
            for combo in itertools.combinations(pool, size):
                total = sum((i.amount.amount for i in combo), Decimal(0))
                diff = abs(line.amount.amount - total)
                if diff <= tolerance and (best is None or diff < best[0]):
                    best = (diff, combo)
            if best is not None and best[0] == 0:
                break
        return best[1] if best else None
