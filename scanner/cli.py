"""The ``leaktrace`` command. Exit codes, set here and nowhere else:

- 0: nothing flagged (every candidate ``clear`` or ``review``)
- 1: at least one candidate is ``derivative``
- 2: usage or input error (bad option, unusable store, a target that cannot be read); a
  derivative found in the other targets still gives 1, since that is the finding that matters.

Bad files inside a target are one line each on stderr and the scan goes on; the report marks the
candidate ``partial``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from fingerprints import (
    FingerprintParams,
    LeaktraceError,
    SQLiteStore,
    TreeSummary,
    __version__,
    fingerprint_files,
    fingerprint_tree,
    learn_background,
    open_store,
)
from scanner.calibrate import MARGIN, measure, recommend
from scanner.config import load_thresholds, save_thresholds
from scanner.index import FingerprintIndex
from scanner.reports import write_report
from scanner.results import CandidateResult, ScanResult
from scanner.scan import now, scan_candidate
from scanner.sources import Candidate
from scanner.targets import resolve
from scanner.thresholds import Thresholds, parse_assignments
from scanner.verdict import Verdict

EXIT_CLEAR, EXIT_DERIVATIVE, EXIT_INPUT = 0, 1, 2

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find public copies of private source code, and prove them.",
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

_VERDICT_STYLE = {Verdict.DERIVATIVE: "bold red", Verdict.REVIEW: "yellow", Verdict.CLEAR: "green"}


def _problem(path: str, message: str) -> None:
    err.print(f"leaktrace: {path}: {message}", markup=False)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[item]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


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
    if verbose:
        for path, reason in summary.skipped:
            err.print(f"  skipped {path}: {reason}", markup=False)
    elif summary.skipped:
        err.print("  (--verbose lists the skipped files and why)", markup=False)


def _target_name(target: str) -> str:
    """A repository name for a target: the folder, archive or repository name."""
    name = target.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip", ".git"):
        name = name.removesuffix(suffix)
    return name or target


def _report_problems(target: str, candidate: Candidate) -> None:
    for problem in candidate.problems:
        _problem(f"{target}:{problem.path}" if problem.path else target, problem.message)


def _ingest(
    target: str,
    store: SQLiteStore,
    name: str | None,
    public: bool,
    progress: Progress,
    task: TaskID,
) -> TreeSummary:
    """Fingerprint one target (folder, archive or git URL) into the store."""
    path = Path(target)
    if path.is_dir():
        return fingerprint_tree(
            path,
            store,
            name=name,
            public=public,
            on_problem=_problem,
            on_file=lambda item: progress.update(task, advance=1, item=item),
        )
    candidate = resolve(target)
    summary = fingerprint_files(
        candidate.iter_files(),
        store,
        name=name or _target_name(target),
        origin=target,
        public=public,
        on_problem=lambda item, message: _problem(f"{target}:{item}", message),
    )
    _report_problems(target, candidate)
    return summary


def _fingerprint(
    sources: list[str],
    store_path: Path,
    name: str | None,
    public: list[str],
    params: FingerprintParams | None,
    verbose: bool,
) -> None:
    with open_store(store_path, params, create=True) as store, _progress() as progress:
        task = progress.add_task("fingerprinting", total=None, item="")
        jobs = [(src, name, False) for src in sources] + [(p, None, True) for p in public]
        for src, repo_name, is_public in jobs:
            _print_tree_summary(_ingest(src, store, repo_name, is_public, progress, task), verbose)


@app.command()
def fingerprint(
    src: Annotated[
        list[str], typer.Argument(help="Private source: folders, archives or git URLs.")
    ],
    store: Annotated[Path, typer.Option("--store", "-s", help="Store file (created if missing).")],
    name: Annotated[
        str | None, typer.Option(help="Repository name (default: its own name).")
    ] = None,
    public: Annotated[
        list[str] | None,
        typer.Option(
            "--public",
            help="Code the company already published (folder, archive or git URL): never evidence.",
        ),
    ] = None,
    k: Annotated[int | None, typer.Option(help="Tokens per k-gram (new stores only).")] = None,
    w: Annotated[int | None, typer.Option(help="Winnowing window (new stores only).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List skipped files.")] = False,
) -> None:
    """Fingerprint private repositories into a store (only changed files are redone)."""
    try:
        if name and len(src) > 1:
            raise typer.BadParameter("--name needs exactly one SRC")
        params = None
        if k is not None or w is not None:
            defaults = FingerprintParams()
            params = FingerprintParams(k=k or defaults.k, w=w or defaults.w)
        _fingerprint(src, store, name, public or [], params, verbose)
    except LeaktraceError as exc:
        err.print(f"leaktrace: {exc}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None


@app.command()
def background(
    corpus: Annotated[
        list[str], typer.Argument(help="Unrelated public code: folders, archives or git URLs.")
    ],
    store: Annotated[Path, typer.Option("--store", "-s", help="Store to add the background to.")],
) -> None:
    """Learn which stored fingerprints are common in unrelated public code (never evidence)."""
    try:
        with open_store(store) as opened:
            for target in corpus:
                candidate = resolve(target)
                summary = learn_background(
                    candidate.iter_files(),
                    opened,
                    label=target,
                    on_problem=lambda item, message, t=target: _problem(f"{t}:{item}", message),
                )
                _report_problems(target, candidate)
                err.print(
                    f"{target}: {summary.files:,} background file(s), {summary.lines:,} lines; "
                    f"{summary.common:,} stored fingerprints seen there "
                    f"({summary.seconds:.1f} s)",
                    markup=False,
                )
    except LeaktraceError as exc:
        err.print(f"leaktrace: {exc}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None


CONFIG_OPTION = typer.Option(
    "--config", help="leaktrace.toml or pyproject.toml (default: the one in this folder)."
)


def _thresholds(config: Path | None, assignments: list[str] | None) -> Thresholds:
    """Defaults < config file < --set NAME=VALUE."""
    loaded = load_thresholds(config)
    return loaded.with_overrides(parse_assignments(assignments or []), "command line")


def _verdict_table(results: list[CandidateResult]) -> Table:
    table = Table(title="leaktrace verdicts", title_justify="left")
    table.add_column("candidate", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    for column in ("score", "private tokens", "longest", "file pairs"):
        table.add_column(column, justify="right", no_wrap=True)
    for result in results:
        match = result.match
        verdict = f"[{_VERDICT_STYLE[result.verdict]}]{result.verdict.value}[/]"
        if result.partial:
            verdict += " (partial)"
        table.add_row(
            result.target,
            verdict,
            f"{match.score:.3f}",
            f"{match.matched_tokens:,}",
            f"{match.longest_fragment:,}",
            str(len(match.pairs)),
        )
    return table


def run_scan(
    targets: list[str], store_path: Path, thresholds: Thresholds, bad_target: list[str]
) -> ScanResult:
    """Scan every target against the store; unusable targets are named in ``bad_target``."""
    with open_store(store_path) as store:
        index = FingerprintIndex.from_store(store)
        result = ScanResult(
            tool_version=__version__,
            thresholds=thresholds,
            fingerprint_params=store.params.identity(),
            store_path=str(store_path),
            store_digest=store.digest(),
            background=index.background_info,
            started_at=now(),
        )
        with _progress() as progress:
            task = progress.add_task("scanning", total=len(targets), item="")
            for target in targets:
                progress.update(task, item=target)
                try:
                    candidate: Candidate = resolve(target)
                    outcome = scan_candidate(candidate, index, store.params, thresholds)
                except LeaktraceError as exc:
                    _problem(target, str(exc).removeprefix(f"{target}: "))
                    bad_target.append(target)
                    continue
                for problem in outcome.problems:
                    _problem(
                        f"{target}:{problem.path}" if problem.path else target, problem.message
                    )
                result.candidates.append(outcome)
                progress.advance(task)
    return result


@app.command()
def scan(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="Folders, .tar/.tar.gz/.tgz/.zip archives or git URLs; each is one candidate."
        ),
    ],
    store: Annotated[
        Path, typer.Option("--store", "-s", help="Fingerprint store to match against.")
    ],
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the JSON report to FILE ('-' for stdout).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a threshold: NAME=VALUE (repeatable)."),
    ] = None,
    config: Annotated[Path | None, CONFIG_OPTION] = None,
) -> None:
    """Scan candidates against a store and give each a verdict with its evidence."""
    bad: list[str] = []
    try:
        thresholds = _thresholds(config, set_)
        result = run_scan(targets, store, thresholds, bad)
        if json_out:
            write_report(result, json_out, "json")
    except LeaktraceError as exc:
        err.print(f"leaktrace: {exc}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None
    (err if json_out == "-" else out).print(_verdict_table(result.candidates))
    if result.flagged:
        raise typer.Exit(EXIT_DERIVATIVE)
    if bad:
        raise typer.Exit(EXIT_INPUT)


@app.command()
def demo(
    samples: Annotated[Path, typer.Option(help="The bundled samples folder.")] = Path("samples"),
    json_out: Annotated[
        str | None, typer.Option("--json", help="Also write the JSON report.")
    ] = None,
) -> None:
    """Fingerprint the bundled samples and scan every sample candidate (no network, no token).

    Exits 0 when every verdict is the one samples/expected.json states, 1 otherwise.
    """
    expected_file = samples / "expected.json"
    if not expected_file.is_file():
        err.print(
            f"leaktrace: {expected_file}: not found; run from the leaktrace checkout "
            "or pass --samples",
            markup=False,
        )
        raise typer.Exit(EXIT_INPUT)
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    root = samples.parent
    private = [root / expected["private_repo"]]
    public = [root / p for p in expected.get("public_repos", [])]
    targets = [str(samples / "candidates" / name) for name in expected["candidates"]]
    with tempfile.TemporaryDirectory(prefix="leaktrace-demo-") as tmp:
        store_path = Path(tmp) / "samples.db"
        err.print(
            f"$ leaktrace fingerprint {' '.join(map(str, private))} "
            + " ".join(f"--public {p}" for p in public)
            + " --store STORE",
            markup=False,
        )
        try:
            _fingerprint(private, store_path, None, public, None, verbose=False)
            err.print(f"$ leaktrace scan {' '.join(targets)} --store STORE", markup=False)
            result = run_scan(targets, store_path, Thresholds(), [])
            if json_out:
                write_report(result, json_out, "json")
        except LeaktraceError as exc:
            err.print(f"leaktrace: {exc}", markup=False)
            raise typer.Exit(EXIT_INPUT) from None
    out.print(_verdict_table(result.candidates))
    wrong = 0
    for outcome in result.candidates:
        name = Path(outcome.target).name
        want = expected["candidates"][name]["verdict"]
        ok = outcome.verdict.value == want
        wrong += not ok
        out.print(
            f"{'ok  ' if ok else 'FAIL'} {name}: {outcome.verdict.value} (expected {want}); "
            + outcome.reasons[0],
            markup=False,
        )
    raise typer.Exit(0 if wrong == 0 else 1)


@app.command()
def calibrate(
    corpus: Annotated[
        list[str],
        typer.Argument(
            help="Unrelated public code that must come out clear: folders, archives or git URLs."
        ),
    ],
    store: Annotated[Path, typer.Option("--store", "-s", help="Fingerprint store.")],
    split: Annotated[
        bool, typer.Option(help="Treat each subfolder of a folder as its own candidate.")
    ] = False,
    save: Annotated[
        Path | None, typer.Option(help="Write the recommended thresholds into this leaktrace.toml.")
    ] = None,
    config: Annotated[Path | None, CONFIG_OPTION] = None,
) -> None:
    """Scan unrelated code against the store, show what it reaches, recommend thresholds."""
    try:
        current = _thresholds(config, None)
        targets = []
        for target in corpus:
            path = Path(target)
            if split and path.is_dir():
                targets += [str(p) for p in sorted(path.iterdir()) if p.is_dir()]
            else:
                targets.append(target)
        with open_store(store) as opened:
            index = FingerprintIndex.from_store(opened)
            rows = []
            with _progress() as progress:
                task = progress.add_task("calibrating", total=len(targets), item="")
                for target in targets:
                    progress.update(task, item=target)
                    candidate = resolve(target)
                    rows.append(measure(candidate, index, opened.params, current))
                    _report_problems(target, candidate)
                    progress.advance(task)
        advice = recommend(rows, current)
    except LeaktraceError as exc:
        err.print(f"leaktrace: {exc}", markup=False)
        raise typer.Exit(EXIT_INPUT) from None
    table = Table(title="unrelated code against the store", title_justify="left")
    for column in ("candidate", "files", "lines", "longest fragment", "covered tokens"):
        table.add_column(
            column,
            justify="left" if column == "candidate" else "right",
            overflow="fold" if column == "candidate" else None,
        )
    for row in sorted(rows, key=lambda r: (-r.longest, r.target)):
        table.add_row(
            row.target, f"{row.files:,}", f"{row.lines:,}", f"{row.longest:,}", f"{row.covered:,}"
        )
    out.print(table)
    lengths = sorted(length for row in rows for length in row.fragments)
    if lengths:

        def pct(q: float) -> int:
            return lengths[min(len(lengths) - 1, int(q * len(lengths)))]

        out.print(
            f"fragments >= {opened.params.guarantee} tokens: {len(lengths):,}; "
            f"median {pct(0.5)}, p90 {pct(0.9)}, p99 {pct(0.99)}, max {lengths[-1]}",
            markup=False,
        )
    out.print(
        f"at the current thresholds: {advice.flagged_now} of {advice.candidates} unrelated "
        f"candidate(s) would be derivative, {advice.review_now} review",
        markup=False,
    )
    changes = advice.changes(current)
    if changes:
        for name, (old, new) in changes.items():
            out.print(f"recommend {name} = {new} (now {old})", markup=False)
    else:
        out.print(
            "recommend the current thresholds: unrelated code stays below them "
            f"with a margin of {MARGIN:.1f}x",
            markup=False,
        )
    out.print(
        f"with the recommendation: {advice.flagged_after} false flag(s) in "
        f"{advice.candidates} unrelated candidate(s); estimated false-flag rate at most "
        f"{advice.false_flag_bound:.1%} (95 % bound)",
        markup=False,
    )
    if save:
        values = {name: getattr(advice.thresholds, name) for name in advice.thresholds.names()}
        try:
            save_thresholds(save, values)
        except LeaktraceError as exc:
            err.print(f"leaktrace: {exc}", markup=False)
            raise typer.Exit(EXIT_INPUT) from None
        out.print(f"saved to {save}", markup=False)


@app.command()
def version() -> None:
    """Print the leaktrace version."""
    out.print(f"leaktrace {__version__}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("leaktrace: interrupted; everything stored so far is kept", markup=False)
        sys.exit(130)
