"""``leaktrace repos``: list the repositories of a store; remove or rename one.

Removing deletes the repository with its files, skip records and seeds in one transaction;
renaming is refused when the new name is taken. Names and origins are printed as text, never as
markup: a folder may be called ``[red]x``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.commands import store_path
from scanner.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from fingerprints import RepoInfo


def repos(
    store_arg: Annotated[
        Path | None,
        typer.Argument(
            metavar="STORE", help="Fingerprint store.", show_default=False, parser=store_path
        ),
    ] = None,
    store_opt: Annotated[
        Path | None,
        typer.Option("--store", "-s", help="Fingerprint store (or as STORE).", parser=store_path),
    ] = None,
    remove: Annotated[
        str | None, typer.Option("--remove", help="Remove this repository and its files.")
    ] = None,
    rename: Annotated[
        tuple[str, str] | None,
        typer.Option("--rename", metavar="OLD NEW", help="Rename a repository."),
    ] = None,
) -> None:
    """List the repositories in a store (name, kind, origin, size, when); remove or rename one."""
    if remove is not None and rename is not None:
        raise InputError("give one of --remove or --rename")
    store = store_arg or store_opt
    if store is None or (store_arg and store_opt and store_arg != store_opt):
        raise InputError("name the store once: leaktrace repos STORE (or --store STORE)")
    from rich.console import Console

    from fingerprints import open_store
    from scanner.console import PLAIN

    out = Console(**PLAIN)
    with open_store(store) as opened:
        if remove is not None:
            gone = opened.remove_repo(remove)
            out.print(f"removed {gone.kind} repo {gone.name!r}: {gone.files:,} file(s), "
                      f"{gone.lines:,} lines", markup=False)  # fmt: skip
        elif rename is not None:
            old, new = rename
            opened.rename_repo(old, new)
            out.print(f"renamed {old!r} to {new!r}", markup=False)
        if remove is not None or rename is not None:
            from scanner.index_file import refresh_index

            refresh_index(opened)  # the index follows the store (silently: it was expected)
        else:
            out.print(repo_table(opened.repos()))


def repo_table(found: list[RepoInfo]) -> Table:
    """One row per repository, names and origins escaped."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(found)} repo(s)", title_justify="left")
    table.add_column("name", overflow="fold")
    table.add_column("kind", no_wrap=True)
    table.add_column("origin", overflow="fold")
    table.add_column("files", justify="right", no_wrap=True)
    table.add_column("lines", justify="right", no_wrap=True)
    table.add_column("last fingerprinted", no_wrap=True)
    for repo in sorted(found, key=lambda r: (r.public, r.name)):
        table.add_row(
            escape(repo.name),
            repo.kind,
            escape(repo.root),
            f"{repo.files:,}",
            f"{repo.lines:,}",
            repo.updated_at or "never",
        )
    return table
