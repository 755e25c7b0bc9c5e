"""Measurements + thresholds -> verdict, with every threshold's value, limit and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner.matcher import CandidateMatch, PublicCode
    from scanner.structural import StructuralFile
    from scanner.thresholds import Thresholds


class Verdict(StrEnum):
    """In the order reports list them: what needs action first.

    ``incomplete`` is a coverage verdict, not a measurement: part of the candidate could not be
    read, so the absence of evidence proves nothing. Only ``derivative`` outranks it, since
    evidence found in what was read stands whatever was not read.
    """

    DERIVATIVE = "derivative"
    REVIEW = "review"
    INCOMPLETE = "incomplete"
    CLEAR = "clear"


#: Verdict value -> its rank in reports (what needs action first).
VERDICT_ORDER = {v.value: i for i, v in enumerate(Verdict)}


@dataclass(frozen=True, slots=True)
class Check:
    """One threshold applied to one candidate."""

    name: str
    value: int
    limit: int
    passed: bool
    source: str
    meaning: str


# name -> (what the value measures, whether the threshold is a filter applied before the
# verdict rather than a bar the candidate must pass)
_MEANING: dict[str, tuple[str, bool]] = {
    "min_fragment_tokens": ("longest shared fragment; shorter fragments are not evidence", False),
    "max_fanout": ("tokens ignored: fingerprints at more private places than the limit", True),
    "background_files": (
        "tokens ignored: seen in at least this many files of a legacy background "
        "(stores learned before reference sources)",
        True,
    ),
    "min_distinct_tokens": ("tokens ignored as data: k-grams of too few distinct kinds", True),
    "review_tokens": ("private tokens covered, needed for review", False),
    "derivative_tokens": ("private tokens covered, needed for derivative", False),
    "derivative_fragment_tokens": ("longest fragment, needed for derivative", False),
    "structural_min_events": (
        "fewest events of a matched function; smaller functions are not compared", True),
    "structural_min_shared": (
        "fewest calls and constants a matched function pair shares (the cheap filter)", True),
    "structural_max_fanout": (
        "calls and constants ignored as idioms: held by more private functions than the limit",
        True),
    "structural_similarity": (
        "lowest similarity of a matched function pair, percent of events lined up", True),
    "structural_review_pairs": (
        "functions of the most covered private file matched by structure (calls, constants, "
        "control flow), needed for review on structure alone", False),
    "structural_review_events": (
        "events of that file lined up in them, needed for review on structure alone", False),
    "structural_review_share": (
        "percent of that file's events lined up, needed for review on structure alone", False),
}  # fmt: skip


def best_structural_file(match: CandidateMatch, t: Thresholds) -> StructuralFile | None:
    """The private file the structural evidence is judged on: one that passes every bar, else
    the most covered."""
    return max(match.structural_files, default=None, key=lambda f: (
        f.pairs >= t.structural_review_pairs and f.events >= t.structural_review_events
        and f.share >= t.structural_review_share, f.share, f.events))  # fmt: skip


def _measured(match: CandidateMatch, t: Thresholds) -> dict[str, int]:
    """Each threshold's measured value, worked out once per verdict (asked per name, every value
    was worked out again for each of the 14 names: 2,113 function pairs of the large tree went
    through three ``min`` 14 times each, in the tail of a scan that runs alone)."""
    functions = match.functions
    best = best_structural_file(match, t)
    return {
        "structural_min_events": min((min(p.events) for p in functions), default=0),
        "structural_min_shared": min(
            (p.shared_calls + p.shared_constants for p in functions), default=0
        ),
        "structural_max_fanout": match.structural_idioms,
        "structural_similarity": min((int(p.similarity * 100) for p in functions), default=0),
        "structural_review_pairs": best.pairs if best else 0,
        "structural_review_events": best.events if best else 0,
        "structural_review_share": best.share if best else 0,
        "min_fragment_tokens": match.longest_fragment,
        "max_fanout": match.discounts.template,
        "background_files": match.discounts.common,
        "min_distinct_tokens": match.discounts.data,
        "review_tokens": match.matched_tokens,
        "derivative_tokens": match.matched_tokens,
        "derivative_fragment_tokens": match.longest_fragment,
    }


KIND_NAMES = {"pypi": "PyPI", "npm": "npm", "archive": "archive", "folder": "folder",
              "git": "git"}  # fmt: skip


def sources_named(public_code: list[PublicCode], most: int = 3) -> str:
    """``in python-dateutil 2.9.0, PyPI; lodash 4.17.21, npm``: the reference sources behind a
    ``reference`` discount, most tokens first."""
    tokens: dict[tuple[str, str], int] = {}
    for code in public_code:
        label = f"{code.source} {code.version}".strip()  # shown through printable, once
        key = (label, KIND_NAMES.get(code.kind, code.kind))
        tokens[key] = tokens.get(key, 0) + code.tokens
    named = sorted(tokens, key=lambda key: (-tokens[key], key))
    if not named:
        return "in reference sources"
    more = f" and {len(named) - most} more" if len(named) > most else ""
    return "in " + "; ".join(f"{label}, {kind}" for label, kind in named[:most]) + more


STRUCTURAL_BARS = ("structural_review_pairs", "structural_review_events",
                   "structural_review_share")  # fmt: skip


def structural_reason(match: CandidateMatch, t: Thresholds, *, alone: bool) -> str:
    """The structural evidence in words; ``alone``: the only evidence (a rewritten copy)."""
    best = best_structural_file(match, t)
    assert best is not None
    found = (f"{best.pairs} function(s) of private file {best.private_path} "
             f"({best.private_repo}) are matched by candidate functions that keep "
             f"their calls, constants and control flow: {best.events:,} of its {best.total:,} "
             f"events lined up, {best.share} % (structural_review_pairs "
             f"{t.structural_review_pairs}, structural_review_events "
             f"{t.structural_review_events}, structural_review_share "
             f"{t.structural_review_share})")  # fmt: skip
    if alone:
        return ("found after rewriting: no token run is left long enough to count, but "
                f"{found}; a rewritten copy or port is likely, a person decides "
                "(structure alone never makes a derivative)")  # fmt: skip
    return f"also by structure: {found}"


def decide(match: CandidateMatch, thresholds: Thresholds) -> tuple[Verdict, list[Check], list[str]]:
    """The verdict for one candidate, the checks behind it, and its reasons in words."""
    t = thresholds
    checks = []
    measured = _measured(match, t)
    for name in t.names():
        meaning, is_filter = _MEANING[name]
        value, limit = measured[name], getattr(t, name)
        checks.append(
            Check(
                name, value, limit, True if is_filter else value >= limit, t.origin(name), meaning
            )
        )
    passed = {c.name: c.passed for c in checks}
    longest, covered, pairs = match.longest_fragment, match.matched_tokens, len(match.pairs)
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
    structural = all(passed[name] for name in STRUCTURAL_BARS)
    if structural and verdict is Verdict.CLEAR:
        verdict = Verdict.REVIEW
        reasons = [structural_reason(match, t, alone=True), *reasons]
    elif structural:
        reasons.append(structural_reason(match, t, alone=False))
    d = match.discounts
    for amount, what in (
        (d.public, "public code (fingerprinted with --public)"),
        (d.reference, f"public code ({sources_named(match.public_code)})"),
        (d.template, f"private templates (at more than {t.max_fanout} private places)"),
        (d.common, f"common code (in {t.background_files}+ files of the legacy background)"),
        (
            d.boilerplate,
            "private boilerplate (manifests, re-export files, fixtures, open-source files)",
        ),
        (d.data, f"data literals (k-grams of fewer than {t.min_distinct_tokens} token kinds)"),
        (d.short, f"fragments shorter than {t.min_fragment_tokens} tokens"),
    ):
        if amount:
            reasons.append(f"discounted {amount:,} tokens of {what}")
    return verdict, checks, reasons
