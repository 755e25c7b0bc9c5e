"""``leaktrace guard`` at the release step, whole process (issue 13).

    .venv/bin/python -m tests.benchmarks.bench_guard [--lines 10000000] [--work DIR]

The artifact is a real npm tarball of about 1 MB holding about 4 MB of code: ``mobx@6.13.5``
packed by ``npm pack`` (1.03 MB; 4.4 MB unpacked: six bundles, their seven source maps, each
embedding the 54 TypeScript sources, the sources themselves and the type declarations), from the
accuracy benchmark's cache (``~/.cache/leaktrace-bench/npm``) or, without it, fetched with
``npm pack mobx@6.13.5``. The store is the one ``bench_startup_index`` builds: real code
fingerprinted by leaktrace, grown with synthetic files of the real shape to ``--lines`` lines,
with its persistent index built beforehand (as ``fingerprint`` leaves it).

Prints the best and the median of several runs of the whole process (start to exit), without
a store (the source-map checks alone) and with it, and the peak resident memory. This machine is
shared: the load average is printed beside each figure, and the best run is the one that says
what guard costs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.bench_startup_index import ENV, LEAKTRACE, TIME, grow, mib, real_sources

PACKAGE = "mobx-6.13.5"
CACHE = Path.home() / ".cache" / "leaktrace-bench" / "npm" / PACKAGE
REPEATS = 7
TARGET_SECONDS = 1.0


def tarball(work: Path) -> Path:
    """The package as ``npm pack`` makes it."""
    out = work / "artifact"
    out.mkdir(exist_ok=True)
    found = sorted(out.glob("*.tgz"))
    if found:
        return found[0]
    source = str(CACHE) if CACHE.is_dir() else PACKAGE.replace("-6", "@6", 1)
    done = subprocess.run(["npm", "pack", "--ignore-scripts", "--pack-destination", str(out),
                           source], capture_output=True, text=True, check=True)  # fmt: skip
    return out / done.stdout.strip().splitlines()[-1]


def runs(argv: list[str], cwd: Path, repeats: int = REPEATS) -> Runs:
    """``repeats`` runs of the whole process: wall times, CPU times (user and system, of guard
    and of its parser process, which it waits for), and the fastest run's peak resident set
    (KiB), exit code and stdout."""
    found = Runs()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run([str(TIME), "-f", "MAXRSS %M CPU %U %S", *argv], cwd=cwd,
                              env=ENV, capture_output=True, text=True, check=False)  # fmt: skip
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1, 3):
            raise RuntimeError(f"{argv}: exit {done.returncode}: {done.stderr[-2000:]}")
        rss, _, user, system = done.stderr.rsplit("MAXRSS ", 1)[1].split()[:4]
        found.wall.append(seconds)
        found.cpu.append(float(user) + float(system))
        if seconds < best:
            best, found.rss, found.code = seconds, int(rss), done.returncode
    return found


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss: int = 0
    code: int = 0


def line(label: str, found: Runs) -> str:
    best, median = min(found.wall), statistics.median(found.wall)
    verdict = "ok" if best < TARGET_SECONDS else "OVER"
    return (f"{label:<30} best {best:.3f} s, median {median:.3f} s of {len(found.wall)}; CPU "
            f"{min(found.cpu):.2f} s (both processes); peak {mib(found.rss)}; exit "
            f"{found.code}  (target < {TARGET_SECONDS} s: {verdict}; load "
            f"{os.getloadavg()[0]:.1f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="leaktrace-bench-guard-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} "
          "(shared machine: timings are inflated by the other processes)")  # fmt: skip

    tgz = tarball(work)
    with tarfile.open(tgz) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
    unpacked = sum(m.size for m in members)
    maps = [m for m in members if m.name.endswith(".map")]
    print(f"artifact: {tgz.name}, {tgz.stat().st_size / 1e6:.2f} MB, {len(members)} files, "
          f"{unpacked / 1e6:.2f} MB unpacked, {len(maps)} source maps "
          f"({sum(m.size for m in maps) / 1e6:.2f} MB)")  # fmt: skip

    store = work / f"store-{args.lines}.db"
    if not store.exists():
        real = work / "real.db"
        sources = real_sources()
        subprocess.run([*LEAKTRACE, "fingerprint", *map(str, sources), "--store", str(real)],
                       cwd=work, capture_output=True, check=True)  # fmt: skip
        started = time.perf_counter()
        shutil.copy(real, store)
        files, entries = grow(store, args.lines)
        print(f"store made: real part {', '.join(p.name for p in sources)}; {files:,} files, "
              f"{entries:,} fingerprints, {time.perf_counter() - started:.0f} s")  # fmt: skip
    build = [sys.executable, "-c", "import sys; from fingerprints import open_store; from "
             "scanner.index_file import refresh_index; refresh_index(open_store(sys.argv[1]))",
             str(store)]  # fmt: skip
    subprocess.run(build, cwd=work, check=True)
    index = Path(f"{store}.index")
    print(
        f"store: {args.lines:,} lines, {store.stat().st_size / 2**20:,.0f} MiB; index "
        f"{index.stat().st_size / 2**20:,.0f} MiB (built beforehand, as fingerprint does)"
    )

    guard = [*LEAKTRACE, "guard", str(tgz)]
    print(f"\n== leaktrace guard {tgz.name} (whole process) ==")
    print(line("source maps only (no store)", runs(guard, work)))
    report = work / "guard.json"
    with_store = runs([*guard, "--store", str(store), "--json", str(report)], work)
    print(line(f"against {args.lines:,} lines", with_store))
    data = json.loads(report.read_text())
    (artifact,) = data["artifacts"]
    classes: dict[str, int] = {}
    for finding in artifact["findings"]:
        classes[finding["class"]] = classes.get(finding["class"], 0) + 1
    print(
        f"findings: {classes or 'none'}; verdict against the store: "
        f"{artifact['scan']['verdict']}; {artifact['files']} source files read "
        f"({artifact['scan']['scanned']['lines']:,} lines), {artifact['source_maps']} maps"
    )


if __name__ == "__main__":
    main()
