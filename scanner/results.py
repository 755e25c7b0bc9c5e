"""The outcome of a scan, as plain data that every report writer reads (and none recomputes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.matcher import CandidateMatch
from scanner.sources import FileHistory, Problem
from scanner.thresholds import Thresholds
from scanner.verdict import Check, Verdict


@dataclass
class CandidateResult:
    target: str
    verdict: Verdict
    match: CandidateMatch
    checks: list[Check]
    reasons: list[str]
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    kind: str = "folder"
    revision: str | None = None
    fetched_at: str | None = None
    scanned_at: str | None = None
    file_hashes: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each candidate file that shares fragments (its stable identity for reviews)."""
    excerpts: dict[str, str] = field(default_factory=dict)
    """Text of each candidate file that shares fragments (public material, for side-by-side)."""
    history: dict[str, FileHistory] = field(default_factory=dict)
    """Where each candidate file that shares fragments is in a git history (``--history``)."""

    @property
    def partial(self) -> bool:
        """Something that can hold code was not read (the verdict is then never ``clear``)."""
        return any(p.partial for p in self.problems)

    @property
    def unread(self) -> list[Problem]:
        return [p for p in self.problems if p.partial]


@dataclass
class ScanResult:
    tool_version: str
    thresholds: Thresholds
    fingerprint_params: dict[str, int]
    store_path: str
    candidates: list[CandidateResult] = field(default_factory=list)
    store_digest: str = ""
    background: dict[str, object] = field(default_factory=dict)
    started_at: str = ""
    references: list[dict[str, object]] = field(default_factory=list)
    """Every reference source of the store, with its provenance and decision."""
