"""The files ``npm pack`` puts in a package, worked out without npm.

``guard`` asks npm itself (``npm pack --dry-run --json``) when npm is on PATH; this module is the
fallback, a port of what npm 11 runs: ``npm-packlist`` 10 over ``ignore-walk`` 8, with rules
matched the way ``minimatch`` 10 does with the options ignore-walk passes (``matchBase``,
``dot``, ``nocase``). npm documents the rules (``package.json`` "files", ``.npmignore``):

- always left out, in every folder: ``.git``, ``.svn``, ``.hg``, ``CVS``, ``.npmrc``,
  ``.DS_Store``, ``._*``, ``.*.swp``, ``*.orig``, ``npm-debug.log``, the ignore files themselves;
  at the root: ``node_modules``, the lock files, ``.lock-wscript``, ``.wafpickle-*``,
  ``build/config.gypi``, ``archived-packages/``;
- always kept: ``package.json``, ``README*``, ``LICENSE*``/``LICENCE*``, ``COPYING*``, and the
  files named by ``main``, ``browser`` and ``bin``;
- with a ``files`` array, only what it names (a file, a folder and all below it, or a pattern),
  and the root ``.npmignore``/``.gitignore`` are not read (those of sub-folders still are);
- else ``.npmignore`` in each folder, or that folder's ``.gitignore`` when it has none;
- links and anything that is not a file or a folder are never packed, nor names holding ``*``.

Bundled dependencies (``bundleDependencies``) need npm's dependency tree: they are not followed
here, nor folders more than ``MAX_DEPTH`` levels deep; ``packlist`` says so, and guard reports
them as not read.

No library does this: ``pathspec`` implements git's rules, which differ from npm's (npm matches
case-insensitively, lets a rule without a slash match at any depth through ``matchBase``, and
applies a folder's rules to partial paths its own way); the differences decide whether a source
map ships, so the port follows npm's code line by line (``filter_entry`` is ignore-walk's
``filterEntry``).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError

_DEFAULTS = [
    ".npmignore", ".gitignore", "**/.git", "**/.svn", "**/.hg", "**/CVS", "**/.git/**",
    "**/.svn/**", "**/.hg/**", "**/CVS/**", "/.lock-wscript", "/.wafpickle-*",
    "/build/config.gypi", "npm-debug.log", "**/.npmrc", ".*.swp", ".DS_Store",
    "**/.DS_Store/**", "._*", "**/._*/**", "*.orig", "/archived-packages/**",
]  # fmt: skip
_STRICT_DEFAULTS = ["/.git"]
_DEFAULT, _STRICT = "<default rules>", "<strict rules>"
_ROOT_IGNORE_FILES = [_DEFAULT, "package.json", ".npmignore", ".gitignore", _STRICT]
_CHILD_IGNORE_FILES = [_DEFAULT, ".npmignore", ".gitignore", _STRICT]


MAX_DEPTH = 32
"""Folders deeper than this below the package are not entered (and said so: not read). npm's
rules walk each entry up through every parent folder, and a ``**`` rule walks its path, so a
level costs about its depth squared; real packages stay within ten levels."""
_SLASHES = re.compile(r"/{2,}")


class _Globstar:
    """``**`` as a whole segment: any number of segments."""


GLOBSTAR = _Globstar()
Segment = "re.Pattern[str] | str | _Globstar"


def expand_braces(pattern: str) -> list[str]:
    """``a{b,c{d,e}}f`` -> ``abf``, ``acdf``, ``acef`` (minimatch's brace expansion, without
    numeric ranges, which no ignore rule here uses)."""
    depth, start = 0, -1
    for i, char in enumerate(pattern):
        if char == "\\":
            continue
        if char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                options = _split_top(pattern[start + 1 : i])
                if len(options) < 2:
                    continue
                head, tail = pattern[:start], pattern[i + 1 :]
                return [
                    head + inner + rest
                    for option in options
                    for inner in expand_braces(option)
                    for rest in expand_braces(tail)
                ]
    return [pattern]


def _split_top(body: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in body:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += char == "{"
        depth -= char == "}" and depth > 0
        current += char
    return [*parts, current]


def _segment(text: str) -> re.Pattern[str] | str | _Globstar:
    """One segment of a rule: ``**``, a literal, or a regular expression (case-insensitive)."""
    if text == "**":
        return GLOBSTAR
    if not any(c in text for c in "*?[\\"):
        return text.lower()
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = text.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = text[i + 1 : end]
                negate = body[:1] in ("!", "^")
                body = body[1:] if negate else body
                out.append(f"[{'^' if negate else ''}{body.replace(chr(92), chr(92) * 2)}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    source = "".join(out)
    if text == "*":
        source = "[^/]+"  # a lone star matches a non-empty segment
    return re.compile(source + r"\Z", re.IGNORECASE | re.DOTALL)


def _segment_matches(pattern: re.Pattern[str] | str | _Globstar, name: str) -> bool:
    if isinstance(pattern, str):
        return pattern == name.lower()
    assert isinstance(pattern, re.Pattern)
    return pattern.match(name) is not None


def _match_one(file: list[str], pattern: list[Any], partial: bool) -> bool:
    """minimatch's ``matchOne``: segments against segments, ``**`` spanning any number."""
    fi = pi = 0
    while fi < len(file) and pi < len(pattern):
        here = pattern[pi]
        if here is GLOBSTAR:
            if pi == len(pattern) - 1:
                return all(part not in (".", "..") for part in file[fi:])
            for rest in range(fi, len(file)):
                if _match_one(file[rest:], pattern[pi + 1 :], partial):
                    return True
                if file[rest] in (".", ".."):
                    break
            return partial
        if not _segment_matches(here, file[fi]):
            return False
        fi += 1
        pi += 1
    if fi == len(file) and pi == len(pattern):
        return True
    if fi == len(file):
        return partial
    return fi == len(file) - 1 and file[fi] == ""


@dataclass(frozen=True)
class Rule:
    """One line of an ignore file, as minimatch compiles it (``flipNegate``: a match of a
    negated rule is reported as a match; ``negate`` says the rule includes)."""

    text: str
    negate: bool
    parts: tuple[tuple[Any, ...], ...]

    @classmethod
    def parse(cls, line: str) -> Rule:
        text, negate = line, False
        while text.startswith("!"):
            negate = not negate
            text = text[1:]
        alternatives = [_SLASHES.sub("/", alt) for alt in expand_braces(text)]  # a//b is a/b
        parts = tuple(tuple(_segment(s) for s in alt.split("/")) for alt in alternatives)
        return cls(line, negate, parts)

    def relative(self) -> bool:
        """One segment (or one and a trailing slash): ignore-walk's ``isRelativeRule``."""
        return any(len(part) <= (1 if part[-1] != "" else 2) for part in self.parts)

    def match(self, path: str, partial: bool = False) -> bool:
        if partial and path == "/":
            return True
        file = path.split("/")
        basename = next((s for s in reversed(file) if s), "")
        for part in self.parts:
            subject = [basename] if len(part) == 1 else file  # matchBase
            if _match_one(subject, list(part), partial):
                return True
        return False


def parse_rules(text: str) -> list[Rule]:
    lines = (line.strip() for line in re.split(r"\r?\n", text))
    return [Rule.parse(line) for line in lines if line and not line.startswith("#")]


def _rule_matches(rule: Rule, entry: str, partial: bool, base: str | None) -> bool:
    """Whether ``rule`` decides ``entry`` (ignore-walk's ``filterEntry``): as ``/entry`` or
    ``entry``; for a folder that may hold matches (``partial``), also with a trailing slash, a
    negated rule as a prefix of what it includes, and a one-segment rule against the basename."""
    if rule.match("/" + entry) or rule.match(entry):
        return True
    if not partial:
        return False
    if rule.match(f"/{entry}/") or rule.match(f"{entry}/"):
        return True
    if rule.negate and (rule.match("/" + entry, True) or rule.match(entry, True)):
        return True
    if not (base and rule.relative()):
        return False
    if rule.match(f"/{base}/") or rule.match(f"{base}/"):
        return True
    return rule.negate and (rule.match(f"/{base}", True) or rule.match(base, True))


class _Walker:
    """One folder of the package, with its rules and its parent's (ignore-walk's ``Walker``)."""

    def __init__(self, path: Path, parent: _Walker | None, ignore_files: list[str],
                 required: list[str], exact: bool = False) -> None:  # fmt: skip
        self.path = path
        self.depth: int = parent.depth + 1 if parent else 0
        self.parent = parent
        self.root: Path = parent.root if parent else path
        self.basename = path.name
        self.ignore_files = ignore_files
        self.required = required
        self.exact = exact
        self.rules: dict[str, list[Rule] | None] = {_DEFAULT: parse_rules("\n".join(_DEFAULTS))}
        self.notes: list[tuple[str, str]] = parent.notes if parent else []
        """(path, message) for what these rules could not decide: not read."""

    def filter_entry(self, entry: str, partial: bool = False,
                     entry_basename: str | None = None) -> bool:  # fmt: skip
        included = True
        if self.parent is not None:
            included = self.parent.filter_entry(f"{self.basename}/{entry}", partial,
                                                entry_basename or entry)  # fmt: skip
            if not included and not self.exact:
                return False
        for name in self.ignore_files:
            for rule in self.rules.get(name) or ():
                if rule.negate == included:
                    continue
                match = _rule_matches(rule, entry, partial, entry_basename)
                if match:
                    included = rule.negate
        return included

    def walk(self, result: set[str], package: dict[str, Any] | None) -> None:
        entries = os.listdir(self.path)
        if package is None:
            strict = [*_STRICT_DEFAULTS, *(f"!{f}" for f in self.required)]
            self.rules[_STRICT] = parse_rules("\n".join(strict))
        for name in self.ignore_files:
            if name not in entries or name in (_DEFAULT, _STRICT):
                continue
            if name == "package.json" and package is not None:
                self._package_rules(package)
            else:
                text = (self.path / name).read_text(encoding="utf-8", errors="replace")
                self.rules[name] = parse_rules(text)
        if self.rules.get("package.json"):
            self.rules[".npmignore"] = self.rules[".gitignore"] = None
        elif self.rules.get(".npmignore"):
            self.rules[".gitignore"] = None
        for entry in entries:
            as_file, as_dir = self.filter_entry(entry), self.filter_entry(entry, True)
            if not (as_file or as_dir) or "*" in entry:
                continue
            mode = os.lstat(self.path / entry).st_mode
            relative = (self.path / entry).relative_to(self.root).as_posix()
            if stat.S_ISREG(mode):
                if as_file:
                    result.add(relative)
            elif stat.S_ISDIR(mode) and as_dir and self.depth + 1 > MAX_DEPTH:
                self.notes.append((relative + "/", f"folder nested more than {MAX_DEPTH} "
                                   "levels deep; not read"))  # fmt: skip
            elif stat.S_ISDIR(mode) and as_dir:
                required = [f.split("/", 1)[1] for f in self.required
                            if f.count("/") == 1 and f.split("/", 1)[0] == entry]  # fmt: skip
                exact = as_file or self.filter_entry(entry + "/")
                child = _Walker(self.path / entry, self, _CHILD_IGNORE_FILES, required, exact)
                child.walk(result, None)

    def _package_rules(self, package: dict[str, Any]) -> None:
        """npm-packlist's ``processPackage``: "files" becomes include rules, and the files npm
        always packs become strict rules."""
        strict = [*_STRICT_DEFAULTS, "!/package.json", "!/readme{,.*[^~$]}",
                  "!/copying{,.*[^~$]}", "!/license{,.*[^~$]}", "!/licence{,.*[^~$]}", "/.git",
                  "/node_modules", ".npmrc", "/package-lock.json", "/yarn.lock",
                  "/pnpm-lock.yaml", "/bun.lockb"]  # fmt: skip
        files = package.get("files")
        if isinstance(files, list):
            ignores = []
            for item in (f for f in files if isinstance(f, str)):
                file = item[1:] if item.startswith("./") else item
                if file.endswith("/*"):
                    file += "*"
                try:
                    mode = os.lstat(os.path.join(self.path, file.lstrip("!").lstrip("/"))).st_mode
                except (OSError, ValueError):
                    ignores.append(f"!{file}")  # a pattern
                    continue
                if stat.S_ISREG(mode):
                    strict.insert(0, f"!{file}")
                    self.required.append(file[1:] if file.startswith("/") else file)
                elif stat.S_ISDIR(mode):
                    ignores += [f"!{file}", f"!{file}/**"]
            self.rules["package.json"] = parse_rules("\n".join(["*", *ignores]))
        for key in ("browser", "main"):
            if isinstance(package.get(key), str):
                strict.append(f"!/{package[key]}")
        bins = package.get("bin")
        if isinstance(bins, str):
            strict.append(f"!/{bins}")
        elif isinstance(bins, dict):
            strict += [f"!/{b}" for b in bins.values() if isinstance(b, str)]
        if package.get("bundleDependencies") or package.get("bundledDependencies"):
            self.notes.append(("package.json", "bundleDependencies are not followed without "
                               "npm; not read"))  # fmt: skip
        self.rules[_STRICT] = parse_rules("\n".join(strict))


def read_package_json(folder: Path) -> dict[str, Any]:
    try:
        package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder}/package.json: cannot read ({exc})") from exc
    if not isinstance(package, dict):
        raise InputError(f"{folder}/package.json: not a JSON object")
    return package


def packlist(folder: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The files ``npm pack`` would put in the package at ``folder`` (sorted), and (path,
    message) for what could not be worked out without npm (not read), such as folders more
    than ``MAX_DEPTH`` levels deep."""
    walker = _Walker(folder, None, _ROOT_IGNORE_FILES, [])
    result: set[str] = set()
    walker.walk(result, read_package_json(folder))
    return sorted(result), walker.notes
