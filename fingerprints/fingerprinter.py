"""One file's bytes -> its fingerprints. Pure functions; no file system, no store."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import tree_sitter

from fingerprints.isolation import ParseLimits, isolated_tokenize
from fingerprints.languages import load_language
from fingerprints.lean import error_warning, native_fields
from fingerprints.normalize import TokenStream, tokenize
from fingerprints.params import FingerprintParams
from fingerprints.policy import boilerplate_reason
from fingerprints.shingles import FINGERPRINT_DTYPE, KGrams, kgrams, winnowed
from fingerprints.signature import signature_bytes
from fingerprints.structure import Structure


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file's bytes, wherever they came from (a folder, an archive, a clone, a registry)."""

    path: str  # POSIX, relative to its tree's root
    data: bytes
    language: str
    guessed: bool = False
    """Its language was told by its text alone (``language_for_text``: no name, no ``#!``
    line said it): a guess, which a parse that is mostly errors proves wrong (a test fixture
    of a language not read here) rather than the file unread (``scanner.scan``)."""


@functools.cache
def _parser(language: str) -> tree_sitter.Parser:
    return load_language(language).parser()


@dataclass(frozen=True, slots=True)
class Analysis:
    """A file's normalized tokens and all of its k-grams (what a candidate needs)."""

    language: str
    tokens: TokenStream
    kgrams: KGrams

    @property
    def warning(self) -> str | None:
        return syntax_warning(self.tokens)


def syntax_warning(tokens: TokenStream) -> str | None:
    """The line that says a file did not parse cleanly, or None."""
    return error_warning(tokens.error_line)


def _tokens(data: bytes, language: str, limits: ParseLimits | None,
            structure: bool = True) -> TokenStream:  # fmt: skip
    """``data``'s tokens: parsed here without ``limits`` (trusted input), else in a separate
    process under them (``isolation``; raises ``ParseFailure``; always with a structure)."""
    if limits is None:
        return tokenize(data, load_language(language), _parser(language), structure=structure)
    return isolated_tokenize(data, language, limits)


def analyze(data: bytes, language: str, params: FingerprintParams,
            limits: ParseLimits | None = None, *, structure: bool = True) -> Analysis:  # fmt: skip
    """Tokenize and k-gram one file's bytes.

    With ``limits`` the parse runs in a separate process under them (``isolation``) and a
    file that crashes, hangs or blows up the parser raises ``ParseFailure``; without, it runs
    here (trusted input), and ``structure=False`` leaves the tokens' ``structure`` empty (not
    extracted) for a caller that never reads it.
    """
    tokens = _tokens(data, language, limits, structure)
    return Analysis(language, tokens, kgrams(tokens, params.k))


@dataclass(frozen=True, slots=True)
class FileFingerprint:
    """What the store keeps of one private file: no source text, only hashes and positions."""

    path: str
    language: str
    size: int
    sha256: str
    mtime_ns: int
    tokens: int
    lines: int
    fingerprints: np.ndarray  # FINGERPRINT_DTYPE
    signature: bytes  # LeanMinHash
    warning: str | None = None
    boilerplate: str | None = None
    """Why this file's matches never make a verdict on their own (see ``policy``), or None."""
    structure: bytes = b""
    """Its functions' events, the structural signal (``structure.Structure.to_bytes``)."""

    def __reduce__(self) -> tuple[Callable[..., FileFingerprint], tuple[Any, ...]]:
        """Pickled as its fields with the fingerprints as their bytes (a parser process's
        answer): an array pickles its structured dtype field by field, and unpickling builds
        that dtype again; a pip 24.2 file's answer took 31.6 us to pickle and 22.1 to unpickle
        that way, 6.6 and 4.2 this way."""
        fields = [getattr(self, name) for name in _FIELDS]
        fields[_FINGERPRINTS] = self.fingerprints.tobytes()
        return _unpickled, tuple(fields)


def _unpickled(*fields: Any) -> FileFingerprint:
    """``FileFingerprint.__reduce__``'s fields back (the fingerprints a writable array, as a
    pickled array comes back)."""
    found = list(fields)
    # a copy into a bytearray (a copy of the array itself goes field by field: 10 times slower)
    found[_FINGERPRINTS] = bytearray(found[_FINGERPRINTS])
    return from_fields(found)


_FIELDS = tuple(field.name for field in dataclasses.fields(FileFingerprint))
_FINGERPRINTS = _FIELDS.index("fingerprints")


def fingerprint_file(
    path: str,
    data: bytes,
    language: str,
    params: FingerprintParams,
    mtime_ns: int = 0,
    limits: ParseLimits | None = None,
    sha256: str | None = None,
    size: int | None = None,
    lines: Sequence[int] | None = None,
) -> FileFingerprint:
    """Winnowed fingerprints and MinHash signature of one file (``limits``: see ``analyze``;
    ``sha256``: the content's hash when the caller already computed it). For the code a carrier
    holds (``embedded``), ``sha256`` and ``size`` are the carrier's, and ``lines`` gives the
    carrier's line holding each line of ``data`` (a notebook's): every line range stored is
    one of the carrier's."""
    fields = native_fields(path, data, language, params, mtime_ns, limits, sha256, size, lines)
    if fields is not None:  # the native path: ``lean``'s, the parser processes' own
        return from_fields(fields)
    tokens = _tokens(data, language, limits)
    selected = winnowed(tokens, params.k, params.w)
    shaped = tokens.structure
    if lines is not None:
        selected, shaped, tokens = _on_lines(lines, selected, shaped, tokens)
    return FileFingerprint(
        path=path,
        language=language,
        size=len(data) if size is None else size,
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        mtime_ns=mtime_ns,
        tokens=len(tokens),
        lines=tokens.lines,
        fingerprints=selected,
        signature=signature_bytes(selected["hash"], params.num_perm, params.seed),
        warning=error_warning(tokens.error_line),
        boilerplate=boilerplate_reason(PurePosixPath(path), len(tokens), data),
        structure=shaped.to_bytes(),
    )


def from_fields(fields: Sequence[Any]) -> FileFingerprint:
    """The ``FileFingerprint`` of a ``NativeFile`` (``lean.native_fields``, a parser process's
    answer), its fingerprints an array over their bytes (not copied: a bytearray, as the native
    tokenizer gives them and as an answer unpickles them, makes it writable)."""
    found = list(fields)
    found[_FINGERPRINTS] = np.frombuffer(found[_FINGERPRINTS], dtype=FINGERPRINT_DTYPE)
    return FileFingerprint(*found)


def _on_lines(lines: Sequence[int], selected: np.ndarray, structure: Structure,
              tokens: TokenStream) -> tuple[np.ndarray, Structure, TokenStream]:  # fmt: skip
    """The fingerprints' and functions' line ranges, and the first syntax error's line, moved
    to the carrier's lines (``lines[i]`` holds the code's line ``i + 1``)."""
    mapped = np.asarray(lines, dtype=np.uint32)

    def carried(at: np.ndarray) -> np.ndarray:
        return mapped[np.clip(at.astype(np.int64), 1, mapped.shape[0]) - 1]

    selected = selected.copy()
    for name in ("line_start", "line_end"):
        selected[name] = carried(selected[name])
    if len(structure):
        functions = structure.functions.copy()
        for name in ("line_start", "line_end"):
            functions[name] = carried(functions[name])
        structure = Structure(functions, structure.events)
    if tokens.error_line is not None:
        error = int(carried(np.array([tokens.error_line]))[0])
        tokens = dataclasses.replace(tokens, error_line=error)
    return selected, structure, tokens
