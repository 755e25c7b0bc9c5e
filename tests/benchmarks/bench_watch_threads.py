"""Where ``leaktrace watch``'s CPU goes: per thread of the watch process, and its parser.

    .venv/bin/python -m tests.benchmarks.bench_watch_threads [--total 1000]

Replays ``bench_watch``'s throughput stream (``--total`` publications, ``watch --once --jobs
1``) and prints, from ``/proc/PID/task/TID/stat`` sampled every 50 ms, the CPU seconds of each
thread of the watch process (named after its Python thread: the main thread judges each file
and commits, ``watch-parse`` reads each publication's files and hands them to the parser and
back, ``watch-fetch`` fetches documents and tarballs, ``watch-npm`` and the others poll their
feed) and of the processes below it (the isolated parser and the zygote it is forked from),
beside the bare tree-sitter parse of the same files (``bench_watch.parse_floor``): which part
of the work beyond the parse is whose. Python does not name its threads for the system, so the
watch runs under ``--child``, which names each thread (``prctl``) as it starts, then runs
``python -m scanner``.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import os
import runpy
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.benchmarks.bench_watch import _command, _tree, parse_floor, stream_feeds
from tests.servers import FakeWebhook
from tests.watch_stream import build, write_store

PR_SET_NAME = 15


def child(argv: list[str]) -> None:
    """``python -m scanner ARGV`` with each thread named after its Python name."""
    libc = ctypes.CDLL(None)
    run = threading.Thread.run

    def named(self: threading.Thread) -> None:
        libc.prctl(PR_SET_NAME, self.name[:15].encode(), 0, 0, 0)
        run(self)

    threading.Thread.run = named  # type: ignore[method-assign]
    sys.argv = ["scanner", *argv]
    runpy.run_module("scanner", run_name="__main__", alter_sys=True)


def _threads(root: int) -> dict[tuple[int, int], tuple[str, float]]:
    """(pid, tid) -> (name, CPU seconds) of every thread of ``root`` and its children."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in _tree(root):
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                name = (task / "comm").read_text().strip()
                found[(pid, int(task.name))] = (name, (int(fields[11]) + int(fields[12])) / tick)
        except (OSError, ValueError, IndexError):
            continue
    return found


def measure(total: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, stream_feeds(total) as feeds, FakeWebhook() as hook:
        folder = Path(tmp)
        store = write_store(folder / "acme.db")
        stream = build(feeds, total, size="npm")
        feeds.show()
        command = _command(store, folder / "a.db", feeds, hook, "--once", "--jobs", "1")
        command = [sys.executable, "-m", "tests.benchmarks.bench_watch_threads", "--child",
                   *command[3:]]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        seen: dict[tuple[int, int], tuple[str, float]] = {}
        while process.poll() is None:
            seen |= _threads(process.pid)
            time.sleep(0.05)
        wall = time.monotonic() - started
        floor = parse_floor(feeds)
        alerts = len({a["target"] for a in hook.alerts()})
    by: collections.Counter[str] = collections.Counter()
    for (pid, tid), (name, seconds) in seen.items():
        if pid != process.pid:
            name = "parser"  # the parser process and the zygote it was forked from
        elif tid == pid:
            name = "main"
        by[name.rstrip("0123456789").rstrip("_")] += seconds  # a pool's NAME_0, NAME_1: one line
    watch = sum(s for name, s in by.items() if name != "parser")
    print(f"{stream.publications:,} publications in {wall:.1f} s wall; {alerts} leaks alerted; "
          f"bare parse {floor:.1f} s CPU")  # fmt: skip
    for name, seconds in by.most_common():
        print(f"  {seconds:7.2f} s  {seconds / stream.publications * 1000:5.2f} ms a publication"
              f"  {seconds / floor:5.3f}x the bare parse  {name}")  # fmt: skip
    print(f"  watch process {watch:.2f} s; all {watch + by['parser']:.2f} s: "
          f"{(watch + by['parser']) / floor:.2f}x the bare parse")  # fmt: skip


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=1000)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    measure(args.total)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
