"""The independent implementation of Go's container/list (Go 1.19.8) does what its
documentation says: Go's own list_test.go (its pointer-checking helper rewritten on the public
API, since it reads the original's private fields) and example_test.go pass against it. Needs
``go`` (Debian golang-go)."""

import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import run  # noqa: E402

# checkListPointers of list_test.go reads l.root, e.prev and e.next; this one walks the list
# both ways through Front/Next and Back/Prev and checks the same things.
PUBLIC_CHECK = """func checkListPointers(t *testing.T, l *List, es []*Element) {
	if !checkListLen(t, l, len(es)) {
		return
	}
	if len(es) == 0 {
		if l.Front() != nil || l.Back() != nil {
			t.Errorf("empty list: Front() = %p, Back() = %p", l.Front(), l.Back())
		}
		return
	}
	i := 0
	for e := l.Front(); e != nil; e = e.Next() {
		if i >= len(es) || e != es[i] {
			t.Errorf("forward walk: element %d is %p", i, e)
			return
		}
		i++
	}
	i = len(es) - 1
	for e := l.Back(); e != nil; e = e.Prev() {
		if i < 0 || e != es[i] {
			t.Errorf("backward walk: element %d is %p", i, e)
			return
		}
		i--
	}
	if es[0].Prev() != nil || es[len(es)-1].Next() != nil {
		t.Errorf("the ends of the list should have no Prev / Next")
	}
}
"""


def main() -> None:
    if not shutil.which("go"):
        raise SystemExit("go is not installed (apt-get install golang-go)")
    tests = (HERE / "original" / "list_test.go").read_text()
    start = tests.index("func checkListPointers(")
    end = tests.index("\nfunc ", start + 1)
    tests = tests[:start] + PUBLIC_CHECK + tests[end:]
    example = (HERE / "original" / "example_test.go").read_text()
    example = example.replace('"container/list"', '"bench/list"')
    with tempfile.TemporaryDirectory(prefix="list-check-") as tmp:
        root = Path(tmp)
        (root / "go.mod").write_text("module bench\n\ngo 1.19\n")
        (root / "list").mkdir()
        shutil.copy(HERE / "candidate" / "list.go", root / "list")
        (root / "list" / "list_test.go").write_text(tests)
        (root / "list" / "example_test.go").write_text(example)
        out = run(["env", "GOFLAGS=-mod=mod", "GOPROXY=off", "go", "test", "-v", "./list"], root)
    passed = re.findall(r"--- PASS: (\w+)", out)
    print(f"Go's container/list tests: {len(passed)} pass against the implementation")


main()
