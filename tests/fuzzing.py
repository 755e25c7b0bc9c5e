"""Fuzz targets shared by the fast suite (``tests/test_fuzz.py``) and the long on-demand mode
(``tests/benchmarks/fuzz_long.py``).

Each target is a *check*: a function of one input that returns when the property holds and
raises ``AssertionError`` (or whatever escaped the code under test) when it does not. Inputs are
built the same way in both modes: a real seed (code in every language, archives built here, a
source map, a notebook) and a list of mutation operations, plain tuples of integers that
hypothesis draws in the fast suite and ``random`` draws in the long mode. An input that fails is
saved under ``tests/fuzz_seeds/<target>/`` and replayed by the fast suite.

Targets:

- ``normalize``: source bytes -> the isolated parse the scan uses (``analyze`` with the default
  ``ParseLimits``). Only ``ParseFailure`` may escape, within the time limit; the token arrays are
  aligned and their lines and bytes lie within the file. Seeds are named ``*.EXT``.
- ``carriers``: a file's bytes -> ``Archive.iter_files``: never raises; every problem is one
  line of valid Unicode; every path is valid Unicode text. Seeds keep the name they were read as.
- ``sourcemap``: a map's bytes -> ``expand_source_map``: same properties.
- ``reports``: a JSON list of hostile strings -> every writer (JSON, Markdown, HTML, SARIF,
  notice): see ``check_reports``.
"""

from __future__ import annotations

import bz2
import copy
import gzip
import hashlib
import io
import json
import lzma
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from markdown_it import MarkdownIt

from fingerprints import (
    LANGUAGES,
    FingerprintParams,
    ParseFailure,
    ParseLimits,
    analyze,
    carried_name,
    count_lines,
    language_for_path,
)
from scanner.reports import Sources, html_report, json_report, md_report, sarif_report
from scanner.reports.locations import legend
from scanner.reports.notice import draft_notice
from scanner.reports.text import md_code, md_text
from scanner.sources.archive import Archive
from scanner.sources.base import Problem
from scanner.sources.sourcemap import expand_source_map
from tests.conftest import REPO, SAMPLES
from tests.test_carriers import zip_bytes

SEEDS = REPO / "tests" / "fuzz_seeds"
TARGETS = ("normalize", "carriers", "sourcemap", "reports")
LIMITS = ParseLimits()
SLACK_SECONDS = 5.0
"""Beyond the parse limit, what one check may take: starting a parser process, fingerprinting."""

#: One suffix per language, for seed names (``language_for_path`` reads it back).
SUFFIX = {"python": ".py", "javascript": ".js", "typescript": ".ts", "tsx": ".tsx", "go": ".go",
          "java": ".java", "rust": ".rs", "c": ".c", "cpp": ".cpp", "csharp": ".cs",
          "ruby": ".rb", "php": ".php", "kotlin": ".kt"}  # fmt: skip

#: A few lines of real syntax per language: what mutations start from.
CODE: dict[str, bytes] = {
    "python": (
        b"import os\n"
        b"\n"
        b"\n"
        b"class A(B):\n"
        b'    """Doc."""\n'
        b"\n"
        b"    def f(self, x=1, *a, **k):\n"
        b'        return [y async for y in x if y] or {"k": f"{x!r}"}\n'
    ),
    "javascript": (
        b"import {a} from './a.js';\n"
        b"export default class A extends B {\n"
        b"  #p = 1; async *f(x = `t${x}`) { return /re+/g.test(x) ?? a?.b; }\n"
        b"}\n"
    ),
    "typescript": (
        b"interface I<T> { a?: T[]; }\n"
        b"export function f<T extends I<number>>(x: T): x is T {\n"
        b"  return (x as any) satisfies unknown as T;\n"
        b"}\n"
        b"enum E { A = 1 }\n"
    ),
    "tsx": (
        b"export const A = ({x}: {x: number}) => (\n"
        b'  <div className="a" onClick={() => f(x)}>\n'
        b"    {x > 1 ? <B/> : <>{'t'}</>}\n"
        b"  </div>\n"
        b");\n"
    ),
    "go": (
        b"package main\n"
        b"\n"
        b'import "fmt"\n'
        b"\n"
        b"type T[K comparable] struct{ m map[K]int }\n"
        b"\n"
        b"func (t *T[K]) F(k K) (int, error) {\n"
        b"\tgo func() { ch <- 1 }()\n"
        b"\treturn t.m[k], nil\n"
        b"}\n"
    ),
    "java": (
        b"package a;\n"
        b"import java.util.*;\n"
        b"public class A<T> extends B implements C {\n"
        b"  @Override public <U> U f(List<? super T> x) throws E {\n"
        b"    return switch (x.size()) { case 0 -> null; default -> (U) x.get(0); };\n"
        b"  }\n"
        b"}\n"
    ),
    "rust": (
        b"use std::fmt;\n"
        b"pub struct A<'a, T: Clone> { x: &'a [T] }\n"
        b"impl<'a, T: Clone> A<'a, T> {\n"
        b"    pub fn f(&self) -> Option<T> {\n"
        b"        match self.x { [a, ..] => Some(a.clone()), _ => None }\n"
        b"    }\n"
        b"}\n"
        b"macro_rules! m { ($x:expr) => { $x }; }\n"
    ),
    "c": (
        b"#include <stdio.h>\n"
        b"#define M(x) ((x) * 2)\n"
        b"struct s { int a[4]; };\n"
        b"static int f(const char *p, ...) {\n"
        b"    for (int i = 0; p[i]; i++) { if (p[i] == '\"') return M(i); }\n"
        b"    return sizeof(struct s);\n"
        b"}\n"
    ),
    "cpp": (
        b"#include <vector>\n"
        b"template <typename T> class A : public B<T> {\n"
        b"public:\n"
        b"  auto f(std::vector<T>&& v) const noexcept -> decltype(v.size()) {\n"
        b"    return [&](auto x) { return x + v.size(); }(0);\n"
        b"  }\n"
        b"};\n"
    ),
    "csharp": (
        b"using System;\n"
        b"namespace N {\n"
        b"  public record R(int A);\n"
        b"  class C<T> where T : new() {\n"
        b'    public async Task<int?> F(T x) => await G($"{x}") ?? 0;\n'
        b"  }\n"
        b"}\n"
    ),
    "ruby": (
        b"module M\n"
        b"  class A < B\n"
        b"    attr_reader :x\n"
        b"    def f(a, *b, k: 1, &blk)\n"
        b'      a.map { |y| "#{y}" }.select(&:odd?) unless b.empty?\n'
        b"    end\n"
        b"  end\n"
        b"end\n"
    ),
    "php": (
        b"<?php\n"
        b"namespace A;\n"
        b"class B extends C {\n"
        b"  public function f(?array $x = null): int {\n"
        b"    return match(true) { $x === null => 0, default => count($x) };\n"
        b"  }\n"
        b"}\n"
        b'echo "a{$b}";\n'
    ),
    "kotlin": (
        b"package a\n"
        b"\n"
        b"data class P(val x: Int)\n"
        b"\n"
        b"fun <T> List<T>.f(g: (T) -> Boolean): T? =\n"
        b"    firstOrNull { g(it) } ?: when (size) { 0 -> null; else -> this[0] }\n"
        b"\n"
        b'val s = "a${P(1).x}"\n'
    ),
}
assert set(CODE) == set(LANGUAGES) == set(SUFFIX)


# -- byte mutations ------------------------------------------------------------------------------

#: One mutation: (operation, position, length, value); every field is an integer the drawing
#: side picks freely, and ``mutate_bytes`` folds them into range.
Op = tuple[int, int, int, int]
_INTERESTING = [b"\0", b"\xff", b"\n", b"{", b"}", b"(", b"[", b'"', b"'", b"`", b"/*", b"<",
                b"\\", b"${", b"#{", b"<?", b"\r\n", b"\xef\xbb\xbf", b"\x1f\x8b", b"PK\x03\x04",
                b"ustar\0", b"\xc0\x80", b"\xed\xa0\x80"]  # fmt: skip


def mutate_bytes(data: bytes, ops: Sequence[Op]) -> bytes:
    """``data`` after each operation: flip a bit, set a byte, truncate, cut a slice, insert
    bytes (a known-interesting token or a run of one byte), repeat or copy a slice."""
    buf = bytearray(data)
    for kind, position, length, value in ops:
        size = len(buf)
        at = position % (size + 1)
        span = 1 + length % 64
        kind %= 8
        if kind == 0 and size:
            buf[at % size] ^= 1 << (value % 8)
        elif kind == 1 and size:
            buf[at % size] = value % 256
        elif kind == 2:
            del buf[at:]
        elif kind == 3:
            del buf[at : at + span]
        elif kind == 4:
            buf[at:at] = _INTERESTING[value % len(_INTERESTING)]
        elif kind == 5:
            buf[at:at] = bytes([value % 256]) * span
        elif kind == 6:
            piece = buf[at : at + span]
            buf[at:at] = piece * (1 + value % 8)
        elif kind == 7 and size:
            source = value % size
            buf[at:at] = buf[source : source + span]
    return bytes(buf)


# -- JSON structure mutations --------------------------------------------------------------------

_DEEP = "\0deep\0"


def _nodes(value: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value inside ``value``, in pre-order, without recursion."""
    found: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        here = stack.pop()
        items = here.items() if isinstance(here, dict) else enumerate(here)
        for key, child in list(items):
            found.append((here, key))
            if isinstance(child, dict | list):
                stack.append(child)
    return found


def _replacement(kind: int, size: int) -> Any:
    """A value of an unexpected type or size."""
    choices: list[Any] = [
        None, True, 0, -1, 1.5e308, 2**70, "", "x" * (size % 200_000), "\ud800\udfff\ud800",
        [], {}, [None], {"": None}, [1, "a", {}], _DEEP + str(size % 200_000),
        "../../etc/passwd", "\n`<img src=x onerror=alert(1)>`\x1b[2J\u202e.py", "a.py",
        ["a.py", 1, None], {"sources": ["x.ts"], "sourcesContent": ["let a = 1"]},
    ]  # fmt: skip
    return copy.deepcopy(choices[kind % len(choices)])


#: One structural mutation: (operation, which node, kind of value, size).
JsonOp = tuple[int, int, int, int]


def mutate_json(data: bytes, ops: Sequence[JsonOp]) -> bytes:
    """``data`` (a JSON document) with some values replaced by wrong types, huge strings or
    deeply nested arrays, some keys deleted, some containers wrapped; serialized with or without
    ASCII escapes. Not JSON: returned as it is."""
    try:
        document: Any = json.loads(data)
    except (ValueError, RecursionError):
        return data
    root: list[Any] = [document]
    ascii_only = True
    for kind, which, value, size in ops:
        nodes = _nodes(root)
        container, key = nodes[which % len(nodes)]
        kind %= 8
        if kind < 5:
            container[key] = _replacement(value, size)
        elif kind == 5 and container is not root:
            del container[key]
        elif kind == 6:
            container[key] = [container[key]] if value % 2 else {"": container[key]}
        else:
            ascii_only = not ascii_only
    text = json.dumps(root[0], ensure_ascii=ascii_only)
    while _DEEP in text:  # "\0deep\0N" -> N nested arrays
        start = text.index(json.dumps(_DEEP, ensure_ascii=ascii_only)[:-1])
        end = text.index('"', start + 1)
        depth = int(text[start + len(json.dumps(_DEEP, ensure_ascii=ascii_only)) - 1 : end])
        text = text[:start] + "[" * depth + "]" * depth + text[end + 1 :]
    return text.encode("utf-8", "surrogatepass")


# -- seeds for the carrier and source-map targets ------------------------------------------------

_JOURNAL = (SAMPLES / "private" / "acme-ledger" / "acme_ledger" / "journal.py").read_bytes()


def _tar(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.PAX_FORMAT) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        folder = tarfile.TarInfo("pkg/sub")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        link = tarfile.TarInfo("pkg/link.py")
        link.type, link.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        archive.addfile(link)
    return buffer.getvalue()


def source_map() -> bytes:
    return json.dumps({
        "version": 3, "file": "app.js", "sourceRoot": "webpack:///",
        "sources": ["./src/a.ts", "./src/b.py", "../x.go"],
        "sourcesContent": [CODE["typescript"].decode(), CODE["python"].decode(),
                           CODE["go"].decode()],
        "names": ["a"], "mappings": "AAAA,CAAC",
        "sections": None,
    }).encode()  # fmt: skip


def indexed_map() -> bytes:
    inner = json.loads(source_map())
    return json.dumps({"version": 3, "sections": [{"offset": {"line": 0, "column": 0},
                                                    "map": inner}]}).encode()  # fmt: skip


def notebook() -> bytes:
    return json.dumps({
        "cells": [{"cell_type": "markdown", "source": ["# t"]},
                  {"cell_type": "code", "source": ["%time\n", "import os\n", "x = 1\n"]},
                  {"cell_type": "code", "source": CODE["python"].decode()}],
        "metadata": {"kernelspec": {"language": "python"},
                     "language_info": {"name": "python", "file_extension": ".py"}},
        "nbformat": 4,
    }).encode()  # fmt: skip


def carrier_seeds() -> dict[str, bytes]:
    """Small real carriers, by the name each is read as."""
    files = {"pkg/journal.py": _JOURNAL[:1500], "pkg/a.go": CODE["go"], "README.md": b"# r\n",
             "pkg/a.py": CODE["python"]}  # fmt: skip
    inner = zip_bytes({"x/k.kt": CODE["kotlin"], "nb.ipynb": notebook()})
    return {
        "drop.tar.gz": gzip.compress(_tar({**files, "inner.jar": inner}), mtime=0),
        "drop.zip": zip_bytes({**files, "app.js.map": source_map(), "in.tar": _tar(files)}),
        "drop.tar.xz": lzma.compress(_tar(files)),
        "drop.tar.bz2": bz2.compress(_tar({"a.rb": CODE["ruby"]})),
        "report.ipynb": notebook(),
        "app.js.map": source_map(),
    }


# -- the checks ----------------------------------------------------------------------------------


def _assert_valid_text(text: object, what: str) -> None:
    assert isinstance(text, str), (what, text)
    text.encode("utf-8")  # no lone surrogate: JSON, SQLite TEXT and UTF-8 files take it


def _assert_problems(problems: list[Problem]) -> None:
    for problem in problems:
        _assert_valid_text(problem.path, "problem path")
        _assert_valid_text(problem.message, "problem message")
        assert "\n" not in problem.message and "\r" not in problem.message, problem
        assert problem.message.strip(), problem


def check_normalize(data: bytes, name: str, limits: ParseLimits = LIMITS) -> ParseFailure | None:
    """``data`` parsed as the language of ``name`` through the scan's isolated parse. A
    ``ParseFailure`` (the documented way a parse gives up) is returned, not raised: the long
    mode keeps such inputs too."""
    language = language_for_path(name)
    assert language is not None, name
    started = time.monotonic()
    try:
        analysis = analyze(data, language, FingerprintParams(), limits)
    except ParseFailure as failure:
        assert failure.kind in ("crash", "time", "memory"), failure
        assert "\n" not in str(failure)
        return failure
    finally:
        elapsed = time.monotonic() - started
        assert elapsed < limits.seconds + SLACK_SECONDS, f"{elapsed:.1f} s for {name}"
    tokens = analysis.tokens
    n = len(tokens)
    for array in (tokens.raw, tokens.line_start, tokens.line_end):
        assert array.shape == (n,), (array.shape, n)
    if n:
        assert tokens.start_byte.shape == tokens.end_byte.shape == (n,)
        assert (tokens.start_byte >= 0).all() and (tokens.end_byte <= len(data)).all()
        assert (tokens.start_byte < tokens.end_byte).all()
        assert (tokens.values != 0).all()
    assert tokens.lines == count_lines(data)
    assert (tokens.line_start >= 1).all() and (tokens.line_start <= tokens.line_end).all()
    assert (tokens.line_end <= max(tokens.lines, 1)).all()
    if tokens.error_line is not None:
        assert 1 <= tokens.error_line <= tokens.lines + 1, (tokens.error_line, tokens.lines)
    return None


def check_carriers(data: bytes, name: str) -> None:
    """``data`` read as a candidate file named ``name`` (an archive, a notebook, a map)."""
    archive = Archive(Path(name), data=data)
    files = list(archive.iter_files())
    for file in files:
        _assert_valid_text(file.path, "path")
        assert isinstance(file.data, bytes) and file.language in LANGUAGES, file.path
    _assert_problems(archive.problems)


def check_sourcemap(data: bytes, name: str = "dist/app.js.map") -> None:
    problems: list[Problem] = []
    files = list(expand_source_map(name, data, problems))
    for file in files:
        _assert_valid_text(file.path, "path")
        assert file.path.startswith(name + "!/"), file.path
        assert isinstance(file.data, bytes) and file.language in LANGUAGES, file.path
    _assert_problems(problems)


# -- report writers ------------------------------------------------------------------------------

#: Pieces hostile names and messages are made of.
HOSTILE = ["\n", "\r\n", "`", "``", " ", "<img src=x onerror=alert(1)>",
           "<script>alert(1)</script>", "\x1b[2J", "\x1b]0;owned\x07", "\u202e", "\u2066",
           "\ud800", "\udcff", "|", "\\", "*",
           "_", "[x](javascript:alert(1))", "![i](http://x/i.png)", "<!--", "-->", "&amp;",
           "&#60;", "\0", "\u2028", "\x85", "# ", "    ", "---", "> ", "<", ">", "&", '"', "'",
           "]]>", "{{x}}", "%0A", "a.py", "/", "..", "!/", "\t", "<b onmouseover=x>",
           "<a href='javascript:x'>", "<svg/onload=alert(1)>", "<style>*{}</style>"]  # fmt: skip

_MARKDOWN_TAGS = {"h1", "h2", "h3", "p", "ul", "ol", "li", "code", "strong", "em", "table",
                  "thead", "tbody", "tr", "th", "td", "hr", "br"}  # fmt: skip
_ALIGN = {("style", "text-align:right"), ("style", "text-align:left")}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


def assert_markdown_runs_nothing(text: str) -> None:
    """Rendered with raw HTML allowed (and GFM tables), only the writer's own tags, and no
    attribute but a table cell's alignment."""
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    for tag, attrs in tags(rendered):
        assert tag in _MARKDOWN_TAGS, (tag, rendered)
        assert all(attr in _ALIGN for attr in attrs), (tag, attrs)


def _schema(text: str) -> jsonschema.protocols.Validator:
    return jsonschema.validators.validator_for(json.loads(text))(json.loads(text))


REPORT_SCHEMA = _schema(resources.files("scanner.schemas").joinpath("report-1.schema.json")
                        .read_text())  # fmt: skip
SARIF_SCHEMA = _schema((REPO / "tests" / "schemas" / "sarif-2.1.0-rtm.5.json").read_text())


def with_names(base: dict[str, Any], strings: Sequence[str]) -> tuple[dict[str, Any], Sources]:
    """``base`` (a real report with one review) with every name and message replaced by the
    hostile ``strings`` (cyclically), and candidate text that holds them too.

    Names pass ``carried_name`` first, as every source does where a name enters; messages and
    text get the same treatment (a decoded file and an exception message are valid Unicode).
    """
    pool = [carried_name(s) or "x" for s in strings] or ["x"]
    counter = iter(range(10**9))

    def take() -> str:
        return pool[next(counter) % len(pool)]

    report = copy.deepcopy(base)
    texts: dict[str, dict[str, str]] = {}
    for candidate in report["candidates"]:
        candidate["target"] = take() + str(next(counter))  # targets stay distinct
        candidate["reasons"] = [take() for _ in candidate["reasons"]]
        for key in ("problems", "unread"):
            candidate[key] = [{"path": take(), "message": take()} for _ in range(2)]
        for pair in candidate["files"]:
            pair["candidate_path"] = take() + str(next(counter))
            # distinct private files stay distinct (reports group evidence per private file)
            pair["private_repo"], pair["private_path"] = take(), take() + str(next(counter))
            pair["private_copies"] = [{"repo": take(), "path": take()}]
            body = "\n".join(take() for _ in range(40))
            texts.setdefault(candidate["target"], {})[pair["candidate_path"]] = body
        paths = [p["candidate_path"] for p in candidate["files"]]
        candidate["review"] = {
            "confirmed": paths, "dismissed": [], "awaiting": [], "dismissed_whole": False,
            "history": [{"path": p, "decision": "confirmed", "reason": take(), "by": take(),
                         "at": "2025-01-01T00:00:00+00:00"} for p in paths],
        }  # fmt: skip
    return report, Sources(excerpts=lambda target: texts.get(target, {}))


def render(report: dict[str, Any], sources: Sources) -> dict[str, str]:
    """Every format, as the text that would be written to a UTF-8 file."""
    out = {}
    for name, writer in (("json", json_report.write), ("md", md_report.write),
                         ("html", html_report.write), ("sarif", sarif_report.write)):  # fmt: skip
        buffer = io.StringIO()
        writer(report, buffer, sources)
        out[name] = buffer.getvalue()
    out["notice"] = draft_notice(report)
    for text in out.values():
        text.encode("utf-8")
    return out


def _structure(page: str) -> tuple[set[str], set[str]]:
    found = tags(page)
    return {tag for tag, _ in found}, {name for _, attrs in found for name, _ in attrs}


#: The legend's Markdown lines: a name holding ``!/`` or ``@abc1234`` rightly brings them.
_LEGEND_LINES = {
    f"- {md_code(notation)}: {md_text(meaning)}"
    for notation, meaning in legend(["a!/b", "m.map!/x", "n.ipynb!/cell-1.py", "p@abcdef1"])
}


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line not in _LEGEND_LINES]


def check_reports_against(base: dict[str, Any], strings: Sequence[str]) -> None:
    """Every writer on ``base`` with hostile names: nothing a name holds becomes structure."""
    expected = render(*with_names(base, ["name"]))
    report, sources = with_names(base, strings)
    written = render(report, sources)
    REPORT_SCHEMA.validate(json.loads(written["json"]))
    sarif = json.loads(written["sarif"])
    SARIF_SCHEMA.validate(sarif)
    for result in sarif["runs"][0]["results"]:
        for location in result["locations"] + result["relatedLocations"]:
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert all(c.isascii() and c.isprintable() and c not in ' <>"`{}|\\^#?' for c in uri)
    for fmt in ("md", "notice"):
        assert_markdown_runs_nothing(written[fmt])
        assert len(_lines(written[fmt])) == len(_lines(expected[fmt])), fmt
    base_tags, base_attrs = _structure(expected["html"])
    page_tags, page_attrs = _structure(written["html"])
    # a name holding "!/" rightly brings the legend of path notations (a <dl> of our own text)
    assert page_tags <= base_tags | {"mark", "span", "dl", "dt", "dd"}, page_tags - base_tags
    assert page_attrs <= base_attrs | {"id", "class"}, page_attrs - base_attrs
    for _, attrs in tags(written["html"]):
        for name, value in attrs:
            if name == "href":
                assert value is not None and value.startswith(("#", "https://")), value


_BASE_REPORT: list[dict[str, Any]] = []


def base_report() -> dict[str, Any]:
    """A real report, made once: a folder holding a copy of a private file (derivative) and a
    binary ``.py`` (a problem line), scanned against a store of ``samples/private``."""
    if not _BASE_REPORT:
        from typer.testing import CliRunner

        from scanner.cli import app

        runner = CliRunner()
        with tempfile.TemporaryDirectory(prefix="leaktrace-fuzz-") as tmp:
            folder = Path(tmp) / "suspect"
            folder.mkdir()
            (folder / "journal.py").write_bytes(_JOURNAL)
            (folder / "blob.py").write_bytes(bytes(range(256)) * 4)
            store, out = Path(tmp) / "store.db", Path(tmp) / "report.json"
            done = runner.invoke(app, ["fingerprint", str(SAMPLES / "private" / "acme-ledger"),
                                       "--store", str(store)])  # fmt: skip
            assert done.exit_code == 0, done.output
            done = runner.invoke(app, ["scan", str(folder), "--store", str(store), "--results",
                                       str(Path(tmp) / "r.db"), "--json", str(out)])  # fmt: skip
            assert done.exit_code == 1, done.output
            _BASE_REPORT.append(json.loads(out.read_text()))
    return _BASE_REPORT[0]


def check_reports(data: bytes, name: str = "") -> None:
    """``data``: a JSON list of hostile strings (surrogates as JSON escapes)."""
    strings = json.loads(data)
    check_reports_against(base_report(), [s for s in strings if isinstance(s, str)])


CHECKS: dict[str, Callable[[bytes, str], object]] = {
    "normalize": check_normalize,
    "carriers": check_carriers,
    "sourcemap": check_sourcemap,
    "reports": check_reports,
}


def save_seed(target: str, data: bytes, name: str) -> Path:
    """Keep a failing input where the fast suite replays it: ``fuzz_seeds/TARGET/HASH-NAME``."""
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}-{Path(name).name}"
    path.write_bytes(data)
    return path


def seed_name(path: Path) -> str:
    """The name a saved seed is read as (``HASH-drop.tar.gz`` -> ``drop.tar.gz``)."""
    return path.name.split("-", 1)[1] if "-" in path.name else path.name


def saved_seeds() -> list[tuple[str, Path]]:
    return [(target, path) for target in TARGETS if (SEEDS / target).is_dir()
            for path in sorted((SEEDS / target).iterdir()) if path.is_file()]  # fmt: skip
