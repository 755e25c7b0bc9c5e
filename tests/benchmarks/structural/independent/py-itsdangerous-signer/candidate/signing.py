"""Sign bytes and check them later, with the interface of itsdangerous' ``Signer``.

``Signer("key").sign(b"value")`` returns ``b"value.<signature>"``; ``unsign`` gives the value
back or raises :class:`BadSignature`. Several secret keys (oldest first) allow key rotation:
the newest signs, any of them verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable

Derivation = Callable[[Callable, bytes, bytes], bytes]


class BadData(Exception):
    """Something about the signed data is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadSignature(BadData):
    """The signature is missing or does not match; ``payload`` is the unverified value."""

    def __init__(self, message: str, payload: bytes | None = None) -> None:
        super().__init__(message)
        self.payload = payload


def _bytes(text: str | bytes) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def _sha1(data: bytes = b"") -> hashlib._Hash:
    # looked up when called: FIPS builds may lack SHA-1, and only its users should fail
    return hashlib.sha1(data)


# How a signing key is made from the secret key and the salt, by name.
_DERIVATIONS: dict[str, Derivation] = {
    "concat": lambda digest, secret, salt: digest(salt + secret).digest(),
    "django-concat": lambda digest, secret, salt: digest(salt + b"signer" + secret).digest(),
    "hmac": lambda digest, secret, salt: hmac.new(secret, salt, digest).digest(),
    "none": lambda digest, secret, salt: secret,
}


class SigningAlgorithm:
    """Makes and checks signatures; subclasses provide ``get_signature``."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        raise NotImplementedError

    def verify_signature(self, key: bytes, value: bytes, sig: bytes) -> bool:
        return hmac.compare_digest(sig, self.get_signature(key, value))


class NoneAlgorithm(SigningAlgorithm):
    """Signs nothing: the signature is empty."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return b""


class HMACAlgorithm(SigningAlgorithm):
    """An HMAC of the value under the key, with ``digest_method`` (SHA-1 by default)."""

    default_digest_method: Callable = staticmethod(_sha1)

    def __init__(self, digest_method: Callable | None = None) -> None:
        self.digest_method = digest_method or self.default_digest_method

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, self.digest_method).digest()


class Signer:
    """Attach a signature to a value, and verify it later.

    ``secret_key`` may be one key or a list of keys, oldest to newest. ``salt`` separates
    signatures made for different purposes; ``sep`` sits between value and signature;
    ``key_derivation`` is ``concat``, ``django-concat`` (default), ``hmac`` or ``none``;
    ``algorithm`` replaces the default HMAC with ``digest_method``.
    """

    default_digest_method: Callable = staticmethod(_sha1)
    default_key_derivation = "django-concat"

    def __init__(
        self,
        secret_key: str | bytes | Iterable[str] | Iterable[bytes],
        salt: str | bytes | None = b"itsdangerous.Signer",
        sep: str | bytes = b".",
        key_derivation: str | None = None,
        digest_method: Callable | None = None,
        algorithm: SigningAlgorithm | None = None,
    ) -> None:
        single = isinstance(secret_key, (str, bytes))
        self.secret_keys = [_bytes(secret_key)] if single else [_bytes(k) for k in secret_key]
        self.sep = _bytes(sep)
        self.salt = _bytes(salt) if salt is not None else b"itsdangerous.Signer"
        self.key_derivation = key_derivation or self.default_key_derivation
        self.digest_method = digest_method or self.default_digest_method
        self.algorithm = algorithm or HMACAlgorithm(self.digest_method)

    @property
    def secret_key(self) -> bytes:
        """The newest key: the one that signs."""
        return self.secret_keys[-1]

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The signing key made from ``secret_key`` (default: the newest) and the salt."""
        secret = self.secret_key if secret_key is None else _bytes(secret_key)
        try:
            derive = _DERIVATIONS[self.key_derivation]
        except KeyError:
            raise TypeError("Unknown key derivation method") from None
        return derive(self.digest_method, secret, self.salt)

    def get_signature(self, value: str | bytes) -> bytes:
        raw = self.algorithm.get_signature(self.derive_key(), _bytes(value))
        return _b64(raw)

    def sign(self, value: str | bytes) -> bytes:
        return _bytes(value) + self.sep + self.get_signature(value)

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        padded = _bytes(sig) + b"=" * (-len(_bytes(sig)) % 4)
        try:
            raw = base64.urlsafe_b64decode(padded)
        except (ValueError, TypeError):
            return False
        data = _bytes(value)
        return any(
            self.algorithm.verify_signature(self.derive_key(key), data, raw)
            for key in reversed(self.secret_keys)
        )

    def unsign(self, signed_value: str | bytes) -> bytes:
        signed = _bytes(signed_value)
        value, found, sig = signed.rpartition(self.sep)
        if not found:
            raise BadSignature(f"No {self.sep!r} found in value")
        if not self.verify_signature(value, sig):
            raise BadSignature(f"Signature {sig!r} does not match", payload=value)
        return value

    def validate(self, signed_value: str | bytes) -> bool:
        try:
            self.unsign(signed_value)
        except BadSignature:
            return False
        return True
