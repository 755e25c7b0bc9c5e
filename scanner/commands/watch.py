"""``leaktrace watch``: follow what npm, PyPI and GitHub publish, scan each new publication
against the store, record findings for ``review`` and push alerts to a webhook.

It runs until interrupted (``--once``: until every feed is caught up and the outbox delivered,
then exits like ``scan``: 1 when something was flagged, 3 when something was incomplete). It
resumes from each feed's checkpoint in the results database; see ``scanner.watch``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.commands import RESULTS_OPTION, store_path
from scanner.console import err, error, say
from scanner.endpoints import DEFAULT_API, DEFAULT_RESULTS, NPM_REGISTRY, PYPI_URL
from scanner.errors import ConfigError, LeaktraceError

if TYPE_CHECKING:
    from fingerprints import FingerprintParams, SQLiteStore
    from scanner.crawl import Crawler
    from scanner.index import FingerprintIndex
    from scanner.resultsdb import ResultsDB
    from scanner.sources import Limits
    from scanner.thresholds import Thresholds
    from scanner.watch.alerts import Outbox
    from scanner.watch.engine import Feed
    from scanner.watch.state import WatchState

NPM_CHANGES = "https://replicate.npmjs.com/registry"
GHARCHIVE = "https://data.gharchive.org"
FEEDS = ("npm", "pypi", "github")
EXIT_CLEAR, EXIT_FLAGGED, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3


def watch(
    store: Annotated[
        Path, typer.Option("--store", "-s", help="Fingerprint store to match.", parser=store_path)
    ],
    feed: Annotated[
        list[str] | None,
        typer.Option("--feed", help="npm, pypi or github (repeatable; default: all three)."),
    ] = None,
    results_path: Annotated[Path, RESULTS_OPTION] = DEFAULT_RESULTS,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="POST each alert here (HTTPS; never printed).")
    ] = None,
    webhook_format: Annotated[
        str, typer.Option("--webhook-format", help="json (default) or slack.")
    ] = "json",
    alert_review: Annotated[
        bool, typer.Option("--alert-review", help="Alert on 'review' verdicts too.")
    ] = False,
    package: Annotated[
        list[str] | None, typer.Option("--package", help="Package name pattern (fnmatch).")
    ] = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", help="npm scope, @acme.")] = None,
    github_org: Annotated[
        list[str] | None, typer.Option("--github-org", help="GitHub owner to follow.")
    ] = None,
    keyword: Annotated[
        list[str] | None, typer.Option("--keyword", help="Word in a GitHub OWNER/NAME.")
    ] = None,
    max_size: Annotated[
        int | None,
        typer.Option(
            "--max-size",
            help="Download no package larger than this (bytes; npm "
            "unpacked): it is incomplete, not read.",
        ),
    ] = None,
    from_beginning: Annotated[
        bool,
        typer.Option(
            "--from-beginning",
            help="No checkpoint yet: start at the feeds' first "
            "entry instead of now (mirrors and tests).",
        ),
    ] = False,
    gharchive_from: Annotated[
        str | None,
        typer.Option(
            "--gharchive-from",
            help="No checkpoint yet: backfill GitHub from this "
            "GH Archive hour (YYYY-MM-DD-H) before following the live feed.",
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Stop when every feed is caught up.")
    ] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between polls.")] = 5.0,
    prefetch: Annotated[
        int, typer.Option("--prefetch", help="Publications fetched ahead of the scan.")
    ] = 4,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", help="Parser processes working at once (2: both cores)."),
    ] = 1,
    npm_changes: Annotated[str, typer.Option(help="npm replication feed.")] = NPM_CHANGES,
    npm_registry: Annotated[str, typer.Option(help="npm registry base URL.")] = NPM_REGISTRY,
    pypi_url: Annotated[str, typer.Option(help="PyPI base URL.")] = PYPI_URL,
    api_url: Annotated[str, typer.Option("--api-url", help="GitHub API.")] = DEFAULT_API,
    gharchive_url: Annotated[str, typer.Option(help="GH Archive base URL.")] = GHARCHIVE,
    token_file: Annotated[
        Path | None, typer.Option("--token-file", help="GitHub token file ($GITHUB_TOKEN).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="leaktrace.toml.")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a threshold: NAME=VALUE.")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="The watch's name: its checkpoints are kept under it "
            "(default: one per feed, filters and store).",
        ),
    ] = None,
) -> None:
    """Follow npm, PyPI and GitHub as they publish, and scan each new publication."""
    settings = Settings(
        store=store, feeds=tuple(feed or FEEDS), results=results_path, webhook=webhook,
        webhook_format=webhook_format, alert_review=alert_review,
        packages=tuple(package or ()), scopes=tuple(scope or ()),
        orgs=tuple(github_org or ()), keywords=tuple(keyword or ()), max_size=max_size,
        from_beginning=from_beginning, gharchive_from=gharchive_from, once=once, poll=poll,
        prefetch=prefetch, jobs=jobs, npm_changes=npm_changes, npm_registry=npm_registry,
        pypi_url=pypi_url, api_url=api_url, gharchive_url=gharchive_url, token_file=token_file,
        config=config, assignments=tuple(set_ or ()), name=name,
    )  # fmt: skip
    try:
        code = run_watch(settings)
    except LeaktraceError as exc:
        error(exc)
        raise typer.Exit(EXIT_INPUT) from None
    if code:
        raise typer.Exit(code)


@dataclass(frozen=True)
class Settings:
    """The command line of ``watch``, as plain fields."""

    store: Path
    feeds: tuple[str, ...]
    results: Path
    webhook: str | None
    webhook_format: str
    alert_review: bool
    packages: tuple[str, ...]
    scopes: tuple[str, ...]
    orgs: tuple[str, ...]
    keywords: tuple[str, ...]
    max_size: int | None
    from_beginning: bool
    gharchive_from: str | None
    once: bool
    poll: float
    prefetch: int
    jobs: int
    npm_changes: str
    npm_registry: str
    pypi_url: str
    api_url: str
    gharchive_url: str
    token_file: Path | None
    config: Path | None
    assignments: tuple[str, ...]
    name: str | None = None

    def check(self) -> None:
        """A ``ConfigError`` naming the first bad option."""
        from scanner.watch.alerts import FORMATS, check_webhook
        from scanner.watch.feeds import parse_hour

        for name in self.feeds:
            if name not in FEEDS:
                raise ConfigError("--feed", f"{name!r}: expected one of {', '.join(FEEDS)}")
        if self.name is not None and not self.name.strip():
            raise ConfigError("--name", "must not be empty")
        if self.jobs < 1:
            raise ConfigError("--jobs", f"must be at least 1, got {self.jobs}")
        if self.webhook_format not in FORMATS:
            raise ConfigError("--webhook-format", f"expected one of {', '.join(FORMATS)}")
        if self.webhook:
            check_webhook(self.webhook)
        if self.gharchive_from:
            try:
                parse_hour(self.gharchive_from)
            except ValueError:
                raise ConfigError("--gharchive-from", "expected YYYY-MM-DD-H") from None


def _say(text: str) -> None:
    say(f"leaktrace: watch: {text}", to_stderr=True)


def run_watch(settings: Settings) -> int:
    """Watch until stopped (``--once``: until caught up); the exit code."""
    from fingerprints import open_store
    from scanner.commands.shared import store_gaps
    from scanner.config import load_limits, load_thresholds
    from scanner.crawl import make_crawler, read_token
    from scanner.index import FingerprintIndex
    from scanner.resultsdb import ResultsDB
    from scanner.scan import ScanContext
    from scanner.thresholds import parse_assignments
    from scanner.watch.engine import BoundedCache, Filters, Watcher
    from scanner.watch.reopen import FollowedStore
    from scanner.watch.state import WatchState, alert_destination

    settings.check()
    thresholds = load_thresholds(settings.config).with_overrides(
        parse_assignments(list(settings.assignments)), "command line")  # fmt: skip
    limits = load_limits(settings.config)
    # every publication is a stranger's: each file is parsed in an isolated parser process,
    # under the time and memory limits, as in 'scan' (a parser crash is one line, not the end);
    # the watcher's read-ahead threads start theirs (--jobs of them)
    parse = limits.parse_limits()

    def build(opened: SQLiteStore) -> ScanContext:
        gaps = store_gaps(opened, _say)  # said at start (and reopening); each clear is incomplete
        index = FingerprintIndex.from_store(opened, _say)
        return ScanContext(index, opened.params, thresholds, limits.max_file_bytes, parse, gaps)

    with open_store(settings.store, read_only=True) as opened:
        if not opened.has_private_files():  # one row, not every file of the store
            raise ConfigError("--store", f"{settings.store} holds no private files; fingerprint "
                              "the private code into it first")  # fmt: skip
        stamp = opened.stamp()
        context = build(opened)
        index, params = context.index, context.params
        digest = index.store_digest or opened.digest()
    followed = FollowedStore(settings.store, build, _say, stamp)
    filters = Filters(settings.packages, settings.scopes, settings.orgs, settings.keywords)
    crawler = make_crawler(token=read_token(settings.token_file), api_url=settings.api_url,
                           npm_registry=settings.npm_registry, pypi_url=settings.pypi_url,
                           cache=BoundedCache(256), blobs=BoundedCache(4096),
                           limits=limits)  # fmt: skip
    stop = threading.Event()
    outbox = watcher = None
    try:
        with ResultsDB(settings.results, create=True) as results:
            keys = watch_keys(settings)
            destination = alert_destination(settings.webhook, settings.webhook_format)
            state = WatchState(results, keys, destination)
            for name in settings.feeds:
                if state.adopt_legacy(name):
                    _say(
                        f"{name}: this watch takes over the checkpoint an earlier leaktrace kept "
                        "for every watch of the feed (which filters it had is not recorded)"
                    )
            run_id = _run_id(results, settings, index, params, thresholds, digest, keys)
            feeds = _feeds(settings, crawler, state, limits)
            for name, (_, count, at) in state.checkpoints().items():
                _say(f"{name}: resuming after {count:,} publication(s) (checkpoint of {at})")
            outbox = _outbox(settings, state)
            watcher = Watcher(feeds, state, context, filters, run_id,
                              alert_review=settings.alert_review, prefetch=settings.prefetch,
                              jobs=settings.jobs,
                              on_alert=outbox.poke if outbox else None, say=_say,
                              redact=crawler.http.redact, store=followed)  # fmt: skip
            previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                watcher.run(once=settings.once, poll=settings.poll, stop=stop.is_set)
                if settings.once and outbox is not None:
                    _drain(state, outbox)
            finally:
                signal.signal(signal.SIGTERM, previous)
                results.finish_run(run_id, "stopped")
            counts = watcher.counts
            err.print(f"watch: {counts.seen:,} feed entries, {counts.scanned:,} publication(s) "
                      f"scanned, {counts.filtered:,} filtered out, {counts.flagged:,} flagged, "
                      f"{counts.incomplete:,} incomplete; by feed: "
                      f"{json.dumps(counts.by_feed, sort_keys=True)}; run {run_id} in "
                      f"{settings.results}", markup=False)  # fmt: skip
    finally:
        if watcher is not None:
            watcher.close()
        if outbox is not None:
            outbox.stop()
        followed.close()
        crawler.close()
    if counts.flagged:
        return EXIT_FLAGGED
    return EXIT_INCOMPLETE if counts.incomplete or counts.feed_failures else EXIT_CLEAR


def watch_keys(settings: Settings) -> dict[str, str]:
    """Each feed's checkpoint key: ``--name`` when given, else what was watched (the feed's
    URLs, the filters that apply to it, the store file), so that a watch with other filters, of
    another store or mirror, in the same results database, has a checkpoint of its own."""
    store = str(settings.store.resolve())
    packages = {"packages": sorted(settings.packages), "scopes": sorted(settings.scopes),
                "max_size": settings.max_size}  # fmt: skip
    what = {
        "npm": {"changes": settings.npm_changes, "registry": settings.npm_registry, **packages},
        "pypi": {"url": settings.pypi_url, **packages},
        "github": {"api": settings.api_url, "orgs": sorted(o.lower() for o in settings.orgs),
                   "keywords": sorted(k.lower() for k in settings.keywords)},
    }  # fmt: skip
    keys = {}
    for feed in settings.feeds:
        if settings.name:
            keys[feed] = f"{feed} {settings.name}"
            continue
        text = json.dumps({"store": store, **what[feed]}, sort_keys=True)
        keys[feed] = f"{feed} {hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return keys


def _run_id(results: ResultsDB, settings: Settings, index: FingerprintIndex,
            params: FingerprintParams, thresholds: Thresholds, digest: str,
            keys: dict[str, str]) -> int:  # fmt: skip
    """The watch's run in the results database: one per store, watch (its feeds' checkpoint
    keys) and thresholds, carried on across restarts (``review latest`` shows its findings)."""
    from fingerprints import __version__
    from scanner.reports.json_report import to_dict
    from scanner.results import ScanResult
    from scanner.scan import now

    job = "watch " + json.dumps({"store": digest, "feeds": sorted(keys.values()),
                                 "thresholds": thresholds.as_dict()},
                                sort_keys=True, default=str)  # fmt: skip
    run_id = results.resumable_run(job)
    if run_id is None:
        header = to_dict(ScanResult(__version__, thresholds, params.identity(),
                                    str(settings.store), store_digest=digest,
                                    background=index.background_info, started_at=now(),
                                    references=index.reference_info))  # fmt: skip
        run_id = results.start_run(header)
    results.set_job(run_id, job)
    return run_id


def _feeds(settings: Settings, crawler: Crawler, state: WatchState, limits: Limits) -> list[Feed]:
    from scanner.watch.feeds import GitHubFeed, NpmFeed, PyPIFeed

    start = "0" if settings.from_beginning else None
    feeds: list[Feed] = []
    if "npm" in settings.feeds:
        state.start_since("npm", _npm_since(settings, state))
        feeds.append(NpmFeed(crawler.http, settings.npm_changes, settings.npm_registry, limits,
                             state.checkpoint("npm") or start, max_size=settings.max_size,
                             unread=functools.partial(state.unread_ahead, "npm")))  # fmt: skip
    if "pypi" in settings.feeds:
        feeds.append(PyPIFeed(crawler.http, settings.pypi_url, limits,
                              state.checkpoint("pypi") or start,
                              max_size=settings.max_size))  # fmt: skip
    if "github" in settings.feeds:
        feeds.append(GitHubFeed(crawler.github, limits, state.checkpoint("github"),
                                settings.gharchive_url, settings.gharchive_from, say=_say,
                                from_beginning=settings.from_beginning))  # fmt: skip
    return feeds


def _npm_since(settings: Settings, state: WatchState) -> str:
    """From when a package seen for the first time is read, on the first watch of npm: every
    version with ``--from-beginning``, else those published from now on, less the margin
    (replica lag, a clock behind npm's). A results database
    that followed npm before versions were kept (schema 4): those published since its last
    commit, less the margin."""
    from datetime import UTC, datetime

    from fingerprints import utc_text
    from scanner.watch.state import SINCE_MARGIN

    checkpoint = state.checkpoints().get("npm")
    if checkpoint is not None:
        return utc_text(datetime.fromisoformat(checkpoint[2]) - SINCE_MARGIN)
    return "" if settings.from_beginning else utc_text(datetime.now(UTC) - SINCE_MARGIN)


def _outbox(settings: Settings, state: WatchState) -> Outbox | None:
    """The webhook's delivery thread, started, on a client of its own (it never carries the
    GitHub token)."""
    if not settings.webhook:
        return None
    import httpx

    from scanner.http import Http
    from scanner.watch.alerts import Outbox

    http = Http(httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0)))
    outbox = Outbox(settings.results, http, settings.webhook, settings.webhook_format, _say)
    outbox.start()
    if state.pending():
        _say(f"{state.pending()} alert(s) waiting in the outbox from before")
    return outbox


def _drain(state: WatchState, outbox: Outbox, seconds: float = 30.0) -> None:
    """With ``--once``: give the outbox a while to deliver what is waiting."""
    deadline = time.monotonic() + seconds
    while state.pending() and time.monotonic() < deadline:
        outbox.poke()
        time.sleep(0.1)
    if state.pending():
        _say(
            f"{state.pending()} alert(s) still in the outbox; the next watch with this webhook "
            "delivers them"
        )
