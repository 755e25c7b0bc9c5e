"""The store ``watch`` matches against, followed while it runs.

The private side may fingerprint into the store while a watch runs for days (a new repository,
a changed file). Each publication is judged against the index of the store as it is when the
judging starts (``current``: the store's stamp, one read of its ``meta`` table), and its verdict
is committed only when the store has not changed since; otherwise the store and its index are
opened again (one line says so) and the publication judged again. A verdict reached against a
stale index is never committed, and a store that changed is never matched against its old index.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fingerprints import open_store

if TYPE_CHECKING:
    from fingerprints import SQLiteStore
    from scanner.scan import ScanContext

Stamp = tuple[str, int]


class FollowedStore:
    """A read-only connection kept on the store to read its stamp, and how to build the
    matching context (index, parameters) from it again."""

    def __init__(self, path: Path, build: Callable[[SQLiteStore], ScanContext],
                 say: Callable[[str], None], stamp: Stamp) -> None:  # fmt: skip
        """``stamp``: the store's when the index in use was opened."""
        self.path = path
        self.build = build
        self.say = say
        self._store = open_store(path, read_only=True)
        self._file = _identity(path)
        self.stamp: Stamp = stamp

    def current(self) -> Stamp:
        return self._store.stamp()

    def changed(self) -> bool:
        """The store's stamp moved, or another file took its path (a store written aside and
        moved over it: the connection kept would go on reading the old file)."""
        return self.current() != self.stamp or _identity(self.path) != self._file

    def reopen(self) -> ScanContext:
        """The store opened again and its index (rebuilt if stale): the new context."""
        self._store.close()
        self._file = _identity(self.path)
        self._store = open_store(self.path, read_only=True)
        stamp = self._store.stamp()
        context = self.build(self._store)
        self.stamp = stamp
        self.say(f"{self.path}: the store changed; its index reopened, the next publications "
                 "are judged against it")  # fmt: skip
        return context

    def close(self) -> None:
        self._store.close()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino
