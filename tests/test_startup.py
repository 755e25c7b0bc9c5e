"""What ``fingerprint`` does before its first parse (issue 12: the first parse starts as soon as
the zygote and the calling process can make it): the zygote is started before the caller's own
imports (the first file is sent before it imports numpy: ``test_package``), and a new store's
schema is not waited for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fingerprints import ParseLimits, isolated_tokenize, isolation, open_store


def test_the_zygote_started_early_is_the_one_that_forks_the_parsers():
    """``leaktrace`` starts its zygote before its own imports (``start_zygote_early``); the
    first parser is forked by that one, not by a second zygote started then."""
    from fingerprints import spawn

    isolation.close_parsers()
    spawn.start_zygote_early()
    early = spawn._EARLY[os.getpid()][1]
    try:
        assert len(isolated_tokenize(b"x = 1\n", "python", ParseLimits())) == 3
        assert isolation.zygote().process is early and spawn._EARLY == {}
        process = isolation._parser(ParseLimits())._process
        assert process is not None and process.pid
        assert Path(f"/proc/{process.pid}/stat").read_text().split()[3] == str(early.pid)
    finally:
        isolation.close_parsers()


def test_the_zygote_imports_nothing_from_the_current_folder(tmp_path, monkeypatch):
    """The zygote is started in the caller's folder, which may be a tree being scanned: a
    ``numpy.py`` there is never what it imports (``python -c`` put that folder first on its
    module path)."""
    (tmp_path / "numpy.py").write_text("raise SystemExit('imported numpy.py from the folder')\n")
    (tmp_path / "tree_sitter.py").write_text("raise SystemExit('imported tree_sitter.py')\n")
    monkeypatch.chdir(tmp_path)
    isolation.close_parsers()
    try:
        assert len(isolated_tokenize(b"x = 1\n", "python", ParseLimits())) == 3
    finally:
        isolation.close_parsers()


def test_a_new_store_s_schema_is_not_waited_for_but_survives_the_process(tmp_path):
    """Opening a new store commits its schema without a checkpoint or a sync (the run's first
    batches, or the close, make it durable); a process killed right after still left it."""
    db = tmp_path / "s.db"
    with open_store(db, create=True) as store:
        # the file holds only the header page WAL mode wrote; the tables are in the WAL
        assert db.stat().st_size <= 4096 < Path(f"{db}-wal").stat().st_size
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
    assert db.stat().st_size > 4096  # checkpointed on close
    killed = tmp_path / "k.db"
    code = ("import os, sys\nfrom fingerprints import open_store\n"
            "store = open_store(sys.argv[1], create=True)\nos._exit(9)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, str(killed)], check=False)
    assert done.returncode == 9
    with open_store(killed) as store:
        assert store.repos() == []


def _worker_parser(_: int) -> int:
    """In a forked pool worker: the parent pid of its parser process."""
    assert len(isolated_tokenize(b"x = 1\n", "python", ParseLimits())) == 3
    process = isolation._parser(ParseLimits())._process
    assert process is not None and process.pid
    return int(Path(f"/proc/{process.pid}/stat").read_text().split()[3])


def test_pool_workers_join_the_zygote_started_early():
    """A scan with ``--jobs 2`` forks its pool workers before it parses anything itself: they
    join the zygote ``scanner.launch`` started, never start one each."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from fingerprints import spawn

    isolation.close_parsers()
    spawn.start_zygote_early()
    early = spawn._EARLY[os.getpid()][1]
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            assert set(pool.map(_worker_parser, range(4))) == {early.pid}
        assert isolation.zygote().process is early
    finally:
        isolation.close_parsers()
