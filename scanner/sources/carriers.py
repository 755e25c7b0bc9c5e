"""Carriers: what a file's bytes hold, opened by what they are (magic bytes), not by their name.

Leaks travel inside other things: a wheel or a jar is a zip, a ``.gem`` is a tar of tars, a
``.deb`` is an ar archive of tarballs, a ``docker save`` image is a tar of layer tars, an OCI
layout keeps its layers as nameless gzip blobs, a notebook is JSON with code cells, a source map
embeds whole files, a script may say its language only on its ``#!`` line. Each is opened here,
recursively, and each file found inside is named by the path that leads to it, one ``!/`` per
carrier: ``image.tar!/blobs/sha256/ab12…!/app/ledger.py``, ``report.ipynb!/cell-4.py``.

Bounds, all counted across the whole nest of one candidate (``Limits``):

- ``max_depth`` carriers inside carriers (a folder or the candidate's own archive is level 0);
  a deeper one is not opened and the candidate is incomplete;
- ``max_files`` entries of any kind, ``max_total_bytes`` of bytes *actually read* (a refused
  entry costs nothing, so it cannot hide the entries after it);
- ``max_read_bytes`` for one file; a larger one is not read (and said so). Files larger than
  ``max_file_bytes`` are read and then scanned in windows of that size (see ``scan``).

Nothing is ever extracted to disk: archives are read as streams, entry by entry; a zip inside
another carrier (zip needs random access) is copied into a spooled temporary file first. Links,
devices and FIFOs inside archives are never read (they hold no content of their own).
"""

from __future__ import annotations

import bz2
import contextlib
import dataclasses
import gzip
import importlib.util
import io
import json
import lzma
import os
import posixpath
import stat
import struct
import sys
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath
from typing import IO, Any

from fingerprints import (
    MARKUP_SUFFIXES,
    VCS_DIRS,
    BinaryContent,
    MarkdownTooCostly,
    by_language,
    carried_name,
    cell_texts,
    code_blocks,
    decode_source,
    extension_for_language,
    json_texts,
    language_for_backup,
    language_for_path,
    language_for_shebang,
    language_for_text,
    markup_scripts,
    may_be_unnamed_code,
    notebook_cells,
    notebook_extension,
    notebook_widgets,
    output_texts,
    printable,
    raw_cell,
    without_magics,
)
from scanner.sources.base import (
    EMPTY,
    CandidateFile,
    Capped,
    Limits,
    Problem,
    first_few,
    problem,
    read_at_most,
    unexpected,
    unique_name,
)
from scanner.sources.jsoncost import TooCostly, loads_within, named_twice
from scanner.sources.sourcemap import (
    SEPARATOR,
    MapObserver,
    OtherReader,
    expand_inline_maps,
    expand_source_map,
    is_source_map,
    without_xssi,
)

HEAD = 512
SNIFF_BYTES = 8192
"""What of a file whose name tells nothing is looked at to tell whether it is code."""
COMPRESSED = ("gzip", "xz", "bzip2", "zstd", "brotli")
_SPOOL_IN_MEMORY = 64 * 1024 * 1024
_MAX_COMPRESSION_LAYERS = 4
_COMPRESSED_SUFFIXES = {".gz": "", ".tgz": ".tar", ".xz": "", ".txz": ".tar", ".bz2": "",
                        ".tbz2": ".tar", ".tbz": ".tar", ".zst": "", ".tzst": ".tar",
                        ".crate": ".tar", ".br": ""}  # fmt: skip
#: Names worth downloading from a remote tree to look inside (remote sources cannot sniff bytes
#: they have not fetched); local files are recognised by content whatever their name.
CARRIER_SUFFIXES = (
    ".zip", ".whl", ".egg", ".jar", ".war", ".ear", ".aar", ".apk", ".nupkg", ".vsix", ".crx",
    ".xpi", ".gem", ".crate", ".tar", ".tgz", ".gz", ".txz", ".xz", ".tbz", ".tbz2", ".bz2",
    ".zst", ".tzst", ".br", ".ipynb", ".map", ".deb", ".udeb", ".ipk",
    ".vue", ".svelte",  # their <script> blocks (pages are not: see MARKUP_SUFFIXES)
    ".7z", ".rar", ".rpm", ".cpio", ".lz4", ".lz", ".cab",  # listed unread
)  # fmt: skip


def might_be_carrier(name: str) -> bool:
    return name.lower().endswith(CARRIER_SUFFIXES)


def sniff(head: bytes, name: str = "") -> str | None:
    """What kind of carrier starts with ``head``: zip, tar, ar, gzip, xz, bzip2, zstd, notebook,
    sourcemap, ``brotli`` (by its name ``.br``: it has no magic bytes), ``stylesheet`` (a
    ``.css`` file, for the maps it carries inline), ``markup`` (a page or a
    component, by its name: its ``<script>`` blocks are code), ``markdown`` (its fenced code
    blocks, by its name), ``json`` (any other JSON object:
    a map or a notebook under another name, told by what it holds), ``unopened`` (an archive
    format leaktrace does not open: ``unopened_format``),
    ``script`` (a ``#!`` line naming a language's interpreter, whatever the file's name: read as
    that language); or None for anything else (plain text, images, binaries)."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"Cr24"):
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return "bzip2"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if head[257:262] == b"ustar" or _old_tar_header(head):
        return "tar"
    if head.startswith(AR_MAGIC):
        return "ar"
    if unopened_format(head) is not None:
        return "unopened"
    if language_for_shebang(head) is not None:
        return "script"
    lower = name.lower()
    stripped = as_utf8(head).removeprefix(b"\xef\xbb\xbf").lstrip()
    if lower.endswith(".ipynb") and stripped.startswith(b"{"):
        return "notebook"
    if lower.endswith(MARKUP_SUFFIXES):
        return "markup"
    if lower.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if lower.endswith(".br"):  # brotli has no magic bytes: a precompressed asset, by its name
        return "brotli"
    if lower.endswith(".css"):  # its inline source map (``/*# sourceMappingURL=data:...*/``)
        return "stylesheet"
    mapped = without_xssi(stripped).lstrip()  # a map may start with the spec's ``)]}'`` line
    if is_source_map(lower) and mapped[:1] in (b"{", b"["):  # a JSON array is a bad map
        return "sourcemap"
    if mapped.startswith(b"{") and b'"version"' in head and b'"mappings"' in head:
        return "sourcemap"
    if mapped.startswith(b"{"):
        return "json"
    return None


def as_utf8(data: bytes) -> bytes:
    """JSON in UTF-16 or UTF-32 (by its BOM, or the NULs around its first ASCII characters, as
    ``json`` tells it: RFC 4627 allows them) re-encoded in UTF-8, so that its first bytes and
    its keys read as they do in UTF-8; any other bytes as they are. What does not decode is
    replaced (a head of 512 bytes may cut a character)."""
    encoding = json.detect_encoding(data)
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    return data.decode(encoding, "replace").encode("utf-8", "surrogatepass")


MARKDOWN_SUFFIXES = (".md", ".markdown")
"""Markdown pages, read for their code blocks (``code_blocks``) where their bytes are at hand
(folders, archives, packages), but not named in ``CARRIER_SUFFIXES``: a remote tree's READMEs
are not fetched for it (a fork network's 200 READMEs would be 200 more downloads)."""


_UNOPENED: tuple[tuple[bytes, str], ...] = (
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"070701", "cpio archive"), (b"070702", "cpio archive"), (b"070707", "cpio archive"),
    (b"\xed\xab\xee\xdb", "RPM package"),
    (b"\x04\x22\x4d\x18", "lz4 compressed data"), (b"\x02\x21\x4c\x18", "lz4 compressed data"),
    (b"LZIP", "lzip compressed data"),
    (b"\x1f\x9d", "compress (.Z) data"),
    (b"MSCF\0\0\0\0", "Microsoft cabinet"),
    (b"xar!", "xar archive (a macOS .pkg)"),
    (b"hsqs", "squashfs image"),
)  # fmt: skip
"""Archive and compression formats recognised by their magic bytes (file(1)'s) that leaktrace
does not open: each is one unread line wherever it is met, whatever its name, so what it holds
never passes for ``clear``. Images, fonts, executables and other binaries are no carriers and
are passed over as before."""


def unopened_format(head: bytes) -> str | None:
    """What archive or compression format leaktrace does not open ``head`` starts, or None."""
    return next((what for magic, what in _UNOPENED if head.startswith(magic)), None)


def _old_tar_header(head: bytes) -> bool:
    """A pre-POSIX tar header: no magic, so its checksum is what proves it."""
    if len(head) < 512 or head[:1] == b"\0":
        return False
    try:
        tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


AR_MAGIC = b"!<arch>\n"
_AR_HEADER = 60
MAX_LONG_NAME = 64 * 1024
"""Largest GNU long-name or long-link header read (PATH_MAX is 4,096 bytes)."""
_AR_TABLES = {b"/": "[ar symbol table]", b"/SYM64/": "[ar symbol table]",
              b"__.SYMDEF": "[ar symbol table]", b"__.SYMDEF SORTED": "[ar symbol table]",
              b"//": "[ar long-name table]"}  # fmt: skip
"""The ar members that name no file (ar(5)), by the names they are shown under."""
MAX_PAX_HEADER = 1024 * 1024
"""Largest PAX extended header read (names, times and a few attributes)."""


class HeaderTooLarge(tarfile.HeaderError):
    """A tar header that declares more bytes than any real one needs."""


class _Skipped:
    """The blocks a tar read as ``ignore_zeros`` passes over where a header should be: each
    counted against the candidate's byte budget (``count``: gigabytes of zeros after the end
    compress to nothing), those that are not zeros (a damaged header, the data of its member,
    other bytes) kept as ``junk``."""

    def __init__(self, count: Any) -> None:
        self.count = count
        self.junk = 0


SKIPPED = ("{:,} bytes that are no tar member (a damaged header and what follows it up to the "
           "next one); skipped")  # fmt: skip


class _BoundedTarInfo(tarfile.TarInfo):
    """tarfile reads a long-name or PAX header whole into memory, whatever size it declares (a
    400 MB long name in a 411 KB .tar.gz): these refuse sizes past the caps before reading.
    Each header block read is counted against the byte budget, and what is passed over is kept
    (``_Skipped``, set on the archive as ``leaktrace_skipped``)."""

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        skipped: _Skipped | None = getattr(tarfile_, "leaktrace_skipped", None)
        if skipped is not None:
            skipped.count(tarfile.BLOCKSIZE)
        try:
            return super().fromtarfile(tarfile_)
        except tarfile.InvalidHeaderError:
            if skipped is not None:
                skipped.junk += tarfile.BLOCKSIZE
            raise

    def _proc_gnulong(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        if self.size > MAX_LONG_NAME:
            raise HeaderTooLarge(f"a long-name header of {self.size:,} bytes (over "
                                 f"{MAX_LONG_NAME:,}); the rest is not read")  # fmt: skip
        return super()._proc_gnulong(tarfile_)  # type: ignore[misc]

    def _proc_pax(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        if self.size > MAX_PAX_HEADER:
            raise HeaderTooLarge(f"a PAX header of {self.size:,} bytes (over "
                                 f"{MAX_PAX_HEADER:,}); the rest is not read")  # fmt: skip
        return super()._proc_pax(tarfile_)  # type: ignore[misc]


class _Stop(Exception):
    """A whole-candidate cap was reached: the rest is not read."""


class _Chain(io.RawIOBase):
    """A read-only stream that gives back ``head`` before the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def _reader(stream: IO[bytes]) -> IO[bytes]:
    if isinstance(stream, io.BytesIO):
        return stream  # in memory: read as it is, with no buffer in between
    return io.BufferedReader(stream if isinstance(stream, io.RawIOBase) else _Raw(stream))


def _rewound(head: bytes, stream: IO[bytes]) -> IO[bytes]:
    """``stream`` from before ``head`` was read off it: moved back when it is in memory,
    else chained."""
    if isinstance(stream, io.BytesIO):
        stream.seek(-len(head), io.SEEK_CUR)
        return stream
    return _Chain(head, stream)


_CARRIER_KEYS = (b'"sourcesContent"', b'"nbformat"')
_ESCAPE = b"\\u"
_WORDS = tuple(
    word.decode().encode(encoding)
    for word in (*_CARRIER_KEYS, _ESCAPE)
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
"""The keys and the escape in every encoding JSON may come in: what a JSON file too large to
hold is searched for, read in chunks (``_names_a_carrier_key``)."""
"""A JSON ``\\u`` escape: a key may be spelled with them (``"\\u006ebformat"``), which the bytes
of ``_CARRIER_KEYS`` would not find."""


def _json_kind(data: bytes, memory: int) -> str:
    """What a JSON file is by what it holds: ``sourcemap``, ``json-notebook`` or ``""``. Its
    keys are looked for as bytes, and where it holds a ``\\u`` escape (a key may be spelled
    with them) as the decoded object's keys too, parsed within ``memory`` bytes (else
    ``TooCostly``: what it is cannot be told)."""
    if _CARRIER_KEYS[0] in data:
        return "sourcemap"
    if _CARRIER_KEYS[1] in data:
        return "json-notebook"
    if _ESCAPE in data:
        try:
            value = loads_within(data, memory)
        except TooCostly:  # a ValueError, but not one that says it is no map
            raise
        except (ValueError, UnicodeDecodeError, RecursionError):
            return ""
        if isinstance(value, dict) and "sourcesContent" in value:
            return "sourcemap"
        if isinstance(value, dict) and "nbformat" in value:
            return "json-notebook"
    return ""


"""What a JSON object must name to be read as a source map or a notebook (by its content)."""
_CHUNK = 1024 * 1024

INFLATE_WHOLE = 16 * 1024 * 1024
"""A gzip stream held in memory (a downloaded package) that decompresses to at most this many
bytes is decompressed in one call rather than read through stacked stream readers (a 16 KB npm
tarball: 0.2 ms against about 1 ms); a larger one is read as a stream, as any other."""


def _inflated(kind: str, head: bytes, stream: IO[bytes]) -> bytes | None:
    """The content of a gzip stream in memory, of one member and nothing after it, that
    decompresses to at most ``INFLATE_WHOLE`` bytes; None for any other (``stream`` is then
    where it was): it is read as a stream, which says what is wrong with damaged data."""
    if kind != "gzip" or not isinstance(stream, io.BytesIO):
        return None
    start = stream.tell()
    size = stream.seek(0, io.SEEK_END) - start + len(head)
    stream.seek(start)
    if size > INFLATE_WHOLE // 4:  # likely to decompress past it: not tried
        return None
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # a gzip header and trailer (CRC, size)
    try:
        whole = inflater.decompress(head + stream.read(), INFLATE_WHOLE + 1)
    except zlib.error:
        whole = None
    if whole is None or len(whole) > INFLATE_WHOLE or not inflater.eof or inflater.unused_data:
        stream.seek(start)  # damaged, cut short, larger, or more after it (another member)
        return None
    return whole


class _Raw(io.RawIOBase):
    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


class _Brotli(io.RawIOBase):
    """A brotli stream decompressed as it is read, never more at a time than is asked for
    (``output_buffer_limit``, brotli 1.2): a bomb is cut by what the reader reads."""

    def __init__(self, stream: IO[bytes]) -> None:
        import brotli  # only when a .br file is met

        self._stream = stream
        self._brotli = brotli.Decompressor()
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._left:
            if self._brotli.is_finished():
                return 0
            data = b""
            if self._brotli.can_accept_more_data():
                data = self._stream.read(1 << 16)
                if not data:
                    raise EOFError("brotli data cut short")
            self._left = self._brotli.process(data, output_buffer_limit=len(view))
        n = min(len(view), len(self._left))
        view[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


class _Bounded(_Raw):
    """The next ``size`` bytes of a stream, as a stream of their own (an ar member)."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        super().__init__(stream)
        self._left = size

    def readinto(self, buffer: Any) -> int:
        read = super().readinto(memoryview(buffer).cast("B")[: self._left])
        self._left -= read
        return read

    def skip_rest(self) -> None:
        """Pass over what the member's reader left unread, to the next header; EOFError if
        the archive ends first (a member cut short)."""
        while self._left and self.read(min(self._left, 1 << 20)):
            pass
        if self._left:
            raise EOFError(f"a member cut short ({self._left:,} bytes missing)")


def _decompressor(kind: str, stream: IO[bytes]) -> IO[bytes]:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if kind == "xz":
        return lzma.LZMAFile(stream, mode="rb")
    if kind == "bzip2":
        return bz2.BZ2File(stream, mode="rb")
    if kind == "brotli":
        return _Brotli(stream)
    import zstandard  # only when a zstd stream is met

    return zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)


def _inner_name(name: str) -> str:
    """``pkg.tar.gz`` -> ``pkg.tar``; ``a.py.gz`` -> ``a.py``; ``blob`` -> ``blob``."""
    lower = name.lower()
    for suffix, replacement in _COMPRESSED_SUFFIXES.items():
        if lower.endswith(suffix):
            return name[: -len(suffix)] + replacement
    return name


MAX_NOTES = 200
"""Notes (lines that lose nothing: links, unsafe names, decoded encodings) one candidate shows:
199,000 links named ``../lN.py`` in a 935 KB .tgz gave 398,000 lines, a 54 MB JSON report and
340 MB of peak memory."""
MORE_NOTES = (f"more notes (links, unsafe names, decoded encodings: nothing of them is lost) "
              f"past the first {MAX_NOTES:,} are not shown")  # fmt: skip


class Unpacker:
    """Opens every carrier of one candidate, sharing the candidate's caps and problem list."""

    def __init__(self, limits: Limits, problems: list[Problem], on_map: MapObserver | None = None,
                 version_control: list[str] | None = None) -> None:  # fmt: skip
        self.limits = limits
        self.problems = problems
        self.on_map = on_map
        """Hears of every source map read (``guard`` audits them)."""
        self.version_control = version_control if version_control is not None else []
        """Version-control folders (``.git/``) met inside archives, each once: a repository's
        history is not read as files (``guard`` reports them)."""
        self.entries = 0
        self._folders: set[str] = set()
        """A folder's subfolders counted (``folder_entry``)."""
        self.bytes_read = 0
        self.stopped = False
        self.skipped = 0
        """Files passed over: no language by name, and neither code nor a carrier by content
        (``skipped_note``)."""
        self.notes = 0
        """Notes given (``_note``)."""
        self.guessed: dict[str, str] = {}
        """Files read in the language their text told (``language_for_text``), by path: a link
        to one of them loses nothing (``_links_to_unread``)."""

    # -- accounting ---------------------------------------------------------------------------

    def _count_entry(self) -> None:
        self.entries += 1
        if self.entries > self.limits.max_files:
            raise _Stop(f"more than {self.limits.max_files:,} entries; the rest is not read")

    def folder_entry(self, path: str) -> bool:
        """Count a folder's entry (``sub/x.py``, ``sub/link``, ``sub/.git/``) and each folder
        above it not met before against ``max_files``, as an archive's entries are; False once
        the cap is passed: the rest is not read, one line says so. A folder is counted with
        every folder above it, so once an entry's parent is counted (the walk yields a folder's
        entries together) no ancestor path is rebuilt."""
        parent = path.rstrip("/").rpartition("/")[0]
        above: set[str] = set()
        if parent and parent not in self._folders:
            parts = parent.split("/")
            above = {"/".join(parts[:at]) for at in range(1, len(parts) + 1)} - self._folders
            self._folders |= above
        try:
            for _ in range(1 + len(above)):
                self._count_entry()
        except _Stop as stop:
            self._stop(stop)
            return False
        return True

    def _stop(self, stop: _Stop) -> None:
        self.stopped = True
        self.problems.append(problem("", str(stop)))

    def _count_bytes(self, size: int) -> None:
        self.bytes_read += size
        if self.bytes_read > self.limits.max_total_bytes:
            raise _Stop(f"more than {self.limits.max_total_bytes:,} bytes read (an archive "
                        "bomb?); the rest is not read")  # fmt: skip

    def _read(
        self, path: str, stream: IO[bytes], head: bytes = b"", json_object: bool = False
    ) -> bytes | None:
        """At most ``max_read_bytes`` of a stream (after ``head``), counted; None if larger.
        Never reads past what is left of the candidate's byte budget. A ``json_object`` (JSON
        told a map or a notebook by what it holds) that is larger is read on in chunks, never
        held: one that names neither ``sourcesContent`` nor ``nbformat`` anywhere is neither,
        as under the cap, and gives ``b""`` and no line (a 4 MB ``package-lock.json``)."""
        cap = self.limits.max_read_bytes
        left = self.limits.max_total_bytes - self.bytes_read
        data = head + read_at_most(stream, max(0, min(cap, left) + 1 - len(head)))
        if len(data) > cap:
            self._count_bytes(len(data))
            if json_object and not self._names_a_carrier_key(data, stream):
                return b""
            self._unread(path, f"larger than max_read_bytes ({cap:,} bytes)")
            return None
        self._count_bytes(len(data))
        return data

    def _names_a_carrier_key(self, data: bytes, stream: IO[bytes]) -> bool:
        """Whether ``data`` and the rest of ``stream`` (read in chunks, counted against the
        candidate's byte budget) name a source map's or a notebook's key, the words a JSON
        object is told one by."""
        overlap = max(map(len, _WORDS)) - 1
        while data:
            if any(word in data for word in _WORDS):
                return True  # an escape may spell a key: not read, so not decided
            more = stream.read(_CHUNK)
            self._count_bytes(len(more))
            data = data[-overlap:] + more if more else b""
        return False

    # -- entry points -------------------------------------------------------------------------

    def top(self, name: str, stream: IO[bytes], plain: bool = False) -> Iterator[CandidateFile]:
        """The files of a candidate that is one file (an archive, an image, a notebook, ...):
        entries of a top-level container are named without a prefix. ``plain``: a file that is
        no carrier by its name or its first bytes (``.gitignore``, ``NOTICE``, a ``.toml``),
        read as a folder's file is: nothing in it to read is no problem (of a file meant as an
        archive it is: corrupt)."""
        with self._reading("", ends=True):
            yield from self._stream(carried_name(name), stream, depth=0, top=True, plain=plain)

    def file(self, path: str, stream: IO[bytes], depth: int = 0) -> Iterator[CandidateFile]:
        """The files held by one file of a folder or a remote tree (itself, if it is source)."""
        if self.stopped:
            return
        with self._reading(path, ends=True):
            yield from self._stream(path, stream, depth)

    def data(self, path: str, data: bytes, depth: int = 0,
             real: str | None = None) -> Iterator[CandidateFile]:  # fmt: skip
        """The files held by one blob. ``real`` is its path where that differs from the name it
        is shown under (a git blob in history only is shown as ``PATH@COMMIT``): what the blob
        is comes from ``real``, and everything found is named under ``path``."""
        if real is None or real == path:
            yield from self.file(path, io.BytesIO(data), depth)
            return
        seen, folders = len(self.problems), len(self.version_control)
        try:
            for found in self.file(real, io.BytesIO(data), depth):
                seen = self._rename(seen, real, path)
                yield dataclasses.replace(found, path=path + found.path[len(real) :])
        finally:
            self._rename(seen, real, path)
            self.version_control[folders:] = [
                path + folder[len(real) :] if folder.startswith(real) else folder
                for folder in self.version_control[folders:]
            ]

    def _rename(self, start: int, real: str, shown: str) -> int:
        """Problems recorded since ``start`` under ``real``, renamed to ``shown``."""
        for i in range(start, len(self.problems)):
            found = self.problems[i]
            if found.path.startswith(real):
                self.problems[i] = dataclasses.replace(found, path=shown + found.path[len(real) :])
        return len(self.problems)

    # -- dispatch -----------------------------------------------------------------------------

    def _stream(self, path: str, stream: IO[bytes], depth: int, top: bool = False,
                layers: int = 0, name: str | None = None, unwrapped: bool = False,
                plain: bool = False) -> Iterator[CandidateFile]:  # fmt: skip
        """Everything readable in one stream. ``path`` names the file where it is stored;
        ``name`` decides what it is when that differs from the path's last part (``a.py#2``,
        the second entry of that name, is still Python); ``unwrapped`` says the stream is the
        decompressed content of ``path`` (``a.py.gz`` holds ``a.py``, named ``a.py.gz!/a.py``
        in the evidence)."""
        name = name or PurePosixPath(path).name
        language = language_for_path(name) or language_for_backup(name)
        head = stream.read(HEAD)
        kind = sniff(head, name)
        if language is None:
            language = language_for_shebang(head) if kind == "script" else None
        elif kind in COMPRESSED:  # a source file stored compressed under its own name, as a
            language = None  # bucket serves one with Content-Encoding: gzip: what it holds
        else:
            kind = None
        whole = None  # the file in memory, when it is a zip after other bytes
        where = (name if top else path + SEPARATOR + name) if unwrapped else path
        guessed = False
        if kind is None and language is None and may_be_unnamed_code(name):
            head += stream.read(SNIFF_BYTES - len(head))  # a name that tells nothing: its text
            language = language_for_text(head)
            guessed = language is not None
        if language is not None:  # source, by its name, its #! line or its text
            data = self._read(where, stream, head)
            if data is None:
                return
            start = _zip_start(data)
            if start is None:
                yield from self._source(where, data, language, depth, guessed)
                return
            # a zip after source (a Python zipapp's #! launcher line, or a source file with a
            # zip appended): the bytes before the zip are read as source, the zip as a zip
            if data[:start].strip():
                yield from self._source(where, data[:start], language, depth)
            head, kind, whole = b"", "zip", io.BytesIO(data)
        assert head is not None
        if kind is None:
            whole = self._appended_zip("" if top else path, head, stream)
            if whole is None:
                if top and layers == 0 and not plain:
                    reason = "its bytes are no archive, package or notebook format"
                    self.problems.append(problem("", f"corrupt or unreadable archive ({reason})"))
                else:
                    self.skipped += 1
                return  # not code, not a carrier: nothing to read
            head, kind = b"", "zip"
        if kind == "unopened":
            what = unopened_format(head)
            self._unread("" if top else path, f"{what}, a format leaktrace does not open")
            return
        if kind in COMPRESSED:
            if layers >= _MAX_COMPRESSION_LAYERS:
                self._unread(path, f"compressed more than {_MAX_COMPRESSION_LAYERS} times")
                return
            whole = _inflated(kind, head, stream)
            inner = (io.BytesIO(whole) if whole is not None
                     else _reader(_decompressor(kind, _Chain(head, stream))))  # fmt: skip
            try:
                yield from self._stream(path, inner, depth, top, layers + 1,
                                        PurePosixPath(_inner_name(name)).name, True)  # fmt: skip
            except _corrupt() as exc:
                reason = f"corrupt or unreadable {kind} data ({_one_line(exc)})"
                self.problems.append(problem("" if top else path, reason))
            return
        if kind in ("notebook", "sourcemap", "markup", "markdown", "json", "stylesheet"):
            data = self._read(path, stream, head, json_object=kind == "json")
            if data is None:
                return
            if kind in ("notebook", "sourcemap", "json"):
                data = as_utf8(data)
            memory = self.limits.max_parse_memory
            if kind == "stylesheet":  # not code: only the maps it carries inline
                yield from expand_inline_maps(path, data, "css", self.problems, self.on_map,
                                              self._embedded(depth), memory)  # fmt: skip
                return
            if kind == "json":  # a map or a notebook, whatever its name and first bytes
                try:
                    kind = _json_kind(data, memory)
                except TooCostly as exc:
                    self._unread(path, f"what it is cannot be told: {exc}")
                    return
            if kind in ("notebook", "json-notebook"):
                yield from self._notebook(path, data, depth, named=kind == "notebook")
            elif kind in ("markup", "markdown"):
                yield from self._markup(path, data, depth, kind == "markdown")
            elif kind == "sourcemap":
                yield from expand_source_map(path, data, self.problems, self.on_map,
                                             self._embedded(depth), memory)  # fmt: skip
            return
        level = depth if top else depth + 1
        if level > self.limits.max_depth:
            self._unread(path, f"a {kind} archive nested {level} deep (max_depth is "
                               f"{self.limits.max_depth})")  # fmt: skip
            return
        prefix = "" if top else path + SEPARATOR
        try:
            if kind == "tar":
                yield from self._tar(prefix, _rewound(head, stream), level)
            elif kind == "ar":
                yield from self._ar(prefix, _reader(_Chain(head, stream)), level)
            elif whole is not None:
                yield from self._zip(path, prefix, whole, level)
            elif top and layers == 0 and stream.seekable():
                stream.seek(0)
                yield from self._zip(path, prefix, stream, level)
            else:
                with _spooled(path, head, stream, self.limits.max_total_bytes) as spool:
                    yield from self._zip(path, prefix, spool, level)
        except _corrupt() as exc:
            reason = f"corrupt or unreadable {kind} archive ({_one_line(exc)})"
            self.problems.append(problem("" if top else path, reason))

    def _appended_zip(self, path: str, head: bytes, stream: IO[bytes]) -> io.BytesIO | None:
        """The whole of a file that is no carrier by its first bytes, in memory, when it is a
        zip all the same: zip is read from its end record, so one after other bytes (an image,
        a self-extracting stub, an executable) is what unzip and Python's zipimport read. A file
        on disk or in memory is only looked at there; any other is read through to its end to
        tell (a stream member, a zip member, a decompressed stream: what is inflated is counted
        against the caps as read, so a bomb stops at ``max_read_bytes``, said unread) and None;
        one found is counted against the caps as read."""
        start, rewind = 0, False
        with contextlib.suppress(AttributeError, OSError):  # a tar stream's member cannot tell
            start, rewind = stream.tell() - len(head), stream.seekable()
        if rewind and not isinstance(stream, zipfile.ZipExtFile):  # seeking is free
            if not ends_like_zip(stream):
                return None
        else:  # read through (a zip member seeks by inflating again): keep what may be needed
            cap = self.limits.max_read_bytes
            kept, tail, size = [head], head, len(head)
            self._count_bytes(len(head))
            for block in iter(lambda: stream.read(1 << 20), b""):
                size += len(block)
                self._count_bytes(len(block))
                if size > cap:
                    self._unread(path, f"larger than max_read_bytes ({cap:,} bytes)")
                    return None
                tail = (tail + block)[-_ZIP_TAIL:]
                if not rewind and size <= _SPOOL_IN_MEMORY:
                    kept.append(block)
            if _ZIP_END not in tail:
                return None
            if not rewind and size > _SPOOL_IN_MEMORY:
                self._unread(path, f"it ends like a zip archive, but at {size:,} bytes inside "
                             f"an archive read as a stream it is over the {_SPOOL_IN_MEMORY:,} "
                             "bytes kept to read it again")  # fmt: skip
                return None
            if not rewind:
                data = b"".join(kept)
                return io.BytesIO(data) if _opens_as_zip(data) else None
        stream.seek(start)
        data = self._read(path, stream)
        return io.BytesIO(data) if data is not None and _opens_as_zip(data) else None

    # -- what is finally read -----------------------------------------------------------------

    def _source(self, path: str, data: bytes, language: str, depth: int = 0,
                guessed: bool = False) -> Iterator[CandidateFile]:  # fmt: skip
        if not data.strip():
            self.problems.append(problem(path, EMPTY))
            return
        if len(data) < _LFS_POINTER_BYTES and data.startswith(_LFS_POINTER):
            self._unread(path, "a Git LFS pointer: the file's content is kept by Git LFS, not "
                               "in what was scanned")  # fmt: skip
            return
        try:
            text, note = decode_source(data)
        except BinaryContent as exc:
            self.problems.append(problem(path, str(exc)))
            return
        if note:
            self._note(path, note)  # still scanned
        if guessed:
            self.guessed[path] = language
        yield CandidateFile(path, text, language, guessed)
        yield from expand_inline_maps(path, text, language, self.problems, self.on_map,
                                      self._embedded(depth),
                                      self.limits.max_parse_memory)  # fmt: skip

    def _embedded(self, depth: int) -> OtherReader:
        """How a map at ``depth`` reads an embedded source whose name tells no language: as a
        file of that name one level deeper (a ``.vue`` component's scripts; a JSON module
        holds nothing)."""

        def read(path: str, name: str, data: bytes) -> Iterator[CandidateFile]:
            with self._reading(path):
                yield from self._stream(path, io.BytesIO(data), depth + 1,
                                        name=posixpath.basename(name))  # fmt: skip

        return read

    def _markup(self, path: str, data: bytes, depth: int,
                markdown: bool = False) -> Iterator[CandidateFile]:  # fmt: skip
        """The code of a page or a component (its ``<script>`` blocks) or of a Markdown page (its
        fenced blocks), that of one language together as ``PAGE!/script.EXT`` (``code.EXT``),
        read as a source file is, each block on the page's own lines (the lines between are
        blank: the evidence's line numbers are the page's, and the file is never longer than the
        page)."""
        try:
            text, note = decode_source(data)
        except BinaryContent as exc:
            self._unread(path, str(exc))
            return
        if note:
            self._note(path, note)
        page = text.decode("utf-8", "surrogateescape")
        try:
            blocks = (list(code_blocks(page, self.limits.max_parse_memory)) if markdown
                      else markup_scripts(page))  # fmt: skip
        except MarkdownTooCostly as exc:
            self._unread(path, str(exc))
            return
        stem = "code" if markdown else "script"
        for language, code in by_language(blocks).items():
            where = f"{path}{SEPARATOR}{stem}{extension_for_language(language)}"
            yield from self._source(where, code.encode("utf-8", "surrogateescape"), language,
                                    depth)  # fmt: skip

    def _notebook(
        self, path: str, data: bytes, depth: int = 0, named: bool = True
    ) -> Iterator[CandidateFile]:
        """Each code cell of a Jupyter notebook as ``NB!/cell-N.EXT`` (N counts every cell), its
        outputs' text as ``NB!/cell-N-output-K.EXT``, and the fenced code of a Markdown cell as
        a Markdown page's, ``NB!/cell-N.md!/code.EXT``. A notebook by its name (``.ipynb``) that
        is not one is a line; other JSON that names ``nbformat`` (nbformat's own schemas) is a
        notebook only when it is an object with a ``cells`` list (or v3 ``worksheets``), and
        else no line: it holds no cells to read; but one that does not decode is a line, as it
        may be a notebook."""
        twice: list[str] = []
        try:
            notebook = loads_within(data, self.limits.max_parse_memory, twice)
        except TooCostly as exc:
            self._unread(path, str(exc))
            return
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            # named or not: JSON naming nbformat that does not decode may be a notebook
            self.problems.append(problem(path, f"not a valid notebook ({_one_line(exc)})"))
            return
        if twice:
            self.problems.append(problem(path, named_twice(twice)))
        cells = notebook_cells(notebook)
        if cells is None:
            worksheets = notebook.get("worksheets") if isinstance(notebook, dict) else None
            if named or isinstance(worksheets, list):
                self.problems.append(problem(path, "not a valid notebook (no cells)"))
            return
        extension = notebook_extension(notebook)
        language = language_for_path("cell" + extension)
        if language is None:
            self._unread(path, "notebook cells in a language leaktrace does not read "
                               f"({printable(extension)})")  # fmt: skip
            return
        capped = Capped(self.problems, path, "its cells")
        try:
            yield from self._cells(path, cells, extension, language, depth, capped)
        finally:
            capped.close()
        widgets = json_texts(notebook_widgets(notebook))  # the widgets' saved state
        for read_as, text in _together(found[:2] for found in widgets).items():
            ending = extension if read_as == language else extension_for_language(read_as)
            yield CandidateFile(f"{path}{SEPARATOR}widgets{ending}",
                                text.encode("utf-8", "surrogatepass"), read_as)  # fmt: skip

    def _cells(self, path: str, cells: list[Any], extension: str, language: str, depth: int,
               lines: Capped) -> Iterator[CandidateFile]:  # fmt: skip
        """The files of a notebook's cells (``_notebook``); the lines about them to ``lines``.

        A code cell is read in the notebook's language: its ``source`` and its ``input`` (v3's
        key; a cell holding both has both read, the second as ``cell-N-input.EXT``). A raw cell
        (``nbconvert`` passes it on as it is: a leak pasted there is published) in the language
        its ``raw_mimetype`` or a ``#!`` line names, else the notebook's; a Markdown (or v3
        heading) cell for its fenced code; a cell of any other type as code of the notebook's
        language. What any cell shows in its outputs is read too (``_output_texts``). A cell or
        a text that is not text is a line, never passed over."""
        for number, cell in enumerate(cells, start=1):
            where = f"{path}{SEPARATOR}cell-{number}"
            if not isinstance(cell, dict):
                lines.append(problem(where + extension, "not read: a cell that is no JSON object"))
                continue
            kind = cell.get("cell_type")
            shown_kind = printable(str(kind))[:40]
            texts, not_text = cell_texts(cell)
            for key in not_text:
                lines.append(problem(where + extension, f"not read: a {shown_kind} cell whose "
                                                        f"{key} is not text"))  # fmt: skip
            for at, (_, text) in enumerate(texts):
                name = where + ("-input" if at else "")
                if kind in ("markdown", "heading"):
                    yield from self._markup(f"{name}.md", text.encode("utf-8", "surrogatepass"),
                                            depth, markdown=True)  # fmt: skip
                    continue
                read_as = language
                if kind == "code":
                    text = without_magics(text)
                elif kind == "raw":
                    named, text = raw_cell(cell, text, language)
                    read_as = named or language
                ending = extension if read_as == language else extension_for_language(read_as)
                yield CandidateFile(name + ending, text.encode("utf-8", "surrogatepass"), read_as)
            outputs = cell.get("outputs")
            for at, output in enumerate(outputs if isinstance(outputs, list) else [], start=1):
                for read_as, shown in _output_texts(output, language).items():
                    ending = extension if read_as == language else extension_for_language(read_as)
                    code = shown.encode("utf-8", "surrogatepass")
                    yield CandidateFile(f"{where}-output-{at}{ending}", code, read_as)

    # -- containers ---------------------------------------------------------------------------

    def _tar(self, prefix: str, stream: IO[bytes], level: int) -> Iterator[CandidateFile]:
        seen: dict[str, int] = {}
        compiled: dict[str, _Facts | bytes] = {}
        links = _Links()
        noted: list[tuple[str, str]] = []  # (path, target): one line for the tar, not one each
        # ignore_zeros: read on past the end-of-archive blocks (a tar after a tar, as GNU tar
        # -i does) and past a damaged header (as GNU tar does): never a silent end
        with tarfile.open(fileobj=_reader(stream), mode="r|", errors="surrogateescape",
                          tarinfo=_BoundedTarInfo, ignore_zeros=True) as archive:  # fmt: skip
            skipped = _Skipped(self._count_bytes)
            archive.leaktrace_skipped = skipped  # type: ignore[attr-defined]
            try:
                while True:
                    member = archive.next()
                    if member is None:
                        self._bytecode_without_source(prefix, seen, compiled)
                        self._links_to_unread(prefix, links)
                        if skipped.junk:
                            top = prefix.removesuffix(SEPARATOR)
                            self._unread(top, SKIPPED.format(skipped.junk))
                        return
                    archive.members.clear()  # stream mode: do not keep every header in memory
                    self._count_entry()
                    name = _clean(member.name)
                    self._check_name(prefix + name, name)
                    self._version_control(prefix, name, member.isdir())
                    if member.isdir() or posixpath.basename(name).startswith(".wh."):
                        continue  # folders and image-layer whiteouts hold no content
                    path = prefix + unique_name(name, seen)
                    if member.issym() or member.islnk():
                        noted.append((path, carried_name(member.linkname)))
                        links.link(path, name, member.linkname, hard=member.islnk())
                        continue
                    if not member.isfile():
                        self._note(path, "device, FIFO or special file; not read")
                        continue
                    links.files.add(name)
                    cap = self.limits.max_read_bytes
                    if member.size > cap:
                        self._unread(path, f"{member.size:,} bytes, over max_read_bytes {cap:,}")
                        continue
                    handle = archive.extractfile(member)
                    if handle is None:
                        continue
                    with self._reading(path):
                        body = _compiled_facts(path[len(prefix) :], member.size, member.mtime,
                                               handle, compiled)  # fmt: skip
                        yield from self._stream(path, body, level,
                                                name=posixpath.basename(name))  # fmt: skip
            finally:
                self._links(prefix, noted)

    def _links(self, prefix: str, links: list[tuple[str, str]]) -> None:
        """The links a tar holds, never followed: one line (a ``docker save`` layer holds
        thousands, in ``/usr/lib`` alone), naming the first few; a lone link is its own line."""
        if len(links) == 1:
            [(path, target)] = links
            self._note(path, f"link to {target!r}; not followed")
        elif links:
            named = [f"{path.removeprefix(prefix)!r} -> {target!r}" for path, target in links]
            self._note(prefix.removesuffix(SEPARATOR),
                       f"{len(links):,} links, not followed: {first_few(named)}")  # fmt: skip

    def _ar(self, prefix: str, stream: io.BufferedReader, level: int) -> Iterator[CandidateFile]:
        """The members of an ar archive (ar(5): a ``.deb``, whose ``data.tar.*`` holds the
        package's files; a static library), read in order as a stream: System V/GNU names
        (``name/``, ``/N`` into the ``//`` table) and BSD ones (``#1/N``: the name opens the
        data). The symbol tables and the long-name table hold no files, but their first bytes
        are looked at as any member's: a carrier or a script there is opened, never passed over;
        a long-name table past the 64 KiB read of it is an unread line."""
        seen: dict[str, int] = {}
        long_names = b""
        stream.read(len(AR_MAGIC))
        while header := stream.read(_AR_HEADER):
            size_field = header[48:58].strip()
            if not header.strip():  # padding ends the archive; a blank header before more does not
                if len(header) == _AR_HEADER and stream.peek(1)[:1]:
                    raise ValueError("a blank ar member header with more bytes after it")
                return
            if len(header) < _AR_HEADER or header[58:60] != b"`\n" or not size_field.isdigit():
                raise ValueError("an ar member header that is cut short or malformed")
            self._count_entry()
            raw, size = header[:16].rstrip(b" "), int(size_field)
            left = _Bounded(stream, size)
            table = _AR_TABLES.get(raw)
            if table is not None:
                head = b""
                if raw == b"//":  # GNU: the long names, read as a name is (one header's worth)
                    long_names = head = left.read(MAX_LONG_NAME)
                    if size > MAX_LONG_NAME and sniff(head[:HEAD]) is None:
                        self._unread(prefix + table, f"{size - MAX_LONG_NAME:,} bytes past the "
                                     f"first {MAX_LONG_NAME:,} (the names read from an ar "
                                     "long-name table)")  # fmt: skip
                yield from self._ar_table(prefix + unique_name(table, seen), head, left, size,
                                          level)  # fmt: skip
            elif (
                raw.startswith(b"/")
                and raw[1:].isdigit()
                and not (long_names[int(raw[1:]) :].split(b"\n", 1)[0].removesuffix(b"/"))
            ):  # a long name outside the table (or empty there): no name, but maybe a leak
                shown = raw.decode()
                where = ("lies outside" if int(raw[1:]) >= len(long_names)
                         else "is empty in")  # fmt: skip
                yield from self._ar_table(
                    prefix + unique_name(f"[ar member {shown}]", seen), b"", left, size, level,
                    f"its name ({shown}) {where} the ar long-name table "
                    f"({len(long_names):,} bytes read)")  # fmt: skip
            else:
                if raw.startswith(b"#1/") and raw[3:].isdigit():
                    raw = left.read(min(int(raw[3:]), MAX_LONG_NAME)).rstrip(b"\0")
                elif raw.startswith(b"/") and raw[1:].isdigit():
                    start = int(raw[1:])
                    raw = long_names[start:].split(b"\n", 1)[0]
                name = _clean(os.fsdecode(raw.removesuffix(b"/")))
                self._check_name(prefix + name, name)
                path = prefix + unique_name(name, seen)
                if size > self.limits.max_read_bytes:
                    self._unread(path, f"{size:,} bytes, over max_read_bytes "
                                       f"{self.limits.max_read_bytes:,}")  # fmt: skip
                else:
                    with self._reading(path):
                        yield from self._stream(path, _reader(left), level,
                                                name=posixpath.basename(name))  # fmt: skip
            left.skip_rest()
            if size % 2:
                stream.read(1)  # members start at even offsets

    def _ar_table(self, path: str, head: bytes, left: _Bounded, size: int, level: int,
                  unread: str | None = None) -> Iterator[CandidateFile]:  # fmt: skip
        """An ar member without a file's name (a symbol or long-name table, a member whose long
        name is not in the table): read under ``path`` if its first bytes are a carrier or a
        script (something hidden where a file list has no name for it), else passed over, or,
        given ``unread``, an unread line saying so. ``head`` is what was read of it already."""
        if len(head) < HEAD:
            head += left.read(HEAD - len(head))
        if sniff(head[:HEAD]) is None:
            if unread is not None:
                self._unread(path, unread)
            return
        if size > self.limits.max_read_bytes:
            self._unread(path, f"{size:,} bytes, over max_read_bytes "
                               f"{self.limits.max_read_bytes:,}")  # fmt: skip
            return
        with self._reading(path):
            yield from self._stream(path, _reader(_Chain(head, left)), level, name="")

    def _zip(self, path: str, prefix: str, stream: IO[bytes],
             level: int) -> Iterator[CandidateFile]:  # fmt: skip
        seen: dict[str, int] = {}
        compiled: dict[str, _Facts | bytes] = {}
        links = _Links()
        shown: dict[zipfile.ZipInfo, str] = {}
        cap = self.limits.max_read_bytes
        with zipfile.ZipFile(stream) as archive:
            for info in archive.infolist():
                self._count_entry()
                name = _clean(info.filename)
                self._check_name(prefix + name, name)
                self._version_control(prefix, name, info.is_dir())
                if info.is_dir():
                    continue
                entry = prefix + unique_name(name, seen)
                shown[info] = entry
                mode = info.external_attr >> 16
                if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                    what = "a link" if stat.S_ISLNK(mode) else "a device, FIFO or special file"
                    if not info.file_size:
                        self._note(entry, f"{what} by its mode, holding nothing")
                        continue
                    # only a claim: zipfile (pip) writes its bytes as a regular file, unzip too
                    self._note(entry, f"{what} by its mode, holding {info.file_size:,} bytes: "
                                      "read as the regular file zip tools extract")  # fmt: skip
                    if stat.S_ISLNK(mode) and info.file_size <= MAX_LONG_NAME:  # unzip's link
                        with contextlib.suppress(*_corrupt(), RuntimeError):
                            target = archive.read(info).decode("utf-8", "surrogateescape")
                            links.link(entry, name, target, hard=False)
                else:
                    links.files.add(name)
                if info.file_size > cap:
                    self._unread(entry, f"{info.file_size:,} bytes, over max_read_bytes {cap:,}")
                    continue
                ratio = info.file_size / info.compress_size if info.compress_size else 0
                if ratio > self.limits.max_ratio and info.file_size > _BOMB_SIZE:
                    self._unread(entry, f"compression ratio over {self.limits.max_ratio} (bomb?)")
                    continue
                if info.flag_bits & _ENCRYPTED:
                    self._unread(entry, "encrypted (a password is needed)")
                    continue
                with self._reading(entry), archive.open(info) as handle:
                    # a zip's times are local, of no known zone: the sizes are compared
                    body = _compiled_facts(entry[len(prefix) :], info.file_size, None,
                                           handle, compiled)  # fmt: skip
                    yield from self._stream(entry, body, level, name=posixpath.basename(name))
            self._links_to_unread(prefix, links)
            budget = Inflation(self.limits.max_total_bytes - self.bytes_read,
                               self.limits.max_ratio)  # fmt: skip
            for offset, name in unlisted_entries(stream, archive, budget):
                self._unread(path, f"a zip entry at byte {offset:,} ({name!r}) that its central "
                                   "directory does not list (unzip does not extract it; a "
                                   "streaming reader does)")  # fmt: skip
            for info, bound in budget.unchecked:
                self._unread(shown.get(info, prefix + _clean(info.filename)),
                             f"its deflate stream inflates past {bound}, so whether a zip "
                             "entry is hidden after it (a streaming reader extracts one, unzip "
                             "does not) is not known")  # fmt: skip
            self._count_bytes(budget.inflated)
        self._bytecode_without_source(prefix, seen, compiled)

    def _bytecode_without_source(
        self,
        prefix: str,
        names: dict[str, int],
        compiled: dict[str, _Facts | bytes],
    ) -> None:
        """One unread line for each compiled Python module (``.pyc``) among an archive's entry
        ``names`` whose source is not among them (``m.py`` beside ``m.pyc``, or above
        ``__pycache__/m.cpython-311.pyc``), or is not the source it was compiled from (its
        header records the source's size and time: ``compiled``, from ``_compiled_facts``): a
        package that ships its code only compiled holds it in a form no parser here reads, and
        a decoy ``m.py`` beside it must not pass for its source. Bytecode beside its source
        loses nothing."""
        for name in names:
            if not name.lower().endswith((".pyc", ".pyo")):
                continue
            header, facts = compiled.get(name), compiled.get(source_of(name))
            if source_of(name) not in names:
                self._unread(prefix + name, BYTECODE_ONLY)
            elif not (isinstance(header, bytes) and isinstance(facts, tuple)
                      and compiled_from(header, *facts)):  # fmt: skip
                self._unread(prefix + name, BYTECODE_ELSEWHERE)

    def _links_to_unread(self, prefix: str, links: _Links) -> None:
        """One unread line for each link of an archive named as source (``journal.py``) whose
        target is a file of the archive not read as that language (``notes.txt``): extracted,
        the link is that file under a name that makes it code, and its content was not read
        as code here. A link to a file read as its own language loses nothing."""
        for path, language, target in links.links:
            read_as = self.guessed.get(prefix + target) or language_for_path(target)
            if target in links.files and read_as != language:
                self._unread(path, f"a link to {target!r}, which is not read as {language}; "
                                   f"extracted, it is a {language} file")  # fmt: skip

    @contextlib.contextmanager
    def _reading(self, path: str, ends: bool = False) -> Iterator[None]:
        """The one catch-all around reading one input, a candidate's file or an archive member:
        whatever the libraries raise on it (a bad CRC, a compression method zipfile lacks, a
        surprise) is that input's unread line, and the inputs after it are still read;
        ``MemoryError`` says nothing of the input and is never caught. A cap reached (``_Stop``)
        ends the candidate: said here where the read ``ends`` (a candidate's file, the candidate
        itself), else passed up (a member's, through its archive)."""
        try:
            yield
        except _Stop as stop:
            if not ends:
                raise
            self._stop(stop)
        except MemoryError:
            raise
        except _corrupt() as exc:
            self._unread(path, f"corrupt or unreadable ({_one_line(exc)})")
        except Exception as exc:
            self.problems.append(problem(path, unexpected(exc)))

    def _check_name(self, path: str, name: str) -> None:
        """Names that would escape an extraction folder are noted; nothing is ever extracted,
        so the entry is still read (a leak must not hide behind a hostile name)."""
        reason = unsafe_member_name(name)
        if reason:
            self._note(path, f"unsafe name ({reason}): read in memory only, never extracted")

    def _version_control(self, prefix: str, name: str, folder: bool) -> None:
        """Record the version-control folder an entry is in (or is), once: ``.git/`` of
        ``.git/objects/ab/cd``. A file named ``.git`` (a worktree's pointer) holds no history."""
        parts = name.split("/")
        for at, part in enumerate(parts if folder else parts[:-1]):
            if part in VCS_DIRS:
                where = prefix + "/".join(parts[: at + 1]) + "/"
                if where not in self.version_control:
                    self.version_control.append(where)
                return

    def skipped_note(self) -> list[Problem]:
        """One line counting the files passed over as neither code nor a carrier (a licence, a
        ``.po`` catalogue, an image), when there are any: a candidate says what it did not
        read as code, and one with no file read is never a silent ``clear``."""
        if not self.skipped:
            return []
        return [
            Problem(
                "",
                f"{self.skipped:,} file(s) skipped: no language leaktrace reads by "
                "name, and neither code nor an archive by content",
                partial=False,
            )
        ]

    def _note(self, path: str, message: str) -> None:
        """A line worth showing that loses nothing (a link, a device, a decoded encoding); past
        ``MAX_NOTES`` of one candidate, one line says the rest are not shown."""
        self.notes += 1
        if self.notes <= MAX_NOTES:
            self.problems.append(Problem(path, message, partial=False))
        elif self.notes == MAX_NOTES + 1:
            self.problems.append(Problem("", MORE_NOTES, partial=False))

    def _unread(self, path: str, message: str) -> None:
        """Something that may hold code was not read: the candidate cannot be ``clear``."""
        self.problems.append(problem(path, f"not read: {message}"))


class _Links:
    """An archive's links named as source, and its regular files' names (``_links_to_unread``)."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.links: list[tuple[str, str, str]] = []
        """(path shown, the language the link's name says, its target's name in the archive)."""

    def link(self, path: str, name: str, target: str, hard: bool) -> None:
        """A link at ``name`` to ``target`` (a hard link's is from the archive's top, a
        symbolic link's from the link's folder); one named as no source, or leading out of the
        archive, is not kept: it is no code of the archive."""
        language = language_for_path(name)
        if language is None:
            return
        target = _clean(target)
        if not hard:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        if not target.startswith(("/", "../")) and target != "..":
            self.links.append((path, language, target))


@contextlib.contextmanager
def _spooled(path: str, head: bytes, stream: IO[bytes], cap: int) -> Iterator[IO[bytes]]:
    """A seekable copy of a stream (zip needs random access): in memory while small, then in a
    temporary file that is removed on close. Never an extraction: one file, ours."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY, prefix="leaktrace-") as spool:
        spool.write(head)
        copied = len(head)
        for block in iter(lambda: stream.read(1 << 20), b""):
            copied += len(block)
            if copied > cap:
                raise _Stop(f"{path}: larger than max_total_bytes ({cap:,}); the rest is not read")
            spool.write(block)
        spool.seek(0)
        yield spool  # type: ignore[misc]


BYTECODE_ONLY = ("compiled Python with no source beside it (its code is bytecode, which "
                  "leaktrace does not read)")  # fmt: skip


BYTECODE_ELSEWHERE = ("compiled Python whose header does not record the source beside it (its "
                      "size or time differ, or it cannot be checked): its code is bytecode, "
                      "which leaktrace does not read")  # fmt: skip
_PYC_HEADER = 16


_Facts = tuple[int, int | None, bytes]
"""A source's size, time (None: not known exactly) and hash as a compiled module records it."""


def _compiled_facts(
    name: str,
    size: int,
    mtime: int | None,
    handle: IO[bytes],
    compiled: dict[str, _Facts | bytes],
) -> IO[bytes]:
    """Keep what checking a compiled module against its source needs of an archive's entry
    (its size is within ``max_read_bytes``): a source's size, time and hash (``_Facts``), a
    compiled module's header; ``handle`` is given back whole (read here, into memory)."""
    lower = name.lower()
    if lower.endswith(".py"):
        data = handle.read()
        compiled[name] = (size, mtime, importlib.util.source_hash(data))
        return io.BytesIO(data)
    if lower.endswith((".pyc", ".pyo")):
        header = handle.read(_PYC_HEADER)
        compiled[name] = header
        return _reader(_Chain(header, handle))
    return handle


def compiled_from(header: bytes, size: int, mtime: int | None,
                  source_hash: bytes | Callable[[], bytes | None]) -> bool:  # fmt: skip
    """Whether a compiled module's ``header`` (its first 16 bytes) records a source of ``size``
    bytes changed at ``mtime`` (None: not known exactly, then only the size is compared), as
    Python's import checks it before using the bytecode: magic, then (3.7+, PEP 552) flags
    and the source's time and size, or its hash (``source_hash``, or how to get it, asked only
    then: ``importlib.util``'s, keyed by this Python's magic, so checked only for bytecode of
    this Python). Python 2 and 3.0-3.2 record no size; a header that is no such header cannot
    be checked: False."""
    version = int.from_bytes(header[:2], "little")
    if len(header) < _PYC_HEADER or header[2:4] != b"\r\n" or not 3230 <= version < 10000:
        return False
    fields = header[4:]
    if version >= 3390:  # PEP 552: a flags word first
        flags = int.from_bytes(header[4:8], "little")
        if flags & 1:  # hash-based
            if header[:4] != importlib.util.MAGIC_NUMBER:
                return False
            known = source_hash if isinstance(source_hash, bytes) else source_hash()
            return known == header[8:16]
        if flags:
            return False
        fields = header[8:]
    recorded_time = int.from_bytes(fields[:4], "little")
    recorded_size = int.from_bytes(fields[4:8], "little")
    if recorded_size != size & 0xFFFFFFFF:
        return False
    return mtime is None or recorded_time == mtime & 0xFFFFFFFF


def source_of(compiled: str) -> str:
    """The source a compiled module is made from: ``a/m.pyc`` -> ``a/m.py``,
    ``a/__pycache__/m.cpython-311.opt-1.pyc`` -> ``a/m.py``."""
    folder, _, file = compiled.rpartition("/")
    if posixpath.basename(folder) == "__pycache__":
        folder, file = posixpath.dirname(folder), file.split(".", 1)[0] + ".py"
    else:
        file = file[: -len(".pyc")] + ".py"
    return f"{folder}/{file}" if folder else file


def _clean(name: str) -> str:
    """An entry name as the archive gives it, with ``/`` separators and no leading ``./``;
    bytes that are not UTF-8 are carried as ``\\xNN`` text."""
    name = carried_name(name.replace("\\", "/"))
    while name.startswith("./"):
        name = name[2:]
    return name or "unnamed"


def unsafe_member_name(name: str) -> str | None:
    """Why an archive member name would escape an extraction folder, or None."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "'..' in path"
    return None


def _corrupt() -> tuple[type[BaseException], ...]:
    """What the archive and decompression libraries raise on damaged or hostile data."""
    errors: tuple[type[BaseException], ...] = (
        tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError, zlib.error,
        ValueError, NotImplementedError, RecursionError,
    )  # fmt: skip
    zstandard = sys.modules.get("zstandard")  # imported only once a zstd stream was met
    brotli = sys.modules.get("brotli")  # and a brotli one
    return (*errors, *((zstandard.ZstdError,) if zstandard else ()),
            *((brotli.error,) if brotli else ()))  # fmt: skip


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


_ZIP_END = b"PK\x05\x06"
_ZIP_TAIL = 22 + 0xFFFF
"""A zip's end-of-central-directory record and how far from the end it may start (its
comment is at most 64 KiB): where unzip and ``zipfile`` look for a zip, whatever precedes it."""


def ends_like_zip(handle: IO[bytes]) -> bool:
    """Whether a file open on disk has a zip's end record in its last 64 KiB (the zip after
    other bytes ``Unpacker`` reads); the handle is left at its end."""
    end = handle.seek(0, io.SEEK_END)
    handle.seek(max(0, end - _ZIP_TAIL))
    return _ZIP_END in handle.read(_ZIP_TAIL)


def _opens_as_zip(data: bytes) -> bool:
    """Whether ``data`` ends in a zip archive whose central directory reads (unzip would open
    it), whatever bytes come before it: bytes that only look like an end record are not one."""
    return _zip_start(data) is not None


_LOCAL_HEADER = b"PK\x03\x04"
"""A zip entry's local header signature: an entry's offset counts as where the zip begins only
where one is (a central directory naming offset 0 under private source would hide the source)."""


def _zip_start(data: bytes) -> int | None:
    """Where the zip archive ``data`` ends in begins (0 for a plain zip; after a zipapp's ``#!``
    line, an image, a stub, the length of what precedes it: its first entry's local header or
    its central directory, whichever comes first), or None when no zip opens there."""
    if data.find(_ZIP_END, max(0, len(data) - _ZIP_TAIL)) < 0:  # no copy of every source's tail
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            headers = [entry.header_offset for entry in archive.infolist()
                       if data.startswith(_LOCAL_HEADER, entry.header_offset)]  # fmt: skip
            return min([archive.start_dir, *headers])
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        return None


_LOCAL = struct.Struct("<4s5H3I2H")
"""A zip entry's local header (APPNOTE 4.3.7): signature, version, flags, method, time, date,
CRC, compressed and uncompressed sizes, name and extra field lengths."""
_METHODS = {0, 1, 6, 8, 9, 12, 14, 19, 93, 95, 96, 97, 98, 99}
"""Compression methods APPNOTE names (and 99, AES): a local header's must be one of them."""
_SCAN = 1 << 20


_BOMB_SIZE = 1 << 20
"""A zip entry over this size whose ratio is over ``max_ratio`` is taken for a bomb."""


@dataclasses.dataclass
class Inflation:
    """What ``unlisted_entries`` may inflate to find where deflate streams end: ``room`` bytes
    in all (what is left of the candidate's ``max_total_bytes``: they count as read), and for
    one stream ``max_ratio`` times its compressed size (or ``_BOMB_SIZE``), as a listed entry
    may hold before it is a bomb. An honest stream never passes the ratio: its entry, whose
    sizes say so, is refused first. ``unchecked``: each entry whose stream was not inflated to
    its end, and which bound stopped it."""

    room: int
    max_ratio: int
    inflated: int = 0
    unchecked: list[tuple[zipfile.ZipInfo, str]] = dataclasses.field(default_factory=list)

    def bound(self, compressed: int) -> tuple[int, str]:
        """(bytes one stream of ``compressed`` bytes may inflate to, that bound told)."""
        by_ratio = max(_BOMB_SIZE, self.max_ratio * compressed)
        left = self.room - self.inflated
        if left < by_ratio:
            left = max(0, left)
            return left, f"{left:,} bytes (what is left of max_total_bytes)"
        return by_ratio, (f"{by_ratio:,} bytes (max_ratio {self.max_ratio} times its "
                          f"{compressed:,} compressed bytes: a bomb?)")  # fmt: skip


def unlisted_entries(stream: IO[bytes], archive: zipfile.ZipFile,
                     budget: Inflation) -> Iterator[tuple[int, str]]:  # fmt: skip
    """Each local header (its offset and name) in the bytes of a zip before its central
    directory that no entry of the directory spans: an entry a streaming reader extracts and
    unzip never lists. Only one whose fields hold together counts (a known method, a name, its
    data inside the gap): a self-extractor's stub may hold the signature as a constant. An
    entry spans what its local header says when that is less than the directory says: a
    streaming reader reads that much of it, then the next local header, which may be inside
    what the directory counts as the entry's data. A deflate stream is inflated within
    ``budget``: one past it is taken to end where the directory says (``budget.unchecked``)."""
    spans = []
    for info in archive.infolist():
        stream.seek(info.header_offset)
        header = stream.read(_LOCAL.size)
        if len(header) == _LOCAL.size and header.startswith(_LOCAL_HEADER):
            fields = _LOCAL.unpack(header)
            flags, method, size, names, extra = fields[2], fields[3], fields[7], *fields[9:]
            if flags & 0x08 or size >= min(info.compress_size, 0xFFFFFFFF):  # sizes after the
                size = info.compress_size  # data, or in zip64's extra field
            start = info.header_offset + _LOCAL.size + names + extra
            end = start + size
            if flags & 0x08 and method == zipfile.ZIP_DEFLATED:
                limit, told = budget.bound(end - start)
                stream_end, inflated = _deflate_end(stream, start, end, limit)
                budget.inflated += inflated
                if stream_end is None:
                    budget.unchecked.append((info, told))
                end = end if stream_end is None else stream_end
            elif info.flag_bits & 0x08:  # a data descriptor: signature, CRC, two sizes (zip64: 8)
                end += 24 if max(info.file_size, info.compress_size) >= 0xFFFFFFFF else 16
            spans.append((info.header_offset, end))
    at = 0
    for start, end in [*sorted(spans), (archive.start_dir, archive.start_dir)]:
        if start > at:
            yield from _local_headers(stream, at, start)
        at = max(at, end)


def _deflate_end(stream: IO[bytes], start: int, end: int, limit: int) -> tuple[int | None, int]:
    """Where a streaming reader takes the next local header to be after a deflated entry whose
    sizes come after its data (at ``start``; the directory says it ends at ``end``): where its
    deflate stream ends, and how many bytes were inflated to tell. Inflated only when a local
    header whose fields hold together is in its bytes at all (else ``end``): one hidden there
    after the stream's end and its descriptor is extracted by a streaming reader; one inside
    the stream (a stored block) is its data. None when it inflates past ``limit`` bytes."""
    if next(_local_headers(stream, start, end), None) is None:
        return end, 0
    inflater, at, inflated = zlib.decompressobj(-zlib.MAX_WBITS), start, 0
    stream.seek(start)
    try:
        while not inflater.eof and at < end:
            block = stream.read(min(_SCAN, end - at))
            if not block:
                return end, inflated
            at += len(block)
            while block and not inflater.eof:  # what it inflates to is not kept
                inflated += len(inflater.decompress(block, _SCAN))
                if inflated > limit:
                    return None, inflated
                block = inflater.unconsumed_tail
    except zlib.error:
        return end, inflated
    return (at - len(inflater.unused_data) if inflater.eof else end), inflated


def _local_headers(stream: IO[bytes], start: int, end: int) -> Iterator[tuple[int, str]]:
    """The local headers whose fields hold together between ``start`` and ``end``, read in
    blocks of ``_SCAN`` bytes (each byte looked at once, however many signatures there are)."""
    at = start
    while at < end:
        stream.seek(at)
        block = stream.read(min(_SCAN, end - at))
        if not block:
            return
        last = at + len(block) >= end
        next_at = end if last else at + len(block) - len(_LOCAL_HEADER) + 1
        found = block.find(_LOCAL_HEADER)
        while found >= 0:
            entry = _local_entry(stream, at + found, end)
            if entry is None:
                found = block.find(_LOCAL_HEADER, found + 1)
                continue
            yield at + found, entry[1]
            if entry[0] - at >= len(block):
                next_at = entry[0]
                break
            found = block.find(_LOCAL_HEADER, entry[0] - at)
        at = next_at


def _local_entry(stream: IO[bytes], offset: int, end: int) -> tuple[int, str] | None:
    """Where the entry whose local header is at ``offset`` ends and its name, if its fields
    hold together (a known method, a name, its data before ``end``); else None."""
    stream.seek(offset)
    header = stream.read(_LOCAL.size)
    if len(header) < _LOCAL.size:
        return None
    fields = _LOCAL.unpack(header)
    method, size, names, extra = fields[3], fields[7], fields[9], fields[10]
    entry_end = offset + _LOCAL.size + names + extra + size
    if method not in _METHODS or not names or entry_end > end:
        return None
    return entry_end, carried_name(stream.read(names).decode("utf-8", "replace"))


_LFS_POINTER = (
    b"version https://git-lfs.github.com/spec/",
    b"version https://hawser.github.com/spec/",
)
_LFS_POINTER_BYTES = 1024
"""A Git LFS pointer file (git-lfs's spec: under 1,024 bytes, its first line the spec's URL;
``hawser`` is the spec's first name) stands in for content kept on an LFS server."""

_ENCRYPTED = 0x1
"""Bit 0 of a zip entry's general purpose flags (APPNOTE 4.4.4): its data is encrypted."""


def _output_texts(output: Any, language: str) -> dict[str, str]:
    """The text a code cell's output shows (``output_texts``), that of one language together,
    each text once."""
    return _together((shown.language, shown.text) for shown in output_texts(output, language))


def _together(texts: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Texts (language, text), those of one language joined on new lines, each text once."""
    parts: dict[str, list[str]] = {}
    for language, text in texts:
        if text not in parts.setdefault(language, []):
            parts[language].append(text)
    return {language: "\n".join(texts) for language, texts in parts.items()}


ARCHIVED_HISTORY = "version-control metadata inside an archive: its history is not read"


def unread_histories(folders: list[str]) -> list[Problem]:
    """One unread line per version-control folder met inside an archive (``scan``): leaktrace
    reads no history there, with ``--history`` or without."""
    return [Problem(folder, ARCHIVED_HISTORY) for folder in folders]
