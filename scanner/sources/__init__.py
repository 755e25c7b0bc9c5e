"""Candidate sources: one module each, all following ``Candidate``."""

from scanner.sources.archive import Archive, is_archive, unsafe_member_name
from scanner.sources.base import Candidate, CandidateFile, Limits, Problem
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
    "is_archive",
    "unsafe_member_name",
]
