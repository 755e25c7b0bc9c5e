"""The review queue: candidates awaiting a decision across runs, strongest evidence first.

Pure: (run id, candidate with its review state) in, rows and counts out. The filters are the
page's query string: run, verdict, kind (GitHub, fork network, npm, PyPI, other) and decision
state (awaiting, confirmed, dismissed, all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.reports.grouping import distinct_contents
from scanner.reports.wording import shown_verdict

VERDICTS = ("derivative", "review", "incomplete")
KINDS = {"github": "GitHub", "network": "fork network", "npm": "npm", "pypi": "PyPI",
         "other": "folder, archive or git"}  # fmt: skip
STATES = ("awaiting", "confirmed", "dismissed", "all")
_RANK = {verdict: i for i, verdict in enumerate(VERDICTS)}


def kind_of(candidate: dict[str, Any]) -> str:
    """``network`` for a fork listed by ``--forks``, else the candidate's kind (``other`` for
    folders, archives and git URLs)."""
    if candidate.get("network"):
        return "network"
    kind = str(candidate.get("kind") or "")
    return kind if kind in KINDS else "other"


def whole_decision(review: dict[str, Any], target: str) -> str | None:
    """The latest decision on the candidate as a whole that was not undone."""
    latest = None
    for entry in review.get("history", []):
        if entry["path"] is None and entry["target"] == target and not entry.get("undone"):
            latest = entry["decision"]
    return latest


def state_of(candidate: dict[str, Any]) -> str:
    """``awaiting`` while any matched file awaits a decision (or, with none matched, until the
    candidate is decided as a whole); else ``confirmed`` if any file is, else ``dismissed``."""
    review = candidate["review"]
    if review.get("dismissed_whole"):
        return "dismissed"
    if review["awaiting"]:
        return "awaiting"
    if review["confirmed"]:
        return "confirmed"
    if review["dismissed"]:
        return "dismissed"
    return whole_decision(review, candidate["target"]) or "awaiting"


@dataclass(frozen=True, slots=True)
class Filters:
    run: int | None = None
    verdict: str = ""
    kind: str = ""
    state: str = "awaiting"

    @classmethod
    def parse(cls, query: dict[str, str]) -> Filters:
        """From a query string; a value that is not one of the choices is ignored."""
        run = query.get("run", "")
        state = query.get("state", "awaiting")
        return cls(
            run=int(run) if run.isdigit() else None,
            verdict=query.get("verdict", "") if query.get("verdict") in VERDICTS else "",
            kind=query.get("kind", "") if query.get("kind") in KINDS else "",
            state=state if state in STATES else "awaiting",
        )

    def keeps(self, candidate: dict[str, Any]) -> bool:
        return (
            (not self.verdict or shown_verdict(candidate) == self.verdict)
            and (not self.kind or kind_of(candidate) == self.kind)
            and (self.state == "all" or state_of(candidate) == self.state)
        )


@dataclass(frozen=True, slots=True)
class QueueRow:
    run: int
    candidate: dict[str, Any]
    verdict: str
    kind: str
    state: str
    contents: int  # distinct matched contents
    sharing: int  # other flagged candidates holding one of these contents (forks of one blob)


@dataclass(slots=True)
class Queue:
    rows: list[QueueRow]
    counts: dict[str, int] = field(default_factory=dict)  # of every candidate the run filter keeps
    runs: list[int] = field(default_factory=list)


def build_queue(flagged: list[tuple[int, dict[str, Any]]], filters: Filters,
                runs: list[int]) -> Queue:  # fmt: skip
    """The rows the filters keep, strongest first (verdict, private tokens, longest fragment),
    and counts by verdict and state over every flagged candidate of the chosen run(s)."""
    counts: dict[str, int] = {name: 0 for name in (*VERDICTS, *STATES[:3])}
    holders: dict[str, set[str]] = {}
    for _, candidate in flagged:
        for pair in candidate["files"]:
            if pair.get("candidate_sha256"):
                holders.setdefault(pair["candidate_sha256"], set()).add(candidate["target"])
    rows = []
    for run, candidate in flagged:
        verdict, state = shown_verdict(candidate), state_of(candidate)
        counts[verdict] = counts.get(verdict, 0) + 1
        counts[state] += 1
        if filters.keeps(candidate):
            shas = {p.get("candidate_sha256") or "" for p in candidate["files"]}
            sharing = set().union(*(holders.get(sha, set()) for sha in shas))
            sharing.discard(candidate["target"])
            rows.append(QueueRow(run, candidate, verdict, kind_of(candidate), state,
                                 distinct_contents(candidate), len(sharing)))  # fmt: skip
    rows.sort(key=lambda r: (_RANK.get(r.verdict, 9), -r.candidate["matched_tokens"],
                             -r.candidate["longest_fragment"], r.candidate["target"]))  # fmt: skip
    counts["all"] = len(flagged)
    return Queue(rows, counts, runs)


__all__ = ["KINDS", "STATES", "VERDICTS", "Filters", "Queue", "QueueRow", "build_queue",
           "kind_of", "state_of", "whole_decision"]  # fmt: skip
