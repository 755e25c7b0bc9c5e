from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fingerprints import FingerprintParams, minhash, native, rolling_hash, winnow
from fingerprints.shingles import _KGRAM_BASE, _mix
from fingerprints.signature import from_bytes, to_bytes

U64 = st.integers(min_value=1, max_value=2**64 - 1)


def test_rolling_hash_depends_only_on_the_window():
    values = np.array([5, 6, 7, 8, 5, 6, 7, 8, 9], dtype=np.uint64)
    hashes = rolling_hash(values, 4)
    assert hashes.shape[0] == 6
    assert hashes[0] == hashes[4]
    assert len(set(hashes[:4].tolist())) == 4
    assert rolling_hash(values[:3], 4).shape[0] == 0


def window_by_window(values: np.ndarray, k: int) -> np.ndarray:
    """``rolling_hash`` as it was first written: each window's polynomial, term by term."""
    count = values.shape[0] - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    acc = values[:count].copy()
    for offset in range(1, k):
        acc *= _KGRAM_BASE
        acc += values[offset : offset + count]
    return _mix(acc)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(0, 2**64 - 1), max_size=200), k=st.integers(1, 40))
def test_rolling_hash_natively_and_as_prefix_sums_is_the_window_by_window_sum(values, k):
    array = np.array(values, dtype=np.uint64)  # empty, shorter than k, exactly k, longer
    expected = window_by_window(array, k)
    assert np.array_equal(rolling_hash(array, k), expected)  # in C when built
    assert np.array_equal(rolling_hash(np.repeat(array, 2)[::2], k), expected)  # strided: numpy
    with native.disabled():
        assert np.array_equal(rolling_hash(array, k), expected)


def test_rolling_hash_of_long_streams_past_the_kept_powers():
    rng = np.random.default_rng(12)
    for length in (30_000, (1 << 20) + 7):  # the second computes its own powers
        array = rng.integers(0, 2**64, length, dtype=np.uint64)
        for k in (20, 1):
            expected = window_by_window(array, k)
            assert np.array_equal(rolling_hash(array, k), expected)
            with native.disabled():
                assert np.array_equal(rolling_hash(array, k), expected)


def test_winnow_picks_rightmost_minimum_in_each_window():
    hashes = np.array(
        [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98], dtype=np.uint64
    )  # Schleimer et al.'s example, w = 4
    assert winnow(hashes, 4).tolist() == [3, 6, 8, 11, 15]


def test_short_sequences_keep_one_fingerprint():
    assert winnow(np.array([9, 3, 3], dtype=np.uint64), 5).tolist() == [2]
    assert winnow(np.zeros(0, dtype=np.uint64), 5).tolist() == []


@settings(max_examples=150, deadline=None)
@given(
    k=st.integers(3, 12),
    w=st.integers(1, 12),
    left=st.lists(U64, max_size=60),
    right=st.lists(U64, max_size=60),
    shared=st.lists(U64, min_size=1, max_size=80),
    extra=st.integers(0, 10),
    data=st.data(),
)
def test_winnowing_guarantee(k, w, left, right, shared, extra, data):
    """Any run of at least k + w - 1 shared tokens yields a common fingerprint."""
    need = k + w - 1 + extra
    if len(shared) < need:
        shared = shared + data.draw(
            st.lists(U64, min_size=need - len(shared), max_size=need - len(shared))
        )
    a = np.array(left + shared + right, dtype=np.uint64)
    b = np.array(right[::-1] + shared + left[::-1], dtype=np.uint64)
    ha, hb = rolling_hash(a, k), rolling_hash(b, k)
    common = set(ha[winnow(ha, w)].tolist()) & set(hb[winnow(hb, w)].tolist())
    assert common


@settings(max_examples=40, deadline=None)
@given(st.lists(U64, min_size=30, max_size=400), st.integers(2, 20))
def test_winnow_density_and_order(values, w):
    hashes = rolling_hash(np.array(values, dtype=np.uint64), 5)
    positions = winnow(hashes, w)
    assert np.all(np.diff(positions) > 0)
    # Every window of w hashes holds a selected position.
    assert np.all(np.diff(np.concatenate(([-1], positions, [len(hashes)]))) <= w)


def test_minhash_signature_round_trip_and_similarity():
    rng = np.random.default_rng(7)
    a = rng.integers(1, 2**63, size=2000, dtype=np.uint64)
    b = np.concatenate([a[:1500], rng.integers(1, 2**63, size=500, dtype=np.uint64)])
    params = FingerprintParams()
    sa, sb = minhash(a, params.num_perm, params.seed), minhash(b, params.num_perm, params.seed)
    assert from_bytes(to_bytes(sa)).jaccard(sa) == 1.0
    assert abs(sa.jaccard(sb) - 1500 / 2500) < 0.12


def test_params_are_validated_by_name():
    import pytest

    from fingerprints import ConfigError

    with pytest.raises(ConfigError, match=r"^k:"):
        FingerprintParams(k=1)
    assert FingerprintParams().guarantee == 31


def test_signature_bytes_are_datasketchs_own_without_importing_it():
    from fingerprints.signature import signature_bytes

    rng = np.random.default_rng(11)
    sets = [np.zeros(0, np.uint64), np.array([0, 2**64 - 1], np.uint64),
            rng.integers(0, 2**64 - 1, size=9000, dtype=np.uint64, endpoint=True)]  # fmt: skip
    sets.append(np.concatenate([sets[2][:50], sets[2][:50]]))  # repeated hashes count once
    for hashes in sets:  # 13 and 133: the native minima's lanes of 8 and a rest
        for num_perm, seed in ((128, 1), (16, 7), (13, 3), (133, 5)):
            expected = to_bytes(minhash(hashes, num_perm, seed))
            assert signature_bytes(hashes, num_perm, seed) == expected
            with native.disabled():  # the Python path too
                assert signature_bytes(hashes, num_perm, seed) == expected


def test_minhash_permutations_are_numpys_random_state_draws():
    """``_permutations`` draws from MT19937 as ``np.random.RandomState(seed)`` does, without
    importing ``numpy.random``: the same arrays for any seed, past the generator's 624-word
    state too, and the same refusal of a seed out of range."""
    import pytest

    from fingerprints.signature import _permutations

    for seed in (0, 1, 7, 12345, 2**31, 2**32 - 1):
        for num_perm in (1, 16, 128, 700):
            generator = np.random.RandomState(seed)
            a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + 1
            b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
            mine = _permutations.__wrapped__(num_perm, seed)
            assert [x.dtype for x in mine] == [a.dtype, b.dtype]
            assert np.array_equal(mine[0], a) and np.array_equal(mine[1], b)
    for seed in (-1, 2**32):
        with pytest.raises(ValueError):
            np.random.RandomState(seed)
        with pytest.raises(ValueError, match="Seed must be between 0 and 2\\*\\*32 - 1"):
            _permutations.__wrapped__(16, seed)


def test_native_rolling_hash_refuses_an_output_of_another_length():
    assert native.active()  # built at install (tests/test_native.py says so when it is not)
    values = np.arange(10, dtype=np.uint64)
    for k, out in ((4, np.empty(6, np.uint64)), (0, np.empty(11, np.uint64)),
                   (11, np.empty(0, np.uint64))):  # fmt: skip
        with pytest.raises(ValueError, match="k below 1"):
            native.rolling_hash(values, k, out)
    out = np.empty(7, np.uint64)
    assert native.rolling_hash(values, 4, out)
    assert np.array_equal(out, window_by_window(values, 4))
