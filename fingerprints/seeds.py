"""Seeds: the private code's most distinctive words, to drive code search (opt-in, plaintext).

Long identifiers made of several words (``reconcile_statement_lines``, ``SettlementBatchBuilder``)
and long string literals are what a leaked copy keeps and what unrelated code rarely has. A word
scores by its length over the number of private files that use it; words that the background
(unrelated public code) also holds are dropped when the background is learned. Seeds are the
only plaintext a store can hold, so they are recorded only with ``fingerprint --seeds``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_IDENTIFIER = re.compile(rb"\b[A-Za-z_][A-Za-z0-9_]{11,63}\b")
_STRING = re.compile(rb"""["']([^"'\\\n]{16,80})["']""")
_WORD_BREAK = re.compile(r"_|(?<=[a-z0-9])(?=[A-Z])")


def is_distinctive(word: str) -> bool:
    """At least two words joined (snake or camel case), not an all-caps constant of one word."""
    parts = [p for p in _WORD_BREAK.split(word.strip("_")) if p]
    return (len(parts) >= 2 and not word.isupper()) or len(parts) >= 3


def words(data: bytes) -> set[str]:
    """The candidate seeds of one file's text."""
    found = {m.decode("utf-8", "replace") for m in _IDENTIFIER.findall(data)}
    found = {w for w in found if is_distinctive(w)}
    for literal in _STRING.findall(data):
        text = literal.decode("utf-8", "replace").strip()
        if len(text) >= 16 and " " in text and not text.startswith(("http", "/")):
            found.add(text)
    return found


def rank(per_file: Iterable[set[str]], limit: int) -> list[tuple[str, int, float]]:
    """(seed, files, score) for the best ``limit`` seeds over all files."""
    counts: Counter[str] = Counter()
    for found in per_file:
        counts.update(found)
    scored = [(word, n, len(word) / n) for word, n in counts.items()]
    scored.sort(key=lambda item: (-item[2], item[0]))
    return scored[:limit]
