"""JSON parsed whole in the scanning process (a source map, a notebook, JSON told one by its
keys), held to ``max_parse_memory`` as a source file's parse is.

``json.loads`` makes a Python object of every value: ``[{},{},...]`` takes about 25 times its
size (16 MB of it: 400 MB), and gzip makes 256 MB of it (``max_read_bytes``) a 250 KB download.
The parse is not isolated like tree-sitter's (its result is needed here), so its cost is told
before it is made: what a document's strings hold costs about their bytes, and each value
outside them at most ``VALUE_BYTES`` (an empty dict and its slot: 72; ``{"a":1}``: 200, three
counted); a document over ``max_parse_memory`` by that count is not parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

VALUE_BYTES = 80
"""What one JSON value outside a string (each ``,``, ``[``, ``{`` or ``:`` counted) takes at
most once parsed, with its place in its list or dict: measured on CPython 3.12."""
_STRING = re.compile(rb'"[^"]*"')
"""A string, once its escaped backslashes and quotes are cut (``parse_cost``). Not a string
with its escapes (``"[^"\\]*(?:\\.[^"\\]*)*"``), whose group ``re`` keeps a mark for at each
repetition: 16 MiB of ``\\n`` in one string took 1 GB to count."""
_CHUNK = 1 << 20
"""What ``_STRING`` cuts from at once (and the end of a string it opens): ``re.sub`` holds a
piece for each stretch between two strings, 40 bytes and more each (``"",`` are 3 bytes)."""


_WIDE = ((4, re.compile(rb"[\xf0-\xf4]")), (2, re.compile(rb"[\xc4-\xef]")))
_WIDE_ESCAPE = ((4, re.compile(rb"\\u[dD][89abAB]")), (2, re.compile(rb"\\u(?!00)")))
"""What makes a character of 4 or 2 bytes in a Python string: its UTF-8 lead byte (U+10000 and
up; U+0100 and up), or a ``\\u`` escape of a surrogate or of U+0100 and up. One such character
makes the whole string that holds it that wide."""


def _width(data: bytes) -> int:
    """How many times its size a document of mostly one-byte characters takes once decoded and
    parsed: ``json.loads`` decodes all of it to one string as wide as its widest character, and
    each string it holds is as wide as its own. One emoji in 64 MiB of ASCII: 448 MiB (7), one
    U+0100: 191 MiB (3), one ``\\ud83d\\ude00`` escape: 256 MiB (4)."""
    raw = 1 if data.isascii() else next((w for w, wide in _WIDE if wide.search(data)), 1)
    escaped = raw
    if b"\\u" in data:
        escaped = max(raw, next((w for w, wide in _WIDE_ESCAPE if wide.search(data)), 1))
    return raw + escaped - 1


class TooCostly(ValueError):
    """A JSON document whose parse would take more than the memory allowed."""


def parse_cost(data: bytes) -> int:
    """About how many bytes ``json.loads(data)`` takes (at least what it does, by the
    measured shapes: empty objects, one-key objects, numbers, short strings, nesting, and wide
    characters: ``_width``)."""
    values, start = 0, 0
    plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")  # a backslash is only in a string
    while start < len(plain):
        end = min(start + _CHUNK, len(plain))
        if plain.count(b'"', start, end) % 2:  # a string goes on past the chunk: up to its end
            end = plain.find(b'"', end) + 1 or len(plain)
        outside = _STRING.sub(b"", plain[start:end])
        values += sum(outside.count(c) for c in b",[{:")
        start = end
    return len(data) * _width(data) + VALUE_BYTES * values


def loads_within(data: bytes, memory: int, twice: list[str] | None = None) -> Any:
    """``json.loads(data)``, or ``TooCostly`` (saying how much it would take) when that is
    more than ``memory`` bytes. A document too small to reach it whatever it holds is parsed
    without being counted (under 13 MB at the default 1 GiB). Given ``twice``, each key an
    object names more than once is added to it: ``json.loads`` keeps the last value (as
    browsers do), and what the others hold is in the file but not in what is returned."""
    if len(data) * (VALUE_BYTES + 1) > memory and (cost := parse_cost(data)) > memory:
        raise TooCostly(f"parsing its JSON would take about {cost:,} bytes, over "
                        f"max_parse_memory ({memory:,})")  # fmt: skip
    if twice is None:
        return json.loads(data)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(items)
        if len(found) < len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    twice.append(key)
                seen.add(key)
        return found

    return json.loads(data, object_pairs_hook=pairs)


def named_twice(keys: list[str]) -> str:
    """The unread line for the keys ``loads_within`` found named twice."""
    shown = ", ".join(repr(key[:40]) for key in sorted(set(keys))[:3])
    return (f"not read: {shown} named twice in one object (a JSON reader keeps one of the "
            "values; what the other holds is not read)")  # fmt: skip
