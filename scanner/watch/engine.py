"""The watch loop: read each feed from its checkpoint, scan what passes the filters, commit.

Publications are done in feed order. The fetching a publication needs (its document, tarball,
compare listing and blobs) runs ahead on a few threads (``prefetch``), while this thread scans
them one by one and commits each (``WatchState.commit``) before the next. Memory is bounded:
the prefetch window, one publication's files, the per-content memo (emptied past
``MEMO_ENTRIES``), a bounded ETag cache and a bounded blob cache; nothing is kept per
publication seen.
"""

from __future__ import annotations

import fnmatch
import hashlib
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from fingerprints import LeaktraceError, carried_name
from scanner.http import FetchError
from scanner.reports.json_report import candidate_dict
from scanner.scan import FileOutcome, ScanContext, scan_candidate
from scanner.sources import Unreadable
from scanner.verdict import Verdict
from scanner.watch.alerts import alert_payload
from scanner.watch.feeds import Opened, Publication
from scanner.watch.state import WatchState

MEMO_ENTRIES = 10_000
"""Distinct file contents whose outcome is remembered across publications (new versions repeat
most files of the last one); past it the memo starts empty again."""


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
        if publication.feed == "github":
            if not (self.orgs or self.keywords):
                return True
            owner = name.split("/", 1)[0].lower()
            return owner in {o.lower() for o in self.orgs} or any(
                k.lower() in name.lower() for k in self.keywords)  # fmt: skip
        if not (self.packages or self.scopes):
            return True
        return any(fnmatch.fnmatchcase(name, p) for p in self.packages) or any(
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
    and ``max_bytes`` of bodies: the live events page is revalidated, a package document seen
    again may be, and nothing grows with time."""

    def __init__(self, entries: int = 256, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[str, tuple[Any, int]] = OrderedDict()

    def _get(self, key: str) -> Any:
        found = self._data.get(key)
        if found is None:
            return None
        self._data.move_to_end(key)
        return found[0]

    def _put(self, key: str, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        old = self._data.pop(key, None)
        self.bytes += size - (old[1] if old else 0)
        self._data[key] = (value, size)
        while len(self._data) > self.entries or self.bytes > self.max_bytes:
            _, (_, dropped) = self._data.popitem(last=False)
            self.bytes -= dropped

    def get(self, url: str) -> tuple[str, bytes] | None:
        return self._get(url)  # type: ignore[no-any-return]

    def put(self, url: str, etag: str, body: bytes) -> None:
        self._put(url, (etag, body), len(body))

    def get_blob(self, sha: str) -> bytes | None:
        return self._get(sha)  # type: ignore[no-any-return]

    def put_blob(self, sha: str, data: bytes) -> None:
        self._put(sha, data, len(data))


class Watcher:
    def __init__(self, feeds: list[Feed], state: WatchState, context: ScanContext,
                 filters: Filters, run_id: int, *, alert_review: bool = False,
                 prefetch: int = 4, on_alert: Callable[[], None] | None = None,
                 say: Callable[[str], None] = print,
                 redact: Callable[[str], str] = lambda s: s) -> None:  # fmt: skip
        self.feeds = feeds
        self.state = state
        self.context = context
        self.filters = filters
        self.run_id = run_id
        self.alerting = {Verdict.DERIVATIVE.value} | (
            {Verdict.REVIEW.value} if alert_review else set())  # fmt: skip
        self.prefetch = max(0, prefetch)
        self.on_alert = on_alert
        self.say = say
        self.redact = redact
        self.counts = Counts()
        self.memo: dict[tuple[str, str], FileOutcome] = {}
        self._pool = ThreadPoolExecutor(max(1, self.prefetch), thread_name_prefix="watch-fetch")
        self._stop: Callable[[], bool] = lambda: False

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self, *, once: bool = False, poll: float = 5.0,
            stop: Callable[[], bool] = lambda: False) -> None:  # fmt: skip
        """Follow every feed; with ``once``, stop when each is caught up."""
        self._stop = stop
        while not stop():
            waits = []
            for feed in self.feeds:
                try:
                    self.follow(feed)
                except LeaktraceError as exc:  # the feed itself failed: try again next round
                    self.counts.feed_failures += 1
                    self.say(f"{feed.name}: {self.redact(str(exc))}; trying again later")
                waits.append(max(poll, feed.interval))
            if once:
                return
            deadline = time.monotonic() + min(waits)
            while time.monotonic() < deadline and not stop():
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def follow(self, feed: Feed) -> None:
        """Every publication of ``feed`` after its checkpoint, each committed in order."""
        window: deque[tuple[Publication, Future[Opened] | None]] = deque()
        skipped = 0  # entries passed over since the last commit (no scan, nothing to record)
        last: str | None = None
        for publication in feed.poll():
            self.counts.seen += 1
            wanted = publication.open is not None and self.filters.wanted(publication)
            if publication.open is not None and not wanted:
                self.counts.filtered += 1
            future = self._pool.submit(publication.open) if wanted and publication.open else None
            window.append((publication, future))
            while len(window) > self.prefetch:
                skipped = self._finish(*window.popleft(), skipped)
            last = publication.cursor
            if self._stop():  # SIGTERM: what is fetched is finished and committed, then stop
                break
        while window:
            skipped = self._finish(*window.popleft(), skipped)
        cursor = last if self._stop() else (feed.cursor or last)
        if cursor is not None and (skipped or cursor != last):
            self.state.commit(feed.name, cursor, skipped)

    def _finish(self, publication: Publication, future: Future[Opened] | None,
                skipped: int) -> int:  # fmt: skip
        """Scan one publication and commit it; returns the entries not yet committed."""
        if future is None:
            return skipped + 1
        try:
            opened = future.result()
        except (LeaktraceError, OSError) as exc:
            message = self.redact(str(exc)).removeprefix(f"{publication.target}: ")
            opened = Opened(Unreadable(publication.target, publication.feed, message))
        if opened.candidate is None:
            self.counts.filtered += opened.filtered
            return skipped + 1
        candidate = opened.candidate
        try:
            outcome = scan_candidate(candidate, self.context, memo=self.memo)
        except FetchError as exc:
            candidate = Unreadable(candidate.target, publication.feed, self.redact(str(exc)))
            outcome = scan_candidate(candidate, self.context, memo=self.memo)
        if len(self.memo) > MEMO_ENTRIES:
            self.memo = {}
        self.counts.scanned += 1
        self.counts.by_feed[publication.feed] = self.counts.by_feed.get(publication.feed, 0) + 1
        outcome.target = carried_name(outcome.target)
        for problem in outcome.problems:
            if problem.partial:
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
                alert_id = _alert_id(publication, outcome)
                if self.state.known_alert(alert_id):  # the same files in the same repository
                    self.say(f"{outcome.target}: the same files were already reported; no new "
                             "alert")  # fmt: skip
                    self.state.commit(publication.feed, publication.cursor, skipped + 1)
                    return 0
                self.counts.flagged += 1
                alert = (alert_id, alert_payload(data, publication.feed, publication.seen,
                                                 alert_id))  # fmt: skip
                self.say(f"{verdict}: {outcome.target} ({outcome.match.matched_tokens} private "
                         "tokens)")  # fmt: skip
            elif verdict == Verdict.INCOMPLETE.value:
                self.counts.incomplete += 1
        self.state.commit(publication.feed, publication.cursor, skipped + 1, self.run_id,
                          data, excerpts if data is not None else None, alert)  # fmt: skip
        if alert is not None and self.on_alert is not None:
            self.on_alert()
        return 0


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
