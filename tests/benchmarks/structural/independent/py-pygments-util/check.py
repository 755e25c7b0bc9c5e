"""The independent implementation of pygments 2.18.0's util.py does what its documentation
says: the docstrings' examples (shebang_matches) and Pygments' own tests/test_util.py (its tests
of the console module left out) pass against it; then both decompositions are printed."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import compare_shapes, load  # noqa: E402

util = load(HERE / "candidate" / "helpers.py", "independent_helpers")


def raises(exc, func, *args):
    """pytest.raises(exc, func, *args), the form the test file uses."""
    try:
        func(*args)
    except exc:
        return True
    raise AssertionError(f"{func.__name__}{args} did not raise {exc.__name__}")


source = (HERE / "original" / "test_util.py").read_text(encoding="utf-8")
source = source.replace("from pytest import raises\n", "").replace(
    "from pygments import util, console\n", ""
)
namespace = {"util": util, "raises": raises, "__name__": "pygments_test_util"}
exec(compile(source, "test_util.py", "exec"), namespace)
passed = []
for name, test in namespace.items():
    if name.startswith("test_") and "console" not in name:
        test()
        passed.append(name)
print(f"pygments' tests/test_util.py: {len(passed)} tests pass against the implementation")

# the docstring's examples of shebang_matches
pattern = r"python(2\.\d)?"
assert util.shebang_matches("#!/usr/bin/env python", pattern)
assert util.shebang_matches("#!/usr/bin/python2.4", pattern)
assert not util.shebang_matches("#!/usr/bin/python-ruby", pattern)
assert not util.shebang_matches("#!/usr/bin/python/ruby", pattern)
assert util.shebang_matches("#!/usr/bin/startsomethingwith python", pattern)
assert util.shebang_matches("#!C:\\Python2.4\\Python.exe", pattern)
assert util.shebang_matches("#!/usr/bin/perl -e", "perl")
assert util.surrogatepair(0x1F600) == (0xD83D, 0xDE00)
assert util.docstring_headline(util.get_bool_opt).startswith("``options[optname]``")
print("shebang_matches docstring examples and surrogatepair: as documented")
compare_shapes(HERE / "original" / "util.py", HERE / "candidate" / "helpers.py")
