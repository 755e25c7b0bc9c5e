"""Scanning: each candidate's files -> the same fingerprinting -> matcher -> verdict."""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from fingerprints import (
    TOKENIZE,
    Analysis,
    FingerprintParams,
    LeaktraceError,
    ParseFailure,
    ParseLimits,
    StoreError,
    TokenStream,
    analyze,
    event_texts,
    is_minified,
    isolated_map,
    kgrams,
    start_parser,
)
from scanner.index import FingerprintIndex
from scanner.matcher import (
    Discounts,
    Fragment,
    PublicLines,
    combine,
    fields_of,
    look_up,
    replaced,
)
from scanner.results import CandidateResult
from scanner.runners import Processes, Ready, Runner, Serial, _batches, _run_batch
from scanner.sources import Candidate, CandidateFile, Limits, Problem
from scanner.sources.base import first_few, read_through
from scanner.structural import Excluded, FunctionPair, match_structure
from scanner.thresholds import Thresholds
from scanner.verdict import Verdict, decide


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What every worker needs, sent once: the index and the settings."""

    index: FingerprintIndex
    params: FingerprintParams
    thresholds: Thresholds
    window_bytes: int = Limits().max_file_bytes
    """The most one parse sees: a larger file is scanned in windows (``windows``)."""
    parse_limits: ParseLimits | None = None
    """Parse each file in a separate process under these limits (None: in the worker itself)."""
    store_gaps: tuple[str, ...] = ()
    """What the store was never given (a private repository no fingerprint run finished): a
    candidate it would clear is ``incomplete`` (``commands.shared.store_gaps``)."""

    def said_apart(self, problem: Problem) -> bool:
        """Whether ``problem`` is one of the store's gaps, which every candidate carries: said
        once when the store is opened (scan, watch) or as each artifact's finding (guard), never
        again as each candidate's problem line."""
        return not problem.path and problem.message in self.store_gaps

    def warm(self) -> None:
        """Start this process's parser process now (a pool worker, as it is forked: the fork
        from the zygote overlaps the scan's walk to the first files), and import what judging
        a file imports on first use (rapidfuzz, for ``match_structure``: some 10 ms of each
        worker's CPU), while the worker still waits for its first files."""
        if self.parse_limits is not None:
            start_parser(self.parse_limits)
        import rapidfuzz.distance  # noqa: F401


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What one file's content gave: path-free, so identical content can share it."""

    tokens: int
    lines: int
    fragments: list[Fragment]
    discounts: Discounts
    warning: str | None = None  # a syntax error: reported, the file is still scanned
    unread: str | None = None  # the parser crashed, hung or blew up: not read (incomplete)
    functions: list[FunctionPair] = field(default_factory=list)  # matched by structure
    idioms: int = 0  # calls and constants ignored as idioms (structural_max_fanout)
    unread_kind: str = (
        ""  # how it went unread: ``ParseFailure.kind`` (``stall``: the machine's doing)
    )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its fragments and function pairs as plain tuples: a pool worker sends
        each outcome to the scan's process, where a slotted dataclass's own unpickling (its
        fields looked up again for every object) cost that process, the one a ``--jobs`` scan
        waits on, 0.1 s of CPU on a 290,000-line tree."""
        rows = _rows(self.fragments), _rows(self.functions)
        return _outcome, (self.tokens, self.lines, rows[0], self.discounts, self.warning,
                          self.unread, rows[1], self.idioms, self.unread_kind)  # fmt: skip


def _rows(items: list[Any]) -> list[tuple[Any, ...]]:
    """Each dataclass of ``items`` as the tuple of its fields, in order (not deep, as
    ``dataclasses.astuple`` is)."""
    values = fields_of(type(items[0]))[0] if items else tuple
    return [values(item) for item in items]


def _outcome(tokens: int, lines: int, fragments: list[tuple[Any, ...]], discounts: Discounts,
             warning: str | None, unread: str | None, functions: list[tuple[Any, ...]],
             idioms: int, unread_kind: str) -> FileOutcome:  # fmt: skip
    """A ``FileOutcome`` from ``FileOutcome.__reduce__``."""
    return FileOutcome(tokens, lines, [Fragment(*row) for row in fragments], discounts, warning,
                       unread, [FunctionPair(*row) for row in functions], idioms,
                       unread_kind)  # fmt: skip


def unparsed(failure: ParseFailure | str) -> FileOutcome:
    """The outcome of content the parser could not read."""
    if isinstance(failure, str):  # remembered from an earlier run
        return FileOutcome(0, 0, [], Discounts(), unread=failure, unread_kind="remembered")
    return FileOutcome(0, 0, [], Discounts(), unread=f"{failure}; not read",
                       unread_kind=failure.kind)  # fmt: skip


def scan_file(file: CandidateFile, context: ScanContext) -> FileOutcome:
    """The pure part of scanning one file: normalize, fingerprint, look up, chain fragments.

    Nothing here depends on the file's path, so identical content gives an identical outcome.
    """
    try:
        analysis = analyze(file.data, file.language, context.params, context.parse_limits)
    except ParseFailure as failure:
        return unparsed(failure)
    return _judged(file, analysis, context)


def scan_tokens(file: CandidateFile, tokens: TokenStream | ParseFailure,
                context: ScanContext) -> FileOutcome:  # fmt: skip
    """``scan_file`` for a file whose parse already ran elsewhere (``tokens``: what the isolated
    parser answered, or how it failed): the same outcome, without parsing here."""
    if isinstance(tokens, ParseFailure):
        return unparsed(tokens)
    grams = kgrams(tokens, context.params.k)
    return _judged(file, Analysis(file.language, tokens, grams), context)


def _judged(file: CandidateFile, analysis: Analysis, context: ScanContext) -> FileOutcome:
    found = look_up("", analysis, context.index, context.thresholds)
    fragments = [with_columns(f, file.data, analysis.tokens) for f in found.fragments]
    tokens = analysis.tokens
    functions, idioms = [], 0
    if not is_minified(PurePosixPath(), file.data):  # by its lines only (names are hostile)
        # a minified bundle is compiled code: its structure is its source's, shipped on purpose;
        # a minified copy of a leak keeps its tokens, which the fragments find. Where the tokens
        # call a candidate function public, or a private file no evidence, structure must not
        # undo it: those are set aside before the pairing
        excluded = Excluded(context.index.not_evidence(),
                            PublicLines(found.public_kgrams, context.index.k,
                                        tokens.line_start))  # fmt: skip
        functions, idioms = match_structure(
            tokens.structure, context.index.structure, context.thresholds,
            lambda: event_texts(file.data, tokens), context.index.public_structure, excluded,
        )  # fmt: skip
    unread = mostly_unread(tokens, file.data)  # its fragments stand; a clear would not
    return FileOutcome(len(tokens), tokens.lines, fragments, found.discounts,
                       None if unread else analysis.warning, unread, functions, idioms,
                       MOSTLY_UNREAD if unread else "")  # fmt: skip


MIN_READ_SHARE = 0.2
"""The share of a file's non-blank bytes its tokens must cover when its parse had a syntax
error, or the file is not read (``mostly_unread``). Tree-sitter recovers from an error and
reads on, so a real file with errors keeps most of its tokens; one whose code went into error
nodes or into one comment to the end of the file (rich's console.py with U+2028 line ends:
137 tokens covering 1 % of it; with CR ones before ``line_ended``, the same) is a remnant,
and its ``clear`` would mean nothing. On the benchmark cache's real packages (8,735 files of
pypi/, npm/ and six Debian sources) the 47 with a syntax error cover 0.475 (a pygments Kotlin
fixture), 0.516, 0.521, ... of their text: none comes near. The share of ERROR-node bytes was
measured first and rejected: tree-sitter wraps whole well-read TypeScript and JSX files in one
ERROR node (mobx's action.ts, immer's types-external.ts: 1.00), and a comment that swallows
the file is no ERROR node at all."""
MOSTLY_UNREAD = "mostly-unread"
"""``FileOutcome.unread_kind`` of such a file: the parser answered, so it is no parse failure
to remember (its fragments would be lost: ``commands.scan``)."""


def mostly_unread(tokens: TokenStream, data: bytes) -> str | None:
    """The line that says a file with a syntax error was mostly not read (its tokens cover less
    than ``MIN_READ_SHARE`` of its non-blank bytes), or None."""
    if tokens.error_line is None or tokens.start_byte.shape[0] != len(tokens):
        return None
    blank = sum(data.count(c) for c in (b" ", b"\t", b"\n", b"\r", b"\f", b"\v"))
    covered = int((tokens.end_byte - tokens.start_byte).sum())
    if covered >= MIN_READ_SHARE * (len(data) - blank):
        return None
    share = covered / max(1, len(data) - blank)
    return (
        f"syntax error near line {tokens.error_line}, and its tokens cover {share:.0%} of "
        "its text (the rest in error nodes or one unclosed comment or string); not read"
    )


def guessed_lines(not_code: list[str], with_errors: list[str]) -> list[Problem]:
    """What the files taken for code by their text alone (``CandidateFile.guessed``) gave, in
    at most two lines: those whose parse was mostly errors (``mostly_unread``), skipped as a
    file whose name tells no language and whose text is no code (their fragments, if any,
    still count); and those read with a syntax error, counted in one line, not one each (Go's
    cmd/go/testdata: 210 scripts with Go inside, 210 lines before)."""
    lines = []
    for paths, what in (
        (not_code, "skipped: taken for code by their text alone (no name said so), and mostly "
                   "not code to the parser"),
        (with_errors, "taken for code by their text alone (no name said so) with a syntax "
                      "error: fingerprinted what parsed"),
    ):  # fmt: skip
        names = [repr(path) for path in dict.fromkeys(paths)]
        if names:
            lines.append(Problem("", f"{len(names):,} file(s) {what}: {first_few(names)}",
                                 partial=False))  # fmt: skip
    return lines


@dataclass(frozen=True, slots=True)
class _Piece:
    """One unit of work in candidate order: a whole file, or one window of a large one."""

    file: CandidateFile
    whole: str  # SHA-256 of the whole file
    key: tuple[str, str]  # content hash of this piece, language
    first_line: int
    first_column: int  # bytes of its first line that come before the piece
    windowed: bool


def windows(data: bytes, size: int) -> Iterator[tuple[int, int, bytes]]:
    """``data`` in pieces of at most ``size`` bytes, each with the line it starts on and how many
    bytes of that line come before it (a piece may start inside a long line).

    A cut falls just after a newline in the second half of the piece when there is one, else
    after a ``;``, ``,``, ``}`` or space (a minified bundle is one long line), else anywhere.
    A fragment that spans a cut is found as two shorter ones.
    """
    if len(data) <= size:
        yield 1, 0, data
        return
    start, line = 0, 1
    while start < len(data):
        end = min(len(data), start + size)
        if end < len(data):
            half = start + size // 2
            cut = data.rfind(b"\n", half, end)
            if cut == -1:
                cut = max(data.rfind(sep, half, end) for sep in (b";", b",", b"}", b" "))
            if cut != -1:
                end = cut + 1
        yield line, start - (data.rfind(b"\n", 0, start) + 1), data[start:end]
        line += data.count(b"\n", start, end)
        start = end


def _shift_line(warning: str, shift: int) -> str:
    """A parser warning found in a window, with its line number counted in the whole file."""
    if not shift:
        return warning
    return _NEAR_LINE.sub(lambda m: f"near line {int(m.group(1)) + shift}", warning)


_NEAR_LINE = re.compile(r"near line (\d+)")


def _placed(fragment: Fragment, path: str, piece: _Piece, token_shift: int) -> Fragment:
    """A fragment found in a piece, placed in its file: path, lines, tokens and columns."""
    line_shift, column_shift = piece.first_line - 1, piece.first_column
    a, b = fragment.candidate_lines
    t0, t1 = fragment.candidate_tokens
    columns = fragment.candidate_columns
    if columns is not None and column_shift:  # only the piece's first line starts mid-line
        columns = (columns[0] + (column_shift if a == 1 else 0),
                   columns[1] + (column_shift if b == 1 else 0))  # fmt: skip
    return replaced(fragment, candidate_path=path,
                    candidate_lines=(a + line_shift, b + line_shift),
                    candidate_tokens=(t0 + token_shift, t1 + token_shift),
                    candidate_columns=columns)  # fmt: skip


LONG_LINE = 1000
"""A line longer than this (in bytes) gets column ranges in the evidence."""


def with_columns(fragment: Fragment, data: bytes, tokens: TokenStream) -> Fragment:
    """``fragment`` with byte columns when its first or last line is longer than LONG_LINE."""
    t0, t1 = fragment.candidate_tokens
    if not len(tokens.start_byte) or t1 <= t0:
        return fragment
    first, last = int(tokens.start_byte[t0]), int(tokens.end_byte[t1 - 1])
    first_line_start = data.rfind(b"\n", 0, first) + 1
    last_line_start = data.rfind(b"\n", 0, last - 1) + 1

    def length(start: int) -> int:
        end = data.find(b"\n", start)
        return (len(data) if end == -1 else end) - start

    if max(length(first_line_start), length(last_line_start)) <= LONG_LINE:
        return fragment
    columns = (first - first_line_start + 1, last - last_line_start)
    return replaced(fragment, candidate_columns=columns)


BATCH_FILES = 16
BATCH_BYTES = 512 << 10
"""A pool worker (``--jobs``) is sent consecutive files in batches of at most this many files
or (about) bytes: one task per file cost the scan's process a future, a wake-up of the pool's
thread and a message each way per file (862 files of the large tree: 0.98 -> 0.57 s of its CPU
in ``run_scan``, at load 15). 8 files and 256 KiB before: 16 and 512 KiB send the large tree
in 74 batches, not 122 (the pool threads' CPU in the scan's process: 0.107 -> 0.082-0.095 s,
load 6 to 8). The first batches are smaller (``FIRST_FILES``, then twice as many each
time) and the last files go one by one (``TAIL_FILES``), so both workers start early and end
together."""
FIRST_FILES = 2
"""The first batch's most files: each next batch may hold twice as many, up to BATCH_FILES, so
the workers start on the first files while the scan's process reads the next."""
TAIL_FILES = BATCH_FILES
"""The last this many files (or windows) of a candidate go to the workers one by one: a last
whole batch kept one worker busy while the other was done (up to 0.19 s of the large tree's
run, at load 6)."""
_SCAN_BATCH = functools.partial(_run_batch, scan_file)
_batched = functools.partial(_batches, most_items=BATCH_FILES, most_bytes=BATCH_BYTES,
                             tail=TAIL_FILES, first=FIRST_FILES)  # fmt: skip
"""Consecutive files in lists (``BATCH_FILES``, ``BATCH_BYTES``; the first ones smaller, from
``FIRST_FILES``), the last ``TAIL_FILES`` one by one; a ``Ready`` item closes the batch before
it and passes through, as the batch result ``[(True, value)]``."""


def _unbatched(results: Iterable[list[tuple[bool, Any]]]) -> Iterator[FileOutcome | None]:
    """Each file's outcome, in order; a file whose scan raised raises here, at its place."""
    for batch in results:
        for ok, value in batch:
            if not ok:
                raise value
            yield value


#: Content hash and language -> what scanning it gave.
Memo = dict[tuple[str, str], FileOutcome]
#: Told of each content (hash, language) the parser newly could not read.
OnUnread = Callable[[tuple[str, str], FileOutcome], None]
#: A file's SHA-256 (hex) already worked out, or None.
Digests = Callable[[CandidateFile], str | None]


def parsed_ahead(items: Iterable[CandidateFile | Ready],
                 context: ScanContext) -> Iterator[FileOutcome | None]:  # fmt: skip
    """``Serial().map(scan_file, items, context)`` with the parses run ahead: while this
    process judges one file (k-grams, look-up, structure: most of a scan's CPU), its parser
    process already parses the next (``isolated_map``), so ``--jobs 1`` keeps both cores busy
    instead of taking turns with its parser. The same outcomes, in the same order; a
    ``Ready`` item gives its value, as ``Serial`` does."""
    limits = context.parse_limits
    assert limits is not None
    waiting: deque[CandidateFile | Ready] = deque()

    def calls() -> Iterator[tuple[str, tuple[str, bytes]]]:
        for item in items:
            waiting.append(item)
            if not isinstance(item, Ready):
                yield TOKENIZE, (item.language, item.data)

    def ready() -> Iterator[FileOutcome | None]:
        while waiting and isinstance(waiting[0], Ready):
            yield waiting.popleft().value  # type: ignore[union-attr]

    for tokens in isolated_map(calls(), limits):
        yield from ready()
        file = waiting.popleft()
        assert not isinstance(file, Ready)
        yield scan_tokens(file, tokens, context)
    yield from ready()


def scan_candidate(candidate: Candidate, context: ScanContext, **options: Any) -> CandidateResult:
    """Fingerprint every file of ``candidate`` and judge it against the context's index
    (``scan_candidates``, whose keyword arguments it takes, of this one candidate). An error
    reading the candidate (``LeaktraceError``) is raised to the caller."""
    (result,) = scan_candidates([candidate], context, **options)  # to the stream's end
    return result


def scan_candidates(
    candidates: Iterable[Candidate | None],
    context: ScanContext,
    *,
    memo: Memo | None = None,
    runner: Runner | None = None,
    on_unread: OnUnread | None = None,
    meanwhile: Callable[[], object] | None = None,
    digests: Digests | None = None,
    at_tail: Callable[[], object] | None = None,
    on_failure: Callable[[Candidate, LeaktraceError], Candidate] | None = None,
) -> Iterator[CandidateResult]:
    """Fingerprint every file of each of ``candidates`` and judge it against the context's
    index, in order, the candidates' files one stream: the next candidate is taken
    (``candidates`` may unpack it) and its first files are parsed and judged while the one
    before is combined, judged and recorded by the caller (each result is yielded as soon as
    its last file's outcome is in). One candidate at a time, a
    pool's workers idled through each candidate's start and end: many small candidates (npm
    packages, a fork network) kept both cores busy a third of the time or less.

    A None among ``candidates`` is a barrier: every candidate before it is judged (and the
    caller has recorded it) before the next is taken. The caller puts one before a candidate
    whose taking or reading may wait on the network, so that a stalled download never holds
    back the verdicts already reached (nor loses them to a Ctrl-C while it waits).

    ``memo`` (shared across candidates and runs, e.g. a fork network) keeps what each distinct
    content gave, so it is fingerprinted once; ``runner`` runs the per-file work (in this
    process by default), in order, so the result is the same wherever it ran. ``on_unread``
    hears of each content (hash, language) the parser newly could not read, as soon as that is
    known. ``meanwhile`` is called once, when the first file's outcome is in: a pool's workers
    then have the next files, and this process waits for them (what the caller will need
    after the run, done then, is not done alone at its end). ``digests`` gives the SHA-256
    (hex) of a file's bytes already worked out (None: hashed here), asked once per file as it
    is read. ``at_tail`` is called when each candidate's last outcome is in, before it is
    combined and judged.

    ``on_failure`` turns a candidate whose reading raised ``LeaktraceError`` (a refused fetch)
    into the candidate to judge instead (an ``Unreadable`` one: no files); without it the
    error is raised. ``StoreError`` is always raised: no verdict can be trusted then.
    """
    runner = runner or Serial()
    memo = memo if memo is not None else {}
    in_flight: set[tuple[str, str]] = set()  # shared: a content one candidate sent is not
    # sent again by the next, which takes its outcome from ``memo`` in order
    route: deque[_CandidateScan | _Done] = deque()
    taken = iter(candidates)
    ended = False  # no candidate left after the last barrier

    def work() -> Iterator[CandidateFile | Ready]:
        """The files of the candidates up to the next barrier, one stream."""
        nonlocal ended
        for candidate in taken:
            if candidate is None:
                return
            scan = _CandidateScan(candidate, context, memo, in_flight, digests, on_unread)
            for item in scan.work(on_failure is not None):
                route.append(scan)
                yield item
            route.append(_Done(scan))
        ended = True

    def done() -> Iterator[CandidateResult]:
        while route and isinstance(route[0], _Done):
            scan = route.popleft().scan  # type: ignore[union-attr]
            if at_tail is not None:
                at_tail()
            if scan.failed is not None and on_failure is not None:  # its stand-in, no files
                scan = _CandidateScan(on_failure(scan.candidate, scan.failed), context, memo,
                                      in_flight, digests, on_unread)  # fmt: skip
            yield scan.finish()

    while not ended:
        results: Iterable[FileOutcome | None]
        if isinstance(runner, Serial):
            results = (parsed_ahead(work(), context) if context.parse_limits is not None
                       else runner.map(scan_file, work(), context))  # fmt: skip
        elif isinstance(runner, Processes):
            results = _unbatched(runner.map(_SCAN_BATCH, _batched(work()), context))
        else:  # a cluster's runner batches by itself
            results = runner.map(scan_file, work(), context)
        for result in results:
            if meanwhile is not None:
                meanwhile()
                meanwhile = None
            yield from done()
            scan = route.popleft()
            assert isinstance(scan, _CandidateScan)
            scan.take(result)
            yield from done()
        yield from done()


@dataclass(slots=True)
class _Done:
    """In ``scan_candidates``' order of work: every file of ``scan`` was sent before this."""

    scan: _CandidateScan


class _CandidateScan:
    """One candidate of ``scan_candidates``: its files to send (``work``), each outcome in
    order (``take``), and its result once the last is in (``finish``)."""

    def __init__(self, candidate: Candidate, context: ScanContext, memo: Memo,
                 in_flight: set[tuple[str, str]], digests: Digests | None,
                 on_unread: OnUnread | None) -> None:  # fmt: skip
        self.candidate, self.context = candidate, context
        self.memo, self.in_flight = memo, in_flight
        self.digests, self.on_unread = digests, on_unread
        self.started = time.perf_counter()
        self.fetched_at = now()
        self.failed: LeaktraceError | None = None
        self.files_in_order: deque[_Piece] = deque()
        self.windowed: list[Problem] = []
        self.stopped: list[Problem] = []  # an error that ended the candidate's files early
        self.file_hashes: dict[str, str] = {}
        self.excerpts: dict[str, str] = {}
        self.warnings: list[Problem] = []
        self.warned: set[str] = set()
        self.unread: list[Problem] = []
        self.not_code: list[str] = []  # guessed code (``CandidateFile.guessed``) the parser refuted
        self.guessed_errors: list[str] = []  # guessed code read with a syntax error
        self.fragments: list[Fragment] = []
        self.functions: list[FunctionPair] = []
        self.discounts = Discounts()
        self.files = self.lines = self.tokens = self.idioms = 0
        self.token_offset: dict[str, int] = {}  # tokens of the earlier windows of a windowed file
        self.named: set[int] = set()  # private files whose details were read

    def work(self, keep_going: bool) -> Iterator[CandidateFile | Ready]:
        """Each file (or window of a large file) to scan, or a placeholder for content already
        done or under way. ``keep_going``: an error reading the candidate (``LeaktraceError``,
        not ``StoreError``) ends its files and is kept in ``failed``, not raised."""
        context, memo, in_flight = self.context, self.memo, self.in_flight
        try:
            for file in read_through(self.candidate, self.stopped):
                whole = self.digests(file) if self.digests is not None else None
                whole = whole or hashlib.sha256(file.data).hexdigest()
                pieces = list(windows(file.data, context.window_bytes))
                if len(pieces) > 1:
                    note = (f"{len(file.data):,} bytes: scanned in {len(pieces)} windows of at "
                            f"most {context.window_bytes:,} bytes")  # fmt: skip
                    self.windowed.append(Problem(file.path, note, partial=False))
                for first_line, first_column, data in pieces:
                    piece = file if len(pieces) == 1 else replaced(file, data=data)
                    digest = whole if len(pieces) == 1 else hashlib.sha256(data).hexdigest()
                    key = (digest, file.language)
                    self.files_in_order.append(
                        _Piece(file, whole, key, first_line, first_column, len(pieces) > 1)
                    )
                    if key in memo or key in in_flight:
                        yield Ready(None)
                    else:
                        in_flight.add(key)
                        yield piece
        except StoreError:
            raise
        except LeaktraceError as exc:
            if not keep_going:
                raise
            self.failed = exc

    def take(self, result: FileOutcome | None) -> None:
        """The outcome of the next piece ``work`` gave (None: a placeholder's)."""
        context, memo = self.context, self.memo
        piece = self.files_in_order.popleft()
        file, key = piece.file, piece.key
        if key in self.in_flight:  # the first file with this content: its result is the real one
            assert result is not None
            memo[key] = result
            self.in_flight.discard(key)
            if result.unread and self.on_unread is not None:
                self.on_unread(key, result)
        if self.failed is not None:
            return  # its stand-in is judged instead; the content's outcome is kept (above)
        outcome = memo[key]
        # a window of a large file may start inside a string or comment left open by the cut:
        # its low share is the cut's doing, not the file's (``mostly_unread``)
        not_read = outcome.unread and not (
            piece.windowed and outcome.unread_kind == MOSTLY_UNREAD)  # fmt: skip
        if not_read and file.guessed and outcome.unread_kind == MOSTLY_UNREAD:
            # taken for code by its text alone, and mostly not code to the parser: the guess
            # was wrong (a fixture of a language not read here), not the file unread
            self.not_code.append(file.path)
        elif not_read:
            problem = Problem(file.path, outcome.unread)
            if problem not in self.unread:  # once per file, not once per window
                self.unread.append(problem)
        text = (_shift_line(outcome.warning, piece.first_line - 1)
                if outcome.warning and not file.guessed else None)  # fmt: skip
        if outcome.warning and file.guessed and not not_read:
            self.guessed_errors.append(file.path)
        warning = Problem(file.path, text, partial=False) if text else None
        if warning and file.path not in self.warned:  # the first per file, not one per window
            self.warned.add(file.path)
            self.warnings.append(warning)
        if outcome.fragments:
            self.file_hashes[file.path] = piece.whole
            if file.path not in self.excerpts:  # a windowed file: decoded once, not per window
                self.excerpts[file.path] = file.data.decode("utf-8", errors="replace")
            skip = self.token_offset.get(file.path, 0)
            self.fragments.extend(_placed(f, file.path, piece, skip) for f in outcome.fragments)
        shift = piece.first_line - 1
        for f in outcome.functions:  # placed, and its private file named (not by ``combine``,
            private = context.index.files[f.private_file]  # in the tail that runs alone)
            self.functions.append(replaced(
                f, candidate_path=file.path, private_repo=private.repo,
                private_path=private.path,
                candidate_lines=(f.candidate_lines[0] + shift, f.candidate_lines[1] + shift),
            ))  # fmt: skip
        self.idioms += outcome.idioms
        for number in ({f.private_file for f in (*outcome.fragments, *outcome.functions)}
                       - self.named):  # fmt: skip
            self.named.add(number)  # the file's details read from the store now, while the
            context.index.files[number]  # workers work, not by ``combine`` in the tail
        if piece.windowed:
            self.token_offset[file.path] = self.token_offset.get(file.path, 0) + outcome.tokens
        self.files += (not piece.windowed or piece.first_line == 1) and not not_read
        self.discounts.add(outcome.discounts)
        self.lines += outcome.lines
        self.tokens += outcome.tokens

    def finish(self) -> CandidateResult:
        """The candidate combined and judged, once every outcome of its files is in."""
        context, candidate = self.context, self.candidate
        match = combine(self.fragments, context.index, self.discounts, self.files, self.lines,
                        self.tokens, self.functions, self.idioms,
                        context.thresholds.structural_min_events)  # fmt: skip
        verdict, checks, reasons = decide(match, context.thresholds)
        verdict, reasons = coverage(verdict, reasons,
                                    [*candidate.problems, *self.stopped, *self.unread])  # fmt: skip
        gaps = [Problem("", gap) for gap in context.store_gaps]
        if gaps and verdict is not Verdict.DERIVATIVE:  # not read against all of the private code
            reasons = [f"incomplete: {context.store_gaps[0]}", *reasons]
            verdict = Verdict.INCOMPLETE
        pin = getattr(candidate, "pin", None)
        if (match.pairs or match.functions) and verdict is not Verdict.CLEAR and callable(pin):
            pin()  # a request per candidate with evidence, whose links name the commit
        return CandidateResult(
            target=candidate.target,
            verdict=verdict,
            match=match,
            checks=checks,
            reasons=reasons,
            problems=[
                *candidate.problems,
                *guessed_lines(self.not_code, self.guessed_errors),
                *self.stopped,
                *self.windowed,
                *self.unread,
                *self.warnings,
                *gaps,
            ],
            seconds=time.perf_counter() - self.started,
            kind=candidate.kind,
            revision=candidate.revision,
            fetched_at=self.fetched_at,
            scanned_at=now(),
            file_hashes=self.file_hashes,
            excerpts=self.excerpts,
            history={
                p: h for p, h in getattr(candidate, "history", {}).items() if p in self.file_hashes
            },
        )


def coverage(verdict: Verdict, reasons: list[str],
             problems: list[Problem]) -> tuple[Verdict, list[str]]:  # fmt: skip
    """The verdict once what could not be read is taken into account.

    ``clear`` means "read all of it and found nothing": a candidate with anything unread is
    ``incomplete`` instead (and so is a ``review``, whose evidence is then partial too). A
    ``derivative`` stays one, since its evidence stands; its reasons still say what was not read.
    """
    unread = [p for p in problems if p.partial]
    if not unread:
        return verdict, reasons
    whole = next((p for p in unread if not p.path), None)
    if whole is not None and len(unread) == 1:
        summary = f"incomplete: the target could not be read ({whole.message})"
    else:
        first = unread[0]
        summary = (f"incomplete: {len(unread):,} file(s) or entries that can hold code were not "
                   f"read (first: {first.path or 'the target'}: {first.message})")  # fmt: skip
    if verdict is Verdict.DERIVATIVE:
        return verdict, [*reasons, summary]
    return Verdict.INCOMPLETE, [summary, *reasons]


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
