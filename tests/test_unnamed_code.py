"""Inputs a scan used to call ``clear`` with exit 0 although they held the private code: a
copy kept under its source's name with a suffix (``x.py~``, ``x.py.bak``), code under a name
that tells nothing (``PASTE.log``, ``numbers``, a bucket's object), a source stored gzip-encoded
under its own name, bytecode beside a decoy source. Each is built here (real files, archives,
bytecode) and scanned through the CLI (a git URL scanned without its history: test_git_history).
``clear`` must mean "read all of it and found nothing"."""

from __future__ import annotations

import gzip
import os
import py_compile
import shutil
from pathlib import Path

import pytest

from fingerprints import language_for_text
from tests.conftest import SAMPLES
from tests.test_carriers import JOURNAL, evidence, scan, tar_bytes, zip_bytes

_NAMES = ["journal.py~", "journal.py.~3~", "journal.py.bak", "journal.py.orig", "journal.py.old",
          "journal.py.txt", "journal.txt", "PASTE.log", "journal", "notes.2024-01-02"]  # fmt: skip


@pytest.mark.parametrize("name", _NAMES)
def test_code_under_a_name_that_tells_no_language_is_read(store, tmp_path, name):
    """A backup suffix is read in its inner name's language; other text whose name tells
    nothing is read when it looks like code; both in a folder and inside an archive."""
    folder = tmp_path / "leak"
    folder.mkdir()
    (folder / name).write_bytes(JOURNAL)
    code, candidate, stderr = scan(store, folder)
    assert (code, candidate["verdict"]) == (1, "derivative"), stderr
    assert evidence(candidate) == {name}
    archive = tmp_path / "leak.tgz"
    archive.write_bytes(tar_bytes({f"pkg/{name}": JOURNAL}, "w:gz"))
    code, candidate, stderr = scan(store, archive)
    assert (code, candidate["verdict"]) == (1, "derivative"), stderr
    assert evidence(candidate) == {f"pkg/{name}"}


def test_a_gzip_stream_under_a_name_that_tells_nothing_is_read(store, tmp_path):
    """A bucket's object, named by its hash, holding a gzip stream of the code."""
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (bucket / "7f3a9c0e11").write_bytes(gzip.compress(JOURNAL))
    code, candidate, stderr = scan(store, bucket)
    assert (code, candidate["verdict"]) == (1, "derivative"), stderr
    assert evidence(candidate) == {"7f3a9c0e11!/7f3a9c0e11"}


def test_a_source_stored_gzip_encoded_under_its_own_name_is_read(store, tmp_path):
    """``src/journal.py`` holding gzip bytes (a bucket serves it with Content-Encoding: gzip):
    recognised by its bytes, decompressed and read, not called binary."""
    folder = tmp_path / "site"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "journal.py").write_bytes(gzip.compress(JOURNAL))
    code, candidate, stderr = scan(store, folder)
    assert (code, candidate["verdict"]) == (1, "derivative"), stderr
    assert evidence(candidate) == {"src/journal.py!/journal.py"}
    assert candidate["complete"] is True, candidate["unread"]


def test_files_passed_over_are_counted_and_said(store, tmp_path):
    """Prose, data and binaries under names that tell no language are not code: passed over,
    counted in one line, so a candidate with no file read is never a silent ``clear``."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("LICENSE", "README.txt"):
        shutil.copy(SAMPLES.parent / "README.md", folder / name)
    (folder / "build.log").write_text("Collecting x\nInstalled 3 packages in 2.1s: done\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    code, candidate, stderr = scan(store, folder)
    assert (code, candidate["verdict"], candidate["scanned"]["files"]) == (0, "clear", 0)
    [line] = candidate["problems"]
    assert line["message"].startswith("4 file(s) skipped: no language leaktrace reads"), line
    assert "4 file(s) skipped" in stderr


def test_prose_and_data_do_not_look_like_code():
    """The README, the package metadata and a catalogue look like no code; the code does."""
    assert language_for_text((SAMPLES.parent / "README.md").read_bytes()) is None
    assert language_for_text(b"Metadata-Version: 2.1\nName: acme\nVersion: 1.0\n" * 20) is None
    assert language_for_text(b'msgid "Hello"\nmsgstr "Bonjour"\n\n' * 30) is None
    assert language_for_text(b"#!/usr/bin/perl\nuse strict;\nmy $x = 1;\nprint $x;\n") is None
    assert language_for_text(JOURNAL) == "python"


def test_one_kind_of_line_repeated_is_no_language():
    """Lines of one kind that one language writes so, repeated, are not enough: pygments' and
    Go's fixtures (Coq's ``x := y``, MATLAB's ``end``, TypeScript's ``var x: T = ``, a Go
    package taken for Kotlin) were guessed code, then parsed mostly as errors."""
    coq = b"".join(b"Definition rec%d := fun x => x.\n  intros; auto.\n" % i for i in range(9))
    assert language_for_text(coq) is None
    matlab = b"function y = f%d(x)\n  y = x + 1;\nend\n" % 1 * 9
    assert language_for_text(matlab) is None
    typescript = b'var tom: Animal = new Horse("Tommy");\nalert(tom.name);\n' * 9
    assert language_for_text(typescript) is None
    go = b"package main\n\nfunc main() {\n    var s = []int{1, 2, 3}\n    println(s)\n}\n"
    assert language_for_text(go) == "go"


# a txtar of commands and a file: its Kotlin-looking lines told Kotlin, the parse all errors
_NOT_KOTLIN = (b"# notes\n\ncd m\nstderr ' -lang=go1.16'\n-- m/main.kt --\n"
               b"package com.acme.notes\n\nfun main() {\n    var s = listOf(1, 2, 3)\n"
               b"    var pa = (*[2]int)(s[1:])\n    println(pa[1])\n}\n")  # fmt: skip


def test_text_guessed_code_that_parses_mostly_as_errors_is_skipped(store, tmp_path):
    """A package's fixture under a name that tells nothing, taken for code by its text and
    mostly errors to the parser, is one skipped line naming it: the guess was wrong, nothing
    was lost, and the package stays ``clear`` (it was ``incomplete``); the leak under such a
    name beside it is still read."""
    assert language_for_text(_NOT_KOTLIN) == "kotlin"
    folder = tmp_path / "pkg"
    (folder / "testdata").mkdir(parents=True)
    (folder / "testdata" / "build_order").write_bytes(_NOT_KOTLIN)
    code, candidate, stderr = scan(store, folder)
    assert (code, candidate["verdict"], candidate["unread"]) == (0, "clear", []), stderr
    [line] = [p for p in candidate["problems"] if "taken for code" in p["message"]]
    assert line["message"].startswith("1 file(s) skipped: taken for code by their text alone")
    assert "'testdata/build_order'" in line["message"], line
    assert "near line" not in stderr
    (folder / "PASTE").write_bytes(JOURNAL)
    code, candidate, stderr = scan(store, folder)
    assert (code, candidate["verdict"]) == (1, "derivative"), stderr
    assert evidence(candidate) == {"PASTE"}


def test_text_guessed_code_with_syntax_errors_is_one_line(store, tmp_path):
    """Scripts with Go inside (Go's cmd/go/testdata), taken for Go by their text, read with a
    syntax error each: one line counts them, not a line each (210 lines for Go's sources)."""
    script = (b"go build -n\nstderr 'ok'\n-- go.mod --\nmodule example.com\n-- main.go --\n"
              b"package main\n\nfunc main() {\n    n := %d\n    println(n)\n}\n")  # fmt: skip
    folder = tmp_path / "testdata"
    folder.mkdir()
    for i in range(5):
        assert language_for_text(script % i) == "go"
        (folder / f"build_{i}.txt").write_bytes(script % i)
    code, candidate, stderr = scan(store, folder)
    assert (code, candidate["verdict"], candidate["unread"]) == (0, "clear", []), stderr
    [line] = [p for p in candidate["problems"] if "syntax error" in p["message"]]
    assert line["message"].startswith("5 file(s) taken for code by their text alone"), line
    assert "near line" not in stderr


def compile_to(source: Path, cfile: Path, source_bytes: bytes, **how: object) -> bytes:
    """The bytecode CPython writes for ``source_bytes`` at ``source`` (its size and time, or
    its hash, recorded in the header)."""
    source.write_bytes(source_bytes)
    cfile.parent.mkdir(parents=True, exist_ok=True)
    py_compile.compile(str(source), cfile=str(cfile), doraise=True, **how)  # type: ignore[arg-type]
    return cfile.read_bytes()


@pytest.mark.parametrize("mode", ["timestamp", "checked-hash"])
def test_bytecode_beside_a_decoy_source_is_unread(store, tmp_path, mode):
    """``pkg/nums.py`` holding ``def f(): return 1`` beside ``__pycache__/nums.*.pyc``
    compiled from the private code: the header records another source, so the bytecode is
    unread (``incomplete``), in a folder, a wheel and a tarball; bytecode compiled from the
    source beside it loses nothing (``clear``, no line)."""
    how = {"invalidation_mode": py_compile.PycInvalidationMode[mode.upper().replace("-", "_")]}
    decoy = b"def f(): return 1\n"
    work = tmp_path / "work"
    work.mkdir()
    leaked = compile_to(work / "nums.py", work / "leak.pyc", JOURNAL, **how)
    pyc = "pkg/__pycache__/nums.cpython-312.pyc"
    folder = tmp_path / "folder"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "nums.py").write_bytes(decoy)
    (folder / "pkg" / "__pycache__").mkdir()
    (folder / pyc).write_bytes(leaked)
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(zip_bytes({"pkg/nums.py": decoy, pyc: leaked}))
    tarball = tmp_path / "pkg-1.0.tar.gz"
    tarball.write_bytes(tar_bytes({"pkg/nums.py": decoy, pyc: leaked}, "w:gz"))
    for target in (folder, wheel, tarball):
        code, candidate, stderr = scan(store, target)
        assert (code, candidate["verdict"]) == (3, "incomplete"), (target, stderr)
        [unread] = candidate["unread"]
        assert unread["path"] == pyc and "does not record the source beside it" in unread["message"]
    # the bytecode of the very source beside it: nothing unread
    honest = tmp_path / "honest"
    (honest / "pkg").mkdir(parents=True)
    real = compile_to(honest / "pkg" / "nums.py", honest / pyc, decoy, **how)
    wheel.write_bytes(zip_bytes({"pkg/nums.py": decoy, pyc: real}))
    for target in (honest, wheel):
        code, candidate, stderr = scan(store, target)
        assert (code, candidate["verdict"], candidate["unread"]) == (0, "clear", []), stderr


def test_bytecode_beside_a_source_changed_since_is_unread(store, tmp_path):
    """Same size, another time: the source beside it is not what was compiled."""
    folder = tmp_path / "folder"
    (folder / "pkg").mkdir(parents=True)
    source = folder / "pkg" / "nums.py"
    compile_to(source, folder / "pkg" / "__pycache__" / "nums.cpython-312.pyc", JOURNAL)
    source.write_bytes(b"#" * len(JOURNAL))
    os.utime(source, (1_000_000_000, 1_000_000_000))
    code, candidate, _ = scan(store, folder)
    assert (code, candidate["verdict"]) == (3, "incomplete")
