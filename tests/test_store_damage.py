"""A store that cannot be written or is damaged, and a report that cannot be written (issue 11,
row 14): scanning works from read-only media; a damaged store is one clear line naming the file
and what is wrong (exit 2), never "internal error"; a full disk leaves no half-written report."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scanner.reports
from scanner.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_text()


@pytest.fixture
def store(tmp_path):
    db = tmp_path / "store" / "store.db"
    db.parent.mkdir()
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db)])
    assert done.exit_code == 0, done.output
    return db


@pytest.fixture
def leak(tree):
    return tree("leak", {"copy/journal.py": JOURNAL})


def _scan(store: Path, leak: Path, tmp_path: Path, *more: str):
    return runner.invoke(app, ["scan", str(leak), "--store", str(store), "--results",
                               str(tmp_path / "results.db"), *more])  # fmt: skip


def _one_damage_line(output: str, store: Path, what: str) -> None:
    lines = [line for line in output.splitlines() if line.startswith("leaktrace:")]
    assert len(lines) == 1, output
    assert lines[0].startswith(f"leaktrace: {store}: damaged store: ") and what in lines[0], output
    assert "internal error" not in output


def test_params_missing_from_meta(store, leak, tmp_path):
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM meta WHERE key = 'params'")
    done = _scan(store, leak, tmp_path)
    assert done.exit_code == 2
    _one_damage_line(done.output, store, "'params' is missing from meta")


def test_a_fingerprint_record_of_the_wrong_length_names_its_file(store, leak, tmp_path):
    with sqlite3.connect(store) as db:
        db.execute("UPDATE files SET fingerprints = substr(fingerprints, 2)"
                   " WHERE path = 'acme_ledger/journal.py'")  # fmt: skip
    done = _scan(store, leak, tmp_path)
    assert done.exit_code == 2
    _one_damage_line(done.output, store, "'acme_ledger/journal.py'")


def test_a_flipped_bit_in_a_page_of_fingerprints(store, leak, tmp_path):
    with sqlite3.connect(store) as db:
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'files'").fetchone()
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
    data = bytearray(store.read_bytes())
    data[(root - 1) * page_size] ^= 0x04  # the b-tree page's type: leaf <-> interior
    store.write_bytes(bytes(data))
    done = _scan(store, leak, tmp_path)
    assert done.exit_code == 2
    _one_damage_line(done.output, store, "database disk image is malformed")


def _read_only_scan(store: Path, leak: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """``leaktrace scan`` with the store's folder on read-only media: a read-only bind mount in
    a private mount namespace when run as root (root ignores file modes), else file modes."""
    command = [sys.executable, "-m", "scanner", "scan", str(leak), "--store", str(store),
               "--results", str(tmp_path / "results.db")]  # fmt: skip
    if os.geteuid() != 0:
        store.chmod(0o444)
        store.parent.chmod(0o555)
        try:
            return subprocess.run(command, capture_output=True, text=True, check=False)
        finally:
            store.parent.chmod(0o755)
    if not shutil.which("unshare"):
        pytest.skip("needs unshare to mount read-only media as root")
    folder = str(store.parent)
    script = (f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} && "
              f"! touch {folder}/probe 2>/dev/null && exec \"$@\"")  # fmt: skip
    done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *command],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode not in (0, 1) and "leaktrace" not in done.stderr:
        pytest.skip(f"cannot mount read-only media here: {done.stderr.strip()}")
    return done


def test_scanning_with_a_store_on_read_only_media(store, leak, tmp_path):
    before = sorted(p.name for p in store.parent.iterdir())
    done = _read_only_scan(store, leak, tmp_path)
    assert done.returncode == 1, done.stderr  # derivative
    assert "unable to open" not in done.stderr
    assert sorted(p.name for p in store.parent.iterdir()) == before  # nothing written there


def test_a_full_disk_leaves_no_part_file_and_the_old_report(store, leak, tmp_path, monkeypatch):
    def full_disk(report, out, sources):
        out.write("<!doctype html>" * 1000)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setitem(scanner.reports.WRITERS, "html", full_disk)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "report.html").write_text("the previous report\n")
    done = _scan(store, leak, tmp_path, "--html", str(reports / "report.html"),
                 "--json", str(reports / "report.json"))  # fmt: skip
    assert done.exit_code == 2, done.output
    line = next(x for x in done.output.splitlines() if x.startswith("leaktrace:"))
    assert f"{reports / 'report.html'}: cannot write the report (No space left on device)" in line
    assert "leaktrace report 1 --out FILE" in line  # the run is kept: write it again later
    assert sorted(p.name for p in reports.iterdir()) == ["report.html", "report.json"]
    assert (reports / "report.html").read_text() == "the previous report\n"
    assert (reports / "report.json").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
