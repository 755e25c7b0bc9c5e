"""Reference sources: public code with provenance, and which private files it holds.

A reference source is one package, archive, folder or git repository of public code. Learning it
reads every k-gram of every file and looks each up among the store's *private* fingerprint
hashes; only what the private code already holds is kept (``reference_hashes``: which sources
hold each stored hash), so the reference's text is never stored and a large reference adds
little to the store. Alongside, per private file: how many of its distinct fingerprints the
source holds, and which reference file holds most of them (the inventory: "public code, also in
python-dateutil 2.9.0 at dateutil/parser/_parser.py (97 %)").

How a reference file's hits are counted: the private side is one array of (hash, owner) pairs,
each private file's distinct hashes, sorted by hash. A reference file's distinct k-gram hashes
are searched in it (``searchsorted`` for both ends of each hash's run); the owners in the runs
are counted (``np.unique``), which gives, for this reference file, the fingerprints it shares
with every private file at once. The best reference file per private file is kept as it goes.

Then the source is decided (``direction``): public code, or a source that holds private code and
clears nothing. Each new source can change the decision on others (independent sources), so all
automatic decisions are taken again from their stored evidence after each learning.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from fingerprints.direction import (
    IN_SOURCE,
    Dates,
    Decision,
    Overlap,
    RepoOverlap,
    containment,
    decide,
)
from fingerprints.errors import InputError
from fingerprints.fingerprinter import SourceFile, analyze
from fingerprints.imports import ModuleRef, module_imports, outside_imports
from fingerprints.instants import second_key
from fingerprints.params import FingerprintParams
from fingerprints.policy import VENDORED_DIRS, content_problem
from fingerprints.seeds import words
from fingerprints.shingles import covered_tokens, distinct_kinds
from fingerprints.store import ReferenceFile, ReferenceSource, SQLiteStore

MIN_DISTINCT_KINDS = 6
"""K-grams of fewer distinct token kinds are data (tables, parametrize lists), not code: they are
left out of a source's hits, as the scanner's ``min_distinct_tokens`` (default 6) leaves them out
of evidence, so a test file full of literals does not make a package look like private code."""

MIN_RECORDED = 3
"""Inventory rows are kept for private files sharing at least this many fingerprints with a
source (fewer is a common snippet; its hashes still count, its file is not named)."""

#: Maps a function over items, in order (the builtin ``map``, or a runner's).
AnyMapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


@dataclass(frozen=True, slots=True)
class SourceMeta:
    """What is known of a source before it is read."""

    name: str
    version: str
    kind: str  # pypi, npm, archive, folder, git
    origin: str
    sha256: str | None = None
    """The archive's SHA-256; None: computed from the files (sorted path and content hashes)."""
    published_at: str | None = None
    first_published_at: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()


@dataclass(frozen=True, slots=True)
class RefJob:
    path: str
    data: bytes
    language: str
    params: FingerprintParams


@dataclass(frozen=True, slots=True)
class RefFile:
    """One reference file, analyzed: every k-gram hash (the pure part, run by the mapper)."""

    path: str
    sha256: str
    tokens: int
    lines: int
    hashes: np.ndarray  # uint64, every k-gram
    values: np.ndarray  # the normalized token values (to tell data k-grams apart)
    imports: tuple[ModuleRef, ...] = ()  # the imports that name a place (``imports``)


def analyze_reference(job: RefJob) -> RefFile:
    analysis = analyze(job.data, job.language, job.params, structure=False)  # never read
    return RefFile(job.path, hashlib.sha256(job.data).hexdigest(), len(analysis.tokens),
                   analysis.tokens.lines, analysis.kgrams.hashes,
                   analysis.tokens.values, module_imports(job.data, job.language))  # fmt: skip


@dataclass
class ReferenceSummary:
    source: ReferenceSource
    overlap: Overlap
    inventory: list[ReferenceFile] = field(default_factory=list)
    """Private files in the source (share >= IN_SOURCE), most shared first."""
    shared_hashes: int = 0
    seeds_dropped: int = 0
    seconds: float = 0.0
    changed: list[tuple[ReferenceSource, str]] = field(default_factory=list)
    """Other sources whose decision this one changed, with their former decision."""
    kept_trust: str | None = None
    """The user's word (trusted, distrusted) on the earlier source of this name and version,
    kept although this learning gave none."""


class PrivateSide:
    """The private side as sorted arrays: every private file's distinct fingerprint hashes.

    Built once per command and handed to each ``learn_reference`` (it depends only on the
    private files, which learning never changes)."""

    def __init__(self, store: SQLiteStore) -> None:
        repos = {r.id: r for r in store.repos()}
        self.files = [f for f in store.iter_files() if not repos[f.repo_id].public]
        self.repo_names = {i: r.name for i, r in repos.items() if not r.public}
        per_file = [np.unique(f.fingerprints["hash"]) for f in self.files]
        sizes = np.array([a.shape[0] for a in per_file], dtype=np.int64)
        hashes = np.concatenate(per_file) if per_file else np.zeros(0, np.uint64)
        owner = np.repeat(np.arange(len(self.files), dtype=np.int64), sizes)
        order = np.argsort(hashes, kind="stable")
        self.hashes, self.owner = hashes[order], owner[order]
        self.distinct = sizes
        self.unique = np.unique(self.hashes)
        self.entry_unique = np.searchsorted(self.unique, self.hashes)


def _folder(paths: list[str]) -> str:
    """The deepest folder holding every path ("" when they share none)."""
    if not paths:
        return ""
    folders = [p.split("/")[:-1] for p in paths]
    common: list[str] = []
    for parts in zip(*folders, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common)


def learn_reference(
    files: Iterable[SourceFile],
    store: SQLiteStore,
    meta: SourceMeta | Callable[[], SourceMeta],
    *,
    trust: str = "auto",
    on_problem: Callable[[str, str], None] | None = None,
    mapper: AnyMapper = map,
    private: PrivateSide | None = None,
) -> ReferenceSummary:
    """Learn one reference source into ``store``, decide which way its overlap went, record it
    (replacing an earlier source of the same name and version) and decide the others again.

    What the earlier source of that name and version knew is not lost: the user's word on it
    (unless ``trust`` gives another) and its publication dates (unless ``meta`` has its own),
    so a registry's record learned again from a mirror's copy of the archive keeps both.

    ``meta`` may be a function, called once the files are read: a registry names the version,
    its dates and the tarball's hash only once it has answered.
    """
    started = time.perf_counter()
    private = private or PrivateSide(store)
    k = store.params.k
    present = np.zeros(private.unique.shape[0], dtype=bool)
    best_count = np.zeros(len(private.files), dtype=np.int64)
    best_ref = np.full(len(private.files), -1, dtype=np.int64)
    ref_paths: list[str] = []
    ref_imports: dict[str, tuple[ModuleRef, ...]] = {}
    digest_lines: list[str] = []
    seeds = set(store.seeds())
    seen_words: set[str] = set()
    totals = {"files": 0, "lines": 0, "tokens": 0, "covered": 0, "matched": 0, "third_party": 0}

    def jobs() -> Iterator[RefJob]:
        for file in files:
            problem = content_problem(file.data, store.params.max_file_bytes)
            if problem:
                if on_problem:
                    on_problem(file.path, problem)
                continue
            if seeds:
                seen_words.update(words(file.data) & seeds)
            yield RefJob(file.path, file.data, file.language, store.params)

    for ref in mapper(analyze_reference, jobs()):
        totals["files"] += 1
        totals["lines"] += ref.lines
        totals["tokens"] += ref.tokens
        digest_lines.append(f"{ref.path}\0{ref.sha256}\n")
        if not private.unique.shape[0] or not ref.hashes.shape[0]:
            continue
        at = np.minimum(np.searchsorted(private.unique, ref.hashes), private.unique.shape[0] - 1)
        hit = private.unique[at] == ref.hashes
        if not hit.any():
            continue
        where = np.flatnonzero(hit)
        hit[where[distinct_kinds(ref.values, where, k) < MIN_DISTINCT_KINDS]] = False
        present[at[hit]] = True
        if ref.imports:
            ref_imports[ref.path] = ref.imports
        covered = covered_tokens(np.flatnonzero(hit), k, ref.tokens)
        totals["covered"] += covered
        totals["matched"] += covered * 2 >= ref.tokens
        if any(part in VENDORED_DIRS for part in PurePosixPath(ref.path).parts[:-1]):
            totals["third_party"] += covered
        shared = np.unique(ref.hashes[hit])
        lo = np.searchsorted(private.hashes, shared, side="left")
        hi = np.searchsorted(private.hashes, shared, side="right")
        runs = hi - lo
        total = int(runs.sum())
        entries = np.repeat(lo, runs) + (np.arange(total) - np.repeat(np.cumsum(runs) - runs, runs))
        owners, counts = np.unique(private.owner[entries], return_counts=True)
        better = counts > best_count[owners]
        if better.any():
            best_count[owners[better]] = counts[better]
            best_ref[owners[better]] = len(ref_paths)
            ref_paths.append(ref.path)

    if callable(meta):
        meta = meta()
    if totals["files"] == 0:
        raise InputError(f"{meta.label}: no source files to learn from; nothing stored")
    shared_per_file = np.bincount(
        private.owner[present[private.entry_unique]], minlength=len(private.files)
    )
    rows, inventory = _inventory(private, shared_per_file, best_count, best_ref, ref_paths)
    sources = SourceSide(frozenset(line.split("\0", 1)[0] for line in digest_lines), ref_imports,
                         [ref_paths[i] if i >= 0 else None for i in best_ref.tolist()])  # fmt: skip
    overlap = _overlap(store, private, shared_per_file, totals, sources)
    sha = meta.sha256 or hashlib.sha256("".join(sorted(digest_lines)).encode()).hexdigest()
    earlier = next((s for s in store.reference_sources()
                    if (s.name, s.version) == (meta.name, meta.version)), None)  # fmt: skip
    kept_trust = None
    if earlier is not None:
        if trust == "auto" and earlier.trust != "auto":
            trust = kept_trust = earlier.trust
        meta = replace(
            meta,
            published_at=meta.published_at or earlier.evidence.get("published_at"),
            first_published_at=(meta.first_published_at
                                or earlier.evidence.get("first_published_at")),
        )  # fmt: skip
    evidence = {"overlap": overlap.as_dict(), "published_at": meta.published_at,
                "first_published_at": meta.first_published_at,
                "containment": containment(overlap)}  # fmt: skip
    source = ReferenceSource(
        id=0, name=meta.name, version=meta.version, kind=meta.kind, origin=meta.origin,
        sha256=sha, published_at=meta.published_at, files=totals["files"],
        lines=totals["lines"], tokens=totals["tokens"], learned_at=_now(), trust=trust,
        decision="", reasons=(), evidence=evidence,
    )  # fmt: skip
    first = _decide(source, overlap, [], {})
    source = replace(source, decision=first.decision, reasons=first.reasons)
    source_id = store.put_reference(source, private.unique[present], rows)
    changed = redecide(store)
    final = next(s for s in store.reference_sources() if s.id == source_id)
    changed = [(s, old) for s, old in changed if s.id != source_id]
    dropped = store.drop_seeds(seen_words) if seen_words and final.public else 0
    return ReferenceSummary(
        source=final, overlap=overlap,
        inventory=[replace(f, source_id=source_id) for f in inventory],
        shared_hashes=int(np.count_nonzero(present)), seeds_dropped=dropped,
        seconds=time.perf_counter() - started, changed=changed, kept_trust=kept_trust,
    )  # fmt: skip


def _inventory(
    private: PrivateSide,
    shared: np.ndarray,
    best_count: np.ndarray,
    best_ref: np.ndarray,
    ref_paths: list[str],
) -> tuple[list[ReferenceFile], list[ReferenceFile]]:
    """(rows to record, the files in the source, most shared first)."""
    rows = []
    for i in np.flatnonzero(shared >= MIN_RECORDED).tolist():
        f = private.files[i]
        ref = ref_paths[best_ref[i]] if best_ref[i] >= 0 else None
        rows.append(ReferenceFile(0, f.repo_id, f.path, f.sha256, int(private.distinct[i]),
                                  int(shared[i]), ref, int(best_count[i])))  # fmt: skip
    inside = [r for r in rows if r.share >= IN_SOURCE]
    inside.sort(key=lambda r: (-r.share, r.repo_id, r.path))
    return rows, inside


@dataclass(frozen=True, slots=True)
class SourceSide:
    """What ``_overlap`` needs of the source's files: every path, the imports of those sharing
    fingerprints with private code, and the source file holding most of each private file."""

    paths: frozenset[str]
    imports: dict[str, tuple[ModuleRef, ...]]
    best: list[str | None]  # per private file (``PrivateSide.files``)


def _overlap(
    store: SQLiteStore,
    private: PrivateSide,
    shared: np.ndarray,
    totals: dict[str, int],
    source: SourceSide | None = None,
) -> Overlap:
    dates = store.commit_dates()
    share = np.divide(shared, np.maximum(private.distinct, 1))
    repos = []
    for repo_id, name in private.repo_names.items():
        mine = [i for i, f in enumerate(private.files) if f.repo_id == repo_id]
        inside = [i for i in mine if share[i] >= IN_SOURCE and shared[i] >= MIN_RECORDED]
        if not inside:
            continue
        folder = _folder([private.files[i].path for i in inside])
        firsts = [dates[(repo_id, private.files[i].path)][0] for i in inside
                  if (repo_id, private.files[i].path) in dates]  # fmt: skip
        outside = _outside_imports(private, mine, inside, folder, source) if source else []
        repos.append(RepoOverlap(
            repo=name,
            tokens=sum(private.files[i].tokens for i in mine),
            in_source_tokens=sum(private.files[i].tokens for i in inside),
            files=len(inside),
            lines=sum(private.files[i].lines for i in inside),
            folder=folder,
            first_commit=min(firsts, key=second_key) if firsts else None,
            dated_files=len(firsts),
            folder_tokens=sum(private.files[i].tokens for i in mine
                              if private.files[i].path.startswith(f"{folder}/")),
            outside_imports=tuple(outside[:MAX_NAMED_IMPORTS]),
            outside_import_count=len(outside),
        ))  # fmt: skip
    return Overlap(totals["tokens"], totals["covered"], totals["files"], totals["matched"],
                   tuple(repos), totals["third_party"])  # fmt: skip


MAX_NAMED_IMPORTS = 200
"""Private files named in a source's evidence as imported by its shared files (all counted)."""


def _outside_imports(
    private: PrivateSide, mine: list[int], inside: list[int], folder: str, source: SourceSide
) -> list[str]:
    """The repository's private files, outside ``folder`` and not in the source, that the
    source's copies of the shared files import (``imports.outside_imports``)."""
    pairs = [(private.files[i].path, best) for i in inside
             if (best := source.best[i]) is not None and best in source.imports]  # fmt: skip
    if not pairs:
        return []
    held = {private.files[i].path for i in inside}
    paths = {private.files[i].path for i in mine} - held
    return outside_imports(pairs, lambda path: source.imports.get(path, ()), paths, folder,
                           source.paths)  # fmt: skip


def _decide(
    source: ReferenceSource,
    overlap: Overlap,
    others: list[ReferenceSource],
    inside_keys: dict[int, set[tuple[int, str]]],
    vouching: set[int] | None = None,
    public_code: set[tuple[str, str]] | None = None,
) -> Decision:
    """The decision on ``source``, with the other sources as independent evidence.

    Only a source public on its own evidence (``vouching``: trusted, or decided public with no
    other source counted) can vouch: mirrors of one leak, each holding private code with no
    public origin, never vouch for each other. And independence is per file: the sources that
    vouch must hold every private file this one holds, since one holding some of them (a public
    library bundled beside the company's files) says nothing of the rest."""
    mine = inside_keys.get(source.id, set())
    vouchers = [other for other in others
                if other.name != source.name and other.id in (vouching or set())
                and mine & inside_keys.get(other.id, set())]  # fmt: skip
    held = set().union(*(mine & inside_keys.get(other.id, set()) for other in vouchers))
    independent = len({other.name for other in vouchers}) if held == mine else 0
    dates = Dates(source.evidence.get("published_at"), source.evidence.get("first_published_at"))
    if public_code:
        overlap = _without_public_imports(overlap, public_code)
    decision = decide(overlap, dates, source.trust, independent, source.name)
    if held and held != mine:
        names = ", ".join(sorted({other.label for other in vouchers}))
        return replace(decision, reasons=(
            *decision.reasons, f"public sources ({names}) hold {len(held)} of its {len(mine)} "
            "private files: no evidence for the others"))  # fmt: skip
    return decision


def _without_public_imports(overlap: Overlap, public_code: set[tuple[str, str]]) -> Overlap:
    """The overlap without imports of private files that public sources hold: public code
    (a framework the company forked, a plugin of it copied inside) is no company module."""
    repos = []
    for repo in overlap.repos:
        kept = tuple(p for p in repo.outside_imports if (repo.repo, p) not in public_code)
        dropped = len(repo.outside_imports) - len(kept)
        repos.append(replace(repo, outside_imports=kept,
                             outside_import_count=repo.outside_import_count - dropped))  # fmt: skip
    return replace(overlap, repos=tuple(repos))


def _vouching(sources: list[ReferenceSource]) -> set[int]:
    """The sources that are public on their own evidence, the other sources left out."""
    return {source.id for source in sources
            if source.trust == "trusted" or (source.trust == "auto" and _decide(
                source, Overlap.from_dict(source.evidence["overlap"]), [], {}).public)}  # fmt: skip


def redecide(store: SQLiteStore) -> list[tuple[ReferenceSource, str]]:
    """Take every decision again from its stored evidence (and the other sources); record those
    that changed. Returns the sources whose decision changed, with their former decision."""
    sources = store.reference_sources()
    inside_keys: dict[int, set[tuple[int, str]]] = {}
    for row in store.reference_files():
        if row.share >= IN_SOURCE:
            inside_keys.setdefault(row.source_id, set()).add((row.repo_id, row.path))
    vouching = _vouching(sources)
    names = {repo.id: repo.name for repo in store.repos()}
    public_code = {(names.get(repo_id, ""), path) for source_id in vouching
                   for repo_id, path in inside_keys.get(source_id, ())}  # fmt: skip
    changed = []
    for source in sources:
        overlap = Overlap.from_dict(source.evidence["overlap"])
        decision = _decide(source, overlap, sources, inside_keys, vouching, public_code)
        if (decision.decision, decision.reasons) != (source.decision, source.reasons):
            store.set_reference_decision(source.id, decision.decision, decision.reasons)
            if decision.decision != source.decision:
                changed.append((replace(source, decision=decision.decision,
                                        reasons=decision.reasons), source.decision))  # fmt: skip
    return changed


def matching_sources(store: SQLiteStore, name: str) -> list[ReferenceSource]:
    """The sources ``name`` designates: ``NAME`` (every version), ``NAME==VERSION``,
    ``NAME@VERSION`` or ``NAME VERSION``."""
    found = []
    for source in store.reference_sources():
        spellings = {source.name, source.label}
        if source.version:
            spellings |= {f"{source.name}=={source.version}", f"{source.name}@{source.version}",
                          f"{source.name}-{source.version}"}  # fmt: skip
        if name in spellings:
            found.append(source)
    return found


def set_trust(
    store: SQLiteStore, name: str, trust: str
) -> tuple[list[ReferenceSource], list[tuple[ReferenceSource, str]]]:
    """Record the user's word on the sources ``name`` designates and decide again; returns
    them as now decided, and the other sources whose decision this changed (with their former
    decision: said, never changed silently). Raises ``InputError`` when no source has that
    name."""
    targets = matching_sources(store, name)
    if not targets:
        known = ", ".join(sorted({s.label for s in store.reference_sources()})) or "none"
        raise InputError(f"no reference source named {name!r} (sources: {known})")
    for source in targets:
        store.set_reference_decision(source.id, source.decision, source.reasons, trust)
    ids = {s.id for s in targets}
    changed = [(s, old) for s, old in redecide(store) if s.id not in ids]
    return [s for s in store.reference_sources() if s.id in ids], changed


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
