"""``leaktrace watch``: follow the npm, PyPI and GitHub feeds, scan each new publication once,
record findings and deliver alerts through a durable outbox."""

from scanner.watch.alerts import Outbox, alert_payload, render
from scanner.watch.engine import BoundedCache, Filters, Watcher
from scanner.watch.feeds import GitHubFeed, NpmFeed, Publication, PyPIFeed
from scanner.watch.state import WatchState

__all__ = [
    "BoundedCache",
    "Filters",
    "GitHubFeed",
    "NpmFeed",
    "Outbox",
    "Publication",
    "PyPIFeed",
    "WatchState",
    "Watcher",
    "alert_payload",
    "render",
]
