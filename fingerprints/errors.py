"""The exceptions leaktrace raises.

    LeaktraceError                 base of everything below
    ├── ConfigError                a setting is out of range or unknown (names the key)
    ├── NativeBuildError           the native extension was built from another _native.c
    ├── StoreError                 the store file cannot be used
    │   ├── NotAStoreError         the file is not a leaktrace store
    │   ├── StoreVersionError      schema or fingerprint parameters do not match
    │   ├── DamagedStoreError      part of the store cannot be read (damaged bytes, lost metadata)
    │   └── RepoConflictError      a repository would replace or contradict a stored one
    └── InputError                 a source tree, archive or file cannot be read
        └── ParseFailure           the parser crashed, hung or blew up on one file

Library errors (sqlite3, tarfile, zipfile, OSError) are wrapped with ``raise ... from exc``;
only the CLI turns an exception into a line on stderr and an exit code.
"""

from __future__ import annotations


class LeaktraceError(Exception):
    """Base class for every error leaktrace raises on purpose."""


class ConfigError(LeaktraceError):
    """A setting is invalid. ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


class NativeBuildError(LeaktraceError):
    """The native extension found is out of date (built in place from an older
    ``_native.c``): the message names the file and the command that rebuilds it."""


class StoreError(LeaktraceError):
    """The fingerprint store cannot be opened or written."""


class NotAStoreError(StoreError):
    """The file exists but is not a leaktrace fingerprint store."""


class StoreVersionError(StoreError):
    """The store was written with another schema or other fingerprint parameters."""


class DamagedStoreError(StoreError):
    """The store file is a leaktrace store, but part of it cannot be read: a damaged page or
    fingerprint record, or metadata that lost a key. The message names the file and the part."""


class RepoConflictError(StoreError):
    """Storing a repository would replace another one of the same name, or store the same code
    as private and as public; or a repository named in a command does not exist. Nothing is
    changed."""


class InputError(LeaktraceError):
    """A source tree, archive or file cannot be read as a whole."""


class ParseFailure(InputError):
    """The parser crashed on one file, took longer than its time limit or used more memory than
    its limit (see ``isolation``). ``kind`` is ``crash``, ``time``, ``memory`` or ``stall`` (the
    parser got no CPU: the machine's doing, not the file's)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[type[ParseFailure], tuple[str, str]]:
        return ParseFailure, (self.kind, str(self))
