"""Start-up and the persistent index, whole process (issue 12).

    .venv/bin/python -m tests.benchmarks.bench_startup_index [--lines 10000000 100000000]

Prints, each as the best of several runs (this machine is shared; timings are noisy):

1. start-up: ``leaktrace --help``, ``leaktrace version``, and a scan of a 1,000-line candidate
   against the samples' store;
2. for each store size: building the index (time, peak memory of the process, size on disk),
   scanning a 1,000-line candidate (time and peak resident memory, whole process), and
   updating the index after one file changed against rebuilding it (time, CPU, peak).

The big stores are real code plus synthetic fingerprint arrays with the real distribution: the
real part is rich 13.7.1, click 8.1.7, Jinja2 3.1.4 and Flask 3.0.3 fingerprinted by leaktrace
(from the accuracy benchmark's cache, ``~/.cache/leaktrace-bench/pypi``; the samples' private
repository when that cache is absent); each synthetic file copies a real file's fingerprint
array (positions, line spans, size) with new hashes: uniform 64-bit values, except that the
share of a real file's hashes also found in other real files is drawn from the real hashes
found in several files, so runs of equal hashes have the real shape. The candidate is the first
1,000 lines of real private files (a derivative).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fingerprints import CONTROL_CODES, FINGERPRINT_DTYPE, Structure

REPO = Path(__file__).resolve().parents[2]
LEAKTRACE = [sys.executable, "-c", "from scanner.launch import main; main()"]
CACHE = Path.home() / ".cache" / "leaktrace-bench" / "pypi"
REAL = ["rich-13.7.1", "click-8.1.7", "jinja2-3.1.4", "flask-3.0.3"]
TIME = Path("/usr/bin/time")
REPEATS = 5
#: Installed packages run from compiled bytecode; this shell may forbid writing it, which would
#: time the compiler on every start.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


PERF = shutil.which("perf")


class Run:
    """One whole-process run: wall seconds, CPU seconds of the process tree, peak RSS (KiB)."""

    def __init__(self, wall: float, cpu: float | None, rss: int, code: int, output: str):
        self.wall, self.cpu, self.rss, self.code, self.output = wall, cpu, rss, code, output

    def cpu_text(self) -> str:
        return "" if self.cpu is None else f", {self.cpu:.2f} s CPU"


def run(argv: list[str], cwd: Path, *, allowed: tuple[int, ...] = (0, 1)) -> Run:
    """``argv`` under GNU time (peak RSS) and, when it works, ``perf stat`` (CPU of every
    process of the tree, the parser processes and pool workers included: on a loaded machine
    the CPU seconds say more than the wall time)."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file, perf_file = Path(tmp) / "rss", Path(tmp) / "perf"
        wrapped = [str(TIME), "-q", "-f", "%M", "-o", str(rss_file), *argv]
        if PERF:
            wrapped = [PERF, "stat", "-x,", "-e", "task-clock", "-o", str(perf_file), *wrapped]
        started = time.perf_counter()
        done = subprocess.run(wrapped, cwd=cwd, env=ENV, capture_output=True, text=True,
                              check=False)  # fmt: skip
        wall = time.perf_counter() - started
        if done.returncode not in allowed:
            raise RuntimeError(f"{argv[:4]}: exit {done.returncode}: {done.stderr[-2000:]}")
        rss = int(rss_file.read_text().split()[-1])
        cpu = None
        if PERF and perf_file.exists():
            for line in perf_file.read_text().splitlines():
                fields = line.split(",")
                if len(fields) > 2 and fields[2] == "task-clock" and fields[0][:1].isdigit():
                    cpu = float(fields[0]) / 1000
        return Run(wall, cpu, rss, done.returncode, done.stdout + done.stderr)


def timed(argv: list[str], cwd: Path, repeats: int = REPEATS, *,
          allowed: tuple[int, ...] = (0, 1), before: Path | None = None) -> Run:  # fmt: skip
    """The fastest of ``repeats`` runs (``before``: files ``before*`` removed before each)."""
    runs = []
    for _ in range(repeats):
        if before is not None:
            for path in before.parent.glob(f"{before.name}*"):
                path.unlink()
        runs.append(run(argv, cwd, allowed=allowed))
    return min(runs, key=lambda r: r.wall)


def real_sources() -> list[Path]:
    found = [CACHE / name / name for name in REAL if (CACHE / name / name).is_dir()]
    return found or [REPO / "samples" / "private" / "acme-ledger"]


def candidate(sources: list[Path], folder: Path) -> Path:
    """The first 1,000 lines of real private Python files, as one candidate file."""
    lines: list[str] = []
    for path in sorted(sources[0].rglob("*.py")):
        if "test" in path.parts[-2:]:
            continue
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
        if len(lines) >= 1000:
            break
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "copied.py").write_text("\n".join(lines[:1000]) + "\n")
    return folder


def grow(store_path: Path, target_lines: int, seed: int = 7) -> tuple[int, int]:
    """Add synthetic private files to ``store_path`` until it holds ``target_lines`` lines;
    (files, fingerprints) in all."""
    rng = np.random.default_rng(seed)
    db = sqlite3.connect(store_path)
    rows = db.execute(
        "SELECT f.fingerprints, f.lines, f.tokens, f.language, f.signature, f.structure"
        " FROM files f JOIN repos r ON r.id = f.repo_id WHERE r.public = 0"
    ).fetchall()
    real = [np.frombuffer(blob, FINGERPRINT_DTYPE) for blob, *_ in rows]
    all_hashes = np.concatenate([a["hash"] for a in real])
    values, counts = np.unique(all_hashes, return_counts=True)
    shared_pool = values[counts > 1]
    shared_share = float(np.isin(all_hashes, shared_pool).mean()) if shared_pool.size else 0.0
    lines = db.execute("SELECT coalesce(sum(lines), 0) FROM files").fetchone()[0]
    db.execute("INSERT INTO repos (name, root, origin, public) VALUES ('synthetic', 'synthetic',"
               " 'synthetic', 0)")  # fmt: skip
    repo_id = db.execute("SELECT id FROM repos WHERE name = 'synthetic'").fetchone()[0]
    number = 0
    while lines < target_lines:
        batch = []
        for _ in range(2000):
            i = int(rng.integers(len(rows)))
            array = real[i].copy()
            fresh = rng.integers(0, 2**64, size=array.shape[0], dtype=np.uint64)
            if shared_pool.size:
                shared = rng.random(array.shape[0]) < shared_share
                fresh[shared] = shared_pool[rng.integers(shared_pool.size, size=int(shared.sum()))]
            array["hash"] = fresh
            array["raw"] = rng.integers(0, 2**64, size=array.shape[0], dtype=np.uint64)
            _, file_lines, tokens, language, signature, structure = rows[i]
            path = f"gen/{number // 1000}/{number}.x"
            batch.append((repo_id, path, language, 0, f"{number:064x}", 0, tokens, file_lines,
                          array.tobytes(), signature, fresh_structure(structure, rng)))  # fmt: skip
            number += 1
            lines += file_lines
            if lines >= target_lines:
                break
        with db:
            db.executemany(
                "INSERT INTO files (repo_id, path, language, size, sha256, mtime_ns, tokens,"
                " lines, fingerprints, signature, structure)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
    files, total = db.execute("SELECT count(*), sum(length(fingerprints)) FROM files").fetchone()
    db.close()
    return files, total // FINGERPRINT_DTYPE.itemsize


def fresh_structure(blob: bytes | None, rng: np.random.Generator) -> bytes | None:
    """A real file's structure (``fingerprints.structure``) with its calls and constants given
    new codes, each distinct one its own (control-flow events kept): the real sizes and shapes,
    without making every copy share the real file's features."""
    if not blob:
        return blob
    structure = Structure.from_bytes(blob)
    events = structure.events.copy()
    named = events >= CONTROL_CODES
    codes, inverse = np.unique(events[named], return_inverse=True)
    fresh = rng.integers(CONTROL_CODES, 2**32, size=codes.shape[0], dtype=np.uint64)
    events[named] = fresh.astype(np.uint32)[inverse]
    return Structure(structure.functions, events).to_bytes()


def mib(kib: int | float) -> str:
    return f"{kib / 1024:,.0f} MiB"


#: Targets per store size: (scan seconds, resident MiB).
TARGETS = {10_000_000: (1.0, 300), 100_000_000: (3.0, 2048)}


def store_section(work: Path, real: Path, copied: Path, lines: int) -> dict[str, float]:
    """Grow ``real`` into a store of ``lines`` lines (kept in ``work`` for the next run), build
    its index and scan ``copied`` against it; prints and returns the figures."""
    print(f"\n== store of {lines:,} lines ==")
    store = work / f"store-{lines}.db"
    if not store.exists():
        started = time.perf_counter()
        shutil.copy(real, store)
        files, entries = grow(store, lines)
        print(f"made: {files:,} files, {entries:,} fingerprints, "
              f"{store.stat().st_size / 2**20:,.0f} MiB store, "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    Path(f"{store}.index").unlink(missing_ok=True)
    build = [sys.executable, "-c", "import sys; from fingerprints import open_store; from "
             "scanner.index_file import write_index; s = open_store(sys.argv[1]); "
             "print(write_index(s))", str(store)]  # fmt: skip
    built = timed(build, work, repeats=1)
    build_seconds, build_rss = built.wall, built.rss
    size = Path(f"{store}.index").stat().st_size
    baseline = timed([sys.executable, "-c", "import numpy, fingerprints.store, "
                      "scanner.index_file"], work, repeats=3).rss  # fmt: skip
    ratio = (build_rss - baseline) * 1024 / size
    print(f"index build: {build_seconds:.1f} s, peak {mib(build_rss)} whole process "
          f"({mib(build_rss - baseline)} above the interpreter with numpy), "
          f"{size / 2**20:,.1f} MiB on disk; peak/size {ratio:.2f} (target <= 1.5: "
          f"{'ok' if ratio <= 1.5 else 'OVER'})")  # fmt: skip
    print(index_bytes(Path(f"{store}.index")))
    argv = [*LEAKTRACE, "scan", str(copied), "--store", str(store), "--jobs", "1",
            "--results", str(work / f"r-{lines}.db")]  # fmt: skip
    scanned = timed(argv, work)
    seconds, rss, stderr = scanned.wall, scanned.rss, scanned.output
    goal = TARGETS.get(lines)
    met = goal is not None and seconds < goal[0] and rss / 1024 < goal[1]
    verdict = ("" if goal is None else f" (target < {goal[0]} s, < {goal[1]} MiB: "
               f"{'ok' if met else 'OVER'})")  # fmt: skip
    print(f"scan 1,000 lines: {seconds:.3f} s{scanned.cpu_text()}, peak {mib(rss)} resident"
          f"{verdict}")  # fmt: skip
    assert "rebuilt" not in stderr, stderr
    update_seconds, rebuild_seconds = update_section(work, store, baseline)
    return {"build_seconds": build_seconds, "index_bytes": size, "peak_ratio": ratio,
            "scan_seconds": seconds, "scan_rss_kib": rss, "met": float(met),
            "update_seconds": update_seconds, "rebuild_seconds": rebuild_seconds}  # fmt: skip


def index_bytes(path: Path) -> str:
    """The index's bytes per private fingerprint, in all and for its largest arrays."""
    from scanner.index_file import IndexFile

    arrays = IndexFile.open(path).arrays
    entries = max(1, arrays["records"].shape[0] if "records" in arrays
                  else arrays["hashes"].shape[0])  # fmt: skip  # format 4 and before: hashes
    largest = sorted(arrays.items(), key=lambda item: -item[1].nbytes)[:6]
    parts = ", ".join(f"{name} {a.nbytes / entries:.2f}" for name, a in largest)
    total = path.stat().st_size / entries
    return (
        f"index: {total:.2f} B per fingerprint ({entries:,} fingerprints; target <= 16: "
        f"{'ok' if total <= 16 else 'OVER'}); largest arrays, B per fingerprint: {parts}"
    )


def update_section(work: Path, store: Path, baseline: int) -> tuple[float, float]:
    """One private file of ``store`` changed (new fingerprints and content hash, as
    ``fingerprint`` writes them): the index updated from the old one (best of 3, the old index
    put back before each) against a full rebuild; the two must be the same file, byte for
    byte."""
    index = Path(f"{store}.index")
    old = work / "old.index"
    shutil.copy(index, old)
    db = sqlite3.connect(store)
    count = db.execute("SELECT count(*) FROM files").fetchone()[0]
    file_id, blob = db.execute("SELECT id, fingerprints FROM files ORDER BY id LIMIT 1 OFFSET ?",
                               (count // 2,)).fetchone()  # fmt: skip
    array = np.frombuffer(blob, FINGERPRINT_DTYPE).copy()
    rng = np.random.default_rng(file_id)
    changed = rng.random(array.shape[0]) < 0.2  # a fifth of its fingerprints are new
    array["hash"][changed] = rng.integers(0, 2**64, size=int(changed.sum()), dtype=np.uint64)
    with db:
        db.execute("UPDATE files SET fingerprints = ?, sha256 = ? WHERE id = ?",
                   (array.tobytes(), f"{rng.integers(2**62):064x}", file_id))  # fmt: skip
    db.close()
    code = ("import sys; from fingerprints import open_store; from scanner.index_file import "
            "write_index; print(write_index(open_store(sys.argv[1]), update={}))")  # fmt: skip
    runs = []
    for _ in range(3):
        shutil.copy(old, index)
        runs.append(run([sys.executable, "-c", code.format(True), str(store)], work))
    updated = min(runs, key=lambda r: r.wall)
    assert "updated=Update(" in updated.output, updated.output
    shutil.copy(index, old)
    rebuilt = run([sys.executable, "-c", code.format(False), str(store)], work)
    assert "updated=None" in rebuilt.output, rebuilt.output
    same = old.read_bytes() == index.read_bytes()
    old.unlink()
    size = index.stat().st_size
    print(f"index update, 1 file changed: {updated.wall:.2f} s{updated.cpu_text()}, peak "
          f"{mib(updated.rss)} ({(updated.rss - baseline) * 1024 / size:.2f}x the index above "
          f"the interpreter); full rebuild: {rebuilt.wall:.2f} s{rebuilt.cpu_text()}, peak "
          f"{mib(rebuilt.rss)}; {rebuilt.wall / updated.wall:.1f}x faster; updated index "
          f"{'identical to' if same else 'DIFFERENT FROM'} the rebuilt one")  # fmt: skip
    assert same
    return updated.wall, rebuilt.wall


def startup_section(work: Path) -> dict[str, float]:
    """``--help``, ``version`` and a 1,000-line scan against the samples' store."""
    print(f"\n== start-up (whole process, best of {REPEATS}) ==")
    samples = work / "samples.db"
    subprocess.run([*LEAKTRACE, "fingerprint", str(REPO / "samples/private/acme-ledger"),
                    "--public", str(REPO / "samples/public/acme-pay-sdk"), "--store",
                    str(samples), "--jobs", "1"],
                   cwd=work, env=ENV, capture_output=True, check=True)  # fmt: skip
    small = candidate([REPO / "samples/private/acme-ledger"], work / "cand-samples")
    scan = ["scan", str(small), "--store", str(samples), "--jobs", "1", "--results",
            str(work / "r.db")]  # fmt: skip
    one_line = work / "one-line"
    one_line.mkdir(exist_ok=True)
    (one_line / "a.py").write_text("x = 1\n")
    fingerprint = ["fingerprint", str(one_line), "--store", str(work / "one-line.db"), "--jobs",
                   "1"]  # fmt: skip
    figures = {}
    for label, argv, target in (("leaktrace --help", ["--help"], 0.3),
                                ("leaktrace version", ["version"], 0.3),
                                ("scan 1,000 lines vs samples", scan, 0.6),
                                ("fingerprint a one-line file", fingerprint, None)):  # fmt: skip
        done = timed([*LEAKTRACE, *argv], work, before=work / "one-line.db")
        verdict = "no target" if target is None else "ok" if done.wall < target else "OVER"
        print(f"{label:<32} {done.wall:6.3f} s{done.cpu_text()}  {mib(done.rss):>8}  "
              f"({f'target < {target} s: ' if target else ''}{verdict})")  # fmt: skip
        figures[label] = done.wall
    return figures


def real_store(work: Path) -> tuple[Path, Path]:
    """The real part of the big stores (fingerprinted once into ``work``) and a candidate."""
    sources = real_sources()
    print(f"\nreal part of the big stores: {', '.join(p.name for p in sources)}")
    real = work / "real.db"
    if not real.exists():
        subprocess.run([*LEAKTRACE, "fingerprint", *map(str, sources), "--store", str(real)],
                       cwd=work, env=ENV, capture_output=True, check=True)  # fmt: skip
    return real, candidate(sources, work / "cand-real")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="leaktrace-bench-index-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    startup_section(work)
    real, copied = real_store(work)
    for lines in args.lines:
        store_section(work, real, copied, lines)


if __name__ == "__main__":
    main()
