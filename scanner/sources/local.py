"""A candidate that is a folder on disk: every file that can hold code, carriers opened."""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import importlib.util
import io
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from fingerprints import (
    UNKNOWN_LANGUAGE,
    VCS_DIRS,
    TreeEntry,
    carried_name,
    language_for_backup,
    language_for_path,
    language_for_text,
    may_be_unnamed_code,
    walk_tree,
)
from scanner.sources.base import (
    CandidateFile,
    Limits,
    Problem,
    first_few,
    problem,
    read_at_most,
)
from scanner.sources.carriers import (
    BYTECODE_ELSEWHERE,
    BYTECODE_ONLY,
    HEAD,
    SNIFF_BYTES,
    Unpacker,
    compiled_from,
    ends_like_zip,
    sniff,
    source_of,
    unread_histories,
)
from scanner.sources.git import UNREAD_HISTORY, FileHistory, GitRepo, is_bare_repository
from scanner.sources.gitobjects import SHA1, ObjectStore
from scanner.sources.sourcemap import MapObserver


class LocalTree:
    """Every source file below a folder, and what archives, images and notebooks there hold;
    only regular files are opened (a FIFO or a device never is). A link is what the tools that
    publish a folder (``tar -h``, ``rsync -L``, a bundler, a bucket sync) may follow: one to a
    file inside the folder is read as that file, under the link's name; one to a folder inside
    is said (its files are read where they are); one pointing outside the folder, dangling or
    looping is never followed and is unread, one line each, so the folder is not ``clear``.

    A version-control folder (``.git/``, ``.hg/``, ``.svn/``) is never read as files. With
    ``history`` (``scan --history``) each git repository in the folder, the folder's own or one
    nested in it (a ``.git`` folder, or a ``.git`` file naming a git folder inside the folder),
    is read commit by commit after the working tree (``GitRepo``), each content once; without it
    (``scan``) each is unread, one line naming it; ``.hg``/``.svn`` and a ``.git`` file naming a
    folder outside are always unread. ``history=None`` (``guard``, corpora) only lists them."""

    kind = "folder"
    on_map: MapObserver | None = None
    """Hears of every source map read, parsed (``guard`` audits them)."""

    def __init__(self, root: Path, target: str | None = None, limits: Limits | None = None, *,
                 history: bool | None = None,
                 store: ObjectStore | None = None) -> None:  # fmt: skip
        self.root = root
        self.target = target or str(root)
        self.limits = limits or Limits()
        self.with_history = history
        self.store = store
        """A shared git object store for the repositories' histories (else one each)."""
        self.problems: list[Problem] = []
        self.version_control: list[str] = []
        """Version-control folders passed over (a repository's history is not read as files;
        ``scan --history`` reads it, ``guard`` reports it), and those met inside archives."""
        self.history: dict[str, FileHistory] = {}
        self.revision: str | None = None
        """The commit of the folder's own repository's default branch, once its history is read."""
        self._repositories: list[tuple[str, Path, str, Path]] = []
        """(prefix of its files, where git reads it, the path it was met at, its git folder)."""
        self._blobs: dict[str, str] = {}
        """Each working-tree file read in a repository's work tree -> the git blob id of the
        bytes read (SHA-1, or SHA-256 where the repository's config says so)."""
        self._formats: dict[str, str | None] = {}
        """A folder of the walk -> the hash of the repository whose work tree it is in, or None
        (``_object_format``)."""
        self._sha256_folders: dict[Path, bool] = {}
        """A git folder -> whether its config names its objects by SHA-256 (``_sha256``)."""
        self._git_folders: set[Path] = set()
        self._bare: list[str] = []
        """Where the bare repositories in the folder are (``""``: the folder is one)."""
        self._met: list[tuple[str, Path]] = []
        """The ``.git`` folders met in the walk (where, which)."""

    def iter_files(self) -> Iterator[CandidateFile]:
        unpacker = Unpacker(self.limits, self.problems, self.on_map, self.version_control)
        if self.with_history is not None and is_bare_repository(self.root):
            # its history, and its files too (a file put beside git's own is published with it)
            self._repository("./", self.root, "", self.root, "a bare git repository")
            self._bare.append("")
        walked: set[str] = set()
        for entry in walk_tree(self.root, private=False):
            if unpacker.stopped or not unpacker.folder_entry(entry.path):
                return
            if entry.skip and entry.skip != UNKNOWN_LANGUAGE:
                yield from self._passed_over(unpacker, entry.path, entry, walked)
                continue
            if (self.with_history is not None and entry.absolute.name in _GIT_NAMES
                    and self._git_file(entry.path, entry.absolute)):  # fmt: skip
                continue
            # a file of a bare repository in the folder (met after its HEAD) that is one of
            # git's own (a loose object, counted by ``_object``; a ref named ``feature.py``)
            parts = self._bare_parts(entry.path) if self.with_history else []
            if parts and (loose := self._object(unpacker, entry.path, parts,
                                                entry.absolute)) is not None:  # fmt: skip
                if not loose:
                    return  # past max_total_bytes
                continue
            if parts and (own := gits_own(parts, entry.absolute)) is not None:
                if not self._count_read(unpacker, entry.absolute):
                    return
                yield from _reflog_messages(unpacker, entry.path, parts, own)
                continue
            # what a repository's history must not read a second time: known by its blob id
            algorithm = self._object_format(entry.path) if self.with_history else None
            yield from read_file(unpacker, entry.path, entry.absolute,
                                 entry.skip == UNKNOWN_LANGUAGE, self.problems,
                                 self._blobs if algorithm else None, algorithm or SHA1)  # fmt: skip
        skipped = unpacker.skipped  # git's own files (config, hooks' samples) are no news
        for path, folder in self._met:  # grows while read: a .git/ met inside a .git/
            self._submodules(path, folder)
            if self.with_history:
                yield from self._git_folder_files(unpacker, path, folder, walked)
        unpacker.skipped = skipped
        if self.with_history is not None:  # those met inside archives
            self.problems += unread_histories([f for f in self.version_control if f not in walked])
        self.problems += unpacker.skipped_note()
        if self.with_history:
            yield from self._histories()

    def _passed_over(self, unpacker: Unpacker, path: str, entry: TreeEntry,
                     walked: set[str]) -> Iterator[CandidateFile]:  # fmt: skip
        """An entry the walk does not read as a file: an unreadable folder is bad input;
        version-control folders and links are passed over, and said: a link is one line (as in
        an archive), since what publishes the folder may follow it."""
        if entry.problem:
            self.problems.append(problem(path, entry.skip or ""))
        elif path.endswith("/") and PurePosixPath(path).name in VCS_DIRS:
            self.version_control.append(path)
            walked.add(path)
            self._metadata(path, entry.absolute)
        elif entry.skip == LINK:
            yield from self._link(unpacker, path, entry.absolute)
        else:
            self.problems.append(Problem(path, entry.skip or "", partial=False))

    def _metadata(self, path: str, folder: Path) -> None:
        """A version-control folder met in the walk (``sub/.git/``, ``.hg/``)."""
        name = folder.name
        if self.with_history is None:
            return
        if name == ".git":
            self._repository(path, folder, path.removesuffix(".git/"), folder.parent)
            self._met.append((path, folder))
            return
        system = {".hg": "Mercurial", ".svn": "Subversion", ".bzr": "Bazaar"}.get(name, name)
        self.problems.append(problem(path, f"{system} metadata: leaktrace does not read its "
                                     "history; not read"))  # fmt: skip

    def _submodules(self, path: str, folder: Path) -> None:
        """The git folders of submodules kept in ``.git/modules/`` (nested ones in theirs): each
        a repository, taken once with its working tree's ``.git`` link when that was met; a
        deinit'd submodule's has no link but still holds its history."""

        def unlisted(exc: OSError) -> None:
            where = Path(exc.filename).relative_to(folder).as_posix()
            self.problems.append(problem(f"{path}{where}/", f"cannot list it ({exc.strerror})"))

        if not (folder / "modules").is_dir():
            return
        for where, folders, files in os.walk(folder / "modules", onerror=unlisted):
            here = Path(where)
            if "HEAD" in files and {"objects", "refs"} <= set(folders):
                met = f"{path}{here.relative_to(folder).as_posix()}/"
                self._repository(met, here, met, here, "a submodule's git folder")
                folders[:] = ["modules"] if "modules" in folders else []

    def _git_folder_files(self, unpacker: Unpacker, path: str, folder: Path,
                          walked: set[str]) -> Iterator[CandidateFile]:  # fmt: skip
        """Every file in a git folder (its worktrees' and submodules' git folders too) that is
        not in git's own format is read as a working-tree file would be: a file put there (a
        hook installed by hand, ``objects/leak.py``, ``refs/leak.py`` holding code) is published
        with the folder but is in no commit. Git's own: loose objects (their name, zlib data),
        refs and reflogs (their format); the rest of git's files (packs, the index, config) have
        no source name and are no archive, so reading them finds nothing, as for any such file.
        What git keeps of code under names that tell no language (``_code_kept_apart``: Git LFS
        objects, rerere's conflicted files, patches being applied) is one unread line each."""
        counted: dict[tuple[str, str], int] = {}
        for entry in walk_tree(folder, private=False):
            where = path + entry.path
            if unpacker.stopped or not unpacker.folder_entry(where):
                break
            parts = entry.path.split("/")
            kept = _code_kept_apart(parts)
            if kept is not None and not entry.problem:
                counted[kept] = counted.get(kept, 0) + 1
            elif entry.skip and entry.skip != UNKNOWN_LANGUAGE:
                yield from self._passed_over(unpacker, where, entry, walked)
            elif (loose := self._object(unpacker, where, parts, entry.absolute)) is not None:
                if not loose:
                    break  # past max_total_bytes
            elif (own := gits_own(parts, entry.absolute)) is None:
                # git's own text (COMMIT_EDITMSG, hooks' samples) is not looked at for code:
                # what it holds of code is the history's, read with it
                yield from read_file(unpacker, where, entry.absolute,
                                     entry.skip == UNKNOWN_LANGUAGE, self.problems,
                                     text=False)  # fmt: skip
            elif self._count_read(unpacker, entry.absolute):
                yield from _reflog_messages(unpacker, where, parts, own)
        for (store, what), count in sorted(counted.items()):
            self.problems.append(problem(path + store, f"{count:,} {what}: not read"))

    def _object(self, unpacker: Unpacker, where: str, parts: list[str],
                file: Path) -> bool | None:  # fmt: skip
        """For a file named as a loose object of a git folder (``_loose_object``): None when it
        is not one (read as any file); else True once counted (git's own, or one unread line
        when its content is not the object its name says), False when that passed
        ``max_total_bytes``. What is inflated to tell counts against the cap, as much as is
        inflated (a small object can inflate a thousandfold: it is never inflated past what is
        left under the cap)."""
        room = self.limits.max_total_bytes - unpacker.bytes_read
        loose, inflated = _loose_object(parts, file, room, self._sha256)
        if loose is None and not inflated:
            return None
        if not self._count_read(unpacker, file, inflated):
            return False
        if not loose:
            self.problems.append(problem(where, _NOT_AN_OBJECT))
        return True

    def _count_read(self, unpacker: Unpacker, file: Path, inflated: int = 0) -> bool:
        """Count a file of a git folder read to tell it is git's own (and what was
        ``inflated`` of it) against ``max_total_bytes``, as a file read is; False once the cap
        is passed (one line)."""
        unpacker.bytes_read += inflated
        with contextlib.suppress(OSError):  # gone meanwhile: nothing was read
            unpacker.bytes_read += os.lstat(file).st_size
        cap = self.limits.max_total_bytes
        if unpacker.bytes_read <= cap or unpacker.stopped:
            return not unpacker.stopped
        unpacker.stopped = True
        self.problems.append(problem("", f"more than {cap:,} bytes read; the rest is not read"))
        return False

    def _git_file(self, path: str, file: Path) -> bool:
        """Whether a file is part of a repository's metadata: a ``.git`` file naming its git
        folder (a worktree's, a submodule's), or the ``HEAD`` of a bare repository nested in the
        folder; that repository is then taken as one met in the walk."""
        if file.name == ".git":
            gitdir = _git_link(file)
            if gitdir is not None:
                self._repository(path, gitdir, path.removesuffix(".git"), file.parent)
            return gitdir is not None
        folder = file.parent
        if folder != self.root and is_bare_repository(folder):
            where = path.removesuffix("HEAD")
            self._repository(where, folder, where, folder, "a bare git repository")
            self._bare.append(where)
        return False  # HEAD is read as any file

    def _object_format(self, path: str) -> str | None:
        """The hash (``sha1``, ``sha256``) of the repository a file of the walk is in the work
        tree of (a folder above it holding ``.git``, or a bare repository: its files are read
        with its history), or None when there is none: its blob id is then never needed. Asked
        once per folder."""
        folder = path.rpartition("/")[0]
        below: list[str] = []  # folders not asked yet, deepest first
        while folder not in self._formats:
            here = self.root / folder if folder else self.root
            git_folder: Path | None = None
            if os.path.lexists(here / ".git"):
                git_folder = here / ".git"
                if not git_folder.is_dir():
                    git_folder = _git_link(git_folder)
            elif is_bare_repository(here):
                git_folder = here
            if git_folder is not None:
                try:
                    common = _common_dir(git_folder.resolve(strict=True))
                except (OSError, RuntimeError, ValueError):
                    common = git_folder  # its history is not read (one line): any hash will do
                self._formats[folder] = "sha256" if self._sha256(common) else SHA1
                break
            below.append(folder)
            if not folder:
                self._formats[folder] = None
                break
            folder = folder.rpartition("/")[0]
        found = self._formats[folder]
        self._formats.update(dict.fromkeys(below, found))
        return found

    def _sha256(self, git_folder: Path) -> bool:
        """Whether a git folder's config says its objects are named by SHA-256: its config read
        once (it was read again for each loose object: 5,000 objects, 5,001 reads)."""
        if git_folder not in self._sha256_folders:
            self._sha256_folders[git_folder] = _sha256_repository(git_folder)
        return self._sha256_folders[git_folder]

    def _bare_parts(self, path: str) -> list[str]:
        """A path's parts in the bare repository in the folder it is in ([] if none)."""
        for prefix in self._bare:
            if path.startswith(prefix):
                return path.removeprefix(prefix).split("/")
        return []

    def _repository(self, path: str, git_folder: Path, prefix: str, location: Path,
                    what: str = "git repository") -> None:  # fmt: skip
        """A git repository met at ``path`` (its metadata at ``git_folder``): its history is
        read after the working tree, its files named under ``prefix``, or it is one unread line.
        ``location`` is what git reads it from."""
        resolved, common, outside = _where_git_reads(git_folder, self.root)
        if common in self._git_folders:
            return  # met before under another name (a link to it, the folder, a worktree of it)
        if common is not None:
            self._git_folders.add(common)
        if outside == _LINK_TO_NOTHING:
            self.problems.append(Problem(path, outside, partial=False))
        elif outside == _LINKED_OUTSIDE:
            self.problems.append(problem(path, outside))
        elif not self.with_history:
            self.problems.append(problem(path, f"{what}: {UNREAD_HISTORY}"))
        elif outside:
            self.problems.append(problem(path, outside))
        else:
            self._repositories.append((prefix, location, path, resolved))

    def _histories(self) -> Iterator[CandidateFile]:
        """Every commit of each git repository found in the folder, under the repository's
        folder; a content its working tree holds was read there and is not read again."""
        for prefix, work_tree, met, git_dir in self._repositories:
            worktree = {path.removeprefix(prefix): blob for path, blob in self._blobs.items()
                        if path.startswith(prefix)}  # fmt: skip
            repo = GitRepo(str(work_tree), target=self.target, limits=self.limits, history=True,
                           store=self.store, worktree=worktree, on_disk=True,
                           git_dir=git_dir)  # fmt: skip
            # an id of another hash (the config did not tell git's hash) matches no blob: the
            # path stays taken, its history is read again
            width = hashlib.new(repo.object_format()).digest_size * 2
            repo.worktree = {path: blob if len(blob) == width else ""
                             for path, blob in worktree.items()}  # fmt: skip
            for file in repo.iter_files():
                yield replace(file, path=prefix + file.path)
            self.problems += [replace(p, path=prefix + p.path if p.path else met)
                              for p in repo.problems]  # fmt: skip
            self.history.update((prefix + path, seen) for path, seen in repo.history.items())
            if not prefix:
                self.revision = repo.commit

    def _link(self, unpacker: Unpacker, path: str, link: Path) -> Iterator[CandidateFile]:
        """A link in the folder, resolved without ever opening anything outside it."""
        try:
            root = self.root.resolve(strict=True)
            target = link.resolve(strict=True)
        except FileNotFoundError:
            self.problems.append(problem(path, "symbolic link to nothing (dangling); not read"))
            return
        except (OSError, RuntimeError):  # ELOOP (RuntimeError before Python 3.13)
            self.problems.append(problem(path, "symbolic link in a loop; not read"))
            return
        if not target.is_relative_to(root):
            self.problems.append(problem(path, "symbolic link to outside the folder; not "
                                         "followed, not read"))  # fmt: skip
            return
        relative = target.relative_to(root)
        inside = carried_name(relative.as_posix())
        if VCS_DIRS.intersection(relative.parts):  # a folder walk_tree passes over: not read
            self.problems.append(problem(path, f"symbolic link to {inside!r}, version-control "
                                         "metadata the scan does not read; not read"))  # fmt: skip
            return
        if target.is_dir() and link.name == ".git" and self.with_history is not None:
            self._repository(path, target, path.removesuffix(".git"), link.parent)
            return  # a repository's git folder, elsewhere in the folder
        if target.is_dir():
            note = f"symbolic link to the folder {inside!r} inside it; its files are read there"
            self.problems.append(Problem(path, note, partial=False))
            return
        self.problems.append(Problem(path, f"symbolic link to {inside!r} inside the folder; read "
                                     "as that file", partial=False))  # fmt: skip
        sniff_first = language_for_path(path) is None
        yield from read_file(unpacker, path, target, sniff_first, self.problems)


LINK = "symbolic link, not followed"
"""What ``walk_tree`` says of a link (to a file or a folder)."""
_GIT_LINK_BYTES = 4096
_GIT_NAMES = frozenset({".git", "HEAD"})
_HEX = "0123456789abcdef"
_REF = re.compile(rb"([0-9a-f]{40}|[0-9a-f]{64}|ref: ([^\0\n]+))\n?")
_MAX_REF_NAME = 1024
_HASH = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")
_ZONE = re.compile(rb"[+-][0-9]{4}")
_MAX_REF_BYTES = 64 * 1024 * 1024
"""A ref or reflog file larger than this is not checked for git's format: read as a file."""


def gits_own(parts: list[str], file: Path) -> bytes | None:
    """What a file in a git folder (``parts``: its path there) that is not a loose object (the
    caller asked ``_loose_object`` first) holds when it is in one of git's own formats that
    could be mistaken for source: a ref (a hash or ``ref: NAME``) or a reflog (``OLD NEW WHO
    <EMAIL> TIME ZONE\tMSG`` lines) below ``refs/`` or ``logs/`` (of the git folder, a
    worktree's or a submodule's), or ``b""`` for a socket (``fsmonitor--daemon.ipc``: it cannot
    be opened and holds nothing); None when it is not git's own (read as any file). Read once:
    a reflog's messages come from these bytes (``_reflog_messages``)."""
    area = _ref_area(parts)
    if area is None:
        return b"" if _is_socket(file) else None  # git's fsmonitor daemon listens on one
    data = _first_bytes(file, _MAX_REF_BYTES)
    if not data or len(data) >= _MAX_REF_BYTES:
        return None if data else b""  # nothing to read; one too large for a ref is a file
    if area == "logs":
        return data if all(_reflog_entry(line) for line in data.splitlines()) else None
    ref = _REF.fullmatch(data)
    return data if ref is not None and (ref[2] is None or _ref_name(ref[2])) else None


def _ref_area(parts: list[str]) -> str | None:
    """``refs`` or ``logs`` when a path in a git folder is below the ``refs/`` or ``logs/`` of
    the git folder itself, a linked worktree's (``worktrees/WT/``) or a submodule's (in
    ``modules/``); else None (``svn/refs/``, ``hooks/refs/``: read as any file)."""
    for at, part in enumerate(parts[:-1]):
        if part in ("refs", "logs"):
            above = parts[:at]
            if not above or (len(above) == 2 and above[0] == "worktrees") or above[0] == "modules":
                return part
            return None
    return None


_REF_FORBIDDEN = frozenset(b"~^:?*[\\ \x7f") | frozenset(range(0x20))


def _ref_name(name: bytes) -> bool:
    """Whether a symbolic ref's target is a ref name by git's rules (``check-ref-format``)."""
    return (len(name) <= _MAX_REF_NAME and name.startswith(b"refs/")
            and not _REF_FORBIDDEN.intersection(name) and b".." not in name
            and b"@{" not in name and b"//" not in name and not name.endswith((b"/", b"."))
            and not any(part.startswith(b".") or part.endswith(b".lock")
                        for part in name.split(b"/")))  # fmt: skip


def _reflog_messages(unpacker: Unpacker, path: str, parts: list[str],
                     data: bytes) -> Iterator[CandidateFile]:  # fmt: skip
    """What the repository chose in a reflog (git's own, ``gits_own``: ``data`` is what it
    read) whose name tells a language, read as that file: each column it chose, a line an
    entry, one column after the other (the messages, the committers' names, their emails: git
    writes any name without ``<``, ``>`` or a newline), so code hidden down any one of them
    reads as it was written; not the hashes, times and zones git computed."""
    if _ref_area(parts) != "logs" or language_for_path(parts[-1]) is None:
        return
    messages, names, emails = [], [], []
    for line in data.splitlines():
        head, _, message = line.partition(b"\t")
        who = head.split(b" ", 2)[-1].rpartition(b"> ")[0]  # ``NAME <EMAIL``
        name, _, email = who.rpartition(b" <")
        messages.append(message)
        names.append(name)
        emails.append(email)
    chosen = b"\n".join(messages + names + emails)
    if chosen.strip():
        yield from unpacker.data(path, chosen + b"\n")


_NOT_AN_OBJECT = ("named as a git loose object, but its content is not the object its name "
                  "says (hidden there?); not read")  # fmt: skip
_OBJECT_TYPES = (b"blob", b"tree", b"commit", b"tag")


def _loose_object(parts: list[str], file: Path, room: int,
                  sha256: Callable[[Path], bool]) -> tuple[bool | None, int]:  # fmt: skip
    """For a file of a git folder (``parts``: its path there), and how many bytes were
    inflated to tell (never more than ``room``, past which it is None): True when it is one of git's
    loose objects, at ``objects/XX/<hex>`` of the git folder itself or of a submodule's (in
    ``modules/``), zlib data inflating to ``TYPE SIZE\0`` and SIZE bytes whose hash (the
    repository's: SHA-1 or SHA-256) is its name; False when it is named as one there but is
    zlib data that is not that object (a leak hidden under another file's id); None when it is
    not named as one, or is no zlib data (read as any file: a tar whose first bytes look like
    zlib's). ``sha256`` tells whether a git folder's objects are named by SHA-256."""
    name = parts[-1]
    if not (len(parts) >= 3 and parts[-3] == "objects" and len(parts[-2]) == 2
            and len(name) in (38, 62) and not set(parts[-2] + name) - set(_HEX)):  # fmt: skip
        return None, 0
    git_folder = file.parents[2]
    if parts[:-3] and (parts[0] != "modules" or not (git_folder / "HEAD").is_file()
                       or not (git_folder / "refs").is_dir()):  # fmt: skip
        return None, 0  # not where git keeps objects: read as any file
    named_by_sha256 = sha256(git_folder)  # its config: asked once per git folder
    if len(name) != (62 if named_by_sha256 else 38):
        return None, 0
    try:
        handle = _open_regular(file)
        if handle is None:
            return None, 0
        with handle:
            algorithm = "sha256" if named_by_sha256 else SHA1
            return _inflates_to(handle, parts[-2] + name, algorithm, room)
    except OSError:
        return None, 0


def _inflates_to(handle: BinaryIO, name: str, algorithm: str,
                 room: int) -> tuple[bool | None, int]:  # fmt: skip
    """Whether a stream is a loose object named ``name`` (see ``_loose_object``), and the bytes
    inflated to tell: a megabyte at a time, never past ``room`` (then None)."""
    inflate = zlib.decompressobj()
    digest = hashlib.new(algorithm)
    header = b""
    size = seen = -1
    inflated = 0
    try:
        while chunk := handle.read(1 << 16):
            while chunk:
                data = inflate.decompress(chunk, _INFLATE_STEP)
                chunk = inflate.unconsumed_tail
                inflated += len(data)
                if inflated > room:
                    return None, inflated
                if size < 0:
                    header += data
                    if b"\0" not in header:
                        if len(header) > 64:
                            return False, inflated
                        continue
                    head, _, data = header.partition(b"\0")
                    kind, _, length = head.partition(b" ")
                    if kind not in _OBJECT_TYPES or not length.isdigit() or len(length) > 20:
                        return False, inflated
                    size, seen = int(length), 0
                    digest.update(head + b"\0")
                seen += len(data)
                if seen > size:
                    return False, inflated
                digest.update(data)
                if inflate.eof:
                    break
            if inflate.eof:
                break
    except zlib.error:
        return (None if size < 0 and not header else False), inflated
    if not inflate.eof or inflate.unused_data or handle.read(1) or seen != size:
        return (False if header else None), inflated
    return digest.hexdigest() == name, inflated


_INFLATE_STEP = 1 << 20
"""At most this much is inflated at a time from a loose object (a 64 KiB read of a crafted
one can inflate to 64 MiB in one call)."""


def _sha256_repository(git_folder: Path) -> bool:
    """Whether a git folder's config says its objects are named by SHA-256."""
    config = _first_bytes(git_folder / "config", _GIT_LINK_BYTES * 16).lower()
    return re.search(rb"^\s*objectformat\s*=\s*sha256\s*$", config, re.MULTILINE) is not None


def _reflog_entry(line: bytes) -> bool:
    """Whether a line is a reflog entry, ``OLD NEW NAME <EMAIL> TIME ZONE\tMESSAGE``; checked
    by splitting, not by one regular expression (its backtracking over a long hostile line)."""
    head = line.partition(b"\t")[0]
    old, _, rest = head.partition(b" ")
    new, _, rest = rest.partition(b" ")
    when = rest.rpartition(b"> ")[2]
    time, _, zone = when.partition(b" ")
    return (len(old) == len(new) and bool(_HASH.fullmatch(old)) and bool(_HASH.fullmatch(new))
            and b"> " in rest and time.removeprefix(b"-").isdigit()
            and bool(_ZONE.fullmatch(zone)))  # fmt: skip


def _is_socket(path: Path) -> bool:
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


_LFS = "Git LFS object(s) (content of files LFS tracks)"
_RERERE = "file(s) of conflicted code rerere recorded (rr-cache: no name to tell their language)"
_PATCHES = "file(s) of the patches git am or a rebase is applying (diffs, not source files)"
_RERERE_FILE = re.compile(r"(preimage|postimage|thisimage)(\.[0-9]+)?")
_PATCH_FILE = re.compile(r"[0-9]{4,}|patch")


def _code_kept_apart(parts: list[str]) -> tuple[str, str] | None:
    """(its folder, what it is) when a path in a git folder (``parts``) is code git keeps under
    a name that tells no language: a Git LFS object (named by its hash), a conflicted file's
    text rerere recorded (``rr-cache/ID/preimage``), a patch ``git am`` or a rebase is applying
    (``rebase-apply/0001``); else None."""
    for at in range(len(parts) - 1):
        folder = "/".join(parts[: at + 1]) + "/"
        if parts[at : at + 2] == ["lfs", "objects"] and at + 2 < len(parts):
            return f"{folder}objects/", _LFS
        if parts[at] == "rr-cache" and _RERERE_FILE.fullmatch(parts[-1]):
            return folder, _RERERE
        last = at == len(parts) - 2
        if parts[at] == "rebase-apply" and last and _PATCH_FILE.fullmatch(parts[-1]):
            return folder, _PATCHES
    return None


def _git_link(path: Path) -> Path | None:
    """The git folder a ``.git`` file names (``gitdir: PATH``, relative to its folder), if it is
    one: a file holding that line alone, as git writes it. One holding more is no git link but
    a file like any other, read as such: git reads its first line only, so code after it (a
    leak behind a ``gitdir:`` line naming nothing) was passed over as repository metadata."""
    data = _first_bytes(path, _GIT_LINK_BYTES)
    first, _, rest = data.partition(b"\n")
    if not first.startswith(b"gitdir:") or rest.strip() or len(data) >= _GIT_LINK_BYTES:
        return None
    return path.parent / os.fsdecode(first.removeprefix(b"gitdir:").strip())


def _common_dir(git_folder: Path) -> Path:
    """The git folder whose history a git folder shares: a linked worktree's
    (``.git/worktrees/wt``) names it in ``commondir`` (relative to itself); else itself."""
    named = _first_line(git_folder / "commondir").strip()
    if not named:
        return git_folder
    return (git_folder / os.fsdecode(named)).resolve(strict=True)


_LINKED_OUTSIDE = ("git folder linked (a worktree's or submodule's gitdir, or its commondir) to "
                   "one outside the folder, or missing: its history is not read")  # fmt: skip
_LINK_TO_NOTHING = ("a .git file (a submodule's or worktree's) naming a git folder that is not "
                    "there: the candidate holds no history to read")  # fmt: skip
"""A line that loses nothing: an sdist that ships a submodule's ``.git`` file without the
superproject's ``.git/modules`` (tomlkit 0.12.5's tests/toml-test) was incomplete."""


def _where_git_reads(git_folder: Path, root: Path) -> tuple[Path | None, Path | None, str | None]:
    """A git folder resolved, the common folder whose history it shares (a linked worktree's
    ``commondir``), and why git must not read that history, or None: the history git reads is
    the common folder's, so it must be inside ``root`` too, or a stranger's worktree could have
    one of our repositories on this machine read as its code; and so must the objects it
    borrows (alternates: a ref naming a commit only an outside alternate holds had that
    commit read as the candidate's code)."""
    try:
        root = root.resolve(strict=True)
        resolved = git_folder.resolve(strict=True)
        common = _common_dir(resolved)
        if not (resolved.is_dir() and resolved.is_relative_to(root)
                and common.is_relative_to(root)):  # fmt: skip
            return resolved, common, _LINKED_OUTSIDE
        lent = _objects_outside(common, root)
    except FileNotFoundError:
        if not os.path.lexists(git_folder):  # nothing there, not even a dangling link
            return None, None, _LINK_TO_NOTHING
        return None, None, _LINKED_OUTSIDE
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL in a .git file's gitdir
        return None, None, _LINKED_OUTSIDE
    if not lent:
        return resolved, common, None
    return resolved, common, (f"alternates outside the folder ({first_few(lent)}): git would "
                              "read another repository's objects as this one's history; its "
                              "history is not read")  # fmt: skip


def history_outside(folder: Path) -> str | None:
    """Why git must not read the history of the repository ``folder`` is (a work tree, its
    ``.git`` a folder or a link to one, or a bare repository), given as a target pinned to a
    ref (``FOLDER@REF``): what ``LocalTree`` says of a repository in a folder whose git
    folder, common folder or alternates lead outside it; None when all of it is inside."""
    git_folder = folder / ".git"
    if not os.path.lexists(git_folder):
        git_folder = folder  # a bare repository
    elif not git_folder.is_dir():
        git_folder = _git_link(git_folder) or git_folder  # not a folder: missing, one line
    return _where_git_reads(git_folder, folder)[2]


_ALTERNATE_DEPTH = 5
"""How deep git follows alternates' own alternates (deeper ones it ignores)."""
_MAX_ALTERNATES_BYTES = 1024 * 1024


def _objects_outside(common: Path, root: Path) -> list[str]:
    """Where git would read a git folder's objects from outside ``root``: its ``objects``
    folder (a link may lead out), each folder its ``objects/info/alternates`` lends objects
    from (one path a line, relative to the folder listing it; ``#`` comments; a line in double
    quotes C-quoted), and theirs in turn, as deep as git goes; a listing that leads outside, or
    that is too long to check, is named itself."""
    outside: list[str] = []
    seen: set[Path] = set()
    level = [(common / "objects").resolve()]
    for _ in range(_ALTERNATE_DEPTH + 1):
        below: list[Path] = []
        for folder in level:
            if folder in seen:
                continue
            seen.add(folder)
            listing = (folder / "info" / "alternates").resolve()
            if not folder.is_relative_to(root) or not listing.is_relative_to(root):
                outside.append(str(folder if not folder.is_relative_to(root) else listing))
                continue
            data = _first_bytes(listing, _MAX_ALTERNATES_BYTES)
            if len(data) >= _MAX_ALTERNATES_BYTES:
                outside.append(f"{listing} (too long to check)")
                continue
            for line in data.split(b"\n"):
                if not line or line.startswith(b"#"):
                    continue
                if line.startswith(b'"'):  # git's C quoting
                    line = codecs.escape_decode(line[1:].rpartition(b'"')[0])[0]
                below.append((folder / os.fsdecode(line)).resolve())
        level = below
    return outside


def _first_line(path: Path) -> bytes:
    """The first line of a small metadata file (a few KiB at most); b"" if there is none."""
    return _first_bytes(path, _GIT_LINK_BYTES).partition(b"\n")[0]


def _first_bytes(path: Path, most: int) -> bytes:
    """At most ``most`` first bytes of a file, read as any candidate file is (a regular file
    only); b"" if there are none or it cannot be read."""
    try:
        handle = _open_regular(path)
        if handle is None:
            return b""
        with handle:
            return read_at_most(handle, most)
    except OSError:
        return b""


def read_file(unpacker: Unpacker, path: str, absolute: Path, sniff_first: bool,
              problems: list[Problem], hashed: dict[str, str] | None = None,
              algorithm: str = SHA1, text: bool = True) -> Iterator[CandidateFile]:  # fmt: skip
    """What one file on disk holds (itself if it is source, else what it carries); a file of no
    known language is read only if it is a carrier (``sniff_first``), decided as an archive's
    member is: by its first bytes, or by a zip's end record in its last 64 KiB (an image with a
    zip appended). Compiled Python (``.pyc``) with no source beside it is one unread line.

    With ``hashed``, a file read that holds no more than ``max_read_bytes`` has the git blob id
    (``algorithm``) of exactly the bytes read put there under ``path``, hashed as they are read
    (what the unpacker leaves unread of it is read through once after it): a file changed
    meanwhile is known by the content that was read, and nothing is read twice."""
    if hashed is not None and not sniff_first:
        hashed[path] = ""  # a source file: its path is taken, whatever its id
    try:
        handle = _open_regular(absolute)
        if handle is None:
            what = _special(absolute) or "not a regular file"
            problems.append(Problem(path, f"{what}: {_NOT_REGULAR}", partial=False))
            return
        with handle:
            if sniff_first:
                if absolute.name.lower().endswith((".pyc", ".pyo")):
                    _check_bytecode(handle, absolute, path, problems, unpacker.limits)
                    handle.seek(0)
                if not _told(handle, absolute.name, text):
                    unpacker.skipped += 1
                    return  # not source, not a carrier
                handle.seek(0)
                if hashed is not None:
                    hashed[path] = ""  # a carrier or a script: read, so its path is taken
            size = os.fstat(handle.fileno()).st_size
            if hashed is None or size > unpacker.limits.max_read_bytes:
                yield from unpacker.file(path, handle)
                return
            through = _Hashing(handle, algorithm, size)
            stream = io.BufferedReader(through)
            yield from unpacker.file(path, stream)
            if unpacker.stopped:
                return  # a cap: the rest of the folder is not read, nor this file's id
            while stream.read(1 << 20):
                pass
            if through.read_bytes == size:  # else it changed size while read: no id
                hashed[path] = through.digest.hexdigest()
    except OSError as exc:
        problems.append(problem(path, f"cannot read ({exc.strerror})"))


def _check_bytecode(handle: BinaryIO, absolute: Path, path: str, problems: list[Problem],
                    limits: Limits) -> None:  # fmt: skip
    """A compiled module (``.pyc``) is one unread line unless the source beside it is the one
    its header records (size and time, or hash: ``compiled_from``): a lone one, or one beside
    a decoy ``m.py``, holds code only as bytecode."""
    source = Path(source_of(absolute.as_posix()))
    try:
        facts = os.lstat(source)
    except OSError:
        problems.append(problem(path, f"not read: {BYTECODE_ONLY}"))
        return
    if not stat.S_ISREG(facts.st_mode):
        problems.append(problem(path, f"not read: {BYTECODE_ELSEWHERE}"))
        return
    header = handle.read(_PYC_HEADER)

    def hashed() -> bytes | None:
        data = _first_bytes(source, limits.max_read_bytes + 1)
        return importlib.util.source_hash(data) if len(data) == facts.st_size else None

    if not compiled_from(header, facts.st_size, int(facts.st_mtime), hashed):
        problems.append(problem(path, f"not read: {BYTECODE_ELSEWHERE}"))


_PYC_HEADER = 16


def _told(handle: BinaryIO, name: str, text: bool) -> bool:
    """Whether a file whose name tells no language is read: a carrier or a script by its
    first bytes, a zip by its end, a copy of a source kept under its name with a suffix
    (``x.py.bak``), or text that looks like code under a name that tells nothing
    (``language_for_text``: ``PASTE.log``, ``numbers``), unless not ``text``."""
    head = handle.read(HEAD)
    if sniff(head, name) is not None or language_for_backup(name) is not None:
        return True
    if ends_like_zip(handle):
        return True
    if not (text and may_be_unnamed_code(name)):
        return False
    handle.seek(len(head))
    return language_for_text(head + handle.read(SNIFF_BYTES - len(head))) is not None


class _Hashing(io.RawIOBase):
    """A file's bytes as they are read, hashed as a git blob of ``size`` bytes."""

    def __init__(self, handle: BinaryIO, algorithm: str, size: int) -> None:
        self._handle = handle
        self.digest = hashlib.new(algorithm, b"blob %d\0" % size)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.read_bytes += len(data)
        return len(data)


_NOT_REGULAR = (
    "not opened: it holds no content of its own, and none is published (npm pack "
    "and setuptools leave it out, tar keeps its name only)"
)
_SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))  # fmt: skip


def _special(path: Path) -> str | None:
    """What a file is when it is a FIFO, a socket or a device, else None (a regular file, a
    link: opened as ever, without following it)."""
    mode = os.lstat(path).st_mode
    return next((what for test, what in _SPECIAL if test(mode)), None)


def _open_regular(path: Path) -> BinaryIO | None:
    """The file opened for reading, or None when it is not a regular file. A FIFO, a socket or
    a device is never opened (a FIFO's waiting writer would be let through, a device opened, a
    socket refuses); any other file is opened without blocking and without following a link,
    then checked on the open descriptor, so a FIFO or a device swapped in after it was looked
    at is never read."""
    if _special(path) is not None:
        return None
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        os.set_blocking(fd, True)
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")
