"""The ``leaktrace`` command: the typer app, each command registered from its module under
``scanner/commands/`` (exit codes: ``scanner.commands.exits``), and the entry point."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer

from fingerprints import printable
from scanner.commands.background import background
from scanner.commands.calibrate import calibrate
from scanner.commands.demo import demo
from scanner.commands.exits import EXIT_INPUT
from scanner.commands.exits import guarded as _guarded
from scanner.commands.exits import interruptible as _interruptible
from scanner.commands.fingerprint import fingerprint
from scanner.commands.guard import guard
from scanner.commands.inventory import inventory
from scanner.commands.notice import notice
from scanner.commands.report import report
from scanner.commands.repos import repos
from scanner.commands.review import review
from scanner.commands.scan import scan
from scanner.commands.seeds import list_seeds
from scanner.commands.serve import serve
from scanner.commands.version import version
from scanner.commands.watch import watch
from scanner.console import err

_SETTINGS: dict[str, Any] = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,  # plain help: importing rich's help formatter costs over 0.1 s
}
app = typer.Typer(
    **_SETTINGS,
    no_args_is_help=True,
    help="Find public copies of private source code, and prove them.",
)


# The commands, in the order --help lists them; each lives in its module under scanner/commands/
# (guarded: its LeaktraceError is one line on stderr and exit code 2; interruptible: Ctrl-C is
# one line saying what is kept, and exit code 130; scan says its run and how to resume it).
_GUARD_STOPPED = "guard interrupted: not everything was checked; nothing passed (run it again)"
_WATCH_STOPPED = ("watch interrupted; every feed's checkpoint is kept: the same command goes on "
                  "after them")  # fmt: skip
app.command()(_interruptible(fingerprint))
app.command()(_interruptible(scan))
app.command()(_interruptible(_guarded(report)))
app.command("review")(_interruptible(_guarded(review)))
app.command()(_interruptible(_guarded(notice)))
app.command()(_interruptible(demo))
app.command()(_interruptible(calibrate))
app.command("seeds")(_interruptible(_guarded(list_seeds)))
app.command("repos")(_interruptible(_guarded(repos)))
app.command("background")(_interruptible(_guarded(background)))
app.command("reference", help="The same as 'background'.")(_interruptible(_guarded(background)))
app.command("inventory")(_interruptible(_guarded(inventory)))
app.command("serve")(_interruptible(_guarded(serve)))
app.command("guard")(_interruptible(_guarded(guard), _GUARD_STOPPED))
app.command("watch")(_interruptible(watch, _WATCH_STOPPED))
app.command()(version)


#: Set before numpy is first imported (no command imports it at module level). leaktrace does
#: no linear algebra, yet OpenBLAS starts a thread per core when numpy is imported: 45 ms of CPU
#: in every process that imports numpy (this one, each parser process, each worker), competing
#: for the cores with the work. The parser processes inherit it.
_SINGLE_THREADED_BLAS = {"OPENBLAS_NUM_THREADS": "1"}


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``args``: for ``leaktrace COMMAND ...``, one holding only COMMAND, since
    typer builds the click command of every command an app holds before running one (all of
    them: about 25 ms; one: 2 ms); for anything else (``--help``, no or an unknown command),
    ``app``. COMMAND's options, help, usage lines and errors are the same in both."""
    from typer.main import get_command_name

    word = args[0] if args else None
    named = [
        info
        for info in app.registered_commands
        if info.callback and (info.name or get_command_name(info.callback.__name__)) == word
    ]
    if len(named) != 1:
        return app
    only = typer.Typer(**_SETTINGS)
    only.registered_commands = named
    only.callback()(_no_options)  # with one command and no callback, typer runs it ungrouped
    return only


def _no_options() -> None:
    """The group of a one-command app: no options of its own, as ``app`` has none."""


def main() -> None:
    """Entry point. An unexpected error is an error (2), never mistaken for a finding (1)."""
    for name, value in _SINGLE_THREADED_BLAS.items():
        os.environ.setdefault(name, value)
    try:
        _app_for(sys.argv[1:])()
    except KeyboardInterrupt:
        err.print("leaktrace: interrupted; everything stored so far is kept", markup=False)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("LEAKTRACE_DEBUG"):
            traceback.print_exc()
        err.print(printable(f"leaktrace: internal error: {type(exc).__name__}: {exc} (set "
                            "LEAKTRACE_DEBUG=1 for the traceback; everything stored so far is "
                            "kept)"), markup=False)  # fmt: skip
        sys.exit(EXIT_INPUT)
