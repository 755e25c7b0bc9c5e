"""Code in Markdown: the fenced and the indented code blocks of a page, told by a CommonMark
parser (markdown-it-py's block rules, which rich already brings; inline content is never
parsed). Text in, code out, no I/O: the scan reads a README's or a notebook's Markdown cells
with it, and the private side a private notebook's Markdown cells.

A fenced block whose info string names a language read here is read in it; a fenced block that
names none and an indented block (four spaces or a tab, CommonMark's) are read only when they
look like code, as a file whose name says nothing is told (``language_for_text``): a shell
session, a diagram or indented prose is no code. Containers (block quotes, list items, at any
depth) are the parser's: their prefixes are taken off the code's lines.

The parser keeps five numbers a line and a few hundred bytes a token: on a hostile page
(``- a\\n\\n    b\\n`` repeated, 280 bytes of memory a byte of page) that is counted against
a budget as it parses, and its time goes with its lines and tokens, counted too (``MAX_PARTS``);
a page nested deeper than ``MAX_NESTING`` is refused, never cut short silently (markdown-it
stops reading a page past its ``maxNesting``). Each is ``MarkdownTooCostly``: a line, not read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from fingerprints.extensions import language_for_path, sniffed

LINE_COST = 200
"""Bytes the parser keeps for each line of a page (its five per-line arrays; measured 103 to
181 bytes a line on pages of blank, short and indented lines)."""
TOKEN_COST = 400
"""Bytes the parser keeps for each token (measured about 320 on a page of list items)."""
MAX_PARTS = 2_000_000
"""Lines and tokens one page may make: the parser's time goes with them (4.5 to 5 us each on
pages of list items and of lazy quote lines, load 4), so about 10 s at most, as a parse's
default time limit. A real page makes far fewer (the benchmark's Markdown: 50 a KB)."""
MAX_NESTING = 64
"""Containers inside containers a page may open; deeper is refused (``MarkdownTooCostly``)."""
_PARSER_NESTING = MAX_NESTING + 16
"""markdown-it's own ``maxNesting``: past it, it skips the rest of the page silently; the
budget rule refuses the page while it is still ``MAX_NESTING`` deep, well before that (a list
item opens two levels at once)."""
_FENCE_LANGUAGES = {"python": "python", "py": "python", "python3": "python", "pycon": "python",
                    "javascript": "javascript", "js": "javascript", "jsx": "javascript",
                    "node": "javascript", "typescript": "typescript", "ts": "typescript",
                    "tsx": "tsx", "golang": "go", "rust": "rust", "c++": "cpp", "c#": "csharp",
                    "csharp": "csharp", "ruby": "ruby", "kotlin": "kotlin"}  # fmt: skip
"""Info strings of a fenced code block (GitHub's names), else an extension (``rs``, ``kt``)."""


_INFO = re.compile(r"[^\s`{]*")


class MarkdownTooCostly(ValueError):
    """A page whose parse would take more memory than allowed, or is nested too deep."""


def code_blocks(text: str, budget: int) -> Iterator[tuple[int, str, str]]:
    """Each code block of a Markdown page read here: the line its code starts on (1-based;
    lines end at LF, CRLF or CR, as CommonMark says), its language and its code. A fenced
    block left open runs to the end of its container or of the page, as CommonMark says.
    ``MarkdownTooCostly`` when parsing it would keep more than ``budget`` bytes, make over
    ``MAX_PARTS`` lines and tokens, or it is nested over ``MAX_NESTING`` deep."""
    lines = text.count("\n") + text.count("\r") + 1  # a CRLF counts twice: over, never under
    left = budget - len(text) * 4 - lines * LINE_COST  # its normalized copy, up to 4 a character
    if left < 0:
        raise MarkdownTooCostly(_over(budget))
    if lines > MAX_PARTS:
        raise MarkdownTooCostly(_too_long())
    tokens = left // TOKEN_COST  # the tokens it may make, by memory and by time
    why = _over(budget) if tokens < MAX_PARTS - lines else _too_long()
    env: dict[str, Any] = {"leaktrace_tokens": min(tokens, MAX_PARTS - lines),
                           "leaktrace_why": why}  # fmt: skip
    try:
        tokens = _parser().parse(text, env)
    except RecursionError as exc:
        raise MarkdownTooCostly(f"Markdown nested too deep to parse (over {MAX_NESTING} "
                                "levels)") from exc  # fmt: skip
    for token in tokens:
        if token.type not in ("fence", "code_block") or not token.map or not token.content:
            continue
        info = _INFO.match(token.info.strip()).group().lower()  # ``python {.cls}``, ``py3``
        if token.type == "fence" and info:
            language = _FENCE_LANGUAGES.get(info) or language_for_path("code." + info)
        else:
            language = sniffed(token.content)
        if language is not None:
            start = token.map[0] + (2 if token.type == "fence" else 1)
            yield start, language, token.content


def _over(budget: int) -> str:
    return f"parsing its Markdown would take over max_parse_memory ({budget:,} bytes)"


def _too_long() -> str:
    return (f"its Markdown makes over {MAX_PARTS:,} lines and blocks, more than one page is "
            "parsed for (about 10 s): its code blocks are not read")  # fmt: skip


@functools.cache
def _parser() -> Any:
    """CommonMark's block rules, with a first rule that counts the tokens against the page's
    budgets and refuses a page nested too deep (it runs before every block the parser tries;
    it never matches). Made at its first use: importing markdown-it costs every process."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"maxNesting": _PARSER_NESTING})
    parser.disable(["inline", "text_join"], ignoreInvalid=True)

    def budget(state: Any, start: int, end: int, silent: bool) -> bool:
        if len(state.tokens) > state.env["leaktrace_tokens"]:
            raise MarkdownTooCostly(state.env["leaktrace_why"])
        if state.level >= MAX_NESTING:
            raise MarkdownTooCostly(f"Markdown nested over {MAX_NESTING} deep (containers in "
                            "containers): its code blocks are not read")  # fmt: skip
        return False

    parser.block.ruler.before("code", "leaktrace_budget", budget)
    return parser
