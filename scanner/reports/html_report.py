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
import itertools
from typing import TYPE_CHECKING, Any, TextIO

from fingerprints import printable
from scanner.reports.columns import columns_text, ranges_text
from scanner.reports.grouping import Copy, PrivateGroup, distinct_contents, group_candidate
from scanner.reports.locations import legend, locate, registry_page
from scanner.reports.panes import candidate_marks, code_rows, private_marks
from scanner.reports.text import safe_link
from scanner.reports.wording import (
    copy_kind,
    decisive_checks,
    set_aside,
    shown_verdict,
    verdict_sentence,
)
from scanner.verdict import VERDICT_ORDER

if TYPE_CHECKING:
    from scanner.reports import Sources

#: Caps that keep the page of a candidate with thousands of file pairs under a few megabytes;
#: the JSON report keeps everything.
MAX_GROUPS_SHOWN = 20  # private files shown side by side
MAX_COPIES_SHOWN = 10  # other distinct contents listed under a private file
MAX_PLACES_SHOWN = 12  # places listed for one content
MAX_ROWS = 1500  # private files summarised in a table, public-code rows, problems
MAX_PANE_LINES = 160  # lines of code in one pane
MAX_FRAGMENTS_LISTED = 40  # fragments listed for the private side
MAX_LINKS = 6  # permalinks per place

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
.cut, .col, li.fail { color: var(--muted); } .copy { border-top: 1px solid var(--line); }
.copy > .label, .places { padding: 2px 10px; }
.aside, .legend { background: #f6f8fa; border-left: 4px solid #9aa3af; padding: 4px 10px; }
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


def _code(text: str, pair: dict[str, Any], side: str, anchor: str) -> str:
    """Line-numbered code, only the lines near fragments (at most MAX_PANE_LINES), fragment
    lines highlighted: ``scanner.reports.panes``'s rows, as ``serve`` shows them (a long line
    cut down to the fragments' byte columns, the rest of it muted)."""
    rows = code_rows(text, candidate_marks(pair) if side == "candidate" else private_marks(pair))
    out = ['<pre class="code">']
    lines = 0
    for row in rows:
        if row.number == 0:
            first, last = row.skipped or (0, 0)
            out.append(f'<span class="gap">… lines {first}-{last} …</span>')
            continue
        lines += 1
        if lines > MAX_PANE_LINES:
            break
        marked = any(piece.fragment is not None for piece in row.pieces)
        body = "".join(html.escape(piece.text) if piece.fragment is not None or not row.columns
                       else f'<span class="cut">{html.escape(piece.text)}</span>'
                       for piece in row.pieces)  # fmt: skip
        columns = f'<span class="col">[{html.escape(row.columns)}]</span>' if row.columns else ""
        line = f'<span class="ln">{row.number}</span>{columns}{body}'
        if marked:
            out.append(f'<mark class="frag row" id="{anchor}-L{row.number}">{line}</mark>')
        else:
            out.append(f'<span class="row">{line}</span>')
    more = sum(1 for row in rows if row.number) - MAX_PANE_LINES
    if more > 0:
        out.append(f'<span class="gap">… {more:,} more lines of fragments: their ranges are '
                   "above and in the JSON report …</span>")  # fmt: skip
    out.append("</pre>")
    return "".join(out)


def _private_pane(pair: dict[str, Any], sources: Sources, anchor: str) -> str:
    text = sources.private(pair["private_repo"], pair["private_path"], pair.get("private_sha256"))
    label = f"{escape(pair['private_repo'])}/{escape(pair['private_path'])}"
    head = f'<div class="label">private: <code>{label}</code></div>'
    if text is not None:
        return head + _code(text, pair, "private", anchor)
    items = []
    for f in pair["fragments"][:MAX_FRAGMENTS_LISTED]:
        a, b = f["private_lines"]
        hashes = " ".join(f["fingerprint_hashes"][:24])
        more = len(f["fingerprint_hashes"]) - 24
        items.append(
            f'<span class="frag">lines {a}-{b} &middot; {f["tokens"]:,} tokens &middot; '
            f"{f['fingerprints']:,} fingerprints{' &middot; verbatim' if f['verbatim'] else ''}"
            f'<span class="hashes"><br>{escape(hashes)}{f" … (+{more})" if more > 0 else ""}'
            "</span></span>"
        )
    if len(pair["fragments"]) > MAX_FRAGMENTS_LISTED:
        items.append(f'<p class="muted">… {len(pair["fragments"]) - MAX_FRAGMENTS_LISTED:,} more '
                     "fragments in the JSON report</p>")  # fmt: skip
    note = (
        '<p class="muted">Private source is not included in this report; the fragments are '
        "identified by line ranges and fingerprint hashes, which anyone holding the store "
        "can check.</p>"
    )
    return head + f'<div class="fraglist">{"".join(items)}{note}</div>'


def _link(url: str, text: str) -> str:
    """A link to ``url`` (``text`` alone when ``safe_link`` refuses it)."""
    safe = safe_link(url)
    return f'<a href="{escape(safe)}">{escape(text)}</a>' if safe else escape(text)


def _place(candidate: dict[str, Any], pair: dict[str, Any]) -> str:
    """One place a content appears: path, lines (and byte columns), and the links to it."""
    where = locate(candidate["target"], candidate.get("revision"), pair["candidate_path"])
    links = [f["link"] for f in pair["fragments"] if f.get("link")][:MAX_LINKS]
    parts = [f"<code>{escape(pair['candidate_path'])}</code>"]
    parts.append(f"lines {ranges_text(pair['candidate_lines'])}{escape(columns_text(pair))}")
    if links:
        parts.append(" ".join(_link(link, "lines " + link.rsplit("#", 1)[-1]) for link in links))
    elif where.file_url:
        parts.append(_link(where.file_url, where.file_url))
    return " ".join(parts)


def _copy_title(copy: Copy) -> str:
    pair = copy.pair
    return (f"{pair['matched_tokens']:,} private tokens &middot; containment "
            f"{pair['containment']:.0%} &middot; longest {pair['longest_fragment']:,} &middot; "
            f"{escape(copy_kind(pair))}")  # fmt: skip


def _places(copy: Copy) -> str:
    shown = copy.places[:MAX_PLACES_SHOWN]
    items = "".join(f"<li>{_place(p.candidate, p.pair)}</li>" for p in shown)
    if len(copy.places) > MAX_PLACES_SHOWN:
        items += (f'<li class="muted">… and {len(copy.places) - MAX_PLACES_SHOWN:,} more places '
                  "(every one is in the JSON report)</li>")  # fmt: skip
    several = f"the same content in {len(copy.places):,} places" if len(copy.places) > 1 else (
        "in 1 place")  # fmt: skip
    return f'<div class="places">{several}:<ul>{items}</ul></div>'


def _group(group: PrivateGroup, sources: Sources, n: int) -> str:
    """One private file: its strongest copy side by side, the other copies listed."""
    copies = group.copies
    title = (
        f'<div class="title">private <code>{escape(group.repo)}/{escape(group.path)}</code>'
        + "".join(
            f" (also <code>{escape(c['repo'])}/{escape(c['path'])}</code>)"
            for c in copies[0].pair.get("private_copies", [])
        )
        + f" &middot; {group.tokens:,} private tokens &middot; {len(copies):,} distinct "
        f"candidate content(s) in {group.places:,} place(s)</div>"
    )
    strongest = copies[0]
    pair = strongest.pair
    text = sources.candidate(strongest.candidate["target"], pair["candidate_path"])
    label = (f'<div class="label">candidate: <code>{escape(pair["candidate_path"])}</code>'
             f"{escape(columns_text(pair))}</div>")  # fmt: skip
    if text is None:
        left = label + '<div class="fraglist">' + "".join(
            f'<span class="frag">lines {a}-{b}</span>' for a, b in pair["candidate_lines"]
        ) + "</div>"  # fmt: skip
    else:
        left = label + _code(text, pair, "candidate", f"c{n}")
    body = (
        f'<div class="copy"><div class="label">{_copy_title(strongest)}</div>'
        + _history(pair.get("history"))
        + _places(strongest)
        + f'<div class="panes"><div class="pane candidate">{left}</div>'
        f'<div class="pane private">{_private_pane(pair, sources, f"p{n}")}</div></div></div>'
    )
    for other in copies[1 : MAX_COPIES_SHOWN + 1]:
        body += (f'<div class="copy"><div class="label">another content: {_copy_title(other)}'
                 f"</div>{_history(other.pair.get('history'))}{_places(other)}</div>")  # fmt: skip
    if len(copies) > MAX_COPIES_SHOWN + 1:
        body += (f'<p class="muted">… {len(copies) - MAX_COPIES_SHOWN - 1:,} more distinct '
                 "contents matching this file are in the JSON report.</p>")  # fmt: skip
    return f'<div class="pair group">{title}{body}</div>'


def _more_groups(groups: list[PrivateGroup]) -> str:
    """The groups not shown in full: one row each (the first MAX_ROWS), strongest first."""
    rows = "".join(
        f"<tr><td><code>{escape(g.repo)}/{escape(g.path)}</code></td>"
        f'<td class="num">{g.tokens:,}</td><td class="num">{g.longest:,}</td>'
        f'<td class="num">{len(g.copies):,}</td><td class="num">{g.places:,}</td>'
        f"<td>{_place(g.copies[0].candidate, g.copies[0].pair)}</td></tr>"
        for g in groups[:MAX_ROWS]
    )
    more = (f'<p class="muted">… and {len(groups) - MAX_ROWS:,} more private files: every file '
            "pair is in the JSON report.</p>") if len(groups) > MAX_ROWS else ""  # fmt: skip
    return (
        f"<details><summary>{len(groups):,} more private file(s), summarised</summary>"
        '<table class="more"><thead><tr><th>private file</th><th class="num">private tokens</th>'
        '<th class="num">longest</th><th class="num">contents</th><th class="num">places</th>'
        f"<th>strongest copy at</th></tr></thead><tbody>{rows}</tbody></table>{more}</details>"
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


def _why(candidate: dict[str, Any]) -> str:
    """The checks that decided the verdict, in words, and the code set aside (never evidence)."""
    checks = "".join(
        f'<li class="{"pass" if d.met else "fail"}">{escape(d.text)} &middot; '
        f"<b>{'met' if d.met else 'not met'}</b></li>"
        for d in decisive_checks(candidate)
    )
    notes = "".join(
        f"<li>{escape(r)}</li>" for r in candidate["reasons"] if r.startswith("incomplete")
    )
    aside = "".join(f"<li>{escape(line)}</li>" for line in set_aside(candidate))
    return f'<h3>Why this verdict</h3><ul class="why">{notes}{checks}</ul>' + (
        f'<div class="aside"><b>Set aside, not evidence:</b><ul>{aside}</ul></div>' if aside else ""
    )


def _legend(candidate: dict[str, Any]) -> str:
    found = legend(p["candidate_path"] for p in candidate["files"])
    if not found:
        return ""
    items = "".join(f"<dt><code>{escape(n)}</code></dt><dd>{escape(m)}</dd>" for n, m in found)
    return f'<dl class="legend"><b>How paths are written:</b>{items}</dl>'


def _review(candidate: dict[str, Any]) -> str:
    review = candidate.get("review")
    if not review:
        return ""
    parts = [f"{len(review[k])} {k}" for k in ("confirmed", "dismissed", "awaiting") if review[k]]
    # one line per decision taken (a confirmation of 119 files at once is one line; ``batch``,
    # from results schema 3, tells two decisions alike in every word apart)
    taken = [
        (key, list(items))
        for key, items in itertools.groupby(
            review.get("history", []),
            key=lambda h: (h.get("batch"), h["at"], h["by"], h["decision"], h["reason"]),
        )
    ]
    history = "".join(
        f"<li>{escape(at)}: {escape(by)} {escape(decision)} "
        + (escape(paths[0]) if len(paths) == 1 else f"{len(paths):,} files ("
           f"{escape(', '.join(paths[:3]))}{', …' if len(paths) > 3 else ''})")
        + f": {escape(reason)}{_decided_how(items[0], candidate)}</li>"
        for (_, at, by, decision, reason), items in taken[-MAX_ROWS:]
        for paths in [[h["path"] or "the candidate" for h in items]]
    )  # fmt: skip
    return f"<p><b>Review:</b> {', '.join(parts) or 'nothing matched'}</p>" + (
        f"<details><summary>{len(taken):,} decision(s)</summary><ul>{history}"
        f"{_more(taken, 'earlier decisions')}</ul></details>"
        if history
        else ""
    )


def _more(items: list[Any], what: str) -> str:
    """A list item saying how many of ``items`` were left out past MAX_ROWS, or nothing."""
    if len(items) <= MAX_ROWS:
        return ""
    return f'<li class="muted">… and {len(items) - MAX_ROWS:,} {what} (see the JSON report)</li>'


def _decided_how(entry: dict[str, Any], candidate: dict[str, Any]) -> str:
    """Where a decision was taken (the same content in another candidate) and its undo."""
    text = ""
    if entry.get("target", candidate["target"]) != candidate["target"]:
        text += f" (decided on the same content in <code>{escape(entry['target'])}</code>)"
    if entry.get("undone"):
        undone = entry["undone"]
        text += (f" <b>undone</b> by {escape(undone['by'])} at {escape(undone['at'])}: "
                 f"{escape(undone['reason'])}")  # fmt: skip
    return text


def _unread(candidate: dict[str, Any]) -> str:
    """What could not be read: shown open, since it limits what the verdict can say."""
    unread = candidate.get("unread") or []
    if not unread:
        return ""
    items = "".join(
        f"<li><code>{escape(p['path'] or candidate['target'])}</code>: {escape(p['message'])}</li>"
        for p in unread[:MAX_ROWS]
    )
    return (f'<div class="unread"><b>Not read ({len(unread)}):</b> no verdict of "clear" can be '
            f"given while these were not read.<ul>{items}{_more(unread, 'more')}</ul>"
            "</div>")  # fmt: skip


def _candidate(candidate: dict[str, Any], sources: Sources, index: int) -> str:
    anchor = f"cand-{index}"
    meta = [f"kind {escape(candidate.get('kind') or '?')}"]
    page = registry_page(candidate["target"], candidate.get("revision"))
    if page:
        meta.append("published at " + _link(page, page))
    if candidate.get("revision"):
        meta.append(f"revision <code>{escape(candidate['revision'])}</code>")
    if candidate.get("scanned_at"):
        meta.append(f"scanned {escape(candidate['scanned_at'])}")
    problems = "".join(
        f"<li><code>{escape(p['path'] or candidate['target'])}</code>: {escape(p['message'])}</li>"
        for p in candidate["problems"][:MAX_ROWS]
    )
    groups = group_candidate(candidate)
    contents = distinct_contents(candidate)
    body = "".join(
        _group(group, sources, index * 1000 + i)
        for i, group in enumerate(groups[:MAX_GROUPS_SHOWN])
    )
    if len(groups) > MAX_GROUPS_SHOWN:
        body += _more_groups(groups[MAX_GROUPS_SHOWN:])
    return (
        f'<section class="candidate" id="{anchor}"><h2>{_badge(shown_verdict(candidate))} '
        f"<code>{escape(candidate['target'])}</code></h2>"
        f'<p class="muted">{" &middot; ".join(meta)}</p>'
        + _why(candidate)
        + _public_code(candidate)
        + _unread(candidate)
        + (
            f"<details><summary>{len(candidate['problems'])} file problem(s)</summary>"
            f"<ul>{problems}{_more(candidate['problems'], 'more')}</ul></details>"
            if problems
            else ""
        )
        + _review(candidate)
        + f"<h3>Evidence: {len(groups):,} private file(s), {contents:,} distinct candidate "
        f"content(s), {len(candidate['files']):,} file pair(s)</h3>"
        + (
            f'<p class="muted">Each private file once, the strongest copy side by side; identical '
            f"content found in several places is one entry listing every place. The first "
            f"{MAX_GROUPS_SHOWN} files are shown in full, the rest summarised; every file pair, "
            "fragment and fingerprint hash is in the JSON report.</p>"
            if len(groups) > MAX_GROUPS_SHOWN
            else ""
        )
        + _legend(candidate)
        + f"{body}</section>"
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
        verdict = shown_verdict(c)
        review = c.get("review") or {}
        state = ", ".join(
            f"{len(review[k])} {k}" for k in ("confirmed", "dismissed", "awaiting") if review.get(k)
        )
        link = (
            f'<a href="#cand-{i}">{escape(c["target"])}</a>'
            if verdict != "clear"
            else escape(c["target"])
        )
        rows.append(
            f'<tr class="summary-row"><td>{link}</td>'
            f'<td data-key="{VERDICT_ORDER[verdict]}">{_badge(verdict)}</td>'
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
        for c in found[:MAX_ROWS]
    )
    return (
        f"<details><summary>Public code, not evidence ({len(found)} file(s))</summary>"
        "<table><thead><tr><th>reference source</th><th>reference file</th><th>also in private"
        f'</th><th class="num">tokens</th></tr></thead><tbody>{rows}</tbody></table></details>'
    )


def _cleared(candidates: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(c['target'])}</code></td>"
        f"<td>{escape(verdict_sentence(c))}<ul>"
        + "".join(f"<li>{escape(line)}</li>" for line in set_aside(c))
        + f"</ul>{_public_code(c)}</td></tr>"
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
        key=lambda c: (VERDICT_ORDER[shown_verdict(c)], -c["matched_tokens"], c["target"]),
    )
    counts = {v: sum(shown_verdict(c) == v for c in candidates) for v in VERDICT_ORDER}
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
        + (f" ({'; '.join(r.get('reasons') or [])})" if r.get("reasons") else "")
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
        if shown_verdict(candidate) != "clear":
            out.write(_candidate(candidate, sources, i))
    cleared = [c for c in candidates if shown_verdict(c) == "clear"]
    if cleared:
        out.write(_cleared(cleared))
    out.write(f"</main><script>{_SCRIPT}</script></body></html>\n")
