"""Starting the parser's zygote (``isolation._Zygote``) before anything else is imported.

The first parse waits for the zygote's imports (tree-sitter, the grammars, the native
tokenizer: most of its 0.07 s of CPU), and the zygote starts only once its starter got as far
as starting it. So
``leaktrace`` starts it first thing (``scanner.launch``: ``start_zygote_early``) with this
module alone: ``socket`` and ``subprocess`` (5 ms), not ``isolation`` (20 ms more:
multiprocessing, tempfile, dataclasses), and ``isolation.zygote`` later takes the one started
here (and the zygote, which imports this module, never imports ``subprocess``). The zygote is an
isolated interpreter without ``site`` (``-I -S``): no ``.pth`` files to process, and no
current folder on its module path, which could be a tree being scanned; it gets this process's
module path but for that folder (``""``), so it imports what this process would.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the zygote imports this module and never starts one
    import subprocess

ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1"}
"""No thread but the main one in the zygote: numpy's OpenBLAS would start one per core (no
linear algebra is done), and glibc hands the stacks of threads that did not survive a fork to
the child's next threads, so a parser thread could get a stack other than ``STACK_BYTES``."""

CODE = """import sys, types
sys.path[:] = {path!r}
package = types.ModuleType("fingerprints")
package.__path__ = [{package!r}]
sys.modules["fingerprints"] = package
from fingerprints.isolation import serve_forks
serve_forks({fd})
"""
"""The zygote's program: it imports only ``isolation`` and what the children need
(tree-sitter, the grammars, the native tokenizer: ``lean``), not the whole package: a stand-in
``fingerprints`` package skips its ``__init__``."""

Started = tuple[socket.socket, "subprocess.Popen[bytes]", IO[bytes]]
"""A zygote just started: the socket to it, its process, the file its last words go to."""

_EARLY: dict[int, Started] = {}
"""The zygote ``start_zygote_early`` started, by the pid of the process that started it: a
process forked from that one has a copy, and joins it (``isolation.zygote``)."""


def start(code: str = CODE) -> Started:
    """Start a zygote running ``code`` (``CODE``, formatted here), without waiting for it."""
    import subprocess

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    said = _scratch()  # the zygote's own last words (an import that failed), read if it dies
    package = os.path.dirname(os.path.realpath(__file__))
    path = [entry for entry in sys.path if os.path.isabs(entry)]  # "": the current folder
    program = code.format(path=path, package=package, fd=theirs.fileno())
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", program],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=said,
            pass_fds=(theirs.fileno(),),
            env={**os.environ, **ENVIRONMENT},
        )
    except BaseException:
        ours.close()
        said.close()
        raise
    finally:
        theirs.close()
    return ours, process, said


def _scratch() -> IO[bytes]:
    """A file with no name, read and written: ``O_TMPFILE`` in the temporary folder (Linux),
    without importing ``tempfile`` (3.5 ms before the zygote starts); elsewhere tempfile's."""
    try:
        fd = os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    except (AttributeError, OSError):
        import tempfile

        return tempfile.TemporaryFile(prefix="leaktrace-zygote-")
    return open(fd, "w+b")


def start_zygote_early() -> None:
    """Start this process's zygote now, before its own imports (``take_all`` hands it over)."""
    if os.getpid() not in _EARLY:
        _EARLY[os.getpid()] = start()


def take_all() -> list[tuple[int, Started]]:
    """The zygotes ``start_zygote_early`` started, in this process or in the one that forked it,
    each with the pid of its starter, once (``isolation.zygote`` takes them over)."""
    taken = list(_EARLY.items())
    _EARLY.clear()
    return taken
