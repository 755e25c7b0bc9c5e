"""What a scan's listings name: the targets typed, read from a file, and those GitHub lists
(``--forks``, ``--github-search``, ``--github-repos``, ``--seeds``), each repository once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError

if TYPE_CHECKING:
    from scanner.crawl import Crawler
    from scanner.resultsdb import ResultsDB
    from scanner.sources import Candidate
    from scanner.sources.answers import Repo


@dataclass
class SearchLog:
    """Where a scan's code searches are said and kept: each one done is one line on stderr
    (``say``), and, with a results database and the scan's job key, its repositories are kept
    there, so that the same command resuming an interrupted run lists them again without
    searching (a search is paced: 20 seeds take two minutes). A search that failed in part is
    not kept (it is tried again); a new run of the job forgets them (``ResultsDB.searches``)."""

    say: Callable[[str], None]
    results: ResultsDB | None = None
    job: str | None = None

    def done(self, name: str) -> list[str] | None:
        if self.results is None or self.job is None:
            return None
        return self.results.searched(self.job, name)

    def record(self, name: str, targets: list[str]) -> None:
        if self.results is not None and self.job is not None:
            self.results.record_search(self.job, name, targets)


def expand_targets(targets: list[str], from_file: Path | None, forks: list[str],
                   code_queries: list[str], repo_queries: list[str],
                   crawler: Crawler | None, history: bool = False,
                   networks: dict[str, str] | None = None, seeds: Sequence[str] = (),
                   searches: SearchLog | None = None) -> Iterator[str | Candidate]:  # fmt: skip
    """Every target of a scan, lazily: a fork network is listed as it is scanned. With
    ``history`` a fork is named without its default branch, so that all its branches are read.

    A listing (``--forks``, ``--github-search``, ``--github-repos``) that fails, or has items
    that are malformed, adds one ``incomplete`` candidate named after it (``forks:OWNER/REPO``,
    ``github-search:QUERY``, ``github-repos:QUERY``) with one line per failure, after what it
    did list: the rest of the run goes on, and the exit code says the scan is incomplete.
    ``seeds`` (private strings from the store, searched as exact phrases) are named by number
    only, ``github-search:seed #N``, and their text is taken out of what their failures say.
    Each fork listed is entered in ``networks`` (target -> ``OWNER/REPO`` of the network).
    Code searches (queries, then seeds) are said and kept in ``searches`` (``SearchLog``).

    A repository is scanned once however many listings name it: ``github:OWNER/REPO`` (a code
    search hit) and ``github:OWNER/REPO@BRANCH`` of its default branch (a repository listing)
    are one, and GitHub's names are the same in any case."""
    seen: set[str] = set()
    default: set[str] = set()
    """Targets a listing named at their repository's default branch."""

    def identity(target: str) -> str:
        head, _, ref = target.partition("@")
        if target.startswith("github:") and (not ref or target in default):
            return head.lower()  # the default branch
        return target

    def once(items: Iterable[str]) -> Iterator[str]:
        for item in items:
            names = {item, identity(item)}
            if not names & seen:
                seen.update(names)
                yield item

    def at_default(repo: Repo) -> str:
        target = _repo_target(repo)
        default.add(target)
        return target

    yield from once(targets)
    if from_file is not None:
        try:
            lines = from_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(f"{from_file}: cannot read ({exc.strerror})") from exc
        yield from once(t.strip() for t in lines if t.strip() and not t.lstrip().startswith("#"))
    if not (forks or code_queries or repo_queries or seeds):
        return
    if crawler is None:
        raise InputError("--forks and --github-search need GitHub access")
    github = crawler.github
    for network in forks:
        owner, _, repo = network.removeprefix("github:").partition("/")
        if not owner or not repo:
            raise InputError(f"--forks {network}: expected OWNER/REPO")
        walk = functools.partial(github.network, owner, repo)
        name = at_default if not history else (lambda r: _github_target(r.full_name))

        def fork_target(fork: Repo, name: Callable[[Repo], str] = name,
                        network: str = f"{owner}/{repo}") -> str:  # fmt: skip
            target = name(fork)
            if networks is not None:
                networks.setdefault(target, network)
            return target

        yield from _listing(f"forks:{owner}/{repo}", once, walk, fork_target)
    asked: list[tuple[str, str, Callable[[Exception], str]]] = [
        *((query, query, str) for query in code_queries),
        *((f"seed #{n}", f'"{seed}"', _seed_failure) for n, seed in enumerate(seeds, 1)),
    ]  # (shown, query, how a failure is told): a seed's text is never shown nor kept
    log = searches or SearchLog(lambda _: None)
    todo = sum(log.done(f"github-search:{shown}") is None for shown, _, _ in asked)
    per_minute = crawler.http.policy.code_search_per_minute
    if todo > per_minute:  # paced: say so before the wait
        log.say(f"code search: {todo} searches, at most {per_minute} a minute: about "
                f"{(todo - 1) // per_minute} min")  # fmt: skip
    for number, (shown, query, told) in enumerate(asked, 1):
        yield from _search(log, f"code search {number}/{len(asked)}", shown, once,
                           functools.partial(github.search_code, query), told)  # fmt: skip
    for query in repo_queries:
        walk = functools.partial(github.search_repos, query)
        yield from _listing(f"github-repos:{query}", once, walk, at_default)


def _search(log: SearchLog, step: str, shown: str,
            once: Callable[[Iterable[str]], Iterator[str]], walk: Callable[..., Iterable[Any]],
            told: Callable[[Exception], str]) -> Iterator[str | Candidate]:  # fmt: skip
    """One code search: listed whole (its pages) before its repositories are scanned, so that
    it is said and kept at once, then its repositories, then, if any of it failed, one
    ``incomplete`` candidate saying how (as ``_listing``). What ``log`` kept of it before is
    listed instead, without searching."""
    from scanner.http import FetchError
    from scanner.sources import Unreadable

    name = f"github-search:{shown}"
    kept = log.done(name)
    failures: list[str] = []
    if kept is None:
        found: list[str] = []
        try:
            for hit in walk(skipped=lambda exc: failures.append(told(exc))):
                found.append(_github_target(hit.full_name))
        except FetchError as exc:
            failures.append(told(exc))
        repos = list(dict.fromkeys(found))
        if not failures:
            log.record(name, repos)
    else:
        repos = kept
    new = list(once(repos))
    log.say(
        f"{step} ({shown}): {len(repos)} repositories, {len(new)} not listed before"
        + ("; found before in this run, not searched again" if kept is not None else "")
        + ("; failed in part (one incomplete candidate says how)" if failures else "")
    )
    yield from new
    if failures:
        yield Unreadable(name, "github", *failures)


def _seed_failure(exc: Exception) -> str:
    """A failure of a seed's search, saying nothing of the seed: only how it failed (the HTTP
    status), never the URL asked for (the seed is its query) nor what the server answered (it
    may quote the query back, and no redaction of a token or a seed's exact text can be trusted
    to take all of it out)."""
    status = getattr(exc, "status", None)
    return f"search failed (HTTP {status})" if status else "search failed (no usable answer)"


def _listing(name: str, once: Callable[[Iterable[str]], Iterator[str]],
             walk: Callable[..., Iterable[Any]],
             target: Callable[[Any], str],
             told: Callable[[Exception], str] = str) -> Iterator[str | Candidate]:  # fmt: skip
    """The targets a listing names (``walk(skipped=...)``, each item through ``target``), then,
    if any of it failed, one ``incomplete`` candidate that says what (each failure through
    ``told``)."""
    from scanner.http import FetchError
    from scanner.sources import Unreadable

    failures: list[str] = []

    def skipped(exc: FetchError) -> None:
        failures.append(told(exc))

    try:
        yield from once(target(item) for item in walk(skipped=skipped))
    except FetchError as exc:
        failures.append(told(exc))
    if failures:
        yield Unreadable(name, "github", *failures)


def _repo_target(repo: Repo) -> str:
    return _github_target(repo.full_name, repo.default_branch)


def _github_target(full_name: str, branch: str | None = None) -> str:
    """``github:OWNER/REPO[@BRANCH]``: with the branch known, no repository lookup is needed."""
    return f"github:{full_name}@{branch}" if branch else f"github:{full_name}"
