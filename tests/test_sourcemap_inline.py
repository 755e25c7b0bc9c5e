"""Inline source maps (``sourceMappingURL=data:...``) are found in work linear in the bundle's
size, however many ``data:`` starts a hostile bundle holds with no comma after them."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import pytest

from scanner.sources import sourcemap
from scanner.sources.sourcemap import inline_maps
from tests.servers.registry import build_tar_gz

MAP = json.dumps({"version": 3, "sources": ["src/a.ts"], "sourcesContent": ["let a = 1;\n"],
                  "mappings": "AAAA"}).encode()  # fmt: skip
HOSTILE = b'a+="#sourceMappingURL=data:";'
"""No comma or space after ``data:`` until the end of the file: the pattern this replaced read on
to the end from each of them (8,000 of them, 232 KB: 43 s)."""


class Counting:
    """A compiled pattern that counts the bytes its searches and matches examined (from where
    each started to where it stopped, the end of the data when nothing was found)."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern, self.examined = pattern, 0

    def search(self, data: bytes, pos: int = 0) -> re.Match[bytes] | None:
        found = self.pattern.search(data, pos)
        self.examined += (found.end() if found else len(data)) - pos
        return found

    def match(self, data: bytes, pos: int = 0) -> re.Match[bytes] | None:
        found = self.pattern.match(data, pos)
        self.examined += found.end() - pos if found else 1
        return found


def examined(monkeypatch: pytest.MonkeyPatch, data: bytes) -> tuple[int, list[bytes]]:
    patterns = {name: Counting(getattr(sourcemap, name))
                for name in ("_INLINE", "_MEDIA_TYPE_END", "_PAYLOAD")}  # fmt: skip
    with monkeypatch.context() as patched:
        for name, pattern in patterns.items():
            patched.setattr(sourcemap, name, pattern)
        found = list(inline_maps(data, "javascript"))
    return sum(pattern.examined for pattern in patterns.values()), found


def test_many_data_url_starts_without_a_comma_cost_linear_work(monkeypatch):
    inline = b"\n//# sourceMappingURL=data:application/json;base64," + base64.b64encode(MAP)
    for copies in (4_000, 8_000, 16_000):
        data = HOSTILE * copies + inline
        work, found = examined(monkeypatch, data)
        assert found == [MAP]  # the real map after them is still read
        assert work <= 2 * len(data), (copies, work, len(data))


def test_every_form_of_inline_map_is_decoded():
    encoded = base64.b64encode(MAP)
    data = (b"x();\n//# sourceMappingURL=data:application/json;base64," + encoded
            + b"\n//@ sourceMappingURL=data:;base64," + encoded.rstrip(b"=")
            + b"\n/*# sourceMappingURL=data:application/json," + quote(MAP).encode() + b" */"
            + b"\n//# sourceMappingURL=data:application/json;charset=utf-8 no comma"
            + b"\n//# sourceMappingURL=data:,%ZZ'")  # fmt: skip
    assert list(inline_maps(data, "javascript")) == [MAP, MAP, MAP, b"%ZZ"]
    assert list(inline_maps(data, "python")) == []


BUILDS_MAPS = (
    b"if (sourceMap === 'inline') {\n"
    b"  code += `\\n/*# sourceMappingURL=data:application/json;base64,"
    b"${Buffer.from(concat.sourceMap, 'utf8').toString('base64')}*/`;\n"
    b"} else if (sourceMap === 'uri') {\n"
    b"  code += `\\n//# sourceMappingURL=data:application/json,${encodeURIComponent(map)}`;\n"
    b"}\n"
)
"""A bundler plugin's code that writes inline maps into the bundles it makes (as
``rollup-plugin-postcss-umi@2.0.3``'s ``dist/index.js``, line 801, does): a template, not a map."""


def test_code_that_builds_an_inline_map_is_not_taken_for_one():
    inline = b"\n//# sourceMappingURL=data:application/json;base64," + base64.b64encode(MAP)
    assert list(inline_maps(BUILDS_MAPS, "javascript")) == []
    assert list(inline_maps(BUILDS_MAPS + inline, "javascript")) == [MAP]
    # a map in a string literal, cut where the literal's escape starts
    escaped = b"s = '//# sourceMappingURL=data:;base64," + base64.b64encode(MAP) + b"\\n';"
    assert list(inline_maps(escaped, "javascript")) == [MAP]


def test_an_npm_package_whose_code_builds_inline_maps_is_read_whole(store, tmp_path):
    """The plugin's package was ``incomplete`` ("not a valid source map") in ``watch`` and
    ``scan``: its template was decoded as a map."""
    from tests.test_carriers import scan

    package = tmp_path / "rollup-plugin-x-2.0.3.tgz"
    package.write_bytes(build_tar_gz({"package.json": b'{"name": "rollup-plugin-x"}',
                                      "dist/index.js": BUILDS_MAPS},
                                     prefix="package/", mtime=0))  # fmt: skip
    code, candidate, stderr = scan(store, package)
    assert candidate["unread"] == [] and "source map" not in stderr
    assert (code, candidate["verdict"]) == (0, "clear")
