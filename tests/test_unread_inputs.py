"""What leaktrace cannot read is never ``clear`` and never stops a run (trial report 1, 4, 5, 9).

Each carrier is real: an encrypted zip made by ``zip -P`` (Info-ZIP; where it is missing, a zip
written by ``zipfile`` with the encryption flag set in both of its headers, which is all a
reader sees before it needs the password), and 7z, ar/deb, cpio and lz4 files written here by
their documented formats (7zFormat.txt, ar(5) and deb(5), cpio(5) ``newc``, the LZ4 frame
format), each checked against its own tool where the machine has one.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
MONEY = (PRIVATE / "acme_ledger" / "money.py").read_bytes()
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_bytes()


def scan(store: Path, *targets: Path | str, extra: tuple[str, ...] = ()) -> tuple[int, dict, str]:
    report = store.parent / "report.json"
    report.unlink(missing_ok=True)
    (store.parent / "results.db").unlink(missing_ok=True)  # no run to resume: each is new
    done = runner.invoke(app, ["scan", *map(str, targets), "--store", str(store), "--json",
                               str(report), "--results", str(store.parent / "results.db"),
                               *extra])  # fmt: skip
    assert report.exists(), done.output
    candidates = {c["target"]: c for c in json.loads(report.read_text())["candidates"]}
    return done.exit_code, candidates, done.stderr


def unread(candidate: dict) -> dict[str, str]:
    return {item["path"]: item["message"] for item in candidate["unread"]}


# -- 1. an encrypted zip member ---------------------------------------------------------------


def encrypted_zip(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    """``zip -P secret`` over ``members`` (all encrypted); without Info-ZIP, the same zip from
    ``zipfile`` with the encryption bit (general purpose flag bit 0) set in the local and the
    central header of every member."""
    out = folder / name
    work = folder / (name + ".src")
    for member, data in members.items():
        (work / member).parent.mkdir(parents=True, exist_ok=True)
        (work / member).write_bytes(data)
    if shutil.which("zip"):
        subprocess.run(["zip", "-q", "-P", "secret", str(out.resolve()), *members], cwd=work,
                       check=True)  # fmt: skip
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        raw = bytearray(buffer.getvalue())
        for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = raw.find(signature)
            while at != -1:
                raw[at + flag_at] |= 1
                at = raw.find(signature, at + 4)
        out.write_bytes(bytes(raw))
    shutil.rmtree(work)
    with zipfile.ZipFile(out) as check:
        assert all(info.flag_bits & 1 for info in check.infolist())
    return out


def test_an_encrypted_zip_member_is_one_line_and_the_run_goes_on(store, tmp_path):
    folder = tmp_path / "c_enc"
    folder.mkdir()
    encrypted_zip(folder, "src.zip", {"money.py": MONEY})
    code, candidates, stderr = scan(store, SAMPLES / "candidates" / "subset-copy", folder)
    assert code == 1, stderr  # the other candidate's derivative is not lost
    assert candidates[str(SAMPLES / "candidates" / "subset-copy")]["verdict"] == "derivative"
    assert candidates[str(folder)]["verdict"] == "incomplete"
    assert unread(candidates[str(folder)]) == {
        "src.zip!/money.py": "not read: encrypted (a password is needed)"}  # fmt: skip
    assert f"{folder}:src.zip!/money.py: not read: encrypted" in stderr
    assert "internal error" not in stderr


def test_the_members_after_an_encrypted_one_are_read(store, tmp_path):
    """A zip whose first member is encrypted and whose second is a plain copy of a private
    file: the copy is found (derivative, exit 1), the encrypted member is still listed."""
    mixed = encrypted_zip(tmp_path, "mixed.zip", {"money.py": MONEY})
    with zipfile.ZipFile(mixed, "a") as out:
        out.writestr("lib/journal.py", JOURNAL)
    with zipfile.ZipFile(mixed) as check:
        assert [i.flag_bits & 1 for i in check.infolist()] == [1, 0]
    code, candidates, stderr = scan(store, mixed)
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert candidate["verdict"] == "derivative"
    assert {f["candidate_path"] for f in candidate["files"]} == {"lib/journal.py"}
    assert unread(candidate) == {"money.py": "not read: encrypted (a password is needed)"}


def test_guard_lists_an_encrypted_member_as_unread(store, tmp_path):
    archive = encrypted_zip(tmp_path, "src.zip", {"money.py": MONEY})
    done = runner.invoke(app, ["guard", str(archive), "--store", str(store)])
    assert done.exit_code == 3, done.output
    assert "money.py: not read: encrypted" in done.output
    assert "internal error" not in done.output


def test_no_error_reading_one_member_becomes_the_runs_internal_error(store, tmp_path,
                                                                     monkeypatch):  # fmt: skip
    """Whatever a library raises on one hostile member (here: tarfile raising a KeyError on the
    second member of a tarball) is that member's line; the other candidate is still judged."""
    import scanner.sources.carriers as carriers

    real = carriers.Unpacker._source
    calls = {"n": 0}

    def hostile(self, path, data, language, *depth):
        calls["n"] += 1
        if path.endswith("bad.py"):
            raise KeyError("a library's surprise")
        yield from real(self, path, data, language, *depth)

    monkeypatch.setattr(carriers.Unpacker, "_source", hostile)
    tarball = tmp_path / "t.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, data in (("pkg/bad.py", b"x = 1\n"), ("pkg/journal.py", JOURNAL)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    code, candidates, stderr = scan(store, tarball, SAMPLES / "candidates" / "subset-copy")
    assert code == 1, stderr
    candidate = candidates[str(tarball)]
    assert candidate["verdict"] == "derivative"  # the member after the bad one was read
    assert unread(candidate) == {
        "pkg/bad.py": "not read (KeyError: \"a library's surprise\")"}  # fmt: skip
    assert "internal error" not in stderr


def test_an_error_outside_any_member_is_the_candidates_line(store, tmp_path, monkeypatch):
    """An error a candidate source raises between its files (not a member's) ends that
    candidate, which is ``incomplete`` with one line; the next candidate is still judged."""
    from scanner.sources.local import LocalTree

    real = LocalTree.iter_files

    def broken(self):
        yield from real(self)
        raise IndexError("listing went wrong")

    monkeypatch.setattr(LocalTree, "iter_files", broken)
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "a.py").write_text("VALUE = 1\n")
    code, candidates, stderr = scan(store, folder, SAMPLES / "candidates" / "subset-copy")
    assert code == 1, stderr
    assert candidates[str(folder)]["verdict"] == "incomplete"
    assert unread(candidates[str(folder)]) == {
        "": "reading stopped (IndexError: listing went wrong); the rest is not read"
    }
    assert f"{folder}: reading stopped (IndexError: listing went wrong)" in stderr


def watch_twice(tmp_path: Path, first: dict[str, bytes]) -> tuple[object, object, dict]:
    """``watch --once`` over an npm package holding ``first`` then one leaking a private file,
    and again (a restart); the verdicts recorded."""
    from tests.servers import FakeFeeds
    from tests.watch_stream import write_store

    store = write_store(tmp_path / "acme.db")
    with FakeFeeds() as feeds:
        feeds.publish_npm("enc", "1.0.0", first)
        feeds.publish_npm("leaky", "1.0.0", {"lib/journal.py": JOURNAL})
        feeds.show()
        command = ["watch", "--store", str(store), "--results", str(tmp_path / "r.db"),
                   "--feed", "npm", "--from-beginning", "--once", "--npm-changes", feeds.url,
                   "--npm-registry", feeds.url]  # fmt: skip
        done = runner.invoke(app, command)
        again = runner.invoke(app, command)
    with sqlite3.connect(tmp_path / "r.db") as db:
        rows = dict(db.execute("SELECT target, verdict FROM candidates").fetchall())
    return done, again, rows


def test_watch_records_an_unreadable_publication_and_goes_on(tmp_path):
    """An npm package holding an encrypted zip, then one leaking a private file: the first is
    recorded ``incomplete`` with its line, the second is found, and a restart reads neither
    again (the unreadable one does not stop the watch at every start)."""
    archive = encrypted_zip(tmp_path, "src.zip", {"money.py": MONEY})
    done, again, rows = watch_twice(tmp_path, {"src.zip": archive.read_bytes()})
    assert done.exit_code == 1, done.output
    assert "npm:enc@1.0.0:package/src.zip!/money.py: not read: encrypted" in done.output
    assert rows == {"npm:enc@1.0.0": "incomplete", "npm:leaky@1.0.0": "derivative"}
    assert again.exit_code == 0, again.output
    assert "enc@1.0.0" not in again.output


def test_watch_survives_any_error_reading_a_publication(tmp_path, monkeypatch):
    """Whatever reading one publication raises (here: its archive source, between files) is
    that publication's line, recorded ``incomplete``; the watch goes on and is not stopped by
    it at the next start."""
    from scanner.sources.archive import Archive

    real = Archive.iter_files

    def failing(self):
        yield from real(self)
        if "enc" in self.target:
            raise RuntimeError("a surprise")

    monkeypatch.setattr(Archive, "iter_files", failing)
    done, again, rows = watch_twice(tmp_path, {"index.js": b"module.exports = 1;\n"})
    assert done.exit_code == 1, done.output
    assert "npm:enc@1.0.0: reading stopped (RuntimeError: a surprise)" in done.output
    assert rows == {"npm:enc@1.0.0": "incomplete", "npm:leaky@1.0.0": "derivative"}
    assert again.exit_code == 0, again.output


def test_background_learns_what_was_read_and_says_what_was_not(store, tmp_path, monkeypatch):
    """``background`` of a zip holding an encrypted member, and whose source then fails: each
    is a line, the file read is learned, the run is not an internal error."""
    from scanner.sources.archive import Archive

    real = Archive.iter_files

    def failing(self):
        yield from real(self)
        raise RuntimeError("a surprise")

    monkeypatch.setattr(Archive, "iter_files", failing)
    bundle = encrypted_zip(tmp_path, "mixed.zip", {"money.py": MONEY})
    with zipfile.ZipFile(bundle, "a") as out:
        out.writestr("lib/journal.py", JOURNAL)
    learned = tmp_path / "bg.db"
    shutil.copy(store, learned)
    done = runner.invoke(app, ["background", str(bundle), "--store", str(learned)])
    assert done.exit_code == 0, done.output
    assert f"{bundle}:money.py: not read: encrypted" in done.stderr
    assert f"{bundle}: reading stopped (RuntimeError: a surprise)" in done.stderr
    assert f"{bundle}: 1 file(s)" in done.stderr


# -- 4. archive formats leaktrace does not open ------------------------------------------------


def seven_zip(members: dict[str, bytes]) -> bytes:
    """A 7z archive of stored (Copy method) files, by 7zFormat.txt: signature header, the packed
    streams, then the header (one folder per file, names in UTF-16LE)."""
    packed = b"".join(members.values())

    def number(value: int) -> bytes:
        assert value < 0x80  # the one-byte form of 7z's NUMBER is enough here
        return bytes([value])

    files = len(members)
    header = bytearray(b"\x01\x04")  # kHeader, kMainStreamsInfo
    header += b"\x06" + number(0) + number(files) + b"\x09"  # kPackInfo: pos, count, kSize
    for data in members.values():
        header += _uint7z(len(data))
    header += b"\x00"  # kEnd
    header += b"\x07\x0b" + number(files) + b"\x00"  # kUnPackInfo, kFolder, n, not external
    header += b"\x01\x01\x00" * files  # each folder: 1 coder, id size 1, id 0x00 (Copy)
    header += b"\x0c" + b"".join(_uint7z(len(d)) for d in members.values())  # kCodersUnPackSize
    header += b"\x00\x00"  # kEnd (unpack info), kEnd (streams info)
    names = b"".join(name.encode("utf-16-le") + b"\0\0" for name in members)
    header += b"\x05" + number(files) + b"\x11" + _uint7z(len(names) + 1) + b"\x00" + names
    header += b"\x00\x00"  # kEnd (files info), kEnd (header)
    start = struct.pack("<QQI", len(packed), len(header), zlib.crc32(header))
    signature = b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start
    return signature + packed + bytes(header)


def _uint7z(value: int) -> bytes:
    """7z's NUMBER for values below 2**14 (one or two bytes)."""
    if value < 0x80:
        return bytes([value])
    assert value < 0x4000
    return bytes([0x80 | (value >> 8), value & 0xFF])


def ar_archive(members: dict[str, bytes]) -> bytes:
    """A System V ar archive (ar(5)): the global header, then a 60-byte header per member and
    its data, padded to an even offset."""
    out = bytearray(b"!<arch>\n")
    for name, data in members.items():
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
        out += data + (b"\n" if len(data) % 2 else b"")
    return bytes(out)


def deb(files: dict[str, bytes]) -> bytes:
    """A Debian binary package (deb(5)): an ar archive of ``debian-binary``, ``control.tar.xz``
    and ``data.tar.xz``."""

    def tar_xz(members: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    control = b"Package: acme\nVersion: 1.0\nArchitecture: all\nMaintainer: x <x@x>\n"
    control += b"Description: acme\n"
    return ar_archive({"debian-binary": b"2.0\n", "control.tar.xz": tar_xz({"./control": control}),
                       "data.tar.xz": tar_xz(files)})  # fmt: skip


def cpio_newc(members: dict[str, bytes]) -> bytes:
    """A cpio archive in the SVR4 ``newc`` format (cpio(5)): ``070701``, thirteen 8-digit hex
    fields, the name with its NUL, the data, each padded to 4 bytes; ``TRAILER!!!`` last."""
    out = bytearray()
    for number, (name, data) in enumerate([*members.items(), ("TRAILER!!!", b"")], start=1):
        mode = 0o100644 if data or name != "TRAILER!!!" else 0
        fields = [number, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
        out += b"070701" + "".join(f"{f:08X}" for f in fields).encode() + name.encode() + b"\0"
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def _xxh32(data: bytes, seed: int = 0) -> int:
    """xxHash32 (the LZ4 frame descriptor's checksum), for inputs under 16 bytes."""
    p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    mask = 0xFFFFFFFF

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (32 - r))) & mask

    assert len(data) < 16
    h = (seed + p5 + len(data)) & mask
    at = 0
    while at + 4 <= len(data):
        h = rotl((h + int.from_bytes(data[at : at + 4], "little") * p3) & mask, 17) * p4 & mask
        at += 4
    for byte in data[at:]:
        h = rotl((h + byte * p5) & mask, 11) * p1 & mask
    h ^= h >> 15
    h = h * p2 & mask
    h ^= h >> 13
    h = h * p3 & mask
    return h ^ (h >> 16)


def lz4_frame(data: bytes) -> bytes:
    """An LZ4 frame (lz4_Frame_format.md) holding ``data`` as one uncompressed block."""
    descriptor = bytes([0b01100000, 0x70])  # version 01, independent blocks; 4 MiB blocks
    checksum = (_xxh32(descriptor) >> 8) & 0xFF
    block = struct.pack("<I", len(data) | 0x80000000) + data  # high bit: stored as is
    return b"\x04\x22\x4d\x18" + descriptor + bytes([checksum]) + block + b"\0\0\0\0"


def _tool_reads(tool: str, args: list[str], path: Path) -> bytes | None:
    """What a format's own tool makes of a file written here (None: no such tool here)."""
    if shutil.which(tool) is None:
        return None
    return subprocess.run([tool, *args, str(path)], capture_output=True, check=True).stdout


def unopened_carriers(folder: Path) -> dict[str, str]:
    """Each carrier leaktrace does not open, holding money.py, under its usual name; and what
    its own tool lists of it, where the tool is here."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "src.7z").write_bytes(seven_zip({"money.py": MONEY}))
    (folder / "cp.cpio").write_bytes(cpio_newc({"money.py": MONEY}))
    (folder / "m.py.lz4").write_bytes(lz4_frame(MONEY))
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))  # not a carrier
    assert _tool_reads("lz4", ["-dc"], folder / "m.py.lz4") in (None, MONEY)
    listed = _tool_reads("cpio", ["-it", "-F"], folder / "cp.cpio")
    assert listed is None or b"money.py" in listed
    listed = _tool_reads("7z", ["l"], folder / "src.7z")
    assert listed is None or b"money.py" in listed
    return {"src.7z": "7z archive", "cp.cpio": "cpio archive", "m.py.lz4": "lz4 compressed data"}


def test_archives_leaktrace_does_not_open_are_unread_in_a_folder(store, tmp_path):
    expected = unopened_carriers(tmp_path / "misc")
    code, candidates, stderr = scan(store, tmp_path / "misc")
    assert code == 3, stderr
    [candidate] = candidates.values()
    assert candidate["verdict"] == "incomplete"
    assert unread(candidate) == {
        path: f"not read: {what}, a format leaktrace does not open" for path, what in
        expected.items()}  # fmt: skip
    for path in expected:
        assert f"misc:{path}: not read:" in stderr
    assert "logo.png" not in stderr
    code, candidates, stderr = scan(store, tmp_path / "misc" / "src.7z")  # given alone
    assert code == 3, stderr
    [candidate] = candidates.values()
    assert unread(candidate) == {"": f"not read: {expected['src.7z']}, a format leaktrace does "
                                     "not open"}  # fmt: skip


def test_unopened_archives_in_a_zip_are_unread_whatever_their_name(store, tmp_path):
    expected = unopened_carriers(tmp_path / "misc")
    bundle = tmp_path / "misc.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for path in (*expected, "logo.png"):
            archive.write(tmp_path / "misc" / path, path)
        archive.write(tmp_path / "misc" / "src.7z", "renamed.dat")  # named as nothing
    code, candidates, stderr = scan(store, bundle)
    assert code == 3, stderr
    [candidate] = candidates.values()
    assert set(unread(candidate)) == {*expected, "renamed.dat"}
    done = runner.invoke(app, ["guard", str(bundle), "--store", str(store)])
    assert done.exit_code == 3, done.output
    assert "renamed.dat" in done.output


def test_a_deb_and_other_ar_archives_are_opened(store, tmp_path):
    """A .deb is an ar archive whose data.tar.xz holds the package's files: the leak inside is
    found under its path there; a BSD-named member (``#1/N``) and a GNU long name (``/N``) are
    read by their names; a static library's object files are no code and pass as before."""
    package = tmp_path / "pkg.deb"
    package.write_bytes(deb({"./usr/lib/acme/money.py": MONEY}))
    listed = _tool_reads("dpkg-deb", ["--contents"], package)
    assert listed is None or b"./usr/lib/acme/money.py" in listed
    code, candidates, stderr = scan(store, package)
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert {f["candidate_path"] for f in candidate["files"]} == {
        "data.tar.xz!/usr/lib/acme/money.py"}  # fmt: skip
    assert candidate["unread"] == []
    long_name = "a_very_long_module_name_for_gnu.py"
    names = b"other.py/\n" + long_name.encode() + b"/\n"  # the // table; the member is /10
    bsd = b"journal.py".ljust(12, b"\0")
    library = ar_archive({"//": names, "/10": JOURNAL, "#1/12": bsd + MONEY, "x.o": b"\x7fELF"})
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libacme.a").write_bytes(library)
    if shutil.which("ar"):
        listed = subprocess.run(["ar", "t", str(tmp_path / "lib" / "libacme.a")],
                                capture_output=True, check=True).stdout  # fmt: skip
        assert long_name.encode() in listed
    code, candidates, stderr = scan(store, tmp_path / "lib")
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert {f["candidate_path"] for f in candidate["files"]} == {
        f"libacme.a!/{long_name}", "libacme.a!/journal.py"}  # fmt: skip
    assert candidate["unread"] == []
    (tmp_path / "lib" / "libacme.a").write_bytes(library[:-100])  # cut short
    (tmp_path / "lib" / "bad.a").write_bytes(b"!<arch>\nx.py            0  0 0 644 -5  `\n")
    code, candidates, stderr = scan(store, tmp_path / "lib")
    assert code == 1, stderr  # what was read before the cut stands
    [candidate] = candidates.values()
    assert unread(candidate) == {
        "libacme.a": "corrupt or unreadable ar archive (a member cut short (36 bytes missing))",
        "bad.a": "corrupt or unreadable ar archive (an ar member header that is cut short or "
                 "malformed)"}  # fmt: skip


# -- 5. max_files in a folder ------------------------------------------------------------------


def test_max_files_counts_a_folders_entries(store, tmp_path):
    """A folder's files and folders count against ``max_files`` as an archive's entries do."""
    folder = tmp_path / "c_unrel"
    shutil.copytree(SAMPLES / "candidates" / "unrelated-large", folder)
    entries = sum(1 for _ in folder.rglob("*"))  # files and folders
    assert entries > sum(1 for p in folder.rglob("*") if p.is_file())
    config = tmp_path / "lim.toml"
    config.write_text(f"[limits]\nmax_files = {entries - 1}\n")
    code, candidates, stderr = scan(store, folder, extra=("--config", str(config)))
    assert code == 3, stderr
    [candidate] = candidates.values()
    assert candidate["verdict"] == "incomplete"
    assert unread(candidate) == {"": f"more than {entries - 1} entries; the rest is not read"}
    assert f"c_unrel: more than {entries - 1} entries; the rest is not read" in stderr
    config.write_text(f"[limits]\nmax_files = {entries}\n")
    code, candidates, stderr = scan(store, folder, extra=("--config", str(config)))
    assert code == 0, stderr


# -- 9. scripts named by their #! line ---------------------------------------------------------


@pytest.mark.parametrize("line", [b"#!/usr/bin/env python3", b"#!/usr/bin/python3.12 -u",
                                  b"#! /usr/bin/env -S python3 -X dev"])  # fmt: skip
def test_a_script_without_an_extension_is_read_by_its_shebang(store, tmp_path, line):
    folder = tmp_path / "tools"
    folder.mkdir()
    (folder / "moneytool").write_bytes(line + b"\n" + MONEY)
    (folder / "notes").write_bytes(b"#!/bin/sh\necho hello\n")  # no grammar for sh: not code
    code, candidates, stderr = scan(store, folder)
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert {f["candidate_path"] for f in candidate["files"]} == {"moneytool"}
    code, candidates, stderr = scan(store, folder / "moneytool")  # given alone
    assert code == 1, stderr
    # inside an archive too
    tarball = tmp_path / "tools.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(folder / "moneytool", "bin/moneytool")
    code, candidates, stderr = scan(store, tarball)
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert {f["candidate_path"] for f in candidate["files"]} == {"bin/moneytool"}


def test_shebang_languages():
    from fingerprints import language_for_shebang

    assert language_for_shebang(b"#!/usr/bin/env node\nx") == "javascript"
    assert language_for_shebang(b"#!/usr/bin/ruby -w\n") == "ruby"
    assert language_for_shebang(b"#!/usr/bin/env php\n") == "php"
    assert language_for_shebang(b"#!/usr/bin/python2.7\n") == "python"
    assert language_for_shebang(b"#!/bin/bash\n") is None
    assert language_for_shebang(b"#!/usr/bin/env\n") is None
    assert language_for_shebang(b"import os\n") is None
    assert language_for_shebang(b"#!" + b"x" * 600) is None


# -- ar members that name no file: symbol tables, the long-name table, blank headers ----------

ACCOUNTS = (PRIVATE / "acme_ledger" / "accounts.py").read_bytes()


def _leak_tgz() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("acme/accounts.py")
        info.size = len(ACCOUNTS)
        archive.addfile(info, io.BytesIO(ACCOUNTS))
    return buffer.getvalue()


@pytest.mark.parametrize("table", ["/", "/SYM64/", "__.SYMDEF", "__.SYMDEF SORTED", "//"])
def test_a_carrier_in_an_ar_symbol_or_long_name_table_is_opened(store, tmp_path, table):
    """ar(5)'s symbol tables (``/``, ``/SYM64/``, BSD ``__.SYMDEF``) and GNU long-name table
    (``//``) name no file, but their bytes are looked at as any member's are: a tarball in one
    is opened and the leak in it found, never passed over as ``clear``."""
    package = tmp_path / "pkg.deb"
    package.write_bytes(ar_archive({"debian-binary": b"2.0\n", table: _leak_tgz()}))
    code, candidates, stderr = scan(store, package)
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert candidate["verdict"] == "derivative"
    [found] = {f["candidate_path"] for f in candidate["files"]}
    assert found.endswith("!/acme/accounts.py")


def test_real_ar_tables_are_passed_over_and_a_long_name_table_past_64_kib_is_an_unread_line(
    store, tmp_path
):
    """A symbol table of binary offsets and a long-name table of names hold no file: no line.
    A long-name table larger than the 64 KiB read of it: what lies past that is not read."""
    symbols = struct.pack(">I", 1) + struct.pack(">I", 0) + b"main\0\0"
    names = b"a_very_long_module_name_for_gnu.py/\n"
    library = ar_archive({"/": symbols, "//": names, "/0": JOURNAL})
    (tmp_path / "lib.a").write_bytes(library)
    code, candidates, stderr = scan(store, tmp_path / "lib.a")
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert {f["candidate_path"] for f in candidate["files"]} == {
        "a_very_long_module_name_for_gnu.py"}  # fmt: skip
    assert candidate["unread"] == []
    huge = names + b"x" * (70 * 1024) + b"\n"
    (tmp_path / "lib.a").write_bytes(ar_archive({"//": huge, "/0": JOURNAL}))
    code, candidates, stderr = scan(store, tmp_path / "lib.a")
    [candidate] = candidates.values()
    assert candidate["verdict"] == "derivative"
    assert unread(candidate) == {
        "[ar long-name table]": f"not read: {len(huge) - 64 * 1024:,} bytes past the first "
                                "65,536 (the names read from an ar long-name table)"}  # fmt: skip


def test_a_blank_ar_header_with_more_after_it_is_corrupt_not_the_end(store, tmp_path):
    """Only the end of the file (or padding shorter than a header) ends an ar archive: a header
    of spaces with a member after it is a corrupt archive, never a quiet end that reads as
    ``clear``."""
    blank = ar_archive({"debian-binary": b"2.0\n"}) + b" " * 59 + b"\n"
    (tmp_path / "ws.a").write_bytes(blank + ar_archive({"leak.py/": ACCOUNTS})[8:])
    code, candidates, stderr = scan(store, tmp_path / "ws.a")
    assert code == 3, stderr
    [candidate] = candidates.values()
    assert unread(candidate) == {
        "": "corrupt or unreadable ar archive (a blank ar member header with more bytes after "
            "it)"}  # fmt: skip
    (tmp_path / "ws.a").write_bytes(blank)  # trailing padding only: the end
    (tmp_path / "pad.a").write_bytes(ar_archive({"debian-binary": b"2.0\n"}) + b"\n\n  ")
    code, candidates, stderr = scan(store, tmp_path / "ws.a", tmp_path / "pad.a")
    assert code == 0, stderr
    assert all(c["verdict"] == "clear" for c in candidates.values()), candidates


def test_an_ar_long_name_outside_the_table_is_an_unread_line(store, tmp_path):
    """``/N`` past the end of the ``//`` table names nothing: the member is an unread line (or,
    if its bytes are a carrier, opened under a placeholder name), never dropped."""
    names = b"other.py/\n"
    (tmp_path / "ln.a").write_bytes(ar_archive({"//": names, "/9999999999999": ACCOUNTS}))
    code, candidates, stderr = scan(store, tmp_path / "ln.a")
    assert code == 3, stderr
    [candidate] = candidates.values()
    assert unread(candidate) == {
        "[ar member /9999999999999]": "not read: its name (/9999999999999) lies outside the "
                                      "ar long-name table (10 bytes read)"}  # fmt: skip
    (tmp_path / "ln.a").write_bytes(ar_archive({"//": names, "/9999999999999": _leak_tgz()}))
    code, candidates, stderr = scan(store, tmp_path / "ln.a")
    assert code == 1, stderr
    [candidate] = candidates.values()
    assert {f["candidate_path"] for f in candidate["files"]} == {
        "[ar member /9999999999999]!/acme/accounts.py"}  # fmt: skip
