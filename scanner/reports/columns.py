"""Where inside a very long line (a minified bundle) each fragment sits, in words."""

from __future__ import annotations

from typing import Any


def ranges_text(ranges: list[list[int]] | list[tuple[int, int]]) -> str:
    """``3-9, 12``: line ranges, a one-line range as its number."""
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def columns_text(pair: dict[str, Any]) -> str:
    """`` (line 13 columns 5,001-9,870; ...)`` for the fragments that carry columns, else ``""``.

    A line range alone locates nothing in a 200 KB line; byte columns do.
    """
    spans = []
    for fragment in pair["fragments"]:
        columns = fragment.get("candidate_columns")
        if not columns:
            continue
        (a, b), (c0, c1) = fragment["candidate_lines"], columns
        spans.append(f"line {a} column {c0:,} to line {b} column {c1:,}" if a != b
                     else f"line {a} columns {c0:,}-{c1:,}")  # fmt: skip
    return f" ({'; '.join(spans)})" if spans else ""
