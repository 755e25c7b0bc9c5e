"""Real open-source code for the benchmarks, downloaded at benchmark time, never committed.

Sdists come from PyPI at pinned versions through pip, and npm packages from the npm registry
through ``npm pack`` (the ordinary clients). Both are unpacked into a cache outside the repository
(``$LEAKTRACE_BENCH_CACHE``, default ``~/.cache/leaktrace-bench``).
"""

from __future__ import annotations

import os
import shutil
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
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(partial)
    else:
        with tarfile.open(archive) as tarred:
            tarred.extractall(partial, filter="data")
    partial.rename(target)
    return target


def npm_package(name: str, version: str) -> Path:
    """The unpacked tarball of the npm package ``name@version`` (downloaded once)."""
    safe = name.replace("/", "__").lstrip("@")
    target = CACHE / "npm" / f"{safe}-{version}"
    if target.is_dir():
        return target
    download = CACHE / "downloads" / "npm"
    download.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run(
        ["npm", "pack", "--silent", f"{name}@{version}"],
        cwd=download, check=True, capture_output=True, text=True,
    )  # fmt: skip
    archive = download / packed.stdout.strip().splitlines()[-1]
    partial = target.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(archive) as tarred:
        tarred.extractall(partial, filter="data")
    inner = partial / "package"  # npm tarballs hold one top folder, usually ``package``
    [top] = [inner] if inner.is_dir() else list(partial.iterdir())
    top.rename(target)
    shutil.rmtree(partial)
    return target


def python_corpus(names: list[str] | None = None) -> list[Path]:
    return [pypi_sdist(name, PYPI_SDISTS[name]) for name in (names or list(PYPI_SDISTS))]
