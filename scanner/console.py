"""The terminal: two rich consoles made on first use, and the one-line messages every command
prints. Names come from strangers (files inside packages, archives and repositories), so every
line goes through ``printable``: nothing in it may start another line or reach the terminal as a
control sequence."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from fingerprints import printable
from scanner.redaction import hide_userinfo

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A rich ``Console`` made on first use: importing rich costs more than printing a version."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)

    def print(self, *objects: Any, markup: bool | None = None, **options: Any) -> None:
        """rich's ``print``; a plain line of text (``markup=False``, nothing to escape) goes
        straight to a stream that is no terminal: rich's console costs 35 ms to import and a
        few milliseconds a line (``fingerprint`` prints one per empty file), for the same bytes
        (``PLAIN``: no emoji codes replaced)."""
        stream = sys.stderr if self._options.get("stderr") else sys.stdout
        if (self._console is None and markup is False and not options and len(objects) == 1
                and isinstance(objects[0], str) and objects[0].isprintable()
                and not is_terminal(stream)):  # fmt: skip
            stream.write(objects[0] + "\n")
            return
        self.__getattr__("print")(*objects, markup=markup, **options)


FORCING = ("FORCE_COLOR", "FORCE_TERMINAL", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")
"""Environment variables with which rich may treat a stream as a terminal whatever it is."""


def is_terminal(stream: Any) -> bool:
    """Whether rich could take ``stream`` for a terminal (a tty, or the environment says so)."""
    forced = FORCING
    try:
        return stream.isatty() or any(os.environ.get(name) for name in forced)
    except (AttributeError, ValueError):
        return True  # not a plain stream: leave it to rich


PLAIN = {"highlight": False, "soft_wrap": True, "emoji": False}
"""A console that shows text as it is: no highlighting, and no ``:name:`` emoji code turned into
an emoji (a file named ``:fire:.py`` would be shown, and pasted into ``review --files``, as
``🔥.py``; rich does it with markup off too, in the cells of a table as well)."""

err: Console = _LazyConsole(stderr=True, **PLAIN)  # type: ignore[assignment]
out: Console = _LazyConsole(**PLAIN)  # type: ignore[assignment]


def say(text: str, *, to_stderr: bool = False) -> None:
    """One line of output, escaped."""
    (err if to_stderr else out).print(printable(hide_userinfo(text)), markup=False)


def problem(path: str, message: str) -> None:
    """One line on stderr, ``leaktrace: TARGET:PATH: message``."""
    err.print(printable(hide_userinfo(f"leaktrace: {path}: {message}")), markup=False)


def note(message: str) -> None:
    """A line about what leaktrace did on its own (an index rebuilt), on stderr."""
    err.print(printable(hide_userinfo(f"leaktrace: {message}")), markup=False)


def error(message: object) -> None:
    """An error as one line on stderr (its text may quote a hostile name)."""
    err.print(printable(hide_userinfo(f"leaktrace: {message}")), markup=False)
