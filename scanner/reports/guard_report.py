"""The ``guard`` reports: JSON (``leaktrace/guard/1``) and SARIF 2.1.0.

The JSON lists each artifact with its findings and, when a store was given, the artifact's scan
candidate exactly as ``scan``'s JSON report has it (``scan``: the evidence). SARIF reuses
``sarif_report`` for the private-code results (one per matched file pair, the private side only
as paths and line ranges) and adds one result per map and per thing not read; levels follow the
policy (``fail``: error, ``warn``: warning). No private source text is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fingerprints import __version__
from scanner.guard import (
    EMBEDDED,
    FAIL,
    POSSIBLE,
    PRIVATE_CODE,
    PRIVATE_PATHS,
    UNREAD,
    VERSION_CONTROL,
    Finding,
    GuardPolicy,
)
from scanner.reports.sarif_report import to_sarif
from scanner.reports.text import sarif_text, uri_path
from scanner.sources.sourcemap import SEPARATOR

SCHEMA = "leaktrace/guard/1"
_RULES = {
    EMBEDDED: ("EmbeddedSources", "A source map embeds source files (sourcesContent)"),
    PRIVATE_PATHS: ("PrivateSourcePaths", "A source map names places outside the package"),
    UNREAD: ("NotRead", "Part of the artifact could not be read, so it was not fully checked"),
    VERSION_CONTROL: (
        "VersionControlMetadata",
        "A version-control folder is in the artifact; the history it holds was not read",
    ),
}


@dataclass
class ArtifactOutcome:
    """What guard found in one artifact."""

    artifact: str
    kind: str
    listed_by: str = ""
    files: int = 0
    maps: int = 0
    findings: list[Finding] = field(default_factory=list)
    scan: dict[str, Any] | None = None
    """The artifact's candidate in ``scan``'s JSON report (None without a store)."""


def _finding_dict(finding: Finding, policy: GuardPolicy) -> dict[str, Any]:
    return {
        "class": finding.finding_class,
        "action": policy.action(finding.finding_class),
        "path": finding.path,
        "message": finding.message,
        "items": list(finding.items),
    }


def to_dict(outcomes: list[ArtifactOutcome], policy: GuardPolicy, code: int,
            store: str | None, scan_report: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    return {
        "schema": SCHEMA,
        "tool": {"name": "leaktrace", "version": __version__},
        "store": store,
        "policy": policy.as_dict(),
        "exit_code": code,
        "thresholds": scan_report["thresholds"] if scan_report else None,
        "provenance": scan_report["provenance"] if scan_report else None,
        "artifacts": [
            {
                "artifact": o.artifact,
                "kind": o.kind,
                "listed_by": o.listed_by or None,
                "files": o.files,
                "source_maps": o.maps,
                "findings": [_finding_dict(f, policy) for f in o.findings],
                "scan": o.scan,
            }
            for o in outcomes
        ],
    }


def _level(policy: GuardPolicy, finding_class: str) -> str:
    return "error" if policy.action(finding_class) == FAIL else "warning"


def artifact_uri(artifact: str, path: str) -> str:
    """Where a finding is, as a file of the repository: for an artifact that is one file (a
    tarball, a wheel, an image) that file; in a folder, the file inside it that holds the finding
    (the map, or the map that embeds the matched source). The artifact is the user's, as given;
    the name inside it stays inside it (``uri_path``)."""
    where = path.split(SEPARATOR, 1)[0] if path else ""
    if not where or Path(artifact).is_file():
        return uri_path(artifact, contained=False)
    return f"{uri_path(artifact.rstrip('/'), contained=False)}/{uri_path(where)}"


def _location(artifact: str, path: str) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(artifact, path)}}}


def _result(finding: Finding, policy: GuardPolicy) -> dict[str, Any]:
    identity = f"{finding.finding_class}\0{finding.artifact}\0{finding.path}"
    shown = sarif_text(f"{finding.path or finding.artifact}: {finding.message}")
    items = "; ".join(sarif_text(i) for i in finding.items[:20])
    more = f" (and {len(finding.items) - 20:,} more)" if len(finding.items) > 20 else ""
    return {
        "ruleId": f"leaktrace/{finding.finding_class}",
        "level": _level(policy, finding.finding_class),
        "message": {"text": shown + (f": {items}{more}" if items else "")},
        "locations": [_location(finding.artifact, finding.path)],
        "partialFingerprints": {
            "leaktrace/guard/v1": hashlib.sha256(identity.encode()).hexdigest()
        },
        "properties": {
            "artifact": finding.artifact,
            "path": finding.path,
            "items": list(finding.items),
        },
    }


def to_sarif_guard(outcomes: list[ArtifactOutcome], policy: GuardPolicy,
                   scan_report: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """SARIF: ``scan``'s results for the private code, plus the map and unread findings."""
    report = scan_report or {
        "tool": {"version": __version__},
        "candidates": [],
        "thresholds": {},
        "provenance": {"store_digest": None},
    }
    sarif = to_sarif(report)
    run = sarif["runs"][0]
    levels = {"derivative": _level(policy, PRIVATE_CODE), "review": _level(policy, POSSIBLE)}
    for result in run["results"]:  # scan's results: each file pair, placed in its artifact
        result["level"] = levels.get(result["properties"]["verdict"], "warning")
        for location in result["locations"]:
            found = location["physicalLocation"]["artifactLocation"]
            path = result["properties"]["candidatePath"] = unquote(found["uri"])
            found["uri"] = artifact_uri(result["properties"]["candidate"], path)
    rules = run["tool"]["driver"]["rules"]
    for finding_class, (name, text) in _RULES.items():
        rules.append({
            "id": f"leaktrace/{finding_class}",
            "name": name,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": _level(policy, finding_class)},
        })  # fmt: skip
    for outcome in outcomes:
        for finding in outcome.findings:
            if finding.finding_class in _RULES:
                run["results"].append(_result(finding, policy))
    run["properties"]["guardPolicy"] = policy.as_dict()
    return sarif
