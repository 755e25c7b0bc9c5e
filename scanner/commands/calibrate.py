"""``leaktrace calibrate CORPUS... --store STORE [--split] [--save leaktrace.toml]``: scan
unrelated public code against the store, show what it reaches (fragments, covered tokens), and
recommend thresholds it stays below (``scanner.calibrate``). Errors are one line on stderr and
exit code 2."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from fingerprints import LeaktraceError, printable
from scanner.commands import CONFIG_OPTION, STORE_OPTION
from scanner.commands.exits import EXIT_INPUT
from scanner.commands.shared import progress as _progress
from scanner.commands.shared import report_problems as _report_problems
from scanner.commands.shared import require_private_code as _require_private_code
from scanner.commands.shared import thresholds_for as _thresholds
from scanner.console import error as _error
from scanner.console import note as _note
from scanner.console import out


def calibrate(
    corpus: Annotated[
        list[str],
        typer.Argument(
            help="Unrelated public code that must come out clear: folders, archives or git URLs."
        ),
    ],
    store: Annotated[Path, STORE_OPTION],
    split: Annotated[
        bool, typer.Option(help="Treat each subfolder of a folder as its own candidate.")
    ] = False,
    save: Annotated[
        Path | None, typer.Option(help="Write the recommended thresholds into this leaktrace.toml.")
    ] = None,
    config: Annotated[Path | None, CONFIG_OPTION] = None,
) -> None:
    """Scan unrelated code against the store, show what it reaches, recommend thresholds."""
    from rich.markup import escape
    from rich.table import Table

    from fingerprints import open_store
    from scanner.calibrate import MARGIN, measure, recommend
    from scanner.config import save_thresholds
    from scanner.index import FingerprintIndex
    from scanner.targets import resolve

    try:
        current = _thresholds(config, None)
        targets = []
        for target in corpus:
            path = Path(target)
            if split and path.is_dir():
                targets += [str(p) for p in sorted(path.iterdir()) if p.is_dir()]
            else:
                targets.append(target)
        with open_store(store, read_only=True) as opened:
            _require_private_code(opened)
            index = FingerprintIndex.from_store(opened, _note)
            rows = []
            with contextlib.closing(index), _progress() as progress:
                task = progress.add_task("calibrating", total=len(targets), item="")
                for target in targets:
                    progress.update(task, item=target)
                    candidate = resolve(target)
                    rows.append(measure(candidate, index, opened.params, current))
                    _report_problems(target, candidate)
                    progress.advance(task)
        advice = recommend(rows, current)
    except LeaktraceError as exc:
        _error(exc)
        raise typer.Exit(EXIT_INPUT) from None
    table = Table(title="unrelated code against the store", title_justify="left")
    for column in ("candidate", "files", "lines", "longest fragment", "covered tokens"):
        table.add_column(
            column,
            justify="left" if column == "candidate" else "right",
            overflow="fold" if column == "candidate" else None,
        )
    for row in sorted(rows, key=lambda r: (-r.longest, r.target)):
        table.add_row(
            escape(printable(row.target)),
            f"{row.files:,}",
            f"{row.lines:,}",
            f"{row.longest:,}",
            f"{row.covered:,}",
        )
    out.print(table)
    lengths = sorted(length for row in rows for length in row.fragments)
    if lengths:

        def pct(q: float) -> int:
            return lengths[min(len(lengths) - 1, int(q * len(lengths)))]

        out.print(
            f"fragments >= {opened.params.guarantee} tokens: {len(lengths):,}; "
            f"median {pct(0.5)}, p90 {pct(0.9)}, p99 {pct(0.99)}, max {lengths[-1]}",
            markup=False,
        )
    for copy in advice.copies:
        out.print(f"copied code, left out of the recommendation: {printable(copy.target)} "
                  f"shares a verbatim fragment of {copy.verbatim_longest:,} tokens with the "
                  f"store; look at it: leaktrace scan {printable(copy.target)} --store {store}",
                  markup=False)  # fmt: skip
        for path, repo, private_path, tokens in copy.copy_pairs[:10]:
            out.print(f"  {printable(path)} = {repo}/{private_path} (verbatim fragment of "
                      f"{tokens:,} tokens)", markup=False)  # fmt: skip
        if len(copy.copy_pairs) > 10:
            out.print(f"  ... and {len(copy.copy_pairs) - 10} more file pair(s)", markup=False)
    out.print(
        f"at the current thresholds: {advice.flagged_now} of {advice.candidates} unrelated "
        f"candidate(s) would be derivative, {advice.review_now} review",
        markup=False,
    )
    changes = advice.changes(current)
    if changes:
        for name, (old, new) in changes.items():
            out.print(f"recommend {name} = {new} (now {old})", markup=False)
    else:
        out.print(
            "recommend the current thresholds: unrelated code stays below them "
            f"with a margin of {MARGIN:.1f}x",
            markup=False,
        )
    out.print(
        f"with the recommendation: {advice.flagged_after} false flag(s) in "
        f"{advice.candidates} unrelated candidate(s); estimated false-flag rate at most "
        f"{advice.false_flag_bound:.1%} (95 % bound)",
        markup=False,
    )
    if save:
        values = {name: getattr(advice.thresholds, name) for name in advice.thresholds.names()}
        try:
            save_thresholds(save, values)
        except LeaktraceError as exc:
            _error(exc)
            raise typer.Exit(EXIT_INPUT) from None
        out.print(f"saved to {save}", markup=False)
