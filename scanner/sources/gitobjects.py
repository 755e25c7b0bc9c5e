"""A bare git repository used as an object store: candidates are fetched into it, each under its
own ref namespace, and read with plumbing (``log --raw``, ``ls-tree``, ``cat-file --batch``).

Nothing is ever checked out, so no hook, filter, smudge or LFS download of a candidate runs. One
store can hold a whole fork network: a fork's fetch then downloads only the objects the store
does not have yet. Never shallow-fetch into a shared store: a shallow boundary is recorded for
the whole repository and would cut every other candidate's history short.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scanner.redaction import hide_userinfo

FETCH_TIMEOUT = 1800
"""Seconds one fetch may take; a stalled transfer is cut sooner (``_SAFE`` low-speed limit)."""
LOCAL_TIMEOUT = 600
"""Seconds one local command (ref listing, a batch of blobs) may take."""
BATCH_BYTES = 32 * 1024 * 1024
BATCH_BLOBS = 4096
_MESSAGES_BATCH = 50_000
SHA1 = "sha1"

_SAFE = (
    "-c", "core.hooksPath=/dev/null",  # no hook of any kind
    "-c", "core.fsmonitor=false",
    "-c", "protocol.ext.allow=never",  # no URL may run a command
    "-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=120",
    "-c", "gc.auto=0", "-c", "maintenance.auto=false",
)  # fmt: skip
_DROP = ("GIT_TRACE", "GIT_TRACE_CURL", "GIT_TRACE_PACKET", "GIT_CURL_VERBOSE", "GIT_DIR",
         "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
         "GIT_INDEX_FILE", "GIT_NAMESPACE", "GIT_CONFIG_PARAMETERS",
         "GIT_CONFIG_COUNT")  # fmt: skip
"""Variables that would point git elsewhere, log what it sends, or clash with ``Auth``."""


class GitError(Exception):
    """A git command failed; the message is git's own last line (token-free)."""


@dataclass(frozen=True, slots=True)
class Auth:
    """An HTTP header git sends to URLs below ``prefix`` only (``http.<prefix>.extraHeader``).

    It reaches git through ``GIT_CONFIG_*`` variables: never in a URL, a command line or a log.
    """

    prefix: str
    header: str


@dataclass(frozen=True, slots=True)
class Introduced:
    """A commit at which ``path`` took the content ``blob`` (added, changed, or a type change)."""

    commit: str
    date: str
    blob: str
    path: str


@dataclass(frozen=True, slots=True)
class TreeBlob:
    mode: str
    blob: str
    size: int
    path: str


def _env(auth: Auth | None = None, config: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    numbered = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")
    env = {k: v for k, v in os.environ.items() if k not in _DROP and not k.startswith(numbered)}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_LFS_SKIP_SMUDGE="1", GIT_ASKPASS="",
               SSH_ASKPASS="", GCM_INTERACTIVE="never")  # fmt: skip
    env["GIT_SSH_COMMAND"] = env.get("GIT_SSH_COMMAND") or "ssh -o BatchMode=yes"
    if auth is not None:
        config = ((f"http.{auth.prefix}.extraHeader", auth.header), *config)
    for i, (key, value) in enumerate(config):
        env.update({f"GIT_CONFIG_KEY_{i}": key, f"GIT_CONFIG_VALUE_{i}": value})
    if config:
        env["GIT_CONFIG_COUNT"] = str(len(config))
    return env


def _last_line(text: str) -> str:
    """What git said went wrong: its first ``fatal:`` line (the cause: ``detected dubious
    ownership``, not the ``... and the repository exists.`` a local fetch adds after it), else
    its last line. The userinfo of every URL git quotes is taken out of the whole text first: a
    password holding a line break (git quotes it as it is) would else be cut in two and kept."""
    text = hide_userinfo(text)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith("fatal:")]
    return fatal[0] if fatal else lines[-1] if lines else "unknown error"


def _trusting(directories: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Config that lets git read these repositories although another user owns them
    (``safe.directory``): only ones on this machine the user asked leaktrace to read."""
    return tuple(("safe.directory", directory) for directory in directories)


class ObjectStore:
    """A bare repository in a temporary folder; ``close`` removes it."""

    def __init__(self, object_format: str = SHA1) -> None:
        """``object_format``: the hash of the repositories fetched into it (git fetches
        between repositories of one hash only)."""
        self.root = Path(tempfile.mkdtemp(prefix="leaktrace-git-"))
        self._namespaces = 0
        self._config: tuple[tuple[str, str], ...] = ()
        self.object_format = object_format
        formats = () if object_format == SHA1 else (f"--object-format={object_format}",)
        self.run("init", "--quiet", "--bare", *formats, str(self.root))

    def __enter__(self) -> ObjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def namespace(self) -> str:
        """A fresh ref prefix (``refs/leaktrace/N/``) for one candidate."""
        self._namespaces += 1
        return f"refs/leaktrace/{self._namespaces}/"

    def _command(self, args: Iterable[str]) -> list[str]:
        return ["git", *_SAFE, "--git-dir", str(self.root), *args]

    def run(self, *args: str, auth: Auth | None = None, timeout: float = LOCAL_TIMEOUT,
            stdin: str | None = None) -> str:  # fmt: skip
        """Run one git command to completion; its stdout, or GitError with git's message."""
        command = self._command(args) if args[0] != "init" else ["git", *_SAFE, *args]
        try:
            # a path in git's output is bytes: one that is not UTF-8 is kept as the file system
            # keeps such names (surrogate escapes), not an error that stops the run
            done = subprocess.run(command, env=_env(auth, self._config), input=stdin,
                                  capture_output=True, text=True, errors="surrogateescape",
                                  timeout=timeout, check=False)  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise GitError(f"git {args[0]} took longer than {timeout:.0f} s") from exc
        except OSError as exc:
            raise GitError(f"cannot run git ({exc.strerror or exc})") from exc
        if done.returncode != 0:
            raise GitError(_last_line(done.stderr))  # git may quote the URL: hidden there
        return done.stdout

    def fetch(self, url: str, refspecs: list[str], *, depth: int | None = None,
              auth: Auth | None = None, trusted: tuple[str, ...] = (),
              more: tuple[str, ...] = ()) -> None:  # fmt: skip
        """Fetch ``refspecs`` of ``url`` (no tags beyond those the refspecs name), and ``more``
        refspecs given on stdin (as many as a repository has refs); ``trusted``: the local
        repository's folders, read although another user owns them. A local fetch runs
        ``upload-pack`` without our ``GIT_CONFIG_*`` variables, so it gets them as ``-c``."""
        args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules"]
        if more:
            args.append("--stdin")
        if depth is not None:
            args.append(f"--depth={depth}")
        if trusted:
            options = " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in _trusting(trusted))
            args.append(f"--upload-pack=git {options} upload-pack")
        self.run(*args, "--", url, *refspecs, auth=auth, timeout=FETCH_TIMEOUT,
                 stdin=_lines(more) if more else None)  # fmt: skip

    def refs(self, prefix: str) -> dict[str, str]:
        """Every ref below ``prefix`` that leads to a commit -> that commit."""
        out = self.run("for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)"
                       "%00%(*objecttype)%00%(*objectname)", prefix)  # fmt: skip
        found: dict[str, str] = {}
        for line in out.splitlines():
            name, kind, sha, peeled_kind, peeled = line.split("\0")
            if kind == "commit":
                found[name] = sha
            elif peeled_kind == "commit":
                found[name] = peeled
        return found

    def resolve(self, revision: str) -> str | None:
        """The commit a name or (abbreviated) SHA means in this store, or None."""
        try:
            out = self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                           f"{revision}^{{commit}}")  # fmt: skip
        except GitError:
            return None
        return out.strip() or None

    def reachable(self, commit: str, prefix: str) -> bool:
        """Whether ``commit`` is in the history of some ref below ``prefix``."""
        out = self.run("for-each-ref", "--count=1", f"--contains={commit}", prefix)
        return bool(out.strip())

    def tree(self, commit: str) -> Iterator[TreeBlob]:
        """Every regular file (not links, not submodules) of a commit's tree."""
        out = self.run("ls-tree", "-r", "-z", "--long", "--full-tree", commit)
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, kind, sha, size = meta.split()
            if kind == "blob" and mode in ("100644", "100755"):
                yield TreeBlob(mode, sha, int(size), path)

    def blobs_at(self, commits: Iterable[str], wanted: Callable[[str], bool]) -> set[str]:
        """The regular files' blobs in the trees of ``commits`` whose file name is ``wanted``:
        each distinct tree read once, one ``cat-file --batch`` per level of folders, however
        many commits share them (an ``ls-tree`` per commit cost 6 ms each: 3,000 branches, 19 s)."""
        out = self.run("cat-file", "--batch-check=%(objectname) %(objecttype)",
                       stdin=_lines(f"{commit}^{{tree}}" for commit in commits))  # fmt: skip
        level = {line.split()[0] for line in out.splitlines() if line.endswith(" tree")}
        seen, found = set(level), set()
        while level:
            below: set[str] = set()
            for sha, data in self.read((sha, 0) for sha in sorted(level)):
                for mode, name, entry in tree_entries(data, len(sha) // 2):
                    if mode == "40000" and entry not in seen:
                        below.add(entry)
                    elif mode in ("100644", "100755") and wanted(name):
                        found.add(entry)
            seen |= below
            level = below
        return found

    def introductions(self, tips: list[str], *, walk: bool = True) -> Iterator[Introduced]:
        """Every (commit, path) at which a regular file took new content, newest commits first,
        over the whole history of ``tips`` (with ``walk`` false: at those commits only).

        A merge is compared with its first parent only: what a side branch brought is listed at
        the side branch's own commits (they are walked too), and what the merge itself changed
        at the merge. Every blob of every commit's tree is thus introduced somewhere.
        """
        walking = () if walk else ("--no-walk",)
        command = self._command(["log", "--stdin", "--raw", "-z", "--no-renames", "--no-abbrev",
                                 "--no-textconv", "--no-ext-diff", "--diff-merges=first-parent",
                                 "--format=%x01%H %cI", *walking])  # fmt: skip
        with subprocess.Popen(command, env=_env(None, self._config), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:  # fmt: skip
            assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
            proc.stdin.write("".join(f"{tip}\n" for tip in tips).encode())
            proc.stdin.close()
            commit = date = ""
            pending: bytes | None = None  # a raw line whose path comes in the next field
            for field in _fields(proc.stdout):
                if pending is not None:
                    parts = pending.split()
                    mode, blob, status = parts[1].decode(), parts[3].decode(), parts[4][:1]
                    pending = None
                    if status in b"AMT" and mode in ("100644", "100755"):
                        yield Introduced(commit, date, blob, field.decode("utf-8", "replace"))
                    continue
                field = field.lstrip(b"\n")
                if field.startswith(b"\x01"):
                    commit, _, date = field[1:].decode().partition(" ")
                elif field.startswith(b":"):
                    pending = field
            error = proc.stderr.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            raise GitError(_last_line(error))

    def messages(self, tips: list[str], limit: int) -> Iterator[tuple[str, bytes | int]]:
        """(commit, its message's bytes) of every commit in the history of ``tips``, newest
        first: the commit objects themselves (``cat-file --batch``, after ``rev-list``), not
        ``git log --format=%B``, which ends a message at a NUL a hand-made commit may hold. A
        commit over ``limit`` bytes is not read: its size stands for its message."""
        objects = self.run("rev-list", "--stdin", stdin=_lines(tips)).split()
        return self._messages_of(objects, limit)

    def _messages_of(self, objects: list[str], limit: int) -> Iterator[tuple[str, bytes | int]]:
        """(id, message) of commit or tag objects: what follows their headers' first blank line
        (a signature's lines go on with a space: never blank), in order. Their sizes are asked
        first: one over ``limit`` bytes is never read (its size is given for the message: the
        caller's unread line), and the rest are read at most ``_MESSAGES_BATCH`` objects or
        ``BATCH_BYTES`` at a time, handed on batch by batch: a hostile message of gigabytes, or
        a history of millions, is never held whole."""
        sizes = self.sizes(objects) if objects else {}
        batch: list[str] = []
        held = 0
        for at, sha in enumerate(objects):
            batch.append(sha)
            held += min(sizes.get(sha, 0), limit + 1)
            if held >= BATCH_BYTES or len(batch) >= _MESSAGES_BATCH or at == len(objects) - 1:
                wanted = [one for one in batch if sizes.get(one, 0) <= limit]
                read = dict(self._read_batch(wanted)) if wanted else {}
                for one in batch:
                    data = read.get(one)
                    yield one, (data.partition(b"\n\n")[2] if data is not None
                                else sizes.get(one, 0))  # fmt: skip
                batch, held = [], 0

    def tag_messages(self, prefix: str, limit: int) -> Iterator[tuple[str, bytes | int]]:
        """(tag object, its message's bytes) of every annotated tag a ref under ``prefix``
        names (over ``limit`` bytes: its size, as ``messages``)."""
        listed = self.run("for-each-ref", "--format=%(objectname) %(objecttype)", prefix)
        tags = [line.split()[0] for line in listed.splitlines() if line.endswith(" tag")]
        return self._messages_of(tags, limit)

    def read(self, blobs: Iterable[tuple[str, int]]) -> Iterator[tuple[str, bytes]]:
        """(sha, content) of each (sha, size) asked, in order.

        Read in batches of about ``BATCH_BYTES``, each by one finished ``cat-file --batch``: no
        pipe stays open while the caller works (a worker process forked meanwhile would inherit
        it, and git would wait forever for the end of its input).
        """
        batch: list[str] = []
        size = 0
        try:
            for sha, length in blobs:
                batch.append(sha)
                size += length
                if size >= BATCH_BYTES or len(batch) >= BATCH_BLOBS:
                    yield from self._read_batch(batch)
                    batch, size = [], 0
        except Exception:  # the caller stopped asking (a cap): what it asked before is read
            if batch:
                yield from self._read_batch(batch)
            raise
        if batch:
            yield from self._read_batch(batch)

    def _read_batch(self, blobs: list[str]) -> Iterator[tuple[str, bytes]]:
        try:
            done = subprocess.run(self._command(["cat-file", "--batch"]),
                                  env=_env(None, self._config),
                                  input="".join(f"{sha}\n" for sha in blobs).encode(),
                                  capture_output=True, timeout=LOCAL_TIMEOUT,
                                  check=False)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(f"cannot read blobs ({exc})") from exc
        if done.returncode != 0:
            raise GitError(_last_line(done.stderr.decode("utf-8", "replace")))
        out, at = done.stdout, 0
        for sha in blobs:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            if len(header) != 3:
                raise GitError(f"{sha}: missing from the repository")
            start = end + 1
            at = start + int(header[2]) + 1
            yield sha, out[start : at - 1]

    def heads(self, blobs: Iterable[str], most: int,
              keep: Callable[[str, bytes], bool]) -> set[str]:  # fmt: skip
        """Those of ``blobs`` whose first ``most`` bytes ``keep`` accepts: each blob streamed by
        one ``cat-file --batch`` (asked one at a time, its answer read before the next is asked:
        no deadlock on a full pipe), only its first bytes kept, the rest passed over in chunks
        (a blob of gigabytes is never held); the pipe is closed before this returns."""
        kept: set[str] = set()
        command = self._command(["cat-file", "--batch"])
        with subprocess.Popen(command, env=_env(None, self._config), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as proc:  # fmt: skip
            assert proc.stdin is not None and proc.stdout is not None
            try:
                for sha in blobs:
                    proc.stdin.write(f"{sha}\n".encode())
                    proc.stdin.flush()
                    header = proc.stdout.readline().split()
                    if len(header) != 3 or not header[2].isdigit():
                        continue  # missing: nothing to tell
                    left = int(header[2]) + 1  # its bytes and a newline
                    head = proc.stdout.read(min(most, left))
                    left -= len(head)
                    while left > 0 and (chunk := proc.stdout.read(min(left, 1 << 20))):
                        left -= len(chunk)
                    if keep(sha, head[: max(0, int(header[2]))]):
                        kept.add(sha)
            except (OSError, ValueError) as exc:
                proc.kill()
                raise GitError(f"cannot read blobs ({exc})") from exc
            finally:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        return kept

    def sizes(self, blobs: Iterable[str]) -> dict[str, int]:
        """The size of each blob, without reading it."""
        out = self.run("cat-file", "--batch-check=%(objectname) %(objectsize)", stdin=_lines(blobs))
        found = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                found[parts[0]] = int(parts[1])
        return found


MAX_PATHS = 8
"""Paths kept per blob found outside every ref's history (enough to tell its language)."""


class LocalRepository(ObjectStore):
    """A repository on disk (a work tree or a bare folder), read in place: never written to,
    never removed."""

    def __init__(self, path: Path, trusted: tuple[str, ...] = ()) -> None:  # no temporary store
        self.root = path
        self.broken_trees = 0
        """Trees nothing reaches that are not in git's format: not walked."""
        self._namespaces = 0
        self._config = _trusting(trusted)

    def close(self) -> None:
        return None

    def _command(self, args: Iterable[str]) -> list[str]:
        return ["git", *_SAFE, "-C", str(self.root), *args]

    def stored_format(self) -> str:
        """The hash the repository names its objects by (``sha1``, ``sha256``)."""
        return self.run("rev-parse", "--show-object-format").strip() or SHA1

    def ref_names(self) -> list[str]:
        """Every ref of the repository that git can read (a file in ``refs/`` that holds no
        ref, code put there, is left out: fetching it would stop the whole fetch)."""
        return self.run("for-each-ref", "--format=%(refname)").splitlines()

    def uncommitted(self) -> tuple[dict[str, list[str]], set[str]]:
        """Blobs reachable from a reflog or the index, or named by a tree nothing reaches (a
        commit reset or amended away once its reflog expired, a ``git write-tree``) -> every
        path of theirs there (with what every ref reaches: the caller skips what it read), and
        the blobs nothing reaches that no tree names (dangling: a file added then changed before
        a commit, ``git hash-object -w``). Only the repository's own objects, not those an
        alternate lends it (``clone --shared``, ``--reference``)."""
        refs = self.ref_names()  # not --all: a broken ref (code put in refs/) would stop it
        out = self.run("rev-list", "--objects", "--stdin", "--reflog", "--indexed-objects",
                       stdin=_lines(refs))  # fmt: skip
        blobs, trees = self._objects()
        lost_blobs, lost_trees = set(blobs), set(trees)
        paths: dict[str, list[str]] = {}
        for line in out.splitlines():  # one path per blob: the first met
            sha, _, path = line.partition(" ")
            lost_trees.discard(sha)
            if sha in blobs:
                lost_blobs.discard(sha)
                if path:
                    paths[sha] = [path]

        def add(sha: str, path: str) -> None:
            known = paths.setdefault(sha, [])
            if len(known) < MAX_PATHS and path not in known:  # a few paths tell its language
                known.append(path)

        reflog_only = self.run("rev-list", "--reflog", "--stdin",
                               stdin=_lines(f"^{ref}" for ref in refs)).split()  # fmt: skip
        for found in self.introductions(reflog_only, walk=False) if reflog_only else ():
            add(found.blob, found.path)
        try:
            index = self.run("ls-files", "--stage", "-z")  # this work tree's
        except GitError:  # a bare repository: no index
            index = ""
        for entry in index.split("\0"):
            meta, _, path = entry.partition("\t")
            mode, sha = [*meta.split(), "", ""][:2]
            if path and mode in ("100644", "100755"):  # not a submodule's commit, not a link
                add(sha, path)
        for sha, named in self._lost_trees(lost_trees).items():
            for path in named:
                add(sha, path)
        return paths, lost_blobs - paths.keys()

    def _objects(self) -> tuple[set[str], set[str]]:
        """The repository's own blobs and trees (loose or packed; not an alternate's)."""
        found = self._own_of(("blob", "tree"))
        return found["blob"], found["tree"]

    def _own_of(self, kinds: tuple[str, ...]) -> dict[str, set[str]]:
        """Kind -> the repository's own objects of that kind (loose or packed; not an
        alternate's)."""
        out = self.run("cat-file", "--batch-all-objects", "--unordered",
                       "--batch-check=%(objectname) %(objecttype)")  # fmt: skip
        found: dict[str, set[str]] = {kind: set() for kind in kinds}
        for line in out.splitlines():
            sha, _, kind = line.partition(" ")
            if kind in found:
                found[kind].add(sha)
        own = self._own_objects()
        if own is not None:
            for objects in found.values():
                objects &= own
        return found

    def lost_messages(self, limit: int) -> Iterator[tuple[str, bytes | int]]:
        """(object, its message) of each of the repository's own commits and annotated tags
        that no ref reaches, which ``messages`` does not read: a commit amended or reset away
        (a reflog may still reach it, or nothing), a deleted tag's object."""
        found = self._own_of(("commit", "tag"))
        refs = self.ref_names()
        try:  # what the refs reach: read by ``messages`` and ``tag_messages``
            reached = set(self.run("rev-list", "--stdin", stdin=_lines(refs)).split())
        except GitError:  # a ref naming a tree or a blob: each message is read, some twice
            reached = set()
        reached |= {line.partition(" ")[0] for line in self.run(
            "for-each-ref", "--format=%(objectname) %(objecttype)").splitlines()}  # fmt: skip
        lost = sorted((found["commit"] | found["tag"]) - reached)
        return self._messages_of(lost, limit)

    def _lost_trees(self, trees: set[str]) -> dict[str, list[str]]:
        """Blob -> its paths (regular files) in the trees nothing reaches, from the topmost of
        them (a lost commit's root tree) down; each tree read once, by one ``cat-file``, and
        walked once, at the first path met (a tree naming one subtree twice, many levels deep,
        names a blob at exponentially many paths), each blob keeping at most ``MAX_PATHS``."""
        entries = {}
        for sha, data in self.read((sha, 0) for sha in sorted(trees)):
            try:
                entries[sha] = tree_entries(data, len(sha) // 2)
            except GitError:  # its blobs are then named by no tree (dangling): read so
                self.broken_trees += 1
        below = {sha for listed in entries.values() for mode, _, sha in listed if mode == "40000"}
        found: dict[str, list[str]] = {}
        stack = [(root, "") for root in sorted(entries.keys() - below, reverse=True)]
        seen: set[str] = set()
        while stack:
            tree, prefix = stack.pop()
            if tree in seen:
                continue
            seen.add(tree)
            for mode, name, sha in reversed(entries.get(tree, ())):
                if mode == "40000" and sha in entries and sha not in seen:
                    stack.append((sha, f"{prefix}{name}/"))
                elif mode in ("100644", "100755"):
                    known = found.setdefault(sha, [])
                    if len(known) < MAX_PATHS:
                        known.append(prefix + name)
        return found

    def _own_objects(self) -> set[str] | None:
        """The objects this repository stores itself (loose, or in its packs), when it borrows
        from another's (``objects/info/alternates``); None when it borrows nothing."""
        folder = self.root / self.run("rev-parse", "--git-path", "objects").strip()
        if not (folder / "info" / "alternates").exists():
            return None
        own: set[str] = set()
        for loose in folder.glob("[0-9a-f][0-9a-f]"):
            try:
                own.update(loose.name + name for name in os.listdir(loose))
            except OSError as exc:
                raise GitError(f"cannot list objects/{loose.name} ({exc.strerror})") from exc
        for index in sorted((folder / "pack").glob("*.idx")):
            try:
                done = subprocess.run(self._command(["show-index"]), env=_env(None, self._config),
                                      input=index.read_bytes(), capture_output=True,
                                      timeout=LOCAL_TIMEOUT, check=False)  # fmt: skip
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise GitError(f"cannot read {index.name} ({exc})") from exc
            if done.returncode != 0:
                raise GitError(_last_line(done.stderr.decode("utf-8", "replace")))
            own.update(line.split()[1].decode() for line in done.stdout.splitlines())
        return own


def tree_entries(data: bytes, width: int) -> list[tuple[str, str, str]]:
    """(mode, name, object id) of each entry of a raw tree object whose ids are ``width`` bytes
    (20 for SHA-1, 32 for SHA-256); a name that is not UTF-8 keeps its bytes as surrogate
    escapes, as the file system does."""
    entries, at = [], 0
    while at < len(data):
        space, nul = data.find(b" ", at), data.find(b"\0", at)
        if not 0 < space < nul:
            raise GitError("a tree object with an entry git did not write")
        sha = data[nul + 1 : nul + 1 + width]
        if len(sha) != width:
            raise GitError("a tree object ends inside an entry")
        mode = data[at:space]
        if not mode.isdigit():  # ASCII digits only (bytes.isdigit)
            raise GitError("a tree object with an entry git did not write")
        entries.append((mode.decode(), data[space + 1 : nul].decode("utf-8",
                        "surrogateescape"), sha.hex()))  # fmt: skip
        at = nul + 1 + width
    return entries


def _lines(items: Iterable[str]) -> str:
    return "".join(f"{item}\n" for item in items)


def _fields(stream: IO[bytes], chunk: int = 1 << 16) -> Iterator[bytes]:
    """NUL-separated fields of a byte stream, read in chunks."""
    rest = b""
    while block := stream.read(chunk):
        parts = (rest + block).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest
