"""``leaktrace serve``: the review workspace over a real results database, on a real uvicorn
server on 127.0.0.1 (issue 14). The run is a real fork-network scan against the fake GitHub:
three forks hold the same two leaked files, one holds a part of one of them (the look-alike)."""

from __future__ import annotations

import copy
import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.reports.notice import confirmed_items
from scanner.reports.panes import Mark, code_rows
from scanner.resultsdb import SCHEMA_VERSION, ResultsDB
from scanner.serve import ServeConfig, check_bind
from scanner.serve.server import address, bind, make_server
from tests.conftest import one_commit_clear
from tests.servers import FakeGitHub
from tests.test_crawler import PRIVATE, PUBLIC, TOKEN, tree_files

runner = CliRunner()
LEAKY = ("user1", "user3", "user4")
LOOKALIKE = "user5"
UNREAD_ONLY = ("user0", "user2")
"""Forks holding nothing private: ``incomplete`` all the same, their history not read."""
HOSTILE = '<img src=x onerror="document.title=1">"><script>document.title=2</script>'


def build_fork_network(gh: FakeGitHub) -> None:
    """acme/pay-sdk with six forks: three carry the same two private files, one a part of one."""
    base = tree_files(PUBLIC)
    gh.add_repo("acme", "pay-sdk", base)
    tax = (PRIVATE / "acme_ledger" / "tax.py").read_bytes()
    export = (PRIVATE / "services" / "settlement" / "export.go").read_bytes()
    leaked = {"acme_pay_sdk/tax_rules.py": tax, "internal/export.go": export}
    for i in range(6):
        files = dict(base)
        if f"user{i}" in LEAKY:
            files.update(leaked)
        if f"user{i}" == LOOKALIKE:
            lines = tax.splitlines(keepends=True)
            files["acme_pay_sdk/rates.py"] = b"".join(lines[: len(lines) * 2 // 3])
        gh.add_repo(f"user{i}", "pay-sdk", files, fork_of=("acme", "pay-sdk"))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    """A results database holding one real fork-network scan (kept read-only: copy it)."""
    root = tmp_path_factory.mktemp("serve")
    store = root / "acme.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--public", str(PUBLIC),
                               "--store", str(store)])  # fmt: skip
    assert done.exit_code == 0, done.output
    with FakeGitHub(token=TOKEN) as gh:
        build_fork_network(gh)
        done = runner.invoke(app, ["scan", "--forks", "acme/pay-sdk", "--store", str(store),
                                   "--api-url", gh.url, "--results", str(root / "results.db")],
                             env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
    assert done.exit_code == 1, done.output
    return root / "results.db"


@pytest.fixture
def results(scanned, tmp_path) -> Path:
    path = tmp_path / "results.db"
    path.write_bytes(scanned.read_bytes())
    return path


@contextmanager
def serving(config: ServeConfig, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """The workspace on a real uvicorn server on 127.0.0.1, in a thread; yields its URL.
    ``tls``: (certificate, key) files to serve HTTPS with."""
    sock = bind("127.0.0.1", 0)
    server = make_server(config, tls_cert=str(tls[0]) if tls else None,
                         tls_key=str(tls[1]) if tls else None)  # fmt: skip
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield address(sock, tls=tls is not None).rstrip("/")
    finally:
        server.should_exit = True
        thread.join(10)


def target_of(results: Path, owner: str) -> tuple[int, dict]:
    with ResultsDB(results) as db:
        return next(
            (run, c) for run, c in db.flagged() if c["target"].startswith(f"github:{owner}/")
        )


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found[1]


# -- the results database: decisions on contents, undo, migration -------------------------------


def test_a_fork_network_run_names_its_network(results):
    with ResultsDB(results) as db:
        flagged = {c["target"].split("@")[0]: c for _, c in db.flagged()}
    assert sorted(flagged) == [f"github:user{i}/pay-sdk" for i in range(6)]
    assert {c.get("network") for c in flagged.values()} == {"acme/pay-sdk"}
    # the other two: one commit read, clear of private code, their history not read
    assert all(one_commit_clear(flagged[f"github:{o}/pay-sdk"]) for o in UNREAD_ONLY)


def test_a_decision_on_a_content_applies_everywhere_and_undo_is_recorded(results):
    run, first = target_of(results, "user1")
    with ResultsDB(results) as db:
        db.decide(first, "confirmed", "the export code, verbatim", "ana",
                  ["internal/export.go"], scope="content")  # fmt: skip
        states = {c["target"].split("/")[0]: c["review"] for _, c in db.flagged()}
        for owner in LEAKY:
            assert states[f"github:{owner}"]["confirmed"] == ["internal/export.go"]
            assert states[f"github:{owner}"]["awaiting"] == ["acme_pay_sdk/tax_rules.py"]
        assert states[f"github:{LOOKALIKE}"]["confirmed"] == []
        sha = next(f["candidate_sha256"] for f in first["files"]
                   if f["candidate_path"] == "internal/export.go")  # fmt: skip
        assert sorted(p.target.split("/")[0] for p in db.placements(sha)) == [
            f"github:{owner}" for owner in LEAKY
        ]
        batch = db.decisions(first["target"])[-1].batch
        db.undo(batch, "confirmed too early", "ben")
        again = db.candidate(run, first["target"])
        assert again["review"]["confirmed"] == [] and len(again["review"]["awaiting"]) == 2
        entry = again["review"]["history"][-1]
        assert entry["decision"] == "confirmed" and entry["by"] == "ana"  # the decision stays
        assert entry["undone"]["by"] == "ben" and entry["undone"]["reason"] == "confirmed too early"
        with pytest.raises(Exception, match="already undone"):
            db.undo(batch, "twice", "ben")


def test_reports_and_notice_show_content_decisions_and_undos(results, tmp_path):
    """The static report and the notice read the same decisions as the workspace."""
    _, first = target_of(results, "user1")
    with ResultsDB(results) as db:
        db.decide(first, "confirmed", "verbatim", "ana", scope="content")
        db.decide(first, "dismissed", "second thoughts", "ana", ["internal/export.go"],
                  scope="content")  # fmt: skip
        db.undo(db.decisions(first["target"])[-1].batch, "no: it is the export code", "ben")
    page = tmp_path / "r.html"
    done = runner.invoke(app, ["report", "latest", "--out", str(page), "--results", str(results)])
    assert done.exit_code == 0, done.output
    html = page.read_text()
    assert "decided on the same content in <code>github:user1/pay-sdk@main</code>" in html
    assert "<b>undone</b> by ben" in html and "no: it is the export code" in html
    notice = tmp_path / "n.md"
    done = runner.invoke(app, ["notice", "latest", "--out", str(notice), "--results", str(results)])
    assert done.exit_code == 0, done.output
    text = notice.read_text()
    for owner in LEAKY:  # confirmed once, in every fork holding the contents
        assert f"`github:{owner}/pay-sdk@main`" in text
    assert text.count("`internal/export.go`, lines") == len(LEAKY)
    assert LOOKALIKE not in text


def test_a_file_confirmed_after_the_whole_candidate_was_dismissed_is_in_the_notice(results):
    """Dismissing a candidate as a whole, then confirming one of its files: that file is
    confirmed, the candidate is no longer wholly dismissed, and the notice lists the file."""
    run, first = target_of(results, "user1")
    with ResultsDB(results) as db:
        db.decide(first, "dismissed", "looked like our mirror", "ana")
        db.decide(first, "confirmed", "no: the export code, verbatim", "ben",
                  ["internal/export.go"])  # fmt: skip
        review = db.candidate(run, first["target"])["review"]
        report = db.report(run)
    assert review["confirmed"] == ["internal/export.go"] and not review["dismissed_whole"]
    listed = {(c["target"], p["candidate_path"]) for c, pairs in confirmed_items(report)
              for p in pairs}  # fmt: skip
    assert listed == {(first["target"], "internal/export.go")}


def test_review_everywhere_decides_once_for_every_fork(results):
    """The command line's ``review --everywhere`` is the workspace's content decision."""
    _, first = target_of(results, "user1")
    done = runner.invoke(app, ["review", "latest", first["target"], "--confirm", "--everywhere",
                               "--reason", "verbatim", "--files", "internal/*.go", "--by", "ana",
                               "--results", str(results)])  # fmt: skip
    assert done.exit_code == 0, done.output
    with ResultsDB(results) as db:
        states = {c["target"].split("/")[0]: c["review"]["confirmed"] for _, c in db.flagged()}
    assert states == {**{f"github:{owner}": ["internal/export.go"] for owner in LEAKY},
                      **{f"github:{owner}": [] for owner in (LOOKALIKE, *UNREAD_ONLY)}}  # fmt: skip


def test_a_version_2_database_is_migrated_with_its_decisions(results, tmp_path):
    """A database written before schema 3 (decisions per location only) keeps its decisions'
    meaning and gains placements for its recorded runs."""
    _, first = target_of(results, "user1")
    old = tmp_path / "old.db"
    con = sqlite3.connect(old)
    con.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('format', 'leaktrace-results'), ('schema_version', '2');"
        "CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,"
        " status TEXT NOT NULL, header TEXT NOT NULL);"
        "CREATE TABLE candidates (run_id INTEGER NOT NULL, seq INTEGER NOT NULL, target TEXT NOT"
        " NULL, verdict TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, target));"
        "CREATE TABLE excerpts (run_id INTEGER NOT NULL, target TEXT NOT NULL, path TEXT NOT NULL,"
        " sha256 TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (run_id, target, path));"
        "CREATE TABLE decisions (id INTEGER PRIMARY KEY, target TEXT NOT NULL, path TEXT,"
        " sha256 TEXT, decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),"
        " reason TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL);"
        "CREATE TABLE parse_failures (sha256 TEXT NOT NULL, language TEXT NOT NULL, message TEXT"
        " NOT NULL, seconds REAL NOT NULL, memory INTEGER NOT NULL, version TEXT NOT NULL,"
        " seen_at TEXT NOT NULL, PRIMARY KEY (sha256, language));"
    )
    con.execute("INSERT INTO runs VALUES (1, 'then', 'then', 'done', '{}')")
    data = json.dumps({k: v for k, v in first.items() if k != "review"})
    con.execute("INSERT INTO candidates VALUES (1, 0, ?, 'derivative', ?)",
                (first["target"], data))  # fmt: skip
    path, sha = first["files"][0]["candidate_path"], first["files"][0]["candidate_sha256"]
    con.execute("INSERT INTO decisions VALUES (1, ?, ?, ?, 'confirmed', 'old', 'ana', 'then')",
                (first["target"], path, sha))  # fmt: skip
    con.commit()
    con.close()
    with ResultsDB(old) as db:
        candidate = db.candidate(1, first["target"])
        assert candidate["review"]["confirmed"] == [path]
        assert [p.target for p in db.placements(sha)] == [first["target"]]
        assert db.decisions(first["target"])[0].scope == "location"
    version = sqlite3.connect(old).execute(
        "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]  # fmt: skip
    assert int(version) == SCHEMA_VERSION == 7  # every migration ran


# -- security -------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused(results):
    run, first = target_of(results, "user1")
    fields = {"run": str(run), "target": first["target"], "action": "confirm",
              "reason": "forged", "files": "internal/export.go"}  # fmt: skip
    with serving(ServeConfig(results, "ana")) as url, httpx.Client(base_url=url) as client:
        page = client.get("/candidate", params={"run": run, "target": first["target"]}).text
        token = csrf_of(page)
        refused = client.post("/decide", data=fields)
        assert refused.status_code == 403
        assert "script-src 'self'" in refused.headers["content-security-policy"]
        assert client.post("/decide", data={**fields, "csrf": "x" * 43}).status_code == 403
        assert client.post("/undo", data={"run": run, "target": first["target"], "batch": "1",
                                          "reason": "forged"}).status_code == 403  # fmt: skip
        foreign = client.post("/decide", data={**fields, "csrf": token},
                              headers={"origin": "https://evil.example"})  # fmt: skip
        assert foreign.status_code == 403
        with ResultsDB(results) as db:
            assert db.decisions(first["target"]) == []  # nothing was recorded
        done = client.post("/decide", data={**fields, "csrf": token, "reason": "checked"})
        assert done.status_code == 303
        with ResultsDB(results) as db:
            recorded = db.decisions(first["target"])
        assert [(d.decision, d.reason, d.decided_by, d.scope) for d in recorded] == [
            ("confirmed", "checked", "ana", "content")
        ]


def test_binding_beyond_loopback_needs_a_token(results, monkeypatch):
    monkeypatch.delenv("LEAKTRACE_SERVE_TOKEN", raising=False)
    for host in ("0.0.0.0", "192.168.1.20", "::", "example.com"):
        done = runner.invoke(app, ["serve", "--results", str(results), "--host", host])
        assert done.exit_code == 2, done.output
        assert "not a loopback address" in done.output and "token" in done.output
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        check_bind(host, None)  # no error
    check_bind("0.0.0.0", "a-token-of-enough-length")
    monkeypatch.setenv("LEAKTRACE_SERVE_TOKEN", "short")
    done = runner.invoke(app, ["serve", "--results", str(results), "--host", "0.0.0.0"])
    assert done.exit_code == 2 and "at least 16" in done.output


def test_with_a_token_every_request_needs_it_and_it_is_never_logged(results, capfd):
    secret = "s3cr3t-" + "t0k3n" * 6
    config = ServeConfig(results, "ana", token=secret)
    with serving(config) as url, httpx.Client(base_url=url) as client:
        for path in ("/", "/candidate?run=1&target=x", "/notice", "/notice.md",
                     "/static/serve.js"):  # fmt: skip
            assert client.get(path).status_code == 401, path
        assert client.post("/decide", data={"csrf": "x"}).status_code == 401
        assert client.get("/", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/", headers={"authorization": f"Bearer {secret}"}).status_code == 200
        signed = client.get("/", params={"token": secret, "state": "all"})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/?state=all"  # the token leaves the address
        assert "HttpOnly" in signed.headers["set-cookie"]
        assert "SameSite=Strict" in signed.headers["set-cookie"]
        assert client.get("/").status_code == 200  # the cookie from now on
    printed = capfd.readouterr()
    assert secret not in printed.out + printed.err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2"])
def test_the_command_serves_until_stopped(results, host):
    """``leaktrace serve --port 0`` in its own process: it says where it listens, serves the
    queue there, and stops on SIGTERM. Bound to another loopback address it answers to that
    address (it answered 421: the Host check knew only 127.0.0.1, localhost and [::1]), and
    still to no other name."""
    command = [sys.executable, "-m", "scanner", "serve", "--results", str(results),
               "--host", host, "--port", "0", "--by", "ana"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:  # fmt: skip
        try:
            line = process.stdout.readline() if process.stdout else ""
            found = re.search(rf"http://{re.escape(host)}:\d+/", line)
            assert found, line
            page = httpx.get(found[0])
            assert page.status_code == 200 and "github:user1/pay-sdk@main" in page.text
            assert "deciding as <code>ana</code>" in page.text
            assert httpx.get(found[0], headers={"host": "attacker.example"}).status_code == 421
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=20)
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    assert "Traceback" not in errors


def test_only_loopback_host_names_are_answered(results):
    with serving(ServeConfig(results, "ana")) as url, httpx.Client(base_url=url) as client:
        assert client.get("/").status_code == 200
        rebound = client.get("/", headers={"host": "attacker.example"})
        assert rebound.status_code == 421  # a page that rebinds its name to 127.0.0.1


def test_hostile_names_and_content_render_inert(results):
    """A candidate named with markup, a file path that is a ``javascript:`` URL, a fragment
    link that is one, source text that closes the <pre>, a reason holding a script: all text."""
    run, first = target_of(results, "user1")
    hostile = copy.deepcopy(first)
    hostile.pop("review")
    hostile["target"] = HOSTILE
    hostile["network"] = "<b>net</b>"
    for i, pair in enumerate(hostile["files"]):
        pair["candidate_path"] = f"javascript:alert({i})//<svg onload=alert(1)>.py"
        pair["candidate_sha256"] = f"{i}" * 64
        for fragment in pair["fragments"]:
            fragment["link"] = "javascript:alert(document.domain)"
    excerpts = {p["candidate_path"]: (p["candidate_sha256"],
                                      "</pre><script>document.title=3</script>\n" * 200)
                for p in hostile["files"]}  # fmt: skip
    with ResultsDB(results) as db:
        db.add_candidate(run, hostile, excerpts)
        db.decide(hostile, "confirmed", "<script>document.title=4</script>", "<i>eve</i>")
    with serving(ServeConfig(results, "<u>ana</u>")) as url, httpx.Client(base_url=url) as client:
        pages = [client.get("/", params={"state": "all"}).text,
                 client.get("/candidate", params={"run": run, "target": HOSTILE}).text,
                 client.get("/notice", params={"run": run}).text]  # fmt: skip
        notice_md = client.get("/notice.md", params={"run": run}).text
    for page in pages:
        tags = Tags()
        tags.feed(page)
        assert not tags.handlers, tags.handlers  # no on...= attribute on any element
        assert tags.scripts == ["/static/serve.js"]  # our own script only, no inline one
        assert not [url for url in tags.urls if not url.startswith(("/", "https://", "#"))]
        assert not {"img", "svg", "u", "i"} & tags.names  # markup from names stays text
        assert "<b>net" not in page
    assert "&lt;img src=x onerror=" in pages[1] and "&lt;/pre&gt;&lt;script&gt;" in pages[1]
    assert "javascript:alert(0)//&lt;svg onload=alert(1)&gt;.py" in pages[1]
    assert "javascript:alert" not in "".join(
        line for line in notice_md.splitlines() if line.lstrip().startswith("- http")
    )


class Tags(HTMLParser):
    """Every element a page really has: names, event-handler attributes, URLs, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[str] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "action", "formaction") and value is not None:
                self.urls.append(value)
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))


# -- panes ----------------------------------------------------------------------------------------


def test_a_long_line_is_shown_around_its_columns():
    line = "a" * 5000 + "SHARED" * 100 + "b" * 5000
    rows = code_rows(f"x = 1\n{line}\ny = 2\n", [Mark(0, 2, 2, (5001, 5600))])
    long_row = next(row for row in rows if row.number == 2)
    marked = [piece for piece in long_row.pieces if piece.fragment == 0]
    assert marked and marked[0].text == "SHARED" * 100 and marked[0].first
    assert sum(len(piece.text) for piece in long_row.pieces) < 1000
    assert long_row.columns == "columns 5,001-5,600"


def test_a_candidate_with_thousands_of_pairs_stays_a_small_page(results):
    """3,000 distinct contents (a bundle's source maps): the first MAX_PANES side by side, every
    other content still listed with its decision form, and one of them opens on its own."""
    from scanner.serve.app import MAX_PANES, PAGE_SIZE

    run, first = target_of(results, "user1")
    big = copy.deepcopy(first)
    big.pop("review")
    big["target"] = "npm:bundle@1.0.0"
    big["kind"] = "npm"
    pair, text = first["files"][0], None
    with ResultsDB(results) as db:
        text = db.excerpts(run, first["target"])[pair["candidate_path"]]
    big["files"] = []
    for i in range(3000):
        clone = copy.deepcopy(pair)
        clone["candidate_path"] = f"package/dist/app.js.map!/src/module_{i}.py"
        clone["candidate_sha256"] = f"{i:064x}"
        big["files"].append(clone)
    with ResultsDB(results) as db:
        db.add_candidate(run, big, {f["candidate_path"]: (f["candidate_sha256"], text)
                                    for f in big["files"]})  # fmt: skip
    with serving(ServeConfig(results, "ana")) as url, httpx.Client(base_url=url) as client:
        params = {"run": run, "target": big["target"]}
        page = client.get("/candidate", params=params, timeout=60).text
        single = client.get("/candidate", params={**params, "copy": "g0c2999"}).text
        last = client.get("/candidate", params={**params, "from": 3000 - PAGE_SIZE}).text
    size = len(page.encode())
    print(f"3,000 contents: candidate page {size / 1e6:.2f} MB")
    assert page.count('<div class="panes">') == MAX_PANES
    assert page.count('class="decision"') == PAGE_SIZE + 1  # each content listed, the candidate
    assert size < 1_000_000
    assert single.count('<div class="panes">') == 1 and "module_" in single
    assert "MAP!/PATH" in page  # the legend of the path notation
    listed = set(re.findall(r"module_\d+\.py", page)) | set(re.findall(r"module_\d+\.py", last))
    assert len(set(re.findall(r"from=(\d+)", page))) == 3000 // PAGE_SIZE - 1  # links to the rest
    assert "module_2999.py" in last and "module_0.py" in page and len(listed) == 2 * PAGE_SIZE


def test_serve_and_review_everywhere_name_the_same_other_places(results):
    """One rule for "the same content elsewhere" (``ResultsDB.placements_elsewhere``), in the
    workspace and in ``review --everywhere``: each file of another candidate once, from its
    latest run. A candidate holding the content at two paths is two places a decision on the
    content reaches (the workspace listed the candidate once, naming one path)."""
    run, first = target_of(results, "user1")
    twice = {**first, "target": "npm:evil@1.0.0"}
    twice.pop("review")
    pair = first["files"][0]
    paths = ["package/a/copy.py", "package/b/copy.py"]
    twice["files"] = [{**pair, "candidate_path": path} for path in paths]
    with ResultsDB(results) as db:
        db.add_candidate(run, twice, {})
        places = db.placements_elsewhere([pair["candidate_sha256"]], first["target"])
    assert [p.path for p in places if p.target == twice["target"]] == paths
    assert len({(p.target, p.path) for p in places}) == len(places)
    with serving(ServeConfig(results, "ana")) as url:
        page = httpx.get(f"{url}/candidate", params={"run": run, "target": first["target"]}).text
    listed = re.findall(r'<ul class="elsewhere">(.*?)</ul>', page, re.S)[0]
    assert all(f"<code>{path}</code>" in listed for path in paths)
    done = CliRunner().invoke(app, ["review", "latest", first["target"], "--confirm",
                                    "--everywhere", "--reason", "ours", "--files",
                                    pair["candidate_path"], "--results", str(results)])  # fmt: skip
    assert done.exit_code == 0, done.output
    for place in places:
        assert f"  {place.target}: {place.path}" in done.output
