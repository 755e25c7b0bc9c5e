"""Learning reference sources: speed against fingerprinting, and a scan's memory with a reference
of ten million lines. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_reference [--quick]

1. Speed, one core each (CPU seconds), on the same trees: fingerprinting Pygments 2.18.0,
   Werkzeug 3.0.3, Flask 3.0.3 and HTTPX 0.27.0 into a scratch store (every file, as public
   code is read), against learning them as
   reference sources into a store of SQLAlchemy 2.0.30, rich 13.7.1, click 8.1.7 and Jinja2 3.1.4,
   in lines per second (the machine is shared: CPU seconds, not wall seconds, are compared).
2. Memory: the Go 1.19 and rustc 1.63 source trees (from Debian's source packages, as
   ``bench_scale`` unpacks them) and the Python packages are learned as reference sources until
   they add up to ten million lines; the private side also holds ``net/http`` of Go, so that every
   source holds stored hashes. Sources past the first pass are the same trees learned again under
   other names: each holds the same hashes again, the worst case for ``reference_hashes``. Then
   ``leaktrace scan`` runs in a child process, and its peak resident memory is read from
   ``/usr/bin/time`` (or ``getrusage``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fingerprints import PrivateSide, SourceMeta, fingerprint_tree, learn_reference, open_store
from scanner.commands.background import _Source, name_version
from scanner.sources import LocalTree
from tests.benchmarks.corpus import CACHE, python_corpus

STORE_SIDE = ["sqlalchemy", "rich", "click", "jinja2"]
REFERENCE_SIDE = ["pygments", "werkzeug", "flask", "httpx"]
BIG = [CACHE / "debian" / "go-1.19.8-src", CACHE / "debian" / "rustc-1.63.0-src"]
TEN_MILLION = 10_000_000


def learn(store_path: Path, trees: list[Path], names: list[str]) -> tuple[int, float, float]:
    """(lines, wall seconds, CPU seconds) of learning trees as reference sources, the way one
    ``leaktrace background`` command reads folders (the private side is loaded once)."""
    lines = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with open_store(store_path) as store:
        private = PrivateSide(store)
        for tree, name in zip(trees, names, strict=True):
            label, version = name_version(name)
            source = _Source(str(tree), LocalTree(tree))
            meta = SourceMeta(label, version, "folder", str(tree))
            lines += learn_reference(source.files(), store, meta, private=private).source.lines
    return lines, time.perf_counter() - wall0, time.process_time() - cpu0


def peak_rss_of(command: list[str]) -> tuple[int, float]:
    """(peak RSS in bytes, seconds) of a child process."""
    started = time.perf_counter()
    if Path("/usr/bin/time").exists():
        done = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True,
                              text=True, check=False)  # fmt: skip
        peak = int(done.stderr.strip().splitlines()[-1]) * 1024
    else:
        subprocess.run(command, capture_output=True, check=False)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return peak, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="Speed only, no 10M-line reference.")
    args = parser.parse_args()
    store_trees = python_corpus(STORE_SIDE)
    reference_trees = python_corpus(REFERENCE_SIDE)
    with tempfile.TemporaryDirectory(prefix="leaktrace-bench-ref-") as tmp:
        db = Path(tmp) / "bench.db"
        with open_store(db, create=True) as store:
            for tree in store_trees:
                fingerprint_tree(tree, store, name=tree.name)
        lines = 0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        with open_store(Path(tmp) / "scratch.db", create=True) as scratch:
            for tree in reference_trees:
                lines += fingerprint_tree(tree, scratch, name=tree.name, public=True).lines
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        print(f"fingerprint: {lines:,} lines, {lines / cpu:,.0f} lines/s per core (CPU), "
              f"{lines / wall:,.0f} lines/s wall")  # fmt: skip
        ref_lines, ref_wall, ref_cpu = learn(db, reference_trees, [t.name for t in reference_trees])
        print(f"reference:   {ref_lines:,} lines, {ref_lines / ref_cpu:,.0f} lines/s per core "
              f"(CPU), {ref_lines / ref_wall:,.0f} lines/s wall")  # fmt: skip
        ratio = (ref_lines / ref_cpu) / (lines / cpu)
        print(f"learning references runs at {ratio:.2f}x the speed of fingerprinting "
              f"({'PASS' if ratio >= 1 else 'FAIL'}: at least as fast)")  # fmt: skip
        if args.quick:
            return
        big = [t for t in BIG if t.is_dir()]
        if not big:
            print("no Debian trees in the cache: run tests.benchmarks.bench_scale once first")
            return
        [go_http] = [p for p in (big[0] / "net" / "http", big[0] / "src" / "net" / "http")
                     if p.is_dir()]  # fmt: skip
        with open_store(db) as store:
            added = fingerprint_tree(go_http, store, name="go-net-http").lines
        print(f"private side: also {added:,} lines of Go's net/http")
        candidate = Path(tmp) / "candidate"
        shutil.copytree(reference_trees[0], candidate / "a", symlinks=True)
        shutil.copytree(store_trees[2], candidate / "vendored", symlinks=True)
        command = [sys.executable, "-m", "scanner", "scan", str(candidate), "--store", str(db),
                   "--jobs", "1", "--results", str(Path(tmp) / "r.db")]  # fmt: skip
        before, seconds = peak_rss_of(command)
        print(f"scan with {ref_lines:,} reference lines: peak {before / 2**20:,.0f} MiB, "
              f"{seconds:.1f} s")  # fmt: skip
        round_ = 0
        trees = [*big, *reference_trees]
        while ref_lines < TEN_MILLION:
            round_ += 1
            for tree in trees:
                n, w, _ = learn(db, [tree], [f"{tree.name}-r{round_}"])
                ref_lines += n
                print(f"  learned {tree.name} (round {round_}): {n:,} lines in {w:.1f} s, "
                      f"{n / w:,.0f} lines/s")  # fmt: skip
                if ref_lines >= TEN_MILLION:
                    break
        with open_store(db) as store:
            sources = len(store.reference_sources())
            pairs = store.reference_hashes()[0].shape[0]
        size = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
        after, seconds = peak_rss_of(command)
        print(f"reference: {ref_lines:,} lines in {sources} sources; {pairs:,} (hash, source) "
              f"pairs stored; store {size / 2**20:,.0f} MiB")  # fmt: skip
        print(f"scan with {ref_lines:,} reference lines: peak {after / 2**20:,.0f} MiB, "
              f"{seconds:.1f} s ({'PASS' if after < 2**30 else 'FAIL'}: under 1 GiB)")  # fmt: skip


if __name__ == "__main__":
    main()
