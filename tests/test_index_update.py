"""The persistent index is updated, not rebuilt, when files are added, changed or removed and
when reference sources are learned: the updated index is the one a build from the store alone
writes, array for array, and a process killed mid-update leaves a store and index that the next
command detects and repairs with one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from fingerprints import open_store
from scanner.cli import app
from scanner.index_file import IndexFile, index_path, write_index
from tests.conftest import SAMPLES
from tests.test_index_file import EXPECTED, PUBLIC, REFERENCES
from tests.test_index_file import scan_json as scan

runner = CliRunner()
NEW_MODULE = '''
def settle(batches, ledger, *, currency="EUR"):
    """Settle every open batch against the ledger, oldest first."""
    settled = []
    for batch in sorted(batches, key=lambda b: (b.opened_at, b.id)):
        if batch.currency != currency or batch.closed:
            continue
        total = sum(entry.amount for entry in batch.entries)
        ledger.post(batch.account, -total, memo=f"settlement {batch.id}")
        settled.append((batch.id, total))
    return settled
'''


def content(index) -> tuple[dict, dict[str, bytes]]:
    opened = IndexFile.open(index)
    return opened.header, {name: array.tobytes() for name, array in opened.arrays.items()}


def rebuilt(store_path, tmp_path) -> tuple[dict, dict[str, bytes]]:
    """The index a build from the store alone writes (no old index to start from)."""
    full = tmp_path / "full.index"
    with open_store(store_path) as store:
        assert write_index(store, full, update=False).updated is None
    return content(full)


def fingerprint(tree, store_path, *extra: str) -> str:
    done = runner.invoke(app, ["fingerprint", str(tree), "--store", str(store_path),
                               "--jobs", "1", *extra])  # fmt: skip
    assert done.exit_code == 0, done.output
    return done.output


@pytest.fixture
def tree(tmp_path):
    """A private tree the test may change, and its store (with the samples' public code)."""
    tree = tmp_path / "acme-ledger"
    shutil.copytree(SAMPLES / "private" / "acme-ledger", tree)
    public = tmp_path / "public" / PUBLIC.name
    shutil.copytree(PUBLIC, public)
    store_path = tmp_path / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(tree), "--public", str(public),
                               "--store", str(store_path), "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "built in" in done.output
    return tree, store_path


@pytest.mark.parametrize("partition", [None, 64])
def test_add_change_remove_and_learn_update_the_index_to_what_a_build_writes(
    tree, tmp_path, monkeypatch, partition
):
    import scanner.index_file as index_file

    if partition:  # partitions of 64 entries: dozens of them, merged one by one
        monkeypatch.setattr(index_file, "PARTITION", partition)
        monkeypatch.setattr(index_file, "CHUNK", partition)
        fingerprint(tree[0], tree[1])  # the fixture's index had one partition
    tree, store_path = tree
    package = tree / "acme_ledger"
    public = tmp_path / "public" / PUBLIC.name
    steps = {
        # new content sharing fingerprints with kept files (equal hashes: ordered by file id)
        "added": lambda: (
            (package / "settlement.py").write_text(NEW_MODULE + (package / "money.py").read_text()),
            # the same content as a stored file: one more place, no new distinct file
            shutil.copy(package / "tax.py", package / "tax_copy.py"),
        ),
        "changed": lambda: (package / "accounts.py").write_text(  # its id stays, before tax.py's
            (package / "accounts.py").read_text() + (package / "tax.py").read_text()
        ),
        "removed": lambda: (package / "reconciliation.py").unlink(),
        # the public code's hashes and structures are computed again when it changes
        "public": lambda: (public / "acme_pay_sdk" / "pagination.py").write_text(NEW_MODULE),
    }
    expected_counts = {"added": ", 1 added, 0 removed", "changed": ", 1 added, 1 removed",
                       "removed": ", 0 added, 1 removed",
                       "public": ", 0 added, 0 removed"}  # fmt: skip
    for name, change in steps.items():
        change()
        output = fingerprint(tree, store_path, "--public", str(public))
        assert "updated in" in output and expected_counts[name] in output, (name, output)
        assert content(index_path(store_path)) == rebuilt(store_path, tmp_path), name
    # learning a reference source changes the reference arrays and the inventory only
    done = runner.invoke(app, ["background", *REFERENCES, "--store", str(store_path),
                               "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "updated in" in done.output and ", 0 added, 0 removed" in done.output
    assert content(index_path(store_path)) == rebuilt(store_path, tmp_path)
    # the results with the updated index are those with an index built from the store alone
    updated, _ = scan(store_path, tmp_path, "updated")
    with open_store(store_path) as store:
        write_index(store, update=False)
    built, output = scan(store_path, tmp_path, "built")
    assert ": index " not in output  # fresh: nothing rebuilt or updated
    assert updated == built
    assert {c["target"].rsplit("/", 1)[-1]: c["verdict"] for c in built} == {
        name: case["verdict"] for name, case in EXPECTED["candidates"].items()
    }


KILLED_MID_UPDATE = """
import os, signal, sys
import numpy as np
import scanner.index_file as index_file

def merge(self, out, *args, **kwargs):
    out.write("starts", 0, np.arange(10, dtype=np.int64))  # half an index on disk
    os.kill(os.getpid(), signal.SIGKILL)

index_file._Carry.merge = merge
from scanner.cli import app
sys.argv = ["leaktrace", "fingerprint", sys.argv[1], "--store", sys.argv[2], "--jobs", "1"]
app()
"""


def test_a_process_killed_mid_update_leaves_an_index_that_is_detected_and_updated(tree, tmp_path):
    tree, store_path = tree
    done = runner.invoke(app, ["background", *REFERENCES, "--store", str(store_path)])
    assert done.exit_code == 0, done.output
    old = index_path(store_path).read_bytes()
    (tree / "acme_ledger" / "settlement.py").write_text(NEW_MODULE)
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_UPDATE, str(tree), str(store_path)],
                            capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"},
                            timeout=300)  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    # the store has the new file; the index beside it is the old one, whole; the half-written
    # new one is left under its temporary name
    assert index_path(store_path).read_bytes() == old
    orphans = list(tmp_path.glob("acme.db.index.tmp*"))
    assert len(orphans) == 1
    with open_store(store_path, read_only=True) as store:
        assert not IndexFile.open(index_path(store_path)).matches(
            store.stamp(), store.params.identity()
        )
    after, output = scan(store_path, tmp_path, "after")
    lines = [line for line in output.splitlines() if ": index " in line]
    assert len(lines) == 1, output
    assert "index stale (the store changed since it was built); updated" in lines[0]
    assert "1 added, 0 removed" in lines[0]
    assert not orphans[0].exists()
    assert content(index_path(store_path)) == rebuilt(store_path, tmp_path)
    with open_store(store_path) as store:
        write_index(store, update=False)
    built, _ = scan(store_path, tmp_path, "built")
    assert after == built
