"""``leaktrace watch`` under a realistic stream: throughput, alert delay, memory.

    .venv/bin/python -m tests.benchmarks.bench_watch [--total 10000] [--paced 3000] [--rate 2000]
    .venv/bin/python -m tests.benchmarks.bench_watch --jobs 2   # watch --jobs 2: both cores
    .venv/bin/python -m tests.benchmarks.bench_watch --total 0 --paced 600 --rate 300  # delay only
    .venv/bin/python -m tests.benchmarks.bench_watch --stream real --total 2000 --paced 0

1. **Throughput**: ``--total`` publications (80 % npm, 12 % PyPI, 8 % GitHub events, five
   leaks) all in the feeds at once; ``watch --once`` takes them as fast as it can. The npm
   tarballs are, with ``--stream generated`` (the default), generated JavaScript beside a README
   and a licence, log-normal sizes with a median near 20 KB compressed; with ``--stream real``,
   real npm tarballs (``tests/benchmarks/npm_real.py``: a seeded random sample of the registry's
   packages, pinned with their integrity, fetched once into a cache), each published once under
   the stream's names until all were (then again: said, since watch's memo makes a repeat
   cheap). The stream's sizes are printed (compressed and unpacked; the share of unpacked bytes
   that watch parses as source).
   Prints publications per minute per core (CPU time of the watch process and of its isolated
   parser process, from ``/proc``), per minute of wall time, and the peak resident memory of
   both together over the first and the second half of the stream (sampled from ``/proc``
   every 50 ms, halves by publications done).
   Beside it, the CPU of a bare tree-sitter parse of the stream's source files: the floor
   no watch can go below (``parse_floor``). After it, the verdicts watch gave the stream's
   ordinary publications and each reason it gave for a file it could not read.
2. **Alert delay**: ``--paced`` publications appearing at ``--rate`` per minute; watch polls
   every 2 s; the delay of each leak is from the moment it appeared in the feed to the moment
   the webhook server received its alert.

Targets (issue 13): >= 2,000 publications/min/core, delay < 10 s, memory flat within 10 %.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

from fingerprints import SourceFile as CandidateFile
from fingerprints.languages import load_language
from scanner.scan import windows
from scanner.sources.archive import Archive
from scanner.sources.base import Limits
from tests.benchmarks import npm_real
from tests.servers import FakeFeeds, FakeWebhook
from tests.watch_stream import build, write_store


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (the isolated parser)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def _rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each process, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return found


def _done(feeds: FakeFeeds) -> int:
    """Publications read so far, from the server's log (tarballs, PyPI files, pushes, trees)."""
    return sum(
        1
        for r in feeds.requests
        if r["path"].endswith((".tgz", ".tar.gz")) or "/compare/" in r["path"]
    )


def _command(store: Path, results: Path, feeds: FakeFeeds, hook: FakeWebhook,
             *extra: str) -> list[str]:  # fmt: skip
    return [sys.executable, "-m", "scanner", "watch", "--store", str(store),
            "--results", str(results), "--webhook", f"{hook.url}/hook", "--from-beginning",
            "--gharchive-from", "2026-12-01-0", "--npm-changes", feeds.url,
            "--npm-registry", feeds.url, "--pypi-url", feeds.url, "--api-url", feeds.url,
            "--gharchive-url", f"{feeds.url}/gharchive", *extra]  # fmt: skip


class Sampler:
    """The peak resident memory of a watch and its parsers over the first and the second half
    of the stream (halves by publications read, ``_done``) and each process's CPU, sampled from
    ``/proc`` every 50 ms."""

    def __init__(self, pid: int, feeds: FakeFeeds, total: int) -> None:
        self.peaks = {"first": 0, "second": 0}
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(pid, feeds, total),
                                        daemon=True)  # fmt: skip
        self._thread.start()

    def _sample(self, pid: int, feeds: FakeFeeds, total: int) -> None:
        while not self._stop.is_set():
            half = "first" if _done(feeds) < total / 2 else "second"
            pids = _tree(pid)
            self.peaks[half] = max(self.peaks[half], _rss_kib(pids))
            for each, seconds in _cpu_seconds(pids).items():
                self.cpu[each] = max(self.cpu.get(each, 0.0), seconds)
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def memory(self) -> str:
        first, second = self.peaks["first"], self.peaks["second"]
        growth = (second - first) / max(1, first) * 100
        return (f"memory: peak RSS first half {first / 1024:.0f} MiB, second half "
                f"{second / 1024:.0f} MiB ({growth:+.1f} %, target within 10 %)")  # fmt: skip


def _run(command: list[str], feeds: FakeFeeds, total: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    sampler = Sampler(process.pid, feeds, total)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    sampler.stop()
    peaks, cpu = sampler.peaks, sampler.cpu
    stderr = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"watch failed ({process.returncode}):\n{stderr[-3000:]}")
    # wait4 counts the watch process and the children it waited for (its parser, when it reaps
    # it at exit); the samples count each process of the tree until its last 50 ms
    own = usage.ru_utime + usage.ru_stime
    others = sum(seconds for pid, seconds in cpu.items() if pid != process.pid)
    total = max(own, cpu.get(process.pid, 0.0) + others)
    return {"wall": wall, "cpu": total, "parser_cpu": others,
            "first_kib": peaks["first"], "second_kib": peaks["second"],
            "max_kib": usage.ru_maxrss}  # fmt: skip


def _sizes(sizes: list[int]) -> str:
    ordered = sorted(sizes)
    q = statistics.quantiles(ordered, n=10)
    kib = [size / 1024 for size in ordered]
    return (f"{len(ordered):,} npm tarballs, compressed: median {statistics.median(kib):.1f} KB,"
            f" p10 {q[0] / 1024:.1f} KB, p90 {q[-1] / 1024:.1f} KB, max {kib[-1]:.0f} KB,"
            f" total {sum(kib) / 1024:.0f} MiB")  # fmt: skip


def _archives(feeds: FakeFeeds) -> list[tuple[str, bytes]]:
    """The stream's npm tarballs and PyPI sdists, (served path, body), in stream order."""
    with feeds.lock:
        return [(path, body) for path, (body, _) in feeds._files.items()
                if path.endswith((".tgz", ".tar.gz"))]  # fmt: skip


def _parsed(path: str, body: bytes) -> list[CandidateFile]:
    """What watch parses in one archive: its files (and the sources embedded in them, source
    maps' ``sourcesContent``, scripts in pages) that have a language."""
    archive = Archive(Path(path.rsplit("/", 1)[-1]), data=body, history=False)
    return [file for file in archive.iter_files() if file.language]


def unpacked(feeds: FakeFeeds) -> str:
    """The npm tarballs' unpacked sizes and the share of their bytes watch parses as source."""
    whole, parsed = [], []
    for path, body in _archives(feeds):
        if path.endswith(".tgz"):
            with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
                whole.append(sum(m.size for m in tar.getmembers() if m.isfile()))
            parsed.append(sum(len(file.data) for file in _parsed(path, body)))
    q = statistics.quantiles(whole, n=10)
    return (f"unpacked: median {statistics.median(whole) / 1024:.1f} KB, p10 {q[0] / 1024:.1f} "
            f"KB, p90 {q[-1] / 1024:.1f} KB, max {max(whole) / 1024:.0f} KB, total "
            f"{sum(whole) / 2**20:.0f} MiB; parsed as source (files with a language, with the "
            f"sources embedded in maps and pages): {sum(parsed) / 2**20:.0f} MiB, "
            f"{sum(parsed) / sum(whole):.0%} of the unpacked bytes; median a tarball "
            f"{statistics.median(parsed) / 1024:.1f} KB")  # fmt: skip


def parse_floor(feeds: FakeFeeds) -> float:
    """CPU seconds of a bare tree-sitter parse (py-tree-sitter, in this process) of exactly
    the files watch parses in the stream's npm and PyPI archives (each distinct content in a
    language once, as watch's memo does; a file over the parse window in windows): what no
    watch can go below, whatever else it does. Only the parse calls are timed."""
    import tree_sitter

    parsers: dict[str, tree_sitter.Parser | None] = {}
    seen: set[tuple[bytes, str]] = set()
    window = Limits().max_file_bytes
    spent = 0.0
    for path, body in _archives(feeds):
        for file in _parsed(path, body):
            key = (hashlib.sha256(file.data).digest(), file.language)
            if key in seen:
                continue
            seen.add(key)
            if file.language not in parsers:
                try:
                    language = load_language(file.language).ts_language
                    parsers[file.language] = tree_sitter.Parser(language)
                except (ImportError, OSError) as exc:  # said, and that language left out
                    print(f"parse floor: no {file.language} grammar ({exc}); left out")
                    parsers[file.language] = None
            parser = parsers[file.language]
            for *_, data in windows(file.data, window) if parser is not None else ():
                start = time.process_time()
                parser.parse(data)
                spent += time.process_time() - start
    return spent


def outcomes(results: Path, leaks: set[str]) -> None:
    """What watch said of the stream's ordinary publications: each verdict but ``clear`` (which
    it does not record), and each reason it gave for a file it could not read."""
    with closing(sqlite3.connect(results)) as db:
        rows = db.execute("SELECT target, verdict, data FROM candidates").fetchall()
    ordinary = [(t, v, json.loads(d)) for t, v, d in rows if t.rsplit("@", 1)[0] not in leaks]
    verdicts = Counter(v for _, v, _ in ordinary)
    print(f"ordinary publications not clear: {len(ordinary)} "
          f"({', '.join(f'{n} {v}' for v, n in verdicts.most_common()) or 'none'})")  # fmt: skip
    reasons = Counter()
    for target, _, data in ordinary:
        for problem in data["unread"]:
            reasons[re.sub(r"\d[\d,.]*", "N", problem["message"])[:100]] += 1
            print(f"  {target} {problem['path']}: {problem['message'][:160]}")
    for reason, count in reasons.most_common():
        print(f"  unread x{count}: {reason}")


BIG_BYTES = 64 * 2**20
"""``--stream real``: a package of more bytes unpacked than this is a big one (``--big-at``,
``--no-big``); watch's big lane takes it (``scanner.watch.lane.LANE_BYTES``)."""

STREAM_SPAN = 5400
"""Seconds of event time the stream spans at least: GH Archive holds its first hour, and its
last, current hour (never archived) is reached back to by the live feed. A stream of a few
thousand events a second apart lies wholly in the current hour: watch's GitHub feed, backfilling
from ``--gharchive-from``, then rightly waits for that hour to be archived (the live feed cannot
show it holds every event since the hour began), and a ``--once`` run ends before it is."""


def stream_feeds(total: int) -> FakeFeeds:
    """The feeds server for a stream of ``total`` publications spanning ``STREAM_SPAN``."""
    return FakeFeeds(seconds_per_entry=max(1, -(-STREAM_SPAN // max(total, 1))))


def throughput(store: Path, folder: Path, total: int, jobs: int,
               tarballs: list[bytes]) -> None:  # fmt: skip
    with stream_feeds(total) as feeds, FakeWebhook() as hook:
        t = time.monotonic()
        stream = build(feeds, total, size="npm", tarballs=tarballs)
        built = time.monotonic() - t
        print(f"stream: {stream.publications:,} publications built in {built:.0f} s; "
              f"{_sizes(stream.tarball_sizes)}", flush=True)  # fmt: skip
        if tarballs:
            print(f"real npm tarballs: {len(stream.tarball_sizes) - stream.repeats:,} distinct "
                  f"of the {len(tarballs):,} pinned, {stream.repeats:,} published again "
                  "(watch's memo makes a repeat cheap)")  # fmt: skip
        print(unpacked(feeds), flush=True)
        feeds.show()
        command = _command(store, folder / "a.db", feeds, hook, "--once", "--jobs", str(jobs))
        got = _run(command, feeds, total)
        found = {a["target"].split("@")[0] for a in hook.alerts()}
        expected = {t.split("@")[0] for t in stream.leaky_targets.values()}
        _report(stream.publications, got, found, expected)
        outcomes(folder / "a.db", {t.rsplit("@", 1)[0] for t in stream.leaky_targets.values()})
        floor = parse_floor(feeds)
    print(f"bare tree-sitter parse of the stream's source files: {floor:.1f} s CPU, "
          f"{floor / stream.publications * 1000:.1f} ms a publication: the parse alone allows "
          f"at most {stream.publications / (floor / 60):,.0f} publications/min/core; watch used "
          f"{got['cpu'] / floor:.2f}x the bare parse")  # fmt: skip


def _report(publications: int, got: dict[str, float], found: set[str],
            expected: set[str]) -> None:  # fmt: skip
    rate_core = publications / (got["cpu"] / 60)
    rate_wall = publications / (got["wall"] / 60)
    growth = (got["second_kib"] - got["first_kib"]) / max(1, got["first_kib"]) * 100
    print(f"throughput: {publications:,} publications in {got['wall']:.1f} s wall, "
          f"{got['cpu']:.1f} s CPU ({got['parser_cpu']:.1f} s of it in the isolated parser): "
          f"{rate_core:,.0f} publications/min/core "
          f"(target >= 2,000), {rate_wall:,.0f}/min wall")  # fmt: skip
    print(f"memory: peak RSS first half {got['first_kib'] / 1024:.0f} MiB, second half "
          f"{got['second_kib'] / 1024:.0f} MiB ({growth:+.1f} %, target within 10 %)")  # fmt: skip
    print(f"alerts: {len(found)} of {len(expected)} leaks "
          f"({'all' if found == expected else 'MISSING ' + str(expected - found)})")  # fmt: skip


def delay(store: Path, folder: Path, total: int, rate: float, jobs: int,
          tarballs: list[bytes], big: list[int]) -> None:  # fmt: skip
    """The alert delay of each leak in a stream paced at ``rate`` a minute (``tarballs``: real
    npm tarballs, ``big`` the stream indexes of the big ones), and the memory of its halves."""
    with stream_feeds(total) as feeds, FakeWebhook() as hook:
        stream = build(feeds, total, size="npm", seed=14, tarballs=tarballs)
        npm = [i for i, e in enumerate(feeds.entries) if e.key.startswith("npm:pkg-")]
        for index in big:
            if index < len(npm):
                at = npm[index]
                print(f"big publication at stream entry {at:,} ({at / total:.0%}): "
                      f"{feeds.entries[at].key}, {feeds.entries[at].data['size'] / 2**20:.0f} "
                      "MiB compressed")  # fmt: skip
        print("leaks at: " + ", ".join(f"{leak} {i:,} ({i / total:.0%})"
                                       for leak, i in stream.leaky.items()))  # fmt: skip
        feeds.pace(rate / 60)
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
        command = _command(store, folder / "b.db", feeds, hook, "--poll", "2", "--jobs", str(jobs))
        process = subprocess.Popen(command,
                                   env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        sampler = Sampler(process.pid, feeds, total)
        try:
            deadline = time.monotonic() + total / (rate / 60) + 900
            while len(hook.alerts()) < len(stream.leaky) and time.monotonic() < deadline:
                if process.poll() is not None:  # stopped: no alert is coming (not a stall)
                    break
                time.sleep(0.5)
        finally:
            sampler.stop()
            exited = process.poll()
            process.terminate()
            stderr = process.communicate(timeout=60)[1]
        print(sampler.memory())
        lines = stderr.splitlines()
        if exited is not None:
            print(f"watch EXITED ({exited}) before every leak was alerted; its last lines:")
        for n, line in enumerate(lines):
            if ("big lane" in line or os.environ.get("BENCH_WATCH_STDERR")
                    or (exited is not None and n >= len(lines) - 5)):  # fmt: skip
                print(f"watch: {line[:300]}")
        received = {p["target"].split("@")[0]: at for at, p in hook.received}
        each: dict[str, float] = {}
        for leak, index in stream.leaky.items():
            target = stream.leaky_targets[leak].split("@")[0]
            if target in received:
                each[leak] = received[target] - feeds.appeared[index]
            else:
                print(f"delay: {leak}: no alert")
    delays = list(each.values())
    print(f"alert delay at {rate:,.0f} publications/min ({total:,} paced): "
          f"median {statistics.median(delays):.1f} s, worst {max(delays):.1f} s over "
          f"{len(delays)} leaks (target < 10 s); "
          + ", ".join(f"{leak} {seconds:.1f} s" for leak, seconds in each.items()))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--paced", type=int, default=3_000)
    parser.add_argument("--rate", type=float, default=2_000.0, help="publications per minute")
    parser.add_argument("--jobs", type=int, default=1, help="watch --jobs (parser processes)")
    parser.add_argument("--stream", choices=("generated", "real"), default="generated",
                        help="the npm tarballs: generated JavaScript or real packages")  # fmt: skip
    parser.add_argument("--big-at", type=float, default=None,
                        help="--stream real: the big packages (over BIG_BYTES unpacked) moved to "
                        "this share of the stream (0.3: before the last three leaks)")  # fmt: skip
    parser.add_argument(
        "--no-big",
        action="store_true",
        help="--stream real: the big packages left out (memory without them)",
    )
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"watch --jobs {args.jobs}; --stream {args.stream}", flush=True)  # fmt: skip
    tarballs: list[bytes] = []
    big: list[int] = []  # indexes in ``tarballs`` of the big ones
    if args.stream == "real":
        pinned = npm_real.sample()
        huge = [p for p in pinned if p.unpacked > BIG_BYTES]
        rest = [p for p in pinned if p.unpacked <= BIG_BYTES]
        if args.no_big:
            pinned = rest
        elif args.big_at is not None:
            at = int(args.big_at * max(args.total, args.paced) * 0.8)  # npm: 80 % of the stream
            pinned = rest[:at] + huge + rest[at:]
        big = [i for i, p in enumerate(pinned) if p.unpacked > BIG_BYTES]
        tarballs = npm_real.tarballs(pinned)
        print(f"{len(tarballs):,} real npm tarballs pinned, integrity checked; big (over "
              f"{BIG_BYTES / 2**20:.0f} MiB unpacked): "
              + (", ".join(pinned[i].spec for i in big) or "none"), flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = write_store(folder / "acme.db")
        if args.total:
            throughput(store, folder, args.total, args.jobs, tarballs)
        if args.paced:
            delay(store, folder, args.paced, args.rate, args.jobs, tarballs, big)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
