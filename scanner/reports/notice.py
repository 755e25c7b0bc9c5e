"""A takedown-notice draft: only confirmed files of confirmed candidates, each location listed.

It carries the elements a DMCA notice to GitHub needs (the work, each infringing location, contact
details, the good-faith and accuracy statements, a signature), with placeholders for the sender.
It never asks for a repository network or for forks as a class: every location is listed on its
own, and nothing else is covered. Names are code spans and ``printable`` (``reports.text``): a
hostile name can neither add a line to the notice nor become markup where it is rendered.
"""

from __future__ import annotations

from typing import Any

from scanner.errors import InputError
from scanner.reports.columns import columns_text, ranges_text
from scanner.reports.locations import locate
from scanner.reports.text import md_code, md_text, safe_link


def confirmed_items(report: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(candidate, its confirmed file pairs) for every candidate with confirmed files."""
    items = []
    for candidate in report["candidates"]:
        review = candidate.get("review", {})
        if review.get("dismissed_whole"):
            continue
        confirmed = set(review.get("confirmed", []))
        pairs = [p for p in candidate["files"] if p["candidate_path"] in confirmed]
        if pairs:
            items.append((candidate, pairs))
    return items


def _location(candidate: dict[str, Any], pair: dict[str, Any]) -> str:
    """Where the file is, as URLs (its lines and revision are on the line above, once). Each
    is an autolink, ``<URL>``: a URL keeps ``*``, ``~``, ``_`` and ``(`` of a hostile name, which
    bare would render as emphasis; inside ``<>`` nothing is markup (the URLs are percent-encoded,
    so none holds ``<``, ``>`` or a space; one ``safe_link`` refuses is left out)."""
    links = [f["link"] for f in pair["fragments"] if f.get("link")]
    if not links:
        where = locate(candidate["target"], candidate.get("revision"), pair["candidate_path"])
        links = [url for url in (where.file_url, where.page) if url]
    return "\n".join(f"   - <{link}>" for link in links if safe_link(link))


def _checked(candidate: dict[str, Any]) -> str:
    """The statement that this location, and this fork on its own, was checked."""
    if candidate.get("network"):
        return (f"This repository is a fork in the network of {md_code(candidate['network'])}. "
                "It was checked individually: its own files were read and compared with the "
                "work, and only the files listed for it are part of this notice.")  # fmt: skip
    return ("This location was checked individually: its files were read and compared with the "
            "work, and only the files listed for it are part of this notice.")  # fmt: skip


def _covers(entry: dict[str, Any], candidate: dict[str, Any], pair: dict[str, Any]) -> bool:
    """Whether a confirmation, not undone, covers this file: taken on it (this candidate, this
    path and content), or on its content wherever it appears (``content`` scope, as ``serve``
    and ``review --everywhere`` confirm)."""
    if entry["decision"] != "confirmed" or entry.get("undone"):
        return False
    sha = pair.get("candidate_sha256")
    if entry.get("scope") == "content":
        return bool(sha) and entry.get("sha256") == sha
    return (entry.get("target", candidate["target"]) == candidate["target"]
            and entry.get("path") == pair["candidate_path"]
            and entry.get("sha256") in (None, sha))  # fmt: skip


def _confirmations(candidate: dict[str, Any], pairs: list[dict[str, Any]]) -> list[str]:
    """The true record of why each listed file is confirmed: every confirmation that covers
    one of them (who, when, why), in the order taken, each with the files it covers here; a
    file that several cover is under each. The decisions of one batch (``--files`` over many
    files) that read alike are one item."""
    groups: dict[tuple[Any, ...], tuple[dict[str, Any], list[str]]] = {}
    for entry in candidate.get("review", {}).get("history", []):
        paths = [p["candidate_path"] for p in pairs if _covers(entry, candidate, p)]
        if not paths:
            continue
        key = (entry.get("batch"), entry.get("scope"), entry.get("target"), entry["by"],
               entry["at"], entry["reason"])  # fmt: skip
        _, covered = groups.setdefault(key, (entry, []))
        covered += [p for p in paths if p not in covered]
    lines = []
    for entry, paths in groups.values():
        where = ("for that content wherever it appears" if entry.get("scope") == "content"
                 else "here")  # fmt: skip
        lines.append(f"- Confirmed by {md_code(entry['by'])} on {entry['at']}, {where}, for "
                     f"{', '.join(md_code(p) for p in paths)}: "
                     f"{md_text(entry['reason'])}")  # fmt: skip
    return lines


def draft_notice(report: dict[str, Any]) -> str:
    items = confirmed_items(report)
    if not items:
        raise InputError(
            f"run {report.get('run', {}).get('id', '?')}: nothing is confirmed, so there is "
            "nothing to notice; confirm files with 'leaktrace review RUN CANDIDATE --confirm'"
        )
    repos = sorted({p["private_repo"] for _, pairs in items for p in pairs})
    lines = [
        "# Copyright infringement notice (DMCA) - DRAFT",
        "",
        "DRAFT prepared by leaktrace from confirmed findings only. A person must check every",
        "location below, and fill in every [bracketed] field, before this is sent.",
        "",
        "To: [the host's designated copyright agent, e.g. GitHub, Inc.]",
        "Date: [DATE]",
        "",
        "## 1. The copyrighted work",
        "",
        'I am [NAME], [TITLE] of [COMPANY] ("the owner"). The work is the owner\'s proprietary, '
        "unpublished source code, kept in its private repositories "
        + ", ".join(md_code(r) for r in repos)
        + ". It has not been published under any licence.",
        "",
        "## 2. The infringing material",
        "",
        "Each location below holds a copy of part of that work. The request covers exactly these "
        f"{sum(len(pairs) for _, pairs in items)} file(s) in {len(items)} location(s), each "
        "listed individually, and no other repository or file.",
        "",
    ]
    for number, (candidate, pairs) in enumerate(items, 1):
        lines.append(f"### 2.{number} {md_code(candidate['target'])}")
        if candidate.get("revision"):
            lines.append(f"Revision: {md_code(candidate['revision'])}")
        lines.append("")
        for pair in pairs:
            lines.append(f"- {md_code(pair['candidate_path'])}, lines "
                         f"{ranges_text(pair['candidate_lines'])}{columns_text(pair)}: copies "
                         f"{md_code(pair['private_repo'] + '/' + pair['private_path'])}, lines "
                         f"{ranges_text(pair['private_lines'])}")  # fmt: skip
            if location := _location(candidate, pair):
                lines.append(location)
        lines.append("")
        lines.append(_checked(candidate))
        if confirmations := _confirmations(candidate, pairs):
            lines += ["", *confirmations]
        lines.append("")
    forks = [c for c, _ in items if c.get("network")]
    lines += [
        "## 3. What we ask",
        "",
        "Remove each file listed above from the repository or package that holds it (or disable "
        "that repository or package version), including the copies named in its history.",
        "",
        "## 4. Forks",
        "",
        (
            f"{len(forks)} of the locations above are forks; each fork is named individually and "
            "was checked individually. Forks not listed here are not part of this notice."
            if forks
            else "No fork is part of this notice."
        ),
        "",
        "## 5. Licence",
        "",
        "The work is not licensed under any open-source licence. [If any part of it is, say "
        "which and how the use above breaks it.]",
        "",
        "## 6. The person who posted the material",
        "",
        "[Contact details of the alleged infringer, if known; else: not known.]",
        "",
        "## 7. Contact",
        "",
        "Name: [NAME]",
        "Address: [ADDRESS]",
        "Telephone: [TELEPHONE]",
        "Email: [EMAIL]",
        "",
        "## 8. Statements",
        "",
        "I have a good faith belief that use of the copyrighted materials described above at the "
        "locations listed is not authorized by the copyright owner, its agent, or the law.",
        "",
        "I swear, under penalty of perjury, that the information in this notification is accurate "
        "and that I am the copyright owner, or am authorized to act on behalf of the owner of an "
        "exclusive right that is allegedly infringed.",
        "",
        "## 9. Signature",
        "",
        "[SIGNATURE]",
        "[NAME]",
        "",
        "---",
        f"Evidence: leaktrace {report['tool']['version']}, run {report.get('run', {}).get('id')}"
        f", store digest {report['provenance']['store_digest']}. The full evidence report "
        "(fragments, line ranges, fingerprint hashes) is available on request.",
        "",
    ]
    return "\n".join(lines)
