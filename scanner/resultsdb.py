"""The results database: every scan's report, candidate by candidate, and people's decisions.

Reports and reviews are produced from it later without scanning again. Each candidate is written
in its own transaction as soon as its verdict is known, so Ctrl-C or a crash loses nothing that
was already judged. Decisions are kept apart from runs and keyed on stable identities: the
candidate's target and each candidate file's path *and SHA-256*, never on line numbers, so a
decision carries over to a re-scan of the same content and lapses when the content changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from fingerprints import printable
from scanner.endpoints import DEFAULT_RESULTS
from scanner.errors import InputError, LeaktraceError
from scanner.verdict import Verdict

RAW_REASONS = "raw_reasons_from_run"
"""The meta key holding the first run whose reasons were stored as made (the runs before it were
stored by an earlier leaktrace, which escaped a name in a reason when it made it)."""

_ESCAPED = re.compile(r"\\(?:[nrt]|x[0-7][0-9a-f]|u[0-9a-f]{4}|U[0-9a-f]{8})")
_SHORT = {"n": "\n", "r": "\r", "t": "\t"}


def legacy_reasons(reasons: list[str]) -> list[str]:
    """Reasons as an earlier leaktrace stored them, each name in them already through its
    ``printable`` (controls as ``\\n``, ``\\x1b``, ``\\u202e``; a backslash left single), read
    back to the text they show, so that the ``printable`` of every report and the review queue
    shows them as they were meant, not with each backslash doubled (``a\\\\x1b.py``). A carried
    byte (``\\x80`` to ``\\xff``) stays as it is: it is a name's, not an escape."""

    def one(match: re.Match[str]) -> str:
        text = match.group(0)
        return _SHORT.get(text[1]) or chr(int(text[2:], 16))

    return [_ESCAPED.sub(one, reason) if "\\" in reason else reason for reason in reasons]


FORMAT = "leaktrace-results"
SCHEMA_VERSION = 6
DEFAULT_PATH = DEFAULT_RESULTS

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    header TEXT NOT NULL
);
CREATE TABLE candidates (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    target TEXT NOT NULL,
    verdict TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, target)
);
CREATE TABLE excerpts (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (run_id, target, path)
);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    path TEXT,
    sha256 TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX decisions_target ON decisions (target);
"""

# The crawler's state: content-addressed blobs and conditional-request bodies. Created on open
# (``IF NOT EXISTS``), so results databases written before the crawler gain them.
_CRAWL = """
CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS http_cache (
    url TEXT PRIMARY KEY, etag TEXT NOT NULL, body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (run_id INTEGER PRIMARY KEY, job TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS searches (
    job TEXT NOT NULL, name TEXT NOT NULL, targets TEXT NOT NULL, PRIMARY KEY (job, name)
);
"""


BUSY_TIMEOUT = 60.0
"""Seconds to wait for another process's write (a scan recording a candidate, a new file being
created) before giving up."""


def _wal(db: sqlite3.Connection) -> None:
    """Switch to write-ahead logging. The switch needs the file to itself and SQLite does not
    wait for it (no busy handler), so scans opening a new file at once retry it briefly."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _statements(script: str) -> list[str]:
    """The statements of a schema script, to run inside one transaction (``executescript``
    would commit first)."""
    return [part.strip() for part in script.split(";") if part.strip()]


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """v2: contents the parser crashed, hung or blew up on (``remember_parse_failure``)."""
    db.execute(
        "CREATE TABLE parse_failures (sha256 TEXT NOT NULL, language TEXT NOT NULL,"
        " message TEXT NOT NULL, seconds REAL NOT NULL, memory INTEGER NOT NULL,"
        " version TEXT NOT NULL, seen_at TEXT NOT NULL, PRIMARY KEY (sha256, language))"
    )


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """v3: decisions on a content everywhere it appears, decisions taken together, and undos.

    ``decisions.scope`` is ``location`` (this candidate's file at this path, as before),
    ``content`` (every file with this SHA-256, in any candidate of any run) or ``candidate``
    (the candidate as a whole, ``path`` NULL). ``batch`` groups the rows of one decision (a
    whole candidate confirmed at once), which are undone together; an undo is a row of its own
    in ``undos``, with who, when and why, and the decision stays in the record. ``placements``
    says where each matched content sits (run, candidate, path), so a content decision can list
    every place it covers; it is filled from the runs already recorded.
    """
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "decisions" in tables:
        db.execute("ALTER TABLE decisions ADD COLUMN scope TEXT NOT NULL DEFAULT 'location'")
        db.execute("ALTER TABLE decisions ADD COLUMN batch INTEGER")
        db.execute("UPDATE decisions SET scope = 'candidate' WHERE path IS NULL")
        db.execute("UPDATE decisions SET batch = id")
        db.execute("CREATE INDEX decisions_sha256 ON decisions (sha256)")
    db.execute(
        "CREATE TABLE undos (batch INTEGER PRIMARY KEY, reason TEXT NOT NULL,"
        " undone_by TEXT NOT NULL, undone_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE placements (run_id INTEGER NOT NULL, target TEXT NOT NULL,"
        " path TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (run_id, target, path))"
    )
    db.execute("CREATE INDEX placements_sha256 ON placements (sha256)")
    if "candidates" in tables:
        # the queue asks, for each target, for the latest run that judged it
        db.execute("CREATE INDEX candidates_target ON candidates (target, run_id)")
        for run_id, data in db.execute("SELECT run_id, data FROM candidates").fetchall():
            db.executemany("INSERT OR REPLACE INTO placements VALUES (?, ?, ?, ?)",
                           _placements(run_id, json.loads(data)))  # fmt: skip


def _placements(run_id: int, candidate: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    return [(run_id, candidate["target"], f["candidate_path"], f["candidate_sha256"])
            for f in candidate.get("files", []) if f.get("candidate_sha256")]  # fmt: skip


def _migrate_3_to_4(db: sqlite3.Connection) -> None:
    """v4: ``leaktrace watch``. One checkpoint per feed, moved in the same transaction as the
    finding of the publication it passes (so a publication is recorded once or not at all), and
    the webhook outbox: every alert is written beside its finding and never deleted;
    ``delivered_at`` is set once the webhook took it."""
    db.execute(
        "CREATE TABLE watch_checkpoints (feed TEXT PRIMARY KEY, cursor TEXT NOT NULL,"
        " publications INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE watch_outbox (id INTEGER PRIMARY KEY, alert TEXT NOT NULL UNIQUE,"
        " payload TEXT NOT NULL, created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
        " next_at REAL NOT NULL, delivered_at REAL, last_error TEXT)"
    )
    db.execute("CREATE INDEX watch_outbox_due ON watch_outbox (delivered_at, next_at)")


def _migrate_4_to_5(db: sqlite3.Connection) -> None:
    """v5: the npm versions ``watch`` has read. One change in npm's feed may stand for several
    versions (CouchDB keeps one change per document), so per package the newest version read
    (its publication time and name), moved in the same transaction as that version's finding;
    and per feed the time before which every version was read (``since``): a package with no
    row is read from there, and rows older than it are pruned (``scanner.watch.state``)."""
    db.execute(
        "CREATE TABLE watch_versions (feed TEXT NOT NULL, package TEXT NOT NULL,"
        " published TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY (feed, package))"
        " WITHOUT ROWID"
    )
    db.execute("CREATE TABLE watch_since (feed TEXT PRIMARY KEY, since TEXT NOT NULL)")


def _migrate_5_to_6(db: sqlite3.Connection) -> None:
    """v6: each alert of the outbox names the webhook and format it was made for
    (``destination``, a hash: the URL is a secret), and is delivered only by a watch with that
    webhook; an alert id is unique per destination. Alerts written before have ``*``: any
    watch with a webhook delivers them, as before."""
    db.execute(
        "CREATE TABLE watch_outbox_6 (id INTEGER PRIMARY KEY, alert TEXT NOT NULL,"
        " destination TEXT NOT NULL, payload TEXT NOT NULL, created_at REAL NOT NULL,"
        " attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL, delivered_at REAL,"
        " last_error TEXT, UNIQUE (alert, destination))"
    )
    db.execute(
        "INSERT INTO watch_outbox_6 SELECT id, alert, '*', payload, created_at, attempts,"
        " next_at, delivered_at, last_error FROM watch_outbox"
    )
    db.execute("DROP TABLE watch_outbox")
    db.execute("ALTER TABLE watch_outbox_6 RENAME TO watch_outbox")
    db.execute("CREATE INDEX watch_outbox_due ON watch_outbox (delivered_at, next_at)")


#: Numbered migrations: MIGRATIONS[n] upgrades a results database from schema n to n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
    4: _migrate_4_to_5,
    5: _migrate_5_to_6,
}

#: What a decision covers (``decisions.scope``, schema 3).
SCOPES = ("location", "content", "candidate")


class ResultsError(LeaktraceError):
    """The results database cannot be used, or a run or candidate is not in it."""


@dataclass(frozen=True, slots=True)
class Decision:
    target: str
    path: str | None  # None: the whole candidate
    sha256: str | None
    decision: str
    reason: str
    decided_by: str
    decided_at: str
    scope: str = "location"
    batch: int = 0
    undone: tuple[str, str, str] | None = None  # (by, at, reason) of its undo


@dataclass(frozen=True, slots=True)
class Placement:
    """One place a matched content sits: a candidate file in a run."""

    run_id: int
    target: str
    path: str


_CHUNK = 500
"""Contents asked for in one query (SQLite allows 999 parameters before 3.32)."""


def row_number(text: str) -> int | None:
    """A run or decision number given as text: ASCII digits fitting SQLite's integers, else
    None (``str.isdigit`` takes "²" and "٣", which ``int`` refuses)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _json_text(value: Any) -> bytes | str:
    """``value`` as JSON to store (``CAST(? AS TEXT)``: SQLite takes orjson's UTF-8 bytes as
    text, without a copy decoded here), read back by ``json.loads`` as the same tree: written
    by orjson, compact (the large tree's 3.4 MB candidate in 4 ms of CPU where ``json.dumps``
    took 43, in the scan's tail, which runs alone on one core once the pool's workers are
    done). What orjson refuses (a key that is not a string, an integer beyond 64 bits, a lone
    surrogate) is written by ``json.dumps``, as before; a float that is not a number (none in a
    candidate) would be null, as in the JSON report."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, check_circular=False)


class ResultsDB:
    def __init__(self, path: Path, *, create: bool = False, wait_for_disk: bool = True) -> None:
        """``wait_for_disk=False``: commits do not wait for the disk (WAL with ``synchronous =
        NORMAL``, as ``fingerprint``'s batches and ``watch``'s checkpoints): a killed process
        loses nothing it committed, a power cut may lose the last commits (a scan's last
        verdicts: a resumed run judges them again), never the file's consistency; closing the
        last connection checkpoints and syncs. A scan's commits (the new file's schema, its run,
        its candidates, its end) run alone on one core, before the pool's workers have files
        and after their last outcome, and each waited for the disk (``fdatasync``)."""
        self.path = path
        if not path.exists() and not create:
            raise ResultsError(f"{path}: no results database; 'leaktrace scan' makes one")
        try:
            self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
            if not wait_for_disk:
                self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            _wal(self._db)
            meta = self._create_or_read()
        except sqlite3.DatabaseError as exc:
            raise ResultsError(f"{path}: not a leaktrace results database ({exc})") from exc
        if meta.get("format") != FORMAT:
            raise ResultsError(f"{path}: not a leaktrace results database")
        version = int(meta.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise ResultsError(f"{path}: written by a newer leaktrace; upgrade leaktrace")
        if version < SCHEMA_VERSION:
            self._migrate()
        self._escaped_before = int(meta.get(RAW_REASONS) or 0)
        """Runs before this one were stored by a leaktrace that wrote their reasons already
        escaped (``legacy_reasons``)."""
        self._last: tuple[int, int, int, dict[str, Any]] | None = None
        """The last candidate this connection recorded: (run, seq, ``PRAGMA data_version``
        after it, itself). A report of the run read while no other connection has written
        (``scan``'s, right after) takes it as it is instead of reading its text back and
        parsing it (the large tree's 3.4 MB candidate: 40 ms of ``json.loads`` in the scan's
        tail, which runs alone on one core, and the row's read raised the scan's peak)."""

    def _migrate(self) -> None:
        """Numbered migrations up to SCHEMA_VERSION, in one ``BEGIN IMMEDIATE`` transaction that
        reads the version again: of several scans opening an old file at once, one migrates."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            while version < SCHEMA_VERSION:
                if version not in MIGRATIONS:
                    raise ResultsError(f"{self.path}: no migration from results schema {version}")
                MIGRATIONS[version](db)
                version += 1
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _create_or_read(self) -> dict[str, str]:
        """The meta table, after creating the schema if the file is new: in one ``BEGIN
        IMMEDIATE`` transaction, so of several scans starting at once on a new file one creates
        it and the others wait (up to ``BUSY_TIMEOUT``) and then find it made."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if not db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                for statement in _statements(_SCHEMA):
                    db.execute(statement)
                db.executemany("INSERT INTO meta VALUES (?, ?)",
                               [("format", FORMAT), ("schema_version", "1")])  # fmt: skip
            meta: dict[str, str] = {}
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
                meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("format") == FORMAT:
                for statement in _statements(_CRAWL):
                    db.execute(statement)
                if RAW_REASONS not in meta:  # every run so far was stored by an earlier one
                    runs = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'runs'").fetchone()
                    first = (db.execute("SELECT coalesce(max(id), 0) + 1 FROM runs").fetchone()[0]
                             if runs else 1)  # fmt: skip
                    db.execute("INSERT INTO meta VALUES (?, ?)", (RAW_REASONS, str(first)))
                    meta[RAW_REASONS] = str(first)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return meta

    @property
    def connection(self) -> sqlite3.Connection:
        """The open connection, for modules that keep tables of their own in the results
        database (``scanner.watch.state``)."""
        return self._db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultsDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs ------------------------------------------------------------------------------------

    def start_run(self, header: dict[str, Any]) -> int:
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO runs (started_at, status, header) VALUES (?, 'running', ?)",
                (header.get("provenance", {}).get("started_at") or now(), json.dumps(header)),
            )
        return int(cursor.lastrowid or 0)

    def add_candidate(self, run_id: int, candidate: dict[str, Any],
                      excerpts: dict[str, tuple[str, str]]) -> None:  # fmt: skip
        """Record one judged candidate (and the text of its matched files) at once.
        ``candidate`` must not change afterwards: the next ``report`` may give it as it is."""
        self._last = None
        text = _json_text(candidate)
        with self._db:
            seq = self._db.execute("SELECT count(*) FROM candidates WHERE run_id = ?",
                                   (run_id,)).fetchone()[0]  # fmt: skip
            self._db.execute(
                "INSERT OR REPLACE INTO candidates (run_id, seq, target, verdict, data)"
                " VALUES (?, ?, ?, ?, CAST(? AS TEXT))",
                (run_id, seq, candidate["target"], candidate["verdict"], text),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO excerpts (run_id, target, path, sha256, text)"
                " VALUES (?, ?, ?, ?, ?)",
                [(run_id, candidate["target"], path, sha, text)
                 for path, (sha, text) in excerpts.items()],
            )  # fmt: skip
            self._db.executemany("INSERT OR REPLACE INTO placements VALUES (?, ?, ?, ?)",
                                 _placements(run_id, candidate))  # fmt: skip
        self._last = (run_id, seq, self._version(), candidate)

    def _version(self) -> int:
        """SQLite's ``data_version``: it changes when another connection commits."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def resumable_run(self, job: str) -> int | None:
        """The latest run of the same job (same command and store) that did not finish."""
        row = self._db.execute(
            "SELECT r.id, r.status FROM runs r JOIN jobs j ON j.run_id = r.id WHERE j.job = ?"
            " ORDER BY r.id DESC LIMIT 1", (job,)).fetchone()  # fmt: skip
        return int(row[0]) if row and row[1] != "done" else None

    def set_job(self, run_id: int, job: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO jobs VALUES (?, ?)", (run_id, job))
            self._db.execute("UPDATE runs SET status = 'running' WHERE id = ?", (run_id,))

    # -- code searches of an unfinished run (``listings.SearchLog``) -------------------------------

    def searched(self, job: str, name: str) -> list[str] | None:
        """The repositories a code search of this job listed before, or None: not done."""
        row = self._db.execute("SELECT targets FROM searches WHERE job = ? AND name = ?",
                               (job, name)).fetchone()  # fmt: skip
        return list(json.loads(row[0])) if row else None

    def record_search(self, job: str, name: str, targets: list[str]) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO searches VALUES (?, ?, ?)",
                             (job, name, json.dumps(targets)))  # fmt: skip

    def forget_searches(self, job: str) -> None:
        """A new run of the job searches again (what is published changes)."""
        with self._db:
            self._db.execute("DELETE FROM searches WHERE job = ?", (job,))

    def judged(self, run_id: int) -> set[str]:
        """Targets of the run that already have a verdict."""
        rows = self._db.execute("SELECT target FROM candidates WHERE run_id = ?", (run_id,))
        return {row[0] for row in rows}

    # -- contents the parser could not read ------------------------------------------------------

    def remember_parse_failure(self, sha256: str, language: str, message: str,
                               seconds: float, memory: int, version: str) -> None:  # fmt: skip
        """Remember that parsing this content failed under these limits (at once, so a run
        that dies afterwards still knows)."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO parse_failures VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (sha256, language, message, seconds, memory, version,
                              now()))  # fmt: skip

    def parse_failures(self, seconds: float, memory: int,
                       version: str) -> dict[tuple[str, str], str]:  # fmt: skip
        """(content hash, language) -> problem line, for each content whose parse failed under
        limits at least as generous as these, with this version: trying again would fail the
        same way. Raising a limit (or upgrading) tries them again."""
        rows = self._db.execute(
            "SELECT sha256, language, message FROM parse_failures"
            " WHERE seconds >= ? AND memory >= ? AND version = ?",
            (seconds, memory, version),
        )
        return {(sha, language): message for sha, language, message in rows}

    # -- crawl state ---------------------------------------------------------------------------

    def get_blob(self, sha: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM blobs WHERE sha = ?", (sha,)).fetchone()
        return zlib.decompress(row[0]) if row else None

    def put_blob(self, sha: str, data: bytes) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?)",
                             (sha, zlib.compress(data, 6)))  # fmt: skip

    def get(self, url: str) -> tuple[str, bytes] | None:
        row = self._db.execute("SELECT etag, body FROM http_cache WHERE url = ?",
                               (_cache_key(url),)).fetchone()  # fmt: skip
        return (row[0], zlib.decompress(row[1])) if row else None

    def put(self, url: str, etag: str, body: bytes) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO http_cache VALUES (?, ?, ?)",
                             (_cache_key(url), etag, zlib.compress(body, 6)))  # fmt: skip

    def finish_run(self, run_id: int, status: str = "done") -> None:
        with self._db:
            self._db.execute("UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
                             (now(), status, run_id))  # fmt: skip

    def runs(self) -> list[tuple[int, str, str, int]]:
        return self._db.execute(
            "SELECT r.id, r.started_at, r.status, count(c.target) FROM runs r"
            " LEFT JOIN candidates c ON c.run_id = r.id GROUP BY r.id ORDER BY r.id"
        ).fetchall()

    def resolve_run(self, spec: str) -> int:
        """A run id from ``latest`` or a number."""
        if spec == "latest":
            row = self._db.execute("SELECT max(id) FROM runs").fetchone()
            if row[0] is None:
                raise ResultsError(f"{self.path}: no runs yet")
            return int(row[0])
        run = row_number(spec)
        if run is None or not self._db.execute("SELECT 1 FROM runs WHERE id = ?",
                                               (run,)).fetchone():  # fmt: skip
            raise ResultsError(f"{self.path}: no run {spec!r} (try 'latest')")
        return run

    def report(self, run_id: int) -> dict[str, Any]:
        """The run's report, each candidate with the decisions that apply to it now."""
        header, status, finished = self._db.execute(
            "SELECT header, status, finished_at FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        report = json.loads(header)
        report["run"] = {"id": run_id, "status": status, "finished_at": finished,
                         "results": str(self.path)}  # fmt: skip
        report["candidates"] = []
        last = self._last
        mine = -1  # the seq of the candidate recorded last, unless another connection wrote
        if last is not None and last[0] == run_id and last[2] == self._version():
            mine = last[1]
        for seq, data in self._db.execute(
            "SELECT seq, CASE seq WHEN ? THEN NULL ELSE data END FROM candidates"
            " WHERE run_id = ? ORDER BY seq", (mine, run_id)):  # fmt: skip
            # the recorded one reads back as itself (a shallow copy, for its review state):
            # ``candidate_dict`` gives only JSON's own types, str keys and lists (tested: a
            # scan's reports are those ``leaktrace report`` writes again)
            candidate = dict(last[3]) if last is not None and seq == mine else json.loads(data)
            candidate["review"] = self.review_state(candidate)
            report["candidates"].append(self._as_meant(run_id, candidate))
        return report

    def excerpts(self, run_id: int, target: str) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT path, text FROM excerpts WHERE run_id = ? AND target = ?", (run_id, target)
        )
        return dict(rows)

    def candidate(self, run_id: int, target: str) -> dict[str, Any] | None:
        """One recorded candidate, with the decisions that apply to it now."""
        row = self._db.execute("SELECT data FROM candidates WHERE run_id = ? AND target = ?",
                               (run_id, target)).fetchone()  # fmt: skip
        if row is None:
            return None
        candidate: dict[str, Any] = json.loads(row[0])
        candidate["review"] = self.review_state(candidate)
        return self._as_meant(run_id, candidate)

    def _as_meant(self, run_id: int, candidate: dict[str, Any]) -> dict[str, Any]:
        """``candidate`` with its reasons as they were meant: a run stored by a leaktrace that
        escaped them when it made them has them read back (``legacy_reasons``), as they are
        escaped once where they are shown (their backslashes were shown doubled)."""
        if run_id < self._escaped_before and candidate.get("reasons"):
            candidate["reasons"] = legacy_reasons(candidate["reasons"])
        return candidate

    def flagged(self, run_id: int | None = None) -> list[tuple[int, dict[str, Any]]]:
        """(run id, candidate) for every candidate that is not ``clear``: of one run, or of
        every run, each target from the latest run that judged it."""
        if run_id is not None:
            rows = self._db.execute("SELECT run_id, data FROM candidates WHERE run_id = ?"
                                    " AND verdict != 'clear' ORDER BY seq", (run_id,))  # fmt: skip
        else:
            rows = self._db.execute(
                "SELECT c.run_id, c.data FROM candidates c WHERE c.verdict != 'clear' AND"
                " c.run_id = (SELECT max(run_id) FROM candidates d WHERE d.target = c.target)"
                " ORDER BY c.run_id, c.seq"
            )
        found = []
        for run, data in rows.fetchall():
            candidate = json.loads(data)
            candidate["review"] = self.review_state(candidate)
            found.append((int(run), self._as_meant(int(run), candidate)))
        return found

    def placements(self, sha256: str) -> list[Placement]:
        """Every place this content was matched, in any run (latest run first)."""
        rows = self._db.execute(
            "SELECT run_id, target, path FROM placements WHERE sha256 = ?"
            " ORDER BY run_id DESC, target, path", (sha256,))  # fmt: skip
        return [Placement(*row) for row in rows]

    def placements_elsewhere(self, shas: Iterable[str], target: str) -> list[Placement]:
        """Every place outside ``target`` where these contents are matched now: each file of
        another candidate once (a candidate holding the content at two paths is two places, both
        reached by a decision on the content), as its latest run (the one ``serve`` shows) holds
        it, latest run first. A place an older run recorded that a later, complete read of the
        candidate no longer holds (the file changed or went) is not one; after a run that could
        not read the candidate (``incomplete``: a failed download, a corrupt archive) the place
        its last complete read held still is, so that a decision on the content never reaches it
        unnamed. What ``serve`` lists under a content and ``review --everywhere`` names. One
        query per ``_CHUNK`` contents."""
        wanted = sorted(set(shas))
        latest: dict[tuple[str, str], int] = {}  # (target, path) -> the latest run holding it
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for run_id, place, path in self._db.execute(
                "SELECT p.run_id, p.target, p.path FROM placements p"
                f" WHERE p.sha256 IN ({', '.join('?' * len(chunk))}) AND p.target != ?"
                " AND p.run_id >= coalesce((SELECT max(c.run_id) FROM candidates c"
                " WHERE c.target = p.target AND c.verdict != ?), 0)",
                (*chunk, target, Verdict.INCOMPLETE)):  # fmt: skip
                latest[place, path] = max(run_id, latest.get((place, path), 0))
        rows = sorted(((run, *where) for where, run in latest.items()),
                      key=lambda r: (-r[0], r[1], r[2]))  # fmt: skip
        return [Placement(*row) for row in rows]

    # -- decisions -------------------------------------------------------------------------------

    def decide(self, candidate: dict[str, Any], decision: str, reason: str, by: str,
               files: list[str] | None = None, *,
               scope: str = "location") -> list[str]:  # fmt: skip
        """Record a decision on a candidate's matched files (all, or ``files``, each named as
        stored or as shown: a name holding a newline is given as the ``\\n`` it is shown as).

        ``scope`` ``location`` decides on these files of this candidate; ``content`` on their
        contents, wherever they appear (every fork holding the same blob). Deciding on all
        files also records a decision on the candidate as a whole. The rows are one batch,
        undone together (``undo``)."""
        if scope not in SCOPES[:2]:  # "candidate" is recorded with the files, not asked for
            raise InputError(f"unknown decision scope {scope!r}")
        matched = {f["candidate_path"]: f.get("candidate_sha256") for f in candidate["files"]}
        shown = {printable(path): path for path in matched}
        chosen = (
            [p if p in matched else shown.get(p, p) for p in files] if files else sorted(matched)
        )
        unknown = [path for path in chosen if path not in matched]
        if unknown:
            raise InputError(f"{candidate['target']}: no matched file {', '.join(unknown)}")
        stamp = now()
        rows = [(candidate["target"], path, matched[path], decision, reason, by, stamp,
                 scope if matched[path] else "location") for path in chosen]  # fmt: skip
        if not files:
            rows.append((candidate["target"], None, None, decision, reason, by, stamp,
                         "candidate"))  # fmt: skip
        with self._db:
            first = None
            for row in rows:
                cursor = self._db.execute(
                    "INSERT INTO decisions (target, path, sha256, decision, reason, decided_by,"
                    " decided_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)  # fmt: skip
                first = first or cursor.lastrowid
            self._db.execute("UPDATE decisions SET batch = ? WHERE id >= ? AND batch IS NULL",
                             (first, first))  # fmt: skip
        return chosen

    def undo(self, batch: int, reason: str, by: str) -> list[Decision]:
        """Take back one decision (all rows of its batch); the undo is recorded beside it."""
        undone = self._decisions("d.batch = ?", (batch,))
        if not undone:
            raise InputError(f"no decision {batch}")
        if undone[0].undone:
            raise InputError(f"decision {batch} was already undone")
        with self._db:  # of two undos at once, the second inserts nothing
            added = self._db.execute("INSERT OR IGNORE INTO undos VALUES (?, ?, ?, ?)",
                                     (batch, reason, by, now())).rowcount  # fmt: skip
        if not added:
            raise InputError(f"decision {batch} was already undone")
        return undone

    def _decisions(self, where: str, args: tuple[Any, ...]) -> list[Decision]:
        rows = self._db.execute(
            "SELECT d.target, d.path, d.sha256, d.decision, d.reason, d.decided_by,"
            " d.decided_at, d.scope, d.batch, u.undone_by, u.undone_at, u.reason"
            f" FROM decisions d LEFT JOIN undos u ON u.batch = d.batch WHERE {where}"
            " ORDER BY d.id", args)  # fmt: skip
        return [Decision(*row[:9], undone=None if row[9] is None else tuple(row[9:]))
                for row in rows]  # fmt: skip

    def decisions(self, target: str) -> list[Decision]:
        """The decisions recorded on this candidate (undone ones included, marked)."""
        return self._decisions("d.target = ?", (target,))

    def decisions_for(self, candidate: dict[str, Any]) -> list[Decision]:
        """Every decision that bears on this candidate: its own, and those taken on the
        contents of its files anywhere else (in the order they were taken)."""
        hashes = sorted({f["candidate_sha256"] for f in candidate["files"]
                         if f.get("candidate_sha256")})  # fmt: skip
        marks = ", ".join("?" * len(hashes))
        where = "d.target = ?" + (f" OR (d.scope = 'content' AND d.sha256 IN ({marks}))"
                                  if hashes else "")  # fmt: skip
        return self._decisions(where, (candidate["target"], *hashes))

    def review_state(self, candidate: dict[str, Any]) -> dict[str, Any]:
        """Which of the candidate's files are confirmed, dismissed or awaiting a decision.

        The latest decision that is not undone wins, among those on this candidate's (path,
        sha256) and those on the same content anywhere (``content`` scope), except that one
        taken on this candidate outranks one taken elsewhere; a decision on other content of
        the same path does not apply. A whole-candidate dismissal covers files
        decided no later than it.
        """
        latest: dict[str, Decision] = {}
        by_content: dict[str, Decision] = {}
        whole: Decision | None = None
        history = self.decisions_for(candidate)
        for decision in history:
            if decision.undone:
                continue
            if decision.scope == "content" and decision.sha256:
                by_content[decision.sha256] = decision
            if decision.target != candidate["target"]:
                continue
            if decision.path is None:
                whole = decision
            else:
                latest[f"{decision.path}\0{decision.sha256}"] = decision
        state: dict[str, Any] = {"confirmed": [], "dismissed": [], "awaiting": [], "history": []}
        files = {(f["candidate_path"], f.get("candidate_sha256")): None for f in candidate["files"]}
        for path, sha in files:  # a file matching several private files is listed once
            options = [d for d in (latest.get(f"{path}\0{sha}"), by_content.get(sha or ""))
                       if d]  # fmt: skip
            # a decision taken on this candidate outranks one taken on the same content
            # elsewhere: a place dismissed for its own reason is never confirmed from afar
            decision = (max(options, key=lambda d: (d.target == candidate["target"], d.batch))
                        if options else None)  # fmt: skip
            key = decision.decision if decision else "awaiting"
            state[key].append(path)
        # the whole-candidate dismissal holds while no file is awaiting or was confirmed later
        # (its batch dismissed every file; a later confirmation wins for that file)
        state["dismissed_whole"] = bool(
            whole
            and whole.decision == "dismissed"
            and not state["awaiting"]
            and not state["confirmed"]
        )
        state["history"] = [
            {"path": d.path, "decision": d.decision, "reason": d.reason, "by": d.decided_by,
             "at": d.decided_at, "scope": d.scope, "batch": d.batch, "target": d.target,
             "sha256": d.sha256,
             "undone": None if d.undone is None else
             {"by": d.undone[0], "at": d.undone[1], "reason": d.undone[2]}}
            for d in history
        ]  # fmt: skip
        return state


def _cache_key(url: str) -> str:
    """An answer's key in ``http_cache``: its URL's SHA-256, never the URL, whose query may be a
    private seed (``scan --seeds`` searches for them). Rows an older version keyed by the plain
    URL are never matched again (one fetch each, answered anew)."""
    return "sha256:" + hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
