"""The private code a report may show (``report --include-private-source``).

It is read from the checkout, archive or git URL that was fingerprinted, and a file is shown only
where its SHA-256 equals the stored one: a report never shows private code other than the code
the evidence was computed on. A source that holds none of the matched files is an error, not a
report quietly without private code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.targets import resolve


@dataclass(frozen=True, slots=True)
class PrivateTexts:
    """The matched private files found, by SHA-256, and how many were not."""

    texts: dict[str, str]
    missing: int


def load_private_source(report: dict[str, Any], source: str) -> PrivateTexts:
    """The texts of the report's matched private files held by ``source``: a folder (files
    looked up at PATH or REPO/PATH below it), or an archive or git URL (every file read)."""
    wanted: dict[str, list[str]] = {}
    for candidate in report["candidates"]:
        for pair in candidate["files"]:
            if pair.get("private_sha256"):
                places = wanted.setdefault(pair["private_sha256"], [])
                for copy in [{"repo": pair["private_repo"], "path": pair["private_path"]},
                             *pair.get("private_copies", [])]:  # fmt: skip
                    places += [copy["path"], f"{copy['repo']}/{copy['path']}"]
    if not wanted:
        return PrivateTexts({}, 0)
    root = Path(source)
    found: dict[str, bytes] = {}
    if root.is_dir():
        for sha, places in wanted.items():
            for place in places:
                data = _read(root / place)
                if data is not None and hashlib.sha256(data).hexdigest() == sha:
                    found[sha] = data
                    break
    else:
        for file in resolve(source).iter_files():
            sha = hashlib.sha256(file.data).hexdigest()
            if sha in wanted:
                found[sha] = file.data
    if not found:
        raise InputError(
            f"{source}: holds none of the {len(wanted)} private file(s) this run matched (looked "
            "up by path and SHA-256); give the checkout, archive or git URL that was "
            "fingerprinted, at the same revision"
        )
    texts = {sha: data.decode("utf-8", errors="replace") for sha, data in found.items()}
    return PrivateTexts(texts, len(wanted) - len(found))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
