"""A candidate that is a folder on disk: every file that can hold code, carriers opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from fingerprints import UNKNOWN_LANGUAGE, VCS_DIRS, walk_tree
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import HEAD, Unpacker, sniff
from scanner.sources.sourcemap import MapObserver


class LocalTree:
    """Every source file below a folder, and what archives, images and notebooks there hold;
    links are not followed and only regular files are opened (a FIFO or a device never is)."""

    kind = "folder"
    revision = None
    on_map: MapObserver | None = None
    """Hears of every source map read, parsed (``guard`` audits them)."""

    def __init__(self, root: Path, target: str | None = None, limits: Limits | None = None) -> None:
        self.root = root
        self.target = target or str(root)
        self.limits = limits or Limits()
        self.problems: list[Problem] = []
        self.version_control: list[str] = []
        """Version-control folders passed over (a repository's history is not read as files;
        ``scan --history`` reads it, ``guard`` reports it), and those met inside archives."""

    def iter_files(self) -> Iterator[CandidateFile]:
        unpacker = Unpacker(self.limits, self.problems, self.on_map, self.version_control)
        for entry in walk_tree(self.root, private=False):
            if unpacker.stopped:
                return
            if entry.skip and entry.skip != UNKNOWN_LANGUAGE:
                # an unreadable folder is bad input; version-control folders and links are
                # passed over, and said: a link is one line (as in an archive), since what
                # publishes the folder may follow it
                if entry.problem:
                    self.problems.append(problem(entry.path, entry.skip))
                elif entry.path.endswith("/") and PurePosixPath(entry.path).name in VCS_DIRS:
                    self.version_control.append(entry.path)
                else:
                    self.problems.append(Problem(entry.path, entry.skip, partial=False))
                continue
            yield from read_file(unpacker, entry.path, entry.absolute,
                                 entry.skip == UNKNOWN_LANGUAGE, self.problems)  # fmt: skip


def read_file(unpacker: Unpacker, path: str, absolute: Path, sniff_first: bool,
              problems: list[Problem]) -> Iterator[CandidateFile]:  # fmt: skip
    """What one file on disk holds (itself if it is source, else what it carries); a file of no
    known language is read only if its first bytes say it is a carrier (``sniff_first``)."""
    try:
        handle = _open_regular(absolute)
        if handle is None:
            problems.append(Problem(path, _NOT_REGULAR, partial=False))
            return
        with handle:
            if sniff_first:
                head = handle.read(HEAD)
                if sniff(head, absolute.name) is None:
                    return  # not source, not a carrier
                handle.seek(0)
            yield from unpacker.file(path, handle)
    except OSError as exc:
        problems.append(problem(path, f"cannot read ({exc.strerror})"))


_NOT_REGULAR = "not a regular file (FIFO, device or socket); not opened"


def _open_regular(path: Path) -> BinaryIO | None:
    """The file opened for reading, or None when it is not a regular file. Opened without
    blocking and without following a link, then checked on the open descriptor, so a FIFO or a
    device swapped in after the folder was listed is never read."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        os.set_blocking(fd, True)
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")
