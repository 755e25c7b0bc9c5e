"""The verdict table as CI logs show it: output that is no terminal is 80 columns wide, and the
candidate's name is always there, folded over lines if it must be, never a column zero wide."""

from __future__ import annotations

from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import SAMPLES
from tests.test_crawler import store

__all__ = ["store"]  # a fixture: the sample private code fingerprinted

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
LEAKED = (PRIVATE / "acme_ledger" / "reconciliation.py").read_bytes()


def _names(table: str) -> list[str]:
    """The candidate cell of each row (a row starts where its score is), its folded lines
    joined."""
    names: list[str] = []
    for line in table.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.split("│")]
            if cells[3]:
                names.append("")
            names[-1] += cells[1]
    return names


def test_a_partly_read_derivative_keeps_its_name_at_80_columns(store, tmp_path, monkeypatch):
    from scanner import console

    for made in (console.out, console.err):  # made anew: rich reads COLUMNS once, when made
        monkeypatch.setattr(made, "_console", None)
    long = tmp_path / "some-candidate-folder-with-a-rather-long-name"
    long.mkdir()
    (long / "recon.py").write_bytes(LEAKED)
    (long / "big.py").write_text("x = 1\n" * 3000)  # over the cap below: not read
    short = tmp_path / "c"
    short.mkdir()
    (short / "recon.py").write_bytes(LEAKED)
    done = runner.invoke(app, ["scan", str(long), str(short), "--store", str(store),
                               "--results", str(tmp_path / "r.db"),
                               "--max-read-bytes", "12000"], env={"COLUMNS": "80"})  # fmt: skip
    assert done.exit_code == 1, done.output
    table = done.stdout[done.stdout.index("leaktrace verdicts") :]
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "derivative (not all read)" in table  # whole, for grep
    assert _names(table) == [str(long), str(short)]  # both derivative: in the order given
