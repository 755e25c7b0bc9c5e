"""The token goes only to the API's origin (scheme, host and port), over HTTPS or to loopback,
on every redirect hop; a downgrade to http is refused before anything is sent (issue 11, row 8).

Servers on 127.0.0.1 record what they received: an HTTPS one (a self-signed certificate made
here with the ``openssl`` command, trusted only by the test's client) and plain HTTP ones.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.crawl import make_crawler
from scanner.errors import ConfigError
from scanner.http import Credential, FetchError, Http, Policy
from scanner.transport import PooledTransport
from tests.servers import LocalHTTPServer, Request, Response

TOKEN = "ghp_" + "0r1g1n" * 6


class Routes(LocalHTTPServer):
    """Answers ``routes[path]``, else 200 with a small JSON body; logs every request."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(tls=tls)
        self.routes: dict[str, Response] = {}

    def handle(self, request: Request) -> Response:
        return self.routes.get(request.path) or Response.json(200, {"path": request.path})

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = Response(status, b"", {"location": location})

    def authorizations(self) -> list[str | None]:
        return [r["headers"].get("authorization") for r in self.requests]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)  # fmt: skip
    return cert, key


@pytest.fixture(params=["httpx", "pooled"])
def servers(certificate, request):
    """(HTTPS API, another HTTPS server on the same host, a plain HTTP server, the client):
    on httpx's own transport, and on watch's (``scanner.transport.PooledTransport``)."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    api, other, plain = Routes(tls=context), Routes(tls=context), Routes()
    trusted = ssl.create_default_context(cafile=str(cert))
    if request.param == "pooled":
        client = httpx.Client(transport=PooledTransport(trusted), timeout=5.0)
    else:
        client = httpx.Client(verify=trusted, timeout=5.0)
    with api, other, plain:
        yield api, other, plain, client
    client.close()


def make_http(client: httpx.Client, api_url: str) -> Http:
    return Http(client, token=TOKEN, api_url=api_url, policy=Policy(max_retries=0),
                sleep=lambda _: None)  # fmt: skip


def test_the_token_goes_to_the_api_origin_over_https_and_nowhere_else(servers):
    api, other, plain, client = servers
    http = make_http(client, api.url)
    assert http.get_json(f"{api.url}/repos/a/b") == {"path": "/repos/a/b"}
    assert api.authorizations() == [f"Bearer {TOKEN}"]

    # Same origin after a redirect: the token follows.
    api.redirect("/moved", f"{api.url}/repositories/1")
    http.get_json(f"{api.url}/moved")
    assert api.authorizations()[-2:] == [f"Bearer {TOKEN}"] * 2

    # Same host, other port; same port, other host name: no token on that hop.
    api.redirect("/port", f"{other.url}/elsewhere")
    api.redirect("/host", f"https://localhost:{api.port}/named")
    http.get_json(f"{api.url}/port")
    http.get_json(f"{api.url}/host")
    assert other.authorizations() == [None]
    assert api.requests[-1]["path"] == "/named" and api.authorizations()[-1] is None

    # A download redirected to another origin (the tarball's 302) goes without it too.
    api.redirect("/tarball", f"{other.url}/archive.tgz")
    assert http.download(f"{api.url}/tarball", 1000)
    assert other.authorizations() == [None, None]
    assert not plain.requests


@pytest.mark.parametrize("call", ["get_json", "download"])
def test_a_downgrade_redirect_is_refused_before_anything_is_sent(servers, call):
    api, _, plain, client = servers
    http = make_http(client, api.url)
    api.redirect("/to-plain", f"http://127.0.0.1:{plain.port}/x")
    api.redirect("/same-port", f"http://127.0.0.1:{api.port}/x", status=301)
    api.redirect("/uppercase", f"HTTP://127.0.0.1:{plain.port}/x", status=307)
    for path in ("/to-plain", "/same-port", "/uppercase"):
        with pytest.raises(FetchError, match=r"redirect from https to .* refused") as caught:
            if call == "get_json":
                http.get_json(f"{api.url}{path}")
            else:
                http.download(f"{api.url}{path}", 1000)
        assert TOKEN not in str(caught.value)
    assert not plain.requests  # nothing reached the plain server, with the token or without
    assert [r["path"] for r in api.requests] == ["/to-plain", "/same-port", "/uppercase"]


def test_credential_origin_rule():
    credential = Credential.bearer(TOKEN, "https://ghe.example/api/v3")
    assert credential.allows("https://ghe.example/api/v3/repos/a/b")
    assert credential.allows("https://GHE.example:443/other/path")  # the same origin
    elsewhere = [
        "http://ghe.example/api/v3",
        "https://ghe.example:8443/api/v3",
        "https://evil.example/api/v3",
        "https://ghe.example.evil.example/",
        "https://ghe.example@evil.example/",
        "not a url",
        "ftp://ghe.example/",
    ]
    for url in elsewhere:
        assert not credential.allows(url), url
    # Plain HTTP carries it only to a loopback host (the test servers).
    assert Credential.bearer(TOKEN, "http://127.0.0.1:8080").allows("http://127.0.0.1:8080/x")
    assert Credential.bearer(TOKEN, "http://localhost").allows("http://localhost:80/x")
    assert Credential.bearer(TOKEN, "http://[::1]:9000").allows("http://[::1]:9000/x")
    for url in ("http://ghe.example/api/v3", "http://10.0.0.1/api", "file:///etc/passwd"):
        with pytest.raises(ConfigError, match="--api-url"):
            Credential.bearer(TOKEN, url)


def test_the_headers_of_a_parsed_url_follow_the_same_rule():
    """A request's URL is parsed once and that object both checked and requested: given an
    ``httpx.URL``, the token goes with it exactly when it goes with the same URL as text."""
    http = Http(httpx.Client(), token=TOKEN, api_url="https://ghe.example/api/v3")
    same = ["https://ghe.example/api/v3/repos/a/b", "https://GHE.example:443/other/path"]
    elsewhere = [
        "http://ghe.example/api/v3",
        "https://ghe.example:8443/api/v3",
        "https://ghe.example.evil.example/",
        "https://ghe.example@evil.example/",
    ]
    for url in same + elsewhere:
        for given in (url, httpx.URL(url)):
            sent = http._headers_for(given, {"Authorization": "Bearer forged"})
            assert sent.get("Authorization") == (f"Bearer {TOKEN}" if url in same else None), url
    assert "Authorization" not in Http(httpx.Client())._headers_for(httpx.URL(same[0]), None)


def test_a_token_with_a_plain_http_api_elsewhere_is_refused_up_front(tmp_path):
    with pytest.raises(ConfigError, match="plain HTTP"):
        make_crawler(token=TOKEN, api_url="http://ghe.example/api/v3")
    make_crawler(token=None, api_url="http://ghe.example/api/v3").close()  # no token: fine

    private = tmp_path / "private"
    private.mkdir()
    (private / "a.py").write_text("def f(x):\n    return x + 1\n")
    store = tmp_path / "s.db"
    runner = CliRunner()
    assert runner.invoke(app, ["fingerprint", str(private), "--store", str(store)]).exit_code == 0
    done = runner.invoke(app, ["scan", "github:a/b", "--store", str(store), "--api-url",
                               "http://ghe.example/api/v3", "--results",
                               str(tmp_path / "r.db")], env={"GITHUB_TOKEN": TOKEN})  # fmt: skip
    assert done.exit_code == 2, done.output
    assert "plain HTTP" in done.stderr and TOKEN not in done.output + done.stderr


def test_the_pooled_transport_verifies_the_server(servers):
    """watch's transport checks certificates as httpx does: a server no trusted authority
    signed is refused before anything is sent, token or not."""
    api = servers[0]
    http = make_http(httpx.Client(transport=PooledTransport(), timeout=5.0), api.url)
    with pytest.raises(FetchError, match="ConnectError") as caught:
        http.get_json(f"{api.url}/repos/a/b")
    assert TOKEN not in str(caught.value)
    assert not api.requests
