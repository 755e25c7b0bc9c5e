"""Report writers: one module per format, each ``write(report, out, sources)``.

``report`` is the canonical report dict (``json_report.to_dict``, or a run read back from the
results database with its decisions); writers only render it and never recompute a verdict.
``sources`` gives them text: the candidate side's matched files (public material), and the private
side only when ``--include-private-source`` named a checkout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from scanner.errors import ConfigError
from scanner.reports import html_report, json_report, md_report, sarif_report

Writer = Callable[[dict[str, Any], TextIO, "Sources"], None]
WRITERS: dict[str, Writer] = {
    "json": json_report.write,
    "html": html_report.write,
    "md": md_report.write,
    "sarif": sarif_report.write,
}
_SUFFIXES = {".json": "json", ".html": "html", ".htm": "html", ".md": "md", ".sarif": "sarif"}


class Sources:
    """Text for the writers: candidate files from the run, and private files (by SHA-256) only
    when ``--include-private-source`` gave them (``scanner.private_source``)."""

    def __init__(self, excerpts: Callable[[str], dict[str, str]] | None = None,
                 private: dict[str, str] | None = None) -> None:  # fmt: skip
        self._excerpts = excerpts
        self._cache: dict[str, dict[str, str]] = {}
        self._private = private

    @property
    def include_private(self) -> bool:
        return self._private is not None

    def candidate(self, target: str, path: str) -> str | None:
        if self._excerpts is None:
            return None
        if target not in self._cache:
            self._cache[target] = self._excerpts(target)
        return self._cache[target].get(path)

    def private(self, repo: str, path: str, sha256: str | None) -> str | None:
        """The private file's text, only if it was given and is the stored content."""
        if self._private is None or sha256 is None:
            return None
        return self._private.get(sha256)


def format_for(destination: str) -> str:
    """The format a file name asks for (by its extension)."""
    fmt = _SUFFIXES.get(Path(destination).suffix.lower())
    if fmt is None:
        raise ConfigError("format", f"cannot tell the format of {destination!r}; give --format")
    return fmt


def write_text(destination: str, text: str) -> None:
    """Write to a file atomically (no half-written report on a crash), or to stdout for ``-``."""
    if destination == "-":
        sys.stdout.write(text)
        return
    path = Path(destination)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def write_report(report: dict[str, Any], destination: str, fmt: str,
                 sources: Sources | None = None) -> None:  # fmt: skip
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ConfigError("format", f"unknown report format {fmt!r} (known: {', '.join(WRITERS)})")
    if destination == "-":
        writer(report, sys.stdout, sources or Sources())
        return
    path = Path(destination)
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8") as out:
        writer(report, out, sources or Sources())
    partial.replace(path)


__all__ = ["WRITERS", "Sources", "Writer", "format_for", "write_report", "write_text"]
