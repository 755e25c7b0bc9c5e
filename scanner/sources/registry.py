"""Published packages as candidates: ``npm:NAME[@VERSION]`` and ``pypi:NAME[==VERSION]``.

The registries' JSON APIs name the tarball; it is downloaded (size-capped) and read in memory by
the same safe archive reader as any other archive, source maps and all. Registry base URLs are
settings (``--npm-registry``, ``--pypi-url``), for mirrors and for tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
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

    @property
    def revision(self) -> str | None:
        return self._revision

    def _npm_tarball(self) -> tuple[str, str]:
        url = f"{self.base}/{quote(self.name, safe='@')}"
        release = npm_release(self.http.get_json(url), url, self.version)
        if release is None:
            raise FetchError(f"{self.target}: no version {self.version or 'latest'!r} on the "
                             "registry")  # fmt: skip
        return release.version, release.url

    def _pypi_file(self) -> tuple[str, str]:
        path = f"{self.name}/{self.version}/json" if self.version else f"{self.name}/json"
        url = f"{self.base}/pypi/{path}"
        release = pypi_release(self.http.get_json(url), url, self.version)
        if release is None:
            raise FetchError(f"{self.target}: no sdist or wheel on the index")
        return release.version, release.url

    def iter_files(self) -> Iterator[CandidateFile]:
        try:
            version, url = self._npm_tarball() if self.kind == "npm" else self._pypi_file()
            data = self.http.download(url, self.limits.max_total_bytes)
        except FetchError as exc:
            self.problems.append(problem("", str(exc)))
            return
        filename = url.rsplit("/", 1)[-1].split("?", 1)[0] or "package.tgz"
        archive = Archive(Path(filename), target=self.target, limits=self.limits, data=data)
        self._revision = f"{version} {archive.revision}"
        yield from archive.iter_files()
        self.problems += archive.problems


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
