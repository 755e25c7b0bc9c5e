"""Candidate sources: one module each, all following ``Candidate``.

The names below are imported on first use (``__getattr__``): a command that needs only the
limits (``fingerprint`` of a folder) does not import the archive, git and carrier readers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.lazy import lazy_exports

if TYPE_CHECKING:
    from scanner.sources.archive import Archive, is_archive
    from scanner.sources.base import Candidate, CandidateFile, Limits, Problem, Unreadable
    from scanner.sources.carriers import unsafe_member_name
    from scanner.sources.git import FileHistory, Sighting
    from scanner.sources.local import LocalTree

_EXPORTS: dict[str, tuple[str, ...]] = {
    "scanner.sources.archive": ("Archive", "is_archive"),
    "scanner.sources.base": ("Candidate", "CandidateFile", "Limits", "Problem", "Unreadable"),
    "scanner.sources.carriers": ("unsafe_member_name",),
    "scanner.sources.git": ("FileHistory", "Sighting"),
    "scanner.sources.local": ("LocalTree",),
}

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

_HOME, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
