"""The big lane: a publication too big or too slow for the feed's own pace is judged aside.

``watch`` judges the feeds' publications in feed order on one thread, so that checkpoints,
findings and alerts are those of a serial watch. One huge publication (a real npm package of
430 MiB of source maps took 4 minutes alone) or one a server trickles would then hold every
publication behind it, and the alert of a leak published right after it would come minutes
late. So a publication goes to the **big lane** when it is known to be big before it is fetched
(npm's ``dist.unpackedSize`` or ``dist.fileCount``: ``LANE_BYTES``, ``LANE_FILES``), when its
reading ahead finds it is (``LANE_BYTES`` of files read), or when it has been in progress longer
than ``LANE_AFTER`` (its fetch, or its reading, not its wait for the scan): one thread of its own
with a parser process of its own judges the lane's publications one at a time, in feed order,
while the feed goes on. A later publication of the same package follows it into the lane (the
package's mark must see the first one read before it decides what the second is).

Exactly once still holds. The lane judges; the watch's thread commits what it judged, as it
commits everything (one connection, one transaction per publication). While a publication of a
feed is pending in the lane, that feed's checkpoint stays before it, and each entry done after
it is recorded done in the results database (``watch_done``) in the transaction of its finding;
once the oldest pending publication is done, the checkpoint moves to the newest entry done with
nothing pending before it, and those rows go (``Ledger``). Killed at any time, a restart reads
the feed from the checkpoint, judges again what was pending (never committed) and passes over
the entries recorded done (no fetch). A backlog of big publications waits as identities (the
feed entry; its tarball is fetched again when its turn comes), not as tarballs in memory. The
three bounds are in ``scanner.lane_limits``.

A publication moved only by time (``Slow``: its fetch or reading outlasted ``LANE_AFTER``,
which a trickling server, or a loaded machine, does) goes to a **slow lane** of its own, never
behind the big ones: in the big lane it waited for every big publication before it (minutes
each), though nothing in it was big.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fingerprints import ParseLimits, start_parser


class ToLane(BaseException):
    """Raised on the watch's thread (or into a read-ahead stream) when a publication is to be
    judged in the lane; its text says why. A ``BaseException``, so that no reader's ``except
    Exception`` (what a hostile input raises) takes it for a broken input."""


class Slow(ToLane):
    """A publication in progress longer than ``LANE_AFTER``, not known to be big: the slow
    lane."""


@dataclass
class Step:
    """One commit a judgement asks for: a publication's outcome (None: nothing to scan, only
    its ``mark`` moves), in the order a serial watch would commit them."""

    publication: Any
    outcome: Any
    done: int = 1
    mark: Any = None
    moves: bool = True


@dataclass(eq=False)
class Job:
    """One publication in the lane: its feed entry (``slot``: the publication, and its fetch
    when it was kept), why it is there, and what its judgement asks to commit."""

    slot: Any
    why: str
    context: Any = None  # the matching context it was judged against
    memo: Any = None  # its lane's memo
    steps: list[Step] = field(default_factory=list)
    error: BaseException | None = None
    finished: bool = False  # committed
    applied: threading.Event = field(default_factory=threading.Event)

    @property
    def target(self) -> str:
        return str(self.slot.publication.target)


class Ledger:
    """One feed's entries finished since the oldest publication still pending in the lane, in
    feed order: (cursor, recorded done, the lane's job or None). Its finished prefix is what the
    checkpoint may pass (``passable``)."""

    def __init__(self) -> None:
        self.entries: deque[tuple[str, bool, Job | None]] = deque()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def add(self, cursor: str, row: bool, job: Job | None = None) -> None:
        self.entries.append((cursor, row, job))

    def passable(self) -> tuple[str | None, list[str]]:
        """Take the finished prefix: the cursor the checkpoint moves to (None: nothing to
        pass) and the cursors whose done rows go."""
        cursor, rows = None, []
        while self.entries and (self.entries[0][2] is None or self.entries[0][2].finished):
            cursor, row, _ = self.entries.popleft()
            if row:
                rows.append(cursor)
        return cursor, rows

    def pending(self) -> int:
        return sum(1 for _, _, job in self.entries if job is not None and not job.finished)


class Lane:
    """One thread with a parser process of its own judging the lane's jobs one at a time, in
    the order given; each result waits in ``results`` for the watch's thread to commit it, and
    the next job starts only once it did (``applied``): a package's second publication sees the
    first one's mark."""

    def __init__(self, name: str, work: Callable[[Lane, Job], None], limits: ParseLimits | None,
                 end: Callable[[Lane], None] = lambda lane: None) -> None:  # fmt: skip
        """``end``: run on the lane's thread as it stops (what it opened is closed there)."""
        self.name = name
        self.work = work
        self.end = end
        self.done = 0  # jobs committed
        self.memo: dict[Any, Any] = {}  # outcomes by content, of ``context``'s index
        self.context: Any = None
        self.limits = limits
        self.results: queue.Queue[Job] = queue.Queue()
        self._jobs: deque[Job] = deque()
        self._current: Job | None = None
        self._changed = threading.Condition()
        self._quit = False
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        with self._changed:
            return self._current is not None or bool(self._jobs)

    def waiting(self) -> list[Job]:
        """The jobs not yet committed, the one being judged first."""
        with self._changed:
            return ([self._current] if self._current else []) + list(self._jobs)

    def submit(self, job: Job, *, first: bool = False) -> None:
        """Queue ``job`` (``first``: ahead of the others, to be judged again)."""
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"watch-{self.name}-lane",
                                                daemon=True)  # fmt: skip
                self._thread.start()
            if first:
                self._jobs.appendleft(job)
            else:
                self._jobs.append(job)
            self._changed.notify_all()

    def applied(self, job: Job) -> None:
        with self._changed:
            if self._current is job:
                self._current = None
            job.applied.set()
            self._changed.notify_all()

    def again(self, job: Job) -> None:
        """``job`` was judged against an index since replaced: judge it again, first."""
        with self._changed:
            if self._current is job:
                self._current = None
            job.steps, job.error = [], None
            self._jobs.appendleft(job)
            self._changed.notify_all()

    def close(self, wait: float = 2.0) -> None:
        """Stop the lane; ``wait`` seconds for its thread to close what it opened (one still
        judging a publication is left: the process's end closes it)."""
        with self._changed:
            self._quit = True
            self._jobs.clear()
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(wait)

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self.end(self)

    def _serve(self) -> None:
        if self.limits is not None:
            start_parser(self.limits)
        while True:
            with self._changed:
                while not self._quit and (self._current is not None or not self._jobs):
                    self._changed.wait()
                if self._quit:
                    return
                job = self._current = self._jobs.popleft()
            try:
                self.work(self, job)
            except BaseException as exc:  # a bug: the watch's thread raises it
                job.error = exc
            self.results.put(job)
