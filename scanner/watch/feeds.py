"""The public feeds ``watch`` follows, each read from a checkpoint, one publication at a time.

- **npm**: the registry's replication feed, ``GET {changes}/_changes?since=SEQ&limit=N``. Sequence
  values are opaque (a number on one replica, a string on another): each result's ``seq`` is kept
  exactly as given and sent back as ``since``. The feed has no server-side filter and no
  ``include_docs``, so each changed package's document (packument) is fetched. CouchDB keeps one
  change per document, so one change may stand for several versions published since the last
  read: the packument's versions come in ``time`` order (``Versions``), the newest's tarball is
  fetched ahead, and the watch opens each version published after the newest it has read
  (``WatchState.unread_versions``), each its own publication.
- **PyPI**: the journal, through XML-RPC ``changelog_since_serial(serial)``. PyPI's own API
  documentation lists it among the mirroring methods and tells to follow the journal with it; the
  JSON API's ``X-PyPI-Last-Serial`` only tells one project's serial once that project is asked
  for, so it cannot say *which* projects changed without polling every one of them. Each ``add
  ... file NAME`` entry is one publication: that file, found in ``/pypi/NAME/VERSION/json``.
- **GitHub**: public events, ``GET {api}/events`` revalidated with its ETag (a 304 costs no
  budget) and polled no faster than ``X-Poll-Interval`` says. PushEvent: only the blobs the push
  changed (the compare API between ``before`` and ``head``); CreateEvent of a repository,
  PublicEvent, ForkEvent: the repository's tree; ReleaseEvent: the tree at the release's tag.
- **GH Archive**: the same events in hourly ``YYYY-MM-DD-H.json.gz`` files, for backfill from a
  given hour (``--gharchive-from``) or when the live feed no longer reaches back to the
  checkpoint. A checkpoint in an hour file is its line number, so a restart resumes inside it.

Every feed yields ``Publication``s in feed order; each carries the cursor that follows it, which
the watcher commits with the publication's finding (``scanner.watch.state``).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import json
import time
import xmlrpc.client
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fingerprints import language_for_path
from scanner.http import FetchError, Http
from scanner.sources.answers import AnswerError, npm_modified, npm_release, npm_versions_by_time
from scanner.sources.archive import Archive
from scanner.sources.base import CandidateFile, Limits, Problem, Unreadable
from scanner.sources.carriers import might_be_carrier
from scanner.sources.github import GitHubAPI, GitHubRepo, read_blobs

Unread = Callable[[str, list[tuple[str, str]], str | None], list[tuple[str, str]]]
"""npm: of a package's dated versions, those the watch has not read, given when its document
last changed (``WatchState.unread_ahead``)."""
Opener = Callable[[], "Opened"]
"""Fetches what a publication needs before it is scanned (run ahead, on a prefetch thread)."""


@dataclass
class Opened:
    """A publication made ready: a candidate to scan, or why there is nothing to scan."""

    candidate: Any = None  # a scanner.sources.Candidate
    skipped: str | None = None  # nothing left to read (all unpublished)
    versions: Versions | None = None  # npm: the package's versions; this one is the newest


def over_max_size(target: str, feed: str, size: str) -> Opened:
    """A publication over ``--max-size``: not downloaded, and ``incomplete`` (recorded, exit 3),
    never passed over as filtered out: size says nothing of whose code it holds, and a leak is
    often the biggest package (2026's was a 59.8 MB source map)."""
    return Opened(Unreadable(target, feed, f"{size}, over --max-size; not downloaded, not read"))


@dataclass(frozen=True)
class Versions:
    """npm: every version of a package, in publication order, so that the watch opens each one
    published after the newest it has read, not only the newest (a change in the feed stands
    for every version published since the package's previous change)."""

    package: str
    dated: tuple[tuple[str, str], ...]
    """``(time, version)``, oldest first (``answers.npm_versions_by_time``)."""
    open: Callable[[str], Opened]
    """Fetches one version's tarball (on the calling thread)."""
    modified: str | None = None
    """When the package's document last changed (``answers.npm_modified``), if it says."""
    undated: tuple[str, ...] = ()
    """Versions with no publication time: whether one is new is unknown, so each is read, and
    again at a change of the package once its mark is pruned (``state.undated_mark``)."""


@dataclass
class Publication:
    """One thing published, as a feed announced it."""

    feed: str
    cursor: str
    """The feed's checkpoint once this publication is done."""
    name: str
    """Package name, or OWNER/REPO: what the name filters look at."""
    target: str
    seen: float = field(default_factory=time.time)
    """When watch read it in the feed (epoch seconds): the alert delay starts here."""
    open: Opener | None = None
    """None: a feed entry that publishes nothing (a removal, an owner change)."""


def _malformed(url: str, what: str) -> AnswerError:
    return AnswerError(f"{url}: malformed answer: {what}")


def _unreadable(target: str, feed: str, what: str) -> Opener:
    """The opener of a publication the feed announced but described too badly to read: it
    comes out ``incomplete`` with one line, never as seen and passed over."""
    return lambda: Opened(Unreadable(target, feed, f"malformed feed entry: {what}; not read"))


# -- npm ------------------------------------------------------------------------------------------


class NpmFeed:
    name = "npm"

    def __init__(self, http: Http, changes_url: str, registry: str, limits: Limits,
                 cursor: str | None, batch: int = 1000, max_size: int | None = None,
                 unread: Unread | None = None) -> None:  # fmt: skip
        self.http = http
        self.unread = unread
        """Which of a package's versions the watch has not read (``WatchState.unread_ahead``):
        none, and the newest tarball is not fetched ahead."""
        self.changes = changes_url.rstrip("/")
        self.registry = registry.rstrip("/")
        self.limits = limits
        self.cursor = cursor or "now"
        self.batch = batch
        self.max_size = max_size
        self.interval = 0.0

    def poll(self) -> Iterator[Publication]:
        """Every change after the cursor, page by page, until the feed has no more."""
        while True:
            url = f"{self.changes}/_changes"
            answer = self.http.get_json(url, params={"since": self.cursor, "limit": self.batch},
                                        kind="npm_changes")  # fmt: skip
            if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
                raise _malformed(url, "expected an object with a 'results' list")
            results = answer["results"]
            for number, change in enumerate(results):
                if not isinstance(change, dict) or "seq" not in change:
                    raise _malformed(url, f"results[{number}] has no seq")
                cursor = _seq_text(change["seq"])
                name = change.get("id")
                self.cursor = cursor
                if isinstance(name, str) and name.startswith("_design/"):  # not a package
                    yield Publication(self.name, cursor, "", "npm:?")
                    continue
                if not isinstance(name, str) or not name:
                    unread = _unreadable("npm:?", self.name, f"change {cursor} names no package")
                    yield Publication(self.name, cursor, "", "npm:?", open=unread)
                    continue
                deleted = change.get("deleted") is True
                yield Publication(self.name, cursor, name, f"npm:{name}",
                                  open=None if deleted else self._opener(name))  # fmt: skip
            if "last_seq" in answer and not results:
                self.cursor = _seq_text(answer["last_seq"])
            if len(results) < self.batch:
                return

    def _opener(self, name: str) -> Opener:
        return lambda: self._open(name)

    def _open(self, name: str) -> Opened:
        """The package's versions, and the newest one fetched (most changes publish one)."""
        url = f"{self.registry}/{quote(name, safe='@')}"
        doc = self.http.get_json(url, kind="packument")
        found = npm_versions_by_time(doc, url)  # a malformed packument: AnswerError, unread
        if found is None:
            return Opened(skipped="every version unpublished")
        dated, undated = found
        listing = Versions(name, tuple(dated), functools.partial(self._version, name, doc, url),
                           npm_modified(doc), tuple(undated))  # fmt: skip
        unread = self.unread
        if not dated or (unread is not None and not unread(name, dated, listing.modified)):
            return Opened(versions=listing)  # nothing new (a dist-tag, a change read again)
        opened = listing.open(dated[-1][1])
        opened.versions = listing
        return opened

    def _version(self, name: str, doc: Any, url: str, version: str) -> Opened:
        release = npm_release(doc, url, version)
        if release is None:
            raise _malformed(url, f"versions has no {version[:64]!r}")
        target = f"npm:{name}@{release.version}"
        size = _npm_size(doc, release.version)
        if self.max_size is not None and size is not None and size > self.max_size:
            return over_max_size(target, "npm", f"{size:,} bytes unpacked")
        data = self.http.download(release.url, self.limits.max_total_bytes, kind="tarball")
        filename = release.url.rsplit("/", 1)[-1].split("?", 1)[0] or "package.tgz"
        archive = Archive(Path(filename), target=target, limits=self.limits, data=data,
                          revision=f"{release.version} sha256:{_sha256(data)}",
                          history=False)  # fmt: skip
        archive.kind = "npm"
        return Opened(archive)


def _seq_text(seq: Any) -> str:
    return seq if isinstance(seq, str) else json.dumps(seq)


def _npm_size(doc: dict[str, Any], version: str) -> int | None:
    dist = (doc.get("versions") or {}).get(version, {}).get("dist")
    size = dist.get("unpackedSize") if isinstance(dist, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) else None


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# -- PyPI -----------------------------------------------------------------------------------------


class PyPIFeed:
    name = "pypi"

    def __init__(self, http: Http, pypi_url: str, limits: Limits, cursor: str | None,
                 max_size: int | None = None) -> None:  # fmt: skip
        self.http = http
        self.base = pypi_url.rstrip("/")
        self.limits = limits
        self.cursor = cursor
        self.max_size = max_size
        self.interval = 0.0

    def _call(self, method: str, *args: Any) -> Any:
        url = f"{self.base}/pypi"
        body = xmlrpc.client.dumps(args, method).encode()
        response = self.http.post(url, body, headers={"Content-Type": "text/xml"},
                                  kind="pypi_xmlrpc")  # fmt: skip
        try:
            return xmlrpc.client.loads(response.content)[0][0]
        except (xmlrpc.client.Fault, xmlrpc.client.ResponseError, ValueError, IndexError) as exc:
            raise _malformed(url, f"{method}: {exc}") from exc
        except Exception as exc:  # expat errors of a hostile body
            raise _malformed(url, f"{method}: not XML-RPC ({type(exc).__name__})") from exc

    def poll(self) -> Iterator[Publication]:
        if self.cursor is None:  # start from now
            self.cursor = str(int(self._call("changelog_last_serial")))
        entries = self._call("changelog_since_serial", int(self.cursor))
        if not isinstance(entries, list):
            raise _malformed(f"{self.base}/pypi", "changelog_since_serial: expected a list")
        for number, entry in enumerate(entries):
            if not (isinstance(entry, list | tuple) and len(entry) >= 5
                    and isinstance(entry[4], int)):  # fmt: skip
                raise _malformed(f"{self.base}/pypi", f"changelog entry {number}")
            name, version, _, action, serial = entry[:5]
            self.cursor = str(serial)
            filename = _added_file(action)
            if not (filename and isinstance(name, str) and isinstance(version, str)):
                yield Publication(self.name, self.cursor, str(name), f"pypi:{name}")
                continue
            yield Publication(self.name, self.cursor, name, f"pypi:{name}=={version}",
                              open=self._opener(name, version, filename))  # fmt: skip

    def _opener(self, name: str, version: str, filename: str) -> Opener:
        return lambda: self._open(name, version, filename)

    def _open(self, name: str, version: str, filename: str) -> Opened:
        url = f"{self.base}/pypi/{quote(name)}/{quote(version)}/json"
        doc = self.http.get_json(url, kind="pypi_json")
        files = doc.get("urls") if isinstance(doc, dict) else None
        if not isinstance(files, list):
            raise _malformed(url, "expected an object with a 'urls' list")
        chosen = next((f for f in files if isinstance(f, dict)
                       and f.get("filename") == filename), None)  # fmt: skip
        if chosen is None:
            return Opened(skipped=f"{filename} is no longer in the release")
        link, size = chosen.get("url"), chosen.get("size")
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise _malformed(url, f"{filename}: url should be an http(s) URL")
        target = f"pypi:{name}=={version}/{filename}"
        if self.max_size is not None and isinstance(size, int) and size > self.max_size:
            return over_max_size(target, "pypi", f"{size:,} bytes")
        data = self.http.download(link, self.limits.max_total_bytes, kind="pypi_file")
        archive = Archive(Path(filename), target=target, limits=self.limits, data=data,
                          revision=f"{version} sha256:{_sha256(data)}", history=False)  # fmt: skip
        archive.kind = "pypi"
        return Opened(archive)


def _added_file(action: Any) -> str | None:
    """The file name of a journal entry that adds a file (``add source file x.tar.gz``,
    ``add py3 file x.whl``), else None."""
    if not isinstance(action, str) or not action.startswith("add ") or " file " not in action:
        return None
    name = action.split(" file ", 1)[1].strip()
    return name or None


# -- GitHub events and GH Archive -----------------------------------------------------------------


WATCHED_EVENTS = ("PushEvent", "CreateEvent", "PublicEvent", "ForkEvent", "ReleaseEvent")
_ZERO = "0" * 40


class GitHubChanges:
    """The files one push changed: the compare API's list, each blob fetched (once: the blob
    cache) and read like any repository file."""

    kind = "github"

    def __init__(self, api: GitHubAPI, owner: str, repo: str, head: str,
                 files: list[tuple[str, str, int | None]], target: str,
                 limits: Limits) -> None:  # fmt: skip
        self.api, self.owner, self.repo, self.head = api, owner, repo, head
        self.files = files
        self.target = target
        self.limits = limits
        self.problems: list[Problem] = []

    @property
    def revision(self) -> str | None:
        return self.head

    def iter_files(self) -> Iterator[CandidateFile]:
        yield from read_blobs(self.api, self.owner, self.repo, self.files, self.limits,
                              self.problems)  # fmt: skip


class GitHubFeed:
    """Live events, with GH Archive hours for backfill. The cursor is JSON: ``id`` (the newest
    event done), ``at`` (its time), and while backfilling ``hour``, ``line`` and, when the live
    feed lagged, ``after`` (the events up to it were done live).

    With no cursor and no backfill, the feed starts at the live feed's current end, as npm's
    and PyPI's do: the newest event becomes the cursor and none of the events already in the
    window are read; ``from_beginning`` reads that window (``--from-beginning``)."""

    name = "github"

    def __init__(self, api: GitHubAPI, limits: Limits, cursor: str | None,
                 gharchive_url: str | None, backfill_from: str | None = None, *,
                 say: Callable[[str], None] = print,
                 from_beginning: bool = False) -> None:  # fmt: skip
        self.api = api
        self.from_beginning = from_beginning
        self.http = api.http
        self.limits = limits
        self.state: dict[str, Any] = json.loads(cursor) if cursor else {}
        self.archive = gharchive_url.rstrip("/") if gharchive_url else None
        if backfill_from and "hour" not in self.state and not cursor:
            self.state["hour"], self.state["line"] = backfill_from, 0
        self.backfilling = "hour" in self.state  # the live feed then goes on from it
        self.say = say
        self.interval = 0.0
        self._waiting: str | None = None  # the hour not archived yet said to be waited for

    @property
    def cursor(self) -> str:
        return json.dumps(self.state, sort_keys=True)

    def poll(self) -> Iterator[Publication]:
        if self.state.get("hour") and self.archive:
            yield from self._backfill()
            if self.state.get("hour"):  # an hour not archived yet, which the live feed misses
                return
        yield from self._live()

    # GH Archive

    def _backfill(self) -> Iterator[Publication]:
        while self.state.get("hour"):
            hour = self.state["hour"]
            url = f"{self.archive}/{hour}.json.gz"
            try:
                data = self.http.download(url, self.limits.max_total_bytes, kind="gharchive")
            except FetchError as exc:
                if exc.status != 404:
                    raise
                if self._live_covers(hour):  # not published yet: the live feed takes over
                    self.say(f"github: GH Archive has no {hour} yet; following the live feed")
                    for key in ("hour", "line", "after"):
                        self.state.pop(key, None)
                    self._waiting = None
                elif self._waiting != hour:  # the checkpoint stays before the gap
                    self.say(f"github: the events after {self.state.get('at') or hour} wait for "
                             f"GH Archive hour {hour} (not archived yet; the live feed no "
                             "longer reaches back to them): read once it is")  # fmt: skip
                    self._waiting = hour
                return
            skip = int(self.state.get("line", 0))
            yield from self._hour_file(url, data, skip)
            self.state["hour"] = _next_hour(hour)
            self.state["line"] = 0

    def _hour_file(self, url: str, data: bytes, skip: int) -> Iterator[Publication]:
        """The events of one hour file from line ``skip + 1``, decompressed as they are read (an
        hour is hundreds of MB of JSON). A damaged file is a ``FetchError``: the feed tries it
        again at the next poll, from the line it had reached."""
        lines = gzip.GzipFile(fileobj=io.BytesIO(data))
        number = 0
        try:
            for number, line in enumerate(lines, 1):
                if number <= skip:
                    continue
                self.state["line"] = number
                try:
                    event = json.loads(line)
                except (ValueError, RecursionError):
                    self.say(f"github: {url}: line {number} is not JSON; skipped")
                    event = None
                if (_event_id(event) or 0) <= int(self.state.get("after", 0)):
                    event = None  # done from the live feed before it lagged
                yield self._publication(event, archived=True)
        except (OSError, EOFError, zlib.error) as exc:
            raise FetchError(f"{url}: damaged after line {number} ({exc})") from exc

    # live

    def _live(self) -> Iterator[Publication]:
        last = int(self.state.get("id", 0))
        at_end = not (last or self.from_beginning or self.backfilling)  # first poll: from now
        events, reached = self._live_events(last, at_end)
        if at_end:
            return
        if last and not reached and events and self.archive:
            oldest = min(events, key=lambda e: _event_id(e) or 0)
            hour = _hour_of(self.state.get("at")) or _hour_of(oldest.get("created_at"))
            if hour:
                self.say(f"github: the live feed no longer reaches back to event {last}; "
                         f"backfilling from GH Archive hour {hour}")  # fmt: skip
                self.state.update(hour=hour, line=0, after=last)
                yield from self._backfill()
                if self.state.get("hour"):  # a gap no archive holds yet: the live events wait
                    return
                last = int(self.state.get("id", 0))
        for event in sorted(events, key=lambda e: _event_id(e) or 0):
            if (_event_id(event) or 0) > last:
                yield self._publication(event, archived=False)

    def _live_events(self, last: int, at_end: bool = False) -> tuple[list[dict[str, Any]], bool]:
        """The live feed's events newer than ``last``, and whether it reached back to ``last``
        (``at_end``: only the newest event, which becomes the cursor)."""
        events: list[dict[str, Any]] = []
        url: str | None = f"{self.api.api}/events"
        params: dict[str, Any] | None = {"per_page": 100}
        while url:
            response = self.http.get(url, params=params, kind="events")
            self._poll_interval(response.headers.get("x-poll-interval"))
            page = self.http._json(response, url)
            if not isinstance(page, list):
                raise _malformed(url, "expected a list of events")
            ids = [_event_id(e) for e in page]
            if at_end:  # the newest event is the cursor; the window is not read
                if any(i is not None for i in ids):
                    self._advance(max(page, key=lambda e: _event_id(e) or 0))
                return [], True
            events += [e for e, i in zip(page, ids, strict=True) if i is not None and i > last]
            if not page or min((i for i in ids if i is not None), default=0) <= last:
                return events, True
            url = response.links.get("next", {}).get("url")
            params = None
        return events, False

    def _live_covers(self, hour: str) -> bool:
        """Whether the live feed holds every event after the checkpoint, so that ``hour``, not
        archived yet, need not be waited for: it reaches back to the checkpoint's event, or to
        an event of an hour before ``hour`` (every hour before it was read from the archive).
        Event ids are not consecutive, so a live feed whose oldest event is newer than both
        may have missed some: the hour is waited for."""
        events, reached = self._live_events(int(self.state.get("id", 0)))
        if reached:
            return True
        start = parse_hour(hour)
        for event in events:
            at = event.get("created_at")
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                if datetime.fromisoformat(at.replace("Z", "+00:00")) < start:
                    return True
        return False

    def _poll_interval(self, header: str | None) -> None:
        with contextlib.suppress(ValueError):
            self.interval = float(header) if header else self.interval

    def _advance(self, event: Any) -> None:
        """The cursor moved past ``event`` (when it is newer than the cursor)."""
        event_id = _event_id(event)
        if event_id is not None and event_id > int(self.state.get("id", 0)):
            self.state["id"] = event_id
            at = event.get("created_at")
            if isinstance(at, str) and len(at) < 64:
                self.state["at"] = at

    def _publication(self, event: Any, archived: bool) -> Publication:
        self._advance(event)
        cursor = self.cursor
        if not isinstance(event, dict) or event.get("type") not in WATCHED_EVENTS:
            return Publication(self.name, cursor, "", "github:?")
        repo = event.get("repo") if isinstance(event.get("repo"), dict) else {}
        full = repo.get("name") if isinstance(repo.get("name"), str) else ""
        payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
        kind = event["type"]
        if kind == "ForkEvent":
            forkee = payload.get("forkee") if isinstance(payload.get("forkee"), dict) else {}
            full = forkee.get("full_name") if isinstance(forkee.get("full_name"), str) else ""
        if full.count("/") != 1 or "" in full.split("/"):
            what = f"{kind} {str(event.get('id'))[:40]} names no repository"
            return Publication(self.name, cursor, "", "github:?",
                               open=_unreadable("github:?", self.name, what))  # fmt: skip
        owner, name = full.split("/")
        target = f"github:{full}"
        opener: Opener | None = None
        if kind == "PushEvent":
            head, before = payload.get("head"), payload.get("before")
            if isinstance(head, str) and head:
                target = f"github:{full}@{head}"
                opener = self._push_opener(owner, name, before, head, target)
            else:
                opener = _unreadable(target, self.name, "a push with no head commit")
        elif kind == "CreateEvent":
            if payload.get("ref_type") == "repository":
                opener = self._tree_opener(owner, name, None, target)
        elif kind == "ReleaseEvent":
            release = payload.get("release") if isinstance(payload.get("release"), dict) else {}
            tag = release.get("tag_name")
            if isinstance(tag, str) and tag:
                target = f"github:{full}@{tag}"
                opener = self._tree_opener(owner, name, tag, target)
        else:  # PublicEvent, ForkEvent
            opener = self._tree_opener(owner, name, None, target)
        return Publication(self.name, cursor, full, target, open=opener)

    def _tree_opener(self, owner: str, repo: str, ref: str | None, target: str) -> Opener:
        def run() -> Opened:
            candidate = GitHubRepo(self.api, owner, repo, ref, target=target, limits=self.limits)
            return Opened(candidate)

        return run

    def _push_opener(self, owner: str, repo: str, before: Any, head: str,
                     target: str) -> Opener:  # fmt: skip
        def run() -> Opened:
            if not isinstance(before, str) or before == _ZERO:  # a new branch: its whole tree
                return self._tree_opener(owner, repo, head, target)()
            url = f"{self.api._repo_url(owner, repo)}/compare/{before}...{head}"
            answer = self.http.get_json(url, kind="compare")
            files = answer.get("files") if isinstance(answer, dict) else None
            if not isinstance(files, list):
                raise _malformed(url, "expected an object with a 'files' list")
            if len(files) >= 300:  # the compare API lists at most 300 files: read the tree
                return self._tree_opener(owner, repo, head, target)()
            changed = []
            for number, item in enumerate(files):
                if not isinstance(item, dict):
                    raise _malformed(url, f"files[{number}] should be an object")
                path, sha = item.get("filename"), item.get("sha")
                if item.get("status") == "removed":
                    continue
                if not isinstance(path, str) or not path:
                    raise _malformed(url, f"files[{number}].filename should be a path")
                if not isinstance(sha, str) or len(sha) != 40:
                    raise _malformed(url, f"files[{number}].sha should be a blob id")
                if language_for_path(path) is None and not might_be_carrier(path):
                    continue
                size = item.get("size") if isinstance(item.get("size"), int) else None
                changed.append((path, sha, size))
            return Opened(GitHubChanges(self.api, owner, repo, head, changed, target,
                                        self.limits))  # fmt: skip

        return run


def _event_id(event: Any) -> int | None:
    if not isinstance(event, dict):
        return None
    value = event.get("id")
    if isinstance(value, str) and value.isdigit() and len(value) < 30:
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _hour_of(stamp: Any) -> str | None:
    """GH Archive's name for the hour of an ISO 8601 time (``2026-12-01-7``: no leading zero)."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
    return f"{moment:%Y-%m-%d}-{moment.hour}"


def parse_hour(hour: str) -> datetime:
    """``YYYY-MM-DD-H`` as a UTC time; a ``ValueError`` when it is not one."""
    day, _, h = hour.rpartition("-")
    return datetime.strptime(day, "%Y-%m-%d").replace(hour=int(h), tzinfo=UTC)


def _next_hour(hour: str) -> str:
    moment = parse_hour(hour) + timedelta(hours=1)
    return f"{moment:%Y-%m-%d}-{moment.hour}"
