"""The lookup side of the store: every private fingerprint, sorted by hash, in numpy arrays.

A candidate's k-gram hashes are looked up all at once, never file against file. Hashes are
uniform 64-bit values, so their top bits index a table of bucket offsets sized to hold about
eight fingerprints per bucket: a lookup is one table read and a few vectorized bisection steps
inside a small bucket, and the fanout array (how many entries share a hash) gives the end of the
run without a second search. Its cost barely grows with the store: a plain binary search over
the whole array grew 9.8x from 10,000 to 1,000,000 files (cache misses on a 480 MB array); the
bucket table stays close to flat (tests/benchmarks/bench_scale.py, section 5).

Fingerprints of public repos are kept apart as a sorted set: a k-gram found there is never
evidence. Reference sources decided public (``leaktrace background``) mark, per entry, one public
source that holds its hash (``reference``), and, per private file, the public source that holds
most of it when it is public code copied into the private tree (``file_reference``, the
inventory): both are discounted and named in the report, never evidence. Sources that hold
private code (or that the user distrusts) mark nothing.

Each distinct private content is indexed once. The same file stored twice (one tree fingerprinted
under two names, a file copied between repositories) would otherwise be counted twice as
evidence, and would double the fanout of all its fingerprints, pushing them towards
``max_fanout``; the other places holding it are kept as the indexed file's ``copies``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fingerprints import (
    FINGERPRINT_DTYPE,
    IN_SOURCE,
    Background,
    ReferenceFile,
    ReferenceSource,
    SQLiteStore,
    StoredFile,
)


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


@dataclass(frozen=True)
class FingerprintIndex:
    hashes: np.ndarray  # uint64, sorted
    raw: np.ndarray  # uint64
    file: np.ndarray  # int32, index into ``files``
    pos: np.ndarray  # int64, token position in that file
    line_start: np.ndarray  # uint32
    line_end: np.ndarray  # uint32
    fanout: np.ndarray  # int32, how many private places share this entry's hash
    bucket_bits: int  # the top bits of a hash that pick its bucket
    offsets: np.ndarray  # int64, 2**bucket_bits + 1: where each bucket starts in ``hashes``
    background: np.ndarray  # int64, in how many background files this entry's hash was seen
    boilerplate: np.ndarray  # bool, per file: its matches never make a verdict on their own
    public_hashes: np.ndarray  # uint64, sorted unique
    files: list[PrivateFile]
    k: int
    w: int
    background_info: dict[str, object] = field(default_factory=dict)
    reference: np.ndarray = field(default_factory=_no_references)
    """int32 per entry: position in ``references`` of a public source holding its hash, or -1."""
    file_reference: np.ndarray = field(default_factory=_no_references)
    """int32 per file: the public source this private file mostly is (inventory), or -1."""
    references: list[ReferenceRef] = field(default_factory=list)
    reference_paths: dict[tuple[int, int], str] = field(default_factory=dict)
    """(reference position, file index) -> the reference file holding most of that file."""
    reference_info: list[dict[str, object]] = field(default_factory=list)
    """Every learned source with its decision, for the report's provenance."""

    @property
    def private_tokens(self) -> int:
        return sum(f.tokens for f in self.files)

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    @classmethod
    def from_store(cls, store: SQLiteStore) -> FingerprintIndex:
        repos = {repo.id: repo for repo in store.repos()}
        private: list[StoredFile] = []
        public: list[np.ndarray] = []
        for stored in store.iter_files():
            if repos[stored.repo_id].public:
                public.append(stored.fingerprints["hash"])
            else:
                private.append(stored)
        names = {i: r.name for i, r in repos.items()}
        return cls.build(private, public, names, store.params.k, store.params.w, store.background(),
                         References.from_store(store))  # fmt: skip

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
        merged = np.concatenate(arrays) if arrays else np.zeros(0, dtype=FINGERPRINT_DTYPE)
        owner = (
            np.repeat(np.arange(len(private), dtype=np.int32), [a.shape[0] for a in arrays])
            if arrays
            else np.zeros(0, np.int32)
        )
        order = np.argsort(merged["hash"], kind="stable")
        merged, owner = merged[order], owner[order]
        hashes = np.ascontiguousarray(merged["hash"])
        # Fanout counts private *places*: a content indexed once still counts at every path that
        # holds it (a template copied to 20 folders stays a template), while the same tree
        # stored under two names (same paths) does not double it.
        places = np.array([len({f.path, *(c.path for c in copies[i])})
                           for i, f in enumerate(private)], dtype=np.int32)  # fmt: skip
        _, starts, counts = np.unique(hashes, return_index=True, return_counts=True)
        weights = places[owner] if owner.shape[0] else np.zeros(0, np.int32)
        per_hash = np.add.reduceat(weights, starts) if starts.shape[0] else weights
        fanout = np.repeat(per_hash.astype(np.int32), counts)
        bits, offsets = bucket_table(hashes)
        public_hashes = np.unique(np.concatenate(public)) if public else np.zeros(0, np.uint64)
        seen = np.zeros(hashes.shape[0], dtype=np.int64)
        if background is not None and background.hashes.shape[0]:
            at = np.searchsorted(background.hashes, hashes)
            inside = at < background.hashes.shape[0]
            hit = np.zeros_like(inside)
            hit[inside] = background.hashes[at[inside]] == hashes[inside]
            seen[hit] = background.files[at[hit]]
        marks = _reference_marks(references, hashes, files) if references else {}
        return cls(
            **marks,  # type: ignore[arg-type]
            hashes=hashes,
            raw=np.ascontiguousarray(merged["raw"]),
            file=owner,
            pos=merged["pos"].astype(np.int64),
            line_start=np.ascontiguousarray(merged["line_start"]),
            line_end=np.ascontiguousarray(merged["line_end"]),
            fanout=fanout,
            bucket_bits=bits,
            offsets=offsets,
            background=seen,
            boilerplate=np.array([f.boilerplate is not None for f in files], dtype=bool),
            public_hashes=public_hashes,
            files=files,
            k=k,
            w=w,
            background_info=background.info if background is not None else {},
        )

    def is_public(self, hashes: np.ndarray) -> np.ndarray:
        """Boolean mask: which of ``hashes`` occur in public code."""
        if self.public_hashes.shape[0] == 0:
            return np.zeros(hashes.shape[0], dtype=bool)
        at = np.searchsorted(self.public_hashes, hashes)
        at[at == self.public_hashes.shape[0]] = 0
        return self.public_hashes[at] == hashes

    def ranges(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each hash, the [lo, hi) range of index entries holding it (empty if absent)."""
        size = self.hashes.shape[0]
        if size == 0 or hashes.shape[0] == 0:
            empty = np.zeros(hashes.shape[0], dtype=np.intp)
            return empty, empty.copy()
        bucket = (hashes >> np.uint64(64 - self.bucket_bits)).astype(np.intp)
        lo = self.offsets[bucket]
        hi = self.offsets[bucket + 1]
        active = np.flatnonzero(lo < hi)
        while active.shape[0]:  # bisect every open bucket at once: lower bound of each hash
            mid = (lo[active] + hi[active]) >> 1
            below = self.hashes[mid] < hashes[active]
            lo[active[below]] = mid[below] + 1
            hi[active[~below]] = mid[~below]
            active = active[lo[active] < hi[active]]
        found = np.zeros(hashes.shape[0], dtype=bool)
        inside = lo < size
        found[inside] = self.hashes[lo[inside]] == hashes[inside]
        end = lo.copy()
        end[found] += self.fanout[lo[found]]
        return lo, end


def _reference_marks(
    references: References, hashes: np.ndarray, files: list[PrivateFile]
) -> dict[str, object]:
    """The index's reference fields: per entry and per file, which public source holds it."""
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
    entry = np.full(hashes.shape[0], -1, dtype=np.int32)
    if public and references.hashes.shape[0] and hashes.shape[0]:
        lookup = np.full(max(position) + 1, -1, dtype=np.int64)
        for source_id, i in position.items():
            lookup[source_id] = i
        ids = references.source_ids
        pos = np.where(ids < lookup.shape[0], lookup[np.minimum(ids, lookup.shape[0] - 1)], -1)
        keep = pos >= 0
        ref_hashes, pos = references.hashes[keep], pos[keep]
        if ref_hashes.shape[0]:
            unique, starts = np.unique(ref_hashes, return_index=True)
            first = np.minimum.reduceat(pos, starts)  # the earliest learned public source
            at = np.minimum(np.searchsorted(unique, hashes), unique.shape[0] - 1)
            hit = unique[at] == hashes
            entry[hit] = first[at[hit]]
    by_content: dict[str, list[int]] = {}
    for i, f in enumerate(files):
        by_content.setdefault(f.sha256, []).append(i)
    per_file = np.full(len(files), -1, dtype=np.int32)
    best = np.zeros(len(files))
    paths: dict[tuple[int, int], str] = {}
    for row in references.files:
        if row.source_id not in position:
            continue
        for i in by_content.get(row.sha256, []):
            if row.reference_path:
                paths[(position[row.source_id], i)] = row.reference_path
            if row.share >= IN_SOURCE and row.share > best[i]:
                best[i], per_file[i] = row.share, position[row.source_id]
    return {"reference": entry, "file_reference": per_file, "references": refs,
            "reference_paths": paths, "reference_info": info}  # fmt: skip


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


def bucket_table(hashes: np.ndarray) -> tuple[int, np.ndarray]:
    """(bits, offsets): ``offsets[b]`` is where hashes whose top ``bits`` bits equal ``b`` start
    in the sorted ``hashes``; about eight entries per bucket."""
    size = hashes.shape[0]
    bits = max(0, min(32, int(np.ceil(np.log2(max(size, 1)))) - 3))
    starts = np.arange(2**bits, dtype=np.uint64) << np.uint64(64 - bits) if bits else np.zeros(
        1, dtype=np.uint64)  # fmt: skip
    offsets = np.empty(2**bits + 1, dtype=np.int64)
    offsets[:-1] = np.searchsorted(hashes, starts, side="left")
    offsets[-1] = size
    return bits, offsets
