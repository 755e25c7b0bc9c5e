"""Hostile carriers (issue 11, rows 3-5): huge tar headers, a huge source map, JSON nested too
deep. Each is one line, the private copy scanned in the same command is still derivative, and
the whole scan of an input of at most 1 MB stays under 512 MB."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

PRIVATE = SAMPLES / "private" / "acme-ledger"
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_text()
LEAKTRACE = [sys.executable, "-m", "scanner"]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "store.db"
    subprocess.run([*LEAKTRACE, "fingerprint", str(PRIVATE), "--store", str(db)], check=True,
                   capture_output=True)  # fmt: skip
    return db


def leak(tmp_path: Path) -> Path:
    folder = tmp_path / "leak"
    folder.mkdir()
    (folder / "journal.py").write_text(JOURNAL)
    return folder


_MEASURED = """
import resource, runpy, sys
peak_file = sys.argv.pop(1)
try:
    runpy.run_module("scanner", run_name="__main__")
finally:
    with open(peak_file, "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def scan(store: Path, *targets: Path) -> tuple[subprocess.CompletedProcess[str], dict, int]:
    """A scan in a child process: its result, its JSON report and its own peak memory (MiB)."""
    out, peak = store.parent / "report.json", store.parent / "peak"
    done = subprocess.run([sys.executable, "-c", _MEASURED, str(peak), "scan",
                           *map(str, targets), "--store", str(store), "--json", str(out),
                           "--results", str(store.parent / "r.db"), "--jobs", "1"],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    return done, json.loads(out.read_text()), int(peak.read_text()) // 1024


def huge_header_tar(path: Path, kind: bytes, declared: int) -> Path:
    """A .tar.gz whose first header (GNU long name ``L`` or PAX ``x``) declares ``declared``
    bytes, and really holds them (they compress to almost nothing)."""
    header = tarfile.TarInfo("././@LongLink" if kind == tarfile.GNUTYPE_LONGNAME else "pax")
    header.type = kind
    header.size = declared
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(header.tobuf(format=tarfile.GNU_FORMAT))
        chunk = (b"a" if kind == tarfile.GNUTYPE_LONGNAME else b"9 a=b\n") * (1 << 20)
        for _ in range(declared // len(chunk)):
            out.write(chunk)
        out.write(b"\0" * (512 - declared % 512 if declared % 512 else 0))
        member = tarfile.TarInfo("x.py")
        member.size = 6
        out.write(member.tobuf() + b"x = 1\n".ljust(512, b"\0") + b"\0" * 1024)
    return path


@pytest.mark.parametrize("kind", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE], ids=["gnu", "pax"])
def test_a_huge_tar_header_is_one_line_and_costs_no_memory(store, tmp_path, kind):
    bomb = huge_header_tar(tmp_path / "bomb.tar.gz", kind, 120 * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024
    done, report, peak = scan(store, bomb, leak(tmp_path))
    assert done.returncode == 1, done.stderr
    verdicts = {Path(c["target"]).name: c["verdict"] for c in report["candidates"]}
    assert verdicts == {"bomb.tar.gz": "incomplete", "leak": "derivative"}
    lines = [line for line in done.stderr.splitlines() if "bomb.tar.gz" in line]
    assert len(lines) == 1 and "header of 125,829,120 bytes" in lines[0], lines
    assert peak < 512, f"{peak} MiB"
    assert len(json.dumps(report)) < 100_000


def test_a_source_map_nested_too_deep_is_one_line(store, tmp_path):
    folder = tmp_path / "maps"
    folder.mkdir()
    (folder / "app.js.map").write_text("[" * 200_000)
    done, report, _ = scan(store, folder, leak(tmp_path))
    assert done.returncode == 1
    [line] = [line for line in done.stderr.splitlines() if "app.js.map" in line]
    assert "not a valid source map" in line
    assert {c["verdict"] for c in report["candidates"]} == {"incomplete", "derivative"}


def test_a_huge_source_map_is_read_in_windows_and_finds_the_copy(store, tmp_path):
    bundle = "var a=1;" * (2 * 1024 * 1024)  # 16 MB of one embedded file
    source_map = {"version": 3, "file": "app.js", "mappings": "",
                  "sources": ["webpack:///./src/vendor.js", "webpack:///./src/journal.py"],
                  "sourcesContent": [bundle, JOURNAL]}  # fmt: skip
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "app.js.map").write_text(json.dumps(source_map))
    done, report, peak = scan(store, folder)
    assert done.returncode == 1, done.stderr
    [candidate] = report["candidates"]
    assert {p["candidate_path"] for p in candidate["files"]} == {"app.js.map!/src/journal.py"}
    assert "app.js.map!/src/vendor.js: 16,777,216 bytes: scanned in" in done.stderr
    assert peak < 512, f"{peak} MiB"


def test_inputs_of_at_most_1_mb_stay_under_512_mb(store, tmp_path):
    """A few small hostile inputs at once: nested JSON, many entries, a ratio bomb."""
    folder = tmp_path / "small"
    folder.mkdir()
    (folder / "deep.ipynb").write_text('{"cells": ' + "[" * 100_000)
    many = io.BytesIO()
    with tarfile.open(fileobj=many, mode="w:gz") as archive:
        for i in range(20_000):
            info = tarfile.TarInfo(f"d/{i}")
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
    (folder / "many.tgz").write_bytes(many.getvalue())
    assert sum(p.stat().st_size for p in folder.iterdir()) < 1024 * 1024
    done, _, peak = scan(store, folder)
    assert done.returncode == 3, done.stderr
    assert peak < 512, f"{peak} MiB"
