"""Sources embedded in JavaScript source maps (``sourcesContent``), as virtual files.

A published npm package that ships ``dist/app.js.map`` with ``sourcesContent`` ships the original
sources with it: the very shape of the leak that started this project (one 60 MB map, 1,900
TypeScript files). Each embedded source becomes a file named ``<map path>!/<source path>``, so
the evidence names the map and the embedded path. Indexed maps (``sections``) are followed.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from fingerprints import carried_name, language_for_path
from scanner.sources.base import CandidateFile, Problem, problem

SEPARATOR = "!/"
_SCHEME = re.compile(r"^[a-zA-Z][\w+.-]*:/*")


def is_source_map(path: str) -> bool:
    return path.endswith(".map")


def embedded_name(source: str, root: str = "") -> str:
    """A clean relative path for a ``sources`` entry (``webpack:///./src/a.ts`` -> ``src/a.ts``)."""
    name = _SCHEME.sub("", carried_name(f"{root.rstrip('/')}/{source}" if root else source))
    name = posixpath.normpath("/" + name.split("?", 1)[0]).lstrip("/")
    return name if name and name != "." else "unnamed"


class _WrongShape(ValueError):
    """A map whose embedded sources cannot be read: not the JSON shape of a source map."""


def _sources(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if isinstance(data.get("sections"), list):
        for section in data["sections"]:
            if isinstance(section, dict) and isinstance(section.get("map"), dict):
                yield from _sources(section["map"])
        return
    sources, contents = data.get("sources"), data.get("sourcesContent")
    if contents is None:
        return  # a map without embedded sources
    if not isinstance(sources, list) or not isinstance(contents, list):
        raise _WrongShape("'sources' and 'sourcesContent' must be lists")
    root = data.get("sourceRoot") or ""
    for source, content in zip(sources, contents, strict=False):
        if isinstance(source, str) and isinstance(content, str) and content:
            yield embedded_name(source, root if isinstance(root, str) else ""), content


def expand_source_map(path: str, data: bytes, problems: list[Problem]) -> Iterator[CandidateFile]:
    """The embedded sources of the map at ``path`` that are in a known language."""
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(problem(path, f"not a valid source map ({exc})"))
        return
    except RecursionError:
        problems.append(problem(path, "not a valid source map (JSON nested too deep)"))
        return
    if not isinstance(parsed, dict):
        problems.append(problem(path, "not a valid source map (not a JSON object)"))
        return
    seen: set[str] = set()
    try:
        entries = list(_sources(parsed))
    except RecursionError:
        problems.append(problem(path, "not a valid source map (sections nested too deep)"))
        return
    except _WrongShape as exc:
        problems.append(problem(path, f"not a valid source map ({exc})"))
        return
    for name, content in entries:
        language = language_for_path(name)
        virtual = f"{path}{SEPARATOR}{name}"
        if language is None or virtual in seen:
            continue
        seen.add(virtual)
        yield CandidateFile(virtual, content.encode("utf-8", errors="replace"), language)
