"""Scanner errors. The tree lives in ``fingerprints.errors``; the scanner adds:

LeaktraceError
├── ConfigError               (fingerprints) a threshold or setting is invalid
├── InputError                (fingerprints) a target cannot be read as a whole
│   └── TargetError           a scan target is of no kind leaktrace knows
├── FetchError                (scanner.http) a request failed for good, or was refused
│   └── AnswerError           (scanner.sources.answers) an answer of the wrong shape
├── ReportError               a report cannot be written (a full disk, a missing folder)
└── StoreError                (fingerprints) the store cannot be used
"""

from __future__ import annotations

from fingerprints import ConfigError, InputError, LeaktraceError, StoreError


class TargetError(InputError):
    """A scan target names nothing leaktrace can read."""


class ReportError(LeaktraceError):
    """A report could not be written; nothing half-written is left behind."""


__all__ = [
    "ConfigError",
    "InputError",
    "LeaktraceError",
    "ReportError",
    "StoreError",
    "TargetError",
]
