"""Parsing that one hostile file cannot turn into a crashed, stalled or exhausted scan.

tree-sitter is C code. Some inputs make it overflow its native stack (100,000 nested ``([{`` in
a ``.java`` file: the parse stack is released recursively, one C frame per unreduced token, and
the 8 MiB main-thread stack runs out at about 300 KB of input), run for minutes or allocate
gigabytes (a 2 KB mutated Kotlin file). None of these is a Python exception that could be caught
where it happens, so ``IsolatedParser`` tokenizes in a long-lived child process:

- **native stack**: the child parses in a thread whose stack is ``STACK_BYTES`` (address space
  reserved up front, memory committed only as deep as a parse really goes). Measured on the
  ``([{`` input, a parse needs about 40 bytes of C stack per input byte: 32 MiB holds 900 KB,
  256 MiB a whole 4 MiB window (128 MiB does not). So the deep-nesting file is *parsed*, not
  refused: its evidence is kept. A deeper need still only kills the child (below).
- **memory**: the child's address space may grow by at most ``memory_bytes`` past its size when
  ready (``RLIMIT_AS``). Past it tree-sitter's allocator aborts (it prints "failed to allocate")
  and Python raises ``MemoryError``; both are reported as over the limit.
- **time**: the parent waits until the child has spent ``seconds`` of CPU on the file, then
  kills it. CPU, not wall time: on a busy machine (a CI runner, a Dask worker at a low priority)
  a large file's parse may take many times ``seconds`` of wall time while getting the CPU it
  needs, and calling it unread there made the same file read or not by the machine's load (two
  stores of one corpus with different digests). A child that gets no CPU at all for
  ``STALL_SECONDS`` while busy (stopped), or that runs past ``WALL_FACTOR`` times ``seconds``
  of wall time, is stopped too. Where the CPU clock cannot be read, the limit is wall time.
  Those two stops are ``ParseFailure`` kind ``stall``: unread in this run, but never remembered
  as the file's failure, since another run may well read it.
- **crash**: a child that dies is reported with its signal.

The child is replaced at the next file, so the caller goes on. Per file the cost is one round
trip over a pipe: the bytes go in, the token arrays come back. A child may hold ``DEPTH`` calls,
the next waiting in its request pipe, so it starts the next file the moment it answered one.
Each file's limits still count from the moment the child started it: each answer ends with the
child's CPU clock and the time when it finished the file (``_MARK``), which are the next file's
starting point and say the file's CPU time even when the answer is read late (a file over its
limit fails however late its caller looked); and a file that kills its child fails alone: the
calls behind it go to the replacement.

Children are not started as new interpreters: a *zygote* (``_Zygote``), a fresh interpreter that
imports tree-sitter and the fingerprinting modules once (natively without numpy: ``lean``, whose
answers are bytes; numpy was half of its start-up, 0.07 s of CPU before it could fork the first
child, and a child that needs it imports it then), has tree-sitter allocate from
Python's allocator (``native.use_python_allocator``: its children parse one file at a time) and
parses a line to warm them, forks each of them from itself. A child is then ready in about a
millisecond instead of importing them again (0.1 s of CPU: once per job and once per replacement
before), and it starts from a small, single-threaded process that holds nothing of the caller's
(no store, no threads, no index). ``leaktrace`` starts the zygote first thing (``scanner.launch``,
with ``fingerprints.spawn`` alone: before this module is even imported), so its imports overlap
the caller's own. Each child gets its limits in the request that forks it; the zygote reaps a
child only when the caller asks, so a child's pid is never reused while it may still be
signalled.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import fcntl
import math
import os
import pickle
import resource
import select
import signal
import socket
import struct
import sys
import tempfile
import termios
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from fingerprints import spawn
from fingerprints.errors import LeaktraceError, ParseFailure

if TYPE_CHECKING:  # the calling process never needs them: only the zygote imports them
    import subprocess

    from fingerprints.normalize import TokenStream

DEFAULT_PARSE_SECONDS = 10
DEFAULT_PARSE_MEMORY = 1024**3
STACK_BYTES = 512 * 1024**2
"""The parsing thread's stack: twice what a 4 MiB window of ``([{`` needs (see above)."""
TOKENIZE = "tokenize"
"""A call: ``(language, data)`` -> ``TokenStream``."""
FINGERPRINT = "fingerprint"
"""A call: ``fingerprint_file``'s arguments but the limits -> ``FileFingerprint``: the k-grams,
winnowing and signature happen in the child too, and only the selected fingerprints cross the
pipe (pip 24.2: 2.9 MB pickled instead of 22.6 MB of token streams)."""
STARTUP_SECONDS = 60.0
"""How long a new child may take to import and get ready (not counted against a file)."""
WALL_FACTOR = 30
"""A parse is stopped past this many times its CPU limit in wall time, whatever its CPU."""
STALL_SECONDS = 2.0
"""A busy child that gets no CPU time for this long (or its limit, if longer) is stopped."""


class NativeFile(NamedTuple):
    """A file a parser process fingerprinted natively (``lean.native_fields``): the fields of
    ``fingerprinter.FileFingerprint``, in its order, with the fingerprints as the bytes of their
    ``FINGERPRINT_DTYPE`` records. It needs no numpy: the calling process stores it as it is
    (``SQLiteStore.put_files``), and numpy, which only makes arrays of these bytes, is imported
    on a thread meanwhile instead of stopping it at its first answer (``from_fields`` makes the
    ``FileFingerprint``)."""

    path: str
    language: str
    size: int
    sha256: str
    mtime_ns: int
    tokens: int
    lines: int
    fingerprints: bytearray
    signature: bytes
    warning: str | None
    boilerplate: str | None
    structure: bytes | None

    @property
    def count(self) -> int:
        """How many fingerprints it holds."""
        return len(self.fingerprints) // FINGERPRINT_BYTES


FINGERPRINT_BYTES = 28
"""``shingles.FINGERPRINT_DTYPE``'s size, which a test checks (hash, raw, pos, lines)."""


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What one parse may take before the file is given up as unreadable."""

    seconds: float = DEFAULT_PARSE_SECONDS
    memory_bytes: int = DEFAULT_PARSE_MEMORY

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.memory_bytes <= 0:
            raise ValueError(f"parse limits must be positive: {self}")


def size_text(count: int) -> str:
    """``count`` bytes as people write it: 1 GiB, 512 MiB, 1,000 bytes."""
    for unit, name in ((1024**3, "GiB"), (1024**2, "MiB"), (1024, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit:,} {name}"
    return f"{count:,} bytes"


class IsolatedParser:
    """A child process that tokenizes files, one at a time, under ``limits``; it may hold
    ``DEPTH`` calls, the one it parses and the next ones queued in its request pipe
    (``room``), so that it starts the next file the moment it answered one.

    Not shared between threads (``isolated_tokenize`` keeps one per thread).
    """

    def __init__(self, limits: ParseLimits) -> None:
        self.limits = limits
        self.owner = os.getpid()
        self._process: _Child | None = None
        self._requests: Connection | None = None
        self._replies: Connection | None = None
        self._stderr: IO[bytes] | None = None
        self._baseline = 0  # the child's address space when its limit was set, in bytes
        self._capacity: int | None = None  # what the request pipe holds (None: unknown)
        self._largest = 0  # the largest address space seen during the current parse
        self._starting = False  # spawned, "ready" not read yet
        # the calls sent and not answered yet, in order, with when each was sent and its size:
        # the first is the one under way, the others wait in the request pipe
        self._calls: deque[tuple[str, tuple[Any, ...], float, int]] = deque()
        self._queued = 0  # the bytes of the calls in ``_calls``
        self._deadline: float | None = None  # when the call under way is looked at for time
        # the child's CPU time at the call and at the last look that saw it grow, and when
        self._cpu: tuple[float, float, float] | None = None
        self._backstop = 0.0  # past it in wall time the call under way is stopped anyway
        self._overrun = ""  # why the call under way was stopped for time
        self._stalled = False  # stopped for want of CPU: the machine's doing, not the file's

    def tokenize(self, data: bytes, language: str) -> TokenStream:
        """``data``'s token stream, or ``ParseFailure`` when the parse crashed, took longer
        than the limit or used more memory than it."""
        if self._calls:  # left unanswered (the caller was interrupted): not this file's answer
            self.close(kill=True)
        self.submit(TOKENIZE, (language, data))
        return self.collect()  # type: ignore[no-any-return]

    def submit(self, call: str, args: tuple[Any, ...], size: int | None = None) -> None:
        """Send one call (``TOKENIZE`` or ``FINGERPRINT``) without waiting for its answer: the
        caller goes on with its own work while the child parses; ``collect`` gets the answers,
        in order. A call sent while another is under way waits in the request pipe (only when
        ``room`` says it fits) and is parsed the moment the one before it is answered.

        The time limit counts from here for a call sent to an idle child, else from when the
        child finished the call before it (``_next``). ``size``: its ``_call_size``, if the
        caller worked it out already.
        """
        requests, _ = self._start()
        now = time.monotonic()
        size = _call_size(args) if size is None else size
        self._calls.append((call, args, now, size))
        self._queued += size
        if len(self._calls) == 1:
            self._begin(now, _cpu_seconds(self._pid))
        # the child died before reading it (EPIPE): its answers' pipe ends, ``collect`` says how
        with contextlib.suppress(OSError):
            _send_call(requests, call, args)

    def room(self, size: int) -> bool:
        """Whether a call of ``size`` bytes (``_call_size``) may be sent now: always to an idle
        child; behind another call only while the child holds fewer than ``DEPTH`` and the call
        fits the request pipe's free space, so that writing it never blocks. (A blocked write
        could wait for ever: for the child to read the pipe once it answered the call under
        way, while the child waits for this process to read an answer larger than its pipe.)"""
        if not self._calls:
            return True
        if len(self._calls) >= DEPTH or self._requests is None or self._capacity is None:
            return False
        waiting = array.array("i", [0])
        try:
            fcntl.ioctl(self._requests.fileno(), termios.FIONREAD, waiting)
        except OSError:
            return False
        # the pipe holds pages: one partly read and one partly written take a page each
        return size + waiting[0] + 3 * _PAGE <= self._capacity

    @property
    def queued(self) -> int:
        """The bytes of the calls sent and not answered yet (0: the child is idle)."""
        return self._queued

    def collect(self) -> Any:
        """The answer to the first call ``submit`` sent that was not collected yet; raises
        ``ParseFailure`` when the parse crashed, took longer than the limit or used more memory
        than it. That failure is the file's alone: the calls queued behind it go to a fresh
        child, and are answered as if sent to it."""
        replies = self._replies
        assert replies is not None and self._calls and self._deadline is not None
        behind = list(self._calls)[1:]  # a failure closes the child, and forgets them
        try:
            kind, value = self._answer(replies)
        except ParseFailure:
            for call, args, _, _ in behind:
                self.submit(call, args)
            raise
        if kind == "ok":
            return value
        if kind == _FIELDS:  # a file fingerprinted natively: a ``NativeFile``, as it came
            return value
        raise value  # an ordinary exception of tokenize, raised as if it happened here

    def _answer(self, replies: Connection) -> tuple[str, Any]:
        """The child's answer ``(kind, value)`` to the call under way, the next call begun
        (``_next``); ``ParseFailure``, the child stopped, when there is none."""
        if not self._wait(replies):
            self.close(kill=True)
            raise ParseFailure("stall" if self._stalled else "time", self._overrun)
        try:
            kind, value, mark = _receive_answer(replies)
        except (EOFError, OSError):
            raise self._failure() from None
        except Exception as error:  # tokens that do not add up, an answer that does not
            # unpickle: a child that went wrong (never left holding the call, to answer it late)
            self.close(kill=True)
            raise ParseFailure("crash", f"parser answered badly ({error})") from None
        if kind == "memory":
            self.close(kill=True)
            raise ParseFailure("memory", self._memory_message())
        if self._cpu is not None and mark[0] - self._cpu[0] >= self.limits.seconds:
            # over its CPU limit by the child's own clock (``_MARK``), though answered before
            # this process looked: the same file fails whether or not its caller was busy
            self.close(kill=True)
            raise ParseFailure("time", self._overrun)
        self._next(mark)
        return kind, value

    def _next(self, mark: tuple[float, float]) -> None:
        """The call under way was answered: the next one, if any, is under way from when the
        child finished that answer (its CPU clock and the time then, which end each answer:
        ``_MARK``), or from when it was sent, if later (the child waited for it). So each
        file's limits count the child's work on that file alone."""
        _, _, _, size = self._calls.popleft()
        self._queued -= size
        if not self._calls:
            self._deadline = None
        else:
            cpu, finished = mark
            sent = self._calls[0][2]
            self._begin(max(finished, sent), cpu if _CPU_CLOCK else None)

    def _begin(self, started: float, cpu: float | None) -> None:
        """The first call in ``_calls`` is under way from ``started`` (``time.monotonic``), the
        child's CPU clock reading ``cpu`` then (None: unknown, its limit is wall time)."""
        self._deadline = started + self.limits.seconds
        self._backstop = started + WALL_FACTOR * self.limits.seconds
        self._cpu = None if cpu is None else (cpu, cpu, started)
        self._overrun = f"parser took longer than {self.limits.seconds:g} s"
        self._stalled = False
        self._largest = 0

    def _wait(self, replies: Connection) -> bool:
        """Wait for the answer while the call has time (``_in_time``), noting how large the
        child grows.

        A small file is answered at the first look; a long parse is looked at every 0.1 s. An
        answer that came is taken even when this process looks late (it was busy storing the
        last file while the child parsed this one), its CPU time then judged by the mark it
        ends with (``_answer``); the wall-time limits apply only while no answer came.
        """
        step = 0.005
        while True:
            assert self._deadline is not None
            remaining = self._deadline - time.monotonic()
            if _readable([replies.fileno()], min(step, remaining)):
                return True
            if remaining <= 0 and not self._in_time():
                return False
            self.look()
            step = min(step * 2, 0.1)

    def _in_time(self) -> bool:
        """At the deadline: whether the call under way still has time, moving the deadline on
        when it has. It has while the child's CPU time on it is under the limit, has grown in
        the last ``STALL_SECONDS`` (or the limit, if longer), and the wall time is under
        ``WALL_FACTOR`` times the limit."""
        assert self._deadline is not None
        now = time.monotonic()
        if self._deadline > now:
            return True
        limit = self.limits.seconds
        if self._cpu is None or now >= self._backstop:
            if self._cpu is not None:
                self._overrun = f"parser took longer than {WALL_FACTOR * limit:g} s of wall time"
                self._stalled = True
            return False
        used = _cpu_seconds(self._pid)
        start, last, progressed = self._cpu
        if used is None or used - start >= limit:
            return False  # over its CPU limit, or ended (the answer or its death is read next)
        if used > last:
            self._cpu = (start, used, now)
        elif now - progressed >= max(limit, STALL_SECONDS):
            self._overrun = f"parser stalled (no CPU time for {now - progressed:.0f} s)"
            self._stalled = True
            return False
        self._deadline = now + max(limit - (used - start), 0.05)
        return True

    def look(self) -> None:
        """Note how large the child is now (``_failure`` tells a blown memory limit by it)."""
        pid = self._pid
        self._largest = max(self._largest, (pid and _address_space(pid)) or 0)

    @property
    def _pid(self) -> int | None:
        """The child's pid, while there is one."""
        return self._process.pid if self._process is not None else None

    def due(self, readable: set[int] | None = None) -> bool:
        """Whether ``collect`` would not wait: the answer is in (its pipe is among ``readable``
        when given, else looked at now), or the time is up."""
        if self._deadline is None or self._replies is None:
            return True
        if self._deadline <= time.monotonic() and not self._in_time():
            return True
        fd = self._replies.fileno()
        return fd in (_readable([fd], 0) if readable is None else readable)

    def _memory_message(self) -> str:
        return f"parser used more than {size_text(self.limits.memory_bytes)}"

    def _failure(self) -> ParseFailure:
        """Why the child died, once it has.

        Past ``RLIMIT_AS`` a parse dies in more than one way: tree-sitter's allocator aborts
        (saying "failed to allocate"), or code that does not check for a failed allocation
        crashes (SIGSEGV). A child seen (``_wait``) to have grown by half the limit or more
        before it died is taken to have died of the limit; one that blew up faster than
        the first look is reported as the crash it was.
        """
        assert self._process is not None
        status = self._process.wait(5)
        said = b""
        if self._stderr is not None:
            self._stderr.seek(0)
            said = self._stderr.read()[-4096:]
        self.close(kill=True)
        grown = self._largest - self._baseline
        if b"failed to allocate" in said or grown * 2 >= self.limits.memory_bytes:
            return ParseFailure("memory", self._memory_message())
        if status is not None and status < 0:
            return ParseFailure("crash", f"parser crashed (signal {-status})")
        return ParseFailure("crash", f"parser crashed (exit status {status})")

    def _start(self) -> tuple[Connection, Connection]:
        if self._process is None or not (self._requests and self._replies):
            self.spawn()
        assert self._requests is not None and self._replies is not None
        if self._starting:
            self._starting = False
            try:
                ready = self._replies.poll(STARTUP_SECONDS) and self._replies.recv()
            except (EOFError, OSError):
                ready = None
            if not (isinstance(ready, tuple) and ready[0] == "ready"):
                process = self._process
                assert process is not None
                # never forked: the zygote died (a later call starts another)
                failure = self._failure() if process.pid else process.zygote.problem()
                self.close(kill=True)
                raise LeaktraceError(f"cannot start the parser process ({failure})")
            self._baseline = ready[1]
            assert self._process is not None
            _ = self._process.pid  # its pidfd, taken while it runs (see ``_Child._pidfd``)
        return self._requests, self._replies

    def spawn(self) -> None:
        """Start the child without waiting for it to be ready (the zygote forks it while the
        caller goes on); the first ``tokenize`` waits for it."""
        if self._process is not None:
            return
        to_child, from_parent = os.pipe()
        from_child, to_parent = os.pipe()
        _widen(from_child)
        self._capacity = _pipe_size(from_parent)
        # where the child's last words go (read after it died); closed in ``close``
        self._stderr = tempfile.TemporaryFile(prefix="leaktrace-parser-")  # noqa: SIM115
        try:
            self._process = zygote().fork(
                (to_child, to_parent, self._stderr.fileno()), self.limits.memory_bytes,
                STACK_BYTES)  # fmt: skip
        finally:
            os.close(to_child)
            os.close(to_parent)
        self._requests = Connection(from_parent, readable=False)
        self._replies = Connection(from_child, writable=False)
        self._starting = True
        _LIVE.add(self)

    def close(self, *, kill: bool = False) -> None:
        """Stop the child (at once with ``kill``; else it exits when its input closes)."""
        _LIVE.discard(self)
        self._starting = False
        self._calls.clear()
        self._queued = 0
        self._deadline = None
        process, self._process = self._process, None
        for conn in (self._requests, self._replies):
            if conn is not None:
                conn.close()
        self._requests = self._replies = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if process is None or self.owner != os.getpid():
            return
        if kill:
            process.kill()
        if process.wait(5) is None:
            process.kill()
            process.wait(None)
        process.release()


class _Child:
    """A parser process forked by the zygote: its pid (known once the zygote answered), a way
    to kill it and its exit status (negative: the signal), both through the zygote, which reaps
    it only when asked."""

    def __init__(self, zygote: _Zygote, ticket: int) -> None:
        self.zygote = zygote
        self._ticket = ticket
        self._pid: int | None = None
        self._pidfd: int | None = None
        """This very process, whoever reaps it: a signal through it never reaches another
        process that was given the same pid (after the zygote died, init reaps its children)."""
        self.returncode: int | None = None

    @property
    def pid(self) -> int | None:
        """None when the zygote died before it forked this child."""
        if self._pid is None and self._ticket:
            answer, self._ticket = self.zygote.answer(self._ticket), 0
            self._pid = answer if isinstance(answer, int) else None
            opener = getattr(os, "pidfd_open", None)  # Linux 5.3 and later
            if self._pid is not None and opener is not None:  # unreaped until we ask: ours
                with contextlib.suppress(OSError):
                    self._pidfd = opener(self._pid)
        return self._pid

    def kill(self) -> None:
        pid = self.pid
        if pid is None or self.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            elif self.zygote.alive:  # no pidfd: only while the zygote still holds the pid
                os.kill(pid, signal.SIGKILL)

    def wait(self, seconds: float | None) -> int | None:
        """The exit status, once the child has ended within ``seconds`` (None: for ever)."""
        pid = self.pid
        if pid is not None and self.returncode is None:
            self.returncode = self.zygote.wait(pid, seconds)
        if self.returncode is not None:
            self.release()
        return self.returncode

    def release(self) -> None:
        """Close the pidfd (the child ended, or can no longer be told apart from a new one)."""
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def __del__(self) -> None:
        self.release()


class _Zygote:
    """A fresh interpreter that imported the parser's modules once and forks each parser
    process from itself (see the module docstring). One per calling process; requests go over a
    socket, in order, answered in order (``fork`` then ``answer``, ``wait``).

    A process forked from the one that started it (a scan's pool worker) *joins* it instead of
    starting its own (``join``): it hands the zygote a socket of its own over the inherited
    one, and its parsers are forked from the same warm process.
    """

    def __init__(self, connection: socket.socket, process: subprocess.Popen[bytes] | None,
                 said: IO[bytes] | None, owner: int | None = None) -> None:  # fmt: skip
        self.owner = os.getpid() if owner is None else owner  # the process that started it
        self.process = process  # None: joined, started by another process
        self._said = said
        self._socket = connection
        self._lock = threading.Lock()
        self._sent = self._received = 0
        self._answers: dict[int, Any] = {}

    @classmethod
    def start(cls) -> _Zygote:
        return cls(*spawn.start(_ZYGOTE))

    def join(self) -> _Zygote | None:
        """A connection of this process's own to ``self``, a zygote inherited from the process
        that forked this one (None when it is gone). One message on the inherited socket, whose
        answers stay its starter's: nothing is read from it here."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(self._socket, [pickle.dumps(("connect",))], [theirs.fileno()])
        except OSError:
            ours.close()
            return None
        finally:
            theirs.close()
        return _Zygote(ours, None, None)

    def fork(self, fds: tuple[int, int, int], memory_bytes: int, stack_bytes: int) -> _Child:
        """Ask for a parser process reading requests from ``fds[0]``, answering on ``fds[1]``
        and writing its last words to ``fds[2]``, without waiting for it."""
        return _Child(self, self._send(("fork", memory_bytes, stack_bytes), fds))

    def wait(self, pid: int, seconds: float | None) -> int | None:
        """Reap child ``pid`` within ``seconds``: its exit status, None if it still runs (or
        the zygote is gone: its children were reaped by init)."""
        ticket = self._send(("wait", pid, seconds))
        answer = self.answer(ticket, None if seconds is None else seconds + STARTUP_SECONDS)
        return answer if isinstance(answer, int) else None

    def _send(self, message: tuple[Any, ...], fds: tuple[int, ...] = ()) -> int:
        with self._lock:
            self._sent += 1
            try:
                socket.send_fds(self._socket, [pickle.dumps(message)], list(fds))
            except OSError:
                self._answers[self._sent] = _GONE
            return self._sent

    def answer(self, ticket: int, seconds: float | None = STARTUP_SECONDS) -> Any:
        """The answer to request ``ticket`` (``_GONE`` when the zygote died or did not answer
        within ``seconds``: it may still be importing)."""
        with self._lock:
            while ticket not in self._answers:
                try:
                    self._socket.settimeout(seconds)
                    data = self._socket.recv(256)
                except OSError:  # timed out, or the zygote died
                    data = b""
                if not data:  # no answer will come: every request still waiting is lost
                    for waiting in range(self._received + 1, self._sent + 1):
                        self._answers.setdefault(waiting, _GONE)
                    self._received = self._sent
                    self.close()
                    break
                self._received += 1
                self._answers[self._received] = pickle.loads(data)
            return self._answers.pop(ticket)

    @property
    def alive(self) -> bool:
        if self._socket.fileno() < 0:  # closed, or seen to end (``answer``)
            return False
        # only its starter can wait for it; another process learns it ended when it asks
        mine = self.process is not None and self.owner == os.getpid()
        return not mine or self.process.poll() is None

    def problem(self) -> str:
        """The zygote's last line, when it died (why no parser process could be started)."""
        if self.process is None or self._said is None:
            return "the parser's zygote ended"
        self._said.seek(0)
        lines = self._said.read()[-4096:].decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {self.process.poll()}"

    def close(self) -> None:
        """Close the request socket: the zygote exits (its children have their own pipes)."""
        self._socket.close()


_GONE = ("gone",)
_ZYGOTE = spawn.CODE
_ZYGOTE_ENVIRONMENT = spawn.ENVIRONMENT
_ZYGOTES: dict[int, _Zygote] = {}
"""This process's zygote (keyed by pid: a forked process starts its own)."""


def zygote() -> _Zygote:
    """This process's zygote: its own, or a connection to the one of the process that forked
    it; started when there is neither (see ``start_zygote``)."""
    pid = os.getpid()
    # the one ``scanner.launch`` started before this module was imported, in this process or in
    # the one that forked it (a scan's pool worker then joins it, as it would any other)
    for starter, started in spawn.take_all():
        _ZYGOTES.setdefault(starter, _Zygote(*started, owner=starter))
    current = _ZYGOTES.get(pid)
    if current is None or not current.alive:
        if current is not None:
            current.close()
        inherited = (z for owner, z in _ZYGOTES.items() if owner != pid and z.alive)
        joined = next((j for j in (z.join() for z in inherited) if j is not None), None)
        current = _ZYGOTES[pid] = joined or _Zygote.start()
    return current


def start_zygote() -> None:
    """Start this process's zygote now, so that its imports overlap the caller's."""
    zygote()


_LIVE: set[IsolatedParser] = set()
_LOCAL = threading.local()


@atexit.register
def close_parsers() -> None:
    """Stop every parser process this process started, and its zygote (they are started again
    when needed)."""
    for parser in list(_LIVE):
        if parser.owner == os.getpid():
            parser.close()
    _LOCAL.__dict__.clear()
    current = _ZYGOTES.pop(os.getpid(), None)
    if current is not None:
        current.close()


def _parser(limits: ParseLimits, slot: int = 0) -> IsolatedParser:
    """This thread's parser process number ``slot`` for ``limits`` (a forked child starts its
    own). Kept for the next call: a second repository or candidate pays no start-up."""
    parsers: dict[tuple[ParseLimits, int], IsolatedParser] = getattr(_LOCAL, "parsers", None) or {}
    if getattr(_LOCAL, "pid", None) != os.getpid():  # inherited by fork: the parent's children
        parsers = {}
        _LOCAL.pid = os.getpid()
    _LOCAL.parsers = parsers
    parser = parsers.get((limits, slot))
    if parser is None:
        parser = parsers[limits, slot] = IsolatedParser(limits)
    return parser


def start_parser(limits: ParseLimits, processes: int = 1) -> None:
    """Start this thread's parser processes now (``processes`` of them: ``isolated_map``'s), so
    that their start-up (the zygote's imports, then a fork and a warm-up parse)
    overlaps whatever the caller does before it parses."""
    for slot in range(processes):
        _parser(limits, slot).spawn()


def isolated_tokenize(data: bytes, language: str, limits: ParseLimits) -> TokenStream:
    """``tokenize`` in this thread's parser process (started on first use, replaced when it
    dies or is killed); raises ``ParseFailure``."""
    return _parser(limits).tokenize(data, language)


def isolated_map(
    calls: Iterable[tuple[str, tuple[Any, ...]]],
    limits: ParseLimits,
    processes: int = 1,
    *,
    native_files: bool = False,
) -> Iterator[Any]:
    """Each call's answer (``ParseFailure`` values for the files given up), in order, from
    ``processes`` parser processes working at once.

    A call goes to whichever child is free, and answers are taken as they come, then given in
    order: a child that finished a small file gets the next one while another still parses a
    large one (at most ``REORDER`` answers wait for an earlier one). While the children parse,
    this process reads and prepares the next file and stores the last answer (the caller's
    work between two ``next``), so its own work overlaps theirs instead of adding to it. Each
    child holds up to ``DEPTH`` calls (``IsolatedParser.room``), so it starts the next file the
    moment it answered one instead of waiting for this process to take the answer and send the
    next; its limits still count from the moment it started that file, and a file it fails on
    fails alone (``IsolatedParser.collect``). Left before the end (the caller raised, or Ctrl-C
    while an answer was read), the children still holding a call are stopped, so no late answer
    is taken for a later one. A file fingerprinted natively is a ``FileFingerprint``, or with
    ``native_files`` the ``NativeFile`` it came as (no numpy needed to take it).
    """
    children = [_parser(limits, slot) for slot in range(processes)]
    for child in children:
        if child._calls:  # left unanswered by a map interrupted before: no answer of ours
            child.close(kill=True)
    boxes: deque[list[Any]] = deque()  # one per call, in call order: [answer] once it came
    held: dict[IsolatedParser, deque[list[Any]]] = {child: deque() for child in children}

    def take(block: bool) -> None:
        """Take the answers that came (with ``block``, waiting for at least one)."""
        for child in _answered([child for child in children if held[child]], block):
            box = held[child].popleft()
            try:
                box.append(child.collect())
            except ParseFailure as failure:
                box.append(failure)

    def taker(size: int) -> IsolatedParser | None:
        """The child to send a call of ``size`` bytes to: an idle one, else of those with
        ``room`` for it the one with the fewest calls, then bytes, to parse first; never one
        holding ``BEHIND_BYTES`` or more (a large file: the call would wait behind it while the
        others parse the rest, and the time it saves is small beside such a file's parse)."""
        free = [child for child in children
                if child.room(size) and child.queued < BEHIND_BYTES]  # fmt: skip
        return min(free, key=lambda child: (len(child._calls), child.queued), default=None)

    def given(answer: Any) -> Any:
        if native_files or not isinstance(answer, NativeFile):
            return answer
        from fingerprints.fingerprinter import from_fields

        return from_fields(answer)

    try:
        for call, args in calls:
            size = _call_size(args)
            while (child := taker(size)) is None or (
                len(boxes) >= REORDER * processes and not boxes[0]
            ):
                take(block=True)
            child.submit(call, args, size)
            box: list[Any] = []
            boxes.append(box)
            held[child].append(box)
            # the earlier answers go out only now that this call is sent: the caller's work on
            # them overlaps this parse (with one process, an answer taken and given out before
            # the next call was sent left the parser idle while the caller worked)
            while boxes and boxes[0]:
                yield given(boxes.popleft()[0])
            take(block=False)
        while boxes:
            if not boxes[0]:
                take(block=True)
            while boxes and boxes[0]:
                yield given(boxes.popleft()[0])
    finally:  # ``_calls`` too: a call whose ``collect`` raised (Ctrl-C) is no longer held
        for child in children:
            if held[child] or child._calls:
                child.close(kill=True)


REORDER = 16
"""Answers per process that may wait for an earlier, slower one (bounds the memory they hold)."""
BEHIND_BYTES = 64 * 1024
"""No call is queued behind calls of this many bytes (``isolated_map``)."""
DEPTH = 3
"""Calls a parser process may hold: the one it parses and the next ones, waiting in its request
pipe. With one (fingerprinting pip 24.2), each parser was idle between two files for 22% of the
parsing with ``--jobs 1`` and 40% with ``--jobs 2``: the time the calling process took to notice
an answer, take it, read the next file and send it (with two parsers, in turn). Three rather
than two: on small files a parser is often faster than this process, which stores each answer,
and a third call keeps it busy through the moments this process falls behind (the parser's idle
time between files, pip 24.2 with ``--jobs 1``, median of 4 runs at load 9 to 13: 0.10 s with
one call or two, 0.03 s with three)."""


def _answered(children: list[IsolatedParser], block: bool) -> list[IsolatedParser]:
    """The children whose ``collect`` would not wait; with ``block``, waits until there is one
    (noting how large each grows meanwhile, as ``collect`` does, whenever a wait runs out),
    never past a deadline. One ``poll`` call per look, for all the children's pipes."""
    step = 0.005
    pipes = [child._replies.fileno() for child in children if child._replies is not None]
    readable = _readable(pipes, 0)
    while True:
        due = [child for child in children if child.due(readable)]
        if due or not block or not children:
            return due
        deadline = min(child._deadline or 0.0 for child in children)
        readable = _readable(pipes, min(step, deadline - time.monotonic()))
        if not readable:
            for child in children:
                child.look()
        step = min(step * 2, 0.1)


def _readable(fds: list[int], seconds: float) -> set[int]:
    """Those of ``fds`` that can be read now or become so within ``seconds`` (a closed end
    counts: reading it tells why). One ``poll(2)``, without the selector object that
    ``multiprocessing.connection.wait`` and ``Connection.poll`` build at every call (a tenth
    of the calling process's CPU while fingerprinting pip 24.2)."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return {fd for fd, _ in poller.poll(math.ceil(max(0.0, seconds) * 1000))}


# -- the child -----------------------------------------------------------------------------------


def serve_forks(fd: int) -> None:
    """The zygote's main: import and warm what the parser processes use, then answer requests
    on socket ``fd`` and on the sockets processes forked from its starter join with, until all
    are closed (``_Zygote``). A parser whose requester closed its socket without reaping it
    (a pool worker ends at once) is reaped here once it has ended."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the calling process's to handle
    from fingerprints import lean, native
    from fingerprints.params import FingerprintParams

    native.use_python_allocator()  # before its first parser: see there
    # imports and caches (Python's tokenizer): natively, without numpy (``lean``), else all
    if lean.native_fields("warm.py", b"x = 1\n", "python", FingerprintParams()) is None:
        from fingerprints.fingerprinter import fingerprint_file

        fingerprint_file("warm.py", b"x = 1\n", "python", FingerprintParams())
    connections = {fd: socket.socket(fileno=fd)}
    forked: dict[int, int] = {}  # parser pid -> the connection that asked for it
    orphans: set[int] = set()  # parsers of closed connections, not reaped yet
    while connections:
        ready, _, _ = select.select(list(connections), [], [], 1.0 if orphans else None)
        orphans -= {pid for pid in orphans if _reap_child(pid, 0) is not None}
        for key in ready:
            connection = connections[key]
            try:
                data, fds, _, _ = socket.recv_fds(connection, 256, 3)
            except OSError:
                data, fds = b"", []
            try:
                if not data:
                    raise EOFError
                message = pickle.loads(data)
                if message[0] == "connect":  # on a socket shared with others: kept either way
                    if fds:  # none when the kernel dropped it (no fd free here): not joined
                        joined = socket.socket(fileno=fds.pop(0))
                        connections[joined.fileno()] = joined
                    continue
                if message[0] == "fork":
                    answer = _fork(list(connections.values()), fds, message[1], message[2])
                    fds = []  # the child has them; _fork closed them here
                    forked[answer] = key
                else:
                    answer = _reap_child(message[1], message[2])
                    if answer is not None:
                        forked.pop(message[1], None)
                connection.send(pickle.dumps(answer))
            except Exception:  # EOF, a caller gone (EPIPE), fork failing, a bad
                # message: that caller's connection ends (it sees the zygote gone and goes on
                # without it), never the zygote that every other process shares
                for fd in fds:
                    os.close(fd)
                connection.close()
                del connections[key]
                orphans |= {pid for pid, asker in forked.items() if asker == key}
                forked = {pid: asker for pid, asker in forked.items() if asker != key}
    os._exit(0)  # nothing to tear down: the children have their own pipes


def _fork(connections: list[socket.socket], fds: list[int], memory_bytes: int,
          stack_bytes: int) -> int:  # fmt: skip
    """Fork one parser process (in the zygote): it serves on ``fds`` and never returns."""
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        return pid
    code = 1
    try:
        for connection in connections:
            connection.close()
        # Ctrl-C stays ignored, as in the zygote: the caller decides, and the child ends when
        # its input closes or it is killed, never in the middle of a file the caller waits for
        inbox, outbox, said = fds
        os.dup2(said, 2)
        os.close(said)
        serve(inbox, outbox, memory_bytes, stack_bytes)
        code = 0
    finally:
        os._exit(code)  # never the zygote's loop, nor its exit handlers


def _reap_child(pid: int, seconds: float | None) -> int | None:
    """Child ``pid``'s exit status once it ended within ``seconds`` (negative: the signal)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    step = 0.001
    while True:
        try:
            done, status = os.waitpid(pid, 0 if deadline is None else os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return os.waitstatus_to_exitcode(status)
        assert deadline is not None
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)
        step = min(step * 2, 0.05)


def serve(inbox: int, outbox: int, memory_bytes: int, stack_bytes: int = STACK_BYTES) -> None:
    """A parser process's main: answer ``(language, data)`` requests until the parent closes
    the pipe.

    Runs the loop in a thread with a ``stack_bytes`` stack (see the module docstring).
    """
    threading.stack_size(stack_bytes)
    worker = threading.Thread(target=_serve, args=(inbox, outbox, memory_bytes))
    worker.start()
    worker.join()


def _serve(inbox: int, outbox: int, memory_bytes: int) -> None:
    requests = Connection(inbox, writable=False)
    replies = Connection(outbox, readable=False)
    _tokenize(b"x = 1\n", "python")  # warm up this thread's allocator and caches
    _LIMIT[0] = memory_bytes
    _limit_address_space(memory_bytes)
    replies.send(("ready", _address_space(os.getpid()) or 0))
    while True:
        try:
            call, args = _receive_call(requests)
        except (EOFError, OSError):
            return
        try:  # each answer ends with when this file's work ended (``_MARK``)
            if call == FINGERPRINT:
                _send_answer(outbox, _fingerprint(args))
            else:
                language, data = args
                _send_tokens(replies, _tokenize(data, language))
        except MemoryError:
            _send_answer(outbox, ("memory", None))
            return  # a fresh child for the next file
        except Exception as exc:
            try:
                _send_answer(outbox, ("raise", exc))
            except Exception:
                _send_answer(outbox, ("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _fingerprint(args: tuple[Any, ...]) -> tuple[str, Any]:
    """A ``FINGERPRINT`` call's answer: natively, the fields without numpy (``lean``); else the
    ``FileFingerprint`` (numpy and the Python path, imported the first time they are needed)."""
    from fingerprints import lean

    fields = lean.native_fields(*args)
    if fields is not None:
        return _FIELDS, fields
    _import_python_path()
    from fingerprints.fingerprinter import fingerprint_file

    return "ok", fingerprint_file(*args)


def _tokenize(data: bytes, language: str) -> TokenStream | tuple[Any, ...]:
    """A ``TOKENIZE`` call's stream: the native tokenizer's as it gives it (``lean``), else a
    ``TokenStream`` (the Python path, one parser per grammar, shared with ``FINGERPRINT``)."""
    from fingerprints import lean

    found = lean.native_tokens(data, language)
    if found is not None:
        return found
    _import_python_path()
    from fingerprints.fingerprinter import _parser
    from fingerprints.languages import load_language
    from fingerprints.normalize import tokenize

    return tokenize(data, load_language(language), _parser(language))


_LIMIT = [0]
"""This parser process's ``memory_bytes`` (``_serve``)."""


def _import_python_path() -> None:
    """Import the Python path (numpy, 83 MiB of address space) in a parser process whose zygote
    did not, with its memory limit lifted meanwhile and then set again from its new size: what
    the limit is given to bound is a file's parse, not these imports (a notebook under a
    64 MiB limit was read before numpy left the zygote)."""
    if "fingerprints.fingerprinter" in sys.modules:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        import fingerprints.fingerprinter  # noqa: F401
    finally:
        _limit_address_space(_LIMIT[0])


# -- the hand-off ---------------------------------------------------------------------------------
# A call is two messages: the pickled call with its file's bytes left out (``None`` at ``_DATA``),
# then those bytes as they are (``send_bytes``: written from the caller's own buffer, never
# copied into a pickle). A token stream comes back as one message, ``_send_tokens``: a header and
# the arrays' bytes, which the caller reads with ``np.frombuffer`` (no copy, no pickle); every
# other answer is a pickled ``(kind, value)`` (it starts with pickle's PROTO opcode, 0x80). Each
# answer ends with its ``_MARK``, in the same message: a mark written on its own after the answer
# and not read in time (a child stopped between the two) was read later as the next answer.

_FIELDS = "fields"
"""The kind of an answer that is a ``NativeFile`` (``lean.native_fields``)."""
_DATA = 1
"""Where the file's bytes are in a call's arguments (``TOKENIZE``'s and ``FINGERPRINT``'s)."""
_TOKENS = b"LTTOKEN1"
"""How a packed token stream starts."""
_HEADER = struct.Struct("<8s9q")
"""``_TOKENS``, the lengths of the six arrays, lines, error line (-1: None), structure bytes."""
_ARRAYS = (("values", "<u8"), ("raw", "<u8"), ("start_byte", "<i8"), ("end_byte", "<i8"),
           ("line_start", "<u4"), ("line_end", "<u4"))  # fmt: skip
"""The arrays in the order they are packed: the 8-byte ones first, so each starts aligned."""


PIPE_BYTES = 1024**2
"""The answers' pipe holds this much (the kernel's default is 64 KiB): a token stream of 25,000
tokens (1 MB) then crosses in one write and one read instead of sixteen of each, and the child
does not wait for the caller to empty the pipe (capped by ``/proc/sys/fs/pipe-max-size``). The
requests' pipe is left as it is: widened too, it cut fingerprinting pip's context switches by
only 5%, and it would double what each parser takes of a user's pipe pages
(``/proc/sys/fs/pipe-user-pages-soft``: past it, every new pipe of that user is small)."""


def _widen(pipe: int) -> None:
    """Let ``pipe`` hold ``PIPE_BYTES``, or as much as this user may (Linux; else as it is)."""
    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setter is not None:
        with contextlib.suppress(OSError):  # over the user's share of pipe pages: as it is
            fcntl.fcntl(pipe, setter, min(PIPE_BYTES, _PIPE_MAX))


def _pipe_max() -> int:
    try:
        return int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except (OSError, ValueError):
        return PIPE_BYTES


_PIPE_MAX = _pipe_max()


_MARK = struct.Struct("=dd")
"""The last bytes of each answer: the child's CPU clock and ``time.monotonic()`` (one clock for
all processes) when its work on the file ended, taken just before the answer is written: the
next call's limits count from there (``IsolatedParser._next``)."""
_CPU_CLOCK = sys.platform == "linux"
"""Whether a process's CPU clock can be read from another (``_cpu_seconds``)."""


def _mark() -> bytes:
    """This process's ``_MARK`` now."""
    return _MARK.pack(time.clock_gettime(time.CLOCK_PROCESS_CPUTIME_ID), time.monotonic())


def _call_size(args: tuple[Any, ...]) -> int:
    """At least what a call with ``args`` takes in the request pipe: its file's bytes, and the
    pickled rest (a path, a language, the parameters: far under 4 KiB but for the path)."""
    rest = sum(len(arg) for arg in args if isinstance(arg, str))
    return len(args[_DATA]) + rest + 4096


def _pipe_size(pipe: int) -> int | None:
    """What ``pipe`` holds (Linux; None elsewhere)."""
    getter = getattr(fcntl, "F_GETPIPE_SZ", None)
    if getter is None:
        return None
    try:
        return int(fcntl.fcntl(pipe, getter))
    except OSError:
        return None


def _send_call(requests: Connection, call: str, args: tuple[Any, ...]) -> None:
    data = args[_DATA]
    requests.send((call, (*args[:_DATA], None, *args[_DATA + 1 :])))
    requests.send_bytes(data)


def _receive_call(requests: Connection) -> tuple[str, tuple[Any, ...]]:
    call, args = requests.recv()
    data = requests.recv_bytes()
    return call, (*args[:_DATA], data, *args[_DATA + 1 :])


def _send_tokens(replies: Connection, tokens: TokenStream | tuple[Any, ...]) -> None:
    """Send ``tokens`` packed (the child's side of ``_unpack_tokens``): written straight from
    the arrays with ``writev``, in ``Connection``'s framing (a big-endian length first), so no
    buffer holds the whole message. ``tokens`` is a ``TokenStream`` or the native tokenizer's
    tuple (``lean.native_tokens``: its arrays' bytes, already in ``_ARRAYS``'s types)."""
    if isinstance(tokens, tuple):
        values, raw, line_start, line_end, starts, ends, error_line, blob, lines = tokens
        arrays = [values, raw, starts, ends, line_start, line_end]
        counts = [
            len(array) // int(dtype[-1]) for array, (_, dtype) in zip(arrays, _ARRAYS, strict=True)
        ]
        # a structure of no function is sent as none, as a ``TokenStream``'s empty one is
        blob = blob if blob and int.from_bytes(blob[1:5], "little") else b""
    else:
        import numpy as np

        arrays = [np.ascontiguousarray(getattr(tokens, name), dtype=dtype)
                  for name, dtype in _ARRAYS]  # fmt: skip
        counts = [array.shape[0] for array in arrays]
        blob = tokens.structure.to_bytes() if len(tokens.structure) else b""
        error_line, lines = tokens.error_line, tokens.lines
    error_line = -1 if error_line is None else error_line
    header = _HEADER.pack(_TOKENS, *counts, lines, error_line, len(blob))
    _send_frame(replies.fileno(), [header, *arrays, blob])


def _send_answer(outbox: int, answer: tuple[str, Any]) -> None:
    """Send a pickled ``(kind, value)`` answer, pickled before anything is written (an answer
    that cannot be pickled writes nothing: another is sent instead)."""
    _send_frame(outbox, [ForkingPickler.dumps(answer)])


def _send_frame(fd: int, pieces: list[Any]) -> None:
    """Write ``pieces`` and the ``_MARK`` as one message of ``Connection``'s framing (a
    big-endian length first), straight from their buffers with ``writev``."""
    pieces = [*pieces, _mark()]
    parts = [memoryview(part).cast("B") for part in pieces if len(part)]
    size = sum(part.nbytes for part in parts)
    frame = struct.pack("!i", size) if size <= 0x7FFFFFFF else struct.pack("!iQ", -1, size)
    parts.insert(0, memoryview(frame))
    while parts:
        written = os.writev(fd, parts)
        while parts and written >= parts[0].nbytes:
            written -= parts.pop(0).nbytes
        if parts:
            parts[0] = parts[0][written:]


def _receive(replies: Connection) -> bytearray:
    """One message of ``Connection``'s framing, read into a buffer of its size (with no
    intermediate copy, unlike ``recv_bytes``); ``EOFError`` at the pipe's end."""
    (size,) = struct.unpack("!i", _read(replies.fileno(), bytearray(4)))
    if size == -1:
        (size,) = struct.unpack("!Q", _read(replies.fileno(), bytearray(8)))
    return _read(replies.fileno(), bytearray(size))


def _read(fd: int, buffer: bytearray) -> bytearray:
    """``buffer`` filled from ``fd``."""
    view, done = memoryview(buffer), 0
    while done < len(buffer):
        count = os.readv(fd, [view[done:]])
        if not count:
            raise EOFError
        done += count
    return buffer


def _unpack_tokens(buffer: bytearray) -> TokenStream:
    """The token stream ``_send_tokens`` sent, its arrays views of ``buffer``."""
    import numpy as np

    from fingerprints.normalize import TokenStream
    from fingerprints.structure import Structure

    end = len(buffer) - _MARK.size  # the mark follows the stream
    if end < _HEADER.size:
        raise ValueError(f"a packed token stream of {len(buffer)} bytes has no header")
    _, *counts, lines, error_line, blob_size = _HEADER.unpack_from(buffer)
    if len(set(counts)) != 1:  # one entry per token in each array
        raise ValueError(f"arrays of different lengths {counts}")
    offset = _HEADER.size
    arrays = {}
    for (name, dtype), count in zip(_ARRAYS, counts, strict=True):
        if count < 0:  # frombuffer would take the rest
            raise ValueError(f"{count} {name}")
        arrays[name] = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
        offset += arrays[name].nbytes
    if blob_size < 0 or offset + blob_size != end:
        raise ValueError(f"a packed token stream of {len(buffer)} bytes does not add up")
    structure = Structure.from_bytes(bytes(buffer[offset:end]) if blob_size else None)
    return TokenStream(lines=lines, error_line=None if error_line < 0 else error_line,
                       structure=structure, **arrays)  # fmt: skip


def _receive_answer(replies: Connection) -> tuple[str, Any, tuple[float, float]]:
    """The child's answer: a packed token stream or a pickled ``(kind, value)``, and the
    ``_MARK`` that ends it."""
    buffer = _receive(replies)
    if len(buffer) < _MARK.size:
        raise ValueError(f"an answer of {len(buffer)} bytes has no mark")
    cpu, finished = _MARK.unpack_from(buffer, len(buffer) - _MARK.size)
    if buffer[: len(_TOKENS)] == _TOKENS:
        return "ok", _unpack_tokens(buffer), (cpu, finished)
    kind, value = pickle.loads(memoryview(buffer)[: -_MARK.size])
    return kind, value, (cpu, finished)


def _cpu_seconds(pid: int | None) -> float | None:
    """The CPU time process ``pid`` has used, in seconds, from its CPU clock (one system call,
    no ``/proc`` read); None once it is gone or where that clock cannot be read."""
    if pid is None or sys.platform != "linux":
        return None
    try:
        return time.clock_gettime((~pid << 3) | 2)  # Linux: CPUCLOCK_SCHED of a whole process
    except OSError:
        return None


def _address_space(pid: int) -> int | None:
    """The size of a process's address space in bytes (Linux; None elsewhere or once gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _limit_address_space(memory_bytes: int) -> None:
    """Let this process's address space grow by at most ``memory_bytes`` from now (Linux)."""
    size = _address_space(os.getpid())
    if size is None:
        return
    limit = size + memory_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
