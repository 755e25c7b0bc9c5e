"""The Rust rewrite of semver 1.0.14's src/eval.rs behaves like the original: the crate's own
test suite passes with the rewrite in place of eval.rs, and a differential test compares both on
50,000 generated (comparator, version) pairs. Needs cargo (no crates are downloaded)."""

import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import run  # noqa: E402

CARGO_TOML = """[package]
name = "semver"
version = "1.0.14"
edition = "2018"

[features]
default = ["std"]
std = []
"""

DIFFERENTIAL = """
#[cfg(test)]
mod differential {
    use crate::{eval, requirement_check, Comparator, Op, Prerelease, Version, VersionReq};

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    const PRE: [&str; 5] = ["", "alpha", "alpha.1", "beta", "0"];
    const OPS: [Op; 8] = [Op::Exact, Op::Greater, Op::GreaterEq, Op::Less, Op::LessEq,
                          Op::Tilde, Op::Caret, Op::Wildcard];

    fn comparator(r: &mut Lcg) -> Comparator {
        let minor = if r.next(5) == 0 { None } else { Some(r.next(3)) };
        let patch = if minor.is_none() || r.next(4) == 0 { None } else { Some(r.next(3)) };
        let pre = if patch.is_some() { PRE[r.next(5) as usize] } else { "" };
        Comparator { op: OPS[r.next(8) as usize], major: r.next(3), minor, patch,
                     pre: Prerelease::new(pre).unwrap() }
    }

    #[test]
    fn same_as_original() {
        let mut r = Lcg(20261201);
        for _ in 0..50_000 {
            let mut version = Version::new(r.next(3), r.next(3), r.next(3));
            version.pre = Prerelease::new(PRE[r.next(5) as usize]).unwrap();
            let rule = comparator(&mut r);
            assert_eq!(eval::matches_comparator(&rule, &version),
                       requirement_check::satisfies_one(&rule, &version), "{} {}", rule, version);
            let comparators = (0..r.next(4)).map(|_| comparator(&mut r)).collect();
            let req = VersionReq { comparators };
            assert_eq!(eval::matches_req(&req, &version),
                       requirement_check::satisfies_all(&req, &version), "{} {}", req, version);
        }
    }
}
"""


def main() -> None:
    if not shutil.which("cargo"):
        raise SystemExit("cargo is not installed")
    with tempfile.TemporaryDirectory(prefix="semver-check-") as tmp:
        root = Path(tmp) / "semver"
        shutil.copytree(HERE / "original" / "crate", root)
        (root / "Cargo.toml").write_text(CARGO_TOML)
        shutil.copy(HERE / "candidate" / "requirement_check.rs", root / "src")
        lib = (root / "src" / "lib.rs").read_text()
        # the crate calls the rewrite; the original stays beside it for the comparison
        lib = lib.replace("eval::matches_req(", "requirement_check::satisfies_all(")
        lib = lib.replace("eval::matches_comparator(", "requirement_check::satisfies_one(")
        lib = lib.replace("mod eval;\n", "mod eval;\nmod requirement_check;\n")
        lib = re.sub(r"#\[cfg\(feature = \"serde\"\)\]\nmod serde;\n", "", lib)
        (root / "src" / "lib.rs").write_text(lib + DIFFERENTIAL)
        # a build folder that outlives the run: later checks rebuild only what changed
        target = Path.home() / ".cache" / "leaktrace-bench" / "cargo-target" / "semver-check"
        out = run(["env", f"CARGO_TARGET_DIR={target}", "cargo", "test", "--offline", "--quiet",
                   "--tests"], root)  # fmt: skip
        results = re.findall(r"test result: ok\. (\d+) passed", out)
        print(f"cargo test: {sum(map(int, results))} tests pass (the crate's own + differential)")


main()
