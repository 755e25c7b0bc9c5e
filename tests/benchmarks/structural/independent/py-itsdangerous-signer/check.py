"""The independent implementation of itsdangerous 2.2.0's Signer does what its documentation
says (docs/signer.rst: the documented signature of "my string" under "secret-key", unsigning,
BadSignature on a changed value; the docstrings: key rotation, salts, key derivations,
NoneAlgorithm), and is built differently from the original (its decomposition is printed)."""

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import Expectations, compare_shapes, load  # noqa: E402

m = load(HERE / "candidate" / "signing.py", "independent_signing")
checks = Expectations()
expect = checks.expect


def raises(call, exc):
    try:
        call()
    except exc:
        return True
    return False


s = m.Signer("secret-key")
expect("documented signature", s.sign("my string") == b"my string.wh6tMHxLgJqB6oY1uT73iMlyrOA")
expect("documented unsign", s.unsign(b"my string.wh6tMHxLgJqB6oY1uT73iMlyrOA") == b"my string")
expect(
    "documented BadSignature",
    raises(lambda: s.unsign(b"different string.wh6tMHxLgJqB6oY1uT73iMlyrOA"), m.BadSignature),
)
expect("no separator", raises(lambda: s.unsign(b"no separator here"), m.BadSignature))
expect("validate", s.validate(s.sign(b"x")) and not s.validate(b"x.AAAA"))
expect("unicode is UTF-8", s.unsign(s.sign("héllo")) == "héllo".encode())
expect("value holding the separator", s.unsign(s.sign(b"a.b.c")) == b"a.b.c")
old, new = m.Signer("old"), m.Signer(["old", "new"])
expect("rotation: newest signs", new.sign(b"v") == m.Signer("new").sign(b"v"))
expect("rotation: old keys still verify", new.unsign(old.sign(b"v")) == b"v")
expect("secret_key is the newest", new.secret_key == b"new")
expect("salts separate", m.Signer("k", salt="a").sign(b"v") != m.Signer("k", salt="b").sign(b"v"))
expect("sep", m.Signer("k", sep="|").sign(b"v").startswith(b"v|"))
for kd in ("concat", "django-concat", "hmac", "none"):
    signer = m.Signer("k", key_derivation=kd)
    expect(f"{kd} round trip", signer.unsign(signer.sign(b"v")) == b"v")
expect(
    "derivations differ",
    len({m.Signer("k", key_derivation=kd).sign(b"v") for kd in ("concat", "hmac", "none")}) == 3,
)
unknown = m.Signer("k", key_derivation="x")
expect("unknown derivation", raises(lambda: unknown.sign(b"v"), TypeError))
sha256 = m.Signer("k", digest_method=hashlib.sha256)
expect("digest_method", len(sha256.get_signature(b"v")) == 43)
expect("digest_method round trip", sha256.validate(sha256.sign(b"v")))
none = m.Signer("k", algorithm=m.NoneAlgorithm())
expect("NoneAlgorithm: empty signature", none.sign(b"v") == b"v.")
expect("derive_key of a given key", new.derive_key("old") == old.derive_key())
print(f"itsdangerous Signer: {checks.count} documented behaviours hold")
compare_shapes(HERE / "original" / "signer.py", HERE / "candidate" / "signing.py")
