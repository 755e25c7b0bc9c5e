"""``leaktrace scan TARGET... --store STORE``: scan candidates (folders, archives, git URLs,
GitHub repositories and fork networks, code-search hits, npm and PyPI packages) against a store
and give each a verdict with its evidence, each recorded in the results database as soon as it
is known (``run_scan``; an unfinished run of the same job resumes). Exit codes:
``scanner.commands.exits``."""

from __future__ import annotations

import contextlib
import gc
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fingerprints import LeaktraceError, StoreError, __version__
from scanner.commands import (
    CONFIG_OPTION,
    JOBS_OPTION,
    PARSE_MEMORY_OPTION,
    PARSE_SECONDS_OPTION,
    RESULTS_OPTION,
    SCHEDULER_OPTION,
    store_path,
)
from scanner.commands.exits import EXIT_INPUT, EXIT_INTERRUPTED, FAIL_ON, exit_code
from scanner.commands.shared import progress as _progress
from scanner.commands.shared import require_private_code as _require_private_code
from scanner.commands.shared import store_gaps
from scanner.commands.shared import thresholds_for as _thresholds
from scanner.commands.shared import write_reports as _write_reports
from scanner.commands.verdict_table import verdict_table as _verdict_table
from scanner.console import err, out
from scanner.console import error as _error
from scanner.console import note as _note
from scanner.console import problem as _problem
from scanner.endpoints import DEFAULT_API, DEFAULT_RESULTS, NPM_REGISTRY, PYPI_URL
from scanner.errors import InputError
from scanner.redaction import hide_userinfo

if TYPE_CHECKING:  # imported where used: the command loads only what it needs
    from scanner.crawl import Crawler
    from scanner.index import FingerprintIndex
    from scanner.results import ScanResult
    from scanner.resultsdb import ResultsDB
    from scanner.runners import Runner
    from scanner.scan import FileOutcome
    from scanner.sources import Candidate, Limits
    from scanner.thresholds import Thresholds


def run_scan(targets: Iterable[str | Candidate], store_path: Path, thresholds: Thresholds,
             results: ResultsDB | None = None, limits: Limits | None = None,
             crawler: Crawler | None = None, job: str | None = None,
             runner: Runner | None = None, store_digest: str | None = None,
             history: bool = False, index: FingerprintIndex | None = None,
             networks: dict[str, str] | None = None) -> tuple[ScanResult, int | None]:  # fmt: skip
    """Scan every target against the store, recording each verdict in ``results`` as soon as it
    is known; a target that cannot be read at all is an ``incomplete`` candidate like any other.
    A target may also be a ready candidate (a failed listing: ``listings.expand_targets``).
    Returns the result and its run id.

    With a ``job`` key, an unfinished run of the same job is resumed: targets it already judged
    are skipped, and the crawler's caches spare what was already downloaded. With ``history``,
    git repositories are read commit by commit (``resolve``). ``networks`` names the fork
    network each target was listed from (``listings.expand_targets``), recorded with its candidate.
    """
    from fingerprints import carried_name, open_store
    from scanner.index import FingerprintIndex
    from scanner.reports.json_report import candidate_dict, to_dict
    from scanner.results import ScanResult
    from scanner.runners import Processes
    from scanner.scan import MOSTLY_UNREAD, ScanContext, now, scan_candidates, unparsed
    from scanner.sources import Limits, Unreadable
    from scanner.targets import resolve, target_kind

    with open_store(store_path, read_only=True) as store, contextlib.ExitStack() as built:
        if index is None:  # closed with the run (the caller closes an index it gave)
            opened = FingerprintIndex.from_store(store, _note)
            index = built.enter_context(contextlib.closing(opened))
        limits = limits or Limits()
        parse = limits.parse_limits()
        gaps = store_gaps(store, _note)
        context = ScanContext(index, store.params, thresholds, limits.max_file_bytes, parse, gaps)
        if isinstance(runner, Processes):  # its workers start while the run is recorded and
            runner.start(context)  # walked
        result = ScanResult(
            tool_version=__version__,
            thresholds=thresholds,
            fingerprint_params=store.params.identity(),
            store_path=str(store_path),
            store_digest=store_digest or index.store_digest or store.digest(),
            background=index.background_info,
            started_at=now(),
            references=index.reference_info,
        )
        run_id, done_before = None, set()
        if results is not None:
            run_id = results.resumable_run(job) if job else None
            if run_id is not None:
                done_before = results.judged(run_id)
                err.print(f"resuming run {run_id}: {len(done_before)} candidate(s) already "
                          "judged", markup=False)  # fmt: skip
            else:
                run_id = results.start_run(to_dict(result))
                if job:
                    results.forget_searches(job)  # a new run searches again
            if job:
                results.set_job(run_id, job)
        status = "interrupted"
        memo: dict[tuple[str, str], FileOutcome] = {}
        on_unread: Callable[[tuple[str, str], FileOutcome], None] | None = None
        if results is not None:
            # contents that failed to parse before, under limits no tighter: not tried again
            remembered = results.parse_failures(parse.seconds, parse.memory_bytes, __version__)
            memo = {key: unparsed(message) for key, message in remembered.items()}

            def remember(key: tuple[str, str], outcome: FileOutcome,
                         db: ResultsDB = results) -> None:  # fmt: skip
                if outcome.unread_kind in ("stall", MOSTLY_UNREAD):
                    return  # stopped for want of CPU, the machine's doing: another run may read
                    # it; or parsed, mostly into errors: its fragments stand (no parse failure)
                db.remember_parse_failure(*key, outcome.unread or "", parse.seconds,
                                          parse.memory_bytes, __version__)  # fmt: skip

            on_unread = remember
        try:
            with _progress() as progress:
                task = progress.add_task("scanning", total=None, item="")

                def unreadable(target: str, exc: LeaktraceError) -> Candidate:
                    message = hide_userinfo(str(exc)).removeprefix(f"{target}: ")
                    if crawler is not None:
                        message = crawler.http.redact(message)
                    return Unreadable(target, target_kind(target), message)

                names: deque[str] = deque()  # of the candidates taken and not yet judged

                def candidates() -> Iterator[Candidate | None]:
                    """Each target to judge, opened as the scan reaches it, while the one
                    before is judged and recorded; but when the scan may use the network (a
                    listing, a download), only once every verdict before it is recorded
                    (None: ``scan_candidates``' barrier), so that no stalled request holds
                    them back."""
                    for wanted in _barriers(targets, crawler is not None):
                        if wanted is None:
                            yield None
                            continue
                        typed = wanted if isinstance(wanted, str) else wanted.target
                        target = hide_userinfo(typed)  # shown and recorded: no password
                        if carried_name(target) in done_before:
                            continue
                        progress.update(task, item=target)
                        names.append(target)
                        try:
                            yield (resolve(typed, limits, crawler, history)
                                   if isinstance(wanted, str) else wanted)  # fmt: skip
                        except StoreError:
                            raise  # the store, not this candidate: no verdict can be trusted
                        except LeaktraceError as exc:
                            yield unreadable(target, exc)

                # each candidate's tail (combining, judging, its report's dictionary,
                # recording it) makes tens of thousands of containers: enough for a full
                # collection, which walked every object, index, memo and outcomes included (35
                # ms of CPU at load 9, the large tree). Frozen (``gc.freeze``) when its last
                # outcome is in, until it is recorded, its collections walk only what it makes
                judged = scan_candidates(
                    candidates(), context, memo=memo, runner=runner, on_unread=on_unread,
                    meanwhile=_tail_imports, at_tail=gc.freeze,
                    on_failure=lambda _, exc: unreadable(names[0], exc),  # judged in order
                )  # fmt: skip
                for outcome in judged:
                    target = names.popleft()
                    outcome.target = carried_name(outcome.target)  # a name not UTF-8: \xNN
                    for problem in outcome.problems:
                        if context.said_apart(problem):  # said when the store was opened
                            continue
                        where = f"{target}:{problem.path}" if problem.path else target
                        _problem(where, problem.message)
                    result.candidates.append(outcome)
                    if results is not None and run_id is not None:
                        excerpts = {path: (outcome.file_hashes[path], text)
                                    for path, text in outcome.excerpts.items()}  # fmt: skip
                        recorded = candidate_dict(outcome)
                        if networks and target in networks:
                            recorded["network"] = networks[target]
                        results.add_candidate(run_id, recorded, excerpts)
                    gc.unfreeze()
                    progress.advance(task)
            status = "done"
        except KeyboardInterrupt:
            if run_id is None:
                raise
            raise ScanInterrupted(run_id) from None
        finally:
            gc.unfreeze()
            if results is not None and run_id is not None:
                results.finish_run(run_id, status)
    return result, run_id


def _barriers(targets: Iterable[str | Candidate], each: bool) -> Iterator[str | Candidate | None]:
    """``targets``, with a None before each one (``each``) before it is taken: taking the next
    may itself wait on the network (a listing's next page)."""
    if not each:
        yield from targets
        return
    remaining = iter(targets)
    while True:
        yield None
        wanted = next(remaining, None)
        if wanted is None:
            return
        yield wanted


class ScanInterrupted(KeyboardInterrupt):
    """Ctrl-C during a recorded run (marked ``interrupted``): which run, so that ``scan`` can
    say it and how to resume it."""

    def __init__(self, run_id: int) -> None:
        super().__init__(run_id)
        self.run_id = run_id


def _tail_imports() -> None:
    """Import what the verdict table needs (rich: 25 ms of CPU) while the first candidate's
    files are being scanned, rather than after the run, when nothing else runs. The consoles
    are still made on first use (``scanner.console``: plain lines skip rich until then)."""
    import rich.console
    import rich.markup
    import rich.table
    import rich.text  # noqa: F401


def job_key(parts: dict[str, object]) -> str:
    import hashlib  # OpenSSL's binding: not for every command's start-up

    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _needs_network(targets: list[str], from_file: Path | None, *more: object) -> bool:
    """Whether a scan may fetch anything (a target that is not a local path, a listing, a
    search, a file of targets, git history): otherwise no HTTP client is made (nor httpx
    imported), and no token is read."""
    return bool(from_file or any(more) or any(not Path(t).exists() for t in targets))


def scan(
    store: Annotated[
        Path,
        typer.Option(
            "--store", "-s", help="Fingerprint store to match against.", parser=store_path
        ),
    ],
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Folders, archives, git URLs, github:OWNER/REPO[@REF], npm:NAME[@VER], "
            "pypi:NAME[==VER]; each is one candidate."
        ),
    ] = None,
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the JSON report to FILE ('-' for stdout).")
    ] = None,
    html_out: Annotated[str | None, typer.Option("--html", help="Write the HTML report.")] = None,
    md_out: Annotated[str | None, typer.Option("--md", help="Write the Markdown summary.")] = None,
    sarif_out: Annotated[str | None, typer.Option("--sarif", help="Write SARIF 2.1.0.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a threshold: NAME=VALUE (repeatable)."),
    ] = None,
    config: Annotated[Path | None, CONFIG_OPTION] = None,
    results_path: Annotated[Path, RESULTS_OPTION] = DEFAULT_RESULTS,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="More targets, one per line.")
    ] = None,
    forks: Annotated[
        list[str] | None,
        typer.Option(
            "--forks", help="OWNER/REPO: every fork in its network, forks of forks included."
        ),
    ] = None,
    github_search: Annotated[
        list[str] | None,
        typer.Option("--github-search", help="GitHub code search query: each repository found."),
    ] = None,
    github_repos: Annotated[
        list[str] | None, typer.Option("--github-repos", help="GitHub repository search query.")
    ] = None,
    seeds: Annotated[
        int,
        typer.Option(
            "--seeds",
            help="Code-search the store's N most distinctive seeds (fingerprint --seeds).",
        ),
    ] = 0,
    api_url: Annotated[
        str, typer.Option("--api-url", help="GitHub API (GitHub Enterprise: https://HOST/api/v3).")
    ] = DEFAULT_API,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file", help="File holding the GitHub token (default: $GITHUB_TOKEN)."
        ),
    ] = None,
    npm_registry: Annotated[str, typer.Option(help="npm registry base URL.")] = NPM_REGISTRY,
    pypi_url: Annotated[str, typer.Option(help="PyPI base URL.")] = PYPI_URL,
    jobs: Annotated[int | None, JOBS_OPTION] = None,
    scheduler: Annotated[str | None, SCHEDULER_OPTION] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Lowest verdict that exits 1: derivative (default) or review (for CI gates).",
        ),
    ] = "derivative",
    max_file_bytes: Annotated[
        int | None,
        typer.Option(help="Largest piece parsed at once; larger files are scanned in windows."),
    ] = None,
    max_read_bytes: Annotated[
        int | None, typer.Option(help="Largest single file read (larger: not read, incomplete).")
    ] = None,
    max_total_bytes: Annotated[
        int | None, typer.Option(help="Bytes read from one candidate, across nested archives.")
    ] = None,
    max_depth: Annotated[
        int | None, typer.Option(help="Archives inside archives opened (default 3).")
    ] = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="Read git repositories (URLs, GitHub, folders that are repositories) commit "
            "by commit: every branch and tag, each distinct file content once.",
        ),
    ] = False,
    max_parse_seconds: Annotated[int | None, PARSE_SECONDS_OPTION] = None,
    max_parse_memory: Annotated[int | None, PARSE_MEMORY_OPTION] = None,
) -> None:
    """Scan candidates against a store and give each a verdict with its evidence.

    Every verdict is recorded in the results database as soon as it is reached; after Ctrl-C or
    a crash, the same command resumes the unfinished run without fetching again what it has.
    """
    from fingerprints import open_store, start_parser
    from scanner.config import load_limits
    from scanner.index import FingerprintIndex
    from scanner.resultsdb import ResultsDB
    from scanner.runners import Processes, Serial, make_runner

    crawler = index = None
    runner: Runner = Serial()
    try:
        if fail_on not in FAIL_ON:
            raise typer.BadParameter(f"expected one of {', '.join(FAIL_ON)}",
                                     param_hint="--fail-on")  # fmt: skip
        if not (targets or from_file or forks or github_search or github_repos or seeds):
            raise InputError("nothing to scan: give a TARGET (folder, archive, git URL, "
                             "github:OWNER/REPO, npm:NAME, pypi:NAME), --from-file, --forks or "
                             "--github-search")  # fmt: skip
        thresholds = _thresholds(config, set_)
        limits = load_limits(config, overrides={
            "max_file_bytes": max_file_bytes, "max_read_bytes": max_read_bytes,
            "max_total_bytes": max_total_bytes, "max_depth": max_depth,
            "max_parse_seconds": max_parse_seconds, "max_parse_memory": max_parse_memory,
        })  # fmt: skip
        runner = make_runner(jobs, scheduler)
        if isinstance(runner, Serial):  # parsing happens here: let the parser start meanwhile
            start_parser(limits.parse_limits())
        with ResultsDB(results_path, create=True, wait_for_disk=False) as results:
            if _needs_network(targets or [], from_file, forks, github_search, github_repos,
                              seeds, history):  # fmt: skip
                from scanner.crawl import make_crawler, read_token

                crawler = make_crawler(token=read_token(token_file), api_url=api_url,
                                       npm_registry=npm_registry, pypi_url=pypi_url,
                                       cache=results, blobs=results, limits=limits)  # fmt: skip
            with open_store(store, read_only=True) as opened:
                _require_private_code(opened)
                index = FingerprintIndex.from_store(opened, _note)
                digest = index.store_digest or opened.digest()
                queries = list(github_search or [])
                found: list[str] = []
                if seeds:
                    found = opened.seeds(seeds)
                    if not found:
                        raise InputError(f"{store}: no seeds; fingerprint with --seeds first")
            from scanner.listings import SearchLog, expand_targets

            networks: dict[str, str] = {}
            job = job_key({"targets": [hide_userinfo(t) for t in targets or []],
                           "from_file": str(from_file), "forks": forks, "code": queries,
                           "seeds": found, "repos": github_repos, "store": digest,
                           "thresholds": thresholds.as_dict(), "api": api_url,
                           "limits": limits, **({"history": True} if history else {})})  # fmt: skip
            wanted = expand_targets(targets or [], from_file, forks or [], queries,
                                    github_repos or [], crawler, history, networks, found,
                                    SearchLog(_note, results, job))  # fmt: skip
            _, run_id = run_scan(wanted, store, thresholds, results, limits, crawler, job,
                                 runner, digest, history, index, networks)  # fmt: skip
            if isinstance(runner, Processes):  # they exit while the reports are written
                runner.release()
            assert run_id is not None
            outputs = {"json": json_out, "html": html_out, "md": md_out, "sarif": sarif_out}
            recorded = _write_reports(results, run_id, outputs)["candidates"]
            if not recorded:
                given = {"--from-file": from_file, "--forks": forks,
                         "--github-search": github_search, "--github-repos": github_repos,
                         "--seeds": seeds}  # fmt: skip
                asked = ", ".join(option for option, value in given.items() if value)
                raise InputError(f"nothing scanned: the targets asked for ({asked}) named no "
                                 "candidate")  # fmt: skip
    except LeaktraceError as exc:
        message = crawler.http.redact(str(exc)) if crawler else str(exc)
        _error(message)
        raise typer.Exit(EXIT_INPUT) from None
    except ScanInterrupted as stopped:
        from scanner.commands.shared import invoked_as

        again = invoked_as()  # the command as given (no password:
        _error(f"run {stopped.run_id} interrupted; its verdicts so far are kept in "  # _error)
               f"{results_path}; to resume it, run the same command: {again}")  # fmt: skip
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        runner.close()
        if crawler is not None:
            crawler.close()
        if index is not None:
            index.close()
    console = err if "-" in (json_out, md_out, sarif_out) else out
    console.print(_verdict_table(recorded, console.width))
    if crawler is not None and crawler.http.stats.requests:
        stats, blobs = crawler.http.stats, crawler.github.blob_stats
        err.print(f"network: {stats.requests:,} HTTP requests ({stats.not_modified:,} not "
                  f"modified, {stats.retries:,} retried, {stats.rate_limit_waits:,} rate-limit "
                  f"waits), {blobs.downloaded:,} blob downloads, {blobs.reused:,} blobs reused; "
                  f"by kind: {json.dumps(stats.by_kind, sort_keys=True)}",
                  markup=False)  # fmt: skip
    err.print(f"run {run_id} recorded in {results_path}", markup=False)
    code = exit_code((c["verdict"] for c in recorded), fail_on)
    if code:
        raise typer.Exit(code)
