"""Candidates that are archives: .tar, .tar.gz, .tgz, .zip.

Archives are read in memory, member by member; nothing is ever extracted to disk, so no entry can
write outside the scan's folder. Entries are still checked as if they were to be extracted, and
each refusal is one line: absolute paths and ``..`` components, links of any kind, devices and
FIFOs, and bombs (a total uncompressed size, a file count, and for zip a compression ratio cap).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from fingerprints import content_problem, encoding_warning, language_for_path
from scanner.errors import InputError
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.sourcemap import expand_source_map, is_source_map

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def unsafe_member_name(name: str) -> str | None:
    """Why an archive member name would escape the extraction folder, or None."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "'..' in path"
    return None


class Archive:
    """The source files inside one archive."""

    kind = "archive"

    def __init__(self, path: Path, target: str | None = None, limits: Limits | None = None,
                 data: bytes | None = None, revision: str | None = None) -> None:  # fmt: skip
        self.path = path
        self.data = data
        self._revision = revision
        self.target = target or str(path)
        self.limits = limits or Limits()
        self.problems: list[Problem] = []
        self._total = 0
        self._count = 0

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
        try:
            if self.path.name.lower().endswith(".zip"):
                yield from self._zip()
            else:
                yield from self._tar()
        except tarfile.ReadError:
            self.problems.append(problem("", "corrupt or unreadable archive (not a tar file, or "
                                             "not compressed with gzip, bzip2 or xz)"))  # fmt: skip
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
            detail = " ".join(str(exc).split())  # one line, whatever the library said
            self.problems.append(problem("", f"corrupt or unreadable archive ({detail})"))

    def _account(self, size: int) -> None:
        """Count every member against the whole-archive caps before any of it is read."""
        self._count += 1
        if self._count > self.limits.max_files:
            raise _Stop(f"more than {self.limits.max_files:,} files; the rest is not read")
        self._total += size
        if self._total > self.limits.max_total_bytes:
            raise _Stop(
                f"more than {self.limits.max_total_bytes:,} bytes uncompressed "
                "(an archive bomb?); the rest is not read"
            )

    def _refusal(self, name: str, size: int) -> str | None:
        """Why one member is not read, or None when it should be."""
        reason = unsafe_member_name(name)
        if reason:
            return f"refused: {reason}"
        cap = self.limits.max_map_bytes if is_source_map(name) else self.limits.max_file_bytes
        if size > cap:
            return f"larger than the size cap ({size:,} > {cap:,} bytes)"
        return None

    def _wanted(self, name: str) -> bool:
        return language_for_path(name) is not None or is_source_map(name)

    def _emit(self, name: str, data: bytes) -> Iterator[CandidateFile]:
        if is_source_map(name):
            yield from expand_source_map(name, data, self.problems)
            return
        language = language_for_path(name)
        if language is None:
            return
        reason = content_problem(data, self.limits.max_file_bytes)
        if reason:
            self.problems.append(problem(name, reason))
            return
        warning = encoding_warning(data)
        if warning:
            self.problems.append(Problem(name, warning, partial=False))  # still scanned
        yield CandidateFile(name, data, language)

    def _tar(self) -> Iterator[CandidateFile]:
        source = (
            {"fileobj": io.BytesIO(self.data)} if self.data is not None else {"name": self.path}
        )
        with tarfile.open(mode="r:*", **source) as archive:
            try:
                for member in archive:
                    name = member.name[2:] if member.name.startswith("./") else member.name
                    if member.isdir():
                        continue
                    self._account(member.size)
                    if member.issym() or member.islnk():
                        self.problems.append(problem(name, f"refused: link to {member.linkname!r}"))
                        continue
                    if not member.isfile():
                        self.problems.append(problem(name, "refused: device, FIFO or special file"))
                        continue
                    if not self._wanted(name):
                        unsafe = unsafe_member_name(name)
                        if unsafe:
                            self.problems.append(problem(name, f"refused: {unsafe}"))
                        continue
                    reason = self._refusal(name, member.size)
                    if reason:
                        self.problems.append(problem(name, reason))
                        continue
                    handle = archive.extractfile(member)
                    if handle is None:
                        continue
                    data = handle.read(self.limits.max_map_bytes + 1)
                    yield from self._emit(name, data)
            except _Stop as stop:
                self.problems.append(problem("", str(stop)))

    def _zip(self) -> Iterator[CandidateFile]:
        with zipfile.ZipFile(
            io.BytesIO(self.data) if self.data is not None else self.path
        ) as archive:
            try:
                for info in archive.infolist():
                    name = info.filename
                    if info.is_dir():
                        continue
                    self._account(info.file_size)
                    mode = info.external_attr >> 16
                    if mode & 0o170000 == 0o120000:
                        self.problems.append(problem(name, "refused: symbolic link"))
                        continue
                    if not self._wanted(name):
                        unsafe = unsafe_member_name(name)
                        if unsafe:
                            self.problems.append(problem(name, f"refused: {unsafe}"))
                        continue
                    reason = self._refusal(name, info.file_size)
                    if reason:
                        self.problems.append(problem(name, reason))
                        continue
                    if (
                        info.compress_size
                        and info.file_size / info.compress_size > self.limits.max_ratio
                    ):
                        self.problems.append(
                            problem(
                                name,
                                f"refused: compression ratio over {self.limits.max_ratio} (bomb?)",
                            )
                        )
                        continue
                    with archive.open(info) as handle:
                        data = handle.read(self.limits.max_map_bytes + 1)
                    yield from self._emit(name, data)
            except _Stop as stop:
                self.problems.append(problem("", str(stop)))


class _Stop(Exception):
    """Raised inside the member loop when a whole-archive cap is reached."""


def open_archive(path: Path, limits: Limits | None = None) -> Archive:
    if not path.is_file():
        raise InputError(f"{path}: no such archive")
    return Archive(path, limits=limits)
