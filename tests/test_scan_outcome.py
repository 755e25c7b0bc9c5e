"""What a pool worker is sent (batches of files) and sends back for each file (``FileOutcome``):
the same outcome as scanning in this process."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from fingerprints import LeaktraceError, fingerprint_tree, open_store
from scanner.index import FingerprintIndex
from scanner.matcher import replaced
from scanner.runners import Processes, Ready, _batches
from scanner.scan import (
    BATCH_FILES,
    FIRST_FILES,
    TAIL_FILES,
    FileOutcome,
    ScanContext,
    _batched,
    _unbatched,
    scan_candidate,
    scan_candidates,
    scan_file,
)
from scanner.sources import CandidateFile, Limits, Unreadable
from scanner.targets import resolve
from scanner.thresholds import Thresholds
from scanner.verdict import Verdict
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
        assert replaced(item, **changes) == replace(item, **changes)
        assert replaced(item) == item


def test_batches_keep_order_ready_items_and_exceptions_in_place():
    """Files go to the pool in batches (at most ``most_items`` files or ``most_bytes`` bytes),
    the first of ``first`` files and each next one twice as large, the last ``tail`` one by
    one; a ``Ready`` item closes the batch before it and passes through; a file that raised
    raises at its place, after every outcome before it."""
    files = [CandidateFile(f"{n}.py", b"x = 1\n" + b"#" * 3, "python") for n in range(12)]
    big = CandidateFile("big.py", b"#" * 100, "python")
    last = [CandidateFile(f"last{n}.py", b"x = 1\n", "python") for n in range(2)]
    items = [*files[:3], Ready("memo"), *files[3:8], big, *files[8:], last[0], Ready("again"),
             last[1]]  # fmt: skip
    batches = _batches(items, most_items=4, most_bytes=100, tail=3, first=1)
    assert [b.value if isinstance(b, Ready) else [f.path for f in b] for b in batches] == [
        ["0.py"],  # the first batch: one file, then twice as many each time, up to 4
        ["1.py", "2.py"],
        [(True, "memo")],
        ["3.py", "4.py", "5.py", "6.py"],
        ["7.py", "big.py"],  # the bytes limit closes a batch at the file that reaches it
        ["8.py", "9.py", "10.py", "11.py"],
        ["last0.py"],  # the last 3 items (files or ready) one by one
        [(True, "again")],
        ["last1.py"],
    ]
    scanned = [CandidateFile(f"{n}.py", b"x = 1\n", "python") for n in range(4 * BATCH_FILES)]
    sizes = [len(b) for b in _batched(scanned)][:-TAIL_FILES]  # a scan's: from FIRST_FILES
    assert sizes[0] == FIRST_FILES and max(sizes) == BATCH_FILES
    results = [[(True, 1), (True, 2)], [(True, 3), (False, ValueError("bad")), (True, 5)]]
    got = []
    with pytest.raises(ValueError, match="bad"):
        for value in _unbatched(results):
            got.append(value)
    assert got == [1, 2, 3]


def test_a_pool_of_two_gives_the_serial_result(tree):
    """More files than a batch, repeated contents (passed as ready) and an unparsable file:
    two pool workers give the same outcome as this process."""
    files = {f"pkg/m{n}.py": PYTHON_RENAMED.replace("journal", f"journal{n % (BATCH_FILES + 4)}")
             for n in range(2 * BATCH_FILES + 3 + TAIL_FILES)}  # fmt: skip
    files["pkg/bad.py"] = "def (:\n" * 50
    candidate_root = tree("candidate", files)
    repo = tree("private", {"ledger/journal.py": PYTHON})
    store = open_store(str(repo.parent / "store.db"), create=True)
    fingerprint_tree(repo, store, name="acme")
    context = ScanContext(FingerprintIndex.from_store(store), store.params, Thresholds())
    limits = Limits()
    pool = Processes(2)
    try:
        serial = scan_candidate(resolve(str(candidate_root), limits, None), context)
        pooled = scan_candidate(resolve(str(candidate_root), limits, None), context, runner=pool)
    finally:
        pool.close()
        store.close()
    assert serial.match.pairs and serial.match.functions
    for name in ("verdict", "match", "checks", "reasons", "problems", "file_hashes", "excerpts"):
        assert getattr(pooled, name) == getattr(serial, name), name


def test_a_file_judged_from_its_tokens_is_judged_as_scan_file_judges_it(tree):
    """``scan_tokens`` (the parse ran elsewhere) gives ``scan_file``'s outcome: a verbatim
    copy, a renamed one and a file with no hit."""
    from fingerprints.fingerprinter import _tokens
    from scanner import scan

    repo = tree("private", {"ledger/journal.py": PYTHON})
    store = open_store(":memory:", create=True)
    fingerprint_tree(repo, store, name="acme")
    context = ScanContext(FingerprintIndex.from_store(store), store.params, Thresholds())
    unrelated = "def area(width, height):\n    return width * height\n" * 3
    for text, hit in ((PYTHON, True), (PYTHON_RENAMED, True), (unrelated, False)):
        file = CandidateFile("x.py", text.encode(), "python")
        judged = scan.scan_tokens(file, _tokens(file.data, "python", None), context)
        assert judged == scan_file(file, context)
        assert bool(judged.fragments) is hit
    store.close()


def _pipelined(tree, events: list[str], barrier: bool, runner=None):
    """Three local candidates through ``scan_candidates``, each taking and each verdict
    recorded in ``events`` (with a barrier before the third, when ``barrier``)."""
    repo = tree("private", {"ledger/journal.py": PYTHON})
    store = open_store(":memory:", create=True)
    fingerprint_tree(repo, store, name="acme")
    context = ScanContext(FingerprintIndex.from_store(store), store.params, Thresholds())
    folders = [tree(f"cand{i}", {"x.py": PYTHON_RENAMED, f"own{i}.py": f"n = {i}\n"})
               for i in range(3)]  # fmt: skip

    def candidates():
        for i, folder in enumerate(folders):
            if barrier and i == 2:
                yield None
            events.append(f"take {i}")
            yield resolve(str(folder), Limits())

    results = []
    for result in scan_candidates(candidates(), context, runner=runner):
        events.append(f"judged {len(results)}")
        results.append(result)
    store.close()
    return results


def test_the_next_candidate_is_read_while_the_one_before_is_judged_but_not_past_a_barrier(tree):
    """Candidates are one stream of files: the next is taken (and its files sent) before the one
    before has its verdict; a barrier (the scan puts one before what may wait on the network)
    lets every verdict before it out first. The verdicts are those of one at a time."""
    events: list[str] = []
    streamed = _pipelined(tree, events, barrier=False)
    assert events.index("take 1") < events.index("judged 0")
    assert events.index("take 2") < events.index("judged 1")
    events = []
    settled = _pipelined(tree, events, barrier=True)
    assert events.index("take 1") < events.index("judged 0")
    assert events.index("judged 1") < events.index("take 2")  # the barrier
    assert [r.verdict for r in streamed] == [r.verdict for r in settled]
    assert [r.match.matched_tokens for r in streamed] == [r.match.matched_tokens for r in settled]
    assert all(r.match.matched_tokens > 0 for r in streamed)


class _RefusedHalfway:
    """A candidate whose reading stops with a refusal after its first file."""

    target, kind, revision = "npm:refused@1.0.0", "npm", None

    def __init__(self) -> None:
        self.problems: list = []

    def iter_files(self):
        yield CandidateFile("copied.py", PYTHON_RENAMED.encode(), "python")
        raise LeaktraceError("npm:refused@1.0.0: 403 Forbidden")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_candidate_whose_reading_is_refused_is_judged_as_its_stand_in(tree, jobs):
    """In the stream, a candidate whose reading raised is judged as what ``on_failure`` makes of
    it (``incomplete``, with no evidence from the files read before the refusal), and the next
    candidate, which holds the same content, still gets its outcome; without ``on_failure``
    the error is raised, as ``scan_candidate`` always did."""
    repo = tree("private", {"ledger/journal.py": PYTHON})
    store = open_store(str(repo.parent / "store.db"), create=True)
    fingerprint_tree(repo, store, name="acme")
    context = ScanContext(FingerprintIndex.from_store(store), store.params, Thresholds())
    after = resolve(str(tree("after", {"x.py": PYTHON_RENAMED})), Limits())
    pool = Processes(2) if jobs == 2 else None
    try:
        judged = list(scan_candidates(
            [_RefusedHalfway(), after], context, runner=pool,
            on_failure=lambda c, exc: Unreadable(c.target, c.kind, str(exc))))  # fmt: skip
        with pytest.raises(LeaktraceError, match="403"):
            scan_candidate(_RefusedHalfway(), context, runner=pool)
        alone = scan_candidate(resolve(str(after.target), Limits()), context)
    finally:
        if pool is not None:
            pool.close()
        store.close()
    assert [r.verdict for r in judged] == [Verdict.INCOMPLETE, alone.verdict]
    assert judged[1].match == alone.match and alone.match.matched_tokens > 0
    assert not judged[0].match.pairs
    assert [p.message for p in judged[0].problems] == ["npm:refused@1.0.0: 403 Forbidden"]
