"""Small realistic code used by the unit tests, and its renamed + reformatted twins."""

PYTHON = '''\
import decimal


class LedgerError(Exception):
    """Raised when a journal entry does not balance."""


def post_entry(journal, entry_lines, currency="EUR"):
    # Every entry must balance to zero in its currency.
    total = decimal.Decimal("0")
    for account, amount in entry_lines:
        if amount == 0:
            raise LedgerError(f"zero amount for {account}")
        total += amount
    if total != 0:
        raise LedgerError("entry does not balance: %s" % total)
    for account, amount in entry_lines:
        journal.setdefault(account, []).append((amount, currency))
    return len(entry_lines)


def balance(journal, account):
    """Sum of all postings to an account."""
    return sum((amount for amount, _ in journal.get(account, [])), decimal.Decimal("0"))


def trial_balance(journal):
    rows = []
    for account in sorted(journal):
        value = balance(journal, account)
        if value:
            rows.append((account, value))
    debit = sum(v for _, v in rows if v > 0)
    credit = -sum(v for _, v in rows if v < 0)
    return rows, debit, credit
'''

# Every identifier renamed, comments and docstrings removed, 2-space indent, quotes changed.
PYTHON_RENAMED = """\
import decimal
class BookFault(Exception):
  pass
def record(book, parts, cur='USD'):
  acc = decimal.Decimal('0')
  for who, qty in parts:
    if qty == 0:
      raise BookFault(f'nothing for {who}')
    acc += qty
  if acc != 0:
    raise BookFault('unbalanced: %s' % acc)
  for who, qty in parts:
    book.setdefault(who, []).append((qty, cur))
  return len(parts)
def saldo(book, who):
  return sum((qty for qty, _ in book.get(who, [])), decimal.Decimal('0'))
def totals(book):
  out = []
  for who in sorted(book):
    v = saldo(book, who)
    if v:
      out.append((who, v))
  dr = sum(x for _, x in out if x > 0)
  cr = -sum(x for _, x in out if x < 0)
  return out, dr, cr
"""

GO = """\
package settlement

import (
\t"errors"
\t"time"
)

// Batch collects payments up to a cutoff.
type Batch struct {
\tID       string
\tCutoff   time.Time
\tPayments []Payment
\tTotal    int64
}

type Payment struct {
\tAccount string
\tAmount  int64
}

var ErrClosed = errors.New("batch is closed")

// Add puts a payment into the batch unless the cutoff has passed.
func (b *Batch) Add(p Payment, now time.Time) error {
\tif now.After(b.Cutoff) {
\t\treturn ErrClosed
\t}
\tif p.Amount <= 0 {
\t\treturn errors.New("amount must be positive")
\t}
\tb.Payments = append(b.Payments, p)
\tb.Total += p.Amount
\treturn nil
}
"""

GO_RENAMED = """\
package clearing
import ("errors"; "time")
type Group struct { Key string; Until time.Time; Items []Item; Sum int64 }
type Item struct { Acct string; Value int64 }
var ErrShut = errors.New("group shut")
func (g *Group) Push(it Item, at time.Time) error {
    if at.After(g.Until) { return ErrShut }
    if it.Value <= 0 { return errors.New("bad value") }
    g.Items = append(g.Items, it)
    g.Sum += it.Value
    return nil
}
"""
