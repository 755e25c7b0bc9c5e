"""Reading a private source tree into the store (the I/O edge of the private side).

Only changed files are fingerprinted again: a file whose size and modification time are unchanged
is not even read, and one whose content hash is unchanged is not parsed. Files are written in
batches, one transaction each, so Ctrl-C or a crash loses at most the batch in flight and leaves
the store consistent; the next run picks up where this one stopped.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from stat import S_ISREG
from typing import TYPE_CHECKING

from fingerprints.embedded import (
    MAX_CARRIER_BYTES,
    CarrierError,
    Embedded,
    carrier_kind,
    embedded_code,
)
from fingerprints.errors import InputError, ParseFailure
from fingerprints.extensions import language_for_path
from fingerprints.history import commit_dates
from fingerprints.isolation import FINGERPRINT, NativeFile, ParseLimits, isolated_map
from fingerprints.names import carried_name
from fingerprints.params import FingerprintParams
from fingerprints.policy import (
    FILE_POLICY,
    LICENCE_FILES,
    OPEN_SOURCE,
    VCS_DIRS,
    VENDORED,
    VENDORED_DIRS,
    boilerplate_reason,
    content_problem,
    copyright_holders,
    owned,
    skipped_dir_reason,
    third_party_reason,
)
from fingerprints.seeds import rank, words
from fingerprints.store import RepoInfo, SQLiteStore
from fingerprints.text import BinaryContent, decode_source

if TYPE_CHECKING:  # imported where used: a run sends its first file before it needs numpy
    from fingerprints.fingerprinter import FileFingerprint, SourceFile

UNKNOWN_LANGUAGE = "not a supported source language"
SEEDS_PER_REPO = 500
BATCH_FILES = 256


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """A file found in a tree: its path relative to the root, and why it is skipped, if it is."""

    path: str
    absolute: Path
    language: str | None
    skip: str | None = None
    problem: bool = False
    """True when the skip is bad input worth a line of its own (an unreadable folder)."""
    files: int = 0
    """A skipped vendored folder's: the files below it (``TreeSummary.vendored``)."""


MAX_TREE_DEPTH = 256
"""Folders nested deeper than this below a root are not entered (one problem entry says so)."""


def walk_tree(root: Path, *, private: bool, max_depth: int = MAX_TREE_DEPTH,
              included: frozenset[str] = frozenset()) -> Iterator[TreeEntry]:  # fmt: skip
    """Every file below ``root`` in a stable order (each folder's entries sorted, folders
    depth-first), without following links and without recursion: an explicit stack of
    folders, so a tree thousands of levels deep costs no Python stack.

    On the private side, vendored and tool folders are not entered (one entry says why, with
    the files below a vendored one counted), but those named in ``included``;
    elsewhere only version-control and tool folders are left out. A folder more than
    ``max_depth`` levels below the root is not entered: one problem entry says so. Names that
    are not UTF-8 are carried as ``\\xNN`` text (``carried_name``); ``absolute`` opens the file.
    """
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    stack: list[tuple[Path, str, int]] = [(root, "", 0)]
    while stack:
        here, rel_here, depth = stack.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield TreeEntry(rel_here + "/" if rel_here else "./", here, None,
                            f"cannot list folder ({exc.strerror})", problem=True)  # fmt: skip
            continue
        below = []
        for entry in (e for e in entries if _is_dir(e)):
            rel = _join(rel_here, entry.name)
            reason = (skipped_dir_reason(entry.name, included) if private
                      else _VCS if entry.name in VCS_DIRS else None)  # fmt: skip
            if entry.is_symlink():  # a link first, whatever its name (a ``.git`` link outside)
                yield TreeEntry(rel, here / entry.name, None, "symbolic link, not followed")
            elif reason:
                files = _files_below(here / entry.name) if reason == VENDORED else 0
                yield TreeEntry(rel + "/", here / entry.name, None, reason, files=files)
            elif depth + 1 > max_depth:
                yield TreeEntry(rel + "/", here / entry.name, None,
                                f"folder nested more than {max_depth} levels deep; not read",
                                problem=True)  # fmt: skip
            else:
                below.append((here / entry.name, rel, depth + 1))
        for entry in entries:
            if not _is_dir(entry):
                yield _file_entry(entry, here, rel_here)
        stack.extend(reversed(below))


_VCS = "version-control metadata (scan --history reads a repository's history)"


def _files_below(folder: Path) -> int:
    """How many files a folder holds at any depth (links not followed, unreadable folders
    passed over): what a skipped vendored folder's line counts."""
    return sum(len(files) for _, _, files in os.walk(folder))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows a link, as os.walk does: a link to a folder is a folder
    except OSError:
        return False


def _join(rel_here: str, name: str) -> str:
    name = carried_name(name)
    return f"{rel_here}/{name}" if rel_here else name


def _file_entry(entry: os.DirEntry[str], here: Path, rel_here: str) -> TreeEntry:
    rel = _join(rel_here, entry.name)
    absolute = here / entry.name
    language = language_for_path(carried_name(entry.name))
    if entry.is_symlink():
        return TreeEntry(rel, absolute, language, "symbolic link, not followed")
    if language is None:
        return TreeEntry(rel, absolute, None, UNKNOWN_LANGUAGE)
    return TreeEntry(rel, absolute, language)


def read_source(path: Path, max_bytes: int,
                size: int | None = None) -> tuple[bytes | None, str | None]:  # fmt: skip
    """The bytes of a file, or None and a one-line reason it cannot be used. ``size``: its
    size when the caller has just read it (``os.stat``), else it is read here (a file that grew
    past ``max_bytes`` in between is still refused, by its bytes' length)."""
    try:
        if not S_ISREG(os.stat(path).st_mode):
            return None, NOT_REGULAR  # never opened: a FIFO's reader waits for a writer
        # opened without blocking and checked again on the descriptor: a FIFO swapped in
        # since is never read (reading one blocked the run forever)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if not S_ISREG(opened.st_mode):
                return None, NOT_REGULAR
            size = opened.st_size if size is None else size
            if size > max_bytes:
                return None, f"larger than the size cap ({size:,} > {max_bytes:,} bytes)"
            data = handle.read()
    except OSError as exc:
        return None, f"cannot read ({exc.strerror or exc})"
    return data, content_problem(data, max_bytes)


NOT_REGULAR = "not a regular file (a FIFO, a socket or a device): no content of its own; not read"


def encoding_warning(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start}); parsed as raw bytes"
    return None


@dataclass
class TreeSummary:
    """What one ``fingerprint`` run did to one repository."""

    name: str
    public: bool
    fingerprinted: int = 0
    unchanged: int = 0
    removed: int = 0
    lines: int = 0
    tokens: int = 0
    fingerprints: int = 0
    unknown_language: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    identical: list[tuple[RepoInfo, int]] = field(default_factory=list)
    """Other stored repositories holding files identical to this one's, and how many."""
    open_source: list[tuple[str, str]] = field(default_factory=list)
    """Private files fingerprinted whose header grants an open-source licence, and which
    (``policy.licence_reason``): never evidence."""
    owned: list[tuple[str, str]] = field(default_factory=list)
    """Private files under an open-source licence header naming the company's own copyright
    holder (``--owner``, the repository's licence file): evidence like any other."""
    owners: tuple[str, ...] = ()
    """The company's copyright holders the files were read with."""
    dated: int = 0
    """Files whose first and last commit dates were recorded (a git checkout's history)."""
    vendored: dict[str, int] = field(default_factory=dict)
    """Each vendored folder not fingerprinted (``policy.VENDORED_DIRS``) and the files in it:
    one line each, never a silent skip (``fingerprint --include-dir NAME`` reads one)."""

    def vendored_skip(self, path: str, files: int = 1) -> None:
        """Count ``files`` of the vendored folder ``path`` holds (its first vendored part)."""
        parts = path.rstrip("/").split("/")
        at = next((i for i, part in enumerate(parts) if part in VENDORED_DIRS), len(parts) - 1)
        folder = "/".join(parts[: at + 1]) + "/"
        self.vendored[folder] = self.vendored.get(folder, 0) + files


@dataclass(frozen=True, slots=True)
class Job:
    """One file to fingerprint: everything ``run_job`` needs, picklable for other processes."""

    path: str
    data: bytes
    language: str
    params: FingerprintParams
    mtime_ns: int = 0
    limits: ParseLimits | None = None
    """Parse in a separate process under these limits (None: in this one)."""
    sha256: str | None = None
    """The content's hash when already computed (a stored file compared with it), else None."""
    size: int | None = None
    """The stored file's size when ``data`` is the code a carrier holds (the carrier's)."""
    lines: tuple[int, ...] | None = None
    """The carrier's line holding each line of ``data`` (a notebook's), else None."""


@dataclass(frozen=True, slots=True)
class Unparsed:
    """A file the parser crashed, hung or blew up on: not fingerprinted, and why."""

    path: str
    reason: str


def run_job(job: Job) -> FileFingerprint | Unparsed:
    """The pure part of fingerprinting, run wherever the mapper sends it."""
    from fingerprints.fingerprinter import fingerprint_file

    try:
        return fingerprint_file(job.path, job.data, job.language, job.params, job.mtime_ns,
                                job.limits, job.sha256, job.size, job.lines)  # fmt: skip
    except ParseFailure as failure:
        return Unparsed(job.path, f"{failure}; not read")


#: Maps ``run_job`` over jobs, in order, lazily (the builtin ``map``, or a pool of processes or a
#: cluster's workers from the scanner's runners). Results must come back in the jobs' order.
Mapper = Callable[
    [Callable[[Job], "FileFingerprint | Unparsed"], Iterable[Job]],
    Iterable["FileFingerprint | NativeFile | Unparsed"],
]


def isolated_mapper(limits: ParseLimits, processes: int = 1) -> Mapper:
    """A ``Mapper`` for ``run_job`` that runs each job whole, parse, k-grams, winnowing and
    signature, in ``processes`` parser processes under ``limits`` (``isolation.isolated_map``),
    with no process in between: this process reads the next file and stores the last while
    they work. The same fingerprints as ``run_job`` here, file for file (a file fingerprinted
    natively comes as a ``NativeFile``, which is stored as it is, without numpy)."""

    def mapper(
        fn: Callable[[Job], FileFingerprint | Unparsed], jobs: Iterable[Job]
    ) -> Iterator[FileFingerprint | NativeFile | Unparsed]:
        assert fn is run_job, "only run_job runs in the parser processes"
        queued: deque[Job] = deque()

        def calls() -> Iterator[tuple[str, tuple[object, ...]]]:
            for job in jobs:
                queued.append(job)
                yield FINGERPRINT, (job.path, job.data, job.language, job.params, job.mtime_ns,
                                    None, job.sha256, job.size, job.lines)  # fmt: skip

        for answer in isolated_map(calls(), limits, processes, native_files=True):
            job = queued.popleft()
            if isinstance(answer, ParseFailure):
                yield Unparsed(job.path, f"{answer}; not read")
            else:
                yield answer

    return mapper


class _Ingest:
    """Batches fingerprinted files into the store for one repository and keeps the summary.

    The repository is checked before anything is read (``check_repo``) and recorded with the
    first batch of files, so a source that turns out to hold no source files changes nothing.
    """

    def __init__(
        self,
        store: SQLiteStore,
        summary: TreeSummary,
        root: str,
        origin: str,
        on_problem: Callable[[str, str], None] | None,
        parse_limits: ParseLimits | None = None,
        owners: Iterable[str] = (),
        included: frozenset[str] = frozenset(),
        declared: bool = False,
    ) -> None:
        self.store = store
        self.included = included
        self.owners = tuple(sorted({o.strip() for o in owners if o.strip()}))
        """The company's copyright holders: its files under an open-source licence header
        naming one stay evidence (``policy.owned``)."""
        self.declared = declared
        """Whether the user named owners (``--owner``): a header naming no holder is then
        the company's own too."""
        self.policy = "|".join((str(FILE_POLICY), *self.owners, *(["--owner"] * declared)))
        summary.owners = self.owners
        self.parse_limits = parse_limits
        self.summary = summary
        self.root = root
        self.origin = origin
        self.on_problem = on_problem
        existing = store.check_repo(summary.name, origin, summary.public)
        self.repo_id: int | None = None
        self.known = store.known_files(existing.id) if existing else {}
        if existing and not summary.public and store.file_policy(existing.id) != self.policy:
            self.known = {}  # stored before a reason a file may have (a licence), or for
            # other owners: read again
        self.current = existing is None  # every file it stores is read under FILE_POLICY
        self.present: set[str] = set()
        self.batch: list[FileFingerprint | NativeFile] = []
        self.skips: list[tuple[str, str]] = []
        self.seed_words: list[set[str]] | None = None
        self.touched: list[tuple[str, int]] = []

    def problem(self, path: str, message: str) -> None:
        self.summary.problems.append((path, message))
        if self.on_problem:
            self.on_problem(path, message)

    def skip(self, path: str, reason: str, files: int = 1) -> None:
        self.summary.skipped.append((path, reason))
        self.skips.append((path, reason))
        if reason == VENDORED:
            self.summary.vendored_skip(path, files)

    def prepare(self, path: str, data: bytes, language: str, mtime_ns: int = 0,
                carrier: str | None = None) -> Job | None:  # fmt: skip
        """The fingerprinting job for one file's bytes, or None when it is unusable or
        unchanged (checks, skip records and seeds happen here, in the calling process). A
        ``carrier`` (its kind: ``embedded.carrier_kind``) is fingerprinted for the code it
        holds, in that code's language, as the carrier: its path, size and SHA-256."""
        params = self.store.params
        note = None
        embedded: Embedded | None = None
        if carrier is not None:
            embedded = self._embedded(path, data, carrier)
            if embedded is None:
                return None
            language = embedded.language
        elif len(data) <= params.max_file_bytes:
            # UTF-16/32 and legacy encodings are text, the same code as a UTF-8 copy; what is
            # not text is named by content_problem below
            with contextlib.suppress(BinaryContent):
                data, note = decode_source(data)
        carried, data = data, embedded.code if embedded else data
        reason = content_problem(data, params.max_file_bytes)
        if reason:
            self.problem(path, reason)
            self.skip(path, reason)
            return None
        if not self.summary.public:
            reason = third_party_reason(PurePosixPath(path), data, self.included)
            if reason:
                self.skip(path, reason)
                return None
        if note:
            self.problem(path, note)
        if self.seed_words is not None and not boilerplate_reason(PurePosixPath(path), 0, data):
            self.seed_words.append(words(data))
        previous = self.known.get(path)
        if embedded or (previous and previous.structured):
            import hashlib  # here: a new store's files are hashed by the parser processes,
            # and OpenSSL's load is 10 million instructions before the first file is sent
        digest = (hashlib.sha256(carried).hexdigest()
                  if embedded or (previous and previous.structured) else None)  # fmt: skip
        if previous and previous.structured and previous.sha256 == digest:
            self.summary.unchanged += 1  # same content: not parsed again, only its time noted
            if previous.mtime_ns != mtime_ns:
                self.touched.append((path, mtime_ns))
            return None
        if embedded is None:
            return Job(path, data, language, params, mtime_ns, self.parse_limits, digest)
        return Job(path, data, language, params, mtime_ns, self.parse_limits, digest,
                   len(carried), embedded.lines)  # fmt: skip

    def _embedded(self, path: str, data: bytes, kind: str) -> Embedded | None:
        """The code a page, a component or a notebook holds (``embedded_code``), or None: one
        that is not text or is malformed is a problem and a skip (not fingerprinted); one that
        holds no code is no source (counted with the files in no supported language). What of
        its code is not read is a problem line each."""
        reason = content_problem(data, MAX_CARRIER_BYTES)
        embedded, note = None, None
        try:
            if reason is None:
                text, note = decode_source(data)
                embedded = embedded_code(kind, text.decode("utf-8", "surrogateescape"))
        except (BinaryContent, CarrierError) as exc:
            reason = str(exc)
        if reason:
            self.problem(path, reason)
            self.skip(path, reason)
            return None
        if embedded is None:
            self.summary.unknown_language += 1
            self.present.discard(path)
            return None
        for line in ((note,) if note else ()) + embedded.not_read:
            self.problem(path, line)
        return embedded

    def entry(self, entry: TreeEntry) -> Job | None:
        """One entry of a folder walk: record skips and problems; the job if there is work.

        A file whose size and modification time match the store is not even read (unless
        seeds are being collected).
        """
        summary = self.summary
        carrier = carrier_kind(entry.path) if entry.skip == UNKNOWN_LANGUAGE else None
        if entry.skip == UNKNOWN_LANGUAGE and carrier is None:
            summary.unknown_language += 1
            return None
        self.present.add(entry.path)
        if entry.problem:
            self.problem(entry.path, entry.skip or "cannot read")
        if entry.skip and carrier is None:
            self.skip(entry.path, entry.skip, entry.files)
            return None
        where = PurePosixPath(entry.path)
        reason = None if summary.public else third_party_reason(where, None, self.included)
        if reason:
            self.skip(entry.path, reason)
            return None
        try:
            stat = entry.absolute.stat()
        except OSError as exc:
            self.problem(entry.path, f"cannot read ({exc.strerror})")
            return None
        previous = self.known.get(entry.path)
        same = previous is not None and previous.structured and (
            previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns)  # fmt: skip
        if same and self.seed_words is None:
            summary.unchanged += 1
            return None
        cap = MAX_CARRIER_BYTES if carrier else self.store.params.max_file_bytes
        data, reason = read_source(entry.absolute, cap, stat.st_size)
        if data is None:
            self.problem(entry.path, reason or "cannot read")
            self.skip(entry.path, reason or "cannot read")
            return None
        if carrier is not None:
            return self.prepare(entry.path, data, "", stat.st_mtime_ns, carrier)
        assert entry.language is not None
        return self.prepare(entry.path, data, entry.language, stat.st_mtime_ns)

    def accept(self, result: FileFingerprint | NativeFile | Unparsed) -> None:
        """Queue one fingerprinted file for the store (one that could not be parsed is a
        problem and a skip)."""
        if isinstance(result, Unparsed):
            self.problem(result.path, result.reason)
            self.skip(result.path, result.reason)
            return
        if result.warning:
            self.problem(result.path, result.warning)
        licensed = result.boilerplate or ""
        if not self.summary.public and licensed.startswith(OPEN_SOURCE):
            if owned(licensed, self.owners, self.declared):  # the company's own: evidence
                result = (result._replace(boilerplate=None) if isinstance(result, NativeFile)
                          else replace(result, boilerplate=None))  # fmt: skip
                self.summary.owned.append((result.path, licensed))
            else:
                self.summary.open_source.append((result.path, licensed))
        self.summary.fingerprinted += 1
        self.summary.lines += result.lines
        self.summary.tokens += result.tokens
        self.summary.fingerprints += (result.count if isinstance(result, NativeFile)
                                      else int(result.fingerprints.shape[0]))  # fmt: skip
        self.batch.append(result)
        if len(self.batch) >= BATCH_FILES:
            self.flush()

    def claim(self) -> int:
        if self.repo_id is None:
            summary = self.summary
            self.repo_id = self.store.claim_repo(
                summary.name, self.root, self.origin, summary.public
            )
            if self.current and not summary.public:  # so an interrupted first run resumes
                self.store.set_file_policy(self.repo_id, self.policy)
        return self.repo_id

    def flush(self) -> None:
        repo_id = self.claim()
        self.store.put_files(repo_id, self.batch, self.skips, self.touched)
        self.touched.clear()
        self.batch.clear()
        self.skips.clear()

    def finish(self, started: float) -> TreeSummary:
        """Store what is left and forget files that are gone; refused (nothing written or
        removed) when the source held no usable source file at all."""
        summary = self.summary
        if summary.fingerprinted + summary.unchanged == 0:
            raise InputError(f"{self.root}: {_nothing_to_fingerprint(summary)}")
        self.flush()
        repo_id = self.claim()
        if self.seed_words is not None:
            self.store.put_seeds(repo_id, rank(self.seed_words, SEEDS_PER_REPO))
        summary.removed = self.store.forget_missing(repo_id, self.present)
        if not summary.public:
            self.store.set_file_policy(repo_id, self.policy)
        summary.identical = self.store.identical_files(repo_id)
        summary.seconds = time.perf_counter() - started
        return summary


def _nothing_to_fingerprint(summary: TreeSummary) -> str:
    found = [
        f"{summary.unknown_language} file(s) not in a supported language"
        if summary.unknown_language else "",
        f"{len(summary.skipped)} skipped (--verbose says why)" if summary.skipped else "",
    ]  # fmt: skip
    seen = "; ".join(part for part in found if part) or "no files at all"
    return (
        f"no source files to fingerprint ({seen}); nothing stored. Give the folder, archive or "
        "git URL that holds the code"
    )


def repository_owners(root: Path) -> list[str]:
    """The copyright holders named by the licence files at ``root`` (``LICENSE``, ``COPYING``,
    ``NOTICE``, with any suffix): the company's own name, for a private repository."""
    found: list[str] = []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return found
    for entry in entries:
        if entry.name.upper().startswith(LICENCE_FILES) and entry.is_file():
            try:
                with entry.open("rb") as licence:
                    found += copyright_holders(licence.read(8192))
            except OSError:
                continue
    return found


def fingerprint_tree(
    root: Path,
    store: SQLiteStore,
    *,
    name: str | None = None,
    public: bool = False,
    on_file: Callable[[str], None] | None = None,
    on_problem: Callable[[str, str], None] | None = None,
    seeds: bool = False,
    mapper: Mapper = map,
    parse_limits: ParseLimits | None = None,
    owners: Iterable[str] = (),
    settle_later: bool = False,
    included: frozenset[str] = frozenset(),
) -> TreeSummary:
    """Fingerprint every source file below ``root`` into ``store`` as repository ``name``.

    ``mapper`` runs the pure fingerprinting (in this process by default; in a pool of processes
    or on a cluster's workers when the caller passes one); everything else happens here. With
    ``parse_limits``, each parse runs in a separate process under them, and a file that crashes,
    hangs or blows up the parser is one problem and a skip. When ``root`` is in a git checkout
    with its history, each file's first and last commit dates are recorded too (``history``).
    ``settle_later``: the batches are made durable while the caller goes on (``store.bulk``).
    Folders named in ``included`` are fingerprinted although vendored (``policy``).
    """
    started = time.perf_counter()
    root = root.resolve()
    summary = TreeSummary(name=name or root.name, public=public)
    declared = [owner for owner in owners if owner.strip()]
    ingest = _Ingest(
        store, summary, str(root), str(root), on_problem, parse_limits,
        (*declared, *repository_owners(root)), included, declared=bool(declared),
    )  # fmt: skip
    if seeds and not public:
        ingest.seed_words = []

    def jobs() -> Iterator[Job]:
        for entry in walk_tree(root, private=not public, included=included):
            if on_file:
                on_file(entry.path)
            job = ingest.entry(entry)
            if job is not None:
                yield job

    with store.bulk(settle_later=settle_later):
        for result in mapper(run_job, jobs()):
            ingest.accept(result)
        summary = ingest.finish(started)
    dates = commit_dates(root)
    if dates and ingest.repo_id is not None:
        ingest.store.set_commit_dates(ingest.repo_id, dates)
        summary.dated = sum(1 for path in ingest.present if path in dates)
    return summary


def fingerprint_files(
    files: Iterable[SourceFile],
    store: SQLiteStore,
    *,
    name: str,
    origin: str,
    root: str | None = None,
    public: bool = False,
    on_problem: Callable[[str, str], None] | None = None,
    seeds: bool = False,
    mapper: Mapper = map,
    parse_limits: ParseLimits | None = None,
    owners: Iterable[str] = (),
    settle_later: bool = False,
    included: frozenset[str] = frozenset(),
) -> TreeSummary:
    """Fingerprint a stream of files (from an archive, a clone, a registry) as repository ``name``.

    ``origin`` says where they come from, the repository's identity (an archive's absolute
    path, a git URL without its ref); ``root`` what exactly was read (default: ``origin``).
    Unchanged files are recognized by their content hash; ``parse_limits``, ``settle_later``
    and ``included`` as above.
    """
    started = time.perf_counter()
    summary = TreeSummary(name=name, public=public)
    owners = [owner for owner in owners if owner.strip()]
    ingest = _Ingest(
        store, summary, root or origin, origin, on_problem, parse_limits, owners, included,
        declared=bool(owners),
    )  # fmt: skip
    if seeds and not public:
        ingest.seed_words = []

    def jobs() -> Iterator[Job]:
        for file in files:
            ingest.present.add(file.path)
            where = PurePosixPath(file.path)
            reason = None if public else third_party_reason(where, None, included)
            if reason:
                ingest.skip(file.path, reason)
                continue
            job = ingest.prepare(file.path, file.data, file.language)
            if job is not None:
                yield job

    with store.bulk(settle_later=settle_later):
        for result in mapper(run_job, jobs()):
            ingest.accept(result)
        return ingest.finish(started)
