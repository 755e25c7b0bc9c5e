"""``leaktrace guard ARTIFACT... [--store STORE]``: the release-step check.

Each artifact is what is about to be published: an npm package folder (exactly the files
``npm pack`` would include), a ``.tgz`` from ``npm pack``, a wheel or sdist, a ``docker save``
tarball, or a plain folder (a bucket or a static site). Its files go through the same pipeline
as ``scan`` (carriers, source maps, the store's index); every source map found is audited, store
or not (``scanner.guard``). Exit codes: 1 a finding of a class set to ``fail`` (``unread``
aside); else 3 when something was not read and ``unread`` is ``fail``; else 0 (warnings are
printed); 2 a usage or input error (a missing artifact, an unusable store or config).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.commands import store_path
from scanner.console import problem, say
from scanner.errors import InputError

if TYPE_CHECKING:
    from scanner.guard import Finding, GuardPolicy
    from scanner.reports.guard_report import ArtifactOutcome
    from scanner.scan import Memo, ScanContext
    from scanner.sources import Candidate, Limits

SHOWN_ITEMS = 20
"""Items (embedded files, paths, file pairs) printed per finding; the JSON has them all."""


def open_artifact(artifact: str, limits: Limits, use_npm: bool) -> Candidate:
    """The candidate for one artifact: an npm package folder, a folder, or one file."""
    from fingerprints import language_for_path
    from scanner.sources import Archive, LocalTree, Unreadable, is_archive
    from scanner.sources.carriers import might_be_carrier
    from scanner.sources.npm_folder import NpmFolder, is_npm_folder

    path = Path(artifact)
    if is_npm_folder(path):
        return NpmFolder(path, artifact, limits, use_npm)
    if path.is_dir():
        return LocalTree(path, artifact, limits)
    if path.is_file():  # a bundle alone may carry an inline map; a plain file is read as one
        known = is_archive(path) or might_be_carrier(path.name) or language_for_path(path.name)
        return Archive(path, artifact, limits, plain=not known)
    if path.exists():  # a pipe, a socket, a device: never opened (reading one may not end)
        return Unreadable(artifact, "file", "not a regular file, a folder or a package; not read")
    raise InputError(f"{artifact}: no such file or folder")


def check_artifact(artifact: str, candidate: Candidate, context: ScanContext | None,
                   memo: Memo | None = None) -> ArtifactOutcome:  # fmt: skip
    """Read one artifact whole: the map audit always, the scan against the store when there is
    one (``memo``: contents already scanned, shared by the artifacts of one run). Each problem is
    one line on stderr."""
    from fingerprints import language_for_path
    from scanner.guard import MapAudit, scan_findings, unread_findings, version_control_findings
    from scanner.reports.guard_report import ArtifactOutcome
    from scanner.reports.json_report import candidate_dict
    from scanner.scan import scan_candidate
    from scanner.sources.base import read_through
    from scanner.sources.sourcemap import is_source_map
    from scanner.verdict import decide

    path = Path(artifact)
    alone = path.is_file() and (is_source_map(path.name) or bool(language_for_path(path.name)))
    audit = MapAudit(artifact, in_archive=path.is_file() and not alone, alone=alone)
    candidate.on_map = audit.observe  # type: ignore[attr-defined]
    outcome = ArtifactOutcome(artifact, candidate.kind)
    if context is not None:
        result = scan_candidate(candidate, context, memo=memo)
        problems = result.problems
        outcome.scan = candidate_dict(result)
        outcome.files = result.match.files
        evidence, _, _ = decide(result.match, context.thresholds)
        outcome.findings += scan_findings(artifact, outcome.scan, evidence.value)
    else:
        outcome.files = sum(1 for _ in read_through(candidate, candidate.problems))
        problems = candidate.problems
    outcome.listed_by = getattr(candidate, "listed_by", "")
    outcome.maps = audit.maps
    for found in problems:
        if context is None or not context.said_apart(found):  # a store's gap: its finding says it
            problem(f"{artifact}:{found.path}" if found.path else artifact, found.message)
    outcome.findings += audit.findings
    outcome.findings += unread_findings(artifact, problems)
    outcome.findings += version_control_findings(
        artifact, getattr(candidate, "version_control", [])
    )
    return outcome


def _print(outcomes: list[ArtifactOutcome], policy: GuardPolicy, code: int,
           to_stderr: bool) -> None:  # fmt: skip
    """One line per finding (``FAIL``/``warn``, class, where, what), its items indented below,
    and a summary line; every name escaped."""
    failing = warned = 0
    for outcome in outcomes:
        how = f", listed by {outcome.listed_by}" if outcome.listed_by else ""
        say(f"{outcome.artifact}: {outcome.files:,} source file(s) read, {outcome.maps:,} "
            f"source map(s) audited{how}", to_stderr=to_stderr)  # fmt: skip
        for finding in outcome.findings:
            fails = policy.action(finding.finding_class) == "fail"
            failing += fails
            warned += not fails
            _print_finding(finding, fails, to_stderr)
    say(f"guard: {failing} failing finding(s), {warned} warning(s) in {len(outcomes)} "
        f"artifact(s); exit {code}", to_stderr=to_stderr)  # fmt: skip


def _print_finding(finding: Finding, fails: bool, to_stderr: bool) -> None:
    where = f"{finding.artifact}:{finding.path}" if finding.path else finding.artifact
    say(f"{'FAIL' if fails else 'warn'} {finding.finding_class:<21} {where}: {finding.message}",
        to_stderr=to_stderr)  # fmt: skip
    for item in finding.items[:SHOWN_ITEMS]:
        say(f"     {item}", to_stderr=to_stderr)
    if len(finding.items) > SHOWN_ITEMS:
        say(f"     ... and {len(finding.items) - SHOWN_ITEMS:,} more (--json lists them all)",
            to_stderr=to_stderr)  # fmt: skip


def guard(
    artifacts: Annotated[
        list[str],
        typer.Argument(
            metavar="ARTIFACT...",
            help="What is about to be published: an npm package folder (the files npm pack "
            "would include), a .tgz, a wheel or sdist, a docker save tarball, or a folder.",
        ),
    ],
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            "-s",
            help="Fingerprint store (without it: source maps only).",
            parser=store_path,
        ),
    ] = None,
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the JSON report to FILE ('-': stdout).")
    ] = None,
    sarif_out: Annotated[str | None, typer.Option("--sarif", help="Write SARIF 2.1.0.")] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="leaktrace.toml or pyproject.toml (default: the one in this folder)."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a threshold: NAME=VALUE (repeatable)."),
    ] = None,
    use_npm: Annotated[
        bool,
        typer.Option(
            "--npm/--no-npm",
            help="List an npm package folder's files with 'npm pack --dry-run' (default, when "
            "npm is on PATH) or with npm's rules applied by leaktrace.",
        ),
    ] = True,
) -> None:
    """Check artifacts about to be published: private code, source maps that embed sources or
    name private paths, and anything not read (exit 1 on a failing finding, 3 if not all was
    read, 0 otherwise)."""
    from scanner.config import load_guard_policy, load_limits
    from scanner.guard import exit_code
    from scanner.reports import write_text
    from scanner.reports.guard_report import to_dict, to_sarif_guard

    policy = load_guard_policy(config)
    limits = load_limits(config)
    candidates = [open_artifact(a, limits, use_npm) for a in artifacts]
    outcomes: list[ArtifactOutcome] = []
    scan_report = None
    if store is None:
        outcomes = [check_artifact(a, c, None) for a, c in zip(artifacts, candidates, strict=True)]
    else:
        scan_report = _scan(artifacts, candidates, store, config, set_, limits, outcomes)
    findings = [f for o in outcomes for f in o.findings]
    code = exit_code(findings, policy)
    data = to_dict(outcomes, policy, code, str(store) if store else None, scan_report)
    if json_out:
        write_text(json_out, json.dumps(data, indent=2) + "\n")
    if sarif_out:
        write_text(sarif_out, json.dumps(to_sarif_guard(outcomes, policy, scan_report), indent=2)
                   + "\n")  # fmt: skip
    _print(outcomes, policy, code, to_stderr="-" in (json_out, sarif_out))
    if code:
        raise typer.Exit(code)


def _scan(artifacts: list[str], candidates: list[Candidate], store: Path, config: Path | None,
          assignments: list[str] | None, limits: Limits,
          outcomes: list[ArtifactOutcome]) -> dict[str, object]:  # fmt: skip
    """Check every artifact against the store (its persistent index), appending to
    ``outcomes``; the scan report's header (thresholds, provenance) and its candidates."""
    from fingerprints import __version__, open_store, start_parser
    from scanner.commands.shared import require_private_code as _require_private_code
    from scanner.commands.shared import store_gaps
    from scanner.commands.shared import thresholds_for as _thresholds
    from scanner.console import note
    from scanner.index import FingerprintIndex
    from scanner.reports.json_report import to_dict
    from scanner.results import ScanResult
    from scanner.scan import ScanContext, now

    thresholds = _thresholds(config, assignments)
    start_parser(limits.parse_limits())  # the parser child starts while the index is opened
    with open_store(store, read_only=True) as opened:
        _require_private_code(opened)
        gaps = store_gaps(opened, lambda _: None)  # said once per artifact: its unread finding
        index = FingerprintIndex.from_store(opened, note)
        context = ScanContext(index, opened.params, thresholds, limits.max_file_bytes,
                              limits.parse_limits(), gaps)  # fmt: skip
        header = ScanResult(__version__, thresholds, opened.params.identity(), str(store),
                            store_digest=index.store_digest or opened.digest(),
                            background=index.background_info, started_at=now(),
                            references=index.reference_info)  # fmt: skip
        memo: Memo = {}
        try:
            for artifact, candidate in zip(artifacts, candidates, strict=True):
                outcomes.append(check_artifact(artifact, candidate, context, memo))
        finally:
            index.close()
    report = to_dict(header)
    report["candidates"] = [o.scan for o in outcomes]
    return report
