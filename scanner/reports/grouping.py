"""Evidence grouped for a reader: per private file, identical candidate content collapsed.

A scan lists one file pair per (candidate file, private file). A bundle carried by three source
maps, or one blob held by forty forks, is then the same evidence listed three or forty times.
Here each private file is one group, and inside it each distinct candidate content (its SHA-256)
is one ``Copy`` with every place it appears, across candidates too (``group_pairs`` takes pairs
of any number of candidates, so a fork network's identical blobs become one entry). Pure: report
dicts in, dataclasses out; every writer and the review workspace use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Place:
    """One place a candidate content appears: the candidate (target) and the path inside it."""

    candidate: dict[str, Any]
    pair: dict[str, Any]

    @property
    def target(self) -> str:
        return str(self.candidate["target"])

    @property
    def path(self) -> str:
        return str(self.pair["candidate_path"])


@dataclass(slots=True)
class Copy:
    """One distinct candidate content matching a private file, and every place it appears.

    ``pair`` is the strongest of its pairs (most private tokens): the one shown in full.
    """

    content: str
    places: list[Place] = field(default_factory=list)

    @property
    def first(self) -> Place:
        return max(self.places, key=lambda p: p.pair["matched_tokens"])  # the first of equals

    @property
    def pair(self) -> dict[str, Any]:
        return self.first.pair

    @property
    def candidate(self) -> dict[str, Any]:
        return self.first.candidate

    @property
    def tokens(self) -> int:
        return int(self.pair["matched_tokens"])


@dataclass(slots=True)
class PrivateGroup:
    """Everything matching one private file, strongest copy first."""

    repo: str
    path: str
    copies: list[Copy] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        """Private tokens of this file covered by its strongest copy (copies of one content are
        the same evidence; they never add up)."""
        return max(copy.tokens for copy in self.copies)

    @property
    def places(self) -> int:
        return sum(len(copy.places) for copy in self.copies)

    @property
    def longest(self) -> int:
        return max(int(copy.pair["longest_fragment"]) for copy in self.copies)


def content_key(pair: dict[str, Any], target: str = "") -> str:
    """The identity of a candidate file's content: its SHA-256, or (not recorded) its place."""
    sha = pair.get("candidate_sha256")
    return f"sha256:{sha}" if sha else f"path:{target}\0{pair['candidate_path']}"


def group_pairs(items: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> list[PrivateGroup]:
    """(candidate, pair) items -> one group per private file, strongest first; inside each,
    one ``Copy`` per distinct candidate content, strongest first, places in input order."""
    groups: dict[tuple[str, str], PrivateGroup] = {}
    copies: dict[tuple[str, str, str], Copy] = {}
    for candidate, pair in items:
        key = (pair["private_repo"], pair["private_path"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = PrivateGroup(*key)
        content = content_key(pair, candidate["target"])
        copy = copies.get((*key, content))
        if copy is None:
            copy = copies[(*key, content)] = Copy(content)
            group.copies.append(copy)
        copy.places.append(Place(candidate, pair))
    for group in groups.values():
        group.copies.sort(key=lambda c: -c.tokens)
    return sorted(groups.values(), key=lambda g: (-g.tokens, g.repo, g.path))


def group_candidate(candidate: dict[str, Any]) -> list[PrivateGroup]:
    """One candidate's file pairs, grouped (``group_pairs``)."""
    return group_pairs((candidate, pair) for pair in candidate["files"])


def distinct_contents(candidate: dict[str, Any]) -> int:
    """How many distinct candidate contents matched (a content in three places counts once)."""
    return len({content_key(p, candidate["target"]) for p in candidate["files"]})


__all__ = [
    "Copy",
    "Place",
    "PrivateGroup",
    "content_key",
    "distinct_contents",
    "group_candidate",
    "group_pairs",
]
