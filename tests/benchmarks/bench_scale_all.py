"""Every target of issue 12 in one run, whole processes. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_scale_all [--lines 10000000 100000000]
        [--sections startup fingerprint scan peers dask stores] [--dask-lines 100000000]

Prints, in this order, each figure beside its target:

1. start-up: ``leaktrace --help``, ``leaktrace version``, a 1,000-line scan against the samples'
   store (``bench_startup_index``);
2. whole-process ``fingerprint --jobs 1`` of pip 24.2 against a bare tree-sitter parse of the same
   files (a script that imports tree-sitter and its Python grammar and parses every file);
3. ``--jobs 2`` against one core's throughput: fingerprinting pip and a larger private tree
   (pip, setuptools, rich, click, jinja2, flask: ~320,000 lines), and scanning a large tree
   (setuptools 69.5.1 and pip 24.0, 290,000 lines) against pip's store. One core is ``--jobs 1``
   pinned with ``taskset -c 0``: unpinned, ``--jobs 1`` already keeps both cores busy (its
   parser process parses the next file while the calling process stores or judges the last), so
   it is printed too, but it is not one core's throughput;
4. for each store size: index size on disk and peak while building it, and a 1,000-line scan's
   time and peak resident memory (``bench_startup_index``: real code plus synthetic fingerprint
   arrays with the real distribution);
5. leaktrace, copydetect 0.5.0 and Dolos 3.5.1 on pip 24.2 (the private side) and setuptools
   69.5.1 (the candidate), each at its defaults, whole process;
6. a store built on Dask (a LocalCluster of two worker processes on 127.0.0.1) against one built
   with ``--jobs 2``: pip and four packages (0.3 M lines), or with ``--dask-lines N`` a corpus of
   N lines (``big_corpus``: every real package of the cache, then distinct variant copies of
   their files); wall time, lines/s, the calling process's peak memory (and its resident size
   through the run), the scheduler's and the workers', store and index sizes, whether the digests
   are equal and the indexes identical array for array.

pip 24.2 is the wheel (``pip download pip==24.2 --no-deps``), unpacked with ``pip/_vendor``
renamed ``pip/bundled``: a company's repository has no vendored folder for leaktrace to pass
over, and every tool then reads all 131,000 lines. Timings are the best of ``--repeats`` runs;
beside each, the CPU seconds of the whole process tree (``perf stat`` task-clock, when perf
works) and the machine's load, since this 2-core machine is shared. The ``--jobs`` sections also
give each process's CPU (``perf record`` task-clock samples, one more run each): the calling
process, and the zygote and parser processes (and a scan's pool workers), so that what two idle
cores could do is read from CPU, not from a wall time other engineers' work stretches.
Everything downloaded goes to the benchmark cache (``~/.cache/leaktrace-bench``): pip through
pip, setuptools through ``corpus.pypi_sdist``, copydetect into a virtual environment of its own
there (never into the project's), Dolos with npm (``bench_scale.ensure_dolos``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from tests.benchmarks.bench_scale import (
    COPYDETECT_SCRIPT,
    COPYDETECT_VERSION,
    DOLOS_SCRIPT,
    DOLOS_VERSION,
    ensure_dolos,
)
from tests.benchmarks.bench_startup_index import (
    LEAKTRACE,
    PERF,
    Run,
    real_store,
    run,
    startup_section,
    store_section,
    timed,
)
from tests.benchmarks.corpus import CACHE, pypi_sdist
from tests.benchmarks.perf_samples import ROLES, Recorded, record, worked

PIP_VERSION = "24.2"
BARE_PARSE = """import sys, time
from pathlib import Path
import tree_sitter, tree_sitter_python
parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))
lines = 0
for path in sorted(Path(sys.argv[1]).rglob("*.py")):
    data = path.read_bytes()
    parser.parse(data)
    lines += data.count(b"\\n")
print(lines)
"""
#: Pins a command to one core: "one core's throughput", which ``--jobs 1`` alone no longer is
#: (its parser process and the calling process work side by side on two cores).
ONE_CORE = ["taskset", "-c", "0"] if shutil.which("taskset") else []
#: Fingerprinted with pip on Dask (cached sdists of the accuracy and speed benchmarks).
DASK_EXTRA = [("rich", "13.7.1"), ("click", "8.1.7"), ("jinja2", "3.1.4"), ("flask", "3.0.3")]


def pip_tree() -> Path:
    """pip's wheel, unpacked once into the cache, ``_vendor`` renamed ``bundled``."""
    target = CACHE / "pip-wheel" / f"pip-{PIP_VERSION}"
    if target.is_dir():
        return target
    download = CACHE / "downloads"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d",
                    str(download), f"pip=={PIP_VERSION}"], check=True)  # fmt: skip
    partial = target.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(download / f"pip-{PIP_VERSION}-py3-none-any.whl") as wheel:
        wheel.extractall(partial)
    (partial / "pip" / "_vendor").rename(partial / "pip" / "bundled")
    partial.rename(target)
    return target


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def per_process(argv: list[str], cwd: Path, before: Path | None = None) -> str:
    """Each process's CPU seconds in one run of ``argv`` (``perf record`` task-clock samples,
    every thread of a process summed), by role, from the fork and exec events: the calling
    process, its pool workers (forked, not executed: a scan's ``--jobs``), the zygote (executed
    by it), the parser processes (forked by the zygote) and the rest (git). On two idle cores
    the run takes at least the largest process's CPU and half the total."""
    if not PERF:
        return "per process: perf not available"
    if before is not None:
        for path in before.parent.glob(f"{before.name}*"):
            path.unlink()
    recorded = record(argv, cwd)
    if recorded.returncode not in (0, 1, 3):
        return f"per process: perf record failed ({recorded.stderr[-200:]!r})"
    cpu: dict[int, float] = {}
    for pid, _, seconds in recorded.samples:
        cpu[pid] = cpu.get(pid, 0.0) + seconds
    roles: dict[str, list[float]] = {}
    for pid, seconds in cpu.items():
        roles.setdefault(recorded.role(pid), []).append(seconds)
    parts = [f"{name} {sum(roles[name]):.2f} s"
             + (f" ({', '.join(f'{c:.2f}' for c in sorted(roles[name], reverse=True))})"
                if len(roles[name]) > 1 else "")
             for name in ROLES if name in roles]  # fmt: skip
    total = sum(cpu.values())
    largest = max(cpu.values(), default=0.0)
    return (f"CPU per process: {'; '.join(parts)}; total {total:.2f} s, so on two idle cores "
            f"at least {max(largest, total / 2):.2f} s{alone(recorded)}")  # fmt: skip


def alone(recorded: Recorded) -> str:
    """The calling process's CPU before its helpers (pool workers, else parser processes) work
    and after (their first and last 1 % of CPU): the parts of a run no other core can take."""
    helpers = [(pid, when, cpu) for pid, when, cpu in recorded.samples
               if recorded.role(pid) in ("pool workers", "parser processes")]  # fmt: skip
    if not helpers:
        return ""
    first, last = worked(helpers)
    calling = [(when, cpu) for pid, when, cpu in recorded.samples if pid == recorded.root]
    before = sum(cpu for when, cpu in calling if when < first)
    after = sum(cpu for when, cpu in calling if when > last)
    return f"; the calling process before its helpers work {before:.2f} s, after {after:.2f} s"


def fingerprint_section(work: Path, pip: Path, repeats: int) -> dict[str, Run]:
    print(f"\n== fingerprint pip {PIP_VERSION} (131,000 lines) vs a bare tree-sitter parse, "
          f"best of {repeats} ==")  # fmt: skip
    bare = timed([sys.executable, "-c", BARE_PARSE, str(pip)], work, repeats)
    lines = int(bare.output.split()[0])
    runs = {"bare": bare}
    for jobs in (1, 2):
        store = work / f"pip-jobs{jobs}.db"
        argv = [*LEAKTRACE, "fingerprint", str(pip), "--store", str(store), "--jobs", str(jobs)]
        runs[f"jobs{jobs}"] = timed(argv, work, repeats, before=store)
    one, two = runs["jobs1"], runs["jobs2"]
    ratio = one.wall / bare.wall
    print(f"bare parse ({lines:,} lines)      {bare.wall:6.2f} s{bare.cpu_text()}")
    print(f"fingerprint --jobs 1             {one.wall:6.2f} s{one.cpu_text()}, "
          f"peak {one.rss / 1024:,.0f} MiB; {ratio:.2f}x the bare parse (target <= 1.6: "
          f"{'ok' if ratio <= 1.6 else 'OVER'})")  # fmt: skip
    argv = [*LEAKTRACE, "fingerprint", str(pip), "--store", str(work / "pip-core.db")]
    core = runs["core"] = timed([*ONE_CORE, *argv, "--jobs", "1"], work, repeats,
                                before=work / "pip-core.db")  # fmt: skip
    print(f"fingerprint --jobs 1, one core   {core.wall:6.2f} s{core.cpu_text()} "
          f"({'taskset -c 0' if ONE_CORE else 'taskset missing: not pinned'}; "
          f"{core.wall / bare.wall:.2f}x the bare parse)")  # fmt: skip
    speedup = core.wall / two.wall
    print(f"fingerprint --jobs 2             {two.wall:6.2f} s{two.cpu_text()}; "
          f"{speedup:.2f}x one core's --jobs 1 (target >= 1.8: "
          f"{'ok' if speedup >= 1.8 else 'UNDER'}); {one.wall / two.wall:.2f}x --jobs 1 on both "
          f"cores; {load()}")  # fmt: skip
    if one.cpu and two.cpu:
        print(f"  on two idle cores --jobs 2 could reach at most {2 * one.cpu / two.cpu:.2f}x "
              f"(twice the CPU of --jobs 1 over the CPU of --jobs 2)")  # fmt: skip
    for name, prefix, jobs in (("--jobs 1", [], 1), ("one core", ONE_CORE, 1), ("--jobs 2", [], 2)):
        store = work / f"pip-jobs{jobs}.db"
        argv = [*prefix, *LEAKTRACE, "fingerprint", str(pip), "--store", str(store), "--jobs",
                str(jobs)]  # fmt: skip
        print(f"  {name} {per_process(argv, work, before=store)}")
    return runs


def large_tree(work: Path) -> Path:
    """setuptools 69.5.1 and pip 24.0 side by side: the large tree both cores are measured on."""
    candidate = work / "large-tree"
    if not candidate.exists():
        for tree in (pypi_sdist("setuptools", "69.5.1"), pypi_sdist("pip", "24.0")):
            shutil.copytree(tree, work / "large-tree.partial" / tree.name, symlinks=True)
        (work / "large-tree.partial").rename(candidate)
    return candidate


def private_tree(work: Path, pip: Path) -> Path:
    """A company's tree of some 500,000 lines: pip 24.2 (as above), setuptools 69.5.1 and the
    Dask section's packages, each ``_vendor`` folder renamed ``bundled`` as for pip (fingerprint
    leaves vendored folders out: a company's repository has none for it to pass over)."""
    tree = work / "private-tree"
    if not tree.exists():
        partial = work / "private-tree.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(pip, partial / pip.name, symlinks=True)
        for name, version in [("setuptools", "69.5.1"), *DASK_EXTRA]:
            source = pypi_sdist(name, version)
            shutil.copytree(source, partial / source.name, symlinks=True)
        for vendored in sorted(partial.rglob("_vendor"), reverse=True):
            vendored.rename(vendored.with_name("bundled"))
        partial.rename(tree)
    return tree


def fingerprint_large_section(work: Path, pip: Path, repeats: int) -> None:
    """Fingerprinting throughput on both cores against one core's, on a larger private tree:
    pip's 130,000 lines take about a second, of which start-up and the index build (which run
    alone) are a third."""
    candidate = private_tree(work, pip)
    names = ", ".join(sorted(p.name for p in candidate.iterdir()))
    print(f"\n== fingerprint a larger tree ({names}): --jobs 2 against one core, best of "
          f"{repeats} ==")  # fmt: skip
    runs = {}
    modes = (("one core", ONE_CORE, 1), ("--jobs 2", [], 2))

    def argv(prefix: list[str], jobs: int) -> list[str]:
        return [*prefix, *LEAKTRACE, "fingerprint", str(candidate), "--store",
                str(work / f"large-fp-{jobs}.db"), "--jobs", str(jobs)]  # fmt: skip

    for name, prefix, jobs in modes:
        store = work / f"large-fp-{jobs}.db"
        runs[name] = timed(argv(prefix, jobs), work, repeats, before=store)
        with contextlib.closing(sqlite3.connect(store)) as db:
            lines = db.execute("SELECT sum(lines) FROM files").fetchone()[0]
        print(f"fingerprint {name:<9} {runs[name].wall:6.2f} s{runs[name].cpu_text()}; "
              f"{lines / runs[name].wall:,.0f} lines/s")  # fmt: skip
    speedup = runs["one core"].wall / runs["--jobs 2"].wall
    print(f"  --jobs 2: {speedup:.2f}x one core's --jobs 1 (target >= 1.8: "
          f"{'ok' if speedup >= 1.8 else 'UNDER'}); {load()}")  # fmt: skip
    for name, prefix, jobs in modes:
        print(
            f"  {name} {per_process(argv(prefix, jobs), work, before=work / f'large-fp-{jobs}.db')}"
        )


def scan_section(work: Path, pip: Path, repeats: int) -> dict[str, Run]:
    candidate = large_tree(work)
    print(f"\n== scan a large tree ({', '.join(sorted(p.name for p in candidate.iterdir()))}) "
          f"against pip {PIP_VERSION}'s store, best of {repeats} ==")  # fmt: skip
    store = work / "pip-jobs1.db"
    runs, reports = {}, {}
    for jobs in (1, 2):
        report = work / f"large-jobs{jobs}.json"
        argv = [*LEAKTRACE, "scan", str(candidate), "--store", str(store), "--jobs", str(jobs),
                "--json", str(report), "--results", str(work / f"large-{jobs}.db")]  # fmt: skip
        runs[jobs] = timed(argv, work, repeats, allowed=(0, 1, 3),
                          before=work / f"large-{jobs}.db")  # fmt: skip
        reports[jobs] = [stable(c) for c in json.loads(report.read_text())["candidates"]]
        print(f"scan --jobs {jobs}                      {runs[jobs].wall:6.2f} s"
              f"{runs[jobs].cpu_text()}, peak {runs[jobs].rss / 1024:,.0f} MiB")  # fmt: skip
    report = work / "large-core.json"
    argv = [*ONE_CORE, *LEAKTRACE, "scan", str(candidate), "--store", str(store), "--jobs", "1",
            "--json", str(report), "--results", str(work / "large-core.db")]  # fmt: skip
    core = runs[0] = timed(argv, work, repeats, allowed=(0, 1, 3), before=work / "large-core.db")
    reports[0] = [stable(c) for c in json.loads(report.read_text())["candidates"]]
    print(f"scan --jobs 1, one core              {core.wall:6.2f} s{core.cpu_text()} "
          f"({'taskset -c 0' if ONE_CORE else 'taskset missing: not pinned'})")  # fmt: skip
    speedup = core.wall / runs[2].wall
    print(f"  --jobs 2: {speedup:.2f}x one core's --jobs 1 (target >= 1.8: "
          f"{'ok' if speedup >= 1.8 else 'UNDER'}); {runs[1].wall / runs[2].wall:.2f}x --jobs 1 "
          f"on both cores; same report: {reports[1] == reports[2] == reports[0]}; "
          f"{load()}")  # fmt: skip
    if runs[1].cpu and runs[2].cpu:
        print(f"  on two idle cores --jobs 2 could reach at most "
              f"{2 * runs[1].cpu / runs[2].cpu:.2f}x")  # fmt: skip
    for jobs in (1, 2):
        results = work / f"large-{jobs}.db"
        report = work / f"large-jobs{jobs}.json"
        argv = [*LEAKTRACE, "scan", str(candidate), "--store", str(store), "--jobs", str(jobs),
                "--json", str(report), "--results", str(results)]  # fmt: skip
        print(f"  --jobs {jobs} {per_process(argv, work, before=results)}")
    return {f"scan{j}": r for j, r in runs.items()}


SMALL_CANDIDATES = 120
"""Real npm packages of ``npm_real``'s pinned sample scanned as one candidate each."""


def many_section(work: Path, repeats: int) -> None:
    """The analyst's common run: many small candidates (the first ``SMALL_CANDIDATES`` real npm
    tarballs of the pinned sample under 1 MB, each its own candidate) against pip's store,
    ``--jobs 2`` against one core's ``--jobs 1``. Each candidate has a start (opening it) and an
    end (combining, judging, recording) of its own, which a run of one large tree has once."""
    from tests.benchmarks.npm_real import sample, tarball

    folder = work / "many-npm"
    if not folder.is_dir():
        partial = work / "many-npm.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        chosen = [e for e in sample() if e.size < 1 << 20][:SMALL_CANDIDATES]
        for entry in chosen:
            (partial / entry.path.name).write_bytes(tarball(entry))
        partial.rename(folder)
    targets = sorted(str(p) for p in folder.iterdir())
    size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"\n== scan {len(targets)} real npm packages, one candidate each ({size / 2**20:.1f} MiB "
          f"compressed), against pip {PIP_VERSION}'s store, best of {repeats} ==")  # fmt: skip
    store = work / "pip-jobs1.db"
    runs, reports = {}, {}
    for name, prefix, jobs in (("one core", ONE_CORE, 1), ("--jobs 2", [], 2)):
        report, results = work / f"many-{jobs}.json", work / f"many-{jobs}.db"
        argv = [*prefix, *LEAKTRACE, "scan", *targets, "--store", str(store), "--jobs",
                str(jobs), "--json", str(report), "--results", str(results)]  # fmt: skip
        runs[name] = timed(argv, work, repeats, allowed=(0, 1, 3), before=results)
        reports[name] = [stable(c) for c in json.loads(report.read_text())["candidates"]]
        print(f"scan {name:<9} {runs[name].wall:6.2f} s{runs[name].cpu_text()}; "
              f"{len(targets) / runs[name].wall:,.1f} candidates/s")  # fmt: skip
    speedup = runs["one core"].wall / runs["--jobs 2"].wall
    print(f"  --jobs 2: {speedup:.2f}x one core's --jobs 1; same report: "
          f"{reports['one core'] == reports['--jobs 2']}; {load()}")  # fmt: skip


def stable(candidate: dict[str, Any]) -> dict[str, Any]:
    """A report's candidate without the times, which differ from run to run."""
    kept = {k: v for k, v in candidate.items() if k not in ("fetched_at", "scanned_at")}
    kept["scanned"] = {k: v for k, v in kept["scanned"].items() if k != "seconds"}
    return kept


def copydetect_python() -> Path:
    """A virtual environment in the cache with copydetect installed (not the project's)."""
    venv = CACHE / "tools" / f"copydetect-{COPYDETECT_VERSION}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        f"copydetect=={COPYDETECT_VERSION}"], check=True)  # fmt: skip
    return python


def peers_section(work: Path, pip: Path) -> None:
    candidate = pypi_sdist("setuptools", "69.5.1")
    print(
        f"\n== pip {PIP_VERSION} fingerprinted, {candidate.name} scanned: leaktrace, "
        f"copydetect {COPYDETECT_VERSION}, Dolos {DOLOS_VERSION} (defaults, whole process) =="
    )
    store = work / "peers.db"
    for path in work.glob("peers*"):
        path.unlink()
    fingerprint = run([*LEAKTRACE, "fingerprint", str(pip), "--store", str(store)], work)
    scan = run([*LEAKTRACE, "scan", str(candidate), "--store", str(store), "--results",
                str(work / "peers-results.db"), "--json", str(work / "peers.json")], work,
               allowed=(0, 1, 3))  # fmt: skip
    verdict = json.loads((work / "peers.json").read_text())["candidates"][0]["verdict"]
    ours = fingerprint.wall + scan.wall
    our_cpu = (fingerprint.cpu or 0.0) + (scan.cpu or 0.0)
    print(f"leaktrace          {ours:7.2f} s, {our_cpu:.2f} s CPU (fingerprint "
          f"{fingerprint.wall:.2f} s + scan {scan.wall:.2f} s, verdict {verdict}; "
          f"{load()})")  # fmt: skip
    times: dict[str, tuple[float, float]] = {}
    try:
        python = copydetect_python()
        done = run([str(python), "-c", COPYDETECT_SCRIPT, str(candidate), str(pip), "py",
                    str(work / "copydetect.html")], work)  # fmt: skip
        out = json.loads(done.output.strip().splitlines()[-1])
        times["copydetect"] = (done.wall, done.cpu or 0.0)
        print(f"copydetect {COPYDETECT_VERSION}   {done.wall:7.2f} s{done.cpu_text()} "
              f"({out['test_files']} x "
              f"{out['ref_files']} files, {len(out['flagged'])} flagged; {load()})")  # fmt: skip
    except Exception as exc:  # reported; the other peer still runs
        print(f"copydetect could not run: {type(exc).__name__}: {str(exc)[:300]}")
    try:
        folder = ensure_dolos()
        done = run(["node", str(DOLOS_SCRIPT), str(folder), "python", ".py", str(pip),
                    str(candidate)], work)  # fmt: skip
        out = json.loads(done.output.strip().splitlines()[-1])
        times["Dolos"] = (done.wall, done.cpu or 0.0)
        print(f"Dolos {DOLOS_VERSION}        {done.wall:7.2f} s{done.cpu_text()} "
              f"({out['files']} files, "
              f"{out['pairs']:,} pairs, peak {done.rss / 1024:,.0f} MiB; {load()})")  # fmt: skip
    except Exception as exc:
        print(f"Dolos could not run: {type(exc).__name__}: {str(exc)[:300]}")
    if times:
        name, (fastest, cpu) = min(times.items(), key=lambda item: item[1][0])
        factor = fastest / ours
        print(f"leaktrace is {factor:.1f}x faster than the faster peer ({name}) (target >= 6: "
              f"{'ok' if factor >= 6 else 'UNDER'}); in CPU seconds "
              f"{cpu / our_cpu if our_cpu else float('nan'):.1f}x")  # fmt: skip


class Peaks:
    """Resident memory sampled once a second while a command runs: the calling process's own peak
    (``VmHWM``, its high-water mark, read from /proc), this process's (the LocalCluster's
    scheduler lives here) and the cluster's workers' (the largest one), and the calling process's
    resident size at each tenth of the run, to show growth."""

    def __init__(self, workers: list[int]) -> None:
        import threading

        self.workers = workers
        self.caller_peak = self.scheduler_peak = self.worker_peak = 0
        self.samples: list[tuple[float, int]] = []
        self.pid: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @staticmethod
    def _status(pid: int, field: str) -> int:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        return 0

    def _watch(self) -> None:
        import time

        started = time.monotonic()
        me = os.getpid()
        while not self._stop.wait(1.0):
            pid = self.pid or self._caller(me)
            if pid:
                self.pid = pid
                self.caller_peak = max(self.caller_peak, self._status(pid, "VmHWM"))
                self.samples.append((time.monotonic() - started, self._status(pid, "VmRSS")))
            self.scheduler_peak = max(self.scheduler_peak, self._status(me, "VmRSS"))
            for worker in self.workers:
                self.worker_peak = max(self.worker_peak, self._status(worker, "VmRSS"))

    @staticmethod
    def _caller(me: int) -> int | None:
        """The leaktrace process: the python under perf and GNU time, started by this one."""
        import psutil

        found = {}
        for child in psutil.Process(me).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                argv = child.cmdline()
                if argv[:2] == LEAKTRACE[:2] and "scanner.launch" in " ".join(argv):
                    found[child.pid] = child.ppid()
        # not one of its parser processes, which are forked with its command line
        return next((pid for pid, parent in found.items() if parent not in found), None)

    def __enter__(self) -> Peaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def growth(self) -> str:
        if not self.samples:
            return "not sampled"
        end = self.samples[-1][0] or 1.0
        tenths = {min(9, int(10 * t / end)): rss for t, rss in self.samples}
        return " ".join(f"{rss / 2**20:,.0f}" for _, rss in sorted(tenths.items()))


def sizes(store: Path) -> str:
    from scanner.index_file import index_path

    db = sum(p.stat().st_size for p in store.parent.glob(f"{store.name}*")
             if p != index_path(store) and p.is_file())  # fmt: skip
    return f"store {db / 2**20:,.0f} MiB, index {index_path(store).stat().st_size / 2**20:,.0f} MiB"


def dask_corpus(pip: Path, lines: int | None) -> tuple[list[Path], str]:
    """The trees to fingerprint on Dask and what they are."""
    if lines is None:
        trees = [pip, *(pypi_sdist(name, version) for name, version in DASK_EXTRA)]
        return trees, f"pip {PIP_VERSION}, {', '.join(f'{n}-{v}' for n, v in DASK_EXTRA)}"
    from tests.benchmarks.big_corpus import big_corpus

    trees, real, variants = big_corpus(lines)
    chunks = sum(1 for t in trees if t.name.startswith("variants-"))
    return trees, (f"{len(trees) - chunks} real packages of the cache ({real:,} lines) and "
                   f"{chunks} chunks of variant copies ({variants:,} lines); newline "
                   f"counts")  # fmt: skip


def dask_section(work: Path, pip: Path, lines: int | None = None) -> None:
    """A store built on a Dask cluster (a local one: a scheduler and two worker processes on
    127.0.0.1) against the same store built here with ``--jobs 2``: wall time, lines per second,
    peak memory, store and index sizes, digests and indexes compared."""
    import numpy as np
    from distributed import LocalCluster

    from fingerprints import open_store
    from scanner.index_file import IndexFile, index_path
    from scanner.runners import dask_settings

    trees, described = dask_corpus(pip, lines)
    print(f"\n== a store built on Dask (LocalCluster: 2 worker processes) vs --jobs 2: "
          f"{described} ==", flush=True)  # fmt: skip
    stores = {"dask": work / "dask.db", "local": work / "dask-local.db"}
    for path in work.glob("dask*.db*"):
        path.unlink()
    runs, peaks = {}, {}
    with (
        dask_settings(),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=None) as cluster,
    ):  # fmt: skip
        workers = [p.process.pid for p in cluster.workers.values()]  # type: ignore[attr-defined]
        with Peaks(workers) as peaks["dask"]:
            runs["dask"] = run([*LEAKTRACE, "fingerprint", *map(str, trees), "--store",
                                str(stores["dask"]), "--scheduler", cluster.scheduler_address],
                               work)  # fmt: skip
    with Peaks([]) as peaks["local"]:
        runs["local"] = run([*LEAKTRACE, "fingerprint", *map(str, trees), "--store",
                             str(stores["local"]), "--jobs", "2"], work)  # fmt: skip
    digests, indexes = {}, {}
    for name, path in stores.items():
        with open_store(path, read_only=True) as opened:
            digests[name] = opened.digest()
        with contextlib.closing(sqlite3.connect(path)) as db:
            files, total = db.execute("SELECT count(*), sum(lines) FROM files").fetchone()
        indexes[name] = IndexFile.open(index_path(path)).arrays
    same = indexes["dask"].keys() == indexes["local"].keys() and all(
        np.array_equal(a, indexes["local"][k]) for k, a in indexes["dask"].items()
    )
    for name, label in (("dask", "Dask"), ("local", "--jobs 2")):
        done, peak = runs[name], peaks[name]
        where = ("the calling process; the workers' CPU is not in its tree" if name == "dask"
                 else "the whole process tree")  # fmt: skip
        print(f"{label:9} {done.wall:8.1f} s, {total / done.wall:,.0f} lines/s; CPU "
              f"{done.cpu_text().lstrip(', ') or 'not measured'} ({where}); {load()}")  # fmt: skip
        print(f"          calling process peak {peak.caller_peak / 2**20:,.0f} MiB (resident "
              f"MiB at each tenth of the run: {peak.growth()}); {sizes(stores[name])}")  # fmt: skip
        if name == "dask":
            print(f"          scheduler (this process) peak {peak.scheduler_peak / 2**20:,.0f} "
                  f"MiB, largest worker peak {peak.worker_peak / 2**20:,.0f} MiB")  # fmt: skip
    print(f"{files:,} files, {total:,} lines in each store; same store digest: "
          f"{digests['dask'] == digests['local']}; same index, array for array: {same} "
          f"({len(indexes['dask'])} arrays)")  # fmt: skip
    if runs["dask"].cpu and lines is None:
        ceiling = total / runs["dask"].cpu
        print(f"100M lines: the calling machine reads every file, sends it to a worker and "
              f"writes the store: {runs['dask'].cpu / total * 1e8 / 60:,.0f} min of its CPU at "
              f"this rate (at most {ceiling:,.0f} lines/s whatever the number of workers), plus "
              f"the index build; the workers' share divides by their number")  # fmt: skip


SECTIONS = ("startup", "fingerprint", "scan", "many", "peers", "dask", "stores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="*", default=[10_000_000, 100_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dask-lines", type=int, default=None,
                        help="the dask section's corpus: this many lines of real code and variant "
                        "copies (default: pip and four packages, 0.3 M lines)")  # fmt: skip
    parser.add_argument("--work", type=Path, default=None, help="keep stores here between runs")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="run only these sections (stores: the --lines stores)")  # fmt: skip
    args = parser.parse_args()
    sections = set(args.sections)
    work = args.work or Path(tempfile.mkdtemp(prefix="leaktrace-bench-all-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; {os.cpu_count()} cores, {load()}; perf stat: "
          f"{'yes' if PERF else 'no (CPU not shown)'}")  # fmt: skip
    if "startup" in sections:
        startup_section(work)
    pip = pip_tree()
    if sections & {"fingerprint", "scan"}:  # the scans are against pip's store
        fingerprint_section(work, pip, args.repeats)
    elif "many" in sections:
        run([*LEAKTRACE, "fingerprint", str(pip), "--store", str(work / "pip-jobs1.db")], work)
    if "scan" in sections:
        fingerprint_large_section(work, pip, args.repeats)
        scan_section(work, pip, args.repeats)
    if "many" in sections:
        many_section(work, args.repeats)
    if "peers" in sections:
        peers_section(work, pip)
    if "dask" in sections:
        dask_section(work, pip, args.dask_lines)
    if args.lines and "stores" in sections:
        real, copied = real_store(work)
        for lines in args.lines:
            store_section(work, real, copied, lines)
    print(f"\ndone; {load()}")


if __name__ == "__main__":
    main()
