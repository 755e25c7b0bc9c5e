"""Small helpers kept inside the ledger (ISO 8601 dates for statement imports)."""

from .iso8601 import ParseError, parse_date

__all__ = ["ParseError", "parse_date"]
