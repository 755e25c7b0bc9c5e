"""Fingerprinting and scanning speed on real code. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_speed

Prints lines/s of fingerprinting on one core (this process is single-threaded; CPU seconds are
printed beside wall seconds), store bytes per 1,000 lines, and scan lines/s; then the cost of
the structural signal (``fingerprints/structure.py``, ``scanner/structural.py``): the store's
bytes that hold it, and a scan of the unrelated code alone (no copy) with it and without it (its
extraction replaced by an empty structure, so nothing is matched either), best CPU time of
``--repeat`` alternate runs.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import fingerprints.normalize
from fingerprints import fingerprint_tree, open_store
from fingerprints.structure import EMPTY
from scanner import FingerprintIndex, LocalTree, ScanContext, Thresholds, scan_candidate
from tests.benchmarks.corpus import python_corpus

STORE_SIDE = ["sqlalchemy", "rich", "click", "jinja2"]
CANDIDATE_SIDE = ["pygments", "werkzeug", "flask", "httpx"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="scans with and without structure")
    repeat = parser.parse_args().repeat
    private_trees = python_corpus(STORE_SIDE)
    other_trees = python_corpus(CANDIDATE_SIDE)
    with tempfile.TemporaryDirectory(prefix="leaktrace-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        lines = files = 0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        with open_store(db, create=True) as store:
            for tree in private_trees:
                summary = fingerprint_tree(tree, store, name=tree.name)
                lines += summary.lines
                files += summary.fingerprinted
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        store_bytes = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
        print(
            f"fingerprint: {files:,} files, {lines:,} lines in {wall:.2f} s wall, {cpu:.2f} s CPU"
        )
        print(
            f"fingerprint: {lines / cpu:,.0f} lines/s per core (CPU), "
            f"{lines / wall:,.0f} lines/s wall"
        )
        print(
            f"store: {store_bytes:,} bytes, {store_bytes / lines * 1000:,.0f} bytes per 1,000 lines"
        )

        # A candidate: unrelated code with one stored package copied in (a derivative).
        candidate = Path(tmp) / "candidate"
        for tree in other_trees:
            shutil.copytree(tree, candidate / tree.name, symlinks=True)
        shutil.copytree(
            private_trees[2], candidate / "vendored" / private_trees[2].name, symlinks=True
        )
        with open_store(db) as store:
            t0 = time.perf_counter()
            index = FingerprintIndex.from_store(store)
            load = time.perf_counter() - t0
            wall0, cpu0 = time.perf_counter(), time.process_time()
            context = ScanContext(index, store.params, Thresholds())
            result = scan_candidate(LocalTree(candidate), context)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        scanned = result.match.lines
        print(
            f"index: {len(index):,} fingerprints of {len(index.files):,} files "
            f"loaded in {load:.2f} s"
        )
        print(
            f"scan: {result.match.files:,} files, {scanned:,} lines in {wall:.2f} s wall "
            f"({scanned / wall:,.0f} lines/s, {scanned / cpu:,.0f} lines/s per core); "
            f"verdict {result.verdict.value}, {result.match.matched_tokens:,} private tokens"
        )
        structural_cost(db, store_bytes, candidate / "unrelated", other_trees, repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")


def structural_cost(db: Path, store_bytes: int, candidate: Path, trees: list[Path],
                    repeat: int) -> None:  # fmt: skip
    """The store bytes and scan time the structural signal costs: the scan of unrelated code
    (``trees``, without the copy) with and without it."""
    for tree in trees:
        shutil.copytree(tree, candidate / tree.name, symlinks=True)
    with sqlite3.connect(db) as con:
        held = con.execute("SELECT coalesce(sum(length(structure)), 0) FROM files").fetchone()[0]
    print(f"structural signal: {held:,} bytes of the store ({held / store_bytes:.1%}; store "
          f"{held / (store_bytes - held):+.1%} over one without it)")  # fmt: skip
    extract = fingerprints.normalize.extract
    best = {"with": float("inf"), "without": float("inf")}
    pairs = 0
    with open_store(db) as store:
        index = FingerprintIndex.from_store(store)
        context = ScanContext(index, store.params, Thresholds())
        for _ in range(repeat):
            for mode in best:
                if mode == "without":  # the scan as it was before the second signal
                    fingerprints.normalize.extract = lambda *args: EMPTY
                try:
                    cpu0 = time.process_time()
                    result = scan_candidate(LocalTree(candidate), context)
                    best[mode] = min(best[mode], time.process_time() - cpu0)
                    pairs = len(result.match.functions) if mode == "with" else pairs
                finally:
                    fingerprints.normalize.extract = extract
    print(f"structural signal: scan {best['with']:.2f} s CPU with it, {best['without']:.2f} s "
          f"without ({best['with'] / best['without'] - 1:+.1%}), best of {repeat}; "
          f"{pairs} function pair(s) matched, verdict {result.verdict.value}")  # fmt: skip


if __name__ == "__main__":
    main()
