"""Turn a bill into something you can email."""

from __future__ import annotations

import html

from .models import Bill


def as_text(bill: Bill, sender: str) -> str:
    width = 64
    out = [sender.upper().center(width), "", f"Invoice {bill.number}".ljust(width // 2) + f"Date {bill.issued}".rjust(width // 2)]
    out.append(f"To: {bill.customer.display_name} <{bill.customer.email}>")
    out.append(f"Due: {bill.due}")
    out.append("-" * width)
    for item in bill.items:
        label = item.text if len(item.text) <= 36 else item.text[:35] + "~"
        out.append(f"{label:<36}{item.hours:>8} h {str(item.net):>17}")
    out.append("-" * width)
    out.append(f"{'Net':<46}{str(bill.net):>18}")
    out.append(f"{'VAT ' + str(bill.customer.vat_rate * 100).rstrip('0').rstrip('.') + '%':<46}{str(bill.vat):>18}")
    out.append(f"{'Total':<46}{str(bill.gross):>18}")
    return "\n".join(out) + "\n"


def as_html(bill: Bill, sender: str) -> str:
    rows = "\n".join(
        f"<tr><td>{html.escape(i.text)}</td><td class=num>{i.hours}</td><td class=num>{html.escape(str(i.net))}</td></tr>"
        for i in bill.items
    )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Invoice {html.escape(bill.number)}</title>
<style>body{{font-family:sans-serif}} .num{{text-align:right}} table{{border-collapse:collapse;width:100%}}</style>
</head><body>
<h1>{html.escape(sender)}</h1>
<p>Invoice <b>{html.escape(bill.number)}</b> &middot; issued {bill.issued} &middot; due {bill.due}</p>
<p>{html.escape(bill.customer.display_name)}</p>
<table><thead><tr><th>Work</th><th>Hours</th><th>Amount</th></tr></thead>
<tbody>
{rows}
</tbody>
<tfoot>
<tr><td colspan=2>Net</td><td class=num>{bill.net}</td></tr>
<tr><td colspan=2>VAT</td><td class=num>{bill.vat}</td></tr>
<tr><td colspan=2><b>Total</b></td><td class=num><b>{bill.gross}</b></td></tr>
</tfoot></table>
</body></html>
"""
