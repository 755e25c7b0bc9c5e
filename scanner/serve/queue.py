"""The review queue: candidates awaiting a decision across runs, strongest evidence first.

Pure: (run id, candidate with its review state) in, rows and counts out. The filters are the
page's query string: run, verdict, kind (GitHub, fork network, npm, PyPI, other) and decision
state (awaiting, confirmed, dismissed, all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from scanner.reports.grouping import distinct_contents
from scanner.reports.wording import shown_verdict
from scanner.resultsdb import row_number

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
            run=row_number(run),
            verdict=query.get("verdict", "") if query.get("verdict") in VERDICTS else "",
            kind=query.get("kind", "") if query.get("kind") in KINDS else "",
            state=state if state in STATES else "awaiting",
        )

    def query(self, **more: Any) -> str:
        """These filters (and ``more``) as a query string."""
        fields = {"run": self.run or "", "verdict": self.verdict, "kind": self.kind,
                  "state": self.state, **more}  # fmt: skip
        return urlencode({key: value for key, value in fields.items() if value != ""})

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


QUEUE_PAGE = 200
"""Rows on one page of the queue (``?from=N`` for the next): a fork network of thousands of
forks holding one blob stays a page that loads fast."""


@dataclass(slots=True)
class Queue:
    rows: list[QueueRow]  # this page's
    counts: dict[str, int] = field(default_factory=dict)  # of every candidate the run filter keeps
    runs: list[int] = field(default_factory=list)
    kept: int = 0  # rows the filters keep, on every page
    pages: list[tuple[int, int]] = field(default_factory=list)  # (from, to), when more than one
    start: int = 0


def build_queue(flagged: list[tuple[int, dict[str, Any]]], filters: Filters,
                runs: list[int], start: int = 0) -> Queue:  # fmt: skip
    """The rows the filters keep, strongest first (verdict, private tokens, longest fragment),
    QUEUE_PAGE of them from ``start``, and counts by verdict and state over every flagged
    candidate of the chosen run(s). Only the page's rows count who else holds their contents
    (each row unites the holders of its contents: over every row, quadratic in the forks)."""
    counts: dict[str, int] = {name: 0 for name in (*VERDICTS, *STATES[:3])}
    holders: dict[str, set[str]] = {}
    for _, candidate in flagged:
        for pair in candidate["files"]:
            if pair.get("candidate_sha256"):
                holders.setdefault(pair["candidate_sha256"], set()).add(candidate["target"])
    kept = []
    for run, candidate in flagged:
        verdict, state = shown_verdict(candidate), state_of(candidate)
        counts[verdict] = counts.get(verdict, 0) + 1
        counts[state] += 1
        if filters.keeps(candidate):
            kept.append((run, candidate, verdict, state))
    kept.sort(key=lambda r: (_RANK.get(r[2], 9), -r[1]["matched_tokens"],
                             -r[1]["longest_fragment"], r[1]["target"]))  # fmt: skip
    start = start if 0 <= start < len(kept) else 0
    rows = []
    for run, candidate, verdict, state in kept[start : start + QUEUE_PAGE]:
        shas = {p.get("candidate_sha256") or "" for p in candidate["files"]}
        sharing = set().union(*(holders.get(sha, set()) for sha in shas))
        sharing.discard(candidate["target"])
        rows.append(QueueRow(run, candidate, verdict, kind_of(candidate), state,
                             distinct_contents(candidate), len(sharing)))  # fmt: skip
    pages = ([(n, min(n + QUEUE_PAGE, len(kept))) for n in range(0, len(kept), QUEUE_PAGE)]
             if len(kept) > QUEUE_PAGE else [])  # fmt: skip
    counts["all"] = len(flagged)
    return Queue(rows, counts, runs, len(kept), pages, start)


__all__ = ["KINDS", "QUEUE_PAGE", "STATES", "VERDICTS", "Filters", "Queue", "QueueRow",
           "build_queue", "kind_of", "state_of", "whole_decision"]  # fmt: skip
