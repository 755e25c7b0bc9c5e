"""The persistent index beside the store: fresh after every change, rebuilt when stale or
missing (after a crash), and giving exactly the results of an index built in memory."""

from __future__ import annotations

import json
import pickle
import shutil
import sqlite3

import numpy as np
import pytest
from typer.testing import CliRunner

from fingerprints import open_store
from scanner import FingerprintIndex, ScanContext, Thresholds, resolve, scan_candidate
from scanner.cli import app
from scanner.index_file import IndexFile, index_path, write_index
from scanner.reports.json_report import candidate_dict
from tests.conftest import SAMPLES

runner = CliRunner()
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())
PRIVATE = SAMPLES / "private" / "acme-ledger"
PUBLIC = SAMPLES / "public" / "acme-pay-sdk"
TARGETS = [str(SAMPLES / "candidates" / name) for name in EXPECTED["candidates"]]


REFERENCES = [str(SAMPLES.parent / r) for r in EXPECTED["references"]]


@pytest.fixture
def bare_store(tmp_path):
    """The samples' private and public code, no reference learned."""
    path = tmp_path / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC),
                               "--store", str(path), "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "index: " in done.output
    return path


@pytest.fixture
def store_path(bare_store):
    """The samples' store as the demo makes it: with the sample references learned."""
    done = runner.invoke(app, ["background", *REFERENCES, "--store", str(bare_store),
                               "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    return bare_store


def fresh(path) -> bool:
    with open_store(path, read_only=True) as store:
        return IndexFile.open(index_path(path)).matches(store.stamp(), store.params.identity())


def scan_json(path, tmp_path, name: str) -> tuple[list[dict], str]:
    report = tmp_path / f"{name}.json"
    results_db = tmp_path / f"{name}.db"
    done = runner.invoke(app, ["scan", *TARGETS, "--store", str(path), "--json", str(report),
                               "--results", str(results_db), "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 1, done.output
    candidates = json.loads(report.read_text())["candidates"]
    for candidate in candidates:
        for key in ("fetched_at", "scanned_at", "scanned", "review"):
            candidate.pop(key, None)
    return candidates, done.output


def results(index: FingerprintIndex, store) -> list[dict]:
    context = ScanContext(index, store.params, Thresholds())
    found = []
    for target in TARGETS:
        outcome = candidate_dict(scan_candidate(resolve(target), context))
        for key in ("fetched_at", "scanned_at", "scanned", "seconds"):
            outcome.pop(key, None)
        found.append(outcome)
    return found


def test_fingerprint_leaves_a_fresh_index_beside_the_store(store_path):
    assert fresh(store_path)
    opened = IndexFile.open(index_path(store_path))
    # per fingerprint: one 9-byte record (the hash below its bucket's bits, and its place) and
    # at most half a byte of bucket table
    entries = opened.arrays["records"].shape[0]
    assert opened.arrays["records"].dtype.itemsize == 9
    assert opened.arrays["offsets"].shape[0] - 1 <= entries / 8


def test_the_persistent_index_gives_exactly_the_in_memory_results(store_path):
    with open_store(store_path, read_only=True) as store:
        mapped = FingerprintIndex.from_store(store)
        assert isinstance(mapped.table.records, np.memmap)
        built = FingerprintIndex.in_memory(store)
        everything = (0, mapped.table.records)
        assert np.array_equal(mapped.table.entries(*everything)[0],
                              built.table.entries(0, built.table.records)[0])  # fmt: skip
        assert list(mapped.files) == list(built.files)
        assert mapped.private_tokens == built.private_tokens
        expected = results(built, store)
        assert results(mapped, store) == expected
        # sent to a cluster's workers, it carries its fingerprints, not a path
        assert results(pickle.loads(pickle.dumps(mapped)), store) == expected
    verdicts = {r["target"].rsplit("/", 1)[-1]: r["verdict"] for r in expected}
    assert verdicts == {k: v["verdict"] for k, v in EXPECTED["candidates"].items()}


def test_a_stale_index_left_by_a_crash_is_detected_and_rebuilt(bare_store, tmp_path):
    store_path = bare_store
    before, _ = scan_json(store_path, tmp_path, "before")
    old_index = tmp_path / "old.index"
    shutil.copy(index_path(store_path), old_index)
    # The store changes (a repository removed and fingerprinted again), and the process dies
    # before the index is rebuilt: the old index is left beside a newer store.
    assert runner.invoke(app, ["repos", str(store_path), "--remove", "acme-ledger"]).exit_code == 0
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(store_path)])
    assert done.exit_code == 0, done.output
    shutil.copy(old_index, index_path(store_path))
    assert not fresh(store_path)
    after, output = scan_json(store_path, tmp_path, "after")
    assert output.count("index stale (the store changed since it was built); rebuilt") == 1
    assert fresh(store_path)
    assert after == before
    _, output = scan_json(store_path, tmp_path, "again")
    assert "rebuilt" not in output


@pytest.mark.parametrize("damage", ["missing", "truncated", "garbage"])
def test_a_missing_or_damaged_index_is_rebuilt(store_path, tmp_path, damage):
    before, _ = scan_json(store_path, tmp_path, "before")
    path = index_path(store_path)
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(b"not an index at all")
    after, output = scan_json(store_path, tmp_path, "after")
    word = "missing" if damage == "missing" else "unreadable"
    assert f"index {word}; rebuilt" in output
    assert after == before and fresh(store_path)


def test_an_index_of_an_older_format_is_rebuilt_with_one_line(store_path, tmp_path):
    from scanner.index_file import FORMAT_VERSION

    before, _ = scan_json(store_path, tmp_path, "before")
    path = index_path(store_path)
    data = path.read_bytes()
    written = f'"format": {FORMAT_VERSION},'.encode()
    assert data.count(written) == 1
    path.write_bytes(data.replace(written, f'"format": {FORMAT_VERSION - 1},'.encode()))
    after, output = scan_json(store_path, tmp_path, "after")
    lines = [line for line in output.splitlines() if ": index " in line]
    assert len(lines) == 1, output
    assert (
        f"index of format {FORMAT_VERSION - 1}, this leaktrace reads {FORMAT_VERSION}; "
        "rebuilt" in lines[0]
    )
    assert after == before and fresh(store_path)


def test_an_interrupted_build_leaves_the_old_index(store_path, monkeypatch):
    import scanner.index_file as index_file

    old = index_path(store_path).read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(index_file, "_sort_partitions", crash)
    with open_store(store_path) as store, pytest.raises(KeyboardInterrupt):
        write_index(store, update=False)
    assert index_path(store_path).read_bytes() == old
    assert not list(store_path.parent.glob("*.index.tmp*"))


def test_the_generation_moves_with_committed_changes_only(store_path):
    with open_store(store_path) as store:
        stamp = store.stamp()
        with pytest.raises(sqlite3.OperationalError), store._db:
            store._db.execute("DELETE FROM files")
            store._db.execute("SELECT no_such_function()")  # the transaction fails: rolled back
        assert store.stamp() == stamp
        store.put_files(1, [], touched=[("acme_ledger/money.py", 12345)])  # a new mtime only
        assert store.stamp() == stamp
        store.rename_repo("acme-ledger", "ledger")
        assert store.stamp()[1] > stamp[1] and store.stamp()[0] == stamp[0]
    assert not fresh(store_path)


def test_repos_remove_and_rename_rebuild_the_index(store_path):
    done = runner.invoke(app, ["repos", str(store_path), "--rename", "acme-ledger", "ledger"])
    assert done.exit_code == 0
    assert fresh(store_path)
    with open_store(store_path, read_only=True) as store:
        assert {f.repo for f in FingerprintIndex.from_store(store).files} == {"ledger"}


REFERENCE = SAMPLES / "references" / "iso8601-2.1.0.tar.gz"


def test_learning_a_reference_makes_the_index_stale_and_it_gives_the_same_attribution(
    bare_store,
):
    store_path = bare_store
    with open_store(store_path) as store:
        stamp = store.stamp()
    done = runner.invoke(app, ["background", str(REFERENCE), "--store", str(store_path),
                               "--jobs", "1"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "index: " in done.output  # the command rebuilt the stale index
    assert fresh(store_path)
    with open_store(store_path, read_only=True) as store:
        assert store.stamp()[1] > stamp[1]
        mapped = FingerprintIndex.from_store(store)
        built = FingerprintIndex.in_memory(store)
        for name in ("reference_hashes", "reference_sources", "file_reference"):
            assert np.array_equal(getattr(mapped, name), getattr(built, name)), name
        assert mapped.references == built.references and mapped.references
        assert mapped.reference_paths == built.reference_paths and mapped.reference_paths
        assert mapped.reference_info == built.reference_info
        assert (mapped.file_reference >= 0).sum() == 1  # acme_ledger/compat/iso8601.py
        expected = results(built, store)
        assert results(mapped, store) == expected
        assert results(pickle.loads(pickle.dumps(mapped)), store) == expected
    vendors = next(r for r in expected if r["target"].endswith("vendors-iso8601"))
    assert vendors["verdict"] == "clear" and vendors["discounted_tokens"]["reference"] > 0
    assert vendors["public_code"]
    # Per fingerprint the index still holds only its hash and its place: the reference data is
    # per distinct hash it holds, and per file.
    opened = IndexFile.open(index_path(store_path))
    entries = opened.arrays["records"].shape[0]
    per_entry = [n for n, a in opened.arrays.items() if a.shape[0] == entries]
    assert per_entry == ["records"]
    assert opened.arrays["reference_hashes"].shape[0] < entries
    # a decision changed later (--distrust) makes it stale again, and the command rebuilds it
    done = runner.invoke(app, ["background", "--distrust", "iso8601", "--store", str(store_path)])
    assert done.exit_code == 0, done.output
    assert fresh(store_path)
    with open_store(store_path, read_only=True) as store:
        assert FingerprintIndex.from_store(store).references == []


def _old_store(path, version: str) -> None:
    """A store as an older leaktrace left it: schema 4, schema 5 (reference sources, with one
    learned), or '5-dev' (a development build's 5: generation and triggers, no references)."""
    from fingerprints import FingerprintParams
    from fingerprints.store import _SCHEMA_V1, MIGRATIONS

    con = sqlite3.connect(path)
    con.executescript(_SCHEMA_V1)
    for step in (1, 2, 3, 4) if version == "5" else (1, 2, 3):
        MIGRATIONS[step](con)
    if version == "5":
        overlap = {"source_tokens": 10, "covered_tokens": 0, "source_files": 1, "matched_files": 0}
        con.execute(
            "INSERT INTO reference_sources (name, version, kind, origin, sha256, files, lines,"
            " tokens, learned_at, decision, reasons, evidence) VALUES ('lib', '1.0', 'folder',"
            " '/lib', 'ab', 1, 1, 1, '2024-01-01', 'public', '[]', ?)",
            (json.dumps({"overlap": overlap}),),
        )
        con.execute("INSERT INTO reference_hashes VALUES (12345, 1)")
    if version == "5-dev":
        con.execute("INSERT INTO meta VALUES ('generation', '7'), ('instance', 'dev')")
        bump = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
        con.execute(
            f"CREATE TRIGGER files_insert_generation AFTER INSERT ON files BEGIN {bump}; END"
        )
    params = json.dumps(FingerprintParams().identity(), sort_keys=True)
    con.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", "leaktrace-store"), ("schema_version", version[0]), ("params", params),
    ])  # fmt: skip
    con.commit()
    con.close()


@pytest.mark.parametrize("version", ["4", "5", "5-dev"])
def test_schema_4_and_5_stores_migrate_to_the_current_schema(tmp_path, version):
    from fingerprints import fingerprint_tree
    from fingerprints.store import SCHEMA_VERSION
    from scanner.commands.background import learn_targets

    path = tmp_path / "old.db"
    _old_store(path, version)
    with open_store(path) as store:
        meta = dict(store._db.execute("SELECT key, value FROM meta"))
        assert int(meta["schema_version"]) == SCHEMA_VERSION == 7
        if version == "5-dev":  # its counter and identity are kept
            assert (meta["instance"], meta["generation"]) == ("dev", "7")
        else:
            assert meta["instance"] and meta["generation"] == "0"
        if version == "5":  # what it had learned is kept
            assert [s.name for s in store.reference_sources()] == ["lib"]
            assert store.reference_hashes()[0].tolist() == [12345]
        triggers = {r[0] for r in store._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}  # fmt: skip
        assert {"files_insert_generation", "reference_sources_update_generation",
                "reference_hashes_insert_generation", "reference_files_delete_generation"
                } <= triggers  # fmt: skip
        fingerprint_tree(PRIVATE, store)
        write_index(store)
        before = store.stamp()
        assert learn_targets(store, [str(REFERENCE)], jobs=1) == 0
        assert store.stamp()[0] == before[0] and store.stamp()[1] > before[1]
        store.set_commit_dates(1, {"acme_ledger/money.py": ("2020-01-01", "2021-01-01")})
        after = store.stamp()
    assert not fresh(path)
    with open_store(path, read_only=True) as store:
        assert store.stamp() == after  # commit dates are not what an index is built from
        index = FingerprintIndex.from_store(store)
        assert [r.name for r in index.references][-1] == "iso8601"
    assert fresh(path)


def test_what_added_keeps_is_bounded_and_its_answers_unchanged(store_path):
    """``FingerprintIndex.added`` keeps its answers per file in a bounded cache (it grew with
    every private file a long watch matched); a copy sent elsewhere carries none of it."""
    from scanner.index import RecentCache

    with open_store(store_path, read_only=True) as store:
        index = FingerprintIndex.from_store(store)
        copied = [int(n) for n in np.flatnonzero(index.file_reference >= 0)]  # iso8601's files
        keys = [(n, span) for n in copied for span in (20, 40, 80, 160)]
        unbounded = {key: index._added_anew(*key) for key in keys}
        index.added_cache.most_bytes = max(a.nbytes for a in unbounded.values())  # one at most
        for _ in range(2):
            for key in keys:
                assert np.array_equal(index._added(*key), unbounded[key])
                assert index.added_cache.bytes <= index.added_cache.most_bytes
        assert index.added_cache.bytes > 0
        sent = pickle.loads(pickle.dumps(index.added_cache))
        assert isinstance(sent, RecentCache) and sent.bytes == 0
        assert sent.most_bytes == index.added_cache.most_bytes
        index.close()
