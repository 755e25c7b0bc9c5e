"""Password hashing and path checks for the account pages.

Stored hashes look like ``<kdf and its settings>$<salt>$<hex digest>``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import posixpath
import secrets

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PBKDF2_ROUNDS = 600000

# Separators other than "/" that the host OS understands (backslash on Windows).
_EXTRA_SEPARATORS: list[str] = [
    sep for sep in (os.sep, os.path.altsep) if sep is not None and sep != "/"
]


def _escapes_root(segment: str) -> bool:
    """True when a normalised path segment could leave the base folder."""
    if any(sep in segment for sep in _EXTRA_SEPARATORS):
        return True
    if os.path.isabs(segment):
        return True
    return segment == ".." or segment.startswith("../")


def join_under(root: str, *segments: str) -> str | None:
    """Join untrusted ``segments`` below the trusted ``root`` folder.

    Returns ``None`` as soon as one segment would point outside ``root``.
    """
    # An empty root would let the first untrusted segment decide where we start.
    pieces = [root or "."]
    for segment in segments:
        cleaned = posixpath.normpath(segment) if segment != "" else segment
        if _escapes_root(cleaned):
            return None
        pieces.append(cleaned)
    return posixpath.join(*pieces)


def random_salt(size: int) -> str:
    """A random string of ``size`` characters drawn from ``ALPHABET``."""
    if size <= 0:
        raise ValueError("The salt needs one character or more.")
    return "".join([secrets.choice(ALPHABET) for _ in range(size)])


def _pbkdf2_settings(options: list[str]) -> tuple[str, int]:
    if len(options) > 2:
        raise ValueError("pbkdf2 accepts at most two settings.")
    digest = options[0] if options else "sha256"
    rounds = int(options[1]) if len(options) == 2 else PBKDF2_ROUNDS
    return digest, rounds


def _scrypt_settings(options: list[str]) -> tuple[int, int, int]:
    if not options:
        return 2**15, 8, 1
    try:
        cost, block, parallel = (int(option) for option in options)
    except ValueError:
        raise ValueError("scrypt needs exactly three settings.") from None
    return cost, block, parallel


def _derive(scheme: str, salt: str, secret: str) -> tuple[str, str]:
    """Run the key derivation named by ``scheme``; return (hex digest, full scheme)."""
    kdf, *options = scheme.split(":")
    salt_raw, secret_raw = salt.encode(), secret.encode()

    if kdf == "pbkdf2":
        digest, rounds = _pbkdf2_settings(options)
        key = hashlib.pbkdf2_hmac(digest, secret_raw, salt_raw, rounds)
        return key.hex(), f"pbkdf2:{digest}:{rounds}"

    if kdf != "scrypt":
        raise ValueError(f"Unknown key derivation '{kdf}'.")

    cost, block, parallel = _scrypt_settings(options)
    # 128 * n * r * p is the theory; a little headroom keeps OpenSSL happy.
    budget = 132 * cost * block * parallel
    key = hashlib.scrypt(
        secret_raw, salt=salt_raw, n=cost, r=block, p=parallel, maxmem=budget
    )
    return key.hex(), f"scrypt:{cost}:{block}:{parallel}"


def verify_password(stored: str, attempt: str) -> bool:
    """Tell whether ``attempt`` is the password that produced ``stored``.

    ``stored`` is a value made by :func:`hash_password`; the comparison takes the same
    time whatever the input, so it leaks nothing about the digest.
    """
    pieces = stored.split("$", 2)
    if len(pieces) != 3:
        return False
    scheme, salt, expected = pieces
    return hmac.compare_digest(_derive(scheme, salt, attempt)[0], expected)


def hash_password(secret: str, scheme: str = "scrypt", salt_size: int = 16) -> str:
    """Hash ``secret`` for storage, ready to be checked with :func:`verify_password`.

    Supported schemes:

    -   ``scrypt`` (default), written ``scrypt:N:r:p``; plain ``scrypt`` means
        ``scrypt:32768:8:1``.
    -   ``pbkdf2``, weaker, written ``pbkdf2:digest:rounds``; plain ``pbkdf2`` means
        ``pbkdf2:sha256:600000``.

    The defaults follow current advice and may move; re-hash old values on the next
    successful login to migrate them.
    """
    salt = random_salt(salt_size)
    digest, scheme_used = _derive(scheme, salt, secret)
    return "$".join((scheme_used, salt, digest))
