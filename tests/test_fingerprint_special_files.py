"""A private folder holding a FIFO, a socket or a device: ``fingerprint`` never opens it (a
FIFO named ``*.py`` was read and the run waited on it forever), says it in one line and goes
on."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SAMPLES, fifo_and_socket

LEAKTRACE = [sys.executable, "-m", "scanner"]


def test_a_fifo_or_a_socket_in_a_private_folder_is_one_line_and_the_run_goes_on(tmp_path):
    repo = tmp_path / "acme"
    repo.mkdir()
    source = SAMPLES / "private" / "acme-ledger" / "acme_ledger" / "reconciliation.py"
    (repo / "reconciliation.py").write_bytes(source.read_bytes())
    with fifo_and_socket(repo / "feed.py", repo / "agent.py") as let_through:
        done = subprocess.run([*LEAKTRACE, "fingerprint", str(repo), "--store",
                               str(tmp_path / "acme.db"), "--jobs", "1"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        opened = let_through.wait(0.2)
    assert done.returncode == 0, done.stderr
    assert not opened  # the FIFO was never opened: its writer never got through
    for name in ("feed.py", "agent.py"):
        lines = [line for line in done.stderr.splitlines() if f":{name}:" in line]
        assert len(lines) == 1 and "not a regular file" in lines[0], done.stderr
    assert "1 file(s) fingerprinted" in done.stderr + done.stdout
