"""``leaktrace seeds --store STORE``: the seeds (plaintext identifiers and strings recorded by
``fingerprint --seeds``) that ``scan --seeds`` would send to code search, best first. Errors are
one line on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fingerprints import printable
from scanner.commands import STORE_OPTION
from scanner.console import out


def list_seeds(
    store: Annotated[Path, STORE_OPTION],
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
) -> None:
    """List the seeds that 'scan --seeds' would send to code search, best first."""
    from fingerprints import open_store

    with open_store(store, read_only=True) as opened:
        for seed in opened.seeds(limit):
            out.print(printable(seed), markup=False)
