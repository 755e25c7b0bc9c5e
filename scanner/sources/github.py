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

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from fingerprints import language_for_path
from scanner.endpoints import DEFAULT_API
from scanner.errors import TargetError
from scanner.http import FetchError, Http
from scanner.sources.answers import (
    AnswerError,
    CodeHit,
    Repo,
    Tree,
    TreeEntry,
    blob_bytes,
    commit_sha,
    page_items,
)
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import Unpacker, might_be_carrier, unread_histories
from scanner.sources.git import UNREAD_HISTORY, GitRepo, pins_a_commit
from scanner.sources.gitobjects import Auth, GitError, ObjectStore

T = TypeVar("T")
Skipped = Callable[[FetchError], None]
"""Told of each malformed item of a listing (or fork that cannot be listed), then skipped."""
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

    def repo(self, owner: str, repo: str) -> Repo:
        url = self._repo_url(owner, repo)
        return Repo.parse(self.http.get_json(url), url)

    def commit(self, owner: str, repo: str, ref: str) -> str | None:
        """The commit SHA a ref points at (for permanent links), or None."""
        url = f"{self._repo_url(owner, repo)}/commits/{quote(ref)}"
        try:
            return commit_sha(self.http.get_json(url), url)
        except FetchError:
            url = f"{self._repo_url(owner, repo)}/branches/{quote(ref)}"
            try:
                return commit_sha(self.http.get_json(url), url, branch=True)
            except FetchError:
                return None

    def tree(self, owner: str, repo: str, ref: str) -> tuple[str, list[TreeEntry]]:
        """(tree SHA, every blob entry) of a ref; a truncated listing is walked tree by tree."""
        url = f"{self._repo_url(owner, repo)}/git/trees/{quote(ref, safe='')}"
        top = Tree.parse(self.http.get_json(url, params={"recursive": "1"}, kind="tree"), url)
        if not top.truncated:
            return top.sha, [e for e in top.entries if e.type == "blob"]
        entries: list[TreeEntry] = []
        pending = deque([("", top.sha)])
        while pending:
            prefix, sha = pending.popleft()
            url = f"{self._repo_url(owner, repo)}/git/trees/{sha}"
            for entry in Tree.parse(self.http.get_json(url, kind="tree"), url).entries:
                path = f"{prefix}{entry.path}"
                if entry.type == "tree":
                    pending.append((f"{path}/", entry.sha))
                elif entry.type == "blob":
                    entries.append(replace(entry, path=path))
        return top.sha, entries

    def blob(self, owner: str, repo: str, sha: str, max_bytes: int | None = None) -> bytes:
        """A blob's bytes, checked against its SHA; an answer for a blob over ``max_bytes``
        (base64 makes it a third larger) is refused unread."""
        cached = self.blobs.get_blob(sha)
        if cached is not None:
            self.blob_stats.reused += 1
            return cached
        url = f"{self._repo_url(owner, repo)}/git/blobs/{sha}"
        cap = None if max_bytes is None else max_bytes * 3 // 2 + 64 * 1024
        content = blob_bytes(self.http.get_json(url, kind="blob", max_bytes=cap), url, sha)
        self.blobs.put_blob(sha, content)
        self.blob_stats.downloaded += 1
        self.blob_stats.bytes += len(content)
        return content

    def _listing(self, url: str, params: dict[str, Any], kind: str, key: str | None,
                 parse: Callable[[Any, str, str], T], skipped: Skipped | None,
                 limit: int | None = None) -> Iterator[T]:  # fmt: skip
        """The items of a paginated listing, each checked: a malformed item is handed to
        ``skipped`` (raised without one); a malformed page ends the listing (raised)."""
        count = 0
        for page_url, page in self.http.paginate(url, params=params, kind=kind):
            for number, raw in enumerate(page_items(page, page_url, key)):
                if limit is not None and count >= limit:
                    return
                try:
                    item = parse(raw, page_url, f"{key or 'answer'}[{number}]")
                except AnswerError as exc:
                    if skipped is None:
                        raise
                    skipped(exc)
                    continue
                count += 1
                yield item

    def forks(self, owner: str, repo: str, skipped: Skipped | None = None) -> Iterator[Repo]:
        yield from self._listing(f"{self._repo_url(owner, repo)}/forks",
                                 {"per_page": 100, "sort": "oldest"}, "forks", None, Repo.parse,
                                 skipped)  # fmt: skip

    def network(self, owner: str, repo: str, limit: int | None = None,
                skipped: Skipped | None = None) -> Iterator[Repo]:  # fmt: skip
        """Every fork of ``owner/repo``, forks of forks included (breadth first). With
        ``skipped``, a fork whose own forks cannot be listed is handed to it and the walk goes
        on; the root's listing failing always raises."""
        queue = deque([(owner, repo)])
        seen = {f"{owner}/{repo}".lower()}
        count = 0
        while queue:
            parent = queue.popleft()
            try:
                for fork in self.forks(*parent, skipped=skipped):
                    name = fork.full_name.lower()
                    if name in seen:
                        continue
                    seen.add(name)
                    yield fork
                    count += 1
                    if limit is not None and count >= limit:
                        return
                    if fork.forks_count is None or fork.forks_count:
                        queue.append((fork.owner, fork.name))
            except FetchError as exc:
                if skipped is None or parent == (owner, repo):
                    raise
                skipped(exc)

    def search_code(self, query: str, limit: int = 1000,
                    skipped: Skipped | None = None) -> Iterator[CodeHit]:  # fmt: skip
        yield from self._listing(f"{self.api}/search/code", {"q": query, "per_page": 100},
                                 "code_search", "items", CodeHit.parse, skipped, limit)  # fmt: skip

    def search_repos(self, query: str, limit: int = 1000,
                     skipped: Skipped | None = None) -> Iterator[Repo]:  # fmt: skip
        yield from self._listing(f"{self.api}/search/repositories",
                                 {"q": query, "per_page": 100}, "search", "items", Repo.parse,
                                 skipped, limit)  # fmt: skip


class GitHubRepo:
    """The source files of one repository at one ref (default branch when None). With
    ``history=False`` (``scan`` without ``--history``) the history not read is one unread line,
    as for a git URL (``GitRepo``), unless ``ref`` is a commit SHA, all it asks for; ``None``
    (corpora, a publication ``watch`` reads) says nothing of it."""

    kind = "github"

    def __init__(self, api: GitHubAPI, owner: str, repo: str, ref: str | None = None,
                 target: str | None = None, limits: Limits | None = None, *,
                 history: bool | None = None) -> None:  # fmt: skip
        self.api = api
        self.owner, self.repo, self.ref = owner, repo, ref
        self.with_history = history
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
                self.ref = self.api.repo(self.owner, self.repo).default_branch or "HEAD"
            self.tree_sha, entries = self.api.tree(self.owner, self.repo, self.ref)
        except FetchError as exc:
            self.problems.append(problem("", str(exc)))
            return
        if self.with_history is False and not pins_a_commit(self.ref):
            self.problems.append(problem("", f"git repository: {UNREAD_HISTORY}"))
        wanted = [(e.path, e.sha, e.size) for e in sorted(entries, key=lambda e: e.path)
                  if language_for_path(e.path) is not None or might_be_carrier(e.path)]  # fmt: skip
        yield from read_blobs(self.api, self.owner, self.repo, wanted, self.limits, self.problems)


def read_blobs(api: GitHubAPI, owner: str, repo: str,
               blobs: Iterable[tuple[str, str, int | None]], limits: Limits,
               problems: list[Problem]) -> Iterator[CandidateFile]:  # fmt: skip
    """The files of (path, blob sha, size) entries, each blob fetched once (the blob cache);
    one over ``max_read_bytes`` or that cannot be fetched is a problem, and the rest goes on;
    a version-control folder inside an archive is an unread line once all is read."""
    version_control: list[str] = []
    unpacker = Unpacker(limits, problems, version_control=version_control)
    cap = limits.max_read_bytes
    for path, sha, size in blobs:
        if (size or 0) > cap:
            problems.append(problem(path, f"not read: {size:,} bytes, over max_read_bytes {cap:,}"))
            continue
        try:
            data = api.blob(owner, repo, sha, cap)
        except FetchError as exc:
            problems.append(problem(path, str(exc)))
            continue
        yield from unpacker.data(path, data)
        if unpacker.stopped:
            break
    problems.extend(unread_histories(version_control))


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
            url = self.api.repo(self.owner, self.repo).clone_url
        except FetchError as exc:
            raise GitError(str(exc)) from exc
        if not isinstance(url, str) or not url:
            raise GitError(f"{self.owner}/{self.repo}: the API names no clone_url")
        header = self.api.http.git_header(url)
        self.url = url
        return url, Auth(url, header) if header else None


def github_candidate(api: GitHubAPI | None, target: str, limits: Limits | None = None, *,
                     history: bool | None = None,
                     store: ObjectStore | None = None) -> GitHubRepo | GitHubHistory:  # fmt: skip
    """Read through the REST API; with ``history``, every commit, cloned with git; with
    ``history=False``, one commit, and its history is said not read (``GitHubRepo``)."""
    parsed = parse_github_target(target)
    if parsed is None:
        raise TargetError(f"{target}: not a GitHub repository (github:OWNER/REPO[@REF])")
    if api is None:
        raise TargetError(f"{target}: GitHub targets need the crawler (scan sets it up)")
    owner, repo, ref = parsed
    if history:
        return GitHubHistory(api, owner, repo, ref, target, limits, store)
    return GitHubRepo(api, owner, repo, ref, target=target, limits=limits, history=history)
