"""Candidates that are one file: an archive, a package, an image, a notebook, a compressed file.

What the file is comes from its bytes, not its name (``carriers``): a ``.whl`` is read as the
zip it is, a ``docker save`` tarball layer by layer, a ``.tar.zst`` through zstd. Archives are
read as streams, entry by entry; nothing is ever extracted to disk, so no entry can write outside
the scan's folder. Unsafe names (absolute, ``..``) are read in memory like any other and noted;
links, devices and FIFOs are never read.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from scanner.errors import InputError
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import HEAD, Unpacker, ends_like_zip, sniff, unread_histories
from scanner.sources.sourcemap import MapObserver

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


def is_archive(path: Path) -> bool:
    """Whether a file on disk is a carrier (by its first bytes, or a zip's end record at its
    end: ``carriers.ends_like_zip``): one leaktrace opens, or an archive format it names unread
    (``carriers.unopened_format``)."""
    try:
        with path.open("rb") as handle:
            return sniff(handle.read(HEAD), path.name) is not None or ends_like_zip(handle)
    except OSError:
        return path.name.lower().endswith(ARCHIVE_SUFFIXES)


class Archive:
    """The source files inside one file (``data`` when it is already in memory)."""

    kind = "archive"
    on_map: MapObserver | None = None
    """Hears of every source map read, parsed (``guard`` audits them)."""

    def __init__(self, path: Path, target: str | None = None, limits: Limits | None = None,
                 data: bytes | None = None, revision: str | None = None, *,
                 history: bool | None = None, plain: bool = False) -> None:  # fmt: skip
        self.path = path
        self.plain = plain
        """A file that is no archive, read as a folder's file is (``Unpacker.top``)."""
        self.with_history = history
        """Not None (``scan``): each version-control folder inside is an unread line."""
        self.data = data
        self._revision = revision
        self.target = target or str(path)
        self.limits = limits or Limits()
        self.problems: list[Problem] = []
        self.version_control: list[str] = []
        """Version-control folders inside it (``Unpacker.version_control``)."""

    @property
    def revision(self) -> str | None:
        """SHA-256 of the archive file itself (or the version it was fetched as)."""
        if self._revision:
            return self._revision
        if self.data is not None:
            return "sha256:" + hashlib.sha256(self.data).hexdigest()
        try:
            digest = hashlib.sha256()
            with self.path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return None
        return "sha256:" + digest.hexdigest()

    def iter_files(self) -> Iterator[CandidateFile]:
        yield from self._files()
        if self.with_history is not None:
            self.problems += unread_histories(self.version_control)

    def _files(self) -> Iterator[CandidateFile]:
        unpacker = Unpacker(self.limits, self.problems, self.on_map, self.version_control)
        if self.data is not None:
            yield from unpacker.top(self.path.name, io.BytesIO(self.data))
            self.problems += unpacker.skipped_note()
            return
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            self.problems.append(problem("", f"cannot read ({exc.strerror})"))
            return
        with handle:
            yield from unpacker.top(self.path.name, handle, self.plain)
        self.problems += unpacker.skipped_note()


def open_archive(path: Path, limits: Limits | None = None) -> Archive:
    if not path.is_file():
        raise InputError(f"{path}: no such archive")
    return Archive(path, limits=limits)
