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
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()
PRIVATE = SAMPLES / "private" / "acme-ledger"
MONEY = (PRIVATE / "acme_ledger" / "money.py").read_bytes()
JOURNAL = (PRIVATE / "acme_ledger" / "journal.py").read_bytes()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "store.db"
    done = runner.invoke(app, ["fingerprint", str(PRIVATE), "--store", str(db)])
    assert done.exit_code == 0, done.output
    return db


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

    def hostile(self, path, data, language):
        calls["n"] += 1
        if path.endswith("bad.py"):
            raise KeyError("a library's surprise")
        yield from real(self, path, data, language)

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


def test_watch_records_an_unreadable_publication_and_goes_on(tmp_path):
    """An npm package holding an encrypted zip, then one leaking a private file: the first is
    recorded ``incomplete`` with its line, the second is found, and a restart reads neither
    again (the unreadable one does not stop the watch at every start)."""
    from tests.servers import FakeFeeds
    from tests.watch_stream import write_store

    store = write_store(tmp_path / "acme.db")
    archive = encrypted_zip(tmp_path, "src.zip", {"money.py": MONEY})
    with FakeFeeds() as feeds:
        feeds.publish_npm("enc", "1.0.0", {"src.zip": archive.read_bytes()})
        feeds.publish_npm("leaky", "1.0.0", {"lib/journal.py": JOURNAL})
        feeds.show()
        command = ["watch", "--store", str(store), "--results", str(tmp_path / "r.db"),
                   "--feed", "npm", "--from-beginning", "--once", "--npm-changes", feeds.url,
                   "--npm-registry", feeds.url]  # fmt: skip
        first = runner.invoke(app, command)
        again = runner.invoke(app, command)
    assert first.exit_code == 1, first.output
    assert "npm:enc@1.0.0:package/src.zip!/money.py: not read: encrypted" in first.output
    with sqlite3.connect(tmp_path / "r.db") as db:
        rows = dict(db.execute("SELECT target, verdict FROM candidates").fetchall())
    assert rows == {"npm:enc@1.0.0": "incomplete", "npm:leaky@1.0.0": "derivative"}
    assert again.exit_code == 0, again.output
    assert "enc@1.0.0" not in again.output
