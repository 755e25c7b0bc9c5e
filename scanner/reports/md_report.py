"""A short Markdown summary, fit for a ticket or an email. No source text, ever.

Every name (target, path, repository) is a code span and every message is escaped text
(``scanner.reports.text``): a hostile name renders as itself, with or without raw HTML allowed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from scanner.reports.columns import columns_text, ranges_text
from scanner.reports.grouping import Copy, distinct_contents, group_candidate
from scanner.reports.locations import legend, locate, registry_page
from scanner.reports.text import md_code, md_text, safe_link
from scanner.reports.wording import copy_kind, decisive_checks, set_aside, shown_verdict
from scanner.verdict import VERDICT_ORDER

if TYPE_CHECKING:
    from scanner.reports import Sources


MAX_GROUPS, MAX_COPIES, MAX_PLACES = 10, 8, 8


def _ranges(ranges: list[list[int]], most: int = 6) -> str:
    shown = ranges_text(ranges[:most])
    return shown + (f" and {len(ranges) - most} more ranges" if len(ranges) > most else "")


def _history(history: dict[str, Any] | None) -> str:
    if not history:
        return ""
    newest, oldest = history["seen"][0], history["seen"][-1]
    where = "still at a branch tip" if history["at_tip"] else "**in history only**"
    first = (f", first in {md_code(oldest['commit'][:12])} ({md_text(oldest['date'])})"
             if history["commits"] > 1 else "")  # fmt: skip
    return (f"; {where}: commit {md_code(newest['commit'][:12])} ({md_text(newest['date'])}) at "
            f"{md_code(newest['path'])}{first}, {history['commits']} commit(s) in all")  # fmt: skip


def write(report: dict[str, Any], out: TextIO, sources: Sources) -> None:
    candidates = sorted(
        report["candidates"], key=lambda c: (VERDICT_ORDER[shown_verdict(c)], -c["matched_tokens"])
    )
    counts = {v: sum(shown_verdict(c) == v for c in candidates) for v in VERDICT_ORDER}
    run = report.get("run", {})
    out.write(f"# leaktrace: {counts['derivative']} derivative, {counts['review']} to review, "
              f"{counts['incomplete']} incomplete, {counts['clear']} clear\n\n")  # fmt: skip
    out.write(f"leaktrace {report['tool']['version']}"
              + (f", run {run['id']}" if run else "")
              + f", store digest `{report['provenance']['store_digest'][:16]}`\n\n")  # fmt: skip
    flagged = [c for c in candidates if shown_verdict(c) != "clear"]
    if flagged:
        out.write("| candidate | verdict | private tokens | longest fragment | files | review |\n")
        out.write("| --- | --- | ---: | ---: | ---: | --- |\n")
        for c in flagged:
            review = c.get("review", {})
            state = (f"{len(review.get('confirmed', []))} confirmed, "
                     f"{len(review.get('awaiting', []))} awaiting") if review else ""  # fmt: skip
            out.write(f"| {md_code(c['target'], in_table=True)} | **{shown_verdict(c)}** | "
                      f"{c['matched_tokens']:,} | {c['longest_fragment']:,} | "
                      f"{len(c['files'])} | {state} |\n")  # fmt: skip
        for c in flagged:
            _candidate(c, out)
    else:
        out.write("No candidate shares private code above the thresholds.\n")
    if counts["clear"]:
        out.write(f"\n{counts['clear']} candidate(s) clear.\n")
    attributed = [c for c in candidates if c.get("public_code")]
    if attributed:
        out.write("\n## Public code (discounted, never evidence)\n\n")
        for c in attributed:
            for code in c["public_code"][:10]:
                source = md_code(f"{code['source']} {code['version']}".strip())
                private = f"{code['private_repo']}/{code['private_path']}"
                out.write(f"- {md_code(c['target'])}: {code['tokens']:,} tokens of public code, "
                          f"also in {source} ({md_text(code['kind'])}) at "
                          f"{md_code(code['reference_path'] or '?')}, matched at "
                          f"{md_code(private)}\n")  # fmt: skip
            if len(c["public_code"]) > 10:
                out.write(f"- … and {len(c['public_code']) - 10} more (see the JSON report)\n")
    references = report["provenance"].get("references") or []
    if references:
        out.write("\n## Reference sources (the decision on each, and why)\n\n")
        for r in references:
            label = md_code(f"{r['name']} {r['version']}".strip())
            why = "; ".join(r.get("reasons") or [])
            out.write(f"- {label} ({md_text(r['kind'])}, sha256 {md_code(str(r['sha256'])[:12])}): "
                      f"**{md_text(r['decision'])}**" + (f": {md_text(why)}" if why else "")
                      + "\n")  # fmt: skip


def _candidate(c: dict[str, Any], out: TextIO) -> None:
    """One flagged candidate: why its verdict, what was set aside, what was not read, and its
    evidence per private file (identical content once, with every place)."""
    out.write(f"\n## {md_code(c['target'])}: {shown_verdict(c)}\n\n")
    page = registry_page(c["target"], c.get("revision"))
    if safe_link(page):
        out.write(f"Published at <{page}>\n\n")
    out.write("Why this verdict:\n\n")
    for reason in c["reasons"]:
        if reason.startswith("incomplete"):
            out.write(f"- {md_text(reason)}\n")
    for decided in decisive_checks(c):
        out.write(f"- {md_text(decided.text)}: **{'met' if decided.met else 'not met'}**\n")
    aside = set_aside(c)
    if aside:
        out.write("\nSet aside, not evidence:\n\n" + "".join(f"- {md_text(a)}\n" for a in aside))
    out.write("\n")
    unread = c.get("unread", [])
    if unread:
        out.write(f"Not read ({len(unread)}):\n\n")
        for p in unread[:20]:
            out.write(f"- {md_code(p['path'] or c['target'])}: {md_text(p['message'])}\n")
        if len(unread) > 20:
            out.write(f"- … and {len(unread) - 20} more (see the JSON report)\n")
        out.write("\n")
    groups = group_candidate(c)
    out.write(f"Evidence: {len(groups):,} private file(s), "
              f"{distinct_contents(c):,} distinct candidate content(s), "
              f"{len(c['files']):,} file pair(s).\n\n")  # fmt: skip
    for notation, meaning in legend(p["candidate_path"] for p in c["files"]):
        out.write(f"- {md_code(notation)}: {md_text(meaning)}\n")
    for group in groups[:MAX_GROUPS]:
        pair = group.copies[0].pair
        out.write(f"\n- private {md_code(group.repo + '/' + group.path)}{_copies(pair)}: "
                  f"{group.tokens:,} private tokens\n")  # fmt: skip
        for copy in group.copies[:MAX_COPIES]:
            _copy(c, copy, out)
        if len(group.copies) > MAX_COPIES:
            out.write(f"  - … and {len(group.copies) - MAX_COPIES} more distinct contents\n")
    if len(groups) > MAX_GROUPS:
        out.write(f"\n… and {len(groups) - MAX_GROUPS:,} more private files (see the JSON "
                  "report)\n")  # fmt: skip


def _copy(c: dict[str, Any], copy: Copy, out: TextIO) -> None:
    pair = copy.pair
    where = locate(c["target"], c.get("revision"), pair["candidate_path"])
    url = f" <{where.file_url}>" if safe_link(where.file_url) else ""
    out.write(f"  - {md_code(pair['candidate_path'])}{url} lines "
              f"{_ranges(pair['candidate_lines'])}{columns_text(pair)} = private lines "
              f"{_ranges(pair['private_lines'])} ({pair['matched_tokens']:,} tokens, "
              f"{md_text(copy_kind(pair))}){_history(pair.get('history'))}\n")  # fmt: skip
    others = [p.path for p in copy.places if p.pair is not pair]
    if others:
        listed = ", ".join(md_code(path) for path in others[:MAX_PLACES])
        more = f" and {len(others) - MAX_PLACES:,} more" if len(others) > MAX_PLACES else ""
        out.write(f"    - the same content also at {listed}{more}\n")


def _copies(pair: dict[str, Any]) -> str:
    """Other private places holding the same content (counted once as evidence)."""
    copies = pair.get("private_copies", [])
    more = f"; and {len(copies) - MAX_COPIES} more" if len(copies) > MAX_COPIES else ""
    return "".join(f"; also {md_code(c['repo'] + '/' + c['path'])}"
                   for c in copies[:MAX_COPIES]) + more  # fmt: skip
