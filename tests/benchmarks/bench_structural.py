"""The structural benchmark (issue 15): AI-style rewrites, ports across languages and independent
implementations of real modules, placed inside unrelated real projects. Run on demand:

    .venv/bin/python -m tests.benchmarks.bench_structural [--no-accuracy] [--keep]

The cases are the folders of ``tests/benchmarks/structural/`` (see its README.md): each holds the
written file, a byte-for-byte copy of the original module (checked here against the pinned
download), a note and a checker. The original modules' releases, with everything around them
(whole packages, Go's ``strings`` and ``sort`` beside ``path``), are fingerprinted into one store:
the private side. Each written file is placed in its host project (a pinned release, unpacked
from the download cache of ``corpus``) and every host is scanned against that store.

Printed: per category, recall at ``review`` (review or derivative) and at ``derivative``, the
false flags at both levels, beside the existing categories of ``bench_accuracy`` (built and run
by its own code, unless ``--no-accuracy``) and beside copydetect 0.5.0 (installed into this
Python on first use, a benchmark tool, not a dependency; ``--no-copydetect`` to skip), with the
ROC AUC of each tool's score separating rewrites and ports from independent implementations. The
exit code is always 0 (this is a measurement).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks import bench_accuracy as acc
from tests.benchmarks.bench_scale import DebTree, deb_tree, ensure_copydetect

CASES = Path(__file__).with_name("structural")

#: The labels of the case folders, as categories beside bench_accuracy's (same meaning of the
#: tuple: is a case of it derivative, and what it is).
CATEGORIES: dict[str, tuple[bool, str]] = {
    "ai-rewrite": (True, "AI-style rewrite of a real module, same behaviour"),
    "port": (True, "faithful port to another language, same behaviour"),
    "from-spec": (False, "independent implementation of the same API, from its docs"),
}
FOLDERS = {"rewrite": "ai-rewrite", "port": "port", "independent": "from-spec"}

_CARGO = "usr/share/cargo/registry"
#: Debian trees of the cases beyond bench_accuracy's ``DEBIAN`` (``deb:LABEL`` in case.json).
DEBIAN = {
    tree.label: tree
    for tree in (
        DebTree("rust-fnv-1.0.7", "librust-fnv-dev", "1.0.7-1", f"{_CARGO}/fnv-1.0.7"),
        DebTree(
            "rust-humantime-2.1.0",
            "librust-humantime-dev",
            "2.1.0-1+b1",
            f"{_CARGO}/humantime-2.1.0",
        ),
        DebTree("rust-heck-0.4.0", "librust-heck-dev", "0.4.0-1", f"{_CARGO}/heck-0.4.0"),
        DebTree(
            "rust-bytesize-1.1.0", "librust-bytesize-dev", "1.1.0-1", f"{_CARGO}/bytesize-1.1.0"
        ),
    )
}


def tree(spec: str) -> Path:
    """The project folder of a pinned release named as in case.json."""
    label, _, sub = spec.removeprefix("deb:").partition(":")
    if spec.startswith("deb:") and label in DEBIAN:
        root = deb_tree(DEBIAN[label])
        return root / sub if sub else root
    root = acc.release(spec)
    return root if spec.startswith(("deb:", "npm:")) else acc.top(root)  # sdists: one top folder


def safe(spec: str) -> str:
    return spec.replace(":", "-").replace("/", "-")


@dataclass(frozen=True)
class Written:
    """One case folder of tests/benchmarks/structural/."""

    folder: Path
    manifest: dict

    @property
    def category(self) -> str:
        return FOLDERS[self.manifest["category"]]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def private(self) -> list[str]:
        return self.manifest.get("private", [self.manifest["original"]["release"]])


def load_cases() -> list[Written]:
    found = []
    for manifest in sorted(CASES.glob("*/*/case.json")):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("category") not in FOLDERS:
            raise SystemExit(f"{manifest}: unknown category {data.get('category')!r}")
        found.append(Written(manifest.parent, data))
    return found


def check_originals(cases: list[Written]) -> list[str]:
    """The committed copies must be the pinned releases' files, byte for byte."""
    problems = []
    for case in cases:
        original = case.manifest["original"]
        root = tree(original["release"])
        for inside, copy in original["files"].items():
            pinned = root / inside
            if not pinned.is_file():
                problems.append(f"{case.name}: {original['release']} has no {inside}")
            elif pinned.read_bytes() != (case.folder / copy).read_bytes():
                problems.append(f"{case.name}: {copy} differs from {original['release']}/{inside}")
    return problems


def build(work: Path, cases: list[Written]) -> list[acc.Case]:
    """The private tree (every original's release, once) and one candidate per case: its host
    project with the written file(s) placed in it."""
    private = work / "private"
    private.mkdir(parents=True)
    for spec in dict.fromkeys(spec for case in cases for spec in case.private):
        acc.link_tree(tree(spec), private / safe(spec))
    built = []
    for case in cases:
        host = case.manifest["host"]
        candidate = acc.link_tree(tree(host["release"]), work / "candidates" / case.name)
        for written, place in host["files"].items():
            acc.put(candidate / place, (case.folder / written).read_text(encoding="utf-8"))
        note = f"{case.manifest['language']} file in {host['release']}; see {case.folder.name}"
        built.append(acc.Case(case.category, case.name, private, candidate, note=note))
    return built


def roc_auc(positives: list[float], negatives: list[float]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def summary(outcomes: list[acc.Outcome], has_cd: bool) -> None:
    """Recall at review and at derivative, false flags, per category; the AUCs; the cases."""
    print()
    head = (
        f"{'category':<19}{'label':<11}{'cases':>5} | {'leaktrace: >=review':>19}{'recall':>7}"
        f"{'derivative':>11}{'recall':>7}{'false@review':>13}{'false@deriv':>12}"
    )
    if has_cd:
        head += f" | {'copydetect: flags':>17}{'recall':>7}{'false':>6}"
    print(f"{head}\n{'-' * len(head)}")
    groups: dict[str, list[acc.Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.case.category, []).append(o)
    for category, members in sorted(groups.items(), key=lambda g: list(acc.CATEGORIES).index(g[0])):
        positive = acc.CATEGORIES[category][0]
        review = sum(o.lt.verdict in ("review", "derivative") for o in members)
        derivative = sum(o.lt.verdict == "derivative" for o in members)
        cd = sum(o.cd_flag for o in members)

        def rate(count: int, positive: bool = positive, n: int = len(members)) -> str:
            return f"{count / n:.2f}" if positive else "-"

        row = (
            f"{category:<19}{'derivative' if positive else 'clear':<11}{len(members):>5} | "
            f"{review:>19}{rate(review):>7}{derivative:>11}{rate(derivative):>7}"
            f"{0 if positive else review:>13}{0 if positive else derivative:>12}"
        )
        if has_cd:
            row += f" | {cd:>17}{rate(cd):>7}{0 if positive else cd:>6}"
        print(row)

    mine = [o for o in outcomes if o.case.category in CATEGORIES]
    copies = [o for o in mine if o.case.derivative]
    originals = [o for o in mine if not o.case.derivative]
    print()
    for name, kinds in (("rewrites", ("ai-rewrite",)), ("ports", ("port",))):
        group = [o for o in copies if o.case.category in kinds]
        clear = sum(o.lt.verdict == "clear" for o in group)
        print(
            f"leaktrace on {len(group)} {name}: {sum(o.lt.verdict != 'clear' for o in group)} at "
            f"review or above, {clear} clear"
        )
        scores = [
            ("leaktrace private tokens", lambda o: float(o.lt.matched)),
            *([("copydetect similarity", lambda o: o.cd.similarity)] if has_cd else []),
        ]
        for label, score in scores:
            auc = roc_auc([score(o) for o in group], [score(o) for o in originals])
            print(f"  ROC AUC of {label}, {name} against independent implementations: {auc:.2f}")
    flagged = [o for o in originals if o.lt.verdict in ("review", "derivative")]
    print(
        f"leaktrace on {len(originals)} independent implementations: {len(flagged)} flagged at "
        f"review or above (must be 0)"
    )
    print()
    print("Structural cases (leaktrace verdict, private tokens / longest fragment; copydetect):")
    for o in mine:
        cd = f"  | cd {o.cd.similarity:5.3f} {o.cd.overlap:>6}" if o.cd is not None else ""
        evidence = f"  {o.lt.evidence}" if o.lt.evidence else ""
        print(
            f"  {o.lt.verdict:<10} {o.lt.matched:>6} {o.lt.longest:>5}{cd}  {o.case.key}"
            f"{evidence}{'  ' + o.lt.error if o.lt.error else ''}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-accuracy", action="store_true", help="skip bench_accuracy's cases")
    parser.add_argument(
        "--accuracy-only",
        action="append",
        default=[],
        metavar="CATEGORY",
        help="of bench_accuracy's categories, build these only (repeatable)",
    )
    parser.add_argument("--no-copydetect", action="store_true")
    parser.add_argument("--no-background", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the built trees and stores")
    args = parser.parse_args(argv)

    acc.CATEGORIES.update(CATEGORIES)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="leaktrace-structural-"))
    try:
        written = load_cases()
        problems = check_originals(written)
        for problem in problems:
            print(f"original copy check FAILED: {problem}")
        print(
            f"{len(written)} structural cases; the committed originals "
            f"{'match' if not problems else 'do NOT all match'} the pinned downloads",
            flush=True,
        )
        cases = build(work / "structural", written)
        if not args.no_accuracy:
            cases += acc.build_cases(work / "accuracy", set(args.accuracy_only))
        timings["download+build"] = time.perf_counter() - t0

        lt = acc.Leaktrace(acc.leaktrace_cli(), work, None)
        mode = "background: off"
        if not args.no_background and lt.has_background():
            lt.background = [acc.top(acc.release(spec)) for spec in acc.BACKGROUND]
            mode = f"background: on ({', '.join(acc.BACKGROUND)})"
        print(f"{len(cases)} cases built; running leaktrace ({mode})", flush=True)
        t1 = time.perf_counter()
        results = lt.run(cases)
        timings["leaktrace"] = time.perf_counter() - t1
        timings.update({f"  {k}": v for k, v in lt.seconds.items()})
        outcomes = [acc.Outcome(case, results[case.key]) for case in cases]
        report = acc.Report(outcomes, mode=mode, timings=timings)

        if not args.no_copydetect:
            ensure_copydetect()
            print("running copydetect", flush=True)
            t1 = time.perf_counter()
            acc.score_copydetect(acc.Copydetect(), report)
            timings["copydetect"] = time.perf_counter() - t1
        timings["total"] = time.perf_counter() - t0
        report.print()
        summary(outcomes, has_cd=not args.no_copydetect)
    finally:
        if args.keep:
            print(f"cases and stores kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
