"""Reading a private source tree into the store (the I/O edge of the private side).

Only changed files are fingerprinted again: a file whose size and modification time are unchanged
is not even read, and one whose content hash is unchanged is not parsed. Files are written in
batches, one transaction each, so Ctrl-C or a crash loses at most the batch in flight and leaves
the store consistent; the next run picks up where this one stopped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from fingerprints.errors import InputError
from fingerprints.fingerprinter import FileFingerprint, fingerprint_file
from fingerprints.languages import language_for_path
from fingerprints.params import FingerprintParams
from fingerprints.policy import (
    NOT_SOURCE_DIRS,
    content_problem,
    skipped_dir_reason,
    third_party_reason,
)
from fingerprints.store import SQLiteStore

UNKNOWN_LANGUAGE = "not a supported source language"
BATCH_FILES = 256


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """A file found in a tree: its path relative to the root, and why it is skipped, if it is."""

    path: str
    absolute: Path
    language: str | None
    skip: str | None = None
    problem: bool = False
    """True when the skip is bad input worth a line of its own (an unreadable folder)."""


def walk_tree(root: Path, *, private: bool) -> Iterator[TreeEntry]:
    """Every file below ``root`` in a stable order, without following links.

    On the private side, vendored and tool folders are not entered (one entry says why);
    elsewhere only version-control and tool folders are left out.
    """
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")

    unlistable: list[OSError] = []
    for folder, dirs, files in os.walk(root, onerror=unlistable.append, followlinks=False):
        while unlistable:
            exc = unlistable.pop()
            bad = Path(exc.filename or folder)
            yield TreeEntry(
                _relative(bad, root) + "/",
                bad,
                None,
                f"cannot list folder ({exc.strerror})",
                problem=True,
            )
        here = Path(folder)
        rel_here = PurePosixPath(here.relative_to(root).as_posix())
        kept = []
        for name in sorted(dirs):
            reason = (
                skipped_dir_reason(name)
                if private
                else (
                    "not source (tool or version-control folder)"
                    if name in NOT_SOURCE_DIRS
                    else None
                )
            )
            if reason:
                yield TreeEntry(str(rel_here / name) + "/", here / name, None, reason)
            elif (here / name).is_symlink():
                yield TreeEntry(
                    str(rel_here / name), here / name, None, "symbolic link, not followed"
                )
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            rel = str(rel_here / name) if str(rel_here) != "." else name
            absolute = here / name
            language = language_for_path(name)
            if absolute.is_symlink():
                yield TreeEntry(rel, absolute, language, "symbolic link, not followed")
            elif language is None:
                yield TreeEntry(rel, absolute, None, UNKNOWN_LANGUAGE)
            else:
                yield TreeEntry(rel, absolute, language)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_source(path: Path, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The bytes of a file, or None and a one-line reason it cannot be used."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, f"larger than the size cap ({size:,} > {max_bytes:,} bytes)"
        data = path.read_bytes()
    except OSError as exc:
        return None, f"cannot read ({exc.strerror or exc})"
    return data, content_problem(data, max_bytes)


def encoding_warning(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start}); parsed as raw bytes"
    return None


@dataclass
class TreeSummary:
    """What one ``fingerprint`` run did to one repository."""

    name: str
    public: bool
    fingerprinted: int = 0
    unchanged: int = 0
    removed: int = 0
    lines: int = 0
    tokens: int = 0
    fingerprints: int = 0
    unknown_language: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def fingerprint_tree(
    root: Path,
    store: SQLiteStore,
    *,
    name: str | None = None,
    public: bool = False,
    on_file: Callable[[str], None] | None = None,
    on_problem: Callable[[str, str], None] | None = None,
) -> TreeSummary:
    """Fingerprint every source file below ``root`` into ``store`` as repository ``name``."""
    started = time.perf_counter()
    root = root.resolve()
    params: FingerprintParams = store.params
    name = name or root.name
    summary = TreeSummary(name=name, public=public)
    repo_id = store.upsert_repo(name, str(root), public)
    known = store.known_files(repo_id)
    present: set[str] = set()
    batch: list[FileFingerprint] = []
    batch_skips: list[tuple[str, str]] = []

    def problem(path: str, message: str) -> None:
        summary.problems.append((path, message))
        if on_problem:
            on_problem(path, message)

    def skip(path: str, reason: str) -> None:
        summary.skipped.append((path, reason))
        batch_skips.append((path, reason))

    def flush() -> None:
        store.put_files(repo_id, batch, batch_skips)
        store.clear_skipped(repo_id, [f.path for f in batch])
        batch.clear()
        batch_skips.clear()

    for entry in walk_tree(root, private=not public):
        if on_file:
            on_file(entry.path)
        if entry.skip == UNKNOWN_LANGUAGE:
            summary.unknown_language += 1
            continue
        present.add(entry.path)
        if entry.problem:
            problem(entry.path, entry.skip or "cannot read")
        if entry.skip:
            skip(entry.path, entry.skip)
            continue
        reason = None if public else third_party_reason(PurePosixPath(entry.path))
        if reason:
            skip(entry.path, reason)
            continue
        previous = known.get(entry.path)
        try:
            stat = entry.absolute.stat()
        except OSError as exc:
            problem(entry.path, f"cannot read ({exc.strerror})")
            continue
        if previous and previous.size == stat.st_size and previous.mtime_ns == stat.st_mtime_ns:
            summary.unchanged += 1
            continue
        data, reason = read_source(entry.absolute, params.max_file_bytes)
        if data is None or reason:
            problem(entry.path, reason or "cannot read")
            skip(entry.path, reason or "cannot read")
            continue
        reason = None if public else third_party_reason(PurePosixPath(entry.path), data)
        if reason:
            skip(entry.path, reason)
            continue
        warning = encoding_warning(data)
        if warning:
            problem(entry.path, warning)
        assert entry.language is not None
        result = fingerprint_file(entry.path, data, entry.language, params, stat.st_mtime_ns)
        if result.warning:
            problem(entry.path, result.warning)
        if previous and previous.sha256 == result.sha256:
            summary.unchanged += 1
        else:
            summary.fingerprinted += 1
        summary.lines += result.lines
        summary.tokens += result.tokens
        summary.fingerprints += int(result.fingerprints.shape[0])
        batch.append(result)
        if len(batch) >= BATCH_FILES:
            flush()
    flush()
    summary.removed = store.forget_missing(repo_id, present)
    summary.seconds = time.perf_counter() - started
    return summary
