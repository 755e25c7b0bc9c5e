"""End to end on samples/: the README's main job, checked against samples/expected.json."""

from __future__ import annotations

import json

import pytest

from fingerprints import fingerprint_tree, open_store
from scanner import FingerprintIndex, ScanContext, Thresholds, Verdict, resolve, scan_candidate
from scanner.commands.background import learn_targets
from tests.conftest import REPO, SAMPLES

EXPECTED = json.loads((SAMPLES / "expected.json").read_text())


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    db = tmp_path_factory.mktemp("samples") / "store.db"
    with open_store(db, create=True) as store:
        fingerprint_tree(REPO / EXPECTED["private_repo"], store)
        for public in EXPECTED["public_repos"]:
            fingerprint_tree(REPO / public, store, public=True)
        assert learn_targets(store, [str(REPO / r) for r in EXPECTED["references"]], jobs=1) == 0
        context = ScanContext(FingerprintIndex.from_store(store), store.params, Thresholds())
        return {
            name: scan_candidate(resolve(str(SAMPLES / "candidates" / name)), context)
            for name in EXPECTED["candidates"]
        }  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED["candidates"]))
def test_verdict_is_the_expected_one(results, name):
    assert results[name].verdict.value == EXPECTED["candidates"][name]["verdict"]


@pytest.mark.parametrize("name", sorted(EXPECTED["candidates"]))
def test_exactly_the_copied_files_are_paired(results, name):
    truth = {
        (c["candidate_path"], c["private_path"]) for c in EXPECTED["candidates"][name]["copies"]
    }
    found = {(p.candidate_path, p.private.path) for p in results[name].match.pairs}
    assert found == truth


def test_renamed_file_is_derivative_with_correct_line_ranges(results):
    result = results["renamed-reformatted"]
    assert result.verdict is Verdict.DERIVATIVE
    pairs = {p.candidate_path: p for p in result.match.pairs}
    book = pairs["tallyhub/book.py"]
    assert book.private.path == "acme_ledger/journal.py"
    assert not book.verbatim
    assert book.containment > 0.6
    candidate_lines = (SAMPLES / "candidates/renamed-reformatted/tallyhub/book.py").read_text()
    private_lines = (SAMPLES / "private/acme-ledger/acme_ledger/journal.py").read_text()
    for fragment in book.fragments:
        a, b = fragment.candidate_lines
        c, d = fragment.private_lines
        assert 1 <= a <= b <= candidate_lines.count("\n")
        assert 1 <= c <= d <= private_lines.count("\n")
    # The renamed copy keeps statement order: fragments ascend on both sides.
    starts = [f.private_lines[0] for f in book.fragments]
    assert starts == sorted(starts)


def test_pasted_region_is_located(results):
    result = results["pasted-into-large.tar.gz"]
    truth = {
        c["candidate_path"]: c for c in EXPECTED["candidates"]["pasted-into-large.tar.gz"]["copies"]
    }
    for pair in result.match.pairs:
        lo, hi = truth[pair.candidate_path]["candidate_lines"]
        for a, b in pair.candidate_lines:
            assert lo <= a <= b <= hi, (pair.candidate_path, a, b)
        if "private_lines" in truth[pair.candidate_path]:
            plo, phi = truth[pair.candidate_path]["private_lines"]
            assert all(plo <= a <= b <= phi for a, b in pair.private_lines)
        assert pair.verbatim


def test_fork_of_public_code_is_clear_because_public(results):
    result = results["fork-of-public-sdk"]
    assert result.verdict is Verdict.CLEAR
    assert result.match.discounts.public > 500
    assert any("public code" in reason for reason in result.reasons)


def test_an_empty_file_is_reported_but_loses_no_evidence(results):
    result = results["subset-copy"]
    assert [(p.path, p.message) for p in result.problems] == [
        ("invoicer_lite/core/__init__.py", "empty file"),
        (
            "",
            "1 file(s) skipped: no language leaktrace reads by name, and neither code nor an "
            "archive by content",
        ),  # pyproject.toml
    ]
    assert not result.partial
