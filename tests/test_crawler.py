"""The crawler against servers on 127.0.0.1: fork networks, resumption, faults, the token,
registries, source maps and hostile tarballs (issue: crawler)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.http import Http, Policy
from scanner.sources.github import GitHubAPI
from tests.conftest import SAMPLES, one_commit_clear
from tests.servers import FakeGitHub, FakeRegistry, max_per_window

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
PUBLIC = SAMPLES / "public" / "acme-pay-sdk"
TOKEN = "ghp_" + "T0k3n" * 7
FORKS = 200
LEAKY = {37, 101, 188}  # the forks that carry private files


def tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".ruff_cache" not in p.parts}  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC),
                               "--store", str(db)])  # fmt: skip
    assert done.exit_code == 0, done.output
    return db


def build_network(gh: FakeGitHub) -> None:
    """The company's public SDK with 200 forks (some forks of forks); three carry private files."""
    base = tree_files(PUBLIC)
    gh.add_repo("acme", "pay-sdk", base)
    private = {
        "acme_pay_sdk/tax_rules.py": (PRIVATE / "acme_ledger" / "tax.py").read_bytes(),
        "internal/export.go": (PRIVATE / "services" / "settlement" / "export.go").read_bytes(),
    }
    for i in range(FORKS):
        files = dict(base)
        files["README.md"] = base["README.md"] + f"\nFork {i}: my changes.\n".encode()
        if i % 5 == 0:
            files[f"acme_pay_sdk/extra_{i}.py"] = (
                f"def helper_{i}(x):\n    return x * {i}\n".encode()
            )
        if i in LEAKY:
            files.update(private)
        parent = ("acme", "pay-sdk") if i < 150 else (f"user{i % 150}", "pay-sdk")
        gh.add_repo(f"user{i}", "pay-sdk", files, fork_of=parent)


def verdicts(report: dict) -> dict[str, str]:
    return {c["target"].split("@")[0].removeprefix("github:"): c["verdict"]
            for c in report["candidates"]}  # fmt: skip


def test_fork_network_flags_exactly_the_forks_with_private_files(store, tmp_path):
    with FakeGitHub(token=TOKEN) as gh:
        build_network(gh)
        report_path = tmp_path / "r.json"
        done = runner.invoke(
            app,
            ["scan", "--forks", "acme/pay-sdk", "--store", str(store), "--api-url", gh.url,
             "--results", str(tmp_path / "results.db"), "--json", str(report_path)],
            env={"GITHUB_TOKEN": TOKEN},
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        report = json.loads(report_path.read_text())
        found = verdicts(report)
        assert len(found) == FORKS
        flagged = {name for name, verdict in found.items() if verdict == "derivative"}
        assert flagged == {f"user{i}/pay-sdk" for i in LEAKY}
        # each fork is one commit of it, its history not read (scan --history reads it)
        assert all(one_commit_clear(c) for c in report["candidates"]
                   if c["verdict"] != "derivative")  # fmt: skip
        for candidate in report["candidates"]:
            if candidate["verdict"] == "derivative":
                assert {f["candidate_path"] for f in candidate["files"]} == {
                    "acme_pay_sdk/tax_rules.py",
                    "internal/export.go",
                }
                assert len(candidate["revision"]) == 40  # the commit, for permanent links
        blobs = gh.requests_matching(r"/git/blobs/")
        trees = gh.requests_matching(r"/git/trees/")
        tarballs = gh.requests_matching(r"/tarball")
        assert "network:" in done.stderr and "blob downloads" in done.stderr
        # One tree listing per fork; each distinct blob downloaded once across the network.
        assert len(trees) == FORKS and not tarballs
        distinct_source = len({s for s in {r["path"].rsplit("/", 1)[-1] for r in blobs}})
        assert len(blobs) == distinct_source < 60  # vs 200 full tarballs
        listings = gh.requests_matching(r"/forks$")
        commits = gh.requests_matching(r"/commits/|/branches/")
        # Every request is one of those four kinds: no tarball, no per-fork repository lookup.
        assert len(gh.requests) == len(trees) + len(blobs) + len(listings) + len(commits)
        assert len(commits) == len(LEAKY)  # commit SHAs only for the flagged, for links
        assert len(listings) <= 2 + 50  # root pages + one per fork that has forks of its own
        print(f"{len(gh.requests)} API requests, {len(blobs)} blob downloads for {FORKS} forks")


def test_a_killed_scan_resumes_without_fetching_again(store, tmp_path):
    with FakeGitHub(token=TOKEN) as gh:
        build_network(gh)
        gh.faults.add(path_regex=r"/git/trees/", kind="hang", seconds=0.02, times=None)
        results = tmp_path / "results.db"
        command = [sys.executable, "-m", "scanner", "scan", "--forks", "acme/pay-sdk",
                   "--store", str(store), "--api-url", gh.url,
                   "--results", str(results)]  # fmt: skip
        env = {**os.environ, "GITHUB_TOKEN": TOKEN}
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        while len(gh.requests_matching(r"/git/trees/")) < FORKS // 2:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # a crash, not a polite stop
        process.wait()
        first_blobs = [r["path"] for r in gh.requests_matching(r"/git/blobs/")]
        first_trees = len(gh.requests_matching(r"/git/trees/"))
        gh.faults.clear()

        again = subprocess.run([*command, "--json", str(tmp_path / "resumed.json")], env=env,
                               capture_output=True, text=True, check=False)  # fmt: skip
        assert again.returncode == 1, again.stderr
        assert "resuming run 1" in again.stderr
        second = gh.requests[len(first_blobs) + first_trees :]
        second_blobs = [r["path"] for r in gh.requests_matching(r"/git/blobs/")][len(first_blobs) :]
        assert not set(second_blobs) & set(first_blobs)  # nothing downloaded twice
        assert len(gh.requests_matching(r"/git/trees/")) - first_trees < FORKS - 50
        resumed = verdicts(json.loads((tmp_path / "resumed.json").read_text()))
        assert len(resumed) == FORKS
        assert {n for n, v in resumed.items() if v == "derivative"} == {
            f"user{i}/pay-sdk" for i in LEAKY
        }
        assert second  # it did have work left


def test_faults_rate_limits_and_the_token(store, tmp_path):
    with FakeGitHub(token=TOKEN) as gh:
        build_network(gh)
        gh.budgets = {"core": (150, 2)}
        gh.faults.add(path_regex=r"/git/blobs/", kind="502", times=3)
        gh.faults.add(path_regex=r"/git/trees/", kind="reset", times=2)
        gh.faults.add(path_regex=r"/git/trees/", kind="drop", times=1)
        gh.faults.add(path_regex=r"/forks", kind="secondary", retry_after=1, times=1)
        gh.faults.add(path_regex=r"/git/blobs/", kind="429", retry_after=1, times=1)
        outputs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "html", "md", "sarif")}
        started = time.monotonic()
        done = runner.invoke(
            app,
            ["scan", "--forks", "acme/pay-sdk", "--store", str(store), "--api-url", gh.url,
             "--results", str(tmp_path / "results.db"),
             *[arg for fmt, path in outputs.items() for arg in (f"--{fmt}", str(path))]],
            env={"GITHUB_TOKEN": TOKEN},
        )  # fmt: skip
        assert done.exit_code == 1, done.output
        assert time.monotonic() - started >= 2  # waited out retry-after and the core budget
        found = verdicts(json.loads(outputs["json"].read_text()))
        assert {n for n, v in found.items() if v == "derivative"} == {
            f"user{i}/pay-sdk" for i in LEAKY
        }
        assert not gh.faults.pending
        assert all(r["headers"].get("authorization") == f"Bearer {TOKEN}" for r in gh.requests
                   if r["status"] != 304 and not r.get("fault"))  # fmt: skip
        for text in [done.stdout, done.stderr, *(p.read_text() for p in outputs.values())]:
            assert TOKEN not in text
        assert TOKEN.encode() not in (tmp_path / "results.db").read_bytes()


def test_code_search_pacing_hangs_and_the_redirect_host():
    with FakeGitHub(token=TOKEN) as gh:
        gh.add_repo("acme", "tool", {"a.py": b"SECRET_MARKER = 1\n"})
        for i in range(12):
            gh.add_repo(f"o{i}", "r", {"x.py": f"SECRET_MARKER = {i}\n".encode()})
        gh.faults.add(path_regex=r"/repos/acme/tool$", kind="hang", seconds=3, times=1)
        client = httpx.Client(timeout=httpx.Timeout(0.5))
        http = Http(client, token=TOKEN, api_url=gh.url,
                    policy=Policy(code_search_per_minute=3, code_search_window=1.0))  # fmt: skip
        api = GitHubAPI(http, gh.url)
        assert api.repo("acme", "tool").full_name == "acme/tool"  # timed out once, retried
        assert http.stats.retries >= 1
        for _ in range(8):
            http.get(f"{gh.url}/search/code", params={"q": "SECRET_MARKER"}, kind="code_search",
                     conditional=False)  # fmt: skip
        assert max_per_window(gh.code_search_times, 1.0) <= 3

        tarball = http.download(f"{gh.url}/repos/acme/tool/tarball/main", 10_000_000)
        with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
            assert any(n.endswith("/a.py") for n in tar.getnames())
        assert gh.codeload_requests and all(
            "authorization" not in r["headers"] for r in gh.codeload_requests
        )
        assert http.redact(f"token {TOKEN} leaked") == "token *** leaked"
        client.close()


def test_npm_source_map_with_private_files_is_derivative(store, tmp_path):
    journal = (PRIVATE / "acme_ledger" / "journal.py").read_text()
    client_ts = (PRIVATE / "web" / "src" / "api" / "ledgerClient.ts").read_text()
    source_map = {"version": 3, "file": "index.js", "mappings": "AAAA",
                  "sources": ["webpack:///./src/api/ledgerClient.ts", "webpack:///./src/util.ts",
                              "../lib/journal.py"],
                  "sourcesContent": [client_ts, "export const x = 1;\n", journal]}  # fmt: skip
    with FakeRegistry() as registry:
        registry.add_npm("@acme/ledger-ui", "2.0.0", {
            "index.js": b"console.log('built');\n",
            "dist/index.js.map": json.dumps(source_map).encode(),
        })  # fmt: skip
        registry.add_pypi("harmless", "1.0", {"harmless/__init__.py": b"VALUE = 1\n"})
        report = tmp_path / "r.json"
        done = runner.invoke(app, ["scan", "npm:@acme/ledger-ui@2.0.0", "pypi:harmless==1.0",
                                   "--store", str(store), "--npm-registry", registry.url,
                                   "--pypi-url", registry.url,
                                   "--results", str(tmp_path / "results.db"),
                                   "--json", str(report)])  # fmt: skip
        assert done.exit_code == 1, done.output
    data = json.loads(report.read_text())
    npm, pypi = data["candidates"]
    assert npm["verdict"] == "derivative" and pypi["verdict"] == "clear"
    assert npm["kind"] == "npm" and npm["revision"].startswith("2.0.0 sha256:")
    paths = {(f["candidate_path"], f["private_path"]) for f in npm["files"]}
    assert (
        "package/dist/index.js.map!/src/api/ledgerClient.ts",
        "web/src/api/ledgerClient.ts",
    ) in paths
    assert ("package/dist/index.js.map!/lib/journal.py", "acme_ledger/journal.py") in paths


def hostile_tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:

        def add(name: str, data: bytes = b"x = 1\n", **attrs: object) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            for key, value in attrs.items():
                setattr(info, key, value)
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)

        add("package/../../escape.js")
        add("/etc/evil.py")
        add("package/passwd.js", type=tarfile.SYMTYPE, linkname="/etc/passwd", size=0)
        add("package/big.py", b"\0" * 1000)
        add("package/ok.js", b"module.exports = function add(a, b) { return a + b; };\n")
    return buffer.getvalue()


def test_hostile_package_is_refused_and_nothing_is_written_outside(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = set(Path("/tmp").iterdir()), set(tmp_path.parent.iterdir())
    with FakeRegistry() as registry:
        registry.add_npm("evil", "1.0.0", tarball=hostile_tarball())
        done = runner.invoke(app, ["scan", "npm:evil@1.0.0", "--store", str(store),
                                   "--npm-registry", registry.url, "--json", "-"])  # fmt: skip
    assert done.exit_code == 3, done.output  # big.py is not text: not all of it was read
    lines = done.stderr.splitlines()
    unsafe = "read in memory only, never extracted"
    assert (
        f"leaktrace: npm:evil@1.0.0:package/../../escape.js: unsafe name ('..' in path): {unsafe}"
        in lines
    )
    assert f"leaktrace: npm:evil@1.0.0:/etc/evil.py: unsafe name (absolute path): {unsafe}" in lines
    assert (
        "leaktrace: npm:evil@1.0.0:package/passwd.js: link to '/etc/passwd'; not followed" in lines
    )
    assert not (tmp_path.parent / "escape.js").exists() and not Path("/escape.js").exists()
    assert set(tmp_path.parent.iterdir()) == before[1]
    candidate = json.loads(done.stdout[: done.stdout.rindex("}") + 1])["candidates"][0]
    assert candidate["partial"] is True and candidate["verdict"] == "incomplete"
    assert candidate["unread"] == [{"path": "package/big.py", "message": "binary file (NUL byte)"}]


def test_seeds_drive_code_search_and_are_opt_in(tmp_path):
    plain, seeded = tmp_path / "plain.db", tmp_path / "seeded.db"
    for db, extra in ((plain, []), (seeded, ["--seeds"])):
        done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db), *extra])
        assert done.exit_code == 0, done.output
    listed = runner.invoke(app, ["seeds", "--store", str(plain)])
    assert listed.exit_code == 0 and listed.stdout == ""
    seeds = runner.invoke(app, ["seeds", "--store", str(seeded), "--limit", "200"]).stdout.split(
        "\n"
    )
    assert len(seeds) > 20 and all(len(s) >= 12 for s in seeds if s)
    assert not {"__init__", "self", "return"} & set(seeds)

    # A seed that unrelated public code also uses is dropped when the background is learned.
    common = seeds[0]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "other.py").write_text(f"{common} = 1\n")
    assert runner.invoke(app, ["background", str(corpus), "--store", str(seeded)]).exit_code == 0
    after = runner.invoke(app, ["seeds", "--store", str(seeded), "--limit", "200"]).stdout.split()
    assert common not in after

    with FakeGitHub(token=TOKEN) as gh:
        reconciliation = (PRIVATE / "acme_ledger" / "reconciliation.py").read_bytes()
        gh.add_repo("someone", "finance-tools", {"lib/match.py": reconciliation,
                                                 "README.md": b"# tools\n"})  # fmt: skip
        gh.add_repo("other", "unrelated", {"main.py": b"print('hello world')\n"})
        report = tmp_path / "r.json"
        done = runner.invoke(app, ["scan", "--seeds", "5", "--store", str(seeded),
                                   "--api-url", gh.url, "--results", str(tmp_path / "res.db"),
                                   "--json", str(report)], env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
        assert done.exit_code == 1, done.output
        searches = gh.requests_matching(r"/search/code")
        assert 1 <= len(searches) <= 5 + 5  # at most one page per seed, plus retries
    found = {c["target"]: c["verdict"] for c in json.loads(report.read_text())["candidates"]}
    assert found.get("github:someone/finance-tools") == "derivative"
    assert "github:other/unrelated" not in found


def test_seed_searches_are_said_and_a_resumed_run_does_not_search_again(tmp_path):
    """``scan --seeds 5``: a line per code search on stderr (by number, never the seed's text);
    killed while a hit is being read, the same command resumes without searching again what
    the run searched (it searched every seed again before). The kill comes while the hit's
    first request hangs (``arrived``): the server logs a request once answered, so waiting for
    the log waited out the hang (or the client's timeout and retry) and the first run went on,
    under load sometimes to its end (``done``), and the rerun was a new run 2."""
    seeded = tmp_path / "seeded.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(seeded), "--seeds"])
    assert done.exit_code == 0, done.output
    seeds = runner.invoke(
        app, ["seeds", "--store", str(seeded), "--limit", "5"]
    ).stdout.splitlines()
    with FakeGitHub(token=TOKEN) as gh:
        gh.add_repo("someone", "finance-tools", {
            "lib/match.py": (PRIVATE / "acme_ledger" / "reconciliation.py").read_bytes(),
            "lib/book.py": (PRIVATE / "acme_ledger" / "journal.py").read_bytes()})  # fmt: skip
        gh.faults.add(path_regex=r"/repos/someone/finance-tools", kind="hang", seconds=60)
        command = [sys.executable, "-m", "scanner", "scan", "--seeds", "5", "--store",
                   str(seeded), "--api-url", gh.url,
                   "--results", str(tmp_path / "res.db")]  # fmt: skip
        env = {**os.environ, "GITHUB_TOKEN": TOKEN}
        with (tmp_path / "first.err").open("w") as first_err:
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                       stderr=first_err)  # fmt: skip
            deadline = time.monotonic() + 90
            while not gh.arrived_matching(r"/repos/someone/finance-tools"):
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)  # reading the first hit (it hangs): a crash
            process.wait()
        assert not gh.requests_matching(r"/repos/someone/finance-tools")  # killed mid-request
        first = len(gh.requests_matching(r"/search/code"))
        said = (tmp_path / "first.err").read_text()
        done_first = said.count("leaktrace: code search ")  # one in flight may be cut off
        assert 1 <= done_first <= first <= 5, said
        assert "leaktrace: code search 1/5 (seed #1): " in said
        gh.faults.clear()
        again = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert again.returncode == 1, again.stderr
        assert "resuming run 1" in again.stderr
        second = len(gh.requests_matching(r"/search/code")) - first
        kept = [line for line in again.stderr.splitlines()
                if line.endswith("found before in this run, not searched again")]  # fmt: skip
        assert len(kept) >= done_first and kept[0].startswith("leaktrace: code search 1/5 ")
        assert len(kept) + second == 5, (first, second)  # what was done is not done again
        report = runner.invoke(app, ["report", "latest", "--format", "json", "--results",
                                     str(tmp_path / "res.db")]).stdout  # fmt: skip
        found = {c["target"]: c["verdict"] for c in json.loads(report)["candidates"]}
        assert found["github:someone/finance-tools"] == "derivative"
    for seed in seeds:
        assert seed not in said and seed not in again.stderr


def test_notice_for_a_github_candidate_gives_permanent_links(store, tmp_path):
    import re

    with FakeGitHub(token=TOKEN) as gh:
        leak = gh.add_repo("someone", "tools", {
            "lib/tax.py": (PRIVATE / "acme_ledger" / "tax.py").read_bytes(),
            "lib/journal.py": (PRIVATE / "acme_ledger" / "journal.py").read_bytes(),
            "README.md": b"# tools\n"})  # fmt: skip
        results = str(tmp_path / "results.db")
        done = runner.invoke(app, ["scan", "github:someone/tools@main", "--store", str(store),
                                   "--api-url", gh.url, "--results", results],
                             env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
        assert done.exit_code == 1, done.output
    done = runner.invoke(app, ["review", "latest", "github:someone/tools@main", "--confirm",
                               "--files", "lib/tax.py", "--reason", "same tax tables and code",
                               "--results", results])  # fmt: skip
    assert done.exit_code == 0, done.output
    notice = tmp_path / "notice.md"
    assert runner.invoke(app, ["notice", "latest", "--out", str(notice),
                               "--results", results]).exit_code == 0  # fmt: skip
    text = notice.read_text()
    links = re.findall(r"https://github\.com/[^\s>]+", text)  # each an autolink <URL>
    assert links and all(
        re.fullmatch(rf"https://github\.com/someone/tools/blob/{leak.commit_sha}/lib/tax\.py"
                     r"#L\d+(-L\d+)?", link) for link in links)  # fmt: skip
    assert "lib/journal.py" not in text  # matched, not confirmed


def test_a_repository_two_listings_name_is_scanned_once(store, tmp_path):
    reconciliation = (PRIVATE / "acme_ledger" / "reconciliation.py").read_bytes()
    with FakeGitHub(token=TOKEN) as gh:
        gh.add_repo("someone", "tools", {"lib/match.py": reconciliation})
        done = runner.invoke(app, ["scan", "--store", str(store), "--github-search",
                                   '"reconcile"', "--github-repos", "tools", "--api-url", gh.url,
                                   "--results", str(tmp_path / "r.db"), "--json", "-"],
                             env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
    assert done.exit_code == 1, done.output
    report = json.loads(done.stdout[: done.stdout.rindex("}") + 1])
    assert [c["target"] for c in report["candidates"]] == ["github:someone/tools"]


def test_a_listing_that_names_nothing_says_which_option_was_given(store, tmp_path):
    with FakeGitHub(token=TOKEN) as gh:
        done = runner.invoke(app, ["scan", "--store", str(store), "--github-repos", "ledger",
                                   "--api-url", gh.url, "--results", str(tmp_path / "r.db")],
                             env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
    assert done.exit_code == 2, done.output
    assert "nothing scanned: the targets asked for (--github-repos) named no candidate" in (
        done.output
    )


def test_a_remote_trees_pages_are_not_fetched_its_components_are(store, tmp_path):
    """A docs or javadoc tree is thousands of HTML pages: a GitHub tree scan fetches none of them
    (as it fetches no Markdown), only source, carriers and components (``.vue``: source)."""
    journal = (PRIVATE / "acme_ledger" / "journal.py").read_bytes()
    pages = {f"docs/api/page{i}.{suffix}": f"<html><script>let a = {i};</script></html>\n"
             for i in range(30) for suffix in ("html", "htm", "xhtml")}  # fmt: skip
    with FakeGitHub(token=TOKEN) as gh:
        gh.add_repo("someone", "docs", {**pages, "lib/journal.py": journal,
                                        "web/App.vue": b"<script>export default {}</script>\n",
                                        "README.md": b"# docs\n"})  # fmt: skip
        done = runner.invoke(app, ["scan", "github:someone/docs@main", "--store", str(store),
                                   "--api-url", gh.url, "--results", str(tmp_path / "r.db")],
                             env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
        assert done.exit_code == 1, done.output
        blobs = gh.requests_matching(r"/git/blobs/")
    assert len(blobs) == 2, [request["path"] for request in blobs]  # journal.py and App.vue
