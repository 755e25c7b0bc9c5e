"""SARIF 2.1.0: one result per matched candidate file, for code-scanning dashboards.

Locations point at the candidate file's lines; the private side appears only as a path and line
ranges in ``relatedLocations`` (never its text). URIs are percent-encoded and names in message
texts are ``printable``: a hostile name neither breaks a URI nor forges a line in a viewer.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, TextIO

from fingerprints import printable
from scanner.reports.locations import locate
from scanner.reports.text import uri_path
from scanner.reports.wording import copy_kind, set_aside, shown_verdict, verdict_sentence

if TYPE_CHECKING:
    from scanner.reports import Sources

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_ID = "leaktrace/private-code"
_LEVEL = {"derivative": "error", "review": "warning", "incomplete": "warning", "clear": "note"}


def _region(lines: list[int]) -> dict[str, int]:
    return {"startLine": lines[0], "endLine": lines[1]}


def _result(candidate: dict[str, Any], pair: dict[str, Any]) -> dict[str, Any]:
    identity = f"{candidate['target']}\0{pair['candidate_path']}\0{pair['private_path']}"
    verdict = shown_verdict(candidate)
    where = locate(candidate["target"], candidate.get("revision"), pair["candidate_path"])
    return {
        "ruleId": RULE_ID,
        "ruleIndex": 0,
        "level": _LEVEL[verdict],
        "message": {
            "text": (
                f"{pair['matched_tokens']:,} tokens of private file "
                f"{printable(pair['private_repo'] + '/' + pair['private_path'])} "
                f"({copy_kind(pair)}; candidate {printable(candidate['target'])} is "
                f"{verdict_sentence(candidate)})"
            )
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri_path(pair["candidate_path"])},
                    "region": _region(f["candidate_lines"]),
                }
            }
            for f in pair["fragments"]
        ][:1],
        "relatedLocations": [
            {
                "id": i,
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": uri_path(f"{pair['private_repo']}/{pair['private_path']}")
                    },
                    "region": _region(f["private_lines"]),
                },
                "message": {"text": f"private fragment, {f['tokens']} tokens"},
            }
            for i, f in enumerate(pair["fragments"])
        ],
        "partialFingerprints": {
            "leaktrace/candidate-file/v1": hashlib.sha256(identity.encode()).hexdigest()
        },
        "properties": {
            "candidate": candidate["target"],
            "revision": candidate.get("revision"),
            "verdict": verdict,
            "packageUrl": where.page,
            "fileUrl": where.file_url,
            "setAside": set_aside(candidate),
            "containment": pair["containment"],
            "candidateSha256": pair.get("candidate_sha256"),
            "candidateLines": pair["candidate_lines"],
            "privateLines": pair["private_lines"],
        },
    }


def _unread(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One warning per thing a candidate could not read: its verdict cannot be "clear"."""
    return [
        {
            "level": "warning",
            "message": {
                "text": printable(f"not read: {p['path'] or '(the whole target)'}: {p['message']}")
            },
            "properties": {"candidate": c["target"], "path": p["path"]},
        }
        for c in report["candidates"]
        for p in c.get("unread", [])
    ]


def to_sarif(report: dict[str, Any]) -> dict[str, Any]:
    results = [_result(c, pair) for c in report["candidates"] for pair in c["files"]]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "leaktrace",
                        "version": report["tool"]["version"],
                        "rules": [
                            {
                                "id": RULE_ID,
                                "name": "PrivateCodeCopy",
                                "shortDescription": {"text": "Copy of private source code"},
                                "fullDescription": {
                                    "text": "A candidate file shares fragments of private source "
                                    "code with a fingerprint store, beyond public, common and "
                                    "boilerplate code."
                                },
                                "defaultConfiguration": {"level": "error"},
                            }
                        ],
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": _unread(report),
                    }
                ],
                "properties": {
                    "thresholds": report["thresholds"],
                    "storeDigest": report["provenance"]["store_digest"],
                },
            }
        ],
    }


def write(report: dict[str, Any], out: TextIO, sources: Sources) -> None:
    json.dump(to_sarif(report), out, indent=2)
    out.write("\n")
