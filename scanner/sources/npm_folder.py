"""A candidate that is an npm package folder: exactly the files ``npm pack`` would publish.

npm itself says which (``npm pack --dry-run --json --ignore-scripts``: no script runs, nothing
is written) when it is on PATH; without npm, or when npm fails, ``packlist`` applies npm's rules
(the failure is one line, and the list is the same on every layout the tests pack both ways).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from fingerprints import language_for_path
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import Unpacker
from scanner.sources.local import read_file
from scanner.sources.packlist import packlist
from scanner.sources.sourcemap import MapObserver

NPM_SECONDS = 60


def is_npm_folder(path: Path) -> bool:
    return path.is_dir() and (path / "package.json").is_file()


def npm_pack_list(folder: Path, npm: str | None = None) -> list[str]:
    """What ``npm pack --dry-run --json`` lists for ``folder``; OSError or ValueError (with
    npm's own words) when npm fails or answers something else."""
    npm = npm or shutil.which("npm")
    if npm is None:
        raise OSError("npm is not on PATH")
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false",
           "npm_config_audit": "false", "npm_config_loglevel": "error"}  # fmt: skip
    done = subprocess.run(
        [npm, "pack", "--dry-run", "--json", "--ignore-scripts"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=NPM_SECONDS, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise OSError(f"npm pack --dry-run failed (exit {done.returncode}: "
                      f"{npm_error(done.stdout, done.stderr)})")  # fmt: skip
    answer = json.loads(done.stdout)
    if not (isinstance(answer, list) and answer and isinstance(answer[0], dict)
            and isinstance(answer[0].get("files"), list)):  # fmt: skip
        raise ValueError("npm pack --dry-run --json gave no file list")
    paths = [f.get("path") for f in answer[0]["files"] if isinstance(f, dict)]
    return sorted(p for p in paths if isinstance(p, str))


def npm_error(stdout: str, stderr: str) -> str:
    """npm's own words for a failure: with ``--json`` its ``error`` object on stdout (code,
    summary, detail), else its ``npm error`` lines on stderr, never the line that only says
    where npm kept its log (npm's last line, which was all that was shown)."""
    try:
        answer = json.loads(stdout)
    except ValueError:
        answer = None
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict):
        words = [" ".join(error[key].split()) for key in ("code", "summary", "detail")
                 if isinstance(error.get(key), str) and error[key].strip()]  # fmt: skip
        if words:
            return _shortened("; ".join(words))
    lines = []
    for line in stderr.splitlines():
        line = line.strip().removeprefix("npm error").removeprefix("npm ERR!").strip()
        if line and not line.startswith(_LOG_LINES):
            lines.append(line)
    return _shortened("; ".join(lines)) if lines else "npm gave no reason"


_LOG_LINES = ("A complete log of this run can be found in", "Log files were not written")


def _shortened(text: str, most: int = 400) -> str:
    return text if len(text) <= most else f"{text[:most]}..."


class NpmFolder:
    """The files of an npm package folder that ``npm pack`` would publish, carriers opened."""

    kind = "npm-folder"
    revision = None
    on_map: MapObserver | None = None
    """Hears of every source map read, parsed (``guard`` audits them)."""

    def __init__(self, root: Path, target: str | None = None, limits: Limits | None = None,
                 use_npm: bool = True) -> None:  # fmt: skip
        self.root = root
        self.target = target or str(root)
        self.limits = limits or Limits()
        self.use_npm = use_npm
        self.problems: list[Problem] = []
        self.version_control: list[str] = []
        """Version-control folders inside archives it packs (``Unpacker.version_control``)."""
        self.listed_by = ""
        """How the list was made: "npm pack --dry-run" or "npm's rules (no npm)"."""

    def files(self) -> list[str]:
        """The paths npm would pack, relative to the folder."""
        if self.use_npm and shutil.which("npm"):
            try:
                listed = npm_pack_list(self.root)
                self.listed_by = "npm pack --dry-run"
                return listed
            except (OSError, ValueError, subprocess.SubprocessError) as exc:
                self.problems.append(Problem("package.json", f"{exc}; using npm's rules "
                                             "instead", partial=False))  # fmt: skip
        self.listed_by = "npm's rules (no npm)"
        try:
            listed, notes = packlist(self.root)
        except OSError as exc:
            self.problems.append(problem("", f"cannot list the package ({exc}); not read"))
            return []
        self.problems += [problem(path, note) for path, note in notes]
        return listed

    def iter_files(self) -> Iterator[CandidateFile]:
        unpacker = Unpacker(self.limits, self.problems, self.on_map, self.version_control)
        for path in self.files():
            if unpacker.stopped or not unpacker.folder_entry(path):
                return
            if path.startswith("/") or ".." in path.split("/"):
                self.problems.append(problem(path, "listed outside the package; not read"))
                continue
            unknown = language_for_path(path) is None
            yield from read_file(unpacker, path, self.root / path, unknown, self.problems)
