"""What ``scan --history`` reads of a folder on disk before any git command runs. On demand:

    .venv/bin/python -m tests.benchmarks.bench_git_folder [--objects 5000] [--reflog 100000]
        [--files 2000] [--repeat 5]

Builds, in a temporary folder, a repository with ``--objects`` loose objects and a reflog of
``--reflog`` entries under a branch named ``feature.py`` (its messages are read as Python), and a
folder of ``--files`` Python files (80 KB each) with no repository. Then crawls them as
``LocalTree(history=True)`` does: the git folder's files (``_git_folder_files``: each loose object
checked, each ref and reflog checked) and the plain folder's files (read; with history, each one's
git blob id was needed). Printed: how many times the repository's ``config``, the reflog and one
working-tree file were opened, and the CPU time of the crawl (best and median of ``--repeat``),
since wall time means little on a shared machine. No fingerprinting, no git command timed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scanner.sources.base import Limits
from scanner.sources.carriers import Unpacker
from scanner.sources.local import LocalTree

SAMPLE = Path(__file__).parents[2] / "samples" / "private" / "acme-ledger" / "acme_ledger"


def build(folder: Path, objects: int, reflog: int, files: int) -> tuple[Path, Path]:
    repo = folder / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    paths = folder / "paths"
    paths.mkdir()
    for i in range(objects):
        (paths / f"b{i}").write_text(f"blob {i}\n")
    listed = "".join(f"{paths / f'b{i}'}\n" for i in range(objects))
    subprocess.run(["git", "-C", str(repo), "hash-object", "-w", "--stdin-paths"],
                   input=listed.encode(), stdout=subprocess.DEVNULL, check=True)  # fmt: skip
    logs = repo / ".git" / "logs" / "refs" / "heads"
    logs.mkdir(parents=True)
    zero = "0" * 40
    (logs / "feature.py").write_text("".join(
        f"{zero} {i + 1:040x} t <t@example.com> {1700000000 + i} +0000\tcommit: x = {i}\n"
        for i in range(reflog)))  # fmt: skip
    plain = folder / "plain"
    source = (SAMPLE / "reconciliation.py").read_bytes() * 8
    for i in range(files):
        sub = plain / f"d{i // 50}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{i}.py").write_bytes(source + f"# {i}\n".encode())
    return repo, plain


def opens(names: set[str]) -> tuple[dict[str, int], Callable[[], None]]:
    """Count ``os.open`` of files with these names; the function that stops counting."""
    counted = dict.fromkeys(sorted(names), 0)
    real = os.open

    def counting(path: object, *args: object, **kwargs: object) -> int:
        name = os.path.basename(os.fspath(path))  # type: ignore[call-overload]
        if name in counted:
            counted[name] += 1
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    os.open = counting  # type: ignore[assignment]

    def stop() -> None:
        os.open = real

    return counted, stop


def crawl(what: str, run: Callable[[], int], names: set[str], repeat: int) -> None:
    times = []
    for _ in range(repeat):
        counted, stop = opens(names)
        start = time.process_time()
        try:
            read = run()
        finally:
            stop()
        times.append(time.process_time() - start)
    times.sort()
    print(f"{what}: {read:,} file(s) read; opened {counted}; CPU best {times[0] * 1000:.0f} ms, "
          f"median {times[len(times) // 2] * 1000:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--reflog", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-git-folder-") as tmp:
        repo, plain = build(Path(tmp), args.objects, args.reflog, args.files)

        def git_folder() -> int:
            tree = LocalTree(repo, history=True)
            unpacker = Unpacker(Limits(), tree.problems)
            return len(list(tree._git_folder_files(unpacker, ".git/", repo / ".git", set())))

        def working_tree() -> int:
            return len(list(LocalTree(plain, history=True).iter_files()))

        crawl(f"git folder ({args.objects:,} loose objects, a reflog of {args.reflog:,} entries)",
              git_folder, {"config", "feature.py"}, args.repeat)  # fmt: skip
        crawl(f"folder of {args.files:,} files, no repository", working_tree, {"f0.py"},
              args.repeat)  # fmt: skip
        print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
