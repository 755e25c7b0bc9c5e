"""Real published packages for tests: the files the registries serve, fetched once with their
ordinary clients (``npm pack``, ``pip download``) into the benchmarks' cache, never committed.

Tests publish these exact bytes on ``tests.servers.registry.FakeRegistry``, so a scan reads the
real tarball through the real registry code path without touching the network again.
"""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks.corpus import CACHE, npm_package, pypi_sdist


def npm_tarball(name: str, version: str) -> tuple[Path, Path]:
    """(the ``.tgz`` npm serves for ``name@version``, its unpacked ``package/`` folder)."""
    unpacked = npm_package(name, version)
    return CACHE / "downloads" / "npm" / f"{name.rsplit('/', 1)[-1]}-{version}.tgz", unpacked


def pypi_sdist_file(name: str, version: str) -> Path:
    """The sdist PyPI serves for ``name==version``."""
    pypi_sdist(name, version)
    [found] = [p for p in (CACHE / "downloads").glob(f"{name}-{version}.tar.gz")]
    return found


__all__ = ["npm_tarball", "pypi_sdist_file"]
