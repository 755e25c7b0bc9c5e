"""Import bank statements from CSV and match them against open invoices.

Banks export wildly different CSV files. The reader copes with the usual
variations: delimiter (`,` `;` tab), header names in English or German,
decimal commas (``1.234,56``), accounting negatives (``(12.00)``), and either
one signed amount column or separate debit/credit columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable, TextIO

from .invoice import Invoice
from .money import Money

__all__ = ["StatementError", "StatementLine", "Match", "read_statement", "match_payments"]

_HEADER_ALIASES = {
    "date": {"date", "booking date", "transaction date", "value date", "buchungstag", "datum"},
    "amount": {"amount", "betrag", "value", "transaction amount"},
    "debit": {"debit", "withdrawal", "soll", "paid out"},
    "credit": {"credit", "deposit", "haben", "paid in"},
    "description": {"description", "details", "memo", "verwendungszweck", "narrative"},
    "counterparty": {"counterparty", "payee", "name", "beguenstigter/zahlungspflichtiger", "payer"},
    "reference": {"reference", "ref", "end-to-end reference", "mandatsreferenz"},
}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%y")


class StatementError(ValueError):
    def __init__(self, message: str, row: int | None = None):
        super().__init__(f"row {row}: {message}" if row else message)
        self.row = row


@dataclass(frozen=True)
class StatementLine:
    date: dt.date
    amount: Money  # positive = money in
    description: str
    counterparty: str = ""
    reference: str = ""

    @property
    def text(self) -> str:
        return " ".join((self.description, self.counterparty, self.reference)).lower()


@dataclass(frozen=True)
class Match:
    line: StatementLine
    invoice: Invoice
    confidence: float
    reason: str


def parse_amount(raw: str) -> Decimal:
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if text.endswith("-"):  # some banks print trailing minus signs
        negative, text = True, text[:-1]
    text = re.sub(r"[^\d,.\-+]", "", text)  # currency symbols
    if "," in text and "." in text:
        # Whichever separator comes last is the decimal separator.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not an amount: {raw!r}") from None
    return -value if negative else value


def parse_date(raw: str, date_format: str | None = None) -> dt.date:
    formats = (date_format,) if date_format else _DATE_FORMATS
    for fmt in formats:
        try:
            return dt.datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {raw!r}")


def _map_columns(header: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lower().lstrip("\ufeff")
        for field_name, aliases in _HEADER_ALIASES.items():
            if key in aliases and field_name not in mapping:
                mapping[field_name] = index
    if "date" not in mapping:
        raise StatementError(f"no date column in header {header}")
    if "amount" not in mapping and not {"debit", "credit"} <= mapping.keys():
        raise StatementError("need an amount column or both debit and credit columns")
    return mapping


def read_statement(source: TextIO | str, currency: str, *,
                   date_format: str | None = None) -> list[StatementLine]:
    text = source if isinstance(source, str) else source.read()
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        raise StatementError("statement is empty")
    columns = _map_columns(rows[0])

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    lines: list[StatementLine] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            date = parse_date(cell(row, "date"), date_format)
            if "amount" in columns:
                amount = parse_amount(cell(row, "amount"))
            else:
                credit = cell(row, "credit")
                debit = cell(row, "debit")
                amount = (parse_amount(credit) if credit else Decimal(0)) - (
                    abs(parse_amount(debit)) if debit else Decimal(0))
        except ValueError as exc:
            raise StatementError(str(exc), number) from None
        lines.append(StatementLine(date, Money(amount, currency), cell(row, "description"),
                                   cell(row, "counterparty"), cell(row, "reference")))
    return lines


def _score(line: StatementLine, invoice: Invoice, window_days: int) -> tuple[float, str] | None:
    if line.amount.currency != invoice.currency or line.amount.is_negative:
        return None
    if line.date < invoice.issued or (line.date - invoice.due).days > window_days:
        return None
    number_seen = re.search(rf"(?<![\w-]){re.escape(invoice.number.lower())}(?![\w-])", line.text)
    exact = line.amount == invoice.outstanding
    customer_seen = invoice.customer.lower() in line.text
    if number_seen and exact:
        return 1.0, "invoice number and amount"
    if number_seen:
        return 0.8, "invoice number, partial amount"
    if exact and customer_seen:
        return 0.7, "amount and customer name"
    if exact:
        return 0.4, "amount only"
    return None


def match_payments(lines: Iterable[StatementLine], invoices: Iterable[Invoice], *,
                   window_days: int = 60, min_confidence: float = 0.5) -> list[Match]:
    """Pair incoming payments with open invoices, best candidates first.

    Each statement line and each invoice is used at most once. Matches below
    ``min_confidence`` are left for a human to review.
    """
    open_invoices = [inv for inv in invoices if inv.outstanding.amount > 0]
    candidates: list[Match] = []
    for line in lines:
        for invoice in open_invoices:
            scored = _score(line, invoice, window_days)
            if scored and scored[0] >= min_confidence:
                candidates.append(Match(line, invoice, *scored))
    # Highest confidence first; among equals, the payment closest to the due date.
    candidates.sort(key=lambda m: (-m.confidence, abs((m.line.date - m.invoice.due).days)))
    used_lines: set[int] = set()
    used_invoices: set[str] = set()
    result: list[Match] = []
    for match in candidates:
        if id(match.line) in used_lines or match.invoice.number in used_invoices:
            continue
        used_lines.add(id(match.line))
        used_invoices.add(match.invoice.number)
        result.append(match)
    return result
