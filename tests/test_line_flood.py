"""One file gives a bounded number of lines: a bundle of 36,000 ``sourceMappingURL=data:`` that
are no maps (1 MB) gave 36,000 lines, and 10 MB of them 360,000 lines, a 117 MB JSON report, an
87 MB results database and 547 MB of peak memory (a 256 KB .tgz holds 256 MB of them). The first
lines are shown, one more counts the rest, and the candidate is ``incomplete`` as before."""

from __future__ import annotations

import json

from tests.test_hostile import JOURNAL, scan

COPIES = 20_000


def test_inline_maps_that_are_no_maps_give_a_bounded_number_of_lines(store, tmp_path):
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "app.js").write_bytes(b"//# sourceMappingURL=data:,x\n" * COPIES)
    (folder / "journal.py").write_text(JOURNAL)
    done, report, _ = scan(store, folder)
    assert done.returncode == 1, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "app.js" in line]
    assert 1 < len(lines) <= 25, len(lines)
    assert f"{COPIES - len(lines) + 1:,} more" in lines[-1], lines[-1]
    assert len(json.dumps(report)) < 100_000


def test_a_map_of_many_nameless_sources_gives_a_bounded_number_of_lines(store, tmp_path):
    folder = tmp_path / "dist"
    folder.mkdir()
    source_map = {"version": 3, "mappings": "", "sources": [], "sourcesContent": ["x"] * COPIES}
    (folder / "app.js.map").write_text(json.dumps(source_map))
    done, report, _ = scan(store, folder)
    assert done.returncode == 3, done.stderr[-2000:]
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    lines = [line for line in done.stderr.splitlines() if "app.js.map" in line]
    assert 1 < len(lines) <= 25, len(lines)
    assert f"{COPIES - len(lines) + 1:,} more" in lines[-1], lines[-1]


def test_a_notebook_of_many_cells_whose_source_is_no_text_gives_a_bounded_number_of_lines(
    store, tmp_path
):
    folder = tmp_path / "nb"
    folder.mkdir()
    cells = [{"cell_type": "code", "source": 1, "outputs": []}] * COPIES
    (folder / "work.ipynb").write_text(json.dumps({"nbformat": 4, "metadata": {}, "cells": cells}))
    done, _, _ = scan(store, folder)
    assert done.returncode == 3, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "work.ipynb" in line]
    assert 1 < len(lines) <= 25, len(lines)
    assert f"{COPIES - len(lines) + 1:,} more" in lines[-1], lines[-1]


def test_an_archive_of_many_links_gives_a_bounded_number_of_notes(store, tmp_path):
    """Links, unsafe names and decoded encodings are notes, which lose nothing: 199,000 links
    named ``../lN.py`` in a 935 KB .tgz gave 398,000 lines, a 54 MB JSON report and 340 MB of
    peak memory. Past the first ones they are only counted."""
    import tarfile

    path = tmp_path / "links.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for i in range(COPIES // 4):
            info = tarfile.TarInfo(f"../l{i}.py")
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            archive.addfile(info)
    done, report, _ = scan(store, path)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) <= 210, len(lines)
    assert "more notes" in lines[-2], lines[-3:]
    assert len(json.dumps(report)) < 100_000
