"""Empty input is an error (issue 9): nothing read must never come out as ``clear``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fingerprints import open_store
from scanner.cli import app
from tests.code import PYTHON

runner = CliRunner()


def invoke(*args: str | Path) -> tuple[int, list[str]]:
    done = runner.invoke(app, [str(a) for a in args])
    return done.exit_code, done.output.splitlines()


def test_fingerprinting_a_folder_without_source_files_stores_nothing(tree, tmp_path):
    docs = tree("docs", {"README.md": "# hello\n", "notes.txt": "x\n"})
    db = tmp_path / "s.db"
    code, lines = invoke("fingerprint", docs, "--store", db)
    assert code == 2
    assert lines == [
        f"leaktrace: {docs}: no source files to fingerprint (2 file(s) not in a supported "
        "language); nothing stored. Give the folder, archive or git URL that holds the code"
    ]
    with open_store(db) as store:
        assert store.repos() == []
    nothing = "leaktrace: nothing to fingerprint: give SRC (private code) or --public SRC"
    assert invoke("fingerprint", "--store", db) == (2, [nothing])


def test_a_repo_whose_folder_was_emptied_keeps_its_files(tree, tmp_path):
    repo = tree("core", {"ledger.py": PYTHON, "vendor/lib.py": PYTHON})
    db = tmp_path / "s.db"
    assert invoke("fingerprint", repo, "--store", db)[0] == 0
    with open_store(db) as store:
        before = store.digest()
    (repo / "ledger.py").unlink()  # a wrong branch or a failed checkout: only vendored code left
    code, lines = invoke("fingerprint", repo, "--store", db)
    assert code == 2 and len(lines) == 1
    assert "no source files to fingerprint (1 skipped (--verbose says why))" in lines[0]
    with open_store(db) as store:
        assert store.digest() == before
        assert [r.files for r in store.repos()] == [1]


def test_scan_needs_a_target_and_private_code(tree, tmp_path):
    public = tree("sdk", {"client.py": PYTHON})
    candidate = tree("suspect", {"copy.py": PYTHON})
    db, results = tmp_path / "s.db", tmp_path / "results.db"
    assert invoke("fingerprint", "--public", public, "--store", db)[0] == 0

    code, lines = invoke("scan", candidate, "--store", db, "--results", results)
    assert code == 2
    assert lines == [
        f"leaktrace: {db}: the store holds no private files, so nothing could be found; "
        f"fingerprint the private code into it first (leaktrace fingerprint SRC --store {db})"
    ]
    assert invoke("calibrate", candidate, "--store", db)[0] == 2

    private = tree("core", {"ledger.py": PYTHON})
    assert invoke("fingerprint", private, "--store", db)[0] == 0
    code, lines = invoke("scan", "--store", db, "--results", results)
    assert code == 2
    assert lines == [
        "leaktrace: nothing to scan: give a TARGET (folder, archive, git URL, github:OWNER/REPO, "
        "npm:NAME, pypi:NAME), --from-file, --forks or --github-search"
    ]
    listed = tmp_path / "targets.txt"
    listed.write_text("# nothing yet\n")
    code, lines = invoke("scan", "--from-file", listed, "--store", db, "--results", results)
    assert code == 2
    assert lines[0].startswith("leaktrace: nothing scanned: the targets asked for")
