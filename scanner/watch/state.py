"""What ``watch`` keeps in the results database (schema 3): a checkpoint per feed and the
webhook outbox.

Exactly once: a publication's checkpoint move, its finding (a candidate row of the watch's run)
and its alert (an outbox row) are written in **one transaction** (``commit``). Killed before it,
the publication was not done and is read again after the restart; killed after, it is done and
never read again. The checkpoint *is* the per-publication done-mark, since every feed is read in
order from it; so nothing grows with the number of publications seen but the findings.

The watch's connection writes with ``synchronous = NORMAL`` (in WAL mode a commit survives the
process being killed, and costs no fsync; a power cut may lose the last commits, which are then
simply done again).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from scanner.resultsdb import ResultsDB, now


@dataclass(frozen=True)
class Alert:
    id: int
    alert: str
    payload: dict[str, Any]
    attempts: int


class WatchState:
    def __init__(self, results: ResultsDB) -> None:
        self.results = results
        self.db: sqlite3.Connection = results.connection
        self.db.execute("PRAGMA synchronous = NORMAL")

    # -- checkpoints -----------------------------------------------------------------------------

    def checkpoint(self, feed: str) -> str | None:
        row = self.db.execute("SELECT cursor FROM watch_checkpoints WHERE feed = ?",
                              (feed,)).fetchone()  # fmt: skip
        return row[0] if row else None

    def checkpoints(self) -> dict[str, tuple[str, int, str]]:
        """feed -> (cursor, publications done, when)."""
        rows = self.db.execute("SELECT feed, cursor, publications, updated_at "
                               "FROM watch_checkpoints ORDER BY feed")  # fmt: skip
        return {feed: (cursor, count, at) for feed, cursor, count, at in rows}

    def commit(self, feed: str, cursor: str, done: int, run_id: int | None = None,
               candidate: dict[str, Any] | None = None,
               excerpts: dict[str, tuple[str, str]] | None = None,
               alert: tuple[str, dict[str, Any]] | None = None) -> None:  # fmt: skip
        """Move ``feed``'s checkpoint past ``done`` more publications, and record the finding
        and its alert, all or nothing."""
        db = self.db
        with db:
            db.execute(
                "INSERT INTO watch_checkpoints (feed, cursor, publications, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor,"
                " publications = publications + excluded.publications,"
                " updated_at = excluded.updated_at",
                (feed, cursor, done, now()),
            )
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
                db.execute("INSERT OR IGNORE INTO watch_outbox (alert, payload, created_at,"
                           " next_at) VALUES (?, ?, ?, ?)",
                           (alert[0], json.dumps(alert[1]), stamp, stamp))  # fmt: skip

    # -- the outbox ------------------------------------------------------------------------------

    def known_alert(self, alert: str) -> bool:
        return self.db.execute("SELECT 1 FROM watch_outbox WHERE alert = ?",
                               (alert,)).fetchone() is not None  # fmt: skip

    def due(self, limit: int = 20, at: float | None = None) -> list[Alert]:
        """Undelivered alerts whose next attempt is due, oldest first."""
        rows = self.db.execute(
            "SELECT id, alert, payload, attempts FROM watch_outbox"
            " WHERE delivered_at IS NULL AND next_at <= ? ORDER BY id LIMIT ?",
            (time.time() if at is None else at, limit),
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
        return int(self.db.execute("SELECT count(*) FROM watch_outbox"
                                   " WHERE delivered_at IS NULL").fetchone()[0])  # fmt: skip

    def next_due(self) -> float | None:
        row = self.db.execute("SELECT min(next_at) FROM watch_outbox"
                              " WHERE delivered_at IS NULL").fetchone()  # fmt: skip
        return row[0] if row and row[0] is not None else None
