"""Sources embedded in JavaScript source maps (``sourcesContent``), as virtual files.

A published npm package that ships ``dist/app.js.map`` with ``sourcesContent`` ships the original
sources with it: the very shape of the leak that started this project (one 60 MB map, 1,900
TypeScript files). Each embedded source becomes a file named ``<map path>!/<source path>``, so
the evidence names the map and the embedded path. Indexed maps (``sections``) are followed.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from fingerprints import DEFAULT_PARSE_MEMORY, carried_name, language_for_path
from scanner.sources.base import CandidateFile, Capped, Lines, problem, unique_name
from scanner.sources.jsoncost import TooCostly, loads_within, named_twice

SEPARATOR = "!/"
_SCHEME = re.compile(r"^[a-zA-Z][\w+.-]*:/*")


def is_source_map(path: str) -> bool:
    return path.endswith(".map")


XSSI_PREFIX = b")]}'"
"""What the source map spec lets a map start with, against cross-site script inclusion: a
first line starting ``)]}'`` is skipped by the browsers' and Mozilla's readers."""


def without_xssi(data: bytes) -> bytes:
    """A map's bytes (after any BOM and white space) without the ``XSSI_PREFIX`` line: the
    prefix, and the rest of its line unless the JSON starts on it (``)]}'{"version":3,...``)."""
    if not data.startswith(XSSI_PREFIX):
        return data
    rest = data[len(XSSI_PREFIX) :]
    if rest.lstrip(b" \t")[:1] in (b"{", b"["):
        return rest
    end = rest.find(b"\n")
    return b"" if end < 0 else rest[end + 1 :]


def embedded_name(source: str, root: str = "") -> str:
    """A clean relative path for a ``sources`` entry (``webpack:///./src/a.ts`` -> ``src/a.ts``)."""
    name = _SCHEME.sub("", carried_name(f"{root.rstrip('/')}/{source}" if root else source))
    name = posixpath.normpath("/" + name.split("?", 1)[0]).lstrip("/")
    return name if name and name != "." else "unnamed"


class _WrongShape(ValueError):
    """A map whose embedded sources cannot be read: not the JSON shape of a source map."""


def map_sources(data: dict[str, Any]) -> Iterator[tuple[str | None, str, Any]]:
    """Each embedded source of a parsed map (indexed maps' ``sections`` followed, and sources
    beside them too: the spec gives an indexed map none, but what is in its bytes is read):
    the source as written in ``sources`` (None when it has none: the entry is not a non-empty
    string, or ``sourcesContent`` is longer than ``sources``), the map's ``sourceRoot`` and its
    ``sourcesContent`` entry as it is (None when absent; not always a string: a list of lines
    or an object holds no source a browser takes, but may hold a copy)."""
    if isinstance(data.get("sections"), list):
        for section in data["sections"]:
            if isinstance(section, dict) and isinstance(section.get("map"), dict):
                yield from map_sources(section["map"])
    sources, contents = data.get("sources"), data.get("sourcesContent")
    if contents is None and not isinstance(sources, list):
        return  # no sources named: nothing embedded, nothing to audit
    if not isinstance(sources, list) or not isinstance(contents, list | None):
        raise _WrongShape("'sources' and 'sourcesContent' must be lists")
    root = data.get("sourceRoot") or ""
    root = root if isinstance(root, str) else ""
    contents = contents or []
    for i in range(max(len(sources), len(contents))):
        source = sources[i] if i < len(sources) else None
        content = contents[i] if i < len(contents) else None
        yield source if isinstance(source, str) and source else None, root, content


def _sources(data: dict[str, Any]) -> Iterator[tuple[str | None, Any]]:
    """(name, content) of each embedded source with content (a string, or another JSON value
    that holds something); name None: it has none."""
    for source, root, content in map_sources(data):
        if content:
            yield None if source is None else embedded_name(source, root), content


NAMELESS = ("embedded source #{} has no name (its 'sources' entry is missing or not a string), "
            "so its language cannot be told; not read")  # fmt: skip
NOT_TEXT = ("embedded source #{} ({}): its content is not text but a JSON {} (no reader takes "
            "source from it, but it may hold a copy); not read")  # fmt: skip
_JSON_TYPES = {list: "array", dict: "object", bool: "boolean", int: "number", float: "number"}


#: Hears of every source map read, parsed: its path and its JSON object (guard audits it).
MapObserver = Callable[[str, dict[str, Any]], None]
#: Reads an embedded source of no known language (a ``.vue`` component, a page): its virtual
#: path, its name inside the map and its bytes, as a file of that name (``Unpacker``).
OtherReader = Callable[[str, str, bytes], Iterator[CandidateFile]]


def expand_source_map(path: str, data: bytes, problems: Lines,
                      on_map: MapObserver | None = None, other: OtherReader | None = None,
                      memory: int = DEFAULT_PARSE_MEMORY) -> Iterator[CandidateFile]:  # fmt: skip
    """The embedded sources of the map at ``path`` that are in a known language, and through
    ``other`` the rest (what they carry: a component's scripts); ``on_map`` also hears of the
    parsed map (once its shape is known to be a map's). A map whose JSON would take more than
    ``memory`` bytes to parse is not read (``jsoncost``): one line."""
    twice: list[str] = []
    try:
        parsed = loads_within(without_xssi(data.removeprefix(b"\xef\xbb\xbf").lstrip()), memory,
                              twice)  # fmt: skip
    except TooCostly as exc:
        problems.append(problem(path, f"not read: {exc}"))
        return
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(problem(path, f"not a valid source map ({exc})"))
        return
    except RecursionError:
        problems.append(problem(path, "not a valid source map (JSON nested too deep)"))
        return
    if not isinstance(parsed, dict):
        problems.append(problem(path, "not a valid source map (not a JSON object)"))
        return
    try:
        entries = list(_sources(parsed))
    except RecursionError:
        problems.append(problem(path, "not a valid source map (sections nested too deep)"))
        return
    except _WrongShape as exc:
        problems.append(problem(path, f"not a valid source map ({exc})"))
        return
    if twice:
        problems.append(problem(path, named_twice(twice)))
    if on_map is not None:
        on_map(path, parsed)
    capped = Capped(problems, path, "its embedded sources")
    try:
        yield from _embedded(path, entries, capped, other)
    finally:
        capped.close()


def _embedded(path: str, entries: list[tuple[str | None, Any]], problems: Lines,
              other: OtherReader | None) -> Iterator[CandidateFile]:  # fmt: skip
    """The files of a map's embedded sources (``expand_source_map``)."""
    names: dict[str, int] = {}
    read: set[tuple[str, str]] = set()
    for number, (name, content) in enumerate(entries, 1):
        if name is None:  # what it is cannot be told: said, never passed over
            problems.append(problem(path, NAMELESS.format(number)))
            continue
        if not isinstance(content, str):
            what = _JSON_TYPES.get(type(content), "value")
            problems.append(problem(path, NOT_TEXT.format(number, name, what)))
            continue
        language = language_for_path(name)
        if (language is None and other is None) or (name, content) in read:
            continue  # the same source embedded twice is read once; another one of that name too
        read.add((name, content))
        virtual = f"{path}{SEPARATOR}{unique_name(name, names)}"
        if other is not None and language is None:
            yield from other(virtual, name, content.encode("utf-8", errors="replace"))
        else:
            yield CandidateFile(virtual, content.encode("utf-8", errors="replace"), language)


INLINE_MAP = "inline-source-map"
"""An inline map's name below its file: ``dist/app.js!/inline-source-map!/src/x.ts``."""
_INLINE = re.compile(rb"[#@][ \t]*sourceMappingURL=data:")
_MEDIA_TYPE_END = re.compile(rb"[,\s]")
_PAYLOAD = re.compile(rb"[^\s*'\"`]+")
"""A map in a data: URL (``_INLINE``, a media type up to its comma, then the payload), whatever
media type it names (``application/json``, none, or ``text/plain``: a browser's tools load it
all the same). Scanned in three steps, not one pattern: ``data:[^,\\s]*?,`` tried at each of
many ``sourceMappingURL=data:`` with no comma after them (a hostile bundle) read on to the end
of the file from each, quadratic (232 KB took 43 s); here each byte is examined a bounded
number of times."""
_INLINE_LANGUAGES = {"javascript", "typescript", "tsx", "css"}
"""Where inline maps are read: scripts (``//# sourceMappingURL=data:...``) and stylesheets
(``/*# sourceMappingURL=data:...*/``, which sass, less and postcss write; ``carriers``)."""
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=]")
"""A base64 payload ends at the first byte outside its alphabet (a string literal's ``\\n``)."""


def inline_maps(data: bytes, language: str) -> Iterator[bytes]:
    """The source maps a script or a stylesheet carries inline (data: URLs), decoded."""
    if language not in _INLINE_LANGUAGES or b"sourceMappingURL=data:" not in data:
        return
    at, comma = 0, -1  # where the next search starts; the next comma or space known
    while (match := _INLINE.search(data, at)) is not None:
        at = match.end()
        if comma < at:  # the media type's end is searched for once per stretch of text
            end = _MEDIA_TYPE_END.search(data, at)
            comma = end.start() if end is not None else len(data)
        found = _PAYLOAD.match(data, comma + 1) if data[comma : comma + 1] == b"," else None
        if found is None:
            continue
        at, payload = found.end(), found.group()
        encoded = data[match.end() : comma].endswith(b";base64")
        if encoded and (cut := _NOT_BASE64.search(payload)) is not None:
            payload = payload[: cut.start()]
        if not payload or payload.startswith(b"${"):
            continue  # code that writes a map into what it builds (`base64,${...}`), not a map
        try:
            yield (base64.b64decode(payload + b"=" * (-len(payload) % 4))
                   if encoded else unquote_to_bytes(payload))  # fmt: skip
        except (binascii.Error, ValueError):
            yield b"\0not a data URL"  # reported as a map that is not valid


def expand_inline_maps(path: str, data: bytes, language: str, problems: Lines,
                       on_map: MapObserver | None = None, other: OtherReader | None = None,
                       memory: int = DEFAULT_PARSE_MEMORY) -> Iterator[CandidateFile]:  # fmt: skip
    """The embedded sources of the maps a bundle carries inline, as those of a map file named
    ``PATH!/inline-source-map`` (``-2``, ``-3``, ... for the next ones)."""
    capped = Capped(problems, path, "its inline source maps")
    try:
        for number, found in enumerate(inline_maps(data, language), start=1):
            where = f"{path}{SEPARATOR}{INLINE_MAP}" + (f"-{number}" if number > 1 else "")
            yield from expand_source_map(where, found, capped, on_map, other, memory)
    finally:
        capped.close()


# -- what a map's ``sources`` reveal (guard) ---------------------------------------------------

_WEBPACK = re.compile(r"^webpack://[^/]*/")
"""``webpack://NAME/`` (or ``webpack:///``): what follows is relative to webpack's context, the
project folder (``webpack://acme-ui/./src/a.ts``, ``webpack:///../shared/x.ts``)."""
_TURBOPACK = re.compile(r"^turbopack:///?(?:\[project\]/)?")
_HOME = re.compile(
    r"^(?:/home/[^/]+|/Users/[^/]+|/root|/var/root|[a-zA-Z]:/Users/[^/]+|~[^/]*)(?:/|$)"
)
_ABSOLUTE = re.compile(r"^(?:/|[a-zA-Z]:/)")
_DRIVE = re.compile(r"^[a-zA-Z]:/")
_BUNDLER_INTERNAL = re.compile(
    r"^(?:webpack/(?:bootstrap|runtime/|universalModuleDefinition|startup|before-startup|"
    r"after-startup)|\(webpack\)|external |ignored\||\x00|<|vite/|\[turbopack\]|\[externals\])"
)
"""Names bundlers give their own code, not files: webpack's runtime and externals, rollup's
``\\0`` virtual modules, esbuild's ``<stdin>``, vite's preload helpers."""


def private_path(source: str, source_root: str = "", map_folder: str | None = "") -> str | None:
    """Why a map's ``sources`` entry names a place that is not part of the package, or None.

    ``map_folder`` is the map's folder inside the package (None: where the package starts is not
    known, so only absolute paths are reported). What real bundlers emit, and what
    each gives away: an absolute path (``/builds/acme/ledger/src/x.ts``: the build machine's
    layout), one in a home folder (``/Users/alice/...``: a person's name too), ``file://`` URLs,
    and a relative path that climbs out of the package (``../../services/billing/src/x.ts``
    from ``dist/``, or ``webpack://app/../internal/x.ts``: a monorepo's private folders).
    Paths into ``node_modules`` outside the package (a monorepo's hoisted dependencies) are
    third-party code and not reported; bundler runtime names are not files at all.
    """
    name = source.replace("\\", "/")
    root = source_root.replace("\\", "/")
    if root and not _SCHEME.match(name) and not _ABSOLUTE.match(name):
        name = f"{root.rstrip('/')}/{name}"
    base = map_folder
    if name.lower().startswith("file://"):
        name = name[len("file://") :]
        name = name[1:] if _DRIVE.match(name[1:]) else name
    elif match := (_WEBPACK.match(name) or _TURBOPACK.match(name)):
        name, base = name[match.end() :], ""  # relative to the project folder
        if _BUNDLER_INTERNAL.match(name):
            return None
    elif _SCHEME.match(name) and not _DRIVE.match(name):
        return None  # a URL (https://, ng://): not a path on the build machine
    if _BUNDLER_INTERNAL.match(name) or not name:
        return None
    if _HOME.match(name):
        return "a home folder"
    if _ABSOLUTE.match(name) or name.startswith("//"):
        return "an absolute path"
    if base is None:
        return None
    resolved = posixpath.normpath(posixpath.join(base, name))
    if (resolved == ".." or resolved.startswith("../")) and "node_modules" not in name.split("/"):
        return "outside the package"
    return None
