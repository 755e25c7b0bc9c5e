"""Scan targets (the strings a user types) -> candidate sources."""

from __future__ import annotations

from pathlib import Path

from scanner.errors import TargetError
from scanner.sources import Archive, Candidate, Limits, LocalTree, is_archive
from scanner.sources.git import GitRepo, is_git_url


def resolve(target: str, limits: Limits | None = None) -> Candidate:
    """A candidate source for one target: a folder, a .tar/.tar.gz/.tgz/.zip archive, or a git
    URL (``URL@REF`` names a branch or tag)."""
    if is_git_url(target):
        url, ref = _split_ref(target)
        return GitRepo(url, ref, target=target, limits=limits)
    path = Path(target)
    if path.is_dir():
        return LocalTree(path, target=target, limits=limits)
    if path.is_file() and is_archive(path):
        return Archive(path, target=target, limits=limits)
    if path.exists():
        raise TargetError(f"{target}: not a folder or a .tar, .tar.gz, .tgz or .zip archive")
    raise TargetError(f"{target}: no such file or folder")


def _split_ref(target: str) -> tuple[str, str | None]:
    """``URL@REF`` -> (URL, REF). What follows the last ``@`` is a ref only if it holds no ``/``
    or ``:``, so ``git@host:owner/repo`` and ``https://user@host/repo`` are never split."""
    head, _, ref = target.rpartition("@")
    if head and ref and "/" not in ref and ":" not in ref:
        return head, ref
    return target, None
