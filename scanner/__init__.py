"""leaktrace's public side: candidates -> fingerprints -> matches -> verdicts and reports."""

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
