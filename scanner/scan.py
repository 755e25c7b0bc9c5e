"""Scanning: each candidate's files -> the same fingerprinting -> matcher -> verdict."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePosixPath

from fingerprints import FingerprintParams, analyze, boilerplate_reason
from scanner.index import FingerprintIndex
from scanner.matcher import Discounts, Fragment, combine, match_file
from scanner.results import CandidateResult
from scanner.sources import Candidate
from scanner.thresholds import Thresholds
from scanner.verdict import decide


def scan_candidate(
    candidate: Candidate,
    index: FingerprintIndex,
    params: FingerprintParams,
    thresholds: Thresholds,
    on_file: Callable[[str, int], None] | None = None,
) -> CandidateResult:
    """Fingerprint every file of ``candidate`` and judge it against the index."""
    started = time.perf_counter()
    fetched_at = now()
    file_hashes: dict[str, str] = {}
    excerpts: dict[str, str] = {}
    fragments: list[Fragment] = []
    discounts = Discounts()
    files = lines = tokens = 0
    for file in candidate.iter_files():
        analysis = analyze(file.data, file.language, params)
        boilerplate = boilerplate_reason(PurePosixPath(file.path), len(analysis.tokens), file.data)
        found, discounted = match_file(
            file.path, analysis, index, thresholds, boilerplate=boilerplate is not None
        )
        if found:
            file_hashes[file.path] = hashlib.sha256(file.data).hexdigest()
            excerpts[file.path] = file.data.decode("utf-8", errors="replace")
        fragments.extend(found)
        discounts.add(discounted)
        files += 1
        lines += analysis.tokens.lines
        tokens += len(analysis.tokens)
        if on_file:
            on_file(file.path, analysis.tokens.lines)
    match = combine(fragments, index, discounts, files, lines, tokens)
    verdict, checks, reasons = decide(match, thresholds)
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
