"""Package names imported on first use: a command imports only the modules it uses."""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, exports: dict[str, tuple[str, ...]], public: list[str]
) -> tuple[dict[str, str], Callable[[str], Any], Callable[[], list[str]]]:
    """For package ``package`` re-exporting ``exports`` (module -> names): where each name
    lives, and the package's ``__getattr__`` (imports a name's module on first use, then keeps
    the name) and ``__dir__``."""
    home = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return home, __getattr__, __dir__


def prefetch(*modules: str) -> threading.Thread:
    """Import ``modules``, in order, on a thread of their own: while this process waits (for a
    parser process's answer, for the disk), not when it first needs them.

    A process that fingerprints imports numpy (with the parsing modules its answers are made
    of) and the index's modules too, but only at its first answer and after its last: the
    parser processes had nothing to do while it imported the former (their calls answered,
    the next ones not sent), and the latter lengthened the part of the run that only this
    process works at. A module that fails to import here is imported again where it is used,
    and fails there."""

    def run() -> None:
        for module in modules:
            with contextlib.suppress(Exception):
                importlib.import_module(module)

    # not a daemon: a run that ends before the imports did waits for them rather than tearing
    # the interpreter down under a thread still importing an extension module
    thread = threading.Thread(target=run, name="prefetch")
    thread.start()
    return thread
