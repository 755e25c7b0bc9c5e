"""The calling process's memory stays bounded on Dask however many batches it sends (issue 12:
a 15-million-line store build grew 5 MiB per million lines on Dask, none with ``--jobs 2``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scanner import runners
from tests.conftest import REPO

#: Each item 8 KiB: a batch of ``BATCH_ITEMS`` is 512 KiB, under the 1 MB below which Dask's
#: comms kept every message they sent whole (``distributed.admin.low-level-log-length``).
ITEM_BYTES = 8 * 1024
WARM_BATCHES, MEASURED_BATCHES = 20, 60

#: A client in a process of its own (the scheduler of a ``LocalCluster`` lives in the process
#: that starts it): maps ``len`` over the items on the cluster and prints the memory it holds
#: (traced by tracemalloc, after a collection) once warm and at the end, and the results' sum.
CLIENT = """
import gc, json, sys, tracemalloc
from scanner.runners import BATCH_ITEMS, DaskRunner

tracemalloc.start()
warm_items, items, size = (int(a) for a in sys.argv[2:5])
runner = DaskRunner(sys.argv[1])
held, total = [], 0
try:
    for n, value in enumerate(runner.map(len, (bytes([n % 251]) * size for n in range(items)))):
        total += value
        if n + 1 in (warm_items, items):
            gc.collect()
            held.append(tracemalloc.get_traced_memory()[0])
finally:
    runner.close()
print(json.dumps({"held": held, "total": total}))
"""


LOG_LENGTH_NOTE = "DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH=0"


def run_client(address: str, warm_items: int, items: int) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, address, str(warm_items), str(items), str(ITEM_BYTES)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_the_calling_process_keeps_no_copy_of_the_batches_it_sent():
    distributed = pytest.importorskip("distributed")
    batch = runners.BATCH_ITEMS
    items = (WARM_BATCHES + MEASURED_BATCHES) * batch
    assert batch * ITEM_BYTES < 1_000_000  # the size Dask logged whole
    # the cluster with Dask's defaults: only the client's own settings are under test
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:  # fmt: skip
        done = run_client(cluster.scheduler_address, WARM_BATCHES * batch, items)
    # the cluster keeps Dask's logs: one line says how to start a scheduler that does not
    assert done.stderr.count(LOG_LENGTH_NOTE) == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["total"] == items * ITEM_BYTES  # every item was sent, run and answered
    warm, end = out["held"]
    sent = MEASURED_BATCHES * batch * ITEM_BYTES  # 30 MiB after warming up
    # Dask's comm log kept all of it (46.8 MiB more after 50 MiB sent); the window of batches
    # in flight, at most 4 * workers * 512 KiB, is already held when warm
    grew = f"{(end - warm) / 2**20:.1f} MiB more after {sent / 2**20:.0f} MiB sent"
    assert end - warm < sent / 10, grew


def test_clusters_started_in_dask_settings_keep_no_message_logs():
    """The scheduler and workers of a cluster started here (the benchmarks', the tests') get the
    same settings: the scheduler's streams to the workers carry the batches too."""
    distributed = pytest.importorskip("distributed")
    import dask

    default = dask.config.get("distributed.admin.low-level-log-length")
    with (
        runners.dask_settings(),
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        assert client.submit(len, b"abc").result() == 3
        scheduler = cluster.scheduler
        streams = [*scheduler.stream_comms.values(), *scheduler.client_comms.values()]
        assert len(streams) == 2  # to the worker and to the client
        assert {stream.recent_message_log.maxlen for stream in streams} == {0}
        logs = client.run(lambda dask_worker: dask_worker.batched_stream.recent_message_log.maxlen)
        assert set(logs.values()) == {0}  # the worker's stream to the scheduler
        done = run_client(cluster.scheduler_address, 1, 2)
        assert LOG_LENGTH_NOTE not in done.stderr  # nothing to say about this scheduler
    assert dask.config.get("distributed.admin.low-level-log-length") == default  # restored
