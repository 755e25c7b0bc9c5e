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
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


class TooCostly(ValueError):
    """A JSON document whose parse would take more than the memory allowed."""


def parse_cost(data: bytes) -> int:
    """About how many bytes ``json.loads(data)`` takes (at least what it does, by the
    measured shapes: empty objects, one-key objects, numbers, short strings, nesting)."""
    outside = _STRING.sub(b"", data)
    return len(data) + VALUE_BYTES * sum(outside.count(c) for c in b",[{:")


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
