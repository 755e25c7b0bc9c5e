"""The table of verdicts that ``scan``, ``report`` and ``demo`` print (rich, imported when a
table is made)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fingerprints import printable
from scanner.verdict import Verdict

if TYPE_CHECKING:
    from rich.table import Table

_VERDICT_STYLE = {Verdict.DERIVATIVE: "bold red", Verdict.REVIEW: "yellow",
                  Verdict.INCOMPLETE: "bold magenta", Verdict.CLEAR: "green"}  # fmt: skip


def verdict_table(candidates: list[dict], width: int) -> Table:
    """The verdicts of recorded candidates (dicts of the report), flagged first, for a console
    ``width`` columns wide. Output that is no terminal (a CI log) is 80: when the table would be
    wider, the headers wrap at their spaces and the numbers' columns take the width of their
    numbers, so the candidate's name keeps the rest (12 columns at 80 beside the widest verdict,
    ``derivative (not all read)``, kept whole for grep, and counts under 100,000), folded over
    lines if it must be."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from scanner.reports.wording import shown_verdict

    order = {v.value: i for i, v in enumerate(Verdict)}
    rows = []
    for c in sorted(candidates, key=lambda c: order[shown_verdict(c)]):
        shown = shown_verdict(c)  # never "clear" for a candidate not read wholly
        verdict = f"[{_VERDICT_STYLE[Verdict(shown)]}]{shown}[/]"
        if c["partial"] and shown != Verdict.INCOMPLETE.value:
            verdict += " (not all read)"
        rows.append((printable(c["target"]), verdict, f"{c['score']:.3f}",
                     f"{c['matched_tokens']:,}", f"{c['longest_fragment']:,}",
                     str(len(c["files"]))))  # fmt: skip
    headers = ("candidate", "verdict", "score", "private tokens", "longest", "file pairs")
    plain = [[h] + [Text.from_markup(r[i]).plain if i == 1 else r[i] for r in rows]
             for i, h in enumerate(headers)]  # fmt: skip
    natural = sum(max(map(len, column)) for column in plain) + 3 * len(headers) + 1
    narrow = natural > width
    table = Table(title="leaktrace verdicts", title_justify="left")
    table.add_column(headers[0], overflow="fold")
    table.add_column(headers[1], no_wrap=True)
    for i, header in enumerate(headers[2:], 2):
        words = max(len(word) for cell in plain[i] for word in cell.split())
        table.add_column(header, justify="right", overflow="fold", no_wrap=not narrow,
                         max_width=words if narrow else None)  # fmt: skip
    for name, *rest in rows:
        table.add_row(escape(name), *rest)
    discounted = discount_line(candidates)
    if discounted:
        table.caption, table.caption_justify = escape(discounted), "left"
    return table


def discount_line(candidates: list[dict]) -> str:
    """One line saying how much public code was discounted and whose (reference sources'), or
    "": a clear verdict that rests on a discount says so where it is read."""
    tokens = sum(c.get("discounted_tokens", {}).get("reference", 0) for c in candidates)
    if not tokens:
        return ""
    sources = sorted({printable(f"{code['source']} {code['version']}".strip())
                      for c in candidates for code in c.get("public_code") or []})  # fmt: skip
    held = sum(bool(c.get("discounted_tokens", {}).get("reference")) for c in candidates)
    return (f"{tokens:,} tokens of public code discounted in {held} candidate(s), never evidence"
            + (f" (in {', '.join(sources)})" if sources else ""))  # fmt: skip
