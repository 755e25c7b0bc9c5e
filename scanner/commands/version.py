"""``leaktrace version``: the version, and whether the native tokenizer is in use."""

from __future__ import annotations

import typer

from fingerprints import __version__


def version() -> None:
    """Print the leaktrace version."""
    from fingerprints import native_status

    typer.echo(f"leaktrace {__version__}")
    typer.echo(f"native tokenizer: {native_status()}")
