"""Which files are source code, and the tree-sitter grammar for each.

Grammars come from the official per-language wheels on PyPI (``tree-sitter-python`` and so on),
which bundle their compiled parser and work offline. A grammar is loaded on first use.

Each language also gets a *token table*: for every node kind of its grammar, the 64-bit value
that a leaf of that kind contributes to the normalized token stream (see ``normalize``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
import tree_sitter

# name -> (module, function returning the grammar pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
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

_EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".rs": "rust",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp",
    ".cs": "csharp",
    ".rb": "ruby", ".rake": "ruby",
    ".php": "php",
    ".kt": "kotlin", ".kts": "kotlin",
}  # fmt: skip

LANGUAGES: tuple[str, ...] = tuple(sorted(_GRAMMARS))

# Token categories. Values are fixed 64-bit constants derived from their names.
DROP = np.uint64(0)


def _value(name: str) -> np.uint64:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little") | 1)  # never 0 (0 is DROP)


IDENT = _value("identifier")
STRING = _value("string")
NUMBER = _value("number")

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


@dataclass(frozen=True, slots=True)
class Language:
    """A loaded grammar and its token table (kind id -> normalized token value)."""

    name: str
    ts_language: tree_sitter.Language
    token_table: np.ndarray

    def parser(self) -> tree_sitter.Parser:
        return tree_sitter.Parser(self.ts_language)


def language_for_path(path: str | PurePosixPath) -> str | None:
    """The language name for a file name, or None when it is not source we understand."""
    return _EXTENSIONS.get(PurePosixPath(path).suffix.lower())


def extension_for_language(language: str) -> str:
    """The first extension of ``language`` (``python`` -> ``.py``): a name for code that has
    none, read in that language."""
    return next(extension for extension, name in _EXTENSIONS.items() if name == language)


_INTERPRETERS: dict[str, str] = {
    "python": "python", "pypy": "python",
    "node": "javascript", "nodejs": "javascript",
    "ts-node": "typescript", "tsx": "typescript", "deno": "typescript", "bun": "typescript",
    "ruby": "ruby",
    "php": "php",
}  # fmt: skip
"""Interpreters a ``#!`` line may name (without their version: ``python3.12``), by language (Deno
and Bun run TypeScript, a superset of the JavaScript they also run)."""
_SHEBANG_LINE = 256
_VERSIONED = re.compile(r"([a-z][a-z-]*?)[0-9.]*")


def language_for_shebang(head: bytes) -> str | None:
    """The language of a script by its ``#!`` line (``#!/usr/bin/env python3``,
    ``#!/usr/bin/node``, ``#!/usr/bin/env -S python3 -u``), for a file whose name says none;
    None when it has no such line in its first bytes or names an interpreter of a language no
    grammar here reads (``sh``, ``perl``)."""
    if not head.startswith(b"#!"):
        return None
    line, newline, _ = head[2:_SHEBANG_LINE].partition(b"\n")
    if not newline and len(head) > _SHEBANG_LINE:
        return None
    words = line.decode("ascii", "replace").split()
    if words and words[0].rsplit("/", 1)[-1] == "env":  # env's options and NAME=VALUE first
        words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    if not words:
        return None
    program = _VERSIONED.fullmatch(words[0].rsplit("/", 1)[-1])
    return _INTERPRETERS.get(program.group(1)) if program else None


@functools.cache
def load_language(name: str) -> Language:
    """Load a grammar by language name (cached)."""
    module_name, function = _GRAMMARS[name]
    module = importlib.import_module(module_name)
    ts_language = tree_sitter.Language(getattr(module, function)())
    values = {"identifier": IDENT, "string": STRING, "number": NUMBER}
    table = np.zeros(ts_language.node_kind_count + 1, dtype=np.uint64)
    for kind_id in range(ts_language.node_kind_count):
        kind = ts_language.node_kind_for_id(kind_id)
        if kind is None:
            continue
        cat = category(kind, ts_language.node_kind_is_named(kind_id))
        if cat is not None:
            table[kind_id] = values.get(cat) or _value(cat)
    return Language(name=name, ts_language=ts_language, token_table=table)
