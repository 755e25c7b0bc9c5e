"""Where fingerprinting pip's time goes, beside a bare parse (issue 12's "closer to the parse
limit"). Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_parse_cost [--sections instructions timeline]

1. instructions (``valgrind --tool=callgrind``, which a busy machine does not skew): what the
   parser processes do for every file of pip 24.2 (``fingerprint_file`` and the pickled answer,
   as ``isolation._serve`` does), in one process with the parser processes' environment
   (``isolation._ZYGOTE_ENVIRONMENT``) and allocator (``native.use_python_allocator``),
   against a bare tree-sitter parse of the same files (py-tree-sitter, as
   ``bench_scale_all``'s). Each run's imports and warm-up are taken
   off (a run with no file); the rest is split by function: the tree-sitter parse and the
   tree's release, our C walk and structure (the native tokenizer's own part), the event codes
   it works out (BLAKE2b) or asks Python for, winnowing (``select``), MinHash (``minima``), the
   content's SHA-256, pickling the answer, and everything else (the Python around them).
2. timeline (``perf record`` task-clock samples with their times) of ``leaktrace fingerprint
   pip --jobs 1`` and ``--jobs 2``: per process role (calling process, zygote, parser
   processes) the first and last sample after the calling process started and its CPU, and
   the calling process's CPU before the parsers' first sample (start-up), while they parse,
   and after their last (the tail: index build, store digest, exit). Times stretch with the
   machine's load (printed); CPU seconds much less.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from fingerprints.isolation import _ZYGOTE_ENVIRONMENT
from tests.benchmarks.bench_scale_all import load, pip_tree
from tests.benchmarks.bench_startup_index import ENV, LEAKTRACE, PERF
from tests.benchmarks.perf_samples import record

WORK = """import pickle, sys
from pathlib import Path
from fingerprints import native
from fingerprints.fingerprinter import _parser, fingerprint_file
from fingerprints.languages import language_for_path
from fingerprints.params import FingerprintParams
mode, params = sys.argv[2], FingerprintParams()
if mode != "bare":  # as the zygote does (py-tree-sitter's own parse is left as it is)
    native.use_python_allocator()
files = [(str(p), p.read_bytes(), language_for_path(p))
         for p in sorted(Path(sys.argv[1]).rglob("*")) if p.is_file() and language_for_path(p)]
fingerprint_file("warm.py", b"x = 1\\n", "python", params)  # as the zygote warms
_parser("python").parse(b"x = 1\\n")
for path, data, language in files if mode != "none" else []:
    if mode == "bare":
        _parser(language).parse(data)
    else:
        answer = ("ok", fingerprint_file(path, data, language, params))
        pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
print(len(files))
"""

#: (label, callgrind function names whose inclusive counts are summed), in the order printed.
PARTS = [
    ("tree-sitter parse", ("ts_parser_parse_string_encoding",)),
    ("tree release", ("ts_tree_delete",)),
    # ``Tokenizer.fingerprint`` (``fingerprint_file``'s one native call) tokenizes in
    # ``tokenize_source`` (gcc may add a suffix), selects and computes the minima after it
    (
        "our C: walk, functions, lines, structure",
        ("tokenizer_tokenize", "tokenize_source", "tokenize_source.constprop.0"),
    ),
    ("  of which event codes (C, BLAKE2b)", ("text_code.part.0.constprop.0", "text_code")),
    (
        "  of which event codes asked of Python",
        (
            "tokenizer_tokenize>PyObject_CallOneArg",
            "tokenize_source>PyObject_CallOneArg",
            "tokenize_source.constprop.0>PyObject_CallOneArg",
        ),
    ),
    ("winnowing (select)", ("native_select", "select_fingerprints")),
    ("MinHash (minima)", ("native_minima", "minima_into", "minima_into.constprop.0")),
    ("comment lines blanked", ("native_blank_comment_lines",)),
    ("SHA-256 of the content", ("_hashlib_openssl_sha256",)),
    ("pickling the answer", ("_pickle_dumps",)),
]


def inclusive(out: Path) -> tuple[int, dict[str, int]]:
    """Program total and each function's inclusive instructions (largest entry per name, from
    ``callgrind_annotate``; a name inlined into several files keeps its own function's)."""
    shown = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out)],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    total = int(re.search(r"([\d,]+) \([^)]*\)\s+PROGRAM TOTALS", shown)[1].replace(",", ""))
    counts: dict[str, int] = {}
    for count, name in re.findall(r"^\s*([\d,]+) \([^)]*\)\s+\S*?:([\w.]+)(?: |$)", shown, re.M):
        counts[name] = max(counts.get(name, 0), int(count.replace(",", "")))
    return total, counts


def called_from(out: Path) -> dict[str, int]:
    """Inclusive instructions of a function in its calls from one caller, as
    ``"caller>function"`` (largest entry per pair): a function that many call (Python's
    ``PyObject_CallOneArg``) is counted only where the named caller calls it."""
    shown = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--tree=caller",
                            "--threshold=100", str(out)], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    counts: dict[str, int] = {}
    for block in shown.split("\n\n"):
        callee = re.search(r"^\s*[\d,]+ \([^)]*\)\s+\*\s+\S*?:([\w.]+) ", block, re.M)
        if not callee:
            continue
        for count, caller in re.findall(r"^\s*([\d,]+) \([^)]*\)\s+<\s+\S*?:([\w.]+) ",
                                        block, re.M):  # fmt: skip
            key = f"{caller}>{callee[1]}"
            counts[key] = max(counts.get(key, 0), int(count.replace(",", "")))
    return counts


def callgrind(mode: str, pip: Path, folder: Path) -> tuple[int, dict[str, int]]:
    """One run's counts (``inclusive``); an output already in ``folder`` is read again."""
    out = folder / f"callgrind.{mode}"
    if out.exists():
        return inclusive(out)
    command = [sys.executable, "-c", WORK, str(pip), mode]
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
                   check=True, capture_output=True, env={**ENV, **_ZYGOTE_ENVIRONMENT})  # fmt: skip
    return inclusive(out)


def instructions_section(pip: Path, work_folder: Path | None) -> None:
    print("\n== instructions (callgrind) for every file of pip: the parser processes' work "
          "against a bare parse ==")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = work_folder or Path(tmp)
        base, _ = callgrind("none", pip, folder)
        bare, bare_parts = callgrind("bare", pip, folder)
        full, parts = callgrind("full", pip, folder)
        parts.update(called_from(folder / "callgrind.full"))
    bare_parse = bare_parts["ts_parser_parse_string_encoding"] + bare_parts.get("ts_tree_delete", 0)
    work = full - base
    print(f"imports and warm-up (a run with no file): {base / 1e9:.2f} G, taken off the work")
    print(f"bare parse (py-tree-sitter): parse and release {bare_parse / 1e9:.2f} G instructions "
          f"(the whole run less the imports {(bare - base) / 1e9:.2f} G)")  # fmt: skip
    print(f"parser processes' work:                   {work / 1e9:6.2f} G instructions, "
          f"{work / bare_parse:.2f}x the bare parse")  # fmt: skip
    counted = 0
    for label, names in PARTS:
        count = max(parts.get(name, 0) for name in names)
        if label == "our C: walk, functions, lines, structure":
            count -= parts["ts_parser_parse_string_encoding"] + parts.get("ts_tree_delete", 0)
        counted += 0 if label.startswith("  ") else count
        print(f"  {label:<42} {count / 1e9:6.3f} G ({count / work:5.1%})")
    rest = work - counted
    print(f"  {'the rest (Python around them)':<42} {rest / 1e9:6.3f} G ({rest / work:5.1%})")


def samples(argv: list[str]) -> tuple[dict[str, list[tuple[float, float]]], float]:
    """Each role's (time after the calling process's exec, CPU seconds) samples of one run."""
    recorded = record(argv)
    roles: dict[str, list[tuple[float, float]]] = {}
    for pid, when, cpu in recorded.samples:
        roles.setdefault(recorded.role(pid), []).append((when, cpu))
    return roles, recorded.end()


def timeline_section(pip: Path) -> None:
    if not PERF:
        print("\n== timeline: perf not available ==")
        return
    for jobs in (1, 2):
        print(f"\n== timeline of fingerprint pip --jobs {jobs} (perf task-clock samples; "
              f"{load()}) ==")  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "pip.db"
            roles, end = samples([*LEAKTRACE, "fingerprint", str(pip), "--store", str(store),
                                  "--jobs", str(jobs)])  # fmt: skip
        for name in ("calling process", "zygote", "parser processes", "other"):
            items = sorted(roles.get(name, []))
            if items:
                print(f"{name:<17} first sample {items[0][0]:6.3f} s, last {items[-1][0]:6.3f} s, "
                      f"CPU {sum(c for _, c in items):.3f} s")  # fmt: skip
        parsing = sorted(roles.get("parser processes", []))
        if not parsing:
            continue
        first, last = parsing[0][0], parsing[-1][0]
        calling = roles["calling process"]
        before = sum(c for t, c in calling if t < first)
        after = sum(c for t, c in calling if t > last)
        split = [before, sum(c for _, c in calling) - before - after, after]
        print(f"the run: {end:.3f} s; parsing from {first:.3f} s to {last:.3f} s; the tail "
              f"{end - last:.3f} s. The calling process's CPU: {split[0]:.3f} s before the "
              f"first parse, {split[1]:.3f} s during, {split[2]:.3f} s after the last")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=("instructions", "timeline"),
                        default=["instructions", "timeline"])  # fmt: skip
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep the callgrind outputs here (those already there are read again)",
    )
    args = parser.parse_args()
    pip = pip_tree()
    print(f"pip {pip}; {os.cpu_count()} cores, {load()}")
    if "instructions" in args.sections:
        if args.work:
            args.work.mkdir(parents=True, exist_ok=True)
        instructions_section(pip, args.work)
    if "timeline" in args.sections:
        timeline_section(pip)


if __name__ == "__main__":
    main()
