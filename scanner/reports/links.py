"""Permanent links to a candidate's exact lines, where the host has a known URL scheme."""

from __future__ import annotations

import re

from scanner.reports.text import uri_path

GITHUB_TARGET = re.compile(
    r"^(?:github:|https?://github\.com/|git@github\.com:)(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)"
    r"(?:\.git)?(?:/tree/[^@]+)?(?:@[^/]+)?/?$"
)


def permalink(target: str, revision: str | None, path: str, lines: tuple[int, int]) -> str | None:
    """``https://github.com/OWNER/REPO/blob/COMMIT/PATH#La-Lb``, or None when unknown."""
    match = GITHUB_TARGET.match(target)
    if not match or not revision or not re.fullmatch(r"[0-9a-f]{40}", revision):
        return None
    start, end = lines
    anchor = f"#L{start}" if start == end else f"#L{start}-L{end}"
    where = uri_path(path)  # a name holding '#', '?' or a newline
    return (f"https://github.com/{match['owner']}/{match['repo']}/blob/{revision}/{where}"
            f"{anchor}")  # fmt: skip
