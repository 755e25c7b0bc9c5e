"""A GitHub-compatible REST API server for tests, standard library only.

``FakeGitHub`` answers the parts of the GitHub REST API a leak crawler uses, with the JSON
shapes of GitHub's official OpenAPI examples (``github_examples/``, copied verbatim from
``github/rest-api-description``): repositories, direct forks with ``Link`` pagination, branches
and commits, recursive git trees with real git object SHA-1s, blobs, code and repository search,
``/rate_limit``, and tarballs answered with a 302 to a second "codeload" server on another port.

Around that it simulates what makes a real crawler hard: per-resource rate-limit budgets with
``x-ratelimit-*`` headers, ETags and ``304 Not Modified``, token checks, and a programmable
fault plan (5xx answers, hangs, connections cut mid-body, secondary rate limits, 429s).

The HTTP plumbing (``LocalHTTPServer``, ``FaultPlan``, ``Request``, ``Response``) is shared with
``tests.servers.registry``. Every server binds 127.0.0.1 on an ephemeral port and ``stop()``
closes kept-alive connections, wakes hanging handlers and joins every thread it started.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import functools
import gzip
import hashlib
import io
import json
import math
import re
import socket
import socketserver
import ssl
import tarfile
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

__all__ = [
    "Commit",
    "FakeGitHub",
    "FakeRepo",
    "Fault",
    "FaultPlan",
    "LocalHTTPServer",
    "Request",
    "Response",
    "git_blob_sha",
    "load_examples",
    "max_per_window",
]

# --------------------------------------------------------------------------------------------
# Shared HTTP plumbing
# --------------------------------------------------------------------------------------------

STATUS_KINDS = re.compile(r"^[1-5]\d\d$")
"""A fault kind made of three digits answers with that HTTP status."""

SPECIAL_KINDS = frozenset({"hang", "reset", "drop", "secondary", "ratelimit", "body"})
"""The other fault kinds, see ``FaultPlan.add``."""


@dataclass
class Fault:
    """One programmed fault: the next ``times`` requests matching it get ``kind``."""

    path_regex: str
    kind: str
    times: int | None = 1
    seconds: float = 0.0
    retry_after: int | None = None
    method: str | None = None
    hits: int = 0
    body: Any = None

    def matches(self, method: str, path: str) -> bool:
        """Whether a request (method, raw path without query) is due for this fault."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return re.search(self.path_regex, path) is not None

    @property
    def exhausted(self) -> bool:
        """True once the fault has been served ``times`` times."""
        return self.times is not None and self.hits >= self.times


class FaultPlan:
    """An ordered list of faults; the first still-armed match wins and counts down."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path_regex: str = ".",
        kind: str = "502",
        *,
        times: int | None = 1,
        seconds: float = 0.0,
        retry_after: int | None = None,
        method: str | None = None,
        body: Any = None,
    ) -> Fault:
        """Arm a fault for the next ``times`` requests (``None``: forever) whose path matches.

        ``path_regex`` is searched (``re.search``) in the raw request path, query excluded.
        Kinds:

        - ``"500"``, ``"502"``, ``"503"``, ... (any 3 digits): answer that status with a JSON
          error body (and ``retry-after`` if given) instead of the real answer.
        - ``"429"``: like a status, on GitHub with the secondary-rate-limit message.
        - ``"secondary"``: 403 with ``retry-after`` and GitHub's secondary-rate-limit message
          (a registry answers 429).
        - ``"ratelimit"``: 403 as if the primary budget were used up (``x-ratelimit-remaining:
          0``, reset ``retry_after`` or 1 s ahead).
        - ``"hang"``: sleep ``seconds`` (woken early by ``stop()``), then answer normally.
        - ``"reset"``: send the status line, headers and half the body, then shut the socket.
        - ``"drop"``: close the connection without answering anything.
        - ``"body"``: answer 200 with ``body`` instead of the real answer: bytes as they are,
          anything else as JSON (a malformed answer: ``[]`` where an object belongs, ...).
        """
        if not (STATUS_KINDS.match(kind) or kind in SPECIAL_KINDS):
            raise ValueError(f"unknown fault kind {kind!r}")
        re.compile(path_regex)
        fault = Fault(path_regex, kind, times, seconds, retry_after, method, body=body)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Return the fault due for this request (counting it down), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that will still fire."""
        with self._lock:
            return [fault for fault in self._faults if not fault.exhausted]

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)


@dataclass
class Request:
    """A parsed request as the servers see it."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    query_pairs: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes = b""
    """The request body (POST)."""

    @classmethod
    def parse(cls, method: str, target: str, headers: Mapping[str, str]) -> Request:
        """Split a raw request target into path and query (the last value of a key wins)."""
        parts = urlsplit(target)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        return cls(
            method=method,
            target=target,
            path=parts.path or "/",
            query=dict(pairs),
            query_pairs=pairs,
            headers={name.lower(): value for name, value in headers.items()},
        )

    @property
    def route(self) -> str:
        """The percent-decoded path, used for routing."""
        return unquote(self.path)


@dataclass
class Response:
    """A response to write: status, body and headers (lower-case names)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        """A JSON response (compact, UTF-8) like the ones GitHub sends."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        merged = {"content-type": "application/json; charset=utf-8"}
        merged.update(headers or {})
        return cls(status, body, merged)


def weak_etag(body: bytes) -> str:
    """GitHub-style weak entity tag of a body."""
    return 'W/"' + hashlib.sha256(body).hexdigest() + '"'


def etag_matches(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, lists and ``*`` allowed)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False

    def strip(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    wanted = strip(etag)
    return any(tag.strip() == "*" or strip(tag) == wanted for tag in header.split(","))


def max_per_window(times: list[float], window: float) -> int:
    """The largest number of timestamps that fall inside any window of ``window`` seconds."""
    ordered = sorted(times)
    best = 0
    start = 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Hands every GET and POST to the owning ``LocalHTTPServer``; HTTP/1.1 with keep-alive."""

    protocol_version = "HTTP/1.1"
    server_version = "leaktrace-fake/1.0"
    # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers, 40 ms per keep-alive request.
    disable_nagle_algorithm = True
    timeout = 30
    server: _ThreadingServer

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.timeout)
            self.request.do_handshake()  # in the connection's thread, not the accept loop
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self.server.app.dispatch(self)

    def do_POST(self) -> None:
        self.server.app.dispatch(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; ``LocalHTTPServer.requests`` has it."""


class _ThreadingServer(ThreadingHTTPServer):
    """A threading server on 127.0.0.1 that remembers its connections and handler threads."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, app: LocalHTTPServer) -> None:
        self.app = app
        self._tls = app.tls
        self._sockets: set[socket.socket] = set()
        self._handler_threads: list[threading.Thread] = []
        self._track_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host."""
        socketserver.TCPServer.server_bind(self)
        if self._tls is not None:
            self.socket = self._tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """One daemon thread per connection, remembered so that ``stop()`` can join it."""
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{type(self.app).__name__}-conn",
            daemon=True,
        )
        with self._track_lock:
            self._handler_threads = [t for t in self._handler_threads if t.is_alive()]
            self._handler_threads.append(thread)
        thread.start()

    def track(self, sock: socket.socket) -> None:
        with self._track_lock:
            self._sockets.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._track_lock:
            self._sockets.discard(sock)

    def close_all(self, timeout: float = 5.0) -> None:
        """Shut every open connection and join every handler thread."""
        with self._track_lock:
            sockets = list(self._sockets)
            threads = list(self._handler_threads)
        for sock in sockets:
            _shut(sock)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class LocalHTTPServer:
    """Base of the fake servers: lifecycle, request log, fault plan, response writing.

    Subclasses implement ``handle(request) -> Response``. ``requests`` logs every request as a
    dict with ``method``, ``path`` (raw, without query), ``query`` (dict), ``headers`` (dict,
    lower-case names), ``status`` (None when the connection was dropped), ``fault`` (the fault
    kind served, or None), ``time`` (epoch seconds) and ``error`` (a traceback if the fake
    itself crashed), plus whatever ``describe()`` adds. A request is logged once answered (a
    ``hang`` after its wait); ``arrived`` holds each request's raw path as it arrives, so that a
    test can act while one is in flight.

    ``tls``: a server-side ``ssl.SSLContext`` makes it serve HTTPS (``url`` is then https).
    """

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.requests: list[dict[str, Any]] = []
        self.arrived: list[str] = []
        self.faults = FaultPlan()
        self.errors: list[str] = []
        self._httpd: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._log_lock = threading.Lock()

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving in a background thread (idempotent); returns self."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _ThreadingServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-serve",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections, wake hanging handlers and join all threads."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_all()
        httpd.server_close()
        if thread is not None:
            thread.join(5.0)
        self._httpd = None
        self._thread = None

    @property
    def running(self) -> bool:
        """Whether the server is started."""
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The ephemeral port (the server must be started)."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, or ``https://`` with ``tls`` (the server must be started)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # hooks -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request (no fault applies); subclasses override."""
        raise NotImplementedError

    def describe(self, request: Request) -> dict[str, Any]:
        """Extra fields for the request log entry."""
        return {}

    def observe(self, request: Request) -> None:
        """Called for every request as it arrives, before faults."""

    def fault_response(self, fault: Fault, request: Request) -> Response:
        """The answer for a status-like fault (numeric kinds, ``secondary``, ``ratelimit``)."""
        headers: dict[str, str] = {}
        if fault.kind == "body":
            if isinstance(fault.body, bytes):
                return Response(200, fault.body, {"content-type": "application/json"})
            return Response.json(200, fault.body)
        if fault.retry_after is not None:
            headers["retry-after"] = str(fault.retry_after)
        if fault.kind in ("secondary", "ratelimit"):
            headers.setdefault("retry-after", "1")
            return Response.json(429, {"message": "Too Many Requests"}, headers)
        status = int(fault.kind)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Injected fault"
        return Response.json(status, {"message": reason}, headers)

    # request log -----------------------------------------------------------------------------

    def requests_matching(self, path_regex: str) -> list[dict[str, Any]]:
        """Logged requests whose raw path matches ``path_regex`` (``re.search``)."""
        with self._log_lock:
            return [entry for entry in self.requests if re.search(path_regex, entry["path"])]

    def arrived_matching(self, path_regex: str) -> list[str]:
        """Raw paths of the requests that arrived (answered or not) matching ``path_regex``."""
        with self._log_lock:
            return [path for path in self.arrived if re.search(path_regex, path)]

    def _record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            self.requests.append(entry)

    # dispatch --------------------------------------------------------------------------------

    def dispatch(self, handler: _Handler) -> None:
        """Run one request through the fault plan and ``handle`` and write the answer."""
        request = Request.parse(handler.command, handler.path, handler.headers)
        if handler.command == "POST":
            length = int(handler.headers.get("content-length") or 0)
            request.body = handler.rfile.read(min(length, 64 * 1024 * 1024))
        self.observe(request)
        with self._log_lock:
            self.arrived.append(request.path)
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "headers": dict(request.headers),
            "status": None,
            "fault": None,
            "time": time.time(),
            "error": None,
        }
        entry.update(self.describe(request))
        fault = self.faults.take(request.method, request.path)
        kind = fault.kind if fault is not None else None
        entry["fault"] = kind
        if kind == "drop":
            self._record(entry)
            handler.close_connection = True
            _shut(handler.connection)
            return
        if kind == "hang" and fault is not None:
            self._stopping.wait(fault.seconds)
        if fault is not None and kind not in ("hang", "reset"):
            response = self.fault_response(fault, request)
        else:
            try:
                response = self.handle(request)
            except Exception:
                text = traceback.format_exc()
                entry["error"] = text
                self.errors.append(text)
                response = Response.json(500, {"message": "fake server error", "detail": text})
        entry["status"] = response.status
        self._record(entry)
        self._write(handler, response, partial=kind == "reset")

    @staticmethod
    def _write(handler: _Handler, response: Response, *, partial: bool = False) -> None:
        body = b"" if response.status in (204, 304) else response.body
        try:
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            if response.status not in (204, 304):
                advertised = max(len(body), 2) if partial else len(body)
                handler.send_header("content-length", str(advertised))
            handler.end_headers()
            if partial:
                handler.wfile.write(body[: len(body) // 2])
                handler.wfile.flush()
                handler.close_connection = True
                _shut(handler.connection)
                return
            if body:
                handler.wfile.write(body)
        except OSError:
            handler.close_connection = True


# --------------------------------------------------------------------------------------------
# Official example shapes
# --------------------------------------------------------------------------------------------

EXAMPLE_DIRS = (
    Path(__file__).resolve().parent / "github_examples",
    Path("/work/shared/github-api"),
)
"""Where the official examples are read from: the in-repo copy first, the shared folder second."""

EXAMPLE_FILES = (
    "git-blob.json",
    "git-trees-recursive.json",
    "git-trees.json",
    "rate-limit.json",
    "repos-forks.json",
    "repos-get.json",
    "search-code.json",
    "search-repositories.json",
)


@functools.cache
def _load_examples() -> dict[str, Any]:
    for folder in EXAMPLE_DIRS:
        if all((folder / name).is_file() for name in EXAMPLE_FILES):
            return {
                name.removesuffix(".json"): json.loads((folder / name).read_text("utf-8"))
                for name in EXAMPLE_FILES
            }
    raise FileNotFoundError(f"GitHub example JSON files not found in {EXAMPLE_DIRS}")


def load_examples() -> dict[str, Any]:
    """The official example bodies keyed by file stem (``"repos-get"``...), deep-copied."""
    return copy.deepcopy(_load_examples())


# --------------------------------------------------------------------------------------------
# Git objects
# --------------------------------------------------------------------------------------------

AUTHOR = "Fake Author <author@example.com>"
EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z, start of the fake clock
SEARCHABLE_LIMIT = 384 * 1024
LANGUAGES = {
    ".py": "Python",
    ".js": "JavaScript",
    ".mjs": "JavaScript",
    ".ts": "TypeScript",
    ".tsx": "TypeScript",
    ".go": "Go",
    ".java": "Java",
    ".rs": "Rust",
    ".c": "C",
    ".h": "C",
    ".cc": "C++",
    ".cpp": "C++",
    ".hpp": "C++",
    ".cs": "C#",
    ".rb": "Ruby",
    ".php": "PHP",
    ".kt": "Kotlin",
}


def git_blob_sha(data: bytes) -> str:
    """The git object id of a blob: ``sha1(b"blob <size>\\0" + data)``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _git_object_sha(kind: str, body: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(body)}\0".encode() + body).hexdigest()


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _node_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _base64_lines(data: bytes) -> str:
    """Base64 with a newline after every 60 characters, as GitHub sends blob content."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a git tree object."""

    name: str
    mode: str  # "100644", "100755", "120000", "160000" or "040000"
    type: str  # "blob", "tree" or "commit"
    sha: str
    size: int | None


@dataclass(frozen=True)
class Commit:
    """A git commit of a fake repository (a real commit object id)."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    timestamp: int


class GitStore:
    """The git objects of one repository: blobs, trees and commits by SHA."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, list[TreeEntry]] = {}
        self.commits: dict[str, Commit] = {}

    def copy(self) -> GitStore:
        """A shallow copy (objects are immutable), used for forks."""
        other = GitStore()
        other.blobs = dict(self.blobs)
        other.trees = dict(self.trees)
        other.commits = dict(self.commits)
        return other

    def write_tree(self, files: Mapping[str, bytes], modes: Mapping[str, str]) -> str:
        """Store blobs and trees for ``files`` and return the root tree SHA."""
        root: dict[str, Any] = {}
        for path, data in files.items():
            parts = path.split("/")
            if path.startswith("/") or any(part in ("", ".", "..", ".git") for part in parts):
                raise ValueError(f"invalid path in a git tree: {path!r}")
            node = root
            for part in parts[:-1]:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"{path!r} is below a file")
                node = child
            if parts[-1] in node:
                raise ValueError(f"{path!r} is both a file and a folder")
            node[parts[-1]] = (data, modes.get(path, "100644"))
        return self._write_node(root)

    def _write_node(self, node: dict[str, Any]) -> str:
        entries: list[TreeEntry] = []
        for name, value in node.items():
            if isinstance(value, dict):
                entries.append(TreeEntry(name, "040000", "tree", self._write_node(value), None))
                continue
            data, mode = value
            if mode == "160000":
                sha = data.decode("ascii").strip()
                if not re.fullmatch(r"[0-9a-f]{40}", sha):
                    raise ValueError(f"submodule {name!r} needs a 40-hex commit SHA as content")
                entries.append(TreeEntry(name, mode, "commit", sha, None))
                continue
            if mode not in ("100644", "100755", "120000"):
                raise ValueError(f"unsupported mode {mode!r} for {name!r}")
            sha = git_blob_sha(data)
            self.blobs[sha] = data
            entries.append(TreeEntry(name, mode, "blob", sha, len(data)))
        entries.sort(key=lambda e: e.name.encode() + (b"/" if e.type == "tree" else b""))
        body = b"".join(
            f"{e.mode.lstrip('0')} {e.name}".encode() + b"\0" + bytes.fromhex(e.sha)
            for e in entries
        )
        sha = _git_object_sha("tree", body)
        self.trees[sha] = entries
        return sha

    def write_commit(
        self, tree: str, parents: tuple[str, ...], message: str, timestamp: int
    ) -> Commit:
        """Store a commit object (author = committer = ``AUTHOR``, UTC)."""
        lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
        lines += [f"author {AUTHOR} {timestamp} +0000", f"committer {AUTHOR} {timestamp} +0000"]
        body = ("\n".join(lines) + "\n\n" + message + "\n").encode()
        commit = Commit(_git_object_sha("commit", body), tree, parents, message, timestamp)
        self.commits[commit.sha] = commit
        return commit

    def walk(self, tree: str, prefix: str = "") -> Iterator[tuple[str, TreeEntry]]:
        """(path, entry) of every entry below ``tree``, pre-order, in git order."""
        for entry in self.trees[tree]:
            path = prefix + entry.name
            yield path, entry
            if entry.type == "tree":
                yield from self.walk(entry.sha, path + "/")


class FakeRepo:
    """A repository of the fake GitHub: one branch, a commit history and a fork network."""

    def __init__(
        self,
        *,
        owner: str,
        name: str,
        repo_id: int,
        default_branch: str,
        parent: FakeRepo | None,
        stars: int,
        description: str | None,
        license: str | None,
        searchable: bool | None,
        created_at: int,
    ) -> None:
        self.owner = owner
        self.name = name
        self.id = repo_id
        self.default_branch = default_branch
        self.parent = parent
        self.stars = stars
        self.description = description
        self.license = license
        self._searchable = searchable
        self.created_at = created_at
        self.pushed_at = created_at
        self.forks: list[FakeRepo] = []
        self.store = parent.store.copy() if parent is not None else GitStore()
        self.head: Commit | None = None
        self.files: dict[str, bytes] = {}
        self.modes: dict[str, str] = {}
        self.blocked: dict[str, Any] | None = None

    # identity --------------------------------------------------------------------------------

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    @property
    def fork(self) -> bool:
        """Whether the repository is a fork."""
        return self.parent is not None

    @property
    def source(self) -> FakeRepo:
        """The root of the fork network (self for a non-fork)."""
        repo = self
        while repo.parent is not None:
            repo = repo.parent
        return repo

    @property
    def searchable(self) -> bool:
        """Whether code search indexes it (default: non-forks only, like GitHub)."""
        return (not self.fork) if self._searchable is None else self._searchable

    def network(self) -> Iterator[FakeRepo]:
        """Every repository below this one in the fork tree (self included)."""
        yield self
        for child in self.forks:
            yield from child.network()

    # git -------------------------------------------------------------------------------------

    @property
    def commit_sha(self) -> str | None:
        """SHA of the default branch head (None for an empty repository)."""
        return self.head.sha if self.head else None

    @property
    def tree_sha(self) -> str | None:
        """SHA of the root tree of the head commit."""
        return self.head.tree if self.head else None

    def blob_sha(self, path: str) -> str:
        """Blob SHA of a file at the head."""
        return git_blob_sha(self.files[path])

    def commit_files(
        self,
        files: Mapping[str, bytes | str],
        modes: Mapping[str, str] | None,
        message: str,
        timestamp: int,
    ) -> Commit | None:
        """Make ``files`` the new head content (a new commit unless nothing changed)."""
        data = {p: c.encode() if isinstance(c, str) else bytes(c) for p, c in files.items()}
        self.files = data
        self.modes = dict(modes or {})
        if not data:
            self.head = None
            return None
        tree = self.store.write_tree(data, self.modes)
        if self.head is not None and self.head.tree == tree:
            return self.head
        parents = (self.head.sha,) if self.head is not None else ()
        self.head = self.store.write_commit(tree, parents, message, timestamp)
        self.pushed_at = timestamp
        return self.head

    def resolve(self, ref: str) -> Commit | None:
        """A commit by branch name, ``refs/heads/<branch>``, ``HEAD`` or (abbreviated) SHA."""
        if self.head is None:
            return None
        if ref in (self.default_branch, f"refs/heads/{self.default_branch}", "HEAD"):
            return self.head
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):
            hits = [c for sha, c in self.store.commits.items() if sha.startswith(ref)]
            if len(hits) == 1:
                return hits[0]
        return None

    @property
    def language(self) -> str | None:
        """The language with the most bytes, guessed from file extensions."""
        sizes: dict[str, int] = {}
        for path, data in self.files.items():
            lang = LANGUAGES.get(Path(path).suffix.lower())
            if lang:
                sizes[lang] = sizes.get(lang, 0) + len(data)
        return max(sizes, key=lambda lang: sizes[lang]) if sizes else None

    def __repr__(self) -> str:
        return f"FakeRepo({self.full_name!r}, fork={self.fork}, head={self.commit_sha})"


# --------------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------------

DEFAULT_BUDGETS: dict[str, tuple[int, float]] = {
    "core": (5000, 3600.0),
    "search": (30, 60.0),
    "code_search": (10, 60.0),
}


@dataclass
class Budget:
    """A fixed-window request budget; the window starts with its first request."""

    limit: int
    window: float
    used: int = 0
    reset_at: int = 0

    def _roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.used = 0
            self.reset_at = math.ceil(now + self.window)

    def snapshot(self, now: float) -> dict[str, int]:
        """``limit``, ``used``, ``remaining``, ``reset`` without spending anything."""
        if now >= self.reset_at:
            return {
                "limit": self.limit,
                "used": 0,
                "remaining": self.limit,
                "reset": math.ceil(now + self.window),
            }
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": max(0, self.limit - self.used),
            "reset": self.reset_at,
        }

    def spend(self, now: float) -> bool:
        """Use one request; False when the budget is used up."""
        self._roll(now)
        if self.used >= self.limit:
            return False
        self.used += 1
        return True


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------

DOCS = "https://docs.github.com/rest"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID FAKE:0000."
)
SECONDARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)
PRIMARY_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
DROPPED_REPO_KEYS = frozenset({"organization", "template_repository", "security_and_analysis"})
_API_REPO_URL = re.compile(r"^https?://api\.github\.com/repos/[^/{]+/[^/{]+")
_API_REPOSITORIES_URL = re.compile(r"^https?://api\.github\.com/repositories/\d+")
_API_USER_URL = re.compile(r"^https?://api\.github\.com/users/[^/{]+")
_API_ROOT = re.compile(r"^https?://api\.github\.com")


class Shaper:
    """Builds response objects from the official examples, filled with the fake's data."""

    def __init__(self, github: FakeGitHub) -> None:
        self.github = github
        self.examples = _load_examples()

    @property
    def api(self) -> str:
        return self.github.url

    @property
    def html(self) -> str:
        return self.github.html_base.rstrip("/")

    def repo_api(self, repo: FakeRepo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def _rebase(self, value: Any, repo: FakeRepo | None, login: str | None) -> Any:
        """Point every api.github.com URL of a template value at the fake."""
        if isinstance(value, dict):
            return {k: self._rebase(v, repo, login) for k, v in value.items()}
        if isinstance(value, list):
            return [self._rebase(v, repo, login) for v in value]
        if not isinstance(value, str):
            return value
        if repo is not None:
            value = _API_REPO_URL.sub(lambda _m: self.repo_api(repo), value)
            value = _API_REPOSITORIES_URL.sub(
                lambda _m: f"{self.api}/repositories/{repo.id}", value
            )
        if login is not None:
            value = _API_USER_URL.sub(lambda _m: f"{self.api}/users/{login}", value)
        return _API_ROOT.sub(lambda _m: self.api, value)

    def owner(self, template: dict[str, Any], login: str) -> dict[str, Any]:
        """A user object shaped like ``template``."""
        user_id = self.github.user_id(login)
        fields: dict[str, Any] = {
            "login": login,
            "id": user_id,
            "node_id": _node_id(f"04:User{user_id}"),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
            "gravatar_id": "",
            "html_url": f"{self.html}/{login}",
            "type": "User",
            "site_admin": False,
        }
        return {
            key: fields[key] if key in fields else self._rebase(value, None, login)
            for key, value in template.items()
        }

    def license(self, template: dict[str, Any] | None, spdx: str | None) -> Any:
        """A license object shaped like the example's, or None."""
        if spdx is None or template is None:
            return None
        key = spdx.lower()
        fields = {
            "key": key,
            "name": "MIT License" if spdx == "MIT" else spdx,
            "spdx_id": spdx,
            "url": f"{self.api}/licenses/{key}",
            "node_id": _node_id(f"license:{key}"),
            "html_url": f"{self.html}/licenses/{key}",
        }
        return {key_: fields.get(key_, value) for key_, value in template.items()}

    def repo(self, template: dict[str, Any], repo: FakeRepo) -> dict[str, Any]:
        """A repository object shaped like ``template`` (keys and key order kept)."""
        html = f"{self.html}/{repo.full_name}"
        host = urlsplit(self.html).netloc or "github.com"
        size_kb = math.ceil(sum(len(d) for d in repo.files.values()) / 1024)
        forks = len(repo.forks)
        fields: dict[str, Any] = {
            "id": repo.id,
            "node_id": _node_id(f"010:Repository{repo.id}"),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": False,
            "html_url": html,
            "description": repo.description,
            "fork": repo.fork,
            "url": self.repo_api(repo),
            "git_url": f"git://{host}/{repo.full_name}.git",
            "ssh_url": f"git@{host}:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": repo.language,
            "forks_count": forks,
            "forks": forks,
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "watchers": repo.stars,
            "size": size_kb,
            "default_branch": repo.default_branch,
            "master_branch": repo.default_branch,
            "open_issues_count": 0,
            "open_issues": 0,
            "is_template": False,
            "topics": [],
            "archived": False,
            "disabled": False,
            "visibility": "public",
            "pushed_at": _iso(repo.pushed_at),
            "created_at": _iso(repo.created_at),
            "updated_at": _iso(max(repo.pushed_at, repo.created_at)),
            "permissions": {"admin": False, "push": False, "pull": True},
            "allow_forking": True,
            "temp_clone_token": None,
            "subscribers_count": 0,
            "network_count": sum(1 for _ in repo.source.network()) - 1,
            "score": 1.0,
        }
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key in DROPPED_REPO_KEYS:
                continue
            if key == "owner":
                out[key] = self.owner(value, repo.owner)
            elif key == "license":
                out[key] = self.license(value, repo.license)
            elif key in ("parent", "source"):
                target = repo.parent if key == "parent" else repo.source
                if repo.fork and target is not None:
                    out[key] = self.repo(value, target)
            elif key == "permissions":
                out[key] = {k: fields["permissions"].get(k, False) for k in value}
            elif key in fields:
                out[key] = fields[key]
            else:
                out[key] = self._rebase(value, repo, repo.owner)
        return out

    def full_repo(self, repo: FakeRepo) -> dict[str, Any]:
        """``GET /repos/{owner}/{repo}``."""
        return self.repo(self.examples["repos-get"], repo)

    def minimal_repo(self, repo: FakeRepo) -> dict[str, Any]:
        """An item of ``GET /repos/{owner}/{repo}/forks``."""
        return self.repo(self.examples["repos-forks"][0], repo)

    def search_repo(self, repo: FakeRepo) -> dict[str, Any]:
        """An item of ``GET /search/repositories``."""
        return self.repo(self.examples["search-repositories"]["items"][0], repo)

    def code_item(self, repo: FakeRepo, path: str, commit: str) -> dict[str, Any]:
        """An item of ``GET /search/code``."""
        template = self.examples["search-code"]["items"][0]
        sha = repo.blob_sha(path)
        fields: dict[str, Any] = {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": f"{self.api}/repositories/{repo.id}/contents/{quote(path)}?ref={commit}",
            "git_url": f"{self.api}/repositories/{repo.id}/git/blobs/{sha}",
            "html_url": f"{self.html}/{repo.full_name}/blob/{commit}/{quote(path)}",
            "repository": self.repo(template["repository"], repo),
            "score": 1.0,
        }
        return {key: fields.get(key, value) for key, value in template.items()}

    def tree(self, repo: FakeRepo, sha: str, recursive: bool) -> dict[str, Any]:
        """``GET /repos/{o}/{r}/git/trees/{sha}`` (entry keys in the example's order)."""
        store = repo.store
        walked = store.walk(sha) if recursive else ((e.name, e) for e in store.trees[sha])
        entries: list[dict[str, Any]] = []
        limit = self.github.tree_entry_limit
        truncated = False
        for path, entry in walked:
            if recursive and limit is not None and len(entries) >= limit:
                truncated = True
                break
            item: dict[str, Any] = {"path": path, "mode": entry.mode, "type": entry.type}
            if entry.size is not None:
                item["size"] = entry.size
            item["sha"] = entry.sha
            if entry.type == "blob":
                item["url"] = f"{self.repo_api(repo)}/git/blobs/{entry.sha}"
            elif entry.type == "tree":
                item["url"] = f"{self.repo_api(repo)}/git/trees/{entry.sha}"
            entries.append(item)
        return {
            "sha": sha,
            "url": f"{self.repo_api(repo)}/git/trees/{sha}",
            "tree": entries,
            "truncated": truncated,
        }

    def blob(self, repo: FakeRepo, sha: str) -> dict[str, Any]:
        """``GET /repos/{o}/{r}/git/blobs/{sha}`` (keys in the example's order)."""
        data = repo.store.blobs[sha]
        fields = {
            "content": _base64_lines(data),
            "encoding": "base64",
            "url": f"{self.repo_api(repo)}/git/blobs/{sha}",
            "sha": sha,
            "size": len(data),
            "node_id": _node_id(f"04:Blob{repo.id}:{sha}"),
        }
        return {key: fields[key] for key in self.examples["git-blob"]}

    def commit(self, repo: FakeRepo, commit: Commit) -> dict[str, Any]:
        """A commit as in ``GET /repos/{o}/{r}/commits/{ref}`` and in branch answers."""
        api = self.repo_api(repo)
        person = {"name": "Fake Author", "email": "author@example.com"}
        person["date"] = _iso(commit.timestamp)
        return {
            "sha": commit.sha,
            "node_id": _node_id(f"04:Commit{repo.id}:{commit.sha}"),
            "commit": {
                "author": dict(person),
                "committer": dict(person),
                "message": commit.message,
                "tree": {"sha": commit.tree, "url": f"{api}/git/trees/{commit.tree}"},
                "url": f"{api}/git/commits/{commit.sha}",
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "url": f"{api}/commits/{commit.sha}",
            "html_url": f"{self.html}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "author": None,
            "committer": None,
            "parents": [
                {
                    "sha": p,
                    "url": f"{api}/commits/{p}",
                    "html_url": f"{self.html}/{repo.full_name}/commit/{p}",
                }
                for p in commit.parents
            ],
        }

    def branch(self, repo: FakeRepo, commit: Commit) -> dict[str, Any]:
        """``GET /repos/{o}/{r}/branches/{branch}``."""
        api = self.repo_api(repo)
        branch = repo.default_branch
        return {
            "name": branch,
            "commit": self.commit(repo, commit),
            "_links": {
                "self": f"{api}/branches/{quote(branch)}",
                "html": f"{self.html}/{repo.full_name}/tree/{quote(branch)}",
            },
            "protected": False,
            "protection": {
                "enabled": False,
                "required_status_checks": {
                    "enforcement_level": "off",
                    "contexts": [],
                    "checks": [],
                },
            },
            "protection_url": f"{api}/branches/{quote(branch)}/protection",
        }

    def content(self, repo: FakeRepo, commit: Commit, path: str, entry: TreeEntry) -> dict:
        """A contents-API object for a file or an entry of a directory listing."""
        api = self.repo_api(repo)
        kind = {"tree": "dir", "commit": "submodule"}.get(entry.type, "file")
        if entry.mode == "120000":
            kind = "symlink"
        git_url = f"{api}/git/{'trees' if entry.type == 'tree' else 'blobs'}/{entry.sha}"
        html = f"{self.html}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}"
        html += f"/{commit.sha}/{quote(path)}"
        download = None
        if kind in ("file", "symlink"):
            download = f"{self.github.codeload_url}/{repo.full_name}/{commit.sha}/{quote(path)}"
        return {
            "type": kind,
            "size": entry.size or 0,
            "name": entry.name,
            "path": path,
            "sha": entry.sha,
            "url": f"{api}/contents/{quote(path)}?ref={commit.sha}",
            "git_url": git_url if entry.type != "commit" else None,
            "html_url": html,
            "download_url": download,
            "_links": {
                "self": f"{api}/contents/{quote(path)}?ref={commit.sha}",
                "git": git_url,
                "html": html,
            },
        }

    def rate_limit(self, snapshots: Mapping[str, dict[str, int]], now: float) -> dict:
        """``GET /rate_limit`` with the current numbers of the tracked resources."""
        body = copy.deepcopy(self.examples["rate-limit"])
        for name, resource in body["resources"].items():
            if name in snapshots:
                resource.update(snapshots[name])
            else:
                resource.update(used=0, remaining=resource["limit"], reset=math.ceil(now + 3600))
        if "rate" in body:
            body["rate"] = dict(body["resources"]["core"])
        return body


# --------------------------------------------------------------------------------------------
# Search queries
# --------------------------------------------------------------------------------------------

_QUALIFIERS = frozenset(
    {"repo", "user", "org", "path", "filename", "extension", "language", "in", "fork", "size"}
)


def parse_query(q: str) -> tuple[list[str], dict[str, list[str]]]:
    """Split a search query into free-text terms (quotes kept together) and qualifiers."""
    terms: list[str] = []
    qualifiers: dict[str, list[str]] = {}
    for match in re.finditer(r'"([^"]*)"|(\S+)', q):
        if match.group(1) is not None:
            if match.group(1):
                terms.append(match.group(1))
            continue
        token = match.group(2)
        key, sep, value = token.partition(":")
        if sep and key.lower() in _QUALIFIERS and value:
            qualifiers.setdefault(key.lower(), []).append(value.strip('"'))
        elif token.upper() not in ("AND",):
            terms.append(token)
    return terms, qualifiers


def _owner_matches(repo: FakeRepo, qualifiers: Mapping[str, list[str]]) -> bool:
    owners = [o.lower() for o in qualifiers.get("user", []) + qualifiers.get("org", [])]
    if owners and repo.owner.lower() not in owners:
        return False
    names = [r.lower() for r in qualifiers.get("repo", [])]
    return not names or repo.full_name.lower() in names


def _path_matches(path: str, qualifiers: Mapping[str, list[str]]) -> bool:
    for prefix in qualifiers.get("path", []):
        prefix = prefix.strip("/")
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            return False
    name = path.rsplit("/", 1)[-1]
    filenames = qualifiers.get("filename", [])
    if filenames and name not in filenames:
        return False
    extensions = [e.lstrip(".").lower() for e in qualifiers.get("extension", [])]
    if extensions and name.rsplit(".", 1)[-1].lower() not in extensions:
        return False
    languages = [lang.lower() for lang in qualifiers.get("language", [])]
    lang = (LANGUAGES.get(Path(path).suffix.lower()) or "").lower()
    return not languages or lang in languages


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


class CodeloadServer(LocalHTTPServer):
    """The second host: ``/{owner}/{repo}/legacy.tar.gz/{ref}`` tarballs and raw files."""

    def __init__(self, github: FakeGitHub) -> None:
        super().__init__()
        self.github = github
        self._cache: dict[tuple[str, str, str], bytes] = {}

    def handle(self, request: Request) -> Response:
        route = request.route
        tar = re.fullmatch(r"/([^/]+)/([^/]+)/legacy\.tar\.gz/(.+)", route)
        raw = re.fullmatch(r"/([^/]+)/([^/]+)/([0-9a-f]{40})/(.+)", route)
        with self.github.lock:
            if tar:
                repo = self.github.find_repo(tar.group(1), tar.group(2))
                commit = repo.resolve(tar.group(3)) if repo and not repo.blocked else None
                if repo is None or commit is None:
                    return Response(404, b"404: Not Found", {"content-type": "text/plain"})
                body = self.tarball(repo, commit)
                top = f"{repo.owner}-{repo.name}-{commit.sha[:7]}"
                headers = {
                    "content-type": "application/x-gzip",
                    "content-disposition": f"attachment; filename={top}.tar.gz",
                    "etag": f'"{commit.sha}"',
                }
                return Response(200, body, headers)
            if raw:
                repo = self.github.find_repo(raw.group(1), raw.group(2))
                commit = repo.resolve(raw.group(3)) if repo and not repo.blocked else None
                if repo is not None and commit is not None:
                    for path, entry in repo.store.walk(commit.tree):
                        if path == raw.group(4) and entry.type == "blob":
                            data = repo.store.blobs[entry.sha]
                            return Response(200, data, {"content-type": "text/plain"})
        return Response(404, b"404: Not Found", {"content-type": "text/plain"})

    def tarball(self, repo: FakeRepo, commit: Commit) -> bytes:
        """A deterministic ``.tar.gz`` like GitHub's: one top folder, pax comment = commit."""
        key = (repo.owner, repo.name, commit.sha)
        if key in self._cache:
            return self._cache[key]
        top = f"{repo.owner}-{repo.name}-{commit.sha[:7]}"
        buffer = io.BytesIO()
        with (
            gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz,
            tarfile.open(
                fileobj=gz, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": commit.sha}
            ) as tar,
        ):
            tar.addfile(self._info(top + "/", tarfile.DIRTYPE, 0o775, commit.timestamp))
            for path, entry in repo.store.walk(commit.tree):
                name = f"{top}/{path}"
                if entry.type in ("tree", "commit"):
                    tar.addfile(self._info(name + "/", tarfile.DIRTYPE, 0o775, commit.timestamp))
                elif entry.mode == "120000":
                    info = self._info(name, tarfile.SYMTYPE, 0o777, commit.timestamp)
                    info.linkname = repo.store.blobs[entry.sha].decode("utf-8", "surrogateescape")
                    tar.addfile(info)
                else:
                    data = repo.store.blobs[entry.sha]
                    mode = 0o775 if entry.mode == "100755" else 0o664
                    info = self._info(name, tarfile.REGTYPE, mode, commit.timestamp)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        self._cache[key] = buffer.getvalue()
        return self._cache[key]

    @staticmethod
    def _info(name: str, kind: bytes, mode: int, mtime: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mode = mode
        info.mtime = mtime
        info.uname = info.gname = "root"
        return info


class FakeGitHub(LocalHTTPServer):
    """A GitHub REST API for tests, plus a codeload server for tarballs on another port.

    Knobs (plain attributes, change them any time):

    - ``token``: when set, every API request needs ``Authorization: Bearer <token>`` or
      ``token <token>`` (401 otherwise); code search always needs an Authorization header.
    - ``budgets``: ``{"core": (limit, window_s), "search": ..., "code_search": ...}``; setting
      it merges with the defaults and restarts every window.
    - ``rate_limit_status``: 403 (default) or 429 for an exhausted primary budget.
    - ``tree_entry_limit``: cap for recursive tree listings; beyond it ``truncated`` is true.
    - ``link_via_repository_id``: fork-list ``Link`` URLs use ``/repositories/{id}/forks`` like
      GitHub (default True); False keeps the requested path.
    - ``html_base``: base of ``html_url``/``clone_url`` values (default ``https://github.com``).
    """

    def __init__(self, *, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.rate_limit_status = 403
        self.tree_entry_limit: int | None = None
        self.link_via_repository_id = True
        self.html_base = "https://github.com"
        self.lock = threading.RLock()
        self.resource_times: dict[str, list[float]] = {name: [] for name in DEFAULT_BUDGETS}
        self.codeload = CodeloadServer(self)
        self._budgets: dict[str, Budget] = {}
        self.budgets = {}
        self._repos: dict[str, FakeRepo] = {}
        self._by_id: dict[int, FakeRepo] = {}
        self._moved: dict[str, FakeRepo] = {}
        self._users: dict[str, int] = {}
        self._clock = EPOCH
        self._next_repo_id = 1000
        self._shaper = Shaper(self)

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the API server and the codeload server."""
        self.codeload.start()
        return super().start()

    def stop(self) -> None:
        """Stop both servers and join their threads."""
        try:
            super().stop()
        finally:
            self.codeload.stop()

    @property
    def codeload_url(self) -> str:
        """Base URL of the codeload server (another port)."""
        return self.codeload.url

    @property
    def codeload_requests(self) -> list[dict[str, Any]]:
        """The codeload server's request log."""
        return self.codeload.requests

    @property
    def codeload_faults(self) -> FaultPlan:
        """The codeload server's own fault plan."""
        return self.codeload.faults

    # budgets ---------------------------------------------------------------------------------

    @property
    def budgets(self) -> dict[str, tuple[int, float]]:
        """``{resource: (limit, window_seconds)}`` of every tracked resource."""
        return {name: (b.limit, b.window) for name, b in self._budgets.items()}

    @budgets.setter
    def budgets(self, value: Mapping[str, tuple[int, float]]) -> None:
        merged = dict(DEFAULT_BUDGETS)
        merged.update(value)
        with self.lock:
            self._budgets = {
                name: Budget(int(lim), float(win)) for name, (lim, win) in merged.items()
            }
            for name in self._budgets:
                self.resource_times.setdefault(name, [])

    def rate_snapshot(self, resource: str) -> dict[str, int]:
        """Current ``limit``/``used``/``remaining``/``reset`` of a resource."""
        with self.lock:
            return self._budgets[resource].snapshot(time.time())

    @property
    def code_search_times(self) -> list[float]:
        """Arrival times (epoch seconds) of every ``/search/code`` request, faults included."""
        return self.resource_times["code_search"]

    # repositories ----------------------------------------------------------------------------

    def user_id(self, login: str) -> int:
        """A stable numeric id per login."""
        with self.lock:
            return self._users.setdefault(login.lower(), 100 + len(self._users))

    def _tick(self) -> int:
        self._clock += 3600
        return self._clock

    def add_repo(
        self,
        owner: str,
        name: str,
        files: Mapping[str, bytes | str] | None = None,
        *,
        default_branch: str = "main",
        fork_of: tuple[str, str] | None = None,
        stars: int = 0,
        description: str | None = None,
        modes: Mapping[str, str] | None = None,
        license: str | None = None,
        searchable: bool | None = None,
    ) -> FakeRepo:
        """Create a repository whose default branch holds ``files`` (a fork's files in full).

        ``modes`` maps paths to ``"100755"`` (executable), ``"120000"`` (symlink; the content is
        the target) or ``"160000"`` (submodule; the content is the 40-hex commit SHA).
        A fork with exactly its parent's files shares the parent's head commit and keeps the
        parent's ``pushed_at`` (older than its ``created_at``), as on GitHub; otherwise it gets
        a commit on top of the parent's head. ``searchable`` overrides whether code search
        indexes it (default: only non-forks).
        """
        with self.lock:
            key = f"{owner}/{name}".lower()
            if key in self._repos:
                raise ValueError(f"repository {owner}/{name} exists")
            parent = None
            if fork_of is not None:
                parent = self.find_repo(*fork_of)
                if parent is None:
                    raise KeyError(f"fork_of {fork_of[0]}/{fork_of[1]}: no such repository")
            created = self._tick()
            repo = FakeRepo(
                owner=owner,
                name=name,
                repo_id=self._next_repo_id,
                default_branch=default_branch,
                parent=parent,
                stars=stars,
                description=description,
                license=license,
                searchable=searchable,
                created_at=created,
            )
            self._next_repo_id += 1
            if parent is not None:
                repo.head = parent.head
                repo.pushed_at = parent.pushed_at
                repo.commit_files(files or {}, modes, f"Changes in {owner}/{name}", created + 60)
            else:
                repo.commit_files(files or {}, modes, "Initial commit", created)
            if parent is not None:
                parent.forks.append(repo)
            self._repos[key] = repo
            self._by_id[repo.id] = repo
            self.user_id(owner)
            return repo

    def push(
        self,
        owner: str,
        name: str,
        files: Mapping[str, bytes | str],
        *,
        modes: Mapping[str, str] | None = None,
        message: str = "Update",
    ) -> str | None:
        """Replace the default branch content with a new commit; returns its SHA."""
        with self.lock:
            repo = self.repo(owner, name)
            commit = repo.commit_files(files, modes, message, self._tick())
            return commit.sha if commit else None

    def rename_repo(self, owner: str, name: str, new_owner: str, new_name: str) -> FakeRepo:
        """Rename/transfer; the old name then answers 301 to ``/repositories/{id}``."""
        with self.lock:
            repo = self.repo(owner, name)
            old = repo.full_name.lower()
            del self._repos[old]
            repo.owner, repo.name = new_owner, new_name
            self._repos[repo.full_name.lower()] = repo
            self._moved[old] = repo
            return repo

    def block_repo(self, owner: str, name: str, reason: str = "dmca") -> None:
        """Make the repository answer 451 "Repository access blocked" (a DMCA takedown)."""
        with self.lock:
            repo = self.repo(owner, name)
            repo.blocked = {
                "reason": reason,
                "created_at": _iso(self._tick()),
                "html_url": f"https://github.com/github/dmca/blob/master/{repo.full_name}.md",
            }

    def repo(self, owner: str, name: str) -> FakeRepo:
        """A repository by name (KeyError if unknown)."""
        found = self.find_repo(owner, name)
        if found is None:
            raise KeyError(f"{owner}/{name}")
        return found

    def find_repo(self, owner: str, name: str) -> FakeRepo | None:
        """A repository by name, case-insensitively, or None."""
        with self.lock:
            return self._repos.get(f"{owner}/{name}".lower())

    @property
    def repos(self) -> list[FakeRepo]:
        """Every repository, oldest first."""
        with self.lock:
            return sorted(self._repos.values(), key=lambda r: r.id)

    # request plumbing ------------------------------------------------------------------------

    @staticmethod
    def classify(route: str) -> tuple[str, str | None]:
        """(endpoint name, rate-limit resource) of a route."""
        if route.startswith("/search/code"):
            return "search_code", "code_search"
        if route.startswith("/search/"):
            return "search_repositories", "search"
        if route.rstrip("/") == "/rate_limit":
            return "rate_limit", None
        rest = re.sub(r"^/(repos/[^/]+/[^/]+|repositories/\d+)", "", route)
        for pattern, name in (
            (r"", "repo"),
            (r"/forks", "forks"),
            (r"/branches/.+", "branch"),
            (r"/commits/.+", "commit"),
            (r"/git/trees/.+", "tree"),
            (r"/git/blobs/.+", "blob"),
            (r"/contents(/.*)?", "contents"),
            (r"/tarball(/.*)?", "tarball"),
        ):
            if rest != route and re.fullmatch(pattern, rest.rstrip("/") or ""):
                return name, "core"
        return "unknown", "core"

    def describe(self, request: Request) -> dict[str, Any]:
        endpoint, resource = self.classify(request.route)
        return {"endpoint": endpoint, "resource": resource}

    def observe(self, request: Request) -> None:
        _, resource = self.classify(request.route)
        if resource is not None:
            with self.lock:
                self.resource_times.setdefault(resource, []).append(time.time())

    def _rate_headers(self, resource: str | None) -> dict[str, str]:
        snap = self.rate_snapshot(resource or "core")
        return {
            "x-ratelimit-limit": str(snap["limit"]),
            "x-ratelimit-remaining": str(snap["remaining"]),
            "x-ratelimit-reset": str(snap["reset"]),
            "x-ratelimit-used": str(snap["used"]),
            "x-ratelimit-resource": resource or "core",
        }

    def _headers(self, resource: str | None, extra: Mapping[str, str] | None = None) -> dict:
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-media-type": "github.v3; format=json",
            "x-github-request-id": f"FAKE:{len(self.requests):06d}",
            "vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
        }
        headers.update(self._rate_headers(resource))
        headers.update(extra or {})
        return headers

    def fault_response(self, fault: Fault, request: Request) -> Response:
        _, resource = self.classify(request.route)
        headers = self._headers(resource)
        if fault.kind == "body":
            response = super().fault_response(fault, request)
            response.headers = headers | response.headers
            return response
        if fault.kind in ("secondary", "429"):
            headers["retry-after"] = str(fault.retry_after if fault.retry_after is not None else 60)
            status = 403 if fault.kind == "secondary" else 429
            body = {"message": SECONDARY_MESSAGE, "documentation_url": SECONDARY_DOCS}
            return Response.json(status, body, headers)
        if fault.kind == "ratelimit":
            wait = fault.retry_after if fault.retry_after is not None else 1
            headers["x-ratelimit-remaining"] = "0"
            headers["x-ratelimit-reset"] = str(math.ceil(time.time() + wait))
            body = {
                "message": "API rate limit exceeded for user ID 1.",
                "documentation_url": PRIMARY_DOCS,
            }
            return Response.json(self.rate_limit_status, body, headers)
        response = super().fault_response(fault, request)
        if response.status >= 500:
            response.headers.update(self._rate_headers(resource))
            return response
        response.headers.update(headers)
        return response

    def _auth_error(self, request: Request, endpoint: str) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, credential = header.partition(" ")
        given = credential.strip() if scheme.lower() in ("bearer", "token") else None
        if self.token is not None:
            if not header:
                return "Requires authentication"
            if given != self.token:
                return "Bad credentials"
        elif endpoint == "search_code" and not given:
            return "Requires authentication"
        return None

    def handle(self, request: Request) -> Response:
        endpoint, resource = self.classify(request.route)
        auth_error = self._auth_error(request, endpoint)
        if auth_error is not None:
            body = {"message": auth_error, "documentation_url": DOCS, "status": "401"}
            return Response.json(401, body, self._headers(resource))
        with self.lock:
            status, payload, extra = self._route(request, endpoint)
            if endpoint == "rate_limit":
                return Response.json(status, payload, self._headers("core", extra))
            body = self._encode(payload)
            etag = weak_etag(body) if status == 200 else None
            if etag is not None and etag_matches(request, etag):
                headers = self._headers(resource, extra)
                headers["etag"] = etag
                return Response(304, b"", headers)
            now = time.time()
            budget = self._budgets[resource or "core"]
            if not budget.spend(now):
                body_ = {
                    "message": "API rate limit exceeded for user ID 1. If you reach out to GitHub "
                    "Support for help, please include the request ID FAKE:0000.",
                    "documentation_url": PRIMARY_DOCS,
                }
                return Response.json(self.rate_limit_status, body_, self._headers(resource))
            headers = self._headers(resource, extra)
            if etag is not None:
                headers["etag"] = etag
                headers["cache-control"] = "private, max-age=60, s-maxage=60"
            if isinstance(payload, bytes):
                headers["content-type"] = "application/vnd.github.raw"
            elif payload is None:
                headers.pop("content-type", None)
            return Response(status, body, headers)

    @staticmethod
    def _encode(payload: Any) -> bytes:
        if payload is None:
            return b""
        if isinstance(payload, bytes):
            return payload
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    # routing ---------------------------------------------------------------------------------

    def _route(self, request: Request, endpoint: str) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON payload / raw bytes / None, extra headers) of one API request."""
        route = request.route
        if endpoint == "rate_limit":
            now = time.time()
            snaps = {name: b.snapshot(now) for name, b in self._budgets.items()}
            return 200, self._shaper.rate_limit(snaps, now), {}
        if endpoint == "search_code":
            return self._search_code(request)
        if endpoint == "search_repositories" and route.rstrip("/") == "/search/repositories":
            return self._search_repositories(request)
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", route)
        by_id = re.fullmatch(r"/repositories/(\d+)(/.*)?", route)
        repo: FakeRepo | None = None
        rest = ""
        if match:
            repo = self.find_repo(match.group(1), match.group(2))
            rest = match.group(3) or ""
            moved = self._moved.get(f"{match.group(1)}/{match.group(2)}".lower())
            if repo is None and moved is not None:
                location = f"{self.url}/repositories/{moved.id}{quote(rest)}"
                if request.query_pairs:
                    location += "?" + urlencode(request.query_pairs)
                body = {
                    "message": "Moved Permanently",
                    "url": location,
                    "documentation_url": f"{DOCS}/repos/repos#get-a-repository",
                }
                return 301, body, {"location": location}
        elif by_id:
            repo = self._by_id.get(int(by_id.group(1)))
            rest = by_id.group(2) or ""
        if repo is None:
            return self._not_found()
        if repo.blocked is not None:
            body = {"message": "Repository access blocked", "block": repo.blocked}
            return 451, body, {}
        return self._repo_route(request, repo, rest)

    @staticmethod
    def _not_found(message: str = "Not Found") -> tuple[int, Any, dict[str, str]]:
        return 404, {"message": message, "documentation_url": DOCS, "status": "404"}, {}

    def _repo_route(
        self, request: Request, repo: FakeRepo, rest: str
    ) -> tuple[int, Any, dict[str, str]]:
        shaper = self._shaper
        if rest in ("", "/"):
            return 200, shaper.full_repo(repo), {}
        if rest.rstrip("/") == "/forks":
            return self._forks(request, repo)
        raw = "vnd.github.raw" in request.headers.get("accept", "") or "vnd.github.v3.raw" in (
            request.headers.get("accept", "")
        )
        if m := re.fullmatch(r"/branches/(.+)", rest):
            if repo.head is None or m.group(1) != repo.default_branch:
                return self._not_found("Branch not found")
            return 200, shaper.branch(repo, repo.head), {}
        if m := re.fullmatch(r"/commits/(.+)", rest):
            if repo.head is None:
                return 409, {"message": "Git Repository is empty.", "documentation_url": DOCS}, {}
            commit = repo.resolve(m.group(1))
            if commit is None:
                return (
                    422,
                    {
                        "message": f"No commit found for SHA: {m.group(1)}",
                        "documentation_url": DOCS,
                        "status": "422",
                    },
                    {},
                )
            body = shaper.commit(repo, commit)
            body.update(stats={"total": 0, "additions": 0, "deletions": 0}, files=[])
            return 200, body, {}
        if m := re.fullmatch(r"/git/trees/(.+)", rest):
            if repo.head is None:
                return 409, {"message": "Git Repository is empty.", "documentation_url": DOCS}, {}
            ref = m.group(1)
            sha = ref if ref in repo.store.trees else None
            if sha is None:
                commit = repo.resolve(ref)
                sha = commit.tree if commit is not None else None
            if sha is None:
                return self._not_found()
            recursive = "recursive" in request.query
            return 200, shaper.tree(repo, sha, recursive), {}
        if m := re.fullmatch(r"/git/blobs/([0-9a-fA-F]{40})", rest):
            sha = m.group(1).lower()
            if sha not in repo.store.blobs:
                return self._not_found()
            if raw:
                return 200, repo.store.blobs[sha], {}
            return 200, shaper.blob(repo, sha), {}
        if m := re.fullmatch(r"/contents(?:/(.*))?", rest):
            return self._contents(request, repo, (m.group(1) or "").strip("/"), raw)
        if m := re.fullmatch(r"/tarball(?:/(.+))?", rest):
            ref = m.group(1) or repo.default_branch
            if repo.head is None or repo.resolve(ref) is None:
                return self._not_found()
            location = f"{self.codeload_url}/{repo.owner}/{repo.name}/legacy.tar.gz/{quote(ref)}"
            return 302, None, {"location": location}
        return self._not_found()

    def _contents(
        self, request: Request, repo: FakeRepo, path: str, raw: bool
    ) -> tuple[int, Any, dict[str, str]]:
        commit = repo.resolve(request.query.get("ref") or repo.default_branch)
        if commit is None:
            return self._not_found("No commit found for the ref")
        if path == "":
            entries = [(e.name, e) for e in repo.store.trees[commit.tree]]
            return 200, [self._shaper.content(repo, commit, p, e) for p, e in entries], {}
        for found, entry in repo.store.walk(commit.tree):
            if found != path:
                continue
            if entry.type == "tree":
                children = repo.store.trees[entry.sha]
                listing = [
                    self._shaper.content(repo, commit, f"{path}/{c.name}", c) for c in children
                ]
                return 200, listing, {}
            body = self._shaper.content(repo, commit, path, entry)
            if entry.type == "blob":
                data = repo.store.blobs[entry.sha]
                if raw:
                    return 200, data, {}
                body.update(content=_base64_lines(data), encoding="base64")
            return 200, body, {}
        return self._not_found()

    # pagination ------------------------------------------------------------------------------

    def _page_params(self, request: Request) -> tuple[int, int]:
        def number(name: str, default: int) -> int:
            try:
                return int(request.query.get(name, default))
            except ValueError:
                return default

        per_page = min(100, max(1, number("per_page", 30)))
        return per_page, max(1, number("page", 1))

    def _link(self, request: Request, path: str, page: int, last: int) -> dict[str, str]:
        """The ``Link`` header for ``page`` of ``last`` (absolute URLs, query kept)."""
        if last <= 1 and page <= 1:
            return {}

        def url(number: int) -> str:
            pairs = [(k, v) for k, v in request.query_pairs if k != "page"]
            pairs.append(("page", str(number)))
            return f"{self.url}{path}?{urlencode(pairs)}"

        links: list[str] = []
        if page > 1:
            links.append(f'<{url(min(page - 1, max(last, 1)))}>; rel="prev"')
        if page < last:
            links.append(f'<{url(page + 1)}>; rel="next"')
            links.append(f'<{url(last)}>; rel="last"')
        if page > 1:
            links.append(f'<{url(1)}>; rel="first"')
        return {"link": ", ".join(links)} if links else {}

    def _forks(self, request: Request, repo: FakeRepo) -> tuple[int, Any, dict[str, str]]:
        sort = request.query.get("sort", "newest")
        forks = list(repo.forks)
        if sort == "oldest":
            forks.sort(key=lambda r: r.id)
        elif sort in ("stargazers", "watchers"):
            forks.sort(key=lambda r: (-r.stars, -r.id))
        else:
            forks.sort(key=lambda r: -r.id)
        per_page, page = self._page_params(request)
        last = max(1, math.ceil(len(forks) / per_page))
        chunk = forks[(page - 1) * per_page : page * per_page]
        path = f"/repositories/{repo.id}/forks" if self.link_via_repository_id else request.path
        link = self._link(request, path, page, last)
        return 200, [self._shaper.minimal_repo(r) for r in chunk], link

    def _search_page(self, request: Request, items: list[Any]) -> tuple[int, Any, dict[str, str]]:
        per_page, page = self._page_params(request)
        capped = items[:1000]
        if (page - 1) * per_page >= 1000:
            body = {
                "message": "Only the first 1000 search results are available",
                "documentation_url": f"{DOCS}/search/search",
                "status": "422",
            }
            return 422, body, {}
        last = max(1, math.ceil(len(capped) / per_page))
        chunk = capped[(page - 1) * per_page : page * per_page]
        return 200, chunk, self._link(request, request.path, page, last)

    @staticmethod
    def _validation_failed(message: str) -> tuple[int, Any, dict[str, str]]:
        body = {
            "message": "Validation Failed",
            "errors": [{"resource": "Search", "field": "q", "code": "missing", "message": message}],
            "documentation_url": f"{DOCS}/search/search",
            "status": "422",
        }
        return 422, body, {}

    def _search_code(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        terms, qualifiers = parse_query(request.query.get("q", ""))
        if not terms:
            return self._validation_failed("A search query needs at least one search term.")
        where = ",".join(qualifiers.get("in", ["file"])).lower()
        needles = [t.lower().encode() for t in terms]
        hits: list[tuple[FakeRepo, str, str]] = []
        for repo in sorted(self._repos.values(), key=lambda r: (-r.stars, r.id)):
            if not repo.searchable or repo.head is None or repo.blocked is not None:
                continue
            if not _owner_matches(repo, qualifiers):
                continue
            for path, data in sorted(repo.files.items()):
                if repo.modes.get(path, "100644") in ("120000", "160000"):
                    continue
                if len(data) >= SEARCHABLE_LIMIT or not _path_matches(path, qualifiers):
                    continue
                haystack = b""
                if "file" in where:
                    haystack += data.lower()
                if "path" in where:
                    haystack += b"\0" + path.lower().encode()
                if all(needle in haystack for needle in needles):
                    hits.append((repo, path, repo.head.sha))
        status, chunk, link = self._search_page(request, hits)
        if status != 200:
            return status, chunk, link
        items = [self._shaper.code_item(repo, path, sha) for repo, path, sha in chunk]
        template = self._shaper.examples["search-code"]
        body = {"total_count": len(hits), "incomplete_results": False, "items": items}
        return 200, {key: body[key] for key in template}, link

    def _search_repositories(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        terms, qualifiers = parse_query(request.query.get("q", ""))
        if not terms and not qualifiers:
            return self._validation_failed("A search query needs at least one search term.")
        fork_mode = (qualifiers.get("fork") or ["false"])[-1].lower()
        found: list[FakeRepo] = []
        for repo in self._repos.values():
            if repo.blocked is not None or not _owner_matches(repo, qualifiers):
                continue
            if (fork_mode == "only" and not repo.fork) or (fork_mode == "false" and repo.fork):
                continue
            text = f"{repo.full_name}\n{repo.description or ''}".lower()
            if all(term.lower() in text for term in terms):
                found.append(repo)
        sort = request.query.get("sort")
        reverse = request.query.get("order", "desc") != "asc"
        if sort == "stars":
            found.sort(key=lambda r: (r.stars, r.id), reverse=reverse)
        elif sort == "forks":
            found.sort(key=lambda r: (len(r.forks), r.id), reverse=reverse)
        elif sort == "updated":
            found.sort(key=lambda r: (r.pushed_at, r.id), reverse=reverse)
        else:
            found.sort(key=lambda r: r.id)
        status, chunk, link = self._search_page(request, found)
        if status != 200:
            return status, chunk, link
        body = {
            "total_count": len(found),
            "incomplete_results": False,
            "items": [self._shaper.search_repo(repo) for repo in chunk],
        }
        return 200, body, link
