"""What a user types that is not for others to read never reaches an output: a password in a git
URL (stderr, the verdict table, every report, the results database, a store's origins and
``repos``), a private seed string that a failed search would otherwise be named after."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.redaction import hide_userinfo
from scanner.sources.git import GitRepo
from tests.conftest import SAMPLES
from tests.servers import FakeGitHub
from tests.servers.git_http import GitHTTPServer
from tests.test_git_history import bare, commit, new_repo

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
PUBLIC = SAMPLES / "public" / "acme-pay-sdk"
LEAKED = (PRIVATE / "acme_ledger" / "reconciliation.py").read_bytes()
SECRET = "S3CRETPW"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC),
                               "--store", str(db), "--seeds"])  # fmt: skip
    assert done.exit_code == 0, done.output
    return db


def _everything(tmp_path: Path, done) -> dict[str, bytes]:
    """Every output of a run: its stdout, stderr and each file it wrote (databases with their
    write-ahead logs)."""
    found = {"stdout": done.stdout.encode(), "stderr": done.stderr.encode()}
    for path in tmp_path.rglob("*"):
        if path.is_file() and "served" not in path.parts and "work" not in path.parts:
            found[str(path.relative_to(tmp_path))] = path.read_bytes()
    return found


def _seed_scan(store: Path, gh: FakeGitHub, token: str) -> tuple[list[str], Result]:
    """The store's first two seeds, and ``scan --seeds 2`` with every report, in this folder."""
    from fingerprints import open_store

    with open_store(store, read_only=True) as opened:
        seeds = opened.seeds(2)
    assert len(seeds) == 2
    done = runner.invoke(app, ["scan", "--seeds", "2", "--store", str(store), "--api-url",
                               gh.url, "--json", "s.json", "--md", "s.md", "--html", "s.html",
                               "--sarif", "s.sarif"],
                         env={"GITHUB_TOKEN": token, "COLUMNS": "200"})  # fmt: skip
    return seeds, done


def _nowhere(outputs: dict[str, bytes], texts: list[str]) -> None:
    for text in texts:
        leaking = [name for name, data in outputs.items() if text.encode() in data]
        assert not leaking, (text, leaking)


def test_hide_userinfo_takes_the_user_and_password_out_of_every_url():
    assert hide_userinfo("http://user:pw@127.0.0.1:80/x/y.git") == "http://127.0.0.1:80/x/y.git"
    assert (
        hide_userinfo("https://t0ken@github.com/o/r.git@main") == "https://github.com/o/r.git@main"
    )
    assert hide_userinfo("https://u:p@ss@host/r") == "https://host/r"  # '@' in the password
    line = "fatal: unable to access 'http://u:pw@h/r.git/': 401; see https://x.example/a@b"
    assert hide_userinfo(line) == (
        "fatal: unable to access 'http://h/r.git/': 401; see https://x.example/a@b"
    )
    for kept in ("git@github.com:o/r.git", "github:o/r@main", "npm:@scope/x@1.0", "a/b@c"):
        assert hide_userinfo(kept) == kept


@pytest.mark.parametrize("before", ["-", "+", ".", "1", "x-", "'", " ", "a1", "+-."])
def test_a_scheme_after_any_character_but_a_letter_is_a_url(before):
    """A scheme starts at any letter not preceded by a letter: ``-https://`` on a command line's
    option, ``1https://`` in a log line keep no password."""
    url = f"{before}https://user:secret@host/x"
    assert hide_userinfo(url) == f"{before}https://host/x"
    assert "secret" not in hide_userinfo(f"see {url} and {url}")


def test_a_password_in_a_git_url_is_in_no_output(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    work = new_repo(tmp_path / "work" / "y")
    commit(work, {"lib/recon.py": LEAKED, "empty.py": b""}, "oops")
    served = tmp_path / "served"
    bare(served / "x" / "y.git", work)
    with GitHTTPServer(served) as server:
        port = server.url.rsplit(":", 1)[1]
        url = f"http://user:{SECRET}@127.0.0.1:{port}/x/y.git"
        missing = f"http://user:{SECRET}@127.0.0.1:{port}/x/missing.git"
        done = runner.invoke(app, ["scan", url, missing, "--store", str(store), "--history",
                                   "--json", "c.json", "--md", "c.md", "--html", "c.html",
                                   "--sarif", "c.sarif"], env={"COLUMNS": "200"})  # fmt: skip
        assert done.exit_code == 1, done.output  # the leak is found (the missing one unread)
        report = json.loads((tmp_path / "c.json").read_text())
        shown = f"http://127.0.0.1:{port}/x/y.git"
        verdicts = {c["target"]: c["verdict"] for c in report["candidates"]}
        assert verdicts == {shown: "derivative", f"http://127.0.0.1:{port}/x/missing.git":
                            "incomplete"}  # fmt: skip
        assert f"leaktrace: {shown}:empty.py: empty file" in done.stderr
        assert (tmp_path / "leaktrace-results.db").exists()
        mirror = tmp_path / "m.db"
        done_fp = runner.invoke(app, ["fingerprint", url, "--store", str(mirror)])
        assert done_fp.exit_code == 0, done_fp.output
        listed = runner.invoke(app, ["repos", str(mirror)], env={"COLUMNS": "200"})
        assert listed.exit_code == 0 and f"127.0.0.1:{port}/x/y.git" in listed.stdout
        # the same URL with the password again is the same repository, updated in place
        again = runner.invoke(app, ["fingerprint", url, "--store", str(mirror)])
        assert again.exit_code == 0, again.output
        # learned as a reference source, it is stored and shown without the password too
        learned = runner.invoke(app, ["background", f"{url}@main", "--store", str(mirror)])
        assert learned.exit_code == 0, learned.output
        assert f"{shown}@main" in learned.stdout
    outputs = _everything(tmp_path, done)
    outputs |= {f"fingerprint {k}": v for k, v in _everything(tmp_path, done_fp).items()}
    outputs["repos"] = listed.stdout.encode()
    outputs |= {f"background {k}": v for k, v in _everything(tmp_path, learned).items()}
    for name in ("c.json", "c.md", "c.html", "c.sarif", "leaktrace-results.db", "m.db"):
        assert name in outputs
    _nowhere(outputs, [SECRET])


def test_a_failed_seed_search_is_named_by_number_never_by_its_text(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeGitHub(token="right") as gh:
        seeds, done = _seed_scan(store, gh, "wrong")
    assert done.exit_code == 3, done.output
    report = json.loads((tmp_path / "s.json").read_text())
    names = sorted(c["target"] for c in report["candidates"])
    assert names == ["github-search:seed #1", "github-search:seed #2"]
    assert all(c["verdict"] == "incomplete" for c in report["candidates"])
    assert "leaktrace: github-search:seed #1: " in done.stderr and "HTTP 401" in done.stderr
    _nowhere(_everything(tmp_path, done), [form for seed in seeds for form in (
        seed, quote_plus(f'"{seed}"'), quote(seed), seed.replace(" ", "+"))])  # fmt: skip


class _Challenging(BaseHTTPRequestHandler):
    """Asks for a password; once given one, redirects to ``server.elsewhere`` (if set)."""

    server: _Logged

    def do_GET(self) -> None:
        given = self.headers.get("Authorization")
        self.server.log.append((self.path, given))
        if given is None or not self.server.elsewhere:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
        else:
            self.send_response(302)
            self.send_header("Location", f"{self.server.elsewhere}{self.path}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: ``log`` has what was asked."""


class _Logged(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, elsewhere: str = "") -> None:
        self.elsewhere = elsewhere
        self.log: list[tuple[str, str | None]] = []
        super().__init__(("127.0.0.1", 0), _Challenging)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def test_the_password_goes_to_the_urls_host_only_never_where_it_redirects():
    other = _Logged()
    origin = _Logged(elsewhere=other.url.replace("127.0.0.1", "localhost"))
    try:
        host = origin.url.removeprefix("http://")
        repo = GitRepo(f"http://user:{SECRET}@{host}/x/y.git")
        assert list(repo.iter_files()) == []
        [problem] = repo.problems
        assert SECRET not in problem.message and f"http://{host}/x/y.git" in problem.message
        sent = base64.b64encode(f"user:{SECRET}".encode()).decode()
        assert ("/x/y.git/info/refs?service=git-upload-pack", f"Basic {sent}") in origin.log
        assert other.log and all(given is None for _, given in other.log)
    finally:
        for server in (origin, other):
            server.shutdown()
            server.server_close()


def test_a_seed_search_that_works_leaves_no_seed_text_behind(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeGitHub(token="right") as gh:
        copy = {f"lib/{path.name}": path.read_bytes()
                for path in (PRIVATE / "acme_ledger").glob("*.py")}  # fmt: skip
        gh.add_repo("someone", "tools", copy)
        seeds, done = _seed_scan(store, gh, "right")
    assert done.exit_code == 1, done.output
    report = json.loads((tmp_path / "s.json").read_text())
    assert [c["target"] for c in report["candidates"]] == ["github:someone/tools"]
    # the copy's own code is shown as evidence (it holds the seeds: it is a copy); the queries
    # themselves, as the HTTP cache would key them, are nowhere
    for seed in seeds:
        assert seed not in done.stderr
    _nowhere(_everything(tmp_path, done), [quote_plus(f'"{s}"') for s in seeds]
             + [quote(f'"{s}"') for s in seeds])  # fmt: skip


@pytest.mark.parametrize("password", ["S3CRET#x", "S3CRET?x", "S3CRET'x", 'S3CRET"x', "S3 CRET",
                                      "S3CRET@x", "S3CRET:x"])  # fmt: skip
def test_hide_userinfo_takes_out_a_password_with_any_character_git_allows(password):
    """Git takes the userinfo up to the last ``@`` before the authority's end (the first ``/``):
    a password may hold ``#``, ``?``, quotes or a space, and every one of them is taken out."""
    for url in (f"https://u:{password}@127.0.0.1:1/x.git", f"https://u:{password}@127.0.0.1:1"):
        for line in (url, f"leaktrace: {url}: ConnectError after 6 attempts",
                     f"fatal: unable to access '{url}/': 401"):  # fmt: skip
            hidden = hide_userinfo(line)
            assert "S3" not in hidden and "CRET" not in hidden, (line, hidden)
            assert "127.0.0.1:1" in hidden


def test_a_password_with_a_hash_in_a_git_url_is_in_no_output(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = "https://u:S3CRET#x@127.0.0.1:1/x.git"
    done = runner.invoke(app, ["scan", url, "--store", str(store), "--json", "h.json", "--md",
                               "h.md", "--html", "h.html", "--sarif", "h.sarif"],
                         env={"COLUMNS": "200"})  # fmt: skip
    assert done.exit_code == 3, done.output
    report = json.loads((tmp_path / "h.json").read_text())
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    _nowhere(_everything(tmp_path, done), ["S3CRET"])


def test_a_password_in_a_registry_or_api_url_is_in_no_output(store, tmp_path, monkeypatch):
    """A registry or API URL given with a password: the failure's message (the URL asked for)
    is stored in the report and the results database without it, as it is shown."""
    from tests.servers import FakeRegistry

    monkeypatch.chdir(tmp_path)
    with FakeRegistry() as registry, FakeGitHub() as gh:
        npm = registry.url.replace("://", f"://u:{SECRET}npm@")
        api = gh.url.replace("://", f"://u:{SECRET}api@")
        done = runner.invoke(app, ["scan", "npm:leftpad", "github:o/r", "--store", str(store),
                                   "--npm-registry", npm, "--api-url", api, "--json", "r.json",
                                   "--md", "r.md", "--html", "r.html", "--sarif", "r.sarif"],
                             env={"COLUMNS": "200"})  # fmt: skip
    assert done.exit_code == 3, done.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert {c["target"]: c["verdict"] for c in report["candidates"]} == {
        "npm:leftpad": "incomplete", "github:o/r": "incomplete"}  # fmt: skip
    assert (tmp_path / "leaktrace-results.db").exists()
    _nowhere(_everything(tmp_path, done), [SECRET])


class _Echoing(BaseHTTPRequestHandler):
    """An API that refuses every search with a 422 whose message quotes the query back."""

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        body = json.dumps({"message": "Validation Failed: " + json.dumps(query)}).encode()
        self.send_response(422)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_failed_seed_search_says_only_how_it_failed_never_what_the_server_said(
    store, tmp_path, monkeypatch
):
    """A server that quotes the query back in its error: the seed's text is nowhere, even where
    the token's redaction (a one-letter token) has changed it so it no longer matches whole."""
    monkeypatch.chdir(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echoing)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        gh = type("Api", (), {"url": f"http://127.0.0.1:{server.server_address[1]}"})()
        seeds, done = _seed_scan(store, gh, "e")
    finally:
        server.shutdown()
        server.server_close()
    assert done.exit_code == 3, done.output
    report = json.loads((tmp_path / "s.json").read_text())
    told = {c["target"]: [u["message"] for u in c["unread"]] for c in report["candidates"]}
    assert told == {f"github-search:seed #{n}": ["search failed (HTTP 422)"] for n in (1, 2)}
    words = {word for seed in seeds for word in seed.split() if len(word) > 7}
    assert words
    _nowhere(_everything(tmp_path, done), sorted(words))


_BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x1c", "\x85", "\u2028", "%0A", "%0d%0a"]
"""Line breaks a password may hold: literal ones (each one ``str.splitlines`` splits at) and
URL-encoded ones (git quotes both back as they are)."""


@pytest.mark.parametrize("brk", _BREAKS)
def test_hide_userinfo_takes_out_a_password_holding_a_line_break(brk):
    url = f"https://u:S3CR{brk}ET99@127.0.0.1:1/x.git"
    for line in (url, f"fatal: unable to access '{url}/': 401\nhint: see https://h/a@b",
                 f"warning: url contains a newline in its password component: {url}"):  # fmt: skip
        hidden = hide_userinfo(line)
        assert "S3CR" not in hidden and "ET99" not in hidden, (line, hidden)
        assert "127.0.0.1:1/x.git" in hidden


@pytest.mark.parametrize("brk", ["\n", "\u2028", "%0A"])
def test_a_password_holding_a_line_break_is_in_no_output(store, tmp_path, monkeypatch, brk):
    """Typed on the command line with a literal newline (git refuses it, quoting the URL back
    across two lines) or encoded: stderr, the JSON report and the results database have none of
    it."""
    monkeypatch.chdir(tmp_path)
    url = f"http://u:S3CR{brk}ET99@127.0.0.1:1/x.git"
    done = runner.invoke(app, ["scan", url, "--store", str(store), "--history", "--json",
                               "n.json"], env={"COLUMNS": "200"})  # fmt: skip
    assert done.exit_code == 3, done.output
    report = json.loads((tmp_path / "n.json").read_text())
    assert [c["target"] for c in report["candidates"]] == ["http://127.0.0.1:1/x.git"]
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    assert "leaktrace: http://127.0.0.1:1/x.git: " in done.stderr
    outputs = _everything(tmp_path, done)
    assert {"stderr", "n.json", "leaktrace-results.db"} <= outputs.keys()
    _nowhere(outputs, ["S3CR", "ET99"])


def test_hide_userinfo_looks_back_no_further_than_the_scheme():
    """Many schemes before one ``@`` (``x://a`` repeated): each scheme's search for its
    userinfo starts at that scheme, not at the text's start, so the work is linear. Counted
    through the ``str`` the function is given (no timing): every ``rfind`` spans one scheme's
    stretch, so the spans add up to at most the text's length."""
    from scanner import redaction

    spans: list[int] = []

    class Counted(str):
        def rfind(self, sub, start=None, end=None):  # type: ignore[override]
            spans.append((end if end is not None else len(self)) - (start or 0))
            return str.rfind(self, sub, start, end)

        def find(self, sub, start=None, end=None):  # type: ignore[override]
            return str.find(self, sub, start, end)

    text = Counted("x://a" * 20_000 + "@")
    assert redaction.hide_userinfo(text) == "x://a" * 19_999 + "x://"  # the last one's "a@"
    assert sum(spans) <= 2 * len(text), sum(spans)
