"""What a pool worker sends back for each file (``FileOutcome``) arrives whole."""

from __future__ import annotations

import pickle
from dataclasses import replace

from fingerprints import fingerprint_tree, open_store
from scanner.index import FingerprintIndex
from scanner.scan import FileOutcome, ScanContext, _with, scan_file
from scanner.sources import CandidateFile
from scanner.thresholds import Thresholds
from tests.code import PYTHON, PYTHON_RENAMED


def outcome(tree) -> FileOutcome:
    repo = tree("private", {"ledger/journal.py": PYTHON})
    store = open_store(":memory:", create=True)
    fingerprint_tree(repo, store, name="acme")
    context = ScanContext(FingerprintIndex.from_store(store), store.params, Thresholds())
    found = scan_file(CandidateFile("x.py", PYTHON_RENAMED.encode(), "python"), context)
    store.close()
    return found


def test_an_outcome_pickled_as_tuples_is_the_same_outcome(tree):
    found = outcome(tree)
    assert found.fragments and found.functions  # both kinds of rows are sent
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        again = pickle.loads(pickle.dumps(found, protocol=protocol))
        assert again == found
        assert [type(f) for f in again.fragments + again.functions] == [
            type(f) for f in found.fragments + found.functions
        ]
    empty = FileOutcome(0, 0, [], found.discounts, unread="crashed; not read")
    assert pickle.loads(pickle.dumps(empty)) == empty


def test_a_fragment_or_pair_placed_is_what_replace_gives(tree):
    found = outcome(tree)
    for item in found.fragments + found.functions:
        changes = {"candidate_path": "elsewhere/x.py", "candidate_lines": (7, 9)}
        assert _with(item, **changes) == replace(item, **changes)
        assert _with(item) == item
