"""Polling file watcher.

Polling is slower than inotify/FSEvents but it behaves the same on every
platform, inside containers and on network mounts, which matters more for a
development server than shaving a few milliseconds off rebuild latency.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

__all__ = ["Change", "PollingWatcher"]

log = logging.getLogger("quarry.watch")

Snapshot = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "modified" or "deleted"
    path: str

    @property
    def is_stylesheet(self) -> bool:
        return self.path.endswith(".css")


def snapshot(roots: Iterable[Path], skip: Iterable[Path] = ()) -> Snapshot:
    """Map every file under ``roots`` to ``(size, mtime_ns)``."""
    skipped = {str(p) for p in skip}
    state: Snapshot = {}
    for root in roots:
        if root.is_file():
            stat = root.stat()
            state[str(root)] = (stat.st_size, stat.st_mtime_ns)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            # Prune hidden directories and anything we were told to skip
            # (notably the output directory when it lives inside the root).
            dirnames[:] = [d for d in dirnames
                           if not d.startswith(".") and os.path.join(dirpath, d) not in skipped]
            for name in filenames:
                if name.startswith(".") or name.endswith("~"):
                    continue
                full = os.path.join(dirpath, name)
                try:
                    stat = os.stat(full)
                except FileNotFoundError:
                    continue  # removed between listdir and stat
                state[full] = (stat.st_size, stat.st_mtime_ns)
    return state


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    changes = [Change("deleted", p) for p in before.keys() - after.keys()]
    changes += [Change("added", p) for p in after.keys() - before.keys()]
    changes += [Change("modified", p) for p in before.keys() & after.keys() if before[p] != after[p]]
    return sorted(changes, key=lambda c: c.path)


class PollingWatcher:
    """Calls ``callback(changes)`` from a background thread whenever files
    under ``roots`` change. Bursts of changes (an editor writing a temp file
    and renaming it, a ``git checkout``) are coalesced by waiting until the
    tree has been quiet for ``settle`` seconds."""

    def __init__(self, roots: Iterable[Path], callback: Callable[[list[Change]], None], *,
                 interval: float = 0.5, settle: float = 0.2, skip: Iterable[Path] = ()):
        self.roots = [Path(r) for r in roots]
        self.skip = [Path(s) for s in skip]
        self.callback = callback
        self.interval = interval
        self.settle = settle
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("watcher already started")
        self._thread = threading.Thread(target=self._run, name="quarry-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        current = snapshot(self.roots, self.skip)
        while not self._stop.wait(self.interval):
            latest = snapshot(self.roots, self.skip)
            if latest == current:
                continue
            # Wait for the burst to settle before reporting.
            deadline = time.monotonic() + 5.0
            while time.monotonic() < deadline and not self._stop.wait(self.settle):
                again = snapshot(self.roots, self.skip)
                if again == latest:
                    break
                latest = again
            changes = diff(current, latest)
            current = latest
            if changes:
                try:
                    self.callback(changes)
                except Exception:  # keep watching even if a rebuild blows up
                    log.exception("change handler failed")
