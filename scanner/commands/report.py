"""``leaktrace report RUN [--out FILE] [--format F]``: a recorded run's report in one format, with
the decisions taken since, or without ``--out``/``--format`` a summary of its verdicts (the
verdict table). Errors are one line on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.commands import RESULTS_OPTION
from scanner.commands.shared import write_reports as _write_reports
from scanner.commands.verdict_table import verdict_table as _verdict_table
from scanner.console import out
from scanner.console import problem as _problem
from scanner.endpoints import DEFAULT_RESULTS
from scanner.errors import InputError


def report(
    run: Annotated[str, typer.Argument(help="Run id, or 'latest'.")],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="json, html, md or sarif (default: from --out)."),
    ] = "",
    out_path: Annotated[
        str, typer.Option("--out", help="File to write ('-': stdout; alone, a summary).")
    ] = "-",
    include_private_source: Annotated[
        str | None,
        typer.Option(
            "--include-private-source",
            help="The private checkout, archive or git URL that was fingerprinted: show the "
            "private code side by side (internal use only).",
        ),
    ] = None,
    results_path: Annotated[Path, RESULTS_OPTION] = DEFAULT_RESULTS,
) -> None:
    """Write the report of a recorded run, with the decisions taken since (without --format
    or --out: a summary of its verdicts)."""
    from scanner.reports import format_for
    from scanner.resultsdb import ResultsDB

    summary = not fmt and out_path == "-"
    if summary and include_private_source is not None:
        raise InputError("--include-private-source needs --out FILE or --format")
    chosen = fmt or ("" if summary else format_for(out_path))
    with ResultsDB(results_path) as results:
        run_id = results.resolve_run(run)
        if summary:
            out.print(_verdict_table(results.report(run_id)["candidates"], out.width))
            out.print(f"run {run_id}; the full report: --out FILE.html (or .json, .md, "
                      ".sarif) or --format", markup=False)  # fmt: skip
            return
        private = None
        if include_private_source is not None:  # reads candidates' kinds: heavy modules
            from scanner.private_source import load_private_source

            loaded = load_private_source(results.report(run_id), include_private_source)
            if loaded.missing:
                missing = f"{loaded.missing} matched private file(s) not found there"
                _problem(include_private_source, f"{missing}; shown as hashes only")
            private = loaded.texts
        _write_reports(results, run_id, {chosen: out_path}, private)
