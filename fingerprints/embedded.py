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

import html
import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from json import decoder as json_decoder
from json import scanner as json_scanner
from pathlib import PurePosixPath
from typing import Any

from fingerprints.extensions import (
    READ_LANGUAGES,
    language_for_path,
    language_for_shebang,
    sniffed,
)
from fingerprints.isolation import DEFAULT_PARSE_MEMORY
from fingerprints.markdown import MarkdownTooCostly, code_blocks
from fingerprints.names import printable
from fingerprints.policy import third_party_reason

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


def notebook_widgets(notebook: Any) -> Any:
    """What a notebook keeps of its widgets' state (``metadata.widgets``: under
    ``application/vnd.jupyter.widget-state+json``, each widget's values, a text area's text
    among them; shown again when the notebook is opened), or None."""
    meta = notebook.get("metadata") if isinstance(notebook, dict) else None
    return meta.get("widgets") if isinstance(meta, dict) else None


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


def cell_texts(cell: dict[str, Any]) -> tuple[list[tuple[Any, str]], list[str]]:
    """A cell's texts, each with the JSON value it is (for its lines): its ``source`` and its
    ``input`` (v3's key; a cell holding both has both, the second only when it differs), those
    of blanks left out; and the keys whose value is not text (named, never passed over)."""
    texts: list[tuple[Any, str]] = []
    not_text: list[str] = []
    for key in ("source", "input"):
        value = cell.get(key) if key in cell else ""
        text = cell_text(value)
        if text is None:
            not_text.append(key)
        elif text.strip() and all(text != seen for _, seen in texts):
            texts.append((value, text))
    return texts, not_text


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_V3_OUTPUT_KEYS = {"html": "text/html", "latex": "text/latex", "markdown": "text/markdown",
                   "javascript": "application/javascript", "json": "application/json"}  # fmt: skip
"""nbformat 3 keeps an output's representations under these keys (v4: under ``data``, by
media type); ``text`` is the same key in both."""
_NOT_CODE = ("image/", "video/", "audio/", "application/pdf")
_JAVASCRIPT = ("application/javascript", "text/javascript")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Shown:
    """One text a code cell's output shows: under which key (``text``, ``traceback`` or a
    media type), the language it is read in, its text (terminal colours taken out), and the
    JSON value it comes from (``plain``: the text's lines are that value's, one for one)."""

    key: str
    language: str
    text: str
    value: Any
    plain: bool


def output_texts(output: Any, language: str) -> list[Shown]:
    """The texts a code cell's output shows: what ``!cat x.py`` printed, the source ``func??``
    displayed (terminal colours taken out), a traceback's lines, an HTML or Markdown
    representation (HTML as its text: tags out, entities decoded, where
    ``IPython.display.Code`` puts highlighted code) and LaTeX in the notebook's ``language``;
    JavaScript as JavaScript; the texts JSON data holds (``application/json``, a widget's or a
    plot's ``+json``) that look like code, in the language they look like (``json_texts``).
    Images are not read. Outputs are published with the notebook, so code in them is code in
    it."""
    if not isinstance(output, dict):
        return []
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    shown = {_V3_OUTPUT_KEYS[key]: value for key, value in output.items()
             if key in _V3_OUTPUT_KEYS}  # fmt: skip
    shown.update(data)
    traceback = output.get("traceback")
    if isinstance(traceback, list) and all(isinstance(line, str) for line in traceback):
        traceback = "\n".join(traceback)
    found: list[Shown] = []
    for key, value in [("text", output.get("text")), *shown.items(), ("traceback", traceback)]:
        json_valued = isinstance(key, str) and _JSON_VALUED.fullmatch(
            key.split(";")[0].strip().lower())  # fmt: skip
        if json_valued and not isinstance(value, str):  # a string is a text, as it is kept
            found += [Shown(key, *told) for told in json_texts(value)]
            continue
        text = cell_text(value)
        if not text or not isinstance(key, str) or key.startswith(_NOT_CODE):
            continue
        mime = key.split(";")[0]
        read, plain = {language: text}, True
        if mime == "text/html":
            read, plain = html_text(text, language), False
        elif mime in _JAVASCRIPT:
            read = {"javascript": text}
        for read_as, part in read.items():
            if part.strip():
                found.append(Shown(key, read_as, _ANSI.sub("", part), value, plain))
    return found


_JSON_VALUED = re.compile(r"application/(?:json|[^/\s]+\+json)")
"""Media types whose data is a JSON value, not a text (``application/json``, a widget's
``application/vnd.jupyter.widget-view+json``, Plotly's and Vega's ``+json``)."""


_NUMBERS = frozenset({int, float, bool, type(None)})


def json_texts(value: Any) -> list[tuple[str, str, Any, bool]]:
    """The texts a JSON value holds that look like code (``sniffed``), in document order: its
    strings, and its lists of strings joined (the way a notebook keeps lines; the way a leak
    printed as JSON keeps them too), each with the language it looks like, the JSON value it
    comes from, and whether the text's lines are that value's (``Shown.plain``). A text of
    fewer than three lines is never code to read. Walked without recursion: the value may be
    as deep as the JSON parser allowed."""
    found: list[tuple[str, str, Any, bool]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        text, plain = None, True
        if isinstance(item, dict):
            stack.extend(reversed(item.values()))
        elif isinstance(item, list) and item and all(isinstance(line, str) for line in item):
            plain = all(line.endswith("\n") for line in item[:-1])
            text = ("" if plain else "\n").join(item)
        elif isinstance(item, list) and not all(type(x) in _NUMBERS for x in item):
            stack.extend(reversed(item))  # a plot's numbers: one pass, never pushed
        elif isinstance(item, str):
            text = item
        if text is not None and text.count("\n") >= 2 and (language := sniffed(text)):
            found.append((language, _ANSI.sub("", text), item, plain))
    return found


def html_text(page: str, language: str) -> dict[str, str]:
    """What an HTML fragment shows, by the language it is read in: its text (tags out, entities
    decoded: code highlighted in spans reads as code) in ``language``, its ``<script>`` blocks
    in theirs (a plot's output carries its library's script: read once, as JavaScript)."""
    read = by_language(markup_scripts(page))
    lower, kept, at = page.lower(), [], 0
    while (opened := lower.find("<script", at)) >= 0:  # linear: each block found once
        kept.append(page[at:opened])
        closed = lower.find("</script", opened)
        at = len(page) if closed < 0 else closed + len("</script")
    kept.append(page[at:])
    text = html.unescape(_TAG.sub("", "".join(kept)))
    return {language: "\n".join(filter(None, (text, read.pop(language, "")))), **read}


def raw_cell(cell: dict[str, Any], text: str, language: str) -> tuple[str | None, str]:
    """The language a raw cell names, and its text: the one its ``raw_mimetype`` (v4) or
    ``format`` (v3) names (``text/x-python``, ``application/javascript``; HTML as its text), or
    a ``#!`` line's; None when it names none (the scan reads it in the notebook's
    ``language``)."""
    meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    mime = meta.get("raw_mimetype") or meta.get("format") or ""
    mime = mime.split(";")[0].strip().lower() if isinstance(mime, str) else ""
    if mime == "text/html":
        text = "\n".join(html_text(text, language).values())
    named = mime.rpartition("/")[2].removeprefix("x-")
    for read_as in (named, language_for_shebang(text[:200].encode("utf-8", "surrogatepass"))):
        if read_as in READ_LANGUAGES:
            return read_as, text
    return None, text


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
    """What of the carrier's code is not in ``code``, one line each (blocks, cells or outputs
    in another language than the file's: one language a file; a cell whose source is not text;
    a Markdown cell too costly to parse), at most ``_NOT_READ_LINES``."""


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
    """The code a notebook holds, one part after the other, each line mapped to the notebook's
    line holding it; None when it has none. ``CarrierError`` when it is no JSON, holds no
    cells, or is in a language not read.

    As the scan reads it (the same functions): a code cell's ``source`` and ``input``, IPython
    magics commented out; a raw cell (nbconvert publishes it as it is) and a cell of a type
    nbformat does not know; the code blocks of a Markdown cell (``markdown.code_blocks``:
    fenced, and indented when they look like code); what a code cell's outputs show
    (``output_texts``). One language a file: text in another is a ``not_read`` line. Where the
    scan reads a text whatever it holds, this side takes only what is code, as the scan tells
    a file its name says nothing of (``language_for_text``): a raw cell that names no
    language, a cell of an unknown type and an output are fingerprinted only when they look
    like code, so the training log, table or LaTeX a private notebook shows is not claimed as
    the company's code (a public notebook printing the same log would share its
    fingerprints). A traceback is not read here: it shows the cell's own code (read already)
    and the frames of the libraries it called (not the company's); nor the source of a
    library's file that ``obj??`` displayed (``shown_library``)."""
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

    def add(code: str, value: Any, plain: bool = True) -> None:
        parts.append(code if code.endswith("\n") else code + "\n")
        lines.extend(_held(value, code, newlines, plain))

    def told(where: str, code: str) -> bool:
        """Whether ``code`` looks like code of the notebook's language; code of another is
        a line."""
        looks = sniffed(code)
        if looks is not None and looks != language:
            not_read.append(f"{where}: it looks like {looks}, not read (one language a "
                            f"file: {language} is)")  # fmt: skip
        return looks == language

    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            not_read.append(f"cell {number}: not read: a cell that is no JSON object")
            continue
        kind = cell.get("cell_type")
        shown_kind = printable(str(kind))[:40]
        texts, not_text = cell_texts(cell)
        not_read += [f"cell {number}: not read: a {shown_kind} cell whose {key} is not text"
                     for key in not_text]  # fmt: skip
        for value, source in texts:
            if kind == "code":
                add(without_magics(source), value)
            elif kind == "raw":
                named, shown = raw_cell(cell, source, language)
                if named is not None and named != language:
                    not_read.append(f"cell {number}: its {named} is not read (one language a "
                                    f"file: {language} is)")  # fmt: skip
                elif named is not None or told(f"cell {number}", shown):
                    add(shown, value, shown is source)
            elif kind in ("markdown", "heading"):
                held = _held(value, source, newlines, True)
                try:
                    blocks = list(code_blocks(source, DEFAULT_PARSE_MEMORY))
                except MarkdownTooCostly as exc:
                    not_read.append(f"cell {number}: {exc}")
                    continue
                for line, block_language, block in blocks:
                    if block_language != language:
                        not_read.append(f"cell {number}: its {block_language} code block is not "
                                        f"read (one language a file: {language} is)")  # fmt: skip
                        continue
                    lines_of = held[line - 1 : line - 1 + block.count("\n")] or held[-1:]
                    parts.append(block)
                    lines.extend(lines_of + lines_of[-1:] * (block.count("\n") - len(lines_of)))
            elif told(f"cell {number}", source):
                add(source, value)
        outputs = cell.get("outputs")
        for at, output in enumerate(outputs if isinstance(outputs, list) else [], start=1):
            for shown in output_texts(output, language):
                library = shown_library(shown.text)
                if library is not None:
                    not_read.append(f"cell {number} output {at}: the source of a third-party "
                                    f"file ({printable(library)[:200]}), not the company's: "
                                    "not fingerprinted")  # fmt: skip
                elif shown.key != "traceback" and told(f"cell {number} output {at}", shown.text):
                    add(shown.text, shown.value, shown.plain)
    for _, shown, value, plain in json_texts(notebook_widgets(notebook)):
        if told("its widgets' state", shown):
            add(shown, value, plain)
    if not parts:
        return None
    code = "".join(parts).encode("utf-8", "surrogatepass")
    return Embedded(language, code, tuple(lines), _capped(not_read))


_SHOWN_FILE = re.compile(r"^File:[ \t]+(\S[^\n]*)$", re.MULTILINE)
"""The line IPython's ``obj??`` (and ``obj?``) ends its help with: the file the source is from."""


def shown_library(text: str) -> str | None:
    """The third-party file an output shows the source of (IPython's ``pd.read_csv??``: its
    ``File:`` line names a path under ``site-packages`` or another vendored folder,
    ``policy.third_party_reason``), or None. Such source is not the company's, however private
    the notebook that displayed it: fingerprinted, it would make every copy of the library
    derivative."""
    for match in _SHOWN_FILE.finditer(text):
        path = match.group(1).strip()
        if third_party_reason(PurePosixPath(path.replace("\\", "/"))):
            return path
    return None


_NOT_READ_LINES = 20


def _capped(lines: list[str]) -> tuple[str, ...]:
    """At most ``_NOT_READ_LINES`` lines about one notebook, the rest counted in one more."""
    if len(lines) <= _NOT_READ_LINES:
        return tuple(lines)
    more = len(lines) - _NOT_READ_LINES + 1
    return (*lines[: _NOT_READ_LINES - 1], f"and {more:,} more parts not read")


def _held(value: Any, text: str, newlines: list[int], plain: bool) -> list[int]:
    """The notebook's line holding each line of ``text``, which comes from the JSON ``value``
    (a string, or a list of lines, each string knowing where it is: ``_Located``). ``plain``:
    ``text``'s lines are the value's one for one (a cell's source, magics commented out; an
    output's text, colours out); else (HTML read as its text) each is the value's first line.
    """
    pieces = value if isinstance(value, list) else [value]
    first = bisect_right(newlines, getattr(pieces[0] if pieces else None, "at", 0)) + 1
    count = text.count("\n") + (not text.endswith("\n"))
    held: list[int] = []
    fresh = True  # the piece's first character starts a line
    for piece in pieces if plain else ():  # a piece is on one line (JSON has no raw newline)
        where = bisect_right(newlines, getattr(piece, "at", 0)) + 1
        starts = (fresh and bool(piece)) + piece.count("\n") - piece.endswith("\n")
        held += [where] * starts
        fresh = piece.endswith("\n") if piece else fresh
    return (held + [held[-1] if held else first] * count)[:count]


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
