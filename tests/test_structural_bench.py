"""The data of the structural benchmark (tests/benchmarks/structural/) is complete and sound:
every case has its manifest, its note, its original and written files and a checker, and every
checker passes (the written file behaves like the original, or like the documentation says).

The checkers run here, two at a time; those that need a toolchain this machine lacks (``go``,
``cargo``/``rustc``, ``node``) are skipped by name. ``bench_structural`` checks the committed
originals against the pinned downloads (it downloads them; this test does not).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "benchmarks" / "structural"
CASE_DIRS = sorted(p.parent for p in CASES.glob("*/*/case.json"))
EXTENSIONS = {"python": ".py", "javascript": ".js", "go": ".go", "rust": ".rs"}
NOTE_PARTS = ("**Original**", "**Made**", "**Placed**", "**Checked**")
RELEASE = re.compile(r"(npm:)?[\w.-]+-\d[\w.+~-]*|deb:[\w.+-]+(:[\w/.-]+)?")


def manifest(case: Path) -> dict:
    return json.loads((case / "case.json").read_text(encoding="utf-8"))


def test_the_benchmark_has_its_cases() -> None:
    """At least 8 rewrites (2 not in Python), 4 ports (one per direction), 8 independent."""
    by_category: dict[str, list[dict]] = {}
    for case in CASE_DIRS:
        data = manifest(case)
        assert case.parent.name == data["category"], case
        by_category.setdefault(data["category"], []).append(data)
    rewrites = by_category.get("rewrite", [])
    assert len(rewrites) >= 8
    assert sum(d["language"] != "python" for d in rewrites) >= 2
    ports = by_category.get("port", [])
    assert len(ports) >= 4
    directions = {(d["original"]["release"].startswith("npm:"), d["language"]) for d in ports}
    assert (False, "javascript") in directions and (True, "python") in directions
    assert {d["language"] for d in ports} >= {"go", "rust"}
    assert len(by_category.get("independent", [])) >= 8


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_is_complete(case: Path) -> None:
    data = manifest(case)
    assert data["language"] in EXTENSIONS
    note = (case / "NOTES.md").read_text(encoding="utf-8")
    for part in NOTE_PARTS:
        assert part in note, f"{case.name}/NOTES.md says nothing under {part}"
    original = data["original"]
    assert RELEASE.fullmatch(original["release"]), original["release"]
    assert original["files"], "no original file"
    for copy in original["files"].values():
        assert (case / copy).is_file(), copy
        # its own original/, or that of the rewrite case of the same module
        assert re.fullmatch(r"(\.\./\.\./rewrite/[\w-]+/)?original/.+", copy), copy
    host = data["host"]
    assert RELEASE.fullmatch(host["release"]), host["release"]
    assert host["release"] != original["release"]
    for written, place in host["files"].items():
        assert written.startswith("candidate/") and (case / written).is_file(), written
        assert Path(written).suffix == EXTENSIONS[data["language"]] == Path(place).suffix
        assert not Path(place).is_absolute() and ".." not in Path(place).parts
    # every written file differs from every original: nothing was merely copied
    originals = {(case / copy).read_bytes() for copy in original["files"].values()}
    assert not originals & {(case / w).read_bytes() for w in host["files"]}
    assert (case / data["check"]).is_file()
    assert set(data["tools"]) <= {"node", "go", "rustc", "cargo"}
    if data["check"].endswith(".js"):
        assert "node" in data["tools"]


def run_checker(case: Path) -> subprocess.CompletedProcess[str]:
    data = manifest(case)
    runner = "node" if data["check"].endswith(".js") else sys.executable
    return subprocess.run(
        [runner, data["check"]], cwd=case, capture_output=True, text=True, timeout=300
    )


def test_checkers_pass() -> None:
    missing = {
        case: [tool for tool in manifest(case)["tools"] if shutil.which(tool) is None]
        for case in CASE_DIRS
    }
    runnable = [case for case in CASE_DIRS if not missing[case]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(runnable, pool.map(run_checker, runnable), strict=True))
    failed = [
        f"{case.parent.name}/{case.name}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
        for case, proc in done.items()
        if proc.returncode != 0 or not proc.stdout.strip()
    ]
    assert not failed, "\n".join(failed)
    skipped = {f"{c.parent.name}/{c.name}": tools for c, tools in missing.items() if tools}
    if skipped:
        pytest.skip(f"{len(runnable)} checkers pass; not run for want of a tool: {skipped}")
