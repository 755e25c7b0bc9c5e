"""A candidate that is a folder on disk: every file that can hold code, carriers opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from fingerprints import UNKNOWN_LANGUAGE, VCS_DIRS, carried_name, language_for_path, walk_tree
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import HEAD, Unpacker, sniff
from scanner.sources.sourcemap import MapObserver


class LocalTree:
    """Every source file below a folder, and what archives, images and notebooks there hold;
    only regular files are opened (a FIFO or a device never is). A link is what the tools that
    publish a folder (``tar -h``, ``rsync -L``, a bundler, a bucket sync) may follow: one to a
    file inside the folder is read as that file, under the link's name; one to a folder inside
    is said (its files are read where they are); one pointing outside the folder, dangling or
    looping is never followed and is unread, one line each, so the folder is not ``clear``."""

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
                elif entry.skip == LINK:
                    yield from self._link(unpacker, entry.path, entry.absolute)
                else:
                    self.problems.append(Problem(entry.path, entry.skip, partial=False))
                continue
            yield from read_file(unpacker, entry.path, entry.absolute,
                                 entry.skip == UNKNOWN_LANGUAGE, self.problems)  # fmt: skip

    def _link(self, unpacker: Unpacker, path: str, link: Path) -> Iterator[CandidateFile]:
        """A link in the folder, resolved without ever opening anything outside it."""
        try:
            root = self.root.resolve(strict=True)
            target = link.resolve(strict=True)
        except FileNotFoundError:
            self.problems.append(problem(path, "symbolic link to nothing (dangling); not read"))
            return
        except (OSError, RuntimeError):  # ELOOP (RuntimeError before Python 3.13)
            self.problems.append(problem(path, "symbolic link in a loop; not read"))
            return
        if not target.is_relative_to(root):
            self.problems.append(problem(path, "symbolic link to outside the folder; not "
                                         "followed, not read"))  # fmt: skip
            return
        relative = target.relative_to(root)
        inside = carried_name(relative.as_posix())
        if VCS_DIRS.intersection(relative.parts):  # a folder walk_tree passes over: not read
            self.problems.append(problem(path, f"symbolic link to {inside!r}, version-control "
                                         "metadata the scan does not read; not read"))  # fmt: skip
            return
        if target.is_dir():
            note = f"symbolic link to the folder {inside!r} inside it; its files are read there"
            self.problems.append(Problem(path, note, partial=False))
            return
        self.problems.append(Problem(path, f"symbolic link to {inside!r} inside the folder; read "
                                     "as that file", partial=False))  # fmt: skip
        sniff_first = language_for_path(path) is None
        yield from read_file(unpacker, path, target, sniff_first, self.problems)


LINK = "symbolic link, not followed"
"""What ``walk_tree`` says of a link (to a file or a folder)."""


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
