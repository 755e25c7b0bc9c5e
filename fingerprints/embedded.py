"""Code carried inside other files: the ``<script>`` blocks of pages and single-file components
(HTML, Vue, Svelte) and the code cells of Jupyter notebooks. Text in, code out, no I/O: the scan
reads these carriers with the same functions the private side fingerprints them with.

On the private side a carrier is one stored file under its own path, its SHA-256 and size those
of its bytes (what ``report --include-private-source`` shows), its code fingerprinted in one
language on the carrier's own line numbers: a page's blocks where they stand, the lines between
them blank; a notebook's code cells one after the other, each line mapped back to the line of
the notebook file that holds it (``Embedded.lines``).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from json import decoder as json_decoder
from json import scanner as json_scanner
from typing import Any

from fingerprints.extensions import language_for_path
from fingerprints.names import printable

MARKUP_SUFFIXES = (".html", ".htm", ".xhtml", ".vue", ".svelte")
"""Pages and single-file components (Vue, Svelte): code in ``<script>`` blocks. Pages are read
where their bytes are at hand (folders, archives, packages), but not named in
``CARRIER_SUFFIXES``, as Markdown is not: a remote tree's pages are not fetched for them (a
docs or javadoc tree is thousands of pages, each a blob download). Components are source and
are fetched."""
NOTEBOOK_SUFFIX = ".ipynb"
MAX_CARRIER_BYTES = 64 * 1024 * 1024
"""The largest carrier the private side reads: a notebook carries its outputs (plots as base64
images) beside a little code, so its file may be many times the size cap of its code."""

_SCRIPT = re.compile(
    r"""<script\b((?:[^<>=]|=[ \t\r\n\f]*(?:"[^"<]*"?|'[^'<]*'?)?)*)"""
    r"(?:>|(?=<)|\Z)(.*?)(?:</script\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
"""A ``<script>`` block: its attributes (a quoted value may hold ``>``: ``data-x=">"``; a quote
opens a value only right after ``=``, as browsers read it: ``data-x=a'b>`` ends the tag), then
its text. Once ``<script`` is found the match cannot fail (the tag ends at ``>``, at a ``<`` or
at the end, a quote left open at the next ``<``) and each alternative starts with its own
character, so nothing is tried twice: linear on any input."""
_SCRIPT_LANGUAGE = re.compile(
    r"""\b(?:lang|type)\s*=\s*["']?(?:text/|application/)?(?:x-)?"""
    r"(ts|typescript|tsx|py|python|python3|mpy)\b",
    re.IGNORECASE,
)
_SCRIPT_LANGUAGES = {"ts": "typescript", "typescript": "typescript", "tsx": "tsx", "py": "python",
                     "python": "python", "python3": "python", "mpy": "python"}  # fmt: skip
"""What a ``lang`` or ``type`` attribute may name other than JavaScript (Vue's and Svelte's
``lang="ts"``, PyScript's ``type="py"``, Brython's ``text/python``); any other script is read
as JavaScript (a JSON or template block too: reading it loses nothing)."""


def markup_scripts(text: str) -> Iterator[tuple[int, str, str]]:
    """Each ``<script>`` block of a page or component: the line it starts on (1-based), its
    language and its text; a block never closed runs to the end (a hostile file must not hide
    its last script by leaving it open)."""
    line, counted = 1, 0
    for match in _SCRIPT.finditer(text):
        language = _SCRIPT_LANGUAGE.search(match.group(1))
        name = _SCRIPT_LANGUAGES[language.group(1).lower()] if language else "javascript"
        line += text.count("\n", counted, match.start(2))  # counted once: no quadratic count
        counted = match.start(2)
        yield line, name, match.group(2)


def by_language(blocks: Iterable[tuple[int, str, str]]) -> dict[str, str]:
    """The code of a page's blocks (line, language, code), that of one language together, each
    block on the page's own lines (the lines between are blank: the evidence's line numbers are
    the page's, and the code is never longer than the page); blocks of blanks count for nothing.
    Languages in the order their first block comes."""
    scripts: dict[str, list[str]] = {}
    at: dict[str, int] = {}  # the line each language's code has reached
    for line, language, script in blocks:
        if script.strip():
            scripts.setdefault(language, []).append("\n" * (line - at.get(language, 1)))
            scripts[language].append(script)
            at[language] = line + script.count("\n")
    return {language: "".join(parts) for language, parts in scripts.items()}


def notebook_cells(notebook: Any) -> list[Any] | None:
    """A notebook's cells (nbformat 4's ``cells``, or the first of v3's ``worksheets``), or None
    when it holds no list of them."""
    if not isinstance(notebook, dict):
        return None
    cells = notebook.get("cells")
    if isinstance(cells, list):
        return cells
    worksheets = notebook.get("worksheets")
    if isinstance(worksheets, list) and worksheets and isinstance(worksheets[0], dict):
        cells = worksheets[0].get("cells")
    return cells if isinstance(cells, list) else None


def notebook_extension(notebook: Any) -> str:
    """The extension of a notebook's language: its ``language_info``'s, else by the name its
    ``language_info`` or ``kernelspec`` gives (Python when it gives none)."""
    meta = notebook.get("metadata") if isinstance(notebook, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    info = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    extension = info.get("file_extension")
    if isinstance(extension, str) and extension.startswith(".") and len(extension) < 10:
        return extension
    kernel = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    language = info.get("name") or kernel.get("language") or "python"
    return {"python": ".py", "javascript": ".js", "typescript": ".ts", "go": ".go",
            "rust": ".rs", "java": ".java", "kotlin": ".kt", "c#": ".cs", "csharp": ".cs",
            "ruby": ".rb", "php": ".php", "c++": ".cpp", "c": ".c"}.get(
        str(language).lower(), "." + str(language).lower()[:8])  # fmt: skip


def cell_text(value: Any) -> str | None:
    """A notebook's text field (a string, or a list of lines), or None when it is not text."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return value if isinstance(value, str) else None


_MAGIC = re.compile(r"^\s*(%%?[A-Za-z_]|![^=\s])")
"""An IPython line magic (``%time``), cell magic (``%%bash``) or shell line (``!pip``); not a
continuation line of code such as ``% (a, b)`` or ``!= x``."""


def without_magics(text: str) -> str:
    """IPython magics and shell lines are not the language: each becomes a comment, so line
    numbers stay those of the cell. A cell magic (``%%bash`` on the first line) makes the whole
    cell another language: all of it is commented out."""
    lines = text.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        return "\n".join("#" + line for line in lines)
    return "\n".join(("#" + line) if _MAGIC.match(line) else line for line in lines)


# -- the private side: one carrier file -> its code ------------------------------------------------


class CarrierError(ValueError):
    """A carrier whose code cannot be told: a notebook that is no JSON or holds no cells, or
    whose cells are in a language not read here."""


@dataclass(frozen=True, slots=True)
class Embedded:
    """The code a carrier holds, in one language. ``lines[i]`` is the carrier's line that holds
    the code's line ``i + 1`` (a notebook's), or None when they are the same lines (a page's)."""

    language: str
    code: bytes
    lines: tuple[int, ...] | None = None
    not_read: tuple[str, ...] = ()
    """What of the carrier's code is not in ``code``, one line each (blocks in another language
    than the file's: one language a file; a code cell whose source is not text)."""


def carrier_kind(name: str) -> str | None:
    """``markup`` for a page or a component by its name, ``notebook`` for a notebook, or None."""
    lower = name.lower()
    if lower.endswith(MARKUP_SUFFIXES):
        return "markup"
    if lower.endswith(NOTEBOOK_SUFFIX):
        return "notebook"
    return None


def embedded_code(kind: str, text: str) -> Embedded | None:
    """The code of a carrier of ``kind`` (``carrier_kind``), or None when it holds none;
    ``CarrierError`` when it is malformed."""
    return markup_code(text) if kind == "markup" else notebook_code(text)


def markup_code(text: str) -> Embedded | None:
    """The script code of a page or a component, on its own lines, or None when it has none.
    Where its blocks are in several languages, the language with the most code is read (a Vue
    or Svelte component has one) and the others are said in ``not_read``."""
    scripts = by_language(markup_scripts(text))
    if not scripts:
        return None
    language = max(scripts, key=lambda name: len(scripts[name].strip()))
    others = tuple(f"its {name} <script> blocks are not read (one language a file: {language} "
                   "is)" for name in scripts if name != language)  # fmt: skip
    return Embedded(language, scripts[language].encode("utf-8", "surrogateescape"), None, others)


def notebook_code(text: str) -> Embedded | None:
    """The code cells of a notebook one after the other (IPython magics commented out, as the
    scan reads them), each line mapped to the notebook's line holding it; None when it has no
    code. ``CarrierError`` when it is no JSON, holds no cells, or is in a language not read."""
    try:
        notebook = _located_json(text)
    except (ValueError, RecursionError) as exc:
        raise CarrierError(f"not a valid notebook ({' '.join(str(exc).split())})") from exc
    cells = notebook_cells(notebook)
    if cells is None:
        raise CarrierError("not a valid notebook (no cells)")
    extension = notebook_extension(notebook)
    language = language_for_path("cell" + extension)
    if language is None:
        raise CarrierError("notebook cells in a language leaktrace does not read "
                           f"({printable(extension)})")  # fmt: skip
    newlines = [match.start() for match in re.finditer("\n", text)]
    parts: list[str] = []
    lines: list[int] = []
    not_read: list[str] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        pieces = source if isinstance(source, list) else [source]
        if not all(isinstance(piece, str) for piece in pieces):
            not_read.append(f"code cell {number}: its source is not text")
            continue
        if not "".join(pieces).strip():
            continue
        code = without_magics("".join(pieces))
        parts.append(code if code.endswith("\n") else code + "\n")
        fresh = True  # the piece's first character starts a line
        for piece in pieces:  # a piece is on one line of the notebook (JSON has no raw newline)
            where = bisect_right(newlines, getattr(piece, "at", 0)) + 1
            starts = (fresh and bool(piece)) + piece.count("\n") - piece.endswith("\n")
            lines += [where] * starts
            fresh = piece.endswith("\n") if piece else fresh
    if not parts:
        return None
    code = "".join(parts).encode("utf-8", "surrogatepass")
    return Embedded(language, code, tuple(lines), tuple(not_read))


class _Located(str):
    """A JSON string value and where its opening quote is in the document (``at``)."""

    at: int


def _located_json(text: str) -> Any:
    """``text`` decoded as JSON by the standard library's own parser (its pure-Python scanner),
    each string value a ``_Located`` that knows where it is in ``text``."""

    def located_string(document: str, end: int, strict: bool) -> tuple[_Located, int]:
        value, after = json_decoder.scanstring(document, end, strict)
        found = _Located(value)
        found.at = end - 1
        return found, after

    decoder = json.JSONDecoder()
    decoder.parse_string = located_string  # type: ignore[attr-defined]
    decoder.scan_once = json_scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)
