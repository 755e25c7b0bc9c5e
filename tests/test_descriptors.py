"""A command run again and again in one process (a watch running for days, the suite's
in-process runs) leaves no descriptor open on the store: every SQLite connection an index opened
is closed, not left to the garbage collector (a ``sqlite3.Connection`` sits in a reference cycle
with its statement cache, so an unclosed one keeps its descriptors until a full collection)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from typer.testing import CliRunner

from fingerprints import open_store
from scanner.cli import app
from scanner.index import FingerprintIndex

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _on_store(db: Path) -> list[str]:
    """The descriptors this process holds on the store's database, WAL and shared memory (not
    its index file: memory maps, freed with the index)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target in (str(db), f"{db}-wal", f"{db}-shm"):
            held.append(target)
    return held


def test_repeated_scans_in_one_process_leave_no_descriptor_on_the_store(store, tmp_path):
    candidate = SAMPLES / "candidates" / "subset-copy"
    runner = CliRunner()
    args = ["scan", str(candidate), "--store", str(store), "--results", str(tmp_path / "r.db")]
    assert runner.invoke(app, args).exit_code == 1  # the index file written, the results made
    gc.collect()
    before = _on_store(store)
    gc.disable()  # what the collector would free some time later is not counted as freed
    try:
        for _ in range(4):
            assert runner.invoke(app, args).exit_code == 1
        after = _on_store(store)
    finally:
        gc.enable()
    assert sorted(after) == sorted(before)


def test_a_closed_index_holds_no_connection_and_opens_one_again_when_read(store):
    with open_store(store, read_only=True) as opened:
        index = FingerprintIndex.from_store(opened)
    before = _on_store(store)
    gc.disable()
    try:
        index.files[0], index.fingerprints(0), index.structure.structures(0)
        assert len(_on_store(store)) > len(before)
        index.close()
        assert sorted(_on_store(store)) == sorted(before)
        assert index.files[len(index.files) - 1].path  # read again: opened again
        index.close()
        assert sorted(_on_store(store)) == sorted(before)
    finally:
        gc.enable()
