"""The exit codes of ``leaktrace``'s commands, set here (``exit_code``) and nowhere else:

- 0: every candidate ``clear`` (or ``review``, unless ``--fail-on review``)
- 1: at least one candidate is ``derivative`` (or ``review`` with ``--fail-on review``)
- 3: nothing flagged, but at least one candidate is ``incomplete``: part of it (or all of it: a
  target that could not be fetched) was not read, so its absence of evidence proves nothing
- 130: interrupted (Ctrl-C), with one line on stderr saying what is kept and how to go on
- 2: usage or input error (bad option, unusable store, no target), and any unexpected internal
  error; a derivative found in the other targets still gives 1, since that is the finding that
  matters.

Bad files inside a target are one line each on stderr and the scan goes on; the report lists
what was not read and the candidate is ``incomplete``, never ``clear``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import typer

from fingerprints import LeaktraceError
from scanner.console import error as _error
from scanner.verdict import Verdict

EXIT_CLEAR, EXIT_DERIVATIVE, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
INTERRUPTED = "interrupted; everything stored so far is kept"
FAIL_ON = ("derivative", "review")


def exit_code(verdicts: Iterable[str], fail_on: str = "derivative") -> int:
    """The exit code of a scan from its candidates' verdicts (see the module docstring)."""
    found = set(verdicts)
    failing = {Verdict.DERIVATIVE.value}
    if fail_on == "review":
        failing.add(Verdict.REVIEW.value)
    if found & failing:
        return EXIT_DERIVATIVE
    if Verdict.INCOMPLETE.value in found:
        return EXIT_INCOMPLETE
    return EXIT_CLEAR


def guarded(command: Callable[..., None]) -> Callable[..., None]:
    """A command whose errors become one line on stderr and exit code 2."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except LeaktraceError as exc:
            _error(exc)
            raise typer.Exit(EXIT_INPUT) from None

    return run


def interruptible(command: Callable[..., None], said: str = INTERRUPTED) -> Callable[..., None]:
    """A command that says on Ctrl-C what it was doing (``leaktrace: <said>``, one line on
    stderr) and exits 130; typer would otherwise end it with 130 and nothing said."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            _error(said)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return run
