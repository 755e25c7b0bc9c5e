"""What a user types but others must not read: the user and password of a URL
(``https://user:password@host/...``, ``https://TOKEN@host/...``). The fetch itself may use them;
every name shown or stored (a candidate's target, a store's origin, a line on stderr, a report,
the results database) has them taken out first."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s'\"]*@")


def hide_userinfo(text: str) -> str:
    """``text`` with the userinfo (``user:password@``) of every URL in it taken out: up to the
    last ``@`` of the URL's authority, so a password holding ``@`` goes too."""
    return _USERINFO.sub(r"\1", text) if "@" in text else text
