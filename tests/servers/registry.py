"""An npm- and PyPI-like package registry server for tests, standard library only.

``FakeRegistry`` serves npm packuments (``GET /{name}``, scoped names as ``/@scope/pkg`` or
``/@scope%2fpkg``) with real ``.tgz`` tarballs under ``package/``, the PyPI JSON API
(``GET /pypi/{name}/json`` and ``/pypi/{name}/{version}/json``) with real sdists under
``{name}-{version}/``, and any raw bytes a test wants at any path (hostile archives).
It shares ``LocalHTTPServer`` (request log, ``FaultPlan``, clean shutdown) with
``tests.servers.github``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import tarfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .github import LocalHTTPServer, Request, Response, etag_matches, weak_etag

__all__ = ["Artifact", "FakeRegistry", "build_tar_gz", "normalize_pypi_name"]

NPM_MTIME = 499162500  # 1985-10-26T08:15:00Z, the fixed mtime npm writes into tarballs
UPLOAD_TIME = "2024-01-01T00:00:00"


def build_tar_gz(
    members: Mapping[str, bytes], *, prefix: str, mtime: int, mode: int = 0o644
) -> bytes:
    """A deterministic ``.tar.gz`` of regular files, each name prefixed with ``prefix``."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path, data in members.items():
            info = tarfile.TarInfo(prefix + path)
            info.size = len(data)
            info.mode = mode
            info.mtime = mtime
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def normalize_pypi_name(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Artifact:
    """A published file: where it is served and what it holds."""

    name: str
    version: str
    filename: str
    path: str
    data: bytes
    registry: FakeRegistry

    @property
    def url(self) -> str:
        """Absolute download URL (the registry must be started)."""
        return self.registry.url + self.path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.data).hexdigest()

    @property
    def integrity(self) -> str:
        """npm's Subresource-Integrity string (sha512)."""
        return "sha512-" + base64.b64encode(hashlib.sha512(self.data).digest()).decode()


@dataclass(frozen=True)
class _NpmVersion:
    artifact: Artifact
    manifest: dict[str, Any]
    file_count: int
    unpacked_size: int
    published: str = UPLOAD_TIME


@dataclass(frozen=True)
class _PypiRelease:
    artifact: Artifact
    summary: str
    published: str = UPLOAD_TIME


def _as_bytes(files: Mapping[str, bytes | str] | None) -> dict[str, bytes]:
    return {p: c.encode() if isinstance(c, str) else bytes(c) for p, c in (files or {}).items()}


class FakeRegistry(LocalHTTPServer):
    """npm + PyPI JSON APIs and raw files on 127.0.0.1; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.RLock()
        self._npm: dict[str, dict[str, _NpmVersion]] = {}
        self._npm_tags: dict[str, dict[str, str]] = {}
        self._npm_modified: dict[str, str] = {}  # a change after the newest version's publication
        self._pypi: dict[str, dict[str, _PypiRelease]] = {}
        self._pypi_names: dict[str, str] = {}
        self._files: dict[str, tuple[bytes, str]] = {}

    # publishing ------------------------------------------------------------------------------

    def add_npm(
        self,
        name: str,
        version: str,
        files: Mapping[str, bytes | str] | None = None,
        *,
        tarball: bytes | None = None,
        tag: str | None = "latest",
        description: str = "",
        published: str = UPLOAD_TIME,
    ) -> Artifact:
        """Publish ``name@version``; files go under ``package/`` in a real ``.tgz``.

        A ``package.json`` with name and version is added when ``files`` has none (fields of a
        given valid ``package.json`` are merged into the version document). ``tarball`` replaces
        the generated archive (e.g. a hostile one) while keeping the metadata.
        ``tag`` is moved to this version (``None``: no dist-tag change). ``published``
        (``YYYY-MM-DDTHH:MM:SS``, UTC) is its time in the packument's ``time``.
        """
        data = _as_bytes(files)
        manifest: dict[str, Any] = {}
        if "package.json" in data:
            try:
                loaded = json.loads(data["package.json"])
                manifest = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                manifest = {}
        else:
            generated = {"name": name, "version": version, "description": description}
            data = {"package.json": json.dumps(generated, indent=2).encode() + b"\n", **data}
        body = (
            tarball
            if tarball is not None
            else build_tar_gz(data, prefix="package/", mtime=NPM_MTIME)
        )
        basename = name.rsplit("/", 1)[-1]
        filename = f"{basename}-{version}.tgz"
        artifact = Artifact(name, version, filename, f"/{name}/-/{filename}", body, self)
        manifest.update(name=name, version=version)
        manifest.setdefault("description", description)
        count, size = len(data), sum(len(d) for d in data.values())
        if tarball is not None:  # a real tarball: its own files, as the registry's packument says
            count, size = _tar_sizes(tarball)
        entry = _NpmVersion(artifact, manifest, count, size, published)
        with self.lock:
            self._npm.setdefault(name, {})[version] = entry
            if tag is not None:
                self._npm_tags.setdefault(name, {})[tag] = version
            self._files[artifact.path] = (body, "application/octet-stream")
        return artifact

    def add_pypi(
        self,
        name: str,
        version: str,
        files: Mapping[str, bytes | str] | None = None,
        *,
        sdist: bytes | None = None,
        summary: str = "",
        published: str = UPLOAD_TIME,
    ) -> Artifact:
        """Publish an sdist ``{name}-{version}.tar.gz`` with files under ``{name}-{version}/``.

        A ``PKG-INFO`` is added when ``files`` has none; ``sdist`` replaces the generated archive.
        The file is served at ``/packages/<sha256 split 2/2/60>/{filename}`` like PyPI's CDN;
        ``published`` (``YYYY-MM-DDTHH:MM:SS``, UTC) is its ``upload_time``.
        """
        data = _as_bytes(files)
        if "PKG-INFO" not in data:
            info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
            data = {"PKG-INFO": info.encode(), **data}
        base = f"{name}-{version}"
        body = sdist if sdist is not None else build_tar_gz(data, prefix=base + "/", mtime=0)
        digest = hashlib.sha256(body).hexdigest()
        filename = f"{base}.tar.gz"
        path = f"/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{filename}"
        artifact = Artifact(name, version, filename, path, body, self)
        key = normalize_pypi_name(name)
        with self.lock:
            self._pypi.setdefault(key, {})[version] = _PypiRelease(artifact, summary, published)
            self._pypi_names.setdefault(key, name)
            self._files[path] = (body, "application/x-tar")
        return artifact

    def add_raw(
        self, path: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> str:
        """Serve ``data`` at ``path`` (a path starting with ``/``); returns the absolute URL
        when the server is started, else the path."""
        if not path.startswith("/"):
            path = "/" + path
        with self.lock:
            self._files[path] = (bytes(data), content_type)
        return self.url + path if self.running else path

    # serving ---------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.lock:
            for candidate in (request.path, request.route):
                if candidate in self._files:
                    data, content_type = self._files[candidate]
                    return Response(200, data, {"content-type": content_type})
            route = request.route
            if m := re.fullmatch(r"/pypi/([^/]+)/json/?", route):
                return self._json(request, self._pypi_project(m.group(1), None))
            if m := re.fullmatch(r"/pypi/([^/]+)/([^/]+)/json/?", route):
                return self._json(request, self._pypi_project(m.group(1), m.group(2)))
            if m := re.fullmatch(r"/((?:@[^/]+/)?[^/@][^/]*)/?", route):
                return self._json(request, self._packument(m.group(1)))
            if m := re.fullmatch(r"/((?:@[^/]+/)?[^/@][^/]*)/([^/]+)", route):
                return self._json(request, self._npm_version(m.group(1), m.group(2)))
        return Response.json(404, {"error": "Not found"})

    def _json(self, request: Request, found: tuple[int, Any]) -> Response:
        status, payload = found
        response = Response.json(status, payload)
        if status == 200:
            etag = weak_etag(response.body)
            response.headers["etag"] = etag
            if etag_matches(request, etag):
                return Response(304, b"", {"etag": etag})
        return response

    def _version_doc(self, entry: _NpmVersion) -> dict[str, Any]:
        artifact = entry.artifact
        doc = dict(entry.manifest)
        doc["_id"] = f"{artifact.name}@{artifact.version}"
        doc["dist"] = {
            "integrity": artifact.integrity,
            "shasum": artifact.sha1,
            "tarball": artifact.url,
            "fileCount": entry.file_count,
            "unpackedSize": entry.unpacked_size,
        }
        return doc

    def _packument(self, name: str) -> tuple[int, Any]:
        versions = self._npm.get(name)
        if not versions:
            return 404, {"error": "Not found"}
        tags = self._npm_tags.get(name, {})
        latest = tags.get("latest") or list(versions)[-1]
        published = sorted(e.published for e in versions.values())
        modified = max(published[-1], self._npm_modified.get(name, ""))
        times = {"created": published[0] + ".000Z", "modified": modified + ".000Z"}
        times.update({v: e.published + ".000Z" for v, e in versions.items()})
        return 200, {
            "_id": name,
            "name": name,
            "description": versions[latest].manifest.get("description", ""),
            "dist-tags": dict(tags),
            "versions": {v: self._version_doc(e) for v, e in versions.items()},
            "time": times,
            "readme": "",
        }

    def _npm_version(self, name: str, version: str) -> tuple[int, Any]:
        versions = self._npm.get(name, {})
        version = self._npm_tags.get(name, {}).get(version, version)
        if version not in versions:
            return 404, {"error": "Not found"}
        return 200, self._version_doc(versions[version])

    def _pypi_file(self, release: _PypiRelease) -> dict[str, Any]:
        artifact = release.artifact
        return {
            "comment_text": "",
            "digests": {
                "blake2b_256": hashlib.blake2b(artifact.data, digest_size=32).hexdigest(),
                "md5": hashlib.md5(artifact.data).hexdigest(),
                "sha256": artifact.sha256,
            },
            "downloads": -1,
            "filename": artifact.filename,
            "has_sig": False,
            "md5_digest": hashlib.md5(artifact.data).hexdigest(),
            "packagetype": "sdist",
            "python_version": "source",
            "requires_python": None,
            "size": len(artifact.data),
            "upload_time": release.published,
            "upload_time_iso_8601": release.published + ".000000Z",
            "url": artifact.url,
            "yanked": False,
            "yanked_reason": None,
        }

    def _pypi_project(self, name: str, version: str | None) -> tuple[int, Any]:
        key = normalize_pypi_name(name)
        releases = self._pypi.get(key)
        if not releases or (version is not None and version not in releases):
            return 404, {"message": "Not Found"}
        chosen = version or list(releases)[-1]
        release = releases[chosen]
        display = self._pypi_names[key]
        info = {
            "author": "",
            "author_email": "",
            "classifiers": [],
            "description": "",
            "description_content_type": None,
            "home_page": None,
            "keywords": None,
            "license": None,
            "name": display,
            "package_url": f"{self.url}/project/{display}/",
            "project_url": f"{self.url}/project/{display}/",
            "project_urls": None,
            "release_url": f"{self.url}/project/{display}/{chosen}/",
            "requires_dist": None,
            "requires_python": None,
            "summary": release.summary,
            "version": chosen,
            "yanked": False,
            "yanked_reason": None,
        }
        body: dict[str, Any] = {"info": info, "last_serial": len(releases)}
        if version is None:
            body["releases"] = {v: [self._pypi_file(r)] for v, r in releases.items()}
        body["urls"] = [self._pypi_file(release)]
        body["vulnerabilities"] = []
        return 200, body


def _tar_sizes(tarball: bytes) -> tuple[int, int]:
    """The files of a .tgz and their bytes (npm's ``dist.fileCount`` and ``unpackedSize``)."""
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        files = [member.size for member in tar.getmembers() if member.isfile()]
    return len(files), sum(files)
