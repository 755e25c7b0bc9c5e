"""Real open-source code for the benchmarks, downloaded at benchmark time, never committed.

Sdists come from PyPI at pinned versions through pip (the ordinary client), and are unpacked into
a cache outside the repository (``$LEAKTRACE_BENCH_CACHE``, default ``~/.cache/leaktrace-bench``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

CACHE = Path(os.environ.get("LEAKTRACE_BENCH_CACHE", Path.home() / ".cache" / "leaktrace-bench"))

PYPI_SDISTS = {
    "sqlalchemy": "2.0.30",
    "pygments": "2.18.0",
    "rich": "13.7.1",
    "werkzeug": "3.0.3",
    "click": "8.1.7",
    "jinja2": "3.1.4",
    "flask": "3.0.3",
    "httpx": "0.27.0",
}


def pypi_sdist(name: str, version: str) -> Path:
    """The unpacked source tree of ``name==version`` (downloaded once)."""
    target = CACHE / "pypi" / f"{name}-{version}"
    if target.is_dir():
        return target
    download = CACHE / "downloads"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         "-d", str(download), f"{name}=={version}"],
        check=True,
    )  # fmt: skip
    stem = name.replace("-", "_").lower()
    [archive] = [
        p
        for p in download.iterdir()
        if p.name.lower().replace("-", "_").startswith(f"{stem}_{version}")
        or p.name.lower().startswith(f"{name.lower()}-{version}")
    ]
    partial = target.with_suffix(".partial")
    partial.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(partial)
    else:
        with tarfile.open(archive) as tarred:
            tarred.extractall(partial, filter="data")
    partial.rename(target)
    return target


def python_corpus(names: list[str] | None = None) -> list[Path]:
    return [pypi_sdist(name, PYPI_SDISTS[name]) for name in (names or list(PYPI_SDISTS))]
