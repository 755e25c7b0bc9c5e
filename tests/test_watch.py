"""``leaktrace watch`` against feed servers on 127.0.0.1 (issue 13): 10,000 publications with
five leaks, a SIGKILL halfway, the webhook down for a while; and the feeds' edges."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from scanner.errors import ConfigError
from scanner.http import FetchError, Http, Policy
from scanner.sources.base import Limits
from scanner.sources.github import GitHubAPI
from scanner.watch import Filters, GitHubFeed, NpmFeed, Publication, render
from scanner.watch.alerts import SLACK_BACKTICK, check_webhook
from scanner.watch.state import alert_destination
from tests.servers import FakeFeeds, FakeWebhook
from tests.watch_stream import PRIVATE, build, js_module, write_store

PREFETCH = 4


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return write_store(tmp_path_factory.mktemp("watch-store") / "acme.db")


def watch_command(store: Path, results: Path, feeds: FakeFeeds, hook: FakeWebhook,
                  *extra: str) -> list[str]:  # fmt: skip
    return [sys.executable, "-m", "scanner", "watch", "--store", str(store),
            "--results", str(results), "--webhook", f"{hook.url}/T000/B000/secret-path",
            "--from-beginning", "--gharchive-from", "2026-12-01-0",
            "--npm-changes", feeds.url, "--npm-registry", feeds.url, "--pypi-url", feeds.url,
            "--api-url", feeds.url, "--gharchive-url", f"{feeds.url}/gharchive",
            "--poll", "0.2", "--prefetch", str(PREFETCH), *extra]  # fmt: skip


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}


def _fetched(feeds: FakeFeeds, paths: set[str]) -> Counter[str]:
    return Counter(r["path"] for r in feeds.requests if r["path"] in paths and r["status"] == 200)


def _npm_checkpoint(results: Path) -> int:
    with sqlite3.connect(results) as db:
        row = db.execute("SELECT cursor FROM watch_checkpoints WHERE feed LIKE 'npm %'").fetchone()
    return int(row[0]) if row else 0


def _place(target: str) -> str:
    """Where a leak is: the package version, or the GitHub repository (the push to a fork is
    found when the fork's tree is read, or in the push: the same files, one alert)."""
    return target.split("@")[0] if target.startswith("github:") else target


def _private_file(path: str) -> bytes:
    return (PRIVATE / path).read_bytes()


def leaks(stream) -> set[str]:
    return {_place(t) for t in stream.leaky_targets.values()}


def test_ten_thousand_publications_kill_and_webhook_down(store, tmp_path):
    started = time.monotonic()
    results = tmp_path / "results.db"
    with FakeFeeds() as feeds, FakeWebhook() as hook:
        stream = build(feeds, 10_000)
        assert stream.publications == 10_000
        feeds.show()
        hook.down = True
        npm_paths = [e.data["path"] for e in feeds.entries if e.feed == "npm"]
        pypi_paths = {e.data["path"] for e in feeds.entries if e.feed == "pypi"}
        first = subprocess.Popen(watch_command(store, results, feeds, hook), env=_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 240
        while len(_fetched(feeds, set(npm_paths))) < len(npm_paths) // 2:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "watch made no progress"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first_stderr = first.communicate()[1].decode()
        killed_at = _npm_checkpoint(results)  # the npm seq of the last committed publication
        before_restart = _fetched(feeds, set(npm_paths))
        assert 0 < killed_at < len(npm_paths)
        assert not hook.alerts()  # the webhook is down: the alert waits in the outbox

        second = subprocess.Popen(watch_command(store, results, feeds, hook, "--once"),
                                  env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)  # fmt: skip
        time.sleep(3)
        hook.down = False
        _, stderr = second.communicate(timeout=300)
        # exits like scan for what this run found (the feeds are read side by side, so the
        # leaks of the other feeds may have been found before the kill)
        found_now = int(re.search(r"([\d,]+) flagged", stderr).group(1).replace(",", ""))
        assert second.returncode == (1 if found_now else 0), stderr
        elapsed = time.monotonic() - started

        # exactly the five leaks, each alerted (at least once, each with its own stable id)
        alerts = hook.alerts()
        assert {_place(a["target"]) for a in alerts} == leaks(stream), stderr
        assert len({a["id"] for a in alerts}) == 5
        assert all(a["verdict"] == "derivative" for a in alerts)
        assert "secret-path" not in stderr  # the webhook's URL is never printed
        with sqlite3.connect(results) as db:
            flagged = db.execute("SELECT target FROM candidates WHERE verdict = 'derivative'")
            assert sorted(_place(t) for (t,) in flagged) == sorted(leaks(stream))
            outbox = db.execute("SELECT count(*), count(delivered_at) FROM watch_outbox").fetchone()
        assert outbox == (5, 5)

        # none missed, none scanned twice: each tarball of a publication committed before the
        # kill was fetched once; only the few fetched ahead and not yet committed come again
        fetched = _fetched(feeds, set(npm_paths))
        assert set(fetched) == set(npm_paths), "an npm publication was never read"
        again = [p for p, n in fetched.items() if n > 1]
        committed = set(npm_paths[:killed_at])
        assert not committed & set(again), "a committed publication was read again"
        assert len(again) <= PREFETCH + 1
        assert all(before_restart[p] == 1 for p in again)
        pypi = _fetched(feeds, pypi_paths)
        assert set(pypi) == pypi_paths and max(pypi.values()) == 1
        pushes = [e.data["event"]["payload"]["head"] for e in feeds.entries
                  if e.feed == "github" and e.data["event"]["type"] == "PushEvent"]  # fmt: skip
        compares = Counter(r["path"].rsplit("...", 1)[-1] for r in feeds.requests
                           if "/compare/" in r["path"])  # fmt: skip
        assert set(compares) == set(pushes) and max(compares.values()) == 1
        assert feeds.requests_matching(r"^/gharchive/")  # the first hours came from GH Archive
    print(f"10,000 publications, killed once, webhook down ~3 s: {elapsed:.1f} s")
    assert "GH Archive" in first_stderr + stderr


# -- the edges ------------------------------------------------------------------------------------


def _http(**policy: float) -> Http:
    return Http(httpx.Client(timeout=5), policy=Policy(backoff_base=0.01, **policy))


def test_npm_feed_honours_retry_after_and_keeps_opaque_seqs():
    with FakeFeeds(string_seqs=True) as feeds:
        for name in ("one", "two", "three"):
            feeds.publish_npm(name, "1.0.0", {"a.js": js_module(random.Random(1), 1)})
        feeds.show(2)
        feeds.faults.add("^/_changes$", "429", retry_after=1)
        waited: list[float] = []
        http = Http(httpx.Client(timeout=5), sleep=waited.append)
        feed = NpmFeed(http, feeds.url, feeds.url, Limits(), "0")
        entries = list(feed.poll())
        assert [e.target for e in entries] == ["npm:one", "npm:two"]
        assert waited == [1.0] and feed.cursor == entries[-1].cursor
        assert feed.cursor.startswith("2-g1AAAA")  # kept exactly as the feed gave it
        feeds.show()
        assert [e.target for e in feed.poll()] == ["npm:three"]
        assert feeds.requests[-1]["query"]["since"] == entries[-1].cursor
        opened = entries[0].open()
        assert opened.candidate.target == "npm:one@1.0.0"


def test_github_events_revalidate_with_etag_and_read_poll_interval():
    with FakeFeeds(poll_interval=7) as feeds:
        feeds.create_repo("a/b", {"x.js": b"var x = 1;\n"})
        feeds.push("a/b", {"y.js": b"var y = 2;\n"})
        feeds.show()
        api = GitHubAPI(_http(), feeds.url)
        feed = GitHubFeed(api, Limits(), None, None, say=lambda _: None, from_beginning=True)
        assert [p.target.split("@")[0] for p in feed.poll()] == ["github:a/b"]
        assert feed.interval == 7
        assert list(feed.poll()) == []  # nothing new: a 304
        events = feeds.requests_matching("^/events$")
        assert [r["status"] for r in events] == [200, 304]


def test_filters_and_webhook_rules():
    filters = Filters(packages=("acme-*",), scopes=("@acme",), orgs=("AcmeCorp",),
                      keywords=("ledger",))  # fmt: skip

    def pub(feed: str, name: str) -> Publication:
        return Publication(feed, "1", name, name)

    assert filters.wanted(pub("npm", "@acme/ui")) and filters.wanted(pub("pypi", "acme-core"))
    assert not filters.wanted(pub("npm", "@acmex/ui")) and not filters.wanted(pub("npm", "x"))
    assert filters.wanted(pub("github", "acmecorp/tools"))
    assert filters.wanted(pub("github", "someone/ledger-copy"))
    assert not filters.wanted(pub("github", "someone/tools"))
    assert Filters().wanted(pub("npm", "anything"))
    with pytest.raises(ConfigError) as refused:
        check_webhook("http://hooks.example.com/T0K3N")  # would travel in clear
    assert "T0K3N" not in str(refused.value) and "hooks.example.com" in str(refused.value)
    assert (
        check_webhook("https://hooks.slack.com/services/T/B/secret")
        == "https://hooks.slack.com:443"
    )
    payload = {
        "id": "abc",
        "feed": "npm",
        "target": "npm:<@here>&x\n",
        "verdict": "derivative",
        "matched_tokens": 10,
        "files": [{"candidate_path": "a\x1b[31m.py"}],
    }
    slack = json.loads(render(payload, "slack"))
    assert "<@here>" not in slack["text"] and "&lt;@here&gt;&amp;x\\n" in slack["text"]
    assert "\x1b" not in slack["text"]
    styled = json.loads(render(payload | {"target": "github:a_b/*c*_d"}, "slack"))
    assert " in `github:a_b/*c*_d` (npm)" in styled["text"]  # in a code span: not italic, bold


def test_the_token_goes_only_to_the_api_never_to_gh_archive(tmp_path):
    token = "ghp_" + "W4tch" * 7
    with FakeFeeds() as api, FakeFeeds(seconds_per_entry=1800) as archive:
        for feeds in (api, archive):
            feeds.create_repo("a/b", {"x.js": b"var x = 1;\n"})
            feeds.push("a/b", {"y.js": b"var y = 2;\n"})  # hour 0
            feeds.push("a/b", {"z.js": b"var z = 3;\n"})  # hour 0
            feeds.push("a/b", {"w.js": b"var w = 4;\n"})  # hour 1: the live feed's
            feeds.show()
        said: list[str] = []
        http = Http(httpx.Client(timeout=5), token=token, api_url=api.url)
        feed = GitHubFeed(GitHubAPI(http, api.url), Limits(), None, f"{archive.url}/gharchive",
                          "2026-12-01-0", say=said.append)  # fmt: skip
        targets = [p.target for p in feed.poll()]
        assert len(targets) == 3  # two from the archive, then the live feed's newest only
        assert json.loads(feed.cursor)["id"] == 40_000_000_002
    assert archive.requests_matching(r"^/gharchive/2026-12-01-0\.json\.gz$")
    assert all("authorization" not in r["headers"] for r in archive.requests)
    assert all(r["headers"].get("authorization") == f"Bearer {token}" for r in api.requests)
    assert token not in " ".join(said)


def _wait_for(condition: Callable[[], Any], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_outbox_keeps_alerts_while_the_webhook_is_down_and_honours_retry_after(tmp_path):
    from scanner.resultsdb import ResultsDB
    from scanner.watch import Outbox, WatchState

    path = tmp_path / "results.db"
    with FakeWebhook() as hook, ResultsDB(path, create=True) as results:
        hook.down, hook.retry_after = True, 1
        state = WatchState(results, destination=alert_destination(f"{hook.url}/secret", "json"))
        state.commit("npm", "7", 1, alert=("a1", {"id": "a1", "target": "npm:x@1"}))
        said: list[str] = []
        outbox = Outbox(path, Http(httpx.Client(timeout=5)), f"{hook.url}/secret", "json",
                        said.append)  # fmt: skip
        outbox.start()
        try:
            _wait_for(lambda: hook.requests, 10)
            hook.down = False
            _wait_for(lambda: not state.pending(), 10)
        finally:
            outbox.stop()
        assert state.pending() == 0 and hook.alerts() == [{"id": "a1", "target": "npm:x@1"}]
        first, second = hook.requests[0]["time"], hook.requests[-1]["time"]
        assert second - first >= 0.9  # waited the Retry-After
        assert state.checkpoint("npm") == "7"
    assert all("secret" not in line for line in said) and any("503" in s for s in said)


def test_the_outbox_outlives_any_error_and_loses_no_alert(tmp_path, monkeypatch):
    """Not only a webhook that is down: an exception of any other kind (a library's, a
    database's, an alert that cannot be rendered) is one line, and delivery goes on."""
    from scanner.resultsdb import ResultsDB
    from scanner.watch import Outbox, WatchState

    class Flaky(Http):
        raised = 0

        def post(self, *args, **kwargs):
            if not Flaky.raised:  # a transport bug that is not a FetchError
                Flaky.raised += 1
                raise RuntimeError("h11 state machine confused")
            return super().post(*args, **kwargs)

    dues = WatchState.due

    def due_failing_once(self, *args, **kwargs):  # the database locked past its timeout
        if not getattr(due_failing_once, "done", False):
            due_failing_once.done = True
            raise sqlite3.OperationalError("database is locked")
        return dues(self, *args, **kwargs)

    monkeypatch.setattr(WatchState, "due", due_failing_once)
    path = tmp_path / "results.db"
    good = {"id": "a2", "feed": "npm", "target": "npm:x@1", "verdict": "derivative",
            "matched_tokens": 90, "files": []}  # fmt: skip
    with FakeWebhook() as hook, ResultsDB(path, create=True) as results:
        state = WatchState(results, destination=alert_destination(f"{hook.url}/secret", "slack"))
        state.commit("npm", "1", 1, alert=("a1", {"id": "a1"}))  # no fields to render: KeyError
        state.commit("npm", "2", 1, alert=("a2", good))
        said: list[str] = []
        outbox = Outbox(path, Flaky(httpx.Client(timeout=5)), f"{hook.url}/secret", "slack",
                        said.append)  # fmt: skip
        outbox.start()
        try:
            _wait_for(hook.alerts, 20)
            assert outbox._thread.is_alive()
        finally:
            outbox.stop()
        assert [a["text"].split(":")[0] for a in hook.alerts()] == ["leaktrace"]
        assert "npm:x@1" in hook.alerts()[0]["text"]
        rows = dict(results.connection.execute(
            "SELECT alert, delivered_at IS NOT NULL FROM watch_outbox"))  # fmt: skip
        assert rows == {"a1": 0, "a2": 1}  # the one that cannot be sent is kept, not dropped
        errors = dict(results.connection.execute("SELECT alert, last_error FROM watch_outbox"))
    assert "KeyError" in (errors["a1"] or "")
    assert any("OperationalError: database is locked" in line for line in said)
    assert all("secret" not in line for line in said)


def test_a_backtick_in_a_name_cannot_end_the_slack_code_span():
    payload = {"id": "a`b", "feed": "npm", "target": "npm:`@channel`", "verdict": "derivative",
               "matched_tokens": 10,
               "files": [{"candidate_path": "x`*bold* <!here>`.js"},
                         {"candidate_path": "plain.js"}]}  # fmt: skip
    slack = json.loads(render(payload, "slack"))
    text = slack["text"]
    assert text.count("`") == 6  # three code spans (target, two files), each leaktrace's own
    assert f"`x{SLACK_BACKTICK}*bold* &lt;!here&gt;{SLACK_BACKTICK}.js`" in text
    assert f"npm:{SLACK_BACKTICK}@channel{SLACK_BACKTICK}" in text
    assert "`" not in slack["blocks"][1]["elements"][0]["text"]


def test_results_database_schema_3_gains_the_watch_tables(tmp_path):
    from scanner.resultsdb import ResultsDB

    path = tmp_path / "old.db"
    ResultsDB(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE watch_checkpoints")
        db.execute("DROP TABLE watch_outbox")
        db.execute("DROP TABLE watch_versions")
        db.execute("DROP TABLE watch_since")
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with ResultsDB(path) as results:
        version = results.connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]  # fmt: skip
        tables = {r[0] for r in results.connection.execute("SELECT name FROM sqlite_master")}
    assert version == "6"
    assert {"watch_checkpoints", "watch_outbox", "watch_versions", "watch_since"} <= tables


def test_results_database_schema_5_keeps_its_undelivered_alerts_for_any_webhook(tmp_path):
    """Schema 6 records each alert's webhook; an alert written before (schema 5, which did not)
    is still delivered, by the next watch with a webhook, as it was before."""
    from scanner.resultsdb import ResultsDB
    from scanner.watch import WatchState

    path = tmp_path / "old.db"
    ResultsDB(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE watch_outbox")
        db.execute("CREATE TABLE watch_outbox (id INTEGER PRIMARY KEY, alert TEXT NOT NULL"
                   " UNIQUE, payload TEXT NOT NULL, created_at REAL NOT NULL, attempts INTEGER"
                   " NOT NULL DEFAULT 0, next_at REAL NOT NULL, delivered_at REAL,"
                   " last_error TEXT)")  # fmt: skip
        db.execute("INSERT INTO watch_outbox (alert, payload, created_at, next_at)"
                   " VALUES ('a1', '{}', 0, 0)")  # fmt: skip
        db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    with ResultsDB(path) as results:
        anyone = WatchState(results, destination=alert_destination("https://x.example/h", "json"))
        assert [alert.alert for alert in anyone.due()] == ["a1"]
        assert WatchState(results).pending() == 1


def test_a_malformed_feed_answer_is_one_line_and_the_other_feeds_go_on(store, tmp_path):
    from typer.testing import CliRunner

    from scanner.cli import app

    with FakeFeeds() as feeds:
        feeds.publish_pypi("fine", "1.0", {"fine/__init__.py": b"X = 1\n"})
        feeds.show()
        feeds.faults.add("^/_changes$", "body", body=[], times=None)
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "npm",
            "--feed", "pypi", "--from-beginning", "--once", "--npm-changes", feeds.url,
            "--npm-registry", feeds.url, "--pypi-url", feeds.url])  # fmt: skip
    assert done.exit_code == 3, done.output  # npm's publications were not read: not clear
    assert "npm: " in done.output and "malformed answer" in done.output
    assert "1 publication(s) scanned" in done.output


def test_filtered_publications_are_never_fetched(store, tmp_path):
    """Publications the filters leave out are never fetched; one of ours over ``--max-size`` is
    not downloaded either, but it is ``incomplete`` (recorded, exit 3), never 'filtered out' as
    if it were someone else's: before, the watch ended clear (exit 0) without reading it."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(3)
    with FakeFeeds() as feeds:
        wanted = feeds.publish_npm("@acme/ui", "1.0.0", {"a.js": js_module(rng, 2)})
        other = feeds.publish_npm("@other/ui", "1.0.0", {"a.js": js_module(rng, 2)})
        big = feeds.publish_npm("@acme/huge", "1.0.0", {"a.js": js_module(rng, 400)})
        feeds.show()
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "npm",
            "--scope", "@acme", "--max-size", "20000", "--from-beginning", "--once",
            "--npm-changes", feeds.url, "--npm-registry", feeds.url])  # fmt: skip
        fetched = {r["path"] for r in feeds.requests}
    assert done.exit_code == 3, done.output
    assert feeds.entries[wanted].data["path"] in fetched
    assert feeds.entries[other].data["path"] not in fetched
    assert "/@other/ui" not in fetched  # not even its document
    assert feeds.entries[big].data["path"] not in fetched  # over --max-size: document only
    assert "2 publication(s) scanned, 1 filtered out, 0 flagged, 1 incomplete" in done.output
    with sqlite3.connect(tmp_path / "r.db") as db:
        [(target, verdict, data)] = db.execute("SELECT target, verdict, data FROM candidates")
    assert (target, verdict) == ("npm:@acme/huge@1.0.0", "incomplete")
    assert "over --max-size; not downloaded, not read" in data


def test_a_malformed_packument_is_unread_not_filtered(store, tmp_path):
    """A packument without the shape npm gives is a problem line naming the package, and its
    publication is not read (``incomplete``); a package whose versions were all unpublished
    has nothing left to read. Neither is "filtered out"."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(4)
    with FakeFeeds() as feeds:
        for name in ("fine", "broken", "gone"):
            feeds.publish_npm(name, "1.0.0", {"a.js": js_module(rng, 2)})
        feeds.show()
        feeds.faults.add("^/broken$", "body", times=None, body={
            "name": "broken", "time": ["1.0.0"], "versions": {"1.0.0": {}}})  # fmt: skip
        feeds.faults.add("^/gone$", "body", times=None, body={
            "name": "gone", "time": {"created": "2026-01-01T00:00:00Z",
                                     "unpublished": {"versions": ["1.0.0"]}}})  # fmt: skip
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "npm",
            "--from-beginning", "--once", "--npm-changes", feeds.url,
            "--npm-registry", feeds.url])  # fmt: skip
    assert done.exit_code == 3, done.output
    assert "npm:broken: " in done.output and "malformed answer: time should be an object" in (
        done.output)  # fmt: skip
    assert "1 publication(s) scanned" not in done.output
    assert "2 publication(s) scanned, 0 filtered out, 0 flagged, 1 incomplete" in done.output
    with sqlite3.connect(tmp_path / "r.db") as db:
        rows = db.execute("SELECT target, verdict FROM candidates").fetchall()
        done_count = db.execute("SELECT publications FROM watch_checkpoints").fetchone()[0]
    assert rows == [("npm:broken", "incomplete")] and done_count == 3


def test_two_parsers_keep_feed_order_and_parse_a_reshipped_file_once(store, tmp_path,
                                                                      monkeypatch):  # fmt: skip
    """``--jobs 2``: two parser processes read ahead, yet each publication is committed in feed
    order, once; a leaked file shipped again in a later package is parsed once (the memo),
    and both packages are flagged with their own evidence."""
    import hashlib

    from typer.testing import CliRunner

    from fingerprints.isolation import IsolatedParser
    from scanner.cli import app
    from scanner.watch import WatchState

    parsed: Counter[str] = Counter()
    tokenize = IsolatedParser.tokenize

    def counting(self, data, language):
        parsed[hashlib.sha256(data).hexdigest()] += 1
        return tokenize(self, data, language)

    commits: list[int] = []
    commit = WatchState.commit

    def recording(self, feed, cursor, *args, **kwargs):
        commits.append(int(cursor))
        return commit(self, feed, cursor, *args, **kwargs)

    monkeypatch.setattr(IsolatedParser, "tokenize", counting)
    monkeypatch.setattr(WatchState, "commit", recording)
    leaked = _private_file("acme_ledger/reconciliation.py")
    rng = random.Random(8)
    with FakeFeeds() as feeds:
        for n in range(24):
            if n in (5, 6):  # side by side: read ahead at the same time
                name = "@evil/tools" if n == 5 else "@evil/tools-copy"
                feeds.publish_npm(name, "1.0.0", {"lib/reconciliation.py": leaked,
                                                  "index.js": js_module(rng, 5)})  # fmt: skip
            else:
                feeds.publish_npm(f"pkg-{n}", "1.0.0", {"index.js": js_module(rng, 30)})
        feeds.show()
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "npm",
            "--jobs", "2", "--from-beginning", "--once", "--npm-changes", feeds.url,
            "--npm-registry", feeds.url])  # fmt: skip
        tarballs = Counter(r["path"] for r in feeds.requests_matching(r"\.tgz$"))
    assert done.exit_code == 1, done.output
    assert "24 publication(s) scanned, 0 filtered out, 2 flagged" in done.output
    assert len(tarballs) == 24 and set(tarballs.values()) == {1}
    assert commits == sorted(commits) and len(commits) == len(set(commits)) == 24
    assert parsed[hashlib.sha256(leaked).hexdigest()] == 1
    with sqlite3.connect(tmp_path / "r.db") as db:
        rows = db.execute("SELECT target, verdict, data FROM candidates ORDER BY seq").fetchall()
        count = db.execute("SELECT publications FROM watch_checkpoints").fetchone()[0]
    assert [t for t, _, _ in rows] == ["npm:@evil/tools@1.0.0", "npm:@evil/tools-copy@1.0.0"]
    assert {v for _, v, _ in rows} == {"derivative"}
    for _, _, data in rows:
        paths = {f["candidate_path"] for f in json.loads(data)["files"]}
        assert "package/lib/reconciliation.py" in paths
    assert count == 24


def test_a_backlog_on_npm_does_not_hold_back_pypi(store, tmp_path, monkeypatch):
    """The feeds are read side by side: a PyPI leak published behind 200 npm packages is
    scanned and committed after a few of them, not after npm's whole backlog."""
    from typer.testing import CliRunner

    from scanner.cli import app
    from scanner.watch import WatchState

    commits: list[str] = []
    commit = WatchState.commit

    def recording(self, feed, cursor, *args, **kwargs):
        commits.append(feed)
        return commit(self, feed, cursor, *args, **kwargs)

    monkeypatch.setattr(WatchState, "commit", recording)
    rng = random.Random(9)
    with FakeFeeds() as feeds:
        for n in range(200):
            feeds.publish_npm(f"pkg-{n}", "1.0.0", {"index.js": js_module(rng, 2)})
        feeds.publish_pypi("ledger-mirror", "0.1", {
            "ledger_mirror/invoicing.py": _private_file("acme_ledger/invoicing.py")})  # fmt: skip
        feeds.show()
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "npm",
            "--feed", "pypi", "--from-beginning", "--once", "--npm-changes", feeds.url,
            "--npm-registry", feeds.url, "--pypi-url", feeds.url])  # fmt: skip
    assert done.exit_code == 1, done.output
    assert "201 publication(s) scanned" in done.output and "1 flagged" in done.output
    assert commits.count("npm") == 200 and commits.index("pypi") < 30, commits


def test_a_lagging_live_feed_is_backfilled_from_gh_archive_once():
    with FakeFeeds(live_window=2, seconds_per_entry=1800) as feeds:
        feeds.create_repo("a/b", {"x.js": b"var x = 0;\n"})
        pushes = [feeds.push("a/b", {f"f{n}.js": f"var v{n} = {n};\n".encode()}) for n in range(6)]
        ids = [int(feeds.entries[i].data["event"]["id"]) for i in pushes]
        feeds.show(2)  # the first two events (hour 0) are done live
        said: list[str] = []
        feed = GitHubFeed(GitHubAPI(_http(), feeds.url), Limits(), None,
                          f"{feeds.url}/gharchive", say=said.append,
                          from_beginning=True)  # fmt: skip
        first = [p for p in feed.poll() if p.open]
        assert len(first) == 2 and json.loads(feed.cursor)["id"] == ids[1]
        feeds.show()  # four more, while the live feed shows only the newest two
        second = [p for p in feed.poll() if p.open]
        # hour 1 from the archive; hour 2 is not archived yet and the live feed's oldest event
        # may not be the next one (event ids are not consecutive): hour 2 is waited for
        assert len(second) == 2 and json.loads(feed.cursor)["id"] == ids[3]
        assert any("wait for GH Archive hour 2026-12-01-2" in line for line in said)
        pushes.append(feeds.push("a/b", {"f6.js": b"var v6 = 6;\n"}))  # 03:00: hour 2 archived
        feeds.show()
        third = [p for p in feed.poll() if p.open]
    assert len(third) == 3 and json.loads(feed.cursor)["id"] == ids[5] + 1
    assert "after" not in json.loads(feed.cursor) and "hour" not in json.loads(feed.cursor)
    heads = [p.target for p in first + second + third]
    assert len(set(heads)) == 7  # each push once, none twice
    assert any("no longer reaches back" in line for line in said)
    assert feeds.requests_matching(r"^/gharchive/2026-12-01-0\.json\.gz$")


def test_bounded_cache_keeps_entries_and_bytes_bounded():
    from scanner.watch import BoundedCache

    cache = BoundedCache(entries=3, max_bytes=100)
    for n in range(5):
        cache.put(f"u{n}", "e", b"x" * 10)
    assert cache.get("u0") is None and cache.get("u4") == ("e", b"x" * 10)
    cache.put_blob("big", b"y" * 90)
    assert cache.bytes <= 100 and cache.get_blob("big") == b"y" * 90
    cache.put_blob("huge", b"z" * 101)  # larger than the whole cache: not kept
    assert cache.get_blob("huge") is None and cache.bytes <= 100


def test_read_ahead_holds_a_bounded_stream_of_files():
    """The files read ahead of the scan wait in a bounded stream: the reading thread waits when
    it is full, goes on as the scan takes them, stops when the scan gives the rest up; an error
    of reading reaches the scan after the files read before it."""
    import threading

    from scanner.sources import CandidateFile
    from scanner.watch.pipeline import FileStream

    def file(n: int, size: int = 10) -> CandidateFile:
        return CandidateFile(f"f{n}.js", b"x" * size, "javascript")

    stream = FileStream(max_files=3, max_bytes=25)
    handed: list[int] = []

    def reader() -> None:
        for n in range(6):
            if not stream.put(file(n), None):
                return
            handed.append(n)
        stream.end(FetchError("blob 6: HTTP 502"))

    thread = threading.Thread(target=reader)
    thread.start()
    _wait_for(lambda: len(handed) == 2, 5)
    time.sleep(0.2)
    assert handed == [0, 1]  # a third file would pass 25 bytes: the reader waits
    taken, error = [], None
    try:
        for got, *_ in stream:
            taken.append(got.path)
    except FetchError as exc:
        error = str(exc)
    thread.join(5)
    assert taken == [f"f{n}.js" for n in range(6)] and error == "blob 6: HTTP 502"

    stream = FileStream(max_files=1)
    first = threading.Thread(target=lambda: [stream.put(file(n), None) for n in range(3)])
    first.start()
    time.sleep(0.2)
    assert first.is_alive()  # waiting for the scan to take the first file
    stream.cancel()  # the watch stops: the reading thread is let go at once
    first.join(5)
    assert not first.is_alive()
    big = FileStream(max_bytes=5)
    assert big.put(file(0, 1000), None)  # the first file always passes, whatever its size


def test_pypi_journal_waits_out_rate_limits():
    from scanner.watch import PyPIFeed

    with FakeFeeds() as feeds:
        feeds.publish_pypi("one", "1.0", {"one/__init__.py": b"X = 1\n"})
        feeds.show()
        feeds.faults.add("^/pypi$", "429", retry_after=2, method="POST")
        waited: list[float] = []
        feed = PyPIFeed(Http(httpx.Client(timeout=5), sleep=waited.append), feeds.url,
                        Limits(), "0")  # fmt: skip
        entries = list(feed.poll())
        assert [e.target for e in entries] == ["pypi:one==1.0"] and waited == [2.0]
        assert feed.cursor == "1"
        assert entries[0].open().candidate.target == "pypi:one==1.0/one-1.0.tar.gz"


def test_sigterm_commits_what_was_read_and_stops(store, tmp_path):
    results = tmp_path / "results.db"
    with FakeFeeds() as feeds, FakeWebhook() as hook:
        build(feeds, 400)
        feeds.show()
        watch = subprocess.Popen(watch_command(store, results, feeds, hook, "--feed", "npm"),
                                 env=_env(), stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 120
        while not feeds.requests_matching(r"\.tgz$") and time.monotonic() < deadline:
            time.sleep(0.05)
        watch.send_signal(signal.SIGTERM)
        _, stderr = watch.communicate(timeout=60)
        tarballs = {r["path"] for r in feeds.requests_matching(r"\.tgz$")}
    assert watch.returncode in (0, 1), stderr
    with sqlite3.connect(results) as db:
        done = db.execute("SELECT publications FROM watch_checkpoints WHERE feed LIKE 'npm %'")
        status = db.execute("SELECT status FROM runs").fetchone()[0]
        assert status == "stopped"
        assert 0 < done.fetchone()[0] <= len(tarballs) + 1  # what it read, and no more


def test_a_retry_after_that_is_no_number_of_seconds_still_gives_a_due_time():
    """``Retry-After: nan`` parses as a float; a NaN due time is stored as NULL and the alert
    would never be due again: it falls back to the exponential backoff."""
    import math

    from scanner.watch.alerts import backoff

    assert math.isfinite(backoff(1, float("nan"))) and backoff(1, float("nan")) > 0
    assert backoff(1, float("inf")) <= 3600 and backoff(1, 30.0) == 30.0


def test_a_feed_entry_too_malformed_to_name_is_unread_not_passed_over(store, tmp_path):
    """An npm change with no package name is a publication nobody can read: one line and
    ``incomplete`` (exit 3), never counted as seen and dropped, nor filtered away."""
    from typer.testing import CliRunner

    from scanner.cli import app

    with FakeFeeds() as feeds:
        feeds.show()
        feeds.faults.add("^/_changes$", "body", body={"results": [{"seq": 7, "id": 42}],
                                                      "last_seq": 7}, times=1)  # fmt: skip
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "npm",
            "--from-beginning", "--once", "--npm-changes", feeds.url, "--npm-registry",
            feeds.url, "--package", "acme-*"])  # fmt: skip
    assert done.exit_code == 3, done.output
    assert "malformed feed entry: change 7 names no package; not read" in done.output


# -- several npm versions behind one change --------------------------------------------------------


def _npm_watch(store: Path, results: Path, feeds: FakeFeeds, *extra: str) -> list[str]:
    return ["watch", "--store", str(store), "--results", str(results), "--feed", "npm",
            "--once", "--npm-changes", feeds.url, "--npm-registry", feeds.url, *extra]  # fmt: skip


def _tarballs(feeds: FakeFeeds) -> Counter[str]:
    return Counter(r["path"].rsplit("/", 1)[-1] for r in feeds.requests_matching(r"\.tgz$")
                   if r["status"] == 200)  # fmt: skip


def test_every_version_published_between_two_reads_is_scanned_once(store, tmp_path):
    """npm's feed keeps one change per package: three versions published between two reads
    show as one change. Each is its own publication (the leak is in the middle one), each read
    once; a change that publishes nothing new (read again) opens nothing."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(21)
    results = tmp_path / "r.db"
    leaked = {"lib/reconciliation.py": _private_file("acme_ledger/reconciliation.py")}
    with FakeFeeds() as feeds:
        feeds.publish_npm("lib", "1.0.0", {"index.js": js_module(rng, 3)})
        feeds.show()
        first = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning"))
        assert first.exit_code == 0, first.output
        feeds.publish_npm("lib", "1.1.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("lib", "1.2.0", {"index.js": js_module(rng, 3), **leaked})
        feeds.publish_npm("lib", "1.3.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("other", "1.0.0", {"index.js": js_module(rng, 3)})
        feeds.show()
        shown = NpmFeed(_http(), feeds.url, feeds.url, Limits(), "1").poll()
        assert [p.target for p in shown] == ["npm:lib", "npm:other"]  # lib once: its latest
        second = CliRunner().invoke(app, _npm_watch(store, results, feeds))
        assert second.exit_code == 1, second.output
        with sqlite3.connect(results) as db:  # lib's change read again, as after a crash
            db.execute("UPDATE watch_checkpoints SET cursor = '1'")
        again = CliRunner().invoke(app, _npm_watch(store, results, feeds))
        tarballs = _tarballs(feeds)
    assert tarballs == {f"lib-{v}.tgz": 1 for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0")} | {
        "other-1.0.0.tgz": 1}  # fmt: skip
    assert "4 publication(s) scanned, 0 filtered out, 1 flagged" in second.output
    assert again.exit_code == 0 and "2 feed entries, 0 publication(s) scanned" in again.output
    with sqlite3.connect(results) as db:
        flagged = db.execute("SELECT target FROM candidates WHERE verdict = 'derivative'")
        assert [t for (t,) in flagged] == ["npm:lib@1.2.0"]
        marks = dict(db.execute("SELECT package, version FROM watch_versions"))
        done = db.execute("SELECT cursor, publications FROM watch_checkpoints").fetchone()
    assert marks == {"lib": "1.3.0", "other": "1.0.0"} and done == ("5", 7)


def _npm_mark(results: Path, package: str) -> str | None:
    if not results.exists():
        return None
    with sqlite3.connect(results) as db:
        try:
            row = db.execute("SELECT version FROM watch_versions WHERE package = ?",
                             (package,)).fetchone()  # fmt: skip
        except sqlite3.OperationalError:  # not made yet
            return None
    return row[0] if row else None


def test_a_kill_between_the_versions_of_one_change_skips_none_and_reads_none_twice(
        store, tmp_path):  # fmt: skip
    """Killed (SIGKILL) while the third of four versions behind one change is fetched: the
    checkpoint has not moved past the change, the first two versions are marked read; the
    restart reads the change again and opens only the versions after the mark."""
    hook = FakeWebhook()
    rng = random.Random(22)
    results = tmp_path / "r.db"
    leaked = {"lib/reconciliation.py": _private_file("acme_ledger/reconciliation.py")}
    with FakeFeeds() as feeds, hook:
        feeds.publish_npm("lib", "1.0.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("lib", "1.1.0", {"index.js": js_module(rng, 3), **leaked})
        feeds.publish_npm("lib", "1.2.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("lib", "1.3.0", {"index.js": js_module(rng, 3)})
        feeds.show()
        feeds.faults.add(r"/lib-1\.2\.0\.tgz$", "hang", seconds=120)
        command = [*watch_command(store, results, feeds, hook, "--feed", "npm")]
        first = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 120
        while _npm_mark(results, "lib") != "1.1.0" or feeds.faults.pending:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the versions before the newest were not read"
            time.sleep(0.05)
        time.sleep(0.3)
        first.send_signal(signal.SIGKILL)
        first.communicate()
        assert _npm_checkpoint(results) == 0  # not past the change: its versions are not done
        before = _tarballs(feeds)
        feeds.faults.clear()
        second = subprocess.run([*command, "--once"], env=_env(), capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        after = _tarballs(feeds) - before
    assert second.returncode == 0, second.stderr  # the leak was found (and committed) before
    assert before["lib-1.0.0.tgz"] == before["lib-1.1.0.tgz"] == 1
    assert after == {"lib-1.2.0.tgz": 1, "lib-1.3.0.tgz": 1}, after  # none read twice
    assert "2 publication(s) scanned" in second.stderr
    assert _npm_checkpoint(results) == 4 and _npm_mark(results, "lib") == "1.3.0"
    with sqlite3.connect(results) as db:
        rows = db.execute("SELECT target, verdict FROM candidates ORDER BY seq").fetchall()
        outbox = db.execute("SELECT count(*) FROM watch_outbox").fetchone()[0]
    assert rows == [("npm:lib@1.1.0", "derivative")] and outbox == 1


def test_a_version_with_no_time_is_read_and_the_dated_ones_still_are(store, tmp_path):
    """A packument whose ``time`` lacks a version cannot say whether that version is new: the
    dated versions are read as ever, and the undated one is read too (one line naming it); its
    leak is found (before, the whole package was unread, exit 3), and alerted once. It is not
    read again at the next change (before, at every change); its mark, dated when it was read,
    is pruned as the others are, a day on, and then the next change reads it again."""
    from typer.testing import CliRunner

    from scanner.cli import app
    from scanner.resultsdb import ResultsDB
    from scanner.watch import WatchState

    rng = random.Random(5)
    results = tmp_path / "r.db"
    leaked = {"lib/reconciliation.py": _private_file("acme_ledger/reconciliation.py")}
    with FakeFeeds() as feeds:
        first = feeds.publish_npm("undated", "1.0.0", {"a.js": js_module(rng, 2)})
        second = feeds.publish_npm("undated", "1.1.0", {"a.js": js_module(rng, 2), **leaked})
        feeds.show()

        def version(index: int, number: str) -> dict[str, Any]:
            tarball = feeds.url + feeds.entries[index].data["path"]
            return {"name": "undated", "version": number, "dist": {"tarball": tarball}}

        feeds.faults.add(
            "^/undated$",
            "body",
            times=None,
            body={
                "name": "undated",
                "time": {"1.0.0": datetime.now(UTC).isoformat(), "1.1.0": "not a time"},
                "versions": {"1.0.0": version(first, "1.0.0"), "1.1.0": version(second, "1.1.0")},
            },
        )
        done = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning"))
        feeds.change_npm("undated")
        feeds.show()
        again = CliRunner().invoke(app, _npm_watch(store, results, feeds))
        tarballs = _tarballs(feeds)
    assert done.exit_code == 1, done.output
    assert "npm:undated@1.1.0: no publication time in the packument" in done.output
    assert "2 publication(s) scanned, 0 filtered out, 1 flagged, 0 incomplete" in done.output
    assert again.exit_code == 0 and "0 publication(s) scanned" in again.output
    assert "no publication time" not in again.output
    assert tarballs == {"undated-1.0.0.tgz": 1, "undated-1.1.0.tgz": 1}
    with sqlite3.connect(results) as db:
        outbox = db.execute("SELECT count(*) FROM watch_outbox").fetchone()[0]
        marks = db.execute("SELECT package, published, version FROM watch_versions"
                           " ORDER BY package").fetchall()  # fmt: skip
    assert outbox == 1 and [(package, version) for package, _, version in marks] == [
        ("undated", "1.0.0"), ("undated 1.1.0", "1.1.0")]  # fmt: skip
    read_at = datetime.fromisoformat(marks[1][1].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - read_at) < timedelta(minutes=10)
    with ResultsDB(results) as opened:  # a day on: pruned with the others, read again
        state = WatchState(opened)
        state.caught_up("npm", time.time() + 2 * 86400)
        assert not state.undated_read("npm", "undated", "1.1.0")


def test_a_package_seen_first_is_read_from_when_the_watch_began(store, tmp_path):
    """Without ``--from-beginning`` a package seen for the first time is read for the versions
    published since the watch began following npm (less the margin), not for its whole
    history."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(23)
    results = tmp_path / "r.db"
    with FakeFeeds() as feeds:
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        feeds.publish_npm("old", "1.0.0", {"index.js": js_module(rng, 3)}, dated=long_ago)
        feeds.show()
        start = CliRunner().invoke(app, _npm_watch(store, results, feeds))  # from now on
        assert start.exit_code == 0, start.output
        time.sleep(1.1)  # the test registry dates a version to the second
        feeds.publish_npm("old", "1.1.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("old", "1.2.0", {"index.js": js_module(rng, 3)})
        feeds.show()
        done = CliRunner().invoke(app, _npm_watch(store, results, feeds))
        tarballs = _tarballs(feeds)
    assert done.exit_code == 0, done.output
    assert tarballs == {"old-1.1.0.tgz": 1, "old-1.2.0.tgz": 1}


def test_marks_older_than_since_are_pruned_once_caught_up(tmp_path):
    """Bounded over days: when a poll catches up, every version published more than the
    margin before it was read, so ``since`` moves there and the marks before it go; a package
    with no mark is then read from ``since``."""
    from scanner.resultsdb import ResultsDB
    from scanner.watch import WatchState
    from scanner.watch.state import SINCE_MARGIN

    with ResultsDB(tmp_path / "r.db", create=True) as results:
        state = WatchState(results)
        state.start_since("npm", "")
        old = ("2026-11-01T00:00:00.000000Z", "1.0.0")
        new = ("2026-11-20T00:00:00.000000Z", "2.0.0")
        state.commit("npm", "1", 1, mark=("a", old))
        state.commit("npm", "2", 1, mark=("b", new))
        dated = [old, new]
        assert state.unread_versions("npm", "a", dated) == [new]
        assert state.unread_versions("npm", "c", dated) == dated  # since "": every version
        polled = datetime(2026, 11, 10, tzinfo=UTC) + SINCE_MARGIN
        state.caught_up("npm", polled.timestamp())
        assert state.since("npm") == "2026-11-10T00:00:00.000000Z"
        marks = results.connection.execute("SELECT package FROM watch_versions").fetchall()
        assert marks == [("b",)]
        assert state.unread_versions("npm", "a", dated) == [new]  # the same without its mark
        assert state.unread_versions("npm", "b", dated) == []
        state.caught_up("npm", polled.timestamp() + 60)  # less than an hour on: no change
        assert state.since("npm") == "2026-11-10T00:00:00.000000Z"


def test_a_metadata_change_after_the_mark_was_pruned_reads_nothing_and_new_versions_still_are(
        store, tmp_path):  # fmt: skip
    """Once a package's mark was pruned (its version older than the margin), a change of its
    metadata only (a dist-tag: its document modified, no version published) downloads
    nothing; before, its newest tarball was fetched and scanned again. A version published
    since is read, and so is the newest version of a package whose own change reaches the
    feed late (its document last modified by that publication)."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(24)
    results = tmp_path / "r.db"
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    with FakeFeeds() as feeds:
        feeds.publish_npm("lib", "1.0.0", {"index.js": js_module(rng, 3)}, dated=long_ago)
        feeds.show()
        first = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning"))
        assert first.exit_code == 0, first.output
        assert _npm_mark(results, "lib") is None  # pruned: the poll that caught up was a day on
        feeds.change_npm("lib")
        feeds.show()
        metadata = CliRunner().invoke(app, _npm_watch(store, results, feeds))
        assert metadata.exit_code == 0, metadata.output
        assert "1 feed entries, 0 publication(s) scanned" in metadata.output
        assert _tarballs(feeds) == {"lib-1.0.0.tgz": 1}  # not downloaded again
        feeds.change_npm("lib")
        feeds.publish_npm("lib", "1.1.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("late", "1.0.0", {"index.js": js_module(rng, 3)}, dated=long_ago)
        feeds.show()
        later = CliRunner().invoke(app, _npm_watch(store, results, feeds))
        tarballs = _tarballs(feeds)
    assert later.exit_code == 0, later.output
    assert "2 publication(s) scanned" in later.output
    assert tarballs == {"lib-1.0.0.tgz": 1, "lib-1.1.0.tgz": 1, "late-1.0.0.tgz": 1}


def test_a_mark_pruned_between_the_fetch_ahead_and_the_scan_is_read_not_incomplete(
        store, tmp_path):  # fmt: skip
    """The race of a caught-up poll between a change's fetch ahead and its scan: the fetch
    ahead finds the package's newest version read (its mark) and fetches nothing; the poll
    before it in the window catches up and prunes the mark; when the change's turn comes the
    newest version is unread again. It is fetched and scanned there (clear), not reported
    'not fetched; not read' (a false incomplete, exit 3)."""
    import functools

    from fingerprints import open_store
    from scanner.config import load_limits, load_thresholds
    from scanner.index import FingerprintIndex
    from scanner.resultsdb import ResultsDB
    from scanner.scan import ScanContext
    from scanner.watch import WatchState
    from scanner.watch.engine import Watcher, _Slot

    two_days_ago = datetime.fromtimestamp(time.time() - 2 * 86400, UTC)
    with open_store(store, read_only=True) as opened:
        index = FingerprintIndex.from_store(opened, lambda _: None)
        params = opened.params
    limits = load_limits(None)
    context = ScanContext(index, params, load_thresholds(None), limits.max_file_bytes)
    with FakeFeeds() as feeds, ResultsDB(tmp_path / "r.db", create=True) as results:
        feeds.publish_npm("lib", "1.0.0", {"index.js": js_module(random.Random(6), 3)},
                          dated=two_days_ago)  # fmt: skip
        feeds.show()
        state = WatchState(results)
        state.start_since("npm", "")
        published = two_days_ago.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        state.commit("npm", "0", 0, mark=("lib", (published, "1.0.0")))  # read before
        feed = NpmFeed(_http(), feeds.url, feeds.url, Limits(), "0",
                       unread=functools.partial(state.unread_ahead, "npm"))  # fmt: skip
        watcher = Watcher([feed], state, context, Filters(), run_id=0, say=lambda _: None)
        try:
            slot = _Slot("npm", next(iter(feed.poll())))
            assert watcher._start(slot) == 1
            ahead = slot.opened.result(timeout=30)  # type: ignore[union-attr]
            assert ahead.candidate is None and ahead.versions is not None  # taken as read
            assert not _tarballs(feeds)
            state.caught_up("npm", time.time())  # the poll before it: since moves, mark goes
            assert _npm_mark(tmp_path / "r.db", "lib") is None
            assert watcher._scan(slot, 0)
        finally:
            watcher.close()
        tarballs = _tarballs(feeds)
    assert watcher.counts.scanned == 1 and watcher.counts.incomplete == 0
    assert tarballs == {"lib-1.0.0.tgz": 1}
    assert _npm_mark(tmp_path / "r.db", "lib") == "1.0.0"


def test_a_compare_answer_with_a_file_that_has_no_filename_is_malformed(store, tmp_path):
    """A pushed file the compare API lists without a ``filename`` cannot be read, nor known
    to be no code: the push is ``incomplete`` with one line naming the answer's field, never
    passed over as if the file were not there (a removed file needs no name: it is not read)."""
    from typer.testing import CliRunner

    from scanner.cli import app

    with FakeFeeds() as feeds:
        feeds.create_repo("a/b", {"x.js": b"var x = 1;\n"})
        feeds.push("a/b", {"y.js": b"var y = 2;\n"})
        feeds.show()
        sha = "3" * 40
        files = [{"sha": sha, "status": "removed"},
                 {"sha": sha, "status": "added", "additions": 1, "changes": 1}]  # fmt: skip
        feeds.faults.add("/compare/", "body", times=None, body={"status": "ahead", "files": files})
        api = GitHubAPI(_http(), feeds.url)
        [push] = GitHubFeed(
            api, Limits(), None, None, say=lambda _: None, from_beginning=True
        ).poll()
        assert push.open is not None
        with pytest.raises(FetchError, match=r"files\[1\]\.filename should be a path"):
            push.open()
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed",
            "github", "--once", "--from-beginning", "--api-url", feeds.url])  # fmt: skip
    assert done.exit_code == 3, done.output
    assert "malformed answer: files[1].filename should be a path" in done.output
    assert "0 flagged, 1 incomplete" in done.output


def test_a_content_met_first_by_the_later_publication_is_parsed_once(monkeypatch):
    """Two publications in the read-ahead window ship the same file, and the reading thread of
    the later one reaches it first (the race that made the --jobs 2 test above flaky): it is
    parsed once, the earlier publication's scan (which comes first) judges it from those
    tokens, and once the later one took them back they are let go (its outcome is then in the
    memo)."""
    from types import SimpleNamespace

    from fingerprints import ParseLimits
    from fingerprints.fingerprinter import _tokens
    from scanner.sources import CandidateFile
    from scanner.watch import pipeline

    parses: list[bytes] = []

    def counting(data: bytes, language: str, limits: ParseLimits):
        parses.append(data)
        return _tokens(data, language, None)

    monkeypatch.setattr(pipeline, "isolated_tokenize", counting)
    context = SimpleNamespace(parse_limits=ParseLimits(), window_bytes=1 << 20)
    ahead = pipeline.ReadAhead(context, 2, dict)  # type: ignore[arg-type]
    try:
        data = js_module(random.Random(3), 4)
        later = ahead._parse(CandidateFile("b/index.js", data, "javascript"), set())
        earlier = ahead._parse(CandidateFile("a/index.js", data, "javascript"), set())
        assert isinstance(later, pipeline.Ahead) and isinstance(earlier, pipeline.Copy)
        assert len(parses) == 1
        shared = earlier.take()  # the earlier publication is scanned first
        assert shared is not None
        assert later.take() is shared  # the later one judges the same tokens
        again = ahead._parse(CandidateFile("c/index.js", data, "javascript"), set())
        assert isinstance(again, pipeline.Copy) and again.take() is None  # let go: the memo
        assert len(parses) == 1
    finally:
        ahead.close()


def test_a_parse_ahead_is_let_go_when_its_publication_is_done(monkeypatch):
    """The tokens parsed ahead for a publication are let go when its scan is done with its
    stream, taken or not (its file's outcome came from the memo: a publication sharing it was
    scanned first), and at once when the stream was cancelled before they were handed over:
    no parse stays pinned in the read-ahead's recent contents."""
    from types import SimpleNamespace

    from fingerprints import ParseLimits
    from fingerprints.fingerprinter import _tokens
    from scanner.sources import CandidateFile
    from scanner.watch import pipeline

    monkeypatch.setattr(pipeline, "isolated_tokenize",
                        lambda data, language, limits: _tokens(data, language, None))  # fmt: skip
    context = SimpleNamespace(parse_limits=ParseLimits(), window_bytes=1 << 20)
    ahead = pipeline.ReadAhead(context, 1, dict)  # type: ignore[arg-type]
    try:
        data = js_module(random.Random(4), 4)
        owner = ahead._parse(CandidateFile("b/index.js", data, "javascript"), set())
        assert isinstance(owner, pipeline.Ahead)
        stream = pipeline.FileStream()
        assert stream.put(CandidateFile("b/index.js", data, "javascript"), owner)
        copy = ahead._parse(CandidateFile("a/index.js", data, "javascript"), set())
        assert isinstance(copy, pipeline.Copy) and copy.take() is not None  # scanned first
        ahead.done(stream)  # the owner's scan took its outcome from the memo, not the tokens
        assert pipeline.Copy(owner).take() is None
        other = js_module(random.Random(5), 4)
        late = ahead._parse(CandidateFile("c/index.js", other, "javascript"), set())
        cancelled = pipeline.FileStream()
        cancelled.cancel()
        assert not cancelled.put(CandidateFile("c/index.js", other, "javascript"), late)
        assert pipeline.Copy(late).take() is None
    finally:
        ahead.close()


def test_npm_version_times_out_of_range_or_before_1000_are_placed_right_or_malformed():
    """A packument's publication times are a stranger's: one that leaves the years 1-9999 in
    UTC places no version (it is read as undated, the others as ever), never an exception
    that ends the watch and meets the same change at every restart; a year before 1000 is
    written in four digits, so it sorts before 2026 (as ``999`` it sorted after, took the
    mark, and every later version of the package was taken as read)."""
    from scanner.sources.answers import AnswerError, npm_versions_by_time

    found = npm_versions_by_time({"time": {"1.0.0": "0999-01-01T00:00:00Z",
                                           "2.0.0": "2026-01-01T00:00:00Z"},
                                  "versions": {"1.0.0": {}, "2.0.0": {}}}, "old")  # fmt: skip
    assert found is not None and not found[1]
    assert [version for _, version in found[0]] == ["1.0.0", "2.0.0"]
    assert found[0][0][0] == "0999-01-01T00:00:00.000000Z"
    for hostile in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        dated = {"time": {"1.0.0": hostile, "2.0.0": "2026-01-01T00:00:00Z"},
                 "versions": {"1.0.0": {}, "2.0.0": {}}}  # fmt: skip
        assert npm_versions_by_time(dated, "x") == ([("2026-01-01T00:00:00.000000Z", "2.0.0")],
                                                    ["1.0.0"])  # fmt: skip
    with pytest.raises(AnswerError, match="time"):
        npm_versions_by_time({"versions": {"1.0.0": {}}}, "x")  # no times at all: malformed


def test_since_is_decided_by_the_first_commit_and_a_new_package_gets_its_newest_version(
        tmp_path):  # fmt: skip
    """A first start that failed before its first commit decided nothing: the next start's
    ``since`` replaces its (a retry with --from-beginning reads every version, not none); once
    the feed committed, ``since`` stays. A package never read gets at least its newest version
    whatever its time says (its change reached the replica late, npm's clock is behind ours, a
    database followed npm before marks were kept): before, none was read, exit 0."""
    from scanner.resultsdb import ResultsDB
    from scanner.watch import WatchState

    dated = [("2020-01-01T00:00:00.000000Z", "1.0.0"), ("2020-02-01T00:00:00.000000Z", "1.1.0")]
    with ResultsDB(tmp_path / "r.db", create=True) as results:
        state = WatchState(results)
        state.start_since("npm", "2026-12-01T00:00:00.000000Z")  # the failed first start
        state.start_since("npm", "")  # the retry with --from-beginning
        assert state.since("npm") == ""
        assert state.unread_versions("npm", "old", dated) == dated
        state.commit("npm", "5", 1)
        state.start_since("npm", "2026-12-01T00:00:00.000000Z")  # a later start: kept
        assert state.since("npm") == ""
        with results.connection:
            results.connection.execute("UPDATE watch_since SET since = ?",
                                       ("2026-12-01T00:00:00.000000Z",))  # fmt: skip
        assert state.unread_versions("npm", "lagged", dated) == dated[-1:]
        state.commit("npm", "6", 1, mark=("lagged", dated[-1]))
        assert state.unread_versions("npm", "lagged", dated) == []


def test_versions_scanned_before_the_first_checkpoint_are_counted():
    """The older versions of a feed's very first change are committed before the feed has a
    checkpoint row: they count in ``publications`` once the change's own commit makes it."""
    import tempfile

    from scanner.resultsdb import ResultsDB
    from scanner.watch import WatchState

    with tempfile.TemporaryDirectory() as folder, ResultsDB(Path(folder) / "r.db",
                                                           create=True) as results:  # fmt: skip
        state = WatchState(results)
        state.commit("npm", None, 1, mark=("lib", ("2026-12-01T00:00:00.000000Z", "1.0.0")))
        state.commit("npm", None, 1, mark=("lib", ("2026-12-01T00:00:01.000000Z", "1.1.0")))
        state.commit("npm", "7", 1, mark=("lib", ("2026-12-01T00:00:02.000000Z", "1.2.0")))
        assert state.checkpoints()["npm"][:2] == ("7", 3)


def test_a_publication_holding_a_git_folder_is_incomplete_archive(store, tmp_path):
    """A package published with its ``.git/`` publishes its history: watch reads none inside
    an archive, so that publication is ``incomplete``, not ``clear``."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(5)
    with FakeFeeds() as feeds:
        feeds.publish_npm("plain", "1.0.0", {"a.js": js_module(rng, 2)})
        feeds.publish_npm(
            "with-git", "1.0.0", {"a.js": js_module(rng, 2), ".git/HEAD": b"ref: refs/heads/main\n"}
        )
        feeds.publish_pypi(
            "with-hg",
            "1.0",
            {"with_hg/__init__.py": b"VALUE = 1\n", "with_hg/.hg/requires": b"store\n"},
        )
        feeds.show()
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"),
            "--feed", "npm", "--feed", "pypi", "--from-beginning", "--once",
            "--npm-changes", feeds.url, "--npm-registry", feeds.url,
            "--pypi-url", feeds.url])  # fmt: skip
    assert done.exit_code == 3, done.output
    assert "npm:with-git@1.0.0:package/.git/: version-control metadata inside an archive" in (
        done.output)  # fmt: skip
    with sqlite3.connect(tmp_path / "r.db") as db:
        rows = dict(db.execute("SELECT target, verdict FROM candidates").fetchall())
    assert "npm:plain@1.0.0" not in rows  # clear: watch records what is not
    assert rows["npm:with-git@1.0.0"] == "incomplete"
    assert [v for t, v in rows.items() if t.startswith("pypi:with-hg")] == ["incomplete"]


def test_a_flagged_publication_gives_its_token_count_with_separators(store, tmp_path):
    from typer.testing import CliRunner

    from scanner.cli import app

    with FakeFeeds() as feeds:
        feeds.publish_npm("leaky", "1.0.0", {
            "lib/recon.py": _private_file("acme_ledger/reconciliation.py")})  # fmt: skip
        feeds.show()
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "npm",
            "--from-beginning", "--once", "--npm-changes", feeds.url,
            "--npm-registry", feeds.url])  # fmt: skip
    assert done.exit_code == 1, done.output
    assert re.search(r"derivative: npm:leaky@1\.0\.0 \(\d,\d{3} private tokens\)", done.output), (
        done.output
    )
    payload = {"id": "a", "feed": "npm", "target": "npm:x", "verdict": "derivative",
               "matched_tokens": 1700, "files": []}  # fmt: skip
    assert "1,700 private tokens" in json.loads(render(payload, "slack"))["text"]


def test_a_file_read_ahead_is_hashed_once_and_judged_the_same(store, monkeypatch):
    """The reading thread hashes each file for the memo and hands the digest to the scan with
    the file (``Prepared.digest``), so the scan does not hash it again; the outcome is the one
    a scan hashing every file itself gives (the same file hashes, memo keys and verdict)."""
    import hashlib
    from concurrent.futures import Future

    from fingerprints import open_store
    from scanner import scan
    from scanner.config import load_limits, load_thresholds
    from scanner.index import FingerprintIndex
    from scanner.scan import ScanContext, scan_candidate
    from scanner.sources import CandidateFile
    from scanner.watch.feeds import Opened
    from scanner.watch.pipeline import Parsed, Prepared, ReadAhead

    with open_store(store, read_only=True) as opened:
        index = FingerprintIndex.from_store(opened, lambda _: None)
        params = opened.params
    limits = load_limits(None)
    context = ScanContext(index, params, load_thresholds(None), limits.max_file_bytes,
                          limits.parse_limits())  # fmt: skip
    files = [CandidateFile("lib/reconciliation.py",
                           _private_file("acme_ledger/reconciliation.py"), "python"),
             CandidateFile("index.js", js_module(random.Random(7), 5), "javascript"),
             CandidateFile("copy.js", js_module(random.Random(7), 5), "javascript")]  # fmt: skip

    class Files:
        target, kind, revision, problems = "npm:x@1.0.0", "npm", "1.0.0", []

        def iter_files(self):
            yield from files

    hashed: list[int] = []

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(hashlib, name)

        @staticmethod
        def sha256(data: bytes = b"") -> Any:
            hashed.append(len(data))
            return hashlib.sha256(data)

    monkeypatch.setattr(scan, "hashlib", Counting())
    itself = scan_candidate(Files(), context, memo={})
    assert len(hashed) == len(files)  # hashed by the scan itself, as ever
    hashed.clear()
    ahead = ReadAhead(context, 1, dict)
    try:
        future: Future[Opened] = Future()
        future.set_result(Opened(Files()))
        prepared = Prepared(Files(), ahead.submit(future))
        memo: dict[tuple[str, str], Any] = {}
        judged = scan_candidate(prepared, context, memo=memo, runner=Parsed(prepared),
                                digests=prepared.digest)  # fmt: skip
    finally:
        ahead.close()
    assert hashed == []  # each file hashed once, on the reading thread
    assert judged.verdict == itself.verdict and judged.verdict.value == "derivative"
    expected = {"lib/reconciliation.py": hashlib.sha256(files[0].data).hexdigest()}
    assert judged.file_hashes == itself.file_hashes == expected
    assert set(memo) == {(hashlib.sha256(f.data).hexdigest(), f.language) for f in files}
    assert prepared.digest(files[1]) is None  # asked once per file: handed over, then let go


def test_a_slack_alert_of_long_names_is_still_delivered(store, tmp_path):
    """Slack refuses (400) a section over 3,000 characters, and a refused alert is retried and
    never delivered: a leak whose files a stranger named long (``<`` counts four escaped) went
    unreported. Each name is cut to ``SLACK_NAME_MAX``; the alert arrives."""
    from scanner.watch.alerts import SLACK_NAME_MAX

    long_names = {f"lib/{'<' * 500}-{i}.py": _private_file(f"acme_ledger/{name}.py")
                  for i, name in enumerate(("journal", "accounts", "invoicing",
                                            "reconciliation", "money"))}  # fmt: skip
    results = tmp_path / "results.db"
    with FakeFeeds() as feeds, FakeWebhook(slack=True) as hook:
        feeds.publish_npm("long-names", "1.0.0", long_names)
        feeds.show()
        done = subprocess.run([*watch_command(store, results, feeds, hook, "--feed", "npm",
                                              "--once", "--webhook-format", "slack")],
                              env=_env(), capture_output=True, text=True, timeout=300)  # fmt: skip
        alerts = hook.alerts()
    assert done.returncode in (0, 1), done.stderr
    assert len(alerts) == 1, done.stderr
    text = alerts[0]["blocks"][0]["text"]["text"]
    shown = re.findall(r"`(package/lib/[^`]*)`", text)
    assert len(shown) == 5 and all(len(s) <= SLACK_NAME_MAX for s in shown), text
    assert all(s.startswith("package/lib/&lt;&lt;") and s.endswith("…") for s in shown), text
    assert "<" not in text  # no raw "<" of a name: no link, no mention


def test_github_starts_at_the_live_feeds_end_unless_from_the_beginning(store, tmp_path):
    """Without --from-beginning the GitHub feed starts where npm and PyPI do, at the current
    end: the newest event is its checkpoint and none of the events already in the live window
    is read; the next watch reads only what came after. With it, the window is read."""
    from typer.testing import CliRunner

    from scanner.cli import app

    def watch(results: Path, *extra: str) -> str:
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(results), "--feed", "github",
            "--once", "--api-url", feeds.url, *extra])  # fmt: skip
        assert done.exit_code == 0, done.output
        return done.output

    def checkpoint(results: Path) -> int:
        with sqlite3.connect(results) as db:
            [(cursor,)] = db.execute(
                "SELECT cursor FROM watch_checkpoints WHERE feed LIKE 'github %'"
            )
        return int(json.loads(cursor)["id"])

    with FakeFeeds() as feeds:
        feeds.create_repo("a/b", {"x.js": b"var x = 1;\n"})
        old = [feeds.push("a/b", {f"o{n}.js": f"var o{n} = {n};\n".encode()}) for n in range(3)]
        feeds.show()
        now = tmp_path / "now.db"
        assert "0 publication(s) scanned" in watch(now)
        assert checkpoint(now) == int(feeds.entries[old[-1]].data["event"]["id"])
        new = feeds.push("a/b", {"n.js": b"var n = 9;\n"})
        feeds.show()
        assert "1 publication(s) scanned" in watch(now)  # only the push after the first watch
        assert checkpoint(now) == int(feeds.entries[new].data["event"]["id"])
        everything = watch(tmp_path / "all.db", "--from-beginning")
    assert "4 publication(s) scanned" in everything


def test_a_watch_with_other_filters_keeps_a_checkpoint_of_its_own(store, tmp_path):
    """Two watches of npm in one results database: the first with ``--scope @acme``, the
    second with no filter. The second has its own checkpoint (``--from-beginning`` obeyed) and
    run, and reads the package the first filtered out; before, it resumed after the first's
    checkpoint, in the first's run, and never read it (exit 0)."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(31)
    results = tmp_path / "r.db"
    leaked = {"lib/reconciliation.py": _private_file("acme_ledger/reconciliation.py")}
    with FakeFeeds() as feeds:
        feeds.publish_npm("@acme/ui", "1.0.0", {"index.js": js_module(rng, 3)})
        feeds.publish_npm("unrelated-pkg", "1.0.0", leaked)
        feeds.show()
        first = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning",
                                                   "--scope", "@acme"))  # fmt: skip
        second = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning"))
        again = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--scope", "@acme"))
    assert first.exit_code == 0 and "1 filtered out" in first.output, first.output
    assert second.exit_code == 1, second.output
    assert "resuming" not in second.output
    assert "2 publication(s) scanned, 0 filtered out, 1 flagged" in second.output
    assert "npm: resuming after 2 publication(s)" in again.output  # the first's own checkpoint
    assert again.exit_code == 0 and "0 publication(s) scanned" in again.output
    runs = [int(re.search(r"run (\d+) in", done.output).group(1))
            for done in (first, second, again)]  # fmt: skip
    assert runs[0] == runs[2] != runs[1]
    with sqlite3.connect(results) as db:
        flagged = db.execute("SELECT run_id, target FROM candidates WHERE verdict = 'derivative'")
        assert flagged.fetchall() == [(runs[1], "npm:unrelated-pkg@1.0.0")]


def test_a_gap_no_archive_holds_yet_keeps_the_checkpoint_before_it():
    """``--gharchive-from``: the hours archived are read, then the current hour is not archived
    yet and the live feed (5 events) no longer reaches back to its first events. The checkpoint
    stays before them, one line says what is pending, and once the hour is archived the next
    watch (from the checkpoint) reads both pushes of that hour, once each; before, the live
    feed took over, the checkpoint moved past the gap and the push at 02:10 was never read."""
    with FakeFeeds(live_window=5, seconds_per_entry=60) as feeds:
        for name in ("acme/app", "acme/ledger", "other/x"):
            feeds.create_repo(name, {"README.md": b"# x\n"})
        for _ in range(130):  # 00:00 - 02:09
            feeds.other_event("WatchEvent", "other/x")
        feeds.push("acme/app", {"a.js": b"var a = 1;\n"})  # 02:10
        for _ in range(10):
            feeds.other_event("WatchEvent", "other/x")
        feeds.push("acme/ledger", {"d.js": b"var d = 2;\n"})  # 02:21
        feeds.show()
        said: list[str] = []

        def watch(cursor: str | None) -> tuple[list[str], str]:
            feed = GitHubFeed(GitHubAPI(_http(), feeds.url), Limits(), cursor,
                              f"{feeds.url}/gharchive", "2026-12-01-0",
                              say=said.append)  # fmt: skip
            return [p.name for p in feed.poll() if p.open], feed.cursor

        first, cursor = watch(None)
        assert first == [] and json.loads(cursor)["hour"] == "2026-12-01-2", cursor
        assert any("wait for GH Archive hour 2026-12-01-2" in line for line in said), said
        for _ in range(60):  # 02:22 - 03:21: hour 2 is archived now
            feeds.other_event("WatchEvent", "other/x")
        feeds.show()
        second, cursor = watch(cursor)
        assert second == ["acme/app", "acme/ledger"], said
        assert json.loads(cursor)["hour"] == "2026-12-01-3"  # the live feed misses 03:00-03:16


def _wait_for_rows(results: Path, count: int, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "watch made no progress"
        if results.exists():
            with sqlite3.connect(results) as db:
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
                if "watch_checkpoints" in tables:
                    row = db.execute("SELECT sum(publications) FROM watch_checkpoints").fetchone()
                    if (row[0] or 0) >= count:
                        return
        time.sleep(0.1)


def test_a_store_fingerprinted_again_while_watch_runs_is_reopened(tmp_path):
    """The private side fingerprints a new file into the store while watch runs, after watch
    matched a leak (its readers of the store are open). The next publications are judged
    against the store as it is now: a copy of the new file is flagged, a copy of the old one
    still is, and one line says the store was reopened. Before, the first was judged against
    the old index and committed ``clear``, the second made watch exit 2 (``the store changed
    during the scan``)."""
    private = tmp_path / "private"
    private.mkdir()
    old_file = _private_file("acme_ledger/reconciliation.py")
    new_file = _private_file("acme_ledger/invoicing.py")
    (private / "reconciliation.py").write_bytes(old_file)
    store = tmp_path / "s.db"

    def fingerprint() -> None:
        done = subprocess.run([sys.executable, "-m", "scanner", "fingerprint", str(private),
                               "--store", str(store)], env=_env(), capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr

    fingerprint()
    results = tmp_path / "r.db"
    with FakeFeeds() as feeds:
        feeds.publish_npm("first-leak", "1.0.0", {"lib/r.py": old_file})
        feeds.show()
        command = _npm_watch(store, results, feeds, "--from-beginning", "--poll", "0.2")
        command.remove("--once")  # it runs until the SIGTERM
        watch = subprocess.Popen(
            [sys.executable, "-m", "scanner", *command],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _wait_for_rows(results, 1, watch, 120)
            (private / "invoicing.py").write_bytes(new_file)
            fingerprint()
            feeds.publish_npm("new-leak", "1.0.0", {"lib/i.py": new_file})
            feeds.publish_npm("old-leak", "1.0.0", {"lib/r.py": old_file})
            feeds.show()
            _wait_for_rows(results, 3, watch, 120)
        finally:
            watch.send_signal(signal.SIGTERM)
            _, stderr = watch.communicate(timeout=60)
    assert watch.returncode == 1, stderr
    assert stderr.count("the store changed; its index reopened") == 1, stderr
    with sqlite3.connect(results) as db:
        verdicts = dict(db.execute("SELECT target, verdict FROM candidates"))
    assert verdicts == {f"npm:{name}@1.0.0": "derivative"
                        for name in ("first-leak", "new-leak", "old-leak")}, stderr  # fmt: skip


def test_an_alert_goes_only_to_the_webhook_and_format_it_was_made_for(store, tmp_path):
    """Watch A (npm, a Slack webhook that is down) is stopped with its alert in the outbox;
    watch B (PyPI, another webhook, JSON) on the same results database delivers only its own
    alert and says nothing of npm; A, started again with its webhook up, delivers its alert as
    Slack text. Before, B delivered A's alert to B's webhook as JSON, and said 'npm: resuming'
    for a feed it does not read."""
    from typer.testing import CliRunner

    from scanner.cli import app

    results = tmp_path / "r.db"
    with FakeFeeds() as feeds, FakeWebhook(slack=True) as x, FakeWebhook() as y:
        feeds.publish_npm("@acme/ui", "1.0.0", {"lib/r.py": _private_file(
            "acme_ledger/reconciliation.py")})  # fmt: skip
        feeds.publish_pypi("acme-x", "1.0", {"acme_x/i.py": _private_file(
            "acme_ledger/invoicing.py")})  # fmt: skip
        feeds.show()
        x.down = True
        a = [sys.executable, "-m", "scanner", *_npm_watch(store, results, feeds,
             "--from-beginning", "--poll", "0.2", "--webhook", f"{x.url}/services/T/B/X",
             "--webhook-format", "slack")]  # fmt: skip
        a.remove("--once")
        first = subprocess.Popen(a, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)  # fmt: skip
        try:
            _wait_for_rows(results, 1, first, 120)
        finally:
            first.send_signal(signal.SIGTERM)
            first.communicate(timeout=60)
        assert not x.alerts()
        b = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(results), "--feed", "pypi",
            "--pypi-url", feeds.url, "--from-beginning", "--once", "--webhook",
            f"{y.url}/hook", "--webhook-format", "json"])  # fmt: skip
        x.down = False
        again = CliRunner().invoke(app, [*_npm_watch(store, results, feeds), "--webhook",
                                         f"{x.url}/services/T/B/X", "--webhook-format",
                                         "slack"])  # fmt: skip
    assert b.exit_code == 1, b.output
    assert [alert["target"] for alert in y.alerts()] == ["pypi:acme-x==1.0/acme-x-1.0.tar.gz"]
    assert "npm" not in b.output.replace('"npm"', ""), b.output
    assert again.exit_code == 0 and "1 alert(s) waiting in the outbox" in again.output
    [slack] = x.alerts()
    assert "@acme/ui" in slack["text"] and "blocks" in slack, slack


def test_a_package_pattern_matches_pypi_names_as_pypi_does(store, tmp_path):
    """PEP 503: ``Acme-Billing`` and ``acme_payroll`` are the projects ``acme-billing`` and
    ``acme-payroll``, so ``--package 'acme-*'`` reads them; before, they were filtered out."""
    from typer.testing import CliRunner

    from scanner.cli import app

    with FakeFeeds() as feeds:
        for name in ("acme-ledger", "Acme-Billing", "acme_payroll", "acme.tax", "other"):
            feeds.publish_pypi(name, "1.0", {"pkg/__init__.py": b"X = 1\n"})
        feeds.show()
        done = CliRunner().invoke(app, [
            "watch", "--store", str(store), "--results", str(tmp_path / "r.db"), "--feed", "pypi",
            "--package", "ACME_*", "--from-beginning", "--once",
            "--pypi-url", feeds.url])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "4 publication(s) scanned, 1 filtered out" in done.output


def test_a_slack_alert_names_each_candidate_file_once(store, tmp_path):
    """One published file holding two private files matches both: the Slack text names it
    once (before: once per private file matched)."""
    from typer.testing import CliRunner

    from scanner.cli import app

    both = _private_file("acme_ledger/reconciliation.py") + b"\n\n" + _private_file(
        "acme_ledger/invoicing.py")  # fmt: skip
    with FakeFeeds() as feeds, FakeWebhook(slack=True) as hook:
        feeds.publish_npm("bundle", "1.0.0", {"lib/all.py": both})
        feeds.show()
        done = CliRunner().invoke(app, [*_npm_watch(store, tmp_path / "r.db", feeds,
                                                    "--from-beginning"), "--webhook",
                                        f"{hook.url}/services/T/B/X", "--webhook-format",
                                        "slack"])  # fmt: skip
    assert done.exit_code == 1, done.output
    with sqlite3.connect(tmp_path / "r.db") as db:
        [(data,)] = db.execute("SELECT data FROM candidates")
    private = {f["private_path"] for f in json.loads(data)["files"]}
    assert len(private) >= 2, private  # it matched both
    [alert] = hook.alerts()
    assert alert["text"].count("`package/lib/all.py`") == 1, alert["text"]


def test_a_checkpoint_of_an_earlier_leaktrace_is_taken_over_once(store, tmp_path):
    """A results database whose checkpoints an earlier leaktrace kept per feed (no filters
    recorded): the first watch takes them over, in one line, and goes on from there; a watch
    with other filters then has its own."""
    from typer.testing import CliRunner

    from scanner.cli import app

    rng = random.Random(41)
    results = tmp_path / "r.db"
    with FakeFeeds() as feeds:
        for name in ("a", "b", "c"):
            feeds.publish_npm(name, "1.0.0", {"index.js": js_module(rng, 2)})
        feeds.show()
        first = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning"))
        assert first.exit_code == 0, first.output
        with sqlite3.connect(results) as db:  # as an earlier leaktrace left it, after "a"
            db.execute("UPDATE watch_checkpoints SET feed = 'npm', cursor = '1'")
            db.execute("UPDATE watch_since SET feed = 'npm'")
            db.execute("DELETE FROM watch_versions WHERE package != 'a'")
            db.execute("UPDATE watch_versions SET feed = 'npm'")
        taken = CliRunner().invoke(app, _npm_watch(store, results, feeds))
        other = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--package", "x*"))
    assert "takes over the checkpoint an earlier leaktrace kept" in taken.output, taken.output
    assert "3 feed entries, 2 publication(s) scanned" not in taken.output
    assert "2 feed entries, 2 publication(s) scanned" in taken.output, taken.output
    assert "takes over" not in other.output and "resuming" not in other.output
    with sqlite3.connect(results) as db:
        feeds_kept = [f for (f,) in db.execute("SELECT feed FROM watch_checkpoints")]
    assert len(feeds_kept) == 2 and all(f.startswith("npm ") for f in feeds_kept)  # no "npm"


def test_a_second_watch_records_a_finding_the_first_already_alerted_on(store, tmp_path):
    """Two watches with no webhook (the second under another ``--name``, so with a checkpoint of
    its own) in one results database read the same leaking package: the first alerts; the
    second makes no new alert but still records the finding in its own run, so that ``review``
    of that run shows it. Before, the second committed only its checkpoint: its run held
    nothing, as if the package were clear."""
    from typer.testing import CliRunner

    from scanner.cli import app

    results = tmp_path / "r.db"
    with FakeFeeds() as feeds:
        feeds.publish_npm("@acme/ui", "1.0.0", {"lib/r.py": _private_file(
            "acme_ledger/reconciliation.py")})  # fmt: skip
        feeds.show()
        first = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning"))
        second = CliRunner().invoke(app, _npm_watch(store, results, feeds, "--from-beginning",
                                                    "--name", "second"))  # fmt: skip
    assert first.exit_code == 1, first.output
    assert second.exit_code == 1 and "already reported; no new alert" in second.output, (
        second.output
    )
    with sqlite3.connect(results) as db:
        rows = db.execute("SELECT run_id, target, verdict FROM candidates ORDER BY run_id")
        runs, found = zip(*[(run, (target, verdict)) for run, target, verdict in rows], strict=True)
        [alerts] = db.execute("SELECT count(*) FROM watch_outbox").fetchone()
    assert len(set(runs)) == 2 and list(found) == [(found[0][0], "derivative")] * 2, found
    assert "@acme/ui" in found[0][0] and alerts == 1
    shown = CliRunner().invoke(app, ["review", "latest", "--results", str(results)])
    assert "@acme/ui" in shown.output and "derivative" in shown.output, shown.output
