"""The native tokenizer: the per-file hot path in C, when it was built.

``fingerprints/_native.c`` (built by setup.py against the tree-sitter core of the pinned
py-tree-sitter release) parses a file and returns, in one call, what ``normalize.tokenize``
computes from a py-tree-sitter tree and ``structure.extract`` from that (the Structure bytes;
the event code of a text it has not seen yet comes from ``structure.text_codes``), ``select`` what
``shingles.kgrams``, ``winnow`` and ``KGrams.select`` do, ``rolling_hash`` what
``shingles.rolling_hash`` does, and ``minima`` a MinHash signature's
values (``signature.signature_bytes``): the same arrays, bit for bit (tests/test_native.py).
Without the extension, or with ``LEAKTRACE_NATIVE=0`` in the environment (read once per
process), the Python path runs instead. An extension built from another ``_native.c`` (an
editable install's in-place build, left behind when the checkout moved on) is refused at import,
by name, with the command that rebuilds it (``ABI``, ``NativeBuildError``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and the grammars are imported when a file is tokenized, not before
    import numpy as np

    from fingerprints._native import Tokenizer  # type: ignore[import-not-found]

from fingerprints.errors import NativeBuildError

ENVIRONMENT = "LEAKTRACE_NATIVE"
"""Set to ``0`` to run the Python path although the extension is there."""
ABI = 1
"""The ``LEAKTRACE_NATIVE_ABI`` that ``_native.c`` compiles in: what this side calls there.
Bumped with it; an extension carrying another number (or none: built before it had one) is out
of date, and importing it raises ``NativeBuildError``."""


_off = False


def _module() -> ModuleType | None:
    return None if _off else _loaded()


def _loaded() -> ModuleType | None:
    if os.environ.get(ENVIRONMENT, "1") == "0":
        return None
    return _checked()


@functools.cache
def _imported() -> ModuleType | None:
    try:
        return importlib.import_module("fingerprints._native")
    except ImportError:
        return None


def _checked() -> ModuleType | None:
    """The extension, or None when it was not built; ``NativeBuildError`` when it is out of
    date (each call: the error is not cached away)."""
    module = _imported()
    if module is not None and getattr(module, "ABI", 0) != ABI:
        raise NativeBuildError(out_of_date(module))
    return module


def out_of_date(module: ModuleType) -> str:
    """One line: the extension's file, that it is out of date, and the command that builds it
    again (an editable install's own checkout, with this interpreter's pip)."""
    import shlex
    from pathlib import Path

    found = getattr(module, "ABI", None)
    built_as = f"ABI {found}" if found is not None else "no ABI number"
    checkout = Path(__file__).resolve().parents[1]
    python = shlex.quote(sys.executable)
    rebuild = (f"{python} -m pip install -e {shlex.quote(str(checkout))}"
               if (checkout / "setup.py").is_file() and (checkout / "pyproject.toml").is_file()
               else f"{python} -m pip install --force-reinstall --no-deps leaktrace")  # fmt: skip
    return (f"{module.__file__}: native extension out of date (built from an older "
            f"fingerprints/_native.c: {built_as}, this leaktrace needs ABI {ABI}); rebuild it: "
            f"{rebuild}")  # fmt: skip


def check_native_build() -> None:
    """Raise ``NativeBuildError`` when the extension is out of date (nothing when it is
    current, not built, or turned off with ``LEAKTRACE_NATIVE=0``): called before a command
    starts parsing, so that the line is the command's, not a parser process's."""
    _loaded()


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """The Python path in this process while inside (the reference the tests compare with)."""
    global _off
    before, _off = _off, True
    try:
        yield
    finally:
        _off = before


def built() -> bool:
    """Whether the extension was built (whatever ``LEAKTRACE_NATIVE`` says), current or not."""
    return _imported() is not None


def active() -> bool:
    """Whether this process tokenizes natively."""
    return _module() is not None


def native_status() -> str:
    """``yes``, or ``no`` and why (what ``leaktrace version`` prints)."""
    try:
        if active():
            return "yes"
    except NativeBuildError as exc:
        return f"no ({exc})"
    if not built():
        return "no (not built at install: the Python path runs, with the same results)"
    return f"no ({ENVIRONMENT}=0)"


def tokenizer(name: str) -> Tokenizer | None:
    """The native tokenizer of a language, or None when the Python path runs."""
    module = _module()
    return None if module is None else _tokenizer(module, name)


@functools.cache
def _tokenizer(module: ModuleType, name: str) -> Tokenizer:
    return new_tokenizer(module, name)


def new_tokenizer(module: ModuleType, name: str, seed: int | None = None) -> Tokenizer:
    """A native tokenizer of a language; ``seed`` keys its hash tables (random when None: the
    outputs are the same whatever it is, tests/test_native.py). Built from ``grammars`` and
    ``events`` alone: no numpy (the parser's zygote builds Python's before it forks)."""
    from fingerprints import events as e
    from fingerprints.grammars import IDENT, NUMBER, STRING, grammar_pointer, token_table

    table = token_table(name)
    kinds, body, params, named = e._grammar(name)
    # the names ``events._name`` maps, and the calls that are syntax: "alias\0canonical\0"
    # each, "\0", "call\0" each (the event codes of ASCII names, worked out in C)
    pairs = "".join(f"{alias}\0{canonical}\0" for alias, canonical in e.CALL_ALIASES.items())
    module.set_names((pairs + "\0" + "".join(f"{c}\0" for c in sorted(e.SYNTAX_CALLS))).encode())
    mask = bytearray(len(table) // 8)
    for kind in kinds:
        mask[kind] = 1
    return module.Tokenizer(  # type: ignore[no-any-return]
        grammar_pointer(name), table, bytes(mask), body, params, named, STRING,
        _words(e.ANCHORS), e.OPEN_BRACE, e.CLOSE_PAREN,
        # what ``structure.extract`` needs: control codes by token value (sorted), the tokens
        # that define a function or a type, four token values, its limits, and the event
        # codes of texts (``events.text_codes``)
        _words(e.CONTROL_KEYS), bytes(e.CONTROL_VALUES), _words(e.DEFINERS),
        _words(e.TYPE_DEFINERS), IDENT, NUMBER, e.DOT, e.OPEN_PAREN, e.MIN_FUNCTION_TOKENS,
        e.PAINT_BUDGET, e.MIN_EVENTS, e.FORMAT, e.LOCAL, e.text_codes, seed,
    )  # fmt: skip


def _words(values: tuple[int, ...]) -> bytes:
    """``values`` as little-endian uint64 bytes (what the tokenizer reads its tables from)."""
    return b"".join(value.to_bytes(8, "little") for value in values)


def use_python_allocator() -> None:
    """Have tree-sitter allocate from Python's small-object allocator and parse with the GIL
    held, as py-tree-sitter does, and keep up to 32 MiB of the arenas a parse frees for the
    next (a parser process's, before its first parse: its files are parsed one at a time). A
    parse makes and frees a node per token; on malloc, a parser process spent a seventh of its
    CPU in malloc and free, and 13% more CPU on pip 24.2's files (12% on the watch
    benchmark's stream). Nothing when the Python path runs; ``RuntimeError`` once this
    process made a native tokenizer (its parser was allocated with malloc)."""
    module = _module()
    if module is not None:
        module.use_python_allocator()


def blank_comment_lines(source: bytes) -> bytes | None:
    """``normalize._blank_python_comment_lines``, or None when the Python path runs."""
    module = _module()
    return None if module is None else module.blank_comment_lines(source)  # type: ignore[no-any-return]


def minima(hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> bytearray | None:
    """``signature.signature_bytes``'s per-permutation minima as uint32 bytes, or None when the
    Python path runs."""
    module = _module()
    return None if module is None else module.minima(hashes, a, b)  # type: ignore[no-any-return]


def rolling_hash(values: np.ndarray, k: int, out: np.ndarray) -> bool:
    """``shingles.rolling_hash`` of ``values`` (uint64, contiguous, at least ``k``) into ``out``;
    False when the Python path runs."""
    module = _module()
    if module is None:
        return False
    module.rolling_hash(values, k, out)
    return True


def select(values: np.ndarray, raw: np.ndarray, line_start: np.ndarray, line_end: np.ndarray,
           k: int, w: int) -> bytearray | None:  # fmt: skip
    """Winnowed fingerprints as FINGERPRINT_DTYPE bytes, or None when the Python path runs."""
    module = _module()
    if module is None:
        return None
    return module.select(values, raw, line_start, line_end, k, w)  # type: ignore[no-any-return]
