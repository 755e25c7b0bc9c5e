"""Ctrl-C (SIGINT to the process group, as a terminal sends it) on real ``leaktrace``
processes: one line on stderr that says what was kept and how to go on, exit code 130. A scan
names its run, recorded ``interrupted``, and the command that resumes it."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.benchmarks.kill_scan import _judged
from tests.conftest import SAMPLES

LEAKTRACE = [sys.executable, "-m", "scanner"]


@pytest.fixture
def stalling_registry() -> Iterator[tuple[str, threading.Event]]:
    """A registry that answers nothing until the event is set (then 404 to everything): a fetch
    to it is a run caught in the middle, whatever the machine's speed."""
    answer = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer.wait(60)
            with contextlib.suppress(OSError):  # the interrupted client may be gone
                self.send_error(404)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answer
    finally:
        answer.set()
        server.shutdown()
        server.server_close()


def _terminal_sigint() -> None:
    """In the child, before leaktrace starts: Ctrl-C as a terminal's foreground command gets it.
    A suite started in the background of a non-interactive shell (``.ci/run &``) has SIGINT
    ignored, every child inherits that, and Python then never installs its handler: the
    command would ignore the test's Ctrl-C as it rightly ignores one sent to a background job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(args: list[str], cwd: Path, ready, program: list[str] = LEAKTRACE,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run ``leaktrace ARGS``, and once ``ready()`` send SIGINT to its process group."""
    process = subprocess.Popen([*program, *args], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True, preexec_fn=_terminal_sigint)  # fmt: skip
    deadline = time.monotonic() + 120
    while not ready() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)  # inside the fetch that stalls
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


SCRIPT = Path(sys.executable).parent / "leaktrace"  # the installed entry point


@pytest.mark.parametrize(
    ("program", "typed"),
    [(LEAKTRACE, LEAKTRACE), ([str(SCRIPT)], ["leaktrace"])],
    ids=["python -m scanner", "leaktrace on the PATH"],
)
def test_an_interrupted_scan_names_its_run_and_the_command_that_resumes_it(
    store, tmp_path, stalling_registry, program, typed
):
    """The command to resume is the one typed: ``python -m scanner ...`` when it was started so
    (it always said ``leaktrace ...`` before), ``leaktrace ...`` when found on the PATH."""
    url, answer = stalling_registry
    args = ["scan", str(SAMPLES / "candidates" / "subset-copy"), "pypi:stalls==1.0",
            "--store", str(store), "--pypi-url", url, "--jobs", "2"]  # fmt: skip
    db = tmp_path / "leaktrace-results.db"
    env = {**os.environ, "PATH": f"{SCRIPT.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = _interrupt(args, tmp_path, lambda: _judged(db) >= 1, program, env)
    assert done.returncode == 130, done.stderr
    again = shlex.join([*typed, *args])
    assert done.stderr.splitlines()[-1] == (
        f"leaktrace: run 1 interrupted; its verdicts so far are kept in leaktrace-results.db; "
        f"to resume it, run the same command: {again}"
    )
    assert "Traceback" not in done.stderr  # none from the workers either
    answer.set()  # the registry answers now (404): the same command resumes and ends the run
    resumed = subprocess.run(shlex.split(again), cwd=tmp_path, env=env, capture_output=True,
                             text=True, check=False)  # fmt: skip
    assert resumed.returncode == 1, resumed.stderr  # subset-copy is derivative
    assert "resuming run 1: 1 candidate(s) already judged" in resumed.stderr
    assert "run 1 recorded in leaktrace-results.db" in resumed.stderr


def test_an_interrupted_background_says_what_is_kept(store, tmp_path, stalling_registry):
    """Commands that have no run of their own say they were interrupted and what is kept."""
    url, _ = stalling_registry
    started = time.monotonic()
    done = _interrupt(["background", "pypi:stalls==1.0", "--store", str(store), "--pypi-url", url],
                      tmp_path, lambda: time.monotonic() - started > 3)  # fmt: skip
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == ["leaktrace: interrupted; everything stored so far is kept"]
