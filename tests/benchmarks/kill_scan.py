"""kill -9 at random moments during ``leaktrace scan`` (issue 11). Run on demand:

    nice .venv/bin/python -m tests.benchmarks.kill_scan --trials 20

One store of ``samples/private/acme-ledger``; one command scanning several candidates (a copy of
the private tree, a tar.gz and a zip of private files, the sample candidates: folders and an
archive, derivative and clear) into a results database, with JSON and HTML reports. First the
command runs uninterrupted: its verdicts are the reference. Then each trial starts the same
command on a fresh results database, sends SIGKILL to it after a random delay (anywhere from
start-up to the report writing), and checks:

- the results database, if it was created, passes ``PRAGMA integrity_check``, opens with
  ``ResultsDB`` and ``leaktrace report latest`` reads it (or says clearly that no run exists);
- a report file that exists is complete (reports are renamed into place);
- no process of the killed command is left running a few seconds later (its parser child);
- the same command run again completes (resuming the unfinished run), with the verdicts of the
  uninterrupted run, and a ``leaktrace report latest`` that gives them too.

Prints one line per trial and a summary; exits 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.resultsdb import ResultsDB
from tests.conftest import SAMPLES
from tests.test_carriers import zip_bytes

PRIVATE = SAMPLES / "private" / "acme-ledger"
CANDIDATES = SAMPLES / "candidates"
LEAKTRACE = [sys.executable, "-m", "scanner"]


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LEAKTRACE, *args], capture_output=True, text=True, check=False,
                          **kwargs)  # type: ignore[call-overload]  # fmt: skip


def build_candidates(root: Path) -> list[Path]:
    """Folders and archives, some holding private code (derivative), some not (clear)."""
    copy = root / "vendored-ledger"
    shutil.copytree(PRIVATE, copy, ignore=shutil.ignore_patterns(".git"))
    (copy / "acme_ledger" / "journal.py").rename(copy / "acme_ledger" / "posting.py")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in sorted((PRIVATE / "acme_ledger").glob("*.py")):
            archive.add(path, f"pkg/{path.name}")
    (root / "drop.tar.gz").write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    java = next(PRIVATE.rglob("*.java"))
    (root / "lib.zip").write_bytes(zip_bytes({
        "lib/journal.py": (PRIVATE / "acme_ledger" / "journal.py").read_bytes(),
        f"src/{java.name}": java.read_bytes(), "README.md": b"# lib\n",
    }))  # fmt: skip
    return [copy, root / "drop.tar.gz", root / "lib.zip",
            *sorted(p for p in CANDIDATES.iterdir() if not p.name.startswith("."))]  # fmt: skip


@dataclass
class Trial:
    number: int
    delay: float
    plan: str = ""
    killed_at: str = ""
    problems: list[str] = field(default_factory=list)
    resumed: str = ""

    def line(self) -> str:
        verdict = "ok  " if not self.problems else "FAIL"
        text = (f"{verdict} trial {self.number:>2}: {self.plan:<28} SIGKILL at {self.delay:5.2f} s"
                f" ({self.killed_at}); re-run: {self.resumed}")  # fmt: skip
        return text + "".join(f"\n       - {p}" for p in self.problems)


class Bench:
    def __init__(self, root: Path, jobs: int, most: int | None = None) -> None:
        self.root = root
        self.store = root / "store.db"
        done = _run(["fingerprint", str(PRIVATE), "--store", str(self.store)])
        assert done.returncode == 0, done.stderr
        self.targets = [str(p) for p in build_candidates(root / "candidates")][:most]
        self.jobs = jobs

    def command(self, folder: Path) -> list[str]:
        return ["scan", *self.targets, "--store", str(self.store), "--jobs", str(self.jobs),
                "--results", str(folder / "results.db"), "--json", str(folder / "report.json"),
                "--html", str(folder / "report.html")]  # fmt: skip

    def reference(self) -> tuple[dict[str, str], float]:
        folder = self.root / "reference"
        folder.mkdir()
        started = time.monotonic()
        done = _run(self.command(folder))
        seconds = time.monotonic() - started
        assert done.returncode == 1, done.stderr  # derivative found
        return verdicts(folder / "report.json"), seconds

    def trial(self, number: int, delay: float, expected: dict[str, str],
              after_judged: int = 0) -> Trial:  # fmt: skip
        """One kill and re-run: ``delay`` seconds after start, or after ``after_judged``
        candidates are recorded."""
        folder = self.root / f"trial-{number}"
        folder.mkdir()
        plan = f"{after_judged} judged + {delay:.2f} s" if after_judged else f"{delay:.2f} s"
        trial = Trial(number, delay, plan)
        started = time.monotonic()
        process = subprocess.Popen([*LEAKTRACE, *self.command(folder)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        reached: float | None = None if after_judged else started
        while process.poll() is None:
            if reached is None and _judged(folder / "results.db") >= after_judged:
                reached = time.monotonic()
            if reached is not None and time.monotonic() - reached >= delay:
                waited = time.monotonic() - started
                process.send_signal(signal.SIGKILL)
                process.wait()
                trial.delay = waited
                trial.killed_at = self.progress(folder)
                break
            time.sleep(0.01)
        else:
            trial.killed_at = f"finished first, exit {process.returncode}"
        self.check_orphans(process.pid, trial)
        self.check_after_kill(folder, trial)
        done = _run(self.command(folder))
        trial.resumed = ("resumed" if "resuming run" in done.stderr else "new run") + \
            f", exit {done.returncode}"  # fmt: skip
        if done.returncode != 1:
            trial.problems.append(f"re-run exit {done.returncode}: {done.stderr[-500:]!r}")
            return trial
        found = verdicts(folder / "report.json")
        if found != expected:
            differ = sorted(set(found.items()) ^ set(expected.items()))
            trial.problems.append(f"verdicts differ: {differ}")
        latest = _run(["report", "latest", "--results", str(folder / "results.db"), "--format",
                       "json"])  # fmt: skip
        if latest.returncode != 0:
            trial.problems.append(f"report latest after the re-run: exit {latest.returncode}")
        elif verdicts_of(json.loads(latest.stdout)) != expected:
            trial.problems.append("report latest after the re-run: other verdicts")
        return trial

    @staticmethod
    def progress(folder: Path) -> str:
        """How far the killed run got: nothing yet, N candidates recorded, or its reports."""
        db = folder / "results.db"
        if not db.exists():
            return "no results database yet"
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
                judged = conn.execute("SELECT count(*) FROM candidates").fetchone()[0]
        except sqlite3.Error as exc:
            return f"database unreadable: {exc}"
        reports = sum((folder / name).exists() for name in ("report.json", "report.html"))
        return f"{runs} run(s), {judged} candidate(s) judged, {reports} report(s)"

    @staticmethod
    def check_orphans(pid: int, trial: Trial) -> None:
        """The killed command's session (its parser child, any worker) ends on its own."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        trial.problems.append("processes of the killed scan still running after 10 s")
        os.killpg(pid, signal.SIGKILL)  # ours: the session this script started

    def check_after_kill(self, folder: Path, trial: Trial) -> None:
        db = folder / "results.db"
        if db.exists():
            try:
                with closing(sqlite3.connect(db)) as conn:
                    check = conn.execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    trial.problems.append(f"integrity_check: {check}")
                with ResultsDB(db) as results:
                    results.runs()
            except Exception as exc:
                trial.problems.append(f"results database does not open: {exc!r}")
            latest = _run(["report", "latest", "--results", str(db), "--format", "json"])
            if latest.returncode == 0:
                json.loads(latest.stdout)
            elif latest.returncode != 2 or "internal error" in latest.stderr:
                trial.problems.append(f"report latest: exit {latest.returncode}: "
                                      f"{latest.stderr.strip()[-300:]!r}")  # fmt: skip
        for name in ("report.json",):
            path = folder / name
            if path.exists():
                try:
                    json.loads(path.read_text())
                except ValueError:
                    trial.problems.append(f"{name} is incomplete")
        parts = list(folder.glob(".*.part"))
        for part in parts:  # a temporary report cut off by the kill: never renamed into place
            part.unlink()
        if parts:
            trial.killed_at += f", {len(parts)} temporary report file(s) left"


def _judged(db: Path) -> int:
    """Candidates recorded so far in a results database another process is writing."""
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)) as conn:
            return int(conn.execute("SELECT count(*) FROM candidates").fetchone()[0])
    except sqlite3.Error:
        return 0


def verdicts_of(report: dict[str, Any]) -> dict[str, str]:
    return {c["target"]: c["verdict"] for c in report["candidates"]}


def verdicts(report: Path) -> dict[str, str]:
    return verdicts_of(json.loads(report.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1, help="scan --jobs (default 1)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="leaktrace-kill-") as tmp:
        bench = Bench(Path(tmp), args.jobs)
        expected, seconds = bench.reference()
        counts = {v: list(expected.values()).count(v) for v in sorted(set(expected.values()))}
        print(f"kill_scan: seed {seed}, {len(expected)} candidates {counts}, uninterrupted scan "
              f"{seconds:.2f} s; {args.trials} trials, --jobs {args.jobs}", flush=True)  # fmt: skip
        trials = []
        for number in range(1, args.trials + 1):
            if number % 2:  # anywhere in the run, start-up included
                trial = bench.trial(number, rng.uniform(0.2, seconds), expected)
            else:  # after a random number of verdicts (all of them: while reports are written)
                judged = rng.randint(1, len(expected))
                trial = bench.trial(number, rng.uniform(0, 0.5), expected, judged)
            trials.append(trial)
            print(trial.line(), flush=True)
        failed = [t for t in trials if t.problems]
        killed = sum(not t.killed_at.startswith("finished") for t in trials)
        print(f"{len(trials) - len(failed)} of {len(trials)} trials passed ({killed} killed "
              f"mid-run, {len(trials) - killed} finished before the kill)")  # fmt: skip
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
