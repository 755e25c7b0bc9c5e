"""The grammars and the token value of each node kind, without numpy.

What ``languages`` wraps in numpy arrays for the Python path, and what the native tokenizer is
built from (``native.new_tokenizer``): so the parser's zygote builds its tokenizer and forks the
parser processes without importing numpy (about half of its start-up), and a parser process
that tokenizes natively never imports it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import sys
from array import array

import tree_sitter

from fingerprints.native import blank_comment_lines
from fingerprints.text import line_ended

# name -> (module, function returning the grammar pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "java": ("tree_sitter_java", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "kotlin": ("tree_sitter_kotlin", "language"),
}


def value_of(name: str) -> int:
    """A token category's fixed 64-bit value, derived from its name (never 0: 0 drops)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") | 1


IDENT = value_of("identifier")
STRING = value_of("string")
NUMBER = value_of("number")

_IDENT_NAMES = {"name", "constant", "label_name", "simple_identifier", "jsx_namespace_name"}
_NUMBER_PARTS = ("integer", "float", "number", "int_literal", "real_literal", "imaginary")
_STRING_PARTS = (
    "string", "char", "escape", "heredoc", "nowdoc", "regex", "fragment", "jsx_text",
    "rune_literal", "literal_content",
)  # fmt: skip
_DROPPED_NAMED = {
    "string_start",
    "string_end",
    "raw_string_start",
    "raw_string_end",
    "raw_string_delimiter",
    "heredoc_start",
    "heredoc_end",
    "heredoc_beginning",
}
_QUOTES = set("\"'`")


def category(kind: str, named: bool) -> str | None:
    """The normalized category of a leaf of this kind, or None when it is dropped.

    Identifiers of every sort fold to one category, literals fold by kind (string, number),
    comments and string delimiters are dropped (a reformatter may change quote style), and
    keywords, operators and punctuation keep their own kind.
    """
    if not named:
        stripped = kind.strip()
        if stripped and (stripped[-1] in _QUOTES or stripped[0] in _QUOTES) and len(stripped) <= 4:
            return None
        return "k:" + kind
    if "comment" in kind or kind in _DROPPED_NAMED:
        return None
    if "identifier" in kind or kind in _IDENT_NAMES or kind.endswith("_variable"):
        return "identifier"
    if any(part in kind for part in _NUMBER_PARTS):
        return "number"
    if any(part in kind for part in _STRING_PARTS):
        return "string"
    return "n:" + kind


def grammar_pointer(name: str) -> object:
    """The grammar module's pointer to a language (what ``tree_sitter.Language`` takes)."""
    module_name, function = GRAMMARS[name]
    return getattr(importlib.import_module(module_name), function)()


@functools.cache
def ts_language(name: str) -> tree_sitter.Language:
    """A language's grammar, loaded on first use (cached)."""
    return tree_sitter.Language(grammar_pointer(name))


@functools.cache
def token_table(name: str) -> bytes:
    """The token value of each node kind id of a language, as little-endian uint64 bytes, and
    one more 0 entry past the last id (any id out of range drops, as 0 does)."""
    language = ts_language(name)
    values = {"identifier": IDENT, "string": STRING, "number": NUMBER}
    table = array("Q", bytes(8 * (language.node_kind_count + 1)))
    for kind_id in range(language.node_kind_count):
        kind = language.node_kind_for_id(kind_id)
        if kind is None:
            continue
        found = category(kind, language.node_kind_is_named(kind_id))
        if found is not None:
            table[kind_id] = values.get(found) or value_of(found)
    if sys.byteorder != "little":
        table.byteswap()
    return table.tobytes()


_COMMENT_LINE = re.compile(rb"(?m)^[ \t]*#[^\n]*")


def _blank_python_comment_lines(source: bytes) -> bytes:
    """``source`` with every comment-only line turned into spaces of the same length.

    tree-sitter-python's external scanner takes time quadratic in a run of comment lines after
    code (20 MB of ``#`` lines padding a copy never finishes; upstream tree-sitter-python #242,
    #245), while lines of spaces parse in linear time. Comments are not tokens, byte offsets and
    line numbers stay the same, and raw token hashes are taken from the original bytes.
    """
    if b"#" not in source:
        return source
    blanked = blank_comment_lines(source)  # natively, when the extension runs
    if blanked is not None:
        return blanked
    return _COMMENT_LINE.sub(lambda m: b" " * len(m.group()), source)


#: Grammars whose parser needs the source prepared (language name -> preparation).
_BLANKED_COMMENTS = {"python": _blank_python_comment_lines}


def parsed_source(source: bytes, language: str) -> bytes:
    """What the parser of ``language`` is given for ``source`` (``_BLANKED_COMMENTS``): the
    same length, the same lines; tokens are still taken from ``source``."""
    prepare = _BLANKED_COMMENTS.get(language)
    return source if prepare is None else prepare(source)


DIALECT_MAX_BYTES = 1 << 20
"""The largest JavaScript file read again as TypeScript (``dialects``): TypeScript sources are
far smaller; a bundle over it with a syntax error is not parsed two more times."""


def dialects(language: str, error_line: int | None, size: int) -> tuple[str, ...]:
    """The grammars to read a file with, in order, after its own parse found a syntax error: a
    ``.js`` file holding TypeScript (a ``.ts`` or ``.tsx`` source shipped under a ``.js`` name,
    as a build that only renames leaves it) gives errors at every type, and is read as the
    first of TypeScript and TSX that parses it without one. Every tokenizer (both sides, every
    path) asks this, so a private file and its copy are read alike; none for anything else."""
    if language != "javascript" or error_line is None or size > DIALECT_MAX_BYTES:
        return ()
    return ("typescript", "tsx")


def read_and_parsed(data: bytes, language: str) -> tuple[bytes, bytes]:
    """``data`` as every tokenizer reads it (``text.line_ended``: a lone CR ends a line) and
    what the parser is given for it (``parsed_source``): both sides, every path, read alike."""
    read = line_ended(data)
    return read, parsed_source(read, language)
