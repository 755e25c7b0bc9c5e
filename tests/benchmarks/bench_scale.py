"""leaktrace at scale, on real code downloaded at benchmark time. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_scale            # full: ~4 min on 2 cores
    .venv/bin/python -m tests.benchmarks.bench_scale --quick    # reduced sizes: ~1 min

The first full run also downloads about 350 MB of packages and installs Dolos with npm (both
cached afterwards). It needs about 9 GB of memory free for a moment (section 5's largest synthetic
index). Options: ``--only SECTION,...`` and ``--keep`` (keep the scratch folder). The exit status
is 1 when a judged target is missed.

Everything downloaded is pinned and unpacked into the benchmark cache outside the repository
(``$LEAKTRACE_BENCH_CACHE``, default ``~/.cache/leaktrace-bench``): PyPI sdists through pip and
npm tarballs through ``npm pack`` (``tests/benchmarks/corpus.py``), Debian packages through
``apt-get download`` and ``dpkg -x`` (Go and Rust ``-dev`` packages, and the Debian packages that
ship whole source trees: the Go and Rust toolchains' sources, the OpenJDK class library's
``src.zip``, the Python standard library and the Linux kernel's source tarball). Scratch files
(stores, candidates, the source map) go to a temporary folder in that cache, removed at the end.

Sections, each printed as it runs, then a summary with PASS/FAIL per target:

1. Fingerprinting speed (``leaktrace fingerprint``, one process and every core) on at least
   1,000,000 lines of real Python, JavaScript/TypeScript, Go and Rust.
2. Peak memory of that run (the child's max RSS, via GNU time), target < 1 GiB.
3. Store bytes per 1,000 lines.
4. Scan speed, and the headline: a ~1,000,000-line candidate (other real code, plus a few files
   of the store's code planted in it) against a ~10,000,000-line store of distinct real code,
   target < 60 s with the planted files flagged.
5. Lookup latency in indexes of 10,000, 100,000 and 1,000,000 files (synthetic fingerprints),
   target: growth from 10k to 1M files < 3x.
6. The real leak's shape: a >= 50 MB source map embedding >= 500,000 lines of real npm code,
   scanned as ``dist/app.js.map`` against a store of that code, target < 30 s.
7. leaktrace, copydetect 0.5.0 and Dolos (``tests/benchmarks/dolos_bench.mjs``) on the same pair
   of real packages, each timed as a whole process.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from fingerprints import (
    FINGERPRINT_DTYPE,
    StoredFile,
    content_problem,
    open_store,
    third_party_reason,
    walk_tree,
)
from fingerprints.params import FingerprintParams
from scanner import FingerprintIndex
from tests.benchmarks.corpus import CACHE, npm_package, pypi_sdist

REPO = Path(__file__).resolve().parents[2]
DOLOS_SCRIPT = Path(__file__).with_name("dolos_bench.mjs")
DOLOS_VERSION = "3.5.1"
COPYDETECT_VERSION = "0.5.0"
FINGERPRINT_REPEATS = 2
GIB = 1 << 30
MIB = 1 << 20

# -- the corpus: pinned real code ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DebTree:
    """A source tree shipped in a Debian package, unpacked as ``CACHE/debian/<label>``.

    ``inner`` is the tree's folder inside the package, or an archive there (``.zip``, or a
    ``.tar.xz`` of which only the ``members`` folders below its top folder are unpacked). The
    label is the folder's name, hence the repository's name in a store: it must be unique.
    """

    label: str
    package: str
    version: str
    inner: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """One tree of the corpus: a PyPI sdist, an npm package or a Debian package's tree."""

    kind: str  # "pypi", "npm" or "deb"
    name: str
    version: str = ""
    deb: DebTree | None = None

    def fetch(self) -> Path:
        if self.kind == "pypi":
            return pypi_sdist(self.name, self.version)
        if self.kind == "npm":
            return npm_package(self.name, self.version)
        assert self.deb is not None
        return deb_tree(self.deb)

    def describe(self) -> str:
        if self.deb is not None:
            return f"deb {self.deb.package}={self.deb.version} ({self.deb.inner})"
        sep = "==" if self.kind == "pypi" else "@"
        return f"{self.kind} {self.name}{sep}{self.version}"


def pypi(name: str, version: str) -> Source:
    return Source("pypi", name, version)


def npm(name: str, version: str) -> Source:
    return Source("npm", name, version)


def deb(label: str, package: str, version: str, inner: str, *members: str) -> Source:
    return Source("deb", label, version, DebTree(label, package, version, inner, members))


GOCODE = "usr/share/gocode/src"
CARGO = "usr/share/cargo/registry"

# Corpus A: fingerprinting speed and memory (sections 1-3), and the headline's candidate (4).
CORPUS_A_FULL = [
    pypi("django", "5.0.6"),
    npm("webpack", "5.91.0"),
    npm("eslint", "8.57.0"),
    npm("rxjs", "7.8.1"),
    deb("golang-x-tools-0.5.0", "golang-golang-x-tools-dev", "1:0.5.0+ds-1", GOCODE),
    deb("golang-grpc-1.33.3", "golang-google-grpc-dev", "1.33.3-2", GOCODE),
    deb("rust-tokio-1.24.2", "librust-tokio-dev", "1.24.2-1", f"{CARGO}/tokio-1.24.2"),
    deb("rust-syn-1.0.107", "librust-syn-dev", "1.0.107-1", f"{CARGO}/syn-1.0.107"),
    deb(
        "rust-regex-syntax-0.6.27",
        "librust-regex-syntax-dev",
        "0.6.27-1",
        f"{CARGO}/regex-syntax-0.6.27",
    ),
    deb("rust-clap-4.0.32", "librust-clap-dev", "4.0.32-1", f"{CARGO}/clap-4.0.32"),
]
CORPUS_A_QUICK = [
    pypi("werkzeug", "3.0.3"),
    npm("eslint", "8.57.0"),
    npm("rxjs", "7.8.1"),
    deb("golang-grpc-1.33.3", "golang-google-grpc-dev", "1.33.3-2", GOCODE),
    deb("rust-syn-1.0.107", "librust-syn-dev", "1.0.107-1", f"{CARGO}/syn-1.0.107"),
    deb("rust-clap-4.0.32", "librust-clap-dev", "4.0.32-1", f"{CARGO}/clap-4.0.32"),
]

GO_SRC = deb("go-1.19.8-src", "golang-1.19-src", "1.19.8-2", "usr/share/go-1.19/src")
PY_STDLIB = deb(
    "python-3.11.2-stdlib", "libpython3.11-stdlib", "3.11.2-6+deb12u9", "usr/lib/python3.11"
)
OPENJDK = deb(
    "openjdk-17.0.21-src",
    "openjdk-17-source",
    "17.0.21+9-1~deb12u1",
    "usr/lib/jvm/openjdk-17/lib/src.zip",
)
RUST_SRC = deb("rustc-1.63.0-src", "rust-src", "1.63.0+dfsg1-2", "usr/src/rustc-1.63.0")
LINUX = deb(
    "linux-6.1.192-kernel-mm-fs",
    "linux-source-6.1",
    "6.1.192-2",
    "usr/src/linux-source-6.1.tar.xz",
    "kernel",
    "mm",
    "fs",
)

# The store of the headline scan: distinct real code in five languages, about 10M lines.
STORE_FULL = [OPENJDK, RUST_SRC, GO_SRC, PY_STDLIB, LINUX]
STORE_QUICK = [GO_SRC, PY_STDLIB]

# Files of the store planted into the headline's candidate: (store tree label, path in it).
PLANT_QUICK = [
    ("go-1.19.8-src", "encoding/csv/reader.go"),
    ("go-1.19.8-src", "text/tabwriter/tabwriter.go"),
    ("python-3.11.2-stdlib", "difflib.py"),
]
PLANT_FULL = [
    *PLANT_QUICK,
    ("openjdk-17.0.21-src", "java.base/java/util/ArrayDeque.java"),
    ("rustc-1.63.0-src", "library/alloc/src/collections/linked_list.rs"),
    ("linux-6.1.192-kernel-mm-fs", "kernel/kthread.c"),
]
PLANT_FOLDER = "planted"

# The source map: large npm packages whose JavaScript/TypeScript the map embeds.
MAP_FULL = [
    npm("echarts", "5.5.0"),
    npm("monaco-editor", "0.47.0"),
    npm("effect", "3.1.0"),
    npm("@mui/material", "5.15.15"),
]
MAP_QUICK = [npm("rxjs", "7.8.1"), npm("lodash", "4.17.21")]
MAP_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})


@dataclass(frozen=True, slots=True)
class Pair:
    """Section 7: a 'private' package, and a candidate package with part of it copied in."""

    private: Source
    private_part: str  # folder of the private tree copied into the candidate
    candidate: Source
    into: str  # where in the candidate it goes
    language: str  # Dolos's language name
    extension: str  # copydetect's extension, without the dot


PAIR_FULL = Pair(
    npm("eslint", "8.57.0"),
    "lib/rules",
    npm("webpack", "5.91.0"),
    "lib/lint-rules",
    "javascript",
    "js",
)
PAIR_QUICK = Pair(
    pypi("werkzeug", "3.0.3"),
    "werkzeug-3.0.3/src/werkzeug/routing",
    pypi("flask", "3.0.3"),
    "flask-3.0.3/src/flask/routing_copy",
    "python",
    "py",
)


@dataclass(frozen=True, slots=True)
class Plan:
    quick: bool
    corpus_a: list[Source]
    store: list[Source]
    plant: list[tuple[str, str]]
    map_sources: list[Source]
    lookup_files: list[int]
    pair: Pair


FULL = Plan(
    False, CORPUS_A_FULL, STORE_FULL, PLANT_FULL, MAP_FULL, [10_000, 100_000, 1_000_000], PAIR_FULL
)
QUICK = Plan(
    True,
    CORPUS_A_QUICK,
    STORE_QUICK,
    PLANT_QUICK,
    MAP_QUICK,
    [10_000, 100_000, 300_000],
    PAIR_QUICK,
)


def deb_tree(tree: DebTree) -> Path:
    """The unpacked tree of a pinned Debian package (downloaded and unpacked once)."""
    target = CACHE / "debian" / tree.label
    if target.is_dir():
        return target
    downloads = CACHE / "downloads" / "deb"
    downloads.mkdir(parents=True, exist_ok=True)
    quoted = tree.version.replace(":", "%3a")
    found = sorted(downloads.glob(f"{tree.package}_{quoted}_*.deb"))
    if not found:
        done = subprocess.run(
            ["apt-get", "download", "-q", f"{tree.package}={tree.version}"],
            cwd=downloads,
            capture_output=True,
            text=True,
        )
        found = sorted(downloads.glob(f"{tree.package}_{quoted}_*.deb"))
        if done.returncode != 0 or not found:
            raise RuntimeError(
                f"apt-get download {tree.package}={tree.version} failed (exit "
                f"{done.returncode}): {done.stderr.strip()[-400:]} -- if this pinned version "
                "left the archive, update the pin in bench_scale.py"
            )
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    subprocess.run(["dpkg", "-x", str(found[0]), str(partial / "pkg")], check=True)
    inner = partial / "pkg" / tree.inner
    if tree.inner.endswith(".zip"):
        with zipfile.ZipFile(inner) as zipped:
            zipped.extractall(partial / "tree")
    elif tree.inner.endswith(".tar.xz"):
        top = inner.name.removesuffix(".tar.xz")
        (partial / "unpacked").mkdir()
        subprocess.run(
            [
                "tar",
                "-xJf",
                str(inner),
                "-C",
                str(partial / "unpacked"),
                *[f"{top}/{member}" for member in tree.members],
            ],
            check=True,
        )
        (partial / "unpacked" / top).rename(partial / "tree")
    else:
        inner.rename(partial / "tree")
    (partial / "tree").rename(target)
    shutil.rmtree(partial)
    return target


def fetch_all(sources: Iterable[Source]) -> list[Path]:
    return [source.fetch() for source in sources]


# -- measuring child processes ------------------------------------------------------------------


@dataclass
class Measured:
    """A finished child process: its output and what it cost."""

    command: list[str]
    code: int
    wall: float
    cpu: float  # user + system seconds of the child and every descendant it waited for
    max_rss: int  # bytes: the largest single process of the tree (GNU time's %M)
    tree_peak: int  # bytes: the largest sampled sum of PSS over the whole process tree
    stdout: str
    stderr: str
    others: float  # cores busy with other processes of the machine meanwhile, on average

    @property
    def load_note(self) -> str:
        return f"other load on the machine meanwhile: {self.others:.1f} of {os.cpu_count()} cores"


def busy_cpu_seconds() -> float:
    """CPU seconds every process of the machine has used since boot (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_pss(root: int) -> int:
    """Proportional set size of a process and all its descendants (shared pages split)."""
    children = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss(pid)
        todo.extend(children.get(pid, []))
    return total


TIME = Path("/usr/bin/time")


def run_measured(
    command: list[str],
    *,
    cwd: Path | None = None,
    sample: bool = True,
    timeout: float = 1800.0,
) -> Measured:
    """Run ``command``; wall time, CPU and peak memory of it and its descendants.

    The peak RSS comes from GNU time, which forks the command from its own small process:
    ``wait4`` straight on a child spawned by this (possibly large) process would report this
    process's high-water mark instead, since Linux carries it over ``vfork`` + ``exec``.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        wrapped = (
            [str(TIME), "-q", "-f", "%M", "-o", rss.name, *command] if TIME.exists() else command
        )
        busy = busy_cpu_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        peak = 0
        done = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.wait(0.2):
                if sample:
                    peak = max(peak, tree_pss(proc.pid))
                if time.perf_counter() - started > timeout:
                    os.killpg(proc.pid, signal.SIGKILL)  # the group this call started

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        cpu = usage.ru_utime + usage.ru_stime
        others = busy_cpu_seconds() - busy - cpu
        done.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        reported = rss.read().split()
        max_rss = int(reported[-1]) * 1024 if TIME.exists() and reported else usage.ru_maxrss * 1024
        out.seek(0)
        err.seek(0)
        return Measured(
            command=command,
            code=proc.returncode,
            wall=wall,
            cpu=cpu,
            max_rss=max_rss,
            tree_peak=peak,
            stdout=out.read().decode("utf-8", errors="replace"),
            stderr=err.read().decode("utf-8", errors="replace"),
            others=max(0.0, others / wall),
        )


def in_process_seconds(run: Measured) -> float:
    """The sum of the per-repository times ``leaktrace fingerprint`` prints."""
    times = re.findall(r" lines in ([0-9.]+) s \(", run.stdout + run.stderr)
    return sum(float(t) for t in times)


def leaktrace(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("leaktrace")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "scanner"]
    return [*base, *args]


def check_ok(run: Measured, allowed: tuple[int, ...] = (0,)) -> Measured:
    if run.code not in allowed:
        raise RuntimeError(
            f"{' '.join(run.command[:3])} ... exited {run.code}:\n{run.stderr[-3000:]}"
        )
    return run


# -- small helpers -------------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / MIB:,.0f} MiB"


def store_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


@dataclass(frozen=True, slots=True)
class StoreStats:
    files: int
    lines: int
    tokens: int
    repos: list[tuple[str, int, int]]  # name, files, lines
    size: int


def store_stats(db: Path) -> StoreStats:
    with open_store(db) as store:
        repos = store.repos()
    return StoreStats(
        files=sum(r.files for r in repos),
        lines=sum(r.lines for r in repos),
        tokens=sum(r.tokens for r in repos),
        repos=[(r.name, r.files, r.lines) for r in repos],
        size=store_bytes(db),
    )


def print_repos(stats: StoreStats, sources: list[Source]) -> None:
    described = {s.deb.label if s.deb else "": s.describe() for s in sources}
    for name, files, lines in stats.repos:
        origin = described.get(name) or next(
            (
                s.describe()
                for s in sources
                if s.kind != "deb" and name.startswith(s.name.replace("@", "").replace("/", "__"))
            ),
            "",
        )
        print(f"    {name:34} {files:>7,} files {lines:>11,} lines   {origin}")


def hardlink_tree(src: Path, dst: Path) -> None:
    """A copy of ``src`` at ``dst`` made of hard links (same file system), else real copies."""

    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, symlinks=True, copy_function=link)


def read_report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    [candidate] = data["candidates"]
    return dict(candidate)


@dataclass
class Check:
    section: str
    figure: str
    target: str
    passed: bool | None  # None: information, or not judged at quick sizes


@dataclass
class Results:
    quick: bool
    checks: list[Check] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(
        self,
        section: str,
        figure: str,
        target: str = "",
        passed: bool | None = None,
        *,
        sized: bool = False,
    ) -> None:
        """``sized``: the target is about sizes only the full run reaches."""
        self.checks.append(Check(section, figure, target, None if sized and self.quick else passed))


def header(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


# -- 1-3: fingerprinting speed, memory, store size ----------------------------------------------


def section_fingerprint(plan: Plan, work: Path, results: Results) -> None:
    header("1-3. Fingerprinting real code (leaktrace fingerprint, whole process)")
    trees = fetch_all(plan.corpus_a)
    runs: dict[int, tuple[Measured, StoreStats]] = {}
    for jobs in (1, 2):
        for attempt in range(FINGERPRINT_REPEATS):  # best of N: the machine may be shared
            db = work / f"corpus-a-jobs{jobs}-{attempt}.db"
            run = check_ok(
                run_measured(
                    leaktrace(
                        "fingerprint", *map(str, trees), "--store", str(db), "--jobs", str(jobs)
                    )
                )
            )
            if jobs not in runs or run.wall < runs[jobs][0].wall:
                runs[jobs] = (run, store_stats(db))
    one, stats = runs[1]
    two, stats2 = runs[2]
    print(
        f"  corpus A: {stats.lines:,} lines fingerprinted in {stats.files:,} files "
        f"({stats.tokens:,} tokens):"
    )
    print_repos(stats, plan.corpus_a)
    assert stats2.lines == stats.lines, "--jobs 1 and --jobs 2 stored different line counts"
    per_core = stats.lines / one.cpu
    inside = in_process_seconds(one)
    print(f"  best of {FINGERPRINT_REPEATS} runs each (fresh store each time)")
    print(
        f"  --jobs 1: {one.wall:.1f} s wall, {one.cpu:.1f} s CPU -> {per_core:,.0f} lines/s "
        f"per core (CPU), {stats.lines / one.wall:,.0f} lines/s wall; without interpreter "
        f"start-up (the CLI's own per-repository times, {inside:.1f} s): "
        f"{stats.lines / inside:,.0f} lines/s ({one.load_note})"
    )
    print(
        f"  --jobs 2: {two.wall:.1f} s wall, {two.cpu:.1f} s CPU (all processes) -> "
        f"{stats.lines / two.wall:,.0f} lines/s wall with 2 cores, speed-up "
        f"{one.wall / two.wall:.2f}x ({two.load_note})"
    )
    print(f"  peak memory, --jobs 1 (one process, max RSS): {mib(one.max_rss)}")
    print(
        f"  peak memory, --jobs 2 (largest process {mib(two.max_rss)}; whole tree, sampled "
        f"PSS: {mib(two.tree_peak)})"
    )
    per_kline = stats.size / stats.lines * 1000
    print(f"  store: {stats.size:,} bytes, {per_kline:,.0f} bytes per 1,000 lines")
    results.add(
        "1 fingerprint, 1 core",
        f"{per_core:,.0f} lines/s per core ({stats.lines:,} lines, {one.cpu:.1f} s CPU, "
        f"{one.wall:.1f} s wall)",
        ">= 1,000,000 lines of real code",
        stats.lines >= 1_000_000,
        sized=True,
    )
    results.add(
        "1 fingerprint, 2 cores",
        f"{stats.lines / two.wall:,.0f} lines/s wall ({two.wall:.1f} s wall, "
        f"{two.cpu:.1f} s CPU, {one.wall / two.wall:.2f}x)",
    )
    results.add(
        "2 peak RSS, 1 process",
        f"{mib(one.max_rss)} fingerprinting {stats.lines:,} lines",
        "< 1 GiB",
        one.max_rss < GIB,
    )
    results.add(
        "2 peak memory, 2 cores",
        f"{mib(two.tree_peak)} (PSS of all processes)",
        "< 1 GiB",
        two.tree_peak < GIB,
    )
    results.add(
        "3 store size",
        f"{per_kline:,.0f} bytes per 1,000 lines "
        f"({stats.size / MIB:,.1f} MiB for {stats.lines:,} lines)",
    )


# -- 4: the headline scan -----------------------------------------------------------------------


def planted_copy(
    candidate: Path, store_trees: dict[str, Path], plant: list[tuple[str, str]]
) -> list[str]:
    """Copy files of the store's code into the candidate; their candidate paths."""
    paths = []
    for label, rel in plant:
        src = store_trees[label] / rel
        if not src.is_file():
            raise RuntimeError(f"planted file {label}/{rel} is missing from the store's tree")
        dst = candidate / PLANT_FOLDER / label / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        paths.append(f"{PLANT_FOLDER}/{label}/{rel}")
    return paths


def section_headline(plan: Plan, work: Path, results: Results) -> None:
    header("4. Scan: ~1M-line candidate against a ~10M-line store (whole process, --jobs 2)")
    store_trees = {s.name: s.fetch() for s in plan.store}
    db = work / "big-store.db"
    build = check_ok(
        run_measured(
            leaktrace(
                "fingerprint", *map(str, store_trees.values()), "--store", str(db), "--jobs", "2"
            )
        )
    )
    stats = store_stats(db)
    print(
        f"  store: {stats.lines:,} lines of distinct real code in {stats.files:,} files, "
        f"{stats.size / MIB:,.0f} MiB ({stats.size / stats.lines * 1000:,.0f} bytes per 1,000 "
        f"lines); fingerprinted in {build.wall:.1f} s wall, {build.cpu:.1f} s CPU "
        f"({stats.lines / build.wall:,.0f} lines/s, {stats.lines / build.cpu:,.0f} per core; "
        f"{build.load_note})"
    )
    print_repos(stats, plan.store)

    candidate = work / "candidate"
    candidate.mkdir()
    for tree in fetch_all(plan.corpus_a):
        hardlink_tree(tree, candidate / tree.name)
    planted = planted_copy(candidate, store_trees, plan.plant)

    report = work / "headline.json"
    scan = check_ok(
        run_measured(
            leaktrace(
                "scan",
                str(candidate),
                "--store",
                str(db),
                "--results",
                str(work / "headline-results.db"),
                "--json",
                str(report),
                "--jobs",
                "2",
            )
        ),
        allowed=(0, 1),
    )
    result = read_report(report)
    scanned = result["scanned"]
    pairs = result["files"]
    flagged_planted = sorted({p["candidate_path"] for p in pairs if p["candidate_path"] in planted})
    others = [p for p in pairs if not p["candidate_path"].startswith(PLANT_FOLDER + "/")]
    problems = sum(1 for line in scan.stderr.splitlines() if line.startswith("leaktrace: "))
    print(
        f"  candidate: {scanned['lines']:,} lines in {scanned['files']:,} files (corpus A, "
        f"plus {len(planted)} planted files of the store's code)"
    )
    print(
        f"  leaktrace scan: {scan.wall:.1f} s wall ({scan.cpu:.1f} s CPU; the scan itself "
        f"{scanned['seconds']:.1f} s, the rest is start-up, store digest, index load and "
        f"reports), peak memory {mib(scan.tree_peak)} (PSS, all processes), largest process "
        f"{mib(scan.max_rss)}; {problems:,} problem lines on stderr; {scan.load_note}"
    )
    print(
        f"  scan speed: {scanned['lines'] / scan.wall:,.0f} lines/s (whole process), "
        f"{scanned['lines'] / scanned['seconds']:,.0f} lines/s (scan loop), "
        f"{scanned['lines'] / scan.cpu:,.0f} lines/s per core (CPU)"
    )
    print(
        f"  verdict: {result['verdict']} ({result['matched_tokens']:,} private tokens, longest "
        f"fragment {result['longest_fragment']:,}); {len(flagged_planted)}/{len(planted)} "
        f"planted files among the {len(pairs)} file pairs"
    )
    for path in planted:
        best = max((p["containment"] for p in pairs if p["candidate_path"] == path), default=0.0)
        print(
            f"    {'flagged' if path in flagged_planted else 'MISSED '} {path} "
            f"(containment {best:.2f})"
        )
    if others:
        best: dict[str, dict[str, Any]] = {}
        for p in others:
            if p["matched_tokens"] > best.get(p["candidate_path"], {}).get("matched_tokens", -1):
                best[p["candidate_path"]] = p
        print(
            f"  also shared with the store, outside the plant: {len(others)} file pair(s) of "
            f"{len(best)} candidate file(s); the largest:"
        )
        for p in sorted(best.values(), key=lambda p: -p["matched_tokens"])[:5]:
            print(
                f"    {p['candidate_path']} ~ {p['private_repo']}/{p['private_path']} "
                f"({p['matched_tokens']:,} tokens, longest fragment {p['longest_fragment']})"
            )
    # Where the fixed cost goes: the same steps the CLI takes before scanning, in this process.
    with open_store(db) as store:
        t0 = time.perf_counter()
        store.digest()
        t1 = time.perf_counter()
        index = FingerprintIndex.from_store(store)
        t2 = time.perf_counter()
    arrays = sum(
        getattr(index, name).nbytes
        for name in (
            "hashes",
            "raw",
            "file",
            "pos",
            "line_start",
            "line_end",
            "fanout",
            "background",
            "boilerplate",
            "public_hashes",
        )
    )
    print(
        f"  fixed costs (in this process): store digest {t1 - t0:.1f} s, index load "
        f"{t2 - t1:.1f} s; index: {len(index):,} fingerprints of {len(index.files):,} files, "
        f"{mib(arrays)} of arrays"
    )
    del index
    gc.collect()

    ok = result["verdict"] == "derivative" and len(flagged_planted) == len(planted)
    results.add(
        "4 store size",
        f"{stats.lines:,} lines in {stats.files:,} files, {stats.size / MIB:,.0f} MiB",
        "~10,000,000 lines",
        stats.lines >= 9_500_000,
        sized=True,
    )
    results.add(
        "4 headline scan",
        f"{scanned['lines']:,}-line candidate in {scan.wall:.1f} s wall",
        "< 60 s",
        scan.wall < 60,
    )
    results.add(
        "4 planted derivative",
        f"verdict {result['verdict']}, {len(flagged_planted)}/{len(planted)} planted files flagged",
        "derivative, all flagged",
        ok,
    )
    results.add(
        "4 scan speed",
        f"{scanned['lines'] / scan.wall:,.0f} lines/s whole process, "
        f"{scanned['lines'] / scan.cpu:,.0f} lines/s per core",
    )
    results.add("4 scan memory", f"{mib(scan.tree_peak)} PSS, all processes")


# -- 5: lookup latency --------------------------------------------------------------------------

LOOKUP_CANDIDATE = 50_000
LOOKUP_HIT_SHARE = 0.1
LOOKUP_REPEATS = 15


def own_memory(field: str = "VmRSS") -> int:
    """This process's ``VmRSS`` (now) or ``VmHWM`` (peak since exec), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def lookup_child(files: int) -> dict[str, Any]:
    """Build an index of ``files`` synthetic files (~60 fingerprints each) and time lookups."""
    rng = np.random.default_rng(files)
    baseline = own_memory()
    counts = rng.integers(30, 91, size=files)  # 60 on average
    total = int(counts.sum())
    records = np.zeros(total, dtype=FINGERPRINT_DTYPE)
    records["hash"] = rng.integers(0, np.iinfo(np.uint64).max, size=total, dtype=np.uint64)
    records["raw"] = rng.integers(0, np.iinfo(np.uint64).max, size=total, dtype=np.uint64)
    starts = np.cumsum(counts) - counts
    within = np.arange(total) - np.repeat(starts, counts)
    records["pos"] = within * 7
    records["line_start"] = within * 2 + 1
    records["line_end"] = within * 2 + 4
    private = [
        StoredFile(
            i,
            1 + i % 100,
            f"pkg{i % 1000}/module_{i}.py",
            "python",
            int(n) * 7 + 20,
            int(n) * 2 + 10,
            f"{i:064x}",
            records[s : s + n],
        )
        for i, (s, n) in enumerate(zip(starts.tolist(), counts.tolist(), strict=True))
    ]
    names = {r: f"repo{r}" for r in range(1, 101)}
    t0 = time.perf_counter()
    index = FingerprintIndex.build(private, [], names, 20, 12)
    build = time.perf_counter() - t0
    del private, records, starts, within
    gc.collect()
    resident = own_memory() - baseline
    arrays = sum(
        getattr(index, name).nbytes
        for name in (
            "hashes",
            "raw",
            "file",
            "pos",
            "line_start",
            "line_end",
            "fanout",
            "background",
            "boilerplate",
            "public_hashes",
        )
    )

    hits = int(LOOKUP_CANDIDATE * LOOKUP_HIT_SHARE)
    candidate = np.concatenate(
        [
            rng.choice(index.table.entries(0, index.table.records[:])[0], size=hits),
            rng.integers(0, np.iinfo(np.uint64).max, size=LOOKUP_CANDIDATE - hits, dtype=np.uint64),
        ]
    )
    rng.shuffle(candidate)
    lo, hi = index.ranges(candidate)  # warm-up, and a check
    found = int(np.count_nonzero(hi > lo))
    timings = []
    for _ in range(LOOKUP_REPEATS):
        t0 = time.perf_counter()
        index.ranges(candidate)
        timings.append(time.perf_counter() - t0)
    sorted_candidate = np.sort(candidate)
    sorted_timings = []
    for _ in range(LOOKUP_REPEATS):
        t0 = time.perf_counter()
        index.ranges(sorted_candidate)
        sorted_timings.append(time.perf_counter() - t0)
    peak = own_memory("VmHWM")  # not ru_maxrss: that one includes the parent's, see run_measured
    return {
        "files": files,
        "fingerprints": len(index),
        "build_seconds": build,
        "arrays_bytes": arrays,
        "resident_bytes": resident,
        "peak_bytes": peak,
        "found": found,
        "hits": hits,
        "us_per_lookup": statistics.median(timings) / LOOKUP_CANDIDATE * 1e6,
        "us_per_lookup_sorted": statistics.median(sorted_timings) / LOOKUP_CANDIDATE * 1e6,
    }


def section_lookup(plan: Plan, work: Path, results: Results) -> None:
    header(
        f"5. Lookup latency: a {LOOKUP_CANDIDATE:,}-hash candidate "
        f"({LOOKUP_HIT_SHARE:.0%} present) in synthetic indexes, index.ranges"
    )
    rows = []
    for files in plan.lookup_files:
        run = check_ok(
            run_measured(
                [
                    sys.executable,
                    "-m",
                    "tests.benchmarks.bench_scale",
                    "--lookup-child",
                    str(files),
                ],
                cwd=REPO,
                sample=False,
            )
        )
        row = json.loads(run.stdout.strip().splitlines()[-1])
        assert row["found"] >= row["hits"], row
        rows.append(row)
        print(
            f"  {files:>9,} files, {row['fingerprints']:>11,} fingerprints: "
            f"{row['us_per_lookup']:.3f} us/lookup ({row['us_per_lookup_sorted']:.3f} with the "
            f"candidate sorted); index {mib(row['arrays_bytes'])} of arrays, "
            f"{mib(row['resident_bytes'])} resident, built in {row['build_seconds']:.1f} s, "
            f"peak {mib(row['peak_bytes'])} while building",
            flush=True,
        )
    first, last = rows[0], rows[-1]
    growth = last["us_per_lookup"] / first["us_per_lookup"]
    growth_sorted = last["us_per_lookup_sorted"] / first["us_per_lookup_sorted"]
    span = f"{first['files']:,} -> {last['files']:,} files"
    print(f"  growth {span}: {growth:.2f}x ({growth_sorted:.2f}x with the candidate sorted)")
    results.add(
        "5 lookup latency",
        f"{first['us_per_lookup']:.3f} -> {last['us_per_lookup']:.3f}"
        f" us/lookup, {span}: {growth:.2f}x (sorted candidate {growth_sorted:.2f}x)",
        "growth 10k -> 1M files < 3x",
        growth < 3,
        sized=True,
    )
    results.add(
        "5 index memory",
        f"{mib(last['arrays_bytes'])} arrays, "
        f"{mib(last['resident_bytes'])} resident for {last['fingerprints']:,} "
        f"fingerprints ({last['resident_bytes'] / last['fingerprints']:.0f} B each); "
        f"peak {mib(last['peak_bytes'])} while building",
    )


# -- 6: the source map --------------------------------------------------------------------------

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def vlq(value: int) -> str:
    """One Base64 VLQ number of a source map's ``mappings``."""
    rest = (-value << 1) | 1 if value < 0 else value << 1
    out = ""
    while True:
        digit, rest = rest & 31, rest >> 5
        out += _B64[digit | (32 if rest else 0)]
        if not rest:
            return out


def map_sources(trees: list[Path]) -> Iterator[tuple[str, str]]:
    """(embedded path, text) of every JS/TS file the private side would fingerprint."""
    limit = FingerprintParams().max_file_bytes
    for tree in trees:
        for entry in walk_tree(tree, private=True):
            if entry.skip or entry.language not in MAP_LANGUAGES:
                continue
            data = entry.absolute.read_bytes()
            if content_problem(data, limit) or third_party_reason(PurePosixPath(entry.path), data):
                continue
            yield f"webpack:///./src/{tree.name}/{entry.path}", data.decode("utf-8", "replace")


def write_source_map(trees: list[Path], path: Path) -> tuple[int, int, int]:
    """A ``{"version": 3, ...}`` map of a bundle concatenating all sources, one mapping per
    line. Returns (bytes, embedded files, embedded lines)."""
    sources: list[str] = []
    contents: list[str] = []
    segments: list[str] = []
    previous_line = 0
    lines = 0
    for name, text in map_sources(trees):
        count = text.count("\n") + (0 if text.endswith("\n") else 1)
        source_delta = 0 if not sources else 1
        sources.append(name)
        contents.append(text)
        for line in range(count):
            delta_line = line - previous_line
            segments.append("A" + vlq(source_delta if line == 0 else 0) + vlq(delta_line) + "A")
            previous_line = line
        lines += count
    data = {
        "version": 3,
        "file": "app.js",
        "sources": sources,
        "sourcesContent": contents,
        "names": [],
        "mappings": ";".join(segments),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path.stat().st_size, len(sources), lines


def section_source_map(plan: Plan, work: Path, results: Results) -> None:
    header("6. The leak's shape: one large source map, scanned as dist/app.js.map")
    trees = fetch_all(plan.map_sources)
    for source, tree in zip(plan.map_sources, trees, strict=True):
        print(f"    {tree.name:34} {source.describe()}")
    db = work / "map-store.db"
    build = check_ok(
        run_measured(leaktrace("fingerprint", *map(str, trees), "--store", str(db), "--jobs", "2"))
    )
    stats = store_stats(db)
    candidate = work / "map-candidate"
    t0 = time.perf_counter()
    size, files, lines = write_source_map(trees, candidate / "dist" / "app.js.map")
    (candidate / "dist" / "app.js").write_text(
        "(()=>{'use strict';})();\n//# sourceMappingURL=app.js.map\n"
    )
    written = time.perf_counter() - t0
    print(
        f"  store: {stats.lines:,} lines in {stats.files:,} files, fingerprinted in "
        f"{build.wall:.1f} s (--jobs 2; {build.load_note})"
    )
    print(
        f"  map: {size / MIB:,.1f} MiB, {files:,} embedded files, {lines:,} embedded lines "
        f"(written in {written:.1f} s)"
    )
    report = work / "map.json"
    scan = check_ok(
        run_measured(
            leaktrace(
                "scan",
                str(candidate),
                "--store",
                str(db),
                "--results",
                str(work / "map-results.db"),
                "--json",
                str(report),
                "--jobs",
                "2",
            )
        ),
        allowed=(0, 1),
    )
    result = read_report(report)
    scanned = result["scanned"]
    print(
        f"  leaktrace scan: {scan.wall:.1f} s wall ({scan.cpu:.1f} s CPU; scan loop "
        f"{scanned['seconds']:.1f} s), peak memory {mib(scan.tree_peak)} (PSS, all processes),"
        f" largest process {mib(scan.max_rss)}; {scan.load_note}"
    )
    print(
        f"  scanned {scanned['files']:,} files, {scanned['lines']:,} lines; verdict "
        f"{result['verdict']}, {result['matched_tokens']:,} private tokens "
        f"(score {result['score']:.3f}), {len(result['files']):,} file pairs; JSON report "
        f"{report.stat().st_size / MIB:,.1f} MiB, results database "
        f"{store_bytes(work / 'map-results.db') / MIB:,.1f} MiB"
    )
    discounted = ", ".join(f"{k} {v:,}" for k, v in result["discounted_tokens"].items() if v)
    print(f"  discounted candidate tokens: {discounted}")
    results.add(
        "6 source map size",
        f"{size / MIB:,.1f} MiB embedding {lines:,} lines",
        ">= 50 MB, >= 500,000 lines",
        size >= 50_000_000 and lines >= 500_000,
        sized=True,
    )
    results.add(
        "6 source map scan",
        f"{scan.wall:.1f} s wall, verdict {result['verdict']}",
        "< 30 s, derivative",
        scan.wall < 30 and result["verdict"] == "derivative",
    )


# -- 7: comparison with copydetect and Dolos -----------------------------------------------------

COPYDETECT_SCRIPT = """
import json, sys, time
from copydetect import CopyDetector
test_dir, ref_dir, extension, out = sys.argv[1:5]
started = time.perf_counter()
detector = CopyDetector(test_dirs=[test_dir], ref_dirs=[ref_dir], extensions=[extension],
                        autoopen=False, silent=True, out_file=out)
detector.run()
copied = detector.get_copied_code_list()
print(json.dumps({"seconds": time.perf_counter() - started,
                  "test_files": len(detector.test_files), "ref_files": len(detector.ref_files),
                  "flagged": sorted({c[2] for c in copied})}))
"""


def ensure_copydetect() -> None:
    try:
        if importlib.metadata.version("copydetect") == COPYDETECT_VERSION:
            return
    except importlib.metadata.PackageNotFoundError:
        pass
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", f"copydetect=={COPYDETECT_VERSION}"],
        check=True,
    )


def ensure_dolos() -> Path:
    """The folder where @dodona/dolos-lib is installed (outside the repo); raises with why not."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed")
    folder = CACHE / "tools" / f"dolos-lib-{DOLOS_VERSION}"
    installed = folder / "node_modules" / "@dodona" / "dolos-lib" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == DOLOS_VERSION:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"name": "dolos-bench", "private": true}\n')
    done = subprocess.run(
        [
            "npm",
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            f"@dodona/dolos-lib@{DOLOS_VERSION}",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not installed.is_file():
        raise RuntimeError(
            f"npm install @dodona/dolos-lib@{DOLOS_VERSION} failed (exit "
            f"{done.returncode}): {done.stderr.strip()[-1500:]}"
        )
    return folder


@dataclass
class ToolRun:
    name: str
    seconds: float | None
    found: int  # copied files it flagged
    detail: str
    error: str = ""


def section_compare(plan: Plan, work: Path, results: Results) -> None:
    pair = plan.pair
    header("7. The same pair of trees: leaktrace, copydetect 0.5.0, Dolos (whole processes)")
    private = pair.private.fetch()
    candidate = work / "pair-candidate"
    hardlink_tree(pair.candidate.fetch(), candidate)
    hardlink_tree(private / pair.private_part, candidate / pair.into)
    copied = sorted(
        p.relative_to(candidate).as_posix()
        for p in (candidate / pair.into).rglob(f"*.{pair.extension}")
    )
    copied_set = set(copied)
    print(
        f"  private: {pair.private.describe()}; candidate: {pair.candidate.describe()} with "
        f"the private {pair.private_part}/ copied to {pair.into}/ ({len(copied)} "
        f".{pair.extension} files)"
    )

    runs: list[ToolRun] = []
    for jobs in (1, 2):
        db = work / f"pair-jobs{jobs}.db"
        report = work / f"pair-jobs{jobs}.json"
        fp = check_ok(
            run_measured(
                leaktrace("fingerprint", str(private), "--store", str(db), "--jobs", str(jobs)),
                sample=False,
            )
        )
        sc = check_ok(
            run_measured(
                leaktrace(
                    "scan",
                    str(candidate),
                    "--store",
                    str(db),
                    "--results",
                    str(work / f"pair-results{jobs}.db"),
                    "--json",
                    str(report),
                    "--jobs",
                    str(jobs),
                ),
                sample=False,
            ),
            allowed=(0, 1),
        )
        result = read_report(report)
        found = len({p["candidate_path"] for p in result["files"]} & copied_set)
        others = (fp.others * fp.wall + sc.others * sc.wall) / (fp.wall + sc.wall)
        runs.append(
            ToolRun(
                f"leaktrace --jobs {jobs}",
                fp.wall + sc.wall,
                found,
                f"fingerprint {fp.wall:.1f} s + scan {sc.wall:.1f} s, verdict {result['verdict']}; "
                f"other load {others:.1f} cores",
            )
        )

    try:
        ensure_copydetect()
        cd = check_ok(
            run_measured(
                [
                    sys.executable,
                    "-c",
                    COPYDETECT_SCRIPT,
                    str(candidate),
                    str(private),
                    pair.extension,
                    str(work / "copydetect.html"),
                ],
                sample=False,
            )
        )
        out = json.loads(cd.stdout.strip().splitlines()[-1])
        flagged = {
            Path(p).resolve().relative_to(candidate.resolve()).as_posix() for p in out["flagged"]
        }
        runs.append(
            ToolRun(
                "copydetect 0.5.0",
                cd.wall,
                len(flagged & copied_set),
                f"{out['test_files']} x {out['ref_files']} files compared pairwise; other load "
                f"{cd.others:.1f} cores",
            )
        )
    except Exception as exc:  # reported, and judged FAIL; the other tools still run
        runs.append(ToolRun("copydetect 0.5.0", None, 0, "", f"{type(exc).__name__}: {exc}"))

    try:
        folder = ensure_dolos()
        dolos = run_measured(
            [
                "node",
                str(DOLOS_SCRIPT),
                str(folder),
                pair.language,
                f".{pair.extension}",
                str(private),
                str(candidate),
            ],
            sample=False,
        )
        if dolos.code != 0:
            raise RuntimeError(
                f"node dolos_bench.mjs exited {dolos.code}: {dolos.stderr.strip()[-1500:]}"
            )
        out = json.loads(dolos.stdout.strip().splitlines()[-1])
        flagged = {
            Path(p["candidate"]).relative_to(candidate.resolve()).as_posix() for p in out["flagged"]
        }
        runs.append(
            ToolRun(
                f"Dolos {DOLOS_VERSION}",
                dolos.wall,
                len(flagged & copied_set),
                f"{out['files']} files, {out['pairs']:,} pairs (all against all), "
                f"{mib(dolos.max_rss)} peak; other load {dolos.others:.1f} cores",
            )
        )
    except Exception as exc:  # reported precisely, and judged FAIL
        runs.append(ToolRun(f"Dolos {DOLOS_VERSION}", None, 0, "", f"{type(exc).__name__}: {exc}"))

    for run in runs:
        if run.seconds is None:
            print(f"  {run.name:20} could not run: {run.error}")
        else:
            print(
                f"  {run.name:20} {run.seconds:7.1f} s  found {run.found}/{len(copied)} copied "
                f"files  ({run.detail})"
            )
    single = runs[0].seconds or 0.0
    default = runs[1].seconds or 0.0
    for other in runs[2:]:
        name = other.name.split()[0]
        if other.seconds is None:
            results.add(
                f"7 vs {name}",
                f"{name} could not run: {other.error[:300]}",
                "leaktrace faster",
                False,
            )
            continue
        print(
            f"  {name} / leaktrace: {other.seconds / single:.1f}x (--jobs 1), "
            f"{other.seconds / default:.1f}x (--jobs 2)"
        )
        results.add(
            f"7 vs {name}",
            f"leaktrace {single:.1f} s (--jobs 1) / {default:.1f} s "
            f"(--jobs 2), {name} {other.seconds:.1f} s: {other.seconds / single:.1f}x / "
            f"{other.seconds / default:.1f}x; found {runs[0].found}, {other.found} of "
            f"{len(copied)} copied files",
            "leaktrace faster",
            single < other.seconds,
        )


# -- main ----------------------------------------------------------------------------------------

SECTIONS: dict[str, Callable[[Plan, Path, Results], None]] = {
    "fingerprint": section_fingerprint,
    "headline": section_headline,
    "lookup": section_lookup,
    "map": section_source_map,
    "compare": section_compare,
}


def print_summary(results: Results, seconds: float) -> None:
    mode = "QUICK (reduced sizes: size targets not judged)" if results.quick else "FULL"
    print(f"\n== SUMMARY: {mode}, {os.cpu_count()} cores, {seconds / 60:.1f} min ==")
    for check in results.checks:
        verdict = {True: "PASS", False: "FAIL", None: "    "}[check.passed]
        target = f"  [target: {check.target}]" if check.target else ""
        print(f"  {verdict}  {check.section:24} {check.figure}{target}")
    for error in results.errors:
        print(f"  FAIL  {error}")
    judged = [c.passed for c in results.checks if c.passed is not None]
    failed = judged.count(False) + len(results.errors)
    print(f"  {len(judged) - judged.count(False)} passed, {failed} failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (a smoke test)")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--lookup-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lookup_child:
        print(json.dumps(lookup_child(args.lookup_child)))
        return 0

    plan = QUICK if args.quick else FULL
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    results = Results(quick=plan.quick)
    started = time.perf_counter()
    (CACHE / "work").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="scale-", dir=CACHE / "work"))
    print(
        f"leaktrace scale benchmark ({'quick' if plan.quick else 'full'}); cache {CACHE}, "
        f"scratch {work}"
    )
    try:
        for name in chosen:
            try:
                SECTIONS[name](plan, work, results)
            except Exception as exc:  # one section failing must not hide the others
                traceback.print_exc()
                results.errors.append(f"section {name}: {type(exc).__name__}: {exc}"[:400])
            sys.stdout.flush()
    finally:
        if args.keep:
            print(f"scratch kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_summary(results, time.perf_counter() - started)
    return 1 if results.errors or any(c.passed is False for c in results.checks) else 0


if __name__ == "__main__":
    sys.exit(main())
