"""The index's packed tables (``scanner/packed.py``): the feature table's 32-bit keys and
function numbers, in records of 4 bytes, answer every lookup as a binary search over the plain
sorted keys does, and give back every key and value, whatever the sizes."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import packed
from scanner.packed import PackedTable, decode, distinct, encode, expand_runs, record_width
from scanner.structural import feature_layout


def assert_found_as_by_binary_search(ranges: tuple[np.ndarray, np.ndarray], plain: np.ndarray,
                                     queries: np.ndarray) -> None:  # fmt: skip
    """``ranges`` (lo, hi per query) are what two binary searches over ``plain`` (the sorted
    keys) give: the same length, starting at the same place where the key is present."""
    lo, hi = ranges
    assert np.array_equal(hi - lo, np.searchsorted(plain, queries, "right")
                          - np.searchsorted(plain, queries, "left"))  # fmt: skip
    present = hi > lo
    assert np.array_equal(lo[present], np.searchsorted(plain, queries[present], "left"))


@settings(max_examples=80, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**32 - 1), max_size=300),
    functions=st.integers(1, 5000),
    extra=st.lists(st.integers(0, 2**32 - 1), max_size=100),
    seed=st.integers(0, 2**16),
)
def test_the_feature_table_answers_as_a_binary_search(keys, functions, extra, seed):
    rng = np.random.default_rng(seed)
    hashes = np.array(keys + keys[: len(keys) // 3], dtype=np.uint32)  # some repeated
    owners = np.sort(rng.integers(0, functions, size=hashes.shape[0]))
    table = PackedTable.build(hashes, owners, *feature_layout(functions))
    assert table.records.dtype.itemsize == record_width(*feature_layout(functions)) <= 4
    order = np.argsort(hashes, kind="stable")
    plain = hashes[order]
    queries = np.array(keys[:40] + extra + [0, 2**32 - 1], dtype=np.uint32)
    assert_found_as_by_binary_search(table.ranges(queries), plain, queries)
    start = hashes.shape[0] // 2  # decoded from the middle on, as an update reads a chunk
    got, values = table.entries(start, table.records[start:])
    assert np.array_equal(got, plain[start:]) and np.array_equal(values, owners[order][start:])
    assert np.array_equal(table.values(np.arange(hashes.shape[0])), owners[order])


@pytest.mark.parametrize("value_bits", [0, 4, 20])
def test_an_empty_table_finds_nothing(value_bits):
    table = PackedTable.build(np.zeros(0, np.uint64), np.zeros(0, np.int64), 64, 0, value_bits)
    lo, hi = table.ranges(np.array([0, 5, 2**64 - 1], dtype=np.uint64))
    assert not (hi - lo).any() and len(table) == 0
    keys, values = table.entries(0, table.records[:0])
    assert keys.shape == values.shape == (0,)


@pytest.mark.parametrize("key_bits", [32, 64])
@pytest.mark.parametrize("bits", [0, 3, 16, 20])
@pytest.mark.parametrize("value_bits", [0, 1, 13, 31, 40])
def test_records_of_every_width_give_back_their_keys_and_values(key_bits, bits, value_bits):
    rng = np.random.default_rng(key_bits + bits + value_bits)
    keys = rng.integers(0, 2**key_bits, size=300, dtype=np.uint64)
    values = rng.integers(0, 2**value_bits, size=300, dtype=np.uint64)
    records = encode(keys, values, key_bits, bits, value_bits)
    assert records.dtype.itemsize == record_width(key_bits, bits, value_bits)
    rests, got = decode(records, value_bits)
    assert np.array_equal(rests, keys & np.uint64((1 << (key_bits - bits)) - 1))
    assert np.array_equal(got, values)


@settings(max_examples=60, deadline=None)
@given(runs=st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 7)), max_size=40))
def test_runs_expand_to_consecutive_integers(runs):
    starts = np.array([s for s, _ in runs], dtype=np.int64)
    counts = np.array([n for _, n in runs], dtype=np.int64)
    expected = [s + i for s, n in runs for i in range(n)]
    assert expand_runs(starts, counts).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 2**64 - 1), max_size=200), repeats=st.integers(1, 12))
def test_distinct_values_as_numpy_unique(values, repeats):
    array = np.array(values * repeats, dtype=np.uint64)
    assert np.array_equal(distinct(array), np.unique(array))


def test_a_memory_mapped_table_answers_as_one_in_memory(tmp_path):
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**64 - 1, size=5000, dtype=np.uint64)
    keys = np.concatenate([keys, keys[:700], keys[:50]])  # runs of equal keys
    table = PackedTable.build(keys, np.arange(keys.shape[0]), 64, 9, 13)
    path = tmp_path / "records"
    table.records.view(np.uint8).tofile(path)
    mapped = np.memmap(path, dtype=table.records.dtype, mode="r")
    on_disk = PackedTable(64, 9, 13, table.offsets, mapped)
    queries = np.concatenate([keys[::7], keys[:60], rng.integers(0, 2**64 - 1, 500, np.uint64)])
    assert_found_as_by_binary_search(on_disk.ranges(queries), np.sort(keys), queries)
    lo, hi = on_disk.ranges(queries)
    assert np.array_equal(lo, table.ranges(queries)[0]) and int((hi - lo).max()) == 3
    repeated = np.tile(np.concatenate([keys[:10], queries[-10:]]), 50)  # each distinct once
    assert_found_as_by_binary_search(on_disk.ranges(repeated), np.sort(keys), repeated)
    lo, hi = on_disk.ranges(repeated)
    assert np.array_equal(lo, table.ranges(repeated)[0]) and np.array_equal(
        hi[:10] - lo[:10], [3] * 10
    )


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**64 - 1), max_size=300),
    repeats=st.integers(0, 40),
    bits=st.integers(0, 12),
    extra=st.lists(st.integers(0, 2**64 - 1), max_size=60),
)
def test_reading_whole_buckets_and_bisecting_answer_alike(keys, repeats, bits, extra):
    """Both ways ``ranges`` may take (every record of the buckets the keys fall in, or a
    bisection in each key's bucket) give the same ranges, present or absent, whichever it
    picks."""
    hashes = np.array(keys + keys[:1] * repeats, dtype=np.uint64)  # one long run of a key
    table = PackedTable.build(hashes, np.arange(hashes.shape[0]), 64, bits, 9)
    queries = np.sort(np.array(keys[:30] + extra + [0, 2**64 - 1] + keys[:5] * 20, np.uint64))
    scanned, bisected = table._scanned(queries), table._bisected(*table._bucket(queries))
    assert np.array_equal(scanned[0], bisected[0]) and np.array_equal(scanned[1], bisected[1])
    if len(table):
        assert_found_as_by_binary_search(table.ranges(queries), np.sort(hashes), queries)


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=300),
    bits=st.integers(0, 10),
    repeats=st.integers(1, 30),
    extra=st.lists(st.integers(0, 2**64 - 1), max_size=60),
)
def test_a_small_table_decoded_once_answers_as_one_read_where_needed(keys, bits, repeats,
                                                                     extra):  # fmt: skip
    """A table small enough keeps its keys decoded; a larger one reads records per lookup
    (by whole buckets or by bisection): the same ranges, repeated keys or not (an absent key's
    is empty wherever it is)."""
    hashes = np.array(keys + keys[:3] * 4, dtype=np.uint64)
    queries = np.array((keys[:20] + extra) * repeats + [0, 2**64 - 1], dtype=np.uint64)
    small = PackedTable.build(hashes, np.arange(hashes.shape[0]), 64, bits, 9)
    assert small._whole is not None
    expected = small.ranges(queries)
    assert_found_as_by_binary_search(expected, np.sort(hashes), queries)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(packed, "WHOLE_KEYS", 0)
        large = PackedTable.build(hashes, np.arange(hashes.shape[0]), 64, bits, 9)
        got = large.ranges(queries)
        assert large._whole is None
    present = expected[1] > expected[0]
    assert np.array_equal(got[1] - got[0], expected[1] - expected[0])
    assert np.array_equal(got[0][present], expected[0][present])


def test_a_table_sent_elsewhere_leaves_its_decoded_keys_behind():
    keys = np.random.default_rng(5).integers(0, 2**64 - 1, size=3000, dtype=np.uint64)
    table = PackedTable.build(keys, np.arange(keys.shape[0]), 64, 8, 12)
    queries = np.concatenate([keys[:100], keys[:100] + np.uint64(1)])
    lo, hi = table.ranges(queries)
    assert "_whole" in table.__dict__  # decoded by the lookup
    sent = pickle.loads(pickle.dumps(table))
    assert "_whole" not in sent.__dict__
    got = sent.ranges(queries)
    assert np.array_equal(got[0], lo) and np.array_equal(got[1], hi)
    assert (hi - lo)[:100].tolist() == [1] * 100 and not (hi - lo)[100:].any()
