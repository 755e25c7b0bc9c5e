"""Inbound processor webhooks that affect the ledger.

Card settlement and dispute notifications arrive as Acme Pay platform
webhooks. Signature checking is delegated to the public SDK so that we run
exactly the code our merchants run.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Dict, Optional

from acme_pay_sdk import SignatureVerificationError, WebhookEvent, construct_event

from .journal import EntryLine, JournalEntry, Ledger
from .money import Money

log = logging.getLogger(__name__)

Handler = Callable[[WebhookEvent], Optional[JournalEntry]]


def _settlement_paid(event: WebhookEvent) -> JournalEntry:
    data = event.data["object"]
    amount = Money.from_minor(int(data["amount"]), data["currency"])
    fee = Money.from_minor(int(data.get("fee", 0)), data["currency"])
    lines = [EntryLine.debit("1000", amount - fee, f"settlement {data['id']}")]
    if not fee.is_zero():
        lines.append(EntryLine.debit("5000", fee, "scheme fees"))
    lines.append(EntryLine.credit("1200", amount, "clear funds in transit"))
    booked = dt.datetime.fromtimestamp(event.created, tz=dt.timezone.utc).date()
    return JournalEntry.build(booked, f"Card settlement {data['id']}", lines, entry_id=f"je_{event.id}")


HANDLERS: Dict[str, Handler] = {
    "settlement.paid": _settlement_paid,
}


def handle_delivery(ledger: Ledger, payload: bytes, signature_header: str, secret: str) -> int:
    """Process one delivery and return the HTTP status to answer with."""
    try:
        event = construct_event(payload, signature_header, secret)
    except SignatureVerificationError as exc:
        log.warning("rejected webhook: %s", exc)
        return 400

    handler = HANDLERS.get(event.type)
    if handler is None:
        return 204
    entry = handler(event)
    if entry is not None:
        ledger.post(entry)
    return 200
