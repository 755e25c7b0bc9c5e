"""API answers, checked at the boundary: one typed model per endpoint the crawler reads.

A GitHub or registry answer is hostile input until it has passed through here. Each ``parse``
takes decoded JSON and returns a frozen dataclass, or raises ``AnswerError`` naming the URL and
the first field that is wrong (``.../git/trees/main: malformed answer: tree[3].sha should be
a 40- or 64-digit hex object id, not a number``). ``AnswerError`` is a ``FetchError``, so a
malformed answer takes the same path as a failed request: one problem line for its candidate
(which is then ``incomplete``), or one error line for a listing, and the run goes on.

Only the fields the crawler uses are checked, and strictly where they flow somewhere: object
ids go into URL paths (hex only), repository names become scan targets (``OWNER/NAME`` only),
download URLs must be http(s), and a blob's bytes must hash to the id it was asked for, so a
wrong answer cannot poison the blob cache that a whole fork network shares.

Built on the standard library (dataclasses and the small ``_Obj`` reader below) rather than a
schema library: about twenty fields are read, the checks that matter (hex ids, names, URLs,
hashes) are not types a schema states more clearly, and the scanner keeps no dependency for it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from fingerprints import iso_utc_text
from scanner.http import FetchError

_OBJECT_ID = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
_FULL_NAME = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class AnswerError(FetchError):
    """An answer whose JSON does not have the shape its endpoint promises."""


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


@dataclass(frozen=True)
class _Obj:
    """A JSON object being read: every accessor checks the type and names the field if not."""

    data: dict[str, Any]
    where: str
    path: str

    @classmethod
    def of(cls, value: Any, where: str, path: str = "answer") -> _Obj:
        if not isinstance(value, dict):
            fail(where, path, "an object", value)
        return cls(value, where, path)

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path != "answer" else key

    def fail(self, key: str, expected: str) -> NoReturn:
        fail(self.where, self._at(key), expected, self.data.get(key))

    def obj(self, key: str) -> _Obj:
        return _Obj.of(self.data.get(key), self.where, self._at(key))

    def opt_obj(self, key: str) -> _Obj | None:
        return None if self.data.get(key) is None else self.obj(key)

    def text(self, key: str, pattern: re.Pattern[str] | None = None, expected: str = "") -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value:
            self.fail(key, expected or "a non-empty string")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(key, expected)
        return value

    def opt_text(self, key: str) -> str | None:
        return None if self.data.get(key) is None else self.text(key)

    def opt_int(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(key, "a whole number of at least 0")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "true or false")
        return value

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.fail(key, "an array")
        return value

    def object_id(self, key: str) -> str:
        return self.text(key, _OBJECT_ID, "a 40- or 64-digit hex object id").lower()

    def url(self, key: str) -> str:
        value = self.text(key)
        if not value.lower().startswith(("https://", "http://")) or _CONTROL.search(value):
            self.fail(key, "an http(s) URL")
        return value


def fail(where: str, path: str, expected: str, value: Any) -> NoReturn:
    """Raise the ``AnswerError`` for one wrong field."""
    raise AnswerError(f"{where}: malformed answer: {path} should be {expected}, "
                      f"not {_json_kind(value)}")  # fmt: skip


def page_items(page: Any, where: str, key: str | None = None) -> list[Any]:
    """The items of one page of a listing: the page itself (forks) or its ``key`` (search)."""
    if key is None:
        if not isinstance(page, list):
            fail(where, "answer", "an array", page)
        return page
    return _Obj.of(page, where).array(key)


def _branch(obj: _Obj, key: str) -> str | None:
    branch = obj.opt_text(key)
    if branch is not None and _CONTROL.search(branch):
        obj.fail(key, "a branch name without spaces or control characters")
    return branch


# -- GitHub ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repo:
    """A repository (``GET /repos/{o}/{r}``, an item of the forks list or repository search)."""

    full_name: str
    owner: str
    name: str
    default_branch: str | None
    forks_count: int | None
    clone_url: str | None = None

    @classmethod
    def parse(cls, value: Any, where: str, path: str = "answer") -> Repo:
        obj = _Obj.of(value, where, path)
        full_name = obj.text("full_name", _FULL_NAME, "OWNER/NAME")
        return cls(
            full_name=full_name,
            owner=obj.obj("owner").text("login", _NAME, "a login name"),
            name=obj.text("name", _NAME, "a repository name"),
            default_branch=_branch(obj, "default_branch"),
            forks_count=obj.opt_int("forks_count"),
            clone_url=obj.url("clone_url") if obj.opt_text("clone_url") else None,
        )


@dataclass(frozen=True)
class CodeHit:
    """An item of code search: only the repository it is in matters."""

    full_name: str

    @classmethod
    def parse(cls, value: Any, where: str, path: str = "answer") -> CodeHit:
        repository = _Obj.of(value, where, path).obj("repository")
        return cls(repository.text("full_name", _FULL_NAME, "OWNER/NAME"))


@dataclass(frozen=True)
class TreeEntry:
    path: str
    type: str
    sha: str
    size: int | None


@dataclass(frozen=True)
class Tree:
    """``GET /repos/{o}/{r}/git/trees/{ref}`` (recursive or one level)."""

    sha: str
    truncated: bool
    entries: tuple[TreeEntry, ...]

    @classmethod
    def parse(cls, value: Any, where: str) -> Tree:
        obj = _Obj.of(value, where)
        entries = []
        for number, item in enumerate(obj.array("tree")):
            entry = _Obj.of(item, where, f"tree[{number}]")
            entries.append(TreeEntry(entry.text("path"), entry.text("type"),
                                     entry.object_id("sha"), entry.opt_int("size")))  # fmt: skip
        return cls(obj.object_id("sha"), obj.flag("truncated", False), tuple(entries))


def git_blob_id(data: bytes, length: int) -> str:
    """The git object id of a blob: SHA-1 (40 hex digits) or SHA-256 (64)."""
    digest = hashlib.sha1 if length == 40 else hashlib.sha256
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


def blob_bytes(value: Any, where: str, sha: str) -> bytes:
    """The content of ``GET /repos/{o}/{r}/git/blobs/{sha}``, which must hash to ``sha``."""
    obj = _Obj.of(value, where)
    content = obj.data.get("content", "")
    if not isinstance(content, str):
        obj.fail("content", "a string")
    encoding = obj.data.get("encoding", "base64")
    if encoding == "base64":
        try:
            data = base64.b64decode(content)
        except (binascii.Error, ValueError) as exc:
            raise AnswerError(f"{where}: malformed answer: content is not base64") from exc
    elif encoding in ("utf-8", "utf8"):
        data = content.encode("utf-8", "surrogatepass")
    else:
        obj.fail("encoding", '"base64" or "utf-8"')
    if git_blob_id(data, len(sha)) != sha.lower():
        raise AnswerError(f"{where}: malformed answer: content does not hash to blob {sha}")
    return data


def commit_sha(value: Any, where: str, *, branch: bool = False) -> str:
    """The SHA of ``GET .../commits/{ref}``, or of ``GET .../branches/{b}`` (``commit.sha``)."""
    obj = _Obj.of(value, where)
    return (obj.obj("commit") if branch else obj).object_id("sha")


# -- registries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """The published file of one package version: its version and where to download it."""

    version: str
    url: str
    published: str | None = None
    """When this version was published, as the registry says (ISO 8601), if it says."""
    first_published: str | None = None
    """When the package's first version was published (npm's ``time.created``), if known."""


def _time_text(value: Any) -> str | None:
    """A registry time stamp, or None for anything that is not a short string."""
    return value if isinstance(value, str) and len(value) < 64 else None


def npm_release(value: Any, where: str, wanted: str | None) -> Release | None:
    """From an npm packument, the release of ``wanted`` (else the ``latest`` dist-tag), or None
    when the registry has no such version."""
    obj = _Obj.of(value, where)
    version = wanted
    if version is None:
        tags = obj.opt_obj("dist-tags")
        version = tags.opt_text("latest") if tags else None
    versions = obj.opt_obj("versions")
    if version is None or versions is None or versions.data.get(version) is None:
        return None
    release = versions.obj(version)
    times = obj.data.get("time") if isinstance(obj.data.get("time"), dict) else {}
    dated = sorted(t for k, v in times.items() if k not in ("created", "modified")
                   and (t := _time_text(v)))  # fmt: skip
    return Release(
        version,
        release.obj("dist").url("tarball"),
        _time_text(times.get(version)),
        _time_text(times.get("created")) or (dated[0] if dated else None),
    )


def npm_versions_by_time(value: Any,
                         where: str) -> tuple[list[tuple[str, str]], list[str]] | None:  # fmt: skip
    """An npm packument's versions in the order they were published: ``(time, version)``
    pairs, oldest first, each time in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (so the texts
    compare as the times do; two versions of the same time are ordered by their names); and,
    apart, the versions whose publication time is missing or no time in the years 1-9999 UTC
    (``undated``): they cannot be placed among the others, so whether one is new is unknown,
    and the caller reads them rather than take them as read. None when every version was
    unpublished (npm then keeps ``time.unpublished`` and no ``versions``)."""
    obj = _Obj.of(value, where)
    times = obj.obj("time")
    versions = obj.opt_obj("versions")
    if not (versions and versions.data) and times.data.get("unpublished") is not None:
        return None
    if versions is None or not versions.data:
        obj.fail("versions", "an object holding a version")
    dated, undated = [], []
    for version in versions.data:
        published = _utc_text(times.data.get(version))
        if published is None:
            undated.append(version)
        else:
            dated.append((published, version))
    return sorted(dated), sorted(undated)


def npm_modified(value: Any) -> str | None:
    """When an npm packument last changed (``time.modified``, UTC text as
    ``npm_versions_by_time``'s), or None when it does not say."""
    times = value.get("time") if isinstance(value, dict) else None
    return _utc_text(times.get("modified")) if isinstance(times, dict) else None


def _utc_text(value: Any) -> str | None:
    """A registry time stamp as UTC text of one fixed shape (``fingerprints.utc_text``), or None
    when it is not a short string holding a time in the years 1-9999."""
    text = _time_text(value)
    return None if text is None else iso_utc_text(text)


def pypi_release(value: Any, where: str, wanted: str | None) -> Release | None:
    """From PyPI's project (or release) JSON, the sdist, else a wheel, or None when none is
    published."""
    obj = _Obj.of(value, where)
    info = obj.opt_obj("info")
    version = (info.opt_text("version") if info else None) or wanted
    files = [_Obj.of(item, where, f"urls[{n}]") for n, item in enumerate(obj.array("urls"))]
    sdists = [f for f in files if f.data.get("packagetype") == "sdist"]
    wheels = [f for f in files if str(f.data.get("filename", "")).endswith(".whl")]
    chosen = (sdists or wheels or [None])[0]
    if chosen is None or version is None:
        return None
    published = _time_text(chosen.data.get("upload_time_iso_8601")) or _time_text(
        chosen.data.get("upload_time"))  # fmt: skip
    return Release(version, chosen.url("url"), published)
