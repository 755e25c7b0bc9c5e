"""leaktrace's private side: source trees -> fingerprint store. No network, no scanner."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, imported on first use (``__getattr__``)
    from fingerprints.direction import (
        HOLDS_PRIVATE_CODE,
        IN_SOURCE,
        NO_PRIVATE_FILE,
        PUBLIC,
        Dates,
        Decision,
        Overlap,
        RepoOverlap,
        containment,
        decide,
    )
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
    from fingerprints.extensions import (
        extension_for_language,
        language_for_path,
        language_for_shebang,
    )
    from fingerprints.fingerprinter import (
        Analysis,
        FileFingerprint,
        SourceFile,
        analyze,
        fingerprint_file,
    )
    from fingerprints.generated import BANNERS, Banner, generator_of
    from fingerprints.history import commit_dates
    from fingerprints.instants import iso_utc_text, utc_text
    from fingerprints.isolation import (
        DEFAULT_PARSE_MEMORY,
        DEFAULT_PARSE_SECONDS,
        TOKENIZE,
        ParseLimits,
        isolated_map,
        isolated_tokenize,
        start_parser,
        start_zygote,
    )
    from fingerprints.languages import LANGUAGES, load_language
    from fingerprints.names import carried_name, printable
    from fingerprints.native import native_status
    from fingerprints.normalize import TokenStream, count_lines, tokenize
    from fingerprints.params import FingerprintParams
    from fingerprints.policy import (
        FIXTURE_DIRS,
        MANIFEST_FILES,
        REEXPORT_FILES,
        VCS_DIRS,
        boilerplate_reason,
        content_problem,
        is_minified,
        third_party_reason,
    )
    from fingerprints.reference import (
        PrivateSide,
        ReferenceSummary,
        SourceMeta,
        learn_reference,
        matching_sources,
        redecide,
        set_trust,
    )
    from fingerprints.shingles import (
        FINGERPRINT_DTYPE,
        KGrams,
        covered_tokens,
        distinct_kinds,
        kgrams,
        rolling_hash,
        winnow,
    )
    from fingerprints.signature import minhash
    from fingerprints.spawn import start_zygote_early
    from fingerprints.store import (
        Background,
        ReferenceFile,
        ReferenceSource,
        RepoInfo,
        SQLiteStore,
        StoredFile,
        open_store,
        repo_name_problem,
    )
    from fingerprints.structure import (
        CONTROL_CODES,
        CONTROL_NAMES,
        Structure,
        event_code,
        event_texts,
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
        isolated_mapper,
        read_source,
        run_job,
        walk_tree,
    )

__version__ = "0.1.0"

#: Where each public name lives. A command imports only the modules it uses: ``leaktrace
#: version`` needs none of the parsers, and only what computes or reads MinHash signatures
#: imports datasketch (and with it scipy).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "fingerprints.direction": (
        "HOLDS_PRIVATE_CODE",
        "IN_SOURCE",
        "NO_PRIVATE_FILE",
        "PUBLIC",
        "Dates",
        "Decision",
        "Overlap",
        "RepoOverlap",
        "containment",
        "decide",
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
    "fingerprints.generated": ("BANNERS", "Banner", "generator_of"),
    "fingerprints.history": ("commit_dates",),
    "fingerprints.instants": ("iso_utc_text", "utc_text"),
    "fingerprints.isolation": (
        "DEFAULT_PARSE_MEMORY",
        "DEFAULT_PARSE_SECONDS",
        "TOKENIZE",
        "ParseLimits",
        "isolated_map",
        "isolated_tokenize",
        "start_parser",
        "start_zygote",
    ),
    "fingerprints.extensions": (
        "extension_for_language",
        "language_for_path",
        "language_for_shebang",
    ),
    "fingerprints.languages": ("LANGUAGES", "load_language"),
    "fingerprints.names": (
        "carried_name",
        "printable",
    ),
    "fingerprints.native": ("native_status",),
    "fingerprints.normalize": (
        "TokenStream",
        "count_lines",
        "tokenize",
    ),
    "fingerprints.params": ("FingerprintParams",),
    "fingerprints.structure": (
        "CONTROL_CODES",
        "CONTROL_NAMES",
        "Structure",
        "event_code",
        "event_texts",
    ),
    "fingerprints.policy": (
        "FIXTURE_DIRS",
        "MANIFEST_FILES",
        "REEXPORT_FILES",
        "VCS_DIRS",
        "boilerplate_reason",
        "content_problem",
        "is_minified",
        "third_party_reason",
    ),
    "fingerprints.reference": (
        "PrivateSide",
        "ReferenceSummary",
        "SourceMeta",
        "learn_reference",
        "matching_sources",
        "redecide",
        "set_trust",
    ),
    "fingerprints.shingles": (
        "FINGERPRINT_DTYPE",
        "KGrams",
        "covered_tokens",
        "distinct_kinds",
        "kgrams",
        "rolling_hash",
        "winnow",
    ),
    "fingerprints.signature": ("minhash",),
    "fingerprints.spawn": ("start_zygote_early",),
    "fingerprints.store": (
        "Background",
        "ReferenceFile",
        "ReferenceSource",
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
        "isolated_mapper",
        "read_source",
        "run_job",
        "walk_tree",
    ),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "Analysis",
    "BANNERS",
    "Background",
    "Banner",
    "BinaryContent",
    "CONTROL_CODES",
    "CONTROL_NAMES",
    "ConfigError",
    "DEFAULT_PARSE_MEMORY",
    "DEFAULT_PARSE_SECONDS",
    "DamagedStoreError",
    "Dates",
    "Decision",
    "FINGERPRINT_DTYPE",
    "FIXTURE_DIRS",
    "FileFingerprint",
    "FingerprintParams",
    "HOLDS_PRIVATE_CODE",
    "IN_SOURCE",
    "InputError",
    "Job",
    "KGrams",
    "LANGUAGES",
    "LeaktraceError",
    "MANIFEST_FILES",
    "MAX_TREE_DEPTH",
    "Mapper",
    "NO_PRIVATE_FILE",
    "NotAStoreError",
    "Overlap",
    "PUBLIC",
    "ParseFailure",
    "ParseLimits",
    "PrivateSide",
    "REEXPORT_FILES",
    "ReferenceFile",
    "ReferenceSource",
    "ReferenceSummary",
    "RepoConflictError",
    "RepoInfo",
    "RepoOverlap",
    "SQLiteStore",
    "SourceFile",
    "SourceMeta",
    "StoreError",
    "StoreVersionError",
    "StoredFile",
    "Structure",
    "TOKENIZE",
    "TokenStream",
    "TreeEntry",
    "TreeSummary",
    "UNKNOWN_LANGUAGE",
    "Unparsed",
    "VCS_DIRS",
    "__version__",
    "analyze",
    "boilerplate_reason",
    "carried_name",
    "commit_dates",
    "containment",
    "content_problem",
    "count_lines",
    "covered_tokens",
    "decide",
    "decode_source",
    "distinct_kinds",
    "encoding_warning",
    "event_code",
    "event_texts",
    "extension_for_language",
    "fingerprint_file",
    "fingerprint_files",
    "fingerprint_tree",
    "generator_of",
    "is_minified",
    "iso_utc_text",
    "isolated_map",
    "isolated_mapper",
    "isolated_tokenize",
    "kgrams",
    "language_for_path",
    "language_for_shebang",
    "learn_reference",
    "load_language",
    "matching_sources",
    "minhash",
    "native_status",
    "open_store",
    "printable",
    "read_source",
    "redecide",
    "repo_name_problem",
    "rolling_hash",
    "run_job",
    "set_trust",
    "start_parser",
    "start_zygote",
    "start_zygote_early",
    "third_party_reason",
    "tokenize",
    "utc_text",
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
