"""Scanning: each candidate's files -> the same fingerprinting -> matcher -> verdict."""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fingerprints import (
    FingerprintParams,
    analyze,
)
from scanner.index import FingerprintIndex
from scanner.matcher import Discounts, Fragment, combine, match_file
from scanner.results import CandidateResult
from scanner.runners import Ready, Runner, Serial
from scanner.sources import Candidate, CandidateFile, Problem
from scanner.thresholds import Thresholds
from scanner.verdict import Verdict, decide


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What every worker needs, sent once: the index and the settings."""

    index: FingerprintIndex
    params: FingerprintParams
    thresholds: Thresholds


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What one file's content gave: path-free, so identical content can share it."""

    tokens: int
    lines: int
    fragments: list[Fragment]
    discounts: Discounts
    warning: str | None = None  # a syntax error: reported, the file is still scanned


def scan_file(file: CandidateFile, context: ScanContext) -> FileOutcome:
    """The pure part of scanning one file: normalize, fingerprint, look up, chain fragments.

    Nothing here depends on the file's path, so identical content gives an identical outcome.
    """
    analysis = analyze(file.data, file.language, context.params)
    fragments, discounts = match_file("", analysis, context.index, context.thresholds)
    return FileOutcome(len(analysis.tokens), analysis.tokens.lines, fragments, discounts,
                       analysis.warning)  # fmt: skip


#: Content hash and language -> what scanning it gave.
Memo = dict[tuple[str, str], FileOutcome]


def scan_candidate(
    candidate: Candidate,
    context: ScanContext,
    *,
    memo: Memo | None = None,
    runner: Runner | None = None,
) -> CandidateResult:
    """Fingerprint every file of ``candidate`` and judge it against the context's index.

    ``memo`` (shared across candidates, e.g. a fork network) keeps what each distinct content
    gave, so it is fingerprinted once; ``runner`` runs the per-file work (in this process by
    default), in order, so the result is the same wherever it ran.
    """
    started = time.perf_counter()
    fetched_at = now()
    runner = runner or Serial()
    memo = memo if memo is not None else {}
    in_flight: set[tuple[str, str]] = set()
    files_in_order: deque[tuple[CandidateFile, str, tuple[str, str]]] = deque()

    def work() -> Iterator[CandidateFile | Ready]:
        """Each file to scan, or a placeholder for content already done or under way."""
        for file in candidate.iter_files():
            digest = hashlib.sha256(file.data).hexdigest()
            key = (digest, file.language)
            files_in_order.append((file, digest, key))
            if key in memo or key in in_flight:
                yield Ready(None)
            else:
                in_flight.add(key)
                yield file

    file_hashes: dict[str, str] = {}
    excerpts: dict[str, str] = {}
    warnings: list[Problem] = []
    fragments: list[Fragment] = []
    discounts = Discounts()
    files = lines = tokens = 0
    for result in runner.map(scan_file, work(), context):
        file, digest, key = files_in_order.popleft()
        if key in in_flight:  # the first file with this content: its result is the real one
            memo[key] = result
            in_flight.discard(key)
        outcome = memo[key]
        if outcome.warning:
            warnings.append(Problem(file.path, outcome.warning, partial=False))
        if outcome.fragments:
            file_hashes[file.path] = digest
            excerpts[file.path] = file.data.decode("utf-8", errors="replace")
            fragments.extend(replace(f, candidate_path=file.path) for f in outcome.fragments)
        discounts.add(outcome.discounts)
        files += 1
        lines += outcome.lines
        tokens += outcome.tokens
    match = combine(fragments, context.index, discounts, files, lines, tokens)
    verdict, checks, reasons = decide(match, context.thresholds)
    pin = getattr(candidate, "pin", None)
    if verdict is not Verdict.CLEAR and callable(pin):
        pin()
    unusable = [p for p in candidate.problems if p.partial]
    if unusable:
        reasons.append(f"partial: {len(unusable)} file(s) or entries could not be used")
    return CandidateResult(
        target=candidate.target,
        verdict=verdict,
        match=match,
        checks=checks,
        reasons=reasons,
        problems=[*candidate.problems, *warnings],
        seconds=time.perf_counter() - started,
        kind=candidate.kind,
        revision=candidate.revision,
        fetched_at=fetched_at,
        scanned_at=now(),
        file_hashes=file_hashes,
        excerpts=excerpts,
        history={p: h for p, h in getattr(candidate, "history", {}).items() if p in file_hashes},
    )


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
