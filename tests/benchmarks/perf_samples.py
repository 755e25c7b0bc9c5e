"""One run under ``perf record`` (task-clock samples with their times, and the fork and exec
events), and each process's role in it: the calling process, its pool workers (forked, not
executed: a scan's ``--jobs``), the zygote (executed by it), the parser processes (forked by
the zygote) and the rest (git). Shared by the benchmarks that split a run's CPU by process."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.bench_startup_index import ENV, PERF

ROLES = ("calling process", "pool workers", "zygote", "parser processes", "other")


@dataclass
class Recorded:
    """What ``record`` saw of one run."""

    returncode: int
    stderr: str
    samples: list[tuple[int, float, float]] = field(default_factory=list)
    """(pid, seconds after the calling process's exec, CPU seconds) of each sample."""
    parent: dict[int, int] = field(default_factory=dict)
    executed: dict[int, str] = field(default_factory=dict)
    """pid -> the command it executed, in the order of the exec events."""
    root: int | None = None
    """The calling process: the first to execute."""

    def role(self, pid: int) -> str:
        """One of ``ROLES``."""
        up = self.parent.get(pid)
        if pid == self.root:
            return "calling process"
        if up == self.root:
            if pid not in self.executed:
                return "pool workers"
            if not self.executed[pid].startswith("python"):
                return "other"
            # a zygote forks the parsers; before it, each parser was an interpreter of its own
            return "zygote" if pid in self.parent.values() else "parser processes"
        return "parser processes" if up in self.executed and up != self.root else "other"

    def end(self) -> float:
        """When the last sample was taken."""
        return max((when for _, when, _ in self.samples), default=0.0)


_FORK = re.compile(r"PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)")
_EXEC = re.compile(r"(\d+)/\d+\s+([\d.]+):.*PERF_RECORD_COMM exec: (.+):\d+/")
_SAMPLE = re.compile(r"(\d+)/\d+\s+([\d.]+):\s+(\d+)\s*$")


def record(argv: list[str], cwd: Path | None = None) -> Recorded:
    """Run ``argv`` under ``perf record`` (``PERF`` must be set) and read its samples back."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        done = subprocess.run([PERF, "record", "-q", "-e", "task-clock", "-F", "4000", "-o",
                               str(data), "--", *argv], cwd=cwd, env=ENV, capture_output=True,
                              text=True, check=False)  # fmt: skip
        script = subprocess.run([PERF, "script", "-i", str(data), "--show-task-events", "-F",
                                 "comm,pid,tid,time,period"], capture_output=True, text=True,
                                check=False)  # fmt: skip
    recorded = Recorded(done.returncode, done.stderr + script.stderr)
    if script.returncode != 0:
        recorded.returncode = recorded.returncode or script.returncode
        return recorded
    start = None
    for line in script.stdout.splitlines():
        if fork := _FORK.search(line):
            if fork[1] != fork[2]:
                recorded.parent[int(fork[1])] = int(fork[2])
        elif execed := _EXEC.search(line):
            recorded.executed.setdefault(int(execed[1]), execed[3])
            if recorded.root is None:
                recorded.root, start = int(execed[1]), float(execed[2])
        elif sample := _SAMPLE.search(line):
            recorded.samples.append((int(sample[1]), float(sample[2]), int(sample[3]) / 1e9))
    if start is None:
        start = min((when for _, when, _ in recorded.samples), default=0.0)
    recorded.samples = [(pid, when - start, cpu) for pid, when, cpu in recorded.samples]
    return recorded


def worked(items: list[tuple[int, float, float]], share: float = 0.99) -> tuple[float, float]:
    """When 1 - ``share`` and ``share`` of the CPU of samples ``items`` (pid, time, CPU) were
    spent: the work, not the process (a pool worker or a parser is forked before it gets work
    and exits only with the run)."""
    total, spent, times = sum(c for _, _, c in items), 0.0, []
    for _, when, cpu in sorted(items, key=lambda item: item[1]):
        spent += cpu
        while len(times) < 2 and spent >= (1 - share, share)[len(times)] * total:
            times.append(when)
    return times[0], times[-1]
