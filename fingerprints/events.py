"""A function's events as codes, without numpy: the keywords' control codes, the event codes
of call, number and string texts, and each grammar's function nodes.

``structure`` extracts the events with numpy on the Python path; the native tokenizer is built
from this module alone (``native.new_tokenizer``), and asks ``text_codes`` about each text it
has not seen, so that the parser's zygote and its parser processes never import numpy when they
tokenize natively.
"""

from __future__ import annotations

import functools
import hashlib
import re

from fingerprints.grammars import ts_language, value_of

#: Event codes below this are control-flow events; hashes are moved above it.
CONTROL_CODES = 256
LOOP, BRANCH, RETURN, RAISE, TRY, COMPARE, ARITHMETIC, LOCAL = 1, 2, 3, 4, 5, 6, 7, 8
CONTROL_NAMES = {LOOP: "loop", BRANCH: "branch", RETURN: "return", RAISE: "raise", TRY: "try",
                 COMPARE: "compare", ARITHMETIC: "arithmetic", LOCAL: "local call"}  # fmt: skip

MIN_FUNCTION_TOKENS = 25
"""A function node with fewer tokens is part of the function around it."""
MIN_EVENTS = 6
"""Functions with fewer events are not stored (``structural_min_events`` can go no lower)."""
FORMAT = 2
"""Version of the stored bytes (``Structure.to_bytes``): 2 since ``CALL_ALIASES`` and
``SYNTAX_CALLS`` changed some event codes. Format 1 still reads (same layout, older codes), and
``fingerprint`` redoes a file stored at format 1 like one stored without a structure."""
READABLE = (1, 2)
PAINT_BUDGET = 8
"""Function spans may cover each token this many times in all (nesting), no more."""

FUNCTION_KINDS = (
    "function_definition", "function_declaration", "function_item", "method_definition",
    "method_declaration", "constructor_declaration", "function_expression", "arrow_function",
    "generator_function_declaration", "generator_function", "func_literal", "method",
    "singleton_method", "closure_expression", "lambda", "lambda_expression",
    "anonymous_function", "local_function_statement", "anonymous_function_creation_expression",
    "secondary_constructor", "anonymous_function_definition",
)  # fmt: skip

_KEYWORDS = {
    LOOP: ("for", "while", "loop", "do", "foreach", "until"),
    BRANCH: ("if", "elif", "elsif", "switch", "case", "match", "when", "unless"),
    RETURN: ("return",),
    RAISE: ("raise", "throw"),
    TRY: ("try",),
    COMPARE: ("==", "!=", "<", ">", "<=", ">=", "===", "!==", "is", "is not"),
    ARITHMETIC: ("+", "-", "*", "/", "%", "//", "**", "<<", ">>", "&", "|", "^", "+=", "-=",
                 "*=", "/=", "%=", "//=", "<<=", ">>=", "&=", "|=", "^=", "++", "--"),
}  # fmt: skip
_CONTROL = {value_of("k:" + word): code for code, words in _KEYWORDS.items() for word in words}
CONTROL_KEYS = tuple(sorted(_CONTROL))
"""The token values of control-flow keywords and operators, sorted, and their control codes."""
CONTROL_VALUES = tuple(_CONTROL[key] for key in CONTROL_KEYS)
OPEN_PAREN, DOT = value_of("k:("), value_of("k:.")
OPEN_BRACE, CLOSE_PAREN = value_of("k:{"), value_of("k:)")
DEFINERS = tuple(
    value_of("k:" + word) for word in ("def", "function", "func", "fn", "class", "fun")
)
"""Tokens before a name that is defined, not called."""
TYPE_DEFINERS = tuple(value_of("k:" + word) for word in (
    "def", "function", "func", "fn", "class", "fun", "struct", "type", "interface", "enum",
    "trait"))  # fmt: skip
"""Tokens before a name the file defines (a call to it is ``LOCAL``)."""
ANCHORS = tuple(value_of("k:" + word) for word in (
    "def", "function", "func", "fn", "fun", "lambda", "=>"))  # fmt: skip
"""Tokens that start a function (and ``){``), where its node is looked for."""


def event_code(text: str) -> int:
    """A call's or constant's event code: a 32-bit hash, above the control codes."""
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "little")
    return value if value >= CONTROL_CODES else value + CONTROL_CODES


_NUMBER_TEXT = re.compile(r"0x[0-9a-f]+|0o[0-7]+|0b[01]+|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")
_STRING_EDGES = re.compile(r"^[a-z]{0,3}(['\"`]+)|(['\"`]+)$", re.IGNORECASE)


def _number(text: str) -> str:
    """A number literal's value as text: ``0x10``, ``16``, ``16L`` and ``16.0`` give ``16``."""
    text = text.lower().replace("_", "").replace("'", "")
    found = _NUMBER_TEXT.match(text)
    if not found:
        return text
    literal = found.group()
    try:
        value = int(literal, 0) if literal[:2] in ("0x", "0o", "0b") else float(literal)
    except ValueError:
        return literal
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        value = int(value)
    return repr(value)


def _string(text: str) -> str | None:
    """A string literal's normalized text, or None for prose (reworded by any rewrite)."""
    if len(text) > 70:  # 60 characters, quotes and prefixes: prose (checked first: docstrings)
        return None
    inner = " ".join(_STRING_EDGES.sub("", text).lower().split())
    if inner.count(" ") >= 3 or len(inner) > 60:
        return None
    return inner


#: Standard-library names of the same operation across languages, each to one spelling (after
#: ``_name``'s lower case and dropped underscores): a port calls ``trimEnd`` where the original
#: called ``rstrip``. Only names whose meaning is the same wherever they appear.
CALL_ALIASES = {
    alias: canonical for canonical, aliases in {
        "rstrip": ("trimend", "trimright", "trimrightfunc"),
        "lstrip": ("trimstart", "trimleft", "trimleftfunc"),
        "strip": ("trim", "trimspace"),
        "len": ("length",),
        "lower": ("tolowercase", "tolower", "tolowerfirst", "toasciilowercase"),
        "upper": ("touppercase", "toupper", "toasciiuppercase"),
        "startswith": ("hasprefix",),
        "endswith": ("hassuffix",),
        "contains": ("includes",),
        "index": ("indexof",),
        "rindex": ("lastindexof", "lastindex"),
        "replace": ("replaceall",),
        "append": ("push",),
        "dumps": ("stringify",),
        "int": ("parseint", "atoi"),
        "float": ("parsefloat",),
        "str": ("tostring",),
        "items": ("entries",),
    }.items() for alias in aliases
}  # fmt: skip


SYNTAX_CALLS = frozenset(("slice", "substring", "substr", "charat"))
"""Calls that are syntax in other languages (``s[1:-1]``, ``s[i]``, ``&s[a..b]``): no event,
so a port to or from JavaScript or Java lines up with the original."""


@functools.lru_cache(maxsize=1 << 13)
def _name(text: str) -> str:
    """A called or defined name as events compare it: ``starts_with`` is ``startsWith``, and
    the same operation in another language one name (``CALL_ALIASES``)."""
    name = text.lower().replace("_", "")
    return CALL_ALIASES.get(name, name)


def _text_code(kind: int, text: str) -> int:
    """The event code of a call (kind 0), number (1) or string (2) text; 0 for none (cached
    by its one caller, ``_token_code``, which keeps long tokens out of the cache)."""
    if kind == 0:
        name = _name(text)
        return 0 if name in SYNTAX_CALLS else event_code("c:" + name)
    if kind == 1:
        return event_code("n:" + _number(text))
    normalized = _string(text)
    return 0 if normalized is None else event_code("s:" + normalized)


@functools.lru_cache(maxsize=1 << 14)
def _token_code(kind: int, data: bytes) -> tuple[int, bool, str]:
    """A token's ``_text_code``, whether it is a ``_private`` name, and its ``_name``: what
    ``_code_of`` needs, worked out once per distinct token text across files."""
    text = data.decode("utf-8", "replace")
    private = kind == 0 and text.startswith("_") and not text.endswith("__")
    return _text_code(kind, text), private, _name(text) if kind == 0 else ""


def name_id(name: str) -> int:
    """A ``_name`` as the native extraction compares names: a 63-bit hash of it."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little") >> 1


def text_codes(texts: list[tuple[int, bytes]]) -> list[int]:
    """Per (kind, bytes), as ``_code_of`` sees it: its ``_text_code``, 1 for a ``_private``
    name, ``name_id`` of its ``_name`` (0 unless a call): three ints each, one after the other.
    The native extraction asks this once per file about the texts it has not seen before."""
    answers: list[int] = []
    for kind, data in texts:
        code, private, name = (_token_code if len(data) <= 256 else _token_code.__wrapped__)(
            kind, data
        )
        answers += (code, int(private), name_id(name) if kind == 0 else 0)
    return answers


@functools.cache
def _grammar(name: str) -> tuple[frozenset[int], int, int, int]:
    """A grammar's function kind ids (every id, aliases too) and the field ids of ``body``,
    ``parameters`` and ``name`` (0 where it has none): ints, cheaper than strings per node."""
    language = ts_language(name)
    kinds = frozenset(i for i in range(language.node_kind_count)
                      if language.node_kind_for_id(i) in FUNCTION_KINDS)  # fmt: skip
    fields = (language.field_id_for_name(f) or 0 for f in ("body", "parameters", "name"))
    return (kinds, *fields)  # type: ignore[return-value]
