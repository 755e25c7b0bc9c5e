"""Calibration: scan unrelated public code against the store and see what it reaches.

Every background target is a candidate that must be clear. Each is matched with fragments as
short as the winnowing guarantee allows, so the whole distribution is visible, then measured at
the current ``min_fragment_tokens``. The recommendation keeps every threshold at least at its
current value (precision is the product: calibration only ever raises a bar) and raises
``derivative_fragment_tokens``, ``review_tokens`` and ``derivative_tokens`` to ``margin`` times the
most that unrelated code reached. The false-flag rate it implies is the share of unrelated
candidates that would be flagged (observed, with a 95 % upper bound by the rule of three).

Thresholds measure how much *independent* code can look alike. A corpus candidate that shares a
verbatim fragment as long as ``derivative_fragment_tokens`` is not independent: it holds a copy
(SQLAlchemy's sdist ships Sphinx's own JavaScript, for one). Such candidates are listed apart as
copies to look at, with the file pairs behind them, and left out of the recommendation, which
would otherwise raise the bars past real leaks. A found copy is never advised into the reference
sources: it may be the leak itself. If the private file turns out to be public code the company
copied, the package it came from is the reference to learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from fingerprints import FingerprintParams
from scanner.index import FingerprintIndex
from scanner.matcher import Discounts, combine
from scanner.scan import ScanContext, scan_candidate
from scanner.sources import Candidate
from scanner.thresholds import Thresholds

MARGIN = 1.4


@dataclass(frozen=True, slots=True)
class Measurement:
    target: str
    files: int
    lines: int
    fragments: list[int]  # lengths of every fragment of at least the guarantee, longest first
    longest: int  # longest fragment
    covered: int  # private tokens covered by fragments of at least min_fragment_tokens
    verbatim_longest: int = 0  # longest fragment that is token-for-token identical
    copy_pairs: tuple[tuple[str, str, str, int], ...] = ()
    """(candidate path, private repo, private path, longest verbatim fragment) of each file pair
    whose verbatim fragment reaches ``derivative_fragment_tokens``: the copy to look at."""


def measure(candidate: Candidate, index: FingerprintIndex, params: FingerprintParams,
            thresholds: Thresholds) -> Measurement:  # fmt: skip
    """What one unrelated candidate shares with the store, under every filter but length."""
    loose = replace(thresholds, min_fragment_tokens=params.guarantee)
    match = scan_candidate(candidate, ScanContext(index, params, loose)).match
    fragments = [f for pair in match.pairs for f in pair.fragments]
    counted = [f for f in fragments if f.tokens >= thresholds.min_fragment_tokens]
    covered = combine(counted, index, Discounts(), match.files, match.lines, 0).matched_tokens
    lengths = sorted((f.tokens for f in fragments), reverse=True)
    verbatim = max((f.tokens for f in fragments if f.verbatim), default=0)
    pairs = []
    for pair in match.pairs:
        longest = max((f.tokens for f in pair.fragments if f.verbatim), default=0)
        if longest >= thresholds.derivative_fragment_tokens:
            pairs.append((pair.candidate_path, pair.private.repo, pair.private.path, longest))
    pairs.sort(key=lambda p: (-p[3], p[0]))
    return Measurement(candidate.target, match.files, match.lines, lengths,
                       lengths[0] if lengths else 0, covered, verbatim, tuple(pairs))  # fmt: skip


def _round_up(value: float) -> int:
    return int(math.ceil(value / 10.0) * 10)


@dataclass(frozen=True, slots=True)
class Recommendation:
    thresholds: Thresholds
    flagged_now: int  # unrelated candidates that would be derivative at the current thresholds
    review_now: int
    flagged_after: int
    review_after: int
    candidates: int
    copies: list[Measurement]
    """Corpus candidates that hold verbatim copies: left out, to be looked at."""

    @property
    def false_flag_bound(self) -> float:
        """95 % upper bound of the false-flag rate with the recommendation (rule of three)."""
        if not self.candidates:
            return 1.0
        if self.flagged_after == 0:
            return min(1.0, 3.0 / self.candidates)
        return self.flagged_after / self.candidates

    def changes(self, current: Thresholds) -> dict[str, tuple[int, int]]:
        return {
            name: (getattr(current, name), getattr(self.thresholds, name))
            for name in current.names()
            if getattr(current, name) != getattr(self.thresholds, name)
        }


def _verdicts(rows: list[Measurement], t: Thresholds) -> tuple[int, int]:
    flagged = sum(r.covered >= t.derivative_tokens and r.longest >= t.derivative_fragment_tokens
                  for r in rows)  # fmt: skip
    review = sum(r.covered >= t.review_tokens for r in rows) - flagged
    return flagged, review


def recommend(
    rows: list[Measurement], current: Thresholds, margin: float = MARGIN
) -> Recommendation:
    copies = [r for r in rows if r.verbatim_longest >= current.derivative_fragment_tokens]
    rows = [r for r in rows if r not in copies]
    longest = max((r.longest for r in rows), default=0)
    covered = max((r.covered for r in rows), default=0)
    fragment = max(current.derivative_fragment_tokens, _round_up(margin * longest))
    review = max(current.review_tokens, _round_up(margin * covered))
    derivative = max(current.derivative_tokens, review, fragment)
    values = {"derivative_fragment_tokens": fragment, "review_tokens": review,
              "derivative_tokens": derivative}  # fmt: skip
    changed = {k: v for k, v in values.items() if v != getattr(current, k)}
    proposed = current.with_overrides(changed, "calibrate") if changed else current
    flagged_now, review_now = _verdicts(rows, current)
    flagged_after, review_after = _verdicts(rows, proposed)
    return Recommendation(proposed, flagged_now, review_now, flagged_after, review_after, len(rows),
                          copies)  # fmt: skip
