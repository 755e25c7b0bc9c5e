"""What a verdict rests on, in words a lawyer can read: shared by every report format.

A candidate's ``checks`` list every threshold with a value and a limit; some are bars the verdict
depends on, others are filters whose "value" is an amount of code set aside. Printed as one
table they read as nonsense ("max_fanout 39,949 / limit 16 / passed"). Here:

- ``decisive_checks``: only the bars that decided this verdict, each as "longest shared
  fragment: 553 tokens; needed for derivative: 120", met or not;
- ``set_aside``: the discounts as amounts of code set aside and why (public, common, reference
  package, ...), never as checks that passed;
- ``shown_verdict``: the verdict a badge may show; a candidate not read wholly is never
  ``clear``, whatever an older run recorded.

Pure: report dicts in, strings out; writers escape the strings for their format.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from scanner.verdict import sources_named


@dataclass(frozen=True, slots=True)
class Decided:
    """One check that decided a verdict, in words."""

    name: str
    text: str
    met: bool


# check name -> (what is measured, unit after the value, what the limit is needed for)
_BARS: dict[str, tuple[str, str, str]] = {
    "derivative_tokens": ("private tokens shared", "", "needed for derivative"),
    "derivative_fragment_tokens": ("longest shared fragment", " tokens", "needed for derivative"),
    "review_tokens": ("private tokens shared", "", "needed for review"),
}

_DECIDING = {
    "derivative": ("derivative_tokens", "derivative_fragment_tokens"),
    "review": ("review_tokens", "derivative_tokens", "derivative_fragment_tokens"),
    "incomplete": ("review_tokens",),
    "clear": ("review_tokens",),
}


def is_complete(candidate: dict[str, Any]) -> bool:
    """Whether everything in the candidate that can hold code was read."""
    return bool(candidate.get("complete", True)) and not candidate.get("unread")


def shown_verdict(candidate: dict[str, Any]) -> str:
    """The verdict a badge shows: ``incomplete`` for a candidate not read wholly that a run
    recorded as ``clear`` (absence of evidence in part of it proves nothing)."""
    verdict = str(candidate["verdict"])
    if verdict == "clear" and not is_complete(candidate):
        return "incomplete"
    return verdict


def _check_text(check: dict[str, Any]) -> str:
    measured, unit, needed = _BARS[check["name"]]
    source = check.get("source") or "default"
    setting = "" if source == "default" else f" (set by {source})"
    return f"{measured}: {check['value']:,}{unit}; {needed}: {check['limit']:,}{setting}"


def decisive_checks(candidate: dict[str, Any]) -> list[Decided]:
    """The bars that decided the candidate's verdict, in words, met or not.

    ``derivative``: both derivative bars (met). ``review``: the review bar (met) and whichever
    derivative bar was not met. ``clear``/``incomplete``: the review bar, not met.
    """
    checks = {c["name"]: c for c in candidate.get("checks", [])}
    verdict = str(candidate["verdict"])
    decided = []
    for name in _DECIDING.get(verdict, ()):
        check = checks.get(name)
        if check is None:
            continue
        if verdict == "review" and name != "review_tokens" and check["passed"]:
            continue  # a derivative bar that was met did not keep it at review
        decided.append(Decided(name, _check_text(check), bool(check["passed"])))
    return decided


def _limit(candidate: dict[str, Any], name: str) -> str:
    for check in candidate.get("checks", []):
        if check["name"] == name:
            return f"{check['limit']:,}"
    return "?"


RECOGNIZED = ("public", "reference", "template", "common", "boilerplate")
"""The discounts of code recognized as something other than private code (published, in a
reference package, a private template, common, boilerplate): what keeps a sizeable match from
counting, where ``data`` and ``short`` set aside runs too small or too plain to count."""


def set_aside(candidate: dict[str, Any], kinds: tuple[str, ...] | None = None) -> list[str]:
    """Each discount (of ``kinds``, or all) as the amount of code set aside and why, largest
    first (never evidence)."""
    public_code = [SimpleNamespace(**code) for code in candidate.get("public_code") or []]
    why = {
        "public": "code the company has published itself (fingerprinted with --public)",
        "reference": f"public code found in reference packages ({sources_named(public_code)})",
        "template": "private templates: code found at more than "
        f"{_limit(candidate, 'max_fanout')} places in the private code",
        "common": "common code: in "
        f"{_limit(candidate, 'background_files')} or more files of the background corpus",
        "boilerplate": "private boilerplate (manifests, re-export files, fixtures) and open-source "
        "files (their header grants an open-source licence)",
        "data": "data (tables, literals): runs of fewer than "
        f"{_limit(candidate, 'min_distinct_tokens')} kinds of token",
        "short": "shared fragments shorter than "
        f"{_limit(candidate, 'min_fragment_tokens')} tokens, too short to count",
    }
    amounts = candidate.get("discounted_tokens") or {}
    wanted = why.keys() if kinds is None else why.keys() & set(kinds)
    shown = sorted((k for k in amounts if amounts[k] and k in wanted), key=lambda k: -amounts[k])
    return [f"{amounts[k]:,} tokens set aside as {why[k]}" for k in shown]


NO_REFERENCE_FILE = (
    "no one file of it named: too few fingerprints in common to name one (a "
    "snippet common to both), or the private file changed since the source was "
    "learned (learning it again names the file)"
)
"""Why a public-code entry names no reference file (``reference_path`` null): the inventory
names a file only for a private file sharing a few fingerprints with the source, recorded with
that file's content at the time (``fingerprints.reference.MIN_RECORDED``)."""


def reference_file(code: dict[str, Any]) -> tuple[str, bool]:
    """Where in its reference source a public-code entry was found: (the reference file's path,
    True), or (why none is named, False); never a bare ``?``."""
    path = code.get("reference_path")
    return (str(path), True) if path else (NO_REFERENCE_FILE, False)


def copy_kind(pair: dict[str, Any]) -> str:
    """How a candidate file relates to the private file it matched, from its fragments.

    A fragment is verbatim when its raw tokens agree too (whitespace, comments and layout never
    count), so reformatting alone keeps code verbatim. Identical contents say so; all fragments
    verbatim is "verbatim"; two versions of one file (the same file name) differ by edits, so
    some fragments lose their verbatim match where a literal or a name was edited: "edited";
    only where most shared code changed names and the file is named otherwise is it "renamed".
    """
    if pair.get("candidate_sha256") and pair.get("candidate_sha256") == pair.get("private_sha256"):
        return "identical file"
    fragments = pair.get("fragments") or []
    total = sum(f["tokens"] for f in fragments) or 1
    unchanged = sum(f["tokens"] for f in fragments if f["verbatim"]) / total
    if unchanged >= 1:
        return "verbatim: the shared code is unchanged (up to whitespace and comments)"
    name = pair["candidate_path"].rsplit("!/", 1)[-1].rsplit("/", 1)[-1]
    if name == pair["private_path"].rsplit("!/", 1)[-1].rsplit("/", 1)[-1]:
        return (f"edited: another version of the same file ({unchanged:.0%} of the shared code "
                "unchanged, the rest with edited names or literals)")  # fmt: skip
    if unchanged >= 0.5:
        return (f"edited: {unchanged:.0%} of the shared code unchanged, the rest with edited "
                "names or literals")  # fmt: skip
    return (f"renamed: names or literals changed in {1 - unchanged:.0%} of the shared code, "
            "under another file name")  # fmt: skip


def verdict_sentence(candidate: dict[str, Any]) -> str:
    """``derivative: private tokens shared: 39,699; needed for derivative: 250 (met); ...``."""
    checks = "; ".join(
        f"{d.text} ({'met' if d.met else 'not met'})" for d in decisive_checks(candidate)
    )
    shown = shown_verdict(candidate)
    unread = len(candidate.get("unread") or [])
    if shown == "incomplete" or unread:
        checks = (f"{unread:,} part(s) not read; " if unread else "not read wholly; ") + checks
    return f"{shown}: {checks}" if checks else shown


__all__ = [
    "Decided",
    "RECOGNIZED",
    "copy_kind",
    "decisive_checks",
    "is_complete",
    "reference_file",
    "set_aside",
    "shown_verdict",
    "verdict_sentence",
]
