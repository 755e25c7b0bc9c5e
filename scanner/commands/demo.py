"""``leaktrace demo``: the README's first command. Fingerprints the bundled samples (the private
repo, the company's public SDK marked public), learns the sample reference package, scans every
sample candidate in a temporary folder (no network, no token), prints the verdict table, and
checks each verdict against ``samples/expected.json`` (exit 0 when all match, 1 otherwise)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fingerprints import LeaktraceError, printable
from scanner.commands.background import learn_targets
from scanner.commands.background import refresh as refresh_index
from scanner.commands.exits import EXIT_INPUT
from scanner.commands.fingerprint import _fingerprint
from scanner.commands.scan import run_scan
from scanner.commands.shared import write_reports as _write_reports
from scanner.commands.verdict_table import verdict_table as _verdict_table
from scanner.console import err, out
from scanner.console import error as _error
from scanner.errors import InputError


def demo(
    samples: Annotated[Path, typer.Option(help="The bundled samples folder.")] = Path("samples"),
    json_out: Annotated[
        str | None, typer.Option("--json", help="Also write the JSON report.")
    ] = None,
    html_out: Annotated[
        str | None, typer.Option("--html", help="Also write the HTML report.")
    ] = None,
) -> None:
    """Fingerprint the bundled samples and scan every sample candidate (no network, no token).

    Exits 0 when every verdict is the one samples/expected.json states, 1 otherwise.
    """
    import tempfile

    from scanner.resultsdb import ResultsDB
    from scanner.thresholds import Thresholds

    expected_file = samples / "expected.json"
    if not expected_file.is_file():
        err.print(
            f"leaktrace: {expected_file}: not found; run from the leaktrace checkout "
            "or pass --samples",
            markup=False,
        )
        raise typer.Exit(EXIT_INPUT)
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    root = samples.parent
    private = [root / expected["private_repo"]]
    public = [root / p for p in expected.get("public_repos", [])]
    references = [str(root / p) for p in expected.get("references", [])]
    targets = [str(samples / "candidates" / name) for name in expected["candidates"]]
    with tempfile.TemporaryDirectory(prefix="leaktrace-demo-") as tmp:
        store_path = Path(tmp) / "samples.db"
        err.print(
            f"$ leaktrace fingerprint {' '.join(map(str, private))} "
            + " ".join(f"--public {p}" for p in public)
            + " --store STORE",
            markup=False,
        )
        try:
            _fingerprint(private, store_path, None, public, None, verbose=False)
            if references:
                err.print(f"$ leaktrace background {' '.join(references)} --store STORE",
                          markup=False)  # fmt: skip
                from fingerprints import open_store

                with open_store(store_path) as opened:
                    if learn_targets(opened, references, jobs=1):
                        raise InputError("the sample references could not be learned")
                    refresh_index(opened)
            err.print(f"$ leaktrace scan {' '.join(targets)} --store STORE", markup=False)
            with ResultsDB(Path(tmp) / "results.db", create=True) as results:
                result, run_id = run_scan(targets, store_path, Thresholds(), results)
                assert run_id is not None
                outputs = {"json": json_out, "html": html_out}
                recorded = _write_reports(results, run_id, outputs)["candidates"]
        except LeaktraceError as exc:
            _error(exc)
            raise typer.Exit(EXIT_INPUT) from None
    out.print(_verdict_table(recorded, out.width))
    wrong = 0
    for outcome in result.candidates:
        name = Path(outcome.target).name
        want = expected["candidates"][name]["verdict"]
        ok = outcome.verdict.value == want
        wrong += not ok
        attributed = [r for r in outcome.reasons[1:] if "public code (in " in r]
        out.print(
            printable(f"{'ok  ' if ok else 'FAIL'} {name}: {outcome.verdict.value} (expected "
                      f"{want}); " + "; ".join([outcome.reasons[0], *attributed])),
            markup=False,
        )  # fmt: skip
    raise typer.Exit(0 if wrong == 0 else 1)
