"""One hostile file never stops, stalls or fools a scan (issue 11): the parser runs in a child
process under a time and a memory limit, in a thread with a stack deep enough for 4 MiB of
nesting; a file that still crashes, hangs or blows it up is one problem line, ``incomplete``,
and the scan goes on, on one core and on several, and is not tried again by a later run."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from typer.testing import CliRunner

from fingerprints import (
    FingerprintParams,
    ParseFailure,
    ParseLimits,
    analyze,
    fingerprint_file,
    isolated_tokenize,
    isolation,
    load_language,
    open_store,
    tokenize,
)
from fingerprints.fingerprinter import FileFingerprint, from_fields
from fingerprints.shingles import FINGERPRINT_DTYPE
from scanner.cli import app
from scanner.commands.exits import EXIT_CLEAR, EXIT_DERIVATIVE, EXIT_INCOMPLETE
from scanner.resultsdb import SCHEMA_VERSION, ResultsDB
from tests.conftest import SAMPLES

if TYPE_CHECKING:
    from fingerprints.normalize import TokenStream

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_text()
DEEP = b"([{" * 100_000  # 300 KB: overflowed an 8 MiB native stack (exit 139)
LONG = (JOURNAL * 40).encode()  # 390 KB: 0.1 s of CPU to parse, a stop signal lands mid-parse


@pytest.fixture(autouse=True)
def fresh_parsers():
    """Each test starts its own parser processes (some change their stack), and stops them."""
    isolation.close_parsers()
    yield
    isolation.close_parsers()


@pytest.fixture
def small_stack(monkeypatch):
    """Parser processes with an 8 MiB stack, on which DEEP still crashes the parser: a stand-in
    for an input that crashes it whatever the stack."""
    monkeypatch.setattr(isolation, "STACK_BYTES", 8 * 1024**2)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "store.db"
    assert runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db)]).exit_code == 0
    return db


def candidate(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def scan(store: Path, results: Path, *args: str):
    return runner.invoke(app, ["scan", *args, "--store", str(store), "--results", str(results)])


# -- the parser process ---------------------------------------------------------------------


def test_isolated_tokens_are_the_same_tokens():
    data = JOURNAL.encode()
    here = tokenize(data, load_language("python"))
    there = isolated_tokenize(data, "python", ParseLimits())
    for name in ("values", "raw", "line_start", "line_end", "start_byte", "end_byte"):
        assert np.array_equal(getattr(here, name), getattr(there, name))
    assert (here.lines, here.error_line) == (there.lines, there.error_line)


WIDE = b"function f(a) { return g(a, 'x' + \"y\"); }\n" * 4000  # 68,000 tokens: 2.7 MB


@pytest.mark.parametrize(
    ("data", "language"),
    [(b"", "python"), (b"def f(:\n  return 1\n", "python"), (JOURNAL.encode(), "python"),
     (WIDE, "javascript")],
    ids=["empty", "syntax-error", "functions", "larger-than-the-pipe"],
)  # fmt: skip
def test_a_token_stream_crosses_the_pipe_whole(data, language):
    """The packed hand-off gives back every array (writable, as a pickled one was), the counts
    and the structure, also for a stream larger than the pipe holds (``writev`` in parts)."""
    here = tokenize(data, load_language(language))
    there = isolated_tokenize(data, language, ParseLimits())
    assert len(there) == len(here)
    for name, _ in isolation._ARRAYS:
        mine, theirs = getattr(here, name), getattr(there, name)
        assert theirs.dtype == mine.dtype and np.array_equal(mine, theirs)
        assert theirs.flags.writeable
    assert (here.lines, here.error_line) == (there.lines, there.error_line)
    assert here.structure.to_bytes() == there.structure.to_bytes()
    assert len(there.structure) > 0 or data != JOURNAL.encode()
    assert len(here) * 40 > isolation.PIPE_BYTES or data != WIDE


def packed(
    source: bytes,
) -> tuple[TokenStream, bytearray, isolation.Connection, isolation.Connection]:
    """``source``'s tokens, as a parser process packs them, and the pipe's two ends."""
    tokens = tokenize(source, load_language("python"))
    read_end, write_end = os.pipe()
    replies = isolation.Connection(read_end, writable=False)
    sender = isolation.Connection(write_end, readable=False)
    isolation._send_tokens(sender, tokens)
    return tokens, isolation._receive(replies), replies, sender


def test_a_token_stream_that_does_not_add_up_is_refused():
    """A child that packs lengths past its message is a failed parse, not arrays read from
    whatever follows."""
    tokens, good, replies, sender = packed(b"x = 1\n")
    assert np.array_equal(isolation._unpack_tokens(good).values, tokens.values)
    for field in (1, 9):  # the values' count, the structure's size
        bad = bytearray(good)
        isolation._HEADER.pack_into(bad, 0, *[
            v + 1000 if i == field else v for i, v in enumerate(isolation._HEADER.unpack_from(good))
        ])  # fmt: skip
        with pytest.raises(ValueError):
            isolation._unpack_tokens(bad)
    with pytest.raises(ValueError, match="no header"):
        isolation._unpack_tokens(good[:20])
    sender.close()
    replies.close()


def test_a_token_stream_whose_arrays_disagree_in_length_is_a_crash():
    """Counts that add up to the message's size but differ between arrays (one more raw hash,
    one fewer value) would give arrays of different lengths: refused, and the parse a crash."""
    _, good, replies, sender = packed(b"def f(x):\n    return x + 1\n")
    header = list(isolation._HEADER.unpack_from(good))
    header[1] -= 1  # the values: one fewer
    header[2] += 1  # the raw hashes: one more (both 8 bytes: the sizes still add up)
    bad = bytearray(good)
    isolation._HEADER.pack_into(bad, 0, *header)
    with pytest.raises(ValueError, match="different lengths"):
        isolation._unpack_tokens(bad)
    parser = isolation.IsolatedParser(ParseLimits())  # the caller's side, reading that reply
    parser._replies = replies
    parser._calls.append((isolation.TOKENIZE, ("python", b""), time.monotonic(), 0))
    parser._begin(time.monotonic(), None)  # the call under way, by wall time
    sender.send_bytes(bad)
    with pytest.raises(ParseFailure) as failure:
        parser.collect()
    assert failure.value.kind == "crash" and "different lengths" in str(failure.value)
    assert parser._replies is None  # closed: the next file gets a fresh parser process
    sender.close()


def test_the_deep_nesting_that_overflowed_the_stack_is_parsed():
    tokens = isolated_tokenize(DEEP, "java", ParseLimits())
    assert len(tokens) == 300_000 and tokens.error_line == 1


def test_a_crashed_parser_is_reported_with_its_signal_and_replaced(small_stack):
    with pytest.raises(ParseFailure, match=r"^parser crashed \(signal 11\)$") as failure:
        isolated_tokenize(DEEP, "java", ParseLimits())
    assert failure.value.kind == "crash"
    assert len(isolated_tokenize(b"x = 1\n", "python", ParseLimits())) == 3


def test_a_parser_killed_from_outside_is_a_crash_too():
    parser = isolation.IsolatedParser(ParseLimits())
    parser.tokenize(b"x = 1\n", "python")
    assert parser._process is not None
    os.kill(parser._process.pid, signal.SIGSEGV)
    time.sleep(0.2)
    with pytest.raises(ParseFailure, match=r"signal 11"):
        parser.tokenize(b"x = 1\n", "python")
    assert len(parser.tokenize(b"x = 1\n", "python")) == 3
    parser.close()


def test_a_parse_past_the_time_limit_is_killed():
    started = time.perf_counter()
    with pytest.raises(ParseFailure, match=r"^parser took longer than 0.05 s$"):
        isolated_tokenize(DEEP, "java", ParseLimits(seconds=0.05))
    assert time.perf_counter() - started < 10  # the answer came at the limit, not after the parse
    assert len(isolated_tokenize(b"x = 1\n", "python", ParseLimits(seconds=0.05))) == 3


def test_the_time_limit_counts_the_parsers_cpu_not_a_busy_machines_wall_time():
    # a parser that gets no CPU for longer than its limit (stopped here, as a starved process
    # on a loaded machine or a Dask worker at low priority is) still reads the file: a wall-time
    # limit made the same file read or unread by the machine's load
    parser = isolation.IsolatedParser(ParseLimits(seconds=0.5))
    parser.tokenize(b"x = 1\n", "python")
    assert parser._process is not None
    pid = parser._process.pid
    parser.submit(isolation.TOKENIZE, ("python", LONG))
    os.kill(pid, signal.SIGSTOP)
    resume = threading.Timer(1.2, os.kill, (pid, signal.SIGCONT))
    resume.start()
    started = time.perf_counter()
    try:
        tokens = parser.collect()
    finally:
        resume.cancel()
        os.kill(pid, signal.SIGCONT)
    assert time.perf_counter() - started >= 1.2  # over twice the limit in wall time
    assert len(tokens) == len(isolated_tokenize(LONG, "python", ParseLimits()))
    parser.close()


def test_a_parser_that_gets_no_cpu_at_all_is_stopped_as_stalled():
    parser = isolation.IsolatedParser(ParseLimits(seconds=0.2))
    parser.tokenize(b"x = 1\n", "python")
    assert parser._process is not None
    parser.submit(isolation.TOKENIZE, ("python", LONG))
    os.kill(parser._process.pid, signal.SIGSTOP)
    started = time.perf_counter()
    with pytest.raises(ParseFailure, match=r"^parser stalled \(no CPU time for 2 s\)$") as stop:
        parser.collect()
    assert stop.value.kind == "stall"
    assert isolation.STALL_SECONDS <= time.perf_counter() - started < 10
    assert len(parser.tokenize(b"x = 1\n", "python")) == 3  # a fresh child
    parser.close()


def test_a_parse_past_the_memory_limit_is_stopped():
    limits = ParseLimits(memory_bytes=32 * 1024**2)
    with pytest.raises(ParseFailure, match=r"^parser used more than 32 MiB$"):
        isolated_tokenize(b"x = [" + b"1, " * 2_000_000 + b"]\n", "python", limits)
    assert len(isolated_tokenize(b"x = 1\n", "python", limits)) == 3


def test_analyze_passes_limits_through():
    with pytest.raises(ParseFailure):
        analyze(DEEP, "java", FingerprintParams(), ParseLimits(seconds=0.05))


# -- calls queued behind another (isolation.DEPTH) ----------------------------------------------


def queued(parser: isolation.IsolatedParser, *calls: tuple[str, tuple]) -> None:
    """Send ``calls`` to ``parser``, each one behind the one before it: sent once the request
    pipe has room for it (the child read the one before), not after its answer."""
    for call, args in calls:
        deadline = time.monotonic() + 10
        while not parser.room(isolation._call_size(args)) and time.monotonic() < deadline:
            time.sleep(0.005)
        parser.submit(call, args)
    assert len(parser._calls) == len(calls)


def same_tokens(there: TokenStream, data: bytes, language: str) -> None:
    here = tokenize(data, load_language(language))
    for name, _ in isolation._ARRAYS:
        assert np.array_equal(getattr(here, name), getattr(there, name))
    assert (here.lines, here.error_line) == (there.lines, there.error_line)


def _settled_cpu(pid: int | None) -> float:
    """The process's CPU seconds once they stop moving (two readings 50 ms apart agree)."""
    last = isolation._cpu_seconds(pid)
    while True:
        time.sleep(0.05)
        now = isolation._cpu_seconds(pid)
        assert now is not None
        if now == last:
            return now
        last = now


NESTED = b"([{" * 15_000  # 45 KB: fits the request pipe beside another, about 0.1 s of CPU to parse


def test_each_queued_file_has_its_own_cpu_limit():
    """Two files, the second queued behind the first, each under the limit but together over
    it: both are read, since the second's CPU counts from when the child finished the first
    (counted from when it was queued, the two would be over the limit). The limit is three
    quarters of what such a pair took in the child, unlimited, just before (the cheaper of two,
    after one more): each file about two thirds of it, the pair a third over it. (Set from
    single files, 1.5 times one, it failed about one run in four on a quiet machine: a file
    sent alone cost the child more than one queued, 0.19 s against 0.13 s.) Each reading of
    the child's CPU waits until it stops moving: the child goes on after its answer."""
    parser = isolation.IsolatedParser(ParseLimits(seconds=120))
    parser.tokenize(NESTED, "java")  # started and warm: a first file costs more than the next
    pid = parser._process.pid if parser._process else None

    def pair() -> float:
        before = _settled_cpu(pid)
        queued(parser, *[(isolation.TOKENIZE, ("java", NESTED))] * 2)
        for _ in range(2):
            same_tokens(parser.collect(), NESTED, "java")
        return _settled_cpu(pid) - before

    pair()  # the first pairs cost the child more than the next (its heap still grows)
    limit = 0.75 * min(pair(), pair())
    parser.limits = dataclasses.replace(parser.limits, seconds=limit)
    # both read under the limit, and together they took more than one file may
    assert pair() > limit
    parser.close()


INNOCENT = (isolation.TOKENIZE, ("python", JOURNAL.encode()))


def stopped(parser: isolation.IsolatedParser) -> None:
    """Stop the child as a starved or stopped process is (no CPU at all)."""
    assert parser._process is not None and parser._process.pid
    os.kill(parser._process.pid, signal.SIGSTOP)


@pytest.mark.parametrize(
    ("killer", "limits", "stop", "kind"),
    [(("java", DEEP), ParseLimits(), False, "crash"),
     (("java", DEEP), ParseLimits(seconds=0.05), False, "time"),
     (("python", b"x = [" + b"1, " * 2_000_000 + b"]\n"), ParseLimits(memory_bytes=32 * 1024**2),
      False, "memory"),
     (("java", b"([{" * 5000), ParseLimits(seconds=0.2), True, "stall")],
    ids=["crash", "time", "memory", "stall"],
)  # fmt: skip
def test_a_file_that_kills_its_parser_fails_alone_not_the_file_queued_behind_it(
    small_stack, killer, limits, stop, kind
):
    parser = isolation.IsolatedParser(limits)
    parser.tokenize(b"x = 1\n", "python")
    first = parser._process
    if stop:  # before the call is sent: both fit the request pipe, and wait there
        stopped(parser)
    queued(parser, (isolation.TOKENIZE, killer), INNOCENT)
    with pytest.raises(ParseFailure) as failure:
        parser.collect()
    assert failure.value.kind == kind
    assert parser._process is not first and len(parser._calls) == 1  # re-sent to a fresh child
    same_tokens(parser.collect(), JOURNAL.encode(), "python")
    assert len(parser.tokenize(b"x = 1\n", "python")) == 3
    parser.close()


def test_isolated_map_gives_every_answer_in_order_past_failures_between_queued_calls(
    monkeypatch,
):
    """Small files that crash the parser (a 1 MiB stack), with calls queued behind them: each
    fails alone, the others are read, in order."""
    monkeypatch.setattr(isolation, "STACK_BYTES", 1024**2)
    small = [(isolation.TOKENIZE, ("python", f"x = {i}\n".encode())) for i in range(6)]
    crash = (isolation.TOKENIZE, ("java", b"([{" * 13_000))  # 39 KB: queued like the others
    calls = [small[0], crash, small[1], small[2], crash, crash, small[3], small[4], small[5]]
    behind: list[bool] = []  # per call sent: whether it waits behind a crash
    submit = isolation.IsolatedParser.submit

    def spy(self, call, args, size=None):
        submit(self, call, args, size)
        behind.append(any(held[1] is crash[1] for held in list(self._calls)[:-1]))

    monkeypatch.setattr(isolation.IsolatedParser, "submit", spy)
    answers = list(isolation.isolated_map(calls, ParseLimits(seconds=120)))
    assert any(behind)
    assert [a.kind if isinstance(a, ParseFailure) else len(a) for a in answers] == [
        3, "crash", 3, 3, "crash", "crash", 3, 3, 3]  # fmt: skip
    for i, at in enumerate((0, 2, 3, 6, 7, 8)):
        same_tokens(answers[at], f"x = {i}\n".encode(), "python")


def test_a_call_left_unanswered_is_never_taken_for_the_next():
    parser = isolation.IsolatedParser(ParseLimits())
    parser.submit(isolation.TOKENIZE, ("python", b"x = 1\n"))  # then the caller was interrupted
    assert len(parser.tokenize(b"y = 2\nz = 3\n", "python")) == 6
    parser.close()


LATE_MARK_ZYGOTE = isolation._ZYGOTE.replace(
    "from fingerprints.isolation import serve_forks\n",
    "import os, time\n"
    "zygote, clock, late = os.getpid(), time.clock_gettime, []\n"
    "def clock_gettime(clock_id):\n"
    "    if clock_id == time.CLOCK_PROCESS_CPUTIME_ID and os.getpid() != zygote and not late:\n"
    "        late.append(True)\n"
    "        time.sleep(1.5)\n"
    "    return clock(clock_id)\n"
    "time.clock_gettime = clock_gettime\n"
    "from fingerprints.isolation import serve_forks\n",
)
"""A zygote whose parser processes stop for 1.5 s the first time they read their CPU clock: when
their first file's work ended (``_MARK``), as a child stopped (SIGSTOP, a frozen cgroup,
swapping) at that moment is."""


def test_a_mark_written_late_is_never_read_as_the_next_answer(monkeypatch):
    """A child that wrote a file's answer, then got no CPU for longer than ``STALL_SECONDS``
    before its mark: the mark, read late, was taken for the next answer's length (a hang, or the
    next file a 'crash'). Each answer now carries its mark."""
    monkeypatch.setattr(isolation, "STALL_SECONDS", 0.3)
    monkeypatch.setattr(isolation, "_ZYGOTE", LATE_MARK_ZYGOTE)
    isolation.close_parsers()  # the next parser is forked by a zygote started from it
    parser = isolation.IsolatedParser(ParseLimits())
    queued(parser, (isolation.TOKENIZE, ("python", b"x = 1\n")),
           (isolation.TOKENIZE, ("python", b"y = 2\nz = 3\n")))  # fmt: skip
    answers: list[object] = []

    def read() -> None:
        answers.extend([parser.collect(), parser.collect()])
        answers.append(parser.tokenize(b"w = 4\n", "python"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(20)
    hung = reader.is_alive()
    parser.close(kill=True)  # a reader blocked on the pipe meets its end
    assert not hung
    assert [len(a) if not isinstance(a, ParseFailure) else a.kind for a in answers] == [3, 6, 3]


def test_isolated_map_left_early_stops_the_child_holding_queued_calls():
    calls = [(isolation.TOKENIZE, ("python", b"x = 1\n"))] * 4
    answers = isolation.isolated_map(calls, ParseLimits())
    assert len(next(answers)) == 3
    child = isolation._parser(ParseLimits())
    assert child._calls  # the next calls are under way or queued
    answers.close()
    assert not child._calls and child._process is None  # stopped: no late answer is taken
    assert len(isolated_tokenize(b"y = 2\nz = 3\n", "python", ParseLimits())) == 6


@pytest.mark.parametrize("escape", ["interrupt", "bad answer"])
def test_a_call_left_by_an_interrupted_map_never_answers_a_later_file(monkeypatch, escape):
    """Ctrl-C while ``collect`` reads an answer, or an answer that cannot be read (an exception
    other than ``EOFError``): the call stayed with its child, the child was not stopped, and the
    next ``isolated_map`` on that thread took its late answer for its own first file."""
    calls = [(isolation.TOKENIZE, ("python", b"a = 1\n")),
             (isolation.TOKENIZE, ("python", b"b = [1, 2, 3, 4]\n"))]  # fmt: skip
    answer, unpack, seen = isolation.IsolatedParser._answer, isolation._unpack_tokens, []

    def interrupted(self, replies):
        seen.append(True)
        if len(seen) == 2:  # Ctrl-C landing while the second answer is read
            raise KeyboardInterrupt
        return answer(self, replies)

    def bad(buffer):
        seen.append(True)
        if len(seen) == 2:  # tokens that cannot be read, not as ``ValueError``
            raise TypeError("a bad answer")
        return unpack(buffer)

    if escape == "interrupt":
        monkeypatch.setattr(isolation.IsolatedParser, "_answer", interrupted)
        with pytest.raises(KeyboardInterrupt):
            list(isolation.isolated_map(calls, ParseLimits()))
    else:
        monkeypatch.setattr(isolation, "_unpack_tokens", bad)
        answers = list(isolation.isolated_map(calls, ParseLimits()))
        assert len(answers[0]) == 3 and isinstance(answers[1], ParseFailure)
        assert answers[1].kind == "crash" and "a bad answer" in str(answers[1])
    monkeypatch.undo()
    later = list(isolation.isolated_map([(isolation.TOKENIZE, ("python", b"c = 2\n"))],
                                        ParseLimits()))  # fmt: skip
    same_tokens(later[0], b"c = 2\n", "python")
    assert len(isolated_tokenize(b"y = 2\nz = 3\n", "python", ParseLimits())) == 6


@pytest.mark.parametrize("processes", [1, 2])
def test_answers_larger_than_their_pipe_never_deadlock_the_requests(processes):
    """Token answers over the answers' pipe (1 MiB) behind requests that fit the request pipe
    beside another (40 KB) and requests that do not (100 KB): a child blocked writing an
    answer while this process writes the next request would wait for ever; one is queued only
    when it fits the pipe's free space."""
    files = [b"x = [" + b"1," * 20_000 + b"]\n", b"y = [" + b"2," * 50_000 + b"]\n"] * 3
    assert all(len(data) * 40 > isolation.PIPE_BYTES for data in files)
    answers: list[TokenStream] = []
    calls = [(isolation.TOKENIZE, ("python", data)) for data in files]
    worker = threading.Thread(target=lambda: answers.extend(
        isolation.isolated_map(calls, ParseLimits(), processes)))  # fmt: skip
    worker.start()
    worker.join(120)
    deadlocked = worker.is_alive()
    if deadlocked:
        for parser in list(isolation._LIVE):  # the worker thread's, stopped from here
            parser.close(kill=True)
        worker.join(10)
    assert not deadlocked
    assert len(answers) == len(files)
    for tokens, data in zip(answers, files, strict=True):
        same_tokens(tokens, data, "python")


# -- scans --------------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_crashes_the_parser_is_one_line_and_the_copy_still_counts(
    store, tmp_path, small_stack, jobs
):
    folder = candidate(tmp_path / "cand", {"Deep.java": DEEP, "journal.py": JOURNAL.encode()})
    done = scan(store, tmp_path / "r.db", str(folder), "--jobs", jobs, "--json",
                str(tmp_path / "r.json"))  # fmt: skip
    assert done.exit_code == EXIT_DERIVATIVE, done.output
    lines = [line for line in done.stderr.splitlines() if line.startswith("leaktrace:")]
    assert lines == [f"leaktrace: {folder}:Deep.java: parser crashed (signal 11); not read"]
    assert "derivative (not all read)" in done.stdout


def test_the_deep_file_is_read_with_the_default_stack(store, tmp_path):
    folder = candidate(tmp_path / "cand", {"Deep.java": DEEP, "journal.py": JOURNAL.encode()})
    done = scan(store, tmp_path / "r.db", str(folder), "--jobs", "1")
    assert done.exit_code == EXIT_DERIVATIVE, done.output
    assert f"{folder}:Deep.java: syntax error near line 1" in done.stderr
    assert "not all read" not in done.stdout


def test_a_parse_past_the_time_limit_makes_the_candidate_incomplete(store, tmp_path):
    folder = candidate(tmp_path / "cand", {"Deep.java": b"([{" * 1_000_000})
    done = scan(store, tmp_path / "r.db", str(folder), "--jobs", "1", "--max-parse-seconds", "1")
    assert done.exit_code == EXIT_INCOMPLETE, done.output
    assert f"leaktrace: {folder}:Deep.java: parser took longer than 1 s; not read" in done.stderr


def test_the_parse_limits_come_from_the_config_file_too(store, tmp_path, monkeypatch):
    (tmp_path / "leaktrace.toml").write_text("[limits]\nmax_parse_seconds = 1\n")
    monkeypatch.chdir(tmp_path)
    folder = candidate(tmp_path / "cand", {"Deep.java": b"([{" * 1_000_000})
    done = scan(store, tmp_path / "r.db", str(folder), "--jobs", "1")
    assert done.exit_code == EXIT_INCOMPLETE, done.output
    assert "parser took longer than 1 s; not read" in done.stderr


def test_a_later_run_does_not_try_a_remembered_crasher_again(store, tmp_path, monkeypatch):
    folder = candidate(tmp_path / "cand", {"Deep.java": DEEP, "journal.py": JOURNAL.encode()})
    results = tmp_path / "r.db"
    default = isolation.STACK_BYTES
    monkeypatch.setattr(isolation, "STACK_BYTES", 8 * 1024**2)
    assert scan(store, results, str(folder), "--jobs", "1").exit_code == EXIT_DERIVATIVE
    # The parser would now read the file (default stack): the line shows it was not tried.
    monkeypatch.setattr(isolation, "STACK_BYTES", default)
    isolation.close_parsers()
    again = scan(store, results, str(folder), "--jobs", "2")
    assert again.exit_code == EXIT_DERIVATIVE, again.output
    assert f"{folder}:Deep.java: parser crashed (signal 11); not read" in again.stderr
    # More room than it failed with: tried again, and read.
    more = scan(store, results, str(folder), "--jobs", "1", "--max-parse-seconds", "20")
    assert f"{folder}:Deep.java: syntax error near line 1" in more.stderr


def test_a_parser_stopped_for_want_of_cpu_is_not_remembered(store, tmp_path, monkeypatch):
    """A stall is the machine's doing (a paused container, a starved process): unread in that
    run, read by the next, never remembered as the file's failure."""
    deep = b"([{" * 1_000_000  # parsed in more than 1 s (see the time-limit test above)
    folder = candidate(tmp_path / "cand", {"Deep.java": deep, "journal.py": JOURNAL.encode()})
    results = tmp_path / "r.db"
    monkeypatch.setattr(isolation, "_cpu_seconds", lambda pid: 0.0)  # a parser that gets no CPU
    monkeypatch.setattr(isolation, "STALL_SECONDS", 0.05)
    isolation.close_parsers()
    stalled = scan(store, results, str(folder), "--jobs", "1", "--max-parse-seconds", "1")
    assert stalled.exit_code == EXIT_DERIVATIVE, stalled.output
    assert f"{folder}:Deep.java: parser stalled (no CPU time for 1 s); not read" in stalled.stderr
    with sqlite3.connect(results) as db:
        assert db.execute("SELECT count(*) FROM parse_failures").fetchone() == (0,)
    monkeypatch.undo()
    isolation.close_parsers()
    again = scan(store, results, str(folder), "--jobs", "1")
    assert f"{folder}:Deep.java: syntax error near line 1" in again.stderr  # parsed this time
    assert "parser stalled" not in again.stderr


def test_a_crasher_is_remembered_before_the_run_ends(store, tmp_path, small_stack):
    """Remembered as soon as it is seen, so a run that dies later does not meet it again."""
    folder = candidate(tmp_path / "cand", {"Deep.java": DEEP})
    results = tmp_path / "r.db"
    seen: list[list[tuple]] = []
    original = ResultsDB.add_candidate

    def spy(self, run_id, data, excerpts):
        seen.append(self._db.execute("SELECT sha256, language FROM parse_failures").fetchall())
        return original(self, run_id, data, excerpts)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ResultsDB, "add_candidate", spy)
        assert scan(store, results, str(folder), "--jobs", "1").exit_code == EXIT_INCOMPLETE
    assert seen and len(seen[0]) == 1 and seen[0][0][1] == "java"


def test_an_old_results_database_gains_the_table(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "INSERT INTO meta VALUES ('format', 'leaktrace-results'),"
                      " ('schema_version', '1');")  # fmt: skip
    con.close()
    with ResultsDB(path) as results:
        results.remember_parse_failure("ab", "java", "parser crashed (signal 11); not read",
                                       10, 1024**3, "0")  # fmt: skip
        assert results.parse_failures(10, 1024**3, "0") == {
            ("ab", "java"): "parser crashed (signal 11); not read"
        }
        assert results.parse_failures(11, 1024**3, "0") == {}
    meta = dict(sqlite3.connect(path).execute("SELECT key, value FROM meta"))
    assert int(meta["schema_version"]) == SCHEMA_VERSION  # every migration ran


# -- the private side ---------------------------------------------------------------------------


def test_fingerprint_gets_the_same_protection(tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "STACK_BYTES", 2 * 1024**2)
    deep = b"([{\n" * 40_000  # short lines: not skipped as minified on the private side
    source = candidate(tmp_path / "src", {"Deep.java": deep, "journal.py": JOURNAL.encode()})
    db = tmp_path / "store.db"
    done = runner.invoke(app, ["fingerprint", str(source), "--store", str(db), "--jobs", "1"])
    assert done.exit_code == EXIT_CLEAR, done.output
    assert f"leaktrace: {source}:Deep.java: parser crashed (signal 11); not read" in done.stderr
    with open_store(db) as opened:
        assert list(opened.known_files(opened.repos()[0].id)) == ["journal.py"]


def test_isolated_map_answers_in_order_past_crashes_on_two_processes(small_stack):
    python = (isolation.TOKENIZE, ("python", b"x = 1\n"))
    crash = (isolation.TOKENIZE, ("java", DEEP))
    params = FingerprintParams()
    whole = (isolation.FINGERPRINT, ("journal.py", JOURNAL.encode(), "python", params, 7))
    # both crashes may parse at once: a loaded machine must not make them time out instead
    answers = list(isolation.isolated_map([python, crash, whole] * 2, ParseLimits(seconds=120), 2))
    expected = fingerprint_file("journal.py", JOURNAL.encode(), "python", params, 7)
    for answer in (answers[2], answers[5]):
        assert np.array_equal(answer.fingerprints, expected.fingerprints)
        assert answer.signature == expected.signature and answer.sha256 == expected.sha256
    assert [len(a) for a in (answers[0], answers[3])] == [3, 3]
    assert [a.kind for a in (answers[1], answers[4])] == ["crash", "crash"]


def test_a_fingerprint_crosses_the_pipe_whole():
    """Every field of a parser process's answer (``FileFingerprint.__reduce__``: the
    fingerprints as bytes), the fingerprints a writable array of their dtype, as here."""
    params = FingerprintParams()
    files = [
        ("journal.py", JOURNAL.encode()),
        ("tests/fixtures/broken.py", JOURNAL.encode() + b"def f(:\n"),
    ]
    calls = [(isolation.FINGERPRINT, (path, data, "python", params, 7)) for path, data in files]
    answers = list(isolation.isolated_map(calls, ParseLimits(seconds=120), 1))
    for answer, (path, data) in zip(answers, files, strict=True):
        expected = fingerprint_file(path, data, "python", params, 7)
        assert (
            answer.fingerprints.dtype == FINGERPRINT_DTYPE and answer.fingerprints.flags.writeable
        )
        assert answer.fingerprints.tobytes() == expected.fingerprints.tobytes()
        assert len(answer.fingerprints) == len(expected.fingerprints) > 0
        for name in FileFingerprint.__slots__:
            if name != "fingerprints":
                assert getattr(answer, name) == getattr(expected, name), name
    assert answers[1].warning and answers[1].boilerplate == "test fixture"


def test_isolated_map_gives_up_a_slow_file_and_goes_on():
    slow = (isolation.TOKENIZE, ("java", DEEP))
    fast = (isolation.TOKENIZE, ("python", b"x = 1\n"))
    answers = list(isolation.isolated_map([fast, slow, fast], ParseLimits(seconds=0.05)))
    assert isinstance(answers[1], ParseFailure) and answers[1].kind == "time"
    assert [len(answers[0]), len(answers[2])] == [3, 3]


def test_an_answer_that_came_in_time_is_taken_when_the_parent_looks_late():
    parser = isolation.IsolatedParser(ParseLimits(seconds=0.3))
    parser.submit(isolation.TOKENIZE, ("python", b"x = 1\n"))
    time.sleep(0.6)  # the parent stores the last file meanwhile
    assert len(parser.collect()) == 3
    parser.close()


def test_a_parse_over_its_cpu_limit_fails_even_when_the_parent_looks_late():
    """0.15 s of CPU under a limit of 0.05 s: a time failure whether the parent looked while the
    child parsed or only after it answered (it was busy storing the last file), by the CPU the
    answer's mark says the file took; the answer was taken when it came before the look."""
    parser = isolation.IsolatedParser(ParseLimits(seconds=0.05))
    parser.tokenize(b"x = 1\n", "java")  # started, the grammar loaded: neither is the file's
    parser.submit(isolation.TOKENIZE, ("java", NESTED))
    time.sleep(2)  # the child answered meanwhile
    with pytest.raises(ParseFailure) as failure:
        parser.collect()
    assert failure.value.kind == "time"
    assert len(parser.tokenize(b"x = 1\n", "python")) == 3
    parser.close()


def test_isolated_map_left_early_stops_the_children_still_parsing():
    calls = [(isolation.TOKENIZE, ("python", b"x = 1\n"))] * 3
    answers = isolation.isolated_map(calls, ParseLimits(), 2)
    assert len(next(answers)) == 3  # the second call is under way in the other child
    answers.close()
    assert len(isolated_tokenize(b"y = 2\nz = 3\n", "python", ParseLimits())) == 6
    assert len(isolation._parser(ParseLimits(), 1).tokenize(b"x = 1\n", "python")) == 3


# -- the zygote ---------------------------------------------------------------------------------


def test_parsers_are_forked_by_one_zygote_and_outlive_it():
    first = isolation.IsolatedParser(ParseLimits())
    second = isolation.IsolatedParser(ParseLimits(memory_bytes=64 * 1024**2))
    assert len(first.tokenize(b"x = 1\n", "python")) == 3
    assert len(second.tokenize(b"x = 1\n", "python")) == 3
    zygote = isolation.zygote()
    assert first._process and second._process and first._process.zygote is zygote
    for pid in (first._process.pid, second._process.pid):  # children of the zygote, not ours
        assert pid and Path(f"/proc/{pid}/stat").read_text().split()[3] == str(zygote.process.pid)
    zygote.process.kill()
    zygote.process.wait()
    assert len(first.tokenize(b"y = 2\n", "python")) == 3  # its pipes are its own
    first.close()
    with pytest.raises(ParseFailure, match=r"^parser used more than 64 MiB$"):
        second.tokenize(b"x = [" + b"1, " * 2_000_000 + b"]\n", "python")
    assert isolation.zygote() is not zygote  # a new one forks the replacement
    assert len(second.tokenize(b"x = 1\n", "python")) == 3
    second.close()


def _maps_numpy(pid: int | None) -> bool:
    """Whether process ``pid`` has numpy's extension mapped (it imported numpy)."""
    assert pid
    return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()


def test_the_zygote_and_its_parsers_never_import_numpy_when_they_tokenize_natively():
    """numpy was half of the zygote's start-up, before any parser could be forked, and a parser
    process's answer is bytes anyway: natively, neither imports it, and what they answer is
    what this process computes (fingerprints, tokens, structures, warnings, in both calls): a
    ``NativeFile``, whose bytes ``from_fields`` makes the ``FileFingerprint`` of."""
    from fingerprints import native

    assert native.active()  # built at install (tests/test_native.py says so when it is not)
    limits = ParseLimits()
    files = [("journal.py", JOURNAL.encode(), "python"), ("broken.py", b"def f(:\n", "python"),
             ("web.js", b"function f(a) { if (a) { return g(a) + 1; } return 0; }\n" * 30,
              "javascript")]  # fmt: skip
    params = FingerprintParams()
    calls = [(isolation.FINGERPRINT, (path, data, language, params)) for path, data, language
             in files]  # fmt: skip
    answers = list(isolation.isolated_map(calls, limits, native_files=True))
    assert isinstance(next(isolation.isolated_map(calls[:1], limits)), FileFingerprint)
    functions = 0
    for (path, data, language), native_file in zip(files, answers, strict=True):
        expected = fingerprint_file(path, data, language, params)
        assert isinstance(native_file, isolation.NativeFile)  # stored as it is, without numpy
        assert native_file.count * FINGERPRINT_DTYPE.itemsize == len(native_file.fingerprints)
        answer = from_fields(native_file)
        assert answer.fingerprints.flags.writeable
        for field in dataclasses.fields(FileFingerprint):
            mine, theirs = getattr(answer, field.name), getattr(expected, field.name)
            if field.name == "fingerprints":
                assert mine.dtype == FINGERPRINT_DTYPE and np.array_equal(mine, theirs)
            else:
                assert mine == theirs, field.name
        streamed = isolated_tokenize(data, language, limits)
        local = tokenize(data, load_language(language))
        for name in ("values", "raw", "line_start", "line_end", "start_byte", "end_byte"):
            assert np.array_equal(getattr(streamed, name), getattr(local, name)), name
        assert (streamed.lines, streamed.error_line) == (local.lines, local.error_line)
        assert streamed.structure.to_bytes() == local.structure.to_bytes()
        functions += len(streamed.structure)
    assert answers[1].warning and functions  # a syntax error, and functions sent
    assert FINGERPRINT_DTYPE.itemsize == isolation.FINGERPRINT_BYTES
    parser = isolation._parser(limits)
    assert not _maps_numpy(isolation.zygote().process.pid)
    assert not _maps_numpy(parser._pid)


def test_a_parser_imports_numpy_when_it_needs_it_outside_the_file_s_memory_limit():
    """A notebook's code (its lines moved to the notebook's) takes the Python path, numpy's,
    which the zygote no longer imported: the parser process imports it then, with its memory
    limit lifted (numpy alone is 83 MiB of address space), and the file is read under a limit
    it fit in when the zygote imported numpy (16 MiB)."""
    limits = ParseLimits(memory_bytes=16 * 1024**2)
    data = JOURNAL.encode()
    lines = list(range(3, data.count(b"\n") + 4))  # as if after a notebook's two first lines
    args = ("nb.ipynb", data, "python", FingerprintParams(), 0, None, None, 9_999, lines)
    [answer] = list(isolation.isolated_map([(isolation.FINGERPRINT, args)], limits))
    expected = fingerprint_file(*args)
    assert isinstance(answer, FileFingerprint), answer
    assert np.array_equal(answer.fingerprints, expected.fingerprints)
    assert (answer.size, answer.lines, answer.structure) == (9_999, expected.lines,
                                                            expected.structure)  # fmt: skip
    assert answer.fingerprints["line_start"].min() >= 3
    assert _maps_numpy(isolation._parser(limits)._pid)
    with pytest.raises(ParseFailure, match=r"^parser used more than 16 MiB$"):  # still bounded
        isolated_tokenize(b"x = [" + b"1, " * 2_000_000 + b"]\n", "python", limits)


def test_a_caller_gone_before_its_answer_does_not_end_the_shared_zygote():
    parser = isolation.IsolatedParser(ParseLimits())
    assert len(parser.tokenize(b"x = 1\n", "python")) == 3
    zygote = isolation.zygote()
    joined = zygote.join()  # as a scan's pool worker does
    assert joined is not None and parser._process is not None
    joined._send(("wait", parser._process.pid, 0.5))  # the parser runs on: answered in 0.5 s
    joined.close()  # ... to a caller that is gone: the zygote's answer meets EPIPE
    time.sleep(1.5)
    assert zygote.process.poll() is None  # it dropped that caller, not itself
    other = isolation.IsolatedParser(ParseLimits())
    assert len(other.tokenize(b"y = 2\n", "python")) == 3
    assert other._process is not None and other._process.zygote is zygote
    other.close()
    parser.close()


def test_a_parser_is_killed_through_its_pidfd_even_after_the_zygote_died_and_no_fd_is_left():
    isolation.close_parsers()
    isolation.zygote()  # started before counting: it keeps one socket for good
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        parser = isolation.IsolatedParser(ParseLimits())
        assert len(parser.tokenize(b"x = 1\n", "python")) == 3
        parser.close()
    assert len(os.listdir("/proc/self/fd")) == before
    parser = isolation.IsolatedParser(ParseLimits())
    assert len(parser.tokenize(b"x = 1\n", "python")) == 3
    child = parser._process
    assert child is not None and child.pid and child._pidfd is not None
    zygote = isolation.zygote()
    zygote.process.kill()
    zygote.process.wait()  # the parser is now init's: its pid may be reaped and reused
    pid = child.pid
    parser.close(kill=True)  # SIGKILL through the pidfd, never to whatever holds pid later
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists() and child._pidfd is None


def test_a_zygote_that_cannot_start_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(isolation, "_ZYGOTE", "raise SystemExit('no grammar here')")
    with pytest.raises(isolation.LeaktraceError, match=r"cannot start the parser process "
                       r"\(no grammar here\)"):  # fmt: skip
        isolated_tokenize(b"x = 1\n", "python", ParseLimits())


def _worker_parser(_: int) -> tuple[int, int]:
    """In a forked pool worker: the tokens of one line, and its parser's parent pid."""
    assert len(isolated_tokenize(b"x = 1\n", "python", ParseLimits())) == 3
    process = isolation._parser(ParseLimits())._process
    assert process is not None and process.pid
    return int(Path(f"/proc/{process.pid}/stat").read_text().split()[3]), os.getpid()


def test_forked_workers_join_the_zygote_instead_of_starting_their_own():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    zygote = isolation.zygote()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        parents = list(pool.map(_worker_parser, range(4)))
    assert {parent for parent, _ in parents} == {zygote.process.pid}
    assert len(isolated_tokenize(b"x = 1\n", "python", ParseLimits())) == 3  # ours still works
    # the workers' parsers, left unreaped when the workers ended, are reaped by the zygote
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        # the state letter alone (ps -o state): stat adds flags such as N for a niced process
        states = os.popen(f"ps -o state= --ppid {zygote.process.pid}").read().split()
        if "Z" not in states:
            break
        time.sleep(0.1)
    assert states == ["S"]  # one child left, our own parser, sleeping while it waits for work


def test_isolated_map_gives_the_next_call_to_the_child_that_is_free(monkeypatch):
    """A slow file holds one child; the other takes every later call meanwhile (answers still
    come back in order), instead of waiting for the slow one first."""
    given: list[tuple[int, str]] = []
    submit = isolation.IsolatedParser.submit

    def spy(self, call, args, size=None):
        given.append((id(self), args[0]))
        return submit(self, call, args, size)

    monkeypatch.setattr(isolation.IsolatedParser, "submit", spy)
    slow = (isolation.TOKENIZE, ("java", DEEP))  # seconds: the deep file, parsed whole
    fast = [(isolation.TOKENIZE, ("python", f"x = {i}\n".encode())) for i in range(4)]
    answers = list(isolation.isolated_map([slow, *fast], ParseLimits(seconds=120), 2))
    assert [len(a) for a in answers] == [300_000, 3, 3, 3, 3]
    assert [language for child, language in given if child == given[0][0]] == ["java"]


def test_scan_on_one_core_parses_the_next_file_while_it_judges_one(store, tmp_path, monkeypatch):
    """``--jobs 1`` takes no turns with its parser: the next file is sent to it before the file
    it parsed last is judged (the verdicts equal ``--jobs 2``'s: ``test_parallel``)."""
    from scanner import scan as scan_module

    events: list[tuple[str, bytes]] = []
    submit, judged = isolation.IsolatedParser.submit, scan_module._judged

    def spy_submit(self, call, args, size=None):
        events.append(("parse", args[1]))
        return submit(self, call, args, size)

    def spy_judged(file, analysis, context):
        events.append(("judge", file.data))
        return judged(file, analysis, context)

    monkeypatch.setattr(isolation.IsolatedParser, "submit", spy_submit)
    monkeypatch.setattr(scan_module, "_judged", spy_judged)
    files = {"a.py": b"a = 1\n", "b.py": JOURNAL.encode(), "c.py": b"c = 3\n", "d.py": b"a = 1\n"}
    done = scan(store, tmp_path / "results.db", str(candidate(tmp_path / "cand", files)),
                "--jobs", "1")  # fmt: skip
    assert done.exit_code == EXIT_DERIVATIVE, done.output
    assert events.index(("parse", JOURNAL.encode())) < events.index(("judge", b"a = 1\n"))
    assert events.count(("parse", b"a = 1\n")) == 1  # d.py is a.py's content: parsed once
    assert [data for what, data in events if what == "judge"] == [
        b"a = 1\n", JOURNAL.encode(), b"c = 3\n"]  # fmt: skip


def test_parameters_cross_to_a_parser_process_whole():
    """``FingerprintParams`` go with every file as their five numbers (``__reduce__``), and a
    parser process fingerprints with the caller's values, not the defaults."""
    import pickle
    from multiprocessing.reduction import ForkingPickler

    params = FingerprintParams(k=25, w=7, num_perm=64, seed=3, max_file_bytes=2048)
    for dumped in (pickle.dumps(params), bytes(ForkingPickler.dumps(params))):
        assert pickle.loads(dumped) == params
    data = b"def f(a, b):\n    return [a + b * i for i in range(a) if i % b]\n" * 20
    here = fingerprint_file("f.py", data, "python", params)
    call = (isolation.FINGERPRINT, ("f.py", data, "python", params))
    there = next(isolation.isolated_map([call], ParseLimits()))
    default = fingerprint_file("f.py", data, "python", FingerprintParams())
    assert there.signature == here.signature != default.signature
    assert np.array_equal(there.fingerprints, here.fingerprints)
    assert not np.array_equal(there.fingerprints, default.fingerprints)
