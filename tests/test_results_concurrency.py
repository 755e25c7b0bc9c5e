"""Scans starting at once on a new results database (issue 11, row 13): one creates it, the
others wait for it and use it; none fails with "table meta already exists"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from scanner.resultsdb import ResultsDB

PROCESSES = 10


def _open_and_record(path: str, barrier, number: int) -> None:
    barrier.wait()  # all at once, on a file none of them has made yet
    with ResultsDB(Path(path), create=True) as results:
        run = results.start_run({"provenance": {"started_at": f"run {number}"}})
        results.add_candidate(run, {"target": f"t{number}", "verdict": "clear", "files": []}, {})
        results.finish_run(run)


def test_ten_scans_start_at_once_on_a_new_results_database(tmp_path):
    path = tmp_path / "results.db"
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    workers = [context.Process(target=_open_and_record, args=(str(path), barrier, n))
               for n in range(PROCESSES)]  # fmt: skip
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    with ResultsDB(path) as results:
        runs = results.runs()
        assert len(runs) == PROCESSES and all(status == "done" for _, _, status, _ in runs)
        assert sorted(c for *_, c in runs) == [1] * PROCESSES
