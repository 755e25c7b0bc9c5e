"""One blob's bytes -> the candidate files they make, shared by sources that read blobs rather
than folders (git objects; archives read their members the same way)."""

from __future__ import annotations

from collections.abc import Iterator

from fingerprints import content_problem, encoding_warning, language_for_path
from scanner.sources.base import CandidateFile, Problem, problem
from scanner.sources.sourcemap import expand_source_map, is_source_map


def is_wanted(path: str) -> bool:
    """Source in a supported language, or a source map that may embed some."""
    return language_for_path(path) is not None or is_source_map(path)


def files_of(name: str, data: bytes, max_file_bytes: int, problems: list[Problem],
             path: str | None = None) -> Iterator[CandidateFile]:  # fmt: skip
    """The candidate file(s) of one blob, named ``name``; language and kind come from ``path``
    (default ``name``). A source map gives its embedded sources; content that cannot be
    fingerprinted is a problem line; invalid UTF-8 is a warning and the file is still read."""
    real = path or name
    if is_source_map(real):
        yield from expand_source_map(name, data, problems)
        return
    language = language_for_path(real)
    if language is None:
        return
    reason = content_problem(data, max_file_bytes)
    if reason:
        problems.append(problem(name, reason))
        return
    warning = encoding_warning(data)
    if warning:
        problems.append(Problem(name, warning, partial=False))  # still scanned
    yield CandidateFile(name, data, language)
