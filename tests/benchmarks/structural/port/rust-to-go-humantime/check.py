"""The Go port of humantime 2.1.0's src/duration.rs behaves like the original: both are built
into small programs that read the same 100,000 generated inputs (strings to parse, durations to
format) and print the result or the error message; the outputs must be equal. The inputs include
the examples of the original's documentation and tests. Needs ``go`` (Debian golang-go) and
``rustc``."""

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import rng, run  # noqa: E402

RUST_MAIN = """
use std::io::{BufRead, Write};
use std::time::Duration;
#[allow(dead_code)]
mod duration;

fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let (kind, rest) = line.split_once('\\t').unwrap();
        let answer = std::panic::catch_unwind(|| {
            if kind == "p" {
                match duration::parse_duration(rest) {
                    Ok(d) => format!("ok {} {}", d.as_secs(), d.subsec_nanos()),
                    Err(e) => format!("err {}", e),
                }
            } else {
                let (secs, nanos) = rest.split_once('\\t').unwrap();
                let d = Duration::new(secs.parse().unwrap(), nanos.parse().unwrap());
                duration::format_duration(d).to_string()
            }
        });
        writeln!(out, "{}", answer.unwrap_or_else(|_| "panic".to_string())).unwrap();
    }
}
"""

GO_MAIN = """package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"port/humanduration"
)

func answer(kind, rest string) (text string) {
	defer func() {
		if recover() != nil {
			text = "panic"
		}
	}()
	if kind == "p" {
		d, err := humanduration.ParseDuration(rest)
		if err != nil {
			return "err " + err.Error()
		}
		return fmt.Sprintf("ok %d %d", d.Secs, d.Nanos)
	}
	secs, nanos, _ := strings.Cut(rest, "\\t")
	s, _ := strconv.ParseUint(secs, 10, 64)
	n, _ := strconv.ParseUint(nanos, 10, 32)
	return humanduration.FormatDuration(humanduration.Duration{Secs: s, Nanos: uint32(n)})
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for scanner.Scan() {
		kind, rest, _ := strings.Cut(scanner.Text(), "\\t")
		fmt.Fprintln(out, answer(kind, rest))
	}
}
"""

DOCUMENTED = [
    "2h 37min", "32ms", "17nsec", "33ns", "3usec", "78us", "31msec", "6ms", "17sec", "64s",
    "2min", "1m", "3 hours", "1 hour", "7d", "1 week", "3 weeks", "1 month", "1M", "1 y",
    "1 years", "1 year 3 months", "12 h 7 nanos", "1h 12m 5s", "5ns 10sec", "", "   ",
    "18446744073709551616s", "18446744073709551615s", "10000000000000000000y", "1 m sec",
    "2 hours min", "1.5h", "1-2h", "12", "1xyz", "584942417356 years", "584942417355y 2M",
]  # fmt: skip
UNITS = ["ns", "nsec", "nanos", "us", "usec", "ms", "msec", "millis", "s", "sec", "secs",
         "second", "seconds", "m", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour",
         "hours", "d", "day", "days", "w", "week", "weeks", "M", "month", "months", "y", "year",
         "years", "", "x", "Sec", "mS"]  # fmt: skip
SPACES = ["", "", " ", "  ", "\t", "\u00a0", "\u2003", "\u0085"]
OTHER = [".", "-", "+", "é", "日", "_"]


def generated(count: int) -> list[str]:
    r = rng()
    lines = [f"p\t{text}" for text in DOCUMENTED]
    for _ in range(count):
        if r.random() < 0.3:
            secs = r.choice([0, 1, 59, 60, 3600, 86399, 86400, 2_630_016, 31_557_600,
                             r.randrange(10**6), r.randrange(10**12), 2**64 - 1])  # fmt: skip
            nanos = r.choice([0, 1, 999, 1000, 10**6, 999_999_999, r.randrange(10**9)])
            lines.append(f"f\t{secs}\t{nanos}")
            continue
        parts = []
        for _ in range(r.randint(0, 4)):
            number = str(r.choice([0, 1, 2, 7, 60, 999, r.randrange(10**6), r.randrange(10**20)]))
            parts.append(r.choice(SPACES) + number + r.choice(SPACES) + r.choice(UNITS))
        text = "".join(parts)
        if r.random() < 0.15 and text:
            at = r.randrange(len(text))
            text = text[:at] + r.choice(OTHER) + text[at:]
        lines.append("p\t" + text)
    return lines


def main() -> None:
    for tool in ("go", "rustc"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed")
    lines = generated(100_000)
    with tempfile.TemporaryDirectory(prefix="humantime-port-check-") as tmp:
        root = Path(tmp)
        (root / "inputs.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        (root / "rs").mkdir()
        shutil.copy(HERE / "original" / "duration.rs", root / "rs")
        (root / "rs" / "main.rs").write_text(RUST_MAIN)
        run(["rustc", "-O", "--edition", "2018", "-o", "rs-duration", "rs/main.rs"], root)
        (root / "go" / "humanduration").mkdir(parents=True)
        shutil.copy(HERE / "candidate" / "duration.go", root / "go" / "humanduration")
        (root / "go" / "main.go").write_text(GO_MAIN)
        (root / "go" / "go.mod").write_text("module port\n\ngo 1.19\n")
        run(["env", "GOFLAGS=-mod=mod", "GOPROXY=off", "go", "build", "-o", "../go-duration"],
            root / "go")  # fmt: skip
        outputs = [
            run(["sh", "-c", f"./{binary} < inputs.txt"], root).splitlines()
            for binary in ("rs-duration", "go-duration")
        ]
    assert len(outputs[0]) == len(lines), "the Rust program did not answer every input"
    for line, a, b in zip(lines, *outputs, strict=True):
        if a != b:
            raise SystemExit(f"{line!r}: Rust {a!r}, Go port {b!r}")
    oks = sum(a.startswith("ok ") for a in outputs[0])
    errors = sum(a.startswith("err ") for a in outputs[0])
    print(
        f"humantime: {len(lines)} inputs ({oks} parsed, {errors} refused, "
        f"{len(lines) - oks - errors} formatted), same output from Rust and the Go port"
    )


main()
