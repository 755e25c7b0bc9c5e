"""Candidate sources: one module each, all following ``Candidate``."""

from scanner.sources.archive import Archive, is_archive
from scanner.sources.base import Candidate, CandidateFile, Limits, Problem, Unreadable
from scanner.sources.carriers import unsafe_member_name
from scanner.sources.git import FileHistory, Sighting
from scanner.sources.local import LocalTree

__all__ = [
    "Archive",
    "Candidate",
    "CandidateFile",
    "FileHistory",
    "Limits",
    "LocalTree",
    "Problem",
    "Sighting",
    "Unreadable",
    "is_archive",
    "unsafe_member_name",
]
