"""Attacks on the review workspace, the review command and the reports, by a stranger who
publishes what leaktrace reads and by a web page the analyst visits while ``serve`` runs. Each
test here failed before its fix; the attacks that held are listed in the report of the branch
that added them and have their tests in ``test_serve.py`` and ``test_hostile_names.py``."""

from __future__ import annotations

import html
import re
import socket
import ssl
import threading
from urllib.parse import unquote

import httpx
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from scanner.cli import app
from scanner.errors import InputError
from scanner.reports.links import permalink
from scanner.reports.notice import draft_notice
from scanner.reports.sarif_report import to_sarif
from scanner.resultsdb import ResultsDB
from scanner.serve import ServeConfig
from tests.test_serve import LEAKY, csrf_of, results, scanned, serving, target_of
from tests.test_token_origin import certificate

runner = CliRunner()
__all__ = ["certificate", "results", "scanned"]  # fixtures shared with other test modules


def _states(path) -> dict[str, dict]:
    with ResultsDB(path) as db:
        return {c["target"].split("/")[0].removeprefix("github:"): c["review"]
                for _, c in db.flagged()}  # fmt: skip


def test_dismissing_one_candidate_in_the_workspace_leaves_the_same_leak_elsewhere(results):
    """A hostile fork holding a real leaked file beside look-alike code: the analyst dismisses
    it (as a whole, or that file) for a reason about that place ("our own mirror", "an
    independent implementation"). The other forks holding the same leak stay awaiting: a
    dismissal never spreads silently. A confirmation still covers every copy."""
    run, hostile = target_of(results, "user3")
    first_run, first = target_of(results, "user1")
    with serving(ServeConfig(results, "ana")) as url, httpx.Client(base_url=url) as client:
        page = client.get("/candidate", params={"run": run, "target": hostile["target"]}).text
        token = csrf_of(page)

        def decide(run: int, target: str, action: str, reason: str, *files: str) -> None:
            fields = {"csrf": token, "run": str(run), "target": target, "action": action,
                      "reason": reason, "files": list(files)}  # fmt: skip
            assert client.post("/decide", data=fields).status_code == 303

        decide(run, hostile["target"], "dismiss", "our own mirror")  # the whole candidate
        states = _states(results)
        assert len(states["user3"]["dismissed"]) == 2 and states["user3"]["awaiting"] == []
        for owner in set(LEAKY) - {"user3"}:
            assert states[owner]["dismissed"] == [], owner
            assert len(states[owner]["awaiting"]) == 2, owner
        decide(run, hostile["target"], "dismiss", "independent", "internal/export.go")
        assert all(_states(results)[o]["dismissed"] == [] for o in set(LEAKY) - {"user3"})
        decide(first_run, first["target"], "confirm", "verbatim", "internal/export.go")
        states = _states(results)
        assert "internal/export.go" in states["user4"]["confirmed"]  # confirmations spread
        # a confirmation taken later elsewhere does not overturn the dismissal taken here
        assert "internal/export.go" in states["user3"]["dismissed"]


ODD_NUMBERS = ("²", "٣", "99999999999999999999999", "-1", "1e3", "")


def test_odd_numbers_in_any_parameter_are_a_clear_400_not_a_crash(results):
    """``isdigit`` takes "²" and "٣", which ``int`` refuses, and SQLite refuses integers past 64
    bits: each was a 500 with a traceback on the server's stderr and a reset connection."""
    run, first = target_of(results, "user1")
    with serving(ServeConfig(results, "ana")) as url:
        token = csrf_of(
            httpx.get(f"{url}/candidate", params={"run": run, "target": first["target"]}).text
        )
        for odd in ODD_NUMBERS:
            pages = [("/candidate", {"run": odd, "target": first["target"]}),
                     ("/candidate", {"run": run, "target": first["target"], "from": odd}),
                     ("/", {"run": odd}), ("/notice", {"run": odd})]  # fmt: skip
            for path, params in pages:
                got = httpx.get(url + path, params=params)
                assert got.status_code in (200, 400), (path, params, got.status_code)
            forms = [("/decide", {"run": odd, "target": "x", "action": "confirm"}),
                     ("/undo", {"run": str(run), "target": "x", "batch": odd})]  # fmt: skip
            for path, fields in forms:
                got = httpx.post(url + path, data={**fields, "csrf": token, "reason": "r"})
                assert got.status_code == 400, (path, fields, got.status_code)


def test_signing_in_never_redirects_to_another_site(results):
    """``/?token=`` redirects to the same address without the token; an address starting
    ``//host`` or ``/\\host`` would send the browser (with its fresh cookie) to another site."""
    secret = "s3cr3t-" + "t0k3n" * 6
    with serving(ServeConfig(results, "ana", token=secret)) as url:
        for path in ("//evil.example/x", "/\\evil.example/x", "/\\/evil.example/", "///evil"):
            signed = httpx.get(url + path, params={"token": secret, "a": "1"})
            assert signed.status_code == 303, path
            location = signed.headers["location"]
            assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
            assert secret not in location


def test_over_https_the_token_cookie_is_never_sent_in_clear(results, certificate):
    """Cookies ignore ports: without ``Secure``, the cookie set by ``https://host:8765`` goes
    in clear to any ``http://host/`` the browser is led to (a network attacker's redirect)."""
    secret = "s3cr3t-" + "t0k3n" * 6
    verify = ssl.create_default_context(cafile=str(certificate[0]))
    with serving(ServeConfig(results, "ana", token=secret), tls=certificate) as url:
        assert url.startswith("https://")
        signed = httpx.get(url + "/", params={"token": secret}, verify=verify)
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"]
        assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    with serving(ServeConfig(results, "ana", token=secret)) as url:  # loopback, plain HTTP
        signed = httpx.get(url + "/", params={"token": secret})
        assert "Secure" not in signed.headers["set-cookie"]  # a browser would drop it there


def test_concurrent_undos_of_one_decision_record_one_undo(results):
    """Two reviewers (or a double click) undo the same decision at once, each on its own
    connection: one undo is recorded, the others are told it was already undone (it was an
    IntegrityError: a 500 in the workspace)."""
    _, first = target_of(results, "user1")
    with ResultsDB(results) as db:
        db.decide(first, "confirmed", "verbatim", "ana", scope="content")
        batch = db.decisions(first["target"])[-1].batch
    together = threading.Barrier(8)
    outcomes: list[str] = []

    def undo() -> None:
        with ResultsDB(results) as db:
            together.wait()
            try:
                db.undo(batch, "too early", "ben")
                outcomes.append("undone")
            except InputError as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=undo) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [f"decision {batch} was already undone"] * 7 + ["undone"]
    with ResultsDB(results) as db:
        assert all(d.undone == ("ben", d.undone[1], "too early")
                   for d in db.decisions(first["target"]))  # fmt: skip


def _forks(results, count: int) -> None:
    """A new run in which ``count`` more forks hold the leak (anyone can make forks by the
    thousand; each is its own candidate)."""
    _, leaky = target_of(results, "user1")
    with ResultsDB(results) as db:
        leaky.pop("review")
        new = db.start_run({})
        for i in range(count):
            db.add_candidate(new, {**leaky, "target": f"github:fork{i:04}/pay-sdk@main"}, {})
        db.finish_run(new)


def test_thousands_of_forks_make_a_paged_queue(results):
    """The queue listed every flagged candidate on one page, and for each row united the
    holders of its contents: 10,000 forks of one blob made a 5.7 MB page in 19.7 s (2,000:
    1.1 MB, 1.2 s; quadratic). Now pages of 200 rows, the counts still over every one; and a
    candidate page lists the first 100 other holders of each content (it listed all: 4 MB)."""
    _forks(results, 450)
    with serving(ServeConfig(results, "ana")) as url:
        first = httpx.get(url + "/", params={"state": "all", "kind": "network"}, timeout=60)
        assert first.status_code == 200
        assert first.text.count('<tr data-state="') == 200
        # 450 forks, the 3 leaky ones, the look-alike and the 2 whose history was not read
        assert "456 flagged" in first.text
        pages = re.findall(r'href="(/\?[^"]*from=(\d+)[^"]*)"', first.text)
        assert sorted({int(n) for _, n in pages}) == [200, 400]
        last = html.unescape(next(link for link, n in pages if n == "400"))
        assert "state=all" in last and "kind=network" in last  # the filters are kept
        third = httpx.get(url + last, timeout=60).text
        assert third.count('<tr data-state="') == 56  # 456 rows: 200, 200, 56
        assert re.search(r'class="num sharing">452 others<', first.text)  # the 453 holders
        run, leaky = target_of(results, "fork0001")
        page = httpx.get(url + "/candidate", params={"run": run, "target": leaky["target"]}).text
        assert "The same content elsewhere (452)" in page  # 449 forks, user1, user3, user4
        listed = re.findall(r'<ul class="elsewhere">(.*?)</ul>', page, re.S)
        assert listed and all(item.count("<li><a") == 100 for item in listed)
        assert "and 352 more, each in the queue" in page


def test_review_everywhere_says_which_other_candidates_it_decides(results):
    """``review --dismiss --everywhere`` is the one way to dismiss a content in other
    candidates: the command names each one it reached, so it is never silent."""
    _, lookalike = target_of(results, "user3")
    done = runner.invoke(app, ["review", "latest", lookalike["target"], "--dismiss",
                               "--everywhere", "--reason", "vendored public code", "--files",
                               "internal/export.go", "--results", str(results)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "dismissed github:user3/pay-sdk@main: internal/export.go" in done.output
    assert "also decides 2 other candidate(s)" in done.output
    for owner in ("user1", "user4"):
        assert f"github:{owner}/pay-sdk@main: internal/export.go" in done.output
    assert _states(results)["user1"]["dismissed"] == ["internal/export.go"]
    alone = runner.invoke(app, ["review", "latest", lookalike["target"], "--confirm",
                                "--reason", "ours", "--results", str(results)])  # fmt: skip
    assert alone.exit_code == 0 and "other candidate" not in alone.output


MARKUP_PATH = "**all**/~~clear~~/_x_ (see [here](https://evil.example))!.py"


def test_a_notice_shows_each_url_as_the_url_it_is(results):
    """A file path with Markdown emphasis, strikethrough and a link in it: percent-encoding
    keeps ``*``, ``~``, ``_``, ``(`` and ``!`` (they may stand in a URL), so the bare URL lines
    of the notice rendered with bold and struck-out parts, a URL counsel would copy wrong. Each
    URL is an autolink ``<...>``: one link, its text the URL, nothing else made of it."""
    run, first = target_of(results, "user1")
    with ResultsDB(results) as db:
        db.decide(first, "confirmed", "verbatim", "ana", ["internal/export.go"])
        report = db.report(run)
    (candidate,) = [c for c in report["candidates"] if c["target"] == first["target"]]
    for pair in candidate["files"]:
        if pair["candidate_path"] == "internal/export.go":
            pair["candidate_path"] = MARKUP_PATH
            for fragment in pair["fragments"]:
                fragment["link"] = permalink(candidate["target"], candidate["revision"],
                                             MARKUP_PATH, fragment["candidate_lines"])  # fmt: skip
    candidate["review"]["confirmed"] = [MARKUP_PATH]
    text = draft_notice(report)
    urls = [f["link"] for p in candidate["files"] if p["candidate_path"] == MARKUP_PATH
            for f in p["fragments"]]  # fmt: skip
    rendered = MarkdownIt("commonmark").enable("strikethrough").render(text)
    assert urls and "<strong>" not in rendered and "<del>" not in rendered
    assert "<em>" not in rendered.split("## 2.", 1)[-1].split("## 3.", 1)[0]
    hrefs = re.findall(r'<a href="([^"]*)">([^<]*)</a>', rendered)
    assert sorted(html.unescape(h) for h, _ in hrefs) == sorted(urls)
    # the text is the URL (markdown-it shows it percent-decoded, but for reserved characters
    # such as the ``:`` that uri_path encodes, so no first segment reads as a scheme)
    assert all(unquote(html.unescape(h)) == unquote(html.unescape(shown)) for h, shown in hrefs)
    assert all(html.unescape(shown).startswith("https://github.com/") for _, shown in hrefs)


def _embedded_links(text: str) -> list[str]:
    """The embedded links a SARIF viewer makes of a plain-text message (SARIF 2.1.0 §3.11.6:
    ``[text](target)``, where ``\\[``, ``\\]`` and ``\\\\`` are literal characters)."""
    plain, i = [], 0
    while i < len(text):  # unescaped characters; escaped ones as a placeholder
        if text[i] == "\\" and i + 1 < len(text):
            plain.append("_")
            i += 2
        else:
            plain.append(text[i])
            i += 1
    return re.findall(r"\[[^\[\]]*\]\([^)]*\)", "".join(plain))


def test_sarif_messages_carry_no_embedded_link_from_a_name(results):
    """A candidate or file named ``[see the original](https://evil.example)``: in a SARIF
    message that is an embedded link, which viewers (GitHub code scanning) render as one."""
    run, first = target_of(results, "user1")
    with ResultsDB(results) as db:
        report = db.report(run)
    (candidate,) = [c for c in report["candidates"] if c["target"] == first["target"]]
    candidate["target"] = "x[see the original](https://evil.example)\\[y\\](1)"
    for pair in candidate["files"]:
        pair["private_path"] = "a.py[here](0)"
    candidate["unread"] = [{"path": "b\\[c](https://evil.example)", "message": "[z](2)"}]
    messages = [r["message"]["text"] for r in to_sarif(report)["runs"][0]["results"]]
    assert any("evil.example" in m for m in messages)
    assert [m for m in messages if _embedded_links(m)] == []


def _raw_post(url: str, headers: dict[str, str]) -> str:
    """Send a POST's head (no body yet) and read what the server answers within 5 s."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"POST /decide HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode())
        try:
            return sock.recv(4096).decode("latin-1")
        except TimeoutError:
            return "(no answer: the server is reading the body)"


def test_a_web_page_cannot_make_the_server_read_a_huge_body(results):
    """Any web page the analyst visits can POST to 127.0.0.1 (a form or a no-cors fetch is a
    "simple" request). The server read the whole body into memory before checking anything:
    now a foreign Origin is refused before the body is read, and a body declared larger than
    any decision needs is refused (413) unread."""
    with serving(ServeConfig(results, "ana")) as url:
        form = {"content-type": "application/x-www-form-urlencoded"}
        foreign = _raw_post(url, {**form, "origin": "https://evil.example",
                                  "content-length": str(2**31)})  # fmt: skip
        assert foreign.startswith("HTTP/1.1 403"), foreign
        huge = _raw_post(url, {**form, "content-length": str(2**31)})
        assert huge.startswith("HTTP/1.1 413"), huge


def test_a_content_in_thousands_of_places_of_one_candidate_can_be_decided(results):
    """A package holding one leaked file at 1,500 paths: the content's form sends every path,
    and Starlette parsed at most 1,000 fields ("Too many fields", 400), so the content could
    not be decided at all. The body is bounded (MAX_BODY) instead of the field count."""
    run, first = target_of(results, "user1")
    many = {**first, "target": "npm:evil@1.0.0"}
    many.pop("review")
    pair = first["files"][0]
    many["files"] = [{**pair, "candidate_path": f"package/c{i:04}/tax.py"} for i in range(1500)]
    with ResultsDB(results) as db:
        db.add_candidate(run, many, {})
    with serving(ServeConfig(results, "ana")) as url:
        page = httpx.get(f"{url}/candidate", params={"run": run, "target": many["target"]}).text
        form = re.search(r'<form method="post" action="/decide" class="decision">(.*?)</form>',
                         page, re.S)[1]  # fmt: skip
        files = [unquote(v) for v in re.findall(r'name="files" value="([^"]+)"', form)]
        assert len(files) == 1500
        fields = {"csrf": csrf_of(page), "run": str(run), "target": many["target"],
                  "action": "dismiss", "reason": "a test fixture", "files": files}  # fmt: skip
        assert httpx.post(f"{url}/decide", data=fields, timeout=60).status_code == 303
    with ResultsDB(results) as db:
        assert len(db.candidate(run, many["target"])["review"]["dismissed"]) == 1500


def test_another_sites_odd_cookie_does_not_lock_the_reviewer_out(results):
    """Cookies ignore ports: a cookie of another local app (``prefs={"a": 1}``, ``a=b c``)
    comes with every request. ``http.cookies.SimpleCookie`` stops at the first cookie it
    cannot parse, so the token cookie after it was lost: 401 after signing in, every time."""
    secret = "s3cr3t-" + "t0k3n" * 6
    with serving(ServeConfig(results, "ana", token=secret)) as url:
        for other in ('prefs={"a": 1}', "a=b c", "x=[1]"):
            got = httpx.get(url + "/", headers={"cookie": f"{other}; leaktrace_token={secret}"})
            assert got.status_code == 200, other
        wrong = httpx.get(url + "/", headers={"cookie": "a=b c; leaktrace_token=wrong"})
        assert wrong.status_code == 401


def test_tls_files_that_cannot_serve_are_named_before_any_address(results, certificate, tmp_path):
    cert, key = certificate
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n")
    for given, named, said in [
        ((tmp_path / "nocert.pem", tmp_path / "nokey.pem"), "nocert.pem", "no such file"),
        ((cert, tmp_path / "nokey.pem"), "nokey.pem", "no such file"),
        ((cert, garbage), "garbage.pem", "not a TLS certificate and its key"),
        ((tmp_path, key), tmp_path.name, "not a file"),
    ]:
        done = runner.invoke(
            app,
            [
                "serve",
                "--results",
                str(results),
                "--port",
                "0",
                "--tls-cert",
                str(given[0]),
                "--tls-key",
                str(given[1]),
            ],
        )
        assert done.exit_code == 2, done.output
        assert "leaktrace serve:" not in done.output and "https://" not in done.output
        [line] = done.output.splitlines()
        assert named in line and said in line, line


def test_a_notice_that_cannot_be_written_names_its_path(results, tmp_path):
    _, first = target_of(results, "user1")
    with ResultsDB(results) as db:
        db.decide(first, "confirmed", "verbatim", "ana", scope="content")
    out = tmp_path / "nonexistent" / "n.md"
    done = runner.invoke(app, ["notice", "latest", "--out", str(out), "--results", str(results)])
    assert done.exit_code == 2, done.output
    assert done.output.startswith(f"leaktrace: {out}: cannot write the notice (")
    done = runner.invoke(app, ["report", "latest", "--out", str(out), "--results", str(results)])
    assert done.exit_code == 2 and f"{out}: cannot write the report (" in done.output
