"""Same results on one core, on every core, and on a real Dask cluster (issue: scale)."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fingerprints import open_store
from scanner import runners
from scanner.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
EXPECTED = json.loads((SAMPLES / "expected.json").read_text())
PRIVATE = SAMPLES / "private" / "acme-ledger"
PUBLIC = SAMPLES / "public" / "acme-pay-sdk"
TARGETS = [str(SAMPLES / "candidates" / name) for name in EXPECTED["candidates"]]


def stable(report: dict) -> list[dict]:
    """The candidates of a report without what differs from run to run (times)."""
    keep = []
    for candidate in report["candidates"]:
        candidate = {k: v for k, v in candidate.items()
                     if k not in ("fetched_at", "scanned_at", "scanned", "review")}  # fmt: skip
        keep.append(candidate)
    return keep


def index_content(store: Path) -> tuple[dict, dict[str, bytes]]:
    """The persistent index beside ``store``: its header but the store's random instance id and
    generation and when each reference was learned, and every array's bytes."""
    from scanner.index_file import IndexFile, index_path

    opened = IndexFile.open(index_path(store))
    header = {k: v for k, v in opened.header.items() if k != "store"}
    header["reference_info"] = [{k: v for k, v in info.items() if k != "learned_at"}
                                for info in header["reference_info"]]  # fmt: skip
    return header, {name: array.tobytes() for name, array in opened.arrays.items()}


def run(tmp_path, name: str, *extra: str) -> tuple[str, list[dict], tuple[dict, dict]]:
    store, report = tmp_path / f"{name}.db", tmp_path / f"{name}.json"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC),
                               "--store", str(store), *extra])  # fmt: skip
    assert done.exit_code == 0, done.output
    references = [str(SAMPLES.parent / r) for r in EXPECTED["references"]]
    done = runner.invoke(app, ["background", *references, "--store", str(store)])
    assert done.exit_code == 0, done.output
    results = tmp_path / f"{name}-results.db"
    done = runner.invoke(app, ["scan", *TARGETS, "--store", str(store), "--json", str(report),
                               "--results", str(results), *extra])  # fmt: skip
    assert done.exit_code == 1, done.output
    with open_store(store) as opened:
        digest = opened.digest()
    return digest, stable(json.loads(report.read_text())), index_content(store)


def test_every_core_gives_the_same_store_and_verdicts(tmp_path):
    serial = run(tmp_path, "serial", "--jobs", "1")
    parallel = run(tmp_path, "parallel", "--jobs", "2")
    assert serial == parallel  # the same store digest, reports, and index, array for array
    assert gc.get_freeze_count() == 0  # each candidate's tail froze the heap; the run unfroze it
    verdicts = {c["target"].rsplit("/", 1)[-1]: c["verdict"] for c in serial[1]}
    assert verdicts == {k: v["verdict"] for k, v in EXPECTED["candidates"].items()}


def test_a_real_dask_cluster_gives_the_same_results(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(runners, "BATCH_ITEMS", 2)  # batches of two files: both workers get some
    local = run(tmp_path, "local", "--jobs", "1")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:  # fmt: skip
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            with distributed.get_task_stream(client) as stream:
                remote = run(tmp_path, "dask", "--scheduler", cluster.scheduler_address)
            tasks = [t for t in stream.data if t["key"].startswith(("run_job", "scan_file"))]
            assert {t["key"].split("-")[0] for t in tasks} == {"run_job", "scan_file"}
            assert len({t["worker"] for t in tasks}) == 2  # both workers did part of it
    assert remote == local  # the same store digest, reports, and index, array for array
    # The distributed store is a real, consistent store with the same content.
    con = sqlite3.connect(tmp_path / "dask.db")
    assert con.execute("SELECT count(*) FROM files").fetchone()[0] > 20


def test_dask_batches_keep_order_ready_items_and_exceptions_in_place():
    """Items go to the workers in batches (one round trip per batch, not per item): results come
    back in the items' order, a ``Ready`` item passes through at its place, and an item that
    raises raises at its place, after every result before it."""
    distributed = pytest.importorskip("distributed")
    items: list[object] = [str(n) for n in range(150)]
    items[70:70] = [runners.Ready(-1)]
    items.append("not a number")
    items += [str(n) for n in range(10)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:  # fmt: skip
        dask = runners.DaskRunner(cluster.scheduler_address)
        try:
            with (
                distributed.Client(cluster) as client,
                distributed.get_task_stream(client) as stream,
            ):
                got = []
                with pytest.raises(ValueError, match="not a number"):
                    for value in dask.map(int, items):
                        got.append(value)
        finally:
            dask.close()
    assert got == [*range(70), -1, *range(70, 150)]
    tasks = [t for t in stream.data if t["key"].startswith("int-")]
    # 70 items before the Ready item (64 + 6), 91 after it (64 + 27, the bad one in the last)
    assert len(tasks) == 4


def test_dask_batches_close_at_their_item_and_byte_limits():
    class Job:
        def __init__(self, size: int) -> None:
            self.data = bytes(size)

    small = [Job(10) for _ in range(runners.BATCH_ITEMS + 1)]
    assert [len(b) for b in runners._batches(small)] == [runners.BATCH_ITEMS, 1]
    big = [Job(runners.BATCH_BYTES // 2) for _ in range(5)]
    assert [len(b) for b in runners._batches(big)] == [2, 2, 1]
    ready = runners.Ready("r")
    batches = list(runners._batches([Job(1), ready, Job(1)]))
    assert [len(batches[0]), batches[1].value, len(batches[2])] == [1, [(True, "r")], 1]


class Warmed:
    """A context whose ``warm`` leaves a mark, named by its pid, in each worker it starts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def warm(self) -> None:
        (self.folder / str(os.getpid())).touch()


def _pid(item: int, context: Warmed) -> int:
    return os.getpid()


def test_a_pool_started_ahead_forks_and_warms_every_worker_before_any_item(tmp_path):
    """``Processes.start`` forks the workers before the caller has items (a scan's workers start
    their parser processes while the calling process records the run and walks to the first
    files), and ``map`` with that context then uses those very workers."""
    pool = runners.Processes(2)
    context = Warmed(tmp_path)
    try:
        pool.start(context)
        deadline = time.monotonic() + 60
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        warmed = {int(p.name) for p in tmp_path.iterdir()}
        assert len(warmed) == 2 and os.getpid() not in warmed  # no item was sent
        assert set(pool.map(_pid, range(20), context)) <= warmed
    finally:
        pool.close()


def _frozen(item: int, context: Warmed) -> int:
    return gc.get_freeze_count()


def test_the_workers_inherit_the_callers_objects_frozen(tmp_path):
    """The pool's workers are forked with every object of this process frozen (``gc.freeze``):
    a worker's full collections never walk what it inherited (the index, the imports), nor write
    to those pages; this process collects its own objects as before (none left frozen)."""
    held = [[index] for index in range(10_000)]  # containers every worker inherits
    pool = runners.Processes(2)
    context = Warmed(tmp_path)
    try:
        pool.start(context)
        assert gc.get_freeze_count() == 0
        assert min(pool.map(_frozen, range(8), context)) >= len(held)
    finally:
        pool.close()


def test_the_last_items_go_one_by_one_in_order():
    """With ``tail``, the last items are batches of one (no worker is left with a whole batch
    while the others are done); every item comes once, in order, a ``Ready`` one at its place."""
    ready = runners.Ready("r")
    items: list[object] = [*range(20), ready, 20, 21]
    batches = list(runners._batches(items, most_items=8, tail=5))
    flat = [b.value[0][1] if isinstance(b, runners.Ready) else b for b in batches]
    assert flat == [[*range(8)], [*range(8, 16)], [16, 17], [18], [19], "r", [20], [21]]
    assert list(runners._batches(range(3), most_items=8, tail=5)) == [[0], [1], [2]]
    assert list(runners._batches(range(10), most_items=4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
