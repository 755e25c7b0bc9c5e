"""One self-contained HTML page: no external scripts, fonts or styles; it opens offline from disk.

A sortable summary of every candidate (flagged first), then, for each flagged candidate, the
thresholds it passed and failed, its discounts, its review state, and each matched file pair side
by side: the candidate's lines (public material) with the shared fragments highlighted and line
numbers, and the private side as path, line ranges and fingerprint hashes, or as code when the
report was made with ``--include-private-source`` (and then a banner says so at the top).
Cleared candidates are listed with the reason each was cleared. Only lines near fragments are
rendered, so that a scan of thousands of candidates stays a page that loads fast.

Names come from strangers: everything is HTML-escaped (and ``printable``), and a
Content-Security-Policy allows only the page's own inline style and script, by their SHA-256, so
even markup that slipped through could run nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import TYPE_CHECKING, Any, TextIO

from fingerprints import printable
from scanner.reports.columns import columns_text
from scanner.verdict import VERDICT_ORDER

if TYPE_CHECKING:
    from scanner.reports import Sources

CONTEXT_LINES = 3
MAX_PAIRS_SHOWN = 40

_STYLE = """
:root { --bg:#fff; --fg:#1d2430; --muted:#5b6573; --line:#d9dee5; --hl:#ffe08a; --hl2:#ffd166;
  --red:#b42318; --amber:#b54708; --green:#067647; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--fg); background: var(--bg); }
header, main { padding: 12px 24px; }
header { border-bottom: 1px solid var(--line); background: #f6f8fa; }
h1 { font-size: 20px; margin: 4px 0; } h2 { font-size: 17px; margin: 28px 0 6px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.muted { color: var(--muted);
  } code, pre { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
.banner { background: #fef3f2; border: 2px solid var(--red); color: var(--red);
  padding: 10px 14px;
  font-weight: 600; margin: 10px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
th.sortable { cursor: pointer; user-select: none; } th.sortable:after { content: " \\2195";
  color: #9aa3af; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-weight: 600;
  font-size: 12px; }
.derivative { background: #fee4e2; color: var(--red); } .review { background: #fef0c7;
  color: var(--amber); }
.clear { background: #dcfae6; color: var(--green); }
.incomplete { background: #ece7fd; color: #5925dc; }
.pass { color: var(--green); } .fail { color: var(--muted); }
.pair { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0 18px; }
.pair > .title { padding: 6px 10px; background: #f6f8fa; border-bottom: 1px solid var(--line); }
.panes { display: grid; grid-template-columns: 1fr 1fr; }
.pane { overflow-x: auto; min-width: 0; } .pane + .pane { border-left: 1px solid var(--line); }
.pane > .label { padding: 4px 10px; font-weight: 600; border-bottom: 1px solid var(--line); }
.code { margin: 0; padding: 4px 0; }
.code .ln { display: inline-block; width: 4.5em; padding-right: 8px; text-align: right;
  color: #9aa3af; user-select: none; }
.code .row { white-space: pre; display: block; }
.code .gap { display: block; color: #9aa3af; padding-left: 5em; }
mark.frag { background: var(--hl); color: inherit; display: block; }
.fraglist { padding: 6px 10px; }
.fraglist .frag { background: var(--hl); border-left: 4px solid var(--hl2); padding: 4px 8px;
  margin: 6px 0; display: block; }
.hashes { word-break: break-all; color: var(--muted); font-size: 11px; }
details > summary { cursor: pointer; }
"""

_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th.sortable').forEach(function (th, column) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.dataset.dir !== 'asc'; th.dataset.dir = up ? 'asc' : 'desc';
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.key || a.cells[column].textContent;
        var y = b.cells[column].dataset.key || b.cells[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _csp_source(code: str) -> str:
    """A CSP hash source for one inline ``<style>`` or ``<script>`` element's exact text."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"


#: Nothing but this page's own inline style and script; no fetch, image, frame, form or base.
CSP = (f"default-src 'none'; style-src {_csp_source(_STYLE)}; script-src {_csp_source(_SCRIPT)}; "
       "base-uri 'none'; form-action 'none'")  # fmt: skip


def escape(text: str) -> str:
    """Report text (names from strangers included) as HTML: markup escaped, and characters
    that print as nothing (a newline, an escape, a bidi override) shown as escapes."""
    return html.escape(printable(text))


def _badge(verdict: str) -> str:
    return f'<span class="badge {escape(verdict)}">{escape(verdict)}</span>'


def _ranges(ranges: list[list[int]]) -> str:
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def _code(text: str, fragments: list[list[int]], anchor: str) -> str:
    """Line-numbered code, only the lines near fragments, fragment lines highlighted."""
    lines = text.splitlines()
    marked: set[int] = set()
    shown: set[int] = set()
    for a, b in fragments:
        marked.update(range(a, b + 1))
        shown.update(range(max(1, a - CONTEXT_LINES), min(len(lines), b + CONTEXT_LINES) + 1))
    out = ['<pre class="code">']
    previous = 0
    for number in sorted(n for n in shown if 1 <= n <= len(lines)):
        if number > previous + 1:
            out.append(f'<span class="gap">… lines {previous + 1}-{number - 1} …</span>')
        row = f'<span class="ln">{number}</span>{html.escape(lines[number - 1])}'
        if number in marked:
            out.append(f'<mark class="frag row" id="{anchor}-L{number}">{row}</mark>')
        else:
            out.append(f'<span class="row">{row}</span>')
        previous = number
    out.append("</pre>")
    return "".join(out)


def _private_pane(pair: dict[str, Any], sources: Sources) -> str:
    text = sources.private(pair["private_repo"], pair["private_path"], pair.get("private_sha256"))
    label = f"{escape(pair['private_repo'])}/{escape(pair['private_path'])}"
    head = f'<div class="label">private: <code>{label}</code></div>'
    if text is not None:
        return head + _code(text, [f["private_lines"] for f in pair["fragments"]], "p")
    items = []
    for f in pair["fragments"]:
        a, b = f["private_lines"]
        hashes = " ".join(f["fingerprint_hashes"][:24])
        more = len(f["fingerprint_hashes"]) - 24
        items.append(
            f'<span class="frag">lines {a}-{b} &middot; {f["tokens"]} tokens &middot; '
            f"{f['fingerprints']} fingerprints{' &middot; verbatim' if f['verbatim'] else ''}"
            f'<span class="hashes"><br>{escape(hashes)}{f" … (+{more})" if more > 0 else ""}'
            "</span></span>"
        )
    note = (
        '<p class="muted">Private source is not included in this report; the fragments are '
        "identified by line ranges and fingerprint hashes, which anyone holding the store "
        "can check.</p>"
    )
    return head + f'<div class="fraglist">{"".join(items)}{note}</div>'


def _pair(candidate: dict[str, Any], pair: dict[str, Any], sources: Sources, n: int) -> str:
    kind = "verbatim" if pair["verbatim"] else "after normalization (renamed or reformatted)"
    title = (
        f'<div class="title"><code>{escape(pair["candidate_path"])}</code> &harr; '
        f"<code>{escape(pair['private_repo'])}/{escape(pair['private_path'])}</code>"
        + "".join(
            f" (also <code>{escape(copy['repo'])}/{escape(copy['path'])}</code>)"
            for copy in pair.get("private_copies", [])
        )
        + f" &middot; {pair['matched_tokens']:,} private tokens &middot; containment "
        f"{pair['containment']:.0%} &middot; longest {pair['longest_fragment']:,} &middot; {kind}"
    )
    links = [f["link"] for f in pair["fragments"] if f.get("link")]
    if links:
        title += " &middot; " + " ".join(
            f'<a href="{escape(link)}">lines {escape(link.rsplit("#", 1)[-1])}</a>'
            for link in links
        )
    title += "</div>" + _history(pair.get("history"))
    text = sources.candidate(candidate["target"], pair["candidate_path"])
    label = (f'<div class="label">candidate: <code>{escape(pair["candidate_path"])}</code>'
             f"{escape(columns_text(pair))}</div>")  # fmt: skip
    if text is None:
        left = (
            label
            + '<div class="fraglist">'
            + "".join(
                f'<span class="frag">lines {a}-{b}</span>' for a, b in pair["candidate_lines"]
            )
            + "</div>"
        )
    else:
        left = label + _code(text, [f["candidate_lines"] for f in pair["fragments"]], f"c{n}")
    return (
        f'<div class="pair">{title}<div class="panes"><div class="pane candidate">{left}'
        f'</div><div class="pane private">{_private_pane(pair, sources)}</div></div></div>'
    )


def _history(history: dict[str, Any] | None) -> str:
    """Where a history scan found this content: the commits, and whether a branch still has it."""
    if not history:
        return ""
    where = "still at a branch tip" if history["at_tip"] else "<b>in history only</b>"
    seen = "; ".join(
        f"<code>{escape(s['commit'][:12])}</code> {escape(s['path'])} ({escape(s['date'])})"
        for s in history["seen"]
    )
    more = history["commits"] - len(history["seen"])
    return (
        f'<div class="label">git blob <code>{escape(history["blob"])}</code> &middot; {where} '
        f"&middot; in {history['commits']:,} commit(s): {seen}"
        + (f" and {more:,} more" if more > 0 else "")
        + "</div>"
    )


def _checks(candidate: dict[str, Any]) -> str:
    rows = []
    for c in candidate["checks"]:
        outcome = ("pass", "passed") if c["passed"] else ("fail", "not reached")
        rows.append(
            f'<tr><td><code>{escape(c["name"])}</code></td><td class="num">{c["value"]:,}</td>'
            f'<td class="num">{c["limit"]:,}</td><td class="{outcome[0]}">{outcome[1]}</td>'
            f'<td>{escape(str(c["source"]))}</td><td class="muted">{escape(c["meaning"])}</td></tr>'
        )
    return (
        '<table><thead><tr><th>threshold</th><th class="num">value</th><th class="num">limit'
        "</th><th>outcome</th><th>source</th><th>meaning</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _review(candidate: dict[str, Any]) -> str:
    review = candidate.get("review")
    if not review:
        return ""
    parts = [f"{len(review[k])} {k}" for k in ("confirmed", "dismissed", "awaiting") if review[k]]
    history = "".join(
        f"<li>{escape(h['at'])}: {escape(h['by'])} {escape(h['decision'])} "
        f"{escape(h['path'] or 'the candidate')}: {escape(h['reason'])}</li>"
        for h in review.get("history", [])
    )
    return f"<p><b>Review:</b> {', '.join(parts) or 'nothing matched'}</p>" + (
        f"<ul>{history}</ul>" if history else ""
    )


def _unread(candidate: dict[str, Any]) -> str:
    """What could not be read: shown open, since it limits what the verdict can say."""
    unread = candidate.get("unread") or []
    if not unread:
        return ""
    items = "".join(
        f"<li><code>{escape(p['path'] or candidate['target'])}</code>: {escape(p['message'])}</li>"
        for p in unread
    )
    return (f'<div class="unread"><b>Not read ({len(unread)}):</b> no verdict of "clear" can be '
            f"given while these were not read.<ul>{items}</ul></div>")  # fmt: skip


def _candidate(candidate: dict[str, Any], sources: Sources, index: int) -> str:
    anchor = f"cand-{index}"
    meta = [f"kind {escape(candidate.get('kind') or '?')}"]
    if candidate.get("revision"):
        meta.append(f"revision <code>{escape(candidate['revision'])}</code>")
    if candidate.get("scanned_at"):
        meta.append(f"scanned {escape(candidate['scanned_at'])}")
    discounts = ", ".join(f"{k} {v:,}" for k, v in candidate["discounted_tokens"].items() if v)
    problems = "".join(
        f"<li><code>{escape(p['path'] or candidate['target'])}</code>: {escape(p['message'])}</li>"
        for p in candidate["problems"]
    )
    pairs = candidate["files"][:MAX_PAIRS_SHOWN]
    body = "".join(
        _pair(candidate, pair, sources, index * 1000 + i) for i, pair in enumerate(pairs)
    )
    if len(candidate["files"]) > MAX_PAIRS_SHOWN:
        body += (
            f'<p class="muted">{len(candidate["files"]) - MAX_PAIRS_SHOWN} more file pairs '
            "are in the JSON report.</p>"
        )
    return (
        f'<section class="candidate" id="{anchor}"><h2>{_badge(candidate["verdict"])} '
        f"<code>{escape(candidate['target'])}</code></h2>"
        f'<p class="muted">{" &middot; ".join(meta)}</p>'
        f"<ul>{''.join(f'<li>{escape(r)}</li>' for r in candidate['reasons'])}</ul>"
        + (f'<p class="muted">Discounted tokens: {escape(discounts)}</p>' if discounts else "")
        + _public_code(candidate)
        + _unread(candidate)
        + (
            f"<details><summary>{len(candidate['problems'])} file problem(s)</summary>"
            f"<ul>{problems}</ul></details>"
            if problems
            else ""
        )
        + _review(candidate)
        + "<h3>Thresholds</h3>"
        + _checks(candidate)
        + f"<h3>Matched files ({len(candidate['files'])})</h3>{body}</section>"
    )


def _summary(candidates: list[dict[str, Any]]) -> str:
    head = "".join(
        f'<th class="sortable{" num" if n else ""}">{name}</th>'
        for name, n in (
            ("candidate", 0),
            ("verdict", 0),
            ("score", 1),
            ("private tokens", 1),
            ("longest", 1),
            ("files", 1),
            ("review", 0),
        )
    )
    rows = []
    for i, c in enumerate(candidates):
        review = c.get("review") or {}
        state = ", ".join(
            f"{len(review[k])} {k}" for k in ("confirmed", "dismissed", "awaiting") if review.get(k)
        )
        link = (
            f'<a href="#cand-{i}">{escape(c["target"])}</a>'
            if c["verdict"] != "clear"
            else escape(c["target"])
        )
        rows.append(
            f'<tr class="summary-row"><td>{link}</td>'
            f'<td data-key="{VERDICT_ORDER[c["verdict"]]}">{_badge(c["verdict"])}</td>'
            f'<td class="num">{c["score"]:.4f}</td><td class="num">{c["matched_tokens"]:,}</td>'
            f'<td class="num">{c["longest_fragment"]:,}</td><td class="num">{len(c["files"])}</td>'
            f"<td>{escape(state)}</td></tr>"
        )
    return (
        f'<table class="sortable" id="summary"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _public_code(candidate: dict[str, Any]) -> str:
    """The reference sources behind the candidate's ``reference`` discount: never evidence."""
    found = candidate.get("public_code") or []
    if not found:
        return ""
    rows = "".join(
        f"<tr><td>{escape(c['source'])} {escape(c['version'])} ({escape(c['kind'])})</td>"
        f"<td><code>{escape(c['reference_path'] or '?')}</code></td>"
        f"<td><code>{escape(c['private_repo'])}/{escape(c['private_path'])}</code></td>"
        f'<td class="num">{c["tokens"]:,}</td></tr>'
        for c in found[:MAX_PAIRS_SHOWN]
    )
    return (
        f"<details><summary>Public code, not evidence ({len(found)} file(s))</summary>"
        "<table><thead><tr><th>reference source</th><th>reference file</th><th>also in private"
        f'</th><th class="num">tokens</th></tr></thead><tbody>{rows}</tbody></table></details>'
    )


def _cleared(candidates: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(c['target'])}</code></td>"
        f"<td>{escape('; '.join(c['reasons']))}{_public_code(c)}</td></tr>"
        for c in candidates
    )
    return (
        f"<h2>Cleared candidates ({len(candidates)})</h2><details open><summary>Why each was "
        f"cleared</summary><table><thead><tr><th>candidate</th><th>reason</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


def write(report: dict[str, Any], out: TextIO, sources: Sources) -> None:
    candidates = sorted(
        report["candidates"],
        key=lambda c: (VERDICT_ORDER[c["verdict"]], -c["matched_tokens"], c["target"]),
    )
    counts = {v: sum(c["verdict"] == v for c in candidates) for v in VERDICT_ORDER}
    provenance = report["provenance"]
    run = report.get("run") or {}
    thresholds = "".join(
        f'<tr><td><code>{escape(name)}</code></td><td class="num">{value:,}</td>'
        f"<td>{escape(str(report['threshold_sources'].get(name, 'default')))}</td></tr>"
        for name, value in report["thresholds"].items()
    )
    background = provenance.get("background") or {}
    sources_bg = background.get("sources", []) if isinstance(background, dict) else []
    learned = ", ".join(f"{s.get('label')} ({str(s.get('digest', ''))[:12]})" for s in sources_bg)
    references = "; ".join(
        f"{r['name']} {r['version']} ({r['kind']}, sha256 {str(r['sha256'])[:12]}): {r['decision']}"
        for r in provenance.get("references") or []
    )
    out.write(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>leaktrace report: {counts['derivative']} derivative</title>"
        f"<style>{_STYLE}</style></head><body>"
    )
    out.write("<header><h1>leaktrace evidence report</h1>")
    if sources.include_private:
        out.write(
            '<div class="banner" id="private-source-banner">This report includes PRIVATE '
            "SOURCE CODE side by side. For internal use only: do not send it outside the "
            "company.</div>"
        )
    out.write(
        f"<p>{counts['derivative']} derivative, {counts['review']} to review, "
        f"{counts['incomplete']} incomplete, {counts['clear']} clear &middot; "
        f"leaktrace {escape(report['tool']['version'])}"
        + (f" &middot; run {run['id']} ({escape(run.get('status', ''))})" if run else "")
        + f" &middot; started {escape(provenance.get('started_at') or '')}</p>"
        f'<p class="muted">Store digest <code>{escape(provenance["store_digest"])}</code>; '
        f"fingerprints k={report['fingerprint_params']['k']}, w={report['fingerprint_params']['w']}"
        f"; background: {escape(learned or 'none')}"
        + (f"; reference sources: {escape(references)}" if references else "")
        + "</p></header><main>"
    )
    out.write("<h2>Summary</h2>" + _summary(candidates))
    out.write(
        "<details><summary>Thresholds in effect</summary><table><thead><tr><th>threshold"
        '</th><th class="num">value</th><th>source</th></tr></thead>'
        f"<tbody>{thresholds}</tbody></table></details>"
    )
    for i, candidate in enumerate(candidates):
        if candidate["verdict"] != "clear":
            out.write(_candidate(candidate, sources, i))
    cleared = [c for c in candidates if c["verdict"] == "clear"]
    if cleared:
        out.write(_cleared(cleared))
    out.write(f"</main><script>{_SCRIPT}</script></body></html>\n")
