"""``leaktrace background`` (alias ``reference``): learn reference sources of public code, each with
its provenance, and decide for each which way its overlap with the private code went.

Every source gets one line, never a silent decision: how much of it is private code, how much of
which private repository is in it, the dates, and whether it is treated as public code (never
evidence) or as a source that holds private code (it clears nothing, and is worth a scan).
``--trust NAME`` / ``--distrust NAME`` give the user's word, at learn time or later without a
target (the decision is then taken again from the stored evidence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scanner.commands import STORE_OPTION
from scanner.console import err, problem, say
from scanner.endpoints import NPM_REGISTRY, PYPI_URL
from scanner.errors import InputError
from scanner.redaction import hide_userinfo
from scanner.verdict import KIND_NAMES

if TYPE_CHECKING:  # imported where used: 'leaktrace --help' loads none of them
    from fingerprints import ReferenceSource, SourceFile, SourceMeta, SQLiteStore
    from scanner.crawl import Crawler
    from scanner.sources import Candidate


_NAME_VERSION = re.compile(r"^(?P<name>.+?)-(?P<version>\d[\w.+!]*)$")
_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar", ".zip", ".whl",
             ".crate", ".gem", ".jar", ".git")  # fmt: skip


def name_version(stem: str) -> tuple[str, str]:
    """``python-dateutil-2.9.0`` -> (``python-dateutil``, ``2.9.0``); no version: ("x", "")."""
    for suffix in _SUFFIXES:
        stem = stem.removesuffix(suffix)
    match = _NAME_VERSION.match(stem)
    return (match["name"], match["version"]) if match else (stem, "")


def split_targets(targets: list[str], split: bool) -> list[str]:
    """With ``split``, a folder stands for its subfolders and archives, each one source."""
    from scanner.sources import is_archive

    expanded: list[str] = []
    for target in targets:
        path = Path(target)
        if split and path.is_dir():
            inside = [p for p in sorted(path.iterdir())
                      if p.is_dir() or (p.is_file() and is_archive(p))]  # fmt: skip
            if not inside:
                raise InputError(f"{target}: --split found no subfolder or archive in it")
            expanded += [str(p) for p in inside]
        else:
            expanded.append(target)
    return expanded


@dataclass
class _Source:
    """One target being learned: its files, and what it is once they have been read."""

    target: str
    candidate: Candidate

    def files(self) -> Iterator[SourceFile]:
        """A folder's source files are read directly (reference code needs no carrier sniffing:
        give an archive inside a folder as its own target, or use --split), and its pages,
        components and notebooks for the code they hold, as ``fingerprint`` reads a private
        folder's (``embedded_code``); anything else through its candidate source."""
        from fingerprints import (
            UNKNOWN_LANGUAGE,
            BinaryContent,
            CarrierError,
            SourceFile,
            carrier_kind,
            decode_source,
            embedded_code,
            read_source,
            walk_tree,
        )
        from scanner.sources import Limits, LocalTree
        from scanner.sources.base import problem as make_problem
        from scanner.sources.base import read_through

        root = Path(self.target)
        if not isinstance(self.candidate, LocalTree) or not root.is_dir():
            # an error that ends the source's files is its line; what was read is learned
            yield from read_through(self.candidate, self.candidate.problems)
            return
        limit = Limits().max_read_bytes
        for entry in walk_tree(root, private=False):
            carrier = carrier_kind(entry.path) if entry.skip == UNKNOWN_LANGUAGE else None
            if (entry.skip or entry.language is None) and carrier is None:
                if entry.problem:
                    self.candidate.problems.append(make_problem(entry.path, entry.skip or "unread"))
                continue
            data, reason = read_source(entry.absolute, limit)
            if data is None:
                self.candidate.problems.append(make_problem(entry.path, reason or "cannot read"))
                continue
            if carrier is None:
                yield SourceFile(entry.path, data, entry.language or "")
                continue
            try:
                text = decode_source(data)[0].decode("utf-8", "surrogateescape")
                held = embedded_code(carrier, text)
            except (BinaryContent, CarrierError) as exc:
                self.candidate.problems.append(make_problem(entry.path, str(exc)))
                continue
            if held is not None:
                self.candidate.problems += [make_problem(entry.path, n) for n in held.not_read]
                yield SourceFile(entry.path, held.code, held.language)

    def meta(self) -> SourceMeta:
        from fingerprints import SourceMeta
        from scanner.sources import Archive
        from scanner.sources.git import GitRepo
        from scanner.sources.registry import RegistryPackage
        from scanner.targets import split_ref

        candidate, target = self.candidate, self.target
        if isinstance(candidate, RegistryPackage):
            return SourceMeta(candidate.name, candidate.version or "", candidate.kind,
                              f"{candidate.kind}:{candidate.name}", candidate.sha256,
                              candidate.published, candidate.first_release())  # fmt: skip
        if isinstance(candidate, GitRepo):
            url, ref = split_ref(target)
            name, _ = name_version(url.rstrip("/").rsplit("/", 1)[-1])
            return SourceMeta(name, ref or "", "git", hide_userinfo(url))  # stored: no password
        path = Path(target)
        name, version = name_version(path.resolve().name)
        if isinstance(candidate, Archive):
            revision = candidate.revision or ""
            return SourceMeta(name, version, "archive", str(path.resolve()),
                              revision.removeprefix("sha256:") or None)  # fmt: skip
        return SourceMeta(name, version, "folder", str(path.resolve()))


def _pct(value: float) -> str:
    return f"{value:.0%}" if value >= 0.01 or value == 0 else "<1%"


def source_line(source: ReferenceSource, target: str | None = None) -> str:
    """The one line that says what was decided on a source, and why."""
    from fingerprints import NO_PRIVATE_FILE, PUBLIC, Overlap

    overlap = Overlap.from_dict(source.evidence["overlap"])
    kind = KIND_NAMES.get(source.kind, source.kind)
    head = f"{source.label} ({kind})"
    reasons = "; ".join(source.reasons)
    top = overlap.top
    if source.decision == PUBLIC:
        if top is None:  # the reason, if only that, is said once
            why = "; ".join(r for r in source.reasons if r != NO_PRIVATE_FILE)
            return f"{head}: public code; {NO_PRIVATE_FILE}" + (f" ({why})" if why else "")
        places = "; ".join(
            f"{r.repo}: {r.folder + '/' if r.folder else '(root)'} ({r.files} file(s))"
            for r in overlap.repos
        )
        return (f"{head}: public code in {places}, {_pct(overlap.share)} of the package; "
                f"treated as public ({reasons})")  # fmt: skip
    label = "DISTRUSTED" if source.trust == "distrusted" else "HOLDS PRIVATE CODE"
    scan = f"; scan it: leaktrace scan {target or _scan_target(source)}"
    return f"{head}: {label}: {reasons}; not used to clear anything{scan}"


def _scan_target(source: ReferenceSource) -> str:
    if source.kind == "pypi":
        return f"pypi:{source.name}" + (f"=={source.version}" if source.version else "")
    if source.kind == "npm":
        return f"npm:{source.name}" + (f"@{source.version}" if source.version else "")
    if source.kind == "git" and source.version:
        return f"{source.origin}@{source.version}"
    return source.origin


def _learn(store: SQLiteStore, sources: Iterable[_Source], trust: dict[str, str],
           mapper: Any) -> int:  # fmt: skip
    """Learn each source; returns how many could not be learned (each said on stderr)."""
    from fingerprints import (
        LeaktraceError,
        PrivateSide,
        learn_reference,
        matching_sources,
        set_trust,
    )

    failed = 0
    private = PrivateSide(store)
    for source in sources:
        target = source.target
        try:
            summary = learn_reference(
                source.files(), store, source.meta,
                on_problem=lambda item, message, t=target: problem(f"{t}:{item}", message),
                mapper=mapper, private=private,
            )  # fmt: skip
        except LeaktraceError as exc:
            failed += 1
            # a target that could not be read at all (a 404, a refused download) is why:
            # its one line, not a second one that it held "no source files"
            whole = [found.message for found in source.candidate.problems if not found.path]
            _problems(source, files_only=bool(whole))
            problem(target, f"not learned ({'; '.join(whole) or exc})")
            continue
        _problems(source)
        learned = summary.source
        told = False
        changed = list(summary.changed)
        for name, word in trust.items():
            if learned in matching_sources(store, name):
                now, others = set_trust(store, name, word)
                learned = next(s for s in now if s.id == learned.id)
                changed += others
                told = True
        if summary.kept_trust and not told:
            spelled = f"{learned.name}=={learned.version}" if learned.version else learned.name
            say(f"{learned.label}: {summary.kept_trust} by the user before; kept as the user set "
                f"it (--trust or --distrust {spelled} changes it)")  # fmt: skip
        rate = learned.lines / summary.seconds if summary.seconds else 0.0
        say(f"{target}: {learned.files:,} file(s), {learned.lines:,} lines; "
            f"{summary.shared_hashes:,} stored fingerprints seen there, "
            f"{len(summary.inventory)} private file(s) in it ({summary.seconds:.1f} s, "
            f"{rate:,.0f} lines/s)", to_stderr=True)  # fmt: skip
        say(source_line(learned, target))
        _say_changed(changed)
    return failed


def _say_changed(changed: list[tuple[ReferenceSource, str]]) -> None:
    """A line for each other source whose decision changed (the last word on each)."""
    last = {source.id: (source, old) for source, old in changed}
    first = {source.id: old for source, old in reversed(changed)}
    for source, _ in last.values():
        if source.decision != first[source.id]:
            say(f"  now {source.decision} (was {first[source.id]}): " + source_line(source))


def _problems(source: _Source, files_only: bool = False) -> None:
    for found in source.candidate.problems:
        if files_only and not found.path:
            continue
        problem(f"{source.target}:{found.path}" if found.path else source.target, found.message)


def background(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="Reference code: folders, archives, git URLs, pypi:NAME==VERSION, "
            "npm:NAME@VERSION; each is one source."
        ),
    ] = None,
    store: Annotated[Path | None, STORE_OPTION] = None,
    split: Annotated[
        bool, typer.Option(help="Each subfolder (or archive) of a folder is its own source.")
    ] = False,
    trust: Annotated[
        list[str] | None,
        typer.Option(
            "--trust",
            help="NAME[==VERSION]: this source is public code, whatever the "
            "evidence says (without TARGET: change a recorded decision).",
        ),
    ] = None,
    distrust: Annotated[
        list[str] | None,
        typer.Option("--distrust", help="NAME[==VERSION]: this source never clears anything."),
    ] = None,
    npm_registry: Annotated[str, typer.Option(help="npm registry base URL.")] = NPM_REGISTRY,
    pypi_url: Annotated[str, typer.Option(help="PyPI base URL.")] = PYPI_URL,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Processes to use (default: every core).")
    ] = None,
) -> None:
    """Learn reference sources of public code (packages, archives, folders, git repositories),
    each with its provenance; decide and say for each whether it is public code or holds
    private code."""
    if store is None:
        raise InputError("name the store: leaktrace background TARGET... --store STORE")
    words = {name: "trusted" for name in trust or []}
    for name in distrust or []:
        if name in words:
            raise InputError(f"{name}: given to both --trust and --distrust")
        words[name] = "distrusted"
    if not targets and not words:
        raise InputError(
            "nothing to learn: give TARGET (folder, archive, git URL, pypi:NAME==VERSION, "
            "npm:NAME@VERSION) or --trust/--distrust NAME"
        )
    from fingerprints import open_store, set_trust

    with open_store(store) as opened:
        if not targets:
            for name, word in words.items():
                now, changed = set_trust(opened, name, word)
                for source in now:
                    say(source_line(source))
                _say_changed(changed)
            refresh(opened)
            return
        expanded = split_targets(targets, split)
        failed = learn_targets(opened, expanded, words, npm_registry, pypi_url, jobs)
        refresh(opened)
    if failed:
        raise InputError(f"{failed} of {len(expanded)} source(s) could not be learned (see above)")


def learn_targets(store: SQLiteStore, targets: list[str], trust: dict[str, str] | None = None,
                  npm_registry: str = NPM_REGISTRY, pypi_url: str = PYPI_URL,
                  jobs: int | None = None) -> int:  # fmt: skip
    """Learn each target as one reference source, a line each on stdout; ``trust`` maps source
    names to the user's word. Returns how many could not be learned."""
    from scanner.crawl import make_crawler
    from scanner.runners import make_runner
    from scanner.sources.registry import is_registry_target
    from scanner.targets import resolve

    crawler: Crawler | None = None
    if any(is_registry_target(t) for t in targets):
        crawler = make_crawler(token=None, npm_registry=npm_registry, pypi_url=pypi_url)
    runner = make_runner(jobs, None)
    try:
        sources = (_Source(t, resolve(t, crawler=crawler)) for t in targets)
        return _learn(store, sources, trust or {}, lambda fn, items: runner.map(fn, items))
    finally:
        runner.close()
        if crawler is not None:
            crawler.close()


def refresh(store: SQLiteStore) -> None:
    """Bring the index beside the store up to date after a change (files fingerprinted, a
    source learned, a decision changed), with one line on stderr when it was rebuilt."""
    from scanner.index_file import refresh_index

    stats = refresh_index(store)
    if stats is not None:
        err.print(stats.line(), markup=False)
