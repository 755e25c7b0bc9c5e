"""Accuracy of leaktrace on labelled cases built from real open-source code. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_accuracy [--only CATEGORY]... [--keep]

Every case is a private tree (fingerprinted into a store, as the company would) and a candidate
tree, labelled ``derivative`` or ``clear``. The cases are built at run time from pinned PyPI sdists
and npm tarballs (``corpus``, cached in ``~/.cache/leaktrace-bench``, never committed): copies,
subsets, renamed and restructured copies, pasted functions, pip's real vendoring, and the
look-alikes that must stay clear (unrelated code, independent implementations of the same thing,
a library vendored by both sides, a fork of the company's own public code, shared boilerplate).
A private tree is fingerprinted with ``--owner`` naming its package's authors (``package_authors``):
the stand-in company says who it is, as a company whose own files carry open-source licence
headers does; without it, tomli's, attrs', tenacity's and distro's files were never evidence.

leaktrace runs through its CLI (``fingerprint``, ``background`` when the CLI has it, ``scan --json
-``); a case is flagged when its verdict is ``derivative``. copydetect 0.5.0 (``pip install
copydetect==0.5.0``) runs on the same trees and the same source files (the extensions leaktrace
reads), with the company's public code as its boilerplate. A case's copydetect score is its best
file pair: either the largest similarity (share of a candidate file copied from one private file)
or the largest overlap (characters of filtered code shared by one pair), whichever of the two
gives the better accuracy at its single best threshold over all cases; both are printed. The
figures are printed side by side; the exit code is always 0 (this is a measurement).

``LEAKTRACE_BENCH_CLI`` overrides the command (default: the ``leaktrace`` next to this Python).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import hashlib
import io
import json
import keyword
import logging
import math
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fingerprints import language_for_path
from tests.benchmarks.bench_scale import DebTree, deb_tree
from tests.benchmarks.corpus import npm_package, pypi_sdist

# Unrelated public code for ``leaktrace background``: used by no case, on either side.
BACKGROUND = ("sphinx-7.3.7", "docutils-0.21.2", "pytest-8.2.2")
# pip 24.0 vendors these exact releases (src/pip/_vendor/vendor.txt).
PIP = "pip-24.0"
PIP_VENDORED = (
    "requests-2.31.0",
    "urllib3-1.26.17",
    "packaging-21.3",
    "rich-13.4.2",
    "tenacity-8.2.2",
    "tomli-2.0.1",
    "resolvelib-1.0.1",
    "distro-1.8.0",
    "platformdirs-3.8.1",
)

_GOCODE = "usr/share/gocode/src"
_CARGO = "usr/share/cargo/registry"
#: Go and Rust sources from Debian's -dev packages and toolchain source packages (``deb:LABEL``).
DEBIAN = {
    tree.label: tree
    for tree in (
        DebTree("golang-x-sync-0.1.0", "golang-golang-x-sync-dev", "0.1.0-1", _GOCODE),
        DebTree("golang-x-net-0.7.0", "golang-golang-x-net-dev", "1:0.7.0+dfsg-1", _GOCODE),
        DebTree(
            "golang-pflag-1.0.6",
            "golang-github-spf13-pflag-dev",
            "1.0.6~git20210604-d5e0c0615ace-1",
            _GOCODE,
        ),
        DebTree("golang-uuid-1.3.0", "golang-github-google-uuid-dev", "1.3.0-1", _GOCODE),
        DebTree("go-1.19.8-src", "golang-1.19-src", "1.19.8-2", "usr/share/go-1.19/src"),
        DebTree(
            "rust-siphasher-0.3.10",
            "librust-siphasher-dev",
            "0.3.10-1",
            f"{_CARGO}/siphasher-0.3.10",
        ),
        DebTree("rust-semver-1.0.14", "librust-semver-dev", "1.0.14-1", f"{_CARGO}/semver-1.0.14"),
        DebTree("rustc-1.63.0-src", "rust-src", "1.63.0+dfsg1-2", "usr/src/rustc-1.63.0"),
    )
}

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
KEEP_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
# Files a new project copies from an old one without copying any of its code.
BOILERPLATE_FILES = frozenset(
    {
        "LICENSE",
        "LICENSE.txt",
        "LICENSE.rst",
        "LICENSE.md",
        "LICENSE-MIT",
        "license.md",
        "COPYING",
        "setup.py",
        "setup.cfg",
        "pyproject.toml",
        "tox.ini",
        "MANIFEST.in",
        ".editorconfig",
        ".pre-commit-config.yaml",
        ".readthedocs.yaml",
        ".gitignore",
        ".flake8",
        "package.json",
        "tsconfig.json",
        ".npmignore",
        ".eslintrc.json",
        "Makefile",
        "make.bat",
    }
)

CATEGORIES: dict[str, tuple[bool, str]] = {
    "verbatim": (True, "copy of the private package"),
    "subset": (True, "4 private files inside a small real project"),
    "large-host": (True, "2 private files inside a large unrelated project"),
    "renamed": (True, "identifiers renamed, comments dropped, 2-space indent"),
    "restructured": (True, "defs reordered, files merged and split, folders renamed"),
    "partial": (True, "a third of the functions of 3 files pasted into a large project"),
    "vendoring": (True, "pip 24.0 vendors the private release"),
    "unrelated": (False, "different, unrelated packages"),
    "independent": (False, "independent implementations of the same thing"),
    "shared-vendored": (False, "a public library vendored by the private side too"),
    "own-public-fork": (False, "fork of the company's own public code (--public)"),
    "boilerplate": (False, "only licence, setup, CI, docs config, re-export __init__"),
    # Public code with provenance (issue 10): the reference set is learnt with ``background``.
    "undeclared-copy": (False, "a library copied into a private folder; candidate ships it too"),
    "undeclared+leak": (True, "the same candidates with 2 private files copied in"),
    "generated": (False, "unrelated projects shipping output of the same generator"),
    "leak-in-reference": (True, "the reference set holds the private code; a copy is scanned"),
    # Evidence that vouched for itself (trial defects): the reference set holds the leak too.
    "self-vouching": (True, "the leak published twice, or beside a public library; a copy"),
    "own-files-package": (True, "2 modules of the private main package published as a package"),
    "added-to-copy": (True, "code the company appended to a vendored file, alone"),
    # A subfolder kept apart: a library copied in, or the company's own published by a leaker.
    "apart-leak": (True, "a subfolder importing its host published as a package; a copy"),
    "apart-vendored": (False, "a real vendored library kept apart, never importing its host"),
    # Code carried inside other files (the <script> blocks of components, notebook code cells).
    "components": (True, "Vue/Svelte components or notebooks copied, their code renamed"),
    "components-unrelated": (False, "other component libraries or notebooks of the same kind"),
    # Real packages shipping sample files of many languages under names that tell none (test
    # fixtures): taken for code by their text, they must not make the package incomplete.
    "fixtures": (False, "packages of fixtures, samples, docs with code; ok only when clear"),
}
#: The categories where a case is ``ok`` only when ``clear``: ``incomplete`` is no flag, but
#: there it is the defect measured (a fixture's guessed language making a package unread).
MUST_BE_CLEAR = ("fixtures",)
#: The categories whose cases learn a reference set of their own (``Case.references``).
REFERENCE_CATEGORIES = ("undeclared-copy", "undeclared+leak", "generated", "leak-in-reference",
                        "self-vouching", "own-files-package", "added-to-copy", "apart-leak",
                        "apart-vendored")  # fmt: skip


@dataclass(frozen=True)
class Case:
    category: str
    name: str
    private: Path
    candidate: Path
    public: tuple[Path, ...] = ()
    note: str = ""
    #: Reference sources (public packages) learnt into the store with ``leaktrace background``,
    #: beside the benchmark's background: the library's own package, or a package holding the leak.
    references: tuple[Path, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.category}/{self.name}"

    @property
    def derivative(self) -> bool:
        return CATEGORIES[self.category][0]


# ---------------------------------------------------------------------------------------------
# Trees


def release(spec: str) -> Path:
    """A pinned release, downloaded once: ``name-version`` (PyPI), ``npm:name-version``, or
    ``deb:LABEL`` (a tree of ``DEBIAN``); ``:PATH`` names a part (``deb:go-1.19.8-src:net``)."""
    registry = ""
    if spec.startswith(("npm:", "deb:")):
        registry, spec = spec[:3], spec[4:]
    spec, _, sub = spec.partition(":")
    if registry == "deb":
        root = deb_tree(DEBIAN[spec])
    else:
        name, version = spec.rsplit("-", 1)
        root = npm_package(name, version) if registry == "npm" else pypi_sdist(name, version)
    return root / sub if sub else root


def top(root: Path) -> Path:
    """The project folder of an unpacked release (sdists hold one top folder)."""
    children = list(root.iterdir())
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return root


def package_dir(root: Path, name: str) -> Path:
    """The importable package ``name`` inside a release, or its top folder for single modules."""
    found = [p.parent for p in root.rglob("__init__.py") if p.parent.name == name]
    return min(found, key=lambda p: len(p.parts)) if found else top(root)


def package_authors(private: Path) -> list[str]:
    """The authors a private tree's package metadata names (``PKG-INFO``'s ``Author`` and
    ``Author-email`` names, ``package.json``'s ``author``), at its top or one folder down: the
    company a stand-in package plays, declared to ``fingerprint --owner`` as a company whose own
    files carry open-source headers would (tomli's REUSE headers, attrs' bare SPDX lines)."""
    import email.parser
    import email.utils

    found: list[str] = []
    for folder in (private, top(private)):
        info = folder / "PKG-INFO"
        if info.is_file():
            meta = email.parser.Parser().parsestr(info.read_text(errors="replace"), True)
            found += [a.strip() for a in (meta.get("Author") or "").split(",")]
            found += [n for n, _ in email.utils.getaddresses([meta.get("Author-email") or ""])]
        manifest = folder / "package.json"
        if manifest.is_file():
            with contextlib.suppress(ValueError):
                author = json.loads(manifest.read_text(errors="replace")).get("author")
                name = author.get("name") if isinstance(author, dict) else author
                if isinstance(name, str):
                    found.append(re.sub(r"\s*[<(].*$", "", name))
    return sorted({a for a in found if len(a.strip()) >= 3})


def link_tree(src: Path, dst: Path) -> Path:
    """Copy a tree with hard links (cheap); files are only ever replaced, never written through."""

    def link(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, symlinks=True, copy_function=link)
    return dst


def put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()  # a hard link into the download cache: never write through it
    path.write_text(text, encoding="utf-8")


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def compiles(text: str) -> bool:
    try:
        compile(text, "<bench>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def modules(pkg: Path, low: int = 0, high: int = 10**9) -> list[tuple[Path, str]]:
    """The package's Python files that parse, with ``low``..``high`` lines, sorted by path."""
    out = []
    for path in sorted(pkg.rglob("*.py")):
        text = read(path)
        if text is not None and low <= text.count("\n") <= high and compiles(text):
            out.append((path, text))
    return out


def source_files(root: Path) -> list[Path]:
    """Every file of a tree in a language leaktrace reads: the file set of both tools."""
    return sorted(p for p in root.rglob("*") if p.is_file() and language_for_path(p.name))


# ---------------------------------------------------------------------------------------------
# Source transforms (Python)


def rename_and_reformat(source: str, names: dict[str, str]) -> str:
    """Rename every identifier that is not a keyword or builtin (consistently, through ``names``),
    drop comments, indent by 2 spaces, and reassemble with ``tokenize.untokenize``."""
    out: list[tuple[int, str]] = []
    depth = 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        kind, text = tok.type, tok.string
        if kind == tokenize.COMMENT:
            continue
        if kind == tokenize.INDENT:
            depth += 1
            text = "  " * depth
        elif kind == tokenize.DEDENT:
            depth -= 1
        elif kind == tokenize.NAME and text not in KEEP_NAMES:
            text = names.setdefault(text, f"r{len(names)}x")
        out.append((kind, text))
    return tokenize.untokenize(out)


@dataclass
class Blocks:
    """A module cut at top-level statements: the head (up to the first def or class) and each
    later statement with the blank lines and comments above it."""

    head: list[str]
    body: list[tuple[ast.stmt, str]]

    @classmethod
    def of(cls, source: str) -> Blocks:
        lines = source.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        stmts = ast.parse(source).body
        first = next((i for i, s in enumerate(stmts) if isinstance(s, DEFS)), len(stmts))
        if first == len(stmts):
            return cls(lines, [])
        ends = [stmt.end_lineno or 0 for stmt in stmts]
        ends[-1] = len(lines)
        body = [
            (stmts[i], "".join(lines[ends[i - 1] if i else 0 : ends[i]]))
            for i in range(first, len(stmts))
        ]
        head_end = ends[first - 1] if first else 0
        return cls(lines[:head_end], body)

    def text(self, body: list[str] | None = None) -> str:
        return "".join(self.head) + "".join(body if body is not None else self.texts)

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.body]

    def without_future(self) -> list[str]:
        return [line for line in self.head if "from __future__" not in line]


def function_texts(source: str) -> list[str]:
    """The text of each top-level function, decorators included."""
    lines = source.splitlines(keepends=True)
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, FUNCS):
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            out.append("".join(lines[start - 1 : node.end_lineno]))
    return out


def insert_in_middle(source: str, snippet: str) -> str:
    """``snippet`` inserted between two top-level statements near the middle of ``source``."""
    lines = source.splitlines(keepends=True)
    ends = [node.end_lineno or 0 for node in ast.parse(source).body]
    at = min(ends, key=lambda end: abs(end - len(lines) // 2), default=len(lines))
    return "".join(lines[:at]) + "\n\n" + snippet.rstrip("\n") + "\n\n\n" + "".join(lines[at:])


COMPONENT_SUFFIXES = (".vue", ".svelte", ".ipynb")
#: JavaScript's globals and Vue's and Svelte's own names: kept when a script is renamed.
JS_KEEP = frozenset(
    {"console", "window", "document", "Math", "Object", "Array", "JSON", "Promise", "String",
     "Number", "Boolean", "Date", "Error", "RegExp", "Symbol", "Map", "Set", "undefined", "NaN",
     "Infinity", "require", "module", "exports", "setTimeout", "clearTimeout", "parseInt",
     "parseFloat", "isNaN", "Vue", "$event", "$emit", "$refs", "$el", "$nextTick", "$slots",
     "$props", "$$props", "$$restProps", "$$slots"}
)  # fmt: skip
_JS_NAMES = frozenset(
    {"identifier", "property_identifier", "shorthand_property_identifier",
     "shorthand_property_identifier_pattern", "type_identifier"}
)  # fmt: skip
_SCRIPT_BLOCK = re.compile(r"(<script\b([^>]*)>)(.*?)(</script\s*>)", re.IGNORECASE | re.DOTALL)


def rename_script(code: str, language: str, names: dict[str, str]) -> str:
    """A JavaScript or TypeScript script with every identifier that is not a global renamed
    (consistently, through ``names``), comments dropped and its indentation doubled: the
    JavaScript counterpart of ``rename_and_reformat``, with tree-sitter finding the names."""
    from fingerprints.languages import load_language

    data = code.encode("utf-8", "surrogateescape")
    tree = load_language(language).parser().parse(data)
    edits: list[tuple[int, int, str]] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            edits.append((node.start_byte, node.end_byte, ""))
        elif node.type in _JS_NAMES and node.child_count == 0:
            text = data[node.start_byte : node.end_byte].decode("utf-8", "surrogateescape")
            if text not in JS_KEEP:
                edits.append((node.start_byte, node.end_byte,
                              names.setdefault(text, f"r{len(names)}x")))  # fmt: skip
        else:
            stack.extend(node.children)
    out = bytearray(data)
    for start, end, new in sorted(edits, reverse=True):
        out[start:end] = new.encode()
    lines = []
    for line in out.decode("utf-8", "surrogateescape").split("\n"):
        body = line.lstrip(" \t")
        indent = line[: len(line) - len(body)].replace("\t", "  ")
        lines.append(indent * 2 + body if body else "")
    return "\n".join(lines)


def rename_component(text: str, names: dict[str, str]) -> str:
    """A page or a component with the code of each of its ``<script>`` blocks renamed."""

    def block(match: re.Match[str]) -> str:
        typed = re.search(r"\blang\s*=\s*[\"']?(ts|typescript)\b", match.group(2), re.I)
        code = rename_script(match.group(3), "typescript" if typed else "javascript", names)
        return match.group(1) + code + match.group(4)

    return _SCRIPT_BLOCK.sub(block, text)


def rename_notebook(text: str, names: dict[str, str]) -> str:
    """A notebook with each code cell renamed and reformatted (``rename_and_reformat``; a cell
    Python's tokenizer refuses is kept) and its JSON written again with another indentation."""
    notebook = json.loads(text)
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            new = rename_and_reformat(source, names)
        except (tokenize.TokenError, SyntaxError):
            new = source
        cell["source"] = new.splitlines(keepends=True)
    return json.dumps(notebook, indent=2, ensure_ascii=False) + "\n"


FORK_FUNCTION = '''

def retry_call(func, attempts=3, delay=0.25, exceptions=(Exception,)):
    """Call ``func`` until it succeeds, at most ``attempts`` times (added by the fork)."""
    import time as _time

    last_error = None
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except exceptions as error:
            last_error = error
            if attempt < attempts:
                _time.sleep(delay * attempt)
    raise RuntimeError(f"gave up after {attempts} attempts") from last_error
'''

FORK_MODULE = '''"""Helpers the fork added."""

from __future__ import annotations

import os
from collections.abc import Mapping


def env_flag(name: str, default: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    """Read a yes/no switch from the environment."""
    value = (environ if environ is not None else os.environ).get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Counter:
    """Count events by name, thread-unsafe and proud of it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, name: str, amount: int = 1) -> int:
        self.counts[name] = self.counts.get(name, 0) + amount
        return self.counts[name]

    def most_common(self, n: int = 3) -> list[tuple[str, int]]:
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:n]
'''


# ---------------------------------------------------------------------------------------------
# Cases


class Builder:
    """Builds every case under ``work``: candidates (and the few synthetic private trees)."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.cases: list[Case] = []
        self.leaked_languages: set[str] = set()

    def _dir(self, key: str) -> Path:
        path = self.work / "cases" / re.sub(r"[^A-Za-z0-9_.-]+", "_", key)
        path.mkdir(parents=True)
        return path

    def add(self, category: str, name: str, private: Path, candidate: Path, **kw: object) -> None:
        self.cases.append(Case(category, name, private, candidate, **kw))

    # positives ---------------------------------------------------------------------------------

    def verbatim(self, spec: str) -> None:
        private = release(spec)
        cand = link_tree(top(private), self._dir(f"verbatim-{spec}") / "project")
        self.add("verbatim", spec, private, cand.parent)

    def _drop_files(
        self, category: str, spec: str, pkg: str, host_spec: str, count: int, low: int, high: int
    ) -> None:
        private, host = release(spec), release(host_spec)
        rng = random.Random(f"{category}/{spec}")
        chosen = rng.sample(
            [
                m
                for m in modules(package_dir(private, pkg), low, high)
                if m[0].name != "__init__.py"
            ],
            count,
        )
        cand = self._dir(f"{category}-{spec}")
        link_tree(top(host), cand / top(host).name)
        dest = package_dir(cand, host_spec.rsplit("-", 1)[0].replace("-", "_"))
        for path, text in chosen:
            target = dest / path.name
            if target.exists():
                target = dest / f"{pkg}_{path.name}"
            put(target, text)
        lines = sum(text.count("\n") for _, text in chosen)
        note = f"{', '.join(p.name for p, _ in chosen)} ({lines} lines) into {host_spec}"
        self.add(category, f"{spec} in {host_spec}", private, cand, note=note)

    def subset(self, spec: str, pkg: str, host_spec: str) -> None:
        self._drop_files("subset", spec, pkg, host_spec, 4, 80, 1500)

    def large_host(self, spec: str, pkg: str, host_spec: str) -> None:
        self._drop_files("large-host", spec, pkg, host_spec, 2, 150, 1200)

    def renamed(self, spec: str, pkg: str) -> None:
        private = release(spec)
        src = package_dir(private, pkg)
        cand = self._dir(f"renamed-{spec}")
        names: dict[str, str] = {}
        done = failed = 0
        for path, text in modules(src):
            try:
                new = rename_and_reformat(text, names)
            except (tokenize.TokenError, SyntaxError):
                new = ""
            if not compiles(new):
                failed += 1
                continue
            put(cand / "pkg" / path.relative_to(src), new)
            done += 1
        note = f"{done} files renamed ({len(names)} identifiers), {failed} failed to compile"
        self.add("renamed", spec, private, cand, note=note)

    def restructured(self, spec: str, pkg: str) -> None:
        private = release(spec)
        src = package_dir(private, pkg)
        rng = random.Random(f"restructured/{spec}")
        files = {path.relative_to(src): text for path, text in modules(src)}
        out: dict[Path, str] = {}
        # reorder the defs and classes of every file
        for rel, text in files.items():
            blk = Blocks.of(text)
            slots = [i for i, (node, _) in enumerate(blk.body) if isinstance(node, DEFS)]
            texts = blk.texts
            moved = [texts[i] for i in slots]
            rng.shuffle(moved)
            for i, text in zip(slots, moved, strict=True):
                texts[i] = text if text.endswith("\n") else text + "\n"
            new = blk.text(texts)
            out[rel] = new if compiles(new) else files[rel]
        # merge two modules into one
        mergeable = sorted(
            r for r in out if r.name != "__init__.py" and 40 <= files[r].count("\n") <= 800
        )
        a, b = rng.sample(mergeable, 2)
        first, second = Blocks.of(out.pop(a)), Blocks.of(out.pop(b))
        futures = {line for blk in (first, second) for line in blk.head if "__future__" in line}
        merged_rel = a.with_name(f"{a.stem}_{b.stem}.py")
        parts = [*first.without_future(), *first.texts, "\n\n", *second.without_future()]
        out[merged_rel] = "".join([*sorted(futures), *parts, *second.texts])
        # split the largest other module in two
        big = max(
            (r for r in out if r != merged_rel and len(Blocks.of(out[r]).body) >= 4),
            key=lambda r: out[r].count("\n"),
        )
        blk = Blocks.of(out.pop(big))
        half = len(blk.body) // 2
        out[big.with_name(f"{big.stem}_part1.py")] = blk.text(blk.texts[:half])
        out[big.with_name(f"{big.stem}_part2.py")] = blk.text(blk.texts[half:])
        # rename every folder
        cand = self._dir(f"restructured-{spec}")
        broken = 0
        for rel, text in out.items():
            folders = [f"{part}_impl" for part in rel.parent.parts]
            put(cand / f"{pkg}_core" / Path(*folders) / rel.name, text)
            broken += not compiles(text)
        note = (
            f"{len(files)} files -> {len(out)}: merged {a.name}+{b.name}, split {big.name}"
            f"{f', {broken} do not compile' if broken else ''}"
        )
        self.add("restructured", spec, private, cand, note=note)

    def partial(self, spec: str, pkg: str, host_spec: str, host_pkg: str) -> None:
        private, host = release(spec), release(host_spec)
        rng = random.Random(f"partial/{spec}")
        with_functions = [
            (path, funcs)
            for path, text in modules(package_dir(private, pkg))
            if len(funcs := function_texts(text)) >= 6
        ]
        with_functions.sort(key=lambda item: (-len(item[1]), str(item[0])))
        picked = [(path, funcs[1::3]) for path, funcs in with_functions[:3]]
        cand = self._dir(f"partial-{spec}")
        link_tree(top(host), cand / top(host).name)
        hosts = rng.sample(
            [
                p
                for p, _ in modules(package_dir(cand, host_pkg), 300, 3000)
                if p.name != "__init__.py"
            ],
            len(picked),
        )
        pasted = 0
        for (_, funcs), target in zip(picked, hosts, strict=True):
            snippet = "\n\n".join(f.rstrip("\n") + "\n" for f in funcs)
            pasted += snippet.count("\n")
            original = read(target) or ""
            new = insert_in_middle(original, snippet)
            if not compiles(new):
                new = original.rstrip("\n") + "\n\n\n" + snippet
            put(target, new)
        total = sum(len(f) for _, f in with_functions[:3])
        note = (
            f"{sum(len(f) for _, f in picked)} of {total} functions of "
            f"{', '.join(p.name for p, _ in picked)} ({pasted} lines) into {host_spec}"
        )
        self.add("partial", f"{spec} in {host_spec}", private, cand, note=note)

    def vendoring(self, spec: str) -> None:
        self.add(
            "vendoring",
            f"{spec} in {PIP}",
            release(spec),
            release(PIP),
            note=f"pip/_vendor holds {spec}, import lines rewritten",
        )

    # negatives ---------------------------------------------------------------------------------

    def pair(self, category: str, spec: str, cand_spec: str) -> None:
        self.add(category, f"{spec} vs {cand_spec}", release(spec), release(cand_spec))

    def shared_vendored(
        self, spec: str, pkg: str, lib_spec: str, lib_pkg: str, folder: str, cand_spec: str
    ) -> None:
        """Private: ``spec`` with ``lib_spec`` in ``<pkg>/<folder>/``; the candidate has it too."""
        lib = release(lib_spec)
        private = self.work / "private" / f"{spec}+{folder}-{lib_spec}"
        link_tree(release(spec), private)
        dest = package_dir(private, pkg) / folder
        lib_src = package_dir(lib, lib_pkg)
        if lib_src == top(lib):  # a single module such as six.py
            dest.mkdir(parents=True)
            shutil.copy2(lib_src / f"{lib_pkg}.py", dest / f"{lib_pkg}.py")
        else:
            link_tree(lib_src, dest / lib_pkg)
        self.add(
            "shared-vendored",
            f"{spec}+{folder}/{lib_pkg} vs {cand_spec}",
            private,
            release(cand_spec),
            note=f"{lib_spec} vendored under {pkg}/{folder}/",
        )

    def pip_vendored(self, cand_spec: str) -> None:
        self.add(
            "shared-vendored",
            f"{PIP} vs {cand_spec}",
            release(PIP),
            release(cand_spec),
            note=f"{PIP} vendors {cand_spec} under pip/_vendor/",
        )

    def fork(self, spec: str, public_spec: str, pkg: str, private: Path | None = None) -> None:
        public = release(public_spec)
        cand = self._dir(f"fork-{public_spec}")
        link_tree(top(public), cand / top(public).name)
        mods = sorted(modules(package_dir(cand, pkg), 50), key=lambda m: -m[1].count("\n"))
        (first, text1), (second, text2) = mods[:2]
        put(first, text1.rstrip("\n") + "\n" + FORK_FUNCTION)
        funcs = [n for n in ast.parse(text2).body if isinstance(n, FUNCS)]
        if funcs:
            lines = text2.splitlines(keepends=True)
            last = funcs[-1]
            start = min([d.lineno for d in last.decorator_list] + [last.lineno])
            put(second, "".join(lines[: start - 1] + lines[last.end_lineno or 0 :]))
        third, text3, renamed = next(
            (path, text, node.name)
            for path, text in mods[2:]
            for node in ast.parse(text).body
            if isinstance(node, FUNCS)
        )
        put(third, re.sub(rf"\b{re.escape(renamed)}\b", f"{renamed}_v2", text3))
        put(first.parent / "_fork_extras.py", FORK_MODULE)
        note = (
            f"{public_spec} + retry_call() in {first.name}, last function of {second.name} "
            f"deleted, {renamed}() renamed in {third.name}, new _fork_extras.py"
        )
        name = f"{spec} (public {public_spec})"
        self.add(
            "own-public-fork", name, private or release(spec), cand, public=(public,), note=note
        )

    def monorepo_fork(self, service_spec: str, sdk_spec: str, pkg: str) -> None:
        private = self.work / "private" / f"monorepo-{service_spec}-{sdk_spec}"
        link_tree(top(release(service_spec)), private / "services" / service_spec)
        link_tree(top(release(sdk_spec)), private / "sdk" / sdk_spec)
        self.fork(f"monorepo {service_spec}+{sdk_spec}", sdk_spec, pkg, private=private)

    def boilerplate(
        self, spec: str, pkg: str | None, host_spec: str, extra: tuple[str, ...] = ()
    ) -> None:
        private, host = release(spec), release(host_spec)
        src_top = top(private)
        shared: list[Path] = []
        for path in sorted(src_top.rglob("*")):
            rel = path.relative_to(src_top)
            if not path.is_file():
                continue
            if (
                (path.name in BOILERPLATE_FILES and len(rel.parts) <= 2)
                or str(rel) in extra
                or rel.parts[0] in {".github", "requirements"}
                or (rel.parts[0] == "docs" and path.name == "conf.py")
            ):
                shared.append(rel)
        if pkg:
            init = package_dir(private, pkg) / "__init__.py"
            text = read(init) or ""
            if text.count("\n") <= 150 and not any(
                isinstance(n, DEFS) for n in ast.parse(text).body
            ):
                shared.append(init.relative_to(src_top))
        cand = self._dir(f"boilerplate-{spec}")
        dest = link_tree(top(host), cand / top(host).name)
        for rel in shared:
            data = (src_top / rel).read_bytes()
            if (dest / rel).exists():
                (dest / rel).unlink()
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(data)
        note = f"{len(shared)} files: {', '.join(str(r) for r in shared)}"
        self.add("boilerplate", f"{spec} into {host_spec}", private, cand, note=note)

    # code carried inside other files ---------------------------------------------------------

    def components(self, spec: str) -> None:
        """Private: the components or notebooks of a real package (``spec`` names their folder,
        whatever else it holds); candidate: each of its ``.vue``, ``.svelte`` and ``.ipynb``
        files alone, under renamed folders, the code of its scripts or cells renamed."""
        private = release(spec)
        cand = self._dir(f"components-{spec}") / "app"
        names: dict[str, str] = {}
        copied = Counter[str]()
        for path in sorted(private.rglob("*")):
            text = read(path) if path.suffix in COMPONENT_SUFFIXES and path.is_file() else None
            if text is None:
                continue
            renamed = (rename_notebook if path.suffix == ".ipynb" else rename_component)(
                text, names)  # fmt: skip
            rel = path.relative_to(private)
            put(cand / "src" / Path(*[f"{part}_ui" for part in rel.parent.parts]) / rel.name,
                renamed)  # fmt: skip
            copied[path.suffix] += 1
        files = ", ".join(f"{count} {suffix}" for suffix, count in sorted(copied.items()))
        self.add("components", spec, private, cand.parent,
                 note=f"{files} files alone, {len(names)} identifiers renamed")  # fmt: skip

    # public code with provenance (issue 10) ----------------------------------------------------

    def compose(self, name: str, parts: dict[str, str]) -> Path:
        """A candidate made of parts of real releases: {folder in the candidate: release spec}."""
        root = self._dir(f"compose-{name}") / name
        for folder, spec in parts.items():
            link_tree(release(spec), root / folder)
        return root

    def undeclared_copy(
        self, base: str, copies: dict[str, str], reference: str, candidate: str | Path, lang: str
    ) -> None:
        """Private: the real project ``base`` with library code copied into a folder of its own
        ({folder in the private tree: release spec of the library part}), undeclared. The
        reference set is the library's published package; the candidate, another real project
        that ships the same library, is clear. The same candidate with 2 of ``base``'s own files
        copied in is a leak (``undeclared+leak``, one per language)."""
        label = "+".join(sorted(copies))
        private = link_tree(
            release(base), self.work / "private" / re.sub(r"\W+", "_", f"{base}+{label}")
        )
        for folder, spec in copies.items():
            source = release(spec)
            if source.is_file():
                put(top(private) / folder, source.read_text(encoding="utf-8"))
            else:
                link_tree(source, top(private) / folder)
        cand = candidate if isinstance(candidate, Path) else release(candidate)
        name = f"{base}+{label} vs {cand.name}"
        note = f"{', '.join(f'{s} at {f}' for f, s in copies.items())}; reference {reference}"
        refs = (release(reference),)
        self.add("undeclared-copy", name, private, cand, references=refs, note=note)
        if lang in self.leaked_languages:
            return
        self.leaked_languages.add(lang)
        own = [
            p
            for p in source_files(release(base))
            if language_for_path(p)
            and 60 <= (read(p) or "").count("\n") <= 1500
            and not {"test", "tests", "examples", "typings", "docs"} & set(p.parts)
            and not p.name.endswith(("_test.go", ".d.ts"))
        ]
        chosen = random.Random(f"undeclared+leak/{base}").sample(sorted(own), 2)
        leak = link_tree(cand, self._dir(f"undeclared+leak-{base}") / cand.name)
        for path in chosen:
            put(leak / "src" / "internal" / path.name, path.read_text(encoding="utf-8"))
        files = ", ".join(str(p.relative_to(release(base))) for p in chosen)
        note = f"{files} of {base} copied into {cand.name}/src/internal/"
        self.add("undeclared+leak", name, private, leak, references=refs, note=note)

    def generated(self, spec: str, cand_spec: str, generator: str) -> None:
        """Two unrelated real projects, each shipping a parser made by the same generator."""
        note = f"both ship {generator} output"
        self.add(
            "generated", f"{spec} vs {cand_spec}", release(spec), release(cand_spec), note=note
        )

    def leak_in_reference(self, spec: str, references: tuple[str, ...]) -> None:
        """The private code is a real package; the reference set holds a copy of it (pip
        vendoring requests, npm bundling semver). A copy of the private package must still be
        found."""
        private = release(spec)
        cand = link_tree(top(private), self._dir(f"leak-in-reference-{spec}") / "project")
        refs = tuple(release(r) for r in references)
        note = f"reference set {', '.join(references)} holds {spec}"
        self.add(
            "leak-in-reference", f"{spec} in {'+'.join(references)}", private, cand.parent,
            references=refs, note=note,
        )  # fmt: skip

    def published_leak(self) -> None:
        """The trial's private repository: humanize 4.9.0's own code with tomli 2.0.1 copied
        apart (``acme_billing/cfg/``), undeclared, its SPDX header dropped. Wrong ways its
        reference set can clear a copy of it: the whole package published twice under other
        names (mirrors vouching for each other), once beside tomli's own package (tomli holds 2
        of its files), two of its modules published as ``fmtkit``; and 250 lines of tabulate
        0.9.0 appended to the copied ``_parser.py``, scanned alone, with tomli learned. Built
        once for its three categories."""
        if any(c.category == "self-vouching" for c in self.cases):
            return
        humanize = top(release("humanize-4.9.0")) / "src" / "humanize"
        tomli = release("tomli-2.0.1") / "tomli-2.0.1" / "src" / "tomli"
        private = self.work / "private" / "acme-billing"
        link_tree(humanize, private / "acme_billing")
        for path in tomli.glob("*.py"):  # its 3-line SPDX header dropped, as undeclared copies do
            lines = path.read_text(encoding="utf-8").splitlines(True)
            put(private / "acme_billing" / "cfg" / path.name, "".join(lines[3:]))
        refs = self._dir("published-leak")
        mirrors = [link_tree(private / "acme_billing", refs / f"{name}/billing_utils")
                   for name in ("billing-utils-1.0", "acme-mirror-0.1")]  # fmt: skip
        mirrors = [m.parent for m in mirrors]
        copy = link_tree(private / "acme_billing", self._dir("self-vouching-copy") / "leak1")
        library = release("tomli-2.0.1")
        self.add(
            "self-vouching",
            "two mirrors of the leak",
            private,
            copy,
            references=tuple(mirrors),
            note="billing-utils 1.0 and acme-mirror 0.1",
        )
        self.add(
            "self-vouching",
            "the leak beside tomli",
            private,
            copy,
            references=(library, mirrors[0]),
            note="tomli 2.0.1 holds 2 of its files",
        )
        fmtkit = refs / "fmtkit-0.3"
        leak2 = self._dir("own-files-package") / "leak2"
        for name in ("time.py", "filesize.py"):
            put(fmtkit / "fmtkit" / name, (humanize / name).read_text(encoding="utf-8"))
            put(leak2 / name, (humanize / name).read_text(encoding="utf-8"))
        self.add("own-files-package", "humanize's time.py and filesize.py as fmtkit", private,
                 leak2, references=(fmtkit,), note="beside the package's own modules")  # fmt: skip
        lines = (top(release("tabulate-0.9.0")) / "tabulate" / "__init__.py").read_text(
            encoding="utf-8").splitlines(True)[900:1150]  # fmt: skip
        added = self.work / "private" / "acme-billing-added"
        link_tree(private, added)
        parser = added / "acme_billing" / "cfg" / "_parser.py"
        put(parser, parser.read_text(encoding="utf-8") + "\n" + "".join(lines))
        block = self._dir("added-to-copy") / "additions"
        put(block / "acme_ext.py", "".join(lines))
        self.add("added-to-copy", "tabulate lines 901-1150 appended to the copied _parser.py",
                 added, block, references=(library,), note="the block alone")  # fmt: skip

    def apart_leak(self, spec: str, folder: str, package: str) -> None:
        """A real project as the private tree, one of its subfolders kept apart (``folder``, of
        the project's own code: it imports the rest of the project, which imports it) published
        whole by a leaker as the package ``package`` (``name-version``), its imports as they
        were. The reference set holds that package; a copy of the subfolder must be found."""
        private = release(spec)
        source = private / folder
        name = package.rsplit("-", 1)[0].replace("-", "_")
        ref = link_tree(source, self._dir(f"apart-leak-{package}") / package / name)
        copy = link_tree(source, self._dir(f"apart-leak-copy-{package}") / "leak" / source.name)
        note = f"{folder} published as {package}; reference set {package}"
        self.add("apart-leak", f"{spec}:{folder} as {package}", private, copy.parent,
                 references=(ref.parent,), note=note)  # fmt: skip

    def apart_vendored(self, spec: str, vendored: str, kept: str, library: str) -> None:
        """The control: a real project's real vendored tree (``vendored``, pip's ``_vendor``),
        kept apart under ``kept`` (a name the private side reads: it skips ``_vendor``). The
        reference set is one vendored library's own release, which never imports the project;
        that release, as any project shipping the library, stays clear."""
        private = self.work / "private" / re.sub(r"\W+", "_", f"{spec}+{kept}")
        if not private.exists():
            link_tree(release(spec), private)
            (private / kept).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(private / vendored, private / kept)
        lib = release(library)
        self.add("apart-vendored", f"{spec} with {vendored} at {kept} vs {library}", private,
                 lib, references=(lib,), note=f"{library} vendored at {kept}")  # fmt: skip


def reference_steps(b: Builder) -> list[tuple[str, Callable[[], None]]]:
    """The cases of issue 10's categories, as (category, build) steps."""
    go_cmd = {"cmd/go": "deb:go-1.19.8-src:cmd/go", "cmd/vendor": "deb:go-1.19.8-src:cmd/vendor"}
    go_net = {"net": "deb:go-1.19.8-src:net", "vendor": "deb:go-1.19.8-src:vendor"}
    rust = {
        "library/core": "deb:rustc-1.63.0-src:library/core",
        "compiler/rustc_data_structures": "deb:rustc-1.63.0-src:compiler/rustc_data_structures",
    }
    sync = "deb:golang-x-sync-0.1.0:golang.org/x/sync"
    hpack = "deb:golang-x-net-0.7.0:golang.org/x/net/http2/hpack"
    pflag = "deb:golang-pflag-1.0.6:github.com/spf13/pflag"
    steps: list[tuple[str, Callable[[], None]]] = []

    def copy(
        lang: str, base: str, copies: dict[str, str], ref: str, cand: str | Callable[[], Path]
    ) -> None:
        def run() -> None:  # builds the language's undeclared+leak case too, the first time
            b.undeclared_copy(base, copies, ref, cand if isinstance(cand, str) else cand(), lang)

        steps.append(("undeclared-copy", run))

    # Python: pip 24.0 vendors six 1.16.0, idna 3.4, tomli 2.0.1; urllib3 1.26.17 ships six.py
    copy("py", "click-8.1.7", {"src/click/compat/six.py": "six-1.16.0:six-1.16.0/six.py"},
         "six-1.16.0", "urllib3-1.26.17")  # fmt: skip
    copy("py", "itsdangerous-2.2.0", {"src/itsdangerous/internal/idna": "idna-3.4:idna-3.4/idna"},
         "idna-3.4", "pip-24.0")  # fmt: skip
    copy("py", "attrs-23.2.0", {"src/attr/_config/tomli": "tomli-2.0.1:tomli-2.0.1/src/tomli"},
         "tomli-2.0.1", "setuptools-69.5.1")  # fmt: skip
    # JavaScript: npm 10.8.2 bundles ms 2.1.3 and semver 7.6.2 in its tarball
    copy("js", "npm:commander-12.1.0", {"lib/utils/ms.js": "npm:ms-2.1.3:index.js"},
         "npm:ms-2.1.3", "npm:npm-10.8.2")  # fmt: skip
    copy("js", "npm:minimist-1.2.8", {"internal/semver": "npm:semver-7.6.2"},
         "npm:semver-7.6.2", "npm:npm-10.8.2")  # fmt: skip
    # Go: the Go 1.19 tree vendors x/sync/semaphore (cmd/vendor) and x/net/http2/hpack (vendor)
    copy("go", pflag, {"internal/sema": f"{sync}/semaphore"},
         "deb:golang-x-sync-0.1.0", lambda: b.compose("go-1.19.8-cmd", go_cmd))  # fmt: skip
    copy("go", "deb:golang-uuid-1.3.0:github.com/google/uuid", {"pkg/hpack": hpack},
         "deb:golang-x-net-0.7.0", lambda: b.compose("go-1.19.8-net", go_net))  # fmt: skip
    # Rust: siphasher is std's SipHash taken out of rustc (core::hash::sip, rustc_data_structures)
    copy("rust", "deb:rust-semver-1.0.14", {"src/hashing": "deb:rust-siphasher-0.3.10:src"},
         "deb:rust-siphasher-0.3.10", lambda: b.compose("rustc-1.63.0-core", rust))  # fmt: skip

    for spec, cand, generator in (
        ("npm:catharsis-0.9.0", "npm:pegjs-0.10.0", "PEG.js 0.10.0"),
        ("npm:handlebars-4.7.8", "npm:coffeescript-2.7.0", "Jison"),
        ("tree-sitter-json-0.24.8", "tree-sitter-css-0.23.2", "tree-sitter generate"),
        ("tree-sitter-toml-0.6.0", "tree-sitter-json-0.24.8", "tree-sitter generate"),
        ("grpcio-health-checking-1.62.1", "grpcio-reflection-1.62.1", "protoc + gRPC 1.62.1"),
    ):
        steps.append(("generated", lambda s=spec, c=cand, g=generator: b.generated(s, c, g)))
    for spec, refs in (
        ("requests-2.31.0", ("pip-24.0",)),
        ("urllib3-1.26.17", ("pip-24.0",)),
        ("npm:semver-7.6.2", ("npm:npm-10.8.2",)),
        ("tomli-2.0.1", ("pip-24.0", "setuptools-69.5.1")),
    ):
        steps.append(("leak-in-reference", lambda s=spec, r=refs: b.leak_in_reference(s, r)))
    for category in ("self-vouching", "own-files-package", "added-to-copy"):
        steps.append((category, b.published_leak))  # one build makes all three
    for spec, folder, package in (
        ("pip-24.0", "pip-24.0/src/pip/_internal/resolution", "pip-resolve-1.0"),  # absolute
        ("werkzeug-3.0.3", "werkzeug-3.0.3/src/werkzeug/routing", "wzroute-0.1"),  # relative
        ("npm:npm-10.8.2", "lib/utils", "npm-utils-1.0"),  # require('../npm')
    ):
        steps.append(("apart-leak", lambda s=spec, f=folder, p=package: b.apart_leak(s, f, p)))
    for spec, vendored, kept, library in (
        ("pip-24.0", "pip-24.0/src/pip/_vendor", "pip-24.0/src/pip/_bundled", "requests-2.31.0"),
        ("pip-24.0", "pip-24.0/src/pip/_vendor", "pip-24.0/src/pip/_bundled", "tomli-2.0.1"),
        ("npm:npm-10.8.2", "node_modules/semver", "lib/bundled/semver", "npm:semver-7.6.2"),
    ):
        build = lambda s=spec, v=vendored, k=kept, lib=library: b.apart_vendored(s, v, k, lib)  # noqa: E731
        steps.append(("apart-vendored", build))
    return steps


def build_cases(work: Path, only: set[str]) -> list[Case]:
    b = Builder(work)
    steps: list[tuple[str, Callable[[], None]]] = []

    def step(category: str, fn: Callable[..., None], *args: object, **kw: object) -> None:
        steps.append((category, lambda: fn(*args, **kw)))

    for spec in (
        "click-8.1.7",
        "itsdangerous-2.2.0",
        "tomli-2.0.1",
        "markdown-3.6",
        "requests-2.31.0",
        "npm:commander-12.1.0",
    ):
        step("verbatim", b.verbatim, spec)
    for spec, pkg, host in (
        ("werkzeug-3.0.3", "werkzeug", "docopt-0.6.2"),
        ("rich-13.7.1", "rich", "iniconfig-2.0.0"),
        ("jinja2-3.1.4", "jinja2", "toml-0.10.2"),
        ("httpx-0.27.0", "httpx", "six-1.16.0"),
        ("flask-3.0.3", "flask", "configobj-5.0.8"),
    ):
        step("subset", b.subset, spec, pkg, host)
    for spec, pkg, host in (
        ("click-8.1.7", "click", "pygments-2.18.0"),
        ("jinja2-3.1.4", "jinja2", "sqlalchemy-2.0.30"),
        ("markdown-3.6", "markdown", "werkzeug-3.0.3"),
        ("itsdangerous-2.2.0", "itsdangerous", "rich-13.7.1"),
        ("requests-2.31.0", "requests", "pygments-2.18.0"),
        ("attrs-23.2.0", "attr", "sqlalchemy-2.0.30"),
    ):
        step("large-host", b.large_host, spec, pkg, host)
    for spec, pkg in (
        ("click-8.1.7", "click"),
        ("jinja2-3.1.4", "jinja2"),
        ("requests-2.31.0", "requests"),
        ("markdown-3.6", "markdown"),
        ("tomli-2.0.1", "tomli"),
        ("attrs-23.2.0", "attr"),
    ):
        step("renamed", b.renamed, spec, pkg)
    for spec, pkg in (
        ("flask-3.0.3", "flask"),
        ("httpx-0.27.0", "httpx"),
        ("rich-13.7.1", "rich"),
        ("werkzeug-3.0.3", "werkzeug"),
        ("itsdangerous-2.2.0", "itsdangerous"),
    ):
        step("restructured", b.restructured, spec, pkg)
    for spec, pkg, host, host_pkg in (
        ("jinja2-3.1.4", "jinja2", "pygments-2.18.0", "pygments"),
        ("werkzeug-3.0.3", "werkzeug", "sqlalchemy-2.0.30", "sqlalchemy"),
        ("requests-2.31.0", "requests", "rich-13.7.1", "rich"),
        ("click-8.1.7", "click", "sqlalchemy-2.0.30", "sqlalchemy"),
        ("tabulate-0.9.0", "tabulate", "pygments-2.18.0", "pygments"),
        ("markdown-3.6", "markdown", "werkzeug-3.0.3", "werkzeug"),
    ):
        step("partial", b.partial, spec, pkg, host, host_pkg)
    for spec in PIP_VENDORED:
        step("vendoring", b.vendoring, spec)
    for spec, cand in (
        ("rich-13.7.1", "werkzeug-3.0.3"),
        ("jinja2-3.1.4", "httpx-0.27.0"),
        ("click-8.1.7", "sqlalchemy-2.0.30"),
        ("attrs-23.2.0", "pygments-2.18.0"),
        ("requests-2.31.0", "flask-3.0.3"),
        ("markdown-3.6", "rich-13.7.1"),
        ("npm:express-4.19.2", "npm:commander-12.1.0"),
        # siblings from one organisation (Pallets): same templates and tooling, no shared code
        ("werkzeug-3.0.3", "flask-3.0.3"),
        ("click-8.1.7", "flask-3.0.3"),
    ):
        step("unrelated", b.pair, "unrelated", spec, cand)
    for spec, cand in (
        ("tomli-2.0.1", "toml-0.10.2"),
        ("toml-0.10.2", "tomlkit-0.12.5"),
        ("markdown-3.6", "mistune-3.0.2"),
        ("mistune-3.0.2", "markdown-it-py-3.0.0"),
        ("chardet-5.2.0", "charset-normalizer-3.3.2"),
        ("click-8.1.7", "docopt-0.6.2"),
        ("tabulate-0.9.0", "prettytable-3.10.0"),
        ("iniconfig-2.0.0", "configobj-5.0.8"),
        ("npm:marked-12.0.2", "npm:markdown-it-14.1.0"),
        ("npm:commander-12.1.0", "npm:yargs-17.7.2"),
        ("npm:yaml-2.4.5", "npm:js-yaml-4.1.0"),
    ):
        step("independent", b.pair, "independent", spec, cand)
    for spec, cand in (
        ("click-8.1.7", "pygments-2.18.0"),  # tests/examplefiles: 500 languages' samples
        ("tomli-2.0.1", "deb:go-1.19.8-src:cmd/go/testdata"),  # txtar scripts, Go inside
        ("markdown-3.6", "docutils-0.21.2"),  # docs/*.txt with Python in them
        ("jinja2-3.1.4", "sphinx-7.3.7"),  # tests/roots: doctest .txt, theme .js_t
    ):
        step("fixtures", b.pair, "fixtures", spec, cand)
    for cand in ("requests-2.31.0", "rich-13.4.2", "urllib3-1.26.17", "packaging-21.3"):
        step("shared-vendored", b.pip_vendored, cand)
    step(
        "shared-vendored",
        b.shared_vendored,
        "click-8.1.7",
        "click",
        "tomli-2.0.1",
        "tomli",
        "_vendor",
        "tomli-2.0.1",
    )
    step(
        "shared-vendored",
        b.shared_vendored,
        "jinja2-3.1.4",
        "jinja2",
        "six-1.16.0",
        "six",
        "vendor",
        "six-1.16.0",
    )
    step(
        "shared-vendored",
        b.shared_vendored,
        "httpx-0.27.0",
        "httpx",
        "idna-3.4",
        "idna",
        "_vendor",
        "idna-3.4",
    )
    for spec, public, pkg in (
        ("click-8.1.7", "click-8.1.6", "click"),
        ("flask-3.0.3", "flask-3.0.2", "flask"),
        ("jinja2-3.1.4", "jinja2-3.1.3", "jinja2"),
        ("rich-13.7.1", "rich-13.7.0", "rich"),
        ("httpx-0.27.0", "httpx-0.26.0", "httpx"),
    ):
        step("own-public-fork", b.fork, spec, public, pkg)
    step("own-public-fork", b.monorepo_fork, "werkzeug-3.0.3", "itsdangerous-2.2.0", "itsdangerous")
    for spec, pkg, host, extra in (
        ("click-8.1.7", "click", "docopt-0.6.2", ()),
        ("jinja2-3.1.4", "jinja2", "iniconfig-2.0.0", ()),
        ("httpx-0.27.0", "httpx", "tabulate-0.9.0", ()),
        ("requests-2.31.0", "requests", "toml-0.10.2", ()),
        ("attrs-23.2.0", "attrs", "configobj-5.0.8", ()),
        ("flask-3.0.3", "flask", "six-1.16.0", ()),
        ("npm:commander-12.1.0", None, "npm:minimist-1.2.8", ("index.js", "esm.mjs")),
    ):
        step("boilerplate", b.boilerplate, spec, pkg, host, extra)

    for spec in (
        "npm:element-ui-2.15.14:packages",
        "npm:view-design-4.7.0:src/components",
        "npm:carbon-components-svelte-0.85.0:src",
        "npm:svelte-select-5.8.3",
        "emcee-3.1.6:emcee-3.1.6/docs/tutorials",
        "xarray-2024.6.0:xarray-2024.6.0/doc/examples",
    ):
        step("components", b.components, spec)
    for spec, cand in (
        # not element-ui against view-design: element-ui's upload/src/ajax.js is view-design's
        # upload/ajax.js (a real copy, found on main through the .js files)
        ("npm:element-ui-2.15.14:packages", "npm:vue-good-table-2.21.11:src"),
        ("npm:view-design-4.7.0:src/components", "npm:vue-select-3.20.4:src"),
        ("npm:carbon-components-svelte-0.85.0:src", "npm:svelte-select-5.8.3"),
        ("npm:svelte-select-5.8.3", "npm:carbon-components-svelte-0.85.0:src"),
        ("emcee-3.1.6:emcee-3.1.6/docs/tutorials", "xarray-2024.6.0:xarray-2024.6.0/doc/examples"),
        ("xarray-2024.6.0:xarray-2024.6.0/doc/examples", "nbsphinx-0.9.4:nbsphinx-0.9.4/doc"),
    ):
        step("components-unrelated", b.pair, "components-unrelated", spec, cand)
    steps += reference_steps(b)
    if "undeclared+leak" in only:  # built from the undeclared-copy cases
        only = only | {"undeclared-copy"}
    for category, run in steps:
        if not only or category in only:
            try:
                run()
            except (OSError, subprocess.CalledProcessError, ValueError) as error:
                # a download or an unpacking that failed: the other cases still count
                print(f"could not build a {category} case: {error!r}", flush=True)
    return b.cases


# ---------------------------------------------------------------------------------------------
# leaktrace, through its CLI


@dataclass
class LtResult:
    verdict: str = "error"
    matched: int = 0
    longest: int = 0
    evidence: str = ""
    partial: bool = False
    problems: int = 0
    error: str = ""


def leaktrace_cli() -> list[str]:
    override = os.environ.get("LEAKTRACE_BENCH_CLI")
    if override:
        return shlex.split(override)
    local = Path(sys.executable).parent / "leaktrace"
    return [str(local if local.exists() else shutil.which("leaktrace") or "leaktrace")]


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def _tail(text: str, lines: int = 2) -> str:
    """The last lines of an error output, without the frames of a rich traceback."""
    kept = [line for line in text.splitlines() if line.strip() and line.strip()[0] not in "│╭╰"]
    return " | ".join(kept[-lines:])


def _evidence(candidate: dict) -> str:
    files = sorted(candidate.get("files", []), key=lambda f: -f.get("matched_tokens", 0))
    pairs = [
        f"{f['candidate_path']} <- {f['private_path']} ({f['matched_tokens']} tokens, "
        f"longest {f['longest_fragment']})"
        for f in files[:2]
    ]
    more = f" (+{len(files) - 2} more pairs)" if len(files) > 2 else ""
    return "; ".join(pairs) + more


class Leaktrace:
    def __init__(self, cli: list[str], work: Path, background: list[Path] | None) -> None:
        self.cli = cli
        self.work = work
        self.background = background
        self.seconds: Counter[str] = Counter()

    def has_background(self) -> bool:
        return _run([*self.cli, "background", "--help"], self.work).returncode == 0

    def build_store(
        self, db: Path, private: Path, public: tuple[Path, ...], references: tuple[Path, ...] = ()
    ) -> str:
        """Fingerprint a store and learn its background and the case's references (one
        ``background`` command: each target is one source); an error message, or ''."""
        t0 = time.perf_counter()
        cmd = [*self.cli, "fingerprint", str(private), "--store", str(db), "--name", private.name]
        for owner in package_authors(private):
            cmd += ["--owner", owner]
        for path in public:
            cmd += ["--public", str(path)]
        proc = _run(cmd, db.parent)
        self.seconds["fingerprint"] += time.perf_counter() - t0
        if proc.returncode != 0:
            return f"fingerprint exit {proc.returncode}: {_tail(proc.stderr)}"
        learnt = [*(self.background or []), *references]
        if learnt:
            t0 = time.perf_counter()
            cmd = [*self.cli, "background", *map(str, learnt), "--store", str(db)]
            proc = _run(cmd, db.parent)
            self.seconds["background"] += time.perf_counter() - t0
            if proc.returncode != 0:
                return f"background exit {proc.returncode}: {_tail(proc.stderr)}"
        return ""

    def scan(self, db: Path, targets: list[Path]) -> dict[Path, LtResult]:
        t0 = time.perf_counter()
        proc = _run(
            [*self.cli, "scan", *map(str, targets), "--store", str(db), "--json", "-"], db.parent
        )
        self.seconds["scan"] += time.perf_counter() - t0
        try:
            # 3: a candidate is incomplete, a verdict (exits.py), not an error of the scan
            report = json.loads(proc.stdout) if proc.returncode in (0, 1, 3) else None
        except json.JSONDecodeError:
            report = None
        if report is None:
            if len(targets) > 1:  # isolate the target that failed
                out: dict[Path, LtResult] = {}
                for target in targets:
                    out.update(self.scan(db, [target]))
                return out
            error = f"scan exit {proc.returncode}: {_tail(proc.stderr or proc.stdout)}"
            return {targets[0]: LtResult(error=error)}
        problems: Counter[str] = Counter()
        for line in proc.stderr.splitlines():
            if line.startswith("leaktrace: ") and not line.endswith(": empty file"):
                problems[line[len("leaktrace: ") :].split(":", 1)[0]] += 1
        out = {}
        candidates = report.get("candidates", [])
        for i, target in enumerate(targets):
            match = [c for c in candidates if c.get("target") in (str(target), target.name)]
            cand = match[0] if match else candidates[i] if i < len(candidates) else None
            if cand is None:
                out[target] = LtResult(error="missing from the report")
                continue
            out[target] = LtResult(
                verdict=cand["verdict"],
                matched=cand.get("matched_tokens", 0),
                longest=cand.get("longest_fragment", 0),
                evidence=_evidence(cand),
                partial=bool(cand.get("partial")),
                problems=problems[str(target)],
            )
        return out

    def run(self, cases: list[Case]) -> dict[str, LtResult]:
        groups: dict[tuple[Path, tuple[Path, ...], tuple[Path, ...]], list[Case]] = defaultdict(
            list
        )
        for case in cases:
            groups[(case.private, case.public, case.references)].append(case)
        results: dict[str, LtResult] = {}
        for n, ((private, public, references), members) in enumerate(groups.items()):
            # each store in its own folder, the working folder of its commands: no config file
            # and no results database is shared between stores
            db = self.work / "stores" / f"{n:02d}-{private.name[:40]}" / "store.db"
            db.parent.mkdir(parents=True)
            error = self.build_store(db, private, public, references)
            if error:
                for case in members:
                    results[case.key] = LtResult(error=error)
                continue
            targets = list(dict.fromkeys(case.candidate for case in members))
            scanned = self.scan(db, targets)
            for case in members:
                results[case.key] = scanned[case.candidate]
        return results


# ---------------------------------------------------------------------------------------------
# copydetect, on the same trees and files


@dataclass
class CdFile:
    """One file's copydetect fingerprints, kept as arrays (the dict copydetect builds is big)."""

    hashes: np.ndarray  # the k-gram hash at each kept position of the filtered code
    positions: np.ndarray
    unique: np.ndarray
    coverage: int  # copydetect's token_coverage
    size: int  # length of the filtered code


@dataclass
class CdScore:
    similarity: float = 0.0  # largest share of a candidate file copied from one private file
    overlap: int = 0  # largest number of filtered characters a candidate file shares with one
    pair: str = ""
    files: tuple[int, int] = (0, 0)


def _member(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    if not sorted_values.shape[0]:
        return np.zeros(values.shape[0], dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), sorted_values.shape[0] - 1)
    return sorted_values[at] == values


class Copydetect:
    """copydetect 0.5.0's own fingerprinting (``CodeFingerprint``: pygments tokens, names and
    strings folded, k=25 characters, window 1) and its similarity (``compare_files``: copied
    characters of the candidate file over its token coverage), computed for the file pairs that
    share a fingerprint (every other pair scores 0) and pruned with an upper bound, so a case's
    largest pair score equals what ``CopyDetector.run()`` puts in its similarity matrix."""

    def __init__(self) -> None:
        logging.disable(logging.WARNING)
        os.environ.setdefault("MPLBACKEND", "Agg")
        from copydetect import defaults
        from copydetect.detector import CodeFingerprint
        from copydetect.utils import get_copied_slices

        self.k = defaults.NOISE_THRESHOLD
        self.window = defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1
        self._fingerprint = CodeFingerprint
        self._slices = get_copied_slices
        self.cache: dict[tuple[str, int], CdFile | None] = {}
        self.boilerplates: dict[tuple[Path, ...], np.ndarray] = {}
        self.seconds = 0.0

    def file(self, path: Path, boilerplate: np.ndarray, bp_id: int) -> CdFile | None:
        data = path.read_bytes()
        key = (hashlib.sha1(data).hexdigest() + path.suffix, bp_id)
        if key in self.cache:
            return self.cache[key]
        try:  # as copydetect reads it: UTF-8, universal newlines; other files are skipped
            text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            self.cache[key] = None
            return None
        fp = self._fingerprint(str(path), self.k, self.window, boilerplate, fp=io.StringIO(text))
        keys = list(fp.hash_idx)
        counts = [len(fp.hash_idx[h]) for h in keys]
        hashes = np.repeat(np.array(keys, dtype=np.int64), counts)
        positions = (
            np.concatenate([np.asarray(fp.hash_idx[h], dtype=np.int64) for h in keys])
            if keys
            else np.zeros(0, dtype=np.int64)
        )
        order = np.argsort(positions, kind="stable")
        result = CdFile(
            hashes[order],
            positions[order],
            np.unique(hashes),
            int(fp.token_coverage),
            len(fp.filtered_code),
        )
        self.cache[key] = result
        return result

    def boilerplate(self, roots: tuple[Path, ...]) -> tuple[np.ndarray, int]:
        if roots not in self.boilerplates:
            hashes = []
            for path in (p for root in roots for p in source_files(root)):
                text = read(path)
                if text is not None:
                    fp = self._fingerprint(str(path), self.k, 1, fp=io.StringIO(text))
                    hashes.extend(fp.hashes)
            self.boilerplates[roots] = np.unique(np.array(hashes, dtype=np.int64))
        return self.boilerplates[roots], list(self.boilerplates).index(roots)

    def _copied(self, f: CdFile, mask: np.ndarray) -> int:
        if not mask.any():
            return 0
        slices = self._slices(f.positions[mask], self.k)
        return int(np.sum(slices[1] - slices[0]))

    def score(self, case: Case) -> CdScore:
        t0 = time.perf_counter()
        # copydetect's only way to know public code: its boilerplate, given the same references
        known = case.public + case.references
        boilerplate, bp_id = self.boilerplate(known) if known else (np.zeros(0), -1)

        def load(root: Path) -> list[tuple[Path, CdFile]]:
            out = []
            for path in source_files(root):
                f = self.file(path, boilerplate, bp_id)
                if f is not None and f.size:
                    out.append((path, f))
            return out

        tests, refs = load(case.candidate), load(case.private)
        best = CdScore(files=(len(tests), len(refs)))
        if not tests or not refs:
            self.seconds += time.perf_counter() - t0
            return best
        ref_hashes = np.concatenate([f.unique for _, f in refs])
        ref_ids = np.repeat(np.arange(len(refs)), [f.unique.shape[0] for _, f in refs])
        order = np.argsort(ref_hashes, kind="stable")
        ref_hashes, ref_ids = ref_hashes[order], ref_ids[order]
        union = np.unique(ref_hashes)
        bounds = []  # copied characters against all private files at once bound every pair
        for i, (_, f) in enumerate(tests):
            copied = self._copied(f, _member(union, f.hashes))
            if copied and f.coverage:
                bounds.append((copied / f.coverage, copied, i))
        done: set[int] = set()

        def exact(i: int) -> None:
            done.add(i)
            path, f = tests[i]
            left = np.searchsorted(ref_hashes, f.unique, "left")
            lens = np.searchsorted(ref_hashes, f.unique, "right") - left
            keep = lens > 0
            left, lens = left[keep], lens[keep]
            offsets = np.repeat(left - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
            for j in np.unique(ref_ids[offsets]):
                ref_path, r = refs[j]
                shared = np.intersect1d(f.unique, r.unique, assume_unique=True)
                copied = self._copied(f, _member(shared, f.hashes))
                similarity = copied / f.coverage
                pair = f"{path.relative_to(case.candidate)} <- {ref_path.relative_to(case.private)}"
                if similarity > best.similarity:
                    best.similarity, best.pair = similarity, pair
                best.overlap = max(best.overlap, copied)

        for similarity, _, i in sorted(bounds, reverse=True):
            if similarity <= best.similarity:
                break
            exact(i)
        for _, copied, i in sorted(bounds, key=lambda b: -b[1]):
            if copied <= best.overlap:
                break
            if i not in done:
                exact(i)
        self.seconds += time.perf_counter() - t0
        return best

    def check(self, case: Case, mine: CdScore) -> str:
        """'' when CopyDetector.run() on the case gives the same largest scores, else why not."""
        from copydetect import CopyDetector

        exts = sorted(
            {
                p.suffix.lstrip(".")
                for root in (case.candidate, case.private)
                for p in source_files(root)
            }
        )
        detector = CopyDetector(
            test_dirs=[str(case.candidate)],
            ref_dirs=[str(case.private)],
            boilerplate_dirs=[str(p) for p in case.public + case.references],
            extensions=exts,
            display_t=0.0,
            silent=True,
            autoopen=False,
        )
        detector.run()
        matrix = detector.similarity_matrix
        similarity = float(matrix[:, :, 0].max()) if matrix.size else 0.0
        overlap = int(detector.token_overlap_matrix.max()) if matrix.size else 0
        similarity, overlap = max(similarity, 0.0), max(overlap, 0)
        if math.isclose(similarity, mine.similarity, abs_tol=1e-9) and overlap == mine.overlap:
            return ""
        return (
            f"{case.key}: CopyDetector {similarity:.4f}/{overlap}, "
            f"indexed {mine.similarity:.4f}/{mine.overlap}"
        )


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    review: int = 0
    errors: int = 0

    def add(self, label: bool, flagged: bool) -> None:
        if label:
            self.tp += flagged
            self.fn += not flagged
        else:
            self.fp += flagged
            self.tn += not flagged

    @property
    def flags(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> str:
        return f"{self.tp / self.flags:.2f}" if self.flags else "-"

    @property
    def recall(self) -> str:
        return f"{self.tp / (self.tp + self.fn):.2f}" if self.tp + self.fn else "-"

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 0.0


def best_threshold(scores: list[float], labels: list[bool]) -> tuple[float, int]:
    """The threshold (flag when score >= it) with the most correct cases; the lowest on a tie."""
    best = (math.inf, sum(not label for label in labels))
    for t in sorted(set(scores)):
        correct = sum((s >= t) == label for s, label in zip(scores, labels, strict=True))
        if correct > best[1]:
            best = (t, correct)
    return best


@dataclass
class Outcome:
    case: Case
    lt: LtResult
    cd: CdScore | None = None
    cd_flag: bool = False

    @property
    def lt_flag(self) -> bool:
        return self.lt.verdict == "derivative"

    @property
    def lt_ok(self) -> bool:
        if self.case.category in MUST_BE_CLEAR and self.lt.verdict != "clear":
            return False
        return self.lt_flag == self.case.derivative


@dataclass
class Report:
    outcomes: list[Outcome]
    cd_metric: str = ""
    cd_threshold: float = 0.0
    cd_other: str = ""
    cd_alternatives: list[str] = field(default_factory=list)
    cd_checks: list[str] = field(default_factory=list)
    cd_checked: list[str] = field(default_factory=list)
    mode: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def print(self) -> None:
        outs = self.outcomes
        has_cd = any(o.cd is not None for o in outs)
        print()
        print(f"leaktrace accuracy benchmark: {len(outs)} cases, {self.mode}")
        if has_cd:
            threshold = _threshold(self.cd_metric, self.cd_threshold)
            print(
                f"copydetect 0.5.0 scored by {self.cd_metric}, flagged at >= {threshold} (its "
                f"single best threshold over all cases; {self.cd_other})"
            )
        print()
        head = (
            f"{'category':<16}{'label':<11}{'cases':>5} | {'leaktrace: flags':>16}{'review':>7}"
            f"{'prec':>6}{'recall':>7}{'false':>6}"
        )
        if has_cd:
            head += f" | {'copydetect: flags':>17}{'prec':>6}{'recall':>7}{'false':>6}"
        print(head)
        print("-" * len(head))
        total_lt, total_cd = Tally(), Tally()
        for category, (positive, _) in CATEGORIES.items():
            members = [o for o in outs if o.case.category == category]
            if not members:
                continue
            lt, cd = Tally(), Tally()
            for o in members:
                for tally in (lt, total_lt):
                    tally.add(o.case.derivative, o.lt_flag)
                    tally.review += o.lt.verdict == "review"
                    tally.errors += o.lt.verdict == "error"
                for tally in (cd, total_cd):
                    tally.add(o.case.derivative, o.cd_flag)
            label = "derivative" if positive else "clear"
            row = (
                f"{category:<16}{label:<11}{len(members):>5} | {lt.flags:>16}{lt.review:>7}"
                f"{lt.precision:>6}{lt.recall:>7}{lt.fp:>6}"
            )
            if has_cd:
                row += f" | {cd.flags:>17}{cd.precision:>6}{cd.recall:>7}{cd.fp:>6}"
            print(row)
        print("-" * len(head))
        row = (
            f"{'all':<16}{'':<11}{len(outs):>5} | {total_lt.flags:>16}{total_lt.review:>7}"
            f"{total_lt.precision:>6}{total_lt.recall:>7}{total_lt.fp:>6}"
        )
        if has_cd:
            row += (
                f" | {total_cd.flags:>17}{total_cd.precision:>6}{total_cd.recall:>7}"
                f"{total_cd.fp:>6}"
            )
        print(row)
        print()
        for name, tally in (("leaktrace", total_lt), ("copydetect", total_cd)):
            if name == "copydetect" and not has_cd:
                continue
            print(
                f"{name:<11} TP {tally.tp:>3}  FP {tally.fp:>3}  FN {tally.fn:>3}  "
                f"TN {tally.tn:>3}  precision {tally.precision}  recall {tally.recall}  "
                f"accuracy {tally.accuracy:.3f}"
            )
        for line in self.cd_alternatives:
            print(line)
        self._confusion(REFERENCE_CATEGORIES, has_cd)
        if total_lt.errors:
            print(f"leaktrace errors: {total_lt.errors} case(s), counted as not flagged")
        print()
        print("prec: precision over the flags of the category; false: flags of clear cases")
        for category, (_, meaning) in CATEGORIES.items():
            if any(o.case.category == category for o in outs):
                print(f"  {category:<16}{meaning}")

        print()
        print(
            "Cases (leaktrace verdict, private tokens / longest fragment; copydetect "
            "similarity / shared characters):"
        )
        for o in outs:
            mark = "ERR" if o.lt.error else "ok " if o.lt_ok else "BAD"
            cd = ""
            if o.cd is not None:
                cmark = "ok " if o.cd_flag == o.case.derivative else "BAD"
                cd = f"  | {cmark} cd {o.cd.similarity:5.3f} {o.cd.overlap:>7}"
            extra = " partial" if o.lt.partial else ""
            print(
                f"  {mark} {o.lt.verdict:<10} {o.lt.matched:>6} {o.lt.longest:>5}{cd}  "
                f"{o.case.key}{extra}"
            )

        self._list(
            "leaktrace false flags",
            [o for o in outs if o.lt_flag and not o.case.derivative],
            lambda o: o.lt.evidence,
        )
        self._list(
            "leaktrace misses",
            [o for o in outs if not o.lt_flag and o.case.derivative],
            lambda o: (
                o.lt.error
                or f"{o.lt.verdict}, {o.lt.matched} tokens, longest "
                f"{o.lt.longest}; {o.lt.evidence or 'no shared fragment'}"
            ),
        )
        self._list(
            "leaktrace incomplete verdicts",
            [o for o in outs if o.lt.verdict == "incomplete"],
            lambda o: f"{o.lt.problems} file problem(s) on stderr; {o.lt.evidence or '-'}",
        )
        reviews = [o for o in outs if o.lt.verdict == "review"]
        self._list("leaktrace review verdicts", reviews, lambda o: o.lt.evidence)
        margin = sorted(
            (o for o in outs if not o.case.derivative and o.lt.matched), key=lambda o: -o.lt.matched
        )
        self._list(
            "leaktrace margin: clear-labelled cases with private tokens matched (most first)",
            margin[:8],
            lambda o: (
                f"{o.lt.verdict}, {o.lt.matched} tokens, longest {o.lt.longest}; {o.lt.evidence}"
            ),
        )
        weakest = sorted((o for o in outs if o.case.derivative), key=lambda o: o.lt.matched)
        self._list(
            "leaktrace margin: derivative-labelled cases with the fewest private tokens",
            weakest[:5],
            lambda o: f"{o.lt.verdict}, {o.lt.matched} tokens, longest {o.lt.longest}",
        )
        errors = [o for o in outs if o.lt.error or o.lt.problems]
        self._list(
            "leaktrace errors and file problems",
            errors,
            lambda o: o.lt.error or f"{o.lt.problems} file problem(s) on stderr",
        )
        if has_cd:
            self._list(
                "copydetect false flags",
                [o for o in outs if o.cd_flag and not o.case.derivative],
                lambda o: f"similarity {o.cd.similarity:.3f}: {o.cd.pair}",
            )
            self._list(
                "copydetect misses",
                [o for o in outs if not o.cd_flag and o.case.derivative],
                lambda o: (
                    f"similarity {o.cd.similarity:.3f}, overlap {o.cd.overlap}: "
                    f"{o.cd.pair or 'nothing shared'}"
                ),
            )
            print()
            if self.cd_checks:
                print("copydetect check FAILED (indexed scoring differs from CopyDetector.run()):")
                for line in self.cd_checks:
                    print(f"  {line}")
            else:
                print(
                    f"copydetect check: CopyDetector.run() gives the same largest similarity "
                    f"and overlap on {len(self.cd_checked)} case(s): "
                    f"{', '.join(self.cd_checked)}"
                )
        print()
        print("Case notes:")
        for o in outs:
            if o.case.note:
                print(f"  {o.case.key}: {o.case.note}")
        print()
        print("Time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items()))

    def _confusion(self, categories: tuple[str, ...], has_cd: bool) -> None:
        """TP/FP/FN/TN per category, leaktrace beside copydetect at its best threshold."""
        rows = [(c, [o for o in self.outcomes if o.case.category == c]) for c in categories]
        rows = [(c, members) for c, members in rows if members]
        if not rows:
            return
        print()
        head = f"{'category':<19}{'cases':>5} | {'leaktrace: TP':>13}{'FP':>4}{'FN':>4}{'TN':>4}"
        head += f"{'prec':>6}{'recall':>7}"
        if has_cd:
            head += f" | {'copydetect: TP':>14}{'FP':>4}{'FN':>4}{'TN':>4}{'prec':>6}{'recall':>7}"
        print(head)
        print("-" * len(head))
        for category, members in rows:
            lt, cd = Tally(), Tally()
            for o in members:
                lt.add(o.case.derivative, o.lt_flag)
                cd.add(o.case.derivative, o.cd_flag)
            row = f"{category:<19}{len(members):>5} | {lt.tp:>13}{lt.fp:>4}{lt.fn:>4}{lt.tn:>4}"
            row += f"{lt.precision:>6}{lt.recall:>7}"
            if has_cd:
                row += f" | {cd.tp:>14}{cd.fp:>4}{cd.fn:>4}{cd.tn:>4}"
                row += f"{cd.precision:>6}{cd.recall:>7}"
            print(row)

    @staticmethod
    def _list(title: str, items: list[Outcome], detail: Callable[[Outcome], str]) -> None:
        print()
        print(f"{title}: {len(items) or 'none'}")
        for o in items:
            print(f"  {o.case.key}: {detail(o)}")


def _walk(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        yield from source_files(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=list(CATEGORIES),
        default=[],
        help="run these categories only (repeatable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the built cases and stores")
    parser.add_argument("--no-copydetect", action="store_true")
    parser.add_argument("--no-background", action="store_true")
    args = parser.parse_args(argv)

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="leaktrace-accuracy-"))
    try:
        cases = build_cases(work, set(args.only))
        timings["download+build"] = time.perf_counter() - t0

        lt = Leaktrace(leaktrace_cli(), work, None)
        if args.no_background:
            mode = "background: off (--no-background)"
        elif lt.has_background():
            lt.background = [top(release(spec)) for spec in BACKGROUND]
            lines = sum((read(p) or "").count("\n") for p in _walk(lt.background))
            mode = f"background: on ({', '.join(BACKGROUND)}; {lines:,} lines)"
        else:
            mode = "background: off (this leaktrace has no 'background' command)"
        print(
            f"{len(cases)} cases built in {timings['download+build']:.1f} s; running leaktrace "
            f"({mode})",
            flush=True,
        )
        t1 = time.perf_counter()
        lt_results = lt.run(cases)
        timings["leaktrace"] = time.perf_counter() - t1
        timings.update({f"  {k}": v for k, v in lt.seconds.items()})
        outcomes = [Outcome(case, lt_results[case.key]) for case in cases]
        report = Report(outcomes, mode=mode, timings=timings)

        if not args.no_copydetect:
            try:
                cd = Copydetect()
            except ImportError:
                print("copydetect is not installed (pip install copydetect==0.5.0): skipped")
            else:
                print("running copydetect", flush=True)
                t1 = time.perf_counter()
                score_copydetect(cd, report)
                small = sorted(
                    (o for o in outcomes if o.cd is not None),
                    key=lambda o: o.cd.files[0] * o.cd.files[1],
                )
                # the smallest cases, the smallest with public code (boilerplate), and the
                # largest CopyDetector compares in a few seconds
                checked = small[:4] + [o for o in small if o.case.public][:1]
                checked += [o for o in small if o.cd.files[0] * o.cd.files[1] <= 12_000][-1:]
                for o in {o.case.key: o for o in checked}.values():
                    problem = cd.check(o.case, o.cd)
                    report.cd_checked.append(o.case.key)
                    if problem:
                        report.cd_checks.append(problem)
                timings["copydetect"] = time.perf_counter() - t1
        timings["total"] = time.perf_counter() - t0
        report.print()
    finally:
        if args.keep:
            print(f"cases and stores kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _threshold(metric: str, value: float) -> str:
    return f"{value:.4f}" if metric.startswith("similarity") else f"{value:,.0f}"


def score_copydetect(cd: Copydetect, report: Report) -> None:
    """Score every case with copydetect, then flag them at its best threshold."""
    for o in report.outcomes:
        try:
            o.cd = cd.score(o.case)
        except Exception as error:  # one case must not end the measurement
            print(f"copydetect failed on {o.case.key}: {error!r}", flush=True)
            o.cd = CdScore(pair=f"copydetect failed: {error!r}")
    choose_copydetect_threshold(report)


def choose_copydetect_threshold(report: Report) -> None:
    """Pick copydetect's score (largest file similarity, or largest shared characters) and the
    threshold on it with the best accuracy over all cases; flag the cases accordingly."""
    outs = [o for o in report.outcomes if o.cd is not None]
    labels = [o.case.derivative for o in outs]
    options = {
        "similarity (largest share of a candidate file copied from one private file)": [
            o.cd.similarity for o in outs
        ],
        "overlap (most filtered characters a candidate file shares with one private file)": [
            float(o.cd.overlap) for o in outs
        ],
    }
    results = {name: (*best_threshold(scores, labels), scores) for name, scores in options.items()}
    chosen = max(results, key=lambda name: results[name][1])
    threshold, correct, scores = results[chosen]
    for o, score in zip(outs, scores, strict=True):
        o.cd_flag = score >= threshold
    report.cd_metric, report.cd_threshold = chosen, threshold
    report.cd_other = f"{correct}/{len(outs)} correct"
    for name, (t, _, other_scores) in results.items():
        if name != chosen:
            tally = Tally()
            for label, score in zip(labels, other_scores, strict=True):
                tally.add(label, score >= t)
            report.cd_alternatives.append(
                f"copydetect by {name.split(' ')[0]} >= {_threshold(name, t)} (its best): TP "
                f"{tally.tp}  FP {tally.fp}  FN {tally.fn}  TN {tally.tn}  precision "
                f"{tally.precision}  recall {tally.recall}  accuracy {tally.accuracy:.3f}"
            )


if __name__ == "__main__":
    sys.exit(main())
