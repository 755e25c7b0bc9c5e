"""Self-tests of the fake GitHub and registry servers in ``tests/servers``.

They talk plain HTTP through ``http.client`` (no redirects followed, no extra dependency).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import io
import json
import re
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.servers import FakeGitHub, FakeRegistry, git_blob_sha, load_examples, max_per_window
from tests.servers.github import EXAMPLE_FILES

TOKEN = "secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Answer:
    """A fetched response."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    def links(self) -> dict[str, str]:
        """``rel -> url`` of the ``Link`` header."""
        found = re.findall(r'<([^>]+)>;\s*rel="([^"]+)"', self.headers.get("link", ""))
        return {rel: url for url, rel in found}


def fetch(url: str, headers: Mapping[str, str] | None = None, timeout: float = 5.0) -> Answer:
    """One GET on a fresh connection."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", target, headers=dict(headers or {}))
        resp = conn.getresponse()
        body = resp.read()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every test must leave no server thread behind."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert set(threading.enumerate()) - before == set()


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as server:
        yield server


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    with FakeRegistry() as server:
        yield server


FILES = {
    "README.md": b"# ledger\n",
    "src/ledger/core.py": b"def post_entry(journal):\n    return 'LEDGER-SECRET-42'\n",
    "src/ledger/__init__.py": b"",
    "bin/run": b"#!/bin/sh\nexec python -m ledger\n",
}


def test_examples_copy_is_verbatim() -> None:
    shared = Path("/work/shared/github-api")
    copy = Path(__file__).parent / "servers" / "github_examples"
    for name in EXAMPLE_FILES:
        assert json.loads((copy / name).read_text("utf-8")) is not None
        if shared.is_dir():
            assert (copy / name).read_bytes() == (shared / name).read_bytes(), name


def test_binds_loopback_and_stops_cleanly() -> None:
    before = set(threading.enumerate())
    server = FakeGitHub().start()
    registry = FakeRegistry().start()
    try:
        for url in (server.url, server.codeload_url, registry.url):
            assert url.startswith("http://127.0.0.1:")
        codeload_port = server.codeload.port
        assert server.port != codeload_port
        # A kept-alive connection must not keep stop() waiting.
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", "/rate_limit")
        assert conn.getresponse().read()
        server.faults.add(r"/hang", "hang", seconds=30)
        hanging = socket.create_connection(("127.0.0.1", server.port))
        hanging.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.1)
    finally:
        started = time.monotonic()
        server.stop()
        registry.stop()
        assert time.monotonic() - started < 2.0
    conn.close()
    hanging.close()
    assert set(threading.enumerate()) - before == set()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", codeload_port), timeout=1).close()


def test_repository_shape_fork_parent_source_and_404(gh: FakeGitHub) -> None:
    gh.add_repo("acme", "ledger", FILES, stars=7, description="books")
    gh.add_repo("bob", "ledger", FILES, fork_of=("acme", "ledger"))
    gh.add_repo("carol", "ledger", {**FILES, "x.py": b"x"}, fork_of=("bob", "ledger"))
    root = fetch(f"{gh.url}/repos/acme/ledger", AUTH).json()
    example = load_examples()["repos-get"]
    assert "parent" not in root and "source" not in root
    assert set(root) <= set(example)
    assert root["fork"] is False and root["stargazers_count"] == 7 and root["forks_count"] == 1
    assert root["default_branch"] == "main" and root["owner"]["login"] == "acme"
    assert root["forks_url"] == f"{gh.url}/repos/acme/ledger/forks"
    assert root["trees_url"] == f"{gh.url}/repos/acme/ledger/git/trees{{/sha}}"
    deep = fetch(f"{gh.url}/repos/CAROL/Ledger", AUTH).json()
    assert deep["full_name"] == "carol/ledger" and deep["fork"] is True
    assert deep["parent"]["full_name"] == "bob/ledger"
    assert deep["source"]["full_name"] == "acme/ledger"
    # An unchanged fork keeps the parent's head commit and pushed_at (older than created_at).
    bob = gh.repo("bob", "ledger")
    assert bob.commit_sha == gh.repo("acme", "ledger").commit_sha
    bob_json = fetch(f"{gh.url}/repos/bob/ledger", AUTH).json()
    assert bob_json["pushed_at"] < bob_json["created_at"]
    missing = fetch(f"{gh.url}/repos/acme/nope", AUTH)
    assert missing.status == 404
    assert missing.json()["message"] == "Not Found" and "documentation_url" in missing.json()


def test_fork_pagination_over_250_forks(gh: FakeGitHub) -> None:
    gh.add_repo("acme", "ledger", {"a.py": b"a"})
    for i in range(250):
        gh.add_repo(f"user{i}", "ledger", {"a.py": b"a"}, fork_of=("acme", "ledger"))
    gh.add_repo("deep", "ledger", {"a.py": b"a"}, fork_of=("user3", "ledger"))
    url: str | None = f"{gh.url}/repos/acme/ledger/forks?per_page=100&sort=oldest"
    names: list[str] = []
    pages = 0
    while url:
        answer = fetch(url, AUTH)
        assert answer.status == 200
        page = answer.json()
        names += [item["full_name"] for item in page]
        links = answer.links()
        if pages == 0:
            last = parse_qs(urlsplit(links["last"]).query)
            assert last["page"] == ["3"] and last["per_page"] == ["100"]
            assert last["sort"] == ["oldest"]
            assert links["next"].startswith(gh.url + "/")
        pages += 1
        url = links.get("next")
    assert pages == 3 and len(names) == 250 == len(set(names))
    assert names[0] == "user0/ledger" and "deep/ledger" not in names
    # Forks of forks are reached by listing each fork's forks.
    deeper = fetch(f"{gh.url}/repos/user3/ledger/forks", AUTH)
    assert [item["full_name"] for item in deeper.json()] == ["deep/ledger"]
    assert "link" not in deeper.headers
    # Default page size is 30, newest first.
    first = fetch(f"{gh.url}/repos/acme/ledger/forks", AUTH)
    assert len(first.json()) == 30 and first.json()[0]["full_name"] == "user249/ledger"
    assert set(first.json()[0]) == set(load_examples()["repos-forks"][0])


def test_branch_tree_blob_round_trip_and_shared_blob_shas(gh: FakeGitHub) -> None:
    repo = gh.add_repo("acme", "ledger", FILES, modes={"bin/run": "100755"})
    fork = gh.add_repo("bob", "ledger", {**FILES, "NEW.md": b"fork"}, fork_of=("acme", "ledger"))
    branch = fetch(f"{gh.url}/repos/acme/ledger/branches/main", AUTH).json()
    assert branch["commit"]["sha"] == repo.commit_sha
    tree_sha = branch["commit"]["commit"]["tree"]["sha"]
    assert tree_sha == repo.tree_sha
    commit = fetch(f"{gh.url}/repos/acme/ledger/commits/main", AUTH).json()
    assert commit["sha"] == repo.commit_sha
    tree = fetch(f"{gh.url}/repos/acme/ledger/git/trees/{tree_sha}?recursive=1", AUTH).json()
    assert tree["truncated"] is False and tree["sha"] == tree_sha
    blobs = {e["path"]: e for e in tree["tree"] if e["type"] == "blob"}
    assert set(blobs) == set(FILES)
    assert blobs["bin/run"]["mode"] == "100755"
    assert {e["path"] for e in tree["tree"] if e["type"] == "tree"} == {"bin", "src", "src/ledger"}
    assert blobs["src/ledger/__init__.py"]["sha"] == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    for path, entry in blobs.items():
        assert entry["sha"] == git_blob_sha(FILES[path]) and entry["size"] == len(FILES[path])
        blob = fetch(entry["url"], AUTH).json()
        assert all(len(line) <= 60 for line in blob["content"].split("\n"))
        assert base64.b64decode(blob["content"]) == FILES[path]
        assert blob["encoding"] == "base64" and blob["sha"] == entry["sha"]
    fork_tree = fetch(f"{gh.url}/repos/bob/ledger/git/trees/main?recursive=1", AUTH).json()
    fork_blobs = {e["path"]: e["sha"] for e in fork_tree["tree"] if e["type"] == "blob"}
    assert fork_blobs["src/ledger/core.py"] == blobs["src/ledger/core.py"]["sha"]
    assert fork.tree_sha != repo.tree_sha
    # Non-recursive listing: direct children only; the truncation knob.
    top = fetch(f"{gh.url}/repos/acme/ledger/git/trees/main", AUTH).json()
    assert [e["path"] for e in top["tree"]] == ["README.md", "bin", "src"]
    gh.tree_entry_limit = 2
    cut = fetch(f"{gh.url}/repos/acme/ledger/git/trees/main?recursive=1", AUTH).json()
    assert cut["truncated"] is True and len(cut["tree"]) == 2
    raw = fetch(blobs["README.md"]["url"], {**AUTH, "Accept": "application/vnd.github.raw"})
    assert raw.body == FILES["README.md"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_tree_sha_equals_real_git(gh: FakeGitHub, tmp_path: Path) -> None:
    repo = gh.add_repo("acme", "ledger", FILES, modes={"bin/run": "100755"})
    for path, data in FILES.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (tmp_path / "bin/run").chmod(0o755)
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", "-A")
    assert git("write-tree") == repo.tree_sha


def test_etag_304_does_not_count(gh: FakeGitHub) -> None:
    gh.add_repo("acme", "ledger", FILES)
    first = fetch(f"{gh.url}/repos/acme/ledger", AUTH)
    etag = first.headers["etag"]
    remaining = int(first.headers["x-ratelimit-remaining"])
    again = fetch(f"{gh.url}/repos/acme/ledger", {**AUTH, "If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    gh.push("acme", "ledger", {**FILES, "new.py": b"1"})
    changed = fetch(f"{gh.url}/repos/acme/ledger/branches/main", {**AUTH, "If-None-Match": etag})
    assert changed.status == 200 and changed.headers["etag"] != etag


def test_tarball_redirects_to_codeload_without_auth(gh: FakeGitHub) -> None:
    repo = gh.add_repo("acme", "ledger", FILES, modes={"bin/run": "100755"})
    answer = fetch(f"{gh.url}/repos/acme/ledger/tarball/main", AUTH)
    assert answer.status == 302
    location = answer.headers["location"]
    assert location.startswith(gh.codeload_url + "/") and str(gh.port) not in location
    archive = fetch(location)  # a client must not forward Authorization to another host
    assert archive.status == 200
    top = f"acme-ledger-{repo.commit_sha[:7]}"
    with tarfile.open(fileobj=io.BytesIO(archive.body), mode="r:gz") as tar:
        names = tar.getnames()
        assert {name.split("/")[0] for name in names} == {top}
        assert tar.pax_headers.get("comment") == repo.commit_sha
        member = tar.extractfile(f"{top}/src/ledger/core.py")
        assert member is not None and member.read() == FILES["src/ledger/core.py"]
        assert tar.getmember(f"{top}/bin/run").mode & 0o111
    assert gh.requests[-1]["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert gh.codeload_requests and "authorization" not in gh.codeload_requests[-1]["headers"]
    default = fetch(f"{gh.url}/repos/acme/ledger/tarball", AUTH)
    assert default.status == 302


def test_auth_and_code_search(gh: FakeGitHub) -> None:
    gh.add_repo("acme", "ledger", FILES, stars=5)
    gh.add_repo("bob", "ledger", FILES, fork_of=("acme", "ledger"))  # forks are not indexed
    gh.add_repo("eve", "copy", {"lib/x.py": FILES["src/ledger/core.py"]})
    url = f"{gh.url}/search/code?q=%22LEDGER-SECRET-42%22"
    assert fetch(url).status == 401
    assert fetch(url, {"Authorization": "token wrong"}).json()["message"] == "Bad credentials"
    assert fetch(f"{gh.url}/repos/acme/ledger").status == 401
    answer = fetch(url, {"Authorization": f"token {TOKEN}"})
    assert answer.status == 200 and answer.headers["x-ratelimit-resource"] == "code_search"
    body = answer.json()
    assert body["total_count"] == 2
    assert {item["repository"]["full_name"] for item in body["items"]} == {
        "acme/ledger",
        "eve/copy",
    }
    example = load_examples()["search-code"]["items"][0]
    item = body["items"][0]
    assert list(item) == list(example)
    assert item["sha"] == git_blob_sha(FILES["src/ledger/core.py"])
    blob = fetch(item["git_url"], AUTH).json()
    assert base64.b64decode(blob["content"]) == FILES["src/ledger/core.py"]
    assert fetch(f"{gh.url}/search/code?q=repo:acme/ledger", AUTH).status == 422
    scoped = fetch(f"{gh.url}/search/code?q=post_entry+repo:eve/copy", AUTH).json()
    assert [i["path"] for i in scoped["items"]] == ["lib/x.py"]
    # Without a configured token, code search still wants some credentials.
    gh.token = None
    assert fetch(url).status == 401
    assert fetch(f"{gh.url}/repos/acme/ledger").status == 200


def test_search_pagination_and_repositories(gh: FakeGitHub) -> None:
    gh.budgets = {"code_search": (100, 60)}
    for i in range(45):
        gh.add_repo("acme", f"svc{i}", {"main.go": b"package main // NEEDLE\n"})
    first = fetch(f"{gh.url}/search/code?q=needle&per_page=20", AUTH)
    assert first.json()["total_count"] == 45 and len(first.json()["items"]) == 20
    last = fetch(first.links()["last"], AUTH)
    assert len(last.json()["items"]) == 5 and "next" not in last.links()
    assert fetch(f"{gh.url}/search/code?q=needle&per_page=100&page=11", AUTH).status == 422
    repos = fetch(f"{gh.url}/search/repositories?q=svc4&per_page=3", AUTH)
    assert repos.headers["x-ratelimit-resource"] == "search"
    assert repos.json()["total_count"] == 6  # svc4, svc40..svc44
    assert "next" in repos.links() and "score" in repos.json()["items"][0]


def test_rate_limit_exhaustion_reset_and_status(gh: FakeGitHub) -> None:
    gh.add_repo("acme", "ledger", FILES)
    gh.budgets = {"code_search": (2, 1), "core": (3, 60)}
    url = f"{gh.url}/search/code?q=ledger"
    answers = [fetch(url, AUTH) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 403]
    assert answers[1].headers["x-ratelimit-remaining"] == "0"
    assert answers[2].headers["x-ratelimit-remaining"] == "0"
    assert "rate limit exceeded" in answers[2].json()["message"]
    reset = int(answers[2].headers["x-ratelimit-reset"])
    assert time.time() < reset <= time.time() + 2
    limits = fetch(f"{gh.url}/rate_limit", AUTH).json()
    assert limits["resources"]["code_search"]["remaining"] == 0
    assert limits["resources"]["core"]["used"] == 0  # /rate_limit itself is free
    time.sleep(max(0.0, reset - time.time()) + 0.05)
    assert fetch(url, AUTH).status == 200
    assert len(gh.code_search_times) == 4
    assert max_per_window(gh.code_search_times, 1.0) >= 2
    gh.rate_limit_status = 429
    core = [fetch(f"{gh.url}/repos/acme/ledger", AUTH).status for _ in range(4)]
    assert core == [200, 200, 200, 429]


def test_faults_5xx_hang_reset_drop_secondary_429(gh: FakeGitHub) -> None:
    gh.add_repo("acme", "ledger", FILES)
    tree_url = f"{gh.url}/repos/acme/ledger/git/trees/main?recursive=1"
    gh.faults.add(path_regex=r"/git/trees/", kind="502", times=2)
    assert [fetch(tree_url, AUTH).status for _ in range(3)] == [502, 502, 200]
    assert [r["fault"] for r in gh.requests_matching("/git/trees/")] == ["502", "502", None]

    gh.faults.add(path_regex=r"/forks", kind="hang", seconds=5, times=1)
    with pytest.raises(TimeoutError):
        fetch(f"{gh.url}/repos/acme/ledger/forks", AUTH, timeout=0.3)
    assert fetch(f"{gh.url}/repos/acme/ledger/forks", AUTH).status == 200

    gh.faults.add(path_regex=r"/git/trees/", kind="reset", times=1)
    with pytest.raises(http.client.IncompleteRead):
        fetch(tree_url, AUTH)
    gh.faults.add(path_regex=r"/git/trees/", kind="drop", times=1)
    with pytest.raises(http.client.RemoteDisconnected):
        fetch(tree_url, AUTH)

    gh.faults.add(path_regex=r"/search/code", kind="secondary", retry_after=1, times=1)
    secondary = fetch(f"{gh.url}/search/code?q=ledger", AUTH)
    assert secondary.status == 403 and secondary.headers["retry-after"] == "1"
    assert "secondary rate limit" in secondary.json()["message"]
    assert secondary.headers["x-ratelimit-remaining"] != "0"

    gh.faults.add(path_regex=r".", kind="429", retry_after=1, times=1)
    too_many = fetch(f"{gh.url}/repos/acme/ledger", AUTH)
    assert too_many.status == 429 and too_many.headers["retry-after"] == "1"
    assert fetch(f"{gh.url}/repos/acme/ledger", AUTH).status == 200
    assert gh.faults.pending == [] and gh.errors == []
    with pytest.raises(ValueError):
        gh.faults.add(kind="explode")


def test_contents_symlink_submodule_and_concurrency(gh: FakeGitHub) -> None:
    sub = "a" * 40
    files = {**FILES, "link": b"README.md", "vendor/lib": sub.encode()}
    repo = gh.add_repo("acme", "ledger", files, modes={"link": "120000", "vendor/lib": "160000"})
    tree = fetch(f"{gh.url}/repos/acme/ledger/git/trees/main?recursive=1", AUTH).json()
    kinds = {e["path"]: (e["mode"], e["type"]) for e in tree["tree"]}
    assert kinds["link"] == ("120000", "blob") and kinds["vendor/lib"] == ("160000", "commit")
    content = fetch(f"{gh.url}/repos/acme/ledger/contents/src/ledger/core.py", AUTH).json()
    assert base64.b64decode(content["content"]) == FILES["src/ledger/core.py"]
    assert fetch(content["download_url"]).body == FILES["src/ledger/core.py"]
    listing = fetch(f"{gh.url}/repos/acme/ledger/contents/", AUTH).json()
    assert {e["name"]: e["type"] for e in listing}["link"] == "symlink"
    tarball = fetch(fetch(f"{gh.url}/repos/acme/ledger/tarball/main", AUTH).headers["location"])
    with tarfile.open(fileobj=io.BytesIO(tarball.body), mode="r:gz") as tar:
        top = f"acme-ledger-{repo.commit_sha[:7]}"
        assert tar.getmember(f"{top}/link").issym()
        assert tar.getmember(f"{top}/vendor/lib").isdir()
    results: list[int] = []
    workers = [
        threading.Thread(
            target=lambda: results.append(fetch(f"{gh.url}/repos/acme/ledger", AUTH).status)
        )
        for _ in range(20)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [200] * 20


def test_rename_and_dmca_block(gh: FakeGitHub) -> None:
    repo = gh.add_repo("acme", "ledger", FILES)
    gh.rename_repo("acme", "ledger", "acme", "books")
    moved = fetch(f"{gh.url}/repos/acme/ledger", AUTH)
    assert moved.status == 301
    assert moved.headers["location"] == f"{gh.url}/repositories/{repo.id}"
    assert fetch(moved.headers["location"], AUTH).json()["full_name"] == "acme/books"
    gh.block_repo("acme", "books")
    blocked = fetch(f"{gh.url}/repos/acme/books", AUTH)
    assert blocked.status == 451 and blocked.json()["block"]["reason"] == "dmca"


def test_registry_npm(registry: FakeRegistry) -> None:
    plain = registry.add_npm("left-pad", "1.3.0", {"index.js": b"module.exports = 1;\n"})
    scoped = registry.add_npm("@acme/ledger", "2.0.0", {"lib/core.js": b"// LEDGER\n"})
    doc = fetch(f"{registry.url}/left-pad").json()
    assert doc["dist-tags"]["latest"] == "1.3.0"
    dist = doc["versions"]["1.3.0"]["dist"]
    assert dist["tarball"] == plain.url == f"{registry.url}/left-pad/-/left-pad-1.3.0.tgz"
    tgz = fetch(dist["tarball"]).body
    assert hashlib.sha1(tgz).hexdigest() == dist["shasum"]
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        assert sorted(tar.getnames()) == ["package/index.js", "package/package.json"]
    for path in ("/@acme/ledger", "/@acme%2fledger", "/@acme%2Fledger"):
        scoped_doc = fetch(registry.url + path).json()
        assert scoped_doc["versions"]["2.0.0"]["dist"]["tarball"] == scoped.url
    assert scoped.url.endswith("/@acme/ledger/-/ledger-2.0.0.tgz")
    assert fetch(scoped.url).body == scoped.data
    assert fetch(f"{registry.url}/left-pad/latest").json()["version"] == "1.3.0"
    assert fetch(f"{registry.url}/nope").status == 404


def test_registry_pypi_raw_and_faults(registry: FakeRegistry) -> None:
    registry.add_pypi("Ledger_Tools", "0.9", {"ledger/__init__.py": b"OLD = 1\n"})
    new = registry.add_pypi("Ledger_Tools", "1.0", {"ledger/__init__.py": b"SECRET = 1\n"})
    project = fetch(f"{registry.url}/pypi/ledger-tools/json").json()
    assert project["info"]["version"] == "1.0" and set(project["releases"]) == {"0.9", "1.0"}
    (sdist,) = project["urls"]
    assert sdist["packagetype"] == "sdist" and sdist["filename"] == "Ledger_Tools-1.0.tar.gz"
    data = fetch(sdist["url"]).body
    assert hashlib.sha256(data).hexdigest() == sdist["digests"]["sha256"] == new.sha256
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = tar.getnames()
    assert sorted(names) == ["Ledger_Tools-1.0/PKG-INFO", "Ledger_Tools-1.0/ledger/__init__.py"]
    old = fetch(f"{registry.url}/pypi/Ledger_Tools/0.9/json").json()
    assert old["info"]["version"] == "0.9" and "releases" not in old
    assert fetch(f"{registry.url}/pypi/ledger-tools/7.0/json").status == 404

    hostile = gzip.compress(b"not a tar at all")
    url = registry.add_raw("/evil/x.tar.gz", hostile, "application/gzip")
    assert fetch(url).body == hostile
    registry.faults.add(path_regex=r"/pypi/", kind="503", times=1)
    assert fetch(f"{registry.url}/pypi/ledger-tools/json").status == 503
    assert registry.requests[-1]["fault"] == "503"
    registry.faults.add(path_regex=r"\.tar\.gz$", kind="reset", times=1)
    with pytest.raises(http.client.IncompleteRead):
        fetch(f"{registry.url}{quote(new.path)}")
