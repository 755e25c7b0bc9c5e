"""Local fake servers for network tests: a GitHub REST API (+ codeload) and a package registry.

Standard library only; every server binds 127.0.0.1 on an ephemeral port::

    from tests.servers import FakeGitHub, FakeRegistry

    with FakeGitHub(token="t") as gh:
        gh.add_repo("acme", "app", files={"a.py": b"print(1)\n"})
        ...  # point the client at gh.url

See ``tests/servers/github.py`` and ``tests/servers/registry.py``; the self-tests are in
``tests/test_servers.py``.
"""

from __future__ import annotations

from .feeds import Entry, FakeFeeds, FakeWebhook
from .github import (
    Commit,
    FakeGitHub,
    FakeRepo,
    Fault,
    FaultPlan,
    LocalHTTPServer,
    Request,
    Response,
    git_blob_sha,
    load_examples,
    max_per_window,
)
from .registry import Artifact, FakeRegistry, build_tar_gz, normalize_pypi_name

__all__ = [
    "Artifact",
    "Commit",
    "Entry",
    "FakeFeeds",
    "FakeGitHub",
    "FakeRegistry",
    "FakeRepo",
    "FakeWebhook",
    "Fault",
    "FaultPlan",
    "LocalHTTPServer",
    "Request",
    "Response",
    "build_tar_gz",
    "git_blob_sha",
    "load_examples",
    "max_per_window",
    "normalize_pypi_name",
]
