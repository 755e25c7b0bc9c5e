"""MinHash signatures of fingerprint sets, with datasketch.

A file's signature is the MinHash of its set of winnowed fingerprints (each folded to 32 bits for
datasketch's permutations). Winnowing is a content-defined sample of the k-gram set, so the
Jaccard estimate between two signatures approximates the Jaccard of the files' k-gram sets at a
fraction of the hashing cost. Signatures are stored as ``LeanMinHash`` bytes, never pickled.

datasketch is imported only here, when a signature is computed or read: importing it imports
scipy (half a second), which nothing else needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import LeanMinHash

_LOW32 = np.uint64(0xFFFFFFFF)


def minhash(hashes: np.ndarray, num_perm: int, seed: int) -> LeanMinHash:
    """MinHash of a set of 64-bit fingerprint hashes."""
    from datasketch import LeanMinHash, MinHash

    signature = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    if hashes.shape[0]:
        folded = np.unique((hashes ^ (hashes >> np.uint64(32))) & _LOW32)
        signature.update_batch(folded.tolist())
    return LeanMinHash(signature)


def to_bytes(signature: LeanMinHash) -> bytes:
    buffer = bytearray(signature.bytesize())
    signature.serialize(buffer)
    return bytes(buffer)


def from_bytes(data: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    return LeanMinHash.deserialize(data)
