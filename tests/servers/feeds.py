"""Publication feeds on 127.0.0.1 for ``leaktrace watch``, replaying one stream, and a webhook.

``FakeFeeds`` is a ``FakeRegistry`` (packuments, tarballs, PyPI JSON and files) that also serves:

- the npm replication feed, ``GET /_changes?since=SEQ&limit=N`` (CouchDB's shape: ``results`` of
  ``{"seq", "id", "changes": [{"rev"}]}`` and ``last_seq``);
- PyPI's journal over XML-RPC, ``POST /pypi`` (``changelog_last_serial``,
  ``changelog_since_serial``: ``[name, version, timestamp, action, serial]`` entries);
- GitHub public events, ``GET /events`` (the newest ``live_window`` events, newest first, pages
  of ``per_page`` linked with ``Link: rel="next"``, an ETag and ``X-Poll-Interval``), and the
  repository endpoints a watch needs: ``/repos/O/R``, ``/repos/O/R/compare/A...B``,
  ``/repos/O/R/git/trees/REF``, ``/repos/O/R/git/blobs/SHA``;
- GH Archive, ``GET /gharchive/YYYY-MM-DD-H.json.gz``: the events of each hour that is over (an
  hour whose events are all older than the newest visible event's hour).

The stream is an ordered list of publications (``publish_npm``, ``publish_pypi``, ``push``,
``fork``, ...); only the first ``visible`` are in the feeds, so a test can let it grow and a
benchmark can pace it (``pace``). ``appeared[i]`` is when entry ``i`` became visible.
Version documents copy the fields of a real packument (``feed_examples/``).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import threading
import time
import xmlrpc.client
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .github import LocalHTTPServer, Request, Response, etag_matches, git_blob_sha, weak_etag
from .registry import FakeRegistry

__all__ = ["Entry", "FakeFeeds", "FakeWebhook"]

EXAMPLES = Path(__file__).resolve().parent / "feed_examples"
START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _left_pad_manifest() -> dict[str, Any]:
    doc = json.loads((EXAMPLES / "npm-packument-left-pad.json").read_text("utf-8"))
    version = next(iter(doc["versions"].values()))
    return {k: v for k, v in version.items() if k not in ("_id", "dist", "name", "version")}


@dataclass
class Entry:
    """One publication of the stream."""

    feed: str  # npm, pypi, github
    key: str  # npm:NAME@VERSION, pypi:NAME==VERSION/FILE, github:EVENT-ID
    data: dict[str, Any] = field(default_factory=dict)


class FakeFeeds(FakeRegistry):
    def __init__(self, *, live_window: int = 300, per_page: int = 100,
                 poll_interval: int = 1, string_seqs: bool = False,
                 seconds_per_entry: int = 1) -> None:  # fmt: skip
        super().__init__()
        self.seconds_per_entry = seconds_per_entry
        """Entry ``i`` is published at 2026-12-01T00:00:00Z + i times this."""
        self.string_seqs = string_seqs
        """Sequence values like CouchDB 2's (``"12-g1AAAA..."``) instead of numbers."""
        self.entries: list[Entry] = []
        self.visible = 0
        self.appeared: dict[int, float] = {}
        self.live_window = live_window
        self.per_page = per_page
        self.poll_interval = poll_interval
        self._npm_seq: list[int] = []  # entry index of each npm change, seq = position + 1
        self._pypi_serial: list[int] = []
        self._events: list[int] = []
        self._repos: dict[str, dict[str, Any]] = {}  # OWNER/NAME -> {"files": {path: sha}}
        self._blobs: dict[str, bytes] = {}
        self._commits: dict[str, dict[str, str]] = {}  # commit sha -> {path: blob sha}
        self._manifest = _left_pad_manifest()
        self._npm_time: datetime | None = None
        self._pace: tuple[float, float] | None = None

    # -- the stream ------------------------------------------------------------------------------

    def _add(self, entry: Entry) -> int:
        with self.lock:
            self.entries.append(entry)
            return len(self.entries) - 1

    def show(self, count: int | None = None) -> None:
        """Make the first ``count`` entries (all by default) visible in the feeds."""
        with self.lock:
            target = len(self.entries) if count is None else min(count, len(self.entries))
            stamp = time.time()
            for index in range(self.visible, target):
                self.appeared[index] = stamp
            self.visible = max(self.visible, target)

    def pace(self, per_second: float) -> None:
        """From now on, entries appear at ``per_second`` (checked on every request)."""
        with self.lock:
            self._pace = (time.time() - self.visible / per_second, per_second)

    def _advance(self) -> None:
        if self._pace is None:
            return
        start, rate = self._pace
        now = time.time()
        due = min(len(self.entries), int((now - start) * rate))
        for index in range(self.visible, due):
            self.appeared[index] = start + index / rate
        self.visible = max(self.visible, due)

    def publish_npm(self, name: str, version: str, files: dict[str, bytes],
                    dated: datetime | None = None,
                    tarball: bytes | None = None) -> int:  # fmt: skip
        """``name@version`` in the registry and, once visible, in the changes feed, dated now
        (a second after the last npm publication at the earliest: each has its own time), or
        ``dated`` (a version published long ago whose change the feed shows now). ``tarball``
        (a real npm tarball) is served instead of one made of ``files``."""
        manifest = dict(self._manifest, name=name, version=version)
        if dated is None:
            moment = datetime.now(UTC).replace(microsecond=0)
            self._npm_time = moment if self._npm_time is None else max(
                moment, self._npm_time + timedelta(seconds=1))  # fmt: skip
        published = (dated or self._npm_time).strftime("%Y-%m-%dT%H:%M:%S")
        package = {"package.json": json.dumps(manifest).encode(), **files}
        artifact = self.add_npm(name, version, package, published=published, tarball=tarball)
        index = self._add(
            Entry(
                "npm",
                f"npm:{name}@{version}",
                {"name": name, "path": artifact.path, "size": len(artifact.data)},
            )
        )
        self._npm_seq.append(index)
        return index

    def change_npm(self, name: str) -> int:
        """A change of ``name``'s metadata only (a dist-tag, a deprecation): its document's
        ``time.modified`` moves to now, no version is published; in the changes feed once
        visible."""
        with self.lock:
            self._npm_modified[name] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        index = self._add(Entry("npm", f"npm:{name}", {"name": name}))
        self._npm_seq.append(index)
        return index

    def publish_pypi(self, name: str, version: str, files: dict[str, bytes]) -> int:
        artifact = self.add_pypi(name, version, files)
        index = self._add(Entry("pypi", f"pypi:{name}=={version}/{artifact.filename}",
                                {"name": name, "version": version, "path": artifact.path,
                                 "action": f"add source file {artifact.filename}"}))  # fmt: skip
        self._pypi_serial.append(index)
        return index

    def create_repo(self, full_name: str, files: dict[str, bytes]) -> str:
        """A repository with one commit holding ``files``; returns the commit sha."""
        tree = {path: self._blob(data) for path, data in files.items()}
        commit = hashlib.sha1(json.dumps(sorted(tree.items())).encode()).hexdigest()
        with self.lock:
            self._commits[commit] = tree
            self._repos[full_name] = {"head": commit}
        return commit

    def head(self, full_name: str) -> str:
        """The commit a repository's default branch points at."""
        with self.lock:
            return str(self._repos[full_name]["head"])

    def _blob(self, data: bytes) -> str:
        sha = git_blob_sha(data)
        with self.lock:
            self._blobs[sha] = data
        return sha

    def _event(self, kind: str, full_name: str, payload: dict[str, Any]) -> int:
        event_id = 40_000_000_000 + len(self.entries)
        created = START + timedelta(seconds=len(self.entries) * self.seconds_per_entry)
        event = {
            "id": str(event_id),
            "type": kind,
            "actor": {"id": 1, "login": full_name.split("/")[0], "display_login":
                      full_name.split("/")[0], "gravatar_id": "",
                      "url": f"https://api.github.com/users/{full_name.split('/')[0]}",
                      "avatar_url": "https://avatars.githubusercontent.com/u/1?"},
            "repo": {"id": abs(hash(full_name)) % 10**9, "name": full_name,
                     "url": f"https://api.github.com/repos/{full_name}"},
            "payload": payload,
            "public": True,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }  # fmt: skip
        index = self._add(Entry("github", f"github:{event_id}", {"event": event}))
        self._events.append(index)
        return index

    def push(self, full_name: str, files: dict[str, bytes]) -> int:
        """A PushEvent adding or changing ``files`` on top of the repository's head."""
        before = self._repos[full_name]["head"]
        tree = dict(self._commits[before])
        tree.update({path: self._blob(data) for path, data in files.items()})
        head = hashlib.sha1(json.dumps(sorted(tree.items())).encode()).hexdigest()
        with self.lock:
            self._commits[head] = tree
            self._repos[full_name]["head"] = head
        return self._event("PushEvent", full_name, {
            "repository_id": 1, "push_id": len(self.entries), "ref": "refs/heads/main",
            "head": head, "before": before})  # fmt: skip

    def fork(self, parent: str, fork: str) -> int:
        head = self._repos[parent]["head"]
        with self.lock:
            self._repos[fork] = {"head": head}
        return self._event("ForkEvent", parent, {"forkee": self._repo_doc(fork)})

    def create(self, full_name: str, files: dict[str, bytes]) -> int:
        self.create_repo(full_name, files)
        return self._event("CreateEvent", full_name, {
            "ref": None, "ref_type": "repository", "master_branch": "main",
            "description": None, "pusher_type": "user"})  # fmt: skip

    def release(self, full_name: str, tag: str) -> int:
        """A ReleaseEvent: ``tag`` on the repository's head."""
        with self.lock:
            repo = self._repos[full_name]
            repo.setdefault("tags", {})[tag] = repo["head"]
        return self._event("ReleaseEvent", full_name, {"action": "published", "release": {
            "tag_name": tag, "name": tag, "draft": False, "prerelease": False,
            "target_commitish": "main"}})  # fmt: skip

    def make_public(self, full_name: str, files: dict[str, bytes]) -> int:
        """A PublicEvent: a private repository (holding ``files``) made public."""
        self.create_repo(full_name, files)
        return self._event("PublicEvent", full_name, {})

    def other_event(self, kind: str, full_name: str) -> int:
        """An event watch does not read (WatchEvent, IssuesEvent...)."""
        return self._event(kind, full_name, {"action": "started"})

    # -- serving ---------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.lock:
            self._advance()
            route = request.route
            if request.method == "POST" and route == "/pypi":
                return self._xmlrpc(request.body)
            if route == "/_changes":
                return self._changes(request)
            if route == "/events":
                return self._live(request)
            if m := re.fullmatch(r"/gharchive/(\d{4}-\d\d-\d\d-\d{1,2})\.json\.gz", route):
                return self._archive(m.group(1))
            if m := re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)?", route):
                return self._repo(m.group(1), m.group(2) or "")
        return super().handle(request)

    def describe(self, request: Request) -> dict[str, Any]:
        return {"body": request.body[:2000]} if request.method == "POST" else {}

    def _changes(self, request: Request) -> Response:
        """As CouchDB answers: each document once, at its latest change, so a package that
        published several versions since ``since`` shows once (seq = the change's position)."""
        since_text = request.query.get("since", "0").split("-", 1)[0]
        visible = self._visible(self._npm_seq)
        latest = {self.entries[i].data["name"]: seq for seq, i in enumerate(visible, 1)}
        since = int(since_text) if since_text.isdigit() else 0
        if since_text == "now":
            since = len(visible)
        limit = int(request.query.get("limit", "1000"))
        chosen = [(seq, i) for seq, i in enumerate(visible, 1) if seq > since
                  and latest[self.entries[i].data["name"]] == seq][:limit]  # fmt: skip
        results = [{"seq": self._seq(seq), "id": self.entries[i].data["name"],
                    "changes": [{"rev": f"1-{hashlib.md5(str(i).encode()).hexdigest()}"}]}
                   for seq, i in chosen]  # fmt: skip
        last = chosen[-1][0] if chosen else since
        return Response.json(200, {"results": results, "last_seq": self._seq(last)})

    def _seq(self, number: int) -> int | str:
        if not self.string_seqs:
            return number
        return f"{number}-g1AAAA" + hashlib.sha1(str(number).encode()).hexdigest()[:24]

    def _visible(self, indexes: list[int]) -> list[int]:
        return [i for i in indexes if i < self.visible]

    def _xmlrpc(self, body: bytes) -> Response:
        args, method = xmlrpc.client.loads(body)
        visible = self._visible(self._pypi_serial)
        if method == "changelog_last_serial":
            result: Any = len(visible)
        elif method == "changelog_since_serial":
            since = int(args[0])
            result = [[self.entries[i].data["name"], self.entries[i].data["version"],
                       int(START.timestamp()) + i, self.entries[i].data["action"], n + 1]
                      for n, i in enumerate(visible) if n + 1 > since]  # fmt: skip
        else:
            fault = xmlrpc.client.dumps(xmlrpc.client.Fault(1, f"no method {method}"))
            return Response(200, fault.encode(), {"content-type": "text/xml"})
        text = xmlrpc.client.dumps((result,), methodresponse=True)
        return Response(200, text.encode(), {"content-type": "text/xml"})

    def _live(self, request: Request) -> Response:
        visible = self._visible(self._events)[-self.live_window :][::-1]
        per_page = int(request.query.get("per_page", "30"))
        per_page = min(per_page, self.per_page)
        page = int(request.query.get("page", "1"))
        chunk = visible[(page - 1) * per_page : page * per_page]
        body = json.dumps([self.entries[i].data["event"] for i in chunk]).encode()
        headers = {"content-type": "application/json", "x-poll-interval": str(self.poll_interval)}
        if page * per_page < len(visible):
            headers["link"] = (f'<{self.url}/events?per_page={per_page}&page={page + 1}>; '
                               'rel="next"')  # fmt: skip
        etag = weak_etag(body)
        headers["etag"] = etag
        if etag_matches(request, etag):
            return Response(304, b"", headers)
        return Response(200, body, headers)

    def _hour(self, index: int) -> str:
        created = self.entries[index].data["event"]["created_at"]
        moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
        return f"{moment:%Y-%m-%d}-{moment.hour}"

    def _archive(self, hour: str) -> Response:
        visible = self._visible(self._events)
        if not visible or hour == self._hour(visible[-1]):
            return Response.json(404, {"message": "Not Found"})
        events = [self.entries[i].data["event"] for i in visible if self._hour(i) == hour]
        later = [i for i in visible if self._hour(i) > hour]
        if not events and not later:
            return Response.json(404, {"message": "Not Found"})
        text = "".join(json.dumps(e) + "\n" for e in events).encode()
        return Response(200, gzip.compress(text, mtime=0), {"content-type": "application/gzip"})

    def _repo_doc(self, full_name: str) -> dict[str, Any]:
        owner, name = full_name.split("/")
        return {"id": abs(hash(full_name)) % 10**9, "name": name, "full_name": full_name,
                "owner": {"login": owner, "id": 1, "type": "User"}, "private": False,
                "default_branch": "main", "forks_count": 0,
                "clone_url": f"{self.url}/{full_name}.git",
                "url": f"{self.url}/repos/{full_name}"}  # fmt: skip

    def _repo(self, full_name: str, rest: str) -> Response:
        if full_name not in self._repos:
            return Response.json(404, {"message": "Not Found"})
        if not rest:
            return Response.json(200, self._repo_doc(full_name))
        if m := re.fullmatch(r"/compare/([0-9a-f]{40})\.\.\.([0-9a-f]{40})", rest):
            old, new = self._commits.get(m.group(1)), self._commits.get(m.group(2))
            if old is None or new is None:
                return Response.json(404, {"message": "Not Found"})
            files = [{"sha": sha, "filename": path, "status": "added" if path not in old
                      else "modified", "additions": 1, "deletions": 0, "changes": 1,
                      "size": len(self._blobs[sha])}
                     for path, sha in sorted(new.items()) if old.get(path) != sha]  # fmt: skip
            return Response.json(200, {"status": "ahead", "ahead_by": 1, "behind_by": 0,
                                       "total_commits": 1, "files": files})  # fmt: skip
        if m := re.fullmatch(r"/git/trees/([^/]+)", rest):
            ref = m.group(1)
            repo = self._repos[full_name]
            commit = repo["head"] if ref in ("main", "HEAD") else repo.get("tags", {}).get(ref, ref)
            tree = self._commits.get(commit)
            if tree is None:
                return Response.json(404, {"message": "Not Found"})
            entries = [{"path": p, "mode": "100644", "type": "blob", "sha": s,
                        "size": len(self._blobs[s])} for p, s in sorted(tree.items())]  # fmt: skip
            return Response.json(200, {"sha": hashlib.sha1(commit.encode()).hexdigest(),
                                       "tree": entries, "truncated": False})  # fmt: skip
        if m := re.fullmatch(r"/git/blobs/([0-9a-f]{40})", rest):
            data = self._blobs.get(m.group(1))
            if data is None:
                return Response.json(404, {"message": "Not Found"})
            return Response.json(200, {"sha": m.group(1), "size": len(data), "encoding": "base64",
                                       "content": base64.b64encode(data).decode()})  # fmt: skip
        return Response.json(404, {"message": "Not Found"})


SLACK_SECTION_MAX = 3000
"""Slack's limit on a section block's text (Block Kit reference); over it, 400 invalid_blocks."""


class FakeWebhook(LocalHTTPServer):
    """Takes POSTed alerts; while ``down`` it answers 503 (with ``retry_after`` if set). With
    ``slack``, it refuses what Slack refuses: blocks whose mrkdwn text is over 3,000 characters
    (HTTP 400, ``invalid_blocks``)."""

    def __init__(self, *, slack: bool = False) -> None:
        super().__init__()
        self.slack = slack
        self.down = False
        self.retry_after: int | None = None
        self.received: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        if self.down:
            headers = {"retry-after": str(self.retry_after)} if self.retry_after else {}
            return Response.json(503, {"message": "down"}, headers)
        payload = json.loads(request.body)
        if self.slack and any(len(text) > SLACK_SECTION_MAX for text in _block_texts(payload)):
            return Response(400, b"invalid_blocks", {"content-type": "text/plain"})
        with self._lock:
            self.received.append((time.time(), payload))
        return Response(200, b"ok", {"content-type": "text/plain"})

    def alerts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [payload for _, payload in self.received]


def _block_texts(payload: dict[str, Any]) -> list[str]:
    """The mrkdwn texts of a Slack message's blocks (sections and context elements)."""
    texts = []
    for block in payload.get("blocks", []):
        if "text" in block:
            texts.append(block["text"]["text"])
        texts += [element["text"] for element in block.get("elements", []) if "text" in element]
    return texts
