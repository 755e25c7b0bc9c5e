"""Front matter extraction.

A content file may start with a metadata block delimited by ``---`` lines.
Quarry understands a deliberately small YAML subset so that it has no
third-party dependencies::

    ---
    title: Release notes
    date: 2024-03-01
    tags: [release, changelog]
    draft: false
    ---

Values are parsed as booleans, integers, floats, ISO dates, inline lists or
quoted/unquoted strings. Nested mappings are not supported; use dotted keys
(``og.image: /cover.png``) which become nested dictionaries.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["FrontMatterError", "split_front_matter", "parse_value"]

_DELIMITER = "---"
_KEY_RE = re.compile(r"^([A-Za-z_][\w.-]*)\s*:\s*(.*)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(f"front matter line {line}: {message}")
        self.line = line


def _split_list(body: str) -> list[str]:
    """Split the inside of ``[a, "b, c", d]`` on commas outside quotes."""
    items: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in body:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char == ",":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    tail = "".join(current).strip()
    if tail or items:
        items.append(tail)
    return [item for item in items if item]


def parse_value(raw: str) -> Any:
    value = raw.strip()
    if not value or value in ("~", "null"):
        return None
    if value[0] in "\"'" and value[-1] == value[0] and len(value) >= 2:
        inner = value[1:-1]
        return inner.replace('\\"', '"') if value[0] == '"' else inner.replace("''", "'")
    if value.startswith("[") and value.endswith("]"):
        return [parse_value(item) for item in _split_list(value[1:-1])]
    lowered = value.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if re.fullmatch(r"[-+]?\d+", value):
        return int(value)
    if re.fullmatch(r"[-+]?\d*\.\d+", value):
        return float(value)
    if _DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if _DATETIME_RE.match(value):
        try:
            return dt.datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError:
            return value
    # Strip a trailing comment, but only when separated by whitespace.
    return re.sub(r"\s+#.*$", "", value)


def _assign(target: dict[str, Any], dotted: str, value: Any, line: int) -> None:
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        existing = node.setdefault(part, {})
        if not isinstance(existing, dict):
            raise FrontMatterError(f"{dotted!r} conflicts with scalar key {part!r}", line)
        node = existing
    node[parts[-1]] = value


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """Return ``(metadata, body, body_start_line)`` for a content file."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _DELIMITER:
        return {}, text, 1

    meta: dict[str, Any] = {}
    pending_key: str | None = None
    pending_items: list[Any] = []
    for index in range(1, len(lines)):
        line = lines[index].rstrip("\r\n")
        lineno = index + 1
        if line.strip() == _DELIMITER:
            if pending_key is not None:
                _assign(meta, pending_key, pending_items, lineno)
            body = "".join(lines[index + 1:])
            return meta, body, index + 2
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        # Block-style list items belong to the key that preceded them.
        if line.lstrip().startswith("- ") and pending_key is not None:
            pending_items.append(parse_value(line.lstrip()[2:]))
            continue
        if pending_key is not None:
            _assign(meta, pending_key, pending_items, lineno)
            pending_key, pending_items = None, []
        match = _KEY_RE.match(line)
        if not match:
            raise FrontMatterError(f"expected 'key: value', got {line.strip()!r}", lineno)
        key, raw = match.groups()
        if raw.strip() == "":
            pending_key = key
            continue
        _assign(meta, key, parse_value(raw), lineno)

    raise FrontMatterError("unterminated front matter block", len(lines))
