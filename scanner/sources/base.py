"""The protocol every candidate source follows.

A source yields ``CandidateFile``s (a path relative to the candidate's root and its bytes). A file
it cannot use is recorded as a ``Problem`` and skipped; a candidate with problems is *partial*,
and its report says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol

from fingerprints import DEFAULT_PARSE_MEMORY, DEFAULT_PARSE_SECONDS, LeaktraceError, ParseLimits
from scanner.redaction import hide_userinfo

if TYPE_CHECKING:
    #: A candidate's file: a path relative to the candidate root, its bytes and language.
    from fingerprints import SourceFile as CandidateFile


def __getattr__(name: str) -> Any:
    """``CandidateFile`` (``fingerprints.SourceFile``), imported on first use: its module brings
    numpy and the fingerprinting modules, which ``Limits`` alone (the config) does not need, so
    ``fingerprint`` starts its parsers before importing them."""
    if name == "CandidateFile":
        from fingerprints import SourceFile

        globals()[name] = SourceFile
        return SourceFile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One file (or the whole candidate, path "") that could not be used, and why.

    ``partial`` is false for what is worth a line but loses no evidence (an empty file).
    ``message`` is kept without the userinfo of any URL in it (``hide_userinfo``): every problem
    is shown, reported and stored, so a password typed in a URL goes no further than here.
    """

    path: str
    message: str
    partial: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", hide_userinfo(self.message))


EMPTY = "empty file"


def first_few(names: list[str], shown: int = 3) -> str:
    """The first ``shown`` names, and how many more: ``a, b, c and 1,021 more``."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more:,} more" if more > 0 else "")


def problem(path: str, message: str) -> Problem:
    """A problem line; an empty file is reported but does not make the candidate partial."""
    return Problem(path, message, partial=message != EMPTY)


class Lines(Protocol):
    """Where lines go: a candidate's problem list, or a ``Capped`` one."""

    def append(self, found: Problem, /) -> None: ...


MAX_LINES = 20
"""Lines one file gives about one kind of thing it holds (a map about its embedded sources, a
file about its inline maps, a notebook about its cells); past them one line counts the rest
(36,000 inline maps that were no maps in a 1 MB bundle gave 36,000 lines; 10 MB of them a 117 MB
JSON report and 547 MB of peak memory)."""


class Capped:
    """The first ``MAX_LINES`` lines appended, passed on to ``problems``; the rest counted, and
    one line saying how many once ``close``d (not read, if any of them was)."""

    def __init__(self, problems: Lines, path: str, what: str) -> None:
        self.problems, self.path, self.what = problems, path, what
        self.shown = self.more = 0
        self.partial = False

    def append(self, found: Problem, /) -> None:
        if self.shown < MAX_LINES:
            self.problems.append(found)
            self.shown += 1
        else:
            self.more += 1
            self.partial = self.partial or found.partial

    def close(self) -> None:
        if self.more:
            self.problems.append(Problem(self.path, f"{self.more:,} more lines about {self.what} "
                                         f"not shown (the first {MAX_LINES} are)",
                                         self.partial))  # fmt: skip
            self.more = 0


@dataclass
class Limits:
    """Caps that keep a hostile or huge candidate from exhausting the machine.

    None of them makes a candidate ``clear`` by leaving something out: what a cap stops is a
    problem line, and the candidate is ``incomplete``. Settable in the config file
    (``[limits]``) and on the command line.
    """

    max_file_bytes: int = 1024 * 1024
    """The most one parse sees: a larger file is scanned in windows of this size. A parse holds
    about 250 bytes of memory per byte of dense code (tree, tokens, hashes): 1 MiB keeps one
    window near 250 MB, 4 MiB would pass 1 GB."""
    max_read_bytes: int = 256 * 1024 * 1024
    """The largest single file read at all (a 60 MB source map is a real leak)."""
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    """Bytes actually read from one candidate, across every nested carrier."""
    max_files: int = 200_000
    """Entries (files, folders, links) of one candidate, across every nested carrier."""
    max_depth: int = 3
    """Carriers inside carriers: an archive in a folder is 1 deep, a layer in an image 2."""
    max_ratio: int = 200
    """Largest uncompressed/compressed ratio a zip entry over 1 MiB may have (bombs: ~1000)."""
    max_parse_seconds: int = DEFAULT_PARSE_SECONDS
    """Time one parse (a file, or one window of a large one) may take in its parser process."""
    max_parse_memory: int = DEFAULT_PARSE_MEMORY
    """Bytes of memory one parse may add to its parser process."""

    def parse_limits(self) -> ParseLimits:
        return ParseLimits(self.max_parse_seconds, self.max_parse_memory)


class Unreadable:
    """A target that could not be opened at all (a failed download, a missing path, a target of
    no known kind): no files and one problem, so its verdict is ``incomplete``, the same way for
    every kind of target."""

    revision = None

    def __init__(self, target: str, kind: str, message: str, *more: str) -> None:
        self.target = target
        self.kind = kind
        self.problems = [problem("", text) for text in (message, *more)]

    def iter_files(self) -> Iterator[CandidateFile]:
        return iter(())


class Candidate(Protocol):
    """One thing that gets its own verdict.

    ``kind`` says what it is (folder, archive, git, ...); ``revision`` pins the exact content
    scanned (a commit, a version, an archive's SHA-256), known once its files have been read.
    """

    target: str
    kind: str
    problems: list[Problem]

    @property
    def revision(self) -> str | None: ...

    def iter_files(self) -> Iterator[CandidateFile]: ...


READ_BLOCK = 1 << 20
"""``read_at_most`` reads this much at a time."""


def read_at_most(stream: IO[bytes], size: int) -> bytes:
    """At most ``size`` bytes of ``stream`` (all of it when it holds fewer), read
    ``READ_BLOCK`` bytes at a time: one ``read(size)`` of a buffered stream made a buffer of
    ``size`` bytes first, and every file is read with ``size`` past its cap (256 MiB): a mapping
    made and undone per file, however small (1,417 files of 68 npm packages: 0.14-0.18 s of
    the scan's CPU in the process that reads them, 0.09-0.11 s in blocks)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        block = stream.read(min(READ_BLOCK, size - got))
        if not block:
            break
        parts.append(block)
        got += len(block)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_through(candidate: Candidate, problems: list[Problem]) -> Iterator[CandidateFile]:
    """``candidate.iter_files()``, where an error nothing below caught (one that no member's or
    file's read names) ends only this candidate: one line in ``problems``, so it is
    ``incomplete``, and the run goes on to the next. leaktrace's own errors keep their meaning
    (a store that cannot be used stops the run, a refused fetch makes the target unreadable),
    and ``MemoryError`` and ``KeyboardInterrupt`` are never caught."""
    try:
        yield from candidate.iter_files()
    except (LeaktraceError, MemoryError):
        raise
    except Exception as exc:
        problems.append(problem("", f"reading stopped ({_error(exc)}); the rest is not read"))


def unexpected(exc: Exception) -> str:
    """The line for what reading one hostile input raised that no library documents (a
    KeyError, a struct error, a RuntimeError such as zipfile's): that input's unread line,
    never the run's internal error. ``MemoryError`` is never caught as one (it says nothing of
    the input), nor is ``KeyboardInterrupt``, which is no ``Exception``."""
    return f"not read ({_error(exc)})"


def _error(exc: Exception) -> str:
    """An exception on one line: its type and its message."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split()) or 'no message'}"


def unique_name(name: str, seen: dict[str, int]) -> str:
    """Entries that share a name in one archive or source map are told apart: ``a.py``,
    ``a.py#2``, ..."""
    count = seen.get(name, 0) + 1
    seen[name] = count
    return name if count == 1 else f"{name}#{count}"
