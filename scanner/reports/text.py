"""Names and messages from strangers, written into Markdown, text and URIs so that nothing in
them can act: no line they forge, no tag or link a Markdown renderer makes of them, with or
without raw HTML allowed.

The method in Markdown: a *name* (a target, a path, a repository) is a code span, whose
content no CommonMark renderer interprets (no HTML, no emphasis, no links); its fence is one
backtick longer than the longest run of backticks in the name, padded with a space when the name
starts or ends with a backtick or a space, so a name cannot close its own span. Other *text*
(messages, reasons) has every ASCII punctuation character that Markdown gives a meaning
backslash-escaped, so ``<img ...>`` is the text ``<img ...>`` and never a tag. Both first go
through ``printable``: a newline is ``\\n``, never a new Markdown line.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from fingerprints import printable

_RUNS = re.compile(r"`+")
# Every ASCII punctuation character CommonMark lets a backslash escape, but those that are
# harmless in running text and common in messages: , ; : ' " / ? % = and @.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def md_code(name: str, *, in_table: bool = False) -> str:
    """``name`` as a Markdown code span no content can break out of (``|`` is escaped inside
    a table cell, where GFM splits cells before it reads code spans)."""
    text = printable(name) or " "
    fence = "`" * (max((len(run) for run in _RUNS.findall(text)), default=0) + 1)
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def md_text(text: str) -> str:
    """``text`` as Markdown prose: shown as it is, never read as markup or HTML. A leading
    space is written as a character reference, so text at the start of a line is never
    indented into a code block."""
    escaped = _MARKDOWN.sub(r"\\\1", printable(text))
    return "&#32;" + escaped[1:] if escaped.startswith(" ") else escaped


def sarif_text(text: str) -> str:
    """``text`` for a SARIF plain-text message: ``printable``, and ``\\``, ``[`` and ``]``
    backslash-escaped, so a name holding ``[text](https://...)`` or ``[text](0)`` is no embedded
    link (SARIF 2.1.0 §3.11.6), which viewers such as GitHub code scanning render as a link."""
    return re.sub(r"([\\\[\]])", r"\\\1", printable(text))


def uri_path(path: str, *, contained: bool = True) -> str:
    """A relative path as a URI reference (RFC 3986): every byte that may not stand in a path
    is percent-encoded (a newline is ``%0A``, ``#`` ``%23``, a space ``%20``); ``:`` too, so a
    first segment never reads as a scheme. ``/`` and ``!`` (``a.tgz!/x.js``) stay.

    ``contained`` (a name a candidate chose): the reference stays below whatever it is
    resolved against. A name with an empty, ``.`` or ``..`` segment (``../../react/index.js``,
    ``/etc/x``, ``//evil.example/x``) would climb out of it, or name another host; its every
    ``/`` is written ``%2F`` instead, so it is one segment, the name still readable. (A browser
    resolves ``%2E%2E`` as ``..``, so the dots cannot be what is encoded; a name that is just
    ``..`` names the folder above and no file.) Without it: a path the user gave (``guard``'s
    artifact), absolute or not, as it is."""
    segments = path.split("/")
    if contained and any(s in ("", ".", "..") for s in segments):
        return "%2F".join(quote(s, safe="!$&'()*+,;=@") for s in segments)
    return quote(path, safe="/!$&'()*+,;=@")


_NOT_IN_LINK = frozenset(' <>"`\\{}|^')


def safe_link(url: object) -> str | None:
    """``url`` when it may be made a link (an HTML ``href``, a Markdown autolink ``<URL>``),
    else None: the one rule of every report and of ``serve``. Only an ``https://`` URL with a
    host, of printable ASCII (a link leaktrace makes is percent-encoded: ``uri_path``), and
    without a character that could end the link or the attribute around it (space, ``<``,
    ``>``, ``"``, backtick, backslash). So ``javascript:`` and ``data:`` URLs, a newline, a
    quote or an RTL override in a hostile name (a crafted JSON report) never make a link."""
    if not isinstance(url, str) or not url.startswith("https://") or not url.isascii():
        return None
    if not url.isprintable() or any(c in _NOT_IN_LINK for c in url):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a bracketed host that is no IPv6 address
        return None
    return url if host else None


__all__ = ["md_code", "md_text", "safe_link", "sarif_text", "uri_path"]
