"""The rewrite of werkzeug's security.py behaves like the original on generated inputs."""

import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import load, rng, same  # noqa: E402

original = load(HERE / "original" / "security.py", "original_security")
written = load(HERE / "candidate" / "passwords.py", "written_passwords")
r = rng()

assert original.SALT_CHARS == written.ALPHABET
assert original.DEFAULT_PBKDF2_ITERATIONS == written.PBKDF2_ROUNDS


def word(alphabet=string.ascii_letters + "é$:", most=8):
    return "".join(r.choice(alphabet) for _ in range(r.randint(0, most)))


# Small work factors keep the check fast; the code paths are the same.
methods = [
    "pbkdf2:sha256:1000", "pbkdf2:sha1:50", "pbkdf2:md5", "pbkdf2", "pbkdf2:sha256:x",
    "pbkdf2:a:b:c", "scrypt:1024:8:1", "scrypt:16:2:2", "scrypt:1:2", "scrypt:a:b:c",
    "bcrypt", "", "plain:1",
]  # fmt: skip
fast = [m for m in methods if m not in ("pbkdf2", "pbkdf2:md5")]  # default rounds: below
same(
    "_hash_internal",
    original._hash_internal,
    written._derive,
    [(r.choice(fast), word(), word()) for _ in range(400)],
)
# The default settings once each (slow: 600,000 rounds, 32 MiB scrypt).
same("_hash_internal defaults", original._hash_internal, written._derive,
     [("pbkdf2", "salt", "pw"), ("scrypt", "s", "p")])  # fmt: skip

# Hashes made by one are accepted by the other, and wrong passwords by neither.
for _ in range(60):
    password, method = word(), r.choice(["pbkdf2:sha256:500", "scrypt:1024:8:1"])
    for make, other in ((original, written), (written, original)):
        maker = getattr(make, "generate_password_hash", None) or make.hash_password
        checker = getattr(other, "check_password_hash", None) or other.verify_password
        stored = maker(password, method, r.randint(1, 20))
        assert checker(stored, password), (stored, password)
        assert not checker(stored, password + "x"), (stored, password)
stored = [word(string.ascii_letters + "$:", 20) for _ in range(300)]
same("check_password_hash", original.check_password_hash, written.verify_password,
     [(s, "pw") for s in stored])  # fmt: skip
same("gen_salt length", lambda n: len(original.gen_salt(n)), lambda n: len(written.random_salt(n)),
     [(n,) for n in range(-2, 40)])  # fmt: skip
assert set(written.random_salt(2000)) <= set(written.ALPHABET)

segments = ["", ".", "..", "a", "b/c", "../x", "a/../..", "/etc", "a//b", "./", "x/..", "c\\d"]
same(
    "safe_join",
    original.safe_join,
    written.join_under,
    [
        tuple(r.choice([*segments, "", "base", "/srv"]) for _ in range(r.randint(1, 5)))
        for _ in range(3000)
    ],
)
