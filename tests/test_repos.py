"""Store identity (issue 9): a repository name belongs to one origin, an origin is private or
public, identical content counts once, and ``leaktrace repos`` lists, removes and renames."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fingerprints import RepoConflictError, fingerprint_tree, open_store
from fingerprints.store import _SCHEMA_V1, MIGRATIONS
from scanner.cli import app
from tests.code import GO, PYTHON
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
RENAMED = SAMPLES / "candidates" / "renamed-reformatted"


def fingerprint(*args: str | Path) -> tuple[int, str]:
    done = runner.invoke(app, ["fingerprint", *map(str, args)])
    return done.exit_code, done.output


def state(db: Path) -> tuple[str, list[tuple[str, int]]]:
    """What a refused command must leave unchanged: the digest, and each repo's file count."""
    with open_store(db) as store:
        return store.digest(), [(r.name, r.files) for r in store.repos()]


@pytest.fixture
def two_cores(tree):
    """Two different private repositories whose folders are both called ``core``."""
    a = tree("a/core", {"ledger.py": PYTHON})
    b = tree("b/core", {"batch.go": GO})
    return a, b


def test_a_second_repo_of_the_same_name_is_refused_and_nothing_changes(two_cores, tmp_path):
    a, b = two_cores
    db = tmp_path / "s.db"
    code, output = fingerprint(a, "--store", db)
    assert code == 0, output
    before = state(db)

    code, output = fingerprint(b, "--store", db)
    assert code == 2
    assert output.strip() == (
        f"leaktrace: {b}: a repo named 'core' already comes from {a}; give this one another "
        "name with --name NAME (or SRC=NAME)"
    )
    assert "removed" not in output
    assert state(db) == before

    code, output = fingerprint(a, "--store", db)  # the same origin again: an incremental update
    assert code == 0 and "0 file(s) fingerprinted, 1 unchanged, 0 removed" in output
    assert state(db)[0] == before[0]


def test_two_sources_of_one_name_in_one_command_are_refused_before_the_store(two_cores, tmp_path):
    a, b = two_cores
    db = tmp_path / "s.db"
    code, output = fingerprint(a, b, "--store", db)
    assert code == 2
    assert f"leaktrace: {b}: a repo named 'core' already comes from {a}" in output
    assert not db.exists()

    code, output = fingerprint(f"{a}=core-a", f"{b}=core-b", "--store", db)
    assert code == 0, output
    assert [name for name, _ in state(db)[1]] == ["core-a", "core-b"]
    code, output = fingerprint(b, "--name", "core-c", "--store", db)
    assert code == 0 and "core-c (private): 1 file(s) fingerprinted" in output


def test_the_same_code_is_never_both_private_and_public(two_cores, tmp_path):
    a, b = two_cores
    db = tmp_path / "s.db"
    code, output = fingerprint(a, "--public", a, "--store", db)
    assert code == 2
    assert output.strip() == (
        f"leaktrace: {a}: given both as private source and as --public; give it once, as what it is"
    )
    assert not db.exists()

    assert fingerprint(a, "--public", f"{b}=sdk", "--store", db)[0] == 0
    before = state(db)
    for args in (["--public", a], ["--public", f"{a}=other"], [f"{b}=mine"], [f"{b}=sdk"]):
        code, output = fingerprint(*args, "--store", db)
        assert code == 2, args
        assert "already stored as" in output and "leaktrace repos --remove" in output, output
        assert state(db) == before


def test_the_library_refuses_too_and_writes_nothing(two_cores, tmp_path):
    a, b = two_cores
    with open_store(tmp_path / "s.db", create=True) as store:
        fingerprint_tree(a, store)
        before = store.digest()
        with pytest.raises(RepoConflictError, match="already comes from"):
            fingerprint_tree(b, store)
        with pytest.raises(RepoConflictError, match="already stored as private"):
            fingerprint_tree(a, store, public=True)
        assert store.digest() == before
        assert [r.files for r in store.repos()] == [1]


def scan(target: Path, db: Path, tmp_path: Path) -> dict:
    done = runner.invoke(app, ["scan", str(target), "--store", str(db), "--json", "-",
                               "--results", str(tmp_path / "results.db")])  # fmt: skip
    assert done.exit_code == 1, done.output
    return json.loads(done.stdout[: done.stdout.rindex("}") + 1])["candidates"][0]


def test_identical_content_under_two_names_counts_once(tmp_path):
    once, twice = tmp_path / "once.db", tmp_path / "twice.db"
    other = tmp_path / "elsewhere" / "acme-ledger"
    shutil.copytree(PRIVATE, other)
    assert fingerprint(PRIVATE, "--store", once)[0] == 0
    assert fingerprint(PRIVATE, "--store", twice)[0] == 0
    code, output = fingerprint(f"{other}=ledger-copy", "--store", twice)
    assert code == 0, output
    files = state(twice)[1][0][1]
    assert (
        f"{files} file(s) of ledger-copy are identical to files already stored in private repo "
        "'acme-ledger'; the same content counts once as evidence" in output
    )

    single, double = scan(RENAMED, once, tmp_path), scan(RENAMED, twice, tmp_path)
    assert double["matched_tokens"] == single["matched_tokens"] > 1000
    assert double["score"] == single["score"]
    assert double["longest_fragment"] == single["longest_fragment"]
    assert len(double["files"]) == len(single["files"])
    shas = [pair["private_sha256"] for pair in double["files"]]
    assert len(shas) == len(set(shas)), "one private content listed twice as coverage"
    for pair in double["files"]:
        assert pair["private_copies"] == [{"repo": "ledger-copy", "path": pair["private_path"]}]
    assert all(pair["private_copies"] == [] for pair in single["files"])


def repos(*args: str | Path) -> tuple[int, str]:
    done = runner.invoke(app, ["repos", *map(str, args)], env={"COLUMNS": "200"})
    return done.exit_code, done.output


def test_repos_lists_renames_and_removes(two_cores, tmp_path):
    a, b = two_cores
    db = tmp_path / "s.db"
    assert fingerprint(a, "--public", f"{b}=[red]sdk", "--store", db)[0] == 0
    code, output = repos("--store", db)
    assert code == 0, output
    rows = [line for line in output.splitlines() if str(tmp_path) in line]
    assert len(rows) == 2
    assert all(word in rows[0] for word in ("core", "private", str(a), " 1 ", "T"))
    assert all(word in rows[1] for word in ("[red]sdk", "public", str(b)))  # printed, not markup

    before = state(db)
    assert repos("--store", db, "--rename", "core", "[red]sdk") == (
        2, "leaktrace: cannot rename 'core': a repo named '[red]sdk' already exists\n")  # fmt: skip
    assert repos("--store", db, "--rename", "core", "a/b")[0] == 2
    assert repos("--store", db, "--remove", "nope")[0] == 2
    assert state(db) == before

    assert repos("--store", db, "--rename", "core", "ledger") == (0, "renamed 'core' to 'ledger'\n")
    assert [name for name, _ in state(db)[1]] == ["ledger", "[red]sdk"]
    code, output = repos("--store", db, "--remove", "[red]sdk")
    assert (code, output) == (0, "removed public repo '[red]sdk': 1 file(s), 34 lines\n")
    assert state(db)[1] == [("ledger", 1)]
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM files").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM skipped WHERE repo_id NOT IN"
                       " (SELECT id FROM repos)").fetchone()[0] == 0  # fmt: skip


def test_a_schema_3_store_is_migrated_with_origins(two_cores, tmp_path):
    a, b = two_cores
    db = tmp_path / "v3.db"
    con = sqlite3.connect(db)
    con.executescript(_SCHEMA_V1)
    for version in (1, 2):
        MIGRATIONS[version](con)
    con.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", "leaktrace-store"), ("schema_version", "3"),
        ("params", json.dumps({"k": 20, "w": 12, "num_perm": 128, "seed": 1, "normalizer": 1})),
    ])  # fmt: skip
    con.executemany("INSERT INTO repos (name, root, public) VALUES (?, ?, 0)",
                    [("core", str(a)), ("drop", "drop.tar.gz")])  # fmt: skip
    con.commit()
    con.close()

    with open_store(db) as store:
        assert [(r.name, r.origin) for r in store.repos()] == [("core", str(a)), ("drop", None)]
    indexes = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "files_sha256" in indexes
    assert fingerprint(b, "--store", db)[0] == 2  # the folder's origin was known: refused
    assert fingerprint(f"{b}=drop", "--store", db)[0] == 0  # unknown origin: recorded now
    with open_store(db) as store:
        assert store.repo("drop").origin == str(b)  # type: ignore[union-attr]
