"""Report writers: one module per format, each ``write(report, out, sources)``.

``report`` is the canonical report dict (``json_report.to_dict``, or a run read back from the
results database with its decisions); writers only render it and never recompute a verdict.
``sources`` gives them text: the candidate side's matched files (public material), and the private
side only when ``--include-private-source`` named a checkout.
"""

from __future__ import annotations

import hashlib
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
    """Text for the writers: candidate files from the run, private files from a checkout."""

    def __init__(self, excerpts: Callable[[str], dict[str, str]] | None = None,
                 private_root: Path | None = None) -> None:  # fmt: skip
        self._excerpts = excerpts
        self._cache: dict[str, dict[str, str]] = {}
        self.private_root = private_root

    @property
    def include_private(self) -> bool:
        return self.private_root is not None

    def candidate(self, target: str, path: str) -> str | None:
        if self._excerpts is None:
            return None
        if target not in self._cache:
            self._cache[target] = self._excerpts(target)
        return self._cache[target].get(path)

    def private(self, repo: str, path: str, sha256: str | None) -> str | None:
        """The private file's text, only if a checkout was given and it is the stored content."""
        if self.private_root is None:
            return None
        for candidate in (self.private_root / path, self.private_root / repo / path):
            try:
                data = candidate.read_bytes()
            except OSError:
                continue
            if sha256 is None or hashlib.sha256(data).hexdigest() == sha256:
                return data.decode("utf-8", errors="replace")
        return None


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
