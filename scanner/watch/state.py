"""What ``watch`` keeps in the results database (schema 5): a checkpoint per feed, the npm
versions read, and the webhook outbox.

Exactly once: a publication's checkpoint move, its finding (a candidate row of the watch's run)
and its alert (an outbox row) are written in **one transaction** (``commit``). Killed before it,
the publication was not done and is read again after the restart; killed after, it is done and
never read again. The checkpoint *is* the per-publication done-mark, since every feed is read in
order from it; so nothing grows with the number of publications seen but the findings.

The watch's connection writes with ``synchronous = NORMAL`` (in WAL mode a commit survives the
process being killed, and costs no fsync; a power cut may lose the last commits, which are then
simply done again).

npm's feed keeps one change per package, so a change may stand for several versions published
since the package's last change: per package the newest version read (``watch_versions``: its
publication time and name) is kept, moved in the transaction of that version's finding, and every
version after it is opened (``unread_versions``), each its own publication; the checkpoint moves
past the change only with the last of them. Killed between two of them, the change is read again
and only the versions after the mark are opened. A package with no mark is read from the feed's
``since`` time: when the watch first followed npm (``--from-beginning``: every version), later
the start of the last poll that caught up with the feed, less ``SINCE_MARGIN``. Marks older than
``since`` say no more than ``since`` does and are pruned (a package with no mark whose document
was modified after ``since``, every version older, had its newest read: a metadata change), so
the table holds the packages read in about the last ``SINCE_MARGIN`` (and any backlog), not
every package ever seen. A version with no publication time has a row of its own
(``undated_mark``), dated when it was read and pruned as the others.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fingerprints import utc_text
from scanner.resultsdb import ResultsDB, now

Dated = tuple[str, str]
"""A version's publication time (UTC, ``answers.npm_versions_by_time``'s shape) and name."""
Mark = tuple[str, Dated]
"""A package and the newest of its versions read."""

SINCE_MARGIN = timedelta(hours=24)
"""How long a version may take from its registry ``time`` to the replication feed (replica lag
and clock skew) and still be read when its package has no mark. A version slower than that, of a
package none of whose versions was read within the margin before it, would be taken as read."""
SINCE_STEP = timedelta(hours=1)
"""``since`` moves (and marks are pruned) at most once per this much time."""


def undated_mark(package: str, version: str) -> Mark:
    """The mark of a version of ``package`` that has no publication time, committed with its
    finding: a row of its own (npm names hold no space, so its key is no package's), dated
    when it was read, so that it is pruned as the marks are (``caught_up``, about a day later)
    and the version read again at the next change of its package after that, not at every
    one. Whether it is new is unknown (it cannot be placed among the dated versions), so it is
    never taken as read for longer."""
    return _undated_key(package, version), (utc_text(datetime.now(UTC)), version)


def _undated_key(package: str, version: str) -> str:
    return f"{package} {version}"


def alert_destination(webhook: str | None, fmt: str) -> str:
    """What the outbox keeps of the webhook and format an alert is made for: a hash (the URL is
    a secret), or "" for a watch with no webhook (its alerts are delivered by none)."""
    if not webhook:
        return ""
    return hashlib.sha256(f"{fmt}\0{webhook}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Alert:
    id: int
    alert: str
    payload: dict[str, Any]
    attempts: int


class WatchState:
    """A watch's rows in the results database. ``keys`` maps each feed the watch reads to the
    key its checkpoint, ``since`` and marks are kept under (``watch_key``): a checkpoint belongs
    to what was watched, so two watches of one feed with different filters, stores or feed URLs
    in one results database each read the feed from their own place. Without ``keys`` a feed's
    rows are keyed by its bare name (as an earlier leaktrace kept them; the outbox needs none).
    ``destination`` (``alert_destination``): the webhook this watch's alerts are made for and
    the only one its outbox delivers to."""

    def __init__(self, results: ResultsDB, keys: dict[str, str] | None = None,
                 destination: str = "") -> None:  # fmt: skip
        self.results = results
        self.destination = destination
        self.db: sqlite3.Connection = results.connection
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.keys = dict(keys or {})
        self._ahead = threading.local()
        self._uncounted: dict[str, int] = {}  # scanned before the feed had a checkpoint row

    def _k(self, feed: str) -> str:
        return self.keys.get(feed, feed)

    def adopt_legacy(self, feed: str) -> bool:
        """Take over the rows a watch of an earlier leaktrace kept under the feed's bare name
        (which filters it had is not recorded), when this watch has none of its own: True when
        it did. A database that one watch followed goes on where it was."""
        key = self._k(feed)
        if key == feed or self.checkpoint(feed) is not None:
            return False
        db = self.db
        with db:
            moved = db.execute("UPDATE watch_checkpoints SET feed = ? WHERE feed = ?",
                               (key, feed)).rowcount  # fmt: skip
            if moved:
                db.execute("DELETE FROM watch_since WHERE feed = ?", (key,))
                db.execute("DELETE FROM watch_versions WHERE feed = ?", (key,))
                db.execute("UPDATE watch_since SET feed = ? WHERE feed = ?", (key, feed))
                db.execute("UPDATE watch_versions SET feed = ? WHERE feed = ?", (key, feed))
        return bool(moved)

    # -- checkpoints -----------------------------------------------------------------------------

    def checkpoint(self, feed: str) -> str | None:
        row = self.db.execute("SELECT cursor FROM watch_checkpoints WHERE feed = ?",
                              (self._k(feed),)).fetchone()  # fmt: skip
        return row[0] if row else None

    def checkpoints(self) -> dict[str, tuple[str, int, str]]:
        """feed -> (cursor, publications done, when): with ``keys``, only this watch's."""
        rows = self.db.execute("SELECT feed, cursor, publications, updated_at "
                               "FROM watch_checkpoints ORDER BY feed")  # fmt: skip
        found = {feed: (cursor, count, at) for feed, cursor, count, at in rows}
        if not self.keys:
            return found
        return {feed: found[key] for feed, key in sorted(self.keys.items()) if key in found}

    def commit(self, feed: str, cursor: str | None, done: int, run_id: int | None = None,
               candidate: dict[str, Any] | None = None,
               excerpts: dict[str, tuple[str, str]] | None = None,
               alert: tuple[str, dict[str, Any]] | None = None,
               mark: Mark | None = None) -> None:  # fmt: skip
        """Move ``feed``'s checkpoint past ``done`` more publications (``cursor`` None: count
        them, the checkpoint stays), move the package's ``mark``, and record the finding and its
        alert, all or nothing."""
        db, feed = self.db, self._k(feed)
        with db:
            if cursor is not None:
                db.execute(
                    "INSERT INTO watch_checkpoints (feed, cursor, publications, updated_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (feed) DO UPDATE SET"
                    " cursor = excluded.cursor,"
                    " publications = publications + excluded.publications,"
                    " updated_at = excluded.updated_at",
                    (feed, cursor, done + self._uncounted.get(feed, 0), now()),
                )
                self._uncounted.pop(feed, None)
            elif done:
                counted = db.execute("UPDATE watch_checkpoints SET publications = publications"
                                     " + ?, updated_at = ? WHERE feed = ?",
                                     (done, now(), feed)).rowcount  # fmt: skip
                if not counted:  # the feed's first change, before its first checkpoint
                    self._uncounted[feed] = self._uncounted.get(feed, 0) + done
            if mark is not None:
                package, (published, version) = mark
                db.execute("INSERT OR REPLACE INTO watch_versions (feed, package, published,"
                           " version) VALUES (?, ?, ?, ?)",
                           (feed, package, published, version))  # fmt: skip
            if candidate is not None and run_id is not None:
                seq = db.execute("SELECT coalesce(max(seq) + 1, 0) FROM candidates"
                                 " WHERE run_id = ?", (run_id,)).fetchone()[0]  # fmt: skip
                db.execute("INSERT OR REPLACE INTO candidates (run_id, seq, target, verdict, data)"
                           " VALUES (?, ?, ?, ?, ?)",
                           (run_id, seq, candidate["target"], candidate["verdict"],
                            json.dumps(candidate)))  # fmt: skip
                db.executemany("INSERT OR REPLACE INTO excerpts (run_id, target, path, sha256,"
                               " text) VALUES (?, ?, ?, ?, ?)",
                               [(run_id, candidate["target"], path, sha, text)
                                for path, (sha, text) in (excerpts or {}).items()])  # fmt: skip
            if alert is not None:
                stamp = time.time()
                db.execute("INSERT OR IGNORE INTO watch_outbox (alert, destination, payload,"
                           " created_at, next_at) VALUES (?, ?, ?, ?, ?)",
                           (alert[0], self.destination, json.dumps(alert[1]), stamp,
                            stamp))  # fmt: skip

    # -- npm versions ----------------------------------------------------------------------------

    def undated_read(self, feed: str, package: str, version: str) -> bool:
        """Whether a version of ``package`` with no publication time was read lately (its
        ``undated_mark`` is not yet pruned)."""
        return (
            self.db.execute(
                "SELECT 1 FROM watch_versions WHERE feed = ? AND package = ?",
                (self._k(feed), _undated_key(package, version)),
            ).fetchone()
            is not None
        )

    def unread_versions(self, feed: str, package: str, dated: Sequence[Dated],
                        db: sqlite3.Connection | None = None,
                        modified: str | None = None) -> list[Dated]:  # fmt: skip
        """Of a package's versions (oldest first), those published after the newest read, or,
        with no mark, after the feed's ``since``; ``modified``: when the package's document
        last changed (``answers.npm_modified``), if it says."""
        db = db or self.db
        row = db.execute("SELECT published, version FROM watch_versions WHERE feed = ?"
                         " AND package = ?", (self._k(feed), package)).fetchone()  # fmt: skip
        if row is not None:
            newest = (row[0], row[1])
            return [d for d in dated if d > newest]
        since = self.since(feed, db) or ""
        newer = [d for d in dated if d[0] > since]
        if newer or (modified is not None and modified > since):
            # a document changed after ``since`` whose versions are all older: a change of its
            # metadata only (a dist-tag, a deprecation); its newest version was read before
            # ``since`` passed it (its mark pruned since), as its own change reached the feed
            # within the margin, as every version's does (``SINCE_MARGIN``)
            return newer
        # otherwise at least its newest version, whatever its time says: the change is that
        # version's own, seen late (a change that reached the replica late, a clock ahead, a
        # database followed before marks), or the document does not say when it changed
        return list(dated[-1:])

    def unread_ahead(
        self, feed: str, package: str, dated: Sequence[Dated], modified: str | None = None
    ) -> list[Dated]:
        """``unread_versions`` from another thread (one fetching ahead, to leave alone the
        tarball of a change that published nothing new), on a read-only connection of its own.
        It may lag behind the watch's commits, never run ahead of them: marks and ``since``
        only move on, so what it finds read is read."""
        db = getattr(self._ahead, "db", None)
        if db is None:
            path = self.results.path.resolve().as_uri()
            db = self._ahead.db = sqlite3.connect(f"{path}?mode=ro", uri=True, timeout=60)
        return self.unread_versions(feed, package, dated, db, modified)

    def since(self, feed: str, db: sqlite3.Connection | None = None) -> str | None:
        row = (db or self.db).execute("SELECT since FROM watch_since WHERE feed = ?",
                                      (self._k(feed),)).fetchone()  # fmt: skip
        return row[0] if row else None

    def start_since(self, feed: str, since: str) -> None:
        """The feed's ``since`` ("": every version) when it has none yet, or when the feed was
        never committed (a first start that failed before its first commit decided nothing: a
        retry with ``--from-beginning`` reads from the beginning)."""
        never_committed = self.checkpoint(feed) is None
        conflict = "UPDATE SET since = excluded.since" if never_committed else "NOTHING"
        with self.db:
            self.db.execute("INSERT INTO watch_since (feed, since) VALUES (?, ?)"
                            f" ON CONFLICT (feed) DO {conflict}",
                            (self._k(feed), since))  # fmt: skip

    def caught_up(self, feed: str, polled_at: float) -> None:
        """The feed's checkpoint reached the end of a poll that began at ``polled_at``: every
        version published ``SINCE_MARGIN`` before it was read (or is older than its package's
        mark), so ``since`` moves there and the marks before it go."""
        current = self.since(feed)
        if current is None:
            return
        moment = datetime.fromtimestamp(polled_at, UTC) - SINCE_MARGIN
        if utc_text(moment - SINCE_STEP) < current:
            return
        since, feed = utc_text(moment), self._k(feed)
        with self.db:
            self.db.execute("UPDATE watch_since SET since = ? WHERE feed = ?", (since, feed))
            self.db.execute("DELETE FROM watch_versions WHERE feed = ? AND published <= ?",
                            (feed, since))  # fmt: skip

    # -- the outbox ------------------------------------------------------------------------------

    def known_alert(self, alert: str) -> bool:
        row = self.db.execute("SELECT 1 FROM watch_outbox WHERE alert = ? AND destination = ?",
                              (alert, self.destination)).fetchone()  # fmt: skip
        return row is not None

    def recorded(self, run_id: int, alert: str) -> bool:
        """Whether run ``run_id`` already recorded the finding of ``alert`` (its candidate's
        ``watch.alert``)."""
        row = self.db.execute("SELECT 1 FROM candidates WHERE run_id = ? AND"
                              " json_extract(data, '$.watch.alert') = ? LIMIT 1",
                              (run_id, alert)).fetchone()  # fmt: skip
        return row is not None

    def due(self, limit: int = 20, at: float | None = None) -> list[Alert]:
        """Undelivered alerts whose next attempt is due, oldest first."""
        rows = self.db.execute(
            "SELECT id, alert, payload, attempts FROM watch_outbox WHERE delivered_at IS NULL"
            " AND next_at <= ? AND destination IN (?, '*') ORDER BY id LIMIT ?",
            (time.time() if at is None else at, self.destination, limit),
        )
        return [Alert(i, a, json.loads(p), n) for i, a, p, n in rows]

    def delivered(self, alert_id: int) -> None:
        with self.db:
            self.db.execute("UPDATE watch_outbox SET delivered_at = ?, attempts = attempts + 1,"
                            " last_error = NULL WHERE id = ?", (time.time(), alert_id))  # fmt: skip

    def failed(self, alert_id: int, error: str, next_at: float) -> None:
        with self.db:
            self.db.execute("UPDATE watch_outbox SET attempts = attempts + 1, last_error = ?,"
                            " next_at = ? WHERE id = ?", (error, next_at, alert_id))  # fmt: skip

    def pending(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM watch_outbox WHERE delivered_at"
                                   " IS NULL AND destination IN (?, '*')",
                                   (self.destination,)).fetchone()[0])  # fmt: skip

    def next_due(self) -> float | None:
        row = self.db.execute("SELECT min(next_at) FROM watch_outbox WHERE delivered_at IS"
                              " NULL AND destination IN (?, '*')",
                              (self.destination,)).fetchone()  # fmt: skip
        return row[0] if row and row[0] is not None else None
