"""Commands of the ``leaktrace`` CLI that live in their own module (``scanner/cli.py`` registers
them and sets the exit codes), and the helpers a command needs beside it."""

from __future__ import annotations

import typer

RESULTS_OPTION = typer.Option(
    "--results", help="Results database: scans, watch findings and checkpoints, decisions."
)
"""``--results``, shared by the commands that read or write the results database."""

BY_OPTION = typer.Option("--by", help="Who decides (default: your login name).")
"""``--by``, shared by the commands that record decisions (``review``, ``serve``)."""
