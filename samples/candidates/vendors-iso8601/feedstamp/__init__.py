"""feedstamp: order feed entries by the time they claim."""

from .feed import Entry, latest, merge_feeds

__all__ = ["Entry", "latest", "merge_feeds"]
