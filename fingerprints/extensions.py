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
_MARKS: dict[str, re.Pattern[str]] = {
    language: re.compile(pattern, re.MULTILINE)
    for language, pattern in {
        "python": r"^\s*(?:def \w+\(.*\)(?: -> .+)?:$|class \w+(?:\(.*\))?:$|import [\w.]+$"
                  r"|from [\w.]+ import |if __name__ == |elif .+:$|@\w[\w.]*(?:\(.*\))?$"
                  r"|(?:try|else|finally):$|except\b.*:$)",
        "javascript": r"^\s*(?:function\*? ?\w*\s*\(|(?:const|let|var) [\w{}\[\], ]+ = "
                      r"|module\.exports\b|exports\.\w+ = |import .+ from ['\"]"
                      r"|export (?:default|const|function|class) )|\brequire\(['\"]|=> \{",
        "typescript": r"^\s*(?:(?:export )?(?:interface|type) \w+(?:<.*>)? ?[={]"
                      r"|(?:public|private|readonly) \w+: )|\w\): (?:string|number|boolean"
                      r"|void|Promise<)",
        "go": r"^(?:package \w+$|func (?:\(\w+ \*?\w+\) )?\w+\(|import \($)|\w+ := ",
        "java": r"^\s*(?:import java[x]?\.|package [\w.]+;$|(?:public|private|protected) "
                r"(?:static )?(?:final )?(?:class|void|[\w<>\[\]]+ \w+\())|System\.out\.",
        "c": r"^\s*(?:#include [<\"]|#define \w|#ifn?def \w|typedef struct|static \w+ \*?\w+\()"
             r"|\bprintf\(|\bmalloc\(",
        "cpp": r"^\s*(?:#include <\w+>$|namespace \w+ \{|template ?<|using namespace )|std::",
        "csharp": r"^\s*(?:using System[\w.]*;|namespace [\w.]+|public (?:sealed |static )?"
                  r"(?:class|interface) )|\bvar \w+ = new ",
        "rust": r"^\s*(?:(?:pub )?fn \w+[<(]|use \w+::|impl\b|let mut |#\[derive|(?:pub )?"
                r"(?:struct|enum|mod) \w+)",
        "ruby": r"^\s*(?:require(?:_relative)? ['\"]|module [A-Z]\w*$|def \w+[?!]?(?:\(.*\))?$"
                r"|end$|attr_(?:reader|accessor) :)|\.each do \|",
        "php": r"<\?php|^\s*(?:namespace [\w\\\\]+;|use [\w\\\\]+;)|\$this->",
        "kotlin": r"^\s*(?:fun \w+\(|(?:val|var) \w+(?:: \w+)? = |data class |package [\w.]+$)",
    }.items()
}  # fmt: skip


def language_for_text(data: bytes) -> str | None:
    """The language of text whose name tells none (``PASTE.log``, ``numbers``, a bucket's
    object named by its hash), when its first ``_SNIFF_LINES`` lines look like code: at least
    three code-like lines, a third of the lines that are not blank or a comment, and lines only
    one of the languages read here writes so (``def f():``, ``func main(``, ``#include``) —
    the language with the most of them; None for prose, data and binary (a NUL byte). A
    cheap test, made once per such file: a README or a licence has few code-like lines."""
    if b"\0" in data or data.startswith(b"#!"):  # a script of another language (perl, sh)
        return None
    text = data.decode("utf-8", "replace")
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    body = [line for line in lines if not line.lstrip().startswith(("#", "//", "/*", "*", "--"))]
    code = sum(1 for line in body if _CODE_LINE.search(line))
    if code < 3 or code * 3 < len(body):
        return None
    sample = "\n".join(lines)
    counts = {language: len(mark.findall(sample)) for language, mark in _MARKS.items()}
    language, marks = max(counts.items(), key=lambda item: item[1])
    if marks < 2:
        return None
    if language == "c" and counts["cpp"]:
        return "cpp"
    if language == "javascript" and counts["typescript"] >= 2:
        return "typescript"
    return language
