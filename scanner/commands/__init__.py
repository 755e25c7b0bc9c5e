"""The commands of the ``leaktrace`` CLI, one module each (``scanner/cli.py`` builds the app and
registers them; exit codes: ``exits``), the helpers several commands share beside them
(``shared``, ``verdict_table``), and here the option blocks more than one command takes."""

from __future__ import annotations

from pathlib import Path

import typer

RESULTS_OPTION = typer.Option(
    "--results", help="Results database: scans, watch findings and checkpoints, decisions."
)
"""``--results``, shared by the commands that read or write the results database."""

BY_OPTION = typer.Option("--by", help="Who decides (default: your login name).")
"""``--by``, shared by the commands that record decisions (``review``, ``serve``)."""


def store_path(value: str) -> Path:
    """The ``parser`` of every store option and argument: a store named by an empty value (an
    unset variable in CI: ``--store "$STORE"``) is refused by name, exit 2, not read as
    ``Path("")``, which is ``.``, the current folder."""
    if not value:
        raise typer.BadParameter("is empty (an unset variable?): name the store file")
    return Path(value)


STORE_OPTION = typer.Option("--store", "-s", help="Fingerprint store.", parser=store_path)
"""``--store`` of the commands that read a store someone made (``calibrate``, ``seeds``,
``background``)."""

CONFIG_OPTION = typer.Option(
    "--config", help="leaktrace.toml or pyproject.toml (default: the one in this folder)."
)
"""``--config``, shared by the commands that read thresholds or limits (``scan``, ``calibrate``)."""

JOBS_OPTION = typer.Option("--jobs", "-j", help="Processes to use (default: every core).")
SCHEDULER_OPTION = typer.Option(
    "--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT of its scheduler."
)
"""``--jobs`` and ``--scheduler``: where the commands that parse (``fingerprint``, ``scan``) run."""

PARSE_SECONDS_OPTION = typer.Option(
    help="Seconds one file's parse may take (default 10; past it: not read)."
)
PARSE_MEMORY_OPTION = typer.Option(
    help="Bytes of memory one file's parse may use (default 1 GiB; past it: not read)."
)
"""``--max-parse-seconds`` and ``--max-parse-memory`` of the commands that parse."""
