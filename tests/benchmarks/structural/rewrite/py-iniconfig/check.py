"""The rewrite of iniconfig 2.0.0 (its __init__.py and _parse.py) behaves like the original on
generated INI texts: the same sections, values, line numbers, order, and the same errors (at the
same line; the messages were reworded)."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import load, outcome, rng  # noqa: E402

original = load(HERE / "original" / "__init__.py", "original_iniconfig", package=True)
written = load(HERE / "candidate" / "settings_file.py", "written_settings_file")
r = rng()

PIECES = [
    "[main]", "[other]", "[main] # note", "[]", "[half", " [indented]", "key = value",
    "name: x", "a=b:c", "a:b=c", "url = http://x", "k=", "k :", "  continued", "\tmore",
    "# comment", "; comment", "   # indented comment", "", "   ", "novalue", "=bare",
    "dup = 1", "dup = 2", "[main]", "x = 1 ; not a comment",
]  # fmt: skip


def view(module, text):
    """Everything observable about a parsed text, in comparable form."""
    if module is original:
        config = module.IniConfig("f.ini", data=text)
        get, lineof = config.get, config.lineof
    else:
        config = module.SettingsFile("f.ini", text=text)
        get, lineof = config.value, config.line_of
    names = [s.name for s in config]
    return (
        config.sections,
        names,
        [(s.name, list(s.items())) for s in config],
        {(n, k): lineof(n, k) for n in [*names, "nope"] for k in [None, "key", "dup", "k", "a"]},
        [get(n, k, "dflt", len) for n in names for k in ["key", "dup", "missing"]],
        [get(n, k) for n in names for k in ["key", "name", "a"]],
        [outcome(lambda n: config[n].name, n) for n in [*names, "nope"]],
        ["main" in config, "nope" in config],
    )


def error_line(module, text):
    try:
        view(module, text)
    except Exception as error:
        return getattr(error, "lineno", getattr(error, "line", None)), str(error).split(":")[:2]
    return None


count = parsed = 0
for _ in range(6000):
    lines = [r.choice(PIECES) for _ in range(r.randint(0, 9))]
    text = "\n".join(lines) + r.choice(["", "\n"])
    a, b = outcome(view, original, text), outcome(view, written, text)
    parsed += a[0] == "returned"
    if a[0] == b[0] == "raised":
        a, b = error_line(original, text), error_line(written, text)
    if a != b:
        raise SystemExit(f"{text!r}: original {a!r}, written {b!r}")
    count += 1
assert all(original.iscommentline(p) == written.is_remark(p) for p in PIECES)
print(f"iniconfig: {count} generated files ({parsed} valid), same behaviour")
