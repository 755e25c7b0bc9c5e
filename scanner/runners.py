"""Where the pure work runs: in this process, in a pool of local processes (``--jobs N``), or on
a Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

Every runner maps a module-level function over a lazy stream of work items and yields the
results *in the items' order*, with a bounded number in flight, so results are identical to a
serial run and memory stays bounded however large the tree. A shared read-only context (the
scan's fingerprint index and settings) is sent to each worker once: inherited by ``fork`` for
local processes, scattered (broadcast) to the cluster's workers for Dask.

Dask rather than Ray: the work is plain Python functions over bytes and numpy arrays with one
large read-only object to share, which Dask's ``scatter(..., broadcast=True)`` and futures do
with a scheduler and workers any team can start with two commands (``dask scheduler``,
``dask worker``); Ray's actor model and object store bring more machinery than this needs.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol
from uuid import uuid4

from scanner.errors import ConfigError

if TYPE_CHECKING:  # imported when a pool is made: --jobs 1 and fingerprint never need them
    from concurrent.futures import ProcessPoolExecutor

_CONTEXT: Any = None


class Ready:
    """An item whose result is already known: passed through, in order, without running."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class Runner(Protocol):
    workers: int

    def map(self, fn: Callable[..., Any], items: Iterable[Any],
            context: Any = None) -> Iterator[Any]: ...  # fmt: skip

    def close(self) -> None: ...


def _ordered(submit: Callable[[Any], Any], items: Iterable[Any], window: int) -> Iterator[Any]:
    pending: deque[Any] = deque()
    for item in items:
        pending.append(item if isinstance(item, Ready) else submit(item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class Serial:
    workers = 1

    def map(self, fn: Callable[..., Any], items: Iterable[Any],
            context: Any = None) -> Iterator[Any]:  # fmt: skip
        for item in items:
            if isinstance(item, Ready):
                yield item.value
            else:
                yield fn(item) if context is None else fn(item, context)

    def close(self) -> None:
        pass


def _install(context: Any, parent: int | None = None) -> None:
    """A forked worker's start: the context is kept for every call, and its ``warm`` (when it
    has one: a scan's starts the worker's parser process) is run at once."""
    global _CONTEXT
    _CONTEXT = context
    # Ctrl-C reaches the whole process group: it is the scan's to handle (its one line), not a
    # traceback from each worker waiting for work
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _die_with(parent)
    warm = getattr(context, "warm", None)
    if callable(warm):
        warm()


def _die_with(parent: int) -> None:
    """End this worker when the scan that forked it dies (kill -9 included): forked siblings
    hold each other's pipe ends, so without this they would wait for work forever."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _call(fn: Callable[..., Any], item: Any) -> Any:
    return fn(item) if _CONTEXT is None else fn(item, _CONTEXT)


class Processes:
    """A pool of local processes, forked so that they inherit the context without copying it.

    One pool at a time: a new context (the next scan's index) replaces the pool.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._context_id: int | None = None

    def _pool_for(self, context: Any) -> ProcessPoolExecutor:
        """The pool for ``context``, its workers forked now: a first, empty task makes the pool
        start them all (with ``fork`` at once, never one by one).

        Every object this process holds then is frozen for the fork (``gc.freeze``, as Python's
        documentation advises before a fork): a worker's collections then never walk them, nor
        write to their pages (each worker's first full collection walked every inherited object,
        index and imports included: 16 ms of its CPU at load 7, the pages it wrote copied). This
        process unfreezes its own right after, so its garbage is collected as before."""
        if self._pool is None or self._context_id != id(context):
            import gc
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.close()
            gc.freeze()
            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("fork"),
                    initializer=_install, initargs=(context, os.getpid()))  # fmt: skip
                self._context_id = id(context)
                self._pool.submit(int)
            finally:
                gc.unfreeze()
        return self._pool

    def start(self, context: Any = None) -> None:
        """Fork every worker for ``context`` now, so that their start overlaps what the caller
        does before it has items (``map`` would at its first item)."""
        self._pool_for(context)

    def map(self, fn: Callable[..., Any], items: Iterable[Any],
            context: Any = None) -> Iterator[Any]:  # fmt: skip
        pool = self._pool_for(context)
        yield from _ordered(lambda item: pool.submit(_call, fn, item), items, 4 * self.workers)

    def release(self) -> None:
        """Let the workers go without waiting for them to exit: they do while the caller goes on
        (writing a scan's reports), on the core they leave; the interpreter joins them at its
        exit. The next ``map`` forks new ones."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self._pool = None


#: Dask settings for every process of a run: the client here, and the scheduler and workers of
#: a cluster we start (``dask_settings``). Dask keeps the last ``low-level-log-length`` messages
#: (1,000 by default) of every batched stream for debugging, each one whole when it was under
#: 1 MB: the client's stream to the scheduler and the scheduler's to each worker carry the
#: batches, files' bytes included, so each process kept up to a gigabyte of source it had sent
#: (measured: the calling process grew 20 to 25 MiB per million lines until the log was full).
DASK_SETTINGS = {"distributed.admin.low-level-log-length": 0}


def dask_settings() -> Any:
    """A context in which Dask clusters and clients keep no logs of the messages they sent."""
    import dask

    return dask.config.set(DASK_SETTINGS)


class DaskRunner:
    """Tasks on a Dask distributed cluster; the context is broadcast to every worker once."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ConfigError("--scheduler", "needs Dask: pip install 'leaktrace[distributed]'"
                              ) from exc  # fmt: skip
        self._settings = dask_settings()  # for the client's life: a reconnection makes new comms
        try:
            self.client = Client(address, timeout="20s")
        except BaseException as exc:
            self._settings.__exit__(None, None, None)
            if isinstance(exc, OSError):
                raise ConfigError("--scheduler", f"cannot reach {address} ({exc})") from exc
            raise
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info()["workers"].values()))  # fmt: skip
        self._scattered: tuple[int, Any] | None = None
        self._check_scheduler(address)

    def _check_scheduler(self, address: str) -> None:
        """One line when the scheduler keeps Dask's message logs: its streams to the workers
        carry the batches, so it would hold that many of them per worker, files included."""
        import dask

        key = "distributed.admin.low-level-log-length"
        try:
            kept = self.client.run_on_scheduler(dask.config.get, key)
        except Exception:  # a scheduler that runs no functions for clients: nothing to say
            return
        if kept != 0:
            from scanner.console import note

            note(f"the Dask scheduler at {address} keeps its last {kept or 'unlimited'} "
                 "messages to each worker, files included: start it with "
                 "DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH=0 to bound its memory")  # fmt: skip

    def map(self, fn: Callable[..., Any], items: Iterable[Any],
            context: Any = None) -> Iterator[Any]:  # fmt: skip
        """Items go to the workers in batches (``_batches``): one task per file cost a round trip
        through the scheduler per file, and with a window of eight tasks the wall time was that
        latency, not work (on this loaded 2-core machine, 37 files/s)."""
        args: tuple[Any, ...] = ()
        if context is not None:
            if self._scattered is None or self._scattered[0] != id(context):
                self._scattered = (id(context), self.client.scatter(context, broadcast=True))
            args = (self._scattered[1],)
        name = getattr(fn, "__name__", "task")

        def submit(batch: list[Any]) -> Any:  # the key names the function, as a task of its own
            return self.client.submit(_run_batch, fn, batch, *args, key=f"{name}-{uuid4().hex}")

        for outcomes in _ordered(submit, _batches(items), 4 * self.workers):
            for ok, value in outcomes:
                if not ok:
                    raise value
                yield value

    def close(self) -> None:
        self.client.close()
        if self._settings is not None:
            self._settings.__exit__(None, None, None)
            self._settings = None


#: A batch sent to a Dask worker closes at this many items or bytes of ``data``, whichever first.
BATCH_ITEMS = 64
BATCH_BYTES = 4 << 20


def _batches(items: Iterable[Any], most_items: int | None = None,
             most_bytes: int | None = None, tail: int = 0, first: int | None = None
             ) -> Iterator[Any]:  # fmt: skip
    """Consecutive items in lists of at most ``most_items`` (``BATCH_ITEMS``) items or about
    ``most_bytes`` (``BATCH_BYTES``) bytes (an item's ``data``, when it has some); a ``Ready``
    item closes the batch before it and passes through alone, as ``Ready([(True, value)])``, so
    the order is kept. With ``first``, the first batch holds at most that many items and each
    next one twice as many, up to ``most_items``: the workers get their first items while the
    caller still reads the next ones. The last ``tail`` items are batches of one item each
    (read that many ahead), so that no worker is left with a whole batch while the others are
    done."""
    most_items = BATCH_ITEMS if most_items is None else most_items
    most_bytes = BATCH_BYTES if most_bytes is None else most_bytes
    limit = most_items if first is None else min(first, most_items)
    batch: list[Any] = []
    size = 0
    ahead: deque[Any] = deque()
    for item in _ahead(items, tail, ahead):
        if isinstance(item, Ready):
            if batch:
                yield batch
                batch, size = [], 0
                limit = min(2 * limit, most_items)
            yield Ready([(True, item.value)])
            continue
        batch.append(item)
        data = getattr(item, "data", None)
        size += len(data) if isinstance(data, bytes | bytearray) else 0
        if len(batch) >= limit or size >= most_bytes:
            yield batch
            batch, size = [], 0
            limit = min(2 * limit, most_items)
    if batch:
        yield batch
    for item in ahead:  # the last ones, one by one
        yield Ready([(True, item.value)]) if isinstance(item, Ready) else [item]


def _ahead(items: Iterable[Any], count: int, ahead: deque[Any]) -> Iterator[Any]:
    """``items`` but the last ``count``, which are left in ``ahead`` once the others are given."""
    for item in items:
        ahead.append(item)
        if len(ahead) > count:
            yield ahead.popleft()


def _run_batch(fn: Callable[..., Any], batch: list[Any], *context: Any) -> list[tuple[bool, Any]]:
    """Run on a worker: each item's (True, result), or (False, exception) for one that raised,
    raised again by the caller at that item's place, as if it had been a task of its own."""
    outcomes: list[tuple[bool, Any]] = []
    for item in batch:
        try:
            outcomes.append((True, fn(item, *context)))
        except Exception as exc:  # re-raised in order by DaskRunner.map
            outcomes.append((False, exc))
    return outcomes


def make_runner(jobs: int | None = None, scheduler: str | None = None) -> Runner:
    """``--scheduler`` wins; else ``--jobs`` processes (default: every core; 1: this process)."""
    if scheduler:
        return DaskRunner(scheduler)
    count = jobs if jobs is not None else (os.cpu_count() or 1)
    if count < 1:
        raise ConfigError("--jobs", f"must be at least 1, got {count}")
    return Serial() if count == 1 else Processes(count)
