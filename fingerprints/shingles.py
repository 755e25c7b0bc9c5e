"""k-gram hashing and winnowing, vectorized.

``kgrams`` hashes every run of ``k`` consecutive tokens (a rolling polynomial over the 64-bit token
values, then a splitmix64 finalizer so that minima are spread evenly). ``winnow`` keeps, in every
window of ``w`` consecutive k-gram hashes, the rightmost minimal one: the selection depends only on
the window's content, so any run of ``k + w - 1`` tokens shared by two files selects the same
fingerprint in both (see ``FingerprintParams``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fingerprints import native
from fingerprints.normalize import Powers, TokenStream

_KGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)

#: One stored fingerprint: its hash, the hash of its exact tokens, its first token's index in the
#: file's normalized stream, and the lines it spans.
FINGERPRINT_DTYPE = np.dtype(
    [("hash", "<u8"), ("raw", "<u8"), ("pos", "<u4"), ("line_start", "<u4"), ("line_end", "<u4")]
)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def rolling_hash(values: np.ndarray, k: int) -> np.ndarray:
    """Hash of every window of ``k`` consecutive values (empty when fewer than ``k``).

    The polynomial ``sum(values[i + j] * B ** (k - 1 - j))`` (mod 2**64) of every window, then
    ``_mix``: rolled in C when the extension is there (``native.rolling_hash``), else as a
    difference of prefix sums: ``B`` is odd, so it has an inverse mod 2**64, and with
    ``S[m] = sum(values[t] * B ** -t for t < m)`` the window at ``i`` is
    ``(S[i + k] - S[i]) * B ** (k - 1 + i)``. A few passes over the array whatever ``k`` is
    (the window-by-window sum took ``k - 1`` multiply-adds a value).
    """
    count = values.shape[0] - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    if values.dtype == np.uint64 and values.flags.c_contiguous:
        out = np.empty(count, dtype=np.uint64)
        if native.rolling_hash(values, k, out):  # rolled in C, one pass
            return out
    powers, inverses = _powers(values.shape[0])  # k - 1 + count of them
    sums = np.empty(values.shape[0] + 1, dtype=np.uint64)
    sums[0] = 0
    np.multiply(values, inverses[: values.shape[0]], out=sums[1:])
    np.cumsum(sums[1:], out=sums[1:])  # uint64 wraps: arithmetic mod 2**64
    acc = sums[k:] - sums[:count]
    acc *= powers[k - 1 : k - 1 + count]
    return _mix(acc)


_powers = Powers(_KGRAM_BASE)


@dataclass(frozen=True, slots=True)
class KGrams:
    """Every k-gram of a token stream: position i covers tokens i .. i+k-1."""

    hashes: np.ndarray  # uint64, normalized
    raw: np.ndarray  # uint64, exact tokens
    line_start: np.ndarray  # uint32
    line_end: np.ndarray  # uint32

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    def select(self, positions: np.ndarray) -> np.ndarray:
        """The k-grams at ``positions`` as a FINGERPRINT_DTYPE array."""
        out = np.empty(positions.shape[0], dtype=FINGERPRINT_DTYPE)
        out["hash"] = self.hashes[positions]
        out["raw"] = self.raw[positions]
        out["pos"] = positions
        out["line_start"] = self.line_start[positions]
        out["line_end"] = self.line_end[positions]
        return out


def kgrams(tokens: TokenStream, k: int) -> KGrams:
    """All k-grams of a token stream, with the lines each one spans."""
    hashes = rolling_hash(tokens.values, k)
    count = hashes.shape[0]
    return KGrams(
        hashes=hashes,
        raw=rolling_hash(tokens.raw, k),
        line_start=tokens.line_start[:count],
        line_end=tokens.line_end[k - 1 : k - 1 + count] if count else tokens.line_end[:0],
    )


def winnow(hashes: np.ndarray, w: int) -> np.ndarray:
    """Positions selected by winnowing with window ``w`` (sorted, unique).

    A sequence shorter than one window still yields its rightmost minimum, so a short file that is
    at least ``k`` tokens long has at least one fingerprint.
    """
    count = hashes.shape[0]
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if count <= w:
        return np.array([count - 1 - int(np.argmin(hashes[::-1]))], dtype=np.int64)
    windows = sliding_window_view(hashes, w)
    rightmost = w - 1 - np.argmin(windows[:, ::-1], axis=1)
    return np.unique(np.arange(windows.shape[0]) + rightmost)


def winnowed(tokens: TokenStream, k: int, w: int) -> np.ndarray:
    """``kgrams(tokens, k).select(winnow(..., w))``: a file's stored fingerprints (natively in
    one call when the extension is there: ``native.select``)."""
    found = native.select(tokens.values, tokens.raw, tokens.line_start, tokens.line_end, k, w)
    if found is not None:
        return np.frombuffer(found, dtype=FINGERPRINT_DTYPE)
    grams = kgrams(tokens, k)
    return grams.select(winnow(grams.hashes, w))


def distinct_kinds(values: np.ndarray, positions: np.ndarray, k: int) -> np.ndarray:
    """How many distinct token values the k-gram at each of ``positions`` holds."""
    if positions.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    windows = np.sort(values[positions[:, None] + np.arange(k)], axis=1)
    return 1 + np.count_nonzero(np.diff(windows, axis=1), axis=1)


def covered_tokens(positions: np.ndarray, k: int, length: int) -> int:
    """Tokens covered by k-grams starting at ``positions`` in a stream of ``length`` tokens."""
    if positions.shape[0] == 0:
        return 0
    marks = np.zeros(length + 1, dtype=np.int32)
    np.add.at(marks, positions, 1)
    np.add.at(marks, np.minimum(positions + k, length), -1)
    return int(np.count_nonzero(np.cumsum(marks)[:length]))
