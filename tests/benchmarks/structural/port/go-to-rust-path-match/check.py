"""The Rust port of Go's path/match.go (Go 1.19.8) behaves like the original: both are built
into small programs that read the same 100,000 generated (pattern, name) pairs and print
true/false/error; the outputs must be equal, and Go's own match_test.go table is among the
inputs. Needs ``go`` (Debian golang-go) and ``rustc``."""

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import rng, run  # noqa: E402

GO_MAIN = """
func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for scanner.Scan() {
		pattern, name, _ := strings.Cut(scanner.Text(), "\\t")
		ok, err := Match(pattern, name)
		if err != nil {
			fmt.Fprintln(out, "error")
		} else {
			fmt.Fprintln(out, ok)
		}
	}
}
"""

RUST_MAIN = """
use std::io::{BufRead, Write};
mod pattern;

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let (pattern, name) = line.split_once('\\t').unwrap();
        match pattern::matches(pattern, name) {
            Ok(ok) => writeln!(out, "{}", ok).unwrap(),
            Err(_) => writeln!(out, "error").unwrap(),
        }
    }
}
"""

# Go's match_test.go table (pattern, name), kept as inputs.
GO_TABLE = [
    ("abc", "abc"), ("*", "abc"), ("*c", "abc"), ("a*", "a"), ("a*", "abc"), ("a*", "ab/c"),
    ("a*/b", "abc/b"), ("a*/b", "a/c/b"), ("a*b*c*d*e*/f", "axbxcxdxe/f"),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f"), ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f"),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff"), ("a*b?c*x", "abxbbxdbxebxczzx"),
    ("a*b?c*x", "abxbbxdbxebxczzy"), ("ab[c]", "abc"), ("ab[b-d]", "abc"), ("ab[e-g]", "abc"),
    ("ab[^c]", "abc"), ("ab[^b-d]", "abc"), ("ab[^e-g]", "abc"), ("a\\*b", "a*b"),
    ("a\\*b", "ab"), ("a?b", "a☺b"), ("a[^a]b", "a☺b"), ("a???b", "a☺b"), ("a[^a][^a][^a]b", "a☺b"),
    ("[a-ζ]*", "α"),  # noqa: RUF001
    ("*[a-ζ]", "A"), ("a?b", "a/b"), ("a*b", "a/b"), ("[\\]a]", "]"),
    ("[\\-]", "-"), ("[x\\-]", "x"), ("[x\\-]", "-"), ("[x\\-]", "z"), ("[\\-x]", "x"),
    ("[\\-x]", "-"), ("[\\-x]", "a"), ("[]a]", "]"), ("[-]", "-"), ("[x-]", "x"), ("[x-]", "-"),
    ("[x-]", "z"), ("[-x]", "x"), ("[-x]", "-"), ("[-x]", "a"), ("\\", "a"), ("[a-b-c]", "a"),
    ("[", "a"), ("[^", "a"), ("[^bc", "a"), ("a[", "a"), ("a[", "ab"), ("a[", "x"), ("a/b[", "x"),
    ("*x", "xxx"),
]  # fmt: skip


def generated(count: int) -> list[tuple[str, str]]:
    r = rng()
    atoms = ["a", "b", "c", "/", "*", "?", "[a-c]", "[^b]", "[", "]", "-", "^", "\\", "\\*",
             "☺", "é", "[é-ö]", "[]", "[a-]", "**", "x"]  # fmt: skip
    letters = ["a", "b", "c", "/", "☺", "é", "x", "-", "]", "*", "?"]
    pairs = []
    for _ in range(count):
        pattern = "".join(r.choice(atoms) for _ in range(r.randint(0, 6)))
        name = "".join(r.choice(letters) for _ in range(r.randint(0, 7)))
        pairs.append((pattern, name))
    return pairs


def main() -> None:
    for tool in ("go", "rustc"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    pairs = GO_TABLE + generated(100_000)
    with tempfile.TemporaryDirectory(prefix="match-port-check-") as tmp:
        root = Path(tmp)
        (root / "pairs.txt").write_text("".join(f"{p}\t{n}\n" for p, n in pairs))
        go = (HERE / "original" / "match.go").read_text()
        # the program is outside the standard library: internal/bytealg becomes strings
        go = go.replace("package path\n", "package main\n")
        go = go.replace('"internal/bytealg"', '"bufio"\n\t"fmt"\n\t"os"\n\t"strings"')
        go = go.replace("bytealg.IndexByteString(name, '/')", "strings.IndexByte(name, '/')")
        (root / "gomatch").mkdir()
        (root / "gomatch" / "main.go").write_text(go + GO_MAIN)
        (root / "gomatch" / "go.mod").write_text("module gomatch\n\ngo 1.19\n")
        run(["env", "GOFLAGS=-mod=mod", "GOPROXY=off", "go", "build", "-o", "../go-match"],
            root / "gomatch")  # fmt: skip
        (root / "rsmatch").mkdir()
        shutil.copy(HERE / "candidate" / "pattern.rs", root / "rsmatch")
        (root / "rsmatch" / "main.rs").write_text(RUST_MAIN)
        run(["rustc", "-O", "--edition", "2021", "-o", "rs-match", "rsmatch/main.rs"], root)
        outputs = [
            run(["sh", "-c", f"./{binary} < pairs.txt"], root).splitlines()
            for binary in ("go-match", "rs-match")
        ]
    assert len(outputs[0]) == len(pairs), "the Go program did not answer every pair"
    for (pattern, name), a, b in zip(pairs, *outputs, strict=True):
        if a != b:
            raise SystemExit(f"Match({pattern!r}, {name!r}): Go {a}, Rust port {b}")
    kinds = {k: outputs[0].count(k) for k in ("true", "false", "error")}
    print(f"path.Match: {len(pairs)} pairs, same answers from Go and the Rust port ({kinds})")


main()
