"""Where a piece of evidence is, as a reader can follow it: real URLs and a legend.

A registry candidate is named ``npm:immer@10.1.1`` or ``pypi:requests==2.32.3`` on the command
line; a report gives its page (https://www.npmjs.com/package/immer/v/10.1.1,
https://pypi.org/project/requests/2.32.3/) and the file inside the published tarball (for npm
also its URL on unpkg, which serves every published file). Paths use leaktrace's notation for
carriers (``app.js.map!/src/x.ts``, ``nb.ipynb!/cell-4.py``, ``a.tgz!/lib/x.js``) and git
history (``PATH@COMMIT``); ``legend`` explains the notations a report actually uses.

Pure: names in, strings out. Pages are those of the public registries: a candidate read from a
mirror (``--npm-registry``, ``--pypi-url``) is named by the same package and version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from scanner.reports.links import GITHUB_TARGET
from scanner.reports.text import uri_path

SEPARATOR = "!/"
_NPM = re.compile(r"^npm:(?P<name>(?:@[\w.-]+/)?[\w.-]+)(?:@(?P<version>[\w.+-]+))?$")
_PYPI = re.compile(r"^pypi:(?P<name>[\w.-]+)(?:==(?P<version>[\w.+!-]+))?$")
_HISTORY = re.compile(r"@[0-9a-f]{7,40}$")


@dataclass(frozen=True, slots=True)
class Location:
    """A candidate file, placed: the page of what holds it, the file's own URL when there is one,
    and a sentence saying where the file is inside it."""

    page: str | None
    file_url: str | None
    where: str


def _version(match: re.Match[str], revision: str | None) -> str | None:
    """The version named by the target, else the one the scan resolved (the revision's first
    word: ``10.1.1 sha256:...``)."""
    if match["version"]:
        return match["version"]
    return revision.split()[0] if revision else None


def _outer(path: str) -> tuple[str, str]:
    """(the published file, what is inside it): ``package/dist/x.js.map!/src/a.ts`` ->
    (``package/dist/x.js.map``, ``src/a.ts``)."""
    outer, _, inner = path.partition(SEPARATOR)
    return outer, inner


def registry_page(target: str, revision: str | None = None) -> str | None:
    """The package version's page on npmjs.com or pypi.org, or None for other targets."""
    match = _NPM.match(target)
    if match:
        version = _version(match, revision)
        page = f"https://www.npmjs.com/package/{match['name']}"
        return f"{page}/v/{quote(version)}" if version else page
    match = _PYPI.match(target)
    if match:
        version = _version(match, revision)
        page = f"https://pypi.org/project/{match['name']}/"
        return f"{page}{quote(version)}/" if version else page
    return None


def locate(target: str, revision: str | None, path: str) -> Location:
    """Where ``path`` of candidate ``target`` is, with the URLs a reader can open."""
    outer, inner = _outer(path)
    embedded = f" (embedded: {inner})" if inner else ""
    match = _NPM.match(target)
    if match:
        version = _version(match, revision)
        # npm tarballs hold the package under one top folder (``package/``); unpkg serves the
        # files below it
        below = outer.split("/", 1)[1] if "/" in outer else outer
        url = (f"https://unpkg.com/{match['name']}@{quote(version)}/{uri_path(below)}"
               if version else None)  # fmt: skip
        return Location(registry_page(target, revision), url,
                        f"file {outer} in the package tarball{embedded}")  # fmt: skip
    if _PYPI.match(target):
        return Location(registry_page(target, revision), None,
                        f"file {outer} in the release's published archive{embedded}")  # fmt: skip
    github = GITHUB_TARGET.match(target)
    if github:
        page = f"https://github.com/{github['owner']}/{github['repo']}"
        return Location(page, None, f"file {path}")
    return Location(None, None, f"file {path} in {target}")


def legend(paths: Iterable[str]) -> list[tuple[str, str]]:
    """(notation, meaning) for each path notation that occurs in ``paths``, in a fixed order."""
    seen = set()
    for path in paths:
        if ".map" + SEPARATOR in path:
            seen.add("map")
        if ".ipynb" + SEPARATOR in path:
            seen.add("nb")
        if any(not part.endswith((".map", ".ipynb")) for part in path.split(SEPARATOR)[:-1]):
            seen.add("archive")
        if _HISTORY.search(path):
            seen.add("history")
    meanings = {
        "archive": ("ARCHIVE!/PATH", "the file PATH inside the archive or package ARCHIVE "
                    "(one !/ per carrier: an archive inside an archive has two)"),
        "map": ("MAP!/PATH", "the source file PATH embedded in the source map MAP (its "
                "sourcesContent): the original source, published beside the bundle"),
        "nb": ("NB!/cell-N.EXT", "code cell N of the Jupyter notebook NB"),
        "history": ("PATH@COMMIT", "found in git history only: the file at PATH in commit "
                    "COMMIT, no longer at a branch tip (git show COMMIT:PATH shows it)"),
    }  # fmt: skip
    return [meanings[key] for key in ("archive", "map", "nb", "history") if key in seen]


__all__ = ["Location", "legend", "locate", "registry_page"]
