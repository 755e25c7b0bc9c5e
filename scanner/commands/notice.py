"""``leaktrace notice RUN [--out FILE]``: a takedown notice drafted from a recorded run, listing
only the confirmed files of confirmed candidates (``scanner.reports.notice``). Errors are one
line on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.commands import RESULTS_OPTION
from scanner.endpoints import DEFAULT_RESULTS


def notice(
    run: Annotated[str, typer.Argument(help="Run id, or 'latest'.")],
    out_path: Annotated[str, typer.Option("--out", help="File to write ('-': stdout).")] = "-",
    results_path: Annotated[Path, RESULTS_OPTION] = DEFAULT_RESULTS,
) -> None:
    """Draft a takedown notice listing only confirmed files of confirmed candidates."""
    from scanner.reports import write_text
    from scanner.reports.notice import draft_notice
    from scanner.resultsdb import ResultsDB

    with ResultsDB(results_path) as results:
        text = draft_notice(results.report(results.resolve_run(run)))
    write_text(out_path, text, "notice")
