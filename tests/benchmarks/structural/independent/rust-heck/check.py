"""The independent implementation of the heck crate 0.4.0 (default features) does what its
documentation says: the crate's documented examples and the test tables of its case modules
(`t!(name: "input" => "output")`, 92 of them) pass against it; it is also compared, for
information, with the original crate on generated strings. Needs ``rustc``."""

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import rng, run  # noqa: E402

METHODS = {
    "snake.rs": "to_snake_case", "kebab.rs": "to_kebab_case", "title.rs": "to_title_case",
    "shouty_snake.rs": "to_shouty_snake_case", "shouty_kebab.rs": "to_shouty_kebab_case",
    "upper_camel.rs": "to_upper_camel_case", "lower_camel.rs": "to_lower_camel_case",
}  # fmt: skip

PROGRAM = """
use std::io::BufRead;
#[allow(unused_imports)]
use casing::*;

fn main() {
    for line in std::io::stdin().lock().lines() {
        let s = line.unwrap();
        println!("{}\\t{}\\t{}\\t{}\\t{}\\t{}\\t{}", s.to_snake_case(), s.to_kebab_case(),
                 s.to_title_case(), s.to_shouty_snake_case(), s.to_shouty_kebab_case(),
                 s.to_upper_camel_case(), s.to_lower_camel_case());
    }
}
"""


def documented() -> list[tuple[str, str, str]]:
    """(method, input, expected) from the doc examples and test tables of the case modules."""
    found = []
    for name, method in METHODS.items():
        text = (HERE / "original" / "src" / name).read_text()
        for given, wanted in re.findall(r't!\(\w+: (".*?") => (".*?")\);', text):
            found.append((method, json.loads(given), json.loads(wanted)))
        sentence = re.search(r'let sentence = (".*?");', text)
        example = re.search(rf'sentence\.{method}\(\), (".*?")\)', text)
        if sentence and example:
            found.append((method, json.loads(sentence.group(1)), json.loads(example.group(1))))
    return found


def build(root: Path, library: Path, crate: str) -> Path:
    run(["rustc", "--edition", "2018", "--crate-type", "lib", "--crate-name", crate,
         "-O", "-o", str(root / f"lib{crate}.rlib"), str(library)], root)  # fmt: skip
    program = root / f"{crate}-main.rs"
    program.write_text(PROGRAM.replace("casing", crate))
    binary = root / f"{crate}-run"
    run(["rustc", "--edition", "2018", "-O", "--extern", f"{crate}={root / f'lib{crate}.rlib'}",
         "-o", str(binary), str(program)], root)  # fmt: skip
    return binary


def answers(binary: Path, inputs: list[str], root: Path) -> list[list[str]]:
    (root / "in.txt").write_text("".join(f"{s}\n" for s in inputs), encoding="utf-8")
    out = run(["sh", "-c", f"'{binary}' < in.txt"], root)
    return [line.split("\t") for line in out.split("\n")[:-1]]


def main() -> None:
    if not shutil.which("rustc"):
        raise SystemExit("rustc is not installed")
    cases = documented()
    order = ["to_snake_case", "to_kebab_case", "to_title_case", "to_shouty_snake_case",
             "to_shouty_kebab_case", "to_upper_camel_case", "to_lower_camel_case"]  # fmt: skip
    r = rng()
    pieces = ["XML", "Http", "request", "ABC", "d", "9", "_", "-", " ", ".", "é", "Ü", "x1Y",
              "Camel", "snake_case", "__", "UPPER", "lower"]  # fmt: skip
    generated = ["".join(r.choice(pieces) for _ in range(r.randint(1, 6))) for _ in range(5000)]
    with tempfile.TemporaryDirectory(prefix="heck-check-") as tmp:
        root = Path(tmp)
        mine = build(root, HERE / "candidate" / "casing.rs", "casing")
        documented_answers = answers(mine, [given for _, given, _ in cases], root)
        for (method, given, wanted), row in zip(cases, documented_answers, strict=True):
            got = row[order.index(method)]
            if got != wanted:
                raise SystemExit(f"{given!r}.{method}(): {got!r}, documented {wanted!r}")
        print(f"heck: {len(cases)} documented conversions hold (doc examples and test tables)")
        shutil.copytree(HERE / "original" / "src", root / "heck")
        theirs = build(root, root / "heck" / "lib.rs", "heck")
        a, b = answers(mine, generated, root), answers(theirs, generated, root)
    pairs = [pair for rows in zip(a, b, strict=True) for pair in zip(*rows, strict=True)]
    same = sum(x == y for x, y in pairs)
    print(f"for information: agrees with the original on {same} of {7 * len(generated)} "
          "generated conversions")  # fmt: skip


main()
