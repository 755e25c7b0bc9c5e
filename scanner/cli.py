"""The ``leaktrace`` command: the typer app, each command registered from its module under
``scanner/commands/`` (exit codes: ``scanner.commands.exits``), and the entry point."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer

from fingerprints import printable
from scanner.commands.exits import EXIT_INPUT
from scanner.commands.exits import guarded as _guarded
from scanner.commands.exits import interruptible as _interruptible
from scanner.console import err

_SETTINGS: dict[str, Any] = {
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,  # plain help: importing rich's help formatter costs over 0.1 s
}
_HELP = "Find public copies of private source code, and prove them."


# The commands, in the order --help lists them; each lives in its module under scanner/commands/
# (guarded: its LeaktraceError is one line on stderr and exit code 2; interruptible: Ctrl-C is
# one line saying what is kept, and exit code 130; scan says its run and how to resume it).
_GUARD_STOPPED = "guard interrupted: not everything was checked; nothing passed (run it again)"
_WATCH_STOPPED = ("watch interrupted; every feed's checkpoint is kept: the same command goes on "
                  "after them")  # fmt: skip
_COMMANDS: tuple[tuple[str, str, str, str, dict[str, Any]], ...] = (
    # name, module under scanner.commands, function, wrapping ("i": interruptible, "g":
    # guarded, "": none; a ``stopped`` line for interruptible), app.command's other arguments
    ("fingerprint", "fingerprint", "fingerprint", "i", {}),
    ("scan", "scan", "scan", "i", {}),
    ("report", "report", "report", "ig", {}),
    ("review", "review", "review", "ig", {}),
    ("notice", "notice", "notice", "ig", {}),
    ("demo", "demo", "demo", "i", {}),
    ("calibrate", "calibrate", "calibrate", "i", {}),
    ("seeds", "seeds", "list_seeds", "ig", {}),
    ("repos", "repos", "repos", "ig", {}),
    ("background", "background", "background", "ig", {}),
    ("reference", "background", "background", "ig", {"help": "The same as 'background'."}),
    ("inventory", "inventory", "inventory", "ig", {}),
    ("serve", "serve", "serve", "ig", {}),
    ("guard", "guard", "guard", "ig", {"stopped": _GUARD_STOPPED}),
    ("watch", "watch", "watch", "i", {"stopped": _WATCH_STOPPED}),
    ("version", "version", "version", "", {}),
)
"""Each command's module is imported only when its app is built (``_app_for``): a command line
imports its own command's module, not the fifteen others (32 million instructions, about 7 ms,
before a ``fingerprint`` sent its first file or a ``scan`` forked its workers, alone on its
core)."""


def _register(app: typer.Typer, name: str, module: str, function: str, wrap: str,
              options: dict[str, Any]) -> None:  # fmt: skip
    import importlib

    command = getattr(importlib.import_module(f"scanner.commands.{module}"), function)
    settings = dict(options)
    stopped = settings.pop("stopped", None)
    if "g" in wrap:
        command = _guarded(command)
    if "i" in wrap:
        command = _interruptible(command, stopped) if stopped else _interruptible(command)
    app.command(name, **settings)(command)


def _whole() -> typer.Typer:
    """The app with every command (``--help``, no or an unknown command, the tests)."""
    whole = typer.Typer(**_SETTINGS, no_args_is_help=True, help=_HELP)
    for row in _COMMANDS:
        _register(whole, *row)
    return whole


_APPS: dict[str, typer.Typer] = {}


def __getattr__(name: str) -> Any:
    """``app``, the whole app, built on first use."""
    if name == "app":
        if "app" not in _APPS:
            _APPS["app"] = _whole()
        return _APPS["app"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Set before numpy is first imported (no command imports it at module level). leaktrace does
#: no linear algebra, yet OpenBLAS starts a thread per core when numpy is imported: 45 ms of CPU
#: in every process that imports numpy (this one, each parser process, each worker), competing
#: for the cores with the work. The parser processes inherit it.
_SINGLE_THREADED_BLAS = {"OPENBLAS_NUM_THREADS": "1"}


def _app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``args``: for ``leaktrace COMMAND ...``, one holding only COMMAND, since
    typer builds the click command of every command an app holds before running one (all of
    them: about 25 ms; one: 2 ms), and only COMMAND's module is imported; for anything else
    (``--help``, no or an unknown command), ``app``. COMMAND's options, help, usage lines and
    errors are the same in both."""
    word = args[0] if args else None
    named = [row for row in _COMMANDS if row[0] == word]
    if len(named) != 1:
        return __getattr__("app")
    only = typer.Typer(**_SETTINGS)
    _register(only, *named[0])
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
