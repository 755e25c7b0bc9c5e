"""Which files are source code, and the tree-sitter grammar for each.

Grammars come from the official per-language wheels on PyPI (``tree-sitter-python`` and so on),
which bundle their compiled parser and work offline. A grammar is loaded on first use.

Each language also gets a *token table*: for every node kind of its grammar, the 64-bit value
that a leaf of that kind contributes to the normalized token stream (see ``normalize``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import tree_sitter

# re-exported: which files are source, by name (``extensions``, which needs no numpy)
from fingerprints.extensions import (  # noqa: F401
    extension_for_language,
    language_for_path,
    language_for_shebang,
)

# re-exported: the grammars and token values without numpy (``grammars``: what the native
# tokenizer is built from)
from fingerprints.grammars import GRAMMARS as _GRAMMARS
from fingerprints.grammars import category, token_table, ts_language, value_of  # noqa: F401

LANGUAGES: tuple[str, ...] = tuple(sorted(_GRAMMARS))

# Token categories. Values are fixed 64-bit constants derived from their names.
DROP = np.uint64(0)


def _value(name: str) -> np.uint64:
    return np.uint64(value_of(name))  # never 0 (0 is DROP)


IDENT = _value("identifier")
STRING = _value("string")
NUMBER = _value("number")


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
    table = np.frombuffer(token_table(name), dtype="<u8").astype(np.uint64)
    return Language(name=name, ts_language=ts_language(name), token_table=table)
