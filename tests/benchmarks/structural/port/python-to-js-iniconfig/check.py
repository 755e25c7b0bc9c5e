"""The JavaScript port of iniconfig 2.0.0 behaves like the original: 6,000 generated INI texts
are parsed by the original (here) and by the port (under node); the sections, values, line
numbers, iteration order, lookups and errors (at the same line, with the same message) must be
equal. Needs ``node``."""

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import load, rng, run  # noqa: E402

PIECES = [
    "[main]", "[other]", "[main] # note", "[]", "[half", " [indented]", "key = value",
    "name: x", "a=b:c", "a:b=c", "url = http://x", "k=", "k :", "  continued", "\tmore",
    "# comment", "; comment", "   # indented comment", "", "   ", "novalue", "=bare",
    "dup = 1", "dup = 2", "[main]", "x = 1 ; not a comment", "[s]\r", "v = 'q\"'",
    "it's", 'say "hi"', "both'\"", "back\\slash",
]  # fmt: skip
KEYS = ["key", "dup", "a", "k", "name", "missing"]

NODE = r"""
const { IniConfig, iscommentline } = require(process.argv[2]);
const { texts, pieces, keys } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const view = (text) => {
  let config;
  try {
    config = new IniConfig('f.ini', text);
  } catch (error) {
    return { error: [error.lineno, String(error)] };
  }
  const names = [...config].map((s) => s.name);
  return {
    sections: [...config.sections].map(([name, values]) => [name, [...values]]),
    items: [...config].map((s) => [s.name, [...s.items()]]),
    lines: [...names, 'nope'].flatMap((n) => [null, ...keys].map((k) => config.lineof(n, k))),
    get: names.flatMap((n) => keys.map((k) => config.get(n, k, 'dflt', (v) => v.length))),
    plain: names.flatMap((n) => keys.map((k) => config.getSection(n).get(k))),
    has: [config.has('main'), config.has('nope')],
  };
};
process.stdout.write(JSON.stringify({
  views: texts.map(view),
  comments: pieces.map(iscommentline),
}));
"""


def view(module, text: str) -> dict:
    try:
        config = module.IniConfig("f.ini", data=text)
    except module.ParseError as error:
        return {"error": [error.lineno, str(error)]}
    names = [s.name for s in config]
    return {
        "sections": [[n, [list(kv) for kv in v.items()]] for n, v in config.sections.items()],
        "items": [[s.name, [list(kv) for kv in s.items()]] for s in config],
        "lines": [config.lineof(n, k) for n in [*names, "nope"] for k in [None, *KEYS]],
        "get": [config.get(n, k, "dflt", len) for n in names for k in KEYS],
        "plain": [config[n].get(k) for n in names for k in KEYS],
        "has": ["main" in config, "nope" in config],
    }


def main() -> None:
    if not shutil.which("node"):
        raise SystemExit("node is not installed")
    # the original is shared with the rewrite case of the same module
    source = HERE.parents[1] / "rewrite" / "py-iniconfig" / "original" / "__init__.py"
    original = load(source, "original_iniconfig_p1", package=True)
    r = rng()
    texts = [
        "\n".join(r.choice(PIECES) for _ in range(r.randint(0, 9))) + r.choice(["", "\n", "\r\n"])
        for _ in range(6000)
    ]
    with tempfile.TemporaryDirectory(prefix="iniconfig-port-check-") as tmp:
        (Path(tmp) / "run.js").write_text(NODE)
        payload = {"texts": texts, "pieces": PIECES, "keys": KEYS}
        (Path(tmp) / "inputs.json").write_text(json.dumps(payload))
        port = HERE / "candidate" / "iniconfig.js"
        answers = json.loads(run(["sh", "-c", f"node run.js '{port}' < inputs.json"], Path(tmp)))
    assert answers["comments"] == [original.iscommentline(p) for p in PIECES]
    valid = 0
    for text, got in zip(texts, answers["views"], strict=True):
        expected = json.loads(json.dumps(view(original, text)))
        if got != expected:
            raise SystemExit(f"{text!r}: Python {expected}, JavaScript port {got}")
        valid += "error" not in got
    print(f"iniconfig: {len(texts)} texts ({valid} valid), the JavaScript port answers alike")


main()
