"""Which files are source code, by name or ``#!`` line: the languages' file names without their
grammars (``languages``), so that the calling process lists and reads a tree, and sends the first
file to its parser, before it imports numpy and tree-sitter."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".rs": "rust",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp",
    ".cs": "csharp",
    ".rb": "ruby", ".rake": "ruby",
    ".php": "php",
    ".kt": "kotlin", ".kts": "kotlin",
}  # fmt: skip


def language_for_path(path: str | PurePosixPath) -> str | None:
    """The language name for a file name, or None when it is not source we understand."""
    return _EXTENSIONS.get(PurePosixPath(path).suffix.lower())


def extension_for_language(language: str) -> str:
    """The first extension of ``language`` (``python`` -> ``.py``): a name for code that has
    none, read in that language."""
    return next(extension for extension, name in _EXTENSIONS.items() if name == language)


_INTERPRETERS: dict[str, str] = {
    "python": "python", "pypy": "python",
    "node": "javascript", "nodejs": "javascript",
    "ts-node": "typescript", "tsx": "typescript", "deno": "typescript", "bun": "typescript",
    "ruby": "ruby",
    "php": "php",
}  # fmt: skip
"""Interpreters a ``#!`` line may name (without their version: ``python3.12``), by language (Deno
and Bun run TypeScript, a superset of the JavaScript they also run)."""
_SHEBANG_LINE = 256
_VERSIONED = re.compile(r"([a-z][a-z-]*?)[0-9.]*")


def language_for_shebang(head: bytes) -> str | None:
    """The language of a script by its ``#!`` line (``#!/usr/bin/env python3``,
    ``#!/usr/bin/node``, ``#!/usr/bin/env -S python3 -u``), for a file whose name says none;
    None when it has no such line in its first bytes or names an interpreter of a language no
    grammar here reads (``sh``, ``perl``)."""
    if not head.startswith(b"#!"):
        return None
    line, newline, _ = head[2:_SHEBANG_LINE].partition(b"\n")
    if not newline and len(head) > _SHEBANG_LINE:
        return None
    words = line.decode("ascii", "replace").split()
    if words and words[0].rsplit("/", 1)[-1] == "env":  # env's options and NAME=VALUE first
        words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    if not words:
        return None
    program = _VERSIONED.fullmatch(words[0].rsplit("/", 1)[-1])
    return _INTERPRETERS.get(program.group(1)) if program else None
