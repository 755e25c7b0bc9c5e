"""invoicer-lite: invoices and payment matching for small agencies."""

__version__ = "0.7.3"
