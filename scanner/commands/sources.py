"""What a ``fingerprint`` command will store, checked before anything is read or written.

Each source is ``SRC`` or ``SRC=NAME``. Its *origin* is its identity: a folder's or archive's
absolute path, a git URL without its ``@REF`` (so fingerprinting a newer tag updates the same
repository). A repository name belongs to one origin, and an origin is either private or public:
a command that would break either rule is refused as a whole, before the store is touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from fingerprints import RepoConflictError, SQLiteStore, repo_name_problem
from scanner.errors import InputError
from scanner.redaction import hide_userinfo

if TYPE_CHECKING:  # its module imports numpy: a fingerprint run's first file goes before that
    from fingerprints import SourceFile

NAME_HINT = "give this one another name with --name NAME (or SRC=NAME)"


@dataclass(frozen=True, slots=True)
class RepoSource:
    """One source of a ``fingerprint`` command: what was typed, and the repository it makes."""

    target: str
    name: str
    origin: str
    public: bool

    @property
    def kind(self) -> str:
        return "public" if self.public else "private"


def target_name(target: str) -> str:
    """A repository name for a target: the folder, archive or repository name."""
    name = target.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip", ".git"):
        name = name.removesuffix(suffix)
    return name or target


def unwrapped(files: Iterable[SourceFile], target: str) -> Iterator[SourceFile]:
    """An archive's files with its wrapper folder taken off: the one named like the archive
    (``requests-2.32.3/`` in ``requests-2.32.3.tar.gz``, as sdists, ``git archive --prefix`` and
    GitHub tarballs make them). The repository already bears that name, so paths stay relative
    to the project's root, as a folder's are, and a report never says
    ``requests-2.32.3/requests-2.32.3/src/...``. Files outside the wrapper keep their paths."""
    wrapper = target_name(target) + "/"
    for file in files:
        if file.path.startswith(wrapper) and len(file.path) > len(wrapper):
            file = replace(file, path=file.path[len(wrapper) :])
        yield file


def origin_of(target: str) -> str:
    """Where a source comes from: an absolute path, or a git URL without its ref."""
    if Path(target).exists():
        return str(Path(target).resolve())
    from scanner.sources.git import is_git_url  # only then: it brings the git and carrier readers
    from scanner.targets import split_ref

    if is_git_url(target):  # its identity without a user or password (both may be given or not)
        return hide_userinfo(split_ref(target)[0])
    return str(Path(target).resolve())


def split_name(argument: str) -> tuple[str, str | None]:
    """``SRC=NAME`` -> (SRC, NAME); a path that exists, or one whose last ``=`` is followed by
    no usable name (a ``/``, or a URL's query), is all SRC."""
    head, sep, name = argument.rpartition("=")
    if not sep or not head or Path(argument).exists() or "?" in head:
        return argument, None
    if repo_name_problem(name):
        return argument, None
    return head, name


def plan_sources(private: list[str], public: list[str], name: str | None) -> list[RepoSource]:
    """The repositories a command will store, in order; refused (``InputError``) when two of
    them would share a name, or one origin is given as private and as public."""
    if name is not None:
        problem = repo_name_problem(name)
        if problem:
            raise InputError(f"--name {name!r}: {problem}")
        if len(private) != 1 or split_name(private[0])[1]:
            raise InputError("--name needs exactly one SRC (name several with SRC=NAME)")
    if not private and not public:
        raise InputError("nothing to fingerprint: give SRC (private code) or --public SRC")
    planned: list[RepoSource] = []
    for argument, is_public in [(a, False) for a in private] + [(a, True) for a in public]:
        target, given = split_name(argument)
        default = target_name(target) if is_public else name or target_name(target)
        source = RepoSource(target, given or default, origin_of(target), is_public)
        for earlier in planned:
            if earlier.origin == source.origin and earlier.public != source.public:
                raise InputError(f"{target}: given both as private source and as --public; "
                                 "give it once, as what it is")  # fmt: skip
            if earlier.name == source.name and earlier.origin != source.origin:
                raise InputError(f"{target}: a repo named {source.name!r} already comes from "
                                 f"{earlier.target}; {NAME_HINT}")  # fmt: skip
        if source not in planned:
            planned.append(source)
    return planned


def check_sources(store: SQLiteStore, planned: list[RepoSource]) -> None:
    """Refuse the command if any planned repository conflicts with one already stored."""
    for source in planned:
        try:
            store.check_repo(source.name, source.origin, source.public)
        except RepoConflictError as exc:
            raise RepoConflictError(f"{source.target}: {exc}") from None
