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
from dataclasses import dataclass

import numpy as np
import tree_sitter

# re-exported: which files are source, by name (``extensions``, which needs no numpy)
from fingerprints.extensions import (  # noqa: F401
    extension_for_language,
    language_for_path,
    language_for_shebang,
)

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
