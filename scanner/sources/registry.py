"""Published packages as candidates: ``npm:NAME[@VERSION]`` and ``pypi:NAME[==VERSION]``.

The registries' JSON APIs name the tarball; it is downloaded (size-capped) and read in memory by
the same safe archive reader as any other archive, source maps and all. Registry base URLs are
settings (``--npm-registry``, ``--pypi-url``), for mirrors and for tests.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scanner.errors import TargetError
from scanner.http import FetchError, Http
from scanner.sources.answers import npm_release, pypi_release
from scanner.sources.archive import Archive
from scanner.sources.base import CandidateFile, Limits, Problem, problem

_NPM = re.compile(r"^npm:(?P<name>(?:@[\w.-]+/)?[\w.-]+)(?:@(?P<version>[\w.+-]+))?$")
_PYPI = re.compile(r"^pypi:(?P<name>[\w.-]+)(?:==(?P<version>[\w.+!-]+))?$")


def is_registry_target(target: str) -> bool:
    return target.startswith(("npm:", "pypi:"))


class RegistryPackage:
    """The files of one published package version."""

    def __init__(self, http: Http, kind: str, name: str, version: str | None, base: str,
                 target: str, limits: Limits | None = None) -> None:  # fmt: skip
        self.http = http
        self.kind = kind
        self.name = name
        self.version = version
        self.base = base.rstrip("/")
        self.target = target
        self.limits = limits or Limits()
        self.problems: list[Problem] = []
        self._revision: str | None = None
        self.published: str | None = None
        """When this version was published (npm ``time[version]``, PyPI ``upload_time``)."""
        self.first_published: str | None = None
        """When the package's first release was published (npm ``time.created``)."""
        self.sha256: str | None = None
        """SHA-256 of the downloaded tarball."""

    @property
    def revision(self) -> str | None:
        return self._revision

    def _npm_tarball(self) -> tuple[str, str]:
        url = f"{self.base}/{quote(self.name, safe='@')}"
        release = npm_release(self.http.get_json(url), url, self.version)
        if release is None:
            raise FetchError(f"{self.target}: no version {self.version or 'latest'!r} on the "
                             "registry")  # fmt: skip
        self.published, self.first_published = release.published, release.first_published
        return release.version, release.url

    def _pypi_file(self) -> tuple[str, str]:
        path = f"{self.name}/{self.version}/json" if self.version else f"{self.name}/json"
        url = f"{self.base}/pypi/{path}"
        release = pypi_release(self.http.get_json(url), url, self.version)
        if release is None:
            raise FetchError(f"{self.target}: no sdist or wheel on the index")
        self.published = release.published
        return release.version, release.url

    def first_release(self) -> str | None:
        """When the package first existed: npm's packument says it; on PyPI the project's JSON
        lists every release (one more request). None when the registry does not say."""
        if self.kind == "npm" or self.first_published:
            return self.first_published
        try:
            meta: Any = self.http.get_json(f"{self.base}/pypi/{self.name}/json")
        except FetchError:
            return None
        if not isinstance(meta, dict):  # a malformed answer dates nothing
            return None
        releases = meta.get("releases") if isinstance(meta.get("releases"), dict) else {}
        self.first_published = _earliest(
            f.get("upload_time_iso_8601") or f.get("upload_time")
            for files in releases.values() if isinstance(files, list)
            for f in files if isinstance(f, dict)
        )  # fmt: skip
        return self.first_published

    def iter_files(self) -> Iterator[CandidateFile]:
        try:
            version, url = self._npm_tarball() if self.kind == "npm" else self._pypi_file()
            data = self.http.download(url, self.limits.max_total_bytes)
        except FetchError as exc:
            self.problems.append(problem("", str(exc)))
            return
        filename = url.rsplit("/", 1)[-1].split("?", 1)[0] or "package.tgz"
        # history=False: a version-control folder in a package is an unread line
        archive = Archive(Path(filename), target=self.target, limits=self.limits, data=data,
                          history=False)  # fmt: skip
        self.version = version
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._revision = f"{version} {archive.revision}"
        try:
            yield from archive.iter_files()
        finally:  # what it said is kept even when an error ends it (``read_through``)
            self.problems += archive.problems


def _earliest(times: Iterator[Any] | Any) -> str | None:
    """The earliest of ISO 8601 times (the registries write them in UTC)."""
    found = sorted(str(t) for t in times if t)
    return found[0] if found else None


def registry_candidate(http: Http | None, target: str, npm_registry: str, pypi_url: str,
                       limits: Limits | None = None) -> RegistryPackage:  # fmt: skip
    if http is None:
        raise TargetError(f"{target}: registry targets need the crawler (scan sets it up)")
    for pattern, kind, base in ((_NPM, "npm", npm_registry), (_PYPI, "pypi", pypi_url)):
        match = pattern.match(target)
        if match:
            return RegistryPackage(http, kind, match["name"], match["version"], base, target,
                                   limits)  # fmt: skip
    raise TargetError(f"{target}: expected npm:NAME[@VERSION] or pypi:NAME[==VERSION]")
