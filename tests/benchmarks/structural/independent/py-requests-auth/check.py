"""The independent implementation of requests 2.31.0's auth.py does what the standards it
implements say: the worked examples of RFC 2617 section 3.5 (Digest, MD5, qop=auth) and RFC 7616
section 3.9.1 (SHA-256 and MD5), RFC 7617's Basic example, and a full 401 round trip through
its response hook with stand-in request and response objects. Then both decompositions are
printed."""

import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import compare_shapes, load  # noqa: E402

auth = load(HERE / "candidate" / "httpauth.py", "independent_httpauth")


def digest_answer(username, password, challenge, cnonce, method, url):
    digest = auth.HTTPDigestAuth(username, password)
    digest.init_per_thread_state()
    digest._thread_local.challenge = auth.parse_challenge(challenge)
    digest._cnonce = lambda nonce: cnonce
    header = digest.build_digest_header(method, url)
    return (auth.parse_challenge(header) if header else None), header


# RFC 2617 section 3.5
fields, _ = digest_answer(
    "Mufasa", "Circle Of Life",
    'Digest realm="testrealm@host.com", qop="auth,auth-int", '
    'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    "0a4f113b", "GET", "http://www.nowhere.org/dir/index.html",
)  # fmt: skip
assert fields["response"] == "6629fae49393a05397450978507c4ef1", fields
assert fields["nc"] == "00000001" and fields["uri"] == "/dir/index.html"
assert fields["opaque"] == "5ccc069c403ebaf9f0171e9517f40e41"
# RFC 7616 section 3.9.1, SHA-256 then MD5
challenge = (
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={}, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
    'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
)
for algorithm, expected in (
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
):
    fields, _ = digest_answer(
        "Mufasa", "Circle of Life", challenge.format(algorithm),
        "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "GET", "http://example.org/dir/index.html",
    )  # fmt: skip
    assert fields["response"] == expected, (algorithm, fields)
    assert fields["algorithm"] == algorithm
# unknown algorithm or qop: no answer
for refused in ('Digest realm="r", nonce="n", algorithm=FOO', 'Digest realm="r", nonce="n", qop=x'):
    assert digest_answer("u", "p", refused, "c", "GET", "/")[1] is None
# the same nonce again counts up
digest = auth.HTTPDigestAuth("u", "p")
digest.init_per_thread_state()
digest._thread_local.challenge = {"realm": "r", "nonce": "n", "qop": "auth"}
counts = [auth.parse_challenge(digest.build_digest_header("GET", "/x"))["nc"] for _ in range(3)]
assert counts == ["00000001", "00000002", "00000003"], counts
# RFC 7617 section 2: Aladdin / open sesame
assert auth._basic_auth_str("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
print("RFC 2617, 7616 and 7617 examples: as specified")


class Request:
    def __init__(self, method="GET", url="http://h/dir/x?q=1", body=None):
        self.method, self.url, self.body, self.headers, self.hooks = method, url, body, {}, []

    def register_hook(self, event, hook):
        self.hooks.append(hook)

    def copy(self):
        twin = Request(self.method, self.url, self.body)
        twin.headers = dict(self.headers)
        return twin


class Response:
    def __init__(self, status, request, headers=None, connection=None):
        self.status_code, self.request, self.headers = status, request, headers or {}
        self.connection, self.history, self.content, self.is_redirect = connection, [], b"", False

    def close(self):
        pass


class Connection:
    def __init__(self):
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        return Response(200, request)


basic = auth.HTTPBasicAuth("Aladdin", "open sesame")
assert basic(Request()).headers == {"Authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}
proxy = auth.HTTPProxyAuth("Aladdin", "open sesame")
assert "Proxy-Authorization" in proxy(Request()).headers
assert basic == auth.HTTPBasicAuth("Aladdin", "open sesame") and basic != proxy.__class__("x", "y")

digest = auth.HTTPDigestAuth("Mufasa", "Circle Of Life")
request = digest(Request(body=io.BytesIO(b"payload")))
assert "Authorization" not in request.headers and len(request.hooks) == 2
connection = Connection()
challenge = {"www-authenticate": 'Digest realm="r", nonce="abc", qop="auth"'}
final = request.hooks[0](Response(401, request, challenge, connection))
assert final.status_code == 200 and len(connection.sent) == 1 and final.history
sent = auth.parse_challenge(connection.sent[0].headers["Authorization"])
assert sent["username"] == "Mufasa" and sent["uri"] == "/dir/x?q=1" and sent["nonce"] == "abc"
again = digest(Request())  # the next request answers the known challenge at once
assert auth.parse_challenge(again.headers["Authorization"])["nc"] == "00000002"
print("Basic, proxy and Digest auth through the request hooks: as documented")
compare_shapes(HERE / "original" / "auth.py", HERE / "candidate" / "httpauth.py")
