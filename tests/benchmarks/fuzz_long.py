"""The fuzz targets of ``tests/fuzzing.py`` for as long as you give them. Run on demand:

    nice .venv/bin/python -m tests.benchmarks.fuzz_long --minutes 30

Round robin over every target: the normalizer in each language (seeds: the few lines of
``fuzzing.CODE`` and every file of that language under ``samples/``, mutated, spliced, or random
bytes), the carrier reader (the archives, notebook and map of ``fuzzing.carrier_seeds``, mutated
whole or mutated and then packed into a valid zip or tar.gz), the source-map reader (JSON
structure and byte mutations) and the report writers (hostile strings). An input that fails
(an exception, a broken invariant, or a parse that gives up: over the time or memory limit, or
crashed) is saved into ``tests/fuzz_seeds/<target>/``, where ``tests/test_fuzz.py`` replays it;
at most ``--keep`` inputs per kind of failure (one per language for a parse that gives up: each
replays for seconds). Prints how many inputs each target tried.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import tarfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from fingerprints import LANGUAGES, language_for_path
from tests import fuzzing
from tests.conftest import SAMPLES
from tests.test_carriers import zip_bytes

MAX_SEED_BYTES = 64 * 1024


def language_seeds() -> dict[str, list[bytes]]:
    """Per language: the built-in lines and every sample file in it (at most 64 KB each)."""
    seeds = {language: [fuzzing.CODE[language]] for language in LANGUAGES}
    for path in sorted(SAMPLES.rglob("*")):
        language = language_for_path(path.name)
        if language and path.is_file() and path.stat().st_size <= MAX_SEED_BYTES:
            seeds[language].append(path.read_bytes())
    return seeds


def byte_ops(rng: random.Random, most: int = 16) -> list[fuzzing.Op]:
    return [tuple(rng.getrandbits(24) for _ in range(4)) for _ in range(rng.randint(1, most))]  # type: ignore[misc]


def _pack(name: str, data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A mutated inner file inside a valid outer carrier (nesting is read too)."""
    if rng.random() < 0.5:
        return zip_bytes({f"lib/{name}": data, "lib/ok.py": fuzzing.CODE["python"]}), "outer.zip"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(f"pkg/{name}")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return gzip.compress(buffer.getvalue(), mtime=0), "outer.tar.gz"


class Fuzzer:
    def __init__(self, rng: random.Random, keep: int) -> None:
        self.rng = rng
        self.keep = keep
        self.tried: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.kinds: Counter[tuple[str, str]] = Counter()
        self.saved: list[tuple[str, Path, str]] = []
        self.languages = language_seeds()
        self.carriers = fuzzing.carrier_seeds()

    # -- inputs -------------------------------------------------------------------------------

    def source(self, language: str) -> bytes:
        rng, seeds = self.rng, self.languages[language]
        roll = rng.random()
        if roll < 0.1:
            return rng.randbytes(rng.randint(0, 4096))
        data = rng.choice(seeds)
        if roll < 0.25:  # a splice of two seeds of the language
            other = rng.choice(seeds)
            data = data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)) :]
        return fuzzing.mutate_bytes(data, byte_ops(self.rng, 32))

    def carrier(self) -> tuple[bytes, str]:
        rng = self.rng
        name = rng.choice(sorted(self.carriers))
        data = self.carriers[name]
        if name.endswith((".ipynb", ".map")) and rng.random() < 0.6:
            data = fuzzing.mutate_json(data, byte_ops(rng, 6))
        if rng.random() < 0.7:
            data = fuzzing.mutate_bytes(data, byte_ops(rng))
        if rng.random() < 0.3:
            return _pack(name, data, rng)
        return data, name

    def source_map(self) -> bytes:
        rng = self.rng
        data = fuzzing.indexed_map() if rng.random() < 0.3 else fuzzing.source_map()
        data = fuzzing.mutate_json(data, byte_ops(rng, 6))
        return fuzzing.mutate_bytes(data, byte_ops(rng, 4)) if rng.random() < 0.3 else data

    def names(self) -> bytes:
        rng = self.rng

        def one() -> str:
            count = rng.randint(1, 8)
            return "".join(rng.choice(fuzzing.HOSTILE) if rng.random() < 0.6
                           else chr(rng.randint(0, 0x10FFFF)) for _ in range(count))  # fmt: skip

        return json.dumps([one() for _ in range(rng.randint(1, 12))]).encode()

    # -- running ------------------------------------------------------------------------------

    def attempt(self, label: str, target: str, data: bytes, name: str) -> None:
        self.tried[label] += 1
        try:
            outcome = fuzzing.CHECKS[target](data, name)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            kind = f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
            self.record(label, target, data, name, kind, f"{kind}: {str(exc)[:200]!r}")
            return
        if outcome is not None:  # a ParseFailure: the parser gave up on this input
            kind = f"parse {outcome.kind}"  # type: ignore[attr-defined]
            self.record(label, target, data, name, kind, f"{kind}: {outcome}")

    def record(self, label: str, target: str, data: bytes, name: str, kind: str,
               text: str) -> None:  # fmt: skip
        self.failed[label] += 1
        self.kinds[(label, kind)] += 1
        keep = 1 if kind.startswith("parse") else self.keep  # each replays for seconds
        if self.kinds[(label, kind)] <= keep:
            path = fuzzing.save_seed(target, data, name)
            self.saved.append((label, path, text))
            print(f"FAILED {label}: {text} -> {path.relative_to(fuzzing.REPO)}", flush=True)

    def rounds(self) -> list[tuple[str, Callable[[], None]]]:
        work: list[tuple[str, Callable[[], None]]] = []
        for language in LANGUAGES:
            suffix = fuzzing.SUFFIX[language]
            work.append((f"normalize/{language}", lambda lang=language, s=suffix: self.attempt(
                f"normalize/{lang}", "normalize", self.source(lang), "fuzz" + s)))  # fmt: skip
        work.append(("carriers", lambda: self.attempt("carriers", "carriers", *self.carrier())))
        work.append(("sourcemap", lambda: self.attempt(
            "sourcemap", "sourcemap", self.source_map(), "app.js.map")))  # fmt: skip
        work.append(("reports", lambda: self.attempt(
            "reports", "reports", self.names(), "names.json")))  # fmt: skip
        return work

    def run(self, seconds: float) -> None:
        fuzzing.base_report()  # made once, before the clock starts
        work = self.rounds()
        started = time.monotonic()
        next_print = started + 60
        while time.monotonic() - started < seconds:
            for _, step in work:
                step()
            if time.monotonic() >= next_print:
                next_print += 60
                minutes = (time.monotonic() - started) / 60
                print(f"{minutes:.0f} min: {sum(self.tried.values()):,} inputs, "
                      f"{sum(self.failed.values())} failed", flush=True)  # fmt: skip

    def summary(self) -> str:
        rows = [f"{'target':<24}{'inputs':>10}{'failed':>8}"]
        rows += [f"{label:<24}{self.tried[label]:>10,}{self.failed[label]:>8}"
                 for label in sorted(self.tried)]  # fmt: skip
        rows.append(f"{'total':<24}{sum(self.tried.values()):>10,}{sum(self.failed.values()):>8}")
        for (label, kind), count in sorted(self.kinds.items()):
            rows.append(f"  {label}: {kind} x{count}")
        return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fresh)")
    parser.add_argument("--keep", type=int, default=3, help="inputs saved per kind of failure")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    print(f"fuzz_long: {args.minutes:g} min, seed {seed}", flush=True)
    fuzzer = Fuzzer(random.Random(seed), args.keep)
    try:
        fuzzer.run(args.minutes * 60)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    print(fuzzer.summary(), flush=True)


if __name__ == "__main__":
    main()
