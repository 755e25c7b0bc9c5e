"""The lookup side of the store: every private fingerprint, sorted by hash, in numpy arrays.

Kept beside the store in ``STORE.index`` (``scanner/index_file.py``) and memory-mapped at scan
start; built in memory only where that file cannot be written. A scan reads from the store only
the fingerprint arrays and details of the private files a candidate matches.

A candidate's k-gram hashes are looked up all at once, never file against file. Hashes are
uniform 64-bit values, so their top bits index a table of bucket offsets sized to hold 8 to 16
fingerprints per bucket: a lookup is one table read and a few vectorized bisection steps inside
a small bucket, and a second bisection finds the end of the run. Each fingerprint is one packed
record, the rest of its hash below the bucket's bits and its place (``scanner/packed.py``).
Fanout (at how many private places a hash is stored) is summed at lookup, only for runs no
longer than ``max_fanout``. Its cost barely grows with the store: a plain binary search over
the whole array grew 9.8x from 10,000 to 1,000,000 files (cache misses on a 480 MB array); the
bucket table stays close to flat (tests/benchmarks/bench_scale.py, section 5).

Fingerprints of public repos are kept apart as a sorted set: a k-gram found there is never
evidence. Reference sources decided public (``leaktrace background``) mark, once per distinct
hash they hold (like the background's counts, never per entry), the earliest learned public
source holding it (``reference_hashes``, ``reference_sources``, looked up by ``reference``), and,
per private file, the public source that holds
most of it when it is public code copied into the private tree (``file_reference``, the
inventory): both are discounted and named in the report, never evidence. Sources that hold
private code (or that the user distrusts) mark nothing.

Each distinct private content is indexed once. The same file stored twice (one tree fingerprinted
under two names, a file copied between repositories) would otherwise be counted twice as
evidence, and would double the fanout of all its fingerprints, pushing them towards
``max_fanout``; the other places holding it are kept as the indexed file's ``copies``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from fingerprints import (
    FINGERPRINT_DTYPE,
    IN_SOURCE,
    Background,
    ReferenceFile,
    ReferenceSource,
    SQLiteStore,
    StoredFile,
    StoreError,
    Structure,
    open_store,
)
from scanner.index_file import (
    FORMAT_VERSION,
    IndexFile,
    fingerprint_layout,
    fingerprint_table,
    index_path,
    write_index,
)
from scanner.packed import PackedTable, expand_runs
from scanner.structural import EMPTY_INDEX, InMemoryStructures, StructureIndex, structures_of


@dataclass(frozen=True, slots=True)
class PrivateFile:
    repo: str
    path: str
    language: str
    tokens: int
    lines: int
    sha256: str
    boilerplate: str | None = None
    copies: tuple[tuple[str, str], ...] = ()
    """Other (repo, path) places holding the same content: stored again, counted once."""


@dataclass(frozen=True, slots=True)
class ReferenceRef:
    """A public reference source, as reports name it."""

    name: str
    version: str
    kind: str  # pypi, npm, archive, folder, git
    origin: str

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()


@dataclass(frozen=True)
class References:
    """What the store knows of reference sources, as the index needs it."""

    sources: list[ReferenceSource]
    hashes: np.ndarray  # uint64, sorted (with repeats: one per source holding the hash)
    source_ids: np.ndarray  # int64, aligned with hashes
    files: list[ReferenceFile]

    @classmethod
    def from_store(cls, store: SQLiteStore) -> References:
        hashes, ids = store.reference_hashes()
        return cls(store.reference_sources(), hashes, ids, store.reference_files())


def _no_references() -> np.ndarray:
    return np.zeros(0, dtype=np.int32)


ADDED_CACHE_BYTES = 16 * 2**20
"""What ``FingerprintIndex.added`` keeps of its answers (a bool per fingerprint of a file):
kept without a bound, they grew with every private file a long ``watch`` matched."""


class RecentCache:
    """Key -> value, the recently used ones kept: at most ``most_bytes`` of them by ``size``
    (and ``most_entries`` of them, when given), the oldest dropped first, the last one put
    always kept; shared by the threads of one process (the watch and its big lane), never sent
    to another process (a pickled copy starts empty; a forked one with what its parent kept).
    The index's ``added`` answers, the store readers' arrays and the watch's HTTP answers and
    blobs (``watch.engine.BoundedCache``) are kept in one."""

    def __init__(self, most_bytes: int, size: Callable[[Any], int] | None = None,
                 most_entries: int | None = None) -> None:  # fmt: skip
        self.most_bytes, self.size, self.most_entries = most_bytes, size or _nbytes, most_entries
        self._kept: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self._lock = threading.Lock()

    def peek(self, key: Any) -> Any:
        """The value kept under ``key`` (now the most recent), else None."""
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
            return found[0]

    def put(self, key: Any, value: Any, size: int | None = None) -> None:
        """Keep ``value`` under ``key`` (``size``: its size, else ``size(value)``)."""
        size = self.size(value) if size is None else size
        with self._lock:
            old = self._kept.pop(key, None)
            self.bytes += size - (old[1] if old else 0)
            self._kept[key] = (value, size)
            while len(self._kept) > 1 and (
                self.bytes > self.most_bytes
                or (self.most_entries is not None and len(self._kept) > self.most_entries)
            ):
                _, (_, dropped) = self._kept.popitem(last=False)
                self.bytes -= dropped

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        """The value kept under ``key``, else ``make()``'s, kept (made without the lock held:
        ``make`` may read the store)."""
        found = self.peek(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def __getstate__(self) -> dict[str, Any]:
        return {"most_bytes": self.most_bytes, "size": self.size,
                "most_entries": self.most_entries}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["most_bytes"], state["size"], state["most_entries"])  # type: ignore[misc]


def _nbytes(array: np.ndarray) -> int:
    return int(array.nbytes)


def _no_hashes() -> np.ndarray:
    return np.zeros(0, dtype=np.uint64)


@dataclass(frozen=True)
class FingerprintIndex:
    """Every private fingerprint hash, sorted, and where each one sits.

    An *entry* is one private fingerprint. Entry ``i`` of ``table`` (sorted by hash) holds its
    hash and where it sits in the concatenation of the indexed files' fingerprint arrays (file
    ``f`` holds ``starts[f]:starts[f + 1]``); its raw hash, token position and lines are read
    from that array (``records``), which the store keeps anyway. The same layout is built in
    memory (``build``) or memory-mapped from the file beside the store (``from_store``).
    """

    table: PackedTable  # hash -> place in the files' concatenation, sorted by hash
    starts: np.ndarray  # int64, files + 1
    places: np.ndarray  # int32 per file: at how many private places its content is stored
    boilerplate: np.ndarray  # bool per file: its matches never make a verdict on their own
    public_hashes: np.ndarray  # uint64, sorted unique
    background_hashes: np.ndarray  # uint64, sorted: hashes seen in background files
    background_files: np.ndarray  # int64: in how many background files each was seen
    files: Sequence[PrivateFile]
    fingerprints: Callable[[int], np.ndarray]
    """File number -> its fingerprint array (``FINGERPRINT_DTYPE``, in stored order)."""
    k: int
    w: int
    private_tokens: int
    background_info: dict[str, object] = field(default_factory=dict)
    store_digest: str | None = None
    """The store's digest when the index was built from a file (None: not recorded)."""
    reference_hashes: np.ndarray = field(default_factory=_no_hashes)
    """uint64, sorted unique: the hashes a public reference source holds (once per hash)."""
    reference_sources: np.ndarray = field(default_factory=_no_references)
    """int32, aligned with ``reference_hashes``: position in ``references`` of the earliest
    learned public source holding that hash."""
    file_reference: np.ndarray = field(default_factory=_no_references)
    """int32 per file: the public source this private file mostly is (inventory), or -1."""
    references: list[ReferenceRef] = field(default_factory=list)
    reference_paths: dict[tuple[int, int], str] = field(default_factory=dict)
    """(reference position, file index) -> the reference file holding most of that file."""
    reference_info: list[dict[str, object]] = field(default_factory=list)
    """Every learned source with its decision, for the report's provenance."""
    structure: StructureIndex = EMPTY_INDEX
    """The indexed files' functions, for the structural signal (``structural``)."""
    added_cache: RecentCache = field(default_factory=lambda: RecentCache(ADDED_CACHE_BYTES),
                                     compare=False, repr=False)  # fmt: skip
    """(file number, span) -> ``added``'s answer for that file, the recent ones kept."""
    public_structure: StructureIndex = EMPTY_INDEX
    """The public code's functions (``--public``): a candidate function that is one of them is
    never structural evidence."""

    def __len__(self) -> int:
        return len(self.table)

    def close(self) -> None:
        """Close the store connections its readers opened (an index built from a file reads
        the files' details, fingerprints and structures from the store when a match needs
        them); a reader used again opens its store again."""
        for reader in (self.files, self.fingerprints, self.structure.structures,
                       self.public_structure.structures):  # fmt: skip
            if isinstance(reader, _StoreReader):
                reader.close()

    def not_evidence(self) -> np.ndarray:
        """bool per file: private boilerplate, or public code copied into the private tree (the
        inventory found it is a reference source's): never structural evidence."""
        cached = self.__dict__.get("_not_evidence")
        if cached is None:
            cached = np.asarray(self.boilerplate, dtype=bool).copy()
            if self.file_reference.shape[0]:
                cached |= np.asarray(self.file_reference) >= 0
            self.__dict__["_not_evidence"] = cached
        return cached  # type: ignore[no-any-return]

    @classmethod
    def from_store(
        cls, store: SQLiteStore, on_rebuild: Callable[[str], None] | None = None
    ) -> FingerprintIndex:
        """The store's index: memory-mapped from ``STORE.index`` when that is fresh; rebuilt
        there first when it is missing or stale (``on_rebuild`` hears one line saying so), or
        built in memory when it cannot be written (a read-only folder, ``:memory:``)."""
        if store.path == ":memory:":
            return cls.in_memory(store)
        path = index_path(store.path)
        stamp, params = store.stamp(), store.params.identity()
        try:
            opened = IndexFile.open(path)
            if opened.matches(stamp, params):
                return cls.from_file(opened, store)
            written = opened.header.get("format")
            why = ("stale (the store changed since it was built)" if written == FORMAT_VERSION
                   else f"of format {written}, this leaktrace reads {FORMAT_VERSION}")  # fmt: skip
        except StoreError:
            why = "missing" if not path.exists() else "unreadable"
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            if on_rebuild:
                on_rebuild(f"{path}: index {why} and cannot be written here; built in memory")
            return cls.in_memory(store)
        stats = write_index(store, path)
        if on_rebuild:
            verb = "rebuilt" if stats.updated is None else "updated"
            on_rebuild(f"{path}: index {why}; {verb} ({stats.entries:,} fingerprints, "
                       f"{stats.bytes / 2**20:,.1f} MiB, {stats.done()})")  # fmt: skip
        return cls.from_file(IndexFile.open(path), store)

    @classmethod
    def from_file(cls, opened: IndexFile, store: SQLiteStore) -> FingerprintIndex:
        """The index in an opened ``IndexFile`` of ``store``; the files' fingerprints and
        details are read from the store when a match needs them."""
        arrays, header = opened.arrays, opened.header
        names = store.repo_names()
        file_ids = np.asarray(arrays["file_ids"])
        return cls(
            table=fingerprint_table(arrays),
            starts=np.asarray(arrays["starts"]),
            places=np.asarray(arrays["places"]),
            boilerplate=np.asarray(arrays["boilerplate"]),
            public_hashes=arrays["public_hashes"],
            background_hashes=arrays["background_hashes"],
            background_files=arrays["background_files"],
            files=StoredFiles(store.path, file_ids, names, store.stamp()),
            fingerprints=StoredFingerprints(store.path, file_ids, store.stamp()),
            k=store.params.k,
            w=store.params.w,
            private_tokens=int(header["private_tokens"]),
            background_info=header.get("background_info", {}),
            store_digest=header.get("digest"),
            reference_hashes=arrays["reference_hashes"],
            reference_sources=np.asarray(arrays["reference_sources"]),
            file_reference=np.asarray(arrays["file_reference"]),
            references=[ReferenceRef(*ref) for ref in header["references"]],
            reference_paths={(ref, file): path for ref, file, path in header["reference_paths"]},
            reference_info=header["reference_info"],
            structure=StructureIndex.from_arrays(
                arrays, StoredStructures(store.path, file_ids, store.stamp())
            ),
            public_structure=StructureIndex.from_arrays(
                arrays,
                StoredStructures(store.path, np.asarray(arrays["public_file_ids"]), store.stamp()),
                "public_",
            ),
        )

    @classmethod
    def in_memory(cls, store: SQLiteStore) -> FingerprintIndex:
        """The index of ``store`` built in memory (every fingerprint read)."""
        repos = {repo.id: repo for repo in store.repos()}
        private: list[StoredFile] = []
        public: list[np.ndarray] = []
        public_structures: list[tuple[str, bytes | None]] = []
        for stored in store.iter_files():
            if repos[stored.repo_id].public:
                public.append(stored.fingerprints["hash"])
                public_structures.append((stored.path, stored.structure))
            else:
                private.append(stored)
        names = {i: r.name for i, r in repos.items()}
        return cls.build(private, public, names, store.params.k, store.params.w, store.background(),
                         References.from_store(store), public_structures)  # fmt: skip

    @classmethod
    def build(
        cls,
        private: list[StoredFile],
        public: list[np.ndarray],
        repo_names: dict[int, str],
        k: int,
        w: int,
        background: Background | None = None,
        references: References | None = None,
        public_structures: list[tuple[str, bytes | None]] | None = None,
    ) -> FingerprintIndex:
        private, copies = distinct_contents(private)
        files = [
            PrivateFile(
                repo_names.get(f.repo_id, str(f.repo_id)),
                f.path,
                f.language,
                f.tokens,
                f.lines,
                f.sha256,
                f.boilerplate,
                tuple((repo_names.get(c.repo_id, str(c.repo_id)), c.path) for c in copies[i]),
            )
            for i, f in enumerate(private)
        ]
        arrays = [f.fingerprints for f in private]
        starts = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([a.shape[0] for a in arrays], out=starts[1:])
        merged = (np.concatenate([a["hash"] for a in arrays]) if arrays
                  else np.zeros(0, dtype=np.uint64))  # fmt: skip
        # Fanout counts private *places*: a content indexed once still counts at every path that
        # holds it (a template copied to 20 folders stays a template), while the same tree
        # stored under two names (same paths) does not double it.
        places = np.array([len({f.path, *(c.path for c in copies[i])})
                           for i, f in enumerate(private)], dtype=np.int32)  # fmt: skip
        public_hashes = np.unique(np.concatenate(public)) if public else np.zeros(0, np.uint64)
        no_background = Background(np.zeros(0, np.uint64), np.zeros(0, np.int64), {})
        background = background or no_background
        marks = reference_marks(references, [f.sha256 for f in files]) if references else {}
        return cls(
            **marks,  # type: ignore[arg-type]
            table=PackedTable.build(
                merged, np.arange(merged.shape[0]), *fingerprint_layout(merged.shape[0])
            ),
            starts=starts,
            places=places,
            boilerplate=np.array([f.boilerplate is not None for f in files], dtype=bool),
            public_hashes=public_hashes,
            background_hashes=background.hashes,
            background_files=background.files,
            files=files,
            fingerprints=InMemoryFingerprints(arrays),
            k=k,
            w=w,
            private_tokens=sum(f.tokens for f in files),
            background_info=background.info,
            structure=StructureIndex.build(
                structures_of([(f.path, f.structure) for f in private], "an in-memory index")
            ),
            public_structure=StructureIndex.build(
                structures_of(public_structures or [], "an in-memory index")
            ),
        )

    def is_public(self, hashes: np.ndarray) -> np.ndarray:
        """Boolean mask: which of ``hashes`` occur in public code."""
        return _member(self.public_hashes, hashes)

    def background(self, hashes: np.ndarray) -> np.ndarray:
        """In how many background files each of ``hashes`` was seen (0: never)."""
        seen = np.zeros(hashes.shape[0], dtype=np.int64)
        hit = _member(self.background_hashes, hashes)
        if hit.any():
            seen[hit] = self.background_files[np.searchsorted(self.background_hashes, hashes[hit])]
        return seen

    def reference(self, hashes: np.ndarray) -> np.ndarray:
        """For each of ``hashes``, the position in ``references`` of a public reference source
        holding it (the earliest learned), or -1."""
        source = np.full(hashes.shape[0], -1, dtype=np.int32)
        hit = _member(self.reference_hashes, hashes)
        if hit.any():
            at = np.searchsorted(self.reference_hashes, hashes[hit])
            source[hit] = self.reference_sources[at]
        return source

    def ranges(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each hash, the [lo, hi) range of index entries holding it (empty if absent)."""
        return self.table.ranges(hashes)

    def entry_places(self, entry: np.ndarray) -> np.ndarray:
        """The place of each index entry among the files' fingerprints."""
        return self.table.values(entry)

    def place_owners(self, places: np.ndarray) -> np.ndarray:
        """The file number of each place among the files' fingerprints."""
        return np.searchsorted(self.starts, places, side="right") - 1

    def owners(self, entry: np.ndarray) -> np.ndarray:
        """The file number of each index entry."""
        return self.place_owners(self.entry_places(entry))

    def hits(self, lo: np.ndarray, hi: np.ndarray, cap: int) -> Hits:
        """At how many private places each range's hash is stored, exactly up to ``cap``: a range
        of more than ``cap`` entries gives its length (every entry is at one place or more, so
        both are above ``cap``), which keeps a common hash from costing its whole run. The
        entries of the ranges read for it (``small``) are decoded once, here, for the caller to
        match too (``Hits``)."""
        counts = hi - lo
        fanout = counts.astype(np.int64)
        small = np.flatnonzero((counts > 0) & (counts <= cap))
        sizes = counts[small].astype(np.int64)
        places = self.entry_places(expand_runs(lo[small], sizes))
        owners = self.place_owners(places)
        if small.shape[0]:
            fanout[small] = np.add.reduceat(self.places[owners], np.cumsum(sizes) - sizes)
        return Hits(fanout, small, sizes, places, owners)

    def added(self, places: np.ndarray, owner: np.ndarray, span: int) -> np.ndarray:
        """bool per place (``entry_places``, in files numbered ``owner``): the fingerprint sits in
        a stretch of at least ``span`` tokens of its file that no public source holds. In a file
        copied from a public source (``file_reference``) that is code the company added to it:
        evidence like any private code, never discounted nor attributed to the library."""
        out = np.zeros(places.shape[0], dtype=bool)
        within = places - self.starts[owner]
        for number in np.unique(owner).tolist():
            at = owner == number
            out[at] = self._added(number, span)[within[at]]
        return out

    def _added(self, number: int, span: int) -> np.ndarray:
        return self.added_cache.get((number, span), lambda: self._added_anew(number, span))

    def _added_anew(self, number: int, span: int) -> np.ndarray:
        records = self.fingerprints(number)
        pos = records["pos"].astype(np.int64)
        held = _member(self.reference_hashes, records["hash"])
        held_pos = np.unique(pos[held])
        end = int(pos.max()) + self.k if pos.shape[0] else 0
        i = np.searchsorted(held_pos, pos, side="left")
        last = held_pos.shape[0] - 1
        before = np.where(i > 0, held_pos[np.clip(i - 1, 0, max(last, 0))] + self.k, 0)
        after = np.where(i <= last, held_pos[np.clip(i, 0, max(last, 0))], end)
        return ~held & (after - before >= span)  # type: ignore[no-any-return]

    def records(self, places: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """The stored fingerprint record (hash, raw, pos, lines) at each of ``places``
        (``entry_places``), whose file numbers are ``owner``: each file's array is read once."""
        out = np.empty(places.shape[0], dtype=FINGERPRINT_DTYPE)
        if places.shape[0] == 0:
            return out
        within = places - self.starts[owner]
        order = np.argsort(owner, kind="stable")
        sorted_owner = owner[order]
        cuts = np.flatnonzero(np.diff(sorted_owner)) + 1
        for group in np.split(order, cuts):
            out[group] = self.fingerprints(int(owner[group[0]]))[within[group]]
        return out


@dataclass(frozen=True, slots=True)
class Hits:
    """``FingerprintIndex.hits``: each range's fanout, and the entries of the ranges of at most
    ``cap`` entries, decoded (a range of more is a template, never matched)."""

    fanout: np.ndarray  # int64 per range
    small: np.ndarray  # the ranges decoded, ascending
    sizes: np.ndarray  # int64: entries of each of them
    places: np.ndarray  # per entry of those ranges, range after range: its place
    owners: np.ndarray  # and the file holding it


def _member(sorted_values: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    if sorted_values.shape[0] == 0:
        return np.zeros(hashes.shape[0], dtype=bool)
    at = np.searchsorted(sorted_values, hashes)
    at[at == sorted_values.shape[0]] = 0
    return np.asarray(sorted_values[at] == hashes)


class InMemoryFingerprints:
    """File number -> fingerprint array, all held (an index built in memory or sent to a
    cluster's workers)."""

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self.arrays = arrays

    def __call__(self, number: int) -> np.ndarray:
        return self.arrays[number]


class _StoreReader:
    """A read-only store opened on first use in each process and each thread (a forked worker
    opens its own; so does the watch's big lane, which judges on a thread of its own against
    the same index: a SQLite connection may be used only by the thread that made it, and the
    lane's first use of the watch thread's connection stopped the watch as a 'damaged store'),
    checked to be the store the index was built from; closed by the thread that opened it when
    it calls ``close``, or when the reader goes, or at the latest as that process exits: SQLite
    removes a WAL store's ``-wal`` and ``-shm`` files only when its last connection closes, and
    these connections, left open to the end, left both beside the store after every ``scan``
    and ``guard``."""

    def __init__(self, path: str, file_ids: np.ndarray, stamp: tuple[str, int]) -> None:
        self.path, self.file_ids, self.stamp = path, file_ids, stamp
        self._stores: dict[tuple[int, int], tuple[SQLiteStore, weakref.finalize]] = {}

    def store(self) -> SQLiteStore:
        key = (os.getpid(), threading.get_ident())
        found = self._stores.get(key)
        if found is None:
            store = open_store(self.path, read_only=True)
            if store.stamp() != self.stamp:
                store.close()
                raise StoreError(f"{self.path}: the store changed during the scan; scan again")
            found = self._stores[key] = (store, weakref.finalize(self, _close_in, store, key))
        return found[0]

    def close(self) -> None:
        """Close the store this thread opened here (a forked worker's copy of the parent's is
        left to the parent, another thread's to that thread: it may be using it). Never left to
        the garbage collector: a ``sqlite3.Connection`` is in a reference cycle with its
        statement cache, so an unclosed one keeps its descriptors until a full collection, and
        a watch that reopens the store would hold three more each time."""
        found = self._stores.pop((os.getpid(), threading.get_ident()), None)
        if found is not None:
            found[1]()  # once: the finalizer then does nothing

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "file_ids": np.asarray(self.file_ids), "stamp": self.stamp}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], state["file_ids"], state["stamp"])  # type: ignore[misc]


def _close_in(store: SQLiteStore, key: tuple[int, int]) -> None:
    """Close ``store`` in the process that opened it only (``key``: its pid and thread): a
    forked child holds a copy of its parent's connection, which is the parent's to close."""
    if os.getpid() == key[0]:
        with contextlib.suppress(sqlite3.ProgrammingError):  # at exit, opened by another
            store.close()  # thread: left to the process's end


class _CachedReader(_StoreReader):
    """File number -> what ``_read`` reads of it from the store, the recent ones kept (at most
    ``CACHE_BYTES`` of them by ``_size``, and always the last)."""

    CACHE_BYTES = 64 * 2**20

    def __init__(self, path: str, file_ids: np.ndarray, stamp: tuple[str, int]) -> None:
        super().__init__(path, file_ids, stamp)
        self._cache = RecentCache(self.CACHE_BYTES, self._size)

    def _read(self, number: int) -> Any:
        raise NotImplementedError

    @staticmethod
    def _size(value: Any) -> int:
        raise NotImplementedError

    def _cached(self, number: int) -> Any:
        # read on this thread's connection, the cache's lock not held
        return self._cache.get(number, lambda: self._read(number))


class StoredFingerprints(_CachedReader):
    """File number -> fingerprint array, read from the store when first needed (a few recent
    ones kept, ``CACHE_BYTES``). Sent to another machine, it carries every array (the store
    stays here)."""

    def __call__(self, number: int) -> np.ndarray:
        return self._cached(number)  # type: ignore[no-any-return]

    def _read(self, number: int) -> np.ndarray:
        return self.store().fingerprints_of(int(self.file_ids[number]))

    @staticmethod
    def _size(value: np.ndarray) -> int:
        return int(value.nbytes)

    def __reduce__(self) -> tuple[Any, ...]:
        return InMemoryFingerprints, ([self(i) for i in range(len(self.file_ids))],)


class StoredStructures(_CachedReader):
    """File number -> its structure (functions and events), read from the store when first
    needed (the recent ones kept): the index holds only the functions' sizes and features.
    Sent to another machine, it carries every structure (the store stays here)."""

    CACHE_BYTES = 32 * 2**20

    def __call__(self, number: int) -> Structure:
        return self._cached(number)  # type: ignore[no-any-return]

    def _read(self, number: int) -> Structure:
        store, file_id = self.store(), int(self.file_ids[number])
        blob = dict(store.structures({file_id})).get(file_id)
        try:
            return Structure.from_bytes(blob)
        except ValueError:
            path = dict(store.file_paths({file_id})).get(file_id, f"id {file_id}")
            structures_of([(path, blob)], self.path)  # raises, naming the file
            raise

    @staticmethod
    def _size(value: Structure) -> int:
        return int(value.functions.nbytes + value.events.nbytes)

    def __reduce__(self) -> tuple[Any, ...]:
        return InMemoryStructures, ([self(i) for i in range(len(self.file_ids))],)


class StoredFiles(_StoreReader, Sequence[PrivateFile]):
    """The indexed files' details, read from the store when first needed."""

    def __init__(self, path: str, file_ids: np.ndarray, repo_names: dict[int, str],
                 stamp: tuple[str, int]) -> None:  # fmt: skip
        super().__init__(path, file_ids, stamp)
        self.repo_names = repo_names
        self._known: dict[int, PrivateFile] = {}

    def __len__(self) -> int:
        return int(self.file_ids.shape[0])

    @overload
    def __getitem__(self, number: int) -> PrivateFile: ...
    @overload
    def __getitem__(self, number: slice) -> list[PrivateFile]: ...
    def __getitem__(self, number: int | slice) -> PrivateFile | list[PrivateFile]:
        if isinstance(number, slice):
            return [self[i] for i in range(len(self))[number]]
        known = self._known.get(number)  # first: combine asks for each matched file again
        if known is not None:
            return known
        if number < 0:
            number += len(self)
        if not 0 <= number < len(self):
            raise IndexError(number)
        known = self._known.get(number)
        if known is None:
            stored, copies = self.store().private_file(int(self.file_ids[number]))
            name = self.repo_names.get
            known = self._known[number] = PrivateFile(
                name(stored.repo_id, str(stored.repo_id)), stored.path, stored.language,
                stored.tokens, stored.lines, stored.sha256, stored.boilerplate,
                tuple((name(repo, str(repo)), path) for repo, path in copies),
            )  # fmt: skip
        return known

    def __reduce__(self) -> tuple[Any, ...]:
        return list, (list(self),)


def reference_marks(references: References, sha256s: Sequence[str]) -> dict[str, Any]:
    """The index's reference fields, for indexed files of contents ``sha256s``: per distinct
    hash and per file, which public source holds it (the same in memory and in the file)."""
    public = [s for s in references.sources if s.public]
    position = {s.id: i for i, s in enumerate(public)}
    refs = [ReferenceRef(s.name, s.version, s.kind, s.origin) for s in public]
    info: list[dict[str, object]] = [
        {"name": s.name, "version": s.version, "kind": s.kind, "origin": s.origin,
         "sha256": s.sha256, "published_at": s.published_at, "learned_at": s.learned_at,
         "files": s.files, "lines": s.lines, "trust": s.trust, "decision": s.decision,
         "reasons": list(s.reasons)}
        for s in references.sources
    ]  # fmt: skip
    unique, first = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int32)
    if public and references.hashes.shape[0]:
        lookup = np.full(max(position) + 1, -1, dtype=np.int64)
        for source_id, i in position.items():
            lookup[source_id] = i
        ids = references.source_ids
        pos = np.where(ids < lookup.shape[0], lookup[np.minimum(ids, lookup.shape[0] - 1)], -1)
        keep = pos >= 0
        ref_hashes, pos = references.hashes[keep], pos[keep]
        if ref_hashes.shape[0]:
            unique, starts = np.unique(ref_hashes, return_index=True)
            # the earliest learned public source holding each hash
            first = np.minimum.reduceat(pos, starts).astype(np.int32)
    by_content: dict[str, list[int]] = {}
    for i, sha256 in enumerate(sha256s):
        by_content.setdefault(sha256, []).append(i)
    per_file = np.full(len(sha256s), -1, dtype=np.int32)
    best = np.zeros(len(sha256s))
    paths: dict[tuple[int, int], str] = {}
    for row in references.files:
        if row.source_id not in position:
            continue
        for i in by_content.get(row.sha256, []):
            if row.reference_path:
                paths[(position[row.source_id], i)] = row.reference_path
            if row.share >= IN_SOURCE and row.share > best[i]:
                best[i], per_file[i] = row.share, position[row.source_id]
    return {"reference_hashes": unique, "reference_sources": first, "file_reference": per_file,
            "references": refs, "reference_paths": paths, "reference_info": info}  # fmt: skip


def distinct_contents(
    private: list[StoredFile],
) -> tuple[list[StoredFile], list[list[StoredFile]]]:
    """One stored file per distinct content (SHA-256), in store order, and the other files that
    hold the same content.

    The file kept is the first that is not private boilerplate: a content stored both as a
    fixture and as ordinary code is evidence, as it was when both places were indexed.
    """
    groups: dict[str, list[StoredFile]] = {}
    for stored in private:
        groups.setdefault(stored.sha256, []).append(stored)
    kept: list[StoredFile] = []
    copies: list[list[StoredFile]] = []
    for group in groups.values():
        first = next((f for f in group if f.boilerplate is None), group[0])
        kept.append(first)
        copies.append([f for f in group if f is not first])
    return kept, copies
