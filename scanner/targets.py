"""Scan targets (the strings a user types) -> candidate sources."""

from __future__ import annotations

from pathlib import Path

from scanner.errors import TargetError
from scanner.sources import Archive, Candidate, Limits, LocalTree, is_archive


def resolve(target: str, limits: Limits | None = None) -> Candidate:
    """A candidate source for one target: a folder, or a .tar/.tar.gz/.tgz/.zip archive."""
    path = Path(target)
    if path.is_dir():
        return LocalTree(path, target=target, limits=limits)
    if path.is_file() and is_archive(path):
        return Archive(path, target=target, limits=limits)
    if path.exists():
        raise TargetError(f"{target}: not a folder or a .tar, .tar.gz, .tgz or .zip archive")
    raise TargetError(f"{target}: no such file or folder")
