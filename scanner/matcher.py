"""Candidate k-grams + fingerprint index -> fragments, file pairs and coverage.

For one candidate file:

1. Every k-gram hash is looked up in the index (one vectorized binary search). Set aside, and
   counted as discounted evidence: k-grams found in the company's public code; k-grams held by a
   reference source decided public (``reference``: public code, named with its source), and
   matches with private files that the inventory found to be public code copied into the private
   tree; k-grams whose hash sits at more than ``max_fanout`` private places (private templates);
   k-grams seen in at least ``background_files`` files of a legacy background (common code,
   stores learned before reference sources); k-grams of fewer than
   ``min_distinct_tokens`` distinct token kinds (data: tables, lists, enums, where folding leaves
   ``STR : NUM ,`` over and over); and matches with private boilerplate (a manifest or build
   script, a small re-export file, a fixture). Boilerplate is judged on the private side only.
2. Each remaining (candidate position, private entry) pair lies on a *diagonal*
   ``candidate_pos - private_pos`` of one private file. Pairs on the same diagonal whose candidate
   positions are at most ``w`` apart form one fragment: a run of tokens shared in order. Private
   fingerprints are winnowed, so inside a continuous shared run consecutive fingerprints are never
   more than ``w`` positions apart (every window of ``w`` k-grams holds one).
3. A fragment spans private tokens ``[first_pos, last_pos + k)``; fragments shorter than
   ``min_fragment_tokens`` are not evidence. Coverage of a private file is the union of its
   fragments' spans, so overlapping or repeated fragments never count twice.

A fragment is *verbatim* when every matched k-gram also agrees on the raw (un-normalized) token
hashes: the same code up to whitespace and comments. Otherwise it matched only after
normalization (renamed identifiers, changed literals).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from fingerprints import Analysis, covered_tokens, distinct_kinds
from scanner.index import FingerprintIndex, PrivateFile
from scanner.packed import distinct, within
from scanner.structural import FunctionPair, StructuralFile, by_private_file, one_to_one
from scanner.thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class Fragment:
    private_file: int  # index into FingerprintIndex.files
    candidate_path: str
    candidate_tokens: tuple[int, int]  # [start, end)
    private_tokens: tuple[int, int]  # [start, end)
    candidate_lines: tuple[int, int]  # inclusive, 1-based
    private_lines: tuple[int, int]
    fingerprints: int  # matched private fingerprints in it
    verbatim: bool
    hashes: tuple[int, ...] = ()
    """The distinct private fingerprint hashes matched, in order: anyone holding the store can
    check that these fingerprints belong to the private file at these lines."""
    candidate_columns: tuple[int, int] | None = None
    """1-based byte columns (inclusive) on the first and last candidate line, given when either
    line is so long (a minified bundle) that a line number alone locates nothing."""

    @property
    def tokens(self) -> int:
        return self.private_tokens[1] - self.private_tokens[0]


_COUNTS = ("public", "reference", "common", "template", "data", "boilerplate", "short")


@dataclass
class Discounts:
    """Candidate tokens set aside, by reason."""

    public: int = 0  # found in the company's public code
    common: int = 0  # found in a legacy background (unrelated public code, counted in files)
    template: int = 0  # at more than max_fanout places of the private code
    data: int = 0  # data literals of little variety
    boilerplate: int = 0  # matches with private manifests, re-export files, fixtures
    short: int = 0  # in fragments shorter than min_fragment_tokens
    reference: int = 0  # public code of a reference source (hashes it holds, files it is)
    attribution: dict[tuple[int, int], int] = field(default_factory=dict)
    """(reference position, private file index) -> ``reference`` tokens matched there."""

    def add(self, other: Discounts) -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, tokens in other.attribution.items():
            self.attribution[key] = self.attribution.get(key, 0) + tokens

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _COUNTS}


@dataclass(frozen=True, slots=True)
class PublicCode:
    """Candidate tokens discounted as public code of one reference source, matched at one private
    file (the attribution a report shows)."""

    source: str
    version: str
    kind: str
    origin: str
    reference_path: str | None  # the reference file that holds most of the private file
    private_repo: str
    private_path: str
    tokens: int


@dataclass(frozen=True, slots=True)
class FilePair:
    candidate_path: str
    private: PrivateFile
    fragments: list[Fragment]
    matched_tokens: int  # private tokens covered
    containment: float  # matched_tokens / private file tokens
    longest_fragment: int
    verbatim: bool
    candidate_lines: list[tuple[int, int]]
    private_lines: list[tuple[int, int]]


@dataclass
class CandidateMatch:
    pairs: list[FilePair] = field(default_factory=list)
    matched_tokens: int = 0  # private tokens covered, each private token counted once
    longest_fragment: int = 0
    score: float = 0.0  # matched_tokens / all private tokens
    discounts: Discounts = field(default_factory=Discounts)
    files: int = 0
    lines: int = 0
    tokens: int = 0
    public_code: list[PublicCode] = field(default_factory=list)
    """Where the ``reference`` discount comes from, most tokens first."""
    functions: list[FunctionPair] = field(default_factory=list)
    """Candidate functions matched to private functions by structure (``structural``)."""
    structural_files: list[StructuralFile] = field(default_factory=list)
    """The private files those functions belong to, most covered first."""
    structural_idioms: int = 0
    """Calls and constants ignored as idioms (at more than ``structural_max_fanout`` private
    functions)."""


def match_file(
    path: str, analysis: Analysis, index: FingerprintIndex, thresholds: Thresholds
) -> tuple[list[Fragment], Discounts]:
    """Fragments shared by one candidate file and the private code (see ``look_up``)."""
    found = look_up(path, analysis, index, thresholds)
    return found.fragments, found.discounts


@dataclass(frozen=True, slots=True)
class FileLookup:
    """What one candidate file's k-grams gave: its fragments, what was set aside, and which of
    its k-grams the company's public code, a public reference source or a legacy background
    holds (``public_kgrams``, so the structural signal never undoes what the tokens say)."""

    fragments: list[Fragment]
    discounts: Discounts
    public_kgrams: np.ndarray
    """Positions of the k-grams found in the private code that are public (the company's public
    code, a reference source's, or common in a legacy background)."""


def look_up(
    path: str, analysis: Analysis, index: FingerprintIndex, thresholds: Thresholds
) -> FileLookup:
    """Fragments shared by one candidate file and the private code, and its public tokens.

    Boilerplate is judged on the private side only: a match with a private manifest, re-export
    file or fixture is discounted. A candidate's own names and headers are not trusted, since
    whoever published it chose them: calling a leaked file ``setup.py``, putting it under
    ``fixtures/`` or writing "auto-generated" at its top must not hide it.
    """
    discounts = Discounts()
    grams = analysis.kgrams
    token_count = len(analysis.tokens)
    hashes = grams.hashes
    if hashes.shape[0] == 0 or len(index) == 0:
        return FileLookup([], discounts, np.zeros(0, dtype=np.int64))
    k = index.k
    lo, hi = index.ranges(hashes)
    counts = hi - lo
    found = counts > 0
    public = index.is_public(hashes)
    if not found.any():  # most files: nothing in the private code, so nothing else to weigh
        discounts.public = covered_tokens(np.flatnonzero(public), k, token_count)
        return FileLookup([], discounts, np.flatnonzero(found))
    source = np.full(hashes.shape[0], -1, dtype=np.int32)
    source[found] = index.reference(hashes[found])
    reference = (source >= 0) & ~public
    template = np.zeros_like(found)
    at_found = np.flatnonzero(found)
    entries = index.hits(lo[at_found], hi[at_found], thresholds.max_fanout)
    template[at_found] = entries.fanout > thresholds.max_fanout
    template &= ~public & ~reference
    common = np.zeros_like(found)
    common[found] = index.background(hashes[found]) >= thresholds.background_files
    public_kgrams = np.flatnonzero(found & (public | (source >= 0) | common))
    common &= ~public & ~reference & ~template
    data = np.zeros_like(found)
    hits = np.flatnonzero(found & ~public & ~reference & ~template & ~common)
    data[hits] = distinct_kinds(analysis.tokens.values, hits, k) < thresholds.min_distinct_tokens
    dropped = public | reference | template | common | data
    if reference.any():
        at = np.flatnonzero(reference)
        _attribute(discounts, at, source[at], index.owners(lo[at]), k, token_count)
    discounts.public = covered_tokens(np.flatnonzero(public), k, token_count)
    discounts.template = covered_tokens(np.flatnonzero(template), k, token_count)
    discounts.common = covered_tokens(np.flatnonzero(common), k, token_count)
    discounts.data = covered_tokens(np.flatnonzero(data), k, token_count)
    # a k-gram kept is no template, so its entries were decoded for its fanout: taken from there
    decoded = at_found[entries.small]
    keep = np.repeat(~dropped[decoded], entries.sizes)
    cand_pos = np.repeat(decoded.astype(np.int64), entries.sizes)[keep]
    places, owner = entries.places[keep], entries.owners[keep]
    total = int(cand_pos.shape[0])
    if total == 0:
        return FileLookup([], discounts, public_kgrams)
    if index.file_reference.shape[0]:
        copied = index.file_reference[owner]
        inventoried = copied >= 0
        if inventoried.any():  # what the company added to a copied file stays evidence
            at = np.flatnonzero(inventoried)
            span = thresholds.min_fragment_tokens
            inventoried[at[index.added(places[at], owner[at], span)]] = False
        if inventoried.any():  # public code copied into the private tree: never evidence
            evidence_at = distinct(cand_pos[~inventoried])
            only = inventoried & ~within(cand_pos, evidence_at)
            at = np.flatnonzero(only)
            _, first_of = np.unique(cand_pos[at], return_index=True)
            at = at[first_of]
            _attribute(discounts, cand_pos[at], copied[at], owner[at], k, token_count)
            keep = ~inventoried
            cand_pos, places, owner = cand_pos[keep], places[keep], owner[keep]
            total = int(cand_pos.shape[0])
            if total == 0:
                return FileLookup([], discounts, public_kgrams)
    private_boilerplate = index.boilerplate[owner]
    if private_boilerplate.any():
        evidence_at = distinct(cand_pos[~private_boilerplate])
        boilerplate_at = distinct(cand_pos[private_boilerplate])
        only_boilerplate = boilerplate_at[~within(boilerplate_at, evidence_at)]
        discounts.boilerplate += covered_tokens(only_boilerplate, k, token_count)
        keep = ~private_boilerplate
        cand_pos, places, owner = cand_pos[keep], places[keep], owner[keep]
        total = int(cand_pos.shape[0])
        if total == 0:
            return FileLookup([], discounts, public_kgrams)
    record = index.records(places, owner)
    priv_pos = record["pos"].astype(np.int64)
    diagonal = cand_pos - priv_pos
    order = np.lexsort((cand_pos, diagonal, owner))
    cand_pos, record, owner, priv_pos, diagonal = (
        cand_pos[order],
        record[order],
        owner[order],
        priv_pos[order],
        diagonal[order],
    )

    starts_new = np.ones(total, dtype=bool)
    starts_new[1:] = (
        (owner[1:] != owner[:-1])
        | (diagonal[1:] != diagonal[:-1])
        | (cand_pos[1:] - cand_pos[:-1] > index.w)
    )
    first = np.flatnonzero(starts_new)
    last = np.append(first[1:] - 1, total - 1)
    lengths = priv_pos[last] - priv_pos[first] + k
    same_raw = (grams.raw[cand_pos] == record["raw"]).astype(np.int64)
    raw_agree = np.add.reduceat(same_raw, first)
    sizes = last - first + 1

    long_enough = lengths >= thresholds.min_fragment_tokens
    # candidate tokens only short fragments cover, each once: summed per fragment, a snippet
    # matched at many private places counted once per place (4,600 "short" tokens in a
    # candidate of 4,481, rich's table.py against a store of several rich releases)
    in_long = np.repeat(long_enough, sizes)
    evidence = covered_tokens(cand_pos[in_long], k, token_count)
    discounts.short = covered_tokens(cand_pos, k, token_count) - evidence
    fragments = [
        Fragment(
            private_file=int(owner[a]),
            candidate_path=path,
            candidate_tokens=(int(cand_pos[a]), int(cand_pos[b]) + k),
            private_tokens=(int(priv_pos[a]), int(priv_pos[b]) + k),
            candidate_lines=(int(grams.line_start[cand_pos[a]]), int(grams.line_end[cand_pos[b]])),
            private_lines=(int(record["line_start"][a]), int(record["line_end"][b])),
            fingerprints=int(n),
            verbatim=bool(agree == n),
            hashes=tuple(dict.fromkeys(record["hash"][a : b + 1].tolist())),
        )
        for a, b, n, agree in zip(
            first[long_enough],
            last[long_enough],
            sizes[long_enough],
            raw_agree[long_enough],
            strict=True,
        )
    ]
    return FileLookup(fragments, discounts, public_kgrams)


def _attribute(discounts: Discounts, positions: np.ndarray, sources: np.ndarray,
               files: np.ndarray, k: int, length: int) -> None:  # fmt: skip
    """Count the ``reference`` discount of candidate k-grams at ``positions``, in all and per
    (source, private file) they were matched with."""
    discounts.reference += covered_tokens(positions, k, length)
    keys = sources.astype(np.int64) << 32 | files.astype(np.int64)
    for key in np.unique(keys).tolist():
        key_at = positions[keys == key]
        start = int(key_at.min())  # measured on its own span: cheap in a long file
        covered = covered_tokens(key_at - start, k, min(length, int(key_at.max()) + k) - start)
        pair = (key >> 32, key & 0xFFFFFFFF)
        discounts.attribution[pair] = discounts.attribution.get(pair, 0) + covered


class PublicLines:
    """Whether at least half of the tokens on a candidate file's lines ``first`` to ``last`` are
    covered by public k-grams (``FileLookup.public_kgrams``; a range holding no token: no).
    ``lines``: each token's first line. Worked out on the first question only (most files have
    no function pair to ask about), then each question is two binary searches."""

    def __init__(self, kgrams: np.ndarray, k: int, lines: np.ndarray) -> None:
        self._kgrams, self._k, self._lines = kgrams, k, lines
        self._sorted: np.ndarray | None = None
        self._counts = np.zeros(1, dtype=np.int64)

    def __call__(self, first: int, last: int) -> bool:
        if self._sorted is None:
            length = self._lines.shape[0]
            marks = np.zeros(length + 1, dtype=np.int64)
            np.add.at(marks, self._kgrams, 1)  # k-gram j covers tokens j .. j + k - 1
            np.add.at(marks, np.minimum(self._kgrams + self._k, length), -1)
            covered = np.cumsum(marks[:-1]) > 0
            order = np.argsort(self._lines, kind="stable")
            self._sorted = self._lines[order]
            self._counts = np.concatenate([[0], np.cumsum(covered[order], dtype=np.int64)])
        a = int(np.searchsorted(self._sorted, first, side="left"))
        b = int(np.searchsorted(self._sorted, last, side="right"))
        return b > a and 2 * int(self._counts[b] - self._counts[a]) >= b - a


def fields_of(kind: type) -> tuple[Callable[[Any], tuple[Any, ...]], dict[str, int]]:
    """The field values of a dataclass ``kind``'s instance, in order (one C call), and each
    field's position among them (looked up once per kind)."""
    found = _FIELDS.get(kind)
    if found is None:
        names = [f.name for f in fields(kind)]
        assert len(names) > 1  # attrgetter of one name gives the value, not a tuple
        found = _FIELDS[kind] = (operator.attrgetter(*names), {n: i for i, n in enumerate(names)})
    return found


_FIELDS: dict[type, tuple[Callable[[Any], tuple[Any, ...]], dict[str, int]]] = {}


def replaced(item: Any, **changes: Any) -> Any:
    """``dataclasses.replace(item, **changes)`` without looking its fields up again each time
    (a scan replaces every fragment and function pair it places, and ``combine`` names each
    function pair's private file: 2,113 pairs of the large tree, 43 ms of profiled CPU with
    ``replace``, in the tail that runs alone); every field of ``item`` is an argument of its
    class, in order."""
    values, position = fields_of(type(item))
    row = list(values(item))
    for name, value in changes.items():
        row[position[name]] = value
    return type(item)(*row)


def union_length(spans: Iterable[tuple[int, int]]) -> int:
    """Total length of the union of half-open spans."""
    total, end = 0, None
    for start, stop in sorted(spans):
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total


def merge_lines(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge inclusive line ranges that overlap or touch."""
    merged: list[list[int]] = []
    for start, stop in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    return [(a, b) for a, b in merged]


def combine(
    fragments: list[Fragment],
    index: FingerprintIndex,
    discounts: Discounts,
    files: int,
    lines: int,
    tokens: int,
    functions: list[FunctionPair] | None = None,
    idioms: int = 0,
    min_events: int = 10,
) -> CandidateMatch:
    """Group fragments into file pairs and measure the candidate as a whole (with the function
    pairs the structural signal found, each private function counted once: pairs that are no
    evidence were set aside before they were paired, ``scanner.structural.Excluded``)."""
    by_pair: dict[tuple[str, int], list[Fragment]] = defaultdict(list)
    by_private: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for fragment in fragments:
        by_pair[(fragment.candidate_path, fragment.private_file)].append(fragment)
        by_private[fragment.private_file].append(fragment.private_tokens)
    pairs = []
    for (path, private_index), group in by_pair.items():
        private = index.files[private_index]
        matched = union_length(f.private_tokens for f in group)
        pairs.append(
            FilePair(
                candidate_path=path,
                private=private,
                fragments=sorted(group, key=lambda f: f.candidate_tokens),
                matched_tokens=matched,
                containment=round(matched / private.tokens, 4) if private.tokens else 0.0,
                longest_fragment=max(f.tokens for f in group),
                verbatim=all(f.verbatim for f in group),
                candidate_lines=merge_lines(f.candidate_lines for f in group),
                private_lines=merge_lines(f.private_lines for f in group),
            )
        )
    pairs.sort(key=lambda p: (-p.matched_tokens, p.candidate_path, p.private.path))
    matched_tokens = sum(union_length(spans) for spans in by_private.values())
    private_total = index.private_tokens
    public_code = []
    for (source, private_index), amount in discounts.attribution.items():
        ref, private = index.references[source], index.files[private_index]
        public_code.append(PublicCode(ref.name, ref.version, ref.kind, ref.origin,
                                      index.reference_paths.get((source, private_index)),
                                      private.repo, private.path, amount))  # fmt: skip
    public_code.sort(key=lambda c: (-c.tokens, c.source, c.private_repo, c.private_path))
    matched = []
    for pair in one_to_one(functions or []):
        if not pair.private_repo:  # not yet named (a scan names them as they come)
            private = index.files[pair.private_file]
            pair = replaced(pair, private_repo=private.repo, private_path=private.path)
        matched.append(pair)
    return CandidateMatch(
        pairs=pairs,
        matched_tokens=matched_tokens,
        longest_fragment=max((f.tokens for f in fragments), default=0),
        score=round(matched_tokens / private_total, 6) if private_total else 0.0,
        discounts=discounts,
        files=files,
        lines=lines,
        tokens=tokens,
        public_code=public_code,
        functions=matched,
        structural_files=by_private_file(matched, index.structure, min_events),
        structural_idioms=idioms,
    )
