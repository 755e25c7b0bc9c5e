"""``leaktrace inventory STORE``: public code inside the private repositories, per repository.

A private file is *in* a reference source when at least ``IN_SOURCE`` (half) of its distinct
fingerprints are there. In a source decided public, it is public code: scans treat it as public
(never evidence) and name the source in their reports. In a source that holds private code it is
listed too, as private code that the source holds: that source is worth a scan. A file changed
since the source was learned is marked: its entry describes the old content until the source is
learned again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scanner.commands import store_path
from scanner.commands.background import source_line
from scanner.console import out, say
from scanner.verdict import KIND_NAMES

if TYPE_CHECKING:
    from fingerprints import ReferenceSource, SQLiteStore


def inventory_data(store: SQLiteStore) -> dict[str, Any]:
    """The inventory as plain data (the ``--json`` output)."""
    from fingerprints import IN_SOURCE, PUBLIC

    sources = {s.id: s for s in store.reference_sources()}
    repos = {r.id: r for r in store.repos() if not r.public}
    current = {(f.repo_id, f.path): f.sha256 for f in store.iter_files()}
    per_repo: dict[int, list[dict[str, Any]]] = {repo_id: [] for repo_id in repos}
    for row in store.reference_files():
        if row.share < IN_SOURCE or row.repo_id not in repos:
            continue
        source = sources[row.source_id]
        per_repo[row.repo_id].append({
            "path": row.path,
            "share": round(row.share, 4),
            "fingerprints": row.fingerprints,
            "source": source.name,
            "version": source.version,
            "kind": source.kind,
            "reference_path": row.reference_path,
            "reference_share": round(row.reference_shared / row.fingerprints, 4)
            if row.fingerprints else 0.0,
            "decision": source.decision,
            "public": source.decision == PUBLIC,
            "current": current.get((row.repo_id, row.path)) == row.sha256,
        })  # fmt: skip
    return {
        "store": store.path,
        "in_source_share": IN_SOURCE,
        "sources": [_source_dict(s) for s in sources.values()],
        "repos": [
            {"repo": repos[repo_id].name,
             "files": sorted(files, key=lambda f: (f["path"], f["source"], f["version"]))}
            for repo_id, files in per_repo.items()
        ],
    }  # fmt: skip


def _source_dict(source: ReferenceSource) -> dict[str, Any]:
    return {
        "name": source.name,
        "version": source.version,
        "kind": source.kind,
        "origin": source.origin,
        "sha256": source.sha256,
        "published_at": source.published_at,
        "first_published_at": source.evidence.get("first_published_at"),
        "learned_at": source.learned_at,
        "files": source.files,
        "lines": source.lines,
        "trust": source.trust,
        "decision": source.decision,
        "containment": source.evidence.get("containment"),
        "reasons": list(source.reasons),
        "overlap": source.evidence.get("overlap"),
    }


def _file_line(entry: dict[str, Any]) -> str:
    where = f"{entry['source']} {entry['version']}".strip()
    kind = KIND_NAMES.get(entry["kind"], entry["kind"])
    at = f" at {entry['reference_path']}" if entry["reference_path"] else ""
    stale = " (changed since learned: learn the source again)" if not entry["current"] else ""
    share = f"{entry['share']:.0%}"
    if entry["public"]:
        return f"  {entry['path']}: public code, also in {where} ({kind}){at} ({share}){stale}"
    return (f"  {entry['path']}: private code held by {where} ({kind}){at} ({share}); "
            f"that source is not used to clear anything{stale}")  # fmt: skip


def inventory(
    store: Annotated[
        Path, typer.Argument(metavar="STORE", help="Fingerprint store.", parser=store_path)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the public code inside the private repositories (files mostly found in a learned
    reference source), per repository, and the decision on each source."""
    from fingerprints import open_store

    with open_store(store) as opened:
        data = inventory_data(opened)
        sources = opened.reference_sources()
    if as_json:  # ASCII, as every JSON leaktrace writes: a name's U+202E or U+009B (a C1
        # CSI) stays an escape, never a character a terminal acts on (rich's print_json writes
        # them as they are)
        from scanner.reports import write_text

        write_text("-", json.dumps(data, indent=2) + "\n")
        return
    if not sources:
        out.print("no reference sources learned: leaktrace background TARGET... --store "
                  f"{store}", markup=False)  # fmt: skip
        return
    for repo in data["repos"]:
        public = sum(f["public"] for f in repo["files"])
        held = len(repo["files"]) - public
        say(
            f"{repo['repo']}: {public} file(s) of public code"
            + (f", {held} file(s) of private code held by a source" if held else "")
        )
        for entry in repo["files"]:
            say(_file_line(entry))
    say(f"{len(sources)} reference source(s):")
    for source in sources:
        say("  " + source_line(source))
