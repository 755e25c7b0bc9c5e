"""The Python port of ms 2.1.3 (index.js) behaves like the original: node runs the original on
30,000 generated inputs, the port runs on the same, and the results (numbers, strings, "no
result", errors) must be equal. Needs ``node``."""

import json
import math
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import load, outcome, rng, run  # noqa: E402

# Inputs travel as JSON; these stand for the values JSON cannot hold.
NODE = r"""
const ms = require(process.argv[2]);
const special = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, undefined: undefined };
const decode = (v) => (v && typeof v === 'object' && '$' in v ? special[v.$] : v);
const inputs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = inputs.map(([val, options]) => {
  try {
    const result = ms(decode(val), decode(options));
    return result === undefined ? { none: true } : { value: result };
  } catch (error) {
    return { raised: true };
  }
});
process.stdout.write(JSON.stringify(out));
"""
SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "undefined": None}

UNITS = ["", "ms", "msec", "msecs", "millisecond", "milliseconds", "s", "sec", "secs", "second",
         "seconds", "m", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours",
         "d", "day", "days", "w", "week", "weeks", "y", "yr", "yrs", "year", "years", "YEARS",
         "Ms", "x", "mss", "\n", "ms\n"]  # fmt: skip


def generated(count: int) -> list[list]:
    r = rng()
    inputs: list[list] = []
    for _ in range(count):
        kind = r.random()
        if kind < 0.5:
            number = r.choice(["1", "0", "-3", ".5", "1.5", "-.25", "100", "2.", "1e3", "", "٣",
                               str(r.randrange(10**6)), f"{r.random() * 100:.3f}"])  # fmt: skip
            inputs.append([number + r.choice(["", " ", "  ", "-"]) + r.choice(UNITS), None])
        elif kind < 0.9:
            value = (r.random() - 0.5) * 10 ** r.randrange(12)
            half = (r.randrange(-6, 6) + 0.5) * r.choice([1000, 60_000, 3_600_000, 86_400_000])
            value = r.choice([value, float(round(value)), half, -0.0, 0, 1.5e-7, 1.2345e21])
            inputs.append([value, r.choice([{"$": "undefined"}, {}, {"long": True}])])
        else:
            inputs.append([r.choice(["", None, {"$": "NaN"}, {"$": "Infinity"}, {},
                                     [], "1" * 101, True])])  # fmt: skip
    return inputs


def decode(value):
    return SPECIAL[value["$"]] if isinstance(value, dict) and "$" in value else value


def port_result(port, val, options=None):
    done = outcome(port.ms, decode(val), decode(options))
    if done[0] == "raised":
        return {"raised": True}
    return {"none": True} if done[1] is None else {"value": done[1]}


def main() -> None:
    if not shutil.which("node"):
        raise SystemExit("node is not installed")
    port = load(HERE / "candidate" / "ms.py", "ported_ms")
    inputs = generated(30_000)
    with tempfile.TemporaryDirectory(prefix="ms-port-check-") as tmp:
        (Path(tmp) / "run.js").write_text(NODE)
        (Path(tmp) / "inputs.json").write_text(json.dumps(inputs))
        original = HERE.parents[1] / "rewrite" / "js-ms" / "original" / "index.js"  # shared
        command = f"node run.js '{original}' < inputs.json"
        answers = json.loads(run(["sh", "-c", command], Path(tmp)))
    for args, expected in zip(inputs, answers, strict=True):
        got = port_result(port, *args)
        if got != expected:
            raise SystemExit(f"ms{tuple(args)!r}: JavaScript {expected}, Python port {got}")
    print(f"ms: {len(inputs)} inputs, the Python port answers like the JavaScript original")


main()
