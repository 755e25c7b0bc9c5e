"""A candidate that is a folder on disk: every file that can hold code, carriers opened."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from fingerprints import UNKNOWN_LANGUAGE, VCS_DIRS, carried_name, language_for_path, walk_tree
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import HEAD, Unpacker, sniff, unread_histories
from scanner.sources.git import FileHistory, GitRepo, is_bare_repository
from scanner.sources.gitobjects import ObjectStore
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
        self._git_folders: set[Path] = set()
        self._met: list[tuple[str, Path]] = []
        """The ``.git`` folders met in the walk (where, which)."""

    def iter_files(self) -> Iterator[CandidateFile]:
        unpacker = Unpacker(self.limits, self.problems, self.on_map, self.version_control)
        if self.with_history is not None and is_bare_repository(self.root):
            # its history, and its files too (a file put beside git's own is published with it)
            self._repository("./", self.root, "", self.root, "a bare git repository")
        walked: set[str] = set()
        for entry in walk_tree(self.root, private=False):
            if unpacker.stopped or not unpacker.folder_entry(entry.path):
                return
            if entry.skip and entry.skip != UNKNOWN_LANGUAGE:
                # an unreadable folder is bad input; version-control folders and links are
                # passed over, and said: a link is one line (as in an archive), since what
                # publishes the folder may follow it
                if entry.problem:
                    self.problems.append(problem(entry.path, entry.skip))
                elif entry.path.endswith("/") and PurePosixPath(entry.path).name in VCS_DIRS:
                    self.version_control.append(entry.path)
                    walked.add(entry.path)
                    self._metadata(entry.path, entry.absolute)
                elif entry.skip == LINK:
                    yield from self._link(unpacker, entry.path, entry.absolute)
                else:
                    self.problems.append(Problem(entry.path, entry.skip, partial=False))
                continue
            if (self.with_history is not None and entry.absolute.name in _GIT_NAMES
                    and self._git_file(entry.path, entry.absolute)):  # fmt: skip
                continue
            read = read_file(unpacker, entry.path, entry.absolute,
                             entry.skip == UNKNOWN_LANGUAGE, self.problems)  # fmt: skip
            if not self.with_history:
                yield from read
                continue
            opened = False
            for file in read:
                opened = True
                yield file
            if opened or entry.skip is None:  # what the history must not read a second time
                self._blobs[entry.path] = file_blob_id(entry.absolute, self.limits.max_read_bytes)
        for path, folder in self._met:
            self._submodules(path, folder)
            if self.with_history:
                self._lfs(path, folder)
                yield from self._hooks_and_info(unpacker, path, folder)
        if self.with_history is not None:  # those met inside archives
            self.problems += unread_histories([f for f in self.version_control if f not in walked])
        if self.with_history:
            yield from self._histories()

    def _metadata(self, path: str, folder: Path) -> None:
        """A version-control folder met in the walk (``sub/.git/``, ``.hg/``)."""
        name = folder.name
        if self.with_history is None:
            return
        if name == ".git":
            self._repository(path, folder, path.removesuffix(".git/"), folder.parent)
            self._met.append((path, folder))
            if self.with_history:
                self._foreign(path, folder)
            return
        system = {".hg": "Mercurial", ".svn": "Subversion", ".bzr": "Bazaar"}.get(name, name)
        self.problems.append(problem(path, f"{system} metadata: leaktrace does not read its "
                                     "history; not read"))  # fmt: skip

    def _foreign(self, path: str, folder: Path) -> None:
        """What a ``.git`` folder holds beyond git's own layout (a file put there is published
        with the folder but is in no commit): one unread line each."""
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            self.problems.append(problem(path, f"cannot list it ({exc.strerror})"))
            return
        for name in names:
            if name not in GIT_LAYOUT and not name.endswith(".lock") and not name.startswith(
                    "sharedindex."):  # fmt: skip
                self.problems.append(problem(path + name, "inside the git folder but not part "
                                             "of git's own layout: not read"))  # fmt: skip

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

    def _lfs(self, path: str, folder: Path) -> None:
        """Git LFS objects (the content of files LFS tracks, kept outside the history, named
        by their hash alone): one unread line counting them."""

        def unlisted(exc: OSError) -> None:
            self.problems.append(problem(f"{path}lfs/", f"cannot list it ({exc.strerror})"))

        objects = folder / "lfs" / "objects"
        if not objects.is_dir():
            return
        count = sum(len(files) for _, _, files in os.walk(objects, onerror=unlisted))
        if count:
            self.problems.append(problem(f"{path}lfs/objects/", f"{count:,} Git LFS object(s) "
                                         "(content of files LFS tracks): not read"))  # fmt: skip

    def _hooks_and_info(self, unpacker: Unpacker, path: str,
                        folder: Path) -> Iterator[CandidateFile]:  # fmt: skip
        """Files in ``hooks/`` and ``info/`` other than git's own (a hook installed by hand, a
        file put there): published with the folder, in no commit, so read as any file is; a
        folder or a link there is one unread line."""
        for sub in ("hooks", "info"):
            try:
                names = sorted(os.listdir(folder / sub))
            except FileNotFoundError:
                continue
            except OSError as exc:
                self.problems.append(problem(f"{path}{sub}/", f"cannot list it ({exc.strerror})"))
                continue
            for name in names:
                if _gits_own(sub, name):
                    continue
                where, absolute = f"{path}{sub}/{name}", folder / sub / name
                if absolute.is_symlink() or absolute.is_dir():
                    self.problems.append(problem(where, "inside the git folder, not one of "
                                                 "git's own files: not read"))  # fmt: skip
                    continue
                sniff_first = language_for_path(name) is None
                yield from read_file(unpacker, where, absolute, sniff_first, self.problems)

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
        return False  # HEAD is read as any file

    def _repository(self, path: str, git_folder: Path, prefix: str, location: Path,
                    what: str = "git repository") -> None:  # fmt: skip
        """A git repository met at ``path`` (its metadata at ``git_folder``): its history is
        read after the working tree, its files named under ``prefix``, or it is one unread line.
        ``location`` is what git reads it from."""
        try:
            resolved = git_folder.resolve(strict=True)
            inside = resolved.is_relative_to(self.root.resolve(strict=True))
            common = _common_dir(resolved)
        except (OSError, RuntimeError, ValueError):  # ValueError: a NUL in a .git file's gitdir
            resolved, inside, common = None, False, None
        if common in self._git_folders:
            return  # met before under another name (a link to it, the folder, a worktree of it)
        if common is not None:
            self._git_folders.add(common)
        if not inside:
            self.problems.append(problem(path, "git link (a worktree's or submodule's) to a git "
                                         "folder outside the folder or missing: its history "
                                         "is not read"))  # fmt: skip
        elif not self.with_history:
            self.problems.append(problem(path, f"{what}: {_UNREAD_HISTORY}"))
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
_UNREAD_HISTORY = (
    "its history (every commit, deleted files too) is not read; scan --history reads it"
)
_GIT_LINK_BYTES = 4096
GIT_LAYOUT = frozenset({
    "HEAD", "config", "config.worktree", "description", "hooks", "info", "objects", "refs",
    "logs", "index", "packed-refs", "shallow", "commondir", "gitdir", "modules", "worktrees",
    "branches", "remotes", "rr-cache", "sequencer", "rebase-merge", "rebase-apply", "lfs",
    "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "MERGE_RR", "AUTO_MERGE",
    "SQUASH_MSG", "COMMIT_EDITMSG", "TAG_EDITMSG", "NOTES_EDITMSG", "EDIT_DESCRIPTION",
    "CHERRY_PICK_HEAD", "REVERT_HEAD", "REBASE_HEAD", "BISECT_LOG", "BISECT_START",
    "BISECT_TERMS", "BISECT_NAMES", "BISECT_RUN", "BISECT_HEAD", "BISECT_EXPECTED_REV",
    "BISECT_ANCESTORS_OK", "BISECT_FIRST_PARENT", "MERGE_AUTOSTASH", "NOTES_MERGE_PARTIAL",
    "NOTES_MERGE_REF", "NOTES_MERGE_WORKTREE", "reftable", "git-daemon-export-ok", "gitk.cache",
    "gc.pid", "gc.log", "fsmonitor--daemon", "fsmonitor--daemon.ipc", "filter-repo", "svn",
    "GITGUI_MSG", "GITGUI_BCK", "gk",
})  # fmt: skip
"""What git itself keeps at the top of a git folder (``gitrepository-layout``, and the files its
commands leave there), and what common tools leave (gitk, git gui, GitKraken's ``gk/``);
anything else there is not git's."""
_GIT_NAMES = frozenset({".git", "HEAD"})
_INFO = frozenset({"exclude", "attributes", "refs", "sparse-checkout", "alternates", "grafts"})


def _gits_own(sub: str, name: str) -> bool:
    """Whether a name in ``hooks/`` or ``info/`` is git's own: a sample ``git init`` writes, or
    a file ``gitrepository-layout`` lists."""
    return name.endswith(".sample") if sub == "hooks" else name in _INFO


def _git_link(path: Path) -> Path | None:
    """The git folder a ``.git`` file names (``gitdir: PATH``, relative to its folder), if it is
    one."""
    first = _first_line(path)
    if not first.startswith(b"gitdir:"):
        return None
    return path.parent / os.fsdecode(first.removeprefix(b"gitdir:").strip())


def _common_dir(git_folder: Path) -> Path:
    """The git folder whose history a git folder shares: a linked worktree's
    (``.git/worktrees/wt``) names it in ``commondir`` (relative to itself); else itself."""
    named = _first_line(git_folder / "commondir").strip()
    if not named:
        return git_folder
    return (git_folder / os.fsdecode(named)).resolve(strict=True)


def _first_line(path: Path) -> bytes:
    """The first line of a small metadata file, read as any candidate file is (a regular file
    only, a few KiB at most); b"" if there is none."""
    try:
        handle = _open_regular(path)
        if handle is None:
            return b""
        with handle:
            head = handle.read(_GIT_LINK_BYTES)
    except OSError:
        return b""
    return head.partition(b"\n")[0]


def file_blob_id(path: Path, most: int) -> str:
    """The git blob id (SHA-1) of a file's content, read in chunks (``answers.git_blob_id`` of
    bytes in memory); "" if it cannot be read or holds more than ``most`` bytes (a file too
    large to read: hashing it would cost its whole size, and its history is read anyway)."""
    try:
        handle = _open_regular(path)
        if handle is None:
            return ""
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if size > most:
                return ""
            digest = hashlib.sha1(b"blob %d\0" % size)
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def read_file(unpacker: Unpacker, path: str, absolute: Path, sniff_first: bool,
              problems: list[Problem]) -> Iterator[CandidateFile]:  # fmt: skip
    """What one file on disk holds (itself if it is source, else what it carries); a file of no
    known language is read only if its first bytes say it is a carrier (``sniff_first``)."""
    try:
        handle = _open_regular(absolute)
        if handle is None:
            problems.append(Problem(path, _NOT_REGULAR, partial=False))
            return
        with handle:
            if sniff_first:
                head = handle.read(HEAD)
                if sniff(head, absolute.name) is None:
                    return  # not source, not a carrier
                handle.seek(0)
            yield from unpacker.file(path, handle)
    except OSError as exc:
        problems.append(problem(path, f"cannot read ({exc.strerror})"))


_NOT_REGULAR = "not a regular file (FIFO, device or socket); not opened"


def _open_regular(path: Path) -> BinaryIO | None:
    """The file opened for reading, or None when it is not a regular file. Opened without
    blocking and without following a link, then checked on the open descriptor, so a FIFO or a
    device swapped in after the folder was listed is never read."""
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
