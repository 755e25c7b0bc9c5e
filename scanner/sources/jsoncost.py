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


def loads_within(data: bytes, memory: int) -> Any:
    """``json.loads(data)``, or ``TooCostly`` (saying how much it would take) when that is
    more than ``memory`` bytes. A document too small to reach it whatever it holds is parsed
    without being counted (under 13 MB at the default 1 GiB)."""
    if len(data) * (VALUE_BYTES + 1) > memory and (cost := parse_cost(data)) > memory:
        raise TooCostly(f"parsing its JSON would take about {cost:,} bytes, over "
                        f"max_parse_memory ({memory:,})")  # fmt: skip
    return json.loads(data)
