from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """The sample private repository (``samples/private/acme-ledger``) fingerprinted, once per
    module that asks for it and defines no ``store`` of its own."""
    from typer.testing import CliRunner

    from scanner.cli import app

    db = tmp_path_factory.mktemp("store") / "store.db"
    done = CliRunner().invoke(app, ["fingerprint", str(SAMPLES / "private" / "acme-ledger"),
                                    "--store", str(db)])  # fmt: skip
    assert done.exit_code == 0, done.output
    return db


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files below ``root`` from a {relative path: content} mapping."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path):
    def make(name: str, files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path / name, files)

    return make


def leaktrace(*args: str) -> subprocess.CompletedProcess[str]:
    """A real ``leaktrace`` process in the current folder, its ``output`` (stdout then stderr)
    and ``exit_code`` named as ``CliRunner``'s: not run inside the suite's process, where each
    in-process run keeps descriptors until ``select`` runs out of them."""
    done = subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True,
                          text=True, check=False, timeout=600)  # fmt: skip
    done.output = done.stdout + done.stderr  # type: ignore[attr-defined]
    done.exit_code = done.returncode  # type: ignore[attr-defined]
    return done


def loaded_modules(setup: str, prefix: str) -> list[str]:
    """The modules named ``prefix...`` a fresh interpreter holds after running ``setup``: what
    an import or a call brings in, whatever the suite's own process imported before."""
    script = (f"import sys\n{setup}\n"
              f"print(*sorted(m for m in sys.modules if m.startswith({prefix!r})))\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    return done.stdout.split()


UNREAD_HISTORY = ("git repository: its history (every commit, deleted files too) is not read; "
                  "scan --history reads it")  # fmt: skip
"""The line of a git URL or a ``github:`` target read as one commit, without ``--history``."""


def one_commit_clear(candidate: dict) -> bool:
    """Whether a git or GitHub candidate read as one commit (no ``--history``) was read whole
    and nothing was found in it: ``incomplete`` only because its history was not read."""
    return candidate["verdict"] == "incomplete" and candidate["unread"] == [
        {"path": "", "message": UNREAD_HISTORY}
    ]


@contextlib.contextmanager
def fifo_and_socket(fifo: Path, sock: Path) -> Iterator[threading.Event]:
    """A FIFO at ``fifo`` whose writer waits for a reader (the event is set once something
    opened it to read) and a listening socket at ``sock``; the writer let go and the socket
    closed after."""
    os.mkfifo(fifo)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(sock))
    let_through = threading.Event()

    def writer() -> None:  # blocks until something opens the FIFO to read it
        os.close(os.open(fifo, os.O_WRONLY))
        let_through.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield let_through
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # lets it through
        thread.join(timeout=10)
        listening.close()
