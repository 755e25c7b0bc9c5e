"""JSON read for what it carries (a source map, a notebook, JSON told one by its keys) is parsed
whole in the scanning process, where a document of many small values takes about 25 times its
size (``[{},{},...]``: 16 MB of it took 400 MB, and a 60 KB .tgz holds it): its parse is held to
``max_parse_memory`` as a source file's is, one line naming the file, the candidate
``incomplete``, and the other candidates still read."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.test_hostile import leak, scan

MEMORY = 256 * 1024 * 1024
"""``--max-parse-memory`` of these scans: 256 MiB, so the bombs stay small."""
VALUES = b"{}," * (16 * 1024 * 1024 // 3) + b"{}"
"""16 MiB of empty objects, each a Python dict once parsed."""

BOMBS = {
    "dist/app.js.map": b'{"version":3,"sources":[],"sourcesContent":[],"x":[' + VALUES + b"]}",
    "nb.ipynb": b'{"nbformat":4,"metadata":{},"cells":[],"x":[' + VALUES + b"]}",
    "data.json": b'{"note":"\\u0041","x":[' + VALUES + b"]}",  # an escape: parsed to tell
}


def tarball(path: Path, name: str, data: bytes) -> Path:
    with tarfile.open(path, "w:gz", compresslevel=9) as archive:
        info = tarfile.TarInfo(f"package/{name}")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("name", BOMBS)
def test_json_that_would_take_more_than_max_parse_memory_is_one_line(store, tmp_path, name):
    bomb = tarball(tmp_path / "bomb.tgz", name, BOMBS[name])
    assert bomb.stat().st_size < 1024 * 1024
    done, report, peak = scan(store, bomb, leak(tmp_path),
                              options=("--max-parse-memory", str(MEMORY)))  # fmt: skip
    assert done.returncode == 1, done.stderr
    verdicts = {Path(c["target"]).name: c["verdict"] for c in report["candidates"]}
    assert verdicts == {"bomb.tgz": "incomplete", "leak": "derivative"}
    [line] = [line for line in done.stderr.splitlines() if "bomb.tgz" in line]
    assert f"package/{name}: not read: " in line and "max_parse_memory" in line, line
    assert peak < MEMORY // (1024 * 1024), f"{peak} MiB"


def test_a_large_map_of_few_values_is_still_read(store, tmp_path):
    """What is counted is values outside strings: a map of 16 MiB of embedded source (one
    string, whatever braces and commas it holds) is read under the same limit."""
    body = "var a = {b: [1, 2, 3], c: {d: 4}};\n" * (16 * 1024 * 1024 // 35)
    copied = (leak(tmp_path) / "journal.py").read_text()
    source_map = {"version": 3, "mappings": "", "sources": ["src/a.js", "src/journal.py"],
                  "sourcesContent": [body, copied]}  # fmt: skip
    bomb = tarball(tmp_path / "big.tgz", "dist/app.js.map", json.dumps(source_map).encode())
    done, report, _ = scan(store, bomb, options=("--max-parse-memory", str(MEMORY)))
    assert done.returncode == 1, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["derivative"]
    assert "max_parse_memory" not in done.stderr
