"""What a user types but others must not read: the user and password of a URL
(``https://user:password@host/...``, ``https://TOKEN@host/...``). The fetch itself may use them;
every name shown or stored (a candidate's target, a store's origin, a line on stderr, a report,
the results database) has them taken out first."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"(?i)(?<![a-z0-9+.-])[0-9+.-]*[a-z][a-z0-9+.-]*://")
"""Where a URL's authority starts: after a scheme, which starts at any letter not preceded by a
letter (``-https://``, ``+https://``, ``1https://``, ``.https://`` are URLs all the same).
Matched from the start of a run of the characters a scheme is made of, the non-letters before
its first letter included (not from each letter: a long ``a.a.a...`` or ``1a1a...`` would be
scanned once per letter); ``[0-9+.-]*`` and ``[a-z]`` share no character, so each run is
scanned once."""


def hide_userinfo(text: str) -> str:
    """``text`` with the userinfo (``user:password@``) of every URL in it taken out, as git reads
    it: everything up to the last ``@`` before the authority ends at the first ``/``. A password
    may hold ``#``, ``?``, quotes, spaces, ``@`` and line breaks (a literal newline given on the
    command line or in a config, which git quotes back as it is, across lines); every one of them
    goes too. Where a URL has no path, the userinfo may run on to an ``@`` later in the text: more
    is hidden, never less. Linear in the text: each ``/`` and last ``@`` before it is found once,
    however many schemes a hostile name repeats."""
    if "@" not in text:
        return text
    kept: list[str] = []
    at = 0  # text[:at] is decided
    slash = last_at = -1  # the first "/" after an authority's start, the last "@" before it
    for scheme in _SCHEME.finditer(text):
        start = scheme.end()
        if start < at:
            continue  # inside a userinfo already taken out
        if slash < start:
            found = text.find("/", start)
            slash = found if found >= 0 else len(text)
            last_at = text.rfind("@", start, slash)  # an "@" before start is not userinfo
        if last_at < start:
            continue
        kept.append(text[at:start])
        at = last_at + 1
    return "".join(kept) + text[at:]
