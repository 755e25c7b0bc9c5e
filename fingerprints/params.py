"""Fingerprint parameters: one frozen, validated object.

The winnowing guarantee (Schleimer, Wilkerson, Aiken 2003): with k-grams of ``k`` tokens and a
window of ``w`` consecutive k-grams, every run of at least ``k + w - 1`` normalized tokens shared by
two files yields at least one fingerprint common to both, because each window of ``w`` k-grams
inside the shared run selects the same (rightmost minimal) hash in both files. Below ``k`` tokens
nothing can match at all (the noise threshold).

Defaults: k=20, w=12 gives a guarantee threshold of 31 tokens, about 7 lines of Python or 5 of
Java, while a 20-token k-gram of folded tokens is long enough that unrelated code rarely shares it
(see the calibration section of the README). Winnowing keeps on average 2/(w+1) ≈ 15 % of the
k-grams, so the store holds roughly 0.6 fingerprints per line of code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from fingerprints.errors import ConfigError

#: Bumped whenever tokenization or hashing changes what a fingerprint means.
NORMALIZER_VERSION = 1


@dataclass(frozen=True, slots=True)
class FingerprintParams:
    """How source becomes fingerprints. Stored in the store's ``meta`` table."""

    k: int = 20
    """Tokens per k-gram (noise threshold)."""
    w: int = 12
    """Winnowing window, in k-grams. Guarantee threshold is ``k + w - 1`` tokens."""
    num_perm: int = 128
    """MinHash permutations per file signature."""
    seed: int = 1
    """MinHash seed (datasketch's permutation seed)."""
    max_file_bytes: int = 4 * 1024 * 1024
    """Files larger than this are skipped with a line naming them."""

    def __post_init__(self) -> None:
        checks = {
            "k": (self.k, 5, 200),
            "w": (self.w, 1, 200),
            "num_perm": (self.num_perm, 16, 1024),
            "seed": (self.seed, 0, 2**31 - 1),
            "max_file_bytes": (self.max_file_bytes, 1024, 1 << 34),
        }
        for key, (value, low, high) in checks.items():
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(
                    key, f"must be a whole number from {low} to {high}, got {value!r}"
                )

    def __reduce__(self) -> tuple[type[FingerprintParams], tuple[int, ...]]:
        """Pickled as its five numbers: the parameters go to a parser process with every
        file, and the dataclass's own ``__getstate__`` and ``__setstate__`` (Python code, field
        by field) took 7 us to pickle them and 10 us to unpickle them, per file."""
        return (FingerprintParams, (self.k, self.w, self.num_perm, self.seed, self.max_file_bytes))

    @property
    def guarantee(self) -> int:
        """Shortest shared token run that is always detected: ``k + w - 1``."""
        return self.k + self.w - 1

    def identity(self) -> dict[str, int]:
        """The values that must agree between a store and whoever reads it."""
        data = asdict(self)
        data.pop("max_file_bytes")
        data["normalizer"] = NORMALIZER_VERSION
        return data
