"""Scanning: each candidate's files -> the same fingerprinting -> matcher -> verdict."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath

from fingerprints import FingerprintParams, analyze, boilerplate_reason
from scanner.index import FingerprintIndex
from scanner.matcher import Discounts, Fragment, combine, match_file
from scanner.results import CandidateResult
from scanner.sources import Candidate
from scanner.thresholds import Thresholds
from scanner.verdict import Verdict, decide


@dataclass
class _Seen:
    """What one file content gave, kept so identical content is not fingerprinted again."""

    tokens: int
    lines: int
    results: dict[bool, tuple[list[Fragment], Discounts]] = field(default_factory=dict)


Memo = dict[tuple[str, str], _Seen]


def scan_candidate(
    candidate: Candidate,
    index: FingerprintIndex,
    params: FingerprintParams,
    thresholds: Thresholds,
    on_file: Callable[[str, int], None] | None = None,
    memo: Memo | None = None,
) -> CandidateResult:
    """Fingerprint every file of ``candidate`` and judge it against the index.

    ``memo`` (shared across candidates, e.g. a fork network) maps a file's content hash and
    language to what matching gave, so each distinct content is fingerprinted once.
    """
    started = time.perf_counter()
    fetched_at = now()
    file_hashes: dict[str, str] = {}
    excerpts: dict[str, str] = {}
    fragments: list[Fragment] = []
    discounts = Discounts()
    files = lines = tokens = 0
    for file in candidate.iter_files():
        digest = hashlib.sha256(file.data).hexdigest()
        seen = memo.get((digest, file.language)) if memo is not None else None
        analysis = None
        if seen is None:
            analysis = analyze(file.data, file.language, params)
            seen = _Seen(len(analysis.tokens), analysis.tokens.lines)
            if memo is not None:
                memo[(digest, file.language)] = seen
        path = PurePosixPath(file.path)
        boilerplate = boilerplate_reason(path, seen.tokens, file.data) is not None
        if boilerplate not in seen.results:
            analysis = analysis or analyze(file.data, file.language, params)
            seen.results[boilerplate] = match_file("", analysis, index, thresholds, boilerplate)
        found, discounted = seen.results[boilerplate]
        if found:
            file_hashes[file.path] = digest
            excerpts[file.path] = file.data.decode("utf-8", errors="replace")
            fragments.extend(replace(f, candidate_path=file.path) for f in found)
        discounts.add(discounted)
        files += 1
        lines += seen.lines
        tokens += seen.tokens
        if on_file:
            on_file(file.path, seen.lines)
    match = combine(fragments, index, discounts, files, lines, tokens)
    verdict, checks, reasons = decide(match, thresholds)
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
        problems=list(candidate.problems),
        seconds=time.perf_counter() - started,
        kind=candidate.kind,
        revision=candidate.revision,
        fetched_at=fetched_at,
        scanned_at=now(),
        file_hashes=file_hashes,
        excerpts=excerpts,
    )


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
