"""Incremental build cache.

The cache remembers, for every source file, the hash of its contents, the
templates it was rendered with and the files it produced. On the next build a
page is re-rendered only if

* its own content hash changed, or
* the hash of any template it depends on changed, or
* the configuration fingerprint changed (which invalidates everything), or
* one of its outputs has gone missing from the output directory.

Hashes are BLAKE2b digests of file contents; modification times are used only
as a shortcut to skip re-hashing files whose size and mtime are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

__all__ = ["BuildCache", "CacheEntry", "hash_file"]

CACHE_VERSION = 3
_CHUNK = 1 << 16


def hash_file(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_text(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


@dataclass
class CacheEntry:
    digest: str
    dependencies: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"digest": self.digest, "deps": self.dependencies, "outputs": self.outputs}

    @classmethod
    def from_json(cls, data: dict) -> "CacheEntry":
        return cls(data["digest"], dict(data.get("deps", {})), list(data.get("outputs", [])))


class BuildCache:
    """Persistent mapping of source path -> :class:`CacheEntry`."""

    def __init__(self, path: Path, output_dir: Path, fingerprint: str):
        self.path = path
        self.output_dir = output_dir
        self.fingerprint = hash_text(fingerprint)
        self.entries: dict[str, CacheEntry] = {}
        self._stat_memo: dict[str, tuple[int, int, str]] = {}
        self._digest_memo: dict[str, str] = {}
        self.invalidated_all = False

    # -- persistence -------------------------------------------------------
    def load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, json.JSONDecodeError):
            # A corrupt cache is never fatal: just rebuild everything.
            self.invalidated_all = True
            return
        if data.get("version") != CACHE_VERSION:
            self.invalidated_all = True
            return
        # Keep the entries even when the fingerprint changed: every page will
        # be rebuilt, but we still need the old outputs to prune orphans.
        self.invalidated_all = data.get("fingerprint") != self.fingerprint
        self.entries = {k: CacheEntry.from_json(v) for k, v in data.get("entries", {}).items()}
        self._stat_memo = {k: tuple(v) for k, v in data.get("stats", {}).items()}

    def save(self) -> None:
        payload = {
            "version": CACHE_VERSION,
            "fingerprint": self.fingerprint,
            "entries": {k: v.to_json() for k, v in sorted(self.entries.items())},
            "stats": {k: list(v) for k, v in sorted(self._stat_memo.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Write atomically so an interrupted build never leaves half a file.
        fd, tmp_name = tempfile.mkstemp(prefix=".cache-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=1)
            os.replace(tmp_name, self.path)
        except BaseException:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass
            raise

    # -- hashing -----------------------------------------------------------
    def digest(self, path: Path) -> str:
        """Hash ``path``, reusing the previous digest when size+mtime match."""
        key = str(path)
        if key in self._digest_memo:
            return self._digest_memo[key]
        stat = path.stat()
        memo = self._stat_memo.get(key)
        if memo and memo[0] == stat.st_size and memo[1] == stat.st_mtime_ns:
            value = memo[2]
        else:
            value = hash_file(path)
            self._stat_memo[key] = (stat.st_size, stat.st_mtime_ns, value)
        self._digest_memo[key] = value
        return value

    def forget_memo(self) -> None:
        """Drop per-build memoisation (call between builds in watch mode)."""
        self._digest_memo.clear()

    # -- queries -----------------------------------------------------------
    def is_stale(self, source: Path, dependencies: Iterable[Path] = ()) -> bool:
        if self.invalidated_all:
            return True
        entry = self.entries.get(str(source))
        if entry is None or entry.digest != self.digest(source):
            return True
        for dep in dependencies:
            recorded = entry.dependencies.get(str(dep))
            if recorded is None or not dep.exists() or recorded != self.digest(dep):
                return True
        for dep_name in entry.dependencies:
            dep_path = Path(dep_name)
            if not dep_path.exists() or entry.dependencies[dep_name] != self.digest(dep_path):
                return True
        return any(not (self.output_dir / out).exists() for out in entry.outputs)

    def record(self, source: Path, outputs: Iterable[str], dependencies: Iterable[Path] = ()) -> None:
        deps = {str(dep): self.digest(dep) for dep in dependencies if dep.exists()}
        self.entries[str(source)] = CacheEntry(self.digest(source), deps, sorted(set(outputs)))

    def prune(self, live_sources: Iterable[Path]) -> list[str]:
        """Forget deleted sources; return the outputs that should be removed."""
        live = {str(p) for p in live_sources}
        orphaned: list[str] = []
        for key in list(self.entries):
            if key not in live:
                orphaned.extend(self.entries.pop(key).outputs)
                self._stat_memo.pop(key, None)
        still_produced = {out for entry in self.entries.values() for out in entry.outputs}
        return [out for out in orphaned if out not in still_produced]
