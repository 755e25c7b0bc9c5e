"""First and last commit dates of each file of a private git checkout (for "which way the copy
went": code the company committed before a package was published was not copied from it).

One ``git log --name-only`` pass over the repository gives every file's dates at once
(``git log --follow -- PATH`` per file would cost one process per file). Renames are not
followed: a file moved to another folder is dated from the move, which can only make private
code look younger (weaker evidence that it is private), never older. A shallow clone has no real
history, so it gives no dates; nor does a folder that is not a git checkout. Local only: git
runs on the checkout, never on the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

_MARK = "\x1e"  # starts each commit's header line in the log output
_TIMEOUT = 600


def _git(root: Path, *args: str) -> str | None:
    if shutil.which("git") is None:
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
            env={"GIT_TERMINAL_PROMPT": "0", "PATH": os.environ.get("PATH", ""), "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def commit_dates(root: Path) -> dict[str, tuple[str, str]]:
    """Path (relative to ``root``, POSIX) -> (first, last) author date in ISO 8601, for every
    file of ``root`` that the checkout's history touched; empty when ``root`` is not inside a
    git checkout with full history."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
    if inside is None or inside.split() != ["true", "false"]:
        return {}
    log = _git(root, "log", "--no-renames", "--name-only", "--relative", "-z",
               f"--format={_MARK}%aI", "--", ".")  # fmt: skip
    if not log:
        return {}
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    date = ""
    for field in log.split("\0"):
        field = field.strip("\n")
        if field.startswith(_MARK):
            # a header, possibly followed by the commit's first path on the next line
            head, _, rest = field.partition("\n")
            date = head[len(_MARK) :].strip()
            field = rest.strip("\n")
        if not field or not date:
            continue
        # newest first: the first date seen is the last commit, the final one the first
        last.setdefault(field, date)
        first[field] = date
    return {path: (first[path], last[path]) for path in first}
