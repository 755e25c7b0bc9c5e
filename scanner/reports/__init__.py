"""Report writers: one module per format, each ``write(result, out)``; none recomputes a verdict."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from scanner.errors import ConfigError
from scanner.reports import json_report
from scanner.results import ScanResult

Writer = Callable[[ScanResult, TextIO], None]
WRITERS: dict[str, Writer] = {"json": json_report.write}


def write_report(result: ScanResult, destination: str, fmt: str) -> None:
    """Write ``result`` as ``fmt`` to a file path, or to stdout for ``-``."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ConfigError("format", f"unknown report format {fmt!r} (known: {', '.join(WRITERS)})")
    if destination == "-":
        writer(result, sys.stdout)
        return
    path = Path(destination)
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8") as out:
        writer(result, out)
    partial.replace(path)


__all__ = ["WRITERS", "Writer", "json_report", "write_report"]
