"""JSON in UTF-16 or UTF-32 (RFC 4627 allows them; Python's json, and a browser's decoder after
a BOM, read them): a source map or a notebook so encoded was told no carrier by its first bytes
(``{`` is not the first byte) and passed over, its candidate ``clear``. It is read as the same
JSON in UTF-8 is."""

from __future__ import annotations

import json

import pytest

from tests.test_hostile import JOURNAL, scan

MAP = {"version": 3, "mappings": "", "sources": ["src/journal.py"], "sourcesContent": [JOURNAL]}
CELL = {"cell_type": "code", "metadata": {}, "outputs": [], "source": JOURNAL}
NOTEBOOK = {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"language_info": {"name": "python"}}, "cells": [CELL]}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "encoding"),
    [("app.js.map", MAP, "utf-16"), ("app.js.map", MAP, "utf-16-be"),
     ("work.ipynb", NOTEBOOK, "utf-16-le"), ("bundle-meta", MAP, "utf-32"),
     ("notes", NOTEBOOK, "utf-32-le")],
)  # fmt: skip
def test_json_in_utf_16_or_32_is_read(store, tmp_path, name, value, encoding):
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / name).write_bytes(json.dumps(value).encode(encoding))
    done, report, _ = scan(store, folder)
    assert done.returncode == 1, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["derivative"]


def test_a_utf_16_map_over_max_read_bytes_is_said_not_read(tmp_path):
    """One too large to hold is searched for the keys in chunks: in its own encoding too."""
    from scanner.sources import Archive, Limits

    path = tmp_path / "meta"
    path.write_bytes(json.dumps(MAP).encode("utf-16"))
    archive = Archive(path, limits=Limits(max_read_bytes=4096))
    assert list(archive.iter_files()) == []
    assert [p.message for p in archive.problems] == [
        "not read: larger than max_read_bytes (4,096 bytes)"]  # fmt: skip
