"""Scan targets (the strings a user types) -> candidate sources."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fingerprints import language_for_path
from scanner.errors import TargetError
from scanner.redaction import hide_userinfo
from scanner.sources import Archive, Candidate, Limits, LocalTree, is_archive
from scanner.sources.carriers import might_be_carrier
from scanner.sources.git import GitRepo, is_git_folder, is_git_url

if TYPE_CHECKING:
    from scanner.crawl import Crawler


def resolve(target: str, limits: Limits | None = None, crawler: Crawler | None = None,
            history: bool | None = None) -> Candidate:  # fmt: skip
    """A candidate source for one target: a folder; one file (an archive, package, image,
    notebook or compressed file, recognised by its bytes, or a source file); a GitHub
    repository (``github:OWNER/REPO[@REF]``, ``https://github.com/OWNER/REPO[/tree/REF]``),
    read through the API when there is a crawler, else cloned; ``npm:NAME[@VERSION]`` or
    ``pypi:NAME[==VERSION]``; or any git URL (``URL@REF``: a branch, a tag or a commit SHA).

    With ``history``, git repositories (URLs, GitHub, and every repository in a folder, a bare
    one given as the folder too, beside its files) are read commit by commit, every branch and
    tag (every ref of a repository on disk); a crawler lends one object store to them all.
    ``history=False`` (``scan``) makes the history of a folder's repositories, of a git URL and
    of a GitHub repository unread lines (not of one pinned to a commit SHA); ``None`` (the
    default: corpora, ``calibrate``) only lists them.
    """
    limits = limits or (crawler.limits if crawler else None)
    store = crawler.git_store() if crawler and history else None
    if ":" in target:  # GitHub and registry targets (imported only then: they bring httpx)
        from scanner.sources.github import github_candidate, parse_github_target
        from scanner.sources.registry import is_registry_target, registry_candidate

        if parse_github_target(target) and (crawler or target.startswith("github:")):
            return github_candidate(crawler.github if crawler else None, target, limits,
                                    history=history, store=store)  # fmt: skip
        if is_registry_target(target):
            return registry_candidate(crawler.http if crawler else None, target,
                                      crawler.npm_registry if crawler else "",
                                      crawler.pypi_url if crawler else "", limits)  # fmt: skip
    if is_git_url(target):
        url, ref = split_ref(target)
        return GitRepo(url, ref, target=hide_userinfo(target), limits=limits, history=history,
                       store=store)  # fmt: skip
    path = Path(target)
    head, ref = split_ref(target)
    if ref and not path.exists() and Path(head).is_dir() and is_git_folder(Path(head)):
        return GitRepo(str(Path(head).resolve()), ref, target, limits, history=history,
                       store=store)  # fmt: skip
    if path.is_dir():
        return LocalTree(path, target=target, limits=limits, history=history, store=store)
    if path.is_file() and (
        is_archive(path) or might_be_carrier(path.name) or language_for_path(path.name)
    ):
        return Archive(path, target=target, limits=limits, history=history)
    if path.exists():
        raise TargetError(f"{target}: not a folder, an archive or package leaktrace opens, or a "
                          "source file")  # fmt: skip
    raise TargetError(f"{target}: no such file or folder")


def target_kind(target: str) -> str:
    """What kind of candidate a target names, from its text alone (for one that cannot be read)."""
    from scanner.sources.github import parse_github_target

    if parse_github_target(target) or target.startswith("github:"):
        return "github"
    if target.startswith("npm:"):
        return "npm"
    if target.startswith("pypi:"):
        return "pypi"
    if is_git_url(target):
        return "git"
    if is_archive(Path(target)):
        return "archive"
    return "folder"


def split_ref(target: str) -> tuple[str, str | None]:
    """``URL@REF`` -> (URL, REF). What follows the last ``@`` is a ref only if it holds no ``/``
    or ``:``, so ``git@host:owner/repo`` and ``https://user@host/repo`` are never split."""
    head, _, ref = target.rpartition("@")
    if head and ref and "/" not in ref and ":" not in ref:
        return head, ref
    return target, None
