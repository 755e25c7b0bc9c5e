"""What a tar holds after its end-of-archive blocks or after a damaged header. tarfile stops at
the first zero block and, silently, at the first header that does not check out; GNU tar goes
on past the one with ``-i`` (two tars concatenated, ``cat a.tar b.tar``, or two gzip members
each a tar) and past the other by default ("Skipping to next header"), and extracts what
follows. Both are read here; bytes skipped that are no member and no zeros are one line."""

from __future__ import annotations

import gzip
import io
import tarfile

from scanner.sources import Archive, Limits
from tests.test_hostile import JOURNAL, scan


def tar(name: str, text: str) -> bytes:
    """A tar of one member, with its end-of-archive blocks and record padding."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(text.encode())
        archive.addfile(info, io.BytesIO(text.encode()))
    return out.getvalue()


def test_a_tar_after_the_end_of_a_tar_is_read(store, tmp_path):
    path = tmp_path / "pkg.tgz"
    path.write_bytes(gzip.compress(tar("package/index.js", "var a = 1;\n"))
                     + gzip.compress(tar("package/journal.py", JOURNAL)))  # fmt: skip
    done, report, _ = scan(store, path)
    assert done.returncode == 1, done.stderr
    [candidate] = report["candidates"]
    assert {p["candidate_path"] for p in candidate["files"]} == {"package/journal.py"}


def member(name: str, text: str, damaged: bool = False) -> bytes:
    """One member's header and data, padded, and no end; ``damaged``: a header whose checksum
    does not check out."""
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    if damaged:
        header[148:156] = b"0000000\0"
    return bytes(header) + data + b"\0" * (-len(data) % 512)


def test_members_after_a_damaged_header_are_read_and_the_skipped_bytes_said(store, tmp_path):
    path = tmp_path / "pkg.tar"
    path.write_bytes(member("package/index.js", "var a = 1;\n")
                     + member("package/notes.py", "x = 1\n" * 200, damaged=True)
                     + tar("package/journal.py", JOURNAL))  # fmt: skip
    done, report, _ = scan(store, path)
    assert done.returncode == 1, done.stderr
    [candidate] = report["candidates"]
    assert {p["candidate_path"] for p in candidate["files"]} == {"package/journal.py"}
    [line] = [line for line in done.stderr.splitlines() if "no tar member" in line]
    assert "pkg.tar: not read: 2,048 bytes that are no tar member" in line, line


def test_zeros_after_the_end_are_counted_against_the_byte_budget(tmp_path):
    path = tmp_path / "zeros.tgz"
    with gzip.open(path, "wb") as out:
        out.write(tar("a.py", "x = 1\n"))
        for _ in range(64):
            out.write(b"\0" * (1 << 20))
    archive = Archive(path, limits=Limits(max_total_bytes=8 << 20))
    assert [f.path for f in archive.iter_files()] == ["a.py"]
    assert [p.message for p in archive.problems if p.partial] == [
        "more than 8,388,608 bytes read (an archive bomb?); the rest is not read"]  # fmt: skip
