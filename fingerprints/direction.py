"""Which way the copy went: is a reference source public code that the private repos hold, or does
it hold the company's private code? Pure: evidence in, a decision and its reasons out.

A reference source and the private code may share files. Either the company copied public code
(a library pasted into ``internal/compat/``: then that code is public and must never be evidence),
or the source holds private code (a package that vendors a leaked repository: then it must clear
nothing). The evidence, in the order it is weighed:

1. **The user's word.** ``--trust NAME`` makes a source public, ``--distrust NAME`` makes it
   clear nothing, whatever the evidence says (the evidence is still recorded and shown).
2. **Containment.** Let *S* be the share of the source's tokens that are private code (covered by
   stored private fingerprints), and *P* the largest share of one private repository's tokens
   that sits in files mostly found in the source (``IN_SOURCE``):

   - ``vendored`` (*S* >= ``MOST``, *P* < ``MOST``): the package lies whole inside a larger
     private tree: a vendored library, public, when the private repository keeps it apart
     (rule 5: in a subfolder most of which is the package's files, or one named after it).
     Files kept among the company's own code (two modules of its main package published as
     ``fmtkit``) are no vendored library: that package holds private code unless the dates or
     independent sources say it was public first.
   - ``inside`` (*P* >= ``SUBSTANTIAL`` and *P* >= ``LOPSIDED`` x *S*, or *P* >= ``MOST``
     and *S* < ``MOST``): a substantial part of a private repository sits inside a package
     that holds much other code: the source holds private code. Most of a repository in a
     package mostly of other code is never ``small``: a whole private repository republished
     with twice its size of other files (*P* = 99 %, *S* = 32 %) was "a few files in common",
     public, and cleared a copy of the leak. Measured on the real case: requests 2.31.0 as the
     private repository and pip 24.0 as the source give *P* = 42 % (pip vendors the whole
     ``requests/`` package, 14 files; the sdist's tests and docs are the rest of the
     repository) and *S* = 2 %. "Most of the repository" (*P* >= 50 %) would have missed it.
   - ``same`` (both >= ``MOST``): the package and a private repository are the same code;
     containment cannot tell which came first.
   - ``small`` (both < ``MOST``): a few files in common (one ``debounce.js``); containment
     cannot tell either, and one source is enough to call code public by default; but not
     when they are at least ``SUBSTANTIAL`` of a private repository kept among its own code
     (not apart, rule 5): ``fmtkit`` with twice its size of other files (*P* = 43 %, *S* =
     40 %) was public, and a copy of those files clear.
   - ``none``: no private file is mostly in the source: only common snippets are shared.

3. **Independent sources.** Other sources of different names that hold every private file this
   one holds, each public on its own evidence (trusted, or public with no other source counted:
   ``reference._vouching``): code found in an unrelated public package is public code. Sources
   holding private code with no public origin never vouch (mirrors of one leak would clear each
   other), and one holding some of the files says nothing of the others.
4. **Dates**, when the source's publish dates and the matched files' first commit dates are both
   known. Publication of this version before the company first committed any of the files
   supports "public". A first commit before the package *first existed* (its first release)
   supports "holds private code". A first commit between the two proves nothing: the company may
   have copied an earlier release of the same library, so a newer reference version must not
   make old copied code look private.

5. **Where each side keeps the shared code.** A package that keeps it in a third-party folder of
   its own (``pip/_vendor/requests/``, ``node_modules/semver/``) says it took it from elsewhere:
   it is not the code's origin. A private repository that keeps the package apart in a subfolder
   (``internal/semver/``, ``pkg/hpack/``) beside code of its own has copied a library, unless
   the package's code imports the rest of that repository (``RepoOverlap.outside_imports``):
   files of it outside that subfolder that the package does not hold (``from ..core import``,
   ``from acme.core import``, ``require('../npm')``; ``fingerprints.imports``), files a public
   source holds left out. A library written elsewhere never names the company's modules; the
   company's own subfolder, published by a leaker as a package, still imports them. Such a
   package holds private code in every class (``IMPORTS_PRIVATE``) unless dates or independent
   sources say public.

Ambiguous containment (``same``, ``small``) is settled by independent sources, then by dates,
then by where the code is kept (``same`` with the package in a private subfolder beside at least
``1 - WHOLE`` of the repository's own code, or in a subfolder named after the package beside
anything of its own (``internal/idna/`` for idna), and not in a third-party folder of the
package: public), then by the default (``small``: public; ``same``: holds private code, since a
whole private repository published as a package is the worst leak to clear silently).
``inside`` is public when the package holds the code as its own and the private repository keeps
it apart the same way (``x/net`` holding ``http2/hpack``, copied to ``pkg/hpack``), unless the
dates say the company had it first; else it stands unless independent sources *and* dates both
say public. ``vendored`` kept apart stands unless the company had the code before the package
first existed. "Apart" is a subfolder at least ``MOST`` of whose private tokens are the shared
files (``RepoOverlap.apart``), for ``same`` and ``inside`` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fingerprints.instants import second_key

PUBLIC = "public"
HOLDS_PRIVATE_CODE = "holds-private-code"

IN_SOURCE = 0.5
"""A private file with at least this share of its fingerprints in a source is *in* it: the
inventory lists it as public code (when the source is public) and scans treat it as public."""
MOST = 0.5
""""Most of" a source or a repository, for the containment classes above."""
SUBSTANTIAL = 0.25
"""A share of a private repository that is more than a few copied files (``inside``)."""
WHOLE = 0.9
"""A source holding this share of a private repository holds all of it that matters (``same``
is then a whole repository published as a package, never a copied library)."""
ALL = 0.98
"""A repository this much inside a package has nothing of its own beside it."""
LOPSIDED = 4.0
"""``inside`` needs the repository's share in the source to be this many times the source's
share that is private code: the package is much larger than what it shares."""


@dataclass(frozen=True, slots=True)
class RepoOverlap:
    """What one private repository shares with a source."""

    repo: str
    tokens: int  # all private tokens of the repository
    in_source_tokens: int  # tokens of its files that are in the source (IN_SOURCE)
    files: int  # how many of its files are in the source
    lines: int
    folder: str  # the deepest folder holding all of those files ("" for the root)
    first_commit: str | None = None  # the earliest first commit of those files, when known
    dated_files: int = 0  # how many of them have commit dates
    folder_tokens: int | None = None
    """Tokens of all the repository's files under ``folder`` (None: evidence stored before it
    was counted). A library copied apart is most of its folder; files in the company's main
    package sit among its own code."""
    outside_imports: tuple[str, ...] = ()
    """Private files of the repository, outside ``folder`` and not in the source, that the
    source's copies of the shared files import (``fingerprints.imports``), sorted, at most
    ``reference.MAX_NAMED_IMPORTS``; ``outside_import_count`` counts them all."""
    outside_import_count: int = 0

    @property
    def apart(self) -> bool:
        """Whether the repository keeps the shared files apart, in a subfolder mostly theirs."""
        if not self.folder:
            return False
        return self.folder_tokens is None or self.in_source_tokens >= MOST * self.folder_tokens

    @property
    def share(self) -> float:
        return self.in_source_tokens / self.tokens if self.tokens else 0.0


@dataclass(frozen=True, slots=True)
class Overlap:
    """What a source shares with all the private repositories."""

    source_tokens: int
    covered_tokens: int  # source tokens inside runs shared with private code
    source_files: int
    matched_files: int  # source files at least half covered by private code
    repos: tuple[RepoOverlap, ...] = ()
    third_party_tokens: int = 0
    """Of ``covered_tokens``, those in source files under a third-party folder of the source
    (``pip/_vendor/``, ``node_modules/``, ``vendor/``): code the package says it took elsewhere."""

    @property
    def third_party_share(self) -> float:
        """How much of what the source shares with private code it keeps as someone else's."""
        return self.third_party_tokens / self.covered_tokens if self.covered_tokens else 0.0

    @property
    def share(self) -> float:
        """S: the share of the source that is private code."""
        return self.covered_tokens / self.source_tokens if self.source_tokens else 0.0

    @property
    def top(self) -> RepoOverlap | None:
        """The repository with the largest share in the source."""
        return max(self.repos, key=lambda r: (r.share, r.files), default=None)

    def as_dict(self) -> dict[str, object]:
        return {
            "source_tokens": self.source_tokens,
            "covered_tokens": self.covered_tokens,
            "source_files": self.source_files,
            "matched_files": self.matched_files,
            "third_party_tokens": self.third_party_tokens,
            "repos": [
                {"repo": r.repo, "tokens": r.tokens, "in_source_tokens": r.in_source_tokens,
                 "files": r.files, "lines": r.lines, "folder": r.folder,
                 "first_commit": r.first_commit, "dated_files": r.dated_files,
                 "folder_tokens": r.folder_tokens, "outside_imports": list(r.outside_imports),
                 "outside_import_count": r.outside_import_count}
                for r in self.repos
            ],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Overlap:
        repos = tuple(RepoOverlap(**{**r, "outside_imports": tuple(r.get("outside_imports", ()))})  # type: ignore[arg-type]
                      for r in data.get("repos", []))  # type: ignore[union-attr]  # fmt: skip
        return cls(int(data["source_tokens"]), int(data["covered_tokens"]),  # type: ignore[call-overload]
                   int(data["source_files"]), int(data["matched_files"]), repos,  # type: ignore[call-overload]
                   int(data.get("third_party_tokens", 0)))  # type: ignore[call-overload]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Dates:
    published: str | None = None  # this version's publication (ISO 8601)
    first_published: str | None = None  # the package's first release


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str
    containment: str
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def public(self) -> bool:
        return self.decision == PUBLIC


def containment(overlap: Overlap) -> str:
    """``none``, ``vendored``, ``inside``, ``same`` or ``small`` (module docstring)."""
    top = overlap.top
    if top is None or top.files == 0:
        return "none"
    source, repo = overlap.share, top.share
    if source >= MOST:
        return "same" if repo >= MOST else "vendored"
    if repo >= MOST or (repo >= SUBSTANTIAL and repo >= LOPSIDED * source):
        return "inside"
    return "small"


def _pct(value: float) -> str:
    return f"{value:.0%}" if value >= 0.01 or value == 0 else "<1%"


def _day(iso: str | None) -> str:
    return (iso or "?")[:10]


def date_evidence(overlap: Overlap, dates: Dates) -> tuple[str | None, str | None]:
    """(``public`` | ``holds-private-code`` | None, the sentence saying why)."""
    firsts = [r.first_commit for r in overlap.repos if r.first_commit]
    if not firsts or not dates.published:
        return None, None
    first_commit = min(firsts, key=second_key)  # offsets differ: the earliest instant
    origin = dates.first_published or dates.published
    said = (f"published {_day(dates.published)}"
            + (f" (first release {_day(origin)})" if origin != dates.published else "")
            + f", private files first committed {_day(first_commit)}")  # fmt: skip
    if second_key(dates.published) <= second_key(first_commit):
        return PUBLIC, said + ": published before the company committed them"
    if second_key(first_commit) < second_key(origin):
        return HOLDS_PRIVATE_CODE, said + ": committed privately before the package existed"
    return None, said + ": an earlier release may have been copied, so the dates prove nothing"


NO_PRIVATE_FILE = "no private file is in it"


def describe(overlap: Overlap) -> str:
    """The containment evidence in words."""
    top = overlap.top
    if top is None or top.files == 0:
        return NO_PRIVATE_FILE
    where = f"{top.folder}/" if top.folder else "its root"
    return (f"{_pct(top.share)} of private repo {top.repo} ({top.files} file(s) at {where}) is in "
            f"it, and {_pct(overlap.share)} of it is private code")  # fmt: skip


IMPORTS_PRIVATE = (
    "the package's code imports modules of a private repository that the package "
    "does not hold: the company's own code, kept apart and published, not a "
    "library it copied"
)


def _imports_reason(repo: RepoOverlap) -> str:
    """The import evidence in words: which private files the package's code imports."""
    named = ", ".join(repo.outside_imports[:3])
    more = repo.outside_import_count - min(3, len(repo.outside_imports))
    return (f"its copies of files at {repo.folder}/ import {repo.outside_import_count} other "
            f"file(s) of private repo {repo.repo} that it does not hold ({named}"
            + (f" and {more} more" if more > 0 else "") + ")")  # fmt: skip


def _same_name(folder: str, name: str) -> bool:
    """Whether a private folder is named after the package (``internal/idna`` and ``idna``,
    ``vendor/left_pad`` and ``left-pad``, ``x/@scope/pkg`` and ``@scope/pkg``)."""

    def key(text: str) -> str:
        return text.rsplit("/", 1)[-1].lower().replace("-", "_").replace(".", "_")

    return bool(folder) and bool(name) and key(folder) == key(name)


def decide(overlap: Overlap, dates: Dates, trust: str = "auto", independent: int = 0,
           name: str = "") -> Decision:  # fmt: skip
    """The decision on one source (module docstring). ``independent`` counts the other sources,
    of other names, that hold the same private files; ``name`` is the source's package name."""
    kind = containment(overlap)
    reasons = [describe(overlap)]
    dated, date_reason = date_evidence(overlap, dates)
    if date_reason:
        reasons.append(date_reason)
    if independent:
        reasons.append(f"{independent + 1} independent sources hold the same private files")
    if trust == "trusted":
        return Decision(PUBLIC, kind, ("trusted by the user (--trust)", *reasons))
    if trust == "distrusted":
        return Decision(HOLDS_PRIVATE_CODE, kind, ("distrusted by the user (--distrust)", *reasons))
    if kind == "none":
        return Decision(PUBLIC, kind, tuple(reasons))
    top = overlap.top
    named_after = top is not None and _same_name(top.folder, name) and top.share < ALL
    importer = next((r for r in overlap.repos if r.outside_imports), None)
    if importer is not None:
        reasons.append(_imports_reason(importer))
    # A package whose code imports the rest of a private tree is no library kept apart in it.
    apart = top is not None and (top.apart or named_after) and importer is None
    own_code = IMPORTS_PRIVATE if importer is not None else None
    if kind == "vendored":
        if dated == HOLDS_PRIVATE_CODE:
            return Decision(HOLDS_PRIVATE_CODE, kind,
                            ("the package sits inside a larger private tree, but the company "
                             "had its code before the package existed", *reasons))  # fmt: skip
        if apart:
            return Decision(PUBLIC, kind, ("the whole package sits inside a larger private "
                                           "tree: a vendored library", *reasons))  # fmt: skip
        if importer is None:
            where = f"{top.folder}/" if top is not None and top.folder else "its root"
            reasons.append(f"the private repository keeps the shared files among code of its "
                           f"own at {where}, not apart in a folder of their own")  # fmt: skip
        if dated == PUBLIC:
            return Decision(PUBLIC, kind, ("the dates say it was published first", *reasons))
        if independent:
            return Decision(PUBLIC, kind, ("other independent sources hold the same code",
                                           *reasons))  # fmt: skip
        return Decision(HOLDS_PRIVATE_CODE, kind,
                        (own_code or "the package is made of files of a private repository, "
                         "kept among its own code: nothing shows it is a library the company "
                         "copied", *reasons))  # fmt: skip
    copied_apart = (apart and top is not None and (top.share < WHOLE or named_after)
                    and overlap.third_party_share < MOST)  # fmt: skip
    if named_after and top is not None:
        reasons.append(f"the private repository keeps it in a folder named after the package "
                       f"({top.folder}/)")  # fmt: skip
    if kind == "inside" and copied_apart:
        if dated == HOLDS_PRIVATE_CODE:
            return Decision(HOLDS_PRIVATE_CODE, kind,
                            ("the package holds the shared code as its own, but the company had "
                             "it before the package existed", *reasons))  # fmt: skip
        return Decision(PUBLIC, kind,
                        (f"the package holds the shared code as its own (not in a third-party "
                         f"folder of it), and the private repository keeps it apart at "
                         f"{top.folder}/: a library copied into the private tree",
                         *reasons))  # fmt: skip
    if kind == "inside":
        if overlap.third_party_share >= MOST:
            reasons.append(f"the package keeps {_pct(overlap.third_party_share)} of the shared "
                           "code in its own third-party folders: it is not where the code "
                           "comes from")  # fmt: skip
        if independent and dated == PUBLIC:
            return Decision(PUBLIC, kind, ("private code inside a larger package, but other "
                                           "packages hold it too and it was published first",
                                           *reasons))  # fmt: skip
        return Decision(HOLDS_PRIVATE_CODE, kind,
                        (own_code or "a substantial part of a private repository sits inside a "
                         "package that holds much other code", *reasons))  # fmt: skip
    # same, small: containment cannot tell
    if independent:
        return Decision(PUBLIC, kind, ("other independent sources hold the same code", *reasons))
    if dated == PUBLIC:
        return Decision(PUBLIC, kind, ("the dates say it was published first", *reasons))
    if dated == HOLDS_PRIVATE_CODE:
        return Decision(HOLDS_PRIVATE_CODE, kind,
                        ("the dates say the company had it first", *reasons))  # fmt: skip
    if own_code:
        return Decision(HOLDS_PRIVATE_CODE, kind, (own_code, *reasons))
    if kind == "small" and top is not None and top.share >= SUBSTANTIAL and not apart:
        where = f"{top.folder}/" if top.folder else "its root"
        return Decision(HOLDS_PRIVATE_CODE, kind,
                        (f"a substantial part of a private repository, kept among its own code "
                         f"at {where}, is in the package: nothing shows it is a library the "
                         "company copied", *reasons))  # fmt: skip
    if kind == "small":
        return Decision(PUBLIC, kind, ("a few files in common and nothing says they are the "
                                       "company's: one source is enough to call code public",
                                       *reasons))  # fmt: skip
    if copied_apart and top is not None:
        return Decision(PUBLIC, kind,
                        (f"the private repository keeps the package apart at {top.folder}/ "
                         f"beside {_pct(1 - top.share)} of code of its own: a library copied "
                         "whole into the private tree", *reasons))  # fmt: skip
    return Decision(HOLDS_PRIVATE_CODE, kind,
                    ("the package and a private repository are the same code and nothing shows "
                     "which came first", *reasons))  # fmt: skip
