"""A candidate that is a git repository: fetched into a bare object store in a temporary folder
(``gitobjects``), read without any checkout, removed afterwards.

Without history, the files of one commit are read: the tip of the default branch, or ``@REF``
(a branch, a tag, or a full or abbreviated commit SHA); the fetch is shallow when it can be.

With history, every commit reachable from every branch and tag (or from ``@REF``) is walked,
and each distinct blob of a supported language is read once. Its candidate path is its path at
the default branch's tip if it is still there, else ``PATH@COMMIT`` with the newest commit that
introduced it, and ``history`` tells, per candidate path, where that content appears.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fingerprints import (
    carried_name,
    extension_for_language,
    language_for_path,
    language_for_shebang,
)
from scanner.sources.base import CandidateFile, Limits, Problem, problem
from scanner.sources.carriers import HEAD, Unpacker, sniff, unread_histories
from scanner.sources.content import is_wanted
from scanner.sources.gitobjects import SHA1, Auth, GitError, LocalRepository, ObjectStore
from scanner.sources.sourcemap import SEPARATOR

_GIT_URL = re.compile(r"^(https?://|ssh://|git://|file://|git@[^:]+:).+|.+\.git/?$")
_SHA = re.compile(r"^[0-9a-fA-F]{4,40}$")
MAX_SIGHTINGS = 5
"""Commits listed per blob in the evidence: the newest ones and the oldest (plus a count)."""
ABBREV = 12


def is_git_url(target: str) -> bool:
    return bool(_GIT_URL.match(target)) and not Path(target).is_dir()


def pins_a_commit(ref: str | None) -> bool:
    """Whether ``@REF`` names a commit by its SHA (full or abbreviated), not a branch or tag."""
    return ref is not None and bool(_SHA.match(ref))


def is_git_folder(path: Path) -> bool:
    """A work tree with its ``.git``, or a bare repository."""
    if (path / ".git").exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def is_bare_repository(path: Path) -> bool:
    """A bare git repository: its history only, no working tree."""
    return not (path / ".git").exists() and is_git_folder(path)


@dataclass(frozen=True, slots=True)
class Sighting:
    """A commit at which the content appeared at ``path`` (added or changed to it)."""

    commit: str
    path: str
    date: str


@dataclass(frozen=True, slots=True)
class FileHistory:
    """Where one candidate file's content (one git blob) is in the history that was scanned.

    ``at_tip`` is true when it is still in the tree of some branch tip (or of ``@REF``), false
    when it is in history only. ``commits`` counts every sighting; ``seen`` lists at most
    ``MAX_SIGHTINGS``, newest first, the oldest always last.
    """

    blob: str
    at_tip: bool
    commits: int
    seen: tuple[Sighting, ...]


class GitRepo:
    """The source files of a git repository: one commit, or with ``history`` all of them."""

    kind = "git"

    def __init__(self, url: str, ref: str | None = None, target: str | None = None,
                 limits: Limits | None = None, *, history: bool = False,
                 store: ObjectStore | None = None,
                 worktree: dict[str, str] | None = None,
                 on_disk: bool = False, git_dir: Path | None = None) -> None:  # fmt: skip
        self.url = url
        self.ref = ref
        self.target = target or url
        self.limits = limits or Limits()
        self.with_history = history
        self.store = store
        """A shared object store (e.g. for a fork network); used for full fetches only."""
        self.worktree = worktree or {}
        """Path -> git blob id of each file already read from this repository's working tree
        (``LocalTree`` with history): with history, such a blob is not read again (its history
        goes to the working-tree path), and no other content takes one of these paths."""
        self.on_disk = on_disk
        """A repository on this machine that the user asked to read (``LocalTree`` with history,
        a bare folder): every ref is fetched (remote-tracking branches, the stash, notes), then
        what only a reflog or the index holds is read from it in place too."""
        self.trusted: tuple[str, ...] = ()
        """Its folders, read although another user owns them (git's ``safe.directory``)."""
        if on_disk:  # git's ownership check (safe.directory) knows absolute paths only
            folder = Path(url).resolve()
            self.url = str(folder)
            folders = (folder, folder / ".git", git_dir.resolve() if git_dir else None)
            self.trusted = tuple(dict.fromkeys(str(f) for f in folders if f))
        self.problems: list[Problem] = []
        self._object_format: str | None = None
        self.commit: str | None = None
        self.history: dict[str, FileHistory] = {}
        self._worktree_blobs: dict[str, list[str]] = {}
        self._files = self._bytes = 0
        self._unpacker: Unpacker | None = None
        self._language: str | None = None
        """The language most of the history's files are in: a message's is read as it."""
        self.version_control: list[str] = []
        """Version-control folders inside archives it holds (``Unpacker.version_control``)."""

    @property
    def revision(self) -> str | None:
        return self.commit

    def locate(self) -> tuple[str, Auth | None]:
        """The URL to fetch and the credentials for it (none for a plain git URL)."""
        return self.url, None

    def iter_files(self) -> Iterator[CandidateFile]:
        try:
            url, auth = self.locate()
        except GitError as exc:
            self.problems.append(problem("", str(exc)))
            return
        folder = Path(url.removeprefix("file://"))
        if not self.on_disk and folder.is_dir():  # FOLDER@REF, file://: checked as in a folder
            from scanner.sources.local import history_outside  # (local.py imports this module)

            outside = history_outside(folder)
            if outside is not None:
                self.problems.append(problem("", outside))
                return
        shared = self.store if self.with_history or self._needs_full_fetch() else None
        try:
            object_format = self.object_format()
        except GitError as exc:
            self.problems.append(problem("", f"git: {exc}"))
            return
        if shared is not None and shared.object_format != object_format:
            shared = None  # git fetches between repositories of one hash only
        store = shared or ObjectStore(object_format)
        try:
            if self.with_history:
                yield from self._history(store, url, auth)
            else:
                yield from self._snapshot(store, url, auth)
        except GitError as exc:
            self.problems.append(problem("", f"git: {exc}"))
        except _Stop as stop:
            self.problems.append(problem("", str(stop)))
        finally:
            if store is not shared:
                store.close()
        self.problems += unread_histories(self.version_control)

    def object_format(self) -> str:
        """The hash the repository names its objects by: asked of a repository on disk (a
        SHA-256 one cannot be fetched into a SHA-1 store); SHA-1 for a remote one (one that is
        SHA-256 is a problem line: git says ``mismatched algorithms``)."""
        if self._object_format is None:
            self._object_format = SHA1
            if self.on_disk:
                self._object_format = LocalRepository(Path(self.url), self.trusted).stored_format()
        return self._object_format

    def _needs_full_fetch(self) -> bool:
        return pins_a_commit(self.ref)

    # -- one commit ---------------------------------------------------------------------------

    def _snapshot(self, store: ObjectStore, url: str, auth: Auth | None) -> Iterator[CandidateFile]:
        ns = store.namespace()
        if self.ref is None:
            store.fetch(url, [f"+HEAD:{ns}HEAD"], depth=1, auth=auth)
            commit = store.refs(ns).get(f"{ns}HEAD")
        elif not self._needs_full_fetch():
            try:
                store.fetch(url, [f"+{self.ref}:{ns}ref"], depth=1, auth=auth)
            except GitError as exc:
                if "couldn't find remote ref" not in str(exc):
                    raise
                raise GitError(f"{self.ref}: no such branch, tag or commit ({exc})") from exc
            commit = store.refs(ns).get(f"{ns}ref")
        else:
            commit = self._fetch_all(store, url, auth, ns)
        if commit is None:
            raise GitError("nothing to read (an empty repository?)")
        self.commit = commit
        if self.with_history is False and not pins_a_commit(self.ref):
            # ``scan`` of a repository (or a branch, a tag): one commit of it is read, and a
            # leak committed then deleted is in the others; a commit SHA names all it asks for
            self.problems.append(problem("", f"git repository: {UNREAD_HISTORY}"))
        listed = list(store.tree(commit))
        told = self._told(store, {e.blob: [e.path] for e in listed if not is_wanted(e.path)})
        entries = sorted((e for e in listed if is_wanted(e.path) or e.blob in told),
                         key=lambda e: e.path)  # fmt: skip
        entries = [e for e in entries if not self._too_big(e.path, e.size)]
        sizes = {e.blob: e.size for e in entries}
        blobs = self._counted([e.blob for e in entries], sizes)
        for entry, (_, data) in zip(entries, store.read(blobs), strict=False):
            yield from self._emit(entry.path, data, entry.path)

    # -- every commit -------------------------------------------------------------------------

    def _fetch_all(self, store: ObjectStore, url: str, auth: Auth | None, ns: str) -> str | None:
        """Fetch every branch and tag under ``ns``all/ (a ref named ``refs/HEAD`` then never
        takes ``ns``HEAD's place); the commit of ``@REF`` or of HEAD."""
        if not self.on_disk:
            specs = [f"+refs/heads/*:{ns}all/heads/*", f"+refs/tags/*:{ns}all/tags/*",
                     f"+refs/notes/*:{ns}all/notes/*"]  # fmt: skip
            self._fetch(store, url, auth, ns, specs)
        else:
            try:
                self._fetch(store, url, auth, ns, [f"+refs/*:{ns}all/*"])
            except GitError:  # a ref git cannot read (code put in refs/) stops that fetch:
                # each ref git can read, by name (git matches each name against each refspec:
                # 3,000 refs took 11 s instead of 1.2 s, so only then)
                names = LocalRepository(Path(url), self.trusted).ref_names()
                more = tuple(f"+{name}:{ns}all/{name.removeprefix('refs/')}" for name in names)
                self._fetch(store, url, auth, ns, [], more)
        refs = store.refs(ns)
        if self.ref is None:
            return refs.get(f"{ns}HEAD")
        for name in (f"{ns}all/heads/{self.ref}", f"{ns}all/tags/{self.ref}"):
            if name in refs:
                return refs[name]
        commit = store.resolve(self.ref) if _SHA.match(self.ref) else None
        if commit is None or not store.reachable(commit, ns):
            raise GitError(f"{self.ref}: no such branch, tag or commit in {self.target}")
        return commit

    def _fetch(self, store: ObjectStore, url: str, auth: Auth | None, ns: str, specs: list[str],
               more: tuple[str, ...] = ()) -> None:  # fmt: skip
        """Fetch HEAD and ``specs`` (and ``more``, given on stdin); only the refs when HEAD
        names nothing (no default branch)."""
        try:
            store.fetch(url, [f"+HEAD:{ns}HEAD", *specs], auth=auth, trusted=self.trusted,
                        more=more)  # fmt: skip
        except GitError as exc:
            if "HEAD" not in str(exc):
                raise
            if specs or more:
                store.fetch(url, specs, auth=auth, trusted=self.trusted, more=more)

    def _history(self, store: ObjectStore, url: str, auth: Auth | None) -> Iterator[CandidateFile]:
        ns = store.namespace()
        head = self._fetch_all(store, url, auth, ns)
        refs = store.refs(ns)
        if self.ref is not None and head is not None:
            tips = [head]
            branch_tips = {head}
        else:
            tips = sorted(set(refs.values()))
            tags = f"{ns}all/tags/"
            branch_tips = {sha for name, sha in refs.items() if not name.startswith(tags)}
        if not tips and self.on_disk:  # no commit yet: what its index holds is all there is
            yield from self._uncommitted(url, set())
            return
        if not tips:
            raise GitError("nothing to read (an empty repository?)")
        self.commit = head
        at_tip = store.blobs_at(sorted(branch_tips), lambda name: True)
        head_paths: dict[str, str] = {}
        head_others: dict[str, str] = {}  # those whose name tells nothing: by their first bytes
        for entry in store.tree(head) if head in branch_tips else ():
            into = head_paths if is_wanted(entry.path) else head_others
            into.setdefault(entry.blob, entry.path)
        sightings: dict[str, list[Sighting]] = {}
        others: dict[str, list[Sighting]] = {}
        counts: dict[str, int] = {}
        for found in store.introductions(tips):
            into = sightings if is_wanted(found.path) else others
            seen = into.setdefault(found.blob, [])
            counts[found.blob] = counts.get(found.blob, 0) + 1
            sighting = Sighting(found.commit, found.path, found.date)
            if len(seen) < MAX_SIGHTINGS:
                seen.append(sighting)
            else:
                seen[-1] = sighting  # the oldest so far stays last
        # a blob no name of its tells a language of: decided by its first bytes, as a folder's
        # file is (a #! line, an archive), unless the working tree's copy of it was read
        unnamed = {blob: [s.path for s in seen] for blob, seen in others.items()
                   if blob not in sightings}  # fmt: skip
        told = self._told(store, {blob: paths for blob, paths in unnamed.items()
                                  if not self._read_as(blob, paths)})  # fmt: skip
        for blob in unnamed.keys() - told.keys():
            if self._read_as(blob, unnamed[blob]):
                told[blob] = unnamed[blob][0]
        for blob in told:
            sightings[blob] = others[blob]
            if blob in head_others and blob not in head_paths:
                head_paths[blob] = head_others[blob]
        read = {blob: path for blob in sightings
                if (path := self._read_as(blob, [s.path for s in sightings[blob]]))}  # fmt: skip
        names = self._names(sightings, head_paths, frozenset(self.worktree))
        sizes = store.sizes(sightings)
        order = sorted(sightings, key=lambda blob: names[blob])
        readable = []

        def record(blob: str) -> FileHistory:
            return FileHistory(blob, blob in at_tip, counts[blob], tuple(sightings[blob]))

        for blob in order:
            if blob in read:  # the working tree's copy was read: its history goes to it
                self.history[read[blob]] = record(blob)
            elif not self._too_big(names[blob], sizes.get(blob, 0)):
                readable.append(blob)
        for blob, data in store.read(self._counted(readable, sizes)):
            for file in self._emit(names[blob], data, sightings[blob][0].path):
                self.history[file.path] = record(blob)
                yield file
        languages = Counter(language_for_path(seen[0].path) for seen in sightings.values())
        languages.pop(None, None)
        self._language = languages.most_common(1)[0][0] if languages else None
        yield from self._messages(store.messages(tips, self.limits.max_read_bytes))
        if self.ref is None:
            yield from self._messages(
                store.tag_messages(f"{ns}all/tags/", self.limits.max_read_bytes)
            )
            yield from self._messages(self._notes(store, refs, f"{ns}all/notes/"), "note")
        if self.on_disk:
            yield from self._uncommitted(url, set(sightings) | set(others))

    def _notes(self, store: ObjectStore, refs: dict[str, str],
               prefix: str) -> list[tuple[str, bytes]]:  # fmt: skip
        """(the object a note is on, the note's text) of every note in the history of the
        notes refs (``git notes``: a blob named by that object's id, in ``ab/cdef...`` folders
        when there are many): each content once, under the newest object it was on."""
        tips = sorted({sha for name, sha in refs.items() if name.startswith(prefix)})
        blobs: dict[str, str] = {}
        for found in store.introductions(tips) if tips else ():
            blobs.setdefault(found.blob, found.path.replace("/", ""))
        sizes = store.sizes(blobs)
        small = [(blob, sizes.get(blob, 0)) for blob in sorted(blobs)
                 if not self._too_big(f"{blobs[blob]}:note", sizes.get(blob, 0))]  # fmt: skip
        return [(blobs[blob], data) for blob, data in store.read(small)]

    def _messages(self, messages: Iterable[tuple[str, bytes | int]],
                  what: str = "message") -> Iterator[CandidateFile]:  # fmt: skip
        """Each commit's or annotated tag's message (or note: ``what``), read as
        ``OBJECT:message`` (``OBJECT:note``): its fenced code blocks by their language label,
        as a Markdown page's (``OBJECT:message!/code.EXT``), and the whole message as the
        language most of the history's files are in (``_language``) when it has lines of code
        (three ``_CODE_LINE``), so code pasted unfenced is read too; prose is not parsed as
        code (it would only make a syntax warning, and it matches nothing: the matcher needs
        many shared k-grams, far more than those lines). An empty message is skipped."""
        for sha, data in messages:
            name = f"{sha}:{what}"
            if isinstance(data, int):  # not read: over max_read_bytes
                self._too_big(name, data)
                continue
            if not data.strip():
                continue
            fenced = b"```" in data or b"~~~" in data
            language = self._language
            lines = _CODE_LINE.finditer(data) if language is not None else iter(())
            first = next(lines, None)
            code = first is not None and sum(1 for _ in itertools.islice(lines, 2)) >= 2
            if not (fenced or code) or self._too_big(name, len(data)):
                continue
            self._account(len(data))
            if fenced:
                yield from self._emit(name, data, "message.md")
            if code:
                assert first is not None and language is not None
                # the subject (the first paragraph) is prose unless a line of code is in it:
                # blank, so the parser starts at the body (its own line numbers kept)
                subject = data.find(b"\n\n")
                start = subject if 0 <= subject < first.start() else 0
                code_only = b"\n" * data.count(b"\n", 0, start) + data[start:]
                yield from self._emit(name, code_only, name + extension_for_language(language))

    def _told(self, store: ObjectStore, unnamed: dict[str, list[str]]) -> dict[str, str]:
        """Of blobs whose paths (``unnamed``: blob -> its paths, newest first) tell no language
        (an unknown extension, or none), those whose first bytes tell one (a ``#!`` line naming
        an interpreter) or are a carrier's (an archive under any name) -> the path to read it
        as: decided as a folder's file of that name is (``read_file``). Only the first bytes of
        each are read to tell, and not counted: reading what is told counts."""
        if not unnamed:
            return {}

        def tells(blob: str, head: bytes) -> bool:
            return sniff(head, unnamed[blob][0]) is not None

        kept = store.heads(sorted(unnamed), HEAD, tells)
        return {blob: unnamed[blob][0] for blob in kept}

    def _read_as(self, blob: str, paths: list[str]) -> str | None:
        """The working-tree path that was read with this content in the language git saw it
        in (one of ``paths``), if any: the same bytes read as another language (``leak.py``
        renamed ``leak.js``) give other tokens, so the blob is read again under its own path.
        A blob with no path (dangling) has no language of its own: any such path was its read."""
        if not self._worktree_blobs:
            for path, seen in sorted(self.worktree.items()):
                self._worktree_blobs.setdefault(seen, []).append(path)
        same = self._worktree_blobs.get(blob)
        if not same:  # most blobs, and all of them with no working tree: no language to compute
            return None
        languages = {language_for_path(path) for path in paths}
        for path in same:
            if not paths or path in paths or language_for_path(path) in languages:
                return path
        return None

    def _uncommitted(self, url: str, done: set[str]) -> Iterator[CandidateFile]:
        """What the repository holds outside every ref's history: blobs only a reflog (a reset,
        an amended commit), the index (a file added, then deleted) or a tree nothing reaches (a
        commit lost once its reflog expired) reaches, read in place as ``PATH@uncommitted:BLOB``;
        then those no tree names (``_dangling``)."""
        local = LocalRepository(Path(url), self.trusted)
        paths, dangling = local.uncommitted()
        extra = {}  # blob -> the first of its paths to read it as
        same = {}  # blob -> its path, when its id is a working-tree file's: read if it lies
        unnamed = {}  # blob -> its paths, when none tells a language: its first bytes may
        for blob, seen in paths.items():
            # a path whose name tells a language (rev-list cuts a path at a newline: ``x`` for
            # ``x\nleak.py``, which the commits' own listing gives whole)
            wanted = [path for path in seen if is_wanted(path)] or seen
            if blob in done or not wanted:
                continue
            if self._read_as(blob, wanted):
                same[blob] = wanted[0]
            elif is_wanted(wanted[0]):
                extra[blob] = wanted[0]
            else:
                unnamed[blob] = wanted
        extra.update(self._told(local, unnamed))
        extra.update((blob, same[blob]) for blob in self._unlike(local, set(same)))
        names = {blob: f"{path}@uncommitted:{blob[:ABBREV]}" for blob, path in extra.items()}
        sizes = local.sizes(extra)
        readable = [blob for blob in sorted(extra, key=names.__getitem__)
                    if not self._too_big(names[blob], sizes.get(blob, 0))]  # fmt: skip
        for blob, data in local.read(self._counted(readable, sizes)):
            yield from self._emit(names[blob], data, extra[blob])
        if local.broken_trees:
            self.problems.append(problem("", f"{local.broken_trees:,} tree(s) that nothing "
                                         "reaches and that git did not write (malformed): "
                                         "the paths they name are not known"))  # fmt: skip
        yield from self._dangling(local, dangling)
        yield from self._messages(local.lost_messages(self.limits.max_read_bytes))

    def _dangling(self, local: LocalRepository, blobs: set[str]) -> Iterator[CandidateFile]:
        """Blobs nothing reaches and no tree names: no path to say their language. One with the
        bytes of a working-tree file was read as that file (the rule ``_read_as`` applies to
        every blob); one whose first line is a ``#!`` naming an interpreter is read in that
        interpreter's language, one whose bytes are an archive (or a source map) is opened, as
        ``(dangling)[.EXT]@uncommitted:BLOB``; the rest are counted in one unread line. Trying
        each grammar on the bytes is not done here: that parse of hostile bytes would run in the
        crawler, outside the isolated parser (``fingerprints.isolation``) every parse runs in."""
        same = {blob for blob in blobs if self._read_as(blob, [])}
        blobs = blobs - same | self._unlike(local, same)
        sizes = local.sizes(blobs)
        readable = [blob for blob in sorted(blobs) if not self._too_big(
            f"(dangling)@uncommitted:{blob[:ABBREV]}", sizes.get(blob, 0))]  # fmt: skip
        unread = set()
        for blob, data in local.read(self._counted(readable, sizes)):
            language = language_for_shebang(data[:HEAD])  # read to tell: counted
            real = "(dangling)" + (extension_for_language(language) if language else "")
            if real == "(dangling)" and sniff(data[:HEAD]) is None:
                unread.add(blob)
                continue
            yield from self._emit(f"{real}@uncommitted:{blob[:ABBREV]}", data, real)
        if unread:
            self.problems.append(problem("", f"{len(unread):,} blob(s) in the repository that no "
                                         "commit, reflog or index reaches (dangling) and that no "
                                         "tree names: no language to read them as (no #! line, "
                                         "no archive): not read"))  # fmt: skip

    def _unlike(self, local: LocalRepository, blobs: Collection[str]) -> set[str]:
        """Those of ``blobs`` (each with a working-tree file's id) whose bytes, read in place,
        do not hash to their id: a loose object put there with other bytes under that id (git
        does not check a loose object's hash when reading it), to read as any other blob."""
        if not blobs:
            return set()
        sizes = local.sizes(blobs)
        cap = self.limits.max_read_bytes
        unlike = {blob for blob in blobs if not 0 <= sizes.get(blob, -1) <= cap}
        algorithm = self.object_format()
        for blob, data in local.read((blob, sizes[blob]) for blob in sorted(blobs - unlike)):
            if hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest() != blob:
                unlike.add(blob)
        return unlike

    def _counted(self, blobs: list[str], sizes: dict[str, int]) -> Iterator[tuple[str, int]]:
        """(blob, size) of each blob, counted against the caps just before it is read."""
        for blob in blobs:
            size = sizes.get(blob, 0)
            self._account(size)
            yield blob, size

    @staticmethod
    def _names(sightings: dict[str, list[Sighting]], head_paths: dict[str, str],
               taken: frozenset[str] = frozenset()) -> dict[str, str]:  # fmt: skip
        """A distinct candidate path per blob: its path at the default tip (unless ``taken``, by a
        different working-tree file), else PATH@COMMIT."""
        names: dict[str, str] = {}
        used: set[str] = set(head_paths.values()) | taken
        for blob, seen in sightings.items():
            if blob in head_paths and head_paths[blob] not in taken:
                names[blob] = head_paths[blob]
                continue
            newest = seen[0]
            name = f"{newest.path}@{newest.commit[:ABBREV]}"
            if name in used:  # an abbreviation shared by two commits: spell the commit out
                name = f"{newest.path}@{newest.commit}"
            used.add(name)
            names[blob] = name
        return names

    # -- shared -------------------------------------------------------------------------------

    def _too_big(self, path: str, size: int) -> bool:
        cap = self.limits.max_read_bytes
        if size > cap:
            self.problems.append(problem(path, f"not read: {size:,} bytes, over max_read_bytes "
                                               f"{cap:,}"))  # fmt: skip
            return True
        return False

    def _account(self, size: int) -> None:
        """Count a file about to be read against the candidate's caps."""
        self._files += 1
        if self._files > self.limits.max_files:
            raise _Stop(f"more than {self.limits.max_files:,} files; the rest is not read")
        self._bytes += size
        if self._bytes > self.limits.max_total_bytes:
            raise _Stop(f"more than {self.limits.max_total_bytes:,} bytes; the rest is not read")

    def _emit(self, name: str, data: bytes, path: str | None = None) -> Iterator[CandidateFile]:
        """The files one blob holds (itself, or what a carrier inside the repository holds),
        decided as a folder's file is (``Unpacker.data``): by its name, else by its first bytes
        (a ``#!`` line, an archive under any name)."""
        if self._unpacker is None:
            self._unpacker = Unpacker(self.limits, self.problems,
                                      version_control=self.version_control)  # fmt: skip
        # git's paths come with surrogate escapes (not UTF-8): carried as a folder's are
        real = carried_name(path) if path is not None else None
        return self._unpacker.data(carried_name(name), data, real=real)


UNREAD_HISTORY = (
    "its history (every commit, deleted files too) is not read; scan --history reads it"
)
_CODE_LINE = re.compile(rb"(?m)^.*(?:\w\(|\s(?:[-+*/<>!=:]?=|[<>]|=>|->)\s|[{};:]\s*$).*$")
"""A line that looks like code in any language read here: a call or definition (a name
right before ``(``), an assignment, comparison or arrow between spaces, or a line ending in a
brace, ``;`` or ``:``; wrapped prose seldom has one, pasted code has one nearly every line."""


class _Stop(Exception):
    """A whole-candidate cap was reached."""


def history_link(history: FileHistory, candidate_path: str) -> tuple[str, str] | None:
    """(commit, path) of the newest sighting, for a permanent link; none inside a source map."""
    if SEPARATOR in candidate_path or not history.seen:
        return None
    return history.seen[0].commit, history.seen[0].path
