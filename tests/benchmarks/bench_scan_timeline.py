"""Where ``scan --jobs N`` of the large tree spends its time, process by process (issue 12's
"--jobs 2 at 1.8x one core"). Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_scan_timeline [--jobs 1 2] [--bucket 0.1]
        [--work FOLDER]

Scans ``bench_scale_all``'s large tree (setuptools 69.5.1 and pip 24.0) against pip 24.2's
store under ``perf record`` (task-clock samples with their times) and prints, per process role
(the calling process, its pool workers: forked by it and not executed; the zygote; the parser
processes it forks), the first and last sample after the calling process started and the CPU;
then the calling process's CPU alone before the pool workers (or the parsers, with
``--jobs 1``) worked (1 % of their CPU spent: they are forked before they get work), beside
them, and alone after (99 % spent: they exit only with the run); when each pool worker worked
(how long one works alone at the end); and the run in buckets of ``--bucket`` seconds, each
role's CPU per bucket (two cores: at most ``2 x bucket`` in all). Times stretch with the
machine's load (printed); CPU seconds much less.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from tests.benchmarks.bench_scale_all import large_tree, load, pip_tree
from tests.benchmarks.bench_startup_index import ENV, LEAKTRACE, PERF
from tests.benchmarks.perf_samples import ROLES, record, worked

SHORT = {"calling process": "call", "pool workers": "pool", "zygote": "zyg",
         "parser processes": "parse", "other": "other"}  # fmt: skip


def samples(argv: list[str], cwd: Path) -> tuple[list[tuple[str, int, float, float]], float]:
    """Each sample of one run as (role, pid, time after the calling process's exec, CPU
    seconds), and the time of the last sample."""
    recorded = record(argv, cwd)
    if recorded.returncode not in (0, 1, 3):
        raise SystemExit(f"the scan failed ({recorded.returncode}): {recorded.stderr[-400:]!r}")
    rows = [(recorded.role(pid), pid, when, cpu) for pid, when, cpu in recorded.samples]
    return rows, recorded.end()


def timeline(jobs: int, work: Path, bucket: float) -> None:
    candidate = large_tree(work)
    store = work / "pip-jobs1.db"
    if not store.exists():
        subprocess.run([*LEAKTRACE, "fingerprint", str(pip_tree()), "--store", str(store)],
                       env=ENV, check=True, capture_output=True)  # fmt: skip
    results = work / f"timeline-{jobs}.db"
    for path in work.glob(f"{results.name}*"):
        path.unlink()
    argv = [*LEAKTRACE, "scan", str(candidate), "--store", str(store), "--jobs", str(jobs),
            "--json", str(work / f"timeline-{jobs}.json"), "--results", str(results)]  # fmt: skip
    print(f"\n== timeline of scan --jobs {jobs} (perf task-clock samples; {load()}) ==")
    rows, end = samples(argv, work)
    by_role: dict[str, list[tuple[int, float, float]]] = {}
    for name, pid, when, cpu in rows:
        by_role.setdefault(name, []).append((pid, when, cpu))
    for name in ROLES:
        items = by_role.get(name)
        if items:
            times = sorted(t for _, t, _ in items)
            print(f"{name:<17} first sample {times[0]:6.3f} s, last {times[-1]:6.3f} s, CPU "
                  f"{sum(c for _, _, c in items):.3f} s ({len({p for p, _, _ in items})} "
                  f"process(es))")  # fmt: skip
    helpers = by_role.get("pool workers") or by_role.get("parser processes") or []
    if not helpers:
        return
    first, last = worked(helpers)
    calling = by_role["calling process"]
    before = sum(c for _, t, c in calling if t < first)
    after = sum(c for _, t, c in calling if t > last)
    during = sum(c for _, _, c in calling) - before - after
    print(f"the run: {end:.3f} s; the {'pool workers' if jobs > 1 else 'parsers'} from "
          f"{first:.3f} s to {last:.3f} s; the calling process's CPU: {before:.3f} s alone "
          f"before, {during:.3f} s beside them, {after:.3f} s alone after ({end - last:.3f} s "
          f"of wall time)")  # fmt: skip
    workers: dict[int, list[tuple[int, float, float]]] = {}
    for pid, when, cpu in by_role.get("pool workers", []):
        workers.setdefault(pid, []).append((pid, when, cpu))
    if len(workers) > 1:
        spans = [worked(s) for s in workers.values()]
        ends = sorted(end for _, end in spans)
        print(
            "pool workers worked from/until: "
            + ", ".join(f"{a:.3f}-{b:.3f} s" for a, b in spans)
            + f"; the last worked {ends[-1] - ends[0]:.3f} s after the first stopped"
        )
    print(f"CPU per {bucket:g} s bucket (s), by role: " + ", ".join(
        f"{SHORT[n]}={n}" for n in ROLES if n in by_role))  # fmt: skip
    count = int(end / bucket) + 1
    table = {name: [0.0] * count for name in ROLES}
    for name, _, when, cpu in rows:
        table[name][min(count - 1, int(when / bucket))] += cpu
    shown = [n for n in ROLES if n in by_role]
    print("   t     " + "".join(f"{SHORT[n]:>7}" for n in shown) + "    all")
    for i in range(count):
        cells = [table[n][i] for n in shown]
        print(f"{i * bucket:5.1f} s  " + "".join(f"{c:7.3f}" for c in cells) + f"{sum(cells):7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[2])
    parser.add_argument("--bucket", type=float, default=0.1)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="the large tree and pip's store are kept here between runs",
    )
    args = parser.parse_args()
    if not PERF:
        raise SystemExit("perf is not available")
    work = args.work or Path(tempfile.mkdtemp(prefix="leaktrace-bench-timeline-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; {os.cpu_count()} cores, {load()}")
    for jobs in args.jobs:
        timeline(jobs, work, args.bucket)


if __name__ == "__main__":
    main()
