"""The fingerprint store: one SQLite file, the contract between the private and the public side.

It holds, per repository, each file's path, size, content hash, token and line counts, winnowed
fingerprints with their line spans (a packed numpy array per file) and MinHash signature. It never
holds source text. The ``meta`` table records the schema version and the fingerprint parameters;
opening a store with other parameters, or one written by a newer leaktrace, is refused.

Writes go in one transaction per batch of files, in WAL mode, so an interrupted run leaves every
batch either fully stored or not at all. ``SQLiteStore(":memory:")`` is the in-memory store the
tests use: the same code on SQLite's own in-memory database.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from fingerprints.errors import (
    DamagedStoreError,
    LeaktraceError,
    NotAStoreError,
    RepoConflictError,
    StoreError,
    StoreVersionError,
)
from fingerprints.params import FingerprintParams

if TYPE_CHECKING:  # imported where used: a run sends its first file before it needs numpy
    import numpy as np

    from fingerprints.fingerprinter import FileFingerprint
    from fingerprints.isolation import NativeFile

FORMAT = "leaktrace-store"
SCHEMA_VERSION = 7
_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE repos (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    root TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    language TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    mtime_ns INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    fingerprints BLOB NOT NULL,
    signature BLOB NOT NULL,
    UNIQUE (repo_id, path)
);
CREATE TABLE skipped (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (repo_id, path)
);
"""

_V1_TO_V2 = """
ALTER TABLE files ADD COLUMN boilerplate TEXT;
CREATE TABLE background (hash INTEGER PRIMARY KEY, files INTEGER NOT NULL) WITHOUT ROWID;
"""


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """v2: a boilerplate reason per file, and the background's document frequencies.

    Files stored by v1 have no boilerplate reason (NULL) until they are fingerprinted again.
    """
    for statement in _V1_TO_V2.strip().split(";"):
        if statement.strip():
            db.execute(statement)


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """v3: seeds, the distinctive words recorded only with ``fingerprint --seeds``."""
    db.execute(
        "CREATE TABLE seeds (repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,"
        " seed TEXT NOT NULL, files INTEGER NOT NULL, score REAL NOT NULL,"
        " PRIMARY KEY (repo_id, seed))"
    )


def _migrate_3_to_4(db: sqlite3.Connection) -> None:
    """v4: each repository's origin, the identity a second repository of the same name is checked
    against, and an index on content hashes (identical files across repositories).

    Schema 3 kept only the root as typed. A folder's root was already absolute and becomes its
    origin; an archive or URL root may have been relative or carried a ``@REF``, so its origin is
    left unknown and the next ``fingerprint`` under that name records it.
    """
    db.execute("ALTER TABLE repos ADD COLUMN origin TEXT")
    db.execute("UPDATE repos SET origin = root WHERE root LIKE '/%'")
    db.execute("CREATE INDEX files_sha256 ON files (sha256)")


_V4_TO_V5 = """
ALTER TABLE files ADD COLUMN first_commit TEXT;
ALTER TABLE files ADD COLUMN last_commit TEXT;
CREATE TABLE reference_sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    published_at TEXT,
    files INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    learned_at TEXT NOT NULL,
    trust TEXT NOT NULL DEFAULT 'auto',
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    evidence TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE TABLE reference_hashes (
    hash INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    PRIMARY KEY (hash, source_id)
) WITHOUT ROWID;
CREATE TABLE reference_files (
    source_id INTEGER NOT NULL REFERENCES reference_sources(id) ON DELETE CASCADE,
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    fingerprints INTEGER NOT NULL,
    shared INTEGER NOT NULL,
    reference_path TEXT,
    reference_shared INTEGER NOT NULL,
    PRIMARY KEY (source_id, repo_id, path)
);
"""


def _migrate_4_to_5(db: sqlite3.Connection) -> None:
    """v5: reference sources with provenance, and first/last commit dates per private file.

    ``reference_sources`` holds one row per learned source (package, archive, folder, git
    repository): what it is, where it came from, its SHA-256 and publish date, and the decision
    taken on it with its reasons and evidence. ``reference_hashes`` says which sources hold each
    *stored* private fingerprint hash (the reference's own text and hashes are never stored);
    ``reference_files`` keeps, per private file that shares fingerprints with a source, how many
    and the reference file holding most of them (the inventory).

    The ``background`` table of schema 2-4 is left as it was, and read with its old meaning (a
    hash in ``background_files`` background files is common): such a store gives the same
    verdicts as before until its background is learned again as reference sources.
    """
    for statement in _V4_TO_V5.strip().split(";"):
        if statement.strip():
            db.execute(statement)


#: Tables whose rows the scanner's index is built from, with the columns it reads (None: all of
#: them): any change to them bumps the generation. A file's commit dates are not read by it.
INDEXED_TABLES: dict[str, str | None] = {
    "files": "repo_id, path, language, sha256, tokens, lines, fingerprints, boilerplate, structure",
    "repos": "name, public",
    "background": "hash, files",
    "reference_sources": None,  # names, decisions and reasons are in the index (and reports)
    "reference_hashes": "hash, source_id",
    "reference_files": None,
}


def _migrate_5_to_6(db: sqlite3.Connection) -> None:
    """v6: a generation counter, bumped by triggers in the same transaction as every change to
    what the scanner's index is built from (files, repositories, background, reference
    sources), and a random instance id. An index records both: it is fresh exactly when they
    still match, whichever program wrote to the store and however it stopped (a crash rolls the
    bump back with the change). Touching a file's modification time, or recording its commit
    dates, does not bump it.

    A store that a development build of the persistent index numbered 5 (generation and
    triggers, no reference tables) gets the reference tables here, and keeps its counter."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "reference_sources" not in tables:
        _migrate_4_to_5(db)
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0')")
    db.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(16))))"
    )
    for table, columns in INDEXED_TABLES.items():
        if table == "files":
            columns = _FILES_V6_COLUMNS
        _generation_triggers(db, table, columns)


_FILES_V6_COLUMNS = "repo_id, path, language, sha256, tokens, lines, fingerprints, boilerplate"
"""The files columns an index read at schema 6 (7 added ``structure``)."""


def _generation_triggers(db: sqlite3.Connection, table: str, columns: str | None) -> None:
    """Triggers bumping the generation on every insert, delete and update of ``columns`` (None:
    of any column) of ``table``."""
    bump = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
    for event in ("INSERT", f"UPDATE OF {columns}" if columns else "UPDATE", "DELETE"):
        name = f"{table}_{event.split()[0].lower()}_generation"
        db.execute(
            f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN {bump}; END"
        )


def _migrate_6_to_7(db: sqlite3.Connection) -> None:
    """v7: each file's structure (``fingerprints.structure``: per function, its line range,
    arity and event codes; the structural signal). Files stored before have none (NULL) and are
    fingerprinted again, even unchanged, the next time their repository is; until then the
    scanner simply has no structure for them. The index reads the new column, so the files
    update trigger is made again to bump the generation when it changes."""
    db.execute("ALTER TABLE files ADD COLUMN structure BLOB")
    db.execute("DROP TRIGGER IF EXISTS files_update_generation")
    _generation_triggers(db, "files", INDEXED_TABLES["files"])


#: Numbered migrations: MIGRATIONS[n] upgrades a store from schema n to n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
    4: _migrate_4_to_5,
    5: _migrate_5_to_6,
    6: _migrate_6_to_7,
}


@dataclass(frozen=True, slots=True)
class RepoInfo:
    id: int
    name: str
    root: str
    """What was read, as given (a folder, an archive, a git URL with its ref)."""
    public: bool
    updated_at: str | None
    files: int
    tokens: int
    lines: int
    origin: str | None = None
    """Where it comes from, the repository's identity (None: not recorded by schema 3)."""

    @property
    def kind(self) -> str:
        return "public" if self.public else "private"


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file as the scanner sees it: metadata and fingerprints, no source."""

    id: int
    repo_id: int
    path: str
    language: str
    tokens: int
    lines: int
    sha256: str
    fingerprints: np.ndarray  # FINGERPRINT_DTYPE
    boilerplate: str | None = None
    structure: bytes | None = None
    """Its functions' events (``fingerprints.structure``); None: stored before schema 7."""


@dataclass(frozen=True, slots=True)
class Background:
    """How many background (unrelated public) files hold each stored fingerprint hash."""

    hashes: np.ndarray  # uint64, sorted
    files: np.ndarray  # int64, aligned with hashes
    info: dict[str, object]


@dataclass(frozen=True, slots=True)
class ReferenceSource:
    """One learned reference source (a package, archive, folder or git repository) and the
    decision taken on it: ``public`` (its code is public code: never evidence) or
    ``holds-private-code`` (it clears nothing)."""

    id: int
    name: str
    version: str
    kind: str  # pypi, npm, archive, folder, git
    origin: str
    sha256: str
    published_at: str | None
    files: int
    lines: int
    tokens: int
    learned_at: str
    trust: str  # auto, trusted, distrusted
    decision: str
    reasons: tuple[str, ...]
    evidence: dict[str, Any]

    @property
    def label(self) -> str:
        """``name version``, as reports name it."""
        return f"{self.name} {self.version}".strip()

    @property
    def public(self) -> bool:
        from fingerprints.direction import PUBLIC  # here: its dataclasses cost ``fingerprint``
        # 17 million instructions (about 5 ms) before its first file, for one constant

        return self.decision == PUBLIC


@dataclass(frozen=True, slots=True)
class ReferenceFile:
    """How much of one private file a reference source holds (an inventory row)."""

    source_id: int
    repo_id: int
    path: str
    sha256: str
    """The private file's content when the source was learned (a changed file is not matched)."""
    fingerprints: int  # distinct fingerprint hashes of the private file
    shared: int  # how many of them the source holds
    reference_path: str | None  # the reference file holding most of them
    reference_shared: int  # how many that one file holds

    @property
    def share(self) -> float:
        return self.shared / self.fingerprints if self.fingerprints else 0.0


TRUST_LEVELS = ("auto", "trusted", "distrusted")


@dataclass(frozen=True, slots=True)
class KnownFile:
    sha256: str
    size: int
    mtime_ns: int
    structured: bool = True
    """False: stored before schema 7 without a structure, or with one of an older structure
    format than ``structure.FORMAT`` (older event codes), so it is fingerprinted again."""


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _reading(what: str) -> Callable[[_Method], _Method]:
    """A store method whose SQLite errors (a damaged page: "database disk image is malformed")
    become one ``DamagedStoreError`` naming the store file and what could not be read."""

    def wrap(method: _Method) -> _Method:
        @functools.wraps(method)
        def run(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                raise self._damaged(what, exc) from exc

        return run  # type: ignore[return-value]

    return wrap


class SQLiteStore:
    """The fingerprint store on SQLite. Use ``open_store`` to open or create one."""

    def __init__(
        self,
        path: str | Path,
        params: FingerprintParams | None = None,
        *,
        create: bool = False,
        read_only: bool = False,
    ) -> None:
        self.path = str(path)
        self._settling: _Settling | None = None
        if self.path != ":memory:":
            _check_is_store_file(Path(self.path), create)
        try:
            self._db, self.read_only = _connect(self.path, read_only and not create)
            self._db.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:" and not self.read_only:
                self._db.execute("PRAGMA journal_mode = WAL")
            # a new store's schema is not waited for: it is made durable with the run's first
            # batches (``bulk``) or on close, and the first file is parsed meanwhile (a power cut
            # before leaves a file with no tables, which ``create`` makes again)
            with self.bulk(durable=False) if create else contextlib.nullcontext():
                self.params = self._init_or_check(params, create)
        except sqlite3.DatabaseError as exc:
            if "malformed" in str(exc):  # an SQLite file whose own schema pages are damaged
                raise self._damaged("its tables", exc) from exc
            raise NotAStoreError(f"{self.path}: not a leaktrace store ({exc})") from exc

    def _damaged(self, what: str, problem: object) -> DamagedStoreError:
        return DamagedStoreError(
            f"{self.path}: damaged store: {what} cannot be read ({problem}); restore the file "
            "from a backup, or fingerprint the private code into a new store"
        )

    # -- opening -----------------------------------------------------------------------------

    def _meta(self) -> dict[str, str]:
        try:
            rows = self._db.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.OperationalError:
            return {}
        return dict(rows)

    def _init_or_check(self, params: FingerprintParams | None, create: bool) -> FingerprintParams:
        meta = self._meta()
        if not meta:
            tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables or not create:
                raise NotAStoreError(f"{self.path}: not a leaktrace store (no leaktrace metadata)")
            params = params or FingerprintParams()
            with self._db:
                self._db.executescript(_SCHEMA_V1)
                for version in range(1, SCHEMA_VERSION):
                    MIGRATIONS[version](self._db)
                self._db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("format", FORMAT),
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("params", json.dumps(params.identity(), sort_keys=True)),
                        ("created_at", _now()),
                    ],
                )
            return params
        if meta.get("format") != FORMAT:
            raise NotAStoreError(
                f"{self.path}: not a leaktrace store (format {meta.get('format')!r})"
            )
        try:
            version = int(meta.get("schema_version", "0"))
        except ValueError:
            raise self._damaged("its schema version", repr(meta["schema_version"])) from None
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path}: store schema {version} is newer than this leaktrace reads "
                f"({SCHEMA_VERSION}); upgrade leaktrace"
            )
        if version < SCHEMA_VERSION and self.read_only:
            raise StoreVersionError(
                f"{self.path}: store schema {version} must be upgraded to {SCHEMA_VERSION}, which "
                "writes to it, and this store cannot be written; run 'leaktrace repos --store "
                "STORE' once on a writable copy"
            )
        while version < SCHEMA_VERSION:
            if version not in MIGRATIONS:
                raise StoreVersionError(f"{self.path}: no migration from store schema {version}")
            with self._db:
                MIGRATIONS[version](self._db)
                version += 1
                self._db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)
                )
        stored, stored_params = self._stored_params(meta)
        if params is not None and params.identity() != stored_params.identity():
            raise StoreVersionError(
                f"{self.path}: store was made with {stored}, not {params.identity()}; "
                "use a new store file for other fingerprint parameters"
            )
        if stored.get("normalizer") != stored_params.identity()["normalizer"]:
            raise StoreVersionError(
                f"{self.path}: fingerprints made by normalizer {stored.get('normalizer')}, this "
                f"leaktrace uses {stored_params.identity()['normalizer']}; fingerprint again"
            )
        return stored_params if params is None else params

    def _stored_params(self, meta: dict[str, str]) -> tuple[dict[str, Any], FingerprintParams]:
        """The fingerprint parameters recorded in ``meta``; a clear error when they are lost or
        unreadable (a scan cannot judge anything without them)."""
        if "params" not in meta:
            raise self._damaged("its fingerprint parameters", "'params' is missing from meta")
        try:
            stored = json.loads(meta["params"])
            params = FingerprintParams(
                **{key: value for key, value in stored.items() if key != "normalizer"}
            )
        except (ValueError, TypeError, AttributeError, LeaktraceError) as exc:
            raise self._damaged(
                "its fingerprint parameters", f"meta 'params' is {meta['params'][:80]!r}: {exc}"
            ) from exc
        return stored, params

    def close(self) -> None:
        """Close the store, once its batches are durable (``settled``, which may raise)."""
        try:
            self.settled()
        finally:
            self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
            return
        with contextlib.suppress(StoreError):  # never hides what ended it
            self.close()

    # -- writing -----------------------------------------------------------------------------

    def check_repo(self, name: str, origin: str, public: bool) -> RepoInfo | None:
        """The stored repository ``name``, if any, after checking that storing ``origin`` under
        it would neither replace another repository nor change what kind of code it is.

        Raises ``RepoConflictError`` when a repository of that name comes from another origin,
        or when ``origin`` is already stored as the other kind (private or public). Writes
        nothing.
        """
        existing = self.repo(name)
        if existing is not None and existing.origin not in (None, origin):
            raise RepoConflictError(
                f"a repo named {name!r} already comes from {existing.origin}; give this one "
                "another name with --name NAME (or SRC=NAME)"
            )
        kind = "public" if public else "private"
        for other in self.repos():
            if other.public != public and (other.name == name or other.origin == origin):
                raise RepoConflictError(
                    f"already stored as {other.kind} repo {other.name!r}; to store it as "
                    f"{kind}, remove that one first (leaktrace repos --remove {other.name})"
                )
        return existing

    def claim_repo(self, name: str, root: str, origin: str, public: bool) -> int:
        """Create repository ``name`` for ``origin``, or take the existing one over again (same
        origin, same kind: an incremental update); checked as ``check_repo``, in one transaction.
        """
        try:
            with self._db:
                existing = self.check_repo(name, origin, public)
                if existing is None:
                    cursor = self._db.execute(
                        "INSERT INTO repos (name, root, origin, public) VALUES (?, ?, ?, ?)",
                        (name, root, origin, int(public)),
                    )
                    return int(cursor.lastrowid or 0)
                self._db.execute(
                    "UPDATE repos SET root = ?, origin = ? WHERE id = ?",
                    (root, origin, existing.id),
                )
                return existing.id
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot record repo {name!r} ({exc})") from exc

    def remove_repo(self, name: str) -> RepoInfo:
        """Remove a repository with its files, skip records and seeds, in one transaction."""
        existing = self._existing(name)
        try:
            with self._db:
                self._db.execute("DELETE FROM repos WHERE id = ?", (existing.id,))
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot remove repo {name!r} ({exc})") from exc
        return existing

    def rename_repo(self, old: str, new: str) -> None:
        """Give a repository another name; refused if ``new`` is taken or not a usable name."""
        existing = self._existing(old)
        problem = repo_name_problem(new)
        if problem:
            raise RepoConflictError(f"cannot rename {old!r} to {new!r}: {problem}")
        if self.repo(new) is not None:
            raise RepoConflictError(f"cannot rename {old!r}: a repo named {new!r} already exists")
        try:
            with self._db:
                self._db.execute("UPDATE repos SET name = ? WHERE id = ?", (new, existing.id))
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot rename repo {old!r} ({exc})") from exc

    def _existing(self, name: str) -> RepoInfo:
        existing = self.repo(name)
        if existing is None:
            known = ", ".join(repr(r.name) for r in self.repos()) or "none"
            raise RepoConflictError(f"no repo named {name!r} in {self.path} (repos: {known})")
        return existing

    def put_files(
        self,
        repo_id: int,
        files: Iterable[FileFingerprint | NativeFile],
        skipped: Iterable[tuple[str, str]] = (),
        touched: Iterable[tuple[str, int]] = (),
    ) -> None:
        """Store (or replace) files, skip records and new times of unchanged files, in one
        transaction; a file stored is no longer recorded as skipped."""
        files = list(files)
        try:
            with self._db:
                self._db.executemany(
                    "INSERT INTO files (repo_id, path, language, size, sha256, mtime_ns, tokens,"
                    " lines, fingerprints, signature, boilerplate, structure)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(repo_id, path) DO UPDATE SET language = excluded.language,"
                    " size = excluded.size, sha256 = excluded.sha256,"
                    " mtime_ns = excluded.mtime_ns, tokens = excluded.tokens,"
                    " lines = excluded.lines, fingerprints = excluded.fingerprints,"
                    " signature = excluded.signature, boilerplate = excluded.boilerplate,"
                    " structure = excluded.structure",
                    [
                        (
                            repo_id,
                            f.path,
                            f.language,
                            f.size,
                            f.sha256,
                            f.mtime_ns,
                            f.tokens,
                            f.lines,
                            _blob(f.fingerprints),
                            f.signature,
                            f.boilerplate,
                            f.structure,
                        )
                        for f in files
                    ],
                )
                self._db.executemany(
                    "UPDATE files SET mtime_ns = ? WHERE repo_id = ? AND path = ?",
                    [(mtime, repo_id, path) for path, mtime in touched],
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO skipped (repo_id, path, reason) VALUES (?, ?, ?)",
                    [(repo_id, path, reason) for path, reason in skipped],
                )
                self._db.executemany(
                    "DELETE FROM skipped WHERE repo_id = ? AND path = ?",
                    [(repo_id, f.path) for f in files],
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write fingerprints ({exc})") from exc

    @contextlib.contextmanager
    def bulk(self, *, durable: bool = True, settle_later: bool = False) -> Iterator[None]:
        """Many transactions in a row (a ``fingerprint`` run's batches), each committed without
        waiting for the disk (WAL with ``synchronous = NORMAL``: a crash of this process loses
        nothing committed; a power cut may lose the last batches, never the store's
        consistency), then made durable together on the way out (the WAL synced), before
        anything, such as an index stamped with the store's generation, is built
        from them. Outside WAL (a file system where SQLite could not start it), where NORMAL
        could cost consistency on a power cut, every commit still waits for the disk. Not
        ``durable``: the batches are left for the next ``bulk`` or the close to make durable.

        ``settle_later``: made durable on a thread from the way out (a connection of its own
        checkpoints and syncs the WAL: mostly waiting for the disk), while this one goes on,
        say building the index from them; ``settled`` waits for it and raises what it could
        not do, and an index is published (``scanner.index_file.write_index``), or the store
        closed, only after it (fingerprinting pip 24.2, the wait was 25 to 35 ms of the run's
        tail, which the index build, 60 ms of CPU, now covers)."""
        self.settled()
        mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
        relaxed = self.path != ":memory:" and not self.read_only and mode == "wal"
        if relaxed:
            before = int(self._db.execute("PRAGMA synchronous").fetchone()[0])
            self._db.execute("PRAGMA synchronous = NORMAL")
        if not relaxed:
            yield
            return
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error, OSError):  # never hides what ended it
                self._end_bulk(before, durable)
            raise
        try:
            self._end_bulk(before, durable, settle_later)
        except (sqlite3.Error, OSError) as exc:  # the batches may not be on disk: say so
            raise self._not_durable(exc) from exc

    def _end_bulk(self, synchronous: int, durable: bool = True, later: bool = False) -> None:
        self._db.execute(f"PRAGMA synchronous = {synchronous:d}")
        if not durable:
            return
        if later:
            self._settling = _Settling(self, synchronous)
            return
        self._make_durable(self._db)

    def _make_durable(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        # the checkpoint syncs the WAL only when it copies frames, which a reader's snapshot
        # can prevent: synced here whatever it did
        self._sync_wal()

    def settled(self) -> None:
        """Wait until the batches of a ``bulk(settle_later=True)`` are durable; ``StoreError``
        when they could not be made so (then they may not be on disk)."""
        settling, self._settling = self._settling, None
        if settling is None:
            return
        settling.join()
        if settling.error is not None:
            raise self._not_durable(settling.error) from settling.error

    def _not_durable(self, exc: BaseException) -> StoreError:
        return StoreError(f"{self.path}: could not make the stored batches durable ({exc})")

    def _sync_wal(self) -> None:
        wal = f"{self.path}-wal"
        try:
            handle = os.open(wal, os.O_RDONLY)
        except FileNotFoundError:  # checkpointed and removed: nothing left to sync
            return
        try:
            os.fsync(handle)
        finally:
            os.close(handle)

    def forget_missing(self, repo_id: int, present: set[str]) -> int:
        """Remove stored files and skip records of this repo whose path is not in ``present``."""
        stored = {
            row[0]
            for row in self._db.execute(
                "SELECT path FROM files WHERE repo_id = ?"
                " UNION SELECT path FROM skipped WHERE repo_id = ?",
                (repo_id, repo_id),
            )
        }
        gone = sorted(stored - present)
        with self._db:
            for table in ("files", "skipped"):
                self._db.executemany(
                    f"DELETE FROM {table} WHERE repo_id = ? AND path = ?",
                    [(repo_id, path) for path in gone],
                )
            self._db.execute("UPDATE repos SET updated_at = ? WHERE id = ?", (_now(), repo_id))
        return len(gone)

    # -- reading -----------------------------------------------------------------------------

    @_reading("its files")
    def known_files(self, repo_id: int) -> dict[str, KnownFile]:
        from fingerprints import structure as _structure

        rows = self._db.execute(
            "SELECT path, sha256, size, mtime_ns,"
            " structure IS NOT NULL AND substr(structure, 1, 1) IS ? FROM files"
            " WHERE repo_id = ?",
            (bytes([_structure.FORMAT]), repo_id),
        )
        return {path: KnownFile(sha, size, mtime, bool(s)) for path, sha, size, mtime, s in rows}

    def file_policy(self, repo_id: int) -> str:
        """What the repository's files were last read under (``tree._Ingest.policy``: the
        ``policy.FILE_POLICY`` number and the company's copyright holders; "" before it was
        recorded): files read under another are read again, even unchanged."""
        row = self._db.execute(
            "SELECT value FROM meta WHERE key = ?", (f"file_policy:{repo_id}",)
        ).fetchone()
        return str(row[0]) if row else ""

    def set_file_policy(self, repo_id: int, policy: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (f"file_policy:{repo_id}", policy),
            )

    def repos(self) -> list[RepoInfo]:
        return self._repo_rows("", ())

    @_reading("its repositories")
    def repo_names(self) -> dict[int, str]:
        """Each repository's id and name: what the index needs, without ``repos``' sums over
        every file (0.25 s on a store of 10 million lines; ``_require_private_code`` still reads
        them all once, which is also what finds a damaged page of the store at start)."""
        return dict(self._db.execute("SELECT id, name FROM repos"))

    def repo(self, name: str) -> RepoInfo | None:
        """The repository called ``name``, or None."""
        found = self._repo_rows("WHERE r.name = ?", (name,))
        return found[0] if found else None

    @_reading("its repositories")
    def unfinished_repos(self) -> list[tuple[str, str, int]]:
        """Each private repository no fingerprint run ever finished (a run killed before its
        end: ``updated_at`` is set only then), as (name, root, files stored): the rest of its
        files were never fingerprinted, so a copy of one of them cannot be found."""
        return [(str(name), str(root), int(files)) for name, root, files in self._db.execute(
            "SELECT r.name, r.root, (SELECT count(*) FROM files f WHERE f.repo_id = r.id)"
            " FROM repos r WHERE r.public = 0 AND r.updated_at IS NULL ORDER BY r.id"
        )]  # fmt: skip

    @_reading("its repositories")
    def has_private_files(self) -> bool:
        """Whether any private repository holds a file (one row read, through the index on
        ``files (repo_id, path)``)."""
        return bool(self._db.execute(
            "SELECT EXISTS (SELECT 1 FROM repos r JOIN files f ON f.repo_id = r.id"
            " WHERE r.public = 0)"
        ).fetchone()[0])  # fmt: skip

    @_reading("its repositories")
    def _repo_rows(self, where: str, args: tuple[object, ...]) -> list[RepoInfo]:
        rows = self._db.execute(
            "SELECT r.id, r.name, r.root, r.public, r.updated_at, count(f.id),"
            " coalesce(sum(f.tokens), 0), coalesce(sum(f.lines), 0), r.origin"
            f" FROM repos r LEFT JOIN files f ON f.repo_id = r.id {where}"
            " GROUP BY r.id ORDER BY r.id",
            args,
        )
        return [
            RepoInfo(i, n, root, bool(p), u, c, t, ln, o) for i, n, root, p, u, c, t, ln, o in rows
        ]

    @_reading("its files")
    def identical_files(self, repo_id: int) -> list[tuple[RepoInfo, int]]:
        """Other repositories holding files whose content equals one of this repository's, and
        how many of this repository's files each holds, most first."""
        rows = self._db.execute(
            "SELECT other.repo_id, count(DISTINCT mine.id) FROM files mine"
            " JOIN files other ON other.sha256 = mine.sha256 AND other.repo_id != mine.repo_id"
            " WHERE mine.repo_id = ? GROUP BY other.repo_id",
            (repo_id,),
        ).fetchall()
        repos = {r.id: r for r in self.repos()}
        found = [(repos[other], count) for other, count in rows]
        return sorted(found, key=lambda item: (-item[1], item[0].name))

    @_reading("its skip records")
    def skipped(self, repo_id: int) -> list[tuple[str, str]]:
        return self._db.execute(
            "SELECT path, reason FROM skipped WHERE repo_id = ? ORDER BY path", (repo_id,)
        ).fetchall()

    def iter_files(self) -> Iterator[StoredFile]:
        try:
            rows = self._db.execute(
                "SELECT id, repo_id, path, language, tokens, lines, sha256, fingerprints,"
                " boilerplate, structure FROM files ORDER BY id"
            )
            for (file_id, repo_id, path, language, tokens, lines, sha, blob, boilerplate,
                 structure) in rows:  # fmt: skip
                yield StoredFile(
                    file_id, repo_id, path, language, tokens, lines, sha,
                    self._fingerprints(blob, file_id, path), boilerplate, structure,
                )  # fmt: skip
        except sqlite3.DatabaseError as exc:
            raise self._damaged("its files", exc) from exc

    def _fingerprints(self, blob: object, file_id: int, path: str) -> np.ndarray:
        """A stored file's fingerprint array, checked: a record of the wrong type or length is
        damage, named with the file it belongs to."""
        import numpy as np

        from fingerprints.shingles import FINGERPRINT_DTYPE

        size = FINGERPRINT_DTYPE.itemsize
        if not isinstance(blob, bytes) or len(blob) % size:
            length = f"{len(blob)} bytes" if isinstance(blob, bytes) else type(blob).__name__
            raise self._damaged(
                f"the fingerprints of file {path!r} (id {file_id})",
                f"{length}, not a whole number of {size}-byte fingerprints",
            )
        return np.frombuffer(blob, dtype=FINGERPRINT_DTYPE)

    @_reading("its generation")
    def stamp(self) -> tuple[str, int]:
        """(instance id, generation): which store this is, and how many changes to what an index
        is built from it has seen (see ``_migrate_4_to_5``)."""
        meta = self._meta()
        return meta.get("instance", ""), int(meta.get("generation", "0"))

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees the store as of one moment, even while another process writes
        (a read transaction; in WAL mode writers are not blocked)."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    @_reading("its files")
    def distinct_private_files(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """One private file per distinct content, as the index keeps them: (file ids, places,
        boilerplate flags, tokens in all).

        The file kept for a content is its first (by id) that is not private boilerplate, else
        its first; contents come in the order their first file was stored. ``places`` counts the
        distinct paths holding the content (a template copied to 20 folders is at 20 places;
        one tree stored under two names is not at twice as many).
        """
        import numpy as np

        rows = self._db.execute(
            "SELECT coalesce(min(CASE WHEN f.boilerplate IS NULL THEN f.id END), min(f.id)),"
            " count(DISTINCT f.path), min(f.id) FROM files f JOIN repos r ON r.id = f.repo_id"
            " WHERE r.public = 0 GROUP BY f.sha256 ORDER BY min(f.id)"
        ).fetchall()
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        places = np.array([row[1] for row in rows], dtype=np.int32)
        flags = self._db.execute(
            "SELECT id, boilerplate IS NOT NULL, tokens FROM files WHERE id IN"
            " (SELECT f.id FROM files f JOIN repos r ON r.id = f.repo_id WHERE r.public = 0)"
        ).fetchall()
        by_id = {file_id: (bool(flag), tokens) for file_id, flag, tokens in flags}
        boilerplate = np.array([by_id[i][0] for i in ids.tolist()], dtype=bool)
        return ids, places, boilerplate, sum(by_id[i][1] for i in ids.tolist())

    @_reading("its files")
    def file_sha256s(self, ids: np.ndarray) -> list[str]:
        """The content hash (SHA-256) of each stored file in ``ids``, in that order."""
        wanted = [int(i) for i in ids.tolist()]
        found: dict[int, str] = {}
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            rows = self._db.execute(
                f"SELECT id, sha256 FROM files WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
            found.update(rows)
        return [found[i] for i in wanted]

    @_reading("its files")
    def file_keys(self, ids: Iterable[int]) -> np.ndarray:
        """What a stored file's fingerprints are computed from, per file id in ``ids`` (in that
        order): 32 bytes of SHA-256 over its content hash, language and the sizes of its
        fingerprints and structure (none: stored before schema 7; with its format byte unless
        that is 1, so a file fingerprinted again at a new structure format is changed). A file
        whose key is unchanged has unchanged fingerprints and structure, so an index can keep
        them without reading them again (``scanner/index_file.py``)."""
        # hashlib here, as in ``digest``: OpenSSL's load is 10 million instructions of
        # ``fingerprint``'s start-up, and neither is needed before the index is built
        import hashlib

        import numpy as np

        wanted = [int(i) for i in ids]
        found: dict[int, bytes] = {}
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            rows = self._db.execute(
                "SELECT id, sha256, language, length(fingerprints),"
                " length(structure) || coalesce(nullif(hex(substr(structure, 1, 1)), '01'), '')"
                " FROM files"
                f" WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for file_id, sha256, language, size, structure in rows:
                key = f"{sha256}\0{language}\0{size}\0{structure}".encode()
                found[file_id] = hashlib.sha256(key).digest()
        return np.array([found[i] for i in wanted], dtype="S32").reshape(len(wanted))

    @_reading("its files")
    def public_file_ids(self) -> list[int]:
        rows = self._db.execute(
            "SELECT f.id FROM files f JOIN repos r ON r.id = f.repo_id WHERE r.public = 1"
            " ORDER BY f.id"
        )
        return [row[0] for row in rows]

    def _rows(self, columns: str, wanted: set[int] | None) -> Iterator[tuple[Any, ...]]:
        """``columns`` of the files in ``wanted`` (None: all), by id: a few looked up by id
        (an index update reads only the files added), many read in one scan of the table."""
        if wanted is not None and len(wanted) <= 500:
            chosen = sorted(wanted)
            yield from self._db.execute(
                f"SELECT {columns} FROM files WHERE id IN ({', '.join('?' * len(chosen))})"
                " ORDER BY id",
                chosen,
            )
            return
        for row in self._db.execute(f"SELECT {columns} FROM files ORDER BY id"):
            if wanted is None or row[0] in wanted:
                yield row

    def iter_fingerprints(self, wanted: set[int] | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """(file id, fingerprint array) of every stored file (or of those in ``wanted``), by id,
        streamed: one file's fingerprints in memory at a time."""
        try:
            for file_id, path, blob in self._rows("id, path, fingerprints", wanted):
                yield file_id, self._fingerprints(blob, file_id, path)
        except sqlite3.DatabaseError as exc:
            raise self._damaged("its files", exc) from exc

    @_reading("its files")
    def private_file(self, file_id: int) -> tuple[StoredFile, list[tuple[int, str]]]:
        """One stored file (without its fingerprints) and the (repo id, path) of the other
        private files holding the same content, by id."""
        import numpy as np

        from fingerprints.shingles import FINGERPRINT_DTYPE

        row = self._db.execute(
            "SELECT id, repo_id, path, language, tokens, lines, sha256, boilerplate FROM files"
            " WHERE id = ?",
            (file_id,),
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no file with id {file_id}")
        stored = StoredFile(*row[:7], np.zeros(0, FINGERPRINT_DTYPE), row[7])  # type: ignore[call-arg]
        copies = self._db.execute(
            "SELECT f.repo_id, f.path FROM files f JOIN repos r ON r.id = f.repo_id"
            " WHERE f.sha256 = ? AND r.public = 0 AND f.id != ? ORDER BY f.id",
            (stored.sha256, file_id),
        ).fetchall()
        return stored, [(repo_id, path) for repo_id, path in copies]

    @_reading("its files")
    def file_paths(self, wanted: set[int]) -> Iterator[tuple[int, str]]:
        """(file id, path) of the files in ``wanted``."""
        yield from list(self._rows("id, path", wanted))

    def structures(self, wanted: set[int]) -> Iterator[tuple[int, bytes | None]]:
        """(file id, stored structure bytes or None) of the files in ``wanted``, by id."""
        try:
            yield from self._rows("id, structure", wanted)
        except sqlite3.DatabaseError as exc:
            raise self._damaged("its structures", exc) from exc

    def fingerprints_of(self, file_id: int) -> np.ndarray:
        """One stored file's fingerprint array (``FINGERPRINT_DTYPE``), by file id."""
        try:
            row = self._db.execute(
                "SELECT path, fingerprints FROM files WHERE id = ?", (file_id,)
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise self._damaged("its files", exc) from exc
        if row is None:
            raise StoreError(f"{self.path}: no file with id {file_id}")
        return self._fingerprints(row[1], file_id, row[0])

    @_reading("its files")
    def digest(self) -> str:
        """SHA-256 of everything a verdict depends on: parameters, and every repository's files,
        content hashes and fingerprints (not timestamps). Equal stores give equal digests."""
        import hashlib

        digest = hashlib.sha256(json.dumps(self.params.identity(), sort_keys=True).encode())
        rows = self._db.execute(
            "SELECT r.name, r.public, f.path, f.sha256, f.fingerprints FROM files f"
            " JOIN repos r ON r.id = f.repo_id ORDER BY r.name, f.path"
        )
        for name, public, path, sha, blob in rows:
            digest.update(f"{name}\0{public}\0{path}\0{sha}\0".encode())
            digest.update(blob)
        for ref in sorted(self.reference_sources(), key=lambda r: (r.name, r.version)):
            digest.update(
                f"ref\0{ref.name}\0{ref.version}\0{ref.sha256}\0{ref.decision}\0".encode()
            )
        return digest.hexdigest()

    # -- seeds -------------------------------------------------------------------------------------

    def put_seeds(self, repo_id: int, seeds: list[tuple[str, int, float]]) -> None:
        with self._db:
            self._db.execute("DELETE FROM seeds WHERE repo_id = ?", (repo_id,))
            rows = [(repo_id, seed, n, score) for seed, n, score in seeds]
            self._db.executemany("INSERT INTO seeds VALUES (?, ?, ?, ?)", rows)

    @_reading("its seeds")
    def seeds(self, limit: int | None = None) -> list[str]:
        """The best seeds of the private repositories, best first."""
        rows = self._db.execute(
            "SELECT seed FROM seeds s JOIN repos r ON r.id = s.repo_id WHERE r.public = 0"
            " GROUP BY seed ORDER BY max(score) DESC, seed LIMIT ?", (limit or -1,))  # fmt: skip
        return [row[0] for row in rows]

    def drop_seeds(self, common: set[str]) -> int:
        """Forget seeds that unrelated code also has; how many were dropped."""
        present = [s for s in self.seeds() if s in common]
        with self._db:
            self._db.executemany("DELETE FROM seeds WHERE seed = ?", [(s,) for s in present])
        return len(present)

    @_reading("its fingerprints")
    def fingerprint_hashes(self) -> np.ndarray:
        """Every distinct fingerprint hash in the store (sorted uint64)."""
        import numpy as np

        parts = [
            self._fingerprints(blob, file_id, path)["hash"]
            for file_id, path, blob in self._db.execute("SELECT id, path, fingerprints FROM files")
        ]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)

    # -- background ----------------------------------------------------------------------------

    def add_background(
        self, hashes: np.ndarray, files: np.ndarray, source: dict[str, object]
    ) -> None:
        """Add document frequencies learned from one more background corpus."""
        import numpy as np

        info = self.background().info
        sources = [*info.get("sources", []), source]  # type: ignore[misc]
        rows = [
            (int(h), int(n))
            for h, n in zip(hashes.view(np.int64).tolist(), files.tolist(), strict=True)
            if n
        ]
        try:
            with self._db:
                self._db.executemany(
                    "INSERT INTO background (hash, files) VALUES (?, ?)"
                    " ON CONFLICT(hash) DO UPDATE SET files = files + excluded.files",
                    rows,
                )
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('background', ?)",
                    (json.dumps({"sources": sources, "learned_at": _now()}, sort_keys=True),),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write background ({exc})") from exc

    @_reading("its background")
    def background(self) -> Background:
        import numpy as np

        rows = self._db.execute("SELECT hash, files FROM background ORDER BY hash").fetchall()
        hashes = np.array([h for h, _ in rows], dtype=np.int64).view(np.uint64)
        order = np.argsort(hashes)
        files = np.array([n for _, n in rows], dtype=np.int64)
        meta = self._meta().get("background")
        return Background(hashes[order], files[order], json.loads(meta) if meta else {})

    # -- reference sources -------------------------------------------------------------------

    def put_reference(
        self,
        source: ReferenceSource,
        hashes: np.ndarray,
        files: Iterable[ReferenceFile],
    ) -> int:
        """Record one learned source (replacing an earlier one of the same name and version)
        with the stored hashes it holds and its inventory rows, in one transaction."""
        import numpy as np

        row = (source.name, source.version, source.kind, source.origin, source.sha256,
               source.published_at, source.files, source.lines, source.tokens, source.learned_at,
               source.trust, source.decision, json.dumps(list(source.reasons)),
               json.dumps(source.evidence, sort_keys=True))  # fmt: skip
        try:
            with self._db:
                old = self._db.execute(
                    "SELECT id FROM reference_sources WHERE name = ? AND version = ?",
                    (source.name, source.version),
                ).fetchone()
                if old is not None:
                    self._forget_reference(old[0])
                cursor = self._db.execute(
                    "INSERT INTO reference_sources (name, version, kind, origin, sha256,"
                    " published_at, files, lines, tokens, learned_at, trust, decision, reasons,"
                    " evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                source_id = int(cursor.lastrowid or 0)
                self._db.executemany(
                    "INSERT OR IGNORE INTO reference_hashes (hash, source_id) VALUES (?, ?)",
                    ((h, source_id) for h in hashes.astype(np.uint64).view(np.int64).tolist()),
                )
                self._db.executemany(
                    "INSERT INTO reference_files (source_id, repo_id, path, sha256, fingerprints,"
                    " shared, reference_path, reference_shared) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(source_id, f.repo_id, f.path, f.sha256, f.fingerprints, f.shared,
                      f.reference_path, f.reference_shared) for f in files],
                )  # fmt: skip
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot write reference {source.label!r} ({exc})"
            ) from exc
        return source_id

    def _forget_reference(self, source_id: int) -> None:
        self._db.execute("DELETE FROM reference_hashes WHERE source_id = ?", (source_id,))
        self._db.execute("DELETE FROM reference_files WHERE source_id = ?", (source_id,))
        self._db.execute("DELETE FROM reference_sources WHERE id = ?", (source_id,))

    def reference_sources(self) -> list[ReferenceSource]:
        """Every learned reference source, in the order they were learned."""
        rows = self._db.execute(
            "SELECT id, name, version, kind, origin, sha256, published_at, files, lines, tokens,"
            " learned_at, trust, decision, reasons, evidence FROM reference_sources ORDER BY id"
        ).fetchall()
        return [
            ReferenceSource(*row[:13], tuple(json.loads(row[13])), json.loads(row[14]))
            for row in rows
        ]

    def set_reference_decision(
        self, source_id: int, decision: str, reasons: Iterable[str], trust: str | None = None
    ) -> None:
        with self._db:
            self._db.execute(
                "UPDATE reference_sources SET decision = ?, reasons = ?,"
                " trust = coalesce(?, trust) WHERE id = ?",
                (decision, json.dumps(list(reasons)), trust, source_id),
            )

    def reference_hashes(self) -> tuple[np.ndarray, np.ndarray]:
        """(hashes, source ids): every (stored hash, source holding it) pair, sorted by hash."""
        import numpy as np

        rows = self._db.execute(
            "SELECT hash, source_id FROM reference_hashes ORDER BY hash, source_id"
        ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        pairs = np.array(rows, dtype=np.int64)
        hashes = pairs[:, 0].view(np.uint64)
        order = np.argsort(hashes, kind="stable")  # signed order in SQLite, unsigned here
        return np.ascontiguousarray(hashes[order]), np.ascontiguousarray(pairs[order, 1])

    def reference_files(self, source_id: int | None = None) -> list[ReferenceFile]:
        where, args = ("WHERE source_id = ?", (source_id,)) if source_id is not None else ("", ())
        rows = self._db.execute(
            "SELECT source_id, repo_id, path, sha256, fingerprints, shared, reference_path,"
            f" reference_shared FROM reference_files {where} ORDER BY source_id, repo_id, path",
            args,
        ).fetchall()
        return [ReferenceFile(*row) for row in rows]

    # -- commit dates --------------------------------------------------------------------------

    def set_commit_dates(self, repo_id: int, dates: dict[str, tuple[str, str]]) -> None:
        """Record each file's first and last commit date (ISO 8601) from its git history."""
        with self._db:
            self._db.executemany(
                "UPDATE files SET first_commit = ?, last_commit = ? WHERE repo_id = ? AND path = ?",
                [(first, last, repo_id, path) for path, (first, last) in dates.items()],
            )

    def commit_dates(self) -> dict[tuple[int, str], tuple[str, str]]:
        """(repo id, path) -> (first, last) commit date, for files whose history is known."""
        rows = self._db.execute(
            "SELECT repo_id, path, first_commit, last_commit FROM files"
            " WHERE first_commit IS NOT NULL"
        )
        return {(repo, path): (first, last) for repo, path, first, last in rows}

    @_reading("its signatures")
    def signature_bytes(self, file_id: int) -> bytes:
        row = self._db.execute("SELECT signature FROM files WHERE id = ?", (file_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no file with id {file_id}")
        return bytes(row[0])


def _blob(fingerprints: np.ndarray | bytearray) -> bytes | bytearray:
    """A file's fingerprints as stored: the array's bytes, or the bytes a ``NativeFile`` holds."""
    return fingerprints if isinstance(fingerprints, bytearray) else fingerprints.tobytes()


class _Settling(threading.Thread):
    """``SQLiteStore.bulk(settle_later=True)``'s way out: the WAL checkpointed and synced on a
    connection of its own (its ``synchronous`` the store's), on a thread; ``error`` once it
    failed."""

    def __init__(self, store: SQLiteStore, synchronous: int) -> None:
        super().__init__(name="store-settling")
        self.store, self.synchronous = store, synchronous
        self.error: sqlite3.Error | OSError | None = None
        self.start()

    def run(self) -> None:
        try:
            db = sqlite3.connect(self.store.path)
            try:
                db.execute(f"PRAGMA synchronous = {self.synchronous:d}")
                self.store._make_durable(db)
            finally:
                db.close()
        except (sqlite3.Error, OSError) as exc:
            self.error = exc


def _connect(path: str, read_only: bool) -> tuple[sqlite3.Connection, bool]:
    """A connection to the store, and whether it is read-only. A store opened only for reading
    (scanning) whose file or folder cannot be written (read-only media, where SQLite could not
    even make its WAL index) is opened with ``mode=ro&immutable=1``: nothing is written or
    locked. Otherwise it is opened as usual (a writable store is still upgraded and its WAL
    cleaned up on close)."""
    if read_only and path != ":memory:":
        file = Path(path).resolve()
        if not (os.access(file, os.W_OK) and os.access(file.parent, os.W_OK)):
            uri = f"file:{quote(str(file))}?mode=ro&immutable=1"
            return sqlite3.connect(uri, uri=True), True
    return sqlite3.connect(path), False


def repo_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a repository, or None: it must be non-empty, printable and
    hold no ``/`` (reports look private files up as CHECKOUT/NAME/PATH)."""
    if not name.strip():
        return "a repo name cannot be empty"
    if "/" in name or not name.isprintable():
        return "a repo name cannot hold '/' or control characters"
    return None


def _check_is_store_file(path: Path, create: bool) -> None:
    if not path.exists():
        if not create:
            raise StoreError(f"{path}: no such store; make one with 'leaktrace fingerprint'")
        return
    if path.is_dir():
        raise NotAStoreError(f"{path}: is a folder, not a leaktrace store")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read store ({exc.strerror})") from exc
    if head and head != _SQLITE_MAGIC:
        raise NotAStoreError(f"{path}: not a leaktrace store (not an SQLite database)")


def open_store(
    path: str | Path,
    params: FingerprintParams | None = None,
    *,
    create: bool = False,
    read_only: bool = False,
) -> SQLiteStore:
    """Open a store; create it (with ``params`` or the defaults) when ``create`` is true; only
    for reading (scans: the store may sit on read-only media) when ``read_only`` is true."""
    return SQLiteStore(path, params, create=create, read_only=read_only)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
