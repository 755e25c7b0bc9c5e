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

from scanner.sources.base import Problem
from scanner.sources.sourcemap import expand_source_map
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
import runpy, sys
peak_file = sys.argv.pop(1)
try:
    runpy.run_module("scanner", run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(peak_file, "w") as out:
        out.write(peak)
"""
"""The scan's own peak (kB): ``VmHWM``, its memory's high-water mark since its exec. Not
``ru_maxrss``, which Linux carries over an exec from the process that forked it: under the
whole suite, whose process holds 480 MiB, every scan measured at least that."""


Scanned = tuple[subprocess.CompletedProcess[str], dict, int]


def scan(store: Path, *targets: Path, options: tuple[str, ...] = ()) -> Scanned:
    """A scan in a child process (given ``options`` too): its result, its JSON report and its
    own peak memory (MiB)."""
    out, peak = store.parent / "report.json", store.parent / "peak"
    done = subprocess.run([sys.executable, "-c", _MEASURED, str(peak), "scan",
                           *map(str, targets), "--store", str(store), "--json", str(out),
                           "--results", str(store.parent / "r.db"), "--jobs", "1", *options],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    return done, json.loads(out.read_text()), int(peak.read_text()) // 1024


def map_folder(tmp_path: Path, source_map: dict) -> Path:
    """A folder ``dist`` holding ``app.js.map``."""
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "app.js.map").write_text(json.dumps(source_map))
    return folder


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
    done, report, peak = scan(store, map_folder(tmp_path, source_map))
    assert done.returncode == 1, done.stderr
    [candidate] = report["candidates"]
    assert {p["candidate_path"] for p in candidate["files"]} == {"app.js.map!/src/journal.py"}
    assert "app.js.map!/src/vendor.js: 16,777,216 bytes: scanned in" in done.stderr
    assert peak < 512, f"{peak} MiB"


def test_a_second_embedded_source_of_the_same_name_is_read_too(store, tmp_path):
    """Two sections of an indexed map (or `./src/a.py` beside `src/a.py`) may name the same
    path with other contents: the leak behind a harmless first entry is read, not passed over."""
    harmless = "def greet(name):\n    return 'hello ' + name\n"
    sections = [
        {
            "offset": {"line": n, "column": 0},
            "map": {
                "version": 3,
                "mappings": "",
                "sources": ["webpack:///./src/journal.py"],
                "sourcesContent": [text],
            },
        }
        for n, text in enumerate([harmless, JOURNAL])
    ]
    done, report, _ = scan(store, map_folder(tmp_path, {"version": 3, "sections": sections}))
    assert done.returncode == 1, done.stderr
    [candidate] = report["candidates"]
    assert {p["candidate_path"] for p in candidate["files"]} == {"app.js.map!/src/journal.py#2"}


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


def test_duplicate_entry_names_are_both_kept_each_with_its_own_hash(store, tmp_path):
    """Row 10: two zip entries of one name: both read, told apart, each with its own SHA-256."""
    import hashlib
    import warnings
    import zipfile

    path = tmp_path / "twice.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("pkg/money.py", "x = 1\n")
            archive.writestr("pkg/money.py", JOURNAL)
    done, report, _ = scan(store, path)
    assert done.returncode == 1, done.stderr
    [candidate] = report["candidates"]
    [pair] = candidate["files"]
    assert pair["candidate_path"] == "pkg/money.py#2"
    assert pair["candidate_sha256"] == hashlib.sha256(JOURNAL.encode()).hexdigest()


def test_every_entry_kind_counts_against_the_entry_cap(tmp_path):
    """Row 11: folders count too, so a million empty folders cannot make a scan crawl."""
    from scanner.sources import Archive, Limits

    many = io.BytesIO()
    with tarfile.open(fileobj=many, mode="w:gz") as archive:
        for i in range(2_000):
            info = tarfile.TarInfo(f"d{i}")
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
        data = JOURNAL.encode()
        info = tarfile.TarInfo("late/journal.py")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    path = tmp_path / "dirs.tgz"
    path.write_bytes(many.getvalue())
    capped = Archive(path, limits=Limits(max_files=1_000))
    assert list(capped.iter_files()) == []
    assert capped.problems[-1].partial and "more than 1,000 entries" in capped.problems[-1].message


def test_zip_entries_whose_mode_says_fifo_or_device_are_read_in_memory(tmp_path):
    """Row 12: a zip entry marked as a FIFO or a device is bytes in the zip, read in memory as
    the regular file zipfile and unzip extract (it never blocks: nothing is opened); one that
    holds nothing is noted."""
    import stat
    import zipfile

    from scanner.sources import Archive

    path = tmp_path / "modes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, mode in (("fifo.py", stat.S_IFIFO), ("dev.py", stat.S_IFCHR)):
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (mode | 0o644) << 16
            archive.writestr(info, "x = 1\n")
        info = zipfile.ZipInfo("empty.py")
        info.create_system = 3
        info.external_attr = (stat.S_IFIFO | 0o644) << 16
        archive.writestr(info, "")
        archive.writestr("ok.py", JOURNAL)
    found = Archive(path)
    assert [f.path for f in found.iter_files()] == ["fifo.py", "dev.py", "ok.py"]
    notes = {p.path: p.message for p in found.problems}
    special = "a device, FIFO or special file by its mode"
    read = "holding 6 bytes: read as the regular file zip tools extract"
    assert notes == {"fifo.py": f"{special}, {read}", "dev.py": f"{special}, {read}",
                     "empty.py": f"{special}, holding nothing"}  # fmt: skip


def test_a_character_device_in_a_candidate_folder_is_never_read(store, tmp_path):
    """Row 6: ``zero.py`` made as /dev/zero's twin would read forever: it is never opened."""
    import os
    import stat

    folder = leak(tmp_path)
    try:
        os.mknod(folder / "zero.py", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here")
    done, _, peak = scan(store, folder)
    assert done.returncode == 1
    assert "zero.py: a character device: not opened" in done.stderr
    assert peak < 512


def test_an_embedded_source_without_a_name_is_said_not_read_never_passed_over(store, tmp_path):
    """A ``sources`` entry that is not a string (``null``, a number, an empty string), or a
    ``sourcesContent`` longer than ``sources``: the content is there but what language it is
    cannot be told. Each is one line naming the map, and the candidate is ``incomplete``."""
    harmless = "def greet(name):\n    return 'hello ' + name\n"
    contents = [JOURNAL, harmless, JOURNAL, JOURNAL, JOURNAL, None]
    source_map = {"version": 3, "mappings": "", "sourcesContent": contents,
                  "sources": [None, "webpack:///./src/greet.py", 7, ""]}  # fmt: skip
    problems: list[Problem] = []
    files = list(expand_source_map("dist/app.js.map", json.dumps(source_map).encode(), problems))
    assert [f.path for f in files] == ["dist/app.js.map!/src/greet.py"]
    assert [(p.path, p.partial) for p in problems] == [("dist/app.js.map", True)] * 4
    assert [p.message.split(" has no name")[0] for p in problems] == [
        "embedded source #1",
        "embedded source #3",
        "embedded source #4",
        "embedded source #5",
    ]
    assert all(p.message.endswith("; not read") for p in problems)

    done, report, _ = scan(store, map_folder(tmp_path, source_map))
    assert done.returncode == 3, done.stderr
    [candidate] = report["candidates"]
    assert candidate["verdict"] == "incomplete"
    assert sum("app.js.map: embedded source #" in line for line in done.stderr.splitlines()) == 4
