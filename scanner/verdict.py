"""Measurements + thresholds -> verdict, with every threshold's value, limit and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scanner.matcher import CandidateMatch
from scanner.thresholds import Thresholds


class Verdict(StrEnum):
    DERIVATIVE = "derivative"
    REVIEW = "review"
    CLEAR = "clear"


@dataclass(frozen=True, slots=True)
class Check:
    """One threshold applied to one candidate."""

    name: str
    value: int
    limit: int
    passed: bool
    source: str
    meaning: str


def decide(match: CandidateMatch, thresholds: Thresholds) -> tuple[Verdict, list[Check], list[str]]:
    """The verdict for one candidate, the checks behind it, and its reasons in words."""
    t = thresholds
    longest, covered = match.longest_fragment, match.matched_tokens
    checks = [
        Check(
            "min_fragment_tokens",
            longest,
            t.min_fragment_tokens,
            longest >= t.min_fragment_tokens,
            t.origin("min_fragment_tokens"),
            "longest shared fragment, in tokens; shorter fragments are not evidence",
        ),
        Check(
            "max_fanout",
            match.discounts.common,
            t.max_fanout,
            True,
            t.origin("max_fanout"),
            "tokens ignored because their fingerprints sit at more private places than the limit",
        ),
        Check(
            "review_tokens",
            covered,
            t.review_tokens,
            covered >= t.review_tokens,
            t.origin("review_tokens"),
            "private tokens covered, needed for review",
        ),
        Check(
            "derivative_tokens",
            covered,
            t.derivative_tokens,
            covered >= t.derivative_tokens,
            t.origin("derivative_tokens"),
            "private tokens covered, needed for derivative",
        ),
        Check(
            "derivative_fragment_tokens",
            longest,
            t.derivative_fragment_tokens,
            longest >= t.derivative_fragment_tokens,
            t.origin("derivative_fragment_tokens"),
            "longest fragment, needed for derivative",
        ),
    ]
    passed = {c.name: c.passed for c in checks}
    pairs = len(match.pairs)
    if passed["derivative_tokens"] and passed["derivative_fragment_tokens"]:
        verdict = Verdict.DERIVATIVE
        reasons = [
            f"covers {covered:,} private tokens (derivative_tokens {t.derivative_tokens:,}) "
            f"with a longest fragment of {longest:,} tokens (derivative_fragment_tokens "
            f"{t.derivative_fragment_tokens:,}) in {pairs} file pair(s)"
        ]
    elif passed["review_tokens"]:
        verdict = Verdict.REVIEW
        missing = [c for c in checks if c.name.startswith("derivative") and not c.passed]
        reasons = [
            f"covers {covered:,} private tokens (review_tokens {t.review_tokens:,}) but "
            + "; ".join(f"{c.name} needs {c.limit:,}, has {c.value:,}" for c in missing)
        ]
    else:
        verdict = Verdict.CLEAR
        reasons = [
            f"covers {covered:,} private tokens, below review_tokens {t.review_tokens:,}"
            if covered
            else "no private code found in fragments long enough to count"
        ]
    d = match.discounts
    for amount, what in (
        (d.public, "public code (fingerprinted with --public)"),
        (d.common, f"code common to more than {t.max_fanout} private places"),
        (d.short, f"fragments shorter than {t.min_fragment_tokens} tokens"),
    ):
        if amount:
            reasons.append(f"discounted {amount:,} tokens of {what}")
    return verdict, checks, reasons
