"""Report writers: one module per format, each ``write(report, out, sources)``.

``report`` is the canonical report dict (``json_report.to_dict``, or a run read back from the
results database with its decisions); writers only render it and never recompute a verdict.
``sources`` gives them text: the candidate side's matched files (public material), and the private
side only when ``--include-private-source`` named a checkout.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from scanner.errors import ConfigError, ReportError

Writer = Callable[[dict[str, Any], TextIO, "Sources"], None]


def _writer(module: str) -> Writer:
    """The ``write`` of ``scanner.reports.MODULE``, imported when a report of its format is
    written: any module of this package imports this one first (a scan's ``json_report``,
    before its pool's workers are forked), and the HTML writer and its panes were two thirds
    of that import, in a process the scan's workers wait on."""

    def write(report: dict[str, Any], out: TextIO, sources: Sources) -> None:
        importlib.import_module(f"scanner.reports.{module}").write(report, out, sources)

    return write


WRITERS: dict[str, Writer] = {
    "json": _writer("json_report"),
    "html": _writer("html_report"),
    "md": _writer("md_report"),
    "sarif": _writer("sarif_report"),
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


def write_text(destination: str, text: str, what: str = "report") -> None:
    """Write to a file atomically (no half-written report on a crash), or to stdout for ``-``;
    ``what`` it is names it in the line a failure gives (the report, the notice)."""
    _write(destination, lambda out: out.write(text), what)


def write_report(report: dict[str, Any], destination: str, fmt: str,
                 sources: Sources | None = None) -> None:  # fmt: skip
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ConfigError("format", f"unknown report format {fmt!r} (known: {', '.join(WRITERS)})")
    _write(destination, lambda out: writer(report, out, sources or Sources()))


def _write(destination: str, write: Callable[[TextIO], object], what: str = "report") -> None:
    """Run ``write`` on stdout (``-``), or on a temporary file beside ``destination`` that is
    renamed onto it once complete. On any failure (a full disk) the temporary file is removed
    and the destination left as it was; an OSError becomes one ``ReportError`` line."""
    if destination == "-":
        write(sys.stdout)
        return
    path = Path(destination)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                         dir=path.parent)  # fmt: skip
    except OSError as exc:
        raise ReportError(f"{destination}: cannot write the {what} ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600; not a secret
            write(out)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise ReportError(f"{destination}: cannot write the {what} ({exc.strerror or exc}); "
                              "nothing was written") from exc  # fmt: skip
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["WRITERS", "Sources", "Writer", "format_for", "write_report", "write_text"]
