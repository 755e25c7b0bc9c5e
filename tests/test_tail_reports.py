"""The scan's tail, which runs alone on one core once the pool's workers are done: what it no
longer does again gives the same reports (issue 12, ``--jobs 2`` at 1.8x one core)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import numpy as np
from typer.testing import CliRunner

from fingerprints import fingerprint_tree, open_store
from scanner import runners
from scanner.cli import app
from scanner.index import FingerprintIndex
from scanner.packed import within
from scanner.reports import Sources, json_report
from scanner.reports.json_report import _hex
from scanner.resultsdb import ResultsDB
from scanner.scan import ScanContext, scan_candidate
from scanner.sources import Limits
from scanner.targets import resolve
from scanner.thresholds import Thresholds
from tests.code import PYTHON, PYTHON_RENAMED
from tests.conftest import SAMPLES
from tests.test_parallel import EXPECTED, PRIVATE, PUBLIC, TARGETS

runner = CliRunner()


def written(report: dict) -> bytes:
    out = io.StringIO()
    json_report.write(report, out, Sources())
    return out.getvalue().encode()


def test_a_report_read_right_after_recording_is_the_one_read_from_the_file(tmp_path):
    """The candidate recorded last is given back as it was recorded, not parsed again: the
    same report as a new connection's, which parses every candidate's text."""
    hostile = {"target": "caf\u00e9 \u4e2d", "verdict": "derivative", "score": 0.000012,
               "files": [{"candidate_path": "a\nb.py", "candidate_sha256": "ab" * 32,
                          "candidate_lines": [[1, 2]], "containment": 1.0}],
               "big": 2**70, "nested": {"x": [None, True, -0.0, "\u2028 \ud800"]}}  # fmt: skip
    with ResultsDB(tmp_path / "r.db", create=True) as db:
        run = db.start_run({"schema": "x"})
        db.add_candidate(run, {"target": "first", "verdict": "clear", "files": []}, {})
        db.add_candidate(run, hostile, {"a\nb.py": ("ab" * 32, "text")})
        db.finish_run(run)
        kept = db.report(run)
        given = kept["candidates"][1]  # the recorded one, not parsed again; not changed
        assert given is not hostile and given["nested"] is hostile["nested"]
        assert "review" not in hostile
        again = db.report(run)  # asked twice: the same, and the recorded dict left as it was
        with ResultsDB(tmp_path / "r.db") as fresh:
            parsed = fresh.report(run)
            assert kept == again == parsed
            assert written(kept) == written(parsed)
            # another connection replaces the row: the text differs, so it is parsed
            fresh.add_candidate(run, {"target": "other", "verdict": "clear", "files": []}, {})
            with fresh._db:
                fresh._db.execute("UPDATE candidates SET data = ? WHERE run_id = ? AND seq = 1",
                                  (json.dumps({**hostile, "verdict": "review"}), run))  # fmt: skip
        assert db.report(run)["candidates"][1]["verdict"] == "review"


def test_a_scan_writes_the_reports_leaktrace_report_writes_again(tmp_path):
    """Every format, with the pool (its workers let go before the reports are written): the
    same bytes as ``leaktrace report`` writes from the results database afterwards."""
    store, results = tmp_path / "store.db", tmp_path / "results.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC),
                               "--store", str(store)])  # fmt: skip
    assert done.exit_code == 0, done.output
    references = [str(SAMPLES.parent / r) for r in EXPECTED["references"]]
    done = runner.invoke(app, ["background", *references, "--store", str(store)])
    assert done.exit_code == 0, done.output
    formats = ("json", "html", "md", "sarif")
    last = sorted(TARGETS, key=lambda t: EXPECTED["candidates"][t.rsplit("/", 1)[-1]]["verdict"]
                  == "derivative")  # the last one, recorded last, has evidence  # fmt: skip
    outputs = [x for f in formats for x in (f"--{f}", str(tmp_path / f"s.{f}"))]
    done = runner.invoke(app, ["scan", *last, "--store", str(store), "--jobs", "2",
                               "--results", str(results), *outputs])  # fmt: skip
    assert done.exit_code == 1, done.output
    for fmt in formats:
        again = tmp_path / f"r.{fmt}"
        done = runner.invoke(app, ["report", "latest", "--results", str(results),
                                   "--out", str(again)])  # fmt: skip
        assert done.exit_code == 0, done.output
        assert (tmp_path / f"s.{fmt}").read_bytes() == again.read_bytes(), fmt
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["candidates"][-1]["files"]


def test_hashes_are_written_as_sixteen_hex_digits():
    hashes = (0, 1, 255, 2**63, 2**64 - 1, 0x0123456789ABCDEF)
    assert _hex(hashes) == [f"{h:016x}" for h in hashes]
    assert _hex(()) == []


def test_released_workers_exit_and_the_next_map_forks_new_ones():
    pool = runners.Processes(2)
    try:
        first = set(pool.map(_pid, range(8)))
        pool.release()
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in first) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in first)
        second = set(pool.map(_pid, range(8)))
        assert second and not second & first
    finally:
        pool.close()


def _pid(_: int) -> int:
    return os.getpid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is no longer running
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_meanwhile_runs_once_when_the_first_outcome_is_in(tree):
    """With a pool: once, when the first outcome came back;
    the same result as without it. A candidate with no file never calls it."""
    files = {f"pkg/m{n}.py": PYTHON_RENAMED.replace("journal", f"journal{n}") for n in range(20)}
    candidate_root = tree("candidate", files)
    repo = tree("private", {"ledger/journal.py": PYTHON})
    store = open_store(str(repo.parent / "store.db"), create=True)
    fingerprint_tree(repo, store, name="acme")
    context = ScanContext(FingerprintIndex.from_store(store), store.params, Thresholds())
    calls: list[int] = []
    pool = runners.Processes(2)
    try:
        plain = scan_candidate(resolve(str(candidate_root), Limits(), None), context, runner=pool)
        timed = scan_candidate(resolve(str(candidate_root), Limits(), None), context,
                               runner=pool, meanwhile=lambda: calls.append(len(calls)))  # fmt: skip
        empty = tree("empty", {"README": "nothing to read"})
        scan_candidate(resolve(str(empty), Limits(), None), context, meanwhile=calls.clear)
    finally:
        pool.close()
        store.close()
    assert calls == [0]
    assert timed.match == plain.match and timed.match.pairs


def test_membership_is_isin_without_numpy_ma():
    """``within`` answers as ``np.isin`` does; the scan's modules import no ``numpy.ma`` (12 ms
    of CPU in the calling process before the pool had work, and in each pool worker)."""
    rng = np.random.default_rng(7)
    values = rng.integers(0, 50, 1000).astype(np.uint32)
    for ordered in (np.zeros(0, np.uint32), np.array([3], np.uint32),
                    np.unique(rng.integers(0, 60, 30)).astype(np.uint32)):  # fmt: skip
        assert (within(values, ordered) == np.isin(values, ordered)).all()
    assert within(np.zeros(0, np.int64), np.array([1, 2])).shape == (0,)
    code = ("import sys, numpy as np, scanner.cli, scanner.index, scanner.scan, scanner.matcher;"
            "from scanner.packed import distinct, within;"
            "within(np.arange(9), distinct(np.array([5, 1, 5])));"
            "print('numpy.ma' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
