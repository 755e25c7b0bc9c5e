"""Malformed API answers are checked at the boundary: one problem line for the candidate, which
is then ``incomplete`` (exit 3), or one error line for a listing; the rest of the run goes on
(issue 11, row 7). Also what ``Http`` refuses: non-JSON, huge and deeply nested bodies."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.http import FetchError, Http, Policy
from scanner.sources.answers import AnswerError
from scanner.sources.github import GitHubAPI
from tests.conftest import one_commit_clear
from tests.servers import FakeGitHub, FakeRegistry

runner = CliRunner()
TOKEN = "ghp_" + "h0st1le" * 5
PRIVATE_CODE = "".join(
    f"def settle_{i}(ledger, entry):\n    total = ledger.balance(entry) * {i}\n"
    f"    return ledger.post(entry, total - {i})\n\n"
    for i in range(40)
)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("private")
    (folder / "ledger.py").write_text(PRIVATE_CODE)
    db = folder / "store.db"
    done = runner.invoke(app, ["fingerprint", str(folder), "--store", str(db)])
    assert done.exit_code == 0, done.output
    return db


def scan(store: Path, tmp_path: Path, gh_or_registry: Any, *args: str) -> tuple[Any, dict]:
    report = tmp_path / "report.json"
    urls = ["--api-url", gh_or_registry.url, "--npm-registry", gh_or_registry.url,
            "--pypi-url", gh_or_registry.url]  # fmt: skip
    done = runner.invoke(app, ["scan", *args, "--store", str(store), *urls, "--results",
                               str(tmp_path / "results.db"), "--json", str(report)],
                         env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
    data = json.loads(report.read_text()) if report.exists() else {}
    return done, {c["target"]: c for c in data.get("candidates", [])}


def add_repos(gh: FakeGitHub) -> None:
    gh.add_repo("acme", "app", {"app.py": "def main():\n    return 1\n", "lib/x.py": "X = 2\n"})
    gh.add_repo("other", "fine", {"fine.py": "print('fine')\n"})


# One entry per endpoint a repository candidate reads: (path, malformed body, what the line says).
REPO_ANSWERS = {
    "repo is an array": (r"^/repos/acme/app$", [], "answer should be an object, not an array"),
    "repo without owner": (
        r"^/repos/acme/app$",
        {"full_name": "acme/app", "name": "app"},
        "owner should be an object, not null",
    ),
    "branch is a number": (
        r"^/repos/acme/app$",
        {"full_name": "acme/app", "name": "app", "owner": {"login": "acme"}, "default_branch": 7},
        "default_branch should be a non-empty string",
    ),
    "tree sha is a number": (
        r"^/repos/acme/app/git/trees/",
        {"sha": 5, "tree": []},
        "sha should be a 40- or 64-digit hex object id, not a number",
    ),
    "tree entry is an array": (
        r"^/repos/acme/app/git/trees/",
        {"sha": "a" * 40, "tree": [[]]},
        "tree[0] should be an object, not an array",
    ),
    "tree entry sha walks up": (
        r"^/repos/acme/app/git/trees/",
        {"sha": "a" * 40, "tree": [{"path": "a.py", "type": "blob", "sha": "../../x"}]},
        "tree[0].sha should be a 40- or 64-digit hex object id",
    ),
    "tree is not JSON": (
        r"^/repos/acme/app/git/trees/",
        b"<html>proxy error</html>",
        "answer is not JSON",
    ),
    "tree nests too deeply": (
        r"^/repos/acme/app/git/trees/",
        b"[" * 200_000,
        "answer nests too deeply",
    ),
    "blob content is a number": (
        r"^/repos/acme/app/git/blobs/",
        {"content": 7, "encoding": "base64"},
        "content should be a string, not a number",
    ),
    "blob is not base64": (
        r"^/repos/acme/app/git/blobs/",
        {"content": "a", "encoding": "base64"},
        "content is not base64",
    ),
    "blob of other content": (
        r"^/repos/acme/app/git/blobs/",
        {"content": "eCA9IDEK", "encoding": "base64"},
        "content does not hash to blob",
    ),
}


@pytest.mark.parametrize("case", list(REPO_ANSWERS))
def test_a_malformed_github_answer_is_one_line_and_the_run_goes_on(store, tmp_path, case):
    path, body, says = REPO_ANSWERS[case]
    with FakeGitHub(token=TOKEN) as gh:
        add_repos(gh)
        gh.faults.add(path_regex=path, kind="body", body=body, times=None)
        done, found = scan(store, tmp_path, gh, "github:acme/app", "github:other/fine@main")
    assert done.exit_code == 3, done.output
    assert found["github:acme/app"]["verdict"] == "incomplete"
    assert one_commit_clear(found["github:other/fine@main"])  # the run went on
    lines = [
        line for line in done.stderr.splitlines() if "malformed answer" in line or says in line
    ]
    assert lines and all(line.startswith("leaktrace: github:acme/app") for line in lines)
    assert says in "\n".join(lines), done.stderr
    assert "Traceback" not in done.output and TOKEN not in done.output + done.stderr


def test_a_malformed_commit_answer_only_loses_the_permanent_link():
    with FakeGitHub(token=TOKEN) as gh:
        add_repos(gh)
        http = Http(httpx.Client(), token=TOKEN, api_url=gh.url)
        api = GitHubAPI(http, gh.url)
        gh.faults.add(path_regex=r"/commits/", kind="body", body={"sha": ["x"]})
        gh.faults.add(path_regex=r"/branches/", kind="body", body={"commit": "nope"})
        assert api.commit("acme", "app", "main") is None
        assert api.commit("acme", "app", "main") == gh.repo("acme", "app").commit_sha
        http.client.close()


def real_answer(gh: FakeGitHub, path: str) -> Any:
    return httpx.get(f"{gh.url}{path}", headers={"Authorization": f"Bearer {TOKEN}"}).json()


def test_a_malformed_fork_is_skipped_with_a_line_and_the_network_goes_on(store, tmp_path):
    with FakeGitHub(token=TOKEN) as gh:
        add_repos(gh)
        for i in range(3):
            gh.add_repo(f"user{i}", "app", {"app.py": "def main():\n    return 1\n"},
                        fork_of=("acme", "app"))  # fmt: skip
        page = real_answer(gh, "/repos/acme/app/forks?sort=oldest")
        page[1]["full_name"] = "user1/app@evil"  # would smuggle a ref into the target
        page[2]["owner"] = ["user2"]
        gh.faults.add(path_regex=r"^/repos/acme/app/forks$", kind="body", body=page)
        done, found = scan(store, tmp_path, gh, "--forks", "acme/app")
    assert done.exit_code == 3, done.output
    assert one_commit_clear(found["github:user0/app@main"])
    listing = found["forks:acme/app"]
    assert listing["verdict"] == "incomplete" and listing["kind"] == "github"
    assert len(listing["unread"]) == 2 and len(found) == 2
    assert "answer[1].full_name should be OWNER/NAME, not a string" in done.stderr
    assert "answer[2].owner should be an object, not an array" in done.stderr
    assert all(line.startswith("leaktrace: forks:acme/app: ") for line in done.stderr.splitlines()
               if "malformed answer" in line)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "path", "body", "says"),
    [
        (["--forks", "acme/app"], r"/forks$", {"message": "not a list"},
         "answer should be an array, not an object"),
        (["--github-search", "main"], r"^/search/code", {"items": [{"repository": []}]},
         "items[0].repository should be an object, not an array"),
        (["--github-repos", "app"], r"^/search/repositories", {"items": "many"},
         "items should be an array, not a string"),
        (["--github-repos", "app"], r"^/search/repositories", b"\x1f\x8b not json",
         "answer is not JSON"),
    ],
)  # fmt: skip
def test_a_malformed_listing_is_one_line_and_the_run_goes_on(store, tmp_path, args, path, body,
                                                             says):  # fmt: skip
    with FakeGitHub(token=TOKEN) as gh:
        add_repos(gh)
        gh.faults.add(path_regex=path, kind="body", body=body, times=None)
        done, found = scan(store, tmp_path, gh, "github:other/fine@main", *args)
    assert done.exit_code == 3, done.output
    assert one_commit_clear(found["github:other/fine@main"])
    name = {"--forks": "forks:", "--github-search": "github-search:",
            "--github-repos": "github-repos:"}[args[0]] + args[1]  # fmt: skip
    assert found[name]["verdict"] == "incomplete"
    assert f"leaktrace: {name}: " in done.stderr and says in done.stderr, done.stderr


REGISTRY_ANSWERS = {
    "packument is an array": (
        "npm:pkg@1.0.0",
        r"^/pkg$",
        [],
        "answer should be an object, not an array",
    ),
    "version doc without dist": (
        "npm:pkg@1.0.0",
        r"^/pkg$",
        {"versions": {"1.0.0": {}}},
        "versions.1.0.0.dist should be an object, not null",
    ),
    "tarball is a number": (
        "npm:pkg",
        r"^/pkg$",
        {"dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {"dist": {"tarball": 5}}}},
        "versions.1.0.0.dist.tarball should be a non-empty string",
    ),
    "tarball is a local file": (
        "npm:pkg@1.0.0",
        r"^/pkg$",
        {"versions": {"1.0.0": {"dist": {"tarball": "file:///etc/x"}}}},
        "tarball should be an http(s) URL",
    ),
    "pypi urls is an object": (
        "pypi:proj==1.0",
        r"/pypi/",
        {"info": {}, "urls": {}},
        "urls should be an array, not an object",
    ),
    "pypi file url is null": (
        "pypi:proj==1.0",
        r"/pypi/",
        {"urls": [{"packagetype": "sdist", "url": None}]},
        "urls[0].url should be a non-empty string, not null",
    ),
    "pypi version is a number": (
        "pypi:proj",
        r"/pypi/",
        {"info": {"version": 1.0}, "urls": []},
        "info.version should be a non-empty string, not a number",
    ),
}


@pytest.mark.parametrize("case", list(REGISTRY_ANSWERS))
def test_a_malformed_registry_answer_is_one_line_and_the_run_goes_on(store, tmp_path, case):
    target, path, body, says = REGISTRY_ANSWERS[case]
    with FakeRegistry() as registry:
        registry.add_npm("pkg", "1.0.0", {"index.js": "module.exports = 1;\n"})
        registry.add_npm("fine", "1.0.0", {"index.js": "module.exports = 2;\n"})
        registry.add_pypi("proj", "1.0", {"proj/__init__.py": "X = 1\n"})
        registry.faults.add(path_regex=path, kind="body", body=body, times=None)
        done, found = scan(store, tmp_path, registry, target, "npm:fine@1.0.0")
    assert done.exit_code == 3, done.output
    assert found[target]["verdict"] == "incomplete"
    assert found["npm:fine@1.0.0"]["verdict"] == "clear"
    assert f"leaktrace: {target}: " in done.stderr and says in done.stderr, done.stderr


def test_http_refuses_huge_deep_undecodable_and_non_json_answers():
    with FakeRegistry() as server:
        server.add_raw("/big", b'{"a": "' + b"x" * 20_000 + b'"}', "application/json")
        server.add_raw("/deep", b"[" * 5000 + b"]" * 5000, "application/json")
        server.add_raw("/html", b"<html>", "text/html")
        server.add_raw("/ok", b'{"a": 1}', "application/json")
        client = httpx.Client()
        http = Http(client, policy=Policy(max_json_bytes=16_384, max_retries=0))
        with pytest.raises(FetchError, match=r"/big: answer larger than 16,384 bytes; refused"):
            http.get_json(f"{server.url}/big")
        with pytest.raises(FetchError, match=r"/deep: answer nests too deeply; refused"):
            http.get_json(f"{server.url}/deep")
        with pytest.raises(FetchError, match=r"/html: answer is not JSON"):
            http.get_json(f"{server.url}/html")
        assert http.get_json(f"{server.url}/ok") == {"a": 1}
        client.close()


def test_a_corrupt_gzip_answer_is_refused_not_a_crash():
    def corrupt(request: httpx.Request) -> httpx.Response:
        body = gzip.compress(b'{"a": 1}')[:-6] + b"broken"
        return httpx.Response(200, headers={"content-encoding": "gzip"}, content=body)

    http = Http(httpx.Client(transport=httpx.MockTransport(corrupt)), policy=Policy(max_retries=0))
    with pytest.raises(FetchError, match="cannot be fetched"):
        http.get_json("https://api.example/x")
    with pytest.raises(FetchError, match="cannot be fetched"):
        http.download("https://api.example/x", 1000)


def test_answer_error_is_a_fetch_error():
    assert issubclass(AnswerError, FetchError)


def test_a_fork_whose_forks_cannot_be_listed_does_not_end_the_network(store, tmp_path):
    with FakeGitHub(token=TOKEN) as gh:
        add_repos(gh)
        for owner, parent in (("a", "acme"), ("b", "acme"), ("c", "a"), ("d", "b")):
            gh.add_repo(owner, "app", {"app.py": "def main():\n    return 1\n"},
                        fork_of=(parent, "app"))  # fmt: skip
        gh.faults.add(path_regex=r"^/repos/a/app/forks$", kind="body", body="nope", times=None)
        done, found = scan(store, tmp_path, gh, "--forks", "acme/app")
    assert done.exit_code == 3, done.output
    assert {t for t, c in found.items() if one_commit_clear(c)} == {
        "github:a/app@main",
        "github:b/app@main",
        "github:d/app@main",
    }  # c/app, below the fork that could not be listed, is what is missing: said below
    assert found["forks:acme/app"]["verdict"] == "incomplete"
    assert "/repos/a/app/forks: malformed answer: answer should be an array" in done.stderr
