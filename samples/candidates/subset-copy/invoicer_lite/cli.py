"""Command line entry point: ``invoicer add-customer|bill|list|match``."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import List, Optional, Sequence

from .core.bankmatch import MatchingConfig, OpenItem, ReconciliationEngine, StatementLine
from .core.money import Money
from .models import Bill, Customer, Item
from .render import as_html, as_text
from .store import Store

DEFAULT_DB = Path.home() / ".invoicer-lite.db"


def _parse_item(spec: str, currency: str) -> Item:
    # "Design review:3.5:95" -> text, hours, hourly rate
    try:
        text, hours, rate = spec.rsplit(":", 2)
        return Item(text.strip(), Decimal(hours), Money.of(rate, currency))
    except (ValueError, InvalidOperation):
        raise SystemExit(f"bad item {spec!r}, expected TEXT:HOURS:RATE")


def cmd_add_customer(store: Store, args: argparse.Namespace) -> int:
    store.add_customer(Customer(args.handle, args.name, args.email, args.currency.upper(), Decimal(args.vat)))
    print(f"added {args.handle}")
    return 0


def cmd_bill(store: Store, args: argparse.Namespace) -> int:
    customer = store.customer(args.customer)
    today = dt.date.today()
    bill = Bill(store.next_number(today.year), customer, today, today + dt.timedelta(days=args.terms),
                [_parse_item(s, customer.currency) for s in args.item])
    store.save_bill(bill)
    renderer = as_html if args.html else as_text
    sys.stdout.write(renderer(bill, args.sender))
    return 0


def cmd_list(store: Store, args: argparse.Namespace) -> int:
    for bill in store.bills(unpaid_only=args.unpaid):
        flag = "PAID" if bill.paid_on else ("OVERDUE" if bill.is_overdue() else "open")
        print(f"{bill.number}  {bill.issued}  {bill.customer.handle:<12} {str(bill.gross):>16}  {flag}")
    return 0


def _read_statement(path: Path, currency: str) -> List[StatementLine]:
    # Most online banks export "date;amount;text;counterparty" with a
    # decimal comma; accept both separators.
    lines = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for n, row in enumerate(csv.reader(fh, delimiter=";")):
            if n == 0 or len(row) < 3:
                continue
            amount = row[1].replace(".", "").replace(",", ".") if "," in row[1] else row[1]
            if Decimal(amount) <= 0:
                continue  # outgoing payments are not our concern here
            lines.append(StatementLine(f"row{n}", dt.date.fromisoformat(row[0]), Money.of(amount, currency),
                                       row[2], row[3] if len(row) > 3 else ""))
    return lines


def cmd_match(store: Store, args: argparse.Namespace) -> int:
    open_bills = list(store.bills(unpaid_only=True))
    # Clients pay anywhere between the issue date and a few weeks late, so
    # the window is much wider than a bank-to-ledger match would use.
    items = [OpenItem(b.number, b.issued, b.gross.rounded(), b.number, b.customer.display_name) for b in open_bills]
    engine = ReconciliationEngine(MatchingConfig(date_window_days=args.window))
    result = engine.reconcile(_read_statement(Path(args.csv), args.currency.upper()), items)
    for match in result.matches:
        line_id = match.statement_line_ids[0]
        for number in match.item_ids:
            print(f"{number} paid by {line_id} ({match.method}, score {match.score})")
            if args.apply:
                store.mark_paid(number, dt.date.today())
    for line in result.unmatched_lines:
        print(f"unmatched: {line.booked_on} {line.amount} {line.remittance!r}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="invoicer")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("add-customer")
    p.add_argument("handle")
    p.add_argument("name")
    p.add_argument("email")
    p.add_argument("--currency", default="EUR")
    p.add_argument("--vat", default="0.19")
    p.set_defaults(func=cmd_add_customer)

    p = sub.add_parser("bill")
    p.add_argument("customer")
    p.add_argument("item", nargs="+", help="TEXT:HOURS:RATE")
    p.add_argument("--terms", type=int, default=14)
    p.add_argument("--sender", default="Studio Lindqvist")
    p.add_argument("--html", action="store_true")
    p.set_defaults(func=cmd_bill)

    p = sub.add_parser("list")
    p.add_argument("--unpaid", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("match", help="match a bank CSV export against unpaid bills")
    p.add_argument("csv")
    p.add_argument("--currency", default="EUR")
    p.add_argument("--apply", action="store_true", help="mark matched bills as paid")
    p.add_argument("--window", type=int, default=45, help="days after issue to look for payments")
    p.set_defaults(func=cmd_match)

    args = parser.parse_args(argv)
    store = Store(args.db)
    try:
        return args.func(store, args)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
