"""``leaktrace watch``: follow what npm, PyPI and GitHub publish, scan each new publication
against the store, record findings for ``review`` and push alerts to a webhook.

It runs until interrupted (``--once``: until every feed is caught up and the outbox delivered,
then exits like ``scan``: 1 when something was flagged, 3 when something was incomplete). It
resumes from each feed's checkpoint in the results database; see ``scanner.watch``.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.console import err, error, say
from scanner.endpoints import DEFAULT_API, DEFAULT_RESULTS, NPM_REGISTRY, PYPI_URL
from scanner.errors import ConfigError, LeaktraceError

if TYPE_CHECKING:
    from scanner.watch.engine import Feed

NPM_CHANGES = "https://replicate.npmjs.com/registry"
GHARCHIVE = "https://data.gharchive.org"
FEEDS = ("npm", "pypi", "github")
EXIT_CLEAR, EXIT_FLAGGED, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3


def watch(
    store: Annotated[Path, typer.Option("--store", "-s", help="Fingerprint store to match.")],
    feed: Annotated[
        list[str] | None,
        typer.Option("--feed", help="npm, pypi or github (repeatable; default: all three)."),
    ] = None,
    results_path: Annotated[
        Path, typer.Option("--results", help="Results database (findings, checkpoints).")
    ] = DEFAULT_RESULTS,
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
        typer.Option("--max-size", help="Skip packages larger than this (bytes; npm unpacked)."),
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
) -> None:
    """Follow npm, PyPI and GitHub as they publish, and scan each new publication."""
    try:
        code = _watch(**locals())
    except LeaktraceError as exc:
        error(exc)
        raise typer.Exit(EXIT_INPUT) from None
    if code:
        raise typer.Exit(code)


def _watch(**options: object) -> int:
    import httpx

    from fingerprints import __version__, open_store
    from scanner.config import load_limits, load_thresholds
    from scanner.crawl import make_crawler, read_token
    from scanner.http import Http
    from scanner.index import FingerprintIndex
    from scanner.reports.json_report import to_dict
    from scanner.results import ScanResult
    from scanner.resultsdb import ResultsDB
    from scanner.scan import ScanContext, now
    from scanner.thresholds import parse_assignments
    from scanner.watch.alerts import FORMATS, Outbox, check_webhook
    from scanner.watch.engine import BoundedCache, Filters, Watcher
    from scanner.watch.feeds import GitHubFeed, NpmFeed, PyPIFeed, parse_hour
    from scanner.watch.state import WatchState

    o = options
    feeds_wanted = list(o["feed"] or FEEDS)  # type: ignore[call-overload]
    for name in feeds_wanted:
        if name not in FEEDS:
            raise ConfigError("--feed", f"{name!r}: expected one of {', '.join(FEEDS)}")
    fmt = str(o["webhook_format"])
    if fmt not in FORMATS:
        raise ConfigError("--webhook-format", f"expected one of {', '.join(FORMATS)}")
    if o["webhook"]:
        check_webhook(str(o["webhook"]))
    if o["gharchive_from"]:
        try:
            parse_hour(str(o["gharchive_from"]))
        except ValueError:
            raise ConfigError("--gharchive-from", "expected YYYY-MM-DD-H") from None
    config = o["config"]
    thresholds = load_thresholds(config).with_overrides(  # type: ignore[arg-type]
        parse_assignments(o["set_"] or []), "command line")  # type: ignore[arg-type]  # fmt: skip
    limits = load_limits(config)  # type: ignore[arg-type]
    cache = BoundedCache(256)
    crawler = make_crawler(token=read_token(o["token_file"]),  # type: ignore[arg-type]
                           api_url=str(o["api_url"]), npm_registry=str(o["npm_registry"]),
                           pypi_url=str(o["pypi_url"]), cache=cache,
                           blobs=BoundedCache(4096), limits=limits)  # fmt: skip
    redact = crawler.http.redact
    filters = Filters(tuple(o["package"] or ()), tuple(o["scope"] or ()),  # type: ignore[arg-type]
                      tuple(o["github_org"] or ()), tuple(o["keyword"] or ()))  # type: ignore[arg-type]  # fmt: skip
    max_size = o["max_size"]
    stop = threading.Event()
    outbox: Outbox | None = None
    watcher: Watcher | None = None

    def note(text: str) -> None:
        say(f"leaktrace: watch: {text}", to_stderr=True)

    store_path = Path(str(o["store"]))
    results_path = Path(str(o["results_path"]))
    try:
        with open_store(store_path, read_only=True) as opened:
            if not any(repo.files and not repo.public for repo in opened.repos()):
                raise ConfigError("--store", f"{store_path} holds no private files")
            index = FingerprintIndex.from_store(opened, note)
            params = opened.params
            digest = index.store_digest or opened.digest()
        context = ScanContext(index, params, thresholds, limits.max_file_bytes, None)
        with ResultsDB(results_path, create=True) as results:
            state = WatchState(results)
            job = "watch " + json.dumps({"store": digest, "feeds": sorted(feeds_wanted),
                                         "thresholds": thresholds.as_dict()},
                                        sort_keys=True, default=str)  # fmt: skip
            run_id = results.resumable_run(job)
            if run_id is None:
                header = to_dict(ScanResult(__version__, thresholds, params.identity(),
                                            str(store_path), store_digest=digest,
                                            background=index.background_info, started_at=now(),
                                            references=index.reference_info))  # fmt: skip
                run_id = results.start_run(header)
            results.set_job(run_id, job)
            feeds: list[Feed] = []
            start = "0" if o["from_beginning"] else None
            if "npm" in feeds_wanted:
                feeds.append(NpmFeed(crawler.http, str(o["npm_changes"]), str(o["npm_registry"]),
                                     limits, state.checkpoint("npm") or start,
                                     max_size=max_size))  # type: ignore[arg-type]  # fmt: skip
            if "pypi" in feeds_wanted:
                feeds.append(PyPIFeed(crawler.http, str(o["pypi_url"]), limits,
                                      state.checkpoint("pypi") or start,
                                      max_size=max_size))  # type: ignore[arg-type]  # fmt: skip
            if "github" in feeds_wanted:
                feeds.append(GitHubFeed(crawler.github, limits, state.checkpoint("github"),
                                        str(o["gharchive_url"]),
                                        o["gharchive_from"], say=note))  # type: ignore[arg-type]  # fmt: skip
            for name, (_cursor, count, at) in state.checkpoints().items():
                note(f"{name}: resuming after {count:,} publication(s) (checkpoint of {at})")
            if o["webhook"]:
                outbox_http = Http(httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0)))
                outbox = Outbox(results_path, outbox_http, str(o["webhook"]), fmt, note)
                outbox.start()
                if state.pending():
                    note(f"{state.pending()} alert(s) waiting in the outbox from before")
            watcher = Watcher(feeds, state, context, filters, run_id,
                              alert_review=bool(o["alert_review"]), prefetch=int(o["prefetch"]),  # type: ignore[call-overload]
                              on_alert=outbox.poke if outbox else None, say=note,
                              redact=redact)  # fmt: skip
            previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                watcher.run(once=bool(o["once"]), poll=float(o["poll"]),  # type: ignore[arg-type]
                            stop=stop.is_set)  # fmt: skip
                if o["once"] and outbox is not None:
                    _drain(state, outbox, note)
            finally:
                signal.signal(signal.SIGTERM, previous)
                results.finish_run(run_id, "stopped")
            counts = watcher.counts
            err.print(f"watch: {counts.seen:,} feed entries, {counts.scanned:,} publication(s) "
                      f"scanned, {counts.filtered:,} filtered out, {counts.flagged:,} flagged, "
                      f"{counts.incomplete:,} incomplete; by feed: "
                      f"{json.dumps(counts.by_feed, sort_keys=True)}; run {run_id} in "
                      f"{results_path}", markup=False)  # fmt: skip
    finally:
        if watcher is not None:
            watcher.close()
        if outbox is not None:
            outbox.stop()
        crawler.close()
    if watcher.counts.flagged:
        return EXIT_FLAGGED
    return EXIT_INCOMPLETE if watcher.counts.incomplete else EXIT_CLEAR


def _drain(state: object, outbox: object, note: object, seconds: float = 30.0) -> None:
    """With ``--once``: give the outbox a while to deliver what this run found."""
    import time

    from scanner.watch.state import WatchState

    assert isinstance(state, WatchState)
    deadline = time.monotonic() + seconds
    while state.pending() and time.monotonic() < deadline:
        outbox.poke()  # type: ignore[attr-defined]
        time.sleep(0.1)
    if state.pending():
        note(f"{state.pending()} alert(s) still in the outbox; the next watch delivers them")  # type: ignore[operator]
