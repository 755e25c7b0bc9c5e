"""The structural signal: per function, what a rewrite must keep to keep the behaviour.

An AI-assisted rewrite renames every identifier, turns loops into comprehensions, nested ifs
into early returns, reorders functions and rewords messages, so the token winnowing finds
nothing. What it cannot change without changing the behaviour is, per function: the external
calls it makes (a standard-library or third-party name cannot be renamed), the constants it
uses (numbers, short strings), and roughly the order and shape of its control flow. This
module turns each function of a parsed file into a sequence of such *events* over a
language-neutral alphabet:

- control flow: ``LOOP`` (``for``, ``while``, ``loop``, ``do``; a comprehension's ``for``
  too, so a loop rewritten as a comprehension is the same event), ``BRANCH`` (``if``,
  ``elif``, ``switch``, ``case``, ``match``, ``when``, ``unless``), ``RETURN``, ``RAISE``
  (``raise``, ``throw``), ``TRY``, ``COMPARE`` and ``ARITHMETIC`` (operators);
- a call or member access: the hash of the name (the identifier before the argument list, or
  after a ``.``; lower case, underscores dropped, so ``startswith``, ``startsWith`` and
  ``starts_with`` agree across languages). A call to a name the file itself defines, or to a
  ``_private`` one, is ``LOCAL`` whatever its name: a rewrite renames those;
- a constant: the hash of a number's value (``0x10``, ``16`` and ``16.0`` agree) or of a
  short string's normalized text (prose, three spaces or more, is dropped: messages get
  reworded).

Functions are the grammar's function, method, lambda and closure nodes, found from the tokens
that start them (see ``_function_nodes``); one of fewer than ``MIN_FUNCTION_TOKENS`` tokens
stays part of the function around it (``x => x * 2`` is part of the loop it replaces). Each
token's event goes to the innermost function holding it. Only functions with at least
``MIN_EVENTS`` events are kept.

What is stored per function: its line range, its arity and its event codes (uint32 hashes,
no text), a few bytes per line of code. Nothing here can give the source back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import tree_sitter

from fingerprints import events

# re-exported: the events' codes and tables without numpy (``events``: the native tokenizer's)
from fingerprints.events import (  # noqa: F401
    ARITHMETIC,
    BRANCH,
    CALL_ALIASES,
    COMPARE,
    CONTROL_CODES,
    CONTROL_NAMES,
    FORMAT,
    FUNCTION_KINDS,
    LOCAL,
    LOOP,
    MIN_EVENTS,
    MIN_FUNCTION_TOKENS,
    PAINT_BUDGET,
    RAISE,
    READABLE,
    RETURN,
    SYNTAX_CALLS,
    TRY,
    _grammar,
    _name,
    _number,
    _string,
    _text_code,
    _token_code,
    event_code,
    name_id,
    text_codes,
)
from fingerprints.languages import IDENT, NUMBER, STRING

_CONTROL_KEYS = np.array(events.CONTROL_KEYS, dtype=np.uint64)
_CONTROL_VALUES = np.array(events.CONTROL_VALUES, dtype=np.int64)
_OPEN_PAREN, _DOT = np.uint64(events.OPEN_PAREN), np.uint64(events.DOT)
_OPEN_BRACE, _CLOSE_PAREN = np.uint64(events.OPEN_BRACE), np.uint64(events.CLOSE_PAREN)
_DEFINERS = np.array(events.DEFINERS, dtype=np.uint64)
_TYPE_DEFINERS = np.array(events.TYPE_DEFINERS, dtype=np.uint64)
_ANCHORS = np.array(events.ANCHORS, dtype=np.uint64)

if TYPE_CHECKING:
    from fingerprints.normalize import TokenStream

FUNCTION_DTYPE = np.dtype(
    [("line_start", "<u4"), ("line_end", "<u4"), ("arity", "<u2"), ("events", "<u4")]
)


@dataclass(frozen=True, slots=True)
class Structure:
    """The functions of one file: line ranges, arities and event sequences."""

    functions: np.ndarray  # FUNCTION_DTYPE
    events: np.ndarray  # uint32, every function's events one after the other
    blob: bytes | None = field(default=None, compare=False, repr=False)
    """``to_bytes``, when the structure was read from bytes of this ``FORMAT`` (``from_bytes``:
    the native tokenizer's, or a stored one)."""

    def __len__(self) -> int:
        return int(self.functions.shape[0])

    def starts(self) -> np.ndarray:
        """Where each function's events start in ``events`` (and the end, last)."""
        starts = np.zeros(len(self) + 1, dtype=np.int64)
        np.cumsum(self.functions["events"], out=starts[1:])
        return starts

    def to_bytes(self) -> bytes:
        if self.blob is not None:
            return self.blob
        head = bytes([FORMAT]) + len(self).to_bytes(4, "little")
        return head + self.functions.tobytes() + self.events.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes | None) -> Structure:
        """The stored bytes back; ``ValueError`` when they are not a structure."""
        if not blob:
            return EMPTY
        if blob[0] not in READABLE or len(blob) < 5:
            raise ValueError(f"not a structure record of format {' or '.join(map(str, READABLE))}")
        count = int.from_bytes(blob[1:5], "little")
        end = 5 + count * FUNCTION_DTYPE.itemsize
        if end > len(blob) or (len(blob) - end) % 4:
            raise ValueError(f"{len(blob)} bytes do not hold {count} functions")
        functions = np.frombuffer(blob, dtype=FUNCTION_DTYPE, count=count, offset=5)
        events = np.frombuffer(blob, dtype="<u4", offset=end)
        if int(functions["events"].sum()) != events.shape[0]:
            raise ValueError("event counts do not add up")
        kept = blob if isinstance(blob, bytes) and blob[0] == FORMAT else None  # as written now
        return cls(functions, events, kept)


EMPTY = Structure(np.zeros(0, FUNCTION_DTYPE), np.zeros(0, np.uint32))


def _function_nodes(tree: tree_sitter.Tree, language: str, values: np.ndarray,
                    starts: np.ndarray, ends: np.ndarray) -> list[tree_sitter.Node]:  # fmt: skip
    """The function nodes of a parsed file, found from its tokens: each keyword that starts a
    function (``def``, ``function``, ``func``, ``fn``, ``fun``, ``lambda``, ``=>``) and each
    ``{`` right after a ``)`` (a method of Java, C, C#, a JavaScript class) is looked up in the
    tree and its function found among its nearest ancestors. A few node lookups per function,
    where a query over the whole tree costs a third of the parse."""
    brace = np.zeros(values.shape[0], dtype=bool)
    brace[1:] = (values[1:] == _OPEN_BRACE) & (values[:-1] == _CLOSE_PAREN)
    anchors = np.flatnonzero(np.isin(values, _ANCHORS) | brace)
    kinds = _grammar(language)[0]
    root, found, seen = tree.root_node, [], set()
    for at in anchors.tolist():
        node = root.descendant_for_byte_range(int(starts[at]), int(ends[at]))
        for _ in range(3):
            if node is None or node.kind_id in kinds:
                break
            node = node.parent
        if node is not None and node.kind_id in kinds:
            key = (node.start_byte, node.end_byte)
            if key not in seen:
                seen.add(key)
                found.append(node)
    return found


FUNCTION_FIELDS = 8
"""A function node as ``extract`` reads it, one int64 row: start byte, end byte, first row, last
row (0-based), its body's start byte (-1: none), its parameters' named children (0: none), its
name's start and end byte (-1: none). ``function_rows`` makes them from a py-tree-sitter tree,
the native tokenizer from its own (``native``)."""


def function_rows(tree: tree_sitter.Tree, language: str, values: np.ndarray,
                  starts: np.ndarray, ends: np.ndarray) -> np.ndarray:  # fmt: skip
    """``_function_nodes`` as rows of ``FUNCTION_FIELDS``, in the order they were found."""
    _, body_field, params_field, name_field = _grammar(language)
    rows = np.full((0, FUNCTION_FIELDS), -1, dtype=np.int64)
    found = []
    for node in _function_nodes(tree, language, values, starts, ends):
        body = node.child_by_field_id(body_field) if body_field else None
        params = node.child_by_field_id(params_field) if params_field else None
        name = node.child_by_field_id(name_field) if name_field else None
        found.append((node.start_byte, node.end_byte, node.start_point[0], node.end_point[0],
                      -1 if body is None else body.start_byte,
                      0 if params is None else params.named_child_count,
                      -1 if name is None else name.start_byte,
                      -1 if name is None else name.end_byte))  # fmt: skip
    return np.array(found, dtype=np.int64).reshape(-1, FUNCTION_FIELDS) if found else rows


def _code_of(kind: int, data: bytes, local: set[str]) -> int:
    """``_text_code`` of a token's bytes, except that a call to a name in ``local`` or to a
    ``_private`` one is ``LOCAL``: the file's own helpers and fields, which a rewrite renames."""
    # a long token (a docstring, a bundled blob) is worked out again rather than kept
    code, private, name = (_token_code if len(data) <= 256 else _token_code.__wrapped__)(kind, data)
    if kind == 0 and (private or name in local):
        return LOCAL
    return code


def _local_names(source: bytes, values: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 functions: np.ndarray) -> set[str]:  # fmt: skip
    """Names the file defines (functions, methods, classes, types): calls to them are the
    file's own, which a rewrite renames (``functions``: rows of ``FUNCTION_FIELDS``)."""
    names = functions[functions[:, 6] >= 0]
    named = list(zip(names[:, 6].tolist(), names[:, 7].tolist(), strict=True))
    defined = np.flatnonzero((values[1:] == IDENT) & np.isin(values[:-1], _TYPE_DEFINERS)) + 1
    named += zip(starts[defined].tolist(), ends[defined].tolist(), strict=True)
    return {_name(source[a:b].decode("utf-8", "replace")) for a, b in set(named)}


def _token_events(source: bytes, values: np.ndarray, raw: np.ndarray, starts: np.ndarray,
                  ends: np.ndarray, wanted: np.ndarray,
                  local: set[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(token indices, kinds: 0 call or member, 1 number, 2 string, event codes, 0 for none)
    of every call, member access and constant token where ``wanted``. Each distinct token
    text (``raw``: the hash of its exact bytes) is worked out once."""
    is_call = np.zeros(values.shape[0], dtype=bool)
    is_call[:-1] = (values[:-1] == IDENT) & (values[1:] == _OPEN_PAREN)
    is_call[1:] &= ~np.isin(values[:-1], _DEFINERS)
    is_call[1:] |= (values[1:] == IDENT) & (values[:-1] == _DOT)  # x.name: a member, kept too
    hashed = np.flatnonzero((is_call | (values == NUMBER) | (values == STRING)) & wanted)
    kinds = np.where(is_call[hashed], 0, np.where(values[hashed] == NUMBER, 1, 2))
    if not hashed.shape[0]:
        return hashed, kinds, np.zeros(0, dtype=np.int64)
    keys = raw[hashed] ^ kinds.astype(np.uint64)  # a name and a string of the same text differ
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    at = hashed[first]
    distinct = np.array([_code_of(kind, source[a:b], local) for kind, a, b in zip(
        kinds[first].tolist(), starts[at].tolist(), ends[at].tolist(), strict=True)],
        dtype=np.int64)  # fmt: skip
    return hashed, kinds, distinct[inverse.reshape(-1)]


def event_texts(source: bytes, tokens: TokenStream) -> dict[int, tuple[str, str]]:
    """Event code -> (``call`` or ``constant``, the text a file writes it with): how a report
    names what a matched function shares (the candidate's own text, which is public)."""
    found: dict[int, tuple[str, str]] = {}
    starts, ends = tokens.start_byte, tokens.end_byte
    wanted = np.ones(len(tokens), dtype=bool)
    hashed, kinds, codes = _token_events(source, tokens.values, tokens.raw, starts, ends, wanted,
                                         set())  # fmt: skip
    for at, kind, code in zip(hashed.tolist(), kinds.tolist(), codes.tolist(), strict=True):
        if code and code not in found:
            text = source[int(starts[at]) : int(ends[at])].decode("utf-8", "replace")
            found[code] = ("call" if kind == 0 else "constant", text[:60])
    return found


def extract(source: bytes, functions: np.ndarray, values: np.ndarray, raw: np.ndarray,
            starts: np.ndarray, ends: np.ndarray) -> Structure:  # fmt: skip
    """The functions of a parsed file and their events, from its function
    nodes (``functions``: rows of ``FUNCTION_FIELDS``, each node once) and its token stream
    (``values``, ``raw``, ``starts``, ``ends``: ``normalize.tokenize``'s arrays)."""
    if values.shape[0] == 0 or functions.shape[0] == 0:
        return EMPTY
    functions = functions[np.lexsort((-functions[:, 1], functions[:, 0]))]
    spans = np.searchsorted(starts, functions[:, :2], side="left")
    big = (spans[:, 1] - spans[:, 0]) >= MIN_FUNCTION_TOKENS
    owner = np.full(values.shape[0], -1, dtype=np.int64)
    units: list[tuple[int, int, int]] = []  # (first line, last line, arity)
    budget = PAINT_BUDGET * values.shape[0]  # nested functions paint tokens again: bounded
    for (_, _, first_row, last_row, body_start, arity, _, _), (first, last) in zip(
            functions[big].tolist(), spans[big].tolist(), strict=True):  # fmt: skip
        # outer functions come first, inner ones paint over them
        budget -= last - first
        if budget < 0:  # thousands of nested functions (hostile input): the outer ones count
            break
        if body_start >= 0:  # the name and parameters are not events of the body
            first = int(np.searchsorted(starts, body_start, side="left"))
        owner[first:last] = len(units)
        units.append((first_row + 1, last_row + 1, min(arity, 65535)))
    if not units:
        return EMPTY
    at = np.minimum(np.searchsorted(_CONTROL_KEYS, values), _CONTROL_KEYS.shape[0] - 1)
    codes = np.where(_CONTROL_KEYS[at] == values, _CONTROL_VALUES[at], 0)
    local = _local_names(source, values, starts, ends, functions)
    hashed, _, hashed_codes = _token_events(source, values, raw, starts, ends, owner >= 0, local)
    codes[hashed] = np.where(hashed_codes == 0, -1, hashed_codes)
    keep = (codes > 0) & (owner >= 0)
    order = np.argsort(owner[keep], kind="stable")
    event_owner = owner[keep][order]
    events = codes[keep][order].astype(np.uint32)
    counts = np.bincount(event_owner, minlength=len(units))
    functions = np.zeros(len(units), dtype=FUNCTION_DTYPE)
    for i, (first_line, last_line, arity) in enumerate(units):
        functions[i] = (first_line, last_line, arity, counts[i])
    kept = counts >= MIN_EVENTS
    if not kept.all():
        events = events[np.repeat(kept, counts)]
        functions = functions[kept]
    return Structure(np.ascontiguousarray(functions), np.ascontiguousarray(events))
