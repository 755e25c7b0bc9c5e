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
    global _CONTEXT
    _CONTEXT = context
    if parent is not None:
        _die_with(parent)


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
        if self._pool is None or self._context_id != id(context):
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.close()
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_install, initargs=(context, os.getpid()))  # fmt: skip
            self._context_id = id(context)
        return self._pool

    def map(self, fn: Callable[..., Any], items: Iterable[Any],
            context: Any = None) -> Iterator[Any]:  # fmt: skip
        pool = self._pool_for(context)
        yield from _ordered(lambda item: pool.submit(_call, fn, item), items, 4 * self.workers)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self._pool = None


class DaskRunner:
    """Tasks on a Dask distributed cluster; the context is broadcast to every worker once."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ConfigError("--scheduler", "needs Dask: pip install 'leaktrace[distributed]'"
                              ) from exc  # fmt: skip
        try:
            self.client = Client(address, timeout="20s")
        except OSError as exc:
            raise ConfigError("--scheduler", f"cannot reach {address} ({exc})") from exc
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info()["workers"].values()))  # fmt: skip
        self._scattered: tuple[int, Any] | None = None

    def map(self, fn: Callable[..., Any], items: Iterable[Any],
            context: Any = None) -> Iterator[Any]:  # fmt: skip
        if context is None:
            submit = lambda item: self.client.submit(fn, item, pure=False)  # noqa: E731
        else:
            if self._scattered is None or self._scattered[0] != id(context):
                self._scattered = (id(context), self.client.scatter(context, broadcast=True))
            shared = self._scattered[1]
            submit = lambda item: self.client.submit(fn, item, shared, pure=False)  # noqa: E731
        yield from _ordered(submit, items, 4 * self.workers)

    def close(self) -> None:
        self.client.close()


def make_runner(jobs: int | None = None, scheduler: str | None = None) -> Runner:
    """``--scheduler`` wins; else ``--jobs`` processes (default: every core; 1: this process)."""
    if scheduler:
        return DaskRunner(scheduler)
    count = jobs if jobs is not None else (os.cpu_count() or 1)
    if count < 1:
        raise ConfigError("--jobs", f"must be at least 1, got {count}")
    return Serial() if count == 1 else Processes(count)
