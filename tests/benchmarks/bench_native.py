"""The native tokenizer against the Python path, on pip 24.2 (issue 12). Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_native [--repeats 5] [--instructions] [--no-whole]
        [--js | --file PATH]

1. In-process, per stage, over every file of pip 24.2 (``bench_scale_all.pip_tree``): a bare
   py-tree-sitter parse; parse and ``normalize._walk_leaves``; ``normalize.tokenize``;
   ``fingerprinter.fingerprint_file``; each with the Python path and, where it has one, the
   native one. Each stage runs in a process of its own: the fastest of ``--repeats`` passes in
   CPU seconds, and with ``--instructions`` (valgrind's callgrind, minutes) the instructions
   of one pass (the whole process's count, less that of a process that only loads the files
   and warms up: on this shared machine, instructions hold still where seconds do not).
   With ``--file``, the same stages over that one file ten times instead of pip, in its own
   language; ``--js`` is issue 13's median publication, one ~98 KB JavaScript file (marked
   12.0.2's ``lib/marked.umd.js``, from npm through ``corpus.npm_package``).
2. Whole process: ``leaktrace fingerprint pip --jobs 1`` with the native tokenizer and with
   ``LEAKTRACE_NATIVE=0``, against ``bench_scale_all``'s bare-parse script (best of
   ``--repeats``, wall and CPU seconds of the process tree).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.bench_scale_all import BARE_PARSE, pip_tree
from tests.benchmarks.bench_startup_index import ENV, LEAKTRACE, timed
from tests.benchmarks.corpus import npm_package

STAGE = """import resource, sys, time
from pathlib import Path
from fingerprints import native
from fingerprints.fingerprinter import fingerprint_file
from fingerprints.languages import language_for_path, load_language
from fingerprints.normalize import _BLANKED_COMMENTS, _walk_leaves, tokenize
from fingerprints.params import FingerprintParams

stage, mode, passes = sys.argv[2], sys.argv[3], int(sys.argv[4])  # mode: LEAKTRACE_NATIVE
target = Path(sys.argv[1])
if target.is_dir():
    files, name = [(str(p), p.read_bytes()) for p in sorted(target.rglob("*.py"))], "python"
else:  # one file, ten times
    files, name = [(str(target), target.read_bytes())] * 10, language_for_path(target)
language, params = load_language(name), FingerprintParams()
parser = language.parser()
blank = _BLANKED_COMMENTS.get(name, lambda data: data)
stages = {
    "none": lambda path, data: None,
    "parse": lambda path, data: parser.parse(data),
    "walk": lambda path, data: _walk_leaves(parser.parse(blank(data))),
    "c-call": lambda path, data: native.tokenizer(name).tokenize(blank(data), data),
    "tokenize": lambda path, data: tokenize(data, language, parser),
    "fingerprint": lambda path, data: fingerprint_file(path, data, name, params),
}
work = stages[stage]
assert native.active() == (mode == "native")
for path, data in files[:20]:  # warm up: grammars, caches, allocator
    stages["fingerprint"](path, data)
best = float("inf")
for _ in range(passes):
    started = resource.getrusage(resource.RUSAGE_SELF)
    for path, data in files:
        work(path, data)
    ended = resource.getrusage(resource.RUSAGE_SELF)
    best = min(best, ended.ru_utime + ended.ru_stime - started.ru_utime - started.ru_stime)
print(best)
"""

VALGRIND = shutil.which("valgrind")
STAGES = (("parse", "bare tree-sitter parse"), ("walk", "parse + _walk_leaves"),
          ("c-call", "the native call alone"), ("tokenize", "normalize.tokenize"),
          ("fingerprint", "fingerprint_file"))  # fmt: skip


def _env(mode: str) -> dict[str, str]:
    return {**ENV, "LEAKTRACE_NATIVE": "1" if mode == "native" else "0"}


def instructions(pip: Path, stage: str, mode: str) -> int | None:
    """Instructions of a process that runs ``stage`` once, counted by callgrind (None without
    valgrind; this machine's perf has no hardware counters)."""
    if not VALGRIND:
        return None
    argv = [VALGRIND, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c",
            STAGE, str(pip), stage, mode, "1"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=_env(mode))
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found and done.returncode == 0 else None


def cpu_seconds(pip: Path, stage: str, mode: str, repeats: int) -> float:
    done = subprocess.run([sys.executable, "-c", STAGE, str(pip), stage, mode, str(repeats)],
                          capture_output=True, text=True, check=True, env=_env(mode))  # fmt: skip
    return float(done.stdout.split()[-1])


def in_process(pip: Path, repeats: int, counted: bool) -> None:
    what = f"{pip.name} x 10" if pip.is_file() else \
        f"pip 24.2 ({sum(1 for _ in pip.rglob('*.py'))} files)"  # fmt: skip
    print(f"== in process, {what}: CPU seconds, fastest of {repeats} passes; instructions of "
          "one pass ==")  # fmt: skip
    base = {mode: instructions(pip, "none", mode) if counted else None
            for mode in ("python", "native")}  # fmt: skip
    for stage, label in STAGES:
        modes = {"parse": ("python",), "walk": ("python",), "c-call": ("native",)}.get(
            stage, ("python", "native")
        )
        for mode in modes:
            seconds = cpu_seconds(pip, stage, mode, repeats)
            count, zero = instructions(pip, stage, mode) if counted else None, base[mode]
            text = "" if count is None or zero is None else f"  {(count - zero) / 1e9:6.2f} G instr"
            shown = f"{label} ({mode})" if stage in ("tokenize", "fingerprint") else label
            print(f"{shown:34} {seconds:6.3f} s{text}")


def whole_process(pip: Path, repeats: int) -> None:
    print(f"\n== whole process, best of {repeats} (wall, CPU of the process tree) ==")
    work = Path(tempfile.mkdtemp(prefix="leaktrace-native-"))
    try:
        bare = timed([sys.executable, "-c", BARE_PARSE, str(pip)], work, repeats)
        print(f"bare parse                         {bare.wall:6.2f} s{bare.cpu_text()}")
        for setting, label in (("1", "native"), ("0", "python")):
            ENV["LEAKTRACE_NATIVE"] = setting  # what ``timed`` runs with
            store = work / f"pip-{label}.db"
            argv = [*LEAKTRACE, "fingerprint", str(pip), "--store", str(store), "--jobs", "1"]
            one = timed(argv, work, repeats, before=store)
            print(f"fingerprint --jobs 1 ({label:6})       {one.wall:6.2f} s{one.cpu_text()}; "
                  f"{one.wall / bare.wall:.2f}x the bare parse (target <= 1.6)")  # fmt: skip
    finally:
        ENV.pop("LEAKTRACE_NATIVE", None)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="count them (callgrind)")
    parser.add_argument("--no-whole", action="store_true", help="skip the whole-process runs")
    parser.add_argument("--file", type=Path, help="one file (ten times) instead of pip")
    parser.add_argument("--js", action="store_true", help="--file marked 12.0.2's 98 KB bundle")
    args = parser.parse_args()
    if args.js:
        args.file = npm_package("marked", "12.0.2") / "lib" / "marked.umd.js"
    pip = args.file or pip_tree()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    in_process(pip, args.repeats, args.instructions)
    if not args.no_whole and not args.file:
        whole_process(pip, args.repeats)


if __name__ == "__main__":
    main()
