"""Code panes (``scanner.reports.panes``): one implementation for the HTML report and for
``serve``, one line-splitting rule, the matcher's: a file with ``\\r\\n``, a lone ``\\r`` or a
U+2028 shows each fragment on the line the evidence names, the same in both."""

from __future__ import annotations

import html
import re

from fingerprints import count_lines, tokenize
from fingerprints.languages import load_language
from scanner.reports.html_report import _code
from scanner.reports.panes import Mark, code_rows, split_lines
from scanner.serve.app import _environment

SOURCE = (
    "first = 1\r\n"  # a Windows line end
    "second = 2\rthird = 3\u2028fourth = 4\n"  # a lone CR ends a line, a line separator not
    "\x1b[2J = 5\u202e\n"  # a terminal escape and an RTL override
    "shared_total = compute(first, second)\n"
)


def test_lines_are_split_as_the_matcher_counts_them():
    lines = split_lines(SOURCE)
    assert len(lines) == count_lines(SOURCE.encode()) == 5
    assert lines[0] == b"first = 1" and lines[1] == b"second = 2"
    assert lines[2].startswith(b"third = 3\xe2\x80\xa8fourth")
    data = SOURCE.encode()
    stream = tokenize(data, load_language("python"))
    line_of = dict(zip(stream.start_byte.tolist(), stream.line_start.tolist(), strict=True))
    assert line_of[data.index(b"shared_total")] == 5  # the line the evidence names
    assert line_of[data.index(b"fourth")] == 3
    assert split_lines("a\n\nb") == [b"a", b"", b"b"] and split_lines("") == []


def _shown(markup: str) -> dict[int, str]:
    """Line number -> the text shown on it, from a pane's HTML."""
    rows = re.findall(r'<span class="ln">(\d+)</span>(.*?)</(?:span|mark)>(?=<(?:span|mark) class'
                      r'="(?:row|frag|gap)|</pre>)', markup)  # fmt: skip
    return {int(n): html.unescape(re.sub(r"<[^>]+>", "", body)) for n, body in rows}


def test_the_html_report_and_serve_show_the_same_lines():
    pair = {"fragments": [{"candidate_lines": [4, 5], "private_lines": [4, 5]}]}
    rows = code_rows(SOURCE, [Mark(0, 4, 5)])
    assert [row.number for row in rows] == [1, 2, 3, 4, 5]
    texts = {row.number: "".join(p.text for p in row.pieces) for row in rows}
    assert texts == {
        1: "first = 1",
        2: "second = 2",
        3: "third = 3\\u2028fourth = 4",
        4: "\\x1b[2J = 5\\u202e",
        5: "shared_total = compute(first, second)",
    }
    assert [p.fragment for p in rows[3].pieces] == [p.fragment for p in rows[4].pieces] == [0]
    report = _code(SOURCE, pair, "candidate", "c0")
    served = str(_environment().get_template("_pane.html").module.pane(rows))
    assert _shown(report) == _shown(served) == texts
    assert '<mark class="frag row" id="c0-L4">' in report
    assert "\r" not in report + served and "\u2028" not in report + served
    assert "\u202e" not in report + served and "\x1b" not in report + served
