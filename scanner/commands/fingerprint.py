"""``leaktrace fingerprint SRC... --store STORE [--public SRC]``: fingerprint private repositories
(folders, archives, git URLs) into a store, only changed files redone, and the company's
published code marked public; the store's index refreshed after. Errors are one line on stderr
and exit code 2."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fingerprints import LeaktraceError, printable
from scanner.commands import (
    JOBS_OPTION,
    PARSE_MEMORY_OPTION,
    PARSE_SECONDS_OPTION,
    SCHEDULER_OPTION,
    store_path,
)
from scanner.commands.background import refresh as refresh_index
from scanner.commands.exits import EXIT_INPUT
from scanner.commands.shared import progress as _progress
from scanner.commands.shared import report_problems as _report_problems
from scanner.console import err
from scanner.console import error as _error
from scanner.console import problem as _problem
from scanner.redaction import hide_userinfo

if TYPE_CHECKING:  # imported where used: the command loads only what it needs
    from rich.progress import Progress, TaskID

    from fingerprints import FingerprintParams, Job, Mapper, ParseLimits, SQLiteStore, TreeSummary
    from scanner.commands.sources import RepoSource
    from scanner.runners import Runner


def _print_tree_summary(summary: TreeSummary, verbose: bool) -> None:
    rate = summary.lines / summary.seconds if summary.seconds else 0.0
    kind = "public" if summary.public else "private"
    err.print(
        f"{summary.name} ({kind}): {summary.fingerprinted} file(s) fingerprinted, "
        f"{summary.unchanged} unchanged, {summary.removed} removed, "
        f"{len(summary.skipped)} skipped, {summary.unknown_language} not source; "
        f"{summary.lines:,} lines in {summary.seconds:.2f} s ({rate:,.0f} lines/s)",
        markup=False,
    )
    for folder, count in summary.vendored.items():  # never a silent skip: company code may be
        name = folder.rstrip("/").rsplit("/", 1)[-1]  # kept there (--include-dir reads it)
        err.print(printable(f"  skipped vendored folder {folder}: {count:,} file(s) not "
                            f"fingerprinted (--include-dir {name} reads it, if it is the "
                            "company's own code)"), markup=False)  # fmt: skip
    if verbose:
        for path, reason in summary.skipped:
            err.print(printable(f"  skipped {path}: {reason}"), markup=False)
    elif summary.skipped:
        err.print("  (--verbose lists the skipped files and why)", markup=False)
    shown = summary.open_source if verbose else summary.open_source[:10]
    for path, reason in shown:
        err.print(printable(f"  {path}: {reason}; never evidence, never in a notice"),
                  markup=False)  # fmt: skip
    if len(shown) < len(summary.open_source):
        err.print(f"  and {len(summary.open_source) - len(shown)} more open-source file(s) "
                  "(--verbose lists them)", markup=False)  # fmt: skip
    if summary.open_source and not summary.owners:
        err.print("  (a file of the company's own under such a header: --owner NAME, its "
                  "copyright holder, keeps it evidence)", markup=False)  # fmt: skip
    for path, reason in summary.owned[:10] if not verbose else summary.owned:
        err.print(printable(f"  {path}: {reason}; the company's own (--owner or the "
                            "repository's licence file): evidence"), markup=False)  # fmt: skip
    for other, count in summary.identical:
        effect = ("public code is never evidence" if other.public or summary.public
                  else "the same content counts once as evidence")  # fmt: skip
        err.print(f"  {count} file(s) of {summary.name} are identical to files already stored in "
                  f"{other.kind} repo {other.name!r}; {effect}", markup=False)  # fmt: skip


def _ingest(
    source: RepoSource,
    store: SQLiteStore,
    progress: Progress,
    task: TaskID,
    seeds: bool = False,
    runner: Runner | None = None,
    parse_limits: ParseLimits | None = None,
    owners: Sequence[str] = (),
    included: frozenset[str] = frozenset(),
) -> TreeSummary:
    """Fingerprint one source (folder, archive or git URL) into the store."""
    from fingerprints import fingerprint_files, fingerprint_tree

    target = source.target
    path = Path(target)
    if path.is_dir():
        return fingerprint_tree(
            path,
            store,
            name=source.name,
            public=source.public,
            on_problem=lambda item, message: _problem(f"{target}:{item}", message),
            on_file=lambda item: progress.update(task, advance=1, item=item),
            seeds=seeds,
            mapper=_mapper(runner, parse_limits),
            parse_limits=parse_limits,
            owners=owners,
            settle_later=True,  # while the next source is read, or the index built
            included=included,
        )
    from scanner.commands.sources import unwrapped
    from scanner.sources.git import is_git_url
    from scanner.targets import resolve

    candidate = resolve(target)
    files = candidate.iter_files()
    summary = fingerprint_files(
        files if is_git_url(target) and not path.exists() else unwrapped(files, target),
        store,
        name=source.name,
        origin=source.origin,
        root=hide_userinfo(target),
        public=source.public,
        on_problem=lambda item, message: _problem(f"{target}:{item}", message),
        seeds=seeds,
        mapper=_mapper(runner, parse_limits),
        parse_limits=parse_limits,
        owners=owners,
        settle_later=True,
        included=included,
    )
    _report_problems(target, candidate)
    return summary


def _mapper(runner: Runner | None, parse_limits: ParseLimits | None = None) -> Mapper:
    """How files are fingerprinted. On this machine, isolated: wholly in the parser processes
    (one per job), with no pool of workers in between; on a cluster, by its workers."""
    from fingerprints import isolated_mapper
    from scanner.runners import DaskRunner

    if runner is None:
        return map
    if parse_limits is not None and not isinstance(runner, DaskRunner):
        isolated = isolated_mapper(parse_limits, runner.workers)
        return lambda fn, jobs: isolated(fn, _prefetching(jobs))
    return lambda fn, items: runner.map(fn, items)


_LATER = ("numpy", "scanner.index")
"""What this process imports once the parser processes work: the index is built at the end
(``scanner.index`` brings ``index_file`` and the fingerprinting modules), and a large file's
lines or a file fingerprinted here may need numpy; the answers (``NativeFile``) are stored
without it, so this process never waits for these imports to take an answer and send the
next file (at the first answers, it did: the parser idled for the whole import)."""


def _prefetching(jobs: Iterable[Job]) -> Iterator[Job]:
    """``jobs``, the modules of ``_LATER`` imported on a thread (``scanner.lazy.prefetch``)
    from the moment the first is ready to be sent: before, this process's own work comes first
    (the parsers wait for their first file); then it imports while it waits for its parsers to
    be ready and while they parse, where importing at the first answer left them idle."""
    from scanner.lazy import prefetch

    remaining = iter(jobs)
    for job in remaining:
        prefetch(*_LATER)
        yield job
        break
    yield from remaining


def _fingerprint(
    sources: list[str] | list[Path],
    store_path: Path,
    name: str | None,
    public: list[str] | list[Path],
    params: FingerprintParams | None,
    verbose: bool,
    seeds: bool = False,
    runner: Runner | None = None,
    parse_limits: ParseLimits | None = None,
    owners: Sequence[str] = (),
    included: frozenset[str] = frozenset(),
) -> None:
    from fingerprints import open_store
    from scanner.commands.sources import check_sources, plan_sources

    planned = plan_sources([str(s) for s in sources], [str(p) for p in public], name)
    with open_store(store_path, params, create=True) as store, _progress() as progress:
        check_sources(store, planned)
        task = progress.add_task("fingerprinting", total=None, item="")
        for source in planned:
            summary = _ingest(source, store, progress, task, seeds, runner, parse_limits,
                              owners, included)  # fmt: skip
            _print_tree_summary(summary, verbose)
        refresh_index(store)
        if seeds:
            err.print(f"{len(store.seeds())} seed(s) recorded in plaintext for code search "
                      "('leaktrace seeds' lists them)", markup=False)  # fmt: skip


def fingerprint(
    store: Annotated[
        Path,
        typer.Option("--store", "-s", help="Store file (created if missing).", parser=store_path),
    ],
    src: Annotated[
        list[str] | None,
        typer.Argument(
            help="Private source: folders, archives or git URLs; SRC=NAME names its repository."
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Repository name of the one SRC (default: its own name)."),
    ] = None,
    public: Annotated[
        list[str] | None,
        typer.Option(
            "--public",
            help="Code the company already published (folder, archive or git URL; SRC=NAME "
            "names it): never evidence.",
        ),
    ] = None,
    k: Annotated[int | None, typer.Option(help="Tokens per k-gram (new stores only).")] = None,
    w: Annotated[int | None, typer.Option(help="Winnowing window (new stores only).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List skipped files.")] = False,
    seeds: Annotated[
        bool,
        typer.Option(
            "--seeds",
            help="Also record distinctive identifiers and strings IN PLAINTEXT, to drive "
            "code search ('scan --seeds').",
        ),
    ] = False,
    include_dir: Annotated[
        list[str] | None,
        typer.Option(
            "--include-dir",
            help="Fingerprint folders of this name although they look vendored (vendors, "
            "external, third_party, ...): the company's own code kept there. Repeatable.",
        ),
    ] = None,
    jobs: Annotated[int | None, JOBS_OPTION] = None,
    scheduler: Annotated[str | None, SCHEDULER_OPTION] = None,
    max_parse_seconds: Annotated[int | None, PARSE_SECONDS_OPTION] = None,
    max_parse_memory: Annotated[int | None, PARSE_MEMORY_OPTION] = None,
    owner: Annotated[
        list[str] | None,
        typer.Option(
            "--owner",
            help="The company's copyright holder (repeatable; the repository's LICENSE, COPYING "
            "or NOTICE names one too): its files under an open-source licence header naming "
            "it stay evidence.",
        ),
    ] = None,
) -> None:
    """Fingerprint private repositories into a store (only changed files are redone)."""
    from fingerprints import FingerprintParams, start_parser
    from scanner.config import load_limits
    from scanner.runners import DaskRunner, make_runner

    try:
        params = None
        if k is not None or w is not None:
            defaults = FingerprintParams()
            params = FingerprintParams(k=k or defaults.k, w=w or defaults.w)
        parse = load_limits(overrides={"max_parse_seconds": max_parse_seconds,
                                       "max_parse_memory": max_parse_memory})  # fmt: skip
        included = _included(include_dir or [])
        runner = make_runner(jobs, scheduler)
        if not isinstance(runner, DaskRunner):  # they start while the store opens
            start_parser(parse.parse_limits(), runner.workers)
        try:
            _fingerprint(src or [], store, name, public or [], params, verbose, seeds, runner,
                         parse.parse_limits(), owner or [], included)  # fmt: skip
        finally:
            runner.close()
    except LeaktraceError as exc:
        _error(exc)
        raise typer.Exit(EXIT_INPUT) from None


def _included(names: list[str]) -> frozenset[str]:
    """``--include-dir``'s folder names, each one the private side skips (a usage error
    otherwise: a name it reads anyway, or a path, would silently change nothing)."""
    from fingerprints import INCLUDABLE_DIRS, InputError

    for name in names:
        if name not in INCLUDABLE_DIRS:
            raise InputError(f"--include-dir {name}: not a folder name fingerprint skips (give "
                             f"one of {', '.join(sorted(INCLUDABLE_DIRS))})")  # fmt: skip
    return frozenset(names)
