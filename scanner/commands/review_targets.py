"""What ``leaktrace review`` decides on: the candidate a name means, the files a pattern means.

A reviewer types names the way a shell gives them: ``./paste/x/`` for the candidate scanned as
``paste/x``, and ``--files 'src/**/*.py'`` for many files at once. Patterns are shell-style globs
(wcmatch, a maintained glob library, with ``**`` for any number of folders): ``*`` stays inside
one folder, so ``src/*.py`` never takes ``src/vendor/x.py`` by surprise; a name that is a matched
file exactly is taken as it is, even when it holds ``*`` or ``[``.
"""

from __future__ import annotations

import posixpath
from typing import Any

from wcmatch import glob

from fingerprints import printable
from scanner.errors import InputError
from scanner.resultsdb import Placement, ResultsDB

_GLOB = glob.GLOBSTAR | glob.DOTGLOB | glob.BRACE
_URL_LIKE = ("http://", "https://", "ssh://", "git@", "file://", "github:", "npm:", "pypi:")


def normal_target(name: str) -> str:
    """A target as a path means it: ``./paste/x/`` and ``paste//x`` are ``paste/x``. URLs and
    registry names are left as they are."""
    if name.startswith(_URL_LIKE) or "://" in name:
        return name
    return posixpath.normpath(name) if name else name


def find_candidate(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The one candidate of the run that ``name`` means: the target as given or as shown, the
    same path written another way (``./x/``), or else the only target ending with it."""
    candidates = report["candidates"]
    wanted = normal_target(name)
    for test in (
        lambda t: name in (t, printable(t)),
        lambda t: wanted == normal_target(t),
        lambda t: _ends_with_part(t, name) or _ends_with_part(normal_target(t), wanted.lstrip("/")),
    ):
        matches = [c for c in candidates if test(c["target"])]
        if matches:
            break
    if len(matches) != 1:
        raise InputError(f"{name}: {'no' if not matches else 'more than one'} candidate by "
                         "that name in this run")  # fmt: skip
    return matches[0]


def _ends_with_part(target: str, tail: str) -> bool:
    """Whether ``target`` ends with ``tail`` as a whole part (after a ``/`` or ``:``): ``sdk``
    is the end of ``github:acme/sdk``, ``k`` and ``b`` (of ``paste/leak-ab``) are not."""
    return bool(tail) and target.endswith(tail) and target[: -len(tail)][-1:] in ("/", ":")


def matched_files(candidate: dict[str, Any], patterns: list[str]) -> list[str]:
    """The candidate's matched files that ``patterns`` name, each once, in the candidate's order:
    a pattern is a file as stored or as shown, or a glob. A pattern matching nothing is an
    error naming it (a typo must not pass as "decided")."""
    paths = list(dict.fromkeys(pair["candidate_path"] for pair in candidate["files"]))
    shown = {printable(path): path for path in paths}
    chosen: dict[str, None] = {}
    unmatched = []
    for pattern in patterns:
        exact = pattern if pattern in paths else shown.get(pattern)
        if exact is not None:
            chosen[exact] = None
            continue
        hits = [p for p in paths if glob.globmatch(p, pattern, flags=_GLOB)]
        if not hits:
            unmatched.append(pattern)
        chosen.update(dict.fromkeys(hits))
    if unmatched:
        raise InputError(f"{candidate['target']}: no matched file {', '.join(unmatched)}")
    return [p for p in paths if p in chosen]


def other_places(results: ResultsDB, candidate: dict[str, Any],
                 paths: list[str]) -> list[Placement]:  # fmt: skip
    """Where else the contents of ``paths`` of ``candidate`` were matched (other candidates,
    each place once): what ``review --everywhere`` decided too, to be named, never silent."""
    shas = [f["candidate_sha256"] for f in candidate["files"]
            if f["candidate_path"] in paths and f.get("candidate_sha256")]  # fmt: skip
    return results.placements_elsewhere(shas, candidate["target"])


__all__ = ["find_candidate", "matched_files", "normal_target", "other_places"]
