"""A zip is read from its central directory, as unzip and zipfile read it; but its entries' local
headers are what a streaming reader (Java's ZipInputStream, a browser's unzip, ``bsdtar``) reads,
one after another. An entry whose local header and data sit in the file but which the central
directory does not list is a leak in the published bytes that a central-directory reader never
sees: it is one line naming the zip and the entry, and the candidate is ``incomplete``."""

from __future__ import annotations

import io
import struct
import zipfile

from tests.test_hostile import JOURNAL, scan

_CENTRAL = b"PK\x01\x02"


def zip_bytes(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return out.getvalue()


def unlisted(data: bytes, hidden: str) -> bytes:
    """``data`` (a zip) with the central directory record of ``hidden`` taken out: its local
    header and data stay where they are."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        start = archive.start_dir
    records, at = [], start
    while data.startswith(_CENTRAL, at):
        names, extra, comment = struct.unpack("<HHH", data[at + 28 : at + 34])
        end = at + 46 + names + extra + comment
        records.append(data[at:end])
        at = end
    kept = [r for r in records if r[46 : 46 + len(hidden)] != hidden.encode()]
    directory = b"".join(kept)
    end_record = bytearray(data[at:])
    struct.pack_into("<HHII", end_record, 8, len(kept), len(kept), len(directory), start)
    return data[:start] + directory + bytes(end_record)


def test_an_entry_the_central_directory_does_not_list_is_said_not_read(store, tmp_path):
    data = unlisted(zip_bytes({"pkg/journal.py": JOURNAL, "pkg/__init__.py": "x = 1\n"}),
                    "pkg/journal.py")  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["pkg/__init__.py"]  # what unzip and zipfile see
    path = tmp_path / "lib.zip"
    path.write_bytes(data)
    done, report, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert [c["verdict"] for c in report["candidates"]] == ["incomplete"]
    [line] = [line for line in done.stderr.splitlines() if "central directory" in line]
    assert "lib.zip: not read: " in line and "'pkg/journal.py'" in line, line


def test_a_zip_inside_a_zip_with_an_unlisted_entry_is_said_not_read_too(store, tmp_path):
    inner = unlisted(zip_bytes({"a.py": JOURNAL, "b.py": "x = 1\n"}), "a.py")
    path = tmp_path / "outer.zip"
    path.write_bytes(zip_bytes({"README": "hi\n"}))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("vendor/inner.whl", inner)
    done, _, _ = scan(store, path)
    assert done.returncode == 3, done.stderr
    assert "vendor/inner.whl: not read: " in done.stderr


class Unseekable(io.BytesIO):
    """Where zipfile writes as to a pipe: each entry's sizes in a data descriptor."""

    def seekable(self) -> bool:
        return False

    def seek(self, *_: object) -> int:
        raise io.UnsupportedOperation("seek")

    def tell(self) -> int:
        raise io.UnsupportedOperation("tell")


def test_a_stub_before_a_zip_that_holds_the_signature_is_no_entry(store, tmp_path):
    """A self-extractor's stub holds the local header's signature as a constant; a zipapp its
    ``#!`` line; entries with data descriptors (streamed zips) leave no gap: none is a line."""
    stub = b"\x7fELF" + b"\0" * 60 + b"PK\x03\x04" + b"\xff" * 200
    streamed = Unseekable()
    with zipfile.ZipFile(streamed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("a.py", "b.py"):  # sizes in a data descriptor after the data
            archive.writestr(name, "x = 1\n" * 100)
    assert zipfile.ZipFile(io.BytesIO(streamed.getvalue())).infolist()[0].flag_bits & 0x08
    launcher = b"#!/usr/bin/env python3\n"
    targets = []
    for name, data in (("sfx.zip", stub + zip_bytes({"a.py": "x = 1\n"})),
                       ("app.pyz", launcher + zip_bytes({"__main__.py": "x = 1\n"})),
                       ("streamed.zip", streamed.getvalue())):  # fmt: skip
        (tmp_path / name).write_bytes(data)
        targets.append(tmp_path / name)
    done, _, _ = scan(store, *targets)
    assert "central directory" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
