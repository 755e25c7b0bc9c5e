"""A deliberately tiny reader for INI-style settings files.

Sections are ``[name]`` lines; entries are ``key = value`` or ``key: value``; an indented line
continues the entry above it; lines starting with ``#`` or ``;`` are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple, TypeVar

__all__ = ["SettingsFile", "SettingsSyntaxError", "REMARK_MARKERS", "is_remark"]

REMARK_MARKERS = "#;"

_Fallback = TypeVar("_Fallback")
_Converted = TypeVar("_Converted")


class SettingsSyntaxError(Exception):
    """The file could not be read as INI; ``line`` counts from zero."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(source, line, reason)
        self.source = source
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source}:{self.line + 1}: {self.reason}"


class _Entry(NamedTuple):
    line: int
    section: str | None
    key: str | None
    value: str | None


def is_remark(text: str) -> bool:
    """True for a line whose first visible character starts a comment (or a blank line)."""
    return text.lstrip()[:1] in REMARK_MARKERS


def _split_assignment(source: str, text: str, line: int) -> tuple[str, str]:
    """``key = value`` (unless the key holds a colon), else ``key: value``."""
    key, equals, value = text.partition("=")
    if equals and ":" not in key:
        return key.strip(), value.strip()
    key, colon, value = text.partition(":")
    if not colon:
        raise SettingsSyntaxError(source, line, f"cannot understand line: {text!r}")
    return key.strip(), value.strip()


def _classify(source: str, raw: str, line: int) -> tuple[str | None, str | None]:
    """(key, value) for an entry, (section, None) for a header, (None, text) for a
    continuation, (None, None) for nothing."""
    text = "" if is_remark(raw) else raw.rstrip()
    if not text:
        return None, None
    if text[0].isspace():
        return None, text.strip()
    if text[0] != "[":
        return _split_assignment(source, text, line)
    header = text
    for marker in REMARK_MARKERS:
        header = header.split(marker)[0].rstrip()
    if header.endswith("]"):
        return header[1:-1], None
    return None, text.strip()


def tokenize_lines(source: str, lines: list[str]) -> list[_Entry]:
    entries: list[_Entry] = []
    current: str | None = None
    for line, raw in enumerate(lines):
        key, value = _classify(source, raw, line)
        if key is None and value is None:
            continue
        if key is None:  # a continuation of the entry above
            previous = entries.pop() if entries else None
            if previous is None or previous.key is None:
                raise SettingsSyntaxError(source, line, "continuation line without an entry")
            joined = f"{previous.value}\n{value}" if previous.value else value
            entries.append(previous._replace(value=joined))
        elif value is None:  # a section header
            if not key:
                raise SettingsSyntaxError(source, line, "section header without a name")
            current = key
            entries.append(_Entry(line, current, None, None))
        else:
            entries.append(_Entry(line, current, key, value))
    return entries


class SettingsFile:
    """The sections of one file, each a mapping of keys to string values."""

    def __init__(
        self, location: str | os.PathLike[str], text: str | None = None, encoding: str = "utf-8"
    ) -> None:
        self.path = os.fspath(location)
        if text is None:
            with open(self.path, encoding=encoding) as handle:
                text = handle.read()
        self._where: dict[tuple[str, str | None], int] = {}
        self.sections: dict[str, dict[str, str]] = {}
        for entry in tokenize_lines(self.path, text.splitlines(True)):
            self._record(entry)

    def _record(self, entry: _Entry) -> None:
        if entry.section is None:
            raise SettingsSyntaxError(self.path, entry.line, "entry before any section header")
        self._where[entry.section, entry.key] = entry.line
        if entry.key is None:
            if entry.section in self.sections:
                raise SettingsSyntaxError(
                    self.path, entry.line, f"section {entry.section!r} appears twice"
                )
            self.sections[entry.section] = {}
            return
        values = self.sections[entry.section]
        if entry.key in values:
            raise SettingsSyntaxError(self.path, entry.line, f"key {entry.key!r} appears twice")
        assert entry.value is not None
        values[entry.key] = entry.value

    def line_of(self, section: str, key: str | None = None) -> int | None:
        """One-based line of a section header (or of one of its keys), or None."""
        found = self._where.get((section, key))
        return found + 1 if found is not None else None

    def value(
        self,
        section: str,
        key: str,
        fallback: _Fallback | None = None,
        parse: Callable[[str], _Converted] | None = None,
    ) -> _Fallback | _Converted | str | None:
        values = self.sections.get(section)
        if values is None or key not in values:
            return fallback
        return values[key] if parse is None else parse(values[key])

    def __contains__(self, section: str) -> bool:
        return section in self.sections

    def __getitem__(self, section: str) -> SectionView:
        if section not in self.sections:
            raise KeyError(section)
        return SectionView(self, section)

    def __iter__(self) -> Iterator[SectionView]:
        ordered = sorted(self.sections, key=self.line_of)  # type: ignore[arg-type]
        return iter([SectionView(self, name) for name in ordered])


class SectionView:
    """One section of a :class:`SettingsFile`, read in file order."""

    def __init__(self, owner: SettingsFile, name: str) -> None:
        self.owner = owner
        self.name = name

    def line_of(self, key: str) -> int | None:
        return self.owner.line_of(self.name, key)

    def value(
        self,
        key: str,
        fallback: _Fallback | None = None,
        parse: Callable[[str], _Converted] | None = None,
    ) -> _Fallback | _Converted | str | None:
        return self.owner.value(self.name, key, fallback=fallback, parse=parse)

    def __getitem__(self, key: str) -> str:
        return self.owner.sections[self.name][key]

    def __iter__(self) -> Iterator[str]:
        keys: Mapping[str, str] = self.owner.sections.get(self.name, {})
        return iter(sorted(keys, key=self.line_of))  # type: ignore[arg-type]

    def items(self) -> Iterator[tuple[str, str]]:
        return ((key, self[key]) for key in self)
