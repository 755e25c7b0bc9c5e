"""Code panes, the one implementation for the HTML report and ``serve``'s candidate page: only
the lines near shared fragments, fragments marked.

Pure: text and fragments in, rows out (the HTML report and the template escape every piece). A
fragment is marked on whole lines, except where the matcher gave byte columns (the first or
last line is very long, a minified bundle): there only the columns are marked, and a long line
is cut down to the marked columns with a little context, so a 200 KB line is a few hundred
characters on the page.

Lines are split by one rule, the matcher's: at ``\n`` only (``split_lines``), so line N of a
pane is line N of the evidence whatever else the file holds. A ``\r`` before the ``\n`` is the
line's end and is not shown; a lone ``\r``, a U+2028, a bidi override or another control inside
a line is shown as an escape (``\r``, ``\u2028``), never as a line break or reordered text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fingerprints import line_ended, printable

CONTEXT_LINES = 3
LONG_LINE = 400  # characters: a line longer than this is shown around its marks only
CONTEXT_CHARS = 80
MAX_MARK_CHARS = 1200  # of a marked span on a long line; the rest is elided


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    fragment: int | None = None  # index of the fragment marking it, None: context
    first: bool = False  # where the fragment starts (a keyboard stop)


@dataclass(slots=True)
class Row:
    number: int  # 0: a gap of ``skipped`` lines
    pieces: list[Piece] = field(default_factory=list)
    skipped: tuple[int, int] | None = None
    columns: str = ""  # "columns 5,001-9,870" on a cut long line


@dataclass(frozen=True, slots=True)
class Mark:
    """Fragment ``index`` covers lines ``start``-``end``; with byte ``columns``, from column
    ``columns[0]`` of the first line to ``columns[1]`` of the last (1-based, inclusive)."""

    index: int
    start: int
    end: int
    columns: tuple[int, int] | None = None


def _line_span(mark: Mark, number: int, length: int) -> tuple[int, int]:
    """The byte span (0-based, end exclusive) the mark covers on line ``number``."""
    a, b = 0, length
    if mark.columns is not None:
        if number == mark.start:
            a = max(0, mark.columns[0] - 1)
        if number == mark.end:
            b = min(length, mark.columns[1])
    return a, max(a, b)


def _pieces(line: bytes, spans: list[tuple[int, int, int, bool]]) -> tuple[list[Piece], str]:
    """A line cut into context and marked pieces; a long line keeps only its marks and
    ``CONTEXT_CHARS`` around them."""
    pieces: list[Piece] = []
    long = len(line) > LONG_LINE
    at = 0
    for a, b, index, first in sorted(spans):
        if a < at:
            a = at
        if b <= a and not first:
            continue
        before = line[at:a]
        if long and len(before) > 2 * CONTEXT_CHARS:
            head = before[:CONTEXT_CHARS] if at else b""
            before_text = (_text(head) + " … " if at else "… ") + _text(before[-CONTEXT_CHARS:])
        else:
            before_text = _text(before)
        if before_text:
            pieces.append(Piece(before_text))
        marked = line[a:b]
        if long and len(marked) > MAX_MARK_CHARS:
            half = MAX_MARK_CHARS // 2
            marked_text = f"{_text(marked[:half])} … {len(marked) - 2 * half:,} bytes … " + _text(
                marked[-half:]
            )
        else:
            marked_text = _text(marked)
        pieces.append(Piece(marked_text, index, first))
        at = max(at, b)
    rest = line[at:]
    if long and len(rest) > CONTEXT_CHARS:
        pieces.append(Piece(_text(rest[:CONTEXT_CHARS]) + " …"))
    elif rest:
        pieces.append(Piece(_text(rest)))
    columns = ""
    if long and spans:
        columns = ", ".join(f"columns {a + 1:,}-{b:,}" for a, b, _, _ in sorted(spans))
    return pieces, columns


def _text(data: bytes) -> str:
    """Bytes of a line as text to show: tabs kept, anything else not printable escaped."""
    text = data.decode("utf-8", errors="replace")
    if text.isprintable():
        return text
    return "\t".join(printable(part) for part in text.split("\t"))


def split_lines(text: str) -> list[bytes]:
    """The lines of ``text`` as the matcher counts them (``fingerprints.count_lines``): split at
    ``\n`` and at a lone ``\r`` (``line_ended``), each without a ``\r`` that ends it; none
    after a final line end."""
    data = text.encode("utf-8", errors="surrogateescape")
    lines = line_ended(data).split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def code_rows(text: str, marks: list[Mark]) -> list[Row]:
    """The rows to show: lines within ``CONTEXT_LINES`` of a mark, gaps between them."""
    lines = split_lines(text)
    shown: set[int] = set()
    on_line: dict[int, list[tuple[int, int, int, bool]]] = {}
    for mark in marks:
        start, end = max(1, mark.start), min(len(lines), mark.end)
        shown.update(range(max(1, start - CONTEXT_LINES), min(len(lines), end + CONTEXT_LINES) + 1))
        for number in range(start, end + 1):
            a, b = _line_span(mark, number, len(lines[number - 1]))
            on_line.setdefault(number, []).append((a, b, mark.index, number == start))
    rows: list[Row] = []
    previous = 0
    for number in sorted(shown):
        if number > previous + 1:
            rows.append(Row(0, skipped=(previous + 1, number - 1)))
        pieces, columns = _pieces(lines[number - 1], on_line.get(number, []))
        rows.append(Row(number, pieces, columns=columns))
        previous = number
    if previous and previous < len(lines):
        rows.append(Row(0, skipped=(previous + 1, len(lines))))
    return rows


def candidate_marks(pair: dict) -> list[Mark]:
    return [
        Mark(i, *f["candidate_lines"], tuple(f["candidate_columns"]) if f.get("candidate_columns")
             else None)
        for i, f in enumerate(pair["fragments"])
    ]  # fmt: skip


def private_marks(pair: dict) -> list[Mark]:
    return [Mark(i, *f["private_lines"]) for i, f in enumerate(pair["fragments"])]


__all__ = ["Mark", "Piece", "Row", "candidate_marks", "code_rows", "private_marks", "split_lines"]
