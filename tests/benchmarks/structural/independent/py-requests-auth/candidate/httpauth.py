"""HTTP authentication for a requests-style client, with the interface of ``requests.auth``:
Basic (RFC 7617), proxy Basic, and Digest (RFC 7616, with RFC 2617's MD5 and qop=auth).

An auth object is called with the outgoing request and returns it with its headers set; Digest
also hooks the response, so that a 401 with a ``WWW-Authenticate: Digest`` challenge is answered
once with the credentials.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from base64 import b64encode
from urllib.parse import urlsplit

CONTENT_TYPE_FORM_URLENCODED = "application/x-www-form-urlencoded"
CONTENT_TYPE_MULTI_PART = "multipart/form-data"

_HASHES = {
    "MD5": hashlib.md5,
    "MD5-SESS": hashlib.md5,
    "SHA": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-256-SESS": hashlib.sha256,
    "SHA-512": hashlib.sha512,
    "SHA-512-SESS": hashlib.sha512,
}
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _latin1(value: str | bytes) -> bytes:
    return value.encode("latin1") if isinstance(value, str) else value


def _basic_auth_str(username: str | bytes, password: str | bytes) -> str:
    """The value of a Basic ``Authorization`` header: ``Basic base64(user:password)``."""
    token = b64encode(_latin1(username) + b":" + _latin1(password)).decode("ascii")
    return f"Basic {token}"


def parse_challenge(header: str) -> dict[str, str]:
    """The parameters of a ``Digest`` challenge (keys in lower case)."""
    _, _, rest = header.strip().partition(" ")
    params = {}
    for key, quoted, bare in _PARAM.findall(rest):
        params[key.lower()] = re.sub(r"\\(.)", r"\1", quoted) if quoted or not bare else bare
    return params


class AuthBase:
    """Base class of the auth objects: called with a request, returns it."""

    def __call__(self, r):
        raise NotImplementedError("Auth hooks must be callable.")


class HTTPBasicAuth(AuthBase):
    """Sends the user name and password in an ``Authorization: Basic`` header."""

    header = "Authorization"

    def __init__(self, username, password):
        self.username, self.password = username, password

    def _key(self):
        return (getattr(self, "username", None), getattr(self, "password", None))

    def __eq__(self, other):
        return isinstance(other, AuthBase) and self._key() == (
            getattr(other, "username", None),
            getattr(other, "password", None),
        )

    def __ne__(self, other):
        return not self == other

    def __call__(self, r):
        r.headers[self.header] = _basic_auth_str(self.username, self.password)
        return r


class HTTPProxyAuth(HTTPBasicAuth):
    """As :class:`HTTPBasicAuth`, for a proxy: the ``Proxy-Authorization`` header."""

    header = "Proxy-Authorization"


class HTTPDigestAuth(AuthBase):
    """Answers Digest challenges (RFC 7616) with the user name and password."""

    def __init__(self, username, password):
        self.username, self.password = username, password
        self._thread_local = threading.local()

    # -- state, one per thread: a session may be shared between threads
    def init_per_thread_state(self):
        state = self._thread_local
        if not hasattr(state, "challenge"):
            state.challenge, state.nonce_seen, state.count = {}, "", 0
            state.body_position, state.tries = None, 0

    def _cnonce(self, nonce: str) -> str:
        seed = f"{self._thread_local.count}{nonce}{time.ctime()}".encode() + os.urandom(8)
        return hashlib.sha1(seed).hexdigest()[:16]

    def build_digest_header(self, method, url):
        """The ``Authorization`` value answering the stored challenge for ``method`` ``url``,
        or None when the challenge cannot be answered (unknown algorithm or qop)."""
        state = self._thread_local
        challenge = state.challenge
        algorithm = challenge.get("algorithm", "MD5").upper()
        make = _HASHES.get(algorithm)
        if make is None:
            return None

        def digest(text: str) -> str:
            return make(text.encode("utf-8")).hexdigest()

        parts = urlsplit(url)
        uri = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        nonce, realm = challenge["nonce"], challenge["realm"]
        state.count = state.count + 1 if nonce == state.nonce_seen else 1
        state.nonce_seen = nonce
        nc = f"{state.count:08x}"
        cnonce = self._cnonce(nonce)

        secret = digest(f"{self.username}:{realm}:{self.password}")
        if algorithm.endswith("-SESS"):
            secret = digest(f"{secret}:{nonce}:{cnonce}")
        request = digest(f"{method}:{uri}")
        offered = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
        if not offered:
            answer = digest(f"{secret}:{nonce}:{request}")
        elif "auth" in offered:
            answer = digest(f"{secret}:{nonce}:{nc}:{cnonce}:auth:{request}")
        else:
            return None  # only qop=auth is spoken here

        fields = [
            f'username="{self.username}"', f'realm="{realm}"', f'nonce="{nonce}"',
            f'uri="{uri}"', f'response="{answer}"',
        ]  # fmt: skip
        if "opaque" in challenge:
            fields.append(f'opaque="{challenge["opaque"]}"')
        if "algorithm" in challenge:
            fields.append(f'algorithm="{algorithm}"')
        if offered:
            fields.append(f'qop="auth", nc={nc}, cnonce="{cnonce}"')
        return "Digest " + ", ".join(fields)

    def handle_redirect(self, r, **kwargs):
        """A redirect starts the count of 401 answers again."""
        if r.is_redirect:
            self._thread_local.tries = 0

    def _answerable(self, r) -> bool:
        state = self._thread_local
        if not 400 <= r.status_code < 500 or state.tries >= 1:
            return False
        return r.headers.get("www-authenticate", "").lower().startswith("digest")

    def handle_401(self, r, **kwargs):
        """On a first 4xx with a Digest challenge, send the request again with credentials."""
        state = self._thread_local
        if not self._answerable(r):
            state.tries = 0
            return r
        state.tries += 1
        state.challenge = parse_challenge(r.headers["www-authenticate"])
        if state.body_position is not None:
            r.request.body.seek(state.body_position)  # send the same body again
        r.content  # noqa: B018 -- consume the body so that the connection can be reused
        r.close()
        retry = r.request.copy()
        retry.headers["Authorization"] = self.build_digest_header(retry.method, retry.url)
        answer = r.connection.send(retry, **kwargs)
        answer.history.append(r)
        answer.request = retry
        return answer

    def __call__(self, r):
        self.init_per_thread_state()
        state = self._thread_local
        if state.nonce_seen:  # a challenge is known: answer it straight away
            r.headers["Authorization"] = self.build_digest_header(r.method, r.url)
        body = getattr(r.body, "tell", None)
        state.body_position = body() if body else None
        for hook in (self.handle_401, self.handle_redirect):
            r.register_hook("response", hook)
        state.tries = 0
        return r

    def __eq__(self, other):
        return (getattr(self, "username", None), getattr(self, "password", None)) == (
            getattr(other, "username", None),
            getattr(other, "password", None),
        )

    def __ne__(self, other):
        return not self == other
