"""The ``leaktrace`` entry point: start the parser's zygote first, then the command.

A command that parses files (``fingerprint``, ``scan``, ``guard``, ``watch``) needs the zygote of
``fingerprints.isolation``, a second interpreter that imports tree-sitter and the grammars
(about 0.07 s of CPU) and forks the parser processes: this process's, and those of a scan's pool
workers, which join it. Started before this process imports typer, rich and the command's own
modules, or even ``fingerprints.isolation`` (``fingerprints.spawn``: 5 ms of imports), its
imports run on the other core meanwhile instead of after them. Only the command
word, ``--scheduler`` and ``--help`` are looked at here, without parsing the rest; a command
line this guesses wrong about only starts the zygote later (when the first parser is needed)
or for nothing. Everything else is ``scanner.cli``'s.
"""

from __future__ import annotations

import gc
import sys

PARSING = frozenset({"fingerprint", "scan", "guard", "watch"})
"""The commands that parse files on this machine (unless ``--scheduler`` sends them away)."""


def parses_here(args: list[str]) -> bool:
    """Whether the command line ``args`` (without the program name) will parse files on this
    machine: its command parses, and it runs on no cluster."""
    away = {"--scheduler", "--help"} & set(args)  # a cluster parses, or nothing is run
    return _command(args) in PARSING and not away


NATIVE = PARSING | {"background", "reference", "calibrate", "demo"}
"""The commands that tokenize files, here or in parser processes: an out-of-date native
extension stops them with one line before they start (``native.check_native_build``)."""


def main() -> None:
    if parses_here(sys.argv[1:]):
        from fingerprints import start_zygote_early

        start_zygote_early()
    if _command(sys.argv[1:]) in NATIVE and "--help" not in sys.argv:
        _check_native()
    from scanner.cli import main as run

    try:
        run()
    finally:
        _exit_without_collecting()


def _command(args: list[str]) -> str | None:
    words = [arg for arg in args if not arg.startswith("-")]
    return words[0] if words else None


def _check_native() -> None:
    """One line and exit 2 when the native extension is out of date, before the command
    starts: its parser processes would otherwise stop on a missing method, in their words."""
    from fingerprints import NativeBuildError, check_native_build

    try:
        check_native_build()
    except NativeBuildError as exc:
        from scanner.console import err, printable

        err.print(printable(f"leaktrace: {exc}"), markup=False)
        sys.exit(2)  # a usage or input error (scanner.commands.exits)


def _exit_without_collecting() -> None:
    """Freeze what is left (``gc.freeze``) as the command ends: the interpreter's exit then
    frees it by reference counts and the system takes the rest, without its full collections
    walking every object first (a scan of a large tree: some 50 ms of CPU at load 7 after its
    reports were written, while the other core idled; a fingerprint run's 0.02 s at its end).
    Finalizers still run; only objects caught in reference cycles are left to the end of the
    process, which Python never promised to finalize at exit anyway."""
    gc.freeze()
