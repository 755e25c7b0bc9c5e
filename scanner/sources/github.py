"""GitHub candidates: one repository, a whole fork network, or code-search results.

A repository is read through the git trees API (one listing of the whole tree) and the blobs
API, never as a tarball: blobs are content-addressed, and forks share most of theirs, so across
a fork network each distinct blob is downloaded once (``BlobCache``, kept in the scan database)
and fingerprinted once (the scanner memoizes per content hash). A network of 1,000 forks costs
the listings plus the blobs that differ.

GitHub's code search does not index most forks, so ``network`` walks forks of forks through the
forks API instead of searching.
"""

from __future__ import annotations

import base64
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from fingerprints import language_for_path
from scanner.errors import TargetError
from scanner.http import FetchError, Http
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import Unpacker, might_be_carrier
from scanner.sources.git import GitRepo
from scanner.sources.gitobjects import Auth, GitError, ObjectStore

DEFAULT_API = "https://api.github.com"
_TARGET = re.compile(
    r"^(?:github:|https?://github\.com/)(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?"
    r"(?:/tree/(?P<tree>.+?))?(?:@(?P<ref>[^/@]+))?/?$"
)


def parse_github_target(target: str) -> tuple[str, str, str | None] | None:
    """``github:owner/repo[@ref]`` or ``https://github.com/owner/repo[/tree/ref]``."""
    match = _TARGET.match(target)
    if not match:
        return None
    return match["owner"], match["repo"], match["tree"] or match["ref"]


class BlobCache(Protocol):
    def get_blob(self, sha: str) -> bytes | None: ...

    def put_blob(self, sha: str, data: bytes) -> None: ...


class MemoryBlobs:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def get_blob(self, sha: str) -> bytes | None:
        return self._blobs.get(sha)

    def put_blob(self, sha: str, data: bytes) -> None:
        self._blobs[sha] = data


@dataclass
class BlobStats:
    downloaded: int = 0
    reused: int = 0
    bytes: int = 0


class GitHubAPI:
    """The handful of REST endpoints the crawler needs."""

    def __init__(self, http: Http, api_url: str = DEFAULT_API,
                 blobs: BlobCache | None = None) -> None:  # fmt: skip
        self.http = http
        self.api = api_url.rstrip("/")
        self.blobs = blobs or MemoryBlobs()
        self.blob_stats = BlobStats()

    def _repo_url(self, owner: str, repo: str) -> str:
        return f"{self.api}/repos/{quote(owner)}/{quote(repo)}"

    def repo(self, owner: str, repo: str) -> dict[str, Any]:
        return self.http.get_json(self._repo_url(owner, repo))

    def commit(self, owner: str, repo: str, ref: str) -> str | None:
        """The commit SHA a ref points at (for permanent links), or None."""
        try:
            data = self.http.get_json(f"{self._repo_url(owner, repo)}/commits/{quote(ref)}")
        except FetchError:
            try:
                data = self.http.get_json(f"{self._repo_url(owner, repo)}/branches/{quote(ref)}")
                data = data.get("commit", {})
            except FetchError:
                return None
        sha = data.get("sha")
        return sha if isinstance(sha, str) else None

    def tree(self, owner: str, repo: str, ref: str) -> tuple[str, list[dict[str, Any]]]:
        """(tree SHA, every blob entry) of a ref; a truncated listing is walked tree by tree."""
        url = f"{self._repo_url(owner, repo)}/git/trees/{quote(ref, safe='')}"
        data = self.http.get_json(url, params={"recursive": "1"}, kind="tree")
        if not data.get("truncated"):
            return data["sha"], [e for e in data.get("tree", []) if e.get("type") == "blob"]
        entries: list[dict[str, Any]] = []
        pending = deque([("", data["sha"])])
        while pending:
            prefix, sha = pending.popleft()
            listing = self.http.get_json(f"{self._repo_url(owner, repo)}/git/trees/{sha}",
                                         kind="tree")  # fmt: skip
            for entry in listing.get("tree", []):
                path = f"{prefix}{entry['path']}"
                if entry.get("type") == "tree":
                    pending.append((f"{path}/", entry["sha"]))
                elif entry.get("type") == "blob":
                    entries.append(entry | {"path": path})
        return data["sha"], entries

    def blob(self, owner: str, repo: str, sha: str) -> bytes:
        cached = self.blobs.get_blob(sha)
        if cached is not None:
            self.blob_stats.reused += 1
            return cached
        data = self.http.get_json(f"{self._repo_url(owner, repo)}/git/blobs/{sha}", kind="blob")
        if data.get("encoding") == "base64":
            content = base64.b64decode(data.get("content", ""))
        else:
            content = str(data.get("content", "")).encode()
        self.blobs.put_blob(sha, content)
        self.blob_stats.downloaded += 1
        self.blob_stats.bytes += len(content)
        return content

    def forks(self, owner: str, repo: str) -> Iterator[dict[str, Any]]:
        yield from self.http.paginate(
            f"{self._repo_url(owner, repo)}/forks",
            params={"per_page": 100, "sort": "oldest"},
            kind="forks",
        )

    def network(self, owner: str, repo: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Every fork of ``owner/repo``, forks of forks included (breadth first)."""
        queue = deque([(owner, repo)])
        seen = {f"{owner}/{repo}".lower()}
        count = 0
        while queue:
            parent = queue.popleft()
            for fork in self.forks(*parent):
                name = str(fork.get("full_name", "")).lower()
                if not name or name in seen:
                    continue
                seen.add(name)
                yield fork
                count += 1
                if limit is not None and count >= limit:
                    return
                if fork.get("forks_count", 1):
                    queue.append((fork["owner"]["login"], fork["name"]))

    def search_code(self, query: str, limit: int = 1000) -> Iterator[dict[str, Any]]:
        items = self.http.paginate(f"{self.api}/search/code", params={"q": query, "per_page": 100},
                                   kind="code_search", items_key="items")  # fmt: skip
        for count, item in enumerate(items):
            if count >= limit:
                return
            yield item

    def search_repos(self, query: str, limit: int = 1000) -> Iterator[dict[str, Any]]:
        items = self.http.paginate(f"{self.api}/search/repositories",
                                   params={"q": query, "per_page": 100}, kind="search",
                                   items_key="items")  # fmt: skip
        for count, item in enumerate(items):
            if count >= limit:
                return
            yield item


class GitHubRepo:
    """The source files of one repository at one ref (default branch when None)."""

    kind = "github"

    def __init__(self, api: GitHubAPI, owner: str, repo: str, ref: str | None = None,
                 target: str | None = None, limits: Limits | None = None) -> None:  # fmt: skip
        self.api = api
        self.owner, self.repo, self.ref = owner, repo, ref
        self.target = target or f"github:{owner}/{repo}" + (f"@{ref}" if ref else "")
        self.limits = limits or Limits()
        self.problems: list[Problem] = []
        self.tree_sha: str | None = None
        self._commit: str | None = None

    @property
    def revision(self) -> str | None:
        """The commit scanned once ``pin`` looked it up, else the tree SHA."""
        return self._commit or self.tree_sha

    def pin(self) -> None:
        """Look up the commit (one request), for permanent links; done for flagged ones only."""
        if self._commit is None and self.ref:
            self._commit = self.api.commit(self.owner, self.repo, self.ref)

    def iter_files(self) -> Iterator[CandidateFile]:
        try:
            if self.ref is None:
                self.ref = self.api.repo(self.owner, self.repo).get("default_branch") or "HEAD"
            self.tree_sha, entries = self.api.tree(self.owner, self.repo, self.ref)
        except FetchError as exc:
            self.problems.append(problem("", str(exc)))
            return
        unpacker = Unpacker(self.limits, self.problems)
        for entry in sorted(entries, key=lambda e: e["path"]):
            path = entry["path"]
            if language_for_path(path) is None and not might_be_carrier(path):
                continue
            cap = self.limits.max_read_bytes
            if entry.get("size", 0) > cap:
                size = entry["size"]
                self.problems.append(problem(path, f"not read: {size:,} bytes, over "
                                                   f"max_read_bytes {cap:,}"))  # fmt: skip
                continue
            try:
                data = self.api.blob(self.owner, self.repo, entry["sha"])
            except FetchError as exc:
                self.problems.append(problem(path, str(exc)))
                continue
            yield from unpacker.data(path, data)
            if unpacker.stopped:
                return


class GitHubHistory(GitRepo):
    """Every commit of a GitHub repository: cloned with git from the ``clone_url`` the API
    names, the token sent (as a header, never in the URL) only to the API's own host over
    HTTPS."""

    kind = "github"

    def __init__(self, api: GitHubAPI, owner: str, repo: str, ref: str | None, target: str,
                 limits: Limits | None = None,
                 store: ObjectStore | None = None) -> None:  # fmt: skip
        super().__init__("", ref, target, limits, history=True, store=store)
        self.api, self.owner, self.repo = api, owner, repo

    def locate(self) -> tuple[str, Auth | None]:
        try:
            url = self.api.repo(self.owner, self.repo).get("clone_url")
        except FetchError as exc:
            raise GitError(str(exc)) from exc
        if not isinstance(url, str) or not url:
            raise GitError(f"{self.owner}/{self.repo}: the API names no clone_url")
        header = self.api.http.git_header(url)
        self.url = url
        return url, Auth(url, header) if header else None


def github_candidate(api: GitHubAPI | None, target: str, limits: Limits | None = None, *,
                     history: bool = False,
                     store: ObjectStore | None = None) -> GitHubRepo | GitHubHistory:  # fmt: skip
    """Read through the REST API; with ``history``, every commit, cloned with git."""
    parsed = parse_github_target(target)
    if parsed is None:
        raise TargetError(f"{target}: not a GitHub repository (github:OWNER/REPO[@REF])")
    if api is None:
        raise TargetError(f"{target}: GitHub targets need the crawler (scan sets it up)")
    owner, repo, ref = parsed
    if history:
        return GitHubHistory(api, owner, repo, ref, target, limits, store)
    return GitHubRepo(api, owner, repo, ref, target=target, limits=limits)
