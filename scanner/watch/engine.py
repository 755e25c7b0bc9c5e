"""The watch loop: read each feed from its checkpoint, scan what passes the filters, commit.

Each feed is polled by a reader thread of its own; this thread takes the entries in the order
they were read, scans each publication and commits it (``WatchState.commit``), in feed order.
What a publication needs before its scan runs ahead (``prefetch`` of them): the fetching (its
document, tarball, compare listing and blobs) on a few threads, the reading and parsing of its
files on ``jobs`` threads with a parser process each (``scanner.watch.pipeline``), so that the
parse of the next publications overlaps the matching of this one. Memory is bounded: the
prefetch window, a few files per publication in it, the per-content memo (emptied past
``MEMO_ENTRIES``), a bounded ETag cache and a bounded blob cache; nothing is kept per
publication seen (the results database keeps, per npm package read in about the last day, its
newest version read: ``scanner.watch.state``).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from packaging.utils import canonicalize_name

from fingerprints import LeaktraceError, StoreError, carried_name
from scanner.http import FetchError
from scanner.index import RecentCache
from scanner.lane_limits import LANE_AFTER, LANE_BYTES
from scanner.reports.json_report import candidate_dict
from scanner.scan import FileOutcome, ScanContext, scan_candidate
from scanner.sources import Unreadable
from scanner.verdict import Verdict
from scanner.watch.alerts import alert_payload
from scanner.watch.feeds import Opened, Publication, Versions
from scanner.watch.lane import Job, Lane, Ledger, Slow, Step, ToLane
from scanner.watch.pipeline import FileStream, Parsed, Prepared, ReadAhead
from scanner.watch.reopen import FollowedStore
from scanner.watch.state import Mark, WatchState, undated_mark

MEMO_ENTRIES = 10_000
"""Distinct file contents whose outcome is remembered across publications (new versions repeat
most files of the last one); past it the memo starts empty again."""
INBOX = 8
"""Feed entries read and waiting for this thread, from all feeds (see ``Watcher``)."""
WINDOW = 256
"""Entries in the window at most (most of them passed over: filtered, or nothing published)."""


class Feed(Protocol):
    name: str
    interval: float

    @property
    def cursor(self) -> str | None: ...

    def poll(self) -> Iterator[Publication]: ...


@dataclass(frozen=True)
class Filters:
    """Which publications are scanned. Package names match any ``packages`` pattern (fnmatch)
    or ``scopes`` (``@acme``); GitHub repositories an ``orgs`` owner or a ``keywords`` word in
    OWNER/NAME. A kind of feed with no filter of its own passes everything."""

    packages: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def wanted(self, publication: Publication) -> bool:
        name = publication.name
        if not name:  # an entry too malformed to name: reported unread, never filtered away
            return True
        if publication.feed == "github":
            if not (self.orgs or self.keywords):
                return True
            owner = name.split("/", 1)[0].lower()
            return owner in {o.lower() for o in self.orgs} or any(
                k.lower() in name.lower() for k in self.keywords)  # fmt: skip
        if not (self.packages or self.scopes):
            return True
        packages = self.packages
        if publication.feed == "pypi":  # PEP 503: Acme_Billing is the project acme-billing
            name, packages = canonicalize_name(name), tuple(map(canonicalize_name, packages))
        return any(fnmatch.fnmatchcase(name, p) for p in packages) or any(
            name.startswith(s.rstrip("/") + "/") for s in self.scopes)  # fmt: skip


@dataclass
class Counts:
    seen: int = 0
    scanned: int = 0
    filtered: int = 0
    flagged: int = 0
    incomplete: int = 0
    feed_failures: int = 0  # a feed that could not be followed: what it published is unread
    by_feed: dict[str, int] = field(default_factory=dict)


class BoundedCache:
    """An LRU of ETag answers (``ResponseCache``) or blobs (``BlobCache``), at most ``entries``
    and ``max_bytes`` of bodies (``index.RecentCache``; a body larger than that is not kept):
    the live events page is revalidated, a package document seen again may be, and nothing
    grows with time."""

    def __init__(self, entries: int = 256, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self._kept = RecentCache(max_bytes, most_entries=entries)

    @property
    def bytes(self) -> int:
        return self._kept.bytes

    def _put(self, key: str, value: Any, size: int) -> None:
        if size <= self.max_bytes:
            self._kept.put(key, value, size)

    def get(self, url: str) -> tuple[str, bytes] | None:
        return self._kept.peek(url)  # type: ignore[no-any-return]

    def put(self, url: str, etag: str, body: bytes) -> None:
        self._put(url, (etag, body), len(body))

    def get_blob(self, sha: str) -> bytes | None:
        return self._kept.peek(sha)  # type: ignore[no-any-return]

    def put_blob(self, sha: str, data: bytes) -> None:
        self._put(sha, data, len(data))


@dataclass
class _Slot:
    """One item of the watch's window, in the order the feeds gave it: a feed entry (with its
    fetch and its read-ahead when it is scanned) or a reader's word about its feed."""

    feed: str
    publication: Publication | None = None
    opened: Future[Opened] | None = None
    stream: FileStream | None = None
    word: str = ""  # "caught up" (cursor in ``text``), "failed" (message), "done", "crashed"
    text: str = ""
    polled_at: float = 0.0  # "caught up": when the poll that caught up began (epoch seconds)
    error: BaseException | None = None
    started: float = 0.0  # when its fetch began (monotonic)
    done_ahead: bool = False  # done by an earlier run past its checkpoint (the big lane)


class Watcher:
    """Follows the feeds: one reader thread per feed polls it (no faster than ``poll`` or the
    feed's own interval, at once again when a round took longer) and queues its entries; this
    thread takes them in the order they were read, keeps ``prefetch`` publications fetched and
    read ahead (``ReadAhead``: ``jobs`` parser processes), scans each and commits it, in order.
    A feed with a backlog does not hold back the others: the readers share one short queue, so
    a PyPI or GitHub entry waits behind a few npm ones, not behind all of npm's backlog."""

    def __init__(self, feeds: list[Feed], state: WatchState, context: ScanContext,
                 filters: Filters, run_id: int, *, alert_review: bool = False,
                 prefetch: int = 4, jobs: int = 1, on_alert: Callable[[], None] | None = None,
                 say: Callable[[str], None] = print,
                 redact: Callable[[str], str] = lambda s: s,
                 store: FollowedStore | None = None, lane_bytes: int = LANE_BYTES,
                 lane_after: float = LANE_AFTER) -> None:  # fmt: skip
        self.feeds = feeds
        self.store = store  # reopened when it changes (``_judged``)
        self.state = state
        self.context = context
        self.filters = filters
        self.run_id = run_id
        self.alerting = {Verdict.DERIVATIVE.value} | (
            {Verdict.REVIEW.value} if alert_review else set())  # fmt: skip
        self.jobs = max(1, jobs)
        self.prefetch = max(1, prefetch, self.jobs + 1)  # a publication per parser, and the scan's
        self.on_alert = on_alert
        self.say = say
        self.redact = redact
        self.counts = Counts()
        self.memo: dict[tuple[str, str], FileOutcome] = {}
        self._fetch = ThreadPoolExecutor(self.prefetch, thread_name_prefix="watch-fetch")
        self._ahead = ReadAhead(context, self.jobs, lambda: self.memo, lane_bytes, lane_after)
        self.lane_after = lane_after
        self._big, self._slow = (Lane(name, self._lane_work, context.parse_limits,
                                      self._lane_end) for name in ("big", "slow"))  # fmt: skip
        self._lanes = [self._big, self._slow]
        self._lane_names: Counter[tuple[str, str]] = Counter()  # packages with a job pending
        self._lane_of: dict[tuple[str, str], Lane] = {}  # and the lane it is in
        self._ledgers: dict[str, Ledger] = {}
        self._applying = False  # committing a lane job's steps
        self._inbox: queue.Queue[_Slot] = queue.Queue(maxsize=INBOX)
        self._quit = threading.Event()  # the readers stop
        self._readers: list[threading.Thread] = []

    def close(self) -> None:
        self._quit.set()
        for reader in self._readers:
            reader.join(2.0)
        for lane in self._lanes:
            lane.close()
        self._ahead.close()
        self._fetch.shutdown(wait=False, cancel_futures=True)
        self.context.index.close()

    def run(self, *, once: bool = False, poll: float = 5.0,
            stop: Callable[[], bool] = lambda: False) -> None:  # fmt: skip
        """Follow every feed; with ``once``, stop when each is caught up. On ``stop`` what was
        fetched is scanned and committed, then it returns."""
        self._readers = [threading.Thread(target=self._read, args=(feed, once, poll, stop),
                                          name=f"watch-{feed.name}", daemon=True)
                         for feed in self.feeds]  # fmt: skip
        for reader in self._readers:
            reader.start()
        window: deque[_Slot] = deque()
        ahead = 0  # publications of the window being fetched and read
        skipped = {feed.name: 0 for feed in self.feeds}  # entries passed over, not committed
        last: dict[str, str | None] = {feed.name: None for feed in self.feeds}
        running = {feed.name for feed in self.feeds}
        try:
            while True:
                self._collect()
                stopping = stop()
                while not stopping and ahead < self.prefetch and len(window) < WINDOW:
                    try:  # keep the window full; wait for the readers only when it is empty
                        slot = self._inbox.get_nowait() if window else self._inbox.get(timeout=0.2)
                    except queue.Empty:
                        break
                    ahead += self._start(slot)
                    window.append(slot)
                if window:
                    slot = window.popleft()
                    ahead -= slot.opened is not None
                    self._finish(slot, skipped, last, running)
                elif stopping or not (running or any(lane.busy for lane in self._lanes)):
                    break
            for name, count in skipped.items():  # entries passed over since the last commit
                cursor = last[name]
                if count and cursor is not None:
                    self._commit(name, cursor, count, row=False)
            left = [job for lane in self._lanes for job in lane.waiting()]
            if left:
                self.say(f"{len(left)} publication(s) pending in the lanes are not done "
                         "(judged at the next start): "
                         + ", ".join(self.redact(j.target) for j in left[:5]))  # fmt: skip
        finally:
            self._quit.set()

    # -- the readers ---------------------------------------------------------------------------

    def _read(self, feed: Feed, once: bool, poll: float, stop: Callable[[], bool]) -> None:
        """A feed's reader thread: poll, queue each entry, say when caught up; again after the
        interval (``once``: only one round)."""
        while not (self._quit.is_set() or stop()):
            started, began = time.monotonic(), time.time()
            try:
                for publication in feed.poll():
                    if not self._put(_Slot(feed.name, publication), stop):
                        return
                caught_up = _Slot(feed.name, word="caught up", text=feed.cursor or "",
                                  polled_at=began)  # fmt: skip
                if not self._put(caught_up, stop):
                    return
            except LeaktraceError as exc:  # the feed itself failed: try again next round
                if not self._put(_Slot(feed.name, word="failed", text=str(exc)), stop):
                    return
            except BaseException as exc:  # a bug: the watch must not go on without this feed
                self._put(_Slot(feed.name, word="crashed", error=exc), stop)
                return
            if once:
                break
            pause = max(poll, feed.interval) - (time.monotonic() - started)
            while pause > 0 and not (self._quit.is_set() or stop()):
                self._quit.wait(min(0.2, pause))
                pause = max(poll, feed.interval) - (time.monotonic() - started)
        self._put(_Slot(feed.name, word="done"), stop)

    def _put(self, slot: _Slot, stop: Callable[[], bool]) -> bool:
        while not (self._quit.is_set() or stop()):
            try:
                self._inbox.put(slot, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    # -- this thread ---------------------------------------------------------------------------

    def _start(self, slot: _Slot) -> int:
        """Count a feed entry and start fetching and reading it if it is to be scanned; 1 when
        it was started."""
        publication = slot.publication
        if publication is None:
            return 0
        self.counts.seen += 1
        if publication.open is None:
            return 0
        if not self.filters.wanted(publication):
            self.counts.filtered += 1
            return 0
        if self.state.done_ahead(publication.feed, publication.cursor):
            slot.done_ahead = True  # done before a restart, past a publication then pending
            return 0
        slot.started = time.monotonic()
        slot.opened = self._fetch.submit(publication.open)
        slot.stream = self._ahead.submit(slot.opened)
        return 1

    def _finish(self, slot: _Slot, skipped: dict[str, int], last: dict[str, str | None],
                running: set[str]) -> None:  # fmt: skip
        """Do what the window's oldest item needs, in feed order: scan and commit a
        publication, or pass an entry over, or act on a reader's word."""
        name = slot.feed
        if slot.word == "crashed" and slot.error is not None:
            raise slot.error
        if slot.word == "failed":
            self.counts.feed_failures += 1
            self.say(f"{name}: {self.redact(slot.text)}; trying again later")
        elif slot.word == "done":
            running.discard(name)
        elif slot.word == "caught up":  # the feed's cursor may be past its last entry
            if slot.text and (skipped[name] or slot.text != last[name]):
                self._commit(name, slot.text, skipped[name], row=False)
                skipped[name], last[name] = 0, slot.text
            if not self._ledgers.get(name):  # not while a publication before it is pending
                self.state.caught_up(name, slot.polled_at)
        elif slot.publication is not None:
            cursor = last[name] = slot.publication.cursor
            if slot.done_ahead:
                self._ledger(name).add(cursor, True)
                self._advance(name, skipped[name])
                skipped[name] = 0
                return
            key = (name, slot.publication.name)
            try:
                if key in self._lane_names:
                    raise ToLane(f"a publication of its package is pending in the "
                                 f"{self._lane_of[key].name} lane")  # fmt: skip
                scanned = self._scan(slot, skipped[name])
            except ToLane as moved:
                slow = isinstance(moved, Slow)
                lane = self._lane_of.get(key) or (self._slow if slow else self._big)
                self._to_lane(slot, skipped[name], str(moved), lane)
                scanned = True
            if not scanned and self._ledgers.get(name) and slot.opened is not None:
                self._commit(name, cursor, skipped[name] + 1)  # fetched: not again at a restart
                scanned = True
            skipped[name] = 0 if scanned else skipped[name] + 1

    # -- the big lane --------------------------------------------------------------------------

    def _ledger(self, feed: str) -> Ledger:
        return self._ledgers.setdefault(feed, Ledger())

    def _commit(self, feed: str, cursor: str | None, done: int, *args: Any, row: bool = True,
                **kwargs: Any) -> None:  # fmt: skip
        """``state.commit``, the checkpoint held before a publication pending in the lane: the
        entry is recorded done (``row``; else only counted) and the ledger notes it."""
        ledger = self._ledgers.get(feed)
        if cursor is None or not ledger:
            self.state.commit(feed, cursor, done, *args, **kwargs)
            return
        self.state.commit(feed, cursor if row else None, done, *args, ahead=row, **kwargs)
        if not self._applying:  # a lane job's own entry is in the ledger already
            ledger.add(cursor, row)

    def _advance(self, feed: str, done: int = 0) -> None:
        """Move ``feed``'s checkpoint over the ledger's finished prefix."""
        cursor, rows = self._ledger(feed).passable()
        if cursor is not None:
            self.state.advance(feed, cursor, rows, done)
        elif done:
            self.state.commit(feed, None, done)

    def _to_lane(self, slot: _Slot, before: int, why: str, lane: Lane) -> None:
        """Hand the window's oldest publication to ``lane``; the feed goes on."""
        publication = slot.publication
        assert publication is not None
        if before:  # the entries passed over before it
            self.state.commit(publication.feed, None, before)
        if slot.stream is not None:
            self._ahead.done(slot.stream)
            slot.stream = None
        if lane.busy:
            slot.opened = None  # it waits as a feed entry: fetched again when its turn comes
        job = Job(slot, why)
        self._ledger(publication.feed).add(publication.cursor, True, job)
        key = (publication.feed, publication.name)
        self._lane_names[key] += 1
        self._lane_of[key] = lane
        lane.submit(job)
        self.say(f"{self.redact(publication.target)}: {why}; judged in the {lane.name} lane, "
                 f"the feed goes on ({len(lane.waiting())} pending there)")  # fmt: skip

    def _lane_work(self, lane: Lane, job: Job) -> None:
        """A lane's thread: judge ``job`` against the context as it is now (the watch's
        thread commits it, or, if the context changed meanwhile, hands it back)."""
        job.context = self.context
        if len(lane.memo) > MEMO_ENTRIES or lane.context is not job.context:
            if lane.context is not job.context:
                self._lane_end(lane)  # the store connections this thread opened for the old one
            lane.memo, lane.context = {}, job.context
        job.memo = lane.memo
        try:
            self._scan(job.slot, 0, job)
        except StoreError:
            if self.store is None or not self.store.changed():
                raise  # not a change of the store: the store itself is at fault
            job.steps = []  # the watch's thread reopens the store and hands it back

    @staticmethod
    def _lane_end(lane: Lane) -> None:
        """On ``lane``'s thread: close the store connections it opened for its index."""
        if lane.context is not None:
            lane.context.index.close()

    def _collect(self) -> None:
        """Commit what each lane judged, in the order it judged it."""
        for lane in self._lanes:
            self._collect_from(lane)

    def _collect_from(self, lane: Lane) -> None:
        while True:
            try:
                job = lane.results.get_nowait()
            except queue.Empty:
                return
            if job.error is not None:
                raise job.error
            if self.store is not None and self.store.changed():
                self._reopen()
            if job.context is not self.context:  # judged against an index since replaced
                lane.again(job)
                continue
            publication = job.slot.publication
            self._applying = True
            try:
                for step in job.steps:
                    self._apply(step)
            finally:
                self._applying = False
            job.finished = True
            lane.done += 1
            key = (publication.feed, publication.name)
            self._lane_names[key] -= 1
            if not self._lane_names[key]:
                del self._lane_names[key], self._lane_of[key]
            lane.applied(job)
            self._advance(publication.feed)

    def lane_status(self) -> str:
        """What the big lane (and the slow one, when used) did and holds, for the summary."""
        said = []
        for lane in self._lanes:
            waiting = lane.waiting()
            if lane.name != "big" and not (waiting or lane.done):
                continue
            names = ", ".join(self.redact(j.target) for j in waiting[:3])
            more = f" and {len(waiting) - 3} more" if len(waiting) > 3 else ""
            said.append(f"{lane.name} lane: {lane.done:,} done, {len(waiting):,} pending"
                        + (f" ({names}{more})" if waiting else ""))  # fmt: skip
        return "; ".join(said)

    def _scan(self, slot: _Slot, before: int, job: Job | None = None) -> bool:
        """Scan one publication and commit it with the ``before`` entries passed over since
        the last commit; False when there was nothing to scan (the entry is committed with the
        next one). An npm change may stand for several versions: each one published after the
        newest read is fetched, scanned and committed first (without moving the checkpoint, so
        a kill before the last one reads the change again and opens only the versions after
        the mark), then this one.
        On the lane's thread (``job``) it is judged there, read on that thread, and what it
        asks to commit is kept in ``job.steps`` for the watch's thread; on the watch's thread
        ``ToLane`` says it goes to the lane (big, or in progress longer than ``lane_after``)."""
        publication, future, stream = slot.publication, slot.opened, slot.stream
        if publication is None or (job is None and (future is None or stream is None)):
            return False
        mark: Mark | None = None
        ahead: FileStream | None = stream  # the files read and parsed ahead, if they are these
        db = self.state.reader() if job is not None else None
        try:
            if job is None and future is not None:
                try:
                    future.result(timeout=max(0.0, slot.started + self.lane_after
                                              - time.monotonic()))  # fmt: skip
                except TimeoutError:
                    raise Slow(f"still being fetched after {self.lane_after:g} s") from None
                except Exception:  # the fetch's own error: taken below
                    pass
            fetch = future.result if future is not None else publication.open
            opened = self._opened(publication.target, publication.feed, fetch, job)
            listing = opened.versions
            if listing is not None:
                unread = self.state.unread_versions(publication.feed, listing.package,
                                                    listing.dated, db,
                                                    modified=listing.modified)  # fmt: skip
                # the versions with no time first: whether one is new is unknown, so each is
                # read again at a change of its package once its mark of the time it was read
                # is pruned (``undated_mark``)
                todo: list[tuple[str, Mark]] = []
                for version in listing.undated:
                    if self.state.undated_read(publication.feed, listing.package, version, db):
                        continue
                    self.say(f"{publication.target}@{version}: no publication time in the "
                             "packument; read, and again at a change a day on")  # fmt: skip
                    todo.append((version, undated_mark(listing.package, version)))
                todo += [(dated[1], (listing.package, dated)) for dated in unread]
                if not todo:  # no version published since the newest read
                    return False
                for version, version_mark in todo[:-1]:
                    extra = self._open_version(publication, listing, version, job)
                    self._version(publication, extra, None, 1, version_mark, moves=False, job=job)
                last, mark = todo[-1]
                if last in listing.undated or (opened.candidate is None and opened.later is None
                                               and opened.skipped is None):  # fmt: skip
                    # taken as read ahead (its mark was pruned since, or it is a package's
                    # newest read again), or a version with no time: fetched here, not ahead
                    opened, ahead = self._open_version(publication, listing, last, job), None
                elif opened.later is not None:
                    opened = self._opened(publication.target, publication.feed, opened.later, job)
            elif opened.later is not None:
                opened = self._opened(publication.target, publication.feed, opened.later, job)
            return self._version(publication, opened, ahead, before + 1, mark, job=job)
        finally:
            if stream is not None:
                self._ahead.done(stream)

    def _open_version(self, publication: Publication, listing: Versions, version: str,
                      job: Job | None = None) -> Opened:  # fmt: skip
        """One npm version of a change fetched on this thread (not ahead)."""
        target = f"{publication.target}@{version}"
        fetch = functools.partial(listing.open, version)
        opened = self._opened(target, publication.feed, fetch, job)
        if opened.later is not None:
            opened = self._opened(target, publication.feed, opened.later, job)
        return opened

    def _version(self, publication: Publication, opened: Opened, ahead: FileStream | None,
                 done: int, mark: Mark | None, *, moves: bool = True,
                 job: Job | None = None) -> bool:  # fmt: skip
        """Scan what ``opened`` holds (its files from ``ahead`` when they were read ahead) and
        commit it with its ``mark`` (None: not npm); False when there
        was nothing to scan (the mark still moves). On the lane's thread (``job``) the commit
        is kept for the watch's thread."""
        if opened.candidate is None:
            step = Step(publication, None, 0, mark, moves)
        elif job is None:
            outcome = self._judged(publication.feed, opened.candidate, ahead)
            step = Step(publication, outcome, done, mark, moves)
        else:
            outcome = self._judge(publication.feed, opened.candidate, None, job.context,
                                  job.memo)  # fmt: skip
            step = Step(publication, outcome, done, mark, moves)
        if job is None:
            self._apply(step)
        else:
            job.steps.append(step)
        return opened.candidate is not None

    def _apply(self, step: Step) -> None:
        """Commit what a judgement asked for (on the watch's thread)."""
        if step.outcome is None:
            if step.mark is not None:
                self._commit(step.publication.feed, None, 0, mark=step.mark)
            return
        self._record(step.publication, step.outcome, step.done, mark=step.mark,
                     moves=step.moves)  # fmt: skip

    def _judged(self, feed: str, candidate: Any, ahead: FileStream | None) -> Any:
        """The outcome of ``candidate`` (its files from ``ahead`` when read ahead), judged
        against the store as it is now: when the store changed before or while it was judged,
        the store and its index are opened again and it is judged again (from the candidate;
        the files read ahead were taken), so no verdict of a stale index is committed."""
        while True:
            if self.store is not None and self.store.changed():
                self._reopen()
            try:
                if ahead is None:
                    outcome = self._judge(feed, candidate, None)
                else:
                    prepared = Prepared(candidate, ahead, self.lane_after)
                    outcome = self._judge(feed, prepared, Parsed(prepared))
            except StoreError:
                if self.store is None or not self.store.changed():
                    raise  # not a change of the store: the store itself is at fault
                outcome = None
            if self.store is None or not self.store.changed():
                return outcome
            ahead = None

    def _reopen(self) -> None:
        """The store changed: its index opened again, the memo (outcomes of the old index)
        emptied."""
        assert self.store is not None
        old, self.context = self.context, self.store.reopen()
        self._ahead.context = self.context
        self.memo = {}
        old.index.close()  # its store connections: not left until a full collection

    def _opened(self, target: str, feed: str, fetch: Callable[[], Opened],
                job: Job | None = None) -> Opened:  # fmt: skip
        """What ``fetch`` gave, or, when it failed, an unread candidate saying why. Too big to
        be fetched ahead (``Opened.later``): ``ToLane`` on the watch's thread; the lane's
        (``job``) fetches it."""
        try:
            opened = fetch()
            if opened.later is not None and job is None:
                raise ToLane(opened.big)
            return opened
        except (LeaktraceError, OSError) as exc:
            message = self.redact(str(exc)).removeprefix(f"{target}: ")
            return Opened(Unreadable(target, feed, message))
        except Exception as exc:  # what a hostile answer can raise that nothing above names:
            # unread, never a crash that meets the same answer at every restart
            message = self.redact(f"{type(exc).__name__}: {exc}")
            return Opened(Unreadable(target, feed, f"could not be read ({message})"))

    def _judge(
        self,
        feed: str,
        candidate: Any,
        runner: Parsed | None,
        context: ScanContext | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> Any:
        """``candidate``'s outcome against ``context`` with ``memo`` (the watch's own unless
        given: the lane's)."""
        own = context is None
        context, memo = context or self.context, self.memo if memo is None else memo
        try:  # a candidate read ahead hands over the hash of each file its reading worked out
            digests = candidate.digest if isinstance(candidate, Prepared) else None
            outcome = scan_candidate(candidate, context, memo=memo, runner=runner,
                                     digests=digests)  # fmt: skip
        except FetchError as exc:
            unread = Unreadable(candidate.target, feed, self.redact(str(exc)))
            outcome = scan_candidate(unread, context, memo=memo)
        if own and len(self.memo) > MEMO_ENTRIES:
            self.memo = {}
        return outcome

    def _record(self, publication: Publication, outcome: Any, done: int, *,
                mark: Mark | None = None, moves: bool = True) -> None:  # fmt: skip
        """Commit a scanned publication (``done``: with the entries passed over before it): its
        checkpoint (``moves``), its package's mark, finding and alert in one transaction; then
        wake the outbox at once."""
        cursor = publication.cursor if moves else None
        self.counts.scanned += 1
        self.counts.by_feed[publication.feed] = self.counts.by_feed.get(publication.feed, 0) + 1
        outcome.target = carried_name(outcome.target)
        for problem in outcome.problems:
            if problem.partial and not self.context.said_apart(problem):  # said at the start
                where = f"{outcome.target}:{problem.path}" if problem.path else outcome.target
                self.say(f"{where}: {self.redact(problem.message)}")
        verdict = outcome.verdict.value
        record = verdict != Verdict.CLEAR.value
        data = candidate_dict(outcome) if record else None
        alert = None
        if data is not None:
            data["watch"] = {"feed": publication.feed, "seen_at": publication.seen}
            excerpts = {path: (outcome.file_hashes[path], text)
                        for path, text in outcome.excerpts.items()}  # fmt: skip
            if verdict in self.alerting:
                alert_id = data["watch"]["alert"] = _alert_id(publication, outcome)
                known = self.state.known_alert(alert_id)  # the same files in the same repository
                if known:
                    self.say(f"{outcome.target}: the same files were already reported; no new "
                             "alert")  # fmt: skip
                    if self.state.recorded(self.run_id, alert_id):  # in this run: once
                        self._commit(publication.feed, cursor, done, mark=mark)
                        return
                    # alerted by another watch with the same webhook (or none): its finding is
                    # still recorded in this run, for 'review'
                else:
                    alert = (alert_id, alert_payload(data, publication.feed, publication.seen,
                                                     alert_id))  # fmt: skip
                    self.say(f"{verdict}: {outcome.target} ({outcome.match.matched_tokens:,} "
                             "private tokens)")  # fmt: skip
                self.counts.flagged += 1
            elif verdict == Verdict.INCOMPLETE.value:
                self.counts.incomplete += 1
        self._commit(publication.feed, cursor, done, self.run_id, data,
                     excerpts if data is not None else None, alert, mark)  # fmt: skip
        if alert is not None and self.on_alert is not None:
            self.on_alert()


def _alert_id(publication: Publication, outcome: Any) -> str:
    """A stable id for an alert. A package version is its own publication; on GitHub a finding
    is the repository and the contents of the matched files, so a fork's tree read after a push
    to it, or the same blobs pushed again, is not a second alert."""
    if publication.feed == "github":
        repo = outcome.target.split("@", 1)[0]
        contents = sorted(set(outcome.file_hashes.values()))
        key = "\0".join(["github", repo, *contents])
    else:
        key = f"{publication.feed}\0{outcome.target}\0{outcome.revision}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]
