"""Package names imported on first use: a command imports only the modules it uses."""

from __future__ import annotations

import importlib
import sys
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
