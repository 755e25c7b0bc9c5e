"""leaktrace's public side: candidates -> fingerprints -> matches -> verdicts and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.lazy import lazy_exports

if TYPE_CHECKING:  # the names below, imported on first use (``__getattr__``)
    from scanner.errors import TargetError
    from scanner.index import FingerprintIndex, PrivateFile
    from scanner.matcher import CandidateMatch, Discounts, FilePair, Fragment, combine, match_file
    from scanner.reports import write_report
    from scanner.results import CandidateResult, ScanResult
    from scanner.scan import ScanContext, scan_candidate
    from scanner.sources import Archive, Candidate, CandidateFile, Limits, LocalTree, Problem
    from scanner.targets import resolve
    from scanner.thresholds import Thresholds
    from scanner.verdict import Check, Verdict, decide

#: Where each public name lives. A command imports only the modules it uses: ``leaktrace
#: version`` needs none of the parsers, and only what computes or reads MinHash signatures
#: imports datasketch (and with it scipy).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "scanner.errors": ("TargetError",),
    "scanner.index": (
        "FingerprintIndex",
        "PrivateFile",
    ),
    "scanner.matcher": (
        "CandidateMatch",
        "Discounts",
        "FilePair",
        "Fragment",
        "combine",
        "match_file",
    ),
    "scanner.reports": ("write_report",),
    "scanner.results": (
        "CandidateResult",
        "ScanResult",
    ),
    "scanner.scan": (
        "ScanContext",
        "scan_candidate",
    ),
    "scanner.sources": (
        "Archive",
        "Candidate",
        "CandidateFile",
        "Limits",
        "LocalTree",
        "Problem",
    ),
    "scanner.targets": ("resolve",),
    "scanner.thresholds": ("Thresholds",),
    "scanner.verdict": (
        "Check",
        "Verdict",
        "decide",
    ),
}

__all__ = [
    "Archive",
    "Candidate",
    "CandidateFile",
    "CandidateMatch",
    "CandidateResult",
    "Check",
    "Discounts",
    "FilePair",
    "FingerprintIndex",
    "Fragment",
    "Limits",
    "LocalTree",
    "PrivateFile",
    "Problem",
    "ScanContext",
    "ScanResult",
    "TargetError",
    "Thresholds",
    "Verdict",
    "combine",
    "decide",
    "match_file",
    "resolve",
    "scan_candidate",
    "write_report",
]

_HOME, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
