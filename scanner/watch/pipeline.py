"""Reading and parsing ahead of the scan, so that ``watch`` keeps its parsers busy.

About four fifths of a publication's CPU is the parse of its files in the isolated parser
process; the rest (fetching, k-grams, lookup, matching, the verdict and the commit) is Python
work in the watch's process. ``ReadAhead`` runs the parse of the next publications while the
watch's thread judges the current one: each publication in the prefetch window gets one of
``--jobs`` threads (each with a parser process of its own), which reads its files (decompresses
the tarball, fetches the blobs) and has each parsed, handing them over in order through a
bounded ``FileStream``. The watch's thread scans the publication with ``scan_candidate`` as
before: ``Prepared`` gives it the files as they were read, and the ``Parsed`` runner judges each
from the tokens its parse gave (``scan.scan_tokens``); a file that was not parsed ahead (a
window of a large file, content the memo held when it was read) is scanned as ``scan_file``
always does. So the verdicts, the order of the commits and the checkpoints are those of a
serial watch; only the reading and the parse ran elsewhere, earlier.

The index, the store and the memo are used by the watch's thread alone (the read-ahead threads
only look at the memo, to skip the parse of content already done).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from fingerprints import ParseFailure, TokenStream, isolated_tokenize, start_parser
from scanner.lane_limits import LANE_AFTER, LANE_BYTES
from scanner.runners import Ready
from scanner.scan import Memo, ScanContext, scan_tokens
from scanner.sources import CandidateFile
from scanner.watch.feeds import Opened
from scanner.watch.lane import Slow, ToLane

Parse = TokenStream | ParseFailure | None
"""What a file's parse ahead gave: its tokens, why the parser could not read it, or None (not
parsed ahead: the scan does it)."""


class Ahead:
    """One content's parse ahead, made by the reading thread that met it first and shared with
    any other publication in the window that ships the same content: whichever of them is
    scanned first judges it from these tokens, so the content is parsed once whatever the order
    the reading threads met it in. The tokens are let go once the publication that parsed them
    was scanned (the memo holds its outcome from then on): ``FileStream.cancel``."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._parse: Parse = None

    def set(self, parse: Parse) -> None:
        self._parse = parse
        self._done.set()

    def take(self) -> Parse:
        """For the publication that parsed it: the parse, let go here."""
        self._done.wait()
        parse, self._parse = self._parse, None
        return parse

    def share(self) -> Parse:
        """For another publication: the parse, or None once it was let go (the memo has it)."""
        self._done.wait()  # the reading thread parses right after claiming: it never waits
        return self._parse


class Copy:
    """Another publication's ``Ahead``, seen from a publication that ships the same content."""

    def __init__(self, ahead: Ahead) -> None:
        self.ahead = ahead

    def take(self) -> Parse:
        return self.ahead.share()


Handle = Ahead | Copy | None
"""What the reading thread hands over beside a file: its parse to come, or None (the scan
parses it, or takes its outcome from the memo)."""

STREAM_FILES = 64
STREAM_BYTES = 2 * 1024 * 1024
"""At most this many files (and bytes of them, past the first) wait between the reading thread
and the scan: a large publication waits for the scan instead of filling memory (a parsed file's
tokens take about 13 times its bytes: 2 MiB of files waiting hold some 26 MiB of tokens)."""
RECENT = 4096
"""Contents parsed ahead that are not parsed ahead again (a new version re-shipping a file of
the one before, both in the window): the publication scanned first takes the tokens of the one
parse (``Ahead``), and its scan puts the outcome in the memo for the other."""


class FileStream:
    """One publication's files, from the thread reading them to the thread scanning them."""

    def __init__(self, max_files: int = STREAM_FILES, max_bytes: int = STREAM_BYTES) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._items: deque[tuple[CandidateFile, Handle, str | None]] = deque()
        self._bytes = 0
        self._ended = False
        self._error: BaseException | None = None
        self._cancelled = False
        self._owned: list[Ahead] = []  # parses made for this stream, let go when it is done
        self._changed = threading.Condition()
        self.waited = 0.0  # seconds the reading thread waited for the scan (``put``)

    def put(self, file: CandidateFile, parse: Handle, digest: str | None = None) -> bool:
        """Hand one file over (waits while the stream is full), with its SHA-256 (hex) when it
        was worked out; False once nobody reads it."""
        with self._changed:
            began = time.monotonic()
            while not self._cancelled and self._full(len(file.data)):
                self._changed.wait()
            self.waited += time.monotonic() - began
            if isinstance(parse, Ahead):
                self._owned.append(parse)
            if self._cancelled:
                self._let_go()
                return False
            self._items.append((file, parse, digest))
            self._bytes += len(file.data)
            self._changed.notify_all()
            return True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _full(self, size: int) -> bool:
        return bool(self._items) and (len(self._items) >= self.max_files
                                      or self._bytes + size > self.max_bytes)  # fmt: skip

    def end(self, error: BaseException | None = None) -> None:
        """No more files; ``error``: why reading stopped (raised to the scan)."""
        with self._changed:
            self._ended, self._error = True, error
            self._changed.notify_all()

    def cancel(self) -> None:
        """Nobody will read the rest (the scan is done, or the watch stops): the reading thread
        stops at once, and the parses made for this stream are let go, whether the scan took
        them or not (a file whose outcome came from the memo, a publication with no unread
        version): another publication sharing one finds the outcome in the memo."""
        with self._changed:
            self._cancelled = True
            self._items.clear()
            self._let_go()
            self._changed.notify_all()

    def _let_go(self) -> None:
        for ahead in self._owned:
            ahead.take()
        self._owned.clear()

    def __iter__(self) -> Iterator[tuple[CandidateFile, Handle, str | None]]:
        while True:
            with self._changed:
                while not self._items and not self._ended:
                    self._changed.wait()
                if not self._items:
                    if self._error is not None:
                        raise self._error
                    return
                item = self._items.popleft()
                self._bytes -= len(item[0].data)
                self._changed.notify_all()
            yield item


class Prepared:
    """A candidate whose files were read (and parsed) ahead: everything but ``iter_files`` is
    the candidate's own (its problems, complete once the files are)."""

    def __init__(self, candidate: Any, stream: FileStream, bound: float | None = None) -> None:
        """``bound``: seconds its scan may take before it goes to the big lane (``ToLane``)."""
        self._candidate = candidate
        self._stream = stream
        self._bound = bound
        self.parsed: dict[int, tuple[CandidateFile, Ahead | Copy]] = {}
        self._digests: dict[int, tuple[CandidateFile, str]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._candidate, name)

    def iter_files(self) -> Iterator[CandidateFile]:
        started = time.monotonic()
        for file, parse, digest in self._stream:
            if self._bound is not None and time.monotonic() - started > self._bound:
                raise Slow(f"still being judged after {self._bound:g} s")
            if parse is not None:
                self.parsed[id(file)] = (file, parse)
            if digest is not None:
                self._digests[id(file)] = (file, digest)
            yield file

    def digest(self, file: CandidateFile) -> str | None:
        """The SHA-256 (hex) of ``file``'s bytes the reading thread worked out for the memo, so
        that the scan does not hash them again (``scan_candidate``'s ``digests``); None for a
        file it did not hash. Asked once per file, as the scan meets it."""
        found = self._digests.pop(id(file), None)
        return found[1] if found is not None and found[0] is file else None


class Parsed:
    """A runner (``scanner.runners``) for a ``Prepared`` candidate, in this thread: a file
    parsed ahead is judged from its tokens, any other is scanned by ``fn`` (``scan_file``)."""

    workers = 1

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared

    def map(self, fn: Callable[..., Any], items: Iterable[Any],
            context: Any = None) -> Iterator[Any]:  # fmt: skip
        for item in items:
            if isinstance(item, Ready):
                yield item.value
                continue
            found = self.prepared.parsed.pop(id(item), None)
            parse = found[1].take() if found is not None and found[0] is item else None
            if parse is not None:
                yield scan_tokens(item, parse, context)
            else:
                yield fn(item, context)

    def close(self) -> None:
        pass


class ReadAhead:
    """``jobs`` threads, each with its own isolated parser process, reading and parsing the
    publications handed to ``submit`` in that order."""

    def __init__(self, context: ScanContext, jobs: int, memo: Callable[[], Memo],
                 lane_bytes: int = LANE_BYTES, lane_after: float = LANE_AFTER) -> None:  # fmt: skip
        self.context = context
        self.memo = memo
        self.lane_bytes = lane_bytes
        self.lane_after = lane_after
        limits = context.parse_limits
        self._pool = ThreadPoolExecutor(
            max(1, jobs),
            thread_name_prefix="watch-parse",
            initializer=(lambda: start_parser(limits)) if limits is not None else None,
        )
        self._streams: set[FileStream] = set()
        self._recent: OrderedDict[tuple[str, str], Ahead] = OrderedDict()  # parsed ahead lately
        self._lock = threading.Lock()

    def submit(self, opened: Future[Opened]) -> FileStream:
        stream = FileStream()
        self._streams.add(stream)
        self._pool.submit(self._read, opened, stream)
        return stream

    def done(self, stream: FileStream) -> None:
        """The scan read ``stream`` to its end (or gave it up)."""
        stream.cancel()
        self._streams.discard(stream)

    def close(self) -> None:
        for stream in list(self._streams):
            self.done(stream)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _read(self, opened: Future[Opened], stream: FileStream) -> None:
        """Read the publications in the window's order (the scan's thread waits for the oldest
        one's files), each once it is fetched; one whose fetch is handed to the big lane
        (its stream cancelled) is no longer waited for."""
        while not opened.done():
            if stream.cancelled:
                return
            wait([opened], timeout=0.2)
        try:
            candidate = opened.result().candidate
        except BaseException:  # the scan's thread takes the error from the future itself
            candidate = None
        if candidate is None:
            stream.end()
            return
        seen: set[tuple[str, str]] = set()
        started, read = time.monotonic(), 0
        try:
            for file in candidate.iter_files():
                read += len(file.data)
                if read > self.lane_bytes:  # found while reading: the lane reads it all
                    stream.end(ToLane(f"over {self.lane_bytes:,} bytes of files"))
                    return
                if time.monotonic() - started - stream.waited > self.lane_after:
                    stream.end(Slow(f"still being read after {self.lane_after:g} s"))
                    return
                digest = hashlib.sha256(file.data).hexdigest()  # once: the scan is handed it
                if not stream.put(file, self._parse(file, seen, digest), digest):
                    return
        except BaseException as exc:  # a blob that cannot be fetched: the scan hears of it
            stream.end(exc)
            return
        stream.end()

    def _claim(self, key: tuple[str, str]) -> tuple[Ahead, bool]:
        """``key``'s parse ahead, and whether this thread makes it (no thread did lately)."""
        with self._lock:
            ahead = self._recent.get(key)
            if ahead is not None:
                return ahead, False
            ahead = self._recent[key] = Ahead()
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
            return ahead, True

    def _parse(self, file: CandidateFile, seen: set[tuple[str, str]],
               digest: str | None = None) -> Handle:  # fmt: skip
        """``file``'s parse ahead (``digest``: the SHA-256 of its bytes, if worked out)."""
        limits = self.context.parse_limits
        if limits is None or len(file.data) > self.context.window_bytes:
            return None  # parsed in this process, or in windows: the scan does it
        key = (digest or hashlib.sha256(file.data).hexdigest(), file.language)
        if key in seen or key in self.memo():
            return None  # twice in this publication, or done: the scan takes it from the memo
        seen.add(key)
        ahead, mine = self._claim(key)
        if not mine:  # another publication in the window ships it: one parse for both
            return Copy(ahead)
        parse: Parse = None
        try:
            parse = isolated_tokenize(file.data, file.language, limits)
        except ParseFailure as failure:
            parse = failure
        except Exception:  # anything else: the scan parses it again and meets it there
            parse = None
        finally:
            ahead.set(parse)  # before anything that can wait: a Copy may be waiting for it
        return ahead
