"""Which blobs of a remote or git tree are worth reading: sources that cannot sniff bytes they
have not fetched decide by name (local files are recognised by content, see ``carriers``)."""

from __future__ import annotations

from fingerprints import language_for_path
from scanner.sources.carriers import might_be_carrier


def is_wanted(path: str) -> bool:
    """Source in a supported language, or a carrier (archive, package, notebook, source map)."""
    return language_for_path(path) is not None or might_be_carrier(path)
