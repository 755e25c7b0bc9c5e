"""The crawler's context: one HTTP client, the GitHub API, the registries, shared caches."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from scanner.endpoints import DEFAULT_API, NPM_REGISTRY, PYPI_URL
from scanner.errors import ConfigError
from scanner.http import Http, Policy, ResponseCache
from scanner.sources import Limits
from scanner.sources.github import BlobCache, GitHubAPI
from scanner.sources.gitobjects import ObjectStore

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_CONNECTIONS = 8


@dataclass
class Crawler:
    http: Http
    github: GitHubAPI
    npm_registry: str = NPM_REGISTRY
    pypi_url: str = PYPI_URL
    limits: Limits | None = None
    _git: ObjectStore | None = field(default=None, repr=False)

    def git_store(self) -> ObjectStore:
        """One git object store for the whole crawl (made on first use): a fork fetched into it
        downloads only the objects that the forks before it did not bring."""
        if self._git is None:
            self._git = ObjectStore()
        return self._git

    def close(self) -> None:
        self.http.client.close()
        if self._git is not None:
            self._git.close()
            self._git = None


def read_token(token_file: Path | None) -> str | None:
    """The GitHub token: from ``--token-file``, else ``GITHUB_TOKEN``; never echoed anywhere."""
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError("--token-file", f"cannot read {token_file} ({exc.strerror})") from exc
        if not token:
            raise ConfigError("--token-file", f"{token_file} is empty")
        return token
    return os.environ.get("GITHUB_TOKEN") or None


def make_crawler(*, token: str | None, api_url: str = DEFAULT_API,
                 npm_registry: str = NPM_REGISTRY, pypi_url: str = PYPI_URL,
                 cache: ResponseCache | None = None, blobs: BlobCache | None = None,
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, policy: Policy | None = None,
                 limits: Limits | None = None,
                 transport: httpx.BaseTransport | None = None) -> Crawler:  # fmt: skip
    """The crawler, on one client; ``transport``: the client's (``watch`` gives the lean
    ``scanner.transport.PooledTransport``), else httpx's own."""
    client = httpx.Client(
        timeout=timeout,
        limits=httpx.Limits(max_connections=MAX_CONNECTIONS),
        headers={"X-GitHub-Api-Version": "2022-11-28"},
        transport=transport,
    )
    http = Http(client, token=token, api_url=api_url, cache=cache, policy=policy)
    return Crawler(http, GitHubAPI(http, api_url, blobs), npm_registry, pypi_url, limits)
