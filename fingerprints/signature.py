"""MinHash signatures of fingerprint sets, with datasketch.

A file's signature is the MinHash of its set of winnowed fingerprints (each folded to 32 bits for
datasketch's permutations). Winnowing is a content-defined sample of the k-gram set, so the
Jaccard estimate between two signatures approximates the Jaccard of the files' k-gram sets at a
fraction of the hashing cost. Signatures are stored as ``LeanMinHash`` bytes, never pickled.

datasketch is imported only here, when a signature is read or compared: importing it imports
scipy (0.3 to 0.5 s per process), which nothing else needs. Fingerprinting only *writes*
signatures, so ``signature_bytes`` computes the bytes datasketch (2.0 and later) writes
(``MinHash.update_batch`` then ``LeanMinHash.serialize``) with numpy alone, in the ``affine32``
scheme: datasketch's default, named in ``minhash`` too so that a new default cannot change what
is stored. A test checks them byte for byte against datasketch's own: the library stays the
reference.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from fingerprints import native
from fingerprints.lean import permutations, signature_head

if TYPE_CHECKING:
    from datasketch import LeanMinHash

_LOW32 = np.uint64(0xFFFFFFFF)


def _folded(hashes: np.ndarray) -> np.ndarray:
    """The distinct 64-bit hashes, each folded to 32 bits (what the permutations take)."""
    return np.unique((hashes ^ (hashes >> np.uint64(32))) & _LOW32)


def minhash(hashes: np.ndarray, num_perm: int, seed: int) -> LeanMinHash:
    """MinHash of a set of 64-bit fingerprint hashes."""
    from datasketch import LeanMinHash, MinHash

    signature = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme="affine32")
    if hashes.shape[0]:
        signature.update_batch(_folded(hashes).tolist())
    return LeanMinHash(signature)


def to_bytes(signature: LeanMinHash) -> bytes:
    buffer = bytearray(signature.bytesize())
    signature.serialize(buffer)
    return bytes(buffer)


def from_bytes(data: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    return LeanMinHash.deserialize(data)


@functools.cache
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``lean.permutations`` as numpy arrays: datasketch's ``affine32`` permutations, odd
    ``a`` and any ``b``, as ``np.random.RandomState(seed)`` draws them (``ValueError`` for a
    seed out of its range, as there)."""
    a, b = permutations.__wrapped__(num_perm, seed)
    return np.array(a, dtype=np.uint32), np.array(b, dtype=np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (datasketch's pre-mix before the permutations)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signature_bytes(hashes: np.ndarray, num_perm: int, seed: int) -> bytes:
    """``to_bytes(minhash(hashes, num_perm, seed))`` without importing datasketch.

    The arithmetic is datasketch's ``affine32``: ``a * fmix32(h) + b`` wrapping in uint32, the
    minimum per permutation; the layout is ``LeanMinHash.serialize``'s native ``qiB`` header
    (seed, minus the count, scheme code 1) and one uint32 per permutation. The hashes go in
    blocks of rows, so a huge file never makes a huge matrix.
    """
    a, b = _permutations(num_perm, seed)
    head = signature_head(num_perm, seed)
    found = native.minima(np.ascontiguousarray(hashes, dtype=np.uint64), a, b)
    if found is not None:  # the values already as native uint32 bytes
        return head + found
    values = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    folded = _fmix32(_folded(hashes).astype(np.uint32))
    for start in range(0, folded.shape[0], 4096):
        permuted = folded[start : start + 4096, None] * a + b
        np.minimum(values, permuted.min(axis=0), out=values)
    return head + values.tobytes()
