"""The parser hand-off: CPU per file in both processes of ``isolated_tokenize``, parse excluded.

    .venv/bin/python -m tests.benchmarks.bench_ipc [--rounds 5] [--pip DIR] [--js FILE]

For each corpus (pip 24.2's ``.py`` files, one ~98 KB JavaScript file) it tokenizes every file
``--rounds`` times: once here without isolation (the bare parse), then through
``isolated_tokenize``. It prints, per file and the best round of each, the CPU of this process
(``time.thread_time``) and of the parser process (``/proc/PID/task/*/schedstat``: nanoseconds,
all its threads), and the parser's CPU less the bare parse: what the hand-off costs it. Timings
are CPU times, so a loaded machine changes them less than wall times, but not not at all: say
the load (printed) with the figures.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from fingerprints import isolation
from fingerprints.fingerprinter import _parser
from fingerprints.isolation import ParseLimits, isolated_tokenize
from fingerprints.languages import load_language
from fingerprints.normalize import tokenize

BENCH = Path.home() / ".cache" / "leaktrace-bench"
PIP = BENCH / "pip-wheel" / "pip-24.2"
JS = BENCH / "npm" / "marked-12.0.2" / "lib" / "marked.umd.js"


def _child_ns(pid: int) -> int:
    """CPU nanoseconds of every thread of process ``pid`` so far."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        total += int((task / "schedstat").read_text().split()[0])
    return total


def measure(files: list[tuple[bytes, str]], rounds: int, bare_parse: bool) -> dict[str, float]:
    """Best-round CPU seconds per file: bare parse, this process, the parser process."""
    limits = ParseLimits()
    isolated_tokenize(b"x = 1\n", "python", limits)  # started and warm
    pid = isolation._parser(limits)._process.pid  # type: ignore[union-attr]
    assert pid is not None
    bare = caller = child = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        for data, language in files if bare_parse else ():
            tokenize(data, load_language(language), _parser(language))
        bare = min(bare, time.thread_time() - start)
        start, start_child = time.thread_time(), _child_ns(pid)
        for data, language in files:
            isolated_tokenize(data, language, limits)
        caller = min(caller, time.thread_time() - start)
        child = min(child, (_child_ns(pid) - start_child) / 1e9)
    count = len(files)
    return {"bare": bare / count, "caller": caller / count, "child": child / count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pip", type=Path, default=PIP)
    parser.add_argument("--js", type=Path, default=JS)
    parser.add_argument("--copies", type=int, default=20, help="times the JS file is sent")
    parser.add_argument("--only", choices=("pip", "js"), help="one corpus")
    parser.add_argument(
        "--no-bare",
        action="store_true",
        help="skip the bare parse (under callgrind: only the hand-off loop)",
    )
    args = parser.parse_args()
    pip = [(path.read_bytes(), "python") for path in sorted(args.pip.rglob("*.py"))]
    corpora = {
        f"pip ({args.pip.name})": pip,
        f"js ({args.js.name})": [(args.js.read_bytes(), "javascript")] * args.copies,
    }
    if args.only:
        corpora = {name: files for name, files in corpora.items() if name.startswith(args.only)}
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
    for name, files in corpora.items():
        size = sum(len(data) for data, _ in files) / len(files)
        found = measure(files, args.rounds, not args.no_bare)
        print(f"{name}: {len(files)} files, mean {size / 1000:.1f} KB; per file: bare parse "
              f"{found['bare'] * 1e3:.3f} ms; caller {found['caller'] * 1e3:.3f} ms; parser "
              f"{found['child'] * 1e3:.3f} ms, hand-off in it "
              f"{(found['child'] - found['bare']) * 1e3:.3f} ms")  # fmt: skip
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
