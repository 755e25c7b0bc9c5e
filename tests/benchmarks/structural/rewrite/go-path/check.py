"""The Go rewrite of path/path.go (Go 1.19.8) behaves like the original: Go's own
path_test.go (names mapped) passes against it, and both agree on 200,000 generated paths.
Needs ``go`` (Debian: apt-get install golang-go)."""

import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import run  # noqa: E402

NAMES = {
    "Clean": "Normalize", "Split": "SplitLast", "Join": "Combine", "Ext": "Extension",
    "Base": "LastElement", "IsAbs": "IsRooted", "Dir": "Parent",
}  # fmt: skip

ALIASES = (
    'package path_test\n\nimport sp "bench/slashpath"\n\nvar (\n'
    + "".join(f"\t{old} = sp.{new}\n" for old, new in NAMES.items())
    + ")\n"
)

DIFFERENTIAL = """package slashpath_test

import (
\t"math/rand"
\t"testing"

\t"bench/origpath"
\t"bench/slashpath"
)

func TestSameAsOriginal(t *testing.T) {
\tr := rand.New(rand.NewSource(20261201))
\tpieces := []string{"/", "//", ".", "..", "a", "bc", ".d", "e.f", "g.", "...", "", "x/"}
\tfor i := 0; i < 200000; i++ {
\t\tparts := make([]string, r.Intn(5))
\t\tfor j := range parts {
\t\t\tparts[j] = pieces[r.Intn(len(pieces))] + pieces[r.Intn(len(pieces))]
\t\t}
\t\tp := ""
\t\tfor _, part := range parts {
\t\t\tp += part
\t\t}
\t\tcheck := func(what, a, b string) {
\t\t\tif a != b {
\t\t\t\tt.Fatalf("%s(%q): original %q, rewrite %q", what, p, a, b)
\t\t\t}
\t\t}
\t\tcheck("Clean", origpath.Clean(p), slashpath.Normalize(p))
\t\tcheck("Base", origpath.Base(p), slashpath.LastElement(p))
\t\tcheck("Ext", origpath.Ext(p), slashpath.Extension(p))
\t\tcheck("Dir", origpath.Dir(p), slashpath.Parent(p))
\t\tcheck("Join", origpath.Join(parts...), slashpath.Combine(parts...))
\t\td1, f1 := origpath.Split(p)
\t\td2, f2 := slashpath.SplitLast(p)
\t\tcheck("Split", d1+"|"+f1, d2+"|"+f2)
\t\tif origpath.IsAbs(p) != slashpath.IsRooted(p) {
\t\t\tt.Fatalf("IsAbs(%q) differs", p)
\t\t}
\t}
}
"""


def main() -> None:
    if not shutil.which("go"):
        raise SystemExit("go is not installed (apt-get install golang-go)")
    with tempfile.TemporaryDirectory(prefix="go-path-check-") as tmp:
        root = Path(tmp)
        (root / "go.mod").write_text("module bench\n\ngo 1.19\n")
        for name in ("origpath", "slashpath", "pathtests"):
            (root / name).mkdir()
        original = (HERE / "original" / "path.go").read_text()
        original = original.replace("package path\n", "package origpath\n")
        (root / "origpath" / "path.go").write_text(original)
        shutil.copy(HERE / "candidate" / "slashpath.go", root / "slashpath")
        tests = (HERE / "original" / "path_test.go").read_text()
        tests = re.sub(r'\n\t\. "path"\n', "\n", tests)
        (root / "pathtests" / "path_test.go").write_text(tests)
        (root / "pathtests" / "aliases_test.go").write_text(ALIASES)
        (root / "slashpath" / "same_test.go").write_text(DIFFERENTIAL)
        env_cmd = ["env", "GOFLAGS=-mod=mod", "GOPROXY=off", "go", "test", "-count=1", "-v"]
        out = run([*env_cmd, "./..."], root)
        passed = re.findall(r"--- PASS: (\w+)", out)
        print(f"go test: {len(passed)} tests pass ({', '.join(passed)})")


main()
