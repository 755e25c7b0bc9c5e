"""A copy of private code inside a source map where the map's reader did not look: beside an
indexed map's ``sections``, as a ``sourcesContent`` entry that is no string, in the first of two
keys of one name. Each is read, or one line says it was not: never ``clear``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.sources.base import Problem
from scanner.sources.sourcemap import expand_source_map
from tests.test_hostile import JOURNAL, scan

SECTION = {"offset": {"line": 0, "column": 0},
           "map": {"version": 3, "mappings": "", "sources": ["src/a.js"],
                   "sourcesContent": ["var a = 1;\n"]}}  # fmt: skip


def write_map(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "app.js.map").write_text(text)
    return folder


def test_sources_beside_sections_are_read(store, tmp_path):
    """An indexed map holds ``sections``; sources of its own beside them are in its bytes all
    the same (and in guard's audit of what it embeds)."""
    source_map = {"version": 3, "sections": [SECTION], "sources": ["src/journal.py"],
                  "sourcesContent": [JOURNAL]}  # fmt: skip
    files = list(expand_source_map("app.js.map", json.dumps(source_map).encode(), []))
    assert [f.path for f in files] == ["app.js.map!/src/a.js", "app.js.map!/src/journal.py"]
    done, report, _ = scan(store, write_map(tmp_path, json.dumps(source_map)))
    assert done.returncode == 1, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["derivative"]


@pytest.mark.parametrize("content", [JOURNAL.splitlines(keepends=True), {"text": JOURNAL}, 7],
                         ids=["lines", "object", "number"])  # fmt: skip
def test_content_that_is_no_string_is_one_line(store, tmp_path, content):
    source_map = {"version": 3, "mappings": "", "sources": ["src/journal.py", "src/a.js"],
                  "sourcesContent": [content, "var a = 1;\n"]}  # fmt: skip
    problems: list[Problem] = []
    files = list(expand_source_map("app.js.map", json.dumps(source_map).encode(), problems))
    assert [f.path for f in files] == ["app.js.map!/src/a.js"]
    [found] = problems
    assert found.partial and found.path == "app.js.map"
    assert found.message.startswith("embedded source #1 (src/journal.py): its content is not")
    done, report, _ = scan(store, write_map(tmp_path, json.dumps(source_map)))
    assert done.returncode == 3, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]


@pytest.mark.parametrize("twice", ["sourcesContent", "sources"])
def test_a_key_named_twice_is_one_line(store, tmp_path, twice):
    """JSON readers keep one of two keys of one name (Python's and browsers' the last): the
    other's value is in the file, not read."""
    values = {"sources": ['["src/journal.py"]', '["README.rst"]'],
              "sourcesContent": [f"[{json.dumps(JOURNAL)}]", "[null]"]}  # fmt: skip
    first, last = values[twice]
    other = next(k for k in values if k != twice)
    text = (f'{{"version":3,"mappings":"","{other}":{values[other][0]},'
            f'"{twice}":{first},"{twice}":{last}}}')  # fmt: skip
    done, report, _ = scan(store, write_map(tmp_path, text))
    assert done.returncode == 3, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    [line] = [line for line in done.stderr.splitlines() if "app.js.map" in line]
    assert f"'{twice}'" in line and "not read" in line, line


def test_a_notebook_key_named_twice_is_one_line(store, tmp_path):
    cells = [json.dumps({"cell_type": "code", "metadata": {}, "outputs": [], "source": source})
             for source in (JOURNAL, "x = 1")]  # fmt: skip
    text = (f'{{"nbformat":4,"nbformat_minor":5,"metadata":{{}},"cells":[{cells[0]}],'
            f'"cells":[{cells[1]}]}}')  # fmt: skip
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "work.ipynb").write_text(text)
    done, _, _ = scan(store, folder)
    assert done.returncode == 3, done.stderr
    [line] = [line for line in done.stderr.splitlines() if "work.ipynb" in line]
    assert "'cells'" in line and "not read" in line, line
