"""``guard``: what an artifact about to be published gives away, as findings of six classes.

- ``private-code``: private code not marked public, the same evidence as ``scan`` (a
  ``derivative`` verdict against the store); fails by default.
- ``possible-private-code``: a ``review`` verdict (some private code, below the derivative bars);
  warns by default.
- ``embedded-sources``: a source map that embeds sources (``sourcesContent``), whatever the
  store holds: the shape of 2026's biggest leak (a 59.8 MB ``cli.js.map`` on npm); fails by
  default. A package that means to ship its sources sets it to ``warn``.
- ``private-paths``: a source map whose ``sources`` name places outside the package (absolute
  paths, home folders, ``../`` out of the package, ``webpack://`` paths out of the project:
  ``sourcemap.private_path``); they give away names and layout, not code: warns by default.
- ``unread``: something that can hold code (or a map) was not read, so the artifact was not
  fully checked; fails by default with its own exit code, 3.
- ``version-control``: a version-control folder (``.git/``, ``.hg/``, ``.svn/``) in the artifact:
  the most common way a repository's whole history is published. Guard does not read a history
  (``scan --history`` does), and says so; fails by default (exit 1): publishing the folder
  publishes every past version and every secret ever committed, which guard cannot vouch for,
  and ``scan`` calls the same folder ``incomplete``, never ``clear``; a release never needs it.

Maps are audited wherever they are found: in the package's files, inside archives, packages and
image layers (``Unpacker`` reports each map it reads), and inline in JavaScript
(``//# sourceMappingURL=data:application/json;base64,...``, which the bundle carries in itself)
and in CSS (``/*# sourceMappingURL=data:...*/``).
The embedded sources of an inline map are scanned like those of a map file, named
``dist/app.js!/inline-source-map!/src/x.ts``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from scanner.errors import ConfigError
from scanner.sources.base import Problem
from scanner.sources.sourcemap import (
    INLINE_MAP,
    SEPARATOR,
    embedded_name,
    map_sources,
    private_path,
)

FAIL, WARN = "fail", "warn"
PRIVATE_CODE, POSSIBLE = "private-code", "possible-private-code"
EMBEDDED, PRIVATE_PATHS, UNREAD = "embedded-sources", "private-paths", "unread"
VERSION_CONTROL = "version-control"


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """What each finding class does: ``fail`` (exit 1; 3 for ``unread``) or ``warn`` (printed,
    exit 0). Set in the config file's ``[guard]`` table (``private_code = "warn"``)."""

    private_code: str = FAIL
    possible_private_code: str = WARN
    embedded_sources: str = FAIL
    private_paths: str = WARN
    unread: str = FAIL
    version_control: str = FAIL

    def action(self, finding_class: str) -> str:
        return str(getattr(self, finding_class.replace("-", "_")))

    def with_overrides(self, values: Mapping[str, Any], origin: str,
                       table: str = "guard") -> GuardPolicy:  # fmt: skip
        """These values over this policy; ``origin`` (a file) and ``table`` (as that file names
        it) name a bad one."""
        known = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{origin}: {table}.{key}", "unknown finding class (known: "
                                  f"{', '.join(sorted(known))})")  # fmt: skip
            if value not in (FAIL, WARN):
                raise ConfigError(f"{origin}: {table}.{key}", 'must be "fail" or "warn"')
        return replace(self, **dict(values))

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found in one artifact: its class, where (a path inside the artifact, "" for
    the whole of it), a one-line message and the items behind it (embedded files, paths,
    matched file pairs)."""

    finding_class: str
    artifact: str
    path: str
    message: str
    items: tuple[str, ...] = ()


@dataclass
class MapAudit:
    """Findings about every source map read from one artifact."""

    artifact: str
    in_archive: bool = False
    """The artifact is one file (its entries are inside an archive)."""
    alone: bool = False
    """The artifact is one map or one bundle, outside any package: where the package starts is
    not known, so a relative path is never said to climb out of it (absolute ones still are)."""
    findings: list[Finding] = field(default_factory=list)
    maps: int = 0

    def observe(self, path: str, parsed: dict[str, Any]) -> None:
        """Audit one parsed map read at ``path``; its folder in the package is its own (an
        inline map's: its bundle's, ``package_folder``)."""
        self.maps += 1
        bundle, _, last = path.rpartition(SEPARATOR)
        inline = bool(bundle) and re.fullmatch(f"{INLINE_MAP}(?:-[0-9]+)?", last) is not None
        folder: str | None = package_folder(bundle if inline else path, self.in_archive)
        if self.alone and SEPARATOR not in path:
            path, folder = "", None  # the artifact itself
        embedded: list[str] = []
        private: list[str] = []
        for source, root, content in map_sources(parsed):  # its shape was checked already
            if content:
                embedded.append("(no name)" if source is None else embedded_name(source, root))
            if source is None:
                continue
            reason = private_path(source, root, folder if not self.alone else None)
            if reason:
                private.append(f"{source} ({reason})")
        if embedded:
            message = f"embeds {len(embedded):,} source file(s)"
            self.findings.append(Finding(EMBEDDED, self.artifact, path, message, tuple(embedded)))
        if private:
            self.findings.append(Finding(PRIVATE_PATHS, self.artifact, path,
                                         f"{len(private):,} source path(s) name places outside "
                                         "the package", tuple(private)))  # fmt: skip


_TOP_FOLDER = re.compile(r"^(?:package|[\w.-]+-v?\d[\w.+!-]*)$")
"""The one folder an archive wraps its package in: npm's ``package/``, an sdist's (or a
crate's, or a GitHub tarball's) ``NAME-VERSION/``."""


def package_folder(path: str, in_archive: bool = False) -> str:
    """The folder of ``path`` inside its package: inside its innermost carrier, without the
    folder an archive wraps the package in (``_TOP_FOLDER``)."""
    in_archive = in_archive or SEPARATOR in path
    parts = path.rsplit(SEPARATOR, 1)[-1].split("/")
    if in_archive and len(parts) > 1 and _TOP_FOLDER.match(parts[0]):
        parts = parts[1:]
    return posixpath.dirname("/".join(parts))


SHOWN_RANGES = 3
"""The line ranges a pair's line names; the rest are counted (the JSON report has them all)."""


def pair_line(pair: dict[str, Any]) -> str:
    """One matched file pair of the JSON report, as one line."""
    ranges = pair["candidate_lines"]
    lines = ", ".join(f"{a}-{b}" for a, b in ranges[:SHOWN_RANGES])
    if len(ranges) > SHOWN_RANGES:
        lines += f" and {len(ranges) - SHOWN_RANGES:,} more (--json lists them all)"
    return (f"{pair['candidate_path']} = {pair['private_repo']}/{pair['private_path']} "
            f"({pair['matched_tokens']:,} tokens; lines {lines})")  # fmt: skip


def scan_findings(artifact: str, candidate: dict[str, Any], evidence: str) -> list[Finding]:
    """The findings of one scanned artifact (a candidate of the JSON report). ``evidence`` is
    the verdict its evidence alone gives (``verdict.decide``): an artifact not read whole is
    ``incomplete``, yet the private code it was seen to hold is still reported."""
    if evidence not in ("derivative", "review"):
        return []
    message = (f"{evidence}: {candidate['matched_tokens']:,} tokens of private code in "
               f"{len(candidate['files']):,} file(s), longest fragment "
               f"{candidate['longest_fragment']:,} tokens")  # fmt: skip
    pairs = tuple(pair_line(p) for p in candidate["files"])
    return [Finding(PRIVATE_CODE if evidence == "derivative" else POSSIBLE, artifact, "", message,
                    pairs)]  # fmt: skip


def unread_findings(artifact: str, problems: list[Problem]) -> list[Finding]:
    return [Finding(UNREAD, artifact, p.path, p.message) for p in problems if p.partial]


HISTORY_NOT_READ = ("version-control metadata: the repository's history may be published with "
                    "it; its history is not read by guard (leaktrace scan --history FOLDER reads "
                    "it)")  # fmt: skip


def version_control_findings(artifact: str, folders: list[str]) -> list[Finding]:
    return [Finding(VERSION_CONTROL, artifact, folder, HISTORY_NOT_READ) for folder in folders]


def exit_code(findings: list[Finding], policy: GuardPolicy) -> int:
    """1 when a failing finding is of a class other than ``unread``; else 3 when an ``unread``
    finding fails; else 0 (warnings only)."""
    failing = {f.finding_class for f in findings if policy.action(f.finding_class) == FAIL}
    if failing - {UNREAD}:
        return 1
    return 3 if UNREAD in failing else 0
