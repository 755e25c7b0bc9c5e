"""``scan --history`` and ``@REF`` pins on real git repositories made here: a leak committed then
deleted, leaks only on a branch or in a tag, commit SHAs, bad refs, and GitHub repositories and
fork networks cloned over git's smart HTTP protocol from a server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import zipfile
import zlib
from hashlib import sha1, sha256
from itertools import count
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fingerprints import printable
from scanner.cli import app
from scanner.http import Http
from scanner.sources import Limits
from scanner.sources.git import GitRepo
from scanner.sources.local import LocalTree
from tests.conftest import SAMPLES, UNREAD_HISTORY
from tests.servers import FakeGitHub, FakeRegistry
from tests.servers.git_http import GitHTTPServer

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
PUBLIC = SAMPLES / "public" / "acme-pay-sdk"
LEAKED = (PRIVATE / "acme_ledger" / "reconciliation.py").read_bytes()
OTHER_LEAK = (PRIVATE / "services" / "settlement" / "export.go").read_bytes()
_clock = count(1_700_000_000, 3600)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC),
                               "--store", str(db)])  # fmt: skip
    assert done.exit_code == 0, done.output
    return db


def git(repo: Path, *args: str) -> str:
    stamp = f"@{next(_clock)} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c",
                           "user.email=t@example.com", *args], env=env, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, bytes], message: str, remove: tuple[str, ...] = ()) -> str:
    for name, data in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    for name in remove:
        (repo / name).unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    commit(path, {"app.py": b"def main():\n    print('hello')\n"}, "start")
    return path


def deleted_leak(path: Path) -> tuple[Path, str]:
    """A repository whose tip deleted a private file; the commit that added it."""
    repo = new_repo(path)
    leak = commit(repo, {"lib/recon.py": LEAKED}, "add reconciliation")
    commit(repo, {}, "remove it", remove=("lib/recon.py",))
    return repo, leak


def scan(store: Path, tmp: Path, *args: str) -> tuple[int, dict]:
    out = tmp / f"report-{next(_clock)}.json"
    done = runner.invoke(app, ["scan", *args, "--store", str(store), "--results",
                               str(tmp / "results.db"), "--json", str(out)])  # fmt: skip
    assert done.exit_code in (0, 1, 3), done.output  # 3: incomplete, once that verdict exists
    assert out.exists(), done.output
    return done.exit_code, json.loads(out.read_text())


def test_a_deleted_leak_is_found_in_history_only(store, tmp_path):
    repo, leak = deleted_leak(tmp_path / "repo")
    for target in (str(repo), f"file://{repo}"):
        _, plain = scan(store, tmp_path, target)
        assert plain["candidates"][0]["verdict"] != "derivative"
        code, report = scan(store, tmp_path, target, "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"], candidate["partial"]) == (1, "derivative", False)
        assert candidate["revision"] == git(repo, "rev-parse", "HEAD")
        [pair] = candidate["files"]
        assert pair["candidate_path"] == f"lib/recon.py@{leak[:12]}"
        history = pair["history"]
        assert history["at_tip"] is False and history["commits"] == 1
        assert [(s["commit"], s["path"]) for s in history["seen"]] == [(leak, "lib/recon.py")]
        assert history["seen"][0]["date"].endswith("+00:00")
        assert history["blob"] == git(repo, "rev-parse", f"{leak}:lib/recon.py")


def test_an_abbreviated_sha_pins_a_commit(store, tmp_path):
    repo, leak = deleted_leak(tmp_path / "repo")
    for target in (f"file://{repo}@{leak[:7]}", f"{repo}@{leak[:9]}", f"file://{repo}@{leak}"):
        code, report = scan(store, tmp_path, target)
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"]) == (1, "derivative"), target
        assert candidate["revision"] == leak
        assert [f["candidate_path"] for f in candidate["files"]] == ["lib/recon.py"]
    _, report = scan(store, tmp_path, f"file://{repo}@main")
    assert report["candidates"][0]["verdict"] != "derivative"


def test_leaks_only_on_a_branch_or_in_a_tag_are_found_with_history(store, tmp_path):
    repo = new_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "-b", "wip")
    on_branch = commit(repo, {"lib/recon.py": LEAKED}, "wip")
    git(repo, "checkout", "-q", "-b", "gone", "main")
    in_tag = commit(repo, {"export.go": OTHER_LEAK}, "tagged only")
    git(repo, "tag", "-a", "v0.1", "-m", "release")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "gone")
    _, plain = scan(store, tmp_path, f"file://{repo}")
    assert plain["candidates"][0]["verdict"] != "derivative"
    for target in (f"file://{repo}", str(repo)):  # branches and tags; every ref on disk
        code, report = scan(store, tmp_path, target, "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"]) == (1, "derivative")
        found = {f["candidate_path"]: f["history"] for f in candidate["files"]}
        assert set(found) == {f"lib/recon.py@{on_branch[:12]}", f"export.go@{in_tag[:12]}"}
        assert found[f"lib/recon.py@{on_branch[:12]}"]["at_tip"] is True  # the tip of wip
        assert found[f"export.go@{in_tag[:12]}"]["at_tip"] is False  # only a tag holds it
    # @REF with --history walks that ref's history only
    _, report = scan(store, tmp_path, f"file://{repo}@v0.1", "--history")
    [candidate] = report["candidates"]
    assert [f["candidate_path"] for f in candidate["files"]] == ["export.go"]
    assert candidate["files"][0]["history"]["at_tip"] is True


def test_a_git_url_scanned_without_its_history_is_not_clear(store, tmp_path):
    """One commit of a repository is read without ``--history``: a leak committed then
    removed is in the others, so the URL is ``incomplete`` with one line saying how to read
    them; ``--history`` finds it. A commit SHA names all it asks for: no such line."""
    repo, leak = deleted_leak(tmp_path / "repo")
    for target in (f"file://{repo}", f"file://{repo}@main"):
        code, report = scan(store, tmp_path, target)
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"], candidate["complete"]) == (3, "incomplete", False)
        [line] = candidate["unread"]
        assert line["path"] == "" and "scan --history reads it" in line["message"], line
    code, report = scan(store, tmp_path, f"file://{repo}", "--history")
    assert (code, report["candidates"][0]["verdict"]) == (1, "derivative")
    code, report = scan(store, tmp_path, f"file://{repo}@{leak}")
    assert report["candidates"][0]["unread"] == []


@pytest.mark.parametrize("ref", ["no-such-branch", "deadbeef", "0" * 40])
def test_a_bad_ref_is_a_problem_line(store, tmp_path, ref):
    repo, _ = deleted_leak(tmp_path / "repo")
    for history in ((), ("--history",)):
        _, report = scan(store, tmp_path, f"file://{repo}@{ref}", *history)
        [candidate] = report["candidates"]
        assert candidate["partial"] is True and candidate["verdict"] != "derivative"
        [problem] = candidate["problems"]
        assert problem["path"] == "" and ref in problem["message"], problem


def test_history_respects_the_caps(tmp_path):
    repo, _ = deleted_leak(tmp_path / "repo")
    candidate = GitRepo(str(repo), history=True, limits=Limits(max_files=1))
    files = list(candidate.iter_files())
    assert len(files) == 1
    assert any("more than 1 files" in p.message and p.partial for p in candidate.problems)
    candidate = GitRepo(str(repo), history=True, limits=Limits(max_read_bytes=1000))
    assert [f.path for f in candidate.iter_files()] == ["app.py"]
    assert any("over max_read_bytes" in p.message and p.partial for p in candidate.problems)


def bare(path: Path, source: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--bare", "--no-local", str(source), str(path)],
                   check=True, capture_output=True)  # fmt: skip
    return path


def test_a_github_repository_is_cloned_from_its_clone_url(store, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    source, leak = deleted_leak(tmp_path / "work")
    served = tmp_path / "served"
    bare(served / "someone" / "tools.git", source)
    with GitHTTPServer(served) as git_server, FakeGitHub(token="t0ken") as gh:
        gh.html_base = git_server.url  # clone_url: http://127.0.0.1:PORT/someone/tools.git
        gh.add_repo("someone", "tools", {"app.py": b"def main():\n    print('hello')\n"})
        code, report = scan(store, tmp_path, "github:someone/tools", "--history",
                            "--api-url", gh.url)  # fmt: skip
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"], candidate["kind"]) == (1, "derivative", "github")
        [pair] = candidate["files"]
        assert pair["history"]["seen"][0]["commit"] == leak
        assert pair["fragments"][0]["link"].startswith(
            f"https://github.com/someone/tools/blob/{leak}/lib/recon.py#L"
        )
        # the token goes to the API; git's host is plain http on another port: never to it
        assert git_server.requests and not any(r["authorization"] for r in git_server.requests)


def test_a_github_repository_read_through_the_api_without_its_history_is_not_clear(store, tmp_path):
    """A ``github:`` target without ``--history`` is one commit's tree, read through the API,
    as a git URL without it is one commit: a leak committed then deleted is in the others, so
    it is ``incomplete`` with the same line (exit 3); a fork network's forks too. ``--history``
    finds the leak; a commit SHA names all it asks for: no line, ``clear``. Before, each came
    out ``clear``, exit 0."""
    source, _ = deleted_leak(tmp_path / "work")
    served = tmp_path / "served"
    bare(served / "someone" / "tools.git", source)
    with GitHTTPServer(served) as git_server, FakeGitHub() as gh:
        gh.html_base = git_server.url
        tools = gh.add_repo("someone", "tools", {"app.py": b"def main():\n    print('hello')\n"})
        gh.add_repo("other", "tools", {"app.py": b"x = 1\n"}, fork_of=("someone", "tools"))
        for target in ("github:someone/tools", "github:someone/tools@main",
                       "https://github.com/someone/tools/tree/main"):  # fmt: skip
            code, report = scan(store, tmp_path, target, "--api-url", gh.url)
            [candidate] = report["candidates"]
            assert (code, candidate["verdict"], candidate["kind"]) == (3, "incomplete", "github")
            assert unread(candidate) == {"": UNREAD_HISTORY}, candidate["unread"]
        code, report = scan(store, tmp_path, "--forks", "someone/tools", "--api-url", gh.url)
        assert code == 3 and [unread(c) for c in report["candidates"]] == [{"": UNREAD_HISTORY}]
        code, report = scan(store, tmp_path, f"github:someone/tools@{tools.commit_sha}",
                            "--api-url", gh.url)  # fmt: skip
        assert (code, report["candidates"][0]["verdict"]) == (0, "clear")
        assert report["candidates"][0]["unread"] == []
        code, report = scan(store, tmp_path, "github:someone/tools", "--history",
                            "--api-url", gh.url)  # fmt: skip
        assert (code, report["candidates"][0]["verdict"]) == (1, "derivative")


def test_the_token_goes_only_to_the_api_host_over_https():
    http = Http(None, token="s3cret", api_url="https://api.github.com")  # type: ignore[arg-type]
    assert http.git_header("https://github.com/o/r.git") is not None
    assert "s3cret" not in (http.git_header("https://github.com/o/r.git") or "")
    for url in ("http://github.com/o/r.git", "https://evil.example/o/r.git",
                "https://gist.github.com/o/r.git", "git@github.com:o/r.git"):  # fmt: skip
        assert http.git_header(url) is None, url
    ghe = Http(None, token="s3cret", api_url="https://ghe.example/api/v3")  # type: ignore[arg-type]
    assert ghe.git_header("https://ghe.example/o/r.git") is not None
    assert (
        Http(None, api_url="https://api.github.com").git_header(  # type: ignore[arg-type]
            "https://github.com/o/r.git"
        )
        is None
    )


def test_a_fork_network_shares_one_object_store(store, tmp_path):
    base = new_repo(tmp_path / "work" / "base")
    library = {f"pkg/m{i}.py": "".join(f"K{j} = '{sha256(f'{i}-{j}'.encode()).hexdigest()}'\n"
                                       for j in range(60)).encode() for i in range(30)}  # fmt: skip
    commit(base, library, "a library")
    served = tmp_path / "served"
    bare(served / "acme" / "sdk.git", base)
    leaks = {}
    for i in range(4):
        fork = tmp_path / "work" / f"fork{i}"
        subprocess.run(["git", "clone", "-q", str(base), str(fork)], check=True)
        commit(fork, {"NOTES.py": f"NOTE = {i}\n".encode()}, f"fork {i}")
        if i == 2:
            leaks[i] = commit(fork, {"lib/recon.py": LEAKED}, "oops")
            commit(fork, {}, "removed", remove=("lib/recon.py",))
        bare(served / f"user{i}" / "sdk.git", fork)
    with GitHTTPServer(served) as git_server, FakeGitHub() as gh:
        gh.html_base = git_server.url
        gh.add_repo("acme", "sdk", {"app.py": b"x = 1\n"})
        for i in range(4):
            gh.add_repo(f"user{i}", "sdk", {"app.py": f"x = {i}\n".encode()},
                        fork_of=("acme", "sdk"))  # fmt: skip
        code, report = scan(store, tmp_path, "github:acme/sdk", "--forks", "acme/sdk",
                            "--history", "--api-url", gh.url)  # fmt: skip
    verdicts = {c["target"]: c["verdict"] for c in report["candidates"]}
    assert code == 1
    assert verdicts.pop("github:user2/sdk") == "derivative"
    assert set(verdicts.values()) == {"clear"} and len(verdicts) == 4
    packs = {}
    for request in git_server.requests:
        if request["method"] == "POST":
            owner = request["path"].split("/")[1]
            packs[owner] = packs.get(owner, 0) + request["bytes"]
    # the first repository brings the library; each fork then brings only its own commits
    assert all(packs[f"user{i}"] * 20 < packs["acme"] for i in (0, 1, 3)), packs
    assert packs["user2"] * 5 < packs["acme"], packs  # its own commits carry the leak


def unread(candidate: dict) -> dict[str, str]:
    return {u["path"]: u["message"] for u in candidate["unread"]}


DANGLING = ("blob(s) in the repository that no commit, reflog or index reaches (dangling) "
            "and that no tree names: no language to read them as (no #! line, no archive): "
            "not read")  # fmt: skip


def test_a_scanned_folders_repository_is_unread_without_history_and_read_with_it(store, tmp_path):
    """A clone is not ``clear`` while its history is unread: a leak committed then deleted is
    ``incomplete`` (exit 3) without ``--history``, ``derivative`` with it; a clean repository is
    ``incomplete`` without, ``clear`` (exit 0) with."""
    leaky, _ = deleted_leak(tmp_path / "leaky")
    clean = new_repo(tmp_path / "clean")
    commit(clean, {"lib/util.py": b"def twice(x):\n    return 2 * x\n"}, "more")
    for repo, found in ((leaky, (1, "derivative")), (clean, (0, "clear"))):
        code, report = scan(store, tmp_path, str(repo))
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"]) == (3, "incomplete")
        assert unread(candidate) == {".git/": UNREAD_HISTORY}
        code, report = scan(store, tmp_path, str(repo), "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"]) == found
        assert candidate["unread"] == [] and candidate["partial"] is False
        assert candidate["revision"] == git(repo, "rev-parse", "HEAD")
    done = runner.invoke(app, ["scan", str(leaky), "--store", str(store), "--results",
                               str(tmp_path / "results.db")])  # fmt: skip
    assert done.exit_code == 3
    assert f"{leaky}:.git/: {UNREAD_HISTORY}" in " ".join(done.output.split())


def test_with_history_a_folder_is_its_working_tree_and_every_repository_in_it(store, tmp_path):
    """``--history`` on a folder reads its working tree (an uncommitted leak is found) and the
    history of its own repository and of one nested in it; a content the working tree holds is
    read once, and a tip file changed in the working tree keeps both versions apart."""
    outer = new_repo(tmp_path / "outer")
    commit(outer, {"lib/recon.py": b"def settle():\n    return 0\n"}, "a stub")
    (outer / "lib" / "recon.py").write_bytes(LEAKED)  # changed, never committed
    _, leak = deleted_leak(outer / "vendor" / "tool")
    code, report = scan(store, tmp_path, str(outer))
    [candidate] = report["candidates"]
    assert (code, candidate["verdict"]) == (1, "derivative")  # the working tree's leak
    assert unread(candidate) == {".git/": UNREAD_HISTORY, "vendor/tool/.git/": UNREAD_HISTORY}
    code, report = scan(store, tmp_path, str(outer), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["verdict"], candidate["unread"]) == (1, "derivative", [])
    found = {f["candidate_path"]: f.get("history") for f in candidate["files"]}
    assert set(found) == {"lib/recon.py", f"vendor/tool/lib/recon.py@{leak[:12]}"}
    assert found["lib/recon.py"] is None  # the working tree's, in no commit
    history = found[f"vendor/tool/lib/recon.py@{leak[:12]}"]
    assert history["at_tip"] is False and [s["commit"] for s in history["seen"]] == [leak]
    assert candidate["revision"] == git(outer, "rev-parse", "HEAD")
    # each content once: the stub at the tip is also read (under PATH@COMMIT, since the working
    # tree's lib/recon.py differs), app.py only from the working trees
    stub = git(outer, "rev-parse", "HEAD")[:12]
    assert candidate["scanned"]["files"] == 5, candidate["scanned"]  # 2 app.py, stub, 2 leaks
    assert f"lib/recon.py@{stub}" not in found  # read, but it matches nothing


def test_mercurial_subversion_and_outside_git_links_are_always_unread(store, tmp_path):
    """What leaktrace cannot read is named, with or without ``--history``: ``.hg``/``.svn``
    folders and a ``.git`` file (a worktree's) naming a git folder outside the scanned one."""
    repo = new_repo(tmp_path / "repo")
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    for name in ("docs/.hg", "tools/.svn", "lib/.bzr"):
        (linked / name).mkdir(parents=True)
        (linked / name / "store.py").write_bytes(LEAKED)  # metadata, never read as files
    for history in ((), ("--history",)):
        code, report = scan(store, tmp_path, str(linked), *history)
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"]) == (3, "incomplete"), history
        assert unread(candidate) == {
            ".git": "git folder linked (a worktree's or submodule's gitdir, or its commondir) to "
            "one outside the folder, or missing: its history is not read",
            "docs/.hg/": "Mercurial metadata: leaktrace does not read its history; not read",
            "tools/.svn/": "Subversion metadata: leaktrace does not read its history; not read",
            "lib/.bzr/": "Bazaar metadata: leaktrace does not read its history; not read",
        }


def test_a_submodules_history_is_read_with_history(store, tmp_path):
    """A ``.git`` file naming a git folder inside the scanned folder (a submodule's, under the
    superproject's ``.git/modules``) is that repository: unread without ``--history``, its
    history read with it."""
    sub, leak = deleted_leak(tmp_path / "sub")
    outer = new_repo(tmp_path / "outer")
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    git(outer, "commit", "-qm", "add the submodule")
    assert (outer / "sub" / ".git").is_file()
    code, report = scan(store, tmp_path, str(outer))
    [candidate] = report["candidates"]
    assert (code, unread(candidate)) == (3, {".git/": UNREAD_HISTORY, "sub/.git": UNREAD_HISTORY})
    code, report = scan(store, tmp_path, str(outer), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["verdict"], candidate["unread"]) == (1, "derivative", [])
    assert [f["candidate_path"] for f in candidate["files"]] == [f"sub/lib/recon.py@{leak[:12]}"]


def test_a_deinitialised_submodules_history_is_still_read(store, tmp_path):
    """``git submodule deinit`` empties the submodule's folder but keeps its history in
    ``.git/modules/sub``: that git folder is a repository, unread without ``--history``, its
    history read with it (named where it is)."""
    sub, leak = deleted_leak(tmp_path / "sub")
    outer = new_repo(tmp_path / "outer")
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    git(outer, "commit", "-qm", "add the submodule")
    git(outer, "submodule", "deinit", "-q", "-f", "sub")
    assert not (outer / "sub" / ".git").exists() and (outer / ".git" / "modules" / "sub").is_dir()
    code, report = scan(store, tmp_path, str(outer))
    assert (code, unread(report["candidates"][0])) == (3, {
        ".git/": UNREAD_HISTORY,
        ".git/modules/sub/": UNREAD_HISTORY.replace("git repository", "a submodule's git folder"),
    })  # fmt: skip
    code, report = scan(store, tmp_path, str(outer), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["verdict"], candidate["unread"]) == (1, "derivative", [])
    assert [f["candidate_path"] for f in candidate["files"]] == [
        f".git/modules/sub/lib/recon.py@{leak[:12]}"]  # fmt: skip


def test_hooks_info_files_and_lfs_objects_in_the_git_folder_are_read_or_named(store, tmp_path):
    """A hook installed by hand or a file put in ``.git/info/`` (or in a folder there) is in
    no commit but published with the folder: read as any file is (git's samples and own files
    are not); Git LFS objects (file contents kept outside the history) are named unread."""
    repo = new_repo(tmp_path / "repo")
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert (code, report["candidates"][0]["unread"]) == (0, [])  # git init's samples, exclude
    (repo / ".git" / "hooks" / "pre-commit.d").mkdir()
    for where in ("hooks/leak.py", "info/leak.py", "hooks/pre-commit.d/leak.py"):
        (repo / ".git" / where).write_bytes(LEAKED)
        code, report = scan(store, tmp_path, str(repo), "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["unread"]) == (1, []), where
        assert [f["candidate_path"] for f in candidate["files"]] == [f".git/{where}"]
        (repo / ".git" / where).unlink()
    lfs = repo / ".git" / "lfs" / "objects" / "ab" / "cd"
    lfs.mkdir(parents=True)
    (lfs / ("abcd" + "0" * 60)).write_bytes(LEAKED)
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert (code, unread(report["candidates"][0])) == (3, {
        ".git/lfs/objects/": "1 Git LFS object(s) (content of files LFS tracks): not read",
    })  # fmt: skip


def test_a_nested_repository_with_a_hostile_name_is_one_escaped_line(store, tmp_path):
    name = "evil\x1b[2J\nleaktrace: forged.py: clear"
    folder = tmp_path / "folder"
    new_repo(folder / name)
    done = runner.invoke(app, ["scan", str(folder), "--store", str(store), "--results",
                               str(tmp_path / "results.db")])  # fmt: skip
    assert done.exit_code == 3, done.output
    [line] = [line for line in done.output.splitlines() if ".git/" in line]
    assert line.startswith(f"leaktrace: {folder}:{printable(name)}/.git/: git repository: ")
    assert "\x1b" not in done.output  # the escape is shown, not sent to the terminal
    assert not any(line.startswith("leaktrace: forged.py") for line in done.output.splitlines())


def test_a_bare_repository_is_unread_without_history(store, tmp_path):
    repo, leak = deleted_leak(tmp_path / "repo")
    folder = bare(tmp_path / "repo.git", repo)
    code, report = scan(store, tmp_path, str(folder))
    [candidate] = report["candidates"]
    assert (code, unread(candidate)) == (3, {"./": f"a bare {UNREAD_HISTORY}"})
    code, report = scan(store, tmp_path, str(folder), "--history")
    assert (code, report["candidates"][0]["files"][0]["candidate_path"]) == (
        1, f"lib/recon.py@{leak[:12]}")  # fmt: skip


def test_a_repository_inside_an_archive_is_unread_with_or_without_history(store, tmp_path):
    """A tarball of a clone publishes its history too; leaktrace reads none inside an archive,
    so it is named, in a folder and as a target of its own."""
    repo = new_repo(tmp_path / "repo")
    folder = tmp_path / "folder"
    (folder / "dist").mkdir(parents=True)
    tarball = folder / "dist" / "site.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(repo, arcname="site")
    message = "version-control metadata inside an archive: its history is not read"
    for history in ((), ("--history",)):
        code, report = scan(store, tmp_path, str(folder), *history)
        assert (code, unread(report["candidates"][0])) == (
            3, {"dist/site.tar.gz!/site/.git/": message})  # fmt: skip
        code, report = scan(store, tmp_path, str(tarball), *history)
        assert (code, unread(report["candidates"][0])) == (3, {"site/.git/": message})


def test_a_repository_inside_an_archive_in_a_history_or_on_github_is_unread(store, tmp_path):
    """A tarball of a clone committed to a repository's history (deleted from its working
    tree since), or in a GitHub repository's tree, publishes that history too: named, never
    ``clear``."""
    inner, _ = deleted_leak(tmp_path / "inner")
    buffer = tmp_path / "inner.tgz"
    with tarfile.open(buffer, "w:gz") as tar:
        tar.add(inner, arcname="inner")
    outer = new_repo(tmp_path / "outer")
    added = commit(outer, {"inner.tgz": buffer.read_bytes()}, "a tarball")
    commit(outer, {}, "gone", remove=("inner.tgz",))
    message = "version-control metadata inside an archive: its history is not read"
    code, report = scan(store, tmp_path, str(outer), "--history")
    assert (code, unread(report["candidates"][0])) == (
        3, {f"inner.tgz@{added[:12]}!/inner/.git/": message})  # fmt: skip
    with FakeGitHub() as gh:
        gh.add_repo("someone", "tools", {"inner.tgz": buffer.read_bytes()})
        code, report = scan(store, tmp_path, "github:someone/tools", "--api-url", gh.url)
        assert (code, unread(report["candidates"][0])) == (
            3, {"inner.tgz!/inner/.git/": message, "": UNREAD_HISTORY})  # fmt: skip


def test_a_nested_bare_repository_and_a_linked_git_folder_are_repositories(store, tmp_path):
    """A bare repository kept in the folder (``backup/tools.git``) and a ``.git`` that is a link
    to a git folder elsewhere in it are repositories like the others: unread without
    ``--history``, read with it; a FIFO among the files blocks nothing."""
    repo, leak = deleted_leak(tmp_path / "repo")
    folder = tmp_path / "folder"
    bare(folder / "backup" / "tools.git", repo)
    linked, moved = deleted_leak(folder / "linked")
    (linked / ".git").rename(folder / "linked-git")
    (linked / ".git").symlink_to("../linked-git", target_is_directory=True)
    os.mkfifo(folder / "pipe.py")
    code, report = scan(store, tmp_path, str(folder))
    assert (code, unread(report["candidates"][0])) == (3, {  # linked-git/ is linked/.git
        "backup/tools.git/": f"a bare {UNREAD_HISTORY}", "linked/.git": UNREAD_HISTORY,
    })  # fmt: skip
    code, report = scan(store, tmp_path, str(folder), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert sorted(f["candidate_path"] for f in candidate["files"]) == [
        f"backup/tools.git/lib/recon.py@{leak[:12]}", f"linked/lib/recon.py@{moved[:12]}",
    ]  # fmt: skip


def test_a_linked_worktree_inside_the_folder_shares_its_repositorys_history(store, tmp_path):
    """``git worktree add`` inside the folder: the worktree's git folder
    (``.git/worktrees/wt``) belongs to the same repository, whose history is read once."""
    repo, leak = deleted_leak(tmp_path / "repo")
    git(repo, "worktree", "add", "-q", "-b", "side", "wt")
    git(repo, "worktree", "add", "-q", "-b", "early", "+wt", "HEAD~2")  # sorted before .git
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert [f["candidate_path"] for f in candidate["files"]] == [f"lib/recon.py@{leak[:12]}"]
    assert candidate["revision"] == git(repo, "rev-parse", "main")


def test_a_git_link_with_a_nul_byte_is_one_unread_line_and_the_run_goes_on(store, tmp_path):
    """A ``.git`` file whose ``gitdir:`` holds a NUL byte names no folder: one unread line,
    with or without ``--history``, and the other targets are still read."""
    folder = tmp_path / "nul"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / ".git").write_bytes(b"gitdir: a\0b\n")
    other, _ = deleted_leak(tmp_path / "other")
    for history in ((), ("--history",)):
        code, report = scan(store, tmp_path, str(folder), str(other), *history)
        first, second = report["candidates"]
        assert (first["verdict"], unread(first)) == ("incomplete", {
            "sub/.git": "git folder linked (a worktree's or submodule's gitdir, or its commondir) "
            "to one outside the folder, or missing: its history is not read"})  # fmt: skip
        assert second["verdict"] == ("derivative" if history else "incomplete")
        assert code == (1 if history else 3)


def test_a_git_link_to_nothing_is_a_line_that_loses_nothing(store, tmp_path):
    """A ``.git`` file naming a git folder that is not there (tomlkit 0.12.5's sdist ships its
    submodule's tests/toml-test/.git without the superproject's .git/modules): the candidate
    holds no history, so it is one line and no reason for incomplete, with or without
    ``--history``; the leak beside it is still found. Before, the release was incomplete."""
    folder = tmp_path / "sdist"
    (folder / "tests" / "toml-test").mkdir(parents=True)
    (folder / "tests" / "toml-test" / ".git").write_bytes(b"gitdir: ../../.git/modules/t\n")
    (folder / "app.py").write_bytes(b"def main():\n    return 0\n")
    for history in ((), ("--history",)):
        code, report = scan(store, tmp_path, str(folder), *history)
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"], candidate["unread"]) == (0, "clear", []), history
        assert "naming a git folder that is not there" in json.dumps(candidate), candidate
    (folder / "lib").mkdir()
    (folder / "lib" / "recon.py").write_bytes(LEAKED)
    code, report = scan(store, tmp_path, str(folder))
    assert (code, report["candidates"][0]["verdict"]) == (1, "derivative")


def test_a_git_file_holding_more_than_its_gitdir_line_is_read(store, tmp_path):
    """git reads a ``.git`` file's first line only: a leak after a ``gitdir:`` line (naming
    nothing, or a real git folder) is a file like any other, read, never passed over as
    repository metadata (it came out clear, exit 0, behind a line that loses nothing)."""
    for gitdir in (b"../.git/modules/t", b"../real/.git"):
        folder = tmp_path / f"hidden-{len(gitdir)}"
        (folder / "sub").mkdir(parents=True)
        if gitdir.startswith(b"../real"):
            new_repo(folder / "real")
        (folder / "sub" / ".git").write_bytes(b"gitdir: " + gitdir + b"\n" + LEAKED)
        for history in ((), ("--history",)):
            code, report = scan(store, tmp_path, str(folder), *history)
            assert report["candidates"][0]["verdict"] == "derivative", (gitdir, history)
            assert code == 1, (gitdir, history)


def test_with_history_every_ref_reflog_index_and_git_folder_of_a_folder_is_read(store, tmp_path):
    """A leak only on a remote-tracking branch never checked out, only in the stash, only in
    the reflog, only in the index, or a file put inside ``.git/``: ``scan --history`` of the
    folder is never ``clear``."""
    origin = new_repo(tmp_path / "origin")
    git(origin, "checkout", "-q", "-b", "feature")
    commit(origin, {"lib/recon.py": LEAKED}, "a leak on a branch")
    git(origin, "checkout", "-q", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--single-branch", "-b", "main", str(origin), str(clone))
    git(clone, "fetch", "-q", "origin", "feature:refs/remotes/origin/feature")
    stashed = new_repo(tmp_path / "stashed")
    (stashed / "app.py").write_bytes(LEAKED)
    git(stashed, "stash", "-q")
    reset = new_repo(tmp_path / "reset")
    commit(reset, {"lib/recon.py": LEAKED}, "a leak")
    git(reset, "reset", "-q", "--hard", "HEAD~1")
    indexed = new_repo(tmp_path / "indexed")
    (indexed / "leak.py").write_bytes(LEAKED)
    git(indexed, "add", "leak.py")
    (indexed / "leak.py").unlink()
    for repo, path in (
        (clone, "lib/recon.py@"),
        (stashed, "app.py@"),
        (reset, "lib/recon.py@uncommitted:"),
        (indexed, "leak.py@uncommitted:"),
    ):
        code, report = scan(store, tmp_path, str(repo), "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"], candidate["unread"]) == (1, "derivative", []), repo
        assert [f["candidate_path"].startswith(path) for f in candidate["files"]] == [True]
    inside = new_repo(tmp_path / "inside")
    (inside / ".git" / "leak.py").write_bytes(LEAKED)
    code, report = scan(store, tmp_path, str(inside), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert [f["candidate_path"] for f in candidate["files"]] == [".git/leak.py"]
    dangling = new_repo(tmp_path / "dangling")
    (dangling / "app.py").write_bytes(LEAKED)
    git(dangling, "add", "app.py")
    git(dangling, "reset", "-q", "--hard")  # the leak's blob is now reached by nothing
    code, report = scan(store, tmp_path, str(dangling), "--history")
    assert (code, unread(report["candidates"][0])) == (3, {".git/": f"1 {DANGLING}"})


def test_a_ref_named_refs_head_does_not_take_the_default_branchs_place(store, tmp_path):
    """``refs/HEAD`` (a ref like any other, here naming branch ``other``) is read as a ref; the
    revision is still the commit HEAD names (``main``'s)."""
    repo = new_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "-b", "other")
    leak = commit(repo, {"lib/recon.py": LEAKED}, "a leak on another branch")
    git(repo, "update-ref", "refs/HEAD", "other")
    git(repo, "checkout", "-q", "main")
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert candidate["revision"] == git(repo, "rev-parse", "main")
    assert [f["candidate_path"] for f in candidate["files"]] == [f"lib/recon.py@{leak[:12]}"]


def _shared_clone(origin: Path, clone: Path, borrow: str) -> None:
    """``clone``: a clone of ``origin``'s main branch borrowing its objects (``--shared`` or
    ``--reference``: ``objects/info/alternates``); ``origin`` has a branch ``secret`` holding
    ``LEAKED``, with packed and loose objects both."""
    new_repo(origin)
    git(origin, "checkout", "-q", "-b", "secret")
    commit(origin, {"lib/recon.py": LEAKED}, "another branch")
    git(origin, "checkout", "-q", "main")
    git(origin, "repack", "-qad")  # packed and loose objects both
    commit(origin, {"lib/util.py": b"def twice(x):\n    return 2 * x\n"}, "loose")
    source = [borrow, str(origin)]
    if borrow == "--reference":  # from a URL: a local path would copy every object of origin
        source.append(f"file://{origin}")
    git(origin.parent, "clone", "-q", "--single-branch", "-b", "main", *source, str(clone))


@pytest.mark.parametrize("borrow", ["--shared", "--reference"])
def test_objects_borrowed_from_an_alternate_are_not_counted_dangling(store, tmp_path, borrow):
    """A clone made with ``--shared`` or ``--reference`` borrows the other repository's
    objects (``objects/info/alternates``), both in the folder: a blob only the other
    repository's branch reaches is that one's (read in its history), not the clone's, so it is
    not counted dangling there; the clone's own dangling blobs still are."""
    folder = tmp_path / "folder"
    _shared_clone(folder / "origin", folder / "clone", borrow)
    code, report = scan(store, tmp_path, str(folder), "--history")
    [candidate] = report["candidates"]
    found = [f["candidate_path"] for f in candidate["files"]]
    assert (code, candidate["unread"]) == (1, [])
    assert [path.partition("@")[0] for path in found] == ["origin/lib/recon.py"]
    clone = folder / "clone"
    (clone / "own.py").write_bytes(LEAKED + b"# mine\n")
    git(clone, "add", "own.py")
    git(clone, "reset", "-q", "--hard")
    git(clone, "repack", "-qa")
    code, report = scan(store, tmp_path, str(folder), "--history")
    assert unread(report["candidates"][0]) == {"clone/.git/": f"1 {DANGLING}"}


@pytest.mark.parametrize("borrow", ["--shared", "--reference"])
def test_objects_borrowed_from_an_alternate_outside_the_folder_are_not_read(
    store, tmp_path, borrow
):
    """A repository in the folder whose alternates lead outside it (one of ours on this
    machine) has its history unread, one line naming where: a ref naming a commit only the
    outside repository holds had that commit's files read as the candidate's code (ours came
    out ``derivative``). An alternate's own alternates, a quoted line and a listing that is a
    link leading out are followed as git follows them."""
    outside = tmp_path / "ours"
    folder = tmp_path / "folder"
    _shared_clone(outside, folder / "clone", borrow)
    clone = folder / "clone"
    secret = git(outside, "rev-parse", "secret")
    git(clone, "update-ref", "refs/heads/taken", secret)  # only the alternate holds it
    code, report = scan(store, tmp_path, str(folder), "--history")
    [candidate] = report["candidates"]
    lent = str((outside / ".git" / "objects").resolve())
    assert (code, candidate["verdict"], candidate["files"]) == (3, "incomplete", [])
    assert unread(candidate) == {"clone/.git/": f"alternates outside the folder ({lent}): git "
                                 "would read another repository's objects as this one's history; "
                                 "its history is not read"}  # fmt: skip
    # through an alternate inside the folder that borrows from outside in turn, quoted
    alternates = clone / ".git" / "objects" / "info" / "alternates"
    middle = folder / "middle" / "objects"
    (middle / "info").mkdir(parents=True)
    (middle / "info" / "alternates").write_bytes(f'"{lent}"\n'.encode())
    alternates.write_bytes(b"# borrowed\n../../../middle/objects\n")
    code, report = scan(store, tmp_path, str(folder), "--history")
    assert (code, list(unread(report["candidates"][0]))) == (3, ["clone/.git/"])
    # a listing that is a link to one outside
    elsewhere = tmp_path / "alternates"
    elsewhere.write_bytes(f"{lent}\n".encode())
    alternates.unlink()
    alternates.symlink_to(elsewhere)
    code, report = scan(store, tmp_path, str(folder), "--history")
    assert "alternates outside the folder" in unread(report["candidates"][0])["clone/.git/"]
    assert code == 3


def test_what_git_and_common_tools_leave_in_the_git_folder_is_not_unread(store, tmp_path):
    """Files and folders git (a merge's autostash, notes merges, bisect, reftable, git daemon)
    and common tools (git gui, GitKraken) keep at the top of ``.git/`` are git's own: a clean
    repository holding them is ``clear``; a source file git does not keep there is read."""
    repo = new_repo(tmp_path / "repo")
    names = ("MERGE_AUTOSTASH", "NOTES_MERGE_PARTIAL", "NOTES_MERGE_REF", "BISECT_FIRST_PARENT",
             "GITGUI_MSG", "git-daemon-export-ok", "AUTO_MERGE", "REBASE_HEAD", "FETCH_HEAD",
             "ORIG_HEAD", "COMMIT_EDITMSG", "gitk.cache")  # fmt: skip
    for name in names:
        (repo / ".git" / name).write_bytes(b"x\n")
    for name in ("NOTES_MERGE_WORKTREE", "reftable", "gk", "sequencer", "rr-cache"):
        (repo / ".git" / name).mkdir(exist_ok=True)
        (repo / ".git" / name / "x").write_bytes(b"x\n")
    listening = socket.socket(socket.AF_UNIX)  # git's fsmonitor daemon, running
    listening.bind(str(repo / ".git" / "fsmonitor--daemon.ipc"))
    code, report = scan(store, tmp_path, str(repo), "--history")
    listening.close()
    assert (code, report["candidates"][0]["unread"]) == (0, [])
    (repo / ".git" / "MERGE_AUTOSTASH.py").write_bytes(LEAKED)
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert [f["candidate_path"] for f in candidate["files"]] == [".git/MERGE_AUTOSTASH.py"]


def test_a_reflog_or_index_blob_is_judged_by_every_path_it_has(store, tmp_path):
    """A blob only the index or a reflog reaches, at a path leaktrace does not read
    (``a.txt``, met first) and at one it reads (``leak.py``), is read as ``leak.py``."""
    indexed = new_repo(tmp_path / "indexed")
    for name in ("a.txt", "leak.py"):
        (indexed / name).write_bytes(LEAKED)
    git(indexed, "add", "a.txt", "leak.py")
    (indexed / "a.txt").unlink()
    (indexed / "leak.py").unlink()
    reset = new_repo(tmp_path / "reset")
    commit(reset, {"a.txt": LEAKED, "leak.py": LEAKED}, "a leak twice")
    git(reset, "reset", "-q", "--hard", "HEAD~1")
    for repo in (reset, indexed):
        code, report = scan(store, tmp_path, str(repo), "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["unread"]) == (1, []), repo
        assert [f["candidate_path"].split("@")[0] for f in candidate["files"]] == ["leak.py"]


def test_a_committed_file_renamed_to_another_language_in_the_working_tree_is_read_again(
    store, tmp_path
):
    """``leak.py`` committed, then renamed ``leak.js`` in the working tree: the same bytes read
    as JavaScript match nothing, so the committed blob is read as Python too, as from the
    repository's ``file://`` URL; a copy under the same language is still read once."""
    repo = new_repo(tmp_path / "repo")
    commit(repo, {"leak.py": LEAKED}, "a leak")
    (repo / "leak.py").rename(repo / "leak.js")
    (repo / "copy.py").write_bytes(LEAKED)
    for target in (str(repo), f"file://{repo}"):
        code, report = scan(store, tmp_path, target, "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"]) == (1, "derivative"), target
    code, report = scan(store, tmp_path, str(repo), "--history")
    paths = {f["candidate_path"] for f in report["candidates"][0]["files"]}
    assert "copy.py" in paths and "leak.py" not in paths  # the same language: read once
    (repo / "copy.py").unlink()
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert (code, [f["candidate_path"] for f in candidate["files"]]) == (1, ["leak.py"])


def test_a_bare_repository_target_is_its_files_and_its_history(store, tmp_path):
    """A bare repository given as the target is a folder with a history: a file put in it
    beside git's own is read with or without ``--history``, and its history with it."""
    repo, leak = deleted_leak(tmp_path / "repo")
    folder = bare(tmp_path / "bare.git", repo)
    (folder / "leak.go").write_bytes(OTHER_LEAK)
    code, report = scan(store, tmp_path, str(folder))
    [candidate] = report["candidates"]
    assert (code, [f["candidate_path"] for f in candidate["files"]]) == (1, ["leak.go"])
    assert unread(candidate) == {"./": f"a bare {UNREAD_HISTORY}"}
    code, report = scan(store, tmp_path, str(folder), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert sorted(f["candidate_path"] for f in candidate["files"]) == [
        "leak.go", f"lib/recon.py@{leak[:12]}"]  # fmt: skip


def test_a_repository_another_user_owns_and_an_empty_one_are_read(store, tmp_path):
    """A repository owned by another user (git's "dubious ownership") is read: the user asked
    leaktrace to read that folder; an empty repository (no commit yet) is read, not
    ``incomplete``, and a leak only in its index is found."""
    if os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root")
    repo, leak = deleted_leak(tmp_path / "owned" / "repo")
    subprocess.run(["chown", "-R", "nobody", str(tmp_path / "owned")], check=True)
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert [f["candidate_path"] for f in candidate["files"]] == [f"lib/recon.py@{leak[:12]}"]
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    code, report = scan(store, tmp_path, str(empty), "--history")
    assert (code, report["candidates"][0]["verdict"]) == (0, "clear")
    (empty / "leak.py").write_bytes(LEAKED)
    git(empty, "add", "leak.py")
    (empty / "leak.py").unlink()
    code, report = scan(store, tmp_path, str(empty), "--history")
    files = report["candidates"][0]["files"]
    assert (code, [f["candidate_path"].split("@")[0] for f in files]) == (1, ["leak.py"])


def test_a_repository_another_user_owns_given_by_a_relative_path_is_read(
    store, tmp_path, monkeypatch
):
    """``safe.directory`` matches absolute paths only: a relative target (``owned/repo``, or a
    folder holding it) is read as its absolute folder, not refused as "dubious ownership"."""
    if os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root")
    _, leak = deleted_leak(tmp_path / "owned" / "repo")
    subprocess.run(["chown", "-R", "nobody", str(tmp_path / "owned")], check=True)
    monkeypatch.chdir(tmp_path)
    for target, prefix in (("owned/repo", ""), ("owned", "repo/")):
        code, report = scan(store, tmp_path, target, "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["unread"]) == (1, []), target
        paths = [f["candidate_path"] for f in candidate["files"]]
        assert paths == [f"{prefix}lib/recon.py@{leak[:12]}"], target


def test_a_git_failure_is_reported_by_its_first_fatal_line(tmp_path):
    """A local fetch ends with "... and the repository exists."; the cause is git's first
    ``fatal:`` line."""
    repo = GitRepo(f"file://{tmp_path / 'missing'}", history=True)
    assert list(repo.iter_files()) == []
    [line] = repo.problems
    assert "does not appear to be a git repository" in line.message, line.message


def test_a_registry_package_holding_version_control_folders_is_incomplete(store, tmp_path):
    """A package published with its ``.git/`` (or ``.bzr/``) publishes that history too:
    leaktrace reads none inside an archive, so the package is not ``clear``."""
    message = "version-control metadata inside an archive: its history is not read"
    with FakeRegistry() as registry:
        registry.add_npm(
            "with-git",
            "1.0.0",
            {"index.js": b"module.exports = 1;\n", ".git/HEAD": b"ref: refs/heads/main\n"},
        )
        registry.add_pypi(
            "with-bzr",
            "1.0",
            {"with_bzr/__init__.py": b"VALUE = 1\n", "with_bzr/.bzr/branch-format": b"x\n"},
        )
        out = tmp_path / "r.json"
        done = runner.invoke(app, ["scan", "npm:with-git@1.0.0", "pypi:with-bzr==1.0",
                                   "--store", str(store), "--npm-registry", registry.url,
                                   "--pypi-url", registry.url, "--results",
                                   str(tmp_path / "results.db"), "--json", str(out)])  # fmt: skip
    assert done.exit_code == 3, done.output
    npm, pypi = json.loads(out.read_text())["candidates"]
    assert (npm["verdict"], unread(npm)) == ("incomplete", {"package/.git/": message})
    assert pypi["verdict"] == "incomplete"
    assert set(unread(pypi).values()) == {message}
    assert all(path.endswith("with_bzr/.bzr/") for path in unread(pypi)), unread(pypi)


def test_a_history_and_index_path_that_is_not_utf8_is_read_and_the_run_goes_on(store, tmp_path):
    """git prints such a path as its bytes: decoding them strictly stopped the whole run
    ("internal error: UnicodeDecodeError", exit 2)."""
    repo = new_repo(tmp_path / "odd")
    name = os.fsdecode(b"b\xff.py")
    commit(repo, {name: LEAKED}, "a leak under a name that is not UTF-8")
    commit(repo, {}, "gone", remove=(name,))
    git(repo, "add", "app.py")
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert code == 1 and candidate["unread"] == [], report
    [found] = [f["candidate_path"].split("@")[0] for f in candidate["files"]]
    assert found.startswith("b") and found.endswith(".py") and len(found) == len(name)


def test_a_file_too_large_to_read_is_not_hashed_for_the_history_either(tmp_path):
    """Matching working-tree files to history blobs hashed every file whole, also one past
    ``max_read_bytes`` that is not read (a 2 GB sparse file: 7 s for a line saying so)."""
    repo = new_repo(tmp_path / "repo")
    (repo / "small.py").write_bytes(LEAKED)
    with (repo / "large.py").open("wb") as handle:
        handle.truncate(10 * 1024**2)
    tree = LocalTree(repo, limits=Limits(max_read_bytes=len(LEAKED)), history=True)
    list(tree.iter_files())
    assert tree._blobs["small.py"] == git(repo, "hash-object", "small.py")
    assert tree._blobs["large.py"] == ""  # its path is taken; no id


def test_a_working_tree_file_is_known_by_the_bytes_read_once_and_only_in_a_repository(
    tmp_path, monkeypatch
):
    """With history, each working-tree file was hashed again after it was read (read twice),
    also in a folder with no repository at all, and a file changed between the two reads was
    recorded by its new content: its committed blob, the one that was read, was read again
    from history under ``PATH@COMMIT``. Now the bytes read are hashed as they are read, and
    only where a repository's work tree holds them."""
    from scanner.sources.carriers import Unpacker

    plain = tmp_path / "plain"
    (plain / "sub").mkdir(parents=True)
    (plain / "sub" / "a.py").write_bytes(LEAKED)
    tree = LocalTree(plain, history=True)
    assert [f.path for f in tree.iter_files()] == ["sub/a.py"]
    assert tree._blobs == {}  # no repository: no id needed

    repo = new_repo(tmp_path / "repo")
    commit(repo, {"leak.py": LEAKED}, "a leak")
    blob = git(repo, "rev-parse", "HEAD:leak.py")
    read = Unpacker.file

    def changed_once_read(self, path, stream, depth=0):
        yield from read(self, path, stream, depth)
        if path == "leak.py":  # changed by someone else after it was read
            (repo / "leak.py").write_bytes(b"x = 1\n")

    monkeypatch.setattr(Unpacker, "file", changed_once_read)
    tree = LocalTree(repo, history=True)
    paths = [f.path for f in tree.iter_files()]
    assert tree._blobs["leak.py"] == blob
    assert sorted(paths) == ["app.py", "leak.py"]  # not again as leak.py@COMMIT
    assert tree.history["leak.py"].blob == blob


def test_a_file_put_anywhere_in_the_git_folder_is_read_unless_it_is_gits_own(store, tmp_path):
    """A file put below ``.git/`` (in ``objects/``, ``refs/``, ``logs/``, a worktree's or
    git-svn's folder, at the top, in a folder in ``hooks/``) is published with the folder but
    is in no commit: read as a working-tree file is. Git's own files are not, even under a
    source name (a branch ``feature.py``, its reflog, a branch ``notes.ipynb``)."""
    repo = new_repo(tmp_path / "repo")
    for branch in ("feature.py", "notes.ipynb"):
        git(repo, "branch", branch)
    git(repo, "worktree", "add", "-q", "wt")
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert (code, report["candidates"][0]["unread"]) == (0, [])
    for where in ("objects/leak.py", "objects/pack/leak.py", "logs/refs/heads/leak.py",
                  "refs/tags/leak.py", "worktrees/wt/leak.py", "svn/refs/leak.py", "leak.py",
                  "hooks/pre-commit.d/leak.py", "refs/heads/feature.py"):  # fmt: skip
        place = repo / ".git" / where
        kept = place.read_bytes() if place.exists() else None
        place.parent.mkdir(parents=True, exist_ok=True)
        place.write_bytes(LEAKED)
        code, report = scan(store, tmp_path, str(repo), "--history")
        [candidate] = report["candidates"]
        found = [f["candidate_path"] for f in candidate["files"]]
        assert (code, found, candidate["unread"]) == (1, [f".git/{where}"], []), where
        if kept is None:
            place.unlink()
        else:
            place.write_bytes(kept)


def test_what_nothing_reaches_is_read_by_its_path_in_a_lost_tree_or_by_its_first_line(
    store, tmp_path
):
    """A leak "deleted from history" (a reset or an amend, the reflog expired) lives on in
    unreachable objects until ``git gc``: a lost commit's or tree's blobs are read by their
    path there; a blob no tree names is read by its ``#!`` line, or as the working-tree file
    with the same bytes; with no language to read it as, it is still counted unread."""
    lost = new_repo(tmp_path / "lost")
    commit(lost, {"lib/recon.py": LEAKED}, "a leak")
    git(lost, "rm", "-q", "lib/recon.py")
    git(lost, "commit", "-q", "--amend", "--allow-empty", "-m", "no leak")
    git(lost, "reflog", "expire", "--expire=now", "--all")
    tree = new_repo(tmp_path / "tree")
    (tree / "src").mkdir()
    (tree / "src" / "recon.py").write_bytes(LEAKED)
    git(tree, "add", "src/recon.py")
    git(tree, "write-tree")  # a tree nothing reaches once the index is reset
    git(tree, "reset", "-q", "--hard")
    for repo, path in ((lost, "lib/recon.py@uncommitted:"), (tree, "src/recon.py@uncommitted:")):
        code, report = scan(store, tmp_path, str(repo), "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["unread"]) == (1, []), repo
        assert [f["candidate_path"].startswith(path) for f in candidate["files"]] == [True]
    shebang = new_repo(tmp_path / "shebang")
    (shebang / "tool").write_bytes(b"#!/usr/bin/env -S python3 -u\n" + LEAKED)
    blob = git(shebang, "hash-object", "-w", "tool")
    (shebang / "tool").unlink()
    with tarfile.open(shebang / "dist.tgz", "w:gz") as tar:
        tar.add(PRIVATE / "services" / "settlement" / "export.go", arcname="pkg/export.go")
    archive = git(shebang, "hash-object", "-w", "dist.tgz")
    (shebang / "dist.tgz").unlink()
    code, report = scan(store, tmp_path, str(shebang), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert sorted(f["candidate_path"] for f in candidate["files"]) == [
        f"(dangling).py@uncommitted:{blob[:12]}",
        f"(dangling)@uncommitted:{archive[:12]}!/pkg/export.go",
    ]  # fmt: skip
    copy = new_repo(tmp_path / "copy")
    (copy / "notes.py").write_bytes(LEAKED)  # never added; its bytes stored by hash-object
    git(copy, "hash-object", "-w", "notes.py")
    (copy / "data.txt").write_bytes(b"plain words, no code\n")
    git(copy, "hash-object", "-w", "data.txt")
    (copy / "data.txt").unlink()
    code, report = scan(store, tmp_path, str(copy), "--history")
    [candidate] = report["candidates"]
    assert [f["candidate_path"] for f in candidate["files"]] == ["notes.py"]
    assert (code, unread(candidate)) == (1, {".git/": f"1 {DANGLING}"})


def test_a_link_to_the_git_folder_into_it_or_outside_the_folder_is_never_clear(store, tmp_path):
    """A link that points at what the walk does not read as files (the ``.git`` folder, a file
    or folder in it, a folder outside the scanned one, directly or through another link) is
    one unread line each, with or without ``--history``: the folder is never ``clear``."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "leak.py").write_bytes(LEAKED)
    repo = new_repo(tmp_path / "repo")
    links = {"g": ".git", "h": ".git/hooks", "cfg.py": ".git/config", "o": "../outside",
             "sub/o2": "../o"}  # fmt: skip
    (repo / "sub").mkdir()
    for name, target in links.items():
        (repo / name).symlink_to(target)
    git_metadata = "version-control metadata the scan does not read; not read"
    expected = {name: f"symbolic link to {target!r}, {git_metadata}"
                for name, target in links.items() if target.startswith(".git")}  # fmt: skip
    expected |= dict.fromkeys(("o", "sub/o2"), "symbolic link to outside the folder; not "
                              "followed, not read")  # fmt: skip
    for history in ((), ("--history",)):
        code, report = scan(store, tmp_path, str(repo), *history)
        [candidate] = report["candidates"]
        found = unread(candidate)
        found.pop(".git/", None)  # without --history: the history's own line
        assert (code, candidate["verdict"], found) == (3, "incomplete", expected), history


def test_the_blobs_at_many_tips_are_those_each_tips_tree_lists(tmp_path):
    """``blobs_at`` reads each distinct tree once for all tips: it finds what one ``ls-tree``
    per tip finds (nested folders, a file only on one branch, names it does not want left out,
    a link and a submodule entry never)."""
    from scanner.sources.content import is_wanted
    from scanner.sources.gitobjects import LocalRepository

    repo = new_repo(tmp_path / "repo")
    tips = [commit(repo, {"a/b/c/deep.py": b"x = 1\n", "notes.txt": b"words\n"}, "deep")]
    (repo / "link.py").symlink_to("a/b/c/deep.py")
    for name in ("one", "two"):
        git(repo, "checkout", "-q", "-b", name, "main")
        tips.append(commit(repo, {f"a/{name}.py": name.encode(), "a/b/x.js": name.encode()}, name))
    local = LocalRepository(repo)
    expected = {entry.blob for tip in tips for entry in local.tree(tip) if is_wanted(entry.path)}
    assert local.blobs_at(tips, is_wanted) == expected
    assert len(expected) == 4  # app.py, deep.py, and "one", "two" (each a .py and an x.js)


def test_a_sha256_repository_in_a_folder_is_read_and_each_content_once(store, tmp_path):
    """A repository made with ``--object-format=sha256``: its history could not be fetched
    into the SHA-1 object store (``mismatched algorithms``, the whole history unread), and
    working-tree files were matched to its blobs by SHA-1 ids, so each was read twice."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256")
    commit(repo, {"app.py": b"def main():\n    print('hello')\n"}, "start")
    leak = commit(repo, {"lib/recon.py": LEAKED}, "a leak")
    commit(repo, {}, "gone", remove=("lib/recon.py",))
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["unread"]) == (1, [])
    assert [f["candidate_path"] for f in candidate["files"]] == [f"lib/recon.py@{leak[:12]}"]
    assert candidate["scanned"]["files"] == 2  # app.py once, the leak


def test_hostile_names_in_a_lost_tree_and_in_the_git_folder_are_escaped(store, tmp_path):
    """A path read from a tree nothing reaches, or from a file put in ``.git/``, is the
    repository's to choose: shown escaped, never sent to the terminal as it is."""
    name = "evil\x1b[2J\nleaktrace: forged.py: clear\x07.py"
    repo = new_repo(tmp_path / "repo")
    (repo / name).write_bytes(LEAKED)
    git(repo, "add", "--", name)
    git(repo, "write-tree")
    git(repo, "reset", "-q", "--hard")
    (repo / ".git" / "objects" / name).write_bytes(LEAKED)
    done = runner.invoke(app, ["scan", str(repo), "--history", "--store", str(store),
                               "--results", str(tmp_path / "results.db")])  # fmt: skip
    assert done.exit_code == 1, done.output
    queue = runner.invoke(app, ["review", "latest", "--results", str(tmp_path / "results.db")])
    for output in (done.output, queue.output):  # the review queue lists each file by name
        assert "\x1b" not in output and "\x07" not in output
        assert not any(line.startswith("leaktrace: forged.py") for line in output.splitlines())
    assert queue.output.count(printable(name)) == 2, queue.output
    code, report = scan(store, tmp_path, str(repo), "--history")
    paths = sorted(f["candidate_path"] for f in report["candidates"][0]["files"])
    assert (code, len(paths)) == (1, 2)
    assert paths[0] == f".git/objects/{name}"  # in JSON, escaped by JSON
    assert paths[1].startswith(f"{name}@uncommitted:")


def test_code_git_keeps_under_names_that_tell_no_language_is_named_unread(store, tmp_path):
    """rerere keeps the text of each conflicted file (``rr-cache/ID/preimage``), ``git am``
    the patches it is applying (``rebase-apply/0001``): code, with no name to read it as, so
    one unread line each, never ``clear``."""
    repo = new_repo(tmp_path / "repo")
    git(repo, "config", "rerere.enabled", "true")
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, {"app.py": b"def main():\n    print('side')\n"}, "side")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"app.py": b"def main():\n    print('main')\n"}, "main")
    merged = subprocess.run(["git", "-C", str(repo), "merge", "-q", "side"], capture_output=True)
    assert merged.returncode != 0  # a conflict, recorded by rerere
    commit(repo, {"app.py": b"def main():\n    print('both')\n"}, "merged")
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert (code, unread(report["candidates"][0])) == (3, {".git/rr-cache/": (
        "2 file(s) of conflicted code rerere recorded (rr-cache: no name to tell their "
        "language): not read")})  # preimage, postimage  # fmt: skip
    shutil.rmtree(repo / ".git" / "rr-cache")
    patch = git(repo, "format-patch", "-1", "HEAD~1", "--stdout")  # main's side of the conflict
    applied = subprocess.run(["git", "-C", str(repo), "am", "-q"], input=patch + "\n",
                             capture_output=True, text=True)  # fmt: skip
    assert applied.returncode != 0 and (repo / ".git" / "rebase-apply").is_dir()
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert (code, unread(report["candidates"][0])) == (3, {".git/rebase-apply/": (
        "2 file(s) of the patches git am or a rebase is applying (diffs, not source files): "
        "not read")})  # 0001, patch  # fmt: skip


def test_refs_of_a_bare_repository_named_as_source_are_its_refs_not_files(store, tmp_path):
    """A bare repository (the target, or one kept in the folder) is walked as files too: with
    ``--history`` its refs and reflogs named ``feature.py`` or ``notes.ipynb`` are git's own,
    not files to read (the ref and the reflog of ``feature.py`` were read as Python)."""
    repo = new_repo(tmp_path / "repo")
    folder = tmp_path / "folder"
    kept = bare(folder / "kept.git", repo)
    for branch in ("feature.py", "notes.ipynb"):  # loose refs, with their reflogs
        git(kept, "update-ref", "--create-reflog", f"refs/heads/{branch}", "HEAD")
    assert (kept / "refs" / "heads" / "notes.ipynb").is_file()
    assert (kept / "logs" / "refs" / "heads" / "feature.py").is_file()
    for target in (folder / "kept.git", folder):
        code, report = scan(store, tmp_path, str(target), "--history")
        [candidate] = report["candidates"]
        # app.py, and the committer column of feature.py's reflog (what the repository chose
        # of it: ``test_code_hidden_in_a_reflogs_committer_names_is_read``), not its hashes
        assert (code, candidate["unread"], candidate["scanned"]["files"]) == (0, [], 2), target


def test_only_a_real_loose_object_in_the_git_folders_objects_is_gits_own(store, tmp_path):
    """A loose object is git's own only at ``<gitdir>/objects/XX/<hex>`` and only when it
    inflates to a git object whose hash is its name: a leak zlib-compressed under the id of an
    untracked file's bytes is never clear (it was skipped as that file), and a tar whose first
    bytes look like zlib, or a file anywhere else named like an object, is read as a file."""
    repo = new_repo(tmp_path / "repo")
    (repo / "harmless.py").write_bytes(b"print('hello')\n")  # untracked
    name = git(repo, "hash-object", "harmless.py")
    fake = repo / ".git" / "objects" / name[:2] / name[2:]
    fake.parent.mkdir(exist_ok=True)
    fake.write_bytes(zlib.compress(b"blob %d\0" % len(LEAKED) + LEAKED))
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert code != 0 and candidate["verdict"] != "clear", candidate
    assert f".git/objects/{name[:2]}/{name[2:]}" in unread(candidate)
    assert unread(candidate)[".git/"] == f"1 {DANGLING}"  # its bytes are not harmless.py's
    fake.unlink()
    tar = tmp_path / "x.tar"
    with tarfile.open(tar, "w", format=tarfile.USTAR_FORMAT) as archive:
        archive.add(PRIVATE / "acme_ledger" / "reconciliation.py", arcname="x recon.py")
    assert tar.read_bytes()[:2] == b"x "  # a zlib header, as far as two bytes tell
    for where in (f"objects/{name[:2]}/{name[2:]}", f"hooks/objects/{name[:2]}/{name[2:]}"):
        place = repo / ".git" / where
        place.parent.mkdir(parents=True, exist_ok=True)
        place.write_bytes(tar.read_bytes())
        code, report = scan(store, tmp_path, str(repo), "--history")
        [candidate] = report["candidates"]
        found = [f["candidate_path"] for f in candidate["files"]]
        assert (code, found) == (1, [f".git/{where}!/x recon.py"]), where
        place.unlink()


def mktree(repo: Path, listing: str, *options: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "mktree", *options], input=listing,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.strip()


def test_trees_nothing_reaches_sharing_subtrees_are_each_read_once(store, tmp_path):
    """A tree nothing reaches that names one subtree twice, 22 deep, names a blob at 4 million
    paths: each tree is walked once and a blob keeps a few of its paths, so a hostile
    repository never stalls the scan (this took minutes, and memory without bound)."""
    repo = new_repo(tmp_path / "repo")
    (repo / "leak.py").write_bytes(LEAKED)
    blob = git(repo, "hash-object", "-w", "leak.py")
    (repo / "leak.py").unlink()
    tree = mktree(repo, f"100644 blob {blob}\tx.py\n")
    for _ in range(22):
        tree = mktree(repo, f"040000 tree {tree}\ta\n040000 tree {tree}\tb\n")
    started = time.monotonic()
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert time.monotonic() - started < 60
    [candidate] = report["candidates"]
    found = [f["candidate_path"] for f in candidate["files"]]
    assert (code, len(found)) == (1, 1)
    assert found[0].startswith("a/" * 22 + "x.py@uncommitted:"), found


def test_a_malformed_lost_tree_is_one_unread_line_and_the_rest_is_read(store, tmp_path):
    """A tree object git never wrote (its mode not ASCII digits), reached by nothing, is one
    unread line; the repository's other objects and the next repository are still read (a
    UnicodeDecodeError stopped the whole candidate)."""
    repo = new_repo(tmp_path / "repo")
    blob = git(repo, "hash-object", "-w", "app.py")
    bad = tmp_path / "bad.tree"
    bad.write_bytes(b"\xff644 x.py\0" + bytes.fromhex(blob))
    git(repo, "hash-object", "-t", "tree", "--literally", "-w", str(bad))
    deleted_leak(repo / "sub")
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    found = [f["candidate_path"] for f in candidate["files"]]
    assert (code, len(found)) == (1, 1) and found[0].startswith("sub/lib/recon.py@"), found
    assert "stopped" not in json.dumps(candidate["unread"])
    assert any("tree" in u["message"] for u in candidate["unread"]), candidate["unread"]


def test_code_hidden_in_a_reflog_or_a_symbolic_ref_is_read(store, tmp_path):
    """A reflog's entries each carry a message, the repository's to choose: those of a reflog
    whose name tells a language are read as that file (code hidden a line an entry was clear);
    a symbolic ref names a ref (``ref: refs/...``, git's rules for names), anything else after
    ``ref: `` is read as a file."""
    repo = new_repo(tmp_path / "repo")
    _, report = scan(store, tmp_path, str(repo), "--history")
    files = report["candidates"][0]["scanned"]["files"]
    log = repo / ".git" / "logs" / "refs" / "heads" / "recon.py"
    log.write_bytes(b"".join(b"%s %s a <b> 0 +0000\t%s\n" % (b"0" * 40, b"0" * 40, line)
                             for line in LEAKED.splitlines() if line.strip()))  # fmt: skip
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    found = [f["candidate_path"] for f in candidate["files"]]
    assert (code, found) == (1, [".git/logs/refs/heads/recon.py"])
    log.unlink()
    ref = repo / ".git" / "refs" / "heads" / "recon.py"
    ref.write_bytes(b"ref: " + b" ".join(LEAKED.splitlines()) + b"\n")
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert candidate["scanned"]["files"] == files + 1, candidate  # read as a file
    git(repo, "symbolic-ref", "refs/heads/alias.py", "refs/heads/main")
    ref.unlink()
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    # the symbolic ref is not read; the reflog git wrote for it is (its committer's name and
    # email: ``test_code_hidden_in_a_reflogs_committer_names_is_read``)
    assert (code, candidate["scanned"]["files"], candidate["unread"]) == (0, files + 1, [])


def test_code_hidden_in_a_reflogs_committer_names_is_read(store, tmp_path):
    """A reflog entry's committer name and email are the repository's to choose too (git writes
    any name without ``<``, ``>`` or a newline): code put there a line an entry, with git's own
    messages, passes as git's format and came out clear (only the messages were read). A
    reflog git wrote, under a branch named ``feature.py``, still reads as nothing."""
    repo = new_repo(tmp_path / "repo")
    git(repo, "update-ref", "--create-reflog", "refs/heads/feature.py", "HEAD")
    log = repo / ".git" / "logs" / "refs" / "heads" / "recon.py"
    log.write_bytes(b"".join(b"%s %s %s <t@example.com> 1700000000 +0000\tcommit: tidy\n"
                             % (b"0" * 40, b"1" * 40, line)
                             for line in LEAKED.splitlines() if line.strip()))  # fmt: skip
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    found = [f["candidate_path"] for f in candidate["files"]]
    assert (code, found, candidate["unread"]) == (1, [".git/logs/refs/heads/recon.py"], [])
    log.unlink()
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert (code, report["candidates"][0]["unread"]) == (0, [])


def test_the_caps_count_the_git_folders_entries_and_what_is_read_of_them(tmp_path):
    """Files and folders in a git folder count against ``max_files`` as the working tree's do
    (3,000 folders put in ``.git/`` were walked whole under a cap of 500), and the refs,
    reflogs and loose objects read to tell they are git's own count against
    ``max_total_bytes``."""
    repo = new_repo(tmp_path / "repo")
    for at in range(600):
        (repo / ".git" / "junk" / str(at)).mkdir(parents=True)
        (repo / ".git" / "junk" / str(at) / "notes.txt").write_bytes(b"notes\n")
    tree = LocalTree(repo, limits=Limits(max_files=500), history=True)
    list(tree.iter_files())
    assert any("more than 500" in p.message for p in tree.problems), tree.problems
    shutil.rmtree(repo / ".git" / "junk")
    log = repo / ".git" / "logs" / "refs" / "heads" / "main"
    log.write_bytes(log.read_bytes() * 20_000)  # git's own format, 2 MB or so
    tree = LocalTree(repo, limits=Limits(max_total_bytes=1_000_000), history=True)
    list(tree.iter_files())
    assert any("more than 1,000,000 bytes" in p.message for p in tree.problems), tree.problems


def test_a_script_named_only_by_its_shebang_line_is_read_from_git(store, tmp_path):
    """A file whose name has no extension is read by its ``#!`` line from a commit's tree and
    from history, as it is in a folder (``tool`` with ``#!/usr/bin/env python3`` came out clear
    once committed, and once deleted)."""
    repo = new_repo(tmp_path / "repo")
    script = b"#!/usr/bin/env python3\n" + LEAKED
    added = commit(repo, {"bin/tool": script, "LICENSE": b"MIT, or so\n"}, "a tool")
    code, report = scan(store, tmp_path, f"file://{repo}")
    assert (code, [f["candidate_path"] for f in report["candidates"][0]["files"]]) == (
        1, ["bin/tool"])  # fmt: skip
    commit(repo, {}, "remove it", remove=("bin/tool",))
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    found = [f["candidate_path"] for f in candidate["files"]]
    assert (code, found, candidate["unread"]) == (1, [f"bin/tool@{added[:12]}"], [])


def test_a_loose_object_is_inflated_no_further_than_the_byte_cap_allows(tmp_path):
    """What is inflated to tell a loose object is git's own counts against
    ``max_total_bytes`` (and stops there): a real object of 48 MiB of zeros is 48 KiB on disk
    (zlib's thousandfold): one under another object's name was inflated and hashed whole while
    only its 48 KiB counted, so a folder of such files could be made to take hours under any
    cap."""
    repo = new_repo(tmp_path / "repo")
    body = bytes(48 * 1024 * 1024)
    raw = b"blob %d\0" % len(body) + body
    name = sha1(raw + b"!").hexdigest()  # named as another: inflated whole, then found out
    loose = repo / ".git" / "objects" / name[:2] / name[2:]
    loose.parent.mkdir(parents=True, exist_ok=True)
    loose.write_bytes(zlib.compress(raw, 9))
    assert loose.stat().st_size < 100_000
    cap = 4_000_000
    tree = LocalTree(repo, limits=Limits(max_total_bytes=cap), history=True)
    list(tree.iter_files())
    assert any(f"more than {cap:,} bytes read" in p.message for p in tree.problems), tree.problems
    # stopped at the cap, before the end of the object could tell it was not the one named
    assert not any(p.path.endswith(name[2:]) for p in tree.problems), tree.problems


def test_a_worktree_sharing_history_outside_the_folder_is_not_read(tmp_path):
    """A linked worktree's git folder inside the candidate whose ``commondir`` leads outside it
    is not read: git would read that other repository's history (one of ours on this machine)
    as the candidate's code (reproduced: a private file of a repository outside came out as
    the candidate's)."""
    outside = new_repo(tmp_path / "outside")
    commit(outside, {"private.py": LEAKED}, "ours")
    shared = tmp_path / "cand" / "gitwt"
    shared.mkdir(parents=True)
    (shared / "HEAD").write_bytes(b"ref: refs/heads/main\n")
    (shared / "commondir").write_bytes(str(outside / ".git").encode() + b"\n")
    (tmp_path / "cand" / "wt").mkdir()
    (tmp_path / "cand" / "wt" / ".git").write_bytes(b"gitdir: ../gitwt\n")
    (tmp_path / "cand" / "wt" / "a.py").write_bytes(b"x = 1\n")
    tree = LocalTree(tmp_path / "cand", history=True)
    read = [file.path for file in tree.iter_files()]
    assert not any("private.py" in path for path in read), read
    assert ("wt/.git", "git folder linked (a worktree's or submodule's gitdir, or its commondir) "
            "to one outside the folder, or missing: its history is not read") in [
        (p.path, p.message) for p in tree.problems], tree.problems  # fmt: skip


def test_an_archive_named_without_an_extension_is_opened_from_history(store, tmp_path):
    """A blob whose name has no extension is decided by its first bytes as a folder's file
    is: an archive is opened (a zip committed as ``bin/bundle``, then removed, came out clear:
    only a ``#!`` line was looked for)."""
    repo = new_repo(tmp_path / "repo")
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("leak.py", LEAKED)
    added = commit(repo, {"bin/bundle": bundle.getvalue()}, "a bundle")
    commit(repo, {}, "remove it", remove=("bin/bundle",))
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    found = [f["candidate_path"] for f in candidate["files"]]
    assert (code, found, candidate["unread"]) == (1, [f"bin/bundle@{added[:12]}!/leak.py"], [])


def test_a_path_git_gives_that_is_not_utf8_is_carried_as_a_folders_is(store, tmp_path):
    """A file name that is not UTF-8 comes out of git with surrogate escapes; it is named as
    the same file in a folder is (``\\xe9``), not as a lone surrogate in the report."""
    repo = new_repo(tmp_path / "repo")
    added = commit(repo, {os.fsdecode(b"caf\xe9.py"): LEAKED}, "a leak")
    code, report = scan(store, tmp_path, f"file://{repo}")
    [candidate] = report["candidates"]
    assert (code, [f["candidate_path"] for f in candidate["files"]]) == (1, ["caf\\xe9.py"])
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert code == 1
    assert "\udce9" not in json.dumps(report, ensure_ascii=False, default=str), added


def test_a_blob_only_a_reflog_reaches_is_read_by_its_whole_name(store, tmp_path):
    """A blob that only a reflog reaches is read under a path that tells its language: git's
    object listing cuts a path at a newline (``x`` for ``x\\nleak.py``), which read nothing."""
    repo = new_repo(tmp_path / "repo")
    lost = commit(repo, {"x\nleak.py": LEAKED}, "a leak")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert code == 1, (lost, candidate["unread"])
    blob = git(repo, "rev-parse", f"{lost}:x\nleak.py")
    assert [f["candidate_path"] for f in candidate["files"]] == [
        f"x\nleak.py@uncommitted:{blob[:12]}"]  # fmt: skip


def test_a_script_or_archive_under_an_unknown_extension_is_read_from_git_as_from_a_folder(
    store, tmp_path
):
    """A file whose extension tells no language (``deploy.cgi``) but whose first line is a
    ``#!`` naming a known interpreter, or whose bytes are an archive (``bundle.dat``), is read
    from a commit's tree, from history and from what only a reflog reaches, as the same file in
    a folder is (it came out clear from git: only names were looked at)."""
    script = b"#!/usr/bin/env python3\n" + LEAKED
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("leak.go", OTHER_LEAK)
    repo = new_repo(tmp_path / "repo")
    added = commit(repo, {"deploy.cgi": script, "bundle.dat": bundle.getvalue(),
                          "notes.txt": b"plain words\n"}, "a tool")  # fmt: skip
    code, report = scan(store, tmp_path, f"file://{repo}")
    found = sorted(f["candidate_path"] for f in report["candidates"][0]["files"])
    assert (code, found) == (1, ["bundle.dat!/leak.go", "deploy.cgi"])
    commit(repo, {}, "remove them", remove=("deploy.cgi", "bundle.dat"))
    lost = commit(repo, {"tools/run.tool": b"#!/usr/bin/python3 -u\n" + LEAKED}, "lost")
    git(repo, "reset", "-q", "--hard", "HEAD~1")  # only the reflog reaches it now
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    blob = git(repo, "rev-parse", f"{lost}:tools/run.tool")
    found = sorted(f["candidate_path"] for f in candidate["files"])
    assert (code, found, candidate["unread"]) == (1, [
        f"bundle.dat@{added[:12]}!/leak.go", f"deploy.cgi@{added[:12]}",
        f"tools/run.tool@uncommitted:{blob[:12]}"], [])  # fmt: skip
    # the same files in a folder are read the same way
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "deploy.cgi").write_bytes(script)
    (folder / "bundle.dat").write_bytes(bundle.getvalue())
    code, report = scan(store, tmp_path, str(folder))
    found = sorted(f["candidate_path"] for f in report["candidates"][0]["files"])
    assert (code, found) == (1, ["bundle.dat!/leak.go", "deploy.cgi"])


def test_a_repository_pinned_to_a_ref_whose_history_is_outside_it_is_not_read(store, tmp_path):
    """``FOLDER@REF`` (or ``file://FOLDER``) of a repository whose objects' alternates, or
    whose ``.git`` link, lead outside the folder is one unread line, as in a scanned folder:
    the commit only the outside repository (ours) holds was read as the candidate's code."""
    outside = tmp_path / "ours"
    clone = tmp_path / "clone"
    _shared_clone(outside, clone, "--shared")
    secret = git(outside, "rev-parse", "secret")
    git(clone, "update-ref", "refs/heads/taken", secret)
    lent = str((outside / ".git" / "objects").resolve())
    for target in (f"{clone}@taken", f"file://{clone}"):
        code, report = scan(store, tmp_path, target, "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["files"]) == (3, []), target
        assert unread(candidate) == {"": f"alternates outside the folder ({lent}): git would "
                                     "read another repository's objects as this one's history; "
                                     "its history is not read"}, target  # fmt: skip
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / ".git").write_bytes(f"gitdir: {outside / '.git'}\n".encode())
    code, report = scan(store, tmp_path, f"{linked}@secret")
    [candidate] = report["candidates"]
    assert (code, candidate["files"]) == (3, [])
    assert "outside the folder" in unread(candidate)[""]
    code, report = scan(store, tmp_path, f"{outside}@secret")  # the repository itself: read
    assert code == 1


def test_only_the_first_bytes_of_each_blob_are_kept_to_tell_it(tmp_path):
    """``ObjectStore.heads`` streams each blob through one ``cat-file --batch``, passing over
    what follows its first bytes: a blob of megabytes between two others leaves the answers in
    step, and a missing one is skipped."""
    from scanner.sources.gitobjects import LocalRepository

    repo = new_repo(tmp_path / "repo")
    blobs = {}
    for name, data in (("big", os.urandom(3 * 1024 * 1024)), ("tool", b"#!/usr/bin/env node\n"),
                       ("empty", b""), ("tail", b"#!/bin/sh\necho\n")):  # fmt: skip
        (repo / name).write_bytes(data)
        blobs[name] = git(repo, "hash-object", "-w", name)
    asked = [blobs["big"], "0" * 40, blobs["tool"], blobs["empty"], blobs["tail"]]
    seen: dict[str, bytes] = {}

    def keep(blob: str, head: bytes) -> bool:
        seen[blob] = head
        return head.startswith(b"#!")

    kept = LocalRepository(repo).heads(asked, 512, keep)
    assert kept == {blobs["tool"], blobs["tail"]}
    assert seen[blobs["tool"]] == b"#!/usr/bin/env node\n" and seen[blobs["empty"]] == b""
    assert len(seen[blobs["big"]]) == 512 and "0" * 40 not in seen


def test_code_pasted_into_a_commit_message_is_read_with_history(store, tmp_path):
    """A commit message is read too: its fenced code blocks by their language label, and the
    whole message as the language most of the history's files are in (code pasted unfenced).
    Ordinary prose matches nothing: a repository of prose messages stays ``clear``."""
    repo = new_repo(tmp_path / "repo")
    for n in range(3):
        prose = (f"Fix the totals\n\nThe rounding of step {n} was off by one cent; reconcile "
                 "before export (see the ledger notes).")  # fmt: skip
        commit(repo, {f"m{n}.py": b"x = %d\n" % n}, prose)
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert (code, candidate["verdict"], candidate["problems"]) == (0, "clear", []), candidate
    fenced = commit(repo, {"a.py": b"a = 1\n"},
                    f"Port the export\n\n```go\n{OTHER_LEAK.decode()}```\n")  # fmt: skip
    pasted = commit(repo, {"b.py": b"b = 1\n"}, f"Reconcile\n\n{LEAKED.decode()}")
    for target in (str(repo), f"file://{repo}"):
        code, report = scan(store, tmp_path, target, "--history")
        [candidate] = report["candidates"]
        assert (code, candidate["verdict"]) == (1, "derivative"), candidate
        paths = {pair["candidate_path"] for pair in candidate["files"]}
        assert paths == {f"{fenced}:message!/code.go", f"{pasted}:message"}, paths
    git(repo, "tag", "-a", "v1", "-m", f"Release\n\n```python\n{LEAKED.decode()}```\n")
    code, report = scan(store, tmp_path, str(repo), "--history")
    paths = {pair["candidate_path"] for pair in report["candidates"][0]["files"]}
    assert f"{git(repo, 'rev-parse', 'v1')}:message!/code.py" in paths, paths


def test_a_folders_history_reads_its_commit_messages(store, tmp_path):
    repo = new_repo(tmp_path / "repo")
    pasted = commit(repo, {"b.py": b"b = 1\n"}, f"Reconcile\n\n{LEAKED.decode()}")
    code, report = scan(store, tmp_path, str(repo), "--history")
    assert code == 1, report
    code, report = scan(store, tmp_path, f"{repo}@main", "--history")
    assert code == 1 and {pair["candidate_path"] for pair in report["candidates"][0]["files"]
                          } == {f"{pasted}:message"}, report  # fmt: skip


def test_messages_no_ref_reaches_are_read_in_a_repository_on_disk(store, tmp_path):
    """A message amended away (only the reflog reaches the old commit) or a deleted annotated
    tag's (its object is still kept until ``git gc``) is read as the others are."""
    repo = new_repo(tmp_path / "repo")
    amended = commit(repo, {"b.py": b"b = 1\n"}, f"Reconcile\n\n{LEAKED.decode()}")
    git(repo, "commit", "--amend", "-qm", "Reconcile")
    git(repo, "tag", "-a", "v1", "-m", f"Release\n\n```go\n{OTHER_LEAK.decode()}```\n")
    tag = git(repo, "rev-parse", "v1")
    git(repo, "tag", "-d", "v1")
    code, report = scan(store, tmp_path, str(repo), "--history")
    paths = {pair["candidate_path"] for pair in report["candidates"][0]["files"]}
    assert code == 1 and paths == {f"{amended}:message", f"{tag}:message!/code.go"}, paths


def test_a_message_with_a_nul_is_read_past_it(store, tmp_path):
    """``git log --format=%B`` ends a message at a NUL (a hand-made commit can hold one): the
    commit object itself is read, so what follows the NUL is never silently passed over."""
    repo = new_repo(tmp_path / "repo")
    raw = (f"tree {git(repo, 'rev-parse', 'HEAD^{tree}')}\nparent {git(repo, 'rev-parse', 'HEAD')}"
           "\nauthor t <t@example.com> 1 +0000\ncommitter t <t@example.com> 1 +0000\n\n"
           "Tidy\0\n\n").encode() + LEAKED  # fmt: skip
    (tmp_path / "commit").write_bytes(raw)
    made = git(repo, "hash-object", "-t", "commit", "-w", "--literally", str(tmp_path / "commit"))
    git(repo, "update-ref", "refs/heads/main", made)
    code, report = scan(store, tmp_path, str(repo), "--history")
    [candidate] = report["candidates"]
    assert code in (1, 3) and candidate["verdict"] != "clear", candidate
    said = {item["path"] for item in candidate["unread"]}
    said |= {pair["candidate_path"] for pair in candidate["files"]}
    assert f"{made}:message" in said, candidate


def test_code_in_a_git_note_is_read_with_history(store, tmp_path):
    """``git notes`` keep text on a commit under refs/notes/: read as a message is, named
    ``COMMIT:note``, on disk and over a git URL alike."""
    repo = new_repo(tmp_path / "repo")
    on = git(repo, "rev-parse", "HEAD")
    git(repo, "notes", "add", "-m", f"Review\n\n```go\n{OTHER_LEAK.decode()}```\n", on)
    for target in (str(repo), f"file://{repo}"):
        code, report = scan(store, tmp_path, target, "--history")
        paths = {pair["candidate_path"] for pair in report["candidates"][0]["files"]}
        assert code == 1 and paths == {f"{on}:note!/code.go"}, (target, paths)


def test_a_message_over_max_read_bytes_is_a_line_and_never_read(tmp_path, monkeypatch):
    """A commit whose message is larger than ``max_read_bytes`` is one unread line, decided by
    its size before anything is read (a hostile message of gigabytes was read whole, with every
    other message of the history, before its size was looked at); the others are read."""
    from scanner.sources import gitobjects

    repo = new_repo(tmp_path / "repo")
    small = commit(repo, {"notes.txt": b"one\n"}, "Small message")
    raw = (f"tree {git(repo, 'rev-parse', 'HEAD^{tree}')}\nparent {small}"
           "\nauthor t <t@example.com> 1 +0000\ncommitter t <t@example.com> 1 +0000\n\n"
           "Big\n\n").encode() + LEAKED * (400_000 // len(LEAKED) + 1)  # fmt: skip
    (tmp_path / "commit").write_bytes(raw)
    big = git(repo, "hash-object", "-t", "commit", "-w", "--literally", str(tmp_path / "commit"))
    git(repo, "update-ref", "refs/heads/main", big)
    asked: list[str] = []
    read_batch = gitobjects.ObjectStore._read_batch

    def spy(self, blobs):
        asked.extend(blobs)
        return read_batch(self, blobs)

    monkeypatch.setattr(gitobjects.ObjectStore, "_read_batch", spy)
    candidate = GitRepo(str(repo), history=True, limits=Limits(max_read_bytes=100_000))
    list(candidate.iter_files())
    assert big not in asked and small in asked, asked
    lines = [p.message for p in candidate.problems if p.path == f"{big}:message"]
    assert len(lines) == 1 and "over max_read_bytes" in lines[0], candidate.problems
