"""What could not be read is never "clear": every kind of target that cannot be fetched is
``incomplete`` with its reason, the same way, and the exit code is 3 (1 still wins)."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.commands.exits import EXIT_CLEAR, EXIT_DERIVATIVE, EXIT_INCOMPLETE, exit_code
from tests.conftest import SAMPLES
from tests.servers import FakeRegistry

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_text()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "store.db"
    assert runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db)]).exit_code == 0
    return db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git_repo(root: Path) -> Path:
    root.mkdir()
    (root / "journal.py").write_text(JOURNAL)
    commit = ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "x"]
    for command in (["init", "-q", "-b", "main"], ["add", "."], commit):
        subprocess.run(["git", "-C", str(root), *command], check=True)
    return root


def test_every_unfetchable_target_kind_is_incomplete_and_exits_3(store, tmp_path):
    repo = git_repo(tmp_path / "repo")
    with FakeRegistry() as registry:
        registry.add_npm("leftpad", "1.0.0", {"index.js": "module.exports = 1;\n"})
        targets = {
            "npm:leftpad@99.0.0": "npm",
            "pypi:no-such-package==1.0": "pypi",
            "github:acme/ledger": "github",
            f"file://{repo}@no-such-branch": "git",
            str(tmp_path / "missing"): "folder",
            str(tmp_path / "missing.tar.gz"): "archive",
        }
        done = runner.invoke(app, ["scan", *targets, "--store", str(store), "--json", "-",
                                   "--npm-registry", registry.url, "--pypi-url", registry.url,
                                   "--api-url", f"http://127.0.0.1:{closed_port()}",
                                   "--results", str(tmp_path / "r.db")])  # fmt: skip
        pypi_requests = registry.requests_matching("no-such-package")
    assert done.exit_code == EXIT_INCOMPLETE, done.output
    report = json.loads(done.stdout[: done.stdout.rindex("}") + 1])
    by_target = {c["target"]: c for c in report["candidates"]}
    assert set(by_target) == set(targets)
    for target, kind in targets.items():
        candidate = by_target[target]
        assert candidate["verdict"] == "incomplete", target
        assert candidate["kind"] == kind and candidate["complete"] is False
        [unread] = candidate["unread"]
        assert unread["path"] == "" and unread["message"], target
        assert candidate["reasons"][0].startswith("incomplete: the target could not be read")
    assert "99.0.0" in by_target["npm:leftpad@99.0.0"]["unread"][0]["message"]
    assert "no-such-branch" in by_target[f"file://{repo}@no-such-branch"]["unread"][0]["message"]
    assert len(pypi_requests) == 1  # a 404 is final: not retried


def test_a_derivative_still_exits_1_beside_an_incomplete_target(store, tmp_path):
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "journal.py").write_text(JOURNAL)
    done = runner.invoke(app, ["scan", str(leak), str(tmp_path / "gone"), "--store", str(store),
                               "--results", str(tmp_path / "r.db")])  # fmt: skip
    assert done.exit_code == EXIT_DERIVATIVE, done.output


def test_exit_codes_and_fail_on_review():
    assert exit_code(["clear", "review"]) == EXIT_CLEAR
    assert exit_code(["clear", "review"], "review") == EXIT_DERIVATIVE
    assert exit_code(["clear", "incomplete"]) == EXIT_INCOMPLETE
    assert exit_code(["incomplete", "derivative"]) == EXIT_DERIVATIVE
    assert exit_code(["incomplete", "review"], "review") == EXIT_DERIVATIVE
    assert exit_code([]) == EXIT_CLEAR


def test_a_fifo_in_a_candidate_folder_is_never_opened(store, tmp_path):
    import os

    folder = tmp_path / "cand"
    folder.mkdir()
    os.mkfifo(folder / "pipe.py")
    (folder / "journal.py").write_text(JOURNAL)
    done = runner.invoke(app, ["scan", str(folder), "--store", str(store),
                               "--results", str(tmp_path / "r.db")])  # fmt: skip
    assert done.exit_code == EXIT_DERIVATIVE
    assert f"leaktrace: {folder}:pipe.py: a FIFO: not opened" in done.stderr


def test_tool_folders_of_a_candidate_are_read(store, tmp_path):
    """Only version-control metadata is passed over in a candidate: a copy under ``venv/`` or
    ``.idea/`` is read like any other file (a leak may sit in an installed package)."""
    folder = tmp_path / "cand"
    for hidden in ("venv/lib/acme", ".idea"):
        (folder / hidden).mkdir(parents=True)
    (folder / "venv/lib/acme/journal.py").write_text(JOURNAL)
    done = runner.invoke(app, ["scan", str(folder), "--store", str(store), "--json", "-",
                               "--results", str(tmp_path / "r.db")])  # fmt: skip
    assert done.exit_code == EXIT_DERIVATIVE, done.output
    report = json.loads(done.stdout[: done.stdout.rindex("}") + 1])
    assert report["candidates"][0]["files"][0]["candidate_path"] == "venv/lib/acme/journal.py"
