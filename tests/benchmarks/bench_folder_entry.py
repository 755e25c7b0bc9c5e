"""What counting a folder's entries against ``max_files`` costs (``Unpacker.folder_entry``, once
per entry of every folder scanned). Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_folder_entry [--files 200000] [--depth 8]

Feeds the paths of a synthetic tree (``--depth`` folders deep, 20 files a folder, in the order
``walk_tree`` yields them: a folder's files after the folder) to one ``Unpacker`` and prints the
best of 5 runs in ns an entry and the entries counted (files plus folders)."""

from __future__ import annotations

import argparse
import time

from scanner.sources.base import Limits
from scanner.sources.carriers import Unpacker


def paths(files: int, depth: int) -> list[str]:
    out: list[str] = []
    folder = 0
    while len(out) < files:
        base = "/".join(f"d{folder}_{level}" for level in range(depth))
        out += [f"{base}/file{i}.py" for i in range(20)]
        folder += 1
    return out[:files]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--depth", type=int, default=8)
    args = parser.parse_args()
    walked = paths(args.files, args.depth)
    best, entries = float("inf"), 0
    for _ in range(5):
        unpacker = Unpacker(Limits(max_files=10**9), [])
        start = time.perf_counter()
        for path in walked:
            unpacker.folder_entry(path)
        best = min(best, time.perf_counter() - start)
        entries = unpacker.entries
    print(f"{len(walked):,} files {args.depth} deep: {best * 1e9 / len(walked):,.0f} ns an "
          f"entry (best of 5), {entries:,} entries counted")  # fmt: skip


if __name__ == "__main__":
    main()
