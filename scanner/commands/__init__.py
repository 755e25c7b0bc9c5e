"""Commands of the ``leaktrace`` CLI that live in their own module (``scanner/cli.py`` registers
them and sets the exit codes), and the helpers a command needs beside it."""

from __future__ import annotations

import typer

RESULTS_OPTION = typer.Option(
    "--results", help="Results database every scan is recorded in (created if missing)."
)
"""``--results``, shared by the commands that read or write the results database."""
