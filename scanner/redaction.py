"""What a user types but others must not read: the user and password of a URL
(``https://user:password@host/...``, ``https://TOKEN@host/...``). The fetch itself may use them;
every name shown or stored (a candidate's target, a store's origin, a line on stderr, a report,
the results database) has them taken out first."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\r\n]*@")
"""A URL's userinfo as git reads it: everything up to the last ``@`` before the authority ends
at the first ``/`` (a password may hold ``#``, ``?``, quotes, spaces and ``@``). Where a URL has
no path, the match may run on to an ``@`` later on its line: more is hidden, never less."""


def hide_userinfo(text: str) -> str:
    """``text`` with the userinfo (``user:password@``) of every URL in it taken out: up to the
    last ``@`` before the first ``/``, so a password holding ``@``, ``#``, ``?``, a quote or a
    space goes too."""
    return _USERINFO.sub(r"\1", text) if "@" in text else text
