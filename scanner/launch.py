"""The ``leaktrace`` entry point: start the parser's zygote first, then the command.

A command that parses files here (``fingerprint``; ``scan``, ``guard`` and ``watch`` on one
process) needs the zygote of ``fingerprints.isolation``, a second interpreter that imports
numpy, tree-sitter and the grammars (about 0.1 s of CPU). Started before this process imports
typer, rich and the command's own modules, its imports run on the other core meanwhile instead
of after them. Only the command word and ``--jobs``/``--scheduler`` are looked at here, without
parsing the rest; a command line this guesses wrong about only starts the zygote later (when the
first parser is needed) or for nothing. Everything else is ``scanner.cli``'s.
"""

from __future__ import annotations

import os
import sys

#: The commands that parse in this process: always, or only when they run on one process.
PARSE_HERE = {"fingerprint": False, "guard": False, "watch": False, "scan": True}


def parses_here(args: list[str]) -> bool:
    """Whether the command line ``args`` (without the program name) will parse in this
    process: its command parses, and it runs on no cluster (and, for ``scan``, on one job)."""
    words = [arg for arg in args if not arg.startswith("-")]
    if not words or words[0] not in PARSE_HERE or "--scheduler" in args:
        return False
    return not PARSE_HERE[words[0]] or _jobs(args) == 1


def _jobs(args: list[str]) -> int:
    """The ``--jobs``/``-j`` value (default: every core; 0 when it is not a number)."""
    jobs = str(os.cpu_count() or 1)
    for index, arg in enumerate(args):
        if arg in ("--jobs", "-j") and index + 1 < len(args):
            jobs = args[index + 1]
        elif arg.startswith("--jobs="):
            jobs = arg.partition("=")[2]
        elif arg.startswith("-j") and arg[2:].isdigit():
            jobs = arg[2:]
    return int(jobs) if jobs.isdigit() else 0


def main() -> None:
    if parses_here(sys.argv[1:]):
        from fingerprints import start_zygote

        start_zygote()
    from scanner.cli import main as run

    run()
