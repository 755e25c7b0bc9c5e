"""A link inside an archive holds nothing of its own, but extracted it is its target under its
own name: ``pkg/journal.py`` linked to ``pkg/notes.rst`` is a Python module once unpacked, and
the copy in ``notes.rst`` is read as no code here. Such a link (symbolic or hard, before or
after its target) is one unread line; a link to a file read in its own language is not."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile

import pytest

from tests.test_hostile import JOURNAL, scan


def entry(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, target: str = ""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, target, len(data)
    return info, io.BytesIO(data)


@pytest.mark.parametrize("kind", [tarfile.LNKTYPE, tarfile.SYMTYPE], ids=["hard", "symbolic"])
def test_a_code_named_link_to_an_entry_read_as_no_code_is_one_line(store, tmp_path, kind):
    path = tmp_path / "pkg.tgz"
    target = "pkg/notes.rst" if kind == tarfile.LNKTYPE else "notes.rst"
    with tarfile.open(path, "w:gz") as archive:
        archive.addfile(*entry("pkg/notes.rst", JOURNAL.encode()))
        archive.addfile(*entry("pkg/journal.py", kind=kind, target=target))
        archive.addfile(*entry("pkg/ok.py", b"x = 1\n"))
        ok = target.replace("notes.rst", "ok.py")
        archive.addfile(*entry("pkg/ok_link.py", kind=kind, target=ok))
    done, report, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    [line] = [line for line in done.stderr.splitlines() if "not read" in line]
    assert "pkg.tgz:pkg/journal.py: not read: a link to 'pkg/notes.rst'" in line, line


def test_a_symbolic_link_before_its_target_is_one_line_too(store, tmp_path):
    path = tmp_path / "pkg.tar"
    with tarfile.open(path, "w") as archive:
        archive.addfile(*entry("src/money.py", kind=tarfile.SYMTYPE, target="../data/m.rst"))
        archive.addfile(*entry("data/m.rst", JOURNAL.encode()))
    done, _, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert "pkg.tar:src/money.py: not read: a link to 'data/m.rst'" in done.stderr


def test_a_zip_symbolic_link_to_an_entry_read_as_no_code_is_one_line(store, tmp_path):
    path = tmp_path / "pkg.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/notes.rst", JOURNAL)
        link = zipfile.ZipInfo("pkg/journal.py")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "notes.rst")  # what unzip makes the link point to
    done, _, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert "pkg.zip:pkg/journal.py: not read: a link to 'pkg/notes.rst'" in done.stderr


def test_a_link_to_an_entry_read_as_code_by_its_text_loses_nothing(store, tmp_path):
    """``notes.txt`` holding the code is read as Python by its text (``language_for_text``):
    a ``.py`` link to it loses nothing, and says nothing unread."""
    path = tmp_path / "pkg.tgz"
    with tarfile.open(path, "w:gz") as archive:
        archive.addfile(*entry("pkg/notes.txt", JOURNAL.encode()))
        archive.addfile(*entry("pkg/journal.py", kind=tarfile.SYMTYPE, target="notes.txt"))
    done, report, _ = scan(store, path)
    assert done.returncode == 1, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["derivative"]
    assert "not read" not in done.stderr, done.stderr
