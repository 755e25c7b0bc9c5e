"""Source bytes -> normalized token stream, every token with its line range.

Only the leaves of the tree-sitter parse tree become tokens. A leaf's normalized value comes from
its language's token table (identifiers folded to one value, literals folded by kind, comments and
quote delimiters dropped, keywords and punctuation kept), so renaming identifiers, rewriting
comments, re-indenting and changing quote style leave the stream unchanged. Adjacent string pieces
(``"a\\nb"`` parses as three leaves) collapse into one string token.

Each token also gets a *raw* 64-bit hash of its exact bytes; two k-grams whose raw hashes agree are
token-for-token identical (verbatim up to whitespace and comments).

The per-leaf Python work is one cursor step and three integer reads; everything after the tree
walk is vectorized numpy.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import tree_sitter

# re-exported: what the parser is given, without numpy (``grammars``: a parser process's)
from fingerprints.grammars import (  # noqa: F401
    _BLANKED_COMMENTS,
    _COMMENT_LINE,
    _blank_python_comment_lines,
    dialects,
    parsed_source,
    read_and_parsed,
)
from fingerprints.languages import STRING, Language, load_language
from fingerprints.native import tokenizer
from fingerprints.structure import EMPTY, Structure, extract, function_rows
from fingerprints.text import line_ended

if TYPE_CHECKING:
    from fingerprints.native import Tokenizer

_RAW_BASE = np.uint64(0x100000001B3)
_EMPTY_U64 = np.zeros(0, dtype=np.uint64)
_EMPTY_U32 = np.zeros(0, dtype=np.uint32)
_EMPTY_I64 = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class TokenStream:
    """Normalized tokens of one file. All arrays have one entry per token."""

    values: np.ndarray  # uint64 normalized token values
    raw: np.ndarray  # uint64 hashes of the exact token bytes
    line_start: np.ndarray  # uint32, 1-based
    line_end: np.ndarray  # uint32, 1-based, inclusive
    lines: int  # lines in the file
    error_line: int | None  # first line with a syntax error, or None
    start_byte: np.ndarray = field(default_factory=lambda: _EMPTY_I64)  # int64, per token
    end_byte: np.ndarray = field(default_factory=lambda: _EMPTY_I64)  # int64, exclusive
    structure: Structure = EMPTY
    """The file's functions and their events: the structural signal (``structure``)."""

    def __len__(self) -> int:
        return int(self.values.shape[0])


def _walk_leaves(tree: tree_sitter.Tree) -> tuple[array[int], array[int], array[int]]:
    """Kind, start byte and end byte of every leaf, in order (compact arrays: a 4 MB minified
    bundle has millions of leaves, and a list would keep an int object for each)."""
    kinds: array[int] = array("l")
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    cursor = tree.walk()
    first_child = cursor.goto_first_child
    next_sibling = cursor.goto_next_sibling
    parent = cursor.goto_parent
    add_kind, add_start, add_end = kinds.append, starts.append, ends.append
    while True:
        if first_child():
            continue
        node = cursor.node
        add_kind(node.kind_id)
        add_start(node.start_byte)
        add_end(node.end_byte)
        while not next_sibling():
            if not parent():
                return kinds, starts, ends


def _first_error_line(tree: tree_sitter.Tree) -> int | None:
    node = tree.root_node
    if not node.has_error:
        return None
    while not (node.is_error or node.is_missing):
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            break
        node = child
    return node.start_point[0] + 1


def _raw_hashes(source: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Polynomial hash of ``source[s:e]`` for every (s, e), with no Python loop.

    With prefix sums ``H[j] = sum(b[i] * B**i for i < j)`` (mod 2**64), the hash of a slice is
    ``(H[e] - H[s]) * B**-s``; B is odd, so it has an inverse mod 2**64.
    """
    data = np.frombuffer(source, dtype=np.uint8).astype(np.uint64)
    powers, inverse = _powers(data.shape[0] + 1)
    prefix = np.zeros(data.shape[0] + 1, dtype=np.uint64)
    np.cumsum(data * powers[: data.shape[0]], out=prefix[1:])
    return (prefix[ends] - prefix[starts]) * inverse[starts]


class Powers:
    """``B ** m`` and ``B ** -m`` (mod 2**64) for ``m`` below a length, kept between calls up to
    ``KEPT`` of them (16 MiB: every stream up to a million tokens or file up to 1 MiB; a longer
    one gets its own): the raw slice hashes here, the k-gram hashes in ``shingles``."""

    KEPT = 1 << 20

    def __init__(self, base: np.uint64) -> None:
        self._base, self._inverse = base, np.uint64(pow(int(base), -1, 2**64))
        self._kept = (np.ones(1, np.uint64), np.ones(1, np.uint64))

    def __call__(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        if self._kept[0].shape[0] >= count:
            return self._kept
        size = max(count, min(2 * self._kept[0].shape[0], self.KEPT))
        tables = np.empty(size, np.uint64), np.empty(size, np.uint64)
        for table, factor in zip(tables, (self._base, self._inverse), strict=True):
            table[0] = 1
            np.cumprod(np.full(size - 1, factor, dtype=np.uint64), out=table[1:])
        if size <= self.KEPT:
            self._kept = tables
        return tables


_powers = Powers(_RAW_BASE)


def count_lines(source: bytes) -> int:
    """Lines as the tokens count them: LF, CRLF or a lone CR ends one (``line_ended``)."""
    if not source:
        return 0
    source = line_ended(source)
    return source.count(b"\n") + (0 if source.endswith(b"\n") else 1)


def tokenize(
    source: bytes,
    language: Language,
    parser: tree_sitter.Parser | None = None,
    *,
    structure: bool = True,
) -> TokenStream:
    """Parse ``source`` and return its normalized token stream (with its ``Structure`` unless
    ``structure`` is False: then ``EMPTY``, for a caller that never reads it).

    A file with syntax errors still gets tokens: tree-sitter recovers and the leaves it found are
    used; ``error_line`` tells where the first error is. The native tokenizer does it all in C
    when it runs (``native``; ``parser`` is the Python path's), with the same result. A
    JavaScript file that holds TypeScript is read as TypeScript (``grammars.dialects``).
    """
    stream = _tokenize(source, language, parser, structure)
    for dialect in dialects(language.name, stream.error_line, len(source)):
        found = _tokenize(source, load_language(dialect), None, structure)
        if found.error_line is None:
            return found
    return stream


def _tokenize(source: bytes, language: Language, parser: tree_sitter.Parser | None,
              structure: bool) -> TokenStream:  # fmt: skip
    """``tokenize`` with ``language``'s grammar alone."""
    source, prepared = read_and_parsed(source, language.name)
    native = tokenizer(language.name)
    if native is not None:
        return _native_stream(source, prepared, native, structure)
    tree = (parser or language.parser()).parse(prepared)
    kinds, starts_list, ends_list = _walk_leaves(tree)
    lines = count_lines(source)
    error_line = _first_error_line(tree)
    if not kinds:
        return TokenStream(_EMPTY_U64, _EMPTY_U64, _EMPTY_U32, _EMPTY_U32, lines, error_line)

    kind_ids = np.frombuffer(kinds, dtype=np.dtype(f"i{kinds.itemsize}")).astype(np.intp)
    # ERROR leaves carry tree-sitter's builtin error symbol (65535), outside the grammar's
    # table; the table's last slot (dropped) takes them, and tokens around them still count.
    np.minimum(kind_ids, language.token_table.shape[0] - 1, out=kind_ids)
    values = language.token_table[kind_ids]
    starts = np.frombuffer(starts_list, dtype=np.int64)
    ends = np.frombuffer(ends_list, dtype=np.int64)
    keep = (values != 0) & (ends > starts)
    values, starts, ends = values[keep], starts[keep], ends[keep]

    # Collapse runs of string pieces into one token spanning the whole run.
    is_string = values == STRING
    continues_run = np.zeros_like(is_string)
    continues_run[1:] = is_string[1:] & is_string[:-1]
    if continues_run.any():
        kept = np.flatnonzero(~continues_run)
        run_last = np.append(kept[1:] - 1, values.shape[0] - 1)
        values, starts, ends = values[kept], starts[kept], ends[run_last]

    # A byte's line is one more than the newlines *before* it: a newline belongs to the line it
    # ends, so a token ending in one (PHP's inline text, a heredoc) does not reach the next line.
    newlines = np.flatnonzero(np.frombuffer(source, dtype=np.uint8) == 10)
    line_start = (np.searchsorted(newlines, starts, side="left") + 1).astype(np.uint32)
    line_end = (np.searchsorted(newlines, ends - 1, side="left") + 1).astype(np.uint32)
    raw = _raw_hashes(source, starts, ends)
    found = EMPTY
    if structure:
        functions = function_rows(tree, language.name, values, starts, ends)
        found = extract(source, functions, values, raw, starts, ends)
    return TokenStream(values, raw, line_start, line_end, lines, error_line, starts, ends, found)


def _native_stream(source: bytes, prepared: bytes, native: Tokenizer,
                   structure: bool) -> TokenStream:  # fmt: skip
    """``tokenize``'s stream, from the native tokenizer's one call (``native``), the structure
    extracted there too (``structure.extract``'s bytes)."""
    values, raw, line_start, line_end, starts, ends, error_line, blob, lines = native.tokenize(
        prepared, source, structure
    )
    return TokenStream(np.frombuffer(values, dtype=np.uint64), np.frombuffer(raw, dtype=np.uint64),
                       np.frombuffer(line_start, dtype=np.uint32),
                       np.frombuffer(line_end, dtype=np.uint32), lines, error_line,
                       np.frombuffer(starts, dtype=np.int64), np.frombuffer(ends, dtype=np.int64),
                       EMPTY if blob is None else Structure.from_bytes(blob))  # fmt: skip
