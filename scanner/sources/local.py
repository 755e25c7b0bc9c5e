"""A candidate that is a folder on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fingerprints import UNKNOWN_LANGUAGE, encoding_warning, read_source, walk_tree
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.sourcemap import expand_source_map, is_source_map


class LocalTree:
    """Every source file below a folder; links are not followed."""

    kind = "folder"
    revision = None

    def __init__(self, root: Path, target: str | None = None, limits: Limits | None = None) -> None:
        self.root = root
        self.target = target or str(root)
        self.limits = limits or Limits()
        self.problems: list[Problem] = []

    def iter_files(self) -> Iterator[CandidateFile]:
        for entry in walk_tree(self.root, private=False):
            if entry.skip == UNKNOWN_LANGUAGE:
                if is_source_map(entry.path):
                    data, reason = read_source(entry.absolute, self.limits.max_map_bytes)
                    if data is None or reason:
                        self.problems.append(problem(entry.path, reason or "cannot read"))
                    else:
                        yield from expand_source_map(entry.path, data, self.problems)
                continue
            if (
                entry.skip
            ):  # tool folders and links are passed over; an unreadable folder is bad input
                if entry.problem:
                    self.problems.append(problem(entry.path, entry.skip))
                continue
            data, reason = read_source(entry.absolute, self.limits.max_file_bytes)
            if data is None or reason:
                self.problems.append(problem(entry.path, reason or "cannot read"))
                continue
            warning = encoding_warning(data)
            if warning:
                self.problems.append(Problem(entry.path, warning, partial=False))  # still scanned
            assert entry.language is not None
            yield CandidateFile(entry.path, data, entry.language)
