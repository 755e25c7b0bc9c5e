"""Document frequency of the store's fingerprints in unrelated public code (the background).

A fingerprint that unrelated projects also contain is common code (an idiom, a framework's
pattern, a snippet everyone copies from the same documentation), not evidence of a leak. Every
k-gram of every background file is looked up among the store's fingerprint hashes, and the store
records, per hash, in how many background files it was seen. Only hashes the store holds are
counted, so the background adds little to the store however large it is; fingerprints added to
the store after the background was learned have no count until it is learned again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from fingerprints.fingerprinter import SourceFile, analyze
from fingerprints.policy import content_problem
from fingerprints.seeds import words
from fingerprints.store import SQLiteStore


@dataclass
class BackgroundSummary:
    label: str
    files: int = 0
    lines: int = 0
    common: int = 0  # store fingerprints seen in at least one of these files
    seeds_dropped: int = 0  # seeds that these files also hold
    digest: str = ""
    seconds: float = 0.0


def learn_background(
    files: Iterable[SourceFile],
    store: SQLiteStore,
    *,
    label: str,
    on_problem: Callable[[str, str], None] | None = None,
) -> BackgroundSummary:
    """Count, for every fingerprint hash of the store, the background files that contain it."""
    started = time.perf_counter()
    summary = BackgroundSummary(label=label)
    stored = store.fingerprint_hashes()
    counts = np.zeros(stored.shape[0], dtype=np.int64)
    digest = hashlib.sha256()
    seeds = set(store.seeds())
    seen_words: set[str] = set()
    for file in files:
        problem = content_problem(file.data, store.params.max_file_bytes)
        if problem:
            if on_problem:
                on_problem(file.path, problem)
            continue
        analysis = analyze(file.data, file.language, store.params)
        hashes = np.unique(analysis.kgrams.hashes)
        if stored.shape[0] and hashes.shape[0]:
            at = np.searchsorted(stored, hashes)
            inside = at < stored.shape[0]
            at = at[inside]
            counts[at[stored[at] == hashes[inside]]] += 1
        if seeds:
            seen_words |= words(file.data) & seeds
        summary.files += 1
        summary.lines += analysis.tokens.lines
        digest.update(f"{file.path}\0{hashlib.sha256(file.data).hexdigest()}\n".encode())
    summary.common = int(np.count_nonzero(counts))
    summary.seeds_dropped = store.drop_seeds(seen_words) if seen_words else 0
    summary.digest = digest.hexdigest()
    store.add_background(
        stored,
        counts,
        {"label": label, "files": summary.files, "lines": summary.lines, "digest": summary.digest},
    )
    summary.seconds = time.perf_counter() - started
    return summary
