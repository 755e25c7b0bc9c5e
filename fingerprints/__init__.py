"""leaktrace's private side: source trees -> fingerprint store. No network, no scanner."""

from fingerprints.background import BackgroundSummary, learn_background
from fingerprints.errors import (
    ConfigError,
    InputError,
    LeaktraceError,
    NotAStoreError,
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
from fingerprints.generated import BANNERS, Banner, generator_of
from fingerprints.languages import LANGUAGES, language_for_path, load_language
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
    UNKNOWN_LANGUAGE,
    Job,
    Mapper,
    TreeEntry,
    TreeSummary,
    encoding_warning,
    fingerprint_files,
    fingerprint_tree,
    read_source,
    run_job,
    walk_tree,
)

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "BANNERS",
    "Background",
    "BackgroundSummary",
    "Banner",
    "BinaryContent",
    "ConfigError",
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
    "Mapper",
    "NotAStoreError",
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
    "__version__",
    "analyze",
    "boilerplate_reason",
    "content_problem",
    "count_lines",
    "decode_source",
    "encoding_warning",
    "fingerprint_file",
    "fingerprint_files",
    "fingerprint_tree",
    "generator_of",
    "kgrams",
    "language_for_path",
    "learn_background",
    "load_language",
    "minhash",
    "open_store",
    "read_source",
    "repo_name_problem",
    "rolling_hash",
    "run_job",
    "third_party_reason",
    "tokenize",
    "walk_tree",
    "winnow",
]
