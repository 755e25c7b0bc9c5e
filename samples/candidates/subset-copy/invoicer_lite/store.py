"""SQLite persistence. One file per agency, kept next to the config."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Iterator, List, Optional

from .core.money import Money
from .models import Bill, Customer, Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    handle TEXT UNIQUE NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    currency TEXT NOT NULL,
    vat_rate TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bills (
    id INTEGER PRIMARY KEY,
    number TEXT UNIQUE NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    issued TEXT NOT NULL,
    due TEXT NOT NULL,
    paid_on TEXT
);
CREATE TABLE IF NOT EXISTS items (
    bill_id INTEGER NOT NULL REFERENCES bills(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    hours TEXT NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (bill_id, position)
);
"""


class Store:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(str(path))
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def add_customer(self, c: Customer) -> Customer:
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO customers (handle, display_name, email, currency, vat_rate) VALUES (?, ?, ?, ?, ?)",
                (c.handle, c.display_name, c.email, c.currency, str(c.vat_rate)),
            )
        c.id = cur.lastrowid
        return c

    def customer(self, handle: str) -> Customer:
        row = self.conn.execute("SELECT * FROM customers WHERE handle = ?", (handle,)).fetchone()
        if row is None:
            raise LookupError(f"unknown customer {handle!r}")
        return self._customer(row)

    @staticmethod
    def _customer(row: sqlite3.Row) -> Customer:
        return Customer(row["handle"], row["display_name"], row["email"], row["currency"],
                        Decimal(row["vat_rate"]), row["id"])

    def next_number(self, year: int) -> str:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM bills WHERE number LIKE ?", (f"{year}-%",)
        ).fetchone()
        return f"{year}-{row[0] + 1:04d}"

    def save_bill(self, bill: Bill) -> Bill:
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO bills (number, customer_id, issued, due, paid_on) VALUES (?, ?, ?, ?, ?)",
                (bill.number, bill.customer.id, bill.issued.isoformat(), bill.due.isoformat(),
                 bill.paid_on.isoformat() if bill.paid_on else None),
            )
            bill.id = cur.lastrowid
            self.conn.executemany(
                "INSERT INTO items (bill_id, position, text, hours, rate) VALUES (?, ?, ?, ?, ?)",
                [(bill.id, n, i.text, str(i.hours), str(i.rate.amount)) for n, i in enumerate(bill.items)],
            )
        return bill

    def mark_paid(self, number: str, on: dt.date) -> None:
        with self.conn:
            self.conn.execute("UPDATE bills SET paid_on = ? WHERE number = ?", (on.isoformat(), number))

    def bills(self, unpaid_only: bool = False) -> Iterator[Bill]:
        sql = "SELECT b.*, c.handle FROM bills b JOIN customers c ON c.id = b.customer_id"
        if unpaid_only:
            sql += " WHERE b.paid_on IS NULL"
        for row in self.conn.execute(sql + " ORDER BY b.issued, b.number").fetchall():
            customer = self.customer(row["handle"])
            items = [
                Item(r["text"], Decimal(r["hours"]), Money.of(r["rate"], customer.currency))
                for r in self.conn.execute(
                    "SELECT * FROM items WHERE bill_id = ? ORDER BY position", (row["id"],)
                )
            ]
            yield Bill(row["number"], customer, dt.date.fromisoformat(row["issued"]),
                       dt.date.fromisoformat(row["due"]), items,
                       dt.date.fromisoformat(row["paid_on"]) if row["paid_on"] else None, row["id"])
