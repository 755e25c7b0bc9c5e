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

What it holds, per fingerprint of the private code: its hash and where it sits in the
concatenation of the files' fingerprint arrays, one packed record sorted by hash
(``scanner/packed.py``: the hash's bits below its bucket's and the place, 9 bytes), plus a bucket
table of at most half a byte per fingerprint. Everything else about a fingerprint (raw
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
second writes each fingerprint (hash and place, 12 bytes) straight into its partition's place in
a scratch file (unlinked as soon as it is open, so a crash leaves nothing), then each partition
(at most ``PARTITION`` entries) is sorted in memory and packed into the index in hash order.
Peak memory is a few partitions, not the index; the disk holds the index being written, the
scratch file and the old index until the rename. The structural arrays are streamed the same
way (``_StructureStream``): the stored structures read twice in batches, the features scattered
into partitions of their hashes' top bits in the scratch file, each partition sorted and packed.
Per private function the index keeps its size and number of features and the feature table
(hash -> function, 4 bytes a feature); its events, lines and arity stay in the store's
structure of its file, read at scan time for the functions a candidate is compared with.

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
from scanner.packed import (
    PackedTable,
    bucket_counts,
    encode,
    offset_dtype,
    offsets_of,
    record_width,
)
from scanner.structural import ARRAYS as STRUCTURE_ARRAYS
from scanner.structural import array_dtypes, feature_layout

if TYPE_CHECKING:
    from fingerprints import Structure

MAGIC = b"LTINDEX1"
FORMAT_VERSION = 5
"""2: the hashes of public reference sources and the inventory (``reference_*``); 3: the
private and public functions' structures (``struct_*``, ``public_struct_*``,
``scanner/structural.py``); 4: each file's key (``file_keys``) and the public files' digest
(``public_files``), so that an index can be updated instead of rebuilt; 5: packed tables
(``records`` and ``struct_feature_records``, ``scanner/packed.py``), the functions' events,
lines and arity read from the store (``public_file_ids`` names the public files)."""
ALIGN = 64
PARTITION = 1 << 19
"""Most entries sorted at once while building (each partition is sorted in memory)."""
CHUNK = 1 << 19
"""Entries (or structural events) gathered from the store before they are written into their
partitions."""
SLICE = 1 << 18
"""Entries packed at once."""


def fingerprint_layout(size: int) -> tuple[int, int, int]:
    """(key bits, bucket bits, value bits) of the fingerprint table of ``size`` entries: 64-bit
    hashes, 8 to 16 per bucket, places below ``size``."""
    return 64, bucket_bits(size), max(size - 1, 0).bit_length()


def fingerprint_table(arrays: dict[str, np.ndarray]) -> PackedTable:
    """The fingerprint table of an index's arrays."""
    return PackedTable(*fingerprint_layout(arrays["records"].shape[0]), arrays["offsets"],
                       arrays["records"])  # fmt: skip


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
            and set(STRUCTURE_ARRAYS)
            | {f"public_{name}" for name in STRUCTURE_ARRAYS}
            | {"records", "public_file_ids"}
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

    def close(self, sync: bool = True) -> None:
        if sync:
            os.fsync(self.fd)
        os.close(self.fd)


def _scratch(path: Path, specs: dict[str, tuple[str, int]]) -> _Writer | None:
    """A scratch file for the partitions a build sorts (None: nothing to sort), unlinked as
    soon as it is open: it holds no name a crash could leave behind."""
    if not specs:
        return None
    scratch = path.with_name(f"{path.name}.scratch")
    try:
        return _Writer(scratch, {}, specs)
    finally:
        scratch.unlink(missing_ok=True)


class _TableOut:
    """A packed table (``scanner/packed.py``) written in key order, piece by piece: the records
    at a cursor, the bucket table counted on the way and written by ``finish``."""

    def __init__(self, out: _Writer, records: str, offsets: str,
                 layout: tuple[int, int, int]) -> None:  # fmt: skip
        self.out, self.records, self.offsets, self.layout = out, records, offsets, layout
        self.counts = np.zeros(1 << layout[1], dtype=np.int64)
        self.cursor = 0

    def append(self, keys: np.ndarray, values: np.ndarray) -> None:
        for a in range(0, keys.shape[0], SLICE):  # packing's temporaries: a slice's
            part = keys[a : a + SLICE]
            self.out.write(self.records, self.cursor,
                           encode(part, values[a : a + SLICE], *self.layout))  # fmt: skip
            buckets, sizes = bucket_counts(part, *self.layout[:2])
            self.counts[buckets] += sizes
            self.cursor += part.shape[0]

    def finish(self, where: str) -> None:
        if self.cursor != self.out.header["arrays"][self.records]["shape"][0]:
            raise StoreError(f"{where}: the store changed while its index was built")
        self.out.write(self.offsets, 0, offsets_of(self.counts))


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
        store.settled()  # the store's last batches durable before an index of them is seen
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
    # prefixes not counted yet: one bincount per CHUNK of them, not one per file (each clears
    # and adds a 512 KiB array: 0.2 G instructions for pip's 395 files)
    uncounted: list[np.ndarray] = []
    held = 0
    # a build's private hashes, kept for pass 2 while they are no more than ``CHUNK`` (a store
    # that small is read once, not twice); None once there are more
    kept: list[tuple[int, np.ndarray]] | None = [] if carry is None else None
    kept_size = 0
    read = set(position) if carry is None else set(ids[carry.old_of_new < 0].tolist())
    for file_id, records in store.iter_fingerprints(read | set(() if reuse_public else public_ids)):
        hashes = records["hash"]
        if file_id in position:
            counts[position[file_id]] = hashes.shape[0]
            if carry is None:
                uncounted.append((hashes >> np.uint64(48)).astype(np.uint16))
                held += hashes.shape[0]
                kept_size += hashes.shape[0]
                if kept is not None and kept_size <= CHUNK:
                    kept.append((file_id, hashes.copy()))
                else:
                    kept = None
                if held >= CHUNK:
                    prefixes += np.bincount(np.concatenate(uncounted), minlength=1 << 16)
                    uncounted, held = [], 0
            else:
                carry.added.append((position[file_id], hashes.copy()))
        else:
            public.append(np.unique(hashes))
    if uncounted:
        prefixes += np.bincount(np.concatenate(uncounted), minlength=1 << 16)
    del uncounted
    if reuse_public:
        public_hashes = old.load("public_hashes")
    else:
        public_hashes = np.unique(np.concatenate(public)) if public else np.zeros(0, np.uint64)
    del public
    starts = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    size = int(starts[-1])
    layout = fingerprint_layout(size)
    part_bits = min(16, layout[1], max(0, (max(size, 1) - 1) // PARTITION).bit_length())
    part_counts = prefixes.reshape(1 << part_bits, -1).sum(axis=1)
    part_starts = np.zeros((1 << part_bits) + 1, dtype=np.int64)
    np.cumsum(part_counts, out=part_starts[1:])
    background = store.background()
    # the structural arrays: a build's streamed from the store (written after the header);
    # an update's private ones computed from the old index and the added files
    streams = [] if carry is not None else [_StructureStream(store, ids.tolist(), "")]
    structure_specs: dict[str, tuple[str, int]] = {}
    structure: dict[str, np.ndarray] = {}
    if carry is not None:
        added = set(ids[carry.old_of_new < 0].tolist())
        stored = dict(store.structures(added))
        paths = dict(store.file_paths(added))
        structure_specs, structure = carry.structures(
            structures_of(
                [(paths[i], stored.get(i)) for i in ids.tolist() if i in added], store.path
            )
        )
        del stored, paths
    if reuse_public:
        for name in STRUCTURE_ARRAYS:
            values = old.load(f"public_{name}")
            structure[f"public_{name}"] = values
            structure_specs[f"public_{name}"] = (values.dtype.str, values.shape[0])
    else:
        streams.append(_StructureStream(store, public_ids, "public_"))  # by id, as stored
    for stream in streams:
        structure_specs |= stream.specs
    header = {
        "format": FORMAT_VERSION,
        "store": [stamp[0], stamp[1]],
        "params": store.params.identity(),
        "digest": store.digest(),
        "public_files": public_files,
        "private_tokens": int(tokens),
        "background_info": background.info,
        "references": [[r.name, r.version, r.kind, r.origin] for r in marks["references"]],
        "reference_paths": [
            [ref, file, path] for (ref, file), path in sorted(marks["reference_paths"].items())
        ],
        "reference_info": marks["reference_info"],
    }
    specs = {
        "records": (f"V{record_width(*layout)}", size),
        "offsets": (offset_dtype(size), (1 << layout[1]) + 1),
        "starts": ("<i8", len(starts)),
        "file_ids": ("<i8", len(ids)),
        "file_keys": ("|S32", len(ids)),
        "places": ("<i4", len(ids)),
        "boilerplate": ("|b1", len(ids)),
        "public_hashes": ("<u8", public_hashes.shape[0]),
        "public_file_ids": ("<i8", len(public_ids)),
        "background_hashes": ("<u8", background.hashes.shape[0]),
        "background_files": ("<i8", background.files.shape[0]),
        "reference_hashes": ("<u8", marks["reference_hashes"].shape[0]),
        "reference_sources": ("<i4", marks["reference_sources"].shape[0]),
        "file_reference": ("<i4", len(ids)),
        **structure_specs,
    }
    place_type = "<u4" if size < 2**32 else "<u8"
    scratch_specs = {} if carry is not None else {"hashes": ("<u8", size),
                                                  "entries": (place_type, size)}  # fmt: skip
    for stream in streams:
        scratch_specs |= stream.scratch_specs
    out = _Writer(path, header, specs)
    scratch = _scratch(path, scratch_specs)
    try:
        for name, values in (("starts", starts), ("file_ids", ids), ("file_keys", keys),
                             ("places", places),
                             ("boilerplate", boilerplate), ("public_hashes", public_hashes),
                             ("public_file_ids", np.asarray(public_ids, dtype=np.int64)),
                             ("background_hashes", background.hashes),
                             ("background_files", background.files),
                             ("reference_hashes", marks["reference_hashes"]),
                             ("reference_sources", marks["reference_sources"]),
                             ("file_reference", marks["file_reference"])):  # fmt: skip
            out.write(name, 0, values)
        for name, values in structure.items():
            out.write(name, 0, values)
        del public_hashes, background, marks, structure
        for stream in streams:
            stream.write(out, scratch)
        if carry is not None:
            carry.write_features(out)
            carry.merge(out, ids, starts, part_bits, layout, store.path)
        else:
            _scatter(store, scratch, position, starts, part_bits, part_starts, kept)
            table = _TableOut(out, "records", "offsets", layout)
            _sort_partitions(scratch, ("hashes", "entries"), part_starts, table)
            table.finish(store.path)
    finally:
        out.close()
        if scratch is not None:
            scratch.close(sync=False)
    return size, len(ids), carry.summary() if carry is not None else None


def _scatter(store: SQLiteStore, out: _Writer, position: dict[int, int], starts: np.ndarray,
             part_bits: int, part_starts: np.ndarray,
             kept: list[tuple[int, np.ndarray]] | None = None) -> None:  # fmt: skip
    """Pass 2: every private fingerprint (hash, place in the concatenation) into its partition
    of the scratch file, in chunks of about ``CHUNK`` entries; read from the store again, or
    ``kept`` from pass 1 (each file's id and hashes, by id, as the store gives them)."""
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

    if kept is None:
        kept = ((file_id, records["hash"].copy())
                for file_id, records in store.iter_fingerprints(set(position)))  # fmt: skip
    for file_id, hashes in kept:
        at = position[file_id]
        pending_hashes.append(hashes)
        pending_entries.append(np.arange(starts[at], starts[at + 1], dtype=np.int64))
        pending += hashes.shape[0]
        if pending >= CHUNK:
            flush()
            pending = 0
    if pending_hashes:
        flush()
    if not np.array_equal(cursor, part_starts[1:]):
        raise StoreError(f"{store.path}: the store changed while its index was built")


def _sort_partitions(scratch: _Writer, names: tuple[str, str], part_starts: np.ndarray,
                     table: _TableOut) -> None:  # fmt: skip
    """Pass 3: sort each partition of the scratch file by key (stable) and append it to
    ``table``."""
    for part in range(part_starts.shape[0] - 1):
        a, b = int(part_starts[part]), int(part_starts[part + 1])
        keys = scratch.read(names[0], a, b)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        table.append(keys, scratch.read(names[1], a, b)[order])
        del keys, order


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


class _StructureStream:
    """The structural arrays of a full build (``prefix``: ``""`` private, ``public_`` public),
    streamed from the store like the fingerprints: pass 1 (here) reads every file's structure
    in batches of about ``CHUNK`` events and counts functions (per file) and features (per
    partition: the top bits of a feature hash); ``write`` reads them again, writes each batch's
    functions in place and its features into their partitions of the scratch file, then sorts
    each partition (stable: by hash, then function) and packs it into the feature table. The
    arrays are ``StructureIndex.build``'s, byte for byte; memory is a batch and a partition,
    not the arrays."""

    def __init__(self, store: SQLiteStore, ids: list[int], prefix: str):
        self.store, self.prefix = store, prefix
        self.numbers = {file_id: number for number, file_id in enumerate(ids)}
        per_file = np.zeros(len(ids), dtype=np.int64)
        prefixes = np.zeros(1 << 16, dtype=np.int64)
        batches: list[SimpleNamespace] = []
        for batch in self._batches():
            batches.append(batch)
            per_file += np.bincount(batch.file, minlength=len(ids))
            prefixes += np.bincount(
                (batch.hashes >> np.uint32(16)).astype(np.intp), minlength=1 << 16
            )
        # one batch (the structures of a store that small): kept for ``write``, not read again
        self.kept = batches if len(batches) == 1 else None
        del batches
        self.file_functions = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(per_file, out=self.file_functions[1:])
        functions, features = int(self.file_functions[-1]), int(prefixes.sum())
        self.part_bits = min(16, max(0, (max(features, 1) - 1) // PARTITION).bit_length())
        self.part_starts = np.zeros((1 << self.part_bits) + 1, dtype=np.int64)
        np.cumsum(prefixes.reshape(1 << self.part_bits, -1).sum(axis=1),
                  out=self.part_starts[1:])  # fmt: skip
        self.layout = feature_layout(functions)
        dtypes = array_dtypes(functions, features)
        counts = {"struct_file_functions": len(ids) + 1, "struct_sizes": functions,
                  "struct_features": functions,
                  "struct_feature_offsets": (1 << self.layout[1]) + 1,
                  "struct_feature_records": features}  # fmt: skip
        self.specs = {prefix + name: (dtypes[name], count) for name, count in counts.items()}
        self.scratch_specs = {f"{prefix}feature_hashes": ("<u4", features),
                              f"{prefix}feature_functions": ("<i4", features)}  # fmt: skip

    def _batches(self) -> Iterator[SimpleNamespace]:
        """The files' functions (in file order) in batches of about ``CHUNK`` events: their file
        numbers, sizes, and features (``owners``: function within the batch)."""
        from fingerprints import Structure
        from scanner.structural import function_features, structures_of

        pending: list[tuple[int, Structure]] = []
        size = 0

        def batch() -> SimpleNamespace:
            # the event counts alone (structured arrays concatenate field by field, each
            # promoted: a third of this function's time)
            counts = np.concatenate([s.functions["events"] for _, s in pending])
            starts = np.zeros(counts.shape[0] + 1, dtype=np.int64)
            np.cumsum(counts, out=starts[1:])
            events = np.concatenate([s.events for _, s in pending]).astype("<u4")
            owners, hashes = function_features(events, starts)
            file = np.repeat([n for n, _ in pending], [len(s) for _, s in pending])
            pending.clear()
            return SimpleNamespace(file=file, sizes=np.diff(starts), owners=owners,
                                   hashes=hashes)  # fmt: skip

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

    def write(self, out: _Writer, scratch: _Writer | None) -> None:
        """Passes 2 and 3: every array written in place (see the class)."""
        assert scratch is not None

        def name(field: str) -> str:
            return f"{self.prefix}struct_{field}"

        cursor = self.part_starts[:-1].copy()
        features = (f"{self.prefix}feature_hashes", f"{self.prefix}feature_functions")
        functions = 0
        out.write(name("file_functions"), 0, self.file_functions)
        batches, self.kept = self.kept or self._batches(), None
        for batch in batches:
            n = batch.file.shape[0]
            out.write(name("sizes"), functions, batch.sizes)
            out.write(name("features"), functions, np.bincount(batch.owners, minlength=n))
            _into_partitions(scratch, features, cursor,
                             _partition_of(batch.hashes, self.part_bits), batch.hashes,
                             batch.owners + functions)  # fmt: skip
            functions += n
        if functions != self.file_functions[-1] or not np.array_equal(cursor, self.part_starts[1:]):
            raise StoreError(f"{self.store.path}: the store changed while its index was built")
        table = _TableOut(out, name("feature_records"), name("feature_offsets"), self.layout)
        _sort_partitions(scratch, features, self.part_starts, table)
        table.finish(self.store.path)


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

    def structures(self, added: list[Structure | None]
                   ) -> tuple[dict[str, tuple[str, int]], dict[str, np.ndarray]]:  # fmt: skip
        """The private structural arrays of the new files (specs and values): the kept files'
        functions carried over from the old index, renumbered; the added files' (``added``, in
        file order) computed. The same arrays as ``StructureIndex.build`` of every file; the
        feature table is written later (``write_features``), streamed."""
        from scanner.structural import function_features

        old_first = self.old.load("struct_file_functions").astype(np.int64)
        old_counts = np.diff(old_first)
        counts = np.zeros(self.old_of_new.shape[0], dtype=np.int64)
        counts[self.kept] = old_counts[self.old_of_new[self.kept]]
        new_files = np.flatnonzero(self.old_of_new < 0).tolist()
        fresh = [(n, s) for n, s in zip(new_files, added, strict=True) if s is not None and len(s)]
        for number, structure in fresh:
            counts[number] = len(structure)
        first = np.zeros(counts.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=first[1:])
        count = int(first[-1])
        # the kept functions keep their order: each moves by its file's move
        moves = np.where(self.new_of_old >= 0, first[np.maximum(self.new_of_old, 0)], -1)
        moves[self.new_of_old >= 0] -= old_first[:-1][self.new_of_old >= 0]
        renumbered = np.arange(old_first[-1], dtype=np.int64) + np.repeat(moves, old_counts)
        renumbered[np.repeat(self.new_of_old < 0, old_counts)] = -1
        kept = renumbered >= 0
        sizes = np.zeros(count, dtype="<u4")
        features = np.zeros(count, dtype="<i4")
        sizes[renumbered[kept]] = self.old.load("struct_sizes")[kept]
        features[renumbered[kept]] = self.old.load("struct_features")[kept]
        self.renumbered = renumbered
        self.feature_hashes = np.zeros(0, np.uint32)
        self.feature_functions = np.zeros(0, np.int64)
        if fresh:
            added_sizes = np.concatenate([s.functions["events"] for _, s in fresh])
            local = np.zeros(added_sizes.shape[0] + 1, dtype=np.int64)
            np.cumsum(added_sizes, out=local[1:])
            owners, hashes = function_features(np.concatenate([s.events for _, s in fresh]),
                                               local)  # fmt: skip
            numbers = np.concatenate([np.arange(first[n], first[n + 1]) for n, _ in fresh])
            sizes[numbers] = added_sizes
            functions = numbers[owners]
            order = np.lexsort((functions, hashes))
            self.feature_hashes, self.feature_functions = hashes[order], functions[order]
            features += np.bincount(functions, minlength=count).astype(np.int32)
        total = int(features.sum(dtype=np.int64))
        self.layout = feature_layout(count)
        dtypes = array_dtypes(count, total)
        specs = {"struct_file_functions": first.shape[0], "struct_sizes": count,
                 "struct_features": count, "struct_feature_offsets": (1 << self.layout[1]) + 1,
                 "struct_feature_records": total}  # fmt: skip
        values = {"struct_file_functions": first, "struct_sizes": sizes,
                  "struct_features": features}  # fmt: skip
        return {name: (dtypes[name], length) for name, length in specs.items()}, values

    def write_features(self, out: _Writer) -> None:
        """The feature table, streamed from the old index in chunks: the removed functions'
        entries dropped, the kept ones' renumbered, the added ones' inserted where they belong
        (after the kept entries of a smaller hash, or of the same hash and a smaller
        function)."""
        old = PackedTable(*feature_layout(self.renumbered.shape[0]),
                          self.old.arrays["struct_feature_offsets"],
                          self.old.arrays["struct_feature_records"])  # fmt: skip  # mapped
        added, owners = self.feature_hashes, self.feature_functions
        where = old.bounds(added)
        last = old.bounds(added, right=True)
        for i in np.flatnonzero(last > where).tolist():
            a, b = int(where[i]), int(last[i])
            functions = self.renumbered[old.values(np.arange(a, b))]
            # removed functions (-1) sit anywhere: any place among them will do
            where[i] = a + int(np.searchsorted(np.maximum.accumulate(functions), owners[i]))
        table = _TableOut(out, "struct_feature_records", "struct_feature_offsets", self.layout)
        size = len(old)
        for a in range(0, max(size, 1), CHUNK):
            b = min(size, a + CHUNK)
            hashes, functions = old.entries(a, self.old.load("struct_feature_records", a, b))
            functions = self.renumbered[functions.astype(np.int64)]
            keep = np.flatnonzero(functions >= 0)
            here = (where >= a) & ((where < b) | (b == size))
            at = np.searchsorted(keep + a, where[here])
            table.append(np.insert(hashes[keep], at, added[here]),
                         np.insert(functions[keep], at, owners[here]))  # fmt: skip
        table.finish(str(self.old.path))

    def _owners(self, places: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The store ids of the (kept) files holding old ``places``."""
        files = np.searchsorted(self.old_starts, places, side="right") - 1
        return ids[self.new_of_old[files]]

    def merge(self, out: _Writer, ids: np.ndarray, starts: np.ndarray, part_bits: int,
              layout: tuple[int, int, int], store_path: str) -> None:  # fmt: skip
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
        old = fingerprint_table(self.old.arrays)  # mapped: binary searches touch a few pages
        table = _TableOut(out, "records", "offsets", layout)
        for part in range(1 << part_bits):
            low = np.uint64(part << (64 - part_bits)) if part_bits else None
            high = np.uint64((part + 1) << (64 - part_bits)) if part + 1 < 1 << part_bits else None

            def between(values: np.ndarray, low=low, high=high) -> tuple[int, int]:
                a = 0 if low is None else int(np.searchsorted(values, low, side="left"))
                b = values.shape[0] if high is None else int(np.searchsorted(values, high))
                return a, b

            a = 0 if low is None else int(old.bounds(np.array([low]))[0])
            b = len(old) if high is None else int(old.bounds(np.array([high]))[0])
            hashes, places = old.entries(a, self.old.load("records", a, b))
            places = places.view(np.int64)  # below 2**63
            runs = np.searchsorted(run_starts, places, side="right") - 1
            keep = run_kept[runs]
            hashes, places, moves = hashes[keep], places[keep], run_moves[runs[keep]]
            a, b = between(add_hashes)
            where = self._insertion(hashes, places, add_hashes[a:b], add_files[a:b], ids)
            places += moves
            hashes = np.insert(hashes, where, add_hashes[a:b])
            places = np.insert(places, where, add_places[a:b])
            table.append(hashes, places)
        table.finish(store_path)

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
