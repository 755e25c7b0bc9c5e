"""The protocol every candidate source follows.

A source yields ``CandidateFile``s (a path relative to the candidate's root and its bytes). A file
it cannot use is recorded as a ``Problem`` and skipped; a candidate with problems is *partial*,
and its report says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from fingerprints import SourceFile

#: A candidate's file: a path relative to the candidate root, its bytes and language.
CandidateFile = SourceFile


@dataclass(frozen=True, slots=True)
class Problem:
    """One file (or the whole candidate, path "") that could not be used, and why.

    ``partial`` is false for what is worth a line but loses no evidence (an empty file).
    """

    path: str
    message: str
    partial: bool = True


EMPTY = "empty file"


def problem(path: str, message: str) -> Problem:
    """A problem line; an empty file is reported but does not make the candidate partial."""
    return Problem(path, message, partial=message != EMPTY)


@dataclass
class Limits:
    """Caps that keep a hostile or huge candidate from exhausting the machine."""

    max_file_bytes: int = 4 * 1024 * 1024
    max_map_bytes: int = 256 * 1024 * 1024
    """Source maps embed whole projects (the real leak: one 60 MB map); they get a larger cap."""
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_files: int = 200_000
    max_ratio: int = 200
    """Largest uncompressed/compressed ratio a zip entry may have (zip bombs exceed ~1000)."""


class Candidate(Protocol):
    """One thing that gets its own verdict.

    ``kind`` says what it is (folder, archive, git, ...); ``revision`` pins the exact content
    scanned (a commit, a version, an archive's SHA-256), known once its files have been read.
    """

    target: str
    kind: str
    problems: list[Problem]

    @property
    def revision(self) -> str | None: ...

    def iter_files(self) -> Iterator[CandidateFile]: ...
