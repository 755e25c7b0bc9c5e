"""Sorted keys, each with a value, packed into fixed-width records under a bucket table.

The index's two lookup tables (fingerprint hash -> place among the files' fingerprints, feature
hash -> private function) are the same structure: sorted unsigned keys of ``key_bits`` (64 or
32), a value each, looked up by key. A table of ``2**bits + 1`` offsets says where the keys whose
top ``bits`` bits equal ``b`` start, so a record need not repeat those bits: it holds the *rest*
of its key (the ``key_bits - bits`` bits below them) and its value (``value_bits``, the fewest
that hold the largest value), as the integer ``rest << value_bits | value`` in the fewest whole
bytes, little-endian. For fingerprints that is 9 bytes where a 64-bit hash and a 32-bit place
took 12; for features 4 where a 32-bit hash and a 32-bit function took 8. Nothing is lost: a
key is its bucket's bits and its rest, so every lookup answers exactly what a search of the
plain sorted keys answers.

A lookup (``ranges``) goes one of three ways, all exact: a small table (``WHOLE_KEYS``) keeps
its keys decoded with a filter that answers most absent keys without a search; in a larger one,
keys mostly repeated (a generated file's k-grams) are taken once each, and a lookup of many keys
into few buckets reads those buckets whole and searches them; else each key's bucket is
bisected, all keys at once (vectorized), decoding only the records it touches. ``entries``
decodes a range (an update reading an old table back in order).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

_U64 = np.uint64
SCAN_RECORDS = 8
"""A lookup reads every record of the buckets its keys fall in when they hold at most this many
records per distinct key (a bisection reads about log2 of a bucket's size per key, in as many
rounds of vectorized work); else it bisects."""
WHOLE_KEYS = 1 << 18
"""A table of at most this many records keeps its keys decoded (8 bytes each) and a filter
(``SLOTS`` to twice as many bytes each): 10 MiB at most, so that a lookup is a filter and two
searches."""
SLOTS = 16
DISTINCT_SHARE = 8
"""Keys of which at most one in this many is distinct are looked up once each (finding where
each is among the few distinct ones costs less than a lookup; else it costs more)."""


def _mask(bits: int) -> np.uint64:
    return _U64((1 << bits) - 1)


def _shl(values: np.ndarray, bits: int, out: np.ndarray | None = None) -> np.ndarray:
    """``values << bits`` on uint64 (into ``out``), 0 from 64 bits on (numpy leaves that to the
    C compiler)."""
    if bits >= 64:
        return np.zeros_like(values) if out is None else np.multiply(out, 0, out=out)
    return np.left_shift(values, _U64(bits), out=out)


def _shr(values: np.ndarray, bits: int, out: np.ndarray | None = None) -> np.ndarray:
    if bits >= 64:
        return np.zeros_like(values) if out is None else np.multiply(out, 0, out=out)
    return np.right_shift(values, _U64(bits), out=out)


def record_width(key_bits: int, bits: int, value_bits: int) -> int:
    """Bytes per record: the key's rest and the value, rounded up to whole bytes (at least 1)."""
    return max(1, -(-(key_bits - bits + value_bits) // 8))


def _field(raw: np.ndarray, width: int, start: int, size: int) -> np.ndarray:
    """A view (or, for an odd size, a copy) of bytes ``start:start + size`` of every record of
    ``width`` bytes in ``raw`` (flat uint8), as little-endian unsigned integers."""
    count = raw.shape[0] // width
    if not count:
        return np.zeros(0, dtype=f"<u{size}" if size in (1, 2, 4, 8) else "<u8")
    if size in (1, 2, 4, 8):  # read in place, one strided view
        return np.ndarray((count,), f"<u{size}", raw, start, (width,))
    padded = np.zeros((count, 8), dtype=np.uint8)
    padded[:, :size] = raw.reshape(count, width)[:, start : start + size]
    return padded.view("<u8").reshape(count)


def _put(raw: np.ndarray, width: int, start: int, size: int, values: np.ndarray) -> None:
    """Write ``values`` into bytes ``start:start + size`` of every record (see ``_field``)."""
    if size in (1, 2, 4, 8):
        _field(raw, width, start, size)[:] = values
        return
    count = raw.shape[0] // width
    data = values.astype("<u8").view(np.uint8).reshape(count, 8)[:, :size]
    raw.reshape(count, width)[:, start : start + size] = data


def encode(keys: np.ndarray, values: np.ndarray, key_bits: int, bits: int,
           value_bits: int) -> np.ndarray:  # fmt: skip
    """The records of ``keys`` (their top ``bits`` bits dropped) and ``values``: a void array
    of ``record_width`` bytes per record."""
    rest = keys.astype(_U64)  # a copy, changed in place below
    rest &= _mask(key_bits - bits)
    width = record_width(key_bits, bits, value_bits)
    raw = np.zeros(keys.shape[0] * width, dtype=np.uint8)
    low = _shl(rest, value_bits)
    low |= values.astype(_U64, copy=False)
    _put(raw, width, 0, min(width, 8), low)
    if width > 8:
        _put(raw, width, 8, width - 8, _shr(rest, 64 - value_bits, out=rest))
    return raw.view(f"V{width}")


def _low(records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``records`` as flat bytes, and the first (up to) 8 bytes of each as uint64 (a copy)."""
    width = records.dtype.itemsize
    raw = np.ascontiguousarray(records).view(np.uint8).reshape(-1)
    return raw, _field(raw, width, 0, min(width, 8)).astype(_U64)


def decode_values(records: np.ndarray, value_bits: int) -> np.ndarray:
    """The values of ``records`` (uint64 each), without their keys' rests (``decode``)."""
    values = _low(records)[1]
    values &= _mask(value_bits)
    return values


def decode(records: np.ndarray, value_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(rests, values) of ``records`` (uint64 each)."""
    width = records.dtype.itemsize
    raw, low = _low(records)
    values = low & _mask(value_bits)
    rests = _shr(low, value_bits, out=low)
    if width > 8:
        high = _field(raw, width, 8, width - 8).astype(_U64)
        rests |= _shl(high, 64 - value_bits, out=high)
    return rests, values


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, sorted (``np.unique``, without its checks and copies)."""
    ordered = np.sort(values)
    if ordered.shape[0] < 2:
        return ordered
    first = np.empty(ordered.shape[0], dtype=bool)  # where each distinct value starts
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def within(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is one of ``ordered`` (sorted): ``np.isin`` without the
    ``np.unique`` it may call, which imports ``numpy.ma`` (12 ms of CPU, in each of a scan's
    pool workers, or in the calling process before the pool had work)."""
    if not ordered.shape[0]:
        return np.zeros(values.shape, dtype=bool)
    at = np.minimum(np.searchsorted(ordered, values), ordered.shape[0] - 1)
    return ordered[at] == values


def expand_runs(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Runs of consecutive integers, one run per ``(start, count)``, joined:
    ``starts[i], starts[i] + 1, ..., starts[i] + counts[i] - 1`` for each ``i`` in turn."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    firsts = np.cumsum(counts) - counts  # where each run begins in the result
    return np.repeat(np.asarray(starts, dtype=np.int64), counts) + (
        np.arange(total, dtype=np.int64) - np.repeat(firsts, counts)
    )


def bucket_counts(keys: np.ndarray, key_bits: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The buckets from the first to the last of sorted ``keys`` and how many keys fall in
    each: the buckets' bounds looked up among the keys, whatever the number of buckets of the
    table (counting into ``2**bits`` counts per call would cost more than the keys in a large
    index)."""
    if not keys.shape[0]:
        return np.zeros(0, np.intp), np.zeros(0, np.int64)
    shift = key_bits - bits
    first, last = int(keys[0]) >> shift, int(keys[-1]) >> shift
    bounds = np.arange(first + 1, last + 1, dtype=_U64)
    inner = np.searchsorted(keys.astype(_U64, copy=False), _shl(bounds, shift, out=bounds))
    sizes = np.diff(np.concatenate(([0], inner, [keys.shape[0]])))
    return np.arange(first, last + 1, dtype=np.intp), sizes


def offsets_of(counts: np.ndarray) -> np.ndarray:
    """The bucket table (``2**bits + 1`` offsets) of per-bucket ``counts``."""
    offsets = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def offset_dtype(size: int) -> str:
    return "<u4" if size < 2**32 else "<u8"


_SPREAD = _U64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: spreads any keys over the slots


@dataclass(frozen=True)
class _Decoded:
    """A small table's keys, decoded, with a filter: a slot per ``SLOTS`` keys or more, set
    where a key falls (its multiplicative hash), so that a key whose slot is clear, as most
    keys looked up are, is known absent without a search."""

    keys: np.ndarray  # uint64, sorted
    present: np.ndarray  # bool per slot
    shift: int  # a key's slot: the top bits of key * _SPREAD

    @classmethod
    def of(cls, keys: np.ndarray) -> _Decoded:
        bits = min(63, max(8, (SLOTS * keys.shape[0]).bit_length()))
        present = np.zeros(1 << bits, dtype=bool)
        present[(keys * _SPREAD) >> _U64(64 - bits)] = True
        return cls(keys, present, 64 - bits)

    def ranges(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``PackedTable.ranges`` of ``keys`` (uint64)."""
        lo = np.zeros(keys.shape[0], dtype=np.intp)
        hi = np.zeros(keys.shape[0], dtype=np.intp)
        maybe = np.flatnonzero(self.present[(keys * _SPREAD) >> _U64(self.shift)])
        if maybe.shape[0]:
            lo[maybe] = np.searchsorted(self.keys, keys[maybe], side="left")
            hi[maybe] = np.searchsorted(self.keys, keys[maybe], side="right")
        return lo, hi


@dataclass(frozen=True)
class PackedTable:
    """Sorted keys and their values (see the module docstring); ``offsets`` and ``records``
    may be memory-mapped."""

    key_bits: int
    bits: int
    value_bits: int
    offsets: np.ndarray  # 2**bits + 1: where each bucket starts
    records: np.ndarray  # void, record_width bytes each

    def __len__(self) -> int:
        return int(self.records.shape[0])

    @classmethod
    def build(cls, keys: np.ndarray, values: np.ndarray, key_bits: int, bits: int,
              value_bits: int) -> PackedTable:  # fmt: skip
        """The table of ``keys`` and ``values`` in memory, sorted by key (stable: equal keys
        keep their order)."""
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        counts = np.zeros(1 << bits, dtype=np.int64)
        buckets, sizes = bucket_counts(keys, key_bits, bits)
        counts[buckets] = sizes
        offsets = offsets_of(counts).astype(offset_dtype(keys.shape[0]))
        return cls(key_bits, bits, value_bits, offsets,
                   encode(keys, values[order], key_bits, bits, value_bits))  # fmt: skip

    def _bucket(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bucket, rest) of each key."""
        keys = keys.astype(_U64, copy=False)
        rest_bits = self.key_bits - self.bits
        return _shr(keys, rest_bits).astype(np.intp), keys & _mask(rest_bits)

    def _plain(self) -> np.ndarray:
        """The records; a memory-mapped table's indexed as a plain array (numpy's memmap
        subclass costs more per lookup than the records it reads)."""
        records = self.records
        return records if type(records) is np.ndarray else records.view(np.ndarray)

    def _rests(self, at: np.ndarray) -> np.ndarray:
        """The rests of the keys of records ``at``."""
        return decode(self._plain()[at], self.value_bits)[0]

    def _bisect(self, want: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                right: bool) -> np.ndarray:  # fmt: skip
        """Where each rest ``want`` goes in records ``[lo, hi)`` (sorted rests of one bucket):
        before its equals (after them, with ``right``). ``lo`` is changed in place."""
        active = np.flatnonzero(lo < hi)
        while active.shape[0]:  # bisect every open range at once
            mid = (lo[active] + hi[active]) >> 1
            stored = self._rests(mid)
            below = stored <= want[active] if right else stored < want[active]
            lo[active[below]] = mid[below] + 1
            hi[active[~below]] = mid[~below]
            active = active[lo[active] < hi[active]]
        return lo

    def bounds(self, keys: np.ndarray, right: bool = False) -> np.ndarray:
        """Where each key would go among the sorted keys: before its equals (after them, with
        ``right``), bisecting inside its bucket."""
        bucket, want = self._bucket(keys)
        lo = self.offsets[bucket].astype(np.intp)
        return self._bisect(want, lo, self.offsets[bucket + 1].astype(np.intp), right)

    def ranges(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key, the [lo, hi) range of records holding it (an absent key's is empty,
        lo == hi, at no particular place). A small table keeps its keys decoded and looks
        each key up as it comes (sorting a file's 50,000 k-grams to take its repeated ones
        once cost 2 to 3 times the lookup of all of them there). In a larger table keys
        mostly repeated (a generated file's k-grams) are looked up once each. The records of
        the buckets the keys fall in are read all at once when they are few for so many keys
        (a small table, or many keys), else each key is bisected inside its bucket."""
        if not len(self) or not keys.shape[0]:
            empty = np.zeros(keys.shape[0], dtype=np.intp)
            return empty, empty.copy()
        keys = keys.astype(_U64, copy=False)
        whole = self._whole
        if whole is not None:  # a filter and a search of the few keys it lets through: each
            # key costs less than sorting it would, repeated or not
            return whole.ranges(keys)
        inverse = None
        sample = keys[:: max(1, keys.shape[0] // 1024)]  # sorting all of them may not pay
        if distinct(sample).shape[0] * DISTINCT_SHARE <= sample.shape[0]:
            unique = distinct(keys)  # mostly repeated (a generated file's k-grams): each once
            keys, inverse = unique, np.searchsorted(unique, keys)
        if len(self) <= SCAN_RECORDS * keys.shape[0] and self._few_records(
            touched := self._touched(keys), keys.shape[0]
        ):
            if inverse is None:  # searched in order: numpy's search goes on from the last
                inverse = np.empty(keys.shape[0], dtype=np.intp)
                order = np.argsort(keys)
                inverse[order] = np.arange(keys.shape[0])
                keys = keys[order]
            lo, hi = self._scanned(keys, touched)
        else:
            lo, hi = self._bisected(*self._bucket(keys))
        return (lo, hi) if inverse is None else (lo[inverse], hi[inverse])

    def _touched(self, keys: np.ndarray) -> np.ndarray:
        """The buckets ``keys`` fall in, sorted and distinct."""
        return distinct(_shr(keys, self.key_bits - self.bits).astype(np.intp))

    def _few_records(self, touched: np.ndarray, keys: int) -> bool:
        """Whether the buckets ``touched`` (``_touched``) of ``keys`` keys hold at most
        ``SCAN_RECORDS`` records per key."""
        records = int((self.offsets[touched + 1] - self.offsets[touched]).sum())
        return records <= SCAN_RECORDS * keys

    @functools.cached_property
    def _whole(self) -> _Decoded | None:
        """Every key, decoded once, when the table is small (``WHOLE_KEYS``); None for a
        larger table (its records are read where a lookup needs them)."""
        if len(self) > WHOLE_KEYS:
            return None
        counts = np.diff(np.asarray(self.offsets, dtype=np.int64))
        keys = _shl(np.repeat(np.arange(counts.shape[0], dtype=_U64), counts),
                    self.key_bits - self.bits)  # fmt: skip
        keys |= self._rests(np.arange(len(self)))
        return _Decoded.of(keys)

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the decoded keys (the receiver decodes them if it needs them)."""
        return {k: v for k, v in self.__dict__.items() if k != "_whole"}

    def _scanned(self, keys: np.ndarray,
                 touched: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """``ranges`` of sorted ``keys`` from every record of the buckets they fall in
        (``touched``, when the caller has them), decoded at once."""
        bucket = _shr(keys, self.key_bits - self.bits).astype(np.intp)
        touched = self._touched(keys) if touched is None else touched
        first = self.offsets[touched].astype(np.int64)
        sizes = self.offsets[touched + 1].astype(np.int64) - first
        rank = np.searchsorted(touched, bucket)
        at = expand_runs(first, sizes)  # the touched buckets' records, in order
        stored = _shl(np.repeat(touched.astype(_U64), sizes), self.key_bits - self.bits)
        stored |= self._rests(at)  # their whole keys, sorted
        # a key falls among its own bucket's records: from there, its place in the table
        shift = (first - (np.cumsum(sizes) - sizes))[rank]
        lo = np.searchsorted(stored, keys, side="left") + shift
        hi = np.searchsorted(stored, keys, side="right") + shift
        return lo.astype(np.intp), hi.astype(np.intp)

    def _bisected(self, bucket: np.ndarray,
                  want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """``ranges`` of keys (``bucket`` and rest ``want`` each) by bisecting in each bucket,
        the end only for the keys present, from their start."""
        end = self.offsets[bucket + 1].astype(np.intp)
        lo = self._bisect(want, self.offsets[bucket].astype(np.intp), end.copy(), right=False)
        hi = lo.copy()
        inside = np.flatnonzero(lo < end)
        found = inside[self._rests(lo[inside]) == want[inside]]
        if found.shape[0]:  # the run of equal keys starts at lo: its end is after it
            hi[found] = self._bisect(want[found], lo[found] + 1, end[found], right=True)
        return lo, hi

    def values(self, at: np.ndarray) -> np.ndarray:
        """The value of each record ``at`` (int64): the keys' rests are not decoded. Values are
        non-negative int64 (``build``), so they fit below bit 63 and are viewed, not copied."""
        return decode_values(self._plain()[at], self.value_bits).view(np.int64)

    def entries(self, start: int, records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(keys, values) of ``records``, this table's records from ``start`` on (read by the
        caller: a pass over a whole table need not go through a map)."""
        rests, values = decode(records, self.value_bits)
        stop = start + records.shape[0]
        if stop == start:
            return rests, values
        # the buckets of records start:stop, from the table's offsets around them
        first = int(np.searchsorted(self.offsets, start, side="right")) - 1
        last = int(np.searchsorted(self.offsets, stop, side="left"))
        bounds = np.clip(np.asarray(self.offsets[first : last + 1], dtype=np.int64), start, stop)
        keys = np.repeat(np.arange(first, last, dtype=_U64), np.diff(bounds))
        _shl(keys, self.key_bits - self.bits, out=keys)
        keys |= rests
        return keys, values
