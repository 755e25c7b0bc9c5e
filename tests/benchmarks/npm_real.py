"""Real npm tarballs for ``bench_watch --stream real``: a pinned, seeded random sample.

The sample (``data/npm_real.tsv``: name, version, integrity, compressed and unpacked size) was
drawn once by ``choose``: a uniform random sample (``random.Random(SEED).sample``) of the rows
of a listing of the npm registry's packages (name, latest version, downloads a month; every
package with at least a few hundred downloads a month, 226,995 rows), each package at the
version listed, then pinned through ``npm pack`` (the ordinary client), which gives each
tarball's ``integrity``; a package ``npm pack`` could not fetch is left out and said. Uniform
over packages, not weighted by downloads: a typical package, not a popular one.

At benchmark time each tarball is read from the cache (``$LEAKTRACE_BENCH_CACHE/npm-tarballs``,
default ``~/.cache/leaktrace-bench``, never committed) or fetched with ``npm pack``, and its
SHA-512 checked against the pinned integrity before it is used.

    .venv/bin/python -m tests.benchmarks.npm_real --choose LISTING.tsv [--count N] [--seed S]
    .venv/bin/python -m tests.benchmarks.npm_real            # fetch what the cache lacks
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.corpus import CACHE

SAMPLE = Path(__file__).resolve().parent / "data" / "npm_real.tsv"
TARBALLS = CACHE / "npm-tarballs"
SEED = 13
COUNT = 1650
BATCH = 40


@dataclass(frozen=True)
class Pinned:
    name: str
    version: str
    integrity: str
    size: int  # compressed, bytes
    unpacked: int  # bytes

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def path(self) -> Path:
        return TARBALLS / f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


def integrity(data: bytes) -> str:
    """npm's Subresource-Integrity string (sha512) of ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def choose(listing: Path, count: int = COUNT, seed: int = SEED) -> list[tuple[str, str]]:
    """``count`` (name, version) rows of ``listing`` (TSV, a header line, name and version in
    its first two columns), drawn uniformly with ``seed``."""
    rows = []
    with listing.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            name, version = line.rstrip("\n").split("\t")[:2]
            if name and version:
                rows.append((name, version))
    return random.Random(seed).sample(rows, count)


def _pack(rows: list[tuple[str, str]]) -> list[Pinned]:
    """``npm pack --json`` of ``rows`` (name, version) into the cache; one by one when a batch
    fails (one package unpublished or missing fails the whole command). The names are the ones
    asked for: npm's output masks any UUID in a name (``@codingame/monaco-vscode-***-common``),
    its tarball's name too, while the file it writes has it (``PACKAGE-VERSION.tgz``, the scope's
    ``@`` left out and its ``/`` made ``-``, as ``Pinned.path``)."""
    TARBALLS.mkdir(parents=True, exist_ok=True)
    command = ["npm", "pack", "--json", "--silent", "--pack-destination", str(TARBALLS)]
    specs = [f"{name}@{version}" for name, version in rows]
    done = subprocess.run([*command, *specs], capture_output=True, text=True)
    if done.returncode == 0:
        packed = zip(rows, json.loads(done.stdout), strict=True)
        return [Pinned(name, version, found["integrity"], found["size"], found["unpackedSize"])
                for (name, version), found in packed]  # fmt: skip
    if len(specs) == 1:
        print(f"left out {specs[0]}: npm pack failed: {done.stderr.strip()[-200:]}",
              file=sys.stderr)  # fmt: skip
        return []
    return [found for row in rows for found in _pack([row])]


def pin(rows: list[tuple[str, str]], seed: int, listing: Path) -> list[Pinned]:
    pinned: list[Pinned] = []
    for start in range(0, len(rows), BATCH):
        pinned += _pack(rows[start : start + BATCH])
        print(f"pinned {len(pinned)} of {start + BATCH}", file=sys.stderr, flush=True)
    SAMPLE.parent.mkdir(exist_ok=True)
    header = (f"# bench_watch --stream real: random.Random({seed}).sample of {len(rows)} rows of "
              f"{listing.name} (the npm registry's packages with downloads a month; the version "
              f"listed), pinned with npm pack; {len(rows) - len(pinned)} it could not fetch "
              "left out. See tests/benchmarks/npm_real.py.\n"
              "name\tversion\tintegrity\tsize\tunpacked\n")  # fmt: skip
    lines = [f"{p.name}\t{p.version}\t{p.integrity}\t{p.size}\t{p.unpacked}\n" for p in pinned]
    SAMPLE.write_text(header + "".join(lines), encoding="utf-8")
    return pinned


def sample() -> list[Pinned]:
    """The pinned sample, in the order it was drawn."""
    found = []
    for line in SAMPLE.read_text("utf-8").splitlines():
        if line.startswith("#") or line.startswith("name\t") or not line:
            continue
        name, version, sri, size, unpacked = line.split("\t")
        found.append(Pinned(name, version, sri, int(size), int(unpacked)))
    return found


def tarball(entry: Pinned) -> bytes:
    """``entry``'s tarball, from the cache or ``npm pack``, its integrity checked."""
    if not entry.path.is_file():
        _pack([(entry.name, entry.version)])
    data = entry.path.read_bytes() if entry.path.is_file() else b""
    if integrity(data) != entry.integrity:
        raise SystemExit(f"{entry.spec}: {entry.path} does not match its pinned integrity")
    return data


def tarballs(entries: list[Pinned]) -> list[bytes]:
    """Every entry's tarball; what the cache lacks is fetched in batches first."""
    missing = [(e.name, e.version) for e in entries if not e.path.is_file()]
    for start in range(0, len(missing), BATCH):
        _pack(missing[start : start + BATCH])
    return [tarball(entry) for entry in entries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--choose", type=Path, help="draw and pin a new sample from LISTING")
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    if args.choose:
        pinned = pin(choose(args.choose, args.count, args.seed), args.seed, args.choose)
        print(f"{len(pinned)} pinned in {SAMPLE}")
    else:
        data = tarballs(sample())
        print(f"{len(data)} tarballs in {TARBALLS}, {sum(map(len, data)) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
