"""A short Markdown summary, fit for a ticket or an email. No source text, ever.

Every name (target, path, repository) is a code span and every message is escaped text
(``scanner.reports.text``): a hostile name renders as itself, with or without raw HTML allowed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from scanner.reports.columns import columns_text
from scanner.reports.text import md_code, md_text
from scanner.verdict import VERDICT_ORDER

if TYPE_CHECKING:
    from scanner.reports import Sources


def _ranges(ranges: list[list[int]]) -> str:
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def _history(history: dict[str, Any] | None) -> str:
    if not history:
        return ""
    newest, oldest = history["seen"][0], history["seen"][-1]
    where = "still at a branch tip" if history["at_tip"] else "**in history only**"
    first = (f", first in `{oldest['commit'][:12]}` ({oldest['date']})"
             if history["commits"] > 1 else "")  # fmt: skip
    return (f"; {where}: commit `{newest['commit'][:12]}` ({newest['date']}) at "
            f"`{newest['path']}`{first}, {history['commits']} commit(s) in all")  # fmt: skip


def write(report: dict[str, Any], out: TextIO, sources: Sources) -> None:
    candidates = sorted(
        report["candidates"], key=lambda c: (VERDICT_ORDER[c["verdict"]], -c["matched_tokens"])
    )
    counts = {v: sum(c["verdict"] == v for c in candidates) for v in VERDICT_ORDER}
    run = report.get("run", {})
    out.write(f"# leaktrace: {counts['derivative']} derivative, {counts['review']} to review, "
              f"{counts['incomplete']} incomplete, {counts['clear']} clear\n\n")  # fmt: skip
    out.write(f"leaktrace {report['tool']['version']}"
              + (f", run {run['id']}" if run else "")
              + f", store digest `{report['provenance']['store_digest'][:16]}`\n\n")  # fmt: skip
    flagged = [c for c in candidates if c["verdict"] != "clear"]
    if flagged:
        out.write("| candidate | verdict | private tokens | longest fragment | files | review |\n")
        out.write("| --- | --- | ---: | ---: | ---: | --- |\n")
        for c in flagged:
            review = c.get("review", {})
            state = (f"{len(review.get('confirmed', []))} confirmed, "
                     f"{len(review.get('awaiting', []))} awaiting") if review else ""  # fmt: skip
            out.write(f"| {md_code(c['target'], in_table=True)} | **{c['verdict']}** | "
                      f"{c['matched_tokens']:,} | {c['longest_fragment']:,} | "
                      f"{len(c['files'])} | {state} |\n")  # fmt: skip
        for c in flagged:
            out.write(
                f"\n## {md_code(c['target'])}: {c['verdict']}\n\n{md_text(c['reasons'][0])}.\n\n"
            )
            unread = c.get("unread", [])
            if unread:
                out.write(f"Not read ({len(unread)}):\n\n")
                for p in unread[:20]:
                    out.write(f"- {md_code(p['path'] or c['target'])}: {md_text(p['message'])}\n")
                if len(unread) > 20:
                    out.write(f"- … and {len(unread) - 20} more (see the JSON report)\n")
                out.write("\n")
            for pair in c["files"][:10]:
                kind = "verbatim" if pair["verbatim"] else "after normalization"
                out.write(f"- {md_code(pair['candidate_path'])} lines "
                          f"{_ranges(pair['candidate_lines'])}{columns_text(pair)} "
                          f"= {md_code(pair['private_repo'] + '/' + pair['private_path'])} lines "
                          f"{_ranges(pair['private_lines'])} ({pair['matched_tokens']:,} tokens, "
                          f"{kind}{_copies(pair)}){_history(pair.get('history'))}\n")  # fmt: skip
            if len(c["files"]) > 10:
                out.write(f"- … and {len(c['files']) - 10} more file pairs\n")
    else:
        out.write("No candidate shares private code above the thresholds.\n")
    if counts["clear"]:
        out.write(f"\n{counts['clear']} candidate(s) clear.\n")
    attributed = [c for c in candidates if c.get("public_code")]
    if attributed:
        out.write("\n## Public code (discounted, never evidence)\n\n")
        for c in attributed:
            for code in c["public_code"][:10]:
                out.write(f"- `{c['target']}`: {code['tokens']:,} tokens of public code, also in "
                          f"{code['source']} {code['version']} ({code['kind']}) at "
                          f"`{code['reference_path'] or '?'}`, matched at "
                          f"`{code['private_repo']}/{code['private_path']}`\n")  # fmt: skip
            if len(c["public_code"]) > 10:
                out.write(f"- … and {len(c['public_code']) - 10} more (see the JSON report)\n")


def _copies(pair: dict[str, Any]) -> str:
    """Other private places holding the same content (counted once as evidence)."""
    copies = pair.get("private_copies", [])
    return "".join(f"; also {md_code(c['repo'] + '/' + c['path'])}" for c in copies)
