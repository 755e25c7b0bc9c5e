"""What several commands do alike: the progress line, a candidate's problems on stderr, the
thresholds a command runs with, the refusal of a store without private code, and a recorded
run's reports written. Heavy modules are imported where used."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.console import err, is_terminal
from scanner.console import problem as _problem
from scanner.errors import InputError, ReportError

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import Progress

    from fingerprints import SQLiteStore
    from scanner.resultsdb import ResultsDB
    from scanner.sources import Candidate
    from scanner.thresholds import Thresholds


def invoked_as(argv: list[str] | None = None, orig_argv: list[str] | None = None) -> str:
    """The command line this process was started with, to be typed again: ``leaktrace ...``
    when the program was found on the PATH by that name, its path as typed otherwise, and
    ``python -m scanner ...`` (the interpreter and its options as given) when run as a module."""
    import os
    import shlex
    import shutil

    argv = sys.argv if argv is None else argv
    orig_argv = sys.orig_argv if orig_argv is None else orig_argv
    program = argv[0] if argv else "leaktrace"
    if os.path.basename(program) == "__main__.py" and "-m" in orig_argv[: -len(argv) + 1 or None]:
        prefix = orig_argv[: len(orig_argv) - len(argv) + 1]  # python [options] -m scanner
    else:
        name = os.path.basename(program)
        found = shutil.which(name)
        on_path = found is not None and os.path.exists(program) and os.path.samefile(found, program)
        prefix = [name if on_path else program]
    return shlex.join([*prefix, *argv[1:]])


def progress() -> Progress:
    """A progress line on a terminal; elsewhere one that shows nothing and imports nothing
    (rich's progress and console cost 30 ms of start-up before the first file)."""
    if not is_terminal(sys.stderr):
        return NoProgress()  # type: ignore[return-value]
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[item]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


class NoProgress:
    """``rich.progress.Progress``'s calls that commands make, doing nothing."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def add_task(self, *_: object, **__: object) -> int:
        return 0

    def update(self, *_: object, **__: object) -> None:
        pass

    def advance(self, *_: object, **__: object) -> None:
        pass


def report_problems(target: str, candidate: Candidate) -> None:
    for problem in candidate.problems:
        _problem(f"{target}:{problem.path}" if problem.path else target, problem.message)


def thresholds_for(config: Path | None, assignments: list[str] | None) -> Thresholds:
    """Defaults < config file < --set NAME=VALUE."""
    from scanner.config import load_thresholds
    from scanner.thresholds import parse_assignments

    loaded = load_thresholds(config)
    return loaded.with_overrides(parse_assignments(assignments or []), "command line")


def require_private_code(store: SQLiteStore) -> None:
    """Refuse to judge candidates against a store without private files: all would be clear."""
    if not store.has_private_files():
        raise InputError(f"{store.path}: the store holds no private files, so nothing could be "
                         "found; fingerprint the private code into it first (leaktrace "
                         f"fingerprint SRC --store {store.path})")  # fmt: skip


def store_gaps(store: SQLiteStore, say: Callable[[str], object]) -> tuple[str, ...]:
    """What the store was never given, one line each, said now (``say``) and returned for the
    scan's context (``ScanContext.store_gaps``): each private repository no fingerprint run
    finished (killed before its end), and how to finish it."""
    gaps = tuple(
        f"{store.path}: repository {name!r} was never fully fingerprinted ({files:,} file(s) "
        f"stored by a run that did not finish), so a copy of a file it did not reach cannot be "
        f"found; finish it with 'leaktrace fingerprint {root} --store {store.path} --name "
        f"{name}'"
        for name, root, files in store.unfinished_repos()
    )
    for gap in gaps:
        say(gap)
    return gaps


def write_reports(results: ResultsDB, run_id: int, outputs: dict[str, str | None],
                  private: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """Write the run's report in each format asked for; returns the report (read once)."""
    from scanner.reports import Sources, write_report

    report = results.report(run_id)
    sources = Sources(lambda target: results.excerpts(run_id, target), private)
    for fmt, destination in outputs.items():
        if destination:
            try:
                write_report(report, destination, fmt, sources)
            except ReportError as exc:
                again = f"leaktrace report {run_id} --out FILE"
                raise ReportError(f"{exc}; run {run_id} is recorded in {results.path}: write "
                                  f"it again with '{again}'") from exc  # fmt: skip
    return report
