"""A file's fingerprints and tokens from the native tokenizer, without numpy.

The parser's zygote and its parser processes run only this on their hot path: the native
tokenizer (``native``, built from ``grammars`` and ``events``), the signature's permutations
(drawn here from the Mersenne Twister, as ``np.random.RandomState`` draws them) and the
boilerplate check. numpy was half of the zygote's start-up (0.07 s of CPU of 0.14 s, before any
parser process could be forked), and a parser process's answer is bytes anyway: the calling
process makes them arrays (``fingerprinter.from_fields``, ``isolation._unpack_tokens``). When
the native tokenizer does not run (``LEAKTRACE_NATIVE=0``, not built), or for a carrier's code
whose lines are moved (a notebook's), these return None and the caller takes the numpy path.
"""

from __future__ import annotations

import functools
import hashlib
import random
import struct
from array import array
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath
from typing import Any

from fingerprints import native
from fingerprints.grammars import dialects, read_and_parsed
from fingerprints.isolation import NativeFile
from fingerprints.params import FingerprintParams
from fingerprints.policy import boilerplate_reason


def native_fields(
    path: str,
    data: bytes,
    language: str,
    params: FingerprintParams,
    mtime_ns: int = 0,
    limits: object = None,
    sha256: str | None = None,
    size: int | None = None,
    lines: Sequence[int] | None = None,
) -> NativeFile | None:
    """``fingerprinter.fingerprint_file``'s fields (``isolation.NativeFile``: the fingerprints as
    their ``FINGERPRINT_DTYPE`` bytes): tokens, selected fingerprints and signature in one native
    call (its arguments are ``fingerprint_file``'s). None when the native tokenizer does not run for
    ``language``, under ``limits`` (the caller isolates the parse) or with ``lines``."""
    tokenizer = native.tokenizer(language) if limits is None and lines is None else None
    if tokenizer is None:
        return None
    # one native call: the tokens, their selected fingerprints and the signature's minima,
    # the token arrays never made Python objects (the six arrays copied out and wrapped,
    # then the selection's hashes copied again for the signature, were 1.7% of a parser
    # process's work on pip 24.2, callgrind); the same fields, tests/test_native.py
    a, b = permutations(params.num_perm, params.seed)
    read, parsed = read_and_parsed(data, language)
    found, minima, error_line, structure, line_count, count = tokenizer.fingerprint(
        parsed, read, params.k, params.w, a, b
    )
    for dialect in dialects(language, error_line, len(data)):  # TypeScript under a .js name
        fields = native_fields(path, data, dialect, params, mtime_ns, limits, sha256, size)
        if fields is not None and fields.warning is None:
            return fields._replace(language=language)
    return NativeFile(
        path,
        language,
        len(data) if size is None else size,
        sha256 or hashlib.sha256(data).hexdigest(),
        mtime_ns,
        count,
        line_count,
        found,
        signature_head(params.num_perm, params.seed) + minima,
        error_warning(error_line),
        boilerplate_reason(PurePosixPath(path), count, data),
        structure,
    )


def native_tokens(data: bytes, language: str) -> tuple[Any, ...] | None:
    """The native tokenizer's stream of ``data`` (``normalize.tokenize``'s, structure
    included) as it gives it: six arrays' bytes (values, raw, line starts, line ends, start
    and end bytes), the first error's line, the structure's bytes, the line count. None when
    the native tokenizer does not run for ``language``."""
    tokenizer = native.tokenizer(language)
    if tokenizer is None:
        return None
    read, parsed = read_and_parsed(data, language)
    found = tokenizer.tokenize(parsed, read, True)
    for dialect in dialects(language, found[6], len(data)):  # TypeScript under a .js name
        other = native_tokens(data, dialect)
        if other is not None and other[6] is None:
            return other
    return found  # type: ignore[no-any-return]


def error_warning(error_line: int | None) -> str | None:
    """The line that says a file did not parse cleanly (its first error's), or None."""
    if error_line is not None:
        return f"syntax error near line {error_line}; fingerprinted what parsed"
    return None


@functools.cache
def permutations(num_perm: int, seed: int) -> tuple[array[int], array[int]]:
    """datasketch's ``MinHash._init_permutations`` for ``affine32``, as uint32 arrays: odd
    ``a``, any ``b``, drawn by ``np.random.RandomState(seed)``, from the same Mersenne Twister
    without importing numpy (``numpy.random`` alone is 10 ms of CPU, before the first parse:
    the zygote warms this). Given an integer, ``RandomState`` seeds MT19937 with
    ``init_genrand``; ``randint`` of 32-bit values below 2**31 takes one output each, masked to
    31 bits, below 2**32 one output each (a test checks them against numpy's)."""
    words = _mt19937(seed)
    a = array("I", [(next(words) & 0x7FFFFFFF) * 2 + 1 for _ in range(num_perm)])
    b = array("I", [next(words) for _ in range(num_perm)])
    return a, b


def _mt19937(seed: int) -> Iterator[int]:
    """The 32-bit outputs of MT19937 seeded with ``init_genrand(seed)``, as numpy's legacy
    ``RandomState(seed)`` gives them (Python's ``random`` runs the same generator, from a state
    set here: its own seeding differs)."""
    if not 0 <= seed < 1 << 32:
        raise ValueError(f"Seed must be between 0 and 2**32 - 1, not {seed}")
    state = [seed]
    for i in range(1, 624):
        state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + i) & 0xFFFFFFFF)
    generator = random.Random()
    generator.setstate((3, (*state, 624), None))
    while True:
        yield generator.getrandbits(32)


def signature_head(num_perm: int, seed: int) -> bytes:
    """The bytes ``LeanMinHash.serialize`` writes before the values (``signature_bytes``): the
    native ``qiB`` header, padded as ``qiB{num_perm}I`` pads it ("0I": no value)."""
    return struct.pack("@qiB0I", seed, -num_perm, 1)
