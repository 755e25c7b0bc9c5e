"""A candidate that is a git repository: cloned shallowly into a temporary folder, then read
like any local tree; the clone is removed when the files have been read."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.local import LocalTree

_GIT_URL = re.compile(r"^(https?://|ssh://|git://|file://|git@[^:]+:).+|.+\.git/?$")
CLONE_TIMEOUT = 600


def is_git_url(target: str) -> bool:
    return bool(_GIT_URL.match(target)) and not Path(target).is_dir()


class GitRepo:
    """Every source file at the tip of ``ref`` (default branch when None) of a git URL."""

    kind = "git"

    def __init__(
        self,
        url: str,
        ref: str | None = None,
        target: str | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.url = url
        self.ref = ref
        self.target = target or url
        self.limits = limits or Limits()
        self.problems: list[Problem] = []
        self.commit: str | None = None

    @property
    def revision(self) -> str | None:
        return self.commit

    def iter_files(self) -> Iterator[CandidateFile]:
        with tempfile.TemporaryDirectory(prefix="leaktrace-git-") as tmp:
            checkout = Path(tmp) / "repo"
            command = ["git", "clone", "--quiet", "--depth", "1", "--no-tags"]
            if self.ref:
                command += ["--branch", self.ref]
            env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_LFS_SKIP_SMUDGE": "1"}
            try:
                done = subprocess.run([*command, "--", self.url, str(checkout)], env=env,
                                      capture_output=True, text=True, timeout=CLONE_TIMEOUT,
                                      check=False)  # fmt: skip
            except (OSError, subprocess.TimeoutExpired) as exc:
                self.problems.append(problem("", f"git clone failed ({exc})"))
                return
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
                self.problems.append(problem("", f"git clone failed: {last}"))
                return
            head = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"],
                                  capture_output=True, text=True, check=False)  # fmt: skip
            self.commit = head.stdout.strip() or None
            tree = LocalTree(checkout, target=self.target, limits=self.limits)
            yield from tree.iter_files()
            self.problems += tree.problems
