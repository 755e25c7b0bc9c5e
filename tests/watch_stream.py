"""The publication stream ``leaktrace watch`` is tested and measured on: thousands of ordinary
npm, PyPI and GitHub publications and five leaks of the sample private repository (one inside a
source map, one pushed to a GitHub fork, one found only by the GH Archive backfill).

``size`` picks the ordinary publications' size: ``small`` (one short file, for the test) or
``npm`` (for the benchmark): a README, a licence and JavaScript of a log-normal size, whose
compressed tarball has a median near 20 KB, like npm's. ``tarballs`` (real npm tarballs, for
``bench_watch --stream real``) replaces the ordinary npm publications' content: each is
published in turn under the stream's name, from the first again once all were.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import SAMPLES
from tests.servers import FakeFeeds

PRIVATE = SAMPLES / "private" / "acme-ledger"
WORDS = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "value",
    "item",
    "node",
    "list",
    "map",
    "key",
    "index",
    "count",
    "total",
    "range",
    "queue",
    "cache",
    "token",
    "buffer",
    "stream",
    "event",
    "handler",
    "config",
    "option",
    "parse",
    "format",
    "render",
    "update",
    "merge",
    "split",
    "join",
    "filter",
    "reduce",
    "visit",
    "walk",
    "scope",
    "frame",
    "state",
    "store",
    "apply",
)


@dataclass
class Stream:
    leaky: dict[str, int] = field(default_factory=dict)
    """What each leak is, -> its entry index."""
    leaky_targets: dict[str, str] = field(default_factory=dict)
    """What each leak is, -> the target watch reports."""
    publications: int = 0
    tarball_sizes: list[int] = field(default_factory=list)
    repeats: int = 0
    """Ordinary npm publications that publish a real tarball again (all were published)."""


def _private(path: str) -> bytes:
    return (PRIVATE / path).read_bytes()


def js_module(rng: random.Random, functions: int) -> bytes:
    """Ordinary JavaScript: ``functions`` small functions of random words."""
    out = []
    for _ in range(functions):
        name = "".join(w.title() for w in rng.sample(WORDS, 3))
        a, b, c = rng.sample(WORDS, 3)
        n = rng.randint(1, 99)
        out.append(
            f"function {name[0].lower()}{name[1:]}({a}, {b}) {{\n"
            f"  const {c} = {a}.{rng.choice(WORDS)}({b}, {n});\n"
            f"  if ({c} > {rng.randint(1, 9999)}) {{ return {a}.{rng.choice(WORDS)}({c}); }}\n"
            f"  for (let i = 0; i < {b}.length; i += {rng.randint(1, 4)}) {{ {c}.push({b}[i]); }}\n"
            f"  return {{ {a}, {c}, size: {c}.length * {n} }};\n}}\n"
        )
    out.append("module.exports = { " + ", ".join(f"f{i}: 1" for i in range(3)) + " };\n")
    return "".join(out).encode()


MIT = (
    b"MIT License\n\nCopyright (c) 2026\n\nPermission is hereby granted, free of charge, to any "
    b"person obtaining a copy of this software...\n" * 4
)


def readme(rng: random.Random) -> bytes:
    """A README of 2-12 KB of words: what most npm tarballs carry beside their code."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(300, 1800))]
    return ("# package\n\n" + " ".join(words) + "\n").encode()


def _functions(rng: random.Random, size: str) -> int:
    if size == "small":
        return rng.randint(1, 3)
    # ~300 bytes of source per function, ~4.5x compressed: log-normal, median ~380 functions
    return max(2, min(4000, int(rng.lognormvariate(5.95, 1.0))))


def _leak(feeds: FakeFeeds, leak: str, rng: random.Random) -> tuple[int, str]:
    """Publish one leak of the sample private repository: (entry index, target watch reports)."""
    if leak == "npm-plain":
        files = {"lib/reconciliation.py": _private("acme_ledger/reconciliation.py")}
        return feeds.publish_npm(
            "@evil/ledger-tools", "1.0.0", files
        ), "npm:@evil/ledger-tools@1.0.0"
    if leak == "npm-source-map":
        source_map = {
            "version": 3,
            "file": "cli.js",
            "mappings": "AAAA",
            "sources": ["webpack:///./src/api/ledgerClient.ts", "webpack:///./lib/journal.py"],
            "sourcesContent": [
                _private("web/src/api/ledgerClient.ts").decode(),
                _private("acme_ledger/journal.py").decode(),
            ],
        }
        files = {"cli.js": js_module(rng, 2), "cli.js.map": json.dumps(source_map).encode()}
        return feeds.publish_npm("cli-bundle", "3.1.0", files), "npm:cli-bundle@3.1.0"
    if leak == "pypi-sdist":
        files = {"ledger_mirror/invoicing.py": _private("acme_ledger/invoicing.py")}
        index = feeds.publish_pypi("ledger-mirror", "0.1", files)
        return index, "pypi:ledger-mirror==0.1/ledger-mirror-0.1.tar.gz"
    repo, path, private = {
        "github-fork-push": ("someone/public-sdk", "src/accounts.py", "acme_ledger/accounts.py"),
        "github-archive-push": ("busy/app", "vendor/money.py", "acme_ledger/money.py"),
    }[leak]
    index = feeds.push(repo, {path: _private(private)})
    return index, f"github:{repo}@{feeds.head(repo)}"


def build(feeds: FakeFeeds, total: int = 10_000, *, size: str = "small", seed: int = 13,
          tarballs: Sequence[bytes] = ()) -> Stream:  # fmt: skip
    """Fill ``feeds`` with ``total`` publications, five of them leaky, in stream order."""
    rng = random.Random(seed)
    stream = Stream()
    feeds.create_repo("octo/public-sdk", {"README.md": b"# sdk\n", "src/sdk.js": js_module(rng, 3)})
    feeds.create_repo("busy/app", {"index.js": js_module(rng, 2)})
    github_repos = ["busy/app"]
    # where each leak lands, as a share of the stream
    plan = {
        int(total * 0.02): "github-archive-push",
        int(total * 0.21): "npm-plain",
        int(total * 0.43): "npm-source-map",
        int(total * 0.64): "pypi-sdist",
        int(total * 0.87): "github-fork-push",
    }
    fork_at = int(total * 0.86)
    for n in range(total):
        leak = plan.get(n)
        if leak is not None:
            stream.leaky[leak], stream.leaky_targets[leak] = _leak(feeds, leak, rng)
        elif n == fork_at:
            feeds.fork("octo/public-sdk", "someone/public-sdk")
        else:
            roll = rng.random()
            if roll < 0.80 and tarballs:
                done = len(stream.tarball_sizes)
                stream.repeats += done >= len(tarballs)
                real = tarballs[done % len(tarballs)]
                feeds.publish_npm(f"pkg-{n}", f"1.0.{n % 7}", {}, tarball=real)
                stream.tarball_sizes.append(feeds.entries[-1].data["size"])
            elif roll < 0.80:
                files = {"index.js": js_module(rng, _functions(rng, size))}
                if size == "npm":
                    files |= {"README.md": readme(rng), "LICENSE": MIT}
                feeds.publish_npm(f"pkg-{n}", f"1.0.{n % 7}", files)
                stream.tarball_sizes.append(feeds.entries[-1].data["size"])
            elif roll < 0.92:
                feeds.publish_pypi(
                    f"py-pkg-{n}", "0.1.0", {f"py_pkg_{n}/__init__.py": f"VALUE = {n}\n".encode()}
                )
            elif roll < 0.96:
                feeds.push(rng.choice(github_repos), {f"src/m{n}.js": js_module(rng, 1)})
            elif roll < 0.98:
                name = f"dev{n}/tool{n}"
                feeds.create(name, {"main.js": js_module(rng, 1)})
                github_repos.append(name)
            elif roll < 0.985:
                feeds.create(f"dev{n}/empty{n}", {"README.md": b"# empty\n"})
            elif roll < 0.99:
                feeds.release(rng.choice(github_repos), f"v{n}")
            else:
                feeds.make_public(f"corp{n}/opened{n}", {"lib.js": js_module(rng, 1)})
            if roll > 0.99:  # an event that publishes nothing: read past, not a publication
                feeds.other_event("WatchEvent", "octo/public-sdk")
        stream.publications += 1
    return stream


def write_store(path: Path) -> Path:
    """The sample private repository fingerprinted into ``path``."""
    from typer.testing import CliRunner

    from scanner.cli import app

    done = CliRunner().invoke(app, ["fingerprint", str(PRIVATE), "--store", str(path)])
    assert done.exit_code == 0, done.output
    return path
