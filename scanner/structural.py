"""The structural second signal, public side: candidate functions against private functions.

Every private function with enough events (``fingerprints.structure``) is in the index with its
file, its number of events and of features, and an inverted list from each *feature* (a call or
constant code, not a trivial one like ``0``, ``1`` or ``""``, or the hash of a run of three
events) to the functions holding it (a packed table, ``scanner/packed.py``). Its events, line
range and arity are the file's stored structure, which the store keeps anyway: they are read
from there for the functions a candidate is compared with. The company's public code
(``--public``) is indexed the same way, apart.

A candidate file's functions are compared in two steps:

1. **Cheap filter.** All features of all its functions are looked up at once (sorted arrays,
   vectorized). A feature held by more than ``structural_max_fanout`` private functions is an
   idiom (``append``, ``len``), not evidence, and is ignored. A (candidate, private) function pair
   goes on only when it shares at least ``structural_min_shared`` features and at least
   ``FILTER_SHARE`` of the smaller function's (the candidate's idioms left out).
2. **Comparison.** ``similarity``: the larger of the share of both event sequences that lines
   up in order (2 * LCS / (len1 + len2), RapidFuzz's Indel distance, in C++; gaps anywhere) and
   the share both hold as multisets (statements moved). A pair at ``structural_similarity``
   percent or more is a match, unless the candidate function matches a public function at
   least as well (a fork of the public code).

Each candidate function keeps its best private function and each private function is used once
(greedy, best first), so a candidate cannot count one private function many times. What can
never be evidence (``Excluded``: private boilerplate, public code copied into the private tree,
a candidate function the tokens call public) is set aside *before* that pairing, so it never
takes the place of a real pair. The verdict (``scanner/verdict.py``) judges the evidence per
private file (``by_private_file``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from fingerprints import CONTROL_CODES, CONTROL_NAMES, DamagedStoreError, Structure, event_code
from scanner.packed import PackedTable, expand_runs, offset_dtype, record_width, within

if TYPE_CHECKING:
    from scanner.thresholds import Thresholds

TRIVIAL = np.array(
    sorted(event_code(t) for t in ("n:0", "n:1", "n:2", "n:-1", "s:", "s: ", "c:len", "c:str")),
    dtype=np.uint32,
)
"""Calls and constants nearly every function has: never features."""

SPLIT_PARTS = 3
"""At most this many candidate functions next to each other are joined to match one private
function a rewrite split into helpers (see ``_split``)."""

FILTER_SHARE = 0.3
"""Share of the smaller function's features (the candidate's idioms left out) a pair must
share to be compared."""

#: The arrays of the index, by their name in the index file (their dtypes: ``array_dtypes``).
ARRAYS = ("struct_file_functions", "struct_sizes", "struct_features", "struct_feature_offsets",
          "struct_feature_records")  # fmt: skip


def feature_layout(functions: int) -> tuple[int, int, int]:
    """(key bits, bucket bits, value bits) of the feature table of ``functions`` functions: a
    function number takes the bits of the largest, and the bucket table as many, so a record
    (the hash's 32 bits less the bucket's, and the function) takes 4 bytes; the table has one
    to two buckets per function, a bucket a function's worth of features or less."""
    value_bits = max(functions - 1, 0).bit_length()
    return 32, value_bits, value_bits


def array_dtypes(functions: int, features: int) -> dict[str, str]:
    """The dtype of each structural array (``ARRAYS``) of that many functions and features."""
    return {"struct_file_functions": "<i8", "struct_sizes": "<u4", "struct_features": "<i4",
            "struct_feature_offsets": offset_dtype(features),
            "struct_feature_records": f"V{record_width(*feature_layout(functions))}"}  # fmt: skip


_GRAM = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D))


def grams(events: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hash, owner) of every run of three events inside one function (``owner``: the function
    of each event): the control-flow shape as features, where calls and constants are few."""
    if events.shape[0] < 3:
        return np.zeros(0, np.uint32), np.zeros(0, owner.dtype)
    e = events.astype(np.uint64)
    mixed = e[:-2] * _GRAM[0] + e[1:-1] * _GRAM[1] + e[2:] * _GRAM[2]
    hashes = ((mixed >> np.uint64(29)) ^ mixed).astype(np.uint32)
    inside = owner[:-2] == owner[2:]
    return hashes[inside], owner[:-2][inside]


def function_features(events: np.ndarray, starts: np.ndarray,
                      by_feature: bool = False) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(function, feature) of every distinct feature of every function (``starts``: where each
    function's events start in ``events``, and the end), sorted by function then feature
    (``by_feature``: by feature then function): its non-trivial call and constant codes and
    the hashes of its runs of three events. All functions at once: one sort of (function,
    code) keys."""
    owner = np.repeat(np.arange(starts.shape[0] - 1, dtype=np.uint64), np.diff(starts))
    wanted = (events >= CONTROL_CODES) & ~within(events, TRIVIAL)
    shape, shape_owner = grams(events, owner)
    owners = np.concatenate([owner[wanted], shape_owner])
    codes = np.concatenate([events[wanted].astype(np.uint64), shape.astype(np.uint64)])
    keys = (codes << _HALF) | owners if by_feature else (owners << _HALF) | codes
    keys.sort()  # then distinct: numpy 2's hash-based unique is several times slower here
    keys = keys[np.append(True, keys[1:] != keys[:-1])] if keys.shape[0] else keys
    high, low = keys >> _HALF, keys & _LOW
    functions, codes = (low, high) if by_feature else (high, low)
    return functions.astype(np.int32), codes.astype(np.uint32)


_HALF, _LOW = np.uint64(32), np.uint64(0xFFFFFFFF)


def features(events: np.ndarray) -> np.ndarray:
    """One function's features (sorted, distinct; see ``function_features``)."""
    return function_features(events, np.array([0, events.shape[0]]))[1]


class InMemoryStructures:
    """File number -> its structure, all held (an index built in memory, or sent to a
    cluster's workers)."""

    def __init__(self, structures: list[Structure | None]) -> None:
        self.structures = structures

    def __call__(self, number: int) -> Structure:
        return self.structures[number] or _NO_STRUCTURE


_NO_STRUCTURE = Structure.from_bytes(None)


@dataclass(frozen=True)
class StructureIndex:
    """Every private function's size, and which functions hold each feature; the functions
    themselves (events, lines, arity) are their files' structures (``structures``)."""

    file_functions: np.ndarray  # int64, files + 1: where each file's functions start (the
    # functions are numbered file by file, in each file's order)
    sizes: np.ndarray  # uint32 per function: its events
    features: np.ndarray  # int32 per function: how many features it has
    table: PackedTable  # feature hash -> function holding it, sorted by hash then function
    structures: Callable[[int], Structure]
    """File number -> its structure, as stored (read for the functions a candidate is
    compared with)."""

    def __len__(self) -> int:
        return int(self.sizes.shape[0])

    @classmethod
    def build(cls, structures: list[Structure | None]) -> StructureIndex:
        """The index of each indexed file's structure (None: stored without one)."""
        counts = [0 if s is None else len(s) for s in structures]
        file_functions = np.zeros(len(structures) + 1, dtype=np.int64)
        np.cumsum(counts, out=file_functions[1:])
        present = [s for s in structures if s is not None and len(s)]
        sizes = (np.concatenate([s.functions["events"] for s in present]).astype("<u4")
                 if present else np.zeros(0, "<u4"))  # fmt: skip
        starts = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        events = (np.concatenate([s.events for s in present]).astype("<u4") if present
                  else np.zeros(0, "<u4"))  # fmt: skip
        owners, hashes = function_features(events, starts)
        functions = sizes.shape[0]
        return cls(
            file_functions=file_functions,
            sizes=sizes,
            features=np.bincount(owners, minlength=functions).astype(np.int32),
            table=PackedTable.build(hashes, owners, *feature_layout(functions)),
            structures=InMemoryStructures(list(structures)),
        )

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Its arrays by their name in the index file (``prefix``: ``public_`` for the public
        code's)."""
        return {f"{prefix}struct_file_functions": self.file_functions,
                f"{prefix}struct_sizes": self.sizes, f"{prefix}struct_features": self.features,
                f"{prefix}struct_feature_offsets": self.table.offsets,
                f"{prefix}struct_feature_records": self.table.records}  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], structures: Callable[[int], Structure],
                    prefix: str = "") -> StructureIndex:  # fmt: skip
        sizes = arrays[f"{prefix}struct_sizes"]
        return cls(
            file_functions=np.asarray(arrays[f"{prefix}struct_file_functions"]),
            sizes=sizes,
            features=arrays[f"{prefix}struct_features"],
            table=PackedTable(
                *feature_layout(sizes.shape[0]),
                arrays[f"{prefix}struct_feature_offsets"],
                arrays[f"{prefix}struct_feature_records"],
            ),
            structures=structures,
        )

    def file_of(self, number: int) -> int:
        """The file number of function ``number``."""
        return int(np.searchsorted(self.file_functions, number, side="right")) - 1

    def function(self, number: int) -> tuple[Structure, int]:
        """Function ``number``'s file structure and its place among that file's functions."""
        file = self.file_of(number)
        return self.structures(file), number - int(self.file_functions[file])

    def function_events(self, number: int) -> np.ndarray:
        structure, at = self.function(number)
        starts = structure.starts()
        return structure.events[int(starts[at]) : int(starts[at + 1])]

    def file_events(self, file: int, min_events: int) -> int:
        """The events of file ``file``'s functions of at least ``min_events`` events (what a
        rewrite of the whole file could line up)."""
        if not 0 <= file < self.file_functions.shape[0] - 1:
            return 0
        sizes = self.sizes[int(self.file_functions[file]) : int(self.file_functions[file + 1])]
        return int(sizes[sizes >= min_events].sum(dtype=np.int64))


EMPTY_INDEX = StructureIndex.build([])


def structures_of(stored: list[tuple[str, bytes | None]], where: str) -> list[Structure | None]:
    """Each stored file's structure from its (path, stored bytes); None where the file was
    stored before schema 7. Bytes that are not a structure are damage: ``StoreError``."""
    out: list[Structure | None] = []
    for path, blob in stored:
        try:
            out.append(None if blob is None else Structure.from_bytes(blob))
        except ValueError as exc:
            raise DamagedStoreError(f"{where}: damaged structure of file {path!r}: {exc}") from exc
    return out


@dataclass(frozen=True, slots=True)
class FunctionPair:
    """A candidate function matched to a private function by structure."""

    candidate_lines: tuple[int, int]
    private_file: int  # file number in the fingerprint index
    private_lines: tuple[int, int]
    similarity: float  # 2 * LCS / (len1 + len2) of the event sequences
    events: tuple[int, int]  # events of the candidate function, of the private one
    arity: tuple[int, int]
    shared_calls: int  # distinct call and constant codes both hold
    shared_constants: int
    shape: dict[str, tuple[int, int]]  # control event -> (candidate count, private count)
    candidate_path: str = ""
    private_repo: str = ""
    private_path: str = ""
    calls: tuple[str, ...] = field(default=())
    """The shared calls and constants as the candidate writes them (public text)."""
    constants: tuple[str, ...] = field(default=())
    candidate_functions: int = 1
    """How many candidate functions line up with the private one: more than one when a rewrite
    split it into helpers (their events joined in file order)."""

    @property
    def weight(self) -> int:
        """Private events lined up: the size of the evidence."""
        return round(self.similarity * self.events[1])


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """How alike two event sequences are, 0 to 1: the larger of the share lined up in order
    (2 * LCS / (len1 + len2)) and the share held by both as multisets (the same, order
    ignored: statements moved around, a branch's arms swapped)."""
    from rapidfuzz.distance import Indel  # here: building an index (a fingerprint run) needs none

    in_order = Indel.normalized_similarity(a.tolist(), b.tolist())
    codes_a, counts_a = np.unique(a, return_counts=True)
    codes_b, counts_b = np.unique(b, return_counts=True)
    _, at_a, at_b = np.intersect1d(codes_a, codes_b, assume_unique=True, return_indices=True)
    as_bags = 2 * int(np.minimum(counts_a[at_a], counts_b[at_b]).sum()) / (a.shape[0] + b.shape[0])
    return max(in_order, as_bags)


SIMILARITY_CHUNK = 4096
"""Pairs ``similarities`` reads and compares at once: a file compared with many private functions
held every pair's events (and their keys) at once, its memory growing with pairs times events."""


def similarities(firsts: Iterable[np.ndarray], seconds: Iterable[np.ndarray]) -> list[float]:
    """``similarity`` of each pair ``firsts[i]``, ``seconds[i]``, ``SIMILARITY_CHUNK`` pairs
    at a time (the sequences are taken from the iterables only as their chunk comes)."""
    pairs = zip(firsts, seconds, strict=True)
    scores: list[float] = []
    while chunk := list(itertools.islice(pairs, SIMILARITY_CHUNK)):
        scores += _similarities([a for a, _ in chunk], [b for _, b in chunk])
    return scores


def _similarities(firsts: list[np.ndarray], seconds: list[np.ndarray]) -> list[float]:
    """``similarity`` of each pair ``firsts[i]``, ``seconds[i]``, all pairs at once: the share
    held by both as multisets is counted for every pair in one go (per pair, its ``unique``
    and ``intersect1d`` calls were a tenth of a pool worker's CPU on the large tree), and the
    share lined up in order is worked out only where it could be the larger. It never is but
    by a rounding: what both hold in order (the longest common subsequence) they hold as
    multisets, so it is at most the multiset share, and only where the in-order formula at that
    bound rounds higher is the subsequence measured (the same floats as ``similarity``)."""
    from rapidfuzz.distance import Indel  # here: building an index (a fingerprint run) needs none

    bags = _multiset_shared(firsts, seconds)
    scores = []
    for a, b, both in zip(firsts, seconds, bags, strict=True):
        total = a.shape[0] + b.shape[0]
        as_bags = 2 * both / total
        if 1.0 - (total - 2 * both) / total > as_bags:  # in order might round above it
            as_bags = max(Indel.normalized_similarity(a.tolist(), b.tolist()), as_bags)
        scores.append(as_bags)
    return scores


def _multiset_shared(firsts: list[np.ndarray], seconds: list[np.ndarray]) -> list[int]:
    """For each pair of event sequences, how many events both hold, counted as multisets (the
    sum over codes of the smaller count)."""
    if not firsts:
        return []
    distinct = []
    for side in (firsts, seconds):
        owner = np.repeat(np.arange(len(side), dtype=np.uint64), [s.shape[0] for s in side])
        keys = (owner << _HALF) | np.concatenate(side).astype(np.uint64)
        keys.sort()
        first = np.flatnonzero(np.append(True, keys[1:] != keys[:-1]))
        distinct.append((keys[first], np.diff(np.append(first, keys.shape[0]))))
    (keys_a, counts_a), (keys_b, counts_b) = distinct
    both, at_a, at_b = np.intersect1d(keys_a, keys_b, assume_unique=True, return_indices=True)
    shared = np.zeros(len(firsts), dtype=np.int64)
    np.add.at(shared, (both >> _HALF).astype(np.int64), np.minimum(counts_a[at_a], counts_b[at_b]))
    return shared.tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Excluded:
    """What the token signal already set aside, so structure must not pair with it: the pairs
    are filtered before the greedy pairing (a pair filtered after it could have taken the place
    of a real one, which is then lost)."""

    private_files: np.ndarray
    """bool per file number of the fingerprint index: never evidence (private boilerplate,
    public code copied into the private tree)."""
    candidate_lines: Callable[[int, int], bool]
    """Whether the candidate's lines ``first`` to ``last`` are, for the most part, public code."""

    def private(self, index: StructureIndex, p: int) -> bool:
        file = index.file_of(p)
        return file < self.private_files.shape[0] and bool(self.private_files[file])


Texts = Callable[[], dict[int, tuple[str, str]]]
"""Called only when a file has matched functions: event code -> (``call`` or ``constant``, the
candidate's text for it), to name what a pair shares."""


class Functions:
    """The candidate functions compared, by position: (number in the file, events), each
    sliced when asked for (most are never looked at again once their features are)."""

    def __init__(self, events: np.ndarray, starts: np.ndarray, numbers: np.ndarray) -> None:
        self.events, self.starts, self.numbers = events, starts, numbers

    def __len__(self) -> int:
        return int(self.numbers.shape[0])

    def __getitem__(self, at: int) -> tuple[int, np.ndarray]:
        number = int(self.numbers[at])
        return number, self.events[self.starts[number] : self.starts[number + 1]]


def _ranges(table: PackedTable, looked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``table.ranges`` of features sorted by value (``function_features(by_feature=True)``):
    each distinct one looked up once (the same call or run of three events recurs in most of
    a file's functions), in order."""
    if not looked.shape[0]:
        return table.ranges(looked)
    firsts = np.flatnonzero(np.append(True, looked[1:] != looked[:-1]))
    counts = np.diff(np.append(firsts, looked.shape[0]))
    lo, hi = table.ranges(looked[firsts])
    return np.repeat(lo, counts), np.repeat(hi, counts)


def _compared(
    wanted: Functions,
    owner: np.ndarray,
    looked: np.ndarray,
    index: StructureIndex,
    t: Thresholds,
) -> tuple[list[tuple[float, int, int]], int, set[tuple[int, int]]]:
    """(similarity, candidate function, indexed function) of every pair that passes the cheap
    filter and then the comparison, the features ignored as idioms, and the (candidate,
    indexed) pairs that passed the filter with a candidate function under half the indexed
    one's size (a piece of it, maybe: ``_split``). ``owner`` and ``looked``: each feature of
    the candidate functions (``wanted``) and whose it is, sorted by feature."""
    lo, hi = _ranges(index.table, looked)
    idiom = hi - lo > t.structural_max_fanout
    idioms = int(idiom.sum())
    # a pair's share: of the smaller function's features (the candidate's idioms left out)
    feature_counts = np.bincount(owner[~idiom], minlength=len(wanted))
    keep = (hi > lo) & ~idiom
    owner, lo, hi = owner[keep], lo[keep], hi[keep]
    if not owner.shape[0]:
        return [], idioms, set()
    sizes = hi - lo
    other = index.table.values(expand_runs(lo, sizes))
    cand = np.repeat(owner, sizes).astype(np.int64)
    keys, shared = np.unique(cand * len(index) + other, return_counts=True)
    cand, other = keys // len(index), keys % len(index)
    smaller = np.minimum(feature_counts[cand], np.asarray(index.features[other]))
    passing = (shared >= t.structural_min_shared) & (shared >= FILTER_SHARE * smaller)
    compared: list[tuple[int, int]] = []
    pieces: set[tuple[int, int]] = set()
    for c, p in zip(cand[passing].tolist(), other[passing].tolist(), strict=True):
        size = int(index.sizes[p])  # its events, read from the store only when compared
        small, large = sorted((size, wanted[c][1].shape[0]))
        if small < t.structural_min_events or 2 * small < large:
            if 2 * wanted[c][1].shape[0] < size >= t.structural_min_events:
                pieces.add((c, p))
            continue  # too small, or one is more than twice the other: not one rewritten
        compared.append((c, p))
    scores = similarities((wanted[c][1] for c, _ in compared),
                          (index.function_events(p) for _, p in compared))  # fmt: skip
    found = [(score, c, p) for score, (c, p) in zip(scores, compared, strict=True)
             if score * 100 >= t.structural_similarity]  # fmt: skip
    return found, idioms, pieces


def match_structure(
    structure: Structure, index: StructureIndex, thresholds: Thresholds,
    texts: Texts | None = None, public: StructureIndex | None = None,
    excluded: Excluded | None = None,
) -> tuple[list[FunctionPair], int]:  # fmt: skip
    """The candidate file's functions matched to private functions (see the module docstring),
    and how many of its features were ignored as idioms (``structural_max_fanout``).

    A candidate function that matches a function of the company's public code (``public``,
    fingerprinted with ``--public``) at least as well as the private one is public code, never
    evidence (a fork of the public SDK). Nor is a pair ``excluded`` rules out, set aside before
    the pairing."""
    t = thresholds
    if not len(structure) or not len(index):
        return [], 0
    starts = structure.starts()
    lengths = np.diff(starts)
    numbers = np.flatnonzero(lengths >= t.structural_min_events)
    if not numbers.shape[0]:
        return [], 0
    # the features of the functions compared only (a function's features are its own events'):
    # ``owner`` is each feature's function's position in ``wanted``
    lengths = lengths[numbers]
    owner, looked = function_features(
        structure.events[expand_runs(starts[numbers], lengths)],
        np.concatenate(([0], np.cumsum(lengths))),
        by_feature=True,  # each distinct feature looked up once (``_ranges``)
    )
    wanted = Functions(structure.events, starts, numbers)
    found, idioms, pieces = _compared(wanted, owner, looked, index, t)
    if excluded is not None:
        public_code = {c for c in {c for _, c, _ in found}
                       if excluded.candidate_lines(*_lines(structure, wanted, [c]))}  # fmt: skip
        found = [(score, c, p) for score, c, p in found
                 if c not in public_code and not excluded.private(index, p)]  # fmt: skip
        pieces = {(c, p) for c, p in pieces if not excluded.private(index, p)}
    if found and public is not None and len(public):
        matched = np.isin(owner, [c for _, c, _ in found])
        best: dict[int, float] = {}
        for score, c, _ in _compared(wanted, owner[matched], looked[matched], public, t)[0]:
            best[c] = max(best.get(c, 0.0), score)
        found = [(score, c, p) for score, c, p in found if best.get(c, -1.0) < score]
    found.sort(key=lambda item: (-item[0], item[1], item[2]))
    chosen: list[tuple[float, list[int], int]] = []
    used_c: set[int] = set()
    used_p: set[int] = set()
    for score, c, p in found:
        if c not in used_c and p not in used_p:
            used_c.add(c)
            used_p.add(p)
            chosen.append((score, [c], p))
    files = {index.file_of(p) for _, _, p in chosen}
    pieces = {(c, p) for c, p in pieces if index.file_of(p) in files and p not in used_p}
    if pieces and public is not None and len(public):  # a piece that is public code: no piece
        matched = np.isin(owner, [c for c, _ in pieces])
        public_code = {c for _, c, _ in _compared(wanted, owner[matched], looked[matched],
                                                  public, t)[0]}  # fmt: skip
        pieces = {(c, p) for c, p in pieces if c not in public_code}
        used_c.update(public_code)  # nor part of a run
    if pieces:
        public_run = None if excluded is None else (
            lambda parts: excluded.candidate_lines(*_lines(structure, wanted, parts)))  # fmt: skip
        chosen += _split(wanted, used_c, used_p, pieces, index, t, public_run)
    named = texts() if chosen and texts is not None else {}
    return _pairs(structure, wanted, chosen, index, named), idioms


def _split(wanted: Functions, used_c: set[int], used_p: set[int],
           pieces: set[tuple[int, int]], index: StructureIndex, t: Thresholds,
           public_run: Callable[[list[int]], bool] | None = None,
           ) -> list[tuple[float, list[int], int]]:  # fmt: skip
    """Private functions a rewrite split into helpers. ``pieces``: (candidate, private) pairs
    that passed the cheap filter, the candidate function under half the private one's size, the
    private one unmatched in a file that already has a matched pair. Each such private function
    is compared with the runs of up to ``SPLIT_PARTS`` unmatched candidate functions next to
    each other (gap-tolerant: a matched function between them is skipped) that hold one of its
    pieces, their events joined in file order; a run ``public_run`` calls public code is none."""
    free = [c for c in range(len(wanted)) if c not in used_c]
    place = {c: at for at, c in enumerate(free)}  # where each free function is among them
    near_of: dict[int, set[int]] = {}  # private function -> places of its free pieces
    for c, p in pieces:
        near_of.setdefault(p, set()).update([place[c]] if c in place else [])
    found: list[tuple[float, list[int], int]] = []
    for p in sorted(near_of):
        theirs = index.function_events(p)
        near = near_of[p]
        starts = {a for at in near for a in range(max(0, at - SPLIT_PARTS + 1), at + 1)}
        for a in sorted(starts):
            for b in range(a + 1, min(a + SPLIT_PARTS, len(free))):
                parts = free[a : b + 1]
                if public_run is not None and public_run(parts):
                    continue
                joined = np.concatenate([wanted[c][1] for c in parts])
                small, large = sorted((theirs.shape[0], joined.shape[0]))
                if 2 * small >= large and (score := similarity(joined, theirs)) * 100 >= (
                    t.structural_similarity
                ):
                    found.append((score, parts, p))
    found.sort(key=lambda item: (-item[0], item[1], item[2]))
    chosen = []
    for score, parts, p in found:
        if p not in used_p and not used_c.intersection(parts):
            used_p.add(p)
            used_c.update(parts)
            chosen.append((score, parts, p))
    return chosen


def _lines(structure: Structure, wanted: Functions,
           parts: list[int]) -> tuple[int, int]:  # fmt: skip
    """The candidate lines of functions ``parts`` (in file order), first to last."""
    first = structure.functions[wanted[parts[0]][0]]
    last = structure.functions[wanted[parts[-1]][0]]
    return int(first["line_start"]), int(last["line_end"])


def _pairs(structure: Structure, wanted: Functions, chosen: list[tuple[float, list[int], int]],
           index: StructureIndex,
           named: dict[int, tuple[str, str]]) -> list[FunctionPair]:  # fmt: skip
    """The evidence of each chosen match: candidate functions ``parts`` (one, or a split one's
    pieces) matched to private function ``p`` with similarity ``score``. The features both
    sides share and their control-flow shapes are worked out for all the pairs at once (one
    ``function_features`` call and one count per side: one call per pair was a fifth of a
    pool worker's CPU on the large tree)."""
    if not chosen:
        return []
    mine = [np.concatenate([wanted[c][1] for c in parts]) for _, parts, _ in chosen]
    theirs = [index.function_events(p) for _, _, p in chosen]
    common = _shared_features(mine, theirs)
    mine_shapes, their_shapes = _shapes(mine), _shapes(theirs)
    pairs = []
    for at, (score, parts, p) in enumerate(chosen):
        shared = [named.get(code, ("call", "")) for code in common[at]]
        mine_shape, their_shape = mine_shapes[at], their_shapes[at]
        first = structure.functions[wanted[parts[0]][0]]
        private_structure, place = index.function(p)
        private = private_structure.functions[place]
        pairs.append(FunctionPair(
            candidate_lines=_lines(structure, wanted, parts),
            private_file=index.file_of(p),
            private_lines=(int(private["line_start"]), int(private["line_end"])),
            similarity=round(score, 4),
            events=(int(mine[at].shape[0]), int(theirs[at].shape[0])),
            arity=(int(first["arity"]), int(private["arity"])),
            shared_calls=sum(1 for kind, _ in shared if kind == "call"),
            shared_constants=sum(1 for kind, _ in shared if kind == "constant"),
            shape={CONTROL_NAMES[code]: (mine_shape[code], their_shape[code])
                   for code in CONTROL_NAMES if mine_shape[code] or their_shape[code]},
            calls=tuple(sorted({text for kind, text in shared if kind == "call" and text})),
            constants=tuple(sorted({text for kind, text in shared
                                    if kind == "constant" and text})),
            candidate_functions=len(parts),
        ))  # fmt: skip
    return pairs


def _shared_features(mine: list[np.ndarray], theirs: list[np.ndarray]) -> list[list[int]]:
    """For each pair of event sequences ``mine[i]``, ``theirs[i]``: the features (``features``)
    both hold, ascending."""
    keys = []
    for side in (mine, theirs):
        starts = np.zeros(len(side) + 1, dtype=np.int64)
        np.cumsum([events.shape[0] for events in side], out=starts[1:])
        owners, codes = function_features(np.concatenate(side), starts)
        keys.append((owners.astype(np.uint64) << _HALF) | codes.astype(np.uint64))
    both = np.intersect1d(keys[0], keys[1], assume_unique=True)  # by pair, then feature
    bounds = np.searchsorted(both >> _HALF, np.arange(len(mine) + 1, dtype=np.uint64))
    codes = (both & _LOW).tolist()
    return [codes[a:b] for a, b in itertools.pairwise(bounds.tolist())]


def _shapes(sequences: list[np.ndarray]) -> list[list[int]]:
    """For each event sequence, how many of each control event code it holds (by code)."""
    events = np.concatenate(sequences).astype(np.int64)
    owner = np.repeat(np.arange(len(sequences), dtype=np.int64),
                      [events.shape[0] for events in sequences])  # fmt: skip
    control = events < CONTROL_CODES
    counts = np.bincount(owner[control] * CONTROL_CODES + events[control],
                         minlength=len(sequences) * CONTROL_CODES)  # fmt: skip
    return counts.reshape(len(sequences), CONTROL_CODES).tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class StructuralFile:
    """How much of one private file the matched candidate functions cover."""

    private_repo: str
    private_path: str
    pairs: int
    events: int  # private events lined up in the matched pairs
    total: int  # events of the file's functions of at least structural_min_events

    @property
    def share(self) -> int:
        """Percent of the file's events lined up."""
        return min(100, 100 * self.events // self.total) if self.total else 0


def by_private_file(pairs: list[FunctionPair], index: StructureIndex,
                    min_events: int) -> list[StructuralFile]:  # fmt: skip
    """The matched pairs grouped by private file, most covered first."""
    groups: dict[int, list[FunctionPair]] = {}
    for pair in pairs:
        groups.setdefault(pair.private_file, []).append(pair)
    files = [
        StructuralFile(group[0].private_repo, group[0].private_path, len(group),
                       sum(p.weight for p in group),
                       index.file_events(number, min_events))
        for number, group in groups.items()
    ]  # fmt: skip
    return sorted(files, key=lambda f: (-f.share, -f.events, f.private_path))


def one_to_one(pairs: list[FunctionPair]) -> list[FunctionPair]:
    """The pairs of a whole candidate, each private function used once (best first)."""
    kept, used = [], set()
    for pair in sorted(pairs, key=lambda p: (-p.similarity, p.candidate_path, p.candidate_lines)):
        key = (pair.private_file, pair.private_lines)
        if key not in used:
            used.add(key)
            kept.append(pair)
    return sorted(kept, key=lambda p: (p.candidate_path, p.candidate_lines))
