"""tallyhub - bookkeeping primitives for small co-operatives."""

from .amount import Amount, total_of
from .book import Book, BookingRejected, Leg, Voucher
from .chart import Direction, Kind, Registry

__all__ = ["Amount", "Book", "BookingRejected", "Direction", "Kind", "Leg", "Registry", "Voucher", "total_of"]
