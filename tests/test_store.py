from __future__ import annotations

import os
import sqlite3
from pathlib import Path, PurePosixPath

import numpy as np
import pytest

from fingerprints import (
    FingerprintParams,
    NotAStoreError,
    StoreError,
    StoreVersionError,
    fingerprint_tree,
    minhash,
    open_store,
)
from fingerprints.signature import from_bytes
from fingerprints.store import SCHEMA_VERSION
from tests.code import GO, PYTHON


def test_round_trip(tree, tmp_path):
    repo = tree("repo", {"ledger.py": PYTHON, "svc/batch.go": GO, "notes.txt": "hello"})
    with open_store(tmp_path / "s.db", create=True) as store:
        summary = fingerprint_tree(repo, store, name="acme")
        assert summary.fingerprinted == 2 and summary.unknown_language == 1
    with open_store(tmp_path / "s.db") as store:
        files = {f.path: f for f in store.iter_files()}
        assert set(files) == {"ledger.py", "svc/batch.go"}
        fps = files["ledger.py"].fingerprints
        assert fps.shape[0] > 5
        assert np.all(fps["line_start"] >= 1) and np.all(fps["line_end"] <= PYTHON.count("\n"))
        assert np.all(np.diff(fps["pos"].astype(int)) > 0)
        signature = from_bytes(store.signature_bytes(files["ledger.py"].id))
        assert signature.jaccard(minhash(fps["hash"], 128, 1)) == 1.0
        [repo_info] = store.repos()
        assert (repo_info.name, repo_info.files, repo_info.public) == ("acme", 2, False)
        assert store.params == FingerprintParams()


def test_store_holds_no_source_text(tree, tmp_path):
    secret_identifier = "reconcile_wire_transfer_batch_v7"
    secret_string = "ACME-INTERNAL-ROUTING-KEY-93f1"
    source = PYTHON + f'\n\ndef {secret_identifier}(x):\n    return x + "{secret_string}"\n'
    repo = tree("repo", {"core.py": source, "svc/batch.go": GO})
    db = tmp_path / "s.db"
    with open_store(db, create=True) as store:
        fingerprint_tree(repo, store)
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("s.db*"))
    for needle in (
        secret_identifier,
        secret_string,
        "trial_balance",
        "LedgerError",
        "entry does not balance",
        "ErrClosed",
        "batch is closed",
        "setdefault",
    ):
        assert needle.encode() not in blob, needle
        assert needle.encode("utf-16-le") not in blob, needle


def test_only_changed_files_are_redone(tree, tmp_path):
    repo = tree("repo", {"a.py": PYTHON, "b.go": GO, "c.py": "x = 1\n" * 50})
    with open_store(tmp_path / "s.db", create=True) as store:
        first = fingerprint_tree(repo, store)
        assert first.fingerprinted == 3
        again = fingerprint_tree(repo, store)
        assert (again.fingerprinted, again.unchanged) == (0, 3)
        (repo / "b.go").write_text(GO.replace("positive", "strictly positive"))
        os.utime(repo / "a.py", ns=(1, 1))  # touched, same content: read, hashed, not stored anew
        (repo / "c.py").unlink()
        third = fingerprint_tree(repo, store)
        assert (third.fingerprinted, third.unchanged, third.removed) == (1, 1, 1)
        assert {f.path for f in store.iter_files()} == {"a.py", "b.go"}


def test_interrupted_run_leaves_a_consistent_store(tree, tmp_path, monkeypatch):
    import fingerprints.tree as tree_module

    monkeypatch.setattr(tree_module, "BATCH_FILES", 3)
    files = {f"m{i:02}.py": PYTHON.replace("LedgerError", f"LedgerError{i}") for i in range(10)}
    repo = tree("repo", files)
    db = tmp_path / "s.db"
    seen = []

    def interrupt(path: str) -> None:
        seen.append(path)
        if len(seen) == 8:
            raise KeyboardInterrupt

    with open_store(db, create=True) as store, pytest.raises(KeyboardInterrupt):
        fingerprint_tree(repo, store, on_file=interrupt)
    with open_store(db) as store:
        stored = [f.path for f in store.iter_files()]
        assert stored == sorted(files)[:6]  # two full batches, nothing half-written
        assert all(f.fingerprints.shape[0] > 0 for f in store.iter_files())
        resumed = fingerprint_tree(repo, store)
        assert (resumed.fingerprinted, resumed.unchanged) == (4, 6)


def test_refuses_what_is_not_a_store(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just text\n")
    with pytest.raises(NotAStoreError, match="not a leaktrace store"):
        open_store(text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(NotAStoreError, match="no leaktrace metadata"):
        open_store(other, create=True)
    with pytest.raises(StoreError, match="no such store"):
        open_store(tmp_path / "missing.db")


def test_refuses_newer_schema_and_other_params(tmp_path):
    db = tmp_path / "s.db"
    open_store(db, create=True).close()
    with pytest.raises(StoreVersionError, match="use a new store"):
        open_store(db, FingerprintParams(k=30))
    con = sqlite3.connect(db)
    con.execute(
        "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
    )
    con.commit()
    con.close()
    with pytest.raises(StoreVersionError, match="newer"):
        open_store(db)


def test_private_side_skips_what_the_company_did_not_write(tree, tmp_path):
    minified = "var a=1;" + ";".join(f"function f{i}(x){{return x+{i}}}" for i in range(400))
    repo = tree("repo", {
        "app.py": PYTHON,
        "node_modules/lib/index.js": "module.exports = 1;\n",
        "pkg/_vendor/six.py": "x = 1\n",
        "api_pb2.py": "# Generated by the protocol buffer compiler.  DO NOT EDIT!\nx = 1\n",
        "gen.go": "// Code generated by stringer. DO NOT EDIT.\npackage x\n",
        "static/app.min.js": minified,
        "static/bundle.js": minified,
        "package-lock.json": "{}",
    })  # fmt: skip
    with open_store(tmp_path / "s.db", create=True) as store:
        summary = fingerprint_tree(repo, store)
        reasons = dict(summary.skipped)
    assert summary.fingerprinted == 1
    assert reasons["node_modules/"] == "vendored third-party folder"
    assert reasons["pkg/_vendor/"] == "vendored third-party folder"
    assert reasons["api_pb2.py"].startswith("generated")
    assert reasons["gen.go"].startswith("generated")
    assert reasons["static/app.min.js"] == reasons["static/bundle.js"] == "minified file"


def test_longest_line_is_the_longest_of_the_split_lines():
    """``policy.longest_line`` (newline positions, vectorized) gives what splitting the lines
    gives, on every file of the samples and on the edges: no newline, newlines first and last,
    CRLF, a long line first, in the middle or last."""
    from fingerprints.policy import is_minified, longest_line
    from tests.conftest import SAMPLES

    long = b"x=1;" * 1300
    edges = [b"", b"\n", b"\n\n", b"a", b"a\n", b"\na", long, long + b"\n", b"\n" + long,
             long + b"\nshort\n", b"short\n" + long, b"a\r\nbc\r\n" * 2000 + long + b"\r\n",
             b"a\n" * 3000 + long, b"a\n" * 3000 + long + b"\n" + b"b\n" * 3000]  # fmt: skip
    files = [path.read_bytes() for path in sorted(SAMPLES.rglob("*")) if path.is_file()]
    assert len(files) > 20
    for data in [*edges, *files]:
        assert longest_line(data) == max(map(len, data.split(b"\n"))), data[:40]
        split = len(data) > 5000 and max(map(len, data.split(b"\n"))) > 5000
        ratio = len(data) > 2000 and len(data) / (data.count(b"\n") + 1) > 300
        assert is_minified(PurePosixPath("a.js"), data) == (len(data) > 2000 and (ratio or split))


def test_a_line_over_the_limit_is_found_without_numpy_where_every_block_has_a_newline():
    """``policy.has_line_over`` answers what ``longest_line`` says, a line of any length at any
    offset around its blocks' edges; and code, whose every block holds a newline, is judged not
    minified without numpy (the calling process of ``fingerprint`` asks before numpy is
    imported, on a thread it then waited for)."""
    import subprocess
    import sys

    from fingerprints.policy import has_line_over, longest_line

    for limit in (1, 2, 7, 5000):
        for length in {0, 1, limit - 1, limit, limit + 1, limit + 2, 2 * limit, 3 * limit + 1}:
            for before in (0, 1, limit // 2, limit // 2 + 1, limit):
                for data in (b"a\n" * before + b"x" * length, b"\n" * before + b"x" * length
                             + b"\nyz\n" * 3):  # fmt: skip
                    assert has_line_over(data, limit) == (longest_line(data) > limit), (
                        limit, length, before)  # fmt: skip
    code = ("import sys\nfrom pathlib import PurePosixPath\n"
            "from fingerprints.policy import is_minified\n"
            f"data = {PYTHON!r}.encode() * 20\n"
            "assert len(data) > 5000 and not is_minified(PurePosixPath('a.py'), data)\n"
            "print('numpy' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.split() == ["False"]


def test_bad_files_get_one_line_each_and_the_run_goes_on(tree, tmp_path):
    repo = tree("repo", {
        "good.py": PYTHON,
        "binary.py": b"\x00\x01\x02binary",
        "latin1.py": "name = 'caf\xe9'\n".encode("latin-1") + PYTHON.encode(),
        "broken.py": "def broken(:\n    pass\n" + PYTHON,
        "empty.go": "",
        "huge.c": "int x;\n" * 200_000,
    })  # fmt: skip
    unreadable = repo / "locked.py"
    unreadable.write_text(PYTHON)
    unreadable.chmod(0)
    problems = []
    params = FingerprintParams(max_file_bytes=1_000_000)
    with open_store(tmp_path / "s.db", params, create=True) as store:
        summary = fingerprint_tree(repo, store, on_problem=lambda p, m: problems.append((p, m)))
        stored = {f.path for f in store.iter_files()}
    messages = dict(problems)
    assert messages["binary.py"].startswith("binary file")
    assert "UTF-8" in messages["latin1.py"]
    assert "syntax error near line 1" in messages["broken.py"]
    assert messages["empty.go"] == "empty file"
    assert messages["huge.c"].startswith("larger than the size cap")
    if os.geteuid() != 0:  # root reads everything
        assert messages["locked.py"].startswith("cannot read")
    assert {"good.py", "latin1.py", "broken.py"} <= stored
    assert len(problems) == len(messages)  # one line per file
    assert summary.fingerprinted >= 3


def test_schema_is_numbered(tmp_path: Path):
    with open_store(tmp_path / "s.db", create=True):
        pass
    meta = dict(sqlite3.connect(tmp_path / "s.db").execute("SELECT key, value FROM meta"))
    assert meta["format"] == "leaktrace-store"
    assert int(meta["schema_version"]) == SCHEMA_VERSION


def test_private_files_and_repo_names_are_known_without_counting_every_file(tree, tmp_path):
    public = tree("sdk", {"client.py": PYTHON})
    private = tree("core", {"svc/batch.go": GO})
    with open_store(tmp_path / "s.db", create=True) as store:
        assert not store.has_private_files()
        fingerprint_tree(public, store, name="sdk", public=True)
        assert not store.has_private_files()  # public code only: nothing could be found
        fingerprint_tree(private, store, name="core")
        assert store.has_private_files()
        assert store.repo_names() == {repo.id: repo.name for repo in store.repos()}


KILLED_IN_BULK = """import os, signal, sys
from pathlib import Path
import fingerprints.tree as tree_module
from fingerprints import fingerprint_tree, open_store
tree_module.BATCH_FILES = 3
seen = []
def kill(path):
    seen.append(path)
    if len(seen) == 8:
        os.kill(os.getpid(), signal.SIGKILL)
with open_store(Path(sys.argv[2]), create=True) as store:
    fingerprint_tree(Path(sys.argv[1]), store, on_file=kill)
"""


def test_batches_committed_without_waiting_for_the_disk_survive_a_killed_process(tree, tmp_path):
    """``fingerprint`` commits its batches with ``synchronous = NORMAL`` (no disk sync per batch,
    ``SQLiteStore.bulk``): a process killed mid-run still leaves every committed batch, and the
    store goes back to full syncs once the run is over."""
    import signal
    import subprocess
    import sys

    files = {f"m{i:02}.py": PYTHON.replace("LedgerError", f"LedgerError{i}") for i in range(10)}
    repo = tree("repo", files)
    db = tmp_path / "s.db"
    killed = subprocess.run([sys.executable, "-c", KILLED_IN_BULK, str(repo), str(db)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with open_store(db) as store:
        assert [f.path for f in store.iter_files()] == sorted(files)[:6]  # two batches of 3
        full = store._db.execute("PRAGMA synchronous").fetchone()[0]
        with store.bulk():
            assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            resumed = fingerprint_tree(repo, store)
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == full
    assert (resumed.fingerprinted, resumed.unchanged) == (4, 6)


def test_bulk_syncs_the_wal_even_when_a_reader_keeps_the_checkpoint_from_copying(
        tree, tmp_path, monkeypatch):  # fmt: skip
    """The batches ``bulk`` committed without waiting for the disk are synced on the way out,
    before an index stamped with the store's generation is built from them: the checkpoint
    syncs the WAL only when it copies frames, and a reader's snapshot (``scan`` reading the
    same store) keeps it from copying any; the WAL is then synced by hand."""
    import sqlite3

    repo = tree("repo", {"a.py": PYTHON})
    db = tmp_path / "s.db"
    synced: list[str] = []
    fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    with open_store(db, create=True) as store:
        reader = sqlite3.connect(db)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM files").fetchone()  # a snapshot held
        monkeypatch.setattr(os, "fsync", recording)
        with store.bulk():
            fingerprint_tree(repo, store)
        monkeypatch.undo()
        reader.rollback()
        reader.close()
    assert any(path.endswith("s.db-wal") for path in synced), synced


def test_fingerprint_builds_the_index_while_the_wal_is_synced_and_publishes_it_after(
        tree, tmp_path, monkeypatch):  # fmt: skip
    """``settle_later``: the run's batches are checkpointed and synced on a thread while the
    index is built from them (the sync is mostly a wait for the disk, 25 to 35 ms of pip's
    tail); the index is published only once they are durable, and a sync that fails is the
    same error, raised where the index would have been published, with no index left."""
    import errno
    import threading

    from scanner import index_file

    repo = tree("repo", {"a.py": PYTHON})
    building = threading.Event()
    order: list[str] = []
    fsync, build, replace = os.fsync, index_file._build, os.replace

    def syncing(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("s.db-wal"):
            assert building.wait(10), "the index was not built while the WAL was synced"
            order.append("WAL synced")
        fsync(fd)

    def building_index(*args: object) -> object:
        building.set()
        return build(*args)

    def publishing(source: object, target: object) -> None:
        order.append(f"published {Path(str(target)).name}")
        replace(source, target)

    monkeypatch.setattr(os, "fsync", syncing)
    monkeypatch.setattr(index_file, "_build", building_index)
    monkeypatch.setattr(os, "replace", publishing)
    with open_store(tmp_path / "s.db", create=True) as store:
        fingerprint_tree(repo, store, settle_later=True)
        index_file.write_index(store)
    assert order == ["WAL synced", "published s.db.index"]

    def failing(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("t.db-wal"):
            raise OSError(errno.EIO, "Input/output error")
        fsync(fd)

    monkeypatch.setattr(os, "fsync", failing)
    store = open_store(tmp_path / "t.db", create=True)
    fingerprint_tree(repo, store, settle_later=True)
    with pytest.raises(StoreError, match="could not make the stored batches durable"):
        index_file.write_index(store)
    store.close()  # the failure was said once
    assert not (tmp_path / "t.db.index").exists()


def test_bulk_says_when_its_batches_could_not_be_made_durable(tree, tmp_path, monkeypatch):
    """A failed sync of the WAL at the end of ``bulk`` (EIO) is an error naming the store, not
    swallowed into a run that ends 0 with its batches maybe not on disk; when the run itself
    failed, its own exception is the one raised."""
    import errno

    repo = tree("repo", {"a.py": PYTHON})

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    with open_store(tmp_path / "s.db", create=True) as store:
        monkeypatch.setattr(os, "fsync", failing)
        durable = "could not make the stored batches durable"
        with pytest.raises(StoreError, match=durable), store.bulk():
            fingerprint_tree(repo, store)
        with pytest.raises(KeyError, match="the run's own"), store.bulk():
            raise KeyError("the run's own")
        monkeypatch.undo()
