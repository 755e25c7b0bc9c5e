from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerprints import FingerprintParams, analyze, fingerprint_tree, open_store
from scanner import FingerprintIndex, Thresholds, Verdict, combine, decide, match_file
from scanner.index_file import fingerprint_layout
from scanner.matcher import Discounts, merge_lines, union_length
from scanner.packed import PackedTable
from tests.code import GO, GO_RENAMED, PYTHON, PYTHON_RENAMED
from tests.test_packed import assert_found_as_by_binary_search

PARAMS = FingerprintParams()
# The snippets here are ~200 tokens; these limits are scaled to them so that the tests exercise
# matching itself. The calibrated defaults are exercised on samples/ (test_samples.py).
SMALL = Thresholds(
    min_fragment_tokens=50, review_tokens=80, derivative_tokens=150, derivative_fragment_tokens=90
)


@pytest.fixture
def index(tree):
    repo = tree("private", {"ledger/journal.py": PYTHON, "svc/batch.go": GO})
    store = open_store(":memory:", create=True)
    fingerprint_tree(repo, store, name="acme")
    yield FingerprintIndex.from_store(store)
    store.close()


def scan(index, files: dict[str, tuple[str, str]], thresholds=SMALL):
    fragments, discounts, tokens = [], Discounts(), 0
    for path, (source, language) in files.items():
        analysis = analyze(source.encode(), language, PARAMS)
        found, discounted = match_file(path, analysis, index, thresholds)
        fragments += found
        discounts.add(discounted)
        tokens += len(analysis.tokens)
    match = combine(fragments, index, discounts, len(files), 0, tokens)
    return match, *decide(match, thresholds)


def test_verbatim_copy_is_found_with_exact_lines(index):
    padding = "import os\n\n\ndef unrelated():\n    return os.getcwd()\n\n\n"
    match, verdict, checks, _reasons = scan(index, {"vendor/j.py": (padding + PYTHON, "python")})
    [pair] = match.pairs
    assert pair.private.path == "ledger/journal.py" and pair.candidate_path == "vendor/j.py"
    assert pair.verbatim
    assert pair.containment > 0.9
    offset = padding.count("\n")
    # One fragment; its candidate lines are its private lines moved down by the padding.
    assert [(a + offset, b + offset) for a, b in pair.private_lines] == pair.candidate_lines
    # It starts within the first lines; winnowing may leave up to w - 1 trailing tokens unseen.
    assert pair.private_lines[0][0] <= 3 and pair.private_lines[-1][1] >= 30
    assert verdict is Verdict.DERIVATIVE
    assert [c.name for c in checks] == Thresholds.names()


def test_renamed_copy_is_found_but_not_verbatim(index):
    match, verdict, _, _ = scan(
        index, {"x.py": (PYTHON_RENAMED, "python"), "y.go": (GO_RENAMED, "go")}
    )
    paths = {(p.candidate_path, p.private.path): p for p in match.pairs}
    py = paths[("x.py", "ledger/journal.py")]
    assert not py.verbatim
    assert py.matched_tokens > 150
    # The renamed file has no blank lines or docstrings: its lines run 1..25.
    assert py.candidate_lines[0][0] >= 1 and py.candidate_lines[-1][1] <= 25
    go = paths[("y.go", "svc/batch.go")]
    assert go.private_lines == [(21, 33)]  # the Add method, the part left in the same shape
    assert verdict is not Verdict.CLEAR


def test_unrelated_code_is_clear(index):
    other = (
        "import json\n\n\ndef load(path):\n    with open(path) as f:\n        return json.load(f)\n"
    )
    match, verdict, checks, _reasons = scan(index, {"a.py": (other, "python")})
    assert match.pairs == [] and verdict is Verdict.CLEAR
    assert not any(c.passed for c in checks if c.name.startswith(("derivative", "review")))


def test_public_code_is_never_evidence(tree):
    repo = tree("private", {"journal.py": PYTHON})
    published = tree("public", {"sdk/journal.py": PYTHON})
    with open_store(":memory:", create=True) as store:
        fingerprint_tree(repo, store)
        fingerprint_tree(published, store, public=True)
        index = FingerprintIndex.from_store(store)
    match, verdict, _, reasons = scan(index, {"copy.py": (PYTHON, "python")})
    assert verdict is Verdict.CLEAR and match.matched_tokens == 0
    assert match.discounts.public > 150
    assert any("public code" in r for r in reasons)


def test_private_templates_are_discounted(tree):
    template = PYTHON.split("def balance")[0]
    repo = tree("private", {f"m{i}.py": template + f"\nVALUE_{i} = {i}\n" for i in range(20)})
    with open_store(":memory:", create=True) as store:
        fingerprint_tree(repo, store)
        index = FingerprintIndex.from_store(store)
    match, verdict, _, _reasons = scan(index, {"t.py": (template, "python")})
    assert match.matched_tokens == 0 and verdict is Verdict.CLEAR
    assert match.discounts.template > 50
    loose = SMALL.with_overrides({"max_fanout": 100}, "test")
    match, verdict, checks, _ = scan(index, {"t.py": (template, "python")}, loose)
    assert match.matched_tokens > 50
    assert {c.name: c.source for c in checks}["max_fanout"] == "test"


def test_identical_template_copies_still_count_as_places(tree):
    """Each distinct content is indexed once, but a file copied verbatim to 20 folders is still
    at 20 private places: a template, never evidence."""
    template = PYTHON.split("def balance")[0]
    repo = tree("private", {f"svc{i}/settings.py": template for i in range(20)})
    with open_store(":memory:", create=True) as store:
        fingerprint_tree(repo, store)
        index = FingerprintIndex.from_store(store)
    assert len(index.files) == 1
    match, verdict, _, _reasons = scan(index, {"t.py": (template, "python")})
    assert match.matched_tokens == 0 and verdict is Verdict.CLEAR
    assert match.discounts.template > 50


def test_intervals():
    assert union_length([(0, 10), (5, 15), (20, 25)]) == 20
    assert union_length([]) == 0
    assert merge_lines([(5, 9), (1, 3), (4, 4), (12, 14)]) == [(1, 9), (12, 14)]


def test_thresholds_are_validated_by_name():
    from fingerprints import ConfigError

    with pytest.raises(ConfigError, match=r"^nonsense:"):
        Thresholds().with_overrides({"nonsense": 1}, "command line")
    with pytest.raises(ConfigError, match=r"^review_tokens:"):
        Thresholds().with_overrides({"review_tokens": "lots"}, "command line")
    with pytest.raises(ConfigError, match=r"^derivative_tokens:"):
        Thresholds(derivative_tokens=0)


@settings(max_examples=60, deadline=None)
@given(
    stored=st.lists(st.integers(0, 2**64 - 1), max_size=400),
    repeats=st.lists(st.integers(1, 4), max_size=400),
    extra=st.lists(st.integers(0, 2**64 - 1), max_size=200),
)
def test_bucketed_lookup_equals_binary_search(stored, repeats, extra):
    """The bucket table of packed records gives exactly the ranges two binary searches over the
    plain sorted hashes would, and every record gives back its hash and its place."""
    values = [
        v for v, r in zip(stored, repeats + [1] * len(stored), strict=False) for _ in range(r)
    ]
    unsorted = np.array(values, dtype=np.uint64)
    order = np.argsort(unsorted, kind="stable")
    hashes = unsorted[order]
    table = PackedTable.build(unsorted, np.arange(len(values)), *fingerprint_layout(len(values)))
    index = FingerprintIndex(
        table=table, starts=np.array([0, len(hashes)]), places=np.ones(1, np.int32),
        boilerplate=np.zeros(1, bool),
        public_hashes=np.zeros(0, np.uint64), background_hashes=np.zeros(0, np.uint64),
        background_files=np.zeros(0, np.int64), files=[], fingerprints=lambda n: hashes,
        k=20, w=12, private_tokens=0,
    )  # fmt: skip
    queries = np.array(stored[:50] + extra + [0, 2**64 - 1], dtype=np.uint64)
    assert_found_as_by_binary_search(index.ranges(queries), hashes, queries)
    keys, places = table.entries(0, table.records)
    assert np.array_equal(keys, hashes) and np.array_equal(places, order)
    assert np.array_equal(table.values(np.arange(len(values))), order)
    assert table.records.dtype.itemsize <= 9


@pytest.mark.parametrize("cap", [0, 1, 2, 50])
def test_hits_give_each_fanout_and_the_entries_of_the_ranges_within_it(tree, cap):
    """``FingerprintIndex.hits`` decodes each entry of a range of at most ``cap`` entries once
    (the fanout weighs them, the matcher matches them): the same places and owners as decoding
    them one by one, and fanout as the places summed (a longer range: its length)."""
    copied = PYTHON.replace("journal", "ledger_copy")
    repo = tree("private", {"a/journal.py": PYTHON, "b/journal.py": PYTHON,
                            "c/copy.py": copied, "svc/batch.go": GO})  # fmt: skip
    store = open_store(":memory:", create=True)
    fingerprint_tree(repo, store, name="acme")
    index = FingerprintIndex.from_store(store)
    queries = analyze((PYTHON + copied).encode(), "python", PARAMS).kgrams.hashes
    lo, hi = index.ranges(queries)
    assert (hi - lo).max() >= 2 and index.places.max() == 2  # runs of several entries, places
    hits = index.hits(lo, hi, cap)
    counts = hi - lo
    assert np.array_equal(hits.small, np.flatnonzero((counts > 0) & (counts <= cap)))
    assert np.array_equal(hits.sizes, counts[hits.small])
    entries = [e for r in hits.small.tolist() for e in range(int(lo[r]), int(hi[r]))]
    places = [int(index.table.values(np.array([e]))[0]) for e in entries]
    assert hits.places.tolist() == places
    assert hits.owners.tolist() == [int(np.searchsorted(index.starts, p, "right")) - 1
                                    for p in places]  # fmt: skip
    for r in range(queries.shape[0]):
        owners = index.owners(np.arange(lo[r], hi[r]))
        weight = int(index.places[owners].sum()) if counts[r] <= cap else int(counts[r])
        assert hits.fanout[r] == weight
    store.close()


def test_the_short_discount_counts_each_candidate_token_once(tmp_path):
    """Three real copies of rich (13.4.2, pip 24.0's vendored one, pip 24.2's bundled one) as
    three private repositories, rich's table.py as the candidate: a short snippet matched at
    several private places was counted once per place (5,148 "short" tokens of 4,483)."""
    from tests.benchmarks.corpus import CACHE, pypi_sdist

    pypi_sdist("pip", "24.0")
    rich = pypi_sdist("rich", "13.4.2") / "rich-13.4.2" / "rich"
    copies = [rich, CACHE / "pypi" / "pip-24.0" / "pip-24.0" / "src" / "pip" / "_vendor" / "rich"]
    bundled = CACHE / "pip-wheel" / "pip-24.2" / "pip" / "bundled" / "rich"
    copies += [bundled] if bundled.is_dir() else []
    store = open_store(":memory:", create=True)
    for number, folder in enumerate(copies):
        repo = tmp_path / f"acme{number}" / "rich"
        repo.mkdir(parents=True)
        for name in ("table.py", "console.py", "text.py"):
            (repo / name).write_bytes((folder / name).read_bytes())
        fingerprint_tree(repo.parent, store, name=f"acme{number}")
    index = FingerprintIndex.from_store(store)
    thresholds = Thresholds()
    analysis = analyze((rich / "table.py").read_bytes(), "python", PARAMS)
    found, discounted = match_file("table.py", analysis, index, thresholds)
    tokens = len(analysis.tokens)
    assert found and 0 < discounted.short <= tokens
    covered = np.zeros(tokens, dtype=bool)  # candidate tokens of the fragments kept
    for fragment in found:
        covered[fragment.candidate_tokens[0] : fragment.candidate_tokens[1]] = True
    assert discounted.short <= tokens - int(covered.sum())  # none of them counted as short
    store.close()
