"""``leaktrace review RUN [CANDIDATE] --confirm|--dismiss --reason WHY``: the review queue of a
run, and decisions on a candidate (who, what, when, why), recorded in the results database.
Which candidate and which files a name means: ``review_targets``. Errors are one line on stderr
and exit code 2 (``scanner/cli.py`` registers the command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fingerprints import printable
from scanner.commands import BY_OPTION, RESULTS_OPTION
from scanner.console import out
from scanner.endpoints import DEFAULT_RESULTS
from scanner.errors import InputError


def review(
    run: Annotated[str, typer.Argument(help="Run id, or 'latest'.")],
    candidate: Annotated[str | None, typer.Argument(help="Candidate target to decide on.")] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="Confirm: it is a copy.")] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="Dismiss: it is not.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")] = "",
    files: Annotated[
        list[str] | None,
        typer.Option(
            "--files",
            help="Only these candidate files, as shown or as globs ('src/**/*.py'; quote them); "
            "repeat for more (default: all matched files).",
        ),
    ] = None,
    by: Annotated[str, BY_OPTION] = "",
    everywhere: Annotated[
        bool,
        typer.Option(
            "--everywhere",
            help="Decide on these files' contents wherever they appear (every fork "
            "holding the same blob), as 'serve' confirms; each other candidate reached is "
            "named. Dismiss everywhere only for a reason about the content (public code), "
            "never about a place.",
        ),
    ] = False,
    results_path: Annotated[Path, RESULTS_OPTION] = DEFAULT_RESULTS,
) -> None:
    """List candidates awaiting a decision, or record one (who, what, when, why)."""
    import getpass

    from scanner.commands.review_targets import find_candidate, matched_files, other_places
    from scanner.resultsdb import ResultsDB

    with ResultsDB(results_path) as results:
        run_id = results.resolve_run(run)
        data = results.report(run_id)
        if candidate is None:
            _print_queue(data)
            return
        if confirm == dismiss:
            raise InputError("give exactly one of --confirm or --dismiss")
        if not reason.strip():
            raise InputError("--reason is required: say why")
        chosen = find_candidate(data, candidate)
        paths = matched_files(chosen, files) if files else None
        decided = results.decide(chosen, "confirmed" if confirm else "dismissed",
                                 reason.strip(), by or getpass.getuser(), paths,
                                 scope="content" if everywhere else "location")  # fmt: skip
        out.print(
            printable(
                f"{'confirmed' if confirm else 'dismissed'} {chosen['target']}: "
                + (", ".join(decided) or "(no matched files)")
            ),
            markup=False,
        )
        reached = other_places(results, chosen, decided) if everywhere else []
        if reached:
            out.print(f"also decides {len({p.target for p in reached})} other candidate(s) "
                      "holding the same content (one with a decision of its own keeps it):",
                      markup=False)  # fmt: skip
        for place in reached:
            out.print(printable(f"  {place.target}: {place.path}"), markup=False)


def _print_queue(data: dict) -> None:
    """One line per candidate awaiting a decision (targets whole, to paste into ``review``), the
    checks that decided its verdict, and each file awaiting a decision once."""
    from scanner.reports.wording import verdict_sentence

    waiting = [c for c in data["candidates"] if c["verdict"] != "clear" and c["review"]["awaiting"]]
    waiting.sort(key=lambda c: (c["verdict"] != "derivative", -c["matched_tokens"]))
    out.print(f"run {data['run']['id']}: {len(waiting)} candidate(s) awaiting a decision",
              markup=False)  # fmt: skip
    for c in waiting:
        out.print(f"{c['verdict']:<10} {c['matched_tokens']:>9,} tokens  {printable(c['target'])}",
                  markup=False, soft_wrap=True)  # fmt: skip
        out.print(printable(f"{'':<28}why: {verdict_sentence(c)}"), markup=False, soft_wrap=True)
        for path in c["review"]["awaiting"]:
            out.print(f"{'':<28}{printable(path)}", markup=False, soft_wrap=True)
