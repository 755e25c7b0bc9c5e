"""leaktrace's private side: source trees -> fingerprint store. No network, no scanner."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, imported on first use (``__getattr__``)
    from fingerprints.background import BackgroundSummary, learn_background
    from fingerprints.errors import (
        ConfigError,
        DamagedStoreError,
        InputError,
        LeaktraceError,
        NotAStoreError,
        ParseFailure,
        RepoConflictError,
        StoreError,
        StoreVersionError,
    )
    from fingerprints.fingerprinter import (
        Analysis,
        FileFingerprint,
        SourceFile,
        analyze,
        fingerprint_file,
    )
    from fingerprints.isolation import (
        DEFAULT_PARSE_MEMORY,
        DEFAULT_PARSE_SECONDS,
        ParseLimits,
        isolated_tokenize,
        start_parser,
    )
    from fingerprints.languages import LANGUAGES, language_for_path, load_language
    from fingerprints.names import carried_name, printable
    from fingerprints.normalize import TokenStream, count_lines, tokenize
    from fingerprints.params import FingerprintParams
    from fingerprints.policy import (
        FIXTURE_DIRS,
        MANIFEST_FILES,
        REEXPORT_FILES,
        boilerplate_reason,
        content_problem,
        third_party_reason,
    )
    from fingerprints.shingles import FINGERPRINT_DTYPE, KGrams, kgrams, rolling_hash, winnow
    from fingerprints.signature import minhash
    from fingerprints.store import (
        Background,
        RepoInfo,
        SQLiteStore,
        StoredFile,
        open_store,
        repo_name_problem,
    )
    from fingerprints.text import BinaryContent, decode_source
    from fingerprints.tree import (
        MAX_TREE_DEPTH,
        UNKNOWN_LANGUAGE,
        Job,
        Mapper,
        TreeEntry,
        TreeSummary,
        Unparsed,
        encoding_warning,
        fingerprint_files,
        fingerprint_tree,
        read_source,
        run_job,
        walk_tree,
    )

__version__ = "0.1.0"

#: Where each public name lives. A command imports only the modules it uses: ``leaktrace
#: version`` needs none of the parsers, and only what computes or reads MinHash signatures
#: imports datasketch (and with it scipy).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "fingerprints.background": (
        "BackgroundSummary",
        "learn_background",
    ),
    "fingerprints.errors": (
        "ConfigError",
        "DamagedStoreError",
        "InputError",
        "LeaktraceError",
        "NotAStoreError",
        "ParseFailure",
        "RepoConflictError",
        "StoreError",
        "StoreVersionError",
    ),
    "fingerprints.fingerprinter": (
        "Analysis",
        "FileFingerprint",
        "SourceFile",
        "analyze",
        "fingerprint_file",
    ),
    "fingerprints.isolation": (
        "DEFAULT_PARSE_MEMORY",
        "DEFAULT_PARSE_SECONDS",
        "ParseLimits",
        "isolated_tokenize",
        "start_parser",
    ),
    "fingerprints.languages": (
        "LANGUAGES",
        "language_for_path",
        "load_language",
    ),
    "fingerprints.names": (
        "carried_name",
        "printable",
    ),
    "fingerprints.normalize": (
        "TokenStream",
        "count_lines",
        "tokenize",
    ),
    "fingerprints.params": ("FingerprintParams",),
    "fingerprints.policy": (
        "FIXTURE_DIRS",
        "MANIFEST_FILES",
        "REEXPORT_FILES",
        "boilerplate_reason",
        "content_problem",
        "third_party_reason",
    ),
    "fingerprints.shingles": (
        "FINGERPRINT_DTYPE",
        "KGrams",
        "kgrams",
        "rolling_hash",
        "winnow",
    ),
    "fingerprints.signature": ("minhash",),
    "fingerprints.store": (
        "Background",
        "RepoInfo",
        "SQLiteStore",
        "StoredFile",
        "open_store",
        "repo_name_problem",
    ),
    "fingerprints.text": (
        "BinaryContent",
        "decode_source",
    ),
    "fingerprints.tree": (
        "MAX_TREE_DEPTH",
        "UNKNOWN_LANGUAGE",
        "Job",
        "Mapper",
        "TreeEntry",
        "TreeSummary",
        "Unparsed",
        "encoding_warning",
        "fingerprint_files",
        "fingerprint_tree",
        "read_source",
        "run_job",
        "walk_tree",
    ),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "Analysis",
    "Background",
    "BackgroundSummary",
    "BinaryContent",
    "ConfigError",
    "DEFAULT_PARSE_MEMORY",
    "DEFAULT_PARSE_SECONDS",
    "DamagedStoreError",
    "FINGERPRINT_DTYPE",
    "FIXTURE_DIRS",
    "FileFingerprint",
    "FingerprintParams",
    "InputError",
    "Job",
    "KGrams",
    "LANGUAGES",
    "LeaktraceError",
    "MANIFEST_FILES",
    "MAX_TREE_DEPTH",
    "Mapper",
    "NotAStoreError",
    "ParseFailure",
    "ParseLimits",
    "REEXPORT_FILES",
    "RepoConflictError",
    "RepoInfo",
    "SQLiteStore",
    "SourceFile",
    "StoreError",
    "StoreVersionError",
    "StoredFile",
    "TokenStream",
    "TreeEntry",
    "TreeSummary",
    "UNKNOWN_LANGUAGE",
    "Unparsed",
    "__version__",
    "analyze",
    "boilerplate_reason",
    "carried_name",
    "content_problem",
    "count_lines",
    "decode_source",
    "encoding_warning",
    "fingerprint_file",
    "fingerprint_files",
    "fingerprint_tree",
    "isolated_tokenize",
    "kgrams",
    "language_for_path",
    "learn_background",
    "load_language",
    "minhash",
    "open_store",
    "printable",
    "read_source",
    "repo_name_problem",
    "rolling_hash",
    "run_job",
    "start_parser",
    "third_party_reason",
    "tokenize",
    "walk_tree",
    "winnow",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
