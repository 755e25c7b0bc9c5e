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


READ_LANGUAGES = frozenset(_EXTENSIONS.values())
"""The languages read here (``languages.LANGUAGES``, without importing the grammars)."""


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


_BACKUP_SUFFIXES = frozenset({".bak", ".backup", ".orig", ".old", ".save", ".sav", ".tmp",
                              ".txt", ".copy", ".prev", ".dist", ".rej"})  # fmt: skip
_NUMBERED_BACKUP = re.compile(r"\.~[0-9]+~$")


def language_for_backup(path: str | PurePosixPath) -> str | None:
    """The language of a copy kept under its source's name with a suffix (``x.py~``, Emacs's
    ``x.py.~2~``, ``x.py.bak``, ``.orig``, ``.old``, ``.save``, ``x.py.txt``, ...), read as
    the source it copies: the inner name's; None when the name is no such copy."""
    name = PurePosixPath(path).name
    inner = _NUMBERED_BACKUP.sub("", name) if name.endswith("~") else name
    inner = inner.rstrip("~")
    if inner == name:
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in _BACKUP_SUFFIXES:
            return None
        inner = name[: -len(suffix)]
    return language_for_path(inner) if inner else None


_UNTELLING_SUFFIXES = frozenset({
    "", ".txt", ".text", ".log", ".out", ".err", ".dat", ".data", ".tmp", ".temp", ".bin", ".raw",
    ".dump", ".paste", ".snippet", ".body", ".blob", ".object", ".file", ".part", ".copy",
})  # fmt: skip


def may_be_unnamed_code(path: str | PurePosixPath) -> bool:
    """Whether a file's name says nothing of what it holds, so its text is looked at for code
    (``language_for_text``): no suffix (``numbers``, a bucket's object named by its hash), a
    generic one (``.txt``, ``.log``, ``.out``, ``.dat``, ...), or one that is no word
    (``notes.2024-01-02``). A file named for a language not read here (``.pl``, ``.sh``) or
    for a format (``.po``, ``.toml``) is not looked at: it is not source of ours."""
    suffix = PurePosixPath(path).suffix.lower()
    return suffix in _UNTELLING_SUFFIXES or not suffix[1:].isalpha()


_SNIFF_LINES = 200
"""Lines of a file with no known name looked at to tell whether it is code."""
_CODE_LINE = re.compile(
    r"\w\(|\s(?:[-+*/<>!=:]?=|[<>]|=>|->)\s|[{};:,]\s*$|^\s*[})\]]"
    r"|^\s*(?:return|import|from|if|for|while|else|raise|yield|pass|break"
    r"|continue|var|let|const|end)\b"
)
"""A line that looks like code in any language read here (as a commit message's is told)."""
_MARKS: dict[str, tuple[re.Pattern[str], ...]] = {
    language: tuple(re.compile(pattern, re.MULTILINE) for pattern in patterns)
    for language, patterns in {
        "python": (r"^\s*def \w+\(.*\)(?: -> .+)?:$", r"^\s*class \w+(?:\(.*\))?:$",
                   r"^\s*import [\w.]+$", r"^\s*from [\w.]+ import ", r"^\s*if __name__ == ",
                   r"^\s*elif .+:$", r"^\s*@\w[\w.]*(?:\(.*\))?$",
                   r"^\s*(?:try|else|finally):$", r"^\s*except\b.*:$"),
        "javascript": (r"^\s*function\*? ?\w*\s*\(", r"^\s*(?:const|let|var) [\w{}\[\], ]+ = ",
                       r"^\s*module\.exports\b|^\s*exports\.\w+ = ", r"^\s*import .+ from ['\"]",
                       r"^\s*export (?:default|const|function|class) ", r"\brequire\(['\"]",
                       r"=> \{"),
        "typescript": (r"^\s*(?:export )?(?:interface|type) \w+(?:<.*>)? ?[={]",
                       r"^\s*(?:public|private|readonly) \w+: ",
                       r"\w\): (?:string|number|boolean|void|Promise<)"),
        "go": (r"^package \w+$", r"^func (?:\(\w+ \*?\w+\) )?\w+\(", r"^import \($",
               r"\w+ := "),
        "java": (r"^\s*import java[x]?\.", r"^\s*package [\w.]+;$",
                 r"^\s*(?:public|private|protected) (?:static )?(?:final )?class ",
                 r"^\s*(?:public|private|protected) (?:static )?(?:final )?"
                 r"(?:void|[\w<>\[\]]+ \w+\()", r"System\.out\."),
        "c": (r"^\s*#include [<\"]", r"^\s*#define \w", r"^\s*#ifn?def \w", r"^\s*typedef struct",
              r"^\s*static \w+ \*?\w+\(", r"\bprintf\(", r"\bmalloc\("),
        "cpp": (r"^\s*#include <\w+>$", r"^\s*namespace \w+ \{", r"^\s*template ?<",
                r"^\s*using namespace ", r"std::"),
        "csharp": (r"^\s*using System[\w.]*;", r"^\s*namespace [\w.]+",
                   r"^\s*public (?:sealed |static )?(?:class|interface) ", r"\bvar \w+ = new "),
        "rust": (r"^\s*(?:pub )?fn \w+[<(]", r"^\s*use \w+::", r"^\s*impl\b", r"^\s*let mut ",
                 r"^\s*#\[derive", r"^\s*(?:pub )?(?:struct|enum|mod) \w+"),
        "ruby": (r"^\s*require(?:_relative)? ['\"]", r"^\s*module [A-Z]\w*$",
                 r"^\s*def \w+[?!]?(?:\(.*\))?$", r"^\s*end$", r"^\s*attr_(?:reader|accessor) :",
                 r"\.each do \|"),
        "php": (r"<\?php", r"^\s*namespace [\w\\\\]+;", r"^\s*use [\w\\\\]+;", r"\$this->"),
        "kotlin": (r"^\s*fun \w+\(", r"^\s*(?:val|var) \w+(?:: \w+)? = ", r"^\s*data class ",
                   r"^\s*package \w+(?:\.\w+)+$"),  # a Go package's name has no dot
    }.items()
}  # fmt: skip
"""Lines only one language read here writes so, each kind of line its own pattern: text is
told code in a language when two kinds of them are there (``language_for_text``), not one
repeated (pygments' sample files: ``x := y`` of Coq and Raku is no Go, ``end`` of MATLAB no
Ruby, ``var x: T = `` of TypeScript no Kotlin)."""


def language_for_text(data: bytes) -> str | None:
    """The language of text whose name tells none (``PASTE.log``, ``numbers``, a bucket's
    object named by its hash), when its first ``_SNIFF_LINES`` lines look like code: at least
    three code-like lines, a third of the lines that are not blank or a comment, and lines of
    two kinds (``_MARKS``) only one of the languages read here writes so (``def f():`` and
    ``import os``; ``package main`` and ``func main(``) — of those languages, the one with the
    most such lines; None for prose, data and binary (a NUL byte). A cheap test, made once per
    such file: a README or a licence has few code-like lines. A guess: the parse checks it
    (``SourceFile.guessed``)."""
    if b"\0" in data or data.startswith(b"#!"):  # a script of another language (perl, sh)
        return None
    text = data.decode("utf-8", "replace")
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    body = [line for line in lines if not line.lstrip().startswith(("#", "//", "/*", "*", "--"))]
    code = sum(1 for line in body if _CODE_LINE.search(line))
    if code < 3 or code * 3 < len(body):
        return None
    sample = "\n".join(lines)
    found = {language: [len(mark.findall(sample)) for mark in marks]
             for language, marks in _MARKS.items()}  # fmt: skip
    counts = {language: sum(found[language]) for language in found}
    told = [language for language, kinds in found.items() if sum(map(bool, kinds)) >= 2]
    if not told:
        return None
    language = max(told, key=counts.__getitem__)
    if language == "c" and counts["cpp"]:
        return "cpp"
    if language == "javascript" and counts["typescript"] >= 2:
        return "typescript"
    return language


SNIFF_CHARS = 8192
"""What of a text that names no language is looked at to tell whether it is code (as the scan
looks at the first 8 KiB of a file whose name tells nothing)."""


def sniffed(text: str) -> str | None:
    """The language of ``text`` that names none (a notebook's output, a Markdown block with no
    info string), when its first ``SNIFF_CHARS`` look like code (``language_for_text``)."""
    return language_for_text(text[:SNIFF_CHARS].encode("utf-8", "surrogatepass"))
