"""The persistent index: a file of named arrays beside the store (``STORE.index``), memory-mapped
at scan start instead of rebuilt.

Format (version 2): ``LTINDEX1``, a little-endian uint64 header length, a JSON header, then each
array at a 64-byte-aligned offset. The header names every array with its dtype, shape and offset,
so arrays can be added (a new per-hash fact) without a new layout: a reader maps the ones it
knows (version 2 added the reference arrays, which a reader now needs: a version-1 index is
rebuilt). The header also records what the index was built from: the store's instance id and
generation (bumped by SQLite triggers in the same transaction as every change to files,
repositories, background and reference sources), its fingerprint parameters and its digest. An
index whose stamp differs from the store's is stale and is rebuilt; a missing, truncated or
unreadable one is rebuilt too. The file is written under a temporary name and renamed into
place, so a crash leaves either the old index (then stale) or the new one, never half of one.

What it holds, per fingerprint of the private code: its hash (8 bytes, sorted) and where it sits
in the concatenation of the files' fingerprint arrays (4 bytes; 8 past 2**32 fingerprints), plus
a bucket table of at most half a byte per fingerprint. Everything else about a fingerprint (raw
hash, token position, lines) stays in the store, which keeps it already, and is read for the few
files a candidate matches. Per file: its store id, where its fingerprints start, at how many
places its content is stored, whether it is boilerplate. The public code's hashes and the
background's counts are stored once per distinct hash, and so are the hashes held by reference
sources decided public, each with the earliest learned such source (``reference_hashes``,
``reference_sources``); per file, the public source it mostly is (``file_reference``). The sources
themselves, the reference file behind each inventoried private file and every learned source's
decision (for the report) are in the header.

Building never holds the index in memory: the store is read twice, file by file. The first pass
counts fingerprints per file and per partition (the top bits of a hash; hashes are uniform), the
second writes each fingerprint straight into its partition's place in the file, then each
partition (at most ``PARTITION`` entries) is sorted in place. Peak memory is a few partitions,
not the index; the disk holds only the index being written (and the old one until the rename).
The structural arrays are streamed the same way (``_StructureStream``): the stored structures
read twice in batches, the features scattered into partitions of their hashes' top bits and each
partition sorted in place.

An index already there (stale: the store changed) is updated instead (``_Carry``): files whose
store id and key (``file_keys``: content hash, language, sizes of fingerprints and structure) are
unchanged are kept, their entries and structural features read back from the old index in one
pass and moved; removed files' are dropped; only the added files are read from the store and
their entries inserted where a build puts them (by hash, then file id, then place). The result
is the file a build writes, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from fingerprints import SQLiteStore, StoreError
from scanner.structural import ARRAYS as STRUCTURE_ARRAYS

if TYPE_CHECKING:
    from fingerprints import Structure

MAGIC = b"LTINDEX1"
FORMAT_VERSION = 4
"""2: the hashes of public reference sources and the inventory (``reference_*``); 3: the
private and public functions' structures (``struct_*``, ``public_struct_*``,
``scanner/structural.py``); 4: each file's key (``file_keys``) and the public files' digest
(``public_files``), so that an index can be updated instead of rebuilt."""
ALIGN = 64
PARTITION = 1 << 20
"""Most entries sorted at once while building (each partition is sorted in memory)."""
CHUNK = 1 << 20
"""Entries gathered from the store before they are written into their partitions."""


def index_path(store_path: str | Path) -> Path:
    """Where a store's index lives: beside it, ``STORE.index``."""
    return Path(f"{store_path}.index")


@dataclass(frozen=True)
class IndexFile:
    """An opened index file: its header and its arrays (memory-mapped, read-only)."""

    path: Path
    header: dict[str, Any]
    arrays: dict[str, np.ndarray]

    @classmethod
    def open(cls, path: Path) -> IndexFile:
        """Map an index file; ``StoreError`` if it is missing, truncated or not an index."""
        try:
            with path.open("rb") as handle:
                head = handle.read(16)
                if len(head) < 16 or head[:8] != MAGIC:
                    raise StoreError(f"{path}: not a leaktrace index")
                length = int.from_bytes(head[8:16], "little")
                header = json.loads(handle.read(length))
            size = path.stat().st_size
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: cannot read the index ({exc})") from exc
        arrays = {}
        for name, spec in header.get("arrays", {}).items():
            dtype, shape, offset = np.dtype(spec["dtype"]), tuple(spec["shape"]), spec["offset"]
            count = int(np.prod(shape))
            if offset + count * dtype.itemsize > size:
                raise StoreError(f"{path}: the index is truncated (array {name!r})")
            arrays[name] = (
                np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
                if count
                else np.zeros(shape, dtype=dtype)
            )
        return cls(path, header, arrays)

    def load(self, name: str, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Entries ``start:stop`` of array ``name``, read into memory (not through the map: a
        whole pass over an old index while updating it does not keep its pages resident)."""
        spec = self.header["arrays"][name]
        dtype = np.dtype(spec["dtype"])
        stop = spec["shape"][0] if stop is None else stop
        with self.path.open("rb") as handle:
            data = os.pread(handle.fileno(), (stop - start) * dtype.itemsize,
                            spec["offset"] + start * dtype.itemsize)  # fmt: skip
        if len(data) != (stop - start) * dtype.itemsize:
            raise StoreError(f"{self.path}: the index is truncated (array {name!r})")
        return np.frombuffer(data, dtype=dtype)

    def matches(self, stamp: tuple[str, int], params: dict[str, Any]) -> bool:
        """Whether this index was built from the store as it is now."""
        return (
            self.header.get("format") == FORMAT_VERSION
            and self.header.get("store") == [stamp[0], stamp[1]]
            and self.header.get("params") == params
            and set(STRUCTURE_ARRAYS) | {f"public_{name}" for name in STRUCTURE_ARRAYS}
            <= set(self.header.get("arrays", {}))  # one a development build wrote lacks some
        )


class _Writer:
    """Lays out named arrays after a JSON header, then fills them in (any order, any pieces)."""

    def __init__(self, path: Path, header: dict[str, Any], specs: dict[str, tuple[str, int]]):
        self.path = path
        arrays, offset = {}, 0
        for name, (dtype, count) in specs.items():
            arrays[name] = {"dtype": np.dtype(dtype).str, "shape": [count], "offset": offset}
            offset += -(-count * np.dtype(dtype).itemsize // ALIGN) * ALIGN
        header = {**header, "arrays": arrays}
        body = json.dumps(header, sort_keys=True).encode()
        start = -(-(16 + len(body) + 256) // 4096) * 4096  # room for the offsets growing digits
        for spec in arrays.values():
            spec["offset"] += start
        body = json.dumps(header, sort_keys=True).encode()
        assert 16 + len(body) <= start
        self.header = header
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        os.pwrite(self.fd, MAGIC + len(body).to_bytes(8, "little") + body, 0)
        os.ftruncate(self.fd, start + offset)

    def write(self, name: str, at: int, values: np.ndarray) -> None:
        """Write ``values`` into array ``name`` from element ``at`` on."""
        spec = self.header["arrays"][name]
        data = np.ascontiguousarray(values, dtype=np.dtype(spec["dtype"])).tobytes()
        os.pwrite(self.fd, data, spec["offset"] + at * np.dtype(spec["dtype"]).itemsize)

    def read(self, name: str, start: int, stop: int) -> np.ndarray:
        spec = self.header["arrays"][name]
        dtype = np.dtype(spec["dtype"])
        data = os.pread(self.fd, (stop - start) * dtype.itemsize,
                        spec["offset"] + start * dtype.itemsize)  # fmt: skip
        return np.frombuffer(data, dtype=dtype)

    def close(self) -> None:
        os.fsync(self.fd)
        os.close(self.fd)


@dataclass(frozen=True, slots=True)
class BuildStats:
    entries: int
    files: int
    bytes: int
    seconds: float
    updated: Update | None = None
    """How an index already there was updated (None: built from the store alone)."""

    def done(self) -> str:
        """How it was made: ``built in 1.20 s`` or ``updated in 0.10 s (... files kept, ...)``."""
        if self.updated is None:
            return f"built in {self.seconds:.2f} s"
        u = self.updated
        return (f"updated in {self.seconds:.2f} s ({u.kept:,} file(s) kept, {u.added:,} added, "
                f"{u.removed:,} removed)")  # fmt: skip

    def line(self) -> str:
        """The one line ``fingerprint``, ``background`` and ``repos`` print after a change."""
        return (f"index: {self.entries:,} fingerprints of {self.files:,} distinct private "
                f"file(s), {self.bytes / 2**20:,.1f} MiB, {self.done()}")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Update:
    kept: int
    added: int
    removed: int


def bucket_bits(size: int) -> int:
    """Bits of the bucket table for ``size`` entries: 8 to 16 entries per bucket."""
    return max(0, min(32, int(size).bit_length() - 4))


def write_index(store: SQLiteStore, path: Path | None = None, *, update: bool = True
                ) -> BuildStats:  # fmt: skip
    """Build the index of ``store`` into ``path`` (default: beside it), atomically. With
    ``update`` (the default), an index already there (stale: the store changed since) is
    updated instead when it can be: its kept files' entries are carried over and only the
    added files are read from the store (``BuildStats.updated``)."""
    started = time.perf_counter()
    path = path or index_path(store.path)
    _remove_orphans(path)
    temporary = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        with store.snapshot():
            stats = _build(store, temporary, _previous(store, path) if update else None)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(path.parent)
    return BuildStats(stats[0], stats[1], path.stat().st_size, time.perf_counter() - started,
                      stats[2])  # fmt: skip


def _remove_orphans(path: Path) -> None:
    """Delete temporaries of ``path`` left by a process that was killed while writing it."""
    for orphan in path.parent.glob(f"{path.name}.tmp*"):
        pid = orphan.name.removeprefix(f"{path.name}.tmp")
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            orphan.unlink(missing_ok=True)
        except OSError:
            pass  # alive, another user's: not ours to delete


def _previous(store: SQLiteStore, path: Path) -> IndexFile | None:
    """The index at ``path`` when an update can start from it: same format, same store, same
    fingerprint parameters (any generation)."""
    try:
        opened = IndexFile.open(path)
    except StoreError:
        return None
    built_from = opened.header.get("store")  # this store at any generation
    if not (
        isinstance(built_from, list)
        and len(built_from) == 2
        and "file_keys" in opened.arrays
        and opened.matches((store.stamp()[0], built_from[1]), store.params.identity())
    ):
        return None
    return opened


def _build(store: SQLiteStore, path: Path, old: IndexFile | None) -> tuple[int, int, Update | None]:
    from scanner.index import References, reference_marks  # scanner.index imports this module
    from scanner.structural import structures_of

    stamp = store.stamp()
    ids, places, boilerplate, tokens = store.distinct_private_files()
    marks = reference_marks(References.from_store(store), store.file_sha256s(ids))
    keys = store.file_keys(ids.tolist())
    position = {file_id: i for i, file_id in enumerate(ids.tolist())}
    public_ids = store.public_file_ids()
    public_files = hashlib.sha256(np.asarray(public_ids, dtype="<i8").tobytes()
                                  + store.file_keys(public_ids).tobytes()).hexdigest()  # fmt: skip
    carry = _Carry.plan(old, ids, keys) if old is not None else None
    reuse_public = carry is not None and old.header.get("public_files") == public_files
    # Pass 1: fingerprints per file, per 16-bit hash prefix; the public code's distinct hashes.
    # An update reads only the added files (and the public ones if they changed): the kept
    # files' counts come from the old index.
    counts = np.zeros(len(ids), dtype=np.int64)
    prefixes = np.zeros(1 << 16, dtype=np.int64)  # a build's partitions (an update's are
    # written one after the other, so it needs no counts)
    if carry is not None:
        counts[carry.kept] = np.diff(carry.old_starts)[carry.old_of_new[carry.kept]]
    public: list[np.ndarray] = []
    read = set(position) if carry is None else set(ids[carry.old_of_new < 0].tolist())
    for file_id, records in store.iter_fingerprints(read | set(() if reuse_public else public_ids)):
        hashes = records["hash"]
        if file_id in position:
            counts[position[file_id]] = hashes.shape[0]
            if carry is None:
                prefixes += np.bincount((hashes >> np.uint64(48)).astype(np.intp),
                                        minlength=1 << 16)  # fmt: skip
            else:
                carry.added.append((position[file_id], hashes.copy()))
        else:
            public.append(np.unique(hashes))
    if reuse_public:
        public_hashes = old.load("public_hashes")
    else:
        public_hashes = np.unique(np.concatenate(public)) if public else np.zeros(0, np.uint64)
    del public
    starts = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    size = int(starts[-1])
    entry_type = "<u4" if size < 2**32 else "<u8"
    bits = bucket_bits(size)
    offset_type = "<u4" if size < 2**32 else "<u8"
    part_bits = min(16, bits, max(0, (max(size, 1) - 1) // PARTITION).bit_length())
    part_counts = prefixes.reshape(1 << part_bits, -1).sum(axis=1)
    part_starts = np.zeros((1 << part_bits) + 1, dtype=np.int64)
    np.cumsum(part_counts, out=part_starts[1:])
    background = store.background()
    # the structural arrays: a build's streamed from the store (written after the header);
    # an update's private ones computed from the old index and the added files
    streams = [] if carry is not None else [_StructureStream(store, ids.tolist(), "")]
    structure: dict[str, np.ndarray | _Streamed] = {}
    if carry is not None:
        added = set(ids[carry.old_of_new < 0].tolist())
        stored = dict(store.structures(added))
        paths = dict(store.file_paths(added))
        structure = carry.structures(
            structures_of(
                [(paths[i], stored.get(i)) for i in ids.tolist() if i in added], store.path
            )
        )
        del stored, paths
    if reuse_public:
        structure |= {f"public_{name}": old.load(f"public_{name}")
                      for name in STRUCTURE_ARRAYS}  # fmt: skip
    else:
        streams.append(_StructureStream(store, sorted(public_ids), "public_"))
    for stream in streams:
        structure |= {name: _Streamed(length) for name, length in stream.lengths.items()}
    header = {
        "format": FORMAT_VERSION,
        "store": [stamp[0], stamp[1]],
        "params": store.params.identity(),
        "digest": store.digest(),
        "public_files": public_files,
        "private_tokens": int(tokens),
        "bucket_bits": bits,
        "background_info": background.info,
        "references": [[r.name, r.version, r.kind, r.origin] for r in marks["references"]],
        "reference_paths": [
            [ref, file, path] for (ref, file), path in sorted(marks["reference_paths"].items())
        ],
        "reference_info": marks["reference_info"],
    }
    specs = {
        "hashes": ("<u8", size),
        "entries": (entry_type, size),
        "offsets": (offset_type, (1 << bits) + 1),
        "starts": ("<i8", len(starts)),
        "file_ids": ("<i8", len(ids)),
        "file_keys": ("|S32", len(ids)),
        "places": ("<i4", len(ids)),
        "boilerplate": ("|b1", len(ids)),
        "public_hashes": ("<u8", public_hashes.shape[0]),
        "background_hashes": ("<u8", background.hashes.shape[0]),
        "background_files": ("<i8", background.files.shape[0]),
        "reference_hashes": ("<u8", marks["reference_hashes"].shape[0]),
        "reference_sources": ("<i4", marks["reference_sources"].shape[0]),
        "file_reference": ("<i4", len(ids)),
        **{
            name: (STRUCTURE_ARRAYS[name.removeprefix("public_")], values.shape[0])
            for name, values in structure.items()
        },
    }
    out = _Writer(path, header, specs)
    try:
        for name, values in (("starts", starts), ("file_ids", ids), ("file_keys", keys),
                             ("places", places),
                             ("boilerplate", boilerplate), ("public_hashes", public_hashes),
                             ("background_hashes", background.hashes),
                             ("background_files", background.files),
                             ("reference_hashes", marks["reference_hashes"]),
                             ("reference_sources", marks["reference_sources"]),
                             ("file_reference", marks["file_reference"])):  # fmt: skip
            out.write(name, 0, values)
        for name, values in structure.items():
            if not isinstance(values, _Streamed):
                out.write(name, 0, values)
        del public_hashes, background, marks, structure
        for stream in streams:
            stream.write(out)
        if carry is not None:
            carry.write_features(out)
        if carry is None:
            _scatter(store, out, position, starts, part_bits, part_starts)
            _sort_partitions(out, part_bits, part_starts, bits, size)
        else:
            carry.merge(out, ids, starts, part_bits, bits, size, store.path)
    finally:
        out.close()
    return size, len(ids), carry.summary() if carry is not None else None


def _scatter(store: SQLiteStore, out: _Writer, position: dict[int, int], starts: np.ndarray,
             part_bits: int, part_starts: np.ndarray) -> None:  # fmt: skip
    """Pass 2: every private fingerprint (hash, place in the concatenation) into its partition,
    in chunks of about ``CHUNK`` entries."""
    cursor = part_starts[:-1].copy()
    pending_hashes: list[np.ndarray] = []
    pending_entries: list[np.ndarray] = []
    pending = 0

    def flush() -> None:
        hashes = np.concatenate(pending_hashes)
        entries = np.concatenate(pending_entries)
        pending_hashes.clear()
        pending_entries.clear()
        if hashes.shape[0] == 0:  # files without a fingerprint (a few tokens each)
            return
        _into_partitions(out, ("hashes", "entries"), cursor, _partition_of(hashes, part_bits),
                         hashes, entries)  # fmt: skip

    for file_id, records in store.iter_fingerprints(set(position)):
        at = position[file_id]
        pending_hashes.append(records["hash"].copy())
        pending_entries.append(np.arange(starts[at], starts[at + 1], dtype=np.int64))
        pending += records.shape[0]
        if pending >= CHUNK:
            flush()
            pending = 0
    if pending_hashes:
        flush()
    if not np.array_equal(cursor, part_starts[1:]):
        raise StoreError(f"{store.path}: the store changed while its index was built")


def _sort_partitions(out: _Writer, part_bits: int, part_starts: np.ndarray, bits: int,
                     size: int) -> None:  # fmt: skip
    """Pass 3: sort each partition by hash in place (stable), and fill the bucket table."""
    per_part = 1 << (bits - part_bits)
    for part in range(1 << part_bits):
        a, b = int(part_starts[part]), int(part_starts[part + 1])
        hashes = _sort_partition(out, ("hashes", "entries"), a, b)
        _bucket_offsets(out, part, per_part, bits, a, hashes)
    out.write("offsets", 1 << bits, np.array([size]))


def _partition_of(keys: np.ndarray, part_bits: int) -> np.ndarray:
    """The partition of each of ``keys`` (unsigned): its top ``part_bits`` bits."""
    if not part_bits:
        return np.zeros(keys.shape[0], dtype=np.intp)
    return (keys >> keys.dtype.type(8 * keys.dtype.itemsize - part_bits)).astype(np.intp)


def _into_partitions(out: _Writer, names: tuple[str, str], cursor: np.ndarray,
                     parts: np.ndarray, keys: np.ndarray, values: np.ndarray) -> None:  # fmt: skip
    """Write pairs (``keys``, ``values``) into arrays ``names`` at their partition's ``cursor``
    (moved on), in their order within each partition (``parts``: each pair's)."""
    order = np.argsort(parts, kind="stable")
    keys, values, parts = keys[order], values[order], parts[order]
    present, first = np.unique(parts, return_index=True)
    last = np.append(first[1:], parts.shape[0])
    for part, a, b in zip(present.tolist(), first.tolist(), last.tolist(), strict=True):
        out.write(names[0], int(cursor[part]), keys[a:b])
        out.write(names[1], int(cursor[part]), values[a:b])
        cursor[part] += b - a


def _sort_partition(out: _Writer, names: tuple[str, str], a: int, b: int) -> np.ndarray:
    """Sort entries ``a:b`` of arrays ``names`` by the first's (stable), in place; the sorted
    keys."""
    keys = out.read(names[0], a, b)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    out.write(names[0], a, keys)
    out.write(names[1], a, out.read(names[1], a, b)[order])
    return keys


def _bucket_offsets(out: _Writer, part: int, per_part: int, bits: int, a: int,
                    hashes: np.ndarray) -> None:  # fmt: skip
    """The bucket table's entries for partition ``part`` (sorted ``hashes``, from entry ``a``)."""
    first = part * per_part
    bounds = np.arange(first, first + per_part, dtype=np.uint64)
    bounds = bounds << np.uint64(64 - bits) if bits else np.zeros(1, np.uint64)
    out.write("offsets", first, a + np.searchsorted(hashes, bounds, side="left"))


class _StructureStream:
    """The structural arrays of a full build (``prefix``: ``""`` private, ``public_`` public),
    streamed from the store like the fingerprints: pass 1 (here) reads every file's structure
    in batches of about ``CHUNK`` events and counts functions, events and features (per
    partition: the top bits of a feature hash); ``write`` reads them again and writes each
    batch's pieces in place, the features into their partitions, then sorts each partition
    (stable: by hash, then function). The arrays are ``StructureIndex.build``'s, byte for byte;
    memory is a batch and a partition, not the arrays."""

    def __init__(self, store: SQLiteStore, ids: list[int], prefix: str):
        self.store, self.prefix = store, prefix
        self.numbers = {file_id: number for number, file_id in enumerate(ids)}
        functions = events = 0
        prefixes = np.zeros(1 << 16, dtype=np.int64)
        for batch in self._batches():
            functions += batch.file.shape[0]
            events += batch.events.shape[0]
            prefixes += np.bincount(
                (batch.hashes >> np.uint32(16)).astype(np.intp), minlength=1 << 16
            )
        features = int(prefixes.sum())
        self.part_bits = min(16, max(0, (max(features, 1) - 1) // PARTITION).bit_length())
        self.part_starts = np.zeros((1 << self.part_bits) + 1, dtype=np.int64)
        np.cumsum(prefixes.reshape(1 << self.part_bits, -1).sum(axis=1),
                  out=self.part_starts[1:])  # fmt: skip
        counts = {"file": functions, "line_start": functions, "line_end": functions,
                  "arity": functions, "starts": functions + 1, "events": events,
                  "features": functions, "feature_hashes": features,
                  "feature_functions": features}  # fmt: skip
        self.lengths = {f"{prefix}struct_{name}": count for name, count in counts.items()}

    def _batches(self) -> Iterator[SimpleNamespace]:
        """The files' functions (in file order) in batches of about ``CHUNK`` events: their file
        numbers, fields, events, and features (``owners``: function within the batch)."""
        from fingerprints import Structure
        from scanner.structural import function_features, structures_of

        pending: list[tuple[int, Structure]] = []
        size = 0

        def batch() -> SimpleNamespace:
            functions = np.concatenate([s.functions for _, s in pending])
            starts = np.zeros(functions.shape[0] + 1, dtype=np.int64)
            np.cumsum(functions["events"], out=starts[1:])
            events = np.concatenate([s.events for _, s in pending]).astype("<u4")
            owners, hashes = function_features(events, starts)
            file = np.repeat([n for n, _ in pending], [len(s) for _, s in pending])
            pending.clear()
            return SimpleNamespace(file=file, functions=functions, sizes=np.diff(starts),
                                   events=events, owners=owners, hashes=hashes)  # fmt: skip

        for file_id, blob in self.store.structures(set(self.numbers)):
            if blob is None:
                continue
            try:
                structure = Structure.from_bytes(blob)
            except ValueError:
                path = dict(self.store.file_paths({file_id})).get(file_id, f"id {file_id}")
                structures_of([(path, blob)], self.store.path)  # raises, naming the file
                raise
            if len(structure):
                pending.append((self.numbers[file_id], structure))
                size += structure.events.shape[0]
            if size >= CHUNK:
                yield batch()
                size = 0
        if pending:
            yield batch()

    def write(self, out: _Writer) -> None:
        """Passes 2 and 3: every array written in place (see the class)."""

        def name(field: str) -> str:
            return f"{self.prefix}struct_{field}"

        cursor = self.part_starts[:-1].copy()
        features = (name("feature_hashes"), name("feature_functions"))
        functions = events = 0
        out.write(name("starts"), 0, np.zeros(1, np.int64))
        for batch in self._batches():
            n = batch.file.shape[0]
            f = batch.functions
            for field, values in (("file", batch.file), ("line_start", f["line_start"]),
                                  ("line_end", f["line_end"]), ("arity", f["arity"]),
                                  ("features", np.bincount(batch.owners, minlength=n)),
                                  ("starts", events + np.cumsum(batch.sizes))):  # fmt: skip
                out.write(name(field), functions + 1 if field == "starts" else functions, values)
            out.write(name("events"), events, batch.events)
            _into_partitions(out, features, cursor, _partition_of(batch.hashes, self.part_bits),
                             batch.hashes, batch.owners + functions)  # fmt: skip
            functions += n
            events += batch.events.shape[0]
        if (functions != self.lengths[name("file")] or events != self.lengths[name("events")]
                or not np.array_equal(cursor, self.part_starts[1:])):  # fmt: skip
            raise StoreError(f"{self.store.path}: the store changed while its index was built")
        for part in range(1 << self.part_bits):
            a, b = int(self.part_starts[part]), int(self.part_starts[part + 1])
            _sort_partition(out, features, a, b)


@dataclass(frozen=True, slots=True)
class _Streamed:
    """An array written piece by piece after the others (its length is known before)."""

    length: int

    @property
    def shape(self) -> tuple[int]:
        return (self.length,)


class _Carry:
    """An update of an old index: which of its files are kept (same store id, same key: same
    fingerprints), where their entries move, and the added files' fingerprints (read from the
    store). Entries are ordered as a build orders them, by (hash, file id, place), so the
    updated index is the one a build from the store alone writes, array for array."""

    def __init__(self, old: IndexFile, old_of_new: np.ndarray):
        self.old = old
        self.old_of_new = old_of_new
        self.old_starts = old.load("starts")
        self.kept = np.flatnonzero(old_of_new >= 0)
        self.new_of_old = np.full(self.old_starts.shape[0] - 1, -1, dtype=np.int64)
        self.new_of_old[old_of_new[self.kept]] = self.kept
        self.added: list[tuple[int, np.ndarray]] = []

    @classmethod
    def plan(cls, old: IndexFile, ids: np.ndarray, keys: np.ndarray) -> _Carry | None:
        """None when many files are new (a build reads them all anyway, and an update would
        hold the added files' fingerprints in memory: at most a quarter of the files'), or when
        kept files changed places among themselves (a duplicate removed can move a content
        later: its functions' numbers would no longer follow the old order)."""
        old_pairs = zip(old.load("file_ids").tolist(), old.load("file_keys").tolist(), strict=True)
        were = {pair: i for i, pair in enumerate(old_pairs)}
        pairs = zip(ids.tolist(), keys.tolist(), strict=True)
        old_of_new = np.array([were.get(pair, -1) for pair in pairs], dtype=np.int64)
        kept = old_of_new[old_of_new >= 0]
        if 4 * int((old_of_new < 0).sum()) > max(len(ids), 4) or np.any(kept[1:] <= kept[:-1]):
            return None
        return cls(old, old_of_new)

    def summary(self) -> Update:
        removed = int((self.new_of_old < 0).sum())
        return Update(len(self.kept), len(self.old_of_new) - len(self.kept), removed)

    def _runs(self, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The old concatenation cut into runs of files that are all dropped, or all kept and
        moved by the same amount: (first old place of each run, whether it is kept, its move).
        A few changed files make a few runs, so an entry's fate is found among a few values."""
        files = np.flatnonzero(np.diff(self.old_starts) > 0)
        kept = self.new_of_old[files] >= 0
        moved = np.where(kept, starts[np.maximum(self.new_of_old[files], 0)], 0)
        moved[kept] -= self.old_starts[files[kept]]
        change = np.ones(files.shape[0], dtype=bool)
        change[1:] = (moved[1:] != moved[:-1]) | (kept[1:] != kept[:-1])
        return self.old_starts[files[change]], kept[change], moved[change]

    def structures(self, added: list[Structure | None]) -> dict[str, np.ndarray | _Streamed]:
        """The structural arrays of the new files: the kept files' functions carried over from
        the old index, renumbered; the added files' (``added``, in file order) computed. The
        same arrays as ``StructureIndex.build`` of every file; the features are written later
        (``write_features``), streamed."""
        from scanner.structural import StructureIndex, function_features

        was = SimpleNamespace(**{name: self.old.load(f"struct_{name}") for name in
                                 ("file", "line_start", "line_end", "arity", "starts", "events",
                                  "features")})  # fmt: skip
        old_files = self.new_of_old.shape[0]
        per_file = np.bincount(was.file, minlength=old_files)
        first = np.zeros(old_files + 1, dtype=np.int64)
        np.cumsum(per_file, out=first[1:])
        # the new functions, file by file: runs of kept files whose functions follow each other
        # in the old index, and the added files' structures
        pieces: list[tuple[int, int] | tuple[int, Structure]] = []
        remaining = iter(added)
        for number, old_number in enumerate(self.old_of_new.tolist()):
            if old_number < 0:
                structure = next(remaining)
                if structure is not None and len(structure):
                    pieces.append((number, structure))
                continue
            a, b = int(first[old_number]), int(first[old_number + 1])
            if a == b:
                continue
            if pieces and isinstance(pieces[-1][1], int) and pieces[-1][1] == a:
                pieces[-1] = (pieces[-1][0], b)
            else:
                pieces.append((a, b))
        fresh = StructureIndex.build([])  # empty arrays of every dtype
        names = ("file", "line_start", "line_end", "arity", "sizes", "events")
        parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
        renumbered = np.full(was.file.shape[0], -1, dtype=np.int64)
        numbers, added_sizes, added_events = [], [], []  # the added functions'
        count = 0
        for start, piece in pieces:
            if isinstance(piece, int):  # old functions start:piece, kept
                values = [self.new_of_old[was.file[start:piece]], was.line_start[start:piece],
                          was.line_end[start:piece], was.arity[start:piece],
                          np.diff(was.starts[start : piece + 1]),
                          was.events[was.starts[start] : was.starts[piece]]]  # fmt: skip
                renumbered[start:piece] = np.arange(count, count + piece - start)
            else:  # an added file's functions
                f = piece.functions
                values = [np.full(len(piece), start), f["line_start"], f["line_end"], f["arity"],
                          f["events"].astype(np.int64), piece.events]  # fmt: skip
                numbers.append(np.arange(count, count + len(piece)))
                added_sizes.append(values[4])
                added_events.append(piece.events)
            for name, value in zip(names, values, strict=True):
                parts[name].append(value)
            count += values[0].shape[0]

        def joined(name: str, like: np.ndarray) -> np.ndarray:
            return np.concatenate(parts[name]).astype(like.dtype) if parts[name] else like

        starts = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(joined("sizes", fresh.starts), out=starts[1:])
        arrays = {name: joined(name, getattr(fresh, name)) for name in names[:4]}
        arrays["events"] = joined("events", fresh.events)
        # features: the kept functions' come from the old index as it is written (in order of
        # hash, then function: renumbering keeps that order), the added functions' go between
        self.renumbered = renumbered.astype(np.int32)
        features = np.zeros(count, dtype=np.int32)
        kept = renumbered >= 0
        features[renumbered[kept]] = was.features[kept]
        self.feature_hashes = np.zeros(0, np.uint32)
        self.feature_functions = np.zeros(0, np.int32)
        if added_events:
            local = np.zeros(sum(s.shape[0] for s in added_sizes) + 1, dtype=np.int64)
            np.cumsum(np.concatenate(added_sizes), out=local[1:])
            owners, hashes = function_features(np.concatenate(added_events), local)
            functions = np.concatenate(numbers)[owners].astype(np.int32)
            order = np.lexsort((functions, hashes))
            self.feature_hashes, self.feature_functions = hashes[order], functions[order]
            features += np.bincount(functions, minlength=count).astype(np.int32)
        total = int(features.sum(dtype=np.int64))
        return {"struct_file": arrays["file"], "struct_line_start": arrays["line_start"],
                "struct_line_end": arrays["line_end"], "struct_arity": arrays["arity"],
                "struct_starts": starts, "struct_events": arrays["events"],
                "struct_features": features, "struct_feature_hashes": _Streamed(total),
                "struct_feature_functions": _Streamed(total)}  # fmt: skip

    def write_features(self, out: _Writer) -> None:
        """The structural features, streamed from the old index in chunks: the removed
        functions' dropped, the kept ones' renumbered, the added ones' inserted where they
        belong (after the kept entries of a smaller hash, or of the same hash and a smaller
        function)."""
        old_hashes = self.old.arrays["struct_feature_hashes"]  # mapped: binary searches only
        added, owners = self.feature_hashes, self.feature_functions
        where = np.searchsorted(old_hashes, added, side="left")
        last = np.searchsorted(old_hashes, added, side="right")
        for i in np.flatnonzero(last > where).tolist():
            a, b = int(where[i]), int(last[i])
            functions = self.renumbered[self.old.load("struct_feature_functions", a, b)]
            # removed functions (-1) sit anywhere: any place among them will do
            where[i] = a + int(np.searchsorted(np.maximum.accumulate(functions), owners[i]))
        total = out.header["arrays"]["struct_feature_hashes"]["shape"][0]
        size, cursor = int(old_hashes.shape[0]), 0
        for a in range(0, max(size, 1), CHUNK):
            b = min(size, a + CHUNK)
            hashes = self.old.load("struct_feature_hashes", a, b)
            functions = self.renumbered[self.old.load("struct_feature_functions", a, b)]
            keep = np.flatnonzero(functions >= 0)
            here = (where >= a) & ((where < b) | (b == size))
            at = np.searchsorted(keep + a, where[here])
            hashes = np.insert(hashes[keep], at, added[here])
            functions = np.insert(functions[keep], at, owners[here])
            out.write("struct_feature_hashes", cursor, hashes)
            out.write("struct_feature_functions", cursor, functions)
            cursor += hashes.shape[0]
        if cursor != total:
            raise StoreError(f"{self.old.path}: the structural features did not add up")

    def _owners(self, places: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The store ids of the (kept) files holding old ``places``."""
        files = np.searchsorted(self.old_starts, places, side="right") - 1
        return ids[self.new_of_old[files]]

    def merge(self, out: _Writer, ids: np.ndarray, starts: np.ndarray, part_bits: int,
              bits: int, size: int, store_path: str) -> None:  # fmt: skip
        """Write the new index's entries partition by partition: the old index's kept entries
        of that hash range (already in order) with their places moved, and the added files'
        entries of that range inserted where they belong."""
        at = [at for at, _ in self.added]
        lengths = [hashes.shape[0] for _, hashes in self.added]
        add_hashes = np.concatenate([h for _, h in self.added] or [np.zeros(0, np.uint64)])
        add_places = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in at]
                                    or [np.zeros(0, np.int64)])  # fmt: skip
        add_files = np.repeat(ids[at] if at else np.zeros(0, np.int64), lengths)
        self.added.clear()
        order = np.lexsort((add_places, add_files, add_hashes))
        add_hashes, add_places, add_files = add_hashes[order], add_places[order], add_files[order]
        run_starts, run_kept, run_moves = self._runs(starts)
        old_hashes = self.old.arrays["hashes"]  # mapped: binary searches touch a few pages
        per_part = 1 << (bits - part_bits)
        cursor = 0
        for part in range(1 << part_bits):
            low = np.uint64(part << (64 - part_bits)) if part_bits else None
            high = np.uint64((part + 1) << (64 - part_bits)) if part + 1 < 1 << part_bits else None

            def between(values: np.ndarray, low=low, high=high) -> tuple[int, int]:
                a = 0 if low is None else int(np.searchsorted(values, low, side="left"))
                b = values.shape[0] if high is None else int(np.searchsorted(values, high))
                return a, b

            a, b = between(old_hashes)
            hashes = self.old.load("hashes", a, b)
            places = self.old.load("entries", a, b).astype(np.int64)
            runs = np.searchsorted(run_starts, places, side="right") - 1
            keep = run_kept[runs]
            hashes, places, moves = hashes[keep], places[keep], run_moves[runs[keep]]
            a, b = between(add_hashes)
            where = self._insertion(hashes, places, add_hashes[a:b], add_files[a:b], ids)
            places += moves
            hashes = np.insert(hashes, where, add_hashes[a:b])
            places = np.insert(places, where, add_places[a:b])
            out.write("hashes", cursor, hashes)
            out.write("entries", cursor, places)
            _bucket_offsets(out, part, per_part, bits, cursor, hashes)
            cursor += hashes.shape[0]
        if cursor != size:
            raise StoreError(f"{store_path}: the store changed while its index was updated")
        out.write("offsets", 1 << bits, np.array([size]))

    def _insertion(self, hashes: np.ndarray, places: np.ndarray, added: np.ndarray,
                   owners: np.ndarray, ids: np.ndarray) -> np.ndarray:  # fmt: skip
        """Where each added entry goes among the kept ones (sorted by hash, file id, place):
        before the first kept entry of a greater hash, or of the same hash and a greater file
        id (only those ties need the kept entries' files)."""
        where = np.searchsorted(hashes, added, side="left")
        last = np.searchsorted(hashes, added, side="right")
        for i in np.flatnonzero(last > where).tolist():
            a, b = int(where[i]), int(last[i])
            where[i] = a + int(np.searchsorted(self._owners(places[a:b], ids), owners[i]))
        return where


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def refresh_index(store: SQLiteStore) -> BuildStats | None:
    """Rebuild the index beside ``store`` if it is missing or stale (after ``fingerprint``,
    ``background``, ``repos --remove`` or ``--rename``); None when it was fresh."""
    if store.path == ":memory:":
        return None
    path = index_path(store.path)
    try:
        if IndexFile.open(path).matches(store.stamp(), store.params.identity()):
            return None
    except StoreError:
        pass
    return write_index(store, path)
