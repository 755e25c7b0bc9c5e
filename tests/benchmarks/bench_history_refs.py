"""The git side of ``scan --history`` on a repository with many refs. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_history_refs [--refs 3000] [--files 300] [--repeat 3]

Builds (``git fast-import``, in a temporary folder) a repository of ``--files`` Python files
and ``--refs`` branches, each one commit changing one file off the same base, so every branch
tip is a distinct commit with a distinct tree. Then reads it as ``scan --history`` reads a
folder's repository (``GitRepo(..., history=True, on_disk=True)``): fetch every ref, walk the
commits, read the blobs, look for what only reflogs, the index or lost trees hold; no
fingerprinting. Printed: each run's wall and CPU time (children included) and the machine's
load average, since wall time alone means little on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from scanner.sources.git import GitRepo


def build(folder: Path, refs: int, files: int) -> Path:
    repo = folder / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    lines = ["commit refs/heads/main", "mark :1", "committer t <t@example.com> 1700000000 +0000",
             "data 4", "base"]  # fmt: skip
    for i in range(files):
        data = f"x = {i}\n"
        lines += [f"M 100644 inline pkg{i % 30}/m{i}.py", f"data {len(data)}", data[:-1]]
    for ref in range(refs):
        data = f"y = {ref}\n"
        lines += [f"commit refs/heads/b{ref}", f"committer t <t@example.com> {1700000001 + ref} "
                  "+0000", "data 2", "b", "from :1", f"M 100644 inline pkg{ref % 30}/c.py",
                  f"data {len(data)}", data[:-1]]  # fmt: skip
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"],
                   input="\n".join(lines).encode() + b"\n", check=True)  # fmt: skip
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refs", type=int, default=3000)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leaktrace-bench-") as tmp:
        repo = build(Path(tmp), args.refs, args.files)
        print(f"{args.refs:,} branches, {args.files:,} files at the base")
        for run in range(1, args.repeat + 1):
            before = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
            start = time.perf_counter()
            source = GitRepo(str(repo), history=True, on_disk=True)
            read = sum(1 for _ in source.iter_files())
            wall = time.perf_counter() - start
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (children.ru_utime + children.ru_stime - before[0].ru_utime
                   - before[0].ru_stime + time.process_time() - before[1])  # fmt: skip
            print(
                f"run {run}: {read:,} files read, {len(source.problems)} problems, "
                f"{wall:.2f} s wall, {cpu:.2f} s CPU, load {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    main()
