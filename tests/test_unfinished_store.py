"""A store left by a fingerprint run killed before its end (the repository's first run never
finished: ``repos`` says "last fingerprinted: never") says so on every scan and guard, and a
candidate it would clear is ``incomplete``: a copy of a file the run never reached is not
``clear``. The run is a real ``leaktrace fingerprint`` process, killed once its first batch is
stored, while it works on hundreds of large files (seconds) before its second."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fingerprints.tree import BATCH_FILES
from tests.benchmarks.corpus import pypi_sdist

LEAKTRACE = [sys.executable, "-m", "scanner"]


def _stored_files(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            return int(connection.execute("SELECT count(*) FROM files").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def killed(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(the private tree, its store left by the killed run, a copy of an unreached file)."""
    root = tmp_path_factory.mktemp("unfinished")
    private = root / "acme-tools"
    sources = sorted((pypi_sdist("pip", "24.0") / "pip-24.0" / "src" / "pip")
                     .rglob("*.py"))  # fmt: skip
    sources = [p for p in sources if p.stat().st_size > 400]
    assert len(sources) > BATCH_FILES
    (private / "a").mkdir(parents=True)
    for number, path in enumerate(sources[:BATCH_FILES]):
        shutil.copy(path, private / "a" / f"m{number:04d}.py")
    # after the first batch, files that take the run seconds before its second batch is
    # stored: the largest of pip, each many times, each copy its own content (a line of its
    # own), so each is parsed (the run is killed once the first batch is in)
    large = [p.read_bytes() for p in sorted(sources, key=lambda p: p.stat().st_size)[-8:]]
    for number in range(2 * BATCH_FILES):
        data = large[number % len(large)] + f"\n# copy {number}\n".encode()
        (private / "a" / f"n{number:04d}.py").write_bytes(data)
    console = pypi_sdist("rich", "13.4.2") / "rich-13.4.2" / "rich" / "console.py"
    (private / "b").mkdir()
    shutil.copy(console, private / "b" / "late.py")  # never reached by the killed run
    store = root / "acme.db"
    process = subprocess.Popen([*LEAKTRACE, "fingerprint", str(private), "--store", str(store),
                                "--jobs", "1"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 300
    while _stored_files(store) < BATCH_FILES and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert _stored_files(store) == BATCH_FILES
    leak = root / "leak"
    leak.mkdir()
    shutil.copy(console, leak / "console.py")
    return private, store, leak


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LEAKTRACE, *map(str, args)], capture_output=True, text=True,
                          check=False, timeout=600, cwd=cwd)  # fmt: skip


def test_scan_and_guard_say_the_run_never_finished_and_clear_nothing(killed, tmp_path):
    private, store, leak = killed
    line = (f"{store}: repository 'acme-tools' was never fully fingerprinted ({BATCH_FILES} "
            "file(s) stored by a run that did not finish)")  # fmt: skip
    report = tmp_path / "r.json"
    done = _run("scan", leak, "--store", store, "--json", report, cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.count(line) == 1, done.stderr  # when the store is opened, not again
    assert f"'leaktrace fingerprint {private} --store {store} --name acme-tools'" in done.stderr
    [candidate] = json.loads(report.read_text())["candidates"]
    assert candidate["verdict"] == "incomplete"
    assert "never fully fingerprinted" in candidate["reasons"][0]
    done = _run("guard", leak, "--store", store, cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"FAIL unread                {leak}: {line}" in done.stdout
    assert (done.stdout + done.stderr).count(line) == 1  # once per artifact (it was 3 times)


def test_watch_says_the_run_never_finished_and_records_what_it_would_clear(killed, tmp_path):
    """watch on the same store says it once when it starts, and a publication it would clear is
    ``incomplete``, recorded with the reason (exit 3)."""
    from tests.servers import FakeFeeds

    private, store, _ = killed
    line = (f"{store}: repository 'acme-tools' was never fully fingerprinted ({BATCH_FILES} "
            "file(s) stored by a run that did not finish)")  # fmt: skip
    results = tmp_path / "r.db"
    with FakeFeeds() as feeds:
        feeds.publish_npm("unrelated", "1.0.0", {"index.js": b"module.exports = 1 + 1\n"})
        feeds.show()
        done = _run("watch", "--store", store, "--results", results, "--feed", "npm", "--once",
                    "--from-beginning", "--npm-changes", feeds.url, "--npm-registry", feeds.url,
                    cwd=tmp_path)  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.count(line) == 1, done.stderr
    assert f"'leaktrace fingerprint {private} --store {store} --name acme-tools'" in done.stderr
    with sqlite3.connect(results) as db:
        [(target, verdict, data)] = db.execute("SELECT target, verdict, data FROM candidates")
    assert (target, verdict) == ("npm:unrelated@1.0.0", "incomplete")
    assert "never fully fingerprinted" in json.loads(data)["reasons"][0]


def test_once_the_run_is_finished_the_copy_is_found_and_nothing_is_said(killed, tmp_path):
    private, store, leak = killed
    finished = tmp_path / "acme.db"
    shutil.copy(store, finished)
    done = _run("fingerprint", private, "--store", finished, "--jobs", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = _run("scan", leak, "--store", finished, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "never fully fingerprinted" not in done.stdout + done.stderr
