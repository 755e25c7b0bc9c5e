"""``leaktrace watch``'s big lane: a publication that is big or slow is judged aside while the
feed goes on, and a kill while one is pending skips nothing and reads nothing twice."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from tests.servers import FakeFeeds, FakeWebhook
from tests.test_watch import _env, _private_file, _tarballs, store, watch_command
from tests.watch_stream import js_module

__all__ = ["store"]  # the module's fixture, shared

LEAKED = {"lib/reconciliation.py": _private_file("acme_ledger/reconciliation.py")}


def _rows(results: Path, sql: str) -> list[tuple]:
    if not results.exists():
        return []
    with sqlite3.connect(results) as db:
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # not made yet
            return []


def _packuments(feeds: FakeFeeds, names: list[str]) -> Counter[str]:
    return Counter(r["path"].lstrip("/") for r in feeds.requests
                   if r["path"].lstrip("/") in names and r["status"] == 200)  # fmt: skip


def test_a_slow_publication_does_not_hold_back_the_leak_after_it(store, tmp_path):
    """A tarball the server holds back 20 s comes first in the feed, a leaky package right
    after it: the leak is alerted while the slow tarball is still being sent (before, the
    alert waited for it), and the slow one is still judged, once, and committed after."""
    rng = random.Random(41)
    results = tmp_path / "r.db"
    with FakeFeeds() as feeds, FakeWebhook() as hook:
        feeds.publish_npm("slow", "1.0.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("leaky", "1.0.0", {"index.js": js_module(rng, 3), **LEAKED})
        feeds.publish_npm("after", "1.0.0", {"index.js": js_module(rng, 3)})
        feeds.show()
        feeds.faults.add(r"/slow-1\.0\.0\.tgz$", "hang", seconds=20)
        command = watch_command(store, results, feeds, hook, "--feed", "npm", "--once",
                                "--lane-after", "1")  # fmt: skip
        watch = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 60
        while not hook.alerts():
            assert watch.poll() is None, watch.communicate()
            assert time.monotonic() < deadline, "the leak was not alerted"
            time.sleep(0.05)
        slow_sent = [r for r in feeds.requests_matching(r"/slow-1\.0\.0\.tgz$") if r["status"]]
        _, stderr = watch.communicate(timeout=120)
        tarballs = _tarballs(feeds)
    assert not slow_sent, "the leak waited for the slow tarball"
    assert [a["target"] for a in hook.alerts()] == ["npm:leaky@1.0.0"]
    assert watch.returncode == 1, stderr
    assert "npm:slow: still being fetched after 1 s; judged in the slow lane" in stderr
    assert "3 publication(s) scanned" in stderr
    assert "big lane: 0 done, 0 pending; slow lane: 1 done, 0 pending" in stderr
    assert tarballs == {"slow-1.0.0.tgz": 1, "leaky-1.0.0.tgz": 1, "after-1.0.0.tgz": 1}
    assert _rows(results, "SELECT cursor FROM watch_checkpoints") == [("3",)]
    assert _rows(results, "SELECT * FROM watch_done") == []


def test_a_kill_while_a_big_publication_is_pending_skips_none_and_reads_none_twice(
        store, tmp_path):  # fmt: skip
    """A package bigger than ``--lane-bytes`` (its packument says so) goes to the lane, and its
    tarball hangs there; the four after it are done meanwhile (one a leak, alerted). SIGKILL:
    the checkpoint is still before the big one and the four are recorded done past it. The
    restart fetches none of the four again (neither packument nor tarball), reads the big one
    to its end once (its leak alerted once) and the one published since."""
    rng = random.Random(42)
    results = tmp_path / "r.db"
    small = ["s1", "s2", "s3", "s4"]
    big_files = {f"lib/part{i}.js": js_module(rng, 40) for i in range(8)} | LEAKED
    with FakeFeeds() as feeds, FakeWebhook() as hook:
        feeds.publish_npm("big", "1.0.0", big_files)
        for name in small:
            leaky = LEAKED if name == "s3" else {}
            feeds.publish_npm(name, "1.0.0", {"index.js": js_module(rng, 3), **leaky})
        feeds.show()
        feeds.faults.add(r"/big-1\.0\.0\.tgz$", "hang", seconds=300)
        command = watch_command(store, results, feeds, hook, "--feed", "npm",
                                "--lane-bytes", "20000")  # fmt: skip
        first = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 90
        while len(_rows(results, "SELECT cursor FROM watch_done")) < len(small):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the publications after the big one waited"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        assert _rows(results, "SELECT cursor FROM watch_checkpoints") in ([], [("0",)])
        assert sorted(_rows(results, "SELECT cursor FROM watch_done")) == [
            ("2",), ("3",), ("4",), ("5",)]  # fmt: skip
        assert not feeds.requests_matching(r"/big-1\.0\.0\.tgz$")  # still hanging
        tarballs, packuments = _tarballs(feeds), _packuments(feeds, small)
        assert tarballs == {f"{n}-1.0.0.tgz": 1 for n in small}
        feeds.faults.clear()
        feeds.publish_npm("s5", "1.0.0", {"index.js": js_module(rng, 3)})
        feeds.show()
        second = subprocess.run([*command, "--once"], env=_env(), capture_output=True,
                                text=True, timeout=180)  # fmt: skip
        after = _tarballs(feeds) - tarballs
        assert _packuments(feeds, small) == packuments  # none of the four read again
    assert second.returncode == 1, second.stderr  # the big one's leak, found now
    assert after == {"big-1.0.0.tgz": 1, "s5-1.0.0.tgz": 1}, after
    assert "2 publication(s) scanned" in second.stderr
    assert "big lane: 1 done, 0 pending" in second.stderr
    flagged = _rows(results, "SELECT target FROM candidates WHERE verdict = 'derivative'")
    assert sorted(t for (t,) in flagged) == ["npm:big@1.0.0", "npm:s3@1.0.0"]
    # delivery is at least once (a kill between a delivery and its record sends it again)
    assert {a["target"] for a in hook.alerts()} == {"npm:big@1.0.0", "npm:s3@1.0.0"}
    assert _rows(results, "SELECT count(*) FROM watch_outbox") == [(2,)]
    assert _rows(results, "SELECT cursor FROM watch_checkpoints") == [("6",)]
    assert _rows(results, "SELECT * FROM watch_done") == []


def test_a_leak_in_the_lane_and_leaks_after_it_are_all_alerted(store, tmp_path):
    """The lane judges on a thread of its own against the watch's index: a leak there and a
    leak on the watch's thread both read the store (the matched files' fingerprints). They
    shared one SQLite connection, usable only by the thread that made it: the second to read
    stopped the watch as a 'damaged store', and every feed after the big one was never read
    (bench_watch --stream real: the PyPI and GitHub leaks after the big packages, no alert)."""
    rng = random.Random(43)
    results = tmp_path / "r.db"
    big_files = {f"lib/part{i}.js": js_module(rng, 40) for i in range(8)}
    big_files |= {f"lib/{n}.py": _private_file(f"acme_ledger/{n}.py") for n in ("tax", "accounts")}
    with FakeFeeds() as feeds, FakeWebhook() as hook:  # each leak its own private files
        feeds.publish_npm("big", "1.0.0", big_files)
        feeds.publish_npm("leaky", "1.0.0", {"index.js": js_module(rng, 3), **LEAKED})
        feeds.publish_pypi("ledger-mirror", "0.1", {
            "ledger_mirror/invoicing.py": _private_file("acme_ledger/invoicing.py")})  # fmt: skip
        feeds.show()
        command = watch_command(store, results, feeds, hook, "--feed", "npm", "--feed", "pypi",
                                "--once", "--lane-bytes", "20000")  # fmt: skip
        done = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=180)
    assert "damaged store" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert "npm:big: " in done.stderr and "judged in the big lane" in done.stderr
    assert "big lane: 1 done, 0 pending" in done.stderr
    assert {a["target"].split("@")[0].split("==")[0] for a in hook.alerts()} == {
        "npm:big", "npm:leaky", "pypi:ledger-mirror"}  # fmt: skip


def test_a_slow_publication_never_waits_behind_a_big_one(store, tmp_path):
    """A big package hangs in the big lane; a leaky one after it is slow (its tarball held back
    3 s, past --lane-after 1): it goes to the slow lane and is alerted while the big one still
    hangs. In the one lane it waited behind the big one, however little there was in it (under
    load, any publication slower than --lane-after did)."""
    rng = random.Random(44)
    results = tmp_path / "r.db"
    with FakeFeeds() as feeds, FakeWebhook() as hook:
        feeds.publish_npm("big", "1.0.0", {f"lib/part{i}.js": js_module(rng, 40)
                                           for i in range(8)})  # fmt: skip
        feeds.publish_npm("slowleak", "1.0.0", {"index.js": js_module(rng, 3), **LEAKED})
        feeds.show()
        feeds.faults.add(r"/big-1\.0\.0\.tgz$", "hang", seconds=300)
        feeds.faults.add(r"/slowleak-1\.0\.0\.tgz$", "hang", seconds=3)
        command = watch_command(store, results, feeds, hook, "--feed", "npm",
                                "--lane-bytes", "20000", "--lane-after", "1")  # fmt: skip
        watch = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not hook.alerts() and time.monotonic() < deadline:
                assert watch.poll() is None, watch.communicate()
                time.sleep(0.05)
            big_sent = feeds.requests_matching(r"/big-1\.0\.0\.tgz$")
        finally:
            watch.kill()
            _, stderr = watch.communicate()
    assert [a["target"] for a in hook.alerts()] == ["npm:slowleak@1.0.0"], stderr
    assert not big_sent  # still hanging
    assert "npm:slowleak: still being fetched after 1 s; judged in the slow lane" in stderr
